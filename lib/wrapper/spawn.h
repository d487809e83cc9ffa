/* spawn.h - the processes the rtrack wrapper starts: the job's command,
 * with the library first in its LD_PRELOAD and the wrapper's options as
 * RTRACK_* variables in its environment alone, waited for as GNU time
 * waits for it (wait4's rusage); and helpers (rtrack-dump), which run
 * with neither, so that no helper is tracked or writes a log. */
#ifndef RTRACK_WRAPPER_SPAWN_H
#define RTRACK_WRAPPER_SPAWN_H

#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

/* What the job's environment gets; NULL members leave the inherited
 * variable as it is. */
struct spawn_job {
	const char *lib;      /* librtrack_preload.so: first in LD_PRELOAD */
	const char *output;   /* RTRACK_OUTPUT */
	const char *interval; /* RTRACK_INTERVAL */
	int quiet;            /* RTRACK_QUIET=1 */
};

/* How the job's command ended. */
struct spawn_result {
	pid_t pid;
	int status;           /* the wait status */
	struct rusage ru;     /* wait4's: the command and what it waited for */
	uint64_t reaped_ns;   /* wall clock when it was reaped */
	char comm[16];        /* its last image's name; "" when unreadable */
	int exec_errno;       /* 0: the command ran; else why exec failed */
};

/* Whether an LD_PRELOAD entry is the library or a copy of it (its file
 * name is librtrack_preload.so): two copies in one process would both
 * start. */
int spawn_is_library(const char *entry, size_t len, const char *lib);

/* The job's environment: the caller's, with LD_PRELOAD = j->lib, then the
 * inherited entries that are not a copy of it, and the RTRACK_* variables
 * j sets.  NULL when memory runs out; free with spawn_env_free. */
char **spawn_job_env(const struct spawn_job *j);

/* A helper's environment: the caller's less every RTRACK_* variable and
 * every copy of the library in LD_PRELOAD (lib, or any of that name). */
char **spawn_helper_env(const char *lib);

void spawn_env_free(char **env);

/* Run argv[0] (searched in PATH as execvp does) with argv and env, and
 * wait for it; after relay_setup (relay.h): the command gets the caller's
 * signal dispositions and mask, and signals are relayed to it while it
 * runs.  Its name is read while it is a zombie, before the reap.
 * A failed exec is r->exec_errno, the status then 127 (ENOENT) or 126 as
 * a shell gives it.  0, or -errno when no process could be started. */
int spawn_job_run(char *const argv[], char *const env[],
		  struct spawn_result *r);

/* Run the program at path with argv and env, its standard output on
 * out_fd (-1: the wrapper's own), and wait for it.  Its wait status, or
 * -1 when it could not be started. */
int spawn_helper(const char *path, char *const argv[], char *const env[],
		 int out_fd);

#endif
