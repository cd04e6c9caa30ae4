/* The client's settings and port model as fields, each written once: the headers (loop and
 * rate mode; text lines and a JSON object) and the CSV records' setting columns pick them
 * from here. The order of a header's text lines and of its JSON object differ (as they
 * always have), so each is a list of settings. */
#include "client/report_header.h"

#include <inttypes.h>
#include <string.h>

#include "client/report_parts.h"
#include "lib/twtest.h"

/* The sysctls' fields: JSON the sysctl's name, text its last part, CSV a short column. */
static void add_sysctls(struct report_settings *s, const struct net_sysctls *k)
{
	struct record *a = &s->all;
	struct rec_field *f = rec_int(a, "net.ipv4.tcp_tw_reuse", "tcp_tw_reuse", k->tw_reuse);
	f->csv = "tw_reuse";
	f->flags = k->tw_reuse < 0 ? REC_JSON_NULL : 0;
	f = rec_verbatim(a, "net.ipv4.tcp_tw_reuse_delay", "tcp_tw_reuse_delay",
			 tw_reuse_delay_token(k->tw_reuse_delay_ms, s->delay));
	f->csv = "tw_reuse_delay_ms"; /* a token for the kernels without it */
	f->flags = k->tw_reuse_delay_ms < 0 ? REC_JSON_NULL : 0;
	snprintf(s->sys_range, sizeof(s->sys_range), "%ld-%ld", k->port_lo, k->port_hi);
	f = rec_string(a, "net.ipv4.ip_local_port_range", "ip_local_port_range", s->sys_range);
	f->csv = "port_range";
	f->flags = k->port_lo < 0 ? REC_JSON_NULL : 0;
	f = rec_int(a, "net.ipv4.tcp_timestamps", "tcp_timestamps", k->timestamps);
	f->csv = "timestamps";
	f->flags = k->timestamps < 0 ? REC_JSON_NULL : 0;
	f = rec_int(a, "net.ipv4.tcp_max_tw_buckets", "tcp_max_tw_buckets", k->max_tw_buckets);
	f->csv = "max_tw_buckets";
	f->flags = k->max_tw_buckets < 0 ? REC_JSON_NULL : 0;
}

/* Where the run goes: DSTIP as given (a list quoted in CSV), the first destination, the
 * port, and with several destinations their count and the --port list. */
static void add_destination(struct report_settings *s, const struct client_opts *o, char *addr)
{
	struct record *a = &s->all;
	uint64_t dests = client_destinations(o);
	unsigned list = dests > 1 ? REC_QUOTE : 0;
	struct rec_field *dst = rec_string(a, "dst", NULL, o->dst_name);
	dst->flags = list;
	rec_string(a, "dst_addr", dst->key, addr); /* text: dst=ADDR:PORT, as the seed wrote it */
	snprintf(s->port, sizeof(s->port), "%u", o->port);
	struct rec_field *port = rec_verbatim(a, "port", NULL, s->port);
	port->flags = list;
	rec_uint(a, "destinations", NULL, dests);
	struct rec_field *ports = rec_string(a, "ports", port->key, o->port_name ? o->port_name : "");
	ports->csv = port->csv; /* CSV's port column holds the list when there is one */
	ports->flags = list;
	ports->text_s = o->port_name ? NULL : "-";
}

/* The options in the order of enum setting (from SET_LOOPS). */
static void add_options(struct report_settings *s, const struct client_opts *o)
{
	struct record *a = &s->all;
	rec_uint(a, "loops", NULL, o->loops);
	rec_uint(a, "conns", NULL, o->conns_total);
	rec_uint(a, "rate", NULL, o->rate);
	rec_uint(a, "concurrency", NULL, o->concurrency);
	rec_uint(a, "duration_s", NULL, o->duration_s);
	rec_uint(a, "count", NULL, o->count);
	rec_uint(a, "payload", NULL, o->payload);
	rec_uint(a, "requests_per_conn", NULL, o->requests_per_conn);
	rec_uint(a, "timeout_ms", NULL, o->timeout_ms);
	rec_uint(a, "interval_ms", NULL, o->interval_ms);
	rec_string(a, "close", NULL, client_close_names[o->close_mode]);
	rec_int(a, "reuseport", NULL, o->reuseport)->flags = REC_JSON_BOOL;
	rec_int(a, "linger", NULL, o->linger)->flags = REC_JSON_BOOL;
	rec_int(a, "reuseaddr", NULL, o->reuseaddr)->flags = REC_JSON_BOOL;
	rec_null_when(rec_string(a, "bind", NULL, o->bind_name), !o->bind_name, "-");
	rec_int(a, "bind_no_port", NULL, o->bind_no_port)->flags = REC_JSON_BOOL;
	rec_uint(a, "threads", NULL, o->threads);
	rec_uint(a, "max_inflight", NULL, o->max_inflight);
	rec_uint(a, "report_interval_ms", NULL, o->report_interval_ms);
	snprintf(s->range, sizeof(s->range), "%u-%u", o->port_lo, o->port_hi);
	rec_string(a, "local_port_range", NULL, s->range)->flags = o->port_hi ? 0 : REC_JSON_NULL;
	int http = o->protocol == CLIENT_PROTO_HTTP;
	rec_when(rec_string(a, "protocol", NULL, client_protocol_names[o->protocol]),
		 o->protocol != CLIENT_PROTO_ECHO);
	rec_when(rec_string(a, "http_path", NULL, o->http_path ? o->http_path : ""), http);
	rec_when(rec_null_when(rec_string(a, "http_host", NULL, o->http_host), !o->http_host, "-"),
		 http);
	rec_when(rec_uint(a, "max_response", NULL, o->max_response), http);
	rec_when(rec_uint(a, "shard_conns", NULL, o->conns), o->shards > 1);
}

void report_settings_init(struct report_settings *s, const struct report *r)
{
	const struct client_opts *o = r->opts;
	rec_init(&s->all, NULL);
	endpoint_str(&o->dst, s->addr, sizeof(s->addr));
	add_destination(s, o, s->addr);
	add_options(s, o);
	add_sysctls(s, &r->sys);
}

struct rec_field *report_setting(const struct report_settings *s, enum setting which)
{
	return (struct rec_field *)&s->all.f[which];
}

void report_pick(struct record *rec, const struct report_settings *s, const enum setting *which,
		 size_t n)
{
	for (size_t i = 0; i < n; i++)
		rec_copy(rec, report_setting(s, which[i]));
}

#define PICK(rec, s, list) report_pick(rec, s, list, sizeof(list) / sizeof(list[0]))

/* The copy of setting `which` in rec. */
static struct rec_field *picked(struct record *rec, const struct report_settings *s,
				enum setting which)
{
	for (size_t i = 0; i < rec->n; i++)
		if (rec->f[i].key == report_setting(s, which)->key)
			return &rec->f[i];
	return &rec->spare;
}

/* The port model's fields (rate mode's "model" object and "# model:" line). */
struct model_fields {
	struct record rec;
	const struct rec_field *note; /* the range note: a line of its own in loop mode */
	char range[32], delay_token[TW_DELAY_TOKEN_LEN], delay_words[64], pool[400], held[96];
};

/* The held ports in words, after their count in text: " (N TIME_WAIT, free A-B s)". */
static const char *held_words(struct model_fields *mf, const struct port_model *m)
{
	int first = -1, last = -1;
	for (int i = 0; i < PORT_MODEL_STEPS; i++)
		if (m->tw_free_at[i]) {
			first = first < 0 ? i : first;
			last = i;
		}
	if (m->held == 0)
		mf->held[0] = '\0';
	else if (first < 0)
		snprintf(mf->held, sizeof(mf->held), " (%" PRIu64 " TIME_WAIT)", m->held_tw);
	else if (first == last)
		snprintf(mf->held, sizeof(mf->held), " (%" PRIu64 " TIME_WAIT, free at %.1f s)",
			 m->held_tw, first * PORT_MODEL_STEP_MS / 1000.0);
	else
		snprintf(mf->held, sizeof(mf->held), " (%" PRIu64 " TIME_WAIT, free from %.1f to %.1f s)",
			 m->held_tw, first * PORT_MODEL_STEP_MS / 1000.0, last * PORT_MODEL_STEP_MS / 1000.0);
	return mf->held;
}

/* What the host holds already: held (with its TIME_WAIT and when they come free in text),
 * free; null ("unknown") when the socket table could not be read. */
static void held_fields(struct model_fields *mf, const struct port_model *m)
{
	struct record *rec = &mf->rec;
	struct rec_field *f = rec_uint(rec, "held", NULL, m->held);
	f->note = m->held_read ? held_words(mf, m) : " (the socket table could not be read)";
	rec_null_when(f, !m->held_read, "unknown");
	rec_null_when(rec_uint(rec, "held_time_wait", NULL, m->held_tw), !m->held_read, NULL)->in = REC_JSON;
	rec_uint(rec, "free", NULL, m->free);
}

/* The model's pool in words, after its size in text: " (range ... x N sources ...)". */
static const char *pool_words(struct model_fields *mf, const struct port_model *m)
{
	size_t n = (size_t)snprintf(mf->pool, sizeof(mf->pool),
		" (range %u-%u less %u reserved, x %" PRIu64 " source%s%s", m->range_lo, m->range_hi,
		m->reserved, m->sources, m->sources == 1 ? "" : "s",
		m->shared_pool ? ", one pool over every destination" : "");
	if (!m->shared_pool && n < sizeof(mf->pool))
		n += (size_t)snprintf(mf->pool + n, sizeof(mf->pool) - n, ", x %" PRIu64 " destination%s",
				      m->destinations, m->destinations == 1 ? "" : "s");
	if (m->range_note[0] && n < sizeof(mf->pool))
		n += (size_t)snprintf(mf->pool + n, sizeof(mf->pool) - n, "; %s", m->range_note);
	if (n < sizeof(mf->pool))
		snprintf(mf->pool + n, sizeof(mf->pool) - n, ")");
	return mf->pool;
}

/* The model's fields in JSON's order; text shows ports (with its pool in words), the
 * tw_reuse verdict, the delay, the sustainable rate and the predicted first failure. */
static void model_fields(struct model_fields *mf, const struct client_opts *o,
			 const struct port_model *m)
{
	static const char *const ignored[] = {NULL, "low", "high", "both"};
	struct record *rec = &mf->rec;
	rec_init_kv(rec, "# model: ");
	rec_uint(rec, "ports", NULL, m->ports)->note = pool_words(mf, m);
	held_fields(mf, m);
	snprintf(mf->range, sizeof(mf->range), "%u-%u", m->range_lo, m->range_hi);
	rec_string(rec, "range", NULL, mf->range)->in = REC_JSON;
	rec_uint(rec, "reserved", NULL, m->reserved)->in = REC_JSON;
	rec_uint(rec, "sources", NULL, m->sources)->in = REC_JSON;
	rec_uint(rec, "destinations", NULL, m->destinations)->in = REC_JSON;
	rec_bool(rec, "shared_pool", NULL, m->shared_pool)->in = REC_JSON;
	rec_bool(rec, "holds_time_wait", NULL, m->holds_tw)->in = REC_JSON;
	rec_bool(rec, "tw_reuse_applies", NULL, m->reuse)->in = REC_JSON;
	struct rec_field *f = rec_string(rec, "tw_reuse_why", "tw_reuse", m->reuse_why);
	f->flags = REC_COLON;
	f->note = ";";
	int have_delay = m->reuse_delay_sysctl >= 0; /* before 6.14 no milliseconds to state */
	f = rec_uint(rec, "reuse_delay_ms", NULL, m->reuse_delay_ms);
	f->flags = have_delay ? 0 : REC_JSON_NULL;
	f->in = have_delay ? REC_ALL : REC_JSON;
	f = rec_string(rec, "reuse_delay", NULL,
		       tw_reuse_delay_words(m->reuse_delay_sysctl, mf->delay_words, sizeof(mf->delay_words)));
	f->text_s = tw_reuse_delay_token(m->reuse_delay_sysctl, mf->delay_token);
	f->in = have_delay ? REC_JSON : REC_ALL;
	f = rec_string(rec, "local_port_range_ignored", NULL, ignored[m->range_ignored]);
	rec_null_when(f, !ignored[m->range_ignored], NULL)->in = REC_JSON;
	f = rec_string(rec, "note", NULL, m->range_note);
	mf->note = rec_null_when(f, !m->range_note[0], NULL);
	f->in = REC_JSON;
	f = rec_float(rec, "sustainable_rate", NULL, m->sustainable, 1);
	f->note = m->sustainable >= 0 ? "/s" : o->linger ? " (--linger: no TIME_WAIT)" : " (the server closes first)";
	rec_null_when(f, m->sustainable < 0, "unbounded");
	if (m->loop_conns) { /* loops: which should fail first */
		f = rec_uint(rec, "first_failing_loop", NULL, (uint64_t)m->first_failing_loop);
		rec_null_when(f, m->first_failing_loop < 0, "none");
		return;
	}
	/* closed-loop mode's rate is known at the summary, which predicts from it */
	f = report_add_predicted_failure(rec, m->first_failure_s, o->concurrency && m->sustainable >= 0 ?
					 "at the rate reached (summary)" : "none");
	f->text_decimals = 1;
}

/* The text lines after the first: the ports options, several destinations, the loop's
 * range note, the protocol, the shard and start. */
static void text_lines(const struct report *r, const struct report_settings *s,
		       const struct model_fields *mf, const struct record *id, enum header_mode mode)
{
	static const enum setting port_opts[] = {SET_LOCAL_PORT_RANGE, SET_BIND, SET_BIND_NO_PORT,
						 SET_REUSEADDR};
	static const enum setting dests[] = {SET_DESTINATIONS, SET_DST, SET_PORTS};
	static const enum setting proto[] = {SET_PROTOCOL, SET_HTTP_PATH, SET_HTTP_HOST,
					     SET_MAX_RESPONSE};
	const struct client_opts *o = r->opts;
	struct record line;
	if (o->port_hi || o->bind_name || o->reuseaddr) { /* only when given: lines stay short */
		rec_init_kv(&line, "# ");
		PICK(&line, s, port_opts);
		rec_write_text(r->out, &line);
	}
	if (client_destinations(o) > 1) {
		rec_init_kv(&line, "# ");
		PICK(&line, s, dests);
		rec_write_text(r->out, &line);
	}
	if (mode == HEADER_LOOPS && mf->note->kind == REC_STRING) { /* e.g. --local-port-range bounds the kernel ignores */
		rec_init_kv(&line, "# ");
		struct rec_field *note = rec_copy(&line, mf->note);
		note->flags = REC_COLON;
		note->in = REC_TEXT;
		rec_write_text(r->out, &line);
	}
	if (o->protocol != CLIENT_PROTO_ECHO) {
		rec_init_kv(&line, "# ");
		PICK(&line, s, proto);
		rec_write_text(r->out, &line);
	}
	if (o->shards > 1 || o->start_at_ns) {
		rec_init_kv(&line, "# ");
		for (size_t i = 1; i < id->n; i++) /* shard, host, start_s after the type */
			rec_copy(&line, &id->f[i])->in = REC_TEXT;
		if (mode == HEADER_LOOPS)
			rec_copy(&line, report_setting(s, SET_SHARD_CONNS))->present = 1;
		rec_write_text(r->out, &line);
	}
}

/* The first text line: the version, then the settings. */
static void text_first_line(const struct report *r, const struct report_settings *s, enum header_mode mode)
{
	static const enum setting loop_line[] = {
		SET_DST_ADDR, SET_LOOPS, SET_CONNS, SET_PAYLOAD, SET_CLOSE, SET_REUSEPORT, SET_LINGER,
		SET_TIMEOUT, SET_THREADS, SET_TW_REUSE, SET_TW_REUSE_DELAY, SET_PORT_RANGE,
		SET_TIMESTAMPS, SET_MAX_TW_BUCKETS};
	static const enum setting rate_line[] = {
		SET_DST_ADDR, SET_RATE, SET_DURATION, SET_PAYLOAD, SET_REQUESTS, SET_CLOSE,
		SET_REUSEPORT, SET_LINGER, SET_TIMEOUT, SET_THREADS, SET_MAX_INFLIGHT,
		SET_REPORT_INTERVAL, SET_TW_REUSE, SET_TW_REUSE_DELAY, SET_PORT_RANGE,
		SET_TIMESTAMPS, SET_MAX_TW_BUCKETS};
	static const enum setting closed_line[] = {
		SET_DST_ADDR, SET_CONCURRENCY, SET_DURATION, SET_COUNT, SET_PAYLOAD, SET_REQUESTS,
		SET_CLOSE, SET_REUSEPORT, SET_LINGER, SET_TIMEOUT, SET_THREADS, SET_REPORT_INTERVAL,
		SET_TW_REUSE, SET_TW_REUSE_DELAY, SET_PORT_RANGE, SET_TIMESTAMPS, SET_MAX_TW_BUCKETS};
	char lead[64];
	snprintf(lead, sizeof(lead), "# twtest %s client ", TWTEST_VERSION);
	struct record line;
	rec_init_kv(&line, lead);
	if (mode == HEADER_RATE)
		PICK(&line, s, rate_line);
	else if (mode == HEADER_CLOSED)
		PICK(&line, s, closed_line);
	else
		PICK(&line, s, loop_line);
	rec_write_text(r->out, &line);
}

/* The header object: the identity, the version, the settings, then (loop) the sysctls or
 * (rate) the model. */
static void header_json(const struct report *r, const struct report_settings *s,
			const struct record *model, struct record *id, enum header_mode mode)
{
	static const enum setting loop_obj[] = {
		SET_DST, SET_DST_ADDR, SET_PORT, SET_LOOPS, SET_CONNS, SET_PAYLOAD, SET_TIMEOUT,
		SET_INTERVAL, SET_CLOSE, SET_REUSEPORT, SET_LINGER, SET_REUSEADDR, SET_BIND,
		SET_DESTINATIONS, SET_PORTS, SET_BIND_NO_PORT, SET_THREADS, SET_LOCAL_PORT_RANGE,
		SET_PROTOCOL, SET_HTTP_PATH, SET_HTTP_HOST, SET_MAX_RESPONSE};
	static const enum setting rate_obj[] = {
		SET_DST, SET_DST_ADDR, SET_PORT, SET_DESTINATIONS, SET_RATE, SET_DURATION, SET_PAYLOAD,
		SET_REQUESTS, SET_TIMEOUT, SET_CLOSE, SET_REUSEPORT, SET_LINGER, SET_THREADS,
		SET_MAX_INFLIGHT, SET_REPORT_INTERVAL, SET_PROTOCOL, SET_HTTP_PATH, SET_HTTP_HOST,
		SET_MAX_RESPONSE};
	static const enum setting closed_obj[] = {
		SET_DST, SET_DST_ADDR, SET_PORT, SET_DESTINATIONS, SET_CONCURRENCY, SET_DURATION,
		SET_COUNT, SET_PAYLOAD, SET_REQUESTS, SET_TIMEOUT, SET_CLOSE, SET_REUSEPORT,
		SET_LINGER, SET_THREADS, SET_REPORT_INTERVAL, SET_PROTOCOL, SET_HTTP_PATH,
		SET_HTTP_HOST, SET_MAX_RESPONSE};
	static const enum setting sysctls[] = {SET_TW_REUSE, SET_TW_REUSE_DELAY, SET_PORT_RANGE,
					       SET_TIMESTAMPS, SET_MAX_TW_BUCKETS};
	struct record sys;
	rec_string(id, "version", NULL, TWTEST_VERSION);
	if (mode != HEADER_LOOPS)
		rec_string(id, "mode", NULL, mode == HEADER_RATE ? "rate" : "closed");
	if (mode == HEADER_RATE)
		PICK(id, s, rate_obj);
	else if (mode == HEADER_CLOSED)
		PICK(id, s, closed_obj);
	else {
		PICK(id, s, loop_obj);
		int several = client_destinations(r->opts) > 1; /* only then */
		rec_when(picked(id, s, SET_DESTINATIONS), several);
		rec_when(picked(id, s, SET_PORTS), several);
		rec_init(&sys, NULL);
		PICK(&sys, s, sysctls);
		rec_object(id, "sysctl", &sys);
		rec_copy(id, report_setting(s, SET_SHARD_CONNS));
	}
	rec_object(id, "model", model);
	rec_write_json(r->out, id);
}

void report_write_header(const struct report *r, enum header_mode mode)
{
	struct report_settings s;
	struct model_fields mf;
	struct record id;
	struct run_ident ident;
	report_settings_init(&s, r);
	model_fields(&mf, r->opts, &r->model);
	rec_init(&id, NULL);
	report_add_type(&id, "header", &ident, r);
	id.f[2].text_s = r->start.host; /* text: the host name as it is (JSON: made safe) */
	if (r->opts->format == FORMAT_JSON) {
		header_json(r, &s, &mf.rec, &id, mode);
		fflush(r->out);
		return;
	}
	text_first_line(r, &s, mode);
	text_lines(r, &s, &mf, &id, mode);
	rec_write_text(r->out, &mf.rec);
	fflush(r->out);
}
