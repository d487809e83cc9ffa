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
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rtrack.h"

extern char **environ;

typedef int (*execve_fn)(const char *, char *const[], char *const[]);
typedef int (*execvp_fn)(const char *, char *const[]);
typedef int (*fexecve_fn)(int, char *const[], char *const[]);
typedef int (*execveat_fn)(int, const char *, char *const[], char *const[],
			   int);
typedef void (*exit_fn)(int);
typedef void (*pthread_exit_fn)(void *);

static struct {
	int resolved;
	execve_fn execve, execvpe;
	execvp_fn execvp;
	fexecve_fn fexecve;
	execveat_fn execveat;
	exit_fn exit, Exit, quick_exit;
	pthread_exit_fn pthread_exit;
} next;

void interpose_init(void)
{
	next.execve = (execve_fn)dlsym(RTLD_NEXT, "execve");
	next.execvpe = (execve_fn)dlsym(RTLD_NEXT, "execvpe");
	next.execvp = (execvp_fn)dlsym(RTLD_NEXT, "execvp");
	next.fexecve = (fexecve_fn)dlsym(RTLD_NEXT, "fexecve");
	next.execveat = (execveat_fn)dlsym(RTLD_NEXT, "execveat");
	next.exit = (exit_fn)dlsym(RTLD_NEXT, "_exit");
	next.Exit = (exit_fn)dlsym(RTLD_NEXT, "_Exit");
	next.quick_exit = (exit_fn)dlsym(RTLD_NEXT, "quick_exit");
	next.pthread_exit = (pthread_exit_fn)dlsym(RTLD_NEXT, "pthread_exit");
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
	return rt.role == ROLE_ROOT && getpid() == rt.pid;
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

static int env_has(char *const envp[], const char *prefix, size_t n,
		   size_t *count)
{
	size_t i;
	int found = 0;

	for (i = 0; envp && envp[i]; i++)
		if (strncmp(envp[i], prefix, n) == 0)
			found = 1;
	*count = i;
	return found;
}

#define ENV_MAX 1024

__attribute__((noinline)) static int
exec_with_root(const struct exec_call *c, char *const envp[], size_t n)
{
	char *env[ENV_MAX + 2]; /* only on this rare path: 8 KiB of stack */

	memcpy(env, envp, n * sizeof(char *));
	env[n] = rt.root_env;
	env[n + 1] = NULL;
	return exec_run(c, env);
}

/* An environment that keeps LD_PRELOAD but lost RTRACK_ROOT (env -i
 * LD_PRELOAD=...) gets it back: the new image must know whose job it is,
 * or it would start a log of its own (as the root: a second log for the
 * same pid). */
static int exec_env(const struct exec_call *c, char *const envp[])
{
	size_t n;

	if (!rt.root_env[0] || !env_has(envp, "LD_PRELOAD=", 11, &n) ||
	    env_has(envp, "RTRACK_ROOT=", 12, &n) || n > ENV_MAX)
		return exec_run(c, envp);
	return exec_with_root(c, envp, n);
}

/* The root's exec replaces the image and with it the unwritten batch: the
 * sampler sweeps and flushes first, and holds still until the new image
 * runs (it continues the log); a failed exec changes nothing. */
static int exec_any(const struct exec_call *c, char *const envp[])
{
	int rc, saved;

	resolve();
	if (!is_root())
		return exec_env(c, envp);
	saved = errno;
	sampler_exec_begin();
	errno = saved;
	rc = exec_env(c, envp);
	saved = errno;
	sampler_exec_end();
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
	if (!is_root() && !rt.root_env[0] && next.execvp)
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

/* ---- exits that skip on_exit handlers ------------------------------------ */

/* _exit and _Exit skip exit handlers (shells end with them); quick_exit
 * runs only at_quick_exit handlers and reaches _exit inside libc. */
__attribute__((noreturn)) static void exit_via(exit_fn fn, int status)
{
	resolve();
	if (is_root())
		rtrack_exit_handler(status, NULL);
	if (fn)
		fn(status);
	for (;;)
		syscall(SYS_exit_group, status);
}

EXPORT __attribute__((noreturn)) void _exit(int status)
{
	exit_via(next.exit, status);
}

EXPORT __attribute__((noreturn)) void _Exit(int status)
{
	exit_via(next.Exit, status);
}

EXPORT __attribute__((noreturn)) void quick_exit(int status)
{
	resolve();
	if (is_root())
		rtrack_exit_handler(status, NULL);
	if (next.quick_exit)
		next.quick_exit(status);
	for (;;)
		syscall(SYS_exit_group, status);
}

/* The main thread leaving with pthread_exit: glibc ends the process when
 * its last thread ends, but counts the sampler among them; the sampler
 * watches for being the last one from now on (sampler.c). */
EXPORT __attribute__((noreturn)) void pthread_exit(void *ret)
{
	resolve();
	if (is_root() && (pid_t)syscall(SYS_gettid) == rt.pid)
		sampler_main_gone();
	if (next.pthread_exit)
		next.pthread_exit(ret);
	for (;;)
		syscall(SYS_exit, 0);
}
