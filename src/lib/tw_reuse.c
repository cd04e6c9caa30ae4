/* The tcp_tw_reuse rule as the kernel's tcp_twsk_unique applies it, the reuse delay in
 * words, ip_local_reserved_ports and the loopback test (see include/lib/tw_reuse.h). */
#include "lib/tw_reuse.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "lib/parse.h"

static const char *const verdict_names[] = {"no", "yes", "likely", "unknown"};

const char *tw_verdict_name(enum tw_verdict v)
{
	return (unsigned)v < sizeof(verdict_names) / sizeof(verdict_names[0]) ? verdict_names[v] : "?";
}

/* The timestamps condition: tw_ts_recent_stamp, set only if the old connection negotiated
 * them. *likely is set when the peer's side was not seen. Returns 1 passed, else the verdict
 * with *why. */
static int timestamps_pass(const struct tw_case *c, int *likely, enum tw_verdict *v,
			   const char **why)
{
	/* [reuse - 1]: the words differ between 1 (global) and 2 (loopback only) */
	static const char *const partly[] = {
		"tcp_tw_reuse=1, timestamps negotiated on some connections to this peer only",
		"tcp_tw_reuse=2 and loopback, timestamps negotiated on some connections to this peer only",
	};
	static const char *const unseen[] = {
		"tcp_tw_reuse=1, if the peer negotiates timestamps (not seen)",
		"tcp_tw_reuse=2 and loopback, if the peer negotiates timestamps (not seen)",
	};
	if (c->negotiated == 1)
		return 1;
	if (c->timestamps == 0) /* this host offers none: no connection has them */
		return *why = "tcp_timestamps=0 here: reuse needs timestamps", *v = TW_NO, 0;
	if (c->negotiated == 0)
		return *why = "timestamps not negotiated with this peer", *v = TW_NO, 0;
	if (c->negotiated == 2)
		return *why = partly[c->tw_reuse - 1], *likely = 1;
	if (c->timestamps < 0)
		return *why = "tcp_timestamps could not be read", *v = TW_UNKNOWN_VERDICT, 0;
	return *why = unseen[c->tw_reuse - 1], *likely = 1;
}

/* The delay condition: time_after32(now, entry + tcp_tw_reuse_delay) on 6.14+, before it
 * time_after32(seconds now, seconds of the last timestamp): the next whole second. */
static int delay_pass(const struct tw_case *c, enum tw_verdict *v, const char **why)
{
	if (c->age_ms == TW_AGE_ANY)
		return 1;
	if (c->age_ms < 0)
		return *why = "the TIME_WAIT socket's age is unknown", *v = TW_UNKNOWN_VERDICT, 0;
	if (c->delay_ms == SYSCTL_ABSENT) {
		if (c->age_ms >= 1000)
			return 1;
		return *why = "younger than 1 s: reused once the whole-second clock turns (before Linux 6.14)",
		       *v = TW_UNKNOWN_VERDICT, 0;
	}
	if (c->delay_ms < 0)
		return *why = "tcp_tw_reuse_delay could not be read", *v = TW_UNKNOWN_VERDICT, 0;
	if (c->age_ms > c->delay_ms)
		return 1;
	return *why = "younger than tcp_tw_reuse_delay", *v = TW_NO, 0;
}

enum tw_verdict tw_reuse_rule(const struct tw_case *c, const char **why)
{
	enum tw_verdict v = TW_NO;
	int likely = 0;
	/* the kernel's order: substate, tcp_tw_reuse, loopback for 2, timestamps, delay */
	if (c->fin_wait2 == 1)
		return *why = "an orphaned FIN_WAIT2 (TIME_WAIT substate FIN_WAIT2) is never reused", TW_NO;
	if (c->fin_wait2 < 0)
		return *why = "whether the TIME_WAIT socket is a FIN_WAIT2 orphan is unknown",
		       TW_UNKNOWN_VERDICT;
	if (c->tw_reuse < 0)
		return *why = "tcp_tw_reuse could not be read", TW_UNKNOWN_VERDICT;
	if (c->tw_reuse == 0)
		return *why = "tcp_tw_reuse=0: off", TW_NO;
	if (c->tw_reuse > 2)
		return *why = "tcp_tw_reuse has a value the kernel does not take", TW_UNKNOWN_VERDICT;
	if (c->tw_reuse == 2 && c->loopback == 0)
		return *why = "tcp_tw_reuse=2 covers loopback only, and this traffic is not", TW_NO;
	if (c->tw_reuse == 2 && c->loopback < 0)
		return *why = "tcp_tw_reuse=2, and whether the traffic is loopback is unknown",
		       TW_UNKNOWN_VERDICT;
	if (!timestamps_pass(c, &likely, &v, why))
		return v;
	const char *ts_why = *why;
	if (!delay_pass(c, &v, why))
		return v;
	if (likely)
		return *why = ts_why, TW_LIKELY;
	return *why = c->tw_reuse == 2 ? "tcp_tw_reuse=2 and loopback, timestamps negotiated"
				       : "tcp_tw_reuse=1, timestamps negotiated",
	       TW_YES;
}

/* The delay in one of two forms: [0] words, [1] a token without spaces. */
static const char *delay_text(long delay_ms, int token, char *buf, size_t len)
{
	static const char *const absent[] = {"the next whole second (0-1 s)", "next-whole-second(0-1s)"};
	static const char *const unread[] = {"unknown (tcp_tw_reuse_delay could not be read)", "unknown"};
	if (delay_ms == SYSCTL_ABSENT)
		snprintf(buf, len, "%s", absent[token]);
	else if (delay_ms < 0)
		snprintf(buf, len, "%s", unread[token]);
	else
		snprintf(buf, len, token ? "%ld" : "%ld ms", delay_ms);
	return buf;
}

const char *tw_reuse_delay_words(long delay_ms, char *buf, size_t len)
{
	return delay_text(delay_ms, 0, buf, len);
}

const char *tw_reuse_delay_token(long delay_ms, char buf[TW_DELAY_TOKEN_LEN])
{
	return delay_text(delay_ms, 1, buf, TW_DELAY_TOKEN_LEN);
}

uint32_t tw_reuse_hold_ms(long delay_ms)
{
	if (delay_ms > TW_TIME_WAIT_MS)
		return TW_TIME_WAIT_MS;
	return delay_ms > 0 ? (uint32_t)delay_ms : TW_REUSE_DELAY_DEFAULT_MS;
}

int tw_parse_reserved(const char *text, uint64_t map[TW_PORT_WORDS])
{
	memset(map, 0, TW_PORT_WORDS * sizeof(uint64_t));
	char item[32];
	const char *p = text;
	while (*p && *p != '\n') {
		size_t n = strcspn(p, ",\n");
		if (n == 0 || n >= sizeof(item))
			return -1;
		memcpy(item, p, n);
		item[n] = '\0';
		uint16_t lo, hi;
		const char *why;
		uint64_t one;
		if (strchr(item, '-')) {
			if (parse_u16_range(item, 0, 65535, &lo, &hi, &why) < 0)
				return -1;
		} else if (parse_u64(item, 0, 65535, &one, &why) == 0) {
			lo = hi = (uint16_t)one;
		} else {
			return -1;
		}
		for (uint32_t port = lo; port <= hi; port++)
			map[port / 64] |= 1ull << (port % 64);
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

int tw_addr_is_loopback(int family, const uint8_t *a)
{
	static const uint8_t v6lo[16] = {[15] = 1};
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
	if (family == AF_INET)
		return a[0] == 127;
	return memcmp(a, v6lo, 16) == 0 || (memcmp(a, mapped, 12) == 0 && a[12] == 127);
}
