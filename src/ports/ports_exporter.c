/* `twtest ports --listen`: a Prometheus exporter (include/ports/ports_exporter.h). One
 * thread, one epoll set, non-blocking sockets: GET /metrics answers the text exposition
 * format from the sample cache (ports_scrape.c), / a page linking to it, other paths 404,
 * other methods 405. Requests go through the project's HTTP parser (lib/http_parse.c),
 * which bounds the head (431); each connection has a deadline (a request must arrive whole
 * within HEAD_MS of its first byte, a reply be taken within SEND_MS), so a slow client only
 * ever holds its own slot; when every slot is taken the least recently active connection
 * makes room. Nothing is written per scrape; SIGINT/SIGTERM end it with status 0. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/http_parse.h"
#include "lib/signals.h"
#include "lib/twtest.h"
#include "ports/ports_exporter.h"

#define MAX_CONNS 64     /* scrapers served at once */
#define IN_CAP 4096      /* bytes read ahead of the parser */
#define LINE_CAP 1024    /* the request line kept for its method and target (longer: 414) */
#define HEAD_MS 10000    /* a request must arrive whole within this of its first byte */
#define IDLE_MS 120000   /* a kept-alive connection may wait this long for its next request */
#define SEND_MS 30000    /* a reply must be taken within this */
#define DRAIN_MS 1000    /* after an error reply: read what the client still sends, then close */
#define MS 1000000ull

int ports_parse_listen(const char *s, struct endpoint *out, const char **why)
{
	char host[64] = "0.0.0.0";
	const char *port = s;
	const char *colon = strrchr(s, ':');
	if (colon) {
		size_t n = (size_t)(colon - s);
		if (n > 0 && s[0] == '[') {
			if (n < 3 || s[n - 1] != ']' || n - 2 >= sizeof(host)) {
				*why = "an IPv6 address is written [ADDR]:PORT";
				return -1;
			}
			memcpy(host, s + 1, n - 2);
			host[n - 2] = '\0';
		} else if (n > 0) {
			if (n >= sizeof(host) || memchr(s, ':', n)) {
				*why = n >= sizeof(host) ? "address too long" : "an IPv6 address is written [ADDR]:PORT";
				return -1;
			}
			memcpy(host, s, n);
			host[n] = '\0';
		}
		port = colon + 1;
	}
	uint64_t p;
	if (parse_u64(port, 0, 65535, &p, why) < 0)
		return -1;
	return parse_ip_literal(host, (uint16_t)p, out, why);
}

enum conn_state { C_FREE, C_READ, C_SEND, C_DRAIN };

struct conn {
	int fd;
	uint8_t state;        /* enum conn_state */
	uint8_t close_after;  /* close once the reply is sent */
	uint8_t line_done, line_long;
	uint64_t deadline_ns, active_ns;
	struct http_parser req;
	size_t line_len, in_len;
	char line[LINE_CAP];
	char in[IN_CAP];
	char head[256];
	size_t head_len, off;  /* the reply is head then body; off: bytes of it sent */
	const char *body;
	size_t body_len;
	struct scrape_body *ref; /* the body's reference when it is a scrape's */
};

/* epoll tags of the two descriptors that are not connections */
static char listen_tag, stop_tag;

struct exporter {
	int ep, lfd;
	struct scrape_cache cache;
	struct conn conns[MAX_CONNS];
};

static const char index_page[] =
	"<!DOCTYPE html>\n<html><head><title>twtest ports exporter</title></head>\n<body>\n"
	"<h1>twtest ports exporter</h1>\n"
	"<p>Ephemeral ports in use and free per (source, destination, port), new TIME_WAIT a "
	"second and the seconds until the range runs out (docs/monitoring.md).</p>\n"
	"<p><a href=\"/metrics\">Metrics</a></p>\n</body></html>\n";

static void conn_close(struct exporter *x, struct conn *c)
{
	epoll_ctl(x->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	scrape_body_unref(c->ref);
	c->ref = NULL;
	c->state = C_FREE;
}

static void conn_watch(struct exporter *x, struct conn *c, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = c};
	epoll_ctl(x->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Wait for the next request on c. */
static void conn_reset(struct conn *c, uint64_t now)
{
	http_parser_init(&c->req, HTTP_REQUEST, HTTP_MAX_REQUEST_HEAD);
	c->line_len = 0;
	c->line_done = c->line_long = 0;
	c->state = C_READ;
	c->deadline_ns = now + IDLE_MS * MS;
}

/* Set up the reply; HEAD requests get the head alone. */
static void reply(struct conn *c, const char *status, const char *type, const char *body,
		  size_t len, int head_only, const char *extra)
{
	c->head_len = (size_t)snprintf(c->head, sizeof(c->head),
				       "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s%s\r\n",
				       status, type, len, extra, c->close_after ? "Connection: close\r\n" : "");
	c->body = head_only ? "" : body;
	c->body_len = head_only ? 0 : len;
	c->off = 0;
}

static void reply_plain(struct conn *c, const char *status, const char *text, const char *extra)
{
	reply(c, status, "text/plain; charset=utf-8", text, strlen(text), 0, extra);
}

/* The request line "METHOD TARGET HTTP/1.x" decides the reply. */
static void dispatch(struct exporter *x, struct conn *c, uint64_t now)
{
	if (c->line_long) {
		c->close_after = 1;
		reply_plain(c, "414 URI Too Long", "request target too long\n", "");
		return;
	}
	c->line[c->line_len] = '\0';
	char *sp = strchr(c->line, ' ');
	char *target = sp ? sp + 1 : c->line;
	size_t mlen = sp ? (size_t)(sp - c->line) : 0;
	size_t tlen = strcspn(target, " ?");
	int get = mlen == 3 && memcmp(c->line, "GET", 3) == 0;
	int head = mlen == 4 && memcmp(c->line, "HEAD", 4) == 0;
	int metrics = tlen == 8 && memcmp(target, "/metrics", 8) == 0;
	int root = tlen == 1 && target[0] == '/';
	if (!metrics && !root) {
		reply_plain(c, "404 Not Found", "not found: see /metrics\n", "");
	} else if (!get && !head) {
		reply_plain(c, "405 Method Not Allowed", "only GET and HEAD\n", "Allow: GET, HEAD\r\n");
	} else if (root) {
		reply(c, "200 OK", "text/html; charset=utf-8", index_page, sizeof(index_page) - 1,
		      head, "");
	} else {
		struct scrape_body *b = scrape_get(&x->cache, now);
		if (b == NULL) {
			c->close_after = 1;
			reply_plain(c, "503 Service Unavailable", "out of memory\n", "");
			return;
		}
		c->ref = b;
		reply(c, "200 OK", "text/plain; version=0.0.4; charset=utf-8", b->text, b->len, head, "");
	}
}

/* Keep the request line's bytes (they are all the exporter needs of a request). */
static void keep_line(struct conn *c, const char *buf, size_t n)
{
	for (size_t i = 0; i < n && !c->line_done; i++) {
		if (buf[i] == '\r' || buf[i] == '\n')
			c->line_done = 1;
		else if (c->line_len < LINE_CAP - 1)
			c->line[c->line_len++] = buf[i];
		else
			c->line_long = 1;
	}
}

static void conn_send(struct exporter *x, struct conn *c, uint64_t now);

/* Parse what has been read; a whole request starts its reply. */
static void conn_input(struct exporter *x, struct conn *c, uint64_t now)
{
	while (c->in_len && c->state == C_READ) {
		if (c->req.bytes == 0 && c->line_len == 0 && !c->line_done)
			c->deadline_ns = now + HEAD_MS * MS; /* the request's first byte */
		size_t used = 0;
		enum http_result r = http_parse(&c->req, c->in, c->in_len, &used);
		keep_line(c, c->in, used);
		memmove(c->in, c->in + used, c->in_len - used);
		c->in_len -= used;
		if (r == HTTP_MORE)
			return;
		if (r == HTTP_ERROR) {
			c->close_after = 1;
			if (c->req.error == EMSGSIZE)
				reply_plain(c, "431 Request Header Fields Too Large", "request head too large\n", "");
			else
				reply_plain(c, "400 Bad Request", "not an HTTP/1.x request\n", "");
			c->in_len = 0;
		} else {
			c->close_after = !c->req.keep_alive;
			dispatch(x, c, now);
		}
		c->state = C_SEND;
		c->deadline_ns = now + SEND_MS * MS;
		conn_watch(x, c, EPOLLOUT);
		conn_send(x, c, now);
		return;
	}
}

/* Send what the socket takes; when the reply is out, the next request or the close. */
static void conn_send(struct exporter *x, struct conn *c, uint64_t now)
{
	size_t total = c->head_len + c->body_len;
	while (c->off < total) {
		struct iovec iov[2];
		int n = 0;
		if (c->off < c->head_len)
			iov[n++] = (struct iovec){c->head + c->off, c->head_len - c->off};
		size_t boff = c->off > c->head_len ? c->off - c->head_len : 0;
		if (c->body_len > boff)
			iov[n++] = (struct iovec){(char *)c->body + boff, c->body_len - boff};
		struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)n};
		ssize_t k = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EAGAIN)
			return;
		if (k <= 0) {
			conn_close(x, c);
			return;
		}
		c->off += (size_t)k;
	}
	scrape_body_unref(c->ref);
	c->ref = NULL;
	if (c->close_after) {
		/* read what the client still sends before closing, so that the reply is not
		 * lost to an RST */
		shutdown(c->fd, SHUT_WR);
		c->state = C_DRAIN;
		c->deadline_ns = now + DRAIN_MS * MS;
		conn_watch(x, c, EPOLLIN);
		return;
	}
	conn_reset(c, now);
	conn_watch(x, c, EPOLLIN);
	conn_input(x, c, now);
}

static void conn_readable(struct exporter *x, struct conn *c, uint64_t now)
{
	char sink[IN_CAP];
	int drain = c->state == C_DRAIN;
	char *buf = drain ? sink : c->in + c->in_len;
	size_t cap = drain ? sizeof(sink) : IN_CAP - c->in_len;
	ssize_t k;
	do
		k = recv(c->fd, buf, cap, MSG_DONTWAIT);
	while (k < 0 && errno == EINTR);
	if (k < 0 && errno == EAGAIN)
		return;
	if (k <= 0) {
		conn_close(x, c);
		return;
	}
	c->active_ns = now;
	if (drain)
		return;
	c->in_len += (size_t)k;
	conn_input(x, c, now);
}

/* A free slot, or the least recently active connection's, closed for it. */
static struct conn *conn_slot(struct exporter *x)
{
	struct conn *oldest = NULL;
	for (int i = 0; i < MAX_CONNS; i++) {
		struct conn *c = &x->conns[i];
		if (c->state == C_FREE)
			return c;
		if (oldest == NULL || c->active_ns < oldest->active_ns)
			oldest = c;
	}
	conn_close(x, oldest);
	return oldest;
}

static void accept_all(struct exporter *x, uint64_t now)
{
	for (;;) {
		int fd = accept4(x->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return; /* EAGAIN; or EMFILE and the like: the next wake-up retries */
		}
		struct conn *c = conn_slot(x);
		c->fd = fd;
		c->in_len = 0;
		c->close_after = 0;
		c->active_ns = now;
		conn_reset(c, now);
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
		if (epoll_ctl(x->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			c->state = C_FREE;
		}
	}
}

/* Close what is past its deadline; the milliseconds until the next deadline (-1: none). */
static int expire(struct exporter *x, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	for (int i = 0; i < MAX_CONNS; i++) {
		struct conn *c = &x->conns[i];
		if (c->state == C_FREE)
			continue;
		if (c->deadline_ns <= now)
			conn_close(x, c);
		else if (c->deadline_ns < next)
			next = c->deadline_ns;
	}
	return next == UINT64_MAX ? -1 : (int)((next - now) / MS + 1);
}

/* The listening socket, or -1 after a one-line message naming the address. */
static int open_listener(const struct ports_opts *o)
{
	char name[80];
	endpoint_str(&o->listen_addr, name, sizeof(name));
	int fd = socket(o->listen_addr.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (const struct sockaddr *)&o->listen_addr.addr, o->listen_addr.len) < 0 ||
	    listen(fd, 128) < 0) {
		fprintf(stderr, "twtest ports: cannot listen on %s: %s\n", name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	struct endpoint got = {.len = sizeof(got.addr)};
	if (getsockname(fd, (struct sockaddr *)&got.addr, &got.len) == 0)
		endpoint_str(&got, name, sizeof(name));
	fprintf(stderr, "twtest ports: serving http://%s/metrics\n", name);
	return fd;
}

static void serve_loop(struct exporter *x)
{
	int sfd = signals_stop_fd();
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &listen_tag};
	epoll_ctl(x->ep, EPOLL_CTL_ADD, x->lfd, &ev);
	if (sfd >= 0) {
		ev.data.ptr = &stop_tag;
		epoll_ctl(x->ep, EPOLL_CTL_ADD, sfd, &ev);
	}
	while (!signals_stop_requested()) {
		struct epoll_event evs[MAX_CONNS + 2];
		int timeout = expire(x, clock_now_ns());
		int n = epoll_pwait(x->ep, evs, MAX_CONNS + 2, timeout, signals_wait_mask());
		uint64_t now = clock_now_ns();
		for (int i = 0; i < n; i++) {
			void *tag = evs[i].data.ptr;
			struct conn *c = tag;
			if (tag == &listen_tag) {
				accept_all(x, now);
			} else if (tag != &stop_tag && c->state != C_FREE) {
				if (c->state == C_SEND)
					conn_send(x, c, now);
				else
					conn_readable(x, c, now);
			}
		}
	}
}

int ports_serve(const struct ports_opts *o)
{
	signals_install();
	struct exporter *x = calloc(1, sizeof(*x));
	if (x == NULL || scrape_cache_init(&x->cache, o) != 0) {
		fputs("twtest ports: out of memory\n", stderr);
		free(x);
		return EXIT_SETUP;
	}
	x->lfd = open_listener(o);
	x->ep = epoll_create1(EPOLL_CLOEXEC);
	int status = EXIT_SETUP;
	if (x->lfd >= 0 && x->ep >= 0) {
		/* a first sample, so that the first scrape's rates have a previous one */
		scrape_body_unref(scrape_get(&x->cache, clock_now_ns()));
		serve_loop(x);
		status = EXIT_RAN;
	}
	for (int i = 0; i < MAX_CONNS; i++)
		if (x->conns[i].state != C_FREE)
			conn_close(x, &x->conns[i]);
	if (x->lfd >= 0)
		close(x->lfd);
	if (x->ep >= 0)
		close(x->ep);
	scrape_cache_free(&x->cache);
	free(x);
	return status;
}
