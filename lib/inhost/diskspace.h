/* diskspace.h - the disk space of the mounted filesystems, summed from a
 * mount table without stdio or malloc: sysstat's space group
 * (sysstat_read), and its parser of captured text for tests and fuzzing. */
#ifndef RTRACK_DISKSPACE_H
#define RTRACK_DISKSPACE_H

#include <stddef.h>
#include <stdint.h>

struct sysstat;

/* What diskspace_parse_mounts needs of one mount point: statfs(2) counts in
 * units of frsize, and the st_dev of the mount point, which is the same for
 * every mount of one filesystem (bind mounts, a device mounted twice). */
struct diskspace_fs {
	uint64_t blocks, bfree, bavail, frsize;
	uint64_t dev;
};

/* Measure the mount point path; 0, or -errno to skip that mount. */
typedef int (*diskspace_statfs_fn)(const char *path,
				   struct diskspace_fs *fs, void *ctx);

/* Stores into s only on success and leaves it untouched on failure.  Sum
 * the disk space of /proc/mounts text into s->space_*, the seed's way:
 * mount points under /proc, /sys, /dev and /run (plain prefix match) and
 * filesystems with no blocks are skipped; each filesystem counts once (by
 * dev, and by source for mounts of one /dev/ block device such as btrfs
 * subvolumes); ZFS datasets count once per pool (see diskspace.c).  Returns
 * 0, -EINVAL on a malformed line, or -ENOSPC when more filesystems or
 * pools are mounted than the fixed tables hold. */
int diskspace_parse_mounts(const char *buf, size_t len,
			   diskspace_statfs_fn statfs_fn, void *ctx,
			   struct sysstat *s);

/* The filesystems counted at the last reading of the mount table, so that
 * while it does not change (poll on the kept mounts descriptor says when
 * it does) a sample is a statfs of each, not a /proc/mounts read of every
 * mount with its options and a stat of each mount point. */
#define DISKSPACE_CACHE_FS 64
#define DISKSPACE_CACHE_PATHS 8192
struct diskspace_cache {
	int valid;
	unsigned n;
	struct {
		uint32_t path;      /* offset in paths */
		int zfs;
		uint64_t pool_hash; /* ZFS: its pool */
	} fs[DISKSPACE_CACHE_FS];
	uint32_t used;
	char paths[DISKSPACE_CACHE_PATHS];
};

#endif
