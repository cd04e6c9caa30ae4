/* The client engine's contract with its strategies. The engine (src/client/client.c) owns
 * everything a run has whatever the strategy: limits, header, intervals, --wait-clear,
 * counter snapshots, the kernel view, reporting, the output-error stop, the summary and
 * the exit status. A strategy only says how one loop's connections are made: all at once
 * on an epoll team (src/client/client_team.c), one after another through a close scenario
 * (src/client/client_seq.c), or at a steady rate (src/client/client_rate.c). neper's tcp_crr.c has the same shape: a table of functions over one
 * shared engine. */
#ifndef TWTEST_CLIENT_ENGINE_H
#define TWTEST_CLIENT_ENGINE_H

#include <stdint.h>

#include "client/loopstats.h"
#include "client/client_opts.h"
#include "client/report.h"
#include "lib/sockutil.h"

struct client_engine;

/* The hooks of one strategy, called in this order: fds_needed, open, start, run_loop for
 * each loop, stop (only if start succeeded), close (always, even after a failed open). */
struct client_strategy {
	const char *name;
	/* Descriptors open at once at most, besides stdio and the engine's own. */
	uint64_t (*fds_needed)(const struct client_opts *o);
	/* Allocate the strategy's state into e->state; 0 or errno. */
	int (*open)(struct client_engine *e);
	/* Start the strategy's threads; 0, or -1 once the ones that started were stopped and
	 * the reason was printed (src/lib/threads.c). */
	int (*start)(struct client_engine *e);
	/* Run loop `loop` (rate mode: report interval `loop`): fill res's conns, finished,
	 * failed, fails, latencies and elapsed time; a stop signal ends it early with the rest
	 * counted as interrupted. Returns 1 when the run is complete (rate mode: the schedule
	 * is over and nothing is in flight), 0 to go on; loop modes stop after LOOPS. */
	int (*run_loop)(struct client_engine *e, uint32_t loop, struct loop_result *res);
	/* Stop the threads start() started. */
	void (*stop)(struct client_engine *e);
	/* Free what open() allocated. */
	void (*close)(struct client_engine *e);
};

/* One run: the options, where records go, the shared payload, the strategy's state. */
struct client_engine {
	const struct client_opts *o;
	const struct client_strategy *strategy;
	struct report rep;
	unsigned char *payload; /* payload_new(o->payload) */
	void *state;
};

extern const struct client_strategy client_team_strategy;
extern const struct client_strategy client_seq_strategy;
extern const struct client_strategy client_rate_strategy;

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

/* The failure stage of a step of sock_open_client. */
enum fail_stage client_step_stage(enum sock_step step);

#endif
