/* epoll_pwait2 with its fallback to epoll_pwait (include/lib/epoll_ns.h). */
#include "lib/epoll_ns.h"

#include <errno.h>
#include <time.h>

static int no_pwait2; /* set once epoll_pwait2 said ENOSYS; read and written atomically */

int epoll_wait_ns(int epfd, struct epoll_event *evs, int max, int64_t timeout_ns,
		  const sigset_t *mask)
{
	if (!__atomic_load_n(&no_pwait2, __ATOMIC_RELAXED)) {
		struct timespec ts = {.tv_sec = (time_t)(timeout_ns / 1000000000),
				      .tv_nsec = (long)(timeout_ns % 1000000000)};
		int n = epoll_pwait2(epfd, evs, max, timeout_ns < 0 ? NULL : &ts, mask);
		if (n >= 0 || errno != ENOSYS)
			return n;
		__atomic_store_n(&no_pwait2, 1, __ATOMIC_RELAXED);
	}
	int ms = -1;
	if (timeout_ns >= 0) {
		int64_t up = (timeout_ns + 999999) / 1000000;
		ms = up > INT32_MAX ? INT32_MAX : (int)up;
	}
	return epoll_pwait(epfd, evs, max, ms, mask);
}
