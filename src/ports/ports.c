/* The ports subcommand's model: groups sockets by (source, destination, destination port)
 * in a hash table whose size follows the number of groups, not sockets, and computes each
 * group's figures (see include/ports/ports.h). */
#include "ports/ports.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "lib/parse.h"

const uint32_t ports_within_s[PORTS_WITHIN_N] = {1, 10, 30, 60};
const uint8_t ports_states[PORTS_NSTATES] = {
	TCPS_TIME_WAIT, TCPS_ESTABLISHED, TCPS_SYN_SENT, TCPS_FIN_WAIT1,
	TCPS_FIN_WAIT2, TCPS_CLOSE_WAIT, TCPS_LAST_ACK, TCPS_CLOSING,
};

#define MAP_WORDS TW_PORT_WORDS

static int bit_test(const uint64_t *map, uint16_t port)
{
	return (map[port / 64] >> (port % 64)) & 1;
}

/* Set a bit; returns 1 if it was clear. */
static int bit_set(uint64_t *map, uint16_t port)
{
	uint64_t b = 1ull << (port % 64);
	int was_clear = !(map[port / 64] & b);
	map[port / 64] |= b;
	return was_clear;
}

int ports_init(struct ports_model *m, const struct ports_config *cfg)
{
	memset(m, 0, sizeof(*m));
	m->cfg = cfg;
	if (cfg->port_lo >= 1 && cfg->port_hi >= cfg->port_lo && cfg->port_hi <= 65535)
		for (long p = cfg->port_lo; p <= cfg->port_hi; p++) {
			if (bit_test(cfg->reserved, (uint16_t)p))
				m->reserved_in_range++;
			else
				m->range++;
		}
	m->bound_map = calloc(MAP_WORDS, sizeof(uint64_t));
	int rc = keytab_init(&m->index, sizeof(struct ports_group));
	if (m->bound_map == NULL || rc != 0) {
		ports_free(m);
		return ENOMEM;
	}
	return 0;
}

/* Can connect() draw this local port? */
static int drawable(const struct ports_config *c, uint16_t port)
{
	return port >= c->port_lo && port <= c->port_hi && !bit_test(c->reserved, port);
}

KEYTAB_ITEM_CHECK(struct ports_group);

/* The socket's group, made if new; NULL when out of memory. */
static struct ports_group *find_group(struct ports_model *m, const struct sockdiag_sock *s)
{
	struct flow_id id = flow_id_of(s->family, s->src, s->dst, s->dport);
	struct ports_group *g = keytab_get(&m->index, &id);
	m->groups = m->index.items;
	m->ngroups = m->index.n;
	return g;
}

/* Count a port held by bind() without a connection, on its source and in the total. */
static void add_bound(struct ports_model *m, const struct sockdiag_sock *s)
{
	size_t i;
	for (i = 0; i < m->nsources; i++)
		if (m->sources[i].family == s->family && memcmp(m->sources[i].src, s->src, 16) == 0)
			break;
	if (i == m->nsources) {
		struct ports_source *src = realloc(m->sources, (i + 1) * sizeof(*src));
		uint64_t *maps = src ? realloc(m->src_maps, (i + 1) * MAP_WORDS * sizeof(uint64_t)) : NULL;
		if (src)
			m->sources = src;
		if (maps == NULL) {
			m->oom = 1;
			return;
		}
		m->src_maps = maps;
		memset(maps + i * MAP_WORDS, 0, MAP_WORDS * sizeof(uint64_t));
		memset(&src[i], 0, sizeof(src[i]));
		src[i].family = s->family;
		memcpy(src[i].src, s->src, 16);
		m->nsources++;
	}
	m->sources[i].ports += (uint32_t)bit_set(m->src_maps + i * MAP_WORDS, s->sport);
	m->bound_ports += (uint32_t)bit_set(m->bound_map, s->sport);
}

/* Does the socket pass --dst and --dport? */
static int wanted(const struct ports_config *c, const struct sockdiag_sock *s)
{
	if (c->dport && s->dport != c->dport)
		return 0;
	if (c->dst_family == 0)
		return 1;
	return c->dst_family == s->family &&
	       memcmp(c->dst, s->dst, s->family == AF_INET ? 4 : 16) == 0;
}

void ports_add(const struct sockdiag_sock *s, void *arg)
{
	struct ports_model *m = arg;
	const struct ports_config *c = m->cfg;
	int fam = s->family == AF_INET6;
	m->sockets++;
	if (s->state == TCPS_TIME_WAIT)
		m->time_wait++;
	if (s->state == TCPS_LISTEN)
		bit_set(m->listen_map[fam], s->sport);
	if (!drawable(c, s->sport))
		return;
	if (s->state == TCPS_LISTEN || s->state == TCPS_CLOSE) {
		add_bound(m, s);
		return;
	}
	/* an accepted connection on a listening port in the range: not connect()'s */
	if (bit_test(m->listen_map[fam], s->sport) || s->state == TCPS_SYN_RECV || !wanted(c, s))
		return;
	struct ports_group *g = find_group(m, s);
	if (g == NULL) {
		m->oom = 1;
		return;
	}
	g->n[s->state]++;
	g->on_lo |= s->ifindex == 1; /* LOOPBACK_IFINDEX */
	if (s->state == TCPS_ESTABLISHED && s->timestamps >= 0) {
		g->ts_yes += s->timestamps == 1;
		g->ts_no += s->timestamps == 0;
	}
	if (s->state == TCPS_TIME_WAIT) {
		uint32_t left = s->expires_ms > TW_TIME_WAIT_MS ? TW_TIME_WAIT_MS : s->expires_ms;
		g->expiry[left / PORTS_BUCKET_MS]++;
		/* the timer starts at 60 s: its age is what has run down */
		if (TW_TIME_WAIT_MS - left < c->window_ms)
			g->new_tw++;
	}
}

double ports_forecast(const struct ports_group *g, uint32_t range, double new_per_s,
		      uint32_t life_ms)
{
	if (life_ms > TW_TIME_WAIT_MS)
		life_ms = TW_TIME_WAIT_MS;
	/* a TIME_WAIT port is usable again when its timer falls to 60 s - life */
	uint32_t skip = (TW_TIME_WAIT_MS - life_ms) / PORTS_BUCKET_MS;
	uint64_t freed = 0;
	for (uint32_t j = 0; j <= skip && j < PORTS_BUCKETS; j++)
		freed += g->expiry[j];
	for (uint32_t k = 0; k <= life_ms / PORTS_BUCKET_MS; k++) {
		if (k > 0 && skip + k < PORTS_BUCKETS)
			freed += g->expiry[skip + k];
		double t = k * (PORTS_BUCKET_MS / 1000.0);
		double used = (double)g->in_use - (double)freed + new_per_s * t;
		if (used >= range)
			return t;
	}
	return -1;
}

/* One group's figures from its counts. */
static void finish_group(const struct ports_model *m, struct ports_group *g)
{
	const struct ports_config *c = m->cfg;
	g->connected = 0;
	for (int i = 0; i < PORTS_NSTATES; i++)
		g->connected += g->n[ports_states[i]];
	/* bound ports are skipped by connect() whatever the source (one bind bucket a port) */
	g->bound = m->bound_ports;
	uint64_t used = (uint64_t)g->connected + g->bound;
	g->in_use = used > m->range ? m->range : (uint32_t)used;
	g->free = m->range - g->in_use;
	g->used_pct = m->range ? 100.0 * g->in_use / m->range : 100.0;
	uint32_t cum = 0, j = 0;
	for (int w = 0; w < PORTS_WITHIN_N; w++) {
		uint32_t end = w == PORTS_WITHIN_N - 1 ? PORTS_BUCKETS : ports_within_s[w] * 1000 / PORTS_BUCKET_MS;
		for (; j < end; j++)
			cum += g->expiry[j];
		g->free_within[w] = cum;
	}
	g->new_tw_per_s = c->window_ms ? g->new_tw * 1000.0 / c->window_ms : 0;
	int neg = g->ts_yes && g->ts_no ? 2 : g->ts_yes ? 1 : g->ts_no ? 0 : -1;
	static const char *const neg_names[] = {"unknown", "no", "yes", "partly"};
	g->ts_negotiated = neg_names[neg + 1];
	/* the question is reuse once the delay has passed: the delay is the forecast's hold */
	const struct tw_case rc = {
		.fin_wait2 = 0, /* sock_diag shows a FIN_WAIT2-substate minisocket as FIN_WAIT2 */
		.tw_reuse = c->tw_reuse,
		.loopback = g->on_lo || tw_addr_is_loopback(g->family, g->src) ||
			    tw_addr_is_loopback(g->family, g->dst),
		.timestamps = c->timestamps,
		.negotiated = neg,
		.delay_ms = c->tw_reuse_delay_ms,
		.age_ms = TW_AGE_ANY,
	};
	g->reuse = tw_reuse_rule(&rc, &g->reuse_why);
	/* no reuse, or not known: a port is held for all of TIME_WAIT */
	int reused = g->reuse == TW_YES || g->reuse == TW_LIKELY;
	g->full_in_s = ports_forecast(g, m->range, g->new_tw_per_s,
				      reused ? tw_reuse_hold_ms(c->tw_reuse_delay_ms) : TW_TIME_WAIT_MS);
}

/* Fullest first; then more sockets; then by key, so that the order is stable. */
static int cmp_groups(const void *a, const void *b)
{
	const struct ports_group *x = a, *y = b;
	if (x->used_pct != y->used_pct)
		return x->used_pct < y->used_pct ? 1 : -1;
	if (x->connected != y->connected)
		return x->connected < y->connected ? 1 : -1;
	int d = memcmp(x->dst, y->dst, 16);
	if (d)
		return d;
	if (x->dport != y->dport)
		return x->dport < y->dport ? -1 : 1;
	return memcmp(x->src, y->src, 16);
}

void ports_finish(struct ports_model *m)
{
	for (size_t i = 0; i < m->ngroups; i++)
		finish_group(m, &m->groups[i]);
	if (m->ngroups > 1)
		qsort(m->groups, m->ngroups, sizeof(*m->groups), cmp_groups);
	keytab_reindex(&m->index); /* the sort moved the groups */
}

double ports_max_used(const struct ports_model *m)
{
	double max = 0;
	for (size_t i = 0; i < m->ngroups; i++)
		if (m->groups[i].used_pct > max)
			max = m->groups[i].used_pct;
	return max;
}

void ports_free(struct ports_model *m)
{
	keytab_free(&m->index);
	free(m->sources);
	free(m->src_maps);
	free(m->bound_map);
	memset(m, 0, sizeof(*m));
}
