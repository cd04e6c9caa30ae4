/* The rate strategy of the client engine: --rate R new connections a second for
 * --duration S, open loop (connection i is due at start + i/R whatever happened to the
 * ones before), each doing the usual payload, echo check and close. The team's workers
 * take every T-th connection of the schedule; each has --max-inflight/T slots, and a due
 * connection that finds none free is not started but counted as failed (shed/inflight),
 * never delayed. The engine calls run_round once per --report-interval and raises the
 * descriptor limit to what rate_fds_needed asks; the slots fit what it got. Latency counts from
 * the due time, so a client that falls behind shows it (wrk2's coordinated omission). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "client/client_workers.h"
#include "lib/clock.h"
#include "lib/signals.h"

#define START_BATCH 64 /* serve events after this many starts while catching up */

/* The run-wide schedule, the same for every worker. */
static uint64_t due_ns_of(const struct client_opts *o, uint64_t index)
{
	return index * 1000000000ull / o->rate;
}

static uint64_t schedule_total(const struct client_opts *o)
{
	return (uint64_t)o->rate * o->duration_s;
}

/* Start (or shed) this worker's next due connection. */
static void rate_start_next(struct client_worker *w, uint64_t now_ns)
{
	struct rate_sched *r = &w->rate;
	uint64_t index = r->next;
	uint64_t due = due_ns_of(w->o, index);
	r->next += r->stride;
	w->rate_counts.due++;
	struct conn *c = slot_take(w);
	if (c == NULL) {
		worker_count_fail(w, STAGE_SHED, 0);
		return;
	}
	w->rate_counts.started++;
	uint64_t late = now_ns > w->base_ns + due ? now_ns - w->base_ns - due : 0;
	hist_record(&w->rate_counts.lag_us, (uint32_t)(late / 1000 > UINT32_MAX ? UINT32_MAX : late / 1000));
	conn_start(w, c, index, (uint32_t)(due / 1000));
}

/* One report interval of one worker: start what falls due, serve events, expire, until
 * the interval ends (everything due before its end started or shed) or the run is done. */
static void rate_work(struct client_worker *w, uint32_t interval)
{
	const struct client_opts *o = w->o;
	struct rate_sched *r = &w->rate;
	memset(&w->res, 0, sizeof(w->res));
	memset(&w->rate_counts, 0, sizeof(w->rate_counts));
	uint64_t end = w->base_ns + (uint64_t)(interval + 1) * o->report_interval_ms * 1000000;
	uint64_t total = schedule_total(o);
	for (;;) {
		uint64_t now = clock_now_ns();
		/* Everything due before the interval's end starts in it, however late. */
		uint64_t start_until = now < end ? now : end - 1;
		for (int n = 0; r->next < total && w->base_ns + due_ns_of(o, r->next) <= start_until; n++) {
			if (signals_stop_requested())
				break;
			rate_start_next(w, now);
			if (n % START_BATCH == START_BATCH - 1)
				worker_poll(w, 0);
		}
		uint64_t next_deadline = slots_expire(w);
		if (signals_stop_requested() || now >= end || (r->next >= total && w->open == 0))
			break;
		uint64_t until = end;
		if (r->next < total && w->base_ns + due_ns_of(o, r->next) < until)
			until = w->base_ns + due_ns_of(o, r->next);
		if (next_deadline != UINT64_MAX && now + next_deadline < until)
			until = now + next_deadline;
		worker_poll_ns(w, (int64_t)(until > now ? until - now : 0));
	}
	if (signals_stop_requested())
		slots_abandon(w);
}

/* The strategy's state: the team and the run's start. */
struct rate_run {
	struct client_team *team;
	uint64_t start_ns;
};

#define RATE_RESERVE_FDS 64 /* beside slots fitted to the limit: the engine's and a margin */

/* The most slots that can be in flight at once: R connections a second, each ending by
 * --timeout, and a margin. */
static uint64_t rate_slots_most(const struct client_opts *o)
{
	return (uint64_t)o->rate * o->timeout_ms / 1000 + o->rate / 10 + 64;
}

/* Descriptors: the slots, and an epoll set and a margin per worker. Without --max-inflight
 * the slots are fitted to the limit (rate_slots): any will do, more than rate_slots_most
 * go unused. */
static struct fd_need rate_fds_needed(const struct client_opts *o)
{
	uint64_t own = 2 * (uint64_t)o->threads;
	if (o->max_inflight)
		return (struct fd_need){o->max_inflight + own, o->max_inflight + own};
	uint64_t most = rate_slots_most(o) + RATE_RESERVE_FDS + own;
	return (struct fd_need){own, most < TWTEST_MAX_CONNS ? most : TWTEST_MAX_CONNS};
}

/* Slots: --max-inflight; else what the descriptor limit the engine obtained allows beside
 * the engine's needs, but no more than rate_slots_most, so that memory follows the run and
 * not the limit. Never fewer than threads. */
static uint32_t rate_slots(const struct client_opts *o, uint64_t fd_limit)
{
	if (o->max_inflight)
		return o->max_inflight;
	uint64_t reserve = RATE_RESERVE_FDS + 2 * (uint64_t)o->threads;
	uint64_t slots = fd_limit > reserve ? fd_limit - reserve : 1;
	if (slots > rate_slots_most(o))
		slots = rate_slots_most(o);
	return slots < o->threads ? o->threads : (uint32_t)slots;
}

static int rate_open(struct client_engine *e)
{
	struct rate_run *run = calloc(1, sizeof(*run));
	if (run == NULL)
		return errno;
	e->state = run;
	uint32_t slots = rate_slots(e->o, e->fd_limit);
	run->team = team_new(e->o, slots, e->payload, rate_work);
	if (run->team == NULL)
		return errno;
	for (uint32_t t = 0; t < team_size(run->team); t++) {
		struct client_worker *w = team_worker(run->team, t);
		slots_init(w);
		/* --shard I/N: this host's connections are I, I+N, ...; its workers deal them. */
		w->rate.next = e->o->shard + (uint64_t)t * e->o->shards;
		w->rate.stride = (uint64_t)team_size(run->team) * e->o->shards;
	}
	return 0;
}

static int rate_start(struct client_engine *e)
{
	struct rate_run *run = e->state;
	return team_start(run->team);
}

/* The times of interval `interval` ending at `now` (ns since the run began): its end, its
 * length, and what of it falls in the run's last third, [2D/3, D], where a steady state
 * shows. */
static void rate_interval_times(const struct client_opts *o, uint32_t interval, uint64_t now,
				struct loop_result *res)
{
	uint64_t begin = (uint64_t)interval * o->report_interval_ms * 1000000;
	res->rate.t_ns = now;
	res->elapsed_ns = now - begin;
	uint64_t d = (uint64_t)o->duration_s * 1000000000;
	if (begin >= 2 * d / 3 && begin < d) {
		res->rate.tail_finished = res->finished;
		res->rate.tail_ns = (now < d ? now : d) - begin;
	}
}

/* Merge the workers' interval; returns 1 once the schedule is over and nothing is left. */
static int rate_run_interval(struct client_engine *e, uint32_t interval, struct loop_result *res)
{
	struct rate_run *run = e->state;
	const struct client_opts *o = e->o;
	if (interval == 0) {
		run->start_ns = e->rep.start.mono_ns; /* --start-at: the hosts' common instant */
		for (uint32_t t = 0; t < team_size(run->team); t++)
			team_worker(run->team, t)->base_ns = run->start_ns;
	}
	team_run(run->team, interval);
	int done = 1;
	uint64_t inflight = 0;
	for (uint32_t t = 0; t < team_size(run->team); t++) {
		struct client_worker *w = team_worker(run->team, t);
		conn_counts_add(&res->counts, &w->res);
		rate_view_add(&res->rate, &w->rate_counts);
		inflight += w->open;
		done &= w->rate.next >= schedule_total(o) && w->open == 0;
	}
	res->rate.inflight = inflight;
	res->conns = res->rate.due;
	if (res->failed)
		res->rate.first_failed = interval + 1;
	rate_interval_times(o, interval, clock_now_ns() - run->start_ns, res);
	return done || signals_stop_requested();
}

static void rate_stop(struct client_engine *e)
{
	struct rate_run *run = e->state;
	team_stop(run->team);
}

static void rate_close(struct client_engine *e)
{
	struct rate_run *run = e->state;
	if (run == NULL)
		return;
	team_free(run->team);
	free(run);
}

const struct client_strategy client_rate_strategy = {
	.name = "rate",
	.report = &report_rate,
	.rounds = client_rounds_unbounded, /* until rate_run_interval says the schedule is over */
	.settle_ms = 0,       /* no wait for closes to settle: the next connections are due */
	.wait_clear_once = 1, /* its intervals are one stream */
	.fds_needed = rate_fds_needed,
	.open = rate_open,
	.start = rate_start,
	.run_round = rate_run_interval,
	.stop = rate_stop,
	.close = rate_close,
};
