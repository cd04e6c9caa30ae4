/* The ports subcommand's three output formats, all from the same model: a text table,
 * one JSON object per sample, and the Prometheus text exposition format. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <string.h>

#include "ports/ports_cmd.h"
#include "lib/json.h"


/* The address as text. */
static const char *addr_str(uint8_t family, const uint8_t *a, char *buf, size_t len)
{
	if (inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

/* How many groups a sample shows. */
static size_t shown(const struct ports_opts *o, const struct ports_model *m)
{
	return o->top && o->top < m->ngroups ? o->top : m->ngroups;
}

static const char *reuse_sysctl_words(long v)
{
	switch (v) {
	case 0: return "off";
	case 1: return "on";
	case 2: return "loopback only";
	default: return "unreadable";
	}
}

/* The lines above the table: range, sysctls, host-wide TIME_WAIT, bound ports. */
static void text_head(FILE *out, const struct ports_model *m, const struct ports_host *h)
{
	const struct ports_config *c = m->cfg;
	char delay[64];
	fprintf(out, "range %ld-%ld: %" PRIu32 " ports for connect() (%" PRIu32
		" reserved); tcp_tw_reuse=%ld (%s), reuse delay %s; tcp_timestamps=%ld\n",
		c->port_lo, c->port_hi, m->range, m->reserved_in_range, c->tw_reuse,
		reuse_sysctl_words(c->tw_reuse),
		tw_reuse_delay_words(c->tw_reuse_delay_ms, delay, sizeof(delay)), c->timestamps);
	fprintf(out, "TIME_WAIT: %" PRIu64 " sockets", m->time_wait);
	if (h->max_tw_buckets > 0)
		fprintf(out, " of tcp_max_tw_buckets %ld (%.1f%%)", h->max_tw_buckets,
			100.0 * (double)m->time_wait / (double)h->max_tw_buckets);
	if (h->have_overflow && h->tw_overflow)
		fprintf(out, "; TCPTimeWaitOverflow %" PRIu64 " (closes that skipped TIME_WAIT)",
			h->tw_overflow);
	if (h->have_slab)
		fprintf(out, "; kernel memory %.1f MiB (%" PRIu64 " tw_sock objects, whole host)",
			(double)h->tw_bytes / 1048576.0, h->tw_objects);
	fputc('\n', out);
	if (m->nsources) {
		fprintf(out, "bound, not connected: %" PRIu32 " ports, held toward every destination:",
			m->bound_ports);
		for (size_t i = 0; i < m->nsources; i++) {
			char a[INET6_ADDRSTRLEN];
			fprintf(out, "%s %s %" PRIu32, i ? "," : "",
				addr_str(m->sources[i].family, m->sources[i].src, a, sizeof(a)),
				m->sources[i].ports);
		}
		fputc('\n', out);
	}
	if (h->bound_visible == 0)
		fputs("note: this kernel's socket dump leaves out bound, unconnected sockets (inet_diag "
		      "shows them from Linux 6.9): their ports are not counted as bound or in use\n", out);
	if (h->unreadable[0])
		fprintf(out, "not readable: %s\n", h->unreadable);
}

/* The states besides TIME_WAIT and ESTABLISHED as "NAME=N,..." or "-". */
static void other_states(const struct ports_group *g, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	for (int i = 2; i < PORTS_NSTATES; i++) {
		int s = ports_states[i];
		if (g->n[s] && n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s=%" PRIu32, n ? "," : "",
					      tcp_state_name(s), g->n[s]);
	}
	if (n == 0)
		snprintf(buf, len, "-");
}

static void text_group(FILE *out, const struct ports_group *g, int ws, int wd)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], other[160], sched[64], full[32];
	other_states(g, other, sizeof(other));
	snprintf(sched, sizeof(sched), "%" PRIu32 "/%" PRIu32 "/%" PRIu32 "/%" PRIu32,
		 g->free_within[0], g->free_within[1], g->free_within[2], g->free_within[3]);
	if (g->full_in_s < 0)
		snprintf(full, sizeof(full), "never");
	else if (g->full_in_s == 0)
		snprintf(full, sizeof(full), "now");
	else
		snprintf(full, sizeof(full), "%.1fs", g->full_in_s);
	fprintf(out, "%-*s  %-*s  %5u  %5.1f  %6" PRIu32 "  %6" PRIu32 "  %6" PRIu32 "  %5" PRIu32
		"  %-10s  %5" PRIu32 "  %-19s  %8.1f  %-7s  %s: %s\n",
		ws, addr_str(g->family, g->src, s, sizeof(s)), wd,
		addr_str(g->family, g->dst, d, sizeof(d)), g->dport, g->used_pct, g->in_use, g->free,
		g->n[TCPS_TIME_WAIT], g->n[TCPS_ESTABLISHED], other, g->bound, sched, g->new_tw_per_s,
		full, tw_verdict_name(g->reuse), g->reuse_why);
}

static void report_text(FILE *out, const struct ports_opts *o, const struct ports_model *m,
			const struct ports_host *h)
{
	text_head(out, m, h);
	size_t n = shown(o, m);
	if (m->ngroups == 0) {
		fputs("no socket holds a port of the range toward any destination\n", out);
		return;
	}
	int ws = 3, wd = 3;
	for (size_t i = 0; i < n; i++) {
		char a[INET6_ADDRSTRLEN];
		int l = (int)strlen(addr_str(m->groups[i].family, m->groups[i].src, a, sizeof(a)));
		ws = l > ws ? l : ws;
		l = (int)strlen(addr_str(m->groups[i].family, m->groups[i].dst, a, sizeof(a)));
		wd = l > wd ? l : wd;
	}
	fprintf(out, "%-*s  %-*s  %5s  %5s  %6s  %6s  %6s  %5s  %-10s  %5s  %-19s  %8s  %-7s  %s\n",
		ws, "SRC", wd, "DST", "DPORT", "USED%", "IN_USE", "FREE", "TW", "ESTAB", "OTHER",
		"BOUND", "FREE_IN 1/10/30/60s", "NEW_TW/s", "FULL_IN", "REUSE");
	for (size_t i = 0; i < n; i++)
		text_group(out, &m->groups[i], ws, wd);
	if (n < m->ngroups)
		fprintf(out, "%zu groups; the %zu fullest shown (--top)\n", m->ngroups, n);
}

/* A JSON number, or null when v < 0. */
static void json_opt(FILE *out, const char *key, double v, int prec)
{
	if (v < 0)
		fprintf(out, ",\"%s\":null", key);
	else
		fprintf(out, ",\"%s\":%.*f", key, prec, v);
}

static void json_group(FILE *out, const struct ports_group *g)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	fprintf(out, "{\"src\":\"%s\",\"dst\":\"%s\",\"dport\":%u,\"range\":%" PRIu32
		",\"in_use\":%" PRIu32 ",\"free\":%" PRIu32 ",\"used_pct\":%.2f",
		addr_str(g->family, g->src, s, sizeof(s)), addr_str(g->family, g->dst, d, sizeof(d)),
		g->dport, g->in_use + g->free, g->in_use, g->free, g->used_pct);
	for (int i = 0; i < PORTS_NSTATES; i++) {
		char key[16];
		const char *name = tcp_state_name(ports_states[i]);
		size_t k = 0;
		for (; name[k] && k < sizeof(key) - 1; k++)
			key[k] = (char)(name[k] >= 'A' && name[k] <= 'Z' ? name[k] + 32 : name[k]);
		key[k] = '\0';
		fprintf(out, ",\"%s\":%" PRIu32, key, g->n[ports_states[i]]);
	}
	fprintf(out, ",\"bound\":%" PRIu32 ",\"free_within\":{", g->bound);
	for (int w = 0; w < PORTS_WITHIN_N; w++)
		fprintf(out, "%s\"%" PRIu32 "s\":%" PRIu32, w ? "," : "", ports_within_s[w],
			g->free_within[w]);
	fprintf(out, "},\"new_time_wait_per_s\":%.1f", g->new_tw_per_s);
	json_opt(out, "full_in_s", g->full_in_s, 1);
	fprintf(out, ",\"timestamps_negotiated\":\"%s\",\"reuse\":\"%s\",\"reuse_why\":",
		g->ts_negotiated, tw_verdict_name(g->reuse));
	json_write_string(out, g->reuse_why);
	fputc('}', out);
}

static void report_json(FILE *out, const struct ports_opts *o, const struct ports_model *m,
			const struct ports_host *h)
{
	const struct ports_config *c = m->cfg;
	char delay[64];
	fprintf(out, "{\"type\":\"ports\",\"time_ms\":%" PRIu64 ",\"port_lo\":%ld,\"port_hi\":%ld"
		",\"reserved\":%" PRIu32 ",\"range\":%" PRIu32, h->time_ms, c->port_lo, c->port_hi,
		m->reserved_in_range, m->range);
	/* null: absent (tcp_tw_reuse_delay before 6.14) or unreadable; reuse_delay says which */
	json_opt(out, "tcp_tw_reuse", (double)c->tw_reuse, 0);
	json_opt(out, "tcp_tw_reuse_delay_ms", (double)c->tw_reuse_delay_ms, 0);
	fputs(",\"reuse_delay\":", out);
	json_write_string(out, tw_reuse_delay_words(c->tw_reuse_delay_ms, delay, sizeof(delay)));
	json_opt(out, "tcp_timestamps", (double)c->timestamps, 0);
	fprintf(out, ",\"interval_ms\":%" PRIu32 ",\"time_wait\":%" PRIu64 ",\"sockets\":%" PRIu64,
		c->window_ms, m->time_wait, m->sockets);
	json_opt(out, "tcp_max_tw_buckets", (double)h->max_tw_buckets, 0);
	json_opt(out, "tcp_time_wait_overflow", h->have_overflow ? (double)h->tw_overflow : -1, 0);
	json_opt(out, "time_wait_memory_bytes", h->have_slab ? (double)h->tw_bytes : -1, 0);
	fprintf(out, ",\"bound_ports\":%" PRIu32 ",\"bound\":[", m->bound_ports);
	for (size_t i = 0; i < m->nsources; i++) {
		char a[INET6_ADDRSTRLEN];
		fprintf(out, "%s{\"src\":\"%s\",\"ports\":%" PRIu32 "}", i ? "," : "",
			addr_str(m->sources[i].family, m->sources[i].src, a, sizeof(a)),
			m->sources[i].ports);
	}
	fprintf(out, "],\"bound_visible\":%s,\"unreadable\":",
		h->bound_visible < 0 ? "null" : h->bound_visible ? "true" : "false");
	json_write_string(out, h->unreadable);
	fprintf(out, ",\"groups_total\":%zu,\"groups\":[", m->ngroups);
	size_t n = shown(o, m);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc(',', out);
		json_group(out, &m->groups[i]);
	}
	fputs("]}\n", out);
}

/* Prometheus: one family per figure, every group a sample with src, dst and dport labels. */
static double g_range(const struct ports_group *g) { return g->in_use + g->free; }
static double g_in_use(const struct ports_group *g) { return g->in_use; }
static double g_free(const struct ports_group *g) { return g->free; }
static double g_used(const struct ports_group *g) { return g->used_pct; }
static double g_bound(const struct ports_group *g) { return g->bound; }
static double g_rate(const struct ports_group *g) { return g->new_tw_per_s; }
static double g_full(const struct ports_group *g) { return g->full_in_s; }
/* 1 yes or likely, 0 no; unknown has no sample (-1) */
static double g_reuse(const struct ports_group *g)
{
	return g->reuse == TW_UNKNOWN_VERDICT ? -1 : g->reuse != TW_NO;
}

static const struct {
	const char *name, *help;
	double (*get)(const struct ports_group *g);
} prom_families[] = {
	{"twtest_ports_range", "Ports connect() can draw: ip_local_port_range less ip_local_reserved_ports.", g_range},
	{"twtest_ports_in_use", "Ports in use toward this destination (its sockets plus bound ports).", g_in_use},
	{"twtest_ports_free", "Ports connect() can still draw toward this destination.", g_free},
	{"twtest_ports_used_percent", "in_use as a percentage of range.", g_used},
	{"twtest_ports_bound", "Ports held by bind() without a connection, used toward every destination.", g_bound},
	{"twtest_ports_new_time_wait_per_second", "New TIME_WAIT sockets per second over the interval.", g_rate},
	{"twtest_ports_full_in_seconds", "Seconds until no port is free at the current rate (absent: never).", g_full},
	{"twtest_ports_reuse_possible", "1 when tcp_tw_reuse can take over TIME_WAIT ports toward this destination.", g_reuse},
};

static void prom_head(FILE *out, const char *name, const char *help, const char *type)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void prom_labels(FILE *out, const char *name, const struct ports_group *g)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	fprintf(out, "%s{src=\"%s\",dst=\"%s\",dport=\"%u\"", name,
		addr_str(g->family, g->src, s, sizeof(s)), addr_str(g->family, g->dst, d, sizeof(d)),
		g->dport);
}

/* The families with one extra label: sockets by state, the expiry schedule. */
static void prom_labelled(FILE *out, const struct ports_group *groups, size_t n)
{
	prom_head(out, "twtest_ports_sockets", "Sockets of the group by TCP state.", "gauge");
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < PORTS_NSTATES; k++) {
			prom_labels(out, "twtest_ports_sockets", &groups[i]);
			fprintf(out, ",state=\"%s\"} %" PRIu32 "\n", tcp_state_name(ports_states[k]),
				groups[i].n[ports_states[k]]);
		}
	prom_head(out, "twtest_ports_free_within", "TIME_WAIT ports whose timer ends within the given seconds.", "gauge");
	for (size_t i = 0; i < n; i++)
		for (int w = 0; w < PORTS_WITHIN_N; w++) {
			prom_labels(out, "twtest_ports_free_within", &groups[i]);
			fprintf(out, ",seconds=\"%" PRIu32 "\"} %" PRIu32 "\n", ports_within_s[w],
				groups[i].free_within[w]);
		}
}

/* The host-wide families. */
static void prom_host(FILE *out, const struct ports_model *m, const struct ports_host *h)
{
	prom_head(out, "twtest_ports_time_wait_sockets", "TIME_WAIT sockets in this network namespace.", "gauge");
	fprintf(out, "twtest_ports_time_wait_sockets %" PRIu64 "\n", m->time_wait);
	if (h->max_tw_buckets >= 0) {
		prom_head(out, "twtest_ports_tcp_max_tw_buckets", "net.ipv4.tcp_max_tw_buckets.", "gauge");
		fprintf(out, "twtest_ports_tcp_max_tw_buckets %ld\n", h->max_tw_buckets);
	}
	if (h->have_overflow) {
		prom_head(out, "twtest_ports_tcp_time_wait_overflow_total", "TcpExt TCPTimeWaitOverflow: closes that skipped TIME_WAIT.", "counter");
		fprintf(out, "twtest_ports_tcp_time_wait_overflow_total %" PRIu64 "\n", h->tw_overflow);
	}
	if (h->have_slab) {
		prom_head(out, "twtest_ports_time_wait_memory_bytes", "Kernel memory of TIME_WAIT sockets (tw_sock_TCP, whole host).", "gauge");
		fprintf(out, "twtest_ports_time_wait_memory_bytes %" PRIu64 "\n", h->tw_bytes);
	}
	prom_head(out, "twtest_ports_bound_source", "Ports held by bind() without a connection, by source address.", "gauge");
	for (size_t i = 0; i < m->nsources; i++) {
		char a[INET6_ADDRSTRLEN];
		fprintf(out, "twtest_ports_bound_source{src=\"%s\"} %" PRIu32 "\n",
			addr_str(m->sources[i].family, m->sources[i].src, a, sizeof(a)), m->sources[i].ports);
	}
	prom_head(out, "twtest_ports_groups", "Groups (source, destination, destination port) found.", "gauge");
	fprintf(out, "twtest_ports_groups %zu\n", m->ngroups);
}

static void report_prom(FILE *out, const struct ports_opts *o, const struct ports_model *m,
			const struct ports_host *h)
{
	size_t n = shown(o, m);
	for (size_t f = 0; f < sizeof(prom_families) / sizeof(prom_families[0]); f++) {
		prom_head(out, prom_families[f].name, prom_families[f].help, "gauge");
		for (size_t i = 0; i < n; i++) {
			double v = prom_families[f].get(&m->groups[i]);
			if (v < 0)
				continue;
			prom_labels(out, prom_families[f].name, &m->groups[i]);
			fprintf(out, "} %.10g\n", v);
		}
	}
	prom_labelled(out, m->groups, n);
	prom_host(out, m, h);
}

void ports_report(FILE *out, const struct ports_opts *o, const struct ports_model *m,
		  const struct ports_host *h)
{
	switch (o->format) {
	case PORTS_JSON: report_json(out, o, m, h); break;
	case PORTS_PROM: report_prom(out, o, m, h); break;
	default: report_text(out, o, m, h); break;
	}
}
