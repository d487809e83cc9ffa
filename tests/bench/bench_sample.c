/* bench_sample.c - what one sample costs: rtrack's tracker_sample on a tree
 * of N sleeping processes (with system stats) against the floor, a bare
 * loop that reads the same procfs files the cheapest way the kernel allows
 * and parses nothing:
 *  - per process, kept descriptors read with pread from offset 0 (a
 *    seq_file regenerates): the /proc/PID directory, stat, status (every
 *    TRACKER_STATUS_EVERY samples, as rtrack), io and the main thread's
 *    children file, with the same descriptor budget as
 *    the sampler (SAMPLER_KEEP_FDS: kernel memory), then openat on the
 *    /proc directory for the rest; smaps_rollup opened through the kept
 *    directory (a kept one would go on reading the address space it was
 *    opened on);
 *  - system: kept /proc/stat (first 4 KiB: the cpu line is first),
 *    meminfo, diskstats and net/dev read with pread, the mount table's
 *    poll (read again only on a change), /proc listed with getdents after
 *    a seek to 0, statfs of each mount point that rtrack measures (/sys/block, which tells disks from partitions, is
 *    listed by neither while diskstats names the same devices).
 * Both run in turn, many rounds, and the medians and their ratio are
 * printed.  With -p, only rtrack runs (for perf record).
 *
 *   bench_sample [-p] NPROCS ROUNDS pss|rss */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sysstat.h"
#include "tracker.h"

#define KEEP 256 /* preload/sampler.c SAMPLER_KEEP_FDS */

static struct tracker t;
static pid_t kids[TRACKER_MAX_PROCS];
static char buf[65536];

/* The floor's own kept descriptors. */
static int proc_fd, sys_fd[5], proc_dir;
#define PFD 6 /* dir, stat, status, io, schedstat, children */
static int pfd[TRACKER_MAX_PROCS][PFD];
/* The job's cgroup files, as cgroup.c reads them (the tracker found the
 * directories at its first sample): per sample through kept descriptors,
 * the slow ones every CGROUP_SLOW_EVERY samples opened by path. */
static int cg_fd[CGROUP_SLOTS];
static char cg_slow[5][CGROUP_PATH + 32];
static int ncg_slow;
_Static_assert(CGROUP_SLOW_EVERY == TRACKER_STATUS_EVERY,
	       "the floor reads the slow cgroup files with status");
static char mnt[64][256];
static int nmnt;

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

static void drain_fd(int fd)
{
	off_t off = 0;
	ssize_t n;

	while ((n = pread(fd, buf, sizeof(buf), off)) > 0)
		off += n;
}

static void drain_at(int dir, const char *name)
{
	int fd = openat(dir, name, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	drain_fd(fd);
	close(fd);
}

static void list_dir(int fd)
{
	lseek(fd, 0, SEEK_SET);
	while (syscall(SYS_getdents64, fd, buf, sizeof(buf)) > 0)
		;
}

static void floor_init(int n)
{
	static const char *const sys[] = { "/proc/meminfo", "/proc/diskstats",
					   "/proc/net/dev", "/proc/mounts",
					   "/proc/stat" };
	char path[128], *p, *e;
	size_t k;
	int i, j, budget = KEEP;
	ssize_t len;

	proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	proc_dir = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (k = 0; k < 5; k++)
		sys_fd[k] = open(sys[k], O_RDONLY | O_CLOEXEC);
	for (i = 0; i <= n; i++) {
		int pid = i == 0 ? getpid() : kids[i - 1];
		static const char *const f[] = { "stat", "status", "io",
						 "schedstat" };
		for (j = 0; j < PFD; j++)
			pfd[i][j] = -1;
		if (budget < PFD)
			continue;
		snprintf(path, sizeof(path), "/proc/%d", pid);
		pfd[i][0] = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		for (j = 0; j < 4; j++)
			pfd[i][j + 1] = openat(pfd[i][0], f[j], O_RDONLY | O_CLOEXEC);
		snprintf(path, sizeof(path), "task/%d/children", pid);
		pfd[i][PFD - 1] = openat(pfd[i][0], path, O_RDONLY | O_CLOEXEC);
		budget -= PFD;
	}
	{
		const struct cgroup_job *g = &t.cg;
		const char *fast[CGROUP_SLOTS][2] = {
			{ g->cpu, "cpu.stat" },
			{ g->mem, g->mem_v2 ? "memory.current"
					    : "memory.usage_in_bytes" },
			{ g->mem, g->mem_v2 ? "memory.peak"
					    : "memory.max_usage_in_bytes" },
			{ g->mem, g->mem_v2 ? "memory.events"
					    : "memory.oom_control" },
			{ g->unified, "io.pressure" },
			{ "/proc", "pressure/io" },
		};
		const char *slow[5][2] = {
			{ g->cpu, g->cpu_v2 ? "cpu.max" : "cpu.cfs_quota_us" },
			{ g->cpu, g->cpu_v2 ? "" : "cpu.cfs_period_us" },
			{ g->mem, g->mem_v2 ? "memory.max"
					    : "memory.limit_in_bytes" },
			{ g->mem[0] ? g->mem : g->cpu, "cgroup.procs" },
		};
		for (k = 0; k < CGROUP_SLOTS; k++) {
			snprintf(path, sizeof(path), "%s/%s", fast[k][0],
				 fast[k][1]);
			cg_fd[k] = fast[k][0][0] ? open(path, O_RDONLY | O_CLOEXEC)
						 : -1;
		}
		for (k = 0; k < 4; k++)
			if (slow[k][0][0] && slow[k][1][0])
				snprintf(cg_slow[ncg_slow++], sizeof(cg_slow[0]),
					 "%s/%s", slow[k][0], slow[k][1]);
	}
	/* The mount points rtrack measures: not under /proc, /sys, /dev,
	 * /run (sysstat.c's rule). */
	len = pread(sys_fd[3], buf, sizeof(buf) - 1, 0);
	buf[len > 0 ? len : 0] = '\0';
	for (p = buf; p && *p && nmnt < 64; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		char *m = strchr(p, ' ');
		if (!m)
			break;
		e = strchr(m + 1, ' ');
		if (!e || e - m - 1 >= 255)
			continue;
		memcpy(mnt[nmnt], m + 1, (size_t)(e - m - 1));
		mnt[nmnt][e - m - 1] = '\0';
		if (strncmp(mnt[nmnt], "/proc", 5) && strncmp(mnt[nmnt], "/sys", 4) &&
		    strncmp(mnt[nmnt], "/dev", 4) && strncmp(mnt[nmnt], "/run", 4))
			nmnt++;
	}
}

static void floor_sample(int n, int pss)
{
	static const char *const f[] = { "stat", "status", "io", "schedstat" };
	char path[128];
	struct statfs sf;
	struct pollfd pm;
	static unsigned round;
	/* status every TRACKER_STATUS_EVERY samples, as rtrack reads it */
	int status = round++ % TRACKER_STATUS_EVERY == 0;
	int i, j;

	for (i = 0; i <= n; i++) {
		int pid = i == 0 ? getpid() : kids[i - 1];
		if (pfd[i][0] >= 0) {
			for (j = 1; j < PFD; j++)
				if (j != 2 || status)
					drain_fd(pfd[i][j]);
			if (pss)
				drain_at(pfd[i][0], "smaps_rollup");
			continue;
		}
		for (j = 0; j < 4; j++) {
			if (j == 1 && !status)
				continue;
			snprintf(path, sizeof(path), "%d/%s", pid, f[j]);
			drain_at(proc_fd, path);
		}
		if (pss) {
			snprintf(path, sizeof(path), "%d/smaps_rollup", pid);
			drain_at(proc_fd, path);
		}
		snprintf(path, sizeof(path), "%d/task/%d/children", pid, pid);
		drain_at(proc_fd, path);
	}
	pread(sys_fd[4], buf, 4096, 0);
	for (j = 0; j < 3; j++)
		drain_fd(sys_fd[j]);
	/* The mount table is read again only when poll says it changed. */
	pm.fd = sys_fd[3];
	pm.events = POLLPRI;
	poll(&pm, 1, 0);
	list_dir(proc_dir);
	for (j = 0; j < nmnt; j++)
		statfs(mnt[j], &sf);
	for (j = 0; j < CGROUP_SLOTS; j++)
		if (cg_fd[j] >= 0)
			drain_fd(cg_fd[j]);
	if (status) /* CGROUP_SLOW_EVERY is TRACKER_STATUS_EVERY */
		for (j = 0; j < ncg_slow; j++)
			drain_at(AT_FDCWD, cg_slow[j]);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int only = argc > 1 && strcmp(argv[1], "-p") == 0;
	int n = argc > 1 + only ? atoi(argv[1 + only]) : 1;
	int rounds = argc > 2 + only ? atoi(argv[2 + only]) : 200;
	int pss = !(argc > 3 + only && strcmp(argv[3 + only], "rss") == 0);
	struct tracker_cfg c = { .procroot = "/proc", .sysroot = "/sys",
				 .children = 1, .system = 1,
				 .mem_mode = pss ? RT_MEM_PSS : RT_MEM_RSS };
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
	usleep(100000 + 1000 * n);
	c.root_pid = getpid();
	c.clk_tck = (unsigned)sysconf(_SC_CLK_TCK);
	tracker_init(&t, &c);
	tracker_keep_fds(&t, KEEP);
	/* The first sample finds the cgroup whose files the floor reads. */
	tracker_sample(&t, 0, &s, ignore_gone, NULL);
	floor_init(n);
	a = calloc((size_t)rounds, sizeof(double));
	b = calloc((size_t)rounds, sizeof(double));
	for (i = 0; i < rounds; i++) {
		double t0 = now_us();
		tracker_sample(&t, 0, &s, ignore_gone, NULL);
		double t1 = now_us();
		if (!only)
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
	printf("tree=%-5d mem=%s  rtrack %9.1f us/sample (%6.2f us/process)  "
	       "floor %9.1f us  ratio %.2f\n",
	       n + 1, pss ? "pss" : "rss", a[rounds / 2],
	       a[rounds / 2] / (n + 1), b[rounds / 2],
	       a[rounds / 2] / b[rounds / 2]);
	for (i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	free(a);
	free(b);
	return 0;
}
