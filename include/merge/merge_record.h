/* One record of `twtest client --format json` (a loop, an interval or a summary) as a list
 * of typed fields, and the rules by which the records of several shards add up: counts,
 * failures by cause, status and kernel counters add, histograms add bucket by bucket,
 * times take the latest, "first failure" fields the earliest (merge_record.c's table). */
#ifndef TWTEST_MERGE_RECORD_H
#define TWTEST_MERGE_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "lib/histogram.h"
#include "lib/json_parse.h"

#define MERGE_NAME_MAX 48 /* longest field or counter name, with its NUL */

enum mfield_kind { MF_NULL, MF_BOOL, MF_UINT, MF_REAL, MF_STRING, MF_MAP, MF_HIST };

/* A histogram's figures as printed: what a per-host row keeps. */
struct hist_brief {
	uint64_t count;
	uint32_t min, p50, p99, max;
};

/* Counters by name ("connect/EADDRNOTAVAIL", "TW", "200"), in the order first seen. */
struct mmap_item {
	char name[MERGE_NAME_MAX];
	uint64_t v;
};
struct mmap {
	size_t n;
	struct mmap_item *item;
};

struct mfield {
	char name[MERGE_NAME_MAX];
	enum mfield_kind kind;
	int decimals;            /* MF_REAL: digits after the point, as read */
	int b;                   /* MF_BOOL */
	uint64_t u;              /* MF_UINT */
	double r;                /* MF_REAL */
	char *s;                 /* MF_STRING */
	struct mmap map;         /* MF_MAP */
	struct histogram *hist;  /* MF_HIST: the whole histogram (NULL once compacted) */
	struct hist_brief brief; /* MF_HIST: its figures */
};

enum mrecord_type { MR_LOOP, MR_INTERVAL, MR_SUMMARY };

struct mrecord {
	enum mrecord_type type;
	uint64_t index;   /* loop or interval number; 0 for the summary */
	uint32_t shard;   /* a host's row: its shard */
	uint32_t hosts;   /* a merged row: how many hosts' records it adds */
	size_t n;
	struct mfield *f;
};

/* The fields of record object obj, identity members (type, loop, interval, host, shard,
 * start_s) left out; histograms are read whole and checked against their own figures.
 * Returns 0, or -1 with a one-line reason in err. */
int mrecord_read(struct mrecord *r, const struct json_doc *d, const struct json_node *obj,
		 char *err, size_t errlen);

/* Add record r into the merged row sum by the table's rules. Returns 0, or -1 with the
 * reason in err (a field of two kinds, two strings that differ). */
int mrecord_add(struct mrecord *sum, const struct mrecord *r, char *err, size_t errlen);

/* Move a record's times (fields counted from its run's start: t_s, first_failure_s, ...)
 * by seconds and its interval numbers (first_failed_interval) by intervals. */
void mrecord_shift(struct mrecord *r, int64_t intervals, double seconds);

/* Is the field a level rather than a count over the interval (time_wait: sockets held at
 * its end)? A host whose run ended before an interval still holds its last level there. */
int mrecord_is_level(const char *name);

/* After the last add: derived fields (conn_per_s) and the histograms' figures. */
void mrecord_finish(struct mrecord *sum);

/* Drop the whole histograms of a host's row, keeping their figures. */
void mrecord_compact(struct mrecord *r);

/* The field called name, or NULL. */
const struct mfield *mrecord_get(const struct mrecord *r, const char *name);

/* Replace the control characters of s with '?' (names and strings read from the input are
 * printed in text: no escape sequence gets through to a terminal). Returns s. */
char *merge_scrub(char *s);

/* Free what r holds. */
void mrecord_free(struct mrecord *r);

/* Read a histogram object {"count","min","max","buckets":[[LOW,N],...]} into h (zeroed
 * first). Returns 0, or -1 with the reason in err. */
int merge_read_histogram(struct histogram *h, const struct json_doc *d,
			 const struct json_node *obj, char *err, size_t errlen);

/* The members of a header that may differ from host to host (not settings); in this leaf,
 * which the reader (merge.c) and the output (merge_report.c) both use, so that neither
 * calls back into the other. */
int merge_per_host_member(const char *key);

#endif
