/* empty_preload.c - a preloaded library that does nothing: what
 * LD_PRELOAD itself costs a process (bench_spawn's floor).  With
 * RTRACK_BENCH_CREATE=DIR it also creates a file of 85 bytes in DIR, as a
 * root creates its log: what a new file costs on that filesystem (ext4
 * inode allocation can be most of a root's start-up). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void rtrack_bench_empty(void);

void rtrack_bench_empty(void)
{
}

__attribute__((constructor)) static void create_like_a_log(void)
{
	static const char head[85] = "rtrack bench";
	const char *dir = getenv("RTRACK_BENCH_CREATE");
	char path[4200];
	int fd;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/empty-%d.bin", dir, (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, head, sizeof(head)) < 0)
		perror("write");
	close(fd);
}
