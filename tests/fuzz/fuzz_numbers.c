/* libFuzzer target: the number parsers of src/lib/parse.c (parse_u64, parse_size,
 * parse_bool01, parse_u16_range), checked against a plain reference reading of the rules.
 * Input: byte 0 picks the parser, byte 1 the bounds, the rest is the text.
 * Rules: a parser accepts exactly the text its rule allows (digits only, no sign, no
 * spaces; a size's one k/m/g suffix; LO-HI with LO <= HI), returns the value the digits
 * say, within [min, max], and a reason whenever it refuses. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "lib/parse.h"

/* Bounds the callers use, and the extremes. */
static const uint64_t bounds[][2] = {
	{0, UINT64_MAX}, {1, 65535}, {0, 65535}, {1, 3600000}, {0, 64u << 20},
	{1, 64u << 20}, {1, 1u << 30}, {5, 5}, {1, 10000000}, {0, 0},
};
#define NBOUNDS (sizeof(bounds) / sizeof(bounds[0]))

/* Reference: the decimal value of s[0..n), *big set when it passes UINT64_MAX; -1 if a
 * byte is not a digit or n is 0. */
static int ref_digits(const char *s, size_t n, uint64_t *v, int *big)
{
	*v = 0;
	*big = 0;
	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		unsigned d = (unsigned)(s[i] - '0');
		if (*v > (UINT64_MAX - d) / 10)
			*big = 1;
		*v = *v * 10 + d;
	}
	return 0;
}

static int ref_u64(const char *s, size_t n, uint64_t min, uint64_t max, uint64_t *v)
{
	int big;
	return ref_digits(s, n, v, &big) == 0 && !big && *v >= min && *v <= max ? 0 : -1;
}

static void check_u64(const char *s, uint64_t min, uint64_t max)
{
	uint64_t got = 0, want;
	const char *why = NULL;
	int rc = parse_u64(s, min, max, &got, &why);
	FUZZ_CHECK(rc == ref_u64(s, strlen(s), min, max, &want));
	FUZZ_CHECK(rc < 0 ? why != NULL : got == want);
}

/* parse_size's reference: digits (fewer than 32, at most 2^34 - 1) and one suffix. */
static void check_size(const char *s, uint64_t min, uint64_t max)
{
	size_t n = strlen(s);
	unsigned shift = 0;
	if (n > 0 && strchr("kK", s[n - 1]))
		shift = 10;
	else if (n > 0 && strchr("mM", s[n - 1]))
		shift = 20;
	else if (n > 0 && strchr("gG", s[n - 1]))
		shift = 30;
	size_t dn = shift ? n - 1 : n;
	uint64_t d;
	int ok = dn < 32 && ref_u64(s, dn, 0, UINT64_MAX >> 30, &d) == 0 && (d << shift) >= min &&
		 (d << shift) <= max;
	uint64_t got = 0;
	const char *why = NULL;
	int rc = parse_size(s, min, max, &got, &why);
	FUZZ_CHECK((rc == 0) == ok);
	FUZZ_CHECK(rc < 0 ? why != NULL : got == d << shift);
}

static void check_bool01(const char *s)
{
	int v = -1;
	const char *why = NULL;
	int ok = strcmp(s, "0") == 0 || strcmp(s, "1") == 0;
	int rc = parse_bool01(s, &v, &why);
	FUZZ_CHECK((rc == 0) == ok);
	FUZZ_CHECK(rc < 0 ? why != NULL : v == s[0] - '0');
}

/* LO-HI split at the first '-', LO shorter than 16 bytes. */
static void check_u16_range(const char *s, uint64_t min, uint64_t max)
{
	uint16_t mn = (uint16_t)(min > 65535 ? 65535 : min), mx = (uint16_t)(max > 65535 ? 65535 : max);
	const char *dash = strchr(s, '-');
	uint64_t a = 0, b = 0;
	int ok = dash && dash != s && (size_t)(dash - s) < 16 &&
		 ref_u64(s, (size_t)(dash - s), mn, mx, &a) == 0 &&
		 ref_u64(dash + 1, strlen(dash + 1), mn, mx, &b) == 0 && a <= b;
	uint16_t lo = 0, hi = 0;
	const char *why = NULL;
	int rc = parse_u16_range(s, mn, mx, &lo, &hi, &why);
	FUZZ_CHECK((rc == 0) == ok);
	FUZZ_CHECK(rc < 0 ? why != NULL : lo == a && hi == b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_text_after(data, size, 2);
	if (s == NULL)
		return 0;
	uint64_t min = bounds[data[1] % NBOUNDS][0], max = bounds[data[1] % NBOUNDS][1];
	switch (data[0] % 4) {
	case 0: check_u64(s, min, max); break;
	case 1: check_size(s, min, max); break;
	case 2: check_bool01(s); break;
	default: check_u16_range(s, min, max); break;
	}
	free(s);
	return 0;
}
