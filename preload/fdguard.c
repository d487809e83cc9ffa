/* fdguard.c - keeps the sampler's short-lived descriptors out of the
 * host's way.  A daemon closes every descriptor above 2 (a close loop,
 * close_range, closefrom) and then opens its own files: without a guard it
 * could close a /proc file or the log the sampler has open for a few
 * microseconds, get that number for its own file, and the sampler would
 * then read from it (moving its offset), write the log into it or close
 * it (preload-pitfalls.md 9).
 *
 * Two counters in a Dekker handshake (sequentially consistent atomics):
 * the sampler raises `window` before an open and lowers it after the
 * close; a host thread raises `closing` for the length of its call.  Each
 * raises its own, then looks at the other's: the sampler backs off while a
 * host thread is closing, the host thread waits while a window is open
 * (a few microseconds: one /proc file).  Neither takes a lock, so a signal
 * handler that closes a descriptor cannot deadlock on it. */
#include <sched.h>
#include <stdatomic.h>

#include "rtrack.h"
#include "text.h"

/* Written by every fork()ed copy of the root (fdguard_reset). */
RTRACK_HOT static atomic_int window;  /* sampler descriptors open (0 or 1) */
RTRACK_HOT static atomic_int closing; /* host threads inside a guarded call */
RTRACK_HOT static int depth;          /* the sampler's nesting: its thread only */
/* Only the sampler's descriptors are guarded: a host thread inside rtrack
 * (a pause, the end record after a timeout) opens its own, and the
 * sampler's own close must not wait for its own window. */
static __thread int on_sampler;

void fdguard_sampler_thread(void)
{
	on_sampler = 1;
}

int fdguard_on_sampler(void)
{
	return on_sampler;
}

static void fdguard_enter(void)
{
	if (!on_sampler || pre.private_fds)
		return; /* no number of ours is in the host's table */
	if (depth++ > 0)
		return; /* already inside: every host closer is waiting */
	for (;;) {
		atomic_store(&window, 1);
		if (atomic_load(&closing) == 0)
			return;
		atomic_store(&window, 0);
		while (atomic_load(&closing) != 0)
			sched_yield();
	}
}

static void fdguard_leave(void)
{
	if (!on_sampler || pre.private_fds)
		return;
	if (--depth == 0)
		atomic_store(&window, 0);
}

/* The sampler thread asks before every open whether a seccomp filter was
 * added since its last look: one installed with TSYNC by a raw system
 * call (no wrapper of ours sees it) applies to this thread too, and one
 * that kills on openat killed the job when it came mid-sample (its first
 * sample, set-up and cgroup search, opens dozens of files: 1 run in 16
 * of hostile_raw_seccomp beside other tests).  A system call an open,
 * until a filter is seen; host threads ask nothing here. */
static int fdguard_may_open(void)
{
	return !on_sampler || !rtrack_filtered();
}

void fdguard_init(void)
{
	text_fd_hooks.enter = fdguard_enter;
	text_fd_hooks.leave = fdguard_leave;
	text_fd_hooks.may_open = fdguard_may_open;
}

/* In a fork()ed child: no sampler, and counters copied mid-flight. */
void fdguard_reset(void)
{
	text_fd_hooks.enter = NULL;
	text_fd_hooks.leave = NULL;
	text_fd_hooks.may_open = NULL;
	atomic_store(&window, 0);
	atomic_store(&closing, 0);
	depth = 0;
}

int fdguard_host_begin(void)
{
	if (on_sampler)
		return 0;
	atomic_fetch_add(&closing, 1);
	while (atomic_load(&window) != 0)
		sched_yield();
	return 1;
}

void fdguard_host_end(int begun)
{
	if (begun)
		atomic_fetch_sub(&closing, 1);
}
