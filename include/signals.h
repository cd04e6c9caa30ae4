/* SIGINT/SIGTERM handling without races: the signals stay blocked except while the
 * process waits in epoll_pwait() with signals_wait_mask(). SIGPIPE is ignored. */
#ifndef TWTEST_SIGNALS_H
#define TWTEST_SIGNALS_H

#include <signal.h>

/* Install the handlers and block SIGINT and SIGTERM. */
void signals_install(void);

/* The mask to wait with: the caller's mask with SIGINT and SIGTERM unblocked. */
const sigset_t *signals_wait_mask(void);

/* The number of the first stop signal received, or 0. */
int signals_stop_requested(void);

#endif
