/* processes.c - rtrack-dump --format processes: the job's process tree,
 * one row per process (lib/model/job.h), children under their parent, with when
 * each started and how long it ran, its own CPU, peak RSS, I/O and how it
 * ended.  The command line is indented by depth and cut to the terminal's
 * width when the output is a terminal. */
#include "dump.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "advice.h"
#include "fmt.h"

#define MAX_DEPTH 32 /* deeper rows are shown at this depth */

struct tree {
	const struct run *run;
	size_t *first, *next; /* first child, next sibling (index + 1; 0 none) */
	unsigned char *shown;
	size_t width;         /* output columns, 0: no limit */
	FILE *out;
	struct advice advice; /* which SIGKILLs were the OOM killer's */
	size_t oom;           /* rows shown as killed by it */
};

static void row_header(FILE *out)
{
	fputs("     PID    START     TIME      CPU       PEAK       READ"
	      "      WRITE   EXIT  COMMAND\n", out);
}

static void put_right(FILE *out, const char *s, int width)
{
	fprintf(out, " %*s", width, s);
}

static void put_seconds(FILE *out, double s, int width)
{
	char buf[FMT_HUMAN_MAX];

	fmt_seconds(buf, s);
	put_right(out, buf, width);
}

static void put_bytes(FILE *out, double b, int width)
{
	char buf[FMT_HUMAN_MAX];

	fmt_bytes(buf, b);
	put_right(out, buf, width);
}

/* "+1.2 s" from the start of tracking; a process older than the log
 * shows "-".  Start times come in clock ticks: within one tick before the
 * log's start is the start. */
static void put_offset(FILE *out, const struct rt_log *log, uint64_t ns)
{
	uint64_t tick = 1000000000ull / (log->hdr.clk_tck ? log->hdr.clk_tck : 100);
	char buf[FMT_HUMAN_MAX + 1];

	if (ns + tick <= log->hdr.start_ns) {
		put_right(out, "-", 8);
		return;
	}
	if (ns < log->hdr.start_ns)
		ns = log->hdr.start_ns;
	buf[0] = '+';
	fmt_seconds(buf + 1, (double)(ns - log->hdr.start_ns) / 1e9);
	put_right(out, buf, 8);
}

/* How it ended: the exit code, "oom" killed by the out-of-memory killer,
 * the signal's number after "sig", "alive" at the end, "?" unknown. */
void dump_proc_exit(char *dst, size_t size, const struct job_proc *p,
		    int oom_killed)
{
	if (oom_killed > 0)
		snprintf(dst, size, "oom");
	else if (p->exit_kind == RT_EXIT_CODE)
		snprintf(dst, size, "%d", (int)p->exit_value);
	else if (p->exit_kind == RT_EXIT_SIGNAL)
		snprintf(dst, size, "sig%d", (int)p->exit_value);
	else if (p->flags & JOB_ALIVE_AT_END)
		snprintf(dst, size, "alive");
	else
		snprintf(dst, size, "?");
}

static void put_exit(struct tree *t, const struct job_proc *p)
{
	int oom = advice_oom_killed(&t->advice, p);
	char buf[32];

	dump_proc_exit(buf, sizeof buf, p, oom);
	t->oom += oom > 0;
	put_right(t->out, buf, 6);
}

/* What "oom" in the EXIT column means, with the limit where known. */
static void put_oom_note(FILE *out, const struct advice *a)
{
	fputs("oom: SIGKILLed by the out-of-memory killer", out);
	if (a->diag.present & STATS_BIT(ADVICE_D_memory_limit_mib))
		fprintf(out, " at the cgroup's limit of %.0f MiB",
			a->diag.memory_limit_mib);
	putc('\n', out);
}

static void put_row(struct tree *t, const struct job_proc *p, unsigned depth)
{
	FILE *out = t->out;
	size_t used = 77 + 2 * depth + 2;

	fprintf(out, "%8u", (unsigned)p->pid);
	put_offset(out, &t->run->log, p->start_ns);
	put_seconds(out, p->end_ns > p->start_ns ?
			 (double)(p->end_ns - p->start_ns) / 1e9 : 0.0, 8);
	put_seconds(out, (double)(p->utime_us + p->stime_us) / 1e6, 8);
	if (p->flags & JOB_NO_PEAK) /* not measured (FORMAT.md X18) */
		put_right(out, "-", 10);
	else
		put_bytes(out, (double)p->hwm_kib * 1024, 10);
	put_bytes(out, (double)p->read_bytes, 10);
	put_bytes(out, (double)p->write_bytes, 10);
	put_exit(t, p);
	/* '~': figures as last sampled, no exit record. */
	fprintf(out, " %c%*s", p->flags & JOB_EXACT ? ' ' : '~', 2 * depth, "");
	fmt_text(out, p->cmdline, sizeof p->cmdline,
		 t->width > used + 8 ? t->width - used : 0);
	putc('\n', out);
}

/* Rows in the tree, depth first, children in start order (the table is
 * already in start order).  Iterative: a hostile log's loops and depths
 * cannot exhaust the stack; each row is shown once. */
static void walk(struct tree *t, size_t top)
{
	size_t stack[MAX_DEPTH + 1], depth = 0;

	stack[0] = top + 1;
	while (1) {
		size_t i = stack[depth];
		if (i && !t->shown[i - 1]) {
			t->shown[i - 1] = 1;
			put_row(t, &t->run->job.procs[i - 1], (unsigned)depth);
			if (depth < MAX_DEPTH && t->first[i - 1]) {
				stack[++depth] = t->first[i - 1];
				continue;
			}
		}
		/* Next sibling here, or back up. */
		while (1) {
			i = stack[depth];
			if (i && t->next[i - 1]) {
				stack[depth] = t->next[i - 1];
				break;
			}
			if (depth == 0)
				return;
			depth--;
		}
	}
}

/* Each row's children (job.h: its parent by pid and ppid), in table
 * order. */
static int link_tree(struct tree *t)
{
	size_t n = t->run->job.nprocs, *last;

	last = calloc(n ? n : 1, sizeof(*last));
	if (!last)
		return -1;
	for (size_t i = 0; i < n; i++) {
		size_t p = t->run->job.procs[i].parent;
		if (!p)
			continue;
		if (last[p - 1])
			t->next[last[p - 1] - 1] = i + 1;
		else
			t->first[p - 1] = i + 1;
		last[p - 1] = i + 1;
	}
	free(last);
	return 0;
}

int dump_processes(FILE *out, const struct run *run, const char *name)
{
	size_t n = run->job.nprocs;
	struct tree t = { .run = run, .width = fmt_term_width(out), .out = out };
	struct stats_summary s;
	int rc = -1;

	(void)name;
	stats_summarize(run, &s);
	advice_of(run, &s, &t.advice);
	t.first = calloc(n ? n : 1, sizeof(size_t));
	t.next = calloc(n ? n : 1, sizeof(size_t));
	t.shown = calloc(n ? n : 1, 1);
	if (t.first && t.next && t.shown && link_tree(&t) == 0) {
		row_header(out);
		/* Roots first (the job's root leads: it started first), then
		 * anything a loop left unshown. */
		for (size_t i = 0; i < n; i++)
			if (!run->job.procs[i].parent)
				walk(&t, i);
		for (size_t i = 0; i < n; i++)
			if (!t.shown[i])
				walk(&t, i);
		if (run->job.nprocs > run->job.nexact)
			fputs("~ as last sampled: no exit record (static, setuid, "
			      "killed, or still running)\n", out);
		if (t.oom)
			put_oom_note(out, &t.advice);
		rc = fmt_finish(out);
	} else {
		errno = ENOMEM;
	}
	free(t.first);
	free(t.next);
	free(t.shown);
	return rc;
}

int dump_processes_many(FILE *out, const struct run *runs,
			const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct rt_log *log = &runs[i].log;

		fputs(i ? "\n" : "", out);
		fmt_text(out, names[i], strlen(names[i]), 0);
		fputs(" (", out);
		fmt_text(out, log->hdr.host, sizeof log->hdr.host, 0);
		fprintf(out, ", pid %u)\n", (unsigned)log->hdr.pid);
		if (dump_processes(out, &runs[i], names[i]) < 0)
			return -1;
	}
	return fmt_finish(out);
}
