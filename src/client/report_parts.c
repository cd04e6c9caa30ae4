/* Pieces of the client's records shared by the loop records (src/client/report.c) and the
 * rate records (src/client/report_rate.c): each field both carry is added here once. A leaf
 * of both: it calls neither. */
#include "client/report_parts.h"

#include <inttypes.h>
#include <stdio.h>

double report_seconds(uint64_t ns)
{
	return (double)ns / 1e9;
}

void report_add_type(struct record *rec, const char *type, struct run_ident *id,
		     const struct report *r)
{
	rec_string(rec, "type", NULL, type)->in = REC_CSV | REC_JSON;
	run_start_ident(id, &r->start, r->opts);
	rec_string(rec, "shard", NULL, id->shard)->in = REC_JSON;
	rec_string(rec, "host", NULL, id->host)->in = REC_JSON;
	rec_verbatim(rec, "start_s", NULL, id->start)->in = REC_JSON;
}

void report_add_index(struct record *rec, const char *key, const char *key_total, uint32_t n,
		      int summary, int interrupted)
{
	if (!summary) {
		rec_uint(rec, key, NULL, n)->flags = REC_COMPACT;
		return;
	}
	struct rec_field *f = rec_uint(rec, key_total, NULL, n);
	f->csv = key;
	f->note = interrupted ? " (interrupted)" : NULL;
	rec_bool(rec, "interrupted", NULL, interrupted)->in = REC_JSON;
}

void report_add_finished(struct record *rec, const struct loop_result *res)
{
	rec_uint(rec, "finished", NULL, res->finished)->flags = REC_COMPACT;
	rec_uint(rec, "failed", NULL, res->failed)->flags = REC_COMPACT;
}

struct rec_field *report_add_conn_rate(struct record *rec, double per_s)
{
	struct rec_field *f = rec_float(rec, "conn_per_s", NULL, per_s, 0);
	f->flags = REC_COMPACT;
	return f;
}

void report_interval_lead(struct record *rec, const struct report *r, struct run_ident *id,
			  const struct report_row *row)
{
	rec_init(rec, row->summary ? "summary: " : NULL);
	report_add_type(rec, row->summary ? "summary" : "interval", id, r);
	report_add_index(rec, "interval", "intervals", row->n, row->summary, row->interrupted);
	rec_float(rec, "t_s", NULL, report_seconds(row->res->rate.t_ns), 3)->flags = REC_COMPACT;
}

void report_add_started(struct record *rec, const struct loop_result *res)
{
	rec_uint(rec, "started", NULL, res->rate.started);
}

void report_add_inflight(struct record *rec, const struct loop_result *res)
{
	rec_uint(rec, "inflight", NULL, res->rate.inflight);
}

struct rec_field *report_add_first_failure(struct record *rec, const struct loop_result *t)
{
	double at = t->first_fail_ns ? report_seconds(t->first_fail_ns - 1) : 0;
	return rec_null_when(rec_float(rec, "first_failure_s", NULL, at, 3), !t->first_fail_ns, "none");
}

struct rec_field *report_add_predicted_failure(struct record *rec, double at_s,
					       const char *none)
{
	struct rec_field *f = rec_float(rec, "predicted_first_failure_s", NULL, at_s, 3);
	return rec_null_when(f, at_s < 0, none);
}

struct rec_field *report_add_predicted_rate(struct record *rec, const struct port_model *m)
{
	struct rec_field *f = rec_float(rec, "predicted_rate", NULL, m->sustainable, 1);
	return rec_null_when(f, m->sustainable < 0, "unbounded");
}

/* The failure table as counts by cause. */
struct fail_walk {
	rec_count_fn fn;
	void *ctx;
};

static void fail_visit(void *ctx, const char *key, uint32_t count)
{
	struct fail_walk *w = ctx;
	w->fn(w->ctx, key, count, 1);
}

static void each_fail(const void *src, rec_count_fn fn, void *ctx)
{
	struct fail_walk w = {fn, ctx};
	fail_table_visit(src, fail_visit, &w);
}

void report_add_failed_by(struct record *rec, const struct loop_result *res)
{
	rec_counts(rec, "failed_by", NULL, each_fail, &res->fails, REC_COMPACT);
}

/* The connections' latencies, which the compact line shows in units. */
static const char conn_us[] = "conn_us";

void report_add_latencies(struct record *rec, const struct client_opts *o,
			  const struct loop_result *res)
{
	rec_hist(rec, "connect_us", NULL, &res->connect_us, 0);
	rec_hist(rec, conn_us, NULL, &res->conn_us, 0);
	report_add_http(rec, o, res);
}

/* Every kernel counter by name, present or not (a CSV column each). */
static void each_kcounter(const void *src, rec_count_fn fn, void *ctx)
{
	const struct kcounters *k = src;
	for (int i = 0; i < KC_COUNT; i++)
		fn(ctx, kcounter_name(i), k->v[i], (k->present >> i) & 1);
}

void report_add_kernel(struct record *rec, const struct loop_result *res)
{
	int tw = (res->kv.measured & MEASURED_TIME_WAIT) != 0;
	int wait = (res->kv.measured & MEASURED_WAIT_CLEAR) != 0;
	rec_when(rec_uint(rec, "time_wait", NULL, res->kv.time_wait), tw)->flags = REC_COMPACT;
	rec_when(rec_counts(rec, "kernel", NULL, each_kcounter, &res->kv.kernel, REC_EXPAND),
		 res->kv.kernel.present != 0);
	struct rec_field *f = rec_float(rec, "wait_clear_s", NULL, report_seconds(res->kv.wait_clear_ns), 3);
	rec_when(f, wait)->in = REC_CSV | REC_JSON; /* text: a line on stderr (report_wait_clear) */
	rec_when(rec_uint(rec, "wait_clear_left", NULL, res->kv.wait_clear_left), wait)->in =
		REC_CSV | REC_JSON;
}

void report_human_us(uint64_t us, char *buf, size_t len)
{
	double v = (double)us;
	if (us < 1000)
		snprintf(buf, len, "%" PRIu64 "us", us);
	else if (us < 9995)
		snprintf(buf, len, "%.2fms", v / 1e3);
	else if (us < 99950)
		snprintf(buf, len, "%.1fms", v / 1e3);
	else if (us < 999500)
		snprintf(buf, len, "%.0fms", v / 1e3);
	else if (us < 9995000)
		snprintf(buf, len, "%.2fs", v / 1e6);
	else if (us < 99950000)
		snprintf(buf, len, "%.1fs", v / 1e6);
	else
		snprintf(buf, len, "%.0fs", v / 1e6);
}

void report_compact(struct record *rec, const struct report *r, int summary, char *lat)
{
	if (summary || r->opts->format != FORMAT_TEXT || r->opts->verbose)
		return;
	const struct rec_field *conn = NULL;
	for (size_t i = 0; i < rec->n; i++)
		if (rec->f[i].key == conn_us)
			conn = &rec->f[i];
	rec_text_compact(rec);
	if (conn == NULL || conn->kind != REC_HIST || conn->v.h.count == 0)
		return;
	char p50[16], p99[16];
	report_human_us(conn->v.h.p50, p50, sizeof(p50));
	report_human_us(conn->v.h.p99, p99, sizeof(p99));
	snprintf(lat, REPORT_LATENCY_LEN, "%s/%s", p50, p99);
	rec_verbatim(rec, "latency", "p50/p99", lat)->in = REC_TEXT;
}

void report_write_row(const struct report *r, report_row_fn fields, const void *ctx,
		      const struct loop_result *res, uint32_t n, int summary, int interrupted)
{
	static const struct loop_result zero;
	struct record head, rec;
	char lat[REPORT_LATENCY_LEN];
	struct run_ident hid, id;
	if (r->opts->format == FORMAT_CSV || res == NULL) { /* the CSV columns */
		struct report_row cols = {.res = &zero, .summary = 1, .head = 1, .ctx = ctx};
		fields(&head, r, &hid, &cols);
	}
	if (res == NULL)
		rec_write_csv_header(r->out, &head);
	else {
		struct report_row row = {res, n, summary, interrupted, 0, ctx};
		fields(&rec, r, &id, &row);
		report_compact(&rec, r, summary, lat);
		rec_write(r->out, r->opts->format, &head, &rec);
	}
	fflush(r->out);
}
