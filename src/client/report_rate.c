/* The rate mode's records (twtest client --rate): a header with the port model, one
 * record per report interval, and a summary that puts the model beside the measurement.
 * Text, CSV and JSON are produced here from the same numbers (docs/output.md). */
#include <inttypes.h>
#include <string.h>

#include "lib/json.h"
#include "client/report_parts.h"
#include "lib/twtest.h"

/* The model in words for text: "ports=P (...) tw_reuse=... sustainable=... first_failure_s=..." */
static void text_model(FILE *out, const struct client_opts *o, const struct port_model *m)
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
	else
		fputs(" predicted_first_failure_s=none\n", out);
}

/* The model as a JSON object member. */
static void json_model(FILE *out, const struct port_model *m)
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
	text_model(r->out, o, &r->model);
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
	json_model(out, &r->model);
	fputs("}\n", out);
}

/* The header with the port model. */
static void report_rate_header(const struct report *r)
{
	char dst[80];
	endpoint_str(&r->opts->dst, dst, sizeof(dst));
	switch (r->opts->format) {
	case FORMAT_TEXT: header_text(r, dst); break;
	case FORMAT_CSV:
		fputs("type,interval,t_s,due,started,finished,failed,failed_by,inflight,lag_ms_p50,"
		      "lag_ms_p99,lag_ms_max,connect_us_min,connect_us_p50,connect_us_p99,connect_us_max,"
		      "conn_us_min,conn_us_p50,conn_us_p99,conn_us_max", r->out);
		report_protocol_header(r->out, r->opts);
		fputs(",first_failed_interval,rate_last_third,predicted_rate,predicted_first_failure_s,"
		      "first_failure_s", r->out);
		report_kernel_csv_header(r->out);
		break;
	case FORMAT_JSON: header_json(r, dst); break;
	}
	fflush(r->out);
}

/* Start lag in ms: text " lag_ms: p50=.. max=..", CSV three columns, JSON a member. */
static void write_lag(FILE *out, enum output_format fmt, const struct histogram *h)
{
	double p50 = h->count ? hist_percentile(h, 50) / 1000.0 : 0;
	double p99 = h->count ? hist_percentile(h, 99) / 1000.0 : 0;
	double max = h->count ? h->max / 1000.0 : 0;
	if (fmt == FORMAT_TEXT && h->count)
		fprintf(out, ", lag_ms: p50=%.3f p99=%.3f max=%.3f", p50, p99, max);
	else if (fmt == FORMAT_CSV && h->count)
		fprintf(out, ",%.3f,%.3f,%.3f", p50, p99, max);
	else if (fmt == FORMAT_CSV)
		fputs(",,,", out);
	else if (fmt == FORMAT_JSON && h->count) {
		fprintf(out, ",\"lag_ms\":{\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f,\"hist\":", p50, p99, max);
		json_write_histogram(out, h); /* in microseconds, whole, for twtest merge */
		fputc('}', out);
	}
	else if (fmt == FORMAT_JSON)
		fputs(",\"lag_ms\":null", out);
}

/* Finished connections a second over the run's last third, or -1 if it was not reached. */
static double tail_rate(const struct loop_result *t)
{
	return t->tail_ns ? (double)t->tail_finished * 1e9 / (double)t->tail_ns : -1;
}

/* The summary's own CSV columns (empty in interval rows). */
static void csv_summary_columns(FILE *out, const struct report *r, const struct loop_result *t,
				int summary)
{
	if (!summary) {
		fputs(",,,,,", out);
		return;
	}
	const struct port_model *m = &r->model;
	if (t->first_failed)
		fprintf(out, ",%" PRIu32, t->first_failed - 1);
	else
		fputc(',', out);
	fprintf(out, tail_rate(t) < 0 ? "," : ",%.1f", tail_rate(t));
	fprintf(out, m->sustainable < 0 ? "," : ",%.1f", m->sustainable);
	fprintf(out, m->first_failure_s < 0 ? "," : ",%.3f", m->first_failure_s);
	if (t->first_fail_ns)
		fprintf(out, ",%.3f", report_seconds(t->first_fail_ns - 1));
	else
		fputc(',', out);
}

/* The counts of an interval or of the run: due, started, finished, failed (by cause), in
 * flight; `lead` is the record's start. */
static void write_rate_counts(FILE *out, enum output_format fmt, const char *lead,
			      const struct loop_result *res)
{
	switch (fmt) {
	case FORMAT_TEXT:
		fprintf(out, "%sdue: %" PRIu64 ", started: %" PRIu64 ", finished_count: %" PRIu64
			", failed_count: %" PRIu64, lead, res->due, res->started, res->finished, res->failed);
		if (res->failed) {
			fputs(", failed_by: ", out);
			report_failed_by(out, &res->fails, report_visit_text);
		}
		fprintf(out, ", inflight: %" PRIu64, res->inflight);
		break;
	case FORMAT_CSV:
		fprintf(out, "%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",", lead, res->due,
			res->started, res->finished, res->failed);
		report_failed_by(out, &res->fails, report_visit_text);
		fprintf(out, ",%" PRIu64, res->inflight);
		break;
	case FORMAT_JSON:
		fprintf(out, "%s\"due\":%" PRIu64 ",\"started\":%" PRIu64 ",\"finished\":%" PRIu64
			",\"failed\":%" PRIu64 ",\"failed_by\":{", lead, res->due, res->started,
			res->finished, res->failed);
		report_failed_by(out, &res->fails, report_visit_json);
		fprintf(out, "},\"inflight\":%" PRIu64, res->inflight);
		break;
	}
}

/* The counts, the lag and the latencies of an interval or of the run, in each format. */
static void write_rate_numbers(const struct report *r, const char *lead, const struct loop_result *res,
			       int summary)
{
	FILE *out = r->out;
	enum output_format fmt = r->opts->format;
	write_rate_counts(out, fmt, lead, res);
	write_lag(out, fmt, &res->lag_us);
	report_latency(out, fmt, "connect_us", &res->connect_us);
	report_latency(out, fmt, "conn_us", &res->conn_us);
	report_http_fields(out, r->opts, res);
	if (fmt == FORMAT_CSV)
		csv_summary_columns(out, r, res, summary);
}

/* The record's end: the kernel's view, and the end of the line. */
static void write_rate_end(const struct report *r, const struct loop_result *res)
{
	switch (r->opts->format) {
	case FORMAT_TEXT: report_kernel_text(r->out, res); fputc('\n', r->out); break;
	case FORMAT_CSV: report_kernel_csv(r->out, res); break;
	case FORMAT_JSON: report_kernel_json(r->out, res); fputs("}\n", r->out); break;
	}
	fflush(r->out);
}

/* One record per report interval. */
static void report_interval(const struct report *r, const struct loop_result *res)
{
	char lead[640], id[512];
	double t = report_seconds(res->t_ns);
	switch (r->opts->format) {
	case FORMAT_TEXT:
		snprintf(lead, sizeof(lead), "interval: %" PRIu32 ", t(s): %.3f, ", res->loop, t);
		break;
	case FORMAT_CSV: snprintf(lead, sizeof(lead), "interval,%" PRIu32 ",%.3f", res->loop, t); break;
	case FORMAT_JSON:
		snprintf(lead, sizeof(lead), "{\"type\":\"interval\"%s,\"interval\":%" PRIu32 ",\"t_s\":%.3f,",
			 run_start_json(id, sizeof(id), &r->start, r->opts), res->loop, t);
		break;
	}
	write_rate_numbers(r, lead, res, 0);
	write_rate_end(r, res);
}

/* The summary's model-beside-measurement fields, text or JSON. */
static void write_verdict(const struct report *r, const struct loop_result *t)
{
	FILE *out = r->out;
	const struct port_model *m = &r->model;
	int json = r->opts->format == FORMAT_JSON;
	const char *null = json ? "null" : "none";
	const char *sep = json ? ",\"" : ", ";
	const char *eq = json ? "\":" : ": ";
	fprintf(out, "%sfirst_failed_interval%s", sep, eq);
	t->first_failed ? fprintf(out, "%" PRIu32, t->first_failed - 1) : fputs(null, out);
	fprintf(out, "%sfirst_failure_s%s", sep, eq);
	t->first_fail_ns ? fprintf(out, "%.3f", report_seconds(t->first_fail_ns - 1)) : fputs(null, out);
	fprintf(out, "%spredicted_first_failure_s%s", sep, eq);
	m->first_failure_s >= 0 ? fprintf(out, "%.3f", m->first_failure_s) : fputs(null, out);
	fprintf(out, "%srate_last_third%s", sep, eq);
	tail_rate(t) >= 0 ? fprintf(out, "%.1f", tail_rate(t)) : fputs(null, out);
	fprintf(out, "%spredicted_rate%s", sep, eq);
	m->sustainable >= 0 ? fprintf(out, "%.1f", m->sustainable) : fputs(json ? null : "unbounded", out);
}

/* The summary, with the model beside the measurement. */
static void report_rate_summary(const struct report *r, const struct loop_result *total,
				uint32_t intervals, int interrupted)
{
	char lead[640], id[512];
	double t = report_seconds(total->t_ns);
	switch (r->opts->format) {
	case FORMAT_TEXT:
		snprintf(lead, sizeof(lead), "summary: intervals: %" PRIu32 "%s, t(s): %.3f, ", intervals,
			 interrupted ? " (interrupted)" : "", t);
		break;
	case FORMAT_CSV: snprintf(lead, sizeof(lead), "summary,%" PRIu32 ",%.3f", intervals, t); break;
	case FORMAT_JSON:
		snprintf(lead, sizeof(lead), "{\"type\":\"summary\"%s,\"intervals\":%" PRIu32
			 ",\"interrupted\":%s,\"t_s\":%.3f,", run_start_json(id, sizeof(id), &r->start, r->opts),
			 intervals, interrupted ? "true" : "false", t);
		break;
	}
	write_rate_numbers(r, lead, total, 1);
	if (r->opts->format != FORMAT_CSV)
		write_verdict(r, total);
	write_rate_end(r, total);
}

const struct client_reporter report_rate = {
	.header = report_rate_header,
	.record = report_interval,
	.summary = report_rate_summary,
};
