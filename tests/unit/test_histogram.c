/* Unit tests of the log-linear histogram (histogram.c): bucket bounds, percentiles, merge. */
#include <stdint.h>

#include "lib/histogram.h"
#include "unit.h"

/* Rule: buckets tile the whole range without gaps or overlaps, each value lands in the
 * bucket whose bounds hold it, and no bucket is wider than 1/32 of its low bound. */
TEST(hist_bucket_bounds)
{
	CHECK(hist_bucket_of(0) == 0 && hist_bucket_of(63) == 63);
	CHECK(hist_bucket_low(64) == 64 && hist_bucket_high(64) == 65);
	CHECK(hist_bucket_of(64) == 64 && hist_bucket_of(65) == 64 && hist_bucket_of(66) == 65);
	CHECK(hist_bucket_of(UINT32_MAX) == HIST_BUCKETS - 1);
	CHECK(hist_bucket_high(HIST_BUCKETS - 1) == UINT32_MAX);
	int gaps = 0, misplaced = 0, too_wide = 0;
	for (uint32_t b = 0; b + 1 < HIST_BUCKETS; b++) {
		uint32_t lo = hist_bucket_low(b), hi = hist_bucket_high(b);
		gaps += hist_bucket_low(b + 1) != hi + 1;
		misplaced += hist_bucket_of(lo) != b || hist_bucket_of(hi) != b;
		too_wide += lo >= 64 && (uint64_t)(hi - lo + 1) * 32 > lo;
	}
	CHECK(gaps == 0);
	CHECK(misplaced == 0);
	CHECK(too_wide == 0);
}

/* Rule: percentiles of known inputs: exact below 64, within one bucket above, and
 * min/max exact; an empty histogram reports 0. */
TEST(hist_percentiles_known_inputs)
{
	static struct histogram h;
	hist_reset(&h);
	CHECK(h.count == 0 && hist_percentile(&h, 50) == 0);
	for (uint32_t v = 1; v <= 50; v++)
		hist_record(&h, v);
	CHECK(hist_percentile(&h, 50) == 25);
	CHECK(hist_percentile(&h, 99) == 50);
	CHECK(hist_percentile(&h, 100) == 50);
	CHECK(h.min == 1 && h.max == 50 && h.count == 50);

	hist_reset(&h);
	for (uint32_t v = 1; v <= 10000; v++)
		hist_record(&h, v * 100); /* 100 us .. 1 s */
	uint32_t p50 = hist_percentile(&h, 50), p99 = hist_percentile(&h, 99);
	CHECK(p50 >= 500000 - 500000 / 32 && p50 <= 500000 + 500000 / 32);
	CHECK(p99 >= 990000 - 990000 / 32 && p99 <= 990000 + 990000 / 32);
	CHECK(h.min == 100 && h.max == 1000000);
	CHECK(hist_percentile(&h, 100) == 1000000);

	/* one outlier: p99 of 99 fast and 1 slow is fast, the max is the outlier */
	hist_reset(&h);
	for (int i = 0; i < 99; i++)
		hist_record(&h, 20);
	hist_record(&h, 3000000);
	CHECK(hist_percentile(&h, 99) == 20);
	CHECK(hist_percentile(&h, 100) == 3000000);
	CHECK(h.max == 3000000);
}

/* Rule: merging equals recording everything into one histogram; merging an empty one
 * changes nothing. */
TEST(hist_merge)
{
	static struct histogram a, b, all, empty;
	hist_reset(&a);
	hist_reset(&b);
	hist_reset(&all);
	hist_reset(&empty);
	for (uint32_t v = 0; v < 5000; v++) {
		uint32_t x = v * 7919 % 100003;
		hist_record(v % 2 ? &a : &b, x);
		hist_record(&all, x);
	}
	hist_merge(&a, &b);
	hist_merge(&a, &empty);
	CHECK(a.count == all.count && a.min == all.min && a.max == all.max);
	CHECK(memcmp(a.bucket, all.bucket, sizeof(a.bucket)) == 0);
	CHECK(hist_percentile(&a, 99) == hist_percentile(&all, 99));
	hist_merge(&empty, &all);
	CHECK(empty.min == all.min && empty.count == 5000);
}

/* Rule: a count is added only at a bucket's smallest value (0 and the count grows by n);
 * any other value is refused with -1 and changes nothing. */
TEST(hist_add_bucket_at_low_bounds)
{
	static struct histogram h;
	hist_reset(&h);
	CHECK(hist_add_bucket(&h, 64, 3) == 0);
	CHECK(h.bucket[64] == 3 && h.count == 3);
	CHECK(hist_add_bucket(&h, 65, 1) == -1); /* inside bucket 64, not its start */
	CHECK(h.bucket[64] == 3 && h.count == 3);
}

/* Rule: a histogram is whole only when its count is the sum of its buckets and min and max
 * sit in its first and last non-empty buckets; an empty one only when all zeros. */
TEST(hist_consistent_rules)
{
	static struct histogram h;
	hist_reset(&h);
	CHECK(hist_consistent(&h) == 1);
	h.min = 5;
	CHECK(hist_consistent(&h) == 0);
	hist_reset(&h);
	h.max = 5;
	CHECK(hist_consistent(&h) == 0);
	hist_reset(&h);
	hist_record(&h, 7);
	hist_record(&h, 900);
	CHECK(hist_consistent(&h) == 1);
	h.count++;
	CHECK(hist_consistent(&h) == 0);
	h.count--;
	h.min = 8; /* not in the first bucket, 7's */
	CHECK(hist_consistent(&h) == 0);
}

/* Rule: the low end is exact: a percentile that falls in bucket 0 is 0, and p = 0 gives
 * the smallest value. */
TEST(hist_percentile_low_end)
{
	static struct histogram h;
	hist_reset(&h);
	for (uint32_t v = 0; v < 3; v++)
		hist_record(&h, 0);
	hist_record(&h, 5);
	CHECK(hist_percentile(&h, 50) == 0);
	hist_reset(&h);
	for (uint32_t v = 1; v <= 50; v++)
		hist_record(&h, v);
	CHECK(hist_percentile(&h, 0) == 1);
}
