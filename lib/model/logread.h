/* logread.h - decode an rtrack log (lib/format/FORMAT.md) into memory.  The reader
 * treats its input as hostile: every read is bounded, unknown record types
 * are skipped, and damaged bytes are skipped to the next whole record
 * (FORMAT.md D), each stretch reported with its offsets. */
#ifndef RTRACK_LOGREAD_H
#define RTRACK_LOGREAD_H

#include <stddef.h>
#include <stdint.h>

#include "log.h"

/* One GPU VALUES record: the values of its devices at the moment of a
 * sample (FORMAT.md G8). */
struct rt_gpu_sample {
	size_t sample;  /* index in samples of the SAMPLE it belongs to */
	size_t first;   /* its devices are gpu_vals[first .. first + n) */
	unsigned n;
};

/* A stretch of damaged bytes (FORMAT.md D1): [start, end), end where
 * whole records start again (D2) or the end of the file. */
struct rt_damage {
	uint64_t start, end;
	char why[48];
};

struct rt_log {
	unsigned version_major, version_minor;
	struct rt_header hdr;
	struct rt_sample *samples; /* absolute values, in file order */
	size_t nsamples;
	struct rt_proc *procs;     /* in file order */
	size_t nprocs;
	struct rt_exit *exits;     /* descendants' exit records, file order */
	size_t nexits;
	struct rt_exec *execs;     /* the root's execs, file order */
	size_t nexecs;
	struct rt_reaped *reaps;   /* children killed by a signal, as the
				    * process of the job that reaped them
				    * saw them (W8 bit 1, 1.5), file order */
	size_t nreaps;
	struct rt_gpu_dev gpu_devs[RT_GPU_MAX_DEVICES]; /* last inventory */
	unsigned ngpu_devs;
	struct rt_gpu_values *gpu_vals; /* absolute, every record's devices */
	size_t ngpu_vals;
	struct rt_gpu_sample *gpu_samples; /* one per VALUES record, in order */
	size_t ngpu_samples;
	int has_end;               /* an END record was read */
	struct rt_end end;
	int has_reaped;            /* a REAPED record of this root was read
				    * (the wrapper's, FORMAT.md W; 1.4) */
	struct rt_reaped reaped;
	int damaged;               /* damage was found, or decoding stopped
				    * early (damage_memory) */
	uint64_t damage_offset;    /* file offset of the first bad byte, or
				    * where decoding stopped for memory */
	char damage[160];          /* what was wrong there */
	int damage_memory;         /* not damage: decoding stopped there for
				    * want of memory (logread_buf_budget) */
	int damage_tail;           /* the one damage is a cut last record:
				    * nothing after it was lost (a writer
				    * killed mid-write); other damage may
				    * hide an end record */
	struct rt_damage *damages; /* every damaged stretch, in file order:
				    * decoding goes on after each (D2) */
	size_t ndamages;
	size_t unchained;          /* whole SAMPLE(S) records after damage
				    * not decoded: their chain's base was in
				    * it (D3) */
	size_t unchained_gpu;      /* the same of GPU VALUES records */
	uint64_t decoded_end;      /* file offset where decoding ended: past
				    * the last byte read, where undamaged */
};

/* Decode `len` bytes.  Returns 0 when the header was decoded (the log may
 * still be damaged: see log->damaged), or -1 when the input is not usable
 * at all (not a log, newer major version, no header), with a one-line
 * reason in err.  On 0 the caller owns log and frees it with logread_free. */
int logread_buf(const uint8_t *buf, size_t len, struct rt_log *log,
		char *err, size_t errlen);

/* As logread_buf, with the decoded arrays held to `budget` bytes
 * together: past it decoding stops as at damage (damage_memory set),
 * everything before kept. */
int logread_buf_budget(const uint8_t *buf, size_t len, size_t budget,
		       struct rt_log *log, char *err, size_t errlen);

/* logread_file's answer for a file that may yet become a log (--follow
 * waits for it): it ends before its preamble and header record are whole
 * (empty, say).  A reason is in err as for -1. */
#define LOGREAD_NOT_YET (-2)

/* Read and decode a file within three quarters of the memory the machine,
 * this process's cgroup and its address-space limit leave it
 * (headroom_bytes; at least 64 MiB, but never past the address-space
 * limit): the file's bytes, at most half of that, and their decoding, the
 * rest.  The preamble is read and checked first.  Only a regular file or
 * a FIFO with a writer (a pipe) is read: anything else is refused without
 * being read (FORMAT.md D5), a FIFO without a writer without waiting for
 * one.  A hole that runs to the end of the file is not read: its zeros are
 * the log's tail.  Returns 0 (see logread_buf), -1 with a one-line reason
 * (strerror text, "not a regular file (a FIFO)", "not an rtrack log ..."),
 * or LOGREAD_NOT_YET. */
int logread_file(const char *path, struct rt_log *log, char *err,
		 size_t errlen);

/* As logread_file, with budget bytes in all instead of what the headroom
 * allows (0: that).  A file larger than half the budget is read up to
 * there and stops as for memory. */
int logread_file_budget(const char *path, size_t budget, struct rt_log *log,
			char *err, size_t errlen);

/* A step after decoding that builds from log's records could not finish
 * (why: "out of memory"): noted as the log's damage at decoded_end, unless
 * the log says it is damaged already.  The records stay as they are. */
void logread_note_damage(struct rt_log *log, const char *why);

/* Frees log's arrays (its records and damaged stretches), leaving them
 * empty. */
void logread_free(struct rt_log *log);

#endif
