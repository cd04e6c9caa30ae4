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
	rec_when(report_add_conn_rate(rec, run_rate(t)), summary);
	if (r->opts->protocol == CLIENT_PROTO_HTTP)
		rec_when(rec_float(rec, "req_per_s", NULL, t->rate.t_ns ? (double)t->http.responses * 1e9 /
				   (double)t->rate.t_ns : 0, 0), summary);
	rec_when(report_add_first_failure(rec, t), summary);
	rec_when(rec_float(rec, "rate_reached", NULL, t->rate.reached, 0), summary);
	double at = port_model_first_failure_s(m, t->rate.reached);
	rec_when(report_add_predicted_failure(rec, at, "none"), summary);
	rec_when(report_add_predicted_rate(rec, m), summary);
}

/* An interval's record, or the run's over `n` intervals: every field once. */
static void closed_record(struct record *rec, const struct report *r, struct run_ident *id,
			  const struct report_row *row)
{
	const struct loop_result *res = row->res;
	report_interval_lead(rec, r, id, row);
	report_add_started(rec, res);
	report_add_finished(rec, res);
	report_add_failed_by(rec, res);
	report_add_inflight(rec, res);
	rec_uint(rec, "inflight_max", NULL, res->rate.inflight_max);
	report_add_latencies(rec, r->opts, res);
	add_verdict(rec, r, res, row->summary);
	report_add_kernel(rec, res);
}

static void report_closed_header(const struct report *r)
{
	if (r->opts->format == FORMAT_CSV)
		report_write_row(r, closed_record, NULL, NULL, 0, 0, 0);
	else
		report_write_header(r, HEADER_CLOSED);
}

static void report_closed_interval(const struct report *r, const struct loop_result *res)
{
	report_write_row(r, closed_record, NULL, res, res->loop, 0, 0);
}

static void report_closed_summary(const struct report *r, const struct loop_result *total,
				  uint32_t intervals, int interrupted)
{
	report_write_row(r, closed_record, NULL, total, intervals, 1, interrupted);
}

const struct client_reporter report_closed = {
	.header = report_closed_header,
	.record = report_closed_interval,
	.summary = report_closed_summary,
};
