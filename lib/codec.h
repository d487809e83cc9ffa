/* codec.h - the byte-level primitives of the log format (lib/FORMAT.md
 * section P): little-endian integers, bounded varints, zigzag, CRC-32.
 * Shared by the writer and the reader so both follow one definition. */
#ifndef RTRACK_CODEC_H
#define RTRACK_CODEC_H

#include <stddef.h>
#include <stdint.h>

#define CODEC_VARINT_MAX 10 /* bytes of the longest u64 varint (P2) */

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

/* CRC-32 (IEEE 802.3, reflected 0xEDB88320), continuing from crc; start
 * with 0. */
uint32_t codec_crc32(uint32_t crc, const void *data, size_t n);

/* The same value, about four times faster, for the decoder: its tables
 * are made on the first call, so it is not for concurrent first use (the
 * producer, whose threads write records, uses codec_crc32). */
uint32_t codec_crc32_fast(uint32_t crc, const void *data, size_t n);

#endif
