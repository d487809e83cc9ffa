/* hostile.c - hosts for tests/hostile.py: conditions an outside pass found
 * where a job behaves differently under the preload.  Each mode prints
 * what it saw; the test compares it with the same run without the preload.
 *
 *   hostile envexec exec|spawn N STACK_KIB  from a thread with a STACK_KIB
 *       stack, exec (in a forked child) or posix_spawn /bin/true with the
 *       environment less RTRACK_ROOT plus N small entries; print the end
 *   hostile rawunshare   syscall(SYS_unshare, CLONE_NEWUSER); print result
 *   hostile rawsetns     syscall(SYS_setns, own mnt ns, CLONE_NEWNS)
 *   hostile rawseccomp [tsync]  a filter installed by a raw syscall
 *       instruction that kills on openat; then sleep 0.2 s and exit 0
 *   hostile sigign       print SigIgn of /proc/self/status
 *   hostile endfails     (as a non-root uid of no other process) RLIMIT_NPROC
 *       1, a failing setgroups (the sampler steps out and cannot start
 *       again), then a full descriptor table at exit: rtrack's own end
 *       record cannot be written
 *   hostile procgone     main leaves by pthread_exit; a worker makes a mount
 *       namespace of its own (the sampler steps out), unmounts /proc in
 *       it, prints, and ends: the process ends with it */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static char **big_env;
static int use_spawn;

static int end_of(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void *envexec_thread(void *arg)
{
	char *argv[] = { "/bin/true", NULL };
	pid_t pid;
	int st, rc;

	(void)arg;
	if (use_spawn) {
		rc = posix_spawn(&pid, "/bin/true", NULL, NULL, argv, big_env);
		if (rc != 0)
			return (void *)(long)(200 + rc);
		waitpid(pid, &st, 0);
		return (void *)(long)end_of(st);
	}
	execve("/bin/true", argv, big_env);
	_exit(99);
}

static int mode_envexec(const char *how, long n, long stack_kib)
{
	long keep = 0, i, o = 0;
	pthread_attr_t attr;
	pthread_t t;
	pid_t pid;
	void *ret;
	int st;

	use_spawn = strcmp(how, "spawn") == 0;
	while (environ[keep])
		keep++;
	big_env = calloc((size_t)(keep + n + 1), sizeof(char *));
	for (i = 0; i < keep; i++)
		if (strncmp(environ[i], "RTRACK_ROOT=", 12) != 0)
			big_env[o++] = environ[i];
	for (i = 0; i < n; i++) {
		big_env[o] = malloc(32);
		snprintf(big_env[o++], 32, "HOSTILE_%ld=x", i);
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, (size_t)stack_kib * 1024);
	pid = use_spawn ? 0 : fork();
	if (pid == 0) {
		if (pthread_create(&t, &attr, envexec_thread, NULL) != 0)
			_exit(98);
		pthread_join(t, &ret);
		if (!use_spawn)
			_exit(97);
		printf("spawned child: %ld\n", (long)ret);
		return 0;
	}
	waitpid(pid, &st, 0);
	printf("exec child: %d\n", end_of(st));
	return 0;
}

static long raw5(long n, long a, long b, long c, long d, long e)
{
	long r;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return r;
}

static void *main_left(void *arg)
{
	(void)arg;
	usleep(100000);
	printf("alone\n");
	fflush(stdout);
	return NULL;
}

/* A raw filter killing openat, with TSYNC or not, then `then`: nothing,
 * setuid to oneself (the sampler steps out), or the main thread leaving
 * with pthread_exit while another thread ends the process. */
static int mode_rawseccomp(int tsync, const char *then)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog p = { 4, f };
	long r;

	raw5(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	r = raw5(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		 tsync ? SECCOMP_FILTER_FLAG_TSYNC : 0, (long)&p, 0, 0);
	printf("filter: %ld\n", r);
	fflush(stdout);
	if (strcmp(then, "setuid") == 0) {
		printf("setuid: %d\n", setuid(getuid()));
	} else if (strcmp(then, "pthread_exit") == 0) {
		pthread_t t;
		pthread_create(&t, NULL, main_left, NULL);
		pthread_exit(NULL);
	}
	usleep(200000);
	return 0;
}

static int mode_endfails(void)
{
	struct rlimit one = { 1, 1 }, few = { 16, 16 };
	int rc;

	/* This process's two tasks (main and the sampler) stay; no new one
	 * may start. */
	if (setrlimit(RLIMIT_NPROC, &one) != 0)
		return 1;
	rc = setgroups(0, NULL);
	printf("setgroups: %s\n", rc == 0 ? "ok" : strerror(errno));
	if (setrlimit(RLIMIT_NOFILE, &few) != 0)
		return 1;
	while (open("/dev/null", O_RDONLY) >= 0)
		;
	printf("descriptors: %s\n", strerror(errno));
	return 0;
}

static void *procgone_worker(void *arg)
{
	(void)arg;
	if (unshare(CLONE_NEWNS) != 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    umount2("/proc", MNT_DETACH) != 0)
		printf("namespace: %s\n", strerror(errno));
	else
		printf("/proc: %s\n", access("/proc/self/stat", R_OK) == 0 ?
					      "still there" : "gone");
	fflush(stdout);
	return NULL;
}

static int mode_procgone(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, procgone_worker, NULL) != 0)
		return 1;
	pthread_exit(NULL);
}

int main(int argc, char **argv)
{
	long r;

	if (argc == 5 && strcmp(argv[1], "envexec") == 0)
		return mode_envexec(argv[2], atol(argv[3]), atol(argv[4]));
	if (argc == 2 && strcmp(argv[1], "rawunshare") == 0) {
		r = syscall(SYS_unshare, CLONE_NEWUSER);
		printf("unshare: %s\n", r == 0 ? "ok" : strerror(errno));
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "rawsetns") == 0) {
		int fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
		r = syscall(SYS_setns, fd, CLONE_NEWNS);
		printf("setns: %s\n", r == 0 ? "ok" : strerror(errno));
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "rawseccomp") == 0)
		return mode_rawseccomp(argc > 2 && strcmp(argv[2], "tsync") == 0,
				       argc > 3 ? argv[3] : "");
	if (argc == 2 && strcmp(argv[1], "sigign") == 0) {
		char line[256];
		FILE *f = fopen("/proc/self/status", "r");
		while (f && fgets(line, sizeof line, f))
			if (strncmp(line, "SigIgn:", 7) == 0)
				fputs(line, stdout);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "procgone") == 0)
		return mode_procgone();
	if (argc == 2 && strcmp(argv[1], "endfails") == 0)
		return mode_endfails();
	fprintf(stderr, "usage: see hostile.c\n");
	return 2;
}
