/* The client's command line: the original positional form
 * `client DSTIP LOOPS CONNS [REUSEPORT [LINGER]]` plus long options, parsed strictly. */
#include <string.h>

#include "cli.h"
#include "options.h"

const char *const client_close_names[] = {"client", "server", "shutdown", NULL};
const char *const server_close_names[] = {"wait", "first", "rst", NULL};
const char *const format_names[] = {"text", "csv", "json", NULL};
const char *const client_on_eof_names[] = {"close", "shutdown", "ignore", NULL};

const char client_usage[] =
	"usage: twtest client [options] DSTIP LOOPS CONNS [REUSEPORT [LINGER]]\n"
	"\n"
	"Each loop opens CONNS non-blocking connections to DSTIP at once, sends --payload bytes on\n"
	"each, checks the echo byte for byte, closes in the chosen order and prints one line:\n"
	"how many finished, how many failed (by stage and errno) and how long the loop took.\n"
	"\n"
	"  DSTIP                   IPv4 or IPv6 address or host name of a `twtest server`\n"
	"  LOOPS                   number of loops (1-1000000)\n"
	"  CONNS                   connections per loop (1-10000000, bounded by RLIMIT_NOFILE)\n"
	"  REUSEPORT               0 or 1, same as --reuseport (default 0)\n"
	"  LINGER                  0 or 1, same as --linger (default 0)\n"
	"\n"
	"  -p, --port PORT         server port (default 4000)\n"
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
	OPT_NO_OBSERVE,
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
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

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
}

enum parse_result client_parse_args(int argc, char **argv, struct client_opts *o, char *err,
				    size_t errlen)
{
	client_defaults(o);
	uint64_t v;
	const char *why;
	unsigned char seen[OPT_LAST] = {0};

	cli_begin();
	int c;
	while ((c = cli_next_option(argc, argv, client_long_opts, seen, sizeof(seen), err, errlen)) >= 0) {
		switch (c) {
		case 'p':
			if (cli_num("--port", optarg, 1, 65535, &v, err, errlen) < 0)
				return PARSE_ERROR;
			o->port = (uint16_t)v;
			break;
		case OPT_PAYLOAD:
			if (parse_size(optarg, 0, TWTEST_MAX_PAYLOAD, &v, &why) < 0)
				return cli_fail(err, errlen, "invalid --payload '%s': %s (0-64m)", optarg, why);
			o->payload = (uint32_t)v;
			if (v == 0)
				o->sequential = 1;
			break;
		case OPT_TIMEOUT:
			if (cli_num("--timeout", optarg, 1, 3600000, &v, err, errlen) < 0)
				return PARSE_ERROR;
			o->timeout_ms = (uint32_t)v;
			break;
		case OPT_INTERVAL:
			if (cli_num("--interval", optarg, 0, 3600000, &v, err, errlen) < 0)
				return PARSE_ERROR;
			o->interval_ms = (uint32_t)v;
			break;
		case OPT_CLOSE: {
			int i = parse_choice(optarg, client_close_names);
			if (i < 0)
				return cli_fail(err, errlen,
					    "invalid --close '%s': must be client, server or shutdown", optarg);
			o->close_mode = (enum client_close)i;
			break;
		}
		case OPT_FORMAT: {
			int i = parse_choice(optarg, format_names);
			if (i < 0)
				return cli_fail(err, errlen, "invalid --format '%s': must be text, csv or json",
					    optarg);
			o->format = (enum output_format)i;
			break;
		}
		case OPT_REUSEPORT: o->reuseport = 1; break;
		case OPT_LINGER: o->linger = 1; break;
		case OPT_REUSEADDR: o->reuseaddr = 1; break;
		case OPT_BIND_NO_PORT: o->bind_no_port = 1; break;
		case OPT_FAIL_ON_ERROR: o->fail_on_error = 1; break;
		case OPT_THREADS:
			if (cli_num("--threads", optarg, 1, TWTEST_MAX_THREADS, &v, err, errlen) < 0)
				return PARSE_ERROR;
			o->threads = (uint32_t)v;
			break;
		case OPT_WAIT_CLEAR: o->wait_clear = 1; break;
		case OPT_NO_OBSERVE: o->no_observe = 1; break;
		case OPT_WAIT_CLEAR_TIMEOUT:
			if (cli_num("--wait-clear-timeout", optarg, 0, 86400, &v, err, errlen) < 0)
				return PARSE_ERROR;
			o->wait_clear_timeout_s = (uint32_t)v;
			break;
		case OPT_SEQUENTIAL: o->sequential = 1; break;
		case OPT_SOURCE_PORT:
			if (cli_num("--source-port", optarg, 1, 65535, &v, err, errlen) < 0)
				return PARSE_ERROR;
			o->source_port = (uint16_t)v;
			o->sequential = 1;
			break;
		case OPT_READ_DELAY:
			if (cli_num("--read-delay", optarg, 0, 3600000, &v, err, errlen) < 0)
				return PARSE_ERROR;
			o->read_delay_ms = (uint32_t)v;
			o->sequential = 1;
			break;
		case OPT_CLOSE_AFTER:
			if (cli_num("--close-after", optarg, 0, 3600000, &v, err, errlen) < 0)
				return PARSE_ERROR;
			o->close_after_ms = (int64_t)v;
			o->sequential = 1;
			break;
		case OPT_ON_EOF: {
			int i = parse_choice(optarg, client_on_eof_names);
			if (i < 0)
				return cli_fail(err, errlen,
					    "invalid --on-eof '%s': must be close, shutdown or ignore", optarg);
			o->on_eof = (enum client_on_eof)i;
			o->sequential = 1;
			break;
		}
		case OPT_CLOSE_ON_DATA: o->close_on_data = o->sequential = 1; break;
		case OPT_REPORT_CONNS: o->report_conns = o->sequential = 1; break;
		case OPT_BIND:
			if (addrlist_parse(optarg, &o->binds, &why) < 0)
				return cli_fail(err, errlen, "invalid --bind '%s': %s", optarg, why);
			o->bind = o->binds.seg[0].first;
			o->bind_name = optarg;
			break;
		case OPT_PORT_RANGE:
			if (parse_u16_range(optarg, 1, 65535, &o->port_lo, &o->port_hi, &why) < 0)
				return cli_fail(err, errlen, "invalid --local-port-range '%s': %s", optarg, why);
			break;
		}
	}
	if (c != CLI_END)
		return cli_result(c);

	int npos = argc - optind;
	char **pos = argv + optind;
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

	/* Cross-option rules, one message each. */
	if (o->linger && o->close_mode == CLIENT_CLOSE_SHUTDOWN)
		return cli_fail(err, errlen, "--linger conflicts with --close=shutdown: the FIN is already sent, RST cannot replace it");
	if (o->threads > o->conns)
		return cli_fail(err, errlen, "--threads %u is more than CONNS %u", o->threads, o->conns);
	if (seen[OPT_WAIT_CLEAR_TIMEOUT] && !o->wait_clear)
		return cli_fail(err, errlen, "--wait-clear-timeout needs --wait-clear");
	if (o->bind_no_port && o->bind_name == NULL)
		return cli_fail(err, errlen, "--bind-no-port needs --bind ADDR");
	if (o->sequential && o->threads > 1)
		return cli_fail(err, errlen, "--threads %u conflicts with the sequential close-scenario "
			    "options (they run one connection at a time)", o->threads);
	if (o->sequential && o->bind_no_port)
		return cli_fail(err, errlen, "--bind-no-port conflicts with the sequential close-scenario options");
	if (o->source_port && o->port_hi)
		return cli_fail(err, errlen, "--source-port %u conflicts with --local-port-range", o->source_port);
	if (o->report_conns && o->format == FORMAT_CSV)
		return cli_fail(err, errlen, "--report-conns needs --format text or json (CSV rows are loops)");

	o->dst_name = pos[0];
	if (parse_host(pos[0], o->port, &o->dst, &why) < 0)
		return cli_fail(err, errlen, "invalid DSTIP '%s': %s", pos[0], why);
	if (o->bind_name && o->bind.addr.ss_family != o->dst.addr.ss_family)
		return cli_fail(err, errlen, "--bind '%s' and DSTIP '%s' are of different address families",
			    o->bind_name, o->dst_name);
	return PARSE_OK;
}
