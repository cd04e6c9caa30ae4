/* The merge subcommand's command line. */
#include <string.h>

#include "lib/cli.h"
#include "lib/parse.h"
#include "merge/merge.h"

const char merge_usage[] =
	"usage: twtest merge [--format text|csv|json] [--allow-partial] [FILE...]\n"
	"\n"
	"Merges the JSON Lines of N `twtest client --format json --shard I/N` runs (one file per\n"
	"host, or all of them on standard input, in any interleaving; FILE '-' is standard input)\n"
	"into one result: records are matched by interval (rate mode: the same absolute time, so\n"
	"the hosts must share --start-at) or by loop, counts, failures by cause and kernel counters\n"
	"add, and histograms add bucket by bucket, so the merged percentiles are those one process\n"
	"would have reported for every connection. Text and CSV give each merged row, then each\n"
	"host's; JSON the merged records in the client's layout.\n"
	"\n"
	"      --format FMT        text (default), csv or json\n"
	"      --allow-partial     merge even when shards are missing or did not end (named)\n"
	"  -h, --help              show this help\n"
	"\n"
	"Exit status: 0 merged; 2 usage error, or inputs that cannot be merged (different settings\n"
	"or start times, a shard twice, a missing shard, a line that is not a twtest record: the\n"
	"reason, with FILE:LINE, on stderr, and nothing on stdout).\n";

enum { OPT_FORMAT = 256, OPT_ALLOW_PARTIAL, OPT_LAST };

static const struct option merge_long_opts[] = {
	{"format", required_argument, NULL, OPT_FORMAT},
	{"allow-partial", no_argument, NULL, OPT_ALLOW_PARTIAL},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

enum parse_result merge_parse_args(int argc, char **argv, struct merge_opts *o, char *err,
				   size_t errlen)
{
	memset(o, 0, sizeof(*o));
	o->format = FORMAT_TEXT;
	unsigned char seen[OPT_LAST] = {0};
	cli_begin();
	int c;
	while ((c = cli_next_option(argc, argv, merge_long_opts, seen, sizeof(seen), err, errlen)) >= 0) {
		switch (c) {
		case OPT_FORMAT: {
			int i = parse_choice(optarg, format_names);
			if (i < 0)
				return cli_fail(err, errlen, "invalid --format '%s': must be text, csv or json",
						optarg);
			o->format = (enum output_format)i;
			break;
		}
		case OPT_ALLOW_PARTIAL: o->allow_partial = 1; break;
		}
	}
	if (c != CLI_END)
		return cli_result(c);
	o->nfiles = argc - optind;
	o->files = argv + optind;
	return PARSE_OK;
}
