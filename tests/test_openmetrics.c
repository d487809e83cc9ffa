/* test_openmetrics.c - unit tests of rtrack-dump --format openmetrics
 * (lib/dump/openmetrics.c): logs written with the real writer, decoded by
 * the real reader, rendered and compared with exact text worked out by
 * hand; hostile host names and command lines in labels; unavailable values
 * left out; rows whose time does not move forward skipped.  Every output
 * also passes a small checker of what promtool's backfill insists on. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "fmt.h"
#include "run.h"
#include "logwrite.h"

#define BOOT 1600000000000000000ull /* boot time, ns since the epoch */
#define T0 1700000000ull
#define S(sec) ((uint64_t)((sec) * 1e9 + 0.5))
#define L "{host=\"n1\",pid=\"100\",command=\"make\"}"

static uint8_t mem[64 * 1024];
static struct logbuf b;
static char *out_buf; /* the last render, freed by teardown */

static void put_header(const char *host, const char *cmdline)
{
	struct rt_header h;

	memset(&h, 0, sizeof(h));
	snprintf(h.host, sizeof h.host, "%s", host);
	snprintf(h.cmdline, sizeof h.cmdline, "%s", cmdline);
	h.ncpus = 4;
	h.clk_tck = 100;
	h.boot_time_ns = BOOT;
	h.pid = 100;
	h.start_ns = S(T0);
	h.interval_ns = S(1);
	h.flags = RT_CFG_CHILDREN; /* RTRACK_SYSTEM=0 */
	logwrite_init(&b, mem, sizeof(mem));
	assert_int_equal(logwrite_preamble(&b), 0);
	assert_int_equal(logwrite_header(&b, &h), 0);
}

/* A sample of the tree alone (system and GPU fields unavailable, as
 * RTRACK_SYSTEM=0 on a machine without GPU leaves them) at T0 + t. */
static void tree_sample(struct rt_sample *x, double t, uint64_t procs,
			uint64_t u, uint64_t s, uint64_t mem_kib,
			uint64_t rd, uint64_t wr)
{
	memset(x, 0, sizeof(*x));
	for (unsigned f = RT_F_sys_procs; f <= RT_F_sys_net_sent_bytes; f++)
		sample_set_missing(x, (enum rt_field)f);
	for (unsigned f = RT_F_gpu_count; f <= RT_F_tree_gpu_mem_kib; f++)
		sample_set_missing(x, (enum rt_field)f);
	x->time_ns = S(T0 + t);
	x->tree_procs = procs;
	x->tree_utime_ticks = x->seen_utime_ticks = u;
	x->tree_stime_ticks = x->seen_stime_ticks = s;
	x->tree_mem_kib = x->tree_rss_kib = mem_kib;
	x->tree_hwm_max_kib = 2048;
	x->tree_read_bytes = rd;
	x->tree_write_bytes = wr;
}

static void put(const struct rt_sample *x)
{
	assert_int_equal(logwrite_sample(&b, x), 0);
}

static void put_end(double t)
{
	struct rt_end e;

	memset(&e, 0, sizeof(e));
	e.time_ns = S(T0 + t);
	e.exit_kind = RT_EXIT_CODE;
	e.self_utime_us = 2000000;
	e.self_stime_us = 400000;
	e.self_maxrss_kib = 3072;
	e.tracker_cpu_ns = 20000000;
	assert_int_equal(logwrite_end(&b, &e), 0);
}

/* The small fixed job of the golden test: three samples, then the end. */
static void fixed_job(const char *host, const char *cmdline)
{
	struct rt_sample x;

	put_header(host, cmdline);
	tree_sample(&x, 0, 1, 0, 0, 1024, 0, 0);
	put(&x);
	tree_sample(&x, 1, 3, 150, 20, 2048, 4096, 512);
	put(&x);
	tree_sample(&x, 1.5, 2, 200, 30, 1536, 8192, 512);
	put(&x);
	put_end(2);
}

/* ---- what promtool's backfill checks ---- */

#define MAX_FAMILIES 64
#define MAX_SERIES 8     /* label sets per family */

struct om_check {
	char fams[MAX_FAMILIES][96];
	size_t nfams;
	int counter;     /* type of the current family */
	/* The current family's series (label sets), each written whole:
	 * the last one's samples so far. */
	char series[MAX_SERIES][256];
	size_t nseries;
	double last_ts;
	int have_ts;
};

static const char *cur(const struct om_check *k)
{
	assert_true(k->nfams > 0);
	return k->fams[k->nfams - 1];
}

static void check_type(struct om_check *k, const char *line)
{
	char name[96], type[16];

	assert_int_equal(sscanf(line, "# TYPE %95s %15s", name, type), 2);
	for (size_t i = 0; i < k->nfams; i++)
		assert_string_not_equal(k->fams[i], name); /* interleaved */
	assert_true(k->nfams < MAX_FAMILIES);
	strcpy(k->fams[k->nfams++], name);
	k->counter = strcmp(type, "counter") == 0;
	assert_true(k->counter || strcmp(type, "gauge") == 0);
	k->nseries = 0;
	k->have_ts = 0;
}

/* A sample's label set [brace, end]: the current series, or a new one
 * that the family has not had before (series never interleave). */
static void check_series(struct om_check *k, const char *brace,
			 const char *end)
{
	size_t n = (size_t)(end - brace) + 1;

	assert_true(n < sizeof(k->series[0]));
	if (k->nseries && strlen(k->series[k->nseries - 1]) == n &&
	    memcmp(k->series[k->nseries - 1], brace, n) == 0)
		return;
	for (size_t i = 0; i < k->nseries; i++)
		assert_false(strlen(k->series[i]) == n &&
			     memcmp(k->series[i], brace, n) == 0);
	assert_true(k->nseries < MAX_SERIES);
	memcpy(k->series[k->nseries], brace, n);
	k->series[k->nseries++][n] = '\0';
	k->have_ts = 0;
}

/* Prometheus: "unit not a suffix of metric". */
static void check_unit(const struct om_check *k, const char *line)
{
	char name[96], unit[32];
	size_t n, u;

	assert_int_equal(sscanf(line, "# UNIT %95s %31s", name, unit), 2);
	assert_string_equal(name, cur(k));
	n = strlen(name);
	u = strlen(unit);
	assert_true(n > u + 1 && name[n - u - 1] == '_');
	assert_string_equal(name + n - u, unit);
}

/* name{labels} value timestamp, in the current family, its time as
 * Prometheus reads it after the previous sample's of its series. */
static void check_sample(struct om_check *k, const char *line)
{
	char want[128];
	const char *brace = strchr(line, '{'), *end = strrchr(line, '}');
	double v, ts;
	char *p;

	assert_non_null(brace);
	assert_non_null(end);
	snprintf(want, sizeof want, "%s%s", cur(k), k->counter ? "_total" : "");
	assert_int_equal((size_t)(brace - line), strlen(want));
	assert_memory_equal(line, want, strlen(want));
	check_series(k, brace, end);
	v = strtod(end + 1, &p);
	assert_true(p > end + 1 && *p == ' ' && v >= 0);
	ts = strtod(p, &p);
	assert_true(*p == '\0' && ts > 0);
	ts = (double)(int64_t)(ts * 1000);
	assert_true(!k->have_ts || ts > k->last_ts);
	k->last_ts = ts;
	k->have_ts = 1;
}

static void check_line(struct om_check *k, const char *line)
{
	if (strncmp(line, "# TYPE ", 7) == 0)
		check_type(k, line);
	else if (strncmp(line, "# UNIT ", 7) == 0)
		check_unit(k, line);
	else if (strncmp(line, "# HELP ", 7) == 0)
		assert_memory_equal(line + 7, cur(k), strlen(cur(k)));
	else
		check_sample(k, line);
}

/* Valid UTF-8, lines ending in '\n', "# EOF" last, families whole. */
static void check_openmetrics(const char *text)
{
	struct om_check *k = calloc(1, sizeof(*k));
	size_t len = strlen(text);
	char line[16384];

	assert_non_null(k);
	for (size_t i = 0, n; i < len; i += n)
		assert_true((n = fmt_utf8_len((const unsigned char *)text + i,
					      len - i)) > 0);
	assert_true(len >= 6 && strcmp(text + len - 6, "# EOF\n") == 0);
	for (const char *p = text; p < text + len - 6;) {
		const char *nl = strchr(p, '\n');

		assert_non_null(nl);
		assert_true((size_t)(nl - p) < sizeof line);
		memcpy(line, p, (size_t)(nl - p));
		line[nl - p] = '\0';
		check_line(k, line);
		p = nl + 1;
	}
	free(k);
}

/* Decode the log in mem and render it (owned by teardown). */
static const char *render(void)
{
	struct run run;
	char err[160];
	size_t len = 0;
	FILE *out;
	int rc;

	assert_int_equal(run_read_buf(mem, b.len, &run, err, sizeof(err)), 0);
	assert_false(run.log.damaged);
	free(out_buf);
	out_buf = NULL;
	out = open_memstream(&out_buf, &len);
	assert_non_null(out);
	rc = dump_openmetrics(out, &run, "run.bin");
	run_free(&run);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(rc, 0);
	assert_int_equal(strlen(out_buf), len); /* no NUL byte inside */
	check_openmetrics(out_buf);
	return out_buf;
}

static int teardown(void **state)
{
	(void)state;
	free(out_buf);
	out_buf = NULL;
	dump_openmetrics_labels(NULL, 0);
	return 0;
}

/* Several logs at once: runs[i] decoded when its log was written. */
#define MAX_RUNS 4
static struct run runs[MAX_RUNS];
static size_t nruns;

/* Decode the log in mem as the next of runs. */
static void keep_run(void)
{
	char err[160];

	assert_true(nruns < MAX_RUNS);
	assert_int_equal(run_read_buf(mem, b.len, &runs[nruns], err,
				      sizeof(err)), 0);
	nruns++;
}

/* Render runs together, named names (owned by teardown); the runs are
 * freed. */
static const char *render_many(const char *const *names)
{
	size_t len = 0;
	FILE *out;
	int rc;

	free(out_buf);
	out_buf = NULL;
	out = open_memstream(&out_buf, &len);
	assert_non_null(out);
	rc = dump_openmetrics_many(out, runs, names, nruns);
	for (size_t i = 0; i < nruns; i++)
		run_free(&runs[i]);
	nruns = 0;
	assert_int_equal(fclose(out), 0);
	assert_int_equal(rc, 0);
	check_openmetrics(out_buf);
	return out_buf;
}

/* How many times needle is in hay. */
static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* ---- tests ---- */

/* Worked out by hand: row 1 (T0+1) 1.5 + 0.2 s of CPU, 2 MiB, 2 children,
 * 4096 read, 512 written; row 2 (T0+1.5) 0.5 + 0.1 s more, 1.5 MiB, 1
 * child, 4096 more read, nothing more written.  Summary: getrusage's 2.4 s
 * less the tracker's 20 ms, peak RSS the end record's 3 MiB. */
static const char golden[] =
	"# TYPE rtrack_process_cpu_seconds counter\n"
	"# UNIT rtrack_process_cpu_seconds seconds\n"
	"# HELP rtrack_process_cpu_seconds CPU time of the job's processes "
	"since the first sample, user and system\n"
	"rtrack_process_cpu_seconds_total" L " 0.000000 1700000000.000\n"
	"rtrack_process_cpu_seconds_total" L " 1.700000 1700000001.000\n"
	"rtrack_process_cpu_seconds_total" L " 2.300000 1700000001.500\n"
	"# TYPE rtrack_process_memory_bytes gauge\n"
	"# UNIT rtrack_process_memory_bytes bytes\n"
	"# HELP rtrack_process_memory_bytes Memory of the job's processes, "
	"summed PSS (RSS with RTRACK_MEMORY=rss)\n"
	"rtrack_process_memory_bytes" L " 2097152 1700000001.000\n"
	"rtrack_process_memory_bytes" L " 1572864 1700000001.500\n"
	"# TYPE rtrack_process_children gauge\n"
	"# HELP rtrack_process_children Live descendants of the job's root "
	"process\n"
	"rtrack_process_children" L " 2 1700000001.000\n"
	"rtrack_process_children" L " 1 1700000001.500\n"
	"# TYPE rtrack_process_disk_read_bytes counter\n"
	"# UNIT rtrack_process_disk_read_bytes bytes\n"
	"# HELP rtrack_process_disk_read_bytes Bytes the job's processes read "
	"from storage since the first sample\n"
	"rtrack_process_disk_read_bytes_total" L " 0 1700000000.000\n"
	"rtrack_process_disk_read_bytes_total" L " 4096 1700000001.000\n"
	"rtrack_process_disk_read_bytes_total" L " 8192 1700000001.500\n"
	"# TYPE rtrack_process_disk_written_bytes counter\n"
	"# UNIT rtrack_process_disk_written_bytes bytes\n"
	"# HELP rtrack_process_disk_written_bytes Bytes the job's processes "
	"wrote to storage since the first sample\n"
	"rtrack_process_disk_written_bytes_total" L " 0 1700000000.000\n"
	"rtrack_process_disk_written_bytes_total" L " 512 1700000001.000\n"
	"rtrack_process_disk_written_bytes_total" L " 512 1700000001.500\n"
	"# TYPE rtrack_cpu_seconds counter\n"
	"# UNIT rtrack_cpu_seconds seconds\n"
	"# HELP rtrack_cpu_seconds Own CPU time of every process of the job "
	"over the whole run, exact from exit records where the processes "
	"wrote them\n"
	"rtrack_cpu_seconds_total" L " 2.380000 1700000002.000\n"
	"# TYPE rtrack_peak_rss_bytes gauge\n"
	"# UNIT rtrack_peak_rss_bytes bytes\n"
	"# HELP rtrack_peak_rss_bytes Largest peak RSS (VmHWM) of any single "
	"process of the job\n"
	"rtrack_peak_rss_bytes" L " 3145728 1700000002.000\n"
	"# TYPE rtrack_duration_seconds gauge\n"
	"# UNIT rtrack_duration_seconds seconds\n"
	"# HELP rtrack_duration_seconds Wall time from the start of tracking "
	"to the end of the job\n"
	"rtrack_duration_seconds" L " 2.000 1700000002.000\n"
	"# TYPE rtrack_tracker_cpu_seconds counter\n"
	"# UNIT rtrack_tracker_cpu_seconds seconds\n"
	"# HELP rtrack_tracker_cpu_seconds CPU time of rtrack's own sampler "
	"thread\n"
	"rtrack_tracker_cpu_seconds_total" L " 0.020000 1700000002.000\n"
	"# EOF\n";

static void test_golden(void **state)
{
	(void)state;
	fixed_job("n1", "/usr/bin/make -j2 all");
	assert_string_equal(render(), golden);
}

/* With system stats every system family is there, once, in order. */
static void test_system_families(void **state)
{
	static const char *const fams[] = {
		"rtrack_system_cpu_seconds counter",
		"rtrack_system_processes gauge",
		"rtrack_system_memory_used_bytes gauge",
		"rtrack_system_memory_free_bytes gauge",
		"rtrack_system_memory_buffers_bytes gauge",
		"rtrack_system_memory_cached_bytes gauge",
		"rtrack_system_memory_active_bytes gauge",
		"rtrack_system_memory_inactive_bytes gauge",
		"rtrack_system_disk_read_bytes counter",
		"rtrack_system_disk_written_bytes counter",
		"rtrack_system_disk_space_size_bytes gauge",
		"rtrack_system_disk_space_used_bytes gauge",
		"rtrack_system_disk_space_free_bytes gauge",
		"rtrack_system_network_receive_bytes counter",
		"rtrack_system_network_transmit_bytes counter",
	};
	struct rt_sample x[2];
	const char *out, *at;
	char want[128];

	(void)state;
	put_header("n1", "make");
	for (int i = 0; i < 2; i++) {
		tree_sample(&x[i], i, 1, 0, 0, 1024, 0, 0);
		x[i].missing = 0;
		x[i].sys_user_ticks = 1000 + 250 * (uint64_t)i;
		x[i].sys_system_ticks = 500 + 50 * (uint64_t)i;
		x[i].sys_mem_total_kib = 8388608;
		x[i].sys_mem_available_kib = 6291456;
		x[i].sys_space_total_bytes = 1000000000000;
		x[i].sys_net_recv_bytes = 1000 * (uint64_t)i;
		put(&x[i]);
	}
	out = render();
	at = out;
	for (size_t i = 0; i < sizeof fams / sizeof fams[0]; i++) {
		snprintf(want, sizeof want, "# TYPE %s\n", fams[i]);
		assert_non_null(at = strstr(at, want));
	}
	assert_non_null(strstr(out, "rtrack_system_cpu_seconds_total" L
				    " 3.000000 1700000001.000\n"));
	assert_non_null(strstr(out, "rtrack_system_memory_used_bytes" L
				    " 2147483648 1700000001.000\n"));
	assert_non_null(strstr(out, "rtrack_system_disk_space_size_bytes" L
				    " 1000000000000 1700000001.000\n"));
	assert_non_null(strstr(out, "rtrack_system_network_receive_bytes_total"
				    L " 1000 1700000001.000\n"));
}

/* Every hostile byte a host name or a command line can hold: quotes,
 * backslashes and newlines escaped, invalid UTF-8 as U+FFFD (an overlong
 * '/', a lone 0xff, a sequence cut short), valid UTF-8 and other control
 * characters as they are. */
static void test_hostile_labels(void **state)
{
	const char *out;

	(void)state;
	fixed_job("h\"o\\s\nt\xff\xc3\xa9",
		  "/opt/x\\y/we\"ird\nna\xc0\xafme\t\xe2\x82 --flag \xff");
	out = render();
	assert_non_null(strstr(out,
		"rtrack_peak_rss_bytes{host=\"h\\\"o\\\\s\\nt\xef\xbf\xbd"
		"\xc3\xa9\",pid=\"100\",command=\"we\\\"ird\\nna\xef\xbf\xbd"
		"\xef\xbf\xbdme\t\xef\xbf\xbd\xef\xbf\xbd\"} 3145728 "));
}

static void check_command(const char *cmdline, const char *want)
{
	char label[64];

	snprintf(label, sizeof label, ",command=\"%s\"} ", want);
	fixed_job("n1", cmdline);
	assert_non_null(strstr(render(), label));
	assert_null(strstr(out_buf, "job="));
}

/* The program's name, as basename(1) gives it for the first word; `job`
 * is Prometheus' own target label and never rtrack's. */
static void test_command_label(void **state)
{
	(void)state;
	check_command("python3 train.py --lr 0.1", "python3");
	check_command("./bin/app", "app");
	check_command("/usr/lib/x/ y", "x");
	check_command("/", "/");
	check_command("a/b/c/d", "d");
	check_command("", "");
}

/* Unavailable values are left out, never written as 0: a row lacking the
 * memory reading has no memory sample, a counter read in no two
 * consecutive samples has no family at all. */
static void test_missing_omitted(void **state)
{
	struct rt_sample x;
	const char *out;

	(void)state;
	put_header("n1", "make");
	tree_sample(&x, 0, 1, 0, 0, 1024, 0, 0);
	put(&x);
	tree_sample(&x, 1, 1, 100, 0, 2048, 7, 0);
	sample_set_missing(&x, RT_F_tree_mem_kib);
	sample_set_missing(&x, RT_F_tree_write_bytes);
	put(&x);
	tree_sample(&x, 2, 1, 200, 0, 4096, 9, 5);
	put(&x);
	out = render();
	assert_non_null(strstr(out,
		"# TYPE rtrack_process_memory_bytes gauge\n"
		"# UNIT rtrack_process_memory_bytes bytes\n"));
	assert_null(strstr(out, "rtrack_process_memory_bytes" L " 0 "));
	assert_null(strstr(out, "rtrack_process_memory_bytes" L
				" 2097152 1700000001.000\n"));
	assert_non_null(strstr(out, "rtrack_process_memory_bytes" L
				    " 4194304 1700000002.000\n"));
	assert_null(strstr(out, "rtrack_process_disk_written_bytes"));
	assert_null(strstr(out, "rtrack_system_"));
	assert_non_null(strstr(out, "rtrack_process_disk_read_bytes_total" L
				    " 9 1700000002.000\n"));
	/* No end record: the summary ends at the last sample. */
	assert_non_null(strstr(out, "rtrack_duration_seconds" L
				    " 2.000 1700000002.000\n"));
}

/* A row whose time is not after the previous one written (a clock set
 * back; two samples within a millisecond) is skipped; a counter still
 * adds what it counted to the next sample written. */
static void test_time_not_increasing(void **state)
{
	static const double t[] = { 0, 1, 0.5, 1.0004, 2 };
	struct rt_sample x;
	const char *out;

	(void)state;
	put_header("n1", "make");
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		tree_sample(&x, t[i], 1, 0, 0, 1024 * (i + 1), 100 * i, 0);
		put(&x);
	}
	out = render();
	assert_non_null(strstr(out,
		"rtrack_process_memory_bytes" L " 2097152 1700000001.000\n"
		"rtrack_process_memory_bytes" L " 5242880 1700000002.000\n"
		"# TYPE "));
	assert_non_null(strstr(out,
		"rtrack_process_disk_read_bytes_total" L " 0 1700000000.000\n"
		"rtrack_process_disk_read_bytes_total" L " 100 1700000001.000\n"
		"rtrack_process_disk_read_bytes_total" L " 400 1700000002.000\n"
		"# TYPE "));
}

/* ---- GPU ---- */

/* One device's values in a GPU record; ~0 leaves a value out. */
static void gpu_vals(struct rt_gpu_values *v, uint64_t util, uint64_t used,
		     uint64_t total, uint64_t power, uint64_t clock,
		     uint64_t tutil, uint64_t tmem, uint64_t tprocs)
{
	const uint64_t x[RT_GPU_NFIELDS] = {
		[RT_G_util_pct] = util, [RT_G_mem_used_kib] = used,
		[RT_G_mem_total_kib] = total, [RT_G_power_mw] = power,
		[RT_G_temp_c] = ~0ull, [RT_G_sm_clock_mhz] = clock,
		[RT_G_tree_util_pct] = tutil, [RT_G_tree_mem_kib] = tmem,
		[RT_G_tree_procs] = tprocs, [RT_G_flags] = 0,
	};

	memset(v, 0, sizeof(*v));
	for (unsigned f = 0; f < RT_GPU_NFIELDS; f++) {
		if (x[f] == ~0ull)
			v->missing |= (uint64_t)1 << f;
		else
			v->v[f] = x[f];
	}
}

/* The sample's tree and machine GPU fields. */
static void gpu_fields(struct rt_sample *x, uint64_t util, uint64_t utilized,
		       uint64_t used, uint64_t tutil, uint64_t tutilized,
		       uint64_t tmem)
{
	for (unsigned f = RT_F_gpu_count; f <= RT_F_tree_gpu_mem_kib; f++)
		x->missing &= ~((uint64_t)1 << f);
	x->gpu_count = 2;
	x->sys_gpu_util_pct = util;
	x->sys_gpu_utilized = utilized;
	x->sys_gpu_mem_used_kib = used;
	x->sys_gpu_mem_total_kib = 16777216 + 8388608;
	x->tree_gpu_util_pct = tutil;
	x->tree_gpu_utilized = tutilized;
	x->tree_gpu_mem_kib = tmem;
}

/* fixed_job's three samples on two devices: an NVML one (whose UUID holds
 * a quote and a backslash) and a DRM one without clock, temperature
 * nowhere; each sample's GPU record before it, as the sampler writes
 * them. */
static void gpu_job(void)
{
	static const double t[] = { 0, 1, 1.5 };
	/* util, utilized, used, the tree's util, utilized, memory */
	static const uint64_t f[3][6] = {
		{ 50, 1, 1572864, 0, 0, 0 },
		{ 120, 2, 2097152, 40, 1, 524288 },
		{ 100, 2, 2621440, 25, 1, 262144 },
	};
	struct rt_gpu_dev d[2];
	struct rt_gpu_values v[3][2];
	static struct rt_gpu_chain chain;
	struct rt_sample x;
	const uint64_t N = ~0ull;

	memset(d, 0, sizeof(d));
	memset(&chain, 0, sizeof(chain));
	d[0].source = RT_GPU_NVML;
	snprintf(d[0].name, sizeof d[0].name, "Tesla T4");
	snprintf(d[0].id, sizeof d[0].id, "GPU-a\"b\\c");
	d[1].source = RT_GPU_DRM;
	snprintf(d[1].name, sizeof d[1].name, "amdgpu");
	snprintf(d[1].id, sizeof d[1].id, "0000:03:00.0");
	gpu_vals(&v[0][0], 50, 1048576, 16777216, 70123, 1590, 0, 0, 0);
	gpu_vals(&v[1][0], 75, 1572864, 16777216, 71000, 1590, 40, 524288, 1);
	gpu_vals(&v[2][0], 60, 2097152, 16777216, 69999, 1410, 25, 262144, 1);
	gpu_vals(&v[0][1], 0, 524288, 8388608, 30000, N, N, 0, 0);
	gpu_vals(&v[1][1], 45, 524288, 8388608, N, N, 0, 0, 0);
	gpu_vals(&v[2][1], 40, 524288, 8388608, 30000, N, 0, 0, 0);

	put_header("n1", "make");
	assert_int_equal(logwrite_gpu_devices(&b, d, 2), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(logwrite_gpu_values(&b, &chain, v[i], 2), 0);
		tree_sample(&x, t[i], 1, 0, 0, 1024, 0, 0);
		gpu_fields(&x, f[i][0], f[i][1], f[i][2], f[i][3], f[i][4],
			   f[i][5]);
		put(&x);
	}
}

#define G0 "{host=\"n1\",pid=\"100\",command=\"make\",gpu=\"0\"," \
	   "uuid=\"GPU-a\\\"b\\\\c\"}"
#define G1 "{host=\"n1\",pid=\"100\",command=\"make\",gpu=\"1\"," \
	   "bus_id=\"0000:03:00.0\"}"

/* Worked out by hand from gpu_job: the rows' figures (samples 1 and 2)
 * in GPUs and bytes, then each device's at every sample, ratios from
 * percent, bytes from KiB, watts from mW, hertz from MHz; what a device
 * lacks is left out, a family no device has (temperature) too. */
static const char gpu_golden[] =
	"# TYPE rtrack_process_gpu_usage gauge\n"
	"# HELP rtrack_process_gpu_usage GPUs the job's processes kept busy: "
	"their utilization summed over the devices, 1 for one whole GPU\n"
	"rtrack_process_gpu_usage" L " 0.4000 1700000001.000\n"
	"rtrack_process_gpu_usage" L " 0.2500 1700000001.500\n"
	"# TYPE rtrack_process_gpu_vram_bytes gauge\n"
	"# UNIT rtrack_process_gpu_vram_bytes bytes\n"
	"# HELP rtrack_process_gpu_vram_bytes GPU memory held by the job's "
	"processes, all devices\n"
	"rtrack_process_gpu_vram_bytes" L " 536870912 1700000001.000\n"
	"rtrack_process_gpu_vram_bytes" L " 268435456 1700000001.500\n"
	"# TYPE rtrack_process_gpu_utilized gauge\n"
	"# HELP rtrack_process_gpu_utilized GPUs the job's processes used "
	"(utilization above 0)\n"
	"rtrack_process_gpu_utilized" L " 1 1700000001.000\n"
	"rtrack_process_gpu_utilized" L " 1 1700000001.500\n"
	"# TYPE rtrack_system_gpu_usage gauge\n"
	"# HELP rtrack_system_gpu_usage GPUs busy on the machine: utilization "
	"summed over the devices, 1 for one whole GPU\n"
	"rtrack_system_gpu_usage" L " 1.2000 1700000001.000\n"
	"rtrack_system_gpu_usage" L " 1.0000 1700000001.500\n"
	"# TYPE rtrack_system_gpu_vram_bytes gauge\n"
	"# UNIT rtrack_system_gpu_vram_bytes bytes\n"
	"# HELP rtrack_system_gpu_vram_bytes GPU memory in use on the machine, "
	"all devices\n"
	"rtrack_system_gpu_vram_bytes" L " 2147483648 1700000001.000\n"
	"rtrack_system_gpu_vram_bytes" L " 2684354560 1700000001.500\n"
	"# TYPE rtrack_system_gpu_utilized gauge\n"
	"# HELP rtrack_system_gpu_utilized GPUs of the machine with "
	"utilization above 0\n"
	"rtrack_system_gpu_utilized" L " 2 1700000001.000\n"
	"rtrack_system_gpu_utilized" L " 2 1700000001.500\n"
	"# TYPE rtrack_gpu_utilization_ratio gauge\n"
	"# UNIT rtrack_gpu_utilization_ratio ratio\n"
	"# HELP rtrack_gpu_utilization_ratio Utilization of the device over "
	"the driver's last period\n"
	"rtrack_gpu_utilization_ratio" G0 " 0.50 1700000000.000\n"
	"rtrack_gpu_utilization_ratio" G0 " 0.75 1700000001.000\n"
	"rtrack_gpu_utilization_ratio" G0 " 0.60 1700000001.500\n"
	"rtrack_gpu_utilization_ratio" G1 " 0.00 1700000000.000\n"
	"rtrack_gpu_utilization_ratio" G1 " 0.45 1700000001.000\n"
	"rtrack_gpu_utilization_ratio" G1 " 0.40 1700000001.500\n"
	"# TYPE rtrack_gpu_memory_used_bytes gauge\n"
	"# UNIT rtrack_gpu_memory_used_bytes bytes\n"
	"# HELP rtrack_gpu_memory_used_bytes Memory in use on the device\n"
	"rtrack_gpu_memory_used_bytes" G0 " 1073741824 1700000000.000\n"
	"rtrack_gpu_memory_used_bytes" G0 " 1610612736 1700000001.000\n"
	"rtrack_gpu_memory_used_bytes" G0 " 2147483648 1700000001.500\n"
	"rtrack_gpu_memory_used_bytes" G1 " 536870912 1700000000.000\n"
	"rtrack_gpu_memory_used_bytes" G1 " 536870912 1700000001.000\n"
	"rtrack_gpu_memory_used_bytes" G1 " 536870912 1700000001.500\n"
	"# TYPE rtrack_gpu_memory_total_bytes gauge\n"
	"# UNIT rtrack_gpu_memory_total_bytes bytes\n"
	"# HELP rtrack_gpu_memory_total_bytes Memory of the device\n"
	"rtrack_gpu_memory_total_bytes" G0 " 17179869184 1700000000.000\n"
	"rtrack_gpu_memory_total_bytes" G0 " 17179869184 1700000001.000\n"
	"rtrack_gpu_memory_total_bytes" G0 " 17179869184 1700000001.500\n"
	"rtrack_gpu_memory_total_bytes" G1 " 8589934592 1700000000.000\n"
	"rtrack_gpu_memory_total_bytes" G1 " 8589934592 1700000001.000\n"
	"rtrack_gpu_memory_total_bytes" G1 " 8589934592 1700000001.500\n"
	"# TYPE rtrack_gpu_power_watts gauge\n"
	"# UNIT rtrack_gpu_power_watts watts\n"
	"# HELP rtrack_gpu_power_watts Power draw of the board\n"
	"rtrack_gpu_power_watts" G0 " 70.123 1700000000.000\n"
	"rtrack_gpu_power_watts" G0 " 71.000 1700000001.000\n"
	"rtrack_gpu_power_watts" G0 " 69.999 1700000001.500\n"
	"rtrack_gpu_power_watts" G1 " 30.000 1700000000.000\n"
	"rtrack_gpu_power_watts" G1 " 30.000 1700000001.500\n"
	"# TYPE rtrack_gpu_sm_clock_hertz gauge\n"
	"# UNIT rtrack_gpu_sm_clock_hertz hertz\n"
	"# HELP rtrack_gpu_sm_clock_hertz SM (shader) clock of the GPU\n"
	"rtrack_gpu_sm_clock_hertz" G0 " 1590000000 1700000000.000\n"
	"rtrack_gpu_sm_clock_hertz" G0 " 1590000000 1700000001.000\n"
	"rtrack_gpu_sm_clock_hertz" G0 " 1410000000 1700000001.500\n"
	"# TYPE rtrack_gpu_process_utilization_ratio gauge\n"
	"# UNIT rtrack_gpu_process_utilization_ratio ratio\n"
	"# HELP rtrack_gpu_process_utilization_ratio Utilization of the device "
	"by the job's processes\n"
	"rtrack_gpu_process_utilization_ratio" G0 " 0.00 1700000000.000\n"
	"rtrack_gpu_process_utilization_ratio" G0 " 0.40 1700000001.000\n"
	"rtrack_gpu_process_utilization_ratio" G0 " 0.25 1700000001.500\n"
	"rtrack_gpu_process_utilization_ratio" G1 " 0.00 1700000001.000\n"
	"rtrack_gpu_process_utilization_ratio" G1 " 0.00 1700000001.500\n"
	"# TYPE rtrack_gpu_process_vram_bytes gauge\n"
	"# UNIT rtrack_gpu_process_vram_bytes bytes\n"
	"# HELP rtrack_gpu_process_vram_bytes Memory of the device held by the "
	"job's processes\n"
	"rtrack_gpu_process_vram_bytes" G0 " 0 1700000000.000\n"
	"rtrack_gpu_process_vram_bytes" G0 " 536870912 1700000001.000\n"
	"rtrack_gpu_process_vram_bytes" G0 " 268435456 1700000001.500\n"
	"rtrack_gpu_process_vram_bytes" G1 " 0 1700000000.000\n"
	"rtrack_gpu_process_vram_bytes" G1 " 0 1700000001.000\n"
	"rtrack_gpu_process_vram_bytes" G1 " 0 1700000001.500\n"
	"# TYPE rtrack_gpu_processes gauge\n"
	"# HELP rtrack_gpu_processes Processes of the job holding the device\n"
	"rtrack_gpu_processes" G0 " 0 1700000000.000\n"
	"rtrack_gpu_processes" G0 " 1 1700000001.000\n"
	"rtrack_gpu_processes" G0 " 1 1700000001.500\n"
	"rtrack_gpu_processes" G1 " 0 1700000000.000\n"
	"rtrack_gpu_processes" G1 " 0 1700000001.000\n"
	"rtrack_gpu_processes" G1 " 0 1700000001.500\n";

/* The GPU families follow the process disk families and come before the
 * summary's, whole. */
static void test_gpu_golden(void **state)
{
	const char *out, *from;
	char *got;

	(void)state;
	gpu_job();
	out = render();
	from = strstr(out, "# TYPE rtrack_process_gpu_usage gauge\n");
	assert_non_null(from);
	assert_non_null(strstr(out, "# TYPE rtrack_process_disk_written_bytes "
				    "counter\n"));
	assert_true(strstr(out, "# TYPE rtrack_process_disk_written_bytes") <
		    from);
	got = strndup(from, strlen(gpu_golden));
	assert_non_null(got);
	assert_string_equal(got, gpu_golden);
	free(got);
	assert_memory_equal(from + strlen(gpu_golden), "# TYPE rtrack_", 14);
	assert_null(strstr(from + strlen(gpu_golden), "gpu"));
	assert_null(strstr(out, "temperature"));
}

/* A header alone, no sample and no end: nothing but "# EOF". */
static void test_empty_log(void **state)
{
	(void)state;
	put_header("n1", "make");
	assert_string_equal(render(), "# EOF\n");
}

/* A write error is reported, as by the other formats. */
static void test_write_error(void **state)
{
	struct run run;
	char err[160];
	FILE *out = fopen("/dev/full", "w");

	(void)state;
	if (!out)
		skip();
	fixed_job("n1", "make");
	assert_int_equal(run_read_buf(mem, b.len, &run, err, sizeof(err)), 0);
	assert_int_equal(dump_openmetrics(out, &run, "run.bin"), -1);
	run_free(&run);
	fclose(out);
}

/* ---- several logs and the user's labels ---- */

/* --label: every sample carries the user's labels after rtrack's own
 * (after a device's too), their values escaped as rtrack's are. */
static void test_user_labels(void **state)
{
	static const struct dump_label user[] = {
		{ "team", 4, "ml" },
		{ "note", 4, "a \"q\" \\ b\nc \xc3\xa9" },
	};
	const char *want = ",team=\"ml\",note=\"a \\\"q\\\" \\\\ b\\nc "
			   "\xc3\xa9\"}";
	size_t samples = 0;
	const char *out;

	(void)state;
	dump_openmetrics_labels(user, 2);
	gpu_job();
	out = render();
	for (const char *p = out; *p; p = strchr(p, '\n') + 1) {
		const char *end = strstr(p, "\"} ") + 2; /* past the '}' */

		if (*p == '#')
			continue;
		samples++;
		assert_memory_equal(end - strlen(want), want, strlen(want));
		assert_memory_equal(strchr(p, '{'), "{host=\"n1\",pid=\"100\","
				    "command=\"make\",", 36);
	}
	assert_int_equal(count(out, want), samples);
	assert_true(samples > 30);
	assert_non_null(strstr(out, "bus_id=\"0000:03:00.0\",team=\"ml\","));
}

/* What --label takes, and the one line that says why not. */
static void test_label_parse(void **state)
{
	static const struct {
		const char *arg, *err; /* err NULL: taken */
	} cases[] = {
		{ "team=ml", NULL },
		{ "_x9=a=b", NULL },
		{ "Job=x", NULL },
		{ "job=prometheus's own, but the user's to set", NULL },
		{ "v=\xe6\x97\xa5\"\\\n", NULL },
		{ "noequals", "--label takes key=value, not 'noequals'" },
		{ "=v", "--label =...: the key is a letter or _, then "
			"letters, digits or _" },
		{ "9a=v", "the key is a letter or _" },
		{ "a-b=v", "the key is a letter or _" },
		{ "a.b=v", "the key is a letter or _" },
		{ "__name__=v", "keys that start with __ are Prometheus' own" },
		{ "host=x", "--label host=...: rtrack sets host itself" },
		{ "pid=1", "rtrack sets pid itself" },
		{ "command=x", "rtrack sets command itself" },
		{ "log=x", "rtrack sets log itself" },
		{ "gpu=0", "rtrack sets gpu itself" },
		{ "uuid=0", "rtrack sets uuid itself" },
		{ "bus_id=0", "rtrack sets bus_id itself" },
		{ "empty=", "--label empty=: an empty value is no label" },
		{ "bad=\xff", "--label bad=...: the value is not UTF-8" },
		{ "a\nb=secret\nvalue", "--label a\nb=...: the key is" },
		{ "host=secret\nvalue", "--label host=...: rtrack sets" },
		{ "bad=\xc0\xaf", "the value is not UTF-8" },
		{ "team=again", "--label team given twice" },
	};
	struct dump_label got[8], l;
	size_t n = 0;
	char err[160];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc;

		memset(&l, 0x55, sizeof l);
		err[0] = '\0';
		rc = dump_label_parse(cases[i].arg, got, n, &l, err, sizeof err);
		if (!cases[i].err) {
			assert_int_equal(rc, 0);
			assert_ptr_equal(l.key, cases[i].arg);
			assert_int_equal(l.keylen,
					 strchr(cases[i].arg, '=') - cases[i].arg);
			assert_string_equal(l.value,
					    strchr(cases[i].arg, '=') + 1);
			got[n++] = l;
			continue;
		}
		assert_int_equal(rc, -1);
		assert_non_null(strstr(err, cases[i].err));
		assert_null(strstr(err, "secret"));
		assert_int_equal(l.keylen, (size_t)0x5555555555555555ull);
	}
	/* cut to size, still a string */
	assert_int_equal(dump_label_parse("host=x", NULL, 0, &l, err, 8), -1);
	assert_string_equal(err, "--label");
}

/* Several logs: one exposition, each family's descriptor once and every
 * log's series of it one after the other, told apart by host; # EOF once,
 * at the end. */
static void test_many(void **state)
{
	static const char *const names[] = { "a.bin", "b.bin" };
	const char *out;

	(void)state;
	fixed_job("n1", "make");
	keep_run();
	fixed_job("n2", "/usr/bin/cc -c x.c");
	keep_run();
	out = render_many(names);
	assert_int_equal(count(out, "# TYPE rtrack_process_cpu_seconds "), 1);
	assert_int_equal(count(out, "# HELP rtrack_peak_rss_bytes "), 1);
	assert_int_equal(count(out, "# EOF"), 1);
	assert_int_equal(count(out, "# TYPE "), 9);
	assert_non_null(strstr(out,
		"rtrack_process_memory_bytes" L " 1572864 1700000001.500\n"
		"rtrack_process_memory_bytes{host=\"n2\",pid=\"100\","
		"command=\"cc\"} 2097152 1700000001.000\n"));
	assert_non_null(strstr(out,
		"rtrack_cpu_seconds_total" L " 2.380000 1700000002.000\n"
		"rtrack_cpu_seconds_total{host=\"n2\",pid=\"100\","
		"command=\"cc\"} 2.380000 1700000002.000\n# TYPE "));
	assert_null(strstr(out, "log="));
	/* one log through the several-log path: dump_openmetrics' text */
	fixed_job("n1", "/usr/bin/make -j2 all");
	keep_run();
	assert_string_equal(render_many(names), golden);
}

/* Logs whose host, pid and command are alike would be one series to
 * Prometheus: each of them also gets its file name as `log`; the others
 * do not.  A file named twice is shown once, as if named once. */
static void test_many_alike(void **state)
{
	static const char *const names[] = { "a.bin", "b.bin", "c.bin",
					     "a.bin" };
	static const char *const twice[] = { "a.bin", "a.bin" };
	const char *out;

	(void)state;
	for (int i = 0; i < 4; i++) {
		fixed_job(i == 2 ? "n2" : "n1", "make");
		keep_run();
	}
	out = render_many(names);
	assert_int_equal(count(out, "rtrack_duration_seconds{"), 3);
	assert_non_null(strstr(out, "rtrack_duration_seconds{host=\"n1\","
			       "pid=\"100\",command=\"make\",log=\"a.bin\"} "));
	assert_non_null(strstr(out, "rtrack_duration_seconds{host=\"n1\","
			       "pid=\"100\",command=\"make\",log=\"b.bin\"} "));
	assert_non_null(strstr(out, "rtrack_duration_seconds{host=\"n2\","
			       "pid=\"100\",command=\"make\"} "));
	for (int i = 0; i < 2; i++) {
		fixed_job("n1", "/usr/bin/make -j2 all");
		keep_run();
	}
	assert_string_equal(render_many(twice), golden);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_golden, teardown),
		cmocka_unit_test_teardown(test_system_families, teardown),
		cmocka_unit_test_teardown(test_hostile_labels, teardown),
		cmocka_unit_test_teardown(test_command_label, teardown),
		cmocka_unit_test_teardown(test_missing_omitted, teardown),
		cmocka_unit_test_teardown(test_time_not_increasing, teardown),
		cmocka_unit_test_teardown(test_gpu_golden, teardown),
		cmocka_unit_test_teardown(test_empty_log, teardown),
		cmocka_unit_test_teardown(test_write_error, teardown),
		cmocka_unit_test_teardown(test_user_labels, teardown),
		cmocka_unit_test_teardown(test_label_parse, teardown),
		cmocka_unit_test_teardown(test_many, teardown),
		cmocka_unit_test_teardown(test_many_alike, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
