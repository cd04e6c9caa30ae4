/* Unit tests of port lists (client and server --port). */
#include "lib/portlist.h"
#include "unit.h"

/* Rule: a list of ports and ranges is walked round-robin in the order given. */
TEST(portlist_round_robin)
{
	struct portlist l;
	const char *why;
	CHECK(portlist_parse("4000-4002,4010", 1, &l, &why) == 0);
	CHECK(l.total == 4 && l.nseg == 2);
	CHECK(portlist_get(&l, 0) == 4000 && portlist_get(&l, 2) == 4002);
	CHECK(portlist_get(&l, 3) == 4010 && portlist_get(&l, 4) == 4000);
	CHECK(portlist_parse("4000", 1, &l, &why) == 0 && l.total == 1 && portlist_get(&l, 7) == 4000);
}

/* Rule: bad lists are refused with a reason: empty items, backwards ranges, out of range,
 * junk, more than 16 items, below the minimum port. */
TEST(portlist_rejects)
{
	struct portlist l;
	const char *why = NULL;
	const char *bad[] = {"", ",", "4000,", "4003-4000", "65536", "x", "4000-", "1-2-3", "0",
			     "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		CHECK(portlist_parse(bad[i], 1, &l, &why) == -1 && why != NULL);
	}
	CHECK(portlist_parse("0", 0, &l, &why) == 0 && portlist_get(&l, 0) == 0);
}
