/* config.c - strict parsing of the RTRACK_* variables. */
#include "config.h"

#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "log.h"
#include "text.h"

int config_parse_seconds(const char *s, uint64_t *ns)
{
	const char *end = s + strlen(s), *p;
	uint64_t whole, frac = 0, scale = 1000000000ull;

	if (text_parse_u64(s, end, &whole, &p) < 0 || whole > 86400)
		return -1;
	if (p < end && *p == '.') {
		for (p++; p < end && *p >= '0' && *p <= '9'; p++) {
			scale /= 10; /* digits past the 9th are below 1 ns */
			frac += (uint64_t)(*p - '0') * scale;
		}
	}
	if (p != end)
		return -1;
	whole = whole * 1000000000ull + frac;
	if (whole < 1000000ull || whole > 86400ull * 1000000000ull)
		return -1;
	*ns = whole;
	return 0;
}

/* A 0/1 switch; "" and unset keep the default. */
static int config_bool(const char *v, int *out)
{
	if (!v || !*v)
		return 0;
	if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
		return -1;
	*out = v[0] == '1';
	return 0;
}

/* One of two words, mapped to 0/1 ("" and unset keep the default). */
static int config_word(const char *v, const char *w0, const char *w1, int *out)
{
	if (!v || !*v)
		return 0;
	if (strcmp(v, w0) == 0)
		*out = 0;
	else if (strcmp(v, w1) == 0)
		*out = 1;
	else
		return -1;
	return 0;
}

static int config_bad(char *err, size_t errlen, const char *name,
		      const char *value, const char *expect)
{
	char *at = err, *end = err + errlen;

	/* No stdio inside the host: the parts one by one, as
	 * "%s='%.64s' is not valid (%s)" would print them. */
	if (errlen == 0)
		return -1;
	at = text_append(at, end, name, SIZE_MAX);
	at = text_append(at, end, "='", SIZE_MAX);
	at = text_append(at, end, value, 64);
	at = text_append(at, end, "' is not valid (", SIZE_MAX);
	at = text_append(at, end, expect, SIZE_MAX);
	text_append(at, end, ")", SIZE_MAX);
	return -1;
}

int config_parse(struct rt_config *c, config_getenv_fn get, void *ctx,
		 char *err, size_t errlen)
{
	const char *v;

	/* The numbers; of the two paths (8 KiB) their first bytes only: a
	 * root's start would fault in the pages of the rest. */
	memset(c, 0, offsetof(struct rt_config, nvml_path));
	c->nvml_path[0] = '\0';
	strcpy(c->output, "rtrack-%p.bin");
	c->interval_ns = 1000000000ull;
	c->children = c->system = c->gpu = 1;
	c->mem_mode = RT_MEM_PSS;
	if ((v = get("RTRACK_DISABLE", ctx)) && config_bool(v, &c->disable) < 0)
		return config_bad(err, errlen, "RTRACK_DISABLE", v, "0 or 1");
	if ((v = get("RTRACK_QUIET", ctx)) && config_bool(v, &c->quiet) < 0)
		return config_bad(err, errlen, "RTRACK_QUIET", v, "0 or 1");
	if ((v = get("RTRACK_OUTPUT", ctx)) && *v) {
		if (strlen(v) >= sizeof(c->output))
			return config_bad(err, errlen, "RTRACK_OUTPUT", v, "too long");
		strcpy(c->output, v);
	}
	if ((v = get("RTRACK_INTERVAL", ctx)) && *v &&
	    config_parse_seconds(v, &c->interval_ns) < 0)
		return config_bad(err, errlen, "RTRACK_INTERVAL", v,
				  "seconds from 0.001 to 86400, e.g. 0.5");
	if ((v = get("RTRACK_CHILDREN", ctx)) && config_bool(v, &c->children) < 0)
		return config_bad(err, errlen, "RTRACK_CHILDREN", v, "0 or 1");
	if ((v = get("RTRACK_SYSTEM", ctx)) && config_bool(v, &c->system) < 0)
		return config_bad(err, errlen, "RTRACK_SYSTEM", v, "0 or 1");
	if ((v = get("RTRACK_MEMORY", ctx)) &&
	    config_word(v, "pss", "rss", &c->mem_mode) < 0)
		return config_bad(err, errlen, "RTRACK_MEMORY", v, "pss or rss");
	if ((v = get("RTRACK_GPU", ctx)) &&
	    config_word(v, "off", "auto", &c->gpu) < 0)
		return config_bad(err, errlen, "RTRACK_GPU", v, "auto or off");
	if ((v = get("RTRACK_TEST_NVML", ctx)) && *v) {
		if (strlen(v) >= sizeof(c->nvml_path))
			return config_bad(err, errlen, "RTRACK_TEST_NVML", v,
					  "too long");
		strcpy(c->nvml_path, v);
	}
	return 0;
}

/* Append n bytes to dst[*len..size), keeping room for the NUL. */
static int config_append(char *dst, size_t size, size_t *len, const char *s,
			 size_t n)
{
	if (n >= size - *len)
		return -1;
	memcpy(dst + *len, s, n);
	*len += n;
	return 0;
}

/* The host name as one path component: a '/' (a name set with
 * sethostname can hold one) or a control byte becomes '_', and so does
 * every dot of a name of dots alone ("." or "..": "logs/%h/x.bin" would
 * climb out of logs/), so that %h never adds or leaves a directory, or
 * adds a line break, in the log's path. */
static int config_append_host(char *dst, size_t size, size_t *len,
			      const char *host)
{
	int dots = *host != '\0' && host[strspn(host, ".")] == '\0';
	int rc = 0;

	for (; *host && rc == 0; host++) {
		unsigned char c = (unsigned char)*host;
		rc = config_append(dst, size, len,
				   c == '/' || c < 0x20 || c == 0x7f ||
						   (dots && c == '.') ?
					   "_" :
					   host,
				   1);
	}
	return rc;
}

int config_expand_output(const char *tmpl, int32_t pid, const char *host,
			 uint64_t start_s, char *dst, size_t size)
{
	char num[20];
	size_t len = 0;
	const char *p;
	int rc = 0;

	if (size == 0)
		return -1;
	for (p = tmpl; *p && rc == 0; p++) {
		if (*p != '%') {
			rc = config_append(dst, size, &len, p, 1);
			continue;
		}
		switch (*++p) {
		case 'p':
			rc = config_append(dst, size, &len, num,
					   text_put_u64(num, (uint64_t)pid));
			break;
		case 'h':
			rc = config_append_host(dst, size, &len, host);
			break;
		case 't':
			rc = config_append(dst, size, &len, num,
					   text_put_u64(num, start_s));
			break;
		case '%':
			rc = config_append(dst, size, &len, "%", 1);
			break;
		default: /* includes a lone '%' at the end */
			rc = -1;
			p--; /* never step over the NUL */
		}
	}
	dst[len] = '\0';
	return rc;
}
