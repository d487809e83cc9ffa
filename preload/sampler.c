/* sampler.c - the root's sampler thread: it takes every sample (the first
 * at once, then on an absolute monotonic cadence), writes every record and
 * every batch, and does the final work at exit, so that nothing heavy runs
 * on a host thread's stack.  Host threads ask it for something (an exec
 * sweep, a pause, the exit) through one function, sampler_request: a
 * generation counter per kind, raised by the asker and answered by the
 * sampler, so a request is never lost between two looks and a host thread
 * waits a bounded time, with cancellation off, and never for nothing. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <semaphore.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rtrack.h"
#include "text.h"
#include "tracker.h"

#define FLUSH_PERIOD_NS 1000000000ull /* a kill loses at most this (one
					     * interval near the memory's end) */
#define BATCH_BYTES (64 * 1024)
#define SAMPLER_STACK (256 * 1024)
#define FIRST_SAMPLE_NS 20000000ull /* 20 ms, or the interval if shorter */
#define SAMPLER_KEEP_FDS 256u /* kept /proc descriptors, at most */
#define SAMPLER_DUTY_INV 5u /* samples take at most 1/5 of the time */
/* A process's smaps_rollup (and the listing of /proc that counts the
 * machine's processes) is read again after 200 times what the last read
 * took: at most 0.5% of the time, under the mmap lock for the first
 * (tracker.h cost_share). */
#define SAMPLER_COST_SHARE 200u
/* How long exit and exec wait for the sampler: a sample takes milliseconds,
 * but statfs of a dead network mount can hang it; the host must not. */
#define REQUEST_WAIT_NS 1000000000ull
/* Once the main thread is gone, how often the sampler looks whether it is
 * the last thread (the host must end then, not an interval later). */
#define ALONE_POLL_NS 10000000ull

/* The sampler thread and the requests of host threads, under mu
 * (sampler_request): a host thread raises asked[kind] and waits, a
 * bounded time, until served[kind] reaches the value it raised it to; the
 * sampler serves every request it finds pending, and holds still while
 * exec_holders > 0. */
static struct {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;         /* wakes the sampler */
	pthread_cond_t done_cv;    /* wakes the host threads that asked */
	unsigned asked[REQ_KINDS];
	unsigned served[REQ_KINDS];
	uint32_t exit_kind;        /* enum rt_exit_kind, with REQ_EXIT */
	int exit_value;
	int exec_holders;          /* host threads inside an exec call */
	int stopped;               /* the thread left its loop (pause, exit) */
	int main_gone;             /* the main thread called pthread_exit */
	/* The finisher (sampler_main_gone): a thread that ends the process
	 * with exit(0) once the sampler is the last one left. */
	int finisher_ready;
	int finish_abort;          /* the finisher leaves without exit(0) */
	sem_t finish_sem;
	sigset_t host_mask;        /* the signal mask the host started with */
	/* The log file: the sampler's flushes and a host thread's takeover
	 * (sampler stuck, END written by the host) exclude each other. */
	pthread_mutex_t file_mu;
	int abandoned;             /* the host wrote END: the sampler stops */
	/* The sampler has taken a sample or swept for an exec or a pause
	 * (set under mu as it lets go of mu to do it): from then on only it
	 * may finish the log.  Before, a short root's exit writes its END
	 * itself (sampler_exit_early), and sets ended_early. */
	int begun;
	int ended_early;
	/* When the first sample is due (monotonic): an exit after it waits
	 * for the sampler, late or not, so that a job that outlived it has
	 * one (set before the thread exists). */
	uint64_t first_due_ns;
	/* Set by sampler_start before the thread exists, done and cleared
	 * by the thread: the tracker is made ready off the host's start
	 * (its first pages are faults a process start would wait for). */
	int tracker_due;
	/* Owned by the sampler thread alone. */
	uint64_t samples;
	uint64_t last_flush_ns;
	struct logbuf batch;
} sam = { .mu = PTHREAD_MUTEX_INITIALIZER,
	  .file_mu = PTHREAD_MUTEX_INITIALIZER };

/* The sampler's memory (the process table is 3 MiB), mapped by the root
 * when the sampler starts, never in processes that do not sample: in .bss
 * it would count against every descendant's RLIMIT_AS.  Not copied into a
 * fork()ed child (MADV_DONTFORK): a root that forks (a shell: once a
 * command) would otherwise copy the page tables of what the sampler
 * touched, the child unmap it, and the sampler's next writes take a
 * copy-on-write fault a page; a kernel that refuses the advice leaves the
 * copy to sampler_forget to unmap. */
struct sampler_mem {
	struct tracker tree;
	struct rt_gpu_chain gpu_chain; /* the GPU records' delta base */
	/* On pages of its own: a new root's header lies on its first
	 * (rtrack_open_new). */
	_Alignas(4096) uint8_t batch[BATCH_BYTES];
};
/* Written by every fork()ed copy of the root (sampler_forget). */
RTRACK_HOT static struct sampler_mem *mem;
RTRACK_HOT static int mem_dontfork; /* the advice took: a child has no copy */
/* The log, kept open in the sampler's private descriptor table (which no
 * host call can reach); -1 until the first flush of each thread. */
static int log_fd = -1;
/* /proc/self/stat, opened with the log in the private table (sampler_alone). */
static int stat_fd = -1;
/* The log, opened by the host thread that asks for a pause, before its
 * call: the thread started again after the call keeps this number when it
 * empties its copy of the table, so that what the call changed (the user:
 * a seteuid, a setuid where the log could not be opened to the new user;
 * the mount namespace) does not keep it from its log.  The host's copy is
 * closed once the thread holds its own (sampler_resume). */
static atomic_int carry_fd = -1;
/* The log's directory (O_PATH) and name in it: at the end, whether the
 * name still leads to the log, whatever the host did to its own root
 * directory (a chroot) meanwhile (sampler_check_path). */
static int dir_fd = -1;
static const char *log_name;

/* dir_fd and log_name from the log's absolute path. */
static void sampler_open_dir(void)
{
	char dir[sizeof(pre.path)];
	const char *slash = strrchr(pre.path, '/');
	size_t len;

	if (!slash || !slash[1])
		return;
	len = slash == pre.path ? 1 : (size_t)(slash - pre.path);
	memcpy(dir, pre.path, len);
	dir[len] = '\0';
	dir_fd = text_open(dir, O_PATH | O_DIRECTORY);
	log_name = slash + 1;
}

/* At the end: the log's name, in the directory it was made in, leads to
 * another file or none (the log deleted, renamed, replaced during the
 * run).  Its own descriptor kept the sampler writing; what other
 * processes wrote after that went elsewhere or nowhere, and the user
 * would look at the path for a log that is not there. */
static void sampler_check_path(void)
{
	struct stat sb;

	if (dir_fd < 0 || !pre.log_id.known || pre.write_failed)
		return;
	if (fstatat(dir_fd, log_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
	    (uint64_t)sb.st_dev != pre.log_id.dev ||
	    (uint64_t)sb.st_ino != pre.log_id.ino)
		pre.log_moved = 1;
}

static int sampler_write(void)
{
	if (!pre.private_fds)
		return logfile_append(pre.path, &pre.log_id, &sam.batch);
	if (log_fd < 0)
		log_fd = logfile_open(pre.path, &pre.log_id);
	return log_fd < 0 ? log_fd : logfile_append_fd(log_fd, &sam.batch);
}

static void sampler_flush(void)
{
	int rc = 0;

	pthread_mutex_lock(&sam.file_mu);
	if (!pre.write_failed && !sam.abandoned)
		rc = sampler_write();
	pthread_mutex_unlock(&sam.file_mu);
	logwrite_clear(&sam.batch);
	sam.last_flush_ns = rtrack_clock_ns(CLOCK_REALTIME);
	if (rc < 0) /* stop writing; said at exit, with why (rtrack.c) */
		pre.write_failed = -rc;
}

/* The batch's "flush when full" (logwrite_on_full): every record the
 * sampler appends goes in after a flush when the batch has no room. */
static void sampler_batch_full(void *ctx)
{
	(void)ctx;
	sampler_flush();
}

static void sampler_gone(const struct rt_proc *p, void *ctx)
{
	(void)ctx;
	(void)logwrite_proc(&sam.batch, p);
}

/* Everything sampled since the last exec sweep is on disk: another exec
 * request is answered at once (a PATH search fails execve after execve). */
static int swept;

/* One sample into the batch.  ticked: the cadence's (sampler_tick); the
 * others (an exec's sweep, a pause's, the end's) are flushed right after
 * by their caller. */
static void sampler_take(int ticked)
{
	struct rt_sample s;
	uint64_t now = rtrack_clock_ns(CLOCK_REALTIME), used, limit;
	const struct gpu *g;

	swept = 0;
	tracker_sample(&mem->tree, now, &s, sampler_gone, NULL);
	if ((g = tracker_gpus(&mem->tree)))
		(void)logwrite_gpu(&sam.batch, &mem->gpu_chain, g->dev, g->val,
				   g->ndev);
	s.tracker_cpu_ns = rtrack_clock_ns(CLOCK_THREAD_CPUTIME_ID);
	s.missing &= ~((uint64_t)1 << RT_F_tracker_cpu_ns);
	(void)logwrite_sample(&sam.batch, &s);
	sam.samples++;
	/* The first sample at once (a job killed within its first second
	 * kept only its header: no duration, no row), then every second:
	 * with a tenth of slack, or a sample every second, taken a moment
	 * less than a second after the last flush, waited for the next one
	 * (a flush every 2 s, and a kill lost up to two samples). */
	if (ticked &&
	    (sam.samples == 1 ||
	     now - sam.last_flush_ns >= FLUSH_PERIOD_NS - FLUSH_PERIOD_NS / 10 ||
	     sample_near_oom(&s, &used, &limit)))
		sampler_flush();
}

/* The end record (FORMAT.md E) into b; tracker_cpu_ns from the caller. */
static void sampler_end_record(struct logbuf *b, uint32_t kind, int value,
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
	e.exit_kind = kind;
	e.exit_value = value;
	e.self_utime_us = tv_us(self.ru_utime);
	e.self_stime_us = tv_us(self.ru_stime);
	e.children_utime_us = tv_us(kids.ru_utime);
	e.children_stime_us = tv_us(kids.ru_stime);
	e.self_maxrss_kib = (uint64_t)self.ru_maxrss;
	e.children_maxrss_kib = (uint64_t)kids.ru_maxrss;
	e.tracker_cpu_ns = tracker_cpu_ns;
	e.samples = sam.samples;
	/* /proc/self/io's figures in blocks (FORMAT.md E13, X17): its own and
	 * its waited-for children's, as the kernel adds them at the wait. */
	e.flags = RT_END_F_IO;
	e.read_bytes = ((uint64_t)self.ru_inblock + (uint64_t)kids.ru_inblock) * 512;
	e.write_bytes = ((uint64_t)self.ru_oublock + (uint64_t)kids.ru_oublock) * 512;
	e.major_faults = (uint64_t)self.ru_majflt;
	(void)logwrite_end(b, &e);
}

/* The last sample of an image: its sweep before an exec, or its end.  An
 * image that has not sampled yet (a wrapper such as env, nice, timeout or
 * a shell's exec, replaced within its first 20 ms; a job of a millisecond
 * or two) samples the tree alone: system and cgroup counters read once
 * give no interval (the next image reads them again), and finding the
 * job's cgroup and reading the system files were most of such an exec's
 * cost (~50 opens and reads, +0.9 ms an exec) and of the time a short
 * job's exit waits for. */
static void sampler_take_last(void)
{
	int system = mem->tree.cfg.system, no_cgroup = mem->tree.cfg.no_cgroup;

	if (sam.samples == 0) {
		mem->tree.cfg.system = 0;
		mem->tree.cfg.no_cgroup = 1;
	}
	sampler_take(0);
	/* A failed exec goes on sampling as it was. */
	mem->tree.cfg.system = system;
	mem->tree.cfg.no_cgroup = no_cgroup;
}

/* The last sample, every process still in the tree, the end record. */
static void sampler_finish(uint32_t kind, int value)
{
	if (rtrack_filtered())
		return;
	tracker_status_all(&mem->tree); /* the last look: exact peaks */
	sampler_take_last();
	tracker_finish(&mem->tree, sampler_gone, NULL);
	sampler_end_record(&sam.batch, kind, value,
			   rtrack_clock_ns(CLOCK_THREAD_CPUTIME_ID));
	sampler_flush();
	sampler_check_path();
}

static struct timespec ts_of(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull),
			       (long)(ns % 1000000000ull) };
	return ts;
}

/* Whether only the sampler (and the finisher waiting for it) is left: the
 * leader (a zombie after pthread_exit) still counts in num_threads.  Read
 * through the descriptor the thread opened at its start (stat_fd), so
 * that a host thread that later makes /proc unreachable (unmounted in a
 * mount namespace of its own, a chroot) does not leave the process alive
 * for good after its last thread: the sampler would never see it alone. */
static int sampler_alone(void)
{
	struct procfs_stat st;
	char buf[1024];
	ssize_t n = stat_fd >= 0 ? pread(stat_fd, buf, sizeof(buf), 0) : -1;
	int known = n > 0 ? procfs_parse_stat(buf, (size_t)n, &st) == 0
			  : rtrack_self_stat(&st) == 0;

	return known && st.num_threads <= 2u + (unsigned)sam.finisher_ready;
}

/* Runs exit(0) as glibc would have on the last host thread, on a thread of
 * default size with the host's signal mask and descriptors, so that the
 * host's exit handlers find what they expect; its exit handler then asks
 * the sampler to finish.  Made by the main thread as it leaves (a thread
 * the sampler made would share the sampler's private descriptor table);
 * it waits for the word. */
static void *sampler_finisher(void *arg)
{
	(void)arg;
	pthread_sigmask(SIG_SETMASK, &sam.host_mask, NULL);
	while (sem_wait(&sam.finish_sem) != 0)
		;
	if (sam.finish_abort)
		return NULL;
	exit(0);
}

void sampler_release_finisher(void)
{
	if (sam.finisher_ready && !sam.finish_abort) {
		sam.finish_abort = 1;
		sem_post(&sam.finish_sem);
	}
}

static void sampler_end_process(void)
{
	static int started;
	pthread_t t;

	if (started++)
		return; /* the finisher is already running the exit handlers */
	if (sam.finisher_ready) {
		sem_post(&sam.finish_sem);
		return;
	}
	/* The main thread ended without pthread_exit (a raw exit system
	 * call): a finisher of our own, the last resort. */
	sem_post(&sam.finish_sem);
	if (pthread_create(&t, NULL, sampler_finisher, NULL) != 0)
		exit(0);
}

/* How many /proc descriptors the tracker keeps open in the private table
 * (a pread per file instead of open, read, close): the numbers must stay
 * under RLIMIT_NOFILE (shared with the host: never raised), and each kept
 * descriptor holds a page of kernel memory charged to the job's cgroup,
 * so at most SAMPLER_KEEP_FDS (1 MiB). */
static unsigned sampler_fd_budget(void)
{
	struct rlimit rl;
	rlim_t room;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur <= 64)
		return 0;
	room = (rl.rlim_cur - 64) / 2; /* the log and the GPU's come first */
	return room < SAMPLER_KEEP_FDS ? (unsigned)room : SAMPLER_KEEP_FDS;
}

/* A descriptor table of the sampler's own (unshare CLONE_FILES is per
 * thread), emptied of the host's descriptors at once: the sampler's opens
 * never take a number the host expects (open returns the lowest free
 * one), and the host's close, close_range, closefrom or dup2 never reach
 * a descriptor of the sampler's.  Without it (a seccomp profile refusing
 * unshare) the guard of fdguard.c does what it can. */
static void sampler_private_fds(void)
{
	int keep = atomic_load(&carry_fd);
	long fd;

	fdguard_sampler_thread();
	log_fd = -1; /* a previous thread's table went with it */
	stat_fd = -1;
	dir_fd = -1;
	if (syscall(SYS_unshare, CLONE_FILES) != 0) {
		pre.private_fds = 0;
		return;
	}
	/* Copies of the host's descriptors would keep its pipes open. */
	if ((keep > 0 && syscall(SYS_close_range, 0, keep - 1, 0) != 0) ||
	    syscall(SYS_close_range, keep + 1, ~0u, 0) != 0)
		for (fd = 0; fd < 65536; fd++)
			if (fd != keep)
				syscall(SYS_close, fd);
	/* Still the log (a host thread may have put another file at that
	 * number meanwhile): kept; else closed. */
	if (keep >= 0 && logfile_fd_is(keep, &pre.log_id))
		log_fd = keep;
	else if (keep >= 0)
		syscall(SYS_close, keep);
	pre.private_fds = 1;
	/* Held from the start, not from the first flush: the log's inode
	 * then stays the log's while the job runs, even where another file
	 * takes its name, or the host chroot()s away from its path
	 * (logwrite.h L1). */
	if (!rtrack_filtered()) {
		if (log_fd < 0)
			log_fd = logfile_open(pre.path, &pre.log_id);
		stat_fd = text_open("/proc/self/stat", O_RDONLY);
		sampler_open_dir();
	}
}

/* A request of kind k not yet answered (mu held). */
static int sampler_pending(enum sampler_req k)
{
	return sam.asked[k] != sam.served[k];
}

static int sampler_wanted(void)
{
	return sampler_pending(REQ_EXIT) || sampler_pending(REQ_PAUSE) ||
	       sampler_pending(REQ_EXEC);
}

/* Answer every request of kind k asked up to generation gen (mu held). */
static void sampler_answer(enum sampler_req k, unsigned gen)
{
	sam.served[k] = gen;
	pthread_cond_broadcast(&sam.done_cv);
}

/* Sleep until next_ns, a request, the news that the main thread is gone,
 * or (once it is) the next poll. */
static void sampler_sleep_until(uint64_t next_ns)
{
	int gone = sam.main_gone;
	struct timespec ts;

	if (gone) {
		uint64_t poll = rtrack_clock_ns(CLOCK_MONOTONIC) + ALONE_POLL_NS;
		if (poll < next_ns)
			next_ns = poll;
	}
	ts = ts_of(next_ns);
	while (!sampler_wanted() && sam.main_gone == gone &&
	       pthread_cond_timedwait(&sam.cv, &sam.mu, &ts) != ETIMEDOUT)
		;
}

/* The exec call asked for (its argv, under mu), and the last one written
 * as a leaving EXEC record (FORMAT.md J5), the sampler's. */
static struct rt_exec exec_next, exec_written;

/* exec: sweep, the leaving record, flush (only the record when nothing was
 * sampled since the last sweep, nothing when it is the same call again: a
 * PATH search), answer, then hold still while any host thread is inside
 * an exec call (the image may be replaced at any moment) and nothing else
 * is asked.  Called and returns with mu held. */
static void sampler_do_exec(void)
{
	unsigned gen = sam.asked[REQ_EXEC];
	int same = swept && strcmp(exec_next.cmdline, exec_written.cmdline) == 0;

	if (!same) {
		exec_written = exec_next;
		sam.begun = 1;
		pthread_mutex_unlock(&sam.mu);
		if (!swept) {
			tracker_status_all(&mem->tree); /* the image leaving: its peak */
			sampler_take_last();
		}
		exec_written.time_ns = rtrack_clock_ns(CLOCK_REALTIME);
		(void)logwrite_exec(&sam.batch, &exec_written);
		sampler_flush();
		swept = 1;
		pthread_mutex_lock(&sam.mu);
	}
	sampler_answer(REQ_EXEC, gen);
	while (sam.exec_holders > 0 && !sampler_wanted())
		pthread_cond_wait(&sam.cv, &sam.mu);
}

/* Time for a sample (mu held); returns with mu held, or ends the process
 * when the host's threads are all gone. */
static void sampler_tick(uint64_t *next_ns)
{
	uint64_t now = rtrack_clock_ns(CLOCK_MONOTONIC);
	int gone = sam.main_gone;

	if (now >= *next_ns)
		sam.begun = 1;
	pthread_mutex_unlock(&sam.mu);
	if (now >= *next_ns) {
		static uint64_t cpu_before;
		uint64_t cost, cpu;

		sampler_take(1);
		/* The sample's CPU (this thread's clock: it does not run
		 * while asleep, nor while the job is stopped); a restarted
		 * thread's clock starts again at 0. */
		cpu = rtrack_clock_ns(CLOCK_THREAD_CPUTIME_ID);
		cost = cpu >= cpu_before ? cpu - cpu_before : cpu;
		cpu_before = cpu;
		/* The leader shows as a zombie once the main thread ended by
		 * any means, pthread_exit wrapper or not. */
		if (mem->tree.root_seen && mem->tree.root_stat.state == 'Z')
			gone = 1;
		/* Absolute cadence; ticks missed while busy are skipped. */
		*next_ns += pre.cfg.interval_ns;
		if (*next_ns < now)
			*next_ns = now + pre.cfg.interval_ns;
		/* Never more than a fifth of a core, whatever the tree and
		 * the interval asked (1000 processes at 100 Hz would take a
		 * whole one from the job): a long sample pushes the next
		 * one back. */
		if (*next_ns < now + cost * SAMPLER_DUTY_INV)
			*next_ns = now + cost * SAMPLER_DUTY_INV;
	}
	if (gone && sampler_alone())
		sampler_end_process();
	pthread_mutex_lock(&sam.mu);
	sam.main_gone |= gone;
}

/* Pause: sweep and flush, answer, and end the thread (mu held). */
static void sampler_do_pause(void)
{
	unsigned gen = sam.asked[REQ_PAUSE];

	sam.begun = 1;
	pthread_mutex_unlock(&sam.mu);
	tracker_status_all(&mem->tree);
	sampler_take(0);
	sampler_flush();
	pthread_mutex_lock(&sam.mu);
	sam.stopped = 1;
	sampler_answer(REQ_PAUSE, gen);
	pthread_mutex_unlock(&sam.mu);
}

static void sampler_init_tracker(void)
{
	struct tracker_cfg tc = {
		.procroot = "/proc",
		.sysroot = "/sys",
		.root_pid = pre.pid,
		.children = pre.cfg.children,
		.system = pre.cfg.system,
		.mem_mode = pre.cfg.mem_mode,
		.boot_time_ns = rtrack_clock_ns(CLOCK_REALTIME) -
				rtrack_clock_ns(CLOCK_BOOTTIME),
		.clk_tck = (uint32_t)sysconf(_SC_CLK_TCK),
		.cost_share = SAMPLER_COST_SHARE,
		.root_cmdline = pre.cmdline,
		/* sampler_scratch's mapping, new with each image (or fork):
		 * nothing has written the tree yet. */
		.zeroed = 1,
	};
	struct tracker_gpu_cfg gc = {
		.nvml_path = pre.cfg.nvml_path[0] ? pre.cfg.nvml_path : NULL,
	};

	tracker_init(&mem->tree, &tc);
	memset(&mem->gpu_chain, 0, sizeof(mem->gpu_chain));
	if (pre.cfg.gpu && pre.gpu_probed != GPU_NONE)
		tracker_gpu_init(&mem->tree, &gc);
}

/* The thread's tables (once per image), at its first sample or request,
 * or once the main thread is gone (it must then look whether it is
 * alone): a short root (E16) ends before, having paid for nothing but
 * the thread's start and its private descriptor table. */
static void sampler_set_up(void)
{
	if (sam.tracker_due) {
		sampler_init_tracker();
		sam.tracker_due = 0;
	}
	/* The /proc descriptors it keeps live in this thread's table (a
	 * previous thread's went with it): in the private one only. */
	tracker_keep_fds(&mem->tree, 0);
	mem->tree.cfg.own_tid = (int32_t)syscall(SYS_gettid);
	if (pre.private_fds)
		tracker_keep_fds(&mem->tree, sampler_fd_budget());
}

/* AddressSanitizer (gcc 12) keeps its allocator's locks unheld across
 * fork(), and a new thread's start inside ASan allocates (ASan's
 * pthread_getattr_np): a host forking in that instant leaves its child's
 * allocator locked for good.  glibc's malloc
 * is fork-safe and our thread allocates nothing, so only the sanitized test
 * build makes sampler_spawn wait until the thread has begun. */
#ifdef __SANITIZE_ADDRESS__
static atomic_int began;
#endif

/* The thread has its descriptor table, with the log and its stat open. */
static atomic_int table_ready;

static void *sampler_main(void *arg)
{
	uint64_t next_ns = rtrack_clock_ns(CLOCK_MONOTONIC);
	unsigned gen;

	int set_up = 0;

	(void)arg;
#ifdef __SANITIZE_ADDRESS__
	atomic_store(&began, 1);
#endif
	sampler_private_fds();
	atomic_store(&table_ready, 1);
	/* Started again after a pause: the pause took a sample just now.
	 * The first sample waits a moment: a host that is done within it (a
	 * /bin/true in a loop of a shell script) would otherwise wait at its
	 * exit for a whole system sample taken for nothing. */
	if (sam.samples > 0)
		next_ns += pre.cfg.interval_ns;
	else
		next_ns += pre.cfg.interval_ns < FIRST_SAMPLE_NS ?
				   pre.cfg.interval_ns : FIRST_SAMPLE_NS;
	prctl(PR_SET_NAME, "rtrack", 0, 0, 0);
	pthread_mutex_lock(&sam.mu);
	while (!sampler_pending(REQ_EXIT)) {
		/* The exit wrote the log's end itself (sampler_exit_early):
		 * nothing more.  Under a filter it cannot see into
		 * (rtrack.h): the thread ends, or it would keep alive a
		 * process whose main thread left (it could not look whether
		 * it is alone).  Either way every request finds it stopped.
		 * Asked once a turn, before any pause, exec sweep or sample
		 * of the turn reads or writes; the exit's last look
		 * (sampler_finish) asks for itself. */
		if (sam.ended_early || rtrack_filtered()) {
			sam.stopped = 1;
			pthread_cond_broadcast(&sam.done_cv);
			pthread_mutex_unlock(&sam.mu);
			return NULL;
		}
		/* Made ready when first needed (sampler_set_up). */
		if (!set_up) {
			if (!sampler_wanted() && !sam.main_gone &&
			    rtrack_clock_ns(CLOCK_MONOTONIC) < next_ns) {
				sampler_sleep_until(next_ns);
				continue;
			}
			sam.begun = 1;
			pthread_mutex_unlock(&sam.mu);
			sampler_set_up();
			set_up = 1;
			pthread_mutex_lock(&sam.mu);
			continue;
		}
		if (sampler_pending(REQ_PAUSE)) {
			sampler_do_pause();
			return NULL;
		}
		/* After a failed exec the cadence goes on as it was. */
		if (sampler_pending(REQ_EXEC)) {
			sampler_do_exec();
			continue;
		}
		sampler_tick(&next_ns);
		sampler_sleep_until(next_ns);
	}
	gen = sam.asked[REQ_EXIT];
	pthread_mutex_unlock(&sam.mu);
	if (!set_up)
		sampler_set_up();
	sampler_finish(sam.exit_kind, sam.exit_value);
	pthread_mutex_lock(&sam.mu);
	sam.stopped = 1;
	sampler_answer(REQ_EXIT, gen);
	pthread_mutex_unlock(&sam.mu);
	return NULL;
}

/* Take mu within the request bound: a host thread never blocks for good,
 * even on a lock its own interrupted frame holds (a signal handler that
 * exits).  A lock with a monotonic deadline, taken with pthread_mutex_timedlock
 * (wall clock: the remaining time converted), which ThreadSanitizer knows;
 * it does not know pthread_mutex_clocklock, and would then report every
 * use of what the lock guards. */
static int lock_until(pthread_mutex_t *m, uint64_t deadline)
{
	uint64_t now = rtrack_clock_ns(CLOCK_MONOTONIC);
	uint64_t left = deadline > now ? deadline - now : 0;
	struct timespec ts = ts_of(rtrack_clock_ns(CLOCK_REALTIME) + left);

	return pthread_mutex_timedlock(m, &ts) == 0;
}

static int sampler_lock(uint64_t deadline)
{
	return lock_until(&sam.mu, deadline);
}

/* Whether generation a has reached b (the counters wrap). */
static int gen_reached(unsigned a, unsigned b)
{
	return (int)(a - b) >= 0;
}

/* The one way a host thread asks the sampler for something: raise kind's
 * generation, wake the sampler, and wait until it answers that generation
 * (or a later one), it has stopped (a pause or the exit ended its loop
 * after a sweep: nothing is left unwritten), or the deadline passes.
 * With held (REQ_EXEC) the request also keeps the sampler still after its
 * answer until sampler_release; *held says whether it took that hold (not
 * when the lock could not be had).  Returns 1 when answered.  A pause not
 * answered in time is withdrawn (the sampler, stuck, must not end itself
 * later unasked); an exec or exit request stays, harmless: it is answered
 * when the sampler comes back.  Cancellation is off for the whole call. */
static int sampler_request(enum sampler_req kind, int *held, uint64_t deadline)
{
	struct timespec ts = ts_of(deadline);
	int cancel, answered = 0;
	unsigned gen;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	if (sampler_lock(deadline)) {
		gen = ++sam.asked[kind];
		if (held) {
			sam.exec_holders++;
			*held = 1;
		}
		pthread_cond_signal(&sam.cv);
		while (!(answered = gen_reached(sam.served[kind], gen)) &&
		       !sam.stopped &&
		       pthread_cond_timedwait(&sam.done_cv, &sam.mu, &ts) !=
			       ETIMEDOUT)
			;
		if (!answered && kind == REQ_PAUSE)
			sam.asked[kind]--;
		pthread_mutex_unlock(&sam.mu);
	}
	pthread_setcancelstate(cancel, NULL);
	return answered;
}

/* The end of a hold that sampler_request took. */
static void sampler_release(uint64_t deadline)
{
	int cancel;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	if (sampler_lock(deadline)) {
		if (sam.exec_holders > 0)
			sam.exec_holders--;
		pthread_cond_signal(&sam.cv);
		pthread_mutex_unlock(&sam.mu);
	}
	pthread_setcancelstate(cancel, NULL);
}

static uint64_t request_deadline(void)
{
	return rtrack_clock_ns(CLOCK_MONOTONIC) + REQUEST_WAIT_NS;
}

/* The sampler did not finish in time: the end record alone, written by
 * this thread from a buffer of its own, and the sampler writes nothing
 * more (it may wake later), so the log still ends with one END. */
static void sampler_takeover(uint32_t kind, int value)
{
	uint64_t deadline = rtrack_clock_ns(CLOCK_MONOTONIC) + REQUEST_WAIT_NS / 10;
	int locked = lock_until(&sam.file_mu, deadline);
	/* Static: the exit may run on a host's small signal stack, and the
	 * encoder's state is 2 KiB.  One caller: the exit path that claimed
	 * the end. */
	static uint8_t end_mem[256];
	static struct logbuf b;
	int rc;

	sam.abandoned = 1;
	logwrite_init(&b, end_mem, sizeof(end_mem));
	sampler_end_record(&b, kind, value, 0);
	/* A failed end (the log gone, the host's descriptor table full)
	 * is said at exit as any other failed write, never "log written". */
	if (!pre.write_failed &&
	    (rc = logfile_append(pre.path, &pre.log_id, &b)) < 0)
		pre.write_failed = -rc;
	if (locked)
		pthread_mutex_unlock(&sam.file_mu);
}

/* Whether the process has a child, running, stopped or not yet waited
 * for (of any thread, of any exit signal): waitid that changes nothing. */
static int sampler_has_child(void)
{
	siginfo_t si;
	int saved = errno, rc;

	memset(&si, 0, sizeof(si));
	rc = (int)syscall(SYS_waitid, P_ALL, 0, &si,
			  WEXITED | WNOHANG | WNOWAIT | __WALL, NULL);
	rc = rc == 0 || errno != ECHILD;
	errno = saved;
	return rc;
}

/* A short root (FORMAT.md E16): it exits before its first sample is due
 * and before the sampler began anything, and nothing is left for that
 * sample to see (no child, no request).  The exit writes what the log
 * still lacks itself (the batch: an exec'd image's EXEC record; then END)
 * and does not wait for the thread's set-up and one sample of /proc, most
 * of the time a root /bin/true took: the thread ends unseen with the
 * process.  1 when done; 0: the sampler finishes as ever. */
static int sampler_exit_early(uint32_t kind, int value, uint64_t deadline)
{
	struct timespec cpu = { 0, 0 };
	/* What the END adds to the batch, to take back: not a copy of the
	 * batch's 2 KiB encoder state, on a stack that may be a host's small
	 * signal stack (e2e_exit_on_small_stack: 8 KiB). */
	size_t len = 0;
	int rec_open = 0;
	clockid_t cid;
	int early;

	if (sampler_has_child() || !sampler_lock(deadline))
		return 0;
	/* Under mu: the sampler cannot begin meanwhile. */
	early = !sam.begun && !sam.stopped && !sampler_wanted() &&
		sam.exec_holders == 0 &&
		rtrack_clock_ns(CLOCK_MONOTONIC) < sam.first_due_ns &&
		!pre.write_failed;
	if (early) {
		len = sam.batch.len;
		rec_open = sam.batch.rec_open;
		if (pthread_getcpuclockid(sam.thread, &cid) == 0)
			clock_gettime(cid, &cpu);
		sampler_end_record(&sam.batch, kind, value,
				   (uint64_t)cpu.tv_sec * 1000000000ull +
					   (uint64_t)cpu.tv_nsec);
		/* By the log's path: the sampler's descriptor is in its own
		 * table.  A path that no longer leads to the log (a chroot,
		 * a rename) leaves the end to the sampler, as ever. */
		early = logfile_append(pre.path, &pre.log_id, &sam.batch) == 0;
		if (!early) {
			sam.batch.len = len;
			sam.batch.rec_open = rec_open;
		}
	}
	sam.ended_early = early;
	pthread_mutex_unlock(&sam.mu);
	return early;
}

void sampler_exit(uint32_t kind, int value)
{
	uint64_t deadline = request_deadline();
	int cancel;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	if (pre.running && sampler_exit_early(kind, value, deadline)) {
		/* Nothing will join it: it may still see the early end and
		 * return before the process is gone (ThreadSanitizer then
		 * reported a thread leak, hosts_exitpaths, issue 21). */
		pthread_detach(sam.thread);
		pthread_setcancelstate(cancel, NULL);
		return;
	}
	pthread_setcancelstate(cancel, NULL);
	/* Read by the sampler once it sees the request (published by mu). */
	sam.exit_kind = kind;
	sam.exit_value = value;
	/* Paused and never restarted: the end record alone, as below. */
	if (pre.running && sampler_request(REQ_EXIT, NULL, deadline)) {
		pthread_detach(sam.thread); /* it has finished: nothing to join */
		return;
	}
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	sampler_takeover(kind, value);
	pthread_setcancelstate(cancel, NULL);
}

/* pthread_join returns when the thread's tid is cleared, a moment before
 * the kernel takes it out of the thread group, and unshare(CLONE_NEWUSER)
 * still sees two threads until then: wait (briefly) for the count. */
static void sampler_wait_gone(uint64_t threads_before)
{
	uint64_t deadline = rtrack_clock_ns(CLOCK_MONOTONIC) + REQUEST_WAIT_NS / 20;
	struct procfs_stat st;

	while (rtrack_self_stat(&st) == 0 && st.num_threads >= threads_before &&
	       rtrack_clock_ns(CLOCK_MONOTONIC) < deadline)
		sched_yield();
}

/* Pauses nest and come from any host thread (set*id calls on several
 * threads at once; a signal handler's inside another's): the first stops
 * the thread, the last lets it go on.  Recursive, so a handler on the
 * thread that holds it gets through. */
static pthread_mutex_t pause_mu = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static int pause_depth;
static int paused; /* the first pause stopped the thread */
static int pause_carry; /* ... for a call that asked to carry the log */

static int sampler_pause_once(int carry);

/* The host's copy of the carried log (carry_fd), closed. */
static void sampler_drop_carry(void)
{
	int fd = atomic_exchange(&carry_fd, -1);

	if (fd >= 0)
		text_close(fd);
}

int sampler_pause(int carry)
{
	int rc = 0;

	pthread_mutex_lock(&pause_mu);
	if (pause_depth++ == 0)
		rc = sampler_pause_once(carry);
	if (rc < 0)
		pause_depth--;
	else
		return 0; /* pause_mu stays held until sampler_resume */
	pthread_mutex_unlock(&pause_mu);
	return rc;
}

static int sampler_pause_once(int carry)
{
	struct procfs_stat st;
	uint64_t threads = 0;
	int cancel;

	if (!pre.running)
		return 0;
	if (!rtrack_filtered() && rtrack_self_stat(&st) == 0)
		threads = st.num_threads;
	pause_carry = carry;
	if (carry && pre.private_fds && !rtrack_filtered())
		atomic_store(&carry_fd, logfile_open(pre.path, &pre.log_id));
	/* Not answered: stuck, or stopped for the exit: leave it be. */
	if (!sampler_request(REQ_PAUSE, NULL, request_deadline())) {
		sampler_drop_carry();
		return -1;
	}
	/* It has left its loop: the join waits for its last steps. */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	pthread_join(sam.thread, NULL);
	pre.running = 0;
	paused = 1;
	if (threads)
		sampler_wait_gone(threads);
	pthread_setcancelstate(cancel, NULL);
	return 0;
}

/* argv joined by spaces into the leaving record's cmdline (mu held). */
static void sampler_exec_argv(char *const argv[])
{
	char *dst = exec_next.cmdline;
	size_t n = 0, cap = sizeof(exec_next.cmdline) - 1;

	for (int i = 0; argv && argv[i] && n < cap; i++) {
		size_t l = strlen(argv[i]);
		if (i)
			dst[n++] = ' ';
		if (l > cap - n)
			l = cap - n;
		memcpy(dst + n, argv[i], l);
		n += l;
	}
	dst[n] = '\0';
	exec_next.pid = (uint32_t)pre.pid;
	exec_next.flags = RT_EXEC_F_LEAVING;
}

int sampler_exec_begin(char *const argv[])
{
	uint64_t deadline = request_deadline();
	int held = 0;

	if (!pre.running)
		return 0; /* paused: everything was flushed then */
	if (sampler_lock(deadline)) {
		sampler_exec_argv(argv);
		pthread_mutex_unlock(&sam.mu);
	}
	sampler_request(REQ_EXEC, &held, deadline);
	return held;
}

void sampler_exec_end(int held)
{
	if (held)
		sampler_release(request_deadline());
}

void sampler_main_gone(void)
{
	uint64_t deadline = rtrack_clock_ns(CLOCK_MONOTONIC) + REQUEST_WAIT_NS;
	pthread_t t;

	/* Without a sampler (stopped for good) glibc ends the process with
	 * its last thread, as without rtrack. */
	if (!pre.running || pre.sandboxed)
		return;
	if (!sam.finisher_ready &&
	    pthread_create(&t, NULL, sampler_finisher, NULL) == 0)
		sam.finisher_ready = 1;
	if (sampler_lock(deadline)) {
		sam.main_gone = 1;
		pthread_cond_signal(&sam.cv);
		pthread_mutex_unlock(&sam.mu);
	}
}

static void sampler_init_sync(void)
{
	pthread_condattr_t ca;

	sem_init(&sam.finish_sem, 0, 0);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&sam.cv, &ca);
	pthread_cond_init(&sam.done_cv, &ca);
	pthread_condattr_destroy(&ca);
}


/* The thread, with every signal blocked (it inherits the mask: no signal
 * is ever delivered to it) and a small stack.  0 or -errno.  With
 * wait_table, returns once the thread holds the log and its stat open
 * (bounded by the request wait): started again after a pause, before the
 * host goes on past the call it stepped out for, so that what the host
 * does next (a chroot after its setuid, /proc unmounted after its
 * unshare) cannot come first. */
static int sampler_spawn(int wait_table)
{
	uint64_t deadline;
	sigset_t all, old;
	pthread_attr_t attr;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	sam.host_mask = old;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, SAMPLER_STACK);
	pre.running = 1; /* before the thread: it may look at once */
	pthread_mutex_lock(&sam.mu);
	sam.stopped = 0;
	pthread_mutex_unlock(&sam.mu);
#ifdef __SANITIZE_ADDRESS__
	atomic_store(&began, 0);
#endif
	atomic_store(&table_ready, 0);
	rc = pthread_create(&sam.thread, &attr, sampler_main, NULL);
#ifdef __SANITIZE_ADDRESS__
	while (rc == 0 && !atomic_load(&began))
		sched_yield();
#endif
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	/* Polled every 50 us (the thread's start is 100-300 us here), with
	 * the host's signal mask back. */
	deadline = rtrack_clock_ns(CLOCK_MONOTONIC) + REQUEST_WAIT_NS;
	while (rc == 0 && wait_table && !atomic_load(&table_ready) &&
	       rtrack_clock_ns(CLOCK_MONOTONIC) < deadline) {
		struct timespec nap = { 0, 50000 };

		nanosleep(&nap, NULL);
	}
	if (rc != 0)
		pre.running = 0;
	return -rc;
}

void sampler_resume(void)
{
	int saved = errno;

	if (--pause_depth == 0 && paused && !pre.sandboxed &&
	    !rtrack_filtered() && pre.role == ROLE_ROOT) {
		paused = 0;
		/* A thread that cannot start again (out of resources): the
		 * samples so far stay; the end record is written at exit from
		 * the host thread. */
		sampler_spawn(pause_carry);
	}
	if (pause_depth == 0)
		sampler_drop_carry();
	pthread_mutex_unlock(&pause_mu);
	errno = saved;
}

void sampler_forget(void)
{
	/* With the advice taken, the range is not mapped here, and may be
	 * something else's already (an atfork handler registered after ours
	 * runs before it). */
	if (mem && !mem_dontfork)
		munmap(mem, sizeof(*mem));
	mem = NULL;
	mem_dontfork = 0;
	/* Forked while another thread's pause carried the log: this copy's
	 * descriptor, not the host's. */
	sampler_drop_carry();
}

int sampler_daemon(void)
{
	static struct rt_exec x;
	pthread_mutex_t plain = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_t recursive = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

	/* The locks as the fork copied them: maybe held by a thread that
	 * is not in this process. */
	pause_mu = recursive;
	pause_depth = 0;
	paused = 0;
	pause_carry = 0;
	sam.mu = plain;
	sam.file_mu = plain;
	memset(sam.asked, 0, sizeof(sam.asked));
	memset(sam.served, 0, sizeof(sam.served));
	sam.exec_holders = 0;
	/* The old thread's private descriptor table went with it; the
	 * daemon() pause's carried log is this copy's own descriptor, a
	 * host's now: closed (the new thread opens the log by its path). */
	sampler_drop_carry();
	log_fd = -1;
	stat_fd = -1;
	dir_fd = -1;
	pre.private_fds = 0;
	swept = 0;
	x.time_ns = rtrack_clock_ns(CLOCK_REALTIME);
	x.pid = (uint32_t)pre.pid;
	memcpy(x.cmdline, pre.cmdline, sizeof(x.cmdline));
	x.flags = RT_EXEC_F_DAEMON;
	return sampler_start(&x);
}

void *sampler_scratch(size_t *size)
{
	if (!mem) {
		void *m = mmap(NULL, sizeof(*mem), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		int saved = errno;

		if (m == MAP_FAILED)
			return NULL;
		mem = m;
		mem_dontfork = madvise(m, sizeof(*mem), MADV_DONTFORK) == 0;
		errno = saved;
	}
	*size = sizeof(mem->batch);
	return mem->batch;
}

int sampler_start(const struct rt_exec *exec)
{
	size_t size;

	if (!sampler_scratch(&size))
		return -ENOMEM;
	logwrite_init(&sam.batch, mem->batch, sizeof(mem->batch));
	logwrite_on_full(&sam.batch, sampler_batch_full, NULL);
	sampler_init_sync();
	sam.tracker_due = 1;
	/* A daemon()'s copy starts again: its parent's thread may have
	 * begun, never its own. */
	sam.begun = 0;
	sam.ended_early = 0;
	sam.last_flush_ns = rtrack_clock_ns(CLOCK_REALTIME);
	sam.first_due_ns = rtrack_clock_ns(CLOCK_MONOTONIC) +
			   (pre.cfg.interval_ns < FIRST_SAMPLE_NS ?
				    pre.cfg.interval_ns : FIRST_SAMPLE_NS);
	/* The record of this image at once, not at the first flush (a
	 * second on): the last word of an image that dies within it would
	 * otherwise be the leaving record of the exec into it, and the log
	 * would blame an image rtrack could not enter (FORMAT.md J5) for a
	 * kill or a crash.  Left to the batch if it cannot be written. */
	if (exec) {
		logwrite_exec(&sam.batch, exec);
		if (logfile_append(pre.path, &pre.log_id, &sam.batch) == 0)
			logwrite_clear(&sam.batch);
	}
	return sampler_spawn(0);
}
