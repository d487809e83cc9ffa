/* job.h - the job's processes, one row each, from everything a log says
 * about them: the sampler's PROC records (what it saw while they lived),
 * the descendants' own EXIT records (exact, written at their exit) and the
 * root's END record; and, per interval, the CPU that exit records add past
 * what the samples saw (a process's last moments, or a whole process that
 * lived between two samples).
 *
 * Built from the records a log decoded to (logread.h), once, by run.c;
 * the statistics and the formats only read it. */
#ifndef RTRACK_JOB_H
#define RTRACK_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "logread.h"

struct job_proc {
	uint32_t pid, ppid;
	uint64_t starttime_ticks; /* stat (22): with the pid, the identity */
	uint64_t start_ns, end_ns; /* end: exit, or last seen alive */
	uint64_t utime_us, stime_us; /* own CPU, children excluded */
	uint64_t hwm_kib;        /* peak RSS */
	/* Own I/O: /proc/PID/io counts that of the children it waited for
	 * too, as wait4's rusage does their CPU; job_build takes off what
	 * each child row that ended before this one's figure holds. */
	uint64_t read_bytes, write_bytes;
	size_t parent;           /* its parent's row, index + 1; 0: none */
	uint32_t exit_kind;      /* enum rt_exit_kind */
	int32_t exit_value;
	uint32_t flags;          /* JOB_* */
	char cmdline[RT_PROC_CMDLINE_MAX];
	/* With JOB_SCHED (a 1.6 log's PROC or EXIT record): its major
	 * faults (the exit record's where it wrote one, else as last
	 * sampled) and its largest swap; with JOB_WAIT, the time it waited,
	 * runnable, for a CPU (a brief exit record, X18, does not read it:
	 * as last sampled, else unknown). */
	uint64_t run_delay_ns, major_faults, swap_kib;
};

#define JOB_SAMPLED 1u      /* the sampler saw it in the tree */
#define JOB_EXACT 2u        /* figures from its own exit (or end) record */
#define JOB_ALIVE_AT_END 4u /* still running when the root ended */
#define JOB_ROOT 8u         /* the root process */
#define JOB_FORKED 16u      /* a fork()ed copy that never exec'd */
#define JOB_REAPED 32u      /* the root's status, end and CPU past the
			     * other rows from the wrapper's wait (REAPED) */
#define JOB_KILLED 64u      /* killed by a signal: its status, end and
			     * CPU from its parent's wait (REAPED, W8
			     * bit 1); its start unknown when not sampled */
#define JOB_SCHED 128u      /* major_faults, swap_kib known */
#define JOB_WAIT 256u       /* run_delay_ns known */
#define JOB_BRIEF 512u      /* its exit record a brief one (X18): its start
			     * (when not sampled) a bound */
#define JOB_NO_PEAK 1024u   /* its peak unknown (a brief record that could
			     * not tell it, never sampled): hwm_kib 0 */
#define JOB_NO_SWAP 2048u   /* its swap unknown, likewise */
#define JOB_IO_OWN 4096u    /* read_bytes, write_bytes its own alone (an
			     * exit record of 1.6 on: getrusage, X17), not
			     * /proc/PID/io's, which holds the waited-for
			     * children's too (FORMAT.md M) */

struct job {
	struct job_proc *procs;  /* ordered by start time, then pid */
	size_t nprocs;
	size_t nexact;           /* with JOB_EXACT */
	size_t nkilled;          /* with JOB_KILLED */
	/* Per interval (row i: sample i to i + 1): CPU seconds from exit
	 * records past what the samples saw.  NULL when the log has no
	 * rows or its samples lack the seen_* counters (format 1.0). */
	double *tail_utime_s, *tail_stime_s;
	double *tracker_s;       /* per row, the sampler's own CPU seconds */
	uint64_t tracker_ns;     /* the sampler's CPU, every image's (job_tracker_ns) */
	size_t nrows;
	double cpu_s;            /* own CPU of every process in procs */
	size_t dup_exits;        /* exit records repeating a process's */
	size_t after_end;        /* exit records of processes started after
				  * the job's end, not of the job: ignored */
};

/* Build j from the decoded records of log, which it does not keep.  0, or
 * -1 when memory ran out (j is then empty).  The caller frees j with
 * job_free. */
int job_build(const struct rt_log *log, struct job *j);

void job_free(struct job *j);

/* How the job ended (FORMAT.md M): the root's END record; else the rtrack
 * wrapper's REAPED record, written when it reaped the root; else not
 * known (killed or crashed, or the log was not read to its end). */
enum job_end_by { JOB_END_NONE = 0, JOB_END_RECORD = 1, JOB_END_REAPED = 2 };

struct job_end {
	enum job_end_by by;
	uint32_t exit_kind;    /* enum rt_exit_kind; unknown with NONE */
	int32_t exit_value;
	uint64_t time_ns;      /* when; 0 with NONE */
	/* With REAPED: the name of the root's last image when it is not the
	 * last one rtrack ran in (the root exec'd a program the library
	 * cannot enter: static, setuid, a scrubbed environment); else "". */
	char unseen_image[16];
};

/* Whether log's records carry what format 1.6 added (PROC C15-C17, EXIT
 * X14-X16, sample fields 37-48): before, those read as 0 and mean
 * "unknown". */
int job_log_has_16(const struct rt_log *log);

/* Fill e from log's records.  Allocates nothing, so it holds even where
 * job_build ran out of memory. */
void job_end_get(const struct rt_log *log, struct job_end *e);

/* The root's last word when it was a *leaving* EXEC record (FORMAT.md J5:
 * nothing sampled after it, no END): the exec of an image the library
 * cannot enter, whose argv it gives; else NULL. */
const struct rt_exec *job_exec_away(const struct rt_log *log);

/* The CPU seconds the wrapper's wait saw (FORMAT.md W5 + W6: the root,
 * every image, and the descendants it waited for) less the sampler's
 * own; -1 without a REAPED record. */
double job_reaped_cpu_s(const struct rt_log *log, const struct job *j);

/* The sampler threads' CPU in the whole run, every image's, in ns: the
 * steps of field 9 from 0 (again from 0 after each image's EXEC record),
 * then to E10.  getrusage, wait4 and /proc count it as the root's own;
 * readers take it off.  rows (nsamples - 1 of them, or NULL): each
 * interval's share added, in seconds. */
uint64_t job_tracker_ns(const struct rt_log *log, double *rows);

#endif
