/* cgroup.c - the job's cgroup (cgroup.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "procfs.h"
#include "sysstat_impl.h"
#include "text.h"

#define CG_BUF 1024 /* the per-sample files are a few lines */
/* v1's "no limit" is the page counter's maximum in bytes (2^63 less a
 * page); anything this large limits nothing. */
#define CG_UNLIMITED ((uint64_t)1 << 62)

/* ---- parsers ---- */

/* Whether the comma-separated list [s, e) holds item. */
static int list_has(const char *s, const char *e, const char *item)
{
	size_t n = strlen(item);

	while (s < e) {
		const char *c = memchr(s, ',', (size_t)(e - s));
		const char *ie = c ? c : e;

		if ((size_t)(ie - s) == n && memcmp(s, item, n) == 0)
			return 1;
		s = ie + 1;
	}
	return 0;
}

int cgroup_parse_membership(const char *buf, size_t len,
			    const char *controller, char *dst, size_t size)
{
	const char *p = buf, *end = buf + len;

	for (; p < end; p = text_next_line(p, end)) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *c1 = memchr(p, ':', (size_t)(end - p)), *c2;
		size_t n;

		eol = eol ? eol : end;
		if (!c1 || c1 >= eol)
			continue;
		c2 = memchr(c1 + 1, ':', (size_t)(eol - c1 - 1));
		if (!c2)
			continue;
		if (controller ? !list_has(c1 + 1, c2, controller)
			       : !(c1 - p == 1 && *p == '0' && c2 == c1 + 1))
			continue;
		n = (size_t)(eol - c2 - 1);
		if (n == 0 || c2[1] != '/')
			continue;
		if (n >= size)
			return -ENAMETOOLONG;
		memcpy(dst, c2 + 1, n);
		dst[n] = '\0';
		return 0;
	}
	return -ENOENT;
}

/* The next blank-separated token of [*p, end): 1, or 0 at the end. */
static int token(const char **p, const char *end, const char **s,
		 const char **e)
{
	const char *q = text_skip_blanks(*p, end);

	if (q == end)
		return 0;
	*s = q;
	while (q < end && *q != ' ' && *q != '\t')
		q++;
	*e = q;
	*p = q;
	return 1;
}

static int token_is(const char *s, const char *e, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(e - s) == n && memcmp(s, word, n) == 0;
}

int cgroup_parse_mount(const char *line, const char *end,
		       const char *controller, char *root, size_t rsize,
		       char *mnt, size_t msize)
{
	const char *p = line, *s, *e, *rs = NULL, *re = NULL, *ms = NULL,
		   *me = NULL;
	int i, ret;

	/* id parent major:minor root mount-point options [optional...] -
	 * fstype source super-options */
	for (i = 0; i < 6; i++) {
		if (!token(&p, end, &s, &e))
			return -EINVAL;
		if (i == 3) {
			rs = s;
			re = e;
		} else if (i == 4) {
			ms = s;
			me = e;
		}
	}
	do {
		if (!token(&p, end, &s, &e))
			return -EINVAL;
	} while (!token_is(s, e, "-"));
	if (!token(&p, end, &s, &e))
		return -EINVAL;
	if (!controller) {
		if (!token_is(s, e, "cgroup2"))
			return 0;
	} else {
		if (!token_is(s, e, "cgroup"))
			return 0;
		if (!token(&p, end, &s, &e) || !token(&p, end, &s, &e))
			return -EINVAL;
		if (!list_has(s, e, controller))
			return 0;
	}
	ret = text_unescape_octal(rs, re, root, rsize);
	if (ret == 0)
		ret = text_unescape_octal(ms, me, mnt, msize);
	return ret < 0 ? ret : 1;
}

int cgroup_parse_limit(const char *buf, size_t len, uint64_t *v)
{
	const char *end = buf + len, *p = text_skip_blanks(buf, end);
	uint64_t x;

	if (end - p >= 3 && memcmp(p, "max", 3) == 0)
		return -ENODATA;
	if (p < end && *p == '-')
		return -ENODATA; /* v1 cpu.cfs_quota_us: -1 */
	if (text_parse_u64(p, end, &x, NULL) < 0)
		return -EINVAL;
	if (x >= CG_UNLIMITED)
		return -ENODATA;
	*v = x;
	return 0;
}

/* quota and period in µs into thousandths of a core. */
static int quota_mcores(uint64_t quota, uint64_t period, uint64_t *mcores)
{
	if (period == 0 || quota > UINT64_MAX / 1000)
		return -EINVAL;
	*mcores = quota * 1000 / period;
	return 0;
}

int cgroup_parse_cpu_max(const char *buf, size_t len, uint64_t *mcores)
{
	const char *end = buf + len, *p;
	uint64_t quota, period;
	int ret = cgroup_parse_limit(buf, len, &quota);

	if (ret < 0)
		return ret;
	p = text_skip_blanks(buf, end);
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	p = text_skip_blanks(p, end);
	if (text_parse_u64(p, end, &period, NULL) < 0)
		return -EINVAL;
	return quota_mcores(quota, period, mcores);
}

int cgroup_parse_psi_some(const char *buf, size_t len, uint64_t *total_us)
{
	const char *end = buf + len, *p, *eol, *t;

	if (len < 5 || memcmp(buf, "some ", 5) != 0)
		return -EINVAL;
	eol = memchr(buf, '\n', len);
	eol = eol ? eol : end;
	for (p = buf; (t = memchr(p, 't', (size_t)(eol - p))); p = t + 1)
		if (eol - t > 6 && memcmp(t, "total=", 6) == 0 &&
		    (t == buf || t[-1] == ' '))
			return text_parse_u64(t + 6, eol, total_us, NULL) < 0
				       ? -EINVAL
				       : 0;
	return -EINVAL;
}

/* ---- finding the directories ---- */

struct mount_want {
	const char *controller;  /* NULL: v2 */
	char root[CGROUP_PATH], mnt[CGROUP_PATH];
	int found;
};

struct mount_scan {
	struct mount_want w[3]; /* cpu, memory, v2 */
};

static int mount_line(const char *line, const char *end, int cut, void *ctx)
{
	struct mount_scan *m = ctx;
	unsigned i;

	if (cut)
		return 0; /* a mount point of 4 KiB is none of ours */
	for (i = 0; i < 3; i++) {
		struct mount_want *w = &m->w[i];
		if (!w->found &&
		    cgroup_parse_mount(line, end, w->controller, w->root,
				       sizeof(w->root), w->mnt,
				       sizeof(w->mnt)) == 1)
			w->found = 1;
	}
	return 0;
}

/* The directory of cgroup path in the hierarchy mounted at w: the mount
 * point (below sysroot when it is below /sys) and the path below the
 * mount's root.  "" when the path is not below that root. */
static void resolve(const struct mount_want *w, const char *path,
		    const char *sysroot, char *dst, size_t size)
{
	const char *mnt = w->mnt, *rest = path;
	size_t rlen = strlen(w->root);
	char *at = dst, *end = dst + size;

	dst[0] = '\0';
	if (!w->found)
		return;
	if (strcmp(w->root, "/") != 0) {
		if (strncmp(path, w->root, rlen) != 0 ||
		    (path[rlen] != '/' && path[rlen] != '\0'))
			return;
		rest = path + rlen;
	}
	if (strncmp(mnt, "/sys", 4) == 0 && (mnt[4] == '/' || !mnt[4])) {
		at = text_append(at, end, sysroot, size);
		mnt += 4;
	}
	at = text_append(at, end, mnt, size);
	if (strcmp(rest, "/") != 0)
		at = text_append(at, end, rest, size);
	if (at >= end - 1)
		dst[0] = '\0'; /* cut: a wrong directory is worse than none */
}

/* Parent of pid from its stat, or -1. */
static int32_t parent_of(const char *procroot, int32_t pid)
{
	char path[CGROUP_PATH], buf[1024];
	struct procfs_stat st;
	ssize_t n;

	if (procfs_path(path, sizeof(path), procroot, pid, "stat") < 0)
		return -1;
	n = text_read_head(path, buf, sizeof(buf));
	if (n <= 0 || procfs_parse_stat(buf, (size_t)n, &st) < 0)
		return -1;
	return st.ppid;
}

int cgroup_find(struct cgroup_job *cg, const char *procroot,
		const char *sysroot, int32_t pid)
{
	static const char *const ctl[3] = { "cpu", "memory", NULL };
	const struct sysstat_src src = { procroot, sysroot, NULL };
	struct mount_scan m;
	char path[CGROUP_PATH], buf[4096], cgpath[3][CGROUP_PATH];
	int has[3], saved = errno;
	int32_t p;
	ssize_t n;
	unsigned i;

	cg->found = 1;
	if (procfs_path(path, sizeof(path), procroot, pid, "cgroup") < 0)
		return -ENAMETOOLONG;
	n = text_read_head(path, buf, sizeof(buf));
	if (n < 0) {
		errno = saved;
		return (int)n;
	}
	memset(&m, 0, sizeof(m));
	for (i = 0; i < 3; i++) {
		m.w[i].controller = ctl[i];
		has[i] = cgroup_parse_membership(buf, (size_t)n, ctl[i],
						 cgpath[i],
						 sizeof(cgpath[i])) == 0;
	}
	(void)sysstat_stream_at(&src, procroot, "self/mountinfo", 0,
				mount_line, &m);
	if (has[2])
		resolve(&m.w[2], cgpath[2], sysroot, cg->unified,
			sizeof(cg->unified));
	for (i = 0; i < 2; i++) {
		char *dst = i == 0 ? cg->cpu : cg->mem;
		int *v2 = i == 0 ? &cg->cpu_v2 : &cg->mem_v2;

		/* A controller lives in one hierarchy: v1 where it is
		 * mounted there, else the unified one. */
		if (has[i] && m.w[i].found) {
			resolve(&m.w[i], cgpath[i], sysroot, dst, CGROUP_PATH);
			*v2 = 0;
		} else {
			text_copy(dst, CGROUP_PATH, cg->unified);
			*v2 = 1;
		}
	}
	/* The job's own ancestors (a shell, the rtrack wrapper) wait for it
	 * in its cgroup: they do not make it shared. */
	cg->nanc = 0;
	for (p = parent_of(procroot, pid); p > 0 && cg->nanc < CGROUP_ANCESTORS;
	     p = parent_of(procroot, p))
		cg->anc[cg->nanc++] = p;
	errno = saved;
	return 0;
}

/* ---- reading ---- */

void cgroup_init(struct cgroup_job *cg, int keep)
{
	unsigned i;

	memset(cg, 0, sizeof(*cg));
	for (i = 0; i < CGROUP_SLOTS; i++)
		cg->fd[i] = -1;
	cg->keep = keep;
}

void cgroup_close(struct cgroup_job *cg)
{
	unsigned i;

	for (i = 0; i < CGROUP_SLOTS; i++)
		if (cg->fd[i] >= 0) {
			text_close(cg->fd[i]);
			cg->fd[i] = -1;
		}
}

/* dir/name whole into buf: through the kept descriptor of slot when there
 * is one (CGROUP_SLOTS: never kept).  Length, or -errno. */
static ssize_t cg_read(struct cgroup_job *cg, unsigned slot, const char *dir,
		       const char *name, char *buf, size_t size)
{
	char path[CGROUP_PATH + 32];
	ssize_t n;
	int fd;

	if (!dir[0])
		return -ENOENT;
	if (slot < CGROUP_SLOTS && cg->fd[slot] >= 0) {
		n = text_pread_file(cg->fd[slot], buf, size - 1);
		if (n >= 0) {
			buf[n] = '\0';
			return n;
		}
		text_close(cg->fd[slot]);
		cg->fd[slot] = -1;
	}
	if (text_join(path, sizeof(path), dir, name) < 0)
		return -ENAMETOOLONG;
	fd = text_open(path, 0);
	if (fd < 0)
		return fd;
	n = text_pread_file(fd, buf, size - 1);
	if (n >= 0 && slot < CGROUP_SLOTS && cg->keep)
		cg->fd[slot] = fd;
	else
		text_close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* cpu.stat's throttling: time, periods and periods throttled. */
static void cg_cpu_stat(struct cgroup_job *cg, struct rt_sample *s)
{
	char buf[CG_BUF];
	ssize_t n = cg_read(cg, CG_K_CPU_STAT, cg->cpu, "cpu.stat", buf,
			    sizeof(buf));
	size_t len = n > 0 ? (size_t)n : 0;
	uint64_t v;

	if (text_key_u64(buf, len, cg->cpu_v2 ? "throttled_usec "
					      : "throttled_time ", &v) == 0)
		s->cg_throttled_ns = cg->cpu_v2 ? v * 1000 : v;
	else
		sample_set_missing(s, RT_F_cg_throttled_ns);
	if (text_key_u64(buf, len, "nr_periods ", &s->cg_cpu_periods) < 0)
		sample_set_missing(s, RT_F_cg_cpu_periods);
	if (text_key_u64(buf, len, "nr_throttled ",
			 &s->cg_cpu_periods_throttled) < 0)
		sample_set_missing(s, RT_F_cg_cpu_periods_throttled);
}

/* One value of dir/name, by parse (key: the line it starts, for
 * parse_key).  0, or -errno. */
typedef int (*cg_parse_fn)(const char *buf, size_t len, const char *key,
			   uint64_t *v);

static int cg_get(struct cgroup_job *cg, unsigned slot, const char *dir,
		  const char *name, cg_parse_fn parse, const char *key,
		  uint64_t *v)
{
	char buf[CG_BUF];
	ssize_t n = cg_read(cg, slot, dir, name, buf, sizeof(buf));

	return n < 0 ? (int)n : parse(buf, (size_t)n, key, v);
}

/* The number after key, with its blank ("oom_kill " is not
 * "oom_kill_disable"). */
static int parse_key(const char *buf, size_t len, const char *key,
		     uint64_t *v)
{
	return text_key_u64(buf, len, key, v) < 0 ? -EINVAL : 0;
}

static int parse_limit(const char *buf, size_t len, const char *key,
		       uint64_t *v)
{
	(void)key;
	return cgroup_parse_limit(buf, len, v);
}

static int parse_psi(const char *buf, size_t len, const char *key,
		     uint64_t *v)
{
	(void)key;
	return cgroup_parse_psi_some(buf, len, v);
}

struct foreign_scan {
	const struct cgroup_job *cg;
	cgroup_in_job_fn in_job;
	const void *ctx;
	uint64_t n;
};

static int foreign_line(const char *line, const char *end, int cut, void *ctx)
{
	struct foreign_scan *f = ctx;
	uint64_t pid;
	unsigned i;

	if (cut || text_parse_u64(line, end, &pid, NULL) < 0 || pid == 0 ||
	    pid > INT32_MAX)
		return -EINVAL;
	if (f->in_job(f->ctx, (int32_t)pid))
		return 0;
	for (i = 0; i < f->cg->nanc; i++)
		if (f->cg->anc[i] == (int32_t)pid)
			return 0;
	f->n++;
	return 0;
}

/* What changes seldom: the quota, the limit, the processes outside the
 * job. */
static void cg_slow(struct cgroup_job *cg, cgroup_in_job_fn in_job,
		    const void *ctx)
{
	const struct sysstat_src src = { "", "", NULL };
	struct foreign_scan f = { cg, in_job, ctx, 0 };
	const char *dir = cg->mem[0] ? cg->mem : cg->cpu;
	uint64_t quota = 0, period = 0, v = 0;

	if (cg->cpu_v2) {
		char buf[CG_BUF];
		ssize_t n = cg_read(cg, CGROUP_SLOTS, cg->cpu, "cpu.max", buf,
				    sizeof(buf));
		cg->has_quota = n >= 0 &&
				cgroup_parse_cpu_max(buf, (size_t)n,
						     &cg->quota_mcores) == 0;
	} else {
		cg->has_quota =
			cg_get(cg, CGROUP_SLOTS, cg->cpu, "cpu.cfs_quota_us",
			       parse_limit, NULL, &quota) == 0 &&
			cg_get(cg, CGROUP_SLOTS, cg->cpu, "cpu.cfs_period_us",
			       parse_limit, NULL, &period) == 0 &&
			quota_mcores(quota, period, &cg->quota_mcores) == 0;
	}
	cg->has_limit = cg_get(cg, CGROUP_SLOTS, cg->mem,
			       cg->mem_v2 ? "memory.max" : "memory.limit_in_bytes",
			       parse_limit, NULL, &v) == 0;
	cg->limit_kib = v / 1024;
	cg->has_foreign = dir[0] && sysstat_stream_at(&src, dir, "cgroup.procs",
						      0, foreign_line, &f) == 0;
	cg->foreign = f.n;
}

/* The files read every sample besides cpu.stat: v1's name and v2's, in
 * the memory controller's directory (mem) or the unified one. */
static const struct cg_file {
	unsigned slot;
	enum rt_field field;
	int mem;
	const char *v1, *v2;
	cg_parse_fn parse;
	const char *key;
	uint64_t div;
} cg_files[] = {
	{ CG_K_MEM_USAGE, RT_F_cg_mem_usage_kib, 1, "memory.usage_in_bytes",
	  "memory.current", parse_limit, NULL, 1024 },
	{ CG_K_MEM_PEAK, RT_F_cg_mem_peak_kib, 1, "memory.max_usage_in_bytes",
	  "memory.peak", parse_limit, NULL, 1024 },
	{ CG_K_MEM_EVENTS, RT_F_cg_oom_kills, 1, "memory.oom_control",
	  "memory.events", parse_key, "oom_kill ", 1 },
	{ CG_K_IO_PRESSURE, RT_F_cg_io_pressure_us, 0, "io.pressure",
	  "io.pressure", parse_psi, NULL, 1 },
};

void cgroup_sample(struct cgroup_job *cg, const char *procroot, int system,
		   cgroup_in_job_fn in_job, const void *ctx,
		   struct rt_sample *s)
{
	int saved = errno;
	uint64_t v;
	size_t i;

	if (cg->age == 0 || cg->age >= CGROUP_SLOW_EVERY) {
		cg_slow(cg, in_job, ctx);
		cg->age = 0;
	}
	cg->age++;
	s->cg_cpu_quota_mcores = cg->quota_mcores;
	if (!cg->has_quota)
		sample_set_missing(s, RT_F_cg_cpu_quota_mcores);
	s->cg_mem_limit_kib = cg->limit_kib;
	if (!cg->has_limit)
		sample_set_missing(s, RT_F_cg_mem_limit_kib);
	s->cg_foreign_procs = cg->foreign;
	if (!cg->has_foreign)
		sample_set_missing(s, RT_F_cg_foreign_procs);

	cg_cpu_stat(cg, s);
	for (i = 0; i < sizeof(cg_files) / sizeof(cg_files[0]); i++) {
		const struct cg_file *f = &cg_files[i];
		const char *dir = f->mem ? cg->mem : cg->unified;

		if (cg_get(cg, f->slot, dir, cg->mem_v2 || !f->mem ? f->v2 : f->v1,
			   f->parse, f->key, &v) == 0)
			s->v[f->field] = v / f->div;
		else
			sample_set_missing(s, f->field);
	}
	if (system && cg_get(cg, CG_K_SYS_IO_PRESSURE, procroot, "pressure/io",
			     parse_psi, NULL, &v) == 0)
		s->sys_io_pressure_us = v;
	else
		sample_set_missing(s, RT_F_sys_io_pressure_us);
	errno = saved;
}
