/* fuzz_config.c - the RTRACK_* parser on hostile values: the input is split
 * at NUL bytes into the values of the variables, in a fixed order. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {
	"RTRACK_OUTPUT", "RTRACK_INTERVAL", "RTRACK_CHILDREN", "RTRACK_SYSTEM",
	"RTRACK_MEMORY", "RTRACK_GPU", "RTRACK_QUIET", "RTRACK_DISABLE",
};
#define NVARS (sizeof(names) / sizeof(names[0]))

struct env {
	const char *val[NVARS];
};

static const char *get(const char *name, void *ctx)
{
	struct env *e = ctx;
	size_t i;

	for (i = 0; i < NVARS; i++)
		if (strcmp(names[i], name) == 0)
			return e->val[i];
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *p, err[200], out[256];
	struct rt_config c;
	struct env e = { { 0 } };
	size_t i;
	uint64_t ns;

	memcpy(copy, data, size);
	copy[size] = '\0';
	for (i = 0, p = copy; i < NVARS && p <= copy + size; i++) {
		e.val[i] = p;
		p += strlen(p) + 1;
	}
	if (config_parse(&c, get, &e, err, sizeof(err)) == 0 &&
	    (c.interval_ns < 1000000ull || c.interval_ns > 86400000000000ull))
		abort();
	config_parse_seconds(copy, &ns);
	if (config_expand_output(copy, 123, "host", 456, out, sizeof(out)) == 0 &&
	    strlen(out) >= sizeof(out))
		abort();
	free(copy);
	return 0;
}
