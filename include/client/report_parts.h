/* Pieces of the client's records shared by the loop records (src/client/report.c) and the rate
 * records (src/client/report_rate.c), so that both print a field the same way
 * (src/client/report_parts.c, which calls neither). */
#ifndef TWTEST_REPORT_PARTS_H
#define TWTEST_REPORT_PARTS_H

#include <stdio.h>

#include "client/report.h"

/* Nanoseconds as seconds. */
double report_seconds(uint64_t ns);

/* Failures by cause as "stage/detail=N" pairs: report_visit_text separates them with
 * spaces (text, CSV), report_visit_json writes JSON members. */
void report_visit_text(void *ctx, const char *key, uint32_t count);
void report_visit_json(void *ctx, const char *key, uint32_t count);
void report_failed_by(FILE *out, const struct fail_table *fails, fail_visit_fn fn);

/* A latency histogram: text ", NAME: min=.. p50=.. p99=.. max=.." (nothing when empty),
 * CSV four columns, JSON a member (null when empty). */
void report_latency(FILE *out, enum output_format fmt, const char *name, const struct histogram *h);

/* The kernel's view: text ", time_wait: N, kernel: ...", CSV columns up to the end of the
 * row, JSON members (each with a leading comma). */
void report_kernel_text(FILE *out, const struct loop_result *res);
void report_kernel_csv(FILE *out, const struct loop_result *res);
void report_kernel_json(FILE *out, const struct loop_result *res);

/* The CSV header's names of the kernel view's columns, up to the end of the line. */
void report_kernel_csv_header(FILE *out);

/* The text header's lines for the options that decide which ports are used (--local-port-
 * range, --bind, --reuseaddr; several destinations), each only when given. */
void report_port_lines(FILE *out, const struct client_opts *o);

/* --protocol connect|http in the header: a text "# protocol=..." line, CSV's http columns
 * (named where report_http_fields puts them), JSON members; nothing for echo. */
void report_protocol_header(FILE *out, const struct client_opts *o);

/* --protocol http in a record: req_us and http_status (text fields, CSV columns, JSON
 * members, as report_latency writes them); nothing for the other protocols. */
void report_http_fields(FILE *out, const struct client_opts *o, const struct loop_result *res);

#endif
