/* The echo protocol (server_echo_proto): every byte read is written back in order; what
 * the socket does not take waits (at most one read's worth) and nothing more is read until
 * it is out (back-pressure). With --close first|rst the server closes once --payload bytes
 * went back. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sockutil.h"
#include "server/server_conn.h"
#include "server/server_loop.h"

/* Count n echoed bytes. */
static void echoed(struct server *s, struct sconn *c, size_t n)
{
	c->echoed += (uint32_t)n;
	s->st.bytes += n;
	s->st.bytes_sent += n;
}

/* After an echo: close if --close=first|rst and the payload has gone back. Returns -1
 * if the connection was closed. */
static int maybe_close_first(struct server *s, struct sconn *c)
{
	enum server_close mode = s->o->close_mode;
	if (mode == SERVER_CLOSE_WAIT || c->echoed < s->o->payload)
		return 0;
	if (mode == SERVER_CLOSE_RST)
		sconn_close(s, c, &s->st.closed_rst, 1);
	else
		sconn_close(s, c, &s->st.closed_first, 0);
	return -1;
}

/* Keep the part of an echo the socket did not take, and wait for EPOLLOUT to send it. */
static void hold(struct server *s, struct sconn *c, const unsigned char *rest, size_t n)
{
	c->pending = malloc(n);
	if (c->pending == NULL) {
		sconn_fail(s, c, ENOMEM);
		return;
	}
	memcpy(c->pending, rest, n);
	c->pend_off = 0;
	c->pend_len = (uint32_t)n;
	c->state = SC_WRITING;
	sconn_want_out(s, c, 1);
}

/* Send n bytes back; stop reading when they did not all go, or the connection closed. */
static int echo_input(struct server *s, struct sconn *c, const unsigned char *buf, size_t n)
{
	size_t w = 0;
	int err;
	enum io_result r = sock_send(c->fd, buf, n, &w, &err);
	echoed(s, c, w);
	if (r == IO_FAILED) {
		sconn_fail(s, c, err);
		return -1;
	}
	if (r == IO_AGAIN) {
		hold(s, c, buf + w, n - w); /* EPOLLOUT resumes */
		return -1;
	}
	return maybe_close_first(s, c);
}

/* Send the pending echo; once it is out, act on a FIN that came meanwhile, or read on. */
static int echo_flush(struct server *s, struct sconn *c)
{
	size_t off = c->pend_off;
	int err;
	enum io_result r = sock_send(c->fd, c->pending, c->pend_len, &off, &err);
	echoed(s, c, off - c->pend_off);
	c->pend_off = (uint32_t)off;
	if (r == IO_FAILED) {
		sconn_fail(s, c, err);
		return -1;
	}
	if (r == IO_AGAIN)
		return -1;
	free(c->pending);
	c->pending = NULL;
	c->pend_off = c->pend_len = 0;
	sconn_want_out(s, c, 0);
	if (c->state == SC_WRITING_EOF) {
		sconn_peer_eof(s, c);
		return -1;
	}
	c->state = SC_READING;
	return maybe_close_first(s, c);
}

const struct sconn_proto server_echo_proto = {
	.input = echo_input,
	.flush = echo_flush,
};
