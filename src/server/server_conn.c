/* The server's connections (include/server/server_conn.h): the pool they come from in
 * chunks, the deadline lists they sit in, how they end, and the switch on their state that
 * takes their epoll events and runs the read loop the protocols share. */
#include "server/server_conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/sockutil.h"
#include "server/server_loop.h"

#define CONNS_PER_CHUNK 1024

struct sconn_chunk {
	struct sconn_chunk *next;
	struct sconn conns[CONNS_PER_CHUNK];
};

struct sconn *sconn_alloc(struct server *s)
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

void sconn_release(struct server *s, struct sconn *c)
{
	c->idle.next = s->free_list;
	s->free_list = c;
}

/* The link of c that list l runs through: the idle, the timer or the delay one. */
static struct sconn_link *link_of(struct server *s, struct sconn_list *l, struct sconn *c)
{
	return l == &s->idle ? &c->idle : l == &s->timers ? &c->timer : &c->delay;
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

void sconn_touch(struct server *s, struct sconn *c)
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

void sconn_close(struct server *s, struct sconn *c, uint64_t *reason, int rst)
{
	if (rst)
		sock_set_linger_rst(c->fd);
	close(c->fd);
	(*reason)++;
	list_unlink(s, &s->idle, c);
	if (s->o->close_after_ms > 0)
		list_unlink(s, &s->timers, c);
	if (c->delayed)
		list_unlink(s, &s->delays, c);
	free(c->pending);
	sconn_release(s, c);
	s->st.active--;
	__atomic_sub_fetch(&s->sh->active, 1, __ATOMIC_RELAXED);
}

void sconn_fail(struct server *s, struct sconn *c, int err)
{
	sconn_close(s, c, err == ECONNRESET || err == EPIPE ? &s->st.resets : &s->st.errors, 0);
}

int sconn_write_text(struct server *s, struct sconn *c, const char *text, uint32_t len)
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

void sconn_peer_eof(struct server *s, struct sconn *c)
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
		c->state = SC_KEPT_OPEN;
		return;
	}
}

void sconn_want_out(struct server *s, struct sconn *c, int on)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET | (on ? EPOLLOUT : 0u),
				 .data.ptr = c};
	epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

void sconn_open(struct server *s, struct sconn *c)
{
	idle_append(s, c);
	if (s->proto->open)
		s->proto->open(c);
	if (!s->o->greeting && s->o->close_after_ms < 0)
		return;
	/* The close scenarios: greet, then close at once or arm the --close-after timer. */
	if (s->o->greeting && sconn_write_text(s, c, s->o->greeting, s->o->greeting_len) < 0)
		return;
	if (s->o->close_after_ms == 0)
		sconn_close(s, c, &s->st.closed_timer, s->o->close_mode == SERVER_CLOSE_RST);
	else if (s->o->close_after_ms > 0)
		timer_append(s, c);
}

/* The read loop's handler: activity, then the protocol's answer. */
struct sconn_io {
	struct server *s;
	struct sconn *c;
};

static int sconn_input(void *ctx, const unsigned char *buf, size_t n)
{
	struct sconn_io *io = ctx;
	sconn_touch(io->s, io->c);
	return io->s->proto->input(io->s, io->c, buf, n);
}

void sconn_read(struct server *s, struct sconn *c)
{
	struct sconn_io io = {s, c};
	int err;
	switch (sock_read_loop(c->fd, s->buf, SERVER_BUF_SIZE, sconn_input, &io, &err)) {
	case SOCK_READ_AGAIN:
	case SOCK_READ_STOPPED:
		return;
	case SOCK_READ_FAILED:
		sconn_fail(s, c, err);
		return;
	case SOCK_READ_EOF:
		if (c->state == SC_LINGERING) /* the client's FIN after ours: done */
			sconn_close(s, c, &s->st.closed_first, 0);
		else
			sconn_peer_eof(s, c);
		return;
	}
}

void sconn_event(struct server *s, struct sconn *c, uint32_t events)
{
	switch ((enum sconn_state)c->state) {
	case SC_KEPT_OPEN:
		if (events & EPOLLERR)
			sconn_fail(s, c, sock_error(c->fd));
		return;
	case SC_WRITING:
	case SC_WRITING_EOF:
		if (events & (EPOLLRDHUP | EPOLLHUP))
			c->state = SC_WRITING_EOF; /* close once the output is out, not before */
		if (events & EPOLLERR) {
			sconn_fail(s, c, sock_error(c->fd));
			return;
		}
		if ((events & EPOLLOUT) && s->proto->flush(s, c) == 0)
			sconn_read(s, c);
		return;
	case SC_READING:
	case SC_DRAINING:
	case SC_LINGERING:
		if ((events & EPOLLERR) && s->proto->error_first) {
			sconn_fail(s, c, sock_error(c->fd));
			return;
		}
		if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			sconn_read(s, c);
		return;
	}
}

/* Our FIN after a closing reply, then read on until the client's (SC_LINGERING); RST
 * with --close rst. -1 when c was closed. */
static int send_fin(struct server *s, struct sconn *c)
{
	if (s->o->close_mode == SERVER_CLOSE_RST) {
		sconn_close(s, c, &s->st.closed_rst, 1);
		return -1;
	}
	if (shutdown(c->fd, SHUT_WR) < 0) {
		sconn_fail(s, c, errno);
		return -1;
	}
	c->state = SC_LINGERING;
	return 0;
}

int sconn_reply_closed(struct server *s, struct sconn *c)
{
	switch (s->o->reply_close) {
	case SERVER_REPLY_CLOSE_NOW:
		break;
	case SERVER_REPLY_CLOSE_DELAY:
		/* one delay for all: appends come in deadline order */
		c->fin_at_ns = clock_now_ns() + s->o->reply_close_ns;
		c->delayed = 1;
		list_append(s, &s->delays, c);
		/* fall through */
	case SERVER_REPLY_CLOSE_NEVER:
		c->state = SC_DRAINING;
		return 0;
	}
	return send_fin(s, c);
}

int64_t sconn_expire_delays(struct server *s)
{
	if (s->delays.oldest == NULL)
		return -1;
	uint64_t now = clock_now_ns();
	struct sconn *c;
	while ((c = s->delays.oldest) && c->fin_at_ns <= now) {
		list_unlink(s, &s->delays, c);
		c->delayed = 0;
		send_fin(s, c);
	}
	return c ? (int64_t)(c->fin_at_ns - now) : -1;
}

int sconn_expire_idle(struct server *s)
{
	uint32_t idle = s->o->idle_timeout_ms;
	if (idle == 0)
		return -1;
	struct sconn *c;
	while ((c = s->idle.oldest) && c->last_ms + idle <= s->now_ms)
		sconn_close(s, c, &s->st.closed_idle, 1);
	return c ? (int)(c->last_ms + idle - s->now_ms) : -1;
}

int sconn_expire_timers(struct server *s)
{
	if (s->o->close_after_ms <= 0)
		return -1;
	int rst = s->o->close_mode == SERVER_CLOSE_RST;
	struct sconn *c;
	while ((c = s->timers.oldest) && c->close_at_ms <= s->now_ms)
		sconn_close(s, c, &s->st.closed_timer, rst);
	return c ? (int)(c->close_at_ms - s->now_ms) : -1;
}

void sconn_free_all(struct server *s)
{
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
}
