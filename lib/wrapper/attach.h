/* attach.h - the rtrack wrapper's outside modes: the library's probes and
 * log writer (lib/inhost: tracker, logwrite) run in rtrack's own process,
 * for a process it did not start (`rtrack --pid PID`: that process and its
 * descendants, from the attach on) or for the machine alone (`rtrack
 * --system`).  The log is the library's format, its header flagged
 * (lib/format/FORMAT.md H11, H15). */
#ifndef RTRACK_WRAPPER_ATTACH_H
#define RTRACK_WRAPPER_ATTACH_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct attach_cfg {
	int32_t pid;              /* the process to follow; 0: the machine */
	const char *log;          /* the log's path, expanded */
	const char *cmdline;      /* the header's command line */
	const struct rt_config *rc; /* interval, children, system, memory, GPU */
	uint64_t duration_ns;     /* 0: until pid ends or a stop signal */
	int stop_signal;          /* a signal that ends the run besides
				   * SIGINT, SIGTERM and SIGHUP (0: none) */
};

/* Whether pid can be followed: 0, -ESRCH (no such process) or -EACCES
 * (its /proc files are another user's). */
int attach_check(int32_t pid);

/* Sample until pid ends, the duration passes or a stop signal comes; then
 * the last sample, every process, the end record.  0, or -errno with a
 * line in err when the log cannot be made. */
int attach_run(const struct attach_cfg *c, char *err, size_t errlen);

#endif
