/* scratch.h - fake /proc and /sys trees in a temporary directory, for the
 * unit tests and the benchmarks.  No cmocka: each function returns 0, or -1
 * with errno set, and never aborts, so a test asserts on the result and a
 * benchmark dies with perror.  Paths are root/rel, at most PATH_MAX bytes
 * (ENAMETOOLONG beyond). */
#ifndef RTRACK_TESTS_SCRATCH_H
#define RTRACK_TESTS_SCRATCH_H

#include <stddef.h>

/* A new directory /tmp/PREFIX-XXXXXX, its name stored in dir (size bytes),
 * mode 0755 so that a test that drops to nobody can still walk it. */
int scratch_mkdtemp(char *dir, size_t size, const char *prefix);

/* root/rel holds the len bytes at data, truncated first; the directories
 * above it are made as needed. */
int scratch_put_n(const char *root, const char *rel, const void *data,
		  size_t len);

/* root/rel holds text; text NULL makes root/rel a directory instead (one
 * that exists already is fine). */
int scratch_put(const char *root, const char *rel, const char *text);

/* root/rel is a symlink to target, replacing what was there. */
int scratch_link(const char *root, const char *rel, const char *target);

/* root/rel, a file or symlink, is gone (ENOENT if it was not there). */
int scratch_drop(const char *root, const char *rel);

/* The whole tree at root, root included; symlinks are removed, never
 * followed. */
int scratch_remove(const char *root);

#endif
