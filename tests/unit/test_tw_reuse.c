/* Unit tests of the one tcp_tw_reuse rule (lib/tw_reuse.c): a table of every condition of
 * the kernel's tcp_twsk_unique, alone and in its order, and the host facts beside it. */
#include <netinet/in.h>

#include "lib/tw_reuse.h"
#include "unit.h"

#define U TW_UNKNOWN
#define ANY TW_AGE_ANY
#define ABSENT SYSCTL_ABSENT
#define UNREAD SYSCTL_UNREADABLE

static const struct {
	struct tw_case c;
	enum tw_verdict want;
	const char *why;
} rule_table[] = {
	/* fin_wait2, tw_reuse, loopback, timestamps, negotiated, delay_ms, age_ms */
	/* the substate comes first: an orphaned FIN_WAIT2 is never reused, whatever else */
	{{1, 1, 1, 1, 1, 1000, 5000}, TW_NO, "an orphaned FIN_WAIT2 (TIME_WAIT substate FIN_WAIT2) is never reused"},
	{{1, 0, 0, 0, 0, 1000, ANY}, TW_NO, "an orphaned FIN_WAIT2 (TIME_WAIT substate FIN_WAIT2) is never reused"},
	{{U, 1, 1, 1, 1, 1000, ANY}, TW_UNKNOWN_VERDICT, "whether the TIME_WAIT socket is a FIN_WAIT2 orphan is unknown"},
	/* then tcp_tw_reuse: unreadable is unknown, never "off" */
	{{0, -1, 1, 1, 1, 1000, ANY}, TW_UNKNOWN_VERDICT, "tcp_tw_reuse could not be read"},
	{{0, UNREAD, 1, 1, 1, 1000, ANY}, TW_UNKNOWN_VERDICT, "tcp_tw_reuse could not be read"},
	{{0, 3, 1, 1, 1, 1000, ANY}, TW_UNKNOWN_VERDICT, "tcp_tw_reuse has a value the kernel does not take"},
	/* 0 before timestamps: the host with tcp_tw_reuse=0 and tcp_timestamps=0 */
	{{0, 0, 1, 0, U, 1000, ANY}, TW_NO, "tcp_tw_reuse=0: off"},
	{{0, 0, 0, 1, 1, 1000, ANY}, TW_NO, "tcp_tw_reuse=0: off"},
	/* 2: loopback only (source, destination or bound to lo: the caller's loopback) */
	{{0, 2, 0, 1, 1, 1000, ANY}, TW_NO, "tcp_tw_reuse=2 covers loopback only, and this traffic is not"},
	{{0, 2, 0, 0, 0, 1000, ANY}, TW_NO, "tcp_tw_reuse=2 covers loopback only, and this traffic is not"},
	{{0, 2, U, 1, 1, 1000, ANY}, TW_UNKNOWN_VERDICT, "tcp_tw_reuse=2, and whether the traffic is loopback is unknown"},
	{{0, 2, 1, 1, 1, 1000, ANY}, TW_YES, "tcp_tw_reuse=2 and loopback, timestamps negotiated"},
	{{0, 1, 0, 1, 1, 1000, ANY}, TW_YES, "tcp_tw_reuse=1, timestamps negotiated"},
	/* then timestamps negotiated on the old connection */
	{{0, 1, 0, 0, U, 1000, ANY}, TW_NO, "tcp_timestamps=0 here: reuse needs timestamps"},
	{{0, 1, 0, 0, 0, 1000, ANY}, TW_NO, "tcp_timestamps=0 here: reuse needs timestamps"},
	{{0, 1, 0, 0, 1, 1000, ANY}, TW_YES, "tcp_tw_reuse=1, timestamps negotiated"}, /* set to 0 after */
	{{0, 1, 0, 1, 0, 1000, ANY}, TW_NO, "timestamps not negotiated with this peer"},
	{{0, 1, 0, 1, 2, 1000, ANY}, TW_LIKELY, "tcp_tw_reuse=1, timestamps negotiated on some connections to this peer only"},
	{{0, 2, 1, 1, 2, 1000, ANY}, TW_LIKELY, "tcp_tw_reuse=2 and loopback, timestamps negotiated on some connections to this peer only"},
	{{0, 1, 0, 1, U, 1000, ANY}, TW_LIKELY, "tcp_tw_reuse=1, if the peer negotiates timestamps (not seen)"},
	{{0, 2, 1, 2, U, 1000, ANY}, TW_LIKELY, "tcp_tw_reuse=2 and loopback, if the peer negotiates timestamps (not seen)"},
	{{0, 1, 0, -1, U, 1000, ANY}, TW_UNKNOWN_VERDICT, "tcp_timestamps could not be read"},
	{{0, 1, 0, -1, 1, 1000, ANY}, TW_YES, "tcp_tw_reuse=1, timestamps negotiated"},
	/* then the delay: strictly older than tcp_tw_reuse_delay (6.14+) */
	{{0, 1, 0, 1, 1, 1000, 1001}, TW_YES, "tcp_tw_reuse=1, timestamps negotiated"},
	{{0, 1, 0, 1, 1, 1000, 1000}, TW_NO, "younger than tcp_tw_reuse_delay"},
	{{0, 1, 0, 1, 1, 1, 2}, TW_YES, "tcp_tw_reuse=1, timestamps negotiated"},
	{{0, 1, 0, 1, 0, 1000, 10}, TW_NO, "timestamps not negotiated with this peer"},
	{{0, 1, 0, 1, 2, 1000, 5000}, TW_LIKELY, "tcp_tw_reuse=1, timestamps negotiated on some connections to this peer only"},
	{{0, 1, 0, 1, 2, 1000, 10}, TW_NO, "younger than tcp_tw_reuse_delay"},
	{{0, 1, 0, 1, 1, 1000, U}, TW_UNKNOWN_VERDICT, "the TIME_WAIT socket's age is unknown"},
	{{0, 1, 0, 1, 1, 1000, 0}, TW_NO, "younger than tcp_tw_reuse_delay"}, /* age 0 is known */
	{{0, 1, 0, 1, 1, 0, 5}, TW_YES, "tcp_tw_reuse=1, timestamps negotiated"}, /* delay 0 is read */
	{{0, 1, 0, 1, 1, UNREAD, 5000}, TW_UNKNOWN_VERDICT, "tcp_tw_reuse_delay could not be read"},
	/* before 6.14 (no sysctl): the next whole second; from 1 s on it has surely turned */
	{{0, 1, 0, 1, 1, ABSENT, 1000}, TW_YES, "tcp_tw_reuse=1, timestamps negotiated"},
	{{0, 1, 0, 1, 1, ABSENT, 300}, TW_UNKNOWN_VERDICT, "younger than 1 s: reused once the whole-second clock turns (before Linux 6.14)"},
	{{0, 1, 0, 1, 1, ABSENT, ANY}, TW_YES, "tcp_tw_reuse=1, timestamps negotiated"},
};

/* Rule: the verdict and its reason follow tcp_twsk_unique's conditions in its order
 * (substate, tcp_tw_reuse, loopback for 2, timestamps, delay); an input that decides the
 * outcome and cannot be read gives "unknown", an unseen peer "likely". */
TEST(tw_reuse_rule_table)
{
	for (size_t i = 0; i < sizeof(rule_table) / sizeof(rule_table[0]); i++) {
		const char *why = NULL;
		enum tw_verdict v = tw_reuse_rule(&rule_table[i].c, &why);
		if (v != rule_table[i].want)
			fprintf(stderr, "  row %zu: verdict %s, want %s\n", i, tw_verdict_name(v),
				tw_verdict_name(rule_table[i].want));
		CHECK(v == rule_table[i].want);
		CHECK_STR(why, rule_table[i].why);
	}
	CHECK_STR(tw_verdict_name(TW_UNKNOWN_VERDICT), "unknown");
	CHECK_STR(tw_verdict_name(TW_LIKELY), "likely");
	CHECK_STR(tw_verdict_name((enum tw_verdict)(TW_UNKNOWN_VERDICT + 1)), "?");
}

/* Rule: the delay reads as the kernel has it, in words and as a header token without spaces:
 * milliseconds on 6.14+, the next whole second before (no sysctl), unknown when unreadable;
 * the hold time for arithmetic is at most 60 s
 * and 1 s before 6.14. */
TEST(tw_reuse_delay_words_and_hold)
{
	char buf[64];
	CHECK_STR(tw_reuse_delay_words(1000, buf, sizeof(buf)), "1000 ms");
	CHECK_STR(tw_reuse_delay_words(1, buf, sizeof(buf)), "1 ms");
	CHECK_STR(tw_reuse_delay_words(0, buf, sizeof(buf)), "0 ms");
	CHECK_STR(tw_reuse_delay_words(SYSCTL_ABSENT, buf, sizeof(buf)), "the next whole second (0-1 s)");
	CHECK_STR(tw_reuse_delay_words(SYSCTL_UNREADABLE, buf, sizeof(buf)),
		  "unknown (tcp_tw_reuse_delay could not be read)");
	char tok[TW_DELAY_TOKEN_LEN];
	CHECK_STR(tw_reuse_delay_token(1000, tok), "1000");
	CHECK_STR(tw_reuse_delay_token(SYSCTL_ABSENT, tok), "next-whole-second(0-1s)");
	CHECK_STR(tw_reuse_delay_token(SYSCTL_UNREADABLE, tok), "unknown");
	CHECK(strchr(tw_reuse_delay_token(SYSCTL_ABSENT, tok), ' ') == NULL);
	CHECK(tw_reuse_hold_ms(500) == 500 && tw_reuse_hold_ms(1) == 1);
	CHECK(tw_reuse_hold_ms(0) == 1000); /* not a positive delay: the default holds */
	CHECK(tw_reuse_hold_ms(SYSCTL_ABSENT) == 1000);
	CHECK(tw_reuse_hold_ms(60000) == 60000 && tw_reuse_hold_ms(70000) == TW_TIME_WAIT_MS);
	CHECK(TW_TIME_WAIT_S == 60);
}

/* Rule: loopback is what tcp_twsk_unique counts: 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104. */
TEST(tw_reuse_loopback_addresses)
{
	const uint8_t v4lo[4] = {127, 3, 2, 1}, v4[4] = {198, 18, 0, 1};
	const uint8_t v6lo[16] = {[15] = 1}, v6any[16] = {0};
	const uint8_t mapped_lo[16] = {[10] = 0xff, [11] = 0xff, [12] = 127, [15] = 1};
	const uint8_t mapped[16] = {[10] = 0xff, [11] = 0xff, [12] = 198, [13] = 18};
	CHECK(tw_addr_is_loopback(AF_INET, v4lo) && !tw_addr_is_loopback(AF_INET, v4));
	CHECK(tw_addr_is_loopback(AF_INET6, v6lo) && !tw_addr_is_loopback(AF_INET6, v6any));
	CHECK(tw_addr_is_loopback(AF_INET6, mapped_lo) && !tw_addr_is_loopback(AF_INET6, mapped));
}

/* Rule: ip_local_reserved_ports text gives single ports and ranges; bad text is an error. */
TEST(tw_reserved_ports_parse)
{
	static uint64_t map[1024];
	CHECK(tw_parse_reserved("\n", map) == 0 && map[0] == 0);
	CHECK(tw_parse_reserved("1-3,5,64\n", map) == 0);
	CHECK(map[0] == 0x2eu && map[1] == 1);
	CHECK(tw_parse_reserved("1-", map) == -1);
	CHECK(tw_parse_reserved("x", map) == -1);
	CHECK(tw_parse_reserved("5,,6", map) == -1);
}

/* Rule: every port 0-65535 can be listed and 65536 cannot; only the first line is read; an
 * item is at most 31 characters (longer is refused, never cut). */
TEST(tw_reserved_ports_bounds)
{
	static uint64_t map[1024];
	CHECK(tw_parse_reserved("0-1,65535", map) == 0);
	CHECK(map[0] == 3 && map[1023] == 1ull << 63);
	CHECK(tw_parse_reserved("0", map) == 0 && map[0] == 1);
	CHECK(tw_parse_reserved("65536", map) == -1);
	CHECK(tw_parse_reserved("1\n2", map) == 0 && map[0] == 2);
	CHECK(tw_parse_reserved("0000000000000000000000000000007", map) == 0 && map[0] == 0x80);
	CHECK(tw_parse_reserved("00000000000000000000000000000007", map) == -1);
}
