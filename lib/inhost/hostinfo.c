/* hostinfo.c - the machine's part of a log header (hostinfo.h). */
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "hostinfo.h"
#include "text.h"

uint64_t hostinfo_clock_ns(int clock_id)
{
	struct timespec ts;

	if (clock_gettime((clockid_t)clock_id, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void hostinfo_header(struct rt_header *h, uint64_t now_ns, uint64_t boot_ns)
{
	struct utsname u;

	if (uname(&u) == 0) {
		text_copy(h->host, sizeof(h->host), u.nodename);
		text_copy(h->kernel, sizeof(h->kernel), u.release);
		text_copy(h->machine, sizeof(h->machine), u.machine);
	}
	h->ncpus = (uint32_t)sysconf(_SC_NPROCESSORS_ONLN);
	h->clk_tck = (uint32_t)sysconf(_SC_CLK_TCK);
	h->page_size = (uint32_t)sysconf(_SC_PAGESIZE);
	h->boot_time_ns = now_ns - boot_ns;
}
