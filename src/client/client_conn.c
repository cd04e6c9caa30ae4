/* One client connection's state machine on a worker's epoll set: open, send the payload,
 * check the echo byte for byte (--requests-per-conn times), close in the chosen order, and
 * count it exactly once, as finished or as failed by stage and errno. --protocol connect
 * stops after connect(); --protocol http hands the exchange to src/client/client_http.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/client_endpoints.h"
#include "client/client_http.h"
#include "client/client_workers.h"
#include "lib/signals.h"

#define READ_BUF_SIZE 65536
#define EVENTS_PER_WAIT 256

void conn_start(struct client_worker *w, struct conn *c, uint64_t index, uint32_t due_us)
{
	c->sent = c->rcvd = c->exchanges = 0;
	c->due_us = due_us;
	c->start_us = worker_now_us(w);
	c->state = CONN_CONNECTING;
	w->open++;

	struct endpoint src, dst;
	struct sock_client_spec spec;
	enum sock_step step;
	client_sock_spec(w->o, index, &src, &dst, &spec);
	int err = sock_open_client(&spec, &c->fd, &step);
	if (err) {
		conn_fail(w, c, client_step_stage(step), err);
		return;
	}
	/* Edge-triggered, registered once: no epoll_ctl per state change. */
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
		conn_fail(w, c, STAGE_SOCKET, errno);
		return;
	}
}

/* Send what is left of the payload; returns -1 if the connection failed. */
static int conn_send(struct client_worker *w, struct conn *c)
{
	size_t off = c->sent;
	int err;
	enum io_result r = sock_send(c->fd, w->payload, w->o->payload, &off, &err);
	c->sent = (uint32_t)off;
	if (r == IO_FAILED) {
		conn_fail(w, c, STAGE_WRITE, err);
		return -1;
	}
	return 0;
}

/* A whole echo is in: send the next request, or close in the chosen order. Returns 1 to
 * keep reading (the next echo, or the server's FIN). */
static int conn_echoed(struct client_worker *w, struct conn *c)
{
	if (++c->exchanges < w->o->requests_per_conn) {
		c->sent = c->rcvd = 0;
		return conn_send(w, c) == 0;
	}
	switch (w->o->close_mode) {
	case CLIENT_CLOSE_CLIENT:
		conn_finish(w, c);
		return 0;
	case CLIENT_CLOSE_SHUTDOWN:
		if (shutdown(c->fd, SHUT_WR) < 0) {
			conn_fail(w, c, STAGE_WRITE, errno);
			return 0;
		}
		break;
	case CLIENT_CLOSE_SERVER:
		break;
	}
	c->state = CONN_DRAIN;
	return 1;
}

/* Read until EAGAIN, checking every byte of the echo against the payload. */
static void conn_receive(struct client_worker *w, struct conn *c)
{
	uint32_t len = w->o->payload;
	for (;;) {
		size_t k;
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
			if (c->state == CONN_DRAIN) {
				conn_finish(w, c);
				return;
			}
			conn_fail(w, c, STAGE_ECHO, ECHO_SHORT);
			return;
		}
		if (c->state == CONN_DRAIN || (uint64_t)c->rcvd + k > len) {
			conn_fail(w, c, STAGE_ECHO, ECHO_EXTRA);
			return;
		}
		if (memcmp(w->buf, w->payload + c->rcvd, k) != 0) {
			conn_fail(w, c, STAGE_ECHO, ECHO_MISMATCH);
			return;
		}
		c->rcvd += (uint32_t)k;
		if (c->rcvd == len && !conn_echoed(w, c))
			return;
	}
}

/* --protocol connect: connect() completed; close as --close says. */
static void conn_connected(struct client_worker *w, struct conn *c)
{
	switch (w->o->close_mode) {
	case CLIENT_CLOSE_CLIENT:
		conn_finish(w, c);
		return;
	case CLIENT_CLOSE_SHUTDOWN:
		if (shutdown(c->fd, SHUT_WR) < 0) {
			conn_fail(w, c, STAGE_WRITE, errno);
			return;
		}
		break;
	case CLIENT_CLOSE_SERVER:
		break;
	}
	c->state = CONN_DRAIN;
}

/* --protocol connect, waiting for the server's FIN: whatever it sends is read and dropped
 * (a greeting is no fault); EOF finishes the connection. */
static void conn_drain_any(struct client_worker *w, struct conn *c)
{
	for (;;) {
		size_t k;
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
			conn_finish(w, c);
			return;
		}
	}
}

static void conn_event(struct client_worker *w, struct conn *c, uint32_t events)
{
	if (c->state == CONN_DONE)
		return;
	if (c->state == CONN_CONNECTING) {
		if (events & (EPOLLERR | EPOLLHUP)) {
			int err = sock_error(c->fd);
			conn_fail(w, c, STAGE_CONNECT, err ? err : ECONNRESET);
			return;
		}
		if (!(events & EPOLLOUT))
			return;
		c->state = CONN_ECHO;
		c->connect_us = worker_now_us(w) - c->due_us;
		switch (w->o->protocol) {
		case CLIENT_PROTO_ECHO:
			break;
		case CLIENT_PROTO_CONNECT:
			conn_connected(w, c);
			return; /* a FIN already in is seen by the next edge-triggered event */
		case CLIENT_PROTO_HTTP:
			conn_http_begin(w, c);
			if (c->state == CONN_DONE)
				return;
			break;
		}
	}
	switch (w->o->protocol) {
	case CLIENT_PROTO_ECHO:
		break;
	case CLIENT_PROTO_CONNECT:
		if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			conn_drain_any(w, c);
		return;
	case CLIENT_PROTO_HTTP:
		conn_http_event(w, c, events);
		return;
	}
	if (c->state == CONN_ECHO && c->sent < w->o->payload && conn_send(w, c) < 0)
		return;
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		conn_receive(w, c);
}

void worker_poll(struct client_worker *w, int timeout_ms)
{
	worker_poll_ns(w, timeout_ms < 0 ? -1 : (int64_t)timeout_ms * 1000000);
}

void worker_poll_ns(struct client_worker *w, int64_t timeout_ns)
{
	struct epoll_event evs[EVENTS_PER_WAIT];
	struct timespec ts = {.tv_sec = (time_t)(timeout_ns / 1000000000),
			      .tv_nsec = (long)(timeout_ns % 1000000000)};
	int n = epoll_pwait2(w->epfd, evs, EVENTS_PER_WAIT, timeout_ns < 0 ? NULL : &ts,
			     signals_wait_mask());
	for (int i = 0; i < n; i++)
		if (evs[i].data.ptr != NULL) /* NULL: the stop eventfd */
			conn_event(w, evs[i].data.ptr, evs[i].events);
}

int worker_init(struct client_worker *w, const struct client_opts *o, struct conn *conns,
		uint32_t n, const unsigned char *payload)
{
	*w = (struct client_worker){.o = o, .conns = conns, .n = n, .payload = payload,
				    .buflen = READ_BUF_SIZE};
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
