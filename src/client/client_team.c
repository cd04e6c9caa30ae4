/* The team of client workers, each with its own epoll set, that the concurrent strategy
 * (src/client/client_concurrent.c) and the rate strategy (src/client/client_rate.c) run on:
 * the engine's thread runs worker 0 and opens a gate for the others, one round (a loop or a
 * report interval) at a time. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client/client_workers.h"
#include "lib/clock.h"
#include "lib/signals.h"

/* What a thread needs: its team and its worker. */
struct team_member {
	struct client_team *team;
	struct client_worker *w;
};

struct client_team {
	struct client_worker *workers;
	struct conn *conns;
	uint32_t nthreads;
	team_work_fn work;
	struct thread_set threads;
	struct team_member *members; /* the threads' arguments: live as long as they run */
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	uint64_t generation; /* bumped each time the gate opens */
	uint32_t finished;   /* threads done with the current generation */
	uint32_t loop;
	int quit;
};

static void *team_thread(void *arg)
{
	struct team_member *m = arg;
	struct client_team *t = m->team;
	uint64_t seen = 0;
	for (;;) {
		pthread_mutex_lock(&t->mu);
		while (t->generation == seen)
			pthread_cond_wait(&t->go, &t->mu);
		seen = t->generation;
		int quit = t->quit;
		uint32_t loop = t->loop;
		pthread_mutex_unlock(&t->mu);
		if (quit)
			return NULL;
		t->work(m->w, loop);
		pthread_mutex_lock(&t->mu);
		t->finished++;
		pthread_cond_signal(&t->done);
		pthread_mutex_unlock(&t->mu);
	}
}

/* Open the gate for every started thread: for loop `loop`, or for quitting. */
static void team_open_gate(struct client_team *t, uint32_t loop, int quit)
{
	pthread_mutex_lock(&t->mu);
	t->loop = loop;
	t->quit = quit;
	t->finished = 0;
	t->generation++;
	pthread_cond_broadcast(&t->go);
	pthread_mutex_unlock(&t->mu);
}

/* Set up every worker with its share of the slots; 0 or -1 (errno). */
static int team_init_workers(struct client_team *t, const struct client_opts *o, uint32_t nconns,
			     const unsigned char *payload)
{
	for (uint32_t i = 0; i < t->nthreads; i++)
		t->workers[i].epfd = -1; /* worker_free may run on any of them */
	for (uint32_t i = 0; i < t->nthreads; i++) {
		uint64_t first = (uint64_t)nconns * i / t->nthreads;
		uint64_t next = (uint64_t)nconns * (i + 1) / t->nthreads;
		if (worker_init(&t->workers[i], o, t->conns + first, (uint32_t)(next - first), payload) < 0)
			return -1;
		t->workers[i].first = (uint32_t)first;
		t->members[i] = (struct team_member){t, &t->workers[i]};
	}
	return 0;
}

struct client_team *team_new(const struct client_opts *o, uint32_t nconns,
			     const unsigned char *payload, team_work_fn work)
{
	struct client_team *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->go, NULL);
	pthread_cond_init(&t->done, NULL);
	t->work = work;
	t->nthreads = o->threads ? o->threads : 1;
	t->conns = calloc(nconns, sizeof(*t->conns));
	t->workers = calloc(t->nthreads, sizeof(*t->workers));
	t->members = calloc(t->nthreads, sizeof(*t->members));
	if (t->conns == NULL || t->workers == NULL || t->members == NULL ||
	    team_init_workers(t, o, nconns, payload) < 0) {
		int err = errno;
		team_free(t);
		errno = err;
		return NULL;
	}
	return t;
}

int team_start(struct client_team *t)
{
	int rc = threads_start(&t->threads, t->nthreads, team_thread, t->members,
			       sizeof(*t->members), "client");
	if (rc < 0)
		team_stop(t);
	return rc;
}

void team_run(struct client_team *t, uint32_t loop)
{
	team_open_gate(t, loop, 0);
	t->work(&t->workers[0], loop);
	pthread_mutex_lock(&t->mu);
	while (t->finished < t->threads.started - 1)
		pthread_cond_wait(&t->done, &t->mu);
	pthread_mutex_unlock(&t->mu);
}

uint32_t team_size(const struct client_team *t)
{
	return t->nthreads;
}

struct client_worker *team_worker(struct client_team *t, uint32_t i)
{
	return &t->workers[i];
}

void team_stop(struct client_team *t)
{
	team_open_gate(t, 0, 1);
	threads_join(&t->threads);
}

void team_free(struct client_team *t)
{
	if (t == NULL)
		return;
	for (uint32_t i = 0; t->workers && i < t->nthreads; i++)
		worker_free(&t->workers[i]);
	pthread_mutex_destroy(&t->mu);
	pthread_cond_destroy(&t->go);
	pthread_cond_destroy(&t->done);
	free(t->members);
	free(t->workers);
	free(t->conns);
	free(t);
}
