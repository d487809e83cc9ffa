/* sandbox.c - host programs that confine themselves or their children the
 * way sandboxes and container runtimes do, for tests/hosts_sandbox.py.
 * Each mode prints only what is the same with and without rtrack, so the
 * test can compare the two runs byte for byte.
 *
 *   sandbox seccomp kill|errno     fork and exec this program as
 *                                  "seccomp-child MODE", report its status
 *   sandbox seccomp-child kill|errno
 *                                  install an allowlist filter (write and
 *                                  exit only; anything else is KILL_PROCESS
 *                                  or EPERM), print, exit 0
 *   sandbox nothreads eperm|enosys PROG ARGS...
 *                                  install a filter under which no thread
 *                                  can be created (clone3 fails with EPERM
 *                                  or ENOSYS, clone with CLONE_THREAD with
 *                                  EPERM; fork still works), exec PROG
 *   sandbox probe                  print errno as main found it, try
 *                                  pthread_create, fork and exec /bin/echo
 *   sandbox ids MS                 print real and effective uid and
 *                                  AT_SECURE, sleep MS milliseconds
 *   sandbox drop UID MS            become UID as a daemon drops root
 *                                  (setgroups, setgid, setuid), print the
 *                                  ids, run /bin/true, then burn MS ms of
 *                                  CPU time: the job goes on after the drop
 *   sandbox userns                 unshare(CLONE_NEWUSER), map uid 0 to the
 *                                  caller's uid, print the map and getuid()
 *   sandbox malloc THREADS ROUNDS KIDS
 *                                  THREADS threads churn malloc/free for
 *                                  ROUNDS rounds, then KIDS "sh -c" children
 */
#ifndef _GNU_SOURCE /* the build defines it; the ASan test compiles alone */
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The filter must reject a foreign ABI (i386 syscalls on x86_64 have other
 * numbers), so it needs this build's audit arch. */
#if defined(__x86_64__)
#define SANDBOX_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SANDBOX_ARCH AUDIT_ARCH_AARCH64
#endif

/* The low 32 bits of syscall argument N: clone's flags fit in them. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG_LO(n) (offsetof(struct seccomp_data, args) + 8 * (n))
#else
#define ARG_LO(n) (offsetof(struct seccomp_data, args) + 8 * (n) + 4)
#endif

#define LOAD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
/* if A == nr: return v, else go on. */
#define ANSWER(nr, v) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), RET(v)

/* Raw output: under the allowlist filter nothing but write(2) may run, and
 * stdio would want fstat and brk first. */
static void say(const char *s)
{
	size_t n = strlen(s);

	while (n > 0) {
		ssize_t w = write(STDOUT_FILENO, s, n);
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

#ifdef SANDBOX_ARCH
static int install(struct sock_filter *f, unsigned short len)
{
	struct sock_fprog prog = { .len = len, .filter = f };

	/* no_new_privs: what lets an unprivileged process install a filter,
	 * and what every sandbox sets. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}
#endif

static int mode_seccomp_child(const char *how)
{
#ifdef SANDBOX_ARCH
	int kill = strcmp(how, "kill") == 0;
	unsigned int deny = kill ? SECCOMP_RET_KILL_PROCESS :
				   SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA);
	/* What this mode uses once the filter is in: write for say(), and
	 * exit_group for exit() (exit() with nothing buffered in stdio makes
	 * no other call; strace shows it).  exit for a thread's end, should
	 * the host have one.  Anything a preloaded library does at exit
	 * beyond these kills the process, or fails with EPERM. */
	struct sock_filter f[] = {
		LOAD(offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_ARCH, 1, 0),
		RET(SECCOMP_RET_KILL_PROCESS),
		LOAD(offsetof(struct seccomp_data, nr)),
		ANSWER(__NR_write, SECCOMP_RET_ALLOW),
		ANSWER(__NR_exit_group, SECCOMP_RET_ALLOW),
		ANSWER(__NR_exit, SECCOMP_RET_ALLOW),
		RET(deny),
	};

	if (install(f, sizeof(f) / sizeof(f[0])) < 0) {
		printf("seccomp: %s\n", strerror(errno));
		return 1;
	}
	say("filter installed\n");
	if (!kill) {
		/* Show the filter answers: getppid cannot fail otherwise. */
		long r = syscall(SYS_getppid);
		say(r == -1 && errno == EPERM ? "getppid: EPERM\n" :
						"getppid: allowed\n");
	}
	exit(0); /* through exit(): the exit handlers of every library run */
#else
	(void)how;
	printf("no seccomp filter for this architecture\n");
	return 0;
#endif
}

static int report(pid_t pid, const char *what)
{
	int status;

	if (waitpid(pid, &status, 0) < 0) {
		printf("%s: waitpid: %s\n", what, strerror(errno));
		return 1;
	}
	if (WIFEXITED(status)) {
		printf("%s: exited %d\n", what, WEXITSTATUS(status));
		return WEXITSTATUS(status) != 0;
	}
	printf("%s: killed by signal %d\n", what, WTERMSIG(status));
	return 1;
}

static int mode_seccomp(const char *how)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		/* exec, not just fork: the child is a fresh image that loads
		 * the preload as a descendant, as a sandboxed helper would. */
		execl("/proc/self/exe", "sandbox", "seccomp-child", how,
		      (char *)0);
		_exit(127);
	}
	return report(pid, "seccomp child");
}

static int mode_nothreads(const char *how, char **argv)
{
#ifdef SANDBOX_ARCH
	/* enosys: what Docker's profile answers for clone3 since moby PR
	 * 42681, so glibc falls back to clone; eperm: the older answer that
	 * makes glibc's pthread_create fail outright. */
	unsigned int clone3 = SECCOMP_RET_ERRNO |
			      (strcmp(how, "enosys") == 0 ? ENOSYS : EPERM);
	struct sock_filter f[] = {
		LOAD(offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_ARCH, 1, 0),
		RET(SECCOMP_RET_KILL_PROCESS),
		LOAD(offsetof(struct seccomp_data, nr)),
		ANSWER(__NR_clone3, clone3),
		/* clone is fork as well: refuse only new threads. */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 3),
		LOAD(ARG_LO(0)),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 0, 1),
		RET(SECCOMP_RET_ERRNO | EPERM),
		RET(SECCOMP_RET_ALLOW),
	};

	if (install(f, sizeof(f) / sizeof(f[0])) < 0) {
		printf("seccomp: %s\n", strerror(errno));
		return 1;
	}
#else
	(void)how;
#endif
	execvp(argv[0], argv);
	printf("exec %s: %s\n", argv[0], strerror(errno));
	return 127;
}

static void *nothing(void *arg)
{
	return arg;
}

static int mode_probe(int errno_at_main)
{
	pthread_t t;
	pid_t pid;
	int rc;

	/* A library constructor that leaks its errno shows here. */
	printf("errno at main: %d\n", errno_at_main);
	rc = pthread_create(&t, NULL, nothing, NULL);
	if (rc == 0)
		pthread_join(t, NULL);
	printf("pthread_create: %s\n", rc ? strerrorname_np(rc) : "ok");
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		execl("/bin/echo", "echo", "child ran", (char *)0);
		_exit(127);
	}
	return report(pid, "echo");
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int mode_ids(long ms)
{
	printf("uid=%d euid=%d secure=%lu\n", (int)getuid(), (int)geteuid(),
	       getauxval(AT_SECURE));
	fflush(stdout);
	sleep_ms(ms);
	return 0;
}

static int mode_drop(uid_t uid, long ms)
{
	struct timespec t0, t;
	pid_t pid;
	double spent = 0;

	if (setgroups(0, NULL) != 0 || setgid((gid_t)uid) != 0 ||
	    setuid(uid) != 0) {
		printf("drop: %s\n", strerror(errno));
		return 1;
	}
	printf("uid=%d euid=%d gid=%d\n", (int)getuid(), (int)geteuid(),
	       (int)getgid());
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		execl("/bin/true", "true", (char *)0);
		_exit(127);
	}
	if (report(pid, "true"))
		return 1;
	/* CPU time, not wall time: the same burn on a loaded machine. */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	while (spent * 1000 < ms) {
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
		spent = (double)(t.tv_sec - t0.tv_sec) +
			(double)(t.tv_nsec - t0.tv_nsec) / 1e9;
	}
	return 0;
}

static int mode_userns(void)
{
	char line[64], buf[256];
	uid_t outer = geteuid();
	ssize_t n;
	int fd;

	if (unshare(CLONE_NEWUSER) < 0) {
		printf("unshare: %s\n", strerror(errno));
		return 1;
	}
	/* A process may map its own outer uid in its new namespace without
	 * any capability in the parent one. */
	snprintf(line, sizeof(line), "0 %d 1\n", (int)outer);
	fd = open("/proc/self/uid_map", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, line, strlen(line)) < 0) {
		printf("uid_map: %s\n", strerror(errno));
		return 1;
	}
	close(fd);
	fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		printf("read uid_map: %s\n", strerror(errno));
		return 1;
	}
	close(fd);
	buf[n] = '\0';
	printf("uid_map:%s", buf); /* the kernel's columns, newline included */
	printf("uid in namespace: %d\n", (int)getuid());
	return 0;
}

struct churn {
	unsigned long rounds, seed, sum;
};

/* Allocation sizes from a fixed xorshift sequence: the same work, and the
 * same checksum, in every run; blocks are freed out of order, across size
 * classes, to keep an allocator's caches busy. */
static void *churn(void *arg)
{
	struct churn *c = arg;
	unsigned char *slot[64] = { 0 };
	unsigned long x = c->seed, i;

	for (i = 0; i < c->rounds; i++) {
		size_t k, len;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		k = x % 64;
		len = 1 + (x >> 8) % ((x & 1) ? 64 : 65536);
		if (slot[k]) {
			c->sum += slot[k][0];
			free(slot[k]);
		}
		slot[k] = malloc(len);
		if (!slot[k])
			return NULL;
		memset(slot[k], (int)(x & 0xff), len);
	}
	for (i = 0; i < 64; i++)
		free(slot[i]);
	return c;
}

static int mode_malloc(int threads, unsigned long rounds, int kids)
{
	struct churn c[16];
	pthread_t t[16];
	unsigned long total = 0;
	int i, bad = 0;

	if (threads < 1 || threads > 16)
		return 2;
	for (i = 0; i < threads; i++) {
		c[i] = (struct churn){ .rounds = rounds, .seed = 88172645463325252ul + (unsigned long)i };
		if (pthread_create(&t[i], NULL, churn, &c[i]) != 0)
			return 2;
	}
	for (i = 0; i < threads; i++) {
		void *r;
		pthread_join(t[i], &r);
		bad |= r == NULL;
		total += c[i].sum;
	}
	printf("churned %d x %lu rounds, checksum %lu\n", threads, rounds, total);
	fflush(stdout);
	for (i = 0; i < kids; i++) {
		char arg[16];
		pid_t pid;

		snprintf(arg, sizeof(arg), "%d", i);
		pid = fork();
		if (pid < 0)
			return 2;
		if (pid == 0) {
			execl("/bin/sh", "sh", "-c", "echo kid $0", arg, (char *)0);
			_exit(127);
		}
		bad |= report(pid, "sh");
		fflush(stdout);
	}
	return bad;
}

int main(int argc, char **argv)
{
	int errno_at_main = errno; /* first: nothing may touch it before */

	if (argc >= 3 && strcmp(argv[1], "seccomp") == 0)
		return mode_seccomp(argv[2]);
	if (argc >= 3 && strcmp(argv[1], "seccomp-child") == 0)
		return mode_seccomp_child(argv[2]);
	if (argc >= 4 && strcmp(argv[1], "nothreads") == 0)
		return mode_nothreads(argv[2], argv + 3);
	if (argc >= 2 && strcmp(argv[1], "probe") == 0)
		return mode_probe(errno_at_main);
	if (argc >= 3 && strcmp(argv[1], "ids") == 0)
		return mode_ids(atol(argv[2]));
	if (argc >= 4 && strcmp(argv[1], "drop") == 0)
		return mode_drop((uid_t)atol(argv[2]), atol(argv[3]));
	if (argc >= 2 && strcmp(argv[1], "userns") == 0)
		return mode_userns();
	if (argc >= 5 && strcmp(argv[1], "malloc") == 0)
		return mode_malloc(atoi(argv[2]), strtoul(argv[3], NULL, 10),
				   atoi(argv[4]));
	fprintf(stderr, "usage: sandbox MODE ARGS (see sandbox.c)\n");
	return 2;
}
