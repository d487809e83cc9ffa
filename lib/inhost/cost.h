/* cost.h - reads whose cost grows with what they measure (a process's
 * smaps_rollup, a listing of /proc) are taken again only after a share of
 * their own cost: the tracker and sysstat space them with the same rule. */
#ifndef RTRACK_COST_H
#define RTRACK_COST_H

#include <stdint.h>
#include <time.h>

/* The longest wait: the cost is wall time, and a job stopped with SIGSTOP
 * during the read would otherwise stretch it. */
#define COST_WAIT_MAX_NS 60000000000ull

static inline uint64_t cost_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* How long a read that took cost_ns waits before the next one: share
 * times its cost, never more than COST_WAIT_MAX_NS. */
static inline uint64_t cost_wait(uint64_t cost_ns, uint32_t share)
{
	if (cost_ns > COST_WAIT_MAX_NS ||
	    (share && cost_ns > COST_WAIT_MAX_NS / share))
		return COST_WAIT_MAX_NS;
	return cost_ns * share;
}

#endif
