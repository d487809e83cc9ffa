/* gpu.c - the GPU step of a sample: every back end's devices, summed into
 * the sample's GPU fields, and the log's GPU records. */
#include "gpu.h"

#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "gpu_impl.h"

unsigned gpu_probe(const struct gpu_cfg *cfg)
{
	unsigned found = 0;

	if (gpu_nvml_probe(cfg->nvml_path, cfg->procroot) > 0)
		found |= GPU_SRC_NVML;
	if (gpu_drm_probe(cfg->sysroot) > 0)
		found |= GPU_SRC_DRM;
	return found;
}

unsigned gpu_init(struct gpu *g, const struct gpu_cfg *cfg)
{
	memset(g, 0, sizeof(*g));
	g->procroot = cfg->procroot;
	/* NVML's devices first: the back ends index g->nvml and g->drm by
	 * device, NVML's from 0. */
	g->nnvml = gpu_nvml_init(g, cfg->nvml_path);
	g->nvml_tid = syscall(SYS_gettid);
	gpu_drm_init(g, cfg->sysroot);
	return g->ndev;
}

void gpu_release(void)
{
	gpu_nvml_release();
}

void gpu_sample_none(struct rt_sample *s)
{
	unsigned f;

	for (f = RT_F_gpu_count; f <= RT_F_tree_gpu_mem_kib; f++)
		sample_set_missing(s, (enum rt_field)f);
}

static void gpu_values_clear(struct rt_gpu_values *v)
{
	memset(v, 0, sizeof(*v));
	v->missing = ((uint64_t)1 << RT_GPU_NFIELDS) - 1;
}

/* Without a resolver from the caller: the pids listed, as they are. */
static int32_t gpu_resolve_listed(const void *ctx, uint32_t pid)
{
	const struct gpu_tree *t = ctx;
	size_t i;

	for (i = 0; i < t->n; i++)
		if ((uint32_t)t->pids[i] == pid)
			return t->pids[i];
	return -1;
}

/* Sums over the devices.  The system's cover the devices that report a
 * value (missing when none does); the tree's are missing as soon as one
 * device cannot tell the tree's share: 0 there would be a guess. */
struct gpu_sums {
	uint64_t util, utilized, used, total, tutil, tutilized, tmem;
	int have_util, have_used, have_total, tree_util, tree_mem;
};

static void gpu_add(struct gpu_sums *m, const struct rt_gpu_values *v)
{
	if (gpu_has(v, RT_G_util_pct)) {
		m->util += v->util_pct;
		m->utilized += v->util_pct > 0;
		m->have_util = 1;
	}
	if (gpu_has(v, RT_G_mem_used_kib)) {
		m->used += v->mem_used_kib;
		m->have_used = 1;
	}
	if (gpu_has(v, RT_G_mem_total_kib)) {
		m->total += v->mem_total_kib;
		m->have_total = 1;
	}
	if (gpu_has(v, RT_G_tree_util_pct)) {
		m->tutil += v->tree_util_pct;
		m->tutilized += v->tree_util_pct > 0;
	} else {
		m->tree_util = 0;
	}
	if (gpu_has(v, RT_G_tree_mem_kib))
		m->tmem += v->tree_mem_kib;
	else
		m->tree_mem = 0;
}

static void gpu_field(struct rt_sample *s, enum rt_field f, int have,
		      uint64_t v)
{
	if (have)
		s->v[f] = v;
	else
		sample_set_missing(s, f);
}

static void gpu_sum(const struct gpu *g, struct rt_sample *s)
{
	struct gpu_sums m;
	unsigned i;

	memset(&m, 0, sizeof(m));
	m.tree_util = m.tree_mem = 1;
	for (i = 0; i < g->ndev; i++)
		gpu_add(&m, &g->val[i]);
	gpu_field(s, RT_F_gpu_count, 1, g->ndev);
	gpu_field(s, RT_F_sys_gpu_util_pct, m.have_util, m.util);
	gpu_field(s, RT_F_sys_gpu_utilized, m.have_util, m.utilized);
	gpu_field(s, RT_F_sys_gpu_mem_used_kib, m.have_used, m.used);
	gpu_field(s, RT_F_sys_gpu_mem_total_kib, m.have_total, m.total);
	gpu_field(s, RT_F_tree_gpu_util_pct, m.tree_util, m.tutil);
	gpu_field(s, RT_F_tree_gpu_utilized, m.tree_util, m.tutilized);
	gpu_field(s, RT_F_tree_gpu_mem_kib, m.tree_mem, m.tmem);
}

void gpu_sample(struct gpu *g, const struct gpu_tree *t, uint64_t now_ns,
		struct rt_sample *s)
{
	struct gpu_tree tree = *t;
	unsigned i;

	if (!g->ndev) {
		gpu_sample_none(s);
		return;
	}
	if (!tree.resolve) {
		tree.resolve = gpu_resolve_listed;
		tree.ctx = t;
	}
	for (i = 0; i < g->ndev; i++)
		gpu_values_clear(&g->val[i]);
	/* The sampler's descriptor table is its thread's own: NVML's
	 * descriptors went with the thread that opened them. */
	if (g->nnvml && syscall(SYS_gettid) == g->nvml_tid)
		gpu_nvml_sample(g, &tree);
	gpu_drm_sample(g, &tree, now_ns);
	gpu_sum(g, s);
}
