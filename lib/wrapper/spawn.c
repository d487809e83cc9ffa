/* spawn.c - start and wait for the job's command and the helpers
 * (spawn.h). */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "relay.h"

extern char **environ;

#define LIB_NAME "librtrack_preload.so"

int spawn_is_library(const char *entry, size_t len, const char *lib)
{
	size_t base = len, name = sizeof(LIB_NAME) - 1;

	if (lib && strlen(lib) == len && memcmp(entry, lib, len) == 0)
		return 1;
	while (base > 0 && entry[base - 1] != '/')
		base--;
	return len - base == name && memcmp(entry + base, LIB_NAME, name) == 0;
}

/* "LD_PRELOAD=" + first + the entries of the inherited LD_PRELOAD (ld.so
 * splits it at spaces and colons) that are not the library, joined by
 * spaces; NULL when nothing is left (first NULL) or memory runs out. */
static char *spawn_preload(const char *first, const char *lib)
{
	const char *old = getenv("LD_PRELOAD"), *p = old ? old : "";
	size_t cap = 12 + (first ? strlen(first) : 0) + strlen(p) + 1, len;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	len = (size_t)snprintf(out, cap, "LD_PRELOAD=%s", first ? first : "");
	while (*p) {
		size_t n = strcspn(p, " :");

		if (n && !spawn_is_library(p, n, lib)) {
			if (len > 11)
				out[len++] = ' ';
			memcpy(out + len, p, n);
			len += n;
		}
		p += n + (p[n] != '\0');
	}
	out[len] = '\0';
	if (len == 11) {
		free(out);
		return NULL;
	}
	return out;
}

static int spawn_is_var(const char *kv, const char *name)
{
	size_t n = strlen(name);

	return strncmp(kv, name, n) == 0 && kv[n] == '=';
}

/* A copy of the caller's environment less what drop(entry, ctx) refuses,
 * with room for `extra` more entries and the NULL. */
static char **spawn_env_copy(int (*drop)(const char *, const void *),
			     const void *ctx, size_t extra, size_t *n)
{
	size_t count = 0, i;
	char **env;

	while (environ && environ[count])
		count++;
	env = calloc(count + extra + 1, sizeof(*env));
	if (!env)
		return NULL;
	*n = 0;
	for (i = 0; i < count; i++) {
		if (drop(environ[i], ctx))
			continue;
		if (!(env[*n] = strdup(environ[i]))) {
			spawn_env_free(env);
			return NULL;
		}
		(*n)++;
	}
	return env;
}

/* Append "name=value" to env at *n; -1 when memory runs out. */
static int spawn_env_put(char **env, size_t *n, const char *name,
			 const char *value)
{
	size_t len = strlen(name) + strlen(value) + 2;

	if (!(env[*n] = malloc(len)))
		return -1;
	snprintf(env[*n], len, "%s=%s", name, value);
	(*n)++;
	return 0;
}

static int spawn_job_drop(const char *kv, const void *ctx)
{
	const struct spawn_job *j = ctx;

	return spawn_is_var(kv, "LD_PRELOAD") ||
	       (j->output && spawn_is_var(kv, "RTRACK_OUTPUT")) ||
	       (j->interval && spawn_is_var(kv, "RTRACK_INTERVAL")) ||
	       (j->quiet && spawn_is_var(kv, "RTRACK_QUIET"));
}

char **spawn_job_env(const struct spawn_job *j)
{
	size_t n;
	char **env = spawn_env_copy(spawn_job_drop, j, 4, &n);

	if (!env)
		return NULL;
	env[n] = spawn_preload(j->lib, j->lib);
	if (!env[n])
		goto fail;
	n++;
	if (j->output && spawn_env_put(env, &n, "RTRACK_OUTPUT", j->output) < 0)
		goto fail;
	if (j->interval &&
	    spawn_env_put(env, &n, "RTRACK_INTERVAL", j->interval) < 0)
		goto fail;
	if (j->quiet && spawn_env_put(env, &n, "RTRACK_QUIET", "1") < 0)
		goto fail;
	return env;
fail:
	spawn_env_free(env);
	return NULL;
}

static int spawn_helper_drop(const char *kv, const void *ctx)
{
	(void)ctx;
	return strncmp(kv, "RTRACK_", 7) == 0 || spawn_is_var(kv, "LD_PRELOAD");
}

char **spawn_helper_env(const char *lib)
{
	size_t n;
	char **env = spawn_env_copy(spawn_helper_drop, NULL, 1, &n);

	/* Other preloads stay: only rtrack's own go. */
	if (env && getenv("LD_PRELOAD"))
		env[n] = spawn_preload(NULL, lib);
	return env;
}

void spawn_env_free(char **env)
{
	for (size_t i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
}

/* The name of the zombie pid (its last image's, /proc/PID/comm). */
static void spawn_comm(pid_t pid, char comm[16])
{
	char path[32];
	ssize_t n;
	int fd;

	comm[0] = '\0';
	snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, comm, 15);
	close(fd);
	if (n <= 0)
		n = 0;
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
}

/* Whether pid is stopped now, its stop not yet taken by a wait. */
static int spawn_is_stopped(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof si);
	return waitid(P_PID, (id_t)pid, &si, WSTOPPED | WNOHANG | WNOWAIT) ==
		       0 && si.si_pid == pid;
}

/* pid stopped by sig (kill -STOP $$, an editor's suspend): bare, its
 * parent shell would see it stopped and get the terminal back, so the
 * wrapper stops too, by sig where that stops it; continued, it continues
 * pid unless the SIGCONT reached pid as well (fg continues the whole
 * group).  A stop of the whole group (Ctrl-Z) stopped the wrapper by
 * itself: the SIGCONT that woke it woke pid, and its stop is then past. */
static void spawn_stopped(pid_t pid, int sig)
{
	struct sigaction sa;
	siginfo_t si;

	if (!spawn_is_stopped(pid))
		return;
	if (sigaction(sig, NULL, &sa) < 0 || sa.sa_handler != SIG_DFL)
		sig = SIGSTOP;
	raise(sig);
	if (!spawn_is_stopped(pid))
		return;
	waitid(P_PID, (id_t)pid, &si, WSTOPPED | WNOHANG);
	kill(pid, SIGCONT);
}

/* Wait for pid to end without reaping it (its name is still there), then
 * reap it with wait4, whose rusage is what GNU time reports. */
static int spawn_wait(pid_t pid, struct spawn_result *r)
{
	struct timespec now;
	siginfo_t si;

	for (;;) {
		if (waitid(P_PID, (id_t)pid, &si,
			   WEXITED | WSTOPPED | WNOWAIT) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (si.si_code != CLD_STOPPED)
			break;
		spawn_stopped(pid, si.si_status);
	}
	/* A zombie's pid is not reused: no signal is relayed past here. */
	relay_stop();
	spawn_comm(pid, r->comm);
	clock_gettime(CLOCK_REALTIME, &now);
	r->reaped_ns = (uint64_t)now.tv_sec * 1000000000ull +
		       (uint64_t)now.tv_nsec;
	while (wait4(pid, &r->status, 0, &r->ru) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* The child: exec, or tell the parent why not through fd and leave. */
__attribute__((noreturn)) static void spawn_exec(char *const argv[],
						 char *const env[], int fd)
{
	int e;

	relay_child();
	execvpe(argv[0], argv, env);
	e = errno;
	while (write(fd, &e, sizeof e) < 0 && errno == EINTR)
		;
	_exit(e == ENOENT ? 127 : 126);
}

int spawn_job_run(char *const argv[], char *const env[],
		  struct spawn_result *r)
{
	int fds[2], e = 0;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	r->pid = fork();
	if (r->pid < 0) {
		e = errno;
		close(fds[0]);
		close(fds[1]);
		return -e;
	}
	if (r->pid == 0) {
		close(fds[0]);
		spawn_exec(argv, env, fds[1]);
	}
	relay_start(r->pid);
	close(fds[1]);
	/* The pipe closes at a successful exec: nothing to read. */
	while ((n = read(fds[0], &e, sizeof e)) < 0 && errno == EINTR)
		;
	close(fds[0]);
	r->exec_errno = n == (ssize_t)sizeof e ? e : 0;
	return spawn_wait(r->pid, r);
}

int spawn_helper(const char *path, char *const argv[], char *const env[],
		 int out_fd)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (out_fd >= 0 && dup2(out_fd, STDOUT_FILENO) < 0)
			_exit(127);
		execve(path, argv, env);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}
