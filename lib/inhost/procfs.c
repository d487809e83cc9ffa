/* procfs.c - per-process /proc readers for the sampler thread: whole-file
 * reads into fixed stack buffers, bounded parsers, no stdio, no malloc. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* syscall() */
#endif

#include "procfs.h"
#include "text.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* stat is ~400 B, status ~1.5 KiB, smaps_rollup ~1 KiB: 4 KiB leaves room
 * for long Cpus_allowed masks while keeping the sampler's stack small. */
enum { PROCFS_BUF = 4096, PROCFS_PATH = 512 };

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

static const char *skip_space(const char *s, const char *end)
{
	while (s < end && is_space(*s))
		s++;
	return s;
}

/* The whole of [s, end) is one decimal number. */
static int parse_u64_exact(const char *s, const char *end, uint64_t *out)
{
	const char *next;
	uint64_t v;

	if (text_parse_u64(s, end, &v, &next) < 0 || next != end)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_i32_exact(const char *s, const char *end, int32_t *out)
{
	uint64_t v;

	if (parse_u64_exact(s, end, &v) < 0 || v > INT32_MAX)
		return -EINVAL;
	*out = (int32_t)v;
	return 0;
}

/* ---- stat ---- */

/* Next space-separated field at *p: 0 with its bounds, -EINVAL if none. */
static int stat_token(const char **p, const char *end, const char **tok,
		      const char **tok_end)
{
	const char *s = skip_space(*p, end), *e = s;

	while (e < end && !is_space(*e))
		e++;
	if (e == s)
		return -EINVAL;
	*tok = s;
	*tok_end = e;
	*p = e;
	return 0;
}

/* Store field number `field` (proc(5)); fields rtrack ignores are only
 * required to exist, since some of them (tty_nr, tpgid, nice) are signed. */
static int stat_store(int field, const char *s, const char *e,
		      struct procfs_stat *st)
{
	switch (field) {
	case 3:
		if (e - s != 1)
			return -EINVAL;
		st->state = *s;
		return 0;
	case 4: return parse_i32_exact(s, e, &st->ppid);
	case 12: return parse_u64_exact(s, e, &st->majflt);
	case 14: return parse_u64_exact(s, e, &st->utime);
	case 15: return parse_u64_exact(s, e, &st->stime);
	case 16: return parse_u64_exact(s, e, &st->cutime);
	case 17: return parse_u64_exact(s, e, &st->cstime);
	case 20: return parse_u64_exact(s, e, &st->num_threads);
	case 22: return parse_u64_exact(s, e, &st->starttime);
	case 24:
		st->has_rss = 1;
		return parse_u64_exact(s, e, &st->rss_pages);
	default: return 0;
	}
}

/* The ')' that closes comm: the last one, as comm itself may hold any
 * byte but the fields after it never hold a ')'. */
static const char *stat_comm_end(const char *open, const char *end)
{
	const char *p = end;

	while (p > open) {
		p--;
		if (*p == ')')
			return p;
	}
	return NULL;
}

int procfs_parse_stat(const char *buf, size_t len, struct procfs_stat *st)
{
	const char *end = buf + len, *p, *tok, *tok_end;
	struct procfs_stat out = { 0 };
	uint64_t pid;
	int field;

	/* (1) pid, then " (" opening (2) comm */
	if (text_parse_u64(buf, end, &pid, &p) < 0 || pid > INT32_MAX ||
	    end - p < 2 || p[0] != ' ' || p[1] != '(')
		return -EINVAL;
	out.pid = (int32_t)pid;
	tok = p + 2;
	p = stat_comm_end(p + 1, end);
	if (!p)
		return -EINVAL;
	/* Only compared with the last one: 32 bits of the hash do. */
	out.comm_hash = (uint32_t)text_hash(TEXT_HASH_SEED, tok, p);
	for (p++, field = 3; field <= 22; field++)
		if (stat_token(&p, end, &tok, &tok_end) < 0 ||
		    stat_store(field, tok, tok_end, &out) < 0)
			return -EINVAL;
	/* (24) rss: on every kernel, but a stat cut there still parses. */
	for (; field <= 24; field++)
		if (stat_token(&p, end, &tok, &tok_end) < 0 ||
		    stat_store(field, tok, tok_end, &out) < 0)
			break;
	if (field <= 24) {
		out.has_rss = 0;
		*st = out;
		return 0;
	}
	/* (52) exit_code: only newer kernels have it, and it only means
	 * something for a zombie. */
	for (; field <= 52; field++)
		if (stat_token(&p, end, &tok, &tok_end) < 0)
			break;
	if (field == 53 &&
	    parse_u64_exact(tok, tok_end, &out.exit_code) == 0)
		out.has_exit_code = 1;
	*st = out;
	return 0;
}

/* ---- status, smaps_rollup, io ---- */

/* The blank-separated pids of an "NSpid:" line (after the key, up to
 * eol), at most PROCFS_NSPID_MAX kept; anything but positive numbers to
 * the end of the line leaves none. */
static void parse_nspid(const char *p, const char *eol, struct procfs_status *s)
{
	for (p = text_skip_blanks(p, eol); p < eol; p = text_skip_blanks(p, eol)) {
		uint64_t v;
		if (text_parse_u64(p, eol, &v, &p) < 0 || v == 0 ||
		    v > INT32_MAX) {
			s->nspid_n = 0;
			return;
		}
		if (s->nspid_n < PROCFS_NSPID_MAX)
			s->nspid[s->nspid_n++] = (uint32_t)v;
	}
}

/* One pass over the lines (status is ~1.4 KiB, read for every process
 * every sample): the first line of each key counts; a missing key is
 * "unavailable", a malformed number an error. */
int procfs_parse_status(const char *buf, size_t len, struct procfs_status *s)
{
	struct procfs_status out = { 0 };
	const struct {
		const char *key;
		size_t len;
		uint64_t *v;
		int *has;
	} keys[] = {
		{ "VmRSS:", 6, &out.vmrss_kib, &out.has_vmrss },
		{ "VmHWM:", 6, &out.vmhwm_kib, &out.has_vmhwm },
		{ "VmSwap:", 7, &out.vmswap_kib, &out.has_vmswap },
		{ "Seccomp:", 8, &out.seccomp, &out.has_seccomp },
		{ "Seccomp_filters:", 16, &out.seccomp_filters,
		  &out.has_seccomp_filters },
	};
	const char *p = buf, *end = buf + len, *eol;
	int nspid = 0;
	size_t k;

	for (; p < end; p = eol < end ? eol + 1 : end) {
		size_t left = (size_t)(end - p);

		eol = memchr(p, '\n', left);
		eol = eol ? eol : end;
		if (*p == 'N' && !nspid && left >= 6 && !memcmp(p, "NSpid:", 6)) {
			nspid = 1;
			parse_nspid(p + 6, eol, &out);
			continue;
		}
		if (*p != 'V' && *p != 'S')
			continue;
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			if (*keys[k].has || left < keys[k].len ||
			    memcmp(p, keys[k].key, keys[k].len) != 0)
				continue;
			if (text_parse_u64(text_skip_blanks(p + keys[k].len, end),
					   end, keys[k].v, NULL) < 0)
				return -EINVAL;
			*keys[k].has = 1;
			break;
		}
	}
	*s = out;
	return 0;
}

uint64_t procfs_seccomp_count(const struct procfs_status *s)
{
	if (s->has_seccomp_filters)
		return s->seccomp_filters;
	return s->has_seccomp && s->seccomp != 0;
}

int procfs_parse_rollup_pss(const char *buf, size_t len, uint64_t *pss_kib)
{
	/* "Pss:" with its colon, so that Pss_Anon: and friends never match. */
	return text_key_u64(buf, len, "Pss:", pss_kib) < 0 ? -EINVAL : 0;
}

int procfs_parse_schedstat(const char *buf, size_t len, uint64_t *run_delay_ns)
{
	const char *end = buf + len, *p;
	uint64_t exec_ns;

	if (text_parse_u64(buf, end, &exec_ns, &p) < 0 || p == end ||
	    *p != ' ' || text_parse_u64(p + 1, end, run_delay_ns, NULL) < 0)
		return -EINVAL;
	return 0;
}

int procfs_parse_io(const char *buf, size_t len, uint64_t *read_bytes,
		    uint64_t *write_bytes)
{
	uint64_t r, w;

	/* Keys match at line starts only: cancelled_write_bytes is not
	 * write_bytes. */
	if (text_key_u64(buf, len, "read_bytes:", &r) < 0 ||
	    text_key_u64(buf, len, "write_bytes:", &w) < 0)
		return -EINVAL;
	*read_bytes = r;
	*write_bytes = w;
	return 0;
}

int procfs_parse_io_blocks(const char *buf, size_t len, uint64_t *read_bytes,
			   uint64_t *write_bytes)
{
	uint64_t r, w;

	if (procfs_parse_io(buf, len, &r, &w) < 0)
		return -EINVAL;
	*read_bytes = r & ~(uint64_t)511;
	*write_bytes = w & ~(uint64_t)511;
	return 0;
}

int procfs_parse_cpulist(const char *buf, size_t len, uint32_t *count)
{
	const char *p = buf, *end = buf + len;
	uint64_t lo, hi, n = 0;

	if (end > p && end[-1] == '\n')
		end--;
	for (;;) {
		if (text_parse_u64(p, end, &lo, &p) < 0 || lo >= (1u << 20))
			return -EINVAL;
		hi = lo;
		if (p < end && *p == '-' &&
		    (text_parse_u64(p + 1, end, &hi, &p) < 0 || hi < lo ||
		     hi >= (1u << 20)))
			return -EINVAL;
		n += hi - lo + 1;
		if (n > (1u << 20))
			return -EINVAL;
		if (p == end)
			break;
		if (*p++ != ',')
			return -EINVAL;
	}
	*count = (uint32_t)n;
	return 0;
}

/* ---- pid lists ---- */

/* Next pid of a blank-separated list at *p: 1 with *pid set, 0 at the end,
 * -EINVAL for anything but a positive int32 followed by a blank. */
static int next_pid(const char **p, const char *end, int32_t *pid)
{
	const char *s = skip_space(*p, end), *e = s;

	if (s == end)
		return 0;
	while (e < end && !is_space(*e))
		e++;
	if (parse_i32_exact(s, e, pid) < 0 || *pid == 0)
		return -EINVAL;
	*p = e;
	return 1;
}

int procfs_parse_pids(const char *buf, size_t len, int32_t *pids,
		      size_t max, size_t *n)
{
	const char *p = buf, *end = buf + len;
	size_t k = *n;
	int32_t pid;
	int ret;

	/* Validate first, so that a malformed list changes nothing. */
	while ((ret = next_pid(&p, end, &pid)) > 0)
		;
	if (ret < 0)
		return ret;
	for (p = buf; next_pid(&p, end, &pid) > 0; pids[k++] = pid) {
		if (k >= max) {
			ret = -E2BIG; /* keep the pids that fit */
			break;
		}
	}
	*n = k;
	return ret;
}

/* ---- cmdline ---- */

/* Length of dst[0..w) without the UTF-8 sequence that a cut before the
 * byte `next` would split, so that a cut name stays valid text. */
static size_t utf8_cut(const char *dst, size_t w, unsigned char next)
{
	size_t k = w;

	if ((next & 0xC0) != 0x80)
		return w;
	while (k > 0 && w - k < 3 && ((unsigned char)dst[k - 1] & 0xC0) == 0x80)
		k--;
	if (k > 0 && (unsigned char)dst[k - 1] >= 0xC0)
		return k - 1;
	return w;
}

size_t procfs_format_cmdline(const char *buf, size_t len, char *dst,
			     size_t size)
{
	size_t i, w = 0;
	int gap = 0;

	if (size == 0)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (c == '\0') {
			gap = w > 0; /* a run of NULs is one separator */
			continue;
		}
		if (w + (size_t)gap + 1 > size - 1) {
			w = utf8_cut(dst, w, c);
			while (w > 0 && dst[w - 1] == ' ')
				w--;
			break;
		}
		if (gap)
			dst[w++] = ' ';
		gap = 0;
		dst[w++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	dst[w] = '\0';
	return w;
}

/* ---- paths and reads ---- */

int procfs_path(char *dst, size_t size, const char *procroot, int32_t pid,
		const char *tail)
{
	char num[21];

	if (pid < 0)
		return -EINVAL;
	num[text_put_u64(num, (uint64_t)pid)] = '\0';
	/* NULL tail: the pid directory.  Measured first: dst is left
	 * untouched when the whole does not fit. */
	if (strlen(procroot) + strlen(num) + (tail ? strlen(tail) + 1 : 0) +
		    2 > size)
		return -ENAMETOOLONG;
	text_join(dst, size, procroot, num);
	return tail ? text_join(dst, size, dst, tail) : 0;
}

/* Where one process's files are read from: its kept descriptors (k, NULL
 * for none) and the budget of descriptors that may still be kept. */
struct pidsrc {
	const char *procroot;
	int32_t pid;
	struct procfs_kept *k;
	unsigned *budget;
};

void procfs_kept_init(struct procfs_kept *k)
{
	unsigned i;

	for (i = 0; i < PROCFS_SLOTS; i++)
		k->fd[i] = -1;
}

static void kept_drop(struct procfs_kept *k, unsigned slot, unsigned *budget)
{
	if (k->fd[slot] < 0)
		return;
	text_close(k->fd[slot]);
	k->fd[slot] = -1;
	++*budget;
}

void procfs_kept_close(struct procfs_kept *k, unsigned *budget)
{
	unsigned i;

	for (i = 0; i < PROCFS_SLOTS; i++)
		kept_drop(k, i, budget);
}

static int kept_any(const struct procfs_kept *k)
{
	unsigned i;

	for (i = 0; k && i < PROCFS_SLOTS; i++)
		if (k->fd[i] >= 0)
			return 1;
	return 0;
}

/* Keep fd in slot when the budget allows (1), or leave it to the caller
 * to close (0). */
static int kept_take(const struct pidsrc *c, unsigned slot, int fd)
{
	if (!c->k || slot >= PROCFS_SLOTS || *c->budget == 0)
		return 0;
	c->k->fd[slot] = fd;
	--*c->budget;
	return 1;
}

/* Open tail of the process: through its kept directory (pinned to this
 * incarnation, and no path walk), else by path. */
static int pid_open(const struct pidsrc *c, const char *tail, int flags)
{
	char path[PROCFS_PATH];
	int ret;

	if (c->k && c->k->fd[PROCFS_K_DIR] >= 0)
		return text_openat(c->k->fd[PROCFS_K_DIR], tail, flags);
	ret = procfs_path(path, sizeof path, c->procroot, c->pid, tail);
	return ret < 0 ? ret : text_open(path, flags);
}

/* Read tail whole: from its kept descriptor (pread from 0 regenerates a
 * seq_file), else opened and then kept in slot (PROCFS_SLOTS: never kept)
 * when the budget allows.  A kept descriptor that fails is closed and
 * the file opened again once: the process may have exec'd or changed
 * credentials. */
static ssize_t pid_read(const struct pidsrc *c, const char *tail,
			unsigned slot, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	if (c->k && slot < PROCFS_SLOTS && c->k->fd[slot] >= 0) {
		n = text_pread_file(c->k->fd[slot], buf, size);
		if (n >= 0 || n == -EOVERFLOW)
			return n;
		kept_drop(c->k, slot, c->budget);
	}
	fd = pid_open(c, tail, 0);
	if (fd < 0)
		return fd;
	n = text_pread_file(fd, buf, size);
	if (n < 0 || !kept_take(c, slot, fd))
		text_close(fd);
	return n;
}

/* Whether `tail` below the pid directory is gone; errno is preserved. */
static int pid_path_gone(const char *procroot, int32_t pid, const char *tail)
{
	char path[PROCFS_PATH];
	int saved = errno, gone;

	if (procfs_path(path, sizeof path, procroot, pid, tail) < 0)
		return 0;
	gone = access(path, F_OK) < 0 && (errno == ENOENT || errno == ESRCH);
	errno = saved;
	return gone;
}

/* Read a file that may be unavailable while the process lives: io without
 * permission, smaps_rollup of a zombie or kernel thread (ESRCH) or of an
 * old kernel (ENOENT), an over-full buffer.  Returns the length, -ENODATA
 * for "unavailable", or -errno when the process itself is gone. */
static ssize_t read_optional(const struct pidsrc *c, const char *tail,
			     unsigned slot, char *buf)
{
	ssize_t len = pid_read(c, tail, slot, buf, PROCFS_BUF);

	if (len >= 0 || len == -ENAMETOOLONG)
		return len;
	if ((len == -ENOENT || len == -ESRCH) &&
	    pid_path_gone(c->procroot, c->pid, "stat"))
		return len;
	return -ENODATA;
}

static int read_stat(const struct pidsrc *c, char *buf, struct procfs_stat *st)
{
	ssize_t len = pid_read(c, "stat", PROCFS_K_STAT, buf, PROCFS_BUF);

	if (len < 0)
		return (int)len;
	return procfs_parse_stat(buf, (size_t)len, st);
}

/* The optional files: a malformed one counts as unavailable, since stat
 * already proved the process readable. */
static int read_status(const struct pidsrc *c, char *buf, struct procfs_proc *p)
{
	ssize_t len = read_optional(c, "status", PROCFS_K_STATUS, buf);

	if (len == -ENODATA)
		return 0;
	if (len < 0)
		return (int)len;
	(void)procfs_parse_status(buf, (size_t)len, &p->status);
	return 0;
}

static int read_io(const struct pidsrc *c, char *buf, struct procfs_proc *p)
{
	ssize_t len = read_optional(c, "io", PROCFS_K_IO, buf);

	if (len == -ENODATA)
		return 0;
	if (len < 0)
		return (int)len;
	/* As an exit record has them (getrusage's view): the two agree. */
	p->has_io = procfs_parse_io_blocks(buf, (size_t)len, &p->read_bytes,
					   &p->write_bytes) == 0;
	return 0;
}

static int read_schedstat(const struct pidsrc *c, char *buf,
			  struct procfs_proc *p)
{
	ssize_t len = read_optional(c, "schedstat", PROCFS_K_SCHEDSTAT, buf);

	if (len == -ENODATA)
		return 0;
	if (len < 0)
		return (int)len;
	p->has_run_delay = procfs_parse_schedstat(buf, (size_t)len,
						  &p->run_delay_ns) == 0;
	return 0;
}

/* Never kept: smaps_rollup holds the address space it was opened on, and
 * after an exec (or of a vfork child, the parent's) it would go on
 * reading that one.  Opened through the kept directory instead. */
static int read_pss(const struct pidsrc *c, char *buf, struct procfs_proc *p)
{
	ssize_t len = read_optional(c, "smaps_rollup", PROCFS_SLOTS, buf);

	if (len == -ENODATA)
		return 0;
	if (len < 0)
		return (int)len;
	p->has_pss = procfs_parse_rollup_pss(buf, (size_t)len,
					     &p->pss_kib) == 0;
	return 0;
}

static int read_all(const struct pidsrc *c, int flags,
		    struct procfs_proc *out)
{
	char buf[PROCFS_BUF];
	int ret;

	memset(out, 0, sizeof *out);
	/* A new process: its directory first, so that every file below is
	 * of the incarnation the directory pins. */
	if (c->k && c->k->fd[PROCFS_K_DIR] < 0 && *c->budget > 0) {
		char path[PROCFS_PATH];
		int fd = procfs_path(path, sizeof path, c->procroot, c->pid,
				     NULL);
		if (fd == 0)
			fd = text_open(path, O_DIRECTORY);
		if (fd >= 0 && !kept_take(c, PROCFS_K_DIR, fd))
			text_close(fd);
	}
	ret = read_stat(c, buf, &out->stat);
	if (ret == 0 && !(flags & PROCFS_READ_NO_STATUS))
		ret = read_status(c, buf, out);
	if (ret == 0)
		ret = read_io(c, buf, out);
	if (ret == 0)
		ret = read_schedstat(c, buf, out);
	if (ret == 0 && (flags & PROCFS_READ_PSS))
		ret = read_pss(c, buf, out);
	return ret;
}

int procfs_read_proc_kept(const char *procroot, int32_t pid, int flags,
			  struct procfs_proc *p, struct procfs_kept *k,
			  unsigned *budget)
{
	struct pidsrc c = { procroot, pid, k, budget };
	struct procfs_proc out;
	int saved = errno, ret;

	ret = read_all(&c, flags, &out);
	if (ret < 0 && kept_any(k)) {
		/* Kept descriptors of a process that is gone: the pid may
		 * name a new one now; look again by path. */
		procfs_kept_close(k, budget);
		ret = read_all(&c, flags, &out);
	}
	errno = saved;
	if (ret < 0)
		return ret;
	*p = out;
	return 0;
}

/* One file of a process alone (read_pss, read_status) into *out, errno
 * kept. */
static int read_one(const struct pidsrc *c,
		    int (*read)(const struct pidsrc *, char *,
				struct procfs_proc *),
		    struct procfs_proc *out)
{
	char buf[PROCFS_BUF];
	int saved = errno, ret;

	memset(out, 0, sizeof *out);
	ret = read(c, buf, out);
	errno = saved;
	return ret;
}

int procfs_read_pss_kept(const char *procroot, int32_t pid,
			 struct procfs_kept *k, uint64_t *pss_kib)
{
	struct pidsrc c = { procroot, pid, k, NULL };
	struct procfs_proc out;
	int ret = read_one(&c, read_pss, &out);

	if (ret < 0)
		return ret;
	if (!out.has_pss)
		return -ENODATA;
	*pss_kib = out.pss_kib;
	return 0;
}

int procfs_read_status_kept(const char *procroot, int32_t pid,
			    struct procfs_kept *k, unsigned *budget,
			    struct procfs_status *st)
{
	struct pidsrc c = { procroot, pid, k, budget };
	struct procfs_proc out;
	int ret = read_one(&c, read_status, &out);

	if (ret < 0)
		return ret;
	*st = out.status;
	return 0;
}

int procfs_read_proc(const char *procroot, int32_t pid, int want_pss,
		     struct procfs_proc *p)
{
	return procfs_read_proc_kept(procroot, pid,
				     want_pss ? PROCFS_READ_PSS : 0, p, NULL,
				     NULL);
}

/* ---- children ---- */

/* The pids found so far; pids[0..n) are never listed twice. */
struct kids {
	const char *procroot;
	int32_t pid;
	int32_t *pids;
	size_t max, n;
	size_t n0; /* n before this process */
};

static int kids_add(struct kids *k, int32_t pid)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		if (k->pids[i] == pid)
			return 0;
	if (k->n >= k->max)
		return -E2BIG;
	k->pids[k->n++] = pid;
	return 0;
}

/* "task/<tid>" plus `rest` into dst (at least 64 bytes). */
static void task_tail(char *dst, int32_t tid, const char *rest)
{
	size_t w = 5, rlen = strlen(rest);

	memcpy(dst, "task/", 5);
	w += text_put_u64(dst + w, (uint64_t)tid);
	memcpy(dst + w, rest, rlen + 1);
}

/* A children file that could not be read: a thread that exited is skipped;
 * a task directory without the file means CONFIG_PROC_CHILDREN is off. */
static int task_read_error(const struct kids *k, int32_t tid, ssize_t err)
{
	char tail[64];

	if (err == -EOVERFLOW) /* more children than one buffer holds */
		return -E2BIG;
	if (err != -ENOENT && err != -ESRCH)
		return (int)err;
	task_tail(tail, tid, "");
	if (err == -ENOENT && !pid_path_gone(k->procroot, k->pid, tail))
		return -ENOTSUP;
	return tid == k->pid ? -ENOENT : 0;
}

/* Add the pids of [p, end) to k.  0, or what kids_add/next_pid refused. */
static int kids_parse(struct kids *k, const char *p, const char *end)
{
	int32_t child;
	int ret;

	while ((ret = next_pid(&p, end, &child)) > 0)
		if ((ret = kids_add(k, child)) < 0)
			return ret;
	return ret;
}

/* Read a children file in pieces, so that any number of children fits:
 * only a number cut by the end of one read is carried to the next. */
static int children_stream(struct kids *k, int fd)
{
	char buf[PROCFS_BUF];
	size_t have = 0, len, upto;
	off_t off = 0; /* pread from 0: a kept descriptor reads afresh */
	ssize_t n;
	int ret;

	for (;;) {
		n = pread(fd, buf + have, sizeof buf - have, off);
		if (n > 0)
			off += n;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		len = have + (size_t)n;
		upto = len;
		while (n > 0 && upto > 0 && !is_space(buf[upto - 1]))
			upto--; /* keep a number the read may have cut */
		if (n > 0 && upto == 0 && len == sizeof buf)
			return -EINVAL; /* no separator in a whole buffer */
		if ((ret = kids_parse(k, buf, buf + upto)) < 0)
			return ret;
		if (n == 0)
			return 0;
		have = len - upto;
		memmove(buf, buf + upto, have);
	}
}

static int task_children(struct kids *k, int32_t tid)
{
	char path[PROCFS_PATH], tail[64];
	int fd, ret;

	task_tail(tail, tid, "/children");
	ret = procfs_path(path, sizeof path, k->procroot, k->pid, tail);
	if (ret < 0)
		return ret;
	fd = text_open(path, 0);
	if (fd < 0)
		return task_read_error(k, tid, fd);
	ret = children_stream(k, fd);
	text_close(fd);
	return ret;
}

/* text_dir_each callback: each numeric entry of task/ is a thread. */
static int task_entry(const char *name, void *ctx)
{
	int32_t tid;

	if (parse_i32_exact(name, name + strlen(name), &tid) < 0)
		return 0; /* ".", "..", or not a task */
	return task_children(ctx, tid);
}

/* A one-thread process's children: its main thread's children file, kept
 * when the budget allows, else opened for this read (no listing of task/
 * either way).  -EAGAIN: list task/ instead. */
static int kept_children(struct kids *k, const struct pidsrc *c)
{
	char tail[64];
	int fd = c->k ? c->k->fd[PROCFS_K_CHILDREN] : -1, kept = 1, ret;

	if (fd < 0) {
		task_tail(tail, c->pid, "/children");
		fd = pid_open(c, tail, 0);
		if (fd < 0)
			return -EAGAIN;
		kept = kept_take(c, PROCFS_K_CHILDREN, fd);
	}
	ret = children_stream(k, fd);
	if (!kept)
		text_close(fd);
	if (ret == 0 || ret == -E2BIG)
		return ret;
	if (kept)
		kept_drop(c->k, PROCFS_K_CHILDREN, c->budget);
	k->n = k->n0;
	return -EAGAIN;
}

int procfs_children_kept(const char *procroot, int32_t pid, uint64_t threads,
			 int32_t *pids, size_t max, size_t *n,
			 struct procfs_kept *kp, unsigned *budget)
{
	struct kids k = { procroot, pid, pids, max, *n, *n };
	struct pidsrc c = { procroot, pid, kp, budget };
	int saved = errno, fd, ret;

	if (threads == 1) {
		ret = kept_children(&k, &c);
		if (ret != -EAGAIN) {
			*n = k.n;
			errno = saved;
			return ret;
		}
	}
	fd = pid_open(&c, "task", O_DIRECTORY);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	ret = text_dir_each(fd, task_entry, &k);
	text_close(fd);
	if (ret == 0 || ret == -E2BIG)
		*n = k.n;
out:
	errno = saved;
	return ret;
}

int procfs_children(const char *procroot, int32_t pid, int32_t *pids,
		    size_t max, size_t *n)
{
	return procfs_children_kept(procroot, pid, 0, pids, max, n, NULL, NULL);
}
