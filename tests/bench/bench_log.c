/* bench_log.c - write a day of 10 Hz samples (864,000 by default) of a
 * small tree with the real encoder, as the sampler would (batches of 64
 * KiB), with figures that move the way real ones do; print the bytes per
 * sample.  scripts/bench then times rtrack-dump on it.
 *
 * Usage: bench_log FILE [SAMPLES] */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logwrite.h"

static uint8_t mem[64 * 1024];

static void flush(int fd, struct logbuf *b)
{
	if (write(fd, b->mem, b->len) != (ssize_t)b->len) {
		perror("write");
		exit(1);
	}
	logwrite_clear(b);
}

static void put_header(struct logbuf *b, uint64_t start)
{
	struct rt_header h;

	memset(&h, 0, sizeof(h));
	strcpy(h.host, "bench");
	strcpy(h.kernel, "6.1.0");
	strcpy(h.machine, "x86_64");
	strcpy(h.cmdline, "python3 train.py --epochs 100");
	h.ncpus = 16;
	h.clk_tck = 100;
	h.page_size = 4096;
	h.boot_time_ns = start - 86400000000000ull;
	h.pid = 4242;
	h.start_ns = start;
	h.interval_ns = 100000000;
	h.flags = RT_CFG_CHILDREN | RT_CFG_SYSTEM;
	logwrite_preamble(b);
	logwrite_header(b, &h);
}

/* Sample i: counters grow by plausible, varying amounts; levels wander. */
static void fill(struct rt_sample *s, uint64_t i, uint64_t start)
{
	uint64_t r = i * 2654435761u;

	memset(s, 0, sizeof(*s));
	s->time_ns = start + i * 100000000ull + r % 3000000;
	s->tree_procs = 3 + r % 3;
	s->tree_utime_ticks = i * 35 + r % 7;
	s->tree_stime_ticks = i * 4 + r % 3;
	s->seen_utime_ticks = s->tree_utime_ticks;
	s->seen_stime_ticks = s->tree_stime_ticks;
	s->tree_mem_kib = 2000000 + r % 50000;
	s->tree_rss_kib = 2100000 + r % 50000;
	s->tree_hwm_max_kib = 2300000;
	s->tree_read_bytes = i * 40960;
	s->tree_write_bytes = i * 8192;
	s->tracker_cpu_ns = i * 90000;
	s->sys_procs = 300 + r % 5;
	s->sys_user_ticks = i * 60 + r % 11;
	s->sys_system_ticks = i * 8 + r % 5;
	s->sys_mem_total_kib = 65000000;
	s->sys_mem_free_kib = 20000000 + r % 100000;
	s->sys_mem_available_kib = 40000000 + r % 100000;
	s->sys_mem_buffers_kib = 500000;
	s->sys_mem_cached_kib = 18000000 + r % 1000;
	s->sys_mem_active_kib = 30000000 + r % 1000;
	s->sys_mem_inactive_kib = 9000000 + r % 1000;
	s->sys_disk_read_bytes = i * 81920;
	s->sys_disk_write_bytes = i * 16384;
	s->sys_space_total_bytes = 500000000000ull;
	s->sys_space_used_bytes = 200000000000ull + i * 8192;
	s->sys_space_free_bytes = 300000000000ull - i * 8192;
	s->sys_net_recv_bytes = i * 1500 + r % 1500;
	s->sys_net_sent_bytes = i * 700 + r % 700;
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 2 ? strtoull(argv[2], NULL, 10) : 864000;
	uint64_t start = 1700000000000000000ull, bytes_samples = 0;
	struct logbuf b;
	struct rt_sample s;
	int fd;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_log FILE [SAMPLES]\n");
		return 2;
	}
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	logwrite_init(&b, mem, sizeof(mem));
	put_header(&b, start);
	flush(fd, &b);
	for (uint64_t i = 0; i < n; i++) {
		size_t before = b.len;
		fill(&s, i, start);
		if (logwrite_sample(&b, &s) == -ENOSPC) {
			flush(fd, &b);
			before = 0;
			logwrite_sample(&b, &s);
		}
		bytes_samples += b.len - before;
	}
	{
		struct rt_end e = { .time_ns = start + n * 100000000ull,
				    .exit_kind = RT_EXIT_CODE, .samples = n };
		logwrite_end(&b, &e);
	}
	flush(fd, &b);
	close(fd);
	printf("%llu samples, %.1f bytes per sample\n", (unsigned long long)n,
	       (double)bytes_samples / (double)n);
	return 0;
}
