/* The closed-loop mode's records (twtest client --concurrency): a header with the port
 * model, one record per report interval (started, finished, failed by cause, in flight and
 * the most in flight at once, latencies, the kernel view) and a summary with the rate
 * reached (conn_per_s, as wrk's requests/s with Connection: close) and the port model at that
 * rate. Text, CSV and JSON come from the same record (src/lib/record.c, docs/output.md). */
#include <inttypes.h>

#include "client/port_model.h"
#include "client/report_parts.h"
#include "client/report_header.h"
#include "lib/twtest.h"

static void write_closed_record(const struct report *r, const struct loop_result *res,
				uint32_t n, int summary, int interrupted);

static void report_closed_header(const struct report *r)
{
	if (r->opts->format == FORMAT_CSV)
		write_closed_record(r, NULL, 0, 0, 0);
	else
		report_write_header(r, HEADER_CLOSED);
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
	report_add_finished(rec, res);
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
	char lat[REPORT_LATENCY_LEN];
	struct run_ident hid, id;
	if (r->opts->format == FORMAT_CSV || res == NULL) /* the CSV columns */
		closed_record(&head, r, &hid, &zero, 0, 1, 0);
	if (res == NULL)
		rec_write_csv_header(r->out, &head);
	else {
		closed_record(&rec, r, &id, res, n, summary, interrupted);
		report_compact(&rec, r, summary, lat);
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
