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

/* Stop as SIGTERM would, from inside the process (every thread's wait wakes up). */
void signals_request_stop(void);

/* An eventfd that becomes readable (and stays so) when a stop signal arrives; add it,
 * level-triggered, to every epoll set that must wake up. -1 if it could not be made. */
int signals_stop_fd(void);
/* Sleep up to ms milliseconds; a stop signal ends the sleep. Returns signals_stop_requested(). */
int signals_sleep_ms(unsigned ms);

#endif
