/* logsync.h - after damage in a log, find where whole records start again
 * (FORMAT.md D2): the reader's resynchronisation, in time linear in the
 * bytes it skips, however hostile they are. */
#ifndef RTRACK_LOGSYNC_H
#define RTRACK_LOGSYNC_H

#include <stddef.h>
#include <stdint.h>

/* The scan's state over one buffer: which record types it may land on,
 * and the CRC-32 of the buffer's prefixes at every 64th byte of a window
 * ahead of it (a ring, made on the first scan that needs one). */
struct logsync {
	const uint8_t *buf;
	size_t len;
	uint8_t known[256]; /* known[type]: a record a sync may land on */
	uint32_t *ring;     /* prefix CRCs of blocks [next - mask - 1, next) */
	size_t mask;        /* ring entries - 1 (0: no ring, see logsync.c) */
	int no_ring;        /* malloc refused it: short frames only */
	size_t base;        /* where the prefixes start (their CRC is 0) */
	size_t next;        /* blocks from base whose prefix CRC is known */
};

/* Scan buf[0..len), landing only on the types known() accepts.  Holds no
 * memory until logsync_next needs it; logsync_free releases it. */
void logsync_init(struct logsync *s, const uint8_t *buf, size_t len,
		  int (*known)(unsigned type));

/* The offset of the first whole record (R1: a known type, a length within
 * R3 whose frame fits in the buffer, a checksum that holds) at or after
 * from, or len when there is none.  Any from will do; the work a call
 * shares with the one before it is kept while from only grows (a
 * decoder's damage, one stretch after the other). */
size_t logsync_next(struct logsync *s, size_t from);

void logsync_free(struct logsync *s);

#endif
