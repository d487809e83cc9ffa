/* test_log.c - the log codec, writer and reader against each other and
 * against byte vectors written out here (computed independently with
 * Python's zlib.crc32 and a hand LEB128), so that a change to the format
 * shows up as a failing test rather than as a silent incompatibility. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "codec.h"
#include "logread.h"
#include "logwrite.h"
#include "text.h"

static uint8_t mem[1 << 17];

static void test_crc32_check_value(void **state)
{
	(void)state;
	/* The standard check value of CRC-32/ISO-HDLC (FORMAT.md R1). */
	assert_int_equal(codec_crc32(0, "123456789", 9), 0xCBF43926u);
	assert_int_equal(codec_crc32_fast(0, "123456789", 9), 0xCBF43926u);
	/* The decoder's fast path agrees with the plain one at every length
	 * and alignment. */
	{
		uint8_t data[300];
		for (size_t i = 0; i < sizeof(data); i++)
			data[i] = (uint8_t)(i * 2654435761u >> 13);
		for (size_t off = 0; off < 8; off++)
			for (size_t len = 0; len + off <= sizeof(data); len++)
				assert_int_equal(codec_crc32_fast(7, data + off, len),
						 codec_crc32(7, data + off, len));
	}
	assert_int_equal(codec_crc32(codec_crc32(0, "1234", 4), "56789", 5),
			 0xCBF43926u);
}

static void test_varint_roundtrip_and_bounds(void **state)
{
	static const uint64_t vals[] = { 0, 1, 127, 128, 300, 16383, 16384,
					 UINT32_MAX, (uint64_t)1 << 63, UINT64_MAX };
	uint8_t buf[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		struct codec_out o = { buf, buf + sizeof(buf), 0 };
		codec_put_varint(&o, vals[i]);
		struct codec_in in = { buf, o.p, 0 };
		assert_int_equal(codec_get_varint(&in), vals[i]);
		assert_false(in.bad);
		assert_ptr_equal(in.p, o.p);
	}
	/* 300 = 0xAC 0x02 (P2). */
	struct codec_out o = { buf, buf + sizeof(buf), 0 };
	codec_put_varint(&o, 300);
	assert_int_equal(o.p - buf, 2);
	assert_int_equal(buf[0], 0xAC);
	assert_int_equal(buf[1], 0x02);
	/* 11 continuation bytes, or a 10th byte above 1: rejected. */
	uint8_t longv[11];
	memset(longv, 0x80, sizeof(longv));
	struct codec_in in = { longv, longv + sizeof(longv), 0 };
	codec_get_varint(&in);
	assert_true(in.bad);
	uint8_t over[10] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02 };
	struct codec_in in2 = { over, over + 10, 0 };
	codec_get_varint(&in2);
	assert_true(in2.bad);
	/* Truncated in the middle. */
	struct codec_in in3 = { buf, buf + 1, 0 };
	codec_get_varint(&in3);
	assert_true(in3.bad);
}

static void test_zigzag(void **state)
{
	static const int64_t vals[] = { 0, -1, 1, -2, 2, INT64_MIN, INT64_MAX };
	static const uint64_t enc[] = { 0, 1, 2, 3, 4, UINT64_MAX, UINT64_MAX - 1 };
	uint8_t buf[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		struct codec_out o = { buf, buf + sizeof(buf), 0 };
		codec_put_svarint(&o, vals[i]);
		struct codec_in in = { buf, o.p, 0 };
		assert_int_equal(codec_get_varint(&in), enc[i]);
		in.p = buf;
		assert_int_equal(codec_get_svarint(&in), vals[i]);
	}
}

static void test_out_overflow_writes_nothing(void **state)
{
	uint8_t buf[3] = { 0xEE, 0xEE, 0xEE };
	struct codec_out o = { buf, buf + 3, 0 };

	(void)state;
	codec_put_u16(&o, 0x1234);
	codec_put_u16(&o, 0x5678);
	assert_true(o.overflow);
	assert_int_equal(buf[0], 0x34);
	assert_int_equal(buf[2], 0xEE);
}

static void test_end_record_bytes(void **state)
{
	/* 1.8's E12-E15 after E11: flags 1, 512 bytes read (a two-byte
	 * varint), 3 written, 4 major faults. */
	static const uint8_t want[] = { 0x04, 0x10, 0x01, 0x01, 0x06, 0, 0, 0, 0,
					0, 0, 0, 0x02, 0x01, 0x80, 0x04, 0x03,
					0x04, 0x7f, 0x81, 0x0b, 0x22 };
	struct logbuf b;
	struct rt_end e = { .time_ns = 1, .exit_kind = RT_EXIT_CODE,
			    .exit_value = 3, .samples = 2, .flags = RT_END_F_IO,
			    .read_bytes = 512, .write_bytes = 3,
			    .major_faults = 4 };

	(void)state;
	logwrite_init(&b, mem, sizeof(mem));
	assert_int_equal(logwrite_end(&b, &e), 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.mem, want, sizeof(want));
}

/* Computed independently with Python's zlib.crc32 (FORMAT.md X, J). */
static void test_exit_and_exec_record_bytes(void **state)
{
	static const uint8_t want_x[] = {
		0x05, 0x12, 0x07, 0x01, 0x05, 0x09, 0x64, 0x00, 0x04, 0x00,
		0x00, 0x02, 0x0c, 0x01, 0x02, 0x61, 0x62, 0x03, 0x02, 0x01,
		0x34, 0x5c, 0x91, 0x5f };
	static const uint8_t want_brief[] = {
		0x0a, 0x12, 0x07, 0x01, 0x05, 0x09, 0x64, 0x00, 0x04, 0x00,
		0x00, 0x02, 0x0c, 0x03, 0x02, 0x61, 0x62, 0x03, 0x02, 0x01,
		0x3c, 0x3d, 0x91, 0xb4 };
	/* J4 = 1: a leaving record (1.4). */
	static const uint8_t want_j[] = { 0x06, 0x06, 0x09, 0x07, 0x02, 0x61,
					  0x62, 0x01, 0x23, 0x3e, 0x62, 0x96 };
	struct rt_exit x = { .pid = 7, .ppid = 1, .starttime_ticks = 5,
			     .end_ns = 9, .utime_us = 100, .hwm_kib = 4,
			     .exit_kind = RT_EXIT_SIGNAL, .exit_value = 6,
			     .flags = RT_EXIT_F_FORKED, .cmdline = "ab",
			     .run_delay_ns = 3, .major_faults = 2,
			     .swap_kib = 1 }; /* X14-X16, 1.6 */
	struct rt_exec j = { .time_ns = 9, .pid = 7, .cmdline = "ab",
			     .flags = RT_EXEC_F_LEAVING };
	struct logbuf b;

	(void)state;
	logwrite_init(&b, mem, sizeof(mem));
	assert_int_equal(logwrite_exit(&b, &x), 0);
	assert_int_equal(b.len, sizeof(want_x));
	assert_memory_equal(b.mem, want_x, sizeof(want_x));
	logwrite_clear(&b);
	assert_int_equal(logwrite_exec(&b, &j), 0);
	assert_int_equal(b.len, sizeof(want_j));
	assert_memory_equal(b.mem, want_j, sizeof(want_j));
	/* A brief process's record (1.7, X18): EXIT's payload, type 10. */
	logwrite_clear(&b);
	x.flags |= RT_EXIT_F_BRIEF;
	assert_int_equal(logwrite_exit(&b, &x), 0);
	assert_int_equal(b.len, sizeof(want_brief));
	assert_memory_equal(b.mem, want_brief, sizeof(want_brief));
}

/* Computed independently with Python's zlib.crc32 (FORMAT.md W; 1.5:
 * W10, the ppid, last). */
static void test_reaped_record_bytes(void **state)
{
	static const uint8_t want[] = {
		0x09, 0x13, 0x09, 0x07, 0x02, 0x12, 0xac, 0x02, 0x05, 0x80,
		0x08, 0x00, 0x07, 0x62, 0x75, 0x73, 0x79, 0x62, 0x6f, 0x78,
		0x00, 0xec, 0xa3, 0xae, 0x9f };
	struct rt_reaped r = { .time_ns = 9, .pid = 7,
			       .exit_kind = RT_EXIT_SIGNAL, .exit_value = 9,
			       .utime_us = 300, .stime_us = 5,
			       .maxrss_kib = 1024, .comm = "busybox" };
	struct logbuf b;

	(void)state;
	logwrite_init(&b, mem, sizeof(mem));
	assert_int_equal(logwrite_reaped(&b, &r), 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.mem, want, sizeof(want));
}

/* A log in mem of a root of pid: the preamble and a header. */
static void start_log(struct logbuf *b, uint32_t pid)
{
	struct rt_header h;

	memset(&h, 0, sizeof(h));
	h.pid = pid;
	h.clk_tck = 100;
	logwrite_init(b, mem, sizeof(mem));
	assert_int_equal(logwrite_preamble(b), 0);
	assert_int_equal(logwrite_header(b, &h), 0);
}

/* A 1.4 REAPED record (no W10) still reads, its ppid 0. */
static void test_reaped_record_14(void **state)
{
	static const uint8_t v14[] = {
		0x09, 0x12, 0x09, 0x07, 0x02, 0x12, 0xac, 0x02, 0x05, 0x80,
		0x08, 0x00, 0x07, 0x62, 0x75, 0x73, 0x79, 0x62, 0x6f, 0x78,
		0x38, 0xb9, 0xcf, 0xc9 };
	struct rt_log log;
	struct logbuf b;
	char err[200];

	(void)state;
	start_log(&b, 7);
	memcpy(mem + b.len, v14, sizeof(v14));
	assert_int_equal(logread_buf(mem, b.len + sizeof(v14), &log, err,
				     sizeof(err)), 0);
	assert_false(log.damaged);
	assert_true(log.has_reaped);
	assert_int_equal(log.reaped.maxrss_kib, 1024);
	assert_int_equal(log.reaped.ppid, 0);
	assert_string_equal(log.reaped.comm, "busybox");
	logread_free(&log);
}

/* A REAPED record read back: the one of the log's root is kept, one of
 * another pid (a log it was not meant for) and a second one are not. */
static void test_reaped_roundtrip(void **state)
{
	struct rt_reaped r = { .time_ns = 5000000000ull, .pid = 42,
			       .exit_kind = RT_EXIT_CODE, .exit_value = 3,
			       .utime_us = 3800000, .stime_us = 20000,
			       .maxrss_kib = 2048, .flags = RT_REAPED_F_CORE,
			       .comm = "a-name-of-15-by" };
	struct rt_log log;
	struct logbuf b;
	char err[200];

	(void)state;
	start_log(&b, 42);
	r.pid = 43;
	assert_int_equal(logwrite_reaped(&b, &r), 0); /* another run's */
	r.pid = 42;
	assert_int_equal(logwrite_reaped(&b, &r), 0);
	r.exit_value = 4;
	assert_int_equal(logwrite_reaped(&b, &r), 0); /* a second one */
	assert_int_equal(logread_buf(mem, b.len, &log, err, sizeof(err)), 0);
	assert_false(log.damaged);
	assert_false(log.has_end);
	assert_true(log.has_reaped);
	assert_int_equal(log.reaped.pid, 42);
	assert_int_equal(log.reaped.time_ns, 5000000000ull);
	assert_int_equal(log.reaped.exit_kind, RT_EXIT_CODE);
	assert_int_equal(log.reaped.exit_value, 3);
	assert_int_equal(log.reaped.utime_us, 3800000);
	assert_int_equal(log.reaped.stime_us, 20000);
	assert_int_equal(log.reaped.maxrss_kib, 2048);
	assert_int_equal(log.reaped.flags, RT_REAPED_F_CORE);
	assert_string_equal(log.reaped.comm, "a-name-of-15-by");
	logread_free(&log);
	/* Cut anywhere inside, it is damage at its offset, never a crash. */
	assert_int_equal(logread_buf(mem, b.len - 3, &log, err, sizeof(err)),
			 0);
	assert_true(log.damaged);
	logread_free(&log);
}

static void hex_of(const struct logbuf *b, char *hex)
{
	for (size_t i = 0; i < b->len; i++)
		sprintf(hex + 2 * i, "%02x", b->mem[i]);
}

/* Append the bytes written as hex to mem at len; the new length. */
static size_t put_hex(size_t len, const char *hex)
{
	for (; hex[0] && hex[1]; hex += 2) {
		unsigned byte;
		assert_int_equal(sscanf(hex, "%2x", &byte), 1);
		mem[len++] = (uint8_t)byte;
	}
	return len;
}

/* A preamble and a header in mem; its length. */
static size_t put_head(void)
{
	struct logbuf b;
	struct rt_header h;

	memset(&h, 0, sizeof(h));
	h.clk_tck = 100;
	logwrite_init(&b, mem, sizeof(mem));
	assert_int_equal(logwrite_preamble(&b), 0);
	assert_int_equal(logwrite_header(&b, &h), 0);
	return b.len;
}

/* 1.0-1.2 SAMPLE records (FORMAT.md S), as 1.2 writers wrote them
 * (computed independently with Python's zlib.crc32): still read. */
static void test_sample_records_of_1_2_read(void **state)
{
	static const char *key =
		"0221011d10d00f04000000000000000000000000000000000000000000000000"
		"000000fa5a0987";
	static const char *delta =
		"0221001d00e807010000000000000000000000000000000000000000000000000"
		"00000d5d1795f";
	/* 1.2: the GPU fields present, sys_gpu_mem_total_kib missing. */
	static const char *gpu =
		"023200258080808020e8070000000000000000000000000000000000000000"
		"000000000000000004ac02048080800100500280089d6c8ca8";
	struct rt_log log;
	char err[200];
	size_t len = put_hex(put_hex(put_hex(put_head(), key), delta), gpu);

	(void)state;
	assert_int_equal(RT_SAMPLE_NFIELDS, 56);
	assert_int_equal(logread_buf(mem, len, &log, err, sizeof(err)), 0);
	assert_false(log.damaged);
	assert_int_equal(log.nsamples, 3);
	assert_int_equal(log.samples[0].time_ns, 1000);
	assert_int_equal(log.samples[0].tree_procs, 2);
	assert_false(sample_has(&log.samples[0], RT_F_tree_mem_kib));
	assert_false(sample_has(&log.samples[0], RT_F_gpu_count));
	assert_true(sample_has(&log.samples[0], RT_F_seen_stime_ticks));
	assert_int_equal(log.samples[1].time_ns, 1500);
	assert_int_equal(log.samples[1].tree_procs, 1);
	assert_true(sample_has(&log.samples[1], RT_F_tree_mem_kib));
	assert_int_equal(log.samples[2].time_ns, 2000);
	assert_int_equal(log.samples[2].gpu_count, 2);
	assert_int_equal(log.samples[2].sys_gpu_util_pct, 150);
	assert_int_equal(log.samples[2].sys_gpu_mem_used_kib, 1048576);
	assert_false(sample_has(&log.samples[2], RT_F_sys_gpu_mem_total_kib));
	assert_int_equal(log.samples[2].tree_gpu_mem_kib, 512);
	logread_free(&log);
}

/* A SAMPLES record as the writer makes it, given fields: time, procs,
 * sys_disk_read_bytes; tree_mem_kib and the GPU fields missing. */
static void put_sample3(struct logbuf *b, uint64_t time, uint64_t procs,
			uint64_t disk)
{
	struct rt_sample s;

	memset(&s, 0, sizeof(s));
	s.time_ns = time;
	s.tree_procs = procs;
	s.sys_disk_read_bytes = disk;
	s.tree_mem_kib = 777; /* missing: never written */
	sample_set_missing(&s, RT_F_tree_mem_kib);
	/* Trailing missing fields are left out (S9, Q2). */
	for (unsigned f = RT_F_gpu_count; f < RT_SAMPLE_NFIELDS; f++)
		sample_set_missing(&s, (enum rt_field)f);
	assert_int_equal(logwrite_sample(b, &s), 0);
}

/* Eight samples (FORMAT.md Q): a keyframe record of four, then, in the
 * next batch, a record of four that is not a keyframe, whose parameters
 * come from the model the first one left (Q8).  The bytes come from the
 * tests' own encoder, written from the text of FORMAT.md Q in Python
 * (zlib.crc32 for the checksum). */
static void test_samples_record_bytes(void **state)
{
	static const char *want_key =
		"0847011d10e8070200000000000000000000000000000000000000000000000000"
		"00000009fa0000c0ffff00000e00f01f00000a2cffff07007000c0ff000009faff"
		"ff03002802fc07e677b88d";
	static const char *want_next =
		"0833001d10000089fdffff03003400e03f0000c9f9ffff03003400e03f000045fa"
		"ff3f00400300fe03000085faff3f00400300fe030e01c969";
	uint64_t time[8] = { 1000, 1500, 2100, 2600 };
	uint64_t disk[8] = { 0, 8192, 8192 + 3 * 4096, 8192 + 3 * 4096 + 513 };
	struct logbuf b;
	struct rt_log log;
	char hex[512], err[200];
	size_t len;

	(void)state;
	for (int j = 1; j <= 4; j++) {
		time[3 + j] = 3100 + 500 * (uint64_t)j + (uint64_t)(j % 3) * 7;
		disk[3 + j] = disk[3] + 4096 * (uint64_t)j;
	}
	logwrite_init(&b, mem, sizeof(mem));
	for (int i = 0; i < 4; i++)
		put_sample3(&b, time[i], i ? 1 : 2, disk[i]);
	hex_of(&b, hex);
	assert_string_equal(hex, want_key);
	logwrite_clear(&b);
	for (int i = 4; i < 8; i++)
		put_sample3(&b, time[i], 1, disk[i]);
	hex_of(&b, hex);
	assert_string_equal(hex, want_next);

	/* ...and they read back. */
	len = put_hex(put_hex(put_head(), want_key), want_next);
	assert_int_equal(logread_buf(mem, len, &log, err, sizeof(err)), 0);
	assert_false(log.damaged);
	assert_int_equal(log.nsamples, 8);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(log.samples[i].time_ns, time[i]);
		assert_int_equal(log.samples[i].sys_disk_read_bytes, disk[i]);
		assert_int_equal(log.samples[i].tree_procs, i ? 1 : 2);
		assert_false(sample_has(&log.samples[i], RT_F_tree_mem_kib));
		assert_int_equal(log.samples[i].tree_mem_kib, 0);
		assert_false(sample_has(&log.samples[i], RT_F_tree_gpu_mem_kib));
		assert_true(sample_has(&log.samples[i], RT_F_seen_utime_ticks));
	}
	logread_free(&log);
}

/* FORMAT.md G, computed independently with Python's zlib.crc32. */
static const struct rt_gpu_dev gpu_devs2[2] = {
	{ RT_GPU_NVML, "Tesla T4", "GPU-1" },
	{ RT_GPU_DRM, "amdgpu", "0000:03:00.0" },
};

static void gpu_values2(struct rt_gpu_values v[2])
{
	memset(v, 0, 2 * sizeof(v[0]));
	v[0].util_pct = 50;
	v[0].mem_used_kib = 1024;
	v[0].mem_total_kib = 16384;
	v[0].power_mw = 70000;
	v[0].temp_c = 45;
	v[0].sm_clock_mhz = 1590;
	v[0].tree_util_pct = 30;
	v[0].tree_mem_kib = 512;
	v[0].tree_procs = 1;
	v[1].flags = RT_GPU_F_PROCS_CUT;
	v[1].util_pct = 99; /* missing: not written */
	v[1].missing = 1u << RT_G_util_pct | 1u << RT_G_sm_clock_mhz;
}

static void test_gpu_record_bytes(void **state)
{
	static const char *want_dev =
		"0727000201085465736c61205434054750552d310206616d646770750c3030"
		"30303a30333a30302e302782ebe0";
	static const char *want_v1 =
		"071b0101020a00ff03648010808002e0c5085aec183c800802218004089acb"
		"6891";
	static const char *want_v2 = "070b0100020a00093bcf0f21008b7b3e25";
	struct rt_gpu_chain chain;
	struct rt_gpu_values v[2];
	struct logbuf b;
	char hex[512];

	(void)state;
	assert_int_equal(RT_GPU_NFIELDS, 10);
	memset(&chain, 0, sizeof(chain));
	logwrite_init(&b, mem, sizeof(mem));
	assert_int_equal(logwrite_gpu_devices(&b, gpu_devs2, 2), 0);
	hex_of(&b, hex);
	assert_string_equal(hex, want_dev);
	logwrite_clear(&b);
	gpu_values2(v);
	assert_int_equal(logwrite_gpu_values(&b, &chain, v, 2), 0);
	hex_of(&b, hex);
	assert_string_equal(hex, want_v1);
	logwrite_clear(&b);
	v[0].util_pct = 20;
	v[0].power_mw = 69000;
	assert_int_equal(logwrite_gpu_values(&b, &chain, v, 2), 0);
	hex_of(&b, hex);
	assert_string_equal(hex, want_v2);
	assert_int_equal(logwrite_gpu_devices(&b, gpu_devs2, 17), -EINVAL);
}

/* A log with GPU records between its samples decodes them, each tied to
 * the SAMPLE after it (G8). */
static size_t build_gpu_log(void)
{
	struct rt_gpu_chain chain;
	struct rt_gpu_values v[2];
	struct rt_header h;
	struct rt_sample s;
	struct logbuf b;

	memset(&chain, 0, sizeof(chain));
	memset(&h, 0, sizeof(h));
	h.flags = RT_CFG_GPU;
	logwrite_init(&b, mem, sizeof(mem));
	logwrite_preamble(&b);
	logwrite_header(&b, &h);
	gpu_values2(v);
	assert_int_equal(logwrite_gpu_devices(&b, gpu_devs2, 2), 0);
	for (int i = 0; i < 3; i++) {
		v[0].util_pct = 10u * (unsigned)i;
		assert_int_equal(logwrite_gpu_values(&b, &chain, v, 2), 0);
		memset(&s, 0, sizeof(s));
		s.time_ns = 1000u * (unsigned)(i + 1);
		s.gpu_count = 2;
		assert_int_equal(logwrite_sample(&b, &s), 0);
	}
	return b.len;
}

static void test_gpu_roundtrip(void **state)
{
	size_t len = build_gpu_log();
	struct rt_log log;
	char err[200];

	(void)state;
	assert_int_equal(logread_buf(mem, len, &log, err, sizeof(err)), 0);
	assert_false(log.damaged);
	assert_int_equal(log.ngpu_devs, 2);
	assert_string_equal(log.gpu_devs[0].name, "Tesla T4");
	assert_string_equal(log.gpu_devs[1].id, "0000:03:00.0");
	assert_int_equal(log.gpu_devs[1].source, RT_GPU_DRM);
	assert_int_equal(log.ngpu_samples, 3);
	assert_int_equal(log.ngpu_vals, 6);
	for (size_t i = 0; i < 3; i++) {
		const struct rt_gpu_sample *g = &log.gpu_samples[i];
		const struct rt_gpu_values *v = &log.gpu_vals[g->first];
		assert_int_equal(g->sample, i);
		assert_int_equal(g->n, 2);
		assert_int_equal(v[0].util_pct, 10 * i);
		assert_int_equal(v[0].power_mw, 70000);
		assert_true(gpu_has(&v[0], RT_G_tree_mem_kib));
		assert_false(gpu_has(&v[1], RT_G_util_pct));
		assert_false(gpu_has(&v[1], RT_G_sm_clock_mhz));
		assert_int_equal(v[1].flags, RT_GPU_F_PROCS_CUT);
	}
	assert_int_equal(log.samples[2].gpu_count, 2);
	assert_true(sample_has(&log.samples[2], RT_F_gpu_count));
	/* A 1.2 sample without GPU: the GPU fields read as missing. */
	logread_free(&log);
}

static size_t build_log(int nsamples, int with_end);

/* Write one record of type with payload p (under 128 bytes) into mem at
 * len, framed and checksummed; the new length. */
static size_t put_record(size_t len, uint8_t type, const uint8_t *p,
			 size_t n)
{
	uint8_t *r = mem + len;
	uint32_t crc;

	r[0] = type;
	r[1] = (uint8_t)n;
	memcpy(r + 2, p, n);
	crc = codec_crc32(0, r, n + 2);
	for (int i = 0; i < 4; i++)
		r[n + 2 + i] = (uint8_t)(crc >> (8 * i));
	return len + n + 6;
}

/* Write one GPU record with payload p into mem at len; the new length. */
static size_t put_gpu_record(size_t len, const uint8_t *p, size_t n)
{
	return put_record(len, RT_REC_GPU, p, n);
}

static void test_gpu_hostile(void **state)
{
	/* kind 0 with 17 devices; values before any inventory; a delta
	 * without a keyframe; a changed mask past nfields. */
	static const uint8_t too_many[] = { 0, 17 };
	static const uint8_t orphan[] = { 1, 1, 1, 10, 0, 0 };
	static const uint8_t inventory1[] = { 0, 1, 1, 1, 'A', 1, 'B' };
	static const uint8_t no_key[] = { 1, 0, 1, 10, 0, 0 };
	static const uint8_t past_nf[] = { 1, 1, 1, 2, 0, 4, 2 };
	static const uint8_t future_kind[] = { 9, 1, 2, 3 };
	static const uint8_t ok[] = { 1, 1, 1, 2, 0, 1, 100 };
	static const struct {
		const uint8_t *p;
		size_t n;
		int damaged;
	} cases[] = {
		{ too_many, sizeof(too_many), 1 },
		{ orphan, sizeof(orphan), 1 },
		{ no_key, sizeof(no_key), 1 },
		{ past_nf, sizeof(past_nf), 1 },
		{ future_kind, sizeof(future_kind), 0 },
		{ ok, sizeof(ok), 0 },
	};
	struct rt_log log;
	char err[200];

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		size_t len = build_log(1, 0);
		if (c >= 2)
			len = put_gpu_record(len, inventory1,
					     sizeof(inventory1));
		len = put_gpu_record(len, cases[c].p, cases[c].n);
		assert_int_equal(logread_buf(mem, len, &log, err, sizeof(err)),
				 0);
		assert_int_equal(log.damaged, cases[c].damaged);
		if (cases[c].damaged)
			assert_non_null(strstr(log.damage, "GPU"));
		logread_free(&log);
	}
	/* The good one, from a writer that knew 2 values: 100 is zigzag 50
	 * for the first. */
	size_t len = put_gpu_record(put_gpu_record(build_log(1, 0), inventory1,
						   sizeof(inventory1)),
				    ok, sizeof(ok));
	assert_int_equal(logread_buf(mem, len, &log, err, sizeof(err)), 0);
	assert_int_equal(log.ngpu_samples, 1);
	assert_int_equal(log.gpu_vals[0].util_pct, 50);
	assert_false(gpu_has(&log.gpu_vals[0], RT_G_flags)); /* V2 */
	logread_free(&log);
}

/* A complete log in mem: preamble, header, samples, procs, end. */
static size_t build_log(int nsamples, int with_end)
{
	struct logbuf b;
	struct rt_header h;
	struct rt_proc p;
	int i;

	logwrite_init(&b, mem, sizeof(mem));
	memset(&h, 0, sizeof(h));
	strcpy(h.host, "node-7");
	strcpy(h.kernel, "6.1.0");
	strcpy(h.machine, "x86_64");
	h.ncpus = 2;
	h.clk_tck = 100;
	h.page_size = 4096;
	h.boot_time_ns = 1700000000000000000ull;
	h.pid = 4242;
	h.start_ns = 1700000100000000000ull;
	h.interval_ns = 250000000;
	h.flags = RT_CFG_CHILDREN | RT_CFG_SYSTEM;
	h.mem_mode = RT_MEM_RSS;
	strcpy(h.cmdline, "python3 -c 'print(\"x\")'");
	assert_int_equal(logwrite_preamble(&b), 0);
	assert_int_equal(logwrite_header(&b, &h), 0);
	for (i = 0; i < nsamples; i++) {
		struct rt_sample s;
		unsigned f;
		memset(&s, 0, sizeof(s));
		for (f = 0; f < RT_SAMPLE_NFIELDS; f++)
			s.v[f] = (uint64_t)(f * 1000 + i * (f % 3 ? 7 : -5));
		s.time_ns = h.start_ns + (uint64_t)i * h.interval_ns;
		if (i == 1)
			sample_set_missing(&s, RT_F_sys_net_recv_bytes);
		assert_int_equal(logwrite_sample(&b, &s), 0);
		if (i == 0) {
			memset(&p, 0, sizeof(p));
			p.pid = 4243;
			p.ppid = 4242;
			p.utime_ticks = 12;
			p.hwm_kib = 5000;
			p.flags = RT_PROC_EXITED;
			p.exit_code = -1;
			strcpy(p.cmdline, "sleep 1");
			assert_int_equal(logwrite_proc(&b, &p), 0);
		}
	}
	{
		struct rt_exit x = { .pid = 4250, .ppid = 4242,
				     .starttime_ticks = 1234, .utime_us = 5,
				     .exit_kind = RT_EXIT_CODE, .exit_value = 1,
				     .cmdline = "cc" };
		struct rt_exec j = { .time_ns = 77, .pid = 4242,
				     .cmdline = "exec'd" };
		assert_int_equal(logwrite_exit(&b, &x), 0);
		assert_int_equal(logwrite_exec(&b, &j), 0);
	}
	if (with_end) {
		struct rt_end e = { .time_ns = h.start_ns + 999, .exit_kind = RT_EXIT_CODE,
				    .exit_value = 3, .self_utime_us = 1234567,
				    .flags = RT_END_F_IO, .write_bytes = 1 << 30,
				    .tracker_cpu_ns = 5555, .samples = (uint64_t)nsamples };
		assert_int_equal(logwrite_end(&b, &e), 0);
	}
	return b.len;
}

static void test_roundtrip(void **state)
{
	struct rt_log log;
	char err[200];
	size_t len = build_log(5, 1);
	int i;

	(void)state;
	assert_int_equal(logread_buf(mem, len, &log, err, sizeof(err)), 0);
	assert_false(log.damaged);
	assert_int_equal(log.version_major, 1);
	assert_string_equal(log.hdr.host, "node-7");
	assert_string_equal(log.hdr.cmdline, "python3 -c 'print(\"x\")'");
	assert_int_equal(log.hdr.pid, 4242);
	assert_int_equal(log.hdr.interval_ns, 250000000);
	assert_int_equal(log.hdr.mem_mode, RT_MEM_RSS);
	assert_int_equal(log.hdr.boot_time_ns, 1700000000000000000ull);
	assert_int_equal(log.nsamples, 5);
	for (i = 0; i < 5; i++) {
		unsigned f;
		for (f = 1; f < RT_SAMPLE_NFIELDS; f++) {
			if (i == 1 && f == RT_F_sys_net_recv_bytes)
				continue;
			assert_int_equal(log.samples[i].v[f],
					 (uint64_t)(f * 1000 + i * (f % 3 ? 7 : -5)));
		}
		assert_int_equal(sample_has(&log.samples[i], RT_F_sys_net_recv_bytes),
				 i != 1);
	}
	assert_int_equal(log.nprocs, 1);
	assert_int_equal(log.procs[0].pid, 4243);
	assert_int_equal(log.procs[0].exit_code, -1);
	assert_string_equal(log.procs[0].cmdline, "sleep 1");
	assert_int_equal(log.nexits, 1);
	assert_int_equal(log.exits[0].pid, 4250);
	assert_int_equal(log.exits[0].starttime_ticks, 1234);
	assert_int_equal(log.exits[0].exit_value, 1);
	assert_string_equal(log.exits[0].cmdline, "cc");
	assert_int_equal(log.nexecs, 1);
	assert_string_equal(log.execs[0].cmdline, "exec'd");
	assert_true(log.has_end);
	assert_int_equal(log.end.exit_value, 3);
	assert_int_equal(log.end.self_utime_us, 1234567);
	assert_int_equal(log.end.samples, 5);
	assert_int_equal(log.end.flags, RT_END_F_IO);
	assert_int_equal(log.end.write_bytes, 1 << 30);
	assert_string_equal(sample_field_name(RT_F_tree_mem_kib), "tree_mem_kib");
	assert_null(sample_field_name(RT_SAMPLE_NFIELDS));
	logread_free(&log);
}

/* Cut the log at every length: never a crash, and what is whole is kept. */
static void test_every_truncation(void **state)
{
	size_t len = build_log(4, 1), cut, header_end;
	struct rt_log log;
	char err[200];

	(void)state;
	/* Find where the header record ends: the first cut that decodes. */
	for (header_end = 0; header_end <= len; header_end++)
		if (logread_buf(mem, header_end, &log, err, sizeof(err)) == 0) {
			logread_free(&log);
			break;
		}
	assert_true(header_end > RT_LOG_PREAMBLE_LEN);
	for (cut = 0; cut < len; cut++) {
		int rc = logread_buf(mem, cut, &log, err, sizeof(err));
		if (cut < header_end) {
			assert_int_equal(rc, -1);
			assert_true(strlen(err) > 0);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_false(log.has_end);
		assert_true(log.nsamples <= 4);
		if (log.damaged) {
			assert_true(log.damage_offset >= header_end);
			assert_non_null(strstr(log.damage, "torn tail"));
			assert_true(log.damage_tail);
		}
		logread_free(&log);
	}
}

static void test_every_byte_flip(void **state)
{
	size_t len = build_log(3, 1), i;
	struct rt_log log;
	char err[200];

	(void)state;
	for (i = 0; i < len; i++) {
		mem[i] ^= 0x5a;
		if (i == 10 || i == 11) {
			/* The minor version: any value reads (V1). */
			assert_int_equal(logread_buf(mem, len, &log, err,
						     sizeof(err)), 0);
			assert_false(log.damaged);
			logread_free(&log);
		} else if (logread_buf(mem, len, &log, err, sizeof(err)) == 0) {
			/* Past the header: damage must be detected and located. */
			assert_true(i >= RT_LOG_PREAMBLE_LEN);
			assert_true(log.damaged);
			assert_true(log.damage_offset <= i);
			logread_free(&log);
		}
		mem[i] ^= 0x5a;
	}
}

/* Start of each frame of mem[0..len) (R1) into at[]; their count. */
static size_t frame_starts(size_t len, size_t *at, size_t max)
{
	size_t off = RT_LOG_PREAMBLE_LEN, n = 0;

	while (off < len && n < max) {
		struct codec_in in = { mem + off + 1, mem + len, 0 };
		uint64_t l = codec_get_varint(&in);

		assert_false(in.bad);
		at[n++] = off;
		off = (size_t)(in.p - mem) + (size_t)l + 4;
	}
	return n;
}

/* Which damage is the tail a killed or crashed writer leaves (damage_tail:
 * "killed or crashed"), and which may hide the rest of the log. */
static void test_damage_tail(void **state)
{
	size_t len = build_log(4, 1), at[64], n = frame_starts(len, at, 64);
	size_t last = at[n - 1];
	struct rt_log log;
	char err[200];

	(void)state;
	assert_true(n >= 4);
	/* A bad checksum in the last record: the tail. */
	mem[len - 1] ^= 0x5a;
	assert_int_equal(logread_buf(mem, len, &log, err, sizeof(err)), 0);
	assert_true(log.damaged && log.damage_tail);
	assert_int_equal(log.damage_offset, last);
	logread_free(&log);
	mem[len - 1] ^= 0x5a;
	/* In a record with others after it: not the tail. */
	mem[at[n - 2] + 2] ^= 0x5a;
	assert_int_equal(logread_buf(mem, len, &log, err, sizeof(err)), 0);
	assert_true(log.damaged);
	assert_false(log.damage_tail);
	logread_free(&log);
	mem[at[n - 2] + 2] ^= 0x5a;
	/* A length over the format's limit with records after it: no cut
	 * write makes that. */
	{
		uint8_t save[4];

		memcpy(save, mem + at[1] + 1, 4);
		memcpy(mem + at[1] + 1, "\xff\xff\xff\x07", 4);
		assert_int_equal(logread_buf(mem, len, &log, err, sizeof(err)),
				 0);
		assert_true(log.damaged);
		assert_false(log.damage_tail);
		logread_free(&log);
		memcpy(mem + at[1] + 1, save, 4);
	}
	/* Zeros from a record's start to the end (blocks a crash lost). */
	memset(mem + last, 0, 300);
	assert_int_equal(logread_buf(mem, last + 300, &log, err, sizeof(err)),
			 0);
	assert_true(log.damaged && log.damage_tail);
	assert_int_equal(log.damage_offset, last);
	logread_free(&log);
	/* ... but not when something other than zeros follows them. */
	mem[last + 299] = 1;
	assert_int_equal(logread_buf(mem, last + 300, &log, err, sizeof(err)),
			 0);
	assert_true(log.damaged);
	assert_false(log.damage_tail);
	logread_free(&log);
}

/* A file larger than the memory rtrack-dump may use is read up to it and
 * stops there as for memory: the samples before kept, the cut not taken
 * for a torn tail.  Here a 1,000,000-byte record of a type from the
 * future (skipped, V1) sits after two samples, the budget 512 KiB (the
 * decoding itself needs some 130 KiB). */
static void test_file_over_budget(void **state)
{
	size_t len = build_log(2, 0), body = 1000000, l, start;
	char path[] = "/tmp/rtrack-test-log-XXXXXX", err[200];
	uint8_t *buf = malloc(len + body + 16);
	struct rt_log log;
	uint32_t crc;
	FILE *f;
	int fd;

	(void)state;
	assert_non_null(buf);
	memcpy(buf, mem, len);
	start = len;
	buf[len++] = 0x63;
	for (l = body; l >= 0x80; l >>= 7)
		buf[len++] = (uint8_t)(l | 0x80);
	buf[len++] = (uint8_t)l;
	memset(buf + len, 'x', body);
	len += body;
	crc = codec_crc32(0, buf + start, len - start);
	for (int i = 0; i < 4; i++)
		buf[len++] = (uint8_t)(crc >> (8 * i));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	free(buf);

	assert_int_equal(logread_file_budget(path, 0, &log, err, sizeof(err)),
			 0);
	assert_false(log.damaged);
	assert_int_equal(log.nsamples, 2);
	logread_free(&log);
	assert_int_equal(logread_file_budget(path, 512 << 10, &log, err,
					     sizeof(err)), 0);
	assert_true(log.damaged && log.damage_memory);
	assert_false(log.damage_tail);
	assert_int_equal(log.damage_offset, start);
	/* Half the budget for the file, the rest for decoding it. */
	assert_non_null(strstr(log.damage, "larger than the 256 KiB"));
	assert_int_equal(log.nsamples, 2);
	logread_free(&log);
	unlink(path);
}

static void test_refusals(void **state)
{
	struct rt_log log;
	char err[200];
	size_t len = build_log(1, 1);

	(void)state;
	assert_int_equal(logread_buf((const uint8_t *)"timestamp,pid\n1,2\n", 18,
				     &log, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not an rtrack log"));
	mem[8] = 2; /* major version 2 */
	assert_int_equal(logread_buf(mem, len, &log, err, sizeof(err)), -1);
	{
		char want[64];
		snprintf(want, sizeof(want), "version 2.%d is newer",
			 RT_LOG_VERSION_MINOR);
		assert_non_null(strstr(err, want));
	}
	mem[8] = 0; /* major 0 never existed */
	assert_int_equal(logread_buf(mem, len, &log, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "does not exist"));
	mem[8] = 1;
	mem[10] = 7; /* a newer minor version is read (V1) */
	assert_int_equal(logread_buf(mem, len, &log, err, sizeof(err)), 0);
	assert_int_equal(log.version_minor, 7);
	logread_free(&log);
	assert_int_equal(logread_file("/nonexistent/x.bin", &log, err,
				      sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
}

static void test_unknown_record_skipped(void **state)
{
	size_t len = build_log(2, 0);
	struct logbuf b;
	struct rt_log log;
	char err[200];
	uint8_t rec[] = { 0x63, 0x03, 'a', 'b', 'c', 0, 0, 0, 0 };
	uint32_t crc = codec_crc32(0, rec, 5);

	(void)state;
	rec[5] = (uint8_t)crc;
	rec[6] = (uint8_t)(crc >> 8);
	rec[7] = (uint8_t)(crc >> 16);
	rec[8] = (uint8_t)(crc >> 24);
	memcpy(mem + len, rec, sizeof(rec));
	len += sizeof(rec);
	/* ...then one more sample, which must still decode after the skip. */
	logwrite_init(&b, mem + len, sizeof(mem) - len);
	b.have_prev = 0;
	struct rt_sample s;
	memset(&s, 0, sizeof(s));
	s.time_ns = 77;
	assert_int_equal(logwrite_sample(&b, &s), 0);
	len += b.len;
	assert_int_equal(logread_buf(mem, len, &log, err, sizeof(err)), 0);
	assert_false(log.damaged);
	assert_int_equal(log.nsamples, 3);
	assert_int_equal(log.samples[2].time_ns, 77);
	logread_free(&log);
}

static void test_batch_full_is_atomic(void **state)
{
	uint8_t small[96];
	struct logbuf b;
	struct rt_sample s;
	struct rt_pack_field pack[RT_SAMPLE_NFIELDS];

	(void)state;
	logwrite_init(&b, small, sizeof(small));
	memset(&s, 0, sizeof(s));
	assert_int_equal(logwrite_sample(&b, &s), 0);
	size_t used = b.len, plen = b.rec_plen;
	memcpy(pack, b.pack, sizeof(pack));
	/* Every field jumps: an escape each (Q7), far past 96 bytes. */
	for (unsigned f = 0; f < RT_SAMPLE_NFIELDS; f++)
		s.v[f] = UINT64_MAX - f;
	assert_int_equal(logwrite_sample(&b, &s), -ENOSPC);
	assert_int_equal(b.len, used);
	assert_int_equal(b.rec_plen, plen);
	assert_int_equal(b.prev.time_ns, 0); /* delta base unchanged */
	assert_memory_equal(b.pack, pack, sizeof(pack));
	/* Flushed, the same sample goes in: a record of its own. */
	logwrite_clear(&b);
	logwrite_init(&b, mem, sizeof(mem));
	memset(&s, 0, sizeof(s));
	assert_int_equal(logwrite_sample(&b, &s), 0);
}

/* A small deterministic generator for the round trips. */
static uint64_t rnd_state = 88172645463325252ull;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* Sample i of a chain whose fields move in every way the model meets:
 * constants, counters with jitter, page multiples that turn odd, levels
 * that jitter or jump, the whole 64-bit range, fields that come and go. */
static void rnd_sample(struct rt_sample *s, int i)
{
	uint64_t r = rnd();

	for (unsigned f = 0; f < RT_SAMPLE_NFIELDS; f++) {
		switch (f % 8) {
		case 0: break;                                   /* constant */
		case 1: s->v[f] += 1000 + rnd() % 64; break;     /* counter */
		case 2: s->v[f] += 4096 * (rnd() % 9); break;    /* pages */
		case 3: s->v[f] = 5000000 + rnd() % 100000; break; /* level */
		case 4: s->v[f] = rnd(); break;                  /* noise */
		case 5: s->v[f] += i % 50 == 49 ? 1 : 512 * (rnd() % 3); break;
		case 6: s->v[f] = i % 37 == 0 ? rnd() >> (rnd() % 64) : s->v[f];
			break;                                   /* jumps */
		case 7: s->v[f] -= rnd() % 1000; break;          /* falls */
		}
	}
	s->time_ns += 100000000 + r % 3000000;
	s->missing = 0;
	if (r % 11 == 0)
		sample_set_missing(s, RT_F_tree_mem_kib);
	if ((i / 40) % 2) /* GPU fields for a while, then not */
		for (unsigned f = RT_F_gpu_count; f <= RT_F_tree_gpu_mem_kib; f++)
			sample_set_missing(s, (enum rt_field)f);
}

/* Samples written in batches of random length (FORMAT.md Q10) with other
 * records between some of them read back exactly, values and missing. */
static void test_samples_roundtrip(void **state)
{
	enum { N = 600 };
	static struct rt_sample want[N];
	static uint8_t batch[4096];
	struct rt_sample s;
	struct logbuf b;
	struct rt_log log;
	char err[200];
	size_t len = put_head();

	(void)state;
	memset(&s, 0, sizeof(s));
	s.time_ns = 1700000000000000000ull;
	logwrite_init(&b, batch, sizeof(batch));
	for (int i = 0; i < N; i++) {
		rnd_sample(&s, i);
		if (logwrite_sample(&b, &s) == -ENOSPC) {
			memcpy(mem + len, b.mem, b.len);
			len += b.len;
			logwrite_clear(&b);
			assert_int_equal(logwrite_sample(&b, &s), 0);
		}
		if (rnd() % 13 == 0) { /* the sampler's write */
			memcpy(mem + len, b.mem, b.len);
			len += b.len;
			logwrite_clear(&b);
		}
		want[i] = s;
		for (unsigned f = 0; f < RT_SAMPLE_NFIELDS; f++)
			if (s.missing >> f & 1)
				want[i].v[f] = 0;
		if (rnd() % 29 == 0) {
			struct rt_proc p = { .pid = 7, .cmdline = "x" };
			assert_int_equal(logwrite_proc(&b, &p), 0);
		}
	}
	memcpy(mem + len, b.mem, b.len);
	len += b.len;
	assert_true(len < sizeof(mem));
	assert_int_equal(logread_buf(mem, len, &log, err, sizeof(err)), 0);
	assert_false(log.damaged);
	assert_int_equal(log.nsamples, N);
	for (int i = 0; i < N; i++) {
		struct rt_sample got = log.samples[i];
		assert_int_equal(got.missing, want[i].missing);
		for (unsigned f = 0; f < RT_SAMPLE_NFIELDS; f++)
			if (got.missing >> f & 1)
				got.v[f] = 0;
		assert_memory_equal(got.v, want[i].v, sizeof(got.v));
	}
	logread_free(&log);
}

/* Many samples, in records of every size the writer makes, over many
 * growths of the reader's array: every value arrives. */
static void test_samples_many(void **state)
{
	enum { N = 50000 };
	size_t cap = (size_t)N * 160 + 4096, len;
	uint8_t *buf = malloc(cap);
	uint64_t *first = malloc(N * sizeof(uint64_t));
	struct rt_sample s;
	struct logbuf b;
	struct rt_log log;
	char err[200];

	(void)state;
	assert_non_null(buf);
	assert_non_null(first);
	len = put_head();
	memcpy(buf, mem, len);
	memset(&s, 0, sizeof(s));
	logwrite_init(&b, buf + len, cap - len);
	for (int i = 0; i < N; i++) {
		rnd_sample(&s, i);
		first[i] = s.v[RT_F_tree_utime_ticks];
		assert_int_equal(logwrite_sample(&b, &s), 0);
	}
	assert_int_equal(logread_buf(buf, len + b.len, &log, err, sizeof(err)),
			 0);
	assert_false(log.damaged);
	assert_int_equal(log.nsamples, N);
	for (int i = 0; i < N; i++)
		assert_int_equal(log.samples[i].tree_utime_ticks, first[i]);
	logread_free(&log);
	assert_null(log.samples);

	/* Held to a budget of 1000 samples (the last growth cut to fit it):
	 * decoding stops at the record that does not fit, said like damage,
	 * and keeps exactly the samples before that record: those the log
	 * cut at the damage offset gives. */
	assert_int_equal(logread_buf_budget(buf, len + b.len,
					    1000 * sizeof(struct rt_sample),
					    &log, err, sizeof(err)), 0);
	assert_true(log.damaged);
	{
		char want[128];

		snprintf(want, sizeof(want), "decoding the rest needs more than "
			 "the %zu KiB of memory rtrack-dump may use",
			 1000 * sizeof(struct rt_sample) >> 10);
		assert_string_equal(log.damage, want);
	}
	assert_true(log.damage_memory);
	assert_false(log.damage_tail);
	assert_true(log.damage_offset > RT_LOG_PREAMBLE_LEN);
	assert_true(log.damage_offset < len + b.len);
	assert_true(log.nsamples > 900 && log.nsamples <= 1000);
	for (size_t i = 0; i < log.nsamples; i++)
		assert_int_equal(log.samples[i].tree_utime_ticks, first[i]);
	{
		struct rt_log cut;

		assert_int_equal(logread_buf(buf, log.damage_offset, &cut, err,
					     sizeof(err)), 0);
		assert_false(cut.damaged);
		assert_int_equal(cut.nsamples, log.nsamples);
		logread_free(&cut);
	}
	logread_free(&log);
	free(first);
	free(buf);
}

/* Which samples share a record (Q10): those of one batch with the same
 * layout, while the payload is under 128 bytes. */
static void test_samples_records_join(void **state)
{
	struct logbuf b;
	struct rt_sample s;
	struct rt_proc p = { .pid = 7 };
	size_t off;

	(void)state;
	logwrite_init(&b, mem, sizeof(mem));
	memset(&s, 0, sizeof(s));
	assert_int_equal(logwrite_sample(&b, &s), 0);
	off = b.rec_off;
	s.time_ns = 5;
	assert_int_equal(logwrite_sample(&b, &s), 0);
	assert_int_equal(b.rec_off, off); /* joined */
	sample_set_missing(&s, RT_F_sys_procs);
	assert_int_equal(logwrite_sample(&b, &s), 0);
	assert_true(b.rec_off > off);    /* another layout */
	off = b.rec_off;
	/* A PROC record goes in front of the open record, which stays open
	 * and takes the next sample. */
	assert_int_equal(logwrite_proc(&b, &p), 0);
	assert_int_equal(mem[off], RT_REC_PROC);
	assert_true(b.rec_off > off);
	assert_int_equal(mem[b.rec_off], RT_REC_SAMPLES);
	off = b.rec_off;
	assert_int_equal(logwrite_sample(&b, &s), 0);
	assert_int_equal(b.rec_off, off);
	/* Any other record closes it. */
	assert_int_equal(logwrite_exec(&b, &(struct rt_exec){ .pid = 7 }), 0);
	assert_int_equal(logwrite_sample(&b, &s), 0);
	assert_true(b.rec_off > off);
	logwrite_clear(&b);
	assert_int_equal(logwrite_sample(&b, &s), 0);
	assert_int_equal(b.rec_off, 0);  /* a new batch */
	assert_int_equal(mem[0], RT_REC_SAMPLES);
	assert_int_equal(mem[2] & 1, 0); /* not a keyframe */
	for (int i = 0; i < 200; i++) {
		s.time_ns += 1000000007;
		s.sys_net_recv_bytes += rnd();
		assert_int_equal(logwrite_sample(&b, &s), 0);
		assert_true(b.rec_plen < 128 + 11 * RT_SAMPLE_NFIELDS);
	}
	assert_true(b.rec_off > 0);      /* full: another record */
}

/* Damage in SAMPLES records (Q9) is found and located; what came before
 * it is kept. */
static void test_samples_hostile(void **state)
{
	/* flags, n, missing, then samples.  One field, n = 1. */
	static const uint8_t key[] = { 1, 1, 0, 5 };          /* value 5 */
	static const uint8_t key2[] = { 1, 1, 0, 5, 0x01 };   /* then +0 */
	static const uint8_t more[] = { 0, 1, 0, 0x01 };      /* 1 bit: +0 */
	static const uint8_t empty[] = { 0, 1, 0 };           /* no sample */
	static const uint8_t wide[] = { 1, 65, 0 };           /* n > 64 */
	static const uint8_t cut[] = { 0, 1, 0, 0x00 };       /* 8 zeros */
	/* 16 zero bits, L - 1 = 0 in 6 bits, then w = 1: the residual -1. */
	static const uint8_t esc[] = { 0, 1, 0, 0x00, 0x00, 0x40 };
	static const uint8_t none[] = { 0, 1, 1, 0x00 };      /* all missing */
	static const uint8_t v12[] = { 1, 1, 0, 10 };         /* SAMPLE */
	static const struct {
		const uint8_t *first;
		size_t nfirst;
		uint8_t type2;
		const uint8_t *p;
		size_t n;
		int damaged;
		size_t samples;
	} cases[] = {
		{ NULL, 0, 8, more, sizeof(more), 1, 0 },   /* no chain */
		{ key, sizeof(key), 8, more, sizeof(more), 0, 2 },
		{ key2, sizeof(key2), 8, empty, sizeof(empty), 1, 2 },
		{ NULL, 0, 8, wide, sizeof(wide), 1, 0 },
		{ key, sizeof(key), 8, cut, sizeof(cut), 1, 1 },
		{ key, sizeof(key), 8, esc, sizeof(esc), 0, 2 },
		{ key, sizeof(key), 8, none, sizeof(none), 0, 2 },
		{ v12, sizeof(v12), 2, more, sizeof(more), 1, 1 },
	};
	struct rt_log log;
	char err[200];

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		size_t len = put_head(), at;
		if (cases[c].first)
			len = put_record(len, cases[c].type2 == 2 ? 2 : 8,
					 cases[c].first, cases[c].nfirst);
		at = len;
		len = put_record(len, RT_REC_SAMPLES, cases[c].p, cases[c].n);
		assert_int_equal(logread_buf(mem, len, &log, err, sizeof(err)),
				 0);
		assert_int_equal(log.damaged, cases[c].damaged);
		if (cases[c].damaged) {
			assert_int_equal(log.damage_offset, at);
			assert_non_null(strstr(log.damage, "SAMPLES"));
		}
		assert_int_equal(log.nsamples, cases[c].samples);
		logread_free(&log);
	}
	{
		size_t len = put_record(put_record(put_head(), 8, key,
						   sizeof(key)),
					8, esc, sizeof(esc));
		assert_int_equal(logread_buf(mem, len, &log, err, sizeof(err)),
				 0);
		assert_int_equal(log.samples[1].time_ns, 4);
		logread_free(&log);
	}
}

static void test_file_create_refuses_existing(void **state)
{
	char path[] = "/tmp/rtrack-test-XXXXXX";
	struct logbuf b;
	struct logfile_id id;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	logwrite_init(&b, mem, sizeof(mem));
	logwrite_preamble(&b);
	errno = 1234;
	assert_int_equal(logfile_create(path, &b, &id), -EEXIST);
	assert_int_equal(errno, 1234);
	unlink(path);
	assert_int_equal(logfile_create(path, &b, &id), 0);
	assert_int_equal(logfile_append(path, &id, &b), 0);
	struct rt_log log;
	char err[100];
	assert_int_equal(logread_file(path, &log, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "header")); /* preamble twice, no header */
	unlink(path);
	/* A symlink at the path is never followed. */
	assert_int_equal(symlink("/tmp/rtrack-target-never", path), 0);
	assert_int_equal(logfile_create(path, &b, &id), -EEXIST);
	assert_int_equal(access("/tmp/rtrack-target-never", F_OK), -1);
	unlink(path);
}

static off_t file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? sb.st_size : -1;
}

/* logwrite.h L1: a log replaced during the run (deleted, renamed, another
 * file, a FIFO without a reader, a symlink) is never written, and never
 * blocks the writer. */
static void test_file_only_the_created_one(void **state)
{
	char dir[] = "/tmp/rtrack-test-XXXXXX", path[64], moved[64];
	struct logfile_id id;
	struct logbuf b;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/log", dir);
	snprintf(moved, sizeof(moved), "%s/moved", dir);
	logwrite_init(&b, mem, sizeof(mem));
	logwrite_preamble(&b);
	assert_int_equal(logfile_create(path, &b, &id), 0);
	assert_true(id.known);
	assert_int_equal(logfile_append(path, &id, &b), 0);
	assert_int_equal(file_size(path), 2 * RT_LOG_PREAMBLE_LEN);
	/* Renamed, and another file in its place: the other file gets
	 * nothing, through the path or a descriptor opened on it. */
	assert_int_equal(rename(path, moved), 0);
	assert_int_equal(logfile_append(path, &id, &b), -ENOENT);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0666);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(logfile_append(path, &id, &b), -ESTALE);
	assert_int_equal(logfile_open(path, &id), -ESTALE);
	assert_int_equal(file_size(path), 0);
	/* Its own file still is: found again where it was renamed back. */
	assert_int_equal(rename(moved, path), 0);
	fd = logfile_open(path, &id);
	assert_true(fd >= 0);
	assert_int_equal(logfile_append_fd(fd, &b), 0);
	close(fd);
	assert_int_equal(file_size(path), 3 * RT_LOG_PREAMBLE_LEN);
	/* A FIFO without a reader: no block, no write. */
	unlink(path);
	assert_int_equal(mkfifo(path, 0666), 0);
	assert_true(logfile_append(path, &id, &b) < 0);
	unlink(path);
	/* A symlink to the log itself is not followed. */
	assert_int_equal(logfile_create(moved, &b, &id), 0);
	assert_int_equal(symlink(moved, path), 0);
	assert_int_equal(logfile_append(path, &id, &b), -ELOOP);
	assert_int_equal(file_size(moved), RT_LOG_PREAMBLE_LEN);
	unlink(path);
	unlink(moved);
	rmdir(dir);
}

/* Whether user 65534 can append to the log (in a child that becomes it). */
static int nobody_appends(const char *path, const struct logfile_id *id,
			  struct logbuf *b)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(setgroups(0, NULL) != 0 || setgid(65534) != 0 ||
		      setuid(65534) != 0 || logfile_append(path, id, b) != 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* logfile_grant: user 65534 gets an entry of the log's ACL (the owner, the
 * mode and so L1's identity unchanged: root still appends), and loses it
 * again; a log given to another owner is not the log (L1). */
static void test_file_grant(void **state)
{
	char dir[] = "/tmp/rtrack-test-XXXXXX", path[64];
	struct logfile_id id;
	struct logbuf b;
	struct stat sb;
	int rc;

	(void)state;
	if (geteuid() != 0)
		skip(); /* another user */
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/log", dir);
	logwrite_init(&b, mem, sizeof(mem));
	logwrite_preamble(&b);
	assert_int_equal(logfile_create(path, &b, &id), 0);
	assert_false(nobody_appends(path, &id, &b));
	rc = logfile_grant(path, &id, 65534, 1);
	if (rc == -EOPNOTSUPP) {
		unlink(path);
		rmdir(dir);
		skip(); /* a filesystem without ACLs */
	}
	assert_int_equal(rc, 1);
	assert_int_equal(logfile_grant(path, &id, 65534, 1), 0); /* there */
	assert_int_equal(logfile_grant(path, &id, 1000, 1), 1);  /* sorted */
	assert_true(nobody_appends(path, &id, &b));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_uid, 0);
	assert_int_equal(logfile_append(path, &id, &b), 0);
	assert_int_equal(logfile_grant(path, &id, 65534, 0), 1);
	assert_int_equal(logfile_grant(path, &id, 65534, 0), 0);
	assert_false(nobody_appends(path, &id, &b));
	assert_int_equal(file_size(path), 3 * RT_LOG_PREAMBLE_LEN);
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(logfile_append(path, &id, &b), -ESTALE);
	unlink(path);
	rmdir(dir);
}

/* logwrite.h L2: under RLIMIT_FSIZE the log is full, and no SIGXFSZ ever
 * reaches the writer (run in a child: the default action kills). */
static void test_file_size_limit_no_signal(void **state)
{
	char path[] = "/tmp/rtrack-test-XXXXXX";
	int fd = mkstemp(path), status;
	pid_t pid;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { 3 * RT_LOG_PREAMBLE_LEN,
				     3 * RT_LOG_PREAMBLE_LEN };
		struct logfile_id id;
		struct logbuf b;

		logwrite_init(&b, mem, sizeof(mem));
		logwrite_preamble(&b);
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0 ||
		    logfile_create(path, &b, &id) != 0 ||
		    logfile_append(path, &id, &b) != 0 ||
		    logfile_append(path, &id, &b) != 0 ||
		    logfile_append(path, &id, &b) != -EFBIG)
			_exit(1);
		/* The same through a kept descriptor. */
		fd = open(path, O_WRONLY | O_APPEND);
		if (fd < 0 || logfile_append_fd(fd, &b) != -EFBIG)
			_exit(2);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(file_size(path), 3 * RT_LOG_PREAMBLE_LEN);
	unlink(path);
}

/* text_writev_nosignal: a write cut short (here by RLIMIT_FSIZE) goes on
 * from the byte where it stopped, across pieces, until the error; no
 * SIGXFSZ (run in a child: the default action kills). */
static void test_writev_short(void **state)
{
	char path[] = "/tmp/rtrack-test-XXXXXX", got[32];
	int fd = mkstemp(path), status;
	pid_t pid;

	(void)state;
	assert_true(fd >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { 10, 10 };
		struct iovec iov[] = { { "12345", 5 }, { "67890abc", 8 },
				       { "def", 3 } };
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0 ||
		    text_writev_nosignal(fd, iov, 3) != -EFBIG)
			_exit(1);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(pread(fd, got, sizeof(got), 0), 10);
	assert_memory_equal(got, "1234567890", 10);
	{
		struct iovec iov[] = { { "ab", 2 }, { "", 0 }, { "cd", 2 } };
		struct iovec none[] = { { "", 0 } };
		assert_int_equal(ftruncate(fd, 0), 0);
		assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
		assert_int_equal(text_writev_all(fd, iov, 3), 0);
		assert_int_equal(text_writev_all(fd, none, 1), 0);
		assert_int_equal(pread(fd, got, sizeof(got), 0), 4);
		assert_memory_equal(got, "abcd", 4);
	}
	close(fd);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32_check_value),
		cmocka_unit_test(test_file_only_the_created_one),
		cmocka_unit_test(test_file_grant),
		cmocka_unit_test(test_file_size_limit_no_signal),
		cmocka_unit_test(test_writev_short),
		cmocka_unit_test(test_varint_roundtrip_and_bounds),
		cmocka_unit_test(test_zigzag),
		cmocka_unit_test(test_out_overflow_writes_nothing),
		cmocka_unit_test(test_end_record_bytes),
		cmocka_unit_test(test_gpu_record_bytes),
		cmocka_unit_test(test_gpu_roundtrip),
		cmocka_unit_test(test_gpu_hostile),
		cmocka_unit_test(test_sample_records_of_1_2_read),
		cmocka_unit_test(test_samples_record_bytes),
		cmocka_unit_test(test_exit_and_exec_record_bytes),
		cmocka_unit_test(test_reaped_record_bytes),
		cmocka_unit_test(test_reaped_record_14),
		cmocka_unit_test(test_reaped_roundtrip),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_every_byte_flip),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_unknown_record_skipped),
		cmocka_unit_test(test_batch_full_is_atomic),
		cmocka_unit_test(test_samples_roundtrip),
		cmocka_unit_test(test_damage_tail),
		cmocka_unit_test(test_file_over_budget),
		cmocka_unit_test(test_samples_many),
		cmocka_unit_test(test_samples_records_join),
		cmocka_unit_test(test_samples_hostile),
		cmocka_unit_test(test_file_create_refuses_existing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
