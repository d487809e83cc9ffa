/* attach.c - the outside modes (attach.h).  The loop the library's sampler
 * thread runs, without a host around it: the same tracker and the same
 * record writer, a batch flushed every second, and the figures made to
 * start at the attach (FORMAT.md H15): what a process had used before the
 * first sample is taken off every counter written. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "gpu.h"
#include "hostinfo.h"
#include "logwrite.h"
#include "procfs.h"
#include "text.h"
#include "tracker.h"

#define ATTACH_KEEP_FDS 256         /* as the library's sampler */
#define ATTACH_BATCH (256u << 10)   /* a batch: a second of a big tree */
#define ATTACH_FLUSH_NS 1000000000ull
#define ATTACH_COST_SHARE 50        /* as the library's sampler */

/* A process already running at the attach, and what it had used then. */
struct base {
	uint32_t pid;
	uint64_t starttime;
	uint64_t utime, stime, rd, wr, delay, majflt;
};

static struct tracker tree; /* 3 MiB of tables: static, never on a stack */

static struct {
	struct base *b;
	size_t n;
	struct base sum;           /* Σ of b's counters */
	uint64_t tree_u, tree_s, tree_rd, tree_wr; /* the first sample's sums */
	uint64_t root_cutime, root_cstime;
	struct rt_proc root;       /* the root as last reported, adjusted */
	int have_root;
	struct logbuf batch;
	uint8_t *mem;
	int fd, failed;
	uint64_t last_flush_ns, samples;
	struct rt_gpu_chain chain;
} at;

static volatile sig_atomic_t stop_sig;

static void on_stop(int sig)
{
	stop_sig = sig;
}

int attach_check(int32_t pid)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (pid <= 0 || access(path, F_OK) != 0)
		return -ESRCH;
	/* stat is world-readable; io is not, for another user's process. */
	snprintf(path, sizeof(path), "/proc/%d/io", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -EACCES;
	close(fd);
	return 0;
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static const struct base *base_of(uint32_t pid, uint64_t starttime)
{
	size_t i;

	for (i = 0; i < at.n; i++)
		if (at.b[i].pid == pid && at.b[i].starttime == starttime)
			return &at.b[i];
	return NULL;
}

/* What the tracker saw at the first sample: every process's counters. */
static void base_take(const struct rt_sample *s)
{
	uint32_t i;

	at.b = calloc(tree.nent ? tree.nent : 1, sizeof(*at.b));
	for (i = 0; at.b && i < tree.nent; i++) {
		const struct rt_proc *p = &tree.ent[i].p;
		struct base *b = &at.b[at.n++];

		b->pid = p->pid;
		b->starttime = p->starttime_ticks;
		b->utime = p->utime_ticks;
		b->stime = p->stime_ticks;
		b->rd = p->read_bytes;
		b->wr = p->write_bytes;
		b->delay = p->run_delay_ns;
		b->majflt = p->major_faults;
		at.sum.utime += b->utime;
		at.sum.stime += b->stime;
		at.sum.delay += b->delay;
		at.sum.majflt += b->majflt;
	}
	at.tree_u = s->tree_utime_ticks;
	at.tree_s = s->tree_stime_ticks;
	at.tree_rd = s->tree_read_bytes;
	at.tree_wr = s->tree_write_bytes;
	if (tree.root_seen) {
		at.root_cutime = tree.root_stat.cutime;
		at.root_cstime = tree.root_stat.cstime;
	}
}

/* s from the attach on; of the machine alone, no tree figure at all. */
static void adjust_sample(struct rt_sample *s, int machine)
{
	static const enum rt_field tree_fields[] = {
		RT_F_tree_procs, RT_F_tree_utime_ticks, RT_F_tree_stime_ticks,
		RT_F_tree_mem_kib, RT_F_tree_rss_kib, RT_F_tree_hwm_max_kib,
		RT_F_tree_read_bytes, RT_F_tree_write_bytes,
		RT_F_seen_utime_ticks, RT_F_seen_stime_ticks,
		RT_F_seen_run_delay_ns, RT_F_seen_major_faults,
		RT_F_tree_swap_kib,
	};
	size_t i;

	if (machine) {
		for (i = 0; i < sizeof(tree_fields) / sizeof(tree_fields[0]); i++)
			sample_set_missing(s, tree_fields[i]);
		return;
	}
	s->seen_utime_ticks = sub0(s->seen_utime_ticks, at.sum.utime);
	s->seen_stime_ticks = sub0(s->seen_stime_ticks, at.sum.stime);
	s->seen_run_delay_ns = sub0(s->seen_run_delay_ns, at.sum.delay);
	s->seen_major_faults = sub0(s->seen_major_faults, at.sum.majflt);
	s->tree_utime_ticks = sub0(s->tree_utime_ticks, at.tree_u);
	s->tree_stime_ticks = sub0(s->tree_stime_ticks, at.tree_s);
	s->tree_read_bytes = sub0(s->tree_read_bytes, at.tree_rd);
	s->tree_write_bytes = sub0(s->tree_write_bytes, at.tree_wr);
}

static void flush(void)
{
	if (at.batch.len && !at.failed && logfile_append_fd(at.fd, &at.batch) < 0)
		at.failed = 1;
	logwrite_clear(&at.batch);
}

static void batch_full(void *ctx)
{
	(void)ctx;
	flush();
}

static void gone(const struct rt_proc *p, void *ctx)
{
	const struct base *b = base_of(p->pid, p->starttime_ticks);
	int32_t root = *(const int32_t *)ctx;
	struct rt_proc q = *p;

	if (b) {
		q.utime_ticks = sub0(q.utime_ticks, b->utime);
		q.stime_ticks = sub0(q.stime_ticks, b->stime);
		q.read_bytes = sub0(q.read_bytes, b->rd);
		q.write_bytes = sub0(q.write_bytes, b->wr);
		q.run_delay_ns = sub0(q.run_delay_ns, b->delay);
		q.major_faults = sub0(q.major_faults, b->majflt);
	}
	if ((int32_t)q.pid == root) {
		at.root = q;
		at.have_root = 1;
	}
	(void)logwrite_proc(&at.batch, &q);
}

static void take(int32_t root)
{
	struct rt_sample s;
	uint64_t now = hostinfo_clock_ns(CLOCK_REALTIME);
	const struct gpu *g;

	tracker_sample(&tree, now, &s, gone, &root);
	if (at.samples == 0)
		base_take(&s);
	adjust_sample(&s, root == 0);
	if ((g = tracker_gpus(&tree)))
		(void)logwrite_gpu(&at.batch, &at.chain, g->dev, g->val, g->ndev);
	(void)logwrite_sample(&at.batch, &s);
	at.samples++;
	if (now - at.last_flush_ns >= ATTACH_FLUSH_NS) {
		flush();
		at.last_flush_ns = now;
	}
}

/* The END record: the root's own CPU and its waited-for children's since
 * the attach, as last read; how it ended is unknown (H15). */
static void end_record(const struct attach_cfg *c)
{
	uint64_t tick_us = 1000000u / (tree.cfg.clk_tck ? tree.cfg.clk_tck : 100);
	struct rt_end e;

	memset(&e, 0, sizeof(e));
	e.time_ns = hostinfo_clock_ns(CLOCK_REALTIME);
	e.exit_kind = RT_EXIT_UNKNOWN;
	if (c->pid && at.have_root && (at.root.flags & RT_PROC_EXITED)) {
		/* Seen as a zombie: stat's exit code says how it ended. */
		e.exit_kind = at.root.flags & RT_PROC_SIGNALED ? RT_EXIT_SIGNAL :
								 RT_EXIT_CODE;
		e.exit_value = at.root.exit_code;
	}
	if (c->pid && at.have_root) {
		e.self_utime_us = at.root.utime_ticks * tick_us;
		e.self_stime_us = at.root.stime_ticks * tick_us;
		e.children_utime_us =
			sub0(tree.root_stat.cutime, at.root_cutime) * tick_us;
		e.children_stime_us =
			sub0(tree.root_stat.cstime, at.root_cstime) * tick_us;
		e.self_maxrss_kib = at.root.hwm_kib;
	}
	e.samples = at.samples;
	(void)logwrite_end(&at.batch, &e);
}

static void header(const struct attach_cfg *c, struct rt_header *h,
		   uint64_t now, int gpu)
{
	char buf[RT_STR_MAX], path[64];
	ssize_t n;

	memset(h, 0, sizeof(*h));
	hostinfo_header(h, now);
	h->pid = (uint32_t)c->pid;
	h->start_ns = now;
	h->interval_ns = c->rc->interval_ns;
	h->flags = (c->pid ? RT_CFG_OUTSIDE : RT_CFG_MACHINE) |
		   (c->pid && c->rc->children ? RT_CFG_CHILDREN : 0) |
		   (c->rc->system ? RT_CFG_SYSTEM : 0) | (gpu ? RT_CFG_GPU : 0);
	h->mem_mode = (uint32_t)c->rc->mem_mode;
	if (c->cmdline) {
		text_copy(h->cmdline, sizeof(h->cmdline), c->cmdline);
		return;
	}
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)c->pid);
	n = text_read_head(path, buf, sizeof(buf));
	if (n > 0)
		procfs_format_cmdline(buf, (size_t)n, h->cmdline,
				      sizeof(h->cmdline));
}

static void catch_stops(int extra)
{
	struct sigaction sa;
	const int sigs[] = { SIGINT, SIGTERM, SIGHUP, extra };
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop; /* no SA_RESTART: the sleep ends at once */
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigs[i] > 0)
			sigaction(sigs[i], &sa, NULL);
}

static int start_log(const struct attach_cfg *c, uint64_t now, char *err,
		     size_t errlen)
{
	struct gpu_cfg gc = { "/proc", "/sys",
			      c->rc->nvml_path[0] ? c->rc->nvml_path : NULL };
	int gpu = c->rc->gpu && gpu_probe(&gc) != 0;
	struct logfile_id id;
	struct rt_header h;
	int rc;

	at.mem = malloc(ATTACH_BATCH);
	if (!at.mem) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	logwrite_init(&at.batch, at.mem, ATTACH_BATCH);
	header(c, &h, now, gpu);
	if ((rc = logwrite_preamble(&at.batch)) < 0 ||
	    (rc = logwrite_header(&at.batch, &h)) < 0 ||
	    (rc = logfile_create(c->log, &at.batch, &id)) < 0 ||
	    (rc = at.fd = logfile_open(c->log, &id)) < 0) {
		snprintf(err, errlen, "%s: %s", c->log, strerror(-rc));
		return rc;
	}
	logwrite_clear(&at.batch);
	logwrite_on_full(&at.batch, batch_full, NULL);
	if (gpu) {
		struct tracker_gpu_cfg g = { gc.nvml_path };
		tracker_gpu_init(&tree, &g);
	}
	return 0;
}

int attach_run(const struct attach_cfg *c, char *err, size_t errlen)
{
	uint64_t now = hostinfo_clock_ns(CLOCK_REALTIME);
	uint64_t mono = hostinfo_clock_ns(CLOCK_MONOTONIC), next = mono;
	struct tracker_cfg tc = {
		.procroot = "/proc",
		.sysroot = "/sys",
		.root_pid = c->pid,
		.children = c->rc->children,
		.system = c->rc->system,
		.mem_mode = c->rc->mem_mode,
		.boot_time_ns = now - hostinfo_clock_ns(CLOCK_BOOTTIME),
		.clk_tck = (uint32_t)sysconf(_SC_CLK_TCK),
		.cost_share = ATTACH_COST_SHARE,
	};
	int rc;

	tracker_init(&tree, &tc);
	tracker_keep_fds(&tree, ATTACH_KEEP_FDS);
	if ((rc = start_log(c, now, err, errlen)) < 0)
		return rc;
	catch_stops(c->stop_signal);
	at.last_flush_ns = now;
	take(c->pid);
	for (;;) {
		struct timespec ts;

		/* That sample saw it gone, or a zombie whose parent has not
		 * waited yet: the last one. */
		if (c->pid && (!tree.root_seen || tree.root_stat.state == 'Z'))
			break;
		next += c->rc->interval_ns;
		if (c->duration_ns && next > mono + c->duration_ns)
			next = mono + c->duration_ns;
		ts.tv_sec = (time_t)(next / 1000000000u);
		ts.tv_nsec = (long)(next % 1000000000u);
		while (!stop_sig &&
		       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
				       NULL) == EINTR)
			;
		if (stop_sig || (c->duration_ns &&
				 next >= mono + c->duration_ns)) {
			tracker_status_all(&tree); /* the last look: exact peaks */
			take(c->pid);
			break;
		}
		take(c->pid);
	}
	tracker_finish(&tree, gone, (void *)&c->pid);
	end_record(c);
	flush();
	close(at.fd);
	free(at.b);
	free(at.mem);
	if (at.failed) {
		snprintf(err, errlen, "%s: a write failed; the log is cut short",
			 c->log);
		return -EIO;
	}
	return 0;
}
