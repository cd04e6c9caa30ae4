/* `twtest server --protocol http` (src/server/server_http.c): what one connection owes its
 * client. Requests are parsed as they come (pipelined ones too) and answered in order:
 * 200 with a --payload-byte body and Content-Length, keep-alive unless the request said
 * Connection: close, was HTTP/1.0 without keep-alive, or --close first asked to close after
 * every response; then the server closes first (it holds TIME_WAIT). A head over
 * HTTP_MAX_REQUEST_HEAD gets 431 and a close, a malformed one 400 and a close. */
#ifndef TWTEST_SERVER_HTTP_H
#define TWTEST_SERVER_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "lib/http_parse.h"
#include "lib/sockutil.h"

/* The responses the server sends, built once per run. */
enum http_reply { REPLY_KEEP, REPLY_CLOSE, REPLY_400, REPLY_431, REPLY_COUNT };
#define REPLY_NONE REPLY_COUNT

struct http_replies {
	unsigned char *keep, *close; /* head and body; keep-alive, and Connection: close */
	size_t len[REPLY_COUNT];
	const unsigned char *bytes[REPLY_COUNT];
};

/* The server's HTTP counts (per thread, added up for the summary). */
struct http_server_stats {
	uint64_t requests;               /* whole requests parsed */
	uint64_t responses[REPLY_COUNT]; /* whole responses sent, by kind */
};

/* One connection's HTTP state. */
struct http_conn {
	struct http_parser req;
	uint32_t owed;   /* keep-alive responses owed, the first one from `off` */
	uint8_t last;    /* the closing reply owed after them (enum http_reply), or REPLY_NONE */
	uint8_t closing; /* a closing reply was owed: later bytes are ignored, close once out */
	uint64_t off;    /* bytes of the first owed response already sent */
};

/* Build the replies for a body of payload bytes; 0 or ENOMEM. http_replies_free frees. */
int http_replies_init(struct http_replies *r, uint32_t payload);
void http_replies_free(struct http_replies *r);

/* A new connection. */
void http_conn_init(struct http_conn *h);

/* Parse len bytes the client sent and owe their replies; bytes after a request that ends
 * the connection are ignored. close_each: --close first. */
void http_conn_input(struct http_conn *h, const char *buf, size_t len, int close_each,
		     struct http_server_stats *st);

/* Anything owed? */
static inline int http_conn_owes(const struct http_conn *h)
{
	return h->owed || h->last != REPLY_NONE;
}

/* Send what is owed on fd until it is all out (IO_DONE) or the socket is full (IO_AGAIN);
 * IO_FAILED puts the errno in *err. *sent counts the bytes written. */
enum io_result http_conn_output(struct http_conn *h, const struct http_replies *r, int fd,
				uint64_t *sent, int *err, struct http_server_stats *st);

/* Once everything owed is out: must the server now close (a closing reply was sent)? */
static inline int http_conn_closing(const struct http_conn *h)
{
	return h->closing;
}

/* The status code of a reply. */
unsigned http_reply_status(enum http_reply k);

#endif
