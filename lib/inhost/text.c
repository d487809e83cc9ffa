/* text.c - bounded parsing and whole-file reads for /proc and /sys text. */
#include "text.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

int text_parse_u64(const char *s, const char *end, uint64_t *out,
		   const char **next)
{
	uint64_t v = 0;
	const char *p = s;

	while (p < end && *p >= '0' && *p <= '9') {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
		p++;
	}
	if (p == s)
		return -EINVAL;
	*out = v;
	if (next)
		*next = p;
	return 0;
}

const char *text_skip_blanks(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

const char *text_next_line(const char *s, const char *end)
{
	const char *nl = memchr(s, '\n', (size_t)(end - s));
	return nl ? nl + 1 : end;
}

int text_key_u64(const char *buf, size_t len, const char *key, uint64_t *out)
{
	const char *p = buf, *end = buf + len;
	size_t klen = strlen(key);

	for (; p < end; p = text_next_line(p, end)) {
		if ((size_t)(end - p) < klen || memcmp(p, key, klen) != 0)
			continue;
		return text_parse_u64(text_skip_blanks(p + klen, end), end, out,
				      NULL);
	}
	return -ENOENT;
}

/* In .data, not .bss: every descendant reads it at its exit's append,
 * and .data's page is one that ld.so has touched in every process (a
 * page of its own in .bss was a page fault more). */
__attribute__((section(".data"))) struct text_fd_hooks text_fd_hooks;

int text_open(const char *path, int flags)
{
	return text_openat(AT_FDCWD, path, flags);
}

void text_close(int fd)
{
	close(fd);
	if (text_fd_hooks.leave)
		text_fd_hooks.leave();
}

int text_openat(int dirfd, const char *name, int flags)
{
	int fd, err;

	if (text_fd_hooks.may_open && !text_fd_hooks.may_open())
		return -EPERM;
	if (text_fd_hooks.enter)
		text_fd_hooks.enter();
	do
		fd = openat(dirfd, name,
			    flags | O_RDONLY | O_CLOEXEC | O_NOCTTY, 0600);
	while (fd < 0 && errno == EINTR);
	if (fd >= 0)
		return fd;
	err = errno;
	if (text_fd_hooks.leave)
		text_fd_hooks.leave();
	return -err;
}

ssize_t text_pread_file(int fd, char *buf, size_t size)
{
	int saved = errno;
	size_t len = 0;
	ssize_t ret;

	if (size == 0)
		return -EOVERFLOW;
	for (;;) {
		size_t want = size - 1 - len;
		ssize_t n = pread(fd, buf + len, want, (off_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		/* Short: the end (text.h), without a read that returns 0. */
		if ((size_t)n < want)
			break;
		if (len == size - 1) {
			/* Full buffer: only fine if the file ends exactly here. */
			char probe;
			do
				n = pread(fd, &probe, 1, (off_t)len);
			while (n < 0 && errno == EINTR);
			if (n != 0) {
				ret = -EOVERFLOW;
				goto out;
			}
			break;
		}
	}
	buf[len] = '\0';
	ret = (ssize_t)len;
out:
	errno = saved;
	return ret;
}

ssize_t text_read_file(const char *path, char *buf, size_t size)
{
	int saved = errno;
	ssize_t ret;
	int fd;

	if (size == 0)
		return -EOVERFLOW;
	fd = text_open(path, 0);
	if (fd < 0) {
		errno = saved;
		return fd;
	}
	ret = text_pread_file(fd, buf, size);
	text_close(fd);
	errno = saved;
	return ret;
}

/* Layout of the records getdents64 returns (linux_dirent64). */
struct dirent64_head {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Give fn the NUL-terminated names of one getdents64 batch, checking every
 * record against the end of the bytes the kernel returned. */
static int dents_walk(const char *buf, size_t n,
		      int (*fn)(const char *name, void *ctx), void *ctx)
{
	const size_t name_off = offsetof(struct dirent64_head, d_name);
	size_t off = 0;

	while (off < n) {
		unsigned short reclen;
		int ret;

		if (n - off <= name_off)
			return -EIO;
		memcpy(&reclen,
		       buf + off + offsetof(struct dirent64_head, d_reclen),
		       sizeof(reclen));
		if (reclen <= name_off || reclen > n - off ||
		    !memchr(buf + off + name_off, '\0', reclen - name_off))
			return -EIO;
		ret = fn(buf + off + name_off, ctx);
		if (ret)
			return ret;
		off += reclen;
	}
	return 0;
}

int text_dir_each(int fd, int (*fn)(const char *name, void *ctx), void *ctx)
{
	union {
		struct dirent64_head align;
		char bytes[2048];
	} buf;

	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf.bytes, sizeof(buf));
		int ret;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		ret = dents_walk(buf.bytes, (size_t)n, fn, ctx);
		if (ret)
			return ret;
	}
}

size_t text_put_u64(char *dst, uint64_t v)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		dst[i] = tmp[n - 1 - i];
	return n;
}

ssize_t text_read_head(const char *path, char *buf, size_t size)
{
	ssize_t n = text_read_file(path, buf, size);

	if (n != -EOVERFLOW)
		return n;
	buf[size - 1] = '\0';
	return (ssize_t)size - 1;
}

char *text_append(char *at, char *end, const char *src, size_t max)
{
	size_t n = strnlen(src, max), room = (size_t)(end - at) - 1;

	if (n > room)
		n = room;
	memcpy(at, src, n);
	at[n] = '\0';
	return at + n;
}

void text_copy(char *dst, size_t size, const char *src)
{
	text_append(dst, dst + size, src, size - 1);
}

int text_unescape_octal(const char *s, const char *end, char *dst,
			size_t size)
{
	size_t n = 0;

	while (s < end) {
		char c = *s++;

		if (c == '\\' && end - s >= 3 && s[0] >= '0' && s[0] <= '3' &&
		    s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7') {
			c = (char)((s[0] - '0') * 64 + (s[1] - '0') * 8 +
				   (s[2] - '0'));
			s += 3;
		}
		if (c == '\0')
			return -EINVAL;
		if (n + 1 >= size)
			return -ENAMETOOLONG;
		dst[n++] = c;
	}
	dst[n] = '\0';
	return 0;
}

/* text_writev_all, adding to *done (when given) what reached the file. */
static int text_writev_count(int fd, struct iovec *iov, int n, size_t *done)
{
	while (n > 0) {
		ssize_t w;

		if (iov->iov_len == 0) { /* nothing there: no call for it */
			iov++;
			n--;
			continue;
		}
		w = writev(fd, iov, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		if (done)
			*done += (size_t)w;
		/* A short write: on from where it stopped. */
		for (; n > 0 && (size_t)w >= iov->iov_len; iov++, n--)
			w -= (ssize_t)iov->iov_len;
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

int text_writev_all(int fd, struct iovec *iov, int n)
{
	return text_writev_count(fd, iov, n, NULL);
}

int text_write_all(int fd, const void *buf, size_t len, size_t *done)
{
	struct iovec one = { (void *)(uintptr_t)buf, len };

	return len ? text_writev_count(fd, &one, 1, done) : 0;
}

static int text_writev_nosignal_count(int fd, struct iovec *iov, int n,
				      size_t *done)
{
	struct timespec zero = { 0, 0 };
	sigset_t both, old, pending, raised;
	int rc, had_pipe, had_fsize;

	sigemptyset(&both);
	sigaddset(&both, SIGPIPE);
	sigaddset(&both, SIGXFSZ);
	pthread_sigmask(SIG_BLOCK, &both, &old);
	sigemptyset(&pending);
	had_pipe = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
	had_fsize = sigismember(&pending, SIGXFSZ);
	rc = text_writev_count(fd, iov, n, done);
	sigemptyset(&raised);
	if (rc == -EPIPE && !had_pipe)
		sigaddset(&raised, SIGPIPE);
	if (rc == -EFBIG && !had_fsize)
		sigaddset(&raised, SIGXFSZ);
	if (rc == -EPIPE || rc == -EFBIG)
		sigtimedwait(&raised, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

int text_writev_nosignal(int fd, struct iovec *iov, int n)
{
	return text_writev_nosignal_count(fd, iov, n, NULL);
}

int text_write_nosignal(int fd, const void *buf, size_t len, size_t *done)
{
	struct iovec one = { (void *)(uintptr_t)buf, len };

	return len ? text_writev_nosignal_count(fd, &one, 1, done) : 0;
}

const char *text_errno_says(int err)
{
	/* The failures creating or appending to a file can meet; strerror
	 * is not async-signal-safe (its locale), and the exit may run in a
	 * signal handler. */
	static const struct {
		int err;
		const char *says;
	} says[] = {
		{ EACCES, "permission denied" },
		{ EPERM, "operation not permitted" },
		{ ENOENT, "no such file or directory" },
		{ ENOTDIR, "a component of the path is not a directory" },
		{ EISDIR, "is a directory" },
		{ EROFS, "read-only file system" },
		{ ENOSPC, "no space left on device" },
		{ EDQUOT, "disk quota exceeded" },
		{ ENAMETOOLONG, "file name too long" },
		{ ELOOP, "a symbolic link (never followed), or too many" },
		{ EMFILE, "too many open files (ulimit -n)" },
		{ ENFILE, "too many open files in the system" },
		{ EEXIST, "file exists" },
		{ EFBIG, "the file size limit (ulimit -f) leaves no room" },
		{ EIO, "input/output error" },
		{ ENOMEM, "out of memory" },
		{ ENXIO, "no such device or address" },
		{ ETXTBSY, "text file busy" },
		{ ESTALE, "no longer the log rtrack created" },
		{ EAGAIN, "resource temporarily unavailable" },
		{ EINVAL, "invalid argument" },
		{ ENODEV, "no such device" },
		{ EOVERFLOW, "value too large" },
	};

	for (size_t i = 0; i < sizeof(says) / sizeof(says[0]); i++)
		if (says[i].err == err)
			return says[i].says;
	return NULL;
}

uint64_t text_hash(uint64_t h, const char *s, const char *end)
{
	for (; s < end; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull; /* FNV prime */
	return h;
}

int text_join(char *dst, size_t size, const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);

	if (a + b + 2 > size)
		return -ENAMETOOLONG;
	memmove(dst, dir, a);
	dst[a] = '/';
	memcpy(dst + a + 1, name, b + 1);
	return 0;
}
