/* libFuzzer target: twtest merge's reader (merge_stream_run), fed any bytes as the JSON Lines
 * of standard input, in each output format (the first byte picks it; the second, bit 0,
 * --allow-partial).
 * Rules: no crash, leak or undefined behaviour; the input is merged or refused, and a
 * refusal is one non-empty line of printable text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "merge/merge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	struct merge_opts o = {.format = (enum output_format)(data[0] % 3), .allow_partial = data[1] & 1};
	FILE *in = fmemopen((void *)(data + 2), size - 2, "r");
	FILE *out = fopen("/dev/null", "w");
	char err[512] = "";
	if (in && out && size > 2) {
		int rc = merge_stream_run(&o, in, out, err, sizeof(err));
		FUZZ_CHECK(rc == 0 || rc == -1);
		if (rc < 0) {
			FUZZ_CHECK(err[0] != '\0');
			for (const char *p = err; *p; p++)
				FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
		}
	}
	if (in)
		fclose(in);
	if (out)
		fclose(out);
	return 0;
}
