/* test_gpu.c - the GPU step without a GPU: NVML through the fake library
 * (tests/fake_nvml, scripted by the file FAKE_NVML_SCRIPT names, in a
 * today's and an old build), DRM through fake /proc and sysfs trees made
 * here; and the GPU records through the log writer and reader. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gpu.h"
#include "gpu_impl.h"
#include "logread.h"
#include "logwrite.h"
#include "tracker.h"

#include "scratch.h"

#define MIB (1024ull * 1024)
#define GIB (1024ull * MIB)
#define S(sec) ((uint64_t)(sec) * 1000000000ull)

static struct gpu g;
static struct tracker tr;
static char dir[64];     /* scratch tree of the test */
static int32_t self_pid;

#define assert_missing(s, f) assert_false(sample_has(&(s), RT_F_##f))
#define assert_field(s, f, v)                                                 \
	do {                                                                   \
		assert_true(sample_has(&(s), RT_F_##f));                       \
		assert_int_equal((s).f, (v));                                  \
	} while (0)
#define assert_gmissing(v, f) assert_false(gpu_has(&(v), RT_G_##f))
#define assert_gfield(v, f, x)                                                \
	do {                                                                   \
		assert_true(gpu_has(&(v), RT_G_##f));                          \
		assert_int_equal((v).f, (x));                                  \
	} while (0)

/* ---- scratch trees ---- */

/* dir/rel holds text (directories made as needed). */
static void put(const char *rel, const char *text)
{
	assert_int_equal(scratch_put(dir, rel, text), 0);
}

/* dir/rel is a symlink to target. */
static void put_link(const char *rel, const char *target)
{
	assert_int_equal(scratch_link(dir, rel, target), 0);
}

static void put_dir(const char *rel)
{
	assert_int_equal(scratch_put(dir, rel, NULL), 0);
}

static void drop(const char *rel)
{
	assert_int_equal(scratch_drop(dir, rel), 0);
}

static char *sub(const char *rel)
{
	static char bufs[4][512];
	static int k;
	char *b = bufs[k++ % 4];

	snprintf(b, 512, "%s/%s", dir, rel);
	return b;
}

static int setup(void **state)
{
	(void)state;
	if (scratch_mkdtemp(dir, sizeof(dir), "rtrack-gpu") < 0)
		return -1;
	self_pid = getpid();
	gpu_release();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	gpu_release();
	return scratch_remove(dir);
}

/* ---- NVML through the fake ---- */

static void script(const char *text)
{
	put("script", text);
	assert_int_equal(setenv("FAKE_NVML_SCRIPT", sub("script"), 1), 0);
	gpu_release(); /* the fake reads its script at nvmlInit */
}

static struct gpu_cfg nvml_cfg(const char *lib)
{
	/* an empty sysroot: no DRM device */
	struct gpu_cfg c = { "/proc", sub("nosys"), lib };
	return c;
}

/* The tree is this test process alone. */
static void sample_self(struct rt_sample *s, uint64_t now_ns)
{
	struct gpu_tree t = { &self_pid, 1, NULL, NULL };

	memset(s, 0, sizeof(*s));
	gpu_sample(&g, &t, now_ns, s);
}

/* A counter the fake exports, read through its own handle. */
static unsigned long fake_counter(const char *lib, const char *name)
{
	void *h = dlopen(lib, RTLD_NOW | RTLD_NOLOAD);
	unsigned long *p;
	unsigned long v;

	assert_non_null(h);
	p = dlsym(h, name);
	assert_non_null(p);
	v = *p;
	dlclose(h);
	return v;
}

static const char two_devices[] =
	"device name=Tesla_T4 uuid=GPU-aaaa util=75 used=1073741824 "
	"reserved=268435456 total=17179869184 power=70123 temp=55 clock=1590\n"
	"device name=Tesla_T4 uuid=GPU-bbbb util=20 used=2147483648 "
	"total=17179869184\n"
	"proc 0 kind=compute pid=self mem=104857600\n"
	"proc 0 kind=graphics pid=self mem=83886080\n"
	"proc 0 kind=compute pid=1 mem=52428800\n"
	"proc 1 kind=compute pid=1 mem=209715200\n"
	"sample 0 pid=self sm=40 ts=now\n"
	"sample 0 pid=1 sm=30 ts=now\n"
	"sample 1 pid=1 sm=20 ts=now\n";

static void test_nvml_devices_and_processes(void **state)
{
	struct gpu_cfg c = nvml_cfg(FAKE_NVML);
	struct rt_sample s;

	(void)state;
	script(two_devices);
	assert_int_equal(gpu_probe(&c), GPU_SRC_NVML);
	assert_int_equal(gpu_init(&g, &c), 2);
	assert_string_equal(g.dev[0].name, "Tesla T4");
	assert_string_equal(g.dev[0].id, "GPU-aaaa");
	assert_string_equal(g.dev[1].id, "GPU-bbbb");
	assert_int_equal(g.dev[1].source, RT_GPU_NVML);
	sample_self(&s, S(100));
	assert_field(s, gpu_count, 2);
	assert_field(s, sys_gpu_util_pct, 95);
	assert_field(s, sys_gpu_utilized, 2);
	/* memory v2: used without the driver's reserve */
	assert_field(s, sys_gpu_mem_used_kib, 3 * GIB / 1024);
	assert_field(s, sys_gpu_mem_total_kib, 32 * GIB / 1024);
	assert_field(s, tree_gpu_util_pct, 40);
	assert_field(s, tree_gpu_utilized, 1);
	/* in both lists: counted once, the larger */
	assert_field(s, tree_gpu_mem_kib, 100 * MIB / 1024);
	assert_gfield(g.val[0], power_mw, 70123);
	assert_gfield(g.val[0], temp_c, 55);
	assert_gfield(g.val[0], sm_clock_mhz, 1590);
	assert_gfield(g.val[0], tree_procs, 1);
	assert_gfield(g.val[0], flags, 0);
	/* a device the tree does not use: its share is a known 0 */
	assert_gfield(g.val[1], tree_procs, 0);
	assert_gfield(g.val[1], tree_util_pct, 0);
	assert_gfield(g.val[1], tree_mem_kib, 0);
	assert_int_equal(fake_counter(FAKE_NVML, "fake_nvml_v3_calls"), 0);
}

/* NOT_FOUND is the idle GPU's answer, and the cursor moves on: a sample
 * is counted once. */
static void test_nvml_not_found_is_idle(void **state)
{
	struct gpu_cfg c = nvml_cfg(FAKE_NVML);
	struct rt_sample s;

	(void)state;
	script("device name=A uuid=A util=0\n"
	       "proc 0 kind=compute pid=self mem=1048576\n"
	       "sample 0 pid=self sm=60 ts=4000000000000000\n"
	       "sample 0 pid=self sm=90 ts=1000\n"); /* before tracking */
	assert_int_equal(gpu_init(&g, &c), 1);
	sample_self(&s, S(1));
	assert_field(s, tree_gpu_util_pct, 60);
	assert_field(s, sys_gpu_util_pct, 0);
	assert_field(s, sys_gpu_utilized, 0);
	sample_self(&s, S(2));
	assert_field(s, tree_gpu_util_pct, 0);
	assert_field(s, tree_gpu_utilized, 0);
	assert_gfield(g.val[0], flags, 0);
	assert_field(s, tree_gpu_mem_kib, 1024);
}

/* MIG: no utilization of the device nor of its processes, said in the
 * log; the tree's sum is unknown as soon as it holds such a device. */
static void test_nvml_mig(void **state)
{
	struct gpu_cfg c = nvml_cfg(FAKE_NVML);
	struct rt_sample s;

	(void)state;
	script("device name=A100 uuid=MIG0 mig=1 used=1048576\n"
	       "device name=A100 uuid=GPU1 util=30\n"
	       "proc 0 kind=compute pid=self mem=2097152\n"
	       "sample 0 pid=self sm=50 ts=now\n");
	assert_int_equal(gpu_init(&g, &c), 2);
	sample_self(&s, S(1));
	assert_gmissing(g.val[0], util_pct);
	assert_gmissing(g.val[0], tree_util_pct);
	assert_gfield(g.val[0], flags, RT_GPU_F_MIG | RT_GPU_F_NO_PROC_UTIL);
	assert_gfield(g.val[0], tree_mem_kib, 2048);
	assert_field(s, sys_gpu_util_pct, 30); /* the devices that tell */
	assert_missing(s, tree_gpu_util_pct);
	assert_missing(s, tree_gpu_utilized);
	assert_field(s, tree_gpu_mem_kib, 2048);

	/* A MIG device the tree does not use still gives the tree's 0. */
	script("device name=A100 uuid=MIG0 mig=1\n");
	assert_int_equal(gpu_init(&g, &c), 1);
	sample_self(&s, S(1));
	assert_missing(s, sys_gpu_util_pct);
	assert_field(s, tree_gpu_util_pct, 0);
}

/* probe: what gpu_probe says (a library that loads is a hint only). */
static void assert_no_gpu(const struct gpu_cfg *c, unsigned probe)
{
	struct rt_sample s;

	assert_int_equal(gpu_probe(c), probe);
	assert_int_equal(gpu_init(&g, c), 0);
	sample_self(&s, S(1));
	for (unsigned f = RT_F_gpu_count; f <= RT_F_tree_gpu_mem_kib; f++)
		assert_false(sample_has(&s, (enum rt_field)f));
	assert_int_equal(g.ndev, 0);
}

/* A library that fails to init, none at all, or no device: no GPU. */
static void test_nvml_absent(void **state)
{
	struct gpu_cfg c = nvml_cfg(FAKE_NVML);

	(void)state;
	script("init 9\ndevice name=A uuid=A\n"); /* DRIVER_NOT_LOADED */
	assert_no_gpu(&c, GPU_SRC_NVML);
	script("");
	assert_no_gpu(&c, GPU_SRC_NVML);
	c.nvml_path = "/nonexistent/libnvidia-ml.so.1";
	assert_no_gpu(&c, 0);
	/* The real library needs the driver's GPU list first: a /proc
	 * without one is no GPU, whatever is installed. */
	c.nvml_path = NULL;
	c.procroot = sub("noproc");
	put_dir("noproc/driver/nvidia/gpus");
	assert_int_equal(gpu_probe(&c), 0);
}

/* A library from before the _v2 symbols: v1 lists (16-byte entries) and
 * memory v1, whose used counts the reserve. */
static void test_nvml_old_library(void **state)
{
	struct gpu_cfg c = nvml_cfg(FAKE_NVML_OLD);
	struct rt_sample s;
	void *h;

	(void)state;
	script(two_devices);
	h = dlopen(FAKE_NVML_OLD, RTLD_NOW | RTLD_LOCAL);
	assert_non_null(h);
	assert_null(dlsym(h, "nvmlDeviceGetComputeRunningProcesses_v2"));
	assert_null(dlsym(h, "nvmlInit_v2"));
	dlclose(h);
	assert_int_equal(gpu_init(&g, &c), 2);
	sample_self(&s, S(1));
	assert_field(s, sys_gpu_mem_used_kib, (3 * GIB + 256 * MIB) / 1024);
	assert_field(s, tree_gpu_mem_kib, 100 * MIB / 1024);
	assert_field(s, tree_gpu_util_pct, 40);
	assert_gfield(g.val[1], tree_procs, 0);
	assert_gfield(g.val[0], flags, 0);
}

/* Error codes per function, values out of range, refused handles. */
static void test_nvml_errors(void **state)
{
	struct gpu_cfg c = nvml_cfg(FAKE_NVML);
	struct rt_sample s;
	unsigned long c0, c1, c2;

	(void)state;
	script("device name=A uuid=A util=150\n"
	       "device name=B uuid=B perm=0\n"
	       "device name=C uuid=C util=10\n"
	       "error 0 nvmlDeviceGetPowerUsage 3\n"
	       "error * nvmlDeviceGetTemperature 999\n"
	       "error 2 nvmlDeviceGetComputeRunningProcesses_v2 999\n"
	       "error 2 nvmlDeviceGetMemoryInfo_v2 25\n"
	       "proc 0 kind=compute pid=self mem=na\n"
	       "sample 0 pid=self sm=2147483632 ts=now\n");
	assert_int_equal(gpu_init(&g, &c), 2); /* B: NO_PERMISSION */
	assert_string_equal(g.dev[1].name, "C");
	c0 = fake_counter(FAKE_NVML, "fake_nvml_calls");
	sample_self(&s, S(1));
	c1 = fake_counter(FAKE_NVML, "fake_nvml_calls");
	assert_gmissing(g.val[0], util_pct);    /* 150% is no reading */
	assert_gmissing(g.val[0], power_mw);    /* NOT_SUPPORTED */
	assert_gmissing(g.val[0], temp_c);
	assert_gfield(g.val[0], sm_clock_mhz, 1410);
	assert_gmissing(g.val[0], tree_mem_kib); /* NVML_VALUE_NOT_AVAILABLE */
	assert_gfield(g.val[0], tree_util_pct, 0); /* garbage sm dropped */
	assert_gmissing(g.val[1], tree_mem_kib); /* the list failed */
	assert_gmissing(g.val[1], tree_procs);
	/* memory v2 refused: v1 instead */
	assert_gfield(g.val[1], mem_total_kib, 16 * GIB / 1024);
	assert_field(s, sys_gpu_util_pct, 10);
	assert_missing(s, tree_gpu_mem_kib);
	/* Neither the power query that said NOT_SUPPORTED nor memory v2
	 * that refused its version is asked again; the temperature (an
	 * unknown error) is. */
	sample_self(&s, S(2));
	c2 = fake_counter(FAKE_NVML, "fake_nvml_calls");
	assert_int_equal((c1 - c0) - (c2 - c1), 2);
	assert_gmissing(g.val[0], power_mw);
	assert_gfield(g.val[1], mem_total_kib, 16 * GIB / 1024);
}

/* More processes than rtrack reads, more devices than it keeps. */
static void test_nvml_bounds(void **state)
{
	struct gpu_cfg c = nvml_cfg(FAKE_NVML);
	static char text[64 * 1024];
	struct rt_sample s;
	size_t n = 0;

	(void)state;
	n += (size_t)snprintf(text + n, sizeof(text) - n,
			      "device name=A uuid=A\n");
	for (int i = 0; i < GPU_MAX_PROCS + 10; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "proc 0 kind=compute pid=%d mem=1\n",
				      100000 + i);
	script(text);
	assert_int_equal(gpu_init(&g, &c), 1);
	sample_self(&s, S(1));
	assert_true(g.val[0].flags & RT_GPU_F_PROCS_CUT);
	assert_missing(s, tree_gpu_mem_kib);

	n = 0;
	for (int i = 0; i < 20; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "device name=D%d uuid=U%d util=1\n", i, i);
	script(text);
	assert_int_equal(gpu_init(&g, &c), RT_GPU_MAX_DEVICES);
	sample_self(&s, S(1));
	assert_field(s, gpu_count, RT_GPU_MAX_DEVICES);
	assert_field(s, sys_gpu_utilized, RT_GPU_MAX_DEVICES);
}

static void *sample_thread(void *arg)
{
	sample_self(arg, S(2));
	return NULL;
}

/* Another sampling thread (the sampler restarted after a pause) has not
 * NVML's descriptors: NVML's values are missing there, never guessed. */
static void test_nvml_other_thread(void **state)
{
	struct gpu_cfg c = nvml_cfg(FAKE_NVML);
	struct rt_sample s;
	pthread_t th;

	(void)state;
	script(two_devices);
	assert_int_equal(gpu_init(&g, &c), 2);
	sample_self(&s, S(1));
	assert_field(s, tree_gpu_util_pct, 40);
	assert_int_equal(pthread_create(&th, NULL, sample_thread, &s), 0);
	pthread_join(th, NULL);
	assert_field(s, gpu_count, 2);
	assert_missing(s, sys_gpu_util_pct);
	assert_missing(s, tree_gpu_util_pct);
	assert_missing(s, tree_gpu_mem_kib);
	assert_gmissing(g.val[0], power_mw);
}

/* Inside a container, a listed pid that does not exist here may be the
 * host's number of one of the tree's processes: the tree's share of that
 * device is unknown then, not 0.  One that exists is someone else's. */
static void test_nvml_foreign_pids(void **state)
{
	struct gpu_cfg c = { sub("cproc"), sub("nosys"), FAKE_NVML };
	char text[512];
	struct rt_sample s;
	pid_t dead = fork();

	(void)state;
	if (dead == 0)
		_exit(0);
	assert_int_equal(waitpid(dead, NULL, 0), dead);
	put_link("cproc/self/ns/pid", "pid:[4026532100]");
	snprintf(text, sizeof(text),
		 "device name=A uuid=A\n"
		 "device name=B uuid=B\n"
		 "proc 0 kind=compute pid=self mem=1048576\n"
		 "proc 0 kind=compute pid=1 mem=1048576\n"
		 "proc 1 kind=compute pid=%d mem=2097152\n"
		 "sample 1 pid=%d sm=50 ts=now\n", (int)dead, (int)dead);
	script(text);
	assert_int_equal(gpu_init(&g, &c), 2);
	sample_self(&s, S(1));
	assert_gfield(g.val[0], tree_mem_kib, 1024);
	assert_gfield(g.val[0], flags, 0);
	assert_gmissing(g.val[1], tree_mem_kib);
	assert_gmissing(g.val[1], tree_util_pct);
	assert_true(g.val[1].flags & RT_GPU_F_FOREIGN_PIDS);
	assert_missing(s, tree_gpu_mem_kib);
	assert_missing(s, tree_gpu_util_pct);

	/* On the host (the initial namespace) every pid is visible: an
	 * unknown one is just not the tree's. */
	put_link("cproc/self/ns/pid", "pid:[4026531836]");
	assert_int_equal(gpu_init(&g, &c), 2);
	sample_self(&s, S(1));
	assert_gfield(g.val[1], tree_mem_kib, 0);
	assert_field(s, tree_gpu_util_pct, 0);
}

/* ---- fake /proc for the tracker ---- */

static void fake_proc(const char *root, int pid, int ppid, const char *kids,
		      const char *nspid)
{
	char rel[256], text[512];

	snprintf(rel, sizeof(rel), "%s/%d/task/%d/children", root, pid, pid);
	put(rel, kids);
	snprintf(rel, sizeof(rel), "%s/%d/stat", root, pid);
	snprintf(text, sizeof(text),
		 "%d (w) S %d 1 1 0 -1 0 0 0 0 0 100 50 20 10 20 0 1 0 500 "
		 "1000 10 0\n", pid, ppid);
	put(rel, text);
	snprintf(rel, sizeof(rel), "%s/%d/status", root, pid);
	snprintf(text, sizeof(text),
		 "Name:\tw\nPid:\t%d\nNSpid:\t%s\nVmHWM:\t 9000 kB\n"
		 "VmRSS:\t 8000 kB\n", pid, nspid);
	put(rel, text);
	snprintf(rel, sizeof(rel), "%s/%d/cmdline", root, pid);
	put(rel, "w");
}

static void ignore_gone(const struct rt_proc *p, void *ctx)
{
	(void)p;
	(void)ctx;
}

static void tracker_on(const char *procroot, int32_t root_pid,
		       const char *lib)
{
	struct tracker_cfg c;
	struct tracker_gpu_cfg gc = { lib };

	memset(&c, 0, sizeof(c));
	c.procroot = procroot;
	c.sysroot = sub("nosys");
	c.root_pid = root_pid;
	c.children = 1;
	c.clk_tck = 100;
	tracker_init(&tr, &c);
	if (lib)
		tracker_gpu_init(&tr, &gc);
}

/* A tree in a nested PID namespace: the driver reports the inner pids
 * (7, 8), /proc shows 4000 and 4001; NSpid ties them. */
static void test_nvml_pid_namespace(void **state)
{
	struct rt_sample s;

	(void)state;
	fake_proc("proc", 4000, 1, "4001 ", "4000\t7");
	fake_proc("proc", 4001, 4000, "", "4001\t8");
	script("device name=A uuid=A util=70\n"
	       "proc 0 kind=compute pid=8 mem=67108864\n"
	       "proc 0 kind=compute pid=4000 mem=33554432\n"
	       "proc 0 kind=compute pid=9 mem=1048576\n"
	       "sample 0 pid=7 sm=25 ts=now\n"
	       "sample 0 pid=9 sm=45 ts=now\n");
	tracker_on(sub("proc"), 4000, FAKE_NVML);
	tracker_sample(&tr, S(1), &s, ignore_gone, NULL);
	assert_field(s, tree_procs, 2);
	assert_field(s, tree_gpu_mem_kib, 96 * MIB / 1024);
	assert_field(s, tree_gpu_util_pct, 25);
	assert_gfield(tr.gpu.val[0], tree_procs, 2);
	assert_field(s, sys_gpu_util_pct, 70);
}

/* The tracker without its GPU step: the fields are missing, the library
 * is never called. */
static void test_tracker_gpu_off(void **state)
{
	struct gpu_cfg c = nvml_cfg(FAKE_NVML);
	struct rt_sample s;
	unsigned long calls;

	(void)state;
	script("device name=A uuid=A util=70\n");
	assert_int_equal(gpu_probe(&c), GPU_SRC_NVML); /* loaded */
	calls = fake_counter(FAKE_NVML, "fake_nvml_calls");
	fake_proc("proc", 4000, 1, "", "4000");
	tracker_on(sub("proc"), 4000, NULL);
	tracker_sample(&tr, S(1), &s, ignore_gone, NULL);
	for (unsigned f = RT_F_gpu_count; f <= RT_F_tree_gpu_mem_kib; f++)
		assert_false(sample_has(&s, (enum rt_field)f));
	assert_int_equal(fake_counter(FAKE_NVML, "fake_nvml_calls"), calls);
}

/* ---- the records ---- */

static uint8_t mem[1 << 16];

/* The sampler's "flush when full" (logwrite_on_full): the batch written
 * out to `out` and emptied. */
static uint8_t out[1 << 16];
static size_t out_len;

static void empty_into_out(void *ctx)
{
	struct logbuf *b = ctx;

	memcpy(out + out_len, b->mem, b->len);
	out_len += b->len;
	logwrite_clear(b);
}

static void test_gpu_write_records(void **state)
{
	struct gpu_cfg c = nvml_cfg(FAKE_NVML);
	struct rt_gpu_chain chain;
	struct rt_header h;
	struct rt_sample s;
	struct rt_log log;
	struct logbuf b;
	uint8_t small[40];
	char err[160];

	(void)state;
	script(two_devices);
	assert_int_equal(gpu_init(&g, &c), 2);
	/* A full batch: refused whole, then written after the flush, the
	 * inventory only once. */
	memset(&chain, 0, sizeof(chain));
	logwrite_init(&b, small, sizeof(small));
	sample_self(&s, S(1));
	assert_int_equal(logwrite_gpu(&b, &chain, g.dev, g.val, g.ndev),
			 -ENOSPC);
	assert_false(chain.have_prev);
	assert_false(chain.devices_written);

	/* A batch too small for three samples' records, emptied when full:
	 * every record reaches `out` whole, in order. */
	memset(&h, 0, sizeof(h));
	h.flags = RT_CFG_GPU;
	out_len = 0;
	logwrite_init(&b, mem, 160);
	logwrite_on_full(&b, empty_into_out, &b);
	assert_int_equal(logwrite_preamble(&b), 0);
	assert_int_equal(logwrite_header(&b, &h), 0);
	for (int i = 1; i <= 3; i++) {
		sample_self(&s, S(i));
		s.time_ns = S(i);
		assert_int_equal(logwrite_gpu(&b, &chain, g.dev, g.val, g.ndev),
				 0);
		assert_int_equal(logwrite_sample(&b, &s), 0);
	}
	assert_true(out_len > 0); /* it was full at least once */
	empty_into_out(&b);
	assert_int_equal(logread_buf(out, out_len, &log, err, sizeof(err)), 0);
	assert_false(log.damaged);
	assert_int_equal(log.ngpu_devs, 2);
	assert_string_equal(log.gpu_devs[1].id, "GPU-bbbb");
	assert_int_equal(log.ngpu_samples, 3);
	assert_int_equal(log.gpu_samples[2].sample, 2);
	assert_int_equal(log.gpu_vals[log.gpu_samples[2].first].power_mw,
			 70123);
	assert_int_equal(log.samples[2].tree_gpu_util_pct, 40);
	logread_free(&log);
}

/* ---- DRM fdinfo ---- */

static const char fdinfo_amdgpu[] =
	"pos:\t0\nflags:\t02100002\nmnt_id:\t26\nino:\t1089\n"
	"drm-driver:\tamdgpu\ndrm-client-id:\t17\ndrm-pdev:\t0000:03:00.0\n"
	"drm-memory-vram:\t4212 KiB\ndrm-memory-gtt:\t2048 KiB\n"
	"drm-memory-cpu:\t0 KiB\ndrm-resident-vram:\t4212 KiB\n"
	"amd-memory-visible-vram:\t4212 KiB\n"
	"drm-engine-gfx:\t1213432098 ns\ndrm-engine-compute:\t8720 ns\n"
	"drm-engine-dma:\t5260 ns\n";

static void test_fdinfo_parse(void **state)
{
	static const char i915[] =
		"drm-driver:\ti915\ndrm-client-id:\t3\ndrm-pdev:\t0000:00:02.0\n"
		"drm-resident-system0:\t8 MiB\ndrm-resident-local0:\t512 MiB\n"
		"drm-engine-render:\t25662044495 ns\n"
		"drm-engine-capacity-video:\t2\ndrm-engine-video:\t7 ns\n";
	static const char xe[] =
		"drm-driver:\txe\ndrm-client-id:\t45\n"
		"drm-cycles-rcs:\t28257900\ndrm-total-cycles-rcs:\t7655183225\n"
		"drm-total-gtt:\t4 KiB\n";
	static const char odd[] =
		"drm-engine-gfx:\tabc ns\ndrm-engine-a: 1 parsec\n"
		"drm-memory-vram: 5 furlongs\ndrm-client-id: 12\n"
		"drm-engine-1: 1\ndrm-engine-2: 2\ndrm-engine-3: 3\n"
		"drm-engine-4: 4\ndrm-engine-5: 5\ndrm-engine-6: 6\n"
		"drm-engine-7: 7\ndrm-engine-8: 8\ndrm-engine-9: 9\n"
		"drm-driver:\tx  \r\n";
	struct gpu_fdinfo f;

	(void)state;
	assert_int_equal(gpu_fdinfo_parse(fdinfo_amdgpu, strlen(fdinfo_amdgpu),
					  &f), 0);
	assert_string_equal(f.driver, "amdgpu");
	assert_string_equal(f.pdev, "0000:03:00.0");
	assert_true(f.has_client_id);
	assert_int_equal(f.client_id, 17);
	assert_int_equal(f.neng, 3);
	assert_string_equal(f.eng[0].name, "gfx");
	assert_int_equal(f.eng[0].ns, 1213432098);
	assert_int_equal(f.eng[0].has, GPU_FDINFO_NS);
	assert_int_equal(f.eng[2].ns, 5260);
	/* vram only: gtt and cpu are system memory */
	assert_int_equal(f.memory_kib, 4212);
	assert_int_equal(f.resident_kib, 4212);

	assert_int_equal(gpu_fdinfo_parse(i915, strlen(i915), &f), 0);
	assert_int_equal(f.resident_kib, 512 * 1024); /* local0, not system0 */
	assert_int_equal(f.eng[1].capacity, 2);
	assert_int_equal(f.eng[1].ns, 7);

	assert_int_equal(gpu_fdinfo_parse(xe, strlen(xe), &f), 0);
	assert_int_equal(f.eng[0].cycles, 28257900);
	assert_int_equal(f.eng[0].total, 7655183225ull);
	assert_int_equal(f.eng[0].has, GPU_FDINFO_CYCLES | GPU_FDINFO_TOTAL);
	assert_false(f.has_resident);

	assert_int_equal(gpu_fdinfo_parse(odd, strlen(odd), &f), 0);
	assert_string_equal(f.driver, "x");
	assert_int_equal(f.neng, GPU_DRM_MAX_ENGINES); /* "9" dropped */
	assert_string_equal(f.eng[0].name, "1"); /* gfx and a: malformed */
	assert_false(f.has_memory);
	assert_int_equal(f.client_id, 12);

	/* not a DRM file; a cut buffer never read past */
	assert_int_equal(gpu_fdinfo_parse("pos:\t0\nflags:\t0\n", 15, &f),
			 -EINVAL);
	assert_int_equal(gpu_fdinfo_parse(fdinfo_amdgpu, 20, &f), -EINVAL);
	assert_int_equal(gpu_fdinfo_parse("drm-driver:\tam", 14, &f), 0);
	assert_string_equal(f.driver, "am");
}

/* ---- DRM: fake sysfs and /proc ---- */

/* sysfs: card1 an amdgpu, card0 the BMC's ast (no GPU), a connector. */
static void fake_sysfs(void)
{
	put_dir("sys/bus/pci/drivers/amdgpu");
	put_dir("sys/bus/pci/drivers/ast");
	put("sys/devices/pci0000:00/0000:03:00.0/gpu_busy_percent", "37\n");
	put("sys/devices/pci0000:00/0000:03:00.0/mem_info_vram_used",
	    "1073741824\n");
	put("sys/devices/pci0000:00/0000:03:00.0/mem_info_vram_total",
	    "17163091968\n");
	put("sys/devices/pci0000:00/0000:03:00.0/hwmon/hwmon3/power1_average",
	    "45000000\n");
	put("sys/devices/pci0000:00/0000:03:00.0/hwmon/hwmon3/temp1_input",
	    "51000\n");
	put_link("sys/devices/pci0000:00/0000:03:00.0/driver",
		 "../../../bus/pci/drivers/amdgpu");
	put_dir("sys/devices/pci0000:00/0000:00:01.0");
	put_link("sys/devices/pci0000:00/0000:00:01.0/driver",
		 "../../../bus/pci/drivers/ast");
	put_link("sys/class/drm/card1/device",
		 "../../../devices/pci0000:00/0000:03:00.0");
	put_link("sys/class/drm/card0/device",
		 "../../../devices/pci0000:00/0000:00:01.0");
	put_dir("sys/class/drm/card1-DP-1");
	put_dir("sys/class/drm/renderD128");
}

static void fdinfo(int pid, int fd, uint64_t client, const char *engines,
		   unsigned vram_kib)
{
	char rel[128], text[512];

	snprintf(rel, sizeof(rel), "dp/%d/fd/%d", pid, fd);
	put_link(rel, "/dev/dri/renderD128");
	snprintf(rel, sizeof(rel), "dp/%d/fdinfo/%d", pid, fd);
	snprintf(text, sizeof(text),
		 "pos:\t0\nflags:\t02100002\ndrm-driver:\tamdgpu\n"
		 "drm-pdev:\t0000:03:00.0\ndrm-client-id:\t%llu\n%s"
		 "drm-memory-vram:\t%u KiB\n",
		 (unsigned long long)client, engines, vram_kib);
	put(rel, text);
}

/* A plain descriptor: no DRM client. */
static void plain_fd(int pid, int fd)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "dp/%d/fd/%d", pid, fd);
	put_link(rel, "/dev/null");
	snprintf(rel, sizeof(rel), "dp/%d/fdinfo/%d", pid, fd);
	put(rel, "pos:\t0\nflags:\t0\n");
}

/* Descriptor fd closed: the kernel drops both entries. */
static void close_fd(int pid, int fd)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "dp/%d/fd/%d", pid, fd);
	drop(rel);
	snprintf(rel, sizeof(rel), "dp/%d/fdinfo/%d", pid, fd);
	drop(rel);
}

/* The tree is the first n of 500, 501, 502. */
static void drm_sample(struct rt_sample *s, uint64_t now_ns, size_t n)
{
	static const int32_t pids[] = { 500, 501, 502 };
	struct gpu_tree t = { pids, n, NULL, NULL };

	memset(s, 0, sizeof(*s));
	gpu_sample(&g, &t, now_ns, s);
}

static void test_drm_tree(void **state)
{
	struct gpu_cfg c = { sub("dp"), sub("sys"), "/nonexistent/nvml.so" };
	struct rt_sample s;

	(void)state;
	fake_sysfs();
	put_link("dp/500/fd/0", "/dev/null");
	put("dp/500/fdinfo/0", "pos:\t0\nflags:\t0\n");
	/* 501 inherited 500's client 7 and opened client 9 of its own */
	fdinfo(500, 3, 7, "drm-engine-gfx:\t1000000000 ns\n", 1024);
	fdinfo(501, 4, 7, "drm-engine-gfx:\t1000000000 ns\n", 1024);
	fdinfo(501, 5, 9, "drm-engine-compute:\t0 ns\n", 2048);
	/* a device rtrack does not know: skipped */
	put_link("dp/501/fd/6", "/dev/dri/card0");
	put("dp/501/fdinfo/6", "drm-driver:\tast\ndrm-pdev:\t0000:00:01.0\n"
			       "drm-client-id:\t1\n");
	assert_int_equal(gpu_probe(&c), GPU_SRC_DRM);
	assert_int_equal(gpu_init(&g, &c), 1);
	assert_int_equal(g.dev[0].source, RT_GPU_DRM);
	assert_string_equal(g.dev[0].name, "amdgpu");
	assert_string_equal(g.dev[0].id, "0000:03:00.0");

	drm_sample(&s, S(10), 2);
	assert_gfield(g.val[0], util_pct, 37);
	assert_gfield(g.val[0], mem_used_kib, 1048576);
	assert_gfield(g.val[0], mem_total_kib, 17163091968ull / 1024);
	assert_gfield(g.val[0], power_mw, 45000);
	assert_gfield(g.val[0], temp_c, 51);
	assert_gmissing(g.val[0], sm_clock_mhz);
	assert_gfield(g.val[0], tree_procs, 2);
	assert_gfield(g.val[0], tree_mem_kib, 3072); /* client 7 once */
	assert_gmissing(g.val[0], tree_util_pct);    /* no start yet */
	assert_field(s, sys_gpu_util_pct, 37);
	assert_missing(s, tree_gpu_util_pct);
	assert_field(s, tree_gpu_mem_kib, 3072);

	/* One second later: gfx +250 ms, compute +500 ms: the busiest
	 * engine, 50%. */
	fdinfo(500, 3, 7, "drm-engine-gfx:\t1250000000 ns\n", 1024);
	fdinfo(501, 4, 7, "drm-engine-gfx:\t1250000000 ns\n", 1024);
	fdinfo(501, 5, 9, "drm-engine-compute:\t500000000 ns\n", 2048);
	drm_sample(&s, S(11), 2);
	assert_field(s, tree_gpu_util_pct, 50);
	assert_field(s, tree_gpu_utilized, 1);
	assert_field(s, tree_gpu_mem_kib, 3072);

	/* Engine time going backwards gives 0, not a wrap; a new client
	 * is a baseline (of 502, new in the tree); client 9 is gone. */
	fdinfo(500, 3, 7, "drm-engine-gfx:\t1200000000 ns\n", 1024);
	fdinfo(501, 4, 7, "drm-engine-gfx:\t1200000000 ns\n", 1024);
	close_fd(501, 5);
	fdinfo(502, 7, 11, "drm-engine-gfx:\t9000000000 ns\n", 4096);
	drm_sample(&s, S(12), 3);
	assert_field(s, tree_gpu_util_pct, 0);
	assert_field(s, tree_gpu_mem_kib, 1024 + 4096);
	assert_gfield(g.val[0], tree_procs, 3);

	/* Client 7 goes on from its larger value; 11 from its baseline. */
	fdinfo(500, 3, 7, "drm-engine-gfx:\t1350000000 ns\n", 1024);
	fdinfo(502, 7, 11, "drm-engine-gfx:\t9200000000 ns\n", 4096);
	drm_sample(&s, S(13), 3);
	assert_field(s, tree_gpu_util_pct, 30); /* 100 + 200 ms of gfx */
}

static void drm_sample_one(struct rt_sample *s, int32_t pid, uint64_t now_ns)
{
	struct gpu_tree t = { &pid, 1, NULL, NULL };

	memset(s, 0, sizeof(*s));
	gpu_sample(&g, &t, now_ns, s);
}

/* The next sample of pid is not one that reads its fd directory: only
 * its remembered descriptors are looked at. */
static uint64_t skip_rescan(int32_t pid, uint64_t now_ns)
{
	struct rt_sample s;

	while ((g.gen + 1 + (uint32_t)pid) % GPU_DRM_RESCAN == 0)
		drm_sample_one(&s, pid, now_ns++);
	return now_ns;
}

/* The fd directory of a known process is read every GPU_DRM_RESCAN
 * samples: a DRM device it opens later is found within that bound, not
 * at once.  A remembered descriptor is checked every sample: closed or
 * reused for another file, it is dropped at once. */
static void test_drm_later_open(void **state)
{
	struct gpu_cfg c = { sub("dp"), sub("sys"), "/nonexistent/nvml.so" };
	struct rt_sample s;
	uint64_t t = S(1);
	unsigned i;

	(void)state;
	fake_sysfs();
	plain_fd(700, 0);
	assert_int_equal(gpu_init(&g, &c), 1);
	drm_sample_one(&s, 700, t++);
	assert_field(s, tree_gpu_mem_kib, 0);
	fdinfo(700, 3, 21, "", 2048);
	fdinfo(700, 4, 22, "", 1024);
	for (i = 1; i <= GPU_DRM_RESCAN; i++) {
		drm_sample_one(&s, 700, t++);
		if (s.tree_gpu_mem_kib)
			break;
	}
	assert_true(i <= GPU_DRM_RESCAN);
	assert_int_equal((g.gen + 700) % GPU_DRM_RESCAN, 0);
	assert_field(s, tree_gpu_mem_kib, 3072);
	assert_gfield(g.val[0], tree_procs, 1);

	t = skip_rescan(700, t);
	plain_fd(700, 3);
	drm_sample_one(&s, 700, t++);
	assert_field(s, tree_gpu_mem_kib, 1024);
	t = skip_rescan(700, t);
	close_fd(700, 4);
	drm_sample_one(&s, 700, t++);
	assert_field(s, tree_gpu_mem_kib, 0);
	assert_gfield(g.val[0], tree_procs, 0);
}

/* More DRM descriptors than a process's slot remembers: its directory is
 * read every sample, and every client counts. */
static void test_drm_many_fds(void **state)
{
	struct gpu_cfg c = { sub("dp"), sub("sys"), "/nonexistent/nvml.so" };
	const int n = GPU_DRM_PROC_FDS + 2;
	struct rt_sample s;
	uint64_t t = S(1);

	(void)state;
	fake_sysfs();
	for (int k = 0; k < n; k++)
		fdinfo(800, 3 + k, 100 + (uint64_t)k, "", 1024);
	assert_int_equal(gpu_init(&g, &c), 1);
	drm_sample_one(&s, 800, t++);
	assert_field(s, tree_gpu_mem_kib, (uint64_t)n * 1024);
	t = skip_rescan(800, t);
	fdinfo(800, 3 + n, 100 + (uint64_t)n, "", 1024);
	drm_sample_one(&s, 800, t++);
	assert_field(s, tree_gpu_mem_kib, (uint64_t)(n + 1) * 1024);
}

/* A tree larger than the slots: the processes without one are read in
 * full every sample, and nothing is lost. */
static void test_drm_crowded(void **state)
{
	struct gpu_cfg c = { sub("dp"), sub("sys"), "/nonexistent/nvml.so" };
	static int32_t pids[GPU_DRM_PROCS + 64];
	const size_t n = sizeof(pids) / sizeof(pids[0]);
	struct gpu_tree tr_ = { pids, n, NULL, NULL };
	struct rt_sample s;
	unsigned i;

	(void)state;
	fake_sysfs();
	for (size_t k = 0; k < n; k++)
		pids[k] = 20000 + (int32_t)k;
	fdinfo(pids[n - 1], 3, 31, "", 1024);
	fdinfo(pids[n / 2], 3, 32, "", 2048);
	assert_int_equal(gpu_init(&g, &c), 1);
	memset(&s, 0, sizeof(s));
	gpu_sample(&g, &tr_, S(1), &s);
	assert_field(s, tree_gpu_mem_kib, 3072);
	assert_gfield(g.val[0], tree_procs, 2);
	fdinfo(pids[n - 2], 3, 33, "", 4096);
	for (i = 1; i <= GPU_DRM_RESCAN; i++) {
		memset(&s, 0, sizeof(s));
		gpu_sample(&g, &tr_, S(1 + i), &s);
		assert_true(s.tree_gpu_mem_kib == 3072 ||
			    s.tree_gpu_mem_kib == 3072 + 4096);
		if (s.tree_gpu_mem_kib > 3072)
			break;
	}
	assert_true(i <= GPU_DRM_RESCAN);
	assert_gfield(g.val[0], tree_procs, 3);
}

/* Two DRM devices of the tree and xe's cycle counters. */
static void test_drm_cycles(void **state)
{
	struct gpu_cfg c = { sub("dp"), sub("sys"), NULL };
	static const int32_t pids[] = { 600 };
	struct gpu_tree t = { pids, 1, NULL, NULL };
	struct rt_sample s;

	(void)state;
	put_dir("sys/bus/pci/drivers/xe");
	put_dir("sys/devices/pci0000:00/0000:00:02.0");
	put_link("sys/devices/pci0000:00/0000:00:02.0/driver",
		 "../../../bus/pci/drivers/xe");
	put_link("sys/class/drm/card0/device",
		 "../../../devices/pci0000:00/0000:00:02.0");
	put_link("dp/600/fd/3", "/dev/dri/renderD128");
	put("dp/600/fdinfo/3", "drm-driver:\txe\ndrm-client-id:\t45\n"
			       "drm-cycles-rcs:\t1000\ndrm-total-cycles-rcs:\t5000\n"
			       "drm-resident-vram0:\t1 MiB\n");
	c.nvml_path = "/nonexistent/nvml.so";
	assert_int_equal(gpu_init(&g, &c), 1);
	assert_string_equal(g.dev[0].name, "xe");
	memset(&s, 0, sizeof(s));
	gpu_sample(&g, &t, S(1), &s);
	assert_gmissing(g.val[0], util_pct); /* xe has no gpu_busy_percent */
	assert_missing(s, sys_gpu_util_pct);
	assert_field(s, tree_gpu_mem_kib, 1024);
	put("dp/600/fdinfo/3", "drm-driver:\txe\ndrm-client-id:\t45\n"
			       "drm-cycles-rcs:\t1750\ndrm-total-cycles-rcs:\t8000\n"
			       "drm-resident-vram0:\t1 MiB\n");
	memset(&s, 0, sizeof(s));
	gpu_sample(&g, &t, S(2), &s);
	assert_field(s, tree_gpu_util_pct, 25); /* 750 / 3000 cycles */
}

/* No sysfs DRM class at all, or only cards of other drivers: no GPU. */
static void test_drm_none(void **state)
{
	struct gpu_cfg c = { "/proc", sub("empty"), "/nonexistent/nvml.so" };

	(void)state;
	put_dir("empty/class");
	assert_no_gpu(&c, 0);
	put_dir("empty/bus/pci/drivers/bochs-drm");
	put_dir("empty/devices/0000:00:02.0");
	put_link("empty/devices/0000:00:02.0/driver",
		 "../../bus/pci/drivers/bochs-drm");
	put_link("empty/class/drm/card0/device", "../../../devices/0000:00:02.0");
	assert_no_gpu(&c, 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_nvml_devices_and_processes),
		T(test_nvml_not_found_is_idle),
		T(test_nvml_mig),
		T(test_nvml_absent),
		T(test_nvml_old_library),
		T(test_nvml_errors),
		T(test_nvml_bounds),
		T(test_nvml_other_thread),
		T(test_nvml_foreign_pids),
		T(test_nvml_pid_namespace),
		T(test_tracker_gpu_off),
		T(test_gpu_write_records),
		T(test_fdinfo_parse),
		T(test_drm_tree),
		T(test_drm_cycles),
		T(test_drm_later_open),
		T(test_drm_many_fds),
		T(test_drm_crowded),
		T(test_drm_none),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
