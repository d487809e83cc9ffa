/* csv.c - rtrack-dump --format csv: a header line with the seed's combined
 * metrics columns (DESIGN.md, in contract order), then one line per
 * interval; an unavailable value is an empty cell. */
#include "dump.h"

#include <string.h>

#include "fmt.h"

/* With several logs two last columns tell the rows apart: `host` (the
 * root's pid is process_pid already) and `log`, the file each row came
 * from, for runs whose host and pid are alike.  DESIGN.md lets columns
 * follow, never precede, the contract's. */
static void csv_header(FILE *out, int tagged)
{
	for (unsigned i = 0; i < STATS_ROW_NFIELDS; i++) {
		if (i)
			putc(',', out);
		fputs(stats_row_fields[i].name, out);
	}
	fputs(tagged ? ",host,log\n" : "\n", out);
}

/* A host or file name as a CSV field: quoted, quotes doubled, control bytes and
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

/* Rows are put together in one large block and written with one fwrite
 * each time it fills: per-row stdio calls cost more than the numbers. */
#define CSV_ROW_MAX (STATS_ROW_NFIELDS * FMT_NUM_MAX)
#define CSV_BLOCK (256 * 1024)

static char csv_block[CSV_BLOCK + CSV_ROW_MAX + 32];

/* Where each column's last text is: a value that did not change since the
 * row before (most columns of a real job: the pid, memory and disk totals,
 * idle counters) is copied from that row, not formatted again.  The copy
 * reads a row written a while ago, never bytes just stored one by one (a
 * wide load of those waits for them). */
struct csv_cell {
	uint64_t raw; /* the value's bytes */
	size_t off;   /* its text in csv_block */
	size_t len;   /* 0: none */
};

static struct csv_cell csv_cells[STATS_ROW_NFIELDS];

/* The row r at csv_block + at, without the line end; returns its length.
 * csv_block has room for 32 bytes past the row. */
static size_t csv_row(size_t at, const struct stats_row *r)
{
	char *dst = csv_block + at;
	size_t len = 0;

	for (unsigned k = 0; k < STATS_ROW_NFIELDS; k++) {
		const struct stats_field *f = &stats_row_fields[k];
		struct csv_cell *c = &csv_cells[k];
		uint64_t raw;
		size_t n;

		if (k)
			dst[len++] = ',';
		if (!(r->present & STATS_BIT(k)))
			continue;
		memcpy(&raw, (const char *)r + f->offset, sizeof raw);
		if (c->len && c->raw == raw) {
			memmove(dst + len, csv_block + c->off, 32);
			n = c->len;
		} else {
			n = fmt_field_buf(dst + len, f, r, 1);
			c->raw = raw;
			c->len = n <= 32 ? n : 0;
		}
		c->off = at + len;
		len += n;
	}
	return len;
}

/* The rows of run; name, the file it came from, tags each row after its
 * host (NULL: no tags). */
static void csv_rows(FILE *out, const struct run *run, const char *name)
{
	const struct rt_log *log = &run->log;
	size_t nrows = stats_nrows(log), used = 0;
	struct stats_row r;

	memset(csv_cells, 0, sizeof csv_cells);

	for (size_t i = 0; i < nrows && !ferror(out); i++) {
		stats_row(run, i, &r);
		used += csv_row(used, &r);
		if (name) {
			fwrite(csv_block, 1, used, out);
			used = 0;
			memset(csv_cells, 0, sizeof csv_cells);
			putc(',', out);
			csv_text(out, log->hdr.host, sizeof log->hdr.host);
			putc(',', out);
			csv_text(out, name, strlen(name));
			putc('\n', out);
			continue;
		}
		csv_block[used++] = '\n';
		if (used >= CSV_BLOCK) {
			fwrite(csv_block, 1, used, out);
			used = 0;
			memset(csv_cells, 0, sizeof csv_cells);
		}
	}
	fwrite(csv_block, 1, used, out);
}

int dump_csv(FILE *out, const struct run *run, const char *name)
{
	(void)name;
	csv_header(out, 0);
	csv_rows(out, run, NULL);
	return fmt_finish(out);
}

int dump_csv_many(FILE *out, const struct run *runs,
		  const char *const *names, size_t n)
{
	csv_header(out, 1);
	for (size_t i = 0; i < n; i++)
		csv_rows(out, &runs[i], names[i]);
	return fmt_finish(out);
}
