/* libFuzzer target: the /proc/sys reader (sysctl_parse_longs), fed a file's text, checked
 * against a plain reference reading.
 * Rules: no crash or undefined behaviour; the first two whitespace-separated [-]digits
 * numbers in long's range are read, with their values, and reading stops at the first
 * that is not one; an output not read keeps its value. */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>

#include "fuzz.h"
#include "lib/sysctl.h"

/* The number at the start of s (after white space) into *v; returns the text after it,
 * or NULL when there is none or it is outside long's range. */
static const char *ref_long(const char *s, long *v)
{
	while (isspace((unsigned char)*s))
		s++;
	int neg = *s == '-';
	s += neg;
	if (!isdigit((unsigned char)*s))
		return NULL;
	unsigned long long mag = 0;
	int big = 0;
	for (; isdigit((unsigned char)*s); s++) {
		if (mag > (ULLONG_MAX - 9) / 10)
			big = 1;
		else
			mag = mag * 10 + (unsigned)(*s - '0');
	}
	unsigned long long limit = neg ? (unsigned long long)LONG_MAX + 1 : LONG_MAX;
	if (big || mag > limit)
		return NULL;
	*v = neg ? (mag == limit ? LONG_MIN : -(long)mag) : (long)mag;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	if (text == NULL)
		return 0;
	long a = 0x5eed, b = 0x5eed, x = 0x5eed, y = 0x5eed;
	int n = sysctl_parse_longs(text, &a, &b);
	const char *rest = ref_long(text, &x);
	int want = rest == NULL ? 0 : ref_long(rest, &y) == NULL ? 1 : 2;
	FUZZ_CHECK(n == want);
	FUZZ_CHECK(a == x && b == y);
	free(text);
	return 0;
}
