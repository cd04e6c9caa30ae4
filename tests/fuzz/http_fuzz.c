/* The shared body of the HTTP parser targets (http_fuzz.h). */
#include "http_fuzz.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define MAX_MESSAGES 64

struct trace {
	unsigned messages;
	uint16_t status[MAX_MESSAGES];
	uint8_t keep_alive[MAX_MESSAGES];
	enum http_result last;
	int error;
};

/* Parse buf[0..len) in pieces of step bytes (0: whole) as back-to-back messages. */
static void parse(enum http_kind kind, uint64_t max, const char *buf, size_t len, size_t step,
		  struct trace *t)
{
	struct http_parser p;
	http_parser_init(&p, kind, max);
	memset(t, 0, sizeof(*t));
	size_t off = 0, end = step ? (len < step ? len : step) : len;
	enum http_result r = HTTP_MORE;
	while (off < len) {
		size_t used;
		r = http_parse(&p, buf + off, end - off, &used);
		FUZZ_CHECK(used <= end - off);
		off += used;
		if (kind == HTTP_RESPONSE)
			FUZZ_CHECK(p.bytes <= max);
		if (r == HTTP_ERROR)
			break;
		if (r == HTTP_DONE) {
			FUZZ_CHECK(http_head_done(&p));
			if (t->messages < MAX_MESSAGES) {
				t->status[t->messages] = p.status;
				t->keep_alive[t->messages] = p.keep_alive;
			}
			t->messages++;
			http_parser_init(&p, kind, max);
			r = HTTP_MORE;
		} else {
			FUZZ_CHECK(off == end); /* MORE: every byte was used */
		}
		if (off == end)
			end = step && len - end > step ? end + step : len;
	}
	if (r == HTTP_MORE)
		r = http_parse_eof(&p);
	if (r == HTTP_DONE)
		t->messages++;
	t->last = r;
	t->error = r == HTTP_ERROR ? p.error : 0;
	FUZZ_CHECK(r != HTTP_ERROR || p.error == EPROTO || p.error == EMSGSIZE || p.error == EPIPE);
}

void http_fuzz_run(enum http_kind kind, uint64_t max, const uint8_t *data, size_t size)
{
	if (size == 0)
		return;
	size_t step = 1 + data[0] % 16;
	char *buf = malloc(size - 1 ? size - 1 : 1); /* exactly the bytes: a read past them is caught */
	if (buf == NULL)
		return;
	memcpy(buf, data + 1, size - 1);
	struct trace whole, split;
	parse(kind, max, buf, size - 1, 0, &whole);
	parse(kind, max, buf, size - 1, step, &split);
	FUZZ_CHECK(whole.messages == split.messages && whole.last == split.last &&
		   whole.error == split.error);
	unsigned n = whole.messages < MAX_MESSAGES ? whole.messages : MAX_MESSAGES;
	for (unsigned i = 0; i < n; i++)
		FUZZ_CHECK(whole.status[i] == split.status[i] &&
			   whole.keep_alive[i] == split.keep_alive[i]);
	free(buf);
}
