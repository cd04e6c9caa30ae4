/* Waiting on an epoll set with a nanosecond timeout and a signal mask: epoll_pwait2 where
 * the kernel (5.11 on) or the tool running the program has it, else epoll_pwait with the
 * timeout rounded up to a millisecond. */
#ifndef TWTEST_EPOLL_NS_H
#define TWTEST_EPOLL_NS_H

#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>

/* epoll_pwait2(epfd, evs, max, timeout_ns, mask); timeout_ns < 0 waits without a deadline.
 * After its first ENOSYS the process uses epoll_pwait only (valgrind 3.19 has no
 * epoll_pwait2: without the fallback every wait failed and no event was ever read). */
int epoll_wait_ns(int epfd, struct epoll_event *evs, int max, int64_t timeout_ns,
		  const sigset_t *mask);

#endif
