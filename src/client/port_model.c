/* The port model: the arithmetic users otherwise do by hand from ss and sysctl. */
#include "client/port_model.h"

#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "lib/tw_reuse.h"

int endpoint_is_loopback(const struct endpoint *ep)
{
	if (ep->addr.ss_family == AF_INET6)
		return tw_addr_is_loopback(AF_INET6,
					      ((const struct sockaddr_in6 *)&ep->addr)->sin6_addr.s6_addr);
	return tw_addr_is_loopback(AF_INET,
				      (const uint8_t *)&((const struct sockaddr_in *)&ep->addr)->sin_addr);
}

/* Is every --bind source loopback? (Without --bind the route picks the source: loopback
 * toward a loopback destination, which endpoint_is_loopback already answers.) */
static int source_is_loopback(const struct client_opts *o)
{
	if (o->bind_name == NULL)
		return 0;
	uint64_t at = 0;
	for (uint32_t i = 0; i < o->binds.nseg; i++) {
		/* a segment is consecutive: loopback when both of its ends are */
		struct endpoint last;
		addrlist_get(&o->binds, at + o->binds.seg[i].count - 1, &last);
		if (!endpoint_is_loopback(&o->binds.seg[i].first) || !endpoint_is_loopback(&last))
			return 0;
		at += o->binds.seg[i].count;
	}
	return 1;
}

/* Append "; what" (or "what" first) to the model's note. */
static void note(struct port_model *m, const char *what)
{
	size_t n = strlen(m->range_note);
	snprintf(m->range_note + n, sizeof(m->range_note) - n, "%s%s", n ? "; " : "", what);
}

/* Ports of [lo, hi] listed in the reserved-ports text ("a-b,c", any number of items); a
 * text that cannot be read counts none, and the model's note says so. */
static uint32_t count_reserved(const char *text, uint32_t lo, uint32_t hi, struct port_model *m)
{
	uint64_t map[TW_PORT_WORDS];
	if (text == NULL || tw_parse_reserved(text, map) < 0) {
		note(m, "ip_local_reserved_ports unreadable: none counted");
		return 0;
	}
	uint32_t n = 0;
	for (uint32_t p = lo; p <= hi && p < 65536; p++)
		n += (uint32_t)(map[p / 64] >> (p % 64)) & 1u;
	return n;
}

/* Whether tcp_tw_reuse recycles this run's ports (tw_reuse_rule, once the delay has
 * passed), with the verdict and why in m->reuse_why. */
static int reuse_applies(const struct client_opts *o, const struct net_sysctls *s,
			 struct port_model *m)
{
	if (m->shared_pool) { /* bind(port 0) skips TIME_WAIT ports: no takeover to ask about */
		snprintf(m->reuse_why, sizeof(m->reuse_why), "%s",
			 "no: bind() before connect() takes no TIME_WAIT over (use --bind-no-port)");
		return 0;
	}
	const struct tw_case c = {
		.fin_wait2 = 0, /* the model's connections end in a full close */
		.tw_reuse = s->tw_reuse,
		.loopback = source_is_loopback(o) || endpoint_is_loopback(&o->dst),
		.timestamps = s->timestamps,
		.negotiated = TW_UNKNOWN, /* the peer's side is not known before the run */
		.delay_ms = s->tw_reuse_delay_ms,
		.age_ms = TW_AGE_ANY,
	};
	const char *why;
	enum tw_verdict v = tw_reuse_rule(&c, &why);
	snprintf(m->reuse_why, sizeof(m->reuse_why), "%s: %s", tw_verdict_name(v), why);
	return v == TW_YES || v == TW_LIKELY;
}

/* The range connect() draws from with --local-port-range, as the kernel's
 * inet_sk_get_local_port_range takes it: each bound of the socket's range only if it lies in
 * the namespace's range (the high bound checked against the low bound already taken), the
 * namespace's bound otherwise; what it ignored goes in m->range_ignored and m->range_note. */
static void socket_range(const struct client_opts *o, struct port_model *m)
{
	uint32_t sys_lo = m->range_lo, sys_hi = m->range_hi;
	if (o->port_lo >= m->range_lo && o->port_lo <= m->range_hi)
		m->range_lo = o->port_lo;
	else
		m->range_ignored |= PORT_MODEL_IGNORED_LO;
	if (o->port_hi >= m->range_lo && o->port_hi <= m->range_hi)
		m->range_hi = o->port_hi;
	else
		m->range_ignored |= PORT_MODEL_IGNORED_HI;
	static const char *const what[] = {"", "its low bound", "its high bound", "both its bounds"};
	char words[160];
	snprintf(words, sizeof(words),
		 "the kernel ignores %s: --local-port-range %u-%u against ip_local_port_range %" PRIu32
		 "-%" PRIu32, what[m->range_ignored], o->port_lo, o->port_hi, sys_lo, sys_hi);
	if (m->range_ignored)
		note(m, words);
}

void port_model_compute(const struct client_opts *o, const struct net_sysctls *s,
			const char *reserved, struct port_model *m)
{
	memset(m, 0, sizeof(*m));
	m->range_lo = s->port_lo > 0 ? (uint32_t)s->port_lo : 32768;
	m->range_hi = s->port_hi > 0 ? (uint32_t)s->port_hi : 60999;
	if (s->port_lo <= 0) /* stated, not hidden: the arithmetic needs a range */
		note(m, "ip_local_port_range unreadable: the kernel's default 32768-60999 assumed");
	if (o->port_hi) /* IP_LOCAL_PORT_RANGE narrows the namespace's range */
		socket_range(o, m);
	uint64_t width = m->range_hi >= m->range_lo ? m->range_hi - m->range_lo + 1 : 0;
	m->reserved = count_reserved(reserved, m->range_lo, m->range_hi, m);
	m->sources = o->bind_name ? o->binds.total : 1;
	m->destinations = client_destinations(o);
	m->shared_pool = o->bind_name && !o->bind_no_port;
	m->ports = (width - m->reserved) * m->sources * (m->shared_pool ? 1 : m->destinations);
	m->holds_tw = !o->linger && o->close_mode != CLIENT_CLOSE_SERVER;
	m->reuse = reuse_applies(o, s, m);
	m->reuse_delay_ms = tw_reuse_hold_ms(s->tw_reuse_delay_ms);
	m->reuse_delay_sysctl = s->tw_reuse_delay_ms;
	m->first_failure_s = -1;
	m->sustainable = -1;
	if (!m->holds_tw)
		return; /* ports come back at close: no bound from them */
	double hold_s = m->reuse ? m->reuse_delay_ms / 1000.0 : TW_TIME_WAIT_S;
	m->sustainable = (double)m->ports / hold_s;
	if (o->rate) /* this host's share */
		m->first_failure_s = port_model_first_failure_s(m, client_host_rate(o));
}

double port_model_first_failure_s(const struct port_model *m, double rate)
{
	if (m->sustainable < 0 || rate <= m->sustainable)
		return -1;
	return (double)m->ports / rate;
}
