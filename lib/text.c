/* text.c - bounded parsing and whole-file reads for /proc and /sys text. */
#include "text.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
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

ssize_t text_read_file(const char *path, char *buf, size_t size)
{
	int saved = errno;
	size_t len = 0;
	ssize_t ret;
	int fd;

	if (size == 0)
		return -EOVERFLOW;
	do
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out_close;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == size - 1) {
			/* Full buffer: only fine if the file ends exactly here. */
			char probe;
			do
				n = read(fd, &probe, 1);
			while (n < 0 && errno == EINTR);
			if (n != 0) {
				ret = -EOVERFLOW;
				goto out_close;
			}
			break;
		}
	}
	buf[len] = '\0';
	ret = (ssize_t)len;
out_close:
	close(fd);
out:
	errno = saved;
	return ret;
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
