/* The ports subcommand's three output formats, all from the same model: a text table,
 * one JSON object per sample, and the Prometheus text exposition format. A group and a
 * sample are each one record (include/lib/record.h): every field is added once, with its
 * JSON key, its table column and its Prometheus family. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "lib/record.h"
#include "ports/ports_cmd.h"
#include "ports/ports_fields.h"


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
				ports_addr_str(m->sources[i].family, m->sources[i].src, a, sizeof(a)),
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
static const char *other_states(struct record *r, const struct ports_group *g)
{
	char buf[160];
	size_t n = 0;
	buf[0] = '\0';
	for (int i = 2; i < PORTS_NSTATES; i++) {
		int s = ports_states[i];
		if (g->n[s] && n < sizeof(buf))
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s=%" PRIu32, n ? "," : "",
					      tcp_state_name(s), g->n[s]);
	}
	return rec_keep(r, "%s", n ? buf : "-");
}

/* Sockets by state: JSON a member each (lower case), Prometheus a sample each. */
static void each_state(const void *src, rec_count_fn fn, void *ctx)
{
	const struct ports_group *g = src;
	for (int i = 0; i < PORTS_NSTATES; i++)
		fn(ctx, tcp_state_name(ports_states[i]), g->n[ports_states[i]], 1);
}

/* The state fields of JSON, each its own member in lower case; TIME_WAIT and ESTABLISHED
 * are table columns too. */
static void add_states(struct record *r, const struct ports_group *g)
{
	static const char *const column[] = {"TW", "ESTAB"};
	for (int i = 0; i < PORTS_NSTATES; i++) {
		const char *name = tcp_state_name(ports_states[i]);
		char key[16];
		size_t k = 0;
		for (; name[k] && k < sizeof(key) - 1; k++)
			key[k] = (char)(name[k] >= 'A' && name[k] <= 'Z' ? name[k] + 32 : name[k]);
		key[k] = '\0';
		struct rec_field *f = rec_uint(r, rec_keep(r, "%s", key), NULL, g->n[ports_states[i]]);
		f->in = REC_JSON;
		if (i < 2) {
			f->label = column[i];
			f->in |= REC_TEXT;
			f->width = i ? 5 : 6;
		}
		if (i == 1) {
			struct rec_field *o = rec_string(r, "other", "OTHER", other_states(r, g));
			o->in = REC_TEXT;
			o->width = 10;
			o->flags = REC_LEFT;
		}
	}
}

/* The ports connect() can draw: a group's (in use and free) and the host's. */
static struct rec_field *add_range(struct record *r, uint64_t ports)
{
	return rec_uint(r, "range", NULL, ports);
}

/* Group i of the model (a row of zeros past the last). */
static void group_row(const void *src, size_t i, struct record *r)
{
	static const struct ports_group zero = {.full_in_s = -1, .reuse_why = "", .ts_negotiated = ""};
	const struct ports_model *m = src;
	const struct ports_group *g = i < m->ngroups ? &m->groups[i] : &zero;
	ports_add_where(r, g->family, g->src, g->dst, g->dport, "SRC");
	ports_prom(add_range(r, g->in_use + g->free), "twtest_ports_range",
		   "Ports connect() can draw: ip_local_port_range less ip_local_reserved_ports.")->in = REC_JSON;
	static const char *const use[3][2] = {
		{"twtest_ports_in_use", "Ports in use toward this destination (its sockets plus bound ports)."},
		{"twtest_ports_free", "Ports connect() can still draw toward this destination."},
		{"twtest_ports_used_percent", "in_use as a percentage of range."}};
	ports_add_use(r, g->in_use, g->free, g->used_pct, use);
	add_states(r, g);
	ports_prom(ports_column(rec_uint(r, "bound", "BOUND", g->bound), 5), "twtest_ports_bound",
		   "Ports held by bind() without a connection, used toward every destination.");
	ports_add_schedule(r, ports_within_s, g->free_within, PORTS_WITHIN_N, "FREE_IN 1/10/30/60s", 19);
	ports_prom(ports_column(rec_float(r, "new_time_wait_per_s", "NEW_TW/s", g->new_tw_per_s, 1), 8),
		   "twtest_ports_new_time_wait_per_second", "New TIME_WAIT sockets per second over the interval.");
	ports_prom(ports_add_full_in(r, g->full_in_s), "twtest_ports_full_in_seconds",
		   "Seconds until no port is free at the current rate (absent: never).");
	rec_string(r, "timestamps_negotiated", NULL, g->ts_negotiated)->in = REC_JSON;
	ports_add_verdict(r, "reuse", "REUSE", tw_verdict_name(g->reuse), g->reuse_why);
	/* 1 yes or likely, 0 no; unknown has no sample */
	struct rec_field *f = rec_uint(r, "reuse_possible", NULL, g->reuse != TW_NO);
	ports_prom(rec_null_when(f, g->reuse == TW_UNKNOWN_VERDICT, NULL), "twtest_ports_reuse_possible",
		   "1 when tcp_tw_reuse can take over TIME_WAIT ports toward this destination.")->in = 0;
	ports_add_states_prom(r, each_state, g, "twtest_ports_sockets",
			      "Sockets of the group by TCP state.");
	ports_add_schedule_prom(r, ports_within_s, g->free_within, PORTS_WITHIN_N, "twtest_ports_free_within",
				"TIME_WAIT ports whose timer ends within the given seconds.");
}


/* Ports held by bind() alone, by source: JSON a list of objects, Prometheus a sample each. */
static void source_row(const void *src, size_t i, struct record *r)
{
	const struct ports_model *m = src;
	const struct ports_source *s = &m->sources[i];
	ports_add_src(r, s->family, s->src, NULL);
	rec_uint(r, "ports", NULL, s->ports);
}

static void each_source(const void *src, rec_count_fn fn, void *ctx)
{
	const struct ports_model *m = src;
	for (size_t i = 0; i < m->nsources; i++) {
		char a[INET6_ADDRSTRLEN];
		fn(ctx, ports_addr_str(m->sources[i].family, m->sources[i].src, a, sizeof(a)),
		   m->sources[i].ports, 1);
	}
}

/* A sysctl: null in JSON when it could not be read (or this kernel lacks it). */
static struct rec_field *sysctl(struct record *r, const char *key, long v)
{
	struct rec_field *f = rec_int(r, key, NULL, v);
	f->flags = v < 0 ? REC_JSON_NULL : 0;
	return f;
}

/* The sample's figures (JSON's object; Prometheus the host-wide families). */
static void sample_record(struct record *r, const struct ports_opts *o, const struct ports_model *m,
			  const struct ports_host *h)
{
	const struct ports_config *c = m->cfg;
	char delay[64];
	ports_add_sample_lead(r, "ports", h->time_ms);
	rec_int(r, "port_lo", NULL, c->port_lo);
	rec_int(r, "port_hi", NULL, c->port_hi);
	rec_uint(r, "reserved", NULL, m->reserved_in_range);
	add_range(r, m->range);
	/* null: absent (tcp_tw_reuse_delay before 6.14) or unreadable; reuse_delay says which */
	sysctl(r, "tcp_tw_reuse", c->tw_reuse);
	sysctl(r, "tcp_tw_reuse_delay_ms", c->tw_reuse_delay_ms);
	rec_string(r, "reuse_delay", NULL,
		   rec_keep(r, "%s", tw_reuse_delay_words(c->tw_reuse_delay_ms, delay, sizeof(delay))));
	sysctl(r, "tcp_timestamps", c->timestamps);
	rec_uint(r, "interval_ms", NULL, c->window_ms);
	ports_prom(rec_uint(r, "time_wait", NULL, m->time_wait), "twtest_ports_time_wait_sockets",
		   "TIME_WAIT sockets in this network namespace.");
	rec_uint(r, "sockets", NULL, m->sockets);
	ports_prom(sysctl(r, "tcp_max_tw_buckets", h->max_tw_buckets), "twtest_ports_tcp_max_tw_buckets",
		   "net.ipv4.tcp_max_tw_buckets.");
	struct rec_field *f = rec_uint(r, "tcp_time_wait_overflow", NULL, h->tw_overflow);
	ports_prom(rec_null_when(f, !h->have_overflow, NULL), "twtest_ports_tcp_time_wait_overflow_total",
		   "TcpExt TCPTimeWaitOverflow: closes that skipped TIME_WAIT.")->flags |= REC_COUNTER;
	f = rec_uint(r, "time_wait_memory_bytes", NULL, h->tw_bytes);
	ports_prom(rec_null_when(f, !h->have_slab, NULL), "twtest_ports_time_wait_memory_bytes",
		   "Kernel memory of TIME_WAIT sockets (tw_sock_TCP, whole host).");
	rec_uint(r, "bound_ports", NULL, m->bound_ports);
	rec_list(r, "bound", source_row, m, m->nsources);
	f = ports_prom(rec_counts(r, "bound_source", NULL, each_source, m, 0), "twtest_ports_bound_source",
		       "Ports held by bind() without a connection, by source address.");
	f->prom_label = "src";
	f->in = 0;
	rec_null_when(rec_bool(r, "bound_visible", NULL, h->bound_visible > 0), h->bound_visible < 0, NULL);
	rec_string(r, "unreadable", NULL, h->unreadable);
	ports_add_groups(r, m->ngroups, ports_shown(o->top, m->ngroups), group_row, m,
			 "twtest_ports_groups", "Groups (source, destination, destination port) found.");
}

void ports_report(FILE *out, const struct ports_opts *o, const struct ports_model *m,
		  const struct ports_host *h)
{
	struct record *r = malloc(sizeof(*r));
	if (r == NULL)
		return;
	if (o->format != PORTS_TEXT)
		sample_record(r, o, m, h);
	switch (o->format) {
	case PORTS_JSON: rec_write_json(out, r); break;
	case PORTS_PROM:
		rec_write_prom_rows(out, group_row, m, ports_shown(o->top, m->ngroups));
		rec_write_prom(out, r);
		break;
	default:
		text_head(out, m, h);
		ports_write_table(out, group_row, m, m->ngroups, o->top,
				  "no socket holds a port of the range toward any destination");
		break;
	}
	free(r);
}
