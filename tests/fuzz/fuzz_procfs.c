/* fuzz_procfs.c - every per-process procfs parser on the same hostile text
 * (a file under /proc can hold whatever a process names itself). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct procfs_stat st;
	struct procfs_status ss;
	uint64_t a, b;
	uint32_t n32;
	int32_t pids[8];
	size_t n = 0;
	char cmd[64];

	procfs_parse_stat(buf, size, &st);
	procfs_parse_status(buf, size, &ss);
	procfs_parse_rollup_pss(buf, size, &a);
	procfs_parse_io(buf, size, &a, &b);
	procfs_parse_io_blocks(buf, size, &a, &b);
	procfs_parse_cpulist(buf, size, &n32);
	procfs_parse_schedstat(buf, size, &a);
	/* The cgroup files are the kernel's too (cgroup.h). */
	cgroup_parse_limit(buf, size, &a);
	cgroup_parse_cpu_max(buf, size, &a);
	cgroup_parse_psi_some(buf, size, &a);
	{
		char path[16], root[16];
		if (cgroup_parse_membership(buf, size, "cpu", path,
					    sizeof(path)) == 0 &&
		    strlen(path) >= sizeof(path))
			abort();
		if (cgroup_parse_mount(buf, buf + size, NULL, root,
				       sizeof(root), path, sizeof(path)) == 1 &&
		    (strlen(root) >= sizeof(root) ||
		     strlen(path) >= sizeof(path)))
			abort();
	}
	procfs_parse_pids(buf, size, pids, 8, &n);
	if (n > 8)
		abort();
	if (procfs_format_cmdline(buf, size, cmd, sizeof(cmd)) >= sizeof(cmd) ||
	    strlen(cmd) >= sizeof(cmd))
		abort();
	return 0;
}
