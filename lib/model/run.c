/* run.c - a log decoded: the records read, then the process table built
 * from them (run.h). */
#include "run.h"

#include <string.h>

/* After a read that returned rc: the table, when there are records. */
static int run_build(struct run *run, int rc)
{
	memset(&run->job, 0, sizeof(run->job));
	if (rc < 0)
		return rc;
	if (job_build(&run->log, &run->job) < 0)
		logread_note_damage(&run->log, "out of memory");
	return rc;
}

int run_read_buf(const uint8_t *buf, size_t len, struct run *run, char *err,
		 size_t errlen)
{
	return run_build(run, logread_buf(buf, len, &run->log, err, errlen));
}

int run_read_buf_budget(const uint8_t *buf, size_t len, size_t budget,
			struct run *run, char *err, size_t errlen)
{
	return run_build(run, logread_buf_budget(buf, len, budget, &run->log,
						 err, errlen));
}

int run_read_file(const char *path, struct run *run, char *err,
		  size_t errlen)
{
	return run_build(run, logread_file(path, &run->log, err, errlen));
}

int run_read_file_budget(const char *path, size_t budget, struct run *run,
			 char *err, size_t errlen)
{
	return run_build(run, logread_file_budget(path, budget, &run->log, err,
						  errlen));
}

void run_free(struct run *run)
{
	job_free(&run->job);
	logread_free(&run->log);
}
