/* The server's command line. */
#include <stddef.h>
#include <string.h>

#include "lib/cli.h"
#include "server/server_opts.h"

const char *const server_close_names[] = {"wait", "first", "rst", NULL};

const char server_usage[] =
	"usage: twtest server [options]\n"
	"\n"
	"An epoll echo server: every byte a client sends comes back in order, until the client's\n"
	"EOF. --close chooses the server's side of the shutdown order.\n"
	"\n"
	"  -p, --port PORTS        listening port (default 4000; 0 lets the kernel choose), or\n"
	"                          several: a range LO-HI and/or a comma list (4000-4003,4010),\n"
	"                          each listened on (at most 256 ports; 0 only alone)\n"
	"      --bind ADDR         listen on ADDR only (default: every IPv4 and IPv6 address)\n"
	"      --close MODE        wait (default): close after the client's EOF, the client holds\n"
	"                          TIME_WAIT; first: close once --payload bytes were echoed, the\n"
	"                          server holds TIME_WAIT; rst: like first with SO_LINGER {1,0}:\n"
	"                          RST, no TIME_WAIT anywhere\n"
	"      --payload BYTES     bytes per connection for --close=first|rst (default 100)\n"
	"      --no-reuseaddr      do not set SO_REUSEADDR on the listener (shows the restart\n"
	"                          failure while TIME_WAIT holds the port)\n"
	"      --backlog N         listen backlog (default net.core.somaxconn)\n"
	"      --max-conns N       connections served at once; more are accepted and closed at\n"
	"                          once and counted as refused (default: descriptor limit - 32)\n"
	"      --idle-timeout MS   close a connection silent for MS milliseconds (default 60000;\n"
	"                          0 never)\n"
	"      --threads N         N event loops, each with its own SO_REUSEPORT listener on\n"
	"                          every port and its own epoll set (1-64; default 1)\n"
	"\n"
	"Close scenarios (docs/closing.md):\n"
	"      --greeting TEXT     send TEXT as soon as a connection is accepted\n"
	"      --close-after MS    close each connection MS milliseconds after accepting it\n"
	"                          (0: right after the greeting); with --close=rst by RST\n"
	"      --on-eof ACTION     what to do on the client's EOF: close (default), ignore\n"
	"                          (keep the socket open: it stays in CLOSE_WAIT), or\n"
	"                          write:TEXT (send TEXT, keep the socket open)\n"
	"  -h, --help              show this help\n"
	"\n"
	"SIGINT or SIGTERM prints a summary and exits 0.\n";

enum { OPT_BIND = 256, OPT_CLOSE, OPT_PAYLOAD, OPT_NO_REUSEADDR, OPT_BACKLOG, OPT_MAX_CONNS,
       OPT_IDLE_TIMEOUT, OPT_THREADS, OPT_GREETING, OPT_CLOSE_AFTER, OPT_ON_EOF, OPT_LAST };

#define MAX_SCENARIO_TEXT 4096 /* --greeting and --on-eof=write: fit any socket buffer */

static const struct option server_long_opts[] = {
	{"port", required_argument, NULL, 'p'},
	{"bind", required_argument, NULL, OPT_BIND},
	{"close", required_argument, NULL, OPT_CLOSE},
	{"payload", required_argument, NULL, OPT_PAYLOAD},
	{"no-reuseaddr", no_argument, NULL, OPT_NO_REUSEADDR},
	{"backlog", required_argument, NULL, OPT_BACKLOG},
	{"max-conns", required_argument, NULL, OPT_MAX_CONNS},
	{"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
	{"threads", required_argument, NULL, OPT_THREADS},
	{"greeting", required_argument, NULL, OPT_GREETING},
	{"close-after", required_argument, NULL, OPT_CLOSE_AFTER},
	{"on-eof", required_argument, NULL, OPT_ON_EOF},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

void server_defaults(struct server_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->port = TWTEST_DEFAULT_PORT;
	portlist_single(&o->ports, TWTEST_DEFAULT_PORT);
	o->payload = TWTEST_DEFAULT_PAYLOAD;
	o->close_mode = SERVER_CLOSE_WAIT;
	o->reuseaddr = 1;
	o->idle_timeout_ms = 60000;
	o->threads = 1;
	o->close_after_ms = -1;
	o->on_eof = SERVER_EOF_CLOSE;
}

#define F(f) .field = offsetof(struct server_opts, f)
#define FS(f) F(f), .size = sizeof(((struct server_opts *)0)->f)

/* The options parsed by a table row. */
static const struct cli_rule server_rules[] = {
	{OPT_BACKLOG, CLI_NUMBER, "--backlog", 1, 1u << 30, FS(backlog)},
	{OPT_MAX_CONNS, CLI_NUMBER, "--max-conns", 1, TWTEST_MAX_CONNS, FS(max_conns)},
	{OPT_IDLE_TIMEOUT, CLI_NUMBER, "--idle-timeout", 0, 86400000, FS(idle_timeout_ms)},
	{OPT_THREADS, CLI_NUMBER, "--threads", 1, TWTEST_MAX_THREADS, FS(threads)},
	{OPT_CLOSE_AFTER, CLI_NUMBER, "--close-after", 0, 86400000, FS(close_after_ms)},
	{OPT_CLOSE, CLI_CHOICE, "--close", .names = server_close_names,
	 .choices = "wait, first or rst", F(close_mode)},
};

/* --on-eof close | ignore | write:TEXT */
static enum parse_result server_on_eof(const char *val, struct server_opts *o, char *err,
				       size_t errlen)
{
	if (strcmp(val, "close") == 0) {
		o->on_eof = SERVER_EOF_CLOSE;
	} else if (strcmp(val, "ignore") == 0) {
		o->on_eof = SERVER_EOF_IGNORE;
	} else if (strncmp(val, "write:", 6) == 0 && val[6] != '\0' &&
		   strlen(val + 6) <= MAX_SCENARIO_TEXT) {
		o->on_eof = SERVER_EOF_WRITE;
		o->eof_text = val + 6;
		o->eof_text_len = (uint32_t)strlen(o->eof_text);
	} else {
		return cli_fail(err, errlen,
				"invalid --on-eof '%s': must be close, ignore or write:TEXT "
				"(TEXT 1-%d bytes)", val, MAX_SCENARIO_TEXT);
	}
	return PARSE_OK;
}

/* --port P | LO-HI | a comma list of those: every port listened on, none twice; 0 (the
 * kernel's choice) only alone, since two "0" listeners would not share one port. */
static enum parse_result server_ports(const char *val, struct server_opts *o, char *err,
				      size_t errlen)
{
	const char *why;
	if (portlist_parse(val, 0, &o->ports, &why) < 0)
		return cli_fail(err, errlen, "invalid --port '%s': %s", val, why);
	if (o->ports.total > TWTEST_MAX_SERVER_PORTS)
		return cli_fail(err, errlen, "invalid --port '%s': %u ports, at most %d", val,
				o->ports.total, TWTEST_MAX_SERVER_PORTS);
	for (uint32_t i = 0; i < o->ports.total; i++) {
		uint16_t p = portlist_get(&o->ports, i);
		if (p == 0 && o->ports.total > 1)
			return cli_fail(err, errlen, "invalid --port '%s': port 0 (the kernel's "
					"choice) only alone", val);
		for (uint32_t j = 0; j < i; j++)
			if (portlist_get(&o->ports, j) == p)
				return cli_fail(err, errlen, "invalid --port '%s': port %u given twice",
						val, p);
	}
	o->port = portlist_get(&o->ports, 0);
	return PARSE_OK;
}

/* The options that need their own parsing. */
static enum parse_result server_special_option(int c, const char *val, struct server_opts *o,
					       char *err, size_t errlen)
{
	uint64_t v;
	const char *why;
	switch (c) {
	case 'p':
		return server_ports(val, o, err, errlen);
	case OPT_BIND:
		if (parse_ip_literal(val, 0, &o->bind, &why) < 0)
			return cli_fail(err, errlen, "invalid --bind '%s': %s", val, why);
		o->bind_name = val;
		return PARSE_OK;
	case OPT_PAYLOAD:
		if (parse_size(val, 1, TWTEST_MAX_PAYLOAD, &v, &why) < 0)
			return cli_fail(err, errlen, "invalid --payload '%s': %s (1-64m)", val, why);
		o->payload = (uint32_t)v;
		return PARSE_OK;
	case OPT_NO_REUSEADDR:
		o->reuseaddr = 0;
		return PARSE_OK;
	case OPT_GREETING:
		if (val[0] == '\0' || strlen(val) > MAX_SCENARIO_TEXT)
			return cli_fail(err, errlen, "invalid --greeting '%s': must be 1-%d bytes", val,
					MAX_SCENARIO_TEXT);
		o->greeting = val;
		o->greeting_len = (uint32_t)strlen(val);
		return PARSE_OK;
	case OPT_ON_EOF:
		return server_on_eof(val, o, err, errlen);
	}
	return PARSE_OK;
}

enum parse_result server_parse_args(int argc, char **argv, struct server_opts *o, char *err,
				    size_t errlen)
{
	server_defaults(o);
	unsigned char seen[OPT_LAST] = {0};
	cli_begin();
	int c, tag;
	while ((c = cli_next_option(argc, argv, server_long_opts, seen, sizeof(seen), err, errlen)) >= 0) {
		int r = cli_table_option(server_rules, sizeof(server_rules) / sizeof(server_rules[0]), c,
					 optarg, o, &tag, err, errlen);
		if (r < 0 || (r == 0 && server_special_option(c, optarg, o, err, errlen) != PARSE_OK))
			return PARSE_ERROR;
	}
	if (c != CLI_END)
		return cli_result(c);
	if (optind < argc)
		return cli_fail(err, errlen, "unexpected argument '%s'", argv[optind]);
	if (o->bind_name)
		endpoint_set_port(&o->bind, o->port);
	return PARSE_OK;
}
