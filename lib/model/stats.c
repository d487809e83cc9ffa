/* stats.c - per-interval rows and the run summary from a decoded log, in
 * the seed's (resource-tracker) combined metrics and units. */
#include "stats.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#define ROW_ENTRY(name, type, dec) \
	{#name, offsetof(struct stats_row, name), dec},
#define SUM_ENTRY(name, type, dec) \
	{#name, offsetof(struct stats_summary, name), dec},

const struct stats_field stats_row_fields[STATS_ROW_NFIELDS] = {
	STATS_ROW_FIELDS(ROW_ENTRY)
};

const struct stats_field stats_summary_fields[STATS_SUMMARY_NFIELDS] = {
	STATS_SUMMARY_FIELDS(SUM_ENTRY)
};

#define KIB_PER_MIB 1024.0
#define BYTES_PER_GB 1e9
#define NS_PER_S 1e9
#define US_PER_S 1e6
#define DEFAULT_CLK_TCK 100.0

/* The two samples an interval is computed from, and the row being filled. */
struct interval {
	const struct rt_sample *before; /* the sample before prev, or NULL */
	const struct rt_sample *prev, *cur;
	double clk; /* clock ticks per second */
	double dt;  /* seconds from prev to cur */
	double ncpus; /* online CPUs at start, 0 when unknown */
	int dt_ok;  /* both time stamps present */
	struct stats_row *row;
};

static uint64_t sat_sub(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static const struct rt_sample *log_last(const struct rt_log *log)
{
	return log->nsamples ? &log->samples[log->nsamples - 1] : NULL;
}

double stats_clk_tck(const struct rt_log *log)
{
	return log->hdr.clk_tck ? (double)log->hdr.clk_tck : DEFAULT_CLK_TCK;
}

int stats_end_ns(const struct rt_log *log, uint64_t *ns)
{
	const struct rt_sample *last = log_last(log);
	struct job_end e;

	job_end_get(log, &e);
	if (e.by != JOB_END_NONE)
		*ns = e.time_ns;
	else if (last && sample_has(last, RT_F_time_ns))
		*ns = last->time_ns;
	else
		return -1;
	return 0;
}

static void field_put_u(const struct stats_field *f, void *base,
			uint64_t *present, unsigned i, uint64_t v)
{
	assert(f[i].decimals < 0);
	memcpy((char *)base + f[i].offset, &v, sizeof v);
	*present |= STATS_BIT(i);
}

static void field_put_d(const struct stats_field *f, void *base,
			uint64_t *present, unsigned i, double v)
{
	assert(f[i].decimals >= 0);
	memcpy((char *)base + f[i].offset, &v, sizeof v);
	*present |= STATS_BIT(i);
}

static uint64_t field_get_u(const struct stats_field *f, const void *base,
			    unsigned i)
{
	uint64_t v;

	assert(f[i].decimals < 0);
	memcpy(&v, (const char *)base + f[i].offset, sizeof v);
	return v;
}

/* ---- rows ---- */

static void row_put_u(struct interval *iv, enum stats_col c, uint64_t v)
{
	field_put_u(stats_row_fields, iv->row, &iv->row->present, c, v);
}

static void row_put_d(struct interval *iv, enum stats_col c, double v)
{
	field_put_d(stats_row_fields, iv->row, &iv->row->present, c, v);
}

static int both_have(const struct interval *iv, enum rt_field f)
{
	return sample_has(iv->prev, f) && sample_has(iv->cur, f);
}

static uint64_t delta(const struct interval *iv, enum rt_field f)
{
	return sat_sub(iv->cur->v[f], iv->prev->v[f]);
}

/* Column c = the current value of f (a level, not a counter). */
static void row_level(struct interval *iv, enum stats_col c, enum rt_field f)
{
	if (sample_has(iv->cur, f))
		row_put_u(iv, c, iv->cur->v[f]);
}

/* Column c = the current value of f divided by div (a unit change). */
static void row_scaled(struct interval *iv, enum stats_col c, enum rt_field f,
		       double div)
{
	if (sample_has(iv->cur, f))
		row_put_d(iv, c, (double)iv->cur->v[f] / div);
}

static void row_delta(struct interval *iv, enum stats_col c, enum rt_field f)
{
	if (both_have(iv, f))
		row_put_u(iv, c, delta(iv, f));
}

/* Ticks spent in the interval by counter f.  The tree's sums (the seed's
 * utime+cutime rule) dip for one sample when a child is reaped between the
 * reading of its parent and its own reading: it is in neither.  The next
 * sample finds it in the parent's cutime again; that recovery is not new
 * CPU, so a dip in the previous interval is taken off this one (the seed
 * counts it twice: the "CPU spike on reap").  A drop that lasts (a process
 * reparented away) can hide at most one interval's growth.  Only logs of
 * format 1.0 need this: 1.1 logs have the seen_* counters. */
static uint64_t ticks(const struct interval *iv, enum rt_field f)
{
	uint64_t d = delta(iv, f);

	if ((f == RT_F_tree_utime_ticks || f == RT_F_tree_stime_ticks) &&
	    iv->before && sample_has(iv->before, f))
		d = sat_sub(d, sat_sub(iv->before->v[f], iv->prev->v[f]));
	return d;
}

/* Column c = CPU seconds spent in the interval by tick counter f. */
static void row_ticks(struct interval *iv, enum stats_col c, enum rt_field f)
{
	if (both_have(iv, f))
		row_put_d(iv, c, (double)ticks(iv, f) / iv->clk);
}

/* Cores busy on average over the interval for `spent` CPU seconds.
 * Counters move in whole ticks (10 ms): over the short last interval
 * before an exit one tick reads as several cores.  No interval can use
 * more than every CPU. */
static void row_cores(struct interval *iv, enum stats_col c, double spent)
{
	double usage = iv->dt > 0 ? spent / iv->dt : 0.0;

	if (iv->ncpus > 0 && usage > iv->ncpus)
		usage = iv->ncpus;
	row_put_d(iv, c, usage);
}

/* Column c = cores busy on average: (Δuser + Δsystem) / clk / Δt. */
static void row_usage(struct interval *iv, enum stats_col c,
		      enum rt_field user, enum rt_field sys)
{
	if (!iv->dt_ok || !both_have(iv, user) || !both_have(iv, sys))
		return;
	row_cores(iv, c, ((double)ticks(iv, user) + (double)ticks(iv, sys)) /
				 iv->clk);
}

static void row_system_cpu(struct interval *iv)
{
	row_level(iv, STATS_C_system_processes, RT_F_sys_procs);
	row_ticks(iv, STATS_C_system_utime, RT_F_sys_user_ticks);
	row_ticks(iv, STATS_C_system_stime, RT_F_sys_system_ticks);
	row_usage(iv, STATS_C_system_cpu_usage, RT_F_sys_user_ticks,
		  RT_F_sys_system_ticks);
}

static void row_system_memory(struct interval *iv)
{
	const struct rt_sample *s = iv->cur;

	row_scaled(iv, STATS_C_system_memory_free_mib, RT_F_sys_mem_free_kib,
		   KIB_PER_MIB);
	if (sample_has(s, RT_F_sys_mem_total_kib) &&
	    sample_has(s, RT_F_sys_mem_available_kib))
		row_put_d(iv, STATS_C_system_memory_used_mib,
			  (double)sat_sub(s->sys_mem_total_kib,
					  s->sys_mem_available_kib) /
				  KIB_PER_MIB);
	row_scaled(iv, STATS_C_system_memory_buffers_mib,
		   RT_F_sys_mem_buffers_kib, KIB_PER_MIB);
	row_scaled(iv, STATS_C_system_memory_cached_mib,
		   RT_F_sys_mem_cached_kib, KIB_PER_MIB);
	row_scaled(iv, STATS_C_system_memory_active_mib,
		   RT_F_sys_mem_active_kib, KIB_PER_MIB);
	row_scaled(iv, STATS_C_system_memory_inactive_mib,
		   RT_F_sys_mem_inactive_kib, KIB_PER_MIB);
}

static void row_system_io(struct interval *iv)
{
	row_delta(iv, STATS_C_system_disk_read_bytes, RT_F_sys_disk_read_bytes);
	row_delta(iv, STATS_C_system_disk_write_bytes,
		  RT_F_sys_disk_write_bytes);
	row_scaled(iv, STATS_C_system_disk_space_total_gb,
		   RT_F_sys_space_total_bytes, BYTES_PER_GB);
	row_scaled(iv, STATS_C_system_disk_space_used_gb,
		   RT_F_sys_space_used_bytes, BYTES_PER_GB);
	row_scaled(iv, STATS_C_system_disk_space_free_gb,
		   RT_F_sys_space_free_bytes, BYTES_PER_GB);
	row_delta(iv, STATS_C_system_net_recv_bytes, RT_F_sys_net_recv_bytes);
	row_delta(iv, STATS_C_system_net_sent_bytes, RT_F_sys_net_sent_bytes);
}

/* The GPU columns: the sample that ends the interval, in the seed's
 * units (gpu_usage in GPUs: percent summed over the devices / 100).  A
 * log without GPU (or before 1.2) leaves them unavailable, never 0. */
static void row_gpu(struct interval *iv)
{
	row_scaled(iv, STATS_C_system_gpu_usage, RT_F_sys_gpu_util_pct, 100.0);
	row_scaled(iv, STATS_C_system_gpu_vram_mib, RT_F_sys_gpu_mem_used_kib,
		   KIB_PER_MIB);
	row_level(iv, STATS_C_system_gpu_utilized, RT_F_sys_gpu_utilized);
	row_scaled(iv, STATS_C_process_gpu_usage, RT_F_tree_gpu_util_pct,
		   100.0);
	row_scaled(iv, STATS_C_process_gpu_vram_mib, RT_F_tree_gpu_mem_kib,
		   KIB_PER_MIB);
	row_level(iv, STATS_C_process_gpu_utilized, RT_F_tree_gpu_utilized);
}

/* The tree's CPU in the interval.  With the seen_* counters (own time of
 * every process ever seen, frozen when it leaves) plus what exit records
 * add past the samples, it never goes negative and a reaped or reparented
 * child changes nothing; 1.0 logs fall back to the seed's rule. */
static void row_tree_cpu(struct interval *iv, const struct job *j, size_t i)
{
	double u, s;

	if (!j->tail_utime_s || !both_have(iv, RT_F_seen_utime_ticks) ||
	    !both_have(iv, RT_F_seen_stime_ticks)) {
		row_ticks(iv, STATS_C_process_utime, RT_F_tree_utime_ticks);
		row_ticks(iv, STATS_C_process_stime, RT_F_tree_stime_ticks);
		row_usage(iv, STATS_C_process_cpu_usage, RT_F_tree_utime_ticks,
			  RT_F_tree_stime_ticks);
		return;
	}
	u = (double)delta(iv, RT_F_seen_utime_ticks) / iv->clk +
	    j->tail_utime_s[i];
	s = (double)delta(iv, RT_F_seen_stime_ticks) / iv->clk +
	    j->tail_stime_s[i];
	/* The sampler's own CPU (the root's own counts it), off system time
	 * first, as the total's: at 100 Hz a sleeping job read 0.03 cores
	 * of rtrack's reads.  Ticks are 10 ms: a row may go under 0. */
	if (j->tracker_s) {
		double t = j->tracker_s[i];

		u -= fmax(0, t - s);
		s = fmax(0, s - t);
		u = fmax(0, u);
	}
	row_put_d(iv, STATS_C_process_utime, u);
	row_put_d(iv, STATS_C_process_stime, s);
	if (iv->dt_ok)
		row_cores(iv, STATS_C_process_cpu_usage, u + s);
}

static void row_process(struct interval *iv, const struct run *run, size_t i)
{
	const struct rt_log *log = &run->log;

	row_put_u(iv, STATS_C_process_pid, log->hdr.pid);
	if (sample_has(iv->cur, RT_F_tree_procs))
		row_put_u(iv, STATS_C_process_children,
			  sat_sub(iv->cur->tree_procs, 1));
	row_tree_cpu(iv, &run->job, i);
	row_scaled(iv, STATS_C_process_memory_mib, RT_F_tree_mem_kib,
		   KIB_PER_MIB);
	row_delta(iv, STATS_C_process_disk_read_bytes, RT_F_tree_read_bytes);
	row_delta(iv, STATS_C_process_disk_write_bytes,
		  RT_F_tree_write_bytes);
}

size_t stats_nrows(const struct rt_log *log)
{
	return log->nsamples < 2 ? 0 : log->nsamples - 1;
}

void stats_row(const struct run *run, size_t i, struct stats_row *row)
{
	const struct rt_log *log = &run->log;
	struct interval iv = {
		.before = i > 0 ? &log->samples[i - 1] : NULL,
		.prev = &log->samples[i],
		.cur = &log->samples[i + 1],
		.clk = stats_clk_tck(log),
		.ncpus = log->hdr.ncpus,
		.row = row,
	};

	assert(i < stats_nrows(log));
	memset(row, 0, sizeof *row);
	iv.dt_ok = both_have(&iv, RT_F_time_ns);
	iv.dt = (double)(int64_t)(iv.cur->time_ns - iv.prev->time_ns) / NS_PER_S;
	row_scaled(&iv, STATS_C_timestamp, RT_F_time_ns, NS_PER_S);
	row_system_cpu(&iv);
	row_system_memory(&iv);
	row_system_io(&iv);
	row_gpu(&iv);
	row_process(&iv, run, i);
}

/* ---- summary ---- */

static void sum_put_u(struct stats_summary *s, enum stats_sum k, uint64_t v)
{
	field_put_u(stats_summary_fields, s, &s->present, k, v);
}

static void sum_put_d(struct stats_summary *s, enum stats_sum k, double v)
{
	field_put_d(stats_summary_fields, s, &s->present, k, v);
}

static void sum_duration(const struct rt_log *log, struct stats_summary *s)
{
	uint64_t end;

	if (stats_end_ns(log, &end) == 0)
		sum_put_d(s, STATS_S_duration_s,
			  (double)sat_sub(end, log->hdr.start_ns) / NS_PER_S);
}

/* Own CPU of every process of the job (job.h: exit records, the root's
 * end record, sampled figures for the rest).  Other lower bounds cover
 * what that table cannot see: getrusage's totals of the root and its
 * waited-for descendants (a static binary shorter than an interval);
 * without an end record, the seen_* counters of the last sample (the
 * killed root's own time); and the wrapper's wait4 of the root (REAPED),
 * whatever its images were.  The largest is the closest to the truth. */
static void sum_cpu_seconds(const struct run *run, struct stats_summary *s)
{
	const struct rt_log *log = &run->log;
	const struct rt_sample *last = log_last(log);
	const struct rt_end *e = &log->end;
	double cpu = run->job.cpu_s;
	int have = run->job.nprocs > 0 && (log->has_end || log->nprocs ||
					   log->nexits);
	double reaped = job_reaped_cpu_s(log, &run->job);

	if (log->has_end) {
		uint64_t self = sat_add(e->self_utime_us, e->self_stime_us);
		uint64_t us = sat_add(self, sat_add(e->children_utime_us,
						    e->children_stime_us));
		double ru = (double)us / US_PER_S -
			    (double)run->job.tracker_ns / NS_PER_S;
		cpu = fmax(cpu, ru);
		have = 1;
	} else if (last && sample_has(last, RT_F_seen_utime_ticks) &&
		   sample_has(last, RT_F_seen_stime_ticks)) {
		double seen = ((double)last->seen_utime_ticks +
			       (double)last->seen_stime_ticks) /
			      stats_clk_tck(log);
		for (size_t i = 0; i < run->job.nrows; i++)
			seen += run->job.tail_utime_s[i] +
				run->job.tail_stime_s[i];
		cpu = fmax(cpu, seen);
		have = 1;
	} else if (last && sample_has(last, RT_F_tree_utime_ticks) &&
		   sample_has(last, RT_F_tree_stime_ticks)) {
		cpu = fmax(cpu, ((double)last->tree_utime_ticks +
				 (double)last->tree_stime_ticks) /
					stats_clk_tck(log));
		have = 1;
	}
	if (reaped >= 0) {
		cpu = fmax(cpu, reaped);
		have = 1;
	}
	if (have)
		sum_put_d(s, STATS_S_cpu_seconds, cpu > 0 ? cpu : 0.0);
}

static void sum_tracker(const struct run *run, struct stats_summary *s)
{
	const struct rt_log *log = &run->log;
	const struct rt_sample *last = log_last(log);

	if (log->has_end || (last && sample_has(last, RT_F_tracker_cpu_ns)))
		sum_put_d(s, STATS_S_tracker_cpu_seconds,
			  (double)run->job.tracker_ns / NS_PER_S);
}

/* Row columns whose per-interval counts add up to a summary total. */
static const struct {
	enum stats_col col;
	enum stats_sum key;
} row_totals[] = {
	{STATS_C_process_disk_read_bytes, STATS_S_disk_read_bytes},
	{STATS_C_process_disk_write_bytes, STATS_S_disk_write_bytes},
	{STATS_C_system_net_recv_bytes, STATS_S_net_recv_bytes},
	{STATS_C_system_net_sent_bytes, STATS_S_net_sent_bytes},
};

static void sum_add_totals(struct stats_summary *s, const struct stats_row *r)
{
	for (size_t j = 0; j < sizeof row_totals / sizeof row_totals[0]; j++) {
		unsigned c = row_totals[j].col, k = row_totals[j].key;
		uint64_t have = 0;

		if (!(r->present & STATS_BIT(c)))
			continue;
		if (s->present & STATS_BIT(k))
			have = field_get_u(stats_summary_fields, s, k);
		sum_put_u(s, k, sat_add(have,
					field_get_u(stats_row_fields, r, c)));
	}
}

/* A mean weighted by time, and the largest value. */
struct mean_max {
	double total, seconds, plain, max;
	size_t n;
};

static void mm_add(struct mean_max *m, double v, double dt)
{
	if (dt > 0) {
		m->total += v * dt;
		m->seconds += dt;
	}
	m->plain += v;
	if (m->n++ == 0 || v > m->max)
		m->max = v;
}

/* With no time between the values (one sample): their plain mean. */
static double mm_mean(const struct mean_max *m)
{
	if (m->seconds > 0)
		return m->total / m->seconds;
	return m->n ? m->plain / (double)m->n : 0.0;
}

static void mm_row(struct mean_max *m, const struct stats_row *r,
		   enum stats_col c, double dt)
{
	double v;

	if (!(r->present & STATS_BIT(c)))
		return;
	memcpy(&v, (const char *)r + stats_row_fields[c].offset, sizeof v);
	mm_add(m, v, dt);
}

/* The largest CPU usage over spans of at least STATS_MAX_TICKS clock
 * ticks: consecutive rows merged until that long.  CPU time comes in
 * ticks (10 ms), so one tick in the 5 ms interval a pause, an exec's
 * sweep or the last sample makes reads as 2 cores for a job that used
 * 27 ms in all.  The last span, if short, goes with the one before. */
#define STATS_MAX_TICKS 10

struct span_max {
	double min_s;              /* a span's least length */
	double cpu, dt;            /* the open span */
	double last_cpu, last_dt;  /* the last closed one */
	double max_before_last, max;
	int closed;
};

static void span_add(struct span_max *m, double usage, double dt)
{
	if (dt <= 0)
		return;
	m->cpu += usage * dt;
	m->dt += dt;
	if (m->dt < m->min_s)
		return;
	m->max_before_last = m->max;
	if (!m->closed || m->cpu / m->dt > m->max)
		m->max = m->cpu / m->dt;
	m->last_cpu = m->cpu;
	m->last_dt = m->dt;
	m->cpu = m->dt = 0;
	m->closed = 1;
}

/* The largest span's usage; 0 where no row had time. */
static double span_max_end(struct span_max *m)
{
	double merged;

	if (m->dt <= 0)
		return m->max;
	if (!m->closed)
		return m->cpu / m->dt;
	merged = (m->last_cpu + m->cpu) / (m->last_dt + m->dt);
	return m->max_before_last > merged ? m->max_before_last : merged;
}

/* The mean is weighted by each interval's length: the short last interval
 * before an exit must not count as much as a whole one. */
static void sum_rows(const struct run *run, struct stats_summary *s)
{
	const struct rt_log *log = &run->log;
	struct mean_max cpu = { 0 }, gpu = { 0 }, vram = { 0 };
	struct span_max peak = { .min_s = STATS_MAX_TICKS /
					  stats_clk_tck(log) };
	size_t nrows = stats_nrows(log);
	struct stats_row r;

	for (size_t i = 0; i < nrows; i++) {
		double dt = (double)(int64_t)(log->samples[i + 1].time_ns -
					      log->samples[i].time_ns) / NS_PER_S;
		stats_row(run, i, &r);
		sum_add_totals(s, &r);
		mm_row(&cpu, &r, STATS_C_process_cpu_usage, dt);
		if (r.present & STATS_BIT(STATS_C_process_cpu_usage))
			span_add(&peak, r.process_cpu_usage, dt);
		mm_row(&gpu, &r, STATS_C_process_gpu_usage, dt);
		mm_row(&vram, &r, STATS_C_process_gpu_vram_mib, dt);
	}
	if (cpu.n) {
		sum_put_d(s, STATS_S_cpu_usage_mean,
			  cpu.seconds > 0 ? cpu.total / cpu.seconds : 0.0);
		/* Rows without time (one sample): their own largest. */
		sum_put_d(s, STATS_S_cpu_usage_max,
			  peak.closed || peak.dt > 0 ? span_max_end(&peak)
						     : cpu.max);
	}
	if (gpu.n) {
		sum_put_d(s, STATS_S_gpu_usage_mean, mm_mean(&gpu));
		sum_put_d(s, STATS_S_gpu_usage_max, gpu.max);
	}
	if (vram.n)
		sum_put_d(s, STATS_S_gpu_vram_mib_max, vram.max);
}

/* A job of no interval (it ended before its second sample, or took none:
 * FORMAT.md E16) has no disk figures from the rows; where each of its
 * processes left its own record, each is under its parent's row (no
 * process between them wrote none: its children's bytes would be in the
 * root's figure and their own rows both) and the root's I/O is known,
 * their own bytes add up to the job's, each once (job.c). */
static void sum_disk_of_procs(const struct run *run, struct stats_summary *s)
{
	const struct job *j = &run->job;
	uint64_t rd = 0, wr = 0;

	if (stats_nrows(&run->log) > 0 || !j->nprocs || j->nexact != j->nprocs)
		return;
	for (size_t i = 0; i < j->nprocs; i++) {
		const struct job_proc *p = &j->procs[i];
		if ((p->flags & JOB_ROOT) && !(p->flags & JOB_SAMPLED) &&
		    !(run->log.end.flags & RT_END_F_IO))
			return;
		if (!(p->flags & JOB_ROOT) && !p->parent)
			return;
		rd = sat_add(rd, p->read_bytes);
		wr = sat_add(wr, p->write_bytes);
	}
	sum_put_u(s, STATS_S_disk_read_bytes, rd);
	sum_put_u(s, STATS_S_disk_write_bytes, wr);
}

/* The time a sample stands for: half the span to each neighbour, so the
 * near-duplicate sample at exit weighs what its short interval lasted. */
static double sample_weight(const struct rt_log *log, size_t i)
{
	size_t lo = i > 0 ? i - 1 : i;
	size_t hi = i + 1 < log->nsamples ? i + 1 : i;

	return (double)(int64_t)(log->samples[hi].time_ns -
				 log->samples[lo].time_ns) / NS_PER_S / 2;
}

static void sum_memory(const struct rt_log *log, struct stats_summary *s)
{
	uint64_t max = 0;
	double total = 0, weighted = 0, seconds = 0;
	size_t n = 0;

	for (size_t i = 0; i < log->nsamples; i++) {
		const struct rt_sample *x = &log->samples[i];
		double w = sample_weight(log, i);

		if (!sample_has(x, RT_F_tree_mem_kib))
			continue;
		total += (double)x->tree_mem_kib;
		if (w > 0) {
			weighted += (double)x->tree_mem_kib * w;
			seconds += w;
		}
		if (n++ == 0 || x->tree_mem_kib > max)
			max = x->tree_mem_kib;
	}
	if (n == 0)
		return;
	/* One sample (or no time between them): the plain mean. */
	sum_put_d(s, STATS_S_memory_mib_mean,
		  (seconds > 0 ? weighted / seconds : total / (double)n) /
			  KIB_PER_MIB);
	sum_put_d(s, STATS_S_memory_mib_max, (double)max / KIB_PER_MIB);
}

/* The largest peak RSS of any single process: the sampler's VmHWM maxima,
 * every process record, and the maxrss of the root and of its largest
 * waited-for descendant from getrusage (END) and from the wrapper's wait4
 * (REAPED, every image of the root), which catch peaks between samples. */
static void sum_peak_rss(const struct run *run, struct stats_summary *s)
{
	const struct rt_log *log = &run->log;
	uint64_t max = 0;
	int have = log->nprocs > 0 || log->nexits > 0 || log->has_end ||
		   log->has_reaped;

	for (size_t i = 0; i < log->nsamples; i++) {
		const struct rt_sample *x = &log->samples[i];

		if (!sample_has(x, RT_F_tree_hwm_max_kib))
			continue;
		have = 1;
		if (x->tree_hwm_max_kib > max)
			max = x->tree_hwm_max_kib;
	}
	for (size_t i = 0; i < run->job.nprocs; i++)
		if (run->job.procs[i].hwm_kib > max)
			max = run->job.procs[i].hwm_kib;
	if (log->has_end && log->end.self_maxrss_kib > max)
		max = log->end.self_maxrss_kib;
	if (log->has_end && log->end.children_maxrss_kib > max)
		max = log->end.children_maxrss_kib;
	if (log->has_reaped && log->reaped.maxrss_kib > max)
		max = log->reaped.maxrss_kib;
	if (have)
		sum_put_d(s, STATS_S_peak_rss_mib, (double)max / KIB_PER_MIB);
}

/* The machine's memory, from the last sample that has it. */
static void sum_mem_total(const struct rt_log *log, struct stats_summary *s)
{
	for (size_t i = log->nsamples; i-- > 0;)
		if (sample_has(&log->samples[i], RT_F_sys_mem_total_kib)) {
			sum_put_d(s, STATS_S_system_memory_total_mib,
				  (double)log->samples[i].sys_mem_total_kib /
					  KIB_PER_MIB);
			return;
		}
}

void stats_summarize(const struct run *run, struct stats_summary *s)
{
	const struct rt_log *log = &run->log;

	memset(s, 0, sizeof *s);
	sum_duration(log, s);
	sum_put_u(s, STATS_S_samples, log->nsamples);
	sum_cpu_seconds(run, s);
	sum_rows(run, s);
	sum_disk_of_procs(run, s);
	sum_memory(log, s);
	sum_peak_rss(run, s);
	sum_put_u(s, STATS_S_processes_seen, run->job.nprocs);
	sum_put_u(s, STATS_S_processes_exact, run->job.nexact);
	sum_put_u(s, STATS_S_processes_sampled_only,
		  run->job.nprocs - run->job.nexact - run->job.nkilled);
	sum_mem_total(log, s);
	sum_tracker(run, s);
}

/* ---- GPU devices ---- */

const struct stats_field stats_gpu_fields[STATS_GPU_NFIELDS] = {
#define GPU_ENTRY(name, type, dec) \
	{#name, offsetof(struct stats_gpu, name), dec},
	STATS_GPU_FIELDS(GPU_ENTRY)
#undef GPU_ENTRY
};

/* Value f of device dev over the run, each weighted by the time its
 * sample stands for; scale divides. */
static void gpu_series(const struct rt_log *log, unsigned dev,
		       enum rt_gpu_field f, double scale, struct mean_max *m)
{
	for (size_t k = 0; k < log->ngpu_samples; k++) {
		const struct rt_gpu_sample *gs = &log->gpu_samples[k];
		const struct rt_gpu_values *v;

		if (gs->sample >= log->nsamples || dev >= gs->n)
			continue;
		v = &log->gpu_vals[gs->first + dev];
		if (gpu_has(v, f))
			mm_add(m, (double)v->v[f] / scale,
			       sample_weight(log, gs->sample));
	}
}

static void dev_put(struct stats_gpu *g, enum stats_gpu_key k, double v)
{
	field_put_d(stats_gpu_fields, g, &g->present, k, v);
}

/* Keys mean_key (when not negative) and max_key from value f. */
static void gpu_mean_max(const struct rt_log *log, unsigned dev,
			 struct stats_gpu *g, enum rt_gpu_field f, double scale,
			 int mean_key, enum stats_gpu_key max_key)
{
	struct mean_max m = { 0 };

	gpu_series(log, dev, f, scale, &m);
	if (!m.n)
		return;
	if (mean_key >= 0)
		dev_put(g, (enum stats_gpu_key)mean_key, mm_mean(&m));
	dev_put(g, max_key, m.max);
}

void stats_gpu(const struct rt_log *log, unsigned dev, struct stats_gpu *g)
{
	memset(g, 0, sizeof *g);
	gpu_mean_max(log, dev, g, RT_G_util_pct, 1,
		     STATS_G_utilization_pct_mean, STATS_G_utilization_pct_max);
	gpu_mean_max(log, dev, g, RT_G_mem_used_kib, KIB_PER_MIB, -1,
		     STATS_G_memory_used_mib_max);
	gpu_mean_max(log, dev, g, RT_G_mem_total_kib, KIB_PER_MIB, -1,
		     STATS_G_memory_total_mib);
	gpu_mean_max(log, dev, g, RT_G_power_mw, 1000, STATS_G_power_w_mean,
		     STATS_G_power_w_max);
	gpu_mean_max(log, dev, g, RT_G_temp_c, 1, -1,
		     STATS_G_temperature_c_max);
	gpu_mean_max(log, dev, g, RT_G_sm_clock_mhz, 1, -1,
		     STATS_G_sm_clock_mhz_max);
	gpu_mean_max(log, dev, g, RT_G_tree_util_pct, 1,
		     STATS_G_process_utilization_pct_mean,
		     STATS_G_process_utilization_pct_max);
	gpu_mean_max(log, dev, g, RT_G_tree_mem_kib, KIB_PER_MIB, -1,
		     STATS_G_process_vram_mib_max);
	for (size_t k = 0; k < log->ngpu_samples; k++) {
		const struct rt_gpu_sample *gs = &log->gpu_samples[k];
		const struct rt_gpu_values *v;

		/* as everywhere: a record whose sample never came is out */
		if (dev >= gs->n || gs->sample >= log->nsamples)
			continue;
		v = &log->gpu_vals[gs->first + dev];
		if (gpu_has(v, RT_G_flags))
			g->flags |= (uint32_t)v->flags;
	}
}

/* ---- sizes to ask for ---- */

uint64_t stats_round_mib(double mib)
{
	static const double steps[] = {128, 256, 512, 1024, 2048};
	double gib;

	if (!(mib > 0))
		return 128;
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if (mib <= steps[i])
			return (uint64_t)steps[i];
	gib = ceil(mib / 1024);
	if (gib >= 18446744073709551616.0 / 1024)
		return UINT64_MAX & ~(uint64_t)1023;
	return (uint64_t)gib * 1024;
}
