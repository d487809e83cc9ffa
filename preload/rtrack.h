/* rtrack.h - the state the producer's three modules share: rtrack.c (roles,
 * constructor, the log's creation), sampler.c (the thread and everything it
 * writes) and interpose.c (the functions the library deliberately replaces).
 * Private to preload/: nothing here is exported from the .so. */
#ifndef RTRACK_PRELOAD_H
#define RTRACK_PRELOAD_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "config.h"
#include "logwrite.h"
#include "procfs.h"

enum rtrack_role { ROLE_NONE, ROLE_ROOT };

struct rtrack_state {
	enum rtrack_role role;
	pid_t pid;
	uint64_t starttime;        /* own stat (22): with pid, the identity */
	int quiet;
	dev_t err_dev;             /* what fd 2 was at start */
	ino_t err_ino;
	int err_known;
	char path[CONFIG_PATH_MAX]; /* the log, absolute */
	char root_env[CONFIG_PATH_MAX + 64]; /* "RTRACK_ROOT=pid:start:path" */
	struct rt_config cfg;
	/* The sampler thread and the requests of host threads, under mu:
	 * each kind has its own flag and completion count (sampler.c). */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;         /* wakes the sampler */
	pthread_cond_t done_cv;    /* wakes the host threads that asked */
	int exit_req, exit_done;   /* exit: sticky once posted */
	int exit_status;
	int exec_waiters;          /* host threads inside an exec call */
	unsigned exec_done;        /* sweeps done for them */
	int main_gone;             /* the main thread called pthread_exit */
	/* The log file: the sampler's flushes and a host thread's takeover
	 * (sampler stuck, END written by the host) exclude each other. */
	pthread_mutex_t file_mu;
	int abandoned;             /* the host wrote END: the sampler stops */
	sigset_t host_mask;        /* the signal mask the host started with */
	/* Owned by the sampler thread alone. */
	uint64_t samples;
	uint64_t last_flush_ns;
	int write_failed;
	struct logbuf batch;
};

extern struct rtrack_state rt;

uint64_t rtrack_clock_ns(clockid_t id);

/* This process's /proc/self/stat, without stdio.  0 or -1. */
int rtrack_self_stat(struct procfs_stat *st);

/* One "rtrack: a b c" line on stderr, unless quiet or fd 2 is no longer the
 * file it was at start.  errno kept. */
void rtrack_say(const char *a, const char *b, const char *c);

/* Start the sampler (signals blocked, small stack).  0 or -errno. */
int sampler_start(void);

/* The root is exiting with status, on a host thread: the sampler takes the
 * final sample and writes the end record; waits a bounded time, then
 * writes the end record itself. */
void sampler_exit(int status);

/* Around an exec of the root: the sampler sweeps and flushes, then holds
 * still; sampler_exec_end lets it go on (the exec failed). */
void sampler_exec_begin(void);
void sampler_exec_end(void);

/* The root's main thread is calling pthread_exit: once the sampler is the
 * only thread left, it ends the process as glibc would, with exit(0). */
void sampler_main_gone(void);

/* The root's on_exit handler, also called by the interposed _exit/_Exit:
 * sets the role aside (so it runs once) and finishes the log. */
void rtrack_exit_handler(int status, void *arg);

/* Resolve the next definitions of the interposed functions (another
 * preload's, or libc's).  Called first thing in every process. */
void interpose_init(void);

#endif
