/* Stop signals, delivered only inside epoll_pwait() so that no wake-up is lost. */
#include "signals.h"

#include <string.h>

static volatile sig_atomic_t stop_signal;
static sigset_t wait_mask;

static void on_stop(int sig)
{
	if (stop_signal == 0)
		stop_signal = sig;
}

void signals_install(void)
{
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
