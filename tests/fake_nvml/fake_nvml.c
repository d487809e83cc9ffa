/* fake_nvml.c - a libnvidia-ml.so for tests without a GPU: the NVML
 * functions rtrack uses, with NVML's own rules (size queries, NOT_FOUND
 * for no newer utilization sample with a strict > on the cursor, the v2
 * memory version check, NOT_SUPPORTED under MIG, NO_PERMISSION on a
 * device, the _v3 lists' 32-byte stride trap), driven by a script file
 * named by FAKE_NVML_SCRIPT and read at nvmlInit.  Built twice: as today's
 * library, and with FAKE_NVML_OLD as a library from before the _v2
 * symbols (v1 lists of 16-byte entries, memory v1 only, no MIG query).
 *
 * Script lines (# starts a comment; N is a device index):
 *   init RC                       nvmlInit returns RC
 *   device name=A_B uuid=U util=% used=B reserved=B total=B power=mW
 *          temp=C clock=MHz mig=0|1 perm=0|1     (_ in name is a space)
 *   proc N kind=compute|graphics pid=PID|self mem=BYTES|na
 *   sample N pid=PID|self sm=% ts=US|now
 *   error N|* FUNCTION RC         that function returns RC for device N
 * pid=self is the process that read the script (a host under the
 * preload: its root).  No stdio, no malloc: it runs inside hosts. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

typedef int nvmlReturn_t;
typedef struct fake_dev *nvmlDevice_t;

#define OK 0
#define UNINITIALIZED 1
#define INVALID_ARGUMENT 2
#define NOT_SUPPORTED 3
#define NO_PERMISSION 4
#define NOT_FOUND 6
#define INSUFFICIENT_SIZE 7
#define ARGUMENT_VERSION_MISMATCH 25

typedef struct {
	unsigned gpu, memory;
} nvmlUtilization_t;
typedef struct {
	unsigned long long total, free, used;
} nvmlMemory_t;
typedef struct {
	unsigned version;
	unsigned long long total, reserved, free, used;
} nvmlMemory_v2_t;
typedef struct {
	unsigned pid;
	unsigned long long usedGpuMemory;
} nvmlProcessInfo_v1_t;
typedef struct {
	unsigned pid;
	unsigned long long usedGpuMemory;
	unsigned gpuInstanceId, computeInstanceId;
} nvmlProcessInfo_v2_t;
/* What drivers 535.43.02-535.86.05 wrote through the _v3 symbols. */
typedef struct {
	unsigned pid;
	unsigned long long usedGpuMemory;
	unsigned gpuInstanceId, computeInstanceId;
	unsigned long long usedGpuCcProtectedMemory;
} fake_info_535_t;
typedef struct {
	unsigned pid;
	unsigned long long timeStamp;
	unsigned smUtil, memUtil, encUtil, decUtil;
} nvmlProcessUtilizationSample_t;

#define MAX_DEV 32
#define MAX_PROC 1024
#define MAX_SAMPLE 1024
#define MAX_ERR 64
#define NA (~0ull)

struct fake_dev {
	char name[96], uuid[96];
	unsigned util, mig, perm;
	unsigned long long used, reserved, total;
	unsigned power, temp, clock;
};

struct fake_proc {
	unsigned dev, graphics, pid;
	unsigned long long mem;
};

struct fake_sample {
	unsigned dev, pid, sm, now;
	unsigned long long ts;
};

struct fake_err {
	int dev; /* -1: every device */
	char fn[64];
	nvmlReturn_t rc;
};

static struct fake_dev devs[MAX_DEV];
static struct fake_proc procs[MAX_PROC];
static struct fake_sample samples[MAX_SAMPLE];
static struct fake_err errs[MAX_ERR];
static unsigned ndev, nproc, nsample, nerr, refs;
static nvmlReturn_t init_rc;

/* For tests: every NVML call, and calls of the _v3 lists (never wanted). */
EXPORT unsigned long fake_nvml_calls, fake_nvml_v3_calls;
EXPORT void fake_nvml_reload(void);

/* ---- the script ---- */

static unsigned long long num(const char *s)
{
	if (strcmp(s, "na") == 0)
		return NA;
	if (strcmp(s, "self") == 0)
		return (unsigned long long)getpid();
	return strtoull(s, NULL, 0);
}

/* The value of key=... among the tokens, or NULL. */
static const char *arg(char **tok, int n, const char *key)
{
	size_t k = strlen(key);

	for (int i = 0; i < n; i++)
		if (strncmp(tok[i], key, k) == 0 && tok[i][k] == '=')
			return tok[i] + k + 1;
	return NULL;
}

static unsigned long long argn(char **tok, int n, const char *key,
			       unsigned long long def)
{
	const char *v = arg(tok, n, key);

	return v ? num(v) : def;
}

static void copy_name(char *dst, const char *src)
{
	size_t i;

	for (i = 0; src && src[i] && i < 95; i++)
		dst[i] = src[i] == '_' ? ' ' : src[i];
	dst[i] = '\0';
}

static void line_device(char **tok, int n)
{
	struct fake_dev *d;

	if (ndev == MAX_DEV)
		return;
	d = &devs[ndev++];
	copy_name(d->name, arg(tok, n, "name"));
	copy_name(d->uuid, arg(tok, n, "uuid"));
	d->util = (unsigned)argn(tok, n, "util", 0);
	d->used = argn(tok, n, "used", 0);
	d->reserved = argn(tok, n, "reserved", 0);
	d->total = argn(tok, n, "total", 16ull << 30);
	d->power = (unsigned)argn(tok, n, "power", 50000);
	d->temp = (unsigned)argn(tok, n, "temp", 40);
	d->clock = (unsigned)argn(tok, n, "clock", 1410);
	d->mig = (unsigned)argn(tok, n, "mig", 0);
	d->perm = (unsigned)argn(tok, n, "perm", 1);
}

static void line_proc(char **tok, int n)
{
	const char *kind = arg(tok, n, "kind");
	struct fake_proc *p;

	if (nproc == MAX_PROC || n < 2)
		return;
	p = &procs[nproc++];
	p->dev = (unsigned)num(tok[1]);
	p->graphics = kind && strcmp(kind, "graphics") == 0;
	p->pid = (unsigned)argn(tok, n, "pid", 0);
	p->mem = argn(tok, n, "mem", 0);
}

static void line_sample(char **tok, int n)
{
	const char *ts = arg(tok, n, "ts");
	struct fake_sample *s;

	if (nsample == MAX_SAMPLE || n < 2)
		return;
	s = &samples[nsample++];
	s->dev = (unsigned)num(tok[1]);
	s->pid = (unsigned)argn(tok, n, "pid", 0);
	s->sm = (unsigned)argn(tok, n, "sm", 0);
	s->now = !ts || strcmp(ts, "now") == 0;
	s->ts = s->now ? 0 : num(ts);
}

static void line_error(char **tok, int n)
{
	struct fake_err *e;

	if (nerr == MAX_ERR || n < 4)
		return;
	e = &errs[nerr++];
	e->dev = strcmp(tok[1], "*") == 0 ? -1 : (int)num(tok[1]);
	strncpy(e->fn, tok[2], sizeof(e->fn) - 1);
	e->rc = (nvmlReturn_t)num(tok[3]);
}

static void script_line(char *line)
{
	char *tok[32], *save = NULL, *t;
	int n = 0;

	for (t = strtok_r(line, " \t", &save); t && n < 32;
	     t = strtok_r(NULL, " \t", &save))
		tok[n++] = t;
	if (n == 0 || tok[0][0] == '#')
		return;
	if (strcmp(tok[0], "init") == 0 && n > 1)
		init_rc = (nvmlReturn_t)num(tok[1]);
	else if (strcmp(tok[0], "device") == 0)
		line_device(tok, n);
	else if (strcmp(tok[0], "proc") == 0)
		line_proc(tok, n);
	else if (strcmp(tok[0], "sample") == 0)
		line_sample(tok, n);
	else if (strcmp(tok[0], "error") == 0)
		line_error(tok, n);
}

void fake_nvml_reload(void)
{
	static char buf[1 << 16];
	const char *path = getenv("FAKE_NVML_SCRIPT");
	ssize_t len = 0, r;
	char *line, *save = NULL;
	int fd;

	ndev = nproc = nsample = nerr = 0;
	init_rc = OK;
	fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0)
		return;
	while (len < (ssize_t)sizeof(buf) - 1 &&
	       (r = read(fd, buf + len, sizeof(buf) - 1 - (size_t)len)) > 0)
		len += r;
	close(fd);
	buf[len] = '\0';
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		script_line(line);
}

/* ---- helpers ---- */

static int dev_index(nvmlDevice_t d)
{
	if (d < devs || d >= devs + ndev)
		return -1;
	return (int)(d - devs);
}

/* The scripted error for fn on device i, or OK. */
static nvmlReturn_t scripted(int i, const char *fn)
{
	for (unsigned k = 0; k < nerr; k++)
		if ((errs[k].dev == -1 || errs[k].dev == i) &&
		    strcmp(errs[k].fn, fn) == 0)
			return errs[k].rc;
	return OK;
}

/* Common entry: counts the call, checks init and the handle. */
static nvmlReturn_t enter(nvmlDevice_t d, const char *fn, int *i)
{
	fake_nvml_calls++;
	if (!refs)
		return UNINITIALIZED;
	*i = dev_index(d);
	if (*i < 0)
		return INVALID_ARGUMENT;
	return scripted(*i, fn);
}

static unsigned long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (unsigned long long)ts.tv_sec * 1000000ull +
	       (unsigned long long)ts.tv_nsec / 1000ull;
}

/* ---- the library's functions ---- */

EXPORT nvmlReturn_t nvmlInit(void);
EXPORT nvmlReturn_t nvmlShutdown(void);
EXPORT const char *nvmlErrorString(nvmlReturn_t rc);
EXPORT nvmlReturn_t nvmlDeviceGetCount(unsigned *count);
EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex(unsigned i, nvmlDevice_t *d);
EXPORT nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t d, char *name, unsigned len);
EXPORT nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t d, char *uuid, unsigned len);
EXPORT nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t d,
						  nvmlUtilization_t *u);
EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t d, nvmlMemory_t *m);
EXPORT nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t d, unsigned *mw);
EXPORT nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t d, int sensor,
					     unsigned *c);
EXPORT nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t d, int type,
					   unsigned *mhz);
EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses(
	nvmlDevice_t d, unsigned *count, nvmlProcessInfo_v1_t *info);
EXPORT nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses(
	nvmlDevice_t d, unsigned *count, nvmlProcessInfo_v1_t *info);
EXPORT nvmlReturn_t nvmlDeviceGetProcessUtilization(
	nvmlDevice_t d, nvmlProcessUtilizationSample_t *u, unsigned *count,
	unsigned long long last_seen);

nvmlReturn_t nvmlInit(void)
{
	fake_nvml_calls++;
	if (refs == 0)
		fake_nvml_reload();
	if (init_rc != OK)
		return init_rc;
	refs++;
	return OK;
}

nvmlReturn_t nvmlShutdown(void)
{
	fake_nvml_calls++;
	if (!refs)
		return UNINITIALIZED;
	refs--;
	return OK;
}

const char *nvmlErrorString(nvmlReturn_t rc)
{
	return rc == OK ? "Success" : "Fake error";
}

nvmlReturn_t nvmlDeviceGetCount(unsigned *count)
{
	fake_nvml_calls++;
	if (!refs)
		return UNINITIALIZED;
	*count = ndev;
	return OK;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex(unsigned i, nvmlDevice_t *d)
{
	fake_nvml_calls++;
	if (!refs)
		return UNINITIALIZED;
	if (i >= ndev)
		return INVALID_ARGUMENT;
	if (!devs[i].perm)
		return NO_PERMISSION;
	*d = &devs[i];
	return OK;
}

static nvmlReturn_t copy_str(const char *s, char *dst, unsigned len)
{
	if (strlen(s) + 1 > len)
		return INSUFFICIENT_SIZE;
	memcpy(dst, s, strlen(s) + 1);
	return OK;
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t d, char *name, unsigned len)
{
	int i;
	nvmlReturn_t rc = enter(d, __func__, &i);

	return rc != OK ? rc : copy_str(devs[i].name, name, len);
}

nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t d, char *uuid, unsigned len)
{
	int i;
	nvmlReturn_t rc = enter(d, __func__, &i);

	return rc != OK ? rc : copy_str(devs[i].uuid, uuid, len);
}

nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t d,
					   nvmlUtilization_t *u)
{
	int i;
	nvmlReturn_t rc = enter(d, __func__, &i);

	if (rc != OK)
		return rc;
	if (devs[i].mig)
		return NOT_SUPPORTED;
	u->gpu = devs[i].util;
	u->memory = 0;
	return OK;
}

/* v1: used counts the driver's reserve too. */
nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t d, nvmlMemory_t *m)
{
	int i;
	nvmlReturn_t rc = enter(d, __func__, &i);

	if (rc != OK)
		return rc;
	m->total = devs[i].total;
	m->used = devs[i].used + devs[i].reserved;
	m->free = m->total - m->used;
	return OK;
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t d, unsigned *mw)
{
	int i;
	nvmlReturn_t rc = enter(d, __func__, &i);

	if (rc == OK)
		*mw = devs[i].power;
	return rc;
}

nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t d, int sensor, unsigned *c)
{
	int i;
	nvmlReturn_t rc = enter(d, __func__, &i);

	if (rc == OK && sensor != 0)
		return INVALID_ARGUMENT;
	if (rc == OK)
		*c = devs[i].temp;
	return rc;
}

nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t d, int type, unsigned *mhz)
{
	int i;
	nvmlReturn_t rc = enter(d, __func__, &i);

	if (rc == OK && type != 1)
		return INVALID_ARGUMENT;
	if (rc == OK)
		*mhz = devs[i].clock;
	return rc;
}

/* A process list with NVML's size protocol; entries of `size` bytes, the
 * v2 and later ones with instance ids. */
static nvmlReturn_t list(int i, int graphics, unsigned *count, void *info,
			 size_t size)
{
	unsigned n = 0, k = 0;

	for (unsigned p = 0; p < nproc; p++)
		n += procs[p].dev == (unsigned)i && procs[p].graphics == (unsigned)graphics;
	if (!info || *count < n) {
		*count = n;
		return n ? INSUFFICIENT_SIZE : OK;
	}
	for (unsigned p = 0; p < nproc; p++) {
		fake_info_535_t e;
		if (procs[p].dev != (unsigned)i || procs[p].graphics != (unsigned)graphics)
			continue;
		memset(&e, 0, sizeof(e));
		e.pid = procs[p].pid;
		e.usedGpuMemory = procs[p].mem;
		e.gpuInstanceId = e.computeInstanceId =
			devs[i].mig ? 0 : 0xFFFFFFFFu;
		memcpy((char *)info + k++ * size, &e, size);
	}
	*count = n;
	return OK;
}

nvmlReturn_t nvmlDeviceGetComputeRunningProcesses(nvmlDevice_t d,
						  unsigned *count,
						  nvmlProcessInfo_v1_t *info)
{
	int i;
	nvmlReturn_t rc = enter(d, __func__, &i);

	return rc != OK ? rc : list(i, 0, count, info, sizeof(*info));
}

nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses(nvmlDevice_t d,
						   unsigned *count,
						   nvmlProcessInfo_v1_t *info)
{
	int i;
	nvmlReturn_t rc = enter(d, __func__, &i);

	return rc != OK ? rc : list(i, 1, count, info, sizeof(*info));
}

/* Samples newer than last_seen (strictly), NOT_FOUND when none. */
nvmlReturn_t nvmlDeviceGetProcessUtilization(nvmlDevice_t d,
					     nvmlProcessUtilizationSample_t *u,
					     unsigned *count,
					     unsigned long long last_seen)
{
	unsigned long long now = now_us();
	unsigned n = 0, k = 0, s;
	int i;
	nvmlReturn_t rc = enter(d, __func__, &i);

	if (rc != OK)
		return rc;
	if (devs[i].mig)
		return NOT_SUPPORTED;
	for (s = 0; s < nsample; s++)
		n += samples[s].dev == (unsigned)i &&
		     (samples[s].now ? now : samples[s].ts) > last_seen;
	if (n == 0) {
		*count = 0;
		return NOT_FOUND;
	}
	if (!u || *count < n) {
		*count = n;
		return INSUFFICIENT_SIZE;
	}
	for (s = 0; s < nsample; s++) {
		unsigned long long ts = samples[s].now ? now : samples[s].ts;
		if (samples[s].dev != (unsigned)i || ts <= last_seen)
			continue;
		memset(&u[k], 0, sizeof(u[k]));
		u[k].pid = samples[s].pid;
		u[k].timeStamp = ts;
		u[k++].smUtil = samples[s].sm;
	}
	*count = n;
	return OK;
}

#ifndef FAKE_NVML_OLD
EXPORT nvmlReturn_t nvmlInit_v2(void);
EXPORT nvmlReturn_t nvmlDeviceGetCount_v2(unsigned *count);
EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned i, nvmlDevice_t *d);
EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t d,
					       nvmlMemory_v2_t *m);
EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v2(
	nvmlDevice_t d, unsigned *count, nvmlProcessInfo_v2_t *info);
EXPORT nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses_v2(
	nvmlDevice_t d, unsigned *count, nvmlProcessInfo_v2_t *info);
EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(
	nvmlDevice_t d, unsigned *count, nvmlProcessInfo_v2_t *info);
EXPORT nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses_v3(
	nvmlDevice_t d, unsigned *count, nvmlProcessInfo_v2_t *info);
EXPORT nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t d, unsigned *cur,
					 unsigned *pending);

nvmlReturn_t nvmlInit_v2(void)
{
	return nvmlInit();
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned *count)
{
	return nvmlDeviceGetCount(count);
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned i, nvmlDevice_t *d)
{
	return nvmlDeviceGetHandleByIndex(i, d);
}

/* The version must be sizeof | 2 << 24 (0x02000028), not 2. */
nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t d, nvmlMemory_v2_t *m)
{
	int i;
	nvmlReturn_t rc = enter(d, __func__, &i);

	if (rc != OK)
		return rc;
	if (m->version != ((unsigned)sizeof(*m) | 2u << 24))
		return ARGUMENT_VERSION_MISMATCH;
	m->total = devs[i].total;
	m->reserved = devs[i].reserved;
	m->used = devs[i].used;
	m->free = m->total - m->used - m->reserved;
	return OK;
}

nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v2(
	nvmlDevice_t d, unsigned *count, nvmlProcessInfo_v2_t *info)
{
	int i;
	nvmlReturn_t rc = enter(d, __func__, &i);

	return rc != OK ? rc : list(i, 0, count, info, sizeof(*info));
}

nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses_v2(
	nvmlDevice_t d, unsigned *count, nvmlProcessInfo_v2_t *info)
{
	int i;
	nvmlReturn_t rc = enter(d, __func__, &i);

	return rc != OK ? rc : list(i, 1, count, info, sizeof(*info));
}

/* The trap: a caller using the 24-byte struct reads garbage. */
nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(
	nvmlDevice_t d, unsigned *count, nvmlProcessInfo_v2_t *info)
{
	int i;
	nvmlReturn_t rc = enter(d, __func__, &i);

	fake_nvml_v3_calls++;
	return rc != OK ? rc : list(i, 0, count, info, sizeof(fake_info_535_t));
}

nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses_v3(
	nvmlDevice_t d, unsigned *count, nvmlProcessInfo_v2_t *info)
{
	int i;
	nvmlReturn_t rc = enter(d, __func__, &i);

	fake_nvml_v3_calls++;
	return rc != OK ? rc : list(i, 1, count, info, sizeof(fake_info_535_t));
}

nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t d, unsigned *cur,
				  unsigned *pending)
{
	int i;
	nvmlReturn_t rc = enter(d, __func__, &i);

	if (rc == OK)
		*cur = *pending = devs[i].mig;
	return rc;
}
#endif
