/* trust.c - hosts for the trust tests (tests/trust.py, tests/limits.py):
 * each mode does one thing an outside pass found rtrack getting wrong --
 * failed execs that stall, a child spawned with a scrubbed environment,
 * the ends of a process that libc makes itself -- and prints only what is
 * the same from run to run, so a run under the preload can be compared
 * byte for byte with a plain one.
 *
 *   trust execfail THREADS N PROG ARG...  THREADS threads each try N
 *                                         execs of missing files at once;
 *                                         then exec PROG
 *   trust execloop N                      N failed execve in a loop
 *   trust spawnenv spawn|spawnp PROG ARG...
 *                                         posix_spawn(p) PROG with an
 *                                         environment of LD_PRELOAD alone
 *   trust assert                          a failed assert() (libc aborts)
 *   trust daemon SECONDS                  daemon(3), then burn SECONDS of
 *                                         CPU and write daemon.done
 *   trust clonevm CODE                    a clone(CLONE_VM) child calls
 *                                         exit(0); then return CODE
 *   trust become PROG ARG...              execv PROG (a static binary, or
 *                                         env -i: an image that cannot
 *                                         load the preload)
 *   trust burn SECONDS                    burn SECONDS of CPU, print "burnt"
 *   trust stack                           print "small" (a small program
 *                                         for the stack-limit edge)
 *
 * Output goes through write(2) where the mode forks or execs, so nothing
 * buffered is printed twice. */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile double sink;

/* Burn SECONDS of this thread's CPU (not wall time: the tests compare CPU
 * figures, and a busy machine gives less CPU per second). */
static void burn_cpu(double seconds)
{
	double end = thread_cpu() + seconds, x = 1.0;

	while (thread_cpu() < end) {
		for (int i = 0; i < 10000; i++)
			x = x * 1.0000001 + 1e-9;
	}
	sink = x;
}

static void say(const char *s)
{
	size_t n = strlen(s);

	while (n > 0) {
		ssize_t w = write(STDOUT_FILENO, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static int wait_for(pid_t pid)
{
	int status = -1;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

/* ---- failed execs --------------------------------------------------------- */

struct execfail_arg {
	int id, n;
	pthread_barrier_t *start;
};

static void *execfail_thread(void *p)
{
	struct execfail_arg *a = p;
	char path[64];
	char *const argv[] = { "missing", NULL };

	pthread_barrier_wait(a->start);
	for (int i = 0; i < a->n; i++) {
		snprintf(path, sizeof(path), "/nonexistent/trust-%d-%d", a->id, i);
		execve(path, argv, environ);
	}
	return NULL;
}

static int mode_execfail(int threads, int n, char **prog)
{
	pthread_t t[64];
	struct execfail_arg arg[64];
	pthread_barrier_t start;

	if (threads < 1 || threads > 64)
		return 2;
	pthread_barrier_init(&start, NULL, (unsigned)threads);
	for (int i = 0; i < threads; i++) {
		arg[i] = (struct execfail_arg){ i, n, &start };
		if (pthread_create(&t[i], NULL, execfail_thread, &arg[i]) != 0)
			return 3;
	}
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	execv(prog[0], prog);
	perror("execv");
	return 127;
}

static int mode_execloop(int n)
{
	char *const argv[] = { "missing", NULL };
	char line[64];
	int enoent = 0;

	for (int i = 0; i < n; i++)
		if (execve("/nonexistent/trust-loop", argv, environ) < 0 &&
		    errno == ENOENT)
			enoent++;
	snprintf(line, sizeof(line), "%d of %d execs failed ENOENT\n", enoent, n);
	say(line);
	return 0;
}

/* ---- posix_spawn with an environment of LD_PRELOAD alone ------------------ */

static int mode_spawnenv(const char *how, char **prog)
{
	static char pre[4096];
	char *envp[2] = { NULL, NULL };
	const char *lp = getenv("LD_PRELOAD");
	char line[64];
	pid_t pid;
	int rc, status;

	if (lp) {
		snprintf(pre, sizeof(pre), "LD_PRELOAD=%s", lp);
		envp[0] = pre;
	}
	if (strcmp(how, "spawnp") == 0)
		rc = posix_spawnp(&pid, prog[0], NULL, NULL, prog, envp);
	else
		rc = posix_spawn(&pid, prog[0], NULL, NULL, prog, envp);
	if (rc != 0) {
		snprintf(line, sizeof(line), "%s failed: %d\n", how, rc);
		say(line);
		return 1;
	}
	status = wait_for(pid);
	snprintf(line, sizeof(line), "%s child: exited %d\n", how,
		 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	say(line);
	return 0;
}

/* ---- ends libc makes itself ----------------------------------------------- */

static int mode_daemon(double seconds)
{
	char line[512];
	size_t n;
	int fd;

	if (daemon(1, 0) < 0) {
		perror("daemon");
		return 1;
	}
	burn_cpu(seconds);
	/* Its open descriptors, which the test compares with the plain run's
	 * (a log descriptor rtrack carried across the fork stayed open). */
	n = (size_t)snprintf(line, sizeof(line), "daemon done, fds");
	for (fd = 0; fd < 256 && n < sizeof(line) - 8; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n += (size_t)snprintf(line + n, sizeof(line) - n, " %d", fd);
	line[n++] = '\n';
	fd = open("daemon.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, line, n) != (ssize_t)n)
			_exit(1);
		close(fd);
		rename("daemon.tmp", "daemon.done");
	}
	return 0;
}

static int clonevm_child(void *arg)
{
	(void)arg;
	exit(0); /* runs the exit handlers: the parent's, since memory is one */
}

static int mode_clonevm(int code)
{
	static char stack[256 * 1024] __attribute__((aligned(16)));
	pid_t pid;
	int status;

	pid = clone(clonevm_child, stack + sizeof(stack), CLONE_VM | SIGCHLD,
		    NULL);
	if (pid < 0) {
		perror("clone");
		return 1;
	}
	status = wait_for(pid);
	say(WIFEXITED(status) && WEXITSTATUS(status) == 0 ?
		    "clone(CLONE_VM) child exited 0\n" :
		    "clone(CLONE_VM) child failed\n");
	return code;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && strcmp(argv[1], "execfail") == 0)
		return mode_execfail(atoi(argv[2]), atoi(argv[3]), argv + 4);
	if (argc >= 3 && strcmp(argv[1], "execloop") == 0)
		return mode_execloop(atoi(argv[2]));
	if (argc >= 4 && strcmp(argv[1], "spawnenv") == 0)
		return mode_spawnenv(argv[2], argv + 3);
	if (argc >= 2 && strcmp(argv[1], "assert") == 0) {
		assert(argc == 0 && "a failed assertion");
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "daemon") == 0)
		return mode_daemon(atof(argv[2]));
	if (argc >= 3 && strcmp(argv[1], "clonevm") == 0)
		return mode_clonevm(atoi(argv[2]));
	if (argc >= 3 && strcmp(argv[1], "become") == 0) {
		execv(argv[2], argv + 2);
		perror("execv");
		return 127;
	}
	if (argc >= 3 && strcmp(argv[1], "burn") == 0) {
		burn_cpu(atof(argv[2]));
		say("burnt\n");
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "stack") == 0) {
		say("small\n");
		return 0;
	}
	fprintf(stderr, "usage: trust MODE ARGS (see trust.c)\n");
	return 2;
}
