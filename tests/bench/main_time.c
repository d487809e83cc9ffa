/* main_time.c - bench_start.py's root: /bin/true that first prints when
 * its main began (CLOCK_MONOTONIC, ns), so that the time from the spawn
 * to main, which is what a preloaded constructor delays, is measured
 * apart from the exit. */
#include <stdio.h>
#include <time.h>

int main(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	printf("%lld\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	return 0;
}
