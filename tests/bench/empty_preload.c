/* empty_preload.c - bench_spawn's references: preloaded libraries that do
 * nothing of rtrack's own, only what the kernel charges for the same work.
 *
 * No variable: nothing at all, what LD_PRELOAD itself costs a process.
 *
 * RTRACK_BENCH_CREATE=DIR: also creates a file of 85 bytes in DIR, as a
 * root creates its log: what a new file costs on that filesystem (ext4
 * inode allocation can be most of a root's start-up).
 *
 * RTRACK_BENCH_FLOOR=desc:FILE: at exit, the system calls of a
 * descendant's exit record and nothing else: its status, stat and io
 * read, getrusage, and a 60-byte O_APPEND write to FILE.
 *
 * RTRACK_BENCH_FLOOR=root:DIR: the system calls of a root that lives less
 * than one sampling interval: at start its status read (the seccomp
 * count), the log created with an 85-byte header, a thread started with
 * every signal blocked on a 256 KiB stack; at exit the thread wakes and
 * takes one sample (the process's stat, status, io, smaps_rollup; the
 * system's stat, meminfo, diskstats, net/dev and mounts, one statfs),
 * appends 200 bytes and ends; exit waits for it.  No parsing, no
 * encoding: the kernel's floor for what rtrack's root does.
 *
 * Together they split what rtrack adds to a process into what its work
 * costs here and what rtrack itself adds on top. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/vfs.h>
#include <unistd.h>

void rtrack_bench_empty(void);

void rtrack_bench_empty(void)
{
}

static char scratch[64 * 1024];

static void slurp(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	while (read(fd, scratch, sizeof(scratch)) > 0)
		;
	close(fd);
}

static void append(const char *path, size_t n, int flags)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | flags, 0600);

	if (fd < 0)
		return;
	if (write(fd, scratch, n) < 0)
		perror("write");
	close(fd);
}

static char log_path[4200];
static pthread_t sampler;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static int exiting, mode;

enum { NONE, DESC, ROOT };

static void *sample_at_exit(void *arg)
{
	static const char *const files[] = {
		"/proc/self/stat", "/proc/self/status", "/proc/self/io",
		"/proc/self/smaps_rollup", "/proc/stat", "/proc/meminfo",
		"/proc/diskstats", "/proc/net/dev", "/proc/mounts",
	};
	struct statfs sf;

	(void)arg;
	pthread_mutex_lock(&lock);
	while (!exiting)
		pthread_cond_wait(&wake, &lock);
	pthread_mutex_unlock(&lock);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		slurp(files[i]);
	statfs("/", &sf);
	append(log_path, 200, 0);
	return NULL;
}

static void forget_thread(void)
{
	mode = NONE;
}

__attribute__((constructor)) static void floor_start(void)
{
	const char *dir = getenv("RTRACK_BENCH_CREATE");
	const char *fl = getenv("RTRACK_BENCH_FLOOR");
	pthread_attr_t attr;
	sigset_t all, old;

	if (dir) {
		snprintf(log_path, sizeof(log_path), "%s/empty-%d.bin", dir,
			 (int)getpid());
		append(log_path, 85, O_CREAT | O_EXCL);
	}
	if (fl && strncmp(fl, "desc:", 5) == 0) {
		mode = DESC;
		snprintf(log_path, sizeof(log_path), "%s", fl + 5);
	}
	if (!fl || strncmp(fl, "root:", 5) != 0)
		return;
	mode = ROOT;
	slurp("/proc/self/status");
	snprintf(log_path, sizeof(log_path), "%s/floor-%d.bin", fl + 5,
		 (int)getpid());
	append(log_path, 85, O_CREAT | O_EXCL);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	if (pthread_create(&sampler, &attr, sample_at_exit, NULL) != 0)
		mode = NONE;
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	/* A forked child has no such thread to wake and join. */
	pthread_atfork(NULL, NULL, forget_thread);
}

__attribute__((destructor)) static void floor_exit(void)
{
	struct rusage ru;

	if (mode == DESC) {
		slurp("/proc/self/status");
		slurp("/proc/self/stat");
		getrusage(RUSAGE_SELF, &ru);
		slurp("/proc/self/io");
		append(log_path, 60, 0);
	} else if (mode == ROOT) {
		pthread_mutex_lock(&lock);
		exiting = 1;
		pthread_cond_signal(&wake);
		pthread_mutex_unlock(&lock);
		pthread_join(sampler, NULL);
	}
}
