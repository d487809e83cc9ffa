/* json.c - rtrack-dump --format json: one object with the keys DESIGN.md
 * fixes (meta, summary, recommendation, processes, samples), in that order.
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
	putc('}', out);
}

static void json_meta(FILE *out, const struct rt_log *log)
{
	const struct rt_header *h = &log->hdr;
	uint32_t kind = log->has_end ? log->end.exit_kind : RT_EXIT_UNKNOWN;
	int n = 0;

	fputs("\"meta\":{", out);
	json_u64(out, &n, "pid", h->pid);
	json_str(out, &n, "cmdline", h->cmdline, sizeof h->cmdline);
	json_str(out, &n, "hostname", h->host, sizeof h->host);
	json_time(out, &n, "start_time", h->start_ns);
	meta_end_time(out, &n, log);
	json_real(out, &n, "interval", (double)h->interval_ns / NS_PER_S, 6);
	json_i32_or_null(out, &n, "exit_code", kind == RT_EXIT_CODE,
			 log->end.exit_value);
	json_bool(out, &n, "complete", log->has_end && !log->damaged);
	json_i32_or_null(out, &n, "exit_signal", kind == RT_EXIT_SIGNAL,
			 log->end.exit_value);
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

static void json_processes(FILE *out, const struct rt_log *log)
{
	fputs(",\n\"processes\":[", out);
	for (size_t i = 0; i < log->job.nprocs && !ferror(out); i++) {
		fputs(i ? ",\n" : "\n", out);
		json_process(out, &log->job.procs[i]);
	}
	putc(']', out);
}

static void json_samples(FILE *out, const struct rt_log *log)
{
	size_t nrows = stats_nrows(log);
	struct stats_row r;

	fputs(",\n\"samples\":[", out);
	for (size_t i = 0; i < nrows && !ferror(out); i++) {
		stats_row(log, i, &r);
		fputs(i ? ",\n" : "\n", out);
		json_fields(out, stats_row_fields, STATS_ROW_NFIELDS, &r,
			    r.present);
	}
	putc(']', out);
}

static void json_object(FILE *out, const struct rt_log *log)
{
	struct stats_summary s;

	stats_summarize(log, &s);
	putc('{', out);
	json_meta(out, log);
	json_summary(out, &s);
	json_processes(out, log);
	json_samples(out, log);
	putc('}', out);
}

int dump_json(FILE *out, const struct rt_log *log)
{
	json_object(out, log);
	putc('\n', out);
	return fmt_finish(out);
}

/* Several logs: an array of the objects one log gives (each tagged by its
 * meta: hostname, pid). */
int dump_json_many(FILE *out, const struct rt_log *logs,
		   const char *const *names, size_t n)
{
	(void)names;
	putc('[', out);
	for (size_t i = 0; i < n && !ferror(out); i++) {
		fputs(i ? ",\n" : "\n", out);
		json_object(out, &logs[i]);
	}
	fputs("\n]\n", out);
	return fmt_finish(out);
}
