/* The client's command line: the original positional form
 * `client DSTIP LOOPS CONNS [REUSEPORT [LINGER]]` plus long options, parsed strictly. */
#include <stddef.h>
#include <string.h>

#include "lib/cli.h"
#include "client/client_opts.h"

const char *const client_close_names[] = {"client", "server", "shutdown", NULL};
const char *const client_on_eof_names[] = {"close", "shutdown", "ignore", NULL};

const char client_usage[] =
	"usage: twtest client [options] DSTIP LOOPS CONNS [REUSEPORT [LINGER]]\n"
	"       twtest client --rate R --duration S [options] DSTIP\n"
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
	"\n"
	"  -p, --port PORTS        server port (default 4000), or a list/range (4000-4003,4010)\n"
	"                          used round-robin with the DSTIP addresses\n"
	"      --payload BYTES     bytes sent and echoed per connection, k/m suffix allowed\n"
	"                          (default 100, at most 64m)\n"
	"      --timeout MS        per-connection deadline in milliseconds (default 10000)\n"
	"      --close MODE        who sends the first FIN: client (default; close after the\n"
	"                          echo, the client holds TIME_WAIT), server (wait for the\n"
	"                          server's FIN; pair with `server --close=first`), shutdown\n"
	"                          (shutdown(SHUT_WR) after the echo, read to EOF, close)\n"
	"      --reuseport         set SO_REUSEPORT on every client socket\n"
	"      --linger            set SO_LINGER {1,0}: close() sends RST, no TIME_WAIT\n"
	"      --reuseaddr         set SO_REUSEADDR on every client socket\n"
	"      --bind ADDRS        source address (bind before connect), or several: a range\n"
	"                          A-B and/or a comma list (127.0.0.2-127.0.0.9,127.0.1.1),\n"
	"                          used round-robin per connection: past one address's ports\n"
	"      --bind-no-port      with --bind: IP_BIND_ADDRESS_NO_PORT, the port is chosen\n"
	"                          at connect() time\n"
	"      --local-port-range LO-HI\n"
	"                          per-socket ephemeral port range (IP_LOCAL_PORT_RANGE,\n"
	"                          Linux 6.3+): exhaust a small range without root\n"
	"      --interval MS       pause between loops (default 0)\n"
	"      --requests-per-conn K\n"
	"                          K payload/echo exchanges per connection (default 1)\n"
	"      --threads N         split each loop's connections over N threads, each with its\n"
	"                          own epoll set (1-64, at most CONNS; default 1)\n"
	"      --format FMT        text (default), csv or json (JSON Lines)\n"
	"      --fail-on-error     exit 3 if any connection failed\n"
	"      --wait-clear        before each loop, wait until no TIME_WAIT socket toward\n"
	"                          DSTIP:PORT remains (said on stderr in text, as fields in\n"
	"                          csv/json); the loop runs anyway once the bound passes\n"
	"      --wait-clear-timeout S\n"
	"                          bound of that wait in seconds (default 120; 0 no bound)\n"
	"      --no-observe        skip the per-loop kernel view (time_wait, kernel counters):\n"
	"                          its socket-table dump costs tens of ms with many TIME_WAIT\n"
	"                          sockets; for speed runs (make bench)\n"
	"  -h, --help              show this help\n"
	"\n"
	"Rate mode: R new connections a second, each due at start + i/R, one record per interval:\n"
	"      --rate R            new connections a second (1-1000000); no LOOPS CONNS\n"
	"      --duration S        seconds to run the schedule (1-3600)\n"
	"      --max-inflight N    a due connection finding N in flight is shed (counted failed,\n"
	"                          shed/inflight), never delayed (default: the descriptor limit)\n"
	"      --report-interval MS\n"
	"                          one record per MS milliseconds (10-60000; default 1000)\n"
	"\n"
	"Close scenarios (docs/closing.md). Each of these options makes the connections run one\n"
	"after another instead of all at once:\n"
	"      --sequential        one connection at a time, nothing else changed\n"
	"      --source-port PORT  bind every connection to this source port before connect\n"
	"      --payload 0         send nothing; only read what the server sends\n"
	"      --read-delay MS     do not read anything during the first MS milliseconds\n"
	"      --on-eof ACTION     when the server's FIN is seen: close (default; at once, even\n"
	"                          with data unread, which sends RST), shutdown (shutdown(SHUT_WR)\n"
	"                          at once, read the rest, close) or ignore (read the rest after\n"
	"                          --read-delay, then close; meanwhile CLOSE_WAIT)\n"
	"      --close-after MS    close MS milliseconds after connecting, whatever else happens\n"
	"                          (0: right after connect, nothing sent)\n"
	"      --close-on-data     close as soon as some data was read, without waiting for EOF\n"
	"      --report-conns      one line per connection: bytes sent and read, the TCP state and\n"
	"                          unread bytes when the FIN was seen and before close(), SO_ERROR\n"
	"\n"
	"Exit status: 0 run completed, 1 setup error, 2 usage error, 3 failures with\n"
	"--fail-on-error, 130 interrupted.\n";

enum {
	OPT_PAYLOAD = 256, OPT_TIMEOUT, OPT_CLOSE, OPT_REUSEPORT, OPT_LINGER, OPT_REUSEADDR,
	OPT_BIND, OPT_BIND_NO_PORT, OPT_PORT_RANGE, OPT_INTERVAL, OPT_FORMAT, OPT_FAIL_ON_ERROR,
	OPT_THREADS, OPT_WAIT_CLEAR, OPT_WAIT_CLEAR_TIMEOUT, OPT_SEQUENTIAL, OPT_SOURCE_PORT, OPT_READ_DELAY, OPT_ON_EOF,
	OPT_CLOSE_AFTER, OPT_CLOSE_ON_DATA, OPT_REPORT_CONNS,
	OPT_NO_OBSERVE, OPT_REQUESTS_PER_CONN, OPT_RATE, OPT_DURATION, OPT_MAX_INFLIGHT,
	OPT_REPORT_INTERVAL,
	OPT_LAST,
};

static const struct option client_long_opts[] = {
	{"port", required_argument, NULL, 'p'},
	{"payload", required_argument, NULL, OPT_PAYLOAD},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"close", required_argument, NULL, OPT_CLOSE},
	{"reuseport", no_argument, NULL, OPT_REUSEPORT},
	{"linger", no_argument, NULL, OPT_LINGER},
	{"reuseaddr", no_argument, NULL, OPT_REUSEADDR},
	{"bind", required_argument, NULL, OPT_BIND},
	{"bind-no-port", no_argument, NULL, OPT_BIND_NO_PORT},
	{"local-port-range", required_argument, NULL, OPT_PORT_RANGE},
	{"interval", required_argument, NULL, OPT_INTERVAL},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"fail-on-error", no_argument, NULL, OPT_FAIL_ON_ERROR},
	{"threads", required_argument, NULL, OPT_THREADS},
	{"wait-clear", no_argument, NULL, OPT_WAIT_CLEAR},
	{"wait-clear-timeout", required_argument, NULL, OPT_WAIT_CLEAR_TIMEOUT},
	{"sequential", no_argument, NULL, OPT_SEQUENTIAL},
	{"source-port", required_argument, NULL, OPT_SOURCE_PORT},
	{"read-delay", required_argument, NULL, OPT_READ_DELAY},
	{"on-eof", required_argument, NULL, OPT_ON_EOF},
	{"close-after", required_argument, NULL, OPT_CLOSE_AFTER},
	{"close-on-data", no_argument, NULL, OPT_CLOSE_ON_DATA},
	{"report-conns", no_argument, NULL, OPT_REPORT_CONNS},
	{"no-observe", no_argument, NULL, OPT_NO_OBSERVE},
	{"requests-per-conn", required_argument, NULL, OPT_REQUESTS_PER_CONN},
	{"rate", required_argument, NULL, OPT_RATE},
	{"duration", required_argument, NULL, OPT_DURATION},
	{"max-inflight", required_argument, NULL, OPT_MAX_INFLIGHT},
	{"report-interval", required_argument, NULL, OPT_REPORT_INTERVAL},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* One row per option of client_long_opts, same order (test_options.c checks both). */
const struct client_option_scope client_option_scopes[] = {
	{"port", STRATEGY_ALL, NULL},
	{"payload", STRATEGY_ALL, NULL},
	{"timeout", STRATEGY_ALL, NULL},
	{"close", STRATEGY_ALL, NULL},
	{"reuseport", STRATEGY_ALL, NULL},
	{"linger", STRATEGY_ALL, NULL},
	{"reuseaddr", STRATEGY_ALL, NULL},
	{"bind", STRATEGY_ALL, NULL},
	{"bind-no-port", STRATEGY_ALL, NULL},
	{"local-port-range", STRATEGY_ALL, NULL},
	{"interval", STRATEGY_BIT(STRATEGY_CONCURRENT) | STRATEGY_BIT(STRATEGY_SEQUENTIAL),
	 "a rate run has no loops to pause between"},
	{"format", STRATEGY_ALL, NULL},
	{"fail-on-error", STRATEGY_ALL, NULL},
	{"threads", STRATEGY_BIT(STRATEGY_CONCURRENT) | STRATEGY_BIT(STRATEGY_RATE),
	 "they run one connection at a time"},
	{"wait-clear", STRATEGY_ALL, NULL},
	{"wait-clear-timeout", STRATEGY_ALL, NULL},
	{"sequential", STRATEGY_BIT(STRATEGY_SEQUENTIAL), NULL},
	{"source-port", STRATEGY_BIT(STRATEGY_SEQUENTIAL), NULL},
	{"read-delay", STRATEGY_BIT(STRATEGY_SEQUENTIAL), NULL},
	{"on-eof", STRATEGY_BIT(STRATEGY_SEQUENTIAL), NULL},
	{"close-after", STRATEGY_BIT(STRATEGY_SEQUENTIAL), NULL},
	{"close-on-data", STRATEGY_BIT(STRATEGY_SEQUENTIAL), NULL},
	{"report-conns", STRATEGY_BIT(STRATEGY_SEQUENTIAL), NULL},
	{"no-observe", STRATEGY_ALL, NULL},
	{"requests-per-conn", STRATEGY_BIT(STRATEGY_CONCURRENT) | STRATEGY_BIT(STRATEGY_RATE),
	 "a close scenario makes one exchange"},
	{"rate", STRATEGY_BIT(STRATEGY_RATE), NULL},
	{"duration", STRATEGY_BIT(STRATEGY_RATE), "it needs --rate"},
	{"max-inflight", STRATEGY_BIT(STRATEGY_RATE), "it needs --rate"},
	{"report-interval", STRATEGY_BIT(STRATEGY_RATE), "it needs --rate; loops report once each"},
	{"help", STRATEGY_ALL, NULL},
	{NULL, 0, NULL},
};

const char *const client_strategy_names[] = {
	[STRATEGY_CONCURRENT] = "the concurrent loops", [STRATEGY_SEQUENTIAL] =
	"the sequential close-scenario options", [STRATEGY_RATE] = "--rate"};

const struct option *client_long_options(void)
{
	return client_long_opts;
}

enum client_strategy_id client_strategy_of(const struct client_opts *o)
{
	if (o->rate)
		return STRATEGY_RATE;
	return o->sequential ? STRATEGY_SEQUENTIAL : STRATEGY_CONCURRENT;
}

/* Refuse a given option outside its strategies' scope; PARSE_OK if every one fits. */
static enum parse_result check_scopes(const struct client_opts *o, const unsigned char *seen,
				      const char *const *given, char *err, size_t errlen)
{
	enum client_strategy_id id = client_strategy_of(o);
	for (size_t i = 0; client_long_opts[i].name; i++) {
		const struct client_option_scope *sc = &client_option_scopes[i];
		if (!seen[client_long_opts[i].val] || (sc->strategies & STRATEGY_BIT(id)))
			continue;
		const char *val = given[client_long_opts[i].val];
		return cli_fail(err, errlen, "--%s%s%s conflicts with %s%s%s%s", sc->name,
				val ? " " : "", val ? val : "", client_strategy_names[id],
				sc->why ? " (" : "", sc->why ? sc->why : "", sc->why ? ")" : "");
	}
	return PARSE_OK;
}

void client_defaults(struct client_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->port = TWTEST_DEFAULT_PORT;
	o->payload = TWTEST_DEFAULT_PAYLOAD;
	o->timeout_ms = 10000;
	o->threads = 1;
	o->close_mode = CLIENT_CLOSE_CLIENT;
	o->format = FORMAT_TEXT;
	o->wait_clear_timeout_s = 120;
	o->close_after_ms = -1;
	o->on_eof = CLIENT_EOF_CLOSE;
	o->requests_per_conn = 1;
	o->report_interval_ms = 1000;
}

#define F(field) offsetof(struct client_opts, field)
#define FS(f) .field = F(f), .size = sizeof(((struct client_opts *)0)->f)

/* The options parsed by a table row: flags, numbers, choices. tag 1: the option also
 * chooses the sequential strategy. */
static const struct cli_rule client_rules[] = {
	{OPT_REUSEPORT, CLI_FLAG, "--reuseport", .field = F(reuseport)},
	{OPT_LINGER, CLI_FLAG, "--linger", .field = F(linger)},
	{OPT_REUSEADDR, CLI_FLAG, "--reuseaddr", .field = F(reuseaddr)},
	{OPT_BIND_NO_PORT, CLI_FLAG, "--bind-no-port", .field = F(bind_no_port)},
	{OPT_FAIL_ON_ERROR, CLI_FLAG, "--fail-on-error", .field = F(fail_on_error)},
	{OPT_WAIT_CLEAR, CLI_FLAG, "--wait-clear", .field = F(wait_clear)},
	{OPT_NO_OBSERVE, CLI_FLAG, "--no-observe", .field = F(no_observe)},
	{OPT_SEQUENTIAL, CLI_FLAG, "--sequential", .field = F(sequential), .tag = 1},
	{OPT_CLOSE_ON_DATA, CLI_FLAG, "--close-on-data", .field = F(close_on_data), .tag = 1},
	{OPT_REPORT_CONNS, CLI_FLAG, "--report-conns", .field = F(report_conns), .tag = 1},
	{OPT_TIMEOUT, CLI_NUMBER, "--timeout", 1, 3600000, FS(timeout_ms)},
	{OPT_INTERVAL, CLI_NUMBER, "--interval", 0, 3600000, FS(interval_ms)},
	{OPT_THREADS, CLI_NUMBER, "--threads", 1, TWTEST_MAX_THREADS, FS(threads)},
	{OPT_WAIT_CLEAR_TIMEOUT, CLI_NUMBER, "--wait-clear-timeout", 0, 86400, FS(wait_clear_timeout_s)},
	{OPT_SOURCE_PORT, CLI_NUMBER, "--source-port", 1, 65535, FS(source_port), .tag = 1},
	{OPT_READ_DELAY, CLI_NUMBER, "--read-delay", 0, 3600000, FS(read_delay_ms), .tag = 1},
	{OPT_CLOSE_AFTER, CLI_NUMBER, "--close-after", 0, 3600000, FS(close_after_ms), .tag = 1},
	{OPT_REQUESTS_PER_CONN, CLI_NUMBER, "--requests-per-conn", 1, 1000000, FS(requests_per_conn)},
	{OPT_RATE, CLI_NUMBER, "--rate", 1, TWTEST_MAX_RATE, FS(rate)},
	{OPT_DURATION, CLI_NUMBER, "--duration", 1, TWTEST_MAX_DURATION, FS(duration_s)},
	{OPT_MAX_INFLIGHT, CLI_NUMBER, "--max-inflight", 1, TWTEST_MAX_CONNS, FS(max_inflight)},
	{OPT_REPORT_INTERVAL, CLI_NUMBER, "--report-interval", 10, 60000, FS(report_interval_ms)},
	{OPT_CLOSE, CLI_CHOICE, "--close", .names = client_close_names,
	 .choices = "client, server or shutdown", .field = F(close_mode)},
	{OPT_FORMAT, CLI_CHOICE, "--format", .names = format_names, .choices = "text, csv or json",
	 .field = F(format)},
	{OPT_ON_EOF, CLI_CHOICE, "--on-eof", .names = client_on_eof_names,
	 .choices = "close, shutdown or ignore", .field = F(on_eof), .tag = 1},
};

/* The options that need their own parsing: --payload, --bind, --local-port-range. */
static enum parse_result client_special_option(int c, const char *val, struct client_opts *o,
					       char *err, size_t errlen)
{
	uint64_t v;
	const char *why;
	switch (c) {
	case OPT_PAYLOAD:
		if (parse_size(val, 0, TWTEST_MAX_PAYLOAD, &v, &why) < 0)
			return cli_fail(err, errlen, "invalid --payload '%s': %s (0-64m)", val, why);
		o->payload = (uint32_t)v;
		o->sequential |= v == 0; /* nothing to echo: a close scenario */
		return PARSE_OK;
	case OPT_BIND:
		if (addrlist_parse(val, &o->binds, &why) < 0)
			return cli_fail(err, errlen, "invalid --bind '%s': %s", val, why);
		o->bind = o->binds.seg[0].first;
		o->bind_name = val;
		return PARSE_OK;
	case 'p':
		if (portlist_parse(val, 1, &o->ports, &why) < 0)
			return cli_fail(err, errlen, "invalid --port '%s': %s", val, why);
		o->port = portlist_get(&o->ports, 0);
		o->port_name = val;
		return PARSE_OK;
	case OPT_PORT_RANGE:
		if (parse_u16_range(val, 1, 65535, &o->port_lo, &o->port_hi, &why) < 0)
			return cli_fail(err, errlen, "invalid --local-port-range '%s': %s", val, why);
		return PARSE_OK;
	}
	return PARSE_OK;
}

/* DSTIP LOOPS CONNS [REUSEPORT [LINGER]] (DSTIP is resolved last, after every rule). */
static enum parse_result client_positional(int npos, char **pos, struct client_opts *o,
					   char *err, size_t errlen)
{
	uint64_t v;
	const char *why;
	if (o->rate && npos > 1)
		return cli_fail(err, errlen, "unexpected argument '%s': LOOPS and CONNS are not given with "
			    "--rate (usage: twtest client --rate R --duration S DSTIP)", pos[1]);
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
	o->conns = (uint32_t)v;
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

/* Cross-option rules, one message each, then DSTIP resolved. */
static enum parse_result client_validate(struct client_opts *o, const unsigned char *seen,
					 const char *const *given, const char *dst, char *err,
					 size_t errlen)
{
	const char *why;
	if (o->linger && o->close_mode == CLIENT_CLOSE_SHUTDOWN)
		return cli_fail(err, errlen, "--linger conflicts with --close=shutdown: the FIN is already sent, RST cannot replace it");
	if (!o->rate && o->threads > o->conns)
		return cli_fail(err, errlen, "--threads %u is more than CONNS %u", o->threads, o->conns);
	if (o->rate && o->payload == 0)
		return cli_fail(err, errlen, "--payload 0 conflicts with --rate: only the sequential close "
			    "scenarios send nothing");
	if (o->rate && !o->duration_s)
		return cli_fail(err, errlen, "--rate %u needs --duration S", o->rate);
	if (o->rate && o->max_inflight && o->threads > o->max_inflight)
		return cli_fail(err, errlen, "--threads %u is more than --max-inflight %u", o->threads,
			    o->max_inflight);
	if (seen[OPT_WAIT_CLEAR_TIMEOUT] && !o->wait_clear)
		return cli_fail(err, errlen, "--wait-clear-timeout needs --wait-clear");
	if (o->bind_no_port && o->bind_name == NULL)
		return cli_fail(err, errlen, "--bind-no-port needs --bind ADDR");
	if (check_scopes(o, seen, given, err, errlen) != PARSE_OK)
		return PARSE_ERROR;
	if (o->source_port && o->port_hi)
		return cli_fail(err, errlen, "--source-port %u conflicts with --local-port-range", o->source_port);
	if (o->report_conns && o->format == FORMAT_CSV)
		return cli_fail(err, errlen, "--report-conns needs --format text or json (CSV rows are loops)");

	o->dst_name = dst;
	if (o->ports.total == 0)
		portlist_single(&o->ports, o->port);
	/* A list or range of IP literals, else one address or host name. */
	const char *list_why;
	if (addrlist_parse(dst, &o->dsts, &list_why) == 0) {
		o->dst = o->dsts.seg[0].first;
		endpoint_set_port(&o->dst, o->port);
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
	client_defaults(o);
	unsigned char seen[OPT_LAST] = {0};
	const char *given[OPT_LAST] = {0}; /* each option's value, for messages */

	cli_begin();
	int c;
	while ((c = cli_next_option(argc, argv, client_long_opts, seen, sizeof(seen), err, errlen)) >= 0) {
		given[c] = optarg;
		int tag = 0;
		int r = cli_table_option(client_rules, sizeof(client_rules) / sizeof(client_rules[0]),
					 c, optarg, o, &tag, err, errlen);
		if (r < 0 || (r == 0 && client_special_option(c, optarg, o, err, errlen) != PARSE_OK))
			return PARSE_ERROR;
		o->sequential |= tag;
	}
	if (c != CLI_END)
		return cli_result(c);
	if (client_positional(argc - optind, argv + optind, o, err, errlen) != PARSE_OK)
		return PARSE_ERROR;
	return client_validate(o, seen, given, argv[optind], err, errlen);
}
