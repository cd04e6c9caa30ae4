/* libFuzzer target: the --port list and range parser (portlist_parse) and the round-robin
 * pick (portlist_get). Input: byte 0 picks the lowest port allowed (0 for the server, 1
 * for the client), the rest is the list's text.
 * Rules: no crash or undefined behaviour; a parsed list has 1-16 segments LO <= HI within
 * [min, 65535], its total is the sum of their sizes, index 0 is the first port, the last
 * index the last one, an index wraps at the total; a refused list comes with a reason. */
#include <stdlib.h>

#include "fuzz.h"
#include "lib/portlist.h"

static void check_list(const struct portlist *l, uint16_t min)
{
	FUZZ_CHECK(l->nseg >= 1 && l->nseg <= PORTLIST_MAX_SEGMENTS);
	uint32_t total = 0;
	for (uint32_t i = 0; i < l->nseg; i++) {
		FUZZ_CHECK(l->seg[i].lo >= min && l->seg[i].lo <= l->seg[i].hi);
		total += (uint32_t)(l->seg[i].hi - l->seg[i].lo) + 1;
	}
	FUZZ_CHECK(total == l->total);
	FUZZ_CHECK(portlist_get(l, 0) == l->seg[0].lo);
	FUZZ_CHECK(portlist_get(l, l->total - 1) == l->seg[l->nseg - 1].hi);
	FUZZ_CHECK(portlist_get(l, l->total) == l->seg[0].lo);
	FUZZ_CHECK(portlist_get(l, UINT64_MAX) >= min);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_text_after(data, size, 1);
	if (s == NULL)
		return 0;
	uint16_t min = data[0] & 1;
	struct portlist l;
	const char *why = NULL;
	if (portlist_parse(s, min, &l, &why) == 0)
		check_list(&l, min);
	else
		FUZZ_CHECK(why != NULL && why[0] != '\0');
	free(s);
	return 0;
}
