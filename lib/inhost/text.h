/* text.h - bounded parsing of the small text files of /proc and /sys, and
 * reading such a file whole.  No stdio, no malloc, no locale: the sampler
 * thread uses these inside any host.  Every parser takes an end pointer and
 * never reads at or past it. */
#ifndef RTRACK_TEXT_H
#define RTRACK_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Parse decimal digits at s (no sign, no leading blanks).  On success
 * stores the value and, when next is not NULL, the first byte after the
 * digits; returns 0.  -EINVAL when s holds no digit, -ERANGE on overflow;
 * *out untouched then. */
int text_parse_u64(const char *s, const char *end, uint64_t *out,
		   const char **next);

/* First byte at or after s that is not a space or a tab (or end). */
const char *text_skip_blanks(const char *s, const char *end);

/* First byte after the next '\n' at or after s (or end). */
const char *text_next_line(const char *s, const char *end);

/* Find the line that starts with `key` (e.g. "VmHWM:") and parse the number
 * that follows it after blanks.  Returns 0, -ENOENT when no line starts
 * with key, -EINVAL when the number is malformed. */
int text_key_u64(const char *buf, size_t len, const char *key, uint64_t *out);

/* Write all of buf to fd (a write interrupted by a signal goes on).
 * Returns 0 or -errno (-EIO for a write of nothing); *done (when given)
 * grows by what reached the file, a failed write's first part too. */
int text_write_all(int fd, const void *buf, size_t len, size_t *done);

/* The same for n pieces gathered by writev (iov is advanced past what a
 * short write took): one system call, and a line that fits the pipe's
 * buffer reaches it whole, never torn by the host's own writes. */
struct iovec;
int text_writev_all(int fd, struct iovec *iov, int n);
int text_writev_nosignal(int fd, struct iovec *iov, int n);

/* text_write_all with SIGPIPE and SIGXFSZ blocked in the calling thread,
 * and the one this write raised taken back (one pending before stays): a
 * write of ours into a closed pipe or past RLIMIT_FSIZE (the log, or a
 * warning line on a stderr that is a file: `ulimit -f`) returns -EPIPE
 * or -EFBIG instead of killing its host. */
int text_write_nosignal(int fd, const void *buf, size_t len, size_t *done);

/* What errno err means, in a few words, for a warning line ("permission
 * denied"); NULL for one it does not know.  Async-signal-safe. */
const char *text_errno_says(int err);

/* open(path, O_RDONLY|O_CLOEXEC|O_NOCTTY|flags, 0600), retried on EINTR.
 * Returns the descriptor or -errno (errno itself is changed on failure).
 * Every descriptor the library opens comes from here and goes back
 * through text_close. */
int text_open(const char *path, int flags);
void text_close(int fd);

/* Called around the life of each descriptor text_open hands out (enter
 * before the open, leave after the close; they nest), when set.  The
 * producer uses them so that a host closing descriptors it does not own
 * never closes or reuses one of the sampler's (preload/fdguard.c). */
struct text_fd_hooks {
	void (*enter)(void);
	void (*leave)(void);
	/* Whether a descriptor may be opened now: 0 makes text_openat
	 * fail with -EPERM, making no call (a seccomp filter added since
	 * the last look may kill the process at an openat: preload/
	 * fdguard.c). */
	int (*may_open)(void);
};
extern struct text_fd_hooks text_fd_hooks;

/* As text_open, relative to the directory dirfd (a kept /proc/PID). */
int text_openat(int dirfd, const char *name, int flags);

/* Read a whole small file from an open descriptor with pread from offset
 * 0, so that a kept /proc or /sys descriptor gives fresh contents each time
 * (seq_file restarts at offset 0).  A read shorter than asked is taken as
 * the end, saving a read that would return 0: true of regular files and
 * of every file read whole here (single-record seq_files such as stat,
 * status, io, smaps_rollup, meminfo, fdinfo; sysfs attributes; cmdline),
 * not of multi-record seq_files (mounts, diskstats, children: a record
 * that does not fit the kernel's page ends a read early), which are
 * streamed to a read of 0 instead. */
ssize_t text_pread_file(int fd, char *buf, size_t size);

/* Read a whole small file: open(O_RDONLY|O_CLOEXEC), text_pread_file
 * (its end rule), close, NUL-terminate.  Returns the length, -errno, or
 * -EOVERFLOW when the file does not fit in size-1 bytes (the buffer then
 * holds a partial file that must not be used).  errno is preserved. */
ssize_t text_read_file(const char *path, char *buf, size_t size);

/* As text_read_file, but a file longer than the buffer gives its first
 * size-1 bytes, NUL-terminated: for the head of a long command line or of
 * a status file.  size must be at least 1. */
ssize_t text_read_head(const char *path, char *buf, size_t size);

/* Call fn(name, ctx) for every entry of the open directory fd, with
 * getdents64 into a fixed stack buffer (opendir allocates).  Stops at the
 * first non-zero return of fn and returns it; -errno when the directory
 * cannot be read, -EIO for a malformed record.  Order is the kernel's. */
int text_dir_each(int fd, int (*fn)(const char *name, void *ctx), void *ctx);

/* Decimal digits of v into dst (no NUL); returns the count (at most 20). */
size_t text_put_u64(char *dst, uint64_t v);

/* [s, end) with proc(5)'s \ooo octal escapes (' ', '\t', '\n' and '\\' in
 * /proc/mounts and mountinfo paths) decoded into dst[size], NUL-ended.
 * -ENAMETOOLONG when it does not fit (statfs would refuse it anyway),
 * -EINVAL on an escaped NUL. */
int text_unescape_octal(const char *s, const char *end, char *dst,
			size_t size);

/* FNV-1a (64 bits) of [s, end), continued from h: TEXT_HASH_SEED for a
 * new hash, or an earlier result to hash several pieces as one.  For
 * telling names apart cheaply, never for security. */
#define TEXT_HASH_SEED 14695981039346656037ull
uint64_t text_hash(uint64_t h, const char *s, const char *end);

/* "dir/name" into dst[size]; dir may be dst itself (a component appended
 * in place).  0, or -ENAMETOOLONG when it does not fit (dst untouched). */
int text_join(char *dst, size_t size, const char *dir, const char *name);

/* Copy src into dst[size] (size at least 1), cut and always terminated. */
void text_copy(char *dst, size_t size, const char *src);

/* Appends at most max bytes of src at `at`, never past end - 1, and ends
 * the text there with a NUL; returns where the next append goes (end - 1
 * once full).  Builds a message without stdio.  Needs at < end. */
char *text_append(char *at, char *end, const char *src, size_t max);

#endif
