/* Unit tests of the command lines: the client and server parsers (src/client/client_cli.c,
 * src/server/server_cli.c) and the table machinery they use (src/lib/cli.c). */
#include <stddef.h>
#include <stdlib.h>

#include "client/client_opts.h"
#include "server/server_opts.h"
#include "unit.h"

#define MAXARGS 32

/* Parse a NULL-terminated list of arguments as the client's command line. */
static enum parse_result client_args(struct client_opts *o, char *err, ...)
{
	char *argv[MAXARGS];
	va_list ap;
	va_start(ap, err);
	int argc = unit_argv(argv, MAXARGS, "client", ap);
	va_end(ap);
	err[0] = '\0';
	return client_parse_args(argc, argv, o, err, 256);
}

/* The same for the server's command line. */
static enum parse_result server_args(struct server_opts *o, char *err, ...)
{
	char *argv[MAXARGS];
	va_list ap;
	va_start(ap, err);
	int argc = unit_argv(argv, MAXARGS, "server", ap);
	va_end(ap);
	err[0] = '\0';
	return server_parse_args(argc, argv, o, err, 256);
}

/* Rule: the original positional form keeps working, REUSEPORT and LINGER default to 0. */
TEST(client_positional_form)
{
	struct client_opts o;
	char err[256];
	CHECK(client_args(&o, err, "127.0.0.1", "10", "10000", "1", "0", NULL) == PARSE_OK);
	CHECK(o.loops == 10 && o.conns == 10000 && o.reuseport == 1 && o.linger == 0);
	CHECK(o.port == 4000 && o.payload == 100 && o.timeout_ms == 10000);
	CHECK(o.close_mode == CLIENT_CLOSE_CLIENT && o.format == FORMAT_TEXT);
	CHECK(client_args(&o, err, "127.0.0.1", "1", "5", NULL) == PARSE_OK);
	CHECK(o.reuseport == 0 && o.linger == 0);
	CHECK(client_args(&o, err, "::1", "1", "5", "0", "1", NULL) == PARSE_OK);
	CHECK(o.linger == 1 && o.dst.addr.ss_family == AF_INET6);
}

/* Rule: long options set the same things and more, before or after the positionals. */
TEST(client_long_options)
{
	struct client_opts o;
	char err[256];
	CHECK(client_args(&o, err, "--reuseport", "--linger", "--port", "4100", "--payload", "4k",
			  "--timeout", "250", "--close", "server", "--format", "json", "--interval", "5",
			  "--local-port-range", "40000-40999", "--bind", "127.0.0.2", "--bind-no-port",
			  "--reuseaddr", "--fail-on-error", "127.0.0.1", "2", "3", NULL) == PARSE_OK);
	CHECK(o.reuseport && o.linger && o.reuseaddr && o.bind_no_port && o.fail_on_error);
	CHECK(o.port == 4100 && o.payload == 4096 && o.timeout_ms == 250 && o.interval_ms == 5);
	CHECK(o.close_mode == CLIENT_CLOSE_SERVER && o.format == FORMAT_JSON);
	CHECK(o.port_lo == 40000 && o.port_hi == 40999);
	CHECK(client_args(&o, err, "127.0.0.1", "2", "3", "--close=shutdown", NULL) == PARSE_OK);
	CHECK(o.close_mode == CLIENT_CLOSE_SHUTDOWN);
}

/* Rule: every bad value is refused with a message naming the argument and its value. */
TEST(client_bad_input_named)
{
	struct client_opts o;
	char err[256];
	struct {
		const char *a[8];
		const char *want; /* a substring of the message */
	} cases[] = {
		{{"127.0.0.1", "abc", "10"}, "LOOPS 'abc'"},
		{{"127.0.0.1", "0", "10"}, "LOOPS '0'"},
		{{"127.0.0.1", "1", "0"}, "CONNS '0'"},
		{{"127.0.0.1", "1", "99999999999999999999"}, "CONNS '99999999999999999999'"},
		{{"127.0.0.1", "1", "-5"}, "'-5'"},
		{{"127.0.0.1", "1", "1", "2"}, "REUSEPORT '2'"},
		{{"127.0.0.1", "1", "1", "0", "x"}, "LINGER 'x'"},
		{{"999.1.1.1", "1", "1"}, "DSTIP '999.1.1.1'"},
		{{"127.0.0.1", "1"}, "missing CONNS"},
		{{"127.0.0.1", "1", "1", "0", "0", "extra"}, "'extra'"},
		{{"--port", "65536", "127.0.0.1", "1", "1"}, "--port '65536'"},
		{{"--port", "0", "127.0.0.1", "1", "1"}, "--port '0'"},
		{{"--payload", "1x", "127.0.0.1", "1", "1"}, "--payload '1x'"},
		{{"--payload", "1g", "127.0.0.1", "1", "1"}, "--payload '1g'"},
		{{"--timeout", "x", "127.0.0.1", "1", "1"}, "--timeout 'x'"},
		{{"--close", "both", "127.0.0.1", "1", "1"}, "--close 'both'"},
		{{"--format", "xml", "127.0.0.1", "1", "1"}, "--format 'xml'"},
		{{"--bind", "nowhere", "127.0.0.1", "1", "1"}, "--bind 'nowhere'"},
		{{"--local-port-range", "9-1", "127.0.0.1", "1", "1"}, "--local-port-range '9-1'"},
		{{"--frobnicate", "127.0.0.1", "1", "1"}, "'--frobnicate'"},
		{{"127.0.0.1", "1", "1", "--port"}, "'--port' needs a value"},
		{{"--port", "1", "--port", "2", "127.0.0.1", "1", "1"}, "'--port' given more than once"},
		{{"--linger", "--close", "shutdown", "127.0.0.1", "1", "1"}, "--linger conflicts"},
		{{"--bind-no-port", "127.0.0.1", "1", "1"}, "--bind-no-port needs --bind"},
		{{"--bind", "::1", "127.0.0.1", "1", "1"}, "different address families"},
		{{"--bind", "127.0.0.9-127.0.0.2", "127.0.0.1", "1", "1"}, "--bind '127.0.0.9-127.0.0.2': a range must not run backwards"},
		{{"--bind", "::2-::3", "127.0.0.1", "1", "1"}, "different address families"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char **a = cases[i].a;
		enum parse_result r = client_args(&o, err, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
		if (r != PARSE_ERROR || strstr(err, cases[i].want) == NULL || strchr(err, '\n')) {
			fprintf(stderr, "  case %zu: result %d, message \"%s\", want \"%s\"\n", i, r, err,
				cases[i].want);
			(*unit_failures)++;
		}
	}
}

/* Rule: --help is reported as such, not as an error. */
TEST(client_help)
{
	struct client_opts o;
	char err[256];
	CHECK(client_args(&o, err, "--help", NULL) == PARSE_HELP);
	CHECK(client_args(&o, err, "127.0.0.1", "1", "1", "-h", NULL) == PARSE_HELP);
}

/* Rule: the server's defaults are the documented ones, and its bad input is named. */
TEST(server_options)
{
	struct server_opts o;
	char err[256];
	CHECK(server_args(&o, err, NULL) == PARSE_OK);
	CHECK(o.port == 4000 && o.reuseaddr == 1 && o.close_mode == SERVER_CLOSE_WAIT);
	CHECK(o.payload == 100 && o.backlog == 0 && o.max_conns == 0 && o.idle_timeout_ms == 60000);
	CHECK(o.bind_name == NULL);
	CHECK(server_args(&o, err, "--port", "0", "--close=first", "--no-reuseaddr", "--bind", "::1",
			  "--backlog", "16", "--max-conns", "100", "--idle-timeout", "0", NULL) == PARSE_OK);
	CHECK(o.port == 0 && o.close_mode == SERVER_CLOSE_FIRST && o.reuseaddr == 0);
	CHECK(o.backlog == 16 && o.max_conns == 100 && o.idle_timeout_ms == 0 && o.bind_name != NULL);
	CHECK(server_args(&o, err, "--close", "later", NULL) == PARSE_ERROR);
	CHECK(strstr(err, "--close 'later'") != NULL);
	CHECK(server_args(&o, err, "--port", "70000", NULL) == PARSE_ERROR);
	CHECK(strstr(err, "--port '70000'") != NULL);
	CHECK(server_args(&o, err, "--max-conns", "0", NULL) == PARSE_ERROR);
	CHECK(strstr(err, "--max-conns '0'") != NULL);
	CHECK(server_args(&o, err, "stray", NULL) == PARSE_ERROR);
	CHECK(strstr(err, "'stray'") != NULL);
	CHECK(server_args(&o, err, "--help", NULL) == PARSE_HELP);
}

/* Rule: server --threads defaults to 1 and takes 1-64. */
TEST(server_threads_option)
{
	struct server_opts o;
	char err[256];
	CHECK(server_args(&o, err, NULL) == PARSE_OK && o.threads == 1);
	CHECK(server_args(&o, err, "--threads", "4", NULL) == PARSE_OK && o.threads == 4);
	CHECK(server_args(&o, err, "--threads", "0", NULL) == PARSE_ERROR);
	CHECK(strstr(err, "--threads '0'") != NULL);
	CHECK(server_args(&o, err, "--threads", "65", NULL) == PARSE_ERROR);
}

/* Rule: server --port takes a list or range, every port kept in order for its own
 * listener; the default is the one port 4000; a port twice, 0 beside others and more than
 * 256 ports are refused with the value named. */
TEST(server_port_list)
{
	struct server_opts o;
	char err[256];
	CHECK(server_args(&o, err, NULL) == PARSE_OK && o.ports.total == 1 && o.port == 4000);
	CHECK(portlist_get(&o.ports, 0) == 4000);
	CHECK(server_args(&o, err, "--port", "5000-5002,5010", NULL) == PARSE_OK);
	CHECK(o.ports.total == 4 && o.port == 5000 && portlist_get(&o.ports, 3) == 5010);
	CHECK(server_args(&o, err, "-p", "0", NULL) == PARSE_OK && o.ports.total == 1 && o.port == 0);
	CHECK(server_args(&o, err, "--port", "5000,5000", NULL) == PARSE_ERROR);
	CHECK(strstr(err, "--port '5000,5000': port 5000 given twice") != NULL);
	CHECK(server_args(&o, err, "--port", "5000-5002,5001", NULL) == PARSE_ERROR);
	CHECK(strstr(err, "port 5001 given twice") != NULL);
	CHECK(server_args(&o, err, "--port", "0,5000", NULL) == PARSE_ERROR);
	CHECK(strstr(err, "--port '0,5000'") != NULL);
	CHECK(server_args(&o, err, "--port", "5000-5256", NULL) == PARSE_ERROR);
	CHECK(strstr(err, "257 ports, at most 256") != NULL);
	CHECK(server_args(&o, err, "--port", "5000-5255", NULL) == PARSE_OK && o.ports.total == 256);
	CHECK(server_args(&o, err, "--port", "5000,", NULL) == PARSE_ERROR);
	CHECK(strstr(err, "--port '5000,'") != NULL);
}

/* A small command for the table machinery's own tests (src/lib/cli.c). */
struct demo_opts {
	int flag;
	uint16_t port;
	int mode;
	const char *text;
	int cleared;
};
static const char *const demo_modes[] = {"one", "two", "three", NULL};

static enum parse_result demo_clear(const char *val, void *opts, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	((struct demo_opts *)opts)->cleared = val == NULL;
	return PARSE_OK;
}

static const struct cli_option demo_rows[] = {
	{"port", 'p', CLI_NUMBER, .field = offsetof(struct demo_opts, port), .size = 2, .min = 1,
	 .max = 65535, .arg = "PORT", .help = "the port"},
	{"flag", 0, CLI_FLAG, .field = offsetof(struct demo_opts, flag), .help = "a flag\nsecond line"},
	{.kind = CLI_TEXT, .help = "\nSection:\n"},
	{"mode", 0, CLI_CHOICE, .field = offsetof(struct demo_opts, mode), .values = demo_modes,
	 .arg = "MODE", .help = "a mode"},
	{"a-rather-long-name", 0, CLI_STRING, .field = offsetof(struct demo_opts, text), .min = 1,
	 .max = 3, .arg = "TEXT", .help = "too wide for the column"},
	{.kind = CLI_TEXT, .arg = "--mode two", .help = "a use of an option"},
	{"clear", 0, CLI_CUSTOM, .parse = demo_clear}, /* not shown in --help */
	{"help", 'h', CLI_HELP, .help = "show this help"},
};
static const struct cli_command demo_cli = {
	.intro = "usage: demo\n", CLI_ROWS(demo_rows), .outro = "end\n",
	.operands = (const char *const[]){"HOST", "COUNT", NULL}};

/* Parse a NULL-terminated argument list with demo_cli. */
static enum parse_result demo_args(struct demo_opts *o, char *err, ...)
{
	char *argv[MAXARGS];
	struct cli_parse p;
	va_list ap;
	va_start(ap, err);
	int argc = unit_argv(argv, MAXARGS, "demo", ap);
	va_end(ap);
	memset(o, 0, sizeof(*o));
	err[0] = '\0';
	return cli_parse_options(&p, &demo_cli, argc, argv, o, err, 256);
}

/* Run fn(out, &demo_cli) into buf. */
static void demo_print(void (*fn)(FILE *, const struct cli_command *), char *buf, size_t len)
{
	FILE *f = fmemopen(buf, len, "w");
	fn(f, &demo_cli);
	fclose(f);
}

/* Rule: --help is generated from the rows: a short name leads "  -p, ", the text starts at
 * column 26 or on the next line when the left column is wider, further lines are indented
 * to it, text rows are printed as they are, a row without help is not shown. */
TEST(cli_help_from_rows)
{
	char buf[2048];
	demo_print(cli_print_help, buf, sizeof(buf));
	CHECK_STR(buf, "usage: demo\n"
		       "  -p, --port PORT         the port\n"
		       "      --flag              a flag\n"
		       "                          second line\n"
		       "\nSection:\n"
		       "      --mode MODE         a mode\n"
		       "      --a-rather-long-name TEXT\n"
		       "                          too wide for the column\n"
		       "      --mode two          a use of an option\n"
		       "  -h, --help              show this help\n"
		       "end\n");
}

/* Rule: --list-options prints every option one a line: "--name" without a value,
 * "--name=" with a free value, "--name V..." with fixed values; text rows are not options. */
TEST(cli_list_options_from_rows)
{
	char buf[1024];
	demo_print(cli_list_options, buf, sizeof(buf));
	CHECK_STR(buf, "--port=\n--flag\n--mode one two three\n--a-rather-long-name=\n--clear\n--help\n");
}

/* Rule: each kind parses strictly into its field, the choice refusal lists the names, a
 * string's length is bounded, an option given twice is refused, and a hook without a value
 * is called without one. */
TEST(cli_kinds_parse_into_fields)
{
	struct demo_opts o;
	char err[256];
	CHECK(demo_args(&o, err, "-p", "80", "--flag", "--mode=three", "--a-rather-long-name", "abc",
			"--clear", NULL) == PARSE_OK);
	CHECK(o.port == 80 && o.flag == 1 && o.mode == 2 && strcmp(o.text, "abc") == 0 && o.cleared);
	CHECK(demo_args(&o, err, "--mode", "four", NULL) == PARSE_ERROR);
	CHECK_STR(err, "invalid --mode 'four': must be one, two or three");
	CHECK(demo_args(&o, err, "--a-rather-long-name", "abcd", NULL) == PARSE_ERROR);
	CHECK_STR(err, "invalid --a-rather-long-name 'abcd': must be 1-3 bytes");
	CHECK(demo_args(&o, err, "--a-rather-long-name", "", NULL) == PARSE_ERROR);
	CHECK(demo_args(&o, err, "--port", "0", NULL) == PARSE_ERROR);
	CHECK(strstr(err, "invalid --port '0'") != NULL);
	CHECK(demo_args(&o, err, "-p", "1", "--port", "2", NULL) == PARSE_ERROR);
	CHECK_STR(err, "option '--port' given more than once");
	CHECK(demo_args(&o, err, "--flag=1", NULL) == PARSE_ERROR);
	CHECK_STR(err, "option '--flag' takes no value");
	CHECK(demo_args(&o, err, "--flag", "-h", NULL) == PARSE_HELP);
}

/* Rule: a negative number where an operand stands (which getopt would take for an option)
 * is refused by that operand's name, the last name for any operand past the list; an
 * option's value (separate, after "=", or in a short cluster) is no operand, and after "--"
 * the operands are left to their parsers. */
TEST(cli_negative_operand_named)
{
	struct demo_opts o;
	char err[256];
	CHECK(demo_args(&o, err, "-5", NULL) == PARSE_ERROR);
	CHECK_STR(err, "invalid HOST '-5': must not be negative");
	CHECK(demo_args(&o, err, "h", "-p", "80", "-1", NULL) == PARSE_ERROR);
	CHECK_STR(err, "invalid COUNT '-1': must not be negative");
	CHECK(demo_args(&o, err, "--po", "80", "--flag", "h", "1", "-2", NULL) == PARSE_ERROR);
	CHECK_STR(err, "invalid COUNT '-2': must not be negative");
	CHECK(demo_args(&o, err, "--port=80", "h", "-3", NULL) == PARSE_ERROR);
	CHECK_STR(err, "invalid COUNT '-3': must not be negative");
	CHECK(demo_args(&o, err, "-p80", "-4", NULL) == PARSE_ERROR);
	CHECK_STR(err, "invalid HOST '-4': must not be negative");
	CHECK(demo_args(&o, err, "--mode", "-1", NULL) == PARSE_ERROR); /* a value: --mode's refusal */
	CHECK_STR(err, "invalid --mode '-1': must be one, two or three");
	CHECK(demo_args(&o, err, "h", "--", "-1", NULL) == PARSE_OK);
}

/* Rule: the choice list of a refusal reads "a or b" for two names and "a" for one. */
TEST(cli_choice_list_words)
{
	static const char *const two[] = {"text", "json", NULL}, *const one[] = {"only", NULL};
	char buf[64];
	cli_choice_list(two, buf, sizeof(buf));
	CHECK_STR(buf, "text or json");
	cli_choice_list(one, buf, sizeof(buf));
	CHECK_STR(buf, "only");
}

/* Rule: a default stated in its option row (.def) is the value the options start from, and
 * --help prints it where the row's text says %D; a row whose default its own parser
 * refuses fails here. */
TEST(client_defaults_from_rows)
{
	struct client_opts o;
	client_defaults(&o);
	CHECK(o.timeout_ms == 10000 && o.threads == 1 && o.wait_clear_timeout_s == 120);
	CHECK(o.requests_per_conn == 1 && o.report_interval_ms == 1000 && o.interval_ms == 0);
	CHECK_STR(o.http_path, "/");
	char err[256];
	for (size_t i = 0; i < client_cli.nrows; i++) {
		const struct cli_option *r = &client_cli.rows[i];
		struct client_opts fresh;
		memset(&fresh, 0, sizeof(fresh));
		if (r->def == NULL)
			continue;
		struct cli_command one = {.rows = r, .nrows = 1};
		CHECK(cli_apply_defaults(&one, &fresh, err, sizeof(err)) == 0);
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	cli_print_help(out, &client_cli);
	fclose(out);
	CHECK(strstr(buf, "%D") == NULL);
	CHECK(strstr(buf, "per-connection deadline in milliseconds (default 10000)\n") != NULL);
	CHECK(strstr(buf, "(1-64, at most CONNS or C; default 1)\n") != NULL);
	free(buf);
}
