/* The loop records of the client (the concurrent and sequential strategies), the
 * --wait-clear note and the --report-conns records. Text keeps the original program's
 * first four fields, in its order and spelling; new fields only ever follow them. */
#include "client/report.h"

#include <inttypes.h>
#include <string.h>

#include "lib/json.h"
#include "client/report_parts.h"
#include "lib/twtest.h"

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

/* The loop header in CSV: the column names. */
static void header_csv(const struct report *r)
{
	fputs("type,loop,conns,finished,failed,time_s,conn_per_s,failed_by,dst,port,payload,"
	      "close,reuseport,linger,tw_reuse,tw_reuse_delay_ms,port_range,timestamps,"
	      "max_tw_buckets,connect_us_min,connect_us_p50,connect_us_p99,connect_us_max,"
	      "conn_us_min,conn_us_p50,conn_us_p99,conn_us_max",
	      r->out);
	report_protocol_header(r->out, r->opts);
	report_kernel_csv_header(r->out);
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
	case FORMAT_CSV: header_csv(r); break;
	case FORMAT_JSON: header_json(r, dst); break;
	}
	fflush(r->out);
}

/* The constant tail of every CSV row: the options and sysctls that decide the outcome. */
static void csv_settings(const struct report *r)
{
	const struct client_opts *o = r->opts;
	const struct net_sysctls *s = &r->sys;
	/* DSTIP as given, and the port in its own column; lists are quoted (they hold commas). */
	char port[16];
	snprintf(port, sizeof(port), "%u", o->port);
	int quote = client_destinations(o) > 1;
	fprintf(r->out, quote ? ",\"%s\",\"%s\"" : ",%s,%s", o->dst_name,
		quote && o->port_name ? o->port_name : port);
	char delay[TW_DELAY_TOKEN_LEN];
	fprintf(r->out, ",%" PRIu32 ",%s,%d,%d,%ld,%s,%ld-%ld,%ld,%ld", o->payload, client_close_names[o->close_mode], o->reuseport,
		o->linger, s->tw_reuse, tw_reuse_delay_token(s->tw_reuse_delay_ms, delay), s->port_lo,
		s->port_hi, s->timestamps, s->max_tw_buckets);
}

static void write_latencies(FILE *out, const struct client_opts *o, const struct loop_result *res)
{
	report_latency(out, o->format, "connect_us", &res->connect_us);
	report_latency(out, o->format, "conn_us", &res->conn_us);
	report_http_fields(out, o, res);
}

/* A loop's or the summary's line in text: the original's four fields, then the new ones. */
static void numbers_text(const struct report *r, const char *loop_field,
			 const struct loop_result *res)
{
	FILE *out = r->out;
	fprintf(out, "%sfinished_count: %" PRIu64 ", failed_count: %" PRIu64
		", time(s): %.3f, conn/s: %.0f",
		loop_field, res->finished, res->failed, report_seconds(res->elapsed_ns),
		loop_result_rate(res));
	if (res->failed) {
		fputs(", failed_by: ", out);
		report_failed_by(out, &res->fails, report_visit_text);
	}
	write_latencies(out, r->opts, res);
	report_kernel_text(out, res);
	fputc('\n', out);
}

/* The same as a CSV row (`type` is its first column). */
static void numbers_csv(const struct report *r, const char *type, const char *loop_field,
			const struct loop_result *res)
{
	FILE *out = r->out;
	fprintf(out, "%s,%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.3f,%.0f,", type, loop_field,
		res->conns, res->finished, res->failed, report_seconds(res->elapsed_ns),
		loop_result_rate(res));
	report_failed_by(out, &res->fails, report_visit_text);
	csv_settings(r);
	write_latencies(out, r->opts, res);
	report_kernel_csv(out, res);
}

/* The same as a JSON object of type `type`. */
static void numbers_json(const struct report *r, const char *type, const char *loop_field,
			 const struct loop_result *res)
{
	FILE *out = r->out;
	char id[512];
	fprintf(out, "{\"type\":\"%s\"%s,%s\"conns\":%" PRIu64 ",\"finished\":%" PRIu64
		",\"failed\":%" PRIu64 ",\"time_s\":%.3f,\"conn_per_s\":%.0f,\"failed_by\":{",
		type, run_start_json(id, sizeof(id), &r->start, r->opts), loop_field, res->conns,
		res->finished, res->failed, report_seconds(res->elapsed_ns), loop_result_rate(res));
	report_failed_by(out, &res->fails, report_visit_json);
	fputc('}', out);
	write_latencies(out, r->opts, res);
	report_kernel_json(out, res);
	fputs("}\n", out);
}

/* The numbers common to a loop and a summary, in each format. */
static void write_numbers(const struct report *r, const char *type, const char *loop_field,
			  const struct loop_result *res)
{
	switch (r->opts->format) {
	case FORMAT_TEXT: numbers_text(r, loop_field, res); break;
	case FORMAT_CSV: numbers_csv(r, type, loop_field, res); break;
	case FORMAT_JSON: numbers_json(r, type, loop_field, res); break;
	}
	fflush(r->out);
}

void report_loop(const struct report *r, const struct loop_result *res)
{
	char field[48];
	switch (r->opts->format) {
	case FORMAT_TEXT: snprintf(field, sizeof(field), "loop: %" PRIu32 ", ", res->loop); break;
	case FORMAT_CSV: snprintf(field, sizeof(field), "%" PRIu32, res->loop); break;
	case FORMAT_JSON: snprintf(field, sizeof(field), "\"loop\":%" PRIu32 ",", res->loop); break;
	}
	write_numbers(r, "loop", field, res);
}

void report_summary(const struct report *r, const struct loop_result *total, uint32_t loops_done,
		    int interrupted)
{
	char field[64];
	switch (r->opts->format) {
	case FORMAT_TEXT:
		snprintf(field, sizeof(field), "summary: loops: %" PRIu32 "%s, ", loops_done,
			 interrupted ? " (interrupted)" : "");
		break;
	case FORMAT_CSV: snprintf(field, sizeof(field), "%" PRIu32, loops_done); break;
	case FORMAT_JSON:
		snprintf(field, sizeof(field), "\"loops\":%" PRIu32 ",\"interrupted\":%s,", loops_done,
			 interrupted ? "true" : "false");
		break;
	}
	write_numbers(r, "summary", field, total);
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
