/* rtrack.c - the producer's entry: decides the role of the process that
 * loaded the library, creates (or continues) the log, and starts the
 * sampler for the root.
 *
 * Roles (DESIGN.md): the first process to load the library is the root; it
 * exports RTRACK_ROOT (root_env below: its identity, the log's and its
 * stderr's) so every process that inherits LD_PRELOAD knows it is a
 * descendant.  A root that stands aside exports it too, with "-" for the
 * log: its descendants stand aside silently, and only the root warns.  A
 * descendant starts no thread and writes one exit record at its exit
 * (descendant.c), and so does a fork()ed copy of the root or of a
 * descendant; the root after an exec (same pid and starttime) continues
 * its log.  On any failure: warn once (unless RTRACK_QUIET) and stand
 * aside; the host's errno, fds, signals and exit status are untouched.
 *
 * Orchestration only: parsing lives in lib/ (config, procfs, sysstat,
 * tracker), encoding in lib/inhost/logwrite.c, the thread in sampler.c. */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "gpu.h"
#include "hostinfo.h"
#include "log.h"
#include "procfs.h"
#include "rtrack.h"
#include "text.h"

/* Its layout decides the pages a descendant touches (rtrack.h); in the
 * link order (preload/CMakeLists.txt) it follows interpose.c's table. */
struct preload_state pre;

/* glibc's fork handlers, as pthread_atfork registers them. */
extern int __register_atfork(void (*prepare)(void), void (*parent)(void),
			     void (*child)(void), void *dso_handle);
extern void *__dso_handle __attribute__((weak, visibility("hidden")));

/* What only this file reads: the start's, and rtrack_cmdline's buffer
 * right after it (a root's: a descendant touches neither). */
static struct {
	int argc;                  /* main's, as glibc hands them to */
	char **argv;               /* constructors */
	int quiet;
	dev_t err_dev;             /* what fd 2 was at start */
	ino_t err_ino;
	int err_known;
	uint64_t starttime;        /* own stat (22): with pid, the identity */
	uint64_t pidns;            /* and its PID namespace's inode, or 0 */
	/* Static, as the constructor's other buffers: the host's stack may
	 * be a few KiB (ulimit -s).  Users: the constructor, and the
	 * daemon's child, each single-threaded then. */
	char argv_buf[RT_STR_MAX];
} self;

uint64_t rtrack_clock_ns(clockid_t id)
{
	return hostinfo_clock_ns(id);
}

uint64_t rtrack_clock_ns_syscall(clockid_t id)
{
	struct timespec ts;

	/* Refused (a filter answering ENOSYS): the vDSO's, which makes no
	 * call at all. */
	if (syscall(SYS_clock_gettime, id, &ts) != 0)
		return rtrack_clock_ns(id);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Whether fd 2 is still the file it was at start: a host that closed its
 * stderr may have reused the number for a file of its own, which rtrack
 * must never write into. */
static int rtrack_stderr_same(void)
{
	struct stat sb;

	if (!self.err_known || fstat(STDERR_FILENO, &sb) < 0)
		return 0;
	return sb.st_dev == self.err_dev && sb.st_ino == self.err_ino;
}

/* A closed pipe on stderr (`job 2>&1 | head`) answers with EPIPE, not
 * SIGPIPE: the line is lost, never the host. */
void rtrack_say(const char *a, const char *b, const char *c)
{
	/* Static: the exit may run on a host's small signal stack; the root
	 * says at most a line or two, never from two threads at once. */
	static char line[8192];
	const char *parts[] = { "rtrack: ", a, b, c };
	int saved = errno;
	size_t n = 0;

	if (!self.quiet && rtrack_stderr_same()) {
		/* One line, whatever a path or a variable's value holds: a
		 * control character (a newline in RTRACK_OUTPUT) is shown as
		 * '?', as the outputs show a command line's. */
		for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
			for (const char *p = parts[i]; p && *p &&
						       n < sizeof(line) - 1;
			     p++)
				line[n++] = (unsigned char)*p < 0x20 ||
							    *p == 0x7f ?
						    '?' :
						    *p;
		line[n++] = '\n';
		/* One write: the line in one piece, in one system call. */
		(void)text_writev_nosignal(STDERR_FILENO,
					   &(struct iovec){ line, n }, 1);
	}
	errno = saved;
}

/* ": REASON; what" (": what" for an errno without words), for
 * rtrack_say's last part: the line says why, as a user would be told by
 * the shell.  One static buffer: the root says one such line. */
static const char *rtrack_why(int err, const char *what)
{
	static char why[160];
	const char *says = text_errno_says(err);
	char *at = why, *end = why + sizeof(why) - 1;

	at = text_append(at, end, ": ", 2);
	if (says) {
		at = text_append(at, end, says, strlen(says));
		at = text_append(at, end, "; ", 2);
	}
	at = text_append(at, end, what, strlen(what));
	*at = '\0';
	return why;
}

static void rtrack_note_stderr(void)
{
	struct stat sb;

	if (fstat(STDERR_FILENO, &sb) == 0) {
		self.err_dev = sb.st_dev;
		self.err_ino = sb.st_ino;
		self.err_known = 1;
	}
}

void rtrack_exiting(uint32_t kind, int value)
{
	enum rtrack_role root = ROLE_ROOT;
	int saved = errno;

	/* Forked or vforked copies inherit the registration and the role:
	 * only the root process itself finishes the log (the pid before the
	 * claim: a vfork child shares pre), and only the first of its threads
	 * to exit (exit in one, _exit in another: one end record, one
	 * buffer).  The role first: a sandboxed descendant makes no call. */
	if (pre.role == ROLE_ROOT && getpid() == pre.pid &&
	    atomic_compare_exchange_strong(&pre.role, &root, ROLE_NONE)) {
		if (!pre.sandboxed && !rtrack_filtered()) {
			sampler_exit(kind, value);
			if (pre.write_failed)
				rtrack_say("cannot write ", pre.path,
					   rtrack_why(pre.write_failed,
						      "tracking stopped"));
			else if (pre.log_moved)
				rtrack_say("log written, but ", pre.path,
					   " is no longer it (moved, removed or "
					   "replaced during the run; records "
					   "after that may be lost)");
			else
				rtrack_say("log written to ", pre.path, NULL);
			descendant_nested_exit(kind, value);
		}
	} else {
		descendant_exit(kind, value);
	}
	errno = saved;
}

/* on_exit handler: runs for exit() and for a return from main, with the
 * status (an atexit handler would not see it). */
static void rtrack_on_exit(int status, void *arg)
{
	(void)arg;
	/* A child that shares our memory runs the list the root's exit will
	 * find empty. */
	if (pre.role == ROLE_ROOT && getpid() != pre.pid)
		pre.handler_taken = 1;
	rtrack_exiting(RT_EXIT_CODE, status & 0xff); /* what wait() sees */
}

int rtrack_filter_since(uint64_t seccomp_at_start)
{
	return seccomp_at_start == 0 && prctl(PR_GET_SECCOMP, 0, 0, 0, 0) > 0;
}

int rtrack_filtered(void)
{
	static atomic_int seen;

	if (!atomic_load(&seen) && rtrack_filter_since(pre.root_seccomp))
		atomic_store(&seen, 1);
	return atomic_load(&seen);
}

int rtrack_log_to_user(uid_t r, uid_t e, uid_t s)
{
	int saved = errno, rc = 0;
	uid_t cr, ce, cs;

	/* Only the owner (root here: a log another user created is theirs to
	 * share) edits the ACL.  Under a filter nothing new is called. */
	if (pre.role == ROLE_NONE || !pre.log_path || !pre.log_id.known ||
	    pre.log_id.uid != 0 || pre.sandboxed ||
	    getresuid(&cr, &ce, &cs) != 0 || ce != 0 || rtrack_filtered())
		goto out;
	r = r == (uid_t)-1 ? cr : r;
	e = e == (uid_t)-1 ? ce : e;
	s = s == (uid_t)-1 ? cs : s;
	if (r != 0 && e != 0 && s != 0)
		rc = logfile_grant(pre.log_path, &pre.log_id, e, 1) > 0;
out:
	errno = saved;
	return rc;
}

void rtrack_log_ungrant(uid_t e)
{
	int saved = errno;

	(void)logfile_grant(pre.log_path, &pre.log_id, e, 0);
	errno = saved;
}

void rtrack_sandboxed(void)
{
	/* A vfork child shares our memory: its flag would silence the parent
	 * (its exec'd image finds the filter in /proc/self/status). */
	if (pre.role == ROLE_NONE || getpid() != pre.pid)
		return;
	pre.sandboxed = 1;
	if (pre.role != ROLE_ROOT)
		return;
	/* The filter may cover the sampler thread too (TSYNC) and kill the
	 * host at its next open: it stops for good, its samples flushed (the
	 * resume does not start it again once sandboxed).  A pause that
	 * failed (the sampler did not answer in time) holds nothing to
	 * resume: the thread stays where it is stuck. */
	if (sampler_pause(0) == 0)
		sampler_resume();
	sampler_release_finisher();
}

/* A fork()ed child: no sampler (only the forking thread survives), the
 * parent's batch is never written, the descriptor guard is reset (its
 * counters were copied mid-flight); it is a descendant of the job. */
static void rtrack_atfork_child(void)
{
	/* In every process, whatever its role: interpose.c tells a vfork
	 * child (which runs no atfork handler) by getpid() != pre.pid. */
	pre.pid = getpid();
	if (pre.role == ROLE_NONE)
		return;
	fdguard_reset();
	sampler_forget();
	pre.running = 0;
	/* A descendant's copy is one (its cfg is never filled: rtrack.h). */
	pre.role = pre.role == ROLE_DESC || pre.cfg.children ? ROLE_DESC
							      : ROLE_NONE;
	/* Only a copy that writes a record needs its start; under a filter
	 * of its own it writes none, and makes no call it need not (the
	 * vDSO's clock made none). */
	pre.start_boot_ns = pre.role == ROLE_NONE || pre.sandboxed ? 0 :
			    rtrack_clock_ns_syscall(CLOCK_BOOTTIME);
	pre.forked = 1;
	/* A new signal struct: ru_maxrss is this copy's own peak. */
	pre.start_maxrss_kib = 0;
	/* argv is its parent's: a brief exit record keeps it (a shell's
	 * subshell), a longer one reads /proc/self/cmdline (a forked worker
	 * may have renamed itself: setproctitle). */
	pre.cmdline_inherited = 1;
}

static const char *rtrack_getenv(const char *name, void *ctx)
{
	(void)ctx;
	return getenv(name);
}

int rtrack_self_stat(struct procfs_stat *st)
{
	char buf[1024];
	ssize_t n = text_read_file("/proc/self/stat", buf, sizeof(buf));

	return n > 0 && procfs_parse_stat(buf, (size_t)n, st) == 0 ? 0 : -1;
}

/* Own starttime, stat (22): with the pid (and rtrack_pidns), what tells
 * this process from another with that pid (a later one, or one of another
 * PID namespace: a container's pid 1 that starts a namespace of its own),
 * the same across execs.  0 when unreadable; *ours 0 when /proc is not of
 * this process's PID namespace (its stat names another pid): nothing
 * could be sampled there, or the wrong processes would be.  The first
 * /proc read of a new process is its costliest (README: Performance), and
 * a root cannot do without it: a bound from the clock instead took a
 * nested namespace's pid 1 for the root, and pidfs (Linux 6.9) cost as
 * much here. */
static uint64_t rtrack_starttime_of(int *ours)
{
	struct procfs_stat st;

	if (rtrack_self_stat(&st) != 0)
		return 0;
	*ours = st.pid == pre.pid;
	return st.starttime;
}

/* The same, 0 also where /proc is not ours. */
static uint64_t rtrack_starttime(void)
{
	int ours = 0;
	uint64_t t = rtrack_starttime_of(&ours);

	return ours ? t : 0;
}

/* The inode of this process's PID namespace ("pid:[N]"), 0 when it
 * cannot be read: read after the stat, which made the /proc/PID entry
 * (15 us here). */
static uint64_t rtrack_pidns(void)
{
	char link[40];
	ssize_t n = readlink("/proc/self/ns/pid", link, sizeof(link));
	uint64_t v;
	const char *end;

	if (n < 7 || n >= (ssize_t)sizeof(link) || memcmp(link, "pid:[", 5) ||
	    link[n - 1] != ']' ||
	    text_parse_u64(link + 5, link + n - 1, &v, &end) < 0 ||
	    end != link + n - 1)
		return 0;
	return v;
}

uint64_t rtrack_output_hash(void)
{
	const char *v = getenv("RTRACK_OUTPUT");

	return text_hash(TEXT_HASH_SEED, v, v ? v + strlen(v) : v);
}

/* RTRACK_ROOT=<pid>:<starttime>:<seccomp>:<output hash>:<log dev>:<log
 * ino>:<log uid>:<stderr dev>:<stderr ino>:<pid namespace>:<path>, path
 * "-" when the root stood aside.  The numbers in this order: */
enum { RE_PID, RE_START, RE_SECCOMP, RE_OUTPUT, RE_DEV, RE_INO, RE_UID,
       RE_ERR_DEV, RE_ERR_INO, RE_PIDNS, RE_N };

struct root_env {
	uint64_t v[RE_N];
	const char *value; /* the variable's */
	const char *path;  /* in value; NULL: the root stood aside */
};

/* Parse RTRACK_ROOT into *r.  Returns the pid (0 when unset or
 * malformed). */
static pid_t rtrack_root_env(struct root_env *r)
{
	const char *v = getenv("RTRACK_ROOT"), *p, *end;
	int i;

	if (!v)
		return 0;
	end = v + strlen(v);
	for (i = 0, p = v; i < RE_N; i++)
		if ((i && *p++ != ':') ||
		    text_parse_u64(p, end, &r->v[i], &p) < 0)
			return 0;
	if (*p != ':' || r->v[RE_PID] == 0 || r->v[RE_PID] > INT_MAX ||
	    (p[1] != '/' && strcmp(p + 1, "-") != 0))
		return 0;
	r->value = v;
	r->path = p[1] == '/' ? p + 1 : NULL;
	return (pid_t)r->v[RE_PID];
}

int rtrack_args_cmdline(char *dst, size_t size)
{
	size_t len = pre.arg_len;

	if (!len)
		return -1;
	/* Its last byte not a NUL: a name written over the area
	 * (setproctitle), which the kernel reads up to its first NUL within
	 * a page, on into the environment's strings. */
	if (pre.arg_area[len - 1] != '\0')
		len = strnlen(pre.arg_area,
			      pre.arg_max < 4096 ? pre.arg_max : 4096);
	procfs_format_cmdline(pre.arg_area, len, dst, size);
	return 0;
}

/* argv as /proc/self/cmdline would give it (each argument NUL-ended, cut
 * at RT_STR_MAX), formatted by procfs_format_cmdline as the sampler
 * formats other processes' (which it saves reading): the argument area
 * itself where rtrack_note_args found it (no copy, and no page of this
 * file's touched by a descendant), else argv joined, else
 * /proc/self/cmdline. */
static void rtrack_cmdline(char *dst, size_t size)
{
	char *buf = self.argv_buf;
	size_t n = 0;
	ssize_t len;

	if (rtrack_args_cmdline(dst, size) == 0)
		return;
	if (self.argv && self.argc > 0) {
		for (int i = 0; i < self.argc && self.argv[i] &&
				n < sizeof(self.argv_buf);
		     i++) {
			size_t l = strlen(self.argv[i]) + 1; /* with its NUL */
			if (l > sizeof(self.argv_buf) - n)
				l = sizeof(self.argv_buf) - n;
			memcpy(buf + n, self.argv[i], l);
			n += l;
		}
		len = (ssize_t)n;
	} else {
		len = text_read_head("/proc/self/cmdline", buf,
				     sizeof(self.argv_buf));
	}
	dst[0] = '\0';
	if (len > 0)
		procfs_format_cmdline(buf, (size_t)len, dst, size);
}

/* Whether a GPU source is there (RTRACK_GPU=auto): the library loads and
 * lists a device, or a DRM driver publishes usage; nothing stays open. */
static int rtrack_gpu_found(void)
{
	struct gpu_cfg g = { "/proc", "/sys",
			     pre.cfg.nvml_path[0] ? pre.cfg.nvml_path : NULL };

	if (!pre.cfg.gpu)
		return 0;
	pre.gpu_probed = gpu_probe(&g) ? GPU_SOME : GPU_NONE;
	return pre.gpu_probed == GPU_SOME;
}

static void rtrack_header(struct rt_header *h, uint64_t now_ns)
{
	memset(h, 0, sizeof(*h));
	hostinfo_header(h, now_ns);
	h->pid = (uint32_t)pre.pid;
	h->start_ns = now_ns;
	h->interval_ns = pre.cfg.interval_ns;
	h->flags = (pre.cfg.children ? RT_CFG_CHILDREN : 0) |
		   (pre.cfg.system ? RT_CFG_SYSTEM : 0) |
		   (rtrack_gpu_found() ? RT_CFG_GPU : 0);
	h->mem_mode = (uint32_t)pre.cfg.mem_mode;
	rtrack_cmdline(h->cmdline, sizeof(h->cmdline));
}

/* The log path: template expanded, made absolute so that a host that
 * changes directory still writes the same file. */
static int rtrack_path(const struct rt_header *h)
{
	static char expanded[CONFIG_PATH_MAX]; /* static: rtrack_cmdline */
	size_t len;

	if (config_expand_output(pre.cfg.output, pre.pid, h->host,
				 h->start_ns / 1000000000ull, expanded,
				 sizeof(expanded)) < 0)
		return -EINVAL;
	if (expanded[0] == '/') {
		strcpy(pre.path, expanded);
		return 0;
	}
	if (!getcwd(pre.path, sizeof(pre.path)))
		return -errno;
	len = strlen(pre.path);
	if (len + 1 + strlen(expanded) >= sizeof(pre.path))
		return -ENAMETOOLONG;
	pre.path[len] = '/';
	strcpy(pre.path + len + 1, expanded);
	return 0;
}

/* RTRACK_ROOT (rtrack_root_env) into pre.root_env: the log's path, or "-"
 * for a root that stands aside. */
static void rtrack_root_string(int aside)
{
	uint64_t v[RE_N] = { (uint64_t)pre.pid, self.starttime, pre.root_seccomp,
			     rtrack_output_hash(), pre.log_id.dev,
			     pre.log_id.ino, pre.log_id.uid,
			     (uint64_t)self.err_dev, (uint64_t)self.err_ino,
			     self.pidns };
	char *p = pre.root_env;

	memcpy(p, ROOT_ENV_PREFIX, ROOT_ENV_PREFIX_LEN);
	p += ROOT_ENV_PREFIX_LEN;
	for (int i = 0; i < RE_N; i++) {
		p += text_put_u64(p, v[i]);
		*p++ = ':';
	}
	/* path < CONFIG_PATH_MAX: fits by the array size */
	strcpy(p, aside ? "-" : pre.path);
}

/* Create the log with its header.  0 or -errno.  Not on the stack: the
 * constructor runs on the host's, which may be tiny (ulimit -s); the
 * header and its bytes go in the sampler's batch memory, which the root
 * maps anyway (only a new root, once per image, gets here): the header
 * first, its bytes right after it, on the batch's first pages, which the
 * batch's first records (a short root's END) write again: each fresh page
 * is a fault (~12 us here). */
static int rtrack_open_new(void)
{
	static struct logbuf b;
	const size_t at = (sizeof(struct rt_header) + 63) & ~(size_t)63;
	struct rt_header *hp;
	size_t size;
	uint8_t *scratch = sampler_scratch(&size);
	int rc;

	if (!scratch || size < at + sizeof(*hp) + RT_LOG_PREAMBLE_LEN)
		return -ENOMEM;
	hp = (struct rt_header *)(void *)scratch;
	/* The vDSO's clock, as the header's boot clock: with both read by
	 * the system call instead, leaving the vDSO's pages to the thread,
	 * back-to-back roots ran ~230 us longer (README: Performance). */
	rtrack_header(hp, rtrack_clock_ns(CLOCK_REALTIME));
	rc = rtrack_path(hp);
	if (rc == -EINVAL) {
		rtrack_say("RTRACK_OUTPUT='", pre.cfg.output,
			   "' cannot be expanded (use %p, %h, %t, %%); tracking disabled");
		return rc;
	}
	if (rc < 0) {
		/* A relative path in a directory that is gone or too deep. */
		rtrack_say("RTRACK_OUTPUT='", pre.cfg.output,
			   "' is relative and the current directory cannot be read (deleted?); tracking disabled");
		return rc;
	}
	logwrite_init(&b, scratch + at, size - at);
	logwrite_preamble(&b);
	logwrite_header(&b, hp);
	rc = logfile_create(pre.path, &b, &pre.log_id);
	if (rc == 0)
		pre.log_path = pre.path;
	if (rc < 0)
		rtrack_say("cannot create ", pre.path,
			   rtrack_why(-rc, "tracking disabled"));
	return rc;
}

/* A descendant keeps the root's RTRACK_ROOT, to hand it on through an exec
 * whose environment lost it (interpose.c).  The log's path in that copy
 * (pre.log_path: no page of pre.path touched), or NULL. */
static const char *rtrack_keep_root_env(const struct root_env *r)
{
	const char *v = r->value;

	if (ROOT_ENV_PREFIX_LEN + strlen(v) >= sizeof(pre.root_env))
		return NULL;
	memcpy(pre.root_env, ROOT_ENV_PREFIX, ROOT_ENV_PREFIX_LEN);
	strcpy(pre.root_env + ROOT_ENV_PREFIX_LEN, v);
	return r->path ? pre.root_env + ROOT_ENV_PREFIX_LEN + (r->path - v)
		       : NULL;
}

static struct logfile_id rtrack_log_id(const struct root_env *r)
{
	struct logfile_id id = { r->v[RE_DEV], r->v[RE_INO],
				 (uint32_t)r->v[RE_UID], 1 };
	return id;
}

/* A descendant: it writes its exit record into the root's log, unless
 * told to stand aside (RTRACK_CHILDREN=0: only the root is tracked), or
 * its root stood aside (silently: only the root warns). */
static void rtrack_descendant(const struct root_env *r)
{
	const char *c = getenv("RTRACK_CHILDREN"), *d = getenv("RTRACK_DISABLE");
	const char *path = rtrack_keep_root_env(r);

	if ((c && strcmp(c, "0") == 0) || (d && strcmp(d, "1") == 0) ||
	    !path || strlen(path) >= sizeof(pre.path))
		return;
	pre.log_path = path;
	pre.log_id = rtrack_log_id(r);
	pre.root_seccomp = r->v[RE_SECCOMP];
	pre.role = ROLE_DESC; /* children tracked: its cfg stays unread */
	on_exit(rtrack_on_exit, NULL);
}

/* Own seccomp filter count (rtrack.h), from /proc/self/status. */
static uint64_t rtrack_seccomp(void)
{
	char buf[2048];
	struct procfs_status st;
	ssize_t n;

	/* No filter (mode 0, most jobs) has nothing to count: prctl says so
	 * without the kernel generating status (README).  A process in
	 * strict mode never gets here (it cannot exec); the sampler calls
	 * prctl anyway. */
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 0)
		return 0;
	/* The Seccomp lines are in the head. */
	n = text_read_head("/proc/self/status", buf, sizeof(buf));
	if (n <= 0 || procfs_parse_status(buf, (size_t)n, &st) < 0)
		return 0;
	return procfs_seccomp_count(&st);
}

/* Which log this process writes, as rtrack_role finds it. */
enum role_found {
	FOUND_NEW_LOG,  /* a new root: a log of its own */
	FOUND_EXEC_LOG, /* the root after an exec: the log it continues */
	/* None: a descendant, a stale RTRACK_ROOT of a process that got the
	 * root's pid later, or a root that stood aside before its exec. */
	FOUND_NO_LOG,
	FOUND_NO_PROC,  /* none: /proc/self cannot be read */
};

static enum role_found rtrack_new_root(void)
{
	pre.root_seccomp = rtrack_seccomp();
	return FOUND_NEW_LOG;
}

/* A nested run (its own RTRACK_OUTPUT inside a tracked job): a log of
 * its own, and its exit record in the outer one.  self.starttime read. */
static enum role_found rtrack_nested(const struct root_env *r)
{
	if (r->path && strlen(r->path) < sizeof(pre.parent_path)) {
		strcpy(pre.parent_path, r->path);
		pre.parent_log_id = rtrack_log_id(r);
	}
	pre.parent_seccomp = r->v[RE_SECCOMP];
	return rtrack_new_root();
}

static enum role_found rtrack_role(void)
{
	struct root_env r;
	pid_t root;

	memset(&r, 0, sizeof(r));
	root = rtrack_root_env(&r);
	/* Descendants, the common case, decide on the pid alone.  A nested
	 * run sets an RTRACK_OUTPUT of its own; an environment scrubbed of it
	 * (env -i, with RTRACK_ROOT handed on) is no nested run. */
	if (root && root != pre.pid &&
	    (!getenv("RTRACK_OUTPUT") ||
	     r.v[RE_OUTPUT] == rtrack_output_hash())) {
		rtrack_descendant(&r);
		return FOUND_NO_LOG;
	}
	if (root == pre.pid) {
		int ours = 0;

		/* The root after an exec (its start and PID namespace), or
		 * another process with the pid: a later one, or one of
		 * another namespace (a container's pid 1 that starts one of
		 * its own at once forks its pid 1 within the same tick).  A
		 * root that stood aside warned once: its images stand aside
		 * silently, as its descendants do. */
		if (!r.path || strlen(r.path) >= sizeof(pre.path)) {
			rtrack_descendant(&r);
			return FOUND_NO_LOG;
		}
		self.starttime = rtrack_starttime_of(&ours);
		if (self.starttime == 0)
			return FOUND_NO_PROC;
		self.pidns = rtrack_pidns();
		/* A /proc of another namespace: not the root's (whose was
		 * its own), a process of a namespace it made. */
		if (!ours || self.starttime != r.v[RE_START] ||
		    (self.pidns && r.v[RE_PIDNS] && self.pidns != r.v[RE_PIDNS])) {
			/* Not the root: its descendant, or a nested run of
			 * its own (an RTRACK_OUTPUT of its own). */
			if (getenv("RTRACK_OUTPUT") &&
			    r.v[RE_OUTPUT] != rtrack_output_hash())
				return rtrack_nested(&r);
			rtrack_descendant(&r);
			return FOUND_NO_LOG;
		}
		strcpy(pre.path, r.path);
		pre.log_path = pre.path;
		pre.log_id = rtrack_log_id(&r);
		pre.root_seccomp = r.v[RE_SECCOMP];
		/* What the first image's stderr was: the end line goes there
		 * or nowhere, never into a file an exec'd image redirected it
		 * to. */
		self.err_dev = (dev_t)r.v[RE_ERR_DEV];
		self.err_ino = (ino_t)r.v[RE_ERR_INO];
		self.err_known = r.v[RE_ERR_INO] != 0;
		return FOUND_EXEC_LOG;
	}
	self.starttime = rtrack_starttime();
	if (self.starttime == 0)
		return FOUND_NO_PROC;
	self.pidns = rtrack_pidns();
	return root ? rtrack_nested(&r) : rtrack_new_root();
}

/* 0: track; -1: stand aside after a warning; -2: RTRACK_DISABLE. */
static int rtrack_configure(void)
{
	char err[160];

	if (config_parse(&pre.cfg, rtrack_getenv, NULL, err, sizeof(err)) < 0) {
		const char *q = getenv("RTRACK_QUIET");
		self.quiet = q && strcmp(q, "1") == 0;
		rtrack_say(err, "; tracking disabled", NULL);
		return -1;
	}
	self.quiet = pre.cfg.quiet;
	return pre.cfg.disable ? -2 : 0;
}

/* The sampler; after an exec, with the record of it (the new cmdline). */
static int rtrack_start(enum role_found found)
{
	static struct rt_exec x;

	if (found == FOUND_NEW_LOG)
		return sampler_start(NULL);
	x.time_ns = rtrack_clock_ns(CLOCK_REALTIME);
	x.pid = (uint32_t)pre.pid;
	memcpy(x.cmdline, pre.cmdline, sizeof(x.cmdline));
	return sampler_start(&x);
}

void rtrack_daemon_child(void)
{
	pre.pid = getpid();
	if (rtrack_filtered()) {
		pre.role = ROLE_NONE; /* its reads of /proc could be fatal */
		return;
	}
	pre.forked = 0;
	self.starttime = rtrack_starttime();
	self.pidns = rtrack_pidns();
	rtrack_cmdline(pre.cmdline, sizeof(pre.cmdline));
	pre.cmdline_inherited = 0;
	rtrack_root_string(0);
	putenv(pre.root_env); /* static storage: stays valid */
	pre.role = ROLE_ROOT;
	if (sampler_daemon() < 0)
		pre.role = ROLE_NONE;
}

/* The copy of the library that the dynamic linker finds first owns the
 * process (exported: rtrack_preload.map); any other copy (LD_PRELOAD
 * naming two paths, a job traced by another install) stands aside, or two
 * samplers would write one log. */
static const char rtrack_self_mark;
__attribute__((visibility("default"))) const void *const rtrack_preload_copy =
	&rtrack_self_mark;

static int rtrack_another_copy(void)
{
	/* The exported name resolves to the first copy's for every copy:
	 * what it points at, a static of one copy, tells them apart. */
	const void *const *first = dlsym(RTLD_DEFAULT, "rtrack_preload_copy");

	return first && *first != &rtrack_self_mark;
}

/* A new root that stood aside (it warned) still exports RTRACK_ROOT, with
 * no log: its descendants stand aside silently, each of them not a root
 * of its own that would warn again, into whatever file its stderr is. */
static void rtrack_aside(enum role_found found)
{
	if (found != FOUND_NEW_LOG && found != FOUND_NO_PROC)
		return;
	rtrack_root_string(1);
	putenv(pre.root_env); /* static storage: stays valid */
}

/* Our LD_PRELOAD entry when it is relative (build/librtrack_preload.so,
 * as README's first example has it) is made absolute, from the directory
 * the process starts in, where ld.so found it: otherwise a program the
 * job starts from another directory gets ld.so's "cannot be preloaded"
 * error in its stderr and goes untracked.  In environ
 * itself (an entry replaced in place, static storage: no allocation), so
 * that system(), popen() and every copy the host makes carry it.  Not
 * when the directory holds a space or a colon, which LD_PRELOAD cannot
 * express. */
static void rtrack_preload_absolute(void)
{
	static char entry[sizeof("LD_PRELOAD=") + 2 * CONFIG_PATH_MAX];
	const size_t key = sizeof("LD_PRELOAD=") - 1;
	const char *v = getenv("LD_PRELOAD"), *p, *e;
	char cwd[CONFIG_PATH_MAX];
	size_t len, head, clen;
	Dl_info info;

	if (!v || !dladdr((void *)rtrack_preload_absolute, &info) ||
	    !info.dli_fname || info.dli_fname[0] == '/' ||
	    !strchr(info.dli_fname, '/'))
		return; /* absolute, or a bare name ld.so searches for */
	len = strlen(info.dli_fname);
	/* ld.so separates the entries with spaces and colons. */
	for (p = v; *p; p = e) {
		p += strspn(p, " :");
		e = p + strcspn(p, " :");
		if ((size_t)(e - p) == len && memcmp(p, info.dli_fname, len) == 0)
			break;
	}
	if (!*p || !getcwd(cwd, sizeof(cwd)) || cwd[0] != '/' ||
	    cwd[strcspn(cwd, " :")])
		return;
	head = key + (size_t)(p - v);
	clen = strlen(cwd);
	if (head + clen + 1 + strlen(p) >= sizeof(entry))
		return;
	memcpy(entry, v - key, head); /* getenv's value follows "NAME=" */
	memcpy(entry + head, cwd, clen);
	entry[head + clen] = '/';
	strcpy(entry + head + clen + 1, p);
	putenv(entry);
}

/* Where argv's strings lie, one after another, as the kernel keeps them
 * for /proc/self/cmdline (pre.arg_area: a fork()ed copy's brief exit
 * record reads its name there), and how far past them the environment's
 * strings, laid out next, may be read (a renamed process's name runs on
 * into them: setproctitle).  From the pointers the kernel handed over,
 * with one strlen each for the last argument and variable. */
static void rtrack_note_args(int argc, char **argv, char **envp)
{
	const char *last, *end;
	size_t n = 0;

	pre.arg_len = 0;
	if (argc <= 0 || !argv || !argv[0] || !argv[argc - 1] ||
	    argv[argc - 1] < argv[0])
		return;
	last = argv[argc - 1];
	end = last + strlen(last) + 1;
	pre.arg_area = argv[0];
	pre.arg_len = (size_t)(end - argv[0]);
	pre.arg_max = pre.arg_len;
	while (envp && envp[n])
		n++;
	if (n && envp[n - 1] >= end)
		pre.arg_max = (size_t)(envp[n - 1] + strlen(envp[n - 1]) + 1 -
				       argv[0]);
}

/* ru_maxrss now: what every earlier image of the pid reached, or this one
 * so far (descendant.c: the exit record's peak). */
static void rtrack_note_maxrss(void)
{
	struct rusage ru;

	/* Unknown: the exit reads status. */
	pre.start_maxrss_kib = UINT64_MAX;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		pre.start_maxrss_kib = (uint64_t)ru.ru_maxrss;
}

/* glibc hands constructors argc, argv and envp. */
__attribute__((constructor)) static void rtrack_init(int argc, char **argv,
						     char **envp)
{
	enum role_found found;
	int saved = errno, rc;

	pre.pid = getpid();
	rtrack_note_args(argc, argv, envp);
	if (!pre.arg_len) {
		self.argc = argc;
		self.argv = argv;
	}
	rtrack_note_maxrss();
	/* What pthread_atfork (a stub linked at the end of the text: a page
	 * fault of its own in every process) calls. */
	__register_atfork(NULL, NULL, rtrack_atfork_child,
			  &__dso_handle ? __dso_handle : NULL);
	interpose_init();
	/* After it: the clock's system call passes through our syscall(),
	 * which would resolve them first. */
	pre.start_boot_ns = rtrack_clock_ns_syscall(CLOCK_BOOTTIME);
	/* setuid and the like: never act with privileges. */
	if (getauxval(AT_SECURE) || rtrack_another_copy())
		goto out;
	rtrack_preload_absolute();
	found = rtrack_role();
	if (found == FOUND_NO_LOG) {
		/* A descendant: the root accounts for it. */
		if (pre.role == ROLE_DESC)
			rtrack_cmdline(pre.cmdline, sizeof(pre.cmdline));
		goto out;
	}
	if (found != FOUND_EXEC_LOG)
		rtrack_note_stderr();
	rc = rtrack_configure();
	if (rc == -2)
		goto out;
	if (rc < 0)
		goto aside;
	if (found == FOUND_NO_PROC) {
		/* No /proc (or not ours): nothing could be sampled, and the
		 * sampler could not tell when the host's threads are gone. */
		rtrack_say("/proc/self cannot be read (no /proc, or one of "
			   "another PID namespace); tracking disabled",
			   NULL, NULL);
		goto aside;
	}
	if (found == FOUND_NEW_LOG && rtrack_open_new() < 0)
		goto aside;
	/* argv for the root's PROC record (the sampler need not read
	 * /proc/PID/cmdline), an exec record, and its copies' exit records. */
	rtrack_cmdline(pre.cmdline, sizeof(pre.cmdline));
	rtrack_root_string(0);
	fdguard_init();
	/* The role before the thread: it reads it (its closes pass through
	 * the interposed close). */
	pre.role = ROLE_ROOT;
	rc = rtrack_start(found);
	if (rc < 0) {
		/* A seccomp filter refusing clone3 (EPERM, ENOSYS): stand aside
		 * silently; out of memory or threads (ulimit -v, -u): say so.
		 * No empty log is left behind. */
		if (rc == -ENOMEM || rc == -EAGAIN)
			rtrack_say("cannot start the sampler thread (",
				   rc == -ENOMEM ? "out of memory: ulimit -v?" :
						   "out of threads: ulimit -u?",
				   "); tracking disabled");
		pre.role = ROLE_NONE;
		fdguard_reset();
		if (found == FOUND_NEW_LOG)
			unlink(pre.path);
		pre.log_path = NULL;
		goto aside;
	}
	if (found == FOUND_NEW_LOG)
		putenv(pre.root_env); /* static storage: stays valid */
	on_exit(rtrack_on_exit, NULL);
	goto out;
aside:
	rtrack_aside(found);
out:
	errno = saved;
}
