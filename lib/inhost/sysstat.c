/* sysstat.c - system-wide counters from /proc and /sys, read through small
 * stack buffers (about 15 KiB at the deepest) with no stdio and no malloc. */
#include "sysstat.h"
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

#define PATH_BUF 512        /* "<root>/net/dev"; roots are short */
#define STREAM_BUF 4096     /* longest line handled whole */
#define MEMINFO_BUF 4096    /* meminfo is ~1.5 KiB and has a fixed key set */
#define DISK_MAX 256        /* names kept from <sysroot>/block */
#define DISK_NAME 32        /* kernel DISK_NAME_LEN, NUL included */
#define SPACE_MAX_FS 512    /* filesystems counted, for dedupe by dev */
#define SPACE_MAX_SRC 128   /* distinct /dev/ sources */
#define SPACE_MAX_POOLS 32  /* ZFS pools */
#define SECTOR 512          /* diskstats unit, see disk_line */

/* A line handler: 0 to go on, 1 to stop early, -errno to fail.  cut says
 * the line was longer than the read buffer and only its head is given. */
typedef int (*line_fn)(const char *line, const char *end, int cut, void *ctx);

/* Give each line of captured text (without its '\n') to fn. */
static int each_line(const char *buf, size_t len, line_fn fn, void *ctx)
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
			line_fn fn, void *ctx)
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
static int stream_fd(int fd, char *buf, size_t size, line_fn fn, void *ctx)
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

/* Where the files are: the roots, and the descriptors kept between reads
 * (k NULL: every file opened and closed each time). */
struct src {
	const char *procroot, *sysroot;
	struct sysstat_kept *k;
};

/* root/tail opened, or its kept descriptor (opened and kept the first
 * time).  *owned says the caller closes it. */
static int src_open(const struct src *c, const char *root, const char *tail,
		    unsigned slot, int flags, int *owned)
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

/* Done with a descriptor from src_open; a kept one that failed is closed
 * (opened afresh next time: /sys/block of a new mount, a net namespace). */
static void src_done(const struct src *c, unsigned slot, int fd, int owned,
		     int failed)
{
	if (owned) {
		text_close(fd);
	} else if (failed && c->k && c->k->fd[slot] == fd) {
		text_close(fd);
		c->k->fd[slot] = -1;
	}
}

static int stream_file(const struct src *c, const char *tail, unsigned slot,
		       line_fn fn, void *ctx)
{
	char buf[STREAM_BUF];
	int fd, ret, owned;

	fd = src_open(c, c->procroot, tail, slot, 0, &owned);
	if (fd < 0)
		return fd;
	ret = stream_fd(fd, buf, sizeof(buf), fn, ctx);
	src_done(c, slot, fd, owned, ret < 0);
	return ret;
}

/* A directory from src_open, listed from its start. */
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

	return cpu_store(each_line(buf, len, cpu_line, &a), &a, s);
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
	int ret = each_line(buf, len, disk_line, &a);

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

	return net_store(each_line(buf, len, net_line, &a) ? -EINVAL : 0, &a,
			 s);
}

/* ---- mounts ---- */

struct zpool {
	uint64_t name_hash, used, free;
};

struct space_acc {
	sysstat_statfs_fn statfs_fn;
	void *ctx;
	struct sysstat_space_cache *cache; /* filled while parsing, or NULL */
	uint64_t total, used, free;
	uint64_t devs[SPACE_MAX_FS];
	uint64_t srcs[SPACE_MAX_SRC];
	struct zpool pools[SPACE_MAX_POOLS];
	size_t ndevs, nsrcs, npools;
	char path[PATH_MAX];
};

/* Sources and pool names are remembered by hash, not by copy. */
static uint64_t hash_bytes(const char *p, const char *end)
{
	return text_hash(TEXT_HASH_SEED, p, end);
}

static int has_u64(const uint64_t *v, size_t n, uint64_t x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == x)
			return 1;
	return 0;
}

/* The seed's skip list, as mount_point.startswith(("/proc", ...)). */
static int mount_skipped(const char *path)
{
	return strncmp(path, "/proc", 5) == 0 || strncmp(path, "/sys", 4) == 0 ||
	       strncmp(path, "/dev", 4) == 0 || strncmp(path, "/run", 4) == 0;
}

/* Remember a counted filesystem by dev and, for a /dev/ source, by source
 * (btrfs subvolumes of one device have distinct devs but one space).
 * Returns 1 when it was counted before, 0 when new, -ENOSPC when full. */
static int space_seen(struct space_acc *a, uint64_t dev, const char *src,
		      const char *src_end)
{
	int by_src = src_end - src > 5 && memcmp(src, "/dev/", 5) == 0;
	uint64_t h = by_src ? hash_bytes(src, src_end) : 0;

	if (has_u64(a->devs, a->ndevs, dev) ||
	    (by_src && has_u64(a->srcs, a->nsrcs, h)))
		return 1;
	if (a->ndevs == SPACE_MAX_FS || (by_src && a->nsrcs == SPACE_MAX_SRC))
		return -ENOSPC;
	a->devs[a->ndevs++] = dev;
	if (by_src)
		a->srcs[a->nsrcs++] = h;
	return 0;
}

/* ZFS datasets of one pool share its free space, and each reports
 * blocks = own used + pool available, so adding them up would count the
 * free space once per dataset.  Without zpool(8) the pool is summed as:
 * used = sum of the datasets' (blocks - bfree), free = the largest
 * bavail seen (a dataset quota can only lower it). */
static uint64_t zfs_pool_hash(const char *src, const char *src_end)
{
	const char *slash = memchr(src, '/', (size_t)(src_end - src));

	return hash_bytes(src, slash ? slash : src_end);
}

static int space_add_zfs(struct space_acc *a, uint64_t h,
			 const struct sysstat_fs *fs)
{
	uint64_t used_blocks =
		fs->blocks > fs->bfree ? fs->blocks - fs->bfree : 0;
	uint64_t avail = fs->bavail * fs->frsize;
	struct zpool *p = a->pools;

	while (p < a->pools + a->npools && p->name_hash != h)
		p++;
	if (p == a->pools + a->npools) {
		if (a->npools == SPACE_MAX_POOLS)
			return -ENOSPC;
		*p = (struct zpool){h, 0, 0};
		a->npools++;
	}
	p->used += used_blocks * fs->frsize;
	if (avail > p->free)
		p->free = avail;
	return 0;
}

static void space_add_fs(struct space_acc *a, const struct sysstat_fs *fs)
{
	uint64_t total = fs->blocks * fs->frsize;
	uint64_t avail = fs->bavail * fs->frsize;

	/* The seed's free is what users may still write (bavail), so blocks
	 * reserved for root show as used. */
	a->total += total;
	a->free += avail;
	a->used += total > avail ? total - avail : 0;
}

/* Add the mount point in a->path to the cache being filled; one that does
 * not fit leaves the cache unusable (parsed every time). */
static void space_remember(struct space_acc *a, int zfs, uint64_t pool_hash)
{
	struct sysstat_space_cache *sc = a->cache;
	size_t len = strlen(a->path) + 1;

	if (!sc)
		return;
	if (sc->n == SYSSTAT_SPACE_CACHE || len > sizeof(sc->paths) - sc->used) {
		a->cache = NULL; /* stays invalid */
		return;
	}
	memcpy(sc->paths + sc->used, a->path, len);
	sc->fs[sc->n].path = sc->used;
	sc->fs[sc->n].zfs = zfs;
	sc->fs[sc->n].pool_hash = pool_hash;
	sc->n++;
	sc->used += (uint32_t)len;
}

/* Measure one mount and add it unless skipped or counted before. */
static int space_measure(struct space_acc *a, const char *src,
			 const char *src_end, int zfs)
{
	struct sysstat_fs fs;
	int ret;

	if (mount_skipped(a->path))
		return 0;
	/* Unreadable (EACCES, a stale NFS handle): skipped, as by the seed,
	 * and the table parsed again next time (it may be readable then). */
	if (a->statfs_fn(a->path, &fs, a->ctx)) {
		a->cache = NULL;
		return 0;
	}
	if (fs.blocks == 0)
		return 0; /* a pseudo filesystem */
	ret = space_seen(a, fs.dev, src, src_end);
	if (ret)
		return ret < 0 ? ret : 0;
	space_remember(a, zfs, zfs ? zfs_pool_hash(src, src_end) : 0);
	if (zfs)
		return space_add_zfs(a, zfs_pool_hash(src, src_end), &fs);
	space_add_fs(a, &fs);
	return 0;
}

/* Count one filesystem of the cache: 0, or -1 when it cannot be measured
 * as at the last parse (the caller parses the mount table again). */
static int space_add_cached(struct space_acc *a, unsigned i)
{
	const struct sysstat_space_cache *sc = a->cache;
	struct sysstat_fs fs;

	if (a->statfs_fn(sc->paths + sc->fs[i].path, &fs, a->ctx) ||
	    fs.blocks == 0)
		return -1;
	if (sc->fs[i].zfs)
		return space_add_zfs(a, sc->fs[i].pool_hash, &fs) ? -1 : 0;
	space_add_fs(a, &fs);
	return 0;
}

/* Blank-ended field at *p; -EINVAL when empty or when no blank follows (a
 * cut line that stops inside the fields we need). */
static int mount_field(const char **p, const char *end, const char **f,
		       const char **f_end)
{
	const char *q = *p;

	while (q < end && *q != ' ' && *q != '\t')
		q++;
	if (q == *p || q == end)
		return -EINVAL;
	*f = *p;
	*f_end = q;
	*p = q + 1;
	return 0;
}

/* "device mountpoint fstype options 0 0"; only the first three matter, so
 * a cut line (huge overlay options) is fine when they are whole. */
static int mount_line(const char *p, const char *end, int cut, void *ctx)
{
	struct space_acc *a = ctx;
	const char *src, *src_end, *mnt, *mnt_end, *type, *type_end;
	int ret, zfs;

	(void)cut;
	if (text_skip_blanks(p, end) == end)
		return 0;
	if (mount_field(&p, end, &src, &src_end) ||
	    mount_field(&p, end, &mnt, &mnt_end) ||
	    mount_field(&p, end, &type, &type_end))
		return -EINVAL;
	zfs = type_end - type == 3 && memcmp(type, "zfs", 3) == 0;
	if (zfs && memchr(src, '@', (size_t)(src_end - src)))
		return 0; /* a snapshot: its data is already in its dataset */
	ret = text_unescape_octal(mnt, mnt_end, a->path, sizeof(a->path));
	if (ret)
		return ret == -ENAMETOOLONG ? 0 : ret;
	return space_measure(a, src, src_end, zfs);
}

static void space_store(const struct space_acc *a, struct sysstat *s)
{
	size_t i;

	s->space_total_bytes = a->total;
	s->space_used_bytes = a->used;
	s->space_free_bytes = a->free;
	for (i = 0; i < a->npools; i++) {
		s->space_used_bytes += a->pools[i].used;
		s->space_free_bytes += a->pools[i].free;
		s->space_total_bytes += a->pools[i].used + a->pools[i].free;
	}
}

/* The tables are left uninitialised: only their first n entries are read. */
static void space_init(struct space_acc *a, sysstat_statfs_fn statfs_fn,
		       void *ctx)
{
	a->statfs_fn = statfs_fn;
	a->ctx = ctx;
	a->cache = NULL;
	a->total = a->used = a->free = 0;
	a->ndevs = a->nsrcs = a->npools = 0;
}

int sysstat_parse_mounts(const char *buf, size_t len,
			 sysstat_statfs_fn statfs_fn, void *ctx,
			 struct sysstat *s)
{
	struct space_acc a;
	int ret;

	space_init(&a, statfs_fn, ctx);
	ret = each_line(buf, len, mount_line, &a);
	if (ret)
		return ret;
	space_store(&a, s);
	return 0;
}

/* statfs(2) rather than statvfs(3): on kernels without ST_VALID glibc's
 * statvfs reads /proc/mounts through stdio to fill f_flag. */
static int real_statfs_counts(const char *path, struct sysstat_fs *fs,
			       void *ctx)
{
	struct statfs sf;

	(void)ctx;
	if (statfs(path, &sf) < 0)
		return -errno;
	fs->blocks = sf.f_blocks;
	fs->bfree = sf.f_bfree;
	fs->bavail = sf.f_bavail;
	fs->frsize = (uint64_t)(sf.f_frsize ? sf.f_frsize : sf.f_bsize);
	fs->dev = 0;
	return 0;
}

/* With the st_dev that tells mounts of one filesystem apart at a parse
 * (the cache holds them told apart: real_statfs_counts does there). */
static int real_statfs(const char *path, struct sysstat_fs *fs, void *ctx)
{
	struct stat st;
	int ret = real_statfs_counts(path, fs, ctx);

	if (ret)
		return ret;
	if (stat(path, &st) < 0)
		return -errno;
	fs->dev = st.st_dev;
	return 0;
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

static int read_procs(const struct src *c, struct sysstat *s)
{
	uint64_t n = 0, t0 = cost_mono_ns(), t1;
	int owned, fd, ret;

	if (c->k && c->k->procs_valid && t0 < c->k->procs_due_ns) {
		s->procs = c->k->procs;
		return 0;
	}
	fd = src_open(c, c->procroot, "", SYSSTAT_K_PROC, O_DIRECTORY, &owned);
	if (fd < 0)
		return fd;
	ret = dir_list(fd, owned, count_numeric, &n);
	src_done(c, SYSSTAT_K_PROC, fd, owned, ret != 0);
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
static int read_disks_cached(const struct src *c, struct sysstat *s)
{
	struct sysstat_disk_cache *dc = &c->k->disks;
	struct disk_acc a = { .cache = dc, .use = 1,
			      .names_hash = TEXT_HASH_SEED };

	if (!dc->valid ||
	    stream_file(c, "diskstats", SYSSTAT_K_DISKSTATS, disk_line, &a) ||
	    a.lines != dc->lines || a.names_hash != dc->names_hash)
		return -1;
	s->disk_read_bytes = a.read;
	s->disk_write_bytes = a.written;
	return 0;
}

static int read_disks(const struct src *c, struct sysstat *s)
{
	struct disk_table t;
	struct disk_acc a;
	int ret, owned;

	if (c->k && c->k->keep && read_disks_cached(c, s) == 0)
		return 0;
	t.n = 0;
	t.full = 0;
	t.fd = src_open(c, c->sysroot, "block", SYSSTAT_K_BLOCK, O_DIRECTORY,
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
	ret = stream_file(c, "diskstats", SYSSTAT_K_DISKSTATS, disk_line, &a);
	if (ret)
		goto out;
	if (a.cache)
		disk_cache_confirm(a.cache, &a);
	s->disk_read_bytes = a.read;
	s->disk_write_bytes = a.written;
out:
	src_done(c, SYSSTAT_K_BLOCK, t.fd, owned, ret != 0);
	return ret;
}

/* ---- the other groups ---- */

static int read_cpu(const struct src *c, struct sysstat *s)
{
	struct cpu_acc a = {0};

	/* The cpu line comes first: stop there, before the long intr line. */
	return cpu_store(stream_file(c, "stat", SYSSTAT_K_STAT, cpu_line, &a),
			 &a, s);
}

static int read_meminfo(const struct src *c, struct sysstat *s)
{
	char buf[MEMINFO_BUF];
	ssize_t n;
	int owned, fd;

	fd = src_open(c, c->procroot, "meminfo", SYSSTAT_K_MEMINFO, 0, &owned);
	if (fd < 0)
		return fd;
	n = text_pread_file(fd, buf, sizeof(buf));
	src_done(c, SYSSTAT_K_MEMINFO, fd, owned, n < 0);
	if (n < 0)
		return (int)n;
	return sysstat_parse_meminfo(buf, (size_t)n, s);
}

static int read_net(const struct src *c, struct sysstat *s)
{
	struct net_acc a = {0};

	return net_store(stream_file(c, "net/dev", SYSSTAT_K_NETDEV, net_line,
				     &a), &a, s);
}

/* The space from the cache, when the kept mounts descriptor shows no
 * change of the mount table (poll: POLLPRI once per change) and every
 * cached filesystem still measures.  0, or -1: parse the table. */
static int space_from_cache(const struct src *c, struct space_acc *a)
{
	struct pollfd pfd;
	unsigned i;

	if (!c->k || !c->k->space.valid || c->k->fd[SYSSTAT_K_MOUNTS] < 0)
		return -1;
	pfd.fd = c->k->fd[SYSSTAT_K_MOUNTS];
	pfd.events = POLLPRI;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) != 0 || pfd.revents)
		return -1;
	a->cache = &c->k->space;
	for (i = 0; i < c->k->space.n; i++)
		if (space_add_cached(a, i) < 0)
			return -1;
	return 0;
}

static int read_space(const struct src *c, struct sysstat *s)
{
	struct space_acc a;
	int ret;

	space_init(&a, real_statfs_counts, NULL);
	if (space_from_cache(c, &a) == 0) {
		space_store(&a, s);
		return 0;
	}
	space_init(&a, real_statfs, NULL);
	if (c->k && c->k->keep) {
		a.cache = &c->k->space;
		a.cache->valid = 0;
		a.cache->n = a.cache->used = 0;
	}
	ret = stream_file(c, "mounts", SYSSTAT_K_MOUNTS, mount_line, &a);
	if (ret)
		return ret;
	/* Usable when every counted one fit and the table is kept open (its
	 * poll tells the next change). */
	if (a.cache && c->k->fd[SYSSTAT_K_MOUNTS] >= 0)
		a.cache->valid = 1;
	space_store(&a, s);
	return 0;
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
	const struct src c = { procroot, sysroot, k };
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
	if (read_space(&c, s) == 0)
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
