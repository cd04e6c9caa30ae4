/* The model of `ports --nat`: SNAT entries grouped by (translated source, destination,
 * destination port) in a hash table whose size follows the groups, not the entries, and
 * each group's figures (see include/ports/ports_nat.h). No I/O here. */
#include "ports/ports_nat.h"

#include <errno.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const uint32_t nat_within_s[NAT_WITHIN_N] = {1, 10, 60, 120};

static const char *const expect_names[] = {"immediate", "delay", "timeout"};

const char *nat_expect_name(enum nat_expect e)
{
	return expect_names[e];
}

int nat_init(struct nat_model *m, const struct nat_config *cfg)
{
	memset(m, 0, sizeof(*m));
	m->cfg = cfg;
	m->pool = (uint32_t)cfg->pool_hi - cfg->pool_lo + 1;
	return keytab_init(&m->index, sizeof(struct nat_group));
}

void nat_free(struct nat_model *m)
{
	keytab_free(&m->index);
	m->groups = NULL;
	m->ngroups = 0;
}

KEYTAB_ITEM_CHECK(struct nat_group);

/* The group for this key, made when new; NULL when out of memory. */
static struct nat_group *group_for(struct nat_model *m, uint8_t family, const uint8_t *src,
				   const uint8_t *dst, uint16_t dport)
{
	struct flow_id id = flow_id_of(family, src, dst, dport);
	struct nat_group *g = keytab_get(&m->index, &id);
	m->groups = m->index.items;
	m->ngroups = m->index.n;
	return g;
}

/* The hold time of the state an entry entered with a fresh timer (-1: not such a state). */
static long entry_hold(const struct nat_config *c, uint8_t state)
{
	switch (state) {
	case TCP_CONNTRACK_SYN_SENT: return c->hold.syn_sent;
	case TCP_CONNTRACK_TIME_WAIT: return c->hold.time_wait;
	case TCP_CONNTRACK_CLOSE: return c->hold.close;
	default: return -1;
	}
}

void nat_add(const struct ct_entry *e, void *arg)
{
	struct nat_model *m = arg;
	const struct nat_config *c = m->cfg;
	if (!ct_is_snat(e) || !e->reply.have)
		return;
	if (e->reply.proto != IPPROTO_TCP) {
		m->other_proto++;
		return;
	}
	m->snat_entries++;
	/* The reply tuple: from the destination to the NAT's address and port. */
	size_t alen = e->family == AF_INET6 ? 16 : 4;
	if (c->dport && e->reply.sport != c->dport)
		return;
	if (c->dst_family && (c->dst_family != e->family || memcmp(c->dst, e->reply.src, alen) != 0))
		return;
	struct nat_group *g = group_for(m, e->family, e->reply.dst, e->reply.src, e->reply.sport);
	if (g == NULL) {
		m->oom = 1;
		return;
	}
	g->n[e->tcp_state < NAT_NSTATES ? e->tcp_state : NAT_NSTATES]++;
	if (e->reply.dport < c->pool_lo || e->reply.dport > c->pool_hi)
		g->outside_pool++;
	uint32_t left = e->has_timeout ? e->timeout_s : 0;
	g->expiry[left < NAT_SCHED_S ? left : NAT_SCHED_S]++;
	/* A timer set when the state began and not refreshed: its age tells a new entry.
	 * left is whole seconds rounded down, so age <= w is left + w >= hold; a timer
	 * longer than the hold was set otherwise (conntrack -I, a changed sysctl): no age. */
	long hold = entry_hold(c, e->tcp_state);
	if (hold > 0 && e->has_timeout && (long)left <= hold && (long)left + (long)c->window_s >= hold)
		g->new_entries++;
}

double nat_forecast(const struct nat_group *g, uint32_t pool, double new_per_s, long hold_s)
{
	if (g->in_use >= pool)
		return 0;
	if (new_per_s <= 0 || hold_s <= 0)
		return -1;
	/* Entries leave as their timers end; new ones stay for hold_s (their TIME_WAIT after a
	 * short connection): if the pool is not full within hold_s, the steady state fits. */
	uint64_t freed = 0;
	long horizon = hold_s < NAT_SCHED_S ? hold_s : NAT_SCHED_S;
	for (long t = 1; t <= horizon; t++) {
		freed += g->expiry[t - 1];
		double used = (double)g->in_use - (double)freed + new_per_s * (double)t;
		if (used >= pool) {
			/* the second it fills, to 0.1 s */
			double before = used - new_per_s;
			double frac = (pool - before) / new_per_s;
			return (double)(t - 1) + (frac > 0 ? frac : 0);
		}
	}
	return -1;
}

/* Figures of one group. */
static void finish_group(struct nat_model *m, struct nat_group *g, const struct nat_model *prev,
			 double dt_s)
{
	const struct nat_config *c = m->cfg;
	g->established = g->n[TCP_CONNTRACK_ESTABLISHED];
	g->time_wait = g->n[TCP_CONNTRACK_TIME_WAIT];
	g->close = g->n[TCP_CONNTRACK_CLOSE];
	g->in_use = 0;
	for (int s = 0; s <= NAT_NSTATES; s++)
		g->in_use += g->n[s];
	g->other = g->in_use - g->established - g->time_wait - g->close;
	g->free = g->in_use < m->pool ? m->pool - g->in_use : 0;
	g->used_pct = m->pool ? 100.0 * (g->in_use < m->pool ? g->in_use : m->pool) / m->pool : 0;
	uint32_t cum = 0;
	int w = 0;
	g->next_free_s = -1;
	for (uint32_t t = 0; t < NAT_SCHED_S; t++) {
		cum += g->expiry[t];
		if (g->expiry[t] && g->next_free_s < 0)
			g->next_free_s = (long)t + 1;
		while (w < NAT_WITHIN_N && t + 1 == nat_within_s[w])
			g->free_within[w++] = cum;
	}
	g->new_per_s = (double)g->new_entries / (c->window_s ? c->window_s : 1);
	const struct nat_group *p = prev && dt_s > 0 ? nat_find(prev, g) : NULL;
	if (p && g->in_use > p->in_use) {
		double growth = (double)(g->in_use - p->in_use) / dt_s;
		if (growth > g->new_per_s)
			g->new_per_s = growth;
	}
	g->full_in_s = nat_forecast(g, m->pool, g->new_per_s, c->hold.time_wait);
	/* Linux 6.5+ (nf_nat_used_tuple_harder): in the last probes of its port search a new
	 * SYN may evict an entry in TIME_WAIT or CLOSE; before 6.5 nothing is evicted. */
	g->evictable = c->evicts ? g->time_wait + g->close + g->n[TCP_CONNTRACK_SYN_SENT2] : 0;
	g->taken = g->in_use - g->evictable;
	if (g->in_use < m->pool) {
		g->expect = NAT_IMMEDIATE;
		snprintf(g->expect_why, sizeof(g->expect_why), "%u ports free", g->free);
	} else if (g->taken < m->pool) {
		g->expect = NAT_DELAY;
		snprintf(g->expect_why, sizeof(g->expect_why),
			 "pool full, %u closing entries can be taken over (Linux 6.5+): a SYN whose "
			 "search misses is dropped and sent again (1 s)", g->evictable);
	} else {
		g->expect = NAT_TIMEOUT;
		if (g->next_free_s >= 0)
			snprintf(g->expect_why, sizeof(g->expect_why),
				 "every port taken (%u live%s): SYNs dropped until an entry expires in %ld s",
				 g->in_use - g->time_wait - g->close,
				 c->evicts ? "" : ", closing entries not evictable before Linux 6.5",
				 g->next_free_s);
		else
			snprintf(g->expect_why, sizeof(g->expect_why),
				 "every port taken (%u live%s): SYNs dropped, no entry expires within %d s",
				 g->in_use - g->time_wait - g->close,
				 c->evicts ? "" : ", closing entries not evictable before Linux 6.5",
				 NAT_SCHED_S);
	}
}

static int by_fullness(const void *a, const void *b)
{
	const struct nat_group *x = a, *y = b;
	if (x->in_use != y->in_use)
		return x->in_use < y->in_use ? 1 : -1;
	if (x->dport != y->dport)
		return x->dport < y->dport ? -1 : 1;
	int d = memcmp(x->dst, y->dst, 16);
	return d ? d : memcmp(x->src, y->src, 16);
}

void nat_finish(struct nat_model *m, const struct nat_model *prev, double dt_s)
{
	if (m->ngroups == 0)
		return;
	for (size_t i = 0; i < m->ngroups; i++)
		finish_group(m, &m->groups[i], prev, dt_s);
	qsort(m->groups, m->ngroups, sizeof(*m->groups), by_fullness);
	keytab_reindex(&m->index); /* the sort moved the groups: nat_find looks them up */
}

const struct nat_group *nat_find(const struct nat_model *m, const struct nat_group *key)
{
	struct flow_id id = flow_id_of(key->family, key->src, key->dst, key->dport);
	return keytab_find(&m->index, &id);
}

double nat_max_used(const struct nat_model *m)
{
	double v = 0;
	for (size_t i = 0; i < m->ngroups; i++)
		if (m->groups[i].used_pct > v)
			v = m->groups[i].used_pct;
	return v;
}
