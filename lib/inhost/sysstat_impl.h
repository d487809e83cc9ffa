/* sysstat_impl.h - what sysstat.c shares with diskspace.c, the part of
 * its reading that measures disk space: where the files are, and the
 * streaming of their lines through a fixed buffer.  Private to
 * lib/inhost. */
#ifndef RTRACK_SYSSTAT_IMPL_H
#define RTRACK_SYSSTAT_IMPL_H

#include <stddef.h>

#include "sysstat.h"

#define PATH_BUF 512        /* "<root>/net/dev"; roots are short */
#define STREAM_BUF 4096     /* longest line handled whole */

/* A line handler: 0 to go on, 1 to stop early, -errno to fail.  cut says
 * the line was longer than the read buffer and only its head is given. */
typedef int (*sysstat_line_fn)(const char *line, const char *end, int cut,
			       void *ctx);

/* Where the files are: the roots, and the descriptors kept between reads
 * (k NULL: every file opened and closed each time). */
struct sysstat_src {
	const char *procroot, *sysroot;
	struct sysstat_kept *k;
};

/* Give each line of captured text (without its '\n') to fn.  0, or the
 * first -errno fn returned (1 stops early: 0). */
int sysstat_each_line(const char *buf, size_t len, sysstat_line_fn fn,
		      void *ctx);

/* root/tail opened, or its kept descriptor in slot (opened and kept the
 * first time).  *owned says the caller closes it.  -errno on failure. */
int sysstat_src_open(const struct sysstat_src *c, const char *root,
		     const char *tail, unsigned slot, int flags, int *owned);

/* Done with a descriptor from sysstat_src_open; a kept one that failed is
 * closed (opened afresh next time: /sys/block of a new mount, a net
 * namespace). */
void sysstat_src_done(const struct sysstat_src *c, unsigned slot, int fd,
		      int owned, int failed);

/* Every line of <procroot>/tail (slot: its kept descriptor), of any
 * length, to fn through a STREAM_BUF on the stack.  As sysstat_each_line. */
int sysstat_stream_file(const struct sysstat_src *c, const char *tail,
			unsigned slot, sysstat_line_fn fn, void *ctx);

/* As sysstat_stream_file, for root/tail (c->k NULL: slot unused). */
int sysstat_stream_at(const struct sysstat_src *c, const char *root,
		      const char *tail, unsigned slot, sysstat_line_fn fn,
		      void *ctx);

/* The space group into s->space_* (diskspace.c): from the kept list of
 * filesystems while the mount table is unchanged, else from the table.
 * 0 or -errno. */
int diskspace_read(const struct sysstat_src *c, struct sysstat *s);

#endif
