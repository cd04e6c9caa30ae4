/* libFuzzer target: the /proc/net/netstat and /proc/net/snmp reader (kcounters_parse), fed
 * the files' text.
 * Rules: no crash or undefined behaviour; the result is -1 (malformed) or the number of
 * counters found, at least as many as were marked present, only known counters are marked,
 * and counters not found keep their value. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "lib/kcounters.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	if (text == NULL)
		return 0;
	struct kcounters k;
	memset(&k, 0, sizeof(k));
	for (int i = 0; i < KC_COUNT; i++)
		k.v[i] = 0x5eed0000u + (unsigned)i;
	int n = kcounters_parse(text, &k);
	FUZZ_CHECK(n >= -1);
	FUZZ_CHECK((k.present & ~((1u << KC_COUNT) - 1)) == 0);
	if (n >= 0)
		FUZZ_CHECK(n >= __builtin_popcount(k.present));
	for (int i = 0; i < KC_COUNT; i++)
		if (!(k.present & (1u << i)))
			FUZZ_CHECK(k.v[i] == 0x5eed0000u + (unsigned)i);
	free(text);
	return 0;
}
