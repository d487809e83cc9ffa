/* sample.h - one sample of the tracked process tree and of the system, as
 * the sampler takes it and as the log stores it.
 *
 * The field list below is the single source of truth: the struct, the log
 * encoder/decoder (lib/inhost/logwrite.c, lib/model/logread.c) and the field names are all
 * generated from it.  Fields are only ever appended (lib/format/FORMAT.md, rule V2):
 * a field's index is its position in this list and never changes.
 *
 * Every value is an unsigned 64-bit integer in the unit its name says;
 * counters are cumulative since boot or since the process started, and the
 * consumer turns them into per-interval figures.  A field the sampler could
 * not read is flagged in `missing`, never stored as 0.
 */
#ifndef RTRACK_SAMPLE_H
#define RTRACK_SAMPLE_H

#include <stdint.h>

/* X(name, comment) - keep the order: it is the on-disk field index. */
#define RT_SAMPLE_FIELDS(X)                                                   \
	X(time_ns,            "wall clock, ns since the epoch")                \
	X(tree_procs,         "live processes in the tree, root included")    \
	X(tree_utime_ticks,   "sum of utime+cutime over the live tree")       \
	X(tree_stime_ticks,   "sum of stime+cstime over the live tree")       \
	X(tree_mem_kib,       "sum of PSS (or RSS, RTRACK_MEMORY=rss)")       \
	X(tree_rss_kib,       "sum of VmRSS over the live tree")              \
	X(tree_hwm_max_kib,   "largest VmHWM of any live process")            \
	X(tree_read_bytes,    "sum of /proc/PID/io read_bytes")               \
	X(tree_write_bytes,   "sum of /proc/PID/io write_bytes")              \
	X(tracker_cpu_ns,     "CPU time used by the sampler thread")          \
	X(sys_procs,          "numeric entries in /proc")                     \
	X(sys_user_ticks,     "/proc/stat cpu user+nice")                     \
	X(sys_system_ticks,   "/proc/stat cpu system")                        \
	X(sys_mem_total_kib,  "MemTotal")                                     \
	X(sys_mem_free_kib,   "MemFree")                                      \
	X(sys_mem_available_kib, "MemAvailable")                              \
	X(sys_mem_buffers_kib, "Buffers")                                     \
	X(sys_mem_cached_kib, "Cached + SReclaimable")                        \
	X(sys_mem_active_kib, "Active")                                       \
	X(sys_mem_inactive_kib, "Inactive")                                   \
	X(sys_disk_read_bytes, "whole disks, sectors x 512")                  \
	X(sys_disk_write_bytes, "whole disks, sectors x 512")                 \
	X(sys_space_total_bytes, "real mounts, statvfs")                      \
	X(sys_space_used_bytes, "real mounts, statvfs")                       \
	X(sys_space_free_bytes, "real mounts, statvfs f_bavail")              \
	X(sys_net_recv_bytes, "/proc/net/dev, lo excluded")                   \
	X(sys_net_sent_bytes, "/proc/net/dev, lo excluded")                   \
	X(seen_utime_ticks,   "own utime of every process seen, gone ones as last seen") \
	X(seen_stime_ticks,   "own stime of every process seen, gone ones as last seen") \
	X(gpu_count,          "GPU devices sampled (1.2)")                    \
	X(sys_gpu_util_pct,   "sum of device utilization, percent")           \
	X(sys_gpu_utilized,   "devices with utilization > 0")                 \
	X(sys_gpu_mem_used_kib, "sum of device memory used")                  \
	X(sys_gpu_mem_total_kib, "sum of device memory")                      \
	X(tree_gpu_util_pct,  "sum over devices of the tree's utilization, percent") \
	X(tree_gpu_utilized,  "devices the tree used with utilization > 0")   \
	X(tree_gpu_mem_kib,   "GPU memory held by the tree")                 \
	X(seen_run_delay_ns,  "runnable but waiting for a CPU, every process seen (1.6)") \
	X(seen_major_faults,  "own major faults of every process seen (1.6)") \
	X(tree_swap_kib,      "sum of VmSwap over the live tree (1.6)")       \
	X(cg_cpu_quota_mcores, "the job's cgroup CPU quota, 1/1000 core (1.6)") \
	X(cg_throttled_ns,    "time the job's cgroup was throttled (1.6)")    \
	X(cg_mem_limit_kib,   "the job's cgroup memory limit (1.6)")          \
	X(cg_mem_usage_kib,   "the job's cgroup memory use, page cache included (1.6)") \
	X(cg_mem_peak_kib,    "the job's cgroup memory peak (1.6)")           \
	X(cg_oom_kills,       "out-of-memory kills in the job's cgroup (1.6)") \
	X(cg_foreign_procs,   "processes in the job's cgroup outside the job (1.6)") \
	X(cg_io_pressure_us,  "the job's cgroup's io PSI some total (1.6)")   \
	X(sys_io_pressure_us, "/proc/pressure/io some total (1.6)")          \
	X(cg_cpu_periods,     "quota periods the job's cgroup ran in (1.6)")  \
	X(cg_cpu_periods_throttled, "of those, periods it was throttled in (1.6)") \
	X(root_utime_ticks,   "the root's own utime, its sampler's included (1.9)") \
	X(root_stime_ticks,   "the root's own stime, idem (1.9)")             \
	X(root_hwm_kib,       "the root's VmHWM, largest seen in this image (1.9)") \
	X(root_read_bytes,    "the root's /proc/PID/io read_bytes (1.9)")     \
	X(root_write_bytes,   "the root's /proc/PID/io write_bytes (1.9)")

enum rt_field {
#define RT_FIELD_ENUM(name, doc) RT_F_##name,
	RT_SAMPLE_FIELDS(RT_FIELD_ENUM)
#undef RT_FIELD_ENUM
	RT_SAMPLE_NFIELDS
};

struct rt_sample {
	union {
		struct {
#define RT_FIELD_MEMBER(name, doc) uint64_t name;
			RT_SAMPLE_FIELDS(RT_FIELD_MEMBER)
#undef RT_FIELD_MEMBER
		};
		uint64_t v[RT_SAMPLE_NFIELDS];
	};
	uint64_t missing; /* bit RT_F_x set: field x could not be read */
};

_Static_assert(RT_SAMPLE_NFIELDS <= 64, "the missing mask holds 64 fields");

/* Field name for index i, or NULL past the end. */
const char *sample_field_name(unsigned i);

static inline int sample_has(const struct rt_sample *s, enum rt_field f)
{
	return !(s->missing & ((uint64_t)1 << f));
}

static inline void sample_set_missing(struct rt_sample *s, enum rt_field f)
{
	s->missing |= (uint64_t)1 << f;
}

/* A sample of a job near the end of its memory: 1 its processes' memory
 * (PSS, which counts a page shared by forked workers once; RSS where the
 * log has no PSS) at 90% or more of its cgroup's limit, or at 75% with
 * the cgroup's use at 95% (*used_kib of *limit_kib), 2 the
 * machine's MemAvailable at 5% or less of its memory (*used_kib available
 * of *limit_kib), else 0.  The sampler flushes every such sample (an
 * out-of-memory kill then loses one interval, not a second's worth), and
 * the decoder names the out-of-memory killer as the likely end of a job
 * whose log ends there with no record of how. */
static inline int sample_near_oom(const struct rt_sample *s,
				  uint64_t *used_kib, uint64_t *limit_kib)
{
	enum rt_field mem = sample_has(s, RT_F_tree_mem_kib) ?
				    RT_F_tree_mem_kib :
				    RT_F_tree_rss_kib;

	/* Or 75% with the cgroup's use (page cache included) at 95%: the
	 * kill comes when the use meets the limit, with the job's own at
	 * 85-92% of it beside the files it read (a Python job's at 100
	 * MiB), and a sample a fifth of a second apart fell between. */
	if (sample_has(s, RT_F_cg_mem_limit_kib) && s->cg_mem_limit_kib &&
	    sample_has(s, mem) &&
	    (s->v[mem] >= s->cg_mem_limit_kib / 10 * 9 ||
	     (s->v[mem] >= s->cg_mem_limit_kib / 4 * 3 &&
	      sample_has(s, RT_F_cg_mem_usage_kib) &&
	      s->cg_mem_usage_kib >= s->cg_mem_limit_kib / 20 * 19))) {
		*used_kib = s->v[mem];
		*limit_kib = s->cg_mem_limit_kib;
		return 1;
	}
	if (sample_has(s, RT_F_sys_mem_available_kib) &&
	    sample_has(s, RT_F_sys_mem_total_kib) && s->sys_mem_total_kib &&
	    s->sys_mem_available_kib <= s->sys_mem_total_kib / 20) {
		*used_kib = s->sys_mem_available_kib;
		*limit_kib = s->sys_mem_total_kib;
		return 2;
	}
	return 0;
}

#endif
