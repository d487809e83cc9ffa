/* diskspace.c - the disk space of the mounted filesystems (sysstat's
 * space group): the mount table parsed, each filesystem measured with
 * statfs once (by device, by /dev/ source, ZFS once per pool), and the
 * list of what was measured kept while the table does not change. */
#include "diskspace.h"
#include "sysstat.h"
#include "sysstat_impl.h"
#include "text.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#define SPACE_MAX_FS 512    /* filesystems counted, for dedupe by dev */
#define SPACE_MAX_SRC 128   /* distinct /dev/ sources */
#define SPACE_MAX_POOLS 32  /* ZFS pools */

struct zpool {
	uint64_t name_hash, used, free;
};

struct space_acc {
	diskspace_statfs_fn statfs_fn;
	void *ctx;
	struct diskspace_cache *cache; /* filled while parsing, or NULL */
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
			 const struct diskspace_fs *fs)
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

static void space_add_fs(struct space_acc *a, const struct diskspace_fs *fs)
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
	struct diskspace_cache *sc = a->cache;
	size_t len = strlen(a->path) + 1;

	if (!sc)
		return;
	if (sc->n == DISKSPACE_CACHE_FS || len > sizeof(sc->paths) - sc->used) {
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
	struct diskspace_fs fs;
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
	const struct diskspace_cache *sc = a->cache;
	struct diskspace_fs fs;

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
static void space_init(struct space_acc *a, diskspace_statfs_fn statfs_fn,
		       void *ctx)
{
	a->statfs_fn = statfs_fn;
	a->ctx = ctx;
	a->cache = NULL;
	a->total = a->used = a->free = 0;
	a->ndevs = a->nsrcs = a->npools = 0;
}

int diskspace_parse_mounts(const char *buf, size_t len,
			 diskspace_statfs_fn statfs_fn, void *ctx,
			 struct sysstat *s)
{
	struct space_acc a;
	int ret;

	space_init(&a, statfs_fn, ctx);
	ret = sysstat_each_line(buf, len, mount_line, &a);
	if (ret)
		return ret;
	space_store(&a, s);
	return 0;
}

/* statfs(2) rather than statvfs(3): on kernels without ST_VALID glibc's
 * statvfs reads /proc/mounts through stdio to fill f_flag. */
static int real_statfs_counts(const char *path, struct diskspace_fs *fs,
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
static int real_statfs(const char *path, struct diskspace_fs *fs, void *ctx)
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

/* The space from the cache, when the kept mounts descriptor shows no
 * change of the mount table (poll: POLLPRI once per change) and every
 * cached filesystem still measures.  0, or -1: parse the table. */
static int space_from_cache(const struct sysstat_src *c, struct space_acc *a)
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

int diskspace_read(const struct sysstat_src *c, struct sysstat *s)
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
	ret = sysstat_stream_file(c, "mounts", SYSSTAT_K_MOUNTS, mount_line, &a);
	if (ret)
		return ret;
	/* Usable when every counted one fit and the table is kept open (its
	 * poll tells the next change). */
	if (a.cache && c->k->fd[SYSSTAT_K_MOUNTS] >= 0)
		a.cache->valid = 1;
	space_store(&a, s);
	return 0;
}
