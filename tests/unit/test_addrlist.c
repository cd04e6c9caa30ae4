/* Unit tests of --bind address lists (src/lib/addrlist.c): parsing and round-robin order. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "lib/addrlist.h"
#include "unit.h"

/* The i-th address of l as text, without the port. */
static const char *nth(const struct addrlist *l, uint64_t i, char *buf, size_t len)
{
	struct endpoint ep;
	addrlist_get(l, i, &ep);
	if (ep.addr.ss_family == AF_INET6)
		return inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ep.addr)->sin6_addr, buf, (socklen_t)len);
	return inet_ntop(AF_INET, &((struct sockaddr_in *)&ep.addr)->sin_addr, buf, (socklen_t)len);
}

/* Rule: one address, ranges and comma lists give the addresses in order, round-robin. */
TEST(addrlist_round_robin)
{
	struct addrlist l;
	char b[64];
	const char *why = NULL;
	CHECK(addrlist_parse("127.0.0.5", &l, &why) == 0);
	CHECK(l.total == 1 && l.nseg == 1);
	CHECK_STR(nth(&l, 7, b, sizeof(b)), "127.0.0.5");

	CHECK(addrlist_parse("127.0.0.254-127.0.1.1,10.0.0.1", &l, &why) == 0);
	CHECK(l.total == 5 && l.nseg == 2);
	CHECK_STR(nth(&l, 0, b, sizeof(b)), "127.0.0.254");
	CHECK_STR(nth(&l, 1, b, sizeof(b)), "127.0.0.255");
	CHECK_STR(nth(&l, 2, b, sizeof(b)), "127.0.1.0");
	CHECK_STR(nth(&l, 3, b, sizeof(b)), "127.0.1.1");
	CHECK_STR(nth(&l, 4, b, sizeof(b)), "10.0.0.1");
	CHECK_STR(nth(&l, 5, b, sizeof(b)), "127.0.0.254");
	CHECK_STR(nth(&l, 5000000004u, b, sizeof(b)), "10.0.0.1");

	CHECK(addrlist_parse("fd00::1-fd00::1:0,::1", &l, &why) == 0);
	CHECK(l.total == 65536 + 1);
	CHECK_STR(nth(&l, 65535, b, sizeof(b)), "fd00::1:0");
	CHECK_STR(nth(&l, 65536, b, sizeof(b)), "::1");
}

/* Rule: bad lists are refused with a reason: backwards ranges, mixed families, empty items,
 * names instead of literals, too many items. */
TEST(addrlist_bad_input)
{
	struct addrlist l;
	const char *why = NULL;
	CHECK(addrlist_parse("127.0.0.9-127.0.0.2", &l, &why) < 0 && strstr(why, "backwards"));
	CHECK(addrlist_parse("127.0.0.1,::1", &l, &why) < 0 && strstr(why, "mixed"));
	CHECK(addrlist_parse("127.0.0.1-::1", &l, &why) < 0 && strstr(why, "family"));
	CHECK(addrlist_parse("fd00::1-fd01::1", &l, &why) < 0);
	CHECK(addrlist_parse("127.0.0.1,", &l, &why) < 0 && strstr(why, "empty"));
	CHECK(addrlist_parse("", &l, &why) < 0);
	CHECK(addrlist_parse("localhost", &l, &why) < 0);
	CHECK(addrlist_parse("0.0.0.0-255.255.255.255", &l, &why) < 0 && strstr(why, "too large"));
	CHECK(addrlist_parse("1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4,1.1.1.5,1.1.1.6,1.1.1.7,1.1.1.8,"
			     "1.1.1.9,1.1.1.10,1.1.1.11,1.1.1.12,1.1.1.13,1.1.1.14,1.1.1.15,1.1.1.16",
			     &l, &why) == 0);
	CHECK(addrlist_parse("1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4,1.1.1.5,1.1.1.6,1.1.1.7,1.1.1.8,"
			     "1.1.1.9,1.1.1.10,1.1.1.11,1.1.1.12,1.1.1.13,1.1.1.14,1.1.1.15,1.1.1.16,"
			     "1.1.1.17", &l, &why) < 0 && strstr(why, "16"));
}
