/* logsync.c - resynchronisation after damage (logsync.h, FORMAT.md D2).
 *
 * A byte-by-byte scan tries each offset as the start of a record.  Most
 * offsets fail on their type byte or their length; the others need the
 * checksum of up to a MiB of bytes, and computed afresh at each offset
 * that makes a scan of garbage quadratic.  So the CRC of a stretch
 * [p, q) comes from the CRCs of the prefixes up to q and up to p
 * (codec_crc32_shift), each from a checkpoint every BLOCK bytes plus
 * fewer than BLOCK bytes.  The checkpoints live in a ring over the widest
 * window a frame spans: each byte of the buffer is checksummed once for
 * them, and every offset costs about the same. */
#include "logsync.h"

#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "log.h"

#define BLOCK 64
/* The widest frame (R1: type, a varint of up to 10 bytes, R3's payload,
 * the CRC), and a ring of checkpoints that spans it with room to spare. */
#define FRAME_MAX (1 + 10 + (size_t)RT_LOG_MAX_PAYLOAD + 4)
#define RING_MAX ((size_t)1 << 15)
_Static_assert(RING_MAX > FRAME_MAX / BLOCK + 2, "the ring spans a frame");
/* A stretch this short is checksummed directly (cheaper than two
 * prefixes); without a ring (no memory for it), longer frames than
 * NORING_MAX are not tried, which keeps the scan linear. */
#define DIRECT_MAX 128
#define NORING_MAX 4096

void logsync_init(struct logsync *s, const uint8_t *buf, size_t len,
		  int (*known)(unsigned type))
{
	memset(s, 0, sizeof(*s));
	s->buf = buf;
	s->len = len;
	for (unsigned t = 0; t < 256; t++)
		s->known[t] = known(t) != 0;
}

void logsync_free(struct logsync *s)
{
	free(s->ring);
	s->ring = NULL;
	s->mask = 0;
}

/* The ring, made once, as large as the rest of the buffer from p needs
 * (small logs, small rings) up to RING_MAX; mask 0 when malloc fails. */
static void logsync_ring(struct logsync *s, size_t p)
{
	size_t want = (s->len - p) / BLOCK + 2, n = 2;

	if (s->ring || s->no_ring)
		return;
	while (n < want && n < RING_MAX)
		n *= 2;
	s->ring = malloc(n * sizeof(*s->ring));
	s->mask = s->ring ? n - 1 : 0;
	s->no_ring = !s->ring;
	s->next = 0; /* nothing known: logsync_restart at the first use */
}

/* Checkpoints from p on: its prefix CRC is that of nothing, 0. */
static void logsync_restart(struct logsync *s, size_t p)
{
	s->base = p;
	s->ring[0] = 0;
	s->next = 1;
}

/* The CRC of buf[base..i), base <= i <= len, its block's checkpoint
 * still in the ring or ahead of it. */
static uint32_t logsync_prefix(struct logsync *s, size_t i)
{
	size_t k = (i - s->base) / BLOCK;

	for (; s->next <= k; s->next++) {
		size_t j = s->next - 1;
		s->ring[s->next & s->mask] =
			codec_crc32_fast(s->ring[j & s->mask],
					 s->buf + s->base + j * BLOCK, BLOCK);
	}
	return codec_crc32_fast(s->ring[k & s->mask],
				s->buf + s->base + k * BLOCK,
				(i - s->base) % BLOCK);
}

/* The CRC of buf[p..q). */
static uint32_t logsync_crc(struct logsync *s, size_t p, size_t q)
{
	uint32_t cq;

	if (q - p <= DIRECT_MAX || !s->mask)
		return codec_crc32_fast(0, s->buf + p, q - p);
	/* p's checkpoint must be in the ring, or the next to be made. */
	if (!s->next || p < s->base ||
	    (p - s->base) / BLOCK >= s->next ||
	    (p - s->base) / BLOCK + s->mask + 1 < s->next)
		logsync_restart(s, p);
	cq = logsync_prefix(s, q); /* first: it may move the ring on */
	return cq ^ codec_crc32_shift(logsync_prefix(s, p), q - p);
}

/* Whether a whole record starts at p (R1, R3). */
static int logsync_whole(struct logsync *s, size_t p)
{
	struct codec_in in = { s->buf + p + 1, s->buf + s->len, 0 };
	uint64_t l = codec_get_varint(&in);
	size_t body, q;

	if (in.bad || l > RT_LOG_MAX_PAYLOAD)
		return 0;
	body = (size_t)(in.p - s->buf);
	if (s->len - body < l + 4)
		return 0;
	q = body + (size_t)l;
	if (q - p > DIRECT_MAX) {
		logsync_ring(s, p);
		if (!s->mask && q - p > NORING_MAX)
			return 0;
	}
	in.p = s->buf + q;
	return codec_get_u32(&in) == logsync_crc(s, p, q);
}

size_t logsync_next(struct logsync *s, size_t from)
{
	for (size_t p = from; p < s->len; p++)
		if (s->known[s->buf[p]] && logsync_whole(s, p))
			return p;
	return s->len;
}
