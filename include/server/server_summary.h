/* What the server prints (src/server/server_summary.c): its settings once it listens, and
 * at exit the threads' counters added up, the HTTP counts, the spread over threads and
 * ports, and the kernel's socket states on each port. */
#ifndef TWTEST_SERVER_SUMMARY_H
#define TWTEST_SERVER_SUMMARY_H

#include <stdint.h>
#include <stdio.h>

#include "server/server_loop.h"

/* What the run's settings come to on this host: descriptors, --max-conns, backlog. */
struct server_limits {
	uint64_t nofile;
	uint32_t max_conns;
	uint32_t backlog;
};

/* "twtest server: listening on ADDR:PORT ..." with every port ("ADDR:P1,P2,...") and the
 * effective settings. */
void server_print_listening(const struct server_opts *o, const struct server_limits *l,
			    uint32_t nt, const struct endpoint *bound, FILE *out);

/* The summary over the n threads' servers. */
void server_print_summary(const struct server *servers, uint32_t n, FILE *out);

/* The kernel's count of sockets by state on the listening port, at exit. */
void server_print_states(uint16_t port, FILE *out);

#endif
