/* num.c - arithmetic that reports overflow and division by zero. */
#include "calc.h"

int num_add(calc_int a, calc_int b, calc_int *r)
{
	return __builtin_add_overflow(a, b, r) ? -1 : 0;
}

int num_sub(calc_int a, calc_int b, calc_int *r)
{
	return __builtin_sub_overflow(a, b, r) ? -1 : 0;
}

int num_mul(calc_int a, calc_int b, calc_int *r)
{
	return __builtin_mul_overflow(a, b, r) ? -1 : 0;
}

int num_div(calc_int a, calc_int b, calc_int *r)
{
	if (b == 0 || (b == -1 && a == (calc_int)1 << (SIZEOF_LONG_LONG * 8 - 1)))
		return -1;
	*r = a / b;
	return 0;
}

int num_mod(calc_int a, calc_int b, calc_int *r)
{
	if (b == 0 || b == -1) {
		if (b == 0)
			return -1;
		*r = 0;
		return 0;
	}
	*r = a % b;
	return 0;
}
