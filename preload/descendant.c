/* descendant.c - a descendant's one act: at its exit, one exit record
 * (lib/format/FORMAT.md X) appended to the root's log with a single write on a
 * descriptor opened O_APPEND for it, so that records of hundreds of
 * processes never interleave and a descriptor number the host reused is
 * never written.  Own figures, exact: getrusage(RUSAGE_SELF) for CPU
 * (every image of the pid, not the children's), I/O (ru_inblock and
 * ru_oublock, /proc/self/io's bytes in blocks: FORMAT.md X8) and major
 * faults, the peak of the image that
 * is exiting (VmHWM: ru_maxrss when it grew past what the constructor saw,
 * descendant_peak), /proc/self/stat for the identity, the run delay of
 * schedstat, VmSwap (none without a swap device), and how it ended.
 * /proc/self/status, the costliest read, only where getrusage cannot tell
 * (README: Performance); /proc/self/io never.
 *
 * Everything lives on this stack; the only state read is pre's, which a
 * vfork child shares with its parent and therefore never gets here (the
 * pid check). */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procfs.h"
#include "rtrack.h"
#include "text.h"

/* The record's buffers: two pages, aligned so that they span no third. */
struct __attribute__((aligned(4096))) dbuf {
	char buf[4096];
	uint8_t mem[1024];
	struct rt_exit x;
	/* The encoder's state (2 KiB: the sample chain's model, unused
	 * here) is kept off the stack, which may be a signal's. */
	struct logbuf b;
};

/* Read path into d->buf.  Length, or -1. */
static ssize_t self_read(struct dbuf *d, const char *path)
{
	/* A long file (a status with many groups): the head. */
	ssize_t n = text_read_head(path, d->buf, sizeof(d->buf));

	return n > 0 ? n : -1;
}

/* What getrusage says at exit beside the CPU: ru_maxrss is the largest of
 * this image's peak and of every earlier image of the pid (the kernel
 * keeps the old image's at exec; a fork()ed copy starts from none).  When
 * it passed start_kib, what the constructor of this image read, this
 * image's peak is it, exactly; otherwise only status can tell. */
static int descendant_peak(const struct rusage *ru, uint64_t start_kib,
			   uint64_t *hwm_kib)
{
	if ((uint64_t)ru->ru_maxrss <= start_kib)
		return -1;
	*hwm_kib = (uint64_t)ru->ru_maxrss;
	return 0;
}

/* Whether swap is configured: without it no page of the process is in
 * swap (VmSwap 0; swapoff brings every page back before it returns). */
static int descendant_swap_on(void)
{
	struct sysinfo si;

	return sysinfo(&si) != 0 || si.totalswap != 0;
}

/* Gather and append this process's record to the log at path.  Touches
 * nothing but d and its own stack.  start_kib: ru_maxrss when this image
 * started (0 for a copy that never exec'd: none before it). */
static void descendant_record(struct dbuf *d, const char *path,
			      const struct logfile_id *id,
			      uint64_t root_seccomp, uint64_t start_kib,
			      uint32_t kind, int value, uint32_t flags)
{
	struct procfs_status st;
	struct procfs_stat ps;
	struct rusage ru;
	ssize_t n;
	int mode;

	/* A seccomp filter added inside the job (by this process before an
	 * exec, or by an ancestor): any further call might be fatal.  Asked
	 * with prctl first, which no filter we know of forbids: one that
	 * forbids opening files, installed by a raw system call that no
	 * wrapper of ours saw, would kill the host at the open below.  (In
	 * strict mode prctl kills, as the open would: our wrappers see that
	 * mode set, and a raw call setting it leaves nothing to try.)  Under
	 * a filter, status counts them against the root's. */
	mode = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
	if (mode > 0 && root_seccomp == 0)
		return;
	memset(&d->x, 0, sizeof(d->x));
	memset(&ru, 0, sizeof(ru));
	getrusage(RUSAGE_SELF, &ru);
	if (mode > 0 || descendant_peak(&ru, start_kib, &d->x.hwm_kib) < 0 ||
	    descendant_swap_on()) {
		n = self_read(d, "/proc/self/status");
		if (n < 0 || procfs_parse_status(d->buf, (size_t)n, &st) < 0 ||
		    procfs_seccomp_count(&st) > root_seccomp)
			return;
		d->x.hwm_kib = st.vmhwm_kib;
		d->x.swap_kib = st.vmswap_kib;
	}
	n = self_read(d, "/proc/self/stat");
	if (n < 0 || procfs_parse_stat(d->buf, (size_t)n, &ps) < 0)
		return;
	/* The pid as /proc shows it, as the sampler saw it: in a PID
	 * namespace getpid() is another number. */
	d->x.pid = (uint32_t)ps.pid;
	d->x.ppid = (uint32_t)ps.ppid;
	d->x.starttime_ticks = ps.starttime;
	d->x.end_ns = rtrack_clock_ns(CLOCK_REALTIME);
	d->x.utime_us = tv_us(ru.ru_utime);
	d->x.stime_us = tv_us(ru.ru_stime);
	d->x.major_faults = (uint64_t)ru.ru_majflt;
	/* /proc/self/io's read_bytes and write_bytes in whole blocks
	 * (procfs_parse_io_blocks: the sampler's figures are the same). */
	d->x.read_bytes = (uint64_t)ru.ru_inblock * 512;
	d->x.write_bytes = (uint64_t)ru.ru_oublock * 512;
	/* The time it waited for a CPU: the sampler may never have seen a
	 * short process, and a starved job is one of many short ones. */
	n = self_read(d, "/proc/self/schedstat");
	if (n > 0)
		procfs_parse_schedstat(d->buf, (size_t)n, &d->x.run_delay_ns);
	d->x.exit_kind = kind;
	d->x.exit_value = value;
	d->x.flags = flags;
	/* argv as the constructor saw it. */
	if (pre.cmdline[0]) {
		memcpy(d->x.cmdline, pre.cmdline, sizeof(d->x.cmdline));
	} else {
		n = self_read(d, "/proc/self/cmdline");
		if (n > 0)
			procfs_format_cmdline(d->buf, (size_t)n, d->x.cmdline,
					      sizeof(d->x.cmdline));
	}
	logwrite_init(&d->b, d->mem, sizeof(d->mem));
	/* Never creates the log: a root that is gone with its file is not
	 * written for. */
	if (logwrite_exit(&d->b, &d->x) == 0)
		logfile_append(path, id, &d->b);
}

/* A vfork()ed child leaving without an exec (its exec failed), or a raw
 * clone() child: it may share our memory, so nothing global changes, and
 * its stack may be tiny, so the buffers are a mapping of their own,
 * unmapped before it goes. */
static void descendant_vfork_exit(uint32_t kind, int value)
{
	struct dbuf *d = mmap(NULL, sizeof(*d), PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (d == MAP_FAILED)
		return;
	/* Its own signal struct, the parent's memory: ru_maxrss is that
	 * memory's peak, as status would say. */
	descendant_record(d, pre.path, &pre.log_id, pre.root_seccomp, 0, kind,
			  value, RT_EXIT_F_FORKED);
	munmap(d, sizeof(*d));
}

void descendant_exit(uint32_t kind, int value)
{
	/* Static, not on the stack: the exit may run on a host's small signal
	 * stack.  One user: the first exit path to claim `once`. */
	static struct dbuf d;
	static atomic_int once;
	pid_t pid;

	if (pre.role == ROLE_NONE || pre.sandboxed || !pre.cfg.children ||
	    !pre.path[0])
		return;
	pid = getpid();
	if (pid != pre.pid) {
		descendant_vfork_exit(kind, value);
		return;
	}
	if (pre.role != ROLE_DESC || atomic_exchange(&once, 1))
		return;
	pre.role = ROLE_NONE;
	descendant_record(&d, pre.path, &pre.log_id, pre.root_seccomp,
			  pre.start_maxrss_kib, kind, value,
			  pre.forked ? RT_EXIT_F_FORKED : 0);
}

void descendant_reaped(pid_t pid, int status, const struct rusage *ru)
{
	uint8_t mem[256];
	struct rt_reaped r;
	struct logbuf b;
	int saved = errno;

	if ((pre.role != ROLE_ROOT && pre.role != ROLE_DESC) || pre.sandboxed ||
	    !pre.cfg.children || !pre.path[0] || getpid() != pre.pid ||
	    rtrack_filtered())
		return;
	memset(&r, 0, sizeof(r));
	r.time_ns = rtrack_clock_ns(CLOCK_REALTIME);
	r.pid = (uint32_t)pid;
	r.ppid = (uint32_t)pre.pid;
	r.exit_kind = RT_EXIT_SIGNAL;
	r.exit_value = WTERMSIG(status);
	r.utime_us = tv_us(ru->ru_utime);
	r.stime_us = tv_us(ru->ru_stime);
	r.maxrss_kib = (uint64_t)ru->ru_maxrss;
	r.flags = RT_REAPED_F_CHILD | (WCOREDUMP(status) ? RT_REAPED_F_CORE : 0);
	logwrite_init(&b, mem, sizeof(mem));
	if (logwrite_reaped(&b, &r) == 0)
		logfile_append(pre.path, &pre.log_id, &b);
	errno = saved;
}

void descendant_nested_exit(uint32_t kind, int value)
{
	static struct dbuf d;

	if (pre.parent_path[0] && !pre.sandboxed)
		descendant_record(&d, pre.parent_path, &pre.parent_log_id,
				  pre.parent_seccomp, pre.start_maxrss_kib, kind,
				  value, 0);
}
