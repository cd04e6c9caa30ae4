/* The client engine's contract with its strategies. The engine (src/client/client.c) owns
 * everything a run has whatever the strategy: limits, intervals, --wait-clear, counter
 * snapshots, the kernel view, the output-error stop and the exit status. A strategy says
 * how one loop's connections are made: all at once on an epoll team
 * (src/client/client_concurrent.c), one after another through a close scenario
 * (src/client/client_seq.c), at a steady rate (src/client/client_rate.c), or C at a time,
 * each replaced as it ends (src/client/client_closed.c); and, as fields
 * and hooks the engine reads without asking which strategy runs, what differs with it: its
 * records, how many rounds, the settle time, its descriptor needs. neper's tcp_crr.c has the
 * same shape: a table of functions over one shared engine, the reporter among them. */
#ifndef TWTEST_CLIENT_ENGINE_H
#define TWTEST_CLIENT_ENGINE_H

#include <stdint.h>

#include "client/loopstats.h"
#include "client/client_opts.h"
#include "client/report.h"

#define ENGINE_SETTLE_MAX_MS 1000 /* bound of the wait for a loop's closes to settle */

struct client_engine;

/* Descriptors a strategy has open at once, besides stdio and the engine's own: the run is
 * refused below `least`; the engine raises RLIMIT_NOFILE toward `most` (more would go
 * unused) and tells the strategy what it got (client_engine.fd_limit). */
struct fd_need {
	uint64_t least, most;
};

/* The engine runs a strategy in rounds: a round is one loop (concurrent, sequential) or one
 * report interval (rate). */
#define ENGINE_ROUNDS_UNBOUNDED UINT32_MAX /* until run_round says the run is complete */

/* One strategy: its hooks, called in this order: fds_needed, open, start, run_round for
 * each round, stop (only if start succeeded), close (always, even after a failed open); and
 * what the engine does differently for it. */
struct client_strategy {
	const char *name;
	/* Its header, one record per round, its summary (include/client/report.h). */
	const struct client_reporter *report;
	/* How many rounds at most (it stops earlier when run_round says the run is complete),
	 * or ENGINE_ROUNDS_UNBOUNDED. */
	uint32_t (*rounds)(const struct client_opts *o);
	/* How long the engine waits after a loop for its closes to settle before counting
	 * TIME_WAIT (bounded; 0: no wait, the next connections are due). */
	uint32_t settle_ms;
	/* --wait-clear waits only before the first loop (the loops are one stream), not
	 * before each. */
	int wait_clear_once;
	/* The descriptors it needs. */
	struct fd_need (*fds_needed)(const struct client_opts *o);
	/* Allocate the strategy's state into e->state; 0 or errno. */
	int (*open)(struct client_engine *e);
	/* Start the strategy's threads; 0, or -1 once the ones that started were stopped and
	 * the reason was printed (src/lib/threads.c). */
	int (*start)(struct client_engine *e);
	/* Run round `round` (loop `round`; rate mode: report interval `round`): fill res's conns, finished,
	 * failed, fails, latencies and elapsed time (the sequential strategy leaves the
	 * latencies empty: its connections' times are those its scenario sets,
	 * docs/output.md); a stop signal ends it early with the rest counted as interrupted.
	 * Returns 1 when the run is complete (rate mode: the schedule is over and nothing is in
	 * flight), 0 to go on. */
	int (*run_round)(struct client_engine *e, uint32_t round, struct loop_result *res);
	/* Stop the threads start() started. */
	void (*stop)(struct client_engine *e);
	/* Free what open() allocated. */
	void (*close)(struct client_engine *e);
};

/* One run: the options, where records go, the shared payload, the descriptor limit, the
 * strategy's state. */
struct client_engine {
	const struct client_opts *o;
	const struct client_strategy *strategy;
	struct report rep;
	unsigned char *payload; /* payload_new(o->payload) */
	uint64_t fd_limit;      /* RLIMIT_NOFILE once raised for fds_needed (src/lib/fdlimit.c) */
	void *state;
};

/* The strategy the options choose (src/client/client_strategies.c). */
const struct client_strategy *client_strategy_for(const struct client_opts *o);

extern const struct client_strategy client_concurrent_strategy;
extern const struct client_strategy client_seq_strategy;
extern const struct client_strategy client_rate_strategy;
extern const struct client_strategy client_closed_strategy;

/* The loop count of the loop strategies (concurrent, sequential): LOOPS. */
static inline uint32_t client_loops_given(const struct client_opts *o)
{
	return o->loops;
}

/* No bound on the rounds of the schedules (rate, closed-loop): the engine stops when
 * run_round says the run is complete. */
static inline uint32_t client_rounds_unbounded(const struct client_opts *o)
{
	(void)o;
	return ENGINE_ROUNDS_UNBOUNDED;
}

#endif
