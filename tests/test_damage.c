/* test_damage.c - the reader after damage (FORMAT.md D: resynchronisation,
 * chains, the tail) and on files that are no log, or are too large for
 * the memory it has: FIFOs, devices, holes, an address-space limit. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"
#include "logread.h"
#include "logwrite.h"

/* ASan and TSan reserve terabytes of shadow memory, far above any
 * ulimit -v a test can set, and their allocators die rather than return
 * NULL when the limit bites. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif

/* The megabytes scanned and checksummed: under a sanitizer each byte costs
 * some twenty times the CPU (TSan: 50 MB of random bytes, 10 s), and on a
 * loaded machine the test gets a fraction of a core: it took 60 s of CPU
 * and 257 s of the sanitized unit stage's 300 s timeout (issue 21).  The
 * smaller sizes still reach past a frame's largest (RT_LOG_MAX_PAYLOAD),
 * and ten times the bytes still cost a hundred times the CPU in a
 * quadratic scan. */
#ifdef UNDER_SANITIZER
#define RANDOM_MB 20 /* test_resync_linear */
#define FRAMES_MB 8
#define CRC_BYTES ((size_t)3 << 19) /* test_crc32_shift: 1.5 MiB */
#else
#define RANDOM_MB 50
#define FRAMES_MB 16
#define CRC_BYTES ((size_t)3 << 20)
#endif

/* ---- Logs as the writers make them ---- */

/* A log being written: the file's bytes, the root's batch, and what went
 * in (to compare with what comes out). */
struct mk {
	uint8_t *buf;
	size_t len, cap;
	struct logbuf b;
	uint8_t mem[1 << 16];
	struct rt_sample s;
	uint64_t i;          /* samples written */
	size_t nproc, nexit; /* records written */
};

static void mk_put(struct mk *m, const uint8_t *p, size_t n)
{
	if (m->len + n > m->cap) {
		m->cap = (m->len + n) * 2;
		m->buf = realloc(m->buf, m->cap);
		assert_non_null(m->buf);
	}
	memcpy(m->buf + m->len, p, n);
	m->len += n;
}

/* The root's write of its batch (F3). */
static void mk_flush(struct mk *m)
{
	mk_put(m, m->b.mem, m->b.len);
	logwrite_clear(&m->b);
}

static void mk_init(struct mk *m)
{
	struct rt_header h;

	memset(m, 0, sizeof(*m));
	memset(&h, 0, sizeof(h));
	strcpy(h.host, "node-1");
	h.clk_tck = 100;
	h.pid = 100;
	h.start_ns = 1700000000000000000ull;
	h.interval_ns = 100000000;
	h.flags = RT_CFG_CHILDREN | RT_CFG_SYSTEM;
	strcpy(h.cmdline, "make -j4");
	logwrite_init(&m->b, m->mem, sizeof(m->mem));
	assert_int_equal(logwrite_preamble(&m->b), 0);
	assert_int_equal(logwrite_header(&m->b, &h), 0);
	mk_flush(m);
}

/* Sample i of the chain: every field its own function of i, so that a
 * value decoded against the wrong base shows. */
static void mk_value(struct rt_sample *s, uint64_t i)
{
	memset(s, 0, sizeof(*s));
	for (unsigned f = 0; f < RT_SAMPLE_NFIELDS; f++)
		s->v[f] = f * 100000 + i * (f + 3) + (i * i % 7);
	s->time_ns = 1700000000000000000ull + i * 100000000;
	for (unsigned f = RT_F_gpu_count; f <= RT_F_tree_gpu_mem_kib; f++)
		sample_set_missing(s, (enum rt_field)f);
}

static void mk_sample(struct mk *m)
{
	mk_value(&m->s, m->i++);
	assert_int_equal(logwrite_sample(&m->b, &m->s), 0);
}

static void mk_proc(struct mk *m)
{
	struct rt_proc p = { .pid = (uint32_t)(1000 + m->nproc), .ppid = 100,
			     .starttime_ticks = 5 + m->nproc };

	snprintf(p.cmdline, sizeof(p.cmdline), "cc -c f%zu.c", m->nproc++);
	assert_int_equal(logwrite_proc(&m->b, &p), 0);
}

/* A descendant's EXIT record: a write of its own (X). */
static void mk_exit(struct mk *m)
{
	struct rt_exit x = { .pid = (uint32_t)(5000 + m->nexit), .ppid = 100,
			     .starttime_ticks = 9 + m->nexit,
			     .exit_kind = RT_EXIT_CODE };
	uint8_t mem[1024];
	struct logbuf b;

	snprintf(x.cmdline, sizeof(x.cmdline), "ld -o a%zu", m->nexit++);
	logwrite_init(&b, mem, sizeof(mem));
	assert_int_equal(logwrite_exit(&b, &x), 0);
	mk_put(m, b.mem, b.len);
}

/* The root's exec: its new image starts a new chain (J, Q9). */
static void mk_exec(struct mk *m)
{
	struct rt_exec j = { .time_ns = 77, .pid = 100, .cmdline = "make" };

	assert_int_equal(logwrite_exec(&m->b, &j), 0);
	mk_flush(m);
	logwrite_init(&m->b, m->mem, sizeof(m->mem));
}

static void mk_end(struct mk *m)
{
	struct rt_end e = { .time_ns = 1, .exit_kind = RT_EXIT_CODE,
			    .samples = m->i };

	assert_int_equal(logwrite_end(&m->b, &e), 0);
	mk_flush(m);
}

/* One second of the root at 10 Hz: ten samples, two processes leaving,
 * then three descendants' exits. */
static void mk_second(struct mk *m)
{
	for (int k = 0; k < 10; k++) {
		mk_sample(m);
		if (k == 3 || k == 7)
			mk_proc(m);
	}
	mk_flush(m);
	for (int k = 0; k < 3; k++)
		mk_exit(m);
}

/* The frames of buf[0..len) (R1): their starts (and len after the last). */
static size_t frames(const uint8_t *buf, size_t len, size_t *at, size_t max)
{
	size_t off = RT_LOG_PREAMBLE_LEN, n = 0;

	while (off < len && n < max) {
		struct codec_in in = { buf + off + 1, buf + len, 0 };
		uint64_t l = codec_get_varint(&in);

		assert_false(in.bad);
		at[n++] = off;
		off = (size_t)(in.p - buf) + (size_t)l + 4;
	}
	assert_true(n < max);
	at[n] = len;
	return n;
}

/* Records of type among frames [from, to). */
static size_t count_type(const uint8_t *buf, const size_t *at, size_t from,
			 size_t to, uint8_t type)
{
	size_t n = 0;

	for (size_t f = from; f < to; f++)
		n += buf[at[f]] == type;
	return n;
}

static void assert_sample(const struct rt_sample *got, uint64_t i)
{
	struct rt_sample want;

	mk_value(&want, i);
	assert_int_equal(got->time_ns, want.time_ns);
	for (unsigned f = 0; f < RT_F_gpu_count; f++)
		assert_int_equal(got->v[f], want.v[f]);
}

/* The samples of log: the first `before` exact, then those of m from
 * sample `from` to its last (the chain taken up again at a keyframe);
 * frees log and m. */
static void assert_resumed(struct rt_log *log, struct mk *m, size_t before,
			   uint64_t from)
{
	assert_int_equal(log->nsamples, before + (m->i - from));
	for (size_t k = 0; k < before; k++)
		assert_sample(&log->samples[k], k);
	for (size_t k = before; k < log->nsamples; k++)
		assert_sample(&log->samples[k], from + (k - before));
	logread_free(log);
	free(m->buf);
	free(m);
}

/* ---- Damage in mid-file ---- */

/* Eight bytes flipped a third into a log: the damaged records are one
 * stretch, reported with its offsets; every process record after it is
 * read; the samples after it wait for the chain's next keyframe (the
 * root's exec), are counted until then and exact after it. */
static void test_flipped_bytes(void **state)
{
	static size_t at[4096];
	struct mk *m = malloc(sizeof(*m));
	size_t n, hit, end, exec, flip, after_exec = 0, before;
	struct rt_log log;
	char err[200];

	(void)state;
	assert_non_null(m);
	mk_init(m);
	for (int sec = 0; sec < 12; sec++) {
		if (sec == 8) {
			mk_exec(m);
			after_exec = m->i;
		}
		mk_second(m);
	}
	mk_end(m);
	n = frames(m->buf, m->len, at, 4096);
	flip = m->len / 3;
	for (hit = 0; at[hit + 1] <= flip; hit++)
		;
	for (end = hit; at[end] < flip + 8; end++)
		;
	for (size_t k = 0; k < 8; k++)
		m->buf[flip + k] ^= 0xff;
	/* The samples of the records before the damage. */
	assert_int_equal(logread_buf(m->buf, at[hit], &log, err, sizeof(err)),
			 0);
	before = log.nsamples;
	logread_free(&log);

	assert_int_equal(logread_buf(m->buf, m->len, &log, err, sizeof(err)),
			 0);
	assert_true(log.damaged);
	assert_false(log.damage_memory);
	assert_false(log.damage_tail);
	assert_int_equal(log.ndamages, 1);
	assert_int_equal(log.damages[0].start, at[hit]);
	assert_int_equal(log.damages[0].end, at[end]);
	assert_int_equal(log.damage_offset, at[hit]);
	/* Every record but the damaged ones. */
	assert_int_equal(log.nprocs, m->nproc - count_type(m->buf, at, hit, end,
							   RT_REC_PROC));
	assert_int_equal(log.nexits, m->nexit - count_type(m->buf, at, hit, end,
							   RT_REC_EXIT));
	assert_true(log.nexits > m->nexit / 2);
	assert_int_equal(log.nexecs, 1);
	assert_true(log.has_end);
	/* D3: the SAMPLES records from the damage to the exec are counted,
	 * not decoded; those after it are exact. */
	for (exec = end; m->buf[at[exec]] != RT_REC_EXEC; exec++)
		assert_true(exec < n);
	assert_true(log.unchained > 0);
	assert_int_equal(log.unchained,
			 count_type(m->buf, at, end, exec, RT_REC_SAMPLES));
	assert_resumed(&log, m, before, after_exec);
}

/* A long chain without an exec, damaged a third in: the writer's periodic
 * keyframes (LOGWRITE_KEY_EVERY) bound what is lost to the samples up to
 * the next one, and every sample from there on is exact. */
static void test_keyframe_bounds_loss(void **state)
{
	static size_t at[8192];
	struct mk *m = malloc(sizeof(*m));
	size_t n, hit, flip, before, resumed;
	struct rt_log log;
	char err[200];

	(void)state;
	assert_non_null(m);
	mk_init(m);
	for (int sec = 0; sec < 300; sec++) /* 3000 samples at 10 Hz */
		mk_second(m);
	mk_end(m);
	n = frames(m->buf, m->len, at, 8192);
	assert_true(n < 8192);
	flip = m->len / 3;
	for (hit = 0; at[hit + 1] <= flip; hit++)
		;
	m->buf[flip] ^= 0xff;
	assert_int_equal(logread_buf(m->buf, at[hit], &log, err, sizeof(err)),
			 0);
	before = log.nsamples;
	logread_free(&log);

	assert_int_equal(logread_buf(m->buf, m->len, &log, err, sizeof(err)),
			 0);
	assert_int_equal(log.ndamages, 1);
	assert_true(log.unchained > 0);
	assert_true(log.nsamples > before);
	resumed = (size_t)((log.samples[before].time_ns -
			    1700000000000000000ull) / 100000000);
	/* The next keyframe after the damaged record, at most one period of
	 * samples after the last sample decoded before it. */
	assert_int_equal(resumed % LOGWRITE_KEY_EVERY, 0);
	assert_true(resumed > before);
	assert_true(resumed - before <= LOGWRITE_KEY_EVERY);
	assert_resumed(&log, m, before, resumed);
}

/* Where the frame at off ends (R1), or 0 when it does not fit in len. */
static size_t frame_end(const uint8_t *buf, size_t len, size_t off)
{
	struct codec_in in = { buf + off + 1, buf + len, 0 };
	uint64_t l = codec_get_varint(&in);
	size_t body = (size_t)(in.p - buf);

	return in.bad || len - body < l + 4 ? 0 : body + (size_t)l + 4;
}

/* The disk filled: a batch was written in part, then space came back and
 * descendants' exits and the root's next batches went in whole.  The
 * records of the batch that are whole are read, the cut one is the
 * damaged stretch, and everything after it is read: the exits, the
 * processes, the end record; the samples after it continue a chain whose
 * last samples were cut, and are counted. */
static void test_cut_batch(void **state)
{
	struct mk *m = malloc(sizeof(*m));
	size_t cut_from, resume, whole, n, last;
	struct rt_log log, part;
	char err[200];

	(void)state;
	assert_non_null(m);
	mk_init(m);
	mk_second(m);
	/* The batch that meets the full disk: its first 60% written. */
	for (int k = 0; k < 10; k++) {
		mk_sample(m);
		if (k == 3 || k == 7)
			mk_proc(m);
	}
	cut_from = m->len;
	mk_put(m, m->b.mem, m->b.len * 3 / 5);
	logwrite_clear(&m->b);
	resume = m->len;
	for (int k = 0; k < 4; k++)
		mk_exit(m);
	last = m->len;
	mk_second(m);
	mk_end(m);
	for (whole = cut_from; frame_end(m->buf, resume, whole);)
		whole = frame_end(m->buf, resume, whole);
	assert_true(whole < resume);
	/* What the records before the cut hold. */
	assert_int_equal(logread_buf(m->buf, whole, &part, err, sizeof(err)),
			 0);
	assert_false(part.damaged);

	assert_int_equal(logread_buf(m->buf, m->len, &log, err, sizeof(err)),
			 0);
	assert_true(log.damaged);
	assert_false(log.damage_tail);
	assert_int_equal(log.ndamages, 1);
	assert_int_equal(log.damages[0].start, whole);
	assert_int_equal(log.damages[0].end, resume);
	assert_int_equal(log.nprocs, part.nprocs + 2);
	assert_int_equal(log.nexits, m->nexit);
	assert_true(log.has_end);
	assert_int_equal(log.nsamples, part.nsamples);
	/* The SAMPLES records of the last second, all after the cut. */
	for (n = 0; last < m->len; last = frame_end(m->buf, m->len, last))
		n += m->buf[last] == RT_REC_SAMPLES;
	assert_true(n > 0);
	assert_int_equal(log.unchained, n);
	logread_free(&part);
	logread_free(&log);
	free(m->buf);
	free(m);
}

/* D4: a torn last record is the tail (killed or crashed) only as the
 * log's one damage; after mid-file damage the end record may have been
 * in it. */
static void test_tail_after_damage(void **state)
{
	static size_t at[1024];
	struct mk *m = malloc(sizeof(*m));
	struct rt_log log;
	char err[200];
	size_t n;

	(void)state;
	assert_non_null(m);
	mk_init(m);
	for (int sec = 0; sec < 4; sec++)
		mk_second(m);
	n = frames(m->buf, m->len, at, 1024);
	/* A torn tail alone. */
	assert_int_equal(logread_buf(m->buf, m->len - 3, &log, err,
				     sizeof(err)), 0);
	assert_true(log.damaged && log.damage_tail);
	assert_int_equal(log.ndamages, 1);
	assert_int_equal(log.damages[0].start, at[n - 1]);
	assert_int_equal(log.damages[0].end, m->len - 3);
	logread_free(&log);
	/* And damage before it. */
	m->buf[at[n / 2] + 2] ^= 0x40;
	assert_int_equal(logread_buf(m->buf, m->len - 3, &log, err,
				     sizeof(err)), 0);
	assert_true(log.damaged);
	assert_false(log.damage_tail);
	assert_int_equal(log.ndamages, 2);
	assert_int_equal(log.damages[0].start, at[n / 2]);
	assert_int_equal(log.damages[0].end, at[n / 2 + 1]);
	assert_int_equal(log.damages[1].start, at[n - 1]);
	logread_free(&log);
	free(m->buf);
	free(m);
}

/* Two logs joined in one file (cat a.bin b.bin): the first is read to
 * its end and the second is not merged into it (it was: the second
 * header a damaged stretch, its samples and processes the first job's);
 * likewise after a first log whose last record was torn. */
static void test_two_logs_joined(void **state)
{
	struct mk *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	uint8_t *both;
	struct rt_log log;
	char err[200];

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	mk_init(a);
	mk_second(a);
	mk_end(a);
	mk_init(b);
	for (int sec = 0; sec < 2; sec++)
		mk_second(b);
	mk_end(b);
	both = malloc(a->len + b->len);
	assert_non_null(both);
	for (size_t torn = 0; torn < 2; torn++) {
		size_t first = a->len - torn * 3;

		memcpy(both, a->buf, first);
		memcpy(both + first, b->buf, b->len);
		assert_int_equal(logread_buf(both, first + b->len, &log, err,
					     sizeof(err)), 0);
		assert_true(log.damaged);
		assert_int_equal(log.nsamples, 10);
		assert_int_equal(log.nexits, 3);
		assert_int_equal(log.has_end, !torn);
		assert_int_equal(log.ndamages, 1 + torn);
		assert_int_equal(log.damages[torn].start, first);
		assert_int_equal(log.damages[torn].end, first + b->len);
		assert_string_equal(log.damages[torn].why,
				    "another log starts here: not read");
		logread_free(&log);
	}
	free(both);
	free(a->buf);
	free(b->buf);
	free(a);
	free(b);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of this thread: what a scan costs, whatever else the
 * machine runs (on a loaded one, wall time from one scan to the next
 * varied by more than the linear check's slack: issue 21). */
static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds logread_buf takes on buf[0, len), which must decode (rc 0)
 * with one damaged stretch; the best of `tries`. */
static double resync_time(const uint8_t *buf, size_t len, int tries)
{
	double best = 1e9;

	for (int i = 0; i < tries; i++) {
		struct rt_log log;
		char err[200];
		double t = cpu_s();

		assert_int_equal(logread_buf(buf, len, &log, err, sizeof(err)),
				 0);
		t = cpu_s() - t;
		best = t < best ? t : best;
		assert_int_equal(log.ndamages, 1);
		logread_free(&log);
	}
	return best;
}

/* Linear: ten times the bytes take about ten times the CPU (a quadratic
 * scan, a hundred), with slack; timed against the same scan of a tenth,
 * never against a clock bound that a sanitizer or a busy machine
 * breaks.  The tenth is of what lies past the first RT_LOG_MAX_PAYLOAD
 * bytes: a frame starting within that of the end cannot fit and costs no
 * checksum, so a plain tenth of 16 MB of frames (1.6 MB, most of it
 * in that last MiB) took a twentieth of the whole scan's CPU and more,
 * near the slack (issue 21). */
static void assert_linear(const uint8_t *buf, size_t head, size_t len,
			  const char *what)
{
	size_t tenth = RT_LOG_MAX_PAYLOAD + (len - RT_LOG_MAX_PAYLOAD) / 10;
	double small = resync_time(buf, head + tenth, 3);
	double whole = resync_time(buf, head + len, 1);

	print_message("%s: %.3f s CPU, a tenth %.3f s\n", what, whole, small);
	assert_true(whole < 30 * small + 0.5);
}

/* D2 is linear: RANDOM_MB of random bytes after a header, and FRAMES_MB where
 * every fourth byte starts a frame of a known type whose length (about a
 * MiB) fits, each checksum a MiB to check afresh, are scanned in time
 * linear in their size; those bytes without the magic are refused at
 * once. */
static void test_resync_linear(void **state)
{
	size_t big = (size_t)RANDOM_MB << 20, head;
	uint8_t *buf = malloc(big + 4096);
	uint64_t r = 88172645463325252ull;
	struct rt_log log;
	char err[200];
	struct mk *m = malloc(sizeof(*m));
	double t, whole;

	(void)state;
	assert_non_null(buf);
	assert_non_null(m);
	mk_init(m);
	head = m->len;
	memcpy(buf, m->buf, head);
	for (size_t i = head; i < head + big; i += 8) {
		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		memcpy(buf + i, &r, 8);
	}
	assert_linear(buf, head, big, "the random bytes");
	t = cpu_s();
	assert_int_equal(logread_buf(buf, head + big, &log, err, sizeof(err)),
			 0);
	whole = cpu_s() - t;
	assert_true(log.damaged);
	assert_false(log.damage_tail);
	assert_int_equal(log.ndamages, 1);
	assert_int_equal(log.damages[0].start, head);
	assert_int_equal(log.damages[0].end, head + big);
	logread_free(&log);

	for (size_t i = head; i + 4 <= head + ((size_t)FRAMES_MB << 20); i += 4)
		memcpy(buf + i, "\x08\xff\xff\x3f", 4);
	assert_linear(buf, head, (size_t)FRAMES_MB << 20,
		      "1 MiB frames every 4 bytes");

	/* Refused by its first bytes: a fraction of the time a scan of the
	 * same bytes took. */
	t = cpu_s();
	assert_int_equal(logread_buf(buf + head, big, &log, err, sizeof(err)),
			 -1);
	assert_true(cpu_s() - t < 0.25 * whole + 0.05);
	free(buf);
	free(m->buf);
	free(m);
}

/* Fifty stretches of garbage of up to 70 KB, each followed by a PROC
 * record of some 600 bytes (checked through two prefix CRCs, not
 * directly) and an EXIT record: each stretch is found exactly, every
 * record after it read, the scan's checkpoints carried from one stretch
 * to the next or started afresh as the gaps require. */
static void test_resync_long_records(void **state)
{
	struct mk *m = malloc(sizeof(*m));
	uint64_t r = 0x9e3779b97f4a7c15ull, starts[50], ends[50];
	size_t nd = 0;
	struct rt_log log;
	char err[200];
	uint8_t junk[70000];

	(void)state;
	assert_non_null(m);
	mk_init(m);
	for (int k = 0; k < 50; k++) {
		struct rt_proc p = { .pid = (uint32_t)(100 + k), .ppid = 1 };
		size_t n;

		r = r * 6364136223846793005ull + 1442695040888963407ull;
		n = k % 5 == 4 ? 0 : (size_t)(r >> 33) % sizeof(junk);
		for (size_t i = 0; i < n; i++) {
			r = r * 6364136223846793005ull + 1;
			junk[i] = (uint8_t)(r >> 56);
		}
		if (n) {
			starts[nd] = m->len;
			ends[nd++] = m->len + n;
			mk_put(m, junk, n);
		}
		memset(p.cmdline, 'a' + k % 26, RT_PROC_CMDLINE_MAX - 1);
		assert_int_equal(logwrite_proc(&m->b, &p), 0);
		assert_true(m->b.len > 500);
		mk_flush(m);
		mk_exit(m);
	}
	assert_int_equal(logread_buf(m->buf, m->len, &log, err, sizeof(err)),
			 0);
	assert_int_equal(log.nprocs, 50);
	assert_int_equal(log.nexits, 50);
	assert_int_equal(log.ndamages, nd);
	for (size_t i = 0; i < nd; i++) {
		assert_int_equal(log.damages[i].start, starts[i]);
		assert_int_equal(log.damages[i].end, ends[i]);
	}
	for (int k = 0; k < 50; k++)
		assert_int_equal(log.procs[k].pid, 100 + k);
	logread_free(&log);
	free(m->buf);
	free(m);
}

/* codec_crc32_shift: the CRC of any stretch from those of two prefixes,
 * for stretches of every size a frame has and beyond 2^30 bytes. */
static void test_crc32_shift(void **state)
{
	size_t len = CRC_BYTES;
	uint8_t *buf = malloc(len);
	uint64_t r = 1;

	(void)state;
	assert_non_null(buf);
	for (size_t i = 0; i < len; i++) {
		r = r * 6364136223846793005ull + 1442695040888963407ull;
		buf[i] = (uint8_t)(r >> 56);
	}
	for (int k = 0; k < 200; k++) {
		size_t a, b;
		r = r * 6364136223846793005ull + 1442695040888963407ull;
		a = (size_t)(r >> 33) % len;
		b = a + (size_t)(r >> 11) % (k < 100 ? 300 : len - a + 1);
		if (b > len)
			b = len;
		assert_int_equal(codec_crc32_fast(0, buf, b),
				 codec_crc32_shift(codec_crc32_fast(0, buf, a),
						   b - a) ^
					 codec_crc32_fast(0, buf + a, b - a));
	}
	/* Past 2^30: the same as two shifts. */
	assert_int_equal(codec_crc32_shift(0x12345678u, ((uint64_t)1 << 31) + 5),
			 codec_crc32_shift(codec_crc32_shift(0x12345678u,
							     (uint64_t)1 << 30),
					   ((uint64_t)1 << 30) + 5));
	assert_int_equal(codec_crc32_shift(0xdeadbeefu, 0), 0xdeadbeefu);
	free(buf);
}

/* ---- Files that are no log ---- */

/* Run fn in a child within limit seconds: 0 when it exited 0. */
static int in_child(int (*fn)(void *), void *arg, int limit)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		alarm((unsigned)limit + 1);
		_exit(fn(arg));
	}
	for (int i = 0; i < limit * 100; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1; /* it hung */
}

static char tmp[] = "/tmp/rtrack-damage-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return rmdir(tmp);
}

static int read_fifo_alone(void *path)
{
	struct rt_log log;
	char err[200];

	return logread_file(path, &log, err, sizeof(err)) == -1 &&
			       strstr(err, "not a regular file (a FIFO")
		       ? 0
		       : 1;
}

/* A FIFO that no one writes is refused, never waited for; one whose
 * writer wrote a log (a pipe) is read. */
static void test_fifo(void **state)
{
	char path[64];
	struct rt_log log;
	char err[200];
	struct mk *m = malloc(sizeof(*m));
	int keep, status;
	pid_t pid;

	(void)state;
	assert_non_null(m);
	snprintf(path, sizeof(path), "%s/fifo", tmp);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(in_child(read_fifo_alone, path, 5), 0);

	/* A writer: a small log (within the pipe's buffer), its end closed
	 * before the reader comes, the pipe kept by a reader of ours. */
	mk_init(m);
	mk_second(m);
	mk_end(m);
	assert_true(m->len < 60000);
	keep = open(path, O_RDONLY | O_NONBLOCK);
	assert_true(keep >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(path, O_WRONLY);
		_exit(fd >= 0 && write(fd, m->buf, m->len) == (ssize_t)m->len ?
			      0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(status, 0);
	assert_int_equal(logread_file(path, &log, err, sizeof(err)), 0);
	assert_false(log.damaged);
	assert_int_equal(log.nsamples, 10);
	assert_true(log.has_end);
	logread_free(&log);
	close(keep);
	unlink(path);
	free(m->buf);
	free(m);
}

/* A device is refused before it is read: /dev/zero never ends. */
static void test_dev_zero(void **state)
{
	struct rt_log log;
	char err[200];
	double t = now_s();

	(void)state;
	assert_int_equal(logread_file_budget("/dev/zero", 64 << 20, &log, err,
					     sizeof(err)), -1);
	assert_string_equal(err, "not a regular file (a character device)");
	assert_true(now_s() - t < 1);
}

/* Peak RSS of this process in KiB. */
static long maxrss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* A 2 GiB hole alone: no magic, refused after 12 bytes, the peak RSS
 * (the child's, from the parent's at the fork) not raised. */
static int read_hole(void *path)
{
	long before = maxrss_kib();
	struct rt_log log;
	char err[200];

	if (logread_file(path, &log, err, sizeof(err)) != -1 ||
	    !strstr(err, "not an rtrack log"))
		return 1;
	return maxrss_kib() - before < 64 * 1024 ? 0 : 2;
}

/* A log with a hole after it to 2 GiB (a crash that kept the size): the
 * log, and the zeros as its tail, without reading them. */
static int read_log_and_hole(void *path)
{
	long before = maxrss_kib();
	struct rt_log log;
	char err[200];
	int ok;

	if (logread_file(path, &log, err, sizeof(err)) != 0)
		return 1;
	ok = log.nsamples == 20 && log.damage_tail && log.ndamages == 1 &&
	     log.damages[0].end == (uint64_t)2 << 30 && !log.has_end;
	logread_free(&log);
	if (!ok)
		return 2;
	return maxrss_kib() - before < 64 * 1024 ? 0 : 3;
}

static void test_sparse(void **state)
{
	char path[64];
	struct mk *m = malloc(sizeof(*m));
	int fd;

	(void)state;
	assert_non_null(m);
	snprintf(path, sizeof(path), "%s/sparse", tmp);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)2 << 30), 0);
	assert_int_equal(in_child(read_hole, path, 5), 0);

	mk_init(m);
	mk_second(m);
	mk_second(m);
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(write(fd, m->buf, m->len), (ssize_t)m->len);
	assert_int_equal(ftruncate(fd, (off_t)2 << 30), 0);
	close(fd);
	assert_int_equal(in_child(read_log_and_hole, path, 5), 0);
	unlink(path);
	free(m->buf);
	free(m);
}

/* What this process maps now (VmSize), in bytes. */
static uint64_t vm_size(void)
{
	char line[256];
	unsigned long long kib = 0;
	FILE *f = fopen("/proc/self/status", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmSize: %llu kB", &kib) == 1)
			break;
	fclose(f);
	return kib * 1024;
}

#define BIG_SAMPLES 400000

/* Under ulimit -v, 64 MiB above what the process maps: the part of the log
 * that fits, stopped as for memory, never "out of memory" with nothing. */
static int read_under_limit(void *path)
{
	struct rlimit rl;
	struct rt_log log;
	char err[200];
	int rc;

	rl.rlim_cur = rl.rlim_max = vm_size() + ((rlim_t)64 << 20);
	if (setrlimit(RLIMIT_AS, &rl) < 0)
		return 1;
	if ((rc = logread_file(path, &log, err, sizeof(err))) != 0) {
		fprintf(stderr, "logread_file: %d %s\n", rc, err);
		return 2;
	}
	rc = log.damaged && log.damage_memory && !log.damage_tail &&
	     log.ndamages == 0 && log.nsamples > 10000 &&
	     log.nsamples < BIG_SAMPLES && strstr(log.damage, "memory");
	if (!rc)
		fprintf(stderr, "%zu samples, %s\n", log.nsamples, log.damage);
	logread_free(&log);
	return rc ? 0 : 3;
}

static void test_address_space_limit(void **state)
{
	char path[64];
	struct mk *m;
	int fd;

	(void)state;
#ifdef UNDER_SANITIZER
	skip();
#endif
	m = malloc(sizeof(*m));
	assert_non_null(m);
	snprintf(path, sizeof(path), "%s/big", tmp);
	mk_init(m);
	for (int i = 0; i < BIG_SAMPLES; i++) {
		mk_sample(m);
		if (i % 10 == 9)
			mk_flush(m);
	}
	mk_end(m);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, m->buf, m->len), (ssize_t)m->len);
	close(fd);
	free(m->buf);
	free(m);
	assert_int_equal(in_child(read_under_limit, path, 8), 0);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32_shift),
		cmocka_unit_test(test_flipped_bytes),
		cmocka_unit_test(test_keyframe_bounds_loss),
		cmocka_unit_test(test_cut_batch),
		cmocka_unit_test(test_tail_after_damage),
		cmocka_unit_test(test_two_logs_joined),
		cmocka_unit_test(test_resync_linear),
		cmocka_unit_test(test_resync_long_records),
		cmocka_unit_test(test_fifo),
		cmocka_unit_test(test_dev_zero),
		cmocka_unit_test(test_sparse),
		cmocka_unit_test(test_address_space_limit),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
