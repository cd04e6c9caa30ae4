/* Failure classification and per-loop totals. */
#include "client/loopstats.h"

#include <stdio.h>
#include <string.h>

static const char *const stage_names[STAGE_COUNT] = {
	"socket", "sockopt", "bind", "connect", "write", "read", "echo", "status", "response",
	"timeout", "interrupted", "shed",
};
static const char *const echo_names[] = {"short", "mismatch", "extra"};
static const char *const response_names[] = {"EPROTO", "EMSGSIZE", "short"};
static const char *const timeout_names[] = {"connect", "echo", "eof", "response"};

const char *fail_stage_name(enum fail_stage stage)
{
	return stage < STAGE_COUNT ? stage_names[stage] : "?";
}

const char *fail_detail_name(enum fail_stage stage, int detail)
{
	switch (stage) {
	case STAGE_ECHO:
		return detail >= 0 && detail <= ECHO_EXTRA ? echo_names[detail] : "?";
	case STAGE_TIMEOUT:
		return detail >= 0 && detail <= WAIT_RESPONSE ? timeout_names[detail] : "?";
	case STAGE_RESPONSE:
		return detail >= 0 && detail <= RESPONSE_SHORT ? response_names[detail] : "?";
	case STAGE_STATUS: {
		static __thread char code[8]; /* "400".."599" */
		snprintf(code, sizeof(code), "%d", 400 + (detail >= 0 && detail < 200 ? detail : 0));
		return code;
	}
	case STAGE_INTERRUPTED:
		return "";
	case STAGE_SHED:
		return "inflight";
	default: {
		const char *name = detail ? strerrorname_np(detail) : NULL;
		return name ? name : "unknown";
	}
	}
}

void fail_table_add(struct fail_table *dst, const struct fail_table *src)
{
	for (int s = 0; s < STAGE_COUNT; s++)
		for (int d = 0; d < FAIL_DETAILS; d++)
			dst->count[s][d] += src->count[s][d];
}

void fail_table_visit(const struct fail_table *t, fail_visit_fn fn, void *ctx)
{
	char key[64];
	for (int s = 0; s < STAGE_COUNT; s++) {
		for (int d = 0; d < FAIL_DETAILS; d++) {
			if (t->count[s][d] == 0)
				continue;
			const char *detail = fail_detail_name((enum fail_stage)s, d);
			if (*detail)
				snprintf(key, sizeof(key), "%s/%s", stage_names[s], detail);
			else
				snprintf(key, sizeof(key), "%s", stage_names[s]);
			fn(ctx, key, t->count[s][d]);
		}
	}
}

void conn_counts_add(struct conn_counts *total, const struct conn_counts *c)
{
	total->conns += c->conns;
	total->finished += c->finished;
	total->failed += c->failed;
	total->elapsed_ns += c->elapsed_ns;
	fail_table_add(&total->fails, &c->fails);
	hist_merge(&total->connect_us, &c->connect_us);
	hist_merge(&total->conn_us, &c->conn_us);
	hist_merge(&total->req_us, &c->req_us);
	total->http.responses += c->http.responses;
	total->http.reconnects += c->http.reconnects;
	hist_merge(&total->http.carried, &c->http.carried);
	if (c->http.responses)
		for (int i = 0; i < HTTP_STATUS_SLOTS; i++)
			total->http.status[i] += c->http.status[i];
	if (c->first_fail_ns && (total->first_fail_ns == 0 || c->first_fail_ns < total->first_fail_ns))
		total->first_fail_ns = c->first_fail_ns;
}

void rate_view_add(struct rate_view *total, const struct rate_view *r)
{
	total->due += r->due;
	total->started += r->started;
	total->inflight = r->inflight;
	if (r->inflight_max > total->inflight_max)
		total->inflight_max = r->inflight_max;
	total->reached = r->reached;
	hist_merge(&total->lag_us, &r->lag_us);
	total->t_ns = r->t_ns > total->t_ns ? r->t_ns : total->t_ns;
	if (r->first_failed && (total->first_failed == 0 || r->first_failed < total->first_failed))
		total->first_failed = r->first_failed;
	total->tail_finished += r->tail_finished;
	total->tail_ns += r->tail_ns;
}

void loop_result_add(struct loop_result *total, const struct loop_result *r)
{
	conn_counts_add(&total->counts, &r->counts);
	rate_view_add(&total->rate, &r->rate);
	kcounters_add(&total->kv.kernel, &r->kv.kernel);
	total->kv.measured |= r->kv.measured;
	if (r->kv.measured & MEASURED_TIME_WAIT)
		total->kv.time_wait = r->kv.time_wait;
	if (r->kv.measured & MEASURED_WAIT_CLEAR) {
		total->kv.wait_clear_ns += r->kv.wait_clear_ns;
		total->kv.wait_clear_left = r->kv.wait_clear_left;
	}
}

double loop_result_rate(const struct loop_result *r)
{
	if (r->elapsed_ns == 0)
		return 0;
	return (double)r->finished * 1e9 / (double)r->elapsed_ns;
}
