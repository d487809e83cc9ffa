/* codec.h - the byte-level primitives of the log format (lib/format/FORMAT.md
 * section P): little-endian integers, bounded varints, zigzag, bit strings
 * and their Rice code, CRC-32.
 * Shared by the writer and the reader so both follow one definition. */
#ifndef RTRACK_CODEC_H
#define RTRACK_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define CODEC_VARINT_MAX 10 /* bytes of the longest u64 varint (P2) */
#define CODEC_RICE_QMAX 16  /* quotients from here on escape (P6) */

/* Bounded output cursor: a write that does not fit sets `overflow` and
 * writes nothing, so a caller checks once at the end. */
struct codec_out {
	uint8_t *p, *end;
	int overflow;
};

/* Bounded input cursor: a read past `end` sets `bad` and yields 0. */
struct codec_in {
	const uint8_t *p, *end;
	int bad;
};

void codec_put_bytes(struct codec_out *o, const void *src, size_t n);
void codec_put_u16(struct codec_out *o, uint16_t v);
void codec_put_u32(struct codec_out *o, uint32_t v);
void codec_put_varint(struct codec_out *o, uint64_t v);
void codec_put_svarint(struct codec_out *o, int64_t v); /* zigzag, P3 */
/* Length-prefixed string (P4), cut to max bytes. */
void codec_put_str(struct codec_out *o, const char *s, size_t max);

uint16_t codec_get_u16(struct codec_in *in);
uint32_t codec_get_u32(struct codec_in *in);
/* Rejects (sets bad) more than 10 bytes or a value above 2^64-1. */
uint64_t codec_get_varint(struct codec_in *in);
int64_t codec_get_svarint(struct codec_in *in);
/* A field a newer minor version appended (V1): def when the payload ended
 * before it, else as codec_get_varint. */
uint64_t codec_get_varint_or(struct codec_in *in, uint64_t def);
/* String into dst (NUL-terminated); bad when longer than max or past end;
 * a string longer than size-1 but within max is cut. */
void codec_get_str(struct codec_in *in, char *dst, size_t size, size_t max);

/* Bit strings (P5): least significant bit first.  The output cursor
 * writes whole bytes as they fill; codec_bits_end pads the last one with
 * zero bits.  Like codec_out, a write that does not fit sets overflow. */
struct codec_bits_out {
	uint8_t *p, *end;
	uint64_t acc;   /* bits not yet written, the oldest lowest */
	unsigned n;     /* how many */
	int overflow;
};

/* The input cursor: a read past `end` sets bad and yields 0.  acc may
 * hold more than n bits: the input's next bytes, read ahead. */
struct codec_bits_in {
	const uint8_t *p, *end;
	uint64_t acc;   /* bits read ahead, the next lowest */
	unsigned n;     /* how many (below 64) */
	int bad;
};

/* The low nbits (0..64) of v. */
void codec_bits_put(struct codec_bits_out *o, uint64_t v, unsigned nbits);
/* Pad to a whole byte with zero bits and write it. */
void codec_bits_end(struct codec_bits_out *o);

/* The last bytes of the input, one at a time (codec_bits_fill). */
void codec_bits_fill_tail(struct codec_bits_in *in);

/* Read ahead so that at least min(need, 56) bits are held, where the input
 * has them; never more than 63. */
static inline void codec_bits_fill(struct codec_bits_in *in, unsigned need)
{
	if (in->n >= need)
		return;
	if (__builtin_expect(in->end - in->p >= 8, 1)) {
		uint64_t w;
		memcpy(&w, in->p, sizeof(w));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		w = __builtin_bswap64(w);
#endif
		in->acc |= w << in->n;
		in->p += (63 - in->n) >> 3;
		in->n |= 56;
		return;
	}
	codec_bits_fill_tail(in);
}

/* nbits (0..56) bits as a number. */
static inline uint64_t codec_bits_get56(struct codec_bits_in *in,
					unsigned nbits)
{
	uint64_t v;

	codec_bits_fill(in, nbits);
	if (in->n < nbits) {
		in->bad = 1;
		return 0;
	}
	v = in->acc & (((uint64_t)1 << nbits) - 1);
	in->acc >>= nbits;
	in->n -= nbits;
	return v;
}

/* nbits (0..64) bits as a number. */
static inline uint64_t codec_bits_get(struct codec_bits_in *in,
				      unsigned nbits)
{
	uint64_t lo;

	if (nbits <= 56)
		return codec_bits_get56(in, nbits);
	lo = codec_bits_get56(in, 32);
	return lo | codec_bits_get56(in, nbits - 32) << 32;
}

/* Drop the bits left in the current byte (P5 padding). */
static inline void codec_bits_align(struct codec_bits_in *in)
{
	in->acc >>= in->n & 7;
	in->n &= ~7u;
}

/* Whether every bit has been read (the byte-aligned end). */
static inline int codec_bits_done(const struct codec_bits_in *in)
{
	return in->n == 0 && in->p == in->end;
}

/* P6: u with parameter k (0..59) when u >> k < 16; otherwise, and when
 * esc is set, the escape carrying w (w != 0). */
void codec_put_rice(struct codec_bits_out *o, uint64_t u, unsigned k,
		    int esc, uint64_t w);

/* codec_get_rice when the code is not all in hand or is an escape. */
int codec_get_rice_slow(struct codec_bits_in *in, unsigned k, uint64_t *v);

/* P6: returns 0 with *v = u, or 1 with *v = w for an escape; bad on a
 * read past the end. */
static inline int codec_get_rice(struct codec_bits_in *in, unsigned k,
				 uint64_t *v)
{
	unsigned t;

	/* Mostly short codes: a refill every few of them is enough, the
	 * check below sends the rest to the slow path. */
	codec_bits_fill(in, 32);
	t = (unsigned)__builtin_ctzll(in->acc | 1u << CODEC_RICE_QMAX);
	if (__builtin_expect(t < CODEC_RICE_QMAX && t + 1 + k <= in->n, 1)) {
		*v = (uint64_t)t << k |
		     (in->acc >> (t + 1) & (((uint64_t)1 << k) - 1));
		in->acc >>= t + 1 + k;
		in->n -= t + 1 + k;
		return 0;
	}
	return codec_get_rice_slow(in, k, v);
}

static inline uint64_t codec_zigzag(uint64_t v)
{
	return (v << 1) ^ (uint64_t)-(int64_t)(v >> 63);
}

static inline uint64_t codec_unzigzag(uint64_t u)
{
	return (u >> 1) ^ (uint64_t)-(int64_t)(u & 1);
}

/* CRC-32 (IEEE 802.3, reflected 0xEDB88320), continuing from crc; start
 * with 0. */
uint32_t codec_crc32(uint32_t crc, const void *data, size_t n);

/* The same value, about four times faster, for the decoder: its tables
 * are made on the first call, so it is not for concurrent first use (the
 * producer, whose threads write records, uses codec_crc32). */
uint32_t codec_crc32_fast(uint32_t crc, const void *data, size_t n);

/* crc times x^(8n) modulo the polynomial: the CRC of bytes A followed by n
 * bytes B is codec_crc32_shift(crc(A), n) ^ crc(B) (zlib's
 * crc32_combine), so the CRC of any stretch of a buffer follows from two
 * CRCs of its prefixes in constant time.  Tables made on the first call,
 * as codec_crc32_fast. */
uint32_t codec_crc32_shift(uint32_t crc, uint64_t n);

#endif
