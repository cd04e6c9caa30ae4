/* libFuzzer target: the client's command line (client_parse_args). The input is the
 * arguments after `client`, separated by NUL bytes.
 * Rules: no crash, leak or undefined behaviour; every result is OK with the options inside
 * their documented ranges, help, or one printable error line; parsing the same line again
 * gives the same answer (getopt's state is reset between parses). */
#include <dlfcn.h>
#include <netdb.h>

#include "fuzz.h"
#include "client/client_opts.h"
#include "lib/portlist.h"

/* DSTIP may be a host name: this target resolves literals only, so that no input waits on
 * a DNS server (this definition takes the place of libc's in the fuzz binary). */
int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		struct addrinfo **res)
{
	static int (*real)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "getaddrinfo");
	struct addrinfo h = hints ? *hints : (struct addrinfo){0};
	h.ai_flags |= AI_NUMERICHOST;
	return real(node, service, &h, res);
}

/* The loop mode's LOOPS and CONNS, the rate mode's schedule, or the closed loop's C and
 * its end (--duration or --count, one of them). */
static int client_mode_valid(const struct client_opts *o)
{
	if (!o->rate && o->concurrency)
		return o->concurrency <= TWTEST_MAX_CONNS && o->threads <= o->concurrency &&
		       !o->duration_s != !o->count && o->duration_s <= TWTEST_MAX_DURATION &&
		       o->count <= TWTEST_MAX_COUNT && o->payload >= 1 && !o->sequential &&
		       o->shards == 1;
	if (o->rate)
		return o->rate <= TWTEST_MAX_RATE && o->duration_s >= 1 &&
		       o->duration_s <= TWTEST_MAX_DURATION && o->payload >= 1 && !o->sequential &&
		       (!o->max_inflight || o->threads <= o->max_inflight);
	return o->loops >= 1 && o->loops <= 1000000 && o->conns >= 1 &&
	       o->conns <= TWTEST_MAX_CONNS && o->threads <= o->conns;
}

/* --protocol and its options: a protocol of the list, a close scenario only with echo, a
 * path starting with '/', a bound within 1-64m, no space or control character in the
 * request line or the Host field. */
static int http_field_clean(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return 0;
	return 1;
}

static int client_protocol_valid(const struct client_opts *o)
{
	return o->protocol <= CLIENT_PROTO_HTTP &&
	       (o->protocol == CLIENT_PROTO_ECHO || !o->sequential) && o->http_path &&
	       o->http_path[0] == '/' && http_field_clean(o->http_path) &&
	       http_field_clean(o->http_host) && o->max_response >= 1 &&
	       o->max_response <= TWTEST_MAX_PAYLOAD;
}

static int client_opts_valid(const struct client_opts *o)
{
	return client_mode_valid(o) && o->port >= 1 && o->payload <= TWTEST_MAX_PAYLOAD &&
	       o->timeout_ms >= 1 && o->port_lo <= o->port_hi &&
	       !(o->linger && o->close_mode == CLIENT_CLOSE_SHUTDOWN) &&
	       (!o->bind_no_port || o->bind_name) && o->threads >= 1 &&
	       (!o->sequential || o->threads == 1) &&
	       o->ports.total >= 1 && portlist_get(&o->ports, 0) == o->port &&
	       o->dsts.total >= 1 && o->dsts.seg[0].first.addr.ss_family == o->dst.addr.ss_family &&
	       (!o->bind_name || (o->binds.nseg >= 1 && o->binds.nseg <= ADDRLIST_MAX_SEGMENTS &&
				  o->bind.addr.ss_family == o->dst.addr.ss_family)) &&
	       (o->dst.addr.ss_family == AF_INET || o->dst.addr.ss_family == AF_INET6) &&
	       client_protocol_valid(o);
}

FUZZ_PARSER_TARGET("client", struct client_opts, client_parse_args, client_opts_valid)
