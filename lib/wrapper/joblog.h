/* joblog.h - the log of the job the rtrack wrapper ran: found where the
 * library put it, and completed with the wrapper's REAPED record
 * (lib/format/FORMAT.md W): how the root ended and what wait4 saw of it. */
#ifndef RTRACK_WRAPPER_JOBLOG_H
#define RTRACK_WRAPPER_JOBLOG_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "log.h"

/* Where to look: the RTRACK_OUTPUT template the job had, expanded as the
 * library expands it (config_expand_output) for the root's pid, this host,
 * and for %t each second the root may have started in. */
struct joblog_where {
	const char *tmpl;
	const char *host;
	pid_t pid;               /* the root: the command's process */
	time_t start_s, end_s;   /* the wrapper's clock before the fork and
				  * after the reap */
};

/* The log this run wrote: the first expansion (%t from start_s to end_s,
 * at most 60 s on) naming a regular file modified no earlier than
 * start_s, so never an older log of a reused pid.  Its path into dst and
 * its stat into *st; 0, or -1 when there is none. */
int joblog_find(const struct joblog_where *w, char *dst, size_t size,
		struct stat *st);

/* Append r to the log at path with one write(), on a descriptor opened
 * O_WRONLY|O_APPEND|O_NOFOLLOW|O_NONBLOCK|O_CLOEXEC, and only when that is
 * still the regular file *st found, owned by this user.  0 or -errno
 * (-ESTALE: another file is there now); the file is left as it was on
 * failure, but for a write the disk cut short. */
int joblog_append_reaped(const char *path, const struct stat *st,
			 const struct rt_reaped *r);

#endif
