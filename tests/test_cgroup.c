/* test_cgroup.c - the job's cgroup (lib/inhost/cgroup.h): the parsers on
 * the kernel's own text, and whole samples over fake /proc and /sys trees
 * laid out as cgroup v1 (the cpu and memory hierarchies) and v2 mount them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cgroup.h"
#include "scratch.h"

static char proc[256], sys[256];

static int setup(void **state)
{
	(void)state;
	if (scratch_mkdtemp(proc, sizeof(proc), "rtrack-cgproc") < 0 ||
	    scratch_mkdtemp(sys, sizeof(sys), "rtrack-cgsys") < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	scratch_remove(proc);
	scratch_remove(sys);
	return 0;
}

static void test_membership(void **state)
{
	const char *v1 = "12:pids:/user.slice\n"
			 "4:memory:/slurm/uid_1000/job_7/step_0\n"
			 "3:cpu,cpuacct:/slurm/uid_1000/job_7\n"
			 "1:name=systemd:/user.slice\n"
			 "0::/user.slice/session-3.scope\n";
	char p[64];

	(void)state;
	assert_int_equal(cgroup_parse_membership(v1, strlen(v1), "memory", p,
						 sizeof(p)), 0);
	assert_string_equal(p, "/slurm/uid_1000/job_7/step_0");
	assert_int_equal(cgroup_parse_membership(v1, strlen(v1), "cpu", p,
						 sizeof(p)), 0);
	assert_string_equal(p, "/slurm/uid_1000/job_7");
	/* cpuacct's own line is not cpu's, "cpu" is not "cpuset". */
	assert_int_equal(cgroup_parse_membership("5:cpuset:/a\n", 12, "cpu", p,
						 sizeof(p)), -ENOENT);
	assert_int_equal(cgroup_parse_membership(v1, strlen(v1), NULL, p,
						 sizeof(p)), 0);
	assert_string_equal(p, "/user.slice/session-3.scope");
	assert_int_equal(cgroup_parse_membership(v1, strlen(v1), "io", p,
						 sizeof(p)), -ENOENT);
	assert_int_equal(cgroup_parse_membership(v1, strlen(v1), "memory", p,
						 8), -ENAMETOOLONG);
	/* Malformed lines are skipped, never read past. */
	assert_int_equal(cgroup_parse_membership("junk\n4:memory\n", 14,
						 "memory", p, sizeof(p)),
			 -ENOENT);
}

static void test_mount_lines(void **state)
{
	const char *v1 = "35 31 0:32 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid "
			 "shared:9 - cgroup cgroup rw,cpu,cpuacct";
	const char *v2 = "30 23 0:26 / /sys/fs/cgroup rw shared:4 - cgroup2 "
			 "cgroup2 rw,nsdelegate";
	const char *bind = "40 31 0:32 /docker/abc /mnt/my\\040cg rw - cgroup "
			   "cgroup rw,memory";
	const char *other = "22 1 8:1 / / rw - ext4 /dev/sda1 rw";
	char root[64], mnt[64];

	(void)state;
	assert_int_equal(cgroup_parse_mount(v1, v1 + strlen(v1), "cpu", root,
					    sizeof(root), mnt, sizeof(mnt)), 1);
	assert_string_equal(root, "/");
	assert_string_equal(mnt, "/sys/fs/cgroup/cpu,cpuacct");
	assert_int_equal(cgroup_parse_mount(v1, v1 + strlen(v1), "memory",
					    root, sizeof(root), mnt,
					    sizeof(mnt)), 0);
	assert_int_equal(cgroup_parse_mount(v1, v1 + strlen(v1), NULL, root,
					    sizeof(root), mnt, sizeof(mnt)), 0);
	assert_int_equal(cgroup_parse_mount(v2, v2 + strlen(v2), NULL, root,
					    sizeof(root), mnt, sizeof(mnt)), 1);
	assert_string_equal(mnt, "/sys/fs/cgroup");
	assert_int_equal(cgroup_parse_mount(bind, bind + strlen(bind),
					    "memory", root, sizeof(root), mnt,
					    sizeof(mnt)), 1);
	assert_string_equal(root, "/docker/abc");
	assert_string_equal(mnt, "/mnt/my cg");
	assert_int_equal(cgroup_parse_mount(other, other + strlen(other),
					    "memory", root, sizeof(root), mnt,
					    sizeof(mnt)), 0);
	assert_true(cgroup_parse_mount("1 2 3", "1 2 3" + 5, "cpu", root,
				       sizeof(root), mnt, sizeof(mnt)) < 0);
}

static void test_values(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(cgroup_parse_limit("max\n", 4, &v), -ENODATA);
	assert_int_equal(cgroup_parse_limit("-1\n", 3, &v), -ENODATA);
	assert_int_equal(cgroup_parse_limit("9223372036854771712\n", 20, &v),
			 -ENODATA);
	assert_int_equal(v, 7);
	assert_int_equal(cgroup_parse_limit("104857600\n", 10, &v), 0);
	assert_int_equal(v, 104857600);
	assert_int_equal(cgroup_parse_limit("x\n", 2, &v), -EINVAL);
	assert_int_equal(cgroup_parse_cpu_max("50000 100000\n", 13, &v), 0);
	assert_int_equal(v, 500);
	assert_int_equal(cgroup_parse_cpu_max("250000 100000\n", 14, &v), 0);
	assert_int_equal(v, 2500);
	assert_int_equal(cgroup_parse_cpu_max("max 100000\n", 11, &v),
			 -ENODATA);
	assert_int_equal(cgroup_parse_cpu_max("5 0\n", 4, &v), -EINVAL);
	const char *psi = "some avg10=1.50 avg60=0.20 avg300=0.00 total=123456\n"
			  "full avg10=0.00 avg60=0.00 avg300=0.00 total=99\n";
	assert_int_equal(cgroup_parse_psi_some(psi, strlen(psi), &v), 0);
	assert_int_equal(v, 123456);
	assert_int_equal(cgroup_parse_psi_some("full total=1\n", 13, &v),
			 -EINVAL);
}

static int in_job(const void *ctx, int32_t pid)
{
	(void)ctx;
	return pid == 100 || pid == 101;
}

static void sample(struct cgroup_job *cg, struct rt_sample *s)
{
	memset(s, 0, sizeof(*s));
	cgroup_sample(cg, proc, 1, in_job, NULL, s);
}

/* A stat of pid whose parent is ppid (fields 3-24). */
static void put_stat(int pid, int ppid)
{
	char rel[32], text[128];

	snprintf(rel, sizeof(rel), "%d/stat", pid);
	snprintf(text, sizeof(text), "%d (p) S %d 1 1 0 -1 0 0 0 0 0 1 1 0 0 "
		 "20 0 1 0 5 1 1\n", pid, ppid);
	assert_int_equal(scratch_put(proc, rel, text), 0);
}

/* Pid 100 (the root, whose parent 50 is an rtrack wrapper, whose parent
 * is 1) in a Slurm-like v1 step with half a core and 100 MiB. */
static void put_v1(const char *procs)
{
	const char *mnt =
		"31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"
		"32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup "
		"rw,cpu,cpuacct\n"
		"35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup "
		"rw,memory\n";
	const char *m = "fs/cgroup/memory/job/";

	assert_int_equal(scratch_put(proc, "self/mountinfo", mnt), 0);
	assert_int_equal(scratch_put(proc, "100/cgroup",
				     "4:memory:/job\n3:cpu,cpuacct:/job\n"
				     "0::/\n"), 0);
	put_stat(100, 50);
	put_stat(50, 1);
	put_stat(1, 0);
	assert_int_equal(scratch_put(proc, "pressure/io",
				     "some avg10=0.00 avg60=0.00 avg300=0.00 "
				     "total=4000\nfull avg10=0.00 avg60=0.00 "
				     "avg300=0.00 total=10\n"), 0);
	assert_int_equal(scratch_put(sys, "fs/cgroup/cpu,cpuacct/job/"
				     "cpu.cfs_quota_us", "50000\n"), 0);
	assert_int_equal(scratch_put(sys, "fs/cgroup/cpu,cpuacct/job/"
				     "cpu.cfs_period_us", "100000\n"), 0);
	assert_int_equal(scratch_put(sys, "fs/cgroup/cpu,cpuacct/job/cpu.stat",
				     "nr_periods 40\nnr_throttled 12\n"
				     "throttled_time 600000000\n"), 0);
	char path[128];
	const char *files[][2] = {
		{ "memory.limit_in_bytes", "104857600\n" },
		{ "memory.usage_in_bytes", "52428800\n" },
		{ "memory.max_usage_in_bytes", "104853504\n" },
		{ "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n"
					"oom_kill 1\n" },
		{ "cgroup.procs", procs },
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", m, files[i][0]);
		assert_int_equal(scratch_put(sys, path, files[i][1]), 0);
	}
}

static void test_v1_job(void **state)
{
	static struct cgroup_job cg;
	struct rt_sample s;

	(void)state;
	/* The root, a child, the wrapper above them: the job's own. */
	put_v1("50\n100\n101\n");
	cgroup_init(&cg, 0);
	assert_int_equal(cgroup_find(&cg, proc, sys, 100), 0);
	assert_int_equal(cg.nanc, 2);
	sample(&cg, &s);
	assert_true(sample_has(&s, RT_F_cg_cpu_quota_mcores));
	assert_int_equal(s.cg_cpu_quota_mcores, 500);
	assert_int_equal(s.cg_throttled_ns, 600000000);
	assert_int_equal(s.cg_cpu_periods, 40);
	assert_int_equal(s.cg_cpu_periods_throttled, 12);
	assert_int_equal(s.cg_mem_limit_kib, 102400);
	assert_int_equal(s.cg_mem_usage_kib, 51200);
	assert_int_equal(s.cg_mem_peak_kib, 102396);
	assert_int_equal(s.cg_oom_kills, 1);
	assert_true(sample_has(&s, RT_F_cg_foreign_procs));
	assert_int_equal(s.cg_foreign_procs, 0);
	/* v1 has no cgroup PSI here (no unified mount): the system's. */
	assert_false(sample_has(&s, RT_F_cg_io_pressure_us));
	assert_int_equal(s.sys_io_pressure_us, 4000);
	cgroup_close(&cg);

	/* A stranger in the cgroup: counted, at the next slow read. */
	put_v1("50\n100\n777\n101\n");
	cgroup_init(&cg, 1);
	assert_int_equal(cgroup_find(&cg, proc, sys, 100), 0);
	sample(&cg, &s);
	assert_int_equal(s.cg_foreign_procs, 1);
	/* Kept descriptors read afresh (pread from 0). */
	assert_int_equal(scratch_put(sys, "fs/cgroup/memory/job/"
				     "memory.oom_control",
				     "oom_kill_disable 0\nunder_oom 0\n"
				     "oom_kill 3\n"), 0);
	sample(&cg, &s);
	assert_int_equal(s.cg_oom_kills, 3);
	cgroup_close(&cg);
}

static void test_v2_job(void **state)
{
	static struct cgroup_job cg;
	struct rt_sample s;
	const char *d = "fs/cgroup/system.slice/job.scope/";
	char path[128];
	const char *files[][2] = {
		{ "cpu.max", "max 100000\n" },
		{ "cpu.stat", "usage_usec 10\nnr_throttled 0\n"
			      "throttled_usec 2500\n" },
		{ "memory.max", "max\n" },
		{ "memory.current", "1048576\n" },
		{ "memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n"
				   "oom_group_kill 0\n" },
		{ "io.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 "
				 "total=77\nfull avg10=0.00 avg60=0.00 "
				 "avg300=0.00 total=7\n" },
		{ "cgroup.procs", "100\n" },
	};

	(void)state;
	teardown(NULL);
	setup(NULL);
	assert_int_equal(scratch_put(proc, "self/mountinfo",
				     "30 23 0:26 / /sys/fs/cgroup rw - cgroup2 "
				     "cgroup2 rw\n"), 0);
	assert_int_equal(scratch_put(proc, "100/cgroup",
				     "0::/system.slice/job.scope\n"), 0);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", d, files[i][0]);
		assert_int_equal(scratch_put(sys, path, files[i][1]), 0);
	}
	cgroup_init(&cg, 0);
	assert_int_equal(cgroup_find(&cg, proc, sys, 100), 0);
	assert_int_equal(cg.nanc, 0); /* no stat: no ancestors known */
	sample(&cg, &s);
	/* Unlimited, and no memory.peak before Linux 5.19: missing. */
	assert_false(sample_has(&s, RT_F_cg_cpu_quota_mcores));
	assert_false(sample_has(&s, RT_F_cg_mem_limit_kib));
	assert_false(sample_has(&s, RT_F_cg_mem_peak_kib));
	assert_int_equal(s.cg_throttled_ns, 2500000);
	assert_int_equal(s.cg_cpu_periods_throttled, 0);
	assert_false(sample_has(&s, RT_F_cg_cpu_periods)); /* not in the file */
	assert_int_equal(s.cg_mem_usage_kib, 1024);
	assert_true(sample_has(&s, RT_F_cg_oom_kills));
	assert_int_equal(s.cg_oom_kills, 0);
	assert_int_equal(s.cg_io_pressure_us, 77);
	assert_int_equal(s.cg_foreign_procs, 0);
	/* No /proc/pressure: the kernel has no PSI. */
	assert_false(sample_has(&s, RT_F_sys_io_pressure_us));
}

/* No membership file (a kernel without cgroups): everything missing. */
static void test_no_cgroup(void **state)
{
	static struct cgroup_job cg;
	struct rt_sample s;

	(void)state;
	cgroup_init(&cg, 0);
	assert_true(cgroup_find(&cg, proc, sys, 4242) < 0);
	sample(&cg, &s);
	for (unsigned f = RT_F_cg_cpu_quota_mcores; f <= RT_F_cg_io_pressure_us;
	     f++)
		assert_false(sample_has(&s, (enum rt_field)f));
	assert_false(sample_has(&s, RT_F_cg_cpu_periods));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_membership),
		cmocka_unit_test(test_mount_lines),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_v1_job),
		cmocka_unit_test(test_v2_job),
		cmocka_unit_test(test_no_cgroup),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
