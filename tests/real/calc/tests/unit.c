/* unit.c - calc's unit tests: the arithmetic and the evaluator, one line
 * per test as "ok N - what" / "not ok N - what" (TAP). */
#include <stdio.h>
#include <string.h>

#include "calc.h"

static int n, failed;

static void ok(int cond, const char *what)
{
	n++;
	printf("%sok %d - %s\n", cond ? "" : "not ", n, what);
	if (!cond)
		failed++;
}

static int value(const char *text, calc_int want)
{
	calc_int v;
	const char *err;

	return eval(text, &v, &err) == 0 && v == want;
}

static int error(const char *text, const char *want)
{
	calc_int v;
	const char *err;

	return eval(text, &v, &err) < 0 && strcmp(err, want) == 0;
}

int main(void)
{
	calc_int r;

	ok(num_add(2, 3, &r) == 0 && r == 5, "add");
	ok(num_mul((calc_int)1 << 62, 4, &r) < 0, "mul overflow");
	ok(num_div(7, 0, &r) < 0, "div by zero");
	ok(num_mod(-7, 3, &r) == 0 && r == -1, "mod sign");
	ok(value("1 + 2 * 3", 7), "precedence");
	ok(value("(1 + 2) * 3", 9), "parentheses");
	ok(value("--5", 5), "double minus");
	ok(error("(1 + 2", "missing )"), "missing paren");
	ok(error("1 +", "syntax error"), "dangling op");
	ok(error("4 / (2 - 2)", "division by zero"), "div by zero in expr");
	printf("1..%d\n", n);
	return failed != 0;
}
