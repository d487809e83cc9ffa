/* logwrite.h - encode log records (lib/format/FORMAT.md) into a caller-owned
 * buffer, and move whole batches of them to the log file.  No malloc, no
 * stdio: the sampler thread calls it inside any host. */
#ifndef RTRACK_LOGWRITE_H
#define RTRACK_LOGWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "log.h"

/* The batch's fields first, the sample chain's model (2 KiB) last:
 * logwrite_init leaves the model alone (the first sample clears it), so
 * that a logbuf which only ever holds an exit record (preload/descendant.c,
 * in every short process of a job) touches its first hundred bytes, not
 * another page. */
struct logbuf {
	uint8_t *mem;
	size_t cap, len;
	/* The SAMPLES record that later samples may join (Q10): at mem +
	 * rec_off, rec_plen bytes of payload, its layout rec_n and
	 * rec_missing; open until another record but a PROC (which goes in
	 * front of it) or logwrite_clear. */
	int rec_open;
	size_t rec_off, rec_plen;
	unsigned rec_n;
	uint64_t rec_missing;
	/* logwrite_on_full: how the owner empties the batch; NULL: never. */
	void (*empty)(void *ctx);
	void *empty_ctx;
	int have_prev;         /* 0 until the first sample: keyframe (S6) */
	unsigned since_key;    /* samples since the last keyframe */
	/* The fields present in the chain's last SAMPLES record (whose
	 * samples the next record folds into the model). */
	uint64_t chain_present;
	/* The model: undefined until the first sample (have_prev 0). */
	struct rt_sample prev; /* last sample encoded: the delta base (S5) */
	struct rt_pack_field pack[RT_SAMPLE_NFIELDS]; /* FORMAT.md Q8 */
};

/* A chain of deltas restarts with a keyframe at least every this many
 * samples (and GPU VALUES records), so that damage in the middle of a log
 * costs the samples up to the next keyframe, not all the rest: a reader
 * can decode nothing of a chain whose base it lost. */
#define LOGWRITE_KEY_EVERY 512

/* Use mem[0..cap) as the batch buffer; the first sample will be a keyframe. */
void logwrite_init(struct logbuf *b, uint8_t *mem, size_t cap);

/* "Flush when full": a record that does not fit calls empty(ctx), which
 * must write the batch out and logwrite_clear it (whether the write
 * worked or not), and goes in again.  Without it a full batch refuses
 * the record with -ENOSPC. */
void logwrite_on_full(struct logbuf *b, void (*empty)(void *ctx), void *ctx);

/* Append the preamble (F1) / one record to the batch.  Each returns 0, or
 * -ENOSPC when it does not fit even in an emptied batch (or there is no
 * logwrite_on_full), leaving the batch and the delta base as they were.  A sample joins the SAMPLES record that ends
 * the batch when it can, and a PROC record goes in front of that record
 * (FORMAT.md Q10); the batch always holds whole, checksummed records. */
int logwrite_preamble(struct logbuf *b);
int logwrite_header(struct logbuf *b, const struct rt_header *h);
int logwrite_sample(struct logbuf *b, const struct rt_sample *s);
int logwrite_proc(struct logbuf *b, const struct rt_proc *p);
int logwrite_end(struct logbuf *b, const struct rt_end *e);
int logwrite_exit(struct logbuf *b, const struct rt_exit *x);
int logwrite_exec(struct logbuf *b, const struct rt_exec *x);
int logwrite_reaped(struct logbuf *b, const struct rt_reaped *r);

/* The delta base of GPU VALUES records (FORMAT.md G7).  Kept by whoever
 * writes the GPU records, apart from the batch: a zeroed chain writes the
 * inventory again and makes the next VALUES record a keyframe, as a fresh
 * process image needs. */
struct rt_gpu_chain {
	struct rt_gpu_values prev[RT_GPU_MAX_DEVICES];
	unsigned n;    /* devices in prev */
	int have_prev; /* 0 until the first VALUES record */
	unsigned since_key; /* VALUES records since the last keyframe */
	int devices_written; /* the DEVICES record went in (logwrite_gpu) */
};

/* GPU records (FORMAT.md G): the device inventory, and the n devices'
 * values of this moment, delta encoded against c (updated only when the
 * record went in).  n is at most RT_GPU_MAX_DEVICES (else -EINVAL).  0 or
 * -ENOSPC as above. */
int logwrite_gpu_devices(struct logbuf *b, const struct rt_gpu_dev *d,
			 unsigned n);
int logwrite_gpu_values(struct logbuf *b, struct rt_gpu_chain *c,
			const struct rt_gpu_values *v, unsigned n);

/* One sample's GPU records for n devices (0: none, nothing written): the
 * inventory d before the first values (once per chain c), then the
 * values v.  0, or the first error of the two calls. */
int logwrite_gpu(struct logbuf *b, struct rt_gpu_chain *c,
		 const struct rt_gpu_dev *d, const struct rt_gpu_values *v,
		 unsigned n);

/* Forget the batch once it has been written; the delta base is kept (the
 * next sample starts a SAMPLES record of the next batch). */
static inline void logwrite_clear(struct logbuf *b)
{
	b->len = 0;
	b->rec_open = 0;
}

/* The log file, as rtrack writes it (L1-L3 hold for every function below):
 * L1. Only into the file that was created: opened with O_NOFOLLOW and
 *     O_NONBLOCK (a FIFO swapped in never blocks the writer), and written
 *     only when it is a regular file with the created log's device, inode
 *     and owner (struct logfile_id, carried to descendants in RTRACK_ROOT);
 *     anything else is -ESTALE and the record is dropped.
 * L2. Never a signal in the writing thread: past RLIMIT_FSIZE the log is
 *     full (-EFBIG), no SIGXFSZ.
 * L3. One write() per batch on an O_APPEND descriptor (FORMAT.md F3);
 *     errno kept; 0 or -errno. */
struct logfile_id {
	uint64_t dev, ino;
	uint32_t uid;
	int known; /* 0: only "a regular file" is checked */
};

/* Create the log: O_CREAT|O_EXCL, mode 0600, so an existing file or a
 * symlink is never overwritten or followed; the batch (the preamble and
 * header) in one write; *id filled.  A log whose header cannot be written
 * is removed again. */
int logfile_create(const char *path, const struct logbuf *b,
		   struct logfile_id *id);

/* Append the batch on a descriptor opened for this call and closed after
 * it, so a descriptor number the host reused is never written. */
int logfile_append(const char *path, const struct logfile_id *id,
		   const struct logbuf *b);

/* For a writer whose descriptors no other code can close or reuse (the
 * sampler's private descriptor table): open the log once and append
 * batches to it.  The descriptor keeps working after the host changes its
 * root directory or its user, or the path is replaced. */
int logfile_open(const char *path, const struct logfile_id *id);
int logfile_append_fd(int fd, const struct logbuf *b);
/* Whether fd is the log created (L1), as logfile_open checks it. */
int logfile_fd_is(int fd, const struct logfile_id *id);

/* Let user uid open the log to read and write (add 1), or take that back
 * (add 0): an entry of the log's POSIX ACL, the owner and mode as they
 * were, so the log stays the one created (L1) for every process that
 * checks it.  For a job that turns from root into another user (its
 * descendants then open the log as that user).  Only the log's owner (or
 * root) may; on a filesystem without ACLs, -EOPNOTSUPP.  1 when add put
 * in an entry that was not there, 0 when nothing changed, -errno. */
int logfile_grant(const char *path, const struct logfile_id *id,
		  uint32_t uid, int add);

#endif
