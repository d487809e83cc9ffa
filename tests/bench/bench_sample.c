/* bench_sample.c - what one sample costs: rtrack's tracker_sample on a tree
 * of N sleeping processes (with system stats) against the floor, a bare
 * loop that reads the same procfs files the simplest way (open, read,
 * close each) and parses nothing.  Both run in turn, many rounds, and the
 * medians and their ratio are printed.
 *
 *   bench_sample NPROCS ROUNDS pss|rss */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sysstat.h"
#include "tracker.h"

static struct tracker t;
static pid_t kids[TRACKER_MAX_PROCS];

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void ignore_gone(const struct rt_proc *p, void *ctx)
{
	(void)p;
	(void)ctx;
}

static void slurp(const char *path)
{
	static char buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
}

/* The floor: the same files, read raw. */
static void floor_sample(int n, int pss)
{
	static const char *const sys[] = { "/proc/stat", "/proc/meminfo",
					   "/proc/diskstats", "/proc/net/dev",
					   "/proc/mounts" };
	char path[128];
	int i;
	size_t k;

	for (i = 0; i <= n; i++) {
		int pid = i == 0 ? getpid() : kids[i - 1];
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		slurp(path);
		snprintf(path, sizeof(path), "/proc/%d/status", pid);
		slurp(path);
		snprintf(path, sizeof(path), "/proc/%d/io", pid);
		slurp(path);
		if (pss) {
			snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
			slurp(path);
		}
		snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
		slurp(path);
	}
	for (k = 0; k < sizeof(sys) / sizeof(sys[0]); k++)
		slurp(sys[k]);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	int rounds = argc > 2 ? atoi(argv[2]) : 200;
	int pss = !(argc > 3 && strcmp(argv[3], "rss") == 0);
	struct tracker_cfg c = { "/proc", "/sys", 0, 1, 1, pss ? 0 : 1, 0, 100 };
	double *a, *b;
	struct rt_sample s;
	int i;

	if (n < 0 || n >= TRACKER_MAX_PROCS || rounds < 1)
		return 2;
	for (i = 0; i < n; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			pause();
			_exit(0);
		}
	}
	usleep(100000);
	c.root_pid = getpid();
	c.clk_tck = (unsigned)sysconf(_SC_CLK_TCK);
	tracker_init(&t, &c);
	a = calloc((size_t)rounds, sizeof(double));
	b = calloc((size_t)rounds, sizeof(double));
	for (i = 0; i < rounds; i++) {
		double t0 = now_us();
		tracker_sample(&t, 0, &s, ignore_gone, NULL);
		double t1 = now_us();
		floor_sample(n, pss);
		double t2 = now_us();
		a[i] = t1 - t0;
		b[i] = t2 - t1;
	}
	if (s.tree_procs != (uint64_t)n + 1)
		fprintf(stderr, "warning: saw %llu processes, expected %d\n",
			(unsigned long long)s.tree_procs, n + 1);
	qsort(a, (size_t)rounds, sizeof(double), cmp);
	qsort(b, (size_t)rounds, sizeof(double), cmp);
	printf("tree=%-5d mem=%s  rtrack %8.1f us/sample  floor %8.1f us  ratio %.2f\n",
	       n + 1, pss ? "pss" : "rss", a[rounds / 2], b[rounds / 2],
	       a[rounds / 2] / b[rounds / 2]);
	for (i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	free(a);
	free(b);
	return 0;
}
