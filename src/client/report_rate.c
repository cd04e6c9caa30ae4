/* The rate mode's records (twtest client --rate): a header with the port model, one
 * record per report interval, and a summary that puts the model beside the measurement.
 * Text, CSV and JSON are produced here from the same numbers (docs/output.md). */
#include <inttypes.h>
#include <string.h>

#include "client/report_header.h"
#include "client/report_parts.h"
#include "lib/twtest.h"

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
	struct rec_field *f;
	switch (v) {
	case FIRST_FAILED:
		f = rec_uint(rec, "first_failed_interval", NULL, t->rate.first_failed - 1);
		return rec_null_when(f, !t->rate.first_failed, "none");
	case FIRST_FAILURE: return report_add_first_failure(rec, t);
	case PREDICTED_FAILURE: return report_add_predicted_failure(rec, m->first_failure_s, "none");
	case TAIL_RATE:
		f = rec_float(rec, "rate_last_third", NULL, tail_rate(t), 1);
		return rec_null_when(f, tail_rate(t) < 0, "none");
	case PREDICTED_RATE:
	case VERDICTS: break;
	}
	return report_add_predicted_rate(rec, m);
}

/* The verdict's order in text and JSON, and in CSV's columns (as they have always been). */
static const enum verdict verdict_order[VERDICTS] = {FIRST_FAILED, FIRST_FAILURE, PREDICTED_FAILURE,
						     TAIL_RATE, PREDICTED_RATE};
static const enum verdict verdict_csv_order[VERDICTS] = {FIRST_FAILED, TAIL_RATE, PREDICTED_RATE,
							 PREDICTED_FAILURE, FIRST_FAILURE};

/* An interval's record, or the run's over `n` intervals with the verdict (in CSV's order for
 * the header): every field once. */
static void rate_record(struct record *rec, const struct report *r, struct run_ident *id,
			const struct report_row *row)
{
	const struct loop_result *res = row->res;
	const enum verdict *order = row->head ? verdict_csv_order : verdict_order;
	report_interval_lead(rec, r, id, row);
	rec_uint(rec, "due", NULL, res->rate.due)->flags = REC_COMPACT;
	report_add_started(rec, res);
	report_add_finished(rec, res);
	report_add_failed_by(rec, res);
	report_add_inflight(rec, res);
	rec_hist(rec, "lag_ms", NULL, &res->rate.lag_us, REC_MS); /* microseconds, shown in ms */
	report_add_latencies(rec, r->opts, res);
	for (int i = 0; i < VERDICTS; i++)
		rec_when(add_verdict(rec, order[i], &r->model, res), row->summary);
	report_add_kernel(rec, res);
}

/* The header with the port model. */
static void report_rate_header(const struct report *r)
{
	if (r->opts->format == FORMAT_CSV)
		report_write_row(r, rate_record, NULL, NULL, 0, 0, 0);
	else
		report_write_header(r, HEADER_RATE);
}

/* One record per report interval. */
static void report_interval(const struct report *r, const struct loop_result *res)
{
	report_write_row(r, rate_record, NULL, res, res->loop, 0, 0);
}

/* The summary, with the model beside the measurement. */
static void report_rate_summary(const struct report *r, const struct loop_result *total,
				uint32_t intervals, int interrupted)
{
	report_write_row(r, rate_record, NULL, total, intervals, 1, interrupted);
}

const struct client_reporter report_rate = {
	.header = report_rate_header,
	.record = report_interval,
	.summary = report_rate_summary,
};
