/* The concurrent strategy of the client engine: each loop opens CONNS non-blocking
 * connections at once, split over --threads workers that each own an epoll set, sends the
 * payload over each, checks the echo byte for byte, closes in the chosen order, and counts
 * each connection exactly once, as finished or as failed by stage and errno. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client_engine.h"
#include "clock.h"
#include "signals.h"
#include "threads.h"

enum conn_state {
	CONN_CONNECTING, /* connect() in progress */
	CONN_ECHO,       /* sending the payload and reading the echo */
	CONN_DRAIN,      /* echo complete, waiting for the server's FIN */
	CONN_DONE,       /* finished or failed, descriptor closed */
};

/* Per-connection state: 24 bytes, in one array allocated once per run and split
 * between the threads. */
struct conn {
	int fd;
	uint8_t state;
	uint32_t sent;
	uint32_t rcvd;
	uint32_t start_us;   /* since the loop began; the deadline is start_us + --timeout */
	uint32_t connect_us; /* how long connect() took, once it completed */
};

/* One thread's share of a loop: its connections, epoll set, buffer and counters. */
struct client_worker {
	const struct client_opts *o;
	int epfd;
	struct conn *conns;
	uint32_t n;
	uint32_t first;     /* index of conns[0] in the loop: picks the --bind address */
	uint32_t started;   /* conns[0..started) have been started */
	uint32_t open;      /* started and neither finished nor failed */
	uint32_t scan;      /* conns[0..scan) are done: deadlines grow with the index */
	uint64_t loop_start_ns;
	const unsigned char *payload;
	unsigned char *buf; /* one read buffer for every connection */
	size_t buflen;
	struct loop_result res;
};

#define READ_BUF_SIZE 65536
#define EVENTS_PER_WAIT 256
#define POLL_EVERY_CONNECTS 64 /* serve completed connects while still opening the rest */

static uint32_t loop_now_us(const struct client_worker *w)
{
	return (uint32_t)((clock_now_ns() - w->loop_start_ns) / 1000);
}

static void conn_close(struct client_worker *w, struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->state = CONN_DONE;
	w->open--;
}

static void conn_fail(struct client_worker *w, struct conn *c, enum fail_stage stage, int detail)
{
	conn_close(w, c);
	w->res.failed++;
	fail_count(&w->res.fails, stage, detail);
}

static void conn_finish(struct client_worker *w, struct conn *c)
{
	conn_close(w, c);
	w->res.finished++;
	hist_record(&w->res.connect_us, c->connect_us);
	hist_record(&w->res.conn_us, loop_now_us(w) - c->start_us);
}

static void conn_start(struct client_worker *w, struct conn *c)
{
	c->sent = c->rcvd = 0;
	c->start_us = loop_now_us(w);
	c->state = CONN_CONNECTING;
	w->open++;

	struct endpoint src;
	struct sock_client_spec spec;
	enum sock_step step;
	client_sock_spec(w->o, w->first + (uint64_t)(c - w->conns), &src, &spec);
	int err = sock_open_client(&spec, &c->fd, &step);
	if (err)
		return conn_fail(w, c, client_step_stage(step), err);
	/* Edge-triggered, registered once: no epoll_ctl per state change. */
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		return conn_fail(w, c, STAGE_SOCKET, errno);
}

/* Send what is left of the payload; returns -1 if the connection failed. */
static int conn_send(struct client_worker *w, struct conn *c)
{
	size_t off = c->sent;
	int err;
	enum io_result r = sock_send(c->fd, w->payload, w->o->payload, &off, &err);
	c->sent = (uint32_t)off;
	if (r == IO_FAILED) {
		conn_fail(w, c, STAGE_WRITE, err);
		return -1;
	}
	return 0;
}

/* The whole echo is in: close in the chosen order. Returns 1 to keep reading (for EOF). */
static int conn_echoed(struct client_worker *w, struct conn *c)
{
	switch (w->o->close_mode) {
	case CLIENT_CLOSE_CLIENT:
		conn_finish(w, c);
		return 0;
	case CLIENT_CLOSE_SHUTDOWN:
		if (shutdown(c->fd, SHUT_WR) < 0) {
			conn_fail(w, c, STAGE_WRITE, errno);
			return 0;
		}
		break;
	case CLIENT_CLOSE_SERVER:
		break;
	}
	c->state = CONN_DRAIN;
	return 1;
}

/* Read until EAGAIN, checking every byte of the echo against the payload. */
static void conn_receive(struct client_worker *w, struct conn *c)
{
	uint32_t len = w->o->payload;
	for (;;) {
		size_t k;
		int err;
		switch (sock_recv(c->fd, w->buf, w->buflen, &k, &err)) {
		case IO_AGAIN:
			return;
		case IO_FAILED:
			return conn_fail(w, c, STAGE_READ, err);
		case IO_DONE:
			break;
		}
		if (k == 0) {
			if (c->state == CONN_DRAIN)
				return conn_finish(w, c);
			return conn_fail(w, c, STAGE_ECHO, ECHO_SHORT);
		}
		if (c->state == CONN_DRAIN || (uint64_t)c->rcvd + k > len)
			return conn_fail(w, c, STAGE_ECHO, ECHO_EXTRA);
		if (memcmp(w->buf, w->payload + c->rcvd, k) != 0)
			return conn_fail(w, c, STAGE_ECHO, ECHO_MISMATCH);
		c->rcvd += (uint32_t)k;
		if (c->rcvd == len && !conn_echoed(w, c))
			return;
	}
}

static void conn_event(struct client_worker *w, struct conn *c, uint32_t events)
{
	if (c->state == CONN_DONE)
		return;
	if (c->state == CONN_CONNECTING) {
		if (events & (EPOLLERR | EPOLLHUP)) {
			int err = sock_error(c->fd);
			return conn_fail(w, c, STAGE_CONNECT, err ? err : ECONNRESET);
		}
		if (!(events & EPOLLOUT))
			return;
		c->state = CONN_ECHO;
		c->connect_us = loop_now_us(w) - c->start_us;
	}
	if (c->state == CONN_ECHO && c->sent < w->o->payload && conn_send(w, c) < 0)
		return;
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		conn_receive(w, c);
}

/* Wait up to timeout_ms for events and handle them; SIGINT/SIGTERM interrupt the wait. */
static void worker_poll(struct client_worker *w, int timeout_ms)
{
	struct epoll_event evs[EVENTS_PER_WAIT];
	int n = epoll_pwait(w->epfd, evs, EVENTS_PER_WAIT, timeout_ms, signals_wait_mask());
	for (int i = 0; i < n; i++)
		if (evs[i].data.ptr != NULL) /* NULL: the stop eventfd */
			conn_event(w, evs[i].data.ptr, evs[i].events);
}

/* Fail connections past their deadline; returns ms until the next deadline, -1 if none. */
static int worker_expire(struct client_worker *w)
{
	static const int wait_of_state[] = {WAIT_CONNECT, WAIT_ECHO, WAIT_EOF};
	uint64_t timeout_us = (uint64_t)w->o->timeout_ms * 1000;
	uint32_t now = loop_now_us(w);
	while (w->scan < w->started) {
		struct conn *c = &w->conns[w->scan];
		if (c->state != CONN_DONE) {
			uint64_t deadline = c->start_us + timeout_us;
			if (deadline > now)
				return (int)((deadline - now + 999) / 1000);
			conn_fail(w, c, STAGE_TIMEOUT, wait_of_state[c->state]);
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

static void worker_run_loop(struct client_worker *w, uint32_t loop)
{
	memset(&w->res, 0, sizeof(w->res));
	w->res.loop = loop;
	w->res.conns = w->n;
	w->started = w->open = w->scan = 0;
	w->loop_start_ns = clock_now_ns();

	while (w->started < w->n && !signals_stop_requested()) {
		conn_start(w, &w->conns[w->started++]);
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
	w->res.elapsed_ns = clock_now_ns() - w->loop_start_ns;
}

static void worker_free(struct client_worker *w)
{
	if (w->epfd >= 0)
		close(w->epfd);
	free(w->buf);
}

/* Give worker w its share conns[first, first+n) and its own epoll set and buffer. */
static int worker_init(struct client_worker *w, const struct client_opts *o, struct conn *conns,
		       uint32_t first, uint32_t n, const unsigned char *payload)
{
	*w = (struct client_worker){.o = o, .conns = conns + first, .first = first, .n = n,
				    .payload = payload, .buflen = READ_BUF_SIZE};
	w->buf = malloc(w->buflen);
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	if (w->buf == NULL || w->epfd < 0 ||
	    (signals_stop_fd() >= 0 && epoll_ctl(w->epfd, EPOLL_CTL_ADD, signals_stop_fd(), &ev) < 0))
		return -1;
	return 0;
}


/* What a thread needs: its team and its worker. */
struct team_member {
	struct client_team *team;
	struct client_worker *w;
};

/* The team: worker 0 runs on the engine's thread, the others on their own, in step with
 * it through a gate: the engine opens the gate for a loop (or for quitting), and waits
 * until every thread has finished that loop. */
struct client_team {
	struct client_worker *workers;
	struct conn *conns;
	uint32_t nthreads;
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
		worker_run_loop(m->w, loop);
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

static uint64_t team_fds_needed(const struct client_opts *o)
{
	return (uint64_t)o->conns + 2 * (uint64_t)o->threads; /* epoll set and a margin each */
}

static int team_open(struct client_engine *e)
{
	const struct client_opts *o = e->o;
	struct client_team *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return errno;
	e->state = t;
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->go, NULL);
	pthread_cond_init(&t->done, NULL);
	t->nthreads = o->threads ? o->threads : 1;
	t->conns = calloc(o->conns, sizeof(*t->conns));
	t->workers = calloc(t->nthreads, sizeof(*t->workers));
	t->members = calloc(t->nthreads, sizeof(*t->members));
	for (uint32_t i = 0; t->workers && i < t->nthreads; i++)
		t->workers[i].epfd = -1; /* worker_free may run on any of them */
	if (t->conns == NULL || t->workers == NULL || t->members == NULL)
		return errno;
	for (uint32_t i = 0; i < t->nthreads; i++) {
		uint64_t first = (uint64_t)o->conns * i / t->nthreads;
		uint64_t next = (uint64_t)o->conns * (i + 1) / t->nthreads;
		if (worker_init(&t->workers[i], o, t->conns, (uint32_t)first, (uint32_t)(next - first),
				e->payload) < 0)
			return errno;
	}
	return 0;
}

static void team_stop(struct client_engine *e)
{
	struct client_team *t = e->state;
	team_open_gate(t, 0, 1);
	threads_join(&t->threads);
}

static int team_start(struct client_engine *e)
{
	struct client_team *t = e->state;
	for (uint32_t i = 0; i < t->nthreads; i++)
		t->members[i] = (struct team_member){t, &t->workers[i]};
	int rc = threads_start(&t->threads, t->nthreads, team_thread, t->members,
			       sizeof(*t->members), "client");
	if (rc < 0)
		team_stop(e);
	return rc;
}

/* Run one loop on every worker and merge their results into res. */
static void team_run_loop(struct client_engine *e, uint32_t loop, struct loop_result *res)
{
	struct client_team *t = e->state;
	uint64_t start = clock_now_ns();
	team_open_gate(t, loop, 0);
	worker_run_loop(&t->workers[0], loop);
	pthread_mutex_lock(&t->mu);
	while (t->finished < t->threads.started - 1)
		pthread_cond_wait(&t->done, &t->mu);
	pthread_mutex_unlock(&t->mu);
	for (uint32_t i = 0; i < t->nthreads; i++)
		loop_result_add(res, &t->workers[i].res);
	res->elapsed_ns = clock_now_ns() - start;
}

static void team_close(struct client_engine *e)
{
	struct client_team *t = e->state;
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

const struct client_strategy client_team_strategy = {
	.name = "concurrent",
	.fds_needed = team_fds_needed,
	.open = team_open,
	.start = team_start,
	.run_loop = team_run_loop,
	.stop = team_stop,
	.close = team_close,
};
