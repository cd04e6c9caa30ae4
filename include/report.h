/* The client's output: seed-compatible text, CSV and JSON Lines, all produced here from
 * the same numbers. Every record is flushed as soon as it is written. */
#ifndef TWTEST_REPORT_H
#define TWTEST_REPORT_H

#include <stdio.h>

#include "loopstats.h"
#include "options.h"
#include "sockdiag.h"
#include "sysctl.h"

struct report {
	FILE *out;
	const struct client_opts *opts;
	struct net_sysctls sys;
};

/* The run's settings: a "# " line in text, the column names in CSV, a header object in JSON. */
void report_header(const struct report *r);

/* One loop's line, row or object. */
void report_loop(const struct report *r, const struct loop_result *res);

/* The run's total over `loops_done` loops; interrupted says the run was cut short. */
void report_summary(const struct report *r, const struct loop_result *total, uint32_t loops_done,
		    int interrupted);

/* --wait-clear before a loop: one line on stderr in text mode (CSV and JSON carry the
 * numbers in the loop record instead). */
void report_wait_clear(const struct report *r, uint32_t loop, uint64_t waited_ns, uint64_t left,
		       int timed_out);

/* TCP state counts, every state in kernel order: `STATE COUNT` lines (FORMAT_TEXT) or one
 * JSON object with every state as a key (FORMAT_JSON). */
void report_states(FILE *out, enum output_format fmt, const struct tcp_states *st);

/* TCP state counts as " STATE=N" pairs, every state, no newline. */
void report_states_inline(FILE *out, const struct tcp_states *st);

/* Write s as a JSON string literal, quotes included. */
void json_write_string(FILE *out, const char *s);

#endif
