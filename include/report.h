/* The client's output: seed-compatible text, CSV and JSON Lines, all produced here from
 * the same numbers. Every record is flushed as soon as it is written. */
#ifndef TWTEST_REPORT_H
#define TWTEST_REPORT_H

#include <stdio.h>

#include "loopstats.h"
#include "options.h"
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

/* Write s as a JSON string literal, quotes included. */
void json_write_string(FILE *out, const char *s);

#endif
