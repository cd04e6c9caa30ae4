/* The tcp_tw_reuse rule, once for every part that states it (the port model, `twtest ports`,
 * and through their output the remedies verdicts): may connect() take over a TIME_WAIT
 * socket's 4-tuple? The conditions are the kernel's tcp_twsk_unique (net/ipv4/tcp_ipv4.c),
 * tested in its order. Also the host facts the rule and its users need: TIME_WAIT's length,
 * the default reuse delay, ip_local_reserved_ports and what counts as loopback. */
#ifndef TWTEST_TW_REUSE_H
#define TWTEST_TW_REUSE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/sysctl.h"

#define TW_TIME_WAIT_MS 60000 /* TCP_TIMEWAIT_LEN: TIME_WAIT lasts 60 s, not tunable */
#define TW_TIME_WAIT_S (TW_TIME_WAIT_MS / 1000)
#define TW_REUSE_DELAY_DEFAULT_MS 1000 /* net.ipv4.tcp_tw_reuse_delay's default (6.14+) */
#define TW_PORT_WORDS (65536 / 64)     /* a bitmap of every port */

/* A fact the rule takes that nobody could read or see. */
#define TW_UNKNOWN (-1)
/* age_ms when the question is "reused once old enough?" (the delay is then a hold time). */
#define TW_AGE_ANY (-2)

enum tw_verdict { TW_NO, TW_YES, TW_LIKELY, TW_UNKNOWN_VERDICT };

/* The facts about one TIME_WAIT socket (or every socket of one kind) and the host. */
struct tw_case {
	int fin_wait2;   /* the TIME_WAIT minisocket's substate is FIN_WAIT2 (an orphan): 1, 0, TW_UNKNOWN */
	long tw_reuse;   /* net.ipv4.tcp_tw_reuse; < 0 unreadable */
	int loopback;    /* source or destination loopback, or the socket bound to lo: 1, 0, TW_UNKNOWN */
	long timestamps; /* net.ipv4.tcp_timestamps here; < 0 unreadable */
	int negotiated;  /* timestamps negotiated on the old connection: 1, 0, 2 on some only, TW_UNKNOWN */
	long delay_ms;   /* net.ipv4.tcp_tw_reuse_delay; SYSCTL_ABSENT: before 6.14, the next whole second */
	long age_ms;     /* how long the socket has been in TIME_WAIT; TW_AGE_ANY or TW_UNKNOWN */
};

/* The verdict on c; *why gets the reason in words (a static string). An input that decides
 * the outcome and could not be read or seen gives TW_UNKNOWN_VERDICT, or TW_LIKELY when only
 * the peer's side is unseen (reuse happens if the peer negotiates timestamps). */
enum tw_verdict tw_reuse_rule(const struct tw_case *c, const char **why);

/* The verdict as one word: "no", "yes", "likely", "unknown". */
const char *tw_verdict_name(enum tw_verdict v);

/* The reuse delay in words: "1000 ms", "the next whole second (0-1 s)" before Linux 6.14,
 * or "unknown (tcp_tw_reuse_delay could not be read)". Writes buf and returns it. */
const char *tw_reuse_delay_words(long delay_ms, char *buf, size_t len);

/* The reuse delay as one token for key=value headers and CSV: "1000" (ms, 6.14+),
 * "next-whole-second(0-1s)" before 6.14, "unknown" when unreadable. Writes buf, returns it. */
#define TW_DELAY_TOKEN_LEN 32
const char *tw_reuse_delay_token(long delay_ms, char buf[TW_DELAY_TOKEN_LEN]);

/* How long a TIME_WAIT port is held before reuse may take it, for the arithmetic: the delay
 * in ms; before 6.14 the upper bound of the whole-second rule (1000 ms). */
uint32_t tw_reuse_hold_ms(long delay_ms);

/* Parse ip_local_reserved_ports text ("" or "8080,9000-9010\n") into a port bitmap.
 * Returns 0, or -1 on text that is not a port list (map is then partly filled). */
int tw_parse_reserved(const char *text, uint64_t map[TW_PORT_WORDS]);

/* Is the address (network order; IPv4 in the first 4 bytes) loopback as the kernel's
 * tcp_twsk_unique counts it: 127.0.0.0/8, ::1, ::ffff:127.0.0.0/104? */
int tw_addr_is_loopback(int family, const uint8_t *a);

#endif
