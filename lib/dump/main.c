/* main.c - rtrack-dump: read logs, print them in the chosen format.  Only
 * arguments and files here; decoding is lib/logread.c, formats lib/dump/. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"

#ifndef RTRACK_VERSION
#define RTRACK_VERSION "0"
#endif

enum fmt { FMT_SUMMARY, FMT_CSV, FMT_JSON };

static const char usage[] =
	"usage: rtrack-dump [--format summary|csv|json] [-o FILE] LOG...\n"
	"Decode rtrack logs written by librtrack_preload.so.\n"
	"  -f, --format FMT  summary (default), csv (the seed's combined\n"
	"                    metrics, one row per interval), json\n"
	"  -o, --output FILE write to FILE instead of standard output\n"
	"  -h, --help        this text;  --version  the version\n"
	"Exit status: 0 shown (a damaged log is shown up to the damage, with a\n"
	"warning), 2 unusable input or bad arguments.\n";

struct args {
	enum fmt fmt;
	const char *out;
	char **logs;
	int nlogs;
};

static int parse_format(const char *s, enum fmt *f)
{
	if (strcmp(s, "summary") == 0)
		*f = FMT_SUMMARY;
	else if (strcmp(s, "csv") == 0)
		*f = FMT_CSV;
	else if (strcmp(s, "json") == 0)
		*f = FMT_JSON;
	else
		return -1;
	return 0;
}

/* Option value: "--opt=v", or the next argument. */
static const char *opt_value(int argc, char **argv, int *i, const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (eq && arg[1] == '-')
		return eq + 1;
	return *i + 1 < argc ? argv[++*i] : NULL;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	a->logs = calloc((size_t)argc, sizeof(char *));
	if (!a->logs)
		return -1;
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *v;
		if (strcmp(arg, "--") == 0) {
			while (++i < argc)
				a->logs[a->nlogs++] = argv[i];
			break;
		}
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			fputs(usage, stdout);
			exit(0);
		}
		if (strcmp(arg, "--version") == 0) {
			printf("rtrack-dump %s (log format %d.%d)\n", RTRACK_VERSION,
			       RT_LOG_VERSION_MAJOR, RT_LOG_VERSION_MINOR);
			exit(0);
		}
		if (strcmp(arg, "-f") == 0 || strncmp(arg, "--format", 8) == 0) {
			if (!(v = opt_value(argc, argv, &i, arg)) ||
			    parse_format(v, &a->fmt) < 0) {
				fprintf(stderr, "rtrack-dump: unknown format '%s' "
					"(summary, csv, json)\n", v ? v : "");
				return -1;
			}
		} else if (strcmp(arg, "-o") == 0 || strncmp(arg, "--output", 8) == 0) {
			if (!(a->out = opt_value(argc, argv, &i, arg))) {
				fprintf(stderr, "rtrack-dump: -o needs a file\n");
				return -1;
			}
		} else if (arg[0] == '-' && arg[1]) {
			fprintf(stderr, "rtrack-dump: unknown option '%s'\n", arg);
			return -1;
		} else {
			a->logs[a->nlogs++] = argv[i];
		}
	}
	if (a->nlogs == 0) {
		fputs(usage, stderr);
		return -1;
	}
	if (a->fmt != FMT_SUMMARY && a->nlogs > 1) {
		fprintf(stderr, "rtrack-dump: --format csv and json take one log\n");
		return -1;
	}
	return 0;
}

static int dump_one(FILE *out, const struct args *a, const char *path)
{
	struct rt_log log;
	char err[256];
	int rc;

	if (logread_file(path, &log, err, sizeof(err)) < 0) {
		fprintf(stderr, "rtrack-dump: %s: %s\n", path, err);
		return 2;
	}
	if (log.damaged)
		fprintf(stderr, "rtrack-dump: %s: damaged at offset %llu: %s; "
			"showing the %zu samples before it\n", path,
			(unsigned long long)log.damage_offset, log.damage,
			log.nsamples);
	if (a->fmt == FMT_CSV)
		rc = dump_csv(out, &log);
	else if (a->fmt == FMT_JSON)
		rc = dump_json(out, &log);
	else
		rc = dump_summary(out, &log, path);
	logread_free(&log);
	return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct args a;
	FILE *out = stdout;
	int i, status = 0;

	if (parse_args(argc, argv, &a) < 0)
		return 2;
	if (a.out && !(out = fopen(a.out, "w"))) {
		fprintf(stderr, "rtrack-dump: %s: %s\n", a.out, strerror(errno));
		return 2;
	}
	for (i = 0; i < a.nlogs; i++) {
		int rc;
		if (i > 0 && a.fmt == FMT_SUMMARY)
			fputc('\n', out);
		rc = dump_one(out, &a, a.logs[i]);
		if (rc > status)
			status = rc;
	}
	if (fflush(out) != 0 || (out != stdout && fclose(out) != 0) ||
	    ferror(stdout)) {
		fprintf(stderr, "rtrack-dump: write error: %s\n", strerror(errno));
		status = status ? status : 1;
	}
	free(a.logs);
	return status;
}
