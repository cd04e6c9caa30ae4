/* TCP state counts for the server's exit line and `twtest stat`. */
#include "lib/tcpstates_report.h"

#include <inttypes.h>

void report_states(FILE *out, enum output_format fmt, const struct tcp_states *st)
{
	for (int s = 1; s <= TCPS_MAX; s++) {
		if (fmt == FORMAT_JSON)
			fprintf(out, "%s\"%s\":%" PRIu64, s == 1 ? "{" : ",", tcp_state_name(s), st->n[s]);
		else
			fprintf(out, "%s %" PRIu64 "\n", tcp_state_name(s), st->n[s]);
	}
	if (fmt == FORMAT_JSON)
		fputs("}\n", out);
	fflush(out);
}

void report_states_inline(FILE *out, const struct tcp_states *st)
{
	for (int s = 1; s <= TCPS_MAX; s++)
		fprintf(out, " %s=%" PRIu64, tcp_state_name(s), st->n[s]);
}
