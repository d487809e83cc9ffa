/* advice.h - answers, not only numbers: what to ask a scheduler for
 * (cores from a model of the run, memory, GPUs, time; as Slurm options and
 * Kubernetes resources) and what held the job back (a diagnosis from the
 * run delay, the machine's other load, the cgroup's quota, limits and
 * out-of-memory kills, swap, major faults and io pressure of format 1.6).
 *
 * Computed from a decoded log (run.h) and its summary (stats.h).  Every
 * figure the log cannot give (a log before 1.6, no cgroup, no PSI) is
 * unavailable, never 0.  No I/O; advice_of allocates for its model only
 * while it runs. */
#ifndef RTRACK_ADVICE_H
#define RTRACK_ADVICE_H

#include <stddef.h>
#include <stdint.h>

#include "run.h"
#include "stats.h"

/* Thresholds of the model and the verdicts (README: Advice). */
#define ADVICE_RUNTIME_SLACK 1.10  /* cores: within 10% of the measured run */
#define ADVICE_MEMORY_MARGIN 1.20  /* memory: the basis + 20%, rounded up */
#define ADVICE_TIME_MARGIN 1.50    /* time: the model's runtime + 50% */
#define ADVICE_BUSY_CPU 0.80       /* cpu-bound: the cores in use were busy */
#define ADVICE_BUSY_LOW 0.50       /* io-bound needs CPU below this */
#define ADVICE_WAIT_OF_CPU 0.10    /* cpu-starved: run delay / CPU time */
#define ADVICE_WAIT_OF_RUN 0.05    /* ... and run delay / duration */
#define ADVICE_OTHER_CORES 0.50    /* ... with this much other load */
#define ADVICE_THROTTLED_SHARE 0.10 /* throttled: share of the run */
#define ADVICE_THROTTLED_PERIODS 0.30 /* ... or of the quota's periods */
#define ADVICE_AT_QUOTA 0.80       /* a job using this much of its quota
				    * waited for the quota, not others */
#define ADVICE_IO_PRESSURE 0.20    /* io-bound: share of time stalled */
#define ADVICE_SWAP_MIB 16.0       /* memory-bound: swap at least this ... */
#define ADVICE_SWAP_SHARE 0.10     /* ... and this share of the peak */
#define ADVICE_FAULTS_PER_S 100.0  /* memory-bound: major faults per second */
#define ADVICE_FAULTS_MIN 1000     /* ... and at least this many */
#define ADVICE_LIMIT_SHARE 0.90    /* memory-bound: peak / cgroup limit */
#define ADVICE_MACHINE_SHARE 0.80  /* memory-bound: peak / machine memory */
#define ADVICE_OOM_FACTOR 2.0      /* an OOM-killed job asks for this many
				    * times the limit that killed it */

/* X(name, C type, decimals) - the JSON "diagnosis" figures (DESIGN.md). */
#define ADVICE_DIAG_FIELDS(X)                                                 \
	X(cpu_wait_seconds,   double,   3)                                    \
	X(other_load_cores,   double,   2)                                    \
	X(cpu_quota_cores,    double,   3)                                    \
	X(throttled_seconds,  double,   3)                                    \
	X(memory_limit_mib,   double,   3)                                    \
	X(oom_kills,          uint64_t, -1)                                   \
	X(major_faults,       uint64_t, -1)                                   \
	X(swap_mib_max,       double,   3)                                    \
	X(io_pressure,        double,   4)

enum advice_diag_key {
#define ADVICE_DIAG_ENUM(name, type, dec) ADVICE_D_##name,
	ADVICE_DIAG_FIELDS(ADVICE_DIAG_ENUM)
#undef ADVICE_DIAG_ENUM
	ADVICE_DIAG_NFIELDS
};

struct advice_diag {
#define ADVICE_DIAG_MEMBER(name, type, dec) type name;
	ADVICE_DIAG_FIELDS(ADVICE_DIAG_MEMBER)
#undef ADVICE_DIAG_MEMBER
	uint64_t present; /* bit ADVICE_D_x set: figure x is known */
};

extern const struct stats_field advice_diag_fields[ADVICE_DIAG_NFIELDS];

/* What held the job back.  Each of the first five is a reason; two or
 * more reasons make MIXED; none, with CPU known, WAITING. */
enum advice_verdict {
	ADVICE_UNKNOWN = 0,
	ADVICE_CPU_BOUND = 1,
	ADVICE_CPU_STARVED = 2,
	ADVICE_THROTTLED = 4,
	ADVICE_MEMORY_BOUND = 8,
	ADVICE_IO_BOUND = 16,
	ADVICE_WAITING = 32,
	ADVICE_MIXED = 64,
};

/* "cpu-bound", "cpu-starved", "throttled", "memory-bound", "io-bound",
 * "waiting", "mixed"; NULL for ADVICE_UNKNOWN or a set of several. */
const char *advice_verdict_name(enum advice_verdict v);

/* Where the memory recommendation comes from. */
enum advice_mem_basis {
	ADVICE_MEM_NONE,        /* nothing measured: the smallest size */
	ADVICE_MEM_CGROUP_PEAK, /* the job owns its cgroup: its peak */
	ADVICE_MEM_TREE_MAX,    /* the sampled tree's maximum, or the
				 * largest single peak where larger */
	ADVICE_MEM_OOM_LIMIT,   /* killed at the cgroup's limit: what it
				 * needs is not known; twice the limit */
};

#define ADVICE_MAX_RUNTIMES 24 /* 1, 2, 4, ... 2^22 and ncpus */
#define ADVICE_SLURM_MAX 128
#define ADVICE_QTY_MAX 32

struct advice_runtime {
	uint64_t cores;
	double seconds;
};

/* What to ask for. */
struct advice_rec {
	uint64_t cores, memory_mib, gpus, vram_mib;
	struct advice_runtime runtime[ADVICE_MAX_RUNTIMES]; /* by cores */
	size_t nruntime;       /* 0: no model (no duration or no CPU) */
	double runtime_s;      /* the model's runtime on `cores`; < 0 unknown */
	uint64_t time_s;       /* runtime_s + 50%, up to a minute; 0 unknown */
	enum advice_mem_basis memory_basis;
	double memory_basis_mib; /* what memory_mib was sized from */
	double memory_upper_mib; /* tree basis: Σ of the processes' peaks
				  * (an upper bound); < 0 unknown */
	char slurm[ADVICE_SLURM_MAX]; /* sbatch options */
	char k8s_cpu[ADVICE_QTY_MAX], k8s_memory[ADVICE_QTY_MAX];
};

struct advice {
	struct advice_rec rec;
	struct advice_diag diag;
	unsigned reasons;            /* ADVICE_* reasons that apply */
	enum advice_verdict verdict; /* one name, or MIXED */
	char sentence[400];          /* "" when the verdict is unknown */
	double duration_s;           /* < 0 unknown */
	double cpu_busy;             /* share of the run the cores in use were
				      * busy; < 0 unknown */
	/* The cgroup's out-of-memory kills rose during the run: 1; 0 they
	 * did not; -1 the log cannot say (before 1.6, no cgroup). */
	int oom_rose;
	/* The last sample found the job near running out of memory: 1 its
	 * processes' RSS at 90% or more of the cgroup's limit (near_used_kib
	 * of near_limit_kib), 2 the machine's MemAvailable at 5% or less of
	 * its memory (near_used_kib available of near_limit_kib); 0 neither
	 * or unknown (sample_near_oom).  For a job that ended with no
	 * record of how: the likely cause (the out-of-memory killer leaves
	 * none). */
	int oom_near;
	uint64_t near_used_kib, near_limit_kib;
	/* The share of the quota's periods the cgroup was throttled in
	 * (cpu.stat nr_throttled / nr_periods over the run); < 0 unknown.
	 * Throttled time undercounts a group that also waits behind other
	 * work; this share does not. */
	double throttled_periods;
};

/* The advice for run, whose summary is s (stats_summarize).  Never fails:
 * without memory for the model the cores are the mean rounded up and
 * runtime_by_cores is empty. */
void advice_of(const struct run *run, const struct stats_summary *s,
	       struct advice *a);

/* Whether process p was killed by the out-of-memory killer: it died of
 * SIGKILL while the cgroup's oom_kills rose (a->oom_rose).  1 yes; 0 no
 * (not SIGKILLed, or no kill in the cgroup); -1 SIGKILLed and the log
 * cannot say (before 1.6, no cgroup), or p is a root that left no record
 * of how it ended. */
int advice_oom_killed(const struct advice *a, const struct job_proc *p);

/* Whether the job's end (job_end_get) was a kill by the out-of-memory
 * killer, as advice_oom_killed says of a process. */
int advice_oom_ended(const struct advice *a, const struct job_end *e);

/* One recommendation over several runs: the most cores and memory any
 * run needs, the longest time; and the spread of each run's duration,
 * recommended cores and memory basis. */
struct advice_spread {
	double min, mean, max;
	size_t n; /* runs with the figure; 0: unknown */
};

struct advice_all {
	size_t runs;
	struct advice_rec rec; /* cores, memory_mib, gpus, vram_mib, time_s,
				* slurm, k8s_*; no runtime model */
	struct advice_spread duration_s, cores, memory_peak_mib;
};

void advice_all_runs(const struct advice *each, size_t n,
		     struct advice_all *all);

/* advice_all_runs of the n runs' own advice (stats_summarize, advice_of).
 * 0, or -1 when memory ran out (errno ENOMEM; all untouched). */
int advice_runs(const struct run *runs, size_t n, struct advice_all *all);

/* The sbatch options for a recommendation: "--cpus-per-task=C --mem=M
 * [--gres=gpu:G] [--time=T]" (M in G where a whole GiB, else M; T as
 * [D-]H:MM:SS, left out when time_s is 0).  Cut to fit size. */
void advice_slurm(char *dst, size_t size, const struct advice_rec *r);

/* A memory size as a Kubernetes quantity: "2Gi" where a whole GiB, else
 * "640Mi". */
void advice_k8s_memory(char *dst, size_t size, uint64_t mib);

#endif
