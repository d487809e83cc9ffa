/* tracker.h - one sample of the process tree and the system: walks the
 * tree from the root through every task's children file, sums the seed's
 * per-process figures, and keeps a table of the processes seen so that each
 * one is reported (as an rt_proc) once it leaves the tree or at the end.
 *
 * Fixed capacity, no allocation after init, no stdio: the sampler thread
 * calls it inside any host.  Not thread-safe: one caller at a time. */
#ifndef RTRACK_TRACKER_H
#define RTRACK_TRACKER_H

#include <stdint.h>

#include "log.h"
#include "procfs.h"
#include "sample.h"

#define TRACKER_MAX_PROCS 4096   /* live processes followed at once */
#define TRACKER_INDEX_SLOTS 8192 /* hash slots, a power of two > 2x above */

struct tracker_cfg {
	const char *procroot;   /* "/proc" */
	const char *sysroot;    /* "/sys" */
	int32_t root_pid;
	int children;           /* RTRACK_CHILDREN */
	int system;             /* RTRACK_SYSTEM */
	int mem_mode;           /* enum rt_mem_mode */
	uint64_t boot_time_ns;
	uint32_t clk_tck;
};

struct tracker_entry {
	struct rt_proc p;       /* as last seen */
	uint64_t starttime;     /* stat (22): with the pid, the identity */
	uint32_t comm_hash;     /* stat (2): a change means an exec */
	uint32_t gen;           /* sample generation it was last seen in */
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
	uint64_t gone_utime, gone_stime;
	struct procfs_stat root_stat; /* the root's stat in the last sample */
	int root_seen;          /* root_stat is from the last sample */
	uint16_t index[TRACKER_INDEX_SLOTS]; /* entry + 1, 0 = empty */
	int32_t queue[TRACKER_MAX_PROCS];
	struct tracker_entry ent[TRACKER_MAX_PROCS];
};

/* Prepare t (which may be uninitialised static storage). */
void tracker_init(struct tracker *t, const struct tracker_cfg *cfg);

/* Take one sample at wall time now_ns into s (tracker_cpu_ns is left to the
 * caller, flagged missing).  Processes gone since the previous sample are
 * passed to gone first. */
void tracker_sample(struct tracker *t, uint64_t now_ns, struct rt_sample *s,
		    tracker_gone_fn gone, void *ctx);

/* Report every process still in the table as alive at the end, and empty
 * the table. */
void tracker_finish(struct tracker *t, tracker_gone_fn gone, void *ctx);

#endif
