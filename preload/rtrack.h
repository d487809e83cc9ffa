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

enum rtrack_role { ROLE_NONE, ROLE_ROOT };

/* Requests from host threads to the sampler (sampler.c). */
enum rtrack_req { REQ_NONE, REQ_EXEC, REQ_EXIT };

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
	/* The sampler thread and its requests, under mu. */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;         /* wakes the sampler */
	pthread_cond_t done_cv;    /* wakes the host thread that asked */
	enum rtrack_req req;
	unsigned ack;              /* requests the sampler has completed */
	int exit_status;
	/* Owned by the sampler thread alone. */
	uint64_t samples;
	uint64_t last_flush_ns;
	int write_failed;
	struct logbuf batch;
};

extern struct rtrack_state rt;

uint64_t rtrack_clock_ns(clockid_t id);

/* One "rtrack: a b c" line on stderr, unless quiet or fd 2 is no longer the
 * file it was at start.  errno kept. */
void rtrack_say(const char *a, const char *b, const char *c);

/* Start the sampler (signals blocked, small stack).  0 or -errno. */
int sampler_start(void);

/* The root is exiting with status, on any thread: the sampler takes the
 * final sample and writes the end record; waits a bounded time. */
void sampler_exit(int status);

/* Before an execve of the root: the sampler sweeps and flushes, then holds
 * still.  sampler_exec_failed lets it go on when execve returned. */
void sampler_exec_begin(void);
void sampler_exec_failed(void);

/* The root's on_exit handler, also called by the interposed _exit/_Exit:
 * sets the role aside (so it runs once) and finishes the log. */
void rtrack_exit_handler(int status, void *arg);

/* Resolve the next definitions of the interposed functions (another
 * preload's, or libc's).  Called first thing in every process. */
void interpose_init(void);

#endif
