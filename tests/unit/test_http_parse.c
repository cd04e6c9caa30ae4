/* Unit tests of the HTTP/1.1 message parser (src/lib/http_parse.c). Rule: where a message
 * ends, whether the connection persists and why a message is refused do not depend on how
 * its bytes were split across reads; every refusal is EPROTO or EMSGSIZE. */
#include <errno.h>
#include <string.h>

#include "client/loopstats.h"
#include "lib/http_parse.h"
#include "unit.h"

struct outcome {
	enum http_result r;
	size_t used;  /* bytes of the input the message took (DONE), or all of them */
	int error;
	unsigned status, keep_alive, body;
};

/* Parse msg in pieces of `step` bytes (0: all at once); at the end, eof says whether the
 * peer then closed. */
static struct outcome parse_split(enum http_kind kind, uint64_t max, const char *msg,
				  size_t len, size_t step, int eof)
{
	struct http_parser p;
	http_parser_init(&p, kind, max);
	struct outcome o = {HTTP_MORE, 0, 0, 0, 0, 0};
	size_t off = 0;
	while (off < len) {
		size_t n = step && len - off > step ? step : len - off, used;
		o.r = http_parse(&p, msg + off, n, &used);
		off += used;
		if (o.r != HTTP_MORE)
			break;
	}
	if (o.r == HTTP_MORE && eof)
		o.r = http_parse_eof(&p);
	o.used = off;
	o.error = o.r == HTTP_ERROR ? p.error : 0;
	o.status = p.status;
	o.keep_alive = p.keep_alive;
	o.body = p.body;
	return o;
}

/* The outcome of msg, checked to be the same for every split of 1..7 bytes (where a
 * refused message stops being read may differ). */
static struct outcome parse_all(int *unit_failures, enum http_kind kind, uint64_t max,
				const char *msg, int eof)
{
	size_t len = strlen(msg);
	struct outcome whole = parse_split(kind, max, msg, len, 0, eof);
	for (size_t step = 1; step <= 7; step++) {
		struct outcome o = parse_split(kind, max, msg, len, step, eof);
		CHECK(o.r == whole.r && (o.r == HTTP_ERROR || o.used == whole.used) && o.error == whole.error &&
		      o.keep_alive == whole.keep_alive && o.status == whole.status);
	}
	return whole;
}

#define RESPONSE(msg, eof) parse_all(unit_failures, HTTP_RESPONSE, 1u << 20, msg, eof)
#define REQUEST(msg) parse_all(unit_failures, HTTP_REQUEST, HTTP_MAX_REQUEST_HEAD, msg, 0)

TEST(http_response_content_length)
{
	const char *m = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: x\r\n\r\nhelloNEXT";
	struct outcome o = RESPONSE(m, 0);
	CHECK(o.r == HTTP_DONE && o.status == 200 && o.keep_alive == 1);
	CHECK(o.used == strlen(m) - 4); /* NEXT belongs to the next message */
	CHECK(o.body == HTTP_BODY_LENGTH);
	/* not complete without its last byte */
	o = RESPONSE("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhell", 0);
	CHECK(o.r == HTTP_MORE);
	o = RESPONSE("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhell", 1);
	CHECK(o.r == HTTP_ERROR && o.error == EPIPE);
}

TEST(http_response_chunked)
{
	const char *m = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n"
			"5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nTrailer: y\r\n\r\n";
	struct outcome o = RESPONSE(m, 0);
	CHECK(o.r == HTTP_DONE && o.used == strlen(m) && o.keep_alive == 1);
	CHECK(o.body == HTTP_BODY_CHUNKED);
	/* chunked not last: the body runs to the close */
	o = RESPONSE("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nabc", 1);
	CHECK(o.r == HTTP_DONE && o.body == HTTP_BODY_CLOSE && o.keep_alive == 0);
	/* bad framing */
	o = RESPONSE("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0);
	CHECK(o.r == HTTP_ERROR && o.error == EPROTO);
	o = RESPONSE("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX", 0);
	CHECK(o.r == HTTP_ERROR && o.error == EPROTO);
	o = RESPONSE("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n", 0);
	CHECK(o.r == HTTP_ERROR && o.error == EPROTO);
	/* a chunk over the bound */
	o = RESPONSE("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n200000\r\n", 0);
	CHECK(o.r == HTTP_ERROR && o.error == EMSGSIZE);
	/* cut short inside a chunk */
	o = RESPONSE("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", 1);
	CHECK(o.r == HTTP_ERROR && o.error == EPIPE);
}

TEST(http_response_close_delimited_and_http10)
{
	struct outcome o = RESPONSE("HTTP/1.1 200 OK\r\n\r\nsome body", 0);
	CHECK(o.r == HTTP_MORE && o.body == HTTP_BODY_CLOSE);
	o = RESPONSE("HTTP/1.1 200 OK\r\n\r\nsome body", 1);
	CHECK(o.r == HTTP_DONE && o.keep_alive == 0);
	o = RESPONSE("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nab", 0);
	CHECK(o.r == HTTP_DONE && o.keep_alive == 0);
	o = RESPONSE("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nab", 0);
	CHECK(o.r == HTTP_DONE && o.keep_alive == 1);
	o = RESPONSE("HTTP/1.1 200 OK\r\nConnection: foo, close\r\nContent-Length: 0\r\n\r\n", 0);
	CHECK(o.r == HTTP_DONE && o.keep_alive == 0);
	o = RESPONSE("HTTP/1.1 200 OK\r\nConnection: closed\r\nContent-Length: 0\r\n\r\n", 0);
	CHECK(o.r == HTTP_DONE && o.keep_alive == 1);
	/* bare LF line ends, no reason phrase */
	o = RESPONSE("HTTP/1.1 204\nX: y\n\n", 0);
	CHECK(o.r == HTTP_DONE && o.status == 204 && o.body == HTTP_BODY_NONE);
}

TEST(http_response_status_and_interim)
{
	struct outcome o = RESPONSE("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 3\r\n\r\nbad", 0);
	CHECK(o.r == HTTP_DONE && o.status == 502);
	o = RESPONSE("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", 0);
	CHECK(o.r == HTTP_DONE && o.status == 200 && o.keep_alive == 1);
	o = RESPONSE("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", 0);
	CHECK(o.r == HTTP_DONE && o.status == 304);
	o = RESPONSE("HTTP/1.1 101 Switching\r\n\r\n", 0);
	CHECK(o.r == HTTP_ERROR && o.error == EPROTO);
}

TEST(http_response_refused)
{
	const char *bad[] = {
		"garbage\r\n\r\n",
		"HTTP/2 200 OK\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 700 Odd\r\n\r\n",
		"HTTP/1.1 200 OK\rX: y\r\n\r\n",
		"HTTP/1.1 200 OK\r\n folded\r\n\r\n",
		"HTTP/1.1 200 OK\r\nName : v\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 9999999999999999999\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct outcome o = RESPONSE(bad[i], 1);
		if (o.r != HTTP_ERROR || o.error != EPROTO)
			fprintf(stderr, "  accepted: %s\n", bad[i]);
		CHECK(o.r == HTTP_ERROR && o.error == EPROTO);
	}
	/* the same Content-Length twice is one */
	struct outcome o = RESPONSE("HTTP/1.1 200 OK\r\nContent-Length: 1\r\ncontent-length:1 \r\n\r\nx", 0);
	CHECK(o.r == HTTP_DONE);
}

TEST(http_response_bound)
{
	const char *m = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";
	size_t len = strlen(m);
	struct outcome o = parse_all(unit_failures, HTTP_RESPONSE, len, m, 0);
	CHECK(o.r == HTTP_DONE);
	o = parse_all(unit_failures, HTTP_RESPONSE, len - 1, m, 0);
	CHECK(o.r == HTTP_ERROR && o.error == EMSGSIZE);
	/* a head alone over the bound */
	o = parse_all(unit_failures, HTTP_RESPONSE, 20, "HTTP/1.1 200 OK\r\nX-Long: aaaaaaaa\r\n", 0);
	CHECK(o.r == HTTP_ERROR && o.error == EMSGSIZE);
	/* a close-delimited body over the bound */
	o = parse_all(unit_failures, HTTP_RESPONSE, 30, "HTTP/1.1 200 OK\r\n\r\n0123456789012345", 1);
	CHECK(o.r == HTTP_ERROR && o.error == EMSGSIZE);
}

TEST(http_request_heads)
{
	const char *m = "GET /x?y HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\n\r\n";
	struct outcome o = REQUEST(m);
	CHECK(o.r == HTTP_DONE && o.keep_alive == 1 && o.used == strlen(m) - 18);
	o = REQUEST("GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
	CHECK(o.r == HTTP_DONE && o.keep_alive == 0);
	o = REQUEST("GET / HTTP/1.0\r\n\r\n");
	CHECK(o.r == HTTP_DONE && o.keep_alive == 0);
	o = REQUEST("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	CHECK(o.r == HTTP_DONE && o.keep_alive == 1);
	/* bodies are skipped */
	o = REQUEST("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET");
	CHECK(o.r == HTTP_DONE && o.used == strlen("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"));
	o = REQUEST("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
	CHECK(o.r == HTTP_DONE);
	/* no request without a body delimited by the close */
	o = REQUEST("POST / HTTP/1.1\r\n\r\n");
	CHECK(o.r == HTTP_DONE && o.body == HTTP_BODY_NONE);
}

TEST(http_request_refused)
{
	const char *bad[] = {
		"GET\r\n\r\n",
		" GET / HTTP/1.1\r\n\r\n",
		"GET  / HTTP/1.1\r\n\r\n",
		"GET / HTTP/2.0\r\n\r\n",
		"GET / HTTP/1.1 \r\n\r\n",
		"G(T / HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
		"GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct outcome o = REQUEST(bad[i]);
		if (o.r != HTTP_ERROR || o.error != EPROTO)
			fprintf(stderr, "  accepted: %s\n", bad[i]);
		CHECK(o.r == HTTP_ERROR && o.error == EPROTO);
	}
	/* a head over the bound, and one just at it */
	char big[HTTP_MAX_REQUEST_HEAD + 64];
	const char *start = "GET / HTTP/1.1\r\nX: ";
	size_t n = strlen(start);
	memcpy(big, start, n);
	memset(big + n, 'a', sizeof(big) - n);
	big[HTTP_MAX_REQUEST_HEAD - 4] = '\r';
	big[HTTP_MAX_REQUEST_HEAD - 3] = '\n';
	big[HTTP_MAX_REQUEST_HEAD - 2] = '\r';
	big[HTTP_MAX_REQUEST_HEAD - 1] = '\n';
	big[HTTP_MAX_REQUEST_HEAD] = '\0';
	struct outcome o = REQUEST(big);
	CHECK(o.r == HTTP_DONE && o.used == HTTP_MAX_REQUEST_HEAD);
	memset(big + n, 'a', sizeof(big) - n);
	big[sizeof(big) - 1] = '\0';
	o = REQUEST(big);
	CHECK(o.r == HTTP_ERROR && o.error == EMSGSIZE);
}

/* The failure keys of --protocol http, as the records print them. */
static void collect_key(void *ctx, const char *key, uint32_t count)
{
	char *out = ctx;
	size_t n = strlen(out);
	snprintf(out + n, 256 - n, "%s%s=%u", n ? " " : "", key, count);
}

/* Rule: the http failures are keyed status/NNN (any 4xx or 5xx), response/EPROTO,
 * response/EMSGSIZE, response/short and timeout/response, in stage order. */
TEST(http_failure_keys)
{
	struct fail_table t;
	memset(&t, 0, sizeof(t));
	fail_count(&t, STAGE_STATUS, 502 - 400);
	fail_count(&t, STAGE_STATUS, 599 - 400);
	fail_count(&t, STAGE_STATUS, 400 - 400);
	fail_count(&t, STAGE_RESPONSE, RESPONSE_EPROTO);
	fail_count(&t, STAGE_RESPONSE, RESPONSE_EMSGSIZE);
	fail_count(&t, STAGE_RESPONSE, RESPONSE_SHORT);
	fail_count(&t, STAGE_TIMEOUT, WAIT_RESPONSE);
	fail_count(&t, STAGE_TIMEOUT, WAIT_RESPONSE);
	char out[256] = "";
	fail_table_visit(&t, collect_key, out);
	CHECK_STR(out, "status/400=1 status/502=1 status/599=1 response/EPROTO=1 response/EMSGSIZE=1 "
		       "response/short=1 timeout/response=2");
}

#define CHUNKED_HEAD "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"

/* Rule: a message is refused (EPROTO) at the first byte that no valid message can have there,
 * not later: the parser has taken exactly the bytes up to and including it, even when the
 * input ends right after it. */
TEST(http_refused_at_the_bad_byte)
{
	static const struct {
		enum http_kind kind;
		const char *before;
		char bad;
		const char *after;
	} bad[] = {
		{HTTP_RESPONSE, "HTTP/1.", 'x', " 200 OK\r\n\r\n"},
		{HTTP_RESPONSE, "HTTP/1.", 'x', "1 200 OK\r\n\r\n"},
		{HTTP_RESPONSE, "HTTP/1.1", 'x', "200 OK\r\n\r\n"},
		{HTTP_RESPONSE, "HTTP/1.1 2", 'x', "0 OK\r\n\r\n"},
		{HTTP_RESPONSE, "HTTP/1.1 200 OK\r\nContent-Length:\r", '\n', "\r\n"},
		{HTTP_RESPONSE, "HTTP/1.1 200 OK\r\n", ' ', "folded\r\n\r\n"},
		{HTTP_RESPONSE, "HTTP/1.1 200 OK\r\nX: a", '\0', "\r\n\r\n"},
		{HTTP_RESPONSE, "HTTP/1.1 200 OK\r\n\r", 'X', ""},
		{HTTP_RESPONSE, CHUNKED_HEAD "5", 'z', "\r\nhello\r\n0\r\n\r\n"},
		{HTTP_RESPONSE, CHUNKED_HEAD "5;a", '\0', "\r\nhello\r\n0\r\n\r\n"},
		{HTTP_RESPONSE, CHUNKED_HEAD "5\r", 'h', "ello\r\n0\r\n\r\n"},
		{HTTP_RESPONSE, CHUNKED_HEAD "3\r\nabc\r", 'X', "\r\n0\r\n\r\n"},
		{HTTP_RESPONSE, CHUNKED_HEAD "000000000000000", '1', "\r\nx\r\n0\r\n\r\n"},
		{HTTP_RESPONSE, CHUNKED_HEAD "0\r\n", ' ', "x\r\n\r\n"},
		{HTTP_RESPONSE, CHUNKED_HEAD "0\r\nT: a", '\0', "\r\n\r\n"},
		{HTTP_RESPONSE, CHUNKED_HEAD "0\r\nT: y\r", 'X', "\r\n\r\n"},
		{HTTP_RESPONSE, CHUNKED_HEAD "0\r\n\r", 'X', ""},
		{HTTP_REQUEST, "", ' ', "/ HTTP/1.1\r\n\r\n"},
		{HTTP_REQUEST, "GET ", ' ', "HTTP/1.1\r\n\r\n"},
		{HTTP_REQUEST, "GET /", 0x7f, " HTTP/1.1\r\n\r\n"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char msg[256];
		size_t n = strlen(bad[i].before), m = strlen(bad[i].after);
		memcpy(msg, bad[i].before, n);
		msg[n] = bad[i].bad;
		memcpy(msg + n + 1, bad[i].after, m);
		for (size_t len = n + 1; len <= n + 1 + m; len += m ? m : 1) { /* cut after it, and whole */
			struct outcome o = parse_split(bad[i].kind, 1u << 20, msg, len, 0, 1);
			if (o.r != HTTP_ERROR || o.error != EPROTO || o.used != n + 1)
				fprintf(stderr, "  case %zu (%zu bytes): result %d, error %d, used %zu\n", i, len,
					o.r, o.error, o.used);
			CHECK(o.r == HTTP_ERROR && o.error == EPROTO && o.used == n + 1);
		}
	}
}

/* Rule: every byte the grammar allows is taken: digits 0-9 and letters at both ends of
 * their ranges in names, versions, status codes, lengths and chunk sizes (hex both cases),
 * whitespace after a chunk size, bare LF line ends in chunked framing; a name is matched
 * whole, so one that only resembles a field or token is an other field. */
TEST(http_grammar_edges_accepted)
{
	static const char *const good[] = {
		"HTTP/1.9 299 OK\r\nAz09-Zy: v\r\nContent-Length: 9\r\n\r\n123456789",
		"HTTP/1.1 200 OK\r\nContent-Lengtx: abc\r\nX-Whatever: close\r\nContent-Length: 0\r\n\r\n",
		CHUNKED_HEAD "a\n0123456789\n9\n012345678\nF\n0123456789abcde\n10\n0123456789abcdef\n0\n\n",
		CHUNKED_HEAD "5 ;x\r\nhello\r\n3\t\r\nabc\r\n000000000000001\r\nx\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\nX: y\nContent-Length: 2\n\nab",
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct outcome o = RESPONSE(good[i], 0);
		if (o.r != HTTP_DONE || o.used != strlen(good[i]) || o.keep_alive != 1)
			fprintf(stderr, "  case %zu: result %d, error %d, used %zu\n", i, o.r, o.error, o.used);
		CHECK(o.r == HTTP_DONE && o.used == strlen(good[i]) && o.keep_alive == 1);
	}
	struct outcome o = RESPONSE("HTTP/1.9 299 OK\r\nContent-Length: 0\r\n\r\n", 0);
	CHECK(o.status == 299);
}

/* Rule: a Connection or Transfer-Encoding value is a list of whole tokens: "c lose" is not
 * close, an unknown token keeps HTTP/1.0 closing, a one-letter coding or an empty element
 * leaves chunked last. */
TEST(http_token_lists)
{
	struct outcome o = RESPONSE("HTTP/1.1 200 OK\r\nConnection: c lose\r\nContent-Length: 0\r\n\r\n", 0);
	CHECK(o.r == HTTP_DONE && o.keep_alive == 1);
	o = RESPONSE("HTTP/1.0 200 OK\r\nConnection: foo\r\nContent-Length: 0\r\n\r\n", 0);
	CHECK(o.r == HTTP_DONE && o.keep_alive == 0);
	o = RESPONSE("HTTP/1.1 200 OK\r\nTransfer-Encoding: x, chunked\r\n\r\n0\r\n\r\n", 0);
	CHECK(o.r == HTTP_DONE && o.body == HTTP_BODY_CHUNKED);
	o = RESPONSE("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked,\r\n\r\n0\r\n\r\n", 0);
	CHECK(o.r == HTTP_DONE && o.body == HTTP_BODY_CHUNKED);
}

/* Rule: the bound counts every byte of a response, chunk framing and close-delimited body
 * included: a message exactly at the bound is taken, one byte over is EMSGSIZE at the byte
 * that crosses it; a chunk that cannot fit is refused at its size line, before its data. */
TEST(http_bound_exact)
{
	const char *m = "HTTP/1.1 204 No\r\n\r\n";
	struct outcome o = parse_split(HTTP_RESPONSE, strlen(m), m, strlen(m), 0, 0);
	CHECK(o.r == HTTP_DONE);
	o = parse_split(HTTP_RESPONSE, strlen(m) - 1, m, strlen(m), 0, 0);
	CHECK(o.r == HTTP_ERROR && o.error == EMSGSIZE);
	m = CHUNKED_HEAD "5\r\nhello\r\n0\r\n\r\n";
	o = parse_split(HTTP_RESPONSE, strlen(m), m, strlen(m), 0, 0);
	CHECK(o.r == HTTP_DONE);
	o = parse_split(HTTP_RESPONSE, strlen(m) - 1, m, strlen(m), 0, 0);
	CHECK(o.r == HTTP_ERROR && o.error == EMSGSIZE && o.used == strlen(m));
	size_t size_line = strlen(CHUNKED_HEAD "5\r\n");
	o = parse_split(HTTP_RESPONSE, size_line + 5, m, strlen(m), 0, 0);
	CHECK(o.r == HTTP_ERROR && o.error == EMSGSIZE && o.used == size_line + 6);
	o = parse_split(HTTP_RESPONSE, size_line + 4, m, strlen(m), 0, 0);
	CHECK(o.r == HTTP_ERROR && o.error == EMSGSIZE && o.used == size_line);
	m = "HTTP/1.1 200 OK\r\n\r\n0123456789";
	o = parse_split(HTTP_RESPONSE, strlen(m), m, strlen(m), 0, 1);
	CHECK(o.r == HTTP_DONE);
	o = parse_split(HTTP_RESPONSE, strlen(m) - 1, m, strlen(m), 0, 1);
	CHECK(o.r == HTTP_ERROR && o.error == EMSGSIZE);
}

/* Rule: the head is done from its last byte on, whatever the body, and not after a
 * refusal; a parser that finished answers again with its result and takes nothing; a close
 * before any byte is not an error, a close after one is EPIPE. */
TEST(http_parser_states)
{
	struct http_parser p;
	size_t used;
	const char *m = "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab";
	http_parser_init(&p, HTTP_REQUEST, HTTP_MAX_REQUEST_HEAD);
	CHECK(http_parse(&p, m, strlen(m) - 2, &used) == HTTP_MORE && http_head_done(&p));
	CHECK(http_parse(&p, m + strlen(m) - 2, 2, &used) == HTTP_MORE && http_head_done(&p));
	http_parser_init(&p, HTTP_RESPONSE, 1u << 20);
	CHECK(http_parse(&p, "HTTP/1.1 200 OK\r\n", 17, &used) == HTTP_MORE && !http_head_done(&p));
	CHECK(http_parse(&p, "\r\n", 2, &used) == HTTP_MORE && http_head_done(&p)); /* to the close */
	http_parser_init(&p, HTTP_RESPONSE, 1u << 20);
	m = "HTTP/1.1 204 No\r\n\r\n";
	CHECK(http_parse(&p, m, strlen(m), &used) == HTTP_DONE && http_head_done(&p));
	CHECK(http_parse(&p, "HTTP", 4, &used) == HTTP_DONE && used == 0);
	http_parser_init(&p, HTTP_RESPONSE, 1u << 20);
	CHECK(http_parse(&p, "XTTP", 4, &used) == HTTP_ERROR && !http_head_done(&p));
	CHECK(http_parse(&p, "HTTP", 4, &used) == HTTP_ERROR && used == 0);
	http_parser_init(&p, HTTP_RESPONSE, 1u << 20);
	CHECK(http_parse_eof(&p) == HTTP_MORE);
	http_parser_init(&p, HTTP_RESPONSE, 1u << 20);
	CHECK(http_parse(&p, "H", 1, &used) == HTTP_MORE && http_parse_eof(&p) == HTTP_ERROR && p.error == EPIPE);
}
