/* fuzz_fdinfo.c - the DRM fdinfo parser (lib/inhost/gpu_drm.c) on hostile text:
 * /proc/PID/fdinfo/N of any process of the tree is read by the sampler. */
#include <stdint.h>
#include <string.h>

#include "gpu_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gpu_fdinfo f;
	unsigned i;

	if (gpu_fdinfo_parse((const char *)data, size, &f) == 0) {
		/* what the parser promises: terminated strings, bounded tables */
		if (strlen(f.driver) >= sizeof(f.driver) ||
		    strlen(f.pdev) >= sizeof(f.pdev) ||
		    f.neng > GPU_DRM_MAX_ENGINES)
			__builtin_trap();
		for (i = 0; i < f.neng; i++)
			if (strlen(f.eng[i].name) >= sizeof(f.eng[i].name))
				__builtin_trap();
	}
	return 0;
}
