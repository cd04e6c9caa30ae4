/* Opening a client connection's socket: its first (conn_start, from the strategies) and,
 * when the server closed a kept-alive connection before a response began, the next one
 * for the same connection (conn_reconnect, from its protocol, src/client/client_http.c).
 * A leaf beside src/client/client_conn_end.c under the state machine and the protocols,
 * so that neither calls back into the other. */
#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "client/client_endpoints.h"
#include "client/client_http.h"
#include "client/client_workers.h"

/* Open c's socket as connection `index` and register it; a failure is counted. */
static void conn_open(struct client_worker *w, struct conn *c, uint64_t index)
{
	enum fail_stage stage;
	int err = client_open(w->o, index, &c->fd, &stage);
	if (err) {
		conn_fail(w, c, stage, err);
		return;
	}
	/* Edge-triggered, registered once: no epoll_ctl per state change. */
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
		conn_fail(w, c, STAGE_SOCKET, errno);
		return;
	}
}

void conn_start(struct client_worker *w, struct conn *c, uint64_t index, uint32_t due_us)
{
	c->sent = c->rcvd = c->exchanges = 0;
	c->due_us = due_us;
	c->start_us = worker_now_us(w);
	c->state = CONN_CONNECTING;
	w->open++;
	if (w->http)
		w->http[c - w->conns].index = index;
	conn_open(w, c, index);
}

void conn_reconnect(struct client_worker *w, struct conn *c, uint64_t index)
{
	close(c->fd); /* also leaves the epoll set */
	c->fd = -1;
	c->sent = c->rcvd = 0;
	c->state = CONN_CONNECTING;
	conn_open(w, c, index);
}
