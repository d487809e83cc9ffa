/* fork_time.c - bench_start.py's forking root: N times fork(), the child
 * _exit(0)s at once, the parent waits for it; prints the mean wall time
 * of one round trip and the page faults of the parent and of the child
 * per fork (getrusage, wait4).  Under rtrack this process is the root and
 * has the sampler thread: what a shell, which forks once a command, pays
 * for that beside a single-threaded host. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 300, i;
	struct timespec a, b;
	struct rusage r0, r1, k;
	long child_faults = 0;

	if (n <= 0)
		return 2;
	getrusage(RUSAGE_SELF, &r0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++) {
		pid_t p = fork();

		if (p == 0)
			_exit(0);
		if (p < 0 || wait4(p, NULL, 0, &k) != p)
			return 1;
		child_faults += k.ru_minflt;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	getrusage(RUSAGE_SELF, &r1);
	printf("%.1f %.2f %.2f\n",
	       ((double)(b.tv_sec - a.tv_sec) * 1e9 +
		(double)(b.tv_nsec - a.tv_nsec)) / 1e3 / n,
	       (double)(r1.ru_minflt - r0.ru_minflt) / n,
	       (double)child_faults / n);
	return 0;
}
