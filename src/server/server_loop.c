/* A server thread's event loop (include/server/server_loop.h): accept on its listeners
 * (with --max-conns and a back-off when descriptors run out), the connections' deadlines,
 * and their events, until a stop signal. */
#include "server/server_loop.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/epoll_ns.h"
#include "lib/signals.h"
#include "lib/sockutil.h"

#define ACCEPT_BACKOFF_MS 100 /* pause accepting this long when descriptors run out */
#define EVENTS_PER_WAIT 256

/* The stop eventfd's epoll tag: connections and listeners use their struct's address. */
static char stop_tag;

void server_stats_add(struct server_stats *dst, const struct server_stats *src)
{
	for (int i = 0; i < SERVER_STATS_COUNT; i++)
		dst->all[i] += src->all[i];
}

_Static_assert(sizeof(struct server_stats) == SERVER_STATS_COUNT * sizeof(uint64_t),
	       "server_stats: every counter is one of all[]");

/* Is an epoll tag one of this thread's listeners? */
static int is_listener(const struct server *s, const void *tag)
{
	uintptr_t t = (uintptr_t)tag, first = (uintptr_t)s->ls;
	return t >= first && t < first + s->nls * sizeof(*s->ls);
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

/* One more open connection in the shared count: the peak follows. */
static void peak_update(struct server *s, uint32_t now_open)
{
	uint32_t peak = __atomic_load_n(&s->sh->peak, __ATOMIC_RELAXED);
	while (now_open > peak &&
	       !__atomic_compare_exchange_n(&s->sh->peak, &peak, now_open, 1, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED)) {
	}
}

/* fd, just accepted on l: a connection, or refused (RST) above --max-conns. */
static void server_take(struct server *s, struct listener *l, int fd)
{
	uint32_t now_open = __atomic_add_fetch(&s->sh->active, 1, __ATOMIC_RELAXED);
	struct sconn *c = now_open <= s->max_conns ? sconn_alloc(s) : NULL;
	if (c == NULL) {
		__atomic_sub_fetch(&s->sh->active, 1, __ATOMIC_RELAXED);
		/* RST: a refused connection leaves no TIME_WAIT on the server. */
		sock_set_linger_rst(fd);
		close(fd);
		s->st.refused++;
		return;
	}
	c->fd = fd;
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.ptr = c};
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		__atomic_sub_fetch(&s->sh->active, 1, __ATOMIC_RELAXED);
		close(fd);
		sconn_release(s, c);
		s->st.errors++;
		return;
	}
	s->st.accepted++;
	l->accepted++;
	s->st.active++;
	peak_update(s, now_open);
	sconn_open(s, c);
}

static void server_accept(struct server *s, struct listener *l)
{
	for (;;) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			server_take(s, l, fd);
			continue;
		}
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
}

static int min_timeout(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

/* epoll_pwait with a timeout of timeout ms, or fin_ns ns if that comes first (the
 * --reply-close delays are below a millisecond: epoll_pwait2 where the kernel has it,
 * 5.11 on; else rounded up to a millisecond). -1: no deadline. */
static int loop_wait(struct server *s, struct epoll_event *evs, int timeout, int64_t fin_ns)
{
	if (fin_ns < 0 || (timeout >= 0 && (int64_t)timeout * 1000000 <= fin_ns))
		return epoll_pwait(s->epfd, evs, EVENTS_PER_WAIT, timeout, signals_wait_mask());
	return epoll_wait_ns(s->epfd, evs, EVENTS_PER_WAIT, fin_ns, signals_wait_mask());
}

void server_loop(struct server *s)
{
	struct epoll_event evs[EVENTS_PER_WAIT];
	while (!signals_stop_requested()) {
		s->now_ms = clock_now_ns() / 1000000;
		if (s->resume_ms && s->now_ms >= s->resume_ms)
			listener_resume(s);
		int timeout = min_timeout(sconn_expire_idle(s), sconn_expire_timers(s));
		if (s->resume_ms)
			timeout = min_timeout(timeout, (int)(s->resume_ms - s->now_ms));
		int n = loop_wait(s, evs, timeout, sconn_expire_delays(s));
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

void *server_thread(void *arg)
{
	server_loop(arg);
	return NULL;
}

int server_loop_init(struct server *s)
{
	s->buf = malloc(SERVER_BUF_SIZE);
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

void server_loop_free(struct server *s)
{
	sconn_free_all(s); /* what is still open: no descriptor leaks */
	free(s->buf);
	if (s->epfd >= 0)
		close(s->epfd);
	for (uint32_t i = 0; s->ls && i < s->nls; i++)
		if (s->ls[i].fd >= 0)
			close(s->ls[i].fd);
	free(s->ls);
}
