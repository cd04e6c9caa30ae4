/* The closed-loop mode's records (twtest client --concurrency): a header with the port
 * model, one record per report interval (started, finished, failed by cause, in flight and
 * the most in flight at once, latencies, the kernel view) and a summary with the rate
 * reached (conn_per_s, as wrk's requests/s with Connection: close) and the port model at that
 * rate. Text, CSV and JSON come from the same record (src/lib/record.c, docs/output.md). */
#include <inttypes.h>

#include "client/port_model.h"
#include "client/report_parts.h"
#include "lib/json.h"
#include "lib/twtest.h"

static void write_closed_record(const struct report *r, const struct loop_result *res,
				uint32_t n, int summary, int interrupted);

static void header_text(const struct report *r, const char *dst)
{
	const struct client_opts *o = r->opts;
	const struct net_sysctls *s = &r->sys;
	char delay[TW_DELAY_TOKEN_LEN];
	fprintf(r->out, "# twtest %s client dst=%s concurrency=%" PRIu32 " duration_s=%" PRIu32
		" count=%" PRIu32 " payload=%" PRIu32 " requests_per_conn=%" PRIu32 " close=%s"
		" reuseport=%d linger=%d timeout_ms=%" PRIu32 " threads=%" PRIu32
		" report_interval_ms=%" PRIu32 " tcp_tw_reuse=%ld tcp_tw_reuse_delay=%s"
		" ip_local_port_range=%ld-%ld tcp_timestamps=%ld tcp_max_tw_buckets=%ld\n",
		TWTEST_VERSION, dst, o->concurrency, o->duration_s, o->count, o->payload,
		o->requests_per_conn, client_close_names[o->close_mode], o->reuseport, o->linger,
		o->timeout_ms, o->threads, o->report_interval_ms, s->tw_reuse,
		tw_reuse_delay_token(s->tw_reuse_delay_ms, delay), s->port_lo, s->port_hi,
		s->timestamps, s->max_tw_buckets);
	report_port_lines(r->out, o);
	report_protocol_header(r->out, o);
	run_start_text(r->out, &r->start, o);
	report_model_text(r->out, o, &r->model);
}

static void header_json(const struct report *r, const char *dst)
{
	const struct client_opts *o = r->opts;
	FILE *out = r->out;
	char id[512];
	fprintf(out, "{\"type\":\"header\"%s,\"version\":\"%s\",\"mode\":\"closed\",\"dst\":",
		run_start_json(id, sizeof(id), &r->start, o), TWTEST_VERSION);
	json_write_string(out, o->dst_name);
	fprintf(out, ",\"dst_addr\":\"%s\",\"port\":%u,\"destinations\":%" PRIu64
		",\"concurrency\":%" PRIu32 ",\"duration_s\":%" PRIu32 ",\"count\":%" PRIu32
		",\"payload\":%" PRIu32 ",\"requests_per_conn\":%" PRIu32 ",\"timeout_ms\":%" PRIu32
		",\"close\":\"%s\",\"reuseport\":%s,\"linger\":%s,\"threads\":%" PRIu32
		",\"report_interval_ms\":%" PRIu32,
		dst, o->port, client_destinations(o), o->concurrency, o->duration_s, o->count,
		o->payload, o->requests_per_conn, o->timeout_ms, client_close_names[o->close_mode],
		o->reuseport ? "true" : "false", o->linger ? "true" : "false", o->threads,
		o->report_interval_ms);
	report_protocol_header(out, o);
	report_model_json(out, &r->model);
	fputs("}\n", out);
}

static void report_closed_header(const struct report *r)
{
	char dst[80];
	endpoint_str(&r->opts->dst, dst, sizeof(dst));
	switch (r->opts->format) {
	case FORMAT_TEXT: header_text(r, dst); break;
	case FORMAT_CSV: write_closed_record(r, NULL, 0, 0, 0); break;
	case FORMAT_JSON: header_json(r, dst); break;
	}
	fflush(r->out);
}

/* Finished connections a second over the run (0 before any time passed). */
static double run_rate(const struct loop_result *t)
{
	return t->rate.t_ns ? (double)t->finished * 1e9 / (double)t->rate.t_ns : 0;
}

/* The summary's verdict: finished connections and HTTP responses a second over the run, the
 * first failure, the rate reached (conn/s until the first failure: while every connect() got
 * a port) and the port model at that rate (null, "none" or "unbounded" in text, when none). */
static void add_verdict(struct record *rec, const struct report *r, const struct loop_result *t,
			int summary)
{
	const struct port_model *m = &r->model;
	double rate = run_rate(t);
	rec_when(rec_float(rec, "conn_per_s", NULL, rate, 0), summary);
	if (r->opts->protocol == CLIENT_PROTO_HTTP)
		rec_when(rec_float(rec, "req_per_s", NULL, t->rate.t_ns ? (double)t->http.responses * 1e9 /
				   (double)t->rate.t_ns : 0, 0), summary);
	struct rec_field *f;
	if (t->first_fail_ns)
		f = rec_float(rec, "first_failure_s", NULL, report_seconds(t->first_fail_ns - 1), 3);
	else
		f = rec_null(rec, "first_failure_s", NULL, "none");
	rec_when(f, summary);
	rec_when(rec_float(rec, "rate_reached", NULL, t->rate.reached, 0), summary);
	double at = port_model_first_failure_s(m, t->rate.reached);
	if (at >= 0)
		f = rec_float(rec, "predicted_first_failure_s", NULL, at, 3);
	else
		f = rec_null(rec, "predicted_first_failure_s", NULL, "none");
	rec_when(f, summary);
	if (m->sustainable >= 0)
		f = rec_float(rec, "predicted_rate", NULL, m->sustainable, 1);
	else
		f = rec_null(rec, "predicted_rate", NULL, "unbounded");
	rec_when(f, summary);
}

/* An interval's record, or the run's over `n` intervals: every field once. */
static void closed_record(struct record *rec, const struct report *r, struct run_ident *id,
			  const struct loop_result *res, uint32_t n, int summary, int interrupted)
{
	rec_init(rec, summary ? "summary: " : NULL);
	report_add_type(rec, summary ? "summary" : "interval", id, r);
	report_add_index(rec, "interval", "intervals", n, summary, interrupted);
	rec_float(rec, "t_s", NULL, report_seconds(res->rate.t_ns), 3);
	rec_uint(rec, "started", NULL, res->rate.started);
	rec_uint(rec, "finished", NULL, res->finished);
	rec_uint(rec, "failed", NULL, res->failed);
	report_add_failed_by(rec, res);
	rec_uint(rec, "inflight", NULL, res->rate.inflight);
	rec_uint(rec, "inflight_max", NULL, res->rate.inflight_max);
	report_add_latencies(rec, r->opts, res);
	add_verdict(rec, r, res, summary);
	report_add_kernel(rec, res);
}

/* An interval's or the summary's record in the run's format (res NULL: the CSV header). */
static void write_closed_record(const struct report *r, const struct loop_result *res,
				uint32_t n, int summary, int interrupted)
{
	static const struct loop_result zero;
	struct record head, rec;
	struct run_ident hid, id;
	if (r->opts->format == FORMAT_CSV || res == NULL) /* the CSV columns */
		closed_record(&head, r, &hid, &zero, 0, 1, 0);
	if (res == NULL)
		rec_write_csv_header(r->out, &head);
	else {
		closed_record(&rec, r, &id, res, n, summary, interrupted);
		rec_write(r->out, r->opts->format, &head, &rec);
	}
	fflush(r->out);
}

static void report_closed_interval(const struct report *r, const struct loop_result *res)
{
	write_closed_record(r, res, res->loop, 0, 0);
}

static void report_closed_summary(const struct report *r, const struct loop_result *total,
				  uint32_t intervals, int interrupted)
{
	write_closed_record(r, total, intervals, 1, interrupted);
}

const struct client_reporter report_closed = {
	.header = report_closed_header,
	.record = report_closed_interval,
	.summary = report_closed_summary,
};
