/* One server thread (src/server/server_loop.c): its listeners, epoll set, connections and
 * counters, and its event loop (accept with a back-off when descriptors run out, the
 * deadlines, the connections' events). Only the count of open connections (--max-conns)
 * is shared between the threads. */
#ifndef TWTEST_SERVER_LOOP_H
#define TWTEST_SERVER_LOOP_H

#include <stdint.h>

#include "server/server_conn.h"
#include "server/server_opts.h"

/* A thread's counters, added up over the threads for the summary (server_stats_add). */
#define SERVER_STATS_COUNT 13
struct server_stats {
	union {
		struct {
			uint64_t accepted, refused, bytes, resets, errors;
			uint64_t closed_eof, closed_first, closed_rst, closed_idle;
			uint64_t accept_backoffs;
			uint64_t closed_timer; /* closed by --close-after */
			uint64_t bytes_sent;   /* everything written: echo, greeting, --on-eof=write */
			uint64_t active;       /* open now */
		};
		uint64_t all[SERVER_STATS_COUNT];
	};
};

/* What the threads share: the open-connection count that --max-conns bounds. */
struct server_shared {
	uint32_t active; /* atomic */
	uint32_t peak;   /* atomic */
};

/* One listening socket of a thread; epoll's data.ptr points at it. */
struct listener {
	int fd;
	uint64_t accepted;
};

struct sconn_chunk;

/* One thread's server. */
struct server {
	const struct server_opts *o;
	const struct sconn_proto *proto; /* --protocol, chosen once */
	struct server_shared *sh;
	struct listener *ls;    /* one per --port, in the order given */
	uint32_t nls;
	int epfd;
	uint32_t max_conns;
	uint64_t now_ms;
	uint64_t resume_ms;     /* accepting is paused until then; 0: not paused */
	struct sconn *free_list;
	struct sconn_chunk *chunks;
	struct sconn_list idle;   /* by last activity, for --idle-timeout */
	struct sconn_list timers; /* by accept time, for --close-after */
	struct sconn_list delays; /* by reply time, for --reply-close DELAY */
	unsigned char *buf;       /* SERVER_BUF_SIZE, one read at a time */
	struct server_stats st;
	const struct http_replies *replies; /* --protocol http */
	struct http_server_stats http;
};

/* dst += src, counter by counter. */
void server_stats_add(struct server_stats *dst, const struct server_stats *src);

/* s's event loop: its buffer, an epoll set with its listeners (s->ls, already open) and
 * the stop eventfd. Returns 0, or -1 with errno set. */
int server_loop_init(struct server *s);

/* Serve until a stop signal. */
void server_loop(struct server *s);

/* The same as a thread's body (arg: the struct server). */
void *server_thread(void *arg);

/* Close what s still has open and free it (also after a failed init). */
void server_loop_free(struct server *s);

#endif
