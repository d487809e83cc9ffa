/* html_compare.c - rtrack-dump --format html of several logs: one page that
 * compares the runs (repeated runs of a job, a job's ranks): a table of
 * the runs, one recommendation that fits them all, and each figure's
 * series overlaid, a line per run, on a shared axis of the time since
 * each run's start.  The page's script (report.js) draws the charts from
 * the data script (html_page.h). */
#include "dump.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "advice.h"
#include "fmt.h"
#include "html_page.h"

#define MIB (1024.0 * 1024.0)

/* One overlaid figure: a series of each run. */
struct cmp_chart {
	const char *id, *title, *unit, *note;
	struct html_col col;
	int gpu; /* only where a run's sampler found a device */
};

static const struct cmp_chart cmp_charts[] = {
	{ "cpu", "CPU", "cores", "Cores the process tree used, a line per run.",
	  { STATS_C_process_cpu_usage, HTML_LEVEL, 1.0, 3 }, 0 },
	{ "memory", "Memory", "MiB", "The process tree's memory, a line per "
	  "run.", { STATS_C_process_memory_mib, HTML_LEVEL, 1.0, 1 }, 0 },
	{ "read", "Disk read", "B/s", "Bytes the process tree read each "
	  "second.",
	  { STATS_C_process_disk_read_bytes, HTML_RATE, 1.0, 0 }, 0 },
	{ "write", "Disk write", "B/s", "Bytes the process tree wrote each "
	  "second.",
	  { STATS_C_process_disk_write_bytes, HTML_RATE, 1.0, 0 }, 0 },
	{ "network", "Network received", "B/s", "Bytes the whole machine "
	  "received each second (not counted per process).",
	  { STATS_C_system_net_recv_bytes, HTML_RATE, 1.0, 0 }, 0 },
	{ "gpu", "GPU", "GPUs", "GPUs the process tree kept busy.",
	  { STATS_C_process_gpu_usage, HTML_LEVEL, 1.0, 3 }, 1 },
};
#define CMP_NCHARTS (sizeof cmp_charts / sizeof cmp_charts[0])

#define HAVE(s, key) (((s)->present & STATS_BIT(STATS_S_##key)) != 0)

/* ---- the table of runs ---- */

static void cell_bytes(FILE *out, int have, double bytes)
{
	char buf[FMT_HUMAN_MAX];

	fmt_bytes(buf, bytes);
	fprintf(out, "<td>%s</td>", have ? buf : "n/a");
}

static void cell_seconds(FILE *out, int have, double s)
{
	char buf[FMT_HUMAN_MAX];

	fmt_seconds(buf, s);
	fprintf(out, "<td>%s</td>", have ? buf : "n/a");
}

static void cell_real(FILE *out, int have, double x)
{
	char buf[FMT_NUM_MAX];

	fprintf(out, "<td>%s</td>", have && fmt_real(buf, x, 2) ? buf : "n/a");
}

static void cell_exit(FILE *out, const struct rt_log *log)
{
	char what[128];
	struct job_end e;

	job_end_get(log, &e);
	dump_exit_words(what, sizeof what, &e);
	if (e.by == JOB_END_NONE)
		snprintf(what, sizeof what, "%s", dump_no_end(log));
	fprintf(out, "<td class=\"l\"><span class=\"badge %s\">",
		html_end_class(&e));
	html_text(out, what, strlen(what));
	fputs("</span></td>", out);
}

static void run_row(FILE *out, size_t i, const struct run *run,
		    const char *name)
{
	const struct rt_header *h = &run->log.hdr;
	char start[FMT_TIME_MAX];
	struct stats_summary s;

	stats_summarize(run, &s);
	fmt_utc(start, h->start_ns);
	fprintf(out, "<tr><td><span class=\"swatch\" data-run=\"%zu\">"
		"</span>%zu</td><td class=\"l cut\" title=\"", i, i + 1);
	html_text(out, name, strlen(name));
	fputs("\">", out);
	html_text(out, name, strlen(name));
	fputs("</td><td class=\"l cmd\" title=\"", out);
	html_str(out, h->cmdline, sizeof h->cmdline);
	fputs("\">", out);
	html_str(out, h->cmdline, sizeof h->cmdline);
	fputs("</td><td class=\"l\">", out);
	html_str(out, h->host, sizeof h->host);
	fprintf(out, "</td><td>%s</td>", start);
	cell_seconds(out, HAVE(&s, duration_s), s.duration_s);
	cell_real(out, HAVE(&s, cpu_usage_mean), s.cpu_usage_mean);
	cell_real(out, HAVE(&s, cpu_usage_max), s.cpu_usage_max);
	cell_seconds(out, HAVE(&s, cpu_seconds), s.cpu_seconds);
	cell_bytes(out, HAVE(&s, memory_mib_max), s.memory_mib_max * MIB);
	cell_bytes(out, HAVE(&s, peak_rss_mib), s.peak_rss_mib * MIB);
	cell_exit(out, &run->log);
	fputs("</tr>\n", out);
}

static void runs_table(FILE *out, const struct run *runs,
		       const char *const *names, size_t n)
{
	fputs("<h2>Runs</h2>\n<div class=\"scroll\"><table id=\"runs\">\n"
	      "<tr><th>#</th><th class=\"l\">log</th><th class=\"l\">command"
	      "</th><th class=\"l\">host</th><th>started (UTC)</th>"
	      "<th>duration</th><th>mean cores</th><th>peak cores</th>"
	      "<th>CPU time</th><th>memory peak</th><th>true peak</th>"
	      "<th class=\"l\">exit</th></tr>\n", out);
	for (size_t i = 0; i < n && !ferror(out); i++)
		run_row(out, i, &runs[i], names[i]);
	fputs("</table></div>\n", out);
}

/* What every run together should ask for. */
static void runs_recommend(FILE *out, const struct run *runs, size_t n)
{
	struct advice_all all;
	const struct advice_rec *r = &all.rec;

	if (advice_runs(runs, n, &all) < 0)
		return;
	fprintf(out, "<div class=\"cards\"><section class=\"card\" "
		"id=\"card-recommendation\"><h2>Recommendation for every run"
		"</h2>\n<p class=\"big\"><b>%llu</b> %s &middot; <b>%llu</b> "
		"MiB", (unsigned long long)r->cores,
		r->cores == 1 ? "core" : "cores",
		(unsigned long long)r->memory_mib);
	if (r->gpus)
		fprintf(out, " &middot; <b>%llu</b> GPU%s",
			(unsigned long long)r->gpus, r->gpus == 1 ? "" : "s");
	fputs("</p>\n<p>The most cores and memory any run needs, the longest "
	      "time.  Slurm: <code>", out);
	html_str(out, r->slurm, sizeof r->slurm);
	fputs("</code></p></section></div>\n", out);
}

/* ---- the data ---- */

/* Which charts any run measured: bit k for cmp_charts[k]. */
static unsigned charts_measured(const struct run *runs, size_t n)
{
	unsigned m = 0;

	for (size_t k = 0; k < CMP_NCHARTS; k++)
		for (size_t i = 0; i < n && !(m & 1u << k); i++)
			if ((!cmp_charts[k].gpu || runs[i].log.ngpu_devs) &&
			    html_col_measured(&runs[i], &cmp_charts[k].col))
				m |= 1u << k;
	return m;
}

static void data_run(FILE *js, size_t i, const struct run *run,
		     const char *name, unsigned m)
{
	const struct rt_header *h = &run->log.hdr;
	char label[64];
	const char *base = strrchr(name, '/');

	snprintf(label, sizeof label, "%zu: ", i + 1);
	fputs("{\"label\":", js);
	fmt_json_string(js, label, strlen(label));
	fputs(",\"log\":", js);
	base = base ? base + 1 : name;
	fmt_json_string(js, base, strlen(base));
	fputs(",\"cmdline\":", js);
	fmt_json_string(js, h->cmdline, strnlen(h->cmdline, sizeof h->cmdline));
	putc(',', js);
	html_data_x(js, run);
	fputs(",\"data\":{", js);
	for (size_t k = 0, w = 0; k < CMP_NCHARTS; k++) {
		if (!(m & 1u << k))
			continue;
		fprintf(js, "%s\"%s\":", w++ ? "," : "", cmp_charts[k].id);
		html_data_col(js, run, &cmp_charts[k].col);
	}
	fputs("}}", js);
}

static int cmp_data(FILE *out, const struct run *runs,
		    const char *const *names, size_t n)
{
	FILE *js = html_data_open(out);
	unsigned m = charts_measured(runs, n);

	if (!js)
		return -1;
	fputs("{\"kind\":\"compare\",\"charts\":[", js);
	for (size_t k = 0, w = 0; k < CMP_NCHARTS; k++)
		if (m & 1u << k)
			fprintf(js, "%s{\"id\":\"%s\",\"title\":\"%s\","
				"\"unit\":\"%s\",\"note\":\"%s\"}",
				w++ ? "," : "", cmp_charts[k].id,
				cmp_charts[k].title, cmp_charts[k].unit,
				cmp_charts[k].note);
	fputs("],\"runs\":[", js);
	for (size_t i = 0; i < n && !ferror(js); i++) {
		if (i)
			putc(',', js);
		data_run(js, i, &runs[i], names[i], m);
	}
	fputs("]}", js);
	html_data_close(js, out);
	return 0;
}

int dump_html_many(FILE *out, const struct run *runs,
		   const char *const *names, size_t n)
{
	char title[64];

	snprintf(title, sizeof title, "%zu runs compared", n);
	html_page_begin(out, title, sizeof title);
	fprintf(out, "<header><h1>rtrack: %zu runs compared</h1></header>\n",
		n);
	runs_table(out, runs, names, n);
	runs_recommend(out, runs, n);
	fputs("<h2>Over time</h2>\n<p class=\"hint\">Each run from its own "
	      "start: a line per run, in the colours of the table.  Hover for "
	      "values, drag to zoom (all charts follow), double-click to "
	      "reset.</p>\n<div class=\"grid\" id=\"charts\"></div>\n", out);
	if (cmp_data(out, runs, names, n) < 0)
		return -1;
	html_page_end(out);
	return fmt_finish(out);
}
