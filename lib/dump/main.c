/* main.c - rtrack-dump: read logs, print them in the chosen format.  Only
 * arguments and files here; decoding is lib/model/run.c, formats lib/dump/. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dump.h"
#include "fmt.h"
#include "text.h"

#ifndef RTRACK_VERSION
#define RTRACK_VERSION "0"
#endif

/* The formats: one line each; many, what several logs at once give. */
struct format {
	const char *name;
	dump_one_fn *dump;
	dump_many_fn *many;
};

static const struct format formats[] = {
	{ "summary", dump_summary, dump_summary_many },
	{ "processes", dump_processes, dump_processes_many },
	{ "csv", dump_csv, dump_csv_many },
	{ "json", dump_json, dump_json_many },
	{ "html", dump_html, dump_html_many },
	{ "openmetrics", dump_openmetrics, dump_openmetrics_many },
};
#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

/* --help: every option parse_args takes and every format of formats[]
 * (e2e_docs.py checks them against the code and rtrack-dump(1)). */
static const char usage[] =
	"usage: rtrack-dump [--format FMT] [-o FILE] [--label K=V]... [--]\n"
	"                   LOG|DIR...\n"
	"       rtrack-dump --follow [--every N] LOG\n"
	"       rtrack-dump --check LOG|DIR...\n"
	"Decode rtrack logs written by librtrack_preload.so (or the rtrack\n"
	"wrapper); a directory stands for every log in it.\n"
	"  -f, --format FMT  summary (default), processes (the process tree),\n"
	"                    csv (the seed's combined metrics, one row per\n"
	"                    interval), json, openmetrics (samples for\n"
	"                    Prometheus backfill), html (one self-contained\n"
	"                    page: charts, tables)\n"
	"  -o, --output FILE write to FILE instead of standard output\n"
	"      --label K=V   with openmetrics: label K=V on every series\n"
	"                    (repeatable; K a letter or _, then letters,\n"
	"                    digits or _; not __..., nor host, pid, command,\n"
	"                    log, gpu, uuid or bus_id, which rtrack sets)\n"
	"  -F, --follow      watch a running job's log: a line per new\n"
	"                    sample until the job ends (or Ctrl-C)\n"
	"      --every N     with --follow: a line per Nth sample\n"
	"      --check       verify every record of each log: one line each,\n"
	"                    exit 1 when one is damaged (or needs more\n"
	"                    memory to decode than is free)\n"
	"  -h, --help        this text\n"
	"      --version     the version and the log format's version\n"
	"      --            end of the options: what follows are logs\n"
	"Values go as -f csv or --format=csv.\n"
	"Several logs (a job's ranks, runs of one job) give one summary (a\n"
	"row each with its command; the runs' min, mean and max; the total of\n"
	"CPU, bytes and processes), a process tree each, csv rows with host\n"
	"and log columns, a json array, one openmetrics exposition (each\n"
	"log's series told apart by host, pid and command, and by log, the\n"
	"file's name, where those are alike); html: one comparison page.\n"
	"Exit status: 0 shown (a damaged log without its damaged bytes, with a\n"
	"warning); 1 the output failed while being written, or --check found\n"
	"a log not ok; 2 unusable input (missing, not a log, a newer format,\n"
	"not a regular file or a pipe, a directory without a log) or bad\n"
	"arguments (an -o FILE that cannot be created, a --label refused).\n"
	"Examples:\n"
	"  rtrack-dump rtrack-4242.bin\n"
	"  rtrack-dump runs/            (every log in runs/: a row each)\n"
	"  rtrack-dump --format csv -o job.csv rtrack-4242.bin\n"
	"  rtrack-dump --format json rtrack-4242.bin | jq .summary.peak_rss_mib\n"
	"  rtrack-dump --format openmetrics --label team=ml -o runs.om runs/\n"
	"The formats' columns and keys, the exit statuses: rtrack-dump(1).\n";

struct args {
	int follow, check;
	size_t every;         /* --every: 0 not given */
	const struct format *fmt;
	const char *out;
	char **logs;
	int nlogs;
	struct dump_label *labels; /* --label, for openmetrics */
	size_t nlabels;
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

#define EVERY_MAX 1000000

/* --every N: a whole number from 1 to EVERY_MAX into a->every; -1, said
 * in one line, otherwise. */
static int parse_every(const char *v, struct args *a)
{
	const char *end = v ? v + strlen(v) : NULL, *p;
	uint64_t n;

	if (!v || text_parse_u64(v, end, &n, &p) < 0 || p != end || n < 1 ||
	    n > EVERY_MAX) {
		fprintf(stderr, "rtrack-dump: --every takes a whole number of "
			"samples from 1 to %d, not '%s'\n", EVERY_MAX,
			v ? v : "");
		return -1;
	}
	a->every = (size_t)n;
	return 0;
}

/* --label key=value, added to a->labels; -1, said in one line, when
 * dump_label_parse refuses it. */
static int parse_label(const char *v, struct args *a)
{
	char err[256] = "--label takes key=value";

	if (!v || dump_label_parse(v, a->labels, a->nlabels,
				   &a->labels[a->nlabels], err,
				   sizeof err) < 0) {
		/* err may quote a key with a newline or an escape in it */
		fputs("rtrack-dump: ", stderr);
		fmt_text(stderr, err, strlen(err), 0);
		putc('\n', stderr);
		return -1;
	}
	a->nlabels++;
	return 0;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	a->fmt = &formats[0];
	a->logs = calloc((size_t)argc, sizeof(char *));
	a->labels = calloc((size_t)argc, sizeof(*a->labels));
	if (!a->logs || !a->labels)
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
		if (strcmp(arg, "--follow") == 0 || strcmp(arg, "-F") == 0) {
			a->follow = 1;
			continue;
		}
		if (strcmp(arg, "--check") == 0) {
			a->check = 1;
			continue;
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
		} else if (strcmp(arg, "--every") == 0 ||
			   strncmp(arg, "--every=", 8) == 0) {
			if (parse_every(opt_value(argc, argv, &i, arg), a) < 0)
				return -1;
		} else if (strcmp(arg, "--label") == 0 ||
			   strncmp(arg, "--label=", 8) == 0) {
			if (parse_label(opt_value(argc, argv, &i, arg), a) < 0)
				return -1;
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
	if (a->every && !a->follow) {
		fputs("rtrack-dump: --every goes with --follow\n", stderr);
		return -1;
	}
	if (a->nlabels && (a->fmt->dump != dump_openmetrics || a->follow ||
			   a->check)) {
		fputs("rtrack-dump: --label goes with --format openmetrics\n",
		      stderr);
		return -1;
	}
	dump_openmetrics_labels(a->labels, a->nlabels);
	return 0;
}

/* Whether path starts with the log magic. */
static int is_log(const char *path)
{
	char magic[RT_LOG_MAGIC_LEN];
	int fd = open(path, O_RDONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return 0;
	ok = read(fd, magic, sizeof magic) == (ssize_t)sizeof magic &&
	     memcmp(magic, RT_LOG_MAGIC, sizeof magic) == 0;
	close(fd);
	return ok;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The logs to read; every string is the list's own (paths_free). */
struct paths {
	char **v;
	size_t n, cap;
};

/* Append path, which the list then owns. */
static int paths_add(struct paths *p, char *path)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		char **v = realloc(p->v, cap * sizeof(*v));
		if (!v)
			return -1;
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = path;
	return 0;
}

/* Every log in directory dir (files that start with the magic), by name. */
static int paths_dir(struct paths *p, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t first = p->n, dlen = strlen(dir);
	/* "runs/" gives runs/x.bin, not runs//x.bin: the name shown (the
	 * CSV's log column) is the one a user would type */
	const char *sep = dlen && dir[dlen - 1] == '/' ? "" : "/";

	if (!d) {
		fprintf(stderr, "rtrack-dump: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		size_t len = dlen + strlen(e->d_name) + 2;
		char *path = malloc(len);
		struct stat sb;

		if (!path)
			break;
		snprintf(path, len, "%s%s%s", dir, sep, e->d_name);
		if (e->d_name[0] == '.' || stat(path, &sb) < 0 ||
		    !S_ISREG(sb.st_mode) || !is_log(path) ||
		    paths_add(p, path) < 0)
			free(path);
	}
	closedir(d);
	qsort(p->v + first, p->n - first, sizeof(char *), by_name);
	if (p->n == first)
		fprintf(stderr, "rtrack-dump: %s: no rtrack log in it\n", dir);
	return 0;
}

/* The logs named: files as given, directories as every log in them. */
static int paths_expand(struct paths *p, char **args, int nargs)
{
	for (int i = 0; i < nargs; i++) {
		struct stat sb;
		char *copy;

		if (stat(args[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
			if (paths_dir(p, args[i]) < 0)
				return -1;
		} else if (!(copy = strdup(args[i])) || paths_add(p, copy) < 0) {
			free(copy);
			return -1;
		}
	}
	return 0;
}

static void paths_free(struct paths *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
}

/* Decode path into run; 0, or 2 with the reason on stderr. */
static int read_log(const char *path, struct run *run)
{
	const struct rt_log *log = &run->log;
	char err[256];

	if (run_read_file(path, run, err, sizeof(err)) < 0) {
		fprintf(stderr, "rtrack-dump: %s: %s\n", path, err);
		return 2;
	}
	if (log->damaged) {
		char text[1024];

		dump_damage_shown(text, sizeof(text), log);
		fprintf(stderr, "rtrack-dump: %s: %s\n", path, text);
	}
	return 0;
}

/* --check: every log verified, one line each. */
static int check(FILE *out, char **paths, size_t n)
{
	int status = 0;

	for (size_t i = 0; i < n; i++) {
		struct run run;
		char err[256];
		int rc;

		if (run_read_file(paths[i], &run, err, sizeof(err)) < 0) {
			fprintf(out, "%s: UNUSABLE: %s\n", paths[i], err);
			status = 2;
			continue;
		}
		rc = dump_check(out, &run, paths[i]);
		run_free(&run);
		if (rc != 0 && status == 0)
			status = 1;
	}
	return status;
}

/* Decode every log (unusable ones are left out, status 2) and show them:
 * one alone, several through the format's many. */
static int show(FILE *out, const struct format *f, char **paths, size_t n)
{
	struct run *runs = calloc(n ? n : 1, sizeof(*runs));
	const char **names = calloc(n ? n : 1, sizeof(*names));
	size_t ok = 0;
	int status = 0, rc = 0;

	if (!runs || !names) {
		fprintf(stderr, "rtrack-dump: out of memory\n");
		status = 2;
		n = 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (read_log(paths[i], &runs[ok]) != 0) {
			status = 2;
			continue;
		}
		names[ok++] = paths[i];
	}
	if (ok == 1)
		rc = f->dump(out, &runs[0], names[0]);
	else if (ok > 1)
		rc = f->many(out, runs, names, ok);
	if (rc < 0 && !status)
		status = 1;
	for (size_t i = 0; i < ok; i++)
		run_free(&runs[i]);
	free(runs);
	free(names);
	return status;
}

/* The -o file, truncated as fopen's "w" does.  A new one is created 0600,
 * whatever the umask: it holds the job's command lines, as the log does
 * (0600).  An existing one keeps its mode and owner: its owner chose them
 * (a report shared on purpose), and it may be a device (-o /dev/null) that
 * no chmod should touch.  NULL with errno set on failure. */
static FILE *open_output(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *f;

	if (fd < 0)
		return NULL;
	if (!(f = fdopen(fd, "w"))) {
		int e = errno;

		close(fd);
		errno = e;
	}
	return f;
}

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int follow_stop(void)
{
	return interrupted;
}

/* --follow LOG: Ctrl-C ends it cleanly (status 0). */
static int follow(FILE *out, const struct args *a)
{
	struct sigaction sa;
	int rc;

	if (a->nlogs != 1) {
		fprintf(stderr, "rtrack-dump: --follow takes one log\n");
		return 2;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_interrupt;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rc = dump_follow(out, a->logs[0], a->every ? a->every : 1, follow_stop);
	return rc == -2 ? 2 : rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct paths p = { NULL, 0, 0 };
	struct args a;
	FILE *out = stdout;
	int status;

	if (parse_args(argc, argv, &a) < 0)
		return 2;
	if (a.follow)
		return follow(stdout, &a);
	if (paths_expand(&p, a.logs, a.nlogs) < 0)
		return 2;
	if (a.check) {
		status = check(stdout, p.v, p.n);
		goto done;
	}
	if (a.out && !(out = open_output(a.out))) {
		fprintf(stderr, "rtrack-dump: %s: %s\n", a.out, strerror(errno));
		return 2;
	}
	status = show(out, a.fmt, p.v, p.n);
	if (p.n == 0 && status == 0)
		status = 2; /* a directory without a log */
done:
	if (fflush(out) != 0 || (out != stdout && fclose(out) != 0) ||
	    ferror(stdout)) {
		fprintf(stderr, "rtrack-dump: write error: %s\n", strerror(errno));
		status = status ? status : 1;
	}
	paths_free(&p);
	free(a.logs);
	free(a.labels);
	return status;
}
