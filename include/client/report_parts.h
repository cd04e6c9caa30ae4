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
 * seed's four fields, conn/s, rate mode's due, failures by cause and TIME_WAIT, and adds the
 * connections' p50/p99 in units ("p50/p99: 5.06ms/9.22ms", written into lat, which must
 * outlive the record); the other fields stay in CSV and JSON (and in -v's line). Nothing for
 * a summary, CSV, JSON or --verbose. */
void report_compact(struct record *rec, const struct report *r, int summary, char *lat);

#endif
