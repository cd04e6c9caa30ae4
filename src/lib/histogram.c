/* Log-linear latency histogram: bucket bounds, merging and percentiles. */
#include "lib/histogram.h"

#include <string.h>

void hist_reset(struct histogram *h)
{
	memset(h, 0, sizeof(*h));
}

uint32_t hist_bucket_low(uint32_t b)
{
	if (b < 2 * HIST_SUB)
		return b;
	uint32_t shift = b / HIST_SUB - 1;
	return (b % HIST_SUB + HIST_SUB) << shift;
}

uint32_t hist_bucket_high(uint32_t b)
{
	if (b + 1 >= HIST_BUCKETS)
		return UINT32_MAX;
	return hist_bucket_low(b + 1) - 1;
}

void hist_merge(struct histogram *dst, const struct histogram *src)
{
	if (src->count == 0)
		return;
	for (uint32_t i = 0; i < HIST_BUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
	if (dst->count == 0 || src->min < dst->min)
		dst->min = src->min;
	dst->count += src->count;
	if (src->max > dst->max)
		dst->max = src->max;
}

int hist_add_bucket(struct histogram *h, uint32_t low, uint64_t n)
{
	uint32_t b = hist_bucket_of(low);
	if (hist_bucket_low(b) != low)
		return -1;
	h->bucket[b] += n;
	h->count += n;
	return 0;
}

int hist_consistent(const struct histogram *h)
{
	uint64_t sum = 0;
	uint32_t first = HIST_BUCKETS, last = 0;
	for (uint32_t b = 0; b < HIST_BUCKETS; b++) {
		if (h->bucket[b] == 0)
			continue;
		if (first == HIST_BUCKETS)
			first = b;
		last = b;
		sum += h->bucket[b];
	}
	if (sum != h->count)
		return 0;
	if (h->count == 0)
		return h->min == 0 && h->max == 0;
	return h->min <= h->max && hist_bucket_of(h->min) == first && hist_bucket_of(h->max) == last;
}

uint32_t hist_percentile(const struct histogram *h, double p)
{
	if (h->count == 0)
		return 0;
	double want = p / 100.0 * (double)h->count;
	uint64_t rank = (uint64_t)want;
	if ((double)rank < want)
		rank++; /* ceil, without libm */
	if (rank < 1)
		rank = 1;
	if (rank >= h->count)
		return h->max; /* the largest value is known exactly */
	uint64_t seen = 0;
	uint32_t b = 0;
	for (; b < HIST_BUCKETS; b++) {
		seen += h->bucket[b];
		if (seen >= rank)
			break;
	}
	uint32_t lo = hist_bucket_low(b), hi = hist_bucket_high(b);
	uint32_t v = lo + (hi - lo) / 2;
	if (v < h->min)
		v = h->min;
	if (v > h->max)
		v = h->max;
	return v;
}
