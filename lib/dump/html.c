/* html.c - rtrack-dump --format html: one self-contained page with charts
 * of the run over time (process tree and system side by side in each),
 * the summary, the sizing recommendation and the process table.  uPlot,
 * its stylesheet and the data are inlined, and a Content-Security-Policy
 * forbids every fetch, so the page works offline and leaks nothing.
 *
 * Text from the log is hostile.  It reaches the page either HTML-escaped,
 * or as a JSON string inside the data <script>, where every '<' is written
 * \u003c: nothing in the data can end the script or open a comment. */
#include "dump.h"

#include <math.h>
#include <string.h>
#include <sys/types.h>

#include "advice.h"
#include "fmt.h"

#define NS_PER_S 1e9
#define KIB_PER_MIB 1024.0
#define RATE_DECIMALS 1 /* bytes per second */
#define TIME_DECIMALS 3

/* Generated at build time from third_party/uplot (lib/dump/embed.cmake). */
extern const unsigned char html_asset_uplot_js[], html_asset_uplot_css[],
	html_asset_uplot_license[];
extern const size_t html_asset_uplot_js_len, html_asset_uplot_css_len,
	html_asset_uplot_license_len;

/* One line of a chart: a column of stats_row().  Per-second series divide
 * the interval's bytes by its length, so that intervals of different
 * lengths compare. */
struct html_series {
	const char *label;
	enum stats_col col;
	int per_second;
	const char *side;  /* "process" or "system": the colour */
	int dashed;        /* the second of a pair (write, sent) */
};

#define HTML_SERIES 2 /* every chart: one pair */

struct html_chart {
	const char *id, *title, *unit; /* unit: also how the page formats */
	struct html_series series[HTML_SERIES];
};

static const struct html_chart html_charts[] = {
	{ "cpu", "CPU", "cores", {
		{ "process tree", STATS_C_process_cpu_usage, 0, "process", 0 },
		{ "system", STATS_C_system_cpu_usage, 0, "system", 0 } } },
	{ "memory", "Memory", "MiB", {
		{ "process tree", STATS_C_process_memory_mib, 0, "process", 0 },
		{ "system used", STATS_C_system_memory_used_mib, 0, "system",
		  0 } } },
	{ "disk", "Disk I/O", "B/s", {
		{ "tree read", STATS_C_process_disk_read_bytes, 1, "process",
		  0 },
		{ "tree write", STATS_C_process_disk_write_bytes, 1, "process",
		  1 } } },
	{ "network", "Network", "B/s", {
		{ "system recv", STATS_C_system_net_recv_bytes, 1, "system", 0 },
		{ "system sent", STATS_C_system_net_sent_bytes, 1, "system",
		  1 } } },
	{ "gpu", "GPU", "GPUs", {
		{ "process tree", STATS_C_process_gpu_usage, 0, "process", 0 },
		{ "system", STATS_C_system_gpu_usage, 0, "system", 0 } } },
	{ "vram", "GPU memory", "MiB", {
		{ "process tree", STATS_C_process_gpu_vram_mib, 0, "process",
		  0 },
		{ "system", STATS_C_system_gpu_vram_mib, 0, "system", 0 } } },
};
#define HTML_NCHARTS (sizeof html_charts / sizeof html_charts[0])

/* ---- text ---- */

static void html_char(FILE *out, unsigned char c)
{
	switch (c) {
	case '&': fputs("&amp;", out); break;
	case '<': fputs("&lt;", out); break;
	case '>': fputs("&gt;", out); break;
	case '"': fputs("&quot;", out); break;
	case '\'': fputs("&#39;", out); break;
	default: putc(c, out);
	}
}

/* The first len bytes of str (to a NUL) as HTML text, safe in an element
 * or a quoted attribute.  Invalid UTF-8 and control characters become
 * U+FFFD, so that the page stays valid UTF-8 whatever the log holds. */
static void html_text(FILE *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;

	for (size_t i = 0; i < len && s[i];) {
		size_t n = fmt_utf8_len(s + i, len - i);

		if (n == 0 || (n == 1 && ((s[i] < 0x20 && s[i] != '\t') ||
					  s[i] == 0x7F))) {
			fputs("\xEF\xBF\xBD", out);
			i++;
			continue;
		}
		if (n == 1)
			html_char(out, s[i]);
		else
			fwrite(s + i, 1, n, out);
		i += n;
	}
}

/* A fixed-size char array of the log, which may lack its NUL. */
static void html_str(FILE *out, const char *s, size_t size)
{
	html_text(out, s, strnlen(s, size));
}

/* ---- numbers ---- */

/* Field f of base as a double (uint64_t fields converted). */
static double field_double(const struct stats_field *f, const void *base)
{
	const char *p = (const char *)base + f->offset;
	uint64_t u;
	double d;

	if (f->decimals >= 0) {
		memcpy(&d, p, sizeof d);
		return d;
	}
	memcpy(&u, p, sizeof u);
	return (double)u;
}

/* Seconds from sample i to i + 1 (row i), or NAN when a time is missing
 * or did not move forward: a rate is then unknown, not infinite. */
static double interval_s(const struct rt_log *log, size_t i)
{
	const struct rt_sample *a = &log->samples[i], *b = a + 1;

	if (!sample_has(a, RT_F_time_ns) || !sample_has(b, RT_F_time_ns) ||
	    b->time_ns <= a->time_ns)
		return NAN;
	return (double)(b->time_ns - a->time_ns) / NS_PER_S;
}

/* Seconds from the start of tracking to ns (negative before it). */
static double since_start(const struct rt_log *log, uint64_t ns)
{
	return (double)(int64_t)(ns - log->hdr.start_ns) / NS_PER_S;
}

static void put_real(FILE *out, double x, int decimals, const char *unit)
{
	char buf[FMT_NUM_MAX];

	if (!fmt_real(buf, x, decimals)) {
		fputs("n/a", out);
		return;
	}
	fputs(buf, out);
	fputs(unit, out);
}

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

/* ---- the data <script> ---- */

/* Writes to the real stream with every '<' as \u003c: JSON reads it back
 * as '<', and the HTML parser never sees "</script" or "<!--" in it.  A
 * failure is the real stream's, whose error flag fmt_finish reports. */
static ssize_t script_write(void *cookie, const char *buf, size_t n)
{
	FILE *out = cookie;
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		if (buf[i] != '<')
			continue;
		fwrite(buf + start, 1, i - start, out);
		fputs("\\u003c", out);
		start = i + 1;
	}
	fwrite(buf + start, 1, n - start, out);
	return ferror(out) ? -1 : (ssize_t)n;
}

/* Row i's value of series s, NAN when unavailable (written as null). */
static double series_value(const struct run *run, size_t i,
			   const struct html_series *s)
{
	const struct rt_log *log = &run->log;
	struct stats_row r;
	double v;

	stats_row(run, i, &r);
	if (!(r.present & STATS_BIT(s->col)))
		return NAN;
	v = field_double(&stats_row_fields[s->col], &r);
	return s->per_second ? v / interval_s(log, i) : v;
}

static void data_series(FILE *js, const struct run *run,
			const struct html_series *s)
{
	const struct rt_log *log = &run->log;
	int dec = s->per_second ? RATE_DECIMALS :
				  stats_row_fields[s->col].decimals;
	size_t nrows = stats_nrows(log);

	fputs("{\"label\":", js);
	fmt_json_string(js, s->label, strlen(s->label));
	fprintf(js, ",\"side\":\"%s\",\"dashed\":%s,\"data\":[", s->side,
		s->dashed ? "true" : "false");
	for (size_t i = 0; i < nrows && !ferror(js); i++) {
		if (i)
			putc(',', js);
		fmt_json_real(js, series_value(run, i, s), dec < 0 ? 0 : dec);
	}
	fputs("]}", js);
}

static void data_chart(FILE *js, const struct run *run,
		       const struct html_chart *c)
{
	fprintf(js, "{\"id\":\"%s\",\"title\":\"%s\",\"unit\":\"%s\","
		"\"series\":[", c->id, c->title, c->unit);
	for (size_t k = 0; k < HTML_SERIES; k++) {
		if (k)
			putc(',', js);
		data_series(js, run, &c->series[k]);
	}
	fputs("]}", js);
}

/* x: seconds since the start of tracking at each row's end; null where
 * the row has no time stamp (the page leaves such rows out). */
static void data_x(FILE *js, const struct run *run)
{
	const struct rt_log *log = &run->log;
	double start = (double)log->hdr.start_ns / NS_PER_S;
	size_t nrows = stats_nrows(log);
	struct stats_row r;

	fputs("\"x\":[", js);
	for (size_t i = 0; i < nrows && !ferror(js); i++) {
		stats_row(run, i, &r);
		if (i)
			putc(',', js);
		fmt_json_real(js, r.present & STATS_BIT(STATS_C_timestamp) ?
				  r.timestamp - start : NAN, TIME_DECIMALS);
	}
	putc(']', js);
}

static void data_meta(FILE *js, const struct rt_log *log)
{
	const struct rt_header *h = &log->hdr;

	fputs("\"meta\":{\"cmdline\":", js);
	fmt_json_string(js, h->cmdline, strnlen(h->cmdline, sizeof h->cmdline));
	fputs(",\"hostname\":", js);
	fmt_json_string(js, h->host, strnlen(h->host, sizeof h->host));
	fprintf(js, ",\"pid\":%u,\"ncpus\":%u,\"start_time\":", (unsigned)h->pid,
		(unsigned)h->ncpus);
	fmt_json_real(js, (double)h->start_ns / NS_PER_S, TIME_DECIMALS);
	fputs("}", js);
}

/* The data as one JSON object: meta, x, and per chart its series.
 * Returns 0, or -1 (errno set) when the filter stream cannot be made; a
 * write error stays in out's error flag. */
static int html_data(FILE *out, const struct run *run)
{
	cookie_io_functions_t io = { .write = script_write };
	FILE *js = fopencookie(out, "w", io);

	if (!js)
		return -1;
	fputs("<script type=\"application/json\" id=\"rtrack-data\">", out);
	putc('{', js);
	data_meta(js, &run->log);
	putc(',', js);
	data_x(js, run);
	fputs(",\"charts\":[", js);
	for (size_t c = 0; c < HTML_NCHARTS && !ferror(js); c++) {
		if (c)
			putc(',', js);
		data_chart(js, run, &html_charts[c]);
	}
	fputs("]}", js);
	fclose(js);
	fputs("</script>\n", out);
	return 0;
}

/* ---- the page ---- */

static const char html_style[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,"
	"sans-serif;margin:0 auto;max-width:1400px;padding:16px 20px;"
	"color:#111827;background:#fff}\n"
	"h1{font-size:20px;margin:0 0 6px}h2{font-size:16px;margin:28px 0 8px}\n"
	".cmd{font-family:ui-monospace,Menlo,Consolas,monospace;"
	"white-space:pre-wrap;word-break:break-all}\n"
	".meta,.hint{color:#4b5563;margin:4px 0}.warn{color:#b91c1c}\n"
	".grid{display:grid;grid-template-columns:repeat(auto-fill,"
	"minmax(520px,1fr));gap:12px 20px}\n"
	".chart{min-width:0;min-height:300px}.chart .u-title{font-size:15px}\n"
	"table{border-collapse:collapse;font-variant-numeric:tabular-nums}\n"
	"th,td{padding:3px 10px;border-bottom:1px solid #e5e7eb;"
	"text-align:right;vertical-align:top}\n"
	"th{background:#f3f4f6;font-weight:600}th.l,td.l{text-align:left}\n"
	"td.cmd{text-align:left;max-width:70ch}\n"
	".rec{font-size:16px}\n";

/* Collects page errors (uncaught exceptions, console.error, blocked
 * fetches) in body[data-rtrack-errors], where a test can read them; runs
 * before uPlot so that nothing escapes it. */
static const char html_js_errors[] =
	"(function(){var errs=[];"
	"function note(m){errs.push(String(m));"
	"document.body.dataset.rtrackErrors=errs.join('\\n');}"
	"window.addEventListener('error',function(e){"
	"note(e.message||'error');});"
	"document.addEventListener('securitypolicyviolation',function(e){"
	"note('blocked: '+e.blockedURI);});"
	"var ce=console.error;console.error=function(){"
	"note(Array.prototype.join.call(arguments,' '));"
	"return ce.apply(console,arguments);};})();\n";

/* Builds one uPlot per chart of the data.  Byte rates tick at 1, 2, 5 x
 * powers of ten times powers of 1024, so that ticks read 50 MiB/s.  All share one cursor sync key,
 * through which uPlot also passes on a drag (zoom every chart) and a
 * double-click (reset them all).  Rows without a time stamp, or whose time
 * does not move forward, are left out (uPlot needs x ascending); null
 * values stay gaps.  body[data-rtrack-charts] says how many were built. */
static const char html_js_charts[] =
	"(function(){'use strict';\n"
	"var D=JSON.parse(document.getElementById('rtrack-data').textContent);\n"
	"var COLOR={process:'#059669',system:'#2563eb'},H=240;\n"
	"function human(v,unit){if(v==null)return '\\u2013';\n"
	" if(unit==='B/s'){var u=['B/s','KiB/s','MiB/s','GiB/s','TiB/s'],i=0;\n"
	"  while(Math.abs(v)>=1024&&i<u.length-1){v/=1024;i++;}\n"
	"  return v.toFixed(i?1:0)+' '+u[i];}\n"
	" return v.toFixed(unit==='MiB'?1:2)+' '+unit;}\n"
	"function clock(s){if(s==null)return '';\n"
	" if(Math.abs(s)<60)return s.toFixed(Math.abs(s)<10?2:1)+' s';\n"
	" var t=Math.round(s),h=Math.floor(t/3600),m=Math.floor(t%3600/60),"
	"x=t%60;\n"
	" return(h?h+':'+(m<10?'0':''):'')+m+':'+(x<10?'0':'')+x;}\n"
	"var keep=[],last=-Infinity;\n"
	"D.x.forEach(function(x,i){if(typeof x==='number'&&x>last){"
	"keep.push(i);last=x;}});\n"
	"function pick(a){return keep.map(function(i){return a[i];});}\n"
	"var xs=pick(D.x),plots=[],BIN=[];\n"
	"for(var p=1;p<=Math.pow(1024,5);p*=1024)[1,2,5,10,20,50,100,200,500]"
	".forEach(function(m){BIN.push(m*p);});\n"
	"function yaxis(c){var a={size:90,values:function(u,v){"
	"return v.map(function(y){return human(y,c.unit);});}};\n"
	" if(c.unit==='B/s')a.incrs=BIN;return a;}\n"
	"function width(el){return Math.max(320,el.clientWidth);}\n"
	"function series(c,s){return{label:s.label,stroke:COLOR[s.side],"
	"width:1.5,dash:s.dashed?[6,4]:undefined,spanGaps:false,\n"
	" value:function(u,v){return human(v,c.unit);}};}\n"
	"function chart(c){var el=document.getElementById('chart-'+c.id);\n"
	" var opts={title:c.title+' ('+c.unit+')',width:width(el),height:H,\n"
	"  cursor:{sync:{key:'rtrack'},drag:{x:true,y:false}},\n"
	"  scales:{x:{time:false},y:{range:function(u,mn,mx){"
	"return[0,mx>0?mx*1.1:c.unit==='B/s'?1024:1];}}},\n"
	"  axes:[{values:function(u,v){return v.map(clock);}},yaxis(c)],\n"
	"  series:[{label:'time',value:function(u,v){return clock(v);}}]"
	".concat(c.series.map(function(s){return series(c,s);}))};\n"
	" var data=[xs].concat(c.series.map(function(s){return pick(s.data);}));\n"
	" plots.push(new uPlot(opts,data,el));}\n"
	"D.charts.forEach(chart);\n"
	"window.rtrackPlots=plots;\n"
	"window.addEventListener('resize',function(){plots.forEach(function(p){"
	"p.setSize({width:width(p.root.parentNode),height:H});});});\n"
	"document.body.dataset.rtrackCharts=String(plots.length);})();\n";

static void html_head(FILE *out, const struct rt_log *log)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\""
	      "default-src 'none'; script-src 'unsafe-inline'; "
	      "style-src 'unsafe-inline'\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, "
	      "initial-scale=1\">\n<title>rtrack: ", out);
	html_str(out, log->hdr.cmdline, sizeof log->hdr.cmdline);
	fputs("</title>\n<style>\n", out);
	fwrite(html_asset_uplot_css, 1, html_asset_uplot_css_len, out);
	fputs("\n</style>\n<style>\n", out);
	fputs(html_style, out);
	fputs("</style>\n</head>\n<body>\n<script>", out);
	fputs(html_js_errors, out);
	fputs("</script>\n", out);
}

static void header_exit(FILE *out, const struct rt_log *log)
{
	char what[128];
	struct job_end e;

	job_end_get(log, &e);
	dump_exit_words(what, sizeof what, &e);
	fputs(e.by == JOB_END_NONE ? dump_no_end(log) : what, out);
}

/* rtrack-dump's damage warning: every stretch skipped (mid-file damage
 * is skipped and what follows shown), not only the first. */
static void header_damage(FILE *out, const struct rt_log *log)
{
	char text[1024];

	if (!log->damaged)
		return;
	dump_damage_shown(text, sizeof text, log);
	fputs("<p class=\"warn\">The log is ", out);
	html_str(out, text, sizeof text);
	fputs(".</p>\n", out);
}

/* host (Linux release machine, N CPUs) · pid · started · ran · exit */
static void header_meta(FILE *out, const struct rt_log *log,
			const struct stats_summary *s)
{
	const struct rt_header *h = &log->hdr;
	char start[FMT_TIME_MAX];

	fputs("<p class=\"meta\">host ", out);
	html_str(out, h->host, sizeof h->host);
	fputs(" (Linux ", out);
	html_str(out, h->kernel, sizeof h->kernel);
	putc(' ', out);
	html_str(out, h->machine, sizeof h->machine);
	fmt_utc(start, h->start_ns);
	fprintf(out, ", %u CPUs) &middot; pid %u &middot; started %s &middot; "
		"ran ", (unsigned)h->ncpus, (unsigned)h->pid, start);
	if (s->present & STATS_BIT(STATS_S_duration_s))
		put_seconds(out, s->duration_s);
	else
		fputs("n/a", out);
	fputs(" &middot; ", out);
	header_exit(out, log);
	fputs("</p>\n", out);
}

static void html_header(FILE *out, const struct rt_log *log,
			const char *name, const struct stats_summary *s)
{
	fputs("<h1>rtrack report</h1>\n<p class=\"cmd\">", out);
	html_str(out, log->hdr.cmdline, sizeof log->hdr.cmdline);
	fputs("</p>\n", out);
	header_meta(out, log, s);
	if (name) {
		fputs("<p class=\"meta\">log ", out);
		html_text(out, name, strlen(name));
		fputs("</p>\n", out);
	}
	header_damage(out, log);
}

static void html_chart_divs(FILE *out)
{
	fputs("<h2>Over time</h2>\n<p class=\"hint\">Process tree (green) and "
	      "system (blue) side by side; hover for values, drag to zoom "
	      "(all charts follow), double-click to reset.  Gaps: not "
	      "measured (GPU: none found, or RTRACK_GPU=off).</p>\n"
	      "<div class=\"grid\">\n", out);
	for (size_t c = 0; c < HTML_NCHARTS; c++)
		fprintf(out, "<div class=\"chart\" id=\"chart-%s\"></div>\n",
			html_charts[c].id);
	fputs("</div>\n", out);
}

/* A readable form of summary key f where one helps (bytes, seconds). */
static void summary_readable(FILE *out, const struct stats_field *f,
			     const struct stats_summary *s)
{
	size_t n = strlen(f->name);
	double v = field_double(f, s);

	if (n > 6 && strcmp(f->name + n - 6, "_bytes") == 0)
		put_bytes(out, v);
	else if (strcmp(f->name, "duration_s") == 0 ||
		 strcmp(f->name, "cpu_seconds") == 0 ||
		 strcmp(f->name, "tracker_cpu_seconds") == 0)
		put_seconds(out, v);
}

static void html_summary(FILE *out, const struct stats_summary *s)
{
	fputs("<h2>Summary</h2>\n<table>\n<tr><th class=\"l\">key</th>"
	      "<th>value</th><th>readable</th></tr>\n", out);
	for (unsigned i = 0; i < STATS_SUMMARY_NFIELDS; i++) {
		const struct stats_field *f = &stats_summary_fields[i];
		int have = (s->present & STATS_BIT(i)) != 0;

		fprintf(out, "<tr><td class=\"l\">%s</td><td>", f->name);
		fmt_field(out, f, s, have, "n/a");
		fputs("</td><td>", out);
		if (have)
			summary_readable(out, f, s);
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

static void html_recommend(FILE *out, const struct advice *a)
{
	const struct advice_rec *r = &a->rec;
	const char *v = advice_verdict_name(a->verdict);

	fprintf(out, "<h2>Recommendation</h2>\n<p class=\"rec\"><b>%llu</b> "
		"%s, <b>%llu MiB</b> memory", (unsigned long long)r->cores,
		r->cores == 1 ? "core" : "cores",
		(unsigned long long)r->memory_mib);
	if (r->gpus)
		fprintf(out, ", <b>%llu</b> GPUs with <b>%llu MiB</b> VRAM",
			(unsigned long long)r->gpus,
			(unsigned long long)r->vram_mib);
	fputs("</p>\n<p>Slurm: <code>", out);
	html_str(out, r->slurm, sizeof r->slurm);
	fputs("</code></p>\n", out);
	if (v) {
		fprintf(out, "<p>Verdict: <b>%s</b>: ", v);
		html_str(out, a->sentence, sizeof a->sentence);
		fputs("</p>\n", out);
	}
	fputs("<p class=\"hint\">Cores: the fewest on which a model of the "
	      "run (its CPU demand per interval, work above the cores carried "
	      "over) finishes within 10% of the measured time.  Memory: the "
	      "cgroup's peak where the job owned its cgroup, else the larger "
	      "sampled peak, + 20%, rounded up to 128, 256, 512, 1024 or 2048 "
	      "MiB, then whole GiB.  Time: the model's runtime + 50%, up to a "
	      "minute.</p>\n", out);
}

static void proc_exit(FILE *out, const struct job_proc *p)
{
	if (p->exit_kind == RT_EXIT_CODE)
		fprintf(out, "%d", (int)p->exit_value);
	else if (p->exit_kind == RT_EXIT_SIGNAL)
		fprintf(out, "signal %d", (int)p->exit_value);
	else if (p->flags & JOB_ALIVE_AT_END)
		fputs("running", out);
	else
		fputs("?", out);
}

static void proc_how(FILE *out, const struct job_proc *p)
{
	fputs(p->flags & JOB_EXACT ? "exact" : "sampled", out);
	if (p->flags & JOB_ROOT)
		fputs(", root", out);
	if (p->flags & JOB_FORKED)
		fputs(", fork", out);
}

static void proc_row(FILE *out, const struct rt_log *log,
		     const struct job_proc *p)
{
	fprintf(out, "<tr><td>%u</td><td>%u</td><td>", (unsigned)p->pid,
		(unsigned)p->ppid);
	put_real(out, since_start(log, p->start_ns), TIME_DECIMALS, " s");
	fputs("</td><td>", out);
	if (p->end_ns >= p->start_ns)
		put_seconds(out, (double)(p->end_ns - p->start_ns) / NS_PER_S);
	else
		fputs("n/a", out);
	fputs("</td><td>", out);
	put_real(out, ((double)p->utime_us + (double)p->stime_us) / 1e6,
		 TIME_DECIMALS, " s");
	fputs("</td><td>", out);
	put_real(out, (double)p->hwm_kib / KIB_PER_MIB, 1, " MiB");
	fputs("</td><td>", out);
	put_bytes(out, (double)p->read_bytes);
	fputs("</td><td>", out);
	put_bytes(out, (double)p->write_bytes);
	fputs("</td><td>", out);
	proc_exit(out, p);
	fputs("</td><td class=\"l\">", out);
	proc_how(out, p);
	fputs("</td><td class=\"cmd\">", out);
	html_str(out, p->cmdline, sizeof p->cmdline);
	fputs("</td></tr>\n", out);
}

static void html_processes(FILE *out, const struct run *run)
{
	const struct rt_log *log = &run->log;

	fprintf(out, "<h2>Processes (%zu)</h2>\n<p class=\"hint\">Exact: "
		"figures from the process's own exit record (or the root's end "
		"record); sampled: as the sampler last saw it.  Start: seconds "
		"after tracking began.</p>\n<table>\n<tr><th>pid</th>"
		"<th>ppid</th><th>start</th><th>duration</th><th>CPU</th>"
		"<th>peak RSS</th><th>read</th><th>write</th><th>exit</th>"
		"<th class=\"l\">figures</th><th class=\"l\">command</th></tr>\n",
		run->job.nprocs);
	for (size_t i = 0; i < run->job.nprocs && !ferror(out); i++)
		proc_row(out, log, &run->job.procs[i]);
	fputs("</table>\n", out);
}

/* uPlot with its license as a comment above it (MIT asks for the notice
 * in every copy), then the page's own script. */
static void html_scripts(FILE *out)
{
	fputs("<script>/*! uPlot (third_party/uplot), inlined by rtrack-dump.\n",
	      out);
	fwrite(html_asset_uplot_license, 1, html_asset_uplot_license_len, out);
	fputs("\n*/\n", out);
	fwrite(html_asset_uplot_js, 1, html_asset_uplot_js_len, out);
	fputs("</script>\n<script>\n", out);
	fputs(html_js_charts, out);
	fputs("</script>\n", out);
}

int dump_html(FILE *out, const struct run *run, const char *name)
{
	const struct rt_log *log = &run->log;
	struct stats_summary s;
	struct advice a;

	stats_summarize(run, &s);
	advice_of(run, &s, &a);
	html_head(out, log);
	html_header(out, log, name, &s);
	html_chart_divs(out);
	html_summary(out, &s);
	html_recommend(out, &a);
	html_processes(out, run);
	if (html_data(out, run) < 0)
		return -1;
	html_scripts(out);
	fputs("</body>\n</html>\n", out);
	return fmt_finish(out);
}
