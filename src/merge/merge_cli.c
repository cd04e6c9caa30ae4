/* The merge subcommand's command line: one row per option. */
#include <stdlib.h>
#include <string.h>

#include "lib/cli.h"
#include "merge/merge.h"

#define F(f) .field = offsetof(struct merge_opts, f)

/* Every merge option, in --help's order (how to add one: src/client/client_cli.c). */
static const struct cli_option merge_rows[] = {
	{"format", 0, CLI_CHOICE, F(format), .values = format_names, .arg = "FMT",
	 .def = "text", .help = "%D (default), csv or json"},
	{"allow-partial", 0, CLI_FLAG, F(allow_partial),
	 .help = "merge even when shards are missing or did not end (named)"},
	{"help", 'h', CLI_HELP, .help = "show this help"},
};

const struct cli_command merge_cli = {
	.intro =
	"usage: twtest merge [--format text|csv|json] [--allow-partial] [FILE...]\n"
	"\n"
	"Merges the JSON Lines of N `twtest client --format json --shard I/N` runs (one file per\n"
	"host, or all of them on standard input, in any interleaving; FILE '-' is standard input)\n"
	"into one result: records are matched by interval (rate mode: the same absolute time, so\n"
	"the hosts must share --start-at) or by loop, counts, failures by cause and kernel counters\n"
	"add, and histograms add bucket by bucket, so the merged percentiles are those one process\n"
	"would have reported for every connection. Text and CSV give each merged row, then each\n"
	"host's; JSON the merged records in the client's layout.\n"
	"\n",
	CLI_ROWS(merge_rows),
	.outro =
	"\n"
	"Exit status: 0 merged; 2 usage error, or inputs that cannot be merged (different settings\n"
	"or start times, a shard twice, a missing shard, a line that is not a twtest record: the\n"
	"reason, with FILE:LINE, on stderr, and nothing on stdout).\n",
};

enum parse_result merge_parse_args(int argc, char **argv, struct merge_opts *o, char *err,
				   size_t errlen)
{
	struct cli_parse p;
	memset(o, 0, sizeof(*o));
	if (cli_apply_defaults(&merge_cli, o, err, errlen) < 0) /* the rows' .def: stated once */
		abort(); /* a row's default its own parser refuses (tests/unit/test_merge.c) */
	enum parse_result r = cli_parse_options(&p, &merge_cli, argc, argv, o, err, errlen);
	if (r != PARSE_OK)
		return r;
	o->nfiles = argc - optind;
	o->files = argv + optind;
	return PARSE_OK;
}
