/* logwrite.c - the log encoder: records into a batch, batches into the file. */
#include "logwrite.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "codec.h"
#include "text.h"

void logwrite_init(struct logbuf *b, uint8_t *mem, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->mem = mem;
	b->cap = cap;
}

int logwrite_preamble(struct logbuf *b)
{
	struct codec_out o = { b->mem + b->len, b->mem + b->cap, 0 };

	codec_put_bytes(&o, RT_LOG_MAGIC, RT_LOG_MAGIC_LEN);
	codec_put_u16(&o, RT_LOG_VERSION_MAJOR);
	codec_put_u16(&o, RT_LOG_VERSION_MINOR);
	if (o.overflow)
		return -ENOSPC;
	b->len += RT_LOG_PREAMBLE_LEN;
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

int logwrite_header(struct logbuf *b, const struct rt_header *h)
{
	uint8_t scratch[PAYLOAD_MAX];
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

int logwrite_sample(struct logbuf *b, const struct rt_sample *s)
{
	uint8_t scratch[16 + RT_SAMPLE_NFIELDS * CODEC_VARINT_MAX];
	struct codec_out o = { scratch, scratch + sizeof(scratch), 0 };
	int keyframe = !b->have_prev;
	unsigned i, n = logwrite_nfields(b, s, keyframe);
	uint64_t written = n == 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1;
	int rc;

	codec_put_varint(&o, keyframe ? 1 : 0);          /* S1 */
	codec_put_varint(&o, n);                         /* S2 */
	codec_put_varint(&o, s->missing & written);      /* S3 */
	for (i = 0; i < n; i++) {                        /* S4, S5, S7 */
		uint64_t base = keyframe ? 0 : b->prev.v[i];
		uint64_t v = (s->missing >> i & 1) ? base : s->v[i];
		codec_put_svarint(&o, (int64_t)(v - base));
	}
	rc = logwrite_finish(b, RT_REC_SAMPLE, scratch, &o);
	if (rc == 0) {
		/* S7: a missing field keeps the previous value in the chain. */
		struct rt_sample next = *s;
		for (i = 0; i < RT_SAMPLE_NFIELDS; i++)
			if (s->missing >> i & 1)
				next.v[i] = keyframe ? 0 : b->prev.v[i];
		b->prev = next;
		b->have_prev = 1;
	}
	return rc;
}

int logwrite_proc(struct logbuf *b, const struct rt_proc *p)
{
	uint8_t scratch[16 * CODEC_VARINT_MAX + sizeof(p->cmdline)];
	struct codec_out o = { scratch, scratch + sizeof(scratch), 0 };

	codec_put_varint(&o, p->pid);              /* C1 */
	codec_put_varint(&o, p->ppid);             /* C2 */
	codec_put_varint(&o, p->start_ns);         /* C3 */
	codec_put_varint(&o, p->first_seen_ns);    /* C4 */
	codec_put_varint(&o, p->last_seen_ns);     /* C5 */
	codec_put_varint(&o, p->utime_ticks);      /* C6 */
	codec_put_varint(&o, p->stime_ticks);      /* C7 */
	codec_put_varint(&o, p->hwm_kib);          /* C8 */
	codec_put_varint(&o, p->read_bytes);       /* C9 */
	codec_put_varint(&o, p->write_bytes);      /* C10 */
	codec_put_varint(&o, p->flags);            /* C11 */
	codec_put_svarint(&o, p->exit_code);       /* C12 */
	codec_put_str(&o, p->cmdline, sizeof(p->cmdline) - 1); /* C13 */
	codec_put_varint(&o, p->starttime_ticks);  /* C14 */
	return logwrite_finish(b, RT_REC_PROC, scratch, &o);
}

int logwrite_exit(struct logbuf *b, const struct rt_exit *x)
{
	uint8_t scratch[16 * CODEC_VARINT_MAX + sizeof(x->cmdline)];
	struct codec_out o = { scratch, scratch + sizeof(scratch), 0 };

	codec_put_varint(&o, x->pid);              /* X1 */
	codec_put_varint(&o, x->ppid);             /* X2 */
	codec_put_varint(&o, x->starttime_ticks);  /* X3 */
	codec_put_varint(&o, x->end_ns);           /* X4 */
	codec_put_varint(&o, x->utime_us);         /* X5 */
	codec_put_varint(&o, x->stime_us);         /* X6 */
	codec_put_varint(&o, x->hwm_kib);          /* X7 */
	codec_put_varint(&o, x->read_bytes);       /* X8 */
	codec_put_varint(&o, x->write_bytes);      /* X9 */
	codec_put_varint(&o, x->exit_kind);        /* X10 */
	codec_put_svarint(&o, x->exit_value);      /* X11 */
	codec_put_varint(&o, x->flags);            /* X12 */
	codec_put_str(&o, x->cmdline, sizeof(x->cmdline) - 1); /* X13 */
	return logwrite_finish(b, RT_REC_EXIT, scratch, &o);
}

int logwrite_exec(struct logbuf *b, const struct rt_exec *x)
{
	uint8_t scratch[4 * CODEC_VARINT_MAX + sizeof(x->cmdline)];
	struct codec_out o = { scratch, scratch + sizeof(scratch), 0 };

	codec_put_varint(&o, x->time_ns);          /* J1 */
	codec_put_varint(&o, x->pid);              /* J2 */
	codec_put_str(&o, x->cmdline, sizeof(x->cmdline) - 1); /* J3 */
	return logwrite_finish(b, RT_REC_EXEC, scratch, &o);
}

int logwrite_end(struct logbuf *b, const struct rt_end *e)
{
	uint8_t scratch[12 * CODEC_VARINT_MAX];
	struct codec_out o = { scratch, scratch + sizeof(scratch), 0 };

	codec_put_varint(&o, e->time_ns);            /* E1 */
	codec_put_varint(&o, e->exit_kind);          /* E2 */
	codec_put_svarint(&o, e->exit_value);        /* E3 */
	codec_put_varint(&o, e->self_utime_us);      /* E4 */
	codec_put_varint(&o, e->self_stime_us);      /* E5 */
	codec_put_varint(&o, e->children_utime_us);  /* E6 */
	codec_put_varint(&o, e->children_stime_us);  /* E7 */
	codec_put_varint(&o, e->self_maxrss_kib);    /* E8 */
	codec_put_varint(&o, e->children_maxrss_kib); /* E9 */
	codec_put_varint(&o, e->tracker_cpu_ns);     /* E10 */
	codec_put_varint(&o, e->samples);            /* E11 */
	return logwrite_finish(b, RT_REC_END, scratch, &o);
}

int logwrite_gpu_devices(struct logbuf *b, const struct rt_gpu_dev *d,
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

int logwrite_gpu_values(struct logbuf *b, struct rt_gpu_chain *c,
			const struct rt_gpu_values *v, unsigned n)
{
	uint8_t scratch[32 + RT_GPU_MAX_DEVICES *
			(2 + RT_GPU_NFIELDS) * CODEC_VARINT_MAX];
	struct codec_out o = { scratch, scratch + sizeof(scratch), 0 };
	static const struct rt_gpu_values zero;
	struct rt_gpu_values next[RT_GPU_MAX_DEVICES];
	int keyframe = !c->have_prev || c->n != n;
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
	}
	return rc;
}

/* Write all of buf: a regular file takes it in one write() unless the disk
 * fills or a signal interrupts; the loop covers those. */
static int logfile_write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int logfile_write(const char *path, int flags, const struct logbuf *b)
{
	int saved = errno, rc, fd;

	fd = text_open(path, flags | O_WRONLY | O_APPEND | O_NOFOLLOW);
	if (fd < 0) {
		rc = fd;
	} else {
		rc = logfile_write_all(fd, b->mem, b->len);
		/* A regular file's close reports nothing the write did not. */
		text_close(fd);
	}
	errno = saved;
	return rc;
}

int logfile_create(const char *path, const struct logbuf *b)
{
	return logfile_write(path, O_CREAT | O_EXCL, b);
}

int logfile_append(const char *path, const struct logbuf *b)
{
	if (b->len == 0)
		return 0;
	return logfile_write(path, 0, b);
}

int logfile_open(const char *path)
{
	int saved = errno;
	int fd = text_open(path, O_WRONLY | O_APPEND | O_NOFOLLOW);

	errno = saved;
	return fd;
}

int logfile_append_fd(int fd, const struct logbuf *b)
{
	int saved = errno, rc;

	if (b->len == 0)
		return 0;
	rc = logfile_write_all(fd, b->mem, b->len);
	errno = saved;
	return rc;
}
