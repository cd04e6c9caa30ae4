/* The stat subcommand's command line: one table, a row per option (stat_rows), parsed,
 * listed and turned into --help by src/lib/cli.c; the rules between its options. */
#include <stdlib.h>
#include <string.h>

#include "lib/cli.h"
#include "lib/parse.h"
#include "stat/stat_cmd.h"

void stat_defaults(struct stat_opts *o)
{
	memset(o, 0, sizeof(*o));
	/* the rest from the option rows (.def), which --help prints: stated once */
	char err[256];
	if (cli_apply_defaults(&stat_cli, o, err, sizeof(err)) < 0)
		abort(); /* a row's default its own parser refuses (tests/unit/test_stat_options.c) */
}

static const char *const stat_formats[] = {"text", "json", NULL};

/* --format text | json (stat has no CSV: the index is not the output_format). */
static enum parse_result parse_format(const char *val, void *opts, char *err, size_t errlen)
{
	int i = parse_choice(val, stat_formats);
	if (i < 0)
		return cli_fail(err, errlen, "invalid --format '%s': must be text or json", val);
	((struct stat_opts *)opts)->format = i == 0 ? FORMAT_TEXT : FORMAT_JSON;
	return PARSE_OK;
}

#define F(f) .field = offsetof(struct stat_opts, f)
#define FS(f) F(f), .size = sizeof(((struct stat_opts *)0)->f)

/* Every stat option, in --help's order (how to add one: src/client/client_cli.c). */
static const struct cli_option stat_rows[] = {
	{"port", 'p', CLI_NUMBER, FS(port), .min = 1, .max = 65535, .arg = "PORT",
	 .help = "only sockets with PORT at either end (filtered in the kernel)"},
	{"format", 0, CLI_CUSTOM, .parse = parse_format, .values = stat_formats, .arg = "FMT",
	 .def = "text", .help = "%D (default) or json"},
	{"watch", 0, CLI_TIME, FS(watch_ms), .unit_ms = 1, .min = 1, .max = 3600000, .arg = "MS",
	 .help = "print a new record every MS milliseconds until SIGINT (exit 0);\n"
		 "text records are separated by an empty line"},
	{"wait-clear", 0, CLI_FLAG, F(wait_clear),
	 .help = "print nothing; wait until no TIME_WAIT socket (with PORT, if\n"
		 "given) remains"},
	{"timeout", 0, CLI_TIME, FS(timeout_s), .unit_ms = 1000, .min = 0, .max = 86400, .arg = "S",
	 .def = "0", .help = "with --wait-clear: give up after S seconds (default %D: never)"},
	{"help", 'h', CLI_HELP, .help = "show this help"},
};

const struct cli_command stat_cli = {
	.intro =
	"usage: twtest stat [--port PORT] [--format text|json] [--watch MS]\n"
	"       twtest stat --wait-clear [--port PORT] [--timeout S]\n"
	"\n"
	"Counts the TCP sockets (IPv4 and IPv6) of this network namespace by state, as the\n"
	"kernel names them, through NETLINK_SOCK_DIAG. Text: one `STATE COUNT` line per state;\n"
	"JSON: one object with every state as a key.\n"
	"\n",
	CLI_ROWS(stat_rows),
	.outro =
	"\n"
	"Exit status: 0 counted, or TIME_WAIT cleared; 1 the kernel's socket table could not be\n"
	"read; 2 usage error; 4 --timeout passed with TIME_WAIT left (the count is printed on\n"
	"stderr); 130 interrupted while waiting.\n",
};

enum parse_result stat_parse_args(int argc, char **argv, struct stat_opts *o, char *err,
				  size_t errlen)
{
	struct cli_parse p;
	stat_defaults(o);
	enum parse_result r = cli_parse_no_operands(&p, &stat_cli, argc, argv, o, err, errlen);
	if (r != PARSE_OK)
		return r;
	if (cli_given(&p, "timeout") && !o->wait_clear)
		return cli_fail(err, errlen, "--timeout needs --wait-clear");
	if (o->wait_clear && o->watch_ms)
		return cli_fail(err, errlen, "--wait-clear conflicts with --watch");
	return PARSE_OK;
}
