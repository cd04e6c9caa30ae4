/* The ports subcommand's command line: one table, a row per option (ports_rows), parsed,
 * listed and turned into --help by src/lib/cli.c. */
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cli.h"
#include "lib/parse.h"
#include "ports/ports_cmd.h"
#include "ports/ports_exporter.h"

void ports_defaults(struct ports_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->fail_above = -1; /* not given: no help line states it */
	/* the rest from the option rows (.def), which --help prints: stated once */
	char err[256];
	if (cli_apply_defaults(&ports_cli, o, err, sizeof(err)) < 0)
		abort(); /* a row's default its own parser refuses (tests/unit/test_ports.c) */
}

/* --dst: an IP literal, kept as family and raw address. */
static enum parse_result parse_dst(const char *val, void *opts, char *err, size_t errlen)
{
	struct ports_opts *o = opts;
	struct endpoint ep;
	const char *why;
	if (parse_ip_literal(val, 0, &ep, &why) < 0)
		return cli_fail(err, errlen, "invalid --dst '%s': %s", val, why);
	o->dst_name = val;
	o->dst_family = ep.addr.ss_family;
	if (ep.addr.ss_family == AF_INET)
		memcpy(o->dst, &((struct sockaddr_in *)&ep.addr)->sin_addr, 4);
	else
		memcpy(o->dst, &((struct sockaddr_in6 *)&ep.addr)->sin6_addr, 16);
	return PARSE_OK;
}

/* --nat-ports LO-HI: the pool the NAT rule gives (whether given: ports_parse_args). */
static enum parse_result parse_nat_ports(const char *val, void *opts, char *err, size_t errlen)
{
	struct ports_opts *o = opts;
	const char *why;
	if (parse_u16_range(val, 1, 65535, &o->nat_lo, &o->nat_hi, &why) < 0)
		return cli_fail(err, errlen, "invalid --nat-ports '%s': %s", val, why);
	return PARSE_OK;
}

/* --listen: [ADDR:]PORT to serve /metrics on. */
static enum parse_result parse_listen(const char *val, void *opts, char *err, size_t errlen)
{
	struct ports_opts *o = opts;
	const char *why;
	if (ports_parse_listen(val, &o->listen_addr, &why) < 0)
		return cli_fail(err, errlen, "invalid --listen '%s': %s", val, why);
	o->listen = val;
	return PARSE_OK;
}

static const char *const ports_formats[] = {"text", "json", "prom", NULL};

/* -p is the client's and server's port: point at the option meant here. */
static enum parse_result refuse_p(const char *val, void *opts, char *err, size_t errlen)
{
	(void)val, (void)opts;
	return cli_fail(err, errlen, "unknown option '-p' (did you mean --dport?)");
}

#define F(f) .field = offsetof(struct ports_opts, f)
#define FS(f) F(f), .size = sizeof(((struct ports_opts *)0)->f)

/* Every ports option, in --help's order (how to add one: src/client/client_cli.c). */
static const struct cli_option ports_rows[] = {
	{"top", 0, CLI_NUMBER, FS(top), .min = 0, .max = 1000000, .arg = "N",
	 .def = "10", .help = "show the N fullest groups (default %D; 0: all)"},
	{"dst", 0, CLI_CUSTOM, .parse = parse_dst, .arg = "ADDR",
	 .help = "only groups toward this IP address"},
	{"dport", 0, CLI_NUMBER, FS(dport), .min = 1, .max = 65535, .arg = "PORT",
	 .help = "only groups toward this destination port"},
	{"interval", 0, CLI_TIME, FS(interval_ms), .unit_ms = 1, .min = 1, .max = 60000, .arg = "MS",
	 .def = "1000",
	 .help = "the rate's window: TIME_WAIT sockets younger than MS are new\n"
		 "(default %D; 1-60000)"},
	{"watch", 0, CLI_TIME, FS(watch_ms), .unit_ms = 1, .min = 1, .max = 3600000, .arg = "MS",
	 .help = "a new sample every MS milliseconds until SIGINT"},
	{"format", 0, CLI_CHOICE, F(format), .values = ports_formats, .arg = "FMT",
	 .def = "text", .help = "%D (default), json (one object per sample) or prom\n"
		 "(Prometheus text format, for node_exporter's textfile collector)"},
	{"fail-above", 0, CLI_NUMBER, FS(fail_above), .min = 0, .max = 100, .arg = "PCT",
	 .help = "exit 3 when a group has more than PCT percent of its ports in\n"
		 "use (0-100); with --watch, stop at the first such sample"},
	{"nat", 0, CLI_FLAG, F(nat),
	 .help = "the NAT's ports instead: SNAT entries of the conntrack table by\n"
		 "(translated source, destination, destination port); needs\n"
		 "CAP_NET_ADMIN (see docs/ports.md)"},
	{"nat-ports", 0, CLI_CUSTOM, .parse = parse_nat_ports, .arg = "LO-HI",
	 .def = "1024-65535",
	 .help = "with --nat: the pool the SNAT/masquerade rule gives (default\n"
		 "%D, the kernel's for source ports from 1024)"},
	{"listen", 0, CLI_CUSTOM, .parse = parse_listen, .arg = "[ADDR:]PORT",
	 .help = "serve the figures to Prometheus instead: GET /metrics on ADDR:PORT\n"
		 "(default ADDR 0.0.0.0; [V6]:PORT), sampled at most once per\n"
		 "--interval, until SIGINT/SIGTERM (docs/monitoring.md)"},
	{"help", 'h', CLI_HELP, .help = "show this help"},
	{NULL, 'p', CLI_CUSTOM, .parse = refuse_p, .arg = "PORT"}, /* not shown */
};

const struct cli_command ports_cli = {
	.intro =
	"usage: twtest ports [--top N] [--dst ADDR] [--dport PORT] [--interval MS]\n"
	"                    [--watch MS] [--format text|json|prom] [--fail-above PCT]\n"
	"                    [--nat [--nat-ports LO-HI]]\n"
	"       twtest ports --listen [ADDR:]PORT [--top N] [--dst ADDR] [--dport PORT]\n"
	"                    [--interval MS] [--nat [--nat-ports LO-HI]]\n"
	"\n"
	"Read-only: who holds this network namespace's ephemeral ports. Groups every TCP socket\n"
	"whose local port connect() could have drawn (ip_local_port_range less\n"
	"ip_local_reserved_ports) by (source, destination, destination port): counts by state,\n"
	"ports in use and free, when TIME_WAIT ports come free (1, 10, 30, 60 s), new TIME_WAIT\n"
	"per second and the seconds until the group runs out at that rate, and whether\n"
	"tcp_tw_reuse can help toward that destination. Ports held by bind() without a\n"
	"connection count as used in every group. See docs/ports.md.\n"
	"\n",
	CLI_ROWS(ports_rows),
	.outro =
	"\n"
	"Exit status: 0 sampled (and no group above --fail-above), or with --listen stopped by\n"
	"SIGINT/SIGTERM; 1 the kernel's socket table, the port range or (--nat) the conntrack\n"
	"table could not be read, or the --listen address could not be bound; 2 usage error;\n"
	"3 a group is above --fail-above.\n",
};

enum parse_result ports_parse_args(int argc, char **argv, struct ports_opts *o, char *err,
				   size_t errlen)
{
	struct cli_parse p;
	ports_defaults(o);
	enum parse_result r = cli_parse_no_operands(&p, &ports_cli, argc, argv, o, err, errlen);
	o->nat_ports_given = r == PARSE_OK && cli_given(&p, "nat-ports");
	if (o->nat_ports_given && !o->nat)
		return cli_fail(err, errlen, "--nat-ports needs --nat");
	static const char *const not_with_listen[] = {"format", "fail-above", "watch"};
	for (size_t i = 0; r == PARSE_OK && o->listen && i < 3; i++)
		if (cli_given(&p, not_with_listen[i]))
			r = cli_fail(err, errlen, "--listen cannot be used with --%s (it serves the "
				     "Prometheus format, sampling at each scrape)", not_with_listen[i]);
	return r;
}
