/* The client's HTTP/1.1 side (src/client/client_http.c), for --protocol http: the GET
 * requests, built once per worker, and a connection's requests and responses on the
 * worker's epoll set (conn_http_proto, include/client/client_proto.h): K requests one
 * after another over keep-alive (--requests-per-conn), each response parsed by
 * src/lib/http_parse.c, counted by status, timed (req_us), and failed as status/NNN (4xx,
 * 5xx), response/EPROTO, response/EMSGSIZE or response/short. A connection the server
 * closed (FIN or RST) before any byte of a response, after it carried one or more, is no
 * failure: the request goes again on a new connection (a reconnect, RFC 9112 9.3.1). */
#ifndef TWTEST_CLIENT_HTTP_H
#define TWTEST_CLIENT_HTTP_H

#include <stdint.h>

#include "client/client_workers.h"
#include "lib/http_parse.h"

/* The request to send: keep-alive, and with Connection: close (the K-th one with
 * --close server). */
struct http_requests {
	char *keep, *close;
	uint32_t keep_len, close_len;
};

/* A connection's response parser, the time its request was first written, the responses
 * its current TCP connection carried, and its index in the run or loop (a reconnect goes
 * to the same destination from the same source). */
struct conn_http {
	struct http_parser parser;
	uint32_t req_start_us;
	uint32_t carried;
	uint64_t index;
};

/* The worker's requests and parsers (one per connection slot); 0 or ENOMEM. Freed by
 * client_http_free, also after a failure. */
int client_http_init(struct client_worker *w);
void client_http_free(struct client_worker *w);

#endif
