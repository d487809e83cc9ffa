/* near.h - assert_near for cmocka tests: two doubles equal to within a
 * relative 1e-9 (figures worked out by hand go through floating point). */
#ifndef RTRACK_TESTS_NEAR_H
#define RTRACK_TESTS_NEAR_H

#include <math.h>

#define assert_near(a, b) check_near((a), (b), #a, __FILE__, __LINE__)

static inline void check_near(double got, double want, const char *what,
			      const char *file, int line)
{
	if (fabs(got - want) <= 1e-9 * fmax(1.0, fabs(want)))
		return;
	print_error("%s = %.12g, expected %.12g\n", what, got, want);
	_fail(file, line);
}

#endif
