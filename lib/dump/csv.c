/* csv.c - rtrack-dump --format csv: a header line with the seed's combined
 * metrics columns (DESIGN.md, in contract order), then one line per
 * interval; an unavailable value is an empty cell. */
#include "dump.h"

#include <string.h>

#include "fmt.h"

/* With several logs a last column `host` tells the rows apart (the root's
 * pid is process_pid already); DESIGN.md lets columns follow, never
 * precede, the contract's. */
static void csv_header(FILE *out, int tagged)
{
	for (unsigned i = 0; i < STATS_ROW_NFIELDS; i++) {
		if (i)
			putc(',', out);
		fputs(stats_row_fields[i].name, out);
	}
	fputs(tagged ? ",host\n" : "\n", out);
}

/* A host name as a CSV field: quoted, quotes doubled, control bytes and
 * invalid UTF-8 as in the terminal formats. */
static void csv_text(FILE *out, const char *s, size_t len)
{
	size_t n = strnlen(s, len);
	const char *q;

	putc('"', out);
	while ((q = memchr(s, '"', n))) {
		fmt_text(out, s, (size_t)(q - s), 0);
		fputs("\"\"", out);
		n -= (size_t)(q - s) + 1;
		s = q + 1;
	}
	fmt_text(out, s, n, 0);
	putc('"', out);
}

static void csv_rows(FILE *out, const struct rt_log *log, int tagged)
{
	size_t nrows = stats_nrows(log);
	struct stats_row r;

	/* A row is put together in one buffer and written at once. */
	char line[STATS_ROW_NFIELDS * FMT_NUM_MAX];

	for (size_t i = 0; i < nrows && !ferror(out); i++) {
		size_t len = 0;

		stats_row(log, i, &r);
		for (unsigned k = 0; k < STATS_ROW_NFIELDS; k++) {
			if (k)
				line[len++] = ',';
			len += fmt_field_buf(line + len, &stats_row_fields[k],
					     &r, (r.present & STATS_BIT(k)) != 0);
		}
		fwrite(line, 1, len, out);
		if (tagged) {
			putc(',', out);
			csv_text(out, log->hdr.host, sizeof log->hdr.host);
		}
		putc('\n', out);
	}
}

int dump_csv(FILE *out, const struct rt_log *log)
{
	csv_header(out, 0);
	csv_rows(out, log, 0);
	return fmt_finish(out);
}

int dump_csv_many(FILE *out, const struct rt_log *logs,
		  const char *const *names, size_t n)
{
	(void)names;
	csv_header(out, 1);
	for (size_t i = 0; i < n; i++)
		csv_rows(out, &logs[i], 1);
	return fmt_finish(out);
}
