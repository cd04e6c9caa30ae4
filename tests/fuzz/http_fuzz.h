/* The rules both HTTP parser targets (fuzz_http_response.c, fuzz_http_request.c) check. */
#ifndef TWTEST_HTTP_FUZZ_H
#define TWTEST_HTTP_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "lib/http_parse.h"

/* The input's first byte picks a split size (1-16 bytes); the rest is a connection's bytes,
 * parsed as back-to-back messages of `kind` bounded by `max`, once whole and once split.
 * Rules: no crash, out-of-bounds read or undefined behaviour; both give the same messages,
 * statuses, keep-alive answers and the same final result; a refusal is EPROTO, EMSGSIZE or
 * (at the close) EPIPE; a response never counts more than max bytes. */
void http_fuzz_run(enum http_kind kind, uint64_t max, const uint8_t *data, size_t size);

#endif
