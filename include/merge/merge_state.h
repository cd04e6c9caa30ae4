/* What `twtest merge` has read: the shards' headers, and per loop or interval the merged row
 * and each host's row. Shared by the reader (merge.c) and the output (merge_report.c). */
#ifndef TWTEST_MERGE_STATE_H
#define TWTEST_MERGE_STATE_H

#include <stdint.h>
#include <stdio.h>

#include "lib/json_parse.h"
#include "lib/twtest.h"
#include "merge/merge.h"
#include "merge/merge_record.h"

#define MERGE_MAX_SHARDS TWTEST_MAX_SHARDS
#define MERGE_MAX_ROWS 10000000u /* loops or intervals */

/* One shard's run, from its header. */
struct merge_shard {
	int seen;
	char *host;
	char *where;            /* "FILE:LINE" of the header */
	char *line;             /* the header's text, which doc points into */
	struct json_doc doc;    /* the header, node[0] */
	int has_summary;
	int64_t start_us;       /* start_s in microseconds */
	int64_t offset;         /* rate mode: its start, in intervals after the first shard's */
};

/* A loop, an interval or the summary: the merged row and the hosts' rows (by shard). */
struct merge_row {
	int used;
	int64_t key;           /* loop number; rate mode: interval number from the first shard's start */
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
	struct merge_row *rows;   /* in key order */
	uint64_t nrows, cap;
	int64_t interval_us;      /* rate mode: --report-interval */
	int64_t min_offset;       /* rate mode: the earliest shard's offset */
	struct merge_row summary;
};

/* Print the merged result in o->format. */
void merge_print(const struct merge_state *s, FILE *out);

#endif
