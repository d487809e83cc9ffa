/* fuzz_logread.c - the log reader on hostile bytes: it must never crash,
 * hang, leak or read out of bounds, and what it keeps must be consistent. */
#include <stdint.h>
#include <stdlib.h>

#include "logread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rt_log log;
	char err[256];

	if (logread_buf(data, size, &log, err, sizeof(err)) == 0) {
		if (log.damaged && log.damage_offset > size)
			abort();
		logread_free(&log);
	}
	return 0;
}
