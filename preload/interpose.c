/* interpose.c - the functions librtrack_preload.so replaces, and nothing
 * else (preload/rtrack_preload.map exports exactly these).  Each one calls
 * the next definition (another preload's, or libc's), resolved once at
 * start, so stacked preloads keep working; the raw system call is only the
 * fallback when there is none.  Processes other than the root pass straight
 * through, touching no state: a vfork child shares our memory. */
#include <alloca.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rtrack.h"

extern char **environ;

typedef int (*execve_fn)(const char *, char *const[], char *const[]);
typedef int (*execvp_fn)(const char *, char *const[]);
typedef void (*exit_fn)(int);

static execve_fn next_execve, next_execvpe;
static execvp_fn next_execvp;
static exit_fn next_exit, next_Exit;

void interpose_init(void)
{
	next_execve = (execve_fn)dlsym(RTLD_NEXT, "execve");
	next_execvpe = (execve_fn)dlsym(RTLD_NEXT, "execvpe");
	next_execvp = (execvp_fn)dlsym(RTLD_NEXT, "execvp");
	next_exit = (exit_fn)dlsym(RTLD_NEXT, "_exit");
	next_Exit = (exit_fn)dlsym(RTLD_NEXT, "_Exit");
}

static int is_root(void)
{
	return rt.role == ROLE_ROOT && getpid() == rt.pid;
}

/* The next execve, or execvpe when search is set (PATH lookup). */
static int call_exec(int search, const char *path, char *const argv[],
		     char *const envp[])
{
	if (search && next_execvpe)
		return next_execvpe(path, argv, envp);
	if (next_execve)
		return next_execve(path, argv, envp);
	return (int)syscall(SYS_execve, path, argv, envp);
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

/* The root's new image must know it is the root (FORMAT.md S6): an
 * environment that keeps LD_PRELOAD but lost RTRACK_ROOT (env -i
 * LD_PRELOAD=...) gets it back, else the new image would start a second
 * log for the same pid. */
__attribute__((noinline)) static int
exec_with_root(int search, const char *path, char *const argv[],
	       char *const envp[], size_t n)
{
	char *env[ENV_MAX + 2]; /* only on this rare path: 8 KiB of stack */

	memcpy(env, envp, n * sizeof(char *));
	env[n] = rt.root_env;
	env[n + 1] = NULL;
	return call_exec(search, path, argv, env);
}

static int root_env_exec(int search, const char *path, char *const argv[],
			 char *const envp[])
{
	size_t n;

	if (!env_has(envp, "LD_PRELOAD=", 11, &n) ||
	    env_has(envp, "RTRACK_ROOT=", 12, &n) || n > ENV_MAX)
		return call_exec(search, path, argv, envp);
	return exec_with_root(search, path, argv, envp, n);
}

/* The root's exec: the sampler sweeps and flushes first and holds still
 * until the new image runs (it continues the log); a failed exec changes
 * nothing. */
static int root_exec(int search, const char *path, char *const argv[],
		     char *const envp[])
{
	int rc, saved = errno;

	sampler_exec_begin();
	errno = saved;
	rc = root_env_exec(search, path, argv, envp);
	saved = errno;
	sampler_exec_failed();
	errno = saved;
	return rc;
}

/* The exec family replaces the image and with it the unwritten batch.
 * glibc's own execv, execvp and execl* call execve inside libc, past an
 * interposed execve, so each is interposed here too. */
#define EXPORT __attribute__((visibility("default")))

EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	return is_root() ? root_exec(0, path, argv, envp) :
			   call_exec(0, path, argv, envp);
}

EXPORT int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	return is_root() ? root_exec(1, file, argv, envp) :
			   call_exec(1, file, argv, envp);
}

EXPORT int execvp(const char *file, char *const argv[])
{
	if (!is_root() && next_execvp)
		return next_execvp(file, argv);
	return execvpe(file, argv, environ);
}

/* The arguments of an execl-style call, up to and including the NULL, as
 * an argv on the caller's stack (glibc does the same).  A macro: alloca's
 * memory lives until the calling function returns. */
#define EXECL_ARGV(argv, arg, ap)                                             \
	do {                                                                   \
		va_list cp_;                                                   \
		size_t n_ = 1, i_;                                             \
		va_copy(cp_, ap);                                              \
		while (va_arg(cp_, char *))                                    \
			n_++;                                                  \
		va_end(cp_);                                                   \
		argv = alloca((n_ + 1) * sizeof(char *));                      \
		argv[0] = (char *)(arg);                                       \
		for (i_ = 1; i_ <= n_; i_++)                                   \
			argv[i_] = va_arg(ap, char *);                         \
	} while (0)

EXPORT int execl(const char *path, const char *arg, ...)
{
	char **argv;
	va_list ap;

	va_start(ap, arg);
	EXECL_ARGV(argv, arg, ap);
	va_end(ap);
	return execve(path, argv, environ);
}

EXPORT int execlp(const char *file, const char *arg, ...)
{
	char **argv;
	va_list ap;

	va_start(ap, arg);
	EXECL_ARGV(argv, arg, ap);
	va_end(ap);
	return execvp(file, argv);
}

EXPORT int execle(const char *path, const char *arg, ...)
{
	char **argv, **envp;
	va_list ap;

	va_start(ap, arg);
	EXECL_ARGV(argv, arg, ap);
	envp = va_arg(ap, char **); /* after the NULL that ends argv */
	va_end(ap);
	return execve(path, argv, envp);
}

/* _exit and _Exit skip exit handlers, and shells (dash) end with them. */
__attribute__((visibility("default"), noreturn)) void _exit(int status)
{
	if (is_root())
		rtrack_exit_handler(status, NULL);
	if (next_exit)
		next_exit(status);
	for (;;)
		syscall(SYS_exit_group, status);
}

__attribute__((visibility("default"), noreturn)) void _Exit(int status)
{
	if (is_root())
		rtrack_exit_handler(status, NULL);
	if (next_Exit)
		next_Exit(status);
	for (;;)
		syscall(SYS_exit_group, status);
}
