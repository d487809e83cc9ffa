/* test_html.c - unit tests of rtrack-dump --format html (lib/dump/html.c):
 * logs written with the real writer and decoded by the real reader are
 * rendered, and the page's structure checked: the cards, the charts of
 * what was measured and their series, one value per row in every data
 * array with null where nothing was measured, the processes, the
 * comparison page of several logs, hostile command lines HTML-escaped in
 * the page and unable to end the data script, and no reference to the
 * network.  That the page
 * runs is tests/e2e_report.py's part (a real browser). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dump.h"
#include "run.h"
#include "logwrite.h"
#include "stats.h"

#define T0 1700000000ull
#define S(sec) ((uint64_t)((sec) * 1e9 + 0.5))
#define NCHARTS 5  /* cpu, memory, disk, network, space: no GPU */
#define NSERIES 12 /* 3 + 2 + 4 + 2 + 1 */
#define NSCRIPTS 4 /* error catcher, data, uPlot, the page's */

/* What a hostile command line may try: end the script, open a comment,
 * inject markup and attributes; a control byte and a byte that is not
 * UTF-8. */
#define HOSTILE "</script><script>alert(1)</script> <!-- & \"q\" 'a' \x01 \xff"
#define HOSTILE_HTML                                                        \
	"&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &lt;!-- "    \
	"&amp; &quot;q&quot; &#39;a&#39; \xEF\xBF\xBD \xEF\xBF\xBD"
#define HOSTILE_JSON                                                        \
	"\"\\u003c/script>\\u003cscript>alert(1)\\u003c/script> \\u003c!-- " \
	"& \\\"q\\\" 'a' \\u0001 \\ufffd\""

static uint8_t mem[1024 * 1024];
static struct logbuf b;
static char *page; /* the last render, freed by teardown */

static void put_header(const char *cmdline)
{
	struct rt_header h;

	memset(&h, 0, sizeof h);
	strcpy(h.host, "n1<b>");
	strcpy(h.cmdline, cmdline);
	h.ncpus = 4;
	h.clk_tck = 100;
	h.pid = 100;
	h.start_ns = S(T0);
	h.interval_ns = S(1);
	h.flags = RT_CFG_CHILDREN | RT_CFG_SYSTEM;
	logwrite_init(&b, mem, sizeof mem);
	assert_int_equal(logwrite_preamble(&b), 0);
	assert_int_equal(logwrite_header(&b, &h), 0);
}

/* A sample at T0 + t; missing: fields not read (RT_F_* bits). */
static void put_sample(double t, uint64_t ticks, uint64_t mem_kib,
		       uint64_t read, uint64_t net, uint64_t missing)
{
	struct rt_sample x;

	memset(&x, 0, sizeof x);
	x.time_ns = S(T0 + t);
	x.tree_procs = 1;
	x.tree_utime_ticks = x.seen_utime_ticks = ticks;
	x.tree_mem_kib = mem_kib;
	x.tree_read_bytes = read;
	x.sys_net_recv_bytes = net;
	x.sys_mem_total_kib = 8u << 20;
	x.sys_mem_available_kib = 4u << 20;
	x.missing = missing;
	assert_int_equal(logwrite_sample(&b, &x), 0);
}

static void put_exit(uint32_t pid, double end, const char *cmdline)
{
	struct rt_exit x;

	memset(&x, 0, sizeof x);
	x.pid = pid;
	x.ppid = 100;
	x.end_ns = S(T0 + end);
	x.utime_us = 100000;
	x.hwm_kib = 4096;
	x.exit_kind = RT_EXIT_CODE;
	x.exit_value = 3;
	strcpy(x.cmdline, cmdline);
	assert_int_equal(logwrite_exit(&b, &x), 0);
}

static void put_end(double t)
{
	struct rt_end e;

	memset(&e, 0, sizeof e);
	e.time_ns = S(T0 + t);
	e.exit_kind = RT_EXIT_CODE;
	e.self_utime_us = 2000000;
	assert_int_equal(logwrite_end(&b, &e), 0);
}

/* Four samples, three rows of 1, 1 and 2 s.  Sample 2 lacks the tree's
 * memory and the network counter: row 1 has no memory, rows 1 and 2 no
 * network (a delta needs both ends). */
static void typical_job(void)
{
	uint64_t gap = (uint64_t)1 << RT_F_tree_mem_kib |
		       (uint64_t)1 << RT_F_sys_net_recv_bytes;

	put_header(HOSTILE);
	put_sample(0, 0, 10240, 0, 0, 0);
	put_sample(1, 50, 20480, 1000, 500, 0);
	put_exit(101, 1.5, HOSTILE);
	put_sample(2, 150, 0, 3000, 0, gap);
	put_sample(4, 150, 40960, 7000, 2500, 0);
	put_end(4);
}

/* Decode what was written and render it; the page is NUL-terminated. */
static const char *render(struct run *run)
{
	char err[160];
	size_t len = 0;
	FILE *out;

	assert_int_equal(run_read_buf(mem, b.len, run, err, sizeof err), 0);
	free(page);
	page = NULL;
	out = open_memstream(&page, &len);
	assert_non_null(out);
	assert_int_equal(dump_html(out, run, "run<1>.bin"), 0);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(strlen(page), len); /* no NUL inside */
	return page;
}

/* Render runs[0..n) as one comparison page. */
static const char *render_many(struct run *runs, const char *const *names,
			       size_t n)
{
	size_t len = 0;
	FILE *out;

	free(page);
	page = NULL;
	out = open_memstream(&page, &len);
	assert_non_null(out);
	assert_int_equal(dump_html_many(out, runs, names, n), 0);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(strlen(page), len);
	return page;
}

static int teardown(void **state)
{
	(void)state;
	free(page);
	page = NULL;
	return 0;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static size_t count_nocase(const char *hay, const char *needle)
{
	size_t n = 0, len = strlen(needle);

	for (const char *p = hay; *p; p++)
		n += strncasecmp(p, needle, len) == 0;
	return n;
}

/* The data script's text, as a NUL-terminated copy (caller frees). */
static char *data_of(const char *html)
{
	const char *open = "<script type=\"application/json\" id=\"rtrack-data\">";
	const char *start = strstr(html, open), *end;

	assert_non_null(start);
	start += strlen(open);
	end = strstr(start, "</script>");
	assert_non_null(end);
	return strndup(start, (size_t)(end - start));
}

/* Elements of the JSON array of numbers and nulls that starts at p. */
static size_t array_len(const char *p)
{
	size_t n = 1;

	assert_int_equal(*p, '[');
	if (p[1] == ']')
		return 0;
	for (p++; *p != ']'; p++) {
		assert_true(*p == ',' || *p == '.' || *p == '-' ||
			    (*p >= '0' && *p <= '9') || strchr("nul", *p));
		n += *p == ',';
	}
	return n;
}

/* The text of series k's data array in chart id, e.g. "[1.0,null]". */
static void series_of(const char *data, const char *id, int k, char *dst,
		      size_t size)
{
	char key[64];
	const char *p, *end;

	snprintf(key, sizeof key, "\"id\":\"%s\"", id);
	p = strstr(data, key);
	assert_non_null(p);
	for (int i = 0; i <= k; i++) {
		p = strstr(p + 1, "\"data\":");
		assert_non_null(p);
	}
	p += strlen("\"data\":");
	end = strchr(p, ']');
	assert_non_null(end);
	assert_true((size_t)(end - p) + 2 <= size);
	snprintf(dst, size, "%.*s", (int)(end - p + 1), p);
}

/* Every data array, x included, has one value per row. */
static void check_lengths(const char *data, size_t nrows)
{
	size_t arrays = 0;

	assert_int_equal(array_len(strstr(data, "\"x\":") + 4), nrows);
	for (const char *p = data; (p = strstr(p, "\"data\":")); p++) {
		assert_int_equal(array_len(p + 7), nrows);
		arrays++;
	}
	assert_int_equal(arrays, NSERIES);
}

static void test_structure(void **state)
{
	struct run run;
	const char *html;
	char *data;

	(void)state;
	typical_job();
	html = render(&run);
	assert_int_equal(strncmp(html, "<!DOCTYPE html>\n", 16), 0);
	assert_non_null(strstr(html, "<meta charset=\"utf-8\">"));
	assert_string_equal(html + strlen(html) - 8, "</html>\n");
	data = data_of(html);
	assert_non_null(strstr(data, "{\"kind\":\"run\","));
	assert_int_equal(count(data, "\"series\":["), NCHARTS);
	assert_int_equal(count(data, "\"note\":"), NCHARTS);
	assert_int_equal(count(data, "\"stack\":"), NSERIES);
	check_lengths(data, 3);
	assert_non_null(strstr(data, "\"x\":[1.000,2.000,4.000]"));
	free(data);
	run_free(&run);
}

/* Unmeasured values are null, never 0; rates are per second. */
static void test_gaps_and_rates(void **state)
{
	struct run run;
	char *data, got[256];

	(void)state;
	typical_job();
	data = data_of(render(&run));
	series_of(data, "memory", 0, got, sizeof got);
	assert_string_equal(got, "[20.0,null,40.0]");
	series_of(data, "disk", 0, got, sizeof got);
	assert_string_equal(got, "[1000,2000,2000]");
	series_of(data, "network", 0, got, sizeof got);
	assert_string_equal(got, "[500,null,null]");
	series_of(data, "memory", 1, got, sizeof got); /* 8 GiB - 4 GiB */
	assert_string_equal(got, "[4096.0,4096.0,4096.0]");
	/* user CPU: 50 and 100 ticks over 1, 1 and 2 s, and in row 1 the
	 * 0.1 s of 101's exit record that no sample saw */
	series_of(data, "cpu", 1, got, sizeof got);
	assert_string_equal(got, "[0.500,1.100,0.000]");
	/* No GPU chart without a device, although the fields read 0. */
	assert_null(strstr(data, "\"id\":\"gpu\""));
	assert_null(strstr(data, "\"id\":\"vram\""));
	/* The levels drawn: the machine's 4 CPUs, the recommendation. */
	assert_non_null(strstr(data, "{\"label\":\"machine\",\"fit\":false,"
				     "\"value\":4.000}"));
	free(data);
	run_free(&run);
}

static void test_hostile_text(void **state)
{
	struct run run;
	const char *html;
	char *data;

	(void)state;
	typical_job();
	html = render(&run);
	/* Title and header; the processes' go through the data. */
	assert_int_equal(count(html, HOSTILE_HTML), 2);
	assert_non_null(strstr(html, "<p class=\"cmd\">" HOSTILE_HTML "</p>"));
	assert_null(strstr(html, "<script>alert"));
	assert_null(strstr(html, "<!--"));
	assert_non_null(strstr(html, "<dt>host</dt><dd>n1&lt;b&gt;</dd>"));
	assert_non_null(strstr(html, "<dt>log</dt><dd>run&lt;1&gt;.bin</dd>"));
	/* Only the page's own scripts open and close. */
	assert_int_equal(count_nocase(html, "<script"), NSCRIPTS);
	assert_int_equal(count_nocase(html, "</script"), NSCRIPTS);
	data = data_of(html);
	assert_null(strchr(data, '<'));
	assert_int_equal(count(data, HOSTILE_JSON), 2); /* root and 101 */
	free(data);
	run_free(&run);
}

/* 1 when offset i of s lies inside a comment that opened before it. */
static int in_comment(const char *s, size_t i)
{
	const char *open = NULL, *close = NULL;

	for (const char *p = s; (p = strstr(p, "/*")) && (size_t)(p - s) < i;
	     p++)
		open = p;
	for (const char *p = s; (p = strstr(p, "*/")) && (size_t)(p - s) < i;
	     p++)
		close = p;
	return open && (!close || close < open);
}

/* Nothing to fetch: no URL outside the vendored code's comments, no
 * external resource, and a policy that forbids fetching anyway. */
static void test_self_contained(void **state)
{
	static const char *const schemes[] = { "http://", "https://" };
	struct run run;
	const char *html;

	(void)state;
	typical_job();
	html = render(&run);
	for (size_t k = 0; k < 2; k++)
		for (const char *p = html; (p = strstr(p, schemes[k])); p++)
			assert_true(in_comment(html, (size_t)(p - html)));
	assert_null(strstr(html, "<link"));
	assert_null(strstr(html, " src="));
	assert_null(strstr(html, "@import"));
	assert_non_null(strstr(html, "default-src 'none'"));
	assert_non_null(strstr(html, "The MIT License")); /* uPlot's notice */
	assert_non_null(strstr(html, "var uPlot="));
	run_free(&run);
}

/* The cards: the job and how it ended, its usage, the recommendation
 * with its curve and platform lines, the verdict; then the processes. */
static void test_cards(void **state)
{
	struct run run;
	const char *html;
	char *data;

	(void)state;
	typical_job();
	html = render(&run);
	assert_int_equal(count(html, "<section class=\"card\""), 4);
	assert_non_null(strstr(html, "id=\"card-job\""));
	assert_non_null(strstr(html, "<span class=\"badge ok\" id=\"status\">"
				     "finished: exit code 0</span>"));
	assert_non_null(strstr(html, "<dt>machine</dt><dd>4 CPUs, 8.0 GiB "
				     "memory"));
	assert_non_null(strstr(html, "id=\"card-usage\""));
	assert_non_null(strstr(html, "<b>1</b> core &middot; <b>128</b> MiB"
				     " &middot; no GPU"));
	assert_non_null(strstr(html, "<dt>Slurm</dt><dd><code>--cpus-per-task=1"));
	assert_non_null(strstr(html, "<dt>Kubernetes</dt>"));
	assert_non_null(strstr(html, "id=\"card-verdict\""));
	assert_non_null(strstr(html, "<h2>Processes (2)</h2>"));
	/* No key/value dump of the summary any more. */
	assert_null(strstr(html, "cpu_usage_mean"));
	data = data_of(html);
	assert_int_equal(count(data, ",\"procs\":[["), 1);
	/* 101: seen only at its exit (no start), exit 3, exact; its parent
	 * the root, row 1 (rows by start time, unknown first) */
	assert_non_null(strstr(data, "[1,101,null,null,0.100,4.0,0,0,"));
	assert_non_null(strstr(data, ",\"3\",1,"));
	free(data);
	run_free(&run);
}

/* A failed job says so in its badge. */
static void test_failed(void **state)
{
	struct run run;
	struct rt_end e;

	(void)state;
	put_header("false");
	put_sample(0, 0, 1024, 0, 0, 0);
	put_sample(1, 10, 1024, 0, 0, 0);
	memset(&e, 0, sizeof e);
	e.time_ns = S(T0 + 1);
	e.exit_kind = RT_EXIT_SIGNAL;
	e.exit_value = 9;
	assert_int_equal(logwrite_end(&b, &e), 0);
	render(&run);
	assert_non_null(strstr(page, "<span class=\"badge bad\" id=\"status\">"
				     "failed: killed by signal 9"));
	run_free(&run);
}

/* Several logs: one page, a row and a series of each run. */
static void test_compare(void **state)
{
	struct run runs[2];
	static const char *const names[] = { "dir/a<1>.bin", "b.bin" };
	char *data;

	(void)state;
	typical_job();
	assert_int_equal(run_read_buf(mem, b.len, &runs[0], NULL, 0), 0);
	put_header("true");
	put_sample(0, 0, 1024, 0, 0, 0);
	put_sample(1, 10, 2048, 0, 0, 0);
	put_end(1);
	assert_int_equal(run_read_buf(mem, b.len, &runs[1], NULL, 0), 0);
	render_many(runs, names, 2);
	assert_non_null(strstr(page, "<h1>rtrack: 2 runs compared</h1>"));
	assert_int_equal(count(page, "<span class=\"swatch\" data-run="), 2);
	assert_non_null(strstr(page, "<td class=\"l cut\" title=\"dir/a&lt;1&gt;"
				     ".bin\">dir/a&lt;1&gt;.bin</td>"));
	assert_int_equal(count(page, HOSTILE_HTML), 2); /* cell and its title */
	assert_non_null(strstr(page, "id=\"card-recommendation\""));
	data = data_of(page);
	assert_null(strchr(data, '<'));
	assert_non_null(strstr(data, "{\"kind\":\"compare\",\"charts\":["));
	assert_int_equal(count(data, "{\"label\":\""), 2);
	assert_non_null(strstr(data, "\"log\":\"a\\u003c1>.bin\""));
	assert_non_null(strstr(data, "\"x\":[1.000,2.000,4.000]"));
	assert_non_null(strstr(data, "\"x\":[1.000]"));
	assert_non_null(strstr(data, "\"memory\":[2.0]"));
	free(data);
	run_free(&runs[0]);
	run_free(&runs[1]);
}

/* The compact form of report.js's column(): deltas of value * 10^dec,
 * zigzag, 5 bits a character; '.' a null.  Decodes the object at p into
 * v (NAN for null); returns the count. */
static size_t compact_decode(const char *p, double *v, size_t max)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
				    "qrstuvwxyz0123456789+/";
	const char *end, *dec;
	int64_t last = 0;
	size_t n = 0;
	double scale;

	assert_int_equal(strncmp(p, "{\"enc\":\"", 8), 0);
	p += 8;
	end = strchr(p, '"');
	dec = strstr(end, "\"dec\":");
	assert_non_null(dec);
	scale = pow(10, atoi(dec + 6));
	while (p < end && n < max) {
		uint64_t z = 0;
		unsigned shift = 0, d;

		if (*p == '.') {
			v[n++] = NAN;
			p++;
			continue;
		}
		do {
			const char *c = strchr(alpha, *p++);

			assert_non_null(c);
			d = (unsigned)(c - alpha);
			z |= (uint64_t)(d & 31) << shift;
			shift += 5;
		} while (d & 32);
		last += (z & 1) ? -(int64_t)(z >> 1) - 1 : (int64_t)(z >> 1);
		v[n++] = (double)last / scale;
	}
	return n;
}

/* Past 20,000 rows the series are compact, and decode to the values
 * (the tree's memory: a ramp with a gap; x: one a second). */
static void test_compact(void **state)
{
	enum { N = 20010 };
	static double v[N];
	struct run run;
	char *data;
	const char *p;

	(void)state;
	put_header("long");
	for (int i = 0; i <= N; i++)
		put_sample(i, (uint64_t)i * 10, 1024 + (uint64_t)i,
			   0, 0, i == 500 ? (uint64_t)1 << RT_F_tree_mem_kib : 0);
	data = data_of(render(&run));
	p = strstr(data, "\"x\":");
	assert_non_null(p);
	assert_int_equal(compact_decode(p + 4, v, N), N);
	assert_true(v[0] == 1.0 && v[N - 1] == (double)N);
	p = strstr(strstr(data, "\"id\":\"memory\""), "\"data\":") + 7;
	assert_int_equal(compact_decode(p, v, N), N);
	for (int i = 0; i < N; i++) {
		double want = round((1024.0 + i + 1) / 1024.0 * 10) / 10;

		if (i == 499) /* a level is the row's end sample's */
			assert_true(isnan(v[i]));
		else
			assert_true(fabs(v[i] - want) < 1e-9);
	}
	free(data);
	run_free(&run);
}

/* A run too short for an interval: no rows, empty arrays, same page. */
static void test_no_rows(void **state)
{
	struct run run;
	char *data;

	(void)state;
	put_header("true");
	put_sample(0, 0, 1024, 0, 0, 0);
	data = data_of(render(&run));
	assert_non_null(strstr(data, "\"x\":[],\"charts\":[],"));
	assert_non_null(strstr(page, "badge unknown"));
	assert_non_null(strstr(page, "no end record"));
	free(data);
	run_free(&run);
}

static void test_write_error(void **state)
{
	FILE *full = fopen("/dev/full", "w");
	struct run run;
	char err[160];

	(void)state;
	if (!full)
		skip();
	typical_job();
	assert_int_equal(run_read_buf(mem, b.len, &run, err, sizeof err), 0);
	errno = 0;
	assert_int_equal(dump_html(full, &run, NULL), -1);
	assert_int_not_equal(errno, 0);
	fclose(full);
	run_free(&run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_structure, teardown),
		cmocka_unit_test_teardown(test_gaps_and_rates, teardown),
		cmocka_unit_test_teardown(test_hostile_text, teardown),
		cmocka_unit_test_teardown(test_self_contained, teardown),
		cmocka_unit_test_teardown(test_cards, teardown),
		cmocka_unit_test_teardown(test_failed, teardown),
		cmocka_unit_test_teardown(test_compare, teardown),
		cmocka_unit_test_teardown(test_compact, teardown),
		cmocka_unit_test_teardown(test_no_rows, teardown),
		cmocka_unit_test_teardown(test_write_error, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
