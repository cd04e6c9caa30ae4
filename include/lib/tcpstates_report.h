/* TCP state counts as the server's exit line and `twtest stat` print them. */
#ifndef TWTEST_TCPSTATES_REPORT_H
#define TWTEST_TCPSTATES_REPORT_H

#include <stdio.h>

#include "lib/cli.h"
#include "lib/sockdiag.h"

/* Every state in kernel order: `STATE COUNT` lines (FORMAT_TEXT) or one JSON object with
 * every state as a key (FORMAT_JSON). */
void report_states(FILE *out, enum output_format fmt, const struct tcp_states *st);

/* Every state as " STATE=N" pairs, no newline. */
void report_states_inline(FILE *out, const struct tcp_states *st);

#endif
