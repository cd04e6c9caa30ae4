/* A fixed-size log-linear histogram of durations in microseconds: exact below 64, then 32
 * buckets per power of two (each bucket at most 1/32 of its value wide), up to 2^32 - 1 us.
 * Recording is a few instructions and never allocates; histograms merge by addition. */
#ifndef TWTEST_HISTOGRAM_H
#define TWTEST_HISTOGRAM_H

#include <stdint.h>

#define HIST_SUB_BITS 5                      /* 32 buckets per power of two */
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_MAX_BITS 32                     /* values are clamped below 2^32 */
#define HIST_BUCKETS ((HIST_MAX_BITS - HIST_SUB_BITS + 1) * HIST_SUB)

/* All zeros is an empty histogram (memset or = {0} resets it). */
struct histogram {
	uint64_t count;
	uint32_t min, max;                   /* exact; valid when count > 0 */
	uint64_t bucket[HIST_BUCKETS];
};

/* The bucket a value falls into. */
static inline uint32_t hist_bucket_of(uint32_t v)
{
	if (v < HIST_SUB)
		return v;
	uint32_t shift = (uint32_t)(31 - __builtin_clz(v)) - HIST_SUB_BITS;
	return shift * HIST_SUB + (v >> shift);
}

/* Record one value. */
static inline void hist_record(struct histogram *h, uint32_t v)
{
	h->bucket[hist_bucket_of(v)]++;
	if (h->count++ == 0 || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

/* Empty h. */
void hist_reset(struct histogram *h);

/* Smallest value of bucket b. */
uint32_t hist_bucket_low(uint32_t b);

/* Largest value of bucket b. */
uint32_t hist_bucket_high(uint32_t b);

/* Add every count of src into dst, bucket by bucket: exact, so that percentiles of the sum
 * are those of one histogram that recorded every value of both. */
void hist_merge(struct histogram *dst, const struct histogram *src);

/* Add n values to the bucket whose smallest value is low (count included; min and max are
 * the caller's). Returns 0, or -1 when no bucket starts at low. */
int hist_add_bucket(struct histogram *h, uint32_t low, uint64_t n);

/* Is h whole: count the sum of its buckets, min in its first non-empty bucket and max in
 * its last (min <= max)? An empty histogram is whole when all zeros. Returns 1 or 0. */
int hist_consistent(const struct histogram *h);

/* The value at percentile p (0 < p <= 100): the middle of the bucket holding the
 * ceil(p/100 * count)-th smallest value, clamped to [min, max]; the max itself when that
 * is the largest value. 0 when empty. */
uint32_t hist_percentile(const struct histogram *h, double p);

#endif
