/* The three output formats of `ports --nat`, all from the same model: a text table, one
 * JSON object per sample, and the Prometheus text format (also into a buffer, for an
 * exporter: nat_prom_text). A group and a sample are each one record (include/lib/
 * record.h): every field is added once, with its JSON key, table column and family. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "lib/record.h"
#include "ports/ports_cmd.h"
#include "ports/ports_fields.h"
#include "ports/ports_nat.h"

/* The hold times as "time_wait 120 s, close 10 s, ..." (unreadable ones as "?"). */
static void holds_words(const struct nat_holds *h, char *buf, size_t len)
{
	const struct {
		const char *name;
		long v;
	} hs[] = {{"time_wait", h->time_wait}, {"close", h->close}, {"syn_sent", h->syn_sent},
		  {"established", h->established}};
	size_t n = 0;
	for (size_t i = 0; i < sizeof(hs) / sizeof(hs[0]) && n < len; i++) {
		if (hs[i].v >= 0)
			n += (size_t)snprintf(buf + n, len - n, "%s%s %ld s", i ? ", " : "", hs[i].name, hs[i].v);
		else
			n += (size_t)snprintf(buf + n, len - n, "%s%s ?", i ? ", " : "", hs[i].name);
	}
}

static void text_head(FILE *out, const struct nat_model *m, const struct nat_host *h)
{
	const struct nat_config *c = m->cfg;
	const struct ct_stats *s = &h->st;
	fprintf(out, "conntrack: %" PRIu32 " entries", s->entries);
	if (s->max_entries)
		fprintf(out, " of nf_conntrack_max %" PRIu32 " (%.1f%%)", s->max_entries,
			100.0 * s->entries / s->max_entries);
	fprintf(out, "; insert_failed %" PRIu64, s->insert_failed);
	if (h->have_prev)
		fprintf(out, " (%.1f/s)", h->insert_failed_per_s);
	fprintf(out, ", drop %" PRIu64, s->drop);
	if (h->have_prev)
		fprintf(out, " (%.1f/s)", h->drop_per_s);
	fprintf(out, "; early_drop %" PRIu64 ", clash_resolve %" PRIu64 ", search_restart %" PRIu64 "\n",
		s->early_drop, s->clash_resolve, s->search_restart);
	char holds[160];
	holds_words(&c->hold, holds, sizeof(holds));
	fprintf(out, "pool %u-%u: %" PRIu32 " ports per destination (%s); %" PRIu64
		" SNAT TCP entries; hold %s\n", c->pool_lo, c->pool_hi, m->pool,
		c->pool_given ? "--nat-ports, as given" :
				"the kernel's default for source ports from 1024; --nat-ports sets the rule's",
		m->snat_entries, holds);
	fprintf(out, "kernel %s: %s\n", h->kernel,
		c->evicts ? "a new SYN may take over a closing entry (TIME_WAIT, CLOSE) of a full pool "
			    "(Linux 6.5+)" :
			    "closing entries are never taken over (before Linux 6.5): they hold their port "
			    "until they expire");
	uint64_t outside = 0;
	for (size_t i = 0; i < m->ngroups; i++)
		outside += m->groups[i].outside_pool;
	if (outside)
		fprintf(out, "note: %" PRIu64 " entries use NAT ports outside %u-%u: the rule's range "
			"differs from the pool assumed here\n", outside, c->pool_lo, c->pool_hi);
}

/* Entries by conntrack state (Prometheus: a sample each). */
static void each_state(const void *src, rec_count_fn fn, void *ctx)
{
	const struct nat_group *g = src;
	fn(ctx, "established", g->established, 1);
	fn(ctx, "time_wait", g->time_wait, 1);
	fn(ctx, "close", g->close, 1);
	fn(ctx, "other", g->other, 1);
}

/* Group i of the model (a row of zeros past the last). */
/* The NAT ports per destination: in every group's JSON, and the sample's. */
static struct rec_field *add_pool(struct record *r, const struct nat_model *m)
{
	return rec_uint(r, "pool", NULL, m->pool);
}

static void group_row(const void *src, size_t i, struct record *r)
{
	static const struct nat_group zero = {.full_in_s = -1, .next_free_s = -1};
	const struct nat_model *m = src;
	const struct nat_group *g = i < m->ngroups ? &m->groups[i] : &zero;
	ports_add_where(r, g->family, g->src, g->dst, g->dport, "NAT_SRC");
	add_pool(r, m)->in = REC_JSON;
	static const char *const use[3][2] = {
		{"twtest_nat_in_use", "SNAT entries (NAT ports in use) toward this destination."},
		{"twtest_nat_free", "NAT ports of the pool still free toward this destination."},
		{"twtest_nat_used_percent", "in_use as a percentage of the pool."}};
	ports_add_use(r, g->in_use, g->free, g->used_pct, use);
	ports_column(rec_uint(r, "established", "ESTAB", g->established), 6);
	ports_column(rec_uint(r, "time_wait", "TW", g->time_wait), 6);
	ports_column(rec_uint(r, "close", "CLOSE", g->close), 5);
	ports_column(rec_uint(r, "other", "OTHER", g->other), 5);
	rec_uint(r, "outside_pool", NULL, g->outside_pool)->in = REC_JSON;
	ports_add_schedule(r, nat_within_s, g->free_within, NAT_WITHIN_N, "FREE_IN 1/10/60/120s", 20);
	ports_prom(ports_column(rec_float(r, "new_per_s", "NEW/s", g->new_per_s, 1), 7),
		   "twtest_nat_new_per_second", "New SNAT entries per second toward this destination.");
	ports_prom(ports_add_full_in(r, g->full_in_s), "twtest_nat_full_in_seconds",
		   "Seconds until the pool is full at the current rate (absent: never).");
	struct rec_field *f = rec_int(r, "next_free_s", NULL, g->next_free_s);
	f->flags = g->next_free_s < 0 ? REC_JSON_NULL : 0;
	f->in = REC_JSON;
	rec_uint(r, "evictable", NULL, g->evictable)->in = REC_JSON;
	ports_prom(ports_column(rec_uint(r, "taken", "TAKEN", g->taken), 6), "twtest_nat_taken",
		   "NAT ports really taken on this kernel: live entries, and closing ones it cannot evict.");
	ports_add_verdict(r, "expect", "EXPECT", nat_expect_name(g->expect), g->expect_why);
	ports_prom(rec_uint(r, "expect_code", NULL, g->expect), "twtest_nat_expect",
		   "What a new connection should expect: 0 immediate, 1 a retransmit delay, 2 a timeout.")->in = 0;
	ports_add_states_prom(r, each_state, g, "twtest_nat_entries",
			      "SNAT entries of the group by conntrack state.");
	ports_add_schedule_prom(r, nat_within_s, g->free_within, NAT_WITHIN_N, "twtest_nat_free_within",
				"SNAT entries whose timer ends within the given seconds.");
}


/* A hold time in seconds, null when it could not be read. */
static void hold(struct record *r, const char *key, long v)
{
	rec_int(r, key, NULL, v)->flags = v < 0 ? REC_JSON_NULL : 0;
}

/* A conntrack counter: JSON a member, Prometheus a counter family. */
static void counter(struct record *r, const char *key, uint64_t v, const char *prom, const char *help)
{
	ports_prom(rec_uint(r, key, NULL, v), prom, help)->flags = REC_COUNTER;
}

/* The sample's figures (JSON's object; Prometheus the conntrack families); returns the
 * pool's field (Prometheus writes it before the groups). */
static struct rec_field *sample_record(struct record *r, struct record *holds, uint32_t top,
				       const struct nat_model *m, const struct nat_host *h)
{
	const struct nat_config *c = m->cfg;
	const struct ct_stats *s = &h->st;
	ports_add_sample_lead(r, "ports_nat", h->time_ms);
	rec_string(r, "kernel", NULL, h->kernel);
	rec_bool(r, "takeover", NULL, c->evicts);
	rec_uint(r, "pool_lo", NULL, c->pool_lo);
	rec_uint(r, "pool_hi", NULL, c->pool_hi);
	struct rec_field *pool = ports_prom(add_pool(r, m), "twtest_nat_pool",
		   "NAT ports per destination: --nat-ports, or the kernel's default 1024-65535.");
	rec_string(r, "pool_from", NULL, c->pool_given ? "nat-ports" : "default");
	rec_init(holds, NULL);
	hold(holds, "syn_sent", c->hold.syn_sent);
	hold(holds, "syn_recv", c->hold.syn_recv);
	hold(holds, "established", c->hold.established);
	hold(holds, "fin_wait", c->hold.fin_wait);
	hold(holds, "close_wait", c->hold.close_wait);
	hold(holds, "last_ack", c->hold.last_ack);
	hold(holds, "time_wait", c->hold.time_wait);
	hold(holds, "close", c->hold.close);
	rec_object(r, "hold_s", holds);
	rec_uint(r, "interval_s", NULL, c->window_s);
	ports_prom(rec_uint(r, "entries", NULL, s->entries), "twtest_nat_conntrack_entries",
		   "Entries in the conntrack table.");
	struct rec_field *f = rec_uint(r, "max_entries", NULL, s->max_entries);
	ports_prom(rec_null_when(f, !s->have_global, NULL), "twtest_nat_conntrack_max", "nf_conntrack_max.");
	counter(r, "insert_failed", s->insert_failed, "twtest_nat_insert_failed_total",
		"Entries that clashed when confirmed (summed over CPUs).");
	counter(r, "drop", s->drop, "twtest_nat_drop_total", "Packets dropped for a failed insert (summed over CPUs).");
	counter(r, "early_drop", s->early_drop, "twtest_nat_early_drop_total", "Entries dropped early for a full table.");
	counter(r, "clash_resolve", s->clash_resolve, "twtest_nat_clash_resolve_total",
		"Clashes conntrack resolved instead of dropping.");
	counter(r, "search_restart", s->search_restart, "twtest_nat_search_restart_total",
		"Lookups restarted (hash resize).");
	counter(r, "insert", s->insert, "twtest_nat_insert_total", "Entries inserted (summed over CPUs).");
	counter(r, "found", s->found, "twtest_nat_found_total", "Lookups that found an entry (summed over CPUs).");
	rec_uint(r, "cpus", NULL, s->cpus);
	f = rec_float(r, "insert_failed_per_s", NULL, h->insert_failed_per_s, 1);
	f->flags = h->have_prev ? 0 : REC_JSON_NULL;
	f = rec_float(r, "drop_per_s", NULL, h->drop_per_s, 1);
	f->flags = h->have_prev ? 0 : REC_JSON_NULL;
	ports_prom(rec_uint(r, "takeover_code", NULL, (uint64_t)c->evicts), "twtest_nat_takeover",
		   "1 when this kernel takes over closing SNAT entries (Linux 6.5+).")->in = 0;
	rec_uint(r, "snat_entries", NULL, m->snat_entries);
	ports_add_groups(r, m->ngroups, ports_shown(top, m->ngroups), group_row, m, "twtest_nat_groups",
			 "Groups (NAT address, destination, destination port) found.");
	return pool;
}

/* Prometheus: the pool, the groups' families, then the conntrack families. */
static void report_prom(FILE *out, uint32_t top, const struct nat_model *m, const struct nat_host *h)
{
	struct record *r = malloc(3 * sizeof(*r));
	if (r == NULL)
		return;
	struct rec_field *pool = sample_record(&r[0], &r[1], top, m, h);
	rec_init(&r[2], NULL);
	rec_copy(&r[2], pool);
	pool->prom = NULL;
	rec_write_prom(out, &r[2]);
	rec_write_prom_rows(out, group_row, m, ports_shown(top, m->ngroups));
	rec_write_prom(out, &r[0]);
	free(r);
}

int nat_prom_text(const struct nat_model *m, const struct nat_host *h, uint32_t top,
		  char **text, size_t *len)
{
	*text = NULL;
	*len = 0;
	FILE *f = open_memstream(text, len);
	if (f == NULL)
		return -1;
	report_prom(f, top, m, h);
	if (fclose(f) != 0) {
		free(*text);
		*text = NULL;
		return -1;
	}
	return 0;
}

void ports_nat_report(FILE *out, const struct ports_opts *o, const struct nat_model *m,
		      const struct nat_host *h)
{
	struct record *r = malloc(2 * sizeof(*r));
	if (r == NULL)
		return;
	if (o->format == PORTS_JSON)
		sample_record(&r[0], &r[1], o->top, m, h);
	switch (o->format) {
	case PORTS_JSON: rec_write_json(out, &r[0]); break;
	case PORTS_PROM: report_prom(out, o->top, m, h); break;
	default:
		text_head(out, m, h);
		ports_write_table(out, group_row, m, m->ngroups, o->top,
				  "no SNAT entry toward any destination");
		break;
	}
	free(r);
}
