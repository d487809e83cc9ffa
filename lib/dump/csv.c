/* csv.c - rtrack-dump --format csv: a header line with the seed's combined
 * metrics columns (DESIGN.md, in contract order), then one line per
 * interval; an unavailable value is an empty cell. */
#include "dump.h"

#include "fmt.h"

static void csv_header(FILE *out)
{
	for (unsigned i = 0; i < STATS_ROW_NFIELDS; i++) {
		if (i)
			putc(',', out);
		fputs(stats_row_fields[i].name, out);
	}
	putc('\n', out);
}

static void csv_row(FILE *out, const struct stats_row *r)
{
	for (unsigned i = 0; i < STATS_ROW_NFIELDS; i++) {
		if (i)
			putc(',', out);
		fmt_field(out, &stats_row_fields[i], r,
			  (r->present & STATS_BIT(i)) != 0, "");
	}
	putc('\n', out);
}

int dump_csv(FILE *out, const struct rt_log *log)
{
	size_t nrows = stats_nrows(log);
	struct stats_row r;

	csv_header(out);
	for (size_t i = 0; i < nrows && !ferror(out); i++) {
		stats_row(log, i, &r);
		csv_row(out, &r);
	}
	return fmt_finish(out);
}
