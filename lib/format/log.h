/* log.h - the records of an rtrack log (lib/format/FORMAT.md) as C structs, shared
 * by the writer (logwrite.c) and the reader (logread.c). */
#ifndef RTRACK_LOG_H
#define RTRACK_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "sample.h"

#define RT_LOG_MAGIC "\x89RTRACK\n" /* 8 bytes, FORMAT.md F1 */
#define RT_LOG_MAGIC_LEN 8
#define RT_LOG_VERSION_MAJOR 1
#define RT_LOG_VERSION_MINOR 9
#define RT_LOG_PREAMBLE_LEN 12 /* magic + u16 major + u16 minor */
#define RT_LOG_MAX_PAYLOAD (1u << 20) /* FORMAT.md R3 */

/* Record types, FORMAT.md R2.  Values never change or get reused. */
enum rt_rec_type {
	RT_REC_HEADER = 1,
	RT_REC_SAMPLE = 2,
	RT_REC_PROC = 3,
	RT_REC_END = 4,
	RT_REC_EXIT = 5,  /* 1.1 */
	RT_REC_EXEC = 6,  /* 1.1 */
	RT_REC_GPU = 7,   /* 1.2 */
	RT_REC_SAMPLES = 8, /* 1.3 */
	RT_REC_REAPED = 9,  /* 1.4: written by the rtrack wrapper */
	RT_REC_BRIEF = 10,  /* 1.7: EXIT's payload, a brief process's (X18) */
};

/* ---- The model of a SAMPLES record (FORMAT.md Q, 1.3) ---- */

#define RT_PACK_UCAP ((uint64_t)1 << 59) /* Q8: largest term of m1, m2 */

/* What the writer and the reader of SAMPLES records know of one field of
 * the chain besides its value (Q7, Q8). */
struct rt_pack_field {
	uint64_t delta;  /* D, the last difference */
	uint64_t delta2; /* the difference before it */
	uint64_t m1, m2; /* running sums of the first and second differences */
	uint64_t seen;   /* OR of the values since the record began */
	uint8_t shift;   /* trailing zero bits the chain's values share */
	uint8_t k;       /* the record's Rice parameter (Q7) */
	uint8_t dod;     /* the record's residual: 1 the second difference */
};

static inline unsigned rt_pack_tz(uint64_t x)
{
	return (unsigned)__builtin_ctzll(x | (uint64_t)1 << 63); /* tz(0) 63 */
}

/* Q5: a field's model at a keyframe whose value is x. */
static inline void rt_pack_key(struct rt_pack_field *f, uint64_t x)
{
	f->delta = f->delta2 = 0;
	f->m1 = f->m2 = 0;
	f->seen = x;
	f->shift = (uint8_t)rt_pack_tz(x);
	f->k = 0;
	f->dod = 0;
}

static inline uint64_t rt_pack_term(uint64_t d)
{
	uint64_t u = codec_zigzag(d);
	return u < RT_PACK_UCAP ? u : RT_PACK_UCAP;
}

/* Q8: a record that is not a keyframe begins: a field present in the
 * record before folds that record's last differences and values into its
 * model (fold); then the record's parameters (Q7). */
static inline void rt_pack_begin(struct rt_pack_field *f, int fold)
{
	uint64_t m;
	unsigned lg;

	if (fold) {
		unsigned tz = rt_pack_tz(f->seen);
		f->m1 = f->m1 - (f->m1 >> 4) + rt_pack_term(f->delta);
		f->m2 = f->m2 - (f->m2 >> 4) +
			rt_pack_term(f->delta - f->delta2);
		if (tz < f->shift)
			f->shift = (uint8_t)tz;
		f->seen = 0;
	}
	f->dod = f->m2 < f->m1;
	m = f->dod ? f->m2 : f->m1;
	/* The bit length of m >> 5 is floor(log2 m) - 4 where m >= 32. */
	lg = 63 - (unsigned)__builtin_clzll(m | 1);
	f->k = (uint8_t)(lg > 4u + f->shift ? lg - 4 - f->shift : 0);
}

/* Q8: after a packed sample whose difference is d and value x. */
static inline void rt_pack_step(struct rt_pack_field *f, uint64_t d,
				uint64_t x)
{
	f->delta2 = f->delta;
	f->delta = d;
	f->seen |= x;
}

/* Memory mode of tree_mem_kib. */
enum rt_mem_mode { RT_MEM_PSS = 0, RT_MEM_RSS = 1 };

#define RT_STR_MAX 4096 /* longest string field kept (header cmdline) */
#define RT_PROC_CMDLINE_MAX 512

struct rt_header {
	char host[256];
	char kernel[256];       /* uname release */
	char machine[64];       /* uname machine */
	uint32_t ncpus;         /* online CPUs at start */
	uint32_t clk_tck;       /* sysconf(_SC_CLK_TCK) */
	uint32_t page_size;
	uint64_t boot_time_ns;  /* wall clock at boot, ns since the epoch */
	uint32_t pid;           /* root process */
	uint64_t start_ns;      /* wall clock when tracking started */
	uint64_t interval_ns;   /* RTRACK_INTERVAL */
	uint32_t flags;         /* RT_CFG_* */
	uint32_t mem_mode;      /* enum rt_mem_mode */
	char cmdline[RT_STR_MAX]; /* argv joined by single spaces */
};

#define RT_CFG_CHILDREN 1u  /* descendants tracked */
#define RT_CFG_SYSTEM 2u    /* system-wide stats sampled */
#define RT_CFG_GPU 4u       /* GPU sampling enabled and a GPU source found */
#define RT_CFG_OUTSIDE 8u   /* written by `rtrack --pid` from outside (1.6) */
#define RT_CFG_MACHINE 16u  /* `rtrack --system`: the machine alone, no
			     * tree (H8 is 0) (1.6) */

/* One process of the tree, as last seen by the sampler. */
struct rt_proc {
	uint32_t pid, ppid;
	uint64_t start_ns;      /* from stat starttime and the boot time */
	uint64_t first_seen_ns, last_seen_ns;
	uint64_t utime_ticks, stime_ticks; /* own, children excluded */
	uint64_t hwm_kib;       /* VmHWM: peak RSS */
	uint64_t read_bytes, write_bytes;
	uint32_t flags;         /* RT_PROC_* */
	int32_t exit_code;      /* valid with RT_PROC_EXITED */
	char cmdline[RT_PROC_CMDLINE_MAX]; /* argv joined by spaces, cut */
	uint64_t starttime_ticks; /* stat (22): with the pid, the identity (1.1) */
	uint64_t run_delay_ns;  /* schedstat: waited for a CPU (1.6) */
	uint64_t major_faults;  /* stat (12): own major faults (1.6) */
	uint64_t swap_kib;      /* largest VmSwap seen (1.6) */
};

#define RT_PROC_ALIVE_AT_END 1u /* still running when the root ended */
#define RT_PROC_EXITED 2u       /* exit_code is known */
#define RT_PROC_SIGNALED 4u     /* exit_code is the signal number */

enum rt_exit_kind { RT_EXIT_UNKNOWN = 0, RT_EXIT_CODE = 1, RT_EXIT_SIGNAL = 2 };

/* A descendant's own account of itself, written by that process at its
 * exit (FORMAT.md X): exact where the sampler can only see what was alive
 * at a sample. */
struct rt_exit {
	uint32_t pid, ppid;
	uint64_t starttime_ticks; /* stat (22): matches rt_proc's */
	uint64_t end_ns;        /* wall clock at exit */
	uint64_t utime_us, stime_us; /* getrusage(RUSAGE_SELF): own, all images */
	uint64_t hwm_kib;       /* VmHWM of the last image */
	uint64_t read_bytes, write_bytes;
	uint32_t exit_kind;     /* enum rt_exit_kind */
	int32_t exit_value;
	uint32_t flags;         /* RT_EXIT_F_* */
	char cmdline[RT_PROC_CMDLINE_MAX];
	uint64_t run_delay_ns;  /* /proc/self/schedstat at exit (1.6) */
	uint64_t major_faults;  /* getrusage ru_majflt (1.6) */
	uint64_t swap_kib;      /* VmSwap at exit (1.6) */
};

#define RT_EXIT_F_FORKED 1u /* a fork()ed copy that never exec'd */
/* Written as a BRIEF record (X18), read from one: the start a bound, the
 * run delay not read. */
#define RT_EXIT_F_BRIEF 2u
/* X12 bits of a BRIEF record: its peak (X7) and its swap (X16) not
 * measured. */
#define RT_EXIT_F_NO_PEAK 4u
#define RT_EXIT_F_NO_SWAP 8u

/* The root replaced its image (FORMAT.md J): written by the new image. */
struct rt_exec {
	uint64_t time_ns;
	uint32_t pid;
	char cmdline[RT_PROC_CMDLINE_MAX];
	uint32_t flags;         /* RT_EXEC_F_* (J4) */
};

/* J4: written by the image leaving, just before its exec call (cmdline:
 * the call's argv).  An EXEC record without it is the new image's; a
 * log whose root's last word is a leaving one exec'd an image that
 * could not load the preload (static, setuid, a scrubbed environment). */
#define RT_EXEC_F_LEAVING 1u
/* J4: the root moved to another pid (J2) and the log goes on there: a
 * daemon() whose parent ended. */
#define RT_EXEC_F_DAEMON 2u

struct rt_end {
	uint64_t time_ns;
	uint32_t exit_kind;     /* enum rt_exit_kind */
	int32_t exit_value;     /* code or signal number */
	uint64_t self_utime_us, self_stime_us;         /* getrusage SELF */
	uint64_t children_utime_us, children_stime_us; /* RUSAGE_CHILDREN */
	uint64_t self_maxrss_kib, children_maxrss_kib;
	uint64_t tracker_cpu_ns;
	uint64_t samples;       /* sample records the root wrote */
	/* 1.8: with RT_END_F_IO, the root's I/O as /proc/self/io counts it
	 * (its own and its waited-for children's: getrusage SELF and
	 * CHILDREN ru_inblock, ru_oublock, x 512) and its own major faults;
	 * a root that ended before its first sample has no PROC record. */
	uint64_t flags;
	uint64_t read_bytes, write_bytes, major_faults;
};

#define RT_END_F_IO 1u /* E13-E15 measured (the library wrote the record) */

/* A process as its parent reaped it (FORMAT.md W): the root, by the
 * rtrack wrapper (1.4): how it ended and wait4's rusage, whatever its last
 * image was; or (1.5) a child a process of the job reaped that a signal
 * killed, which wrote no EXIT record of its own. */
struct rt_reaped {
	uint64_t time_ns;       /* wall clock when it was reaped */
	uint32_t pid;           /* the reaped process: H8, or another run's */
	uint32_t exit_kind;     /* enum rt_exit_kind */
	int32_t exit_value;     /* code or signal number */
	uint64_t utime_us, stime_us; /* own, every image, and waited-for
				      * descendants (wait4's rusage) */
	uint64_t maxrss_kib;    /* largest peak RSS of those */
	uint32_t flags;         /* RT_REAPED_F_* */
	char comm[16];          /* the last image's name (/proc/PID/comm) */
	uint32_t ppid;          /* who reaped it (1.5; 0 before) */
};

#define RT_REAPED_F_CORE 1u  /* killed by a signal that dumped core */
#define RT_REAPED_F_CHILD 2u /* a child reaped by a process of the job */
#define RT_REAPED_F_OOM 4u   /* 1.9: the job's cgroup counted an
			      * out-of-memory kill while the wrapper
			      * waited for the root */

/* The fields of the fixed-layout records in payload order, one list per
 * record, from which logwrite.c's encoders and logread.c's decoders are
 * both made: X(field, kind), kind one of
 *   U    a varint (FORMAT.md P2)       S    a zigzag varint (P3)
 *   STR  a string (P4), cut at the field's size
 *   OPT  a varint a later version added: 0 when the record ends first */
#define RT_PROC_FIELDS(X)                                                     \
	X(pid, U)                /* C1 */                                    \
	X(ppid, U)               /* C2 */                                    \
	X(start_ns, U)           /* C3 */                                    \
	X(first_seen_ns, U)      /* C4 */                                    \
	X(last_seen_ns, U)       /* C5 */                                    \
	X(utime_ticks, U)        /* C6 */                                    \
	X(stime_ticks, U)        /* C7 */                                    \
	X(hwm_kib, U)            /* C8 */                                    \
	X(read_bytes, U)         /* C9 */                                    \
	X(write_bytes, U)        /* C10 */                                   \
	X(flags, U)              /* C11 */                                   \
	X(exit_code, S)          /* C12 */                                   \
	X(cmdline, STR)          /* C13 */                                   \
	X(starttime_ticks, OPT)  /* C14, 1.1 */                              \
	X(run_delay_ns, OPT)     /* C15, 1.6 */                              \
	X(major_faults, OPT)     /* C16, 1.6 */                              \
	X(swap_kib, OPT)         /* C17, 1.6 */

#define RT_EXIT_FIELDS(X)                                                     \
	X(pid, U)                /* X1 */                                    \
	X(ppid, U)               /* X2 */                                    \
	X(starttime_ticks, U)    /* X3 */                                    \
	X(end_ns, U)             /* X4 */                                    \
	X(utime_us, U)           /* X5 */                                    \
	X(stime_us, U)           /* X6 */                                    \
	X(hwm_kib, U)            /* X7 */                                    \
	X(read_bytes, U)         /* X8 */                                    \
	X(write_bytes, U)        /* X9 */                                    \
	X(exit_kind, U)          /* X10 */                                   \
	X(exit_value, S)         /* X11 */                                   \
	X(flags, U)              /* X12 */                                   \
	X(cmdline, STR)          /* X13 */                                   \
	X(run_delay_ns, OPT)     /* X14, 1.6 */                              \
	X(major_faults, OPT)     /* X15, 1.6 */                              \
	X(swap_kib, OPT)         /* X16, 1.6 */

#define RT_EXEC_FIELDS(X)                                                     \
	X(time_ns, U)            /* J1 */                                    \
	X(pid, U)                /* J2 */                                    \
	X(cmdline, STR)          /* J3 */                                    \
	X(flags, OPT)            /* J4, 1.4 */

#define RT_END_FIELDS(X)                                                      \
	X(time_ns, U)            /* E1 */                                    \
	X(exit_kind, U)          /* E2 */                                    \
	X(exit_value, S)         /* E3 */                                    \
	X(self_utime_us, U)      /* E4 */                                    \
	X(self_stime_us, U)      /* E5 */                                    \
	X(children_utime_us, U)  /* E6 */                                    \
	X(children_stime_us, U)  /* E7 */                                    \
	X(self_maxrss_kib, U)    /* E8 */                                    \
	X(children_maxrss_kib, U) /* E9 */                                   \
	X(tracker_cpu_ns, U)     /* E10 */                                   \
	X(samples, U)            /* E11 */                                   \
	X(flags, OPT)            /* E12, 1.8 */                              \
	X(read_bytes, OPT)       /* E13, 1.8 */                              \
	X(write_bytes, OPT)      /* E14, 1.8 */                              \
	X(major_faults, OPT)     /* E15, 1.8 */

#define RT_REAPED_FIELDS(X)                                                   \
	X(time_ns, U)            /* W1 */                                    \
	X(pid, U)                /* W2 */                                    \
	X(exit_kind, U)          /* W3 */                                    \
	X(exit_value, S)         /* W4 */                                    \
	X(utime_us, U)           /* W5 */                                    \
	X(stime_us, U)           /* W6 */                                    \
	X(maxrss_kib, U)         /* W7 */                                    \
	X(flags, U)              /* W8 */                                    \
	X(comm, STR)             /* W9 */                                    \
	X(ppid, OPT)             /* W10, 1.5 */

/* ---- GPU records (FORMAT.md G, 1.2) ---- */

#define RT_GPU_MAX_DEVICES 16
#define RT_GPU_STR_MAX 96  /* NVML's name and UUID buffer sizes */

/* Kinds of GPU record (G1). */
enum rt_gpu_kind { RT_GPU_DEVICES = 0, RT_GPU_VALUES = 1 };

/* Where a device's figures come from. */
enum rt_gpu_source { RT_GPU_NVML = 1, RT_GPU_DRM = 2 };

/* One device of the inventory (G3). */
struct rt_gpu_dev {
	uint32_t source;            /* enum rt_gpu_source */
	char name[RT_GPU_STR_MAX];  /* NVML name; DRM: the driver */
	char id[RT_GPU_STR_MAX];    /* NVML UUID; DRM: the PCI address */
};

/* X(name, comment) - per-device values of a VALUES record (G6), in their
 * on-disk order; only ever appended, like the sample fields. */
#define RT_GPU_FIELDS(X)                                                      \
	X(util_pct,      "device utilization, percent (driver's last period)") \
	X(mem_used_kib,  "device memory used (NVML v2: allocated, no reserve)") \
	X(mem_total_kib, "device memory")                                     \
	X(power_mw,      "board power draw, milliwatts")                      \
	X(temp_c,        "GPU temperature, degrees Celsius")                  \
	X(sm_clock_mhz,  "SM (shader) clock, MHz")                            \
	X(tree_util_pct, "the tree's utilization of this device, percent")    \
	X(tree_mem_kib,  "device memory held by the tree")                    \
	X(tree_procs,    "tracked processes holding the device")              \
	X(flags,         "RT_GPU_F_*")

enum rt_gpu_field {
#define RT_GPU_FIELD_ENUM(name, doc) RT_G_##name,
	RT_GPU_FIELDS(RT_GPU_FIELD_ENUM)
#undef RT_GPU_FIELD_ENUM
	RT_GPU_NFIELDS
};

struct rt_gpu_values {
	union {
		struct {
#define RT_GPU_FIELD_MEMBER(name, doc) uint64_t name;
			RT_GPU_FIELDS(RT_GPU_FIELD_MEMBER)
#undef RT_GPU_FIELD_MEMBER
		};
		uint64_t v[RT_GPU_NFIELDS];
	};
	uint64_t missing; /* bit RT_G_x set: value x could not be read */
};

_Static_assert(RT_GPU_NFIELDS <= 64, "the missing mask holds 64 values");

#define RT_GPU_F_MIG 1u          /* MIG mode on: no per-process utilization */
#define RT_GPU_F_NO_PROC_UTIL 2u /* per-process utilization unavailable */
#define RT_GPU_F_PROCS_CUT 4u    /* more processes than rtrack reads */
#define RT_GPU_F_FOREIGN_PIDS 8u /* pids of another PID namespace (host) */

/* GPU value field name for index i, or NULL past the end. */
const char *gpu_field_name(unsigned i);

static inline int gpu_has(const struct rt_gpu_values *g, enum rt_gpu_field f)
{
	return !(g->missing & ((uint64_t)1 << f));
}

#endif
