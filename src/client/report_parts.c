/* Pieces of the client's records shared by the loop records (src/client/report.c) and the
 * rate records (src/client/report_rate.c), so that both print a field the same way. A leaf
 * of both: it calls neither. */
#include "client/report_parts.h"

#include <inttypes.h>

#include "lib/json.h"

double report_seconds(uint64_t ns)
{
	return (double)ns / 1e9;
}

/* failed_by as text ("connect/EADDRNOTAVAIL=1768 timeout/echo=2"), for text and CSV. */
struct failed_by_text {
	FILE *out;
	int n;
};

void report_visit_text(void *ctx, const char *key, uint32_t count)
{
	struct failed_by_text *t = ctx;
	fprintf(t->out, "%s%s=%" PRIu32, t->n++ ? " " : "", key, count);
}

void report_visit_json(void *ctx, const char *key, uint32_t count)
{
	struct failed_by_text *t = ctx;
	fprintf(t->out, "%s\"%s\":%" PRIu32, t->n++ ? "," : "", key, count);
}

void report_failed_by(FILE *out, const struct fail_table *fails, fail_visit_fn fn)
{
	struct failed_by_text t = {out, 0};
	fail_table_visit(fails, fn, &t);
}

void report_port_lines(FILE *out, const struct client_opts *o)
{
	/* Options that change which ports are used, only when given: the lines stay short. */
	if (o->port_hi || o->bind_name || o->reuseaddr)
		fprintf(out, "# local_port_range=%u-%u bind=%s bind_no_port=%d reuseaddr=%d\n",
			o->port_lo, o->port_hi, o->bind_name ? o->bind_name : "-", o->bind_no_port,
			o->reuseaddr);
	if (client_destinations(o) > 1)
		fprintf(out, "# destinations=%" PRIu64 " dst=%s port=%s\n", client_destinations(o),
			o->dst_name, o->port_name ? o->port_name : "-");
}

/* Latency statistics of finished connections: text appends ", NAME: min=.. p50=.. p99=..
 * max=.." (nothing when none finished), CSV four columns (empty when none), JSON an object
 * (null when none). */
void report_latency(FILE *out, enum output_format fmt, const char *name,
			  const struct histogram *h)
{
	uint32_t min = h->min, p50 = hist_percentile(h, 50), p99 = hist_percentile(h, 99);
	switch (fmt) {
	case FORMAT_TEXT:
		if (h->count)
			fprintf(out, ", %s: min=%" PRIu32 " p50=%" PRIu32 " p99=%" PRIu32 " max=%" PRIu32,
				name, min, p50, p99, h->max);
		break;
	case FORMAT_CSV:
		if (h->count)
			fprintf(out, ",%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%" PRIu32, min, p50, p99, h->max);
		else
			fputs(",,,,", out);
		break;
	case FORMAT_JSON:
		if (h->count) {
			fprintf(out, ",\"%s\":{\"min\":%" PRIu32 ",\"p50\":%" PRIu32 ",\"p99\":%" PRIu32
				",\"max\":%" PRIu32 ",\"hist\":", name, min, p50, p99, h->max);
			json_write_histogram(out, h); /* whole: twtest merge adds it exactly */
			fputc('}', out);
		} else
			fprintf(out, ",\"%s\":null", name);
		break;
	}
}

/* The kernel's view of a loop or a run in text: ", time_wait: N, kernel: TW=1 ..." with
 * the non-zero counters only. */
void report_kernel_text(FILE *out, const struct loop_result *res)
{
	if (res->measured & MEASURED_TIME_WAIT)
		fprintf(out, ", time_wait: %" PRIu64, res->time_wait);
	int n = 0;
	for (int k = 0; k < KC_COUNT; k++)
		if ((res->kernel.present & (1u << k)) && res->kernel.v[k])
			fprintf(out, "%s%s=%" PRIu64, n++ ? " " : ", kernel: ", kcounter_name(k),
				res->kernel.v[k]);
}

void report_kernel_csv_header(FILE *out)
{
	for (int k = 0; k < KC_COUNT; k++)
		fprintf(out, "%s%s", k ? ",kernel_" : ",time_wait,kernel_", kcounter_name(k));
	fputs(",wait_clear_s,wait_clear_left\n", out);
}

/* The same as CSV columns, empty where not measured, then the end of the row. */
void report_kernel_csv(FILE *out, const struct loop_result *res)
{
	if (res->measured & MEASURED_TIME_WAIT)
		fprintf(out, ",%" PRIu64, res->time_wait);
	else
		fputc(',', out);
	for (int k = 0; k < KC_COUNT; k++)
		if (res->kernel.present & (1u << k))
			fprintf(out, ",%" PRIu64, res->kernel.v[k]);
		else
			fputc(',', out);
	if (res->measured & MEASURED_WAIT_CLEAR)
		fprintf(out, ",%.3f,%" PRIu64 "\n", report_seconds(res->wait_clear_ns), res->wait_clear_left);
	else
		fputs(",,\n", out);
}

/* The same as JSON members (each with a leading comma), only those measured. */
void report_kernel_json(FILE *out, const struct loop_result *res)
{
	if (res->measured & MEASURED_TIME_WAIT)
		fprintf(out, ",\"time_wait\":%" PRIu64, res->time_wait);
	if (res->kernel.present) {
		fputs(",\"kernel\":{", out);
		int n = 0;
		for (int k = 0; k < KC_COUNT; k++)
			if (res->kernel.present & (1u << k))
				fprintf(out, "%s\"%s\":%" PRIu64, n++ ? "," : "", kcounter_name(k),
					res->kernel.v[k]);
		fputc('}', out);
	}
	if (res->measured & MEASURED_WAIT_CLEAR)
		fprintf(out, ",\"wait_clear_s\":%.3f,\"wait_clear_left\":%" PRIu64,
			report_seconds(res->wait_clear_ns), res->wait_clear_left);
}

