/* stats.h - what a decoded log means: per-interval rows in the units of the
 * seed's (Spare Cores resource-tracker) combined metrics, the run's summary
 * statistics (advice.h sizes a machine from them).  Pure computation: no
 * allocation, no I/O; the output formats (lib/dump/) print these.
 *
 * A value whose source the sampler could not read is "unavailable": its bit
 * in `present` is clear and the formats print it empty or null, never 0.
 */
#ifndef RTRACK_STATS_H
#define RTRACK_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "run.h"

/* X(name, C type, decimals) - the CSV columns of DESIGN.md, in contract
 * order; decimals is the precision the formats print (-1: an integer). */
#define STATS_ROW_FIELDS(X)                                                   \
	X(timestamp,                  double,   3)                            \
	X(system_processes,           uint64_t, -1)                           \
	X(system_utime,               double,   6)                            \
	X(system_stime,               double,   6)                            \
	X(system_cpu_usage,           double,   4)                            \
	X(system_memory_free_mib,     double,   3)                            \
	X(system_memory_used_mib,     double,   3)                            \
	X(system_memory_buffers_mib,  double,   3)                            \
	X(system_memory_cached_mib,   double,   3)                            \
	X(system_memory_active_mib,   double,   3)                            \
	X(system_memory_inactive_mib, double,   3)                            \
	X(system_disk_read_bytes,     uint64_t, -1)                           \
	X(system_disk_write_bytes,    uint64_t, -1)                           \
	X(system_disk_space_total_gb, double,   2)                            \
	X(system_disk_space_used_gb,  double,   2)                            \
	X(system_disk_space_free_gb,  double,   2)                            \
	X(system_net_recv_bytes,      uint64_t, -1)                           \
	X(system_net_sent_bytes,      uint64_t, -1)                           \
	X(system_gpu_usage,           double,   4)                            \
	X(system_gpu_vram_mib,        double,   3)                            \
	X(system_gpu_utilized,        uint64_t, -1)                           \
	X(process_pid,                uint64_t, -1)                           \
	X(process_children,           uint64_t, -1)                           \
	X(process_utime,              double,   6)                            \
	X(process_stime,              double,   6)                            \
	X(process_cpu_usage,          double,   4)                            \
	X(process_memory_mib,         double,   3)                            \
	X(process_disk_read_bytes,    uint64_t, -1)                           \
	X(process_disk_write_bytes,   uint64_t, -1)                           \
	X(process_gpu_usage,          double,   4)                            \
	X(process_gpu_vram_mib,       double,   3)                            \
	X(process_gpu_utilized,       uint64_t, -1)

/* X(name, C type, decimals) - the JSON "summary" keys of DESIGN.md. */
#define STATS_SUMMARY_FIELDS(X)                                               \
	X(duration_s,                 double,   3)                            \
	X(samples,                    uint64_t, -1)                           \
	X(cpu_seconds,                double,   6)                            \
	X(cpu_usage_mean,             double,   4)                            \
	X(cpu_usage_max,              double,   4)                            \
	X(memory_mib_mean,            double,   3)                            \
	X(memory_mib_max,             double,   3)                            \
	X(peak_rss_mib,               double,   3)                            \
	X(disk_read_bytes,            uint64_t, -1)                           \
	X(disk_write_bytes,           uint64_t, -1)                           \
	X(net_recv_bytes,             uint64_t, -1)                           \
	X(net_sent_bytes,             uint64_t, -1)                           \
	X(gpu_usage_mean,             double,   4)                            \
	X(gpu_usage_max,              double,   4)                            \
	X(gpu_vram_mib_max,           double,   3)                            \
	X(processes_seen,             uint64_t, -1)                           \
	X(tracker_cpu_seconds,        double,   6)                            \
	X(processes_exact,            uint64_t, -1)                           \
	X(processes_sampled_only,     uint64_t, -1)                           \
	X(system_memory_total_mib,    double,   3)

enum stats_col {
#define STATS_COL_ENUM(name, type, dec) STATS_C_##name,
	STATS_ROW_FIELDS(STATS_COL_ENUM)
#undef STATS_COL_ENUM
	STATS_ROW_NFIELDS
};

enum stats_sum {
#define STATS_SUM_ENUM(name, type, dec) STATS_S_##name,
	STATS_SUMMARY_FIELDS(STATS_SUM_ENUM)
#undef STATS_SUM_ENUM
	STATS_SUMMARY_NFIELDS
};

_Static_assert(STATS_ROW_NFIELDS <= 64, "the present mask holds 64 columns");
_Static_assert(STATS_SUMMARY_NFIELDS <= 64, "the present mask holds 64");

#define STATS_BIT(i) ((uint64_t)1 << (i))

/* One interval between two consecutive samples. */
struct stats_row {
#define STATS_MEMBER(name, type, dec) type name;
	STATS_ROW_FIELDS(STATS_MEMBER)
	uint64_t present; /* bit STATS_C_x set: column x has a value */
};

struct stats_summary {
	STATS_SUMMARY_FIELDS(STATS_MEMBER)
#undef STATS_MEMBER
	uint64_t present; /* bit STATS_S_x set: key x has a value */
};

/* How a format finds and prints one member of a row or summary. */
struct stats_field {
	const char *name;  /* CSV column / JSON key */
	size_t offset;     /* in struct stats_row or struct stats_summary */
	int decimals;      /* digits after the point; < 0: a uint64_t */
};

extern const struct stats_field stats_row_fields[STATS_ROW_NFIELDS];
extern const struct stats_field stats_summary_fields[STATS_SUMMARY_NFIELDS];

/* Number of intervals in the log: nsamples - 1, or 0 below two samples. */
size_t stats_nrows(const struct rt_log *log);

/* Clock ticks per second of the log's tick counters (100 when the header
 * says 0). */
double stats_clk_tck(const struct rt_log *log);

/* When the run ended: the end record's time, else the wrapper's (REAPED),
 * else the last sample's.
 * Returns 0 and stores it in *ns, or -1 (*ns untouched) when the log has
 * neither. */
int stats_end_ns(const struct rt_log *log, uint64_t *ns);

/* Fill *row with interval i (0 <= i < stats_nrows(&run->log)), i.e.
 * from sample i to sample i + 1.  Counter deltas saturate at 0; a column
 * whose source is missing in either sample has its present bit clear. */
void stats_row(const struct run *run, size_t i, struct stats_row *row);

/* Fill *s with the whole run's statistics.  Keys with nothing to compute
 * from (no rows, no present sample) have their present bit clear. */
void stats_summarize(const struct run *run, struct stats_summary *s);

/* X(name, C type, decimals) - one GPU device over the run (JSON "gpus"):
 * means weighted by the time each sample stands for, and maxima. */
#define STATS_GPU_FIELDS(X)                                                   \
	X(memory_total_mib,              double, 3)                           \
	X(utilization_pct_mean,          double, 2)                           \
	X(utilization_pct_max,           double, 2)                           \
	X(memory_used_mib_max,           double, 3)                           \
	X(power_w_mean,                  double, 3)                           \
	X(power_w_max,                   double, 3)                           \
	X(temperature_c_max,             double, 0)                           \
	X(sm_clock_mhz_max,              double, 0)                           \
	X(process_utilization_pct_mean,  double, 2)                           \
	X(process_utilization_pct_max,   double, 2)                           \
	X(process_vram_mib_max,          double, 3)

enum stats_gpu_key {
#define STATS_GPU_ENUM(name, type, dec) STATS_G_##name,
	STATS_GPU_FIELDS(STATS_GPU_ENUM)
#undef STATS_GPU_ENUM
	STATS_GPU_NFIELDS
};

struct stats_gpu {
#define STATS_GPU_MEMBER(name, type, dec) type name;
	STATS_GPU_FIELDS(STATS_GPU_MEMBER)
#undef STATS_GPU_MEMBER
	uint64_t present; /* bit STATS_G_x set: key x has a value */
	uint32_t flags;   /* RT_GPU_F_* seen in any sample */
};

extern const struct stats_field stats_gpu_fields[STATS_GPU_NFIELDS];

/* Fill *g with device dev (an index of log->gpu_devs) over the run; keys
 * no sample has are unavailable. */
void stats_gpu(const struct rt_log *log, unsigned dev, struct stats_gpu *g);

/* The memory size to ask for that holds mib: the smallest of 128, 256, 512,
 * 1024 and 2048 MiB that is >= mib, above that the next whole multiple of
 * 1024 MiB.  0, negative and NaN give 128; a size too large for a uint64_t
 * gives the largest multiple of 1024 that fits. */
uint64_t stats_round_mib(double mib);

#endif
