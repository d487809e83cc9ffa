/* advice.c - what to ask for and what held the job back (advice.h): a
 * work-conserving model of the run for cores, the cgroup's or the tree's
 * peak for memory, and a diagnosis from the run delay, other load, quota,
 * limits, swap, faults and io pressure. */
#include "advice.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KIB_PER_MIB 1024.0
#define NS_PER_S 1e9
#define US_PER_S 1e6
#define NONE ((size_t)-1)

const struct stats_field advice_diag_fields[ADVICE_DIAG_NFIELDS] = {
#define DIAG_ENTRY(name, type, dec) \
	{#name, offsetof(struct advice_diag, name), dec},
	ADVICE_DIAG_FIELDS(DIAG_ENTRY)
#undef DIAG_ENTRY
};

static uint64_t sat_sub(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* x as a uint64_t: NaN and negatives give 0, too large UINT64_MAX. */
static uint64_t clamp_u64(double x)
{
	if (!(x > 0))
		return 0;
	if (x >= 18446744073709551616.0)
		return UINT64_MAX;
	return (uint64_t)x;
}

/* Summary key k, or -1 when unavailable. */
static double sum_or(const struct stats_summary *s, enum stats_sum k)
{
	double v;

	if (!(s->present & STATS_BIT(k)) || stats_summary_fields[k].decimals < 0)
		return -1;
	memcpy(&v, (const char *)s + stats_summary_fields[k].offset, sizeof v);
	return v;
}

/* ---- the log's 1.6 fields ---- */

/* Field f of sample x, where the log's format has it (fields 37-48 are
 * 1.6's: an older log's are unknown, whatever the reader left there). */
static int has(const struct rt_log *log, const struct rt_sample *x,
	       enum rt_field f)
{
	if (f >= RT_F_seen_run_delay_ns && !job_log_has_16(log))
		return 0;
	return sample_has(x, f);
}

static size_t first_with(const struct rt_log *log, enum rt_field f)
{
	for (size_t i = 0; i < log->nsamples; i++)
		if (has(log, &log->samples[i], f))
			return i;
	return NONE;
}

static size_t last_with(const struct rt_log *log, enum rt_field f)
{
	for (size_t i = log->nsamples; i-- > 0;)
		if (has(log, &log->samples[i], f))
			return i;
	return NONE;
}

/* A cumulative counter's growth over the run: 0 and *d, or -1. */
static int counter_growth(const struct rt_log *log, enum rt_field f,
			  uint64_t *d)
{
	size_t a = first_with(log, f), b = last_with(log, f);

	if (a == NONE)
		return -1;
	*d = sat_sub(log->samples[b].v[f], log->samples[a].v[f]);
	return 0;
}

static void diag_put_d(struct advice_diag *g, enum advice_diag_key k,
		       double v)
{
	memcpy((char *)g + advice_diag_fields[k].offset, &v, sizeof v);
	g->present |= STATS_BIT(k);
}

static void diag_put_u(struct advice_diag *g, enum advice_diag_key k,
		       uint64_t v)
{
	memcpy((char *)g + advice_diag_fields[k].offset, &v, sizeof v);
	g->present |= STATS_BIT(k);
}

#define KNOWN(a, key) (((a)->diag.present & STATS_BIT(ADVICE_D_##key)) != 0)

/* ---- the run as the model sees it ---- */

/* Per interval: the tree's CPU seconds (scaled to the exact total), the
 * time its processes were runnable but waited for a CPU (run delay,
 * scaled likewise; 0 where the log has none) and the interval's length. */
struct series {
	double *cpu, *wait, *dt;
	size_t n;
	double busy, busy_s;   /* Σ busy share × dt, Σ dt of known rows */
	double sys_s, job_s, span_s; /* rows with the machine's CPU */
};

static double row_d(const struct stats_row *r, enum stats_col c)
{
	double v;

	memcpy(&v, (const char *)r + stats_row_fields[c].offset, sizeof v);
	return v;
}

static int row_has(const struct stats_row *r, enum stats_col c)
{
	return (r->present & STATS_BIT(c)) != 0;
}

static double row_or0(const struct stats_row *r, enum stats_col c)
{
	return row_has(r, c) ? row_d(r, c) : 0;
}

/* The share of an interval's cores in use that were busy: usage over the
 * whole cores it needed (1.02 is one core and tick jitter). */
static double busy_share(double usage)
{
	double whole = fmax(1.0, ceil(usage - 0.1));

	return fmin(1.0, usage / whole);
}

/* Row i into the series and the load sums. */
static void series_row(struct series *x, const struct run *run, size_t i)
{
	const struct rt_log *log = &run->log;
	struct stats_row r;
	double dt = (double)(int64_t)(log->samples[i + 1].time_ns -
				      log->samples[i].time_ns) / NS_PER_S;
	double job;

	stats_row(run, i, &r);
	dt = dt > 0 ? dt : 0;
	if (has(log, &log->samples[i], RT_F_seen_run_delay_ns) &&
	    has(log, &log->samples[i + 1], RT_F_seen_run_delay_ns))
		x->wait[i] = (double)sat_sub(log->samples[i + 1].seen_run_delay_ns,
					     log->samples[i].seen_run_delay_ns) /
			     NS_PER_S;
	job = row_or0(&r, STATS_C_process_utime) +
	      row_or0(&r, STATS_C_process_stime);
	x->cpu[i] = job;
	x->dt[i] = dt;
	if (row_has(&r, STATS_C_process_cpu_usage) && dt > 0) {
		x->busy += busy_share(r.process_cpu_usage) * dt;
		x->busy_s += dt;
	}
	if (row_has(&r, STATS_C_system_utime) &&
	    row_has(&r, STATS_C_system_stime) &&
	    row_has(&r, STATS_C_process_utime) && dt > 0) {
		x->sys_s += r.system_utime + r.system_stime;
		x->job_s += job;
		x->span_s += dt;
	}
}

static void series_free(struct series *x)
{
	free(x->cpu);
	free(x->wait);
	free(x->dt);
}

/* The series of run, scaled so that it sums to cpu_s where that is more
 * (exit records, the end record's getrusage: exact where samples are
 * not).  Without rows, one interval of the whole run.  -1 without memory
 * (x is then empty). */
static int series_build(struct series *x, const struct run *run,
			double cpu_s, double wait_s, double duration)
{
	size_t n = stats_nrows(&run->log), cap = n ? n : 1;
	double total = 0, waited = 0;

	memset(x, 0, sizeof *x);
	x->cpu = calloc(cap, sizeof *x->cpu);
	x->wait = calloc(cap, sizeof *x->wait);
	x->dt = calloc(cap, sizeof *x->dt);
	if (!x->cpu || !x->wait || !x->dt) {
		series_free(x);
		memset(x, 0, sizeof *x);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		series_row(x, run, i);
		total += x->cpu[i];
		waited += x->wait[i];
	}
	x->n = n;
	if (total > 0 && cpu_s > total)
		for (size_t i = 0; i < n; i++)
			x->cpu[i] *= cpu_s / total;
	if (waited > 0 && wait_s > waited)
		for (size_t i = 0; i < n; i++)
			x->wait[i] *= wait_s / waited;
	if (total <= 0 && cpu_s > 0) {
		x->cpu[0] = cpu_s;
		x->dt[0] = duration;
		x->n = 1;
	}
	return 0;
}


/* Interval i on a machine of the job's own: its processes kept k =
 * (cpu + wait) / dt CPUs busy or wanted on average (at least 1), and
 * without the wait for a CPU the interval is wait / k shorter.  Where
 * the log has no run delay this is dt. */
static double own_dt(const struct series *x, size_t i)
{
	double k = x->dt[i] > 0 ? (x->cpu[i] + x->wait[i]) / x->dt[i] : 1;

	return fmax(0, x->dt[i] - x->wait[i] / fmax(1, k));
}

/* The run on a machine of its own: the measured duration less each
 * interval's wait for a CPU (own_dt). */
static double model_base(const struct series *x, double duration)
{
	double base = duration;

	for (size_t i = 0; i < x->n; i++)
		base -= x->dt[i] - own_dt(x, i);
	return fmax(base, 0);
}

/* The run on `cores` cores of its own: each interval (own_dt long) does
 * what its demand and the work carried over allow; what is left at the
 * end takes left/cores more seconds. */
static double model_runtime(const struct series *x, double duration,
			    uint64_t cores)
{
	double carry = 0;

	for (size_t i = 0; i < x->n; i++) {
		double work = carry + x->cpu[i];
		double room = (double)cores * own_dt(x, i);

		carry = work > room ? work - room : 0;
	}
	return model_base(x, duration) + carry / (double)cores;
}

/* Within 10% of the run on a machine of its own: the measured run where
 * the job never waited for a CPU. */
static int fits(const struct series *x, double duration, uint64_t cores)
{
	return model_runtime(x, duration, cores) <=
	       model_base(x, duration) * ADVICE_RUNTIME_SLACK + 1e-9;
}

/* The fewest cores within 10% of the measured run (the model's runtime
 * only falls as cores are added: a bisection), and the runtimes on 1, 2,
 * 4, ... and ncpus cores. */
static void model_cores(const struct series *x, double duration,
			uint64_t ncpus, struct advice_rec *r)
{
	uint64_t lo = 1, hi = ncpus;

	if (!fits(x, duration, hi)) {
		lo = hi;
	} else {
		while (lo < hi) {
			uint64_t mid = lo + (hi - lo) / 2;

			if (fits(x, duration, mid))
				hi = mid;
			else
				lo = mid + 1;
		}
	}
	r->cores = lo;
	r->runtime_s = model_runtime(x, duration, lo);
	r->nruntime = 0;
	for (uint64_t c = 1; r->nruntime < ADVICE_MAX_RUNTIMES; c *= 2) {
		uint64_t k = c < ncpus ? c : ncpus;

		r->runtime[r->nruntime].cores = k;
		r->runtime[r->nruntime++].seconds = model_runtime(x, duration, k);
		if (k == ncpus)
			break;
	}
}

/* The cores to model up to: the machine's, else the most the run used. */
static uint64_t model_ncpus(const struct run *run,
			    const struct stats_summary *s)
{
	double max = sum_or(s, STATS_S_cpu_usage_max);

	if (run->log.hdr.ncpus)
		return run->log.hdr.ncpus;
	return max > 1 ? clamp_u64(ceil(max)) : 1;
}

static void rec_cores(struct advice *a, const struct series *x, int have_x,
		      const struct run *run, const struct stats_summary *s)
{
	double mean = sum_or(s, STATS_S_cpu_usage_mean);

	a->rec.runtime_s = a->duration_s;
	if (have_x && a->duration_s > 0 && x->n > 0) {
		model_cores(x, a->duration_s, model_ncpus(run, s), &a->rec);
		return;
	}
	a->rec.cores = clamp_u64(ceil(mean));
	if (a->rec.cores < 1)
		a->rec.cores = 1;
}

/* ---- memory ---- */

/* The job owns its cgroup: every sample that counts the cgroup's
 * foreign processes counts none, and one does. */
static int owns_cgroup(const struct rt_log *log)
{
	int seen = 0;

	for (size_t i = 0; i < log->nsamples; i++) {
		const struct rt_sample *x = &log->samples[i];

		if (!has(log, x, RT_F_cg_foreign_procs))
			continue;
		if (x->cg_foreign_procs)
			return 0;
		seen = 1;
	}
	return seen;
}

static void rec_memory(struct advice *a, const struct run *run,
		       const struct stats_summary *s)
{
	const struct rt_log *log = &run->log;
	size_t peak = last_with(log, RT_F_cg_mem_peak_kib);
	size_t limit = last_with(log, RT_F_cg_mem_limit_kib);
	uint64_t kills, rose;
	double tree = fmax(sum_or(s, STATS_S_memory_mib_max),
			   sum_or(s, STATS_S_peak_rss_mib));
	double upper = 0;
	double cg = peak != NONE ?
		(double)log->samples[peak].cg_mem_peak_kib / KIB_PER_MIB : 0;

	a->rec.memory_upper_mib = -1;
	a->rec.memory_basis = ADVICE_MEM_NONE;
	a->rec.memory_basis_mib = 0;
	/* A peak of 0 is no peak (a live job's cgroup holds its pages);
	 * below the tree's own it missed some of the job's.  The peak is
	 * the cgroup's since it was made: only one that rose during the run
	 * was set by the job (a shell's cgroup keeps the peak of a build run
	 * an hour before). */
	if (owns_cgroup(log) && cg > 0 && cg >= tree &&
	    counter_growth(log, RT_F_cg_mem_peak_kib, &rose) == 0 && rose) {
		a->rec.memory_basis = ADVICE_MEM_CGROUP_PEAK;
		a->rec.memory_basis_mib = cg;
	} else if (tree >= 0) {
		a->rec.memory_basis = ADVICE_MEM_TREE_MAX;
		a->rec.memory_basis_mib = tree;
		for (size_t i = 0; i < run->job.nprocs; i++)
			upper += (double)run->job.procs[i].hwm_kib;
		if (run->job.nprocs)
			a->rec.memory_upper_mib =
				fmax(upper / KIB_PER_MIB, tree);
	}
	a->rec.memory_mib =
		stats_round_mib(a->rec.memory_basis_mib * ADVICE_MEMORY_MARGIN);
	/* Killed at the limit: the peak is the limit's, not the job's
	 * need, which no figure says; twice the limit, said as such. */
	if (counter_growth(log, RT_F_cg_oom_kills, &kills) == 0 && kills &&
	    limit != NONE && log->samples[limit].cg_mem_limit_kib) {
		double mib = ADVICE_OOM_FACTOR *
			     (double)log->samples[limit].cg_mem_limit_kib /
			     KIB_PER_MIB;

		if (mib > a->rec.memory_basis_mib) {
			a->rec.memory_basis = ADVICE_MEM_OOM_LIMIT;
			a->rec.memory_basis_mib = mib;
			a->rec.memory_upper_mib = -1;
			a->rec.memory_mib =
				stats_round_mib(mib * ADVICE_MEMORY_MARGIN);
		}
	}
}

/* GPUs: the most the tree used at once, rounded (at least 1 where it used
 * any); VRAM: its peak + 20%, rounded as memory. */
static void rec_gpu(struct advice *a, const struct stats_summary *s)
{
	double gpu = sum_or(s, STATS_S_gpu_usage_max);
	double vram = sum_or(s, STATS_S_gpu_vram_mib_max);

	a->rec.gpus = 0;
	if (gpu > 0)
		a->rec.gpus = clamp_u64(round(gpu)) ? clamp_u64(round(gpu)) : 1;
	a->rec.vram_mib =
		vram > 0 ? stats_round_mib(vram * ADVICE_MEMORY_MARGIN) : 0;
}

/* ---- what to write in a job script ---- */

static uint64_t time_limit(double runtime_s)
{
	double t;

	if (!(runtime_s >= 0))
		return 0;
	t = ceil(runtime_s * ADVICE_TIME_MARGIN / 60.0) * 60.0;
	return t < 60 ? 60 : clamp_u64(t);
}

void advice_slurm(char *dst, size_t size, const struct advice_rec *r)
{
	char mem[32], gres[40] = "", time[48] = "";
	unsigned long long t = r->time_s;

	if (r->memory_mib % 1024 == 0)
		snprintf(mem, sizeof mem, "%lluG",
			 (unsigned long long)(r->memory_mib / 1024));
	else
		snprintf(mem, sizeof mem, "%lluM",
			 (unsigned long long)r->memory_mib);
	if (r->gpus)
		snprintf(gres, sizeof gres, " --gres=gpu:%llu",
			 (unsigned long long)r->gpus);
	if (t >= 86400)
		snprintf(time, sizeof time, " --time=%llu-%02llu:%02llu:%02llu",
			 t / 86400, t % 86400 / 3600, t % 3600 / 60, t % 60);
	else if (t)
		snprintf(time, sizeof time, " --time=%llu:%02llu:%02llu",
			 t / 3600, t % 3600 / 60, t % 60);
	snprintf(dst, size, "--cpus-per-task=%llu --mem=%s%s%s",
		 (unsigned long long)r->cores, mem, gres, time);
}

void advice_k8s_memory(char *dst, size_t size, uint64_t mib)
{
	if (mib && mib % 1024 == 0)
		snprintf(dst, size, "%lluGi", (unsigned long long)(mib / 1024));
	else
		snprintf(dst, size, "%lluMi", (unsigned long long)mib);
}

static void rec_lines(struct advice_rec *r)
{
	r->time_s = time_limit(r->runtime_s);
	advice_slurm(r->slurm, sizeof r->slurm, r);
	snprintf(r->k8s_cpu, sizeof r->k8s_cpu, "%llu",
		 (unsigned long long)r->cores);
	advice_k8s_memory(r->k8s_memory, sizeof r->k8s_memory, r->memory_mib);
}

/* ---- diagnosis: the figures ---- */

/* Σ over the processes with 1.6 figures of run delay and major faults;
 * the largest swap.  The run delay of a brief process (X18) that the
 * sampler never saw is not known: the sum is then a lower bound, as
 * for threaded programs (README: Limits). */
static void diag_procs(struct advice *a, const struct job *j)
{
	uint64_t wait = 0, faults = 0, swap = 0;
	size_t n = 0;

	for (size_t i = 0; i < j->nprocs; i++) {
		const struct job_proc *p = &j->procs[i];

		if (!(p->flags & JOB_SCHED))
			continue;
		n++;
		if (p->flags & JOB_WAIT)
			wait += p->run_delay_ns;
		faults += p->major_faults;
		swap = p->swap_kib > swap ? p->swap_kib : swap;
	}
	if (!n)
		return;
	diag_put_d(&a->diag, ADVICE_D_cpu_wait_seconds, (double)wait / NS_PER_S);
	diag_put_u(&a->diag, ADVICE_D_major_faults, faults);
	diag_put_d(&a->diag, ADVICE_D_swap_mib_max, (double)swap / KIB_PER_MIB);
}

static void diag_swap(struct advice *a, const struct rt_log *log)
{
	uint64_t max = 0;
	int seen = 0;

	for (size_t i = 0; i < log->nsamples; i++) {
		const struct rt_sample *x = &log->samples[i];

		if (!has(log, x, RT_F_tree_swap_kib))
			continue;
		seen = 1;
		max = x->tree_swap_kib > max ? x->tree_swap_kib : max;
	}
	if (!seen)
		return;
	if (KNOWN(a, swap_mib_max))
		max = (uint64_t)fmax((double)max,
				     a->diag.swap_mib_max * KIB_PER_MIB);
	diag_put_d(&a->diag, ADVICE_D_swap_mib_max, (double)max / KIB_PER_MIB);
}

/* The cgroup's figures: quota and limit as last sampled, throttling and
 * kills as their growth. */
static void diag_cgroup(struct advice *a, const struct rt_log *log)
{
	size_t q = last_with(log, RT_F_cg_cpu_quota_mcores);
	size_t m = last_with(log, RT_F_cg_mem_limit_kib);
	uint64_t d, t;

	/* A quota or limit of 0 would have stopped the job: not read. */
	if (q != NONE && log->samples[q].cg_cpu_quota_mcores)
		diag_put_d(&a->diag, ADVICE_D_cpu_quota_cores,
			   (double)log->samples[q].cg_cpu_quota_mcores / 1000);
	if (counter_growth(log, RT_F_cg_throttled_ns, &d) == 0)
		diag_put_d(&a->diag, ADVICE_D_throttled_seconds,
			   (double)d / NS_PER_S);
	if (m != NONE && log->samples[m].cg_mem_limit_kib)
		diag_put_d(&a->diag, ADVICE_D_memory_limit_mib,
			   (double)log->samples[m].cg_mem_limit_kib / KIB_PER_MIB);
	if (counter_growth(log, RT_F_cg_cpu_periods, &d) == 0 && d > 0 &&
	    counter_growth(log, RT_F_cg_cpu_periods_throttled, &t) == 0)
		a->throttled_periods = (double)t / (double)d;
	if (counter_growth(log, RT_F_cg_oom_kills, &d) == 0) {
		diag_put_u(&a->diag, ADVICE_D_oom_kills, d);
		a->oom_rose = d > 0;
	}
	/* The wrapper's count around the whole run (W8 bit 2): a kill of
	 * the root comes after its last sample. */
	if (log->has_reaped && (log->reaped.flags & RT_REAPED_F_OOM)) {
		a->oom_rose = 1;
		if (!KNOWN(a, oom_kills) || a->diag.oom_kills == 0)
			diag_put_u(&a->diag, ADVICE_D_oom_kills, 1);
	}
	/* Only where the log ends as a kill would end it: not damage that
	 * may hide an end, not an exec into an image rtrack cannot enter. */
	if (log->nsamples && !log->damage_memory &&
	    (!log->damaged || log->damage_tail) && !job_exec_away(log))
		a->oom_near = sample_near_oom(&log->samples[log->nsamples - 1],
					      &a->near_used_kib,
					      &a->near_limit_kib);
}

/* The share of time some task stalled on io: the cgroup's PSI where the
 * log has it, else the machine's, over the time between the samples. */
/* The log's io pressure is the cgroup's: read in two samples or more,
 * and not the machine's own figures (the root cgroup's, which a job that
 * has no cgroup of its own on v2, or the hybrid layout's unified
 * hierarchy, gives). */
static int io_of_cgroup(const struct rt_log *log)
{
	size_t i = first_with(log, RT_F_cg_io_pressure_us);

	if (i == NONE || i == last_with(log, RT_F_cg_io_pressure_us))
		return 0;
	for (; i < log->nsamples; i++) {
		const struct rt_sample *x = &log->samples[i];

		if (!has(log, x, RT_F_sys_io_pressure_us) ||
		    (has(log, x, RT_F_cg_io_pressure_us) &&
		     x->cg_io_pressure_us != x->sys_io_pressure_us))
			return 1;
	}
	return 0;
}

static void diag_io(struct advice *a, const struct rt_log *log)
{
	enum rt_field f = RT_F_cg_io_pressure_us;
	size_t i = first_with(log, f), k = last_with(log, f);
	double span, us;

	if (!io_of_cgroup(log)) {
		f = RT_F_sys_io_pressure_us;
		i = first_with(log, f);
		k = last_with(log, f);
	}
	if (i == NONE || i == k)
		return;
	span = (double)(int64_t)(log->samples[k].time_ns -
				 log->samples[i].time_ns) / US_PER_S * 1000;
	if (!(span > 0))
		return;
	us = (double)sat_sub(log->samples[k].v[f], log->samples[i].v[f]);
	diag_put_d(&a->diag, ADVICE_D_io_pressure, fmin(1.0, us / span));
}

static void diag_figures(struct advice *a, const struct run *run,
			 const struct series *x, int have_x)
{
	diag_swap(a, &run->log);
	diag_cgroup(a, &run->log);
	diag_io(a, &run->log);
	if (have_x && x->span_s > 0)
		diag_put_d(&a->diag, ADVICE_D_other_load_cores,
			   fmax(0.0, (x->sys_s - x->job_s) / x->span_s));
	a->cpu_busy = have_x && x->busy_s > 0 ? x->busy / x->busy_s : -1;
}

/* ---- diagnosis: the verdict ---- */

static void put_secs(char *dst, size_t size, double s)
{
	snprintf(dst, size, s >= 10 ? "%.0f s" : "%.1f s", s);
}

static void put_mib(char *dst, size_t size, double mib)
{
	if (mib >= 1024)
		snprintf(dst, size, "%.1f GiB", mib / 1024);
	else
		snprintf(dst, size, "%.0f MiB", mib);
}

static int throttled(const struct advice *a)
{
	return (KNOWN(a, throttled_seconds) && a->duration_s > 0 &&
		a->diag.throttled_seconds >=
			ADVICE_THROTTLED_SHARE * a->duration_s) ||
	       a->throttled_periods >= ADVICE_THROTTLED_PERIODS;
}

static int starved(const struct advice *a, double cpu_s)
{
	double wait = a->diag.cpu_wait_seconds;

	if (!KNOWN(a, cpu_wait_seconds) || !(cpu_s > 0) || a->duration_s <= 0)
		return 0;
	if (wait < ADVICE_WAIT_OF_CPU * cpu_s ||
	    wait < ADVICE_WAIT_OF_RUN * a->duration_s)
		return 0;
	/* A throttled job that used its quota waited for the quota: a
	 * throttled task is runnable, and its wait is run delay too. */
	if (throttled(a) && KNOWN(a, cpu_quota_cores) &&
	    cpu_s / a->duration_s >= ADVICE_AT_QUOTA * a->diag.cpu_quota_cores)
		return 0;
	/* The job outnumbering its own cores is CPU-bound, not starved. */
	return !KNOWN(a, other_load_cores) ||
	       a->diag.other_load_cores >= ADVICE_OTHER_CORES;
}

/* The peak the job itself reached (the tree's, not the cache's). */
static double own_peak(const struct stats_summary *s)
{
	return fmax(sum_or(s, STATS_S_memory_mib_max),
		    sum_or(s, STATS_S_peak_rss_mib));
}

static int memory_bound(const struct advice *a, const struct stats_summary *s)
{
	double peak = own_peak(s), total;

	if (KNOWN(a, oom_kills) && a->diag.oom_kills > 0)
		return 1;
	if (KNOWN(a, swap_mib_max) && a->diag.swap_mib_max >= ADVICE_SWAP_MIB &&
	    a->diag.swap_mib_max >= ADVICE_SWAP_SHARE * peak)
		return 1;
	if (KNOWN(a, major_faults) && a->duration_s > 0 &&
	    a->diag.major_faults >= ADVICE_FAULTS_MIN &&
	    (double)a->diag.major_faults >=
		    ADVICE_FAULTS_PER_S * a->duration_s)
		return 1;
	if (KNOWN(a, memory_limit_mib) && peak > 0 &&
	    peak >= ADVICE_LIMIT_SHARE * a->diag.memory_limit_mib)
		return 1;
	total = sum_or(s, STATS_S_system_memory_total_mib);
	return total > 0 && peak >= ADVICE_MACHINE_SHARE * total;
}

static int io_bound(const struct advice *a)
{
	return KNOWN(a, io_pressure) &&
	       a->diag.io_pressure >= ADVICE_IO_PRESSURE && a->cpu_busy >= 0 &&
	       a->cpu_busy < ADVICE_BUSY_LOW;
}

static unsigned reasons_of(const struct advice *a,
			   const struct stats_summary *s)
{
	unsigned r = 0;
	double cpu_s = sum_or(s, STATS_S_cpu_seconds);

	if (starved(a, cpu_s))
		r |= ADVICE_CPU_STARVED;
	if (throttled(a))
		r |= ADVICE_THROTTLED;
	/* Starved or throttled say why the CPU was the limit. */
	if (!r && a->cpu_busy >= ADVICE_BUSY_CPU)
		r |= ADVICE_CPU_BOUND;
	if (memory_bound(a, s))
		r |= ADVICE_MEMORY_BOUND;
	if (io_bound(a))
		r |= ADVICE_IO_BOUND;
	return r;
}

const char *advice_verdict_name(enum advice_verdict v)
{
	switch (v) {
	case ADVICE_CPU_BOUND: return "cpu-bound";
	case ADVICE_CPU_STARVED: return "cpu-starved";
	case ADVICE_THROTTLED: return "throttled";
	case ADVICE_MEMORY_BOUND: return "memory-bound";
	case ADVICE_IO_BOUND: return "io-bound";
	case ADVICE_WAITING: return "waiting";
	case ADVICE_MIXED: return "mixed";
	default: return NULL;
	}
}

static void say_starved(char *dst, size_t size, const struct advice *a,
			const struct run *run)
{
	char w[32];

	put_secs(w, sizeof w, a->diag.cpu_wait_seconds);
	if (KNOWN(a, other_load_cores) && run->log.hdr.ncpus)
		snprintf(dst, size, "%.0f of %u cores were taken by other work: "
			 "the job waited %s for a CPU; ask for dedicated "
			 "cores or a quieter machine",
			 fmin(round(a->diag.other_load_cores),
			      run->log.hdr.ncpus),
			 (unsigned)run->log.hdr.ncpus, w);
	else
		snprintf(dst, size, "the job waited %s for a CPU, which other "
			 "work held: ask for dedicated cores", w);
}

static void say_throttled(char *dst, size_t size, const struct advice *a)
{
	char t[32], q[48] = "", more[48] = "";
	double quota = a->diag.cpu_quota_cores;

	put_secs(t, sizeof t, a->diag.throttled_seconds);
	if (KNOWN(a, cpu_quota_cores)) {
		snprintf(q, sizeof q, " of %.3g core%s", quota,
			 quota == 1 ? "" : "s");
		snprintf(more, sizeof more, " above %.3g", quota);
	}
	snprintf(dst, size, "the cgroup's CPU quota%s throttled the job for %s "
		 "(%.0f%% of the run): raise the quota%s", q, t,
		 100 * a->diag.throttled_seconds / a->duration_s, more);
}

static void say_memory(char *dst, size_t size, const struct advice *a,
		       const struct stats_summary *s)
{
	char lim[32] = "", sw[32];
	unsigned long long want = a->rec.memory_mib;

	if (KNOWN(a, memory_limit_mib))
		put_mib(lim, sizeof lim, a->diag.memory_limit_mib);
	if (KNOWN(a, oom_kills) && a->diag.oom_kills > 0) {
		unsigned long long k = a->diag.oom_kills;

		snprintf(dst, size, "the out-of-memory killer ended %llu "
			 "process%s%s%s: ask for more memory than that", k,
			 k == 1 ? "" : "es", lim[0] ? " at the cgroup's limit "
			 "of " : "", lim);
		return;
	}
	if (KNOWN(a, swap_mib_max) && a->diag.swap_mib_max >= ADVICE_SWAP_MIB &&
	    a->diag.swap_mib_max >= ADVICE_SWAP_SHARE * own_peak(s)) {
		put_mib(sw, sizeof sw, a->diag.swap_mib_max);
		snprintf(dst, size, "the job had up to %s swapped out: give it "
			 "more memory (%llu MiB)", sw, want);
	} else if (KNOWN(a, major_faults) && a->diag.major_faults >=
		   ADVICE_FAULTS_MIN && (double)a->diag.major_faults >=
		   ADVICE_FAULTS_PER_S * a->duration_s) {
		snprintf(dst, size, "the job took %llu major page faults (%.0f "
			 "a second): give it more memory (%llu MiB) or keep its "
			 "files cached", (unsigned long long)a->diag.major_faults,
			 (double)a->diag.major_faults / a->duration_s, want);
	} else {
		snprintf(dst, size, "the job's peak came near its %s: ask for "
			 "%llu MiB", lim[0] ? "cgroup's limit" :
			 "machine's memory", want);
	}
}

static void say_one(char *dst, size_t size, enum advice_verdict v,
		    const struct advice *a, const struct run *run,
		    const struct stats_summary *s)
{
	switch (v) {
	case ADVICE_CPU_STARVED:
		say_starved(dst, size, a, run);
		break;
	case ADVICE_THROTTLED:
		say_throttled(dst, size, a);
		break;
	case ADVICE_MEMORY_BOUND:
		say_memory(dst, size, a, s);
		break;
	case ADVICE_IO_BOUND:
		snprintf(dst, size, "tasks were stalled on I/O %.0f%% of the "
			 "run (%s pressure): faster storage or less I/O would "
			 "help, more cores would not",
			 100 * a->diag.io_pressure,
			 io_of_cgroup(&run->log) ? "the cgroup's" :
						   "the machine's");
		break;
	case ADVICE_CPU_BOUND:
		snprintf(dst, size, "the cores it used were busy %.0f%% of the "
			 "time: %llu core%s run it within 10%% of its time",
			 100 * a->cpu_busy, (unsigned long long)a->rec.cores,
			 a->rec.cores == 1 ? "" : "s");
		break;
	default:
		/* The recommendation's count (a job that waits may still
		 * have run two processes at once): "more cores" alone read
		 * as "not even the 2 recommended". */
		snprintf(dst, size, "the cores it used were busy only %.0f%% of "
			 "the time (sleep, network, waiting on others): more "
			 "than %llu core%s would not make it faster",
			 100 * a->cpu_busy, (unsigned long long)a->rec.cores,
			 a->rec.cores == 1 ? "" : "s");
	}
}

/* A sentence starts with a capital (the parts joined are lower case). */
static void capitalize(char *s)
{
	if (s[0] >= 'a' && s[0] <= 'z')
		s[0] = (char)(s[0] - 'a' + 'A');
}

/* One reason's sentence, or each reason's joined by "; ". */
static void verdict(struct advice *a, const struct run *run,
		    const struct stats_summary *s)
{
	static const enum advice_verdict order[] = {
		ADVICE_CPU_STARVED, ADVICE_THROTTLED, ADVICE_CPU_BOUND,
		ADVICE_MEMORY_BOUND, ADVICE_IO_BOUND };
	size_t len = 0, count = 0;

	a->reasons = reasons_of(a, s);
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		count += (a->reasons & order[i]) != 0;
	a->sentence[0] = '\0';
	if (count == 0) {
		a->verdict = a->cpu_busy >= 0 ? ADVICE_WAITING : ADVICE_UNKNOWN;
		if (a->verdict == ADVICE_WAITING)
			say_one(a->sentence, sizeof a->sentence, ADVICE_WAITING,
				a, run, s);
		capitalize(a->sentence);
		return;
	}
	a->verdict = count > 1 ? ADVICE_MIXED : (enum advice_verdict)a->reasons;
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		if (!(a->reasons & order[i]) || len >= sizeof a->sentence - 1)
			continue;
		if (len)
			len += (size_t)snprintf(a->sentence + len,
						sizeof a->sentence - len, "; ");
		if (len < sizeof a->sentence - 1)
			say_one(a->sentence + len, sizeof a->sentence - len,
				order[i], a, run, s);
		len = strlen(a->sentence);
	}
	capitalize(a->sentence);
}

/* ---- the whole ---- */

void advice_of(const struct run *run, const struct stats_summary *s,
	       struct advice *a)
{
	struct series x;
	int have_x;

	memset(a, 0, sizeof *a);
	a->oom_rose = -1;
	a->throttled_periods = -1;
	a->duration_s = sum_or(s, STATS_S_duration_s);
	/* The processes' exact run delay first: the series scales to it. */
	diag_procs(a, &run->job);
	have_x = series_build(&x, run, fmax(0, sum_or(s, STATS_S_cpu_seconds)),
			      KNOWN(a, cpu_wait_seconds) ?
				      a->diag.cpu_wait_seconds : 0,
			      a->duration_s) == 0;
	rec_cores(a, &x, have_x, run, s);
	rec_memory(a, run, s);
	rec_gpu(a, s);
	rec_lines(&a->rec);
	diag_figures(a, run, &x, have_x);
	verdict(a, run, s);
	if (have_x)
		series_free(&x);
}

int advice_oom_killed(const struct advice *a, const struct job_proc *p)
{
	/* A root that left no record of how it ended: the log cannot say. */
	if ((p->flags & JOB_ROOT) && p->exit_kind == RT_EXIT_UNKNOWN)
		return -1;
	if (p->exit_kind != RT_EXIT_SIGNAL || p->exit_value != 9)
		return 0;
	return a->oom_rose;
}

int advice_oom_ended(const struct advice *a, const struct job_end *e)
{
	if (e->by == JOB_END_NONE || e->exit_kind != RT_EXIT_SIGNAL ||
	    e->exit_value != 9)
		return 0;
	return a->oom_rose;
}

/* ---- several runs ---- */

static void spread_add(struct advice_spread *sp, double v)
{
	if (!(v >= 0))
		return;
	if (sp->n == 0 || v < sp->min)
		sp->min = v;
	if (sp->n == 0 || v > sp->max)
		sp->max = v;
	sp->mean += (v - sp->mean) / (double)(sp->n + 1);
	sp->n++;
}

void advice_all_runs(const struct advice *each, size_t n,
		     struct advice_all *all)
{
	struct advice_rec *r = &all->rec;
	double basis = 0, runtime = -1;

	memset(all, 0, sizeof *all);
	all->runs = n;
	r->cores = 1;
	r->memory_upper_mib = -1;
	for (size_t i = 0; i < n; i++) {
		const struct advice_rec *e = &each[i].rec;

		r->cores = e->cores > r->cores ? e->cores : r->cores;
		r->gpus = e->gpus > r->gpus ? e->gpus : r->gpus;
		r->vram_mib = e->vram_mib > r->vram_mib ? e->vram_mib : r->vram_mib;
		if (e->memory_basis != ADVICE_MEM_NONE) {
			basis = fmax(basis, e->memory_basis_mib);
			spread_add(&all->memory_peak_mib, e->memory_basis_mib);
		}
		runtime = fmax(runtime, e->runtime_s);
		spread_add(&all->duration_s, each[i].duration_s);
		spread_add(&all->cores, (double)e->cores);
	}
	r->memory_basis_mib = basis;
	r->memory_mib = stats_round_mib(basis * ADVICE_MEMORY_MARGIN);
	r->runtime_s = runtime;
	rec_lines(r);
}

int advice_runs(const struct run *runs, size_t n, struct advice_all *all)
{
	struct advice *each = calloc(n ? n : 1, sizeof *each);
	struct stats_summary s;

	if (!each)
		return -1;
	for (size_t i = 0; i < n; i++) {
		stats_summarize(&runs[i], &s);
		advice_of(&runs[i], &s, &each[i]);
	}
	advice_all_runs(each, n, all);
	free(each);
	return 0;
}
