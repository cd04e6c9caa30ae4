/* Unit tests of failure classification and the output formats (loopstats.c, report.c). */
#include <errno.h>
#include <stdlib.h>

#include "lib/json.h"
#include "client/report.h"
#include "client/report_parts.h"
#include "unit.h"

static struct client_opts sample_opts(enum output_format fmt)
{
	struct client_opts o;
	client_defaults(&o);
	o.dst_name = "127.0.0.1";
	parse_ip_literal("127.0.0.1", 4000, &o.dst, &(const char *){NULL});
	o.loops = 10;
	o.conns = 10000;
	o.format = fmt;
	return o;
}

static struct loop_result sample_loop(void)
{
	struct loop_result r;
	memset(&r, 0, sizeof(r));
	r.loop = 2;
	r.conns = 10000;
	r.finished = 8232;
	r.failed = 1768;
	r.elapsed_ns = 734000000;
	r.fails.count[STAGE_CONNECT][EADDRNOTAVAIL] = 1766;
	r.fails.count[STAGE_TIMEOUT][WAIT_ECHO] = 2;
	/* latencies: connect 1..100 us: p50 = 50 (exact below 64), p99 = 99 lies in bucket
	 * 98-99 whose middle is 98; whole connection 200..299 us: p50 = 249 in bucket 248-251
	 * (middle 249), p99 = 298 in bucket 296-303 (middle 299, clamped to the max 299) */
	for (uint32_t v = 1; v <= 100; v++) {
		hist_record(&r.connect_us, v);
		hist_record(&r.conn_us, v + 199);
	}
	return r;
}

/* Render one loop record into a string (caller frees); verbose: -v. */
static char *render_loop_v(enum output_format fmt, int verbose)
{
	struct client_opts o = sample_opts(fmt);
	o.verbose = verbose;
	struct report rep = {.opts = &o};
	rep.sys = (struct net_sysctls){2, 1000, 32768, 60999, 1, 131072, 4096};
	char *buf = NULL;
	size_t len = 0;
	rep.out = open_memstream(&buf, &len);
	struct loop_result r = sample_loop();
	report_loop(&rep, &r);
	fclose(rep.out);
	return buf;
}

static char *render_loop(enum output_format fmt)
{
	return render_loop_v(fmt, 0);
}

/* Rule: the text line starts with the original's four fields, in its order and spelling;
 * by default then conn/s, the failures and the connections' p50/p99 in units; -v prints
 * every field (each latency in microseconds). */
TEST(report_text_seed_compatible)
{
	char *s = render_loop(FORMAT_TEXT);
	CHECK_STR(s, "loop: 2, finished_count: 8232, failed_count: 1768, time(s): 0.734, conn/s: 11215, "
		     "failed_by: connect/EADDRNOTAVAIL=1766 timeout/echo=2, p50/p99: 249us/299us\n");
	free(s);
	s = render_loop_v(FORMAT_TEXT, 1);
	CHECK_STR(s, "loop: 2, finished_count: 8232, failed_count: 1768, time(s): 0.734, conn/s: 11215, "
		     "failed_by: connect/EADDRNOTAVAIL=1766 timeout/echo=2, "
		     "connect_us: min=1 p50=50 p99=98 max=100, conn_us: min=200 p50=249 p99=299 max=299\n");
	free(s);
}

/* Rule: -v changes text only: CSV and JSON are the same with and without it. */
TEST(report_verbose_text_only)
{
	for (int fmt = FORMAT_CSV; fmt <= FORMAT_JSON; fmt++) {
		char *a = render_loop_v((enum output_format)fmt, 0), *b = render_loop_v((enum output_format)fmt, 1);
		CHECK_STR(a, b);
		free(a);
		free(b);
	}
}

/* Rule: CSV rows carry the same numbers, the failures in one column, then the settings,
 * then the kernel's view (empty cells: not measured). */
TEST(report_csv_row)
{
	char *s = render_loop(FORMAT_CSV);
	CHECK_STR(s, "loop,2,10000,8232,1768,0.734,11215,connect/EADDRNOTAVAIL=1766 timeout/echo=2,"
		     "127.0.0.1,4000,100,client,0,0,2,1000,32768-60999,1,131072,1,50,98,100,200,249,299,299,,,,,,,,,,,,,\n");
	free(s);
}

/* Rule: JSON loop records carry the same numbers, failures as an object, the run's shard,
 * host and start, and each histogram whole (its non-empty buckets, for twtest merge). */
TEST(report_json_loop)
{
	struct client_opts o = sample_opts(FORMAT_JSON);
	o.shard = 1;
	o.shards = 3;
	struct report rep = {.opts = &o};
	snprintf(rep.start.host, sizeof(rep.start.host), "h1");
	rep.start.wall_ns = 1764770400000125000;
	char *s = NULL;
	size_t len = 0;
	rep.out = open_memstream(&s, &len);
	struct loop_result r = sample_loop();
	report_loop(&rep, &r);
	fclose(rep.out);
	static const char head[] =
		"{\"type\":\"loop\",\"shard\":\"1/3\",\"host\":\"h1\",\"start_s\":1764770400.000125,"
		"\"loop\":2,\"conns\":10000,\"finished\":8232,\"failed\":1768,"
		"\"time_s\":0.734,\"conn_per_s\":11215,\"failed_by\":{\"connect/EADDRNOTAVAIL\":1766,"
		"\"timeout/echo\":2},\"connect_us\":{\"min\":1,\"p50\":50,\"p99\":98,\"max\":100,"
		"\"hist\":{\"count\":100,\"min\":1,\"max\":100,\"buckets\":[[1,1],[2,1],[3,1],";
	static const char tail[] =
		"[62,1],[63,1],[64,2],[66,2],[68,2],[70,2],[72,2],[74,2],[76,2],[78,2],[80,2],[82,2],"
		"[84,2],[86,2],[88,2],[90,2],[92,2],[94,2],[96,2],[98,2],[100,1]]}},"
		"\"conn_us\":{\"min\":200,\"p50\":249,\"p99\":299,\"max\":299,\"hist\":{\"count\":100,"
		"\"min\":200,\"max\":299,\"buckets\":[[200,4],[204,4],[208,4],[212,4],[216,4],[220,4],"
		"[224,4],[228,4],[232,4],[236,4],[240,4],[244,4],[248,4],[252,4],[256,8],[264,8],[272,8],"
		"[280,8],[288,8],[296,4]]}}}\n";
	CHECK(s && strncmp(s, head, strlen(head)) == 0);
	CHECK(s && strlen(s) > strlen(tail) && strcmp(s + strlen(s) - strlen(tail), tail) == 0);
	if (s && (strncmp(s, head, strlen(head)) != 0 || strstr(s, tail) == NULL))
		fprintf(stderr, "  got %s", s);
	free(s);
}

/* Rule: a loop without failures prints no failed_by field in text, and one without
 * latency samples no latency fields (CSV: empty columns, JSON: null). */
TEST(report_text_no_failures)
{
	struct client_opts o = sample_opts(FORMAT_TEXT);
	struct report rep = {.opts = &o};
	char *buf = NULL;
	size_t len = 0;
	rep.out = open_memstream(&buf, &len);
	struct loop_result r;
	memset(&r, 0, sizeof(r));
	r.conns = r.finished = 10000;
	r.elapsed_ns = 1000000000;
	report_loop(&rep, &r);
	fclose(rep.out);
	CHECK_STR(buf, "loop: 0, finished_count: 10000, failed_count: 0, time(s): 1.000, conn/s: 10000\n");
	free(buf);
	o.format = FORMAT_CSV;
	rep.out = open_memstream(&buf, &len);
	report_loop(&rep, &r);
	fclose(rep.out);
	CHECK(strstr(buf, ",,,,,,,,\n") != NULL);
	free(buf);
	o.format = FORMAT_JSON;
	rep.out = open_memstream(&buf, &len);
	report_loop(&rep, &r);
	fclose(rep.out);
	CHECK(strstr(buf, "},\"connect_us\":null,\"conn_us\":null}\n") != NULL);
	free(buf);
}

/* Rule: JSON strings escape quotes, backslashes and control characters. */
TEST(report_json_escape)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_write_string(f, "a\"b\\c\n");
	fclose(f);
	CHECK_STR(buf, "\"a\\\"b\\\\c\\u000a\"");
	free(buf);
}

/* Rule: totals add up loops, and failures keep their stage and errno. */
TEST(loopstats_totals)
{
	struct loop_result total, r = sample_loop();
	memset(&total, 0, sizeof(total));
	loop_result_add(&total, &r);
	loop_result_add(&total, &r);
	CHECK(total.conns == 20000 && total.finished == 16464 && total.failed == 3536);
	CHECK(total.elapsed_ns == 1468000000);
	CHECK(total.fails.count[STAGE_CONNECT][EADDRNOTAVAIL] == 3532);
	CHECK(total.connect_us.count == 200 && total.conn_us.count == 200);
	CHECK(total.conn_us.min == 200 && total.conn_us.max == 299);
	CHECK_STR(fail_detail_name(STAGE_CONNECT, ECONNREFUSED), "ECONNREFUSED");
	CHECK_STR(fail_detail_name(STAGE_ECHO, ECHO_SHORT), "short");
	CHECK_STR(fail_detail_name(STAGE_TIMEOUT, WAIT_CONNECT), "connect");
	CHECK_STR(fail_stage_name(STAGE_INTERRUPTED), "interrupted");
	struct loop_result none;
	memset(&none, 0, sizeof(none));
	CHECK(loop_result_rate(&none) == 0);
}

/* Rule: a latency for a person has 3 significant digits and a unit, wrk's way: microseconds
 * below 1 ms, milliseconds below 1 s, seconds above, rounding up into the next unit. */
TEST(report_human_latency)
{
	static const struct {
		uint64_t us;
		const char *want;
	} cases[] = {{0, "0us"}, {999, "999us"}, {1000, "1.00ms"}, {5064, "5.06ms"}, {9994, "9.99ms"},
		     {9995, "10.0ms"}, {98349, "98.3ms"}, {99950, "100ms"}, {999499, "999ms"},
		     {999500, "1.00s"}, {1026646, "1.03s"}, {23989000, "24.0s"}, {123456789, "123s"}};
	char b[16];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		report_human_us(cases[i].us, b, sizeof(b));
		CHECK_STR(b, cases[i].want);
	}
}
