/* fuzz_sysstat.c - the system-wide parsers on hostile text. */
#include <stdint.h>
#include <string.h>

#include "sysstat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int any_disk(const char *name, void *ctx)
{
	(void)ctx;
	return name[0] != 'p';
}

static int fake_statfs(const char *path, struct diskspace_fs *fs, void *ctx)
{
	(void)ctx;
	memset(fs, 0, sizeof(*fs));
	fs->blocks = strlen(path) * 100;
	fs->bfree = fs->bavail = strlen(path) * 10;
	fs->frsize = 4096;
	fs->dev = (uint64_t)(unsigned char)path[strlen(path) ? strlen(path) - 1 : 0];
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct sysstat s;

	memset(&s, 0, sizeof(s));
	sysstat_parse_cpu(buf, size, &s);
	sysstat_parse_meminfo(buf, size, &s);
	sysstat_parse_diskstats(buf, size, any_disk, NULL, &s);
	sysstat_parse_netdev(buf, size, &s);
	diskspace_parse_mounts(buf, size, fake_statfs, NULL, &s);
	return 0;
}
