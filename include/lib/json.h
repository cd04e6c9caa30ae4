/* JSON output helpers shared by every subcommand's records. */
#ifndef TWTEST_JSON_H
#define TWTEST_JSON_H

#include <stddef.h>
#include <stdio.h>

#include "lib/histogram.h"

/* Write s as a JSON string literal, quotes included (control characters escaped). */
void json_write_string(FILE *out, const char *s);

/* The same for len bytes of s (a parsed value, which may hold a NUL). */
void json_write_string_len(FILE *out, const char *s, size_t len);

/* Write h whole, so that it can be added to others exactly:
 * {"count":N,"min":A,"max":B,"buckets":[[LOW,N],...]} with each non-empty bucket as its
 * smallest value and its count, in increasing order. */
void json_write_histogram(FILE *out, const struct histogram *h);

#endif
