/* html_page.c - the frame, escaping and data script both HTML pages share
 * (html_page.h). */
#include "html_page.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "fmt.h"

#define NS_PER_S 1e9
#define TIME_DECIMALS 3

/* Generated at build time (lib/dump/embed.cmake): uPlot from third_party,
 * the page's own stylesheet and script from lib/dump. */
extern const unsigned char html_asset_uplot_js[], html_asset_uplot_css[],
	html_asset_uplot_license[], html_asset_report_js[],
	html_asset_report_css[];
extern const size_t html_asset_uplot_js_len, html_asset_uplot_css_len,
	html_asset_uplot_license_len, html_asset_report_js_len,
	html_asset_report_css_len;

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

void html_text(FILE *out, const char *str, size_t len)
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

void html_str(FILE *out, const char *s, size_t size)
{
	html_text(out, s, strnlen(s, size));
}

const char *html_end_class(const struct job_end *e)
{
	if (e->by == JOB_END_NONE || (e->exit_kind != RT_EXIT_CODE &&
				      e->exit_kind != RT_EXIT_SIGNAL))
		return "unknown";
	return e->exit_kind == RT_EXIT_CODE && e->exit_value == 0 ? "ok" :
								   "bad";
}

/* ---- the frame ---- */

/* Collects page errors (uncaught exceptions, console.error, blocked
 * fetches) in body[data-rtrack-errors]; runs before uPlot so that nothing
 * escapes it. */
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

void html_page_begin(FILE *out, const char *title, size_t title_size)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\""
	      "default-src 'none'; script-src 'unsafe-inline'; "
	      "style-src 'unsafe-inline'; img-src data:\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, "
	      "initial-scale=1\">\n<title>rtrack: ", out);
	html_str(out, title, title_size);
	fputs("</title>\n<style>\n", out);
	fwrite(html_asset_uplot_css, 1, html_asset_uplot_css_len, out);
	fputs("\n</style>\n<style>\n", out);
	fwrite(html_asset_report_css, 1, html_asset_report_css_len, out);
	fputs("</style>\n</head>\n<body>\n<script>", out);
	fputs(html_js_errors, out);
	fputs("</script>\n<noscript><p class=\"warn\">The charts and the "
	      "process tree need JavaScript; <code>rtrack-dump</code> prints "
	      "the same figures as text.</p></noscript>\n", out);
}

/* uPlot with its license as a comment above it (MIT asks for the notice
 * in every copy), then the page's own script. */
void html_page_end(FILE *out)
{
	fputs("<script>/*! uPlot (third_party/uplot), inlined by rtrack-dump.\n",
	      out);
	fwrite(html_asset_uplot_license, 1, html_asset_uplot_license_len, out);
	fputs("\n*/\n", out);
	fwrite(html_asset_uplot_js, 1, html_asset_uplot_js_len, out);
	fputs("</script>\n<script>\n", out);
	fwrite(html_asset_report_js, 1, html_asset_report_js_len, out);
	fputs("</script>\n</body>\n</html>\n", out);
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

FILE *html_data_open(FILE *out)
{
	cookie_io_functions_t io = { .write = script_write };
	FILE *js = fopencookie(out, "w", io);

	if (js)
		fputs("<script type=\"application/json\" id=\"rtrack-data\">",
		      out);
	return js;
}

void html_data_close(FILE *js, FILE *out)
{
	fclose(js);
	fputs("</script>\n", out);
}

/* ---- series ---- */

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

/* Row i's value of c, NAN when unavailable (written as null). */
static double col_value(const struct run *run, size_t i,
			const struct html_col *c)
{
	struct stats_row r;
	double v, cpu;

	stats_row(run, i, &r);
	if (!(r.present & STATS_BIT(c->col)))
		return NAN;
	v = fmt_field_double(&stats_row_fields[c->col], &r) * c->scale;
	switch (c->how) {
	case HTML_RATE:
		return v / interval_s(&run->log, i);
	case HTML_CPU_SHARE:
		if (!(r.present & STATS_BIT(STATS_C_process_cpu_usage)))
			return NAN;
		cpu = r.process_utime + r.process_stime;
		return cpu > 0 ? r.process_cpu_usage * v / cpu : 0.0;
	default:
		return v;
	}
}

int html_col_measured(const struct run *run, const struct html_col *c)
{
	size_t nrows = stats_nrows(&run->log);

	for (size_t i = 0; i < nrows; i++)
		if (isfinite(col_value(run, i, c)))
			return 1;
	return 0;
}

/* Row i's x: seconds from the start of tracking to the row's end. */
static double x_value(const struct run *run, size_t i,
		      const struct html_col *unused)
{
	struct stats_row r;

	(void)unused;
	stats_row(run, i, &r);
	if (!(r.present & STATS_BIT(STATS_C_timestamp)))
		return NAN;
	return r.timestamp - (double)run->log.hdr.start_ns / NS_PER_S;
}

typedef double value_fn(const struct run *run, size_t i,
			const struct html_col *c);

/* ---- the compact form of a long series ---- */

/* Past this many rows a series is written compact: as plain JSON a day at
 * 10 Hz is a 75 MB page, most of whose load time is the browser parsing
 * it.  report.js's column() reads both forms. */
#define HTML_PLAIN_ROWS 20000
/* The compact form carries a value exactly while value * 10^decimals,
 * rounded, is below 2^51: a delta is then below 2^52 and its zigzag form
 * below 2^53, which the page's doubles hold exactly. */
#define HTML_COMPACT_MAX 2251799813685248.0 /* 2^51 */

static const char compact_alpha[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* One delta: zigzag, then 5 bits a character, low first, bit 5 set on
 * every character but the last. */
static void compact_put(FILE *js, int64_t d)
{
	uint64_t z = ((uint64_t)d << 1) ^ (uint64_t)(d >> 63);

	do {
		unsigned c = (unsigned)(z & 31);

		z >>= 5;
		putc(compact_alpha[c | (z ? 32u : 0u)], js);
	} while (z);
}

/* {"enc":"...","dec":D}: each value times 10^D, rounded, as the delta
 * from the last value ('.' a null, which leaves the last value as it
 * was).  Returns 0, or -1 when a value is too large for the form (the
 * caller writes the plain one). */
static int compact_series(FILE *js, const double *v, size_t n, int dec)
{
	double scale = pow(10, dec);
	int64_t last = 0;

	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]) && fabs(v[i] * scale) >= HTML_COMPACT_MAX)
			return -1;
	fputs("{\"enc\":\"", js);
	for (size_t i = 0; i < n && !ferror(js); i++) {
		int64_t q;

		if (!isfinite(v[i])) {
			putc('.', js);
			continue;
		}
		q = (int64_t)llround(v[i] * scale);
		compact_put(js, q - last);
		last = q;
	}
	fprintf(js, "\",\"dec\":%d}", dec);
	return 0;
}

/* A series of run's rows as a JSON array of numbers and nulls, or
 * compact where it is long. */
static void data_array(FILE *js, const struct run *run, value_fn *get,
		       const struct html_col *c, int dec)
{
	size_t nrows = stats_nrows(&run->log);
	double *v = nrows > HTML_PLAIN_ROWS ? malloc(nrows * sizeof *v) : NULL;

	if (v) {
		for (size_t i = 0; i < nrows; i++)
			v[i] = get(run, i, c);
		if (compact_series(js, v, nrows, dec) == 0) {
			free(v);
			return;
		}
	}
	putc('[', js);
	for (size_t i = 0; i < nrows && !ferror(js); i++) {
		if (i)
			putc(',', js);
		fmt_json_real(js, v ? v[i] : get(run, i, c), dec);
	}
	putc(']', js);
	free(v);
}

void html_data_col(FILE *js, const struct run *run, const struct html_col *c)
{
	data_array(js, run, col_value, c, c->decimals);
}

void html_data_x(FILE *js, const struct run *run)
{
	fputs("\"x\":", js);
	data_array(js, run, x_value, NULL, TIME_DECIMALS);
}
