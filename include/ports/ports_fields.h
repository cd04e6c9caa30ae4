/* Fields both ports reports add to their records (src/ports/ports_fields.c): a group's
 * addresses (labels in Prometheus, the table's first columns), its expiry schedule and
 * forecast, and a verdict with its reason. ports_report.c and ports_nat_report.c differ
 * only in the figures they hold. */
#ifndef TWTEST_PORTS_FIELDS_H
#define TWTEST_PORTS_FIELDS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/record.h"

/* An address as text ("?" when it cannot be written). */
const char *ports_addr_str(uint8_t family, const uint8_t *a, char *buf, size_t len);

/* How many groups a sample shows: the first `top` (0: all). */
size_t ports_shown(uint32_t top, size_t ngroups);

/* A sample's first fields: its record type and time (ports and ports nat's JSON). */
void ports_add_sample_lead(struct record *r, const char *type, uint64_t time_ms);

/* The groups found (groups_total, a Prometheus family prom) and the first `shown` of them as
 * a JSON list of row(model, i) records. */
void ports_add_groups(struct record *r, size_t ngroups, size_t shown, rec_row_fn row,
		      const void *model, const char *prom, const char *help);

/* A source address (src), labelled `label` in text (NULL: its key). */
struct rec_field *ports_add_src(struct record *r, uint8_t family, const uint8_t *src,
				const char *label);

/* The group's source (table label src_label), destination and destination port: Prometheus
 * labels, the table's first columns. */
void ports_add_where(struct record *r, uint8_t family, const uint8_t *src, const uint8_t *dst,
		     uint16_t dport, const char *src_label);

/* The group's use: USED% (the table's first figure), in_use and free, used_pct (JSON after
 * free); prom[i] the families' {name, help} of in_use, free and used_pct. */
void ports_add_use(struct record *r, uint32_t in_use, uint32_t free, double used_pct,
		   const char *const prom[3][2]);

/* Prometheus family `name` only: a sample per state that each(src) names (state="..."). */
void ports_add_states_prom(struct record *r, rec_counts_fn each, const void *src, const char *name,
			   const char *help);

/* The table of the first `top` of n groups (row: a group's record), or the line `none`
 * when there is no group, and a line saying how many --top left out. */
void ports_write_table(FILE *out, rec_row_fn row, const void *model, size_t n, uint32_t top,
		       const char *none);

/* f as the Prometheus family `name`; returns f. */
struct rec_field *ports_prom(struct rec_field *f, const char *name, const char *help);

/* f as a table column `width` wide; returns f. */
struct rec_field *ports_column(struct rec_field *f, int width);

/* The expiry schedule: n counts of entries free within horizons[] seconds: the table's
 * column "a/b/c/d" (label, width) and JSON's free_within {"1s":a,...}. */
void ports_add_schedule(struct record *r, const uint32_t *horizons, const uint32_t *within, int n,
			const char *label, int width);

/* The same schedule as Prometheus family `name`, a sample per horizon (seconds="1"). */
void ports_add_schedule_prom(struct record *r, const uint32_t *horizons, const uint32_t *within,
			     int n, const char *name, const char *help);

/* Seconds until the pool is full: JSON null and no Prometheus sample when never (< 0); the
 * table's FULL_IN "never", "now" or "12.5s". */
struct rec_field *ports_add_full_in(struct record *r, double full_in_s);

/* A verdict and its reason: JSON key and key_why, the table's last column "verdict: why". */
void ports_add_verdict(struct record *r, const char *key, const char *label, const char *verdict,
		       const char *why);

#endif
