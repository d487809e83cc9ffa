/* dump.h - the output formats of rtrack-dump, each a function from a
 * decoded log (lib/logread.h) to a stream.  They return 0, or -1 when
 * writing failed (errno set). */
#ifndef RTRACK_DUMP_H
#define RTRACK_DUMP_H

#include <stdio.h>

#include "../logread.h"

int dump_summary(FILE *out, const struct rt_log *log, const char *name);
int dump_csv(FILE *out, const struct rt_log *log);
int dump_json(FILE *out, const struct rt_log *log);
int dump_processes(FILE *out, const struct rt_log *log);

#endif
