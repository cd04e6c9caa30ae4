/* Raising RLIMIT_NOFILE so that a loop's connections fit. */
#include "lib/fdlimit.h"

#include <sys/resource.h>

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
