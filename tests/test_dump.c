/* test_dump.c - unit tests of the rtrack-dump output formats (lib/dump/):
 * exact CSV text, JSON parsed by python3 and checked key by key, the human
 * summary, escaping of hostile strings, and the shared number formatting. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dump.h"
#include "fmt.h"
#include "stats.h"

#define T0 1700000000ull /* 2023-11-14T22:13:20Z */
#define S(sec) ((uint64_t)((sec) * 1e9 + 0.5))

static const char csv_header[] =
	"timestamp,system_processes,system_utime,system_stime,"
	"system_cpu_usage,system_memory_free_mib,system_memory_used_mib,"
	"system_memory_buffers_mib,system_memory_cached_mib,"
	"system_memory_active_mib,system_memory_inactive_mib,"
	"system_disk_read_bytes,system_disk_write_bytes,"
	"system_disk_space_total_gb,system_disk_space_used_gb,"
	"system_disk_space_free_gb,system_net_recv_bytes,system_net_sent_bytes,"
	"system_gpu_usage,system_gpu_vram_mib,system_gpu_utilized,process_pid,"
	"process_children,process_utime,process_stime,process_cpu_usage,"
	"process_memory_mib,process_disk_read_bytes,process_disk_write_bytes,"
	"process_gpu_usage,process_gpu_vram_mib,process_gpu_utilized\n";

/* Worked out by hand from fx below (clk 100). Row 1: Δt 1.5 s, 300+30
 * system ticks, 150+3 tree ticks.  Row 2: Δt 0.5 s, counters flat or
 * going down (-> 0), MemAvailable and used space missing (-> empty). */
static const char csv_row1[] =
	"1700000002.500,101,3.000000,0.300000,2.2000,3906.250,2332.625,"
	"10.000,20.000,30.000,40.000,512,1024,1000.00,400.50,599.50,1000,10,"
	",,,777,3,1.500000,0.029000,1.0193,2.500,4096,123,"
	",,\n";
static const char csv_row2[] =
	"1700000003.000,99,0.000000,0.000000,0.0000,4003.906,,"
	"10.000,20.000,30.000,40.000,0,0,1000.00,,599.50,0,0,"
	",,,777,1,0.000000,0.000000,0.0000,1.500,0,0,"
	",,\n";

/* Every hostile byte sequence a cmdline can hold: quotes, backslash,
 * newline, C0 control, DEL, a lone bad byte, U+00E9, U+2028, an overlong
 * '/', a surrogate, a 4-byte emoji, C1 CSI and a sequence cut short. */
static const char hostile[] =
	"a \"q\" b\\c\nd\x01" "e\x7f \xff \xc3\xa9 \xe2\x80\xa8 \xc0\xaf "
	"\xed\xa0\x80 \xf0\x9f\x98\x80 \xc2\x9b \xe2\x82";
static const char hostile_json[] =
	"\"a \\\"q\\\" b\\\\c\\nd\\u0001e\\u007f \\ufffd \xc3\xa9 \\u2028 "
	"\\ufffd\\ufffd \\ufffd\\ufffd\\ufffd \xf0\x9f\x98\x80 \xc2\x9b "
	"\\ufffd\\ufffd\"";
static const char hostile_ascii[] = /* json.dumps of what python decoded */
	"\"a \\\"q\\\" b\\\\c\\nd\\u0001e\\u007f \\ufffd \\u00e9 \\u2028 "
	"\\ufffd\\ufffd \\ufffd\\ufffd\\ufffd \\ud83d\\ude00 \\u009b "
	"\\ufffd\\ufffd\"";
static const char hostile_text[] = /* as the summary shows it */
	"a \"q\" b\\c?d?e? ? \xc3\xa9 ? ?? ??? \xf0\x9f\x98\x80 ? ??";

static struct rt_sample fx_samples[3];
static struct rt_proc fx_procs[3];
static struct rt_log fx;
static char *out_buf; /* the last capture, freed by teardown */

static void fixture_sample(struct rt_sample *s, const uint64_t v[],
			   size_t n)
{
	memset(s, 0, sizeof *s);
	for (size_t i = 0; i < n; i++)
		s->v[i] = v[i];
	/* Nothing left the tree: every process's own time is in the tree's. */
	s->seen_utime_ticks = s->tree_utime_ticks;
	s->seen_stime_ticks = s->tree_stime_ticks;
	/* No GPU: its fields read as missing (1.2). */
	for (unsigned f = RT_F_gpu_count; f <= RT_F_tree_gpu_mem_kib; f++)
		sample_set_missing(s, (enum rt_field)f);
}

/* Values in rt_field order: time, tree procs/utime/stime/mem/rss/hwm/
 * read/write, tracker, sys procs/user/system, mem total/free/available/
 * buffers/cached/active/inactive, disk read/write, space total/used/free,
 * net recv/sent. */
static void fixture_samples(void)
{
	const uint64_t s0[RT_SAMPLE_NFIELDS] = {
		S(T0 + 1), 1, 0, 0, 1024, 1024, 2048, 0, 0, 0,
		100, 1000, 500, 8388608, 4194304, 6291456, 10240, 20480,
		30720, 40960, 0, 0, 1000000000000, 400000000000,
		600000000000, 0, 0};
	const uint64_t s1[RT_SAMPLE_NFIELDS] = {
		S(T0 + 2.5), 4, 150, 3, 2560, 2560, 4096, 4096, 123, 1000000,
		101, 1300, 530, 8388608, 4000000, 6000000, 10240, 20480,
		30720, 40960, 512, 1024, 1000000000000, 400500000000,
		599500000000, 1000, 10};
	const uint64_t s2[RT_SAMPLE_NFIELDS] = {
		S(T0 + 3), 2, 150, 2, 1536, 1536, 2048, 4000, 123, 1500000,
		99, 1300, 530, 8388608, 4100000, 0, 10240, 20480,
		30720, 40960, 512, 1024, 1000000000000, 0,
		599500000000, 900, 10};

	fixture_sample(&fx_samples[0], s0, RT_SAMPLE_NFIELDS);
	fixture_sample(&fx_samples[1], s1, RT_SAMPLE_NFIELDS);
	fixture_sample(&fx_samples[2], s2, RT_SAMPLE_NFIELDS);
	sample_set_missing(&fx_samples[2], RT_F_sys_mem_available_kib);
	sample_set_missing(&fx_samples[2], RT_F_sys_space_used_bytes);
}

static void fixture_procs(void)
{
	memset(fx_procs, 0, sizeof fx_procs);
	fx_procs[0] = (struct rt_proc){
		.pid = 778, .ppid = 777, .start_ns = S(T0 + 1.25),
		.last_seen_ns = S(T0 + 2.5), .utime_ticks = 10,
		.stime_ticks = 5, .hwm_kib = 3000, .read_bytes = 100,
		.write_bytes = 200, .flags = RT_PROC_EXITED, .exit_code = 3};
	strcpy(fx_procs[0].cmdline, "sleep 1");
	fx_procs[1] = (struct rt_proc){
		.pid = 779, .ppid = 778, .start_ns = S(T0 + 2),
		.last_seen_ns = S(T0 + 3), .hwm_kib = 5120,
		.flags = RT_PROC_EXITED | RT_PROC_SIGNALED, .exit_code = 9};
	strcpy(fx_procs[1].cmdline, "killed");
	fx_procs[2] = (struct rt_proc){
		.pid = 780, .ppid = 777, .start_ns = S(T0 + 2.5),
		.last_seen_ns = S(T0 + 3), .hwm_kib = 100,
		.flags = RT_PROC_ALIVE_AT_END};
	strcpy(fx_procs[2].cmdline, "daemon");
}

static int fixture_setup(void **state)
{
	(void)state;
	fixture_samples();
	fixture_procs();
	memset(&fx, 0, sizeof fx);
	fx.version_major = 1;
	strcpy(fx.hdr.host, "node17");
	strcpy(fx.hdr.kernel, "6.1.0");
	strcpy(fx.hdr.machine, "x86_64");
	strcpy(fx.hdr.cmdline, "train --epochs 3");
	fx.hdr.ncpus = 16;
	fx.hdr.clk_tck = 100;
	fx.hdr.pid = 777;
	fx.hdr.start_ns = S(T0);
	fx.hdr.interval_ns = S(1);
	fx.samples = fx_samples;
	fx.nsamples = 3;
	fx.procs = fx_procs;
	fx.nprocs = 3;
	fx.has_end = 1;
	fx.end = (struct rt_end){
		.time_ns = S(T0 + 3.2), .exit_kind = RT_EXIT_CODE,
		.self_utime_us = 1000000, .self_stime_us = 30000,
		.children_utime_us = 500000, .self_maxrss_kib = 2000,
		.children_maxrss_kib = 1000, .tracker_cpu_ns = 2000000,
		.samples = 3};
	return 0;
}

static int fixture_teardown(void **state)
{
	(void)state;
	free(out_buf);
	out_buf = NULL;
	return 0;
}

enum format { F_CSV, F_JSON, F_SUMMARY, F_PROCESSES };

/* Output of one format for log, NUL-terminated (owned by teardown). */
static const char *capture(enum format f, const struct rt_log *fixture)
{
	struct run run = { .log = *fixture };
	size_t len = 0;
	FILE *out;
	int rc;

	/* The reader builds the process table (run.c); the fixture is made
	 * by hand. */
	assert_int_equal(job_build(&run.log, &run.job), 0);

	free(out_buf);
	out_buf = NULL;
	out = open_memstream(&out_buf, &len);
	assert_non_null(out);
	if (f == F_CSV)
		rc = dump_csv(out, &run, "run.bin");
	else if (f == F_JSON)
		rc = dump_json(out, &run, "run.bin");
	else if (f == F_PROCESSES)
		rc = dump_processes(out, &run, "run.bin");
	else
		rc = dump_summary(out, &run, "run.bin");
	job_free(&run.job);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(rc, 0);
	assert_int_equal(strlen(out_buf), len); /* no NUL byte inside */
	return out_buf;
}

/* python3 parses json strictly (UTF-8, no NaN/Infinity, no duplicate key,
 * nothing after the object) into d and prints json.dumps(eval(expr)). */
static const char py_prog[] =
	"import json,sys\n"
	"def pairs(p):\n"
	"    k=[a for a,_ in p]\n"
	"    assert len(set(k))==len(k), k\n"
	"    return dict(p)\n"
	"def bad(c):\n"
	"    raise ValueError(c)\n"
	"d=json.load(open(sys.argv[1],encoding=\"utf-8\"),"
	"object_pairs_hook=pairs,parse_constant=bad)\n"
	"print(json.dumps(eval(sys.argv[2])))\n";

static char py_out[16384];

static const char *py_eval(const char *json, const char *expr)
{
	char path[] = "/tmp/test_dump_XXXXXX", cmd[2048];
	size_t n, len = strlen(json);
	int fd = mkstemp(path), status;
	FILE *p;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, json, len), (ssize_t)len);
	close(fd);
	snprintf(cmd, sizeof cmd, "python3 -c '%s' %s '%s'", py_prog, path,
		 expr);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(py_out, 1, sizeof py_out - 1, p);
	status = pclose(p);
	unlink(path);
	py_out[n] = '\0';
	if (status != 0)
		fail_msg("python3 rejected the JSON (status %d) for %s", status,
			 expr);
	if (n && py_out[n - 1] == '\n')
		py_out[n - 1] = '\0';
	return py_out;
}

#define assert_py(json, expr, want) \
	assert_string_equal(py_eval((json), (expr)), (want))

/* ---- CSV ---- */

static void test_csv_exact(void **state)
{
	char want[2048];

	(void)state;
	snprintf(want, sizeof want, "%s%s%s", csv_header, csv_row1, csv_row2);
	assert_string_equal(capture(F_CSV, &fx), want);
}

static void test_csv_header_matches_table(void **state)
{
	char got[2048] = "";

	(void)state;
	for (unsigned i = 0; i < STATS_ROW_NFIELDS; i++) {
		strcat(got, stats_row_fields[i].name);
		strcat(got, i + 1 < STATS_ROW_NFIELDS ? "," : "\n");
	}
	assert_string_equal(got, csv_header);
}

static void test_csv_one_sample(void **state)
{
	(void)state;
	fx.nsamples = 1;
	fx.has_end = 0;
	assert_string_equal(capture(F_CSV, &fx), csv_header);
	fx.nsamples = 0;
	assert_string_equal(capture(F_CSV, &fx), csv_header);
}

/* Counting cells: missing values leave the cell, never drop it. */
static void test_csv_all_missing(void **state)
{
	const char *out, *row;
	size_t commas = 0;

	(void)state;
	fx_samples[1].missing = ~(uint64_t)0;
	fx.nsamples = 2;
	out = capture(F_CSV, &fx);
	row = strchr(out, '\n') + 1;
	for (const char *p = row; *p; p++)
		commas += *p == ',';
	assert_int_equal(commas, STATS_ROW_NFIELDS - 1);
	assert_string_equal(row, ",,,,,,,,,,,,,,,,,,,,,777,,,,,,,,,,\n");
}

/* ---- JSON ---- */

static void test_json_key_order(void **state)
{
	const char *json;

	(void)state;
	json = capture(F_JSON, &fx);
	assert_py(json, "\",\".join(d)",
		  "\"meta,summary,recommendation,diagnosis,processes,samples,"
		  "gpus\"");
	assert_py(json, "\",\".join(list(d[\"meta\"])[:8])",
		  "\"pid,cmdline,hostname,start_time,end_time,interval,"
		  "exit_code,complete\"");
	assert_py(json, "\",\".join(d[\"summary\"])",
		  "\"duration_s,samples,cpu_seconds,cpu_usage_mean,"
		  "cpu_usage_max,memory_mib_mean,memory_mib_max,peak_rss_mib,"
		  "disk_read_bytes,disk_write_bytes,net_recv_bytes,"
		  "net_sent_bytes,gpu_usage_mean,gpu_usage_max,"
		  "gpu_vram_mib_max,processes_seen,tracker_cpu_seconds,"
		  "processes_exact,processes_sampled_only,"
		  "system_memory_total_mib\"");
	assert_py(json, "\",\".join(d[\"recommendation\"])",
		  "\"cores,memory_mib,gpus,vram_mib,slurm,kubernetes,"
		  "time_limit_s,runtime_by_cores,memory_basis,memory_basis_mib,"
		  "memory_upper_mib\"");
	assert_py(json, "\",\".join(d[\"diagnosis\"])",
		  "\"cpu_wait_seconds,other_load_cores,cpu_quota_cores,"
		  "throttled_seconds,memory_limit_mib,oom_kills,major_faults,"
		  "swap_mib_max,io_pressure,verdict,sentence\"");
	assert_py(json, "sorted(set(\",\".join(p) for p in d[\"processes\"]))",
		  "[\"pid,ppid,cmdline,start,end,cpu_seconds,peak_rss_mib,"
		  "read_bytes,write_bytes,exit_code,exit_signal,alive_at_end,"
		  "exact,root,forked,oom_killed,cpu_wait_seconds,major_faults,"
		  "swap_mib\"]");
}

/* The samples' keys are exactly the CSV columns, in the same order. */
static void test_json_sample_keys(void **state)
{
	char want[2048];
	const char *json;

	(void)state;
	json = capture(F_JSON, &fx);
	snprintf(want, sizeof want, "[\"%.*s\", \"%.*s\"]",
		 (int)strlen(csv_header) - 1, csv_header,
		 (int)strlen(csv_header) - 1, csv_header);
	assert_py(json, "[\",\".join(s) for s in d[\"samples\"]]", want);
}

static void test_json_meta(void **state)
{
	const char *json;

	(void)state;
	json = capture(F_JSON, &fx);
	assert_py(json,
		  "[d[\"meta\"][k] for k in (\"pid\",\"cmdline\",\"hostname\","
		  "\"start_time\",\"end_time\",\"interval\",\"exit_code\","
		  "\"complete\",\"exit_signal\",\"damage\")]",
		  "[777, \"train --epochs 3\", \"node17\", 1700000000.0, "
		  "1700000003.2, 1.0, 0, true, null, null]");
}

static void test_json_summary_values(void **state)
{
	const char *json;

	(void)state;
	/* cpu_usage_mean weighs each interval by its length, the
	 * sampler's 1 ms taken off the first (its system time):
	 * (1.0193 x 1.5 s + 0 x 0.5 s) / 2 s = 0.7645; memory_mib_mean each
	 * sample by half the span to its neighbours:
	 * (1 x 0.75 + 2.5 x 1 + 1.5 x 0.25) / 2 s = 1.8125 MiB. */
	json = capture(F_JSON, &fx);
	assert_py(json, "list(d[\"summary\"].values())",
		  "[3.2, 3, 1.528, 0.7645, 1.0193, 1.813, 2.5, 5.0, 4096, 123, "
		  "1000, 10, null, null, null, 4, 0.002, 1, 3, 8192.0]");
	/* 1.5 s of CPU in 3.2 s, never above 1.02 cores: one core; the
	 * tree's sampled peak 5 MiB, all processes' peaks 9.98 MiB. */
	assert_py(json, "list(d[\"recommendation\"].values())",
		  "[1, 128, 0, 0, \"--cpus-per-task=1 --mem=128M "
		  "--time=0:01:00\", {\"requests\": {\"cpu\": \"1\", "
		  "\"memory\": \"128Mi\"}, \"limits\": {\"memory\": "
		  "\"128Mi\"}}, 60, [{\"cores\": 1, \"seconds\": 3.2}, "
		  "{\"cores\": 2, \"seconds\": 3.2}, {\"cores\": 4, "
		  "\"seconds\": 3.2}, {\"cores\": 8, \"seconds\": 3.2}, "
		  "{\"cores\": 16, \"seconds\": 3.2}], \"tree_max\", 5.0, "
		  "9.98]");
	/* A 1.0 log: none of 1.6's figures; the machine did (3.3 - 1.529:
	 * the job's rows, less the sampler's 1 ms) CPU seconds of other
	 * work in 2 s. */
	assert_py(json, "[v for k, v in d[\"diagnosis\"].items() if k not in "
		  "(\"verdict\", \"sentence\")]",
		  "[null, 0.89, null, null, null, null, null, null, null]");
	assert_py(json, "d[\"diagnosis\"][\"verdict\"]", "\"waiting\"");
	assert_non_null(strstr(json, "\"cpu_seconds\":1.528000,"));
	assert_non_null(strstr(json, "\"memory_mib_mean\":1.813,"));
}

static void test_json_samples_match_csv(void **state)
{
	const char *json;

	(void)state;
	json = capture(F_JSON, &fx);
	assert_py(json, "[d[\"samples\"][1][k] for k in (\"timestamp\","
			"\"system_memory_free_mib\",\"system_memory_used_mib\","
			"\"system_disk_space_used_gb\",\"process_children\","
			"\"process_disk_read_bytes\",\"process_memory_mib\")]",
		  "[1700000003.0, 4003.906, null, null, 1, 0, 1.5]");
	assert_py(json, "d[\"samples\"][0][\"system_cpu_usage\"]", "2.2");
	assert_non_null(strstr(json, "\"system_memory_used_mib\":null,"));
}

static void test_json_processes(void **state)
{
	const char *json;

	(void)state;
	json = capture(F_JSON, &fx);
	/* The root first (its end record: 1.03 s less 2 ms of tracker). */
	assert_py(json, "[list(p.values())[:10] for p in d[\"processes\"]]",
		  "[[777, 0, \"train --epochs 3\", 1700000000.0, 1700000003.2, "
		  "1.028, 1.953, 0, 0, 0], [778, 777, \"sleep 1\", 1700000001.25, 1700000002.5, 0.15, "
		  "2.93, 100, 200, 3], "
		  "[779, 778, \"killed\", 1700000002.0, 1700000003.0, 0.0, "
		  "5.0, 0, 0, null], "
		  "[780, 777, \"daemon\", 1700000002.5, 1700000003.0, 0.0, "
		  "0.098, 0, 0, null]]");
	assert_py(json, "[p[\"exit_signal\"] for p in d[\"processes\"]]",
		  "[null, null, 9, null]");
	assert_py(json, "[[p[k] for k in (\"exact\",\"root\",\"alive_at_end\")]"
			" for p in d[\"processes\"]]",
		  "[[true, true, false], [false, false, false], "
		  "[false, false, false], [false, false, true]]");
}

/* Two GPUs: the tree on device 0 (40% then 60%, 512 MiB); device 1 an
 * idle MIG GPU without utilization. */
static struct rt_gpu_values gx_vals[6];
static struct rt_gpu_sample gx_samples[3];

static void fixture_gpu(void)
{
	static const uint64_t util[3] = { 10, 40, 60 };

	fx.hdr.flags |= RT_CFG_GPU;
	fx.ngpu_devs = 2;
	fx.gpu_devs[0] = (struct rt_gpu_dev){ RT_GPU_NVML, "Tesla T4", "GPU-a" };
	fx.gpu_devs[1] = (struct rt_gpu_dev){ RT_GPU_NVML, "A100", "GPU-b" };
	memset(gx_vals, 0, sizeof gx_vals);
	for (size_t i = 0; i < 3; i++) {
		struct rt_sample *x = &fx_samples[i];
		struct rt_gpu_values *v = &gx_vals[2 * i];

		gx_samples[i] = (struct rt_gpu_sample){ i, 2 * i, 2 };
		v[0].util_pct = util[i] + 5;
		v[0].mem_used_kib = 1024 * 1024;
		v[0].mem_total_kib = 16 * 1024 * 1024;
		v[0].power_mw = 70000 + 1000 * i;
		v[0].temp_c = 50;
		v[0].sm_clock_mhz = 1590;
		v[0].tree_util_pct = util[i];
		v[0].tree_mem_kib = 512 * 1024;
		v[0].tree_procs = 1;
		v[1].flags = RT_GPU_F_MIG | RT_GPU_F_NO_PROC_UTIL;
		v[1].mem_total_kib = 40 * 1024 * 1024;
		v[1].missing = 1u << RT_G_util_pct | 1u << RT_G_power_mw |
			       1u << RT_G_temp_c | 1u << RT_G_sm_clock_mhz;
		x->missing &= ~(((uint64_t)1 << RT_SAMPLE_NFIELDS) -
				((uint64_t)1 << RT_F_gpu_count));
		x->gpu_count = 2;
		x->sys_gpu_util_pct = util[i] + 5;
		x->sys_gpu_utilized = 1;
		x->sys_gpu_mem_used_kib = 1024 * 1024;
		x->sys_gpu_mem_total_kib = 56 * 1024 * 1024;
		x->tree_gpu_util_pct = util[i];
		x->tree_gpu_utilized = 1;
		x->tree_gpu_mem_kib = 512 * 1024;
	}
	fx.gpu_vals = gx_vals;
	fx.ngpu_vals = 6;
	fx.gpu_samples = gx_samples;
	fx.ngpu_samples = 3;
}

static void test_json_gpus(void **state)
{
	const char *json;

	(void)state;
	fixture_gpu();
	json = capture(F_JSON, &fx);
	assert_py(json, "[[s[k] for k in (\"system_gpu_usage\","
			"\"system_gpu_vram_mib\",\"system_gpu_utilized\","
			"\"process_gpu_usage\",\"process_gpu_vram_mib\","
			"\"process_gpu_utilized\")] for s in d[\"samples\"]]",
		  "[[0.45, 1024.0, 1, 0.4, 512.0, 1], "
		  "[0.65, 1024.0, 1, 0.6, 512.0, 1]]");
	/* (0.4 x 1.5 s + 0.6 x 0.5 s) / 2 s */
	assert_py(json, "[d[\"summary\"][k] for k in (\"gpu_usage_mean\","
			"\"gpu_usage_max\",\"gpu_vram_mib_max\")]",
		  "[0.45, 0.6, 512.0]");
	assert_py(json, "[d[\"recommendation\"][k] for k in (\"gpus\","
			"\"vram_mib\")]", "[1, 1024]");
	assert_py(json, "[[g[k] for k in (\"index\",\"source\",\"name\","
			"\"id\",\"mig\",\"process_utilization\","
			"\"memory_total_mib\",\"utilization_pct_max\","
			"\"power_w_max\",\"process_vram_mib_max\")] "
			"for g in d[\"gpus\"]]",
		  "[[0, \"nvml\", \"Tesla T4\", \"GPU-a\", false, true, "
		  "16384.0, 65.0, 72.0, 512.0], "
		  "[1, \"nvml\", \"A100\", \"GPU-b\", true, false, 40960.0, "
		  "null, null, 0.0]]");
	assert_py(json, "[len(g[\"samples\"]) for g in d[\"gpus\"]]",
		  "[3, 3]");
	assert_py(json, "d[\"gpus\"][0][\"samples\"][2]",
		  "{\"timestamp\": 1700000003.0, \"utilization_pct\": 65, "
		  "\"memory_used_mib\": 1024.0, \"power_w\": 72.0, "
		  "\"temperature_c\": 50, \"sm_clock_mhz\": 1590, "
		  "\"process_utilization_pct\": 60, "
		  "\"process_vram_mib\": 512.0, \"processes\": 1}");
	assert_py(json, "d[\"gpus\"][1][\"samples\"][0][\"utilization_pct\"]",
		  "null");
	assert_non_null(strstr(capture(F_SUMMARY, &fx),
			       "  GPU        mean 0.45 GPUs, max 0.60, VRAM max "
			       "512.0 MiB\n"));
	assert_non_null(strstr(capture(F_CSV, &fx),
			       "0.6500,1024.000,1,777,1,"));
}

static void test_json_one_sample_no_end(void **state)
{
	const char *json;

	(void)state;
	fx.nsamples = 1;
	fx.has_end = 0;
	fx.nprocs = 0;
	json = capture(F_JSON, &fx);
	assert_py(json, "[d[\"meta\"][k] for k in (\"end_time\",\"exit_code\","
			"\"complete\")]",
		  "[1700000001.0, null, false]");
	/* The root alone, made from the header: nothing known of it yet. */
	assert_py(json, "[d[\"samples\"], [(p[\"pid\"], p[\"root\"], "
			"p[\"exact\"], p[\"cpu_seconds\"]) "
			"for p in d[\"processes\"]]]",
		  "[[], [[777, true, false, 0.0]]]");
	assert_py(json, "[d[\"summary\"][k] for k in (\"samples\","
			"\"duration_s\",\"cpu_usage_mean\",\"cpu_usage_max\","
			"\"disk_read_bytes\",\"net_sent_bytes\","
			"\"memory_mib_max\","
			"\"tracker_cpu_seconds\")]",
		  "[1, 1.0, null, null, null, null, 1.0, 0.0]");
	assert_py(json, "d[\"recommendation\"][\"cores\"]", "1");
}

static void test_json_empty_log(void **state)
{
	const char *json;

	(void)state;
	fx.nsamples = 0;
	fx.has_end = 0;
	fx.nprocs = 0;
	json = capture(F_JSON, &fx);
	assert_py(json, "[d[\"meta\"][\"end_time\"], "
			"d[\"summary\"][\"duration_s\"], "
			"d[\"summary\"][\"peak_rss_mib\"], "
			"d[\"summary\"][\"samples\"]]",
		  "[null, null, null, 0]");
}

static void test_json_damaged_and_signal(void **state)
{
	const char *json;

	(void)state;
	fx.damaged = 1;
	fx.damage_offset = 1234;
	strcpy(fx.damage, "bad \"checksum\"");
	fx.end.exit_kind = RT_EXIT_SIGNAL;
	fx.end.exit_value = 9;
	json = capture(F_JSON, &fx);
	assert_py(json, "[d[\"meta\"][k] for k in (\"exit_code\",\"complete\","
			"\"exit_signal\",\"damage\")]",
		  "[null, false, 9, {\"offset\": 1234, \"reason\": "
		  "\"bad \\\"checksum\\\"\", \"ranges\": [], "
		  "\"unchained_sample_records\": 0}]");
	fx.damaged = 0;
	fx.end.exit_kind = RT_EXIT_UNKNOWN;
	json = capture(F_JSON, &fx);
	assert_py(json, "[d[\"meta\"][k] for k in (\"exit_code\",\"complete\","
			"\"exit_signal\")]",
		  "[null, true, null]");
}

static void test_json_escaping(void **state)
{
	const char *json;

	(void)state;
	strcpy(fx.hdr.cmdline, hostile);
	strcpy(fx_procs[0].cmdline, hostile);
	strcpy(fx.hdr.host, "tab\there");
	json = capture(F_JSON, &fx);
	assert_non_null(strstr(json, hostile_json));
	assert_py(json, "d[\"meta\"][\"cmdline\"]", hostile_ascii);
	assert_py(json, "d[\"processes\"][1][\"cmdline\"]", hostile_ascii);
	assert_py(json, "d[\"meta\"][\"hostname\"]", "\"tab\\there\"");
}

/* A string field that fills its array without a NUL stops at the array. */
static void test_json_unterminated_string(void **state)
{
	char want[RT_PROC_CMDLINE_MAX + 3];
	const char *json;

	(void)state;
	memset(fx_procs[0].cmdline, 'a', sizeof fx_procs[0].cmdline);
	json = capture(F_JSON, &fx);
	want[0] = '"';
	memset(want + 1, 'a', RT_PROC_CMDLINE_MAX);
	strcpy(want + 1 + RT_PROC_CMDLINE_MAX, "\"");
	assert_py(json, "len(d[\"processes\"][1][\"cmdline\"])", "512");
	assert_non_null(strstr(json, want));
}

/* ---- processes ---- */

/* The tree: 779 under 778 under the root, the daemon under the root; the
 * root's figures from its end record, the rest as sampled ('~'). */
static void test_processes_tree(void **state)
{
	static const char want[] =
		"     PID    START     TIME      CPU       PEAK       READ"
		"      WRITE   EXIT  COMMAND\n"
		"     777    +0 ms    3.2 s    1.0 s    2.0 MiB        0 B"
		"        0 B      0  train --epochs 3\n"
		"     778   +1.2 s    1.3 s   150 ms    2.9 MiB      100 B"
		"      200 B      3 ~  sleep 1\n"
		"     779   +2.0 s    1.0 s     0 ms    5.0 MiB        0 B"
		"        0 B   sig9 ~    killed\n"
		"     780   +2.5 s   500 ms     0 ms  100.0 KiB        0 B"
		"        0 B  alive ~  daemon\n"
		"~ as last sampled: no exit record (static, setuid, killed, or "
		"still running)\n";
	const char *text;

	(void)state;
	text = capture(F_PROCESSES, &fx);
	assert_string_equal(text, want);
	/* A hostile command line is shown inert. */
	strcpy(fx_procs[0].cmdline, hostile);
	text = capture(F_PROCESSES, &fx);
	assert_null(strchr(text, '\x1b'));
	assert_null(strchr(text, '\r'));
}

/* A child forked within the root's first tick whose recorded start_ns
 * reads before the root's (two boot-time estimates): under the root all
 * the same, placed by pid and ppid, not printed above it unindented. */
static void test_processes_child_first(void **state)
{
	struct rt_proc procs[2] = {
		{ .pid = 777, .ppid = 1, .start_ns = S(T0) + 3000000,
		  .starttime_ticks = 4200, .last_seen_ns = S(T0 + 3),
		  .flags = RT_PROC_ALIVE_AT_END, .cmdline = "sh -c cd" },
		{ .pid = 778, .ppid = 777, .start_ns = S(T0),
		  .starttime_ticks = 4200, .last_seen_ns = S(T0 + 0.5),
		  .flags = RT_PROC_EXITED, .cmdline = "dirname ./run.sh" },
	};
	struct rt_log log = fx;
	const char *text, *root;

	(void)state;
	log.procs = procs;
	log.nprocs = 2;
	text = capture(F_PROCESSES, &log);
	root = strstr(text, "  sh -c cd\n");
	assert_non_null(root);
	assert_non_null(strstr(root, "~  dirname ./run.sh\n"));
}

/* ---- summary ---- */

static const char summary_text[] =
	"rtrack summary\n"
	"  log        run.bin\n"
	"  command    train --epochs 3\n"
	"  host       node17, Linux 6.1.0 x86_64, 16 CPUs\n"
	"  pid        777\n"
	"  started    2023-11-14T22:13:20Z\n"
	"  duration   3.2 s\n"
	"  exit       exit code 0\n"
	"  CPU        1.5 s, mean 0.76 cores, max 1.02 cores\n"
	"             \u2588\u2581\n"
	"  memory     PSS mean 1.8 MiB, max 2.5 MiB; true peak RSS 5.0 MiB\n"
	"             \u2588\u2585\n"
	"  disk       read 4.0 KiB, written 123 B\n"
	"  network    received 1000 B, sent 10 B (whole system)\n"
	"  GPU        not sampled (no GPU found)\n"
	"  samples    3 every 1.0 s, so 2 intervals: the csv and json rows\n"
	"  processes  4 seen, 1 with an exit record, 3 seen only by sampling\n"
	"  top CPU         1.0 s  train --epochs 3\n"
	"                 150 ms  sleep 1\n"
	"                   0 ms  killed\n"
	"                   0 ms  daemon\n"
	"  top memory    5.0 MiB  killed\n"
	"                2.9 MiB  sleep 1\n"
	"                2.0 MiB  train --epochs 3\n"
	"              100.0 KiB  daemon\n"
	"  tracker    2 ms CPU, 0.13% of the host's CPU time\n"
	"  recommend  1 core, 128 MiB memory, no GPU\n"
	"             memory: peak 5.0 MiB + 20%; at most 10.0 MiB (every peak "
	"at once)\n"
	"             slurm --cpus-per-task=1 --mem=128M --time=0:01:00\n"
	"  verdict    waiting: the cores it used were busy only 75% of the time "
	"(sleep,\n"
	"             network, waiting on others): more than 1 core would not make "
	"it\n"
	"             faster\n";

/* Longest line in columns (UTF-8 continuation bytes take none). */
static size_t max_columns(const char *s)
{
	size_t max = 0, cols = 0;

	for (; *s; s++) {
		if (*s == '\n') {
			cols = 0;
			continue;
		}
		if (((unsigned char)*s & 0xC0) != 0x80 && ++cols > max)
			max = cols;
	}
	return max;
}

static void test_summary_exact(void **state)
{
	(void)state;
	assert_string_equal(capture(F_SUMMARY, &fx), summary_text);
}

/* A process seen only by sampling that ended with no record, no reap and
 * no zombie seen (a static program, `timeout -s KILL`'s victim reaped by
 * init): its CPU after its last sample is nowhere, and the CPU line says
 * the total is a lower bound (3 such timeouts read 16 ms of 1.5 s). */
static void test_summary_cpu_lower_bound(void **state)
{
	const char *text;

	(void)state;
	fx_procs[0].flags = 0; /* "sleep 1": its exit not seen */
	text = capture(F_SUMMARY, &fx);
	assert_non_null(strstr(text, "max 1.02 cores\n             at least: "
				     "1 process ended unseen, counted as last "
				     "sampled\n"));
	fx_procs[0].flags = RT_PROC_ALIVE_AT_END; /* still running: no */
	text = capture(F_SUMMARY, &fx);
	assert_null(strstr(text, "at least"));
}

static void test_summary_no_end_damaged_rss(void **state)
{
	const char *text;

	(void)state;
	fx.has_end = 0;
	fx.damaged = 1;
	fx.damage_offset = 4321;
	strcpy(fx.damage, "record checksum mismatch\n\x1b[2J");
	fx.hdr.mem_mode = RT_MEM_RSS;
	text = capture(F_SUMMARY, &fx);
	assert_non_null(strstr(text,
		"\n  exit       not known: no end record, but the damage may "
		"hide one;\n"
		"             last sample at 2023-11-14T22:13:23Z\n"
		"  damage     log damaged at offset 4321: record checksum "
		"mismatch??[2J\n"));
	assert_non_null(strstr(text, "\n  duration   3.0 s\n"));
	assert_non_null(strstr(text, "\n  memory     RSS mean 1.8 MiB,"));
	assert_non_null(strstr(text, "\n  CPU        1.5 s, mean 0.76 cores,"));
	assert_null(strchr(text, '\x1b'));
	assert_true(max_columns(text) <= 80);
	/* A torn tail is where a killed writer stopped: nothing after it. */
	fx.damage_tail = 1;
	text = capture(F_SUMMARY, &fx);
	assert_non_null(strstr(text,
		"\n  exit       no end record (killed or crashed);\n"));
	/* Stopped for memory: the rest of the file was not read. */
	fx.damage_tail = 0;
	fx.damage_memory = 1;
	strcpy(fx.damage, "decoding the rest needs more memory");
	text = capture(F_SUMMARY, &fx);
	assert_non_null(strstr(text,
		"\n  exit       not known: the log was not read to its end;\n"));
	assert_non_null(strstr(text, "\n  damage     log not read past offset "
				     "4321: decoding the rest"));
	{
		struct run run = { .log = fx };
		char *buf = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&buf, &len);

		assert_non_null(out);
		assert_int_equal(dump_check(out, &run, "run.bin"), 1);
		assert_int_equal(fclose(out), 0);
		assert_non_null(strstr(buf, "run.bin: INCOMPLETE: "));
		assert_non_null(strstr(buf, "; not read past offset 4321: "));
		free(buf);
	}
}

static void test_summary_one_sample(void **state)
{
	const char *text;

	(void)state;
	fx.nsamples = 1;
	fx.has_end = 0;
	fx.nprocs = 0;
	text = capture(F_SUMMARY, &fx);
	assert_non_null(strstr(text, "\n  CPU        0 ms, mean n/a cores, "
				     "max n/a cores\n"));
	assert_non_null(strstr(text, "\n  disk       read n/a, written n/a\n"));
	assert_non_null(strstr(text, "\n  samples    1 every 1.0 s, so 0 "
				     "intervals: the csv and json rows\n"));
	assert_non_null(strstr(text, "\n  tracker    0 ms CPU\n"));
	assert_non_null(strstr(text, "last sample at 2023-11-14T22:13:21Z\n"));
}

static void test_summary_hostile_and_long(void **state)
{
	char want[128];
	const char *text;

	(void)state;
	strcpy(fx.hdr.cmdline, hostile);
	text = capture(F_SUMMARY, &fx);
	snprintf(want, sizeof want, "\n  command    %s\n", hostile_text);
	assert_non_null(strstr(text, want));
	memset(fx.hdr.cmdline, 'x', 200);
	fx.hdr.cmdline[200] = '\0';
	memset(fx.hdr.host, 'h', sizeof fx.hdr.host); /* no NUL at all */
	text = capture(F_SUMMARY, &fx);
	memset(want, 0, sizeof want);
	strcpy(want, "\n  command    ");
	memset(want + strlen(want), 'x', 64);
	strcat(want, "...\n");
	assert_non_null(strstr(text, want));
	assert_int_equal(max_columns(text), 80);
}

/* ---- errors ---- */

static void test_write_error(void **state)
{
	struct run run = { .log = fx };
	FILE *full = fopen("/dev/full", "w");

	(void)state;
	if (!full)
		skip();
	errno = 0;
	assert_int_equal(dump_csv(full, &run, "x"), -1);
	assert_int_equal(errno, ENOSPC);
	clearerr(full);
	errno = 0;
	assert_int_equal(dump_json(full, &run, "x"), -1);
	assert_int_equal(errno, ENOSPC);
	clearerr(full);
	errno = 0;
	assert_int_equal(dump_summary(full, &run, "x"), -1);
	assert_int_equal(errno, ENOSPC);
	fclose(full);
}

/* ---- fmt ---- */

static const char *real(double x, int decimals)
{
	static char buf[FMT_NUM_MAX];

	fmt_real(buf, x, decimals);
	return buf;
}

static void test_fmt_real(void **state)
{
	char buf[FMT_NUM_MAX];
	size_t len;

	(void)state;
	assert_string_equal(real(1700000002.5, 3), "1700000002.500");
	assert_string_equal(real(0.03, 6), "0.030000");
	assert_string_equal(real(2.5, 0), "3");
	assert_string_equal(real(-1.25, 1), "-1.3");
	assert_string_equal(real(-0.0001, 3), "0.000"); /* no "-0.000" */
	assert_string_equal(real(-0.0, 2), "0.00");
	assert_string_equal(real(4003.90625, 3), "4003.906");
	assert_string_equal(real(1e20, 2), "100000000000000000000.00");
	assert_int_equal(fmt_real(buf, NAN, 3), 0);
	assert_string_equal(buf, "");
	assert_int_equal(fmt_real(buf, -INFINITY, 3), 0);
	assert_int_equal(fmt_real(buf, 12.5, 2), 5);
	len = fmt_real(buf, 1e308, 9);
	assert_int_equal(len, strlen(buf));
	assert_int_equal(len, 309 + 10);
	assert_string_equal(buf + strlen(buf) - 10, ".000000000");
	assert_int_equal(fmt_u64(buf, UINT64_MAX), 20);
	assert_string_equal(buf, "18446744073709551615");
}

static void test_fmt_json_real_null(void **state)
{
	char *s = NULL;
	size_t len;
	FILE *f = open_memstream(&s, &len);

	(void)state;
	fmt_json_real(f, NAN, 3);
	putc(' ', f);
	fmt_json_real(f, INFINITY, 3);
	putc(' ', f);
	fmt_json_real(f, 0.5, 1);
	fclose(f);
	assert_string_equal(s, "null null 0.5");
	free(s);
}

/* No locale can turn the decimal point into a comma. */
static void test_fmt_locale(void **state)
{
	static const char *const locales[] = {"de_DE.UTF-8", "de_DE.utf8",
					      "fr_FR.UTF-8", "fr_FR.utf8"};
	const char *got = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof locales / sizeof locales[0] && !got; i++)
		got = setlocale(LC_ALL, locales[i]);
	if (!got)
		skip();
	assert_string_equal(real(1.5, 3), "1.500");
	assert_non_null(strstr(capture(F_CSV, &fx), csv_row1));
	setlocale(LC_ALL, "C");
}

static void test_fmt_utf8_len(void **state)
{
	static const struct {
		const char *s;
		size_t n, want;
	} cases[] = {
		{"a", 1, 1},         {"\xc3\xa9", 2, 2},
		{"\xc3\xa9", 1, 0},  {"\xc3(", 2, 0},
		{"\xc1\xbf", 2, 0},  {"\x80", 1, 0},
		{"\xe0\x9f\x80", 3, 0}, {"\xe0\xa0\x80", 3, 3},
		{"\xed\x9f\xbf", 3, 3}, {"\xed\xa0\x80", 3, 0},
		{"\xf0\x8f\xbf\xbf", 4, 0}, {"\xf0\x90\x80\x80", 4, 4},
		{"\xf4\x8f\xbf\xbf", 4, 4}, {"\xf4\x90\x80\x80", 4, 0},
		{"\xf5\x80\x80\x80", 4, 0}, {"\xf0\x9f\x98", 3, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t got = fmt_utf8_len((const unsigned char *)cases[i].s,
					  cases[i].n);
		if (got != cases[i].want)
			fail_msg("case %zu: %zu, expected %zu", i, got,
				 cases[i].want);
	}
}

static void test_fmt_human(void **state)
{
	static const struct {
		double v;
		const char *bytes, *secs;
	} cases[] = {
		{0, "0 B", "0 ms"},
		{0.85, "1 B", "850 ms"},
		{12.34, "12 B", "12.3 s"},
		{65, "65 B", "1 min 05 s"},
		{1023, "1023 B", "17 min 03 s"},
		{1024, "1.0 KiB", "17 min 04 s"},
		{1536 * 1024, "1.5 MiB", "436 h 54 min"},
		{7170, "7.0 KiB", "2 h 00 min"},
		{7380, "7.2 KiB", "2 h 03 min"},
		{1048575, "1.0 MiB", "291 h 16 min"},
		{3.0 * (1ull << 30), "3.0 GiB", "894784 h 51 min"},
		{NAN, "n/a", "n/a"},
	};
	char buf[FMT_HUMAN_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fmt_bytes(buf, cases[i].v);
		assert_string_equal(buf, cases[i].bytes);
		fmt_seconds(buf, cases[i].v);
		assert_string_equal(buf, cases[i].secs);
	}
}

static void test_fmt_utc(void **state)
{
	char buf[FMT_TIME_MAX];

	(void)state;
	fmt_utc(buf, S(T0) + 999999999);
	assert_string_equal(buf, "2023-11-14T22:13:20Z");
	fmt_utc(buf, 0);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
}

#define T(f) cmocka_unit_test_setup_teardown(f, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_csv_exact),
		T(test_csv_header_matches_table),
		T(test_csv_one_sample),
		T(test_csv_all_missing),
		T(test_json_key_order),
		T(test_json_sample_keys),
		T(test_json_meta),
		T(test_json_summary_values),
		T(test_json_samples_match_csv),
		T(test_json_processes),
		T(test_json_gpus),
		T(test_json_one_sample_no_end),
		T(test_json_empty_log),
		T(test_json_damaged_and_signal),
		T(test_json_escaping),
		T(test_json_unterminated_string),
		T(test_processes_tree),
		T(test_processes_child_first),
		T(test_summary_exact),
		T(test_summary_cpu_lower_bound),
		T(test_summary_no_end_damaged_rss),
		T(test_summary_one_sample),
		T(test_summary_hostile_and_long),
		T(test_write_error),
		T(test_fmt_real),
		T(test_fmt_json_real_null),
		T(test_fmt_locale),
		T(test_fmt_utf8_len),
		T(test_fmt_human),
		T(test_fmt_utc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
