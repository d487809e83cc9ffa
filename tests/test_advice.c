/* test_advice.c - unit tests of lib/model/advice.c: the cores the model of
 * a run asks for, its carry-over, the memory basis, every verdict from
 * hand-built 1.6 samples, nulls for a 1.5 log, out-of-memory kills in the
 * formats, the Slurm and Kubernetes lines, and one recommendation over
 * several runs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advice.h"
#include "dump.h"

#define T0 1700000000ull
#define S(sec) ((uint64_t)((sec) * 1e9 + 0.5))
#define MAXS 128
#define ROOT 100u

static struct rt_sample smp[MAXS];
static struct rt_proc prc[4];
static struct rt_log lg;
static struct run rn;
static int built;
static char *out_buf;

/* n 1 s intervals: the job's cores job[i] each (as seen_* ticks), the
 * machine's busy with other work `other` cores besides; ncpus CPUs; an end
 * record at T0 + n whose getrusage says cpu_s (0: what the ticks say).
 * Format 1.6; its new fields missing until a test sets them. */
static void build(size_t n, const double *job, double other, unsigned ncpus,
		  double cpu_s)
{
	double u = 0, sys = 0;

	memset(&lg, 0, sizeof lg);
	memset(smp, 0, sizeof smp);
	memset(prc, 0, sizeof prc);
	lg.version_major = 1;
	lg.version_minor = 6;
	strcpy(lg.hdr.host, "n1");
	strcpy(lg.hdr.cmdline, "job");
	lg.hdr.ncpus = ncpus;
	lg.hdr.clk_tck = 100;
	lg.hdr.pid = ROOT;
	lg.hdr.start_ns = S(T0);
	lg.hdr.interval_ns = S(1);
	for (size_t i = 0; i <= n; i++) {
		struct rt_sample *x = &smp[i];

		if (i) {
			u += job[i - 1] * 100;
			sys += (job[i - 1] + other) * 100;
		}
		x->missing = ~(uint64_t)0;
		x->time_ns = S(T0 + (double)i);
		x->tree_procs = 1;
		x->tree_utime_ticks = x->seen_utime_ticks = (uint64_t)llround(u);
		x->sys_user_ticks = (uint64_t)llround(sys);
		x->tree_mem_kib = 100 * 1024;
		x->sys_mem_total_kib = 16 * 1024 * 1024;
		for (enum rt_field f = RT_F_time_ns; f <= RT_F_tree_mem_kib; f++)
			x->missing &= ~((uint64_t)1 << f);
		x->missing &= ~((uint64_t)1 << RT_F_seen_utime_ticks |
				(uint64_t)1 << RT_F_seen_stime_ticks |
				(uint64_t)1 << RT_F_sys_user_ticks |
				(uint64_t)1 << RT_F_sys_system_ticks |
				(uint64_t)1 << RT_F_sys_mem_total_kib);
	}
	lg.samples = smp;
	lg.nsamples = n + 1;
	lg.procs = prc;
	lg.has_end = 1;
	lg.end.time_ns = S(T0 + (double)n);
	lg.end.exit_kind = RT_EXIT_CODE;
	lg.end.self_utime_us = (uint64_t)llround((cpu_s > 0 ? cpu_s : u / 100) *
						 1e6);
	lg.end.samples = n + 1;
}

/* Field f over the samples from `from` to `to`, in even steps. */
static void ramp(enum rt_field f, double from, double to)
{
	for (size_t i = 0; i < lg.nsamples; i++) {
		double k = lg.nsamples > 1 ? (double)i / (double)(lg.nsamples - 1)
					   : 1;

		smp[i].v[f] = (uint64_t)llround(from + (to - from) * k);
		smp[i].missing &= ~((uint64_t)1 << f);
	}
}

/* A PROC record of the root (its 1.6 figures) or a child. */
static struct rt_proc *add_proc(uint32_t pid, uint64_t run_delay_s,
				uint64_t major_faults, uint64_t swap_kib)
{
	struct rt_proc *p = &prc[lg.nprocs++];

	p->pid = pid;
	p->ppid = pid == ROOT ? 1 : ROOT;
	p->start_ns = S(T0 + (pid == ROOT ? 0 : 1));
	p->first_seen_ns = p->start_ns;
	p->last_seen_ns = lg.end.time_ns;
	p->starttime_ticks = pid;
	p->run_delay_ns = run_delay_s * 1000000000ull;
	p->major_faults = major_faults;
	p->swap_kib = swap_kib;
	p->hwm_kib = 50 * 1024;
	strcpy(p->cmdline, pid == ROOT ? "job" : "worker");
	return p;
}

/* The advice for the log built, and its summary in *s when asked. */
static void advise(struct advice *a, struct stats_summary *s)
{
	struct stats_summary own;

	if (built)
		job_free(&rn.job);
	rn.log = lg;
	assert_int_equal(job_build(&rn.log, &rn.job), 0);
	built = 1;
	stats_summarize(&rn, s ? s : &own);
	advice_of(&rn, s ? s : &own, a);
}

static int teardown(void **state)
{
	(void)state;
	if (built)
		job_free(&rn.job);
	built = 0;
	free(out_buf);
	out_buf = NULL;
	return 0;
}

static int known(const struct advice *a, enum advice_diag_key k)
{
	return (a->diag.present & STATS_BIT(k)) != 0;
}

/* ---- cores ---- */

/* 1.0006 mean cores: the extra is tick jitter, one core runs it within
 * 0.06%. */
static void test_cores_one(void **state)
{
	double job[100];
	struct advice a;

	(void)state;
	for (size_t i = 0; i < 100; i++)
		job[i] = 1.0;
	build(100, job, 0, 8, 100.06);
	advise(&a, NULL);
	assert_int_equal(a.rec.cores, 1);
	assert_int_equal(a.rec.nruntime, 4); /* 1, 2, 4, 8 */
	assert_float_equal(a.rec.runtime[0].seconds, 100.06, 1e-6);
	assert_float_equal(a.rec.runtime[3].seconds, 100.0, 1e-6);
	assert_int_equal(a.verdict, ADVICE_CPU_BOUND);
}

/* 30 s, 2 cores for the first 10: on one core the 10 extra seconds of
 * CPU find no idle time to fill and take 40 s, 33% more. */
static void test_cores_two(void **state)
{
	double job[30];
	struct advice a;

	(void)state;
	for (size_t i = 0; i < 30; i++)
		job[i] = i < 10 ? 2.0 : 1.0;
	build(30, job, 0, 4, 0);
	advise(&a, NULL);
	assert_int_equal(a.rec.cores, 2);
	assert_int_equal(a.rec.nruntime, 3);
	assert_int_equal(a.rec.runtime[0].cores, 1);
	assert_float_equal(a.rec.runtime[0].seconds, 40.0, 1e-6);
	assert_int_equal(a.rec.runtime[1].cores, 2);
	assert_float_equal(a.rec.runtime[1].seconds, 30.0, 1e-6);
	assert_int_equal(a.rec.runtime[2].cores, 4);
	assert_float_equal(a.rec.runtime[2].seconds, 30.0, 1e-6);
	assert_float_equal(a.rec.runtime_s, 30.0, 1e-6);
	assert_int_equal(a.rec.time_s, 60); /* 45 s, up to a minute */
}

/* Demand above the cores carries over into the next intervals, and idle
 * time later absorbs it; only what is left at the end adds left / N. */
static void test_model_carry_over(void **state)
{
	const double burst_then_idle[6] = { 3, 3, 0, 0, 0, 0 };
	const double burst_short[3] = { 3, 3, 0 };
	struct advice a;

	(void)state;
	build(6, burst_then_idle, 0, 4, 0);
	advise(&a, NULL);
	/* 1 core: carry 2, 4, 3, 2, 1, 0: done in the 6 s. */
	assert_float_equal(a.rec.runtime[0].seconds, 6.0, 1e-6);
	assert_int_equal(a.rec.cores, 1);

	build(3, burst_short, 0, 4, 0);
	advise(&a, NULL);
	/* 1 core: carry 2, 4, 3: 3 s + 3 / 1; 2 cores: 1, 2, 0. */
	assert_float_equal(a.rec.runtime[0].seconds, 6.0, 1e-6);
	assert_float_equal(a.rec.runtime[1].seconds, 3.0, 1e-6);
	assert_int_equal(a.rec.cores, 2);
	/* 3 cores is not a power of two, yet a candidate: 4 is listed. */
	assert_int_equal(a.rec.runtime[2].cores, 4);
}

/* Waiting for a CPU shows the parallelism a job was not given: two
 * processes on a machine full of other work ran 1 core between them and
 * waited as long again (seen_run_delay_ns): on a machine of their own
 * the run takes half, on 1 core all of it: 2 cores.  One process that
 * waited a third of the time needs 1 core, and its run without the wait
 * is the base its 10% is taken from. */
static void test_model_waits(void **state)
{
	double job[4] = { 1, 1, 1, 1 };
	struct advice a;

	(void)state;
	build(4, job, 2, 2, 0);
	ramp(RT_F_seen_run_delay_ns, 0, 4e9);
	add_proc(ROOT, 4, 0, 0);
	advise(&a, NULL);
	assert_int_equal(a.rec.cores, 2);
	assert_float_equal(a.rec.runtime[0].seconds, 4.0, 1e-6);
	assert_float_equal(a.rec.runtime[1].seconds, 2.0, 1e-6);

	for (size_t i = 0; i < 4; i++)
		job[i] = 2.0 / 3;
	build(4, job, 1.5, 2, 0);
	ramp(RT_F_seen_run_delay_ns, 0, 4e9 / 3);
	add_proc(ROOT, 1, 0, 0);
	advise(&a, NULL);
	assert_int_equal(a.rec.cores, 1);
	assert_float_equal(a.rec.runtime[0].seconds, 8.0 / 3, 0.02); /* ticks */
}

/* The exit records' exact CPU above what the samples saw scales every
 * interval up: 20 s of CPU in a 10 s run whose ticks say 10. */
static void test_model_scaled(void **state)
{
	double job[10];
	struct advice a;

	(void)state;
	for (size_t i = 0; i < 10; i++)
		job[i] = 1.0;
	build(10, job, 0, 4, 20.0);
	advise(&a, NULL);
	assert_int_equal(a.rec.cores, 2);
	assert_float_equal(a.rec.runtime[0].seconds, 20.0, 1e-6);
}

/* ---- memory ---- */

static void test_memory_basis(void **state)
{
	double job[4] = { 1, 1, 1, 1 };
	struct advice a;

	(void)state;
	build(4, job, 0, 4, 0);
	add_proc(ROOT, 0, 0, 0);
	add_proc(ROOT + 1, 0, 0, 0);
	ramp(RT_F_cg_foreign_procs, 0, 0);
	ramp(RT_F_cg_mem_peak_kib, 100 * 1024, 800 * 1024);
	advise(&a, NULL);
	assert_int_equal(a.rec.memory_basis, ADVICE_MEM_CGROUP_PEAK);
	assert_float_equal(a.rec.memory_basis_mib, 800, 1e-9);
	assert_int_equal(a.rec.memory_mib, 1024); /* 960 */
	assert_true(a.rec.memory_upper_mib < 0);

	/* A peak that never rose in the run is older than the job (a
	 * shell's cgroup that ran a build before): not the job's. */
	ramp(RT_F_cg_mem_peak_kib, 1400 * 1024, 1400 * 1024);
	advise(&a, NULL);
	assert_int_equal(a.rec.memory_basis, ADVICE_MEM_TREE_MAX);
	assert_int_equal(a.rec.memory_mib, 128);
	ramp(RT_F_cg_mem_peak_kib, 100 * 1024, 800 * 1024);

	/* A foreign process in one sample: the cgroup is not the job's. */
	smp[2].cg_foreign_procs = 1;
	advise(&a, NULL);
	assert_int_equal(a.rec.memory_basis, ADVICE_MEM_TREE_MAX);
	assert_float_equal(a.rec.memory_basis_mib, 100, 1e-9);
	assert_int_equal(a.rec.memory_mib, 128); /* 120 */
	assert_float_equal(a.rec.memory_upper_mib, 100, 1e-9); /* 2 x 50 */
	prc[1].hwm_kib = 300 * 1024; /* a single peak above the sampled sum */
	advise(&a, NULL);
	assert_float_equal(a.rec.memory_basis_mib, 300, 1e-9);
	assert_float_equal(a.rec.memory_upper_mib, 350, 1e-9);
	assert_int_equal(a.rec.memory_mib, 512); /* 360 */
}

/* ---- verdicts ---- */

static void flat(double *job, size_t n, double v)
{
	for (size_t i = 0; i < n; i++)
		job[i] = v;
}

/* 10 s at `cores` with `other` cores of other work on ncpus CPUs, the
 * root's PROC record with no wait, faults or swap. */
static void steady(double cores, double other, unsigned ncpus)
{
	double job[10];

	flat(job, 10, cores);
	build(10, job, other, ncpus, 0);
	add_proc(ROOT, 0, 0, 0);
}

static void test_verdict_cpu_bound(void **state)
{
	struct advice a;

	(void)state;
	steady(2.0, 0, 4);
	advise(&a, NULL);
	assert_int_equal(a.verdict, ADVICE_CPU_BOUND);
	assert_string_equal(advice_verdict_name(a.verdict), "cpu-bound");
	assert_float_equal(a.diag.other_load_cores, 0, 1e-9);
	assert_float_equal(a.diag.cpu_wait_seconds, 0, 1e-9);
	assert_string_equal(a.sentence, "The cores it used were busy 100% of "
			    "the time: 2 cores run it within 10% of its time");
}

/* Waiting for a CPU while 2 of 3 cores ran other work. */
static void test_verdict_cpu_starved(void **state)
{
	double job[10];
	struct advice a;

	(void)state;
	flat(job, 10, 1.0);
	build(10, job, 2.0, 3, 0);
	add_proc(ROOT, 12, 0, 0);
	advise(&a, NULL);
	assert_float_equal(a.diag.cpu_wait_seconds, 12, 1e-9);
	assert_float_equal(a.diag.other_load_cores, 2, 1e-9);
	assert_int_equal(a.verdict, ADVICE_CPU_STARVED);
	assert_string_equal(a.sentence, "2 of 3 cores were taken by other "
			    "work: the job waited 12 s for a CPU; ask for "
			    "dedicated cores or a quieter machine");
	/* No other load: the job outnumbered its own cores. */
	build(10, job, 0, 3, 0);
	add_proc(ROOT, 12, 0, 0);
	advise(&a, NULL);
	assert_int_equal(a.verdict, ADVICE_CPU_BOUND);
}

/* 10 s under a quota of half a core, throttled 2 s, on a machine with 2
 * cores of other work: the job ran `cores` and waited `wait_s`. */
static void half_quota(struct advice *a, double cores, uint64_t wait_s)
{
	double job[10];

	flat(job, 10, cores);
	build(10, job, 2, 2, 0);
	add_proc(ROOT, wait_s, 0, 0);
	ramp(RT_F_cg_cpu_quota_mcores, 500, 500);
	ramp(RT_F_cg_throttled_ns, 0, 2e9);
	advise(a, NULL);
}

static void test_verdict_throttled(void **state)
{
	struct advice a;

	(void)state;
	steady(1.0, 0, 8);
	ramp(RT_F_cg_cpu_quota_mcores, 1000, 1000);
	ramp(RT_F_cg_throttled_ns, 5e9, 8e9);
	advise(&a, NULL);
	assert_float_equal(a.diag.cpu_quota_cores, 1, 1e-9);
	assert_float_equal(a.diag.throttled_seconds, 3, 1e-9);
	assert_int_equal(a.verdict, ADVICE_THROTTLED);
	assert_string_equal(a.sentence, "The cgroup's CPU quota of 1 core "
			    "throttled the job for 3.0 s (30% of the run): "
			    "raise the quota above 1");
	/* 0.9 s of 10: below the 10% */
	ramp(RT_F_cg_throttled_ns, 5e9, 5.9e9);
	advise(&a, NULL);
	assert_int_equal(a.verdict, ADVICE_CPU_BOUND);
	/* ...but throttled in 9 of 10 periods (a group also behind other
	 * work, whose throttled time the kernel undercounts): throttled. */
	ramp(RT_F_cg_cpu_periods, 0, 100);
	ramp(RT_F_cg_cpu_periods_throttled, 0, 90);
	advise(&a, NULL);
	assert_int_equal(a.verdict, ADVICE_THROTTLED);

	/* Half a core, used: its 5 s of run delay (a throttled task is
	 * runnable) are the quota's, not other work's, though the machine
	 * is busy: throttled, not cpu-starved. */
	half_quota(&a, 0.5, 5);
	assert_int_equal(a.verdict, ADVICE_THROTTLED);
	/* Getting a fifth of a core under that quota: others took the rest. */
	half_quota(&a, 0.2, 8);
	assert_int_equal(a.verdict, ADVICE_MIXED);
	assert_true(a.reasons & ADVICE_CPU_STARVED);
}

/* A child SIGKILLed while the cgroup counted an OOM kill. */
static void oom_log(void)
{
	struct rt_proc *p;

	steady(0.1, 0, 4);
	p = add_proc(ROOT + 1, 0, 0, 0);
	p->flags = RT_PROC_EXITED | RT_PROC_SIGNALED;
	p->exit_code = 9;
	ramp(RT_F_cg_mem_limit_kib, 512 * 1024, 512 * 1024);
	ramp(RT_F_cg_oom_kills, 3, 4);
}

static void test_verdict_memory_bound(void **state)
{
	struct advice a;

	(void)state;
	oom_log();
	advise(&a, NULL);
	assert_int_equal(a.diag.oom_kills, 1);
	assert_float_equal(a.diag.memory_limit_mib, 512, 1e-9);
	assert_int_equal(a.verdict, ADVICE_MEMORY_BOUND);
	assert_string_equal(a.sentence, "The out-of-memory killer ended 1 "
			    "process at the cgroup's limit of 512 MiB: ask for "
			    "more memory than that");
	/* Swap: 64 MiB of a 100 MiB job. */
	steady(0.1, 0, 4);
	ramp(RT_F_tree_swap_kib, 0, 64 * 1024);
	advise(&a, NULL);
	assert_float_equal(a.diag.swap_mib_max, 64, 1e-9);
	assert_int_equal(a.verdict, ADVICE_MEMORY_BOUND);
	/* Major faults: 5000 in 10 s. */
	steady(0.1, 0, 4);
	prc[0].major_faults = 5000;
	advise(&a, NULL);
	assert_int_equal(a.diag.major_faults, 5000);
	assert_int_equal(a.verdict, ADVICE_MEMORY_BOUND);
	assert_non_null(strstr(a.sentence, "5000 major page faults"));
	/* 500 are not many. */
	prc[0].major_faults = 500;
	advise(&a, NULL);
	assert_int_equal(a.verdict, ADVICE_WAITING);
}

static void test_verdict_io_bound(void **state)
{
	double job[10];
	struct advice a;

	(void)state;
	steady(0.1, 0, 4);
	ramp(RT_F_sys_io_pressure_us, 0, 9e6); /* the machine's: 90% */
	ramp(RT_F_cg_io_pressure_us, 1e6, 6e6); /* the cgroup's wins: 50% */
	advise(&a, NULL);
	assert_float_equal(a.diag.io_pressure, 0.5, 1e-9);
	assert_int_equal(a.verdict, ADVICE_IO_BOUND);
	assert_string_equal(a.sentence, "Tasks were stalled on I/O 50% of the "
			    "run (the cgroup's pressure): faster storage or "
			    "less I/O would help, more cores would not");
	/* With busy cores the pressure is not what held it back. */
	flat(job, 10, 1.0);
	build(10, job, 0, 4, 0);
	ramp(RT_F_cg_io_pressure_us, 1e6, 6e6);
	advise(&a, NULL);
	assert_int_equal(a.verdict, ADVICE_CPU_BOUND);
}

static void test_verdict_waiting(void **state)
{
	struct advice a;

	(void)state;
	steady(0.25, 0, 4);
	ramp(RT_F_sys_io_pressure_us, 0, 1e6); /* 10%: not io-bound */
	advise(&a, NULL);
	assert_int_equal(a.verdict, ADVICE_WAITING);
	assert_string_equal(a.sentence, "The cores it used were busy only 25% "
			    "of the time (sleep, network, waiting on others): "
			    "more than 1 core would not make it faster");
	assert_int_equal(a.rec.cores, 1);
}

static void test_verdict_mixed(void **state)
{
	struct advice a;

	(void)state;
	oom_log();
	ramp(RT_F_cg_io_pressure_us, 0, 4e6);
	advise(&a, NULL);
	assert_int_equal(a.reasons, ADVICE_MEMORY_BOUND | ADVICE_IO_BOUND);
	assert_int_equal(a.verdict, ADVICE_MIXED);
	assert_string_equal(advice_verdict_name(a.verdict), "mixed");
	assert_non_null(strstr(a.sentence, "The out-of-memory killer ended"));
	assert_non_null(strstr(a.sentence, "; tasks were stalled on I/O 40%"));
}

/* ---- older logs ---- */

/* A 1.5 log: whatever its structs hold, none of 1.6's figures is known,
 * and a SIGKILL cannot be said to be the OOM killer's. */
static void test_log_15_nulls(void **state)
{
	struct advice a;

	(void)state;
	oom_log();
	prc[0].run_delay_ns = 5000000000ull;
	ramp(RT_F_cg_foreign_procs, 0, 0);
	ramp(RT_F_cg_mem_peak_kib, 800 * 1024, 800 * 1024);
	ramp(RT_F_cg_io_pressure_us, 0, 9e6);
	ramp(RT_F_tree_swap_kib, 0, 1e6);
	lg.version_minor = 5;
	advise(&a, NULL);
	for (unsigned k = 0; k < ADVICE_DIAG_NFIELDS; k++)
		if (k != ADVICE_D_other_load_cores && known(&a, k))
			fail_msg("%s is known in a 1.5 log",
				 advice_diag_fields[k].name);
	assert_true(known(&a, ADVICE_D_other_load_cores));
	assert_int_equal(a.oom_rose, -1);
	assert_int_equal(advice_oom_killed(&a, &rn.job.procs[1]), -1);
	assert_int_equal(advice_oom_killed(&a, &rn.job.procs[0]), 0);
	assert_int_equal(a.rec.memory_basis, ADVICE_MEM_TREE_MAX);
	assert_int_equal(a.verdict, ADVICE_WAITING);
}

/* ---- OOM kills in the formats ---- */

static const char *capture(int (*fn)(FILE *, const struct run *,
				     const char *))
{
	size_t len = 0;
	FILE *out;

	free(out_buf);
	out_buf = NULL;
	out = open_memstream(&out_buf, &len);
	assert_non_null(out);
	assert_int_equal(fn(out, &rn, "run.bin"), 0);
	assert_int_equal(fclose(out), 0);
	return out_buf;
}

static void test_oom_attribution(void **state)
{
	struct advice a;
	const char *text;

	(void)state;
	oom_log();
	/* The root too, as the wrapper reaped it. */
	lg.has_end = 0;
	lg.has_reaped = 1;
	lg.reaped = (struct rt_reaped){ .time_ns = S(T0 + 10), .pid = ROOT,
					.exit_kind = RT_EXIT_SIGNAL,
					.exit_value = 9 };
	advise(&a, NULL);
	assert_int_equal(a.oom_rose, 1);
	assert_int_equal(advice_oom_killed(&a, &rn.job.procs[1]), 1);
	/* Its peak is the limit's, not its need: twice the limit, + 20%. */
	assert_int_equal(a.rec.memory_basis, ADVICE_MEM_OOM_LIMIT);
	assert_float_equal(a.rec.memory_basis_mib, 1024, 1e-9);
	assert_int_equal(a.rec.memory_mib, 2048);
	text = capture(dump_processes);
	assert_non_null(strstr(text, " 0 B    oom ~  worker\n"));
	assert_non_null(strstr(text, "oom: SIGKILLed by the out-of-memory "
			       "killer at the cgroup's limit of 512 MiB\n"));
	text = capture(dump_summary);
	assert_non_null(strstr(text, "  exit       killed by the out-of-memory "
			       "killer (cgroup limit 512.0 MiB)\n"));
	assert_non_null(strstr(text, "             1 process killed by the OOM "
			       "killer (cgroup limit 512.0 MiB)\n"));
	text = capture(dump_json);
	assert_non_null(strstr(text, "\"exit_code\":null,\"exit_signal\":9,"));
	assert_non_null(strstr(text, "\"oom_killed\":true,"));
	assert_non_null(strstr(text, "\"oom_kills\":1,"));
	assert_non_null(strstr(text, "\"verdict\":\"memory-bound\""));
}

/* ---- job-script lines ---- */

static void test_slurm_k8s(void **state)
{
	struct advice_rec r;
	char buf[ADVICE_SLURM_MAX];
	double job[10];
	struct stats_summary s;
	struct advice a;
	const char *text;

	(void)state;
	memset(&r, 0, sizeof r);
	r.cores = 2;
	r.memory_mib = 1024;
	r.time_s = 300;
	advice_slurm(buf, sizeof buf, &r);
	assert_string_equal(buf, "--cpus-per-task=2 --mem=1G --time=0:05:00");
	r.memory_mib = 640;
	r.gpus = 2;
	r.time_s = 90000;
	advice_slurm(buf, sizeof buf, &r);
	assert_string_equal(buf, "--cpus-per-task=2 --mem=640M --gres=gpu:2 "
			    "--time=1-01:00:00");
	r.time_s = 0;
	advice_slurm(buf, sizeof buf, &r);
	assert_string_equal(buf, "--cpus-per-task=2 --mem=640M --gres=gpu:2");
	advice_k8s_memory(buf, sizeof buf, 3072);
	assert_string_equal(buf, "3Gi");
	advice_k8s_memory(buf, sizeof buf, 640);
	assert_string_equal(buf, "640Mi");

	/* A 100 s run on 2 cores, 1.5 GPUs at most: 150 s is 3 minutes. */
	flat(job, 10, 2.0);
	build(10, job, 0, 4, 0);
	for (size_t i = 0; i <= 10; i++)
		smp[i].time_ns = S(T0 + 10.0 * (double)i);
	lg.end.time_ns = S(T0 + 100);
	lg.end.self_utime_us = 200000000;
	ramp(RT_F_tree_gpu_util_pct, 150, 150);
	ramp(RT_F_tree_gpu_mem_kib, 1000 * 1024, 1000 * 1024);
	advise(&a, &s);
	assert_int_equal(a.rec.gpus, 2);
	assert_int_equal(a.rec.vram_mib, 2048); /* 1200 */
	assert_string_equal(a.rec.slurm, "--cpus-per-task=2 --mem=128M "
			    "--gres=gpu:2 --time=0:03:00");
	text = capture(dump_json);
	assert_non_null(strstr(text, "\"kubernetes\":{\"requests\":{\"cpu\":"
			       "\"2\",\"memory\":\"128Mi\",\"nvidia.com/gpu\":"
			       "\"2\"},\"limits\":{\"memory\":\"128Mi\","
			       "\"nvidia.com/gpu\":\"2\"}}"));
	text = capture(dump_summary);
	assert_non_null(strstr(text, "             slurm --cpus-per-task=2 "
			       "--mem=128M --gres=gpu:2 --time=0:03:00\n"));
}

/* ---- several runs ---- */

static void test_all_runs(void **state)
{
	static struct advice each[3];
	struct advice_all all;
	double job[30];
	const size_t len[3] = { 10, 20, 30 };
	const double cores[3] = { 1, 3, 2 };
	static struct run runs[3];
	size_t len_out = 0, objects = 0;
	FILE *out;

	(void)state;
	for (int i = 0; i < 3; i++) {
		flat(job, len[i], cores[i]);
		build(len[i], job, 0, 4, 0);
		ramp(RT_F_tree_mem_kib, 100 * 1024 * (i + 1),
		     100 * 1024 * (i + 1));
		advise(&each[i], NULL);
	}
	advice_all_runs(each, 3, &all);
	assert_int_equal(all.runs, 3);
	assert_int_equal(all.rec.cores, 3);
	assert_float_equal(all.cores.min, 1, 1e-9);
	assert_float_equal(all.cores.mean, 2, 1e-9);
	assert_float_equal(all.cores.max, 3, 1e-9);
	assert_float_equal(all.duration_s.min, 10, 1e-9);
	assert_float_equal(all.duration_s.mean, 20, 1e-9);
	assert_float_equal(all.duration_s.max, 30, 1e-9);
	assert_float_equal(all.memory_peak_mib.min, 100, 1e-9);
	assert_float_equal(all.memory_peak_mib.mean, 200, 1e-9);
	assert_float_equal(all.memory_peak_mib.max, 300, 1e-9);
	assert_int_equal(all.rec.memory_mib, 512); /* 360 */
	assert_string_equal(all.rec.slurm, "--cpus-per-task=3 --mem=512M "
			    "--time=0:01:00");

	/* The formats: each run's JSON object carries it; the summary
	 * prints it once. */
	for (int i = 0; i < 3; i++) {
		flat(job, len[i], cores[i]);
		build(len[i], job, 0, 4, 0);
		runs[i].log = lg;
		runs[i].log.samples = calloc(lg.nsamples, sizeof *smp);
		assert_non_null(runs[i].log.samples);
		memcpy(runs[i].log.samples, smp, lg.nsamples * sizeof *smp);
		assert_int_equal(job_build(&runs[i].log, &runs[i].job), 0);
	}
	{
		const char *const names[3] = { "a.bin", "b.bin", "c.bin" };

		free(out_buf);
		out = open_memstream(&out_buf, &len_out);
		assert_int_equal(dump_json_many(out, runs, names, 3), 0);
		assert_int_equal(fclose(out), 0);
		for (const char *p = out_buf;
		     (p = strstr(p, "\"recommendation_all_runs\":{\"runs\":3,"
				 "\"cores\":3,")); p++)
			objects++;
		assert_int_equal(objects, 3);
		assert_non_null(strstr(out_buf, "\"cores_by_run\":{\"min\":1.000,"
				       "\"mean\":2.000,\"max\":3.000}"));
		/* a command that would drive the terminal, and one too long */
		snprintf(runs[1].log.hdr.cmdline, sizeof runs[1].log.hdr.cmdline,
			 "x\033]0;t\007 y");
		memset(runs[2].log.hdr.cmdline, 'c',
		       sizeof runs[2].log.hdr.cmdline);
		free(out_buf);
		out = open_memstream(&out_buf, &len_out);
		assert_int_equal(dump_summary_many(out, runs, names, 3), 0);
		assert_int_equal(fclose(out), 0);
		assert_non_null(strstr(out_buf, "  recommend  every run: 3 cores,"));
		assert_non_null(strstr(out_buf, "duration min 10.0 s, mean 20.0 s,"
				       " max 30.0 s\n"));
		/* A row each, told apart by their command; the spread of
		 * every figure; a total only of what adds up (no summed mean
		 * cores, durations or peaks). */
		assert_non_null(strstr(out_buf, "  LOG          HOST           PID"
				       " EXIT COMMAND\n  a.bin        n1     "
				       "        100    0 job\n"));
		assert_non_null(strstr(out_buf, " 100    0 x?]0;t? y\n"));
		assert_non_null(strstr(out_buf, " 100    0 ccccccccc"));
		for (const char *p = out_buf, *nl; (nl = strchr(p, '\n'));
		     p = nl + 1)
			assert_true(nl - p <= 100);
		assert_non_null(strstr(out_buf, "ccc...\n"));
		assert_non_null(strstr(out_buf, "\n  mean              20.0 s  "
				       "    43.3 s  2.00  2.00   100.0 MiB"));
		assert_non_null(strstr(out_buf, "\n  max               30.0 s  "
				       "1 min 00 s  3.00  3.00   100.0 MiB"));
		assert_non_null(strstr(out_buf, "\n  total                     "
				       "2 min 10 s                            "
				       "     n/a         n/a      3\n"));
	}
	for (int i = 0; i < 3; i++) {
		job_free(&runs[i].job);
		free(runs[i].log.samples);
	}
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

/* The sampler flushes, and the decoder names the out-of-memory killer
 * for, a sample at 90% of the cgroup's limit or 5% of the machine's
 * memory available; not below, and not on a figure it lacks. */
static void test_near_oom(void **state)
{
	struct rt_sample s;
	uint64_t used = 0, limit = 0;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.cg_mem_limit_kib = 100 * 1024;
	/* RSS counts a page shared by forked workers in each: PSS decides. */
	s.tree_rss_kib = 400 * 1024;
	s.tree_mem_kib = 100 * 1024 / 10 * 9 - 1;
	s.sys_mem_total_kib = 1000000;
	s.sys_mem_available_kib = 50001;
	assert_int_equal(sample_near_oom(&s, &used, &limit), 0);
	/* 75% with the cgroup's use at 95%: near; at 94%, not. */
	s.cg_mem_usage_kib = 100 * 1024 / 20 * 19 - 1;
	assert_int_equal(sample_near_oom(&s, &used, &limit), 0);
	s.cg_mem_usage_kib++;
	assert_int_equal(sample_near_oom(&s, &used, &limit), 1);
	s.tree_mem_kib = 100 * 1024 / 4 * 3 - 1;
	assert_int_equal(sample_near_oom(&s, &used, &limit), 0);
	s.tree_mem_kib = 100 * 1024 / 10 * 9;
	sample_set_missing(&s, RT_F_cg_mem_usage_kib);
	assert_int_equal(sample_near_oom(&s, &used, &limit), 1);
	assert_int_equal(used, s.tree_mem_kib);
	/* No PSS in the log: RSS. */
	sample_set_missing(&s, RT_F_tree_mem_kib);
	assert_int_equal(sample_near_oom(&s, &used, &limit), 1);
	assert_int_equal(used, 400 * 1024);
	assert_int_equal(limit, 100 * 1024);
	sample_set_missing(&s, RT_F_cg_mem_limit_kib);
	assert_int_equal(sample_near_oom(&s, &used, &limit), 0);
	s.sys_mem_available_kib = 50000;
	assert_int_equal(sample_near_oom(&s, &used, &limit), 2);
	assert_int_equal(used, 50000);
	assert_int_equal(limit, 1000000);
	sample_set_missing(&s, RT_F_sys_mem_available_kib);
	assert_int_equal(sample_near_oom(&s, &used, &limit), 0);
	/* No limit (0): never near it. */
	memset(&s, 0, sizeof(s));
	s.tree_mem_kib = 5;
	assert_int_equal(sample_near_oom(&s, &used, &limit), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_near_oom),
		T(test_cores_one),
		T(test_cores_two),
		T(test_model_carry_over),
		T(test_model_waits),
		T(test_model_scaled),
		T(test_memory_basis),
		T(test_verdict_cpu_bound),
		T(test_verdict_cpu_starved),
		T(test_verdict_throttled),
		T(test_verdict_memory_bound),
		T(test_verdict_io_bound),
		T(test_verdict_waiting),
		T(test_verdict_mixed),
		T(test_log_15_nulls),
		T(test_oom_attribution),
		T(test_slurm_k8s),
		T(test_all_runs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
