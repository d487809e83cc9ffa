/* hostinfo.h - what a log's header says of the machine (lib/format/FORMAT.md
 * H2-H7): its name, kernel, architecture, CPUs, clock tick, page size and
 * boot time.  Shared by the library's root and the rtrack wrapper's outside
 * modes, which write the same header.  No stdio, no malloc. */
#ifndef RTRACK_HOSTINFO_H
#define RTRACK_HOSTINFO_H

#include <stdint.h>

#include "log.h"

/* CLOCK id as ns, 0 when the clock cannot be read. */
uint64_t hostinfo_clock_ns(int clock_id);

/* h's machine fields, h's other fields untouched; now_ns is the wall
 * clock (CLOCK_REALTIME), from which the boot time is derived (stat's
 * starttime counts on the boot-time clock, suspend included). */
void hostinfo_header(struct rt_header *h, uint64_t now_ns);

#endif
