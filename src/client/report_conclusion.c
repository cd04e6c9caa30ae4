/* The run's conclusion, as `make demo` says it: one plain line at the end of every text run
 * ("# conclusion: ...", a comment to parsers of the seed's format) and a "conclusion" record
 * in JSON with the same figures: what happened, why (the port model of the host as it was),
 * and which knob would change it. */
#include "client/report_conclusion.h"

#include <inttypes.h>
#include <string.h>

#include "client/report_parts.h"

/* The most frequent failure cause ("connect/EADDRNOTAVAIL") and its count. */
struct top_cause {
	char key[64];
	uint32_t count;
};

static void top_visit(void *ctx, const char *key, uint32_t count)
{
	struct top_cause *t = ctx;
	if (count > t->count) {
		t->count = count;
		snprintf(t->key, sizeof(t->key), "%s", key);
	}
}

/* Is cause the sign of no free port: connect() finding none, or bind(port 0)? */
static int out_of_ports(const char *cause)
{
	return strcmp(cause, "connect/EADDRNOTAVAIL") == 0 || strcmp(cause, "bind/EADDRINUSE") == 0;
}

/* The run's figures the conclusion says, gathered once for text and JSON. */
struct conclusion {
	const char *outcome;       /* "finished", "ports_ran_out" or "failed" */
	struct top_cause cause;
	int loops;                 /* loop mode: first failures by loop, not by time */
	int64_t first_loop, predicted_loop;       /* -1: none */
	double first_s, predicted_s;              /* -1: none */
	char text[1024];
};

/* "the first in loop 2, the model said loop 2" or "... at 1.003 s, the model said 1.0 s". */
static size_t say_first(char *b, size_t len, const struct conclusion *c)
{
	if (c->loops && c->predicted_loop >= 0)
		return (size_t)snprintf(b, len, ", the first in loop %" PRId64 " (the model said loop %" PRId64 ")",
					c->first_loop, c->predicted_loop);
	if (c->loops)
		return (size_t)snprintf(b, len, ", the first in loop %" PRId64 " (the model said none)", c->first_loop);
	if (c->predicted_s >= 0)
		return (size_t)snprintf(b, len, ", the first at %.3f s (the model said %.1f s)", c->first_s,
					c->predicted_s);
	return (size_t)snprintf(b, len, ", the first at %.3f s (the model said none)", c->first_s);
}

/* Why the ports ran out and what would change it. */
static void say_ports(char *b, size_t len, const struct port_model *m, const struct client_opts *o)
{
	int n = snprintf(b, len, ": no free port (%" PRIu64 " of %" PRIu64 " were free at the start",
			 m->free, m->ports);
	if (m->held)
		n += snprintf(b + n, len - (size_t)n, ", %" PRIu64 " held already, %" PRIu64 " of them in TIME_WAIT",
			      m->held, m->held_tw);
	if (m->holds_tw)
		n += snprintf(b + n, len - (size_t)n, ") and each closed connection keeps its port %s in "
			      "TIME_WAIT (reuse: %s); ", m->reuse ? "until the reuse delay" : "60 s", m->reuse_why);
	else
		n += snprintf(b + n, len - (size_t)n, "): the held ports stay taken until their TIME_WAIT "
			      "ends (reuse: %s); ", m->reuse_why);
	if (!m->reuse)
		n += snprintf(b + n, len - (size_t)n, "tcp_tw_reuse=1, ");
	else if (o->rate == 0 && o->concurrency == 0)
		n += snprintf(b + n, len - (size_t)n, "--interval %u (the reuse delay), ", m->reuse_delay_ms);
	snprintf(b + n, len - (size_t)n, "--linger, more ports (--local-port-range, ip_local_port_range) "
		 "or --bind sources%s would change it",
		 o->rate ? ", or a --rate below the sustainable one" : "");
}

/* Why none failed and what would make them. */
static void say_finished(char *b, size_t len, const struct port_model *m, const struct client_opts *o,
			 const struct loop_result *t)
{
	uint64_t recycled = t->kv.kernel.present ? t->kv.kernel.v[KC_TW_RECYCLED] : 0;
	if (!m->holds_tw)
		snprintf(b, len, ": the client holds no TIME_WAIT (%s), so each port comes back at close",
			 o->linger ? "--linger: close() sends RST" : "the server closes first");
	else if (m->reuse && recycled)
		snprintf(b, len, ": tcp_tw_reuse took %" PRIu64 " TIME_WAIT ports over (TWRecycled; %s); "
			 "with tcp_tw_reuse=0 the %" PRIu64 " free ports would have been the limit",
			 recycled, m->reuse_why, m->free);
	else
		snprintf(b, len, ": the %" PRIu64 " free ports (of %" PRIu64 "%s) sufficed; more "
			 "connections within TIME_WAIT's 60 s than that would fail with EADDRNOTAVAIL "
			 "unless tcp_tw_reuse or --linger", m->free, m->ports,
			 m->held ? ", less those held already" : "");
}

static void conclude(struct conclusion *c, const struct report *r, const struct loop_result *t)
{
	const struct client_opts *o = r->opts;
	const struct port_model *m = &r->model;
	memset(c, 0, sizeof(*c));
	fail_table_visit(&t->fails, top_visit, &c->cause);
	c->loops = o->rate == 0 && o->concurrency == 0;
	c->first_loop = t->rate.first_failed ? (int64_t)t->rate.first_failed - 1 : -1;
	c->predicted_loop = m->first_failing_loop;
	c->first_s = t->first_fail_ns ? report_seconds(t->first_fail_ns - 1) : -1;
	c->predicted_s = o->concurrency ? port_model_first_failure_s(m, t->rate.reached) : m->first_failure_s;
	uint64_t n = t->finished + t->failed;
	size_t k = (size_t)snprintf(c->text, sizeof(c->text), t->failed ? "%" PRIu64 " of %" PRIu64
				    " connections failed" : "all %" PRIu64 " connections finished",
				    t->failed ? t->failed : n, n);
	if (t->failed == 0) {
		c->outcome = "finished";
		say_finished(c->text + k, sizeof(c->text) - k, m, o, t);
		return;
	}
	k += say_first(c->text + k, sizeof(c->text) - k, c);
	if (k < sizeof(c->text) && out_of_ports(c->cause.key)) {
		c->outcome = "ports_ran_out";
		say_ports(c->text + k, sizeof(c->text) - k, m, o);
	} else if (k < sizeof(c->text)) {
		c->outcome = "failed";
		snprintf(c->text + k, sizeof(c->text) - k, ", most as %s (%" PRIu32 "): not a shortage "
			 "of ports; failed_by names every cause", c->cause.key, c->cause.count);
	}
}

void report_conclusion(const struct report *r, const struct loop_result *total)
{
	struct conclusion c;
	conclude(&c, r, total);
	if (r->opts->format == FORMAT_TEXT) {
		fprintf(r->out, "# conclusion: %s\n", c.text);
	} else if (r->opts->format == FORMAT_JSON) {
		struct record rec;
		struct run_ident id;
		rec_init(&rec, NULL);
		report_add_type(&rec, "conclusion", &id, r);
		rec_string(&rec, "outcome", NULL, c.outcome);
		rec_null_when(rec_string(&rec, "cause", NULL, c.cause.key), total->failed == 0, NULL);
		if (c.loops) {
			rec_null_when(rec_uint(&rec, "first_failed_loop", NULL, (uint64_t)c.first_loop), c.first_loop < 0, NULL);
			rec_null_when(rec_uint(&rec, "predicted_first_failing_loop", NULL, (uint64_t)c.predicted_loop),
				      c.predicted_loop < 0, NULL);
		} else {
			report_add_first_failure(&rec, total);
			report_add_predicted_failure(&rec, c.predicted_s, NULL);
		}
		rec_string(&rec, "text", NULL, c.text);
		rec_write_json(r->out, &rec);
	}
	fflush(r->out);
}
