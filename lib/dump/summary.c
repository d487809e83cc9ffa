/* summary.c - rtrack-dump --format summary (the default): what the run
 * used, in human units, one "label value" line per topic, never wider than
 * 80 columns.  Text from the log (command, host, damage reason) is shown
 * with control characters and invalid UTF-8 as '?' so that a hostile
 * command line cannot drive the terminal. */
#include "dump.h"

#include <stdarg.h>
#include <string.h>

#include "fmt.h"

#define LABEL_W 13 /* "  " + label padded to 10 + " " */
#define VALUE_W (80 - LABEL_W)
#define MIB 1048576.0

#define HAVE(s, key) (((s)->present & STATS_BIT(STATS_S_##key)) != 0)

/* s made safe and cut to VALUE_W columns, "..." marking a cut. */
static void summary_put_text(FILE *out, const char *str)
{
	fmt_text(out, str, strlen(str), VALUE_W);
}

__attribute__((format(printf, 3, 4)))
static void summary_line(FILE *out, const char *label, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	fprintf(out, "  %-10s ", label);
	summary_put_text(out, buf);
	putc('\n', out);
}

static const char *show_seconds(char *dst, int have, double v)
{
	if (!have)
		return "n/a";
	fmt_seconds(dst, v);
	return dst;
}

static const char *show_bytes(char *dst, int have, double v)
{
	if (!have)
		return "n/a";
	fmt_bytes(dst, v);
	return dst;
}

static const char *show_real(char *dst, int have, double v, int decimals)
{
	return have && fmt_real(dst, v, decimals) ? dst : "n/a";
}

static void summary_header(FILE *out, const struct rt_log *log,
			   const char *name)
{
	const struct rt_header *h = &log->hdr;
	char start[FMT_TIME_MAX];

	fputs("rtrack summary\n", out);
	if (name)
		summary_line(out, "log", "%s", name);
	summary_line(out, "command", "%.*s", (int)sizeof h->cmdline,
		     h->cmdline);
	summary_line(out, "host", "%.*s, Linux %.*s %.*s, %u CPUs",
		     (int)sizeof h->host, h->host, (int)sizeof h->kernel,
		     h->kernel, (int)sizeof h->machine, h->machine,
		     (unsigned)h->ncpus);
	summary_line(out, "pid", "%u", (unsigned)h->pid);
	fmt_utc(start, h->start_ns);
	summary_line(out, "started", "%s", start);
}

static void summary_exit(FILE *out, const struct rt_log *log)
{
	char last[FMT_TIME_MAX];
	uint64_t ns;

	if (!log->has_end) {
		summary_line(out, "exit", "ended without end record "
			     "(killed or crashed);");
		if (stats_end_ns(log, &ns) == 0) {
			fmt_utc(last, ns);
			summary_line(out, "", "last sample at %s", last);
		} else {
			summary_line(out, "", "no sample recorded");
		}
	} else if (log->end.exit_kind == RT_EXIT_CODE) {
		summary_line(out, "exit", "exit code %d",
			     (int)log->end.exit_value);
	} else if (log->end.exit_kind == RT_EXIT_SIGNAL) {
		summary_line(out, "exit", "killed by signal %d",
			     (int)log->end.exit_value);
	} else {
		summary_line(out, "exit", "unknown");
	}
	if (log->damaged)
		summary_line(out, "damage", "log damaged at offset %llu: %.*s",
			     (unsigned long long)log->damage_offset,
			     (int)sizeof log->damage, log->damage);
}

static void summary_cpu(FILE *out, const struct stats_summary *s)
{
	char cpu[FMT_HUMAN_MAX], mean[FMT_NUM_MAX], max[FMT_NUM_MAX];

	summary_line(out, "CPU", "%s, mean %s cores, max %s cores",
		     show_seconds(cpu, HAVE(s, cpu_seconds), s->cpu_seconds),
		     show_real(mean, HAVE(s, cpu_usage_mean), s->cpu_usage_mean,
			       2),
		     show_real(max, HAVE(s, cpu_usage_max), s->cpu_usage_max,
			       2));
}

static void summary_memory(FILE *out, const struct rt_log *log,
			   const struct stats_summary *s)
{
	char mean[FMT_HUMAN_MAX], max[FMT_HUMAN_MAX], peak[FMT_HUMAN_MAX];

	summary_line(out, "memory", "%s mean %s, max %s; true peak RSS %s",
		     log->hdr.mem_mode == RT_MEM_RSS ? "RSS" : "PSS",
		     show_bytes(mean, HAVE(s, memory_mib_mean),
				s->memory_mib_mean * MIB),
		     show_bytes(max, HAVE(s, memory_mib_max),
				s->memory_mib_max * MIB),
		     show_bytes(peak, HAVE(s, peak_rss_mib),
				s->peak_rss_mib * MIB));
}

static void summary_io(FILE *out, const struct stats_summary *s)
{
	char a[FMT_HUMAN_MAX], b[FMT_HUMAN_MAX];

	summary_line(out, "disk", "read %s, written %s",
		     show_bytes(a, HAVE(s, disk_read_bytes),
				(double)s->disk_read_bytes),
		     show_bytes(b, HAVE(s, disk_write_bytes),
				(double)s->disk_write_bytes));
	summary_line(out, "network", "received %s, sent %s (whole system)",
		     show_bytes(a, HAVE(s, net_recv_bytes),
				(double)s->net_recv_bytes),
		     show_bytes(b, HAVE(s, net_sent_bytes),
				(double)s->net_sent_bytes));
}

static void summary_tracker(FILE *out, const struct stats_summary *s)
{
	char cpu[FMT_HUMAN_MAX], pct[FMT_NUM_MAX];
	int have = HAVE(s, tracker_cpu_seconds);

	show_seconds(cpu, have, s->tracker_cpu_seconds);
	if (have && HAVE(s, cpu_seconds) && s->cpu_seconds > 0 &&
	    fmt_real(pct, 100 * s->tracker_cpu_seconds / s->cpu_seconds, 2))
		summary_line(out, "tracker",
			     "%s CPU, %s%% of the host's CPU time", cpu, pct);
	else
		summary_line(out, "tracker", "%s CPU", have ? cpu : "n/a");
}

static void summary_duration(FILE *out, const struct stats_summary *s)
{
	char dur[FMT_HUMAN_MAX];

	summary_line(out, "duration", "%s",
		     show_seconds(dur, HAVE(s, duration_s), s->duration_s));
}

static void summary_counts(FILE *out, const struct rt_log *log)
{
	char every[FMT_HUMAN_MAX];

	fmt_seconds(every, (double)log->hdr.interval_ns / 1e9);
	summary_line(out, "samples", "%zu, every %s", log->nsamples, every);
	summary_line(out, "processes",
		     "%zu seen, %zu with an exit record, %zu seen only by sampling",
		     log->job.nprocs, log->job.nexact,
		     log->job.nprocs - log->job.nexact);
}

static void summary_recommend(FILE *out, const struct stats_summary *s)
{
	char gpus[64] = "no GPU";
	struct stats_rec r;

	stats_recommend(s, &r);
	if (r.gpus)
		snprintf(gpus, sizeof gpus, "%llu GPU%s with %llu MiB VRAM",
			 (unsigned long long)r.gpus, r.gpus == 1 ? "" : "s",
			 (unsigned long long)r.vram_mib);
	summary_line(out, "recommend", "%llu core%s, %llu MiB memory, %s",
		     (unsigned long long)r.cores, r.cores == 1 ? "" : "s",
		     (unsigned long long)r.memory_mib, gpus);
}

int dump_summary(FILE *out, const struct rt_log *log, const char *name)
{
	struct stats_summary s;

	stats_summarize(log, &s);
	summary_header(out, log, name);
	summary_duration(out, &s);
	summary_exit(out, log);
	summary_cpu(out, &s);
	summary_memory(out, log, &s);
	summary_io(out, &s);
	summary_counts(out, log);
	summary_tracker(out, &s);
	summary_recommend(out, &s);
	return fmt_finish(out);
}
