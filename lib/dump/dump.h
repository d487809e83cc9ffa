/* dump.h - the output formats of rtrack-dump, each a function from a
 * decoded log (lib/model/run.h: its records and its processes) to a
 * stream.  They return 0, or -1 when writing failed (errno set). */
#ifndef RTRACK_DUMP_H
#define RTRACK_DUMP_H

#include <stdio.h>

#include "run.h"

/* Every format is called the same way, so that rtrack-dump's table of
 * formats names these functions themselves: one log, which came from the
 * file name (a format that does not show it takes it all the same); and
 * several logs, names[i] the file runs[i] came from. */
typedef int dump_one_fn(FILE *out, const struct run *run, const char *name);
typedef int dump_many_fn(FILE *out, const struct run *runs,
			 const char *const *names, size_t n);

int dump_summary(FILE *out, const struct run *run, const char *name);
int dump_csv(FILE *out, const struct run *run, const char *name);
int dump_json(FILE *out, const struct run *run, const char *name);
int dump_html(FILE *out, const struct run *run, const char *name);
int dump_openmetrics(FILE *out, const struct run *run, const char *name);
int dump_processes(FILE *out, const struct run *run, const char *name);

/* The summary's key lines (duration, CPU, memory, disk and network, GPU,
 * samples and processes, recommendation) without its header, exit line,
 * sparklines and top lists: what --follow adds when the job ends. */
int dump_summary_key(FILE *out, const struct run *run);

/* Several logs at once (a job's ranks on many hosts, runs of one job). */
int dump_summary_many(FILE *out, const struct run *runs,
		      const char *const *names, size_t n);
int dump_processes_many(FILE *out, const struct run *runs,
			const char *const *names, size_t n);
int dump_csv_many(FILE *out, const struct run *runs,
		  const char *const *names, size_t n);
int dump_json_many(FILE *out, const struct run *runs,
		   const char *const *names, size_t n);
int dump_openmetrics_many(FILE *out, const struct run *runs,
			  const char *const *names, size_t n);

/* A label the user adds to every OpenMetrics series (--label key=value). */
struct dump_label {
	const char *key;   /* not NUL-terminated: keylen bytes */
	size_t keylen;
	const char *value; /* valid UTF-8, not empty */
};

/* --label's "key=value" into *l, pointing into arg (which must outlive
 * it): key [a-zA-Z_][a-zA-Z0-9_]*, not starting with __ (Prometheus'
 * own), not a label rtrack sets (host, pid, command, log, gpu, uuid,
 * bus_id) and none of prev[0..nprev); value UTF-8 and not empty.  0, or
 * -1 with *l untouched and why in err (cut to size): it quotes the key
 * as given, bytes the caller must make safe to print, and never the
 * value. */
int dump_label_parse(const char *arg, const struct dump_label *prev,
		     size_t nprev, struct dump_label *l, char *err,
		     size_t size);

/* The labels dump_openmetrics and dump_openmetrics_many add to every
 * series after rtrack's own, from now on (rtrack-dump's --label; the
 * formats' one shared signature has no room for options).  labels must
 * outlive those calls; NULL, 0 (the start): none. */
void dump_openmetrics_labels(const struct dump_label *labels, size_t n);

/* How a log without an end record ended, as the formats say it: "no end
 * record (killed or crashed)", unless decoding stopped before the end of
 * the file (for memory, or at damage that is not the log's tail) where an
 * end record may follow. */
const char *dump_no_end(const struct rt_log *log);

/* How the job ended in words (job_end_get): "exit code 3", "killed by
 * signal 9 (SIGKILL)", "exit status unknown", followed by ", seen by the
 * rtrack wrapper" where only its REAPED record says so; "" with
 * JOB_END_NONE (dump_no_end says that). */
void dump_exit_words(char *dst, size_t size, const struct job_end *e);

/* Where decoding stopped, as the formats say it before the offset:
 * "damaged at", or "not read past" when memory stopped it. */
const char *dump_damage_what(const struct rt_log *log);

/* The damage in one line of text, its first max stretches with their
 * offsets ("damaged at offsets 2417-2530 (checksum mismatch), ..."), the
 * rest counted, and where decoding stopped for memory.  A lone torn tail,
 * or a stop for memory alone, as dump_damage_what and the offset
 * ("damaged at offset 7000: truncated record (torn tail)").  Cut to fit
 * size. */
void dump_damage_text(char *dst, size_t size, const struct rt_log *log,
		      size_t max);

/* The whole damage line of rtrack-dump's warning and the HTML report:
 * dump_damage_text of the first 4 stretches, the sample records left
 * undecodable, and how many samples are shown.  Cut to fit size. */
void dump_damage_shown(char *dst, size_t size, const struct rt_log *log);

/* After log->unchained: the sample records damage left undecodable
 * (FORMAT.md D3). */
#define DUMP_UNCHAINED "sample records after it not decoded (their chain " \
		       "broke there)"

/* How process p ended, as the process table's EXIT column and the HTML
 * report say it: "0", "3", "sig9", "oom" (oom_killed > 0:
 * advice_oom_killed), "alive" (still running at the end) or "?".  Cut
 * to fit size. */
struct job_proc;
void dump_proc_exit(char *dst, size_t size, const struct job_proc *p,
		    int oom_killed);

/* Where the memory recommendation r comes from, in words: "peak 13.2 MiB
 * + 20%; at most 112.5 MiB (every peak at once)", "cgroup peak ...";
 * "" when nothing was measured.  Cut to fit size. */
struct advice_rec;
void dump_memory_basis(char *dst, size_t size, const struct advice_rec *r);

/* Several logs as one HTML page: a table of the runs and their series
 * overlaid on a shared axis of the time since each run's start. */
int dump_html_many(FILE *out, const struct run *runs,
		   const char *const *names, size_t n);

/* Verify run (read from name): one line; 0 ok, 1 damaged or inconsistent,
 * -1 write error. */
int dump_check(FILE *out, const struct run *run, const char *name);

/* Watch the log at path grow: a line per `every`th new sample (the 1st,
 * the every+1st, ...; every >= 1) until its end record or until its root
 * is gone, then how it ended and the summary's key lines; or until stop()
 * says so (checked at least every second).  A file that does not exist
 * yet, or ends before its header, is waited for; -2, said on stderr, for
 * what will never be a log to follow (not a regular file, not a log, a
 * newer format). */
int dump_follow(FILE *out, const char *path, size_t every,
		int (*stop)(void));

#endif
