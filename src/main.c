/* twtest: pick the subcommand, parse, run, map the result to an exit status. */
#include <stdio.h>
#include <string.h>

#include "client/client.h"
#include "client/client_opts.h"
#include "server/server_opts.h"
#include "ports/ports_cmd.h"
#include "server/server.h"
#include "stat/stat_cmd.h"
#include "lib/twtest.h"

const char main_usage[] =
	"usage: twtest client [options] DSTIP LOOPS CONNS [REUSEPORT [LINGER]]\n"
	"       twtest client --rate R --duration S [options] DSTIP\n"
	"       twtest server [options]\n"
	"       twtest stat [options]\n"
	"       twtest ports [options]\n"
	"       twtest --help | --version\n"
	"\n"
	"A paired test harness for short TCP connections and TIME_WAIT port exhaustion\n"
	"(\"Cannot assign requested address\"). `twtest SUBCOMMAND --help` lists the options.\n";

/* Print a parse result; returns the exit status to use, or -1 to go on and run. */
static int finish_parse(enum parse_result pr, const char *sub, const char *usage, const char *err)
{
	if (pr == PARSE_HELP) {
		fputs(usage, stdout);
		return EXIT_RAN;
	}
	if (pr == PARSE_ERROR) {
		fprintf(stderr, "twtest %s: %s\n", sub, err);
		return EXIT_USAGE;
	}
	return -1;
}

int main(int argc, char **argv)
{
	char err[512];
	if (argc < 2) {
		fputs("twtest: missing subcommand (client, server, stat or ports; see twtest --help)\n", stderr);
		return EXIT_USAGE;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		fputs(main_usage, stdout);
		return EXIT_RAN;
	}
	if (strcmp(sub, "--version") == 0 || strcmp(sub, "-V") == 0) {
		printf("twtest %s\n", TWTEST_VERSION);
		return EXIT_RAN;
	}
	if (strcmp(sub, "client") == 0) {
		struct client_opts o;
		int rc = finish_parse(client_parse_args(argc - 1, argv + 1, &o, err, sizeof(err)), sub,
				      client_usage, err);
		if (rc >= 0)
			return rc;
		return client_run(&o, stdout);
	}
	if (strcmp(sub, "server") == 0) {
		struct server_opts o;
		int rc = finish_parse(server_parse_args(argc - 1, argv + 1, &o, err, sizeof(err)), sub,
				      server_usage, err);
		return rc >= 0 ? rc : server_run(&o, stdout);
	}
	if (strcmp(sub, "stat") == 0) {
		struct stat_opts o;
		int rc = finish_parse(stat_parse_args(argc - 1, argv + 1, &o, err, sizeof(err)), sub,
				      stat_usage, err);
		return rc >= 0 ? rc : stat_run(&o, stdout);
	}
	if (strcmp(sub, "ports") == 0) {
		struct ports_opts o;
		int rc = finish_parse(ports_parse_args(argc - 1, argv + 1, &o, err, sizeof(err)), sub,
				      ports_usage, err);
		return rc >= 0 ? rc : ports_run(&o, stdout);
	}
	fprintf(stderr, "twtest: unknown subcommand '%s' (client, server, stat or ports; see twtest --help)\n", sub);
	return EXIT_USAGE;
}
