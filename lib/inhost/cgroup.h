/* cgroup.h - the job's cgroup, as the kernel accounts it: its CPU quota
 * and the time it was throttled, its memory limit, use, peak and
 * out-of-memory kills, whether processes outside the job share it, and io
 * pressure (the cgroup's on v2, the machine's from /proc/pressure/io).
 * These answer "what held the job back" where per-process figures cannot:
 * a kill by the OOM killer looks like any SIGKILL, a quota like a slow CPU.
 *
 * "The job's cgroup" is the root process's, as <procroot>/PID/cgroup names
 * it, found below the cgroup mounts of <procroot>/self/mountinfo (v1: the
 * cpu and memory hierarchies; v2: the unified one); a mount point below
 * /sys is read below the caller's sysroot (tests: a captured tree).
 *
 * No stdio, no malloc: the sampler thread reads it inside any host.
 * Fields fill lib/format/sample.h's cg_* and sys_io_pressure_us; what the
 * kernel does not offer stays missing, never 0. */
#ifndef RTRACK_CGROUP_H
#define RTRACK_CGROUP_H

#include <stddef.h>
#include <stdint.h>

#include "sample.h"

#define CGROUP_PATH 512
#define CGROUP_ANCESTORS 32 /* the root's ancestors counted as the job's */
/* The limit, the quota and the cgroup's process list change seldom and
 * the list's cost grows with the cgroup: read every this many samples. */
#define CGROUP_SLOW_EVERY 8

/* Files read every sample, kept open when allowed. */
enum {
	CG_K_CPU_STAT,
	CG_K_MEM_USAGE,
	CG_K_MEM_PEAK,
	CG_K_MEM_EVENTS,
	CG_K_IO_PRESSURE,
	CG_K_SYS_IO_PRESSURE,
	CGROUP_SLOTS
};

struct cgroup_job {
	int found;                  /* cgroup_find ran */
	char cpu[CGROUP_PATH];      /* the cpu controller's directory, "" */
	char mem[CGROUP_PATH];      /* the memory controller's, "" */
	int cpu_v2, mem_v2;         /* that directory is of the v2 hierarchy */
	char unified[CGROUP_PATH];  /* the v2 directory (io.pressure), "" */
	int32_t anc[CGROUP_ANCESTORS]; /* the root's ancestors */
	unsigned nanc;
	int fd[CGROUP_SLOTS];       /* -1: not open */
	int keep;                   /* keep descriptors between samples */
	uint32_t age;               /* samples since the slow files */
	uint64_t quota_mcores, limit_kib, foreign;
	int has_quota, has_limit, has_foreign;
};

/* Whether pid is a process of the job (the tracker's table). */
typedef int (*cgroup_in_job_fn)(const void *ctx, int32_t pid);

/* Prepare cg (may be uninitialised static storage); nothing read yet. */
void cgroup_init(struct cgroup_job *cg, int keep);

/* Find pid's cgroup directories and its ancestors.  0, or -errno when
 * the membership file cannot be read (every cg_* field then missing). */
int cgroup_find(struct cgroup_job *cg, const char *procroot,
		const char *sysroot, int32_t pid);

/* Fill s's cg_* fields and sys_io_pressure_us (the latter only when
 * system is set: RTRACK_SYSTEM). */
void cgroup_sample(struct cgroup_job *cg, const char *procroot, int system,
		   cgroup_in_job_fn in_job, const void *ctx,
		   struct rt_sample *s);

/* Close what cgroup_sample kept. */
void cgroup_close(struct cgroup_job *cg);

/* ---- parsers, for tests ---- */

/* The path of a /proc/PID/cgroup line naming controller (v1, e.g.
 * "4:memory:/a/b" or "3:cpu,cpuacct:/a"), or of the v2 line ("0::/a")
 * when controller is NULL, into dst.  0, -ENOENT, -ENAMETOOLONG. */
int cgroup_parse_membership(const char *buf, size_t len,
			    const char *controller, char *dst, size_t size);

/* One mountinfo line: 1 when it mounts a hierarchy holding controller
 * (v1, in its super options) or the v2 hierarchy (controller NULL), with
 * the mount's root and mount point unescaped into root and mnt; 0
 * otherwise; -errno when malformed. */
int cgroup_parse_mount(const char *line, const char *end,
		       const char *controller, char *root, size_t rsize,
		       char *mnt, size_t msize);

/* A limit file: memory.max, memory.limit_in_bytes, a quota.  A number,
 * or -ENODATA for "max", -1 or the v1 "unlimited" page counter. */
int cgroup_parse_limit(const char *buf, size_t len, uint64_t *v);

/* cpu.max ("50000 100000" or "max 100000") in 1/1000 of a core:
 * -ENODATA without a quota. */
int cgroup_parse_cpu_max(const char *buf, size_t len, uint64_t *mcores);

/* A PSI file's "some ... total=N" in µs.  0, -EINVAL. */
int cgroup_parse_psi_some(const char *buf, size_t len, uint64_t *total_us);

#endif
