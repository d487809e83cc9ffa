/* follow.c - rtrack-dump --follow LOG: watch a running job the way people
 * watch one with top, without a second tracker: one line per new sample
 * (or per Nth, --every N) as the log grows (the root flushes at least
 * every second), a header every screenful, until the end record arrives
 * (then the summary's key lines) or Ctrl-C. */
#include "dump.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>

#include "fmt.h"

#define HEADER_EVERY 20 /* lines between headers */
#define MIB 1048576.0

static void follow_header(FILE *out)
{
	fputs("    TIME    CORES     MEMORY  DISK READ DISK WRITE   NET RECV"
	      "   NET SENT  PROCS\n", out);
}

/* Column c of r (bytes in the interval) as bytes per second over dt. */
static void put_rate(FILE *out, const struct stats_row *r, enum stats_col c,
		     double dt)
{
	char buf[FMT_HUMAN_MAX + 2];
	uint64_t bytes;
	size_t n;

	if (!(r->present & STATS_BIT(c)) || !(r->present &
					       STATS_BIT(STATS_C_timestamp))) {
		fprintf(out, " %10s", "-");
		return;
	}
	memcpy(&bytes, (const char *)r + stats_row_fields[c].offset,
	       sizeof bytes);
	fmt_bytes(buf, dt > 0 ? (double)(uint64_t)((double)bytes / dt) : 0.0);
	n = strlen(buf);
	snprintf(buf + n, sizeof buf - n, "/s");
	fprintf(out, " %10s", buf);
}

static void follow_row(FILE *out, const struct run *run, size_t i)
{
	const struct rt_log *log = &run->log;
	char t[FMT_HUMAN_MAX], cores[FMT_NUM_MAX], mem[FMT_HUMAN_MAX];
	struct stats_row r;
	double dt;

	stats_row(run, i, &r);
	dt = (double)(int64_t)(log->samples[i + 1].time_ns -
			       log->samples[i].time_ns) / 1e9;
	fmt_seconds(t, (double)(log->samples[i + 1].time_ns -
				log->hdr.start_ns) / 1e9);
	if (!(r.present & STATS_BIT(STATS_C_process_cpu_usage)) ||
	    !fmt_real(cores, r.process_cpu_usage, 2))
		snprintf(cores, sizeof cores, "-");
	if (r.present & STATS_BIT(STATS_C_process_memory_mib))
		fmt_bytes(mem, r.process_memory_mib * MIB);
	else
		snprintf(mem, sizeof mem, "-");
	fprintf(out, "%8s %8s %10s", t, cores, mem);
	put_rate(out, &r, STATS_C_process_disk_read_bytes, dt);
	put_rate(out, &r, STATS_C_process_disk_write_bytes, dt);
	put_rate(out, &r, STATS_C_system_net_recv_bytes, dt);
	put_rate(out, &r, STATS_C_system_net_sent_bytes, dt);
	if (r.present & STATS_BIT(STATS_C_process_children))
		fprintf(out, " %6llu\n",
			(unsigned long long)r.process_children + 1);
	else
		fprintf(out, " %6s\n", "-");
}

/* A signal (Ctrl-C) ends the sleep early: the caller looks at stop. */
static void follow_sleep(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull),
			       (long)(ns % 1000000000ull) };

	nanosleep(&ts, NULL);
}

/* The root is gone without an end record: killed or crashed.  Only a log
 * of this host can tell (the pid is the root's here). */
static int follow_root_gone(const struct rt_log *log)
{
	struct utsname u;

	return uname(&u) == 0 &&
	       strncmp(u.nodename, log->hdr.host, sizeof log->hdr.host) == 0 &&
	       log->hdr.pid > 0 && kill((pid_t)log->hdr.pid, 0) < 0 &&
	       errno == ESRCH;
}

/* The file is not there (yet). */
static int follow_absent(const char *path)
{
	struct stat sb;

	return stat(path, &sb) < 0 && errno == ENOENT;
}

/* How the log ended, with its damage: damage before the end is no reason
 * to stop (decoding goes on after it, FORMAT.md D2), nor is a torn tail
 * while the job lives (a write in progress). */
static void follow_end(FILE *out, const struct run *run,
		       const struct job_end *e)
{
	const struct rt_log *log = &run->log;
	char what[1024];

	if (log->damaged) {
		dump_damage_text(what, sizeof what, log, 4);
		fprintf(out, "log %s\n", what);
	}
	dump_exit_words(what, sizeof what, e);
	if (e->by != JOB_END_NONE)
		fprintf(out, "ended: %s\n", what);
	else if (!log->damaged || log->damage_tail)
		fputs("ended without end record (killed or crashed)\n", out);
	else
		fprintf(out, "ended: %s\n", dump_no_end(log));
	dump_summary_key(out, run);
}

int dump_follow(FILE *out, const char *path, size_t every,
		int (*stop)(void))
{
	size_t shown = 0, lines = 0;
	int waited = 0, gone = 0, rc;
	struct stat sb;

	/* A FIFO is read once: --follow watches a file grow.  (A device
	 * logread_file refuses.) */
	if (stat(path, &sb) == 0 && S_ISFIFO(sb.st_mode)) {
		fprintf(stderr, "rtrack-dump: %s: not a regular file (a FIFO): "
			"--follow watches a log file as it grows\n", path);
		return -2;
	}
	while (!stop()) {
		struct run run;
		struct job_end e;
		char err[256];
		uint64_t wait_ns;

		if ((rc = run_read_file(path, &run, err, sizeof err)) < 0) {
			/* The job may not have started yet: say so once.
			 * Anything else will never be a log. */
			if (rc != LOGREAD_NOT_YET && !follow_absent(path)) {
				fprintf(stderr, "rtrack-dump: %s: %s\n", path,
					err);
				return -2;
			}
			if (!waited++)
				fprintf(stderr, "rtrack-dump: %s: %s; waiting\n",
					path, err);
			follow_sleep(200000000ull);
			continue;
		}
		for (; shown < stats_nrows(&run.log) && !stop(); shown++) {
			if (shown % every != 0)
				continue;
			if (lines++ % HEADER_EVERY == 0)
				follow_header(out);
			follow_row(out, &run, shown);
		}
		fflush(out);
		/* A root reaped by the rtrack wrapper is gone a moment
		 * before its REAPED record comes: one more look for it. */
		job_end_get(&run.log, &e);
		if (e.by == JOB_END_NONE && !run.log.damage_memory &&
		    follow_root_gone(&run.log) && !gone++) {
			run_free(&run);
			follow_sleep(200000000ull);
			continue;
		}
		/* Stopped for memory, the rest cannot be shown. */
		if (e.by != JOB_END_NONE || run.log.damage_memory || gone) {
			follow_end(out, &run, &e);
			run_free(&run);
			break;
		}
		/* New samples come every interval, flushed at least each
		 * second. */
		wait_ns = run.log.hdr.interval_ns;
		if (wait_ns < 100000000ull || wait_ns > 1000000000ull)
			wait_ns = wait_ns < 100000000ull ? 100000000ull :
							   1000000000ull;
		run_free(&run);
		follow_sleep(wait_ns);
	}
	return fmt_finish(out);
}
