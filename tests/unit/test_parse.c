/* Unit tests of strict number, range, flag and address parsing (src/lib/parse.c). */
#include <netinet/in.h>

#include "lib/parse.h"
#include "unit.h"

/* Rule: a number is digits only, within [min, max]; anything else is refused with a reason. */
TEST(parse_u64_strict)
{
	uint64_t v = 0;
	const char *why = NULL;
	CHECK(parse_u64("42", 1, 100, &v, &why) == 0 && v == 42);
	CHECK(parse_u64("0", 0, 10, &v, &why) == 0 && v == 0);
	CHECK(parse_u64("18446744073709551615", 0, UINT64_MAX, &v, &why) == 0 && v == UINT64_MAX);
	CHECK(parse_u64("18446744073709551616", 0, UINT64_MAX, &v, &why) < 0);
	CHECK_STR(why, "too large");
	CHECK(parse_u64("", 0, 10, &v, &why) < 0);
	CHECK_STR(why, "empty value");
	CHECK(parse_u64("-1", 0, 10, &v, &why) < 0);
	CHECK_STR(why, "must not be negative");
	CHECK(parse_u64("12abc", 0, 100, &v, &why) < 0);
	CHECK_STR(why, "not a number");
	CHECK(parse_u64(" 1", 0, 10, &v, &why) < 0);
	CHECK(parse_u64("+1", 0, 10, &v, &why) < 0);
	CHECK(parse_u64("0x10", 0, 100, &v, &why) < 0);
	CHECK(parse_u64("0", 1, 10, &v, &why) < 0);
	CHECK_STR(why, "must not be zero");
	CHECK(parse_u64("11", 1, 10, &v, &why) < 0);
	CHECK_STR(why, "too large");
	CHECK(parse_u64(NULL, 0, 10, &v, &why) < 0);
}

/* Rule: sizes take k/m/g suffixes in powers of 1024 and respect the range after scaling. */
TEST(parse_size_suffixes)
{
	uint64_t v = 0;
	const char *why;
	CHECK(parse_size("100", 1, 1 << 30, &v, &why) == 0 && v == 100);
	CHECK(parse_size("4k", 1, 1 << 30, &v, &why) == 0 && v == 4096);
	CHECK(parse_size("2M", 1, 1 << 30, &v, &why) == 0 && v == 2u << 20);
	CHECK(parse_size("65m", 1, 64u << 20, &v, &why) < 0);
	CHECK_STR(why, "too large");
	CHECK(parse_size("k", 1, 100, &v, &why) < 0);
	CHECK(parse_size("0k", 1, 100, &v, &why) < 0);
	CHECK_STR(why, "must not be zero");
	CHECK(parse_size("1x", 1, 100, &v, &why) < 0);
}

/* Rule: REUSEPORT and LINGER accept exactly "0" or "1". */
TEST(parse_bool01_exact)
{
	int b = -1;
	const char *why;
	CHECK(parse_bool01("0", &b, &why) == 0 && b == 0);
	CHECK(parse_bool01("1", &b, &why) == 0 && b == 1);
	CHECK(parse_bool01("2", &b, &why) < 0);
	CHECK(parse_bool01("01", &b, &why) < 0);
	CHECK(parse_bool01("yes", &b, &why) < 0);
	CHECK(parse_bool01("", &b, &why) < 0);
}

/* Rule: LO-HI ranges need both ends in range and LO <= HI. */
TEST(parse_port_range)
{
	uint16_t lo = 0, hi = 0;
	const char *why;
	CHECK(parse_u16_range("40000-42999", 1, 65535, &lo, &hi, &why) == 0 && lo == 40000 && hi == 42999);
	CHECK(parse_u16_range("5-5", 1, 65535, &lo, &hi, &why) == 0 && lo == 5 && hi == 5);
	CHECK(parse_u16_range("6-5", 1, 65535, &lo, &hi, &why) < 0);
	CHECK(parse_u16_range("0-5", 1, 65535, &lo, &hi, &why) < 0);
	CHECK(parse_u16_range("1-65536", 1, 65535, &lo, &hi, &why) < 0);
	CHECK(parse_u16_range("100", 1, 65535, &lo, &hi, &why) < 0);
	CHECK(parse_u16_range("-100", 1, 65535, &lo, &hi, &why) < 0);
	CHECK(parse_u16_range("1-", 1, 65535, &lo, &hi, &why) < 0);
}

/* Rule: literals of both families parse with the port set; garbage is refused. */
TEST(parse_addresses)
{
	struct endpoint ep;
	const char *why;
	char buf[80];
	CHECK(parse_ip_literal("127.0.0.1", 4000, &ep, &why) == 0);
	CHECK(ep.addr.ss_family == AF_INET);
	CHECK_STR(endpoint_str(&ep, buf, sizeof(buf)), "127.0.0.1:4000");
	CHECK(parse_ip_literal("::1", 80, &ep, &why) == 0);
	CHECK(ep.addr.ss_family == AF_INET6);
	CHECK_STR(endpoint_str(&ep, buf, sizeof(buf)), "[::1]:80");
	CHECK(parse_ip_literal("256.0.0.1", 1, &ep, &why) < 0);
	CHECK(parse_ip_literal("localhost", 1, &ep, &why) < 0);
	CHECK(parse_ip_literal("", 1, &ep, &why) < 0);
	CHECK(parse_host("localhost", 9, &ep, &why) == 0);
}

/* Rule: a choice must match one of the names exactly. */
TEST(parse_choice_exact)
{
	static const char *const names[] = {"text", "csv", "json", NULL};
	CHECK(parse_choice("csv", names) == 1);
	CHECK(parse_choice("CSV", names) == -1);
	CHECK(parse_choice("", names) == -1);
	CHECK(parse_choice(NULL, names) == -1);
}

/* Rule: a shard is exactly "I/N" with I < N <= max, digits only. */
TEST(parse_shard_strict)
{
	uint32_t i = 9, n = 9;
	const char *why;
	CHECK(parse_shard("0/1", 4096, &i, &n, &why) == 0 && i == 0 && n == 1);
	CHECK(parse_shard("2/3", 4096, &i, &n, &why) == 0 && i == 2 && n == 3);
	CHECK(parse_shard("4095/4096", 4096, &i, &n, &why) == 0 && i == 4095 && n == 4096);
	static const char *const bad[] = {"3/3", "0/0", "1", "/2", "1/", "-1/2", "1/-2", "0/4097",
					  " 0/2", "0/2 ", "a/2", "0x1/2", "1/2/3", ""};
	int refused = 0;
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		refused += parse_shard(bad[k], 4096, &i, &n, &why) < 0;
	CHECK(refused == (int)(sizeof(bad) / sizeof(bad[0])));
}

/* Rule: a moment is Unix seconds with up to 9 digits after the point, or +S after now;
 * the fraction is exact to the nanosecond. */
TEST(parse_time_at_forms)
{
	int64_t t = 0;
	const char *why;
	CHECK(parse_time_at("1764770400", 0, &t, &why) == 0 && t == 1764770400000000000);
	CHECK(parse_time_at("1764770400.25", 0, &t, &why) == 0 && t == 1764770400250000000);
	CHECK(parse_time_at("1.000000001", 0, &t, &why) == 0 && t == 1000000001);
	CHECK(parse_time_at("+3", 5, &t, &why) == 0 && t == 3000000005);
	CHECK(parse_time_at("+0.5", 1000000000, &t, &why) == 0 && t == 1500000000);
	static const char *const bad[] = {"", "+", "-1", "1.", ".5", "+.5", "1.0000000001", "1e9",
					  "soon", "1 ", " 1", "10000000001", "+1s", "1,5"};
	int refused = 0;
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		refused += parse_time_at(bad[k], 0, &t, &why) < 0;
	CHECK(refused == (int)(sizeof(bad) / sizeof(bad[0])));
}

/* Rule: each parser states the first rule a value breaks: an empty or missing value, a
 * suffix without digits, a separator with nothing before it are named as such (not as a
 * number that is too large or not a number), and a value of at most the field's size in
 * characters is read, zero-padded or not, while one character more is refused. */
TEST(parse_first_rule_named)
{
	uint64_t v = 0;
	uint16_t lo, hi;
	uint32_t i, n;
	int64_t t;
	struct endpoint ep;
	const char *why = NULL;
	CHECK(parse_size("", 0, 100, &v, &why) == -1);
	CHECK_STR(why, "empty value");
	CHECK(parse_size(NULL, 0, 100, &v, &why) == -1);
	CHECK(parse_size("k", 0, 100, &v, &why) == -1);
	CHECK_STR(why, "not a number");
	CHECK(parse_size("0000000000000000000000000000001", 0, 100, &v, &why) == 0 && v == 1);
	CHECK(parse_size("00000000000000000000000000000001", 0, 100, &v, &why) == -1);
	CHECK_STR(why, "too large");
	CHECK(parse_u16_range("-5", 0, 100, &lo, &hi, &why) == -1);
	CHECK_STR(why, "expected LO-HI");
	CHECK(parse_u16_range(NULL, 0, 100, &lo, &hi, &why) == -1);
	CHECK(parse_u16_range("000000000000001-2", 0, 100, &lo, &hi, &why) == 0 && lo == 1 && hi == 2);
	CHECK(parse_u16_range("0000000000000001-2", 0, 100, &lo, &hi, &why) == -1);
	CHECK_STR(why, "too large");
	CHECK(parse_ip_literal("", 80, &ep, &why) == -1);
	CHECK_STR(why, "empty address");
	CHECK(parse_ip_literal("host.invalid", 80, &ep, &why) == -1);
	CHECK_STR(why, "not an IPv4 or IPv6 address");
	CHECK(parse_shard("/2", 8, &i, &n, &why) == -1);
	CHECK_STR(why, "must be I/N (this host's number from 0, of N hosts)");
	CHECK(parse_shard("00000000000000000000001/2", 8, &i, &n, &why) == 0 && i == 1 && n == 2);
	CHECK(parse_shard("000000000000000000000001/2", 8, &i, &n, &why) == -1);
	CHECK_STR(why, "must be I/N (this host's number from 0, of N hosts)");
	CHECK(parse_time_at("", 0, &t, &why) == -1);
	CHECK_STR(why, "must be Unix seconds (S or S.F) or +S from now");
	CHECK(parse_time_at(NULL, 0, &t, &why) == -1);
	CHECK(parse_time_at("000000000000001", 0, &t, &why) == 0 && t == 1000000000);
	CHECK(parse_time_at("0000000000000001", 0, &t, &why) == -1);
}

/* Rule: sizes: g is 2^30, a value equal to max is taken, and the digits before a suffix may
 * reach 2^34 - 1 (so 16g is readable) but no further. */
TEST(parse_size_bounds)
{
	uint64_t v = 0;
	const char *why = NULL;
	CHECK(parse_size("1g", 0, UINT64_MAX, &v, &why) == 0 && v == 1ull << 30);
	CHECK(parse_size("1k", 0, 1024, &v, &why) == 0 && v == 1024);
	CHECK(parse_size("17179869183", 0, UINT64_MAX, &v, &why) == 0 && v == (1ull << 34) - 1);
	CHECK(parse_size("17179869184", 0, UINT64_MAX, &v, &why) == -1);
}

/* Rule: a choice matches any name of its list, the first one included. */
TEST(parse_choice_first)
{
	static const char *const names[] = {"first", "second", NULL};
	CHECK(parse_choice("first", names) == 0 && parse_choice("second", names) == 1);
	CHECK(parse_choice("third", names) == -1);
}

/* Rule: an address written the way other tools take it (a URL, HOST:PORT, [V6]:PORT) or a
 * malformed IP literal is named for what it is, with the fix, before any lookup; an address
 * or a host name passes. */
TEST(parse_addr_mistakes)
{
	char m[200];
	static const struct {
		const char *in, *want; /* want: the message, or NULL when it may be an address or a name */
	} cases[] = {
		{"http://127.0.0.1:8080/", "a URL, not an address: give 127.0.0.1 and --port 8080"},
		{"http://example.org", "a URL, not an address: give example.org and --port 80"},
		{"https://[::1]/x?y", "a URL, not an address: give ::1 and --port 443"},
		{"https://[fd00::1]:8443#f", "a URL, not an address: give fd00::1 and --port 8443"},
		{"127.0.0.1:4000", "an address with a port: give 127.0.0.1 and --port 4000"},
		{"[::1]:80", "an address with a port: give ::1 and --port 80"},
		{"db.internal:5432", "an address with a port: give db.internal and --port 5432"},
		{"1.2.3.999", "not an IPv4 address (four numbers 0-255: 198.18.0.1)"},
		{"1.2.3.4.5", "not an IPv4 address (four numbers 0-255: 198.18.0.1)"},
		{"::1::2", "not an IPv6 address (eight groups of hex digits, :: once: fd00::1)"},
		{"fd00::1:123456", "not an IPv6 address (eight groups of hex digits, :: once: fd00::1)"},
		{"127.0.0.1", NULL}, {"127.1", NULL}, {"::1", NULL}, {"fe80::1:80", NULL},
		{"[::1]", NULL}, {"localhost", NULL}, {"fe80::1%lo", NULL}, {"12345", NULL},
		{"1.2.3.4:", "an address with an empty port: give 1.2.3.4 and --port PORT"},
		{":80", "not an IPv6 address (eight groups of hex digits, :: once: fd00::1)"},
		{"host:123456", NULL}, {"", NULL}, {"fd00::", NULL},
		{"::ffff:127.0.0.1", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m[0] = '\0';
		int rc = parse_addr_mistake(cases[i].in, m, sizeof(m));
		CHECK(rc == (cases[i].want ? -1 : 0));
		if (cases[i].want)
			CHECK_STR(m, cases[i].want);
	}
	CHECK(parse_addr_mistake("http://127.0.0.1:8080/", m, 12) == -1 && strlen(m) == 11);
}

/* Rule: a time takes a unit (ms, s, m, h) or none, a bare number being in the option's own
 * unit; the result is in that unit and within its bounds; a time finer than a second where
 * seconds are kept, an unknown unit, a sign, a space or a fraction is refused. */
TEST(parse_duration_units)
{
	/* a time, the option's unit in ms, its bounds, and the value it gives in that unit */
	static const struct {
		const char *in;
		uint64_t unit, min, max, want;
	} good[] = {
		{"500ms", 1, 1, 3600000, 500},
		{"5s", 1, 1, 3600000, 5000},
		{"2m", 1, 1, 3600000, 120000},
		{"1h", 1, 1, 3600000, 3600000},
		{"250", 1, 1, 3600000, 250},
		{"3", 1000, 1, 3600, 3},
		{"2m", 1000, 1, 3600, 120},
		{"3000ms", 1000, 1, 3600, 3},
		{"0", 1000, 0, 3600, 0},
		{"0s", 1, 0, 10, 0},
		{"1001ms", 1, 1001, 60000, 1001},
		{"5124095576030h", 1, 0, UINT64_MAX, 5124095576030ull * 3600000},
	};
	/* a time refused, and why (NULL: the reason is not checked) */
	static const struct {
		const char *in;
		uint64_t unit, min, max;
		const char *why;
	} bad[] = {
		{"1500ms", 1000, 1, 3600, "not a whole number of seconds"},
		{"5x", 1, 1, 3600000, "unknown unit (ms, s, m or h)"},
		{"5S", 1, 1, 3600000, NULL},
		{"5sec", 1, 1, 3600000, NULL},
		{"1.5s", 1, 1, 3600000, "unknown unit (ms, s, m or h)"},
		{"1e3", 1, 1, 3600000, NULL},
		{"-5s", 1, 0, 3600000, "must not be negative"},
		{" 5", 1, 0, 3600000, "not a number"},
		{"s", 1, 0, 3600000, "not a number"},
		{"", 1, 0, 10, "empty value"},
		{NULL, 1, 0, 10, "empty value"},
		{"61m", 1000, 1, 3600, "too large"},
		{"3601", 1000, 1, 3600, "too large"},
		{"0ms", 1, 1, 10, "must not be zero"},
		{"9", 1, 10, 60000, "too small"},
		{"1s", 1, 1001, 60000, "too small"},
		{"5124095576031h", 1, 0, UINT64_MAX, "too large"},
		{"123456789012345678901234", 1, 0, UINT64_MAX, "too large"},
	};
	uint64_t v = 0;
	const char *why = NULL;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int rc = parse_duration(good[i].in, good[i].unit, good[i].min, good[i].max, &v, &why);
		CHECK(rc == 0 && v == good[i].want);
		if (rc != 0 || v != good[i].want)
			fprintf(stderr, "    at \"%s\"\n", good[i].in);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse_duration(bad[i].in, bad[i].unit, bad[i].min, bad[i].max, &v, &why);
		CHECK(rc < 0);
		if (rc >= 0)
			fprintf(stderr, "    at \"%s\"\n", bad[i].in ? bad[i].in : "(null)");
		if (bad[i].why)
			CHECK_STR(why, bad[i].why);
	}
	v = 7;
	CHECK(parse_duration("10s", 1, 1, 9999, &v, &why) < 0 && v == 7); /* untouched on error */
}

/* Rule: a time is written in the largest unit that holds it exactly. */
TEST(format_duration_largest_unit)
{
	char b[32];
	static const struct {
		uint64_t ms;
		const char *want;
	} cases[] = {{0, "0"}, {1, "1ms"}, {999, "999ms"}, {1000, "1s"}, {1500, "1500ms"},
		     {60000, "1m"}, {90000, "90s"}, {3600000, "1h"}, {86400000, "24h"},
		     {3660000, "61m"}, {3600001, "3600001ms"}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		format_duration_ms(cases[i].ms, b, sizeof(b));
		CHECK_STR(b, cases[i].want);
	}
}
