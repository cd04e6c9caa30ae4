/* The connection slots of the open strategies, rate (src/client/client_rate.c) and closed
 * loop (src/client/client_closed.c): each slot of a worker is on its free list or on its
 * in-flight list in start order, so that the oldest in flight is the first to reach
 * --timeout. */
#include "client/client_workers.h"

void slots_init(struct client_worker *w)
{
	w->rate.free_head = w->n ? 0 : CONN_NONE;
	w->rate.oldest = w->rate.newest = CONN_NONE;
	for (uint32_t i = 0; i < w->n; i++)
		w->conns[i] = (struct conn){.fd = -1, .state = CONN_DONE, .prev = CONN_NONE,
					    .next = i + 1 < w->n ? i + 1 : CONN_NONE};
	w->release = slot_release;
}

void slot_release(struct client_worker *w, struct conn *c)
{
	struct rate_sched *r = &w->rate;
	uint32_t i = (uint32_t)(c - w->conns);
	if (c->prev != CONN_NONE)
		w->conns[c->prev].next = c->next;
	else
		r->oldest = c->next;
	if (c->next != CONN_NONE)
		w->conns[c->next].prev = c->prev;
	else
		r->newest = c->prev;
	c->prev = CONN_NONE;
	c->next = r->free_head;
	r->free_head = i;
}

struct conn *slot_take(struct client_worker *w)
{
	struct rate_sched *r = &w->rate;
	if (r->free_head == CONN_NONE)
		return NULL;
	uint32_t i = r->free_head;
	struct conn *c = &w->conns[i];
	r->free_head = c->next;
	c->prev = r->newest;
	c->next = CONN_NONE;
	if (r->newest != CONN_NONE)
		w->conns[r->newest].next = i;
	else
		r->oldest = i;
	r->newest = i;
	return c;
}

uint64_t slots_expire(struct client_worker *w)
{
	uint32_t now = worker_now_us(w);
	while (w->rate.oldest != CONN_NONE) {
		struct conn *c = &w->conns[w->rate.oldest];
		uint32_t left = conn_time_left(w, c, now);
		if (left > 0)
			return (uint64_t)left * 1000;
		conn_fail(w, c, STAGE_TIMEOUT, conn_wait_detail(w, c));
	}
	return UINT64_MAX;
}

void slots_abandon(struct client_worker *w)
{
	while (w->rate.oldest != CONN_NONE)
		conn_fail(w, &w->conns[w->rate.oldest], STAGE_INTERRUPTED, 0);
}
