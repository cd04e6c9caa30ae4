/* The three output formats of `ports --nat`, all from the same model: a text table, one
 * JSON object per sample, and the Prometheus text format (also into a buffer, for an
 * exporter: nat_prom_text). */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "ports/ports_cmd.h"
#include "ports/ports_nat.h"

static const char *addr_str(uint8_t family, const uint8_t *a, char *buf, size_t len)
{
	if (inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

static size_t shown(uint32_t top, const struct nat_model *m)
{
	return top && top < m->ngroups ? top : m->ngroups;
}

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

static void text_group(FILE *out, const struct nat_group *g, int ws, int wd)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], sched[64], full[32];
	snprintf(sched, sizeof(sched), "%" PRIu32 "/%" PRIu32 "/%" PRIu32 "/%" PRIu32,
		 g->free_within[0], g->free_within[1], g->free_within[2], g->free_within[3]);
	if (g->full_in_s < 0)
		snprintf(full, sizeof(full), "never");
	else if (g->full_in_s == 0)
		snprintf(full, sizeof(full), "now");
	else
		snprintf(full, sizeof(full), "%.1fs", g->full_in_s);
	fprintf(out, "%-*s  %-*s  %5u  %5.1f  %6" PRIu32 "  %6" PRIu32 "  %6" PRIu32 "  %6" PRIu32
		"  %5" PRIu32 "  %5" PRIu32 "  %-20s  %7.1f  %-7s  %6" PRIu32 "  %s: %s\n",
		ws, addr_str(g->family, g->src, s, sizeof(s)), wd,
		addr_str(g->family, g->dst, d, sizeof(d)), g->dport, g->used_pct, g->in_use, g->free,
		g->established, g->time_wait, g->close, g->other, sched, g->new_per_s, full, g->taken,
		nat_expect_name(g->expect), g->expect_why);
}

static void report_text(FILE *out, const struct ports_opts *o, const struct nat_model *m,
			const struct nat_host *h)
{
	text_head(out, m, h);
	if (m->ngroups == 0) {
		fputs("no SNAT entry toward any destination\n", out);
		return;
	}
	size_t n = shown(o->top, m);
	int ws = 7, wd = 3;
	for (size_t i = 0; i < n; i++) {
		char a[INET6_ADDRSTRLEN];
		int l = (int)strlen(addr_str(m->groups[i].family, m->groups[i].src, a, sizeof(a)));
		ws = l > ws ? l : ws;
		l = (int)strlen(addr_str(m->groups[i].family, m->groups[i].dst, a, sizeof(a)));
		wd = l > wd ? l : wd;
	}
	fprintf(out, "%-*s  %-*s  %5s  %5s  %6s  %6s  %6s  %6s  %5s  %5s  %-20s  %7s  %-7s  %6s  %s\n",
		ws, "NAT_SRC", wd, "DST", "DPORT", "USED%", "IN_USE", "FREE", "ESTAB", "TW", "CLOSE",
		"OTHER", "FREE_IN 1/10/60/120s", "NEW/s", "FULL_IN", "TAKEN", "EXPECT");
	for (size_t i = 0; i < n; i++)
		text_group(out, &m->groups[i], ws, wd);
	if (n < m->ngroups)
		fprintf(out, "%zu groups; the %zu fullest shown (--top)\n", m->ngroups, n);
}

static void json_opt(FILE *out, const char *key, double v, int prec)
{
	if (v < 0)
		fprintf(out, ",\"%s\":null", key);
	else
		fprintf(out, ",\"%s\":%.*f", key, prec, v);
}

static void json_group(FILE *out, const struct nat_model *m, const struct nat_group *g)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	fprintf(out, "{\"src\":\"%s\",\"dst\":\"%s\",\"dport\":%u,\"pool\":%" PRIu32
		",\"in_use\":%" PRIu32 ",\"free\":%" PRIu32 ",\"used_pct\":%.2f,\"established\":%" PRIu32
		",\"time_wait\":%" PRIu32 ",\"close\":%" PRIu32 ",\"other\":%" PRIu32
		",\"outside_pool\":%" PRIu32 ",\"free_within\":{",
		addr_str(g->family, g->src, s, sizeof(s)), addr_str(g->family, g->dst, d, sizeof(d)),
		g->dport, m->pool, g->in_use, g->free, g->used_pct, g->established, g->time_wait,
		g->close, g->other, g->outside_pool);
	for (int w = 0; w < NAT_WITHIN_N; w++)
		fprintf(out, "%s\"%" PRIu32 "s\":%" PRIu32, w ? "," : "", nat_within_s[w], g->free_within[w]);
	fprintf(out, "},\"new_per_s\":%.1f", g->new_per_s);
	json_opt(out, "full_in_s", g->full_in_s, 1);
	json_opt(out, "next_free_s", (double)g->next_free_s, 0);
	fprintf(out, ",\"evictable\":%" PRIu32 ",\"taken\":%" PRIu32 ",\"expect\":\"%s\",\"expect_why\":",
		g->evictable, g->taken, nat_expect_name(g->expect));
	json_write_string(out, g->expect_why);
	fputc('}', out);
}

static void report_json(FILE *out, const struct ports_opts *o, const struct nat_model *m,
			const struct nat_host *h)
{
	const struct nat_config *c = m->cfg;
	const struct ct_stats *s = &h->st;
	fprintf(out, "{\"type\":\"ports_nat\",\"time_ms\":%" PRIu64 ",\"kernel\":", h->time_ms);
	json_write_string(out, h->kernel);
	fprintf(out, ",\"takeover\":%s,\"pool_lo\":%u,\"pool_hi\":%u,\"pool\":%" PRIu32
		",\"pool_from\":\"%s\",\"hold_s\":{", c->evicts ? "true" : "false", c->pool_lo,
		c->pool_hi, m->pool, c->pool_given ? "nat-ports" : "default");
	const struct {
		const char *name;
		long v;
	} hs[] = {{"syn_sent", c->hold.syn_sent}, {"syn_recv", c->hold.syn_recv},
		  {"established", c->hold.established}, {"fin_wait", c->hold.fin_wait},
		  {"close_wait", c->hold.close_wait}, {"last_ack", c->hold.last_ack},
		  {"time_wait", c->hold.time_wait}, {"close", c->hold.close}};
	for (size_t i = 0; i < sizeof(hs) / sizeof(hs[0]); i++) {
		if (hs[i].v >= 0)
			fprintf(out, "%s\"%s\":%ld", i ? "," : "", hs[i].name, hs[i].v);
		else
			fprintf(out, "%s\"%s\":null", i ? "," : "", hs[i].name);
	}
	fprintf(out, "},\"interval_s\":%" PRIu32 ",\"entries\":%" PRIu32, c->window_s, s->entries);
	json_opt(out, "max_entries", s->have_global ? (double)s->max_entries : -1, 0);
	fprintf(out, ",\"insert_failed\":%" PRIu64 ",\"drop\":%" PRIu64 ",\"early_drop\":%" PRIu64
		",\"clash_resolve\":%" PRIu64 ",\"search_restart\":%" PRIu64 ",\"insert\":%" PRIu64
		",\"found\":%" PRIu64 ",\"cpus\":%" PRIu32, s->insert_failed, s->drop, s->early_drop,
		s->clash_resolve, s->search_restart, s->insert, s->found, s->cpus);
	json_opt(out, "insert_failed_per_s", h->have_prev ? h->insert_failed_per_s : -1, 1);
	json_opt(out, "drop_per_s", h->have_prev ? h->drop_per_s : -1, 1);
	fprintf(out, ",\"snat_entries\":%" PRIu64 ",\"groups_total\":%zu,\"groups\":[",
		m->snat_entries, m->ngroups);
	size_t n = shown(o->top, m);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc(',', out);
		json_group(out, m, &m->groups[i]);
	}
	fputs("]}\n", out);
}

/* Prometheus: one family per figure, every group a sample with src, dst and dport labels. */
static double g_in_use(const struct nat_group *g) { return g->in_use; }
static double g_free(const struct nat_group *g) { return g->free; }
static double g_used(const struct nat_group *g) { return g->used_pct; }
static double g_rate(const struct nat_group *g) { return g->new_per_s; }
static double g_full(const struct nat_group *g) { return g->full_in_s; }
static double g_taken(const struct nat_group *g) { return g->taken; }
static double g_expect(const struct nat_group *g) { return g->expect; }

static const struct {
	const char *name, *help;
	double (*get)(const struct nat_group *g);
} nat_families[] = {
	{"twtest_nat_in_use", "SNAT entries (NAT ports in use) toward this destination.", g_in_use},
	{"twtest_nat_free", "NAT ports of the pool still free toward this destination.", g_free},
	{"twtest_nat_used_percent", "in_use as a percentage of the pool.", g_used},
	{"twtest_nat_new_per_second", "New SNAT entries per second toward this destination.", g_rate},
	{"twtest_nat_full_in_seconds", "Seconds until the pool is full at the current rate (absent: never).", g_full},
	{"twtest_nat_taken", "NAT ports really taken on this kernel: live entries, and closing ones it cannot evict.", g_taken},
	{"twtest_nat_expect", "What a new connection should expect: 0 immediate, 1 a retransmit delay, 2 a timeout.", g_expect},
};

static void prom_head(FILE *out, const char *name, const char *help, const char *type)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void prom_labels(FILE *out, const char *name, const struct nat_group *g)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	fprintf(out, "%s{src=\"%s\",dst=\"%s\",dport=\"%u\"", name,
		addr_str(g->family, g->src, s, sizeof(s)), addr_str(g->family, g->dst, d, sizeof(d)),
		g->dport);
}

static void prom_counter(FILE *out, const char *name, const char *help, uint64_t v)
{
	prom_head(out, name, help, "counter");
	fprintf(out, "%s %" PRIu64 "\n", name, v);
}

static void report_prom(FILE *out, uint32_t top, const struct nat_model *m, const struct nat_host *h)
{
	size_t n = shown(top, m);
	prom_head(out, "twtest_nat_pool", "NAT ports per destination: --nat-ports, or the kernel's default 1024-65535.", "gauge");
	fprintf(out, "twtest_nat_pool %" PRIu32 "\n", m->pool);
	for (size_t f = 0; f < sizeof(nat_families) / sizeof(nat_families[0]); f++) {
		prom_head(out, nat_families[f].name, nat_families[f].help, "gauge");
		for (size_t i = 0; i < n; i++) {
			double v = nat_families[f].get(&m->groups[i]);
			if (v < 0)
				continue;
			prom_labels(out, nat_families[f].name, &m->groups[i]);
			fprintf(out, "} %.10g\n", v);
		}
	}
	static const char *const states[] = {"established", "time_wait", "close", "other"};
	prom_head(out, "twtest_nat_entries", "SNAT entries of the group by conntrack state.", "gauge");
	for (size_t i = 0; i < n; i++) {
		const struct nat_group *g = &m->groups[i];
		const uint32_t v[] = {g->established, g->time_wait, g->close, g->other};
		for (int k = 0; k < 4; k++) {
			prom_labels(out, "twtest_nat_entries", g);
			fprintf(out, ",state=\"%s\"} %" PRIu32 "\n", states[k], v[k]);
		}
	}
	prom_head(out, "twtest_nat_free_within", "SNAT entries whose timer ends within the given seconds.", "gauge");
	for (size_t i = 0; i < n; i++)
		for (int w = 0; w < NAT_WITHIN_N; w++) {
			prom_labels(out, "twtest_nat_free_within", &m->groups[i]);
			fprintf(out, ",seconds=\"%" PRIu32 "\"} %" PRIu32 "\n", nat_within_s[w],
				m->groups[i].free_within[w]);
		}
	const struct ct_stats *s = &h->st;
	prom_head(out, "twtest_nat_conntrack_entries", "Entries in the conntrack table.", "gauge");
	fprintf(out, "twtest_nat_conntrack_entries %" PRIu32 "\n", s->entries);
	if (s->have_global) {
		prom_head(out, "twtest_nat_conntrack_max", "nf_conntrack_max.", "gauge");
		fprintf(out, "twtest_nat_conntrack_max %" PRIu32 "\n", s->max_entries);
	}
	prom_counter(out, "twtest_nat_insert_failed_total", "Entries that clashed when confirmed (summed over CPUs).", s->insert_failed);
	prom_counter(out, "twtest_nat_drop_total", "Packets dropped for a failed insert (summed over CPUs).", s->drop);
	prom_counter(out, "twtest_nat_early_drop_total", "Entries dropped early for a full table.", s->early_drop);
	prom_counter(out, "twtest_nat_clash_resolve_total", "Clashes conntrack resolved instead of dropping.", s->clash_resolve);
	prom_counter(out, "twtest_nat_search_restart_total", "Lookups restarted (hash resize).", s->search_restart);
	prom_counter(out, "twtest_nat_insert_total", "Entries inserted (summed over CPUs).", s->insert);
	prom_counter(out, "twtest_nat_found_total", "Lookups that found an entry (summed over CPUs).", s->found);
	prom_head(out, "twtest_nat_takeover", "1 when this kernel takes over closing SNAT entries (Linux 6.5+).", "gauge");
	fprintf(out, "twtest_nat_takeover %d\n", m->cfg->evicts);
	prom_head(out, "twtest_nat_groups", "Groups (NAT address, destination, destination port) found.", "gauge");
	fprintf(out, "twtest_nat_groups %zu\n", m->ngroups);
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
	switch (o->format) {
	case PORTS_JSON: report_json(out, o, m, h); break;
	case PORTS_PROM: report_prom(out, o->top, m, h); break;
	default: report_text(out, o, m, h); break;
	}
}
