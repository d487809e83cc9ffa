/* test_stats.c - unit tests of lib/model/stats.c: rows, summary and the
 * sizes to ask for, computed from hand-built logs, checked against values
 * worked out by hand (the recommendation itself: test_advice.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "near.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "stats.h"

#define T0 1700000000ull /* start of every fixture run, unix seconds */
#define S(sec) ((uint64_t)((sec) * 1e9 + 0.5)) /* seconds -> ns */

#define assert_present(row, col) \
	assert_true((row).present & STATS_BIT(STATS_C_##col))
#define assert_absent(row, col) \
	assert_false((row).present & STATS_BIT(STATS_C_##col))
#define sum_present(s, key) (((s).present & STATS_BIT(STATS_S_##key)) != 0)

/* Three samples 2 s and then 0.5 s apart; worked-out rows in the tests.
 * From sample 1 to 2 the tree's read bytes and the system's received bytes
 * go down (a process left the tree, a counter wrapped): both must give 0. */
static struct rt_sample fx_samples[3];
static struct rt_proc fx_procs[2];
static struct rt_log fx;
static struct run fx_run; /* fx and its process table (fx_job) */

static void fixture_samples(void)
{
	static const struct rt_sample s[3] = {
		{.time_ns = S(T0 + 1), .tree_procs = 1, .tree_utime_ticks = 100,
		 .tree_stime_ticks = 50, .tree_mem_kib = 102400,
		 .tree_rss_kib = 110000, .tree_hwm_max_kib = 150000,
		 .tree_read_bytes = 1000, .tree_write_bytes = 2000,
		 .tracker_cpu_ns = 1000000, .sys_procs = 300,
		 .sys_user_ticks = 10000, .sys_system_ticks = 5000,
		 .sys_mem_total_kib = 16777216, .sys_mem_free_kib = 8388608,
		 .sys_mem_available_kib = 12582912, .sys_mem_buffers_kib = 1024,
		 .sys_mem_cached_kib = 2048, .sys_mem_active_kib = 4096,
		 .sys_mem_inactive_kib = 512, .sys_disk_read_bytes = 1000000,
		 .sys_disk_write_bytes = 2000000,
		 .sys_space_total_bytes = 500000000000,
		 .sys_space_used_bytes = 200000000000,
		 .sys_space_free_bytes = 300000000000,
		 .sys_net_recv_bytes = 5000, .sys_net_sent_bytes = 3000},
		{.time_ns = S(T0 + 3), .tree_procs = 3, .tree_utime_ticks = 250,
		 .tree_stime_ticks = 100, .tree_mem_kib = 204800,
		 .tree_rss_kib = 220000, .tree_hwm_max_kib = 250000,
		 .tree_read_bytes = 5096, .tree_write_bytes = 10192,
		 .tracker_cpu_ns = 3000000, .sys_procs = 310,
		 .sys_user_ticks = 10400, .sys_system_ticks = 5200,
		 .sys_mem_total_kib = 16777216, .sys_mem_free_kib = 8000000,
		 .sys_mem_available_kib = 12000000, .sys_mem_buffers_kib = 2048,
		 .sys_mem_cached_kib = 4096, .sys_mem_active_kib = 8192,
		 .sys_mem_inactive_kib = 1024, .sys_disk_read_bytes = 1512000,
		 .sys_disk_write_bytes = 3024000,
		 .sys_space_total_bytes = 500000000000,
		 .sys_space_used_bytes = 210000000000,
		 .sys_space_free_bytes = 290000000000,
		 .sys_net_recv_bytes = 6500, .sys_net_sent_bytes = 3700},
		{.time_ns = S(T0 + 3.5), .tree_procs = 2,
		 .tree_utime_ticks = 275, .tree_stime_ticks = 100,
		 .tree_mem_kib = 153600, .tree_rss_kib = 160000,
		 .tree_hwm_max_kib = 200000, .tree_read_bytes = 4000,
		 .tree_write_bytes = 10292, .tracker_cpu_ns = 4000000,
		 .sys_procs = 305, .sys_user_ticks = 10450,
		 .sys_system_ticks = 5250, .sys_mem_total_kib = 16777216,
		 .sys_mem_free_kib = 7000000, .sys_mem_available_kib = 11000000,
		 .sys_mem_buffers_kib = 2048, .sys_mem_cached_kib = 4096,
		 .sys_mem_active_kib = 8192, .sys_mem_inactive_kib = 1024,
		 .sys_disk_read_bytes = 1512000,
		 .sys_disk_write_bytes = 3024512,
		 .sys_space_total_bytes = 500000000000,
		 .sys_space_used_bytes = 210000000000,
		 .sys_space_free_bytes = 290000000000,
		 .sys_net_recv_bytes = 100, .sys_net_sent_bytes = 3700},
	};
	memcpy(fx_samples, s, sizeof s);
	/* Two GPUs: the tree uses one at 50% then both fully. */
	for (size_t i = 0; i < 3; i++) {
		struct rt_sample *x = &fx_samples[i];
		x->gpu_count = 2;
		x->sys_gpu_util_pct = i == 0 ? 20 : i == 1 ? 70 : 200;
		x->sys_gpu_utilized = i == 2 ? 2 : 1;
		x->sys_gpu_mem_used_kib = (i + 1) * 1048576;
		x->sys_gpu_mem_total_kib = 2 * 16777216;
		x->tree_gpu_util_pct = i == 0 ? 0 : i == 1 ? 50 : 200;
		x->tree_gpu_utilized = i == 0 ? 0 : i == 1 ? 1 : 2;
		x->tree_gpu_mem_kib = i * 1048576;
	}
	/* A 1.0 log: no seen_* counters (the 1.1 tests add them). */
	for (size_t i = 0; i < 3; i++) {
		sample_set_missing(&fx_samples[i], RT_F_seen_utime_ticks);
		sample_set_missing(&fx_samples[i], RT_F_seen_stime_ticks);
	}
}

static void fixture_procs(void)
{
	memset(fx_procs, 0, sizeof fx_procs);
	fx_procs[0] = (struct rt_proc){.pid = 4243, .ppid = 4242,
				       .hwm_kib = 300000,
				       .flags = RT_PROC_EXITED};
	fx_procs[1] = (struct rt_proc){.pid = 4244, .ppid = 4242,
				       .hwm_kib = 1000,
				       .flags = RT_PROC_ALIVE_AT_END};
}

/* The reader builds the process table (run.c); the fixture is made by
 * hand and changed by each test, so it is built again before every use. */
static void fx_job(void)
{
	job_free(&fx_run.job);
	fx_run.log = fx;
	assert_int_equal(job_build(&fx_run.log, &fx_run.job), 0);
}

static void summarize(struct stats_summary *s)
{
	fx_job();
	stats_summarize(&fx_run, s);
}

static void row(size_t i, struct stats_row *r)
{
	fx_job();
	stats_row(&fx_run, i, r);
}

/* fx: the three samples, two processes and an end record at T0 + 4. */
static int fixture_setup(void **state)
{
	(void)state;
	fixture_samples();
	fixture_procs();
	memset(&fx, 0, sizeof fx);
	fx.hdr.clk_tck = 100;
	fx.hdr.pid = 4242;
	fx.hdr.start_ns = S(T0);
	fx.hdr.interval_ns = S(1);
	fx.samples = fx_samples;
	fx.nsamples = 3;
	fx.procs = fx_procs;
	fx.nprocs = 2;
	fx.has_end = 1;
	fx.end = (struct rt_end){
		.time_ns = S(T0 + 4), .exit_kind = RT_EXIT_CODE,
		.self_utime_us = 2000000, .self_stime_us = 500000,
		.children_utime_us = 1000000, .children_stime_us = 250000,
		.self_maxrss_kib = 100000, .children_maxrss_kib = 280000,
		.tracker_cpu_ns = 5000000, .samples = 3,
	};
	return 0;
}

static int fixture_teardown(void **state)
{
	(void)state;
	job_free(&fx_run.job);
	return 0;
}

static void test_nrows(void **state)
{
	(void)state;
	assert_int_equal(stats_nrows(&fx), 2);
	fx.nsamples = 1;
	assert_int_equal(stats_nrows(&fx), 0);
	fx.nsamples = 0;
	assert_int_equal(stats_nrows(&fx), 0);
}

static void test_row_first_interval(void **state)
{
	struct stats_row r;

	(void)state;
	row(0, &r);
	assert_true(r.present == STATS_BIT(STATS_ROW_NFIELDS) - 1);
	assert_near(r.timestamp, 1700000003.0);
	assert_int_equal(r.system_processes, 310);
	assert_near(r.system_utime, 4.0);  /* 400 ticks / 100 */
	assert_near(r.system_stime, 2.0);  /* 200 ticks / 100 */
	assert_near(r.system_cpu_usage, 3.0); /* 600 / 100 / 2 s */
	assert_near(r.system_memory_free_mib, 7812.5);
	/* (16777216 - 12000000) / 1024 */
	assert_near(r.system_memory_used_mib, 4665.25);
	assert_near(r.system_memory_buffers_mib, 2.0);
	assert_near(r.system_memory_cached_mib, 4.0);
	assert_near(r.system_memory_active_mib, 8.0);
	assert_near(r.system_memory_inactive_mib, 1.0);
	assert_int_equal(r.system_disk_read_bytes, 512000);
	assert_int_equal(r.system_disk_write_bytes, 1024000);
	assert_near(r.system_disk_space_total_gb, 500.0);
	assert_near(r.system_disk_space_used_gb, 210.0);
	assert_near(r.system_disk_space_free_gb, 290.0);
	assert_int_equal(r.system_net_recv_bytes, 1500);
	assert_int_equal(r.system_net_sent_bytes, 700);
	assert_int_equal(r.process_pid, 4242);
	assert_int_equal(r.process_children, 2);
	assert_near(r.process_utime, 1.5);
	assert_near(r.process_stime, 0.5);
	assert_near(r.process_cpu_usage, 1.0); /* 200 / 100 / 2 s */
	assert_near(r.process_memory_mib, 200.0);
	assert_int_equal(r.process_disk_read_bytes, 4096);
	assert_int_equal(r.process_disk_write_bytes, 8192);
}

static void test_row_second_interval(void **state)
{
	struct stats_row r;

	(void)state;
	row(1, &r);
	assert_true(r.present == STATS_BIT(STATS_ROW_NFIELDS) - 1);
	assert_near(r.timestamp, 1700000003.5);
	assert_int_equal(r.system_processes, 305);
	assert_near(r.system_utime, 0.5);
	assert_near(r.system_stime, 0.5);
	assert_near(r.system_cpu_usage, 2.0); /* 100 / 100 / 0.5 s */
	assert_near(r.system_memory_used_mib, (16777216.0 - 11000000) / 1024);
	assert_int_equal(r.system_disk_read_bytes, 0);
	assert_int_equal(r.system_disk_write_bytes, 512);
	assert_int_equal(r.system_net_recv_bytes, 0); /* went down */
	assert_int_equal(r.system_net_sent_bytes, 0);
	assert_int_equal(r.process_children, 1);
	assert_near(r.process_utime, 0.25);
	assert_near(r.process_stime, 0.0);
	assert_near(r.process_cpu_usage, 0.5); /* 25 / 100 / 0.5 s */
	assert_near(r.process_memory_mib, 150.0);
	assert_int_equal(r.process_disk_read_bytes, 0); /* went down */
	assert_int_equal(r.process_disk_write_bytes, 100);
}

/* The GPU columns: the interval's closing sample, percent / 100 in GPUs,
 * KiB in MiB. */
static void test_row_gpu(void **state)
{
	struct stats_row r;

	(void)state;
	memset(&r, 0xff, sizeof r);
	row(0, &r);
	assert_near(r.system_gpu_usage, 0.7);
	assert_near(r.system_gpu_vram_mib, 2048);
	assert_int_equal(r.system_gpu_utilized, 1);
	assert_near(r.process_gpu_usage, 0.5);
	assert_near(r.process_gpu_vram_mib, 1024);
	assert_int_equal(r.process_gpu_utilized, 1);
	row(1, &r);
	assert_near(r.system_gpu_usage, 2.0);
	assert_near(r.process_gpu_usage, 2.0);
	assert_int_equal(r.process_gpu_utilized, 2);
}

/* No GPU (or a log before 1.2): the columns are unavailable, never 0;
 * the tree's share unknown alone leaves the system's. */
static void test_row_gpu_missing(void **state)
{
	struct stats_summary s;
	struct stats_row r;

	(void)state;
	for (unsigned f = RT_F_gpu_count; f < RT_SAMPLE_NFIELDS; f++)
		sample_set_missing(&fx_samples[1], (enum rt_field)f);
	row(0, &r);
	assert_absent(r, system_gpu_usage);
	assert_absent(r, system_gpu_vram_mib);
	assert_absent(r, system_gpu_utilized);
	assert_absent(r, process_gpu_usage);
	assert_absent(r, process_gpu_vram_mib);
	assert_absent(r, process_gpu_utilized);
	sample_set_missing(&fx_samples[2], RT_F_tree_gpu_util_pct);
	sample_set_missing(&fx_samples[2], RT_F_tree_gpu_utilized);
	row(1, &r);
	assert_present(r, system_gpu_usage);
	assert_present(r, process_gpu_vram_mib);
	assert_absent(r, process_gpu_usage);
	assert_absent(r, process_gpu_utilized);
	summarize(&s);
	assert_false(sum_present(s, gpu_usage_mean));
	assert_false(sum_present(s, gpu_usage_max));
	assert_true(sum_present(s, gpu_vram_mib_max));
	assert_near(s.gpu_vram_mib_max, 2048);
}

/* A counter far below its previous value: 0, not a wrapped 2^64 - x. */
static void test_row_saturates(void **state)
{
	struct stats_row r;

	(void)state;
	fx_samples[0].tree_utime_ticks = UINT64_MAX - 5;
	fx_samples[0].sys_disk_write_bytes = UINT64_MAX;
	fx_samples[1].tree_procs = 0;
	fx_samples[1].sys_mem_available_kib = 20000000; /* > total */
	row(0, &r);
	assert_near(r.process_utime, 0.0);
	assert_near(r.process_cpu_usage, 0.25); /* 50 stime ticks / 2 s */
	assert_int_equal(r.system_disk_write_bytes, 0);
	assert_int_equal(r.process_children, 0);
	assert_near(r.system_memory_used_mib, 0.0);
}

static void test_row_missing_in_cur(void **state)
{
	struct stats_row r;

	(void)state;
	sample_set_missing(&fx_samples[1], RT_F_sys_mem_available_kib);
	sample_set_missing(&fx_samples[1], RT_F_tree_mem_kib);
	sample_set_missing(&fx_samples[1], RT_F_sys_space_used_bytes);
	sample_set_missing(&fx_samples[1], RT_F_tree_procs);
	row(0, &r);
	assert_absent(r, system_memory_used_mib);
	assert_absent(r, process_memory_mib);
	assert_absent(r, system_disk_space_used_gb);
	assert_absent(r, process_children);
	assert_present(r, system_memory_free_mib);
	assert_present(r, system_disk_space_free_gb);
	assert_present(r, process_pid);
	assert_int_equal(__builtin_popcountll(r.present),
			 STATS_ROW_NFIELDS - 4);
}

/* A delta needs its field in both samples; usage needs both fields. */
static void test_row_missing_in_prev(void **state)
{
	struct stats_row r;

	(void)state;
	sample_set_missing(&fx_samples[0], RT_F_tree_utime_ticks);
	sample_set_missing(&fx_samples[0], RT_F_sys_net_recv_bytes);
	row(0, &r);
	assert_absent(r, process_utime);
	assert_absent(r, process_cpu_usage);
	assert_absent(r, system_net_recv_bytes);
	assert_present(r, process_stime);
	assert_present(r, system_net_sent_bytes);
	assert_near(r.process_stime, 0.5);
	assert_int_equal(__builtin_popcountll(r.present),
			 STATS_ROW_NFIELDS - 3);
}

static void test_row_missing_time(void **state)
{
	struct stats_row r;

	(void)state;
	sample_set_missing(&fx_samples[1], RT_F_time_ns);
	row(0, &r);
	assert_absent(r, timestamp);
	assert_absent(r, system_cpu_usage);
	assert_absent(r, process_cpu_usage);
	assert_present(r, process_utime); /* ticks need no clock */
	assert_near(r.process_utime, 1.5);
}

static void test_row_time_not_advancing(void **state)
{
	struct stats_row r;

	(void)state;
	fx_samples[1].time_ns = fx_samples[0].time_ns;
	row(0, &r);
	assert_present(r, process_cpu_usage);
	assert_near(r.process_cpu_usage, 0.0);
	assert_near(r.system_cpu_usage, 0.0);
	assert_near(r.process_utime, 1.5);
	fx_samples[1].time_ns = fx_samples[0].time_ns - S(1);
	row(0, &r);
	assert_near(r.process_cpu_usage, 0.0);
	assert_near(r.system_cpu_usage, 0.0);
}

static void test_row_clk_zero_means_100(void **state)
{
	struct stats_row r;

	(void)state;
	fx.hdr.clk_tck = 0;
	row(0, &r);
	assert_near(r.process_utime, 1.5);
	assert_near(r.process_cpu_usage, 1.0);
	fx.hdr.clk_tck = 250;
	row(0, &r);
	assert_near(r.process_utime, 150.0 / 250);
	assert_near(r.process_cpu_usage, 200.0 / 250 / 2);
	assert_near(stats_clk_tck(&fx), 250);
}

/* One tick over a 1 ms interval would read as 10 cores: no interval can
 * use more than every CPU the machine has. */
static void test_row_usage_capped_at_ncpus(void **state)
{
	struct stats_row r;

	(void)state;
	fx.hdr.ncpus = 2;
	fx_samples[1].time_ns = fx_samples[0].time_ns + 1000000; /* 1 ms */
	fx_samples[1].tree_utime_ticks = fx_samples[0].tree_utime_ticks + 1;
	fx_samples[1].tree_stime_ticks = fx_samples[0].tree_stime_ticks;
	row(0, &r);
	assert_near(r.process_cpu_usage, 2.0);
	assert_near(r.process_utime, 0.01);
	fx.hdr.ncpus = 0; /* unknown: not capped */
	row(0, &r);
	assert_near(r.process_cpu_usage, 10.0);
}

/* A child reaped between the reading of its parent and its own is in
 * neither for one sample (a dip), then back in the parent's cutime: the
 * recovery is not new CPU.  A lasting drop hides one interval's growth. */
static void test_row_reap_dip_not_counted_twice(void **state)
{
	static const uint64_t u[] = { 1000, 400, 1000, 1030, 500, 560 };
	struct rt_sample s[6];
	struct run run;
	struct stats_row r;
	double total = 0;
	size_t i;

	(void)state;
	memset(&run, 0, sizeof(run));
	memset(s, 0, sizeof(s));
	for (i = 0; i < 6; i++) {
		s[i].time_ns = S(T0 + i);
		s[i].tree_utime_ticks = u[i];
	}
	run.log.hdr.clk_tck = 100;
	run.log.samples = s;
	run.log.nsamples = 6;
	for (i = 0; i < 5; i++) {
		stats_row(&run, i, &r);
		total += r.process_utime;
		if (i == 1)
			assert_near(r.process_utime, 0.0); /* the recovery */
	}
	/* 1000 -> 1030 is 0.3 s of real CPU; the lasting drop to 500 then
	 * hides the 60 ticks after it. */
	assert_near(total, 0.3);
}

static void test_end_ns(void **state)
{
	uint64_t ns = 7;

	(void)state;
	assert_int_equal(stats_end_ns(&fx, &ns), 0);
	assert_true(ns == S(T0 + 4));
	fx.has_end = 0;
	assert_int_equal(stats_end_ns(&fx, &ns), 0);
	assert_true(ns == S(T0 + 3.5));
	fx.nsamples = 0;
	ns = 7;
	assert_int_equal(stats_end_ns(&fx, &ns), -1);
	assert_true(ns == 7);
}

static void test_summary_complete(void **state)
{
	struct stats_summary s;

	(void)state;
	summarize(&s);
	assert_true(s.present == STATS_BIT(STATS_SUMMARY_NFIELDS) - 1);
	assert_near(s.duration_s, 4.0);
	assert_int_equal(s.samples, 3);
	assert_near(s.cpu_seconds, 3.745); /* 3.75 s rusage - 5 ms tracker */
	/* Weighted by interval length: (1.0 x 2 s + 0.5 x 0.5 s) / 2.5 s. */
	assert_near(s.cpu_usage_mean, 0.9);
	assert_near(s.cpu_usage_max, 1.0);
	/* Each sample weighs half the span to its neighbours (1, 1.25 and
	 * 0.25 s): (100 x 1 + 200 x 1.25 + 150 x 0.25) / 2.5 = 155. */
	assert_near(s.memory_mib_mean, 155.0);
	assert_near(s.memory_mib_max, 200.0);
	assert_near(s.peak_rss_mib, 300000.0 / 1024); /* fx_procs[0] */
	assert_int_equal(s.disk_read_bytes, 4096);
	assert_int_equal(s.disk_write_bytes, 8292);
	assert_int_equal(s.net_recv_bytes, 1500);
	assert_int_equal(s.net_sent_bytes, 700);
	/* Weighted by interval length: (0.5 x 2 s + 2.0 x 0.5 s) / 2.5 s. */
	assert_near(s.gpu_usage_mean, 0.8);
	assert_near(s.gpu_usage_max, 2.0);
	assert_near(s.gpu_vram_mib_max, 2048);
	assert_int_equal(s.processes_seen, 3); /* and the root */
	assert_int_equal(s.processes_exact, 1); /* the root's end record */
	assert_int_equal(s.processes_sampled_only, 2);
	assert_near(s.tracker_cpu_seconds, 0.005);
}

/* One tick in the 5 ms interval of a last sample taken right after the one
 * before (an exec's sweep, a pause) reads as 2 cores: the largest usage is
 * over spans of at least 10 ticks, the short one merged with its
 * neighbour. */
static void test_summary_max_short_interval(void **state)
{
	struct stats_summary s;
	struct stats_row r;

	(void)state;
	fx_samples[2].time_ns = S(T0 + 3.005);
	fx_samples[2].tree_utime_ticks = 251;
	row(1, &r);
	assert_true(r.process_cpu_usage > 1.99); /* the row itself says so */
	summarize(&s);
	assert_true(s.cpu_usage_max < 1.01);
	assert_true(s.cpu_usage_max > 0.99);
}

static void test_summary_without_end(void **state)
{
	struct stats_summary s;

	(void)state;
	fx.has_end = 0;
	summarize(&s);
	assert_near(s.duration_s, 3.5);           /* last sample */
	assert_near(s.cpu_seconds, 3.75);         /* (275 + 100) / 100 */
	assert_near(s.tracker_cpu_seconds, 0.004); /* last sample */
	assert_near(s.peak_rss_mib, 300000.0 / 1024);
	fx.nprocs = 0;
	summarize(&s);
	assert_near(s.peak_rss_mib, 250000.0 / 1024); /* samples' VmHWM */
}

static void test_summary_peak_from_rusage(void **state)
{
	struct stats_summary s;

	(void)state;
	fx.end.children_maxrss_kib = 400000;
	summarize(&s);
	assert_near(s.peak_rss_mib, 400000.0 / 1024);
	fx.end.self_maxrss_kib = 500000;
	summarize(&s);
	assert_near(s.peak_rss_mib, 500000.0 / 1024);
}

static void test_summary_cpu_floor(void **state)
{
	struct stats_summary s;

	(void)state;
	fx.end.tracker_cpu_ns = S(10);
	summarize(&s);
	assert_true(sum_present(s, cpu_seconds));
	assert_near(s.cpu_seconds, 0.0);
	assert_near(s.tracker_cpu_seconds, 10.0);
}

/* Unavailable values are not averaged or summed as zeros. */
static void test_summary_skips_missing(void **state)
{
	struct stats_summary s;

	(void)state;
	sample_set_missing(&fx_samples[1], RT_F_tree_mem_kib);
	sample_set_missing(&fx_samples[1], RT_F_tree_utime_ticks);
	sample_set_missing(&fx_samples[1], RT_F_tree_read_bytes);
	summarize(&s);
	assert_near(s.memory_mib_mean, 110.0); /* (100 x 1 + 150 x 0.25) / 1.25 */
	assert_near(s.memory_mib_max, 150.0);
	assert_false(sum_present(s, cpu_usage_mean)); /* no row has both */
	assert_false(sum_present(s, cpu_usage_max));
	assert_false(sum_present(s, disk_read_bytes));
	assert_int_equal(s.disk_write_bytes, 8292);
}

static void test_summary_one_sample(void **state)
{
	struct stats_summary s;

	(void)state;
	fx.nsamples = 1;
	fx.has_end = 0;
	fx.nprocs = 0;
	summarize(&s);
	assert_int_equal(stats_nrows(&fx), 0);
	assert_int_equal(s.samples, 1);
	assert_near(s.duration_s, 1.0);
	assert_near(s.cpu_seconds, 1.5); /* (100 + 50) / 100 */
	assert_near(s.memory_mib_mean, 100.0);
	assert_near(s.memory_mib_max, 100.0);
	assert_near(s.peak_rss_mib, 150000.0 / 1024);
	assert_near(s.tracker_cpu_seconds, 0.001);
	assert_false(sum_present(s, cpu_usage_mean));
	assert_false(sum_present(s, cpu_usage_max));
	assert_false(sum_present(s, disk_read_bytes));
	assert_false(sum_present(s, disk_write_bytes));
	assert_false(sum_present(s, net_recv_bytes));
	assert_false(sum_present(s, net_sent_bytes));
	assert_int_equal(s.processes_seen, 1); /* the root, from the header */
	assert_int_equal(s.processes_exact, 0);
}

static void test_summary_empty(void **state)
{
	struct stats_summary s;

	(void)state;
	fx.nsamples = 0;
	fx.has_end = 0;
	fx.nprocs = 0;
	summarize(&s);
	assert_true(sum_present(s, samples));
	assert_int_equal(s.samples, 0);
	assert_false(sum_present(s, duration_s));
	assert_false(sum_present(s, cpu_seconds));
	assert_false(sum_present(s, memory_mib_max));
	assert_false(sum_present(s, peak_rss_mib));
	assert_false(sum_present(s, tracker_cpu_seconds));
}

static void test_round_mib(void **state)
{
	const uint64_t top = UINT64_MAX & ~(uint64_t)1023;

	(void)state;
	assert_int_equal(stats_round_mib(0), 128);
	assert_int_equal(stats_round_mib(-5), 128);
	assert_int_equal(stats_round_mib(NAN), 128);
	assert_int_equal(stats_round_mib(0.001), 128);
	assert_int_equal(stats_round_mib(128), 128);
	assert_int_equal(stats_round_mib(128.1), 256);
	assert_int_equal(stats_round_mib(256), 256);
	assert_int_equal(stats_round_mib(300), 512);
	assert_int_equal(stats_round_mib(512.01), 1024);
	assert_int_equal(stats_round_mib(1024), 1024);
	assert_int_equal(stats_round_mib(1500), 2048);
	assert_int_equal(stats_round_mib(2048), 2048);
	assert_int_equal(stats_round_mib(2049), 3072);
	assert_int_equal(stats_round_mib(3072), 3072);
	assert_int_equal(stats_round_mib(3072.5), 4096);
	assert_int_equal(stats_round_mib(10000), 10240);
	assert_true(stats_round_mib(1e30) == top);
	assert_true(stats_round_mib(INFINITY) == top);
}

/* The printed precision of every column, as the CSV contract sets it. */
static void test_field_decimals(void **state)
{
	(void)state;
	for (unsigned i = 0; i < STATS_ROW_NFIELDS; i++) {
		const char *n = stats_row_fields[i].name;
		size_t len = strlen(n);
		int want = -1;

		if (strcmp(n, "timestamp") == 0 || strstr(n, "_mib"))
			want = 3;
		else if (strstr(n, "time") && !strstr(n, "timestamp"))
			want = 6;
		else if (len > 6 && strcmp(n + len - 6, "_usage") == 0)
			want = 4;
		else if (len > 3 && strcmp(n + len - 3, "_gb") == 0)
			want = 2;
		if (stats_row_fields[i].decimals != want)
			fail_msg("%s: decimals %d, expected %d", n,
				 stats_row_fields[i].decimals, want);
	}
	assert_string_equal(stats_summary_fields[STATS_S_peak_rss_mib].name,
			    "peak_rss_mib");
	assert_int_equal(stats_summary_fields[STATS_S_samples].decimals, -1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_nrows),
		T(test_row_first_interval),
		T(test_row_second_interval),
		T(test_row_gpu),
		T(test_row_gpu_missing),
		T(test_row_saturates),
		T(test_row_missing_in_cur),
		T(test_row_missing_in_prev),
		T(test_row_missing_time),
		T(test_row_time_not_advancing),
		T(test_row_clk_zero_means_100),
		T(test_row_usage_capped_at_ncpus),
		T(test_row_reap_dip_not_counted_twice),
		T(test_end_ns),
		T(test_summary_complete),
		T(test_summary_max_short_interval),
		T(test_summary_without_end),
		T(test_summary_peak_from_rusage),
		T(test_summary_cpu_floor),
		T(test_summary_skips_missing),
		T(test_summary_one_sample),
		T(test_summary_empty),
		T(test_round_mib),
		T(test_field_decimals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
