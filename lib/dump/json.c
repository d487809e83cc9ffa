/* json.c - rtrack-dump --format json: one object with the keys DESIGN.md
 * fixes (meta, summary, recommendation, processes, samples), in that order,
 * then gpus (each device: its figures over the run and per sample).
 * Extra keys only ever follow the contract's; unknown values are null. */
#include "dump.h"

#include <string.h>

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

/* Members of a row or summary as keys, unavailable ones as null. */
static void json_fields(FILE *out, const struct stats_field *f, unsigned nf,
			const void *base, uint64_t present)
{
	int n = 0;

	putc('{', out);
	for (unsigned i = 0; i < nf; i++) {
		json_key(out, &n, f[i].name);
		fmt_field(out, &f[i], base, (present & STATS_BIT(i)) != 0,
			  "null");
	}
	putc('}', out);
}

static void json_summary(FILE *out, const struct stats_summary *s)
{
	struct stats_rec rec;
	int n = 0;

	fputs(",\n\"summary\":", out);
	json_fields(out, stats_summary_fields, STATS_SUMMARY_NFIELDS, s,
		    s->present);
	stats_recommend(s, &rec);
	fputs(",\n\"recommendation\":{", out);
	json_u64(out, &n, "cores", rec.cores);
	json_u64(out, &n, "memory_mib", rec.memory_mib);
	json_u64(out, &n, "gpus", rec.gpus);
	json_u64(out, &n, "vram_mib", rec.vram_mib);
	json_key(out, &n, "bound");
	if (stats_bound_name(rec.bound))
		fprintf(out, "\"%s\"", stats_bound_name(rec.bound));
	else
		fputs("null", out);
	putc('}', out);
}

static void json_process(FILE *out, const struct job_proc *p)
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
	json_real(out, &n, "peak_rss_mib", (double)p->hwm_kib / KIB_PER_MIB,
		  3);
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
	putc('}', out);
}

static void json_processes(FILE *out, const struct job *j)
{
	fputs(",\n\"processes\":[", out);
	for (size_t i = 0; i < j->nprocs && !ferror(out); i++) {
		fputs(i ? ",\n" : "\n", out);
		json_process(out, &j->procs[i]);
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

static void json_object(FILE *out, const struct run *run)
{
	const struct rt_log *log = &run->log;
	struct stats_summary s;

	stats_summarize(run, &s);
	putc('{', out);
	json_meta(out, log);
	json_summary(out, &s);
	json_processes(out, &run->job);
	json_samples(out, run);
	json_gpus(out, log);
	putc('}', out);
}

int dump_json(FILE *out, const struct run *run, const char *name)
{
	(void)name;
	json_object(out, run);
	putc('\n', out);
	return fmt_finish(out);
}

/* Several logs: an array of the objects one log gives (each tagged by its
 * meta: hostname, pid). */
int dump_json_many(FILE *out, const struct run *runs,
		   const char *const *names, size_t n)
{
	(void)names;
	putc('[', out);
	for (size_t i = 0; i < n && !ferror(out); i++) {
		fputs(i ? ",\n" : "\n", out);
		json_object(out, &runs[i]);
	}
	fputs("\n]\n", out);
	return fmt_finish(out);
}
