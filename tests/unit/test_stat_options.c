/* Unit tests of the stat command line (src/stat/stat_cli.c) and the client's --wait-clear
 * options (src/client/client_cli.c). */
#include "client/client_opts.h"
#include "stat/stat_cmd.h"
#include "unit.h"

#define MAXARGS 16

static enum parse_result stat_args(struct stat_opts *o, char *err, ...)
{
	char *argv[MAXARGS];
	int argc;
	va_list ap;
	va_start(ap, err);
	argc = unit_argv(argv, MAXARGS, "stat", ap);
	va_end(ap);
	err[0] = '\0';
	return stat_parse_args(argc, argv, o, err, 256);
}

static enum parse_result client_args(struct client_opts *o, char *err, ...)
{
	char *argv[MAXARGS];
	int argc;
	va_list ap;
	va_start(ap, err);
	argc = unit_argv(argv, MAXARGS, "client", ap);
	va_end(ap);
	err[0] = '\0';
	return client_parse_args(argc, argv, o, err, 256);
}

/* Rule: stat's defaults are every socket, text, one record, no wait (and no bound on one). */
TEST(stat_defaults_and_options)
{
	struct stat_opts o;
	char err[256];
	CHECK(stat_args(&o, err, NULL) == PARSE_OK);
	CHECK(o.port == 0 && o.format == FORMAT_TEXT && o.watch_ms == 0 && !o.wait_clear &&
	      o.timeout_s == 0);
	CHECK(stat_args(&o, err, "--port", "4000", "--format", "json", "--watch", "250", NULL) == PARSE_OK);
	CHECK(o.port == 4000 && o.format == FORMAT_JSON && o.watch_ms == 250);
	CHECK(stat_args(&o, err, "-p", "80", "--wait-clear", "--timeout", "1", NULL) == PARSE_OK);
	CHECK(o.port == 80 && o.wait_clear && o.timeout_s == 1);
}

/* Rule: each bad stat argument gets a one-line message naming it and its value. */
TEST(stat_bad_input)
{
	struct stat_opts o;
	char err[256];
	CHECK(stat_args(&o, err, "--port", "0", NULL) == PARSE_ERROR);
	CHECK_STR(err, "invalid --port '0': must not be zero (1-65535)");
	CHECK(stat_args(&o, err, "--format", "csv", NULL) == PARSE_ERROR);
	CHECK_STR(err, "invalid --format 'csv': must be text or json");
	CHECK(stat_args(&o, err, "--watch", "0", NULL) == PARSE_ERROR);
	CHECK(stat_args(&o, err, "--timeout", "5", NULL) == PARSE_ERROR);
	CHECK_STR(err, "--timeout needs --wait-clear");
	CHECK(stat_args(&o, err, "--wait-clear", "--watch", "10", NULL) == PARSE_ERROR);
	CHECK_STR(err, "--wait-clear conflicts with --watch");
	CHECK(stat_args(&o, err, "extra", NULL) == PARSE_ERROR);
	CHECK_STR(err, "unexpected argument 'extra'");
}

/* Rule: the client's --wait-clear defaults to a 120 s bound, and the bound needs the flag. */
TEST(client_wait_clear_options)
{
	struct client_opts o;
	char err[256];
	CHECK(client_args(&o, err, "--wait-clear", "127.0.0.1", "1", "1", NULL) == PARSE_OK);
	CHECK(o.wait_clear && o.wait_clear_timeout_s == 120);
	CHECK(client_args(&o, err, "--wait-clear", "--wait-clear-timeout", "0", "127.0.0.1", "1", "1",
			  NULL) == PARSE_OK);
	CHECK(o.wait_clear_timeout_s == 0);
	CHECK(client_args(&o, err, "--wait-clear-timeout", "5", "127.0.0.1", "1", "1", NULL) == PARSE_ERROR);
	CHECK_STR(err, "--wait-clear-timeout needs --wait-clear");
}

/* Rule: stat's times take units, each bare number keeping its own (--watch ms, --timeout s):
 * `stat --timeout 2m` and `--timeout 120` agree, as `--watch 1s` and `--watch 1000` do, and
 * a millisecond figure where seconds are kept is refused, naming the bounds with units. */
TEST(stat_times_take_units)
{
	struct stat_opts o;
	char err[256];
	CHECK(stat_args(&o, err, "--wait-clear", "--timeout", "2m", NULL) == PARSE_OK && o.timeout_s == 120);
	CHECK(stat_args(&o, err, "--wait-clear", "--timeout", "120", NULL) == PARSE_OK && o.timeout_s == 120);
	CHECK(stat_args(&o, err, "--watch", "1s", NULL) == PARSE_OK && o.watch_ms == 1000);
	CHECK(stat_args(&o, err, "--watch", "1000", NULL) == PARSE_OK && o.watch_ms == 1000);
	CHECK(stat_args(&o, err, "--wait-clear", "--timeout", "1500ms", NULL) == PARSE_ERROR);
	CHECK_STR(err, "invalid --timeout '1500ms': not a whole number of seconds (0-24h; a bare "
		       "number is in seconds)");
}
