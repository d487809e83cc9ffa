/* tracker.h - one sample of the process tree and the system: walks the
 * tree from the root through every task's children file, sums the seed's
 * per-process figures, and keeps a table of the processes seen so that each
 * one is reported (as an rt_proc) once it leaves the tree or at the end.
 *
 * Fixed capacity, no allocation after init (the GPU step's own setup, a
 * dlopen, runs once at the first sample), no stdio: the sampler thread
 * calls it inside any host.  Not thread-safe: one caller at a time. */
#ifndef RTRACK_TRACKER_H
#define RTRACK_TRACKER_H

#include <stdint.h>

#include "cgroup.h"
#include "gpu.h"
#include "log.h"
#include "procfs.h"
#include "sample.h"
#include "sysstat.h"

#define TRACKER_MAX_PROCS 4096   /* live processes followed at once */
#define TRACKER_INDEX_SLOTS 8192 /* hash slots, a power of two > 2x above */
#define TRACKER_CMDLINE_TRIES 3  /* samples an empty cmdline is read again */
#define TRACKER_PROCS_SHARE_X 5 /* the process count waits 5x cost_share */
/* A known process's status (the costliest of its files) is read every
 * this many samples; in between its RSS comes from stat and its peak is
 * at least that (tracker_status_all). */
#define TRACKER_STATUS_EVERY 8

struct tracker_cfg {
	const char *procroot;   /* "/proc" */
	const char *sysroot;    /* "/sys" */
	int32_t root_pid;
	int children;           /* RTRACK_CHILDREN */
	int system;             /* RTRACK_SYSTEM */
	/* 1: no cgroup step (its fields missing).  A root whose job ends
	 * before its first sample takes one sample, at exit: the cgroup's
	 * counters read once give no interval, and reading them (about
	 * 500 us, most of that sample) is time the job's exit waits for. */
	int no_cgroup;
	/* 1: *t lies in memory known to hold zeros (the sampler's fresh
	 * mapping): tracker_init leaves its pid index (16 KiB) as it is
	 * rather than clear it, pages a root's start would otherwise fault
	 * in (README: Performance). */
	int zeroed;
	int mem_mode;           /* enum rt_mem_mode */
	uint64_t boot_time_ns;
	uint32_t clk_tck;
	/* The caller's thread id when it is a thread of the root (the
	 * sampler; 0 otherwise).  It never makes a process, so its children
	 * file is never read. */
	int32_t own_tid;
	/* Reads whose cost grows with what they measure are taken again
	 * only after cost_share times what the last one took: a process's
	 * smaps_rollup in PSS mode (walking a big address space's page
	 * tables costs milliseconds, under the host's mmap lock; between
	 * reads its PSS moves as its RSS does) and, after
	 * TRACKER_PROCS_SHARE_X times as long, the system's process count (a
	 * listing of /proc: sysstat.h).  0: every sample. */
	uint32_t cost_share;
	/* The root's argv joined as procfs_format_cmdline joins /proc's
	 * cmdline, when the caller has it (NULL: read from /proc): its first
	 * PROC record without a read of /proc/PID/cmdline. */
	const char *root_cmdline;
};

/* The GPU step (RTRACK_GPU=auto), apart from tracker_cfg so that callers
 * that fill that one by position keep compiling. */
struct tracker_gpu_cfg {
	const char *nvml_path;  /* NULL: libnvidia-ml.so.1 (tests: a fake) */
};

struct tracker_entry {
	struct rt_proc p;       /* as last seen */
	uint64_t starttime;     /* stat (22): with the pid, the identity */
	uint32_t comm_hash;     /* stat (2): a change means an exec */
	uint32_t cmdline_tries; /* empty cmdline read again, this often */
	uint32_t gen;           /* sample generation it was last seen in */
	/* Its pids in the PID namespaces below /proc's (NSpid after the
	 * first): a GPU driver may report one of those. */
	uint32_t nspid[PROCFS_NSPID_MAX - 1];
	uint32_t nspid_n;
	struct procfs_kept kept; /* its /proc descriptors (tracker_keep_fds) */
	/* PSS as last read, the RSS then, and when it may be read again
	 * (CLOCK_MONOTONIC ns; tracker_cfg.cost_share). */
	uint64_t pss_kib, pss_rss_kib, pss_due_ns;
	int pss_read;           /* pss_kib holds a reading */
	/* Samples since its status was read, and what that read had. */
	uint32_t status_age;
	int status_vm;          /* it had Vm lines (a process with memory) */
	uint64_t swap_kib;      /* VmSwap as last read */
};

/* Called for each process that left the tree (or, from tracker_finish, for
 * each one still in it). */
typedef void (*tracker_gone_fn)(const struct rt_proc *p, void *ctx);

struct tracker {
	struct tracker_cfg cfg;
	uint32_t gen, nent;
	uint64_t overflowed;    /* processes not followed: table was full */
	/* Own ticks of processes that left the tree, as last seen: the
	 * seen_* counters go on counting them (sample.h). */
	uint64_t gone_utime, gone_stime, gone_run_delay, gone_majflt;
	uint32_t run_delays;    /* processes whose schedstat was read, last sample */
	struct procfs_stat root_stat; /* the root's stat in the last sample */
	int root_seen;          /* root_stat is from the last sample */
	size_t nqueue;          /* pids walked in the last sample (queue) */
	uint32_t nested;        /* entries with nspid_n > 0, last sample */
	uint64_t page_kib;      /* stat's rss unit */
	int status_all;         /* the next sample reads every status */
	unsigned fd_budget;     /* /proc descriptors that may still be kept */
	struct sysstat_kept sys_kept; /* keep: tracker_keep_fds */
	struct cgroup_job cg;   /* the root's cgroup, found at the first sample */
	int gpu_on;             /* tracker_gpu_init was called */
	int gpu_ready;          /* gpu_init ran (at the first sample) */
	int gpu_found;          /* it found a device */
	struct tracker_gpu_cfg gpu_cfg;
	struct gpu gpu;
	uint16_t index[TRACKER_INDEX_SLOTS]; /* entry + 1, 0 = empty */
	int32_t queue[TRACKER_MAX_PROCS];
	struct tracker_entry ent[TRACKER_MAX_PROCS];
};

/* Prepare t (which may be uninitialised static storage), GPU step off. */
void tracker_init(struct tracker *t, const struct tracker_cfg *cfg);

/* Turn the GPU step on, after tracker_init.  The GPUs are found at the
 * first tracker_sample (gpu_init), on the sampling thread: NVML's
 * descriptors must live in its descriptor table.  None found: the GPU
 * fields stay missing. */
void tracker_gpu_init(struct tracker *t, const struct tracker_gpu_cfg *g);

/* The GPUs the last tracker_sample read, for their log records
 * (logwrite_gpu: the inventory in dev, the values in val); NULL while
 * none was found. */
const struct gpu *tracker_gpus(const struct tracker *t);

/* The next tracker_sample reads every process's status (the last one of
 * a job: its peaks exact, not as of up to TRACKER_STATUS_EVERY samples
 * before). */
static inline void tracker_status_all(struct tracker *t)
{
	t->status_all = 1;
}

/* Keep up to budget /proc descriptors open between samples (procfs.h:
 * a pread instead of a path walk, open and close per file), or none (0).
 * Descriptors kept so far are forgotten, not closed: the caller is a new
 * thread whose descriptor table no longer holds them.  Only for a caller
 * with a descriptor table of its own: kept descriptors would otherwise
 * take numbers of the host's. */
void tracker_keep_fds(struct tracker *t, unsigned budget);

/* Take one sample at wall time now_ns into s (tracker_cpu_ns is left to the
 * caller, flagged missing).  Processes gone since the previous sample are
 * passed to gone first. */
void tracker_sample(struct tracker *t, uint64_t now_ns, struct rt_sample *s,
		    tracker_gone_fn gone, void *ctx);

/* Report every process still in the table as alive at the end, and empty
 * the table. */
void tracker_finish(struct tracker *t, tracker_gone_fn gone, void *ctx);

/* The pid index's occupied slots: one a process in the table, no more
 * (test_tracker checks that a sweep leaves none behind). */
unsigned tracker_index_load(const struct tracker *t);

#endif
