/* The client records' fields for --protocol connect and http (shared by the loop records
 * of report.c and the rate records of report_rate.c): the protocol in the header, and per
 * record the req_us latency and the responses by status. With --protocol echo none of this
 * is printed, so echo's records stay as they were. */
#include <inttypes.h>

#include "client/report_parts.h"
#include "lib/json.h"

/* Responses by status: text "200=590 502=10", JSON members "200":590,"502":10. */
static void write_statuses(FILE *out, const struct http_counts *h, int json)
{
	int n = 0;
	for (int i = 0; i < HTTP_STATUS_SLOTS; i++)
		if (h->status[i])
			fprintf(out, json ? "%s\"%d\":%" PRIu64 : "%s%d=%" PRIu64, n++ ? (json ? "," : " ") : "",
				HTTP_STATUS_FIRST + i, h->status[i]);
}

void report_protocol_header(FILE *out, const struct client_opts *o)
{
	if (o->protocol == CLIENT_PROTO_ECHO)
		return;
	switch (o->format) {
	case FORMAT_TEXT:
		fprintf(out, "# protocol=%s", client_protocol_names[o->protocol]);
		if (o->protocol == CLIENT_PROTO_HTTP)
			fprintf(out, " http_path=%s http_host=%s max_response=%" PRIu32, o->http_path,
				o->http_host ? o->http_host : "-", o->max_response);
		fputc('\n', out);
		break;
	case FORMAT_CSV:
		if (o->protocol == CLIENT_PROTO_HTTP)
			fputs(",req_us_min,req_us_p50,req_us_p99,req_us_max,http_status", out);
		break;
	case FORMAT_JSON:
		fprintf(out, ",\"protocol\":\"%s\"", client_protocol_names[o->protocol]);
		if (o->protocol == CLIENT_PROTO_HTTP) {
			fputs(",\"http_path\":", out);
			json_write_string(out, o->http_path);
			fputs(",\"http_host\":", out);
			if (o->http_host)
				json_write_string(out, o->http_host);
			else
				fputs("null", out);
			fprintf(out, ",\"max_response\":%" PRIu32, o->max_response);
		}
		break;
	}
}

void report_http_fields(FILE *out, const struct client_opts *o, const struct loop_result *res)
{
	if (o->protocol != CLIENT_PROTO_HTTP)
		return;
	report_latency(out, o->format, "req_us", &res->req_us);
	switch (o->format) {
	case FORMAT_TEXT:
		if (res->http.responses) {
			fputs(", http_status: ", out);
			write_statuses(out, &res->http, 0);
		}
		break;
	case FORMAT_CSV:
		fputc(',', out);
		write_statuses(out, &res->http, 0);
		break;
	case FORMAT_JSON:
		fputs(",\"http_status\":{", out);
		write_statuses(out, &res->http, 1);
		fputc('}', out);
		break;
	}
}
