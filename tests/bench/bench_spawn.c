/* bench_spawn.c - what rtrack adds to starting a process: /bin/true run
 * as a root (a log of its own) and as a descendant (RTRACK_ROOT of a root
 * that exists, an exit record appended), against /bin/true plain and with
 * an empty preloaded library (the floor of LD_PRELOAD itself).  Variants
 * alternate in rounds so a drifting machine hits them alike; each figure
 * is the median over the rounds of the mean time per process, wall and
 * CPU (every thread of the child, from wait4).  A third reference, the
 * empty library creating a file as a root creates its log, shows what the
 * filesystem charges for a new file.  Two more, the floors, make the
 * same system calls as a root and a descendant of rtrack (empty_preload.c)
 * without parsing or encoding anything: what the kernel charges here for
 * the work itself, and so what rtrack adds on top of it.
 *
 * Usage: bench_spawn ROUNDS PER_ROUND PRELOAD EMPTY_PRELOAD DIR */
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { PLAIN, EMPTY, CREATE, ROOT, DESC, PASSIVE, FLOOR_ROOT, FLOOR_DESC,
       NVARIANTS };

static const char *const names[NVARIANTS] = {
	"plain", "empty preload", "+ a new file", "root", "descendant",
	"passive desc.", "floor: root", "floor: desc."
};

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Mean wall time per run of `per` runs of /bin/true with envp; the mean
 * CPU time (user + system, every thread) per run into *cpu. */
static double round_of(int per, char **envp, double *cpu)
{
	char *argv[] = { "/bin/true", NULL };
	double t = now_us(), c = 0;

	for (int i = 0; i < per; i++) {
		struct rusage ru;
		pid_t pid;
		int status;

		if (posix_spawn(&pid, argv[0], NULL, NULL, argv, envp) != 0) {
			perror("posix_spawn");
			exit(1);
		}
		wait4(pid, &status, 0, &ru);
		c += (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
		     (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	}
	*cpu = c / per;
	return (now_us() - t) / per;
}

/* Variant v and its floor f, each as added to plain /bin/true. */
static void vs_floor(const char *what, int v, int f, const double *med,
		     const double *cmed)
{
	double w = med[v] - med[PLAIN], fw = med[f] - med[PLAIN];
	double c = cmed[v] - cmed[PLAIN], fc = cmed[f] - cmed[PLAIN];

	/* A floor at or below plain is noise: no ratio then. */
	printf("%s: %.1f us vs %.1f us over plain (%.2fx); CPU %.1f vs "
	       "%.1f us (%.2fx)\n", what, w, fw, fw > 0 ? w / fw : NAN, c,
	       fc, fc > 0 ? c / fc : NAN);
}

int main(int argc, char **argv)
{
	static char pre[4200], empty[4200], out[4200], root[4300], create[4300],
		floor_root[4300], floor_desc[4300];
	char *envs[NVARIANTS][6] = {
		{ "PATH=/usr/bin:/bin", NULL },
		{ "PATH=/usr/bin:/bin", empty, NULL },
		{ "PATH=/usr/bin:/bin", empty, create, NULL },
		{ "PATH=/usr/bin:/bin", pre, out, "RTRACK_QUIET=1", NULL },
		{ "PATH=/usr/bin:/bin", pre, root, "RTRACK_QUIET=1", NULL },
		{ "PATH=/usr/bin:/bin", pre, root, "RTRACK_QUIET=1",
		  "RTRACK_CHILDREN=0", NULL },
		{ "PATH=/usr/bin:/bin", empty, floor_root, NULL },
		{ "PATH=/usr/bin:/bin", empty, floor_desc, NULL },
	};
	double *t[NVARIANTS], *c[NVARIANTS], med[NVARIANTS], cmed[NVARIANTS];
	double dummy;
	int rounds, per;

	if (argc != 6) {
		fprintf(stderr, "usage: bench_spawn ROUNDS PER_ROUND PRELOAD "
			"EMPTY_PRELOAD DIR\n");
		return 2;
	}
	rounds = atoi(argv[1]);
	per = atoi(argv[2]);
	snprintf(pre, sizeof pre, "LD_PRELOAD=%s", argv[3]);
	snprintf(empty, sizeof empty, "LD_PRELOAD=%s", argv[4]);
	snprintf(out, sizeof out, "RTRACK_OUTPUT=%s/root-%%p.bin", argv[5]);
	snprintf(create, sizeof create, "RTRACK_BENCH_CREATE=%s", argv[5]);
	snprintf(floor_root, sizeof floor_root, "RTRACK_BENCH_FLOOR=root:%s",
		 argv[5]);
	snprintf(floor_desc, sizeof floor_desc,
		 "RTRACK_BENCH_FLOOR=desc:%s/floor-desc.bin", argv[5]);
	/* This process stands for the root: descendants append to its log
	 * (the file exists: an exit record never creates one), which
	 * RTRACK_ROOT names with its device, inode and owner as a root
	 * exports them (rtrack.c root_env), and which starts with the
	 * magic (FORMAT.md F1) that an exit record looks for. */
	{
		char path[4200];
		struct stat sb;
		FILE *f;
		snprintf(path, sizeof path, "%s/floor-desc.bin", argv[5]);
		f = fopen(path, "w");
		if (f)
			fclose(f);
		snprintf(path, sizeof path, "%s/desc.bin", argv[5]);
		f = fopen(path, "w");
		if (f) {
			fwrite("\x89RTRACK\n", 1, 8, f);
			fclose(f);
		}
		if (stat(path, &sb) < 0) {
			perror(path);
			return 1;
		}
		snprintf(root, sizeof root,
			 "RTRACK_ROOT=%d:1:0:0:%llu:%llu:%u:0:0:0:%s",
			 (int)getpid(), (unsigned long long)sb.st_dev,
			 (unsigned long long)sb.st_ino, (unsigned)sb.st_uid, path);
	}
	for (int v = 0; v < NVARIANTS; v++) {
		t[v] = calloc((size_t)rounds, sizeof(double));
		c[v] = calloc((size_t)rounds, sizeof(double));
		round_of(per / 4 + 1, envs[v], &dummy); /* warm-up */
	}
	for (int r = 0; r < rounds; r++)
		for (int v = 0; v < NVARIANTS; v++)
			t[v][r] = round_of(per, envs[v], &c[v][r]);
	for (int v = 0; v < NVARIANTS; v++) {
		qsort(t[v], (size_t)rounds, sizeof(double), cmp_double);
		qsort(c[v], (size_t)rounds, sizeof(double), cmp_double);
		med[v] = t[v][rounds / 2];
		cmed[v] = c[v][rounds / 2];
		printf("%-14s %8.1f us per process, CPU %7.1f us (median of %d "
		       "rounds of %d)\n", names[v], med[v], cmed[v], rounds, per);
	}
	printf("added per root:       %6.1f us (%.1f us over an empty preload); "
	       "CPU %.1f us (%.1f)\n", med[ROOT] - med[PLAIN],
	       med[ROOT] - med[EMPTY], cmed[ROOT] - cmed[PLAIN],
	       cmed[ROOT] - cmed[EMPTY]);
	printf("added per root over an empty preload that creates a file like "
	       "the log: %.1f us; CPU %.1f us\n", med[ROOT] - med[CREATE],
	       cmed[ROOT] - cmed[CREATE]);
	printf("of which the exit record (a descendant with RTRACK_CHILDREN=0 "
	       "writes none): %.1f us; CPU %.1f us\n",
	       med[DESC] - med[PASSIVE], cmed[DESC] - cmed[PASSIVE]);
	printf("added per descendant: %6.1f us (%.1f us over an empty preload); "
	       "CPU %.1f us (%.1f)\n", med[DESC] - med[PLAIN],
	       med[DESC] - med[EMPTY], cmed[DESC] - cmed[PLAIN],
	       cmed[DESC] - cmed[EMPTY]);
	/* Against the floors: each over plain, then rtrack's share. */
	vs_floor("root vs the floor of its system calls", ROOT, FLOOR_ROOT,
		 med, cmed);
	vs_floor("descendant vs the floor", DESC, FLOOR_DESC, med, cmed);
	return 0;
}
