/* Unit tests of twtest merge's pieces: the strict JSON reader (lib/json_parse.c), the
 * histogram's JSON round trip and bucket-wise add, and the record rules (merge_record.c). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/histogram.h"
#include "lib/json.h"
#include "lib/json_parse.h"
#include "merge/merge.h"
#include "merge/merge_record.h"
#include "unit.h"

/* A histogram as the client writes it, read back as merge reads it; 0 on success. */
static int round_trip(const struct histogram *h, struct histogram *back)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (f == NULL)
		return -1;
	json_write_histogram(f, h);
	fclose(f);
	struct json_doc d = {0};
	char err[128];
	int rc = json_parse(&d, text, len) < 0 ? -1 : merge_read_histogram(back, &d, &d.node[0], err, sizeof(err));
	json_doc_free(&d);
	free(text);
	return rc;
}

/* Rule: merging the histograms of a split sample (each written as JSON and read back, as
 * between client and merge) gives exactly the histogram of the whole sample, bucket for
 * bucket, and so the same count, min, max and percentiles. */
TEST(merge_split_sample_is_exact)
{
	static struct histogram whole, part[3], back, sum;
	hist_reset(&whole);
	for (int i = 0; i < 3; i++)
		hist_reset(&part[i]);
	uint64_t x = 88172645463325252ull; /* xorshift: a fixed, skewed sample */
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint32_t v = (uint32_t)((x % 1000) * (x % 1000) * ((x >> 20) % 50) / 7); /* 0 .. ~7e6 */
		hist_record(&whole, v);
		hist_record(&part[(x >> 40) % 3], v); /* uneven shares, like hosts */
	}
	hist_reset(&sum);
	int read_ok = 1;
	for (int i = 0; i < 3; i++) {
		read_ok &= round_trip(&part[i], &back) == 0;
		read_ok &= memcmp(&back, &part[i], sizeof(back)) == 0;
		hist_merge(&sum, &back);
	}
	CHECK(read_ok);
	CHECK(memcmp(sum.bucket, whole.bucket, sizeof(whole.bucket)) == 0);
	CHECK(sum.count == whole.count && sum.min == whole.min && sum.max == whole.max);
	static const double ps[] = {0.1, 1, 25, 50, 75, 90, 99, 99.9, 99.99, 100};
	int same = 0;
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
		same += hist_percentile(&sum, ps[i]) == hist_percentile(&whole, ps[i]);
	CHECK(same == (int)(sizeof(ps) / sizeof(ps[0])));
	CHECK(hist_consistent(&sum));
}

/* Rule: a histogram read from JSON is refused unless it is whole: buckets that start a
 * bucket, in order, with counts that sum to count, and min and max in the end buckets. */
TEST(merge_histogram_checks)
{
	static const char *const bad[] = {
		"{\"count\":2,\"min\":100,\"max\":200,\"buckets\":[[100,1],[201,1]]}", /* no bucket at 201 */
		"{\"count\":3,\"min\":100,\"max\":200,\"buckets\":[[100,1],[200,1]]}", /* count */
		"{\"count\":2,\"min\":90,\"max\":200,\"buckets\":[[100,1],[200,1]]}",  /* min */
		"{\"count\":2,\"min\":100,\"max\":300,\"buckets\":[[100,1],[200,1]]}", /* max */
		"{\"count\":2,\"min\":100,\"max\":200,\"buckets\":[[200,1],[100,1]]}", /* order */
		"{\"count\":1,\"min\":100,\"max\":100,\"buckets\":[[100,1],[200,0]]}", /* empty bucket */
		"{\"count\":1,\"min\":100,\"max\":100}",                              /* no buckets */
		"{\"count\":1,\"min\":100,\"max\":100,\"buckets\":[[100,1]],\"x\":1}", /* extra member */
	};
	static struct histogram h;
	char err[128], buf[256];
	struct json_doc d = {0};
	int refused = 0;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", bad[i]);
		refused += json_parse(&d, buf, strlen(buf)) == 0 &&
			   merge_read_histogram(&h, &d, &d.node[0], err, sizeof(err)) < 0;
	}
	CHECK(refused == (int)(sizeof(bad) / sizeof(bad[0])));
	snprintf(buf, sizeof(buf), "{\"count\":2,\"min\":100,\"max\":203,\"buckets\":[[100,1],[200,1]]}"); /* 200-203 is one bucket */
	CHECK(json_parse(&d, buf, strlen(buf)) == 0 && merge_read_histogram(&h, &d, &d.node[0], err, sizeof(err)) == 0);
	CHECK(h.count == 2 && h.min == 100 && h.max == 203);
	json_doc_free(&d);
}

/* Rule: the JSON reader takes exactly RFC 8259 texts: these parse, and each of the bad
 * ones is refused with a message that says at which byte. */
TEST(json_parse_strict)
{
	static const char *const good[] = {
		"{}", "[]", "0", "-0.5e+3", "\"a\\u00e9\\ud83d\\ude00\\n\"", "{\"a\":[1,{\"b\":null}],\"c\":true}",
		" {\"a\" : 1 } ", "18446744073709551615",
	};
	static const char *const bad[] = {
		"", "{", "{\"a\":1,}", "[1,]", "01", "1.", ".5", "-", "+1", "NaN", "{\"a\" 1}", "{a:1}",
		"\"\\x\"", "\"tab\there\"", "\"\\ud800\"", "\"\\u0000\"", "{\"a\":1,\"a\":2}", "1 2",
		"tru", "nul", "[1 2]", "{\"a\":1}}", "\"open",
	};
	struct json_doc d = {0};
	char buf[128];
	int ok = 0, refused = 0, said_where = 0;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", good[i]);
		ok += json_parse(&d, buf, strlen(buf)) == 0;
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", bad[i]);
		if (json_parse(&d, buf, strlen(buf)) < 0) {
			refused++;
			said_where += strncmp(d.err, "at byte ", 8) == 0;
		} else {
			fprintf(stderr, "  accepted: %s\n", bad[i]);
		}
	}
	CHECK(ok == (int)(sizeof(good) / sizeof(good[0])));
	CHECK(refused == (int)(sizeof(bad) / sizeof(bad[0])));
	CHECK(said_where == refused);
	snprintf(buf, sizeof(buf), "{\"s\":\"a\\u00e9\\ud83d\\ude00\",\"n\":18446744073709551615,\"f\":1.250}");
	CHECK(json_parse(&d, buf, strlen(buf)) == 0);
	const struct json_node *s = json_get(&d, &d.node[0], "s"), *n = json_get(&d, &d.node[0], "n");
	const struct json_node *f = json_get(&d, &d.node[0], "f");
	CHECK(s && strcmp(s->str, "a\xc3\xa9\xf0\x9f\x98\x80") == 0);
	CHECK(n && n->is_uint && n->u64 == UINT64_MAX);
	CHECK(f && !f->is_uint && f->decimals == 3 && f->num == 1.25);
	snprintf(buf, sizeof(buf), "18446744073709551616"); /* 2^64: a number, not exact */
	CHECK(json_parse(&d, buf, strlen(buf)) == 0 && !d.node[0].is_uint);
	json_doc_free(&d);
}

/* Parse text into r; 0 on success. */
static int read_record(struct mrecord *r, const char *text, char *err, size_t errlen)
{
	struct json_doc d = {0};
	char *buf = strdup(text);
	int rc = buf && json_parse(&d, buf, strlen(buf)) == 0 ? mrecord_read(r, &d, &d.node[0], err, errlen) : -1;
	json_doc_free(&d);
	free(buf);
	return rc;
}

/* Rule: records add by the rules: counts and counter maps add (a key of one host only
 * included), times take the latest, first failures the earliest that is not null,
 * identity members are no fields, and a histogram whose printed figures disagree with its
 * buckets, or a field of two kinds, is refused. */
TEST(merge_record_rules)
{
	struct mrecord a = {0}, b = {0}, sum = {0};
	char err[256];
	CHECK(read_record(&a, "{\"type\":\"interval\",\"interval\":2,\"shard\":\"0/2\",\"host\":\"a\",\"start_s\":1.5,"
			  "\"t_s\":3.000,\"due\":5,\"failed_by\":{\"connect/EADDRNOTAVAIL\":2},"
			  "\"first_failure_s\":null,\"kernel\":{\"TW\":1}}", err, sizeof(err)) == 0);
	CHECK(read_record(&b, "{\"type\":\"interval\",\"interval\":2,\"shard\":\"1/2\",\"host\":\"b\",\"start_s\":1.5,"
			  "\"t_s\":2.990,\"due\":7,\"failed_by\":{\"timeout/echo\":1,\"connect/EADDRNOTAVAIL\":3},"
			  "\"first_failure_s\":2.125,\"kernel\":{\"TW\":2,\"OutRsts\":4}}", err, sizeof(err)) == 0);
	CHECK(mrecord_get(&a, "host") == NULL && mrecord_get(&a, "interval") == NULL);
	CHECK(mrecord_add(&sum, &a, err, sizeof(err)) == 0 && mrecord_add(&sum, &b, err, sizeof(err)) == 0);
	mrecord_finish(&sum);
	const struct mfield *due = mrecord_get(&sum, "due"), *t = mrecord_get(&sum, "t_s");
	const struct mfield *fb = mrecord_get(&sum, "failed_by"), *k = mrecord_get(&sum, "kernel");
	const struct mfield *ff = mrecord_get(&sum, "first_failure_s");
	CHECK(sum.hosts == 2);
	CHECK(due && due->kind == MF_UINT && due->u == 12);
	CHECK(t && t->kind == MF_REAL && t->r == 3.0 && t->decimals == 3);
	CHECK(fb && fb->map.n == 2 && fb->map.item[0].v == 5 && strcmp(fb->map.item[1].name, "timeout/echo") == 0);
	CHECK(k && k->map.n == 2 && k->map.item[0].v == 3 && k->map.item[1].v == 4);
	CHECK(ff && ff->kind == MF_REAL && ff->r == 2.125);
	mrecord_free(&a);
	mrecord_free(&b);

	CHECK(read_record(&a, "{\"connect_us\":{\"min\":100,\"p50\":150,\"p99\":200,\"max\":200,\"hist\":"
			  "{\"count\":2,\"min\":100,\"max\":200,\"buckets\":[[100,1],[200,1]]}}}", err, sizeof(err)) < 0);
	CHECK(strstr(err, "p50 is 150 but its buckets give 100") != NULL);
	mrecord_free(&a);
	CHECK(read_record(&a, "{\"due\":{\"x\":1}}", err, sizeof(err)) == 0);
	CHECK(mrecord_add(&sum, &a, err, sizeof(err)) < 0 && strstr(err, "due is a counter object") != NULL);
	mrecord_free(&a);
	mrecord_free(&sum);
}

/* A rate record of shard I/2 started at start_s, with due, time_wait and a one-bucket
 * connect_us of value v (or none when v is 0). */
static void rate_record(FILE *f, const char *type, int shard, const char *start, int interval,
			unsigned due, unsigned tw, unsigned v)
{
	fprintf(f, "{\"type\":\"%s\",\"shard\":\"%d/2\",\"host\":\"h%d\",\"start_s\":%s", type, shard, shard, start);
	if (strcmp(type, "header") == 0) {
		fputs(",\"mode\":\"rate\",\"rate\":4,\"report_interval_ms\":1000}\n", f);
		return;
	}
	if (strcmp(type, "interval") == 0)
		fprintf(f, ",\"interval\":%d", interval);
	fprintf(f, ",\"due\":%u,\"time_wait\":%u", due, tw);
	if (v)
		fprintf(f, ",\"connect_us\":{\"p50\":%u,\"hist\":{\"count\":1,\"min\":%u,\"max\":%u,\"buckets\":[[%u,1]]}}",
			v, v, v, v);
	fputs("}\n", f);
}

/* Rule: merge takes the shards' records interleaved on one stream, lines up by absolute
 * time a shard that started one interval later (its interval 0 is the first shard's 1), keeps
 * a finished host's TIME_WAIT level in later intervals, and adds the rest. */
TEST(merge_stream_lines_up_by_time)
{
	char *in = NULL, *out = NULL;
	size_t inlen = 0, outlen = 0;
	FILE *f = open_memstream(&in, &inlen);
	rate_record(f, "header", 0, "100.000000", 0, 0, 0, 0);
	rate_record(f, "header", 1, "101.000000", 0, 0, 0, 0);
	rate_record(f, "interval", 0, "100.000000", 0, 2, 2, 10);
	rate_record(f, "interval", 1, "101.000000", 0, 2, 2, 20);
	rate_record(f, "interval", 0, "100.000000", 1, 2, 4, 30);
	rate_record(f, "summary", 0, "100.000000", 0, 4, 4, 0);
	rate_record(f, "interval", 1, "101.000000", 1, 2, 4, 40);
	rate_record(f, "summary", 1, "101.000000", 0, 4, 4, 0);
	fclose(f);
	struct merge_opts o = {.format = FORMAT_JSON};
	FILE *src = fmemopen(in, inlen, "r"), *dst = open_memstream(&out, &outlen);
	char err[256] = "";
	int rc = merge_stream_run(&o, src, dst, err, sizeof(err));
	fclose(src);
	fclose(dst);
	CHECK(rc == 0);
	if (rc != 0)
		fprintf(stderr, "  %s\n", err);
	/* interval 0: shard 0 alone; 1: shard 0's 1 and shard 1's 0; 2: shard 1's 1, shard 0's
	 * TIME_WAIT carried */
	CHECK(out && strstr(out, "{\"type\":\"interval\",\"interval\":0,\"hosts\":1,\"due\":2,\"time_wait\":2,") != NULL);
	CHECK(out && strstr(out, "{\"type\":\"interval\",\"interval\":1,\"hosts\":2,\"due\":4,\"time_wait\":6,"
				 "\"connect_us\":{\"min\":20,\"p50\":20,\"p99\":30,\"max\":30,\"hist\":{\"count\":2,"
				 "\"min\":20,\"max\":30,\"buckets\":[[20,1],[30,1]]}}}") != NULL);
	CHECK(out && strstr(out, "{\"type\":\"interval\",\"interval\":2,\"hosts\":1,\"due\":2,\"time_wait\":8,") != NULL);
	CHECK(out && strstr(out, "{\"type\":\"summary\",\"hosts\":2,\"due\":8,\"time_wait\":8") != NULL);
	if (out && rc == 0 && strstr(out, "\"interval\":2,\"hosts\":1,\"due\":2,\"time_wait\":8,") == NULL)
		fprintf(stderr, "  got %s", out);
	free(in);
	free(out);
}

static enum parse_result merge_args(struct merge_opts *o, char *err, ...)
{
	char *argv[16];
	va_list ap;
	va_start(ap, err);
	int argc = unit_argv(argv, 16, "merge", ap);
	va_end(ap);
	err[0] = '\0';
	return merge_parse_args(argc, argv, o, err, 256);
}

/* Rule: merge's defaults are its rows' (text, no partial merge); the FILE operands follow
 * the options; a bad --format is a one-line error naming the value. */
TEST(merge_options)
{
	struct merge_opts o;
	char err[256];
	CHECK(merge_args(&o, err, NULL) == PARSE_OK);
	CHECK(o.format == FORMAT_TEXT && !o.allow_partial && o.nfiles == 0);
	CHECK(merge_args(&o, err, "--format", "csv", "--allow-partial", "a", "b", NULL) == PARSE_OK);
	CHECK(o.format == FORMAT_CSV && o.allow_partial && o.nfiles == 2 &&
	      strcmp(o.files[1], "b") == 0);
	CHECK(merge_args(&o, err, "--format", "xml", NULL) == PARSE_ERROR);
	CHECK_STR(err, "invalid --format 'xml': must be text, csv or json");
}
