/* gpu_nvml.c - the NVIDIA back end: NVML, loaded with dlopen once per
 * process and kept loaded and initialised (its handles are only valid
 * while it is).  Layouts and traps: ../shared/research/gpu-apis.md. */
#include "gpu_impl.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "text.h"

#define NVML_LIB "libnvidia-ml.so.1"

/* nvmlReturn_t values rtrack tells apart. */
#define NVML_SUCCESS 0
#define NVML_ERROR_NOT_SUPPORTED 3
#define NVML_ERROR_NOT_FOUND 6
#define NVML_ERROR_INSUFFICIENT_SIZE 7
#define NVML_ERROR_FUNCTION_NOT_FOUND 13
#define NVML_ERROR_ARGUMENT_VERSION_MISMATCH 25
#define NVML_VALUE_NOT_AVAILABLE (~0ull)
#define NVML_TEMPERATURE_GPU 0
#define NVML_CLOCK_SM 1
#define NVML_STR 96 /* name and UUID buffers (v2 sizes) */

typedef int nvml_ret;
typedef void *nvml_dev;

struct nvml_utilization {
	unsigned gpu, memory;
};

struct nvml_memory {
	unsigned long long total, free, used; /* used includes reserved */
};

struct nvml_memory_v2 {
	unsigned version;
	unsigned long long total, reserved, free, used;
};

/* Not 2: sizeof | 2 << 24, or the call fails (nvidia-settings #78). */
#define NVML_MEMORY_V2_VERSION \
	((unsigned)sizeof(struct nvml_memory_v2) | 2u << 24)

_Static_assert(sizeof(struct nvml_utilization) == 8, "NVML layout");
_Static_assert(sizeof(struct nvml_memory) == 24, "NVML layout");
_Static_assert(sizeof(struct nvml_memory_v2) == 40, "NVML layout");

/* Entries of the lists, read at fixed offsets from the bytes NVML wrote:
 * nvmlProcessInfo_v2_t is 24 bytes, v1 16; pid at 0, usedGpuMemory at 8.
 * The _v3 symbols are never used: their stride changed without a version
 * bump (pynvml #50, go-nvml #75). */
#define PROC_V2_STRIDE 24
#define PROC_V1_STRIDE 16
/* nvmlProcessUtilizationSample_t: pid 0, timeStamp 8 (µs), smUtil 16. */
#define UTIL_STRIDE 32

/* Calls a device answered NOT_SUPPORTED: not asked again. */
#define NV_UTIL 1u
#define NV_MEM_V2 2u
#define NV_POWER 4u
#define NV_TEMP 8u
#define NV_CLOCK 16u
#define NV_PROC_UTIL 32u

static struct nvml_lib {
	void *dl;
	char path[GPU_PATH_MAX];
	int state; /* 0 not tried, 2 loaded, 1 and initialised, -1 failed */
	nvml_ret (*init)(void);
	nvml_ret (*shutdown)(void);
	nvml_ret (*count)(unsigned *);
	nvml_ret (*handle)(unsigned, nvml_dev *);
	nvml_ret (*name)(nvml_dev, char *, unsigned);
	nvml_ret (*uuid)(nvml_dev, char *, unsigned);
	nvml_ret (*util)(nvml_dev, struct nvml_utilization *);
	nvml_ret (*mem)(nvml_dev, struct nvml_memory *);
	nvml_ret (*mem_v2)(nvml_dev, struct nvml_memory_v2 *);
	nvml_ret (*power)(nvml_dev, unsigned *);
	nvml_ret (*temp)(nvml_dev, int, unsigned *);
	nvml_ret (*clock)(nvml_dev, int, unsigned *);
	nvml_ret (*compute)(nvml_dev, unsigned *, void *);
	nvml_ret (*graphics)(nvml_dev, unsigned *, void *);
	size_t compute_stride, graphics_stride;
	nvml_ret (*proc_util)(nvml_dev, void *, unsigned *, unsigned long long);
	nvml_ret (*mig)(nvml_dev, unsigned *, unsigned *);
} lib;

/* The first of two names the library has (the newer first), or NULL. */
static void *nvml_sym(const char *newer, const char *older)
{
	void *p = dlsym(lib.dl, newer);

	if (!p && older)
		p = dlsym(lib.dl, older);
	return p;
}

/* A process list: _v2 (24-byte entries) where it exists, else v1. */
static void *nvml_list_sym(const char *v2, const char *v1, size_t *stride)
{
	void *p = dlsym(lib.dl, v2);

	*stride = PROC_V2_STRIDE;
	if (!p) {
		p = dlsym(lib.dl, v1);
		*stride = PROC_V1_STRIDE;
	}
	return p;
}

/* Function pointers from dlsym's object pointers: POSIX guarantees the
 * conversion for dlsym results. */
#define NVML_FN(field, newer, older) \
	(lib.field = (__typeof__(lib.field))nvml_sym(newer, older))

static int nvml_resolve(void)
{
	NVML_FN(init, "nvmlInit_v2", "nvmlInit");
	NVML_FN(shutdown, "nvmlShutdown", NULL);
	NVML_FN(count, "nvmlDeviceGetCount_v2", "nvmlDeviceGetCount");
	NVML_FN(handle, "nvmlDeviceGetHandleByIndex_v2",
		"nvmlDeviceGetHandleByIndex");
	NVML_FN(name, "nvmlDeviceGetName", NULL);
	NVML_FN(uuid, "nvmlDeviceGetUUID", NULL);
	NVML_FN(util, "nvmlDeviceGetUtilizationRates", NULL);
	NVML_FN(mem, "nvmlDeviceGetMemoryInfo", NULL);
	NVML_FN(mem_v2, "nvmlDeviceGetMemoryInfo_v2", NULL);
	NVML_FN(power, "nvmlDeviceGetPowerUsage", NULL);
	NVML_FN(temp, "nvmlDeviceGetTemperature", NULL);
	NVML_FN(clock, "nvmlDeviceGetClockInfo", NULL);
	NVML_FN(proc_util, "nvmlDeviceGetProcessUtilization", NULL);
	NVML_FN(mig, "nvmlDeviceGetMigMode", NULL);
	lib.compute = (__typeof__(lib.compute))nvml_list_sym(
		"nvmlDeviceGetComputeRunningProcesses_v2",
		"nvmlDeviceGetComputeRunningProcesses", &lib.compute_stride);
	lib.graphics = (__typeof__(lib.graphics))nvml_list_sym(
		"nvmlDeviceGetGraphicsRunningProcesses_v2",
		"nvmlDeviceGetGraphicsRunningProcesses", &lib.graphics_stride);
	return lib.init && lib.count && lib.handle ? 0 : -1;
}

void gpu_nvml_release(void)
{
	if (lib.state == 1 && lib.shutdown)
		lib.shutdown();
	if (lib.dl)
		dlclose(lib.dl);
	memset(&lib, 0, sizeof(lib));
}

/* Load the library at path once (kept loaded: no second dlopen for the
 * sampler); the answer is kept for that path, so a machine without it
 * pays one failed dlopen.  0 or -1. */
static int nvml_open(const char *path)
{
	size_t n;

	if (!path)
		path = NVML_LIB;
	if (lib.state && strcmp(lib.path, path) == 0)
		return lib.state < 0 ? -1 : 0;
	gpu_nvml_release();
	n = strlen(path);
	if (n >= sizeof(lib.path))
		return -1;
	memcpy(lib.path, path, n + 1);
	lib.state = -1;
	lib.dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!lib.dl)
		return -1;
	if (nvml_resolve() < 0) {
		dlclose(lib.dl);
		lib.dl = NULL;
		return -1;
	}
	lib.state = 2;
	return 0;
}

/* Load and initialise: nvmlInit opens the driver's descriptors, so it runs
 * on the thread that samples (the sampler's own descriptor table), never
 * in the host's constructor.  Reference counted: a host that uses NVML
 * too is fine.  A failed init is not retried. */
static int nvml_load(const char *path)
{
	if (nvml_open(path) < 0)
		return -1;
	if (lib.state == 2)
		lib.state = lib.init() == NVML_SUCCESS ? 1 : -1;
	return lib.state == 1 ? 1 : -1;
}

/* The NVIDIA driver is there: /proc/driver/nvidia/gpus lists a GPU. */
static int nvml_driver_each(const char *name, void *ctx)
{
	(void)ctx;
	return name[0] != '.';
}

static int nvml_driver(const char *procroot)
{
	char path[GPU_PATH_MAX];
	int fd, found;

	if (text_join(path, sizeof(path), procroot, "driver/nvidia/gpus") < 0)
		return 0;
	fd = text_open(path, O_DIRECTORY);
	if (fd < 0)
		return 0;
	found = text_dir_each(fd, nvml_driver_each, NULL) == 1;
	text_close(fd);
	return found;
}

unsigned gpu_nvml_probe(const char *path, const char *procroot)
{
	/* A library named by the test override needs no driver. */
	if (!path && !nvml_driver(procroot))
		return 0;
	return nvml_open(path) == 0;
}

static uint64_t nvml_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* A string NVML fills, always terminated, "" when the call fails. */
static void nvml_str(nvml_ret (*fn)(nvml_dev, char *, unsigned), nvml_dev h,
		     char *dst)
{
	char buf[NVML_STR];

	dst[0] = '\0';
	if (!fn || fn(h, buf, sizeof(buf)) != NVML_SUCCESS)
		return;
	buf[sizeof(buf) - 1] = '\0';
	memcpy(dst, buf, strlen(buf) + 1);
}

static void nvml_add(struct gpu *g, nvml_dev h)
{
	struct gpu_nvml_dev *d = &g->nvml[g->ndev];
	struct rt_gpu_dev *dev = &g->dev[g->ndev];
	unsigned cur = 0, pending = 0;

	memset(d, 0, sizeof(*d));
	d->handle = h;
	/* Utilization samples from before tracking began are not the job's. */
	d->last_seen_us = nvml_now_us();
	d->mig = lib.mig && lib.mig(h, &cur, &pending) == NVML_SUCCESS &&
		 cur == 1;
	dev->source = RT_GPU_NVML;
	nvml_str(lib.name, h, dev->name);
	nvml_str(lib.uuid, h, dev->id);
	g->ndev++;
}

/* Whether /proc's PID namespace is not the initial one (a container):
 * the inode of the initial one is fixed (PROC_PID_INIT_INO). */
static int nvml_pidns_nested(const char *procroot)
{
	char path[GPU_PATH_MAX], link[64];
	ssize_t n;

	if (text_join(path, sizeof(path), procroot, "self/ns/pid") < 0)
		return 0;
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return 0;
	link[n] = '\0';
	return strcmp(link, "pid:[4026531836]") != 0;
}

unsigned gpu_nvml_init(struct gpu *g, const char *path)
{
	unsigned n = 0, i, first = g->ndev;

	/* The probe's rule: without the driver, no dlopen (its search of
	 * the library path costs a root's start-up ~0.3 ms, and it mallocs). */
	if (!path && !nvml_driver(g->procroot))
		return 0;
	if (nvml_load(path) < 0 || lib.count(&n) != NVML_SUCCESS)
		return 0;
	g->pidns_nested = nvml_pidns_nested(g->procroot);
	for (i = 0; i < n && g->ndev < RT_GPU_MAX_DEVICES; i++) {
		nvml_dev h;
		/* A counted device may refuse its handle (NO_PERMISSION). */
		if (lib.handle(i, &h) == NVML_SUCCESS)
			nvml_add(g, h);
	}
	return g->ndev - first;
}

/* Call fn unless the device said NOT_SUPPORTED to it before; 1 when it
 * succeeded. */
#define NVML_TRY(d, bit, call)                                                \
	(!((d)->unsupported & (bit)) && nvml_ok((d), (bit), (call)))

static int nvml_ok(struct gpu_nvml_dev *d, unsigned bit, nvml_ret rc)
{
	if (rc == NVML_ERROR_NOT_SUPPORTED)
		d->unsupported |= bit;
	return rc == NVML_SUCCESS;
}

static void nvml_rates(struct gpu_nvml_dev *d, struct rt_gpu_values *v)
{
	struct nvml_utilization u;

	/* Not supported on a MIG-enabled GPU (the header's note). */
	if (lib.util && NVML_TRY(d, NV_UTIL, lib.util(d->handle, &u)) &&
	    u.gpu <= 100)
		gpu_put(v, RT_G_util_pct, u.gpu);
}

/* Memory v2 (used without the driver's reserve) where the library has it,
 * else v1, as nvtop falls back; a version mismatch is not retried. */
static void nvml_memory(struct gpu_nvml_dev *d, struct rt_gpu_values *v)
{
	struct nvml_memory_v2 m2;
	struct nvml_memory m1;
	nvml_ret rc;

	if (lib.mem_v2 && !(d->unsupported & NV_MEM_V2)) {
		memset(&m2, 0, sizeof(m2));
		m2.version = NVML_MEMORY_V2_VERSION;
		rc = lib.mem_v2(d->handle, &m2);
		if (rc == NVML_SUCCESS) {
			gpu_put(v, RT_G_mem_used_kib, m2.used / 1024);
			gpu_put(v, RT_G_mem_total_kib, m2.total / 1024);
			return;
		}
		if (rc == NVML_ERROR_NOT_SUPPORTED ||
		    rc == NVML_ERROR_FUNCTION_NOT_FOUND ||
		    rc == NVML_ERROR_ARGUMENT_VERSION_MISMATCH)
			d->unsupported |= NV_MEM_V2;
	}
	if (lib.mem && lib.mem(d->handle, &m1) == NVML_SUCCESS) {
		gpu_put(v, RT_G_mem_used_kib, m1.used / 1024);
		gpu_put(v, RT_G_mem_total_kib, m1.total / 1024);
	}
}

static void nvml_sensors(struct gpu_nvml_dev *d, struct rt_gpu_values *v)
{
	unsigned x;

	if (lib.power && NVML_TRY(d, NV_POWER, lib.power(d->handle, &x)))
		gpu_put(v, RT_G_power_mw, x);
	if (lib.temp && NVML_TRY(d, NV_TEMP,
				 lib.temp(d->handle, NVML_TEMPERATURE_GPU, &x)))
		gpu_put(v, RT_G_temp_c, x);
	if (lib.clock && NVML_TRY(d, NV_CLOCK,
				  lib.clock(d->handle, NVML_CLOCK_SM, &x)))
		gpu_put(v, RT_G_sm_clock_mhz, x);
}

/* The entry of tracked process pid on this device, added when new; NULL
 * when the table is full. */
static struct gpu_pent *nvml_pent(struct gpu *g, int32_t pid)
{
	unsigned i;

	for (i = 0; i < g->npent; i++)
		if (g->pent[i].pid == pid)
			return &g->pent[i];
	if (g->npent == GPU_MAX_PROCS)
		return NULL;
	memset(&g->pent[g->npent], 0, sizeof(g->pent[0]));
	g->pent[g->npent].pid = pid;
	return &g->pent[g->npent++];
}

static uint32_t nvml_u32(const void *base, size_t off)
{
	uint32_t x;

	memcpy(&x, (const char *)base + off, sizeof(x));
	return x;
}

static uint64_t nvml_u64(const void *base, size_t off)
{
	uint64_t x;

	memcpy(&x, (const char *)base + off, sizeof(x));
	return x;
}

/* The tracked pid a driver's pid stands for, or -1.  Inside a container,
 * a pid that does not exist here may be the host's number of one of the
 * tree's processes (older drivers; utilization samples of newer ones):
 * *foreign is set, and the tree's share of the device is unknown. */
static int32_t nvml_resolve_pid(const struct gpu *g, const struct gpu_tree *t,
				uint32_t pid, int *foreign)
{
	int32_t p = t->resolve(t->ctx, pid);

	if (p < 0 && g->pidns_nested && pid > 0 && pid <= INT32_MAX &&
	    kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		*foreign = 1;
	return p;
}

/* One running-process list into the tree's entries.  1 when the list was
 * read (or the device has none of that kind), 0 when it is unknown. */
static int nvml_list(struct gpu *g,
		     nvml_ret (*fn)(nvml_dev, unsigned *, void *),
		     size_t stride, nvml_dev h, const struct gpu_tree *t,
		     unsigned *flags)
{
	unsigned count = GPU_MAX_PROCS, k;
	int foreign = 0;
	nvml_ret rc;

	if (!fn)
		return 0;
	rc = fn(h, &count, g->buf);
	if (rc == NVML_ERROR_NOT_SUPPORTED)
		return 1;
	if (rc == NVML_ERROR_INSUFFICIENT_SIZE)
		*flags |= RT_GPU_F_PROCS_CUT;
	if (rc != NVML_SUCCESS)
		return 0;
	for (k = 0; k < count && k < GPU_MAX_PROCS; k++) {
		const char *e = (const char *)g->buf + k * stride;
		uint64_t mem = nvml_u64(e, 8);
		int32_t pid = nvml_resolve_pid(g, t, nvml_u32(e, 0), &foreign);
		struct gpu_pent *p;

		if (pid < 0)
			continue;
		if (!(p = nvml_pent(g, pid))) {
			*flags |= RT_GPU_F_PROCS_CUT;
			return 0;
		}
		/* In both lists (CUDA and graphics): the same memory. */
		if (mem == NVML_VALUE_NOT_AVAILABLE)
			p->mem_unknown = 1;
		else if (mem > p->mem_bytes)
			p->mem_bytes = mem;
	}
	if (foreign)
		*flags |= RT_GPU_F_FOREIGN_PIDS;
	return !foreign;
}

/* SM utilization of the tree's processes since the newest sample seen
 * before.  1 when known (NOT_FOUND: no newer sample, an idle GPU), 0 when
 * the device cannot tell (MIG, old GPUs) or the call failed. */
static int nvml_proc_util(struct gpu *g, struct gpu_nvml_dev *d,
			  const struct gpu_tree *t, unsigned *flags)
{
	unsigned count = GPU_MAX_PROCS, k;
	uint64_t newest = d->last_seen_us;
	int foreign = 0;
	nvml_ret rc;

	if (!lib.proc_util || (d->unsupported & NV_PROC_UTIL))
		return 0;
	rc = lib.proc_util(d->handle, g->buf, &count, d->last_seen_us);
	if (rc == NVML_ERROR_NOT_FOUND)
		return 1;
	if (rc == NVML_ERROR_INSUFFICIENT_SIZE)
		*flags |= RT_GPU_F_PROCS_CUT;
	if (!nvml_ok(d, NV_PROC_UTIL, rc))
		return 0;
	for (k = 0; k < count && k < GPU_MAX_PROCS; k++) {
		const char *e = (const char *)g->buf + k * UTIL_STRIDE;
		uint32_t sm = nvml_u32(e, 16);
		int32_t pid;
		struct gpu_pent *p;

		if (nvml_u64(e, 8) > newest)
			newest = nvml_u64(e, 8);
		/* Values past 100 have been seen (DCGM #83): not a reading. */
		if (sm > 100 ||
		    (pid = nvml_resolve_pid(g, t, nvml_u32(e, 0), &foreign)) < 0)
			continue;
		if (!(p = nvml_pent(g, pid))) {
			*flags |= RT_GPU_F_PROCS_CUT;
			return 0;
		}
		p->util_sum += sm;
		p->util_n++;
	}
	d->last_seen_us = newest;
	if (foreign)
		*flags |= RT_GPU_F_FOREIGN_PIDS;
	return !foreign;
}

/* The tree's share of the device from its entries.  Without per-process
 * utilization, a device the tree does not hold is still known to be 0. */
static void nvml_tree(const struct gpu *g, struct rt_gpu_values *v,
		      int procs_ok, int util_ok)
{
	uint64_t mem = 0, util = 0;
	int mem_unknown = 0;
	unsigned i;

	for (i = 0; i < g->npent; i++) {
		const struct gpu_pent *p = &g->pent[i];
		mem += p->mem_bytes;
		mem_unknown |= p->mem_unknown;
		if (p->util_n)
			util += p->util_sum / p->util_n;
	}
	if (procs_ok) {
		gpu_put(v, RT_G_tree_procs, g->npent);
		if (!mem_unknown)
			gpu_put(v, RT_G_tree_mem_kib, mem / 1024);
	}
	if (util_ok)
		gpu_put(v, RT_G_tree_util_pct, util > 100 ? 100 : util);
	else if (procs_ok && g->npent == 0)
		gpu_put(v, RT_G_tree_util_pct, 0);
}

static void nvml_device(struct gpu *g, unsigned i, const struct gpu_tree *t)
{
	struct gpu_nvml_dev *d = &g->nvml[i];
	struct rt_gpu_values *v = &g->val[i];
	unsigned flags = d->mig ? RT_GPU_F_MIG : 0;
	int procs_ok, util_ok;

	nvml_rates(d, v);
	nvml_memory(d, v);
	nvml_sensors(d, v);
	g->npent = 0;
	procs_ok = nvml_list(g, lib.compute, lib.compute_stride, d->handle, t,
			     &flags);
	/* A failed graphics list could hide a process of the tree: it
	 * counts as much as the compute one. */
	if (lib.graphics)
		procs_ok &= nvml_list(g, lib.graphics, lib.graphics_stride,
				      d->handle, t, &flags);
	util_ok = nvml_proc_util(g, d, t, &flags);
	if (!util_ok)
		flags |= RT_GPU_F_NO_PROC_UTIL;
	nvml_tree(g, v, procs_ok, util_ok);
	gpu_put(v, RT_G_flags, flags);
}

void gpu_nvml_sample(struct gpu *g, const struct gpu_tree *t)
{
	unsigned i;

	if (lib.state != 1)
		return;
	for (i = 0; i < g->nnvml; i++)
		nvml_device(g, i, t);
}
