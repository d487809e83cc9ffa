/* descendant.c - a descendant's one act: at its exit, one exit record
 * (lib/format/FORMAT.md X) appended to the root's log with a single write on a
 * descriptor opened O_APPEND for it, so that records of hundreds of
 * processes never interleave and a descriptor number the host reused is
 * never written.  Own figures, exact: getrusage(RUSAGE_SELF) for CPU
 * (every image of the pid, not the children's), I/O (ru_inblock and
 * ru_oublock, /proc/self/io's bytes in blocks: FORMAT.md X8) and major
 * faults, and how it ended.  The rest by how long it lived:
 * - a brief process (under DESC_BRIEF_NS, the commands of a shell-heavy
 *   job) reads no /proc file: its pid from getpid() (where /proc/self
 *   agrees), its start as the clock when its image (or fork) began, its
 *   peak where getrusage tells it, its run delay unread (FORMAT.md X18);
 * - a longer one reads /proc/self/stat for the identity, schedstat for the
 *   run delay and, where getrusage cannot tell the image's peak (ru_maxrss
 *   did not grow past what the constructor saw: descendant_peak) or swap
 *   is configured, status.  /proc/self/io never.
 *
 * Everything lives on this stack; the only state read is pre's, which a
 * vfork child shares with its parent and therefore never gets here (the
 * pid check). */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procfs.h"
#include "rtrack.h"
#include "text.h"

/* A process that lived less than this since its image started (or since
 * its fork) leaves a brief exit record (FORMAT.md X18): no /proc read.
 * A new process's first read there costs it 50-90 us (README:
 * Performance), more than 0.5% of its life only below about 20 ms; a
 * longer one reads stat, schedstat and maybe status, as before. */
#define DESC_BRIEF_NS (20 * 1000000ull)

/* The record's buffers, and the claim on them (descendant_exit): what a
 * brief record touches (once, mem, x and b's head: logwrite.h keeps the
 * encoder's 2 KiB model at its end, untouched) in under 2 KiB from the
 * start, so on one page; buf, for /proc, last.  2 KiB, not a page: the
 * largest alignment in .bss sets where it starts, and below a page it
 * starts on the page that holds .data, which ld.so has already touched
 * (it clears the rest of that page): pre's head and interpose.c's table
 * then cost a process no page fault of their own (README: Performance). */
struct __attribute__((aligned(2048))) dbuf {
	atomic_int once;
	uint8_t mem[1024];
	struct rt_exit x;
	/* The encoder's state (2 KiB: the sample chain's model, unused
	 * here) is kept off the stack, which may be a signal's. */
	struct logbuf b;
	char buf[4096];
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

/* The kernel's clock tick (USER_HZ), which stat's times count. */
static uint64_t descendant_clk_tck(void)
{
	unsigned long t = getauxval(AT_CLKTCK);

	return t ? t : 100;
}

/* Whether swap is configured: without it no page of the process is in
 * swap (VmSwap 0; swapoff brings every page back before it returns). */
static int descendant_swap_on(void)
{
	struct sysinfo si;

	return sysinfo(&si) != 0 || si.totalswap != 0;
}

/* This process's pid is as /proc shows it, as the sampler sees it: /proc
 * is of its own PID namespace.  readlink of /proc/self makes no
 * /proc/PID entry, the cost of a first read there. */
static int descendant_pid_plain(pid_t pid)
{
	char link[24];
	ssize_t n = readlink("/proc/self", link, sizeof(link));
	const char *end;
	uint64_t v;

	return n > 0 && n < (ssize_t)sizeof(link) &&
	       text_parse_u64(link, link + n, &v, &end) == 0 &&
	       end == link + n && v == (uint64_t)pid;
}

/* Whether this exit makes a brief record (FORMAT.md X18): a process that
 * lived less than DESC_BRIEF_NS since its image started (or since its
 * fork), under no seccomp filter, whose pid /proc agrees with. */
static int descendant_is_brief(uint64_t start_boot_ns, int mode, pid_t pid)
{
	uint64_t now;

	/* Under a filter, no call before status has counted them (the
	 * vDSO's clock made none). */
	if (mode != 0 || !start_boot_ns)
		return 0;
	now = rtrack_clock_ns_syscall(CLOCK_BOOTTIME);
	return now >= start_boot_ns && now - start_boot_ns < DESC_BRIEF_NS &&
	       descendant_pid_plain(pid);
}

/* Its identity, peak and run delay, the way the length of its life
 * allows: brief, from getrusage and the clocks alone; otherwise from
 * /proc/self (stat, schedstat, and status where getrusage cannot tell the
 * image's peak).  0, or -1 when /proc fails or says a filter was added. */
static int descendant_self(struct dbuf *d, const struct rusage *ru,
			   uint64_t root_seccomp, uint64_t start_kib,
			   uint64_t start_boot_ns, int mode, pid_t pid, int brief)
{
	struct procfs_status st;
	struct procfs_stat ps;
	ssize_t n;

	if (brief) {
		d->x.pid = (uint32_t)pid;
		d->x.ppid = (uint32_t)getppid();
		/* stat's clock: boot time in clock ticks (the auxiliary
		 * vector's, as sysconf has it, without sysconf's pages). */
		d->x.starttime_ticks = start_boot_ns /
				       (1000000000u / descendant_clk_tck());
		d->x.flags |= RT_EXIT_F_BRIEF;
		/* The peak where getrusage tells it; else it is the image
		 * before the exec's, a vfork()ing parent's whole peak even:
		 * not measured. */
		if (descendant_peak(ru, start_kib, &d->x.hwm_kib) < 0)
			d->x.flags |= RT_EXIT_F_NO_PEAK;
		if (descendant_swap_on())
			d->x.flags |= RT_EXIT_F_NO_SWAP;
		return 0;
	}
	if (mode > 0 || descendant_peak(ru, start_kib, &d->x.hwm_kib) < 0 ||
	    descendant_swap_on()) {
		n = self_read(d, "/proc/self/status");
		if (n < 0 || procfs_parse_status(d->buf, (size_t)n, &st) < 0 ||
		    procfs_seccomp_count(&st) > root_seccomp)
			return -1;
		d->x.hwm_kib = st.vmhwm_kib;
		d->x.swap_kib = st.vmswap_kib;
	}
	n = self_read(d, "/proc/self/stat");
	if (n < 0 || procfs_parse_stat(d->buf, (size_t)n, &ps) < 0)
		return -1;
	/* The pid as /proc shows it, as the sampler saw it: in a PID
	 * namespace getpid() is another number. */
	d->x.pid = (uint32_t)ps.pid;
	d->x.ppid = (uint32_t)ps.ppid;
	d->x.starttime_ticks = ps.starttime;
	/* The time it waited for a CPU: the sampler may never have seen a
	 * process of a few intervals, and a starved job is one of many. */
	n = self_read(d, "/proc/self/schedstat");
	if (n > 0)
		procfs_parse_schedstat(d->buf, (size_t)n, &d->x.run_delay_ns);
	return 0;
}

/* Gather and append this process's record to the log at path.  Touches
 * nothing but d and its own stack.  pid: getpid(), which the caller
 * asked already; start_kib: ru_maxrss when this image started (0 for a
 * copy that never exec'd: none before it); start_boot_ns: when it
 * started, as pre says (0: unknown, never brief). */
static void descendant_record(struct dbuf *d, const char *path,
			      const struct logfile_id *id, pid_t pid,
			      uint64_t root_seccomp, uint64_t start_kib,
			      uint64_t start_boot_ns, uint32_t kind, int value,
			      uint32_t flags)
{
	struct rusage ru;
	ssize_t n;
	int mode, brief;

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
	d->x.flags = flags;
	brief = descendant_is_brief(start_boot_ns, mode, pid);
	if (descendant_self(d, &ru, root_seccomp, start_kib, start_boot_ns,
			    mode, pid, brief) < 0)
		return;
	/* Under the root's filter (mode > 0), the vDSO, which makes no
	 * system call, as before. */
	d->x.end_ns = mode == 0 ? rtrack_clock_ns_syscall(CLOCK_REALTIME) :
				  rtrack_clock_ns(CLOCK_REALTIME);
	d->x.utime_us = tv_us(ru.ru_utime);
	d->x.stime_us = tv_us(ru.ru_stime);
	d->x.major_faults = (uint64_t)ru.ru_majflt;
	/* /proc/self/io's read_bytes and write_bytes in whole blocks
	 * (procfs_parse_io_blocks: the sampler's figures are the same). */
	d->x.read_bytes = (uint64_t)ru.ru_inblock * 512;
	d->x.write_bytes = (uint64_t)ru.ru_oublock * 512;
	d->x.exit_kind = kind;
	d->x.exit_value = value;
	/* argv as the constructor saw it; a fork()ed copy's, as
	 * /proc/self/cmdline has it: read there, or, brief, from the
	 * argument area as the kernel reads it. */
	if (pre.cmdline[0] && !pre.cmdline_inherited) {
		memcpy(d->x.cmdline, pre.cmdline, sizeof(d->x.cmdline));
	} else if (!brief ||
		   rtrack_args_cmdline(d->x.cmdline, sizeof(d->x.cmdline)) < 0) {
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
static void descendant_vfork_exit(pid_t pid, uint32_t kind, int value)
{
	struct dbuf *d = mmap(NULL, sizeof(*d), PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (d == MAP_FAILED)
		return;
	/* Its own signal struct, the parent's memory: ru_maxrss is that
	 * memory's peak, as status would say. */
	descendant_record(d, pre.log_path, &pre.log_id, pid, pre.root_seccomp, 0,
			  0, kind, value, RT_EXIT_F_FORKED);
	munmap(d, sizeof(*d));
}

void descendant_exit(uint32_t kind, int value)
{
	/* Static, not on the stack: the exit may run on a host's small signal
	 * stack.  One user: the first exit path to claim d.once. */
	static struct dbuf d;
	pid_t pid;

	/* A descendant's role says children are tracked (its cfg is never
	 * filled: rtrack.h); a root's cfg does. */
	if (pre.role == ROLE_NONE || pre.sandboxed ||
	    (pre.role != ROLE_DESC && !pre.cfg.children) || !pre.log_path)
		return;
	pid = getpid();
	if (pid != pre.pid) {
		descendant_vfork_exit(pid, kind, value);
		return;
	}
	if (pre.role != ROLE_DESC || atomic_exchange(&d.once, 1))
		return;
	pre.role = ROLE_NONE;
	descendant_record(&d, pre.log_path, &pre.log_id, pid, pre.root_seccomp,
			  pre.start_maxrss_kib, pre.start_boot_ns, kind, value,
			  pre.forked ? RT_EXIT_F_FORKED : 0);
}

void descendant_reaped(pid_t pid, int status, const struct rusage *ru)
{
	uint8_t mem[256];
	struct rt_reaped r;
	struct logbuf b;
	int saved = errno;

	if ((pre.role != ROLE_ROOT && pre.role != ROLE_DESC) || pre.sandboxed ||
	    (pre.role == ROLE_ROOT && !pre.cfg.children) || !pre.log_path ||
	    getpid() != pre.pid ||
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
		logfile_append(pre.log_path, &pre.log_id, &b);
	errno = saved;
}

void descendant_nested_exit(uint32_t kind, int value)
{
	static struct dbuf d;

	/* The id, among pre's small fields, says whether there is an outer
	 * log: parent_path's page is one every root would fault in. */
	if (pre.parent_log_id.known && pre.parent_path[0] && !pre.sandboxed)
		descendant_record(&d, pre.parent_path, &pre.parent_log_id,
				  getpid(), pre.parent_seccomp,
				  pre.start_maxrss_kib, 0, kind, value, 0);
}
