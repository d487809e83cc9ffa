/* logread.c - the log decoder: hostile bytes in, an rt_log out. */
#include "logread.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec.h"
#include "headroom.h"
#include "logsync.h"

static const char *const field_names[] = {
#define RT_FIELD_NAME(name, doc) #name,
	RT_SAMPLE_FIELDS(RT_FIELD_NAME)
#undef RT_FIELD_NAME
};

const char *sample_field_name(unsigned i)
{
	return i < RT_SAMPLE_NFIELDS ? field_names[i] : NULL;
}

static const char *const gpu_field_names[] = {
#define RT_GPU_FIELD_NAME(name, doc) #name,
	RT_GPU_FIELDS(RT_GPU_FIELD_NAME)
#undef RT_GPU_FIELD_NAME
};

const char *gpu_field_name(unsigned i)
{
	return i < RT_GPU_NFIELDS ? gpu_field_names[i] : NULL;
}

__attribute__((format(printf, 3, 4)))
static void logread_damage(struct rt_log *log, uint64_t off, const char *fmt,
			   ...)
{
	va_list ap;

	log->damaged = 1;
	log->damage_offset = off;
	va_start(ap, fmt);
	vsnprintf(log->damage, sizeof(log->damage), fmt, ap);
	va_end(ap);
}

static int logread_header(struct codec_in *in, struct rt_header *h)
{
	codec_get_str(in, h->host, sizeof(h->host), RT_STR_MAX);       /* H1 */
	codec_get_str(in, h->kernel, sizeof(h->kernel), RT_STR_MAX);   /* H2 */
	codec_get_str(in, h->machine, sizeof(h->machine), RT_STR_MAX); /* H3 */
	h->ncpus = (uint32_t)codec_get_varint(in);                     /* H4 */
	h->clk_tck = (uint32_t)codec_get_varint(in);                   /* H5 */
	h->page_size = (uint32_t)codec_get_varint(in);                 /* H6 */
	h->boot_time_ns = codec_get_varint(in);                        /* H7 */
	h->pid = (uint32_t)codec_get_varint(in);                       /* H8 */
	h->start_ns = codec_get_varint(in);                            /* H9 */
	h->interval_ns = codec_get_varint(in);                         /* H10 */
	h->flags = (uint32_t)codec_get_varint(in);                     /* H11 */
	h->mem_mode = (uint32_t)codec_get_varint(in);                  /* H12 */
	codec_get_str(in, h->cmdline, sizeof(h->cmdline), RT_STR_MAX); /* H13 */
	return in->bad ? -1 : 0;
}

/* S1-S7: decode into s, relative to prev (NULL when there is none). */
static int logread_sample(struct codec_in *in, const struct rt_sample *prev,
			  struct rt_sample *s)
{
	uint64_t flags = codec_get_varint(in), n, missing;
	unsigned i;

	n = codec_get_varint(in);
	missing = codec_get_varint(in);
	if (in->bad || (!(flags & 1) && !prev) || n > 64)
		return -1;
	memset(s, 0, sizeof(*s));
	for (i = 0; i < n; i++) {
		uint64_t d = (uint64_t)codec_get_svarint(in);
		if (i < RT_SAMPLE_NFIELDS)
			s->v[i] = ((flags & 1) ? 0 : prev->v[i]) + d;
	}
	/* V2: fields the writer did not know are missing. */
	s->missing = missing;
	for (i = (unsigned)n; i < RT_SAMPLE_NFIELDS; i++)
		s->missing |= (uint64_t)1 << i;
	s->missing &= RT_SAMPLE_NFIELDS == 64 ? ~(uint64_t)0 :
			((uint64_t)1 << RT_SAMPLE_NFIELDS) - 1;
	return in->bad ? -1 : 0;
}

/* The fixed-layout records, decoded from their field lists (log.h), each
 * value cast to its field's type; a record without OPT's field is from
 * the version before it. */
#define FIELD_GET_U(in, r, f) (r)->f = (__typeof__((r)->f))codec_get_varint(in)
#define FIELD_GET_S(in, r, f) (r)->f = (__typeof__((r)->f))codec_get_svarint(in)
#define FIELD_GET_OPT(in, r, f)                                               \
	(r)->f = (__typeof__((r)->f))codec_get_varint_or(in, 0)
#define FIELD_GET_STR(in, r, f)                                               \
	codec_get_str(in, (r)->f, sizeof((r)->f), RT_STR_MAX)
#define FIELD_GET(f, kind) FIELD_GET_##kind(in, r, f);

/* logread_NAME(in, r): the record's fields, 0 or -1 when it is cut. */
#define GET_RECORD(name, type, fields)                                        \
	static int logread_##name(struct codec_in *in, struct type *r)       \
	{                                                                     \
		memset(r, 0, sizeof(*r));                                     \
		fields(FIELD_GET)                                             \
		return in->bad ? -1 : 0;                                      \
	}

GET_RECORD(proc, rt_proc, RT_PROC_FIELDS)
GET_RECORD(exit_fields, rt_exit, RT_EXIT_FIELDS)
GET_RECORD(exec, rt_exec, RT_EXEC_FIELDS)
GET_RECORD(end, rt_end, RT_END_FIELDS)
GET_RECORD(reaped, rt_reaped, RT_REAPED_FIELDS)

/* EXIT and BRIEF (X18) share a payload; the record's type alone says
 * which it is, whatever its flags. */
static int logread_exit(struct codec_in *in, struct rt_exit *r)
{
	int rc = logread_exit_fields(in, r);

	r->flags &= ~(RT_EXIT_F_BRIEF | RT_EXIT_F_NO_PEAK | RT_EXIT_F_NO_SWAP);
	return rc;
}

static int logread_brief(struct codec_in *in, struct rt_exit *r)
{
	int rc = logread_exit_fields(in, r);

	r->flags |= RT_EXIT_F_BRIEF;
	return rc;
}

/* The chain of SAMPLES records (FORMAT.md Q): every field a writer may
 * know, those past this reader's included, since their values and models
 * decide how the next sample's bits read. */
struct logread_pack {
	int valid; /* the file's last sample came from a SAMPLES record */
	uint64_t present; /* the fields present in that record */
	uint64_t v[64];
	struct rt_pack_field f[64];
};

struct logread_state {
	struct rt_log *log;
	size_t scap, pcap, xcap, jcap, wcap, gvcap, gscap;
	/* Bytes the arrays hold together, and at most how many: decoded
	 * data can be hundreds of times the bytes it came from (a run of
	 * unchanged samples codes in a few bits each), and past what the
	 * machine has, Linux's overcommit lets realloc succeed and the
	 * out-of-memory killer end rtrack-dump (or a neighbour) later. */
	size_t held, budget;
	int over_budget;
	size_t sfaulted; /* bytes of samples whose pages were asked for */
	struct logread_pack pack;
	/* Damage broke the chains (FORMAT.md D3): samples, and GPU values,
	 * wait for a keyframe. */
	int lost, gpu_lost;
	size_t dcap;
	struct logsync sync;
};

/* A whole record whose samples or GPU values cannot be decoded: damage
 * took the sample they are the difference from (D3). */
#define LOGREAD_UNCHAINED (-3)

/* Grow an array by one element, within st's budget (the last growth
 * before it smaller than doubling); NULL when memory or budget runs out. */
static void *logread_push(struct logread_state *st, void *arr, size_t *n,
			  size_t *cap, size_t size)
{
	size_t room = st->budget - st->held, ncap;
	void *p;

	if (*n < *cap)
		return arr;
	ncap = *cap ? *cap : 64;
	if (ncap > room / size)
		ncap = room / size;
	if (ncap == 0) {
		st->over_budget = 1;
		return NULL;
	}
	p = realloc(arr, (*cap + ncap) * size);
	if (!p)
		return NULL;
	*cap += ncap;
	st->held += ncap * size;
	return p;
}

/* G2, G3: a new inventory replaces the last one. */
static int logread_gpu_devices(struct codec_in *in, struct rt_log *log)
{
	struct rt_gpu_dev d[RT_GPU_MAX_DEVICES];
	uint64_t n = codec_get_varint(in);
	unsigned i;

	if (in->bad || n > RT_GPU_MAX_DEVICES)
		return -1;
	memset(d, 0, sizeof(d));
	for (i = 0; i < n; i++) {
		d[i].source = (uint32_t)codec_get_varint(in);
		codec_get_str(in, d[i].name, sizeof(d[i].name), RT_STR_MAX);
		codec_get_str(in, d[i].id, sizeof(d[i].id), RT_STR_MAX);
	}
	if (in->bad)
		return -1;
	memcpy(log->gpu_devs, d, sizeof(d));
	log->ngpu_devs = (unsigned)n;
	return 0;
}

/* G6, G7: one device's values into v, from prev (zeroes in a keyframe).
 * Values past what this reader knows are read and dropped; those the
 * writer did not know are missing (V2). */
static int logread_gpu_dev(struct codec_in *in, unsigned nf,
			   const struct rt_gpu_values *prev,
			   struct rt_gpu_values *v)
{
	uint64_t known = ((uint64_t)1 << RT_GPU_NFIELDS) - 1;
	uint64_t missing = codec_get_varint(in);
	uint64_t changed = codec_get_varint(in);
	unsigned i;

	if (in->bad || (nf < 64 && changed >> nf))
		return -1;
	*v = *prev;
	for (i = 0; i < nf; i++) {
		uint64_t d;
		if (!(changed >> i & 1))
			continue;
		d = (uint64_t)codec_get_svarint(in);
		if (i < RT_GPU_NFIELDS)
			v->v[i] += d;
	}
	v->missing = missing & known;
	for (i = nf; i < RT_GPU_NFIELDS; i++)
		v->missing |= (uint64_t)1 << i;
	return in->bad ? -1 : 0;
}

/* G4-G8: a VALUES record, delta encoded against the previous one. */
static int logread_gpu_values(struct codec_in *in, struct logread_state *st)
{
	static const struct rt_gpu_values zero;
	struct rt_log *log = st->log;
	/* The previous record's place (the arrays may move as they grow). */
	struct rt_gpu_sample last = { 0, 0, 0 };
	uint64_t keyframe = codec_get_varint(in) & 1;
	uint64_t n = codec_get_varint(in), nf = codec_get_varint(in);
	struct rt_gpu_sample *gs;
	unsigned i;

	if (log->ngpu_samples)
		last = log->gpu_samples[log->ngpu_samples - 1];
	/* D3: after damage, only a keyframe of the devices known now. */
	if (!in->bad && st->gpu_lost && (!keyframe || n != log->ngpu_devs))
		return LOGREAD_UNCHAINED;
	if (in->bad || n > RT_GPU_MAX_DEVICES || n != log->ngpu_devs ||
	    nf > 64 || (!keyframe && (!log->ngpu_samples || last.n != n)))
		return -1;
	gs = logread_push(st, log->gpu_samples, &log->ngpu_samples, &st->gscap,
			  sizeof(*gs));
	if (!gs)
		return -2;
	log->gpu_samples = gs;
	for (i = 0; i < n; i++) {
		struct rt_gpu_values *v = logread_push(st, log->gpu_vals,
						       &log->ngpu_vals,
						       &st->gvcap, sizeof(*v));
		if (!v)
			return -2;
		log->gpu_vals = v;
		if (logread_gpu_dev(in, (unsigned)nf, keyframe ? &zero :
				    &v[last.first + i], &v[log->ngpu_vals]) < 0)
			return -1;
		log->ngpu_vals++;
	}
	gs[log->ngpu_samples] = (struct rt_gpu_sample){
		log->nsamples, log->ngpu_vals - (size_t)n, (unsigned)n };
	log->ngpu_samples++;
	st->gpu_lost = 0;
	return 0;
}

/* G1: the kind decides; kinds this reader does not know are skipped (V1). */
static int logread_gpu(struct codec_in *in, struct logread_state *st)
{
	uint64_t kind = codec_get_varint(in);

	if (in->bad)
		return -1;
	if (kind == RT_GPU_DEVICES)
		return logread_gpu_devices(in, st->log);
	if (kind == RT_GPU_VALUES)
		return logread_gpu_values(in, st);
	return 0;
}

/* A day of samples is hundreds of MiB: their pages are asked for
 * PREFAULT bytes at a time ahead of the decoder, one call instead of a
 * page fault each 4 KiB (Linux 5.14; only advice, elsewhere nothing). */
#define PREFAULT ((size_t)8 << 20)
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static void logread_prefault(struct logread_state *st)
{
	const uintptr_t page = 4096;
	size_t size = sizeof(struct rt_sample);
	size_t need = (st->log->nsamples + 1) * size, cap = st->scap * size;
	uintptr_t base = (uintptr_t)st->log->samples, lo, hi;

	if (need <= st->sfaulted || cap < 2 * PREFAULT)
		return;
	lo = (base + need + page - 1) & ~(page - 1);
	st->sfaulted = need + PREFAULT < cap ? need + PREFAULT : cap;
	hi = (base + st->sfaulted) & ~(page - 1);
	if (hi > lo)
		madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
}

/* A new element at the end of log->samples; NULL when memory runs out. */
static struct rt_sample *logread_new_sample(struct logread_state *st)
{
	struct rt_log *log = st->log;
	struct rt_sample *arr = logread_push(st, log->samples, &log->nsamples,
					     &st->scap, sizeof(*arr));

	if (!arr)
		return NULL;
	if (arr != log->samples)
		st->sfaulted = 0; /* grown elsewhere: look again */
	log->samples = arr;
	logread_prefault(st);
	return &arr[log->nsamples++];
}

/* Q4, Q2, Q3: the chain's values as the next sample, missing set. */
static int logread_emit(struct logread_state *st, uint64_t missing)
{
	struct rt_sample *s = logread_new_sample(st);

	if (!s)
		return -2;
	memcpy(s->v, st->pack.v, sizeof(s->v));
	s->missing = missing;
	return 0;
}

/* Q6-Q8: one sample's residuals with the record's parameters; the
 * chain's values move on. */
static int logread_packed(struct codec_bits_in *in, struct logread_pack *pk,
			  uint64_t present)
{
	/* A copy whose address never escapes stays in registers. */
	struct codec_bits_in b = *in;

	for (uint64_t m = present; m; m &= m - 1) {
		unsigned i = (unsigned)__builtin_ctzll(m);
		struct rt_pack_field *f = &pk->f[i];
		uint64_t u, d;

		if (!f->k && b.n && (b.acc & 1)) {
			/* A residual of 0 (q 0, no bits): idle fields, most
			 * of a quiet system's. */
			b.acc >>= 1;
			b.n--;
			d = 0;
		} else if (codec_get_rice(&b, f->k, &u)) {
			d = codec_unzigzag(u);             /* the escape */
		} else {
			d = codec_unzigzag(u) << f->shift;
		}
		d += f->dod ? f->delta : 0;
		pk->v[i] += d;
		rt_pack_step(f, d, pk->v[i]);
	}
	if (!present)
		codec_bits_get56(&b, 8); /* Q6: the one byte of no field */
	codec_bits_align(&b);
	*in = b;
	return b.bad ? -1 : 0;
}

/* Q5: the first sample of a keyframe record. */
static int logread_key(struct codec_in *in, struct logread_pack *pk,
		       uint64_t present)
{
	for (unsigned i = 0; i < 64; i++) {
		uint64_t x = present >> i & 1 ? codec_get_varint(in) : 0;
		pk->v[i] = x;
		rt_pack_key(&pk->f[i], x);
	}
	return in->bad ? -1 : 0;
}

/* Q: a SAMPLES record, one or more samples of the chain. */
static int logread_samples(struct codec_in *in, struct logread_state *st)
{
	struct logread_pack *pk = &st->pack;
	uint64_t flags = codec_get_varint(in), n = codec_get_varint(in);
	uint64_t missing = codec_get_varint(in), written, present, shown;
	struct codec_bits_in bi;
	int rc, key = (int)(flags & 1);

	if (!in->bad && !key && st->lost)
		return LOGREAD_UNCHAINED; /* D3 */
	if (in->bad || n > 64 || (!key && !pk->valid))
		return -1;
	pk->valid = 0;
	written = n == 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1;
	present = written & ~missing;
	/* V2: fields the writer did not know are missing, their value 0. */
	shown = (missing | ~written) &
		(RT_SAMPLE_NFIELDS == 64 ? ~(uint64_t)0 :
		 ((uint64_t)1 << RT_SAMPLE_NFIELDS) - 1);
	for (unsigned i = (unsigned)n; i < 64; i++)
		pk->v[i] = 0;
	if (key) {
		if (logread_key(in, pk, present) < 0)
			return -1;
		if ((rc = logread_emit(st, shown)) < 0)
			return rc;
	} else { /* Q8: the fields before and now: the others wait */
		for (uint64_t m = pk->present | present; m; m &= m - 1) {
			unsigned i = (unsigned)__builtin_ctzll(m);
			rt_pack_begin(&pk->f[i], (int)(pk->present >> i & 1));
		}
	}
	pk->present = present;
	bi = (struct codec_bits_in){ in->p, in->end, 0, 0, 0 };
	if (!key && codec_bits_done(&bi))
		return -1; /* Q4: at least one sample */
	while (!codec_bits_done(&bi)) {
		if (logread_packed(&bi, pk, present) < 0)
			return -1;
		if ((rc = logread_emit(st, shown)) < 0)
			return rc;
	}
	pk->valid = 1;
	st->lost = 0;
	return 0;
}

/* W2: a REAPED record names the root it reaped; one of another run (a
 * log it was not meant for) is ignored, and so is a second one.  W8 bit
 * 1: a child a process of the job reaped, kept in log->reaps. */
static int logread_reaped_rec(struct codec_in *in, struct logread_state *st)
{
	struct rt_log *log = st->log;
	struct rt_reaped r;

	if (logread_reaped(in, &r) < 0)
		return -1;
	if (r.flags & RT_REAPED_F_CHILD) {
		struct rt_reaped *grown = logread_push(st, log->reaps,
						       &log->nreaps, &st->wcap,
						       sizeof(r));
		if (!grown)
			return -2;
		log->reaps = grown;
		log->reaps[log->nreaps++] = r;
		return 0;
	}
	if (!log->has_reaped && r.pid == log->hdr.pid) {
		log->reaped = r;
		log->has_reaped = 1;
	}
	return 0;
}

/* Append one decoded record of type T to arr/n with decoder fn. */
#define LOGREAD_APPEND(arr, n, cap, fn)                                       \
	do {                                                                   \
		void *grown = logread_push(st, arr, &(n), &(cap),              \
					   sizeof(*(arr)));                    \
		if (!grown)                                                    \
			return -2;                                             \
		(arr) = grown;                                                 \
		if (fn(&in, &(arr)[n]) < 0)                                    \
			return -1;                                             \
		(n)++;                                                         \
		return 0;                                                      \
	} while (0)

/* S1, Q1: whether a sample record's payload starts a chain. */
static int logread_is_key(const uint8_t *p, size_t len)
{
	struct codec_in in = { p, p + len, 0 };

	return (codec_get_varint(&in) & 1) && !in.bad;
}

/* Decode one checksummed payload; -1 means malformed, -2 out of memory,
 * LOGREAD_UNCHAINED a sample record after damage that needs its base. */
static int logread_payload(struct logread_state *st, unsigned type,
			   const uint8_t *p, size_t len)
{
	struct rt_log *log = st->log;
	struct codec_in in = { p, p + len, 0 };

	switch (type) {
	case RT_REC_SAMPLE: {
		struct rt_sample *s;
		st->pack.valid = 0; /* Q9: a SAMPLES chain needs a keyframe */
		if (st->lost && !logread_is_key(p, len))
			return LOGREAD_UNCHAINED; /* D3 */
		s = logread_new_sample(st);
		if (!s)
			return -2;
		if (logread_sample(&in, log->nsamples > 1 && !st->lost ? s - 1
								 : NULL,
				   s) < 0) {
			log->nsamples--;
			return -1;
		}
		st->lost = 0;
		return 0;
	}
	case RT_REC_SAMPLES:
		return logread_samples(&in, st);
	case RT_REC_PROC:
		LOGREAD_APPEND(log->procs, log->nprocs, st->pcap, logread_proc);
	case RT_REC_EXIT:
		LOGREAD_APPEND(log->exits, log->nexits, st->xcap, logread_exit);
	case RT_REC_BRIEF:
		LOGREAD_APPEND(log->exits, log->nexits, st->xcap, logread_brief);
	case RT_REC_EXEC:
		LOGREAD_APPEND(log->execs, log->nexecs, st->jcap, logread_exec);
	case RT_REC_END:
		if (logread_end(&in, &log->end) < 0)
			return -1;
		log->has_end = 1;
		return 0;
	case RT_REC_GPU:
		return logread_gpu(&in, st);
	case RT_REC_REAPED:
		return logread_reaped_rec(&in, st);
	case RT_REC_HEADER:
		return -1; /* F2: only one, first */
	default:
		return 0; /* R4: unknown types are skipped */
	}
}

static const char *logread_type_name(unsigned type)
{
	static const char *const names[] = { "invalid", "HEADER", "SAMPLE",
					     "PROC", "END", "EXIT", "EXEC",
					     "GPU", "SAMPLES", "REAPED", "BRIEF" };
	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "unknown";
}

static const char torn_tail[] = "truncated record (torn tail)";

/* Frame the record at *off (R1); on success point at its payload. */
static int logread_frame(const uint8_t *buf, size_t len, size_t off,
			 unsigned *type, const uint8_t **payload, size_t *plen,
			 size_t *next, const char **why)
{
	struct codec_in in = { buf + off + 1, buf + len, 0 };
	uint64_t l;
	size_t body;

	*type = buf[off];
	l = codec_get_varint(&in);
	if (in.bad) {
		*why = torn_tail;
		return -1;
	}
	if (l > RT_LOG_MAX_PAYLOAD) {
		*why = "record length over the format's limit";
		return -1;
	}
	body = (size_t)(in.p - buf);
	if (len - body < l + 4) {
		*why = torn_tail;
		return -1;
	}
	in.p += l;
	*next = body + (size_t)l + 4; /* also for a bad checksum: the tail rule */
	if (codec_get_u32(&in) != codec_crc32_fast(0, buf + off, body + l - off)) {
		*why = "checksum mismatch";
		return -1;
	}
	*payload = buf + body;
	*plen = (size_t)l;
	return 0;
}

static int logread_preamble(const uint8_t *buf, size_t len,
			    struct rt_log *log, char *err, size_t errlen)
{
	struct codec_in in = { buf + RT_LOG_MAGIC_LEN, buf + len, 0 };

	if (len < RT_LOG_MAGIC_LEN ||
	    memcmp(buf, RT_LOG_MAGIC, RT_LOG_MAGIC_LEN) != 0) {
		snprintf(err, errlen, "not an rtrack log (no magic at offset 0)");
		return -1;
	}
	log->version_major = codec_get_u16(&in);
	log->version_minor = codec_get_u16(&in);
	if (in.bad) {
		snprintf(err, errlen, "truncated at offset %zu (inside the preamble)",
			 len);
		return -1;
	}
	if (log->version_major == 0) {
		snprintf(err, errlen, "format version 0.%u does not exist "
			 "(damaged preamble)", log->version_minor);
		return -1;
	}
	if (log->version_major > RT_LOG_VERSION_MAJOR) {
		snprintf(err, errlen,
			 "format version %u.%u is newer than this rtrack-dump reads (%u.x)",
			 log->version_major, log->version_minor,
			 RT_LOG_VERSION_MAJOR);
		return -1;
	}
	return 0;
}

/* F2: the header record, or -1; LOGREAD_NOT_YET where the bytes end
 * before it, or inside it. */
static int logread_first(const uint8_t *buf, size_t len, struct rt_log *log,
			 size_t *off, char *err, size_t errlen)
{
	static const char none[] = "no header record";
	const char *why = none;
	const uint8_t *payload;
	unsigned type;
	size_t plen;

	if (*off < len &&
	    logread_frame(buf, len, *off, &type, &payload, &plen, off, &why) == 0) {
		struct codec_in in = { payload, payload + plen, 0 };
		if (type != RT_REC_HEADER)
			why = "first record is not a header";
		else if (logread_header(&in, &log->hdr) == 0)
			return 0;
		else
			why = "malformed header";
	}
	snprintf(err, errlen, "unusable header at offset %d: %s",
		 RT_LOG_PREAMBLE_LEN, why);
	return why == none || (why == torn_tail &&
			       buf[RT_LOG_PREAMBLE_LEN] == RT_REC_HEADER) ?
		       LOGREAD_NOT_YET : -1;
}

int logread_buf(const uint8_t *buf, size_t len, struct rt_log *log,
		char *err, size_t errlen)
{
	return logread_buf_budget(buf, len, SIZE_MAX, log, err, errlen);
}

/* Decoding stopped at off for want of memory, not for damage: "WHAT than
 * the N MiB (or KiB, below a MiB) of memory rtrack-dump may use". */
static void logread_stop_memory(struct rt_log *log, uint64_t off,
				const char *what, size_t bytes, const char *end)
{
	int mib = bytes >= (size_t)1 << 20;

	logread_damage(log, off,
		       "%s than the %zu %s of memory rtrack-dump may use%s",
		       what, mib ? bytes >> 20 : bytes >> 10,
		       mib ? "MiB" : "KiB", end);
	log->damage_memory = 1;
	log->damage_tail = 0;
}

/* Damage at off is the log's tail, where a writer that was killed or
 * crashed stopped, when nothing whole comes after it: a record cut short
 * (torn), a last record whose checksum fails (next, its end, is the end
 * of the file), or zeros from within that record to the end (a file
 * system that kept the size of a file but not its last blocks after a
 * crash). */
static int logread_is_tail(const uint8_t *buf, size_t len, size_t off,
			   size_t next, int torn)
{
	size_t zeros = len;

	if (torn || next == len)
		return 1;
	while (zeros > off && buf[zeros - 1] == 0)
		zeros--;
	return zeros == off || zeros < next;
}

/* D2: the types a resynchronisation may land on: those this reader
 * decodes, but the header (F2: only first). */
static int logread_type_known(unsigned type)
{
	return type > RT_REC_HEADER &&
	       strcmp(logread_type_name(type), "unknown") != 0;
}

/* Decoding stops at off for want of memory: the budget's, or what malloc
 * would give (an address-space limit, ulimit -v). */
static void logread_stop(struct logread_state *st, uint64_t off)
{
	struct rt_log *log = st->log;

	if (st->over_budget) {
		logread_stop_memory(log, off, "decoding the rest needs more",
				    st->budget, "");
		return;
	}
	logread_damage(log, off, "decoding the rest needs more memory than "
		       "rtrack-dump could get");
	log->damage_memory = 1;
	log->damage_tail = 0;
}

/* G8: VALUES records wait for the sample after them.  Those waiting for
 * one that will not be decoded go, and the GPU chain's base with them. */
static void logread_drop_waiting(struct logread_state *st)
{
	struct rt_log *log = st->log;

	while (log->ngpu_samples &&
	       log->gpu_samples[log->ngpu_samples - 1].sample >= log->nsamples) {
		log->ngpu_vals = log->gpu_samples[--log->ngpu_samples].first;
		st->gpu_lost = 1;
	}
}

/* D3: damaged bytes may have held samples, GPU values or an inventory:
 * the chains wait for their next keyframes. */
static void logread_lose_chains(struct logread_state *st)
{
	st->pack.valid = 0;
	st->lost = 1;
	st->gpu_lost = 1;
	logread_drop_waiting(st);
}

/* D1: the bytes [off, end) are damaged, for why; the first damage is also
 * the log's damage_offset and damage.  -1 when there is no memory left to
 * note it (decoding stops there). */
static int logread_skip(struct logread_state *st, uint64_t off, uint64_t end,
			const char *why)
{
	struct rt_log *log = st->log;
	struct rt_damage *d = logread_push(st, log->damages, &log->ndamages,
					   &st->dcap, sizeof(*d));

	if (!d) {
		logread_stop(st, off);
		return -1;
	}
	log->damages = d;
	d += log->ndamages++;
	d->start = off;
	d->end = end;
	snprintf(d->why, sizeof(d->why), "%s", why);
	if (!log->damaged)
		logread_damage(log, off, "%s", why);
	logread_lose_chains(st);
	return 0;
}

/* D2: the frame at *off does not hold (why; next is its end where its
 * length was read): decoding goes on at the next whole record, the bytes
 * before it damaged.  Where nothing whole follows, the damage may be the
 * tail a killed writer leaves; but only as the log's one damage. */
static int logread_resync(struct logread_state *st, const uint8_t *buf,
			  size_t len, size_t *off, size_t next, const char *why)
{
	struct rt_log *log = st->log;
	size_t sync = logsync_next(&st->sync, *off + 1);
	int torn = why == torn_tail;

	if (sync < len && torn)
		why = "record cut short";
	else if (sync == len && buf[*off] == 0 &&
		 logread_is_tail(buf, len, *off, *off, 0))
		why = "zeros to the end of the file";
	if (logread_skip(st, *off, sync, why) < 0)
		return -1;
	if (sync == len)
		log->damage_tail = log->ndamages == 1 &&
				   logread_is_tail(buf, len, *off, next, torn);
	*off = sync;
	return 0;
}

/* Where another log's preamble starts in [from, to), or to: two logs
 * joined into one file (cat a.bin b.bin) were read as one job, the second
 * header a damaged stretch and its records merged into the first. */
static size_t logread_second_log(const uint8_t *buf, size_t len,
				 size_t from, size_t to)
{
	const uint8_t *m;

	while (from < to &&
	       (m = memmem(buf + from, to - from, RT_LOG_MAGIC,
			   RT_LOG_MAGIC_LEN)) != NULL) {
		size_t at = (size_t)(m - buf);

		/* The magic, then a HEADER (F1, F2): not those bytes inside
		 * a damaged command line. */
		if (at + RT_LOG_PREAMBLE_LEN < len &&
		    buf[at + RT_LOG_PREAMBLE_LEN] == RT_REC_HEADER)
			return at;
		from = at + 1;
	}
	return to;
}

/* The record at *off, or the damage there: *off moves past it; -1 when
 * decoding stops for memory, or at a second log. */
static int logread_next(struct logread_state *st, const uint8_t *buf,
			size_t len, size_t *off)
{
	struct rt_log *log = st->log;
	size_t kept = log->nsamples, kept_vals = log->ngpu_vals;
	size_t plen, next = *off; /* logread_frame sets it with the length */
	const uint8_t *payload;
	const char *why = NULL;
	char what[48];
	unsigned type;
	int rc;

	if (logread_frame(buf, len, *off, &type, &payload, &plen, &next,
			  &why) < 0) {
		size_t sync = logsync_next(&st->sync, *off + 1);
		size_t other = logread_second_log(buf, len, *off, sync);

		if (other < sync) {
			/* A torn last record of the first, then the second. */
			if (other > *off &&
			    logread_skip(st, *off, other, why) < 0)
				return -1;
			(void)logread_skip(st, other, len,
					   "another log starts here: not read");
			*off = len;
			return -1;
		}
		return logread_resync(st, buf, len, off, next, why);
	}
	rc = logread_payload(st, type, payload, plen);
	/* A record counts whole or not at all: "the N samples before it"
	 * are exactly those. */
	if (rc < 0) {
		log->nsamples = kept;
		log->ngpu_vals = kept_vals;
	}
	if (rc == -2) {
		logread_stop(st, *off);
		return -1;
	}
	if (rc == LOGREAD_UNCHAINED && type == RT_REC_GPU) {
		log->unchained_gpu++;
	} else if (rc == LOGREAD_UNCHAINED) {
		log->unchained++;
		logread_drop_waiting(st);
	} else if (rc < 0) {
		snprintf(what, sizeof(what), "malformed %s record",
			 logread_type_name(type));
		if (logread_skip(st, *off, next, what) < 0)
			return -1;
	}
	*off = next;
	return 0;
}

/* logread_buf_budget, or LOGREAD_NOT_YET where the bytes end before the
 * header record is whole. */
static int logread_decode(const uint8_t *buf, size_t len, size_t budget,
			  struct rt_log *log, char *err, size_t errlen)
{
	struct logread_state st = { .log = log, .budget = budget };
	size_t off = RT_LOG_PREAMBLE_LEN;
	int rc;

	memset(log, 0, sizeof(*log));
	if (logread_preamble(buf, len, log, err, errlen) < 0)
		return -1;
	if ((rc = logread_first(buf, len, log, &off, err, errlen)) < 0)
		return rc;
	logsync_init(&st.sync, buf, len, logread_type_known);
	while (off < len && logread_next(&st, buf, len, &off) == 0)
		;
	logsync_free(&st.sync);
	log->decoded_end = off;
	return 0;
}

int logread_buf_budget(const uint8_t *buf, size_t len, size_t budget,
		       struct rt_log *log, char *err, size_t errlen)
{
	return logread_decode(buf, len, budget, log, err, errlen) < 0 ? -1 : 0;
}

/* The bytes of fd after the npre of its preamble, which are in pre: up
 * to max in all (*more set when there are more) and never past stop (a
 * trailing hole: zeros, logread_data_end; SIZE_MAX: none).  guess (the
 * size of a file; 0: not known, a pipe) sizes the buffer at once, within
 * max: a file larger than that is never asked for whole.  Where the
 * buffer cannot grow, the read ends there as at max.  Returns the bytes
 * (caller frees) or NULL with err said. */
static uint8_t *logread_all(int fd, const uint8_t *pre, size_t npre,
			    size_t guess, size_t max, size_t stop, size_t *len,
			    int *more, char *err, size_t errlen)
{
	size_t want = stop <= max ? stop : max + 1; /* the byte past max */
	size_t cap = guess ? guess + 1 : 65536;
	uint8_t *buf, *p;

	cap = cap < want ? cap : want;
	cap = cap > npre ? cap : npre;
	if (!(buf = malloc(cap)) && cap > 65536)
		buf = malloc(cap = 65536);
	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memcpy(buf, pre, npre);
	*len = npre;
	*more = 0;
	while (*len < want) {
		ssize_t n;
		if (*len == cap) {
			size_t ncap = cap < want / 2 ? cap * 2 : want;
			if (!(p = realloc(buf, ncap))) {
				*more = 1; /* as far as memory went */
				return buf;
			}
			buf = p;
			cap = ncap;
		}
		n = read(fd, buf + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "read error at offset %zu: %s", *len,
				 strerror(errno));
			free(buf);
			return NULL;
		}
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	if (*len > max) {
		*len = max;
		*more = 1;
	}
	return buf;
}

/* What decoding may take: three quarters of the headroom (the outputs need
 * some too), and never less than LOGREAD_MIN_BUDGET: a group over its
 * limit while the kernel reclaims shows none, and a log of a few samples
 * always fits.  An address-space limit (ulimit -v) is the exception: it
 * is hard, and no floor goes above it. */
#define LOGREAD_MIN_BUDGET ((uint64_t)64 << 20)

static size_t logread_room(void)
{
	uint64_t room = headroom_bytes("/proc") / 4 * 3;
	uint64_t as = headroom_as_bytes("/proc") / 4 * 3;

	if (room < LOGREAD_MIN_BUDGET)
		room = LOGREAD_MIN_BUDGET;
	if (room > as)
		room = as;
	return room < SIZE_MAX ? (size_t)room : SIZE_MAX;
}

int logread_file(const char *path, struct rt_log *log, char *err,
		 size_t errlen)
{
	return logread_file_budget(path, 0, log, err, errlen);
}

/* D5: what is not a regular file, in words. */
static const char *logread_kind(mode_t mode)
{
	return S_ISCHR(mode)    ? "a character device"
	       : S_ISBLK(mode)  ? "a block device"
	       : S_ISSOCK(mode) ? "a socket"
	       : S_ISFIFO(mode) ? "a FIFO"
				: "neither a file nor a FIFO";
}

/* path opened for reading (sb its status), or -1.  Only a regular file or a FIFO (a pipe) is
 * opened: a device is refused before it is opened (/dev/zero never ends),
 * and a FIFO is opened without waiting for a writer (D5). */
static int logread_open(const char *path, struct stat *sb, char *err,
			size_t errlen)
{
	int fd;

	if (stat(path, sb) < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (S_ISDIR(sb->st_mode)) {
		snprintf(err, errlen, "is a directory");
		return -1;
	}
	if (!S_ISREG(sb->st_mode) && !S_ISFIFO(sb->st_mode))
		goto refuse;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 || fstat(fd, sb) < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (S_ISREG(sb->st_mode) || S_ISFIFO(sb->st_mode))
		return fd;
	close(fd); /* the path changed under us */
refuse:
	snprintf(err, errlen, "not a regular file (%s)",
		 logread_kind(sb->st_mode));
	return -1;
}

/* The first bytes of fd, up to the preamble's 12 (fewer: the file ends),
 * into pre.  A FIFO is read only while a writer holds it open: one with
 * none is refused instead of waited for, forever perhaps (D5). */
static int logread_head(int fd, const struct stat *sb, uint8_t *pre,
			size_t *npre, char *err, size_t errlen)
{
	int fifo = S_ISFIFO(sb->st_mode), flags = fcntl(fd, F_GETFL);

	*npre = 0;
	while (*npre < RT_LOG_PREAMBLE_LEN) {
		ssize_t n = read(fd, pre + *npre, RT_LOG_PREAMBLE_LEN - *npre);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && flags >= 0) {
			fcntl(fd, F_SETFL, flags & ~O_NONBLOCK); /* a writer */
			flags = -1;
			continue;
		}
		if (n < 0) {
			snprintf(err, errlen, "read error at offset %zu: %s",
				 *npre, strerror(errno));
			return -1;
		}
		if (n == 0 && fifo && flags >= 0 && *npre == 0) {
			snprintf(err, errlen, "not a regular file (a FIFO "
				 "without a writer)");
			return -1;
		}
		if (n == 0)
			break;
		*npre += (size_t)n;
	}
	if (flags >= 0)
		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	return 0;
}

/* Where the data of a regular file of size bytes ends when a hole runs
 * from there to its end (a sparse file; a file system that kept a crashed
 * writer's file size but not its last blocks): zeros, not worth reading
 * (D1's tail).  size where there is none or the file system cannot say. */
static size_t logread_data_end(int fd, size_t size)
{
	off_t hole = 0;

	for (;;) {
		off_t data = lseek(fd, hole, SEEK_DATA);
		if (data < 0)
			return errno == ENXIO ? (size_t)hole : size;
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0 || (uint64_t)hole >= size)
			return size;
	}
}

/* The read stopped at len, where the file holds more: decoding is said
 * to stop there as for memory, the cut record (a torn last stretch) not
 * taken for damage. */
static void logread_cut(struct rt_log *log, size_t len, size_t max)
{
	struct rt_damage *last = log->ndamages ?
					 &log->damages[log->ndamages - 1] : NULL;
	uint64_t at = len;

	if (log->damage_memory)
		return; /* decoding stopped before */
	if (last && last->end == len && strcmp(last->why, torn_tail) == 0) {
		at = last->start;
		if (--log->ndamages == 0)
			log->damaged = 0;
	}
	logread_stop_memory(log, at, "the file is larger", max, " for it");
}

/* The bytes [len, size) are a hole to the end of the file: zeros, the
 * tail of a writer whose blocks a crash lost (logread_is_tail), the last
 * damaged stretch made to run to the end, or one added. */
static void logread_hole(struct rt_log *log, size_t len, uint64_t size)
{
	struct rt_damage *d;

	if (log->damage_memory)
		return;
	if (log->ndamages && log->damages[log->ndamages - 1].end == len) {
		log->damages[log->ndamages - 1].end = size;
		return;
	}
	d = realloc(log->damages, (log->ndamages + 1) * sizeof(*d));
	if (!d)
		return;
	log->damages = d;
	d += log->ndamages++;
	*d = (struct rt_damage){ len, size, "zeros to the end of the file" };
	if (!log->damaged)
		logread_damage(log, len, "%s", d->why);
	log->damage_tail = log->ndamages == 1;
}

/* A regular file that ends inside a preamble's first bytes (empty, or
 * part of the magic) may be a log being written. */
static int logread_partial(const struct stat *sb, const uint8_t *pre,
			   size_t n)
{
	return S_ISREG(sb->st_mode) && n < RT_LOG_PREAMBLE_LEN &&
	       memcmp(pre, RT_LOG_MAGIC,
		      n < RT_LOG_MAGIC_LEN ? n : RT_LOG_MAGIC_LEN) == 0;
}

int logread_file_budget(const char *path, size_t budget, struct rt_log *log,
			char *err, size_t errlen)
{
	size_t total = budget ? budget : logread_room(), npre, len;
	size_t size = 0, data = 0;
	uint8_t pre[RT_LOG_PREAMBLE_LEN], *buf = NULL;
	struct stat sb;
	int fd, rc, more;

	if ((fd = logread_open(path, &sb, err, errlen)) < 0)
		return fd;
	rc = logread_head(fd, &sb, pre, &npre, err, errlen);
	/* The magic first: /dev/zero or a 2 GiB hole is no log. */
	if (rc == 0 && logread_preamble(pre, npre, log, err, errlen) < 0)
		rc = logread_partial(&sb, pre, npre) ? LOGREAD_NOT_YET : -1;
	if (rc == 0 && S_ISREG(sb.st_mode)) {
		size = (size_t)sb.st_size;
		data = logread_data_end(fd, size);
		lseek(fd, (off_t)npre, SEEK_SET);
	}
	/* The file, at most half the memory rtrack-dump may use, the rest
	 * for decoding it; all of a live log, which may have grown, but not
	 * a hole at its end. */
	if (rc == 0)
		buf = logread_all(fd, pre, npre, data, total / 2,
				  data < size ? data : SIZE_MAX, &len, &more,
				  err, errlen);
	close(fd);
	if (!buf)
		return rc < 0 ? rc : -1;
	rc = logread_decode(buf, len, total - len, log, err, errlen);
	if (rc == 0 && more)
		logread_cut(log, len, total / 2);
	else if (rc == 0 && data < size)
		logread_hole(log, len, size);
	free(buf);
	return rc;
}

void logread_note_damage(struct rt_log *log, const char *why)
{
	if (!log->damaged)
		logread_damage(log, log->decoded_end, "%s", why);
}

void logread_free(struct rt_log *log)
{
	free(log->damages);
	log->damages = NULL;
	log->ndamages = 0;
	free(log->samples);
	free(log->procs);
	free(log->exits);
	free(log->execs);
	free(log->reaps);
	free(log->gpu_vals);
	free(log->gpu_samples);
	log->samples = NULL;
	log->procs = NULL;
	log->exits = NULL;
	log->execs = NULL;
	log->reaps = NULL;
	log->nreaps = 0;
	log->gpu_vals = NULL;
	log->gpu_samples = NULL;
	log->nsamples = log->nprocs = log->nexits = log->nexecs = 0;
	log->ngpu_vals = log->ngpu_samples = 0;
	log->ngpu_devs = 0;
}
