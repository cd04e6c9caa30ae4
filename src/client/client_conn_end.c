/* How a client connection ends, counted exactly once: finished (with its latencies) or
 * failed by stage and detail, its descriptor closed and its slot released; the close
 * order --close asks for once its exchanges are over; a request's send, whose failure
 * ends it; and the clock
 * of its worker that deadlines and latencies read. A leaf under the connection's state
 * machine (src/client/client_conn.c), its protocols (include/client/client_proto.h) and the
 * strategies that expire connections, so that none of them calls back into another. */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/client_proto.h"
#include "client/client_workers.h"
#include "lib/clock.h"

uint32_t worker_now_us(const struct client_worker *w)
{
	return (uint32_t)((clock_now_ns() - w->base_ns) / 1000);
}

uint32_t conn_time_left(const struct client_worker *w, const struct conn *c, uint32_t now_us)
{
	uint32_t timeout_us = w->o->timeout_ms * 1000u; /* at most 3600 s: fits 32 bits */
	uint32_t ran = now_us - c->start_us;
	return ran >= timeout_us ? 0 : timeout_us - ran;
}

static void conn_close(struct client_worker *w, struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->state = CONN_DONE;
	w->open--;
	if (w->release)
		w->release(w, c);
}

void worker_count_fail(struct client_worker *w, enum fail_stage stage, int detail)
{
	if (w->res.failed++ == 0) {
		w->res.first_fail_ns = clock_now_ns() - w->base_ns + 1;
		w->rate_counts.finished_before_fail = w->res.finished;
	}
	fail_count(&w->res.fails, stage, detail);
}

void conn_fail(struct client_worker *w, struct conn *c, enum fail_stage stage, int detail)
{
	conn_close(w, c);
	worker_count_fail(w, stage, detail);
}

int conn_wait_detail(const struct client_worker *w, const struct conn *c)
{
	switch (c->state) {
	case CONN_CONNECTING:
		return WAIT_CONNECT;
	case CONN_EXCHANGE:
		return w->proto->wait_detail;
	default:
		return WAIT_EOF;
	}
}

void conn_finish(struct client_worker *w, struct conn *c)
{
	uint32_t done_us = worker_now_us(w) - c->due_us;
	conn_close(w, c);
	w->res.finished++;
	hist_record(&w->res.connect_us, c->connect_us);
	hist_record(&w->res.conn_us, done_us);
}

int conn_close_in_order(struct client_worker *w, struct conn *c)
{
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

int conn_send(struct client_worker *w, struct conn *c, const void *buf, uint32_t len)
{
	size_t off = c->sent;
	int err;
	enum io_result r = sock_send(c->fd, buf, len, &off, &err);
	c->sent = (uint32_t)off;
	if (r == IO_FAILED) {
		conn_fail(w, c, STAGE_WRITE, err);
		return -1;
	}
	return 0;
}
