/* The ports subcommand's command line. */
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

#include "lib/cli.h"
#include "lib/parse.h"
#include "ports/ports_cmd.h"

const char ports_usage[] =
	"usage: twtest ports [--top N] [--dst ADDR] [--dport PORT] [--interval MS]\n"
	"                    [--watch MS] [--format text|json|prom] [--fail-above PCT]\n"
	"\n"
	"Read-only: who holds this network namespace's ephemeral ports. Groups every TCP socket\n"
	"whose local port connect() could have drawn (ip_local_port_range less\n"
	"ip_local_reserved_ports) by (source, destination, destination port): counts by state,\n"
	"ports in use and free, when TIME_WAIT ports come free (1, 10, 30, 60 s), new TIME_WAIT\n"
	"per second and the seconds until the group runs out at that rate, and whether\n"
	"tcp_tw_reuse can help toward that destination. Ports held by bind() without a\n"
	"connection count as used in every group. See docs/ports.md.\n"
	"\n"
	"      --top N             show the N fullest groups (default 10; 0: all)\n"
	"      --dst ADDR          only groups toward this IP address\n"
	"      --dport PORT        only groups toward this destination port\n"
	"      --interval MS       the rate's window: TIME_WAIT sockets younger than MS are new\n"
	"                          (default 1000; 1-60000)\n"
	"      --watch MS          a new sample every MS milliseconds until SIGINT\n"
	"      --format FMT        text (default), json (one object per sample) or prom\n"
	"                          (Prometheus text format, for node_exporter's textfile collector)\n"
	"      --fail-above PCT    exit 3 when a group has more than PCT percent of its ports in\n"
	"                          use (0-100); with --watch, stop at the first such sample\n"
	"  -h, --help              show this help\n"
	"\n"
	"Exit status: 0 sampled (and no group above --fail-above); 1 the kernel's socket table\n"
	"or the port range could not be read; 2 usage error; 3 a group is above --fail-above.\n";

enum { OPT_TOP = 256, OPT_DST, OPT_DPORT, OPT_INTERVAL, OPT_WATCH, OPT_FORMAT, OPT_FAIL_ABOVE,
       OPT_LAST };

static const struct option ports_long_opts[] = {
	{"top", required_argument, NULL, OPT_TOP},
	{"dst", required_argument, NULL, OPT_DST},
	{"dport", required_argument, NULL, OPT_DPORT},
	{"interval", required_argument, NULL, OPT_INTERVAL},
	{"watch", required_argument, NULL, OPT_WATCH},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"fail-above", required_argument, NULL, OPT_FAIL_ABOVE},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

void ports_defaults(struct ports_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->top = 10;
	o->interval_ms = 1000;
	o->format = PORTS_TEXT;
	o->fail_above = -1;
}

/* --dst: an IP literal, kept as family and raw address. */
static enum parse_result parse_dst(struct ports_opts *o, const char *val, char *err, size_t errlen)
{
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

static const char *const ports_formats[] = {"text", "json", "prom", NULL};

#define F(f) .field = offsetof(struct ports_opts, f)
#define FS(f) F(f), .size = sizeof(((struct ports_opts *)0)->f)

/* The options parsed by a table row (--dst has its own parsing). */
static const struct cli_rule ports_rules[] = {
	{OPT_TOP, CLI_NUMBER, "--top", 0, 1000000, FS(top)},
	{OPT_DPORT, CLI_NUMBER, "--dport", 1, 65535, FS(dport)},
	{OPT_INTERVAL, CLI_NUMBER, "--interval", 1, 60000, FS(interval_ms)},
	{OPT_WATCH, CLI_NUMBER, "--watch", 1, 3600000, FS(watch_ms)},
	{OPT_FAIL_ABOVE, CLI_NUMBER, "--fail-above", 0, 100, FS(fail_above)},
	{OPT_FORMAT, CLI_CHOICE, "--format", .names = ports_formats, .choices = "text, json or prom",
	 F(format)},
};

enum parse_result ports_parse_args(int argc, char **argv, struct ports_opts *o, char *err,
				   size_t errlen)
{
	ports_defaults(o);
	unsigned char seen[OPT_LAST] = {0};
	cli_begin();
	int c, tag;
	while ((c = cli_next_option(argc, argv, ports_long_opts, seen, sizeof(seen), err, errlen)) >= 0) {
		if (c == 'p')
			return cli_fail(err, errlen, "unknown option '-p' (did you mean --dport?)");
		int r = cli_table_option(ports_rules, sizeof(ports_rules) / sizeof(ports_rules[0]), c,
					 optarg, o, &tag, err, errlen);
		if (r < 0 || (r == 0 && c == OPT_DST && parse_dst(o, optarg, err, errlen) != PARSE_OK))
			return PARSE_ERROR;
	}
	if (c != CLI_END)
		return cli_result(c);
	if (optind < argc)
		return cli_fail(err, errlen, "unexpected argument '%s'", argv[optind]);
	return PARSE_OK;
}
