/* logwrite.c - the log encoder: records into a batch, batches into the file. */
#include "logwrite.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "codec.h"
#include "text.h"

void logwrite_init(struct logbuf *b, uint8_t *mem, size_t cap)
{
	/* Not the model: put_sample clears it at the first sample. */
	memset(b, 0, offsetof(struct logbuf, prev));
	b->mem = mem;
	b->cap = cap;
}

void logwrite_on_full(struct logbuf *b, void (*empty)(void *ctx), void *ctx)
{
	b->empty = empty;
	b->empty_ctx = ctx;
}

/* A record refused for want of room leaves the batch as it was (every
 * put_* below), so it goes in again once the batch's owner has emptied it:
 * the one place where "flush when full" is done. */
static int logwrite_room(struct logbuf *b)
{
	if (!b->empty)
		return 0;
	b->empty(b->empty_ctx);
	return 1;
}

static int put_preamble(struct logbuf *b)
{
	struct codec_out o = { b->mem + b->len, b->mem + b->cap, 0 };

	codec_put_bytes(&o, RT_LOG_MAGIC, RT_LOG_MAGIC_LEN);
	codec_put_u16(&o, RT_LOG_VERSION_MAJOR);
	codec_put_u16(&o, RT_LOG_VERSION_MINOR);
	if (o.overflow)
		return -ENOSPC;
	b->len += RT_LOG_PREAMBLE_LEN;
	b->rec_open = 0;
	return 0;
}

/* Frame a payload already encoded at `payload` (R1) into the batch. */
static int logwrite_frame(struct logbuf *b, uint8_t type,
			  const uint8_t *payload, size_t len)
{
	uint8_t *start = b->mem + b->len;
	struct codec_out o = { start, b->mem + b->cap, 0 };
	uint32_t crc;

	codec_put_bytes(&o, &type, 1);
	codec_put_varint(&o, len);
	codec_put_bytes(&o, payload, len);
	if (o.overflow || (size_t)(o.end - o.p) < 4)
		return -ENOSPC;
	crc = codec_crc32(0, start, (size_t)(o.p - start));
	codec_put_u32(&o, crc);
	b->len = (size_t)(o.p - b->mem);
	b->rec_open = 0; /* a sample after this record starts another */
	return 0;
}

/* Payloads are encoded in a scratch area: the largest (HEADER, with three
 * strings of up to 256 bytes and a 4096-byte cmdline) fits in 5 KiB. */
#define PAYLOAD_MAX 5120

static int logwrite_finish(struct logbuf *b, uint8_t type, uint8_t *scratch,
			   struct codec_out *o)
{
	if (o->overflow)
		return -ENOSPC;
	return logwrite_frame(b, type, scratch, (size_t)(o->p - scratch));
}

static int put_header(struct logbuf *b, const struct rt_header *h)
{
	/* Static, not on the stack: the header is encoded by a new root's
	 * constructor, on the host's stack, which may be a few KiB (ulimit
	 * -s); once per process, by one thread. */
	static uint8_t scratch[PAYLOAD_MAX];
	struct codec_out o = { scratch, scratch + sizeof(scratch), 0 };

	codec_put_str(&o, h->host, sizeof(h->host));          /* H1 */
	codec_put_str(&o, h->kernel, sizeof(h->kernel));      /* H2 */
	codec_put_str(&o, h->machine, sizeof(h->machine));    /* H3 */
	codec_put_varint(&o, h->ncpus);                       /* H4 */
	codec_put_varint(&o, h->clk_tck);                     /* H5 */
	codec_put_varint(&o, h->page_size);                   /* H6 */
	codec_put_varint(&o, h->boot_time_ns);                /* H7 */
	codec_put_varint(&o, h->pid);                         /* H8 */
	codec_put_varint(&o, h->start_ns);                    /* H9 */
	codec_put_varint(&o, h->interval_ns);                 /* H10 */
	codec_put_varint(&o, h->flags);                       /* H11 */
	codec_put_varint(&o, h->mem_mode);                    /* H12 */
	codec_put_str(&o, h->cmdline, sizeof(h->cmdline) - 1); /* H13 */
	return logwrite_finish(b, RT_REC_HEADER, scratch, &o);
}

/* S2, S8: the fields written.  Trailing fields that are missing and
 * whose chain value is 0 are left out: the reader gives them exactly that
 * (V2), and a log without GPU costs nothing for the GPU fields. */
static unsigned logwrite_nfields(const struct logbuf *b,
				 const struct rt_sample *s, int keyframe)
{
	unsigned n = RT_SAMPLE_NFIELDS;

	while (n > 0 && (s->missing >> (n - 1) & 1) &&
	       (keyframe || b->prev.v[n - 1] == 0))
		n--;
	return n;
}

/* Q10: a SAMPLES record takes samples while its payload is under this
 * much, so that a torn tail costs a few samples (about 4 at 10 Hz) and the
 * checksum each new sample recomputes stays short. */
#define SAMPLES_PAYLOAD_MAX 128

/* The body of one sample: at most 10 bytes a field as a varint (Q5), 86
 * bits as a residual (Q7: 16 + 6 + 64). */
#define SAMPLE_BODY_MAX (RT_SAMPLE_NFIELDS * 11 + 1)

/* Q5: the first sample of a keyframe record: the values of the present
 * fields.  next gets every field's model from them (missing ones: 0). */
static size_t logwrite_key_body(uint8_t *body, const struct rt_sample *s,
				uint64_t present, struct rt_pack_field *next)
{
	struct codec_out o = { body, body + SAMPLE_BODY_MAX, 0 };

	for (unsigned i = 0; i < RT_SAMPLE_NFIELDS; i++) {
		if (present >> i & 1)
			codec_put_varint(&o, s->v[i]);
		rt_pack_key(&next[i], present >> i & 1 ? s->v[i] : 0);
	}
	return (size_t)(o.p - body);
}

/* Q6, Q7: a packed sample, each present field's residual against the
 * chain in b with the record's parameters in next, which then moves on
 * (Q8). */
static size_t logwrite_bits_body(uint8_t *body, const struct logbuf *b,
				 const struct rt_sample *s, uint64_t present,
				 struct rt_pack_field *next)
{
	struct codec_bits_out o = { body, body + SAMPLE_BODY_MAX, 0, 0, 0 };

	for (unsigned i = 0; i < RT_SAMPLE_NFIELDS; i++) {
		struct rt_pack_field *f = &next[i];
		uint64_t d = s->v[i] - b->prev.v[i];
		uint64_t r = f->dod ? d - f->delta : d;
		uint64_t low = ((uint64_t)1 << f->shift) - 1;

		if (!(present >> i & 1))
			continue;
		codec_put_rice(&o, codec_zigzag((uint64_t)((int64_t)r >>
							    f->shift)),
			       f->k, (r & low) != 0, codec_zigzag(r));
		rt_pack_step(f, d, s->v[i]);
	}
	codec_bits_end(&o);
	if (o.p == body) /* Q6: no present field is one zero byte */
		*o.p++ = 0;
	return (size_t)(o.p - body);
}

/* Q1-Q4: a new SAMPLES record of one sample at the end of the batch. */
static int logwrite_samples_open(struct logbuf *b, int keyframe, unsigned n,
				 uint64_t missing, const uint8_t *body,
				 size_t blen)
{
	uint8_t scratch[3 * CODEC_VARINT_MAX + SAMPLE_BODY_MAX];
	struct codec_out o = { scratch, scratch + sizeof(scratch), 0 };
	size_t off = b->len;
	int rc;

	codec_put_varint(&o, keyframe ? 1 : 0);          /* Q1 */
	codec_put_varint(&o, n);                         /* Q2 */
	codec_put_varint(&o, missing);                   /* Q3 */
	codec_put_bytes(&o, body, blen);                 /* Q4 */
	rc = logwrite_finish(b, RT_REC_SAMPLES, scratch, &o);
	if (rc == 0) {
		b->rec_open = 1;
		b->rec_off = off;
		b->rec_plen = (size_t)(o.p - scratch);
		b->rec_n = n;
		b->rec_missing = missing;
	}
	return rc;
}

static unsigned varint_len(uint64_t v)
{
	unsigned n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/* Q10: the sample joins the SAMPLES record that ends the batch: its body
 * goes after the payload, the length and the checksum are made anew. */
static int logwrite_samples_join(struct logbuf *b, const uint8_t *body,
				 size_t blen)
{
	uint8_t *rec = b->mem + b->rec_off;
	size_t plen = b->rec_plen + blen;
	unsigned lv = varint_len(b->rec_plen), lv2 = varint_len(plen);
	size_t total = 1 + lv2 + plen + 4;
	struct codec_out o;

	if (b->cap - b->rec_off < total)
		return -ENOSPC;
	if (lv2 != lv)
		memmove(rec + 1 + lv2, rec + 1 + lv, b->rec_plen);
	memcpy(rec + 1 + lv2 + b->rec_plen, body, blen);
	o = (struct codec_out){ rec + 1, rec + 1 + lv2, 0 };
	codec_put_varint(&o, plen);
	o.end = rec + total;
	o.p = rec + 1 + lv2 + plen;
	codec_put_u32(&o, codec_crc32(0, rec, 1 + lv2 + plen));
	b->len = b->rec_off + total;
	b->rec_plen = plen;
	return 0;
}

/* Whether the open SAMPLES record ends the batch. */
static int logwrite_samples_last(const struct logbuf *b)
{
	return b->len == b->rec_off + 1 + varint_len(b->rec_plen) +
				 b->rec_plen + 4;
}

/* Whether a sample of layout n, missing may join the open record (Q10). */
static int logwrite_can_join(const struct logbuf *b, unsigned n,
			     uint64_t missing)
{
	return b->rec_open && logwrite_samples_last(b) && b->rec_n == n &&
	       b->rec_missing == missing && b->rec_plen < SAMPLES_PAYLOAD_MAX;
}

static int put_sample(struct logbuf *b, const struct rt_sample *s)
{
	uint8_t body[SAMPLE_BODY_MAX];
	struct rt_pack_field next[RT_SAMPLE_NFIELDS];
	int keyframe = !b->have_prev || b->since_key >= LOGWRITE_KEY_EVERY;
	int join;
	unsigned i, n = logwrite_nfields(b, s, keyframe);
	uint64_t written = n == 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1;
	uint64_t missing = s->missing & written, present = written & ~missing;
	size_t blen;
	int rc;

	if (!b->have_prev) { /* the chain's first sample: a model of zeros */
		memset(&b->prev, 0, sizeof(b->prev));
		memset(b->pack, 0, sizeof(b->pack));
	}
	join = !keyframe && logwrite_can_join(b, n, missing);
	memcpy(next, b->pack, sizeof(next));
	if (keyframe) {
		blen = logwrite_key_body(body, s, present, next);
	} else {
		if (!join) /* Q8: a new record's model and parameters */
			for (i = 0; i < RT_SAMPLE_NFIELDS; i++)
				if ((b->chain_present | present) >> i & 1)
					rt_pack_begin(&next[i],
						      (int)(b->chain_present >>
							    i & 1));
		blen = logwrite_bits_body(body, b, s, present, next);
	}
	if (join)
		rc = logwrite_samples_join(b, body, blen);
	else
		rc = logwrite_samples_open(b, keyframe, n, missing, body, blen);
	if (rc == 0) {
		/* S7: a missing field keeps the previous value in the chain. */
		struct rt_sample chain = *s;
		for (i = 0; i < RT_SAMPLE_NFIELDS; i++)
			if (s->missing >> i & 1)
				chain.v[i] = keyframe ? 0 : b->prev.v[i];
		b->prev = chain;
		memcpy(b->pack, next, sizeof(next));
		b->chain_present = present;
		b->have_prev = 1;
		b->since_key = keyframe ? 1 : b->since_key + 1;
	}
	return rc;
}

static void logwrite_reverse(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n / 2; i++) {
		uint8_t t = p[i];
		p[i] = p[n - 1 - i];
		p[n - 1 - i] = t;
	}
}

/* Q10: a record whose place among the samples means nothing (PROC: the
 * reader goes by its times) goes in front of the SAMPLES record still open
 * at the end of the batch, which stays open: a tree whose processes come
 * and go keeps its samples in a few records. */
static int logwrite_before_samples(struct logbuf *b, uint8_t type,
				   uint8_t *scratch, struct codec_out *o)
{
	int open = b->rec_open && logwrite_samples_last(b);
	size_t rec = b->rec_off, end = b->len;
	int rc = logwrite_finish(b, type, scratch, o);

	if (rc || !open)
		return rc;
	/* [rec, end) SAMPLES, [end, len) the new record: swap the two by
	 * three reversals, in place. */
	logwrite_reverse(b->mem + rec, end - rec);
	logwrite_reverse(b->mem + end, b->len - end);
	logwrite_reverse(b->mem + rec, b->len - rec);
	b->rec_off = rec + (b->len - end);
	b->rec_open = 1;
	return 0;
}

/* The fixed-layout records, encoded from their field lists (log.h): the
 * most a field takes, and how it is put. */
#define FIELD_MAX_U(r, f) CODEC_VARINT_MAX
#define FIELD_MAX_S(r, f) CODEC_VARINT_MAX
#define FIELD_MAX_OPT(r, f) CODEC_VARINT_MAX
#define FIELD_MAX_STR(r, f) (CODEC_VARINT_MAX + sizeof((r)->f))
#define FIELD_PUT_U(o, r, f) codec_put_varint(o, (r)->f)
#define FIELD_PUT_S(o, r, f) codec_put_svarint(o, (r)->f)
#define FIELD_PUT_OPT(o, r, f) codec_put_varint(o, (r)->f)
#define FIELD_PUT_STR(o, r, f) codec_put_str(o, (r)->f, sizeof((r)->f) - 1)
#define FIELD_MAX(f, kind) FIELD_MAX_##kind(r, f) +
#define FIELD_PUT(f, kind) FIELD_PUT_##kind(&o, r, f);

/* put_NAME(b, r): the record's payload from FIELDS, framed by FRAME. */
#define PUT_RECORD(name, type, fields, frame, rec)                            \
	static int put_##name(struct logbuf *b, const struct type *r)         \
	{                                                                     \
		uint8_t scratch[fields(FIELD_MAX) 0];                         \
		struct codec_out o = { scratch, scratch + sizeof(scratch), 0 }; \
                                                                              \
		fields(FIELD_PUT)                                             \
		return frame(b, rec, scratch, &o);                            \
	}

PUT_RECORD(proc, rt_proc, RT_PROC_FIELDS, logwrite_before_samples, RT_REC_PROC)
PUT_RECORD(exit, rt_exit, RT_EXIT_FIELDS, logwrite_finish,
	   r->flags & RT_EXIT_F_BRIEF ? RT_REC_BRIEF : RT_REC_EXIT)
PUT_RECORD(exec, rt_exec, RT_EXEC_FIELDS, logwrite_finish, RT_REC_EXEC)
PUT_RECORD(reaped, rt_reaped, RT_REAPED_FIELDS, logwrite_finish,
	   RT_REC_REAPED)
PUT_RECORD(end, rt_end, RT_END_FIELDS, logwrite_finish, RT_REC_END)

static int put_gpu_devices(struct logbuf *b, const struct rt_gpu_dev *d,
			   unsigned n)
{
	uint8_t scratch[8 + RT_GPU_MAX_DEVICES *
			(4 + 2 * (2 + RT_GPU_STR_MAX))];
	struct codec_out o = { scratch, scratch + sizeof(scratch), 0 };
	unsigned i;

	if (n > RT_GPU_MAX_DEVICES)
		return -EINVAL;
	codec_put_varint(&o, RT_GPU_DEVICES);               /* G1 */
	codec_put_varint(&o, n);                            /* G2 */
	for (i = 0; i < n; i++) {                           /* G3 */
		codec_put_varint(&o, d[i].source);
		codec_put_str(&o, d[i].name, sizeof(d[i].name) - 1);
		codec_put_str(&o, d[i].id, sizeof(d[i].id) - 1);
	}
	return logwrite_finish(b, RT_REC_GPU, scratch, &o);
}

/* G6 for one device: its missing mask, the mask of values that differ from
 * prev, and those differences.  next gets the chain's new values (a
 * missing value keeps the previous one, as S7). */
static void logwrite_gpu_dev(struct codec_out *o,
			     const struct rt_gpu_values *prev,
			     const struct rt_gpu_values *v,
			     struct rt_gpu_values *next)
{
	uint64_t changed = 0;
	unsigned i;

	next->missing = v->missing & (((uint64_t)1 << RT_GPU_NFIELDS) - 1);
	for (i = 0; i < RT_GPU_NFIELDS; i++) {
		next->v[i] = (next->missing >> i & 1) ? prev->v[i] : v->v[i];
		if (next->v[i] != prev->v[i])
			changed |= (uint64_t)1 << i;
	}
	codec_put_varint(o, next->missing);
	codec_put_varint(o, changed);
	for (i = 0; i < RT_GPU_NFIELDS; i++)
		if (changed >> i & 1)
			codec_put_svarint(o,
					  (int64_t)(next->v[i] - prev->v[i]));
}

static int put_gpu_values(struct logbuf *b, struct rt_gpu_chain *c,
			  const struct rt_gpu_values *v, unsigned n)
{
	uint8_t scratch[32 + RT_GPU_MAX_DEVICES *
			(2 + RT_GPU_NFIELDS) * CODEC_VARINT_MAX];
	struct codec_out o = { scratch, scratch + sizeof(scratch), 0 };
	static const struct rt_gpu_values zero;
	struct rt_gpu_values next[RT_GPU_MAX_DEVICES];
	int keyframe = !c->have_prev || c->n != n ||
		       c->since_key >= LOGWRITE_KEY_EVERY;
	unsigned i;
	int rc;

	if (n > RT_GPU_MAX_DEVICES)
		return -EINVAL;
	codec_put_varint(&o, RT_GPU_VALUES);                /* G1 */
	codec_put_varint(&o, keyframe ? 1 : 0);             /* G4 */
	codec_put_varint(&o, n);                            /* G5 */
	codec_put_varint(&o, RT_GPU_NFIELDS);               /* G6 */
	for (i = 0; i < n; i++)                             /* G6, G7 */
		logwrite_gpu_dev(&o, keyframe ? &zero : &c->prev[i], &v[i],
				 &next[i]);
	rc = logwrite_finish(b, RT_REC_GPU, scratch, &o);
	if (rc == 0) {
		memcpy(c->prev, next, n * sizeof(next[0]));
		c->n = n;
		c->have_prev = 1;
		c->since_key = keyframe ? 1 : c->since_key + 1;
	}
	return rc;
}

/* ---- the records, each tried again after logwrite_room ---- */

/* logwrite_NAME(PARAMS): put_NAME(ARGS), and once more after the batch's
 * owner emptied it when it had no room. */
#define LOGWRITE_RETRIED(name, params, args)                                 \
	int logwrite_##name params                                            \
	{                                                                     \
		int rc = put_##name args;                                     \
                                                                              \
		return rc == -ENOSPC && logwrite_room(b) ? put_##name args    \
							 : rc;                \
	}

LOGWRITE_RETRIED(preamble, (struct logbuf *b), (b))
LOGWRITE_RETRIED(header, (struct logbuf *b, const struct rt_header *h), (b, h))
LOGWRITE_RETRIED(sample, (struct logbuf *b, const struct rt_sample *s), (b, s))
LOGWRITE_RETRIED(proc, (struct logbuf *b, const struct rt_proc *p), (b, p))
LOGWRITE_RETRIED(exit, (struct logbuf *b, const struct rt_exit *x), (b, x))
LOGWRITE_RETRIED(exec, (struct logbuf *b, const struct rt_exec *x), (b, x))
LOGWRITE_RETRIED(reaped, (struct logbuf *b, const struct rt_reaped *r), (b, r))
LOGWRITE_RETRIED(end, (struct logbuf *b, const struct rt_end *e), (b, e))
LOGWRITE_RETRIED(gpu_devices, (struct logbuf *b, const struct rt_gpu_dev *d,
			       unsigned n), (b, d, n))
LOGWRITE_RETRIED(gpu_values, (struct logbuf *b, struct rt_gpu_chain *c,
			      const struct rt_gpu_values *v, unsigned n),
		 (b, c, v, n))

int logwrite_gpu(struct logbuf *b, struct rt_gpu_chain *c,
		 const struct rt_gpu_dev *d, const struct rt_gpu_values *v,
		 unsigned n)
{
	int rc;

	if (!n)
		return 0;
	if (!c->devices_written) {
		rc = logwrite_gpu_devices(b, d, n);
		if (rc < 0)
			return rc;
		c->devices_written = 1;
	}
	return logwrite_gpu_values(b, c, v, n);
}

/* A write that failed part way (a full disk) leaves the first done bytes
 * of its records: taken back when nothing was appended after them (the
 * descriptor's offset, O_APPEND, is the file's end), so that the log ends
 * with whole records and a decoder reads it without damage.  After
 * another process's append they stay, a damaged record in mid-file.  An
 * append between the fstat and the ftruncate would be cut: only for a
 * full disk, where the other writers' appends fail too (unless space is
 * freed in that moment). */
static void logfile_take_back(int fd, size_t done)
{
	off_t end = lseek(fd, 0, SEEK_CUR);
	struct stat sb;

	if (end >= (off_t)done && fstat(fd, &sb) == 0 && sb.st_size == end)
		(void)ftruncate(fd, end - (off_t)done);
}

/* A write past RLIMIT_FSIZE raises SIGXFSZ in the writing thread, which
 * kills the host by default: the log is full instead (-EFBIG), no signal.
 * size is the file's before the write.  Under a finite limit the write
 * runs with SIGXFSZ blocked (another writer may have appended since the
 * size was read), and a SIGXFSZ that the write raised is taken back. */
static int logfile_write_limited(int fd, off_t size, const uint8_t *buf,
				 size_t len)
{
	struct rlimit rl;
	size_t done = 0;
	int rc;

	if (getrlimit(RLIMIT_FSIZE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		rc = text_write_all(fd, buf, len, &done);
	else if (size < 0 || (uint64_t)size + len > (uint64_t)rl.rlim_cur)
		return -EFBIG;
	else
		rc = text_write_nosignal(fd, buf, len, &done);
	/* A full disk or quota fails every writer alike; a file size limit
	 * is the process's own, and another writer may append meanwhile. */
	if ((rc == -ENOSPC || rc == -EDQUOT) && done)
		logfile_take_back(fd, done);
	return rc;
}

/* Whether fd is the log that was created (L1 of logwrite.h): a regular
 * file; when id is known, the same one, starting with the magic (a file
 * made after the log was deleted may get its inode number).  Its size
 * into *size. */
static int logfile_is_ours(int fd, const struct logfile_id *id, off_t *size)
{
	uint8_t magic[RT_LOG_MAGIC_LEN];
	struct stat sb;

	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
		return 0;
	*size = sb.st_size;
	if (!id || !id->known)
		return 1;
	return (uint64_t)sb.st_dev == id->dev && (uint64_t)sb.st_ino == id->ino &&
	       (uint32_t)sb.st_uid == id->uid &&
	       pread(fd, magic, sizeof(magic), 0) == (ssize_t)sizeof(magic) &&
	       memcmp(magic, RT_LOG_MAGIC, sizeof(magic)) == 0;
}

/* Open the log to append, never blocking (a FIFO swapped in has no
 * reader) and never through a symlink: -errno, -ESTALE when it is not
 * the file created. */
static int logfile_open_ours(const char *path, int flags,
			     const struct logfile_id *id, off_t *size)
{
	/* Read and write: the magic is read back (logfile_is_ours). */
	int fd = text_open(path, flags | O_RDWR | O_APPEND | O_NOFOLLOW |
					 O_NONBLOCK);

	if (fd >= 0 && !logfile_is_ours(fd, id, size)) {
		text_close(fd);
		fd = -ESTALE;
	}
	return fd;
}

int logfile_create(const char *path, const struct logbuf *b,
		   struct logfile_id *id)
{
	int saved = errno, rc, fd;
	off_t size = 0;
	struct stat sb;

	fd = logfile_open_ours(path, O_CREAT | O_EXCL, NULL, &size);
	if (fd < 0) {
		rc = fd;
	} else {
		rc = logfile_write_limited(fd, 0, b->mem, b->len);
		if (fstat(fd, &sb) == 0) {
			id->dev = (uint64_t)sb.st_dev;
			id->ino = (uint64_t)sb.st_ino;
			id->uid = (uint32_t)sb.st_uid;
			id->known = 1;
		}
		text_close(fd);
		if (rc < 0)
			unlink(path); /* not even the header: no log */
	}
	errno = saved;
	return rc;
}

int logfile_append(const char *path, const struct logfile_id *id,
		   const struct logbuf *b)
{
	int saved = errno, rc, fd;
	off_t size = 0;

	if (b->len == 0)
		return 0;
	fd = logfile_open_ours(path, 0, id, &size);
	if (fd < 0) {
		rc = fd;
	} else {
		rc = logfile_write_limited(fd, size, b->mem, b->len);
		/* A regular file's close reports nothing the write did not. */
		text_close(fd);
	}
	errno = saved;
	return rc;
}

int logfile_open(const char *path, const struct logfile_id *id)
{
	int saved = errno;
	off_t size;
	int fd = logfile_open_ours(path, 0, id, &size);

	errno = saved;
	return fd;
}

int logfile_fd_is(int fd, const struct logfile_id *id)
{
	int saved = errno, ours;
	off_t size;

	ours = id && id->known && logfile_is_ours(fd, id, &size);
	errno = saved;
	return ours;
}

int logfile_append_fd(int fd, const struct logbuf *b)
{
	int saved = errno, rc;
	struct stat sb;

	if (b->len == 0)
		return 0;
	rc = fstat(fd, &sb) == 0 ?
		     logfile_write_limited(fd, sb.st_size, b->mem, b->len) :
		     -errno;
	errno = saved;
	return rc;
}

/* The POSIX ACL as the kernel stores it (linux/posix_acl_xattr.h): a
 * version, then entries in order of tag, and of id within ACL_USER. */
#define ACL_XATTR "system.posix_acl_access"
#define ACL_VERSION 2
#define ACL_MAX 32
enum { ACL_USER_OBJ = 0x01, ACL_USER = 0x02, ACL_GROUP_OBJ = 0x04,
       ACL_GROUP = 0x08, ACL_MASK = 0x10, ACL_OTHER = 0x20 };
#define ACL_NO_ID 0xffffffffu

struct acl_entry {
	uint16_t tag, perm;
	uint32_t id;
};

static int acl_read(int fd, const struct stat *sb, struct acl_entry *e)
{
	uint8_t buf[4 + 8 * ACL_MAX];
	ssize_t n = fgetxattr(fd, ACL_XATTR, buf, sizeof(buf));
	uint32_t v;
	int k = 0;

	if (n < 0 && errno == ENODATA) { /* the mode alone */
		e[0] = (struct acl_entry){ ACL_USER_OBJ, (sb->st_mode >> 6) & 7,
					   ACL_NO_ID };
		e[1] = (struct acl_entry){ ACL_GROUP_OBJ, (sb->st_mode >> 3) & 7,
					   ACL_NO_ID };
		e[2] = (struct acl_entry){ ACL_OTHER, sb->st_mode & 7, ACL_NO_ID };
		return 3;
	}
	if (n < 4 || (n - 4) % 8)
		return n < 0 ? -errno : -EINVAL;
	memcpy(&v, buf, 4);
	if (le32toh(v) != ACL_VERSION)
		return -EINVAL;
	for (ssize_t o = 4; o < n; o += 8, k++) {
		uint16_t t, p;

		memcpy(&t, buf + o, 2);
		memcpy(&p, buf + o + 2, 2);
		memcpy(&v, buf + o + 4, 4);
		e[k] = (struct acl_entry){ le16toh(t), le16toh(p), le32toh(v) };
	}
	return k;
}

static int acl_write(int fd, const struct acl_entry *e, int k)
{
	uint8_t buf[4 + 8 * (ACL_MAX + 2)];
	uint32_t v = htole32(ACL_VERSION);

	memcpy(buf, &v, 4);
	for (int i = 0; i < k; i++) {
		uint16_t t = htole16(e[i].tag), p = htole16(e[i].perm);

		v = htole32(e[i].id);
		memcpy(buf + 4 + 8 * i, &t, 2);
		memcpy(buf + 6 + 8 * i, &p, 2);
		memcpy(buf + 8 + 8 * i, &v, 4);
	}
	return fsetxattr(fd, ACL_XATTR, buf, 4 + 8 * (size_t)k, 0) == 0 ? 0
									: -errno;
}

/* Entry uid (read and write) in e's place among the ACL_USER entries, and
 * the mask (which a named entry needs) widened to let it through; or the
 * entry taken out.  1 when changed. */
static int acl_edit(struct acl_entry *e, int *k, uint32_t uid, int add)
{
	int at = 0, mask = -1, found = -1;

	for (int i = 0; i < *k; i++) {
		if (e[i].tag == ACL_USER && e[i].id == uid)
			found = i;
		if (e[i].tag < ACL_USER ||
		    (e[i].tag == ACL_USER && e[i].id < uid))
			at = i + 1;
		if (e[i].tag == ACL_MASK)
			mask = i;
	}
	if (!add) {
		if (found < 0)
			return 0;
		memmove(&e[found], &e[found + 1],
			(size_t)(*k - found - 1) * sizeof(*e));
		(*k)--;
		return 1;
	}
	if (found >= 0)
		return 0;
	if (*k + 2 > ACL_MAX)
		return -ENOSPC;
	memmove(&e[at + 1], &e[at], (size_t)(*k - at) * sizeof(*e));
	e[at] = (struct acl_entry){ ACL_USER, 6, uid };
	(*k)++;
	if (mask >= at)
		mask++;
	if (mask < 0) { /* before ACL_OTHER, the last */
		memmove(&e[*k], &e[*k - 1], sizeof(*e));
		mask = *k - 1;
		/* The group class as it was: the owning group's bits. */
		e[mask] = (struct acl_entry){ ACL_MASK, 0, ACL_NO_ID };
		for (int i = 0; i < *k; i++)
			if (e[i].tag == ACL_GROUP_OBJ)
				e[mask].perm = e[i].perm;
		(*k)++;
	}
	e[mask].perm |= 6;
	return 1;
}

int logfile_grant(const char *path, const struct logfile_id *id,
		  uint32_t uid, int add)
{
	struct acl_entry e[ACL_MAX + 2];
	int saved = errno, fd, k, rc;
	off_t size;
	struct stat sb;

	fd = logfile_open_ours(path, 0, id, &size);
	if (fd < 0)
		return fd;
	rc = fstat(fd, &sb) == 0 ? 0 : -errno;
	k = rc < 0 ? rc : acl_read(fd, &sb, e);
	if (k < 0)
		rc = k;
	else if ((rc = acl_edit(e, &k, uid, add)) > 0 &&
		 (k = acl_write(fd, e, k)) < 0)
		rc = k;
	text_close(fd);
	errno = saved;
	return rc;
}
