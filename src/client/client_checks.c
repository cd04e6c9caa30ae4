/* The client's rules between options (src/client/client_cli.c parses each one alone): an
 * option outside its strategy's scope, closed-loop mode's own rules, and every other
 * pairing that is refused, each with a one-line message naming the options. */
#include "client/client_checks.h"

#include <string.h>

/* Refuse a given option outside its strategies' scope; PARSE_OK if every one fits. */
static enum parse_result check_scopes(const struct client_opts *o, const struct cli_parse *p,
				      char *err, size_t errlen)
{
	enum client_strategy_id id = client_strategy_of(o);
	const char *val = NULL;
	const struct cli_option *r = cli_out_of_scope(p, STRATEGY_BIT(id), &val);
	if (r == NULL)
		return PARSE_OK;
	return cli_fail(err, errlen, "--%s%s%s conflicts with %s%s%s%s", r->name, val ? " " : "",
			val ? val : "", client_strategy_names[id], r->why ? " (" : "",
			r->why ? r->why : "", r->why ? ")" : "");
}

/* When the operands are wrong and an option given needs one not given (`--duration 3` without
 * --rate: its row's why says "it needs --rate"), that is the mistake: say so in err instead. */
void client_needs_another(const struct client_opts *o, const struct cli_parse *p, char *err,
			  size_t errlen)
{
	const char *val = NULL;
	const struct cli_option *r = cli_out_of_scope(p, STRATEGY_BIT(client_strategy_of(o)), &val);
	if (r == NULL || r->why == NULL || strncmp(r->why, "it needs ", 9) != 0)
		return;
	cli_fail(err, errlen, "--%s%s%s needs %s (or give DSTIP LOOPS CONNS without it)", r->name,
		 val ? " " : "", val ? val : "", r->why + 9);
}

/* The closed-loop mode's own rules (with --rate, --concurrency is refused by its scope). */
static enum parse_result check_closed(const struct client_opts *o, char *err, size_t errlen)
{
	if (o->rate || !o->concurrency)
		return PARSE_OK;
	if (o->count && o->duration_s)
		return cli_fail(err, errlen, "--count %u conflicts with --duration %u: either ends the run",
				o->count, o->duration_s);
	if (!o->count && !o->duration_s)
		return cli_fail(err, errlen, "--concurrency %u needs --duration S or --count N",
				o->concurrency);
	if (o->threads > o->concurrency)
		return cli_fail(err, errlen, "--threads %u is more than --concurrency %u", o->threads,
				o->concurrency);
	if (o->payload == 0)
		return cli_fail(err, errlen, "--payload 0 conflicts with --concurrency: only the "
				"sequential close scenarios send nothing");
	return PARSE_OK;
}

/* Cross-option rules, one message each. */
enum parse_result client_validate(struct client_opts *o, const struct cli_parse *p, char *err,
				  size_t errlen)
{
	if (o->linger && o->close_mode == CLIENT_CLOSE_SHUTDOWN)
		return cli_fail(err, errlen, "--linger conflicts with --close=shutdown: the FIN is already sent, RST cannot replace it");
	if (check_closed(o, err, errlen) != PARSE_OK)
		return PARSE_ERROR;
	if (!o->rate && !o->concurrency && o->conns_total < o->shards)
		return cli_fail(err, errlen, "--shard %u/%u needs CONNS of at least %u (each host opens "
				"its share of CONNS %u)", o->shard, o->shards, o->shards, o->conns_total);
	if (o->rate && o->rate < o->shards)
		return cli_fail(err, errlen, "--shard %u/%u needs --rate of at least %u (each host makes "
				"its share of R %u)", o->shard, o->shards, o->shards, o->rate);
	if (!o->rate && !o->concurrency && o->threads > o->conns)
		return cli_fail(err, errlen, "--threads %u is more than CONNS %u", o->threads, o->conns);
	if (o->rate && o->payload == 0)
		return cli_fail(err, errlen, "--payload 0 conflicts with --rate: only the sequential close "
			    "scenarios send nothing");
	if (o->rate && !o->duration_s)
		return cli_fail(err, errlen, "--rate %u needs --duration S", o->rate);
	if (o->rate && o->max_inflight && o->threads > o->max_inflight)
		return cli_fail(err, errlen, "--threads %u is more than --max-inflight %u", o->threads,
			    o->max_inflight);
	if ((cli_given(p, "http-path") || cli_given(p, "http-host") || cli_given(p, "max-response")) &&
	    o->protocol != CLIENT_PROTO_HTTP)
		return cli_fail(err, errlen, "--%s needs --protocol http",
				cli_given(p, "http-path") ? "http-path"
				: cli_given(p, "http-host") ? "http-host" : "max-response");
	if (o->protocol == CLIENT_PROTO_CONNECT && cli_given(p, "requests-per-conn"))
		return cli_fail(err, errlen, "--requests-per-conn conflicts with --protocol connect: "
			    "nothing is exchanged");
	if (o->protocol != CLIENT_PROTO_ECHO && cli_given(p, "payload"))
		return cli_fail(err, errlen, "--payload conflicts with --protocol %s: it sizes the echo",
			    client_protocol_names[o->protocol]);
	if (cli_given(p, "wait-clear-timeout") && !o->wait_clear)
		return cli_fail(err, errlen, "--wait-clear-timeout needs --wait-clear");
	if (o->bind_no_port && o->bind_name == NULL)
		return cli_fail(err, errlen, "--bind-no-port needs --bind ADDR");
	if (o->freebind && o->bind_name == NULL)
		return cli_fail(err, errlen, "--freebind needs --bind ADDR");
	if (check_scopes(o, p, err, errlen) != PARSE_OK)
		return PARSE_ERROR;
	if (o->source_port && o->port_hi)
		return cli_fail(err, errlen, "--source-port %u conflicts with --local-port-range", o->source_port);
	if (o->report_conns && o->format == FORMAT_CSV)
		return cli_fail(err, errlen, "--report-conns needs --format text or json (CSV rows are loops)");
	return PARSE_OK;
}
