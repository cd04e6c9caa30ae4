/* The rate mode's records (twtest client --rate): a header with the port model, one
 * record per report interval, and a summary that puts the model beside the measurement.
 * Text, CSV and JSON are produced here from the same numbers (docs/output.md). */
#include <inttypes.h>
#include <string.h>

#include "client/report_header.h"
#include "client/report_parts.h"
#include "lib/twtest.h"

static void write_rate_record(const struct report *r, const struct loop_result *res, uint32_t n,
			      int summary, int interrupted);

/* The header with the port model. */
static void report_rate_header(const struct report *r)
{
	if (r->opts->format == FORMAT_CSV)
		write_rate_record(r, NULL, 0, 0, 0);
	else
		report_write_header(r, HEADER_RATE);
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
	report_add_finished(rec, res);
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
	char lat[REPORT_LATENCY_LEN];
	struct run_ident hid, id;
	if (r->opts->format == FORMAT_CSV || res == NULL) /* the CSV columns */
		rate_record(&head, r, &hid, &zero, 0, 1, 0, verdict_csv_order);
	if (res == NULL)
		rec_write_csv_header(r->out, &head);
	else {
		rate_record(&rec, r, &id, res, n, summary, interrupted, verdict_order);
		report_compact(&rec, r, summary, lat);
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
