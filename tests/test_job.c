/* test_job.c - unit tests of lib/model/job.c: logs written with the real writer
 * (sampled PROC records, descendants' EXIT records, the root's END),
 * decoded by the real reader, and the merged process table and the
 * per-interval CPU checked against figures worked out by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "near.h"

#include <math.h>
#include <string.h>

#include "run.h"
#include "logwrite.h"
#include "stats.h"

#define BOOT 1600000000000000000ull /* boot time, ns since the epoch */
#define T0 1700000000ull
#define S(sec) ((uint64_t)((sec) * 1e9 + 0.5))
/* stat starttime (ticks at 100 Hz after boot) of a process started at t. */
#define TICKS(sec) ((uint64_t)(((sec) * 1e9 - (double)BOOT) / 1e7 + 0.5))

static uint8_t mem[64 * 1024];
static struct logbuf b;

static void put_header(uint32_t flags)
{
	struct rt_header h;

	memset(&h, 0, sizeof(h));
	strcpy(h.host, "n1");
	strcpy(h.cmdline, "make -j2");
	h.ncpus = 4;
	h.clk_tck = 100;
	h.boot_time_ns = BOOT;
	h.pid = 100;
	h.start_ns = S(T0);
	h.interval_ns = S(1);
	h.flags = flags;
	logwrite_init(&b, mem, sizeof(mem));
	assert_int_equal(logwrite_preamble(&b), 0);
	assert_int_equal(logwrite_header(&b, &h), 0);
}

/* A sample at T0 + t whose seen_* counters are u and s ticks. */
static void put_sample(double t, uint64_t u, uint64_t s)
{
	struct rt_sample x;

	memset(&x, 0, sizeof(x));
	x.time_ns = S(T0 + t);
	x.tree_procs = 1;
	x.tree_utime_ticks = u;
	x.tree_stime_ticks = s;
	x.seen_utime_ticks = u;
	x.seen_stime_ticks = s;
	assert_int_equal(logwrite_sample(&b, &x), 0);
}

/* A PROC record of a child of the root, for the caller to change. */
static struct rt_proc proc_rec(uint32_t pid, double start, double last,
			       uint64_t u, uint64_t s, uint32_t flags,
			       const char *cmd)
{
	struct rt_proc p;

	memset(&p, 0, sizeof(p));
	p.pid = pid;
	p.ppid = 100;
	p.start_ns = S(T0 + start);
	p.starttime_ticks = TICKS(T0 + start);
	p.first_seen_ns = p.start_ns;
	p.last_seen_ns = S(T0 + last);
	p.utime_ticks = u;
	p.stime_ticks = s;
	p.hwm_kib = 9000;
	p.flags = flags;
	strcpy(p.cmdline, cmd);
	return p;
}

static void put_proc(uint32_t pid, double start, double last, uint64_t u,
		     uint64_t s, uint32_t flags, const char *cmd)
{
	struct rt_proc p = proc_rec(pid, start, last, u, s, flags, cmd);

	assert_int_equal(logwrite_proc(&b, &p), 0);
}

/* An EXIT record of a child of the root, for the caller to change. */
static struct rt_exit exit_rec(uint32_t pid, double start, double end,
			       uint64_t u_us, uint64_t s_us, int code,
			       const char *cmd)
{
	struct rt_exit x;

	memset(&x, 0, sizeof(x));
	x.pid = pid;
	x.ppid = 100;
	x.starttime_ticks = TICKS(T0 + start);
	x.end_ns = S(T0 + end);
	x.utime_us = u_us;
	x.stime_us = s_us;
	x.hwm_kib = 4000;
	x.read_bytes = 11;
	x.write_bytes = 22;
	x.exit_kind = RT_EXIT_CODE;
	x.exit_value = code;
	strcpy(x.cmdline, cmd);
	return x;
}

static void put_exit(uint32_t pid, double start, double end, uint64_t u_us,
		     uint64_t s_us, int code, const char *cmd)
{
	struct rt_exit x = exit_rec(pid, start, end, u_us, s_us, code, cmd);

	assert_int_equal(logwrite_exit(&b, &x), 0);
}

static void put_end(void)
{
	struct rt_end e;

	memset(&e, 0, sizeof(e));
	e.time_ns = S(T0 + 2);
	e.exit_kind = RT_EXIT_CODE;
	e.exit_value = 2;
	e.self_utime_us = 2000000;
	e.self_stime_us = 500000;
	e.tracker_cpu_ns = 10000000;
	e.self_maxrss_kib = 7000;
	assert_int_equal(logwrite_end(&b, &e), 0);
}

static void decode(struct run *run)
{
	char err[160];

	assert_int_equal(run_read_buf(mem, b.len, run, err, sizeof(err)), 0);
	assert_false(run->log.damaged);
}

static const struct job_proc *find(const struct job *j, uint32_t pid)
{
	for (size_t i = 0; i < j->nprocs; i++)
		if (j->procs[i].pid == pid)
			return &j->procs[i];
	return NULL;
}

/* The job of the tests: the root (sampled to the end, then its END), child
 * 101 sampled until T0+1 and exiting at T0+1.5 (its exit record adds 0.2 s
 * user and 0.05 s system past the samples), child 102 never sampled
 * (0.3 s user, all of it from its exit record, in the first interval). */
static void full_job(uint32_t flags, int with_end)
{
	put_header(flags);
	put_sample(0, 0, 0);
	put_exit(102, 0.1, 0.5, 300000, 0, 0, "cc -c b.c");
	put_sample(1, 150, 20);
	put_proc(101, 0.2, 1, 50, 10, 0, "sh -c cc");
	put_exit(101, 0.2, 1.5, 700000, 150000, 3, "cc -c a.c");
	put_sample(2, 250, 40);
	if (with_end) {
		put_proc(100, 0, 2, 200, 30, RT_PROC_ALIVE_AT_END, "make -j2");
		put_end();
	}
}

static void test_merge(void **state)
{
	const struct job_proc *root, *a, *c;
	struct run run;

	(void)state;
	full_job(RT_CFG_CHILDREN, 1);
	decode(&run);
	assert_int_equal(run.log.nexits, 2);
	assert_int_equal(run.job.nprocs, 3);
	assert_int_equal(run.job.nexact, 3);
	/* Ordered by start: the root, then 102 (T0+0.1), then 101. */
	assert_int_equal(run.job.procs[0].pid, 100);
	assert_int_equal(run.job.procs[1].pid, 102);
	assert_int_equal(run.job.procs[2].pid, 101);
	root = find(&run.job, 100);
	assert_true(root->flags & JOB_ROOT);
	assert_true(root->flags & JOB_EXACT);
	assert_false(root->flags & JOB_ALIVE_AT_END);
	/* 2.5 s of getrusage less the tracker's 10 ms, from system time. */
	assert_int_equal(root->utime_us, 2000000);
	assert_int_equal(root->stime_us, 490000);
	assert_int_equal(root->exit_value, 2);
	assert_int_equal(root->hwm_kib, 9000); /* sampled VmHWM > maxrss */
	a = find(&run.job, 101);
	assert_true((a->flags & (JOB_SAMPLED | JOB_EXACT)) ==
		    (JOB_SAMPLED | JOB_EXACT));
	assert_int_equal(a->utime_us, 700000);
	assert_int_equal(a->stime_us, 150000);
	assert_int_equal(a->exit_kind, RT_EXIT_CODE);
	assert_int_equal(a->exit_value, 3);
	assert_int_equal(a->end_ns, S(T0 + 1.5));
	assert_int_equal(a->hwm_kib, 9000); /* the earlier image's peak */
	assert_int_equal(a->read_bytes, 11);
	assert_string_equal(a->cmdline, "cc -c a.c"); /* the image that ended */
	c = find(&run.job, 102);
	assert_false(c->flags & JOB_SAMPLED);
	assert_int_equal(c->start_ns, S(T0 + 0.1));
	assert_int_equal(c->hwm_kib, 4000);
	assert_near(run.job.cpu_s, 2.49 + 0.85 + 0.3);
	run_free(&run);
}

static void test_tails_in_rows(void **state)
{
	struct stats_summary s;
	struct stats_row r;
	struct run run;

	(void)state;
	full_job(RT_CFG_CHILDREN, 1);
	decode(&run);
	assert_int_equal(run.job.nrows, 2);
	assert_near(run.job.tail_utime_s[0], 0.3);
	assert_near(run.job.tail_stime_s[0], 0.0);
	assert_near(run.job.tail_utime_s[1], 0.2);
	assert_near(run.job.tail_stime_s[1], 0.05);
	/* Row 0: 1.5 s of seen user ticks + 0.3 s of 102. */
	stats_row(&run, 0, &r);
	assert_near(r.process_utime, 1.8);
	assert_near(r.process_stime, 0.2);
	assert_near(r.process_cpu_usage, 2.0);
	stats_row(&run, 1, &r);
	assert_near(r.process_utime, 1.2);
	assert_near(r.process_stime, 0.25);
	stats_summarize(&run, &s);
	assert_near(s.cpu_seconds, 2.49 + 0.85 + 0.3);
	assert_int_equal(s.processes_seen, 3);
	assert_int_equal(s.processes_exact, 3);
	assert_int_equal(s.processes_sampled_only, 0);
	run_free(&run);
}

/* RTRACK_CHILDREN=0: exit records (of a descendant that did not know)
 * are not the job's. */
static void test_children_off(void **state)
{
	struct run run;

	(void)state;
	full_job(0, 1);
	decode(&run);
	assert_int_equal(run.job.dup_exits, 0);
	assert_null(find(&run.job, 102));
	assert_false(find(&run.job, 101)->flags & JOB_EXACT);
	assert_near(run.job.tail_utime_s[0], 0.0);
	run_free(&run);
}

/* A killed root: no END, no PROC for processes alive at the kill.  An
 * exit record of a process that started before the last sample may have
 * been counted by the samples: no tail for it, never twice. */
static void test_killed_root(void **state)
{
	const struct job_proc *root;
	struct stats_summary s;
	struct run run;

	(void)state;
	put_header(RT_CFG_CHILDREN);
	put_sample(0, 0, 0);
	put_sample(1, 100, 0);
	put_exit(103, 0.5, 1.5, 400000, 0, 0, "sleep");
	put_exit(104, 1.2, 1.8, 100000, 0, 0, "true");
	put_sample(2, 200, 0);
	decode(&run);
	root = find(&run.job, 100);
	assert_non_null(root);
	assert_true(root->flags & JOB_ROOT);
	assert_false(root->flags & JOB_EXACT);
	assert_string_equal(root->cmdline, "make -j2");
	assert_near(run.job.tail_utime_s[1], 0.0);
	/* Both records are in the table all the same. */
	assert_true(find(&run.job, 103)->flags & JOB_EXACT);
	stats_summarize(&run, &s);
	/* The larger of the table (0.5 s) and seen + tails (2.0 s). */
	assert_near(s.cpu_seconds, 2.0);
	run_free(&run);
}

/* A REAPED record of pid at T0 + t: the wrapper's of the root (ppid 0),
 * or (RT_REAPED_F_CHILD) a child reaped by ppid. */
static void put_reaped_of(uint32_t pid, uint32_t ppid, uint32_t flags,
			  double t, int kind, int value, uint64_t u_us,
			  uint64_t s_us, uint64_t maxrss_kib, const char *comm)
{
	struct rt_reaped r;

	memset(&r, 0, sizeof(r));
	r.time_ns = S(T0 + t);
	r.pid = pid;
	r.ppid = ppid;
	r.flags = flags;
	r.exit_kind = (uint32_t)kind;
	r.exit_value = value;
	r.utime_us = u_us;
	r.stime_us = s_us;
	r.maxrss_kib = maxrss_kib;
	strcpy(r.comm, comm);
	assert_int_equal(logwrite_reaped(&b, &r), 0);
}

static void put_reaped(double t, int kind, int value, uint64_t u_us,
		       uint64_t s_us, const char *comm)
{
	put_reaped_of(100, 0, 0, t, kind, value, u_us, s_us, 123456, comm);
}

/* A root that exec'd an image rtrack cannot enter (a static program): no
 * END, the sampler gone with the old image.  The wrapper's REAPED record
 * gives the status and end, and the root's row the CPU of the wait
 * beyond the other rows (FORMAT.md M). */
static void test_reaped_root(void **state)
{
	const struct job_proc *root;
	struct stats_summary s;
	struct job_end e;
	struct run run;
	uint64_t end;

	(void)state;
	put_header(RT_CFG_CHILDREN);
	put_sample(0, 0, 0);
	put_exit(102, 0.1, 0.5, 300000, 0, 0, "cc -c b.c");
	put_sample(1, 50, 0);
	put_reaped(5, RT_EXIT_CODE, 0, 3800000, 100000, "busybox");
	decode(&run);
	job_end_get(&run.log, &e);
	assert_int_equal(e.by, JOB_END_REAPED);
	assert_int_equal(e.exit_kind, RT_EXIT_CODE);
	assert_int_equal(e.exit_value, 0);
	assert_int_equal(e.time_ns, S(T0 + 5));
	assert_string_equal(e.unseen_image, "busybox"); /* not "make" */
	root = find(&run.job, 100);
	assert_true(root->flags & JOB_REAPED);
	assert_false(root->flags & JOB_EXACT);
	assert_int_equal(root->exit_kind, RT_EXIT_CODE);
	assert_int_equal(root->utime_us, 3500000); /* 3.8 s less 102's */
	assert_int_equal(root->stime_us, 100000);
	assert_int_equal(root->end_ns, S(T0 + 5));
	assert_near(run.job.cpu_s, 3.9);
	assert_near(job_reaped_cpu_s(&run.log, &run.job), 3.9);
	stats_summarize(&run, &s);
	assert_near(s.cpu_seconds, 3.9);
	assert_near(s.duration_s, 5.0);
	assert_near(s.peak_rss_mib, 123456 / 1024.0);
	assert_int_equal(stats_end_ns(&run.log, &end), 0);
	assert_int_equal(end, S(T0 + 5));
	run_free(&run);
}

/* A root killed by SIGKILL: no END; the wrapper saw signal 9.  The same
 * name as the header's program: no image rtrack did not see. */
static void test_reaped_sigkill(void **state)
{
	struct job_end e;
	struct run run;

	(void)state;
	put_header(RT_CFG_CHILDREN);
	put_sample(0, 0, 0);
	put_sample(1, 90, 10);
	put_reaped(1.5, RT_EXIT_SIGNAL, 9, 950000, 110000, "make");
	decode(&run);
	job_end_get(&run.log, &e);
	assert_int_equal(e.by, JOB_END_REAPED);
	assert_int_equal(e.exit_kind, RT_EXIT_SIGNAL);
	assert_int_equal(e.exit_value, 9);
	assert_string_equal(e.unseen_image, "");
	assert_int_equal(find(&run.job, 100)->exit_kind, RT_EXIT_SIGNAL);
	assert_int_equal(find(&run.job, 100)->exit_value, 9);
	run_free(&run);
}

/* A leaving EXEC record (J4, J5) that no sample followed names the image
 * the root exec'd; one a sample followed was a failed exec. */
static void test_reaped_leaving(void **state)
{
	struct rt_exec x;
	struct job_end e;
	struct run run;

	(void)state;
	memset(&x, 0, sizeof(x));
	x.pid = 100;
	x.flags = RT_EXEC_F_LEAVING;
	strcpy(x.cmdline, "/usr/local/bin/static-tool --fast");
	put_header(RT_CFG_CHILDREN);
	put_sample(0, 0, 0);
	x.time_ns = S(T0 + 0.5);
	assert_int_equal(logwrite_exec(&b, &x), 0);
	put_reaped(3, RT_EXIT_CODE, 0, 2000000, 0, "make");
	decode(&run);
	job_end_get(&run.log, &e);
	assert_string_equal(e.unseen_image, "static-tool");
	run_free(&run);

	put_header(RT_CFG_CHILDREN);
	put_sample(0, 0, 0);
	assert_int_equal(logwrite_exec(&b, &x), 0);
	put_sample(1, 10, 0); /* the exec failed: the image went on */
	put_reaped(3, RT_EXIT_SIGNAL, 9, 2000000, 0, "make");
	decode(&run);
	job_end_get(&run.log, &e);
	assert_string_equal(e.unseen_image, "");
	run_free(&run);
}

/* END and REAPED: END's status and rows stand; the larger CPU total
 * wins (the wait's 5 s less the tracker's 10 ms over the rows' 3.64 s). */
static void test_reaped_with_end(void **state)
{
	struct stats_summary s;
	struct job_end e;
	struct run run;

	(void)state;
	full_job(RT_CFG_CHILDREN, 1);
	put_reaped(2.1, RT_EXIT_CODE, 2, 5000000, 0, "make");
	decode(&run);
	job_end_get(&run.log, &e);
	assert_int_equal(e.by, JOB_END_RECORD);
	assert_int_equal(e.exit_value, 2);
	assert_int_equal(e.time_ns, S(T0 + 2));
	assert_int_equal(find(&run.job, 100)->utime_us, 2000000);
	assert_false(find(&run.job, 100)->flags & JOB_REAPED);
	assert_near(run.job.cpu_s, 2.49 + 0.85 + 0.3);
	stats_summarize(&run, &s);
	assert_near(s.cpu_seconds, 4.99);
	run_free(&run);
}

/* A process reported twice by the sampler (it left the tree and came
 * back) is one row; a 1.0 PROC record without starttime still matches
 * its exit record (starttime from start_ns and the boot time). */
/* A child a process of the job reaped after a signal killed it (W8 bit 1),
 * the figures as the parent's wait4 gave them. */
static void put_killed(uint32_t pid, uint32_t ppid, double t, int sig,
		       uint64_t u_us, uint64_t s_us)
{
	put_reaped_of(pid, ppid, RT_REAPED_F_CHILD, t, RT_EXIT_SIGNAL, sig,
		      u_us, s_us, 5000, "");
}

/* Killed children: 101, sampled, gets its end, signal and wait4's CPU
 * (more than the samples saw); 103, never sampled, a row of its own; 102,
 * which wrote its own exit record (an abort()), keeps it.  The summary
 * counts the killed apart from the sampled-only. */
static void test_killed_children(void **state)
{
	const struct job_proc *p;
	struct stats_summary s;
	struct run run;

	(void)state;
	put_header(RT_CFG_CHILDREN);
	put_sample(0, 0, 0);
	put_exit(102, 0.1, 0.5, 300000, 0, 0, "cc -c b.c");
	put_killed(102, 100, 0.6, 6, 999000, 0);
	put_sample(1, 150, 20);
	put_proc(101, 0.2, 1, 50, 10, 0, "python3 worker");
	put_killed(101, 100, 1.2, 15, 800000, 120000);
	put_killed(103, 100, 1.4, 9, 40000, 5000);
	put_sample(2, 250, 40);
	put_proc(100, 0, 2, 200, 30, RT_PROC_ALIVE_AT_END, "make -j2");
	put_end();
	decode(&run);
	assert_int_equal(run.log.nreaps, 3);
	p = find(&run.job, 101);
	assert_non_null(p);
	assert_int_equal(p->exit_kind, RT_EXIT_SIGNAL);
	assert_int_equal(p->exit_value, 15);
	assert_int_equal(p->end_ns, S(T0 + 1.2));
	assert_int_equal(p->utime_us, 800000);
	assert_int_equal(p->stime_us, 120000);
	assert_true(p->flags & JOB_KILLED);
	assert_string_equal(p->cmdline, "python3 worker");
	p = find(&run.job, 103);
	assert_non_null(p);
	assert_int_equal(p->exit_value, 9);
	assert_int_equal(p->ppid, 100);
	assert_int_equal(p->utime_us + p->stime_us, 45000);
	assert_string_equal(p->cmdline, "(a child of 100, never seen)");
	p = find(&run.job, 102);
	assert_int_equal(p->exit_kind, RT_EXIT_CODE);
	assert_int_equal(p->utime_us, 300000);
	assert_int_equal(run.job.nkilled, 2);
	/* The intervals get what the waits saw past the samples, as an exit
	 * record's: 102's record in the first; 101's 0.3 + 0.02 s past its
	 * PROC and all of 103's (never seen) in the second (it had none: a
	 * killed worker read as 0 cores). */
	assert_near(run.job.tail_utime_s[0], 0.3);
	assert_near(run.job.tail_utime_s[1], 0.3 + 0.04);
	assert_near(run.job.tail_stime_s[1], 0.02 + 0.005);
	stats_summarize(&run, &s);
	assert_int_equal(s.processes_sampled_only, 0);
	assert_int_equal(s.processes_seen, 4);
	run_free(&run);
}

/* An orphan the sampler saw under its first parent (101), reparented to a
 * subreaper root (100) that reaped it after a signal: one row, the
 * sampled one, with the reap's end and signal (it was two: the sampled
 * row without an end, and "(a child of 100, never seen)").  A pid reused
 * by a process that ended with its own record is left alone: the reap of
 * a later 104 of another parent is a row of its own. */
static void test_reaped_orphan(void **state)
{
	struct rt_proc p = proc_rec(102, 0.2, 0.5, 20, 5, 0, "sh -c sleep");
	const struct job_proc *q;
	struct rt_exit x;
	struct stats_summary s;
	struct run run;

	(void)state;
	put_header(RT_CFG_CHILDREN);
	put_sample(0, 0, 0);
	put_proc(101, 0.1, 0.5, 10, 1, 0, "middle");
	p.ppid = 101;
	assert_int_equal(logwrite_proc(&b, &p), 0);
	p = proc_rec(104, 0.1, 0.3, 10, 1, 0, "first 104");
	p.ppid = 101;
	assert_int_equal(logwrite_proc(&b, &p), 0);
	x = exit_rec(104, 0.1, 0.4, 100000, 0, 0, "first 104");
	x.ppid = 101;
	assert_int_equal(logwrite_exit(&b, &x), 0);
	put_sample(1, 60, 10);
	put_killed(102, 100, 1.2, 15, 250000, 50000);
	put_killed(104, 100, 1.3, 9, 10000, 0);
	put_sample(2, 100, 20);
	put_proc(100, 0, 2, 60, 20, RT_PROC_ALIVE_AT_END, "reaper");
	put_end();
	decode(&run);
	q = find(&run.job, 102);
	assert_non_null(q);
	assert_string_equal(q->cmdline, "sh -c sleep");
	assert_int_equal(q->exit_kind, RT_EXIT_SIGNAL);
	assert_int_equal(q->exit_value, 15);
	assert_int_equal(q->ppid, 100);
	assert_int_equal(q->end_ns, S(T0 + 1.2));
	q = find(&run.job, 104);
	assert_string_equal(q->cmdline, "first 104");
	assert_int_equal(q->exit_kind, RT_EXIT_CODE);
	stats_summarize(&run, &s);
	/* 100, 101, 102, the first 104 and the reaped second one. */
	assert_int_equal(s.processes_seen, 5);
	assert_int_equal(run.job.nkilled, 2);
	run_free(&run);
}

/* Five samples 0.5 s apart whose field 9 reads ms[i] milliseconds, the
 * root's image exec'd (its EXEC record) just before sample exec_at (none
 * past the fifth), then put_end()'s E10 of 10 ms. */
static void put_tracker_run(const uint64_t ms[5], size_t exec_at)
{
	struct rt_exec j = { .pid = 100, .cmdline = "python3 x.py" };
	struct rt_sample x;

	put_header(RT_CFG_CHILDREN);
	for (size_t i = 0; i < 5; i++) {
		if (i == exec_at) {
			j.time_ns = S(T0 + 0.5 * (double)i - 0.25);
			assert_int_equal(logwrite_exec(&b, &j), 0);
		}
		memset(&x, 0, sizeof(x));
		x.time_ns = S(T0 + 0.5 * (double)i);
		x.tree_procs = 1;
		x.tracker_cpu_ns = ms[i] * 1000000;
		assert_int_equal(logwrite_sample(&b, &x), 0);
	}
	put_end();
}

/* The sampler's CPU of every image: its thread clock starts again at an
 * exec (field 9 goes back), and the earlier images' threads stay in the
 * process's rusage.  Only the last image's was taken off the root's CPU,
 * so a `bash -c 'sleep 10; exec /bin/true'` at 100 Hz showed /bin/true
 * with 265 ms and "tracker 0 ms". */
static void test_tracker_every_image(void **state)
{
	static const uint64_t ms[] = { 0, 5, 9, 1, 3 };
	/* The new image's first reading past the last of the image before
	 * (a short wrapper's 9 ms, then 12): its EXEC record says so. */
	static const uint64_t ms2[] = { 0, 5, 9, 12, 14 };
	const struct job_proc *q;
	double rows[4] = { 0 };
	struct run run;

	(void)state;
	put_tracker_run(ms, 5); /* E10: the last image's 3 ms, then 7 more */
	decode(&run);
	/* 9 ms of the first image, 10 of the second. */
	assert_int_equal(job_tracker_ns(&run.log, NULL), 19000000);
	q = find(&run.job, 100);
	assert_non_null(q);
	/* END's 2.5 s less 19 ms, from system time first. */
	assert_int_equal(q->stime_us, 500000 - 19000);
	assert_int_equal(q->utime_us, 2000000);
	run_free(&run);
	put_tracker_run(ms2, 3); /* E10 under the 14: a step of all of it */
	decode(&run);
	assert_int_equal(job_tracker_ns(&run.log, rows),
			 (9 + 14 + 10) * 1000000ull);
	assert_near(rows[2], 0.012);
	assert_near(rows[3], 0.002);
	run_free(&run);
}

/* An exit record of a process that started a minute or more after the
 * job's END (it inherited RTRACK_ROOT from a tmux server the job left
 * running) is not of the job: ignored and counted; one that started
 * before the end, or within the minute after it, stays. */
static void test_started_after_end(void **state)
{
	struct run run;

	(void)state;
	put_header(RT_CFG_CHILDREN);
	put_sample(0, 0, 0);
	put_exit(101, 0.5, 1.0, 1000, 0, 0, "in the job");
	put_sample(1, 60, 10);
	put_proc(100, 0, 2, 60, 20, 0, "root");
	put_end(); /* at T0 + 2 */
	put_exit(102, 2 + 30, 2 + 31, 1000, 0, 0, "within the minute");
	put_exit(103, 2 + 61, 2 + 62, 5000000, 0, 0, "a tmux window later");
	decode(&run);
	assert_non_null(find(&run.job, 101));
	assert_non_null(find(&run.job, 102));
	assert_null(find(&run.job, 103));
	assert_int_equal(run.job.after_end, 1);
	run_free(&run);
}

/* A pid reused (the review of the first orphan matching): an earlier 104,
 * a child of 101 seen only by sampling, is not the 104 that 100 reaped
 * later, when the sampler saw it exit (a static tool), or when its parent
 * 101 was still there at the reap: two rows each time. */
static void test_reaped_pid_reused(void **state)
{
	for (int seen_exit = 0; seen_exit < 2; seen_exit++) {
		struct rt_proc p;
		const struct job_proc *q;
		struct stats_summary s;
		struct run run;

		(void)state;
		put_header(RT_CFG_CHILDREN);
		put_sample(0, 0, 0);
		/* 101 outlives the reap where the tool's exit was not seen. */
		put_proc(101, 0.1, seen_exit ? 0.5 : 6, 10, 1,
			 seen_exit ? 0 : RT_PROC_ALIVE_AT_END, "middle");
		p = proc_rec(104, 0.1, 0.3, 10, 1,
			     seen_exit ? RT_PROC_EXITED : 0, "static-tool");
		p.ppid = 101;
		assert_int_equal(logwrite_proc(&b, &p), 0);
		put_sample(1, 60, 10);
		put_killed(104, 100, 5.0, 9, 10000, 0);
		put_sample(6, 100, 20);
		put_proc(100, 0, 6, 60, 20, RT_PROC_ALIVE_AT_END, "reaper");
		put_end();
		decode(&run);
		stats_summarize(&run, &s);
		assert_int_equal(s.processes_seen, 4);
		q = find(&run.job, 104); /* the first */
		assert_string_equal(q->cmdline, "static-tool");
		assert_int_equal(q->ppid, 101);
		assert_int_not_equal(q->exit_kind, RT_EXIT_SIGNAL);
		run_free(&run);
	}
}

/* A root (100) that ended before its first sample writes no PROC record;
 * a descendant whose /proc showed it the root's pid (pid 1 of a PID
 * namespace of its own, the root being pid 1 of a container) writes an
 * exit record with that pid.  Two rows: the root's made from the header,
 * the descendant's its own. */
static void test_root_pid_of_descendant(void **state)
{
	const struct job_proc *p;
	struct run run;
	size_t roots = 0;

	(void)state;
	put_header(RT_CFG_CHILDREN);
	put_exit(100, 0.005, 0.01, 1000, 0, 0, "sh -c echo");
	put_end();
	decode(&run);
	assert_int_equal(run.job.nprocs, 2);
	for (size_t i = 0; i < run.job.nprocs; i++) {
		p = &run.job.procs[i];
		if (p->flags & JOB_ROOT) {
			roots++;
			assert_string_equal(p->cmdline, "make -j2");
		} else {
			assert_string_equal(p->cmdline, "sh -c echo");
		}
	}
	assert_int_equal(roots, 1);
	run_free(&run);
}

static void test_fold_and_old_proc(void **state)
{
	const struct job_proc *p;
	struct rt_proc old;
	struct run run;

	(void)state;
	put_header(RT_CFG_CHILDREN);
	put_sample(0, 0, 0);
	put_proc(105, 0.1, 0.5, 10, 1, 0, "a");
	put_proc(105, 0.1, 1.0, 30, 2, 0, "a");
	memset(&old, 0, sizeof(old));
	old.pid = 106;
	old.start_ns = S(T0 + 0.3);
	old.utime_ticks = 5;
	assert_int_equal(logwrite_proc(&b, &old), 0);
	put_exit(106, 0.3, 0.9, 90000, 0, 0, "b");
	put_sample(1, 40, 3);
	decode(&run);
	p = find(&run.job, 105);
	assert_int_equal(p->utime_us, 300000);
	assert_int_equal(p->end_ns, S(T0 + 1.0));
	p = find(&run.job, 106);
	assert_true((p->flags & (JOB_SAMPLED | JOB_EXACT)) ==
		    (JOB_SAMPLED | JOB_EXACT));
	assert_int_equal(run.job.nprocs, 3); /* 105, 106 and the root */
	assert_near(run.job.tail_utime_s[0], 0.04); /* 0.09 - 5 ticks */
	run_free(&run);
}

/* Two incarnations of one pid are two rows; a second exit record of a
 * process (hostile input) does not replace the first. */
static void test_duplicate_exit(void **state)
{
	struct run run;

	(void)state;
	put_header(RT_CFG_CHILDREN);
	put_sample(0, 0, 0);
	put_proc(107, 0.1, 0.2, 1, 0, 0, "x");
	put_exit(107, 0.1, 0.3, 20000, 0, 1, "x");
	put_exit(107, 0.1, 0.3, 990000, 0, 9, "x");
	put_exit(107, 0.6, 0.8, 10000, 0, 0, "y");
	put_exit(107, 0.6, 0.8, 990000, 0, 0, "y"); /* unsampled: once too */
	put_sample(1, 1, 0);
	decode(&run);
	assert_int_equal(run.job.nprocs, 3); /* two 107s and the root */
	assert_int_equal(run.job.dup_exits, 2); /* what --check reports */
	assert_int_equal(find(&run.job, 107)->exit_value, 1);
	assert_int_equal(find(&run.job, 107)->utime_us, 20000);
	/* 20 ms less the tick sampled; the second 107 started before the
	 * last sample of a log without END: no tail (may be in seen_*). */
	assert_near(run.job.tail_utime_s[0], 0.01);
	run_free(&run);
}

/* Brief exit records (FORMAT.md X18): the start a bound, matched to the
 * latest sampled row of the pid that started no later and has no exit
 * record of its own; the run delay not read (the sampled one stays). */
static void put_brief(uint32_t pid, double bound, double end, uint64_t u_us,
		      const char *cmd)
{
	struct rt_exit x = exit_rec(pid, bound, end, u_us, 0, 0, cmd);

	x.flags = RT_EXIT_F_BRIEF;
	x.hwm_kib = 1800;
	x.major_faults = 2;
	assert_int_equal(logwrite_exit(&b, &x), 0);
}

static void test_brief(void **state)
{
	struct rt_proc p;
	const struct job_proc *r;
	struct run run;
	size_t n = 0;

	(void)state;
	put_header(RT_CFG_CHILDREN);
	put_sample(0, 0, 0);
	/* 110: sampled from 0.1 with 5 ms of run delay; its brief record's
	 * start reads 30 ms (3 ticks) late. */
	p = proc_rec(110, 0.1, 0.12, 1, 0, 0, "sh -c x");
	p.run_delay_ns = 5000000;
	assert_int_equal(logwrite_proc(&b, &p), 0);
	put_brief(110, 0.13, 0.14, 15000, "x");
	/* 111 twice: the first sampled, with an EXIT record of its own
	 * written after the second's brief one; the second never sampled. */
	put_proc(111, 0.2, 0.4, 2, 0, 0, "old");
	put_brief(111, 0.8, 0.81, 4000, "new");
	put_exit(111, 0.2, 0.5, 30000, 0, 0, "old");
	/* 112: sampled, untracked (no record), then its brief record. */
	put_proc(112, 0.3, 0.35, 1, 0, 0, "static");
	put_brief(112, 0.31, 0.36, 9000, "static");
	/* The root's pid on a brief record: another process, after it. */
	put_brief(100, 0.6, 0.61, 1000, "late");
	put_sample(1, 10, 0);
	decode(&run);
	assert_int_equal(run.log.nexits, 5);
	assert_int_equal(run.job.dup_exits, 0);
	r = find(&run.job, 110);
	assert_true((r->flags & (JOB_SAMPLED | JOB_EXACT | JOB_BRIEF |
				 JOB_WAIT | JOB_SCHED)) ==
		    (JOB_SAMPLED | JOB_EXACT | JOB_BRIEF | JOB_WAIT |
		     JOB_SCHED));
	assert_int_equal(r->starttime_ticks, TICKS(T0 + 0.1)); /* sampled */
	assert_int_equal(r->utime_us, 15000);
	assert_int_equal(r->run_delay_ns, 5000000);
	assert_int_equal(r->major_faults, 2);
	assert_int_equal(r->hwm_kib, 9000); /* the larger, the sampled */
	assert_string_equal(r->cmdline, "x");
	for (size_t i = 0; i < run.job.nprocs; i++) {
		r = &run.job.procs[i];
		if (r->pid != 111)
			continue;
		n++;
		if (r->flags & JOB_SAMPLED) {
			assert_string_equal(r->cmdline, "old");
			assert_int_equal(r->utime_us, 30000);
			assert_false(r->flags & JOB_BRIEF);
		} else {
			assert_string_equal(r->cmdline, "new");
			assert_true(r->flags & JOB_BRIEF);
			assert_false(r->flags & JOB_WAIT); /* never read */
			assert_int_equal(r->starttime_ticks, TICKS(T0 + 0.8));
			assert_int_equal(r->start_ns, S(T0 + 0.8));
			assert_int_equal(r->hwm_kib, 1800);
		}
	}
	assert_int_equal(n, 2);
	r = find(&run.job, 112);
	assert_true(r->flags & JOB_SAMPLED);
	assert_true(r->flags & JOB_BRIEF);
	assert_int_equal(r->utime_us, 9000);
	/* Two rows of pid 100: the root's (no PROC record, no END: made
	 * from the header), never the late one's. */
	n = 0;
	for (size_t i = 0; i < run.job.nprocs; i++) {
		r = &run.job.procs[i];
		if (r->pid != 100)
			continue;
		n++;
		assert_true(!(r->flags & JOB_ROOT) != !(r->flags & JOB_BRIEF));
	}
	assert_int_equal(n, 2);
	run_free(&run);
}

/* A brief record never takes the row of another process of its pid (a pid
 * reused): one with another parent, one the sampler saw dead, or one a
 * parent reaped, before the brief one began.  Its peak, when it could not
 * tell it, is the sampled one, else unknown. */
static void test_brief_reuse(void **state)
{
	struct rt_reaped w;
	struct rt_proc p;
	struct rt_exit x;
	const struct job_proc *r;
	struct run run;
	size_t rows[4] = { 0 };

	(void)state;
	put_header(RT_CFG_CHILDREN);
	put_sample(0, 0, 0);
	/* 120: sampled, a child of 99; the brief one's parent is the root. */
	p = proc_rec(120, 0.1, 0.2, 1, 0, 0, "other parent");
	p.ppid = 99;
	assert_int_equal(logwrite_proc(&b, &p), 0);
	put_brief(120, 0.5, 0.51, 1000, "brief");
	/* 121: sampled and seen a zombie at 0.2. */
	p = proc_rec(121, 0.1, 0.2, 1, 0, RT_PROC_EXITED, "dead");
	assert_int_equal(logwrite_proc(&b, &p), 0);
	put_brief(121, 0.5, 0.51, 1000, "brief");
	/* 122: sampled, then killed and reaped at 0.3. */
	put_proc(122, 0.1, 0.2, 1, 0, 0, "killed");
	memset(&w, 0, sizeof(w));
	w.time_ns = S(T0 + 0.3);
	w.pid = 122;
	w.ppid = 100;
	w.exit_kind = RT_EXIT_SIGNAL;
	w.exit_value = 9;
	w.flags = RT_REAPED_F_CHILD;
	assert_int_equal(logwrite_reaped(&b, &w), 0);
	put_brief(122, 0.5, 0.51, 1000, "brief");
	/* 123: sampled with a 9000 KiB peak, its brief record with none;
	 * 124: never sampled, no peak either. */
	put_proc(123, 0.4, 0.45, 1, 0, 0, "sh");
	x = exit_rec(123, 0.46, 0.47, 1000, 0, 0, "x");
	x.flags = RT_EXIT_F_BRIEF | RT_EXIT_F_NO_PEAK | RT_EXIT_F_NO_SWAP;
	assert_int_equal(logwrite_exit(&b, &x), 0);
	x.pid = 124;
	assert_int_equal(logwrite_exit(&b, &x), 0);
	put_sample(1, 10, 0);
	decode(&run);
	for (size_t i = 0; i < run.job.nprocs; i++) {
		r = &run.job.procs[i];
		if (r->pid < 120 || r->pid > 122)
			continue;
		rows[r->pid - 120]++;
		if (r->flags & JOB_BRIEF) {
			assert_false(r->flags & JOB_SAMPLED);
			assert_string_equal(r->cmdline, "brief");
		} else {
			assert_true(r->flags & JOB_SAMPLED);
		}
	}
	assert_int_equal(rows[0], 2);
	assert_int_equal(rows[1], 2);
	assert_int_equal(rows[2], 2);
	for (size_t i = 0; i < run.job.nprocs; i++) {
		r = &run.job.procs[i];
		if (r->pid == 122 && (r->flags & JOB_SAMPLED))
			assert_true(r->flags & JOB_KILLED); /* the reap's */
	}
	r = find(&run.job, 123);
	assert_true((r->flags & (JOB_SAMPLED | JOB_BRIEF)) ==
		    (JOB_SAMPLED | JOB_BRIEF));
	assert_false(r->flags & (JOB_NO_PEAK | JOB_NO_SWAP));
	assert_int_equal(r->hwm_kib, 9000);
	r = find(&run.job, 124);
	assert_true(r->flags & JOB_NO_PEAK);
	assert_true(r->flags & JOB_NO_SWAP);
	assert_int_equal(r->hwm_kib, 0);
	run_free(&run);
}

/* An exit record of pid, child of ppid, with its /proc/self/io figures. */
static void put_exit_io(uint32_t pid, uint32_t ppid, double start,
			double end, uint64_t rd, uint64_t wr)
{
	struct rt_exit x = exit_rec(pid, start, end, 0, 0, 0, "io");

	x.ppid = ppid;
	x.read_bytes = rd;
	x.write_bytes = wr;
	assert_int_equal(logwrite_exit(&b, &x), 0);
}

/* The root's PROC record, last seen at T0 + last, started late_ns past
 * the tick it started in, with its I/O; then its END. */
static void put_root_io(double last, uint64_t late_ns, uint64_t rd,
			uint64_t wr)
{
	struct rt_proc p = proc_rec(100, 0, last, 0, 0, RT_PROC_ALIVE_AT_END,
				    "sh -c ...");

	p.ppid = 1;
	p.start_ns += late_ns;
	p.read_bytes = rd;
	p.write_bytes = wr;
	assert_int_equal(logwrite_proc(&b, &p), 0);
	put_end();
}

static size_t row_index(const struct job *j, const struct job_proc *p)
{
	return (size_t)(p - j->procs);
}

/* Parents by pid and ppid: `sh -c 'cd "$(dirname "$0")"; ...'` forks
 * dirname within the tick the root started in, and the root's start_ns
 * (through the sampler's boot-time estimate) reads 3 ms later than the
 * child's (through the header's): dirname sorts first, yet is the root's
 * child.  A reused pid (two rows of 105) is told apart by start time;
 * a ppid not in the table is no parent. */
static void test_parents(void **state)
{
	const struct job_proc *root, *c;
	struct run run;

	(void)state;
	put_header(RT_CFG_CHILDREN);
	put_sample(0, 0, 0);
	put_exit(101, 0, 0.01, 0, 0, 0, "dirname ./run.sh");
	put_exit_io(105, 100, 0.1, 0.3, 0, 0);
	put_exit_io(107, 105, 0.2, 0.25, 0, 0);
	put_exit_io(105, 100, 0.6, 0.9, 0, 0);
	put_exit_io(106, 105, 0.7, 0.8, 0, 0);
	put_exit_io(108, 999, 0.7, 0.8, 0, 0);
	put_sample(1, 0, 0);
	put_root_io(1, 3000000, 0, 0);
	decode(&run);
	root = find(&run.job, 100);
	c = find(&run.job, 101);
	assert_true(c < root); /* the table is in start_ns order */
	assert_int_equal(c->parent, row_index(&run.job, root) + 1);
	assert_int_equal(root->parent, 0);
	for (size_t i = 0; i < run.job.nprocs; i++) {
		const struct job_proc *x = &run.job.procs[i];
		const struct job_proc *up = x->parent ?
			&run.job.procs[x->parent - 1] : NULL;
		if (x->pid == 107 || x->pid == 106)
			assert_int_equal(up->start_ns,
					 x->pid == 107 ? S(T0 + 0.1) :
							 S(T0 + 0.6));
		if (x->pid == 105)
			assert_ptr_equal(up, root);
		if (x->pid == 108)
			assert_null(up);
	}
	run_free(&run);
}

/* Own I/O: /proc/PID/io holds the I/O of the children a process waited
 * for (theirs holding their own children's), as wait4's rusage holds
 * their CPU; an exit record of 1.6 on holds the process's own alone
 * (getrusage, X17), before it /proc/self/io's.  Root 100 (sampled) waited
 * for 101 (which waited for 201) and for 104; 102 is still running at the
 * end and 103 ended after the root: neither is in the root's figure.  109's
 * parent is gone (reparented): its own.  101 read 200 and wrote 1500
 * itself: its record says so (minor 7) or adds 201's (minor 5); the rows
 * come out the same. */
static void own_io_log(unsigned minor, struct run *run)
{
	struct rt_proc p;
	int own = minor >= 6;

	put_header(RT_CFG_CHILDREN);
	mem[10] = (uint8_t)minor; /* F1: the minor version, little-endian */
	put_sample(0, 0, 0);
	put_exit_io(201, 101, 0.3, 1.0, 100, 500);
	put_exit_io(101, 100, 0.2, 1.5, own ? 200 : 300, own ? 1500 : 2000);
	put_exit_io(104, 100, 0.4, 0.5, 0, 40);
	put_exit_io(109, 1, 0.4, 0.5, 7, 7);
	put_sample(1, 0, 0);
	p = proc_rec(102, 0.5, 2, 0, 0, RT_PROC_ALIVE_AT_END, "daemon");
	p.write_bytes = 700;
	assert_int_equal(logwrite_proc(&b, &p), 0);
	put_root_io(2, 0, 1000, 5040);
	put_exit_io(103, 100, 0.5, 2.5, 9, 9);
	decode(run);
}

static void test_own_io(void **state)
{
	struct run run;

	(void)state;
	for (unsigned minor = 5; minor <= RT_LOG_VERSION_MINOR; minor += 2) {
		uint64_t rd = 0, wr = 0;

		own_io_log(minor, &run);
		assert_int_equal(run.log.version_minor, minor);
		assert_int_equal(find(&run.job, 100)->read_bytes, 700);
		assert_int_equal(find(&run.job, 100)->write_bytes, 3000);
		assert_int_equal(find(&run.job, 101)->read_bytes, 200);
		assert_int_equal(find(&run.job, 101)->write_bytes, 1500);
		assert_int_equal(find(&run.job, 201)->write_bytes, 500);
		assert_int_equal(find(&run.job, 104)->write_bytes, 40);
		assert_int_equal(find(&run.job, 102)->write_bytes, 700);
		assert_int_equal(find(&run.job, 103)->write_bytes, 9);
		assert_int_equal(find(&run.job, 109)->read_bytes, 7);
		/* Every byte once: the root's tree, the daemon, 103 and 109. */
		for (size_t i = 0; i < run.job.nprocs; i++) {
			rd += run.job.procs[i].read_bytes;
			wr += run.job.procs[i].write_bytes;
		}
		assert_int_equal(rd, 1000 + 9 + 7);
		assert_int_equal(wr, 5040 + 700 + 9 + 7);
		run_free(&run);
	}

	/* Children's figures past the parent's (hostile, or a child the
	 * parent never waited for): 0, never a wrap. */
	put_header(RT_CFG_CHILDREN);
	put_sample(0, 0, 0);
	put_exit_io(101, 100, 0.2, 0.5, 0, UINT64_MAX);
	put_exit_io(102, 100, 0.2, 0.5, 0, 5);
	put_sample(1, 0, 0);
	put_root_io(1, 0, 0, 10);
	decode(&run);
	assert_int_equal(find(&run.job, 100)->write_bytes, 0);
	run_free(&run);
}

/* A short root (FORMAT.md E16): header, a child's brief exit record and
 * END, no sample and no PROC record.  The root's row: END's CPU less the
 * sampler's, its peak, status, major faults, and its I/O as /proc/PID/io
 * counts it (E13, E14: its own 4096 and the waited-for child's 1 MiB),
 * made its own; swap and run delay unknown.  An END without E12's bit (an
 * attach, or 1.7) leaves the I/O alone. */
static void test_short_root(void **state)
{
	const struct job_proc *root, *kid;
	struct stats_summary sum;
	struct rt_end e;
	struct run run;

	(void)state;
	for (int io = 0; io < 2; io++) {
		put_header(RT_CFG_CHILDREN);
		put_exit_io(101, 100, 0.001, 0.002, 0, 1 << 20);
		memset(&e, 0, sizeof(e));
		e.time_ns = S(T0 + 0.003);
		e.exit_kind = RT_EXIT_CODE;
		e.self_utime_us = 1000;
		e.self_stime_us = 2500;
		e.tracker_cpu_ns = 500000;
		e.self_maxrss_kib = 1500;
		e.flags = io ? RT_END_F_IO : 0;
		e.read_bytes = 8192;
		e.write_bytes = (1 << 20) + 4096;
		e.major_faults = 3;
		assert_int_equal(logwrite_end(&b, &e), 0);
		decode(&run);
		assert_int_equal(run.log.nsamples, 0);
		assert_int_equal(run.job.nprocs, 2);
		root = find(&run.job, 100);
		kid = find(&run.job, 101);
		assert_true(root->flags & JOB_ROOT);
		assert_int_equal(root->stime_us, 2000);
		assert_int_equal(root->utime_us, 1000);
		assert_int_equal(root->hwm_kib, 1500);
		assert_int_equal(root->end_ns, S(T0 + 0.003));
		assert_int_equal(kid->write_bytes, 1 << 20);
		assert_int_equal(root->read_bytes, io ? 8192 : 0);
		assert_int_equal(root->write_bytes, io ? 4096 : 0);
		assert_int_equal(root->major_faults, io ? 3 : 0);
		assert_int_equal(!!(root->flags & JOB_SCHED), io);
		assert_int_equal(!!(root->flags & JOB_NO_SWAP), io);
		assert_false(root->flags & JOB_WAIT);
		/* No interval: the job's disk figures are its rows', each byte
		 * once, where the root's are known. */
		stats_summarize(&run, &sum);
		assert_int_equal(!!(sum.present &
				    STATS_BIT(STATS_S_disk_write_bytes)), io);
		if (io) {
			assert_int_equal(sum.disk_write_bytes, (1 << 20) + 4096);
			assert_int_equal(sum.disk_read_bytes, 8192);
		}
		run_free(&run);
	}
	/* A child whose parent left no record (a static binary between): its
	 * bytes are in the root's figure and its own row; no total. */
	put_header(RT_CFG_CHILDREN);
	put_exit_io(102, 101, 0.001, 0.002, 0, 1 << 20);
	memset(&e, 0, sizeof(e));
	e.time_ns = S(T0 + 0.003);
	e.flags = RT_END_F_IO;
	e.write_bytes = 1 << 20;
	assert_int_equal(logwrite_end(&b, &e), 0);
	decode(&run);
	stats_summarize(&run, &sum);
	assert_false(sum.present & STATS_BIT(STATS_S_disk_write_bytes));
	run_free(&run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_tails_in_rows),
		cmocka_unit_test(test_children_off),
		cmocka_unit_test(test_killed_root),
		cmocka_unit_test(test_fold_and_old_proc),
		cmocka_unit_test(test_duplicate_exit),
		cmocka_unit_test(test_brief),
		cmocka_unit_test(test_brief_reuse),
		cmocka_unit_test(test_reaped_root),
		cmocka_unit_test(test_reaped_sigkill),
		cmocka_unit_test(test_reaped_leaving),
		cmocka_unit_test(test_reaped_with_end),
		cmocka_unit_test(test_reaped_orphan),
		cmocka_unit_test(test_started_after_end),
		cmocka_unit_test(test_tracker_every_image),
		cmocka_unit_test(test_reaped_pid_reused),
		cmocka_unit_test(test_root_pid_of_descendant),
		cmocka_unit_test(test_killed_children),
		cmocka_unit_test(test_parents),
		cmocka_unit_test(test_own_io),
		cmocka_unit_test(test_short_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
