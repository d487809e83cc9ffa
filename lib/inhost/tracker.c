/* tracker.c - samples the process tree and the system into an rt_sample. */
#include "tracker.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cost.h"
#include "procfs.h"
#include "sysstat.h"
#include "text.h"

void tracker_init(struct tracker *t, const struct tracker_cfg *cfg)
{
	t->cfg = *cfg;
	t->gen = 0;
	t->nent = 0;
	t->overflowed = 0;
	t->gone_utime = t->gone_stime = 0;
	t->gone_run_delay = t->gone_majflt = 0;
	cgroup_init(&t->cg, 0);
	t->root_seen = 0;
	t->nqueue = 0;
	t->nested = 0;
	if (!cfg->zeroed)
		memset(t->index, 0, sizeof(t->index));
	t->fd_budget = 0;
	sysstat_kept_init(&t->sys_kept);
	t->status_all = 0;
	{
		long pg = sysconf(_SC_PAGESIZE);
		t->page_kib = pg > 0 ? (uint64_t)pg / 1024 : 4;
	}
	t->sys_kept.keep = 0;
	/* The machine's process count is context, not a figure of the job:
	 * a listing of /proc, which costs as much as a large job's whole
	 * sample, is taken TRACKER_PROCS_SHARE_X times less often. */
	t->sys_kept.procs_share = cfg->cost_share * TRACKER_PROCS_SHARE_X;
	t->gpu_on = 0;
	t->gpu_ready = 0;
	t->gpu_found = 0;
}

void tracker_keep_fds(struct tracker *t, unsigned budget)
{
	uint32_t i;

	for (i = 0; i < t->nent; i++)
		procfs_kept_init(&t->ent[i].kept);
	/* The system's few files first: read every sample, whatever the
	 * tree. */
	for (i = 0; i < SYSSTAT_SLOTS; i++)
		t->sys_kept.fd[i] = -1;
	t->sys_kept.keep = budget >= SYSSTAT_SLOTS;
	t->fd_budget = t->sys_kept.keep ? budget - SYSSTAT_SLOTS : budget;
	for (i = 0; i < CGROUP_SLOTS; i++)
		t->cg.fd[i] = -1;
	t->cg.keep = t->fd_budget >= CGROUP_SLOTS;
	if (t->cg.keep)
		t->fd_budget -= CGROUP_SLOTS;
}

void tracker_gpu_init(struct tracker *t, const struct tracker_gpu_cfg *g)
{
	t->gpu_cfg = *g;
	t->gpu_on = 1;
	t->gpu_ready = 0;
}

static uint32_t tracker_slot(int32_t pid)
{
	/* Fibonacci hashing: consecutive pids spread over the table. */
	return ((uint32_t)pid * 2654435769u) >> 19 & (TRACKER_INDEX_SLOTS - 1);
}

/* Index of pid's entry, or -1. */
static int tracker_find(const struct tracker *t, int32_t pid)
{
	uint32_t s = tracker_slot(pid);

	while (t->index[s]) {
		if (t->ent[t->index[s] - 1].p.pid == (uint32_t)pid)
			return t->index[s] - 1;
		s = (s + 1) & (TRACKER_INDEX_SLOTS - 1);
	}
	return -1;
}

static void tracker_index_add(struct tracker *t, uint32_t i)
{
	uint32_t s = tracker_slot((int32_t)t->ent[i].p.pid);

	while (t->index[s])
		s = (s + 1) & (TRACKER_INDEX_SLOTS - 1);
	t->index[s] = (uint16_t)(i + 1);
}

/* Empty the index by clearing the slots of the entries it holds, as they
 * lie now: the pages of a 16 KiB table a short job never used stay
 * untouched (a root's start: README, Performance).  Each entry's slot is
 * on its probe path, holes made before it or not. */
static void tracker_index_clear(struct tracker *t)
{
	uint32_t i, s, n;

	for (i = 0; i < t->nent; i++) {
		s = tracker_slot((int32_t)t->ent[i].p.pid);
		for (n = 0; n < TRACKER_INDEX_SLOTS && t->index[s] != i + 1; n++)
			s = (s + 1) & (TRACKER_INDEX_SLOTS - 1);
		if (n == TRACKER_INDEX_SLOTS) { /* not there: clear it all */
			memset(t->index, 0, sizeof(t->index));
			return;
		}
		t->index[s] = 0;
	}
}

/* A process leaves the tree: reported, and its own time kept in the
 * seen_* counters. */
static void tracker_leave(struct tracker *t, const struct rt_proc *p,
			  tracker_gone_fn gone, void *ctx)
{
	t->gone_utime += p->utime_ticks;
	t->gone_stime += p->stime_ticks;
	t->gone_run_delay += p->run_delay_ns;
	t->gone_majflt += p->major_faults;
	gone(p, ctx);
}

/* Drop entries not seen in this generation, reporting each. */
static void tracker_sweep(struct tracker *t, tracker_gone_fn gone, void *ctx)
{
	uint32_t i = 0;

	while (i < t->nent && t->ent[i].gen == t->gen)
		i++;
	if (i == t->nent)
		return; /* none gone: the index stands */
	tracker_index_clear(t);
	while (i < t->nent) {
		if (t->ent[i].gen == t->gen) {
			i++;
			continue;
		}
		tracker_leave(t, &t->ent[i].p, gone, ctx);
		procfs_kept_close(&t->ent[i].kept, &t->fd_budget);
		t->ent[i] = t->ent[--t->nent];
	}
	for (i = 0; i < t->nent; i++)
		tracker_index_add(t, i);
}

/* seen_* = every live entry's own time + what the gone ones had. */
static void tracker_seen(const struct tracker *t, struct rt_sample *s)
{
	uint32_t i;

	s->seen_utime_ticks = t->gone_utime;
	s->seen_stime_ticks = t->gone_stime;
	s->seen_run_delay_ns = t->gone_run_delay;
	s->seen_major_faults = t->gone_majflt;
	for (i = 0; i < t->nent; i++) {
		s->seen_utime_ticks += t->ent[i].p.utime_ticks;
		s->seen_stime_ticks += t->ent[i].p.stime_ticks;
		s->seen_run_delay_ns += t->ent[i].p.run_delay_ns;
		s->seen_major_faults += t->ent[i].p.major_faults;
	}
}

static void tracker_cmdline(struct tracker *t, int32_t pid, struct rt_proc *p)
{
	char path[64], buf[RT_PROC_CMDLINE_MAX * 2];
	ssize_t n;

	p->cmdline[0] = '\0';
	if (procfs_path(path, sizeof(path), t->cfg.procroot, pid, "cmdline") < 0)
		return;
	/* argv longer than we keep: the head is enough. */
	n = text_read_head(path, buf, sizeof(buf));
	if (n > 0)
		procfs_format_cmdline(buf, (size_t)n, p->cmdline,
				      sizeof(p->cmdline));
}

/* The entry for this incarnation of pid (a reused pid starts a new one). */
static struct tracker_entry *tracker_entry(struct tracker *t, int i,
					   int32_t pid,
					   const struct procfs_stat *st,
					   uint64_t now_ns, tracker_gone_fn gone,
					   void *ctx)
{
	struct tracker_entry *e;

	if (i >= 0 && t->ent[i].starttime == st->starttime) {
		e = &t->ent[i];
		/* Exec'd since last seen: the new command line (the process
		 * table shows the image that ran, not the shell before it). */
		if (e->comm_hash != st->comm_hash) {
			e->comm_hash = st->comm_hash;
			e->cmdline_tries = 0;
			tracker_cmdline(t, pid, &e->p);
		} else if (!e->p.cmdline[0] &&
			   e->cmdline_tries < TRACKER_CMDLINE_TRIES) {
			/* Seen mid-exec: the new comm is set a moment before
			 * the new arguments are (load_elf_binary). */
			e->cmdline_tries++;
			tracker_cmdline(t, pid, &e->p);
		}
		return e;
	}
	if (i >= 0) {
		/* the old process behind a reused pid */
		tracker_leave(t, &t->ent[i].p, gone, ctx);
		e = &t->ent[i];
	} else {
		if (t->nent == TRACKER_MAX_PROCS)
			return NULL;
		e = &t->ent[t->nent];
		e->p.pid = (uint32_t)pid;
		procfs_kept_init(&e->kept);
		tracker_index_add(t, t->nent++);
	}
	memset(&e->p, 0, sizeof(e->p));
	e->p.pid = (uint32_t)pid;
	e->pss_read = 0;
	e->pss_due_ns = 0;
	e->gen = 0; /* not seen yet in this walk (generations start at 1) */
	e->starttime = st->starttime;
	e->comm_hash = st->comm_hash;
	e->p.starttime_ticks = st->starttime;
	e->p.start_ns = t->cfg.boot_time_ns +
			st->starttime * 1000000000ull / (t->cfg.clk_tck ? t->cfg.clk_tck : 100);
	e->p.first_seen_ns = now_ns;
	e->status_age = 0;
	e->status_vm = 0;
	e->cmdline_tries = 0;
	if (pid == t->cfg.root_pid && t->cfg.root_cmdline &&
	    t->cfg.root_cmdline[0])
		text_copy(e->p.cmdline, sizeof(e->p.cmdline),
			  t->cfg.root_cmdline);
	else
		tracker_cmdline(t, pid, &e->p);
	return e;
}

static void tracker_update(struct tracker_entry *e, const struct procfs_proc *pp,
			   uint32_t gen, uint64_t now_ns)
{
	e->gen = gen;
	e->p.ppid = (uint32_t)pp->stat.ppid;
	e->p.last_seen_ns = now_ns;
	e->p.utime_ticks = pp->stat.utime;
	e->p.stime_ticks = pp->stat.stime;
	e->p.major_faults = pp->stat.majflt;
	if (pp->has_run_delay)
		e->p.run_delay_ns = pp->run_delay_ns;
	if (pp->status.has_vmswap) {
		e->swap_kib = pp->status.vmswap_kib;
		if (e->swap_kib > e->p.swap_kib)
			e->p.swap_kib = e->swap_kib;
	}
	if (pp->status.has_vmhwm && pp->status.vmhwm_kib > e->p.hwm_kib)
		e->p.hwm_kib = pp->status.vmhwm_kib;
	if (pp->has_io) {
		e->p.read_bytes = pp->read_bytes;
		e->p.write_bytes = pp->write_bytes;
	}
	e->nspid_n = pp->status.nspid_n > 1 ? pp->status.nspid_n - 1 : 0;
	memcpy(e->nspid, pp->status.nspid + 1, sizeof(e->nspid));
	/* A zombie tells how it ended (wait status), until it is reaped. */
	if (pp->stat.state == 'Z' && pp->stat.has_exit_code) {
		uint64_t w = pp->stat.exit_code;
		e->p.flags |= RT_PROC_EXITED;
		if ((w & 0x7f) != 0 && (w & 0x7f) != 0x7f) {
			e->p.flags |= RT_PROC_SIGNALED;
			e->p.exit_code = (int32_t)(w & 0x7f);
		} else {
			e->p.exit_code = (int32_t)(w >> 8 & 0xff);
		}
	}
}

/* PSS of a process just read (PSS mode), into pp: smaps_rollup when due
 * (always without an entry), else the last reading moved by as much as
 * its RSS moved since. */
static void tracker_pss(struct tracker *t, struct tracker_entry *e,
			int32_t pid, struct procfs_proc *pp)
{
	uint64_t t0 = cost_mono_ns(), t1, rss = pp->status.vmrss_kib;
	int ret;

	if (e && e->pss_read && t0 < e->pss_due_ns) {
		/* What RSS gained or lost since is taken as private (new
		 * allocations are): PSS moves by as much, within 0..RSS. */
		uint64_t pss = e->pss_kib + rss;
		pp->has_pss = 1;
		pp->pss_kib = pss > e->pss_rss_kib ? pss - e->pss_rss_kib : 0;
		if (pp->pss_kib > rss)
			pp->pss_kib = rss;
		return;
	}
	ret = procfs_read_pss_kept(t->cfg.procroot, pid, e ? &e->kept : NULL,
				   &pp->pss_kib);
	pp->has_pss = ret == 0;
	if (ret == -ENOENT || ret == -ESRCH) {
		/* Gone since its stat: counted at its RSS this once. */
		pp->has_pss = pp->status.has_vmrss;
		pp->pss_kib = rss;
	}
	if (!e || ret != 0)
		return;
	t1 = cost_mono_ns();
	e->pss_read = 1;
	e->pss_kib = pp->pss_kib;
	e->pss_rss_kib = rss;
	e->pss_due_ns = t1 + cost_wait(t1 - t0, t->cfg.cost_share);
}

/* A status just read: its age and whether it showed memory. */
static void tracker_status_read(struct tracker_entry *e,
				const struct procfs_proc *pp)
{
	e->status_age = 0;
	e->status_vm = pp->status.has_vmrss;
}

/* Status not read this sample: what it would say, from stat and the
 * entry.  VmRSS is stat's rss; the peak is at least what was last read
 * and at least RSS now; NSpid never changes.  A new process behind a
 * reused pid (or one seen mid-exec without its Vm lines) has it read. */
static void tracker_status_carry(struct tracker *t, struct tracker_entry *e,
				 int32_t pid, struct procfs_proc *pp)
{
	struct procfs_status *st = &pp->status;
	uint64_t rss = pp->stat.rss_pages * t->page_kib;

	if (!e || e->gen == 0 || !pp->stat.has_rss || !e->status_vm) {
		if (procfs_read_status_kept(t->cfg.procroot, pid,
					    e ? &e->kept : NULL, &t->fd_budget,
					    st) == 0 && e)
			tracker_status_read(e, pp);
		return;
	}
	e->status_age++;
	if (pp->stat.state == 'Z')
		return; /* a zombie's status has no Vm lines: nothing to carry */
	st->vmrss_kib = rss;
	st->has_vmrss = 1;
	st->vmhwm_kib = e->p.hwm_kib > rss ? e->p.hwm_kib : rss;
	st->has_vmhwm = 1;
	st->vmswap_kib = e->swap_kib; /* as last read */
	st->has_vmswap = 1;
	st->nspid[0] = (uint32_t)pid;
	memcpy(st->nspid + 1, e->nspid, sizeof(e->nspid));
	st->nspid_n = e->nspid_n + 1;
}

/* Add one process's figures to the tree sums (the seed's rules). */
static void tracker_add(const struct tracker *t, const struct procfs_proc *pp,
			struct rt_sample *s)
{
	s->tree_procs++;
	s->tree_utime_ticks += pp->stat.utime + pp->stat.cutime;
	s->tree_stime_ticks += pp->stat.stime + pp->stat.cstime;
	if (pp->status.has_vmrss)
		s->tree_rss_kib += pp->status.vmrss_kib;
	if (pp->status.has_vmhwm && pp->status.vmhwm_kib > s->tree_hwm_max_kib)
		s->tree_hwm_max_kib = pp->status.vmhwm_kib;
	if (t->cfg.mem_mode == RT_MEM_RSS) {
		s->tree_mem_kib += pp->status.vmrss_kib;
	} else if (pp->has_pss) {
		s->tree_mem_kib += pp->pss_kib;
	} else if (pp->status.has_vmrss) {
		/* Memory but no PSS (no smaps_rollup): the sum would lie. */
		sample_set_missing(s, RT_F_tree_mem_kib);
	}
	if (pp->has_io) {
		s->tree_read_bytes += pp->read_bytes;
		s->tree_write_bytes += pp->write_bytes;
	}
	if (pp->status.has_vmswap)
		s->tree_swap_kib += pp->status.vmswap_kib;
}

/* The root's own figures (S8 51-55): what its row shows when it is
 * killed and writes no END (the samples' tree figures are sums). */
static void tracker_root(struct rt_sample *s, const struct tracker_entry *e,
			 const struct procfs_proc *pp)
{
	s->root_utime_ticks = pp->stat.utime;
	s->root_stime_ticks = pp->stat.stime;
	if (e)
		s->root_hwm_kib = e->p.hwm_kib;
	else if (pp->status.has_vmhwm)
		s->root_hwm_kib = pp->status.vmhwm_kib;
	else
		sample_set_missing(s, RT_F_root_hwm_kib);
	if (pp->has_io) {
		s->root_read_bytes = pp->read_bytes;
		s->root_write_bytes = pp->write_bytes;
	} else {
		sample_set_missing(s, RT_F_root_read_bytes);
		sample_set_missing(s, RT_F_root_write_bytes);
	}
}

static void tracker_walk(struct tracker *t, uint64_t now_ns, struct rt_sample *s,
			 tracker_gone_fn gone, void *ctx)
{
	size_t n = 1, i;

	t->queue[0] = t->cfg.root_pid;
	for (i = 0; i < n; i++) {
		int32_t pid = t->queue[i];
		int at = tracker_find(t, pid);
		struct procfs_kept fresh, *k;
		int skip_status;
		uint64_t threads;
		struct procfs_proc pp;
		struct tracker_entry *e;

		/* A process not in the table yet: what its read keeps goes
		 * to its new entry. */
		procfs_kept_init(&fresh);
		k = at >= 0 ? &t->ent[at].kept : &fresh;
		skip_status = at >= 0 && !t->status_all &&
			      t->ent[at].status_age + 1 < TRACKER_STATUS_EVERY;
		if (procfs_read_proc_kept(t->cfg.procroot, pid,
					  skip_status ? PROCFS_READ_NO_STATUS : 0,
					  &pp, k, &t->fd_budget) < 0) {
			/* Vanished between listing and reading; what a new
			 * one's read kept goes back (a known one's goes with
			 * its entry at the sweep). */
			procfs_kept_close(&fresh, &t->fd_budget);
			continue;
		}
		if (i == 0) {
			t->root_stat = pp.stat;
			t->root_seen = 1;
		}
		e = tracker_entry(t, at, pid, &pp.stat, now_ns, gone, ctx);
		if (e && at < 0)
			e->kept = fresh;
		else if (!e)
			procfs_kept_close(&fresh, &t->fd_budget);
		if (e && e->gen == t->gen)
			continue; /* listed twice: reparented while we walked */
		if (skip_status)
			tracker_status_carry(t, e, pid, &pp);
		else if (e)
			tracker_status_read(e, &pp);
		if (t->cfg.mem_mode == RT_MEM_PSS)
			tracker_pss(t, e, pid, &pp);
		if (e) {
			tracker_update(e, &pp, t->gen, now_ns);
			t->nested += e->nspid_n > 0;
		} else {
			t->overflowed++;
		}
		if (i == 0)
			tracker_root(s, e, &pp);
		tracker_add(t, &pp, s);
		t->run_delays += pp.has_run_delay;
		threads = pp.stat.num_threads;
		/* The root with our thread besides its main one (alive: a
		 * zombie leader's state is 'Z'): its main thread's children
		 * file says it all. */
		if (i == 0 && t->cfg.own_tid && threads == 2 &&
		    pp.stat.state != 'Z')
			threads = 1;
		if (t->cfg.children &&
		    procfs_children_kept(t->cfg.procroot, pid, threads, t->queue,
					 TRACKER_MAX_PROCS, &n,
					 e ? &e->kept : NULL,
					 &t->fd_budget) == -E2BIG)
			t->overflowed++;
	}
	t->nqueue = n;
	t->status_all = 0;
}

/* The tracked process a GPU driver means by pid: the pid itself, or one
 * whose NSpid names it in a nested namespace (drivers may report a
 * namespace's pids rather than /proc's). */
static int32_t tracker_resolve(const void *ctx, uint32_t pid)
{
	const struct tracker *t = ctx;
	uint32_t i, k;

	if (pid > 0 && pid <= INT32_MAX && tracker_find(t, (int32_t)pid) >= 0)
		return (int32_t)pid;
	for (i = 0; t->nested && i < t->nent; i++)
		for (k = 0; k < t->ent[i].nspid_n; k++)
			if (t->ent[i].nspid[k] == pid)
				return (int32_t)t->ent[i].p.pid;
	return -1;
}

/* The GPU step: the sample's GPU fields (the records are the caller's:
 * tracker_gpus). */
static void tracker_gpu(struct tracker *t, uint64_t now_ns,
			struct rt_sample *s)
{
	struct gpu_tree tree = { t->queue, t->nqueue, tracker_resolve, t };

	if (!t->gpu_ready) {
		struct gpu_cfg c = { t->cfg.procroot, t->cfg.sysroot,
				     t->gpu_cfg.nvml_path };
		/* Without a GPU source (the probe's two failed opens) the GPU
		 * state, hundreds of KiB of tables, is never touched: no
		 * memory, no time at the first sample. */
		t->gpu_found = gpu_probe(&c) != 0 && gpu_init(&t->gpu, &c) > 0;
		t->gpu_ready = 1;
	}
	if (!t->gpu_found) {
		gpu_sample_none(s);
		return;
	}
	gpu_sample(&t->gpu, &tree, now_ns, s);
}

static int tracker_in_job(const void *ctx, int32_t pid)
{
	return tracker_find(ctx, pid) >= 0;
}

/* The cgroup step: the root's cgroup, found at the first sample (the
 * sampler's thread, whose descriptor table keeps what it opens). */
static void tracker_cgroup(struct tracker *t, struct rt_sample *s)
{
	if (t->cfg.no_cgroup) {
		for (unsigned f = RT_F_cg_cpu_quota_mcores;
		     f <= RT_F_cg_cpu_periods_throttled; f++)
			sample_set_missing(s, (enum rt_field)f);
		return;
	}
	if (!t->cg.found)
		(void)cgroup_find(&t->cg, t->cfg.procroot, t->cfg.sysroot,
				  t->cfg.root_pid);
	cgroup_sample(&t->cg, t->cfg.procroot, t->cfg.system, tracker_in_job,
		      t, s);
}

const struct gpu *tracker_gpus(const struct tracker *t)
{
	return t->gpu_on && t->gpu_ready && t->gpu_found ? &t->gpu : NULL;
}

static void tracker_system(struct tracker *t, struct rt_sample *s)
{
	struct sysstat ss;
	static const struct {
		unsigned group;
		enum rt_field first, last;
	} groups[] = {
		{ SYSSTAT_PROCS, RT_F_sys_procs, RT_F_sys_procs },
		{ SYSSTAT_CPU, RT_F_sys_user_ticks, RT_F_sys_system_ticks },
		{ SYSSTAT_MEM, RT_F_sys_mem_total_kib, RT_F_sys_mem_inactive_kib },
		{ SYSSTAT_DISK, RT_F_sys_disk_read_bytes, RT_F_sys_disk_write_bytes },
		{ SYSSTAT_SPACE, RT_F_sys_space_total_bytes, RT_F_sys_space_free_bytes },
		{ SYSSTAT_NET, RT_F_sys_net_recv_bytes, RT_F_sys_net_sent_bytes },
	};
	unsigned g, f;

	if (t->cfg.system)
		sysstat_read_kept(t->cfg.procroot, t->cfg.sysroot, &ss,
				  &t->sys_kept);
	else
		ss.ok = 0;
	s->sys_procs = ss.procs;
	s->sys_user_ticks = ss.user_ticks;
	s->sys_system_ticks = ss.system_ticks;
	s->sys_mem_total_kib = ss.mem_total_kib;
	s->sys_mem_free_kib = ss.mem_free_kib;
	s->sys_mem_available_kib = ss.mem_available_kib;
	s->sys_mem_buffers_kib = ss.mem_buffers_kib;
	s->sys_mem_cached_kib = ss.mem_cached_kib;
	s->sys_mem_active_kib = ss.mem_active_kib;
	s->sys_mem_inactive_kib = ss.mem_inactive_kib;
	s->sys_disk_read_bytes = ss.disk_read_bytes;
	s->sys_disk_write_bytes = ss.disk_write_bytes;
	s->sys_space_total_bytes = ss.space_total_bytes;
	s->sys_space_used_bytes = ss.space_used_bytes;
	s->sys_space_free_bytes = ss.space_free_bytes;
	s->sys_net_recv_bytes = ss.net_recv_bytes;
	s->sys_net_sent_bytes = ss.net_sent_bytes;
	for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		if (!(ss.ok & groups[g].group))
			for (f = groups[g].first; f <= groups[g].last; f++)
				sample_set_missing(s, (enum rt_field)f);
}

void tracker_sample(struct tracker *t, uint64_t now_ns, struct rt_sample *s,
		    tracker_gone_fn gone, void *ctx)
{
	memset(s, 0, sizeof(*s));
	s->time_ns = now_ns;
	sample_set_missing(s, RT_F_tracker_cpu_ns);
	t->gen++;
	t->root_seen = 0;
	t->nested = 0;
	t->run_delays = 0;
	tracker_walk(t, now_ns, s, gone, ctx);
	tracker_sweep(t, gone, ctx);
	tracker_seen(t, s);
	if (s->tree_procs == 0) {
		/* The root itself is unreadable: nothing of the tree is known. */
		unsigned f;
		for (f = RT_F_tree_utime_ticks; f <= RT_F_tree_write_bytes; f++)
			sample_set_missing(s, (enum rt_field)f);
		sample_set_missing(s, RT_F_tree_swap_kib);
	}
	if (!t->root_seen) {
		unsigned f;
		for (f = RT_F_root_utime_ticks; f <= RT_F_root_write_bytes; f++)
			sample_set_missing(s, (enum rt_field)f);
	}
	/* A kernel without sched_info has no schedstat for anyone. */
	if (t->run_delays == 0)
		sample_set_missing(s, RT_F_seen_run_delay_ns);
	tracker_cgroup(t, s);
	if (t->gpu_on)
		tracker_gpu(t, now_ns, s);
	else
		gpu_sample_none(s);
	tracker_system(t, s);
}

unsigned tracker_index_load(const struct tracker *t)
{
	unsigned s, n = 0;

	for (s = 0; s < TRACKER_INDEX_SLOTS; s++)
		n += t->index[s] != 0;
	return n;
}

void tracker_finish(struct tracker *t, tracker_gone_fn gone, void *ctx)
{
	uint32_t i;

	for (i = 0; i < t->nent; i++) {
		t->ent[i].p.flags |= RT_PROC_ALIVE_AT_END;
		gone(&t->ent[i].p, ctx);
		procfs_kept_close(&t->ent[i].kept, &t->fd_budget);
	}
	if (t->sys_kept.keep) {
		sysstat_kept_close(&t->sys_kept);
		t->sys_kept.keep = 0;
		t->fd_budget += SYSSTAT_SLOTS;
	}
	cgroup_close(&t->cg);
	if (t->cg.keep) {
		t->cg.keep = 0;
		t->fd_budget += CGROUP_SLOTS;
	}
	tracker_index_clear(t);
	t->nent = 0;
}
