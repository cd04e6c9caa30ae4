/* The client's protocols without a parser (include/client/client_proto.h): echo sends
 * the payload and checks the echo byte for byte, --requests-per-conn times, then closes
 * in the chosen order; connect closes in that order right after connect(), and drops
 * whatever the server sends before its FIN (a greeting is no fault). */
#include <string.h>

#include "client/client_proto.h"

/* Send what is left of the payload; returns -1 if the connection failed. */
static int echo_send(struct client_worker *w, struct conn *c)
{
	return conn_send(w, c, w->payload, w->o->payload);
}

static int echo_begin(struct client_worker *w, struct conn *c)
{
	return echo_send(w, c);
}

/* A whole echo is in: send the next request, or close in the chosen order. Returns 1 to
 * keep reading (the next echo, or the server's FIN). */
static int echo_done(struct client_worker *w, struct conn *c)
{
	if (++c->exchanges < w->o->requests_per_conn) {
		c->sent = c->rcvd = 0;
		return echo_send(w, c) == 0;
	}
	return conn_close_in_order(w, c);
}

/* Check n echoed bytes against the payload; nothing may come once it is all back. */
static int echo_input(struct client_worker *w, struct conn *c, const unsigned char *buf,
		      size_t n)
{
	if (c->state == CONN_DRAIN || (uint64_t)c->rcvd + n > w->o->payload) {
		conn_fail(w, c, STAGE_ECHO, ECHO_EXTRA);
		return 1;
	}
	if (memcmp(buf, w->payload + c->rcvd, n) != 0) {
		conn_fail(w, c, STAGE_ECHO, ECHO_MISMATCH);
		return 1;
	}
	c->rcvd += (uint32_t)n;
	return c->rcvd == w->o->payload && !echo_done(w, c);
}

static void echo_eof(struct client_worker *w, struct conn *c)
{
	conn_fail(w, c, STAGE_ECHO, ECHO_SHORT);
}

const struct conn_proto conn_echo_proto = {
	.begin = echo_begin,
	.send = echo_send,
	.input = echo_input,
	.eof = echo_eof,
	.wait_detail = WAIT_ECHO,
};

/* connect() completed: that was the exchange. Wait for the next event either way (a FIN
 * already in is seen by the next edge-triggered event). */
static int connect_begin(struct client_worker *w, struct conn *c)
{
	conn_close_in_order(w, c);
	return 1;
}

/* Before the server's FIN: whatever it sends is dropped. */
static int connect_input(struct client_worker *w, struct conn *c, const unsigned char *buf,
			 size_t n)
{
	(void)w;
	(void)c;
	(void)buf;
	(void)n;
	return 0;
}

/* Never in the exchange past begin; a FIN finishes the connection as in CONN_DRAIN. */
static void connect_eof(struct client_worker *w, struct conn *c)
{
	conn_finish(w, c);
}

const struct conn_proto conn_connect_proto = {
	.begin = connect_begin,
	.send = NULL, /* nothing after begin */
	.input = connect_input,
	.eof = connect_eof,
	.wait_detail = WAIT_ECHO,
};
