/* A keyed table of groups: a growing array whose items each begin with a flow (address
 * family, source, destination, destination port), and an open-addressing index over it,
 * so that finding a flow's group, or adding it, takes one probe sequence
 * (src/lib/keytab.c). The ports models group sockets (src/ports/ports.c) and SNAT entries
 * (src/ports/ports_nat.c) with it. */
#ifndef TWTEST_KEYTAB_H
#define TWTEST_KEYTAB_H

#include <stddef.h>
#include <stdint.h>

/* The key. An item begins with these members, in this order (each user checks it with
 * KEYTAB_ITEM_CHECK). */
struct flow_id {
	uint8_t family;
	uint8_t src[16], dst[16];
	uint16_t dport;
};

#define KEYTAB_ITEM_CHECK(type)                                                                \
	_Static_assert(offsetof(type, family) == offsetof(struct flow_id, family) &&          \
			       offsetof(type, src) == offsetof(struct flow_id, src) &&        \
			       offsetof(type, dst) == offsetof(struct flow_id, dst) &&        \
			       offsetof(type, dport) == offsetof(struct flow_id, dport),      \
		       #type " must begin with struct flow_id's members")

struct keytab {
	void *items;     /* n items of `size` bytes (the caller reads them as its type) */
	size_t n, cap, size;
	uint32_t *slots; /* item index + 1; 0: empty */
	size_t nslots;   /* a power of two, at least twice n */
};

/* The flow (family, 16-byte source and destination, destination port), padding zeroed. */
struct flow_id flow_id_of(uint8_t family, const uint8_t *src, const uint8_t *dst, uint16_t dport);

/* An empty table of items of `size` bytes; 0 or ENOMEM. */
int keytab_init(struct keytab *t, size_t size);

/* The item of flow id, added (zeroed, then the flow copied in) when new; NULL when out of
 * memory. Adding may move every item. */
void *keytab_get(struct keytab *t, const struct flow_id *id);

/* The item of flow id, or NULL. */
const void *keytab_find(const struct keytab *t, const struct flow_id *id);

/* Index the items again after the caller reordered them (a sort). */
void keytab_reindex(struct keytab *t);

void keytab_free(struct keytab *t);

#endif
