/* fmt.h - formatting shared by the rtrack-dump output formats: numbers that
 * ignore the locale and never read NaN, JSON strings that are valid whatever
 * the bytes, human units, UTC times, and the formats' return protocol. */
#ifndef RTRACK_DUMP_FMT_H
#define RTRACK_DUMP_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "stats.h"

#define FMT_NUM_MAX 336 /* fmt_real / fmt_u64 output, NUL included */
#define FMT_HUMAN_MAX 32 /* fmt_bytes / fmt_seconds output, NUL included */
#define FMT_TIME_MAX 32  /* fmt_utc output, NUL included */

/* x rounded to `decimals` (0..9) digits after a '.' (never the locale's
 * separator), no exponent, no "-0".  Returns the length, or 0 with dst ""
 * when x is NaN or infinite. */
size_t fmt_real(char dst[FMT_NUM_MAX], double x, int decimals);

/* Decimal digits of v; returns the length. */
size_t fmt_u64(char dst[FMT_NUM_MAX], uint64_t v);

/* Field f of base as a number into dst (NUL-terminated); the length, 0
 * (dst "") when present is 0 or the value is not finite. */
size_t fmt_field_buf(char dst[FMT_NUM_MAX], const struct stats_field *f,
		     const void *base, int present);

/* Field f of base (a struct stats_row, stats_summary or advice_diag) as a
 * double, its uint64_t fields converted; the caller checks it is present. */
double fmt_field_double(const struct stats_field *f, const void *base);

/* Field f of base (a struct stats_row or stats_summary) as a number, or
 * `absent` when present is 0 or the value is not finite. */
void fmt_field(FILE *out, const struct stats_field *f, const void *base,
	       int present, const char *absent);

/* A JSON number with `decimals` digits, or null when x is not finite. */
void fmt_json_real(FILE *out, double x, int decimals);

/* The first len bytes of s (stopping early at a NUL) as a quoted JSON
 * string: '"', '\\' and control characters escaped, U+2028/U+2029 escaped,
 * and every byte that is not part of valid UTF-8 written as \ufffd. */
void fmt_json_string(FILE *out, const char *s, size_t len);

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when the bytes at s
 * (at most n of them) are not one: overlong, surrogate, past U+10FFFF, cut
 * short, or a stray continuation byte. */
size_t fmt_utf8_len(const unsigned char *s, size_t n);

/* bytes in B, KiB, MiB, GiB or TiB (powers of 1024), e.g. "1.5 GiB";
 * "n/a" when not finite. */
void fmt_bytes(char dst[FMT_HUMAN_MAX], double bytes);

/* seconds as "850 ms", "12.3 s", "4 min 05 s" or "2 h 03 min"; "n/a" when
 * not finite. */
void fmt_seconds(char dst[FMT_HUMAN_MAX], double seconds);

/* ns since the epoch as "2024-05-01T12:00:00Z" (UTC, whole seconds). */
void fmt_utc(char dst[FMT_TIME_MAX], uint64_t ns);

/* The first len bytes of s (stopping at a NUL) for a terminal: control
 * characters and invalid UTF-8 as '?' (a hostile command line cannot
 * drive the terminal), cut to max_cols columns with "..." when longer (0:
 * no limit). */
void fmt_text(FILE *out, const char *s, size_t len, size_t max_cols);

/* Columns fmt_text would take for s without a limit. */
size_t fmt_text_columns(const char *s, size_t len);

/* Columns of the terminal out writes to; 0 when it is not a terminal (no
 * cutting for files and pipes). */
size_t fmt_term_width(FILE *out);

/* Whether to colour: out is a terminal, NO_COLOR is unset or empty, and
 * TERM is not "dumb". */
int fmt_colour(FILE *out);

/* End of a format: flush out and report.  Returns 0, or -1 with errno set
 * (EIO when the stream failed earlier without a lasting errno). */
int fmt_finish(FILE *out);

#endif
