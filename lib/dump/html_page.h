/* html_page.h - what both HTML pages of rtrack-dump share (the report of
 * one run, html.c, and the comparison of several, html_compare.c): the
 * page's frame with its inlined styles and scripts, text escaping, and the
 * data <script> through which the page's script (report.js) receives the
 * runs' series as JSON.
 *
 * Text from a log is hostile.  It reaches the page HTML-escaped
 * (html_text), or as a JSON string inside the data script, where every '<'
 * is written \u003c so that nothing can end the script or open a comment;
 * the page's script puts it into the DOM as text, never as markup. */
#ifndef RTRACK_DUMP_HTML_PAGE_H
#define RTRACK_DUMP_HTML_PAGE_H

#include <stdio.h>

#include "run.h"
#include "stats.h"

/* The first len bytes of str (to a NUL) as HTML text, safe in an element
 * or a quoted attribute: invalid UTF-8 and control characters become
 * U+FFFD, so that the page stays valid UTF-8 whatever the log holds. */
void html_text(FILE *out, const char *str, size_t len);

/* A fixed-size char array of a log, which may lack its NUL. */
void html_str(FILE *out, const char *s, size_t size);

/* The doctype, the Content-Security-Policy that forbids every fetch, the
 * styles and the error catcher (page errors go to
 * body[data-rtrack-errors], where a test reads them); title as text. */
void html_page_begin(FILE *out, const char *title, size_t title_size);

/* The scripts (uPlot with its license, report.js) and the page's end. */
void html_page_end(FILE *out);

/* Opens the data script: returns a stream whose bytes go to out with every
 * '<' escaped, or NULL (errno set).  html_data_close ends the script. */
FILE *html_data_open(FILE *out);
void html_data_close(FILE *js, FILE *out);

/* The badge class of a job's end (job_end_get): "ok" (exit code 0), "bad"
 * (another code, a signal), "unknown" (no end record, an unknown status). */
struct job_end;
const char *html_end_class(const struct job_end *e);

/* How a chart series reads its column of stats_row. */
enum html_how {
	HTML_LEVEL,     /* as it is */
	HTML_RATE,      /* per second of its interval: bytes become B/s */
	HTML_CPU_SHARE, /* a CPU-seconds column as its share of the row's
			 * process_cpu_usage, so that user and system stack
			 * to the cores the other formats say (which an
			 * exit record's CPU landing in a short interval
			 * cannot push past the machine's CPUs) */
};

/* One chart series: column col read as how says, times scale. */
struct html_col {
	enum stats_col col;
	enum html_how how;
	double scale;
	int decimals;
};

/* Whether any row of run has a value for c. */
int html_col_measured(const struct run *run, const struct html_col *c);

/* "x": seconds from the start of tracking to each row's end, null where a
 * row has no time. */
void html_data_x(FILE *js, const struct run *run);

/* The values of c, a JSON array, null where a row has none.  Past 20,000
 * rows, where it fits, the compact form {"enc": "...", "dec": D} instead
 * (html_page.c; report.js's column() reads it): a third of the size. */
void html_data_col(FILE *js, const struct run *run, const struct html_col *c);

#endif
