/* run.h - a log decoded: its records (logread.h) and the processes built
 * from them (job.h), what the statistics and the formats read.  Reading
 * the records and building the table are two steps; this is the one place
 * that takes both. */
#ifndef RTRACK_RUN_H
#define RTRACK_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "job.h"
#include "logread.h"

struct run {
	struct rt_log log; /* the records */
	struct job job;    /* every process, merged from them */
};

/* As logread_buf, logread_buf_budget, logread_file and
 * logread_file_budget (the same arguments, return values and reasons in
 * err), then the process table built from the records.  Without memory
 * for the table the records are kept, the table is empty and the log
 * says "out of memory" where it has no other damage.  On 0 the caller
 * owns run and frees it with run_free; on failure there is nothing to
 * free. */
int run_read_buf(const uint8_t *buf, size_t len, struct run *run, char *err,
		 size_t errlen);
int run_read_buf_budget(const uint8_t *buf, size_t len, size_t budget,
			struct run *run, char *err, size_t errlen);
int run_read_file(const char *path, struct run *run, char *err,
		  size_t errlen);
int run_read_file_budget(const char *path, size_t budget, struct run *run,
			 char *err, size_t errlen);

/* Frees the records and the table; run is then empty. */
void run_free(struct run *run);

#endif
