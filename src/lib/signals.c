/* Stop signals, delivered only inside epoll_pwait() so that no wake-up is lost. */
#include "lib/signals.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "lib/clock.h"

static volatile sig_atomic_t stop_signal;
static sigset_t wait_mask;
static int stop_fd = -1;

static void on_stop(int sig)
{
	int saved = errno;
	if (stop_signal == 0)
		stop_signal = sig;
	/* Wake every thread's epoll set, not only the one the signal was delivered to. */
	uint64_t one = 1;
	if (stop_fd >= 0 && write(stop_fd, &one, sizeof(one)) < 0) {
		/* nothing to do: the flag is set, and waits are bounded by their timeouts */
	}
	errno = saved;
}

void signals_install(void)
{
	if (stop_fd < 0)
		stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
}

const sigset_t *signals_wait_mask(void)
{
	return &wait_mask;
}

int signals_stop_requested(void)
{
	return stop_signal;
}

void signals_request_stop(void)
{
	on_stop(SIGTERM);
}

int signals_stop_fd(void)
{
	return stop_fd;
}

int signals_sleep_ms(unsigned ms)
{
	uint64_t end = clock_now_ns() + (uint64_t)ms * 1000000;
	for (uint64_t now; !stop_signal && (now = clock_now_ns()) < end;) {
		struct timespec ts = {.tv_sec = (time_t)((end - now) / 1000000000),
				      .tv_nsec = (long)((end - now) % 1000000000)};
		ppoll(NULL, 0, &ts, &wait_mask);
	}
	return stop_signal;
}
