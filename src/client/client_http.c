/* The client's HTTP/1.1 connections (include/client/client_http.h): send a GET, parse the
 * response as it comes, then the next request over keep-alive or the close --close asks
 * for; a kept-alive connection the server closed before the next response began goes on
 * as a new one. Every connection ends counted once (src/client/client_conn_end.c). */
#include "client/client_http.h"

#include "client/client_proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The Host field when --http-host is not given: DSTIP as given (the first address when it
 * lists several), an IPv6 literal in brackets, with :PORT unless it is 80. */
static void default_host(const struct client_opts *o, char *buf, size_t len)
{
	char addr[80];
	const char *name = o->dst_name;
	if (client_destinations(o) > 1 || name == NULL) {
		endpoint_str(&o->dst, addr, sizeof(addr)); /* "1.2.3.4:P" or "[::1]:P" */
		char *colon = strrchr(addr, ':');
		if (colon)
			*colon = '\0';
		name = addr;
	}
	int v6 = strchr(name, ':') != NULL && name[0] != '[';
	if (o->port == 80)
		snprintf(buf, len, v6 ? "[%s]" : "%s", name);
	else
		snprintf(buf, len, v6 ? "[%s]:%u" : "%s:%u", name, o->port);
}

/* "GET PATH HTTP/1.1" with Host (and Connection: close when closing); NULL if no memory. */
static char *request_new(const struct client_opts *o, const char *host, int closing,
			 uint32_t *len)
{
#define REQUEST_FORMAT "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: twtest/" TWTEST_VERSION \
		       "\r\nAccept: */*\r\n%s\r\n"
	const char *conn = closing ? "Connection: close\r\n" : "";
	int n = snprintf(NULL, 0, REQUEST_FORMAT, o->http_path, host, conn);
	char *b = malloc((size_t)n + 1);
	if (b) {
		snprintf(b, (size_t)n + 1, REQUEST_FORMAT, o->http_path, host, conn);
		*len = (uint32_t)n;
	}
	return b;
}

int client_http_init(struct client_worker *w)
{
	char host[TWTEST_MAX_HTTP_FIELD + 16];
	if (w->o->http_host)
		snprintf(host, sizeof(host), "%s", w->o->http_host);
	else
		default_host(w->o, host, sizeof(host));
	w->requests = calloc(1, sizeof(*w->requests));
	w->http = calloc(w->n ? w->n : 1, sizeof(*w->http));
	if (w->requests == NULL || w->http == NULL)
		return ENOMEM;
	w->requests->keep = request_new(w->o, host, 0, &w->requests->keep_len);
	w->requests->close = request_new(w->o, host, 1, &w->requests->close_len);
	return w->requests->keep && w->requests->close ? 0 : ENOMEM;
}

void client_http_free(struct client_worker *w)
{
	if (w->requests) {
		free(w->requests->keep);
		free(w->requests->close);
	}
	free(w->requests);
	free(w->http);
	w->requests = NULL;
	w->http = NULL;
}

static struct conn_http *http_of(struct client_worker *w, const struct conn *c)
{
	return &w->http[c - w->conns];
}

/* The request connection c sends now: with Connection: close when it is the last one and
 * the server is to close first. */
static void request_of(const struct client_worker *w, const struct conn *c, const char **buf,
		       uint32_t *len)
{
	int closing = w->o->close_mode == CLIENT_CLOSE_SERVER &&
		      c->exchanges + 1 >= w->o->requests_per_conn;
	*buf = closing ? w->requests->close : w->requests->keep;
	*len = closing ? w->requests->close_len : w->requests->keep_len;
}

/* Did the server close c before any byte of the response to its request, after c
 * carried one or more (RFC 9112 9.3.1: a GET may then go again on a new connection)? Then
 * reconnect and return 1. A fresh connection that closes is a failure, as in Go's
 * net/http and curl: so a server that closes every connection unanswered costs one retry
 * per connection, never a loop. */
static int http_closed_idle(struct client_worker *w, struct conn *c)
{
	struct conn_http *h = http_of(w, c);
	if (h->carried == 0 || c->rcvd > 0)
		return 0;
	w->res.http.reconnects++;
	hist_record(&w->res.http.carried, h->carried);
	conn_reconnect(w, c, h->index);
	return 1;
}

/* Send what is left of the request; -1 if the connection failed or went on as a new one. */
static int http_send(struct client_worker *w, struct conn *c)
{
	const char *req;
	uint32_t len;
	request_of(w, c, &req, &len);
	if (c->sent >= len)
		return 0;
	size_t off = c->sent;
	int err;
	enum io_result r = sock_send(c->fd, req, len, &off, &err);
	c->sent = (uint32_t)off;
	if (r != IO_FAILED)
		return 0;
	if (!((err == EPIPE || err == ECONNRESET) && http_closed_idle(w, c)))
		conn_fail(w, c, STAGE_WRITE, err);
	return -1;
}

/* Send the next request: its response is parsed from the start and timed from now. */
static int http_begin(struct client_worker *w, struct conn *c)
{
	struct conn_http *h = http_of(w, c);
	http_parser_init(&h->parser, HTTP_RESPONSE, w->o->max_response);
	h->req_start_us = worker_now_us(w);
	c->sent = c->rcvd = 0;
	return http_send(w, c);
}

/* connect() completed: the first request of this TCP connection. After a reconnect
 * (requests answered already) it is the request the server closed on, timed from its
 * first write. */
static int http_connected(struct client_worker *w, struct conn *c)
{
	struct conn_http *h = http_of(w, c);
	uint32_t first_write = h->req_start_us;
	h->carried = 0;
	int r = http_begin(w, c);
	if (c->exchanges > 0)
		h->req_start_us = first_write;
	return r;
}

/* A whole response came (at_eof: its end was the server's FIN). Count it, then fail on
 * its status, send the next request, or close as --close says. Returns 1 to keep reading. */
static int http_response_done(struct client_worker *w, struct conn *c, int at_eof)
{
	struct conn_http *h = http_of(w, c);
	unsigned status = h->parser.status;
	w->res.http.responses++;
	w->res.http.status[status - HTTP_STATUS_FIRST]++; /* the parser keeps it in 100-599 */
	hist_record(&w->res.req_us, worker_now_us(w) - h->req_start_us);
	if (status >= 400) {
		conn_fail(w, c, STAGE_STATUS, (int)status - 400);
		return 0;
	}
	c->exchanges++;
	h->carried++;
	int last = c->exchanges >= w->o->requests_per_conn;
	if (at_eof || last || !h->parser.keep_alive) /* no more requests on this connection */
		hist_record(&w->res.http.carried, h->carried);
	if (at_eof) {
		conn_finish(w, c);
		return 0;
	}
	if (last)
		return conn_close_in_order(w, c);
	if (h->parser.keep_alive)
		return http_begin(w, c) == 0;
	/* The server closes first, earlier than asked: its response said so (Connection:
	 * close, HTTP/1.0). */
	c->state = CONN_DRAIN;
	return 1;
}

/* The server's FIN before the response was complete: the end of a response without a
 * length, a kept-alive connection closed before the response began, or too early. */
static void http_eof(struct client_worker *w, struct conn *c)
{
	struct conn_http *h = http_of(w, c);
	if (http_parse_eof(&h->parser) == HTTP_DONE)
		http_response_done(w, c, 1);
	else if (!http_closed_idle(w, c))
		conn_fail(w, c, STAGE_RESPONSE, RESPONSE_SHORT);
}

/* A read failed: the server's RST before the response began is its close as well. */
static void http_read_failed(struct client_worker *w, struct conn *c, int err)
{
	if (!(err == ECONNRESET && http_closed_idle(w, c)))
		conn_fail(w, c, STAGE_READ, err);
}

/* Feed n bytes to the response parser. */
static int http_input(struct client_worker *w, struct conn *c, const unsigned char *buf,
		      size_t n)
{
	struct conn_http *h = http_of(w, c);
	size_t used;
	if (c->state == CONN_DRAIN) { /* bytes no request asked for */
		conn_fail(w, c, STAGE_RESPONSE, RESPONSE_EPROTO);
		return 1;
	}
	c->rcvd += (uint32_t)n;
	switch (http_parse(&h->parser, (const char *)buf, n, &used)) {
	case HTTP_MORE:
		return 0;
	case HTTP_ERROR:
		conn_fail(w, c, STAGE_RESPONSE,
			  h->parser.error == EMSGSIZE ? RESPONSE_EMSGSIZE : RESPONSE_EPROTO);
		return 1;
	case HTTP_DONE:
		break;
	}
	if (used < n) { /* we never pipeline: the server sent more than one response */
		conn_fail(w, c, STAGE_RESPONSE, RESPONSE_EPROTO);
		return 1;
	}
	return !http_response_done(w, c, 0);
}

const struct conn_proto conn_http_proto = {
	.begin = http_connected,
	.send = http_send,
	.input = http_input,
	.eof = http_eof,
	.read_failed = http_read_failed,
	.wait_detail = WAIT_RESPONSE,
};
