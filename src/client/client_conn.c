/* One client connection's state machine on a worker's epoll set (its socket opened by
 * src/client/client_conn_open.c): connect, the exchange its protocol makes
 * (include/client/client_proto.h: echo, connect, http), the server's FIN the close order
 * waits for, and the one read loop every protocol's bytes go through; each connection ends
 * counted exactly once (src/client/client_conn_end.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/client_http.h"
#include "client/client_proto.h"
#include "client/client_workers.h"
#include "lib/epoll_ns.h"
#include "lib/signals.h"

#define READ_BUF_SIZE 65536
#define EVENTS_PER_WAIT 256

/* The read loop's handler: the protocol checks what came. */
struct conn_io {
	struct client_worker *w;
	struct conn *c;
};

static int conn_input(void *ctx, const unsigned char *buf, size_t n)
{
	struct conn_io *io = ctx;
	return io->w->proto->input(io->w, io->c, buf, n);
}

/* Read until the socket is empty (a short receive: the edge-triggered set raises the next
 * arrival), the server's FIN (seen in `events`, or read), or until c is done. */
static void conn_read(struct client_worker *w, struct conn *c, uint32_t events)
{
	struct conn_io io = {w, c};
	int err;
	int fin_seen = (events & EPOLLRDHUP) && !(events & EPOLLERR);
	switch (sock_read_edge(c->fd, w->buf, w->buflen, fin_seen, conn_input, &io, &err)) {
	case SOCK_READ_AGAIN:
	case SOCK_READ_STOPPED:
		return;
	case SOCK_READ_FAILED:
		if (c->state == CONN_EXCHANGE && w->proto->read_failed)
			w->proto->read_failed(w, c, err);
		else
			conn_fail(w, c, STAGE_READ, err);
		return;
	case SOCK_READ_EOF:
		if (c->state == CONN_DRAIN)
			conn_finish(w, c); /* the FIN the close order waited for */
		else
			w->proto->eof(w, c);
		return;
	}
}

/* connect() finished or failed. Returns 0 to go on with this event. */
static int conn_connected(struct client_worker *w, struct conn *c, uint32_t events)
{
	if (events & (EPOLLERR | EPOLLHUP)) {
		int err = sock_error(c->fd);
		conn_fail(w, c, STAGE_CONNECT, err ? err : ECONNRESET);
		return -1;
	}
	if (!(events & EPOLLOUT))
		return -1;
	c->state = CONN_EXCHANGE;
	if (c->exchanges == 0) /* a reconnect keeps the first connect's time */
		c->connect_us = worker_now_us(w) - c->due_us;
	return w->proto->begin(w, c);
}

static void conn_event(struct client_worker *w, struct conn *c, uint32_t events)
{
	switch ((enum conn_state)c->state) {
	case CONN_DONE:
		return;
	case CONN_CONNECTING:
		if (conn_connected(w, c, events) != 0)
			return;
		break;
	case CONN_EXCHANGE:
		if ((events & EPOLLOUT) && w->proto->send && w->proto->send(w, c) < 0)
			return;
		break;
	case CONN_DRAIN:
		break;
	}
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		conn_read(w, c, events);
}

void worker_poll(struct client_worker *w, int timeout_ms)
{
	worker_poll_ns(w, timeout_ms < 0 ? -1 : (int64_t)timeout_ms * 1000000);
}

void worker_poll_ns(struct client_worker *w, int64_t timeout_ns)
{
	struct epoll_event evs[EVENTS_PER_WAIT];
	int n = epoll_wait_ns(w->epfd, evs, EVENTS_PER_WAIT, timeout_ns, signals_wait_mask());
	for (int i = 0; i < n; i++)
		if (evs[i].data.ptr != NULL) /* NULL: the stop eventfd */
			conn_event(w, evs[i].data.ptr, evs[i].events);
}

static const struct conn_proto *proto_of(enum client_protocol p)
{
	switch (p) {
	case CLIENT_PROTO_CONNECT:
		return &conn_connect_proto;
	case CLIENT_PROTO_HTTP:
		return &conn_http_proto;
	case CLIENT_PROTO_ECHO:
		break;
	}
	return &conn_echo_proto;
}

int worker_init(struct client_worker *w, const struct client_opts *o, struct conn *conns,
		uint32_t n, const unsigned char *payload)
{
	*w = (struct client_worker){.o = o, .proto = proto_of(o->protocol), .conns = conns, .n = n,
				    .payload = payload, .buflen = READ_BUF_SIZE};
	w->buf = malloc(w->buflen);
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	if (w->buf == NULL || w->epfd < 0 ||
	    (signals_stop_fd() >= 0 && epoll_ctl(w->epfd, EPOLL_CTL_ADD, signals_stop_fd(), &ev) < 0))
		return -1;
	if (o->protocol == CLIENT_PROTO_HTTP && client_http_init(w) != 0) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void worker_free(struct client_worker *w)
{
	if (w->epfd >= 0)
		close(w->epfd);
	w->epfd = -1;
	free(w->buf);
	w->buf = NULL;
	client_http_free(w);
}
