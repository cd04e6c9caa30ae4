/* The epoll workers of the client's concurrent strategy (src/client/client_concurrent.c)
 * and its rate strategy (src/client/client_rate.c): a connection's state machine on a
 * worker's epoll set, and a team of workers (src/client/client_team.c) that run in step
 * with the engine's thread, one round (a loop or an interval) at a time. */
#ifndef TWTEST_CLIENT_WORKERS_H
#define TWTEST_CLIENT_WORKERS_H

#include <pthread.h>
#include <stdint.h>

#include "client/client_engine.h"
#include "lib/sockutil.h"
#include "lib/threads.h"

enum conn_state {
	CONN_CONNECTING, /* connect() in progress */
	CONN_EXCHANGE,   /* the protocol's exchange: a request (echo: the payload) out, its
			  * reply in (include/client/client_proto.h) */
	CONN_DRAIN,      /* the exchange is over (and shutdown() sent with --close shutdown):
			  * waiting for the server's FIN */
	CONN_DONE,       /* finished or failed, descriptor closed (or never started) */
};

#define CONN_NONE UINT32_MAX /* an empty link */

/* Per-connection state, in one array allocated once per run and split between the
 * threads. Times are microseconds since the worker's base (loop or run start), kept in 32
 * bits: differences are right for up to 71 minutes. */
struct conn {
	int fd;
	uint8_t state;
	uint32_t sent, rcvd;
	uint32_t exchanges;  /* requests answered (--requests-per-conn) */
	uint32_t due_us;     /* when it was due: latencies count from here */
	uint32_t start_us;   /* when it started: the deadline is start_us + --timeout */
	uint32_t connect_us; /* connect() done, counted from due_us */
	uint32_t prev, next; /* rate mode: the in-flight list (start order), or the free list */
};

/* Rate mode's share of the schedule (src/client/client_rate.c; the closed loop's share of
 * --count, src/client/client_closed.c) and the connection slots (src/client/client_slots.c). */
struct rate_sched {
	uint64_t next;        /* the next connection of this worker: global index next */
	uint64_t stride;      /* the team's size: this worker takes every stride-th index */
	uint32_t free_head;   /* free slots, linked by next */
	uint32_t oldest, newest; /* in-flight slots, oldest start first (as many as w->open) */
};

/* One thread's connections, epoll set, buffer and counters. */
struct client_worker {
	const struct client_opts *o;
	const struct conn_proto *proto; /* --protocol, chosen once (include/client/client_proto.h) */
	int epfd;
	struct conn *conns;
	uint32_t n;
	uint32_t first;     /* loop mode: index of conns[0] in the loop (picks source, destination) */
	uint32_t started;   /* loop mode: conns[0..started) have been started */
	uint32_t open;      /* started and neither finished nor failed */
	uint32_t scan;      /* loop mode: conns[0..scan) are done: deadlines grow with the index */
	uint64_t base_ns;   /* time 0 of the conn times */
	const unsigned char *payload;
	unsigned char *buf; /* one read buffer for every connection */
	size_t buflen;
	struct conn_counts res;        /* what its connections did this round */
	struct rate_view rate_counts;  /* rate and closed-loop modes: its part of the schedule */
	struct rate_sched rate;
	/* --protocol http: the requests, and each connection's response parser (conn i's at
	 * http[i]: kept apart so that echo's connections stay small). */
	struct http_requests *requests;
	struct conn_http *http;
	/* Called when a connection ends (rate mode frees its slot); NULL in loop mode. */
	void (*release)(struct client_worker *w, struct conn *c);
};

struct http_requests;
struct conn_http;
struct conn_proto;

/* Microseconds since the worker's base. */
uint32_t worker_now_us(const struct client_worker *w);

/* Start connection c as connection `index` of the run or loop (source and destination
 * follow it), due at due_us; a failure to open it is counted at once. */
void conn_start(struct client_worker *w, struct conn *c, uint64_t index, uint32_t due_us);

/* Close c's socket and connect a new one as connection `index` again (its counts and
 * deadline go on); a failure to open it is counted at once. */
void conn_reconnect(struct client_worker *w, struct conn *c, uint64_t index);

/* Count one failure at stage/detail (and when the worker's first came). */
void worker_count_fail(struct client_worker *w, enum fail_stage stage, int detail);

/* Count c as failed at stage/detail and close it. */
void conn_fail(struct client_worker *w, struct conn *c, enum fail_stage stage, int detail);

/* Count c as finished and close it. */
void conn_finish(struct client_worker *w, struct conn *c);

/* Send what is left of c's request buf[0..len) from c->sent on; -1 once c failed
 * (counted at the write stage). */
int conn_send(struct client_worker *w, struct conn *c, const void *buf, uint32_t len);

/* The exchanges are over: close in the order --close says (client: close now; shutdown:
 * shutdown(SHUT_WR), then wait for the server's FIN; server: wait for its FIN). Returns 1
 * when c waits for the FIN (CONN_DRAIN), 0 when it is done. */
int conn_close_in_order(struct client_worker *w, struct conn *c);

/* What a connection past its deadline was waiting for (a timeout's detail). */
int conn_wait_detail(const struct client_worker *w, const struct conn *c);

/* Wait up to timeout_ms (-1: no bound) for events and handle them; SIGINT/SIGTERM
 * interrupt the wait. worker_poll_ns: the same in nanoseconds (epoll_pwait2). */
void worker_poll(struct client_worker *w, int timeout_ms);
void worker_poll_ns(struct client_worker *w, int64_t timeout_ns);

/* Microseconds left before c's --timeout passes; 0 once it has. */
uint32_t conn_time_left(const struct client_worker *w, const struct conn *c, uint32_t now_us);

/* The slots of the open strategies (src/client/client_slots.c): slots_init puts every
 * connection of w on the free list and makes slot_release w's release hook; slot_take moves
 * a free slot to the in-flight list (NULL: none free); slots_expire fails what passed
 * --timeout and returns ns until the next deadline (UINT64_MAX: nothing in flight);
 * slots_abandon counts what a stop left in flight as interrupted. */
void slots_init(struct client_worker *w);
void slot_release(struct client_worker *w, struct conn *c);
struct conn *slot_take(struct client_worker *w);
uint64_t slots_expire(struct client_worker *w);
void slots_abandon(struct client_worker *w);

/* Give worker w the n connections at conns, its own epoll set and buffer; -1 (errno) on
 * failure. worker_free undoes it, also after a failure. */
int worker_init(struct client_worker *w, const struct client_opts *o, struct conn *conns,
		uint32_t n, const unsigned char *payload);
void worker_free(struct client_worker *w);

/* A team: worker 0 runs on the engine's thread, the others on their own threads, in step
 * through a gate: the engine opens it for a loop or interval, and waits until every
 * thread has run `work` for it. */
struct client_team;
typedef void (*team_work_fn)(struct client_worker *w, uint32_t loop);

/* A team of o->threads workers sharing `nconns` connection slots; NULL with errno set. */
struct client_team *team_new(const struct client_opts *o, uint32_t nconns,
			     const unsigned char *payload, team_work_fn work);

/* Start the threads; 0, or -1 once the ones that started were stopped (threads.c). */
int team_start(struct client_team *t);

/* Run `work` for `loop` on every worker, and wait for all of them. */
void team_run(struct client_team *t, uint32_t loop);

/* The team's size and its workers. */
uint32_t team_size(const struct client_team *t);
struct client_worker *team_worker(struct client_team *t, uint32_t i);

/* Stop the threads (after a successful team_start); free everything (NULL is fine). */
void team_stop(struct client_team *t);
void team_free(struct client_team *t);

#endif
