/* Unit tests of the /proc/sys text parser (sysctl.c). */
#include <limits.h>

#include "lib/sysctl.h"
#include "unit.h"

/* Rule: one or two integers are read as /proc/sys writes them (tab-separated, newline
 * after, possibly negative), and the count says how many. */
TEST(sysctl_parse_longs_layout)
{
	long a = 0, b = 0;
	CHECK(sysctl_parse_longs("32768\t60999\n", &a, &b) == 2 && a == 32768 && b == 60999);
	CHECK(sysctl_parse_longs("2\n", &a, &b) == 1 && a == 2);
	CHECK(sysctl_parse_longs("-1\n", &a, &b) == 1 && a == -1);
	CHECK(sysctl_parse_longs("  7 8 9", &a, &b) == 2 && a == 7 && b == 8);
}

/* Rule: text that is not a number, or a number out of long's range, is not read (the
 * sysctl counts as absent); nothing is written for what was not read. */
TEST(sysctl_parse_longs_bad)
{
	long a = 5, b = 6;
	CHECK(sysctl_parse_longs("", &a, &b) == 0);
	CHECK(sysctl_parse_longs("x1", &a, &b) == 0);
	CHECK(sysctl_parse_longs("-", &a, &b) == 0);
	CHECK(sysctl_parse_longs("+1", &a, &b) == 0);
	CHECK(sysctl_parse_longs("99999999999999999999", &a, &b) == 0);
	CHECK(a == 5 && b == 6);
	CHECK(sysctl_parse_longs("1 99999999999999999999", &a, &b) == 1 && a == 1 && b == 6);
	CHECK(sysctl_parse_longs("9223372036854775807 -9223372036854775808", &a, &b) == 2);
	CHECK(a == LONG_MAX && b == LONG_MIN);
}

/* Rule: a sysctl the kernel lacks (no file) reads SYSCTL_ABSENT and one that cannot be read
 * or parsed SYSCTL_UNREADABLE, so the output can say "before Linux 6.14" instead of guessing;
 * a present one reads its value. */
TEST(sysctl_absent_or_unreadable)
{
	CHECK(sysctl_read_long("/proc/sys/net/ipv4/twtest_no_such_sysctl") == SYSCTL_ABSENT);
	CHECK(sysctl_read_long("/proc/sys/net/ipv4") == SYSCTL_UNREADABLE); /* a directory */
	CHECK(sysctl_read_long("/proc/self/status") == SYSCTL_UNREADABLE);  /* not a number */
	CHECK(sysctl_read_long("/proc/sys/net/ipv4/tcp_timestamps") >= 0);
	struct net_sysctls s;
	sysctl_read_net(&s);
	CHECK(s.port_lo >= 1 && s.port_hi >= s.port_lo && s.port_hi <= 65535);
	CHECK(s.tw_reuse_delay_ms > 0 || s.tw_reuse_delay_ms == SYSCTL_ABSENT);
}
