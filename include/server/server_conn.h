/* The server's connections (src/server/server_conn.c): a connection's state, its pool, its
 * places in the deadline lists (idle order, --close-after order, --reply-close order), how it ends (counted by
 * cause), and the one switch that takes its epoll events; and the protocol it speaks,
 * chosen once per run as a table of functions (echo: src/server/server_echo.c, http:
 * src/server/server_http_conn.c). */
#ifndef TWTEST_SERVER_CONN_H
#define TWTEST_SERVER_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "server/server_http.h"

#define SERVER_BUF_SIZE 65536 /* one read; also the most an echo may have pending */

struct server;
struct sconn;

/* Where a connection is. Which events matter, and what a FIN means, follow from it. */
enum sconn_state {
	SC_READING,     /* reading (echo: bytes to send back; http: requests) */
	SC_WRITING,     /* output waits for EPOLLOUT; nothing is read meanwhile (back-pressure) */
	SC_WRITING_EOF, /* the same, and the client's FIN came: act on it once the output is out */
	SC_DRAINING,    /* http: a closing reply is out, our FIN not yet (--reply-close never
			 * or DELAY): reading and dropping until the client's FIN (the client
			 * closed first) or the delay's end (then our FIN: SC_LINGERING) */
	SC_LINGERING,   /* http: our FIN went after a closing reply; reading and dropping until
			 * the client's (closing with unread bytes would send RST, which can
			 * destroy the reply before the client read it: nginx's lingering close) */
	SC_KEPT_OPEN,   /* --on-eof ignore|write: the client's FIN seen, the socket stays open;
			 * only an error is news now (the client's RST) */
};

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
	uint8_t state;           /* enum sconn_state */
	uint32_t echoed;
	uint32_t pend_off, pend_len;
	unsigned char *pending;  /* unsent echo, at most SERVER_BUF_SIZE bytes */
	uint64_t last_ms;        /* last activity, for --idle-timeout */
	struct sconn_link idle;  /* idle order, oldest first; idle.next also links the free list */
	uint64_t close_at_ms;    /* --close-after deadline */
	struct sconn_link timer; /* --close-after order (accept order), oldest first */
	uint64_t fin_at_ns;      /* --reply-close DELAY: when our FIN goes (SC_DRAINING) */
	struct sconn_link delay; /* --reply-close DELAY order, oldest first */
	uint8_t delayed;         /* in that list */
	struct http_conn http;   /* --protocol http: requests parsed, replies owed */
};

/* What a protocol does with a connection's bytes; the event switch (sconn_event) and the
 * read loop call it, never asking which protocol runs. */
struct sconn_proto {
	/* A new connection (NULL: nothing to set up). */
	void (*open)(struct sconn *c);
	/* n bytes the client sent: answer them. 0 to read on; -1 when c was closed or its
	 * output waits for EPOLLOUT (state SC_WRITING). */
	int (*input)(struct server *s, struct sconn *c, const unsigned char *buf, size_t n);
	/* Send the output that waits (after EPOLLOUT). 0 once it is out and reading goes on;
	 * -1 when c was closed or the socket is still full. */
	int (*flush)(struct server *s, struct sconn *c);
	/* On EPOLLERR while reading: fail at once (http), or read what is queued first (echo). */
	uint8_t error_first;
};

extern const struct sconn_proto server_echo_proto;
extern const struct sconn_proto server_http_proto;

/* A connection from the pool (zeroed), or NULL when out of memory; sconn_release gives
 * back one that was never opened. */
struct sconn *sconn_alloc(struct server *s);
void sconn_release(struct server *s, struct sconn *c);

/* Accepted connection c on fd: into the idle order, its protocol set up, then the close
 * scenario's start (greeting, --close-after). */
void sconn_open(struct server *s, struct sconn *c);

/* Mark activity: c moves to the young end of the idle order. */
void sconn_touch(struct server *s, struct sconn *c);

/* Close c, with RST if rst, and count why (one of s->st's counters). */
void sconn_close(struct server *s, struct sconn *c, uint64_t *reason, int rst);

/* Close c after a failure with errno err (a reset, or another error). */
void sconn_fail(struct server *s, struct sconn *c, int err);

/* The client's FIN: close (the default), or keep the socket open (--on-eof). */
void sconn_peer_eof(struct server *s, struct sconn *c);

/* Ask for EPOLLOUT (on) or not: only while output waits, or every ACK would wake the loop. */
void sconn_want_out(struct server *s, struct sconn *c, int on);

/* Write a short text (greeting, --on-eof=write) that fits the socket buffer; -1 if c
 * failed and was closed. */
int sconn_write_text(struct server *s, struct sconn *c, const char *text, uint32_t len);

/* A closing reply is out (http): our FIN now, after --reply-close's delay, or never (wait
 * for the client's); RST at once with --close rst. -1 when c was closed. */
int sconn_reply_closed(struct server *s, struct sconn *c);

/* c's epoll events. */
void sconn_event(struct server *s, struct sconn *c, uint32_t events);

/* Read until the socket is empty, the FIN, or until the protocol stops; also after the
 * output was flushed (edge-triggered: what queued up meanwhile raises no new edge). */
void sconn_read(struct server *s, struct sconn *c);

/* Close connections past --idle-timeout (RST) and --close-after; each returns the ms
 * until its next deadline, or -1 when there is none. */
int sconn_expire_idle(struct server *s);
int sconn_expire_timers(struct server *s);

/* Send the FINs whose --reply-close delay has passed; the ns until the next one, or -1. */
int64_t sconn_expire_delays(struct server *s);

/* Close every connection still open and free the pool. */
void sconn_free_all(struct server *s);

#endif
