/* Polling the kernel's socket table (sockdiag) until closes settle or TIME_WAIT drains. */
#include "lib/tw_wait.h"

#include "lib/clock.h"
#include "lib/signals.h"

#define SETTLE_POLL_MS 2
#define CLEAR_POLL_MS 100 /* TIME_WAIT ends in timer batches; finer polling buys nothing */

int tw_settle(const struct sockdiag_filter *f, uint32_t max_ms, struct tcp_states *out)
{
	uint64_t end = clock_now_ns() + (uint64_t)max_ms * 1000000;
	for (;;) {
		int rc = sockdiag_count(f, TCPF_CLOSING_STATES | TCPF(TCPS_TIME_WAIT), out);
		if (rc < 0)
			return rc;
		uint64_t closing = out->n[TCPS_FIN_WAIT1] + out->n[TCPS_FIN_WAIT2] +
				   out->n[TCPS_CLOSING] + out->n[TCPS_LAST_ACK];
		if (closing == 0)
			return TW_WAIT_DONE;
		if (clock_now_ns() >= end)
			return TW_WAIT_TIMEOUT;
		if (signals_sleep_ms(SETTLE_POLL_MS))
			return TW_WAIT_INTERRUPTED;
	}
}

int tw_wait_clear(const struct sockdiag_filter *f, uint64_t timeout_ms, uint64_t *left,
		  uint64_t *waited_ns)
{
	uint64_t start = clock_now_ns();
	uint64_t end = start + timeout_ms * 1000000;
	int result;
	for (;;) {
		struct tcp_states st;
		int rc = sockdiag_count(f, TCPF(TCPS_TIME_WAIT), &st);
		if (rc < 0)
			return rc;
		*left = st.n[TCPS_TIME_WAIT];
		uint64_t now = clock_now_ns();
		if (*left == 0) {
			result = TW_WAIT_DONE;
			break;
		}
		if (timeout_ms && now >= end) {
			result = TW_WAIT_TIMEOUT;
			break;
		}
		uint64_t ms = CLEAR_POLL_MS;
		if (timeout_ms && (end - now) / 1000000 + 1 < ms)
			ms = (end - now) / 1000000 + 1;
		if (signals_sleep_ms((uint32_t)ms)) {
			result = TW_WAIT_INTERRUPTED;
			break;
		}
	}
	*waited_ns = clock_now_ns() - start;
	return result;
}
