/* procfs.h - read and parse the per-process files of /proc (stat, status,
 * smaps_rollup, io, cmdline, task/TID/children) without stdio or malloc, so
 * that the sampler thread can call them inside any host.
 *
 * Every function that takes `procroot` reads below that directory ("/proc"
 * in production, a captured tree in tests).  Errors are returned as -errno;
 * a process that vanished mid-read gives -ENOENT or -ESRCH, which callers
 * treat as normal.  Outputs are left untouched on failure. */
#ifndef RTRACK_PROCFS_H
#define RTRACK_PROCFS_H

#include <stddef.h>
#include <stdint.h>

/* Fields of /proc/PID/stat, proc(5) numbering. */
struct procfs_stat {
	int32_t pid;        /* (1) */
	uint32_t comm_hash; /* (2), hashed: it changes when the process execs */
	char state;         /* (3) */
	int32_t ppid;       /* (4) */
	uint64_t majflt;    /* (12) own major faults */
	uint64_t utime;     /* (14) ticks */
	uint64_t stime;     /* (15) */
	uint64_t cutime;    /* (16) waited-for children, ticks */
	uint64_t cstime;    /* (17) */
	uint64_t num_threads; /* (20) */
	uint64_t starttime; /* (22) ticks after boot */
	uint64_t rss_pages; /* (24) resident pages: VmRSS / page size */
	int has_rss;
	uint64_t exit_code; /* (52) wait status of a zombie (Linux 3.5+) */
	int has_exit_code;
};

/* Parse stat text.  The comm field may hold spaces and parentheses: fields
 * are read after the LAST ')'.  Returns 0 or -EINVAL when a field is
 * missing or not a number. */
int procfs_parse_stat(const char *buf, size_t len, struct procfs_stat *st);

/* Lines of /proc/PID/status that rtrack uses.  A kernel thread or a zombie
 * has no Vm* lines: the has_ flags say what was present. */
#define PROCFS_NSPID_MAX 4
struct procfs_status {
	uint64_t vmrss_kib, vmhwm_kib, vmswap_kib;
	uint64_t seccomp;         /* Seccomp: 0 none, 1 strict, 2 filter */
	uint64_t seccomp_filters; /* Seccomp_filters: (Linux 5.9+) */
	int has_vmrss, has_vmhwm, has_vmswap, has_seccomp, has_seccomp_filters;
	/* NSpid: the pid in each PID namespace, /proc's own first, then the
	 * nested ones (Linux 4.1+); the first PROCFS_NSPID_MAX, nspid_n of
	 * them (0 without the line or when it is malformed). */
	uint32_t nspid[PROCFS_NSPID_MAX];
	unsigned nspid_n;
};
int procfs_parse_status(const char *buf, size_t len, struct procfs_status *s);

/* The seccomp filters a status shows: Seccomp_filters, or, on a kernel
 * that does not count them (before 5.9), 1 for any seccomp mode. */
uint64_t procfs_seccomp_count(const struct procfs_status *s);

/* "Pss:" of smaps_rollup in KiB.  -EINVAL when there is no Pss line (an
 * empty rollup of a zombie or kernel thread). */
int procfs_parse_rollup_pss(const char *buf, size_t len, uint64_t *pss_kib);

/* The run delay of /proc/PID/schedstat ("exec_ns run_delay_ns slices"):
 * the time the process's main thread was runnable but waiting for a CPU
 * (Linux's sched_info, CONFIG_SCHED_INFO).  0 or -EINVAL. */
int procfs_parse_schedstat(const char *buf, size_t len, uint64_t *run_delay_ns);

/* read_bytes and write_bytes of /proc/PID/io.  -EINVAL when absent. */
int procfs_parse_io(const char *buf, size_t len, uint64_t *read_bytes,
		    uint64_t *write_bytes);

/* read_bytes and write_bytes of /proc/PID/io as getrusage(2) counts
 * them, which is what rtrack records (FORMAT.md C9, X8): in whole
 * 512-byte blocks (ru_inblock, ru_oublock: the kernel's
 * task_io_get_inblock and _oublock shift each thread's bytes by 9;
 * cancelled_write_bytes is not taken off).  -EINVAL when absent. */
int procfs_parse_io_blocks(const char *buf, size_t len, uint64_t *read_bytes,
			   uint64_t *write_bytes);

/* The number of CPUs a kernel CPU list names ("0-3,8,10-11\n", as
 * /sys/devices/system/cpu/online has it): 0 with *count set, -EINVAL for
 * anything else (an empty list, a range running backwards, a number past
 * 2^20). */
int procfs_parse_cpulist(const char *buf, size_t len, uint32_t *count);

/* Space-separated pids of a `children` file appended to pids[*n..max).
 * Returns 0, or -E2BIG when max was reached (the pids that fit are kept). */
int procfs_parse_pids(const char *buf, size_t len, int32_t *pids,
		      size_t max, size_t *n);

/* NUL-separated argv into dst joined by single spaces, always
 * NUL-terminated, cut to size-1.  Returns the length written. */
size_t procfs_format_cmdline(const char *buf, size_t len, char *dst,
			     size_t size);

/* Build "<procroot>/<pid>/<tail>" into dst without printf.  Returns 0 or
 * -ENAMETOOLONG. */
int procfs_path(char *dst, size_t size, const char *procroot, int32_t pid,
		const char *tail);

/* Everything the sampler needs of one process. */
struct procfs_proc {
	struct procfs_stat stat;
	struct procfs_status status;
	uint64_t pss_kib;
	uint64_t read_bytes, write_bytes;
	uint64_t run_delay_ns;  /* schedstat (its main thread's) */
	int has_pss, has_io, has_run_delay;
};

/* Read stat, status, io, schedstat and (when want_pss) smaps_rollup of
 * pid.  Returns 0 when at least stat was read; -ENOENT/-ESRCH when the
 * process is gone.  An unreadable io (permissions), schedstat (a kernel
 * without CONFIG_SCHED_INFO) or smaps_rollup leaves has_io, has_run_delay
 * or has_pss 0. */
int procfs_read_proc(const char *procroot, int32_t pid, int want_pss,
		     struct procfs_proc *p);

/* Descriptors of one process kept open between samples, so that a sample
 * is a pread per file rather than a path walk, an open and a close: the
 * /proc/PID directory (pinned to that incarnation of the pid: a reused
 * pid's new process is not reachable through it), stat, status, io,
 * schedstat and the main thread's children file.  -1: not kept.  smaps_rollup is never
 * kept (it is bound to the address space it was opened on), only opened
 * through the directory.  Each kept descriptor holds a page of kernel
 * memory (seq_file), so callers give a budget. */
enum {
	PROCFS_K_DIR,
	PROCFS_K_STAT,
	PROCFS_K_STATUS,
	PROCFS_K_IO,
	PROCFS_K_SCHEDSTAT,
	PROCFS_K_CHILDREN,
	PROCFS_SLOTS
};
struct procfs_kept {
	int fd[PROCFS_SLOTS];
};
void procfs_kept_init(struct procfs_kept *k);
/* Close every kept descriptor, giving each back to *budget. */
void procfs_kept_close(struct procfs_kept *k, unsigned *budget);

/* procfs_read_proc through k: kept descriptors are read with pread, the
 * missing ones opened and kept while *budget > 0 (each taken from it).
 * When a kept descriptor fails (the process left; its pid may be reused)
 * all of k is closed and the files opened again by path, once.  flags:
 * PROCFS_READ_PSS (smaps_rollup too), PROCFS_READ_NO_STATUS (status is
 * not read: p->status stays empty). */
#define PROCFS_READ_PSS 1
#define PROCFS_READ_NO_STATUS 2
int procfs_read_proc_kept(const char *procroot, int32_t pid, int flags,
			  struct procfs_proc *p, struct procfs_kept *k,
			  unsigned *budget);

/* status of pid alone, through k when kept (k may be NULL): 0, or -errno. */
int procfs_read_status_kept(const char *procroot, int32_t pid,
			    struct procfs_kept *k, unsigned *budget,
			    struct procfs_status *st);

/* smaps_rollup's Pss of pid alone, opened through k's directory when kept
 * (k may be NULL).  0, -ENODATA when unavailable (a zombie, a kernel
 * thread, no permission), -ENOENT/-ESRCH when the process is gone. */
int procfs_read_pss_kept(const char *procroot, int32_t pid,
			 struct procfs_kept *k, uint64_t *pss_kib);

/* Children of pid from every task's children file
 * (<procroot>/PID/task/TID/children), not only the main thread's, so that
 * children forked by other threads are found.  Appended to pids[*n..max),
 * without duplicates against all of pids[0..*n).  Each children file is
 * read in pieces, so any number of children fits.  Uses getdents64 on the
 * task directory (no opendir: it allocates).  Returns 0, -ENOENT when pid
 * is gone, -ENOTSUP when the kernel has no children files
 * (CONFIG_PROC_CHILDREN off), -E2BIG when max was reached (*n then counts
 * the pids that fit), -EINVAL for a malformed file (*n unchanged). */
int procfs_children(const char *procroot, int32_t pid, int32_t *pids,
		    size_t max, size_t *n);

/* procfs_children through k (see procfs_read_proc_kept; may be NULL): a
 * process with one thread (stat's num_threads) has its main thread's
 * children file read, kept when the budget allows, without listing
 * task/. */
int procfs_children_kept(const char *procroot, int32_t pid, uint64_t threads,
			 int32_t *pids, size_t max, size_t *n,
			 struct procfs_kept *k, unsigned *budget);

#endif
