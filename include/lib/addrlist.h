/* Source address lists for the client's --bind: addresses and ranges separated by commas
 * ("127.0.0.2-127.0.0.9,127.0.1.1"), picked round-robin per connection. Parsing never
 * allocates: a list holds a fixed number of segments. */
#ifndef TWTEST_ADDRLIST_H
#define TWTEST_ADDRLIST_H

#include <stdint.h>

#include "lib/parse.h"

#define ADDRLIST_MAX_SEGMENTS 16
#define ADDRLIST_MAX_TEXT 1024

/* count consecutive addresses from first (IPv6: counting in the last 32 bits). */
struct addr_segment {
	struct endpoint first;
	uint32_t count;
};

struct addrlist {
	uint32_t nseg;
	uint64_t total; /* addresses in all segments */
	struct addr_segment seg[ADDRLIST_MAX_SEGMENTS];
};

/* Parse "A", "A-B" or a comma list of those (IP literals, one family, port 0); on error
 * return -1 with a reason in *why. */
int addrlist_parse(const char *s, struct addrlist *out, const char **why);

/* The address of index i (taken modulo total), as a sockaddr of length ep->len. */
void addrlist_get(const struct addrlist *l, uint64_t i, struct endpoint *ep);

#endif
