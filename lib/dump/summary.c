/* summary.c - rtrack-dump --format summary (the default): what the run
 * used, in human units, one "label value" line per topic, never wider than
 * 80 columns.  Text from the log (command, host, damage reason) is shown
 * with control characters and invalid UTF-8 as '?' so that a hostile
 * command line cannot drive the terminal. */
#include "dump.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "advice.h"
#include "fmt.h"

#define LABEL_W 13 /* "  " + label padded to 10 + " " */
#define VALUE_W (80 - LABEL_W)
#define MIB 1048576.0

#define HAVE(s, key) (((s)->present & STATS_BIT(STATS_S_##key)) != 0)

/* s made safe and cut to VALUE_W columns, "..." marking a cut. */
static void summary_put_text(FILE *out, const char *str)
{
	fmt_text(out, str, strlen(str), VALUE_W);
}

/* Colour (fmt_colour): labels bold, a bad ending red.  Set per call of
 * dump_summary. */
static int colour;
#define BOLD "\033[1m"
#define RED "\033[31m"
#define RESET "\033[0m"

__attribute__((format(printf, 4, 0)))
static void summary_vline(FILE *out, const char *label, const char *tint,
			  const char *fmt, va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof buf, fmt, ap);
	if (colour)
		fprintf(out, "  " BOLD "%-10s" RESET " %s", label,
			tint ? tint : "");
	else
		fprintf(out, "  %-10s ", label);
	summary_put_text(out, buf);
	if (colour && tint)
		fputs(RESET, out);
	putc('\n', out);
}

__attribute__((format(printf, 3, 4)))
static void summary_line(FILE *out, const char *label, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	summary_vline(out, label, NULL, fmt, ap);
	va_end(ap);
}

/* A line that says something went wrong: red on a colour terminal. */
__attribute__((format(printf, 3, 4)))
static void summary_alert(FILE *out, const char *label, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	summary_vline(out, label, RED, fmt, ap);
	va_end(ap);
}

static const char *show_seconds(char *dst, int have, double v)
{
	if (!have)
		return "n/a";
	fmt_seconds(dst, v);
	return dst;
}

static const char *show_bytes(char *dst, int have, double v)
{
	if (!have)
		return "n/a";
	fmt_bytes(dst, v);
	return dst;
}

static const char *show_real(char *dst, int have, double v, int decimals)
{
	return have && fmt_real(dst, v, decimals) ? dst : "n/a";
}

static void summary_header(FILE *out, const struct rt_log *log,
			   const char *name)
{
	const struct rt_header *h = &log->hdr;
	char start[FMT_TIME_MAX];

	fputs("rtrack summary\n", out);
	if (name)
		summary_line(out, "log", "%s", name);
	summary_line(out, "command", "%.*s", (int)sizeof h->cmdline,
		     h->cmdline);
	summary_line(out, "host", "%.*s, Linux %.*s %.*s, %u CPUs",
		     (int)sizeof h->host, h->host, (int)sizeof h->kernel,
		     h->kernel, (int)sizeof h->machine, h->machine,
		     (unsigned)h->ncpus);
	summary_line(out, "pid", "%u", (unsigned)h->pid);
	fmt_utc(start, h->start_ns);
	summary_line(out, "started", "%s", start);
}

/* The root's last image was one rtrack never ran in: say so, since its
 * CPU then comes from the wrapper's wait alone. */
static void summary_unseen(FILE *out, const struct job_end *e)
{
	if (e->by != JOB_END_REAPED || !e->unseen_image[0])
		return;
	summary_line(out, "", "the root exec'd %.*s, an image rtrack cannot "
		     "enter", (int)sizeof e->unseen_image, e->unseen_image);
	summary_line(out, "", "(static, setuid or no LD_PRELOAD): CPU from the "
		     "wrapper's wait");
}

/* " (cgroup limit 1.0 GiB)", or "" where the limit is unknown. */
static void summary_limit(char *dst, size_t size, const struct advice *a)
{
	char lim[FMT_HUMAN_MAX];

	dst[0] = '\0';
	if (a->diag.present & STATS_BIT(ADVICE_D_memory_limit_mib)) {
		fmt_bytes(lim, a->diag.memory_limit_mib * MIB);
		snprintf(dst, size, " (cgroup limit %s)", lim);
	}
}

/* Processes other than the root that the out-of-memory killer ended. */
static void summary_oom(FILE *out, const struct run *run,
			const struct advice *a)
{
	char lim[64];
	size_t n = 0;

	for (size_t i = 0; i < run->job.nprocs; i++)
		if (!(run->job.procs[i].flags & JOB_ROOT) &&
		    advice_oom_killed(a, &run->job.procs[i]) > 0)
			n++;
	summary_limit(lim, sizeof lim, a);
	if (n)
		summary_alert(out, "", "%zu process%s killed by the OOM "
			      "killer%s", n, n == 1 ? "" : "es", lim);
}

/* A job that ended with no record of how, near its memory's end at its
 * last sample: the out-of-memory killer is the likely cause (it leaves no
 * record; under cgroup v1 its count rises only after the last sample). */
static void summary_near_oom(FILE *out, const struct advice *a)
{
	char used[FMT_HUMAN_MAX], lim[FMT_HUMAN_MAX];

	if (!a->oom_near)
		return;
	fmt_bytes(used, a->near_used_kib * 1024);
	fmt_bytes(lim, a->near_limit_kib * 1024);
	summary_alert(out, "", "probably the out-of-memory killer: at the last "
		      "sample");
	if (a->oom_near == 1)
		summary_line(out, "", "its processes held %s of the cgroup's "
			     "%s limit", used, lim);
	else
		summary_line(out, "", "the machine had %s of %s available",
			     used, lim);
}

static void summary_exit(FILE *out, const struct run *run,
			 const struct advice *a)
{
	const struct rt_log *log = &run->log;
	char last[FMT_TIME_MAX], what[128], lim[64];
	struct job_end e;
	uint64_t ns;

	job_end_get(log, &e);
	dump_exit_words(what, sizeof what, &e);
	summary_limit(lim, sizeof lim, a);
	if (advice_oom_ended(a, &e) > 0) {
		summary_alert(out, "exit", "killed by the out-of-memory "
			      "killer%s", lim);
	} else if (e.by == JOB_END_NONE) {
		summary_alert(out, "exit", "%s;", dump_no_end(log));
		if (stats_end_ns(log, &ns) == 0) {
			fmt_utc(last, ns);
			summary_line(out, "", "last sample at %s", last);
		} else {
			summary_line(out, "", "no sample recorded");
		}
		summary_near_oom(out, a);
	} else if (e.exit_kind == RT_EXIT_CODE && e.exit_value == 0) {
		summary_line(out, "exit", "%s", what);
	} else if (e.exit_kind == RT_EXIT_CODE ||
		   e.exit_kind == RT_EXIT_SIGNAL) {
		summary_alert(out, "exit", "%s", what);
	} else if (e.by == JOB_END_RECORD) {
		summary_line(out, "exit", "unknown");
	} else {
		summary_line(out, "exit", "%s", what);
	}
	summary_unseen(out, &e);
	summary_oom(out, run, a);
	if (log->damaged) {
		char text[1024];

		dump_damage_text(text, sizeof text, log, 1);
		summary_alert(out, "damage", "log %s", text);
		if (log->unchained)
			summary_line(out, "", "%zu " DUMP_UNCHAINED,
				     log->unchained);
	}
}

static void summary_cpu(FILE *out, const struct run *run,
			const struct stats_summary *s)
{
	char cpu[FMT_HUMAN_MAX], mean[FMT_NUM_MAX], max[FMT_NUM_MAX];
	size_t unseen = 0;

	summary_line(out, "CPU", "%s, mean %s cores, max %s cores",
		     show_seconds(cpu, HAVE(s, cpu_seconds), s->cpu_seconds),
		     show_real(mean, HAVE(s, cpu_usage_mean), s->cpu_usage_mean,
			       2),
		     show_real(max, HAVE(s, cpu_usage_max), s->cpu_usage_max,
			       2));
	/* Processes that ended with no record of their own and no reap by
	 * a tracked parent (a static program, `timeout -s KILL`'s victim
	 * reaped by init): their CPU after their last sample is nowhere, and
	 * may be most of the job's. */
	for (size_t i = 0; i < run->job.nprocs; i++) {
		const struct job_proc *p = &run->job.procs[i];

		/* Seen as a zombie: its CPU was final. */
		unseen += (p->flags & JOB_SAMPLED) &&
			  p->exit_kind == RT_EXIT_UNKNOWN &&
			  !(p->flags & (JOB_EXACT | JOB_KILLED | JOB_REAPED |
					JOB_ALIVE_AT_END | JOB_ROOT));
	}
	if (unseen)
		summary_line(out, "", "at least: %zu process%s ended unseen, "
			     "counted as last sampled", unseen,
			     unseen == 1 ? "" : "es");
}

#define SPARK_W 60 /* sparkline columns */

/* A row's value for a sparkline; < 0 when unavailable. */
typedef double (*spark_value)(const struct stats_row *r,
			      const struct rt_sample *cur);

static double spark_cpu(const struct stats_row *r, const struct rt_sample *c)
{
	(void)c;
	return r->present & STATS_BIT(STATS_C_process_cpu_usage) ?
		       r->process_cpu_usage : -1;
}

static double spark_mem(const struct stats_row *r, const struct rt_sample *c)
{
	(void)r;
	return sample_has(c, RT_F_tree_mem_kib) ? (double)c->tree_mem_kib : -1;
}

/* The run over time in one line of block characters, each column the
 * largest value of its share of the intervals (peaks must show), scaled to
 * the largest of all; ' ' where nothing was available. */
static void summary_spark(FILE *out, const struct run *run, spark_value v)
{
	const struct rt_log *log = &run->log;
	static const char *const blocks[] = { "\u2581", "\u2582", "\u2583",
					      "\u2584", "\u2585", "\u2586",
					      "\u2587", "\u2588" };
	size_t nrows = stats_nrows(log), w = nrows < SPARK_W ? nrows : SPARK_W;
	double col[SPARK_W], max = 0;
	struct stats_row r;

	if (w == 0)
		return;
	for (size_t c = 0; c < w; c++)
		col[c] = -1;
	for (size_t i = 0; i < nrows; i++) {
		size_t c = i * w / nrows;
		double x;
		stats_row(run, i, &r);
		x = v(&r, &log->samples[i + 1]);
		if (x > col[c])
			col[c] = x;
		if (x > max)
			max = x;
	}
	fprintf(out, "  %-10s ", "");
	for (size_t c = 0; c < w; c++) {
		int k = max > 0 && col[c] > 0 ? (int)(col[c] / max * 7.999) : 0;
		fputs(col[c] < 0 ? " " : blocks[k], out);
	}
	putc('\n', out);
}

static void summary_memory(FILE *out, const struct rt_log *log,
			   const struct stats_summary *s)
{
	char mean[FMT_HUMAN_MAX], max[FMT_HUMAN_MAX], peak[FMT_HUMAN_MAX];

	summary_line(out, "memory", "%s mean %s, max %s; true peak RSS %s",
		     log->hdr.mem_mode == RT_MEM_RSS ? "RSS" : "PSS",
		     show_bytes(mean, HAVE(s, memory_mib_mean),
				s->memory_mib_mean * MIB),
		     show_bytes(max, HAVE(s, memory_mib_max),
				s->memory_mib_max * MIB),
		     show_bytes(peak, HAVE(s, peak_rss_mib),
				s->peak_rss_mib * MIB));
}

static void summary_io(FILE *out, const struct stats_summary *s)
{
	char a[FMT_HUMAN_MAX], b[FMT_HUMAN_MAX];

	summary_line(out, "disk", "read %s, written %s",
		     show_bytes(a, HAVE(s, disk_read_bytes),
				(double)s->disk_read_bytes),
		     show_bytes(b, HAVE(s, disk_write_bytes),
				(double)s->disk_write_bytes));
	summary_line(out, "network", "received %s, sent %s (whole system)",
		     show_bytes(a, HAVE(s, net_recv_bytes),
				(double)s->net_recv_bytes),
		     show_bytes(b, HAVE(s, net_sent_bytes),
				(double)s->net_sent_bytes));
}

static void summary_gpu(FILE *out, const struct rt_log *log,
			const struct stats_summary *s)
{
	char mean[FMT_NUM_MAX], max[FMT_NUM_MAX], vram[FMT_HUMAN_MAX];

	/* The device inventory the sampler wrote is what counts; the
	 * header's flag only says a source seemed there at start. */
	if (log->ngpu_devs == 0) {
		summary_line(out, "GPU", log->hdr.flags & RT_CFG_GPU ?
			     "no device could be read" :
			     "not sampled (no GPU found)");
		return;
	}
	summary_line(out, "GPU", "mean %s GPUs, max %s, VRAM max %s",
		     show_real(mean, HAVE(s, gpu_usage_mean), s->gpu_usage_mean,
			       2),
		     show_real(max, HAVE(s, gpu_usage_max), s->gpu_usage_max, 2),
		     show_bytes(vram, HAVE(s, gpu_vram_mib_max),
				s->gpu_vram_mib_max * MIB));
}

/* Order of the top lists: largest first, then earliest. */
static const struct job_proc *top_base;
static int top_by_cpu;

static int top_cmp(const void *a, const void *b)
{
	const struct job_proc *x = &top_base[*(const size_t *)a];
	const struct job_proc *y = &top_base[*(const size_t *)b];
	uint64_t vx = top_by_cpu ? x->utime_us + x->stime_us : x->hwm_kib;
	uint64_t vy = top_by_cpu ? y->utime_us + y->stime_us : y->hwm_kib;

	if (vx != vy)
		return vx > vy ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* The five processes that used the most CPU, or had the largest peak
 * (of those whose peak is known: not a brief process's unmeasured one,
 * FORMAT.md X18). */
static void summary_top(FILE *out, const struct job *j, int by_cpu)
{
	size_t n = 0, *ord = malloc((j->nprocs ? j->nprocs : 1) * sizeof(*ord));
	char v[FMT_HUMAN_MAX];

	if (!ord)
		return;
	for (size_t i = 0; i < j->nprocs; i++)
		if (by_cpu || !(j->procs[i].flags & JOB_NO_PEAK))
			ord[n++] = i;
	top_base = j->procs;
	top_by_cpu = by_cpu;
	qsort(ord, n, sizeof(*ord), top_cmp);
	for (size_t i = 0; i < n && i < 5; i++) {
		const struct job_proc *p = &j->procs[ord[i]];
		if (by_cpu)
			fmt_seconds(v, (double)(p->utime_us + p->stime_us) / 1e6);
		else
			fmt_bytes(v, (double)p->hwm_kib * 1024);
		summary_line(out, i ? "" : by_cpu ? "top CPU" : "top memory",
			     "%10s  %.*s", v, (int)sizeof p->cmdline, p->cmdline);
	}
	free(ord);
}

static void summary_tracker(FILE *out, const struct rt_log *log,
			    const struct stats_summary *s)
{
	char cpu[FMT_HUMAN_MAX], pct[FMT_NUM_MAX];
	int have = HAVE(s, tracker_cpu_seconds);

	if (log->hdr.flags & RT_CFG_OUTSIDE) {
		summary_line(out, "tracker", "outside the job (rtrack --pid): "
			     "none of its CPU time");
		return;
	}
	show_seconds(cpu, have, s->tracker_cpu_seconds);
	if (have && HAVE(s, cpu_seconds) && s->cpu_seconds > 0 &&
	    fmt_real(pct, 100 * s->tracker_cpu_seconds / s->cpu_seconds, 2))
		summary_line(out, "tracker",
			     "%s CPU, %s%% of the host's CPU time", cpu, pct);
	else
		summary_line(out, "tracker", "%s CPU", have ? cpu : "n/a");
}

static void summary_duration(FILE *out, const struct stats_summary *s)
{
	char dur[FMT_HUMAN_MAX];

	summary_line(out, "duration", "%s",
		     show_seconds(dur, HAVE(s, duration_s), s->duration_s));
}

static void summary_counts(FILE *out, const struct run *run)
{
	const struct rt_log *log = &run->log;
	const struct job *j = &run->job;
	char every[FMT_HUMAN_MAX], killed[40] = "";

	/* The csv and json rows are the intervals between samples (the
	 * first sample is the baseline of the first row's deltas): one
	 * fewer, which says so rather than look like a lost row. */
	fmt_seconds(every, (double)log->hdr.interval_ns / 1e9);
	summary_line(out, "samples", "%zu every %s, so %zu interval%s: the csv "
		     "and json rows", log->nsamples, every, stats_nrows(log),
		     stats_nrows(log) == 1 ? "" : "s");
	if (log->hdr.flags & RT_CFG_MACHINE)
		return; /* no processes: the machine alone */
	if (log->hdr.flags & RT_CFG_OUTSIDE) {
		summary_line(out, "processes", "%zu seen, sampled from outside "
			     "(rtrack --pid): no exit records", j->nprocs);
		return;
	}
	if (j->nkilled)
		snprintf(killed, sizeof killed, "%zu killed, ", j->nkilled);
	summary_line(out, "processes",
		     "%zu seen, %zu with an exit record, %s%zu seen only by "
		     "sampling",
		     j->nprocs, j->nexact, killed,
		     j->nprocs - j->nexact - j->nkilled);
	if (j->after_end)
		summary_line(out, "", "%zu exit record%s of processes started "
			     "after the job ended: ignored", j->after_end,
			     j->after_end == 1 ? "" : "s");
}

/* text in lines of at most VALUE_W columns, broken at spaces; the first
 * after label. */
static void summary_wrap(FILE *out, const char *label, const char *text)
{
	size_t len = strlen(text);

	while (len) {
		size_t n = len <= VALUE_W ? len : VALUE_W;

		if (n < len) {
			size_t sp = n;

			while (sp > 0 && text[sp] != ' ')
				sp--;
			n = sp ? sp : n;
		}
		summary_line(out, label, "%.*s", (int)n, text);
		label = "";
		text += n;
		len -= n;
		while (len && *text == ' ') {
			text++;
			len--;
		}
	}
}

/* Where the memory recommendation comes from, in words (the summary's
 * "memory:" line and the HTML report's recommendation card). */
void dump_memory_basis(char *dst, size_t size, const struct advice_rec *r)
{
	char basis[FMT_HUMAN_MAX], upper[FMT_HUMAN_MAX];

	fmt_bytes(basis, r->memory_basis_mib * MIB);
	fmt_bytes(upper, r->memory_upper_mib * MIB);
	if (r->memory_basis == ADVICE_MEM_OOM_LIMIT)
		snprintf(dst, size, "%s, twice the limit it was killed at, "
			 "+ 20%%", basis);
	else if (r->memory_basis == ADVICE_MEM_CGROUP_PEAK)
		snprintf(dst, size, "cgroup peak %s (page cache included) "
			 "+ 20%%", basis);
	else if (r->memory_basis == ADVICE_MEM_TREE_MAX &&
		 r->memory_upper_mib > r->memory_basis_mib * 1.01)
		snprintf(dst, size, "peak %s + 20%%; at most %s (every peak "
			 "at once)", basis, upper);
	else if (r->memory_basis == ADVICE_MEM_TREE_MAX)
		snprintf(dst, size, "peak %s + 20%%", basis);
	else
		snprintf(dst, size, "%s", "");
}

static void summary_recommend(FILE *out, const struct advice *a)
{
	const struct advice_rec *r = &a->rec;
	char gpus[64] = "no GPU", basis[160];
	const char *v = advice_verdict_name(a->verdict);

	if (r->gpus)
		snprintf(gpus, sizeof gpus, "%llu GPU%s with %llu MiB VRAM",
			 (unsigned long long)r->gpus, r->gpus == 1 ? "" : "s",
			 (unsigned long long)r->vram_mib);
	summary_line(out, "recommend", "%llu core%s, %llu MiB memory, %s",
		     (unsigned long long)r->cores, r->cores == 1 ? "" : "s",
		     (unsigned long long)r->memory_mib, gpus);
	dump_memory_basis(basis, sizeof basis, r);
	if (basis[0])
		summary_line(out, "", "memory: %s", basis);
	summary_line(out, "", "slurm %s", r->slurm);
	if (v) {
		char text[sizeof a->sentence + 32];

		snprintf(text, sizeof text, "%s: %s", v, a->sentence);
		/* after the verdict's colon the sentence goes on */
		if (text[strlen(v) + 2] >= 'A' && text[strlen(v) + 2] <= 'Z')
			text[strlen(v) + 2] = (char)(text[strlen(v) + 2] -
						     'A' + 'a');
		summary_wrap(out, "verdict", text);
	}
}

/* A log of the machine alone (rtrack --system): what its rows say of
 * the system, no job and no advice. */
static void summary_machine(FILE *out, const struct run *run,
			    const struct stats_summary *s,
			    const struct advice *a)
{
	struct machine {
		double n, cpu, cpu_max, mem, mem_max, rd, wr, rx, tx;
		int cpu_ok, mem_ok, disk_ok, net_ok;
	} m = { 0 };
	char x[FMT_HUMAN_MAX], y[FMT_HUMAN_MAX];
	char c1[FMT_NUM_MAX], c2[FMT_NUM_MAX], z[FMT_NUM_MAX];
	size_t i, n = stats_nrows(&run->log);
	struct stats_row r;

	for (i = 0; i < n; i++) {
		stats_row(run, i, &r);
		m.n++;
		if (r.present & STATS_BIT(STATS_C_system_cpu_usage)) {
			m.cpu += r.system_cpu_usage;
			m.cpu_max = fmax(m.cpu_max, r.system_cpu_usage);
			m.cpu_ok = 1;
		}
		if (r.present & STATS_BIT(STATS_C_system_memory_used_mib)) {
			m.mem += r.system_memory_used_mib;
			m.mem_max = fmax(m.mem_max, r.system_memory_used_mib);
			m.mem_ok = 1;
		}
		if (r.present & STATS_BIT(STATS_C_system_disk_read_bytes)) {
			m.rd += (double)r.system_disk_read_bytes;
			m.wr += (double)r.system_disk_write_bytes;
			m.disk_ok = 1;
		}
		if (r.present & STATS_BIT(STATS_C_system_net_recv_bytes)) {
			m.rx += (double)r.system_net_recv_bytes;
			m.tx += (double)r.system_net_sent_bytes;
			m.net_ok = 1;
		}
	}
	summary_duration(out, s);
	summary_line(out, "CPU", "the machine's: mean %s cores, max %s of %u",
		     show_real(c1, m.cpu_ok, m.cpu / fmax(m.n, 1), 2),
		     show_real(c2, m.cpu_ok, m.cpu_max, 2),
		     run->log.hdr.ncpus);
	summary_line(out, "memory", "used: mean %s, max %s",
		     show_bytes(x, m.mem_ok, m.mem / fmax(m.n, 1) * MIB),
		     show_bytes(y, m.mem_ok, m.mem_max * MIB));
	summary_line(out, "disk", "read %s, written %s (whole disks)",
		     show_bytes(x, m.disk_ok, m.rd),
		     show_bytes(y, m.disk_ok, m.wr));
	summary_line(out, "network", "received %s, sent %s",
		     show_bytes(x, m.net_ok, m.rx), show_bytes(y, m.net_ok, m.tx));
	summary_gpu(out, &run->log, s);
	summary_line(out, "io stalls", "%s%% of the time some task waited "
		     "for I/O", show_real(z, (a->diag.present &
					      STATS_BIT(ADVICE_D_io_pressure)) != 0,
					 100 * a->diag.io_pressure, 1));
	summary_counts(out, run);
}

/* The summary's lines after its header; the key ones alone (no exit,
 * sparklines, top lists or tracker cost) unless full. */
static void summary_body(FILE *out, const struct run *run, int full)
{
	const struct rt_log *log = &run->log;
	struct stats_summary s;
	struct advice a;

	stats_summarize(run, &s);
	advice_of(run, &s, &a);
	if (log->hdr.flags & RT_CFG_MACHINE) {
		summary_machine(out, run, &s, &a);
		return;
	}
	summary_duration(out, &s);
	if (full)
		summary_exit(out, run, &a);
	summary_cpu(out, run, &s);
	if (full)
		summary_spark(out, run, spark_cpu);
	summary_memory(out, log, &s);
	if (full)
		summary_spark(out, run, spark_mem);
	summary_io(out, &s);
	summary_gpu(out, log, &s);
	summary_counts(out, run);
	if (full) {
		summary_top(out, &run->job, 1);
		summary_top(out, &run->job, 0);
		summary_tracker(out, log, &s);
	}
	summary_recommend(out, &a);
}

int dump_summary(FILE *out, const struct run *run, const char *name)
{
	colour = fmt_colour(out);
	summary_header(out, &run->log, name);
	summary_body(out, run, 1);
	return fmt_finish(out);
}

int dump_summary_key(FILE *out, const struct run *run)
{
	colour = fmt_colour(out);
	summary_body(out, run, 0);
	return fmt_finish(out);
}

/* ---- several logs: who each run was, what each used, and across them ---- */

#define MANY_LOG_W 12   /* the LOG column */
#define MANY_WIDTH 100  /* the widest line, when not on a narrower terminal */
#define MANY_ID_W 39    /* "  LOG          HOST           PID EXIT " */

/* s cut and padded to exactly w columns. */
static void put_cell(FILE *out, const char *str, size_t len, size_t w)
{
	size_t cols = fmt_text_columns(str, len);

	fmt_text(out, str, len, w);
	for (; cols < w; cols++)
		putc(' ', out);
}

static void many_exit(char *dst, size_t size, const struct rt_log *log)
{
	struct job_end e;

	job_end_get(log, &e);
	if (e.by == JOB_END_NONE)
		snprintf(dst, size, "kill");
	else if (e.exit_kind == RT_EXIT_CODE)
		snprintf(dst, size, "%d", (int)e.exit_value);
	else if (e.exit_kind == RT_EXIT_SIGNAL)
		snprintf(dst, size, "sig%d", (int)e.exit_value);
	else
		snprintf(dst, size, "?");
}

/* "  x1.bin       ": the log's file name without its directory, as the
 * first cell of both tables. */
static void many_log_cell(FILE *out, const char *name)
{
	const char *base = strrchr(name, '/');

	base = base ? base + 1 : name;
	fputs("  ", out);
	put_cell(out, base, strlen(base), MANY_LOG_W);
}

/* Columns the command may take: what MANY_WIDTH (or a narrower terminal)
 * leaves after the other columns of the first table. */
static size_t many_command_width(FILE *out)
{
	size_t w = fmt_term_width(out);

	if (!w || w > MANY_WIDTH)
		w = MANY_WIDTH;
	return w > MANY_ID_W + 10 ? w - MANY_ID_W : 10;
}

/* The command in at most w columns.  Where it does not fit, the program
 * goes without its directory first: the arguments, which tell runs of
 * one program apart, matter more than where it was installed. */
static void many_command(FILE *out, const char *cmd, size_t size, size_t w)
{
	size_t len = strnlen(cmd, size), start = 0;

	if (fmt_text_columns(cmd, len) > w) {
		const char *sp = memchr(cmd, ' ', len);
		size_t end = sp ? (size_t)(sp - cmd) : len;

		for (size_t i = 0; i < end; i++)
			if (cmd[i] == '/')
				start = i + 1;
	}
	fmt_text(out, cmd + start, len - start, w);
}

/* First table, a row per log: where and what it ran, and how it ended;
 * the root's command cut to fit, so that runs of one program with other
 * arguments are told apart by what follows its name. */
static void many_who(FILE *out, const struct run *runs,
		     const char *const *names, size_t n)
{
	size_t cmd_w = many_command_width(out);

	fputs("  LOG          HOST           PID EXIT COMMAND\n", out);
	for (size_t i = 0; i < n; i++) {
		const struct rt_header *h = &runs[i].log.hdr;
		char ex[16];

		many_exit(ex, sizeof ex, &runs[i].log);
		many_log_cell(out, names[i]);
		putc(' ', out);
		put_cell(out, h->host, sizeof h->host, 10);
		fprintf(out, " %7u %4s ", (unsigned)h->pid, ex);
		many_command(out, h->cmdline, sizeof h->cmdline, cmd_w);
		putc('\n', out);
	}
}

/* The figures of the second table.  additive: a total over the runs
 * means something (work done, bytes moved, processes started); the others
 * (times, rates, peaks) only have a spread. */
enum many_kind { MANY_SECONDS, MANY_BYTES, MANY_CORES, MANY_COUNT };

static const struct many_col {
	const char *head;
	int width;
	enum many_kind kind;
	int additive;
} many_cols[] = {
	{ "DURATION", 11, MANY_SECONDS, 0 },
	{ "CPU", 11, MANY_SECONDS, 1 },
	{ "CORES", 5, MANY_CORES, 0 },
	{ "MAX", 5, MANY_CORES, 0 },
	{ "PEAK", 11, MANY_BYTES, 0 },
	{ "READ", 11, MANY_BYTES, 1 },
	{ "WRITTEN", 11, MANY_BYTES, 1 },
	{ "PROCS", 6, MANY_COUNT, 1 },
};
#define MANY_NCOLS (sizeof many_cols / sizeof many_cols[0])

/* One run's figures in many_cols' order; NAN where the log has none.
 * PEAK is the larger of the sampled tree's memory and the largest single
 * process's peak RSS, which an exit record may know better. */
static void many_values(const struct run *run, double v[MANY_NCOLS])
{
	struct stats_summary s;
	double pk;

	stats_summarize(run, &s);
	pk = fmax(HAVE(&s, memory_mib_max) ? s.memory_mib_max : 0,
		  HAVE(&s, peak_rss_mib) ? s.peak_rss_mib : 0);
	v[0] = HAVE(&s, duration_s) ? s.duration_s : NAN;
	v[1] = HAVE(&s, cpu_seconds) ? s.cpu_seconds : NAN;
	v[2] = HAVE(&s, cpu_usage_mean) ? s.cpu_usage_mean : NAN;
	v[3] = HAVE(&s, cpu_usage_max) ? s.cpu_usage_max : NAN;
	v[4] = pk > 0 ? pk * MIB : NAN;
	v[5] = HAVE(&s, disk_read_bytes) ? (double)s.disk_read_bytes : NAN;
	v[6] = HAVE(&s, disk_write_bytes) ? (double)s.disk_write_bytes : NAN;
	v[7] = (double)run->job.nprocs;
}

/* One cell: v in the column's unit, right-aligned after a space; "n/a"
 * when not finite, blank when blank. */
static void many_cell(FILE *out, const struct many_col *c, double v,
		      int blank, int mean)
{
	char buf[FMT_NUM_MAX];

	if (blank)
		buf[0] = '\0';
	else if (!isfinite(v))
		snprintf(buf, sizeof buf, "n/a");
	else if (c->kind == MANY_SECONDS)
		fmt_seconds(buf, v);
	else if (c->kind == MANY_BYTES)
		fmt_bytes(buf, v);
	else
		fmt_real(buf, v, c->kind == MANY_CORES ? 2 : mean ? 1 : 0);
	fprintf(out, " %*s", c->width, buf);
}

/* Over the runs, per column: the least, the largest, the sum and how many
 * runs had the figure. */
struct many_agg {
	double min, max, sum;
	size_t n;
};

static void many_agg_add(struct many_agg *a, double v)
{
	if (!isfinite(v))
		return;
	a->min = a->n ? fmin(a->min, v) : v;
	a->max = a->n ? fmax(a->max, v) : v;
	a->sum += v;
	a->n++;
}

/* The row of one aggregate: min, mean, max of every column, or the total
 * of the additive ones alone (blank under the others, where a sum would
 * mean nothing) and only where every run had the figure. */
enum many_row_kind { MANY_MIN, MANY_MEAN, MANY_MAX, MANY_TOTAL };

static double many_agg_value(const struct many_agg *a, size_t nruns,
			     enum many_row_kind k)
{
	if (!a->n)
		return NAN;
	switch (k) {
	case MANY_MIN:
		return a->min;
	case MANY_MEAN:
		return a->sum / (double)a->n;
	case MANY_MAX:
		return a->max;
	default: /* a total that leaves a run out would look complete */
		return a->n == nruns ? a->sum : NAN;
	}
}

static void many_agg_row(FILE *out, const struct many_agg *agg, size_t nruns,
			 enum many_row_kind k)
{
	static const char *const label[] = { "min", "mean", "max", "total" };

	many_log_cell(out, label[k]);
	for (size_t c = 0; c < MANY_NCOLS; c++)
		many_cell(out, &many_cols[c], many_agg_value(&agg[c], nruns, k),
			  k == MANY_TOTAL && !many_cols[c].additive,
			  k == MANY_MEAN);
	putc('\n', out);
}

/* Second table, a row per log, then the runs' min, mean and max and the
 * total of what adds up. */
static void many_figures(FILE *out, const struct run *runs,
			 const char *const *names, size_t n)
{
	struct many_agg agg[MANY_NCOLS];
	double v[MANY_NCOLS];

	memset(agg, 0, sizeof agg);
	fputs("  LOG         ", out);
	for (size_t c = 0; c < MANY_NCOLS; c++)
		fprintf(out, " %*s", many_cols[c].width, many_cols[c].head);
	putc('\n', out);
	for (size_t i = 0; i < n; i++) {
		many_values(&runs[i], v);
		many_log_cell(out, names[i]);
		for (size_t c = 0; c < MANY_NCOLS; c++) {
			many_cell(out, &many_cols[c], v[c], 0, 0);
			many_agg_add(&agg[c], v[c]);
		}
		putc('\n', out);
	}
	for (int k = MANY_MIN; k <= MANY_TOTAL; k++)
		many_agg_row(out, agg, n, (enum many_row_kind)k);
}

/* "min 10 s, mean 12 s, max 15 s" of one figure over the runs. */
static void many_spread(char *dst, size_t size, const struct advice_spread *sp,
			int bytes)
{
	char v[3][FMT_HUMAN_MAX];
	const double x[3] = { sp->min, sp->mean, sp->max };

	if (!sp->n) {
		snprintf(dst, size, "n/a");
		return;
	}
	for (int i = 0; i < 3; i++) {
		if (bytes)
			fmt_bytes(v[i], x[i] * MIB);
		else
			fmt_seconds(v[i], x[i]);
	}
	snprintf(dst, size, "min %s, mean %s, max %s", v[0], v[1], v[2]);
}

/* One recommendation for every run, and how the runs spread. */
static void many_recommend(FILE *out, const struct advice_all *all)
{
	const struct advice_rec *r = &all->rec;
	char line[160], gpus[64] = "no GPU";

	if (r->gpus)
		snprintf(gpus, sizeof gpus, "%llu GPU%s with %llu MiB VRAM",
			 (unsigned long long)r->gpus, r->gpus == 1 ? "" : "s",
			 (unsigned long long)r->vram_mib);
	summary_line(out, "recommend", "every run: %llu core%s, %llu MiB "
		     "memory, %s", (unsigned long long)r->cores,
		     r->cores == 1 ? "" : "s",
		     (unsigned long long)r->memory_mib, gpus);
	summary_line(out, "", "slurm %s", r->slurm);
	many_spread(line, sizeof line, &all->duration_s, 0);
	summary_line(out, "", "duration %s", line);
	if (all->cores.n)
		summary_line(out, "", "cores min %.0f, mean %.2f, max %.0f",
			     all->cores.min, all->cores.mean, all->cores.max);
	many_spread(line, sizeof line, &all->memory_peak_mib, 1);
	summary_line(out, "", "memory peak %s", line);
}

int dump_summary_many(FILE *out, const struct run *runs,
		      const char *const *names, size_t n)
{
	struct advice_all all;

	colour = fmt_colour(out);
	fprintf(out, "rtrack summary of %zu logs\n", n);
	many_who(out, runs, names, n);
	putc('\n', out);
	many_figures(out, runs, names, n);
	fputs("  (CORES: mean cores used, MAX: the most; PEAK: memory; total: "
	      "CPU, bytes, processes)\n", out);
	if (advice_runs(runs, n, &all) == 0)
		many_recommend(out, &all);
	return fmt_finish(out);
}
