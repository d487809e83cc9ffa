/* rtrack.h - the state and functions the producer's files share: rtrack.c
 * (roles, constructor, the log's creation), sampler.c (the thread and
 * everything it writes), descendant.c (exit records), interpose.c (the
 * functions the library deliberately replaces) and fdguard.c.  Private to
 * preload/: nothing here is exported from the .so. */
#ifndef RTRACK_PRELOAD_H
#define RTRACK_PRELOAD_H

#include <pthread.h>
#include <stdint.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>

#include "config.h"
#include "logwrite.h"
#include "procfs.h"

/* NONE: stands aside.  ROOT: owns the log, runs the sampler.  DESC: a
 * descendant (exec'd with the preload, or a fork()ed copy of a tracked
 * process): no thread, one exit record at its exit (descendant.c). */
enum rtrack_role { ROLE_NONE, ROLE_ROOT, ROLE_DESC };

/* The environment entry by which every process of a job knows its root
 * (rtrack.c root_env), and the length of its name with the '='. */
#define ROOT_ENV_PREFIX "RTRACK_ROOT="
#define ROOT_ENV_PREFIX_LEN (sizeof(ROOT_ENV_PREFIX) - 1)

/* What a host thread asks of the sampler (sampler_request): an exec sweep
 * (flush everything: the image may be replaced), a pause (sweep, flush,
 * end the thread), the exit (last sample, end record; sticky). */
enum sampler_req { REQ_EXEC, REQ_PAUSE, REQ_EXIT, REQ_KINDS };

/* For the few variables a process writes at its start, at a fork (in the
 * copy) and at its exit, besides pre: in .data, whose last page ld.so
 * clears in every process (.bss begins on it: descendant.c's dbuf), and
 * a fork()ed copy writes pre's head there anyway; a page of their own
 * is a page fault more at every start or fork (README: Performance). */
#define RTRACK_HOT __attribute__((section(".data")))

/* pre: the preload's state, so named apart from the log format's rt_*
 * types (rt_proc, rt_config...), which both sides of the format share.
 * What more than one of the preload's files reads or writes.  What one
 * file alone touches is private to it: the sampler thread's and its
 * requests' state in sampler.c, the start's (argv, stderr, starttime,
 * quiet) in rtrack.c.  Small fields before big ones: a descendant touches
 * the small ones and the heads of cmdline, root_env and path, and each page
 * of this struct it touches is a page fault at every process's start
 * (README has the cost). */
struct preload_state {
	/* Read by the sampler's interposed closes while a host thread may
	 * change it (exit, fork): atomic. */
	_Atomic enum rtrack_role role;
	pid_t pid;
	uint64_t parent_seccomp;
	/* The root's seccomp filters (Seccomp_filters, or 1 for a filter on
	 * a kernel that does not count them): a descendant with more had one
	 * added inside the job, and stays passive. */
	uint64_t root_seccomp;
	int sandboxed;             /* this process installed a seccomp filter */
	int forked;                /* a fork()ed copy (no exec since) */
	/* What the header's GPU probe found: the sampler does not probe
	 * again (two failed opens on most machines) when it found none. */
	enum { GPU_UNPROBED, GPU_NONE, GPU_SOME } gpu_probed;
	_Atomic int running;       /* the sampler thread exists */
	_Atomic int private_fds;   /* the sampler has a descriptor table of
				    * its own (sampler.c): no guard needed;
				    * host threads' closes read it */
	/* A child sharing our memory (vfork, clone(CLONE_VM)) called exit():
	 * it ran, and so used up, the exit handlers (glibc then takes no new
	 * ones): the root's exit and main's return end the log themselves
	 * (interpose.c). */
	_Atomic int handler_taken;
	/* getrusage's ru_maxrss as this image started (0 in a fork()ed
	 * copy): an exit record's peak needs no status read when it grew
	 * (descendant.c). */
	uint64_t start_maxrss_kib;
	/* CLOCK_BOOTTIME as this image's constructor ran, or as a fork()ed
	 * copy began (its atfork handler): a brief exit record's start
	 * (descendant.c), no earlier than the kernel's. */
	uint64_t start_boot_ns;
	/* cmdline is the parent's argv at its start (a fork()ed copy): its
	 * exit record takes /proc/self/cmdline, or, brief, what that reads,
	 * the bytes of the argument area as they are now (a worker that
	 * renamed itself, setproctitle, writes over them). */
	int cmdline_inherited;
	const char *arg_area;      /* argv[0] .. the end of the last argument */
	size_t arg_len;            /* 0: not known */
	size_t arg_max;            /* readable from arg_area: to the end of
				    * the environment's strings */
	_Atomic int write_failed;  /* the log could not be written (by the
				    * sampler, or the exit's own end record):
				    * the errno, said at exit (rtrack.c) */
	_Atomic int log_moved;     /* its path no longer led to the log at
				    * the end: said at exit (sampler.c) */
	/* The log exit and reap records go to, read only in a role that
	 * writes them: a root's path below, once the log is there; a
	 * descendant's the tail of its root_env (the log's path is
	 * RTRACK_ROOT's last field), so that it touches no page of path;
	 * NULL before either. */
	const char *log_path;
	struct logfile_id log_id;  /* the log the root created */
	/* A nested run (its own RTRACK_OUTPUT inside a tracked job) is a root
	 * of its own log and a descendant of the outer one: its exit record
	 * goes there too. */
	struct logfile_id parent_log_id;
	/* Then the arrays a descendant fills in part, each from its start:
	 * argv and RTRACK_ROOT (a few hundred bytes of 4 KiB), so that
	 * with the fields above they lie on one page (descendant.c's dbuf
	 * says which); the root's path, and cfg, which only a root fills,
	 * after them (a descendant goes by its role and log_path). */
	char cmdline[RT_PROC_CMDLINE_MAX]; /* argv at start */
	char root_env[CONFIG_PATH_MAX + 256]; /* "RTRACK_ROOT=...", rtrack.c */
	char path[CONFIG_PATH_MAX]; /* the log, absolute */
	struct rt_config cfg;
	char parent_path[CONFIG_PATH_MAX];
};

extern struct preload_state pre;

uint64_t rtrack_clock_ns(clockid_t id);

/* The same by the system call, for what every process does (its start,
 * its exit record): the vDSO's first call maps its data pages and libc's
 * clock_gettime, three page faults in a process that never reads a clock
 * (most a shell starts), where the call costs a few hundred ns (README:
 * Performance).  The sampler, which reads clocks all along, keeps the
 * vDSO. */
uint64_t rtrack_clock_ns_syscall(clockid_t id);

/* A getrusage time in microseconds, as the records carry it. */
static inline uint64_t tv_us(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

/* argv's area (pre.arg_area) formatted as /proc/self/cmdline reads it
 * now, a name written over it included: no /proc read.  0, or -1 where
 * the area is not known. */
int rtrack_args_cmdline(char *dst, size_t size);

/* This process's /proc/self/stat, without stdio.  0 or -1. */
int rtrack_self_stat(struct procfs_stat *st);

/* One "rtrack: a b c" line on stderr, unless quiet or fd 2 is no longer the
 * file it was at start.  errno kept. */
void rtrack_say(const char *a, const char *b, const char *c);

/* Start the sampler (signals blocked, small stack); exec, when not NULL,
 * is the record of the exec this image continues the log after.  0 or
 * -errno. */
int sampler_start(const struct rt_exec *exec);

/* The root is exiting (kind, value: enum rt_exit_kind), on a host thread:
 * the sampler takes the final sample and writes the end record; waits a
 * bounded time, then writes the end record itself. */
void sampler_exit(uint32_t kind, int value);

/* Stop the sampler thread (it sweeps and flushes first) so the process is
 * single-threaded again, and start it again: around calls that fail or
 * misbehave in a multi-threaded process (unshare, setns, the set*id
 * family).  sampler_pause returns 0 when the thread is gone.  carry: the
 * log opened before the call goes to the thread started after it, and
 * the resume waits until that thread holds it (sampler.c carry_fd). */
int sampler_pause(int carry);
void sampler_resume(void);

/* Around an exec of the root: the sampler sweeps and flushes, then holds
 * still; sampler_exec_end, given what sampler_exec_begin returned, lets it
 * go on (the exec failed).  A failed exec costs no more than the request
 * (an exec soon after another finds everything written already). */
int sampler_exec_begin(char *const argv[]);
void sampler_exec_end(int held);

/* The sampler's batch memory (mapped on first use, the root only), as
 * scratch for the constructor before the sampler starts: pages the batch
 * touches anyway.  NULL when it cannot be mapped; *size its bytes. */
void *sampler_scratch(size_t *size);

/* A fork()ed copy: the sampler's memory is unmapped (it never samples). */
void sampler_forget(void);

/* In the child of the root's daemon() (single-threaded; the sampler was
 * paused for the fork): the locks and requests start again, the log goes
 * on from this pid (an EXEC record, FORMAT.md J4 daemon) and the thread
 * starts.  0 or -errno. */
int sampler_daemon(void);

/* daemon() returned in the root's child: the job goes on here, and this
 * process becomes the root (the parent ended inside libc). */
void rtrack_daemon_child(void);

/* The root's main thread is calling pthread_exit: once the sampler is the
 * only thread left, it ends the process as glibc would, with exit(0). */
void sampler_main_gone(void);

/* The process is ending (kind, value: enum rt_exit_kind), from the on_exit
 * handler, the interposed _exit/_Exit/quick_exit or abort: the root
 * finishes the log, a descendant writes its exit record.  Runs once. */
void rtrack_exiting(uint32_t kind, int value);

/* A descendant's exit record (descendant.c). */
void descendant_exit(uint32_t kind, int value);

/* A nested root's exit record into the outer log (descendant.c). */
void descendant_nested_exit(uint32_t kind, int value);
/* A child this process reaped (wait4's pid, status and rusage) that a
 * signal killed: it wrote no exit record of its own, so this process
 * appends a REAPED record for it (FORMAT.md W, bit 1 of W8).  Keeps
 * errno; touches nothing global (a SIGCHLD handler may call wait). */
struct rusage;
void descendant_reaped(pid_t pid, int status, const struct rusage *ru);

/* FNV-1a of RTRACK_OUTPUT as this process sees it ("" when unset): a
 * descendant whose value differs from its root's is a nested run. */
uint64_t rtrack_output_hash(void);

/* The process, root, is about to take the real, effective and saved user
 * ids r, e, s ((uid_t)-1: unchanged) in a set*uid call.  Where none of
 * them will be root (a drop for good: setpriv, gosu, su, a daemon; not a
 * seteuid it can undo), the log is opened to user e first (an entry of
 * its ACL, logfile_grant), so that the sampler started again after the
 * call and what the process starts as that user can open it.  1 when it
 * granted; rtrack_log_ungrant(e) takes it back where the call failed.
 * errno kept. */
int rtrack_log_to_user(uid_t r, uid_t e, uid_t s);
void rtrack_log_ungrant(uid_t e);

/* The process installs a seccomp filter: from now on rtrack makes no
 * system call it can avoid (the root's sampler stops for good). */
void rtrack_sandboxed(void);
/* Whether a seccomp filter that none of our wrappers saw has appeared
 * since the root started (installed by a raw system call; with TSYNC it
 * covers the sampler too): any open might kill the host, so from then on
 * the root makes no call but futex and prctl.  Asked with
 * prctl(PR_GET_SECCOMP), which no filter we know of forbids; once seen,
 * for good.  A root that started under a filter cannot tell (0). */
int rtrack_filtered(void);
/* The check itself, against a root's filter count at its start: 1 when
 * that was none and the process is under a filter now. */
int rtrack_filter_since(uint64_t seccomp_at_start);

/* The sampler stopped for good: a finisher waiting for it (pthread_exit
 * of the main thread) ends its own thread instead, so the process ends
 * with its last host thread as glibc would have it. */
void sampler_release_finisher(void);

/* Descriptor guard (fdguard.c): a host thread that closes descriptors or
 * dup2s over a number (close, close_range, closefrom, dup2, dup3) waits
 * between begin and end until the sampler has none open, and the sampler
 * opens none meanwhile, so the host never closes, or gets the number of,
 * a descriptor of the sampler's.  fdguard_init installs the sampler side
 * (lib/inhost/text.h hooks). */
void fdguard_init(void);
void fdguard_reset(void);
void fdguard_sampler_thread(void); /* called by the sampler thread */
int fdguard_on_sampler(void);      /* this thread is the sampler */
int fdguard_host_begin(void);      /* returns what _end takes */
void fdguard_host_end(int begun);

/* Resolve the next definitions of the interposed functions (another
 * preload's, or libc's).  Called first thing in every process. */
void interpose_init(void);

#endif
