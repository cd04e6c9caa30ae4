/* The concurrent strategy of the client engine: each loop opens CONNS non-blocking
 * connections at once, split over --threads workers (the team, src/client/client_team.c)
 * that each own an epoll set. */
#include <errno.h>
#include <string.h>

#include "client/client_workers.h"
#include "lib/clock.h"
#include "lib/signals.h"

#define POLL_EVERY_CONNECTS 64 /* serve completed connects while still opening the rest */

/* Fail connections past their deadline; returns ms until the next deadline, -1 if none. */
static int worker_expire(struct client_worker *w)
{
	uint32_t now = worker_now_us(w);
	while (w->scan < w->started) {
		struct conn *c = &w->conns[w->scan];
		if (c->state != CONN_DONE) {
			uint32_t left = conn_time_left(w, c, now);
			if (left > 0)
				return (int)((left + 999) / 1000);
			conn_fail(w, c, STAGE_TIMEOUT, conn_wait_detail(w, c));
		}
		w->scan++;
	}
	return -1;
}

/* Count what an interrupt left open, so that finished + failed == CONNS still holds. */
static void worker_abandon(struct client_worker *w)
{
	for (uint32_t i = w->scan; i < w->started; i++)
		if (w->conns[i].state != CONN_DONE)
			conn_fail(w, &w->conns[i], STAGE_INTERRUPTED, 0);
	w->res.failed += w->n - w->started;
	w->res.fails.count[STAGE_INTERRUPTED][0] += w->n - w->started;
}

/* One loop of one worker: start its share of CONNS at once, serve them until all ended. */
static void concurrent_worker_loop(struct client_worker *w, uint32_t loop)
{
	(void)loop; /* the engine numbers the round */
	memset(&w->res, 0, sizeof(w->res));
	w->res.conns = w->n;
	w->started = w->open = w->scan = 0;
	w->base_ns = clock_now_ns();

	while (w->started < w->n && !signals_stop_requested()) {
		uint32_t i = w->started++;
		conn_start(w, &w->conns[i], (uint64_t)w->first + i, 0);
		if (w->started % POLL_EVERY_CONNECTS == 0)
			worker_poll(w, 0);
	}
	while (w->open > 0 && !signals_stop_requested()) {
		int ms = worker_expire(w);
		if (w->open > 0)
			worker_poll(w, ms);
	}
	if (signals_stop_requested())
		worker_abandon(w);
	w->res.elapsed_ns = clock_now_ns() - w->base_ns;
}

/* The strategy's hooks over the team. */
static struct fd_need concurrent_fds_needed(const struct client_opts *o)
{
	uint64_t n = (uint64_t)o->conns + 2 * (uint64_t)o->threads; /* epoll set and a margin each */
	return (struct fd_need){n, n};
}

static int concurrent_open(struct client_engine *e)
{
	e->state = team_new(e->o, e->o->conns, e->payload, concurrent_worker_loop);
	return e->state ? 0 : errno;
}

static int concurrent_start(struct client_engine *e)
{
	return team_start(e->state);
}

/* Run one loop on every worker and merge their results into res. */
static int concurrent_run(struct client_engine *e, uint32_t loop, struct loop_result *res)
{
	struct client_team *t = e->state;
	uint64_t start = clock_now_ns();
	team_run(t, loop);
	for (uint32_t i = 0; i < team_size(t); i++)
		conn_counts_add(&res->counts, &team_worker(t, i)->res);
	res->elapsed_ns = clock_now_ns() - start;
	return 0;
}

static void concurrent_stop(struct client_engine *e)
{
	team_stop(e->state);
}

static void concurrent_close(struct client_engine *e)
{
	team_free(e->state);
}

const struct client_strategy client_concurrent_strategy = {
	.name = "concurrent",
	.report = &report_loops,
	.rounds = client_loops_given,
	.settle_ms = ENGINE_SETTLE_MAX_MS,
	.fds_needed = concurrent_fds_needed,
	.open = concurrent_open,
	.start = concurrent_start,
	.run_round = concurrent_run,
	.stop = concurrent_stop,
	.close = concurrent_close,
};
