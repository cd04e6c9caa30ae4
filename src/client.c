/* The client: each loop opens CONNS non-blocking connections at once, sends the payload
 * over each, checks the echo byte for byte, closes in the chosen order, and counts each
 * connection exactly once, as finished or as failed by stage and errno. */
#include "client.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "fdlimit.h"
#include "kcounters.h"
#include "loopstats.h"
#include "report.h"
#include "signals.h"
#include "sockutil.h"
#include "tw_wait.h"
#include "twtest.h"

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

/* Apply the requested socket options; returns 0 or errno. */
static int conn_set_options(int fd, const struct client_opts *o)
{
	int err = 0;
	if (o->reuseport)
		err = sock_set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1);
	if (!err && o->reuseaddr)
		err = sock_set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	if (!err && o->linger)
		err = sock_set_linger_rst(fd);
	if (!err && o->bind_no_port)
		err = sock_set_int(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1);
	if (!err && o->port_hi)
		err = sock_set_int(fd, IPPROTO_IP, IP_LOCAL_PORT_RANGE,
				   (int)((uint32_t)o->port_hi << 16 | o->port_lo));
	return err;
}

static void conn_start(struct client_worker *w, struct conn *c)
{
	const struct client_opts *o = w->o;
	c->sent = c->rcvd = 0;
	c->start_us = loop_now_us(w);
	c->state = CONN_CONNECTING;
	w->open++;

	c->fd = socket(o->dst.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return conn_fail(w, c, STAGE_SOCKET, errno);
	int err = conn_set_options(c->fd, o);
	if (err)
		return conn_fail(w, c, STAGE_SOCKOPT, err);
	if (o->bind_name) {
		struct endpoint src; /* round-robin over the --bind addresses */
		addrlist_get(&o->binds, w->first + (uint64_t)(c - w->conns), &src);
		if (bind(c->fd, (const struct sockaddr *)&src.addr, src.len) < 0)
			return conn_fail(w, c, STAGE_BIND, errno);
	}
	/* Not retried on EADDRNOTAVAIL: running out of ports is what we measure. */
	if (connect(c->fd, (const struct sockaddr *)&o->dst.addr, o->dst.len) < 0 &&
	    errno != EINPROGRESS)
		return conn_fail(w, c, STAGE_CONNECT, errno);
	/* Edge-triggered, registered once: no epoll_ctl per state change. */
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		return conn_fail(w, c, STAGE_SOCKET, errno);
}

/* Send what is left of the payload; returns -1 if the connection failed. */
static int conn_send(struct client_worker *w, struct conn *c)
{
	uint32_t len = w->o->payload;
	while (c->sent < len) {
		ssize_t k = send(c->fd, w->payload + c->sent, len - c->sent, MSG_NOSIGNAL);
		if (k < 0) {
			if (errno == EAGAIN)
				return 0;
			if (errno == EINTR)
				continue;
			conn_fail(w, c, STAGE_WRITE, errno);
			return -1;
		}
		c->sent += (uint32_t)k;
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
		ssize_t k = recv(c->fd, w->buf, w->buflen, 0);
		if (k > 0) {
			if (c->state == CONN_DRAIN || (uint64_t)c->rcvd + (uint64_t)k > len)
				return conn_fail(w, c, STAGE_ECHO, ECHO_EXTRA);
			if (memcmp(w->buf, w->payload + c->rcvd, (size_t)k) != 0)
				return conn_fail(w, c, STAGE_ECHO, ECHO_MISMATCH);
			c->rcvd += (uint32_t)k;
			if (c->rcvd == len && !conn_echoed(w, c))
				return;
			continue;
		}
		if (k == 0) {
			if (c->state == CONN_DRAIN)
				return conn_finish(w, c);
			return conn_fail(w, c, STAGE_ECHO, ECHO_SHORT);
		}
		if (errno == EAGAIN)
			return;
		if (errno != EINTR)
			return conn_fail(w, c, STAGE_READ, errno);
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

/* The payload: a pattern with period 251 (a prime), so a lost, doubled or reordered
 * chunk shows up as a mismatch unless it moves by a multiple of 251 bytes. */
static unsigned char *make_payload(uint32_t len)
{
	unsigned char *p = malloc(len);
	for (uint32_t i = 0; p && i < len; i++)
		p[i] = (unsigned char)(i % 251);
	return p;
}

/* Sleep between loops; a stop signal ends the pause early (the stop eventfd is in epfd). */
static void pause_ms(int epfd, uint32_t ms)
{
	struct epoll_event ev;
	uint64_t end = clock_now_ns() + (uint64_t)ms * 1000000;
	for (uint64_t now; !signals_stop_requested() && (now = clock_now_ns()) < end;)
		epoll_pwait(epfd, &ev, 1, (int)((end - now + 999999) / 1000000), signals_wait_mask());
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

/* Threads beyond the first run loops in step with it: start together, end together. */
struct client_team {
	struct client_worker *workers;
	uint32_t nthreads;
	uint32_t loop;
	int quit;
	pthread_barrier_t start, end;
};

struct team_member {
	struct client_team *team;
	struct client_worker *w;
};

static void *team_thread(void *arg)
{
	struct team_member *m = arg;
	for (;;) {
		pthread_barrier_wait(&m->team->start);
		if (m->team->quit)
			return NULL;
		worker_run_loop(m->w, m->team->loop);
		pthread_barrier_wait(&m->team->end);
	}
}

/* Run one loop on every worker and merge their results into res. */
static void team_run_loop(struct client_team *t, uint32_t loop, struct loop_result *res)
{
	uint64_t start = clock_now_ns();
	t->loop = loop;
	if (t->nthreads > 1)
		pthread_barrier_wait(&t->start);
	worker_run_loop(&t->workers[0], loop);
	if (t->nthreads > 1)
		pthread_barrier_wait(&t->end);
	memset(res, 0, sizeof(*res));
	for (uint32_t i = 0; i < t->nthreads; i++)
		loop_result_add(res, &t->workers[i].res);
	res->loop = loop;
	res->elapsed_ns = clock_now_ns() - start;
}

#define SETTLE_MAX_MS 1000 /* bound of the wait for a loop's closes to settle */

/* Before a loop with --wait-clear: wait for TIME_WAIT toward the destination to drain. */
static void loop_wait_clear(const struct report *rep, const struct sockdiag_filter *f,
			    uint32_t loop, struct loop_result *wc)
{
	int rc = tw_wait_clear(f, (uint64_t)rep->opts->wait_clear_timeout_s * 1000,
			       &wc->wait_clear_left, &wc->wait_clear_ns);
	if (rc < 0 || rc == TW_WAIT_INTERRUPTED)
		return;
	wc->measured |= MEASURED_WAIT_CLEAR;
	report_wait_clear(rep, loop, wc->wait_clear_ns, wc->wait_clear_left, rc == TW_WAIT_TIMEOUT);
}

/* After a loop: once its closes have settled (bounded), the TIME_WAIT sockets toward the
 * destination, and the kernel counters' deltas since `before`. */
static void loop_observe(const struct sockdiag_filter *f, const struct kcounters *before,
			 struct loop_result *res)
{
	struct tcp_states st;
	int rc = tw_settle(f, SETTLE_MAX_MS, &st);
	if (rc >= 0 && rc != TW_WAIT_INTERRUPTED) {
		res->time_wait = st.n[TCPS_TIME_WAIT];
		res->measured |= MEASURED_TIME_WAIT;
	}
	struct kcounters after;
	if (before->present && kcounters_read(&after) == 0)
		kcounters_delta(before, &after, &res->kernel);
}

/* Run the loops on a ready team, reporting each; returns the exit status. */
static int client_loops(struct client_team *team, const struct client_opts *o, FILE *out)
{
	struct report rep = {.out = out, .opts = o};
	sysctl_read_net(&rep.sys);
	report_header(&rep);

	struct sockdiag_filter tw_filter = {.port = o->port, .end = PORT_REMOTE, .remote = &o->dst.addr};
	struct loop_result total, res, wc;
	memset(&total, 0, sizeof(total));
	uint32_t done = 0;
	for (uint32_t loop = 0; loop < o->loops && !signals_stop_requested(); loop++) {
		if (loop > 0 && o->interval_ms)
			pause_ms(team->workers[0].epfd, o->interval_ms);
		memset(&wc, 0, sizeof(wc));
		if (o->wait_clear && !signals_stop_requested())
			loop_wait_clear(&rep, &tw_filter, loop, &wc);
		if (signals_stop_requested())
			break;
		struct kcounters before;
		if (!o->no_observe)
			kcounters_read(&before);
		team_run_loop(team, loop, &res);
		if (!o->no_observe)
			loop_observe(&tw_filter, &before, &res);
		res.measured |= wc.measured;
		res.wait_clear_ns = wc.wait_clear_ns;
		res.wait_clear_left = wc.wait_clear_left;
		report_loop(&rep, &res);
		loop_result_add(&total, &res);
		done++;
		if (ferror(out))
			break; /* the output is gone (closed pipe): do not run on blind */
	}
	int sig = signals_stop_requested();
	report_summary(&rep, &total, done, sig != 0);
	if (ferror(out)) {
		fprintf(stderr, "twtest client: cannot write the output; stopped after loop %u\n",
			done ? done - 1 : 0);
		return EXIT_SETUP;
	}
	if (sig)
		return 128 + sig;
	if (o->fail_on_error && total.failed)
		return EXIT_FAILURES;
	return EXIT_RAN;
}

int client_run(const struct client_opts *o, FILE *out)
{
	signals_install();
	/* stdio, the epoll sets and a margin besides the connections themselves */
	uint64_t need = (uint64_t)o->conns + 16 + 2 * o->threads;
	uint64_t limit = fdlimit_raise(need);
	if (limit < need) {
		fprintf(stderr,
			"twtest client: CONNS %u needs %llu open files but RLIMIT_NOFILE is %llu; "
			"raise it first (ulimit -n %llu; as root the hard limit can rise up to fs.nr_open)\n",
			o->conns, (unsigned long long)need, (unsigned long long)limit,
			(unsigned long long)need);
		return EXIT_SETUP;
	}

	int rc = EXIT_SETUP;
	uint32_t nt = o->threads ? o->threads : 1;
	struct client_team team = {.nthreads = nt};
	struct conn *conns = calloc(o->conns, sizeof(*conns));
	unsigned char *payload = make_payload(o->payload);
	struct team_member *members = calloc(nt, sizeof(*members));
	pthread_t *tids = calloc(nt, sizeof(*tids));
	team.workers = calloc(nt, sizeof(*team.workers));
	uint32_t ready = 0, started = 0;
	if (conns && payload && members && tids && team.workers) {
		for (; ready < nt; ready++) {
			uint64_t first = (uint64_t)o->conns * ready / nt;
			uint64_t next = (uint64_t)o->conns * (ready + 1) / nt;
			if (worker_init(&team.workers[ready], o, conns, (uint32_t)first,
					(uint32_t)(next - first), payload) < 0) {
				worker_free(&team.workers[ready]);
				break;
			}
		}
	}
	if (ready < nt) {
		fprintf(stderr, "twtest client: cannot allocate the run's state: %s\n", strerror(errno));
		goto out;
	}
	if (nt > 1) {
		pthread_barrier_init(&team.start, NULL, nt);
		pthread_barrier_init(&team.end, NULL, nt);
		for (started = 1; started < nt; started++) {
			members[started] = (struct team_member){&team, &team.workers[started]};
			int err = pthread_create(&tids[started], NULL, team_thread, &members[started]);
			if (err) {
				fprintf(stderr, "twtest client: cannot start thread %u: %s\n", started,
					strerror(err));
				break;
			}
		}
		if (started < nt)
			goto stop_threads;
	}

	rc = client_loops(&team, o, out);

stop_threads:
	if (nt > 1 && started == nt) {
		/* The threads wait at the start barrier: release them to quit. */
		team.quit = 1;
		pthread_barrier_wait(&team.start);
		for (uint32_t i = 1; i < nt; i++)
			pthread_join(tids[i], NULL);
		pthread_barrier_destroy(&team.start);
		pthread_barrier_destroy(&team.end);
	}
	/* If a thread could not start, the barrier can never fill: the threads that did start
	 * stay blocked in it and end with the process, which exits with EXIT_SETUP. */
out:
	for (uint32_t i = 0; i < ready; i++)
		worker_free(&team.workers[i]);
	free(team.workers);
	free(tids);
	free(members);
	free(conns);
	free(payload);
	return rc;
}
