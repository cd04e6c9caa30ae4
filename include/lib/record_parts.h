/* What the record writers share (src/lib/record.c: text and JSON; record_csv.c: CSV): a
 * scalar's and a histogram's printed form and the walk over a counts field. Not for the
 * writers' callers, who use include/lib/record.h. */
#ifndef TWTEST_RECORD_PARTS_H
#define TWTEST_RECORD_PARTS_H

#include <stdint.h>
#include <stdio.h>

#include "lib/record.h"

/* A walk over a counts field: writing it (text or JSON), or looking one name up. */
struct rec_counts_walk {
	FILE *out;
	int n;
	int json;         /* 0: text "name=N" non-zero only, 1: JSON members of those present */
	const char *lead; /* text: written before the first item (the field's label) */
	const char *name; /* a lookup: the name sought, and what was found */
	uint64_t v;
	int found;
};

/* A rec_count_fn writing each count (ctx: a struct rec_counts_walk). */
void rec_count_write(void *ctx, const char *name, uint64_t v, int present);

/* A scalar's value as text and CSV print it (strings bare). */
void rec_write_scalar(FILE *out, const struct rec_field *f);

/* The histogram's figures joined by sep ("min=" style names when named). */
void rec_write_figures(FILE *out, const struct rec_field *f, const char *sep, int named);

#endif
