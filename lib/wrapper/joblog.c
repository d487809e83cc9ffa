/* joblog.c - find the job's log and append the REAPED record (joblog.h). */
#include "joblog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "logwrite.h"

/* A file's times come from the kernel's coarse clock, up to a tick behind
 * the wrapper's start_s: a second's leeway, far short of a pid's reuse. */
int joblog_find(const struct joblog_where *w, char *dst, size_t size,
		struct stat *st)
{
	time_t t, last = w->end_s < w->start_s + 60 ? w->end_s :
						       w->start_s + 60;

	for (t = w->start_s; t <= last; t++) {
		if (config_expand_output(w->tmpl, (int32_t)w->pid, w->host,
					 (uint64_t)t, dst, size) == 0 &&
		    stat(dst, st) == 0 && S_ISREG(st->st_mode) &&
		    st->st_mtime >= w->start_s - 1)
			return 0;
		if (!strstr(w->tmpl, "%t"))
			break;
	}
	return -1;
}

/* The descriptor is the file that was found, and this user's. */
static int joblog_same(int fd, const struct stat *st)
{
	struct stat now;

	return fstat(fd, &now) == 0 && S_ISREG(now.st_mode) &&
	       now.st_dev == st->st_dev && now.st_ino == st->st_ino &&
	       now.st_uid == geteuid();
}

int joblog_append_reaped(const char *path, const struct stat *st,
			 const struct rt_reaped *r)
{
	uint8_t mem[256];
	struct logbuf b;
	ssize_t n;
	int fd, rc;

	logwrite_init(&b, mem, sizeof mem);
	if ((rc = logwrite_reaped(&b, r)) < 0)
		return rc;
	fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK |
				O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (!joblog_same(fd, st)) {
		close(fd);
		return -ESTALE;
	}
	/* One write: whole records only, among the job's own (F3). */
	while ((n = write(fd, b.mem, b.len)) < 0 && errno == EINTR)
		;
	rc = n < 0 ? -errno : (size_t)n < b.len ? -ENOSPC : 0;
	close(fd);
	return rc;
}
