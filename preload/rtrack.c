/* rtrack.c - the producer: decides the role of the process that loaded the
 * library, and for the root runs the sampler thread and writes the log.
 *
 * Roles (DESIGN.md): the first process to load the library is the root; it
 * exports RTRACK_ROOT=<pid>:<log path> so every process that inherits
 * LD_PRELOAD knows it is a descendant.  A descendant stands aside (the
 * lifecycle issue gives it its exit record); a root that exec'd itself
 * continues its log.  On any failure: warn once (unless RTRACK_QUIET) and
 * stand aside; the host's errno, fds, signals and exit status are untouched.
 *
 * Orchestration only: parsing lives in lib/ (config, procfs, sysstat,
 * tracker) and encoding in lib/logwrite.c. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "logwrite.h"
#include "procfs.h"
#include "text.h"
#include "tracker.h"

#define FLUSH_PERIOD_NS 1000000000ull /* a kill loses at most this */
#define BATCH_BYTES (64 * 1024)
#define SAMPLER_STACK (256 * 1024)

enum role { ROLE_NONE, ROLE_ROOT };

static struct {
	enum role role;
	pid_t pid;
	int quiet;
	dev_t err_dev;            /* what fd 2 was at start, to check at exit */
	ino_t err_ino;
	int err_known;
	char path[CONFIG_PATH_MAX];
	struct rt_config cfg;
	pthread_t thread;
	pthread_mutex_t batch_mu; /* held while the batch is filled or written */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	clockid_t thread_clock;
	uint64_t thread_cpu_ns;   /* the sampler thread's CPU, at its end */
	uint64_t samples;
	uint64_t last_flush_ns;
	int write_failed;
	struct logbuf batch;
} rt = { .mu = PTHREAD_MUTEX_INITIALIZER,
	 .batch_mu = PTHREAD_MUTEX_INITIALIZER };

static uint8_t batch_mem[BATCH_BYTES];
static struct tracker tree;

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Whether fd 2 is still the file it was at start: a host that closed its
 * stderr may have reused the number for a file of its own, which rtrack
 * must never write into. */
static int rtrack_stderr_same(void)
{
	struct stat sb;

	if (!rt.err_known || fstat(STDERR_FILENO, &sb) < 0)
		return 0;
	return sb.st_dev == rt.err_dev && sb.st_ino == rt.err_ino;
}

/* One line on stderr, built without stdio (the host owns its FILEs). */
static void rtrack_say(const char *a, const char *b, const char *c)
{
	const char *parts[] = { "rtrack: ", a, b, c, "\n" };
	int saved = errno;
	size_t i;

	if (rt.quiet || !rtrack_stderr_same()) {
		errno = saved;
		return;
	}
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (parts[i] && write(STDERR_FILENO, parts[i], strlen(parts[i])) < 0)
			break;
	errno = saved;
}

static void rtrack_flush(void)
{
	int rc;

	if (rt.write_failed) {
		logwrite_clear(&rt.batch);
		return;
	}
	rc = logfile_append(rt.path, &rt.batch);
	logwrite_clear(&rt.batch);
	if (rc < 0) {
		/* Warn once and stop writing; the host goes on untouched. */
		rt.write_failed = 1;
		rtrack_say("cannot write ", rt.path, ": tracking stopped");
	}
}

/* Append a record, flushing first when the batch is full. */
#define RTRACK_PUT(call)                                                      \
	do {                                                                   \
		if ((call) == -ENOSPC) {                                       \
			rtrack_flush();                                        \
			(void)(call);                                          \
		}                                                              \
	} while (0)

static void rtrack_gone(const struct rt_proc *p, void *ctx)
{
	(void)ctx;
	RTRACK_PUT(logwrite_proc(&rt.batch, p));
}

static void rtrack_take_sample(uint64_t tracker_cpu_ns)
{
	struct rt_sample s;
	uint64_t now = clock_ns(CLOCK_REALTIME);

	tracker_sample(&tree, now, &s, rtrack_gone, NULL);
	s.tracker_cpu_ns = tracker_cpu_ns;
	s.missing &= ~((uint64_t)1 << RT_F_tracker_cpu_ns);
	RTRACK_PUT(logwrite_sample(&rt.batch, &s));
	rt.samples++;
	if (now - rt.last_flush_ns >= FLUSH_PERIOD_NS) {
		rtrack_flush();
		rt.last_flush_ns = now;
	}
}

static void *rtrack_sampler(void *arg)
{
	struct timespec next;
	uint64_t next_ns;

	(void)arg;
	prctl(PR_SET_NAME, "rtrack", 0, 0, 0);
	next_ns = clock_ns(CLOCK_MONOTONIC);
	pthread_mutex_lock(&rt.mu);
	for (;;) {
		pthread_mutex_unlock(&rt.mu);
		pthread_mutex_lock(&rt.batch_mu);
		rtrack_take_sample(clock_ns(rt.thread_clock));
		pthread_mutex_unlock(&rt.batch_mu);
		pthread_mutex_lock(&rt.mu);
		/* Absolute cadence; ticks missed while busy are skipped. */
		next_ns += rt.cfg.interval_ns;
		if (next_ns < clock_ns(CLOCK_MONOTONIC))
			next_ns = clock_ns(CLOCK_MONOTONIC) + rt.cfg.interval_ns;
		next.tv_sec = (time_t)(next_ns / 1000000000ull);
		next.tv_nsec = (long)(next_ns % 1000000000ull);
		while (!rt.stop &&
		       pthread_cond_timedwait(&rt.cv, &rt.mu, &next) != ETIMEDOUT)
			;
		if (rt.stop)
			break;
	}
	rt.thread_cpu_ns = clock_ns(rt.thread_clock);
	pthread_mutex_unlock(&rt.mu);
	return NULL;
}

/* The status a waiting parent will see for exit(status). */
static void rtrack_end(int status, uint64_t exit_cpu_ns)
{
	struct rusage self, kids;
	struct rt_end e;

	memset(&e, 0, sizeof(e));
	memset(&self, 0, sizeof(self));
	memset(&kids, 0, sizeof(kids));
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	e.time_ns = clock_ns(CLOCK_REALTIME);
	e.exit_kind = RT_EXIT_CODE;
	e.exit_value = status & 0xff;
	e.self_utime_us = (uint64_t)self.ru_utime.tv_sec * 1000000u +
			  (uint64_t)self.ru_utime.tv_usec;
	e.self_stime_us = (uint64_t)self.ru_stime.tv_sec * 1000000u +
			  (uint64_t)self.ru_stime.tv_usec;
	e.children_utime_us = (uint64_t)kids.ru_utime.tv_sec * 1000000u +
			      (uint64_t)kids.ru_utime.tv_usec;
	e.children_stime_us = (uint64_t)kids.ru_stime.tv_sec * 1000000u +
			      (uint64_t)kids.ru_stime.tv_usec;
	e.self_maxrss_kib = (uint64_t)self.ru_maxrss;
	e.children_maxrss_kib = (uint64_t)kids.ru_maxrss;
	e.tracker_cpu_ns = rt.thread_cpu_ns + exit_cpu_ns;
	e.samples = rt.samples;
	RTRACK_PUT(logwrite_end(&rt.batch, &e));
}

/* on_exit handler: runs for exit() and for a return from main, with the
 * status (an atexit handler would not see it). */
static void rtrack_exit(int status, void *arg)
{
	int saved = errno;
	uint64_t cpu0;

	(void)arg;
	/* Forked or vforked copies inherit this registration: only the root
	 * process itself may finish the log. */
	if (rt.role != ROLE_ROOT || getpid() != rt.pid)
		return;
	rt.role = ROLE_NONE;
	pthread_mutex_lock(&rt.mu);
	rt.stop = 1;
	pthread_cond_signal(&rt.cv);
	pthread_mutex_unlock(&rt.mu);
	pthread_join(rt.thread, NULL);
	cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	rtrack_take_sample(rt.thread_cpu_ns);
	tracker_finish(&tree, rtrack_gone, NULL);
	rtrack_end(status, clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0);
	rtrack_flush();
	if (!rt.write_failed)
		rtrack_say("log written to ", rt.path, NULL);
	errno = saved;
}

/* _exit and _Exit skip on_exit handlers, and shells (dash) end with them:
 * interposed so that the root still finishes its log.  Everyone else (a
 * vfork child sharing our memory among them) goes straight to the kernel,
 * touching nothing: that is all glibc's _exit does either. */
__attribute__((visibility("default"), noreturn)) void _exit(int status)
{
	if (rt.role == ROLE_ROOT && getpid() == rt.pid)
		rtrack_exit(status, NULL);
	for (;;)
		syscall(SYS_exit_group, status);
}

__attribute__((visibility("default"), noreturn)) void _Exit(int status)
{
	_exit(status);
}

/* execve replaces the image and with it the unwritten batch: the root
 * flushes first (the new image continues the log, FORMAT.md S6).  The
 * batch lock is held across the call so that the sampler cannot start a
 * batch that exec would lose; a failed exec releases it and changes
 * nothing.  Other processes, vfork children sharing our memory among them,
 * go straight to the kernel.  (glibc's execv/execvp/execl* reach execve
 * inside libc, past this wrapper: their root loses up to one flush period.) */
__attribute__((visibility("default"))) int execve(const char *path,
						  char *const argv[],
						  char *const envp[])
{
	int saved, rc;

	if (rt.role != ROLE_ROOT || getpid() != rt.pid)
		return (int)syscall(SYS_execve, path, argv, envp);
	saved = errno;
	pthread_mutex_lock(&rt.batch_mu);
	rtrack_flush();
	errno = saved;
	rc = (int)syscall(SYS_execve, path, argv, envp);
	saved = errno;
	pthread_mutex_unlock(&rt.batch_mu);
	errno = saved;
	return rc;
}

static void rtrack_atfork_child(void)
{
	/* The child has no sampler and must never write the parent's batch;
	 * the mutex may have been held by the sampler at the fork: not touched. */
	rt.role = ROLE_NONE;
}

static void rtrack_note_stderr(void)
{
	struct stat sb;

	if (fstat(STDERR_FILENO, &sb) == 0) {
		rt.err_dev = sb.st_dev;
		rt.err_ino = sb.st_ino;
		rt.err_known = 1;
	}
}

static const char *rtrack_getenv(const char *name, void *ctx)
{
	(void)ctx;
	return getenv(name);
}

/* RTRACK_ROOT=<pid>:<path>.  Returns the pid, or 0 when unset/malformed. */
static pid_t rtrack_root_env(const char **path)
{
	const char *v = getenv("RTRACK_ROOT"), *colon;
	uint64_t pid;

	if (!v || !*v)
		return 0;
	colon = strchr(v, ':');
	if (!colon || text_parse_u64(v, colon, &pid, NULL) < 0 || pid > INT_MAX)
		return 0;
	*path = colon + 1;
	return (pid_t)pid;
}

static void rtrack_cmdline(char *dst, size_t size)
{
	char buf[RT_STR_MAX];
	ssize_t n = text_read_file("/proc/self/cmdline", buf, sizeof(buf));

	if (n == -EOVERFLOW)
		n = sizeof(buf) - 1;
	dst[0] = '\0';
	if (n > 0)
		procfs_format_cmdline(buf, (size_t)n, dst, size);
}

/* Copy src into dst[size], cut and always terminated. */
static void str_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void rtrack_header(struct rt_header *h, uint64_t now_ns)
{
	struct utsname u;

	memset(h, 0, sizeof(*h));
	if (uname(&u) == 0) {
		str_copy(h->host, sizeof(h->host), u.nodename);
		str_copy(h->kernel, sizeof(h->kernel), u.release);
		str_copy(h->machine, sizeof(h->machine), u.machine);
	}
	h->ncpus = (uint32_t)sysconf(_SC_NPROCESSORS_ONLN);
	h->clk_tck = (uint32_t)sysconf(_SC_CLK_TCK);
	h->page_size = (uint32_t)sysconf(_SC_PAGESIZE);
	/* stat's starttime counts from boot on the boot-time clock. */
	h->boot_time_ns = now_ns - clock_ns(CLOCK_BOOTTIME);
	h->pid = (uint32_t)rt.pid;
	h->start_ns = now_ns;
	h->interval_ns = rt.cfg.interval_ns;
	h->flags = (rt.cfg.children ? RT_CFG_CHILDREN : 0) |
		   (rt.cfg.system ? RT_CFG_SYSTEM : 0) |
		   (rt.cfg.gpu ? RT_CFG_GPU : 0);
	h->mem_mode = (uint32_t)rt.cfg.mem_mode;
	rtrack_cmdline(h->cmdline, sizeof(h->cmdline));
}

/* The log path: template expanded, made absolute so that a host that
 * changes directory still writes the same file. */
static int rtrack_path(const struct rt_header *h)
{
	char expanded[CONFIG_PATH_MAX];
	size_t len;

	if (config_expand_output(rt.cfg.output, rt.pid, h->host,
				 h->start_ns / 1000000000ull, expanded,
				 sizeof(expanded)) < 0)
		return -EINVAL;
	if (expanded[0] == '/') {
		strcpy(rt.path, expanded);
		return 0;
	}
	if (!getcwd(rt.path, sizeof(rt.path)))
		return -errno;
	len = strlen(rt.path);
	if (len + 1 + strlen(expanded) >= sizeof(rt.path))
		return -ENAMETOOLONG;
	rt.path[len] = '/';
	strcpy(rt.path + len + 1, expanded);
	return 0;
}

/* Create the log with its header; export RTRACK_ROOT.  0 or -errno. */
static int rtrack_open_new(void)
{
	struct rt_header h;
	char env[CONFIG_PATH_MAX + 24];
	size_t n;
	int rc;

	rtrack_header(&h, clock_ns(CLOCK_REALTIME));
	rc = rtrack_path(&h);
	if (rc < 0) {
		rtrack_say("RTRACK_OUTPUT='", rt.cfg.output,
			   "' cannot be expanded (use %p, %h, %t, %%); tracking disabled");
		return rc;
	}
	logwrite_preamble(&rt.batch);
	logwrite_header(&rt.batch, &h);
	rc = logfile_create(rt.path, &rt.batch);
	logwrite_clear(&rt.batch);
	if (rc < 0) {
		rtrack_say("cannot create ", rt.path,
			   rc == -EEXIST ? ": file exists; tracking disabled" :
			   ": tracking disabled");
		return rc;
	}
	n = text_put_u64(env, (uint64_t)rt.pid);
	env[n] = ':';
	strcpy(env + n + 1, rt.path);
	setenv("RTRACK_ROOT", env, 1);
	return 0;
}

static int rtrack_start_thread(void)
{
	sigset_t all, old;
	pthread_attr_t attr;
	int rc;

	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&rt.cv, &ca);
	pthread_condattr_destroy(&ca);

	/* The sampler inherits this mask: no signal is ever delivered to it. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, SAMPLER_STACK);
	rc = pthread_create(&rt.thread, &attr, rtrack_sampler, NULL);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == 0 && pthread_getcpuclockid(rt.thread, &rt.thread_clock) != 0)
		rt.thread_clock = CLOCK_THREAD_CPUTIME_ID;
	return -rc;
}

static void rtrack_start_tracker(void)
{
	struct tracker_cfg tc = {
		.procroot = "/proc",
		.sysroot = "/sys",
		.root_pid = rt.pid,
		.children = rt.cfg.children,
		.system = rt.cfg.system,
		.mem_mode = rt.cfg.mem_mode,
		.boot_time_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME),
		.clk_tck = (uint32_t)sysconf(_SC_CLK_TCK),
	};
	tracker_init(&tree, &tc);
}

__attribute__((constructor)) static void rtrack_init(void)
{
	int saved = errno;
	const char *root_path = NULL;
	pid_t root_pid;
	char err[160];

	rt.pid = getpid();
	if (getauxval(AT_SECURE))
		goto out; /* setuid and the like: never act with privileges */
	root_pid = rtrack_root_env(&root_path);
	if (root_pid && root_pid != rt.pid)
		goto out; /* a descendant: the root accounts for it */
	rtrack_note_stderr();
	if (config_parse(&rt.cfg, rtrack_getenv, NULL, err, sizeof(err)) < 0) {
		const char *q = getenv("RTRACK_QUIET");
		rt.quiet = q && strcmp(q, "1") == 0;
		rtrack_say(err, "; tracking disabled", NULL);
		goto out;
	}
	rt.quiet = rt.cfg.quiet;
	if (rt.cfg.disable)
		goto out;
	logwrite_init(&rt.batch, batch_mem, sizeof(batch_mem));
	if (root_pid) {
		/* This process exec'd itself: continue its log (a new sample
		 * chain starts with a keyframe, FORMAT.md S6). */
		if (strlen(root_path) >= sizeof(rt.path))
			goto out;
		strcpy(rt.path, root_path);
	} else if (rtrack_open_new() < 0) {
		goto out;
	}
	rtrack_start_tracker();
	rt.last_flush_ns = clock_ns(CLOCK_REALTIME);
	if (rtrack_start_thread() < 0) {
		/* e.g. a seccomp filter refusing clone3: stand aside silently,
		 * leaving no empty log and no RTRACK_ROOT behind. */
		if (!root_pid) {
			unlink(rt.path);
			unsetenv("RTRACK_ROOT");
		}
		goto out;
	}
	rt.role = ROLE_ROOT;
	pthread_atfork(NULL, NULL, rtrack_atfork_child);
	on_exit(rtrack_exit, NULL);
out:
	errno = saved;
}
