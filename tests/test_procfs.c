/* test_procfs.c - unit tests of lib/procfs: parsers on text captured from
 * Linux 6.18, readers on a fake procroot and on the real /proc. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "procfs.h"
#include "text.h"

#include "scratch.h"

/* ---- captured text ---- */

/* /proc/1/stat: negative nice, a signed field rtrack skips. */
static const char stat_init[] =
	"1 (process_api) S 0 0 0 0 -1 4194560 12098 457720 0 686 29 61 1571 "
	"781 10 -10 11 0 13 35495936 2151 18446744073709551615 1 1 0 0 0 0 0 "
	"4096 1256 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";

static const char stat_python[] =
	"3981 (python3) R 3978 3978 2395 0 -1 4194304 79651 6544 2 0 11 85 5 3 "
	"20 0 1 0 41151 16961536 3363 18446744073709551615 93860174807040 "
	"93860174807381 140728444762576 0 0 0 0 16781312 2 0 0 0 17 1 0 0 0 0 "
	"0 93860174818736 93860174819352 93860906205184 140728444770474 "
	"140728444770517 140728444770517 140728444772303 0\n";

static const char stat_zombie[] =
	"4748 (python3) Z 4707 4705 2395 0 -1 4227148 214 0 0 0 0 0 0 0 20 0 1 "
	"0 47744 0 0 18446744073709551615 0 0 0 0 0 0 0 16781312 2 1 0 0 17 0 "
	"0 0 0 0 0 0 0 0 0 0 0 0 768\n";

/* A python3 that touched 300 MiB and freed it: VmHWM far above VmRSS. */
static const char status_python[] =
	"Name:\tpython3\nUmask:\t0022\nState:\tR (running)\nTgid:\t3981\n"
	"Ngid:\t0\nPid:\t3981\nPPid:\t3978\nTracerPid:\t0\nUid:\t0\t0\t0\t0\n"
	"Gid:\t0\t0\t0\t0\nFDSize:\t256\nGroups:\t \nNStgid:\t3981\n"
	"NSpid:\t3981\nNSpgid:\t3978\nNSsid:\t2395\nKthread:\t0\n"
	"VmPeak:\t  323768 kB\nVmSize:\t   16564 kB\nVmLck:\t       0 kB\n"
	"VmPin:\t       0 kB\nVmHWM:\t  320560 kB\nVmRSS:\t   13524 kB\n"
	"RssAnon:\t    6876 kB\nRssFile:\t    6648 kB\nRssShmem:\t       0 kB\n"
	"VmData:\t    7944 kB\nVmStk:\t     132 kB\nVmExe:\t       4 kB\n"
	"VmLib:\t    4672 kB\nVmPTE:\t      72 kB\nVmSwap:\t       0 kB\n"
	"HugetlbPages:\t       0 kB\nCoreDumping:\t0\nTHP_enabled:\t1\n"
	"untag_mask:\t0xffffffffffffffff\nThreads:\t1\nSigQ:\t0/96364\n"
	"SigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n"
	"SigBlk:\t0000000000000000\nSigIgn:\t0000000001001000\n"
	"SigCgt:\t0000000000000002\nCapInh:\t0000000000000000\n"
	"CapPrm:\t000001fffeffffff\nCapEff:\t000001fffeffffff\n"
	"CapBnd:\t000001fffeffffff\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\n"
	"Seccomp:\t0\nSeccomp_filters:\t0\n"
	"Speculation_Store_Bypass:\tthread vulnerable\n"
	"SpeculationIndirectBranch:\tconditional enabled\nCpus_allowed:\t3\n"
	"Cpus_allowed_list:\t0-1\nMems_allowed:\t00000000,00000000,00000000,"
	"00000000,00000000,00000000,00000000,00000000,00000000,00000000,"
	"00000000,00000000,00000000,00000000,00000000,00000000,00000000,"
	"00000000,00000000,00000000,00000000,00000000,00000000,00000000,"
	"00000000,00000000,00000000,00000000,00000000,00000000,00000000,"
	"00000001\nMems_allowed_list:\t0\nvoluntary_ctxt_switches:\t16\n"
	"nonvoluntary_ctxt_switches:\t9\n";

/* A zombie's status: no Vm* line at all. */
static const char status_zombie[] =
	"Name:\tpython3\nState:\tZ (zombie)\nTgid:\t4748\nNgid:\t0\n"
	"Pid:\t4748\nPPid:\t4707\nTracerPid:\t0\nUid:\t0\t0\t0\t0\n"
	"Gid:\t0\t0\t0\t0\nFDSize:\t0\nGroups:\t \nNStgid:\t4748\n"
	"NSpid:\t4748\nNSpgid:\t4705\nNSsid:\t2395\nKthread:\t0\nThreads:\t1\n"
	"SigQ:\t0/96364\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n"
	"SigBlk:\t0000000000000000\nSigIgn:\t0000000001001000\n"
	"SigCgt:\t0000000000000002\nCapInh:\t0000000000000000\n"
	"CapPrm:\t000001fffeffffff\nCapEff:\t000001fffeffffff\n"
	"CapBnd:\t000001fffeffffff\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\n"
	"Seccomp:\t0\nSeccomp_filters:\t0\nCpus_allowed:\t3\n"
	"Cpus_allowed_list:\t0-1\nMems_allowed_list:\t0\n"
	"voluntary_ctxt_switches:\t1\nnonvoluntary_ctxt_switches:\t0\n";

static const char rollup_python[] =
	"555d8660b000-7ffde4f5e000 ---p 00000000 00:00 0                      "
	"    [rollup]\nRss:               13524 kB\nPss:               12158 kB\n"
	"Pss_Dirty:          6876 kB\nPss_Anon:           6876 kB\n"
	"Pss_File:           5282 kB\nPss_Shmem:             0 kB\n"
	"Shared_Clean:       1688 kB\nShared_Dirty:          0 kB\n"
	"Private_Clean:      4960 kB\nPrivate_Dirty:      6876 kB\n"
	"Referenced:        13524 kB\nAnonymous:          6876 kB\n"
	"KSM:                   0 kB\nLazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\nShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\nShared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\nSwap:                  0 kB\n"
	"SwapPss:               0 kB\nLocked:                0 kB\n";

static const char io_python[] =
	"rchar: 4831893\nwchar: 3147752\nsyscr: 1003\nsyscw: 31\n"
	"read_bytes: 4198400\nwrite_bytes: 3153920\ncancelled_write_bytes: 0\n";

/* ---- helpers ---- */

/* Copy of s[0..len) in a block of exactly len bytes, so that ASan catches
 * a parser that reads at or past its end pointer. */
static char *exact(const char *s, size_t len)
{
	char *p = malloc(len ? len : 1);

	assert_non_null(p);
	memcpy(p, s, len);
	return p;
}

static int parse_stat_n(const char *s, size_t len, struct procfs_stat *st)
{
	char *p = exact(s, len);
	int ret = procfs_parse_stat(p, len, st);

	free(p);
	return ret;
}

static int parse_stat(const char *s, struct procfs_stat *st)
{
	return parse_stat_n(s, strlen(s), st);
}

static void assert_stat_rejected(const char *s)
{
	struct procfs_stat st, before;

	memset(&st, 0xab, sizeof st);
	before = st;
	assert_int_equal(parse_stat(s, &st), -EINVAL);
	assert_memory_equal(&st, &before, sizeof st);
}

static int parse_status(const char *s, struct procfs_status *st)
{
	char *p = exact(s, strlen(s));
	int ret = procfs_parse_status(p, strlen(s), st);

	free(p);
	return ret;
}

static int parse_pss(const char *s, uint64_t *pss)
{
	char *p = exact(s, strlen(s));
	int ret = procfs_parse_rollup_pss(p, strlen(s), pss);

	free(p);
	return ret;
}

static int parse_io(const char *s, uint64_t *r, uint64_t *w)
{
	char *p = exact(s, strlen(s));
	int ret = procfs_parse_io(p, strlen(s), r, w);

	free(p);
	return ret;
}

static int parse_pids(const char *s, int32_t *pids, size_t max, size_t *n)
{
	char *p = exact(s, strlen(s));
	int ret = procfs_parse_pids(p, strlen(s), pids, max, n);

	free(p);
	return ret;
}

static size_t format_cmdline(const char *s, size_t len, char *dst,
			     size_t size)
{
	char *p = exact(s, len);
	size_t ret = procfs_format_cmdline(p, len, dst, size);

	free(p);
	return ret;
}

static int contains(const int32_t *pids, size_t n, int32_t pid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (pids[i] == pid)
			return 1;
	return 0;
}

static void assert_distinct(const int32_t *pids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		assert_false(contains(pids, i, pids[i]));
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ---- fake procroot ---- */

struct fake {
	char root[64];
};

static void put_n(const struct fake *f, const char *rel, const char *s,
		  size_t len)
{
	assert_int_equal(scratch_put_n(f->root, rel, s, len), 0);
}

static void put(const struct fake *f, const char *rel, const char *s)
{
	assert_int_equal(scratch_put(f->root, rel, s), 0);
}

static void put_dir(const struct fake *f, const char *rel)
{
	assert_int_equal(scratch_put(f->root, rel, NULL), 0);
}

/* A live process `pid` made of the captured python3 files. */
static void put_proc(const struct fake *f, int pid)
{
	char rel[64];

	snprintf(rel, sizeof rel, "%d/stat", pid);
	put(f, rel, stat_python);
	snprintf(rel, sizeof rel, "%d/status", pid);
	put(f, rel, status_python);
	snprintf(rel, sizeof rel, "%d/io", pid);
	put(f, rel, io_python);
	snprintf(rel, sizeof rel, "%d/smaps_rollup", pid);
	put(f, rel, rollup_python);
	snprintf(rel, sizeof rel, "%d/schedstat", pid);
	put(f, rel, "1000000000 250000000 977\n");
}

static void remove_file(const struct fake *f, const char *rel)
{
	assert_int_equal(scratch_drop(f->root, rel), 0);
}

/* Mode 0755: test_read_fake_eacces walks the tree as nobody. */
static int fake_setup(void **state)
{
	struct fake *f = calloc(1, sizeof *f);

	if (!f)
		return -1;
	if (scratch_mkdtemp(f->root, sizeof f->root, "rtrack-procfs") < 0) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int fake_teardown(void **state)
{
	struct fake *f = *state;
	int ret = scratch_remove(f->root);

	free(f);
	return ret;
}

/* ---- procfs_parse_stat ---- */

static void test_stat_captured(void **state)
{
	struct procfs_stat st;

	(void)state;
	assert_int_equal(parse_stat(stat_init, &st), 0);
	assert_int_equal(st.pid, 1);
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 0);
	assert_int_equal(st.utime, 29);
	assert_int_equal(st.stime, 61);
	assert_int_equal(st.cutime, 1571);
	assert_int_equal(st.cstime, 781);
	assert_int_equal(st.num_threads, 11);
	assert_int_equal(st.starttime, 13);

	assert_int_equal(parse_stat(stat_python, &st), 0);
	assert_int_equal(st.pid, 3981);
	assert_int_equal(st.state, 'R');
	assert_int_equal(st.ppid, 3978);
	assert_int_equal(st.utime, 11);
	assert_int_equal(st.stime, 85);
	assert_int_equal(st.cutime, 5);
	assert_int_equal(st.cstime, 3);
	assert_int_equal(st.num_threads, 1);
	assert_int_equal(st.starttime, 41151);
	assert_int_equal(st.has_rss, 1);
	assert_int_equal(st.rss_pages, 3363); /* (24) */
	assert_int_equal(st.majflt, 2);       /* (12) */

	assert_int_equal(parse_stat(stat_zombie, &st), 0);
	assert_int_equal(st.state, 'Z');
	assert_int_equal(st.ppid, 4707);
	assert_int_equal(st.starttime, 47744);
	/* (52) exit_code: the wait status, here exit(3). */
	assert_int_equal(st.has_exit_code, 1);
	assert_int_equal(st.exit_code, 768);

	/* An older kernel stops before (52): no exit code, not an error. */
	assert_int_equal(parse_stat("7 (sh) Z 1 1 1 0 -1 0 0 0 0 0 3 4 5 6 20 0 "
				    "1 0 99 0 0\n", &st), 0);
	assert_int_equal(st.starttime, 99);
	assert_int_equal(st.has_exit_code, 0);

	/* Cut after (22): what is there parses; no rss. */
	assert_int_equal(parse_stat("7 (sh) S 1 1 1 0 -1 0 0 0 0 0 3 4 5 6 20 0 "
				    "1 0 99\n", &st), 0);
	assert_int_equal(st.starttime, 99);
	assert_int_equal(st.has_rss, 0);
	/* A malformed rss: no rss, and no exit code read past it. */
	assert_int_equal(parse_stat("7 (sh) Z 1 1 1 0 -1 0 0 0 0 0 3 4 5 6 20 0 "
				    "1 0 99 0 x1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "
				    "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "
				    "0 768\n", &st), 0);
	assert_int_equal(st.has_rss, 0);
	assert_int_equal(st.has_exit_code, 0);
}

static void test_stat_odd_comm(void **state)
{
	struct procfs_stat st;

	(void)state;
	assert_int_equal(parse_stat("42 ((a) (b) c)) S 7 42 42 0 -1 0 0 0 0 0 "
				    "5 6 7 8 20 0 3 0 99 0 0\n", &st), 0);
	assert_int_equal(st.pid, 42);
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 7);
	assert_int_equal(st.utime, 5);
	assert_int_equal(st.stime, 6);
	assert_int_equal(st.cutime, 7);
	assert_int_equal(st.cstime, 8);
	assert_int_equal(st.num_threads, 3);
	assert_int_equal(st.starttime, 99);

	/* A newline and fake fields inside comm. */
	assert_int_equal(parse_stat("43 (x\n) R 1 2) Z 9 43 43 0 -1 0 0 0 0 0 "
				    "1 2 3 4 20 0 2 0 77", &st), 0);
	assert_int_equal(st.pid, 43);
	assert_int_equal(st.state, 'Z');
	assert_int_equal(st.ppid, 9);
	assert_int_equal(st.utime, 1);
	assert_int_equal(st.starttime, 77);

	assert_int_equal(parse_stat("44 () S 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 "
				    "1 0 5\n", &st), 0);
	assert_int_equal(st.pid, 44);
	assert_int_equal(st.starttime, 5);
}

/* Every prefix that stops before (22) starttime must fail, whole. */
static void test_stat_truncated(void **state)
{
	const char *start = strstr(stat_python, " 41151 ") + 1;
	size_t start_at = (size_t)(start - stat_python), len;
	struct procfs_stat st, before;

	(void)state;
	memset(&before, 0xab, sizeof before);
	for (len = 0; len < start_at; len++) {
		st = before;
		assert_int_equal(parse_stat_n(stat_python, len, &st), -EINVAL);
		assert_memory_equal(&st, &before, sizeof st);
	}
	for (len = start_at + 5; len <= strlen(stat_python); len++) {
		assert_int_equal(parse_stat_n(stat_python, len, &st), 0);
		assert_int_equal(st.starttime, 41151);
	}
}

static void test_stat_malformed(void **state)
{
	(void)state;
	assert_stat_rejected("");
	assert_stat_rejected("42");
	assert_stat_rejected("42 (x");
	assert_stat_rejected("42 x) S 7 0 0 0 -1 0 0 0 0 0 1 2 3 4 20 0 1 0 9");
	assert_stat_rejected("x (a) S 7 0 0 0 -1 0 0 0 0 0 1 2 3 4 20 0 1 0 9");
	assert_stat_rejected("-1 (a) S 7 0 0 0 -1 0 0 0 0 0 1 2 3 4 20 0 1 0 9");
	assert_stat_rejected("2147483648 (a) S 7 0 0 0 -1 0 0 0 0 0 1 2 3 4 "
			     "20 0 1 0 9");
	/* state is one character */
	assert_stat_rejected("42 (a) SS 7 0 0 0 -1 0 0 0 0 0 1 2 3 4 20 0 1 0 9");
	assert_stat_rejected("42 (a) S -7 0 0 0 -1 0 0 0 0 0 1 2 3 4 20 0 1 0 9");
	assert_stat_rejected("42 (a) S 2147483648 0 0 0 -1 0 0 0 0 0 1 2 3 4 "
			     "20 0 1 0 9");
	assert_stat_rejected("42 (a) S 7 0 0 0 -1 0 0 0 0 0 1x 2 3 4 20 0 1 0 9");
	/* utime one past UINT64_MAX */
	assert_stat_rejected("42 (a) S 7 0 0 0 -1 0 0 0 0 0 18446744073709551616 "
			     "2 3 4 20 0 1 0 9");
	/* num_threads missing: the closing ')' is the last one */
	assert_stat_rejected("42 (a) S 7 0 0 0 -1 0 0 0 0 0 1 2 3 4 20 0 ) 1 0 9");
}

static void test_stat_huge(void **state)
{
	struct procfs_stat st;

	(void)state;
	assert_int_equal(parse_stat("2147483647 (a) S 2147483647 0 0 0 -1 0 0 0 "
				    "0 0 18446744073709551615 1 2 3 20 0 "
				    "18446744073709551615 0 18446744073709551615",
				    &st), 0);
	assert_int_equal(st.pid, INT32_MAX);
	assert_int_equal(st.ppid, INT32_MAX);
	assert_true(st.utime == UINT64_MAX);
	assert_int_equal(st.stime, 1);
	assert_true(st.num_threads == UINT64_MAX);
	assert_true(st.starttime == UINT64_MAX);
}

/* ---- status, smaps_rollup, io ---- */

static void test_status(void **state)
{
	struct procfs_status s;

	(void)state;
	memset(&s, 0xab, sizeof s);
	assert_int_equal(parse_status(status_python, &s), 0);
	assert_int_equal(s.has_vmrss, 1);
	assert_int_equal(s.has_vmhwm, 1);
	assert_int_equal(s.vmrss_kib, 13524);
	assert_int_equal(s.vmhwm_kib, 320560);
	assert_int_equal(s.has_vmswap, 1);
	assert_int_equal(s.vmswap_kib, 0);
	assert_int_equal(parse_status("VmSwap:\t   4096 kB\n", &s), 0);
	assert_int_equal(s.vmswap_kib, 4096);

	memset(&s, 0xab, sizeof s);
	assert_int_equal(parse_status(status_zombie, &s), 0);
	assert_int_equal(s.has_vmrss, 0);
	assert_int_equal(s.has_vmhwm, 0);

	assert_int_equal(parse_status("VmHWM:\t 7 kB\n", &s), 0);
	assert_int_equal(s.has_vmrss, 0);
	assert_int_equal(s.has_vmhwm, 1);
	assert_int_equal(s.vmhwm_kib, 7);

	/* A key inside a line is not a key. */
	assert_int_equal(parse_status("Name:\tVmRSS: 5 kB\n", &s), 0);
	assert_int_equal(s.has_vmrss, 0);

	assert_int_equal(parse_status("VmRSS:\t18446744073709551615 kB\n", &s), 0);
	assert_true(s.vmrss_kib == UINT64_MAX);

	/* The seccomp lines a descendant compares with the root's. */
	assert_int_equal(parse_status("NoNewPrivs:\t1\nSeccomp:\t2\n"
				      "Seccomp_filters:\t3\n", &s), 0);
	assert_int_equal(s.has_seccomp, 1);
	assert_int_equal(s.seccomp, 2);
	assert_int_equal(s.has_seccomp_filters, 1);
	assert_int_equal(s.seccomp_filters, 3);
	assert_int_equal(procfs_seccomp_count(&s), 3);
	assert_int_equal(parse_status("Seccomp:\t0\n", &s), 0);
	assert_int_equal(s.has_seccomp_filters, 0);
	assert_int_equal(procfs_seccomp_count(&s), 0);
	/* A kernel without the count: any mode is one filter. */
	assert_int_equal(parse_status("Seccomp:\t2\n", &s), 0);
	assert_int_equal(procfs_seccomp_count(&s), 1);
}

static void test_status_malformed(void **state)
{
	struct procfs_status s, before;

	(void)state;
	memset(&s, 0xab, sizeof s);
	before = s;
	assert_int_equal(parse_status("VmHWM:\t 7 kB\nVmRSS:\t  abc kB\n", &s),
			 -EINVAL);
	assert_int_equal(parse_status("VmRSS:\t 1 kB\nVmHWM:\t "
				      "18446744073709551616 kB\n", &s), -EINVAL);
	assert_int_equal(parse_status("VmRSS:", &s), -EINVAL);
	assert_memory_equal(&s, &before, sizeof s);
}

static void test_rollup_pss(void **state)
{
	uint64_t pss = 1;

	(void)state;
	assert_int_equal(parse_pss(rollup_python, &pss), 0);
	assert_int_equal(pss, 12158);
	assert_int_equal(parse_pss("Pss: 18446744073709551615 kB\n", &pss), 0);
	assert_true(pss == UINT64_MAX);

	pss = 5;
	assert_int_equal(parse_pss("", &pss), -EINVAL);
	assert_int_equal(parse_pss("555d8660b000-7ffde4f5e000 ---p 00000000 "
				   "00:00 0   [rollup]\n", &pss), -EINVAL);
	assert_int_equal(parse_pss("Pss_Anon: 9 kB\nPss_File: 8 kB\n", &pss),
			 -EINVAL);
	assert_int_equal(parse_pss("Pss: 18446744073709551616 kB\n", &pss),
			 -EINVAL);
	assert_int_equal(pss, 5);
}

/* /sys/devices/system/cpu/online's list (the header's online CPUs,
 * hostinfo.c), each case in a buffer of its exact size; and this
 * machine's own file must say what sysconf says. */
static void test_cpulist(void **state)
{
	static const struct {
		const char *s;
		int rc;
		uint32_t n;
	} c[] = {
		{ "0\n", 0, 1 }, { "0-1\n", 0, 2 }, { "0-3,8,10-11\n", 0, 7 },
		{ "0-1048575", 0, 1048576 }, { "5", 0, 1 },
		{ "", -EINVAL, 0 }, { "\n", -EINVAL, 0 }, { "3-1\n", -EINVAL, 0 },
		{ "0-\n", -EINVAL, 0 }, { "0,\n", -EINVAL, 0 },
		{ "0 1\n", -EINVAL, 0 }, { "-1\n", -EINVAL, 0 },
		{ "0-1048576\n", -EINVAL, 0 }, { "0-1048575,0\n", -EINVAL, 0 },
		{ "0\n\n", -EINVAL, 0 },
	};
	char buf[64];
	ssize_t len;
	uint32_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char *p = exact(c[i].s, strlen(c[i].s));

		n = 12345;
		assert_int_equal(procfs_parse_cpulist(p, strlen(c[i].s), &n),
				 c[i].rc);
		assert_true(n == (c[i].rc ? 12345u : c[i].n));
		free(p);
	}
	len = text_read_file("/sys/devices/system/cpu/online", buf, sizeof(buf));
	if (len > 0) {
		assert_int_equal(procfs_parse_cpulist(buf, (size_t)len, &n), 0);
		assert_true(n == (uint32_t)sysconf(_SC_NPROCESSORS_ONLN));
	}
}

/* getrusage's view of the same file: whole blocks; cancelled writes are
 * not taken off (ru_oublock is write_bytes >> 9). */
static void test_io_blocks(void **state)
{
	uint64_t r = 1, w = 2;
	char *p;
	const char *s;

	(void)state;
	s = io_python;
	p = exact(s, strlen(s));
	assert_int_equal(procfs_parse_io_blocks(p, strlen(s), &r, &w), 0);
	free(p);
	assert_true(r == 4198400 && w == 3153920);
	s = "read_bytes: 1025\nwrite_bytes: 9000\ncancelled_write_bytes: 4096\n";
	p = exact(s, strlen(s));
	assert_int_equal(procfs_parse_io_blocks(p, strlen(s), &r, &w), 0);
	free(p);
	assert_true(r == 1024 && w == 8704);
	s = "write_bytes: 3\n";
	p = exact(s, strlen(s));
	assert_int_equal(procfs_parse_io_blocks(p, strlen(s), &r, &w), -EINVAL);
	free(p);
}

static void test_io(void **state)
{
	uint64_t r = 1, w = 2;

	(void)state;
	assert_int_equal(parse_io(io_python, &r, &w), 0);
	assert_int_equal(r, 4198400);
	assert_int_equal(w, 3153920);
	assert_int_equal(parse_io("write_bytes: 18446744073709551615\n"
				  "read_bytes: 18446744073709551614\n", &r, &w),
			 0);
	assert_true(r == UINT64_MAX - 1);
	assert_true(w == UINT64_MAX);

	r = 1;
	w = 2;
	/* cancelled_write_bytes is not write_bytes */
	assert_int_equal(parse_io("rchar: 5\nread_bytes: 4\n"
				  "cancelled_write_bytes: 3\n", &r, &w), -EINVAL);
	assert_int_equal(parse_io("write_bytes: 3\n", &r, &w), -EINVAL);
	assert_int_equal(parse_io("", &r, &w), -EINVAL);
	assert_int_equal(parse_io("read_bytes:\nwrite_bytes: 3\n", &r, &w),
			 -EINVAL);
	assert_int_equal(parse_io("read_bytes: 18446744073709551616\n"
				  "write_bytes: 3\n", &r, &w), -EINVAL);
	assert_int_equal(r, 1);
	assert_int_equal(w, 2);
}

/* ---- procfs_parse_pids ---- */

/* schedstat: run time, run delay (the second), timeslices. */
static void test_schedstat(void **state)
{
	uint64_t d = 9;

	(void)state;
	assert_int_equal(procfs_parse_schedstat("52114 3001 7\n", 13, &d), 0);
	assert_int_equal(d, 3001);
	assert_int_equal(procfs_parse_schedstat("52114\n", 6, &d), -EINVAL);
	assert_int_equal(procfs_parse_schedstat("x 1 2\n", 6, &d), -EINVAL);
	assert_int_equal(procfs_parse_schedstat("", 0, &d), -EINVAL);
	assert_int_equal(d, 3001);
}

static void test_pids(void **state)
{
	int32_t pids[8] = { 0 };
	size_t n = 0;

	(void)state;
	assert_int_equal(parse_pids("123 456 ", pids, 8, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(pids[0], 123);
	assert_int_equal(pids[1], 456);

	/* appended after what is there; trailing blank and newline */
	assert_int_equal(parse_pids("789 2147483647 \n", pids, 8, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(pids[2], 789);
	assert_int_equal(pids[3], INT32_MAX);

	assert_int_equal(parse_pids("", pids, 8, &n), 0);
	assert_int_equal(parse_pids(" \n", pids, 8, &n), 0);
	assert_int_equal(n, 4);
}

static void test_pids_full(void **state)
{
	int32_t pids[4] = { 0, 0, 0, -1 };
	size_t n = 1;

	(void)state;
	/* exactly fits: not an error */
	assert_int_equal(parse_pids("10 11", pids, 3, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(parse_pids("", pids, 3, &n), 0);
	assert_int_equal(n, 3);

	n = 1;
	assert_int_equal(parse_pids("10 11 12 13 ", pids, 3, &n), -E2BIG);
	assert_int_equal(n, 3);
	assert_int_equal(pids[1], 10);
	assert_int_equal(pids[2], 11);
	assert_int_equal(pids[3], -1); /* nothing written past max */
}

static void test_pids_malformed(void **state)
{
	int32_t pids[4] = { 0 };
	size_t n = 0;

	(void)state;
	assert_int_equal(parse_pids("12 1a3 ", pids, 4, &n), -EINVAL);
	assert_int_equal(parse_pids("12 0 ", pids, 4, &n), -EINVAL);
	assert_int_equal(parse_pids("12 -3 ", pids, 4, &n), -EINVAL);
	assert_int_equal(parse_pids("2147483648", pids, 4, &n), -EINVAL);
	/* malformed after the limit is still reported, nothing stored */
	assert_int_equal(parse_pids("1 2 3 4 5 x", pids, 2, &n), -EINVAL);
	assert_int_equal(n, 0);
	assert_int_equal(pids[0], 0);
}

/* ---- procfs_format_cmdline ---- */

static void test_cmdline(void **state)
{
	static const char argv[] = "ls\0-l\0/tmp\0";
	static const char holes[] = "\0a\0\0b\0\0\0";
	static const char ctl[] = "a\tb\x01\x7f\xc3\xa9";
	char dst[32];

	(void)state;
	assert_int_equal(format_cmdline(argv, sizeof argv - 1, dst, sizeof dst),
			 10);
	assert_string_equal(dst, "ls -l /tmp");
	assert_int_equal(format_cmdline(holes, sizeof holes - 1, dst,
					sizeof dst), 3);
	assert_string_equal(dst, "a b");
	assert_int_equal(format_cmdline(ctl, sizeof ctl - 1, dst, sizeof dst), 7);
	assert_string_equal(dst, "a?b??\xc3\xa9");
	/* a process that rewrote its cmdline with spaces, no NUL */
	assert_int_equal(format_cmdline("nginx: worker", 13, dst, sizeof dst),
			 13);
	assert_string_equal(dst, "nginx: worker");
	assert_int_equal(format_cmdline("", 0, dst, sizeof dst), 0);
	assert_string_equal(dst, "");
	assert_int_equal(format_cmdline("\0\0", 2, dst, sizeof dst), 0);
	assert_string_equal(dst, "");
}

static void test_cmdline_cut(void **state)
{
	char dst[16];

	(void)state;
	memset(dst, 'Z', sizeof dst);
	assert_int_equal(format_cmdline("hello\0world", 11, dst, 5), 4);
	assert_string_equal(dst, "hell");
	assert_int_equal(dst[5], 'Z');

	/* no separator left dangling at the cut */
	assert_int_equal(format_cmdline("abc\0def", 7, dst, 5), 3);
	assert_string_equal(dst, "abc");
	assert_int_equal(format_cmdline("abc\0def", 7, dst, 6), 5);
	assert_string_equal(dst, "abc d");

	/* never split a UTF-8 sequence */
	assert_int_equal(format_cmdline("ab\xc3\xa9", 4, dst, 4), 2);
	assert_string_equal(dst, "ab");
	assert_int_equal(format_cmdline("a\0\xe2\x82\xac", 5, dst, 5), 1);
	assert_string_equal(dst, "a");
	assert_int_equal(format_cmdline("ab\xc3\xa9", 4, dst, 5), 4);
	assert_string_equal(dst, "ab\xc3\xa9");

	memset(dst, 'Z', sizeof dst);
	assert_int_equal(format_cmdline("abc", 3, dst, 0), 0);
	assert_int_equal(dst[0], 'Z');
	assert_int_equal(format_cmdline("abc", 3, dst, 1), 0);
	assert_int_equal(dst[0], '\0');
}

/* ---- procfs_path ---- */

static void test_path(void **state)
{
	char dst[32], big[5000];

	(void)state;
	assert_int_equal(procfs_path(dst, sizeof dst, "/proc", 123, "stat"), 0);
	assert_string_equal(dst, "/proc/123/stat");
	assert_int_equal(procfs_path(dst, sizeof dst, "/proc", 0, "io"), 0);
	assert_string_equal(dst, "/proc/0/io");
	assert_int_equal(procfs_path(dst, sizeof dst, "/proc", INT32_MAX,
				     "task"), 0);
	assert_string_equal(dst, "/proc/2147483647/task");
	assert_int_equal(procfs_path(dst, sizeof dst, "/proc", 7, NULL), 0);
	assert_string_equal(dst, "/proc/7");

	/* "/proc/123/stat" is 14 bytes and its NUL */
	assert_int_equal(procfs_path(dst, 15, "/proc", 123, "stat"), 0);
	memset(dst, 'Z', sizeof dst);
	assert_int_equal(procfs_path(dst, 14, "/proc", 123, "stat"),
			 -ENAMETOOLONG);
	assert_int_equal(dst[0], 'Z');

	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(procfs_path(dst, sizeof dst, big, 1, "stat"),
			 -ENAMETOOLONG);
	assert_int_equal(procfs_path(dst, sizeof dst, "/proc", 1, big),
			 -ENAMETOOLONG);
	assert_int_equal(procfs_path(dst, sizeof dst, "/proc", -1, "stat"),
			 -EINVAL);
	assert_int_equal(dst[0], 'Z');
}

/* ---- procfs_read_proc on a fake procroot ---- */

static void assert_python_proc(const struct procfs_proc *p)
{
	assert_int_equal(p->stat.pid, 3981);
	assert_int_equal(p->stat.ppid, 3978);
	assert_int_equal(p->stat.stime, 85);
	assert_int_equal(p->status.has_vmrss, 1);
	assert_int_equal(p->status.vmrss_kib, 13524);
	assert_int_equal(p->status.vmhwm_kib, 320560);
}

static void test_read_fake(void **state)
{
	struct fake *f = *state;
	struct procfs_proc p;

	put_proc(f, 3981);
	memset(&p, 0xab, sizeof p);
	assert_int_equal(procfs_read_proc(f->root, 3981, 1, &p), 0);
	assert_python_proc(&p);
	assert_int_equal(p.has_pss, 1);
	assert_int_equal(p.pss_kib, 12158);
	assert_int_equal(p.has_io, 1);
	assert_int_equal(p.read_bytes, 4198400);
	assert_int_equal(p.write_bytes, 3153920);
	assert_int_equal(p.has_run_delay, 1);
	assert_int_equal(p.run_delay_ns, 250000000);

	memset(&p, 0xab, sizeof p);
	assert_int_equal(procfs_read_proc(f->root, 3981, 0, &p), 0);
	assert_int_equal(p.has_pss, 0);
	assert_int_equal(p.pss_kib, 0);
	assert_int_equal(p.has_io, 1);
}

/* An old kernel without smaps_rollup, one without task I/O accounting. */
static void test_read_fake_missing(void **state)
{
	struct fake *f = *state;
	struct procfs_proc p;

	put_proc(f, 3981);
	remove_file(f, "3981/smaps_rollup");
	memset(&p, 0xab, sizeof p);
	assert_int_equal(procfs_read_proc(f->root, 3981, 1, &p), 0);
	assert_python_proc(&p);
	assert_int_equal(p.has_pss, 0);
	assert_int_equal(p.has_io, 1);
	assert_int_equal(p.read_bytes, 4198400);

	remove_file(f, "3981/io");
	assert_int_equal(procfs_read_proc(f->root, 3981, 1, &p), 0);
	assert_python_proc(&p);
	assert_int_equal(p.has_io, 0);
	assert_int_equal(p.read_bytes, 0);
}

static void test_read_fake_zombie(void **state)
{
	struct fake *f = *state;
	struct procfs_proc p;

	put(f, "4748/stat", stat_zombie);
	put(f, "4748/status", status_zombie);
	put(f, "4748/io", "garbage\n");
	put(f, "4748/smaps_rollup", "");
	memset(&p, 0xab, sizeof p);
	assert_int_equal(procfs_read_proc(f->root, 4748, 1, &p), 0);
	assert_int_equal(p.stat.state, 'Z');
	assert_int_equal(p.status.has_vmrss, 0);
	assert_int_equal(p.status.has_vmhwm, 0);
	assert_int_equal(p.has_pss, 0);
	assert_int_equal(p.has_io, 0);
}

static void test_read_fake_errors(void **state)
{
	struct fake *f = *state;
	struct procfs_proc p, before;
	char big[5000];

	memset(&p, 0xab, sizeof p);
	before = p;
	errno = EDOM;
	assert_int_equal(procfs_read_proc(f->root, 77, 1, &p), -ENOENT);
	assert_int_equal(errno, EDOM);

	put(f, "78/stat", "78 (x) S 1 2");
	put(f, "78/status", status_python);
	assert_int_equal(procfs_read_proc(f->root, 78, 1, &p), -EINVAL);

	/* A stat that does not fit is skipped, not parsed truncated. */
	memset(big, ' ', sizeof big);
	memcpy(big, stat_python, strlen(stat_python) - 1);
	put_n(f, "79/stat", big, sizeof big);
	errno = EDOM;
	assert_int_equal(procfs_read_proc(f->root, 79, 1, &p), -EOVERFLOW);
	assert_int_equal(errno, EDOM);
	assert_memory_equal(&p, &before, sizeof p);
}

/* VmRSS sits in the first 4 KiB, yet an over-full status is not used. */
static void test_read_fake_big_status(void **state)
{
	struct fake *f = *state;
	struct procfs_proc p;
	char big[5000];

	put_proc(f, 3981);
	memset(big, 'x', sizeof big);
	memcpy(big, status_python, strlen(status_python));
	put_n(f, "3981/status", big, sizeof big);
	assert_int_equal(procfs_read_proc(f->root, 3981, 1, &p), 0);
	assert_int_equal(p.stat.pid, 3981);
	assert_int_equal(p.status.has_vmrss, 0);
	assert_int_equal(p.status.has_vmhwm, 0);
	assert_int_equal(p.has_pss, 1);
}

static void test_read_long_root(void **state)
{
	struct procfs_proc p;
	char root[700];

	(void)state;
	memset(root, 'a', sizeof root - 1);
	root[0] = '/';
	root[sizeof root - 1] = '\0';
	assert_int_equal(procfs_read_proc(root, 1, 1, &p), -ENAMETOOLONG);
}

struct unpriv_result {
	int dropped;
	int fake_rc, real_rc;
	struct procfs_proc fake, real;
};

/* Runs in a child: as nobody, mode 000 means EACCES even for files that
 * root could read.  /proc of the root-owned parent also refuses io and
 * smaps_rollup (ptrace access check) while stat stays readable. */
static void unpriv_child(const struct fake *f, int fd)
{
	struct unpriv_result r;
	gid_t nobody = 65534;

	memset(&r, 0, sizeof r);
	r.dropped = geteuid() != 0;
	if (!r.dropped)
		r.dropped = setgroups(1, &nobody) == 0 &&
			    setresgid(65534, 65534, 65534) == 0 &&
			    setresuid(65534, 65534, 65534) == 0;
	if (r.dropped) {
		r.fake_rc = procfs_read_proc(f->root, 3981, 1, &r.fake);
		r.real_rc = procfs_read_proc("/proc", getppid(), 1, &r.real);
	}
	_exit(write(fd, &r, sizeof r) == (ssize_t)sizeof r ? 0 : 1);
}

static void test_read_fake_eacces(void **state)
{
	struct fake *f = *state;
	struct unpriv_result r;
	char path[512];
	int fds[2], status, was_root = geteuid() == 0;
	pid_t pid;

	put_proc(f, 3981);
	snprintf(path, sizeof path, "%s/3981/io", f->root);
	assert_int_equal(chmod(path, 0), 0);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		unpriv_child(f, fds[1]);
	close(fds[1]);
	assert_int_equal(read(fds[0], &r, sizeof r), (ssize_t)sizeof r);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!r.dropped)
		skip();
	assert_int_equal(r.fake_rc, 0);
	assert_int_equal(r.fake.stat.pid, 3981);
	assert_int_equal(r.fake.has_io, 0);
	assert_int_equal(r.fake.has_pss, 1);
	assert_int_equal(r.fake.status.vmrss_kib, 13524);
	if (!was_root)
		return; /* the parent is ours then: /proc lets us read it */
	assert_int_equal(r.real_rc, 0);
	assert_int_equal(r.real.stat.pid, getpid());
	assert_int_equal(r.real.has_io, 0);
	assert_int_equal(r.real.has_pss, 0);
	assert_int_equal(r.real.status.has_vmrss, 1);
}

/* ---- procfs_children on a fake procroot ---- */

/* Main thread 100 and thread 101; 101 forked 203, which the main thread's
 * file does not list, and both list 201. */
static void put_threads(const struct fake *f)
{
	put_proc(f, 100);
	put(f, "100/task/100/children", "201 202 ");
	put(f, "100/task/101/children", "203 201 \n");
	put(f, "100/task/README", "not a task");
}

static void test_children_fake(void **state)
{
	struct fake *f = *state;
	int32_t pids[8];
	size_t n = 0;

	put_threads(f);
	errno = EDOM;
	assert_int_equal(procfs_children(f->root, 100, pids, 8, &n), 0);
	assert_int_equal(errno, EDOM);
	assert_int_equal(n, 3);
	assert_true(contains(pids, n, 201));
	assert_true(contains(pids, n, 202));
	assert_true(contains(pids, n, 203));

	/* appended, and not listed twice with what is already there */
	pids[0] = 202;
	n = 1;
	assert_int_equal(procfs_children(f->root, 100, pids, 8, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(pids[0], 202);
	assert_true(contains(pids, n, 201));
	assert_true(contains(pids, n, 203));
}

static void test_children_fake_full(void **state)
{
	struct fake *f = *state;
	int32_t pids[4] = { 0, 0, 0, -1 };
	size_t n = 0;

	put_threads(f);
	/* duplicates take no room */
	assert_int_equal(procfs_children(f->root, 100, pids, 3, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(pids[3], -1);

	n = 0;
	assert_int_equal(procfs_children(f->root, 100, pids, 2, &n), -E2BIG);
	assert_int_equal(n, 2);
	assert_distinct(pids, n);
	assert_true(pids[0] >= 201 && pids[0] <= 203);
	assert_true(pids[1] >= 201 && pids[1] <= 203);
	assert_int_equal(pids[3], -1);
}

static void test_children_fake_errors(void **state)
{
	struct fake *f = *state;
	int32_t pids[8];
	size_t n = 5;
	char big[5000];

	errno = EDOM;
	assert_int_equal(procfs_children(f->root, 99, pids, 8, &n), -ENOENT);
	assert_int_equal(errno, EDOM);

	/* CONFIG_PROC_CHILDREN off: task dirs without children files */
	put_dir(f, "300/task/300");
	assert_int_equal(procfs_children(f->root, 300, pids, 8, &n), -ENOTSUP);
	put(f, "300/task/301/children", "5 6 ");
	assert_int_equal(procfs_children(f->root, 300, pids, 8, &n), -ENOTSUP);

	put(f, "400/task/400/children", "5 x6 ");
	assert_int_equal(procfs_children(f->root, 400, pids, 8, &n), -EINVAL);
	assert_int_equal(n, 5);

	/* A file longer than one read buffer is read in pieces. */
	memset(big, ' ', sizeof big);
	memcpy(big, "7 8 ", 4);
	memcpy(big + sizeof big - 6, "9 ", 2);
	put_n(f, "500/task/500/children", big, sizeof big);
	n = 0;
	errno = EDOM;
	assert_int_equal(procfs_children(f->root, 500, pids, 8, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(pids[2], 9);
	assert_int_equal(errno, EDOM);
}

/* 1500 children (about 10 KiB of text, numbers cut at read boundaries):
 * all of them, or -E2BIG with the ones that fit when the array is full. */
static void test_children_fake_huge_file(void **state)
{
	struct fake *f = *state;
	static char text[16384];
	static int32_t pids[2000];
	size_t len = 0, n = 0;
	int i;

	for (i = 0; i < 1500; i++)
		len += (size_t)snprintf(text + len, sizeof text - len, "%d ",
					100000 + i);
	put_n(f, "600/task/600/children", text, len);
	assert_int_equal(procfs_children(f->root, 600, pids, 2000, &n), 0);
	assert_int_equal(n, 1500);
	for (i = 0; i < 1500; i++)
		assert_int_equal(pids[i], 100000 + i);
	n = 0;
	assert_int_equal(procfs_children(f->root, 600, pids, 10, &n), -E2BIG);
	assert_int_equal(n, 10);
}

/* More tasks than one getdents64 batch holds. */
static void test_children_fake_many_tasks(void **state)
{
	struct fake *f = *state;
	int32_t pids[400];
	char rel[64], kids[32];
	size_t n = 0;
	int tid;

	put_dir(f, "600/task/600");
	put(f, "600/task/600/children", "");
	for (tid = 1000; tid < 1300; tid++) {
		snprintf(rel, sizeof rel, "600/task/%d/children", tid);
		snprintf(kids, sizeof kids, "%d 5 ", tid + 10000);
		put(f, rel, kids);
	}
	assert_int_equal(procfs_children(f->root, 600, pids, 400, &n), 0);
	assert_int_equal(n, 301);
	assert_distinct(pids, n);
	assert_true(contains(pids, n, 5));
	assert_true(contains(pids, n, 11000));
	assert_true(contains(pids, n, 11299));
}

static void test_children_fake_none(void **state)
{
	struct fake *f = *state;
	int32_t pids[2];
	size_t n = 0;

	put(f, "700/task/700/children", "");
	put(f, "700/task/701/children", "\n");
	assert_int_equal(procfs_children(f->root, 700, pids, 0, &n), 0);
	assert_int_equal(n, 0);
}

/* ---- the real /proc ---- */

static void test_real_self(void **state)
{
	struct procfs_proc p;

	(void)state;
	errno = EDOM;
	assert_int_equal(procfs_read_proc("/proc", getpid(), 1, &p), 0);
	assert_int_equal(errno, EDOM);
	assert_int_equal(p.stat.pid, getpid());
	assert_int_equal(p.stat.ppid, getppid());
	assert_int_equal(p.stat.state, 'R');
	assert_true(p.stat.num_threads >= 1);
	assert_true(p.stat.starttime > 0);
	assert_int_equal(p.status.has_vmrss, 1);
	assert_int_equal(p.status.has_vmhwm, 1);
	assert_true(p.status.vmrss_kib > 0);
	assert_true(p.status.vmhwm_kib >= p.status.vmrss_kib);
	assert_true(p.status.vmhwm_kib < 64 * 1024 * 1024);
	assert_int_equal(p.has_pss, 1);
	assert_true(p.pss_kib > 0 && p.pss_kib <= p.status.vmrss_kib);
	assert_int_equal(p.has_io, 1);
}

/* A child that exits when every write end of release[] is closed. */
static pid_t spawn_waiter(const int release[2])
{
	pid_t pid = fork();
	char c;

	assert_true(pid >= 0);
	if (pid == 0) {
		close(release[1]);
		_exit(read(release[0], &c, 1) < 0);
	}
	return pid;
}

struct forker {
	int release[2]; /* children and the thread wait on it */
	pid_t child;
	int ready[2];
};

static void *forker_main(void *arg)
{
	struct forker *fk = arg;
	char c = 0;

	fk->child = spawn_waiter(fk->release);
	if (write(fk->ready[1], &c, 1) != 1)
		return NULL;
	if (read(fk->release[0], &c, 1) < 0)
		return NULL;
	return NULL;
}

static int main_task_lists(pid_t child)
{
	char path[64], buf[4096];
	int32_t pids[64];
	size_t n = 0;
	ssize_t len;

	snprintf(path, sizeof path, "/proc/%d/task/%d/children", getpid(),
		 getpid());
	len = text_read_file(path, buf, sizeof buf);
	assert_true(len >= 0);
	assert_int_equal(procfs_parse_pids(buf, (size_t)len, pids, 64, &n), 0);
	return contains(pids, n, child);
}

/* A file longer than the buffer: text_read_file refuses it, text_read_head
 * gives its head, terminated; a file that fits is the same from both. */
static void test_read_head(void **state)
{
	char path[] = "/tmp/rtrack-head-XXXXXX", buf[64];
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "abcdefghij", 10), 10);
	close(fd);
	assert_int_equal(text_read_file(path, buf, 5), -EOVERFLOW);
	assert_int_equal(text_read_head(path, buf, 5), 4);
	assert_string_equal(buf, "abcd");
	assert_int_equal(text_read_head(path, buf, sizeof buf), 10);
	assert_string_equal(buf, "abcdefghij");
	assert_int_equal(text_read_head(path, buf, 11), 10);
	assert_string_equal(buf, "abcdefghij");
	assert_int_equal(text_read_head("/nonexistent/x", buf, sizeof buf),
			 -ENOENT);
	unlink(path);
}

/* text_join: "dir/name", in place when dir is dst, dst untouched when the
 * whole does not fit.  text_hash: FNV-1a's published 64-bit values, and a
 * hash continued over two pieces is the hash of both. */
static void test_join_hash(void **state)
{
	char dst[16] = "/sys";
	const char *ab = "ab";

	(void)state;
	assert_int_equal(text_join(dst, sizeof dst, dst, "class"), 0);
	assert_string_equal(dst, "/sys/class");
	assert_int_equal(text_join(dst, 10, "/sys", "block"), -ENAMETOOLONG);
	assert_string_equal(dst, "/sys/class");
	assert_int_equal(text_join(dst, 11, "/sys", "block"), 0);
	assert_string_equal(dst, "/sys/block");
	assert_true(text_hash(TEXT_HASH_SEED, ab, ab) == TEXT_HASH_SEED);
	assert_true(text_hash(TEXT_HASH_SEED, ab, ab + 1) ==
		    0xaf63dc4c8601ec8cull);
	assert_true(text_hash(text_hash(TEXT_HASH_SEED, ab, ab + 1), ab + 1,
			      ab + 2) == text_hash(TEXT_HASH_SEED, ab, ab + 2));
}

/* A child forked by the main thread and one forked by another thread,
 * which only that thread's children file lists. */
static void test_real_children(void **state)
{
	struct forker fk;
	pthread_t th;
	pid_t main_child;
	int32_t pids[64];
	size_t n = 0;
	char c;

	(void)state;
	assert_int_equal(pipe(fk.release), 0);
	assert_int_equal(pipe(fk.ready), 0);
	main_child = spawn_waiter(fk.release);
	assert_int_equal(pthread_create(&th, NULL, forker_main, &fk), 0);
	assert_int_equal(read(fk.ready[0], &c, 1), 1);

	assert_true(main_task_lists(main_child));
	assert_false(main_task_lists(fk.child));
	assert_int_equal(procfs_children("/proc", getpid(), pids, 64, &n), 0);
	assert_true(contains(pids, n, main_child));
	assert_true(contains(pids, n, fk.child));
	assert_distinct(pids, n);

	close(fk.release[1]); /* EOF releases the thread and both children */
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(waitpid(main_child, NULL, 0), main_child);
	assert_int_equal(waitpid(fk.child, NULL, 0), fk.child);
	close(fk.release[0]);
	close(fk.ready[0]);
	close(fk.ready[1]);
}

/* A zombie has stat and status but no memory: smaps_rollup gives ESRCH
 * on 6.18, which is "unavailable", not "gone".  Once reaped it is gone. */
static void test_real_zombie(void **state)
{
	struct procfs_proc p;
	int32_t pids[4];
	size_t n = 0;
	pid_t pid;
	int i;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(3);
	for (i = 0; i < 5000; i++) {
		assert_int_equal(procfs_read_proc("/proc", pid, 1, &p), 0);
		if (p.stat.state == 'Z')
			break;
		sleep_ms(1);
	}
	assert_int_equal(p.stat.state, 'Z');
	assert_int_equal(p.stat.pid, pid);
	assert_int_equal(p.stat.ppid, getpid());
	assert_int_equal(p.status.has_vmrss, 0);
	assert_int_equal(p.status.has_vmhwm, 0);
	assert_int_equal(p.has_pss, 0);
	assert_int_equal(procfs_children("/proc", pid, pids, 4, &n), 0);
	assert_int_equal(n, 0);

	assert_int_equal(waitpid(pid, NULL, 0), pid);
	errno = EDOM;
	assert_int_equal(procfs_read_proc("/proc", pid, 1, &p), -ENOENT);
	assert_int_equal(procfs_children("/proc", pid, pids, 4, &n), -ENOENT);
	assert_int_equal(errno, EDOM);
}

/* Every path, failing ones included, closes what it opened. */
static void test_no_fd_leak(void **state)
{
	struct fake *f = *state;
	struct procfs_proc p;
	int32_t pids[2];
	size_t n;
	int before = count_fds(), i;

	put_threads(f);
	put_dir(f, "300/task/300");
	put(f, "400/task/400/children", "x");
	for (i = 0; i < 3; i++) {
		n = 0;
		(void)procfs_read_proc("/proc", getpid(), 1, &p);
		(void)procfs_read_proc(f->root, 100, 1, &p);
		(void)procfs_read_proc(f->root, 99, 1, &p);
		(void)procfs_children(f->root, 100, pids, 2, &n);
		(void)procfs_children(f->root, 100, pids, 1, &n);
		(void)procfs_children(f->root, 300, pids, 2, &n);
		(void)procfs_children(f->root, 400, pids, 2, &n);
		(void)procfs_children("/proc", getpid(), pids, 2, &n);
	}
	assert_int_equal(count_fds(), before);
}

#define FAKE_TEST(fn) cmocka_unit_test_setup_teardown(fn, fake_setup, \
						       fake_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_captured),
		cmocka_unit_test(test_stat_odd_comm),
		cmocka_unit_test(test_stat_truncated),
		cmocka_unit_test(test_stat_malformed),
		cmocka_unit_test(test_stat_huge),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_status_malformed),
		cmocka_unit_test(test_rollup_pss),
		cmocka_unit_test(test_io),
		cmocka_unit_test(test_io_blocks),
		cmocka_unit_test(test_cpulist),
		cmocka_unit_test(test_schedstat),
		cmocka_unit_test(test_pids),
		cmocka_unit_test(test_pids_full),
		cmocka_unit_test(test_pids_malformed),
		cmocka_unit_test(test_cmdline),
		cmocka_unit_test(test_cmdline_cut),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_join_hash),
		FAKE_TEST(test_read_fake),
		FAKE_TEST(test_read_fake_missing),
		FAKE_TEST(test_read_fake_zombie),
		FAKE_TEST(test_read_fake_errors),
		FAKE_TEST(test_read_fake_big_status),
		cmocka_unit_test(test_read_long_root),
		FAKE_TEST(test_read_fake_eacces),
		FAKE_TEST(test_children_fake),
		FAKE_TEST(test_children_fake_full),
		FAKE_TEST(test_children_fake_errors),
		FAKE_TEST(test_children_fake_huge_file),
		FAKE_TEST(test_children_fake_many_tasks),
		FAKE_TEST(test_children_fake_none),
		cmocka_unit_test(test_real_self),
		cmocka_unit_test(test_real_children),
		cmocka_unit_test(test_read_head),
		cmocka_unit_test(test_real_zombie),
		FAKE_TEST(test_no_fd_leak),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
