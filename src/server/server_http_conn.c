/* The HTTP protocol on a server connection (server_http_proto): the requests read go to
 * the connection's parser (src/server/server_http.c) and the replies owed go out at once;
 * while they wait for the socket nothing more is read (back-pressure, as for the echo).
 * After a closing reply the server sends its FIN (shutdown) and reads on until the
 * client's, dropping what comes (SC_LINGERING): the server still closes first and holds
 * the TIME_WAIT. --reply-close moves that FIN later (a delay) or leaves it to the client
 * (never), reading and dropping meanwhile (SC_DRAINING, src/server/server_conn.c). */
#include <errno.h>
#include <sys/socket.h>

#include "server/server_conn.h"
#include "server/server_loop.h"

static void http_open(struct sconn *c)
{
	http_conn_init(&c->http);
}

/* Send the replies owed. Returns 0 to go on reading, -1 when the connection was closed (a
 * closing reply went out with --close rst, or the client's FIN came before) or must wait
 * for EPOLLOUT. */
static int http_flush(struct server *s, struct sconn *c)
{
	int err;
	enum io_result r = http_conn_output(&c->http, s->replies, c->fd, &s->st.bytes_sent, &err,
					    &s->http);
	if (r == IO_FAILED) {
		sconn_fail(s, c, err);
		return -1;
	}
	int waiting = c->state == SC_WRITING || c->state == SC_WRITING_EOF;
	if (r == IO_AGAIN) {
		if (!waiting) {
			sconn_want_out(s, c, 1);
			c->state = SC_WRITING;
		}
		return -1;
	}
	if (waiting) {
		sconn_want_out(s, c, 0);
		if (c->state == SC_WRITING_EOF) {
			sconn_peer_eof(s, c);
			return -1;
		}
		c->state = SC_READING;
	}
	if (http_conn_closing(&c->http) && c->state == SC_READING)
		return sconn_reply_closed(s, c); /* --reply-close: FIN now, later or never */
	return 0;
}

/* Parse what came and answer it in order. */
static int http_input(struct server *s, struct sconn *c, const unsigned char *buf, size_t n)
{
	http_conn_input(&c->http, (const char *)buf, n, s->o->close_mode != SERVER_CLOSE_WAIT,
			&s->http);
	return http_flush(s, c);
}

const struct sconn_proto server_http_proto = {
	.open = http_open,
	.input = http_input,
	.flush = http_flush,
	.error_first = 1,
};
