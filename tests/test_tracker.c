/* test_tracker.c - the tree sampler against the real /proc (a tree of
 * processes this test makes, one of them forked by a second thread) and
 * against small fake /proc trees for the cases a live system cannot show. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tracker.h"

#include "scratch.h"

static struct tracker t;

struct gone_log {
	int n;
	uint32_t pids[16];
	uint32_t flags[16];
	uint64_t hwm[16];
	char cmd[16][RT_PROC_CMDLINE_MAX];
};

static void record_gone(const struct rt_proc *p, void *ctx)
{
	struct gone_log *g = ctx;

	if (g->n < 16) {
		g->pids[g->n] = p->pid;
		g->flags[g->n] = p->flags;
		g->hwm[g->n] = p->hwm_kib;
		memcpy(g->cmd[g->n], p->cmdline, sizeof(p->cmdline));
	}
	g->n++;
}

static void cfg_init(struct tracker_cfg *c, const char *procroot, pid_t root)
{
	memset(c, 0, sizeof(*c));
	c->procroot = procroot;
	c->sysroot = "/sys";
	c->root_pid = root;
	c->children = 1;
	c->system = 1;
	c->mem_mode = RT_MEM_PSS;
	c->clk_tck = (uint32_t)sysconf(_SC_CLK_TCK);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	return pid;
}

static void *thread_fork(void *arg)
{
	*(pid_t *)arg = spawn_sleeper();
	return NULL;
}

/* Wait until pid's children file lists n children (fork is asynchronous
 * from the parent's view only until fork returns, but a grandchild is made
 * by the child). */
static void wait_children(struct tracker *tr, size_t want, struct gone_log *g)
{
	struct rt_sample s;
	int i;

	for (i = 0; i < 200; i++) {
		tracker_sample(tr, now_ns(), &s, record_gone, g);
		if (s.tree_procs == want)
			return;
		usleep(10000);
	}
}

/* Descriptors open in this process now. */
static int count_fds(void)
{
	char buf[64];
	int n = 0, fd;

	for (fd = 0; fd < 4096; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	(void)buf;
	return n;
}

static void live_tree(unsigned budget)
{
	struct tracker_cfg c;
	struct rt_sample s;
	struct gone_log g = { 0 };
	pthread_t th;
	pid_t b, grand_pipe_child, c_pid;
	int fds[2], open_before;

	assert_int_equal(pipe(fds), 0);
	b = fork();
	if (b == 0) {
		/* B: forks G, tells its pid, then waits. */
		pid_t gpid = spawn_sleeper();
		if (write(fds[1], &gpid, sizeof(gpid)) != sizeof(gpid))
			_exit(1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(fds[0], &grand_pipe_child, sizeof(pid_t)),
			 sizeof(pid_t));
	/* C is forked by a second thread: only that task's children file
	 * lists it. */
	assert_int_equal(pthread_create(&th, NULL, thread_fork, &c_pid), 0);
	pthread_join(th, NULL);

	cfg_init(&c, "/proc", getpid());
	tracker_init(&t, &c);
	open_before = count_fds();
	tracker_keep_fds(&t, budget);
	wait_children(&t, 4, &g);
	tracker_sample(&t, now_ns(), &s, record_gone, &g);
	assert_int_equal(s.tree_procs, 4);
	assert_int_equal(g.n, 0);
	assert_true(sample_has(&s, RT_F_tree_mem_kib));
	assert_true(s.tree_mem_kib > 0);
	assert_true(s.tree_rss_kib >= s.tree_mem_kib); /* PSS <= RSS */
	assert_true(s.tree_hwm_max_kib > 0);
	assert_true(sample_has(&s, RT_F_sys_mem_total_kib));
	assert_true(s.sys_procs >= 4);
	assert_false(sample_has(&s, RT_F_tracker_cpu_ns));

	/* C dies and is reaped: reported once, as gone. */
	kill(c_pid, SIGKILL);
	waitpid(c_pid, NULL, 0);
	tracker_sample(&t, now_ns(), &s, record_gone, &g);
	assert_int_equal(s.tree_procs, 3);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.pids[0], (uint32_t)c_pid);
	assert_int_equal(g.flags[0] & RT_PROC_ALIVE_AT_END, 0);

	/* B and its child G go: G is reparented away from the tree. */
	kill(grand_pipe_child, SIGKILL);
	kill(b, SIGKILL);
	waitpid(b, NULL, 0);
	wait_children(&t, 1, &g);
	assert_int_equal(g.n, 3);
	tracker_sample(&t, now_ns(), &s, record_gone, &g);
	assert_int_equal(s.tree_procs, 1);

	/* The end: the root itself is reported, alive, with its cmdline. */
	tracker_finish(&t, record_gone, &g);
	assert_int_equal(g.n, 4);
	assert_int_equal(g.pids[3], (uint32_t)getpid());
	assert_true(g.flags[3] & RT_PROC_ALIVE_AT_END);
	assert_non_null(strstr(g.cmd[3], "test_tracker"));
	assert_true(g.hwm[3] > 0);
	/* Every kept descriptor closed and given back. */
	assert_int_equal(t.fd_budget, budget);
	assert_int_equal(count_fds(), open_before);
	close(fds[0]);
	close(fds[1]);
}

static void test_live_tree(void **state)
{
	(void)state;
	live_tree(0);
}

/* The same with /proc descriptors kept between samples, with room for
 * all of them and with room for a few only (the rest opened by path). */
static void test_live_tree_kept(void **state)
{
	(void)state;
	live_tree(64);
	live_tree(3);
}

static void test_children_off(void **state)
{
	struct tracker_cfg c;
	struct rt_sample s;
	struct gone_log g = { 0 };
	pid_t kid = spawn_sleeper();

	(void)state;
	cfg_init(&c, "/proc", getpid());
	c.children = 0;
	c.system = 0;
	tracker_init(&t, &c);
	tracker_sample(&t, now_ns(), &s, record_gone, &g);
	assert_int_equal(s.tree_procs, 1);
	assert_false(sample_has(&s, RT_F_sys_procs));
	assert_false(sample_has(&s, RT_F_sys_net_sent_bytes));
	assert_true(sample_has(&s, RT_F_tree_utime_ticks));
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
}

/* A root's only sample at a job's early end skips the cgroup: every
 * cgroup field missing (never 0), the tree's figures there. */
static void test_no_cgroup(void **state)
{
	struct tracker_cfg c;
	struct rt_sample s;
	struct gone_log g = { 0 };

	(void)state;
	cfg_init(&c, "/proc", getpid());
	c.system = 0;
	c.no_cgroup = 1;
	tracker_init(&t, &c);
	tracker_sample(&t, now_ns(), &s, record_gone, &g);
	for (unsigned f = RT_F_cg_cpu_quota_mcores;
	     f <= RT_F_cg_cpu_periods_throttled; f++)
		assert_false(sample_has(&s, (enum rt_field)f));
	assert_true(sample_has(&s, RT_F_tree_utime_ticks));
	assert_true(sample_has(&s, RT_F_tree_mem_kib));
	tracker_finish(&t, record_gone, &g);
}

/* The seed's rule: a child's CPU counted while it lives moves into the
 * parent's cutime when reaped, so the tree sum does not drop. */
static void test_cpu_survives_reap(void **state)
{
	struct tracker_cfg c;
	struct rt_sample s1, s2, s3;
	struct gone_log g = { 0 };
	int fds[2];
	char x;
	pid_t kid;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	kid = fork();
	if (kid == 0) {
		volatile double v = 1;
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		do {
			v = v * 1.0000001;
			clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
		} while (b.tv_sec == 0 && b.tv_nsec < 300000000);
		if (write(fds[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(fds[0], &x, 1), 1);
	cfg_init(&c, "/proc", getpid());
	tracker_init(&t, &c);
	tracker_sample(&t, now_ns(), &s1, record_gone, &g);
	kill(kid, SIGKILL);
	tracker_sample(&t, now_ns(), &s2, record_gone, &g); /* zombie: still there */
	waitpid(kid, NULL, 0);
	tracker_sample(&t, now_ns(), &s3, record_gone, &g);
	uint64_t tck = (uint64_t)sysconf(_SC_CLK_TCK);
	uint64_t cpu1 = s1.tree_utime_ticks + s1.tree_stime_ticks;
	uint64_t cpu3 = s3.tree_utime_ticks + s3.tree_stime_ticks;
	assert_true(cpu1 >= 3 * tck / 10 - 2);
	assert_true(cpu3 >= cpu1);
	assert_int_equal(s1.tree_procs, 2);
	assert_int_equal(s3.tree_procs, 1);
	close(fds[0]);
	close(fds[1]);
}

/* A child forked by a thread that is still running is listed only in that
 * thread's children file: with kept descriptors the task directory is
 * still walked while the process has several threads. */
static pthread_mutex_t hold = PTHREAD_MUTEX_INITIALIZER;

static void *thread_fork_hold(void *arg)
{
	__atomic_store_n((pid_t *)arg, spawn_sleeper(), __ATOMIC_SEQ_CST);
	pthread_mutex_lock(&hold);
	pthread_mutex_unlock(&hold);
	return NULL;
}

static void test_kept_threads(void **state)
{
	struct tracker_cfg c;
	struct rt_sample s;
	struct gone_log g = { 0 };
	pthread_t th;
	pid_t kid = 0, first;

	(void)state;
	cfg_init(&c, "/proc", getpid());
	c.system = 0;
	tracker_init(&t, &c);
	tracker_keep_fds(&t, 64);
	first = spawn_sleeper(); /* kept while single-threaded */
	tracker_sample(&t, now_ns(), &s, record_gone, &g);
	assert_int_equal(s.tree_procs, 2);
	pthread_mutex_lock(&hold);
	assert_int_equal(pthread_create(&th, NULL, thread_fork_hold, &kid), 0);
	while (__atomic_load_n(&kid, __ATOMIC_SEQ_CST) == 0)
		usleep(1000);
	wait_children(&t, 3, &g);
	assert_int_equal(s.tree_procs, 2); /* s is the first sample's */
	tracker_sample(&t, now_ns(), &s, record_gone, &g);
	assert_int_equal(s.tree_procs, 3);
	pthread_mutex_unlock(&hold);
	pthread_join(th, NULL);
	kill(kid, SIGKILL);
	kill(first, SIGKILL);
	waitpid(kid, NULL, 0);
	waitpid(first, NULL, 0);
	tracker_sample(&t, now_ns(), &s, record_gone, &g);
	assert_int_equal(s.tree_procs, 1);
	tracker_finish(&t, record_gone, &g);
	assert_int_equal(t.fd_budget, 64);
}

/* A child sharing the parent's address space (clone CLONE_VM, as vfork
 * and posix_spawn make) that then execs: its PSS must be read from its
 * new address space.  smaps_rollup opened before the exec would go on
 * reading the parent's, which is why it is never kept. */
__attribute__((no_sanitize("address", "thread", "undefined")))
static int shared_mm_child(void *arg)
{
	static char *const argv[] = { "sleep", "30", NULL };
	static char *const envp[] = { NULL };
	int *p = arg;
	char x;

	/* Raw system calls only: this child shares the parent's memory and
	 * thread pointer, so no libc state (nor a sanitizer's) may be
	 * touched; and it never outlives a failed test by more than the
	 * alarm. */
	syscall(SYS_alarm, 30);
	if (syscall(SYS_read, p[0], &x, 1) != 1)
		syscall(SYS_exit, 1);
	syscall(SYS_execve, "/bin/sleep", argv, envp);
	syscall(SYS_exit, 127);
	return 0;
}

static void test_kept_shared_mm_exec(void **state)
{
	enum { BIG = 96 << 20 };
	static char stack[64 * 1024] __attribute__((aligned(16)));
	struct tracker_cfg c;
	struct rt_sample s;
	struct gone_log g = { 0 };
	char *big;
	uint64_t shared_kib;
	int p[2], i;
	pid_t kid;

	(void)state;
#if defined(__SANITIZE_THREAD__)
	/* ThreadSanitizer's runtime crashes on a clone(CLONE_VM) child: the
	 * plain and ASan builds run this test. */
	skip();
#endif
	big = malloc(BIG);
	assert_non_null(big);
	memset(big, 1, BIG); /* the parent's PSS: about 96 MiB */
	assert_int_equal(pipe(p), 0);
	kid = clone(shared_mm_child, stack + sizeof(stack),
		    CLONE_VM | SIGCHLD, p);
	assert_true(kid > 0);
	cfg_init(&c, "/proc", getpid());
	c.system = 0;
	tracker_init(&t, &c);
	tracker_keep_fds(&t, 64);
	wait_children(&t, 2, &g);
	tracker_sample(&t, now_ns(), &s, record_gone, &g);
	shared_kib = s.tree_mem_kib; /* one address space, counted twice */
	assert_true(shared_kib > 2 * (BIG >> 10) * 9 / 10);
	assert_int_equal(write(p[1], "x", 1), 1);
	/* Exec'd: the child's comm becomes "sleep". */
	for (i = 0; i < 500; i++) {
		char path[64], comm[32] = "";
		int fd;
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)kid);
		fd = open(path, O_RDONLY);
		if (fd >= 0) {
			if (read(fd, comm, sizeof(comm) - 1) < 0)
				comm[0] = '\0';
			close(fd);
		}
		if (strncmp(comm, "sleep", 5) == 0)
			break;
		usleep(2000);
	}
	tracker_sample(&t, now_ns(), &s, record_gone, &g);
	assert_int_equal(s.tree_procs, 2);
	assert_true(s.tree_mem_kib < (BIG >> 10) * 13 / 10);
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
	tracker_finish(&t, record_gone, &g);
	assert_int_equal(t.fd_budget, 64);
	free(big);
	close(p[0]);
	close(p[1]);
}

/* PSS spacing: with cost_share, a process whose smaps_rollup was just read
 * is not read again before its due time; its PSS follows its RSS. */
static void test_pss_spacing(void **state)
{
	enum { STEP = 64 << 20 };
	struct tracker_cfg c;
	struct rt_sample s1, s2, s3;
	struct gone_log g = { 0 };
	int go[2], ready[2], i;
	char x;
	pid_t kid;

	(void)state;
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(ready), 0);
	kid = fork();
	if (kid == 0) {
		char *m = malloc(2 * STEP);
		if (!m)
			_exit(1);
		for (i = 0; i < 2; i++) {
			memset(m + (size_t)i * STEP, 1, STEP);
			if (write(ready[1], "r", 1) != 1 || read(go[0], &x, 1) != 1)
				_exit(1);
		}
		pause();
		_exit(0);
	}
	assert_int_equal(read(ready[0], &x, 1), 1);
	cfg_init(&c, "/proc", getpid());
	c.system = 0;
	c.cost_share = 1000000000u; /* never due again in this test */
	tracker_init(&t, &c);
	wait_children(&t, 2, &g);
	tracker_sample(&t, now_ns(), &s1, record_gone, &g);
	i = 0;
	while (t.ent[i].p.pid != (uint32_t)kid)
		i++;
	assert_true(t.ent[i].pss_read);
	uint64_t first = t.ent[i].pss_kib;
	assert_true(first >= (STEP >> 10) * 9 / 10);
	/* The child doubles its memory: not read again, but followed. */
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(read(ready[0], &x, 1), 1);
	tracker_sample(&t, now_ns(), &s2, record_gone, &g);
	assert_int_equal(t.ent[i].pss_kib, first);
	assert_true(sample_has(&s2, RT_F_tree_mem_kib));
	assert_true(s2.tree_mem_kib >= s1.tree_mem_kib + (STEP >> 10) * 9 / 10);
	assert_true(s2.tree_mem_kib <= s2.tree_rss_kib);
	/* Every sample reads it with cost_share 0. */
	t.cfg.cost_share = 0;
	t.ent[i].pss_due_ns = 0;
	tracker_sample(&t, now_ns(), &s3, record_gone, &g);
	assert_true(t.ent[i].pss_kib >= first + (STEP >> 10) * 9 / 10);
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
	tracker_finish(&t, record_gone, &g);
	close(go[0]);
	close(go[1]);
	close(ready[0]);
	close(ready[1]);
}

/* ---- a fake /proc ------------------------------------------------------- */

/* dir/name holds text (directories made as needed). */
static void put_n(const char *dir, const char *name, const char *text,
		  size_t len)
{
	assert_int_equal(scratch_put_n(dir, name, text, len), 0);
}

static void put(const char *dir, const char *name, const char *text)
{
	put_n(dir, name, text, strlen(text));
}

static void fake_proc(const char *root, int pid, int ppid, const char *kids,
		      int with_rollup)
{
	char dir[256], task[512], stat[512];

	snprintf(dir, sizeof(dir), "%s/%d", root, pid);
	snprintf(task, sizeof(task), "%s/task/%d", dir, pid);
	put(task, "children", kids);
	snprintf(stat, sizeof(stat),
		 "%d (w (x) y) S %d 1 1 0 -1 0 0 0 0 0 100 50 20 10 20 0 1 0 500 "
		 "1000 10 0\n", pid, ppid);
	put(dir, "stat", stat);
	put(dir, "status", "Name:\tw\nVmHWM:\t  9000 kB\nVmRSS:\t  8000 kB\n");
	put(dir, "io", "rchar: 1\nwchar: 2\nread_bytes: 4096\nwrite_bytes: 8192\n");
	put_n(dir, "cmdline", "w\0--flag\0", 9);
	if (with_rollup)
		put(dir, "smaps_rollup", "Rss: 8000 kB\nPss:   3000 kB\n");
}

static void test_fake_tree_sums(void **state)
{
	char root[64];
	struct tracker_cfg c;
	struct rt_sample s;
	struct gone_log g = { 0 };

	(void)state;
	assert_int_equal(scratch_mkdtemp(root, sizeof(root), "rtrack-fakeproc"),
			 0);
	fake_proc(root, 100, 1, "101 ", 1);
	fake_proc(root, 101, 100, "", 1);
	cfg_init(&c, root, 100);
	c.system = 0;
	c.boot_time_ns = 1000000000000ull;
	tracker_init(&t, &c);
	tracker_sample(&t, 5, &s, record_gone, &g);
	assert_int_equal(s.tree_procs, 2);
	assert_int_equal(s.tree_utime_ticks, 2 * (100 + 20));
	assert_int_equal(s.tree_stime_ticks, 2 * (50 + 10));
	assert_int_equal(s.tree_mem_kib, 6000);
	assert_int_equal(s.tree_rss_kib, 16000);
	assert_int_equal(s.tree_hwm_max_kib, 9000);
	assert_int_equal(s.tree_read_bytes, 8192);
	assert_int_equal(s.tree_write_bytes, 16384);
	tracker_finish(&t, record_gone, &g);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.cmd[0], "w --flag");

	/* The root's argv from the caller (the preload has it): its record
	 * says so, not /proc; the child's still comes from /proc. */
	c.root_cmdline = "given argv";
	tracker_init(&t, &c);
	tracker_sample(&t, 5, &s, record_gone, &g);
	tracker_finish(&t, record_gone, &g);
	assert_int_equal(g.n, 4);
	assert_int_equal(g.pids[2], 100);
	assert_string_equal(g.cmd[2], "given argv");
	assert_string_equal(g.cmd[3], "w --flag");
	c.root_cmdline = NULL;

	/* RSS mode sums VmRSS; a kernel without smaps_rollup makes PSS
	 * unavailable rather than 0. */
	fake_proc(root, 102, 100, "", 0);
	put(root, "100/task/100/children", "101 102");
	c.mem_mode = RT_MEM_RSS;
	tracker_init(&t, &c);
	tracker_sample(&t, 5, &s, record_gone, &g);
	assert_int_equal(s.tree_mem_kib, 24000);
	c.mem_mode = RT_MEM_PSS;
	tracker_init(&t, &c);
	tracker_sample(&t, 5, &s, record_gone, &g);
	assert_false(sample_has(&s, RT_F_tree_mem_kib));
	assert_int_equal(s.tree_procs, 3);

	/* A root that is gone: the tree figures are unavailable, not 0. */
	c.root_pid = 999;
	tracker_init(&t, &c);
	tracker_sample(&t, 5, &s, record_gone, &g);
	assert_int_equal(s.tree_procs, 0);
	assert_false(sample_has(&s, RT_F_tree_utime_ticks));
	assert_int_equal(scratch_remove(root), 0);
}

/* The pid index under churn: hundreds of children with scattered pids
 * (slots collide and probe chains form, as among a real machine's pids),
 * half of them gone and others new, then samples with no change.  A
 * lookup the index lost would add a second entry for a live process,
 * which the next sweep would report gone; a slot a sweep left behind
 * would fill the table, until adding to it never ended: the counts and
 * the index's load say both. */
static int churn_pid(int i)
{
	static uint32_t x = 12345;

	x = x * 1103515245u + 12345u;
	return 1000 + i * 3001 + (int)((x >> 8) % 3000); /* distinct */
}

static void test_index_churn(void **state)
{
	enum { N = 600, NEW = 150 };
	static char kids[(N + NEW) * 12];
	static int pid[N + NEW];
	char root[64];
	struct tracker_cfg c;
	struct rt_sample s;
	struct gone_log g = { 0 };
	size_t at = 0;
	int i;

	(void)state;
	assert_int_equal(scratch_mkdtemp(root, sizeof(root), "rtrack-churn"), 0);
	for (i = 0; i < N + NEW; i++) {
		pid[i] = churn_pid(i);
		fake_proc(root, pid[i], 100, "", 0);
	}
	for (i = 0; i < N; i++)
		at += (size_t)snprintf(kids + at, sizeof(kids) - at, "%d ",
				       pid[i]);
	fake_proc(root, 100, 1, kids, 0);
	cfg_init(&c, root, 100);
	c.system = 0;
	c.mem_mode = RT_MEM_RSS;
	c.boot_time_ns = 1000000000000ull;
	tracker_init(&t, &c);
	tracker_sample(&t, 5, &s, record_gone, &g);
	assert_int_equal(s.tree_procs, 1 + N);
	assert_int_equal(g.n, 0);
	assert_int_equal(tracker_index_load(&t), 1 + N);

	/* The odd ones go; NEW others come. */
	at = 0;
	for (i = 0; i < N; i += 2)
		at += (size_t)snprintf(kids + at, sizeof(kids) - at, "%d ",
				       pid[i]);
	for (i = N; i < N + NEW; i++)
		at += (size_t)snprintf(kids + at, sizeof(kids) - at, "%d ",
				       pid[i]);
	put(root, "100/task/100/children", kids);
	tracker_sample(&t, 6, &s, record_gone, &g);
	assert_int_equal(s.tree_procs, 1 + N / 2 + NEW);
	assert_int_equal(g.n, N / 2);
	assert_int_equal(tracker_index_load(&t), 1 + N / 2 + NEW);
	tracker_sample(&t, 7, &s, record_gone, &g);
	assert_int_equal(s.tree_procs, 1 + N / 2 + NEW);
	assert_int_equal(g.n, N / 2);

	/* Every child gone: the root alone, found again by its index. */
	put(root, "100/task/100/children", "");
	tracker_sample(&t, 8, &s, record_gone, &g);
	assert_int_equal(s.tree_procs, 1);
	assert_int_equal(g.n, N + NEW);
	tracker_sample(&t, 9, &s, record_gone, &g);
	assert_int_equal(s.tree_procs, 1);
	assert_int_equal(tracker_index_load(&t), 1);
	tracker_finish(&t, record_gone, &g);
	assert_int_equal(g.n, N + NEW + 1);
	assert_int_equal(tracker_index_load(&t), 0);
	assert_int_equal(scratch_remove(root), 0);
}

/* A known process's status is read every TRACKER_STATUS_EVERY samples (and
 * when asked: tracker_status_all); in between its RSS is stat's and its
 * peak at least that. */
static void put_stat_rss(const char *dir, int pid, uint64_t rss_kib)
{
	char stat[512];

	snprintf(stat, sizeof(stat),
		 "%d (w) S 1 1 1 0 -1 0 0 0 0 0 100 50 20 10 20 0 1 0 500 "
		 "1000 %llu 0\n", pid,
		 (unsigned long long)(rss_kib * 1024 / (uint64_t)sysconf(_SC_PAGESIZE)));
	put(dir, "stat", stat);
}

static void put_status(const char *dir, uint64_t hwm, uint64_t rss)
{
	char text[256];

	snprintf(text, sizeof(text), "Name:\tw\nVmHWM:\t%llu kB\nVmRSS:\t%llu kB\n",
		 (unsigned long long)hwm, (unsigned long long)rss);
	put(dir, "status", text);
}

static void test_status_spacing(void **state)
{
	char root[64], dir[300];
	struct tracker_cfg c;
	struct rt_sample s;
	struct gone_log g = { 0 };
	int i;

	(void)state;
	assert_int_equal(scratch_mkdtemp(root, sizeof(root), "rtrack-status"), 0);
	fake_proc(root, 100, 1, "", 0);
	snprintf(dir, sizeof(dir), "%s/100", root);
	put_stat_rss(dir, 100, 8000);
	put_status(dir, 9000, 8000);
	cfg_init(&c, root, 100);
	c.system = 0;
	c.children = 0;
	c.mem_mode = RT_MEM_RSS;
	tracker_init(&t, &c);
	tracker_sample(&t, 5, &s, record_gone, &g); /* first sight: read */
	assert_int_equal(s.tree_hwm_max_kib, 9000);
	assert_int_equal(s.tree_rss_kib, 8000);
	/* A peak between samples shows only in status: not read yet. */
	put_status(dir, 50000, 8000);
	tracker_sample(&t, 6, &s, record_gone, &g);
	assert_int_equal(s.tree_hwm_max_kib, 9000);
	/* RSS grows past the known peak: stat says so at once. */
	put_stat_rss(dir, 100, 12000);
	put_status(dir, 50000, 12000);
	tracker_sample(&t, 7, &s, record_gone, &g);
	assert_int_equal(s.tree_rss_kib, 12000);
	assert_int_equal(s.tree_hwm_max_kib, 12000);
	/* Asked for (the job's last sample): status read. */
	tracker_status_all(&t);
	tracker_sample(&t, 8, &s, record_gone, &g);
	assert_int_equal(s.tree_hwm_max_kib, 50000);
	/* Then every TRACKER_STATUS_EVERY samples. */
	put_status(dir, 60000, 12000);
	for (i = 1; i < TRACKER_STATUS_EVERY; i++) {
		tracker_sample(&t, 8 + (uint64_t)i, &s, record_gone, &g);
		assert_int_equal(s.tree_hwm_max_kib, 50000);
	}
	tracker_sample(&t, 8 + (uint64_t)i, &s, record_gone, &g);
	assert_int_equal(s.tree_hwm_max_kib, 60000);
	tracker_finish(&t, record_gone, &g);
	assert_int_equal(g.hwm[0], 60000);
	assert_int_equal(scratch_remove(root), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_tree),
		cmocka_unit_test(test_live_tree_kept),
		cmocka_unit_test(test_kept_threads),
		cmocka_unit_test(test_kept_shared_mm_exec),
		cmocka_unit_test(test_pss_spacing),
		cmocka_unit_test(test_children_off),
		cmocka_unit_test(test_no_cgroup),
		cmocka_unit_test(test_cpu_survives_reap),
		cmocka_unit_test(test_fake_tree_sums),
		cmocka_unit_test(test_index_churn),
		cmocka_unit_test(test_status_spacing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
