/* bench_log.c - write a day of 10 Hz samples (864,000 by default) of a
 * small tree with the real encoder, as the sampler would (one write a
 * second of samples, or sooner when the 64 KiB batch is full), with
 * figures that move the way real ones do; print the bytes per sample.
 * scripts/bench then times rtrack-dump on it.
 *
 * Usage: bench_log FILE [SAMPLES [INTERVAL_MS]]   (default 864000, 100) */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logwrite.h"

static uint8_t mem[64 * 1024];
static uint64_t interval_ns = 100000000ull; /* 10 Hz */

/* The sampler writes its batch every second (preload/sampler.c): ten
 * samples at 10 Hz. */
#define FLUSH_SAMPLES 10

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
	h.interval_ns = interval_ns;
	h.flags = RT_CFG_CHILDREN | RT_CFG_SYSTEM;
	logwrite_preamble(b);
	logwrite_header(b, &h);
}

/* Pseudo-random noise, independent for each sample i and field k
 * (splitmix64): a plain linear sequence would be predictable where a
 * real system's jitter is not. */
static uint64_t noise(uint64_t i, unsigned k)
{
	uint64_t x = i * 64 + k + 0x9e3779b97f4a7c15ull;

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

#define N(k) noise(i, k)

/* Sample i after sample i - 1 in *s: counters grow by amounts that vary
 * every sample (CPU ticks, I/O in pages and sectors, the sampler's own
 * nanoseconds), levels jitter around their mean, the clock wakes late by
 * up to 3 ms.  The means are those of a busy 3-process tree on a 16-CPU
 * machine. */
static void fill(struct rt_sample *s, uint64_t i, uint64_t start)
{
	uint64_t space = 4096 * (N(23) % 5);

	if (i == 0) {
		memset(s, 0, sizeof(*s));
		s->sys_space_used_bytes = 200000000000ull;
		s->sys_space_free_bytes = 300000000000ull;
	}
	s->time_ns = start + i * interval_ns + N(0) % 3000000;
	s->tree_procs = 3 + N(1) % 3;
	s->tree_utime_ticks += 32 + N(2) % 8;
	s->tree_stime_ticks += 3 + N(3) % 3;
	s->seen_utime_ticks = s->tree_utime_ticks;
	s->seen_stime_ticks = s->tree_stime_ticks;
	s->tree_mem_kib = 2000000 + N(4) % 50000;
	s->tree_rss_kib = 2100000 + N(5) % 50000;
	s->tree_hwm_max_kib = 2300000;
	s->tree_read_bytes += 4096 * (N(7) % 21);
	s->tree_write_bytes += 4096 * (N(8) % 5);
	s->tracker_cpu_ns += 80000 + N(9) % 20000;
	s->sys_procs = 300 + N(10) % 5;
	s->sys_user_ticks += 55 + N(11) % 11;
	s->sys_system_ticks += 6 + N(12) % 5;
	s->sys_mem_total_kib = 65000000;
	s->sys_mem_free_kib = 20000000 + N(14) % 100000;
	s->sys_mem_available_kib = 40000000 + N(15) % 100000;
	s->sys_mem_buffers_kib = 500000;
	s->sys_mem_cached_kib = 18000000 + N(17) % 1000;
	s->sys_mem_active_kib = 30000000 + N(18) % 1000;
	s->sys_mem_inactive_kib = 9000000 + N(19) % 1000;
	s->sys_disk_read_bytes += 512 * (N(20) % 321);
	s->sys_disk_write_bytes += 512 * (N(21) % 65);
	s->sys_space_total_bytes = 500000000000ull;
	s->sys_space_used_bytes += space;
	s->sys_space_free_bytes -= space;
	s->sys_net_recv_bytes += N(25) % 3001;
	s->sys_net_sent_bytes += N(26) % 1401;
	/* No GPU: its fields are missing, as the sampler leaves them. */
	for (unsigned f = RT_F_gpu_count; f < RT_SAMPLE_NFIELDS; f++)
		sample_set_missing(s, (enum rt_field)f);
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 2 ? strtoull(argv[2], NULL, 10) : 864000;

	if (argc > 3)
		interval_ns = strtoull(argv[3], NULL, 10) * 1000000ull;
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
		if (i % FLUSH_SAMPLES == FLUSH_SAMPLES - 1)
			flush(fd, &b);
	}
	{
		struct rt_end e = { .time_ns = start + n * interval_ns,
				    .exit_kind = RT_EXIT_CODE, .samples = n };
		logwrite_end(&b, &e);
	}
	flush(fd, &b);
	close(fd);
	printf("%llu samples, %.1f bytes per sample\n", (unsigned long long)n,
	       (double)bytes_samples / (double)n);
	return 0;
}
