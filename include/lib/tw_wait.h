/* Waiting on the kernel's socket table: until a loop's closes have settled into their
 * final state, or until no TIME_WAIT socket matching a filter remains. Both end early on
 * SIGINT/SIGTERM (signals_install() first). */
#ifndef TWTEST_TW_WAIT_H
#define TWTEST_TW_WAIT_H

#include <stdint.h>

#include "lib/sockdiag.h"

/* The transient closing states a settle waits out. */
#define TCPF_CLOSING_STATES \
	(TCPF(TCPS_FIN_WAIT1) | TCPF(TCPS_FIN_WAIT2) | TCPF(TCPS_CLOSING) | TCPF(TCPS_LAST_ACK))

enum tw_wait_result { TW_WAIT_DONE = 0, TW_WAIT_TIMEOUT = 1, TW_WAIT_INTERRUPTED = 2 };

/* Count closing and TIME_WAIT sockets matching f every few ms until none is in a closing
 * state or max_ms passed; out holds the last counts. Returns a tw_wait_result or -errno. */
int tw_settle(const struct sockdiag_filter *f, uint32_t max_ms, struct tcp_states *out);

/* Wait until no TIME_WAIT socket matches f, or timeout_ms passed (0: no limit). *left is
 * the TIME_WAIT count last seen, *waited_ns the time spent. Returns a tw_wait_result or
 * -errno. */
int tw_wait_clear(const struct sockdiag_filter *f, uint64_t timeout_ms, uint64_t *left,
		  uint64_t *waited_ns);

#endif
