/* headroom.h - how much memory this process may still take before the
 * machine or its memory cgroup runs out: what rtrack-dump allows itself
 * for decoding a log (logread_file). */
#ifndef RTRACK_HEADROOM_H
#define RTRACK_HEADROOM_H

#include <stdint.h>

/* Bytes, the least of:
 *  - MemAvailable (<procroot>/meminfo);
 *  - headroom_as_bytes;
 *  - for the process's memory cgroup (<procroot>/self/cgroup: v2's
 *    "0::/path", or a v1 hierarchy with the memory controller), found
 *    where that hierarchy is mounted (<procroot>/self/mountinfo), and for
 *    each group from it up to the top of the mount: limit - usage, the
 *    group's inactive file cache counted as free (memory.stat), as
 *    MemAvailable counts the machine's; on v1 also the group's
 *    hierarchical_memory_limit (limits of ancestors the mount hides).
 * UINT64_MAX when none of it can be read.  Uses stdio: not for the
 * sampler thread. */
uint64_t headroom_bytes(const char *procroot);

/* The address space this process may still map: its RLIMIT_AS (ulimit
 * -v) less what it maps now (VmSize of <procroot>/self/status; 0 when
 * that cannot be read).  A limit fails an allocation outright, overcommit
 * or not, so it bounds what the other figures promise.  UINT64_MAX
 * without a limit. */
uint64_t headroom_as_bytes(const char *procroot);

#endif
