/* Unit tests of the close-scenario options (docs/closing.md): parsing, defaults that leave
 * the core untouched, the sequential path they select, and the conflicts they reject. */
#include "client/client_opts.h"
#include "server/server_opts.h"
#include "unit.h"

#define MAXARGS 32

/* Parse a NULL-terminated argument list as the command line of subcommand sub. */
static enum parse_result parse_sub(const char *sub, void *o, char *err, va_list ap)
{
	char *argv[MAXARGS];
	int argc = unit_argv(argv, MAXARGS, sub, ap);
	err[0] = '\0';
	if (sub[0] == 'c')
		return client_parse_args(argc, argv, o, err, 256);
	return server_parse_args(argc, argv, o, err, 256);
}

static enum parse_result cargs(struct client_opts *o, char *err, ...)
{
	va_list ap;
	va_start(ap, err);
	enum parse_result r = parse_sub("client", o, err, ap);
	va_end(ap);
	return r;
}

static enum parse_result sargs(struct server_opts *o, char *err, ...)
{
	va_list ap;
	va_start(ap, err);
	enum parse_result r = parse_sub("server", o, err, ap);
	va_end(ap);
	return r;
}

/* Rule: without scenario options the client keeps the concurrent path and the server its
 * echo behaviour (no greeting, no timer, close on EOF). */
TEST(scenario_defaults_leave_core_alone)
{
	struct client_opts c;
	struct server_opts s;
	char err[256];
	CHECK(cargs(&c, err, "127.0.0.1", "1", "10", NULL) == PARSE_OK);
	CHECK(c.sequential == 0 && c.source_port == 0 && c.close_after_ms == -1);
	CHECK(c.read_delay_ms == 0 && c.on_eof == CLIENT_EOF_CLOSE && c.report_conns == 0);
	CHECK(sargs(&s, err, NULL) == PARSE_OK);
	CHECK(s.greeting == NULL && s.close_after_ms == -1 && s.on_eof == SERVER_EOF_CLOSE);
}

/* Rule: every client scenario option (and --payload 0) selects the sequential path. */
TEST(scenario_client_options_select_sequential)
{
	struct client_opts c;
	char err[256];
	CHECK(cargs(&c, err, "--source-port", "40000", "127.0.0.1", "1", "2", NULL) == PARSE_OK);
	CHECK(c.sequential && c.source_port == 40000);
	CHECK(cargs(&c, err, "--read-delay", "100", "--on-eof", "shutdown", "127.0.0.1", "1", "1", NULL) == PARSE_OK);
	CHECK(c.sequential && c.read_delay_ms == 100 && c.on_eof == CLIENT_EOF_SHUTDOWN);
	CHECK(cargs(&c, err, "--close-after", "0", "127.0.0.1", "1", "1", NULL) == PARSE_OK);
	CHECK(c.sequential && c.close_after_ms == 0);
	CHECK(cargs(&c, err, "--payload", "0", "127.0.0.1", "1", "1", NULL) == PARSE_OK);
	CHECK(c.sequential && c.payload == 0);
	CHECK(cargs(&c, err, "--close-on-data", "127.0.0.1", "1", "1", NULL) == PARSE_OK);
	CHECK(c.sequential && c.close_on_data);
	CHECK(cargs(&c, err, "--report-conns", "--format", "json", "127.0.0.1", "1", "1", NULL) == PARSE_OK);
	CHECK(c.sequential && c.report_conns);
	CHECK(cargs(&c, err, "--sequential", "127.0.0.1", "1", "1", NULL) == PARSE_OK);
	CHECK(c.sequential && c.payload == 100);
}

/* Rule: bad scenario values and conflicting combinations are refused with a message
 * naming the option and its value. */
TEST(scenario_client_rejects)
{
	struct client_opts c;
	char err[256];
	CHECK(cargs(&c, err, "--on-eof", "wait", "127.0.0.1", "1", "1", NULL) == PARSE_ERROR);
	CHECK(strstr(err, "--on-eof 'wait'") != NULL);
	CHECK(cargs(&c, err, "--source-port", "0", "127.0.0.1", "1", "1", NULL) == PARSE_ERROR);
	CHECK(strstr(err, "--source-port '0'") != NULL);
	CHECK(cargs(&c, err, "--read-delay", "-5", "127.0.0.1", "1", "1", NULL) == PARSE_ERROR);
	CHECK(cargs(&c, err, "--sequential", "--threads", "2", "127.0.0.1", "1", "4", NULL) == PARSE_ERROR);
	CHECK(strstr(err, "--threads 2") != NULL);
	CHECK(cargs(&c, err, "--report-conns", "--format", "csv", "127.0.0.1", "1", "1", NULL) == PARSE_ERROR);
	CHECK(strstr(err, "--report-conns") != NULL);
	CHECK(cargs(&c, err, "--source-port", "40000", "--local-port-range", "40000-40010", "127.0.0.1",
		    "1", "1", NULL) == PARSE_ERROR);
}

/* Rule: the server's --greeting, --close-after and --on-eof parse strictly. */
TEST(scenario_server_options)
{
	struct server_opts s;
	char err[256];
	CHECK(sargs(&s, err, "--greeting", "hello", "--close-after", "0", NULL) == PARSE_OK);
	CHECK_STR(s.greeting, "hello");
	CHECK(s.greeting_len == 5 && s.close_after_ms == 0);
	CHECK(sargs(&s, err, "--on-eof", "write:bye", NULL) == PARSE_OK);
	CHECK(s.on_eof == SERVER_EOF_WRITE && s.eof_text_len == 3);
	CHECK_STR(s.eof_text, "bye");
	CHECK(sargs(&s, err, "--on-eof", "ignore", NULL) == PARSE_OK);
	CHECK(s.on_eof == SERVER_EOF_IGNORE);
	CHECK(sargs(&s, err, "--on-eof", "write:", NULL) == PARSE_ERROR);
	CHECK(strstr(err, "--on-eof 'write:'") != NULL);
	CHECK(sargs(&s, err, "--greeting", "", NULL) == PARSE_ERROR);
	CHECK(sargs(&s, err, "--close-after", "1x", NULL) == PARSE_ERROR);
	CHECK(strstr(err, "--close-after '1x'") != NULL);
}
