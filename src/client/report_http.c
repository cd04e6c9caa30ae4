/* The client records' fields for --protocol connect and http (shared by the loop records
 * of report.c and the rate records of report_rate.c): the protocol in the header, and per
 * record the req_us latency, the responses by status, the reconnects and the requests each
 * connection carried. With --protocol echo none of this
 * is printed, so echo's records stay as they were. */
#include <inttypes.h>

#include "client/report_parts.h"

/* Responses by status, those seen: "200=590 502=10" in text, "200":590,... in JSON. */
static void each_status(const void *src, rec_count_fn fn, void *ctx)
{
	const struct http_counts *h = src;
	char name[12];
	for (int i = 0; i < HTTP_STATUS_SLOTS; i++)
		if (h->status[i]) {
			snprintf(name, sizeof(name), "%d", HTTP_STATUS_FIRST + i);
			fn(ctx, name, h->status[i], 1);
		}
}

void report_add_http(struct record *rec, const struct client_opts *o,
		     const struct loop_result *res)
{
	if (o->protocol != CLIENT_PROTO_HTTP)
		return;
	rec_hist(rec, "req_us", NULL, &res->req_us, 0);
	rec_counts(rec, "http_status", NULL, each_status, &res->http, 0);
	struct rec_field *f = rec_uint(rec, "reconnects", NULL, res->http.reconnects);
	if (res->http.reconnects == 0) /* text: only when the server closed one early */
		f->in &= ~(unsigned)REC_TEXT;
	rec_hist(rec, "conn_requests", NULL, &res->http.carried, 0);
}
