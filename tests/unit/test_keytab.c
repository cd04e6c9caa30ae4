/* Unit tests of the keyed table of groups (lib/keytab.c). */
#include <stdlib.h>
#include <string.h>

#include "lib/keytab.h"
#include "unit.h"

struct item {
	uint8_t family;
	uint8_t src[16], dst[16];
	uint16_t dport;
	uint32_t count;
};
KEYTAB_ITEM_CHECK(struct item);

static struct flow_id flow(int i)
{
	/* four destinations: most flows differ from many others in the port alone */
	uint8_t src[16] = {10, 0, 0, 1}, dst[16] = {198, 18, 0, (uint8_t)(i % 4)};
	return flow_id_of(2, src, dst, (uint16_t)(1000 + i));
}

static int by_count_desc(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	return (x->count < y->count) - (x->count > y->count);
}

/* Rule: a flow's item is found again, however many flows were added (the index and the
 * items grow), a new item is zeroed with its flow copied in, flows differing only in one
 * part are apart, and after the items are reordered a reindex finds each where it went. */
TEST(keytab_find_add_grow_reindex)
{
	struct keytab t;
	CHECK(keytab_init(&t, sizeof(struct item)) == 0);
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 500; i++) {
			struct flow_id id = flow(i);
			struct item *it = keytab_get(&t, &id);
			CHECK(it != NULL);
			CHECK(it->dport == id.dport && memcmp(it->dst, id.dst, 16) == 0);
			it->count += (uint32_t)i;
		}
	CHECK(t.n == 500);
	CHECK(t.nslots >= 1000);
	struct flow_id other = flow(5);
	other.dst[3] = 9; /* a destination never added */
	CHECK(keytab_find(&t, &other) == NULL);
	qsort(t.items, t.n, t.size, by_count_desc);
	keytab_reindex(&t);
	for (int i = 0; i < 500; i++) {
		struct flow_id id = flow(i);
		const struct item *it = keytab_find(&t, &id);
		CHECK(it != NULL && it->count == 3u * (uint32_t)i);
	}
	CHECK(((struct item *)t.items)[0].count == 3u * 499);
	keytab_free(&t);
}
