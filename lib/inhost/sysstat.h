/* sysstat.h - system-wide figures of the seed's get_system_stats, read from
 * /proc and /sys without stdio or malloc (the sampler thread calls it inside
 * any host).  Counters are cumulative; the consumer takes the deltas. */
#ifndef RTRACK_SYSSTAT_H
#define RTRACK_SYSSTAT_H

#include <stddef.h>
#include <stdint.h>

#include "diskspace.h"

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

/* Read everything under procroot ("/proc") and sysroot ("/sys"); the disk
 * space from <procroot>/mounts, measured with statfs (diskspace.h).  Groups
 * that cannot be read are left out of s->ok.  Returns 0. */
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
	struct diskspace_cache space;
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

#endif
