/* The server's command line: one table, a row per option (server_rows), parsed, listed
 * and turned into --help by src/lib/cli.c; the hooks for the options that parse themselves. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cli.h"
#include "server/server_opts.h"

const char *const server_close_names[] = {"wait", "first", "rst", NULL};
const char *const server_protocol_names[] = {"echo", "http", NULL};

#define MAX_SCENARIO_TEXT 4096 /* --greeting and --on-eof=write: fit any socket buffer */

void server_defaults(struct server_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->reuseaddr = 1;      /* --no-reuseaddr's row states the other way */
	o->close_after_ms = -1; /* not given: no help line states it */
	/* the rest from the option rows (.def), which --help prints: stated once */
	char err[256];
	if (cli_apply_defaults(&server_cli, o, err, sizeof(err)) < 0)
		abort(); /* a row's default its own parser refuses (a bug) */
}

/* --on-eof close | ignore | write:TEXT */
static enum parse_result parse_on_eof(const char *val, void *opts, char *err, size_t errlen)
{
	struct server_opts *o = opts;
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

/* A delay of --reply-close: DIGITS[.DIGITS]UNIT, UNIT us, ms or s, 1 us to 60 s, into ns.
 * No I/O; -1 when it is not one. */
static int parse_delay_ns(const char *val, uint64_t *out)
{
	uint64_t whole = 0, frac = 0, scale = 1;
	const char *p = val;
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((whole = whole * 10 + (uint64_t)(*p - '0')) > 60000000)
			return -1;
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			return -1;
		for (p++; *p >= '0' && *p <= '9'; p++)
			if (scale < 1000000000) { /* digits past ns are dropped */
				frac = frac * 10 + (uint64_t)(*p - '0');
				scale *= 10;
			}
	}
	uint64_t unit = strcmp(p, "us") == 0 ? 1000 : strcmp(p, "ms") == 0 ? 1000000
			: strcmp(p, "s") == 0 ? 1000000000 : 0;
	if (unit == 0)
		return -1;
	uint64_t ns = whole * unit + frac * unit / scale;
	if (ns < 1000 || ns > 60 * (uint64_t)1000000000)
		return -1;
	*out = ns;
	return 0;
}

/* --reply-close now | never | DELAY */
static enum parse_result parse_reply_close(const char *val, void *opts, char *err, size_t errlen)
{
	struct server_opts *o = opts;
	if (strcmp(val, "now") == 0)
		o->reply_close = SERVER_REPLY_CLOSE_NOW;
	else if (strcmp(val, "never") == 0)
		o->reply_close = SERVER_REPLY_CLOSE_NEVER;
	else if (parse_delay_ns(val, &o->reply_close_ns) == 0)
		o->reply_close = SERVER_REPLY_CLOSE_DELAY;
	else
		return cli_fail(err, errlen,
				"invalid --reply-close '%s': must be now or never (or a delay "
				"of 1us-60s with a unit: 200us, 0.2ms, 1s)", val);
	return PARSE_OK;
}

/* --port P | LO-HI | a comma list of those: every port listened on, none twice; 0 (the
 * kernel's choice) only alone, since two "0" listeners would not share one port. */
static enum parse_result parse_ports(const char *val, void *opts, char *err, size_t errlen)
{
	struct server_opts *o = opts;
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

/* --bind ADDR: an IP literal. */
static enum parse_result parse_bind(const char *val, void *opts, char *err, size_t errlen)
{
	struct server_opts *o = opts;
	const char *why;
	if (parse_ip_literal(val, 0, &o->bind, &why) < 0)
		return cli_fail(err, errlen, "invalid --bind '%s': %s", val, why);
	o->bind_name = val;
	return PARSE_OK;
}

/* --payload BYTES, k/m suffixes. */
static enum parse_result parse_payload(const char *val, void *opts, char *err, size_t errlen)
{
	struct server_opts *o = opts;
	uint64_t v;
	const char *why;
	if (parse_size(val, 1, TWTEST_MAX_PAYLOAD, &v, &why) < 0)
		return cli_fail(err, errlen, "invalid --payload '%s': %s (1-64m)", val, why);
	o->payload = (uint32_t)v;
	return PARSE_OK;
}

/* --no-reuseaddr */
static enum parse_result parse_no_reuseaddr(const char *val, void *opts, char *err, size_t errlen)
{
	(void)val, (void)err, (void)errlen;
	((struct server_opts *)opts)->reuseaddr = 0;
	return PARSE_OK;
}

/* What --on-eof takes, for the completion ("write:" starts write:TEXT). */
static const char *const on_eof_values[] = {"close", "ignore", "write:", NULL};
/* What --reply-close takes by name, for the completion (besides a delay). */
static const char *const reply_close_values[] = {"now", "never", NULL};

#define F(f) .field = offsetof(struct server_opts, f)
#define FS(f) F(f), .size = sizeof(((struct server_opts *)0)->f)

/* Every server option, in --help's order (how to add one: src/client/client_cli.c). */
static const struct cli_option server_rows[] = {
	{"port", 'p', CLI_CUSTOM, .parse = parse_ports, .arg = "PORTS", .def = "4000",
	 .help = "listening port (default %D; 0 lets the kernel choose), or\n"
		 "several: a range LO-HI and/or a comma list (4000-4003,4010),\n"
		 "each listened on (at most 256 ports; 0 only alone)"},
	{"bind", 0, CLI_CUSTOM, .parse = parse_bind, .arg = "ADDR",
	 .help = "listen on ADDR only (default: every IPv4 and IPv6 address)"},
	{"close", 0, CLI_CHOICE, F(close_mode), .values = server_close_names, .arg = "MODE",
	 .def = "wait",
	 .help = "%D (default): close after the client's EOF, the client holds\n"
		 "TIME_WAIT; first: close once --payload bytes were echoed, the\n"
		 "server holds TIME_WAIT; rst: like first with SO_LINGER {1,0}:\n"
		 "RST, no TIME_WAIT anywhere"},
	{"payload", 0, CLI_CUSTOM, .parse = parse_payload, .arg = "BYTES", .def = "100",
	 .help = "bytes per connection for --close=first|rst, the body of each\n"
		 "response with --protocol http (default %D)"},
	{"protocol", 0, CLI_CHOICE, F(protocol), .values = server_protocol_names, .arg = "P",
	 .def = "echo",
	 .help = "%D (default), or http: answer every HTTP/1.1 request with\n"
		 "200 and a body of --payload bytes, keep-alive unless the\n"
		 "request says otherwise; --close first|rst closes after every\n"
		 "response (docs/http.md)"},
	{"reply-close", 0, CLI_CUSTOM, .parse = parse_reply_close, .values = reply_close_values,
	 .arg = "WHEN", .def = "now",
	 .help = "--protocol http: when the server closes after a closing reply\n"
		 "(Connection: close, HTTP/1.0, --close first|rst): %D (default:\n"
		 "it closes first and holds TIME_WAIT), a delay such as 0.2ms or\n"
		 "200us (the backend of the \"How to close a socket?\" bench:\n"
		 "the client may close first within it), or never (wait for the\n"
		 "client's FIN: the client closes first and holds TIME_WAIT;\n"
		 "--idle-timeout still applies)"},
	{"no-reuseaddr", 0, CLI_CUSTOM, .parse = parse_no_reuseaddr,
	 .help = "do not set SO_REUSEADDR on the listener (shows the restart\n"
		 "failure while TIME_WAIT holds the port)"},
	{"backlog", 0, CLI_NUMBER, FS(backlog), .min = 1, .max = 1u << 30, .arg = "N",
	 .help = "listen backlog (default net.core.somaxconn)"},
	{"max-conns", 0, CLI_NUMBER, FS(max_conns), .min = 1, .max = TWTEST_MAX_CONNS, .arg = "N",
	 .help = "connections served at once; more are accepted and closed at\n"
		 "once and counted as refused (default: descriptor limit - 32)"},
	{"idle-timeout", 0, CLI_TIME, FS(idle_timeout_ms), .unit_ms = 1, .min = 0, .max = 86400000,
	 .arg = "MS", .def = "60000",
	 .help = "close a connection silent for MS milliseconds (default %D;\n"
		 "0 never)"},
	{"threads", 0, CLI_NUMBER, FS(threads), .min = 1, .max = TWTEST_MAX_THREADS, .arg = "N",
	 .def = "1",
	 .help = "N event loops, each with its own SO_REUSEPORT listener on\n"
		 "every port and its own epoll set (1-64; default %D)"},

	{.kind = CLI_TEXT, .help = "\nClose scenarios (docs/closing.md):\n"},
	{"greeting", 0, CLI_STRING, F(greeting), .min = 1, .max = MAX_SCENARIO_TEXT, .arg = "TEXT",
	 .help = "send TEXT as soon as a connection is accepted"},
	{"close-after", 0, CLI_TIME, FS(close_after_ms), .unit_ms = 1, .min = 0, .max = 86400000, .arg = "MS",
	 .help = "close each connection MS milliseconds after accepting it\n"
		 "(0: right after the greeting); with --close=rst by RST"},
	{"on-eof", 0, CLI_CUSTOM, .parse = parse_on_eof, .values = on_eof_values, .arg = "ACTION",
	 .def = "close",
	 .help = "what to do on the client's EOF: %D (default), ignore\n"
		 "(keep the socket open: it stays in CLOSE_WAIT), or\n"
		 "write:TEXT (send TEXT, keep the socket open)"},
	{"help", 'h', CLI_HELP, .help = "show this help"},
};

const struct cli_command server_cli = {
	.intro =
	"usage: twtest server [options]\n"
	"\n"
	"An epoll echo server: every byte a client sends comes back in order, until the client's\n"
	"EOF. --close chooses the server's side of the shutdown order.\n"
	"\n",
	CLI_ROWS(server_rows),
	.outro = "\nSIGINT or SIGTERM prints a summary and exits 0.\n",
};

enum parse_result server_parse_args(int argc, char **argv, struct server_opts *o, char *err,
				    size_t errlen)
{
	struct cli_parse p;
	server_defaults(o);
	enum parse_result r = cli_parse_no_operands(&p, &server_cli, argc, argv, o, err, errlen);
	if (r != PARSE_OK)
		return r;
	if (o->greeting)
		o->greeting_len = (uint32_t)strlen(o->greeting);
	if (o->protocol == SERVER_PROTO_HTTP && (o->greeting || cli_given(&p, "on-eof")))
		return cli_fail(err, errlen, "%s works with --protocol echo only",
				o->greeting ? "--greeting" : "--on-eof");
	if (cli_given(&p, "reply-close") && o->protocol != SERVER_PROTO_HTTP)
		return cli_fail(err, errlen, "--reply-close works with --protocol http only");
	if (o->reply_close == SERVER_REPLY_CLOSE_NEVER && o->close_mode == SERVER_CLOSE_RST)
		return cli_fail(err, errlen, "--reply-close never contradicts --close rst "
				"(which resets after every reply)");
	if (o->bind_name)
		endpoint_set_port(&o->bind, o->port);
	return PARSE_OK;
}
