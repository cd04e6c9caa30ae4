/* The rate mode's records (twtest client --rate): a header with the port model, one
 * record per report interval, and a summary that puts the model beside the measurement.
 * Text, CSV and JSON are produced here from the same numbers (docs/output.md). */
#include <inttypes.h>
#include <string.h>

#include "lib/json.h"
#include "client/report_parts.h"
#include "lib/twtest.h"

static void write_rate_record(const struct report *r, const struct loop_result *res, uint32_t n,
			      int summary, int interrupted);

/* The model in words for text: "ports=P (...) tw_reuse=... sustainable=... first_failure_s=..."
 * (closed-loop mode too: its rate is known at the summary, which predicts from it). */
void report_model_text(FILE *out, const struct client_opts *o, const struct port_model *m)
{
	char delay[TW_DELAY_TOKEN_LEN];
	fprintf(out, "# model: ports=%" PRIu64 " (range %u-%u less %u reserved, x %" PRIu64
		" source%s%s", m->ports, m->range_lo, m->range_hi, m->reserved, m->sources,
		m->sources == 1 ? "" : "s", m->shared_pool ? ", one pool over every destination" : "");
	if (!m->shared_pool)
		fprintf(out, ", x %" PRIu64 " destination%s", m->destinations,
			m->destinations == 1 ? "" : "s");
	if (m->range_note[0])
		fprintf(out, "; %s", m->range_note);
	if (m->reuse_delay_sysctl >= 0)
		fprintf(out, ") tw_reuse: %s; reuse_delay_ms=%u", m->reuse_why, m->reuse_delay_ms);
	else /* before 6.14 (or unreadable): no milliseconds to state */
		fprintf(out, ") tw_reuse: %s; reuse_delay=%s", m->reuse_why,
			tw_reuse_delay_token(m->reuse_delay_sysctl, delay));
	if (m->sustainable < 0)
		fprintf(out, " sustainable_rate=unbounded (%s)",
			o->linger ? "--linger: no TIME_WAIT" : "the server closes first");
	else
		fprintf(out, " sustainable_rate=%.1f/s", m->sustainable);
	if (m->first_failure_s >= 0)
		fprintf(out, " predicted_first_failure_s=%.1f\n", m->first_failure_s);
	else if (o->concurrency && m->sustainable >= 0)
		fputs(" predicted_first_failure_s=at the rate reached (summary)\n", out);
	else
		fputs(" predicted_first_failure_s=none\n", out);
}

/* The model as a JSON object member. */
void report_model_json(FILE *out, const struct port_model *m)
{
	fprintf(out, ",\"model\":{\"ports\":%" PRIu64 ",\"range\":\"%u-%u\",\"reserved\":%u,"
		"\"sources\":%" PRIu64 ",\"destinations\":%" PRIu64 ",\"shared_pool\":%s,"
		"\"holds_time_wait\":%s,\"tw_reuse_applies\":%s,\"tw_reuse_why\":",
		m->ports, m->range_lo, m->range_hi, m->reserved, m->sources, m->destinations,
		m->shared_pool ? "true" : "false", m->holds_tw ? "true" : "false",
		m->reuse ? "true" : "false");
	json_write_string(out, m->reuse_why);
	char words[64];
	if (m->reuse_delay_sysctl >= 0)
		fprintf(out, ",\"reuse_delay_ms\":%u,\"reuse_delay\":", m->reuse_delay_ms);
	else
		fputs(",\"reuse_delay_ms\":null,\"reuse_delay\":", out);
	json_write_string(out, tw_reuse_delay_words(m->reuse_delay_sysctl, words, sizeof(words)));
	static const char *const ignored[] = {"null", "\"low\"", "\"high\"", "\"both\""};
	fprintf(out, ",\"local_port_range_ignored\":%s,\"note\":", ignored[m->range_ignored]);
	if (m->range_note[0])
		json_write_string(out, m->range_note);
	else
		fputs("null", out);
	fputs(",\"sustainable_rate\":", out);
	if (m->sustainable < 0)
		fputs("null", out);
	else
		fprintf(out, "%.1f", m->sustainable);
	if (m->first_failure_s < 0)
		fputs(",\"predicted_first_failure_s\":null}", out);
	else
		fprintf(out, ",\"predicted_first_failure_s\":%.3f}", m->first_failure_s);
}

/* The header in text: the settings line, the port lines, the model. */
static void header_text(const struct report *r, const char *dst)
{
	const struct client_opts *o = r->opts;
	const struct net_sysctls *s = &r->sys;
	char delay[TW_DELAY_TOKEN_LEN];
	fprintf(r->out, "# twtest %s client dst=%s rate=%" PRIu32 " duration_s=%" PRIu32
		" payload=%" PRIu32 " requests_per_conn=%" PRIu32 " close=%s reuseport=%d"
		" linger=%d timeout_ms=%" PRIu32 " threads=%" PRIu32 " max_inflight=%" PRIu32
		" report_interval_ms=%" PRIu32 " tcp_tw_reuse=%ld tcp_tw_reuse_delay=%s"
		" ip_local_port_range=%ld-%ld tcp_timestamps=%ld tcp_max_tw_buckets=%ld\n",
		TWTEST_VERSION, dst, o->rate, o->duration_s, o->payload, o->requests_per_conn,
		client_close_names[o->close_mode], o->reuseport, o->linger, o->timeout_ms,
		o->threads, o->max_inflight, o->report_interval_ms, s->tw_reuse,
		tw_reuse_delay_token(s->tw_reuse_delay_ms, delay), s->port_lo, s->port_hi,
		s->timestamps, s->max_tw_buckets);
	report_port_lines(r->out, o);
	report_protocol_header(r->out, o);
	run_start_text(r->out, &r->start, o);
	report_model_text(r->out, o, &r->model);
}

/* The header in JSON: one object with the settings and the model. */
static void header_json(const struct report *r, const char *dst)
{
	const struct client_opts *o = r->opts;
	FILE *out = r->out;
	char id[512];
	fprintf(out, "{\"type\":\"header\"%s,\"version\":\"%s\",\"mode\":\"rate\",\"dst\":",
		run_start_json(id, sizeof(id), &r->start, o), TWTEST_VERSION);
	json_write_string(out, o->dst_name);
	fprintf(out, ",\"dst_addr\":\"%s\",\"port\":%u,\"destinations\":%" PRIu64 ",\"rate\":%" PRIu32
		",\"duration_s\":%" PRIu32 ",\"payload\":%" PRIu32 ",\"requests_per_conn\":%" PRIu32
		",\"timeout_ms\":%" PRIu32 ",\"close\":\"%s\",\"reuseport\":%s,\"linger\":%s"
		",\"threads\":%" PRIu32 ",\"max_inflight\":%" PRIu32 ",\"report_interval_ms\":%" PRIu32,
		dst, o->port, client_destinations(o), o->rate, o->duration_s, o->payload,
		o->requests_per_conn, o->timeout_ms, client_close_names[o->close_mode],
		o->reuseport ? "true" : "false", o->linger ? "true" : "false", o->threads,
		o->max_inflight, o->report_interval_ms);
	report_protocol_header(out, o);
	report_model_json(out, &r->model);
	fputs("}\n", out);
}

/* The header with the port model. */
static void report_rate_header(const struct report *r)
{
	char dst[80];
	endpoint_str(&r->opts->dst, dst, sizeof(dst));
	switch (r->opts->format) {
	case FORMAT_TEXT: header_text(r, dst); break;
	case FORMAT_CSV: write_rate_record(r, NULL, 0, 0, 0); break;
	case FORMAT_JSON: header_json(r, dst); break;
	}
	fflush(r->out);
}

/* Finished connections a second over the run's last third, or -1 if it was not reached. */
static double tail_rate(const struct loop_result *t)
{
	return t->rate.tail_ns ? (double)t->rate.tail_finished * 1e9 / (double)t->rate.tail_ns : -1;
}

/* The summary's model beside the measurement, one field each: a value, or null ("none",
 * or "unbounded" for the rate) when there is none. */
enum verdict { FIRST_FAILED, FIRST_FAILURE, PREDICTED_FAILURE, TAIL_RATE, PREDICTED_RATE, VERDICTS };

static struct rec_field *add_verdict(struct record *rec, enum verdict v,
				     const struct port_model *m, const struct loop_result *t)
{
	static const char *const key[VERDICTS] = {
		"first_failed_interval", "first_failure_s", "predicted_first_failure_s",
		"rate_last_third", "predicted_rate"};
	const char *k = key[v];
	switch (v) {
	case FIRST_FAILED:
		if (t->rate.first_failed)
			return rec_uint(rec, k, NULL, t->rate.first_failed - 1);
		break;
	case FIRST_FAILURE:
		if (t->first_fail_ns)
			return rec_float(rec, k, NULL, report_seconds(t->first_fail_ns - 1), 3);
		break;
	case PREDICTED_FAILURE:
		if (m->first_failure_s >= 0)
			return rec_float(rec, k, NULL, m->first_failure_s, 3);
		break;
	case TAIL_RATE:
		if (tail_rate(t) >= 0)
			return rec_float(rec, k, NULL, tail_rate(t), 1);
		break;
	case PREDICTED_RATE:
		if (m->sustainable >= 0)
			return rec_float(rec, k, NULL, m->sustainable, 1);
		break;
	case VERDICTS: break;
	}
	return rec_null(rec, k, NULL, v == PREDICTED_RATE ? "unbounded" : "none");
}

/* The verdict's order in text and JSON, and in CSV's columns (as they have always been). */
static const enum verdict verdict_order[VERDICTS] = {FIRST_FAILED, FIRST_FAILURE, PREDICTED_FAILURE,
						     TAIL_RATE, PREDICTED_RATE};
static const enum verdict verdict_csv_order[VERDICTS] = {FIRST_FAILED, TAIL_RATE, PREDICTED_RATE,
							 PREDICTED_FAILURE, FIRST_FAILURE};

/* An interval's record (summary 0), or the run's over `n` intervals with the verdict in
 * `order`: every field once. */
static void rate_record(struct record *rec, const struct report *r, struct run_ident *id,
			const struct loop_result *res, uint32_t n, int summary, int interrupted,
			const enum verdict *order)
{
	rec_init(rec, summary ? "summary: " : NULL);
	report_add_type(rec, summary ? "summary" : "interval", id, r);
	report_add_index(rec, "interval", "intervals", n, summary, interrupted);
	rec_float(rec, "t_s", NULL, report_seconds(res->rate.t_ns), 3);
	rec_uint(rec, "due", NULL, res->rate.due);
	rec_uint(rec, "started", NULL, res->rate.started);
	rec_uint(rec, "finished", NULL, res->finished);
	rec_uint(rec, "failed", NULL, res->failed);
	report_add_failed_by(rec, res);
	rec_uint(rec, "inflight", NULL, res->rate.inflight);
	rec_hist(rec, "lag_ms", NULL, &res->rate.lag_us, REC_MS); /* microseconds, shown in ms */
	report_add_latencies(rec, r->opts, res);
	for (int i = 0; i < VERDICTS; i++)
		rec_when(add_verdict(rec, order[i], &r->model, res), summary);
	report_add_kernel(rec, res);
}

/* An interval's or the summary's record in the run's format (res NULL: the CSV header). */
static void write_rate_record(const struct report *r, const struct loop_result *res, uint32_t n,
			      int summary, int interrupted)
{
	static const struct loop_result zero;
	struct record head, rec;
	struct run_ident hid, id;
	if (r->opts->format == FORMAT_CSV || res == NULL) /* the CSV columns */
		rate_record(&head, r, &hid, &zero, 0, 1, 0, verdict_csv_order);
	if (res == NULL)
		rec_write_csv_header(r->out, &head);
	else {
		rate_record(&rec, r, &id, res, n, summary, interrupted, verdict_order);
		rec_write(r->out, r->opts->format, &head, &rec);
	}
	fflush(r->out);
}

/* One record per report interval. */
static void report_interval(const struct report *r, const struct loop_result *res)
{
	write_rate_record(r, res, res->loop, 0, 0);
}

/* The summary, with the model beside the measurement. */
static void report_rate_summary(const struct report *r, const struct loop_result *total,
				uint32_t intervals, int interrupted)
{
	write_rate_record(r, total, intervals, 1, interrupted);
}

const struct client_reporter report_rate = {
	.header = report_rate_header,
	.record = report_interval,
	.summary = report_rate_summary,
};
