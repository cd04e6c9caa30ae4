/* The keyed table of groups (include/lib/keytab.h): FNV-1a over the flow, linear probing,
 * the index doubled when half full, the items doubled when full. */
#include "lib/keytab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int keytab_init(struct keytab *t, size_t size)
{
	memset(t, 0, sizeof(*t));
	t->size = size;
	t->nslots = 64;
	t->slots = calloc(t->nslots, sizeof(*t->slots));
	return t->slots ? 0 : ENOMEM;
}

struct flow_id flow_id_of(uint8_t family, const uint8_t *src, const uint8_t *dst, uint16_t dport)
{
	struct flow_id id;
	memset(&id, 0, sizeof(id));
	id.family = family;
	memcpy(id.src, src, 16);
	memcpy(id.dst, dst, 16);
	id.dport = dport;
	return id;
}

static uint32_t flow_hash(const struct flow_id *id)
{
	uint32_t h = 2166136261u ^ id->family ^ ((uint32_t)id->dport << 8);
	for (int i = 0; i < 16; i++)
		h = (h ^ id->src[i]) * 16777619u;
	for (int i = 0; i < 16; i++)
		h = (h ^ id->dst[i]) * 16777619u;
	return h ^ (h >> 15);
}

/* Item i's flow (copied: the item is the caller's type). */
static struct flow_id item_id(const struct keytab *t, size_t i)
{
	struct flow_id id;
	memcpy(&id, (const char *)t->items + i * t->size, sizeof(id));
	return id;
}

static int same_flow(const struct flow_id *a, const struct flow_id *b)
{
	return a->family == b->family && a->dport == b->dport && memcmp(a->src, b->src, 16) == 0 &&
	       memcmp(a->dst, b->dst, 16) == 0;
}

/* The slot holding id's item, or the empty slot where it would go. */
static size_t probe(const struct keytab *t, const struct flow_id *id)
{
	size_t mask = t->nslots - 1;
	size_t j = flow_hash(id) & mask;
	for (; t->slots[j]; j = (j + 1) & mask) {
		struct flow_id have = item_id(t, t->slots[j] - 1);
		if (same_flow(&have, id))
			break;
	}
	return j;
}

void keytab_reindex(struct keytab *t)
{
	if (t->slots == NULL)
		return;
	memset(t->slots, 0, t->nslots * sizeof(*t->slots));
	for (size_t i = 0; i < t->n; i++) {
		struct flow_id id = item_id(t, i);
		t->slots[probe(t, &id)] = (uint32_t)i + 1;
	}
}

/* Double the index; 0 or ENOMEM. */
static int grow_slots(struct keytab *t)
{
	uint32_t *slots = calloc(t->nslots * 2, sizeof(*slots));
	if (slots == NULL)
		return ENOMEM;
	free(t->slots);
	t->slots = slots;
	t->nslots *= 2;
	keytab_reindex(t);
	return 0;
}

void *keytab_get(struct keytab *t, const struct flow_id *id)
{
	size_t j = probe(t, id);
	if (t->slots[j])
		return (char *)t->items + (t->slots[j] - 1) * t->size;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		void *items = realloc(t->items, cap * t->size);
		if (items == NULL)
			return NULL;
		t->items = items;
		t->cap = cap;
	}
	char *item = (char *)t->items + t->n * t->size;
	memset(item, 0, t->size);
	memcpy(item, id, sizeof(*id));
	t->slots[j] = (uint32_t)++t->n;
	if (t->n * 2 > t->nslots && grow_slots(t) != 0)
		return NULL;
	return item;
}

const void *keytab_find(const struct keytab *t, const struct flow_id *id)
{
	if (t->slots == NULL)
		return NULL;
	size_t j = probe(t, id);
	return t->slots[j] ? (const char *)t->items + (t->slots[j] - 1) * t->size : NULL;
}

void keytab_free(struct keytab *t)
{
	free(t->items);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}
