/* interpose.c - the functions librtrack_preload.so replaces, and nothing
 * else (preload/rtrack_preload.map exports exactly these).  Each one calls
 * the next definition (another preload's, or libc's), resolved once, so
 * stacked preloads keep working; the raw system call is only the fallback
 * when there is none.  Processes other than the root touch no state but
 * read-only globals: a vfork child shares our memory. */
#include <alloca.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rtrack.h"

extern char **environ;

/* Declared here for a libc whose headers lack them: the first three came
 * with glibc 2.34, assert.h declares the two __assert ones only without
 * NDEBUG, and __libc_start_main is for crt1.o alone. */
int execveat(int, const char *, char *const[], char *const[], int);
int close_range(unsigned, unsigned, int);
void closefrom(int);
void __assert_fail(const char *, const char *, unsigned, const char *);
void __assert_perror_fail(int, const char *, unsigned, const char *);
typedef int (*main_fn)(int, char **, char **);
int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void),
		      void (*fini)(void), void (*rtld_fini)(void),
		      void *stack_end);

/* Every function whose next definition (another preload's, or libc's) is
 * called, one line each, as heaptrack's HOOK lines: next.NAME is a pointer
 * of NAME's own type, resolved by NAME.  What the library exports is
 * preload/rtrack_preload.map: these, and the wrappers with no next of
 * their own (execv, execl*, wait, waitpid, wait3). */
#define INTERPOSED(X)                                                          \
	X(execve)                                                              \
	X(execvpe)                                                             \
	X(execvp)                                                              \
	X(fexecve)                                                             \
	X(execveat)                                                            \
	X(posix_spawn)                                                         \
	X(posix_spawnp)                                                        \
	X(wait4)                                                               \
	X(exit)                                                                \
	X(_exit)                                                               \
	X(_Exit)                                                               \
	X(quick_exit)                                                          \
	X(pthread_exit)                                                        \
	X(abort)                                                               \
	X(__assert_fail)                                                       \
	X(__assert_perror_fail)                                                \
	X(__libc_start_main)                                                   \
	X(daemon)                                                              \
	X(prctl)                                                               \
	X(syscall)                                                             \
	X(unshare)                                                             \
	X(setns)                                                               \
	X(setuid)                                                              \
	X(setgid)                                                              \
	X(seteuid)                                                             \
	X(setegid)                                                             \
	X(setreuid)                                                            \
	X(setregid)                                                            \
	X(setresuid)                                                           \
	X(setresgid)                                                           \
	X(setgroups)                                                           \
	X(close)                                                               \
	X(close_range)                                                         \
	X(closefrom)                                                           \
	X(dup2)                                                                \
	X(dup3)

#define NEXT_FIELD(name) __typeof__(&name) name;
#define NEXT_RESOLVE(name) *(void **)&next.name = dlsym(RTLD_NEXT, #name);

static struct {
	int resolved;
	INTERPOSED(NEXT_FIELD)
} next;

void interpose_init(void)
{
	INTERPOSED(NEXT_RESOLVE)
	next.resolved = 1;
}

/* A library whose constructor runs before ours may already call in. */
static void resolve(void)
{
	if (!next.resolved)
		interpose_init();
}

static int is_root(void)
{
	return pre.role == ROLE_ROOT && getpid() == pre.pid;
}

/* ---- the exec family -------------------------------------------------- */

enum exec_kind { EXEC_PATH, EXEC_SEARCH, EXEC_FD, EXEC_AT };

struct exec_call {
	enum exec_kind kind;
	int fd, flags;        /* EXEC_FD, EXEC_AT */
	const char *path;     /* file for EXEC_SEARCH */
	char *const *argv;
};

static int exec_run(const struct exec_call *c, char *const envp[])
{
	switch (c->kind) {
	case EXEC_SEARCH:
		if (next.execvpe)
			return next.execvpe(c->path, c->argv, envp);
		break; /* no PATH search to be had: as execve */
	case EXEC_FD:
		if (next.fexecve)
			return next.fexecve(c->fd, c->argv, envp);
		return (int)syscall(SYS_execveat, c->fd, "", c->argv, envp,
				    AT_EMPTY_PATH);
	case EXEC_AT:
		if (next.execveat)
			return next.execveat(c->fd, c->path, c->argv, envp,
					     c->flags);
		return (int)syscall(SYS_execveat, c->fd, c->path, c->argv, envp,
				    c->flags);
	case EXEC_PATH:
		break;
	}
	if (next.execve)
		return next.execve(c->path, c->argv, envp);
	return (int)syscall(SYS_execve, c->path, c->argv, envp);
}

/* ---- the environment of a new image -------------------------------------- */

/* An environment that keeps LD_PRELOAD but lost RTRACK_ROOT (env -i
 * LD_PRELOAD=..., a posix_spawn with a scrubbed envp) gets it back: the
 * new image must know whose job it is, or it would start a log of its own
 * (as the root: a second log for the same pid).  The pointers the copy
 * takes (the entries, RTRACK_ROOT, the NULL), or 0: envp as it is. */
static size_t env_needs(char *const envp[])
{
	int preload = 0, root = 0;
	size_t i;

	if (!pre.root_env[0])
		return 0;
	for (i = 0; envp && envp[i]; i++) {
		preload |= strncmp(envp[i], "LD_PRELOAD=",
				   sizeof("LD_PRELOAD=") - 1) == 0;
		root |= strncmp(envp[i], ROOT_ENV_PREFIX,
				ROOT_ENV_PREFIX_LEN) == 0;
	}
	return preload && !root ? i + 2 : 0;
}

/* envp and RTRACK_ROOT into env, at most want pointers in all (another
 * thread's setenv may have grown envp since env_needs counted it). */
static char **env_fill(char **env, char *const envp[], size_t want)
{
	size_t i;

	for (i = 0; i + 2 < want && envp[i]; i++)
		env[i] = envp[i];
	env[i++] = pre.root_env;
	env[i] = NULL;
	return env;
}

/* The environment handed to a new image: envp, or a copy (env_needs). */
struct env_new {
	char **env;
	size_t mapped; /* bytes of a mapping of its own, env_done unmaps */
};

#define ENV_ON_STACK 128 /* pointers */

/* A copy of up to ENV_ON_STACK pointers goes on the caller's stack, a
 * larger one in a mapping (a host thread's stack may be 16 KiB and an
 * environment 100,000 entries), except in a vfork child: its mapping would
 * stay in the parent after the exec, so its copy is on the stack it
 * borrowed, as glibc's own exec would put it. */
#define ENV_PREPARE(e, envp)                                                   \
	do {                                                                   \
		size_t w_ = env_needs(envp);                                   \
		(e)->env = (char **)(envp);                                    \
		(e)->mapped = 0;                                               \
		if (w_ && (w_ <= ENV_ON_STACK || getpid() != pre.pid))          \
			(e)->env = env_fill(alloca(w_ * sizeof(char *)),       \
					    envp, w_);                         \
		else if (w_)                                                   \
			env_map(e, envp, w_);                                  \
	} while (0)

static void env_map(struct env_new *e, char *const envp[], size_t want)
{
	size_t len = want * sizeof(char *);
	int saved = errno;
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	errno = saved;
	if (m == MAP_FAILED)
		return; /* envp as it is: the exec itself is the host's */
	e->env = env_fill(m, envp, want);
	e->mapped = len;
}

/* After an exec that failed, or a spawn: errno stays the call's. */
static void env_done(struct env_new *e)
{
	int saved = errno;

	if (e->mapped)
		munmap(e->env, e->mapped);
	errno = saved;
}

static int exec_env(const struct exec_call *c, char *const envp[])
{
	struct env_new e;
	int rc;

	ENV_PREPARE(&e, envp);
	rc = exec_run(c, e.env);
	env_done(&e);
	return rc;
}

/* The root's exec replaces the image and with it the unwritten batch: the
 * sampler sweeps and flushes first, and holds still until the new image
 * runs (it continues the log); a failed exec changes nothing. */
static int exec_any(const struct exec_call *c, char *const envp[])
{
	int rc, saved, held;

	resolve();
	if (!is_root())
		return exec_env(c, envp);
	saved = errno;
	held = sampler_exec_begin(c->argv);
	errno = saved;
	rc = exec_env(c, envp);
	saved = errno;
	sampler_exec_end(held);
	errno = saved;
	return rc;
}

/* glibc's own execv, execvp, execl* and fexecve reach execve inside libc,
 * past an interposed execve, so each is interposed here. */
#define EXPORT __attribute__((visibility("default")))

EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	struct exec_call c = { EXEC_PATH, -1, 0, path, argv };
	return exec_any(&c, envp);
}

EXPORT int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	struct exec_call c = { EXEC_SEARCH, -1, 0, file, argv };
	return exec_any(&c, envp);
}

EXPORT int execvp(const char *file, char *const argv[])
{
	resolve();
	if (!is_root() && !pre.root_env[0] && next.execvp)
		return next.execvp(file, argv);
	return execvpe(file, argv, environ);
}

EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	struct exec_call c = { EXEC_FD, fd, 0, NULL, argv };
	return exec_any(&c, envp);
}

EXPORT int execveat(int dirfd, const char *path, char *const argv[],
		    char *const envp[], int flags)
{
	struct exec_call c = { EXEC_AT, dirfd, flags, path, argv };
	return exec_any(&c, envp);
}

/* execl, execlp, execle: the arguments up to and including the NULL (and,
 * for execle, the environment after it) as an argv on this frame's stack,
 * as glibc builds it, then the exec: alloca's memory lives until it
 * returns, which an exec that worked never does. */
static int execl_any(int search, const char *path, const char *arg,
		     va_list ap, int has_envp)
{
	char **argv, **envp = environ;
	size_t n = 1, i;
	va_list cp;

	va_copy(cp, ap);
	while (va_arg(cp, char *))
		n++;
	va_end(cp);
	argv = alloca((n + 1) * sizeof(char *));
	argv[0] = (char *)arg;
	for (i = 1; i <= n; i++)
		argv[i] = va_arg(ap, char *);
	if (has_envp)
		envp = va_arg(ap, char **);
	return search ? execvpe(path, argv, envp) : execve(path, argv, envp);
}

EXPORT int execl(const char *path, const char *arg, ...)
{
	va_list ap;
	int rc;

	va_start(ap, arg);
	rc = execl_any(0, path, arg, ap, 0);
	va_end(ap);
	return rc;
}

EXPORT int execlp(const char *file, const char *arg, ...)
{
	va_list ap;
	int rc;

	va_start(ap, arg);
	rc = execl_any(1, file, arg, ap, 0);
	va_end(ap);
	return rc;
}

EXPORT int execle(const char *path, const char *arg, ...)
{
	va_list ap;
	int rc;

	va_start(ap, arg);
	rc = execl_any(0, path, arg, ap, 1);
	va_end(ap);
	return rc;
}

/* glibc's posix_spawn execs in the child past the interposed exec family:
 * only the environment needs the same care.  (system and popen reach it
 * inside libc, with environ, which carries RTRACK_ROOT already.) */
EXPORT int posix_spawn(pid_t *pid, const char *path,
		       const posix_spawn_file_actions_t *actions,
		       const posix_spawnattr_t *attr, char *const argv[],
		       char *const envp[])
{
	struct env_new e;
	int rc;

	resolve();
	if (!next.posix_spawn)
		return ENOSYS;
	ENV_PREPARE(&e, envp);
	rc = next.posix_spawn(pid, path, actions, attr, argv, e.env);
	env_done(&e);
	return rc;
}

EXPORT int posix_spawnp(pid_t *pid, const char *file,
			const posix_spawn_file_actions_t *actions,
			const posix_spawnattr_t *attr, char *const argv[],
			char *const envp[])
{
	struct env_new e;
	int rc;

	resolve();
	if (!next.posix_spawnp)
		return ENOSYS;
	ENV_PREPARE(&e, envp);
	rc = next.posix_spawnp(pid, file, actions, attr, argv, e.env);
	env_done(&e);
	return rc;
}

/* ---- reaping ------------------------------------------------------------ */

/* A child that a signal killed (a pool's terminate(), the OOM killer)
 * wrote no exit record: the parent that reaps it writes one for it
 * (descendant.c), from wait4's status and rusage.  Every wait of the
 * family goes through wait4, as glibc's own do; waitid is not seen. */
static pid_t reap(pid_t pid, int *st, int options, struct rusage *ru)
{
	struct rusage own;
	int status = 0;
	pid_t r;

	resolve();
	if (!next.wait4) {
		errno = ENOSYS;
		return -1;
	}
	r = next.wait4(pid, &status, options, ru ? ru : &own);
	if (r > 0) {
		if (st)
			*st = status;
		if (WIFSIGNALED(status))
			descendant_reaped(r, status, ru ? ru : &own);
	}
	return r;
}

EXPORT pid_t wait(int *st) { return reap(-1, st, 0, NULL); }
EXPORT pid_t waitpid(pid_t pid, int *st, int options)
{
	return reap(pid, st, options, NULL);
}
EXPORT pid_t wait3(int *st, int options, struct rusage *ru)
{
	return reap(-1, st, options, ru);
}
EXPORT pid_t wait4(pid_t pid, int *st, int options, struct rusage *ru)
{
	return reap(pid, st, options, ru);
}

/* ---- exits that skip on_exit handlers ------------------------------------ */

/* _exit and _Exit skip exit handlers (shells end with them); quick_exit
 * runs only at_quick_exit handlers and reaches _exit inside libc: all
 * three end the log here, then call the next definition. */
__attribute__((noreturn)) static void exit_via(__typeof__(&_exit) fn,
					       int status)
{
	resolve();
	rtrack_exiting(RT_EXIT_CODE, status & 0xff);
	if (fn)
		fn(status);
	for (;;)
		syscall(SYS_exit_group, status);
}

EXPORT __attribute__((noreturn)) void _exit(int status)
{
	exit_via(next._exit, status);
}

EXPORT __attribute__((noreturn)) void _Exit(int status)
{
	exit_via(next._Exit, status);
}

EXPORT __attribute__((noreturn)) void quick_exit(int status)
{
	exit_via(next.quick_exit, status);
}

/* A child sharing our memory (vfork, clone(CLONE_VM)) that called exit()
 * ran the exit handlers, the root's with them: the root's own exit()
 * ends the log first (there are no handlers left to run after it). */
EXPORT __attribute__((noreturn)) void exit(int status)
{
	resolve();
	if (pre.handler_taken && is_root())
		rtrack_exiting(RT_EXIT_CODE, status & 0xff);
	if (next.exit)
		next.exit(status);
	for (;;)
		syscall(SYS_exit_group, status);
}

/* A return from main reaches exit inside libc, past the one above: main
 * is wrapped, so that its return does the same. */
static main_fn host_main;

static int main_wrapper(int argc, char **argv, char **envp)
{
	int rc = host_main(argc, argv, envp);

	if (pre.handler_taken && is_root())
		rtrack_exiting(RT_EXIT_CODE, rc & 0xff);
	return rc;
}

EXPORT int __libc_start_main(main_fn main, int argc, char **argv,
			     void (*init)(void), void (*fini)(void),
			     void (*rtld_fini)(void), void *stack_end)
{
	resolve();
	host_main = main;
	return next.__libc_start_main(main_wrapper, argc, argv, init, fini, rtld_fini,
		    stack_end);
}

/* The main thread leaving with pthread_exit: glibc ends the process when
 * its last thread ends, but counts the sampler among them; the sampler
 * watches for being the last one from now on (sampler.c). */
EXPORT __attribute__((noreturn)) void pthread_exit(void *ret)
{
	resolve();
	if (is_root() && (pid_t)syscall(SYS_gettid) == pre.pid)
		sampler_main_gone();
	if (next.pthread_exit)
		next.pthread_exit(ret);
	for (;;)
		syscall(SYS_exit, 0);
}

/* abort() ends the process by SIGABRT unless a handler of the host's
 * catches it and never returns: with the default (or ignored: abort
 * resets it) disposition, the end is known now. */
static void abort_coming(void)
{
	struct sigaction sa;

	if (sigaction(SIGABRT, NULL, &sa) == 0 && !(sa.sa_flags & SA_SIGINFO) &&
	    (sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN))
		rtrack_exiting(RT_EXIT_SIGNAL, SIGABRT);
}

/* A failed assert() prints its line and calls abort inside libc, past the
 * interposed one: the end is recorded first (the end line, when not
 * quiet, comes before the assertion's). */
EXPORT __attribute__((noreturn)) void
__assert_fail(const char *expr, const char *file, unsigned line,
	      const char *fn)
{
	resolve();
	abort_coming();
	if (next.__assert_fail)
		next.__assert_fail(expr, file, line, fn);
	abort();
}

EXPORT __attribute__((noreturn)) void
__assert_perror_fail(int err, const char *file, unsigned line, const char *fn)
{
	resolve();
	abort_coming();
	if (next.__assert_perror_fail)
		next.__assert_perror_fail(err, file, line, fn);
	abort();
}

EXPORT __attribute__((noreturn)) void abort(void)
{
	resolve();
	abort_coming();
	if (next.abort)
		next.abort();
	for (;;) {
		signal(SIGABRT, SIG_DFL);
		raise(SIGABRT);
		syscall(SYS_exit_group, 127);
	}
}

/* ---- daemon(): the job goes on in the child --------------------------- */

static int step_out(int carry);
static int step_in(int out, int rc);

/* The unshare calls the sampler steps out for: what unshare refuses
 * (EINVAL) in a process with a second thread (a new user namespace, the
 * memory, the signal handlers, the thread group), and a new mount
 * namespace or filesystem context, which a thread may unshare alone but
 * which the sampler should then share: it starts again from the host's
 * thread after the call.  CLONE_FILES and the like need nothing. */
static int unshare_needs_alone(long flags)
{
	return (flags & (CLONE_NEWUSER | CLONE_NEWNS | CLONE_FS | CLONE_VM |
			 CLONE_SIGHAND | CLONE_THREAD)) != 0;
}

/* glibc's daemon forks and ends the parent with its own _exit, past ours:
 * the root's sampler stops (sweeping and flushing) for the fork, and the
 * child, where the job goes on, continues the log as the root. */
EXPORT int daemon(int nochdir, int noclose)
{
	int out, rc, root, saved;

	resolve();
	if (!next.daemon) {
		errno = ENOSYS;
		return -1;
	}
	root = is_root();
	out = step_out(0);
	rc = next.daemon(nochdir, noclose);
	if (rc == 0 && root) {
		saved = errno;
		rtrack_daemon_child();
		errno = saved;
		return 0;
	}
	return step_in(out, rc);
}

/* ---- seccomp: from the filter on, stay passive ------------------------ */

/* Before the filter exists, not after: a filter that kills on calls
 * rtrack would make (or covers the sampler, with TSYNC) must find it
 * already quiet.  A call that then fails leaves rtrack quiet all the same:
 * the safe side. */
static void seccomp_coming(void)
{
	int saved = errno;

	rtrack_sandboxed();
	errno = saved;
}

/* glibc's prctl reads its four optional arguments the same way. */
EXPORT int prctl(int option, ...)
{
	unsigned long a[4];
	va_list ap;
	int i;

	va_start(ap, option);
	for (i = 0; i < 4; i++)
		a[i] = va_arg(ap, unsigned long);
	va_end(ap);
	resolve();
	if (option == PR_SET_SECCOMP)
		seccomp_coming();
	if (next.prctl)
		return next.prctl(option, a[0], a[1], a[2], a[3]);
	return (int)syscall(SYS_prctl, option, a[0], a[1], a[2], a[3]);
}

/* syscall(2) is how libseccomp and most programs reach seccomp(2); the six
 * arguments are read as glibc's syscall reads them. */
EXPORT long syscall(long nr, ...)
{
	long a[6];
	va_list ap;
	int i;

	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	resolve();
	if ((nr == SYS_seccomp && (a[0] == SECCOMP_SET_MODE_STRICT ||
				   a[0] == SECCOMP_SET_MODE_FILTER)) ||
	    (nr == SYS_prctl && a[0] == PR_SET_SECCOMP))
		seccomp_coming();
	if (!next.syscall) {
		errno = ENOSYS;
		return -1;
	}
	/* The raw forms of the calls a second thread breaks (below); the
	 * sampler's own unshare(CLONE_FILES) passes here too. */
	if ((nr == SYS_unshare && unshare_needs_alone(a[0])) ||
	    nr == SYS_setns) {
		int out = step_out(1);
		long rc = next.syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		return step_in(out, rc);
	}
	return next.syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* ---- calls a second thread breaks: the sampler steps out -------------- */

/* unshare(CLONE_NEWUSER) and setns into a user or mount namespace fail
 * with EINVAL in a multi-threaded process; glibc's set*id calls signal
 * every thread to change its credentials, and abort the process when one
 * thread's call fails where another's succeeded (setpriv keeps its
 * capabilities in its own thread only: the sampler's setresgid after its
 * setresuid was refused).  In the root the sampler stops (sweeping and
 * flushing first) for the length of the call and starts again after it;
 * errno is the call's.  A call that makes root another user for good
 * opens the log to that user first (rtrack_log_to_user), so that the
 * sampler started again after it, and what the process starts, can.
 * carry: the call may keep the thread started again after it from
 * opening the log by its path (another effective user, another mount
 * namespace): the log is carried across (sampler.c carry_fd), at the
 * price of waiting for the thread's start. */
static int step_out(int carry)
{
	int saved = errno, out = 0;

	/* Even when another thread has it stopped: this call waits for that
	 * one to finish, so the sampler never runs during it. */
	if (is_root())
		out = sampler_pause(carry) == 0;
	errno = saved;
	return out;
}

static int step_in(int out, int rc)
{
	int saved = errno;

	if (out)
		sampler_resume();
	errno = saved;
	return rc;
}

#define STEP_OUT_CALL(carry, fn, fallback, ...)                               \
	do {                                                                   \
		int out_, rc_;                                                 \
		resolve();                                                     \
		out_ = step_out(carry);                                        \
		rc_ = next.fn ? next.fn(__VA_ARGS__) :                         \
				(int)syscall(fallback, __VA_ARGS__);           \
		return step_in(out_, rc_);                                     \
	} while (0)

/* A set*uid call that makes root another user for good (ids r, e, s
 * after it; -1: unchanged): the log opened to that user first, taken back
 * if the call fails. */
#define SET_UID_CALL(r, e, s, fn, fallback, ...)                              \
	do {                                                                   \
		int out_, rc_, granted_;                                       \
		resolve();                                                     \
		granted_ = rtrack_log_to_user(r, e, s);                        \
		out_ = step_out((e) != (uid_t)-1 && (e) != geteuid());         \
		rc_ = next.fn ? next.fn(__VA_ARGS__) :                         \
				(int)syscall(fallback, __VA_ARGS__);           \
		rc_ = step_in(out_, rc_);                                      \
		if (rc_ != 0 && granted_)                                      \
			rtrack_log_ungrant(e);                                 \
		return rc_;                                                    \
	} while (0)

EXPORT int unshare(int flags)
{
	int out, rc;

	resolve();
	out = unshare_needs_alone(flags) && step_out(1);
	rc = next.unshare ? next.unshare(flags)
			  : (int)syscall(SYS_unshare, flags);
	return step_in(out, rc);
}
EXPORT int setns(int fd, int nstype)
{
	STEP_OUT_CALL(1, setns, SYS_setns, fd, nstype);
}
EXPORT int setuid(uid_t u)
{
	/* By root: all three ids. */
	SET_UID_CALL(u, u, u, setuid, SYS_setuid, u);
}
EXPORT int setgid(gid_t g) { STEP_OUT_CALL(0, setgid, SYS_setgid, g); }
/* No system call of their own: the fallback is setresuid/setresgid. */
static int seteuid_next(uid_t u)
{
	if (next.seteuid)
		return next.seteuid(u);
	return (int)syscall(SYS_setresuid, (uid_t)-1, u, (uid_t)-1);
}

static int setegid_next(gid_t g)
{
	if (next.setegid)
		return next.setegid(g);
	return (int)syscall(SYS_setresgid, (gid_t)-1, g, (gid_t)-1);
}

EXPORT int seteuid(uid_t u)
{
	int out;

	/* Never for good: the saved id stays root's.  No grant. */
	resolve();
	out = step_out(u != (uid_t)-1 && u != geteuid());
	return step_in(out, seteuid_next(u));
}

EXPORT int setegid(gid_t g)
{
	int out;

	resolve();
	out = step_out(0);
	return step_in(out, setegid_next(g));
}
EXPORT int setreuid(uid_t r, uid_t e)
{
	uid_t cr = getuid();
	/* The saved id becomes the new effective one when the real one is
	 * set, or the effective one set to other than the real one. */
	uid_t s = r != (uid_t)-1 || (e != (uid_t)-1 && e != cr) ? e : (uid_t)-1;

	SET_UID_CALL(r, e, s, setreuid, SYS_setreuid, r, e);
}
EXPORT int setregid(gid_t r, gid_t e)
{
	STEP_OUT_CALL(0, setregid, SYS_setregid, r, e);
}
EXPORT int setresuid(uid_t r, uid_t e, uid_t s)
{
	SET_UID_CALL(r, e, s, setresuid, SYS_setresuid, r, e, s);
}
EXPORT int setresgid(gid_t r, gid_t e, gid_t s)
{
	STEP_OUT_CALL(0, setresgid, SYS_setresgid, r, e, s);
}
EXPORT int setgroups(size_t n, const gid_t *list)
{
	STEP_OUT_CALL(0, setgroups, SYS_setgroups, n, list);
}

/* ---- descriptors the host closes or replaces: fdguard.c ----------------- */

static int guarded(void)
{
	/* The sampler's own closes come here too (the library's calls bind to
	 * its exported close): they are never guarded, and must not read the
	 * host's flags.  A raw fork()/clone() child (no atfork handler ran)
	 * has our role but not our sampler: its counters were copied
	 * mid-flight. */
	return !fdguard_on_sampler() && pre.role == ROLE_ROOT && pre.running &&
	       !pre.private_fds && getpid() == pre.pid;
}

/* Runs between fdguard_host_begin and _end when the sampler exists;
 * errno is the call's. */
#define GUARDED(expr)                                                          \
	do {                                                                   \
		int saved_, begun_;                                            \
		resolve();                                                     \
		if (!guarded())                                                \
			return expr;                                           \
		begun_ = fdguard_host_begin();                                 \
		__typeof__(expr) rc_ = expr;                                   \
		saved_ = errno;                                                \
		fdguard_host_end(begun_);                                      \
		errno = saved_;                                                \
		return rc_;                                                    \
	} while (0)

static int close_next(int fd)
{
	return next.close ? next.close(fd) : (int)syscall(SYS_close, fd);
}

static int close_range_next(unsigned first, unsigned last, int flags)
{
	if (next.close_range)
		return next.close_range(first, last, flags);
	return (int)syscall(SYS_close_range, first, last, flags);
}

static int closefrom_next(int low)
{
	if (next.closefrom)
		next.closefrom(low);
	else
		syscall(SYS_close_range, low, ~0u, 0);
	return 0;
}

static int dup3_next(int old, int new, int flags)
{
	if (!flags && next.dup2)
		return next.dup2(old, new);
	if (next.dup3)
		return next.dup3(old, new, flags);
	return (int)syscall(SYS_dup3, old, new, flags);
}

EXPORT int close(int fd) { GUARDED(close_next(fd)); }
EXPORT int close_range(unsigned first, unsigned last, int flags)
{
	GUARDED(close_range_next(first, last, flags));
}
EXPORT void closefrom(int low)
{
	int saved, begun;

	resolve();
	if (!guarded()) {
		closefrom_next(low);
		return;
	}
	begun = fdguard_host_begin();
	closefrom_next(low);
	saved = errno;
	fdguard_host_end(begun);
	errno = saved;
}
EXPORT int dup2(int old, int new) { GUARDED(dup3_next(old, new, 0)); }
EXPORT int dup3(int old, int new, int flags)
{
	GUARDED(dup3_next(old, new, flags));
}
