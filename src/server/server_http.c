/* The HTTP side of the server (include/server/server_http.h): requests in through the
 * parser of src/lib/http_parse.c, replies out from prebuilt buffers, several at once with
 * sendmsg() so that pipelined requests cost one system call per socket buffer. */
#include "server/server_http.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define IOV_MAX_BATCH 64 /* replies per sendmsg() */

static const char reply_400[] = "HTTP/1.1 400 Bad Request\r\nServer: twtest\r\n"
				"Content-Length: 0\r\nConnection: close\r\n\r\n";
static const char reply_431[] = "HTTP/1.1 431 Request Header Fields Too Large\r\n"
				"Server: twtest\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
static const unsigned status_of[REPLY_COUNT] = {200, 200, 400, 431};

unsigned http_reply_status(enum http_reply k)
{
	return k < REPLY_COUNT ? status_of[k] : 0;
}

/* A 200 reply with `connection` as its Connection field; NULL when out of memory. */
static unsigned char *reply_200(uint32_t payload, const char *connection, size_t *len)
{
	char head[160];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 200 OK\r\nServer: twtest\r\nContent-Length: %" PRIu32
			 "\r\nConnection: %s\r\n\r\n", payload, connection);
	unsigned char *b = malloc((size_t)n + payload);
	if (b == NULL)
		return NULL;
	memcpy(b, head, (size_t)n);
	for (uint32_t i = 0; i < payload; i++)
		b[n + i] = (unsigned char)('a' + i % 26);
	*len = (size_t)n + payload;
	return b;
}

int http_replies_init(struct http_replies *r, uint32_t payload)
{
	memset(r, 0, sizeof(*r));
	r->keep = reply_200(payload, "keep-alive", &r->len[REPLY_KEEP]);
	r->close = reply_200(payload, "close", &r->len[REPLY_CLOSE]);
	if (r->keep == NULL || r->close == NULL) {
		http_replies_free(r);
		return ENOMEM;
	}
	r->bytes[REPLY_KEEP] = r->keep;
	r->bytes[REPLY_CLOSE] = r->close;
	r->bytes[REPLY_400] = (const unsigned char *)reply_400;
	r->len[REPLY_400] = sizeof(reply_400) - 1;
	r->bytes[REPLY_431] = (const unsigned char *)reply_431;
	r->len[REPLY_431] = sizeof(reply_431) - 1;
	return 0;
}

void http_replies_free(struct http_replies *r)
{
	free(r->keep);
	free(r->close);
	r->keep = r->close = NULL;
}

void http_conn_init(struct http_conn *h)
{
	memset(h, 0, sizeof(*h));
	http_parser_init(&h->req, HTTP_REQUEST, HTTP_MAX_REQUEST_HEAD);
	h->last = REPLY_NONE;
}

void http_conn_input(struct http_conn *h, const char *buf, size_t len, int close_each,
		     struct http_server_stats *st)
{
	while (len && !h->closing) {
		size_t used;
		enum http_result r = http_parse(&h->req, buf, len, &used);
		buf += used;
		len -= used;
		if (r == HTTP_MORE)
			return;
		if (r == HTTP_ERROR) {
			h->last = h->req.error == EMSGSIZE ? REPLY_431 : REPLY_400;
			h->closing = 1;
			return;
		}
		st->requests++;
		if (close_each || !h->req.keep_alive) {
			h->last = REPLY_CLOSE;
			h->closing = 1;
		} else {
			h->owed++;
		}
		http_parser_init(&h->req, HTTP_REQUEST, HTTP_MAX_REQUEST_HEAD);
	}
}

/* The reply at position i of what is owed (the keep-alive ones first). */
static enum http_reply owed_at(const struct http_conn *h, uint32_t i)
{
	return i < h->owed ? REPLY_KEEP : (enum http_reply)h->last;
}

/* Take n sent bytes off what is owed, counting the replies that went out whole. */
static void owed_consume(struct http_conn *h, const struct http_replies *r, size_t n,
			 struct http_server_stats *st)
{
	while (n && http_conn_owes(h)) {
		enum http_reply k = owed_at(h, 0);
		size_t rest = r->len[k] - h->off;
		if (n < rest) {
			h->off += n;
			return;
		}
		n -= rest;
		h->off = 0;
		st->responses[k]++;
		if (h->owed)
			h->owed--;
		else
			h->last = REPLY_NONE;
	}
}

enum io_result http_conn_output(struct http_conn *h, const struct http_replies *r, int fd,
				uint64_t *sent, int *err, struct http_server_stats *st)
{
	while (http_conn_owes(h)) {
		struct iovec iov[IOV_MAX_BATCH];
		uint32_t total = h->owed + (h->last != REPLY_NONE);
		int n = 0;
		for (uint32_t i = 0; i < total && n < IOV_MAX_BATCH; i++, n++) {
			enum http_reply k = owed_at(h, i);
			size_t skip = i == 0 ? h->off : 0;
			iov[n] = (struct iovec){(void *)(r->bytes[k] + skip), r->len[k] - skip};
		}
		struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)n};
		ssize_t k = sendmsg(fd, &msg, MSG_NOSIGNAL);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return IO_AGAIN;
			*err = errno;
			return IO_FAILED;
		}
		*sent += (uint64_t)k;
		owed_consume(h, r, (size_t)k, st);
	}
	return IO_DONE;
}
