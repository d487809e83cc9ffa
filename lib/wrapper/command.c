/* command.c - find the job's command and tell whether the library can
 * enter it (command.h). */
#include "command.h"

#include <elf.h>
#include <errno.h>
#include <link.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* 0 when path is a regular file this user may execute, -EACCES when it
 * is one but not executable, -ENOENT else. */
static int command_runnable(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
		return -ENOENT;
	return access(path, X_OK) == 0 ? 0 : -EACCES;
}

int command_find(const char *name, char *dst, size_t size)
{
	const char *path = getenv("PATH"), *p, *end;
	int rc, found = -ENOENT;

	if (strchr(name, '/')) {
		if (access(name, F_OK) != 0 ||
		    (size_t)snprintf(dst, size, "%s", name) >= size)
			return -ENOENT;
		return 0;
	}
	if (!*name)
		return -ENOENT;
	/* An unset PATH is searched as glibc's execvp searches it. */
	for (p = path ? path : "/bin:/usr/bin"; ; p = end + 1) {
		size_t n;

		end = strchr(p, ':');
		n = end ? (size_t)(end - p) : strlen(p);
		/* An empty entry is the working directory (POSIX). */
		if ((size_t)snprintf(dst, size, "%.*s%s%s", (int)n, p,
				     n ? "/" : "", name) < size &&
		    (rc = command_runnable(dst)) != -ENOENT) {
			if (rc == 0)
				return 0;
			/* Not executable: execvp and bash go on searching
			 * but report EACCES ("Permission denied", 126)
			 * when nothing later runs. */
			found = rc;
		}
		if (!end)
			return found;
	}
}

/* Whether the ELF file on fd asks for a program interpreter (ld.so):
 * 1 yes, 0 no (static), -1 not an ELF file of this machine's class or
 * not readable. */
static int command_dynamic(int fd)
{
	ElfW(Ehdr) eh;
	ElfW(Phdr) ph;

	if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 :
							   ELFCLASS32) ||
	    eh.e_phentsize != sizeof ph)
		return -1;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		off_t at = (off_t)eh.e_phoff + (off_t)i * (off_t)sizeof ph;

		if (pread(fd, &ph, sizeof ph, at) != (ssize_t)sizeof ph)
			return -1;
		if (ph.p_type == PT_INTERP)
			return 1;
	}
	return 0;
}

const char *command_unenterable(const char *path)
{
	struct stat sb;
	int fd, dynamic;

	if (stat(path, &sb) != 0)
		return NULL;
	if (sb.st_mode & (S_ISUID | S_ISGID))
		return "set-user-ID or set-group-ID";
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	dynamic = command_dynamic(fd);
	close(fd);
	return dynamic == 0 ? "a static program" : NULL;
}
