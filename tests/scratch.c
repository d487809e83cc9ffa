/* scratch.c - fake /proc and /sys trees in a temporary directory (scratch.h). */
#include "scratch.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* root/rel into path[PATH_MAX]; a name that does not fit is an error, not
 * a silently shorter path somewhere else in the tree. */
static int join(char *path, const char *root, const char *rel)
{
	int n = snprintf(path, PATH_MAX, "%s/%s", root, rel);

	if (n < 0 || n >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* Every directory above the last component of path (path[PATH_MAX], put
 * back as it was). */
static int mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		int rc;

		if (*p != '/')
			continue;
		*p = '\0';
		rc = mkdir(path, 0755);
		*p = '/';
		if (rc < 0 && errno != EEXIST)
			return -1;
	}
	return 0;
}

int scratch_mkdtemp(char *dir, size_t size, const char *prefix)
{
	int n = snprintf(dir, size, "/tmp/%s-XXXXXX", prefix);

	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (!mkdtemp(dir))
		return -1;
	return chmod(dir, 0755);
}

int scratch_put_n(const char *root, const char *rel, const void *data,
		  size_t len)
{
	char path[PATH_MAX];
	const char *p = data;
	int fd, err = 0;

	if (join(path, root, rel) < 0 || mkdirs(path) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) < 0 && !err)
		err = errno;
	errno = err;
	return err ? -1 : 0;
}

int scratch_put(const char *root, const char *rel, const char *text)
{
	char path[PATH_MAX];

	if (text)
		return scratch_put_n(root, rel, text, strlen(text));
	if (join(path, root, rel) < 0 || mkdirs(path) < 0)
		return -1;
	return mkdir(path, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

int scratch_link(const char *root, const char *rel, const char *target)
{
	char path[PATH_MAX];

	if (join(path, root, rel) < 0 || mkdirs(path) < 0)
		return -1;
	if (unlink(path) < 0 && errno != ENOENT)
		return -1;
	return symlink(target, path);
}

int scratch_drop(const char *root, const char *rel)
{
	char path[PATH_MAX];

	if (join(path, root, rel) < 0)
		return -1;
	return unlink(path);
}

static int remove_entry(const char *path, const struct stat *sb, int type,
			struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

int scratch_remove(const char *root)
{
	/* Depth first, so each directory is empty when its turn comes. */
	return nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}
