/* sysstat.h - system-wide figures of the seed's get_system_stats, read from
 * /proc and /sys without stdio or malloc (the sampler thread calls it inside
 * any host).  Counters are cumulative; the consumer takes the deltas. */
#ifndef RTRACK_SYSSTAT_H
#define RTRACK_SYSSTAT_H

#include <stddef.h>
#include <stdint.h>

struct sysstat {
	uint64_t procs;                     /* numeric entries of /proc */
	uint64_t user_ticks, system_ticks;  /* cpu line: user+nice, system */
	uint64_t mem_total_kib, mem_free_kib, mem_available_kib;
	uint64_t mem_buffers_kib;
	uint64_t mem_cached_kib;            /* Cached + SReclaimable */
	uint64_t mem_active_kib, mem_inactive_kib;
	uint64_t disk_read_bytes, disk_write_bytes; /* whole disks, x512 */
	uint64_t space_total_bytes, space_used_bytes, space_free_bytes;
	uint64_t net_recv_bytes, net_sent_bytes;    /* lo excluded */
	unsigned ok;                        /* SYSSTAT_* groups that were read */
};

#define SYSSTAT_PROCS 1u
#define SYSSTAT_CPU 2u
#define SYSSTAT_MEM 4u
#define SYSSTAT_DISK 8u
#define SYSSTAT_SPACE 16u
#define SYSSTAT_NET 32u

/* Parsers of captured text; each returns 0 or -EINVAL. */
int sysstat_parse_cpu(const char *buf, size_t len, struct sysstat *s);
int sysstat_parse_meminfo(const char *buf, size_t len, struct sysstat *s);
/* is_disk(name, ctx) says whether a diskstats name is a whole disk. */
int sysstat_parse_diskstats(const char *buf, size_t len,
			    int (*is_disk)(const char *name, void *ctx),
			    void *ctx, struct sysstat *s);
int sysstat_parse_netdev(const char *buf, size_t len, struct sysstat *s);

/* Read everything under procroot ("/proc") and sysroot ("/sys"); mounts are
 * taken from <procroot>/mounts and measured with statvfs.  Groups that
 * cannot be read are left out of s->ok.  Returns 0. */
int sysstat_read(const char *procroot, const char *sysroot, struct sysstat *s);

/* Descriptors kept open between reads (sysstat_read_kept): a pread or a
 * seek and getdents instead of a path walk, open and close each time. */
enum {
	SYSSTAT_K_PROC,      /* <procroot>, listed */
	SYSSTAT_K_STAT,
	SYSSTAT_K_MEMINFO,
	SYSSTAT_K_BLOCK,     /* <sysroot>/block, listed */
	SYSSTAT_K_DISKSTATS,
	SYSSTAT_K_MOUNTS,
	SYSSTAT_K_NETDEV,
	SYSSTAT_SLOTS
};
/* The filesystems counted at the last reading of the mount table, so that
 * while it does not change (poll on the kept mounts descriptor says when
 * it does) a sample is a statfs of each, not a /proc/mounts read of every
 * mount with its options and a stat of each mount point. */
#define SYSSTAT_SPACE_CACHE 64
#define SYSSTAT_SPACE_PATHS 8192
struct sysstat_space_cache {
	int valid;
	unsigned n;
	struct {
		uint32_t path;      /* offset in paths */
		int zfs;
		uint64_t pool_hash; /* ZFS: its pool */
	} fs[SYSSTAT_SPACE_CACHE];
	uint32_t used;
	char paths[SYSSTAT_SPACE_PATHS];
};

/* Which lines of /proc/diskstats are whole disks, as listings of
 * <sysroot>/block said: good while the lines' names are the same, in the
 * same order (their hash), so the directory is listed again only when a
 * device comes or goes.  Trusted once two listings in a row agree: a disk
 * being added shows in diskstats a moment before its /sys/block entry. */
#define SYSSTAT_DISK_LINES 256
struct sysstat_disk_cache {
	int valid;             /* whole[] confirmed for lines / names_hash */
	int filled;            /* whole[] from one listing, not confirmed */
	uint32_t lines;
	uint64_t names_hash;
	uint8_t whole[SYSSTAT_DISK_LINES / 8]; /* bit per line: a whole disk */
	uint8_t fill[SYSSTAT_DISK_LINES / 8];  /* the listing being made */
};

struct sysstat_kept {
	int fd[SYSSTAT_SLOTS]; /* -1: not open */
	struct sysstat_space_cache space;
	struct sysstat_disk_cache disks;
	int keep;              /* keep descriptors (else open/close each) */
	/* The process count lists /proc, whose cost grows with the
	 * machine's processes (a dentry made for each): it is listed again
	 * only after procs_share times what the last listing took, and
	 * the count carried meanwhile.  0: every read. */
	uint32_t procs_share;
	uint64_t procs, procs_due_ns;
	int procs_valid;
};
/* Nothing open, keep 1, procs_share 0, no count. */
void sysstat_kept_init(struct sysstat_kept *k);
void sysstat_kept_close(struct sysstat_kept *k);

/* sysstat_read through k: missing descriptors are opened and kept (when
 * k->keep); one that fails is closed (opened again next time). */
int sysstat_read_kept(const char *procroot, const char *sysroot,
		      struct sysstat *s, struct sysstat_kept *k);

/* Disk space (additions).  The parsers above store into s only on success
 * and leave it untouched on failure.
 *
 * What sysstat_parse_mounts needs of one mount point: statfs(2) counts in
 * units of frsize, and the st_dev of the mount point, which is the same for
 * every mount of one filesystem (bind mounts, a device mounted twice). */
struct sysstat_fs {
	uint64_t blocks, bfree, bavail, frsize;
	uint64_t dev;
};

/* Measure the mount point path; 0, or -errno to skip that mount. */
typedef int (*sysstat_statfs_fn)(const char *path, struct sysstat_fs *fs,
				 void *ctx);

/* Sum the disk space of /proc/mounts text into s->space_*, the seed's way:
 * mount points under /proc, /sys, /dev and /run (plain prefix match) and
 * filesystems with no blocks are skipped; each filesystem counts once (by
 * dev, and by source for mounts of one /dev/ block device such as btrfs
 * subvolumes); ZFS datasets count once per pool (see sysstat.c).  Returns
 * 0, -EINVAL on a malformed line, or -ENOSPC when more filesystems or
 * pools are mounted than the fixed tables hold. */
int sysstat_parse_mounts(const char *buf, size_t len,
			 sysstat_statfs_fn statfs_fn, void *ctx,
			 struct sysstat *s);

#endif
