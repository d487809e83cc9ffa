/* main.c - calc: one integer expression a line on stdin, its value (or
 * "error: WHY") a line on stdout; exit 1 if any line was an error. */
#include <stdio.h>
#include <string.h>

#include "calc.h"

int main(void)
{
	char line[1024];
	int bad = 0;

	while (fgets(line, sizeof(line), stdin)) {
		calc_int v;
		const char *err;

		line[strcspn(line, "\n")] = '\0';
		if (eval(line, &v, &err) < 0) {
			printf("error: %s\n", err);
			bad = 1;
		} else {
			printf("%lld\n", (long long)v);
		}
	}
	return bad;
}
