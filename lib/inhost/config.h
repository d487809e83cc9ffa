/* config.h - the RTRACK_* environment of the host (DESIGN.md, interface
 * contract), parsed strictly: a malformed value is an error with a reason,
 * never a silent default. */
#ifndef RTRACK_CONFIG_H
#define RTRACK_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CONFIG_PATH_MAX 4096

/* The small fields first: a descendant touches `children` alone, one
 * page of this struct rather than two (preload/rtrack.h). */
struct rt_config {
	uint64_t interval_ns;         /* RTRACK_INTERVAL */
	int children;                 /* RTRACK_CHILDREN */
	int system;                   /* RTRACK_SYSTEM */
	int mem_mode;                 /* RTRACK_MEMORY: enum rt_mem_mode */
	int gpu;                      /* RTRACK_GPU: 1 auto, 0 off */
	int quiet;                    /* RTRACK_QUIET */
	int disable;                  /* RTRACK_DISABLE */
	/* RTRACK_TEST_NVML: for tests only, the NVML library to load instead
	 * of libnvidia-ml.so.1 (a fake); "" when unset.  Before output: its
	 * first byte on the numbers' page. */
	char nvml_path[CONFIG_PATH_MAX];
	char output[CONFIG_PATH_MAX]; /* RTRACK_OUTPUT template, unexpanded */
};

/* Returns the value of an environment variable, or NULL when unset. */
typedef const char *(*config_getenv_fn)(const char *name, void *ctx);

/* Fill c from the variables that get returns, defaults for unset ones.
 * Returns 0, or -1 with a one-line reason in err (naming the variable and
 * its value) when a value is malformed; c is then not to be used.  An unset
 * or empty variable takes its default. */
int config_parse(struct rt_config *c, config_getenv_fn get, void *ctx,
		 char *err, size_t errlen);

/* Parse a decimal number of seconds ("1", "0.25", "10.") into ns, without
 * strtod (its locale could read "0,5").  Accepts 0.001 to 86400. */
int config_parse_seconds(const char *s, uint64_t *ns);

/* Expand %p (pid), %h (host), %t (start time, unix seconds) and %% in tmpl.
 * A '/' or control byte of host comes out as '_': %h is one path
 * component, whatever the host is called.  Returns 0, or -1 for an unknown % sequence or a result that does not fit
 * in size bytes. */
int config_expand_output(const char *tmpl, int32_t pid, const char *host,
			 uint64_t start_s, char *dst, size_t size);

#endif
