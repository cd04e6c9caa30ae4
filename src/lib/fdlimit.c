/* Raising RLIMIT_NOFILE so that a loop's connections fit. */
#include "lib/fdlimit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "lib/kcounters.h"

#include "lib/sysctl.h"

uint64_t fdlimit_raise(uint64_t need)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	if (need > rl.rlim_max) {
		/* Only a privileged process may raise the hard limit; fs.nr_open caps it. */
		long nr_open = sysctl_read_long("/proc/sys/fs/nr_open");
		struct rlimit want = {need, need};
		if (nr_open > 0 && want.rlim_max > (rlim_t)nr_open)
			want.rlim_cur = want.rlim_max = (rlim_t)nr_open;
		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			return want.rlim_cur;
	}
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	getrlimit(RLIMIT_NOFILE, &rl);
	return rl.rlim_cur;
}

#define CAP_SYS_RESOURCE_BIT 24 /* linux/capability.h's CAP_SYS_RESOURCE */

/* Does this process hold CAP_SYS_RESOURCE (CapEff in /proc/self/status)? */
static int has_sys_resource(void)
{
	char *status = read_proc_file("/proc/self/status");
	const char *eff = status ? strstr(status, "\nCapEff:") : NULL;
	int yes = eff && (strtoull(eff + 8, NULL, 16) >> CAP_SYS_RESOURCE_BIT & 1);
	free(status);
	return yes;
}

void fdlimit_advice(uint64_t need, uint64_t spare, char *buf, size_t len)
{
	struct rlimit rl = {0, 0};
	getrlimit(RLIMIT_NOFILE, &rl);
	long nr_open = sysctl_read_long("/proc/sys/fs/nr_open");
	uint64_t hard = rl.rlim_max, fits = hard > spare ? hard - spare : 0;
	if (nr_open > 0 && need > (uint64_t)nr_open) {
		uint64_t most = (uint64_t)nr_open > spare ? (uint64_t)nr_open - spare : 0;
		snprintf(buf, len, "above fs.nr_open=%ld, the most any process may open: as root raise "
			 "it first (sysctl -w fs.nr_open=%" PRIu64 "; then ulimit -n %" PRIu64 "), or give "
			 "CONNS at most %" PRIu64 " (%" PRIu64 " with this hard limit)", nr_open, need, need,
			 most, fits);
	} else if (!has_sys_resource()) {
		snprintf(buf, len, "above the hard limit RLIMIT_NOFILE=%" PRIu64 ", which only a process "
			 "with CAP_SYS_RESOURCE may raise, and this one lacks it: raise it where that "
			 "capability is (ulimit -Hn %" PRIu64 " in a root shell that has it, LimitNOFILE= in a "
			 "systemd unit), or give CONNS at most %" PRIu64, hard, need, fits);
	} else {
		snprintf(buf, len, "the limit stays RLIMIT_NOFILE=%" PRIu64 " (setrlimit refused): give "
			 "CONNS at most %" PRIu64, (uint64_t)rl.rlim_cur, fits);
	}
}
