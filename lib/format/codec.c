/* codec.c - little-endian integers, varints, zigzag, bit strings and CRC-32
 * for the log. */
#include "codec.h"

#include <string.h>

void codec_put_bytes(struct codec_out *o, const void *src, size_t n)
{
	if (o->overflow || (size_t)(o->end - o->p) < n) {
		o->overflow = 1;
		return;
	}
	if (n)
		memcpy(o->p, src, n);
	o->p += n;
}

void codec_put_u16(struct codec_out *o, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	codec_put_bytes(o, b, 2);
}

void codec_put_u32(struct codec_out *o, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };
	codec_put_bytes(o, b, 4);
}

void codec_put_varint(struct codec_out *o, uint64_t v)
{
	uint8_t b[CODEC_VARINT_MAX];
	size_t n = 0;

	while (v >= 0x80) {
		b[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b[n++] = (uint8_t)v;
	codec_put_bytes(o, b, n);
}

void codec_put_svarint(struct codec_out *o, int64_t v)
{
	/* P3: 0,-1,1,-2,... -> 0,1,2,3,...; the shift is done unsigned. */
	uint64_t u = (uint64_t)v;
	codec_put_varint(o, (u << 1) ^ (uint64_t)-(int64_t)(u >> 63));
}

void codec_put_str(struct codec_out *o, const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	codec_put_varint(o, n);
	codec_put_bytes(o, s, n);
}

static int codec_need(struct codec_in *in, size_t n)
{
	if (in->bad || (size_t)(in->end - in->p) < n) {
		in->bad = 1;
		return 0;
	}
	return 1;
}

uint16_t codec_get_u16(struct codec_in *in)
{
	uint16_t v;
	if (!codec_need(in, 2))
		return 0;
	v = (uint16_t)(in->p[0] | in->p[1] << 8);
	in->p += 2;
	return v;
}

uint32_t codec_get_u32(struct codec_in *in)
{
	uint32_t v;
	if (!codec_need(in, 4))
		return 0;
	v = (uint32_t)in->p[0] | (uint32_t)in->p[1] << 8 |
	    (uint32_t)in->p[2] << 16 | (uint32_t)in->p[3] << 24;
	in->p += 4;
	return v;
}

uint64_t codec_get_varint(struct codec_in *in)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < CODEC_VARINT_MAX; i++) {
		uint8_t b;
		if (!codec_need(in, 1))
			return 0;
		b = *in->p++;
		/* The 10th byte carries bit 63 only (P2). */
		if (i == CODEC_VARINT_MAX - 1 && b > 1)
			break;
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80))
			return v;
	}
	in->bad = 1;
	return 0;
}

uint64_t codec_get_varint_or(struct codec_in *in, uint64_t def)
{
	return in->p < in->end ? codec_get_varint(in) : def;
}

int64_t codec_get_svarint(struct codec_in *in)
{
	uint64_t u = codec_get_varint(in);
	return (int64_t)((u >> 1) ^ (uint64_t)-(int64_t)(u & 1));
}

void codec_get_str(struct codec_in *in, char *dst, size_t size, size_t max)
{
	uint64_t n = codec_get_varint(in);
	size_t keep;

	dst[0] = '\0';
	if (in->bad || n > max || !codec_need(in, (size_t)n)) {
		in->bad = 1;
		return;
	}
	keep = (size_t)n < size - 1 ? (size_t)n : size - 1;
	memcpy(dst, in->p, keep);
	dst[keep] = '\0';
	in->p += n;
}

void codec_bits_put(struct codec_bits_out *o, uint64_t v, unsigned nbits)
{
	if (nbits > 32) {
		codec_bits_put(o, v & 0xffffffffu, 32);
		v >>= 32;
		nbits -= 32;
	}
	if (nbits < 64)
		v &= ((uint64_t)1 << nbits) - 1;
	o->acc |= v << o->n;
	o->n += nbits;
	while (o->n >= 8) {
		if (o->p < o->end)
			*o->p++ = (uint8_t)o->acc;
		else
			o->overflow = 1;
		o->acc >>= 8;
		o->n -= 8;
	}
}

void codec_bits_end(struct codec_bits_out *o)
{
	if (o->n)
		codec_bits_put(o, 0, 8 - o->n);
}

void codec_bits_fill_tail(struct codec_bits_in *in)
{
	while (in->n <= 55 && in->p < in->end) { /* n stays below 64 */
		in->acc |= (uint64_t)*in->p++ << in->n;
		in->n += 8;
	}
}

int codec_get_rice_slow(struct codec_bits_in *in, unsigned k, uint64_t *v)
{
	unsigned lim, t;

	codec_bits_fill(in, 56);
	lim = in->n < CODEC_RICE_QMAX ? in->n : CODEC_RICE_QMAX;
	t = (unsigned)__builtin_ctzll(in->acc | 1u << CODEC_RICE_QMAX);

	if (t < lim) {
		in->acc >>= t + 1;
		in->n -= t + 1;
		*v = (uint64_t)t << k | codec_bits_get(in, k);
		return 0;
	}
	if (lim < CODEC_RICE_QMAX) { /* the input ended first */
		in->bad = 1;
		*v = 0;
		return 0;
	}
	in->acc >>= CODEC_RICE_QMAX;
	in->n -= CODEC_RICE_QMAX;
	*v = codec_bits_get(in, (unsigned)codec_bits_get56(in, 6) + 1);
	return 1;
}

void codec_put_rice(struct codec_bits_out *o, uint64_t u, unsigned k,
		    int esc, uint64_t w)
{
	if (!esc && u >> k < CODEC_RICE_QMAX) {
		unsigned q = (unsigned)(u >> k);
		codec_bits_put(o, (uint64_t)1 << q, q + 1);
		codec_bits_put(o, u, k);
		return;
	}
	/* The escape: QMAX zeros, the bit length less one, the bits. */
	unsigned len = 64 - (unsigned)__builtin_clzll(w);
	codec_bits_put(o, 0, CODEC_RICE_QMAX);
	codec_bits_put(o, len - 1, 6);
	codec_bits_put(o, w, len);
}

static const uint32_t crc_table[256] = {
	0x00000000u, 0x77073096u, 0xee0e612cu, 0x990951bau, 0x076dc419u, 0x706af48fu,
	0xe963a535u, 0x9e6495a3u, 0x0edb8832u, 0x79dcb8a4u, 0xe0d5e91eu, 0x97d2d988u,
	0x09b64c2bu, 0x7eb17cbdu, 0xe7b82d07u, 0x90bf1d91u, 0x1db71064u, 0x6ab020f2u,
	0xf3b97148u, 0x84be41deu, 0x1adad47du, 0x6ddde4ebu, 0xf4d4b551u, 0x83d385c7u,
	0x136c9856u, 0x646ba8c0u, 0xfd62f97au, 0x8a65c9ecu, 0x14015c4fu, 0x63066cd9u,
	0xfa0f3d63u, 0x8d080df5u, 0x3b6e20c8u, 0x4c69105eu, 0xd56041e4u, 0xa2677172u,
	0x3c03e4d1u, 0x4b04d447u, 0xd20d85fdu, 0xa50ab56bu, 0x35b5a8fau, 0x42b2986cu,
	0xdbbbc9d6u, 0xacbcf940u, 0x32d86ce3u, 0x45df5c75u, 0xdcd60dcfu, 0xabd13d59u,
	0x26d930acu, 0x51de003au, 0xc8d75180u, 0xbfd06116u, 0x21b4f4b5u, 0x56b3c423u,
	0xcfba9599u, 0xb8bda50fu, 0x2802b89eu, 0x5f058808u, 0xc60cd9b2u, 0xb10be924u,
	0x2f6f7c87u, 0x58684c11u, 0xc1611dabu, 0xb6662d3du, 0x76dc4190u, 0x01db7106u,
	0x98d220bcu, 0xefd5102au, 0x71b18589u, 0x06b6b51fu, 0x9fbfe4a5u, 0xe8b8d433u,
	0x7807c9a2u, 0x0f00f934u, 0x9609a88eu, 0xe10e9818u, 0x7f6a0dbbu, 0x086d3d2du,
	0x91646c97u, 0xe6635c01u, 0x6b6b51f4u, 0x1c6c6162u, 0x856530d8u, 0xf262004eu,
	0x6c0695edu, 0x1b01a57bu, 0x8208f4c1u, 0xf50fc457u, 0x65b0d9c6u, 0x12b7e950u,
	0x8bbeb8eau, 0xfcb9887cu, 0x62dd1ddfu, 0x15da2d49u, 0x8cd37cf3u, 0xfbd44c65u,
	0x4db26158u, 0x3ab551ceu, 0xa3bc0074u, 0xd4bb30e2u, 0x4adfa541u, 0x3dd895d7u,
	0xa4d1c46du, 0xd3d6f4fbu, 0x4369e96au, 0x346ed9fcu, 0xad678846u, 0xda60b8d0u,
	0x44042d73u, 0x33031de5u, 0xaa0a4c5fu, 0xdd0d7cc9u, 0x5005713cu, 0x270241aau,
	0xbe0b1010u, 0xc90c2086u, 0x5768b525u, 0x206f85b3u, 0xb966d409u, 0xce61e49fu,
	0x5edef90eu, 0x29d9c998u, 0xb0d09822u, 0xc7d7a8b4u, 0x59b33d17u, 0x2eb40d81u,
	0xb7bd5c3bu, 0xc0ba6cadu, 0xedb88320u, 0x9abfb3b6u, 0x03b6e20cu, 0x74b1d29au,
	0xead54739u, 0x9dd277afu, 0x04db2615u, 0x73dc1683u, 0xe3630b12u, 0x94643b84u,
	0x0d6d6a3eu, 0x7a6a5aa8u, 0xe40ecf0bu, 0x9309ff9du, 0x0a00ae27u, 0x7d079eb1u,
	0xf00f9344u, 0x8708a3d2u, 0x1e01f268u, 0x6906c2feu, 0xf762575du, 0x806567cbu,
	0x196c3671u, 0x6e6b06e7u, 0xfed41b76u, 0x89d32be0u, 0x10da7a5au, 0x67dd4accu,
	0xf9b9df6fu, 0x8ebeeff9u, 0x17b7be43u, 0x60b08ed5u, 0xd6d6a3e8u, 0xa1d1937eu,
	0x38d8c2c4u, 0x4fdff252u, 0xd1bb67f1u, 0xa6bc5767u, 0x3fb506ddu, 0x48b2364bu,
	0xd80d2bdau, 0xaf0a1b4cu, 0x36034af6u, 0x41047a60u, 0xdf60efc3u, 0xa867df55u,
	0x316e8eefu, 0x4669be79u, 0xcb61b38cu, 0xbc66831au, 0x256fd2a0u, 0x5268e236u,
	0xcc0c7795u, 0xbb0b4703u, 0x220216b9u, 0x5505262fu, 0xc5ba3bbeu, 0xb2bd0b28u,
	0x2bb45a92u, 0x5cb36a04u, 0xc2d7ffa7u, 0xb5d0cf31u, 0x2cd99e8bu, 0x5bdeae1du,
	0x9b64c2b0u, 0xec63f226u, 0x756aa39cu, 0x026d930au, 0x9c0906a9u, 0xeb0e363fu,
	0x72076785u, 0x05005713u, 0x95bf4a82u, 0xe2b87a14u, 0x7bb12baeu, 0x0cb61b38u,
	0x92d28e9bu, 0xe5d5be0du, 0x7cdcefb7u, 0x0bdbdf21u, 0x86d3d2d4u, 0xf1d4e242u,
	0x68ddb3f8u, 0x1fda836eu, 0x81be16cdu, 0xf6b9265bu, 0x6fb077e1u, 0x18b74777u,
	0x88085ae6u, 0xff0f6a70u, 0x66063bcau, 0x11010b5cu, 0x8f659effu, 0xf862ae69u,
	0x616bffd3u, 0x166ccf45u, 0xa00ae278u, 0xd70dd2eeu, 0x4e048354u, 0x3903b3c2u,
	0xa7672661u, 0xd06016f7u, 0x4969474du, 0x3e6e77dbu, 0xaed16a4au, 0xd9d65adcu,
	0x40df0b66u, 0x37d83bf0u, 0xa9bcae53u, 0xdebb9ec5u, 0x47b2cf7fu, 0x30b5ffe9u,
	0xbdbdf21cu, 0xcabac28au, 0x53b39330u, 0x24b4a3a6u, 0xbad03605u, 0xcdd70693u,
	0x54de5729u, 0x23d967bfu, 0xb3667a2eu, 0xc4614ab8u, 0x5d681b02u, 0x2a6f2b94u,
	0xb40bbe37u, 0xc30c8ea1u, 0x5a05df1bu, 0x2d02ef8du,
};

uint32_t codec_crc32(uint32_t crc, const void *data, size_t n)
{
	const uint8_t *p = data;

	crc = ~crc;
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* Slicing by 8 (eight bytes a step through eight derived tables): the
 * decoder's checksum of a day of samples is most of its time otherwise. */
static uint32_t crc_slice[8][256];
static int crc_slice_ready;

static void crc_slice_init(void)
{
	for (int i = 0; i < 256; i++) {
		uint32_t c = crc_table[i];
		crc_slice[0][i] = c;
		for (int k = 1; k < 8; k++) {
			c = crc_table[c & 0xff] ^ (c >> 8);
			crc_slice[k][i] = c;
		}
	}
	crc_slice_ready = 1;
}

uint32_t codec_crc32_fast(uint32_t crc, const void *data, size_t n)
{
	const uint8_t *p = data;

	if (!crc_slice_ready)
		crc_slice_init();
	crc = ~crc;
	for (; n >= 8; n -= 8, p += 8) {
		uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
				     (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
		crc = crc_slice[7][lo & 0xff] ^ crc_slice[6][lo >> 8 & 0xff] ^
		      crc_slice[5][lo >> 16 & 0xff] ^ crc_slice[4][lo >> 24] ^
		      crc_slice[3][p[4]] ^ crc_slice[2][p[5]] ^
		      crc_slice[1][p[6]] ^ crc_slice[0][p[7]];
	}
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* GF(2) polynomials modulo the CRC's, reflected as its register is: bit
 * 31 is x^0, bit 0 x^31. */
#define CRC_POLY 0xedb88320u

static uint32_t crc_mulmod(uint32_t a, uint32_t b)
{
	uint32_t p = 0;

	for (uint32_t m = 1u << 31; m; m >>= 1) {
		if (a & m)
			p ^= b;
		b = b & 1 ? (b >> 1) ^ CRC_POLY : b >> 1;
	}
	return p;
}

/* x^(8 * i * 1024^k) for i < 1024, k < 3: three factors give x^(8n) for
 * any n below 2^30; larger n take a square for each further bit. */
static uint32_t crc_pow[3][1024];
static int crc_pow_ready;

static void crc_pow_init(void)
{
	uint32_t step = 1u << 31; /* x^0 */

	for (int k = 0; k < 3; k++) {
		uint32_t x = 1u << 31;

		for (int i = 0; i < 1024; i++) {
			crc_pow[k][i] = x;
			x = k ? crc_mulmod(x, step)
			      : crc_table[x & 0xff] ^ (x >> 8); /* times x^8 */
		}
		step = x; /* x^(8 * 1024^(k + 1)) */
	}
	crc_pow_ready = 1;
}

uint32_t codec_crc32_shift(uint32_t crc, uint64_t n)
{
	uint32_t big;

	if (!crc_pow_ready)
		crc_pow_init();
	for (int k = 0; k < 3; k++, n >>= 10)
		if (n & 1023)
			crc = crc_mulmod(crc_pow[k][n & 1023], crc);
	if (!n)
		return crc;
	/* Past 2^30 bytes: x^(8 * 2^30) squared for each bit above. */
	big = crc_mulmod(crc_pow[2][1023], crc_pow[2][1]);
	for (; n; n >>= 1, big = crc_mulmod(big, big))
		if (n & 1)
			crc = crc_mulmod(big, crc);
	return crc;
}
