/* Where a client connection goes and comes from: the destination and source of connection
 * `index` of a loop or run, the socket spec that opens it, the failure stage of a step of
 * that open, and the sockets the kernel view counts. A leaf every strategy and the engine
 * use (src/client/client_endpoints.c); it calls back into neither. */
#ifndef TWTEST_CLIENT_ENDPOINTS_H
#define TWTEST_CLIENT_ENDPOINTS_H

#include <stdint.h>

#include "client/client_opts.h"
#include "client/loopstats.h"
#include "lib/sockdiag.h"
#include "lib/sockutil.h"

/* The source address of connection `index` of a loop (round-robin over --bind, at
 * --source-port) into *src; returns src, or NULL when the socket is not bound. */
const struct endpoint *client_source(const struct client_opts *o, uint64_t index,
				     struct endpoint *src);

/* How to open connection `index`: destination, source and options from o (src and dst
 * are the storage spec points into). */
void client_sock_spec(const struct client_opts *o, uint64_t index, struct endpoint *src,
		      struct endpoint *dst, struct sock_client_spec *spec);

/* The sockets the kernel view counts: toward the destination (every address of DSTIP's
 * family when it lists several; every port when --port lists several). */
void client_tw_filter(const struct client_opts *o, struct sockdiag_filter *f);

/* Open connection `index`'s socket (sock_open_client with client_sock_spec) into *fd;
 * returns 0, or the errno with the stage that failed in *stage. */
int client_open(const struct client_opts *o, uint64_t index, int *fd, enum fail_stage *stage);

#endif
