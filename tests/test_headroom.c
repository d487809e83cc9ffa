/* test_headroom.c - the memory rtrack-dump may take (lib/model/headroom.c), on
 * fake /proc trees whose mountinfo points at fake cgroup hierarchies. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "headroom.h"
#include "scratch.h"

static char dir[PATH_MAX], proc[PATH_MAX + 8];

static void put(const char *rel, const char *text)
{
	assert_int_equal(scratch_put(dir, rel, text), 0);
}

/* A cgroup directory's files: limit ("max" or a number), usage, and the
 * memory.stat key that counts reclaimable file cache. */
static void group(const char *rel, const char *limit_file, const char *limit,
		  const char *usage_file, unsigned long usage,
		  const char *stat)
{
	char path[PATH_MAX], text[64];

	snprintf(path, sizeof(path), "%s/%s", rel, limit_file);
	put(path, limit);
	snprintf(path, sizeof(path), "%s/%s", rel, usage_file);
	snprintf(text, sizeof(text), "%lu\n", usage);
	put(path, text);
	snprintf(path, sizeof(path), "%s/memory.stat", rel);
	put(path, stat);
}

/* self/mountinfo with one line per mount: "ROOT MOUNTPOINT TYPE OPTS",
 * the mount points under dir. */
static void mountinfo(const char *const *mounts, size_t n)
{
	char text[8192];
	size_t len = 0;

	text[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char root[256], mnt[256], type[32], opts[64];

		assert_int_equal(sscanf(mounts[i], "%255s %255s %31s %63s", root,
					mnt, type, opts), 4);
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"%zu 1 0:%zu %s %s%s rw,nosuid - %s "
					"%s %s\n", 30 + i, 40 + i, root, dir,
					mnt, type, type, opts);
	}
	put("proc/self/mountinfo", text);
}

static int setup(void **state)
{
	(void)state;
	if (scratch_mkdtemp(dir, sizeof(dir), "rtrack-headroom") < 0)
		return -1;
	snprintf(proc, sizeof(proc), "%s/proc", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return scratch_remove(dir);
}

static const char MEMINFO[] =
	"MemTotal: 8000000 kB\nMemFree: 1000 kB\nMemAvailable: 600 kB\n"
	"Buffers: 10 kB\nCached: 200 kB\nActive: 300 kB\nInactive: 250 kB\n";

/* Nothing readable: no limit known.  MemAvailable alone otherwise. */
static void machine_only(void **state)
{
	(void)state;
	assert_true(headroom_bytes(proc) == UINT64_MAX);
	put("proc/meminfo", MEMINFO);
	assert_true(headroom_bytes(proc) == 600 * 1024);
	/* A group, but its hierarchy is not mounted: MemAvailable still. */
	put("proc/self/cgroup", "0::/job/step\n");
	assert_true(headroom_bytes(proc) == 600 * 1024);
}

/* v2: the least room from the group up; inactive file cache counts as
 * free; "max" is no limit; a group over its limit has none. */
static void v2_walk(void **state)
{
	static const char *const m[] = { "/ /cg cgroup2 rw" };

	(void)state;
	put("proc/meminfo", MEMINFO);
	put("proc/self/cgroup", "0::/job/step\n");
	mountinfo(m, 1);
	group("cg/job/step", "memory.max", "max\n", "memory.current", 4096,
	      "anon 4096\ninactive_file 0\n");
	group("cg/job", "memory.max", "300000\n", "memory.current", 250000,
	      "anon 100000\nactive_file 50000\ninactive_file 150000\n");
	/* 300000 - (250000 - 150000 of inactive cache) */
	assert_true(headroom_bytes(proc) == 200000);
	put("cg/job/step/memory.max", "104096\n");
	assert_true(headroom_bytes(proc) == 100000);
	/* The step's own cache does not make room beyond its limit. */
	put("cg/job/step/memory.stat", "inactive_file 90000\n");
	assert_true(headroom_bytes(proc) == 104096);
	put("cg/job/memory.current", "900000\n");
	assert_true(headroom_bytes(proc) == 0);
	/* The top of the hierarchy has no limit files: no effect. */
	put("proc/self/cgroup", "0::/\n");
	assert_true(headroom_bytes(proc) == 600 * 1024);
}

/* v1: the memory controller's hierarchy, alone or mounted with others;
 * hierarchical_memory_limit brings in limits of ancestors the mount does
 * not show; "unlimited" is a number near 2^63. */
static void v1_walk(void **state)
{
	static const char *const m[] = {
		"/ /cgcpu cgroup rw,cpu,cpuacct",
		"/ /cgmem cgroup rw,cpu,memory",
	};

	(void)state;
	put("proc/meminfo", MEMINFO);
	put("proc/self/cgroup", "4:cpu,cpuacct:/job\n3:cpu,memory:/job/step\n"
				"0::/\n");
	mountinfo(m, 2);
	group("cgmem/job/step", "memory.limit_in_bytes",
	      "9223372036854771712\n", "memory.usage_in_bytes", 70000,
	      "cache 0\ntotal_inactive_file 20000\n"
	      "hierarchical_memory_limit 9223372036854771712\n");
	group("cgmem/job", "memory.limit_in_bytes", "250000\n",
	      "memory.usage_in_bytes", 150000, "total_inactive_file 0\n");
	assert_true(headroom_bytes(proc) == 100000);
	put("cgmem/job/step/memory.stat",
	    "total_inactive_file 20000\nhierarchical_memory_limit 80000\n");
	/* 80000 - (70000 - 20000) */
	assert_true(headroom_bytes(proc) == 30000);
	/* "memoryx" is not the memory controller. */
	put("proc/self/cgroup", "3:cpu,memoryx:/job/step\n");
	assert_true(headroom_bytes(proc) == 600 * 1024);
}

/* A mount that shows part of the hierarchy (a container, a cgroup
 * namespace): the group is found below the mount's root, walked no
 * higher than the mount, and a mount that does not contain the group
 * is passed over for one that does. */
static void mount_root(void **state)
{
	static const char *const m[] = {
		"/other /cgx cgroup2 rw",
		"/pod/ctr /cg cgroup2 rw",
	};

	(void)state;
	put("proc/meminfo", MEMINFO);
	put("proc/self/cgroup", "0::/pod/ctr/app\n");
	mountinfo(m, 2);
	group("cgx/app", "memory.max", "1\n", "memory.current", 1, "");
	group("cg/app", "memory.max", "max\n", "memory.current", 0, "");
	group("cg", "memory.max", "500000\n", "memory.current", 100000, "");
	assert_true(headroom_bytes(proc) == 400000);
	/* Outside every mount's root: not found. */
	put("proc/self/cgroup", "0::/elsewhere\n");
	assert_true(headroom_bytes(proc) == 600 * 1024);
}

/* Mount points with a space (mountinfo's \040) and optional fields. */
static void escaped_mount_point(void **state)
{
	char text[PATH_MAX * 2];

	(void)state;
	put("proc/meminfo", MEMINFO);
	put("proc/self/cgroup", "0::/j\n");
	snprintf(text, sizeof(text),
		 "25 1 0:22 / %s/c\\040g rw shared:9 master:2 - cgroup2 "
		 "cgroup2 rw,nsdelegate\n", dir);
	put("proc/self/mountinfo", text);
	group("c g/j", "memory.max", "70000\n", "memory.current", 20000, "");
	assert_true(headroom_bytes(proc) == 50000);
}

/* An address-space limit (ulimit -v) less what is mapped (VmSize) bounds
 * the headroom, whatever MemAvailable says: in a child, where the limit
 * can be set and the test's own mappings stay as they are. */
static void address_space(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	put("proc/meminfo", MEMINFO);
	put("proc/self/status", "Name:\tx\nVmPeak:\t 9000 kB\n"
	    "VmSize:\t    4000 kB\nVmRSS:\t 100 kB\n");
	assert_true(headroom_as_bytes(proc) == UINT64_MAX);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { (rlim_t)1 << 30, (rlim_t)1 << 30 };
		int ok = setrlimit(RLIMIT_AS, &rl) == 0 &&
			 headroom_as_bytes(proc) == (1u << 30) - 4000 * 1024 &&
			 headroom_bytes(proc) == 600 * 1024;
		/* Below MemAvailable's 600 KiB: the limit decides. */
		rl.rlim_cur = 4000 * 1024 + 1000;
		ok = ok && setrlimit(RLIMIT_AS, &rl) == 0 &&
		     headroom_bytes(proc) == 1000;
		/* Over the limit already: no room. */
		rl.rlim_cur = 1000;
		ok = ok && setrlimit(RLIMIT_AS, &rl) == 0 &&
		     headroom_bytes(proc) == 0;
		_exit(ok ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(machine_only, setup, teardown),
		cmocka_unit_test_setup_teardown(v2_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(v1_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(mount_root, setup, teardown),
		cmocka_unit_test_setup_teardown(escaped_mount_point, setup,
						teardown),
		cmocka_unit_test_setup_teardown(address_space, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
