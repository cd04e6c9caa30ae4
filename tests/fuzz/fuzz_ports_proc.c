/* libFuzzer target: the ports subcommand's /proc readers, fed the files' text. Byte 0
 * picks /proc/slabinfo (ports_parse_slabinfo) or net.ipv4.ip_local_reserved_ports
 * (tw_parse_reserved); the rest is the text.
 * Rules: no crash or undefined behaviour; each returns 0 or -1; slabinfo without a
 * TIME_WAIT cache line reads as 0 objects and 0 bytes; an empty reserved list marks no
 * port, and a one-port list marks exactly that port. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "lib/parse.h"
#include "ports/ports.h"
#include "ports/ports_cmd.h"

static void check_reserved(const char *text)
{
	static uint64_t map[65536 / 64];
	int rc = tw_parse_reserved(text, map);
	FUZZ_CHECK(rc == 0 || rc == -1);
	size_t marked = 0;
	for (size_t i = 0; i < 65536 / 64; i++)
		marked += (size_t)__builtin_popcountll(map[i]);
	uint64_t one;
	const char *why;
	if (rc == 0 && (text[0] == '\0' || text[0] == '\n'))
		FUZZ_CHECK(marked == 0);
	if (rc == 0 && parse_u64(text, 0, 65535, &one, &why) == 0)
		FUZZ_CHECK(marked == 1 && (map[one / 64] >> (one % 64) & 1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text_after(data, size, 1);
	if (text == NULL)
		return 0;
	if (data[0] & 1) {
		check_reserved(text);
	} else {
		uint64_t objects = 7, bytes = 7;
		int rc = ports_parse_slabinfo(text, &objects, &bytes);
		FUZZ_CHECK(rc == 0 || rc == -1);
		FUZZ_CHECK(rc == 0 || (objects == 0 && bytes == 0));
	}
	free(text);
	return 0;
}
