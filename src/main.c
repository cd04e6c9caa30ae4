/* twtest: pick the subcommand, parse, run, map the result to an exit status. The
 * subcommands and the top-level options are tables; each subcommand's options are its
 * cli_command (src/<part>/<part>_cli.c), which gives --help and --list-options. */
#include <stdio.h>
#include <string.h>

#include "client/client.h"
#include "client/client_opts.h"
#include "merge/merge.h"
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
	"       twtest merge [options] [FILE...]\n"
	"       twtest --help | --version | help [SUBCOMMAND]\n"
	"\n"
	"A paired test harness for short TCP connections and TIME_WAIT port exhaustion\n"
	"(\"Cannot assign requested address\"). `twtest help SUBCOMMAND` (or `twtest SUBCOMMAND\n"
	"--help`) lists its options; `man twtest` has them all.\n";

/* The top-level options; the usage above names them (they get no option list). */
enum main_action { MAIN_HELP, MAIN_VERSION };
static const struct cli_option main_rows[] = {
	{"help", 'h', CLI_HELP, .tag = MAIN_HELP},
	{"version", 'V', CLI_FLAG, .tag = MAIN_VERSION},
};
static const struct cli_command main_cli = {.intro = main_usage, CLI_ROWS(main_rows)};

/* The machine-readable listing every level answers, for the completion. */
#define LIST_OPTIONS "--list-options"

/* Print a parse result; returns the exit status to use, or -1 to go on and run. */
static int finish_parse(enum parse_result pr, const char *sub, const struct cli_command *cli,
			const char *err)
{
	if (pr == PARSE_HELP) {
		cli_print_help(stdout, cli);
		return EXIT_RAN;
	}
	if (pr == PARSE_ERROR) {
		fprintf(stderr, "twtest %s: %s\n", sub, err);
		return EXIT_USAGE;
	}
	return -1;
}

/* run_NAME: parse NAME's options into a struct NAME_opts with NAME_parse_args, answer
 * --help or a usage error, or run NAME_run. The subcommands differ only in those names. */
#define SUBCOMMAND_RUNNER(name)                                                                 \
	static int run_##name(int argc, char **argv, const struct cli_command *cli)             \
	{                                                                                       \
		struct name##_opts o;                                                           \
		char err[512];                                                                  \
		enum parse_result pr = name##_parse_args(argc, argv, &o, err, sizeof(err));      \
		int rc = finish_parse(pr, argv[0], cli, err);                                   \
		return rc >= 0 ? rc : name##_run(&o, stdout);                                   \
	}
SUBCOMMAND_RUNNER(client)
SUBCOMMAND_RUNNER(server)
SUBCOMMAND_RUNNER(stat)
SUBCOMMAND_RUNNER(ports)
SUBCOMMAND_RUNNER(merge)

static const struct subcommand {
	const char *name;
	const struct cli_command *cli;
	int (*run)(int argc, char **argv, const struct cli_command *cli);
} subcommands[] = {
	{"client", &client_cli, run_client},
	{"server", &server_cli, run_server},
	{"stat", &stat_cli, run_stat},
	{"ports", &ports_cli, run_ports},
	{"merge", &merge_cli, run_merge},
};
#define NSUB (sizeof(subcommands) / sizeof(subcommands[0]))

/* The top-level row arg names ("--help" or "-h"), or NULL. */
static const struct cli_option *main_option(const char *arg)
{
	for (size_t i = 0; i < main_cli.nrows; i++) {
		const struct cli_option *r = &main_cli.rows[i];
		if ((arg[0] == '-' && arg[1] == '-' && strcmp(arg + 2, r->name) == 0) ||
		    (arg[0] == '-' && arg[1] == r->short_name && arg[2] == '\0'))
			return r;
	}
	return NULL;
}

/* `twtest --list-options`: the subcommands, then the top-level options. */
static void list_top_level(void)
{
	for (size_t i = 0; i < NSUB; i++)
		printf("%s\n", subcommands[i].name);
	cli_list_options(stdout, &main_cli);
}

/* `twtest help [SUBCOMMAND]`, as git's: the usage, or SUBCOMMAND's --help. */
static int help_command(int argc, char **argv)
{
	if (argc == 2) {
		fputs(main_usage, stdout);
		return EXIT_RAN;
	}
	if (argc > 3) {
		fprintf(stderr, "twtest help: unexpected argument '%s' (usage: twtest help [SUBCOMMAND])\n",
			argv[3]);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < NSUB; i++)
		if (strcmp(argv[2], subcommands[i].name) == 0) {
			cli_print_help(stdout, subcommands[i].cli);
			return EXIT_RAN;
		}
	fprintf(stderr, "twtest help: unknown subcommand '%s' (client, server, stat, ports or merge)\n",
		argv[2]);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("twtest: missing subcommand (client, server, stat, ports or merge; see twtest --help)\n", stderr);
		return EXIT_USAGE;
	}
	const char *sub = argv[1];
	const struct cli_option *top = main_option(sub);
	if (top && top->tag == MAIN_HELP) {
		fputs(main_usage, stdout);
		return EXIT_RAN;
	}
	if (top && top->tag == MAIN_VERSION) {
		printf("twtest %s\n", TWTEST_VERSION);
		return EXIT_RAN;
	}
	if (strcmp(sub, "help") == 0)
		return help_command(argc, argv);
	if (strcmp(sub, LIST_OPTIONS) == 0 && argc == 2) {
		list_top_level();
		return EXIT_RAN;
	}
	for (size_t i = 0; i < NSUB; i++) {
		if (strcmp(sub, subcommands[i].name) != 0)
			continue;
		if (argc == 3 && strcmp(argv[2], LIST_OPTIONS) == 0) {
			cli_list_options(stdout, subcommands[i].cli);
			return EXIT_RAN;
		}
		return subcommands[i].run(argc - 1, argv + 1, subcommands[i].cli);
	}
	fprintf(stderr, "twtest: unknown subcommand '%s' (client, server, stat, ports or merge; see twtest --help)\n", sub);
	return EXIT_USAGE;
}
