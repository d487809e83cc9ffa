/* gpu_impl.h - what lib/inhost/gpu.c shares with its back ends (gpu_nvml.c,
 * gpu_drm.c), and what the tests and the fuzz target reach into.  Not the
 * library's contract: gpu.h is. */
#ifndef RTRACK_GPU_IMPL_H
#define RTRACK_GPU_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "gpu.h"

/* Each back end: the same steps.  probe says (cheaply, opening nothing
 * that stays open) whether it has a device; init appends its devices to
 * g->dev (returns how many); sample fills g->val of its devices, which
 * gpu.c cleared (all missing). */
unsigned gpu_nvml_probe(const char *path, const char *procroot);
unsigned gpu_nvml_init(struct gpu *g, const char *path);
void gpu_nvml_sample(struct gpu *g, const struct gpu_tree *t);
void gpu_nvml_release(void);

unsigned gpu_drm_probe(const char *sysroot);
unsigned gpu_drm_init(struct gpu *g, const char *sysroot);
void gpu_drm_sample(struct gpu *g, const struct gpu_tree *t, uint64_t now_ns);

/* Value f of v is x (and no longer missing). */
static inline void gpu_put(struct rt_gpu_values *v, enum rt_gpu_field f,
			   uint64_t x)
{
	v->v[f] = x;
	v->missing &= ~((uint64_t)1 << f);
}

/* ---- DRM fdinfo (kernel Documentation/gpu/drm-usage-stats.rst) ---- */

#define GPU_FDINFO_NS 1u     /* drm-engine-<e>: ns busy */
#define GPU_FDINFO_CYCLES 2u /* drm-cycles-<e> */
#define GPU_FDINFO_TOTAL 4u  /* drm-total-cycles-<e> */

struct gpu_fdinfo_engine {
	char name[24];
	uint64_t ns, capacity, cycles, total;
	unsigned has;            /* GPU_FDINFO_* */
};

struct gpu_fdinfo {
	char driver[32];         /* drm-driver */
	char pdev[32];           /* drm-pdev: PCI address, or "" */
	uint64_t client_id;      /* drm-client-id */
	int has_client_id;
	struct gpu_fdinfo_engine eng[GPU_DRM_MAX_ENGINES];
	unsigned neng;
	/* Device-local memory (regions vram*, local*), KiB: drm-resident-*,
	 * and the deprecated alias drm-memory-* (amdgpu prints both). */
	uint64_t resident_kib, memory_kib;
	int has_resident, has_memory;
};

/* Parse the fdinfo text of one descriptor.  0 when it is a DRM file (it
 * has drm-driver), -EINVAL otherwise.  Tolerant: a malformed line, an
 * unknown key, an engine past GPU_DRM_MAX_ENGINES are skipped; never reads
 * at or past buf + len. */
int gpu_fdinfo_parse(const char *buf, size_t len, struct gpu_fdinfo *f);

#endif
