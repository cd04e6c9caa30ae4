/* libFuzzer target: the server's command line (server_parse_args); the input is the
 * arguments after `server`, separated by NUL bytes.
 * Rules: no crash, leak or undefined behaviour; every result is OK with the options inside
 * their documented ranges, help, or one printable error line; a second parse agrees. */
#include <string.h>

#include "fuzz.h"
#include "server/server_opts.h"

static int server_opts_valid(const struct server_opts *o)
{
	return o->payload >= 1 && o->payload <= TWTEST_MAX_PAYLOAD &&
	       o->max_conns <= TWTEST_MAX_CONNS && o->idle_timeout_ms <= 86400000 &&
	       o->threads >= 1 && o->threads <= TWTEST_MAX_THREADS &&
	       (o->greeting == NULL || (o->greeting_len >= 1 && o->greeting_len <= 4096 &&
					strlen(o->greeting) == o->greeting_len)) &&
	       (o->on_eof != SERVER_EOF_WRITE || (o->eof_text_len >= 1 && o->eof_text_len <= 4096)) &&
	       o->close_after_ms >= -1 && o->close_after_ms <= 86400000;
}

FUZZ_PARSER_TARGET("server", struct server_opts, server_parse_args, server_opts_valid)
