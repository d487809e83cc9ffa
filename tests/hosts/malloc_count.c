/* malloc_count.c - a preload for tests/footprint.py, loaded before
 * librtrack_preload.so: counts the allocation calls (malloc family, and
 * mmap, mremap, munmap) made on threads other than the main thread, that
 * is by rtrack's sampler in a single-threaded host, and keeps the stacks of
 * the first few made inside a time window, the sampler's steady state.
 *
 * Environment:
 *   MALLOC_COUNT_OUT    file the counts are written to at exit
 *   MALLOC_COUNT_FROM   window start and end, CLOCK_MONOTONIC nanoseconds
 *   MALLOC_COUNT_TO     (as Python's time.monotonic_ns() gives them)
 *
 * Output, one "name count" line each: every function counted at all, off
 * the main thread; then "window N", the calls in the window; then the
 * stacks of up to STACKS of those, as backtrace_symbols_fd writes them.
 *
 * The malloc family forwards to glibc's __libc_* entry points, so nothing
 * here needs dlsym before it can allocate; nothing here allocates. */
#include <dlfcn.h>
#include <execinfo.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))
#define STACKS 4
#define DEPTH 24

void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
void __libc_free(void *);
void *__libc_memalign(size_t, size_t);
void *__libc_valloc(size_t);
void *__libc_pvalloc(size_t);

enum fn { F_MALLOC, F_CALLOC, F_REALLOC, F_FREE, F_MEMALIGN, F_VALLOC,
	  F_MMAP, F_MUNMAP, F_MREMAP, F_COUNT };
static const char *const fn_name[F_COUNT] = {
	"malloc", "calloc", "realloc", "free", "memalign", "valloc",
	"mmap", "munmap", "mremap",
};

static atomic_ulong counts[F_COUNT];
static atomic_ulong in_window;
/* Empty until the constructor has read the environment (rtrack's may run
 * first, and start the sampler). */
static uint64_t window_from = UINT64_MAX, window_to;
static void *stacks[STACKS][DEPTH];
static int stack_depth[STACKS];
static atomic_int stacks_taken;
static __thread int busy; /* backtrace may allocate: not counted twice */
static pid_t counted_pid;  /* forked children inherit us: they say nothing */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void count(enum fn f)
{
	uint64_t t;
	int slot;

	if (busy || gettid() == getpid())
		return;
	atomic_fetch_add(&counts[f], 1);
	t = now_ns();
	if (t < window_from || t > window_to)
		return;
	atomic_fetch_add(&in_window, 1);
	slot = atomic_fetch_add(&stacks_taken, 1);
	if (slot >= STACKS)
		return;
	busy = 1;
	stack_depth[slot] = backtrace(stacks[slot], DEPTH);
	busy = 0;
}

EXPORT void *malloc(size_t n)
{
	count(F_MALLOC);
	return __libc_malloc(n);
}

EXPORT void *calloc(size_t n, size_t size)
{
	count(F_CALLOC);
	return __libc_calloc(n, size);
}

EXPORT void *realloc(void *p, size_t n)
{
	count(F_REALLOC);
	return __libc_realloc(p, n);
}

EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return __libc_realloc(p, SIZE_MAX); /* fails with ENOMEM */
	count(F_REALLOC);
	return __libc_realloc(p, n * size);
}

EXPORT void free(void *p)
{
	if (p)
		count(F_FREE);
	__libc_free(p);
}

EXPORT void *memalign(size_t align, size_t n)
{
	count(F_MEMALIGN);
	return __libc_memalign(align, n);
}

EXPORT void *aligned_alloc(size_t align, size_t n)
{
	return memalign(align, n);
}

EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
	void *p;

	if (align % sizeof(void *) || (align & (align - 1)))
		return 22; /* EINVAL */
	p = memalign(align, n);
	if (!p)
		return 12; /* ENOMEM */
	*out = p;
	return 0;
}

EXPORT void *valloc(size_t n)
{
	count(F_VALLOC);
	return __libc_valloc(n);
}

EXPORT void *pvalloc(size_t n)
{
	count(F_VALLOC);
	return __libc_pvalloc(n);
}

/* mmap and friends: glibc's own, found once (dlsym allocates only through
 * the functions above). */
typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);
typedef int (*munmap_fn)(void *, size_t);
typedef void *(*mremap_fn)(void *, size_t, size_t, int, ...);

static void *next(void **slot, const char *name)
{
	if (!*slot)
		*slot = dlsym(RTLD_NEXT, name);
	return *slot;
}

static void *next_mmap, *next_munmap, *next_mremap;

EXPORT void *mmap(void *addr, size_t n, int prot, int flags, int fd, off_t off)
{
	mmap_fn f = (mmap_fn)next(&next_mmap, "mmap");

	count(F_MMAP);
	return f(addr, n, prot, flags, fd, off);
}

EXPORT void *mmap64(void *addr, size_t n, int prot, int flags, int fd,
		    off64_t off)
{
	return mmap(addr, n, prot, flags, fd, off);
}

EXPORT int munmap(void *addr, size_t n)
{
	munmap_fn f = (munmap_fn)next(&next_munmap, "munmap");

	count(F_MUNMAP);
	return f(addr, n);
}

EXPORT void *mremap(void *old, size_t old_n, size_t n, int flags, ...)
{
	mremap_fn f = (mremap_fn)next(&next_mremap, "mremap");

	count(F_MREMAP);
	return f(old, old_n, n, flags, (void *)0); /* MREMAP_FIXED: unused */
}

static uint64_t env_ns(const char *name, uint64_t dflt)
{
	const char *s = getenv(name);

	return s && *s ? strtoull(s, NULL, 10) : dflt;
}

__attribute__((constructor)) static void malloc_count_init(void)
{
	void *frames[2];

	counted_pid = getpid();
	window_from = env_ns("MALLOC_COUNT_FROM", 0);
	window_to = env_ns("MALLOC_COUNT_TO", UINT64_MAX);
	/* backtrace loads libgcc_s (which allocates) on its first call. */
	backtrace(frames, 2);
	next(&next_mmap, "mmap");
	next(&next_munmap, "munmap");
	next(&next_mremap, "mremap");
}

static void put(int fd, const char *s)
{
	ssize_t n = write(fd, s, strlen(s));
	(void)n;
}

static void put_count(int fd, const char *name, unsigned long v)
{
	char num[24];
	int i = (int)sizeof(num) - 1;

	num[i] = '\0';
	do
		num[--i] = (char)('0' + v % 10);
	while ((v /= 10) && i > 0);
	put(fd, name);
	put(fd, " ");
	put(fd, num + i);
	put(fd, "\n");
}

__attribute__((destructor)) static void malloc_count_report(void)
{
	const char *out = getenv("MALLOC_COUNT_OUT");
	int fd, i, taken;

	if (!out || !*out || getpid() != counted_pid)
		return;
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	for (i = 0; i < F_COUNT; i++)
		put_count(fd, fn_name[i], atomic_load(&counts[i]));
	put_count(fd, "window", atomic_load(&in_window));
	taken = atomic_load(&stacks_taken);
	for (i = 0; i < taken && i < STACKS; i++) {
		put(fd, "stack:\n");
		backtrace_symbols_fd(stacks[i], stack_depth[i], fd);
	}
	close(fd);
}
