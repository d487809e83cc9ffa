/* workload.c - host programs with known resource use, for the end-to-end
 * tests: each mode does one measurable thing and prints what it did.
 *
 *   workload cpu THREADS SECONDS   burn CPU on THREADS threads
 *   workload mem MIB SECONDS       touch MIB MiB, hold them, free
 *   workload fork N SECONDS        N forked children burn CPU, all waited
 *   workload sleep MS CODE         sleep MS milliseconds, exit CODE
 *   workload write MIB             write MIB MiB to a file in $TMPDIR, fsync
 *   workload work MILLIONS         a fixed amount of arithmetic (benchmarks:
 *                                  its wall time shows any slowdown)
 *   workload pthread_exit SECONDS  main ends with pthread_exit while a
 *                                  worker burns CPU: the process ends when
 *                                  the worker does, with status 0
 *   workload altstack CODE         _exit(CODE) from a signal handler on a
 *                                  small alternate stack
 *   workload quick_exit CODE       quick_exit(CODE)
 *   workload execfail_exit CODE    a thread execs a missing file in a loop
 *                                  while main exits with CODE
 *   workload fexec SECONDS CODE    burn SECONDS, then fexecve this program
 *                                  into "sleep 1000 CODE"
 *   workload execl l|p|e SECONDS CODE  the same through execl, execlp or
 *                                  execle
 *   workload mallocs THREADS MILLIONS MIB  a fixed amount of malloc/free
 *                                  on THREADS threads over MIB MiB held
 *                                  resident (benchmarks: the host whose
 *                                  mmap lock smaps_rollup takes)
 *   workload exitfigures MIB       exit records made each way (descendant.c):
 *                                  after touching MIB MiB, a fork()ed copy,
 *                                  an exec'd image smaller than that (its
 *                                  peak from status) and one larger (from
 *                                  getrusage), then two copies and three
 *                                  images that do next to nothing (brief
 *                                  records, FORMAT.md X18) and one such
 *                                  posix_spawn()ed by the parent holding
 *                                  2 * MIB MiB, each print,
 *                                  just before _exit, "figures PID HWM_KIB
 *                                  READ WRITE CPU_US MAXRSS_KIB STARTTIME
 *                                  PPID" as /proc/self and getrusage say
 */
#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Per thread: the result is kept (not optimised away) without threads
 * racing on one variable (the TSan test runs this host). */
static _Thread_local volatile double sink;

static double thread_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Burn SECONDS of this thread's CPU time (not of wall time: on a loaded
 * machine the CPU a test expects is still exactly what was burned). */
static void burn(double seconds)
{
	double end = thread_cpu() + seconds, x = 1.0;
	while (thread_cpu() < end) {
		int i;
		for (i = 0; i < 10000; i++)
			x = x * 1.0000001 + 1e-9;
	}
	sink = x;
}

static void *burn_thread(void *arg)
{
	burn(*(double *)arg);
	return NULL;
}

static int mode_cpu(int threads, double seconds)
{
	pthread_t t[64];
	int i;

	if (threads < 1 || threads > 64)
		return 2;
	for (i = 1; i < threads; i++)
		pthread_create(&t[i], NULL, burn_thread, &seconds);
	burn(seconds);
	for (i = 1; i < threads; i++)
		pthread_join(t[i], NULL);
	printf("burned %d x %.2f s\n", threads, seconds);
	return 0;
}

static int mode_mem(long mib, double seconds)
{
	size_t len = (size_t)mib << 20, i;
	char *p = malloc(len);

	if (!p)
		return 2;
	for (i = 0; i < len; i += 4096)
		p[i] = (char)i;
	burn(0.01);
	struct timespec ts = { (time_t)seconds,
			       (long)((seconds - (double)(time_t)seconds) * 1e9) };
	nanosleep(&ts, NULL);
	free(p);
	printf("touched %ld MiB\n", mib);
	return 0;
}

static int mode_fork(int n, double seconds)
{
	int i, status;

	for (i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			burn(seconds);
			exit(0); /* not _exit: the inherited exit handlers run */
		}
	}
	for (i = 0; i < n; i++)
		wait(&status);
	printf("forked %d x %.2f s\n", n, seconds);
	return 0;
}

/* n children alive at once, each sleeping `seconds` then exiting with
 * exit(): a large live tree for the sampler, n exit records at the end. */
static int mode_sleepers(int n, double seconds)
{
	int i, status, ok = 0;

	for (i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			usleep((useconds_t)(seconds * 1e6));
			exit(0);
		}
		if (pid < 0)
			break;
	}
	while (wait(&status) > 0)
		ok += WIFEXITED(status) && WEXITSTATUS(status) == 0;
	printf("%d sleepers exited 0\n", ok);
	return 0;
}

static int mode_write(long mib)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char path[4096], buf[65536];
	long i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/workload-%d.dat", dir, (int)getpid());
	if (!(f = fopen(path, "w")))
		return 2;
	memset(buf, 'x', sizeof(buf));
	for (i = 0; i < mib * 16; i++)
		fwrite(buf, 1, sizeof(buf), f);
	fflush(f);
	fsync(fileno(f));
	fclose(f);
	unlink(path);
	printf("wrote %ld MiB\n", mib);
	return 0;
}

static int mode_work(long millions)
{
	double x = 1.0;
	long i;

	for (i = 0; i < millions * 1000000; i++)
		x = x * 1.0000001 + 1e-9;
	sink = x;
	printf("worked %ld M\n", millions);
	return 0;
}

struct malloc_job {
	long pairs;
	unsigned seed;
};

/* malloc/free pairs of 16 B to 4 KiB, and one in 64 of 256 KiB, which
 * M_MMAP_THRESHOLD keeps on mmap/munmap: each takes the mmap lock for
 * writing, as smaps_rollup takes it for reading. */
static void *malloc_thread(void *arg)
{
	struct malloc_job *j = arg;
	void *keep[64] = { 0 };
	unsigned r = j->seed;
	long i;

	for (i = 0; i < j->pairs; i++) {
		unsigned k;
		size_t size;

		r = r * 1103515245u + 12345u;
		k = r >> 26;
		size = (r >> 8 & 63) == 0 ? 256 * 1024 : 16 + (r >> 12 & 4095);
		free(keep[k]);
		keep[k] = malloc(size);
		if (keep[k])
			((volatile char *)keep[k])[0] = 1;
	}
	for (i = 0; i < 64; i++)
		free(keep[i]);
	return NULL;
}

static int mode_mallocs(int threads, long millions, long mib)
{
	struct malloc_job jobs[64];
	pthread_t t[64];
	char *held;
	int i;

	if (threads < 1 || threads > 64)
		return 2;
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	held = malloc((size_t)mib << 20);
	if (mib > 0 && !held)
		return 1;
	if (held)
		memset(held, 1, (size_t)mib << 20);
	for (i = 0; i < threads; i++) {
		jobs[i].pairs = millions * 1000000 / threads;
		jobs[i].seed = (unsigned)i + 1;
		pthread_create(&t[i], NULL, malloc_thread, &jobs[i]);
	}
	for (i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	free(held);
	printf("mallocs %ld M on %d threads over %ld MiB\n", millions, threads,
	       mib);
	return 0;
}

static int mode_pthread_exit(double seconds)
{
	static double s;
	pthread_t t;

	s = seconds;
	pthread_create(&t, NULL, burn_thread, &s);
	printf("main thread leaving\n");
	fflush(stdout);
	pthread_exit(NULL);
}

static int altstack_code;

static void altstack_handler(int sig)
{
	(void)sig;
	_exit(altstack_code);
}

static int mode_altstack(int code)
{
	static char stack[8192]; /* below what a full sample needs */
	stack_t ss = { .ss_sp = stack, .ss_size = sizeof(stack) };
	struct sigaction sa;

	altstack_code = code;
	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = altstack_handler;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	return 99; /* not reached */
}

static void *execfail_loop(void *arg)
{
	char *const argv[] = { "missing", NULL };

	(void)arg;
	for (;;)
		execv("/nonexistent/missing", argv);
	return NULL;
}

static int mode_execfail_exit(int code)
{
	pthread_t t;

	pthread_create(&t, NULL, execfail_loop, NULL);
	usleep(200000);
	exit(code);
}

static int mode_fexec(const char *self, double seconds, const char *code)
{
	char *const argv[] = { "workload", "sleep", "1000", (char *)code, NULL };
	extern char **environ;
	int fd = open(self, O_RDONLY | O_CLOEXEC);

	burn(seconds);
	fexecve(fd, argv, environ);
	return 98;
}

static int mode_execl(char how, const char *self, double seconds,
		      const char *code)
{
	extern char **environ;

	burn(seconds);
	if (how == 'l')
		execl(self, "workload", "sleep", "1000", code, (char *)0);
	else if (how == 'p')
		execlp(self, "workload", "sleep", "1000", code, (char *)0);
	else
		execle(self, "workload", "sleep", "1000", code, (char *)0, environ);
	return 98;
}

/* Touch mib MiB and give them back: the peak stays, RSS falls, so that
 * nothing the exit does afterwards moves the peak. */
static void touch_and_free(long mib)
{
	size_t len = (size_t)mib << 20;
	char *p;

	if (!len)
		return;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	memset(p, 1, len);
	munmap(p, len);
}

/* Written and synced (write_bytes), then written and truncated away before
 * writeback (cancelled_write_bytes).  quick: not synced (write_bytes counts
 * the pages as they are dirtied), for a process that must stay brief. */
static void write_and_cancel(int quick)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char path[4096], buf[65536];
	int fd;

	memset(buf, 'x', sizeof(buf));
	snprintf(path, sizeof(path), "%s/figures-%d.dat", dir, (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, buf, sizeof(buf)) < 0 || (!quick && fsync(fd) < 0) ||
	    write(fd, buf, sizeof(buf)) < 0 || ftruncate(fd, 0) < 0)
		perror("figures");
	close(fd);
	unlink(path);
}

static unsigned long long io_key(const char *io, const char *key)
{
	const char *p = strstr(io, key);

	return p && (p == io || p[-1] == '\n') ?
		       strtoull(p + strlen(key), NULL, 10) : 0;
}

/* What /proc/self says of this process, as the exit record means it
 * (FORMAT.md X1-X9), then _exit.  quick: as little as it can. */
static int figures_exit(long mib, int quick)
{
	char status[8192], io[1024], stat[1024];
	unsigned long long r, w, c, hwm = 0, start = 0, ppid = 0;
	struct rusage ru;
	const char *h;
	ssize_t n;
	int fd;

	touch_and_free(mib);
	write_and_cancel(quick);
	/* Past the 20 ms of a brief process, however fast the machine: its
	 * record reads /proc (FORMAT.md X18). */
	if (!quick)
		usleep(30000);
	fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, stat, sizeof(stat) - 1);
	stat[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	/* After the command's ")": state (3), ppid (4) ... starttime (22). */
	if ((h = strrchr(stat, ')'))) {
		char *e = NULL;
		h += 4;
		ppid = strtoull(h, &e, 10);
		for (int f = 4; e && f < 22; f++)
			start = strtoull(e, &e, 10);
	}
	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, status, sizeof(status) - 1);
	status[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	fd = open("/proc/self/io", O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, io, sizeof(io) - 1);
	io[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	if ((h = strstr(status, "\nVmHWM:")))
		hwm = strtoull(h + 7, NULL, 10);
	r = io_key(io, "read_bytes: ");
	w = io_key(io, "write_bytes: ");
	c = io_key(io, "cancelled_write_bytes: ");
	getrusage(RUSAGE_SELF, &ru);
	/* c: counted in write_bytes all the same (ru_oublock too). */
	(void)c;
	printf("figures %d %llu %llu %llu %lld %ld %llu %llu\n", (int)getpid(),
	       hwm, r & ~511ull, w & ~511ull,
	       (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
		       ru.ru_utime.tv_usec + ru.ru_stime.tv_usec,
	       ru.ru_maxrss, start, ppid);
	fflush(stdout);
	_exit(0);
}

static int mode_exitfigures(const char *self, long mib)
{
	char big[32], small[32];
	pid_t pid;

	touch_and_free(mib);
	snprintf(big, sizeof(big), "%ld", 2 * mib);
	snprintf(small, sizeof(small), "%ld", mib / 4);
	pid = fork();
	if (pid == 0)
		figures_exit(mib / 2, 0); /* a copy: its own peak */
	waitpid(pid, NULL, 0);
	for (int i = 0; i < 2; i++) {
		pid = fork();
		if (pid == 0) {
			execl(self, "workload", "figures", i ? big : small,
			      (char *)0);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
	}
	for (int i = 0; i < 5; i++) {
		pid = fork();
		if (pid == 0 && i < 2)
			figures_exit(0, 1);
		if (pid == 0) {
			execl(self, "workload", "figures", "0", "quick",
			      (char *)0);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
	}
	/* posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK)) from a parent
	 * holding 2 * MIB: the child's ru_maxrss starts as the parent's
	 * peak, which must not become the child's. */
	{
		extern char **environ;
		char *const av[] = { "workload", "figures", "0", "quick", NULL };
		size_t len = (size_t)(2 * mib) << 20;
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p != MAP_FAILED)
			memset(p, 1, len);
		if (posix_spawn(&pid, self, NULL, NULL, av, environ) == 0)
			waitpid(pid, NULL, 0);
		if (p != MAP_FAILED)
			munmap(p, len);
	}
	return 0;
}

/* Whether a thread of this process is named name (/proc/self/task). */
static int have_thread(const char *name)
{
	char path[64], comm[32];
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int found = 0;

	while (d && !found && (e = readdir(d))) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/self/task/%.20s/comm",
			 e->d_name);
		if (e->d_name[0] == '.' || !(f = fopen(path, "r")))
			continue;
		found = fgets(comm, sizeof(comm), f) &&
			strncmp(comm, name, strlen(name)) == 0;
		fclose(f);
	}
	if (d)
		closedir(d);
	return found;
}

/* chroot DIR MS: a root that leaves the log's path behind as soon as the
 * sampler thread has started (it names itself once it holds the log:
 * up to 2 s), lives MS more and exits: its END still reaches the log
 * (sampler.c: a short root's own append by path fails there; the
 * sampler's descriptor, held from its start, takes it).  Root only. */
static int mode_chroot(const char *dir, int ms)
{
	for (int i = 0; i < 10000 && !have_thread("rtrack"); i++)
		usleep(200);
	if (chroot(dir) != 0 || chdir("/") != 0) {
		perror("chroot");
		return 3;
	}
	usleep((useconds_t)ms * 1000);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "cpu") == 0)
		return mode_cpu(atoi(argv[2]), atof(argv[3]));
	if (argc >= 4 && strcmp(argv[1], "mem") == 0)
		return mode_mem(atol(argv[2]), atof(argv[3]));
	if (argc >= 4 && strcmp(argv[1], "fork") == 0)
		return mode_fork(atoi(argv[2]), atof(argv[3]));
	if (argc >= 4 && strcmp(argv[1], "sleepers") == 0)
		return mode_sleepers(atoi(argv[2]), atof(argv[3]));
	if (argc >= 4 && strcmp(argv[1], "sleep") == 0) {
		usleep((useconds_t)atoi(argv[2]) * 1000);
		return atoi(argv[3]);
	}
	if (argc >= 3 && strcmp(argv[1], "pthread_exit") == 0)
		return mode_pthread_exit(atof(argv[2]));
	if (argc >= 3 && strcmp(argv[1], "altstack") == 0)
		return mode_altstack(atoi(argv[2]));
	if (argc >= 3 && strcmp(argv[1], "quick_exit") == 0)
		quick_exit(atoi(argv[2]));
	if (argc >= 3 && strcmp(argv[1], "execfail_exit") == 0)
		return mode_execfail_exit(atoi(argv[2]));
	if (argc >= 4 && strcmp(argv[1], "fexec") == 0)
		return mode_fexec("/proc/self/exe", atof(argv[2]), argv[3]);
	if (argc >= 5 && strcmp(argv[1], "execl") == 0)
		return mode_execl(argv[2][0], "/proc/self/exe", atof(argv[3]),
				  argv[4]);
	if (argc >= 5 && strcmp(argv[1], "mallocs") == 0)
		return mode_mallocs(atoi(argv[2]), atol(argv[3]), atol(argv[4]));
	if (argc >= 3 && strcmp(argv[1], "work") == 0)
		return mode_work(atol(argv[2]));
	if (argc >= 3 && strcmp(argv[1], "write") == 0)
		return mode_write(atol(argv[2]));
	if (argc >= 3 && strcmp(argv[1], "exitfigures") == 0)
		return mode_exitfigures("/proc/self/exe", atol(argv[2]));
	if (argc >= 4 && strcmp(argv[1], "chroot") == 0)
		return mode_chroot(argv[2], atoi(argv[3]));
	if (argc >= 3 && strcmp(argv[1], "figures") == 0)
		return figures_exit(atol(argv[2]), argc >= 4);
	fprintf(stderr, "usage: workload cpu|mem|fork|sleep|write|work|mallocs|pthread_exit|altstack|quick_exit|execfail_exit|fexec|execl|exitfigures|chroot ARGS\n");
	return 2;
}
