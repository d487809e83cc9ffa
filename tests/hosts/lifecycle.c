/* lifecycle.c - misbehaving hosts for the lifecycle tests
 * (tests/hosts_lifecycle.py): each mode does something a preloaded library
 * can get wrong -- closing every descriptor, forking and exec'ing in every
 * way, blocking or catching every signal, dying by every exit path -- and
 * prints only what is the same from run to run (no pids, no times), so that
 * a run under the preload can be compared byte for byte with a plain one.
 *
 *   lifecycle fds loop|range|from ITER   close every fd above 2, then write
 *                                        3 files of known content, ITER
 *                                        rounds 10 ms apart
 *   lifecycle lowfd SECONDS              open and close in a loop: open must
 *                                        return the lowest free number (3)
 *   lifecycle fork_exec N                N children exec /bin/true, waited
 *   lifecycle fork_burn N SECONDS CODE   N children burn SECONDS of CPU and
 *                                        exit(CODE) without exec
 *   lifecycle daemon SECONDS             double-fork a daemon that burns
 *                                        SECONDS after the root is gone,
 *                                        then writes daemon.done
 *   lifecycle sigchld_ign N SECONDS      SIGCHLD ignored: N children burn
 *                                        and N exec /bin/true, none waited
 *   lifecycle threads N SECONDS          N threads live for SECONDS
 *   lifecycle sigblock SECONDS           block every signal, send some to
 *                                        the process, list what is pending
 *   lifecycle handlers SECONDS           a handler on every catchable signal
 *   lifecycle wait_kill SECONDS          print "ready", burn SECONDS (the
 *                                        test kills it meanwhile)
 *   lifecycle execmissing                exec a program that does not exist
 *   lifecycle spawn N                    posix_spawn /bin/true N times
 *   lifecycle vfork N                    N vforks, alternately exec'ing
 *                                        /bin/true and a missing file
 *   lifecycle forkloop THREADS N         THREADS threads fork N children in
 *                                        all, as fast as they can
 *   lifecycle exitpath HOW CODE          end this process by HOW: return,
 *                                        exit, _exit, _Exit, quick_exit,
 *                                        error, abort, segv, thread_exit
 *                                        (exit from a worker), atexit (a
 *                                        handler that calls _exit)
 *   lifecycle forkexit HOW CODE          a forked child ends by HOW
 *   lifecycle execexit HOW CODE          an exec'd child ends by HOW
 *   lifecycle contend THREADS N          THREADS threads each make N
 *                                        rounds of a failed execve, a
 *                                        setresuid (the sampler pauses), and
 *                                        every 5th a fork+exec /bin/true;
 *                                        then two threads fail execve in a
 *                                        loop while main exits
 *   lifecycle errno                      errno around the wrapped calls
 *   lifecycle errno_start                print errno as main found it
 *
 * Every mode writes through write(2) rather than stdio where it forks, so
 * that buffered output is never duplicated into a child; the exit paths
 * use printf on purpose (whether the buffer is flushed is part of what
 * each path does).  LIFECYCLE_MEASURE, when set, names a file outside the
 * compared tree for figures that differ from run to run. */
#include <errno.h>
#include <error.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int start_errno; /* errno as main found it, before any call */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile double sink;

/* Burn SECONDS of this thread's CPU: on a busy machine a wall-clock burn
 * would use less, and the tests compare CPU figures. */
static void burn_cpu(double seconds)
{
	double end = thread_cpu() + seconds, x = 1.0;

	while (thread_cpu() < end) {
		int i;
		for (i = 0; i < 10000; i++)
			x = x * 1.0000001 + 1e-9;
	}
	sink = x;
}

/* Sleep the whole time even when signal handlers interrupt it. */
static void sleep_s(double seconds)
{
	struct timespec ts = { (time_t)seconds,
			       (long)((seconds - (double)(time_t)seconds) * 1e9) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* printf to fd, unbuffered: safe around fork, keeps errno. */
__attribute__((format(printf, 2, 3))) static void say_fd(int fd,
							  const char *fmt, ...)
{
	char buf[1024];
	int saved = errno, n;
	va_list ap;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		write_all(fd, buf, (size_t)n < sizeof(buf) ? (size_t)n :
							     sizeof(buf) - 1);
	errno = saved;
}

#define say(...) say_fd(STDOUT_FILENO, __VA_ARGS__)

/* Append "key value" to $LIFECYCLE_MEASURE: figures that differ per run. */
static void measure(const char *key, double value)
{
	const char *path = getenv("LIFECYCLE_MEASURE");
	int fd;

	if (!path)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	say_fd(fd, "%s %.6f\n", key, value);
	close(fd);
}

static double self_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* "exited N" / "signal N": what a waiting parent saw, as the test parses. */
static void describe(char *buf, size_t size, int status)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exited %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "signal %d", WTERMSIG(status));
	else
		snprintf(buf, size, "status 0x%x", status);
}

static int wait_for(pid_t pid)
{
	int status = -1;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

/* ---- descriptors ---------------------------------------------------------- */

#define FDS_FILES 3

/* The host closes every descriptor rtrack may hold, as daemons and
 * sandboxes do, then reuses the numbers for its own files: a library that
 * kept a descriptor and still writes through it writes into them. */
static int mode_fds(const char *how, int iter)
{
	int fd[FDS_FILES], i, k;
	char line[128];
	long expect = 0;

	if (strcmp(how, "loop") == 0) {
		struct rlimit rl;
		long max = 1024, f;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
		    rl.rlim_cur != RLIM_INFINITY)
			max = (long)rl.rlim_cur;
		for (f = 3; f < max; f++)
			close((int)f);
	} else if (strcmp(how, "range") == 0) {
		if (close_range(3, ~0U, 0) < 0)
			say("close_range: %s\n", strerror(errno));
	} else if (strcmp(how, "from") == 0) {
		closefrom(3);
	} else {
		return 2;
	}
	for (k = 0; k < FDS_FILES; k++) {
		snprintf(line, sizeof(line), "out-%d.txt", k);
		fd[k] = open(line, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd[k] < 0)
			return 3;
	}
	/* Not the numbers: which ones open returns is mode lowfd's test. */
	say("opened %d files\n", FDS_FILES);
	for (i = 0; i < iter; i++) {
		for (k = 0; k < FDS_FILES; k++) {
			int n = snprintf(line, sizeof(line),
					 "file %d line %d: the host's own bytes\n",
					 k, i);
			write_all(fd[k], line, (size_t)n);
			if (k == 0)
				expect += n;
		}
		sleep_s(0.01);
	}
	for (k = 0; k < FDS_FILES; k++) {
		struct stat sb;
		/* The offset and the size are both the host's alone: any
		 * byte written through a stale descriptor moves one. */
		off_t pos = lseek(fd[k], 0, SEEK_CUR);
		if (fstat(fd[k], &sb) == 0)
			say("file %d: size %s, offset %s\n", k,
			    sb.st_size == expect ? "as written" : "wrong",
			    pos == sb.st_size ? "at end" : "moved");
		close(fd[k]);
	}
	say("wrote %d rounds\n", iter);
	return 0;
}

/* POSIX promises open the lowest free number, and single-threaded hosts
 * rely on it (close(0) then open("/dev/null") to get a new stdin).  Any
 * descriptor another thread opens meanwhile, even for an instant, takes
 * that number first. */
static int mode_lowfd(double seconds)
{
	double end = now() + seconds;
	long n = 0, other = 0;

	closefrom(3);
	while (now() < end) {
		int fd = open("/dev/null", O_RDONLY);
		if (fd != 3)
			other++;
		if (fd >= 0)
			close(fd);
		n++;
	}
	say("open gave the lowest free descriptor: %s\n",
	    other ? "not always" : "always");
	measure("opens", (double)n);
	measure("not_lowest", (double)other);
	return 0;
}

/* ---- forks ---------------------------------------------------------------- */

static int mode_fork_exec(int n)
{
	int i, ok = 0;

	for (i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			char *const argv[] = { "/bin/true", NULL };
			execv("/bin/true", argv);
			_exit(126);
		}
		if (pid > 0 && wait_for(pid) == 0)
			ok++;
	}
	say("%d of %d children exited 0\n", ok, n);
	return ok == n ? 0 : 1;
}

/* Children that never exec: only rtrack's inherited copy can give them an
 * exit record; exit() (not _exit) runs the inherited exit handlers. */
static int mode_fork_burn(int n, double seconds, int code)
{
	int i, same = 0;

	for (i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			burn_cpu(seconds);
			exit(code);
		}
	}
	for (i = 0; i < n; i++) {
		int status;
		if (wait(&status) > 0 && WIFEXITED(status) &&
		    WEXITSTATUS(status) == code)
			same++;
	}
	say("%d of %d children exited %d\n", same, n, code);
	return 0;
}

/* The daemon outlives the root: its exit (and any record it appends) comes
 * after the root's end record. */
static int mode_daemon(double seconds)
{
	pid_t pid = fork();

	if (pid == 0) {
		setsid();
		if (fork() == 0) {
			int fd = open("/dev/null", O_RDWR);
			/* Off the test's pipes, so its reader is not held. */
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
			sleep_s(0.2); /* the root is gone by now */
			burn_cpu(seconds);
			fd = open("daemon.tmp", O_WRONLY | O_CREAT | O_TRUNC,
				  0644);
			write_all(fd, "daemon done\n", 12);
			close(fd);
			rename("daemon.tmp", "daemon.done");
			exit(0);
		}
		_exit(0);
	}
	say("intermediate %s\n", wait_for(pid) == 0 ? "exited 0" : "failed");
	return 0;
}

/* SIGCHLD ignored: children are reaped by the kernel, wait() finds none,
 * and their CPU never reaches this process's RUSAGE_CHILDREN. */
static int mode_sigchld_ign(int n, double seconds)
{
	double kids = 0;
	int i, status;

	signal(SIGCHLD, SIG_IGN);
	for (i = 0; i < n; i++) {
		int p[2];
		double c = 0;
		ssize_t r;
		pid_t pid;

		if (pipe(p) < 0)
			return 2;
		pid = fork();
		if (pid == 0) {
			close(p[0]);
			burn_cpu(seconds);
			c = self_cpu();
			write_all(p[1], (const char *)&c, sizeof(c));
			/* _exit: nothing after its own figure (LeakSanitizer's
			 * check at exit() was ~20 ms a child under ASan, which
			 * the exit record rightly counted and this did not). */
			_exit(0);
		}
		close(p[1]);
		/* Its figure, then EOF at its exit: one child at a time. */
		if (read(p[0], &c, sizeof(c)) == (ssize_t)sizeof(c))
			kids += c;
		while ((r = read(p[0], &c, sizeof(c))) > 0 ||
		       (r < 0 && errno == EINTR))
			;
		close(p[0]);
		pid = fork();
		if (pid == 0) {
			char *const argv[] = { "/bin/true", NULL };
			execv("/bin/true", argv);
			_exit(126);
		}
	}
	i = (int)wait(&status);
	say("wait: %d %s\n", i, i < 0 ? strerror(errno) : "a child");
	measure("autoreaped_cpu", kids);
	return 0;
}

/* ---- threads and signals -------------------------------------------------- */

static void *live_thread(void *arg)
{
	double end = now() + *(double *)arg;

	/* Light: 64 of them must not saturate a 2-core machine. */
	while (now() < end) {
		burn_cpu(0.0002);
		sleep_s(0.02);
	}
	return NULL;
}

static int mode_threads(int n, double seconds)
{
	pthread_t t[64];
	int i, started = 0;

	if (n < 1 || n > 64)
		return 2;
	for (i = 0; i < n; i++)
		if (pthread_create(&t[started], NULL, live_thread, &seconds) == 0)
			started++;
	for (i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	say("%d of %d threads ran\n", started, n);
	return 0;
}

static void print_set(const char *what, const sigset_t *set)
{
	char buf[512];
	size_t len = 0;
	int s;

	buf[0] = '\0';
	for (s = 1; s < NSIG && len + 8 < sizeof(buf); s++)
		if (sigismember(set, s) == 1)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
						" %d", s);
	say("%s:%s\n", what, buf);
}

/* Signals sent to the process while every host thread blocks them stay
 * pending; a library thread that does not block them takes them (and the
 * default action of most is to kill the process). */
static int mode_sigblock(double seconds)
{
	static const int sent[] = { SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2,
				    SIGPIPE, SIGALRM, SIGTERM, SIGCHLD,
				    SIGWINCH, SIGURG, SIGTSTP, SIGTTIN };
	sigset_t all, set;
	size_t i;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	for (i = 0; i < sizeof(sent) / sizeof(sent[0]); i++)
		kill(getpid(), sent[i]);
	kill(getpid(), SIGRTMIN + 1);
	sleep_s(seconds); /* the sampler runs through several intervals */
	sigpending(&set);
	print_set("pending", &set);
	sigprocmask(SIG_BLOCK, NULL, &set);
	print_set("blocked", &set);
	return 0;
}

static volatile sig_atomic_t handled[NSIG], off_main, alarms;

static void count_handler(int sig)
{
	int saved = errno;

	if (sig == SIGALRM)
		alarms = 1;
	else if (sig > 0 && sig < NSIG)
		handled[sig]++;
	/* Without rtrack this process has one thread: a handler anywhere
	 * else ran on a thread the host does not know. */
	if ((pid_t)syscall(SYS_gettid) != getpid())
		off_main++;
	errno = saved;
}

static int mode_handlers(double seconds)
{
	struct sigaction sa;
	struct itimerval it = { { 0, 5000 }, { 0, 5000 } };
	int s, installed = 0, once = 0, raised = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = count_handler;
	sigemptyset(&sa.sa_mask);
	for (s = 1; s < NSIG; s++)
		if (sigaction(s, &sa, NULL) == 0)
			installed++;
	for (s = 1; s < NSIG; s++) {
		struct sigaction cur;
		if (s == SIGALRM || sigaction(s, NULL, &cur) < 0 ||
		    cur.sa_handler != count_handler)
			continue;
		kill(getpid(), s);
		raised++;
	}
	/* A 5 ms timer interrupts every sleep meanwhile (no SA_RESTART). */
	setitimer(ITIMER_REAL, &it, NULL);
	sleep_s(seconds);
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	for (s = 1; s < NSIG; s++)
		if (s != SIGALRM && handled[s] == 1)
			once++;
	say("installed %d, raised %d, handled once %d, off main thread %d, "
	    "alarms %s\n",
	    installed, raised, once, (int)off_main, alarms ? "yes" : "no");
	return 0;
}

static int mode_wait_kill(double seconds)
{
	say("ready\n");
	burn_cpu(seconds);
	say("not killed\n");
	return 0;
}

/* ---- exec ----------------------------------------------------------------- */

static int mode_execmissing(void)
{
	char *const argv[] = { "rtrack-no-such-program", NULL };

	execvp("rtrack-no-such-program", argv);
	say_fd(STDERR_FILENO, "execvp: %s (errno %d)\n", strerror(errno),
	       errno);
	execv("/nonexistent/rtrack-no-such-program", argv);
	say_fd(STDERR_FILENO, "execv: %s (errno %d)\n", strerror(errno), errno);
	return 127;
}

static int mode_spawn(int n)
{
	char *const argv[] = { "/bin/true", NULL };
	int i, ok = 0;

	for (i = 0; i < n; i++) {
		pid_t pid;
		if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ) == 0 &&
		    wait_for(pid) == 0)
			ok++;
	}
	say("%d of %d spawned exited 0\n", ok, n);
	return 0;
}

static int vfork_marker;

/* vfork's child runs on the parent's stack and memory until it execs or
 * exits: whatever an interposed execve or _exit does there, the parent must
 * find its locals and globals as it left them. */
static int mode_vfork(int n)
{
	/* volatile: vfork returns twice into this frame. */
	volatile int ok = 0, failed = 0, intact = 0;
	int i;

	for (i = 0; i < n; i++) {
		volatile int local = 1000 + i;
		char *const argv[] = { "true", NULL };
		const char *path = i % 2 ? "/nonexistent/true" : "/bin/true";
		int status;
		pid_t pid;

		vfork_marker = 2000 + i;
		pid = vfork();
		if (pid == 0) {
			execve(path, argv, environ);
			_exit(127);
		}
		status = pid > 0 ? wait_for(pid) : -1;
		if (local == 1000 + i && vfork_marker == 2000 + i)
			intact++;
		if (status == 0)
			ok++;
		else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			failed++;
	}
	say("%d vforks: %d exec'd and exited 0, %d failed exec and exited "
	    "127, markers intact %d\n",
	    n, (int)ok, (int)failed, (int)intact);
	say("last marker %d\n", vfork_marker);
	return 0;
}

/* ---- fork in a threaded host ---------------------------------------------- */

struct forker {
	pthread_t t;
	int n, ok;
};

/* Each thread forks while the others (and the sampler) hold whatever
 * locks they hold: a child that needs one of them hangs for good. */
static void *forker_thread(void *arg)
{
	struct forker *f = arg;
	int i;

	for (i = 0; i < f->n; i++) {
		void *p = malloc(64 + (size_t)i); /* keep malloc's locks busy */
		pid_t pid = fork();

		if (pid == 0) {
			char *const argv[] = { "/bin/true", NULL };
			if (i % 3 == 0)
				_exit(0);
			if (i % 3 == 1)
				exit(0);
			execv("/bin/true", argv);
			_exit(126);
		}
		free(p);
		if (pid > 0 && wait_for(pid) == 0)
			f->ok++;
	}
	return NULL;
}

static int mode_forkloop(int threads, int n)
{
	struct forker f[16];
	int i, ok = 0, total = 0;

	if (threads < 1 || threads > 16)
		return 2;
	for (i = 0; i < threads; i++) {
		f[i].n = n / threads + (i < n % threads);
		f[i].ok = 0;
		total += f[i].n;
		pthread_create(&f[i].t, NULL, forker_thread, &f[i]);
	}
	for (i = 0; i < threads; i++) {
		pthread_join(f[i].t, NULL);
		ok += f[i].ok;
	}
	say("%d of %d children exited 0\n", ok, total);
	return 0;
}

/* ---- requests to the sampler under contention ------------------------------ */

struct contender {
	pthread_t t;
	int n, failed;
};

static void *contend_thread(void *arg)
{
	struct contender *c = arg;
	char *const argv[] = { "rtrack-no-such-program", NULL };
	char *const targv[] = { "/bin/true", NULL };

	for (int i = 0; i < c->n; i++) {
		if (execve("/nonexistent/rtrack-no-such-program", argv,
			   environ) < 0 && errno == ENOENT)
			c->failed++;
		if (setresuid((uid_t)-1, (uid_t)-1, (uid_t)-1) != 0)
			c->failed = -100000;
		if (i % 5 == 0) {
			pid_t pid = fork();
			if (pid == 0) {
				execve("/bin/true", targv, environ);
				_exit(127);
			}
			wait_for(pid);
		}
	}
	return NULL;
}

static void *failing_forever(void *arg)
{
	char *const argv[] = { "rtrack-no-such-program", NULL };

	(void)arg;
	for (;;)
		execve("/nonexistent/rtrack-no-such-program", argv, environ);
	return NULL;
}

static int mode_contend(int threads, int n)
{
	struct contender c[16];
	pthread_t racer[2];
	int i, failed = 0;

	if (threads < 1 || threads > 16)
		return 2;
	for (i = 0; i < threads; i++) {
		c[i].n = n;
		c[i].failed = 0;
		pthread_create(&c[i].t, NULL, contend_thread, &c[i]);
	}
	for (i = 0; i < threads; i++) {
		pthread_join(c[i].t, NULL);
		failed += c[i].failed;
	}
	say("%d of %d execs failed with ENOENT\n", failed, threads * n);
	/* The exit races the exec requests of threads that never stop. */
	for (i = 0; i < 2; i++)
		pthread_create(&racer[i], NULL, failing_forever, NULL);
	sleep_s(0.02);
	exit(0);
}

/* ---- exit paths ----------------------------------------------------------- */

static int exit_code;

static void *exiting_thread(void *arg)
{
	(void)arg;
	sleep_s(0.1);
	exit(exit_code);
}

static void atexit_exit(void)
{
	_exit(exit_code);
}

/* End the process by HOW with CODE; returns only for "return" (the caller
 * returns the value from main). */
static int exitpath(const char *how, int code)
{
	exit_code = code;
	/* Buffered on purpose: exit() flushes it, _exit and signals lose it,
	 * with and without rtrack alike. */
	printf("exiting via %s\n", how);
	if (strcmp(how, "return") == 0)
		return code;
	if (strcmp(how, "exit") == 0)
		exit(code);
	if (strcmp(how, "_exit") == 0)
		_exit(code);
	if (strcmp(how, "_Exit") == 0)
		_Exit(code);
	if (strcmp(how, "quick_exit") == 0)
		quick_exit(code);
	if (strcmp(how, "error") == 0)
		error(code, 0, "failing with %d", code);
	if (strcmp(how, "abort") == 0)
		abort();
	if (strcmp(how, "segv") == 0) {
		/* A real fault, not raise(): the null is hidden from the
		 * compiler, which would turn a visible one into a trap. */
		int *volatile p = NULL;
		*p = code;
	}
	if (strcmp(how, "thread_exit") == 0) {
		pthread_t t;
		pthread_create(&t, NULL, exiting_thread, NULL);
		for (;;)
			pause();
	}
	if (strcmp(how, "atexit") == 0) {
		atexit(atexit_exit);
		return 0;
	}
	fprintf(stderr, "unknown exit path %s\n", how);
	return 2;
}

static int mode_childexit(int do_exec, const char *how, const char *code)
{
	char what[64];
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (do_exec) {
			execl("/proc/self/exe", "lifecycle", "exitpath", how,
			      code, (char *)NULL);
			_exit(126);
		}
		return exitpath(how, atoi(code));
	}
	describe(what, sizeof(what), pid > 0 ? wait_for(pid) : -1);
	say("child: %s\n", what);
	return 0;
}

/* ---- errno ---------------------------------------------------------------- */

static void errno_line(const char *what, int rc, int e)
{
	say("%s: rc %d errno %d (%s)\n", what, rc, e,
	    e == 1234 ? "1234 kept" : strerror(e));
}

/* errno across the calls rtrack wraps or hooks.  Where the call succeeds
 * errno must still be the host's value (glibc leaves it alone on success);
 * where it fails it must be the call's own error, not one of rtrack's. */
static int mode_errno(void)
{
	char *const argv[] = { "x", NULL };
	int rc, e, status, fd;
	pid_t pid;

	say("errno at main: %d\n", start_errno);

	/* fork runs rtrack's atfork handlers in both processes. */
	errno = 1234;
	pid = fork();
	if (pid == 0)
		_exit(errno == 1234 ? 0 : 1);
	e = errno;
	status = wait_for(pid);
	errno_line("fork (parent)", pid > 0 ? 0 : -1, e);
	say("fork (child): errno %s\n", status == 0 ? "1234 kept" : "changed");

	errno = 1234;
	pid = fork();
	if (pid == 0)
		exit(0); /* the inherited exit handlers run in the child */
	rc = waitpid(pid, &status, 0) == pid ? 0 : -1;
	errno_line("waitpid", rc, errno);

	/* Failing execs: the error is the exec's, whatever was in errno. */
	errno = EBADF;
	rc = execve("/nonexistent/prog", argv, environ);
	errno_line("execve missing", rc, errno);
	fd = open("noexec.txt", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	write_all(fd, "not a program\n", 14);
	close(fd);
	errno = 1234;
	rc = execv("./noexec.txt", argv);
	errno_line("execv not executable", rc, errno);
	errno = 1234;
	rc = execvp("rtrack-no-such-cmd", argv);
	errno_line("execvp not on PATH", rc, errno);
	errno = 1234;
	rc = execvpe("rtrack-no-such-cmd", argv, environ);
	errno_line("execvpe not on PATH", rc, errno);
	errno = 1234;
	rc = execl("/nonexistent/prog", "x", (char *)NULL);
	errno_line("execl missing", rc, errno);
	errno = 1234;
	rc = execlp("rtrack-no-such-cmd", "x", (char *)NULL);
	errno_line("execlp not on PATH", rc, errno);
	errno = 1234;
	rc = execle("/nonexistent/prog", "x", (char *)NULL, environ);
	errno_line("execle missing", rc, errno);
	errno = 1234;
	rc = execveat(AT_FDCWD, "nonexistent-prog", argv, environ, 0);
	errno_line("execveat missing", rc, errno);
	fd = open("noexec.txt", O_RDONLY | O_CLOEXEC);
	errno = 1234;
	rc = fexecve(fd, argv, environ);
	errno_line("fexecve not executable", rc, errno);
	close(fd);

	/* A vfork child shares errno with its parent: an execve wrapper that
	 * leaves errno changed on its way to a successful exec changes the
	 * parent's. */
	errno = 1234;
	pid = vfork();
	if (pid == 0) {
		char *const targv[] = { "/bin/true", NULL };
		execve("/bin/true", targv, environ);
		_exit(127);
	}
	e = errno;
	status = wait_for(pid);
	errno_line("vfork+execve (parent)", status == 0 ? 0 : -1, e);

	/* Calls glibc makes succeed without a promise about errno: compared
	 * with the plain run only. */
	errno = 1234;
	{
		char *const targv[] = { "/bin/true", NULL };
		rc = posix_spawn(&pid, "/bin/true", NULL, NULL, targv, environ);
		e = errno;
		if (rc == 0)
			wait_for(pid);
	}
	errno_line("posix_spawn", rc, e);
	errno = EBADF;
	rc = system("exit 3");
	errno_line("system", WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, errno);

	/* A descendant's own start: the constructor of an exec'd image must
	 * leave main an errno of 0. */
	pid = fork();
	if (pid == 0) {
		execl("/proc/self/exe", "lifecycle", "errno_start", (char *)NULL);
		_exit(126);
	}
	wait_for(pid);
	return 0;
}

int main(int argc, char **argv)
{
	start_errno = errno; /* first: anything else may set it */
	if (argc >= 2 && strcmp(argv[1], "errno_start") == 0) {
		say("errno at main (exec'd): %d\n", start_errno);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "fds") == 0)
		return mode_fds(argv[2], argc >= 4 ? atoi(argv[3]) : 150);
	if (argc >= 3 && strcmp(argv[1], "lowfd") == 0)
		return mode_lowfd(atof(argv[2]));
	if (argc >= 3 && strcmp(argv[1], "fork_exec") == 0)
		return mode_fork_exec(atoi(argv[2]));
	if (argc >= 5 && strcmp(argv[1], "fork_burn") == 0)
		return mode_fork_burn(atoi(argv[2]), atof(argv[3]),
				      atoi(argv[4]));
	if (argc >= 3 && strcmp(argv[1], "daemon") == 0)
		return mode_daemon(atof(argv[2]));
	if (argc >= 4 && strcmp(argv[1], "sigchld_ign") == 0)
		return mode_sigchld_ign(atoi(argv[2]), atof(argv[3]));
	if (argc >= 4 && strcmp(argv[1], "threads") == 0)
		return mode_threads(atoi(argv[2]), atof(argv[3]));
	if (argc >= 3 && strcmp(argv[1], "sigblock") == 0)
		return mode_sigblock(atof(argv[2]));
	if (argc >= 3 && strcmp(argv[1], "handlers") == 0)
		return mode_handlers(atof(argv[2]));
	if (argc >= 3 && strcmp(argv[1], "wait_kill") == 0)
		return mode_wait_kill(atof(argv[2]));
	if (argc >= 2 && strcmp(argv[1], "execmissing") == 0)
		return mode_execmissing();
	if (argc >= 3 && strcmp(argv[1], "spawn") == 0)
		return mode_spawn(atoi(argv[2]));
	if (argc >= 3 && strcmp(argv[1], "vfork") == 0)
		return mode_vfork(atoi(argv[2]));
	if (argc >= 4 && strcmp(argv[1], "forkloop") == 0)
		return mode_forkloop(atoi(argv[2]), atoi(argv[3]));
	if (argc >= 4 && strcmp(argv[1], "exitpath") == 0)
		return exitpath(argv[2], atoi(argv[3]));
	if (argc >= 4 && (strcmp(argv[1], "forkexit") == 0 ||
			  strcmp(argv[1], "execexit") == 0)) {
		/* A forked child on the "return" path returns from here, as
		 * from main: that is the path under test. */
		return mode_childexit(strcmp(argv[1], "execexit") == 0,
				      argv[2], argv[3]);
	}
	if (argc >= 4 && strcmp(argv[1], "contend") == 0)
		return mode_contend(atoi(argv[2]), atoi(argv[3]));
	if (argc >= 2 && strcmp(argv[1], "errno") == 0)
		return mode_errno();
	fprintf(stderr, "usage: lifecycle MODE ARGS (see lifecycle.c)\n");
	return 2;
}
