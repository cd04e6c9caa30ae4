/* The echo server: every byte read is written back in order until the peer's EOF, with
 * back-pressure (a connection is not read while its echo is still pending), bounded
 * connections (--max-conns), an idle deadline, and a back-off when descriptors run out.
 * With several --port values, each thread listens on every port. With --threads N, each
 * thread owns a SO_REUSEPORT listener per port, an epoll set and counters; only the count
 * of open connections (for --max-conns) is shared. */
#include "server/server.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/fdlimit.h"
#include "lib/signals.h"
#include "lib/sockutil.h"
#include "lib/sysctl.h"
#include "lib/tcpstates_report.h"
#include "lib/threads.h"
#include "lib/twtest.h"
#include "server/server_http.h"

#define ECHO_BUF_SIZE 65536      /* also the most a connection may have pending */
#define ACCEPT_BACKOFF_MS 100    /* pause accepting this long when descriptors run out */
#define FD_RESERVE 32            /* descriptors kept free beside --max-conns (and per thread:
				  * its epoll set and a listener per port) */
#define CONNS_PER_CHUNK 1024
#define NOFILE_WANT (1u << 20)   /* without --max-conns: as many descriptors as root may get */

struct sconn;

/* A connection's place in one of the server's lists. */
struct sconn_link {
	struct sconn *prev, *next;
};

/* A list of connections ordered by a deadline, oldest first (appends come in time order). */
struct sconn_list {
	struct sconn *oldest, *newest;
};

struct sconn {
	int fd;
	uint8_t eof;            /* the peer's FIN arrived while an echo was pending */
	uint8_t kept_open;      /* --on-eof ignore|write: EOF seen, the socket stays open */
	uint32_t echoed;
	uint32_t pend_off, pend_len;
	unsigned char *pending; /* unsent echo, at most ECHO_BUF_SIZE bytes */
	uint64_t last_ms;       /* last activity, for --idle-timeout */
	struct sconn_link idle;  /* idle order, oldest first; idle.next also links the free list */
	uint64_t close_at_ms;   /* --close-after deadline */
	struct sconn_link timer; /* --close-after order (accept order), oldest first */
	uint8_t want_out;        /* --protocol http: replies wait for EPOLLOUT */
	uint8_t lingering;       /* --protocol http: FIN sent after a closing reply; reading
				  * on until the client's */
	struct http_conn http;   /* --protocol http: requests parsed, replies owed */
};

struct sconn_chunk {
	struct sconn_chunk *next;
	struct sconn conns[CONNS_PER_CHUNK];
};

struct server_stats {
	uint64_t accepted, refused, bytes, resets, errors;
	uint64_t closed_eof, closed_first, closed_rst, closed_idle;
	uint64_t accept_backoffs;
	uint64_t closed_timer;  /* closed by --close-after */
	uint64_t bytes_sent;    /* everything written: echo, greeting, --on-eof=write */
	uint32_t active, peak;
};

/* What the threads share: the open-connection count that --max-conns bounds. */
struct server_shared {
	uint32_t active; /* atomic */
	uint32_t peak;   /* atomic */
};

/* One listening socket of a thread; epoll's data.ptr points at it. */
struct listener {
	int fd;
	uint64_t accepted;
};

struct server {
	const struct server_opts *o;
	struct server_shared *sh;
	struct listener *ls;    /* one per --port, in the order given */
	uint32_t nls;
	int epfd;
	uint32_t max_conns;
	uint64_t now_ms;
	uint64_t resume_ms;     /* accepting is paused until then; 0: not paused */
	struct sconn *free_list;
	struct sconn_chunk *chunks;
	struct sconn_list idle;   /* by last activity, for --idle-timeout */
	struct sconn_list timers; /* by accept time, for --close-after */
	unsigned char *buf;
	struct server_stats st;
	const struct http_replies *replies; /* --protocol http */
	struct http_server_stats http;
};

/* The stop eventfd's epoll tag: connections and listeners use their struct's address. */
static char stop_tag;

/* Is an epoll tag one of this thread's listeners? */
static int is_listener(const struct server *s, const void *tag)
{
	uintptr_t t = (uintptr_t)tag, first = (uintptr_t)s->ls;
	return t >= first && t < first + s->nls * sizeof(*s->ls);
}

static struct sconn *sconn_alloc(struct server *s)
{
	if (s->free_list == NULL) {
		struct sconn_chunk *ch = malloc(sizeof(*ch));
		if (ch == NULL)
			return NULL;
		ch->next = s->chunks;
		s->chunks = ch;
		for (int i = 0; i < CONNS_PER_CHUNK; i++) {
			ch->conns[i].idle.next = s->free_list;
			s->free_list = &ch->conns[i];
		}
	}
	struct sconn *c = s->free_list;
	s->free_list = c->idle.next;
	memset(c, 0, sizeof(*c));
	return c;
}

/* The link of c that list l runs through: the idle or the timer one. */
static struct sconn_link *link_of(struct server *s, struct sconn_list *l, struct sconn *c)
{
	return l == &s->idle ? &c->idle : &c->timer;
}

static void list_unlink(struct server *s, struct sconn_list *l, struct sconn *c)
{
	struct sconn_link *k = link_of(s, l, c);
	if (k->prev)
		link_of(s, l, k->prev)->next = k->next;
	else
		l->oldest = k->next;
	if (k->next)
		link_of(s, l, k->next)->prev = k->prev;
	else
		l->newest = k->prev;
	k->prev = k->next = NULL;
}

static void list_append(struct server *s, struct sconn_list *l, struct sconn *c)
{
	struct sconn_link *k = link_of(s, l, c);
	k->prev = l->newest;
	k->next = NULL;
	if (l->newest)
		link_of(s, l, l->newest)->next = c;
	else
		l->oldest = c;
	l->newest = c;
}

static void idle_append(struct server *s, struct sconn *c)
{
	c->last_ms = s->now_ms;
	list_append(s, &s->idle, c);
}

/* Mark activity: the connection moves to the young end of the idle order. */
static void sconn_touch(struct server *s, struct sconn *c)
{
	if (s->idle.newest != c) {
		list_unlink(s, &s->idle, c);
		idle_append(s, c);
	} else {
		c->last_ms = s->now_ms;
	}
}

/* --close-after: every connection is in the timer list, in accept order. */
static void timer_append(struct server *s, struct sconn *c)
{
	c->close_at_ms = s->now_ms + (uint64_t)s->o->close_after_ms;
	list_append(s, &s->timers, c);
}

/* Close a connection, optionally with RST, and count why. */
static void sconn_close(struct server *s, struct sconn *c, uint64_t *reason, int rst)
{
	if (rst)
		sock_set_linger_rst(c->fd);
	close(c->fd);
	(*reason)++;
	list_unlink(s, &s->idle, c);
	if (s->o->close_after_ms > 0)
		list_unlink(s, &s->timers, c);
	free(c->pending);
	c->idle.next = s->free_list;
	s->free_list = c;
	s->st.active--;
	__atomic_sub_fetch(&s->sh->active, 1, __ATOMIC_RELAXED);
}

static void sconn_fail(struct server *s, struct sconn *c, int err)
{
	sconn_close(s, c, err == ECONNRESET || err == EPIPE ? &s->st.resets : &s->st.errors, 0);
}

/* After an echo: close if --close=first|rst and the payload has gone back. Returns -1
 * if the connection was closed. */
static int sconn_maybe_close_first(struct server *s, struct sconn *c)
{
	enum server_close mode = s->o->close_mode;
	if (mode == SERVER_CLOSE_WAIT || c->echoed < s->o->payload)
		return 0;
	if (mode == SERVER_CLOSE_RST)
		sconn_close(s, c, &s->st.closed_rst, 1);
	else
		sconn_close(s, c, &s->st.closed_first, 0);
	return -1;
}

/* Write a short scenario text (greeting, --on-eof=write); it fits the socket buffer.
 * Returns -1 if the connection failed and was closed. */
static int sconn_write_text(struct server *s, struct sconn *c, const char *text, uint32_t len)
{
	size_t sent = 0;
	int err;
	enum io_result r = sock_send(c->fd, text, len, &sent, &err);
	s->st.bytes_sent += sent;
	if (r == IO_FAILED) {
		sconn_fail(s, c, err);
		return -1;
	}
	return 0;
}

/* The client's EOF: close (the default), or keep the socket open (--on-eof). */
static void sconn_peer_eof(struct server *s, struct sconn *c)
{
	switch (s->o->on_eof) {
	case SERVER_EOF_CLOSE:
		sconn_close(s, c, &s->st.closed_eof, 0);
		return;
	case SERVER_EOF_WRITE:
		if (sconn_write_text(s, c, s->o->eof_text, s->o->eof_text_len) < 0)
			return;
		/* fall through */
	case SERVER_EOF_IGNORE:
		c->kept_open = 1;
		return;
	}
}

/* Ask for EPOLLOUT only while an echo is pending: a writable edge after every ACK would
 * otherwise wake the loop once more per connection for nothing. */
static void sconn_want_out(struct server *s, struct sconn *c, int on)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET | (on ? EPOLLOUT : 0u),
				 .data.ptr = c};
	epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Count n echoed bytes. */
static void sconn_echoed(struct server *s, struct sconn *c, size_t n)
{
	c->echoed += (uint32_t)n;
	s->st.bytes += n;
	s->st.bytes_sent += n;
}

/* Keep the part of an echo the socket did not take, and wait for EPOLLOUT to send it. */
static void sconn_hold(struct server *s, struct sconn *c, const unsigned char *rest, size_t n)
{
	c->pending = malloc(n);
	if (c->pending == NULL) {
		sconn_fail(s, c, ENOMEM);
		return;
	}
	memcpy(c->pending, rest, n);
	c->pend_off = 0;
	c->pend_len = (uint32_t)n;
	sconn_want_out(s, c, 1);
}

/* --protocol http: send the replies owed. Returns 0 to go on reading, -1 when the
 * connection was closed (a closing reply went out with --close rst, or the client's EOF
 * came before) or must wait for EPOLLOUT. After a closing reply the server sends its FIN
 * (shutdown) and reads on until the client's, dropping what comes: closing with unread
 * bytes would send RST, which can destroy the reply before the client read it (nginx's
 * lingering close). The server still closes first and holds the TIME_WAIT. */
static int sconn_http_flush(struct server *s, struct sconn *c)
{
	int err;
	enum io_result r = http_conn_output(&c->http, s->replies, c->fd, &s->st.bytes_sent, &err,
					    &s->http);
	if (r == IO_FAILED) {
		sconn_fail(s, c, err);
		return -1;
	}
	if (r == IO_AGAIN) {
		if (!c->want_out)
			sconn_want_out(s, c, 1);
		c->want_out = 1;
		return -1;
	}
	if (c->want_out)
		sconn_want_out(s, c, 0);
	c->want_out = 0;
	if (c->eof) {
		sconn_peer_eof(s, c);
		return -1;
	}
	if (http_conn_closing(&c->http) && !c->lingering) {
		if (s->o->close_mode == SERVER_CLOSE_RST) {
			sconn_close(s, c, &s->st.closed_rst, 1);
			return -1;
		}
		if (shutdown(c->fd, SHUT_WR) < 0) {
			sconn_fail(s, c, errno);
			return -1;
		}
		c->lingering = 1;
	}
	return 0;
}

/* --protocol http: read requests until EAGAIN or EOF and answer them in order; while
 * replies wait for the socket, nothing more is read (back-pressure, as for the echo). */
static void sconn_http_readable(struct server *s, struct sconn *c)
{
	if (c->want_out)
		return;
	int close_each = s->o->close_mode != SERVER_CLOSE_WAIT;
	for (;;) {
		size_t k;
		int err;
		switch (sock_recv(c->fd, s->buf, ECHO_BUF_SIZE, &k, &err)) {
		case IO_AGAIN:
			return;
		case IO_FAILED:
			sconn_fail(s, c, err);
			return;
		case IO_DONE:
			break;
		}
		if (k == 0) {
			if (c->lingering)
				sconn_close(s, c, &s->st.closed_first, 0);
			else
				sconn_peer_eof(s, c);
			return;
		}
		sconn_touch(s, c);
		http_conn_input(&c->http, (const char *)s->buf, k, close_each, &s->http);
		if (sconn_http_flush(s, c) < 0)
			return;
	}
}

/* --protocol http: a connection's events. */
static void sconn_http_event(struct server *s, struct sconn *c, uint32_t events)
{
	if (events & EPOLLERR) {
		sconn_fail(s, c, sock_error(c->fd));
		return;
	}
	if (c->want_out) {
		if (events & (EPOLLRDHUP | EPOLLHUP))
			c->eof = 1; /* close once the replies are out, not before */
		if ((events & EPOLLOUT) && sconn_http_flush(s, c) == 0)
			sconn_http_readable(s, c); /* edge-triggered: read what queued up */
		return;
	}
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))
		sconn_http_readable(s, c);
}

/* Read and echo until EAGAIN, EOF, or until the echo cannot be written. */
static void sconn_readable(struct server *s, struct sconn *c)
{
	if (c->pend_len)
		return; /* back-pressure: read again once the pending echo is out */
	for (;;) {
		size_t k, w = 0;
		int err;
		switch (sock_recv(c->fd, s->buf, ECHO_BUF_SIZE, &k, &err)) {
		case IO_AGAIN:
			return;
		case IO_FAILED:
			sconn_fail(s, c, err);
			return;
		case IO_DONE:
			break;
		}
		if (k == 0) {
			sconn_peer_eof(s, c);
			return;
		}
		sconn_touch(s, c);
		enum io_result r = sock_send(c->fd, s->buf, k, &w, &err);
		sconn_echoed(s, c, w);
		if (r == IO_FAILED) {
			sconn_fail(s, c, err);
			return;
		}
		if (r == IO_AGAIN) {
			sconn_hold(s, c, s->buf + w, k - w); /* EPOLLOUT resumes */
			return;
		}
		if (sconn_maybe_close_first(s, c) < 0)
			return;
	}
}

/* Send the pending echo; once it is out, read again. */
static void sconn_writable(struct server *s, struct sconn *c)
{
	size_t off = c->pend_off;
	int err;
	enum io_result r = sock_send(c->fd, c->pending, c->pend_len, &off, &err);
	sconn_echoed(s, c, off - c->pend_off);
	c->pend_off = (uint32_t)off;
	if (r == IO_FAILED) {
		sconn_fail(s, c, err);
		return;
	}
	if (r == IO_AGAIN)
		return;
	free(c->pending);
	c->pending = NULL;
	c->pend_off = c->pend_len = 0;
	sconn_want_out(s, c, 0);
	if (c->eof) {
		sconn_peer_eof(s, c);
		return;
	}
	if (sconn_maybe_close_first(s, c) < 0)
		return;
	/* Edge-triggered: data that queued up meanwhile raises no new edge. */
	sconn_readable(s, c);
}

static void sconn_event(struct server *s, struct sconn *c, uint32_t events)
{
	if (s->replies) {
		sconn_http_event(s, c, events);
		return;
	}
	if (c->kept_open) {
		/* Only an error is news now: the client's RST answering --on-eof=write. */
		if (events & EPOLLERR)
			sconn_fail(s, c, sock_error(c->fd));
		return;
	}
	if (c->pend_len) {
		if (events & (EPOLLRDHUP | EPOLLHUP))
			c->eof = 1; /* close once the echo is out, not before */
		if (events & EPOLLERR) {
			sconn_fail(s, c, sock_error(c->fd));
			return;
		}
		if (events & EPOLLOUT)
			sconn_writable(s, c);
		return;
	}
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		sconn_readable(s, c);
}

/* Watch every listener of the thread for EPOLLIN (on) or for nothing (off). */
static void listeners_watch(struct server *s, int on)
{
	for (uint32_t i = 0; i < s->nls; i++) {
		struct epoll_event ev = {.events = on ? EPOLLIN : 0u, .data.ptr = &s->ls[i]};
		epoll_ctl(s->epfd, EPOLL_CTL_MOD, s->ls[i].fd, &ev);
	}
}

static void listener_pause(struct server *s)
{
	listeners_watch(s, 0);
	s->resume_ms = s->now_ms + ACCEPT_BACKOFF_MS;
	s->st.accept_backoffs++;
}

static void listener_resume(struct server *s)
{
	listeners_watch(s, 1);
	s->resume_ms = 0;
}

/* A new connection under the close-scenario options: greet, then close at once or arm
 * the --close-after timer. */
static void sconn_scenario_start(struct server *s, struct sconn *c)
{
	if (s->o->greeting && sconn_write_text(s, c, s->o->greeting, s->o->greeting_len) < 0)
		return;
	if (s->o->close_after_ms == 0)
		sconn_close(s, c, &s->st.closed_timer, s->o->close_mode == SERVER_CLOSE_RST);
	else if (s->o->close_after_ms > 0)
		timer_append(s, c);
}

static void server_accept(struct server *s, struct listener *l)
{
	for (;;) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN)
				return;
			if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				listener_pause(s); /* not spinning on a level-triggered listener */
				return;
			}
			s->st.errors++;
			return;
		}
		uint32_t now_open = __atomic_add_fetch(&s->sh->active, 1, __ATOMIC_RELAXED);
		struct sconn *c = now_open <= s->max_conns ? sconn_alloc(s) : NULL;
		if (c == NULL) {
			__atomic_sub_fetch(&s->sh->active, 1, __ATOMIC_RELAXED);
			/* RST: a refused connection leaves no TIME_WAIT on the server. */
			sock_set_linger_rst(fd);
			close(fd);
			s->st.refused++;
			continue;
		}
		c->fd = fd;
		struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.ptr = c};
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			__atomic_sub_fetch(&s->sh->active, 1, __ATOMIC_RELAXED);
			close(fd);
			c->idle.next = s->free_list;
			s->free_list = c;
			s->st.errors++;
			continue;
		}
		idle_append(s, c);
		if (s->replies)
			http_conn_init(&c->http);
		s->st.accepted++;
		l->accepted++;
		s->st.active++;
		uint32_t peak = __atomic_load_n(&s->sh->peak, __ATOMIC_RELAXED);
		while (now_open > peak &&
		       !__atomic_compare_exchange_n(&s->sh->peak, &peak, now_open, 1, __ATOMIC_RELAXED,
						    __ATOMIC_RELAXED)) {
		}
		if (s->o->greeting || s->o->close_after_ms >= 0)
			sconn_scenario_start(s, c);
	}
}

/* Close connections idle past the deadline; returns ms until the next deadline or -1. */
static int server_expire_idle(struct server *s)
{
	uint32_t idle = s->o->idle_timeout_ms;
	if (idle == 0)
		return -1;
	struct sconn *c;
	while ((c = s->idle.oldest) && c->last_ms + idle <= s->now_ms)
		sconn_close(s, c, &s->st.closed_idle, 1);
	return c ? (int)(c->last_ms + idle - s->now_ms) : -1;
}

/* Close connections whose --close-after time has come; returns ms until the next, or -1. */
static int server_expire_timers(struct server *s)
{
	if (s->o->close_after_ms <= 0)
		return -1;
	int rst = s->o->close_mode == SERVER_CLOSE_RST;
	struct sconn *c;
	while ((c = s->timers.oldest) && c->close_at_ms <= s->now_ms)
		sconn_close(s, c, &s->st.closed_timer, rst);
	return c ? (int)(c->close_at_ms - s->now_ms) : -1;
}

static int min_timeout(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

static void server_loop(struct server *s)
{
	struct epoll_event evs[256];
	while (!signals_stop_requested()) {
		s->now_ms = clock_now_ns() / 1000000;
		if (s->resume_ms && s->now_ms >= s->resume_ms)
			listener_resume(s);
		int timeout = min_timeout(server_expire_idle(s), server_expire_timers(s));
		if (s->resume_ms)
			timeout = min_timeout(timeout, (int)(s->resume_ms - s->now_ms));
		int n = epoll_pwait(s->epfd, evs, 256, timeout, signals_wait_mask());
		s->now_ms = clock_now_ns() / 1000000;
		for (int i = 0; i < n; i++) {
			if (is_listener(s, evs[i].data.ptr))
				server_accept(s, evs[i].data.ptr);
			else if (evs[i].data.ptr == &stop_tag)
				continue; /* the loop condition sees the stop */
			else
				sconn_event(s, evs[i].data.ptr, evs[i].events);
		}
	}
}

/* A socket for the listening address: the first listener (again == NULL) picks --bind, or
 * [::] with IPV6_V6ONLY off (IPv4 too), or 0.0.0.0 where IPv6 is disabled; later ones (more
 * ports, more threads) take the address the first one got and their port. Returns the fd
 * or -1 (errno). */
static int listener_socket(const struct server_opts *o, const struct endpoint *again,
			   struct endpoint *ep)
{
	int dual = !o->bind_name;
	if (again)
		*ep = *again;
	else if (o->bind_name)
		*ep = o->bind;
	else
		parse_ip_literal("::", o->port, ep, &(const char *){NULL});
	int fd = socket(ep->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0 && dual && ep->addr.ss_family == AF_INET6 &&
	    sock_set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0) != 0) {
		close(fd);
		fd = -1;
	}
	if (fd < 0 && dual && !again) {
		parse_ip_literal("0.0.0.0", o->port, ep, &(const char *){NULL});
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	}
	return fd;
}

/* The likely cause of a bind() error, for its message. */
static const char *bind_error_cause(int err, int reuseaddr)
{
	if (err == EADDRINUSE)
		return reuseaddr ? "; another socket is listening on or bound to that port"
				 : "; another listener, or TIME_WAIT connections of an earlier run, hold "
				   "that port (without SO_REUSEADDR a restart must wait up to 60 s; drop "
				   "--no-reuseaddr)";
	if (err == EADDRNOTAVAIL)
		return "; that address is not configured on this host";
	if (err == EACCES)
		return "; ports below 1024 need CAP_NET_BIND_SERVICE";
	return "";
}

/* Options, bind and listen on fd; on failure print why and return -1. */
static int listen_one(const struct server_opts *o, int fd, const struct endpoint *ep,
		      uint32_t backlog, int reuseport)
{
	char name[80];
	endpoint_str(ep, name, sizeof(name));
	if (o->reuseaddr)
		sock_set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	int err = reuseport ? sock_set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1) : 0;
	if (err) {
		fprintf(stderr, "twtest server: SO_REUSEPORT on %s: %s\n", name, strerror(err));
		return -1;
	}
	if (bind(fd, (const struct sockaddr *)&ep->addr, ep->len) < 0) {
		err = errno;
		fprintf(stderr, "twtest server: cannot bind %s: %s (%s)%s\n", name, strerror(err),
			strerrorname_np(err), bind_error_cause(err, o->reuseaddr));
		return -1;
	}
	if (listen(fd, (int)backlog) < 0) {
		fprintf(stderr, "twtest server: listen on %s: %s\n", name, strerror(errno));
		return -1;
	}
	return 0;
}

/* Open a listener (see listener_socket) and put the address it got in *bound; on failure
 * print why and return -1. reuseport: SO_REUSEPORT, so that the threads' listeners share
 * the port and the kernel spreads new connections over them. */
static int server_listen(const struct server_opts *o, uint32_t backlog, int reuseport,
			 const struct endpoint *again, struct endpoint *bound)
{
	struct endpoint ep;
	int fd = listener_socket(o, again, &ep);
	if (fd < 0) {
		char name[80];
		fprintf(stderr, "twtest server: socket for %s: %s\n",
			endpoint_str(&ep, name, sizeof(name)), strerror(errno));
		return -1;
	}
	if (listen_one(o, fd, &ep, backlog, reuseport) < 0) {
		close(fd);
		return -1;
	}
	bound->len = sizeof(bound->addr);
	getsockname(fd, (struct sockaddr *)&bound->addr, &bound->len);
	return fd;
}

/* --protocol http: requests parsed and responses sent by status, over every thread. */
static void server_print_http(const struct server *servers, uint32_t n, FILE *out)
{
	struct http_server_stats h = {0};
	for (uint32_t i = 0; i < n; i++) {
		h.requests += servers[i].http.requests;
		for (int k = 0; k < REPLY_COUNT; k++)
			h.responses[k] += servers[i].http.responses[k];
	}
	uint64_t by_status[REPLY_COUNT] = {0};
	for (int k = 0; k < REPLY_COUNT; k++)
		by_status[k == REPLY_CLOSE ? REPLY_KEEP : k] += h.responses[k];
	fprintf(out, "twtest server: http: requests=%" PRIu64 " responses:", h.requests);
	int any = 0;
	for (int k = 0; k < REPLY_COUNT; k++)
		if (by_status[k]) {
			fprintf(out, " %u=%" PRIu64, http_reply_status((enum http_reply)k), by_status[k]);
			any = 1;
		}
	fputs(any ? "\n" : " none\n", out);
}

/* The threads' counters added up; peak and open connections come from the shared count. */
static void server_print_summary(const struct server *servers, uint32_t n, FILE *out)
{
	struct server_stats st = {0};
	for (uint32_t i = 0; i < n; i++) {
		const struct server_stats *t = &servers[i].st;
		st.accepted += t->accepted;
		st.refused += t->refused;
		st.bytes += t->bytes;
		st.resets += t->resets;
		st.errors += t->errors;
		st.closed_eof += t->closed_eof;
		st.closed_first += t->closed_first;
		st.closed_rst += t->closed_rst;
		st.closed_idle += t->closed_idle;
		st.accept_backoffs += t->accept_backoffs;
		st.active += t->active;
		st.closed_timer += t->closed_timer;
		st.bytes_sent += t->bytes_sent;
	}
	st.peak = n ? servers[0].sh->peak : 0;
	fprintf(out,
		"twtest server: summary: accepted=%" PRIu64 " refused=%" PRIu64 " bytes_echoed=%" PRIu64
		" resets=%" PRIu64 " errors=%" PRIu64 " closed_after_eof=%" PRIu64
		" closed_first=%" PRIu64 " closed_rst=%" PRIu64 " closed_idle=%" PRIu64
		" closed_after_delay=%" PRIu64 " bytes_sent=%" PRIu64
		" accept_backoffs=%" PRIu64 " peak_concurrent=%" PRIu32 " open_at_exit=%" PRIu32 "\n",
		st.accepted, st.refused, st.bytes, st.resets, st.errors, st.closed_eof,
		st.closed_first, st.closed_rst, st.closed_idle, st.closed_timer, st.bytes_sent,
		st.accept_backoffs, st.peak, st.active);
	if (n && servers[0].replies)
		server_print_http(servers, n, out);
	if (n > 1) {
		/* How SO_REUSEPORT spread the connections over the threads' listeners. */
		fputs("twtest server: accepted_per_thread=", out);
		for (uint32_t i = 0; i < n; i++)
			fprintf(out, "%s%" PRIu64, i ? "," : "", servers[i].st.accepted);
		fputc('\n', out);
	}
	if (n && servers[0].nls > 1) {
		/* How the clients spread their connections over the ports. */
		fputs("twtest server: accepted_per_port=", out);
		for (uint32_t k = 0; k < servers[0].nls; k++) {
			uint64_t sum = 0;
			for (uint32_t i = 0; i < n; i++)
				sum += servers[i].ls[k].accepted;
			fprintf(out, "%s%u:%" PRIu64, k ? "," : "", portlist_get(&servers[0].o->ports, k), sum);
		}
		fputc('\n', out);
	}
	fflush(out);
}

/* The kernel's count of sockets by state with the listening port as their own port, at
 * exit: what the server side holds (TIME_WAIT with --close=first, for instance). */
static void server_print_states(uint16_t port, FILE *out)
{
	struct sockdiag_filter f = {.family = AF_UNSPEC, .port = port, .end = PORT_LOCAL};
	struct tcp_states st;
	int rc = sockdiag_count(&f, TCPF_ALL, &st);
	if (rc < 0) {
		fprintf(out, "twtest server: states on port %u: unavailable (sock_diag: %s)\n", port,
			sockdiag_strerror(rc));
	} else {
		fprintf(out, "twtest server: states on port %u:", port);
		report_states_inline(out, &st);
		fputc('\n', out);
	}
	fflush(out);
}

static void server_free(struct server *s)
{
	/* Close what is still open, so that no descriptor leaks. */
	for (struct sconn *c; (c = s->idle.oldest) != NULL;) {
		list_unlink(s, &s->idle, c);
		close(c->fd);
		free(c->pending);
	}
	while (s->chunks) {
		struct sconn_chunk *next = s->chunks->next;
		free(s->chunks);
		s->chunks = next;
	}
	free(s->buf);
	if (s->epfd >= 0)
		close(s->epfd);
	for (uint32_t i = 0; s->ls && i < s->nls; i++)
		if (s->ls[i].fd >= 0)
			close(s->ls[i].fd);
	free(s->ls);
}

/* A thread's event loop: its buffer, epoll set with its listeners and the stop eventfd.
 * Returns 0, or -1 with errno set. */
static int server_init_loop(struct server *s)
{
	s->buf = malloc(ECHO_BUF_SIZE);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event stop = {.events = EPOLLIN, .data.ptr = &stop_tag};
	if (s->buf == NULL || s->epfd < 0 ||
	    (signals_stop_fd() >= 0 &&
	     epoll_ctl(s->epfd, EPOLL_CTL_ADD, signals_stop_fd(), &stop) < 0))
		return -1;
	for (uint32_t i = 0; i < s->nls; i++) {
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &s->ls[i]};
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->ls[i].fd, &ev) < 0)
			return -1;
	}
	return 0;
}

static void *server_thread(void *arg)
{
	server_loop(arg);
	return NULL;
}

/* What the run's settings come to on this host: descriptors, --max-conns, backlog. */
struct server_limits {
	uint64_t nofile;
	uint32_t max_conns;
	uint32_t backlog;
};

static void server_limits(const struct server_opts *o, uint32_t nt, struct server_limits *l)
{
	uint32_t reserve = FD_RESERVE + nt * (1 + o->ports.total);
	l->nofile = fdlimit_raise(o->max_conns ? (uint64_t)o->max_conns + reserve : NOFILE_WANT);
	l->max_conns = o->max_conns;
	if (l->max_conns == 0 || (uint64_t)l->max_conns + reserve > l->nofile)
		l->max_conns = l->nofile > 2 * (uint64_t)reserve ? (uint32_t)(l->nofile - reserve) : reserve;
	long somaxconn = sysctl_read_long("/proc/sys/net/core/somaxconn");
	l->backlog = o->backlog ? o->backlog : somaxconn > 0 ? (uint32_t)somaxconn : 4096;
}

/* Thread t's listener on every port. Thread 0 chooses the address with its first port
 * (listener_socket) and keeps it for the others; later threads bind what thread 0 got
 * (a port 0 included). bound[] holds one address per port. Returns 0, or -1 after saying
 * why. */
static int server_listen_all(struct server *s, uint32_t t, uint32_t backlog, int reuseport,
			     struct endpoint *bound)
{
	const struct server_opts *o = s->o;
	s->ls = malloc(o->ports.total * sizeof(*s->ls));
	if (s->ls == NULL) {
		fprintf(stderr, "twtest server: out of memory\n");
		return -1;
	}
	for (s->nls = 0; s->nls < o->ports.total; s->nls++) {
		uint32_t k = s->nls;
		struct endpoint again, got;
		const struct endpoint *ap = NULL; /* thread 0, first port: listener_socket picks */
		if (t) {
			again = bound[k];
			ap = &again;
		} else if (k) {
			again = bound[0];
			endpoint_set_port(&again, portlist_get(&o->ports, k));
			ap = &again;
		}
		int fd = server_listen(o, backlog, reuseport, ap, &got);
		if (fd < 0)
			return -1;
		s->ls[k] = (struct listener){.fd = fd};
		if (t == 0)
			bound[k] = got;
	}
	return 0;
}

/* Listeners and an event loop for each of the nt threads; *ready says how many were
 * made (each to be freed). Returns 0, or -1 after saying why. */
static int servers_open(const struct server_opts *o, const struct server_limits *l,
			struct server_shared *sh, struct server *servers, uint32_t nt,
			uint32_t *ready, struct endpoint *bound, const struct http_replies *replies)
{
	for (*ready = 0; *ready < nt; (*ready)++) {
		struct server *s = &servers[*ready];
		*s = (struct server){.o = o, .sh = sh, .epfd = -1, .max_conns = l->max_conns,
				     .replies = replies};
		if (server_listen_all(s, *ready, l->backlog, nt > 1, bound) < 0) {
			(*ready)++; /* free the listeners it made */
			return -1;
		}
		if (server_init_loop(s) < 0) {
			fprintf(stderr, "twtest server: cannot set up the event loop: %s\n", strerror(errno));
			(*ready)++; /* free this one too */
			return -1;
		}
	}
	return 0;
}

/* "twtest server: listening on ADDR:PORT" with every port: "ADDR:P1,P2,..." when several. */
static void server_print_listening(const struct server_opts *o, const struct server_limits *l,
				   uint32_t nt, const struct endpoint *bound, FILE *out)
{
	char name[80];
	fprintf(out, "twtest server: listening on %s", endpoint_str(&bound[0], name, sizeof(name)));
	for (uint32_t k = 1; k < o->ports.total; k++)
		fprintf(out, ",%u", endpoint_port(&bound[k]));
	fprintf(out,
		"%s close=%s payload=%" PRIu32 " reuseaddr=%d"
		" backlog=%" PRIu32 " max_conns=%" PRIu32 " idle_timeout_ms=%" PRIu32
		" nofile=%llu threads=%" PRIu32 " pid=%ld%s\n",
		o->bind_name ? "" : (bound->addr.ss_family == AF_INET6 ? " (IPv4 and IPv6)" : " (IPv4)"),
		server_close_names[o->close_mode], o->payload, o->reuseaddr, l->backlog, l->max_conns,
		o->idle_timeout_ms, (unsigned long long)l->nofile, nt, (long)getpid(),
		o->protocol == SERVER_PROTO_HTTP ? " protocol=http" : "");
	fflush(out);
}

/* Serve until a stop signal on every thread; returns the exit status. When a thread
 * cannot start, the ones that did are stopped (src/lib/threads.c's policy). */
static int servers_serve(struct server *servers, uint32_t nt)
{
	struct thread_set ts;
	int rc = threads_start(&ts, nt, server_thread, servers, sizeof(*servers), "server");
	if (rc == 0)
		server_loop(&servers[0]);
	else
		signals_request_stop(); /* wakes the threads that started */
	threads_join(&ts);
	return rc == 0 ? EXIT_RAN : EXIT_SETUP;
}

int server_run(const struct server_opts *o, FILE *out)
{
	signals_install();
	uint32_t nt = o->threads ? o->threads : 1;
	struct server_limits lim;
	server_limits(o, nt, &lim);
	struct server_shared shared = {0};
	struct server *servers = calloc(nt, sizeof(*servers));
	if (servers == NULL) {
		fprintf(stderr, "twtest server: out of memory\n");
		return EXIT_SETUP;
	}
	int rc = EXIT_SETUP;
	uint32_t ready = 0;
	struct http_replies replies = {0};
	int http = o->protocol == SERVER_PROTO_HTTP;
	struct endpoint *bound = calloc(o->ports.total, sizeof(*bound));
	if (bound == NULL || (http && http_replies_init(&replies, o->payload) != 0)) {
		fprintf(stderr, "twtest server: out of memory\n");
	} else if (servers_open(o, &lim, &shared, servers, nt, &ready, bound,
				http ? &replies : NULL) == 0) {
		server_print_listening(o, &lim, nt, bound, out);
		rc = servers_serve(servers, nt);
	}
	if (rc == EXIT_RAN) {
		server_print_summary(servers, nt, out);
		for (uint32_t k = 0; k < o->ports.total; k++)
			server_print_states(endpoint_port(&bound[k]), out);
	}
	for (uint32_t i = 0; i < ready; i++)
		server_free(&servers[i]);
	http_replies_free(&replies);
	free(bound);
	free(servers);
	return rc;
}
