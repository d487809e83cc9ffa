/* job.c - one row per process of the job, merged from PROC, EXIT and END
 * records (job.h). */
#include "job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logread.h"
#include "text.h"

#define NS_PER_S 1000000000ull
#define US_PER_S 1000000.0

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static uint64_t sub_sat(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static uint64_t clk_of(const struct rt_log *log)
{
	return log->hdr.clk_tck ? log->hdr.clk_tck : 100;
}

static uint64_t ticks_to_us(const struct rt_log *log, uint64_t ticks)
{
	uint64_t clk = clk_of(log);

	/* Exact for the usual 100 Hz; no overflow below 2^44 ticks. */
	return ticks / clk * 1000000u + ticks % clk * 1000000u / clk;
}

/* A 1.0 PROC record has no starttime: back from start_ns and the boot
 * time, rounded to the nearest tick. */
static uint64_t proc_starttime(const struct rt_log *log, const struct rt_proc *p)
{
	uint64_t clk = clk_of(log), ns;

	if (p->starttime_ticks || p->start_ns < log->hdr.boot_time_ns)
		return p->starttime_ticks;
	ns = p->start_ns - log->hdr.boot_time_ns;
	return (ns / 1000 * clk + 500000) / 1000000;
}

static uint64_t start_ns_of(const struct rt_log *log, uint64_t ticks)
{
	uint64_t clk = clk_of(log);

	return log->hdr.boot_time_ns + ticks / clk * NS_PER_S +
	       ticks % clk * NS_PER_S / clk;
}

/* Both arrays are RT_PROC_CMDLINE_MAX: a source filling its array without
 * a NUL stays that way (readers bound strings by the array). */
static void copy_cmdline(char *dst, const char *src)
{
	size_t n = strnlen(src, RT_PROC_CMDLINE_MAX);

	memcpy(dst, src, n);
	if (n < RT_PROC_CMDLINE_MAX)
		dst[n] = '\0';
}

static int by_key(const void *a, const void *b)
{
	const struct job_proc *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->starttime_ticks != y->starttime_ticks)
		return x->starttime_ticks < y->starttime_ticks ? -1 : 1;
	return 0;
}

static int by_start(const void *a, const void *b)
{
	const struct job_proc *x = a, *y = b;

	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	return by_key(a, b);
}

static void from_proc(const struct rt_log *log, const struct rt_proc *p,
		      struct job_proc *o)
{
	memset(o, 0, sizeof(*o));
	o->pid = p->pid;
	o->ppid = p->ppid;
	o->starttime_ticks = proc_starttime(log, p);
	o->start_ns = p->start_ns;
	o->end_ns = p->last_seen_ns;
	o->utime_us = ticks_to_us(log, p->utime_ticks);
	o->stime_us = ticks_to_us(log, p->stime_ticks);
	o->hwm_kib = p->hwm_kib;
	o->read_bytes = p->read_bytes;
	o->write_bytes = p->write_bytes;
	o->flags = JOB_SAMPLED |
		   (p->flags & RT_PROC_ALIVE_AT_END ? JOB_ALIVE_AT_END : 0);
	if (p->flags & RT_PROC_EXITED) {
		o->exit_kind = p->flags & RT_PROC_SIGNALED ? RT_EXIT_SIGNAL :
							      RT_EXIT_CODE;
		o->exit_value = p->exit_code;
	}
	copy_cmdline(o->cmdline, p->cmdline);
	if (job_log_has_16(log)) {
		o->run_delay_ns = p->run_delay_ns;
		o->major_faults = p->major_faults;
		o->swap_kib = p->swap_kib;
		o->flags |= JOB_SCHED | JOB_WAIT;
	}
}

int job_log_has_16(const struct rt_log *log)
{
	return log->version_major > 1 ||
	       (log->version_major == 1 && log->version_minor >= 6);
}

/* Two PROC records of one process (it left the tree and came back): the
 * later figures, which only grow. */
static void merge_proc(struct job_proc *into, const struct job_proc *p)
{
	into->end_ns = max_u64(into->end_ns, p->end_ns);
	into->utime_us = max_u64(into->utime_us, p->utime_us);
	into->stime_us = max_u64(into->stime_us, p->stime_us);
	into->hwm_kib = max_u64(into->hwm_kib, p->hwm_kib);
	into->read_bytes = max_u64(into->read_bytes, p->read_bytes);
	into->write_bytes = max_u64(into->write_bytes, p->write_bytes);
	into->run_delay_ns = max_u64(into->run_delay_ns, p->run_delay_ns);
	into->major_faults = max_u64(into->major_faults, p->major_faults);
	into->swap_kib = max_u64(into->swap_kib, p->swap_kib);
	into->flags |= p->flags;
	if (p->exit_kind) {
		into->exit_kind = p->exit_kind;
		into->exit_value = p->exit_value;
	}
	if (p->cmdline[0])
		copy_cmdline(into->cmdline, p->cmdline);
}

/* Sort by key and fold duplicates; returns the new count. */
static size_t fold(struct job_proc *a, size_t n)
{
	size_t i, out = 0;

	qsort(a, n, sizeof(*a), by_key);
	for (i = 0; i < n; i++) {
		if (out && by_key(&a[out - 1], &a[i]) == 0)
			merge_proc(&a[out - 1], &a[i]);
		else
			a[out++] = a[i];
	}
	return out;
}

/* The exit record's exact figures over the sampled ones.  The peak keeps
 * the larger: VmHWM restarts at an exec, the sampler may have seen the
 * earlier image's.  A brief record (X18) read no run delay: the sampled
 * one stays. */
static void apply_exit(const struct rt_log *log, const struct rt_exit *x,
		       struct job_proc *o)
{
	if (!(o->flags & JOB_SAMPLED)) {
		o->pid = x->pid;
		o->starttime_ticks = x->starttime_ticks;
		o->start_ns = start_ns_of(log, x->starttime_ticks);
	}
	o->ppid = x->ppid;
	o->end_ns = x->end_ns;
	o->utime_us = x->utime_us;
	o->stime_us = x->stime_us;
	if (!(x->flags & RT_EXIT_F_NO_PEAK))
		o->hwm_kib = max_u64(o->hwm_kib, x->hwm_kib);
	else if (!(o->flags & JOB_SAMPLED))
		o->flags |= JOB_NO_PEAK;
	o->read_bytes = x->read_bytes;
	o->write_bytes = x->write_bytes;
	o->exit_kind = x->exit_kind;
	/* getrusage's blocks from 1.6 on (X17): the process's own; before,
	 * /proc/self/io's, with its waited-for children's. */
	o->flags &= ~JOB_IO_OWN;
	if (job_log_has_16(log))
		o->flags |= JOB_IO_OWN;
	o->exit_value = x->exit_value;
	o->flags = (o->flags & ~JOB_ALIVE_AT_END) | JOB_EXACT |
		   (x->flags & RT_EXIT_F_FORKED ? JOB_FORKED : 0) |
		   (x->flags & RT_EXIT_F_BRIEF ? JOB_BRIEF : 0);
	if (job_log_has_16(log)) {
		if (!(x->flags & RT_EXIT_F_BRIEF)) {
			o->run_delay_ns = x->run_delay_ns;
			o->flags |= JOB_WAIT;
		}
		o->major_faults = x->major_faults;
		if (!(x->flags & RT_EXIT_F_NO_SWAP))
			o->swap_kib = max_u64(o->swap_kib, x->swap_kib);
		else if (!(o->flags & JOB_SAMPLED))
			o->flags |= JOB_NO_SWAP;
		o->flags |= JOB_SCHED;
	}
	if (x->cmdline[0])
		copy_cmdline(o->cmdline, x->cmdline);
}

/* *u and *s (µs) less the sampler threads' CPU, tracker_us, from system
 * time first (it is mostly reads of /proc): getrusage, wait4 and /proc
 * count it as the root's own. */
static void less_tracker(uint64_t *u, uint64_t *s, uint64_t tracker_us)
{
	uint64_t from_u = sub_sat(tracker_us, *s);

	*s = sub_sat(*s, tracker_us);
	*u = sub_sat(*u, from_u);
}

/* The root: its END record (getrusage SELF: every thread and every image
 * of the pid) is exact; the sampler threads' CPU is not the job's and is
 * taken off. */
static void apply_end(const struct rt_log *log, struct job_proc *o,
		      uint64_t tracker_us)
{
	const struct rt_end *e = &log->end;

	o->end_ns = e->time_ns;
	o->utime_us = e->self_utime_us;
	o->stime_us = e->self_stime_us;
	less_tracker(&o->utime_us, &o->stime_us, tracker_us);
	o->hwm_kib = max_u64(o->hwm_kib, e->self_maxrss_kib);
	o->exit_kind = e->exit_kind;
	o->exit_value = e->exit_value;
	o->flags = (o->flags & ~JOB_ALIVE_AT_END) | JOB_EXACT;
	/* A root the sampler never saw (E16): its I/O and major faults from
	 * END; its I/O counted as /proc/PID/io counts it, as a PROC record's
	 * would have been; its swap unknown.  A sampled root keeps its PROC
	 * figures, taken at the same moment. */
	if ((e->flags & RT_END_F_IO) && !(o->flags & JOB_SAMPLED)) {
		o->read_bytes = e->read_bytes;
		o->write_bytes = e->write_bytes;
		o->major_faults = e->major_faults;
		o->flags |= JOB_SCHED | JOB_NO_SWAP;
	}
}

/* The sampler's CPU (field 9, E10) from one reading to the next: the
 * difference, or all of cur where it went back (an exec: the new image's
 * thread clock starts at 0). */
static uint64_t tracker_step(uint64_t prev, uint64_t cur)
{
	return cur >= prev ? cur - prev : cur;
}

/* Whether an image began (its EXEC record, not a leaving one: J4) in
 * (from, to]; *k walks the records in file order with the samples, so a
 * log's whole walk is linear. */
static int image_began(const struct rt_log *log, size_t *k, uint64_t to)
{
	int began = 0;

	for (; *k < log->nexecs && log->execs[*k].time_ns <= to; (*k)++)
		began |= !(log->execs[*k].flags & RT_EXEC_F_LEAVING);
	return began;
}

uint64_t job_tracker_ns(const struct rt_log *log, double *rows)
{
	uint64_t sum = 0, prev = 0, step;
	size_t i, k = 0;
	int any = 0;

	for (i = 0; i < log->nsamples; i++) {
		const struct rt_sample *x = &log->samples[i];

		if (!sample_has(x, RT_F_tracker_cpu_ns))
			continue;
		/* A new image's reading starts from 0, even where it is
		 * already past the last one of the image before. */
		if (image_began(log, &k, x->time_ns))
			prev = 0;
		step = tracker_step(prev, x->tracker_cpu_ns);
		sum += step;
		if (rows && any && i > 0)
			rows[i - 1] += (double)step / NS_PER_S;
		prev = x->tracker_cpu_ns;
		any = 1;
	}
	if (log->has_end) {
		if (image_began(log, &k, log->end.time_ns))
			prev = 0;
		sum += tracker_step(prev, log->end.tracker_cpu_ns);
	}
	return sum;
}

static uint32_t root_pid(const struct rt_log *log);

/* A REAPED record of the root the log ends with: not of a root that
 * moved (a daemon() whose parent the wrapper reaped; the log goes on). */
static int reaped_root(const struct rt_log *log)
{
	return log->has_reaped && log->reaped.pid == root_pid(log);
}

/* W5, W6 less the sampler's CPU. */
static void reaped_cpu(const struct rt_log *log, uint64_t tracker_us,
		       uint64_t *u, uint64_t *s)
{
	*u = log->reaped.utime_us;
	*s = log->reaped.stime_us;
	less_tracker(u, s, tracker_us);
}

double job_reaped_cpu_s(const struct rt_log *log, const struct job *j)
{
	uint64_t u, s;

	if (!reaped_root(log))
		return -1;
	reaped_cpu(log, j->tracker_ns / 1000, &u, &s);
	return (double)(u + s) / US_PER_S;
}

/* Without an END record, the root as the wrapper reaped it (FORMAT.md M):
 * its status and end, and the CPU of its wait beyond every other row: the
 * time of an image rtrack never ran in, which no sample or exit record
 * saw, is the root's own.  The sum of the rows is then at least W5 + W6. */
static void apply_reaped(const struct rt_log *log, struct job_proc *a,
			 size_t n, struct job_proc *root, uint64_t tracker_us)
{
	const struct rt_reaped *r = &log->reaped;
	uint64_t u, s, others_u = 0, others_s = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (&a[i] == root)
			continue;
		others_u += a[i].utime_us;
		others_s += a[i].stime_us;
	}
	reaped_cpu(log, tracker_us, &u, &s);
	root->utime_us = max_u64(root->utime_us, sub_sat(u, others_u));
	root->stime_us = max_u64(root->stime_us, sub_sat(s, others_s));
	/* W7 is the largest of the root's and its waited-for descendants'
	 * peaks: the root's own where no other row has CPU (a killed root's
	 * last sample missed the growth that killed it). */
	if (!others_u && !others_s)
		root->hwm_kib = max_u64(root->hwm_kib, r->maxrss_kib);
	root->end_ns = max_u64(root->end_ns, r->time_ns);
	root->exit_kind = r->exit_kind;
	root->exit_value = r->exit_value;
	root->flags = (root->flags & ~JOB_ALIVE_AT_END) | JOB_REAPED;
}

/* The kernel's name of a process (comm) as it would be for cmdline's
 * program: the last path component of its first word, 15 bytes at most. */
static void comm_of(const char *cmdline, size_t size, char dst[16])
{
	size_t n = strnlen(cmdline, size), w = 0, base = 0, i;

	while (w < n && cmdline[w] != ' ')
		w++;
	for (i = 0; i < w; i++)
		if (cmdline[i] == '/')
			base = i + 1;
	n = w - base < 15 ? w - base : 15;
	memcpy(dst, cmdline + base, n);
	dst[n] = '\0';
}

/* The image the root exec'd and the library never entered: the one a
 * leaving EXEC record names (J5); else, W9 against the last image rtrack
 * ran in (the last new image's EXEC record, else the header), since a
 * process's name changes at an exec (one the preload cannot see: a raw
 * execve system call).  Into unseen, or "". */
static void unseen_image(const struct rt_log *log, char unseen[16])
{
	const struct rt_exec *x = job_exec_away(log);
	char seen[16];
	size_t i;

	unseen[0] = '\0';
	if (x) {
		comm_of(x->cmdline, sizeof(x->cmdline), unseen);
		return;
	}
	/* Not a leaving record (J4): that names the image about to run. */
	for (i = log->nexecs; i-- > 0 && !x;)
		if (!(log->execs[i].flags & RT_EXEC_F_LEAVING))
			x = &log->execs[i];
	if (x)
		comm_of(x->cmdline, sizeof(x->cmdline), seen);
	else
		comm_of(log->hdr.cmdline, sizeof(log->hdr.cmdline), seen);
	if (log->reaped.comm[0] &&
	    strncmp(seen, log->reaped.comm, sizeof(seen)) != 0)
		text_copy(unseen, 16, log->reaped.comm);
}

void job_end_get(const struct rt_log *log, struct job_end *e)
{
	memset(e, 0, sizeof(*e));
	if (log->has_end) {
		e->by = JOB_END_RECORD;
		e->exit_kind = log->end.exit_kind;
		e->exit_value = log->end.exit_value;
		e->time_ns = log->end.time_ns;
	} else if (reaped_root(log)) {
		e->by = JOB_END_REAPED;
		e->exit_kind = log->reaped.exit_kind;
		e->exit_value = log->reaped.exit_value;
		e->time_ns = log->reaped.time_ns;
		unseen_image(log, e->unseen_image);
	} else if (job_exec_away(log)) {
		const struct rt_exec *x = job_exec_away(log);
		comm_of(x->cmdline, sizeof(x->cmdline), e->unseen_image);
	}
}

const struct rt_exec *job_exec_away(const struct rt_log *log)
{
	const struct rt_exec *x;

	if (log->has_end || !log->nexecs)
		return NULL;
	x = &log->execs[log->nexecs - 1];
	if (!(x->flags & RT_EXEC_F_LEAVING) ||
	    (log->nsamples && log->samples[log->nsamples - 1].time_ns > x->time_ns))
		return NULL;
	return x;
}

static struct job_proc *find(struct job_proc *a, size_t n, uint32_t pid,
			     uint64_t starttime)
{
	struct job_proc key;

	key.pid = pid;
	key.starttime_ticks = starttime;
	return bsearch(&key, a, n, sizeof(*a), by_key);
}

/* The times its parent reaped a pid killed by a signal (W, bit 1 of W8),
 * ordered by (pid, time): what find_brief asks of them. */
struct reap_ref {
	uint32_t pid;
	uint64_t time_ns;
};

static int by_reap(const void *a, const void *b)
{
	const struct reap_ref *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->time_ns < y->time_ns ? -1 : x->time_ns > y->time_ns;
}

/* Whether pid was reaped within [from, to). */
static int reaped_within(const struct reap_ref *r, size_t n, uint32_t pid,
			 uint64_t from, uint64_t to)
{
	size_t lo = 0, hi = n;

	while (lo < hi) { /* first at or past (pid, from) */
		size_t mid = lo + (hi - lo) / 2;
		if (r[mid].pid < pid ||
		    (r[mid].pid == pid && r[mid].time_ns < from))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && r[lo].pid == pid && r[lo].time_ns < to;
}

/* A brief exit record's row (X18): its start is a bound, no earlier than
 * the kernel's, so the latest sampled row of its pid that started no
 * later.  None (the brief process came after that row's process, unseen:
 * a pid reused) when the row has an exit record already, has another
 * parent, or ended before the bound: the sampler saw it dead, or a parent
 * reaped it, a tick or more before.  None for the root's pid either (the
 * root writes an END; a descendant with its pid came after it). */
static struct job_proc *find_brief(const struct rt_log *log,
				   struct job_proc *a, size_t n,
				   const struct rt_exit *x, uint32_t root,
				   const struct reap_ref *reaps, size_t nreaps)
{
	uint64_t tick = NS_PER_S / clk_of(log);
	uint64_t from = start_ns_of(log, x->starttime_ticks);
	size_t lo = 0, hi = n;
	struct job_proc *o;

	while (lo < hi) { /* first row past (pid, bound) */
		size_t mid = lo + (hi - lo) / 2;
		if (a[mid].pid < x->pid ||
		    (a[mid].pid == x->pid &&
		     a[mid].starttime_ticks <= x->starttime_ticks))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (x->pid == root || lo == 0 || a[lo - 1].pid != x->pid)
		return NULL;
	o = &a[lo - 1];
	if ((o->flags & JOB_EXACT) || (o->ppid && x->ppid && o->ppid != x->ppid) ||
	    (o->exit_kind != RT_EXIT_UNKNOWN && o->end_ns + tick < from) ||
	    reaped_within(reaps, nreaps, x->pid, o->start_ns,
			  from > tick ? from - tick : 0))
		return NULL;
	return o;
}

/* The root's pid: the header's, or where a daemon() moved it (J4). */
static uint32_t root_pid(const struct rt_log *log)
{
	size_t i;

	for (i = log->nexecs; i-- > 0;)
		if (log->execs[i].flags & RT_EXEC_F_DAEMON)
			return log->execs[i].pid;
	return log->hdr.pid;
}

/* A root row made from the header (no PROC record: the root was killed,
 * or the log ends before it did) shows what the samples saw of the root
 * itself (S8 51-55, 1.9): its CPU at its last sample less the sampler's,
 * its largest peak, its I/O, and its end there.  An END record, when
 * there is one, then makes it exact.  Older logs, and a root never
 * sampled, keep the header's zeros. */
static void root_sampled(const struct rt_log *log, struct job_proc *r,
			 uint64_t tracker_us)
{
	const struct rt_sample *last = NULL;
	uint64_t hwm = 0;
	size_t i;

	for (i = 0; i < log->nsamples; i++) {
		const struct rt_sample *x = &log->samples[i];

		if (!sample_has(x, RT_F_root_utime_ticks))
			continue;
		last = x;
		if (sample_has(x, RT_F_root_hwm_kib))
			hwm = max_u64(hwm, x->root_hwm_kib);
	}
	if (!last)
		return;
	r->utime_us = ticks_to_us(log, last->root_utime_ticks);
	r->stime_us = ticks_to_us(log, last->root_stime_ticks);
	less_tracker(&r->utime_us, &r->stime_us, tracker_us);
	r->hwm_kib = hwm;
	if (sample_has(last, RT_F_root_read_bytes)) {
		r->read_bytes = last->root_read_bytes;
		r->write_bytes = last->root_write_bytes;
	}
	r->end_ns = max_u64(r->end_ns, last->time_ns);
	r->flags |= JOB_SAMPLED;
}

/* The root's row: the PROC record written when it ended, or one made from
 * the header (a killed root has none), named for the last image rtrack
 * ran in (its EXEC record, written as it starts: one killed within its
 * first second is that image, not the first). */
static struct job_proc *root_row(const struct rt_log *log, struct job_proc *a,
				 size_t *n, uint64_t tracker_us)
{
	uint32_t pid = root_pid(log);
	struct job_proc *r = NULL;
	const char *name = log->hdr.cmdline;
	size_t i;

	/* Never an exit record's row (brief or not): the root writes none
	 * (X18), and one with its pid is a descendant's whose /proc showed
	 * that pid, pid 1 of a PID namespace of its own, where the root,
	 * ended before its first sample, left no PROC record of its own
	 * (hostile_pid_namespace: its row was taken for the root's). */
	for (i = 0; i < *n; i++)
		if (a[i].pid == pid && !(a[i].flags & (JOB_BRIEF | JOB_EXACT)) &&
		    (!r || a[i].start_ns < r->start_ns))
			r = &a[i];
	if (r)
		return r;
	r = &a[(*n)++];
	memset(r, 0, sizeof(*r));
	r->pid = pid;
	r->start_ns = log->hdr.start_ns;
	r->end_ns = log->hdr.start_ns;
	for (i = log->nexecs; i-- > 0;)
		if (log->execs[i].pid == pid &&
		    !(log->execs[i].flags & RT_EXEC_F_LEAVING)) {
			name = log->execs[i].cmdline;
			break;
		}
	text_copy(r->cmdline, sizeof(r->cmdline), name);
	root_sampled(log, r, tracker_us);
	return r;
}

/* Interval holding time t: the row i with t_i < t <= t_i+1 (the first row
 * for anything at or before the first sample), or -1 past the last. */
static long row_of(const struct rt_log *log, uint64_t t)
{
	size_t lo = 1, hi = log->nsamples;

	if (log->nsamples < 2 || t > log->samples[log->nsamples - 1].time_ns)
		return -1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (log->samples[mid].time_ns < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (long)lo - 1;
}

static int have_seen_counters(const struct rt_log *log)
{
	size_t i;

	for (i = 0; i < log->nsamples; i++)
		if (sample_has(&log->samples[i], RT_F_seen_utime_ticks))
			return 1;
	return 0;
}

/* What the exit record adds past the samples, in the interval it ended
 * in.  A process the sampler saw has its last sampled figures in the
 * seen_* counters already; one it never saw adds all of its CPU.  Without
 * an end record the PROC records of live processes were never written: an
 * unmatched exit of a process that started before the last sample may
 * have been counted, and is left out rather than counted twice. */
static void add_tail_cpu(const struct rt_log *log, struct job *j,
			 uint64_t end_ns, uint64_t u_us, uint64_t s_us)
{
	long row = row_of(log, end_ns);

	if (row < 0 || !j->tail_utime_s)
		return;
	j->tail_utime_s[row] += (double)u_us / US_PER_S;
	j->tail_stime_s[row] += (double)s_us / US_PER_S;
}

static void add_tail(const struct rt_log *log, struct job *j,
		     const struct rt_exit *x, const struct job_proc *sampled)
{
	uint64_t su = 0, ss = 0;

	if (sampled) {
		su = sampled->utime_us;
		ss = sampled->stime_us;
	} else if (!log->has_end && log->nsamples &&
		   start_ns_of(log, x->starttime_ticks) <
			   log->samples[log->nsamples - 1].time_ns) {
		return;
	}
	add_tail_cpu(log, j, x->end_ns, sub_sat(x->utime_us, su),
		     sub_sat(x->stime_us, ss));
}

static int alloc_tails(const struct rt_log *log, struct job *j)
{
	if (log->nsamples < 2 || !have_seen_counters(log))
		return 0;
	j->nrows = log->nsamples - 1;
	j->tail_utime_s = calloc(j->nrows, sizeof(double));
	j->tail_stime_s = calloc(j->nrows, sizeof(double));
	j->tracker_s = calloc(j->nrows, sizeof(double));
	return j->tail_utime_s && j->tail_stime_s && j->tracker_s ? 0 : -1;
}

/* A process that started a minute or more after the job ended (an END
 * record, else the wrapper's REAPED of the root) is not of the job: it
 * inherited RTRACK_ROOT and LD_PRELOAD from a process that outlived the
 * job (a tmux or screen server started inside it, a copied environment)
 * and appended its exit record to a log that was done.  The minute keeps
 * a clock stepped back or slewed during the run (start times count from
 * the boot time the header took) from dropping a real one. */
#define AFTER_END_NS (60 * NS_PER_S)

static int started_after_end(const struct rt_log *log, const struct rt_exit *x)
{
	uint64_t start = start_ns_of(log, x->starttime_ticks), end;

	if (log->has_end)
		end = log->end.time_ns;
	else if (reaped_root(log))
		end = log->reaped.time_ns;
	else
		return 0;
	return start > end && start - end > AFTER_END_NS;
}

/* Exit records in key order, file order among equal keys. */
struct exit_ref {
	uint32_t pid;
	uint64_t starttime;
	int brief;
	size_t i;
};

static int by_exit_key(const void *a, const void *b)
{
	const struct exit_ref *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->starttime != y->starttime)
		return x->starttime < y->starttime ? -1 : 1;
	if (x->brief != y->brief)
		return x->brief - y->brief;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Exit records: matched to the sampled rows by (pid, starttime), the rest
 * appended, when `apply`.  A second exit record of one process (it cannot
 * happen, but a log is untrusted input) is counted in j->dup_exits and
 * ignored: the first stands.  In key order an EXIT record comes before
 * any BRIEF one that could take its row (a BRIEF's start is a bound no
 * earlier than the process's own; at one key, EXIT first), so a brief
 * record never takes the row of a process that wrote an EXIT record. */
static int apply_exits(const struct rt_log *log, struct job *j,
		       struct job_proc *a, size_t *n, int apply)
{
	struct exit_ref *refs = malloc((log->nexits ? log->nexits : 1) *
				       sizeof(*refs));
	struct reap_ref *reaps = malloc((log->nreaps ? log->nreaps : 1) *
					sizeof(*reaps));
	uint32_t root = root_pid(log);
	size_t nsampled = *n, i;

	if (!refs || !reaps) {
		free(refs);
		free(reaps);
		return -1;
	}
	for (i = 0; i < log->nexits; i++) {
		refs[i].pid = log->exits[i].pid;
		refs[i].starttime = log->exits[i].starttime_ticks;
		refs[i].brief = (log->exits[i].flags & RT_EXIT_F_BRIEF) != 0;
		refs[i].i = i;
	}
	qsort(refs, log->nexits, sizeof(*refs), by_exit_key);
	for (i = 0; i < log->nreaps; i++) {
		reaps[i].pid = log->reaps[i].pid;
		reaps[i].time_ns = log->reaps[i].time_ns;
	}
	qsort(reaps, log->nreaps, sizeof(*reaps), by_reap);
	for (i = 0; i < log->nexits; i++) {
		const struct rt_exit *x = &log->exits[refs[i].i];
		struct job_proc *o;

		if (i > 0 && refs[i].pid == refs[i - 1].pid &&
		    refs[i].starttime == refs[i - 1].starttime) {
			j->dup_exits++;
			continue;
		}
		if (started_after_end(log, x)) {
			j->after_end++;
			continue;
		}
		if (!apply)
			continue;
		o = refs[i].brief ? find_brief(log, a, nsampled, x, root, reaps,
					       log->nreaps)
				  : find(a, nsampled, x->pid, x->starttime_ticks);
		if (o) {
			add_tail(log, j, x, o); /* before apply_exit changes o */
		} else {
			add_tail(log, j, x, NULL);
			o = &a[(*n)++];
			memset(o, 0, sizeof(*o));
		}
		apply_exit(log, x, o);
	}
	free(refs);
	free(reaps);
	return 0;
}

/* The CPU of the rows whose parent is pid, started from `from` on: what
 * wait4's rusage of pid holds besides its own, as far as the log knows. */
static void children_cpu(const struct job_proc *a, size_t n, uint32_t pid,
			 uint64_t from, uint64_t *u, uint64_t *s)
{
	*u = *s = 0;
	for (size_t i = 0; i < n; i++)
		if (a[i].ppid == pid && a[i].start_ns >= from &&
		    !(a[i].flags & JOB_ROOT)) {
			*u += a[i].utime_us;
			*s += a[i].stime_us;
		}
}

/* Whether row x, of another parent than r's, can be the orphan r reaped:
 * no end of its own (no exit record, no exit the sampler saw), and its
 * parent gone by the reap (or never seen): else another process had that
 * pid before (a sampled-only static tool), and r's gets a row of its own
 * (the review of the first version merged the two). */
static int orphan_of(const struct job_proc *a, size_t n,
		     const struct job_proc *x, const struct rt_reaped *r)
{
	if ((x->flags & (JOB_EXACT | JOB_KILLED | JOB_ROOT)) ||
	    x->exit_kind != RT_EXIT_UNKNOWN)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (a[i].pid == x->ppid && a[i].start_ns <= x->start_ns &&
		    (a[i].flags & JOB_ALIVE_AT_END ||
		     a[i].end_ns > r->time_ns))
			return 0;
	return 1;
}

/* A child that a process of the job reaped after a signal killed it (W,
 * W8 bit 1; 1.5): the row of it, the latest with that pid and parent
 * started before the reap, gets its end, its signal and wait4's CPU less
 * that of its own children's rows; one the sampler never saw gets a row
 * of its own, its start unknown (the reap's time).  An orphan the sampler
 * last saw under its first parent and a subreaper (tini, a job's own
 * PR_SET_CHILD_SUBREAPER) reaped is that pid's latest row, of another
 * parent, with no end of its own: that row.  A process that wrote its own
 * exit record (its abort()) or was reaped once already keeps what it
 * has. */
static void apply_reap(const struct rt_log *log, struct job *j,
		       const struct rt_reaped *r, struct job_proc *a, size_t *n)
{
	struct job_proc *o = NULL, *latest = NULL;
	uint64_t u, s, was_u = 0, was_s = 0;
	int seen;

	for (size_t i = 0; i < *n; i++) {
		if (a[i].pid != r->pid || a[i].start_ns > r->time_ns)
			continue;
		if ((!a[i].ppid || a[i].ppid == r->ppid) &&
		    (!o || a[i].start_ns >= o->start_ns))
			o = &a[i];
		if (!latest || a[i].start_ns >= latest->start_ns)
			latest = &a[i];
	}
	if (!o && latest && orphan_of(a, *n, latest, r))
		o = latest;
	if (o && (o->flags & (JOB_EXACT | JOB_KILLED | JOB_ROOT)))
		return;
	seen = o != NULL;
	if (o) {
		was_u = o->utime_us;
		was_s = o->stime_us;
	} else {
		o = &a[(*n)++];
		memset(o, 0, sizeof(*o));
		o->pid = r->pid;
		o->start_ns = r->time_ns;
		snprintf(o->cmdline, sizeof(o->cmdline),
			 "(a child of %u, never seen)", (unsigned)r->ppid);
	}
	children_cpu(a, *n, r->pid, o->start_ns, &u, &s);
	o->ppid = r->ppid;
	o->end_ns = r->time_ns;
	o->utime_us = max_u64(o->utime_us, sub_sat(r->utime_us, u));
	o->stime_us = max_u64(o->stime_us, sub_sat(r->stime_us, s));
	if (!u && !s) /* ru_maxrss is of its waited-for children too */
		o->hwm_kib = max_u64(o->hwm_kib, r->maxrss_kib);
	o->exit_kind = r->exit_kind;
	o->exit_value = r->exit_value;
	o->flags = (o->flags & ~JOB_ALIVE_AT_END) | JOB_KILLED;
	/* What the wait saw past the samples, in the interval of the reap,
	 * as an exit record's (add_tail): a worker killed by its parent (a
	 * timeout, Pool.terminate()) read as 0 cores.  One never seen, in a
	 * log without END, may be in the samples already (no PROC record):
	 * left out rather than counted twice. */
	if (seen || log->has_end)
		add_tail_cpu(log, j, r->time_ns, sub_sat(o->utime_us, was_u),
			     sub_sat(o->stime_us, was_s));
}

/* The rows in key order, as indexes into the table, for the parent
 * search: qsort has no context argument. */
static const struct job_proc *key_base;

static int by_key_at(const void *a, const void *b)
{
	return by_key(&key_base[*(const size_t *)a],
		      &key_base[*(const size_t *)b]);
}

/* The parent of row i, index + 1 (0: not in the table): the row whose pid
 * is i's ppid.  Of several (a pid reused), the latest started no later
 * than i, in stat's clock ticks (both counted by the kernel from boot;
 * start_ns comes through two boot-time estimates that may disagree by a
 * tick); with none, the earliest: a child never starts before its parent,
 * so the log's clocks are off. */
static size_t parent_of(const struct job_proc *a, const size_t *ord,
			size_t n, size_t i)
{
	size_t lo = 0, hi = n, k;

	while (lo < hi) { /* first row past (ppid, i's start) */
		size_t mid = lo + (hi - lo) / 2;
		const struct job_proc *m = &a[ord[mid]];
		if (m->pid < a[i].ppid ||
		    (m->pid == a[i].ppid &&
		     m->starttime_ticks <= a[i].starttime_ticks))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && a[ord[lo - 1]].pid == a[i].ppid)
		k = lo - 1;
	else if (lo < n && a[ord[lo]].pid == a[i].ppid)
		k = lo;
	else
		return 0;
	return ord[k] == i ? 0 : ord[k] + 1;
}

/* Every row's parent; 0, or -1 when memory ran out. */
static int link_parents(struct job_proc *a, size_t n)
{
	size_t *ord = malloc((n ? n : 1) * sizeof(*ord));

	if (!ord)
		return -1;
	for (size_t i = 0; i < n; i++)
		ord[i] = i;
	key_base = a;
	qsort(ord, n, sizeof(*ord), by_key_at);
	for (size_t i = 0; i < n; i++)
		a[i].parent = parent_of(a, ord, n, i);
	free(ord);
	return 0;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* Whether c's I/O is in its parent p's figure: /proc/PID/io adds a
 * child's (its own and its waited-for children's) when the parent waits
 * for it, as wait4's rusage adds the CPU.  The log has no record of the
 * wait: a child that ended before p's figure was taken (p's end, or its
 * last sample) is taken as waited for. */
static int io_in_parent(const struct job_proc *c, const struct job_proc *p)
{
	return !(c->flags & (JOB_ROOT | JOB_ALIVE_AT_END)) &&
	       c->end_ns <= p->end_ns;
}

/* Each row's own I/O (FORMAT.md M).  A row from /proc/PID/io holds its
 * waited-for children's whole figures, theirs their own children's: its
 * own is its figure less those.  A row from an exit record of 1.6 on
 * (JOB_IO_OWN) holds its own already, and the whole figure its parent's
 * /proc/PID/io took in is its own plus its waited-for children's whole
 * ones.  So children go before parents (Kahn's order over the rows that
 * are in their parent's figure); rows in a parent cycle (a damaged log)
 * come last, as they are.  The rows then add up to the I/O of the job
 * once.  0, or -1 when memory ran out. */
static int own_io(struct job_proc *a, size_t n)
{
	size_t m = n ? n : 1, head = 0, tail = 0, scan = 0;
	uint64_t *kids = calloc(2 * m, sizeof(*kids));
	size_t *pending = calloc(m, sizeof(*pending));
	size_t *queue = malloc(m * sizeof(*queue));
	unsigned char *done = calloc(m, 1);
	int rc = -1;

	if (!kids || !pending || !queue || !done)
		goto out;
	for (size_t i = 0; i < n; i++) {
		size_t p = a[i].parent;
		if (p && io_in_parent(&a[i], &a[p - 1]))
			pending[p - 1]++;
	}
	for (size_t i = 0; i < n; i++)
		if (!pending[i])
			queue[tail++] = i;
	for (size_t k = 0; k < n; k++) {
		size_t i, p;
		uint64_t rd, wr;

		if (head < tail) {
			i = queue[head++];
		} else { /* a cycle: the first row not done */
			while (done[scan])
				scan++;
			i = scan;
		}
		done[i] = 1;
		rd = a[i].read_bytes;
		wr = a[i].write_bytes;
		if (a[i].flags & JOB_IO_OWN) {
			rd = add_sat(rd, kids[2 * i]);
			wr = add_sat(wr, kids[2 * i + 1]);
		} else {
			a[i].read_bytes = sub_sat(rd, kids[2 * i]);
			a[i].write_bytes = sub_sat(wr, kids[2 * i + 1]);
		}
		p = a[i].parent;
		if (!p || !io_in_parent(&a[i], &a[p - 1]))
			continue;
		kids[2 * (p - 1)] = add_sat(kids[2 * (p - 1)], rd);
		kids[2 * (p - 1) + 1] = add_sat(kids[2 * (p - 1) + 1], wr);
		if (--pending[p - 1] == 0 && !done[p - 1])
			queue[tail++] = p - 1;
	}
	rc = 0;
out:
	free(kids);
	free(pending);
	free(queue);
	free(done);
	return rc;
}

int job_build(const struct rt_log *log, struct job *j)
{
	struct job_proc *a, *root;
	size_t n = 0, i;

	memset(j, 0, sizeof(*j));
	/* Room for every record and the root's row made from the header. */
	a = calloc(log->nprocs + log->nexits + log->nreaps + 1, sizeof(*a));
	if (!a || alloc_tails(log, j) < 0) {
		free(a);
		job_free(j);
		return -1;
	}
	/* Once, with each row's share: the root's row, the summary's total
	 * and the rows all take it off. */
	j->tracker_ns = job_tracker_ns(log, j->tracker_s);
	for (i = 0; i < log->nprocs; i++)
		from_proc(log, &log->procs[i], &a[n++]);
	n = fold(a, n);
	/* Exits are ignored when the job tracked the root alone (but still
	 * checked for duplicates). */
	if (apply_exits(log, j, a, &n, (log->hdr.flags & RT_CFG_CHILDREN) != 0) <
	    0) {
		free(a);
		job_free(j);
		return -1;
	}
	root = root_row(log, a, &n, j->tracker_ns / 1000);
	root->flags |= JOB_ROOT;
	if (log->hdr.flags & RT_CFG_CHILDREN)
		for (i = 0; i < log->nreaps; i++)
			apply_reap(log, j, &log->reaps[i], a, &n);
	if (log->has_end)
		apply_end(log, root, j->tracker_ns / 1000);
	else if (reaped_root(log))
		apply_reaped(log, a, n, root, j->tracker_ns / 1000);
	qsort(a, n, sizeof(*a), by_start);
	j->procs = a;
	j->nprocs = n;
	if (link_parents(a, n) < 0 || own_io(a, n) < 0) {
		job_free(j);
		return -1;
	}
	for (i = 0; i < n; i++) {
		j->cpu_s += (double)(a[i].utime_us + a[i].stime_us) / US_PER_S;
		if (a[i].flags & JOB_EXACT)
			j->nexact++;
		else if (a[i].flags & JOB_KILLED)
			j->nkilled++;
	}
	return 0;
}

void job_free(struct job *j)
{
	free(j->procs);
	free(j->tail_utime_s);
	free(j->tail_stime_s);
	free(j->tracker_s);
	memset(j, 0, sizeof(*j));
}
