/* What a client connection speaks once connect() completed, as a table of functions the
 * connection's state machine (src/client/client_conn.c) calls without asking which
 * protocol runs: echo (the payload back byte for byte, src/client/client_echo.c), connect
 * (nothing: the close order right after connect(), also there) and http (GET requests and
 * their responses, src/client/client_http.c). wrk has the same shape: one readable handler,
 * one parser per protocol. */
#ifndef TWTEST_CLIENT_PROTO_H
#define TWTEST_CLIENT_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "client/client_workers.h"

struct conn_proto {
	/* connect() completed (state CONN_EXCHANGE): send the first request. 0 to go on and
	 * read what came with this event; nonzero to wait for the next one (c may be done). */
	int (*begin)(struct client_worker *w, struct conn *c);
	/* The socket is writable during the exchange: send what is left; -1 if c failed
	 * (NULL: nothing is sent after begin). */
	int (*send)(struct client_worker *w, struct conn *c);
	/* n > 0 bytes arrived (in CONN_EXCHANGE, or CONN_DRAIN where the server should only
	 * close): check them. 0 to read on; nonzero once c is done. */
	int (*input)(struct client_worker *w, struct conn *c, const unsigned char *buf, size_t n);
	/* The server's FIN in the middle of the exchange (in CONN_DRAIN it finishes c). */
	void (*eof)(struct client_worker *w, struct conn *c);
	/* A read failed (errno err) in the middle of the exchange: count it or recover (NULL:
	 * c fails at the read stage). */
	void (*read_failed)(struct client_worker *w, struct conn *c, int err);
	/* What a connection past its deadline in CONN_EXCHANGE waited for (enum timeout_detail). */
	uint8_t wait_detail;
};

extern const struct conn_proto conn_echo_proto;
extern const struct conn_proto conn_connect_proto;
extern const struct conn_proto conn_http_proto;

#endif
