/* sampler.c - the root's sampler thread: it takes every sample (the first
 * at once, then on an absolute monotonic cadence), writes every record and
 * every batch, and does the final work at exit, so that nothing heavy runs
 * on a host thread's stack.  Host threads only post requests (exec, exit)
 * and wait for them a bounded time. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rtrack.h"
#include "tracker.h"

#define FLUSH_PERIOD_NS 1000000000ull /* a kill loses at most this */
#define BATCH_BYTES (64 * 1024)
#define SAMPLER_STACK (256 * 1024)
/* How long exit and exec wait for the sampler: a sample takes milliseconds,
 * but statfs of a dead network mount can hang it; the host must not. */
#define REQUEST_WAIT_NS 1000000000ull

static uint8_t batch_mem[BATCH_BYTES];
static struct tracker tree;
static pid_t sampler_tid; /* set by the thread itself: see sampler_exit */

static void sampler_flush(void)
{
	int rc;

	if (rt.write_failed) {
		logwrite_clear(&rt.batch);
		return;
	}
	rc = logfile_append(rt.path, &rt.batch);
	logwrite_clear(&rt.batch);
	rt.last_flush_ns = rtrack_clock_ns(CLOCK_REALTIME);
	if (rc < 0) {
		/* Warn once and stop writing; the host goes on untouched. */
		rt.write_failed = 1;
		rtrack_say("cannot write ", rt.path, ": tracking stopped");
	}
}

/* Append a record, flushing first when the batch is full (the call is
 * repeated: a refused record leaves the batch as it was). */
#define SAMPLER_PUT(call)                                                     \
	do {                                                                   \
		if ((call) == -ENOSPC) {                                       \
			sampler_flush();                                       \
			(void)(call);                                          \
		}                                                              \
	} while (0)

static void sampler_gone(const struct rt_proc *p, void *ctx)
{
	(void)ctx;
	SAMPLER_PUT(logwrite_proc(&rt.batch, p));
}

static void sampler_take(void)
{
	struct rt_sample s;
	uint64_t now = rtrack_clock_ns(CLOCK_REALTIME);

	tracker_sample(&tree, now, &s, sampler_gone, NULL);
	s.tracker_cpu_ns = rtrack_clock_ns(CLOCK_THREAD_CPUTIME_ID);
	s.missing &= ~((uint64_t)1 << RT_F_tracker_cpu_ns);
	SAMPLER_PUT(logwrite_sample(&rt.batch, &s));
	rt.samples++;
	if (now - rt.last_flush_ns >= FLUSH_PERIOD_NS)
		sampler_flush();
}

static uint64_t tv_us(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

/* The end record (FORMAT.md E) into b; tracker_cpu_ns from the caller. */
static void sampler_end_record(struct logbuf *b, int status,
			       uint64_t tracker_cpu_ns)
{
	struct rusage self, kids;
	struct rt_end e;

	memset(&e, 0, sizeof(e));
	memset(&self, 0, sizeof(self));
	memset(&kids, 0, sizeof(kids));
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	e.time_ns = rtrack_clock_ns(CLOCK_REALTIME);
	e.exit_kind = RT_EXIT_CODE;
	e.exit_value = status & 0xff; /* what a waiting parent sees */
	e.self_utime_us = tv_us(self.ru_utime);
	e.self_stime_us = tv_us(self.ru_stime);
	e.children_utime_us = tv_us(kids.ru_utime);
	e.children_stime_us = tv_us(kids.ru_stime);
	e.self_maxrss_kib = (uint64_t)self.ru_maxrss;
	e.children_maxrss_kib = (uint64_t)kids.ru_maxrss;
	e.tracker_cpu_ns = tracker_cpu_ns;
	e.samples = rt.samples;
	if (logwrite_end(b, &e) == -ENOSPC && b == &rt.batch) {
		sampler_flush();
		logwrite_end(b, &e);
	}
}

/* The last sample, every process still in the tree, the end record. */
static void sampler_finish(int status)
{
	sampler_take();
	tracker_finish(&tree, sampler_gone, NULL);
	sampler_end_record(&rt.batch, status,
			   rtrack_clock_ns(CLOCK_THREAD_CPUTIME_ID));
	sampler_flush();
}

/* The host's last thread ended with pthread_exit and only the sampler is
 * left (the leader is a zombie counted in num_threads): glibc would now
 * exit(0), but it counts the sampler as a live thread and waits for it. */
static int sampler_alone(void)
{
	return tree.root_seen && tree.root_stat.state == 'Z' &&
	       tree.root_stat.num_threads <= 2;
}

static void sampler_sleep_until(uint64_t next_ns)
{
	struct timespec ts = { (time_t)(next_ns / 1000000000ull),
			       (long)(next_ns % 1000000000ull) };

	while (rt.req == REQ_NONE &&
	       pthread_cond_timedwait(&rt.cv, &rt.mu, &ts) != ETIMEDOUT)
		;
}

/* exec: sweep and flush, then hold still until the image is replaced, or
 * go on if execve failed.  Called and returns with mu held. */
static void sampler_do_exec(void)
{
	pthread_mutex_unlock(&rt.mu);
	sampler_take();
	sampler_flush();
	pthread_mutex_lock(&rt.mu);
	rt.ack++;
	pthread_cond_broadcast(&rt.done_cv);
	while (rt.req == REQ_EXEC)
		pthread_cond_wait(&rt.cv, &rt.mu);
}

static void *sampler_main(void *arg)
{
	uint64_t next_ns = rtrack_clock_ns(CLOCK_MONOTONIC), now;
	int alone;

	(void)arg;
	prctl(PR_SET_NAME, "rtrack", 0, 0, 0);
	sampler_tid = (pid_t)syscall(SYS_gettid);
	pthread_mutex_lock(&rt.mu);
	while (rt.req != REQ_EXIT) {
		if (rt.req == REQ_EXEC) {
			sampler_do_exec();
			next_ns = rtrack_clock_ns(CLOCK_MONOTONIC);
			continue;
		}
		pthread_mutex_unlock(&rt.mu);
		sampler_take();
		alone = sampler_alone();
		if (alone)
			exit(0); /* our exit handler finishes the log inline */
		pthread_mutex_lock(&rt.mu);
		/* Absolute cadence; ticks missed while busy are skipped. */
		next_ns += rt.cfg.interval_ns;
		now = rtrack_clock_ns(CLOCK_MONOTONIC);
		if (next_ns < now)
			next_ns = now + rt.cfg.interval_ns;
		sampler_sleep_until(next_ns);
	}
	pthread_mutex_unlock(&rt.mu);
	sampler_finish(rt.exit_status);
	pthread_mutex_lock(&rt.mu);
	rt.ack++;
	pthread_cond_broadcast(&rt.done_cv);
	pthread_mutex_unlock(&rt.mu);
	return NULL;
}

/* Post a request and wait until the sampler completed it or the bound
 * passed.  Returns 1 when it was completed. */
static int sampler_request(enum rtrack_req req)
{
	uint64_t deadline = rtrack_clock_ns(CLOCK_MONOTONIC) + REQUEST_WAIT_NS;
	struct timespec ts = { (time_t)(deadline / 1000000000ull),
			       (long)(deadline % 1000000000ull) };
	unsigned before;
	int done;

	pthread_mutex_lock(&rt.mu);
	before = rt.ack;
	rt.req = req;
	pthread_cond_signal(&rt.cv);
	while (rt.ack == before &&
	       pthread_cond_timedwait(&rt.done_cv, &rt.mu, &ts) != ETIMEDOUT)
		;
	done = rt.ack != before;
	pthread_mutex_unlock(&rt.mu);
	return done;
}

void sampler_exit(int status)
{
	if ((pid_t)syscall(SYS_gettid) == sampler_tid) {
		/* exit() from the sampler itself (sampler_alone). */
		sampler_finish(status);
		return;
	}
	rt.exit_status = status;
	if (!sampler_request(REQ_EXIT)) {
		/* The sampler is stuck (a hung filesystem): the end record
		 * alone, from a buffer of our own, so the log still ends. */
		uint8_t mem[256];
		struct logbuf b;

		logwrite_init(&b, mem, sizeof(mem));
		sampler_end_record(&b, status, 0);
		if (!rt.write_failed)
			logfile_append(rt.path, &b);
	}
}

void sampler_exec_begin(void)
{
	sampler_request(REQ_EXEC);
}

void sampler_exec_failed(void)
{
	pthread_mutex_lock(&rt.mu);
	rt.req = REQ_NONE;
	pthread_cond_signal(&rt.cv);
	pthread_mutex_unlock(&rt.mu);
}

static void sampler_init_sync(void)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&rt.cv, &ca);
	pthread_cond_init(&rt.done_cv, &ca);
	pthread_condattr_destroy(&ca);
}

static void sampler_init_tracker(void)
{
	struct tracker_cfg tc = {
		.procroot = "/proc",
		.sysroot = "/sys",
		.root_pid = rt.pid,
		.children = rt.cfg.children,
		.system = rt.cfg.system,
		.mem_mode = rt.cfg.mem_mode,
		.boot_time_ns = rtrack_clock_ns(CLOCK_REALTIME) -
				rtrack_clock_ns(CLOCK_BOOTTIME),
		.clk_tck = (uint32_t)sysconf(_SC_CLK_TCK),
	};
	tracker_init(&tree, &tc);
}

int sampler_start(void)
{
	sigset_t all, old;
	pthread_attr_t attr;
	int rc;

	logwrite_init(&rt.batch, batch_mem, sizeof(batch_mem));
	sampler_init_sync();
	sampler_init_tracker();
	rt.last_flush_ns = rtrack_clock_ns(CLOCK_REALTIME);
	/* The sampler inherits this mask: no signal is ever delivered to it. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, SAMPLER_STACK);
	rc = pthread_create(&rt.thread, &attr, sampler_main, NULL);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -rc;
}
