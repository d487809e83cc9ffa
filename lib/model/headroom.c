/* headroom.c - the memory this process may still take (headroom.h).
 * A decoder that trusts the machine to say no gets no "no" from Linux:
 * with overcommit, malloc succeeds and the out-of-memory killer (the
 * cgroup's, in a batch job or a container) ends the process later.  So
 * rtrack-dump asks first, here, the way `free` and a container's own
 * accounting would answer. */
#include "headroom.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "sysstat.h"
#include "text.h"

/* One memory hierarchy the process is in. */
struct cg_mem {
	int v2;                /* cgroup2 (else v1 with "memory") */
	char group[PATH_MAX];  /* its path in /proc/self/cgroup, "/a/b" */
	char dir[PATH_MAX];    /* where that group's files are; "" not found */
	size_t top;            /* length of the mount point at dir's start */
};

static FILE *open_in(const char *root, const char *tail)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", root, tail) >=
	    (int)sizeof(path))
		return NULL;
	return fopen(path, "re");
}

/* Is `name` one of the comma-separated words in [s, end)? */
static int has_word(const char *s, const char *end, const char *name)
{
	size_t n = strlen(name);

	while (s < end) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		const char *e = comma ? comma : end;

		if ((size_t)(e - s) == n && memcmp(s, name, n) == 0)
			return 1;
		s = e + 1;
	}
	return 0;
}

/* "ID:CONTROLLERS:/path" lines: v2's is "0::/path", a v1 hierarchy with the
 * memory controller "N:memory:/path" or "N:cpu,memory:/path".  Fills
 * cg[0] (v2) and cg[1] (v1); group "" where there is none. */
static void read_groups(const char *procroot, struct cg_mem cg[2])
{
	FILE *f = open_in(procroot, "self/cgroup");
	char *line = NULL, *c1, *c2, *nl;
	size_t cap = 0;

	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		struct cg_mem *m = NULL;

		if ((nl = strchr(line, '\n')))
			*nl = '\0';
		if (!(c1 = strchr(line, ':')) || !(c2 = strchr(c1 + 1, ':')) ||
		    c2[1] != '/')
			continue;
		if (c1 - line == 1 && line[0] == '0' && c2 == c1 + 1)
			m = &cg[0];
		else if (has_word(c1 + 1, c2, "memory"))
			m = &cg[1];
		if (m && !m->group[0])
			text_copy(m->group, sizeof(m->group), c2 + 1);
	}
	free(line);
	fclose(f);
}

/* The group's directory under a mount of its hierarchy whose root (the
 * part of the hierarchy mounted there: "/" or, in a cgroup namespace or a
 * container, the group at its top) contains the group. */
static void place(struct cg_mem *m, const char *root, const char *mnt)
{
	size_t n = strlen(root);
	const char *rel;

	if (m->dir[0] || !m->group[0])
		return;
	if (strcmp(root, "/") == 0)
		rel = m->group;
	else if (strncmp(m->group, root, n) == 0 &&
		 (m->group[n] == '/' || m->group[n] == '\0'))
		rel = m->group + n;
	else
		return; /* the group is outside what this mount shows */
	if (strcmp(rel, "/") == 0)
		rel = "";
	if (snprintf(m->dir, sizeof(m->dir), "%s%s", mnt, rel) >=
	    (int)sizeof(m->dir)) {
		m->dir[0] = '\0';
		return;
	}
	m->top = strlen(mnt);
}

/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE
 * SUPEROPTIONS" (proc(5)): the cgroup2 mount, and a cgroup mount whose
 * super options name the memory controller. */
static void read_mounts(const char *procroot, struct cg_mem cg[2])
{
	FILE *f = open_in(procroot, "self/mountinfo");
	char *line = NULL, root[PATH_MAX], mnt[PATH_MAX];
	size_t cap = 0;

	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		char *field[6], *sep, *type, *src, *opts, *end, *save = NULL;
		int n = 0;

		if ((end = strchr(line, '\n')))
			*end = '\0';
		while (n < 6 && (field[n] = strtok_r(n ? NULL : line, " ",
						      &save)))
			n++;
		if (n < 6)
			continue;
		/* The optional fields end at a lone "-". */
		while ((sep = strtok_r(NULL, " ", &save)) && strcmp(sep, "-"))
			;
		type = sep ? strtok_r(NULL, " ", &save) : NULL;
		src = type ? strtok_r(NULL, " ", &save) : NULL;
		opts = src ? strtok_r(NULL, " ", &save) : NULL;
		if (!opts ||
		    text_unescape_octal(field[3], field[3] + strlen(field[3]),
					root, sizeof(root)) < 0 ||
		    text_unescape_octal(field[4], field[4] + strlen(field[4]),
					mnt, sizeof(mnt)) < 0)
			continue;
		if (strcmp(type, "cgroup2") == 0)
			place(&cg[0], root, mnt);
		else if (strcmp(type, "cgroup") == 0 &&
			 has_word(opts, opts + strlen(opts), "memory"))
			place(&cg[1], root, mnt);
	}
	free(line);
	fclose(f);
}

/* The head of dir/name into buf[size] (text_read_head); its length, or
 * -1 when it cannot be read or is empty. */
static ssize_t read_in(const char *dir, const char *name, char *buf,
		       size_t size)
{
	char path[PATH_MAX];
	ssize_t n;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path))
		return -1;
	n = text_read_head(path, buf, size);
	return n > 0 ? n : -1;
}

/* A number from dir/name (its first line); -1 when it cannot be read or
 * is not a number (v2's "max": no limit). */
static int read_u64(const char *dir, const char *name, uint64_t *v)
{
	char buf[64];
	ssize_t n = read_in(dir, name, buf, sizeof(buf));

	return n > 0 && text_parse_u64(buf, buf + n, v, NULL) == 0 ? 0 : -1;
}

/* A key of dir/memory.stat ("inactive_file N" lines); -1 when absent. */
static int read_stat(const char *dir, const char *key, uint64_t *v)
{
	char buf[8192];
	ssize_t n = read_in(dir, "memory.stat", buf, sizeof(buf));

	return n > 0 && text_key_u64(buf, (size_t)n, key, v) == 0 ? 0 : -1;
}

static uint64_t room_under(uint64_t limit, uint64_t used)
{
	return limit > used ? limit - used : 0;
}

/* The room left in the group at dir; UINT64_MAX when it has no limit or
 * its files cannot be read (the top of a real hierarchy has none). */
static uint64_t group_room(const char *dir, int v2, int leaf)
{
	uint64_t limit, usage, cache = 0, hier, room = UINT64_MAX;

	if (read_u64(dir, v2 ? "memory.current" : "memory.usage_in_bytes",
		     &usage) < 0)
		return room;
	/* File cache the kernel would reclaim first is as good as free;
	 * without it a job that has read a few files shows no room. */
	read_stat(dir, v2 ? "inactive_file " : "total_inactive_file ", &cache);
	usage -= cache < usage ? cache : usage;
	if (read_u64(dir, v2 ? "memory.max" : "memory.limit_in_bytes",
		     &limit) == 0)
		room = room_under(limit, usage);
	if (!v2 && leaf && read_stat(dir, "hierarchical_memory_limit ",
				     &hier) == 0 &&
	    room_under(hier, usage) < room)
		room = room_under(hier, usage);
	return room;
}

/* From the group up to the top of its mount: a limit may be set on any
 * ancestor (a batch system's job above the step the process runs in). */
static uint64_t walk_up(struct cg_mem *m)
{
	uint64_t room = UINT64_MAX;
	int leaf = 1;

	for (;;) {
		uint64_t r = group_room(m->dir, m->v2, leaf);
		char *slash;

		if (r < room)
			room = r;
		slash = strrchr(m->dir, '/');
		if (strlen(m->dir) <= m->top || !slash ||
		    (size_t)(slash - m->dir) < m->top)
			break;
		*slash = '\0';
		leaf = 0;
	}
	return room;
}

uint64_t headroom_as_bytes(const char *procroot)
{
	struct rlimit rl;
	uint64_t vm_kib = 0;
	char buf[4096];
	ssize_t n;

	if (getrlimit(RLIMIT_AS, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return UINT64_MAX;
	if ((n = read_in(procroot, "self/status", buf, sizeof(buf))) > 0 &&
	    (text_key_u64(buf, (size_t)n, "VmSize:", &vm_kib) < 0 ||
	     vm_kib > UINT64_MAX / 1024))
		vm_kib = 0;
	return room_under((uint64_t)rl.rlim_cur, vm_kib * 1024);
}

uint64_t headroom_bytes(const char *procroot)
{
	static struct cg_mem cg[2]; /* 16 KiB: not on the stack */
	uint64_t room = UINT64_MAX, as;
	char buf[8192];
	struct sysstat s;
	ssize_t n;

	if ((n = read_in(procroot, "meminfo", buf, sizeof(buf))) > 0 &&
	    sysstat_parse_meminfo(buf, (size_t)n, &s) == 0 &&
	    s.mem_available_kib < UINT64_MAX / 1024)
		room = s.mem_available_kib * 1024;
	as = headroom_as_bytes(procroot);
	if (as < room)
		room = as;
	memset(cg, 0, sizeof(cg));
	cg[0].v2 = 1;
	read_groups(procroot, cg);
	if (!cg[0].group[0] && !cg[1].group[0])
		return room;
	read_mounts(procroot, cg);
	for (int i = 0; i < 2; i++) {
		uint64_t r;

		if (!cg[i].dir[0])
			continue;
		r = walk_up(&cg[i]);
		if (r < room)
			room = r;
	}
	return room;
}
