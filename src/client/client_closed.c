/* The closed-loop strategy of the client engine: --concurrency C connections in flight at
 * all times, each replaced as soon as it ends (finished or failed), for --duration S or
 * until --count N connections were made: the model of wrk, ab and neper's tcp_crr, where
 * the loop strategy waits for a loop's slowest connection before the next loop starts. The
 * team's workers share C (worker t has its share of the slots, src/client/client_slots.c)
 * and, with --count, take every T-th connection. The engine calls run_round once per
 * --report-interval; each connection makes the usual exchange of its protocol and closes as
 * --close says (src/client/client_conn.c). Latency counts from the connection's start. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client/client_workers.h"
#include "lib/clock.h"
#include "lib/signals.h"

/* Connections a worker may still start: with --count the indices t, t+T, ... below N. */
static int closed_more(const struct client_worker *w, uint64_t stop_ns, uint64_t now)
{
	if (signals_stop_requested())
		return 0;
	if (w->o->count)
		return w->rate.next < w->o->count;
	return now < stop_ns;
}

/* Fill every free slot: one start per slot and pass, so that connections that fail at once
 * (EADDRNOTAVAIL) do not spin here but come back after the next poll. */
static void closed_refill(struct client_worker *w, uint64_t stop_ns, uint64_t now)
{
	for (uint32_t n = 0; n < w->n && closed_more(w, stop_ns, now); n++) {
		struct conn *c = slot_take(w);
		if (c == NULL)
			break;
		uint64_t index = w->rate.next;
		w->rate.next += w->rate.stride;
		w->rate_counts.started++;
		conn_start(w, c, index, worker_now_us(w));
		if (w->open > w->rate_counts.inflight_max)
			w->rate_counts.inflight_max = w->open;
	}
}

/* One report interval of one worker: keep its slots busy, serve events, expire, until the
 * interval ends or the run is over (nothing more to start, nothing in flight). */
static void closed_work(struct client_worker *w, uint32_t interval)
{
	const struct client_opts *o = w->o;
	memset(&w->res, 0, sizeof(w->res));
	memset(&w->rate_counts, 0, sizeof(w->rate_counts));
	w->rate_counts.inflight_max = w->open; /* carried over from the interval before */
	uint64_t end = w->base_ns + (uint64_t)(interval + 1) * o->report_interval_ms * 1000000;
	uint64_t stop_ns = w->base_ns + (uint64_t)o->duration_s * 1000000000;
	for (;;) {
		uint64_t now = clock_now_ns();
		closed_refill(w, stop_ns, now);
		uint64_t next_deadline = slots_expire(w);
		int more = closed_more(w, stop_ns, now);
		if (signals_stop_requested() || now >= end || (!more && w->open == 0))
			break;
		if (more && w->rate.free_head != CONN_NONE) {
			worker_poll(w, 0); /* slots freed at once: serve events, then refill */
			continue;
		}
		uint64_t until = end;
		if (more && !o->count && stop_ns < until)
			until = stop_ns;
		if (next_deadline != UINT64_MAX && now + next_deadline < until)
			until = now + next_deadline;
		worker_poll_ns(w, (int64_t)(until > now ? until - now : 0));
	}
	if (signals_stop_requested())
		slots_abandon(w);
}

/* The strategy's state: the team, the run's start, and per worker what the rate reached
 * needs: connections finished so far, and the rate until its first failure (-1: none yet). */
struct closed_run {
	struct client_team *team;
	uint64_t start_ns;
	uint64_t *finished;
	double *fail_rate;
};

/* The rate reached, as the port model takes it: each worker's finished connections a second
 * until its first failure (while every connect() got a port), or over the run so far when it
 * had none; summed over the workers, once they ran the interval ending at t_ns. */
static double closed_reached(struct closed_run *run, uint64_t t_ns)
{
	double sum = 0;
	for (uint32_t t = 0; t < team_size(run->team); t++) {
		struct client_worker *w = team_worker(run->team, t);
		if (run->fail_rate[t] < 0 && w->res.failed) {
			uint64_t at_ns = w->res.first_fail_ns - 1;
			double at_s = (double)(at_ns > 1000 ? at_ns : 1000) / 1e9;
			run->fail_rate[t] = (double)(run->finished[t] + w->rate_counts.finished_before_fail) / at_s;
		}
		run->finished[t] += w->res.finished;
		if (run->fail_rate[t] >= 0)
			sum += run->fail_rate[t];
		else if (t_ns)
			sum += (double)run->finished[t] * 1e9 / (double)t_ns;
	}
	return sum;
}

/* Descriptors: C, and an epoll set and a margin per worker. */
static struct fd_need closed_fds_needed(const struct client_opts *o)
{
	uint64_t n = (uint64_t)o->concurrency + 2 * (uint64_t)o->threads;
	return (struct fd_need){n, n};
}

static int closed_open(struct client_engine *e)
{
	struct closed_run *run = calloc(1, sizeof(*run));
	if (run == NULL)
		return errno;
	e->state = run;
	run->team = team_new(e->o, e->o->concurrency, e->payload, closed_work);
	if (run->team == NULL)
		return errno;
	run->finished = calloc(team_size(run->team), sizeof(*run->finished));
	run->fail_rate = calloc(team_size(run->team), sizeof(*run->fail_rate));
	if (run->finished == NULL || run->fail_rate == NULL)
		return errno;
	for (uint32_t t = 0; t < team_size(run->team); t++) {
		struct client_worker *w = team_worker(run->team, t);
		slots_init(w);
		run->fail_rate[t] = -1;
		w->rate.next = t;
		w->rate.stride = team_size(run->team);
	}
	return 0;
}

static int closed_start(struct client_engine *e)
{
	struct closed_run *run = e->state;
	return team_start(run->team);
}

/* Merge the workers' interval; returns 1 once nothing is left to start or in flight. */
static int closed_run_interval(struct client_engine *e, uint32_t interval, struct loop_result *res)
{
	struct closed_run *run = e->state;
	const struct client_opts *o = e->o;
	if (interval == 0) {
		run->start_ns = e->rep.start.mono_ns; /* --start-at: the chosen instant */
		for (uint32_t t = 0; t < team_size(run->team); t++)
			team_worker(run->team, t)->base_ns = run->start_ns;
	}
	team_run(run->team, interval);
	uint64_t now = clock_now_ns();
	int done = 1;
	uint64_t inflight = 0, most = 0;
	for (uint32_t t = 0; t < team_size(run->team); t++) {
		struct client_worker *w = team_worker(run->team, t);
		conn_counts_add(&res->counts, &w->res);
		rate_view_add(&res->rate, &w->rate_counts);
		inflight += w->open;
		most += w->rate_counts.inflight_max;
		done &= w->open == 0 && (o->count ? w->rate.next >= o->count
					 : now >= run->start_ns + (uint64_t)o->duration_s * 1000000000);
	}
	res->rate.inflight = inflight;
	res->rate.inflight_max = most; /* loop_result_add kept one worker's */
	res->conns = res->rate.started;
	if (res->failed)
		res->rate.first_failed = interval + 1;
	uint64_t begin = (uint64_t)interval * o->report_interval_ms * 1000000;
	res->rate.t_ns = now - run->start_ns;
	res->elapsed_ns = res->rate.t_ns > begin ? res->rate.t_ns - begin : 0;
	res->rate.reached = closed_reached(run, res->rate.t_ns);
	return done || signals_stop_requested();
}

static void closed_stop(struct client_engine *e)
{
	struct closed_run *run = e->state;
	team_stop(run->team);
}

static void closed_close(struct client_engine *e)
{
	struct closed_run *run = e->state;
	if (run == NULL)
		return;
	team_free(run->team);
	free(run->finished);
	free(run->fail_rate);
	free(run);
}

const struct client_strategy client_closed_strategy = {
	.name = "closed",
	.report = &report_closed,
	.rounds = client_rounds_unbounded,
	.settle_ms = 0,       /* no wait for closes to settle: the slots are refilled at once */
	.wait_clear_once = 1, /* its intervals are one stream */
	.fds_needed = closed_fds_needed,
	.open = closed_open,
	.start = closed_start,
	.run_round = closed_run_interval,
	.stop = closed_stop,
	.close = closed_close,
};
