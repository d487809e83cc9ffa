/* json.c - rtrack-dump --format json: one object with the keys DESIGN.md
 * fixes (meta, summary, recommendation, diagnosis, processes, samples; with
 * several logs recommendation_all_runs after recommendation), in order,
 * then gpus (each device: its figures over the run and per sample).
 * Extra keys only ever follow the contract's; unknown values are null. */
#include "dump.h"

#include <string.h>

#include "advice.h"
#include "fmt.h"

#define NS_PER_S 1e9
#define KIB_PER_MIB 1024.0
#define TIME_DECIMALS 3

/* Writes `"key":`, after a comma unless it is the object's first key. */
static void json_key(FILE *out, int *nkeys, const char *key)
{
	if ((*nkeys)++)
		putc(',', out);
	fprintf(out, "\"%s\":", key);
}

static void json_u64(FILE *out, int *nkeys, const char *key, uint64_t v)
{
	char buf[FMT_NUM_MAX];

	fmt_u64(buf, v);
	json_key(out, nkeys, key);
	fputs(buf, out);
}

static void json_i32_or_null(FILE *out, int *nkeys, const char *key,
			     int known, int32_t v)
{
	json_key(out, nkeys, key);
	if (known)
		fprintf(out, "%d", (int)v);
	else
		fputs("null", out);
}

static void json_real(FILE *out, int *nkeys, const char *key, double x,
		      int decimals)
{
	json_key(out, nkeys, key);
	fmt_json_real(out, x, decimals);
}

static void json_real_or_null(FILE *out, int *nkeys, const char *key,
			      int known, double x, int decimals)
{
	if (known)
		json_real(out, nkeys, key, x, decimals);
	else {
		json_key(out, nkeys, key);
		fputs("null", out);
	}
}

static void json_time(FILE *out, int *nkeys, const char *key, uint64_t ns)
{
	json_real(out, nkeys, key, (double)ns / NS_PER_S, TIME_DECIMALS);
}

/* A fixed-size char array that may lack its NUL. */
static void json_str(FILE *out, int *nkeys, const char *key, const char *s,
		     size_t size)
{
	json_key(out, nkeys, key);
	fmt_json_string(out, s, strnlen(s, size));
}

static void json_bool(FILE *out, int *nkeys, const char *key, int v)
{
	json_key(out, nkeys, key);
	fputs(v ? "true" : "false", out);
}

static void meta_end_time(FILE *out, int *n, const struct rt_log *log)
{
	uint64_t ns;

	if (stats_end_ns(log, &ns) == 0) {
		json_time(out, n, "end_time", ns);
	} else {
		json_key(out, n, "end_time");
		fputs("null", out);
	}
}

static void meta_damage(FILE *out, int *n, const struct rt_log *log)
{
	int k = 0;

	json_key(out, n, "damage");
	if (!log->damaged) {
		fputs("null", out);
		return;
	}
	putc('{', out);
	json_u64(out, &k, "offset", log->damage_offset);
	json_str(out, &k, "reason", log->damage, sizeof log->damage);
	/* FORMAT.md D: every stretch skipped, and what it cost. */
	json_key(out, &k, "ranges");
	putc('[', out);
	for (size_t i = 0; i < log->ndamages; i++) {
		const struct rt_damage *d = &log->damages[i];
		int r = 0;

		fputs(i ? ",{" : "{", out);
		json_u64(out, &r, "start", d->start);
		json_u64(out, &r, "end", d->end);
		json_str(out, &r, "reason", d->why, sizeof d->why);
		putc('}', out);
	}
	putc(']', out);
	json_u64(out, &k, "unchained_sample_records", log->unchained);
	putc('}', out);
}

/* Who saw the end: "end_record" (the root's END), "wrapper" (only the
 * rtrack wrapper's wait, REAPED), "exec_unenterable" (nobody: the root's
 * last word was the exec of an image rtrack cannot enter, FORMAT.md J5),
 * or null; and the root's last image when rtrack never ran in it (job.h),
 * else null. */
static void meta_ended_by(FILE *out, int *n, const struct rt_log *log,
			  const struct job_end *e)
{
	json_key(out, n, "ended_by");
	fputs(e->by == JOB_END_RECORD	 ? "\"end_record\""
	      : e->by == JOB_END_REAPED ? "\"wrapper\""
	      : job_exec_away(log)	 ? "\"exec_unenterable\""
					: "null",
	      out);
	if (e->unseen_image[0]) {
		json_str(out, n, "unseen_image", e->unseen_image,
			 sizeof e->unseen_image);
	} else {
		json_key(out, n, "unseen_image");
		fputs("null", out);
	}
}

static void json_meta(FILE *out, const struct rt_log *log)
{
	const struct rt_header *h = &log->hdr;
	struct job_end e;
	uint32_t kind;
	int n = 0;

	job_end_get(log, &e);
	kind = e.by != JOB_END_NONE ? e.exit_kind : RT_EXIT_UNKNOWN;

	fputs("\"meta\":{", out);
	json_u64(out, &n, "pid", h->pid);
	json_str(out, &n, "cmdline", h->cmdline, sizeof h->cmdline);
	json_str(out, &n, "hostname", h->host, sizeof h->host);
	json_time(out, &n, "start_time", h->start_ns);
	meta_end_time(out, &n, log);
	json_real(out, &n, "interval", (double)h->interval_ns / NS_PER_S, 6);
	json_i32_or_null(out, &n, "exit_code", kind == RT_EXIT_CODE,
			 e.exit_value);
	json_bool(out, &n, "complete", e.by != JOB_END_NONE && !log->damaged);
	json_i32_or_null(out, &n, "exit_signal", kind == RT_EXIT_SIGNAL,
			 e.exit_value);
	meta_ended_by(out, &n, log, &e);
	json_str(out, &n, "kernel", h->kernel, sizeof h->kernel);
	json_str(out, &n, "machine", h->machine, sizeof h->machine);
	json_u64(out, &n, "ncpus", h->ncpus);
	json_key(out, &n, "memory_mode");
	fputs(h->mem_mode == RT_MEM_RSS ? "\"rss\"" : "\"pss\"", out);
	meta_damage(out, &n, log);
	putc('}', out);
}

/* Members of a row, summary or diagnosis as keys of an open object,
 * unavailable ones as null. */
static void json_members(FILE *out, int *n, const struct stats_field *f,
			 unsigned nf, const void *base, uint64_t present)
{
	for (unsigned i = 0; i < nf; i++) {
		json_key(out, n, f[i].name);
		fmt_field(out, &f[i], base, (present & STATS_BIT(i)) != 0,
			  "null");
	}
}

/* The same as an object of their own. */
static void json_fields(FILE *out, const struct stats_field *f, unsigned nf,
			const void *base, uint64_t present)
{
	int n = 0;

	putc('{', out);
	json_members(out, &n, f, nf, base, present);
	putc('}', out);
}

static void json_summary(FILE *out, const struct stats_summary *s)
{
	fputs(",\n\"summary\":", out);
	json_fields(out, stats_summary_fields, STATS_SUMMARY_NFIELDS, s,
		    s->present);
}

static void json_null(FILE *out, int *nkeys, const char *key)
{
	json_key(out, nkeys, key);
	fputs("null", out);
}

static void json_text(FILE *out, int *nkeys, const char *key, const char *s)
{
	json_key(out, nkeys, key);
	fmt_json_string(out, s, strlen(s));
}

static void json_runtimes(FILE *out, int *n, const struct advice_rec *r)
{
	json_key(out, n, "runtime_by_cores");
	putc('[', out);
	for (size_t i = 0; i < r->nruntime; i++) {
		int k = 0;

		fputs(i ? ",{" : "{", out);
		json_u64(out, &k, "cores", r->runtime[i].cores);
		json_real(out, &k, "seconds", r->runtime[i].seconds, 3);
		putc('}', out);
	}
	putc(']', out);
}

/* Kubernetes resources: requests (cpu, memory), limits (memory: a CPU
 * limit throttles, the request reserves the cores), GPUs in both. */
static void json_k8s_side(FILE *out, int *n, const char *key,
			  const struct advice_rec *r, int cpu)
{
	char gpus[FMT_NUM_MAX];
	int k = 0;

	json_key(out, n, key);
	putc('{', out);
	if (cpu)
		json_text(out, &k, "cpu", r->k8s_cpu);
	json_text(out, &k, "memory", r->k8s_memory);
	if (r->gpus) {
		fmt_u64(gpus, r->gpus);
		json_text(out, &k, "nvidia.com/gpu", gpus);
	}
	putc('}', out);
}

static void json_k8s(FILE *out, int *n, const struct advice_rec *r)
{
	int k = 0;

	json_key(out, n, "kubernetes");
	putc('{', out);
	json_k8s_side(out, &k, "requests", r, 1);
	json_k8s_side(out, &k, "limits", r, 0);
	putc('}', out);
}

/* What to ask for, shared by recommendation and recommendation_all_runs:
 * the sizes, the job-script lines and the time they ask for. */
static void json_rec_common(FILE *out, int *n, const struct advice_rec *r)
{
	json_u64(out, n, "cores", r->cores);
	json_u64(out, n, "memory_mib", r->memory_mib);
	json_u64(out, n, "gpus", r->gpus);
	json_u64(out, n, "vram_mib", r->vram_mib);
	json_text(out, n, "slurm", r->slurm);
	json_k8s(out, n, r);
	if (r->time_s)
		json_u64(out, n, "time_limit_s", r->time_s);
	else
		json_null(out, n, "time_limit_s");
}

static void json_recommendation(FILE *out, const struct advice *a)
{
	const struct advice_rec *r = &a->rec;
	int n = 0;

	fputs(",\n\"recommendation\":{", out);
	json_rec_common(out, &n, r);
	json_runtimes(out, &n, r);
	json_key(out, &n, "memory_basis");
	fputs(r->memory_basis == ADVICE_MEM_CGROUP_PEAK ? "\"cgroup_peak\"" :
	      r->memory_basis == ADVICE_MEM_TREE_MAX ? "\"tree_max\"" :
	      r->memory_basis == ADVICE_MEM_OOM_LIMIT ? "\"oom_limit\"" : "null",
	      out);
	if (r->memory_basis != ADVICE_MEM_NONE)
		json_real(out, &n, "memory_basis_mib", r->memory_basis_mib, 3);
	else
		json_null(out, &n, "memory_basis_mib");
	if (r->memory_upper_mib >= 0)
		json_real(out, &n, "memory_upper_mib", r->memory_upper_mib, 3);
	else
		json_null(out, &n, "memory_upper_mib");
	putc('}', out);
}

static void json_spread(FILE *out, int *n, const char *key,
			const struct advice_spread *sp, int decimals)
{
	int k = 0;

	if (!sp->n) {
		json_null(out, n, key);
		return;
	}
	json_key(out, n, key);
	putc('{', out);
	json_real(out, &k, "min", sp->min, decimals);
	json_real(out, &k, "mean", sp->mean, decimals);
	json_real(out, &k, "max", sp->max, decimals);
	putc('}', out);
}

static void json_all_runs(FILE *out, const struct advice_all *all)
{
	int n = 0;

	fputs(",\n\"recommendation_all_runs\":{", out);
	json_u64(out, &n, "runs", all->runs);
	json_rec_common(out, &n, &all->rec);
	json_spread(out, &n, "duration_s", &all->duration_s, 3);
	json_spread(out, &n, "cores_by_run", &all->cores, 3);
	json_spread(out, &n, "memory_peak_mib", &all->memory_peak_mib, 3);
	putc('}', out);
}

static void json_diagnosis(FILE *out, const struct advice *a)
{
	const char *v = advice_verdict_name(a->verdict);
	int n = 0;

	fputs(",\n\"diagnosis\":{", out);
	json_members(out, &n, advice_diag_fields, ADVICE_DIAG_NFIELDS,
		     &a->diag, a->diag.present);
	if (v)
		json_text(out, &n, "verdict", v);
	else
		json_null(out, &n, "verdict");
	if (a->sentence[0])
		json_text(out, &n, "sentence", a->sentence);
	else
		json_null(out, &n, "sentence");
	putc('}', out);
}

/* oom: advice_oom_killed's answer for p. */
static void json_process(FILE *out, const struct job_proc *p, int oom)
{
	int n = 0;

	putc('{', out);
	json_u64(out, &n, "pid", p->pid);
	json_u64(out, &n, "ppid", p->ppid);
	json_str(out, &n, "cmdline", p->cmdline, sizeof p->cmdline);
	json_time(out, &n, "start", p->start_ns);
	json_time(out, &n, "end", p->end_ns);
	json_real(out, &n, "cpu_seconds",
		  ((double)p->utime_us + (double)p->stime_us) / 1e6, 6);
	/* null: a brief process the sampler never saw, whose exit record
	 * could not tell its peak (FORMAT.md X18). */
	json_real_or_null(out, &n, "peak_rss_mib", !(p->flags & JOB_NO_PEAK),
			  (double)p->hwm_kib / KIB_PER_MIB, 3);
	json_u64(out, &n, "read_bytes", p->read_bytes);
	json_u64(out, &n, "write_bytes", p->write_bytes);
	json_i32_or_null(out, &n, "exit_code", p->exit_kind == RT_EXIT_CODE,
			 p->exit_value);
	json_i32_or_null(out, &n, "exit_signal",
			 p->exit_kind == RT_EXIT_SIGNAL, p->exit_value);
	json_bool(out, &n, "alive_at_end", (p->flags & JOB_ALIVE_AT_END) != 0);
	json_bool(out, &n, "exact", (p->flags & JOB_EXACT) != 0);
	json_bool(out, &n, "root", (p->flags & JOB_ROOT) != 0);
	json_bool(out, &n, "forked", (p->flags & JOB_FORKED) != 0);
	json_key(out, &n, "oom_killed");
	fputs(oom < 0 ? "null" : oom ? "true" : "false", out);
	/* 1.6: what held this process back, null in older logs. */
	json_real_or_null(out, &n, "cpu_wait_seconds", p->flags & JOB_WAIT,
			  (double)p->run_delay_ns / NS_PER_S, 3);
	json_real_or_null(out, &n, "major_faults", p->flags & JOB_SCHED,
			  (double)p->major_faults, 0);
	json_real_or_null(out, &n, "swap_mib",
			  (p->flags & JOB_SCHED) && !(p->flags & JOB_NO_SWAP),
			  (double)p->swap_kib / KIB_PER_MIB, 3);
	putc('}', out);
}

static void json_processes(FILE *out, const struct job *j,
			   const struct advice *a)
{
	fputs(",\n\"processes\":[", out);
	for (size_t i = 0; i < j->nprocs && !ferror(out); i++) {
		fputs(i ? ",\n" : "\n", out);
		json_process(out, &j->procs[i],
			     advice_oom_killed(a, &j->procs[i]));
	}
	putc(']', out);
}

static void json_samples(FILE *out, const struct run *run)
{
	const struct rt_log *log = &run->log;
	size_t nrows = stats_nrows(log);
	struct stats_row r;

	fputs(",\n\"samples\":[", out);
	for (size_t i = 0; i < nrows && !ferror(out); i++) {
		stats_row(run, i, &r);
		fputs(i ? ",\n" : "\n", out);
		json_fields(out, stats_row_fields, STATS_ROW_NFIELDS, &r,
			    r.present);
	}
	putc(']', out);
}

/* ---- "gpus": each device, its figures over the run and per sample ---- */

static const char *json_gpu_source(uint32_t source)
{
	if (source == RT_GPU_NVML)
		return "nvml";
	return source == RT_GPU_DRM ? "drm" : "unknown";
}

/* Value f of v divided by scale, or null. */
static void json_gpu_value(FILE *out, int *n, const char *key,
			   const struct rt_gpu_values *v, enum rt_gpu_field f,
			   double scale, int decimals)
{
	json_key(out, n, key);
	if (gpu_has(v, f))
		fmt_json_real(out, (double)v->v[f] / scale, decimals);
	else
		fputs("null", out);
}

static void json_gpu_sample(FILE *out, const struct rt_log *log,
			    const struct rt_gpu_sample *gs, unsigned dev)
{
	const struct rt_gpu_values *v = &log->gpu_vals[gs->first + dev];
	int n = 0;

	putc('{', out);
	json_time(out, &n, "timestamp", log->samples[gs->sample].time_ns);
	json_gpu_value(out, &n, "utilization_pct", v, RT_G_util_pct, 1, 0);
	json_gpu_value(out, &n, "memory_used_mib", v, RT_G_mem_used_kib,
		       KIB_PER_MIB, 3);
	json_gpu_value(out, &n, "power_w", v, RT_G_power_mw, 1000, 3);
	json_gpu_value(out, &n, "temperature_c", v, RT_G_temp_c, 1, 0);
	json_gpu_value(out, &n, "sm_clock_mhz", v, RT_G_sm_clock_mhz, 1, 0);
	json_gpu_value(out, &n, "process_utilization_pct", v,
		       RT_G_tree_util_pct, 1, 0);
	json_gpu_value(out, &n, "process_vram_mib", v, RT_G_tree_mem_kib,
		       KIB_PER_MIB, 3);
	json_gpu_value(out, &n, "processes", v, RT_G_tree_procs, 1, 0);
	putc('}', out);
}

static void json_gpu_samples(FILE *out, const struct rt_log *log,
			     unsigned dev)
{
	int first = 1;

	fputs(",\"samples\":[", out);
	for (size_t k = 0; k < log->ngpu_samples && !ferror(out); k++) {
		const struct rt_gpu_sample *gs = &log->gpu_samples[k];
		/* a record whose sample never came (a torn tail) is left out */
		if (gs->sample >= log->nsamples || dev >= gs->n)
			continue;
		fputs(first ? "\n" : ",\n", out);
		first = 0;
		json_gpu_sample(out, log, gs, dev);
	}
	putc(']', out);
}

static void json_gpu(FILE *out, const struct rt_log *log, unsigned dev)
{
	const struct rt_gpu_dev *d = &log->gpu_devs[dev];
	struct stats_gpu g;
	int n = 0;

	stats_gpu(log, dev, &g);
	putc('{', out);
	json_u64(out, &n, "index", dev);
	json_key(out, &n, "source");
	fprintf(out, "\"%s\"", json_gpu_source(d->source));
	json_str(out, &n, "name", d->name, sizeof d->name);
	json_str(out, &n, "id", d->id, sizeof d->id);
	json_bool(out, &n, "mig", (g.flags & RT_GPU_F_MIG) != 0);
	json_bool(out, &n, "process_utilization",
		  !(g.flags & RT_GPU_F_NO_PROC_UTIL));
	json_bool(out, &n, "processes_cut", (g.flags & RT_GPU_F_PROCS_CUT) != 0);
	for (unsigned i = 0; i < STATS_GPU_NFIELDS; i++) {
		json_key(out, &n, stats_gpu_fields[i].name);
		fmt_field(out, &stats_gpu_fields[i], &g,
			  (g.present & STATS_BIT(i)) != 0, "null");
	}
	json_gpu_samples(out, log, dev);
	putc('}', out);
}

/* After the contract's keys (DESIGN.md): empty without GPU. */
static void json_gpus(FILE *out, const struct rt_log *log)
{
	fputs(",\n\"gpus\":[", out);
	for (unsigned i = 0; i < log->ngpu_devs && !ferror(out); i++) {
		fputs(i ? ",\n" : "\n", out);
		json_gpu(out, log, i);
	}
	putc(']', out);
}

/* One log's object; all: the recommendation over every log, or NULL. */
static void json_object(FILE *out, const struct run *run,
			const struct advice_all *all)
{
	const struct rt_log *log = &run->log;
	struct stats_summary s;
	struct advice a;

	stats_summarize(run, &s);
	advice_of(run, &s, &a);
	putc('{', out);
	json_meta(out, log);
	json_summary(out, &s);
	json_recommendation(out, &a);
	if (all)
		json_all_runs(out, all);
	json_diagnosis(out, &a);
	json_processes(out, &run->job, &a);
	json_samples(out, run);
	json_gpus(out, log);
	putc('}', out);
}

int dump_json(FILE *out, const struct run *run, const char *name)
{
	(void)name;
	json_object(out, run, NULL);
	putc('\n', out);
	return fmt_finish(out);
}

/* Several logs: an array of the objects one log gives (each tagged by its
 * meta: hostname, pid), each with the recommendation over them all. */
int dump_json_many(FILE *out, const struct run *runs,
		   const char *const *names, size_t n)
{
	struct advice_all all;

	(void)names;
	if (advice_runs(runs, n, &all) < 0)
		return -1;
	putc('[', out);
	for (size_t i = 0; i < n && !ferror(out); i++) {
		fputs(i ? ",\n" : "\n", out);
		json_object(out, &runs[i], &all);
	}
	fputs("\n]\n", out);
	return fmt_finish(out);
}
