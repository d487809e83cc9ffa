/* gpu.h - GPU usage of the tracked tree and of the machine, read each
 * sample from the vendors' own interfaces, never by starting a process:
 * NVIDIA through NVML (libnvidia-ml.so.1, loaded with dlopen: no build or
 * link dependency), AMD, Intel and any other DRM driver that publishes
 * usage stats through /proc/PID/fdinfo and sysfs.  No library and no
 * device mean no GPU, silently.
 *
 * Fixed capacity; no allocation and no stdio after gpu_init (the sampler
 * thread calls gpu_sample inside any host); every /proc and sysfs read is
 * bounded.  Not thread-safe: one caller at a time. */
#ifndef RTRACK_GPU_H
#define RTRACK_GPU_H

#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "sample.h"

#define GPU_MAX_PROCS 256       /* process entries read per device and list */
#define GPU_DRM_MAX_CLIENTS 128 /* DRM clients of the tree followed at once */
#define GPU_DRM_MAX_ENGINES 8   /* engine names kept per DRM device */
#define GPU_DRM_MAX_FDS 4096    /* descriptors looked at per process */
/* The DRM back end remembers, per tracked process, which descriptors are
 * DRM clients, and reads a process's fd directory only when the process is
 * new and then every GPU_DRM_RESCAN samples (gpu_drm.c). */
#define GPU_DRM_PROC_BITS 12
#define GPU_DRM_PROCS (1u << GPU_DRM_PROC_BITS) /* processes remembered */
#define GPU_DRM_PROBES 32       /* hash slots tried per process */
#define GPU_DRM_PROC_FDS 8      /* DRM descriptors remembered per process */
#define GPU_DRM_RESCAN 8        /* samples between two directory reads */
#define GPU_PATH_MAX 256

/* What gpu_probe found. */
#define GPU_SRC_NVML 1u
#define GPU_SRC_DRM 2u

struct gpu_cfg {
	const char *procroot;  /* "/proc" */
	const char *sysroot;   /* "/sys" */
	const char *nvml_path; /* NULL: libnvidia-ml.so.1; tests name a fake */
};

/* The tracked processes, as the GPU step sees them. */
struct gpu_tree {
	const int32_t *pids;   /* the tree's pids in this sample */
	size_t n;
	/* The tracked pid that a pid reported by a driver stands for (it may
	 * be another PID namespace's number), or -1: not the tree's. */
	int32_t (*resolve)(const void *ctx, uint32_t pid);
	const void *ctx;
};

/* ---- backend state (gpu_nvml.c, gpu_drm.c); callers only embed it ---- */

struct gpu_nvml_dev {
	void *handle;          /* nvmlDevice_t */
	uint64_t last_seen_us; /* process utilization cursor (newest seen) */
	unsigned unsupported;  /* calls that said NOT_SUPPORTED: not repeated */
	int mig;
};

/* One tracked process on the device being read. */
struct gpu_pent {
	int32_t pid;
	uint32_t util_sum, util_n; /* SM utilization samples, percent */
	uint64_t mem_bytes;
	int mem_unknown;
};

struct gpu_drm_dev {
	char dir[GPU_PATH_MAX];   /* <sysroot>/class/drm/cardN/device */
	char hwmon[GPU_PATH_MAX]; /* its hwmon directory, or "" */
	char engine[GPU_DRM_MAX_ENGINES][24]; /* engine names seen */
	uint64_t capacity[GPU_DRM_MAX_ENGINES];
	unsigned nengines;
	/* This sample: busy ns, cycles and largest total cycles per engine. */
	uint64_t busy_ns[GPU_DRM_MAX_ENGINES];
	uint64_t cycles[GPU_DRM_MAX_ENGINES], total[GPU_DRM_MAX_ENGINES];
	uint64_t mem_kib;
	unsigned procs;
	int clients;       /* the tree holds a client of it this sample */
};

/* A DRM client (one open DRM file, maybe shared by several processes)
 * of the tree, with its counters as last seen. */
struct gpu_drm_client {
	uint64_t id;       /* drm-client-id */
	uint32_t gen;      /* sample it was last seen in; 0: free slot */
	uint8_t dev;
	uint64_t ns[GPU_DRM_MAX_ENGINES];
	uint64_t cycles[GPU_DRM_MAX_ENGINES], total[GPU_DRM_MAX_ENGINES];
};

/* A process of the tree and its DRM descriptors, as its fd directory last
 * showed them (an open-addressing hash slot, keyed by pid). */
struct gpu_drm_proc {
	int32_t pid;
	uint32_t seen;     /* DRM generation it was last in the tree; a slot
			    * not seen in this or the previous one is free */
	uint8_t nfd;
	uint8_t every;     /* more DRM descriptors than fd[] holds: its
			    * directory is read every sample */
	int32_t fd[GPU_DRM_PROC_FDS];
};

struct gpu {
	unsigned ndev;
	struct rt_gpu_dev dev[RT_GPU_MAX_DEVICES];    /* the inventory */
	struct rt_gpu_values val[RT_GPU_MAX_DEVICES]; /* the last sample */
	unsigned nnvml;             /* devices 0..nnvml-1 are NVML's */
	long nvml_tid;              /* the thread that initialised NVML */
	int pidns_nested;           /* rtrack is not in the initial PID ns */
	struct gpu_nvml_dev nvml[RT_GPU_MAX_DEVICES];
	struct gpu_pent pent[GPU_MAX_PROCS];
	unsigned npent;
	uint64_t buf[GPU_MAX_PROCS * 4]; /* NVML lists (32-byte entries) */
	const char *procroot;
	struct gpu_drm_dev drm[RT_GPU_MAX_DEVICES]; /* by device index */
	struct gpu_drm_client client[GPU_DRM_MAX_CLIENTS];
	struct gpu_drm_proc proc[GPU_DRM_PROCS];
	uint32_t gen;               /* DRM sample generation */
	uint64_t prev_ns;           /* time of the previous DRM sample */
	char fdinfo[8192];         /* one fdinfo file (amdgpu: ~600 bytes) */
};

/* Whether this machine seems to have a GPU source, for the log's header:
 * the NVIDIA driver lists a GPU in <procroot>/driver/nvidia/gpus and NVML
 * loads (it stays loaded for gpu_init; a library named in cfg->nvml_path
 * needs no driver), or sysfs shows a DRM device of a driver that
 * publishes usage stats.  GPU_SRC_* bits, 0 for none.  Cheap, and safe in
 * a host's constructor: no nvmlInit, no descriptor left open. */
unsigned gpu_probe(const struct gpu_cfg *cfg);

/* Prepare g (which may be uninitialised static storage) and find the
 * devices: NVML's first (nvmlInit: call it on the thread that samples,
 * whose descriptor table keeps the driver's descriptors), then DRM's.
 * Returns the number of devices (0: no GPU; gpu_sample then only marks
 * the GPU fields missing). */
unsigned gpu_init(struct gpu *g, const struct gpu_cfg *cfg);

/* Read every device at wall time now_ns into g->val and the GPU fields of
 * s (sample.h); what no device reports is flagged missing, never 0.
 * NVML's devices are read only on the thread that ran gpu_init: another
 * one (the sampler restarted after a pause) may not have its descriptors,
 * so their values stay missing. */
void gpu_sample(struct gpu *g, const struct gpu_tree *t, uint64_t now_ns,
		struct rt_sample *s);

/* Mark every GPU field of s missing (GPU sampling off or no device). */
void gpu_sample_none(struct rt_sample *s);

/* Shut NVML down and unload it, so that the next probe or init loads the
 * library again.  For tests: a producer never calls it (the host may use
 * NVML too, and handles stay valid only while it is loaded). */
void gpu_release(void);

#endif
