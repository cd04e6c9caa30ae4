/* The server subcommand's run (include/server/server.h): the limits the host gives, a
 * server per thread (src/server/server_loop.c) with its listeners
 * (src/server/server_listen.c), serving until a stop signal, then the summary
 * (src/server/server_summary.c). With several --port values, each thread listens on every
 * port. With --threads N, each thread owns a SO_REUSEPORT listener per port, an epoll set
 * and counters; only the count of open connections (for --max-conns) is shared. */
#include "server/server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fdlimit.h"
#include "lib/signals.h"
#include "lib/sysctl.h"
#include "lib/threads.h"
#include "lib/twtest.h"
#include "server/server_listen.h"
#include "server/server_summary.h"

#define FD_RESERVE 32            /* descriptors kept free beside --max-conns (and per thread:
				  * its epoll set and a listener per port) */
#define NOFILE_WANT (1u << 20)   /* without --max-conns: as many descriptors as root may get */

static void server_limits(const struct server_opts *o, uint32_t nt, struct server_limits *l)
{
	uint32_t reserve = FD_RESERVE + nt * (1 + o->ports.total);
	l->nofile = fdlimit_raise(o->max_conns ? (uint64_t)o->max_conns + reserve : NOFILE_WANT);
	l->max_conns = o->max_conns;
	if (l->max_conns == 0 || (uint64_t)l->max_conns + reserve > l->nofile)
		l->max_conns = l->nofile > 2 * (uint64_t)reserve ? (uint32_t)(l->nofile - reserve) : reserve;
	long somaxconn = sysctl_read_long("/proc/sys/net/core/somaxconn");
	l->backlog = o->backlog ? o->backlog : somaxconn > 0 ? (uint32_t)somaxconn : 4096;
}

/* Listeners and an event loop for each of the nt threads; *ready says how many were
 * made (each to be freed). Returns 0, or -1 with a message in err. */
static int servers_open(const struct server_opts *o, const struct server_limits *l,
			struct server_shared *sh, struct server *servers, uint32_t nt,
			uint32_t *ready, struct endpoint *bound, const struct http_replies *replies,
			char *err, size_t errlen)
{
	const struct sconn_proto *proto =
		o->protocol == SERVER_PROTO_HTTP ? &server_http_proto : &server_echo_proto;
	for (*ready = 0; *ready < nt; (*ready)++) {
		struct server *s = &servers[*ready];
		*s = (struct server){.o = o, .proto = proto, .sh = sh, .epfd = -1,
				     .max_conns = l->max_conns, .replies = replies};
		if (server_listen_all(s, *ready, l->backlog, nt > 1, bound, err, errlen) < 0) {
			(*ready)++; /* free the listeners it made */
			return -1;
		}
		if (server_loop_init(s) < 0) {
			snprintf(err, errlen, "cannot set up the event loop: %s", strerror(errno));
			(*ready)++; /* free this one too */
			return -1;
		}
	}
	return 0;
}

/* Serve until a stop signal on every thread; returns the exit status. When a thread
 * cannot start, the ones that did are stopped (src/lib/threads.c's policy). */
static int servers_serve(struct server *servers, uint32_t nt)
{
	struct thread_set ts;
	int rc = threads_start(&ts, nt, server_thread, servers, sizeof(*servers), "server");
	if (rc == 0)
		server_loop(&servers[0]);
	else
		signals_request_stop(); /* wakes the threads that started */
	threads_join(&ts);
	return rc == 0 ? EXIT_RAN : EXIT_SETUP;
}

int server_run(const struct server_opts *o, FILE *out)
{
	signals_install();
	uint32_t nt = o->threads ? o->threads : 1;
	struct server_limits lim;
	server_limits(o, nt, &lim);
	struct server_shared shared = {0};
	struct server *servers = calloc(nt, sizeof(*servers));
	if (servers == NULL) {
		fprintf(stderr, "twtest server: out of memory\n");
		return EXIT_SETUP;
	}
	int rc = EXIT_SETUP;
	uint32_t ready = 0;
	struct http_replies replies = {0};
	int http = o->protocol == SERVER_PROTO_HTTP;
	struct endpoint *bound = calloc(o->ports.total, sizeof(*bound));
	char err[512];
	if (bound == NULL || (http && http_replies_init(&replies, o->payload) != 0)) {
		fprintf(stderr, "twtest server: out of memory\n");
	} else if (servers_open(o, &lim, &shared, servers, nt, &ready, bound,
				http ? &replies : NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "twtest server: %s\n", err);
	} else {
		server_print_listening(o, &lim, nt, bound, out);
		rc = servers_serve(servers, nt);
	}
	if (rc == EXIT_RAN) {
		server_print_summary(servers, nt, out);
		for (uint32_t k = 0; k < o->ports.total; k++)
			server_print_states(endpoint_port(&bound[k]), out);
	}
	for (uint32_t i = 0; i < ready; i++)
		server_loop_free(&servers[i]);
	http_replies_free(&replies);
	free(bound);
	free(servers);
	return rc;
}
