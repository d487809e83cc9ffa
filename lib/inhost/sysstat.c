/* sysstat.c - system-wide counters from /proc and /sys, read through small
 * stack buffers (about 15 KiB at the deepest) with no stdio and no malloc. */
#include "sysstat.h"
#include "sysstat_impl.h"
#include "cost.h"
#include "text.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#define MEMINFO_BUF 4096    /* meminfo is ~1.5 KiB and has a fixed key set */
#define DISK_MAX 256        /* names kept from <sysroot>/block */
#define DISK_NAME 32        /* kernel DISK_NAME_LEN, NUL included */
#define SECTOR 512          /* diskstats unit, see disk_line */

int sysstat_each_line(const char *buf, size_t len, sysstat_line_fn fn,
		      void *ctx)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *next = text_next_line(p, end);
		const char *eol = next[-1] == '\n' ? next - 1 : next;
		int ret = fn(p, eol, 0, ctx);

		if (ret)
			return ret < 0 ? ret : 0;
		p = next;
	}
	return 0;
}

/* Hand the complete lines of buf[0..*have) to fn and move the unfinished
 * rest to the front.  A line that fills buf alone is handed over cut, once,
 * and its tail is dropped (*skip) up to its '\n'. */
static int stream_lines(char *buf, size_t *have, size_t size, int *skip,
			sysstat_line_fn fn, void *ctx)
{
	char *p = buf, *end = buf + *have, *nl;
	int ret;

	while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
		ret = *skip ? 0 : fn(p, nl, 0, ctx);
		*skip = 0;
		if (ret)
			return ret;
		p = nl + 1;
	}
	*have = (size_t)(end - p);
	memmove(buf, p, *have);
	if (*have < size)
		return 0;
	ret = *skip ? 0 : fn(buf, buf + size, 1, ctx);
	*skip = 1;
	*have = 0;
	return ret;
}

/* Feed every line of a file of any length to fn through buf, so that a
 * host with thousands of mounts or interfaces needs no bigger buffer. */
static int stream_fd(int fd, char *buf, size_t size, sysstat_line_fn fn,
		     void *ctx)
{
	size_t have = 0;
	off_t off = 0; /* pread from 0: a kept descriptor reads afresh */
	int skip = 0, ret;

	for (;;) {
		ssize_t n = pread(fd, buf + have, size - have, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		off += n;
		have += (size_t)n;
		ret = stream_lines(buf, &have, size, &skip, fn, ctx);
		if (ret)
			return ret < 0 ? ret : 0;
	}
	ret = have && !skip ? fn(buf, buf + have, 0, ctx) : 0;
	return ret < 0 ? ret : 0;
}

int sysstat_src_open(const struct sysstat_src *c, const char *root,
		     const char *tail, unsigned slot, int flags, int *owned)
{
	char path[PATH_BUF];
	int fd, ret;

	*owned = 0;
	if (c->k && c->k->fd[slot] >= 0)
		return c->k->fd[slot];
	ret = text_join(path, sizeof(path), root, tail);
	if (ret)
		return ret;
	fd = text_open(path, flags);
	if (fd >= 0 && c->k && c->k->keep)
		c->k->fd[slot] = fd;
	else
		*owned = fd >= 0;
	return fd;
}

void sysstat_src_done(const struct sysstat_src *c, unsigned slot, int fd,
		      int owned, int failed)
{
	if (owned) {
		text_close(fd);
	} else if (failed && c->k && c->k->fd[slot] == fd) {
		text_close(fd);
		c->k->fd[slot] = -1;
	}
}

int sysstat_stream_file(const struct sysstat_src *c, const char *tail,
			unsigned slot, sysstat_line_fn fn, void *ctx)
{
	return sysstat_stream_at(c, c->procroot, tail, slot, fn, ctx);
}

int sysstat_stream_at(const struct sysstat_src *c, const char *root,
		      const char *tail, unsigned slot, sysstat_line_fn fn,
		      void *ctx)
{
	char buf[STREAM_BUF];
	int fd, ret, owned;

	fd = sysstat_src_open(c, root, tail, slot, 0, &owned);
	if (fd < 0)
		return fd;
	ret = stream_fd(fd, buf, sizeof(buf), fn, ctx);
	sysstat_src_done(c, slot, fd, owned, ret < 0);
	return ret;
}

/* A directory from sysstat_src_open, listed from its start. */
static int dir_list(int fd, int owned, int (*fn)(const char *name, void *ctx),
		    void *ctx)
{
	if (!owned && lseek(fd, 0, SEEK_SET) != 0)
		return -errno;
	return text_dir_each(fd, fn, ctx);
}

/* Parse count numbers separated by blanks, each ended by a blank or end.
 * Returns 0 or -EINVAL (overflow included). */
static int parse_u64s(const char **p, const char *end, uint64_t *v,
		      size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		const char *q = text_skip_blanks(*p, end), *next;

		if (text_parse_u64(q, end, &v[i], &next))
			return -EINVAL;
		if (next < end && *next != ' ' && *next != '\t')
			return -EINVAL;
		*p = next;
	}
	return 0;
}

/* ---- cpu: the first line of /proc/stat ---- */

struct cpu_acc {
	uint64_t user, system;
	int found;
};

static int cpu_line(const char *p, const char *end, int cut, void *ctx)
{
	struct cpu_acc *a = ctx;
	uint64_t v[3];

	if ((size_t)(end - p) < 4 || memcmp(p, "cpu ", 4) != 0)
		return 0;
	if (cut)
		return -EOVERFLOW;
	p += 4;
	/* proc(5) /proc/stat "cpu": (1) user, (2) nice, (3) system. */
	if (parse_u64s(&p, end, v, 3))
		return -EINVAL;
	a->user = v[0] + v[1];
	a->system = v[2];
	a->found = 1;
	return 1;
}

static int cpu_store(int ret, const struct cpu_acc *a, struct sysstat *s)
{
	if (ret)
		return ret;
	if (!a->found)
		return -EINVAL;
	s->user_ticks = a->user;
	s->system_ticks = a->system;
	return 0;
}

int sysstat_parse_cpu(const char *buf, size_t len, struct sysstat *s)
{
	struct cpu_acc a = {0};

	return cpu_store(sysstat_each_line(buf, len, cpu_line, &a), &a, s);
}

/* ---- meminfo ---- */

int sysstat_parse_meminfo(const char *buf, size_t len, struct sysstat *s)
{
	/* The colon is part of each key, so "Active(anon):" is not "Active:". */
	static const char *const keys[] = {
		"MemTotal:", "MemFree:", "MemAvailable:", "Buffers:",
		"Cached:", "Active:", "Inactive:",
	};
	uint64_t v[7], srec = 0;
	size_t i;
	int ret;

	for (i = 0; i < 7; i++)
		if (text_key_u64(buf, len, keys[i], &v[i]))
			return -EINVAL;
	/* Slab that can be freed counts as cache, as in the seed; a kernel
	 * (or a sandbox such as gVisor) without the line has none to add. */
	ret = text_key_u64(buf, len, "SReclaimable:", &srec);
	if (ret && ret != -ENOENT)
		return -EINVAL;
	s->mem_total_kib = v[0];
	s->mem_free_kib = v[1];
	s->mem_available_kib = v[2];
	s->mem_buffers_kib = v[3];
	s->mem_cached_kib = v[4] + srec;
	s->mem_active_kib = v[5];
	s->mem_inactive_kib = v[6];
	return 0;
}

/* ---- diskstats ---- */

struct disk_acc {
	int (*is_disk)(const char *name, void *ctx);
	void *ctx;
	uint64_t read, written;
	/* With a cache (read_disks): the lines' names hashed and counted,
	 * and each line's kind taken from it (use) or written to it. */
	struct sysstat_disk_cache *cache;
	int use;
	uint32_t lines;
	uint64_t names_hash;
};

/* The blank-ended token at *p, NUL-terminated into dst; -EINVAL when it is
 * empty or does not fit. */
static int take_token(const char **p, const char *end, char *dst,
		      size_t size)
{
	const char *q = text_skip_blanks(*p, end), *t = q;

	while (t < end && *t != ' ' && *t != '\t')
		t++;
	if (t == q || (size_t)(t - q) >= size)
		return -EINVAL;
	memcpy(dst, q, (size_t)(t - q));
	dst[t - q] = '\0';
	*p = t;
	return 0;
}

/* Whether line a->lines, called name, is a whole disk: from the cache in
 * use, or asked and noted in the cache being filled. */
static int disk_kind(struct disk_acc *a, const char *name)
{
	struct sysstat_disk_cache *c = a->cache;
	uint32_t i = a->lines++;
	int whole;

	if (c) {
		/* The name and its NUL: "sda1" "0" differs from "sda" "10". */
		a->names_hash = text_hash(a->names_hash, name,
					  name + strlen(name) + 1);
		if (a->use)
			return i < SYSSTAT_DISK_LINES &&
			       (c->whole[i / 8] >> (i % 8) & 1);
	}
	whole = a->is_disk(name, a->ctx);
	if (c && i < SYSSTAT_DISK_LINES) {
		if (whole)
			c->fill[i / 8] |= (uint8_t)(1u << (i % 8));
		else
			c->fill[i / 8] &= (uint8_t)~(1u << (i % 8));
	}
	return whole;
}

static int disk_line(const char *p, const char *end, int cut, void *ctx)
{
	struct disk_acc *a = ctx;
	uint64_t v[7];
	char name[64];

	if (cut)
		return -EOVERFLOW;
	if (text_skip_blanks(p, end) == end)
		return 0;
	/* major minor name, then the counters of block/stat.rst. */
	if (parse_u64s(&p, end, v, 2) ||
	    take_token(&p, end, name, sizeof(name)))
		return -EINVAL;
	if (!disk_kind(a, name))
		return 0; /* a partition: its I/O is already in its disk's */
	if (parse_u64s(&p, end, v, 7))
		return -EINVAL;
	/* Fields 6 and 10 (1-based, counting major minor name): sectors read
	 * and written.  Documentation/admin-guide/iostats.rst: these are
	 * 512-byte sectors whatever the device's hw_sector_size. */
	a->read += v[2] * SECTOR;
	a->written += v[6] * SECTOR;
	return 0;
}

int sysstat_parse_diskstats(const char *buf, size_t len,
			    int (*is_disk)(const char *name, void *ctx),
			    void *ctx, struct sysstat *s)
{
	struct disk_acc a = { .is_disk = is_disk, .ctx = ctx };
	int ret = sysstat_each_line(buf, len, disk_line, &a);

	if (ret)
		return -EINVAL;
	s->disk_read_bytes = a.read;
	s->disk_write_bytes = a.written;
	return 0;
}

/* ---- net/dev ---- */

struct net_acc {
	unsigned lines;
	uint64_t recv, sent;
};

static int net_line(const char *p, const char *end, int cut, void *ctx)
{
	struct net_acc *a = ctx;
	const char *colon, *name;
	uint64_t v[9];

	if (cut)
		return -EOVERFLOW;
	if (a->lines++ < 2) /* "Inter-|   Receive ..." and " face |bytes ..." */
		return memchr(p, '|', (size_t)(end - p)) ? 0 : -EINVAL;
	if (text_skip_blanks(p, end) == end)
		return 0;
	/* dev_valid_name() forbids ':' in names, so the first one ends it;
	 * the numbers may follow it with no blank ("eth0:18700732"). */
	colon = memchr(p, ':', (size_t)(end - p));
	if (!colon)
		return -EINVAL;
	name = text_skip_blanks(p, colon);
	if (colon - name == 2 && memcmp(name, "lo", 2) == 0)
		return 0;
	p = colon + 1;
	/* Receive bytes is the 1st number, transmit bytes the 9th. */
	if (parse_u64s(&p, end, v, 9))
		return -EINVAL;
	a->recv += v[0];
	a->sent += v[8];
	return 0;
}

static int net_store(int ret, const struct net_acc *a, struct sysstat *s)
{
	if (ret)
		return ret;
	if (a->lines < 2)
		return -EINVAL;
	s->net_recv_bytes = a->recv;
	s->net_sent_bytes = a->sent;
	return 0;
}

int sysstat_parse_netdev(const char *buf, size_t len, struct sysstat *s)
{
	struct net_acc a = {0};

	return net_store(sysstat_each_line(buf, len, net_line, &a) ? -EINVAL : 0, &a,
			 s);
}

static int count_numeric(const char *name, void *ctx)
{
	const char *p = name;

	while (*p >= '0' && *p <= '9')
		p++;
	if (p != name && *p == '\0')
		++*(uint64_t *)ctx;
	return 0;
}

static int read_procs(const struct sysstat_src *c, struct sysstat *s)
{
	uint64_t n = 0, t0 = cost_mono_ns(), t1;
	int owned, fd, ret;

	if (c->k && c->k->procs_valid && t0 < c->k->procs_due_ns) {
		s->procs = c->k->procs;
		return 0;
	}
	fd = sysstat_src_open(c, c->procroot, "", SYSSTAT_K_PROC, O_DIRECTORY, &owned);
	if (fd < 0)
		return fd;
	ret = dir_list(fd, owned, count_numeric, &n);
	sysstat_src_done(c, SYSSTAT_K_PROC, fd, owned, ret != 0);
	if (ret)
		return ret;
	s->procs = n;
	if (c->k) {
		t1 = cost_mono_ns();
		c->k->procs = n;
		c->k->procs_valid = 1;
		c->k->procs_due_ns = t1 + cost_wait(t1 - t0,
						    c->k->procs_share);
	}
	return 0;
}

/* ---- whole disks: the entries of <sysroot>/block ---- */

struct disk_table {
	char names[DISK_MAX][DISK_NAME];
	size_t n;
	int full; /* an entry did not fit: ask the directory instead */
	int fd;   /* <sysroot>/block */
};

static int disk_table_add(const char *name, void *ctx)
{
	struct disk_table *t = ctx;
	size_t len = strlen(name);

	if (name[0] == '.')
		return 0;
	if (t->n == DISK_MAX || len >= DISK_NAME) {
		t->full = 1;
		return 0;
	}
	memcpy(t->names[t->n++], name, len + 1);
	return 0;
}

/* sysfs /sys/block lists whole disks only: sda1, nvme0n1p1 and mmcblk0p1
 * live under their disk's directory instead. */
static int disk_table_has(const char *name, void *ctx)
{
	const struct disk_table *t = ctx;
	struct stat st;
	size_t i;

	if (name[0] == '.' || strchr(name, '/'))
		return 0;
	if (t->full)
		return fstatat(t->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
	for (i = 0; i < t->n; i++)
		if (strcmp(t->names[i], name) == 0)
			return 1;
	return 0;
}

/* After a listing: the kinds are trusted when the listing before gave the
 * same for the same lines, else kept as the one to compare the next with. */
static void disk_cache_confirm(struct sysstat_disk_cache *dc,
			       const struct disk_acc *a)
{
	size_t bytes = (a->lines + 7) / 8;

	if (a->lines > SYSSTAT_DISK_LINES) {
		dc->filled = 0;
		return;
	}
	if (dc->filled && dc->lines == a->lines &&
	    dc->names_hash == a->names_hash &&
	    memcmp(dc->whole, dc->fill, bytes) == 0) {
		dc->valid = 1;
		return;
	}
	memcpy(dc->whole, dc->fill, bytes);
	dc->lines = a->lines;
	dc->names_hash = a->names_hash;
	dc->filled = 1;
}

/* The diskstats through the kept line kinds: 0, or -1 when the lines are
 * not those the kinds were taken of (or it could not be read). */
static int read_disks_cached(const struct sysstat_src *c, struct sysstat *s)
{
	struct sysstat_disk_cache *dc = &c->k->disks;
	struct disk_acc a = { .cache = dc, .use = 1,
			      .names_hash = TEXT_HASH_SEED };

	if (!dc->valid ||
	    sysstat_stream_file(c, "diskstats", SYSSTAT_K_DISKSTATS, disk_line, &a) ||
	    a.lines != dc->lines || a.names_hash != dc->names_hash)
		return -1;
	s->disk_read_bytes = a.read;
	s->disk_write_bytes = a.written;
	return 0;
}

static int read_disks(const struct sysstat_src *c, struct sysstat *s)
{
	struct disk_table t;
	struct disk_acc a;
	int ret, owned;

	if (c->k && c->k->keep && read_disks_cached(c, s) == 0)
		return 0;
	t.n = 0;
	t.full = 0;
	t.fd = sysstat_src_open(c, c->sysroot, "block", SYSSTAT_K_BLOCK, O_DIRECTORY,
			&owned);
	if (t.fd < 0)
		return t.fd;
	ret = dir_list(t.fd, owned, disk_table_add, &t);
	if (ret)
		goto out;
	a = (struct disk_acc){ .is_disk = disk_table_has, .ctx = &t,
			       .cache = c->k && c->k->keep ? &c->k->disks : NULL,
			       .names_hash = TEXT_HASH_SEED };
	if (a.cache) {
		a.cache->valid = 0;
		memset(a.cache->fill, 0, sizeof(a.cache->fill));
	}
	ret = sysstat_stream_file(c, "diskstats", SYSSTAT_K_DISKSTATS, disk_line, &a);
	if (ret)
		goto out;
	if (a.cache)
		disk_cache_confirm(a.cache, &a);
	s->disk_read_bytes = a.read;
	s->disk_write_bytes = a.written;
out:
	sysstat_src_done(c, SYSSTAT_K_BLOCK, t.fd, owned, ret != 0);
	return ret;
}

/* ---- the other groups ---- */

static int read_cpu(const struct sysstat_src *c, struct sysstat *s)
{
	struct cpu_acc a = {0};

	/* The cpu line comes first: stop there, before the long intr line. */
	return cpu_store(sysstat_stream_file(c, "stat", SYSSTAT_K_STAT, cpu_line, &a),
			 &a, s);
}

static int read_meminfo(const struct sysstat_src *c, struct sysstat *s)
{
	char buf[MEMINFO_BUF];
	ssize_t n;
	int owned, fd;

	fd = sysstat_src_open(c, c->procroot, "meminfo", SYSSTAT_K_MEMINFO, 0, &owned);
	if (fd < 0)
		return fd;
	n = text_pread_file(fd, buf, sizeof(buf));
	sysstat_src_done(c, SYSSTAT_K_MEMINFO, fd, owned, n < 0);
	if (n < 0)
		return (int)n;
	return sysstat_parse_meminfo(buf, (size_t)n, s);
}

static int read_net(const struct sysstat_src *c, struct sysstat *s)
{
	struct net_acc a = {0};

	return net_store(sysstat_stream_file(c, "net/dev", SYSSTAT_K_NETDEV, net_line,
				     &a), &a, s);
}

void sysstat_kept_init(struct sysstat_kept *k)
{
	unsigned i;

	for (i = 0; i < SYSSTAT_SLOTS; i++)
		k->fd[i] = -1;
	k->keep = 1;
	k->space.valid = 0;
	k->disks.valid = 0;
	k->disks.filled = 0;
	k->procs_share = 0;
	k->procs_valid = 0;
	k->procs = k->procs_due_ns = 0;
}

void sysstat_kept_close(struct sysstat_kept *k)
{
	unsigned i;

	for (i = 0; i < SYSSTAT_SLOTS; i++)
		if (k->fd[i] >= 0) {
			text_close(k->fd[i]);
			k->fd[i] = -1;
		}
}

/* Reentrant: every buffer lives on the caller's stack.  errno is kept, as
 * everything rtrack does inside a host keeps it. */
int sysstat_read_kept(const char *procroot, const char *sysroot,
		      struct sysstat *s, struct sysstat_kept *k)
{
	const struct sysstat_src c = { procroot, sysroot, k };
	int saved = errno;

	memset(s, 0, sizeof(*s));
	if (read_procs(&c, s) == 0)
		s->ok |= SYSSTAT_PROCS;
	if (read_cpu(&c, s) == 0)
		s->ok |= SYSSTAT_CPU;
	if (read_meminfo(&c, s) == 0)
		s->ok |= SYSSTAT_MEM;
	if (read_disks(&c, s) == 0)
		s->ok |= SYSSTAT_DISK;
	if (diskspace_read(&c, s) == 0)
		s->ok |= SYSSTAT_SPACE;
	if (read_net(&c, s) == 0)
		s->ok |= SYSSTAT_NET;
	errno = saved;
	return 0;
}

int sysstat_read(const char *procroot, const char *sysroot, struct sysstat *s)
{
	return sysstat_read_kept(procroot, sysroot, s, NULL);
}
