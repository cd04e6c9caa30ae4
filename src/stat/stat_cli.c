/* The stat subcommand's command line. */
#include <string.h>

#include "lib/cli.h"
#include "lib/parse.h"
#include "stat/stat_cmd.h"

const char stat_usage[] =
	"usage: twtest stat [--port PORT] [--format text|json] [--watch MS]\n"
	"       twtest stat --wait-clear [--port PORT] [--timeout S]\n"
	"\n"
	"Counts the TCP sockets (IPv4 and IPv6) of this network namespace by state, as the\n"
	"kernel names them, through NETLINK_SOCK_DIAG. Text: one `STATE COUNT` line per state;\n"
	"JSON: one object with every state as a key.\n"
	"\n"
	"  -p, --port PORT         only sockets with PORT at either end (filtered in the kernel)\n"
	"      --format FMT        text (default) or json\n"
	"      --watch MS          print a new record every MS milliseconds until SIGINT (exit 0);\n"
	"                          text records are separated by an empty line\n"
	"      --wait-clear        print nothing; wait until no TIME_WAIT socket (with PORT, if\n"
	"                          given) remains\n"
	"      --timeout S         with --wait-clear: give up after S seconds (default 0: never)\n"
	"  -h, --help              show this help\n"
	"\n"
	"Exit status: 0 counted, or TIME_WAIT cleared; 1 the kernel's socket table could not be\n"
	"read; 2 usage error; 4 --timeout passed with TIME_WAIT left (the count is printed on\n"
	"stderr); 130 interrupted while waiting.\n";

enum { OPT_FORMAT = 256, OPT_WATCH, OPT_WAIT_CLEAR, OPT_TIMEOUT, OPT_LAST };

static const struct option stat_long_opts[] = {
	{"port", required_argument, NULL, 'p'},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"watch", required_argument, NULL, OPT_WATCH},
	{"wait-clear", no_argument, NULL, OPT_WAIT_CLEAR},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

void stat_defaults(struct stat_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->format = FORMAT_TEXT;
}

enum parse_result stat_parse_args(int argc, char **argv, struct stat_opts *o, char *err,
				  size_t errlen)
{
	static const char *const stat_formats[] = {"text", "json", NULL};
	stat_defaults(o);
	uint64_t v;
	unsigned char seen[OPT_LAST] = {0};

	cli_begin();
	int c;
	while ((c = cli_next_option(argc, argv, stat_long_opts, seen, sizeof(seen), err, errlen)) >= 0) {
		switch (c) {
		case 'p':
			if (cli_num("--port", optarg, 1, 65535, &v, err, errlen) < 0)
				return PARSE_ERROR;
			o->port = (uint16_t)v;
			break;
		case OPT_FORMAT: {
			int i = parse_choice(optarg, stat_formats);
			if (i < 0)
				return cli_fail(err, errlen, "invalid --format '%s': must be text or json",
						optarg);
			o->format = i == 0 ? FORMAT_TEXT : FORMAT_JSON;
			break;
		}
		case OPT_WATCH:
			if (cli_num("--watch", optarg, 1, 3600000, &v, err, errlen) < 0)
				return PARSE_ERROR;
			o->watch_ms = (uint32_t)v;
			break;
		case OPT_WAIT_CLEAR: o->wait_clear = 1; break;
		case OPT_TIMEOUT:
			if (cli_num("--timeout", optarg, 0, 86400, &v, err, errlen) < 0)
				return PARSE_ERROR;
			o->timeout_s = (uint32_t)v;
			break;
		}
	}
	if (c != CLI_END)
		return cli_result(c);
	if (optind < argc)
		return cli_fail(err, errlen, "unexpected argument '%s'", argv[optind]);
	if (seen[OPT_TIMEOUT] && !o->wait_clear)
		return cli_fail(err, errlen, "--timeout needs --wait-clear");
	if (o->wait_clear && o->watch_ms)
		return cli_fail(err, errlen, "--wait-clear conflicts with --watch");
	return PARSE_OK;
}
