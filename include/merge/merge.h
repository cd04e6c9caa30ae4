/* The merge subcommand: the JSON Lines of N `twtest client --shard I/N` runs in, one result
 * out (the merged row, then each host's), as if one process had made every connection. */
#ifndef TWTEST_MERGE_H
#define TWTEST_MERGE_H

#include <stddef.h>
#include <stdio.h>

#include "lib/cli.h"

struct merge_opts {
	enum output_format format;
	int allow_partial;    /* merge without the missing shards, saying which */
	int nfiles;          /* 0: standard input */
	char **files;        /* "-" is standard input */
};

/* Parse argv (argv[0] is "merge") into o; on error write a one-line message into err. */
enum parse_result merge_parse_args(int argc, char **argv, struct merge_opts *o, char *err,
				   size_t errlen);

/* The subcommand's command line: one row per option. */
extern const struct cli_command merge_cli;

/* Read, check, merge, print to out; returns the exit status (2 and one line on stderr when
 * the inputs cannot be merged). */
int merge_run(const struct merge_opts *o, FILE *out);

/* The same, with standard input replaced by in and a refusal left in err instead of
 * printed: 0 merged and printed, -1 refused (the fuzz target and unit tests use it). */
int merge_stream_run(const struct merge_opts *o, FILE *in, FILE *out, char *err, size_t errlen);

#endif
