/* libFuzzer target: the HTTP/1.1 response parser (src/lib/http_parse.c) as the http client
 * drives it, with a 4 KiB bound so that the bound is reached too. Rules: http_fuzz.h. */
#include "fuzz.h"
#include "http_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	http_fuzz_run(HTTP_RESPONSE, 4096, data, size);
	return 0;
}
