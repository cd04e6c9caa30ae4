/* Port lists: parsing "LO-HI,P" into segments and picking the i-th port. */
#include "lib/portlist.h"

#include <string.h>

#include "lib/parse.h"

int portlist_parse(const char *s, uint16_t min, struct portlist *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	if (s == NULL || *s == '\0') {
		*why = "empty port list";
		return -1;
	}
	for (const char *p = s;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char item[16];
		if (len == 0 || len >= sizeof(item)) {
			*why = len ? "not a port or LO-HI range" : "empty item in the list";
			return -1;
		}
		if (out->nseg == PORTLIST_MAX_SEGMENTS) {
			*why = "too many items (at most 16)";
			return -1;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		uint16_t lo, hi;
		uint64_t v;
		if (strchr(item, '-')) {
			if (parse_u16_range(item, min, 65535, &lo, &hi, why) < 0)
				return -1;
		} else {
			if (parse_u64(item, min, 65535, &v, why) < 0)
				return -1;
			lo = hi = (uint16_t)v;
		}
		out->seg[out->nseg].lo = lo;
		out->seg[out->nseg].hi = hi;
		out->nseg++;
		out->total += (uint32_t)(hi - lo) + 1;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

uint16_t portlist_get(const struct portlist *l, uint64_t i)
{
	i %= l->total;
	for (uint32_t k = 0; k < l->nseg; k++) {
		uint32_t n = (uint32_t)(l->seg[k].hi - l->seg[k].lo) + 1;
		if (i < n)
			return (uint16_t)(l->seg[k].lo + i);
		i -= n;
	}
	return l->seg[0].lo; /* not reached: i < total */
}

void portlist_single(struct portlist *l, uint16_t p)
{
	memset(l, 0, sizeof(*l));
	l->nseg = 1;
	l->total = 1;
	l->seg[0].lo = l->seg[0].hi = p;
}
