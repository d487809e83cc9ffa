/* main.c - the rtrack wrapper: `rtrack [options] -- command` runs the
 * command with librtrack_preload.so as its parent, waits for it as GNU
 * time does (wait4), completes its log with what that wait saw (a REAPED
 * record, lib/format/FORMAT.md W: the exact exit status and the CPU of images
 * the library cannot enter), prints the log's summary on stderr, and
 * exits with the command's status (rtrack(1): scripts/man/rtrack.1).
 *
 * The wrapper's settings reach the command alone: it builds the command's
 * environment and leaves its own as it is, and its helpers (rtrack-dump)
 * run without the library and without any RTRACK_* variable, so that
 * inside a tracked job it writes no log of its own.  It is linked
 * statically where the C library allows (lib/CMakeLists.txt), so that an
 * LD_PRELOAD of the library in its environment never loads into it.
 *
 * Signals sent to the wrapper reach the command once (relay.h), and the
 * wrapper outlives it to write the REAPED record.
 *
 * Exit status: the command's; 128+N for a command killed by signal N, or
 * that signal raised again after the summary when the wrapper got it too;
 * 125 rtrack's own failures; 126/127 a command that could not be run. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "cgroup.h"
#include "command.h"
#include "config.h"
#include "joblog.h"
#include "log.h"
#include "relay.h"
#include "spawn.h"
#include "text.h"

#define EXIT_RTRACK 125 /* rtrack itself failed */
#define EXIT_NO_PID 2   /* --pid: no such process, or not readable */
#define LIB_NAME "librtrack_preload.so"
#define DEFAULT_OUTPUT "rtrack-%p.bin"

struct wrap_opts {
	const char *interval, *log, *html; /* NULL or "": not given */
	const char *pid, *duration;         /* --pid, --duration */
	int quiet, version, system;
	char **argv;                        /* the command */
};

/* Where the parts are. */
struct wrap_parts {
	char self[PATH_MAX], lib[PATH_MAX], dump[PATH_MAX];
};

static const char usage_line[] =
	"usage: rtrack [-i SECONDS] [-o LOG] [--html FILE] [-q] [--] "
	"command [args...]\n"
	"       rtrack --pid PID [-i SECONDS] [-o LOG] [--html FILE] [-q]\n"
	"       rtrack --system [-i SECONDS] [-o LOG] [--html FILE] [-q]\n"
	"              (--duration SECONDS | [--] command [args...])\n";

/* --help: every option wrap_parse takes, the RTRACK_* variables
 * config.c reads (but the test-only one) and the exit statuses, as
 * rtrack(1) gives them (e2e_docs.py checks the three agree). */
static const char help_text[] =
	"Run command with librtrack_preload.so, which records the CPU, memory,\n"
	"disk, network and GPU of the command and all its descendants into a\n"
	"log; at its end print the log's summary on stderr, like time(1).\n"
	"\n"
	"Options:\n"
	"  -i, --interval SECONDS  sample every SECONDS, 0.001 to 86400 (default 1;\n"
	"                          sets RTRACK_INTERVAL)\n"
	"  -o, --output LOG        write the log to LOG: %p pid, %h host, %t start\n"
	"                          time, %% a percent sign (default rtrack-%p.bin;\n"
	"                          sets RTRACK_OUTPUT); never overwrites a file\n"
	"      --html FILE         also write a self-contained HTML report to FILE\n"
	"      --pid PID           follow a running process and its descendants\n"
	"                          from outside until it ends or Ctrl-C (no\n"
	"                          library: figures from the attach on, no exit\n"
	"                          records, exit status unknown)\n"
	"      --system            the machine alone, for --duration SECONDS or\n"
	"                          while command runs (untracked)\n"
	"      --duration SECONDS  how long --system samples\n"
	"  -q, --quiet             no summary, no line from the library (sets\n"
	"                          RTRACK_QUIET=1); rtrack's own errors still show\n"
	"  -h, --help              this text\n"
	"      --version           the version and the log format's version\n"
	"      --                  end of the options: what follows is the command\n"
	"Values go as -i 0.5 or --interval=0.5; the first word that is not an\n"
	"option starts the command.\n"
	"\n"
	"Environment, default in parentheses (the command inherits it):\n"
	"  RTRACK_OUTPUT    the log's path, escapes as -o (default rtrack-%p.bin\n"
	"                   in the working directory)\n"
	"  RTRACK_INTERVAL  sampling interval in seconds, 0.001 to 86400 (1)\n"
	"  RTRACK_CHILDREN  0: track the command's first process alone (1)\n"
	"  RTRACK_SYSTEM    0: no system-wide CPU, memory, disk, network (1)\n"
	"  RTRACK_MEMORY    pss or rss: how process memory is counted (pss)\n"
	"  RTRACK_GPU       auto or off: read NVIDIA and DRM GPUs or not (auto)\n"
	"  RTRACK_QUIET     1: no line from the library on stderr (0)\n"
	"  RTRACK_DISABLE   1: the library stands aside, no log (0)\n"
	"A malformed value: one warning, and the command runs untracked.\n"
	"\n"
	"Exit status: the command's (128+N when signal N killed it); 125 rtrack's\n"
	"own failure (a bad option or value, refused before the command runs;\n"
	"the log exists); 126 the command cannot be executed; 127 not found.\n"
	"--pid: 0 once the log is complete (the process ended, or Ctrl-C); 2 when\n"
	"the process does not exist or its /proc files cannot be read.\n"
	"\n"
	"Examples:\n"
	"  rtrack -i 0.1 -- sh -c 'seq 3000000 | sort -n | tail -1'\n"
	"  rtrack -q -o 'train-%h-%t.bin' --html train.html -- python3 train.py\n"
	"  rtrack --pid 4242 -i 5 -o service.bin\n"
	"  rtrack --system --duration 60\n"
	"\n"
	"The log: rtrack-dump(1).  Everything above in full: rtrack(1).\n";

__attribute__((noreturn, format(printf, 1, 2)))
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("rtrack: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_RTRACK);
}

__attribute__((noreturn)) static void bad_usage(void)
{
	fputs(usage_line, stderr);
	fputs("rtrack --help: the options, the RTRACK_* variables, examples\n",
	      stderr);
	exit(EXIT_RTRACK);
}

static int given(const char *s)
{
	return s && *s;
}

/* -x VALUE, --long VALUE or --long=VALUE at argv[*i] into *out; 0 when
 * argv[*i] is none of them. */
static int wrap_value(int argc, char **argv, int *i, const char *s,
		      const char *l, const char **out)
{
	const char *a = argv[*i];
	size_t n = strlen(l);

	if ((s && strcmp(a, s) == 0) || strcmp(a, l) == 0) {
		if (*i + 1 >= argc)
			bad_usage();
		*out = argv[++*i];
		return 1;
	}
	if (strncmp(a, l, n) == 0 && a[n] == '=') {
		*out = a + n + 1;
		return 1;
	}
	return 0;
}

/* The options, as the shell wrapper read them: the first word that is
 * not one starts the command. */
static void wrap_parse(int argc, char **argv, struct wrap_opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (wrap_value(argc, argv, &i, "-i", "--interval", &o->interval) ||
		    wrap_value(argc, argv, &i, "-o", "--output", &o->log) ||
		    wrap_value(argc, argv, &i, NULL, "--html", &o->html) ||
		    wrap_value(argc, argv, &i, NULL, "--pid", &o->pid) ||
		    wrap_value(argc, argv, &i, NULL, "--duration", &o->duration))
			continue;
		if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			o->quiet = 1;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage_line, stdout);
			fputs(help_text, stdout);
			exit(0);
		} else if (strcmp(a, "--version") == 0) {
			o->version = 1;
		} else if (strcmp(a, "--system") == 0) {
			o->system = 1;
		} else if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else if (a[0] == '-') {
			fprintf(stderr, "rtrack: unknown option '%s'\n", a);
			bad_usage();
		} else {
			break;
		}
	}
	o->argv = argv + i;
	if (o->version)
		return;
	/* --pid alone; --system with a duration or a command; a command
	 * else. */
	if (o->pid ? o->system || o->duration || o->argv[0] :
	    o->system ? !o->duration == !o->argv[0] :
			o->duration || !o->argv[0])
		bad_usage();
}

/* dir/name into dst when it is a regular file (and executable with
 * exec); 0 when it is. */
static int wrap_part(char *dst, const char *dir, const char *name, int exec)
{
	struct stat sb;

	if ((size_t)snprintf(dst, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX ||
	    stat(dst, &sb) != 0 || !S_ISREG(sb.st_mode))
		return -1;
	return !exec || access(dst, X_OK) == 0 ? 0 : -1;
}

/* path cut to its directory, in place ("/x" to "/"). */
static void wrap_dirname(char *path)
{
	char *slash = strrchr(path, '/');

	if (slash && slash != path)
		*slash = '\0';
	else if (slash)
		slash[1] = '\0';
}

/* The parts, from where this program really is: next to it in a build
 * tree (build/rtrack, build/rtrack-dump, build/librtrack_preload.so);
 * installed as PREFIX/bin/rtrack, PREFIX/bin/rtrack-dump and
 * PREFIX/lib/rtrack/ (or PREFIX/lib/) librtrack_preload.so. */
static void wrap_find_parts(struct wrap_parts *p)
{
	char here[PATH_MAX], top[PATH_MAX], dir[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", p->self, sizeof(p->self) - 1);

	if (n <= 0)
		die("cannot find this program (/proc/self/exe: %s)",
		    strerror(errno));
	p->self[n] = '\0';
	memcpy(here, p->self, (size_t)n + 1);
	wrap_dirname(here);
	memcpy(top, here, sizeof top);
	wrap_dirname(top);
	snprintf(dir, sizeof dir, "%s/lib/rtrack", top);
	if (wrap_part(p->lib, here, LIB_NAME, 0) < 0 &&
	    wrap_part(p->lib, dir, LIB_NAME, 0) < 0) {
		snprintf(dir, sizeof dir, "%s/lib", top);
		if (wrap_part(p->lib, dir, LIB_NAME, 0) < 0)
			die("no " LIB_NAME " in %s/lib/rtrack or %s/lib", top,
			    top);
	}
	if (wrap_part(p->dump, here, "rtrack-dump", 1) < 0)
		die("no rtrack-dump next to %s", p->self);
	/* ld.so splits LD_PRELOAD at spaces and colons. */
	if (strpbrk(p->lib, " \t\n:"))
		die("LD_PRELOAD cannot hold '%s' (a space or colon in the "
		    "path); install rtrack elsewhere", p->lib);
}

/* t with "./" before its last component: the same file under another
 * name, so that the library, which tells a nested run by an RTRACK_OUTPUT
 * other than its job's, takes the command for the root of a run of its
 * own. */
static const char *wrap_distinct(const char *t, char *buf, size_t size)
{
	const char *slash = strrchr(t, '/');
	int dir = slash ? (int)(slash - t + 1) : 0;

	if ((size_t)snprintf(buf, size, "%.*s./%s", dir, t, t + dir) >= size)
		return t;
	return buf;
}

/* The log's template and what the command's RTRACK_OUTPUT becomes (NULL:
 * inherited).  Inside a tracked job (RTRACK_ROOT set) the RTRACK_OUTPUT
 * this program inherited is the outer job's: the run then has its own,
 * -o or the default, which the outer job's descendants do not share. */
static const char *wrap_template(const struct wrap_opts *o,
				 const char **job_output, char *buf,
				 size_t size)
{
	const char *env = getenv("RTRACK_OUTPUT"), *root = getenv("RTRACK_ROOT");
	const char *t;

	*job_output = NULL;
	if (!given(o->log) && !given(root))
		return given(env) ? env : DEFAULT_OUTPUT;
	t = given(o->log) ? o->log : DEFAULT_OUTPUT;
	if (given(root) && env && strcmp(env, t) == 0)
		t = wrap_distinct(t, buf, size);
	*job_output = t;
	return t;
}

/* The library never overwrites a log: with a fixed name, say so before
 * the job runs rather than after it ran untracked. */
static void wrap_check_existing(const char *tmpl, const char *host)
{
	char path[CONFIG_PATH_MAX];

	if (strstr(tmpl, "%p") || strstr(tmpl, "%t") ||
	    config_expand_output(tmpl, 0, host, 0, path, sizeof path) < 0 ||
	    access(path, F_OK) != 0)
		return;
	die("%s exists (a log is never overwritten): choose another -o",
	    path);
}

/* The file an option names: not "", in a directory this user can create
 * files in ("." for a bare name).  path is value expanded. */
static void wrap_check_file(const char *opt, const char *value,
			    const char *path)
{
	char dir[CONFIG_PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct stat sb;

	if (!*value)
		die("%s '': an empty file name", opt);
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else
		snprintf(dir, sizeof dir, "%.*s",
			 (int)(slash - path) + (slash == path), path);
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		die("%s '%s': no directory %s", opt, value, dir);
	if (access(dir, W_OK | X_OK) != 0)
		die("%s '%s': cannot create files in %s: %s", opt, value, dir,
		    strerror(errno));
}

/* What the library (or rtrack-dump) would refuse only once the command
 * runs, and then run it untracked or lose the report: refused before it
 * starts, with config.c's own parsers and bounds. */
static void wrap_check_opts(const struct wrap_opts *o, const char *host)
{
	char path[CONFIG_PATH_MAX] = "";
	uint64_t ns;

	if (o->interval && config_parse_seconds(o->interval, &ns) < 0)
		die("-i '%s': not a number of seconds from 0.001 to 86400",
		    o->interval);
	if (given(o->log) && config_expand_output(o->log, 0, host, 0, path,
						  sizeof path) < 0)
		die("-o '%s': not a log name (escapes: %%p %%h %%t %%%%)",
		    o->log);
	if (o->log)
		wrap_check_file("-o", o->log, path);
	if (o->html)
		wrap_check_file("--html", o->html, o->html);
}

static time_t wrap_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

/* The command's end as a shell reports it. */
static int wrap_status(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_RTRACK;
}

static uint64_t wrap_us(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000u + (uint64_t)tv->tv_usec;
}

static int wrap_in_job_none(const void *ctx, int32_t pid)
{
	(void)ctx;
	(void)pid;
	return 0;
}

/* The out-of-memory kills counted in this process's cgroup (the job's:
 * the command is its child), through the sampler's own cgroup reader;
 * -1 where the kernel offers no count.  Read before the command runs and
 * after it is reaped: the job's samples end before a kill of the root,
 * and cgroup v1 counts the kill only after it. */
static int64_t wrap_oom_kills(void)
{
	static struct cgroup_job cg;
	struct rt_sample s;

	memset(&s, 0, sizeof s);
	cgroup_init(&cg, 0);
	if (cgroup_find(&cg, "/proc", "/sys", (int32_t)getpid()) < 0)
		return -1;
	cgroup_sample(&cg, "/proc", 0, wrap_in_job_none, NULL, &s);
	cgroup_close(&cg);
	return sample_has(&s, RT_F_cg_oom_kills) ? (int64_t)s.cg_oom_kills : -1;
}

/* FORMAT.md W: what the wait saw, appended to the log; oom: the job's
 * cgroup counted an out-of-memory kill meanwhile. */
static void wrap_reaped(const char *log, const struct stat *st,
			const struct spawn_result *r, int oom)
{
	struct rt_reaped rec;
	int rc;

	memset(&rec, 0, sizeof rec);
	rec.time_ns = r->reaped_ns;
	rec.pid = (uint32_t)r->pid;
	rec.exit_kind = WIFSIGNALED(r->status) ? RT_EXIT_SIGNAL : RT_EXIT_CODE;
	rec.exit_value = WIFSIGNALED(r->status) ? WTERMSIG(r->status) :
						   WEXITSTATUS(r->status);
	rec.utime_us = wrap_us(&r->ru.ru_utime);
	rec.stime_us = wrap_us(&r->ru.ru_stime);
	rec.maxrss_kib = (uint64_t)r->ru.ru_maxrss;
	rec.flags = (WIFSIGNALED(r->status) && WCOREDUMP(r->status) ?
			     RT_REAPED_F_CORE :
			     0) |
		    (oom ? RT_REAPED_F_OOM : 0);
	memcpy(rec.comm, r->comm, sizeof rec.comm);
	/* A log past RLIMIT_FSIZE is full, not a reason to die. */
	signal(SIGXFSZ, SIG_IGN);
	rc = joblog_append_reaped(log, st, &rec);
	if (rc < 0)
		fprintf(stderr, "rtrack: %s: cannot add the exit status: %s\n",
			log, strerror(-rc));
}

/* The summary on stderr, and the HTML report, by rtrack-dump. */
static void wrap_outputs(const struct wrap_opts *o,
			 const struct wrap_parts *p, const char *log,
			 char **env)
{
	char *sum[] = { (char *)p->dump, "--", (char *)log, NULL };
	char *html[] = { (char *)p->dump, "--format", "html", "-o",
			 (char *)o->html, "--", (char *)log, NULL };
	int null, rc;

	if (!o->quiet) {
		fputc('\n', stderr);
		spawn_helper(p->dump, sum, env, STDERR_FILENO);
	}
	if (!given(o->html))
		return;
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	rc = spawn_helper(p->dump, html, env, null);
	if (null >= 0)
		close(null);
	if (rc < 0 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0)
		fputs("rtrack: no HTML report: rtrack-dump --format html "
		      "failed\n", stderr);
}

/* Whether path is this program (the same file as /proc/self/exe). */
static int wrap_is_self(const char *path)
{
	struct stat a, b;

	return stat(path, &a) == 0 && stat("/proc/self/exe", &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* No log: quiet where the library stood aside on request, the command
 * never ran (126, 127: said why) or is rtrack itself (rtrack -- rtrack:
 * the inner one writes the log and says what it has to); else say why,
 * where the command's file tells (a static or set-user-ID program does
 * not load the library). */
static void wrap_no_log(const struct wrap_opts *o, const char *command,
			int rc)
{
	const char *off = getenv("RTRACK_DISABLE"), *why;

	if (!(off && strcmp(off, "1") == 0) && rc != 126 && rc != 127 &&
	    !wrap_is_self(command)) {
		why = command_unenterable(command);
		if (why)
			fprintf(stderr, "rtrack: no log from this run: %s is %s, "
				"which the library cannot enter\n", command, why);
		else
			fprintf(stderr, "rtrack: no log from this run (%s)\n",
				o->quiet ? "run without -q to see why" :
					   "see the rtrack: line above");
	}
	if (given(o->html))
		fputs("rtrack: no HTML report: no log\n", stderr);
}

static const char *wrap_getenv(const char *name, void *ctx)
{
	(void)ctx;
	return getenv(name);
}

/* The settings of an outside run: the RTRACK_* variables as the library
 * reads them, -i (wrap_check_opts checked it) over RTRACK_INTERVAL. */
static void wrap_outside_config(const struct wrap_opts *o, struct rt_config *rc)
{
	char err[160];

	if (config_parse(rc, wrap_getenv, NULL, err, sizeof err) < 0)
		die("%s", err);
	if (given(o->interval))
		(void)config_parse_seconds(o->interval, &rc->interval_ns);
}

/* --system -- command: the machine sampled by a child of rtrack while the
 * command runs (relayed signals, as any command); the command's status. */
static int wrap_system_command(const struct wrap_opts *o,
			       const struct wrap_parts *p,
			       struct attach_cfg *ac)
{
	struct spawn_result res;
	char err[CONFIG_PATH_MAX + 64], **env;
	pid_t sampler;
	int st, rc;

	ac->stop_signal = SIGUSR1;
	sampler = fork();
	if (sampler < 0)
		die("fork: %s", strerror(errno));
	if (sampler == 0) {
		/* Ctrl-C is the command's to act on; the parent says when. */
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
		prctl(PR_SET_PDEATHSIG, SIGUSR1);
		if (attach_run(ac, err, sizeof err) < 0) {
			fprintf(stderr, "rtrack: %s\n", err);
			_exit(1);
		}
		_exit(0);
	}
	if (!(env = spawn_helper_env(p->lib)))
		die("out of memory");
	relay_setup();
	rc = spawn_job_run(o->argv, env, &res);
	kill(sampler, SIGUSR1);
	while (waitpid(sampler, &st, 0) < 0 && errno == EINTR)
		;
	if (rc < 0)
		die("cannot run %s: %s", o->argv[0], strerror(-rc));
	if (res.exec_errno)
		fprintf(stderr, "rtrack: %s: cannot execute: %s\n", o->argv[0],
			strerror(res.exec_errno));
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		wrap_outputs(o, p, ac->log, env);
	spawn_env_free(env);
	relay_reraise(res.status);
	return wrap_status(res.status);
}

/* rtrack --pid PID, rtrack --system: attach.h. */
static int wrap_outside(const struct wrap_opts *o, const struct wrap_parts *p,
			const char *host)
{
	char log[CONFIG_PATH_MAX], cmd[RT_STR_MAX], err[CONFIG_PATH_MAX + 64];
	const char *env_out = getenv("RTRACK_OUTPUT");
	const char *tmpl = given(o->log) ? o->log :
			   given(env_out) ? env_out : DEFAULT_OUTPUT;
	struct attach_cfg ac = { 0 };
	struct rt_config rc;
	uint64_t dur = 0;
	char **env, *end = NULL;
	long pid = 0;
	int ret;

	wrap_check_opts(o, host); /* -i, -o and --html as for a command */
	wrap_outside_config(o, &rc);
	if (o->pid) {
		errno = 0;
		pid = strtol(o->pid, &end, 10);
		if (errno || end == o->pid || *end || pid <= 0 || pid > INT32_MAX)
			die("--pid '%s': not a process id", o->pid);
	}
	if (o->duration && config_parse_seconds(o->duration, &dur) < 0)
		die("--duration '%s': not a number of seconds from 0.001 to "
		    "86400", o->duration);
	if (pid && (ret = attach_check((int32_t)pid)) < 0) {
		fprintf(stderr, ret == -ESRCH ? "rtrack: --pid %ld: no such "
						"process\n" :
			"rtrack: --pid %ld: cannot read its /proc files (another "
			"user's process: run as that user or as root)\n", pid);
		return EXIT_NO_PID;
	}
	if (config_expand_output(tmpl, pid ? (int32_t)pid : (int32_t)getpid(),
				 host, (uint64_t)wrap_now_s(), log,
				 sizeof log) < 0)
		die("-o '%s': not a log name (escapes: %%p %%h %%t %%%%)", tmpl);
	wrap_check_file("-o", tmpl, log);
	ac.pid = (int32_t)pid;
	ac.log = log;
	ac.rc = &rc;
	ac.duration_ns = dur;
	if (o->system) {
		char *at = cmd, *cend = cmd + sizeof cmd;
		at = text_append(at, cend, "(the machine", SIZE_MAX);
		for (char **a = o->argv; *a; a++) {
			at = text_append(at, cend, a == o->argv ? ", while " : " ",
					 SIZE_MAX);
			at = text_append(at, cend, *a, SIZE_MAX);
		}
		text_append(at, cend, ")", SIZE_MAX);
		ac.cmdline = cmd;
		if (o->argv[0])
			return wrap_system_command(o, p, &ac);
	}
	if (attach_run(&ac, err, sizeof err) < 0)
		die("%s", err);
	if (!(env = spawn_helper_env(p->lib)))
		die("out of memory");
	wrap_outputs(o, p, log, env);
	spawn_env_free(env);
	return 0;
}

int main(int argc, char **argv)
{
	char command[PATH_MAX], alt[CONFIG_PATH_MAX], log[CONFIG_PATH_MAX];
	struct spawn_job job = { NULL, NULL, NULL, 0 };
	struct joblog_where where;
	struct spawn_result res;
	struct wrap_parts parts;
	struct wrap_opts o;
	struct utsname u;
	struct stat st;
	int64_t oom_before, oom_after;
	char **env;
	int rc;

	wrap_parse(argc, argv, &o);
	if (o.version) {
		printf("rtrack %s (log format %d.%d)\n", RTRACK_VERSION,
		       RT_LOG_VERSION_MAJOR, RT_LOG_VERSION_MINOR);
		return 0;
	}
	wrap_find_parts(&parts);
	if (uname(&u) < 0)
		die("uname: %s", strerror(errno));
	if (o.pid || o.system)
		return wrap_outside(&o, &parts, u.nodename);
	where.tmpl = wrap_template(&o, &job.output, alt, sizeof alt);
	where.host = u.nodename;
	wrap_check_opts(&o, where.host);
	wrap_check_existing(where.tmpl, where.host);
	/* Not found: say so as a shell would, before anything runs. */
	if ((rc = command_find(o.argv[0], command, sizeof command)) < 0) {
		fprintf(stderr, "rtrack: %s: %s\n", o.argv[0],
			rc == -EACCES ? "cannot execute: Permission denied" :
					"command not found");
		return rc == -EACCES ? 126 : 127;
	}
	job.lib = parts.lib;
	job.interval = given(o.interval) ? o.interval : NULL;
	job.quiet = o.quiet;
	if (!(env = spawn_job_env(&job)))
		die("out of memory");
	relay_setup();
	oom_before = wrap_oom_kills();
	where.start_s = wrap_now_s();
	if ((rc = spawn_job_run(o.argv, env, &res)) < 0)
		die("cannot run %s: %s", o.argv[0], strerror(-rc));
	where.end_s = wrap_now_s();
	oom_after = oom_before < 0 ? -1 : wrap_oom_kills();
	spawn_env_free(env);
	if (res.exec_errno)
		fprintf(stderr, "rtrack: %s: cannot execute: %s\n", o.argv[0],
			strerror(res.exec_errno));
	rc = wrap_status(res.status);
	where.pid = res.pid;
	env = spawn_helper_env(parts.lib);
	if (!res.exec_errno &&
	    joblog_find(&where, log, sizeof log, &st) == 0) {
		wrap_reaped(log, &st, &res, oom_after > oom_before);
		if (env)
			wrap_outputs(&o, &parts, log, env);
	} else {
		wrap_no_log(&o, command, rc);
	}
	spawn_env_free(env);
	relay_reraise(res.status);
	return rc;
}
