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

/* The formats: one line each.  name is the log's file name. */
struct format {
	const char *name;
	int (*dump)(FILE *out, const struct rt_log *log, const char *name);
	int many;  /* takes several logs at once */
};

static int fmt_summary(FILE *out, const struct rt_log *log, const char *name)
{
	return dump_summary(out, log, name);
}

static int fmt_csv(FILE *out, const struct rt_log *log, const char *name)
{
	(void)name;
	return dump_csv(out, log);
}

static int fmt_json(FILE *out, const struct rt_log *log, const char *name)
{
	(void)name;
	return dump_json(out, log);
}

static int fmt_processes(FILE *out, const struct rt_log *log,
			 const char *name)
{
	(void)name;
	return dump_processes(out, log);
}

static const struct format formats[] = {
	{ "summary", fmt_summary, 1 },
	{ "processes", fmt_processes, 1 },
	{ "csv", fmt_csv, 0 },
	{ "json", fmt_json, 0 },
};
#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

static const char usage[] =
	"usage: rtrack-dump [--format summary|csv|json] [-o FILE] LOG...\n"
	"Decode rtrack logs written by librtrack_preload.so.\n"
	"  -f, --format FMT  summary (default), processes (the process tree),\n"
	"                    csv (the seed's combined metrics, one row per\n"
	"                    interval), json\n"
	"  -o, --output FILE write to FILE instead of standard output\n"
	"  -h, --help        this text;  --version  the version\n"
	"Exit status: 0 shown (a damaged log is shown up to the damage, with a\n"
	"warning), 2 unusable input or bad arguments.\n";

struct args {
	const struct format *fmt;
	const char *out;
	char **logs;
	int nlogs;
};

static int parse_format(const char *s, const struct format **f)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (strcmp(s, formats[i].name) == 0) {
			*f = &formats[i];
			return 0;
		}
	return -1;
}

/* "summary, csv, json" for messages. */
static void format_names(char *dst, size_t size)
{
	size_t n = 0;

	dst[0] = '\0';
	for (size_t i = 0; i < NFORMATS && n < size; i++)
		n += (size_t)snprintf(dst + n, size - n, "%s%s", i ? ", " : "",
				      formats[i].name);
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
	a->fmt = &formats[0];
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
				char names[256];
				format_names(names, sizeof(names));
				fprintf(stderr, "rtrack-dump: unknown format '%s' "
					"(%s)\n", v ? v : "", names);
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
	if (!a->fmt->many && a->nlogs > 1) {
		fprintf(stderr, "rtrack-dump: --format %s takes one log\n",
			a->fmt->name);
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
	rc = a->fmt->dump(out, &log, path);
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
		if (i > 0 && a.fmt->many)
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
