/* gpu_drm.c - the DRM back end (AMD, Intel and any driver that publishes
 * usage stats): per process from /proc/PID/fdinfo of its DRM descriptors
 * (kernel Documentation/gpu/drm-usage-stats.rst), per device from sysfs
 * (amdgpu's gpu_busy_percent and mem_info_vram_*, hwmon power and
 * temperature). */
#include "gpu_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"
#include "text.h"

/* Drivers that publish drm-engine or drm-cycles keys.  Others (server
 * BMC graphics such as ast or mgag200, virtual displays, nvidia-drm,
 * which NVML covers) have no usage to read and are no GPU here. */
static const char *const drm_drivers[] = {
	"amdgpu", "i915", "xe", "msm", "panfrost", "panthor", "v3d", "lima",
	"etnaviv",
};

/* ---- fdinfo parsing ---- */

/* Copy [s, e) into dst[size], cut, terminated. */
static void drm_copy(char *dst, size_t size, const char *s, const char *e)
{
	size_t n = (size_t)(e - s);

	if (n > size - 1)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* The number at [s, e) followed by nothing, " ns", or a size unit; the
 * value in the unit `kib` asks for (1: KiB, 0: as written).  -1 when the
 * line is anything else. */
static int drm_number(const char *s, const char *e, int kib, uint64_t *out)
{
	uint64_t v, mul = 1;
	const char *p;

	if (text_parse_u64(s, e, &v, &p) < 0)
		return -1;
	p = text_skip_blanks(p, e);
	if (p == e)
		;
	else if (!kib && e - p == 2 && memcmp(p, "ns", 2) == 0)
		;
	else if (kib && e - p == 3 && memcmp(p, "KiB", 3) == 0)
		mul = 1024;
	else if (kib && e - p == 3 && memcmp(p, "MiB", 3) == 0)
		mul = 1024 * 1024;
	else if (kib && e - p == 3 && memcmp(p, "GiB", 3) == 0)
		mul = 1024ull * 1024 * 1024;
	else
		return -1;
	if (kib) {
		/* bytes, saturating: a hostile 2^64 GiB is no wrap */
		v = v > UINT64_MAX / mul ? UINT64_MAX : v * mul;
		v /= 1024;
	}
	*out = v;
	return 0;
}

/* The engine named [s, e), added when new; NULL past the table. */
static struct gpu_fdinfo_engine *drm_fd_engine(struct gpu_fdinfo *f,
					       const char *s, const char *e)
{
	char name[sizeof(f->eng[0].name)];
	unsigned i;

	if (s == e || (size_t)(e - s) >= sizeof(name))
		return NULL;
	drm_copy(name, sizeof(name), s, e);
	for (i = 0; i < f->neng; i++)
		if (strcmp(f->eng[i].name, name) == 0)
			return &f->eng[i];
	if (f->neng == GPU_DRM_MAX_ENGINES)
		return NULL;
	memset(&f->eng[f->neng], 0, sizeof(f->eng[0]));
	memcpy(f->eng[f->neng].name, name, sizeof(name));
	return &f->eng[f->neng++];
}

/* Device-local memory regions: amdgpu and xe "vram", i915 "local0". */
static int drm_vram_region(const char *s, const char *e)
{
	return (e - s >= 4 && memcmp(s, "vram", 4) == 0) ||
	       (e - s >= 5 && memcmp(s, "local", 5) == 0);
}

static int drm_prefix(const char **k, const char *ke, const char *prefix)
{
	size_t n = strlen(prefix);

	if ((size_t)(ke - *k) <= n || memcmp(*k, prefix, n) != 0)
		return 0;
	*k += n;
	return 1;
}

/* An engine key (name from k to ke) with its value. */
static void drm_engine_key(struct gpu_fdinfo *f, const char *k,
			   const char *ke, const char *v, const char *ve,
			   unsigned what)
{
	struct gpu_fdinfo_engine *en;
	uint64_t x;

	if (drm_number(v, ve, 0, &x) < 0 || !(en = drm_fd_engine(f, k, ke)))
		return;
	if (what == GPU_FDINFO_NS)
		en->ns = x;
	else if (what == GPU_FDINFO_CYCLES)
		en->cycles = x;
	else if (what == GPU_FDINFO_TOTAL)
		en->total = x;
	else
		en->capacity = x;
	en->has |= what;
}

static void drm_memory_key(const char *k, const char *ke, const char *v,
			   const char *ve, uint64_t *sum, int *has)
{
	uint64_t x;

	if (!drm_vram_region(k, ke) || drm_number(v, ve, 1, &x) < 0)
		return;
	*sum = *sum > UINT64_MAX - x ? UINT64_MAX : *sum + x;
	*has = 1;
}

/* One "key:<blanks>value" line, key [k, ke), value [v, ve). */
static void drm_line(struct gpu_fdinfo *f, const char *k, const char *ke,
		     const char *v, const char *ve)
{
	if (!drm_prefix(&k, ke, "drm-"))
		return;
	if (ke - k == 6 && memcmp(k, "driver", 6) == 0)
		drm_copy(f->driver, sizeof(f->driver), v, ve);
	else if (ke - k == 4 && memcmp(k, "pdev", 4) == 0)
		drm_copy(f->pdev, sizeof(f->pdev), v, ve);
	else if (ke - k == 9 && memcmp(k, "client-id", 9) == 0)
		f->has_client_id = drm_number(v, ve, 0, &f->client_id) == 0;
	else if (drm_prefix(&k, ke, "engine-capacity-"))
		drm_engine_key(f, k, ke, v, ve, 0);
	else if (drm_prefix(&k, ke, "engine-"))
		drm_engine_key(f, k, ke, v, ve, GPU_FDINFO_NS);
	else if (drm_prefix(&k, ke, "cycles-"))
		drm_engine_key(f, k, ke, v, ve, GPU_FDINFO_CYCLES);
	else if (drm_prefix(&k, ke, "total-cycles-"))
		drm_engine_key(f, k, ke, v, ve, GPU_FDINFO_TOTAL);
	else if (drm_prefix(&k, ke, "resident-"))
		drm_memory_key(k, ke, v, ve, &f->resident_kib,
			       &f->has_resident);
	else if (drm_prefix(&k, ke, "memory-"))
		drm_memory_key(k, ke, v, ve, &f->memory_kib, &f->has_memory);
}

int gpu_fdinfo_parse(const char *buf, size_t len, struct gpu_fdinfo *f)
{
	const char *p = buf, *end = buf + len;

	memset(f, 0, sizeof(*f));
	for (; p < end; p = text_next_line(p, end)) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *colon, *v;

		eol = eol ? eol : end;
		colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon)
			continue;
		v = text_skip_blanks(colon + 1, eol);
		while (eol > v && (eol[-1] == ' ' || eol[-1] == '\t' ||
				   eol[-1] == '\r'))
			eol--;
		drm_line(f, p, colon, v, eol);
	}
	return f->driver[0] ? 0 : -EINVAL;
}

/* ---- devices (sysfs) ---- */

/* The last component of the symlink at path into dst[size]; -1 when it
 * is no link or does not fit. */
static int drm_link_name(const char *path, char *dst, size_t size)
{
	char buf[GPU_PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	const char *s;

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	s = strrchr(buf, '/');
	s = s ? s + 1 : buf;
	if (!*s || strlen(s) >= size)
		return -1;
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

static int drm_known(const char *driver)
{
	size_t i;

	for (i = 0; i < sizeof(drm_drivers) / sizeof(drm_drivers[0]); i++)
		if (strcmp(drm_drivers[i], driver) == 0)
			return 1;
	return 0;
}

/* "cardN" (no connector: card0-DP-1) and its N. */
static int drm_card_number(const char *name, unsigned *n)
{
	uint64_t v;
	const char *e = name + strlen(name), *p;

	if (strncmp(name, "card", 4) != 0 ||
	    text_parse_u64(name + 4, e, &v, &p) < 0 || p != e || v > 4096)
		return -1;
	*n = (unsigned)v;
	return 0;
}

struct drm_cards {
	unsigned num[RT_GPU_MAX_DEVICES];
	unsigned n;
};

static int drm_card_each(const char *name, void *ctx)
{
	struct drm_cards *c = ctx;
	unsigned v, i;

	if (drm_card_number(name, &v) < 0 || c->n == RT_GPU_MAX_DEVICES)
		return 0;
	/* sorted: device indices follow the card numbers */
	for (i = c->n++; i > 0 && c->num[i - 1] > v; i--)
		c->num[i] = c->num[i - 1];
	c->num[i] = v;
	return 0;
}

static void drm_list_cards(const char *sysroot, struct drm_cards *c)
{
	char path[GPU_PATH_MAX];
	int fd;

	c->n = 0;
	if (text_join(path, sizeof(path), sysroot, "class/drm") < 0)
		return;
	fd = text_open(path, O_DIRECTORY);
	if (fd < 0)
		return;
	text_dir_each(fd, drm_card_each, c);
	text_close(fd);
}

/* cardN's device directory, its PCI address (or platform name) and its
 * driver; 0 when the driver publishes usage stats. */
static int drm_card(const char *sysroot, unsigned num, char *dir,
		    char *pdev, size_t pdev_size, char *driver, size_t drv_size)
{
	char name[32] = "class/drm/card", path[GPU_PATH_MAX];
	size_t n = strlen(name);

	name[n + text_put_u64(name + n, num)] = '\0';
	if (text_join(path, sizeof(path), sysroot, name) < 0 ||
	    text_join(dir, GPU_PATH_MAX, path, "device") < 0 ||
	    drm_link_name(dir, pdev, pdev_size) < 0 ||
	    text_join(path, sizeof(path), dir, "driver") < 0 ||
	    drm_link_name(path, driver, drv_size) < 0)
		return -1;
	return drm_known(driver) ? 0 : -1;
}

unsigned gpu_drm_probe(const char *sysroot)
{
	char dir[GPU_PATH_MAX], pdev[RT_GPU_STR_MAX], drv[RT_GPU_STR_MAX];
	struct drm_cards c;
	unsigned i, found = 0;

	drm_list_cards(sysroot, &c);
	for (i = 0; i < c.n; i++)
		found += drm_card(sysroot, c.num[i], dir, pdev, sizeof(pdev),
				  drv, sizeof(drv)) == 0;
	return found;
}

static int drm_hwmon_each(const char *name, void *ctx)
{
	char *dst = ctx;

	if (strncmp(name, "hwmon", 5) != 0)
		return 0;
	return text_join(dst, GPU_PATH_MAX, dst, name) == 0 ? 1 : 0;
}

/* The device's first hwmon directory (power, temperature), or "". */
static void drm_hwmon(const char *dir, char *hwmon)
{
	int fd;

	if (text_join(hwmon, GPU_PATH_MAX, dir, "hwmon") < 0) {
		hwmon[0] = '\0';
		return;
	}
	fd = text_open(hwmon, O_DIRECTORY);
	if (fd < 0 || text_dir_each(fd, drm_hwmon_each, hwmon) != 1)
		hwmon[0] = '\0';
	if (fd >= 0)
		text_close(fd);
}

static int drm_seen(const struct gpu *g, const char *pdev)
{
	unsigned i;

	for (i = 0; i < g->ndev; i++)
		if (g->dev[i].source == RT_GPU_DRM &&
		    strcmp(g->dev[i].id, pdev) == 0)
			return 1;
	return 0;
}

unsigned gpu_drm_init(struct gpu *g, const char *sysroot)
{
	struct drm_cards c;
	unsigned i, first = g->ndev;

	drm_list_cards(sysroot, &c);
	for (i = 0; i < c.n && g->ndev < RT_GPU_MAX_DEVICES; i++) {
		struct rt_gpu_dev *d = &g->dev[g->ndev];
		struct gpu_drm_dev *dd = &g->drm[g->ndev];

		memset(d, 0, sizeof(*d));
		memset(dd, 0, sizeof(*dd));
		if (drm_card(sysroot, c.num[i], dd->dir, d->id, sizeof(d->id),
			     d->name, sizeof(d->name)) < 0 ||
		    drm_seen(g, d->id))
			continue;
		d->source = RT_GPU_DRM;
		drm_hwmon(dd->dir, dd->hwmon);
		g->ndev++;
	}
	return g->ndev - first;
}

/* A small sysfs number (dir + name); -1 when absent or malformed. */
static int drm_read_u64(const char *dir, const char *name, uint64_t *out)
{
	char path[GPU_PATH_MAX], buf[64];
	const char *p, *end;
	ssize_t n;

	if (!dir[0] || text_join(path, sizeof(path), dir, name) < 0)
		return -1;
	n = text_read_file(path, buf, sizeof(buf));
	if (n <= 0)
		return -1;
	end = buf + n;
	if (text_parse_u64(text_skip_blanks(buf, end), end, out, &p) < 0)
		return -1;
	return p == end || *p == '\n' ? 0 : -1;
}

static void drm_sysfs(const struct gpu_drm_dev *d, struct rt_gpu_values *v)
{
	uint64_t x;

	/* amdgpu; may fail (EPERM) while the GPU resets */
	if (drm_read_u64(d->dir, "gpu_busy_percent", &x) == 0 && x <= 100)
		gpu_put(v, RT_G_util_pct, x);
	if (drm_read_u64(d->dir, "mem_info_vram_used", &x) == 0)
		gpu_put(v, RT_G_mem_used_kib, x / 1024);
	if (drm_read_u64(d->dir, "mem_info_vram_total", &x) == 0)
		gpu_put(v, RT_G_mem_total_kib, x / 1024);
	/* hwmon: microwatts and millidegrees */
	if (drm_read_u64(d->hwmon, "power1_average", &x) == 0 ||
	    drm_read_u64(d->hwmon, "power1_input", &x) == 0)
		gpu_put(v, RT_G_power_mw, x / 1000);
	if (drm_read_u64(d->hwmon, "temp1_input", &x) == 0)
		gpu_put(v, RT_G_temp_c, x / 1000);
}

/* ---- the tree's clients (fdinfo) ---- */

/* The DRM device of a client: by drm-pdev, else (platform devices have no
 * PCI address) the only device of its driver.  -1 when none. */
static int drm_device_of(const struct gpu *g, const struct gpu_fdinfo *f)
{
	int found = -1;
	unsigned i;

	for (i = g->nnvml; i < g->ndev; i++) {
		if (f->pdev[0]) {
			if (strcmp(g->dev[i].id, f->pdev) == 0)
				return (int)i;
		} else if (strcmp(g->dev[i].name, f->driver) == 0) {
			/* two of them: which one is unknown */
			if (found >= 0)
				return -1;
			found = (int)i;
		}
	}
	return found;
}

static struct gpu_drm_client *drm_client(struct gpu *g, unsigned dev,
					 uint64_t id)
{
	unsigned i;

	for (i = 0; i < GPU_DRM_MAX_CLIENTS; i++)
		if (g->client[i].gen && g->client[i].dev == dev &&
		    g->client[i].id == id)
			return &g->client[i];
	return NULL;
}

static struct gpu_drm_client *drm_client_new(struct gpu *g, unsigned dev,
					     uint64_t id)
{
	unsigned i;

	for (i = 0; i < GPU_DRM_MAX_CLIENTS; i++) {
		struct gpu_drm_client *c = &g->client[i];
		if (c->gen)
			continue;
		memset(c, 0, sizeof(*c));
		c->id = id;
		c->dev = (uint8_t)dev;
		return c;
	}
	return NULL;
}

/* The device's index of an engine name, added when new; -1 past the
 * table. */
static int drm_engine(struct gpu_drm_dev *d, const char *name)
{
	unsigned i;

	for (i = 0; i < d->nengines; i++)
		if (strcmp(d->engine[i], name) == 0)
			return (int)i;
	if (d->nengines == GPU_DRM_MAX_ENGINES)
		return -1;
	memcpy(d->engine[d->nengines], name, sizeof(d->engine[0]));
	return (int)d->nengines++;
}

static uint64_t drm_sat_sub(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* Take one engine's counters into the client; with `delta`, what they grew
 * by since it was last seen goes to the device's sums.  Engine time may go
 * backwards (the document says so): the larger value is kept. */
static void drm_engine_update(struct gpu_drm_dev *d, struct gpu_drm_client *c,
			      const struct gpu_fdinfo_engine *e, int delta)
{
	int k = drm_engine(d, e->name);

	if (k < 0)
		return;
	if (e->has & GPU_FDINFO_NS) {
		if (delta)
			d->busy_ns[k] += drm_sat_sub(e->ns, c->ns[k]);
		if (e->ns > c->ns[k] || !delta)
			c->ns[k] = e->ns;
	}
	if ((e->has & GPU_FDINFO_CYCLES) && (e->has & GPU_FDINFO_TOTAL)) {
		uint64_t dt = drm_sat_sub(e->total, c->total[k]);
		if (delta) {
			d->cycles[k] += drm_sat_sub(e->cycles, c->cycles[k]);
			if (dt > d->total[k])
				d->total[k] = dt;
		}
		c->cycles[k] = e->cycles;
		c->total[k] = e->total;
	}
	if (e->capacity)
		d->capacity[k] = e->capacity;
}

/* ---- which descriptors of a process are DRM clients ----
 *
 * Reading a process's fd directory (getdents, then a readlink per
 * descriptor) is the costly part of the step, and most tracked processes
 * hold no DRM descriptor.  So each process has a slot in g->proc that
 * remembers its DRM descriptors: the directory is read when the process
 * first shows in the tree and then every GPU_DRM_RESCAN samples, in a
 * phase set by its pid so that the reads spread over the samples; in
 * between, only the fdinfo of the remembered descriptors is read.  That
 * fdinfo is its own check: a descriptor closed (no fdinfo) or reused for a
 * file that is no DRM client of a known device drops out at once, and one
 * reused for another DRM client is that client.  Hence the bound: a DRM
 * descriptor that a tracked process opens is counted from the first
 * sample of a new process, else within GPU_DRM_RESCAN samples.
 *
 * Slots are keyed by pid alone (the tree gives no start time): a pid that
 * a new process of the tree took between two samples keeps the old
 * remembered descriptors, which the fdinfo check above sorts out, and its
 * other DRM descriptors are found within the same bound.  A process that
 * finds no slot (GPU_DRM_PROBES taken by live processes) or that holds
 * more than GPU_DRM_PROC_FDS DRM descriptors has its directory read every
 * sample: correct, at the old cost. */

static uint32_t drm_prev_gen(uint32_t gen)
{
	return gen == 1 ? UINT32_MAX : gen - 1;
}

/* Slots not seen in this sample or the previous one are free: their
 * process left the tree.  Freeing lazily may cut a probe chain, which
 * makes a process behind the cut look new: one extra directory read,
 * never a missed one. */
static int drm_proc_live(const struct gpu *g, const struct gpu_drm_proc *p)
{
	return p->seen &&
	       (p->seen == g->gen || p->seen == drm_prev_gen(g->gen));
}

/* pid's slot: the one it had (*fresh = 0) or a free one, reset (*fresh =
 * 1); NULL when none of its probes is free. */
static struct gpu_drm_proc *drm_proc(struct gpu *g, int32_t pid, int *fresh)
{
	uint32_t h = ((uint32_t)pid * 2654435761u) >> (32 - GPU_DRM_PROC_BITS);
	unsigned i;

	for (i = 0; i < GPU_DRM_PROBES; i++) {
		struct gpu_drm_proc *p = &g->proc[(h + i) % GPU_DRM_PROCS];
		if (!drm_proc_live(g, p)) {
			memset(p, 0, sizeof(*p));
			p->pid = pid;
			*fresh = 1;
			return p;
		}
		if (p->pid == pid) {
			*fresh = 0;
			return p;
		}
	}
	return NULL;
}

struct drm_scan {
	struct gpu *g;
	int32_t pid;
	int dirfd;
	unsigned nfds;
	uint32_t devs;    /* devices this process holds a client of */
	unsigned *flags;  /* RT_GPU_F_PROCS_CUT when the client table is full */
	struct gpu_drm_proc *proc; /* its slot, or NULL */
};

/* A DRM client of the tree: counted once however many processes and
 * descriptors share it (children inherit DRM descriptors).  1 when f is a
 * client of one of the devices (counted now or before), 0 when not. */
static int drm_account(struct drm_scan *sc, const struct gpu_fdinfo *f)
{
	struct gpu *g = sc->g;
	int dev = drm_device_of(g, f);
	struct gpu_drm_client *c;
	struct gpu_drm_dev *d;
	int known;
	unsigned i;

	if (dev < 0 || !f->has_client_id)
		return 0;
	sc->devs |= 1u << dev;
	c = drm_client(g, (unsigned)dev, f->client_id);
	if (c && c->gen == g->gen)
		return 1;
	known = c != NULL;
	if (!c && !(c = drm_client_new(g, (unsigned)dev, f->client_id))) {
		*sc->flags |= 1u << dev;
		return 1;
	}
	d = &g->drm[dev];
	d->clients = 1;
	d->mem_kib += f->has_resident ? f->resident_kib : f->memory_kib;
	/* A new client's counters are its baseline: when they grew is
	 * unknown. */
	for (i = 0; i < f->neng; i++)
		drm_engine_update(d, c, &f->eng[i], known);
	c->gen = g->gen;
	return 1;
}

/* Read and count the fdinfo of descriptor `name`; 1 when it is a client
 * of one of the devices.  Unreadable (closed, not dumpable, gone) or
 * over-full: 0. */
static int drm_fdinfo(struct drm_scan *sc, const char *name)
{
	char tail[32] = "fdinfo/", path[GPU_PATH_MAX];
	struct gpu_fdinfo f;
	ssize_t n;

	if (strlen(name) > sizeof(tail) - 8)
		return 0;
	memcpy(tail + 7, name, strlen(name) + 1);
	if (procfs_path(path, sizeof(path), sc->g->procroot, sc->pid,
			tail) < 0)
		return 0;
	n = text_read_file(path, sc->g->fdinfo, sizeof(sc->g->fdinfo));
	return n > 0 && gpu_fdinfo_parse(sc->g->fdinfo, (size_t)n, &f) == 0 &&
	       drm_account(sc, &f);
}

/* Remember descriptor `name` as a DRM client of the process. */
static void drm_remember(struct drm_scan *sc, const char *name)
{
	struct gpu_drm_proc *p = sc->proc;
	uint64_t fd;
	const char *e = name + strlen(name), *end;

	if (!p)
		return;
	if (p->nfd == GPU_DRM_PROC_FDS ||
	    text_parse_u64(name, e, &fd, &end) < 0 || end != e ||
	    fd > INT32_MAX)
		p->every = 1;
	else
		p->fd[p->nfd++] = (int32_t)fd;
}

static int drm_fd_each(const char *name, void *ctx)
{
	struct drm_scan *sc = ctx;
	char link[64];
	ssize_t n;

	if (name[0] == '.')
		return 0;
	if (++sc->nfds > GPU_DRM_MAX_FDS) {
		/* not every descriptor seen: look again next sample */
		if (sc->proc)
			sc->proc->every = 1;
		return 1;
	}
	n = readlinkat(sc->dirfd, name, link, sizeof(link) - 1);
	if (n >= 9 && memcmp(link, "/dev/dri/", 9) == 0 &&
	    drm_fdinfo(sc, name))
		drm_remember(sc, name);
	return 0;
}

/* Read the process's fd directory: every DRM descriptor it holds. */
static void drm_scan_dir(struct drm_scan *sc)
{
	char path[GPU_PATH_MAX];

	if (sc->proc)
		sc->proc->nfd = sc->proc->every = 0;
	if (procfs_path(path, sizeof(path), sc->g->procroot, sc->pid,
			"fd") < 0)
		return;
	sc->dirfd = text_open(path, O_DIRECTORY);
	if (sc->dirfd < 0)
		return;
	text_dir_each(sc->dirfd, drm_fd_each, sc);
	text_close(sc->dirfd);
}

/* Only the descriptors remembered, those still DRM clients kept. */
static void drm_read_known(struct drm_scan *sc)
{
	struct gpu_drm_proc *p = sc->proc;
	unsigned i, kept = 0;

	for (i = 0; i < p->nfd; i++) {
		char name[24];

		name[text_put_u64(name, (uint64_t)p->fd[i])] = '\0';
		if (drm_fdinfo(sc, name))
			p->fd[kept++] = p->fd[i];
	}
	p->nfd = (uint8_t)kept;
}

static void drm_process(struct gpu *g, int32_t pid, unsigned *cut)
{
	struct drm_scan sc = { g, pid, -1, 0, 0, cut, NULL };
	int fresh = 0;
	unsigned i;

	sc.proc = drm_proc(g, pid, &fresh);
	if (sc.proc && !fresh && sc.proc->seen == g->gen)
		return; /* listed twice */
	if (sc.proc)
		sc.proc->seen = g->gen;
	if (!sc.proc || fresh || sc.proc->every ||
	    (g->gen + (uint32_t)pid) % GPU_DRM_RESCAN == 0)
		drm_scan_dir(&sc);
	else
		drm_read_known(&sc);
	for (i = g->nnvml; i < g->ndev; i++)
		if (sc.devs >> i & 1)
			g->drm[i].procs++;
}

/* Busy share of the busiest engine over dt_ns, percent. */
static uint64_t drm_busy_pct(const struct gpu_drm_dev *d, uint64_t dt_ns)
{
	double best = 0;
	unsigned k;

	for (k = 0; k < d->nengines; k++) {
		double cap = d->capacity[k] ? (double)d->capacity[k] : 1.0;
		double u = (double)d->busy_ns[k] / ((double)dt_ns * cap);
		double c = d->total[k] ?
			(double)d->cycles[k] / (double)d->total[k] : 0.0;
		if (u > best)
			best = u;
		if (c > best)
			best = c;
	}
	return best >= 1.0 ? 100 : (uint64_t)(best * 100 + 0.5);
}

static void drm_tree(struct gpu *g, unsigned i, uint64_t now_ns, int cut)
{
	struct gpu_drm_dev *d = &g->drm[i];
	struct rt_gpu_values *v = &g->val[i];

	gpu_put(v, RT_G_tree_procs, d->procs);
	gpu_put(v, RT_G_tree_mem_kib, d->mem_kib);
	gpu_put(v, RT_G_flags, cut ? RT_GPU_F_PROCS_CUT : 0);
	if (!d->clients)
		gpu_put(v, RT_G_tree_util_pct, 0);
	else if (g->prev_ns && now_ns > g->prev_ns)
		gpu_put(v, RT_G_tree_util_pct,
			drm_busy_pct(d, now_ns - g->prev_ns));
	/* else the first sample: no engine time has a start yet */
}

static void drm_begin(struct gpu *g)
{
	unsigned i;

	if (++g->gen == 0)
		g->gen = 1;
	for (i = g->nnvml; i < g->ndev; i++) {
		struct gpu_drm_dev *d = &g->drm[i];
		memset(d->busy_ns, 0, sizeof(d->busy_ns));
		memset(d->cycles, 0, sizeof(d->cycles));
		memset(d->total, 0, sizeof(d->total));
		d->mem_kib = 0;
		d->procs = 0;
		d->clients = 0;
		drm_sysfs(d, &g->val[i]);
	}
}

/* Clients not seen in this sample are gone: their slots are free. */
static void drm_expire(struct gpu *g)
{
	unsigned i;

	for (i = 0; i < GPU_DRM_MAX_CLIENTS; i++)
		if (g->client[i].gen != g->gen)
			g->client[i].gen = 0;
}

void gpu_drm_sample(struct gpu *g, const struct gpu_tree *t, uint64_t now_ns)
{
	unsigned cut = 0, i;
	size_t k;

	if (g->nnvml == g->ndev)
		return;
	drm_begin(g);
	for (k = 0; k < t->n; k++)
		drm_process(g, t->pids[k], &cut);
	for (i = g->nnvml; i < g->ndev; i++)
		drm_tree(g, i, now_ns, (cut >> i & 1) != 0);
	drm_expire(g);
	g->prev_ns = now_ns;
}
