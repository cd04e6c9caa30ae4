/* An HTTP/1.1 message parser without I/O (src/lib/http_parse.c): fed the bytes of one
 * connection in pieces of any size, it finds where a request or a response ends (RFC 9112:
 * status line or request line, header fields, Content-Length, chunked transfer coding, a
 * body delimited by the close, HTTP/1.0) and whether the connection persists after it. It
 * keeps no copy of the bytes: a few dozen bytes of state per connection, one byte at a time
 * through the head, whole runs of body bytes at once. Bounds: a response's head and body
 * together (the client's --max-response), a request's head (431 on the server). */
#ifndef TWTEST_HTTP_PARSE_H
#define TWTEST_HTTP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_REQUEST_HEAD 8192u /* a larger request head gets 431 */

enum http_kind { HTTP_REQUEST, HTTP_RESPONSE };

enum http_result {
	HTTP_MORE,  /* every byte was used; the message is not complete yet */
	HTTP_DONE,  /* one whole message ends after *used bytes */
	HTTP_ERROR, /* the bytes are not HTTP (error EPROTO) or over the bound (EMSGSIZE) */
};

/* Where the body ends, once the head is parsed. */
enum http_body { HTTP_BODY_NONE, HTTP_BODY_LENGTH, HTTP_BODY_CHUNKED, HTTP_BODY_CLOSE };

struct http_parser {
	uint8_t kind;       /* enum http_kind */
	uint8_t state;      /* the parser's position (private) */
	uint8_t body;       /* enum http_body, valid after the head */
	uint8_t minor;      /* HTTP/1.minor */
	uint8_t keep_alive; /* after HTTP_DONE: the connection may carry another message */
	uint8_t flags;      /* what the head said (private) */
	uint8_t field;      /* the header field being read (private) */
	uint8_t match;      /* candidates still matching the current name or token (private) */
	uint16_t pos;       /* position within the current name or token (private) */
	uint16_t status;    /* the response's status code */
	int error;          /* after HTTP_ERROR: EPROTO or EMSGSIZE */
	uint64_t length;    /* Content-Length, or the current chunk's size */
	uint64_t left;      /* body bytes (or chunk bytes) still to come */
	uint64_t bytes;     /* bytes of this message so far: head and body (framing included) */
	uint64_t max;       /* the bound on bytes (response) or on the head (request) */
};

/* Get ready for the first message of a connection (and for each next one): a response of
 * at most max bytes, head and body together, or a request whose head is at most max bytes. */
void http_parser_init(struct http_parser *p, enum http_kind kind, uint64_t max);

/* Parse len more bytes. HTTP_DONE: the message ended after *used of them (the rest belong
 * to the next one; call http_parser_init before feeding it). HTTP_MORE: all were used.
 * HTTP_ERROR: p->error says why; the connection cannot be parsed further. Interim 1xx
 * responses are skipped: HTTP_DONE only ever means a final response. */
enum http_result http_parse(struct http_parser *p, const char *buf, size_t len, size_t *used);

/* The peer closed the connection: HTTP_DONE when that ends a close-delimited body,
 * HTTP_MORE when no byte of a message had come (a clean close between messages),
 * HTTP_ERROR (error EPIPE: the message was cut short) otherwise. */
enum http_result http_parse_eof(struct http_parser *p);

/* Has the head been parsed (status, body and keep_alive known)? */
int http_head_done(const struct http_parser *p);

#endif
