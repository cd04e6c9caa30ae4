/* libFuzzer target: the --bind address list and range parser (addrlist_parse) and the
 * round-robin pick (addrlist_get); the input is the list's text.
 * Rules: no crash or undefined behaviour; a parsed list has 1-16 segments of one family,
 * its total is the sum of their counts, index 0 is the first address, an index wraps at
 * the total; a refused list comes with a reason. */
#include <stdlib.h>
#include <string.h>

#include "lib/addrlist.h"
#include "fuzz.h"

static int same_addr(const struct endpoint *a, const struct endpoint *b)
{
	return a->len == b->len && memcmp(&a->addr, &b->addr, a->len) == 0;
}

static void check_list(const struct addrlist *l)
{
	FUZZ_CHECK(l->nseg >= 1 && l->nseg <= ADDRLIST_MAX_SEGMENTS);
	uint64_t total = 0;
	int family = l->seg[0].first.addr.ss_family;
	FUZZ_CHECK(family == AF_INET || family == AF_INET6);
	for (uint32_t i = 0; i < l->nseg; i++) {
		FUZZ_CHECK(l->seg[i].count >= 1);
		FUZZ_CHECK(l->seg[i].first.addr.ss_family == family);
		total += l->seg[i].count;
	}
	FUZZ_CHECK(total == l->total);
	struct endpoint e0, e1, last;
	addrlist_get(l, 0, &e0);
	FUZZ_CHECK(same_addr(&e0, &l->seg[0].first));
	addrlist_get(l, l->total, &e1);
	FUZZ_CHECK(same_addr(&e0, &e1));
	addrlist_get(l, l->total - 1, &last);
	FUZZ_CHECK(last.addr.ss_family == family);
	char buf[64];
	FUZZ_CHECK(endpoint_str(&last, buf, sizeof(buf))[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	if (s == NULL)
		return 0;
	struct addrlist l;
	const char *why = NULL;
	if (addrlist_parse(s, &l, &why) == 0)
		check_list(&l);
	else
		FUZZ_CHECK(why != NULL && why[0] != '\0');
	free(s);
	return 0;
}
