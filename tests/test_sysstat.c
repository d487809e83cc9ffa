/* test_sysstat.c - the system-wide readers against text captured on a real
 * host, odd and hostile text, fake /proc and /sys trees, and the live ones. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sysstat.h"

#include "scratch.h"

/* Captured on a 2-CPU VM (kernel 6.18, virtio disk vda, eth0). */
static const char REAL_STAT[] =
	"cpu  1697 0 1406 80740 254 0 54 13 0 0\n"
	"cpu0 707 0 594 40727 10 0 22 7 0 0\n"
	"cpu1 989 0 812 40013 243 0 32 5 0 0\n"
	"intr 90273 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 1 8 0 0 0 0 84 32 0 19 1 8406 0 488 445 0 1498 3012 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	"ctxt 185844\n"
	"btime 1795593642\n"
	"processes 4177\n"
	"procs_running 1\n"
	"procs_blocked 0\n"
	"softirq 53745 0 8228 3 950 8406 0 2 22351 0 13805\n";

static const char REAL_MEMINFO[] =
	"MemTotal:       24683656 kB\n"
	"MemFree:        24332492 kB\n"
	"MemAvailable:   24380424 kB\n"
	"Buffers:            1596 kB\n"
	"Cached:           252268 kB\n"
	"SwapCached:            0 kB\n"
	"Active:           121856 kB\n"
	"Inactive:         136464 kB\n"
	"Active(anon):       1536 kB\n"
	"Inactive(anon):    11872 kB\n"
	"Active(file):     120320 kB\n"
	"Inactive(file):   124592 kB\n"
	"Unevictable:       10480 kB\n"
	"Mlocked:            8776 kB\n"
	"SwapTotal:             0 kB\n"
	"SwapFree:              0 kB\n"
	"Zswap:                 0 kB\n"
	"Zswapped:              0 kB\n"
	"Dirty:               152 kB\n"
	"Writeback:             0 kB\n"
	"AnonPages:         14904 kB\n"
	"Mapped:            15140 kB\n"
	"Shmem:              8952 kB\n"
	"KReclaimable:      17184 kB\n"
	"Slab:              36020 kB\n"
	"SReclaimable:      17184 kB\n"
	"SUnreclaim:        18836 kB\n"
	"KernelStack:        1332 kB\n"
	"PageTables:         1188 kB\n"
	"SecPageTables:         0 kB\n"
	"NFS_Unstable:          0 kB\n"
	"Bounce:                0 kB\n"
	"WritebackTmp:          0 kB\n"
	"CommitLimit:    12341828 kB\n"
	"Committed_AS:      56220 kB\n"
	"VmallocTotal:   34359738367 kB\n"
	"VmallocUsed:        5588 kB\n"
	"VmallocChunk:          0 kB\n"
	"Percpu:              712 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemHugePages:        0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FileHugePages:         0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Balloon:               0 kB\n"
	"HugePages_Total:       0\n"
	"HugePages_Free:        0\n"
	"HugePages_Rsvd:        0\n"
	"HugePages_Surp:        0\n"
	"Hugepagesize:       2048 kB\n"
	"Hugetlb:               0 kB\n"
	"DirectMap4k:       20480 kB\n"
	"DirectMap2M:     2076672 kB\n"
	"DirectMap1G:    25165824 kB\n";

static const char REAL_DISKSTATS[] =
	"   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	"   7       1 loop1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	"   7       2 loop2 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	"   7       3 loop3 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	"   7       4 loop4 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	"   7       5 loop5 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	"   7       6 loop6 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	"   7       7 loop7 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	" 254       0 vda 10122 4213 2430586 9582 1614 4047 337800 2105 0 6600 12363 3773 82 90568 637 173 37\n"
	" 253       0 zram0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";

static const char REAL_NETDEV[] =
	"Inter-|   Receive                                                |  Transmit\n"
	" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
	"    lo:    3267      29    0    0    0     0          0         0     3267      29    0    0    0     0       0          0\n"
	"  ifb0:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0\n"
	"  ifb1:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0\n"
	"  eth0: 18790939     666    0    0    0     0          0         0    36867     474    0    0    0     0       0          0\n";

static const char REAL_MOUNTS[] =
	"proc /proc proc rw,relatime 0 0\n"
	"sysfs /sys sysfs rw,relatime 0 0\n"
	"devtmpfs /dev devtmpfs rw,relatime,size=12334432k,nr_inodes=3083608,mode=755 0 0\n"
	"tmpfs /dev/shm tmpfs rw,relatime,size=24683656k 0 0\n"
	"devpts /dev/pts devpts rw,relatime,mode=600,ptmxmode=000 0 0\n"
	"/dev/vda / ext4 rw,relatime,discard,resv_strict,resuid=65534,resgid=65534 0 0\n"
	"model_tools_unavailable /mnt/sandboxing/model_tools_env/v1/python tmpfs ro,nosuid,nodev,relatime,size=4k,mode=755 0 0\n"
	"devpts /dev/pts devpts rw,relatime,mode=600,ptmxmode=000 0 0\n"
	"tmpfs /dev/shm tmpfs rw,relatime,size=24683656k 0 0\n"
	"tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0\n"
	"cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0\n"
	"cgroup /sys/fs/cgroup/cpuacct cgroup rw,relatime,cpuacct 0 0\n"
	"cgroup /sys/fs/cgroup/cpuset cgroup rw,relatime,cpuset 0 0\n"
	"cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0\n"
	"cgroup /sys/fs/cgroup/devices cgroup rw,relatime,devices 0 0\n"
	"cgroup /sys/fs/cgroup/freezer cgroup rw,relatime,freezer 0 0\n"
	"cgroup /sys/fs/cgroup/blkio cgroup rw,relatime,blkio 0 0\n"
	"cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0\n"
	"cgroup /sys/fs/cgroup/systemd cgroup rw,relatime,name=systemd 0 0\n"
	"cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n";

/* ---- helpers ---- */

/* A struct sysstat full of a byte pattern, to see what a call touched. */
static void poison(struct sysstat *s)
{
	memset(s, 0xab, sizeof(*s));
}

static int is_poisoned(const struct sysstat *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i;

	for (i = 0; i < sizeof(*s); i++)
		if (p[i] != 0xab)
			return 0;
	return 1;
}

/* is_disk over a NULL-terminated list of names. */
static int in_list(const char *name, void *ctx)
{
	const char *const *l;

	for (l = ctx; *l; l++)
		if (strcmp(*l, name) == 0)
			return 1;
	return 0;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* ---- cpu ---- */

static void cpu_real(void **state)
{
	struct sysstat s;

	(void)state;
	poison(&s);
	assert_int_equal(
		sysstat_parse_cpu(REAL_STAT, strlen(REAL_STAT), &s), 0);
	assert_int_equal(s.user_ticks, 1697 + 0);
	assert_int_equal(s.system_ticks, 1406);
}

static void cpu_aggregate_line_not_first(void **state)
{
	/* Only "cpu " (with the blank) is the total; "cpu0" is one CPU. */
	static const char t[] = "cpu0 5 5 5 5\ncpu  7 1 3 9\ncpu1 6 6 6 6\n";
	struct sysstat s;

	(void)state;
	poison(&s);
	assert_int_equal(sysstat_parse_cpu(t, strlen(t), &s), 0);
	assert_int_equal(s.user_ticks, 8);
	assert_int_equal(s.system_ticks, 3);
}

static void cpu_bad(void **state)
{
	static const char *const bad[] = {
		"cpu0 1 2 3 4\ncpu1 1 2 3 4\n", /* no total line */
		"cpu  12x 0 3 4\n",              /* malformed number */
		"cpu  1 2\n",                    /* too few fields */
		"cpu  1 2\n3 4\n",               /* fields do not span lines */
		"cpu  99999999999999999999 0 0 0\n", /* overflow */
		"cpu -1 2 3 4\n",
		"",
	};
	struct sysstat s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		poison(&s);
		assert_int_equal(sysstat_parse_cpu(bad[i], strlen(bad[i]), &s),
				 -EINVAL);
		assert_true(is_poisoned(&s));
	}
}

static void cpu_len_bounds_parse(void **state)
{
	/* The buffer holds more than len: nothing past len may be read. */
	static const char t[] = "cpu  1 2 3 4\ncpu  9 9 9 9\n";
	struct sysstat s;

	(void)state;
	poison(&s);
	assert_int_equal(sysstat_parse_cpu(t, 8, &s), -EINVAL); /* "cpu  1 2" */
	assert_int_equal(sysstat_parse_cpu(t, 10, &s), 0);      /* "cpu  1 2 3" */
	assert_int_equal(s.user_ticks, 3);
	assert_int_equal(s.system_ticks, 3);
}

/* ---- meminfo ---- */

static void meminfo_real(void **state)
{
	struct sysstat s;

	(void)state;
	poison(&s);
	assert_int_equal(
		sysstat_parse_meminfo(REAL_MEMINFO, strlen(REAL_MEMINFO), &s), 0);
	assert_int_equal(s.mem_total_kib, 24683656);
	assert_int_equal(s.mem_free_kib, 24332492);
	assert_int_equal(s.mem_available_kib, 24380424);
	assert_int_equal(s.mem_buffers_kib, 1596);
	assert_int_equal(s.mem_cached_kib, 252268 + 17184);
	assert_int_equal(s.mem_active_kib, 121856);
	assert_int_equal(s.mem_inactive_kib, 136464);
}

static void meminfo_active_anon_first(void **state)
{
	/* Active(anon) ahead of Active must not be taken for it. */
	static const char t[] = "Active(anon):  5 kB\nInactive(file): 6 kB\n"
				"MemTotal: 100 kB\nMemFree: 10 kB\n"
				"MemAvailable: 50 kB\nBuffers: 1 kB\nCached: 2 kB\n"
				"SwapCached: 99 kB\nActive: 7 kB\nInactive: 8 kB\n";
	struct sysstat s;

	(void)state;
	poison(&s);
	assert_int_equal(sysstat_parse_meminfo(t, strlen(t), &s), 0);
	assert_int_equal(s.mem_active_kib, 7);
	assert_int_equal(s.mem_inactive_kib, 8);
	assert_int_equal(s.mem_cached_kib, 2); /* no SReclaimable line */
	assert_int_equal(s.mem_total_kib, 100);
}

static void meminfo_bad(void **state)
{
	static const char *const bad[] = {
		/* no MemAvailable */
		"MemTotal: 1 kB\nMemFree: 1 kB\nBuffers: 1 kB\nCached: 1 kB\n"
		"Active: 1 kB\nInactive: 1 kB\n",
		/* only Active(anon), no Active */
		"MemTotal: 1 kB\nMemFree: 1 kB\nMemAvailable: 1 kB\n"
		"Buffers: 1 kB\nCached: 1 kB\nActive(anon): 1 kB\nInactive: 1 kB\n",
		/* malformed number */
		"MemTotal: 1 kB\nMemFree: x kB\nMemAvailable: 1 kB\n"
		"Buffers: 1 kB\nCached: 1 kB\nActive: 1 kB\nInactive: 1 kB\n",
		/* malformed SReclaimable */
		"MemTotal: 1 kB\nMemFree: 1 kB\nMemAvailable: 1 kB\n"
		"Buffers: 1 kB\nCached: 1 kB\nActive: 1 kB\nInactive: 1 kB\n"
		"SReclaimable: - kB\n",
		"",
	};
	struct sysstat s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		poison(&s);
		assert_int_equal(
			sysstat_parse_meminfo(bad[i], strlen(bad[i]), &s), -EINVAL);
		assert_true(is_poisoned(&s));
	}
}

/* ---- diskstats ---- */

static void diskstats_real(void **state)
{
	static const char *const disks[] = {
		"loop0", "loop1", "loop2", "loop3", "loop4", "loop5", "loop6",
		"loop7", "vda", "zram0", NULL,
	};
	struct sysstat s;

	(void)state;
	poison(&s);
	assert_int_equal(sysstat_parse_diskstats(REAL_DISKSTATS,
						 strlen(REAL_DISKSTATS), in_list,
						 (void *)disks, &s),
			 0);
	assert_int_equal(s.disk_read_bytes, 2430586ull * 512);
	assert_int_equal(s.disk_write_bytes, 337800ull * 512);
}

static void diskstats_partitions_skipped(void **state)
{
	/* Partition lines of pre-2.6.25 kernels had 4 counters only: they
	 * must be skipped before their counters are parsed. */
	static const char t[] =
		"   8       0 sda 1 0 100 0 1 0 1000 0 0 0 0\n"
		"   8       1 sda1 1 0 90 0 1 0 900 0 0 0 0\n"
		"   8       2 sda2 4 9 4 9\n"
		" 259       0 nvme0n1 1 0 20 0 1 0 200 0 0 0 0 0 0 0 0 0 0\n"
		" 259       1 nvme0n1p1 1 0 19 0 1 0 190 0 0 0 0 0 0 0 0 0 0\n"
		" 179       0 mmcblk0 1 0 3 0 1 0 30 0 0 0 0\n"
		" 179       1 mmcblk0p1 1 0 2 0 1 0 20 0 0 0 0\n";
	static const char *const disks[] = {"sda", "nvme0n1", "mmcblk0", NULL};
	struct sysstat s;

	(void)state;
	poison(&s);
	assert_int_equal(sysstat_parse_diskstats(t, strlen(t), in_list,
						 (void *)disks, &s),
			 0);
	assert_int_equal(s.disk_read_bytes, (100ull + 20 + 3) * 512);
	assert_int_equal(s.disk_write_bytes, (1000ull + 200 + 30) * 512);
}

static void diskstats_bad(void **state)
{
	static const char *const bad[] = {
		"   8 0 sda 1 0 100 0 1 0\n",        /* disk, too few counters */
		"   8 0 sda 1 0 1x0 0 1 0 1000\n",   /* malformed counter */
		"   x 0 sda 1 0 100 0 1 0 1000\n",   /* malformed major */
		"   8 0\n",                          /* no name */
	};
	static const char *const disks[] = {"sda", NULL};
	struct sysstat s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		poison(&s);
		assert_int_equal(sysstat_parse_diskstats(bad[i], strlen(bad[i]),
							 in_list, (void *)disks,
							 &s),
				 -EINVAL);
		assert_true(is_poisoned(&s));
	}
}

/* ---- net/dev ---- */

#define NET_HEADER                                                         \
	"Inter-|   Receive                                                |  " \
	"Transmit\n"                                                           \
	" face |bytes    packets errs drop fifo frame compressed multicast|"  \
	"bytes    packets errs drop fifo colls carrier compressed\n"

static void netdev_real(void **state)
{
	struct sysstat s;

	(void)state;
	poison(&s);
	assert_int_equal(
		sysstat_parse_netdev(REAL_NETDEV, strlen(REAL_NETDEV), &s), 0);
	assert_int_equal(s.net_recv_bytes, 18790939);
	assert_int_equal(s.net_sent_bytes, 36867);
}

static void netdev_no_blank_after_colon(void **state)
{
	static const char t[] = NET_HEADER
		"  eth0:18700732  666 0 0 0 0 0 0 4294967296 474 0 0 0 0 0 0\n"
		"wlp0s20f3:5 1 0 0 0 0 0 0 7 1 0 0 0 0 0 0\n"
		"    lo:1000 1 0 0 0 0 0 0 1000 1 0 0 0 0 0 0\n"
		"  lo0: 1 1 0 0 0 0 0 0 2 1 0 0 0 0 0 0\n";
	struct sysstat s;

	(void)state;
	poison(&s);
	assert_int_equal(sysstat_parse_netdev(t, strlen(t), &s), 0);
	assert_int_equal(s.net_recv_bytes, 18700732ull + 5 + 1);
	assert_int_equal(s.net_sent_bytes, 4294967296ull + 7 + 2);
}

static void netdev_lo_only(void **state)
{
	static const char t[] = NET_HEADER
		"    lo:    3267      29    0    0    0     0          0         "
		"0     3267      29    0    0    0     0       0          0\n";
	struct sysstat s;

	(void)state;
	poison(&s);
	assert_int_equal(sysstat_parse_netdev(t, strlen(t), &s), 0);
	assert_int_equal(s.net_recv_bytes, 0);
	assert_int_equal(s.net_sent_bytes, 0);
}

static void netdev_bad(void **state)
{
	static const char *const bad[] = {
		/* no header: eth0 would be taken for one */
		"  eth0: 1 1 0 0 0 0 0 0 2 1 0 0 0 0 0 0\n"
		"  eth1: 1 1 0 0 0 0 0 0 2 1 0 0 0 0 0 0\n"
		"  eth2: 1 1 0 0 0 0 0 0 2 1 0 0 0 0 0 0\n",
		NET_HEADER "  eth0: 1 1 0 0 0 0 0 0\n",            /* 8 numbers */
		NET_HEADER "  eth0 1 1 0 0 0 0 0 0 2 1 0 0 0 0 0 0\n", /* no ':' */
		NET_HEADER "  eth0: 1 1 0 0 0 0 0 0 2x 1 0 0 0 0 0 0\n",
		"Inter-|   Receive\n", /* one header line only */
		"",
	};
	struct sysstat s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		poison(&s);
		assert_int_equal(sysstat_parse_netdev(bad[i], strlen(bad[i]), &s),
				 -EINVAL);
		assert_true(is_poisoned(&s));
	}
}

/* ---- mounts with a fake statfs ---- */

struct fake_mount {
	const char *path;
	struct diskspace_fs fs;
	int err;
};

struct fake_fs {
	const struct fake_mount *m;
	size_t n;
	char asked[16][64];
	size_t nasked;
};

static int fake_statfs(const char *path, struct diskspace_fs *fs, void *ctx)
{
	struct fake_fs *f = ctx;
	size_t i;

	if (f->nasked < 16)
		snprintf(f->asked[f->nasked], sizeof(f->asked[0]), "%s", path);
	f->nasked++;
	for (i = 0; i < f->n; i++) {
		if (strcmp(f->m[i].path, path) != 0)
			continue;
		if (f->m[i].err)
			return f->m[i].err;
		*fs = f->m[i].fs;
		return 0;
	}
	return -ENOENT;
}

#define FAKE(ms) {(ms), sizeof(ms) / sizeof((ms)[0]), {{0}}, 0}

static void mounts_real(void **state)
{
	static const struct fake_mount ms[] = {
		{"/", {1000, 400, 300, 4096, 1}, 0},
		{"/mnt/sandboxing/model_tools_env/v1/python", {1, 1, 1, 4096, 2}, 0},
	};
	struct fake_fs f = FAKE(ms);
	struct sysstat s;

	(void)state;
	poison(&s);
	assert_int_equal(diskspace_parse_mounts(REAL_MOUNTS, strlen(REAL_MOUNTS),
					      fake_statfs, &f, &s),
			 0);
	/* /proc, /sys/..., /dev/... are never even measured. */
	assert_int_equal(f.nasked, 2);
	assert_string_equal(f.asked[0], "/");
	assert_string_equal(f.asked[1], ms[1].path);
	assert_int_equal(s.space_total_bytes, 1001ull * 4096);
	assert_int_equal(s.space_free_bytes, 301ull * 4096);
	assert_int_equal(s.space_used_bytes, 700ull * 4096);
}

static void mounts_seed_prefixes(void **state)
{
	/* mount_point.startswith(("/proc", "/sys", "/dev", "/run")) in the
	 * seed: a plain prefix, so /running, /devdata and /system go too. */
	static const char t[] =
		"proc /proc proc rw 0 0\n"
		"binfmt_misc /proc/sys/fs/binfmt_misc binfmt_misc rw 0 0\n"
		"debugfs /sys/kernel/debug debugfs rw 0 0\n"
		"hugetlbfs /dev/hugepages hugetlbfs rw 0 0\n"
		"tmpfs /run/user/1000 tmpfs rw 0 0\n"
		"/dev/sdb1 /running ext4 rw 0 0\n"
		"/dev/sdb2 /devdata ext4 rw 0 0\n"
		"/dev/sdb3 /system ext4 rw 0 0\n"
		"/dev/sdb4 /srv ext4 rw 0 0\n";
	static const struct fake_mount ms[] = {
		{"/srv", {10, 5, 4, 1024, 7}, 0},
		{"/running", {99, 5, 4, 1024, 8}, 0},
		{"/devdata", {99, 5, 4, 1024, 9}, 0},
		{"/system", {99, 5, 4, 1024, 10}, 0},
		{"/run/user/1000", {99, 5, 4, 1024, 11}, 0},
	};
	struct fake_fs f = FAKE(ms);
	struct sysstat s;

	(void)state;
	assert_int_equal(
		diskspace_parse_mounts(t, strlen(t), fake_statfs, &f, &s), 0);
	assert_int_equal(f.nasked, 1);
	assert_string_equal(f.asked[0], "/srv");
	assert_int_equal(s.space_total_bytes, 10 * 1024);
	assert_int_equal(s.space_free_bytes, 4 * 1024);
	assert_int_equal(s.space_used_bytes, 6 * 1024);
}

static void mounts_octal_escapes(void **state)
{
	static const char t[] =
		"/dev/sdc1 /mnt/my\\040disk ext4 rw 0 0\n"
		"/dev/sdc2 /mnt/back\\134slash\\011tab ext4 rw 0 0\n"
		"/dev/sdc3 /mnt/odd\\04 ext4 rw 0 0\n"
		"/dev/sdc4 /mnt/big\\777 ext4 rw 0 0\n";
	static const struct fake_mount ms[] = {
		{"/mnt/my disk", {1, 0, 0, 1, 1}, 0},
		{"/mnt/back\\slash\ttab", {2, 0, 0, 1, 2}, 0},
		{"/mnt/odd\\04", {4, 0, 0, 1, 3}, 0},
		{"/mnt/big\\777", {8, 0, 0, 1, 4}, 0},
	};
	struct fake_fs f = FAKE(ms);
	struct sysstat s;

	(void)state;
	assert_int_equal(
		diskspace_parse_mounts(t, strlen(t), fake_statfs, &f, &s), 0);
	assert_int_equal(f.nasked, 4);
	assert_int_equal(s.space_total_bytes, 15);
	assert_int_equal(s.space_used_bytes, 15);
}

static void mounts_counted_once(void **state)
{
	static const char t[] =
		"/dev/sda1 /data ext4 rw 0 0\n"
		"/dev/sda1 /mnt/data-bind ext4 rw 0 0\n"   /* bind: same dev */
		"/dev/mapper/vg-x /x xfs rw 0 0\n"
		"/dev/dm-0 /x-again xfs rw 0 0\n"          /* same dev, other name */
		"/dev/nvme0n1p2 / btrfs rw,subvol=@ 0 0\n"
		"/dev/nvme0n1p2 /home btrfs rw,subvol=@home 0 0\n" /* own dev */
		"tmpfs /tmp tmpfs rw 0 0\n"
		"tmpfs /scratch tmpfs rw 0 0\n"            /* another tmpfs */
		"srv:/export /nfs nfs rw 0 0\n";
	static const struct fake_mount ms[] = {
		{"/data", {100, 50, 40, 4096, 1}, 0},
		{"/mnt/data-bind", {100, 50, 40, 4096, 1}, 0},
		{"/x", {30, 20, 20, 4096, 2}, 0},
		{"/x-again", {30, 20, 20, 4096, 2}, 0},
		{"/", {1000, 200, 100, 4096, 30}, 0},
		{"/home", {1000, 200, 100, 4096, 31}, 0},
		{"/tmp", {10, 10, 10, 4096, 50}, 0},
		{"/scratch", {20, 10, 10, 4096, 51}, 0},
		{"/nfs", {5, 1, 1, 4096, 60}, 0},
	};
	struct fake_fs f = FAKE(ms);
	struct sysstat s;

	(void)state;
	assert_int_equal(
		diskspace_parse_mounts(t, strlen(t), fake_statfs, &f, &s), 0);
	assert_int_equal(s.space_total_bytes,
			 (100ull + 30 + 1000 + 10 + 20 + 5) * 4096);
	assert_int_equal(s.space_free_bytes,
			 (40ull + 20 + 100 + 10 + 10 + 1) * 4096);
	assert_int_equal(s.space_used_bytes,
			 (60ull + 10 + 900 + 0 + 10 + 4) * 4096);
}

static void mounts_zfs_pool_once(void **state)
{
	/* Each dataset reports blocks = its own used + the pool's available
	 * space; summing them would count that free space four times. */
	static const char t[] =
		"rpool/ROOT/debian / zfs rw,xattr,noacl 0 0\n"
		"rpool /rpool zfs rw 0 0\n"
		"rpool/home /home zfs rw 0 0\n"
		"rpool/home@snap /home/.zfs/snapshot/snap zfs ro 0 0\n"
		"rpool/quota /q zfs rw 0 0\n"
		"rpool/home /srv/home-bind zfs rw 0 0\n" /* bind of rpool/home */
		"tank/data /data zfs rw 0 0\n"
		"tank\\040x/a /tx zfs rw 0 0\n";
	static const struct fake_mount ms[] = {
		{"/", {1100, 1000, 1000, 512, 10}, 0},
		{"/rpool", {1001, 1000, 1000, 512, 11}, 0},
		{"/home", {1050, 1000, 1000, 512, 12}, 0},
		{"/home/.zfs/snapshot/snap", {1050, 1000, 1000, 512, 13}, 0},
		{"/q", {100, 90, 90, 512, 14}, 0}, /* quota caps its bavail */
		{"/srv/home-bind", {1050, 1000, 1000, 512, 12}, 0},
		{"/data", {10, 3, 3, 512, 20}, 0},
		{"/tx", {6, 4, 4, 512, 21}, 0},
	};
	struct fake_fs f = FAKE(ms);
	struct sysstat s;
	size_t i;

	(void)state;
	assert_int_equal(
		diskspace_parse_mounts(t, strlen(t), fake_statfs, &f, &s), 0);
	for (i = 0; i < f.nasked; i++)
		assert_string_not_equal(f.asked[i], "/home/.zfs/snapshot/snap");
	/* rpool: used 100 + 1 + 50 + 10, free 1000; tank: 7 + 3;
	 * "tank x": 2 + 4. */
	assert_int_equal(s.space_used_bytes, (161ull + 7 + 2) * 512);
	assert_int_equal(s.space_free_bytes, (1000ull + 3 + 4) * 512);
	assert_int_equal(s.space_total_bytes, (1161ull + 10 + 6) * 512);
}

static void mounts_pseudo_and_unreadable(void **state)
{
	static const char t[] =
		"cgroup2 /cg cgroup2 rw 0 0\n"
		"fuse /fuse fuse rw 0 0\n"
		"nfs:/gone /stale nfs rw 0 0\n"
		"/dev/sda1 /ok ext4 rw 0 0\n";
	static const struct fake_mount ms[] = {
		/* bavail would show if a 0-block filesystem were counted */
		{"/cg", {0, 0, 5, 4096, 1}, 0},
		{"/stale", {500, 0, 0, 4096, 3}, -ESTALE},
		{"/ok", {8, 2, 1, 4096, 4}, 0},
	};
	struct fake_fs f = FAKE(ms);
	struct sysstat s;

	(void)state;
	assert_int_equal(
		diskspace_parse_mounts(t, strlen(t), fake_statfs, &f, &s), 0);
	assert_int_equal(f.nasked, 4);
	assert_int_equal(s.space_total_bytes, 8 * 4096);
	assert_int_equal(s.space_free_bytes, 1 * 4096);
	assert_int_equal(s.space_used_bytes, 7 * 4096);
}

static void mounts_path_longer_than_path_max(void **state)
{
	static const struct fake_mount ms[] = {
		{"/ok", {8, 2, 1, 1, 4}, 0},
	};
	struct fake_fs f = FAKE(ms);
	struct sysstat s;
	char *t = malloc(6000);
	size_t n;

	(void)state;
	assert_non_null(t);
	n = (size_t)sprintf(t, "/dev/sda2 /");
	memset(t + n, 'a', 5000);
	n += 5000;
	n += (size_t)sprintf(t + n, " ext4 rw 0 0\n/dev/sda1 /ok ext4 rw 0 0\n");
	assert_int_equal(diskspace_parse_mounts(t, n, fake_statfs, &f, &s), 0);
	assert_int_equal(f.nasked, 1); /* statfs could not take it anyway */
	assert_int_equal(s.space_total_bytes, 8);
	free(t);
}

static void mounts_bad(void **state)
{
	static const char *const bad[] = {
		"onlyonefield\n",
		"/dev/sda1 /x\n",
		"/dev/sda1 /x ext4\n",       /* ends inside the fields we need */
		"/dev/sda1 /x\\000y ext4 rw 0 0\n", /* escaped NUL */
	};
	static const struct fake_mount ms[] = {
		{"/x", {8, 2, 1, 1, 4}, 0},
	};
	struct fake_fs f = FAKE(ms);
	struct sysstat s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		poison(&s);
		assert_int_equal(diskspace_parse_mounts(bad[i], strlen(bad[i]),
						      fake_statfs, &f, &s),
				 -EINVAL);
		assert_true(is_poisoned(&s));
	}
}

/* A statfs where the path "/m<N>" names dev N. */
static int numbered_statfs(const char *path, struct diskspace_fs *fs, void *ctx)
{
	(void)ctx;
	*fs = (struct diskspace_fs){4, 2, 2, 1, strtoull(path + 2, NULL, 10)};
	return 0;
}

static void mounts_tables_full(void **state)
{
	char *t = malloc(64 * 1024);
	struct sysstat s;
	size_t n = 0;
	int i;

	(void)state;
	assert_non_null(t);
	for (i = 0; i < 512; i++)
		n += (size_t)sprintf(t + n, "tmpfs /m%d tmpfs rw 0 0\n", i);
	assert_int_equal(
		diskspace_parse_mounts(t, n, numbered_statfs, NULL, &s), 0);
	assert_int_equal(s.space_total_bytes, 512 * 4);
	/* One filesystem more than the table holds: unavailable, not cut. */
	n += (size_t)sprintf(t + n, "tmpfs /m%d tmpfs rw 0 0\n", 512);
	poison(&s);
	assert_int_equal(diskspace_parse_mounts(t, n, numbered_statfs, NULL, &s),
			 -ENOSPC);
	assert_true(is_poisoned(&s));
	/* Too many ZFS pools. */
	for (n = 0, i = 0; i < 33; i++)
		n += (size_t)sprintf(t + n, "pool%d /m%d zfs rw 0 0\n", i, i);
	assert_int_equal(diskspace_parse_mounts(t, n, numbered_statfs, NULL, &s),
			 -ENOSPC);
	free(t);
}

/* ---- fake /proc and /sys trees for sysstat_read ---- */

/* root/rel holds text; text NULL: root/rel is a directory. */
static void put(const char *root, const char *rel, const char *text)
{
	assert_int_equal(scratch_put(root, rel, text), 0);
}

struct tree {
	char root[64], proc[96], sys[96];
};

static int tree_setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	if (scratch_mkdtemp(t->root, sizeof(t->root), "rtrack-sysstat") < 0) {
		free(t);
		return -1;
	}
	snprintf(t->proc, sizeof(t->proc), "%s/proc", t->root);
	snprintf(t->sys, sizeof(t->sys), "%s/sys", t->root);
	*state = t;
	return 0;
}

static int tree_teardown(void **state)
{
	struct tree *t = *state;
	int ret = scratch_remove(t->root);

	free(t);
	return ret;
}

static const char FAKE_MEMINFO[] =
	"MemTotal:   1000 kB\nMemFree:  100 kB\nMemAvailable: 600 kB\n"
	"Buffers: 10 kB\nCached: 200 kB\nActive: 300 kB\nInactive: 250 kB\n"
	"Active(anon): 1 kB\nSReclaimable: 20 kB\n";

/* Everything present; sda has 4 KiB hardware sectors. */
static void fake_full_tree(const struct tree *t)
{
	char mounts[1024];

	put(t->proc, "1", NULL);
	put(t->proc, "42", NULL);
	put(t->proc, "4242", NULL);
	put(t->proc, "abc", NULL);
	put(t->proc, "12a", NULL);
	put(t->proc, "stat", "cpu  100 20 30 400 0 0 0 0 0 0\n"
			     "cpu0 100 20 30 400 0 0 0 0 0 0\nintr 1 2 3\n");
	put(t->proc, "meminfo", FAKE_MEMINFO);
	put(t->proc, "diskstats",
	    "   8       0 sda 10 0 8 0 5 0 16 0 0 0 0 0 0 0 0 0 0\n"
	    "   8       1 sda1 9 0 6 0 4 0 12 0 0 0 0 0 0 0 0 0 0\n"
	    "   7       0 loop0 1 0 2 0 0 0 0 0 0 0 0\n"
	    " 254       0 vdz 1 0 100 0 1 0 100 0 0 0 0\n");
	put(t->proc, "net/dev", NET_HEADER
	    "    lo: 5 1 0 0 0 0 0 0 5 1 0 0 0 0 0 0\n"
	    "  eth0: 100 1 0 0 0 0 0 0 200 1 0 0 0 0 0 0\n"
	    " wlan0:30 1 0 0 0 0 0 0 40 1 0 0 0 0 0 0"); /* no final '\n' */
	/* Two mounts of the one filesystem holding /tmp, a pseudo one and one
	 * that is gone. */
	snprintf(mounts, sizeof(mounts),
		 "/dev/fake1 %s ext4 rw 0 0\n/dev/fake2 %s/proc ext4 rw 0 0\n"
		 "proc /proc proc rw 0 0\n/dev/fake3 %s/gone ext4 rw 0 0\n",
		 t->root, t->root, t->root);
	put(t->proc, "mounts", mounts);
	put(t->sys, "block/sda/queue/hw_sector_size", "4096\n");
	put(t->sys, "block/loop0/queue/hw_sector_size", "512\n");
}

static void read_fake_tree(void **state)
{
	struct tree *t = *state;
	struct statvfs vfs;
	struct sysstat s;
	int fds = count_fds();

	fake_full_tree(t);
	poison(&s);
	assert_int_equal(sysstat_read(t->proc, t->sys, &s), 0);
	assert_int_equal(count_fds(), fds);
	assert_int_equal(s.ok, SYSSTAT_PROCS | SYSSTAT_CPU | SYSSTAT_MEM |
				       SYSSTAT_DISK | SYSSTAT_SPACE |
				       SYSSTAT_NET);
	assert_int_equal(s.procs, 3);
	assert_int_equal(s.user_ticks, 120);
	assert_int_equal(s.system_ticks, 30);
	assert_int_equal(s.mem_total_kib, 1000);
	assert_int_equal(s.mem_cached_kib, 220);
	/* 512-byte units although sda's hw_sector_size says 4096: the seed
	 * would report 8 x 4096 + 2 x 512. */
	assert_int_equal(s.disk_read_bytes, (8 + 2) * 512);
	assert_int_equal(s.disk_write_bytes, 16 * 512);
	assert_int_equal(s.net_recv_bytes, 130);
	assert_int_equal(s.net_sent_bytes, 240);
	assert_int_equal(statvfs(t->root, &vfs), 0);
	assert_true(vfs.f_blocks > 0);
	assert_int_equal(s.space_total_bytes,
			 (uint64_t)vfs.f_blocks * vfs.f_frsize);
	assert_int_equal(s.space_used_bytes + s.space_free_bytes,
			 s.space_total_bytes);
}

static void read_missing_files(void **state)
{
	struct tree *t = *state;
	struct sysstat s;
	int fds = count_fds();

	put(t->proc, "7", NULL);
	put(t->proc, "stat", "cpu  1 2 3 4\n");
	poison(&s);
	assert_int_equal(sysstat_read(t->proc, t->sys, &s), 0);
	assert_int_equal(count_fds(), fds);
	assert_int_equal(s.ok, SYSSTAT_PROCS | SYSSTAT_CPU);
	assert_int_equal(s.procs, 1);
	assert_int_equal(s.user_ticks, 3);
	/* What could not be read is zero and flagged, never stale. */
	assert_int_equal(s.mem_total_kib, 0);
	assert_int_equal(s.disk_read_bytes, 0);
	assert_int_equal(s.net_recv_bytes, 0);
	assert_int_equal(s.space_total_bytes, 0);

	/* diskstats present but no <sysroot>/block: still no DISK. */
	put(t->proc, "diskstats", "   8 0 sda 1 0 2 0 1 0 2 0 0 0 0\n");
	assert_int_equal(sysstat_read(t->proc, t->sys, &s), 0);
	assert_int_equal(s.ok & SYSSTAT_DISK, 0);
	assert_int_equal(count_fds(), fds);
	errno = EDOM; /* the host's errno survives */
	assert_int_equal(sysstat_read("/nonexistent", "/nonexistent", &s), 0);
	assert_int_equal(errno, EDOM);
	assert_int_equal(s.ok, 0);
	assert_int_equal(count_fds(), fds);
}

static void read_malformed_files(void **state)
{
	struct tree *t = *state;
	struct sysstat s;
	int fds = count_fds();

	fake_full_tree(t);
	put(t->proc, "stat", "cpu  1 2\n");
	put(t->proc, "net/dev", "  eth0: 1 1 0 0 0 0 0 0 2 1 0 0 0 0 0 0\n");
	put(t->proc, "diskstats", "   8 0 sda 1 0 2\n");
	put(t->proc, "mounts", "/dev/sda1\n");
	assert_int_equal(sysstat_read(t->proc, t->sys, &s), 0);
	assert_int_equal(s.ok, SYSSTAT_PROCS | SYSSTAT_MEM);
	assert_int_equal(count_fds(), fds);
}

/* Lines that cross the 4 KiB read buffer, and lines longer than it. */
static void read_long_files(void **state)
{
	struct tree *t = *state;
	char *buf = malloc(128 * 1024), *opts = malloc(10001);
	struct sysstat s;
	size_t n;
	int i, fds = count_fds();

	assert_non_null(buf);
	assert_non_null(opts);
	fake_full_tree(t);
	n = (size_t)sprintf(buf, NET_HEADER);
	for (i = 0; i < 300; i++)
		n += (size_t)sprintf(buf + n,
				     " veth%d: %d 1 0 0 0 0 0 0 %d 1 0 0 0 0 0 0\n",
				     i, i, 2 * i);
	put(t->proc, "net/dev", buf);
	/* A mounts line with 10 KB of options (overlay lowerdir=...), then a
	 * line whose mount point would be wrong if the tail were parsed. */
	memset(opts, 'o', 10000);
	opts[10000] = '\0';
	snprintf(buf, 128 * 1024, "/dev/fake1 %s ext4 %s 0 0\n"
		 "/dev/fake9 /nonexistent-x ext4 rw 0 0\n", t->root, opts);
	put(t->proc, "mounts", buf);
	assert_int_equal(sysstat_read(t->proc, t->sys, &s), 0);
	assert_int_equal(count_fds(), fds);
	assert_int_equal(s.ok & (SYSSTAT_NET | SYSSTAT_SPACE),
			 SYSSTAT_NET | SYSSTAT_SPACE);
	assert_int_equal(s.net_recv_bytes, 299 * 300 / 2);
	assert_int_equal(s.net_sent_bytes, 299 * 300);
	assert_true(s.space_total_bytes > 0);

	/* A diskstats or net/dev line longer than the buffer is unavailable,
	 * and so is a cpu line; meminfo too big for its buffer as well. */
	snprintf(buf, 128 * 1024, "   8 0 sda 1 0 2 0 1 0 2 %s\n", opts);
	put(t->proc, "diskstats", buf);
	snprintf(buf, 128 * 1024, NET_HEADER "eth0: 1 1 0 0 0 0 0 0 2 1 %s\n",
		 opts);
	put(t->proc, "net/dev", buf);
	n = (size_t)sprintf(buf, "cpu  1 2 3");
	for (i = 0; i < 2000; i++) /* about 8.8 KB */
		n += (size_t)sprintf(buf + n, " %d", i);
	sprintf(buf + n, "\n");
	put(t->proc, "stat", buf);
	n = (size_t)sprintf(buf, "%s", FAKE_MEMINFO);
	for (i = 0; i < 300; i++)
		n += (size_t)sprintf(buf + n, "Extra%d: 0 kB\n", i);
	put(t->proc, "meminfo", buf);
	assert_int_equal(sysstat_read(t->proc, t->sys, &s), 0);
	assert_int_equal(s.ok, SYSSTAT_PROCS | SYSSTAT_SPACE);
	assert_int_equal(count_fds(), fds);
	free(opts);
	free(buf);
}

/* More block devices than the name table holds: ask sysfs per name. */
static void read_many_disks(void **state)
{
	struct tree *t = *state;
	char name[64];
	struct sysstat s;
	int i;

	fake_full_tree(t);
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "block/loop%d", i + 1);
		put(t->sys, name, NULL);
	}
	put(t->sys, "block/a-disk-name-longer-than-kernel-allows", NULL);
	assert_int_equal(sysstat_read(t->proc, t->sys, &s), 0);
	assert_true(s.ok & SYSSTAT_DISK);
	assert_int_equal(s.disk_read_bytes, (8 + 2) * 512);
	assert_int_equal(s.disk_write_bytes, 16 * 512);
}

/* Kept: the kinds of diskstats' lines are kept while their names stay the
 * same, so /sys/block is listed again only when a device comes or goes
 * (trusted once two listings agree); the counters are read fresh. */
static void read_disks_kept(void **state)
{
	struct tree *t = *state;
	struct sysstat_kept k;
	struct sysstat s;
	int fds = count_fds();

	fake_full_tree(t);
	sysstat_kept_init(&k);
	assert_int_equal(sysstat_read_kept(t->proc, t->sys, &s, &k), 0);
	assert_int_equal(s.disk_read_bytes, (8 + 2) * 512);
	assert_false(k.disks.valid); /* one listing: not trusted yet */
	assert_int_equal(sysstat_read_kept(t->proc, t->sys, &s, &k), 0);
	assert_int_equal(s.disk_read_bytes, (8 + 2) * 512);
	assert_true(k.disks.valid);
	/* vdz shows up in /sys/block, its diskstats line unchanged: the kept
	 * kinds still leave it out (a fresh read counts it). */
	put(t->sys, "block/vdz", NULL);
	assert_int_equal(sysstat_read_kept(t->proc, t->sys, &s, &k), 0);
	assert_int_equal(s.disk_read_bytes, (8 + 2) * 512);
	assert_int_equal(sysstat_read(t->proc, t->sys, &s), 0);
	assert_int_equal(s.disk_read_bytes, (8 + 2 + 100) * 512);
	/* New counters, same names: fresh figures through the kept kinds. */
	put(t->proc, "diskstats",
	    "   8       0 sda 10 0 20 0 5 0 16 0 0 0 0 0 0 0 0 0 0\n"
	    "   8       1 sda1 9 0 6 0 4 0 12 0 0 0 0 0 0 0 0 0 0\n"
	    "   7       0 loop0 1 0 2 0 0 0 0 0 0 0 0\n"
	    " 254       0 vdz 1 0 100 0 1 0 100 0 0 0 0\n");
	assert_int_equal(sysstat_read_kept(t->proc, t->sys, &s, &k), 0);
	assert_int_equal(s.disk_read_bytes, (20 + 2) * 512);
	/* A disk being added: in diskstats a moment before /sys/block.  The
	 * listing without it is not trusted; once /sys/block has it, it is
	 * counted, and stays counted through the kept kinds. */
	put(t->proc, "diskstats",
	    "   8       0 sda 10 0 20 0 5 0 16 0 0 0 0 0 0 0 0 0 0\n"
	    "   8       1 sda1 9 0 6 0 4 0 12 0 0 0 0 0 0 0 0 0 0\n"
	    "   8      16 sdb 1 0 4 0 0 0 0 0 0 0 0\n"
	    "   7       0 loop0 1 0 2 0 0 0 0 0 0 0 0\n"
	    " 254       0 vdz 1 0 100 0 1 0 100 0 0 0 0\n");
	assert_int_equal(sysstat_read_kept(t->proc, t->sys, &s, &k), 0);
	assert_int_equal(s.disk_read_bytes, (20 + 2 + 100) * 512);
	assert_false(k.disks.valid);
	put(t->sys, "block/sdb", NULL);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(sysstat_read_kept(t->proc, t->sys, &s, &k), 0);
		assert_int_equal(s.disk_read_bytes, (20 + 4 + 2 + 100) * 512);
	}
	assert_true(k.disks.valid);
	/* Same count of lines, another name: listed again too. */
	put(t->proc, "diskstats",
	    "   8       0 sda 10 0 20 0 5 0 16 0 0 0 0 0 0 0 0 0 0\n"
	    "   8       1 sda1 9 0 6 0 4 0 12 0 0 0 0 0 0 0 0 0 0\n"
	    "   8      32 sdc 1 0 8 0 0 0 0 0 0 0 0\n"
	    "   7       0 loop0 1 0 2 0 0 0 0 0 0 0 0\n"
	    " 254       0 vdz 1 0 100 0 1 0 100 0 0 0 0\n");
	assert_int_equal(sysstat_read_kept(t->proc, t->sys, &s, &k), 0);
	assert_int_equal(s.disk_read_bytes, (20 + 2 + 100) * 512);
	assert_false(k.disks.valid);
	sysstat_kept_close(&k);
	assert_int_equal(count_fds(), fds);
}

/* ---- the live system ---- */

static void burn_cpu(long ns)
{
	struct timespec a, b;
	volatile uint64_t x = 0;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	do {
		for (int i = 0; i < 100000; i++)
			x += (uint64_t)i * x + 1;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	} while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) <
		 ns);
}

static void read_live(void **state)
{
	const unsigned need = SYSSTAT_PROCS | SYSSTAT_CPU | SYSSTAT_MEM |
			      SYSSTAT_NET;
	struct sysstat a, b;
	struct sysinfo si;
	struct statvfs root;
	int fds = count_fds();

	(void)state;
	assert_int_equal(sysstat_read("/proc", "/sys", &a), 0);
	assert_int_equal(count_fds(), fds);
	assert_int_equal(a.ok & need, need);
	assert_true(a.procs >= 1);
	assert_true(a.mem_total_kib > 0);
	assert_true(a.mem_free_kib <= a.mem_total_kib);
	assert_true(a.mem_available_kib <= a.mem_total_kib);
	assert_true(a.mem_active_kib + a.mem_inactive_kib <= a.mem_total_kib);
	/* sysinfo's totalram and MemTotal are both totalram_pages. */
	assert_int_equal(sysinfo(&si), 0);
	assert_int_equal(a.mem_total_kib,
			 (uint64_t)si.totalram * si.mem_unit / 1024);
	if (a.ok & SYSSTAT_DISK) {
		assert_int_equal(a.disk_read_bytes % 512, 0);
		assert_int_equal(a.disk_write_bytes % 512, 0);
	}
	if ((a.ok & SYSSTAT_SPACE) && statvfs("/", &root) == 0) {
		assert_true(a.space_total_bytes >=
			    (uint64_t)root.f_blocks * root.f_frsize);
		assert_int_equal(a.space_used_bytes + a.space_free_bytes,
				 a.space_total_bytes);
	}
	burn_cpu(60 * 1000 * 1000);
	assert_int_equal(sysstat_read("/proc", "/sys", &b), 0);
	assert_true(b.user_ticks > a.user_ticks);
	assert_true(b.system_ticks >= a.system_ticks);
}

/* Kept descriptors give what fresh reads give, stay open between reads
 * (one per slot), see new contents (pread from 0 regenerates: the cpu
 * counters move), and all close. */
static void read_live_kept(void **state)
{
	struct sysstat a, b, c;
	struct sysstat_kept k;
	int fds = count_fds();

	(void)state;
	sysstat_kept_init(&k);
	assert_int_equal(sysstat_read("/proc", "/sys", &a), 0);
	assert_int_equal(sysstat_read_kept("/proc", "/sys", &b, &k), 0);
	assert_int_equal(b.ok, a.ok);
	assert_int_equal(b.mem_total_kib, a.mem_total_kib);
	assert_int_equal(b.space_total_bytes, a.space_total_bytes);
	assert_int_equal(b.disk_read_bytes % 512, 0);
	assert_true(count_fds() > fds);
	assert_true(count_fds() <= fds + SYSSTAT_SLOTS);
	burn_cpu(60 * 1000 * 1000);
	assert_int_equal(sysstat_read_kept("/proc", "/sys", &c, &k), 0);
	assert_int_equal(c.ok, a.ok);
	/* The filesystems were remembered at the first read and measured
	 * from the cache at the second: the same ones. */
	if (a.ok & SYSSTAT_SPACE) {
		assert_true(k.space.valid);
		assert_int_equal(c.space_total_bytes, a.space_total_bytes);
	}
	assert_true(c.user_ticks > b.user_ticks); /* pread from 0: afresh */
	assert_true(count_fds() <= fds + SYSSTAT_SLOTS);
	sysstat_kept_close(&k);
	assert_int_equal(count_fds(), fds);
}

/* The process count is carried while the last listing's cost share has
 * not passed, and listed afresh after it. */
static void read_procs_spaced(void **state)
{
	struct sysstat a, b, c;
	struct sysstat_kept k;

	(void)state;
	sysstat_kept_init(&k);
	k.keep = 0;
	k.procs_share = 1000000000u;
	assert_int_equal(sysstat_read_kept("/proc", "/sys", &a, &k), 0);
	assert_true(a.ok & SYSSTAT_PROCS);
	assert_true(a.procs >= 1);
	assert_true(k.procs_valid);
	/* A count no listing gives: carried while not due. */
	k.procs = 0;
	assert_int_equal(sysstat_read_kept("/proc", "/sys", &b, &k), 0);
	assert_true(b.ok & SYSSTAT_PROCS);
	assert_int_equal(b.procs, 0);
	k.procs_due_ns = 0; /* due now: listed */
	assert_int_equal(sysstat_read_kept("/proc", "/sys", &c, &k), 0);
	assert_true(c.procs >= 1);
	assert_int_equal(k.procs, c.procs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cpu_real),
		cmocka_unit_test(cpu_aggregate_line_not_first),
		cmocka_unit_test(cpu_bad),
		cmocka_unit_test(cpu_len_bounds_parse),
		cmocka_unit_test(meminfo_real),
		cmocka_unit_test(meminfo_active_anon_first),
		cmocka_unit_test(meminfo_bad),
		cmocka_unit_test(diskstats_real),
		cmocka_unit_test(diskstats_partitions_skipped),
		cmocka_unit_test(diskstats_bad),
		cmocka_unit_test(netdev_real),
		cmocka_unit_test(netdev_no_blank_after_colon),
		cmocka_unit_test(netdev_lo_only),
		cmocka_unit_test(netdev_bad),
		cmocka_unit_test(mounts_real),
		cmocka_unit_test(mounts_seed_prefixes),
		cmocka_unit_test(mounts_octal_escapes),
		cmocka_unit_test(mounts_counted_once),
		cmocka_unit_test(mounts_zfs_pool_once),
		cmocka_unit_test(mounts_pseudo_and_unreadable),
		cmocka_unit_test(mounts_path_longer_than_path_max),
		cmocka_unit_test(mounts_bad),
		cmocka_unit_test(mounts_tables_full),
		cmocka_unit_test_setup_teardown(read_fake_tree, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(read_missing_files, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(read_malformed_files, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(read_long_files, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(read_many_disks, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(read_disks_kept, tree_setup,
						tree_teardown),
		cmocka_unit_test(read_live),
		cmocka_unit_test(read_live_kept),
		cmocka_unit_test(read_procs_spaced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
