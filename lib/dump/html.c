/* html.c - rtrack-dump --format html of one log: a self-contained page that
 * opens with four cards (the job, its usage, what to ask for, what held it
 * back), then charts of the run over time (only what was measured, each
 * explained in a line) and the process tree.  The cards are written here,
 * as HTML; the charts and the tree are drawn by the page's script
 * (report.js) from the data script (html_page.h). */
#include "dump.h"

#include <math.h>
#include <string.h>

#include "advice.h"
#include "fmt.h"
#include "html_page.h"

#define NS_PER_S 1e9
#define MIB (1024.0 * 1024.0)
#define TIME_DECIMALS 3

/* ---- the charts: what each shows, in the data script ---- */

#define HTML_SERIES 4 /* at most, a chart */

struct html_series {
	const char *label;
	struct html_col col;
	const char *side; /* "process" or "system": the colour */
	int dashed;       /* the second of a pair (write, sent) */
	int stack;        /* drawn stacked on the chart's other stacked ones */
};

struct html_chart {
	const char *id, *title, *unit; /* unit: also how the page formats */
	const char *note;              /* the line under the chart */
	struct html_series series[HTML_SERIES];
	int gpu; /* only where the sampler found a device */
};

#define CORES(c) { STATS_C_##c, HTML_CPU_SHARE, 1.0, 3 }
#define LEVEL(c, d) { STATS_C_##c, HTML_LEVEL, 1.0, d }
#define RATE(c) { STATS_C_##c, HTML_RATE, 1.0, 0 }

static const struct html_chart html_charts[] = {
	{ "cpu", "CPU", "cores",
	  "Cores in use: the process tree's user and system time, stacked "
	  "(green), and the whole machine's (blue).  Dashed: the machine's "
	  "cores and the recommendation.", {
		{ "tree system", CORES(process_stime), "process", 0, 1 },
		{ "tree user", CORES(process_utime), "process", 0, 1 },
		{ "machine", LEVEL(system_cpu_usage, 3), "system", 0, 0 } }, 0 },
	{ "memory", "Memory", "MiB",
	  "The process tree's memory (green) and the machine's used memory "
	  "(blue).  Dashed: the recommendation, the largest peak of a single "
	  "process (true peak) and the machine's total.", {
		{ "tree", LEVEL(process_memory_mib, 1), "process", 0, 0 },
		{ "machine used", LEVEL(system_memory_used_mib, 1), "system",
		  0, 0 } }, 0 },
	{ "disk", "Disk I/O", "B/s",
	  "Bytes read (solid) and written (dashed) each second by the process "
	  "tree (green) and by the machine's disks (blue).", {
		{ "tree read", RATE(process_disk_read_bytes), "process", 0, 0 },
		{ "tree write", RATE(process_disk_write_bytes), "process", 1,
		  0 },
		{ "machine read", RATE(system_disk_read_bytes), "system", 0,
		  0 },
		{ "machine write", RATE(system_disk_write_bytes), "system", 1,
		  0 } }, 0 },
	{ "network", "Network", "B/s",
	  "Bytes received (solid) and sent (dashed) each second by the whole "
	  "machine: Linux does not count network traffic per process.", {
		{ "machine received", RATE(system_net_recv_bytes), "system", 0,
		  0 },
		{ "machine sent", RATE(system_net_sent_bytes), "system", 1,
		  0 } }, 0 },
	{ "space", "Disk space", "GB",
	  "Space used on the machine's mounted file systems, summed, in GB "
	  "(10^9 bytes).  Dashed: their size.", {
		{ "used", LEVEL(system_disk_space_used_gb, 2), "system", 0,
		  0 } }, 0 },
	{ "gpu", "GPU", "GPUs",
	  "GPUs kept busy (utilization summed over the devices, 1 = one GPU "
	  "fully busy) by the process tree (green) and by everything on the "
	  "machine (blue).", {
		{ "tree", LEVEL(process_gpu_usage, 3), "process", 0, 0 },
		{ "machine", LEVEL(system_gpu_usage, 3), "system", 0, 0 } },
	  1 },
	{ "vram", "GPU memory", "MiB",
	  "GPU memory held by the process tree (green) and in use on the "
	  "machine (blue), all devices.", {
		{ "tree", LEVEL(process_gpu_vram_mib, 1), "process", 0, 0 },
		{ "machine", LEVEL(system_gpu_vram_mib, 1), "system", 0,
		  0 } }, 1 },
};
#define HTML_NCHARTS (sizeof html_charts / sizeof html_charts[0])

/* A level drawn across a chart: the machine's size, the recommendation.
 * fit: the y axis always reaches it (else only when it is near the data,
 * so that 64 GiB of machine does not flatten a 50 MiB job). */
struct html_line {
	const char *label;
	double value; /* NAN: not drawn */
	int fit;
};

#define HTML_LINES 3

/* The last row's value of column col, NAN when no row has one. */
static double last_value(const struct run *run, enum stats_col col)
{
	struct stats_row r;

	for (size_t i = stats_nrows(&run->log); i-- > 0;) {
		stats_row(run, i, &r);
		if (r.present & STATS_BIT(col))
			return fmt_field_double(&stats_row_fields[col], &r);
	}
	return NAN;
}

static void chart_lines(const struct run *run, const struct html_chart *c,
			const struct stats_summary *s, const struct advice *a,
			struct html_line l[HTML_LINES])
{
	/* A log of the machine alone has no job to advise or peak. */
	int job = !(run->log.hdr.flags & RT_CFG_MACHINE);

	for (int k = 0; k < HTML_LINES; k++)
		l[k] = (struct html_line){ NULL, NAN, 0 };
	if (strcmp(c->id, "cpu") == 0) {
		l[0] = (struct html_line){ "machine", run->log.hdr.ncpus, 0 };
		if (job && a->rec.cores)
			l[1] = (struct html_line){ "recommended",
						   (double)a->rec.cores, 1 };
	} else if (strcmp(c->id, "memory") == 0) {
		if (s->present & STATS_BIT(STATS_S_system_memory_total_mib))
			l[0] = (struct html_line){
				"machine", s->system_memory_total_mib, 0 };
		if (job && a->rec.memory_mib)
			l[1] = (struct html_line){
				"recommended", (double)a->rec.memory_mib, 1 };
		if (job && (s->present & STATS_BIT(STATS_S_peak_rss_mib)))
			l[2] = (struct html_line){ "true peak",
						   s->peak_rss_mib, 1 };
	} else if (strcmp(c->id, "space") == 0) {
		l[0] = (struct html_line){
			"size", last_value(run, STATS_C_system_disk_space_total_gb),
			1 };
	}
}

static void data_lines(FILE *js, const struct html_line l[HTML_LINES])
{
	int n = 0;

	fputs(",\"lines\":[", js);
	for (int k = 0; k < HTML_LINES; k++) {
		if (!l[k].label || !isfinite(l[k].value))
			continue;
		fprintf(js, "%s{\"label\":\"%s\",\"fit\":%s,\"value\":",
			n++ ? "," : "", l[k].label, l[k].fit ? "true" : "false");
		fmt_json_real(js, l[k].value, 3);
		putc('}', js);
	}
	putc(']', js);
}

/* A chart with its measured series; nothing when none was measured (no
 * GPU charts without a GPU).  Returns whether it wrote one. */
static int data_chart(FILE *js, const struct run *run, int first,
		      const struct html_chart *c,
		      const struct html_line l[HTML_LINES])
{
	int n = 0;

	/* The device inventory the sampler wrote is what counts (as in the
	 * summary): GPU fields of a log without one are no measurement. */
	if (c->gpu && run->log.ngpu_devs == 0)
		return 0;
	for (int k = 0; k < HTML_SERIES && c->series[k].label; k++) {
		const struct html_series *s = &c->series[k];

		if (!html_col_measured(run, &s->col))
			continue;
		fprintf(js, "%s", n ? "," : first ? "" : ",");
		if (!n++)
			fprintf(js, "{\"id\":\"%s\",\"title\":\"%s\",\"unit\":"
				"\"%s\",\"note\":\"%s\",\"series\":[", c->id,
				c->title, c->unit, c->note);
		fprintf(js, "{\"label\":\"%s\",\"side\":\"%s\",\"dashed\":%s,"
			"\"stack\":%s,\"data\":", s->label, s->side,
			s->dashed ? "true" : "false",
			s->stack ? "true" : "false");
		html_data_col(js, run, &s->col);
		putc('}', js);
	}
	if (!n)
		return 0;
	putc(']', js);
	data_lines(js, l);
	putc('}', js);
	return 1;
}

/* ---- the processes, in the data script ---- */

static void proc_exit(FILE *js, const struct job_proc *p, int oom)
{
	char buf[32];

	dump_proc_exit(buf, sizeof buf, p, oom);
	fmt_json_string(js, buf, strlen(buf));
}

static double since_start(const struct rt_log *log, uint64_t ns)
{
	return (double)(int64_t)(ns - log->hdr.start_ns) / NS_PER_S;
}

/* One process as an array: parent row (-1 none), pid, start and end (s
 * since the start of tracking; null where the start is unknown), CPU s,
 * peak RSS MiB, read and written bytes, exit (dump_proc_exit), exact (1)
 * or sampled (0), command line. */
static void data_proc(FILE *js, const struct run *run, size_t i,
		      const struct advice *a)
{
	const struct job_proc *p = &run->job.procs[i];

	fprintf(js, "[%lld,%u,", (long long)p->parent - 1, (unsigned)p->pid);
	fmt_json_real(js, p->start_ns ? since_start(&run->log, p->start_ns) :
					NAN, TIME_DECIMALS);
	putc(',', js);
	fmt_json_real(js, p->start_ns && p->end_ns >= p->start_ns ?
			  since_start(&run->log, p->end_ns) : NAN,
		      TIME_DECIMALS);
	putc(',', js);
	fmt_json_real(js, ((double)p->utime_us + (double)p->stime_us) / 1e6,
		      TIME_DECIMALS);
	putc(',', js);
	fmt_json_real(js, p->flags & JOB_NO_PEAK ? NAN :
			  (double)p->hwm_kib / 1024.0, 1);
	fprintf(js, ",%llu,%llu,", (unsigned long long)p->read_bytes,
		(unsigned long long)p->write_bytes);
	proc_exit(js, p, advice_oom_killed(a, p));
	fprintf(js, ",%d,", (p->flags & JOB_EXACT) != 0);
	fmt_json_string(js, p->cmdline, strnlen(p->cmdline, sizeof p->cmdline));
	putc(']', js);
}

static void data_procs(FILE *js, const struct run *run, const struct advice *a)
{
	fputs(",\"procs\":[", js);
	for (size_t i = 0; i < run->job.nprocs && !ferror(js); i++) {
		if (i)
			putc(',', js);
		data_proc(js, run, i, a);
	}
	putc(']', js);
}

/* The data: kind, x, the charts with their lines, the processes. */
static int html_data(FILE *out, const struct run *run,
		     const struct stats_summary *s, const struct advice *a)
{
	FILE *js = html_data_open(out);
	struct html_line l[HTML_LINES];
	int n = 0;

	if (!js)
		return -1;
	fputs("{\"kind\":\"run\",", js);
	html_data_x(js, run);
	fputs(",\"charts\":[", js);
	for (size_t c = 0; c < HTML_NCHARTS && !ferror(js); c++) {
		chart_lines(run, &html_charts[c], s, a, l);
		n += data_chart(js, run, n == 0, &html_charts[c], l);
	}
	putc(']', js);
	data_procs(js, run, a);
	putc('}', js);
	html_data_close(js, out);
	return 0;
}

/* ---- the cards ---- */

static void put_bytes(FILE *out, double bytes)
{
	char buf[FMT_HUMAN_MAX];

	fmt_bytes(buf, bytes);
	fputs(buf, out);
}

static void put_seconds(FILE *out, double s)
{
	char buf[FMT_HUMAN_MAX];

	fmt_seconds(buf, s);
	fputs(buf, out);
}

static void put_real(FILE *out, double x, int decimals)
{
	char buf[FMT_NUM_MAX];

	fputs(fmt_real(buf, x, decimals) ? buf : "n/a", out);
}

#define HAVE(s, key) (((s)->present & STATS_BIT(STATS_S_##key)) != 0)

/* A row of a card: its label, then the caller writes the value. */
static void row(FILE *out, const char *label)
{
	fprintf(out, "<dt>%s</dt><dd>", label);
}

static void row_end(FILE *out)
{
	fputs("</dd>\n", out);
}

/* The job's end as a badge: ok, failed or unknown, in words. */
static void job_status(FILE *out, const struct run *run,
		       const struct advice *a)
{
	char what[256];
	struct job_end e;
	const char *cls;

	job_end_get(&run->log, &e);
	dump_exit_words(what, sizeof what, &e);
	if (run->log.hdr.flags & RT_CFG_MACHINE) {
		fputs("<span class=\"badge ok\" id=\"status\">recorded: the "
		      "machine alone (rtrack --system)</span>", out);
		return;
	}
	cls = html_end_class(&e);
	if (advice_oom_ended(a, &e) > 0) {
		snprintf(what, sizeof what, "killed by the out-of-memory "
			 "killer");
		cls = "bad";
	} else if (e.by == JOB_END_NONE) {
		snprintf(what, sizeof what, "%s%s", dump_no_end(&run->log),
			 a->oom_near ? "; probably the out-of-memory killer "
				       "(near its memory's end at the last "
				       "sample)" : "");
	}
	fprintf(out, "<span class=\"badge %s\" id=\"status\">%s: ", cls,
		strcmp(cls, "ok") == 0 ? "finished" :
		strcmp(cls, "bad") == 0 ? "failed" : "ended");
	html_text(out, what, strlen(what));
	fputs("</span>", out);
}

/* A card: its title, what the caller writes (a lead paragraph, then
 * rows between dl_begin and dl_end), its end. */
static void card_begin(FILE *out, const char *id, const char *title)
{
	fprintf(out, "<section class=\"card\" id=\"card-%s\"><h2>%s</h2>\n",
		id, title);
}

static void dl_begin(FILE *out)
{
	fputs("<dl>\n", out);
}

static void dl_end(FILE *out)
{
	fputs("</dl>\n", out);
}

static void card_end(FILE *out)
{
	fputs("</section>\n", out);
}

/* The machine: CPUs, memory, storage and the system. */
static void job_machine(FILE *out, const struct run *run,
			const struct stats_summary *s)
{
	const struct rt_header *h = &run->log.hdr;
	double disk = last_value(run, STATS_C_system_disk_space_total_gb);

	row(out, "host");
	html_str(out, h->host, sizeof h->host);
	row_end(out);
	row(out, "machine");
	fprintf(out, "%u CPUs", (unsigned)h->ncpus);
	if (HAVE(s, system_memory_total_mib)) {
		fputs(", ", out);
		put_bytes(out, s->system_memory_total_mib * MIB);
		fputs(" memory", out);
	}
	if (isfinite(disk)) {
		fputs(", ", out);
		put_real(out, disk, 0);
		fputs(" GB storage", out);
	}
	row_end(out);
	row(out, "system");
	fputs("Linux ", out);
	html_str(out, h->kernel, sizeof h->kernel);
	putc(' ', out);
	html_str(out, h->machine, sizeof h->machine);
	row_end(out);
}

static void card_job(FILE *out, const struct run *run, const char *name,
		     const struct stats_summary *s, const struct advice *a)
{
	const struct rt_header *h = &run->log.hdr;
	char start[FMT_TIME_MAX];

	card_begin(out, "job", run->log.hdr.flags & RT_CFG_MACHINE ?
			       "Machine" : "Job");
	fputs("<p class=\"status\">", out);
	job_status(out, run, a);
	fputs("</p>\n", out);
	dl_begin(out);
	job_machine(out, run, s);
	fmt_utc(start, h->start_ns);
	row(out, "started");
	fprintf(out, "%s", start);
	row_end(out);
	row(out, "duration");
	if (HAVE(s, duration_s))
		put_seconds(out, s->duration_s);
	else
		fputs("n/a", out);
	row_end(out);
	if (!(h->flags & RT_CFG_MACHINE)) {
		row(out, "root pid");
		fprintf(out, "%u", (unsigned)h->pid);
		row_end(out);
	}
	row(out, "samples");
	fprintf(out, "%zu, every ", run->log.nsamples);
	put_seconds(out, (double)h->interval_ns / NS_PER_S);
	row_end(out);
	if (name) {
		row(out, "log");
		html_text(out, name, strlen(name));
		row_end(out);
	}
	dl_end(out);
	card_end(out);
}

static void usage_cpu(FILE *out, const struct run *run,
		      const struct stats_summary *s)
{
	row(out, "CPU");
	fputs("mean <b>", out);
	put_real(out, s->cpu_usage_mean, 2);
	fputs("</b>, peak <b>", out);
	put_real(out, s->cpu_usage_max, 2);
	fprintf(out, "</b> of %u cores", (unsigned)run->log.hdr.ncpus);
	if (HAVE(s, cpu_seconds)) {
		fputs("; ", out);
		put_seconds(out, s->cpu_seconds);
		fputs(" CPU time", out);
	}
	row_end(out);
}

static void usage_memory(FILE *out, const struct run *run,
			 const struct stats_summary *s)
{
	row(out, "memory");
	fputs("peak <b>", out);
	if (HAVE(s, memory_mib_max))
		put_bytes(out, s->memory_mib_max * MIB);
	else
		fputs("n/a", out);
	fprintf(out, "</b> (%s, sampled)",
		run->log.hdr.mem_mode == RT_MEM_RSS ? "RSS" : "PSS");
	if (HAVE(s, peak_rss_mib)) {
		fputs("; true peak <b>", out);
		put_bytes(out, s->peak_rss_mib * MIB);
		fputs("</b> (largest process)", out);
	}
	row_end(out);
}

static void usage_pair(FILE *out, const char *label, int have, double a,
		       const char *aw, double b, const char *bw)
{
	row(out, label);
	if (have) {
		put_bytes(out, a);
		fprintf(out, " %s, ", aw);
		put_bytes(out, b);
		fprintf(out, " %s", bw);
	} else {
		fputs("not measured", out);
	}
	row_end(out);
}

static void usage_gpu(FILE *out, const struct rt_log *log,
		      const struct stats_summary *s)
{
	if (log->ngpu_devs == 0)
		return;
	row(out, "GPU");
	fputs("mean ", out);
	put_real(out, s->gpu_usage_mean, 2);
	fputs(", peak ", out);
	put_real(out, s->gpu_usage_max, 2);
	fprintf(out, " of %zu GPUs", (size_t)log->ngpu_devs);
	if (HAVE(s, gpu_vram_mib_max)) {
		fputs("; VRAM peak ", out);
		put_bytes(out, s->gpu_vram_mib_max * MIB);
	}
	row_end(out);
}

static void card_usage(FILE *out, const struct run *run,
		       const struct stats_summary *s)
{
	const struct job *j = &run->job;

	card_begin(out, "usage", "Usage");
	dl_begin(out);
	usage_cpu(out, run, s);
	usage_memory(out, run, s);
	usage_pair(out, "disk", HAVE(s, disk_read_bytes),
		   (double)s->disk_read_bytes, "read",
		   (double)s->disk_write_bytes, "written");
	usage_pair(out, "network", HAVE(s, net_recv_bytes),
		   (double)s->net_recv_bytes, "received",
		   (double)s->net_sent_bytes, "sent (whole machine)");
	usage_gpu(out, &run->log, s);
	row(out, "processes");
	fprintf(out, "%zu, %zu with an exact exit record", j->nprocs,
		j->nexact);
	row_end(out);
	dl_end(out);
	card_end(out);
}

/* The runtime the model gives for each number of cores, as bars; the
 * recommended one marked, the measured duration a dashed line. */
static void rec_curve(FILE *out, const struct advice *a)
{
	const struct advice_rec *r = &a->rec;
	double top = a->duration_s > 0 ? a->duration_s : 0;
	const double W = 320, H = 120, B = 18, T = 16;
	double bw;

	if (r->nruntime < 2)
		return;
	for (size_t k = 0; k < r->nruntime; k++)
		top = fmax(top, r->runtime[k].seconds);
	if (!(top > 0))
		return;
	bw = W / (double)r->nruntime;
	fprintf(out, "<figure class=\"curve\"><svg viewBox=\"0 0 %.0f %.0f\" "
		"role=\"img\" aria-label=\"runtime by cores\">\n", W, H);
	for (size_t k = 0; k < r->nruntime; k++) {
		double h = r->runtime[k].seconds / top * (H - B - T);
		double x = bw * (double)k + bw * 0.15;
		char t[FMT_HUMAN_MAX];

		fmt_seconds(t, r->runtime[k].seconds);
		fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			"height=\"%.1f\" class=\"%s\"/>", x, H - B - h,
			bw * 0.7, h, r->runtime[k].cores == r->cores ?
			"rec" : "bar");
		fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"v\">%s"
			"</text>", x + bw * 0.35, H - B - h - 3, t);
		fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">%llu</text>\n",
			x + bw * 0.35, H - 4,
			(unsigned long long)r->runtime[k].cores);
	}
	if (a->duration_s > 0)
		fprintf(out, "<line x1=\"0\" x2=\"%.0f\" y1=\"%.1f\" "
			"y2=\"%.1f\" class=\"measured\"/>", W,
			H - B - a->duration_s / top * (H - B - T),
			H - B - a->duration_s / top * (H - B - T));
	fputs("</svg><figcaption>Runtime by cores, from a model of the run "
	      "(its CPU demand each interval, work above the cores carried "
	      "over); dashed: the measured duration.</figcaption></figure>\n",
	      out);
}

static void card_recommend(FILE *out, const struct advice *a)
{
	const struct advice_rec *r = &a->rec;
	char basis[160];

	card_begin(out, "recommendation", "Recommendation");
	fprintf(out, "<p class=\"big\"><b>%llu</b> %s &middot; <b>%llu</b> "
		"MiB", (unsigned long long)r->cores,
		r->cores == 1 ? "core" : "cores",
		(unsigned long long)r->memory_mib);
	if (r->gpus)
		fprintf(out, " &middot; <b>%llu</b> GPU%s, %llu MiB VRAM",
			(unsigned long long)r->gpus, r->gpus == 1 ? "" : "s",
			(unsigned long long)r->vram_mib);
	else
		fputs(" &middot; no GPU", out);
	fputs("</p>\n", out);
	dl_begin(out);
	row(out, "cores");
	fputs("the fewest on which the run finishes within 10% of its "
	      "measured time", out);
	row_end(out);
	dump_memory_basis(basis, sizeof basis, r);
	if (basis[0]) {
		row(out, "memory");
		html_text(out, basis, strlen(basis));
		row_end(out);
	}
	if (r->time_s) {
		row(out, "time");
		put_seconds(out, (double)r->time_s);
		fputs(" (the model's runtime + 50%, at least a minute)", out);
		row_end(out);
	}
	row(out, "Slurm");
	fputs("<code>", out);
	html_str(out, r->slurm, sizeof r->slurm);
	fputs("</code>", out);
	row_end(out);
	row(out, "Kubernetes");
	fputs("<code>cpu: ", out);
	html_str(out, r->k8s_cpu, sizeof r->k8s_cpu);
	fputs(", memory: ", out);
	html_str(out, r->k8s_memory, sizeof r->k8s_memory);
	fputs("</code> (requests = limits)", out);
	row_end(out);
	dl_end(out);
	rec_curve(out, a);
	card_end(out);
}

/* The diagnosis' figures the log could give, each with what it means. */
static void verdict_evidence(FILE *out, const struct advice *a)
{
	static const struct {
		enum advice_diag_key key;
		const char *label, *unit;
		double scale;
	} ev[] = {
		{ ADVICE_D_cpu_wait_seconds, "waited for a CPU", " s", 1 },
		{ ADVICE_D_other_load_cores, "other load", " cores", 1 },
		{ ADVICE_D_cpu_quota_cores, "CPU quota", " cores", 1 },
		{ ADVICE_D_throttled_seconds, "throttled", " s", 1 },
		{ ADVICE_D_memory_limit_mib, "memory limit", " MiB", 1 },
		{ ADVICE_D_oom_kills, "OOM kills", "", 1 },
		{ ADVICE_D_major_faults, "major page faults", "", 1 },
		{ ADVICE_D_swap_mib_max, "swap peak", " MiB", 1 },
		{ ADVICE_D_io_pressure, "stalled on I/O", "% of the time",
		  100 },
	};
	const struct advice_diag *d = &a->diag;

	for (size_t k = 0; k < sizeof ev / sizeof ev[0]; k++) {
		const struct stats_field *f = &advice_diag_fields[ev[k].key];
		double v;

		if (!(d->present & STATS_BIT(ev[k].key)))
			continue;
		v = fmt_field_double(f, d);
		row(out, ev[k].label);
		put_real(out, v * ev[k].scale,
			 f->decimals < 0 ? 0 : v * ev[k].scale < 10 ? 2 : 1);
		fputs(ev[k].unit, out);
		row_end(out);
	}
}

static void card_verdict(FILE *out, const struct advice *a)
{
	const char *v = advice_verdict_name(a->verdict);

	card_begin(out, "verdict", "What held it back");
	if (v) {
		fprintf(out, "<p class=\"big\"><span class=\"verdict\" "
			"id=\"verdict\">%s</span></p>\n<p>", v);
		html_str(out, a->sentence, sizeof a->sentence);
		fputs("</p>\n", out);
	} else {
		fputs("<p>Not known: the log has too little to tell.</p>\n",
		      out);
	}
	dl_begin(out);
	verdict_evidence(out, a);
	dl_end(out);
	card_end(out);
}

static void html_damage(FILE *out, const struct rt_log *log)
{
	char text[1024];

	if (!log->damaged)
		return;
	dump_damage_shown(text, sizeof text, log);
	fputs("<p class=\"warn\">The log is ", out);
	html_str(out, text, sizeof text);
	fputs(".</p>\n", out);
}

static void html_top(FILE *out, const struct run *run, const char *name,
		     const struct stats_summary *s, const struct advice *a)
{
	const struct rt_log *log = &run->log;
	int machine = (log->hdr.flags & RT_CFG_MACHINE) != 0;

	fputs("<header><h1>rtrack report</h1>\n<p class=\"cmd\">", out);
	html_str(out, log->hdr.cmdline, sizeof log->hdr.cmdline);
	fputs("</p></header>\n", out);
	html_damage(out, log);
	fputs("<div class=\"cards\">\n", out);
	card_job(out, run, name, s, a);
	if (!machine) {
		card_usage(out, run, s);
		card_recommend(out, a);
		card_verdict(out, a);
	}
	fputs("</div>\n", out);
}

static void html_sections(FILE *out, const struct run *run)
{
	fputs("<h2>Over time</h2>\n<p class=\"hint\">Hover for values (a range "
	      "where a point of the chart stands for several samples), drag "
	      "to zoom (all charts follow), double-click to reset.</p>\n"
	      "<div class=\"grid\" id=\"charts\"></div>\n", out);
	if (run->log.hdr.flags & RT_CFG_MACHINE)
		return;
	fprintf(out, "<h2>Processes (%zu)</h2>\n<p class=\"hint\">The process "
		"tree: click a row's arrow to open it; repeated commands of "
		"one parent are one row until opened; click a column to sort.  "
		"CPU: the process's own, and with everything below it.  Exact: "
		"from the process's own exit record; ~: as last sampled.</p>\n"
		"<div id=\"procs\" class=\"procs\"></div>\n", run->job.nprocs);
}

int dump_html(FILE *out, const struct run *run, const char *name)
{
	const struct rt_log *log = &run->log;
	struct stats_summary s;
	struct advice a;

	stats_summarize(run, &s);
	advice_of(run, &s, &a);
	html_page_begin(out, log->hdr.cmdline, sizeof log->hdr.cmdline);
	html_top(out, run, name, &s, &a);
	html_sections(out, run);
	if (html_data(out, run, &s, &a) < 0)
		return -1;
	html_page_end(out);
	return fmt_finish(out);
}
