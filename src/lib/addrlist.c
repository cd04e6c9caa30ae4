/* Source address lists: parsing "A-B,C" into segments and picking the i-th address. */
#include "lib/addrlist.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

/* The last 32 bits of an address, host order, and a pointer to them. */
static uint32_t *low32(struct endpoint *ep)
{
	if (ep->addr.ss_family == AF_INET6)
		return (uint32_t *)(void *)&((struct sockaddr_in6 *)&ep->addr)->sin6_addr.s6_addr[12];
	return (uint32_t *)(void *)&((struct sockaddr_in *)&ep->addr)->sin_addr.s_addr;
}

/* Do a and b differ only in their last 32 bits (same family, same IPv6 prefix and scope)? */
static int same_prefix(const struct endpoint *a, const struct endpoint *b)
{
	if (a->addr.ss_family != b->addr.ss_family)
		return 0;
	if (a->addr.ss_family != AF_INET6)
		return 1;
	const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)&a->addr;
	const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)&b->addr;
	return memcmp(x->sin6_addr.s6_addr, y->sin6_addr.s6_addr, 12) == 0 &&
	       x->sin6_scope_id == y->sin6_scope_id;
}

/* Parse one "A" or "A-B" item into seg. */
static int parse_item(char *item, struct addr_segment *seg, const char **why)
{
	char *dash = strchr(item, '-');
	if (dash)
		*dash = '\0';
	if (parse_ip_literal(item, 0, &seg->first, why) < 0)
		return -1;
	seg->count = 1;
	if (dash == NULL)
		return 0;
	struct endpoint last;
	if (parse_ip_literal(dash + 1, 0, &last, why) < 0)
		return -1;
	if (!same_prefix(&seg->first, &last)) {
		*why = "a range's ends must be of one family (IPv6: differ in the last 32 bits only)";
		return -1;
	}
	uint32_t lo = ntohl(*low32(&seg->first)), hi = ntohl(*low32(&last));
	if (hi < lo) {
		*why = "a range must not run backwards";
		return -1;
	}
	if (hi - lo == UINT32_MAX) {
		*why = "range too large";
		return -1;
	}
	seg->count = hi - lo + 1;
	return 0;
}

int addrlist_parse(const char *s, struct addrlist *out, const char **why)
{
	char buf[ADDRLIST_MAX_TEXT];
	memset(out, 0, sizeof(*out));
	if (s == NULL || *s == '\0') {
		*why = "empty value";
		return -1;
	}
	if (strlen(s) >= sizeof(buf)) {
		*why = "too long";
		return -1;
	}
	strcpy(buf, s);
	char *item = buf;
	for (;;) {
		char *comma = strchr(item, ',');
		if (comma)
			*comma = '\0';
		if (*item == '\0') {
			*why = "empty item in the list";
			return -1;
		}
		if (out->nseg == ADDRLIST_MAX_SEGMENTS) {
			*why = "more than 16 items";
			return -1;
		}
		struct addr_segment *seg = &out->seg[out->nseg];
		if (parse_item(item, seg, why) < 0)
			return -1;
		if (out->nseg > 0 && seg->first.addr.ss_family != out->seg[0].first.addr.ss_family) {
			*why = "IPv4 and IPv6 addresses mixed";
			return -1;
		}
		out->nseg++;
		out->total += seg->count;
		if (comma == NULL)
			return 0;
		item = comma + 1;
	}
}

void addrlist_get(const struct addrlist *l, uint64_t i, struct endpoint *ep)
{
	const struct addr_segment *seg = l->seg;
	if (l->total > 1) {
		i %= l->total;
		while (i >= seg->count) {
			i -= seg->count;
			seg++;
		}
	} else {
		i = 0;
	}
	ep->len = seg->first.len;
	memcpy(&ep->addr, &seg->first.addr, seg->first.len);
	if (i) {
		uint32_t *a = low32(ep);
		*a = htonl(ntohl(*a) + (uint32_t)i);
	}
}
