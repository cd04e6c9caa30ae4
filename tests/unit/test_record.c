/* Unit tests of the record writer (lib/record.c): one list of fields, written as text, CSV
 * and JSON. */
#include <stdlib.h>

#include "lib/record.h"
#include "unit.h"

/* Two causes and a name with nothing this time (present 0). */
static void sample_counts(const void *src, rec_count_fn fn, void *ctx)
{
	const uint64_t *v = src;
	fn(ctx, "connect/EADDRNOTAVAIL", v[0], 1);
	fn(ctx, "timeout", v[1], 1);
	fn(ctx, "absent", 7, 0);
}

enum which { TEXT, CSV_HEAD, CSV_ROW, JSON };

/* Render r (CSV rows under header h) into a string (caller frees). */
static char *render(enum which w, const struct record *h, const struct record *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	switch (w) {
	case TEXT: rec_write_text(out, r); break;
	case CSV_HEAD: rec_write_csv_header(out, r); break;
	case CSV_ROW: rec_write_csv(out, h, r); break;
	case JSON: rec_write_json(out, r); break;
	}
	fclose(out);
	return buf;
}

/* The seed's loop line: loop, finished_count, failed_count, time(s), in that spelling (the
 * writer's own labels for finished, failed and time_s). */
static void seed_record(struct record *r, const uint64_t *counts, const struct histogram *h)
{
	rec_init(r, NULL);
	rec_string(r, "type", NULL, "loop")->in = REC_CSV | REC_JSON;
	rec_uint(r, "loop", NULL, 0);
	rec_uint(r, "finished", NULL, 10000);
	rec_uint(r, "failed", NULL, 0);
	rec_float(r, "time_s", NULL, 1.0, 0);
	rec_counts(r, "failed_by", NULL, sample_counts, counts, 0);
	rec_hist(r, "connect_us", NULL, h, 0);
	rec_when(rec_uint(r, "time_wait", NULL, 5), 0);
}

/* Rule: the text line is the seed's: "label: value" joined by ", ", and what is empty (a
 * histogram with nothing, counts all zero, a field not measured) is left out. */
TEST(record_text_seed_line)
{
	struct record r;
	uint64_t counts[2] = {0, 0};
	struct histogram h;
	memset(&h, 0, sizeof(h));
	seed_record(&r, counts, &h);
	char *s = render(TEXT, NULL, &r);
	CHECK_STR(s, "loop: 0, finished_count: 10000, failed_count: 0, time(s): 1\n");
	free(s);

	counts[0] = 3;
	hist_record(&h, 42);
	rec_init(&r, "summary: ");
	rec_uint(&r, "loops", NULL, 2)->note = " (interrupted)";
	rec_counts(&r, "failed_by", NULL, sample_counts, counts, 0);
	rec_hist(&r, "connect_us", NULL, &h, 0);
	rec_null(&r, "predicted_rate", NULL, "unbounded");
	rec_null(&r, "first_failure_s", NULL, NULL);
	s = render(TEXT, NULL, &r);
	CHECK_STR(s, "summary: loops: 2 (interrupted), failed_by: connect/EADDRNOTAVAIL=3, "
		     "connect_us: min=42 p50=42 p99=42 max=42, predicted_rate: unbounded\n");
	free(s);
}

/* Rule: the CSV header comes from the first record's keys (a histogram as four columns, or
 * three in ms; expanded counts a column per name), and a row fills those columns by key:
 * in the header's order, empty where the row has no such field or it is not present. */
TEST(record_csv_columns_by_key)
{
	struct record head, row;
	uint64_t counts[2] = {3, 0};
	struct histogram h;
	memset(&h, 0, sizeof(h));
	rec_init(&head, NULL);
	rec_uint(&head, "a", NULL, 1);
	rec_hist(&head, "lat_us", NULL, &h, 0);
	rec_hist(&head, "lag_ms", NULL, &h, REC_MS);
	rec_counts(&head, "kernel", NULL, sample_counts, counts, REC_EXPAND);
	rec_uint(&head, "b", NULL, 2);
	rec_uint(&head, "json_only", NULL, 2)->in = REC_JSON;
	char *s = render(CSV_HEAD, NULL, &head);
	CHECK_STR(s, "a,lat_us_min,lat_us_p50,lat_us_p99,lat_us_max,lag_ms_p50,lag_ms_p99,lag_ms_max,"
		     "kernel_connect/EADDRNOTAVAIL,kernel_timeout,kernel_absent,b\n");
	free(s);

	hist_record(&h, 1500);
	rec_init(&row, NULL);
	rec_uint(&row, "b", NULL, 9); /* out of the header's order: placed by key */
	rec_hist(&row, "lag_ms", NULL, &h, REC_MS);
	rec_counts(&row, "kernel", NULL, sample_counts, counts, REC_EXPAND);
	rec_when(rec_uint(&row, "a", NULL, 5), 0);
	s = render(CSV_ROW, &head, &row);
	CHECK_STR(s, ",,,,,1.500,1.500,1.500,3,0,,9\n");
	free(s);
}

/* Rule: CSV quoting follows RFC 4180: a cell holding a comma, a quote or a line break is
 * quoted with inner quotes doubled; others are bare unless the field asks (REC_QUOTE). */
TEST(record_csv_quoting)
{
	struct record r;
	rec_init(&r, NULL);
	rec_string(&r, "plain", NULL, "10.0.0.1");
	rec_string(&r, "comma", NULL, "a,b");
	rec_string(&r, "quote", NULL, "say \"hi\"");
	rec_string(&r, "nl", NULL, "x\ny");
	rec_string(&r, "list", NULL, "8000")->flags = REC_QUOTE;
	rec_null(&r, "none", NULL, "none");
	rec_bool(&r, "flag", NULL, 1);
	char *s = render(CSV_ROW, &r, &r);
	CHECK_STR(s, "10.0.0.1,\"a,b\",\"say \"\"hi\"\"\",\"x\ny\",\"8000\",,true\n");
	free(s);
}

/* Rule: JSON writes every present field as a member: strings escaped, null, booleans,
 * counts as an object, a histogram's figures with the whole histogram (null when empty);
 * fields not present or not in JSON are left out. */
TEST(record_json_members)
{
	struct record r;
	uint64_t counts[2] = {0, 4};
	struct histogram h, empty;
	memset(&h, 0, sizeof(h));
	memset(&empty, 0, sizeof(empty));
	hist_record(&h, 10);
	rec_init(&r, "ignored in JSON: ");
	rec_string(&r, "type", NULL, "summary");
	rec_string(&r, "host", NULL, "a\"b");
	rec_bool(&r, "interrupted", NULL, 0);
	rec_float(&r, "t_s", "t(s)", 0.5, 3);
	rec_null(&r, "predicted_rate", NULL, "unbounded");
	rec_counts(&r, "failed_by", NULL, sample_counts, counts, 0);
	rec_hist(&r, "conn_us", NULL, &h, 0);
	rec_hist(&r, "req_us", NULL, &empty, 0);
	rec_when(rec_uint(&r, "time_wait", NULL, 1), 0);
	rec_uint(&r, "conns", NULL, 1)->in = REC_TEXT | REC_CSV;
	char *s = render(JSON, NULL, &r);
	CHECK_STR(s, "{\"type\":\"summary\",\"host\":\"a\\\"b\",\"interrupted\":false,\"t_s\":0.500,"
		     "\"predicted_rate\":null,\"failed_by\":{\"connect/EADDRNOTAVAIL\":0,\"timeout\":4},"
		     "\"conn_us\":{\"min\":10,\"p50\":10,\"p99\":10,\"max\":10,\"hist\":{\"count\":1,"
		     "\"min\":10,\"max\":10,\"buckets\":[[10,1]]}},\"req_us\":null}\n");
	free(s);
}

/* Rule: a record that is full drops further fields and says so, writing nothing out of
 * bounds. */
TEST(record_overflow_is_flagged)
{
	struct record *r = malloc(sizeof(*r));
	rec_init(r, NULL);
	for (int i = 0; i < REC_FIELDS_MAX; i++)
		rec_uint(r, "k", NULL, (uint64_t)i);
	CHECK(r->overflow == 0);
	rec_uint(r, "one_too_many", NULL, 1)->in = REC_JSON;
	CHECK(r->overflow == 1);
	CHECK(r->n == REC_FIELDS_MAX);
	free(r);
}

/* Rule: a header line (rec_init_kv) is "label=value" joined by " " (REC_COLON: "label:
 * value"); a field may spell its value otherwise in text (text_s, text_decimals), be null
 * in JSON only (REC_JSON_NULL) or a JSON boolean (REC_JSON_BOOL) while text and CSV keep
 * the value; an object is JSON's nested member and text's fields in line; a copy keeps
 * the names and the value, so a text line may order fields unlike the JSON object. */
TEST(record_header_line_and_object)
{
	struct record r, sub, line;
	rec_init_kv(&r, "# head ");
	struct rec_field *port = rec_string(&r, "port_key", "port", "40000-40100");
	port->flags = REC_JSON_NULL;
	rec_int(&r, "linger", NULL, 1)->flags = REC_JSON_BOOL;
	struct rec_field *why = rec_string(&r, "why_key", "why", "no: off");
	why->flags = REC_COLON;
	why->note = ";";
	rec_string(&r, "err", NULL, "")->text_s = "-";
	rec_float(&r, "first_s", NULL, 2.25, 3)->text_decimals = 1;
	rec_init(&sub, NULL);
	rec_int(&sub, "net.x", "x", -1)->flags = REC_JSON_NULL;
	rec_object(&r, "sysctl", &sub);
	char *s = render(TEXT, NULL, &r);
	CHECK_STR(s, "# head port=40000-40100 linger=1 why: no: off; err=- first_s=2.2 x=-1\n");
	free(s);
	s = render(JSON, NULL, &r);
	CHECK_STR(s, "{\"port_key\":null,\"linger\":true,\"why_key\":\"no: off\",\"err\":\"\","
		     "\"first_s\":2.250,\"sysctl\":{\"net.x\":null}}\n");
	free(s);
	s = render(CSV_HEAD, NULL, &r);
	CHECK_STR(s, "port_key,linger,why_key,err,first_s\n");
	free(s);
	s = render(CSV_ROW, &r, &r);
	CHECK_STR(s, "40000-40100,1,no: off,,2.250\n");
	free(s);

	rec_init(&line, NULL);
	rec_copy(&line, &r.f[1]);
	rec_copy(&line, port);
	s = render(TEXT, NULL, &line);
	CHECK_STR(s, "linger: 1, port: 40000-40100\n");
	free(s);
	s = render(JSON, NULL, &line);
	CHECK_STR(s, "{\"linger\":true,\"port_key\":null}\n");
	free(s);
}

/* Rows for the table and Prometheus tests: an address label, a count, a rate that may be
 * missing (-1), a count by name with a label. */
static void each_pair(const void *src, rec_count_fn fn, void *ctx)
{
	const int *v = src;
	fn(ctx, "A", (uint64_t)v[1], 1);
	fn(ctx, "B", 2, 1);
}

static void sample_row(const void *src, size_t i, struct record *r)
{
	static const int rows[][3] = {{1, 7, 5}, {22, 1234, -1}};
	(void)src;
	const int *v = rows[i < 2 ? i : 0];
	struct rec_field *f = rec_string(r, "src", "SRC", rec_keep(r, "10.0.0.%d", v[0]));
	f->flags = REC_LABEL | REC_LEFT | REC_FIT;
	f = rec_uint(r, "n", "N", (uint64_t)v[1]);
	f->width = 6;
	f->prom = "t_n";
	f->help = "N.";
	f = rec_float(r, "rate", "RATE", v[2], 1);
	f->flags = v[2] < 0 ? REC_JSON_NULL | REC_LEFT : REC_LEFT;
	f->text_s = v[2] < 0 ? "never" : NULL;
	f->width = 6;
	f->prom = "t_rate";
	f->help = "Rate.";
	f = rec_counts(r, "by", NULL, each_pair, v, 0);
	f->in = 0;
	f->prom = "t_by";
	f->help = "By name.";
	f->prom_label = "k";
	rec_string(r, "why", "WHY", "ok")->note = rec_keep(r, ": row %zu", i);
}

/* Rule: a table's columns are the fields in text, `width` wide (REC_FIT: the widest cell
 * or label; REC_LEFT left-aligned), two spaces apart, a cell its text value and note; the
 * rows in Prometheus give each family once, a sample per row that has a value, labelled by
 * the REC_LABEL fields (a labelled count: a sample per name); a list is a JSON array; a
 * record's own family without a value is left out whole. */
TEST(record_table_prom_and_list)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	rec_write_table(out, sample_row, NULL, 2);
	fclose(out);
	CHECK_STR(buf, "SRC             N  RATE    WHY\n"
		       "10.0.0.1        7  5.0     ok: row 0\n"
		       "10.0.0.22    1234  never   ok: row 1\n");
	free(buf);
	out = open_memstream(&buf, &len);
	rec_write_prom_rows(out, sample_row, NULL, 2);
	fclose(out);
	CHECK_STR(buf, "# HELP t_n N.\n# TYPE t_n gauge\nt_n{src=\"10.0.0.1\"} 7\nt_n{src=\"10.0.0.22\"} 1234\n"
		       "# HELP t_rate Rate.\n# TYPE t_rate gauge\nt_rate{src=\"10.0.0.1\"} 5\n"
		       "# HELP t_by By name.\n# TYPE t_by gauge\nt_by{src=\"10.0.0.1\",k=\"A\"} 7\n"
		       "t_by{src=\"10.0.0.1\",k=\"B\"} 2\nt_by{src=\"10.0.0.22\",k=\"A\"} 1234\n"
		       "t_by{src=\"10.0.0.22\",k=\"B\"} 2\n");
	free(buf);
	struct record r;
	rec_init(&r, NULL);
	rec_list(&r, "rows", sample_row, NULL, 2);
	struct rec_field *f = rec_uint(&r, "total", NULL, 2);
	f->prom = "t_total";
	f->help = "Rows.";
	f->flags = REC_COUNTER;
	rec_null_when(rec_uint(&r, "max", NULL, 0), 1, NULL)->prom = "t_max";
	char *s = render(JSON, NULL, &r);
	CHECK_STR(s, "{\"rows\":[{\"src\":\"10.0.0.1\",\"n\":7,\"rate\":5.0,\"why\":\"ok\"},"
		     "{\"src\":\"10.0.0.22\",\"n\":1234,\"rate\":null,\"why\":\"ok\"}],\"total\":2,\"max\":null}\n");
	free(s);
	out = open_memstream(&buf, &len);
	rec_write_prom(out, &r);
	fclose(out);
	CHECK_STR(buf, "# HELP t_total Rows.\n# TYPE t_total counter\nt_total 2\n");
	free(buf);
}
