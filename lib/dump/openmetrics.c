/* openmetrics.c - rtrack-dump --format openmetrics: the run as OpenMetrics
 * text that Prometheus backfills (promtool tsdb create-blocks-from
 * openmetrics).  One family per line of the tables below, each written
 * whole before the next (families never interleave); every sample carries
 * its timestamp; an unavailable value is left out, never written as 0.
 *
 * Levels (memory, processes, disk space) are gauges; what accumulates (CPU
 * time, disk and network bytes) is a counter built by summing the rows'
 * per-interval figures, starting at 0 at the first sample, because
 * Prometheus users take rate() or increase() over whatever window they
 * look at, which a gauge of per-interval amounts cannot give them.
 *
 * GPU: the seed's three figures for the job and for the machine (usage in
 * GPUs, VRAM, GPUs utilized) are gauges like the rows' other levels; each
 * device's own figures (the log's GPU records, every sample) are gauges
 * with a gpu label (its index) and, where the log knows it, uuid (NVML)
 * or bus_id (DRM: the PCI address or platform name).
 *
 * Several logs make one exposition: each family's descriptor once, then
 * every log's series of it, told apart by host, pid and command.  Two logs
 * alike in those (one machine, pids that collide: containers, pid
 * namespaces) would be one series to Prometheus, which drops the samples
 * of one at equal times and splices the runs together otherwise, without
 * a word; so each such log also gets a `log` label, its file name. */
#include "dump.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

#define MIB 1048576.0
#define BYTES_PER_GB 1e9
#define NS_PER_MS 1000000u

/* One metric family: src are struct stats_row columns (rows) or struct
 * stats_summary keys (summary), added up, times scale. */
struct om_family {
	const char *name; /* family name: a counter's samples add _total */
	int counter;
	const char *unit; /* "" or the name's last word */
	const char *help;
	int src[2];       /* -1: unused */
	double scale;
	int decimals;
};

#define ROW(c) STATS_C_##c
#define SUM(k) STATS_S_##k

static const struct om_family row_families[] = {
	{ "rtrack_process_cpu_seconds", 1, "seconds",
	  "CPU time of the job's processes since the first sample, user and "
	  "system", { ROW(process_utime), ROW(process_stime) }, 1, 6 },
	{ "rtrack_process_memory_bytes", 0, "bytes",
	  "Memory of the job's processes, summed PSS (RSS with "
	  "RTRACK_MEMORY=rss)", { ROW(process_memory_mib), -1 }, MIB, 0 },
	{ "rtrack_process_children", 0, "",
	  "Live descendants of the job's root process",
	  { ROW(process_children), -1 }, 1, 0 },
	{ "rtrack_process_disk_read_bytes", 1, "bytes",
	  "Bytes the job's processes read from storage since the first sample",
	  { ROW(process_disk_read_bytes), -1 }, 1, 0 },
	{ "rtrack_process_disk_written_bytes", 1, "bytes",
	  "Bytes the job's processes wrote to storage since the first sample",
	  { ROW(process_disk_write_bytes), -1 }, 1, 0 },
	{ "rtrack_process_gpu_usage", 0, "",
	  "GPUs the job's processes kept busy: their utilization summed over "
	  "the devices, 1 for one whole GPU", { ROW(process_gpu_usage), -1 },
	  1, 4 },
	{ "rtrack_process_gpu_vram_bytes", 0, "bytes",
	  "GPU memory held by the job's processes, all devices",
	  { ROW(process_gpu_vram_mib), -1 }, MIB, 0 },
	{ "rtrack_process_gpu_utilized", 0, "",
	  "GPUs the job's processes used (utilization above 0)",
	  { ROW(process_gpu_utilized), -1 }, 1, 0 },
	{ "rtrack_system_cpu_seconds", 1, "seconds",
	  "CPU time of the whole machine since the first sample, user, nice "
	  "and system", { ROW(system_utime), ROW(system_stime) }, 1, 6 },
	{ "rtrack_system_processes", 0, "", "Processes on the machine",
	  { ROW(system_processes), -1 }, 1, 0 },
	{ "rtrack_system_memory_used_bytes", 0, "bytes",
	  "Memory in use on the machine, MemTotal less MemAvailable",
	  { ROW(system_memory_used_mib), -1 }, MIB, 0 },
	{ "rtrack_system_memory_free_bytes", 0, "bytes", "MemFree",
	  { ROW(system_memory_free_mib), -1 }, MIB, 0 },
	{ "rtrack_system_memory_buffers_bytes", 0, "bytes", "Buffers",
	  { ROW(system_memory_buffers_mib), -1 }, MIB, 0 },
	{ "rtrack_system_memory_cached_bytes", 0, "bytes",
	  "Cached and SReclaimable", { ROW(system_memory_cached_mib), -1 },
	  MIB, 0 },
	{ "rtrack_system_memory_active_bytes", 0, "bytes", "Active",
	  { ROW(system_memory_active_mib), -1 }, MIB, 0 },
	{ "rtrack_system_memory_inactive_bytes", 0, "bytes", "Inactive",
	  { ROW(system_memory_inactive_mib), -1 }, MIB, 0 },
	{ "rtrack_system_disk_read_bytes", 1, "bytes",
	  "Bytes read from the machine's disks since the first sample",
	  { ROW(system_disk_read_bytes), -1 }, 1, 0 },
	{ "rtrack_system_disk_written_bytes", 1, "bytes",
	  "Bytes written to the machine's disks since the first sample",
	  { ROW(system_disk_write_bytes), -1 }, 1, 0 },
	{ "rtrack_system_disk_space_size_bytes", 0, "bytes",
	  "Size of the machine's filesystems, each counted once",
	  { ROW(system_disk_space_total_gb), -1 }, BYTES_PER_GB, 0 },
	{ "rtrack_system_disk_space_used_bytes", 0, "bytes",
	  "Space used on the machine's filesystems",
	  { ROW(system_disk_space_used_gb), -1 }, BYTES_PER_GB, 0 },
	{ "rtrack_system_disk_space_free_bytes", 0, "bytes",
	  "Space available to unprivileged users on the machine's filesystems",
	  { ROW(system_disk_space_free_gb), -1 }, BYTES_PER_GB, 0 },
	{ "rtrack_system_network_receive_bytes", 1, "bytes",
	  "Bytes received by the machine since the first sample, loopback "
	  "excluded", { ROW(system_net_recv_bytes), -1 }, 1, 0 },
	{ "rtrack_system_network_transmit_bytes", 1, "bytes",
	  "Bytes sent by the machine since the first sample, loopback "
	  "excluded", { ROW(system_net_sent_bytes), -1 }, 1, 0 },
	{ "rtrack_system_gpu_usage", 0, "",
	  "GPUs busy on the machine: utilization summed over the devices, 1 "
	  "for one whole GPU", { ROW(system_gpu_usage), -1 }, 1, 4 },
	{ "rtrack_system_gpu_vram_bytes", 0, "bytes",
	  "GPU memory in use on the machine, all devices",
	  { ROW(system_gpu_vram_mib), -1 }, MIB, 0 },
	{ "rtrack_system_gpu_utilized", 0, "",
	  "GPUs of the machine with utilization above 0",
	  { ROW(system_gpu_utilized), -1 }, 1, 0 },
};

/* Per device, from the log's GPU records: src[0] is an enum rt_gpu_field. */
#define GPU(f) RT_G_##f

static const struct om_family gpu_families[] = {
	{ "rtrack_gpu_utilization_ratio", 0, "ratio",
	  "Utilization of the device over the driver's last period",
	  { GPU(util_pct), -1 }, 0.01, 2 },
	{ "rtrack_gpu_memory_used_bytes", 0, "bytes",
	  "Memory in use on the device", { GPU(mem_used_kib), -1 }, 1024, 0 },
	{ "rtrack_gpu_memory_total_bytes", 0, "bytes", "Memory of the device",
	  { GPU(mem_total_kib), -1 }, 1024, 0 },
	{ "rtrack_gpu_power_watts", 0, "watts", "Power draw of the board",
	  { GPU(power_mw), -1 }, 0.001, 3 },
	{ "rtrack_gpu_temperature_celsius", 0, "celsius",
	  "Temperature of the GPU", { GPU(temp_c), -1 }, 1, 0 },
	{ "rtrack_gpu_sm_clock_hertz", 0, "hertz",
	  "SM (shader) clock of the GPU", { GPU(sm_clock_mhz), -1 }, 1e6, 0 },
	{ "rtrack_gpu_process_utilization_ratio", 0, "ratio",
	  "Utilization of the device by the job's processes",
	  { GPU(tree_util_pct), -1 }, 0.01, 2 },
	{ "rtrack_gpu_process_vram_bytes", 0, "bytes",
	  "Memory of the device held by the job's processes",
	  { GPU(tree_mem_kib), -1 }, 1024, 0 },
	{ "rtrack_gpu_processes", 0, "",
	  "Processes of the job holding the device",
	  { GPU(tree_procs), -1 }, 1, 0 },
};

/* One sample each, at the end of the run. */
static const struct om_family summary_families[] = {
	{ "rtrack_cpu_seconds", 1, "seconds",
	  "Own CPU time of every process of the job over the whole run, exact "
	  "from exit records where the processes wrote them",
	  { SUM(cpu_seconds), -1 }, 1, 6 },
	{ "rtrack_peak_rss_bytes", 0, "bytes",
	  "Largest peak RSS (VmHWM) of any single process of the job",
	  { SUM(peak_rss_mib), -1 }, MIB, 0 },
	{ "rtrack_duration_seconds", 0, "seconds",
	  "Wall time from the start of tracking to the end of the job",
	  { SUM(duration_s), -1 }, 1, 3 },
	{ "rtrack_tracker_cpu_seconds", 1, "seconds",
	  "CPU time of rtrack's own sampler thread",
	  { SUM(tracker_cpu_seconds), -1 }, 1, 6 },
};

#define NFAMILIES(t) (sizeof(t) / sizeof((t)[0]))

/* One log being written. */
struct om_ctx {
	const struct run *run;
	const struct rt_log *log; /* its records: &run->log */
	const char *name;  /* the file it came from */
	char *labels;      /* host="..",pid="..",command=".."[,log=".."] */
	const char *user;  /* ",key=\"value\"..." of --label, or "" */
	size_t nrows;
	int gpu;           /* the device of the samples written, or -1 */
	struct stats_summary sum;
	uint64_t end_ns;
	int have_end;
};

/* One series as it is written: what Prometheus will read as its last
 * timestamp, and a counter's running total. */
struct om_series {
	int64_t last_ms;
	int have_last;
	double total;
};

/* A label value per the spec: backslash, double quote and newline
 * escaped; a byte that is not part of valid UTF-8 becomes U+FFFD, since
 * Prometheus refuses a label value that is not UTF-8.  Other control
 * characters are valid there (the spec's normal-char) and stay. */
static void om_label_value(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len && p[i] != '\0') {
		size_t n = fmt_utf8_len(p + i, len - i);

		if (n == 0)
			fputs("\xef\xbf\xbd", out);
		else if (p[i] == '\\')
			fputs("\\\\", out);
		else if (p[i] == '"')
			fputs("\\\"", out);
		else if (p[i] == '\n')
			fputs("\\n", out);
		else
			fwrite(p + i, 1, n, out);
		i += n ? n : 1;
	}
}

/* A device's labels: its index, and its id under the name that says
 * what it is. */
static void om_gpu_labels(FILE *out, const struct om_ctx *c)
{
	const struct rt_gpu_dev *d = &c->log->gpu_devs[c->gpu];
	size_t len = strnlen(d->id, sizeof d->id);

	fprintf(out, ",gpu=\"%d\"", c->gpu);
	if (!len || (d->source != RT_GPU_NVML && d->source != RT_GPU_DRM))
		return;
	fputs(d->source == RT_GPU_NVML ? ",uuid=\"" : ",bus_id=\"", out);
	om_label_value(out, d->id, len);
	putc('"', out);
}

static void om_labels(FILE *out, const struct om_ctx *c)
{
	putc('{', out);
	fputs(c->labels, out);
	if (c->gpu >= 0)
		om_gpu_labels(out, c);
	fputs(c->user, out);
	putc('}', out);
}

/* The command label: the program's name, as basename(1) gives it
 * (trailing slashes ignored) for the first word of the cmdline. */
static void om_command_name(const struct rt_header *h, const char **name,
			    size_t *len)
{
	const char *cmd = h->cmdline;
	size_t n = strnlen(cmd, sizeof h->cmdline);
	const char *space = memchr(cmd, ' ', n);
	size_t end = space ? (size_t)(space - cmd) : n, start;

	while (end > 1 && cmd[end - 1] == '/')
		end--;
	start = end;
	while (start > 0 && cmd[start - 1] != '/')
		start--;
	if (start == end && end > 0) /* "/" itself */
		start--;
	*name = cmd + start;
	*len = end - start;
}

/* ',key="value"' of each label: "" for none; NULL when memory ran out. */
static char *om_label_text(const struct dump_label *l, size_t n,
			   const char *first_sep)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s%.*s=\"", i ? "," : first_sep, (int)l[i].keylen,
			l[i].key);
		om_label_value(f, l[i].value, strlen(l[i].value));
		putc('"', f);
	}
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* The log's own labels, and its file name as `log` where with_log. */
static char *om_own_labels(const struct rt_log *log, const char *name,
			   int with_log)
{
	const struct rt_header *h = &log->hdr;
	char pid[16];
	struct dump_label l[4] = {
		{ "host", 4, NULL }, { "pid", 3, pid }, { "command", 7, NULL },
		{ "log", 3, name },
	};
	char host[sizeof h->host + 1], cmd[sizeof h->cmdline + 1];
	const char *c;
	size_t clen;

	snprintf(host, sizeof host, "%.*s", (int)sizeof h->host, h->host);
	om_command_name(h, &c, &clen);
	snprintf(cmd, sizeof cmd, "%.*s", (int)clen, c);
	snprintf(pid, sizeof pid, "%" PRIu32, h->pid);
	l[0].value = host;
	l[2].value = cmd;
	return om_label_text(l, with_log ? 4 : 3, "");
}

/* The timestamp Prometheus stores for "ms / 1000" written in seconds: it
 * parses the text to the nearest double and truncates the product by
 * 1000, which is one millisecond short for about 1% of the values. */
static int64_t om_prom_ms(uint64_t ms)
{
	return (int64_t)((double)ms / 1000.0 * 1000.0);
}

/* One sample line, unless Prometheus would not see its time after the
 * series' previous one (a clock stepped back, or two samples within a
 * millisecond): promtool refuses such a series. */
static void om_sample(FILE *out, const struct om_ctx *c,
		      const struct om_family *f, struct om_series *s,
		      uint64_t ns, double v)
{
	uint64_t ms = (ns + NS_PER_MS / 2) / NS_PER_MS;
	int64_t prom = om_prom_ms(ms);
	char num[FMT_NUM_MAX];

	if (s->have_last && prom <= s->last_ms)
		return;
	if (!fmt_real(num, v, f->decimals))
		return;
	s->last_ms = prom;
	s->have_last = 1;
	fprintf(out, "%s%s", f->name, f->counter ? "_total" : "");
	om_labels(out, c);
	fprintf(out, " %s %" PRIu64 ".%03u\n", num, ms / 1000,
		(unsigned)(ms % 1000));
}

static void om_descriptor(FILE *out, const struct om_family *f)
{
	fprintf(out, "# TYPE %s %s\n", f->name,
		f->counter ? "counter" : "gauge");
	if (f->unit[0])
		fprintf(out, "# UNIT %s %s\n", f->name, f->unit);
	fprintf(out, "# HELP %s %s\n", f->name, f->help);
}

/* The family's value in base (a row or a summary): 0 and *v set, or -1
 * when one of its sources is unavailable. */
static int om_value(const struct om_family *f,
		    const struct stats_field *fields, const void *base,
		    uint64_t present, double *v)
{
	double sum = 0;

	for (size_t i = 0; i < NFAMILIES(f->src) && f->src[i] >= 0; i++) {
		if (!(present & STATS_BIT(f->src[i])))
			return -1;
		sum += fmt_field_double(&fields[f->src[i]], base);
	}
	*v = sum * f->scale;
	return 0;
}

/* Row i's value for f: 0, or -1 when it has none or no timestamp. */
static int om_row_value(const struct om_ctx *c, const struct om_family *f,
			size_t i, double *v)
{
	struct stats_row r;

	stats_row(c->run, i, &r);
	if (om_value(f, stats_row_fields, &r, r.present, v) < 0)
		return -1;
	return (r.present & STATS_BIT(STATS_C_timestamp)) ? 0 : -1;
}

/* A family none of whose rows has a value is left out whole. */
static int om_family_has_rows(const struct om_ctx *c,
			      const struct om_family *f)
{
	double v;

	for (size_t i = 0; i < c->nrows; i++)
		if (om_row_value(c, f, i, &v) == 0)
			return 1;
	return 0;
}

/* A counter starts at 0 at the first sample, so that increase() over the
 * run gives the whole amount, the first interval's included. */
static void om_counter_start(FILE *out, const struct om_ctx *c,
			     const struct om_family *f, struct om_series *s)
{
	const struct rt_sample *first = &c->log->samples[0];

	if (sample_has(first, RT_F_time_ns))
		om_sample(out, c, f, s, first->time_ns, 0.0);
}

/* The log's series of f.  A row left out for its timestamp still adds to
 * a counter: the next sample written carries it. */
static void om_row_series(FILE *out, const struct om_ctx *c,
			  const struct om_family *f)
{
	struct om_series s = { 0, 0, 0.0 };
	struct stats_row r;
	double v;

	if (!om_family_has_rows(c, f))
		return;
	if (f->counter)
		om_counter_start(out, c, f, &s);
	for (size_t i = 0; i < c->nrows && !ferror(out); i++) {
		stats_row(c->run, i, &r);
		if (om_value(f, stats_row_fields, &r, r.present, &v) < 0)
			continue;
		if (f->counter)
			v = s.total += v;
		if (r.present & STATS_BIT(STATS_C_timestamp))
			om_sample(out, c, f, &s, c->log->samples[i + 1].time_ns,
				  v);
	}
}

/* The family over every log, each series whole; left out when no log
 * has a row with its value. */
static void om_row_family(FILE *out, const struct om_ctx *c, size_t n,
			  const struct om_family *f)
{
	size_t i = 0;

	while (i < n && !om_family_has_rows(&c[i], f))
		i++;
	if (i == n)
		return;
	om_descriptor(out, f);
	for (i = 0; i < n; i++)
		om_row_series(out, &c[i], f);
}

/* Device dev's value of f in GPU record k, at its sample's time: 0, or
 * -1 when it has none (a record whose sample never came, a torn tail,
 * has none either). */
static int om_gpu_value(const struct om_ctx *c, const struct om_family *f,
			unsigned dev, size_t k, uint64_t *ns, double *v)
{
	const struct rt_log *log = c->log;
	const struct rt_gpu_sample *gs = &log->gpu_samples[k];
	const struct rt_gpu_values *g;

	if (gs->sample >= log->nsamples || dev >= gs->n ||
	    !sample_has(&log->samples[gs->sample], RT_F_time_ns))
		return -1;
	g = &log->gpu_vals[gs->first + dev];
	if (!gpu_has(g, (enum rt_gpu_field)f->src[0]))
		return -1;
	*ns = log->samples[gs->sample].time_ns;
	*v = (double)g->v[f->src[0]] * f->scale;
	return 0;
}

/* One family over every log's devices, device by device: each series
 * whole.  A family no device has a value of is left out. */
static void om_gpu_family(FILE *out, const struct om_ctx *c, size_t n,
			  const struct om_family *f)
{
	int described = 0;
	uint64_t ns;
	double v;

	for (size_t i = 0; i < n; i++) {
		struct om_ctx dc = c[i];

		for (unsigned dev = 0; dev < dc.log->ngpu_devs; dev++) {
			struct om_series s = { 0, 0, 0.0 };

			dc.gpu = (int)dev;
			for (size_t k = 0; k < dc.log->ngpu_samples &&
			     !ferror(out); k++) {
				if (om_gpu_value(&dc, f, dev, k, &ns, &v) < 0)
					continue;
				if (!described)
					om_descriptor(out, f);
				described = 1;
				om_sample(out, &dc, f, &s, ns, v);
			}
		}
	}
}

/* One sample of each log, at its end; a family no log has is left out. */
static void om_summary_family(FILE *out, const struct om_ctx *c, size_t n,
			      const struct om_family *f)
{
	int described = 0;
	double v;

	for (size_t i = 0; i < n; i++) {
		struct om_series s = { 0, 0, 0.0 };

		if (!c[i].have_end || om_value(f, stats_summary_fields,
					       &c[i].sum, c[i].sum.present,
					       &v) < 0)
			continue;
		if (!described)
			om_descriptor(out, f);
		described = 1;
		om_sample(out, &c[i], f, &s, c[i].end_ns, v);
	}
}

/* Whether the label sets of c[i] and c[j] are one and the same. */
static int om_alike(const struct om_ctx *c, size_t i, size_t j)
{
	return strcmp(c[i].labels, c[j].labels) == 0;
}

/* A log named twice is one file, shown once: the later are left out (c
 * compacted).  Returns how many are left. */
static size_t om_drop_repeats(struct om_ctx *c, size_t n)
{
	size_t kept = 0;

	for (size_t i = 0; i < n; i++) {
		size_t j = 0;

		while (j < kept && !(om_alike(c, i, j) &&
				     strcmp(c[i].name, c[j].name) == 0))
			j++;
		if (j < kept)
			free(c[i].labels);
		else
			c[kept++] = c[i];
	}
	return kept;
}

/* Each log whose own labels are alike another's also gets its file name
 * as `log`.  0, or -1 when memory ran out. */
static int om_label_twins(struct om_ctx *c, size_t n)
{
	unsigned char *twin = calloc(n ? n : 1, 1);
	int rc = 0;

	if (!twin)
		return -1;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (om_alike(c, i, j))
				twin[i] = twin[j] = 1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (!twin[i])
			continue;
		free(c[i].labels);
		c[i].labels = om_own_labels(c[i].log, c[i].name, 1);
		rc = c[i].labels ? 0 : -1;
	}
	free(twin);
	return rc;
}

/* The labels rtrack sets itself: a user's label of one of these names
 * would make two labels of one name, which Prometheus refuses. */
static const char *const om_own_names[] = {
	"host", "pid", "command", "log", "gpu", "uuid", "bus_id",
};

/* Whether key[0..len) is a label name: [a-zA-Z_][a-zA-Z0-9_]*. */
static int om_label_name_ok(const char *key, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char ch = key[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      ch == '_' || (i > 0 && ch >= '0' && ch <= '9')))
			return 0;
	}
	return len > 0;
}

static int om_label_own(const char *key, size_t len)
{
	for (size_t i = 0; i < NFAMILIES(om_own_names); i++)
		if (strlen(om_own_names[i]) == len &&
		    memcmp(om_own_names[i], key, len) == 0)
			return 1;
	return 0;
}

static int om_label_given(const struct dump_label *l, size_t n,
			  const char *key, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (l[i].keylen == len && memcmp(l[i].key, key, len) == 0)
			return 1;
	return 0;
}

static int om_utf8_ok(const char *s)
{
	size_t len = strlen(s), n;

	for (size_t i = 0; i < len; i += n)
		if (!(n = fmt_utf8_len((const unsigned char *)s + i, len - i)))
			return 0;
	return 1;
}

int dump_label_parse(const char *arg, const struct dump_label *prev,
		     size_t nprev, struct dump_label *l, char *err,
		     size_t size)
{
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : 0;

	/* the key alone: a value may be long, secret or span lines */
	if (!eq)
		snprintf(err, size, "--label takes key=value, not '%s'", arg);
	else if (!om_label_name_ok(arg, len))
		snprintf(err, size, "--label %.*s=...: the key is a letter or _, "
			 "then letters, digits or _", (int)len, arg);
	else if (len >= 2 && arg[0] == '_' && arg[1] == '_')
		snprintf(err, size, "--label %.*s=...: keys that start with __ "
			 "are Prometheus' own", (int)len, arg);
	else if (om_label_own(arg, len))
		snprintf(err, size, "--label %.*s=...: rtrack sets %.*s itself",
			 (int)len, arg, (int)len, arg);
	else if (!eq[1])
		snprintf(err, size, "--label %.*s=: an empty value is no label "
			 "to Prometheus", (int)len, arg);
	else if (!om_utf8_ok(eq + 1))
		snprintf(err, size, "--label %.*s=...: the value is not UTF-8",
			 (int)len, arg);
	else if (om_label_given(prev, nprev, arg, len))
		snprintf(err, size, "--label %.*s given twice", (int)len, arg);
	else {
		l->key = arg;
		l->keylen = len;
		l->value = eq + 1;
		return 0;
	}
	return -1;
}

static const struct dump_label *om_user;
static size_t om_nuser;

void dump_openmetrics_labels(const struct dump_label *labels, size_t n)
{
	om_user = labels;
	om_nuser = n;
}

/* A context per log, with its labels; 0, or -1 when memory ran out. */
static int om_contexts(struct om_ctx *c, const struct run *runs,
		       const char *const *names, size_t n, const char *user)
{
	for (size_t i = 0; i < n; i++) {
		c[i].run = &runs[i];
		c[i].log = &runs[i].log;
		c[i].name = names[i];
		c[i].user = user;
		c[i].nrows = stats_nrows(c[i].log);
		c[i].gpu = -1;
		c[i].have_end = stats_end_ns(c[i].log, &c[i].end_ns) == 0;
		stats_summarize(&runs[i], &c[i].sum);
		if (!(c[i].labels = om_own_labels(c[i].log, names[i], 0)))
			return -1;
	}
	return 0;
}

static void om_write(FILE *out, const struct om_ctx *c, size_t n)
{
	for (size_t i = 0; i < NFAMILIES(row_families) && !ferror(out); i++)
		om_row_family(out, c, n, &row_families[i]);
	for (size_t i = 0; i < NFAMILIES(gpu_families) && !ferror(out); i++)
		om_gpu_family(out, c, n, &gpu_families[i]);
	for (size_t i = 0; i < NFAMILIES(summary_families) && !ferror(out); i++)
		om_summary_family(out, c, n, &summary_families[i]);
	fputs("# EOF\n", out);
}

int dump_openmetrics_many(FILE *out, const struct run *runs,
			  const char *const *names, size_t n)
{
	struct om_ctx *c = calloc(n ? n : 1, sizeof *c);
	char *user = om_label_text(om_user, om_nuser, ",");
	int rc = -1;

	if (!c || !user || om_contexts(c, runs, names, n, user) < 0) {
		errno = ENOMEM;
	} else {
		n = om_drop_repeats(c, n);
		if (om_label_twins(c, n) < 0) {
			errno = ENOMEM;
		} else {
			om_write(out, c, n);
			rc = fmt_finish(out);
		}
	}
	for (size_t i = 0; c && i < n; i++)
		free(c[i].labels);
	free(c);
	free(user);
	return rc;
}

int dump_openmetrics(FILE *out, const struct run *run, const char *name)
{
	return dump_openmetrics_many(out, run, &name, 1);
}
