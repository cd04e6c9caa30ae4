/* Port lists for the client's and the server's --port: ports and ranges separated by
 * commas ("4000-4003,4010"), picked round-robin per connection by the client. Parsing
 * never allocates: a list holds a fixed number of segments. */
#ifndef TWTEST_PORTLIST_H
#define TWTEST_PORTLIST_H

#include <stdint.h>

#define PORTLIST_MAX_SEGMENTS 16

struct portlist {
	uint32_t nseg;
	uint32_t total; /* ports in all segments (a port given twice counts twice) */
	struct {
		uint16_t lo, hi;
	} seg[PORTLIST_MAX_SEGMENTS];
};

/* Parse "P", "LO-HI" or a comma list of those, every port in [min, 65535]; on error
 * return -1 with a reason in *why. */
int portlist_parse(const char *s, uint16_t min, struct portlist *out, const char **why);

/* The port of index i (taken modulo total). */
uint16_t portlist_get(const struct portlist *l, uint64_t i);

/* A list of the one port p. */
void portlist_single(struct portlist *l, uint16_t p);

#endif
