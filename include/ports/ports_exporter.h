/* `twtest ports --listen`: the ports figures served to Prometheus over HTTP. The address
 * parser (no I/O), the sample cache that builds a /metrics body at most once per --interval
 * (src/ports/ports_scrape.c), and the non-blocking server (src/ports/ports_exporter.c). */
#ifndef TWTEST_PORTS_EXPORTER_H
#define TWTEST_PORTS_EXPORTER_H

#include <stddef.h>
#include <stdint.h>

#include "lib/parse.h"
#include "ports/ports_cmd.h"
#include "ports/ports_nat.h"

/* Parse --listen's "[ADDR:]PORT": PORT alone or ":PORT" is every IPv4 address, "[V6]:PORT"
 * an IPv6 one; PORT 0-65535 (0: the kernel picks). Returns 0, or -1 with *why set. */
int ports_parse_listen(const char *s, struct endpoint *out, const char **why);

/* One /metrics body, shared by every connection still sending it. */
struct scrape_body {
	unsigned refs;
	size_t len;
	char text[];
};

/* Take and drop a reference (the body is freed with its last one). */
struct scrape_body *scrape_body_ref(struct scrape_body *b);
void scrape_body_unref(struct scrape_body *b);

/* The sample cache: the last body, when it was made, and what the next one needs. */
struct scrape_cache {
	const struct ports_opts *opts;
	struct ports_config *cfg;
	struct scrape_body *body;  /* NULL before the first sample */
	uint64_t sampled_ns;       /* monotonic time of the last sample */
	uint64_t samples;          /* samples taken */
	uint64_t failures;         /* samples that could not read the kernel */
	int up;                    /* the last sample's twtest_ports_up; -1 before the first */
	/* --nat: the conntrack side, its previous sample kept for the growth and the rates */
	struct nat_config *ncfg;   /* NULL without --nat */
	struct nat_model nprev;
	struct nat_host nprev_h;
	uint64_t nprev_ns;
	int have_nprev, nat_up;    /* nat_up: the last --nat sample's twtest_nat_up; -1 before */
};

/* Get ready to sample with o's filters. Returns 0 or ENOMEM. */
int scrape_cache_init(struct scrape_cache *c, const struct ports_opts *o);
void scrape_cache_free(struct scrape_cache *c);

/* The body for a scrape at monotonic time now_ns: the cached one when it is younger than
 * --interval, else a fresh sample whose rates cover the time since the previous sample
 * (at least --interval, at most 60 s). A reference the caller drops; NULL when out of memory.
 * A sample that cannot read the kernel still gives a body, with twtest_ports_up 0 (and with
 * --nat, the conntrack families and twtest_nat_up, 0 when conntrack could not be read). */
struct scrape_body *scrape_get(struct scrape_cache *c, uint64_t now_ns);

/* Serve /metrics on o->listen until SIGINT/SIGTERM; the process exit status. */
int ports_serve(const struct ports_opts *o);

#endif
