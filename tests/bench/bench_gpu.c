/* bench_gpu.c - what the DRM part of the GPU step costs per sample: gpu_sample
 * on a tree of N processes, with a fake sysfs that shows one amdgpu card (no
 * NVML).  Two kinds of tree:
 *
 *   real  N sleeping children of this program in the real /proc, each with
 *         8 descriptors and none of them DRM (the usual tracked process:
 *         what the step costs when it finds nothing);
 *   fake  a fake /proc of N processes with 8 descriptors each, one in ten
 *         of them also holding a DRM descriptor with amdgpu's fdinfo.
 *
 * The first sample (every process new) is printed apart; then ROUNDS samples
 * give the median, the mean (which counts the periodic rescans) and the
 * largest.
 *
 *   bench_gpu NPROCS ROUNDS real|fake */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gpu.h"
#include "scratch.h"

#define MAX_KIDS 4096

static struct gpu g;
static char dir[64];
static int32_t pids[MAX_KIDS];

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void put(const char *rel, const char *text)
{
	if (scratch_put(dir, rel, text) < 0)
		die(rel);
}

static void put_link(const char *rel, const char *target)
{
	if (scratch_link(dir, rel, target) < 0)
		die(rel);
}

/* The amdgpu card of tests/test_gpu.c. */
static void fake_sysfs(void)
{
	static const char dev[] = "sys/devices/pci0000:00/0000:03:00.0";
	char rel[256];

	snprintf(rel, sizeof(rel), "%s/gpu_busy_percent", dev);
	put(rel, "37\n");
	snprintf(rel, sizeof(rel), "%s/mem_info_vram_used", dev);
	put(rel, "1073741824\n");
	snprintf(rel, sizeof(rel), "%s/mem_info_vram_total", dev);
	put(rel, "17163091968\n");
	put("sys/bus/pci/drivers/amdgpu/.keep", "");
	snprintf(rel, sizeof(rel), "%s/driver", dev);
	put_link(rel, "../../../bus/pci/drivers/amdgpu");
	put_link("sys/class/drm/card0/device",
		 "../../../devices/pci0000:00/0000:03:00.0");
}

static void fake_proc(int n)
{
	static const char *const targets[] = {
		"/dev/pts/0", "/dev/pts/0", "/dev/pts/0", "pipe:[1234]",
		"socket:[5678]", "/tmp/data.bin", "anon_inode:[eventfd]",
		"/usr/lib/x86_64-linux-gnu/libc.so.6",
	};
	char rel[128], text[512];

	for (int i = 0; i < n; i++) {
		pids[i] = 1000 + i;
		for (int fd = 0; fd < 8; fd++) {
			snprintf(rel, sizeof(rel), "proc/%d/fd/%d", pids[i],
				 fd);
			put_link(rel, targets[fd]);
			snprintf(rel, sizeof(rel), "proc/%d/fdinfo/%d", pids[i],
				 fd);
			put(rel, "pos:\t0\nflags:\t02\nmnt_id:\t25\nino:\t7\n");
		}
		if (i % 10)
			continue;
		snprintf(rel, sizeof(rel), "proc/%d/fd/8", pids[i]);
		put_link(rel, "/dev/dri/renderD128");
		snprintf(rel, sizeof(rel), "proc/%d/fdinfo/8", pids[i]);
		snprintf(text, sizeof(text),
			 "pos:\t0\nflags:\t02100002\nmnt_id:\t26\nino:\t1089\n"
			 "drm-driver:\tamdgpu\ndrm-client-id:\t%d\n"
			 "drm-pdev:\t0000:03:00.0\ndrm-memory-vram:\t4212 KiB\n"
			 "drm-resident-vram:\t4212 KiB\n"
			 "drm-engine-gfx:\t1213432098 ns\n"
			 "drm-engine-compute:\t8720 ns\n", i + 1);
		put(rel, text);
	}
}

/* n children that sleep, with 8 descriptors each. */
static void real_kids(int n)
{
	for (int k = 0; k < 5; k++)
		if (open("/dev/null", O_RDONLY) < 0)
			die("/dev/null");
	for (int i = 0; i < n; i++) {
		pid_t p = fork();
		if (p < 0)
			die("fork");
		if (p == 0) {
			pause();
			_exit(0);
		}
		pids[i] = p;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	char procroot[128], sysroot[128];
	struct rt_sample s;
	double *t, first, sum = 0;
	int n, rounds, real;

	if (argc != 4 || (n = atoi(argv[1])) < 1 || n > MAX_KIDS ||
	    (rounds = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: bench_gpu NPROCS ROUNDS real|fake\n");
		return 2;
	}
	real = strcmp(argv[3], "real") == 0;
	if (scratch_mkdtemp(dir, sizeof(dir), "rtrack-bench-gpu") < 0)
		die("mkdtemp");
	fake_sysfs();
	snprintf(sysroot, sizeof(sysroot), "%s/sys", dir);
	snprintf(procroot, sizeof(procroot), "%s/proc", dir);
	if (real)
		real_kids(n);
	else
		fake_proc(n);
	{
		struct gpu_cfg c = { real ? "/proc" : procroot, sysroot,
				     "/nonexistent/libnvidia-ml.so.1" };
		struct gpu_tree tree = { pids, (size_t)n, NULL, NULL };
		uint64_t ns = 1000000000ull;

		if (gpu_init(&g, &c) != 1)
			die("gpu_init: no fake card");
		t = calloc((size_t)rounds, sizeof(*t));
		first = now_us();
		gpu_sample(&g, &tree, ns, &s);
		first = now_us() - first;
		for (int r = 0; r < rounds; r++) {
			double t0 = now_us();
			ns += 1000000000ull;
			gpu_sample(&g, &tree, ns, &s);
			t[r] = now_us() - t0;
			sum += t[r];
		}
	}
	qsort(t, (size_t)rounds, sizeof(*t), cmp_double);
	printf("%s %5d procs: first %8.1f us  median %8.1f us  mean %8.1f us"
	       "  max %8.1f us  tree vram %llu KiB\n",
	       argv[3], n, first, t[rounds / 2], sum / rounds, t[rounds - 1],
	       (unsigned long long)s.tree_gpu_mem_kib);
	if (real)
		for (int i = 0; i < n; i++) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
		}
	free(t);
	return scratch_remove(dir) ? 1 : 0;
}
