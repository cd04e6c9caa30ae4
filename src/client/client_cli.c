/* The client's command line: the original positional form
 * `client DSTIP LOOPS CONNS [REUSEPORT [LINGER]]` plus long options, parsed strictly, all
 * from one table (client_rows): one row per option.
 *
 * To add an option: add its field to struct client_opts (include/client/client_opts.h),
 * then ONE row to client_rows below with its default in .def (the help prints it where its
 * text says %D; client_defaults holds only what no row's .def can), where its help line
 * should appear: name, short name (or 0), kind (CLI_FLAG, CLI_NUMBER with .min/.max and
 * FS(field), CLI_CHOICE with .values, CLI_STRING, or CLI_CUSTOM with a .parse hook), the
 * strategies it works in (.scope, STRATEGY_BIT... ; .why says why it is refused in the
 * others), .tag = SELECTS_SEQUENTIAL if giving it selects the sequential strategy, .arg (the
 * value's name in --help) and .help. The getopt table, the scope check, --help and
 * --list-options (hence the bash completion) follow from the row. Then add a sample to
 * tests/unit/test_strategy_scopes.c (the test fails without one), bad-input cases to
 * tests/integration/badinput.sh, and the option to docs/twtest.1 (tests/integration/
 * manpage.sh fails without it). A rule between options goes in client_validate (src/client/client_checks.c). */
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "lib/cli.h"
#include "lib/clock.h"
#include "client/client_checks.h"
#include "client/client_opts.h"

void client_defaults(struct client_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->close_after_ms = -1; /* not given: no help line states it */
	o->shards = 1;
	/* the rest from the option rows (.def), which --help prints: stated once */
	char err[256];
	if (cli_apply_defaults(&client_cli, o, err, sizeof(err)) < 0)
		abort(); /* a row's default its own parser refuses (tests/unit/test_options.c) */
	o->port_name = NULL; /* the default port is not a --port given */
}

/* --payload BYTES: k/m suffixes; 0 (nothing to echo) is a close scenario. */
static enum parse_result parse_payload(const char *val, void *opts, char *err, size_t errlen)
{
	struct client_opts *o = opts;
	uint64_t v;
	const char *why;
	if (parse_size(val, 0, TWTEST_MAX_PAYLOAD, &v, &why) < 0)
		return cli_fail(err, errlen, "invalid --payload '%s': %s (0-64m)", val, why);
	o->payload = (uint32_t)v;
	o->sequential |= v == 0;
	return PARSE_OK;
}

/* --bind ADDRS: one address, a range or a comma list. */
static enum parse_result parse_bind(const char *val, void *opts, char *err, size_t errlen)
{
	struct client_opts *o = opts;
	const char *why;
	if (addrlist_parse(val, &o->binds, &why) < 0)
		return cli_fail(err, errlen, "invalid --bind '%s': %s", val, why);
	o->bind = o->binds.seg[0].first;
	o->bind_name = val;
	return PARSE_OK;
}

/* --port PORTS: one port, a range or a comma list. */
static enum parse_result parse_port(const char *val, void *opts, char *err, size_t errlen)
{
	struct client_opts *o = opts;
	const char *why;
	if (portlist_parse(val, 1, &o->ports, &why) < 0)
		return cli_fail(err, errlen, "invalid --port '%s': %s", val, why);
	o->port = portlist_get(&o->ports, 0);
	o->port_name = val;
	return PARSE_OK;
}

/* --local-port-range LO-HI */
static enum parse_result parse_port_range(const char *val, void *opts, char *err, size_t errlen)
{
	struct client_opts *o = opts;
	const char *why;
	if (parse_u16_range(val, 1, 65535, &o->port_lo, &o->port_hi, &why) < 0)
		return cli_fail(err, errlen, "invalid --local-port-range '%s': %s", val, why);
	return PARSE_OK;
}

/* --max-response BYTES: k/m suffixes. */
static enum parse_result parse_max_response(const char *val, void *opts, char *err, size_t errlen)
{
	uint64_t v;
	const char *why;
	if (parse_size(val, 1, TWTEST_MAX_PAYLOAD, &v, &why) < 0)
		return cli_fail(err, errlen, "invalid --max-response '%s': %s (1-64m)", val, why);
	((struct client_opts *)opts)->max_response = (uint32_t)v;
	return PARSE_OK;
}

/* Can val go into a request line or a header field: no space, no control character? */
static int http_field_ok(const char *val)
{
	size_t n = 0;
	for (const unsigned char *c = (const unsigned char *)val; *c; c++, n++)
		if (*c <= ' ' || *c == 0x7f)
			return 0;
	return n > 0 && n <= TWTEST_MAX_HTTP_FIELD;
}

/* --http-path PATH: the request target, origin form. */
static enum parse_result parse_http_path(const char *val, void *opts, char *err, size_t errlen)
{
	if (val[0] != '/' || !http_field_ok(val))
		return cli_fail(err, errlen, "invalid --http-path '%s': must start with / and hold no "
				"space or control character (at most %d bytes)", val,
				TWTEST_MAX_HTTP_FIELD);
	((struct client_opts *)opts)->http_path = val;
	return PARSE_OK;
}

/* --http-host HOST: the Host field's value. */
static enum parse_result parse_http_host(const char *val, void *opts, char *err, size_t errlen)
{
	if (!http_field_ok(val))
		return cli_fail(err, errlen, "invalid --http-host '%s': must be 1-%d bytes without "
				"space or control characters", val, TWTEST_MAX_HTTP_FIELD);
	((struct client_opts *)opts)->http_host = val;
	return PARSE_OK;
}

/* --start-at WHEN: Unix seconds (with a fraction), or +S from now rounded up to a whole
 * second, so that hosts launched within the same second (pdsh) start at the same instant;
 * not in the past, at most a day ahead (a typo in the date would otherwise hang the run). */
static enum parse_result parse_start_at(const char *val, void *opts, char *err, size_t errlen)
{
	struct client_opts *o = opts;
	const char *why;
	int64_t now = clock_wall_ns(), at;
	if (parse_time_at(val, now, &at, &why) < 0)
		return cli_fail(err, errlen, "invalid --start-at '%s': %s", val, why);
	if (val[0] == '+' && at % 1000000000)
		at += 1000000000 - at % 1000000000;
	if (at < now) /* no figure in the message: parsed again, it says the same */
		return cli_fail(err, errlen, "invalid --start-at '%s': in the past", val);
	if (at - now > 86400 * (int64_t)1000000000)
		return cli_fail(err, errlen, "invalid --start-at '%s': more than a day ahead", val);
	o->start_at_ns = at;
	o->start_at_name = val;
	return PARSE_OK;
}

/* --shard I/N */
static enum parse_result parse_shard_opt(const char *val, void *opts, char *err, size_t errlen)
{
	struct client_opts *o = opts;
	const char *why;
	if (parse_shard(val, TWTEST_MAX_SHARDS, &o->shard, &o->shards, &why) < 0)
		return cli_fail(err, errlen, "invalid --shard '%s': %s (N at most %d)", val, why,
				TWTEST_MAX_SHARDS);
	return PARSE_OK;
}

#define F(f) .field = offsetof(struct client_opts, f)
#define FS(f) F(f), .size = sizeof(((struct client_opts *)0)->f)
#define ALL STRATEGY_ALL
#define CONC STRATEGY_BIT(STRATEGY_CONCURRENT)
#define SEQ STRATEGY_BIT(STRATEGY_SEQUENTIAL)
#define RATE STRATEGY_BIT(STRATEGY_RATE)
#define CLOSED STRATEGY_BIT(STRATEGY_CLOSED)
#define SELECTS_SEQUENTIAL 1 /* a row's tag: giving the option selects the sequential strategy */

/* Every client option, in --help's order. */
static const struct cli_option client_rows[] = {
	{"port", 'p', CLI_CUSTOM, .parse = parse_port, .scope = ALL, .arg = "PORTS", .def = "4000",
	 .help = "server port (default %D), or a list/range (4000-4003,4010)\n"
		 "used round-robin with the DSTIP addresses"},
	{"payload", 0, CLI_CUSTOM, .parse = parse_payload, .scope = ALL, .arg = "BYTES", .def = "100",
	 .help = "bytes sent and echoed per connection, k/m suffix allowed\n"
		 "(default %D, at most 64m)"},
	{"timeout", 0, CLI_TIME, FS(timeout_ms), .unit_ms = 1, .min = 1, .max = 3600000, .scope = ALL,
	 .arg = "MS", .def = "10000", .help = "per-connection deadline in milliseconds (default %D)"},
	{"close", 0, CLI_CHOICE, F(close_mode), .values = client_close_names, .scope = ALL,
	 .arg = "MODE", .def = "client",
	 .help = "who sends the first FIN: %D (default; close after the\n"
		 "echo, the client holds TIME_WAIT), server (wait for the\n"
		 "server's FIN; pair with `server --close=first`), shutdown\n"
		 "(shutdown(SHUT_WR) after the echo, read to EOF, close)"},
	{"reuseport", 0, CLI_FLAG, F(reuseport), .scope = ALL,
	 .help = "set SO_REUSEPORT on every client socket"},
	{"linger", 0, CLI_FLAG, F(linger), .scope = ALL,
	 .help = "set SO_LINGER {1,0}: close() sends RST, no TIME_WAIT"},
	{"reuseaddr", 0, CLI_FLAG, F(reuseaddr), .scope = ALL,
	 .help = "set SO_REUSEADDR on every client socket"},
	{"bind", 0, CLI_CUSTOM, .parse = parse_bind, .scope = ALL, .arg = "ADDRS",
	 .help = "source address (bind before connect), or several: a range\n"
		 "A-B and/or a comma list (127.0.0.2-127.0.0.9,127.0.1.1),\n"
		 "used round-robin per connection: past one address's ports"},
	{"bind-no-port", 0, CLI_FLAG, F(bind_no_port), .scope = ALL,
	 .help = "with --bind: IP_BIND_ADDRESS_NO_PORT, the port is chosen\n"
		 "at connect() time"},
	{"freebind", 0, CLI_FLAG, F(freebind), .scope = ALL,
	 .help = "with --bind: IP_FREEBIND, bind addresses this host does not\n"
		 "have (yet); without it such an address is refused at start"},
	{"local-port-range", 0, CLI_CUSTOM, .parse = parse_port_range, .scope = ALL,
	 .arg = "LO-HI",
	 .help = "per-socket ephemeral port range (IP_LOCAL_PORT_RANGE,\n"
		 "Linux 6.3+): exhaust a small range without root"},
	{"interval", 0, CLI_TIME, FS(interval_ms), .unit_ms = 1, .min = 0, .max = 3600000, .scope = CONC | SEQ,
	 .why = "rate and closed-loop runs have no loops to pause between", .arg = "MS",
	 .def = "0", .help = "pause between loops (default %D)"},
	{"requests-per-conn", 0, CLI_NUMBER, FS(requests_per_conn), .min = 1, .max = 1000000,
	 .scope = CONC | RATE | CLOSED, .why = "a close scenario makes one exchange", .arg = "K",
	 .def = "1", .help = "K payload/echo exchanges per connection, or K HTTP requests\n"
			      "over keep-alive (default %D)"},
	{"protocol", 0, CLI_CHOICE, F(protocol), .values = client_protocol_names,
	 .scope = CONC | RATE | CLOSED, .why = "a close scenario speaks echo", .arg = "P", .def = "echo",
	 .help = "%D (default: a `twtest server`), connect (done once\n"
		 "connect() completes, then closed as --close says: any TCP\n"
		 "listener), or http (HTTP/1.1 GET; a status outside 2xx/3xx\n"
		 "fails as status/NNN; docs/http.md)"},
	{"http-path", 0, CLI_CUSTOM, .parse = parse_http_path, .scope = CONC | RATE | CLOSED,
	 .why = "a close scenario speaks echo", .arg = "PATH",
	 .def = "/", .help = "with --protocol http: the request target (default %D)"},
	{"http-host", 0, CLI_CUSTOM, .parse = parse_http_host, .scope = CONC | RATE | CLOSED,
	 .why = "a close scenario speaks echo", .arg = "HOST",
	 .help = "with --protocol http: the Host field (default DSTIP, with\n"
		 ":PORT unless it is 80)"},
	{"max-response", 0, CLI_CUSTOM, .parse = parse_max_response, .scope = CONC | RATE | CLOSED,
	 .why = "a close scenario speaks echo", .arg = "BYTES",
	 .def = "1m", .help = "with --protocol http: bound on one response, head and body\n"
			      "(default %D, at most 64m; larger: response/EMSGSIZE)"},
	{"threads", 0, CLI_NUMBER, FS(threads), .min = 1, .max = TWTEST_MAX_THREADS,
	 .scope = CONC | RATE | CLOSED, .why = "they run one connection at a time", .arg = "N",
	 .def = "1", .help = "split each loop's connections over N threads, each with its\n"
			      "own epoll set (1-64, at most CONNS or C; default %D)"},
	{"format", 0, CLI_CHOICE, F(format), .values = format_names, .scope = ALL, .arg = "FMT",
	 .def = "text", .help = "%D (default), csv or json (JSON Lines)"},
	{"verbose", 'v', CLI_FLAG, F(verbose), .scope = ALL,
	 .help = "text: loop and interval lines with every field (each latency\n"
		 "in microseconds, the kernel counters, rate mode's started,\n"
		 "inflight and lag); without it they fit 120 columns"},
	{"fail-on-error", 0, CLI_FLAG, F(fail_on_error), .scope = ALL,
	 .help = "exit 3 if any connection failed"},
	{"wait-clear", 0, CLI_FLAG, F(wait_clear), .scope = ALL,
	 .help = "before each loop, wait until no TIME_WAIT socket toward\n"
		 "DSTIP:PORT remains (said on stderr in text, as fields in\n"
		 "csv/json); the loop runs anyway once the bound passes"},
	{"wait-clear-timeout", 0, CLI_TIME, FS(wait_clear_timeout_s), .unit_ms = 1000, .min = 0, .max = 86400,
	 .scope = ALL, .arg = "S",
	 .def = "120", .help = "bound of that wait in seconds (default %D; 0 no bound)"},
	{"no-observe", 0, CLI_FLAG, F(no_observe), .scope = ALL,
	 .help = "skip the per-loop kernel view (time_wait, kernel counters):\n"
		 "its socket-table dump costs tens of ms with many TIME_WAIT\n"
		 "sockets; for speed runs (make bench)"},
	{"dry-run", 0, CLI_FLAG, F(dry_run), .scope = ALL,
	 .help = "check everything (each value, the rules between options, the\n"
		 "kernel's support of the socket options), print the effective\n"
		 "options as key=value and exit 0 without connecting"},
	{"help", 'h', CLI_HELP, .scope = ALL, .help = "show this help"},

	{.kind = CLI_TEXT, .help = "\nMany client hosts, one run (docs/distributed.md; merge their "
				   "JSON with twtest merge):\n"},
	{"start-at", 0, CLI_CUSTOM, .parse = parse_start_at, .scope = ALL, .arg = "WHEN",
	 .help = "prepare, then start at WHEN: Unix seconds (1764770400.5), or\n"
		 "+S seconds from now, rounded up to a whole second; rate\n"
		 "intervals are cut from it"},
	{"shard", 0, CLI_CUSTOM, .parse = parse_shard_opt, .scope = CONC | SEQ | RATE,
	 .why = "each host keeps its own --concurrency in flight", .arg = "SHARD",
	 .help = "I/N: this host is I of N (from 0); with --rate R it makes\n"
		 "the connections i of the schedule at R with i mod N = I, in\n"
		 "loops its share of CONNS"},

	{.kind = CLI_TEXT, .help = "\nRate mode: R new connections a second, each due at start "
				   "+ i/R, one record per interval:\n"},
	{"rate", 0, CLI_NUMBER, FS(rate), .min = 1, .max = TWTEST_MAX_RATE, .scope = RATE,
	 .arg = "R", .help = "new connections a second (1-1000000); no LOOPS CONNS"},
	{"duration", 0, CLI_TIME, FS(duration_s), .unit_ms = 1000, .min = 1, .max = TWTEST_MAX_DURATION,
	 .scope = RATE | CLOSED, .why = "it needs --rate or --concurrency", .arg = "S",
	 .help = "seconds to run the schedule, or to keep C in flight (1-3600)"},
	{"max-inflight", 0, CLI_NUMBER, FS(max_inflight), .min = 1, .max = TWTEST_MAX_CONNS,
	 .scope = RATE, .why = "it needs --rate", .arg = "N",
	 .help = "a due connection finding N in flight is shed (counted failed,\n"
		 "shed/inflight), never delayed (default: the descriptor limit)"},
	{"report-interval", 0, CLI_TIME, FS(report_interval_ms), .unit_ms = 1, .min = 10, .max = 60000,
	 .scope = RATE | CLOSED, .why = "it needs --rate or --concurrency; loops report once each",
	 .arg = "MS",
	 .def = "1000", .help = "one record per MS milliseconds (10-60000; default %D)"},

	{.kind = CLI_TEXT, .help = "\nClosed-loop mode: C connections in flight, each replaced "
				   "as it ends (as wrk, ab, neper),\none record per interval "
				   "(--duration, --report-interval as above):\n"},
	{"concurrency", 0, CLI_NUMBER, FS(concurrency), .min = 1, .max = TWTEST_MAX_CONNS,
	 .scope = CLOSED, .arg = "C",
	 .help = "connections in flight at all times (1-10000000); no LOOPS CONNS"},
	{"count", 0, CLI_NUMBER, FS(count), .min = 1, .max = TWTEST_MAX_COUNT, .scope = CLOSED,
	 .why = "it needs --concurrency", .arg = "N",
	 .help = "end after N connections instead of --duration (1-1000000000)"},

	{.kind = CLI_TEXT, .help = "\nClose scenarios (docs/closing.md). Each of these options "
				   "makes the connections run one\nafter another instead of all "
				   "at once:\n"},
	{"sequential", 0, CLI_FLAG, F(sequential), .scope = SEQ, .tag = SELECTS_SEQUENTIAL,
	 .help = "one connection at a time, nothing else changed"},
	{"source-port", 0, CLI_NUMBER, FS(source_port), .min = 1, .max = 65535, .scope = SEQ,
	 .tag = SELECTS_SEQUENTIAL, .arg = "PORT",
	 .help = "bind every connection to this source port before connect"},
	{.kind = CLI_TEXT, .arg = "--payload 0", .help = "send nothing; only read what the server sends"},
	{"read-delay", 0, CLI_TIME, FS(read_delay_ms), .unit_ms = 1, .min = 0, .max = 3600000, .scope = SEQ,
	 .tag = SELECTS_SEQUENTIAL, .arg = "MS",
	 .help = "do not read anything during the first MS milliseconds"},
	{"on-eof", 0, CLI_CHOICE, F(on_eof), .values = client_on_eof_names, .scope = SEQ,
	 .tag = SELECTS_SEQUENTIAL, .arg = "ACTION",
	 .def = "close", .help = "when the server's FIN is seen: %D (default; at once, even\n"
		 "with data unread, which sends RST), shutdown (shutdown(SHUT_WR)\n"
		 "at once, read the rest, close) or ignore (read the rest after\n"
		 "--read-delay, then close; meanwhile CLOSE_WAIT)"},
	{"close-after", 0, CLI_TIME, FS(close_after_ms), .unit_ms = 1, .min = 0, .max = 3600000, .scope = SEQ,
	 .tag = SELECTS_SEQUENTIAL, .arg = "MS",
	 .help = "close MS milliseconds after connecting, whatever else happens\n"
		 "(0: right after connect, nothing sent)"},
	{"close-on-data", 0, CLI_FLAG, F(close_on_data), .scope = SEQ, .tag = SELECTS_SEQUENTIAL,
	 .help = "close as soon as some data was read, without waiting for EOF"},
	{"report-conns", 0, CLI_FLAG, F(report_conns), .scope = SEQ, .tag = SELECTS_SEQUENTIAL,
	 .help = "one line per connection: bytes sent and read, the TCP state and\n"
		 "unread bytes when the FIN was seen and before close(), SO_ERROR"},
};

const struct cli_command client_cli = {
	.intro =
	"usage: twtest client [options] DSTIP LOOPS CONNS [REUSEPORT [LINGER]]\n"
	"       twtest client --rate R --duration S [options] DSTIP\n"
	"       twtest client --concurrency C (--duration S | --count N) [options] DSTIP\n"
	"\n"
	"Each loop opens CONNS non-blocking connections to DSTIP at once, sends --payload bytes on\n"
	"each, checks the echo byte for byte, closes in the chosen order and prints one line:\n"
	"how many finished, how many failed (by stage and errno) and how long the loop took.\n"
	"\n"
	"  DSTIP                   IPv4 or IPv6 address or host name of a `twtest server`, or\n"
	"                          a range A-B and/or comma list of addresses, round-robin\n"
	"  LOOPS                   number of loops (1-1000000)\n"
	"  CONNS                   connections per loop (1-10000000, bounded by RLIMIT_NOFILE)\n"
	"  REUSEPORT               0 or 1, same as --reuseport (default 0)\n"
	"  LINGER                  0 or 1, same as --linger (default 0)\n"
	"\n",
	CLI_ROWS(client_rows),
	.operands = (const char *const[]){"DSTIP", "LOOPS", "CONNS", "REUSEPORT", "LINGER", NULL},
	.outro =
	"\n"
	"Exit status: 0 run completed, 1 setup error, 2 usage error, 3 failures with\n"
	"--fail-on-error, 130 interrupted.\n",
};

/* DSTIP LOOPS CONNS [REUSEPORT [LINGER]] (DSTIP is resolved last, after every rule). */
static enum parse_result client_positional(int npos, char **pos, struct client_opts *o,
					   char *err, size_t errlen)
{
	uint64_t v;
	const char *why;
	if (o->rate && npos > 1)
		return cli_fail(err, errlen, "unexpected argument '%s': LOOPS and CONNS are not given with "
			    "--rate (usage: twtest client --rate R --duration S DSTIP)", pos[1]);
	if (!o->rate && o->concurrency && npos > 1)
		return cli_fail(err, errlen, "unexpected argument '%s': LOOPS and CONNS are not given with "
				"--concurrency (usage: twtest client --concurrency C --duration S DSTIP)", pos[1]);
	if (!o->rate && o->concurrency)
		return npos == 1 ? PARSE_OK : cli_fail(err, errlen, "missing DSTIP (usage: twtest client "
						       "--concurrency C --duration S DSTIP)");
	if (o->rate)
		return npos == 1 ? PARSE_OK : cli_fail(err, errlen, "missing DSTIP (usage: twtest client "
						       "--rate R --duration S DSTIP)");
	if (npos < 3)
		return cli_fail(err, errlen, "missing %s (usage: twtest client DSTIP LOOPS CONNS [REUSEPORT [LINGER]])",
			    npos == 0 ? "DSTIP" : npos == 1 ? "LOOPS" : "CONNS");
	if (npos > 5)
		return cli_fail(err, errlen, "unexpected argument '%s'", pos[5]);
	if (cli_num("LOOPS", pos[1], 1, 1000000, &v, err, errlen) < 0)
		return PARSE_ERROR;
	o->loops = (uint32_t)v;
	if (cli_num("CONNS", pos[2], 1, TWTEST_MAX_CONNS, &v, err, errlen) < 0)
		return PARSE_ERROR;
	o->conns_total = (uint32_t)v;
	o->conns = (uint32_t)client_shard_share(o, v);
	int flag;
	if (npos > 3) {
		if (parse_bool01(pos[3], &flag, &why) < 0)
			return cli_fail(err, errlen, "invalid REUSEPORT '%s': %s", pos[3], why);
		o->reuseport |= flag;
	}
	if (npos > 4) {
		if (parse_bool01(pos[4], &flag, &why) < 0)
			return cli_fail(err, errlen, "invalid LINGER '%s': %s", pos[4], why);
		o->linger |= flag;
	}
	return PARSE_OK;
}

/* DSTIP (after every rule, since it may be a host name to resolve) with the --port ports. */
static enum parse_result client_resolve_dst(struct client_opts *o, const char *dst,
						char *err, size_t errlen)
{
	const char *why;
	char hint[320];
	o->dst_name = dst;
	if (o->ports.total == 0)
		portlist_single(&o->ports, o->port);
	/* A list or range of IP literals, else one address or host name. */
	const char *list_why;
	if (addrlist_parse(dst, &o->dsts, &list_why) == 0) {
		o->dst = o->dsts.seg[0].first;
		endpoint_set_port(&o->dst, o->port);
	} else if (!strchr(dst, ',') && parse_addr_mistake(dst, hint, sizeof(hint)) < 0) {
		return cli_fail(err, errlen, "invalid DSTIP '%s': %s", dst, hint);
	} else if (parse_host(dst, o->port, &o->dst, &why) == 0) {
		o->dsts = (struct addrlist){.nseg = 1, .total = 1, .seg[0] = {o->dst, 1}};
	} else {
		/* A comma means a list was meant: its reason is the one that helps. */
		return cli_fail(err, errlen, "invalid DSTIP '%s': %s", dst, strchr(dst, ',') ? list_why : why);
	}
	if (o->bind_name && o->bind.addr.ss_family != o->dst.addr.ss_family)
		return cli_fail(err, errlen, "--bind '%s' and DSTIP '%s' are of different address families",
			    o->bind_name, o->dst_name);
	return PARSE_OK;
}

enum parse_result client_parse_args(int argc, char **argv, struct client_opts *o, char *err,
				    size_t errlen)
{
	struct cli_parse p;
	client_defaults(o);
	enum parse_result r = cli_parse_options(&p, &client_cli, argc, argv, o, err, errlen);
	if (r != PARSE_OK)
		return r;
	o->sequential |= cli_given_tag(&p, SELECTS_SEQUENTIAL);
	if (client_positional(argc - optind, argv + optind, o, err, errlen) != PARSE_OK) {
		client_needs_another(o, &p, err, errlen); /* the cause, when an option wanted another */
		return PARSE_ERROR;
	}
	if (client_validate(o, &p, err, errlen) != PARSE_OK)
		return PARSE_ERROR;
	return client_resolve_dst(o, argv[optind], err, errlen);
}

/* A CLI_CUSTOM row's effective value (cli_print_values); an unset one stays empty. */
static void show_custom(const struct cli_option *r, const void *opts, char *buf, size_t len)
{
	const struct client_opts *o = opts;
	if (strcmp(r->name, "port") == 0 && o->port_name)
		snprintf(buf, len, "%s", o->port_name);
	else if (strcmp(r->name, "port") == 0)
		snprintf(buf, len, "%u", o->port);
	else if (strcmp(r->name, "payload") == 0)
		snprintf(buf, len, "%u", o->payload);
	else if (strcmp(r->name, "bind") == 0 && o->bind_name)
		snprintf(buf, len, "%s", o->bind_name);
	else if (strcmp(r->name, "local-port-range") == 0 && o->port_hi)
		snprintf(buf, len, "%u-%u", o->port_lo, o->port_hi);
	else if (strcmp(r->name, "http-path") == 0)
		snprintf(buf, len, "%s", o->http_path);
	else if (strcmp(r->name, "http-host") == 0 && o->http_host)
		snprintf(buf, len, "%s", o->http_host);
	else if (strcmp(r->name, "max-response") == 0)
		snprintf(buf, len, "%u", o->max_response);
	else if (strcmp(r->name, "start-at") == 0 && o->start_at_ns)
		snprintf(buf, len, "%" PRId64 ".%09" PRId64, o->start_at_ns / 1000000000,
			 o->start_at_ns % 1000000000);
	else if (strcmp(r->name, "shard") == 0)
		snprintf(buf, len, "%u/%u", o->shard, o->shards);
}

void client_print_effective(const struct client_opts *o, FILE *out)
{
	static const char *const strategy_keys[] = {
		[STRATEGY_CONCURRENT] = "concurrent", [STRATEGY_SEQUENTIAL] = "sequential",
		[STRATEGY_RATE] = "rate", [STRATEGY_CLOSED] = "closed"};
	fprintf(out, "dstip=%s\nstrategy=%s\nloops=%u\nconns=%u\nconns_total=%u\ndestinations=%" PRIu64 "\n",
		o->dst_name, strategy_keys[client_strategy_of(o)], o->loops, o->conns, o->conns_total,
		client_destinations(o));
	cli_print_values(out, &client_cli, o, show_custom);
}
