/* Strict parsing of command-line values: numbers, ranges, flags and addresses.
 * Every function returns 0 on success or -1 with a short reason in *why, so the
 * caller can name the argument and its value in a one-line error. */
#ifndef TWTEST_PARSE_H
#define TWTEST_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* A resolved socket address with its length. */
struct endpoint {
	struct sockaddr_storage addr;
	socklen_t len;
};

/* Parse a decimal unsigned integer in [min, max]; no sign, no spaces, no suffix. */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out, const char **why);

/* Parse a size with an optional k/m/g suffix (powers of 1024) in [min, max]. */
int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out, const char **why);

/* Parse a time with an optional unit (ms, s, m, h: "500ms", "5s", "2m"), a bare number
 * being in unit_ms milliseconds (1: ms, 1000: s), into *out in that unit, within [min, max]
 * of it; a time that is not a whole number of units ("500ms" in seconds) is refused. */
int parse_duration(const char *s, uint64_t unit_ms, uint64_t min, uint64_t max, uint64_t *out,
		   const char **why);

/* Write ms milliseconds in the largest unit that holds it exactly ("1h", "90s", "1500ms"). */
void format_duration_ms(uint64_t ms, char *buf, size_t len);

/* Parse "0" or "1". */
int parse_bool01(const char *s, int *out, const char **why);

/* Parse "LO-HI" with min <= LO <= HI <= max. */
int parse_u16_range(const char *s, uint16_t min, uint16_t max, uint16_t *lo, uint16_t *hi,
		    const char **why);

/* Resolve an IPv4/IPv6 literal or a host name to one TCP address with the given port. */
int parse_host(const char *s, uint16_t port, struct endpoint *out, const char **why);

/* Parse an IPv4/IPv6 literal only (no name lookup), with the given port. */
int parse_ip_literal(const char *s, uint16_t port, struct endpoint *out, const char **why);

/* Is s an address given the way another tool takes it, or a malformed IP literal? Then -1
 * with what it is and the fix in buf ("a URL: give 127.0.0.1 and --port 8080"), without
 * any lookup; 0 when it may be an address or a host name. */
int parse_addr_mistake(const char *s, char *buf, size_t len);

/* Set the port of an endpoint. */
void endpoint_set_port(struct endpoint *ep, uint16_t port);

/* The port of an endpoint (IPv4 or IPv6), in host order. */
uint16_t endpoint_port(const struct endpoint *ep);

/* Format an endpoint as "ADDR:PORT" or "[ADDR]:PORT" into buf. */
const char *endpoint_str(const struct endpoint *ep, char *buf, size_t len);

/* Parse "I/N" (a shard: this host is I of N, numbered from 0) with I < N <= max. */
int parse_shard(const char *s, uint32_t max, uint32_t *i, uint32_t *n, const char **why);

/* Parse a moment as nanoseconds since the epoch: "S" or "S.F" Unix seconds, or "+S[.F]"
 * seconds after now_ns (at most 9 digits after the point, S at most 10^10). */
int parse_time_at(const char *s, int64_t now_ns, int64_t *out_ns, const char **why);

/* Look up choice among a NULL-terminated list of names; returns the index or -1. */
int parse_choice(const char *s, const char *const *names);

#endif
