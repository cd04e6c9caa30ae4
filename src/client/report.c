/* The loop records of the client (the concurrent and sequential strategies), the
 * --wait-clear note and the --report-conns records. Text keeps the original program's
 * first four fields, in its order and spelling; new fields only ever follow them. */
#include "client/report.h"

#include <inttypes.h>
#include <string.h>

#include "lib/json.h"
#include "client/report_parts.h"
#include "lib/twtest.h"

static void write_loop_record(const struct report *r, const struct loop_result *res, uint32_t n,
			      int summary, int interrupted);

/* A sysctl value for JSON: a number, or null when the kernel lacks it. */
static void json_sysctl(FILE *out, const char *name, long v, int last)
{
	fprintf(out, "\"%s\":", name);
	if (v < 0)
		fputs("null", out);
	else
		fprintf(out, "%ld", v);
	if (!last)
		fputc(',', out);
}

/* The loop header in text: the settings line, then the port lines. */
static void header_text(const struct report *r, const char *dst)
{
	const struct client_opts *o = r->opts;
	const struct net_sysctls *s = &r->sys;
	char delay[TW_DELAY_TOKEN_LEN];
	fprintf(r->out,
		"# twtest %s client dst=%s loops=%" PRIu32 " conns=%" PRIu32 " payload=%" PRIu32
		" close=%s reuseport=%d linger=%d timeout_ms=%" PRIu32 " threads=%" PRIu32
		" tcp_tw_reuse=%ld tcp_tw_reuse_delay=%s ip_local_port_range=%ld-%ld"
		" tcp_timestamps=%ld tcp_max_tw_buckets=%ld\n",
		TWTEST_VERSION, dst, o->loops, o->conns_total, o->payload,
		client_close_names[o->close_mode], o->reuseport, o->linger, o->timeout_ms,
		o->threads, s->tw_reuse, tw_reuse_delay_token(s->tw_reuse_delay_ms, delay),
		s->port_lo, s->port_hi, s->timestamps, s->max_tw_buckets);
	report_port_lines(r->out, o);
	if (r->model.range_note[0]) /* e.g. --local-port-range bounds the kernel ignores */
		fprintf(r->out, "# note: %s\n", r->model.range_note);
	report_protocol_header(r->out, o);
	run_start_text(r->out, &r->start, o);
}

/* The header object's "sysctl" member. */
static void header_json_sysctls(FILE *out, const struct net_sysctls *s)
{
	fputs(",\"sysctl\":{", out);
	json_sysctl(out, "net.ipv4.tcp_tw_reuse", s->tw_reuse, 0);
	json_sysctl(out, "net.ipv4.tcp_tw_reuse_delay", s->tw_reuse_delay_ms, 0);
	if (s->port_lo < 0)
		fputs("\"net.ipv4.ip_local_port_range\":null,", out);
	else
		fprintf(out, "\"net.ipv4.ip_local_port_range\":\"%ld-%ld\",", s->port_lo, s->port_hi);
	json_sysctl(out, "net.ipv4.tcp_timestamps", s->timestamps, 0);
	json_sysctl(out, "net.ipv4.tcp_max_tw_buckets", s->max_tw_buckets, 1);
	fputc('}', out);
}

/* The loop header in JSON: one object with the settings and the sysctls. */
static void header_json(const struct report *r, const char *dst)
{
	const struct client_opts *o = r->opts;
	FILE *out = r->out;
	char id[512];
	fprintf(out, "{\"type\":\"header\"%s,\"version\":\"%s\",\"dst\":",
		run_start_json(id, sizeof(id), &r->start, o), TWTEST_VERSION);
	json_write_string(out, o->dst_name);
	fprintf(out, ",\"dst_addr\":\"%s\",\"port\":%u,\"loops\":%" PRIu32 ",\"conns\":%" PRIu32
		",\"payload\":%" PRIu32 ",\"timeout_ms\":%" PRIu32 ",\"interval_ms\":%" PRIu32
		",\"close\":\"%s\",\"reuseport\":%s,\"linger\":%s,\"reuseaddr\":%s,\"bind\":",
		dst, o->port, o->loops, o->conns_total, o->payload, o->timeout_ms, o->interval_ms,
		client_close_names[o->close_mode], o->reuseport ? "true" : "false",
		o->linger ? "true" : "false", o->reuseaddr ? "true" : "false");
	if (o->bind_name)
		json_write_string(out, o->bind_name);
	else
		fputs("null", out);
	if (client_destinations(o) > 1) {
		fprintf(out, ",\"destinations\":%" PRIu64 ",\"ports\":", client_destinations(o));
		json_write_string(out, o->port_name ? o->port_name : "");
	}
	fprintf(out, ",\"bind_no_port\":%s,\"threads\":%" PRIu32 ",\"local_port_range\":",
		o->bind_no_port ? "true" : "false", o->threads);
	if (o->port_hi)
		fprintf(out, "\"%u-%u\"", o->port_lo, o->port_hi);
	else
		fputs("null", out);
	report_protocol_header(out, o);
	header_json_sysctls(out, &r->sys);
	if (o->shards > 1)
		fprintf(out, ",\"shard_conns\":%" PRIu32, o->conns);
	fputs("}\n", out);
}

void report_header(const struct report *r)
{
	char dst[80];
	endpoint_str(&r->opts->dst, dst, sizeof(dst));
	switch (r->opts->format) {
	case FORMAT_TEXT: header_text(r, dst); break;
	case FORMAT_CSV: write_loop_record(r, NULL, 0, 0, 0); break;
	case FORMAT_JSON: header_json(r, dst); break;
	}
	fflush(r->out);
}

/* Strings a loop record points at until it is written. */
struct loop_strings {
	struct run_ident id;
	char port[16], delay[TW_DELAY_TOKEN_LEN], port_range[48];
};

/* The options and sysctls that decide the outcome: CSV only, in every row. */
static void add_settings(struct record *rec, const struct report *r, struct loop_strings *b)
{
	const struct client_opts *o = r->opts;
	const struct net_sysctls *s = &r->sys;
	/* DSTIP as given, and the port in its own column; lists are quoted (they hold commas). */
	unsigned list = client_destinations(o) > 1 ? REC_QUOTE : 0;
	snprintf(b->port, sizeof(b->port), "%u", o->port);
	snprintf(b->port_range, sizeof(b->port_range), "%ld-%ld", s->port_lo, s->port_hi);
	size_t first = rec->n;
	rec_string(rec, "dst", NULL, o->dst_name)->flags = list;
	rec_string(rec, "port", NULL, list && o->port_name ? o->port_name : b->port)->flags = list;
	rec_uint(rec, "payload", NULL, o->payload);
	rec_string(rec, "close", NULL, client_close_names[o->close_mode]);
	rec_int(rec, "reuseport", NULL, o->reuseport);
	rec_int(rec, "linger", NULL, o->linger);
	rec_int(rec, "tw_reuse", NULL, s->tw_reuse);
	rec_string(rec, "tw_reuse_delay_ms", NULL, tw_reuse_delay_token(s->tw_reuse_delay_ms, b->delay));
	rec_string(rec, "port_range", NULL, b->port_range);
	rec_int(rec, "timestamps", NULL, s->timestamps);
	rec_int(rec, "max_tw_buckets", NULL, s->max_tw_buckets);
	for (size_t i = first; i < rec->n; i++)
		rec->f[i].in = REC_CSV;
}

/* A loop's record (summary 0) or the run's total over `n` loops: every field once. */
static void loop_record(struct record *rec, const struct report *r, struct loop_strings *b,
			const struct loop_result *res, uint32_t n, int summary, int interrupted)
{
	rec_init(rec, summary ? "summary: " : NULL);
	report_add_type(rec, summary ? "summary" : "loop", &b->id, r);
	report_add_index(rec, "loop", "loops", n, summary, interrupted);
	rec_uint(rec, "conns", NULL, res->conns)->in = REC_CSV | REC_JSON;
	rec_uint(rec, "finished", NULL, res->finished);
	rec_uint(rec, "failed", NULL, res->failed);
	rec_float(rec, "time_s", NULL, report_seconds(res->elapsed_ns), 3);
	rec_float(rec, "conn_per_s", NULL, loop_result_rate(res), 0);
	report_add_failed_by(rec, res);
	add_settings(rec, r, b);
	report_add_latencies(rec, r->opts, res);
	report_add_kernel(rec, res);
}

/* A loop's or the summary's record in the run's format (res NULL: the CSV header). */
static void write_loop_record(const struct report *r, const struct loop_result *res, uint32_t n,
			      int summary, int interrupted)
{
	static const struct loop_result zero;
	struct record head, rec;
	struct loop_strings hb, b;
	if (r->opts->format == FORMAT_CSV || res == NULL)
		loop_record(&head, r, &hb, &zero, 0, 0, 0); /* the CSV columns */
	if (res == NULL)
		rec_write_csv_header(r->out, &head);
	else {
		loop_record(&rec, r, &b, res, n, summary, interrupted);
		rec_write(r->out, r->opts->format, &head, &rec);
	}
	fflush(r->out);
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
	if (r->opts->format == FORMAT_JSON) {
		char id[512];
		fprintf(r->out,
			"{\"type\":\"conn\"%s,\"loop\":%" PRIu32 ",\"conn\":%" PRIu32
			",\"local_port\":%u,\"result\":\"%s\",\"sent\":%" PRIu64 ",\"rcvd\":%" PRIu64
			",\"close_trigger\":\"%s\",\"eof_state\":\"%s\",\"eof_unread\":%" PRIu32
			",\"shut_wr\":%s,\"close_state\":\"%s\",\"close_unread\":%" PRIu32
			",\"close_error\":\"%s\"}\n",
			run_start_json(id, sizeof(id), &r->start, r->opts), c->loop, c->conn, c->local_port, result, c->sent, c->rcvd, c->close_trigger,
			conn_state(c->eof_state), c->eof_unread, c->shut_wr ? "true" : "false",
			conn_state(c->close_state), c->close_unread, err ? err : "");
	} else {
		fprintf(r->out,
			"conn: %" PRIu32 ", loop: %" PRIu32 ", local_port: %u, result: %s, sent: %" PRIu64
			", rcvd: %" PRIu64 ", close_trigger: %s, eof_state: %s, eof_unread: %" PRIu32
			", shut_wr: %d, close_state: %s, close_unread: %" PRIu32 ", close_error: %s\n",
			c->conn, c->loop, c->local_port, result, c->sent, c->rcvd, c->close_trigger,
			conn_state(c->eof_state), c->eof_unread, c->shut_wr,
			conn_state(c->close_state), c->close_unread, err ? err : "-");
	}
	fflush(r->out);
}
