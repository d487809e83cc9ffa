/* check.c - rtrack-dump --check: verify a log record by record (every
 * checksum, every payload decodes: logread.c reports each damaged stretch
 * and goes on after it) and the things that must hold between records,
 * and say so in one line.
 * A log without an end record (a killed job) is not damaged. */
#include "dump.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Sample times never go back within one chain (FORMAT.md S5: only the
 * root writes samples, on a monotonic cadence; the wall clock may be
 * stepped, so this is reported, not an error). */
static size_t time_steps_back(const struct rt_log *log)
{
	size_t n = 0;

	for (size_t i = 1; i < log->nsamples; i++)
		if (log->samples[i].time_ns < log->samples[i - 1].time_ns)
			n++;
	return n;
}

const char *dump_no_end(const struct rt_log *log)
{
	static char away[RT_PROC_CMDLINE_MAX + 160];
	const struct rt_exec *x = job_exec_away(log);

	if (log->damage_memory)
		return "not known: the log was not read to its end";
	if (log->damaged && !log->damage_tail)
		return "not known: no end record, but the damage may "
		       "hide one";
	if (x) {
		snprintf(away, sizeof(away),
			 "not known: exec'd %s, which rtrack cannot enter "
			 "(static, setuid or without LD_PRELOAD; run it under "
			 "the rtrack wrapper to record its end)",
			 x->cmdline);
		return away;
	}
	return "no end record (killed or crashed)";
}

void dump_exit_words(char *dst, size_t size, const struct job_end *e)
{
	const char *by = e->by == JOB_END_REAPED ?
				 ", seen by the rtrack wrapper" : "";
	const char *abbrev = sigabbrev_np(e->exit_value);

	if (e->by == JOB_END_NONE)
		snprintf(dst, size, "%s", "");
	else if (e->exit_kind == RT_EXIT_CODE)
		snprintf(dst, size, "exit code %d%s", (int)e->exit_value, by);
	else if (e->exit_kind == RT_EXIT_SIGNAL && e->by == JOB_END_REAPED)
		snprintf(dst, size, "killed by signal %d (SIG%s)%s",
			 (int)e->exit_value, abbrev ? abbrev : "?", by);
	else if (e->exit_kind == RT_EXIT_SIGNAL)
		snprintf(dst, size, "killed by signal %d", (int)e->exit_value);
	else
		snprintf(dst, size, "exit status unknown%s", by);
}

const char *dump_damage_what(const struct rt_log *log)
{
	return log->damage_memory ? "not read past" : "damaged at";
}

__attribute__((format(printf, 4, 5)))
static void damage_put(char *dst, size_t size, size_t *n, const char *fmt,
		       ...)
{
	va_list ap;
	int k;

	if (*n >= size)
		return;
	va_start(ap, fmt);
	k = vsnprintf(dst + *n, size - *n, fmt, ap);
	va_end(ap);
	*n = k < 0 ? size : *n + (size_t)k;
}

void dump_damage_text(char *dst, size_t size, const struct rt_log *log,
		      size_t max)
{
	const struct rt_damage *d = log->damages;
	uint64_t bytes = 0;
	size_t n = 0, i;

	dst[0] = '\0';
	if (!log->ndamages || (log->ndamages == 1 && log->damage_tail &&
			       !log->damage_memory)) {
		damage_put(dst, size, &n, "%s offset %llu: %s",
			   dump_damage_what(log),
			   (unsigned long long)log->damage_offset, log->damage);
		return;
	}
	damage_put(dst, size, &n, "damaged at offsets");
	for (i = 0; i < log->ndamages && i < max; i++)
		damage_put(dst, size, &n, "%s %llu-%llu (%s)", i ? "," : "",
			   (unsigned long long)d[i].start,
			   (unsigned long long)d[i].end, d[i].why);
	for (size_t j = 0; j < log->ndamages; j++)
		bytes += d[j].end - d[j].start;
	if (i < log->ndamages)
		damage_put(dst, size, &n, " and %zu more, %llu bytes in all",
			   log->ndamages - i, (unsigned long long)bytes);
	if (log->damage_memory)
		damage_put(dst, size, &n, "; not read past offset %llu: %s",
			   (unsigned long long)log->damage_offset, log->damage);
}

void dump_damage_shown(char *dst, size_t size, const struct rt_log *log)
{
	size_t n;

	dump_damage_text(dst, size, log, 4);
	n = strlen(dst);
	if (log->unchained)
		damage_put(dst, size, &n, "; %zu " DUMP_UNCHAINED,
			   log->unchained);
	damage_put(dst, size, &n, "; showing %s%zu samples%s",
		   log->damage_memory ? "the " : "", log->nsamples,
		   log->damage_memory ? " before it" : "");
}

int dump_check(FILE *out, const struct run *run, const char *name)
{
	const struct rt_log *log = &run->log;
	size_t dup = run->job.dup_exits, back = time_steps_back(log);
	int bad = log->damaged || dup != 0 ||
		  (log->has_end && log->end.samples > log->nsamples);
	struct job_end e;
	const char *end;

	job_end_get(log, &e);
	end = e.by == JOB_END_RECORD   ? "end record"
	      : e.by == JOB_END_REAPED ? "reaped record, no end record"
				       : dump_no_end(log);

	fprintf(out, "%s: %s: format %u.%u, %zu samples, %zu process, %zu exit, "
		"%zu exec records, %s", name,
		!bad ? "ok" : log->damage_memory ? "INCOMPLETE" : "DAMAGED",
		log->version_major, log->version_minor, log->nsamples,
		log->nprocs, log->nexits, log->nexecs,
		end);
	if (log->damaged) {
		/* Every stretch: about 80 bytes each. */
		size_t size = 512 + log->ndamages * 96;
		char *text = malloc(size);

		if (text) {
			dump_damage_text(text, size, log, log->ndamages);
			fprintf(out, "; %s", text);
		}
		free(text);
	}
	if (log->unchained)
		fprintf(out, "; %zu " DUMP_UNCHAINED, log->unchained);
	if (dup > 0)
		fprintf(out, "; %zu duplicate exit records", dup);
	if (run->job.after_end)
		fprintf(out, "; %zu exit records of processes started after the "
			"job ended (an inherited RTRACK_ROOT): ignored",
			run->job.after_end);
	if (log->has_end && log->end.samples > log->nsamples)
		fprintf(out, "; the end record counts %llu samples, %zu read",
			(unsigned long long)log->end.samples, log->nsamples);
	if (back)
		fprintf(out, "; the wall clock stepped back %zu times", back);
	putc('\n', out);
	if (fflush(out) != 0)
		return -1;
	return bad ? 1 : 0;
}
