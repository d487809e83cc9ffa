/* fmt.c - locale-independent numbers, JSON strings, human units and UTC
 * times for the rtrack-dump output formats. */
#include "fmt.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <time.h>

#define FMT_MAX_DECIMALS 9

static const uint64_t pow10_u64[FMT_MAX_DECIMALS + 1] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
	1000000000,
};

/* Beyond 2^63 the scaled value no longer fits: print the integer part with
 * "%.0f" (which has no decimal point to localise) and zeros after it. */
static size_t fmt_real_huge(char *dst, double x, int decimals)
{
	int n = snprintf(dst, FMT_NUM_MAX, "%.0f", x);

	if (n < 0 || n + 1 + decimals >= FMT_NUM_MAX) {
		dst[0] = '\0';
		return 0;
	}
	if (decimals > 0) {
		dst[n++] = '.';
		memset(dst + n, '0', (size_t)decimals);
		n += decimals;
		dst[n] = '\0';
	}
	return (size_t)n;
}

/* "00" to "99", two characters each. */
static const char digit_pairs[] =
	"00010203040506070809101112131415161718192021222324252627282930313233"
	"34353637383940414243444546474849505152535455565758596061626364656667"
	"6869707172737475767778798081828384858687888990919293949596979899";

/* How many decimal digits v has: from its bit length (log10(2) is about
 * 1233/4096), corrected by one comparison. */
static size_t count_digits(uint64_t v)
{
	static const uint64_t pow10[20] = {
		1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull,
		10000000ull, 100000000ull, 1000000000ull, 10000000000ull,
		100000000000ull, 1000000000000ull, 10000000000000ull,
		100000000000000ull, 1000000000000000ull,
		10000000000000000ull, 100000000000000000ull,
		1000000000000000000ull, 10000000000000000000ull,
	};
	unsigned bits = 64 - (unsigned)__builtin_clzll(v | 1);
	size_t n = (bits * 1233) >> 12;

	return n + (v >= pow10[n] || v == 0);
}

/* The n digits of v (n = count_digits(v)) at dst, written from the end,
 * four a division: the CSV of a day is 27 million numbers. */
static void put_digits_n(char *dst, uint64_t v, size_t n)
{
	char *p = dst + n;

	while (v >= 10000) {
		unsigned r = (unsigned)(v % 10000);
		v /= 10000;
		p -= 4;
		memcpy(p, digit_pairs + 2 * (r / 100), 2);
		memcpy(p + 2, digit_pairs + 2 * (r % 100), 2);
	}
	if (v >= 100) {
		p -= 2;
		memcpy(p, digit_pairs + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10)
		memcpy(p - 2, digit_pairs + 2 * v, 2);
	else
		p[-1] = (char)('0' + v);
}

/* v / 10^decimals (1..9): a division by a constant is a multiplication,
 * by a variable it is the slowest instruction of the CSV's loop. */
static uint64_t div_pow10(uint64_t v, int decimals)
{
	switch (decimals) {
	case 1: return v / 10;
	case 2: return v / 100;
	case 3: return v / 1000;
	case 4: return v / 10000;
	case 5: return v / 100000;
	case 6: return v / 1000000;
	case 7: return v / 10000000;
	case 8: return v / 100000000;
	default: return v / 1000000000;
	}
}

/* v (< 10^k) as exactly k digits, leading zeros included: the pairs are
 * independent of each other, so they are worked out side by side. */
static void put_fixed(char *dst, uint64_t v, unsigned k)
{
	unsigned lo, hi;

	if (k & 1) {
		dst[0] = (char)('0' + v / pow10_u64[k - 1]);
		v %= pow10_u64[k - 1];
		dst++;
		k--;
	}
	switch (k) {
	case 8:
		hi = (unsigned)(v / 10000);
		lo = (unsigned)(v % 10000);
		memcpy(dst, digit_pairs + 2 * (hi / 100), 2);
		memcpy(dst + 2, digit_pairs + 2 * (hi % 100), 2);
		memcpy(dst + 4, digit_pairs + 2 * (lo / 100), 2);
		memcpy(dst + 6, digit_pairs + 2 * (lo % 100), 2);
		break;
	case 6:
		hi = (unsigned)(v / 10000);
		lo = (unsigned)(v % 10000);
		memcpy(dst, digit_pairs + 2 * hi, 2);
		memcpy(dst + 2, digit_pairs + 2 * (lo / 100), 2);
		memcpy(dst + 4, digit_pairs + 2 * (lo % 100), 2);
		break;
	case 4:
		memcpy(dst, digit_pairs + 2 * (v / 100), 2);
		memcpy(dst + 2, digit_pairs + 2 * (v % 100), 2);
		break;
	case 2:
		memcpy(dst, digit_pairs + 2 * v, 2);
		break;
	}
}

/* Decimal digits of v at dst (no NUL); returns how many.  snprintf's
 * generality is most of the time of a day's CSV. */
static size_t put_digits(char *dst, uint64_t v)
{
	size_t n = count_digits(v);

	put_digits_n(dst, v, n);
	return n;
}

size_t fmt_real(char dst[FMT_NUM_MAX], double x, int decimals)
{
	uint64_t scale, n;
	double scaled;
	int len;

	if (!isfinite(x)) {
		dst[0] = '\0';
		return 0;
	}
	if (decimals < 0)
		decimals = 0;
	if (decimals > FMT_MAX_DECIMALS)
		decimals = FMT_MAX_DECIMALS;
	scale = pow10_u64[decimals];
	scaled = fabs(x) * (double)scale + 0.5;
	if (scaled >= 9223372036854775808.0)
		return fmt_real_huge(dst, x, decimals);
	n = (uint64_t)scaled;
	len = 0;
	if (x < 0 && n)
		dst[len++] = '-';
	if (decimals == 0) {
		len += (int)put_digits(dst + len, n);
	} else {
		uint64_t q = div_pow10(n, decimals);

		len += (int)put_digits(dst + len, q);
		dst[len++] = '.';
		put_fixed(dst + len, n - q * scale, (unsigned)decimals);
		len += decimals;
	}
	dst[len] = '\0';
	return (size_t)len;
}

size_t fmt_u64(char dst[FMT_NUM_MAX], uint64_t v)
{
	size_t len = put_digits(dst, v);

	dst[len] = '\0';
	return len;
}

double fmt_field_double(const struct stats_field *f, const void *base)
{
	const char *p = (const char *)base + f->offset;
	uint64_t u;
	double d;

	if (f->decimals >= 0) {
		memcpy(&d, p, sizeof d);
		return d;
	}
	memcpy(&u, p, sizeof u);
	return (double)u;
}

size_t fmt_field_buf(char dst[FMT_NUM_MAX], const struct stats_field *f,
		     const void *base, int present)
{
	const char *p = (const char *)base + f->offset;

	dst[0] = '\0';
	if (present && f->decimals < 0) {
		uint64_t u;
		memcpy(&u, p, sizeof u);
		return fmt_u64(dst, u);
	}
	if (present) {
		double d;
		memcpy(&d, p, sizeof d);
		return fmt_real(dst, d, f->decimals);
	}
	return 0;
}

void fmt_field(FILE *out, const struct stats_field *f, const void *base,
	       int present, const char *absent)
{
	char buf[FMT_NUM_MAX];

	fputs(fmt_field_buf(buf, f, base, present) ? buf : absent, out);
}

void fmt_json_real(FILE *out, double x, int decimals)
{
	char buf[FMT_NUM_MAX];

	fputs(fmt_real(buf, x, decimals) ? buf : "null", out);
}

size_t fmt_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t len;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xC2) /* continuation byte or overlong 2-byte lead */
		return 0;
	if (s[0] < 0xE0) {
		len = 2;
	} else if (s[0] < 0xF0) {
		len = 3;
		lo = s[0] == 0xE0 ? 0xA0 : lo; /* overlong */
		hi = s[0] == 0xED ? 0x9F : hi; /* surrogates */
	} else if (s[0] < 0xF5) {
		len = 4;
		lo = s[0] == 0xF0 ? 0x90 : lo; /* overlong */
		hi = s[0] == 0xF4 ? 0x8F : hi; /* past U+10FFFF */
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return len;
}

static void json_put_ascii(FILE *out, unsigned char c)
{
	switch (c) {
	case '"': fputs("\\\"", out); break;
	case '\\': fputs("\\\\", out); break;
	case '\b': fputs("\\b", out); break;
	case '\f': fputs("\\f", out); break;
	case '\n': fputs("\\n", out); break;
	case '\r': fputs("\\r", out); break;
	case '\t': fputs("\\t", out); break;
	default:
		if (c < 0x20 || c == 0x7F)
			fprintf(out, "\\u%04x", c);
		else
			putc(c, out);
	}
}

/* U+2028 and U+2029 are valid JSON but end a line in JavaScript: escaped so
 * that the output can be embedded in a <script> (the HTML report). */
static int is_js_line_break(const unsigned char *s, size_t n)
{
	return n == 3 && s[0] == 0xE2 && s[1] == 0x80 &&
	       (s[2] == 0xA8 || s[2] == 0xA9);
}

void fmt_json_string(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	putc('"', out);
	while (i < len && p[i] != '\0') {
		size_t n = fmt_utf8_len(p + i, len - i);

		if (n == 0)
			fputs("\\ufffd", out);
		else if (n == 1)
			json_put_ascii(out, p[i]);
		else if (is_js_line_break(p + i, n))
			fputs(p[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", out);
		else
			fwrite(p + i, 1, n, out);
		i += n ? n : 1;
	}
	putc('"', out);
}

void fmt_bytes(char dst[FMT_HUMAN_MAX], double bytes)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
	const size_t nunits = sizeof units / sizeof units[0];
	char num[FMT_NUM_MAX];
	size_t u = 0;

	if (!isfinite(bytes)) {
		snprintf(dst, FMT_HUMAN_MAX, "n/a");
		return;
	}
	if (fabs(bytes) < 1024) {
		fmt_real(num, bytes, 0);
		snprintf(dst, FMT_HUMAN_MAX, "%.20s B", num);
		return;
	}
	bytes /= 1024;
	while (fabs(bytes) >= 1023.95 && u + 1 < nunits) {
		bytes /= 1024;
		u++;
	}
	fmt_real(num, bytes, 1);
	snprintf(dst, FMT_HUMAN_MAX, "%.20s %s", num, units[u]);
}

void fmt_seconds(char dst[FMT_HUMAN_MAX], double seconds)
{
	char num[FMT_NUM_MAX];
	uint64_t t;

	if (!isfinite(seconds)) {
		snprintf(dst, FMT_HUMAN_MAX, "n/a");
		return;
	}
	if (seconds < 0.9995) {
		fmt_real(num, seconds * 1000, 0);
		snprintf(dst, FMT_HUMAN_MAX, "%.20s ms", num);
		return;
	}
	if (seconds < 59.95) {
		fmt_real(num, seconds, 1);
		snprintf(dst, FMT_HUMAN_MAX, "%.20s s", num);
		return;
	}
	t = seconds < 1e15 ? (uint64_t)(seconds + 0.5) : (uint64_t)1e15;
	if (t < 3600) {
		snprintf(dst, FMT_HUMAN_MAX, "%" PRIu64 " min %02" PRIu64 " s",
			 t / 60, t % 60);
		return;
	}
	t = (t + 30) / 60; /* whole minutes */
	snprintf(dst, FMT_HUMAN_MAX, "%" PRIu64 " h %02" PRIu64 " min", t / 60,
		 t % 60);
}

void fmt_utc(char dst[FMT_TIME_MAX], uint64_t ns)
{
	time_t t = (time_t)(ns / 1000000000u);
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    !strftime(dst, FMT_TIME_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(dst, FMT_TIME_MAX, "n/a");
}

int fmt_finish(FILE *out)
{
	if (fflush(out) != 0)
		return -1;
	if (ferror(out)) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/* 1 when the UTF-8 sequence of n bytes at p is safe to show on a terminal:
 * not a C0 control, DEL, a C1 control (U+0080..U+009F, CSI among them) or
 * a line or paragraph separator (U+2028, U+2029). */
static int text_printable(const unsigned char *p, size_t n)
{
	if (n == 1)
		return p[0] >= 0x20 && p[0] != 0x7F;
	if (n == 2)
		return !(p[0] == 0xC2 && p[1] < 0xA0);
	if (n == 3)
		return !(p[0] == 0xE2 && p[1] == 0x80 &&
			 (p[2] == 0xA8 || p[2] == 0xA9));
	return n == 4;
}

size_t fmt_text_columns(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t cols = 0;

	for (size_t i = 0; i < len && s[i]; cols++) {
		size_t n = fmt_utf8_len(s + i, len - i);
		i += n ? n : 1;
	}
	return cols;
}

void fmt_text(FILE *out, const char *str, size_t len, size_t max_cols)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t cols = fmt_text_columns(str, len);
	int cut = max_cols && cols > max_cols;
	size_t limit = cut ? (max_cols > 3 ? max_cols - 3 : 0) : cols;

	for (size_t i = 0, c = 0; i < len && s[i] && c < limit; c++) {
		size_t n = fmt_utf8_len(s + i, len - i);

		if (text_printable(s + i, n))
			fwrite(s + i, 1, n, out);
		else
			putc('?', out);
		i += n ? n : 1;
	}
	if (cut)
		fputs(max_cols > 3 ? "..." : "", out);
}

size_t fmt_term_width(FILE *out)
{
	struct winsize ws;
	int fd = fileno(out);

	if (fd < 0 || !isatty(fd))
		return 0;
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

int fmt_colour(FILE *out)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");
	int fd = fileno(out);

	/* no-color.org: set and not empty disables colour. */
	if ((no && no[0]) || (term && strcmp(term, "dumb") == 0))
		return 0;
	return fd >= 0 && isatty(fd);
}
