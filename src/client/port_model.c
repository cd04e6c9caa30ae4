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

/* Is addr (family, network order) one of list l's addresses? (A segment counts up in the
 * last 32 bits, IPv6's first 96 bits as its first address has them.) */
static int in_addrlist(const struct addrlist *l, int family, const uint8_t *addr)
{
	for (uint32_t i = 0; i < l->nseg; i++) {
		const struct endpoint *f = &l->seg[i].first;
		const uint8_t *a;
		if (f->addr.ss_family != family)
			continue;
		if (family == AF_INET6) {
			a = ((const struct sockaddr_in6 *)&f->addr)->sin6_addr.s6_addr;
			if (memcmp(a, addr, 12) != 0)
				continue;
			a += 12;
			addr += 12;
		} else {
			a = (const uint8_t *)&((const struct sockaddr_in *)&f->addr)->sin_addr;
		}
		uint32_t first = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
		uint32_t x = (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 | (uint32_t)addr[2] << 8 | addr[3];
		if (family == AF_INET6)
			addr -= 12;
		if (x - first < l->seg[i].count)
			return 1;
	}
	return 0;
}

/* Is port one of the run's --port ports? */
static int in_ports(const struct portlist *p, uint16_t port)
{
	for (uint64_t i = 0; i < p->total; i++)
		if (portlist_get(p, i) == port)
			return 1;
	return 0;
}

void port_census_init(struct port_census *c, const struct client_opts *o,
		      const struct port_model *m, const struct endpoint *source)
{
	memset(c, 0, sizeof(*c));
	c->o = o;
	c->lo = m->range_lo;
	c->hi = m->range_hi;
	c->shared_pool = m->shared_pool;
	c->source = source;
}

void port_census_add(const struct sockdiag_sock *s, void *arg)
{
	struct port_census *c = arg;
	const struct client_opts *o = c->o;
	if (s->family != o->dst.addr.ss_family || s->state == TCPS_LISTEN || s->sport < c->lo ||
	    s->sport > c->hi)
		return;
	if (!c->shared_pool && (!in_addrlist(&o->dsts, s->family, s->dst) || !in_ports(&o->ports, s->dport)))
		return;
	if (o->bind_name) {
		if (!in_addrlist(&o->binds, s->family, s->src))
			return;
	} else if (c->source) {
		struct addrlist one = {.nseg = 1, .total = 1, .seg[0] = {*c->source, 1}};
		if (!in_addrlist(&one, s->family, s->src))
			return;
	}
	c->held++;
	if (s->state != TCPS_TIME_WAIT)
		return;
	c->time_wait++;
	uint32_t step = (s->expires_ms + PORT_MODEL_STEP_MS - 1) / PORT_MODEL_STEP_MS;
	c->expiry[step < PORT_MODEL_STEPS ? step : PORT_MODEL_STEPS - 1]++;
}

/* Loops: the first with a failure, when each takes its CONNS from the ports free at its
 * start and keeps them (TIME_WAIT) past the run: loop floor(free / CONNS). With reuse and
 * --interval at least its delay, each loop's ports are back for the next. */
static int64_t first_failing_loop(const struct port_model *m, const struct client_opts *o)
{
	uint64_t avail = m->free + m->tw_free_at[0];
	if (!m->holds_tw || m->loop_conns == 0)
		return avail >= m->loop_conns ? -1 : 0;
	if (m->reuse && o->interval_ms >= m->reuse_delay_ms)
		return avail >= m->loop_conns ? -1 : 0;
	uint64_t first = avail / m->loop_conns;
	return first < o->loops ? (int64_t)first : -1;
}

void port_model_held(struct port_model *m, const struct port_census *c, const struct client_opts *o)
{
	memset(m->tw_free_at, 0, sizeof(m->tw_free_at));
	m->held_read = c != NULL;
	m->held = c ? c->held : 0;
	m->held_tw = c ? c->time_wait : 0;
	m->free = m->ports > m->held ? m->ports - m->held : 0;
	/* with reuse, connect() takes a TIME_WAIT port over once it is reuse_delay_ms old */
	uint32_t early = m->reuse ? (TW_TIME_WAIT_MS - m->reuse_delay_ms) / PORT_MODEL_STEP_MS : 0;
	for (uint32_t i = 0; c && i < PORT_MODEL_STEPS; i++)
		m->tw_free_at[i > early ? i - early : 0] += c->expiry[i];
	m->loop_conns = o->rate || o->concurrency ? 0 : o->conns;
	m->first_failing_loop = m->loop_conns ? first_failing_loop(m, o) : -1;
	if (o->rate)
		m->first_failure_s = port_model_first_failure_s(m, client_host_rate(o));
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
	m->free = m->ports; /* until port_model_held says what the host holds */
	m->first_failing_loop = -1;
	if (!m->holds_tw)
		return; /* ports come back at close: no bound from them */
	double hold_s = m->reuse ? m->reuse_delay_ms / 1000.0 : TW_TIME_WAIT_S;
	m->sustainable = (double)m->ports / hold_s;
	if (o->rate) /* this host's share */
		m->first_failure_s = port_model_first_failure_s(m, client_host_rate(o));
}

#define HOLD_STEPS_MAX (TW_TIME_WAIT_MS / PORT_MODEL_STEP_MS)

double port_model_first_failure_s(const struct port_model *m, double rate)
{
	if (m->sustainable < 0 || rate <= 0)
		return -1; /* no TIME_WAIT on the client: a port comes back at close */
	/* Step by step: the ports that come free in a step (held TIME_WAIT, the run's own
	 * connections one hold after they were made), then the connections due in it; the
	 * first one that finds no port fails. Past every held TIME_WAIT and one hold of the
	 * run's own, each step repeats the one before: none fails later. */
	uint32_t hold = (m->reuse ? m->reuse_delay_ms : TW_TIME_WAIT_MS) / PORT_MODEL_STEP_MS;
	hold = hold < 1 ? 1 : hold > HOLD_STEPS_MAX ? HOLD_STEPS_MAX : hold;
	uint64_t made[HOLD_STEPS_MAX + 1] = {0}, avail = m->free, due = 0;
	for (uint32_t b = 0; b < PORT_MODEL_STEPS + hold; b++) {
		avail += (b < PORT_MODEL_STEPS ? m->tw_free_at[b] : 0) + (b >= hold ? made[(b - hold) % (hold + 1)] : 0);
		/* Due before the step's end: ceil(rate x t) (connection i at i / rate). With t in
		 * whole ms an integer rate's product is exact; a shard's share (rate / N) lands a
		 * few roundings off a whole number, which the relative margin takes back (the
		 * share's fractions are 1 / (10 N) apart, far above it). */
		double q = rate * (PORT_MODEL_STEP_MS * (b + 1.0)) / 1000, x = q - q * 1e-15;
		uint64_t due_end = (uint64_t)x + ((double)(uint64_t)x < x);
		uint64_t n = due_end - due;
		if (n > avail)
			return (double)(due + avail) / rate;
		avail -= n;
		made[b % (hold + 1)] = n;
		due = due_end;
	}
	return -1;
}
