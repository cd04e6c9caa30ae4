/* The loop records of the client (the concurrent and sequential strategies), the
 * --wait-clear note and the --report-conns records. Text keeps the original program's
 * first four fields, in its order and spelling; new fields only ever follow them. */
#include "client/report.h"

#include <inttypes.h>
#include <string.h>

#include "client/report_header.h"
#include "client/report_parts.h"
#include "lib/twtest.h"

static void write_loop_record(const struct report *r, const struct loop_result *res, uint32_t n,
			      int summary, int interrupted);

/* A loop's index, in the loop records and the --report-conns records. */
static const char loop_key[] = "loop";

void report_header(const struct report *r)
{
	if (r->opts->format == FORMAT_CSV)
		write_loop_record(r, NULL, 0, 0, 0);
	else
		report_write_header(r, HEADER_LOOPS);
}

/* The options and sysctls that decide the outcome: CSV only, in every row. DSTIP as
 * given, and the port in its own column (the --port list with several destinations). */
static void add_settings(struct record *rec, const struct report_settings *s, const struct report *r)
{
	static const enum setting csv[] = {SET_DST, SET_PORT, SET_PAYLOAD, SET_CLOSE, SET_REUSEPORT,
					   SET_LINGER, SET_TW_REUSE, SET_TW_REUSE_DELAY,
					   SET_PORT_RANGE, SET_TIMESTAMPS, SET_MAX_TW_BUCKETS};
	const struct client_opts *o = r->opts;
	size_t first = rec->n;
	report_pick(rec, s, csv, sizeof(csv) / sizeof(csv[0]));
	if (client_destinations(o) > 1 && o->port_name)
		rec->f[first + 1] = *report_setting(s, SET_PORTS);
	for (size_t i = first; i < rec->n; i++)
		rec->f[i].in = REC_CSV;
}

/* A loop's record (summary 0) or the run's total over `n` loops: every field once; ctx is
 * the run's settings. */
static void loop_record(struct record *rec, const struct report *r, struct run_ident *id,
			const struct report_row *row)
{
	const struct loop_result *res = row->res;
	rec_init(rec, row->summary ? "summary: " : NULL);
	report_add_type(rec, row->summary ? "summary" : "loop", id, r);
	report_add_index(rec, loop_key, "loops", row->n, row->summary, row->interrupted);
	rec_uint(rec, "conns", NULL, res->conns)->in = REC_CSV | REC_JSON;
	report_add_finished(rec, res);
	rec_float(rec, "time_s", NULL, report_seconds(res->elapsed_ns), 3)->flags = REC_COMPACT;
	report_add_conn_rate(rec, loop_result_rate(res));
	report_add_failed_by(rec, res);
	add_settings(rec, row->ctx, r);
	report_add_latencies(rec, r->opts, res);
	report_add_kernel(rec, res);
}

/* A loop's or the summary's record in the run's format (res NULL: the CSV header). */
static void write_loop_record(const struct report *r, const struct loop_result *res, uint32_t n,
			      int summary, int interrupted)
{
	struct report_settings s;
	report_settings_init(&s, r);
	report_write_row(r, loop_record, &s, res, n, summary, interrupted);
}

void report_loop(const struct report *r, const struct loop_result *res)
{
	write_loop_record(r, res, res->loop, 0, 0);
}

void report_summary(const struct report *r, const struct loop_result *total, uint32_t loops_done,
		    int interrupted)
{
	write_loop_record(r, total, loops_done, 1, interrupted);
}

const struct client_reporter report_loops = {
	.header = report_header,
	.record = report_loop,
	.summary = report_summary,
};

void report_wait_clear(const struct report *r, uint32_t loop, uint64_t waited_ns, uint64_t left,
		       int timed_out)
{
	if (r->opts->format != FORMAT_TEXT)
		return;
	char dst[80];
	endpoint_str(&r->opts->dst, dst, sizeof(dst));
	if (timed_out)
		fprintf(stderr,
			"twtest client: loop %" PRIu32 ": %" PRIu64 " TIME_WAIT toward %s still there "
			"after %.3f s (--wait-clear-timeout); going on\n",
			loop, left, dst, report_seconds(waited_ns));
	else
		fprintf(stderr,
			"twtest client: loop %" PRIu32 ": no TIME_WAIT toward %s after waiting %.3f s\n",
			loop, dst, report_seconds(waited_ns));
	fflush(stderr);
}

/* A state of a conn_record: its kernel name, "-" for none. */
static const char *conn_state(int state)
{
	const char *name = tcp_state_name(state);
	return name ? name : "-";
}

void report_conn(const struct report *r, const struct conn_record *c)
{
	char result[64] = "ok";
	if (c->failed) {
		const char *d = fail_detail_name(c->stage, c->detail);
		snprintf(result, sizeof(result), "%s%s%s", fail_stage_name(c->stage), *d ? "/" : "", d);
	}
	const char *err = c->close_error ? strerrorname_np(c->close_error) : NULL;
	struct record rec, text;
	struct run_ident id;
	rec_init(&rec, NULL);
	report_add_type(&rec, "conn", &id, r);
	struct rec_field *loop = rec_uint(&rec, loop_key, NULL, c->loop);
	struct rec_field *conn = rec_uint(&rec, "conn", NULL, c->conn);
	size_t rest = rec.n;
	rec_uint(&rec, "local_port", NULL, c->local_port);
	rec_string(&rec, "result", NULL, result);
	rec_uint(&rec, "sent", NULL, c->sent);
	rec_uint(&rec, "rcvd", NULL, c->rcvd);
	rec_string(&rec, "close_trigger", NULL, c->close_trigger);
	rec_string(&rec, "eof_state", NULL, conn_state(c->eof_state));
	rec_uint(&rec, "eof_unread", NULL, c->eof_unread);
	rec_int(&rec, "shut_wr", NULL, c->shut_wr)->flags = REC_JSON_BOOL;
	rec_string(&rec, "close_state", NULL, conn_state(c->close_state));
	rec_uint(&rec, "close_unread", NULL, c->close_unread);
	rec_string(&rec, "close_error", NULL, err ? err : "")->text_s = err ? err : "-";
	if (r->opts->format == FORMAT_JSON)
		rec_write_json(r->out, &rec);
	else { /* text leads with the connection */
		rec_init(&text, NULL);
		rec_copy(&text, conn);
		rec_copy(&text, loop);
		for (size_t i = rest; i < rec.n; i++)
			rec_copy(&text, &rec.f[i]);
		rec_write_text(r->out, &text);
	}
	fflush(r->out);
}
