/* The client's HTTP/1.1 connections (include/client/client_http.h): send a GET, parse the
 * response as it comes, then the next request over keep-alive or the close --close asks
 * for. Every connection ends counted once, as client_conn.c counts the echo's. */
#include "client/client_http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

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

/* Send what is left of the request; -1 if the connection failed. */
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
	if (r == IO_FAILED) {
		conn_fail(w, c, STAGE_WRITE, err);
		return -1;
	}
	return 0;
}

void conn_http_begin(struct client_worker *w, struct conn *c)
{
	struct conn_http *h = http_of(w, c);
	http_parser_init(&h->parser, HTTP_RESPONSE, w->o->max_response);
	h->req_start_us = worker_now_us(w);
	c->sent = c->rcvd = 0;
	http_send(w, c);
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
	int last = c->exchanges >= w->o->requests_per_conn;
	if (at_eof || (last && w->o->close_mode == CLIENT_CLOSE_CLIENT)) {
		conn_finish(w, c);
		return 0;
	}
	if (!last && h->parser.keep_alive) {
		conn_http_begin(w, c);
		return c->state != CONN_DONE;
	}
	/* The server closes first: after the K-th response with --close server, or earlier
	 * when its response said so (Connection: close, HTTP/1.0). */
	if (last && w->o->close_mode == CLIENT_CLOSE_SHUTDOWN && shutdown(c->fd, SHUT_WR) < 0) {
		conn_fail(w, c, STAGE_WRITE, errno);
		return 0;
	}
	c->state = CONN_DRAIN;
	return 1;
}

/* The server's FIN. */
static void http_eof(struct client_worker *w, struct conn *c)
{
	if (c->state == CONN_DRAIN) {
		conn_finish(w, c);
		return;
	}
	struct conn_http *h = http_of(w, c);
	if (http_parse_eof(&h->parser) == HTTP_DONE)
		http_response_done(w, c, 1);
	else
		conn_fail(w, c, STAGE_RESPONSE, RESPONSE_SHORT);
}

/* Read until EAGAIN, feeding the response parser. */
static void http_receive(struct client_worker *w, struct conn *c)
{
	struct conn_http *h = http_of(w, c);
	for (;;) {
		size_t k, used;
		int err;
		switch (sock_recv(c->fd, w->buf, w->buflen, &k, &err)) {
		case IO_AGAIN:
			return;
		case IO_FAILED:
			conn_fail(w, c, STAGE_READ, err);
			return;
		case IO_DONE:
			break;
		}
		if (k == 0) {
			http_eof(w, c);
			return;
		}
		if (c->state == CONN_DRAIN) { /* bytes no request asked for */
			conn_fail(w, c, STAGE_RESPONSE, RESPONSE_EPROTO);
			return;
		}
		c->rcvd += (uint32_t)k;
		switch (http_parse(&h->parser, (const char *)w->buf, k, &used)) {
		case HTTP_MORE:
			continue;
		case HTTP_ERROR:
			conn_fail(w, c, STAGE_RESPONSE,
				  h->parser.error == EMSGSIZE ? RESPONSE_EMSGSIZE : RESPONSE_EPROTO);
			return;
		case HTTP_DONE:
			break;
		}
		if (used < k) { /* we never pipeline: the server sent more than one response */
			conn_fail(w, c, STAGE_RESPONSE, RESPONSE_EPROTO);
			return;
		}
		if (!http_response_done(w, c, 0))
			return;
	}
}

void conn_http_event(struct client_worker *w, struct conn *c, uint32_t events)
{
	if (c->state == CONN_ECHO && (events & EPOLLOUT) && http_send(w, c) < 0)
		return;
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		http_receive(w, c);
}
