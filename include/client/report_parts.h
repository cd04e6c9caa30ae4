/* Pieces of the client's records shared by the loop records (src/client/report.c) and the
 * rate records (src/client/report_rate.c): the fields both carry, each added once to a
 * record (include/lib/record.h), and the header lines both print
 * (src/client/report_parts.c and report_http.c, which call neither). */
#ifndef TWTEST_REPORT_PARTS_H
#define TWTEST_REPORT_PARTS_H

#include <stdio.h>

#include "client/report.h"
#include "lib/record.h"

/* Nanoseconds as seconds. */
double report_seconds(uint64_t ns);

/* The record's type (CSV and JSON) and the run's identity (JSON: shard, host, start_s);
 * id must live until the record is written. */
void report_add_type(struct record *rec, const char *type, struct run_ident *id,
		     const struct report *r);

/* The index of a loop or interval (key), or of the summary: the count done under key_total
 * (" (interrupted)" after it in text, "interrupted" in JSON), in the same CSV column. */
void report_add_index(struct record *rec, const char *key, const char *key_total, uint32_t n,
		      int summary, int interrupted);

/* The connections that finished and those that failed. */
void report_add_finished(struct record *rec, const struct loop_result *res);

/* Finished connections a second (conn_per_s). */
struct rec_field *report_add_conn_rate(struct record *rec, double per_s);

/* One row of a report: a loop's or an interval's (summary 0), or the run's total over n of
 * them; head: the CSV header's columns (every field of a summary, of a zero result). */
struct report_row {
	const struct loop_result *res;
	uint32_t n;
	int summary, interrupted;
	int head;
	const void *ctx; /* the report's own (the loop records' settings) */
};

/* A row's fields into rec, freshly made; id must live until rec is written. */
typedef void (*report_row_fn)(struct record *rec, const struct report *r, struct run_ident *id,
			      const struct report_row *row);

/* A row in the run's format, its fields made by `fields` (res NULL: the CSV header): CSV
 * matches the row to the header's columns, text is the compact line unless --verbose. */
void report_write_row(const struct report *r, report_row_fn fields, const void *ctx,
		      const struct loop_result *res, uint32_t n, int summary, int interrupted);

/* The first fields of a rate or closed-loop row: the type, the interval (or the intervals of
 * the summary) and its time since the start (t_s). */
void report_interval_lead(struct record *rec, const struct report *r, struct run_ident *id,
			  const struct report_row *row);

/* The connections started, and those open at the interval's end (rate and closed-loop). */
void report_add_started(struct record *rec, const struct loop_result *res);
void report_add_inflight(struct record *rec, const struct loop_result *res);

/* The summary's verdict fields both schedules carry: the first failure (null, "none" in
 * text, when none failed), the port model's first failure at_s (null, `none` in text, when
 * negative) and its sustainable rate (null, "unbounded", when there is none). */
struct rec_field *report_add_first_failure(struct record *rec, const struct loop_result *t);
struct rec_field *report_add_predicted_failure(struct record *rec, double at_s,
					       const char *none);
struct rec_field *report_add_predicted_rate(struct record *rec, const struct port_model *m);

/* Failures by cause: text "failed_by: stage/detail=N ..." when there are any, a CSV cell,
 * a JSON object. */
void report_add_failed_by(struct record *rec, const struct loop_result *res);

/* The latencies of finished connections (connect_us, conn_us) and, with --protocol http,
 * req_us and the responses by status. */
void report_add_latencies(struct record *rec, const struct client_opts *o,
			  const struct loop_result *res);

/* The kernel's view: time_wait, the counter deltas ("kernel"), the --wait-clear wait. */
void report_add_kernel(struct record *rec, const struct loop_result *res);

/* --protocol http in a record: req_us, the responses by status (http_status), reconnects
 * and the requests each connection carried (conn_requests); nothing for the other
 * protocols. */
void report_add_http(struct record *rec, const struct client_opts *o,
		     const struct loop_result *res);

/* A duration of `us` microseconds for a person, wrk's way: 3 significant digits and a unit
 * ("412us", "5.06ms", "98.3ms", "1.03s"). */
void report_human_us(uint64_t us, char *buf, size_t len);

#define REPORT_LATENCY_LEN 48

/* A loop's or interval's text line without --verbose, made to fit 120 columns: it keeps the
 * fields added with REC_COMPACT (the seed's four fields, conn/s, rate mode's due, failures by
 * cause and TIME_WAIT: each flagged where it is added, in this file), and adds the
 * connections' p50/p99 in units ("p50/p99: 5.06ms/9.22ms", written into lat, which must
 * outlive the record); the other fields stay in CSV and JSON (and in -v's line). Nothing for
 * a summary, CSV, JSON or --verbose. */
void report_compact(struct record *rec, const struct report *r, int summary, char *lat);

#endif
