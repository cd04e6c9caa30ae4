/* The port model: the arithmetic users otherwise do by hand from ss and sysctl. */
#include "client/port_model.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "ports/ports.h"

int endpoint_is_loopback(const struct endpoint *ep)
{
	if (ep->addr.ss_family == AF_INET6)
		return ports_addr_is_loopback(AF_INET6,
					      ((const struct sockaddr_in6 *)&ep->addr)->sin6_addr.s6_addr);
	return ports_addr_is_loopback(AF_INET,
				      (const uint8_t *)&((const struct sockaddr_in *)&ep->addr)->sin_addr);
}

/* Ports of [lo, hi] listed in the reserved-ports text ("a-b,c", any number of items). */
static uint32_t count_reserved(const char *text, uint32_t lo, uint32_t hi)
{
	uint64_t map[65536 / 64];
	if (text == NULL || ports_parse_reserved(text, map) < 0)
		return 0;
	uint32_t n = 0;
	for (uint32_t p = lo; p <= hi && p < 65536; p++)
		n += (uint32_t)(map[p / 64] >> (p % 64)) & 1u;
	return n;
}

/* Whether tcp_tw_reuse recycles this run's ports, and why in words. */
static int reuse_applies(const struct client_opts *o, const struct net_sysctls *s, int shared,
			 const char **why)
{
	if (shared) {
		*why = "no: bind() before connect() takes no TIME_WAIT over (use --bind-no-port)";
		return 0;
	}
	if (s->timestamps == 0) {
		*why = "no: tcp_timestamps=0 (reuse needs timestamps on the old connection)";
		return 0;
	}
	switch (s->tw_reuse) {
	case 1:
		*why = "yes: tcp_tw_reuse=1 (if the peer negotiated timestamps)";
		return 1;
	case 2:
		if (endpoint_is_loopback(&o->dst)) {
			*why = "yes: tcp_tw_reuse=2 on a loopback destination";
			return 1;
		}
		*why = "no: tcp_tw_reuse=2 applies to loopback only";
		return 0;
	default:
		*why = "no: tcp_tw_reuse=0";
		return 0;
	}
}

void port_model_compute(const struct client_opts *o, const struct net_sysctls *s,
			const char *reserved, struct port_model *m)
{
	memset(m, 0, sizeof(*m));
	m->range_lo = s->port_lo > 0 ? (uint32_t)s->port_lo : 32768;
	m->range_hi = s->port_hi > 0 ? (uint32_t)s->port_hi : 60999;
	if (o->port_hi) { /* IP_LOCAL_PORT_RANGE narrows the namespace's range */
		m->range_lo = o->port_lo > m->range_lo ? o->port_lo : m->range_lo;
		m->range_hi = o->port_hi < m->range_hi ? o->port_hi : m->range_hi;
	}
	uint64_t width = m->range_hi >= m->range_lo ? m->range_hi - m->range_lo + 1 : 0;
	m->reserved = count_reserved(reserved, m->range_lo, m->range_hi);
	m->sources = o->bind_name ? o->binds.total : 1;
	m->destinations = client_destinations(o);
	m->shared_pool = o->bind_name && !o->bind_no_port;
	m->ports = (width - m->reserved) * m->sources * (m->shared_pool ? 1 : m->destinations);
	m->holds_tw = !o->linger && o->close_mode != CLIENT_CLOSE_SERVER;
	m->reuse = reuse_applies(o, s, m->shared_pool, &m->reuse_why);
	m->reuse_delay_ms = s->tw_reuse_delay_ms > 0 ? (uint32_t)s->tw_reuse_delay_ms : 1000;
	m->first_failure_s = -1;
	m->sustainable = -1;
	if (!m->holds_tw)
		return; /* ports come back at close: no bound from them */
	double hold_s = m->reuse ? m->reuse_delay_ms / 1000.0 : TIME_WAIT_S;
	m->sustainable = (double)m->ports / hold_s;
	if (o->rate && o->rate > m->sustainable)
		m->first_failure_s = (double)m->ports / o->rate;
}
