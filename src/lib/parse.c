/* Strict parsing of command-line values (no atoi: every byte of the input is checked). */
#include "lib/parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out, const char **why)
{
	if (s == NULL || *s == '\0') {
		*why = "empty value";
		return -1;
	}
	/* strtoull accepts spaces and a minus sign; we accept digits only. */
	for (const char *p = s; *p; p++) {
		if (!isdigit((unsigned char)*p)) {
			*why = (*s == '-') ? "must not be negative" : "not a number";
			return -1;
		}
	}
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno == ERANGE || v > max) {
		*why = "too large";
		return -1;
	}
	if (v < min) {
		*why = (v == 0) ? "must not be zero" : "too small";
		return -1;
	}
	*out = v;
	return 0;
}

int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out, const char **why)
{
	if (s == NULL || *s == '\0') {
		*why = "empty value";
		return -1;
	}
	size_t n = strlen(s);
	unsigned shift = 0;
	switch (tolower((unsigned char)s[n - 1])) {
	case 'k': shift = 10; break;
	case 'm': shift = 20; break;
	case 'g': shift = 30; break;
	default: break;
	}
	char digits[32];
	size_t dn = shift ? n - 1 : n;
	if (dn == 0 || dn >= sizeof(digits)) {
		*why = dn == 0 ? "not a number" : "too large";
		return -1;
	}
	memcpy(digits, s, dn);
	digits[dn] = '\0';
	uint64_t v;
	if (parse_u64(digits, 0, UINT64_MAX >> 30, &v, why) < 0)
		return -1;
	v <<= shift;
	if (v > max) {
		*why = "too large";
		return -1;
	}
	if (v < min) {
		*why = (v == 0) ? "must not be zero" : "too small";
		return -1;
	}
	*out = v;
	return 0;
}

/* The time units a value may carry, in milliseconds. */
static const struct {
	const char *name;
	uint64_t ms;
} time_units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
#define NUNITS (sizeof(time_units) / sizeof(time_units[0]))

int parse_duration(const char *s, uint64_t unit_ms, uint64_t min, uint64_t max, uint64_t *out,
		   const char **why)
{
	char digits[24];
	size_t nd = s ? strspn(s, "0123456789") : 0;
	if (nd == 0 || nd >= sizeof(digits)) {
		*why = s == NULL || *s == '\0' ? "empty value" : *s == '-' ? "must not be negative"
		       : nd ? "too large" : "not a number";
		return -1;
	}
	uint64_t mult = unit_ms; /* a bare number: the option's own unit */
	if (s[nd] != '\0') {
		size_t u = 0;
		while (u < NUNITS && strcmp(s + nd, time_units[u].name) != 0)
			u++;
		if (u == NUNITS) {
			*why = "unknown unit (ms, s, m or h)";
			return -1;
		}
		mult = time_units[u].ms;
	}
	memcpy(digits, s, nd);
	digits[nd] = '\0';
	uint64_t v;
	if (parse_u64(digits, 0, UINT64_MAX / 3600000, &v, why) < 0)
		return -1;
	uint64_t ms = v * mult;
	if (ms % unit_ms) {
		*why = "not a whole number of seconds";
		return -1;
	}
	v = ms / unit_ms;
	if (v > max) {
		*why = "too large";
		return -1;
	}
	if (v < min) {
		*why = v == 0 ? "must not be zero" : "too small";
		return -1;
	}
	*out = v;
	return 0;
}

void format_duration_ms(uint64_t ms, char *buf, size_t len)
{
	size_t u = NUNITS - 1;
	if (ms == 0) {
		snprintf(buf, len, "0");
		return;
	}
	while (u > 0 && ms % time_units[u].ms)
		u--;
	snprintf(buf, len, "%llu%s", (unsigned long long)(ms / time_units[u].ms), time_units[u].name);
}

int parse_bool01(const char *s, int *out, const char **why)
{
	if (s != NULL && (strcmp(s, "0") == 0 || strcmp(s, "1") == 0)) {
		*out = s[0] == '1';
		return 0;
	}
	*why = "must be 0 or 1";
	return -1;
}

int parse_u16_range(const char *s, uint16_t min, uint16_t max, uint16_t *lo, uint16_t *hi,
		    const char **why)
{
	const char *dash = s ? strchr(s, '-') : NULL;
	if (dash == NULL || dash == s) {
		*why = "expected LO-HI";
		return -1;
	}
	char first[16];
	size_t n = (size_t)(dash - s);
	if (n >= sizeof(first)) {
		*why = "too large";
		return -1;
	}
	memcpy(first, s, n);
	first[n] = '\0';
	uint64_t a, b;
	if (parse_u64(first, min, max, &a, why) < 0 || parse_u64(dash + 1, min, max, &b, why) < 0)
		return -1;
	if (a > b) {
		*why = "LO is greater than HI";
		return -1;
	}
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

void endpoint_set_port(struct endpoint *ep, uint16_t port)
{
	if (ep->addr.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&ep->addr)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)&ep->addr)->sin_port = htons(port);
}

uint16_t endpoint_port(const struct endpoint *ep)
{
	if (ep->addr.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&ep->addr)->sin6_port);
	return ntohs(((const struct sockaddr_in *)&ep->addr)->sin_port);
}

/* Split "HOST:PORT" or "[V6]:PORT" (n bytes of s) into host and port texts; 0, or -1 when s
 * has no such form (no port, a port that is not 1-5 digits, an IPv6 address unbracketed). */
static int split_host_port(const char *s, size_t n, char *host, size_t hlen, char *port, size_t plen)
{
	const char *colon = memrchr(s, ':', n);
	if (colon == NULL || colon + 1 == s + n)
		return -1;
	size_t np = (size_t)(s + n - colon - 1), nh = (size_t)(colon - s);
	if (np > 5 || strspn(colon + 1, "0123456789") < np || np >= plen)
		return -1;
	if (nh >= 2 && s[0] == '[' && s[nh - 1] == ']') {
		s++;
		nh -= 2;
	} else if (memchr(s, ':', nh)) {
		return -1; /* "::1" or "fe80::1": a colon of the address, not a port */
	}
	if (nh == 0 || nh >= hlen)
		return -1;
	memcpy(host, s, nh);
	host[nh] = '\0';
	memcpy(port, colon + 1, np);
	port[np] = '\0';
	return 0;
}

/* A URL's "SCHEME://HOST[:PORT][/...]" as host and port; the port of http and https by
 * default. */
static void url_parts(const char *s, char *host, size_t hlen, char *port, size_t plen)
{
	const char *h = strstr(s, "://") + 3;
	size_t n = strcspn(h, "/?#");
	snprintf(port, plen, "%s", strncmp(s, "https:", 6) == 0 ? "443" : "80");
	if (split_host_port(h, n, host, hlen, port, plen) == 0)
		return;
	if (n >= 2 && h[0] == '[' && h[n - 1] == ']') { /* "[::1]" without a port */
		h++;
		n -= 2;
	} else if (h[0] == ':') { /* "http://:8080/": a port, no host */
		n = 0;
	}
	snprintf(host, hlen, "%.*s", (int)n, h);
}

int parse_addr_mistake(const char *s, char *buf, size_t len)
{
	char host[256], port[8];
	unsigned char bin[sizeof(struct in6_addr)];
	if (strstr(s, "://")) {
		url_parts(s, host, sizeof(host), port, sizeof(port));
		if (host[0] == '\0')
			snprintf(buf, len, "a URL without a host, not an address");
		else
			snprintf(buf, len, "a URL, not an address: give %s and --port %s", host, port);
		return -1;
	}
	if (split_host_port(s, strlen(s), host, sizeof(host), port, sizeof(port)) == 0) {
		snprintf(buf, len, "an address with a port: give %s and --port %s", host, port);
		return -1;
	}
	size_t n = strlen(s);
	if (n > 1 && s[n - 1] == ':' && memchr(s, ':', n - 1) == NULL) {
		snprintf(buf, len, "an address with an empty port: give %.*s and --port PORT", (int)(n - 1), s);
		return -1;
	}
	/* Digits and dots only (inet_aton's forms: 127.1 is 127.0.0.1) or hex digits and
	 * colons: an IP literal, never a host name to look up. */
	if (n && strspn(s, "0123456789.") == n && inet_aton(s, &(struct in_addr){0}) == 0) {
		snprintf(buf, len, "not an IPv4 address (four numbers 0-255: 198.18.0.1)");
		return -1;
	}
	if (strchr(s, ':') && strspn(s, "0123456789abcdefABCDEF:.") == n &&
	    inet_pton(AF_INET6, s, bin) != 1) {
		snprintf(buf, len, "not an IPv6 address (eight groups of hex digits, :: once: fd00::1)");
		return -1;
	}
	return 0;
}

static int resolve(const char *s, uint16_t port, int flags, struct endpoint *out, const char **why)
{
	if (s == NULL || *s == '\0') {
		*why = "empty address";
		return -1;
	}
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = flags};
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(s, NULL, &hints, &res);
	if (rc != 0 || res == NULL) {
		*why = (flags & AI_NUMERICHOST) ? "not an IPv4 or IPv6 address" : gai_strerror(rc);
		return -1;
	}
	memcpy(&out->addr, res->ai_addr, res->ai_addrlen);
	out->len = res->ai_addrlen;
	freeaddrinfo(res);
	endpoint_set_port(out, port);
	return 0;
}

int parse_host(const char *s, uint16_t port, struct endpoint *out, const char **why)
{
	return resolve(s, port, 0, out, why);
}

int parse_ip_literal(const char *s, uint16_t port, struct endpoint *out, const char **why)
{
	return resolve(s, port, AI_NUMERICHOST, out, why);
}

const char *endpoint_str(const struct endpoint *ep, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	uint16_t port = 0;
	if (ep->addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ep->addr;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		port = ntohs(a->sin6_port);
		snprintf(buf, len, "[%s]:%u", host, port);
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&ep->addr;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		port = ntohs(a->sin_port);
		snprintf(buf, len, "%s:%u", host, port);
	}
	return buf;
}

int parse_choice(const char *s, const char *const *names)
{
	for (int i = 0; s != NULL && names[i] != NULL; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

int parse_shard(const char *s, uint32_t max, uint32_t *i, uint32_t *n, const char **why)
{
	const char *slash = s ? strchr(s, '/') : NULL;
	char num[24];
	uint64_t a, b;
	if (slash == NULL || slash == s || (size_t)(slash - s) >= sizeof(num)) {
		*why = "must be I/N (this host's number from 0, of N hosts)";
		return -1;
	}
	memcpy(num, s, (size_t)(slash - s));
	num[slash - s] = '\0';
	if (parse_u64(num, 0, UINT32_MAX, &a, why) < 0 || parse_u64(slash + 1, 1, max, &b, why) < 0)
		return -1;
	if (a >= b) {
		*why = "I must be below N (shards are numbered from 0)";
		return -1;
	}
	*i = (uint32_t)a;
	*n = (uint32_t)b;
	return 0;
}

int parse_time_at(const char *s, int64_t now_ns, int64_t *out_ns, const char **why)
{
	int relative = s && *s == '+';
	const char *p = relative ? s + 1 : s;
	char whole[16];
	size_t nw = p ? strspn(p, "0123456789") : 0;
	if (nw == 0 || nw >= sizeof(whole) || (p[nw] != '\0' && p[nw] != '.')) {
		*why = "must be Unix seconds (S or S.F) or +S from now";
		return -1;
	}
	memcpy(whole, p, nw);
	whole[nw] = '\0';
	uint64_t sec, frac = 0;
	if (parse_u64(whole, 0, 10000000000ull, &sec, why) < 0)
		return -1;
	if (p[nw] == '.') {
		const char *f = p + nw + 1;
		size_t nf = strspn(f, "0123456789");
		if (nf == 0 || nf > 9 || f[nf] != '\0') {
			*why = "1 to 9 digits after the point";
			return -1;
		}
		for (size_t k = 0; k < 9; k++)
			frac = frac * 10 + (k < nf ? (uint64_t)(f[k] - '0') : 0);
	}
	*out_ns = (int64_t)(sec * 1000000000ull + frac) + (relative ? now_ns : 0);
	return 0;
}
