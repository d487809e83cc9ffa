/* test_config.c - RTRACK_* parsing: defaults, every accepted form, and a
 * clear refusal naming the variable for every malformed one. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "log.h"

/* A fake environment: pairs of name, value, ending with NULL. */
static const char *fake_get(const char *name, void *ctx)
{
	const char **kv = ctx;

	for (; kv[0]; kv += 2)
		if (strcmp(kv[0], name) == 0)
			return kv[1];
	return NULL;
}

static int parse(struct rt_config *c, const char **env, char *err)
{
	return config_parse(c, fake_get, env, err, 200);
}

static void test_defaults(void **state)
{
	const char *env[] = { NULL };
	struct rt_config c;
	char err[200];

	(void)state;
	assert_int_equal(parse(&c, env, err), 0);
	assert_string_equal(c.output, "rtrack-%p.bin");
	assert_int_equal(c.interval_ns, 1000000000ull);
	assert_int_equal(c.children, 1);
	assert_int_equal(c.system, 1);
	assert_int_equal(c.mem_mode, RT_MEM_PSS);
	assert_int_equal(c.gpu, 1);
	assert_int_equal(c.quiet, 0);
	assert_int_equal(c.disable, 0);
}

static void test_all_set(void **state)
{
	const char *env[] = { "RTRACK_OUTPUT", "/tmp/j-%h-%p.bin",
			      "RTRACK_INTERVAL", "0.25", "RTRACK_CHILDREN", "0",
			      "RTRACK_SYSTEM", "0", "RTRACK_MEMORY", "rss",
			      "RTRACK_GPU", "off", "RTRACK_QUIET", "1",
			      "RTRACK_DISABLE", "0", NULL };
	struct rt_config c;
	char err[200];

	(void)state;
	assert_int_equal(parse(&c, env, err), 0);
	assert_string_equal(c.output, "/tmp/j-%h-%p.bin");
	assert_int_equal(c.interval_ns, 250000000ull);
	assert_int_equal(c.children, 0);
	assert_int_equal(c.system, 0);
	assert_int_equal(c.mem_mode, RT_MEM_RSS);
	assert_int_equal(c.gpu, 0);
	assert_int_equal(c.quiet, 1);
}

static void test_seconds(void **state)
{
	uint64_t ns = 42;

	(void)state;
	assert_int_equal(config_parse_seconds("1", &ns), 0);
	assert_int_equal(ns, 1000000000ull);
	assert_int_equal(config_parse_seconds("0.001", &ns), 0);
	assert_int_equal(ns, 1000000ull);
	assert_int_equal(config_parse_seconds("10.", &ns), 0);
	assert_int_equal(ns, 10000000000ull);
	assert_int_equal(config_parse_seconds("0.1234567891", &ns), 0);
	assert_int_equal(ns, 123456789ull);
	assert_int_equal(config_parse_seconds("86400", &ns), 0);
	ns = 42;
	static const char *bad[] = { "", "abc", "-1", "0", "0.0005", "1e3",
				     "0,5", " 1", "1 ", "86401", ".5",
				     "99999999999999999999999", "1.2.3" };
	size_t i;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(config_parse_seconds(bad[i], &ns), -1);
		assert_int_equal(ns, 42);
	}
}

static void test_malformed_named(void **state)
{
	static const char *cases[][2] = {
		{ "RTRACK_INTERVAL", "fast" }, { "RTRACK_CHILDREN", "yes" },
		{ "RTRACK_SYSTEM", "2" }, { "RTRACK_MEMORY", "uss" },
		{ "RTRACK_GPU", "on" }, { "RTRACK_QUIET", "true" },
		{ "RTRACK_DISABLE", "x" },
	};
	struct rt_config c;
	char err[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *env[] = { cases[i][0], cases[i][1], NULL };
		err[0] = '\0';
		assert_int_equal(parse(&c, env, err), -1);
		assert_non_null(strstr(err, cases[i][0]));
		assert_non_null(strstr(err, cases[i][1]));
		assert_null(strchr(err, '\n'));
	}
}

/* The message is built without stdio (config.c runs inside the host): its
 * exact text, a long value cut at 64 bytes, and a short buffer cut and
 * still terminated. */
static void test_error_text(void **state)
{
	char value[100], want[200], err[200], small[12];
	const char *env[] = { "RTRACK_MEMORY", "uss", NULL };
	struct rt_config c;

	(void)state;
	assert_int_equal(config_parse(&c, fake_get, env, err, sizeof(err)), -1);
	assert_string_equal(err, "RTRACK_MEMORY='uss' is not valid (pss or rss)");
	memset(value, 'x', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	env[1] = value;
	assert_int_equal(config_parse(&c, fake_get, env, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "RTRACK_MEMORY='%.64s' is not valid "
		 "(pss or rss)", value);
	assert_string_equal(err, want);
	memset(small, '#', sizeof(small));
	assert_int_equal(config_parse(&c, fake_get, env, small,
				      sizeof(small)), -1);
	assert_string_equal(small, "RTRACK_MEMO");
}

static void test_empty_means_default(void **state)
{
	const char *env[] = { "RTRACK_INTERVAL", "", "RTRACK_OUTPUT", "",
			      "RTRACK_MEMORY", "", NULL };
	struct rt_config c;
	char err[200];

	(void)state;
	assert_int_equal(parse(&c, env, err), 0);
	assert_int_equal(c.interval_ns, 1000000000ull);
	assert_string_equal(c.output, "rtrack-%p.bin");
}

static void test_expand_output(void **state)
{
	char dst[64];

	(void)state;
	assert_int_equal(config_expand_output("r-%p-%h-%t%%.bin", 123, "node1",
					      1700000000, dst, sizeof(dst)), 0);
	assert_string_equal(dst, "r-123-node1-1700000000%.bin");
	assert_int_equal(config_expand_output("plain", 1, "h", 0, dst, sizeof(dst)), 0);
	assert_string_equal(dst, "plain");
	assert_int_equal(config_expand_output("bad%x", 1, "h", 0, dst, sizeof(dst)), -1);
	assert_int_equal(config_expand_output("trailing%", 1, "h", 0, dst, sizeof(dst)), -1);
	/* Exactly fitting, and one byte too long. */
	assert_int_equal(config_expand_output("%p", 1234567, "h", 0, dst, 8), 0);
	assert_string_equal(dst, "1234567");
	assert_int_equal(config_expand_output("%p", 1234567, "h", 0, dst, 7), -1);
}

/* A host name with a '/' (sethostname allows one) or a control byte stays
 * one path component: %h must not send the log into another directory. */
static void test_expand_host_unsafe(void **state)
{
	char dst[64];

	(void)state;
	assert_int_equal(config_expand_output("/tmp/r-%h.bin", 1, "a/../b", 0,
					      dst, sizeof(dst)), 0);
	assert_string_equal(dst, "/tmp/r-a_.._b.bin");
	/* A name of dots alone would climb out of the directory. */
	assert_int_equal(config_expand_output("logs/%h/x.bin", 1, "..", 0, dst,
					      sizeof(dst)), 0);
	assert_string_equal(dst, "logs/__/x.bin");
	assert_int_equal(config_expand_output("logs/%h/x", 1, ".", 0, dst,
					      sizeof(dst)), 0);
	assert_string_equal(dst, "logs/_/x");
	assert_int_equal(config_expand_output("%h", 1, "...a", 0, dst,
					      sizeof(dst)), 0);
	assert_string_equal(dst, "...a");
	assert_int_equal(config_expand_output("%h", 1, "x\ny\x7f", 0, dst,
					      sizeof(dst)), 0);
	assert_string_equal(dst, "x_y_");
	/* The template's own '/' are kept. */
	assert_int_equal(config_expand_output("d/%h/x", 1, "n1", 0, dst,
					      sizeof(dst)), 0);
	assert_string_equal(dst, "d/n1/x");
	assert_int_equal(config_expand_output("%h", 1, "abc", 0, dst, 3), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_error_text),
		cmocka_unit_test(test_all_set),
		cmocka_unit_test(test_seconds),
		cmocka_unit_test(test_malformed_named),
		cmocka_unit_test(test_empty_means_default),
		cmocka_unit_test(test_expand_output),
		cmocka_unit_test(test_expand_host_unsafe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
