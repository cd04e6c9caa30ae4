/* What `twtest merge` has read: the shards' headers, and per loop or interval the merged row
 * and each host's row. Shared by the reader (merge.c) and the output (merge_report.c). */
#ifndef TWTEST_MERGE_STATE_H
#define TWTEST_MERGE_STATE_H

#include <stdint.h>
#include <stdio.h>

#include "lib/json_parse.h"
#include "merge/merge.h"
#include "merge/merge_record.h"

#define MERGE_MAX_SHARDS 4096
#define MERGE_MAX_ROWS 10000000u /* loops or intervals */

/* One shard's run, from its header. */
struct merge_shard {
	int seen;
	char *host;
	char *where;            /* "FILE:LINE" of the header */
	char *line;             /* the header's text, which doc points into */
	struct json_doc doc;    /* the header, node[0] */
	int has_summary;
};

/* A loop, an interval or the summary: the merged row and the hosts' rows (by shard). */
struct merge_row {
	int used;
	struct mrecord sum;
	struct mrecord **host; /* shards entries; NULL where a host has none */
};

struct merge_state {
	const struct merge_opts *o;
	FILE *in;                 /* what "-" (or no FILE) reads */
	uint32_t shards;          /* N of I/N; 0 before the first header */
	int rate;                 /* the runs are --rate runs */
	int ref;                  /* the shard whose header others are compared with; -1 none */
	struct merge_shard *shard;
	struct merge_row *rows;   /* by loop or interval number */
	uint64_t nrows;
	struct merge_row summary;
};

/* Print the merged result in o->format. */
void merge_print(const struct merge_state *s, FILE *out);

#endif
