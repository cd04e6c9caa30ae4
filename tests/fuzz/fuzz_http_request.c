/* libFuzzer target: the HTTP/1.1 request parser (src/lib/http_parse.c) as `twtest server
 * --protocol http` drives it, with its request head bound. Rules: http_fuzz.h. */
#include "fuzz.h"
#include "http_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	http_fuzz_run(HTTP_REQUEST, HTTP_MAX_REQUEST_HEAD, data, size);
	return 0;
}
