/* The sequential strategy of the client engine, for close scenarios (docs/closing.md):
 * connections one after another, each driven through a chosen close order (--read-delay,
 * --on-eof, --close-after, --close-on-data, --source-port) and optionally reported one by
 * one (--report-conns) with what the kernel said. The engine picks it when a scenario
 * option is given. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/client_endpoints.h"
#include "client/client_engine.h"
#include "lib/clock.h"
#include "lib/signals.h"

#define SEQ_BUF_SIZE 65536

/* One connection in progress. */
struct seq_conn {
	const struct client_opts *o;
	int fd;
	uint64_t t0_ms;       /* connect completed */
	int eof_seen;         /* the server's FIN was noticed (POLLRDHUP, or read() == 0) */
	int eof_read;         /* read() returned 0: everything before the FIN was read */
	int reset_early;      /* an RST came right after the handshake, before connect()
			       * was seen to finish; its error was taken by SO_ERROR */
	struct conn_record rec;
};

static uint64_t now_ms(void)
{
	return clock_now_ns() / 1000000;
}

/* Wait for events on fd until deadline_ms (0 events: just sleep); returns revents, 0 on
 * timeout, -1 when a stop signal arrived. */
static int seq_wait(int fd, short events, uint64_t deadline_ms)
{
	uint64_t now = now_ms();
	uint64_t ms = deadline_ms > now ? deadline_ms - now : 0;
	struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000};
	struct pollfd p = {.fd = events ? fd : -1, .events = events};
	int n = ppoll(&p, 1, &ts, signals_wait_mask());
	if (signals_stop_requested())
		return -1;
	return n > 0 ? p.revents : 0;
}

static void seq_fail(struct seq_conn *c, enum fail_stage stage, int detail)
{
	if (!c->rec.failed) {
		c->rec.failed = 1;
		c->rec.stage = stage;
		c->rec.detail = detail;
	}
}

/* Record what the kernel says just before close(), then close. */
static void seq_close(struct seq_conn *c, const char *trigger)
{
	if (c->fd < 0)
		return;
	c->rec.close_trigger = trigger;
	c->rec.close_state = sock_tcp_state(c->fd);
	c->rec.close_unread = sock_unread(c->fd);
	c->rec.close_error = sock_error(c->fd);
	close(c->fd);
	c->fd = -1;
}

/* Wait up to --timeout for a non-blocking connect to finish; returns 0 when connected. */
static int seq_wait_connected(struct seq_conn *c)
{
	int ev = seq_wait(c->fd, POLLOUT, now_ms() + c->o->timeout_ms);
	if (ev < 0) {
		seq_fail(c, STAGE_INTERRUPTED, 0);
		return -1;
	}
	if (ev == 0) {
		seq_fail(c, STAGE_TIMEOUT, WAIT_CONNECT);
		return -1;
	}
	int err = sock_error(c->fd);
	/* ECONNRESET (not ECONNREFUSED) means the handshake finished and an RST came after
	 * it: the connection existed, its data can still be read. */
	if (err == ECONNRESET)
		c->reset_early = 1;
	else if (err) {
		seq_fail(c, STAGE_CONNECT, err);
		return -1;
	}
	return 0;
}

/* Open connection `idx` of the loop and wait until it is connected; returns 0 then. */
static int seq_connect(struct seq_conn *c, uint32_t idx)
{
	enum fail_stage stage;
	int err = client_open(c->o, idx, &c->fd, &stage);
	if (err) {
		seq_fail(c, stage, err);
		return -1;
	}
	if (seq_wait_connected(c) < 0)
		return -1;
	c->rec.local_port = sock_local_port(c->fd);
	return 0;
}

/* Send what is left of the payload; returns -1 on failure. */
static int seq_send(struct seq_conn *c, const unsigned char *payload)
{
	size_t off = c->rec.sent;
	int err;
	enum io_result r = sock_send(c->fd, payload, c->o->payload, &off, &err);
	c->rec.sent = off;
	if (r == IO_FAILED) {
		seq_fail(c, STAGE_WRITE, err);
		return -1;
	}
	return 0;
}

/* The read loop's handler: count what came. */
static int seq_input(void *ctx, const unsigned char *buf, size_t n)
{
	(void)buf;
	((struct seq_conn *)ctx)->rec.rcvd += n;
	return 0;
}

/* Read what is there; returns -1 on a read error. */
static int seq_read(struct seq_conn *c, unsigned char *buf)
{
	int err;
	switch (sock_read_loop(c->fd, buf, SEQ_BUF_SIZE, seq_input, c, &err)) {
	case SOCK_READ_AGAIN:
	case SOCK_READ_STOPPED:
		return 0;
	case SOCK_READ_FAILED:
		seq_fail(c, STAGE_READ, err);
		return -1;
	case SOCK_READ_EOF:
		break;
	}
	if (c->reset_early) {
		seq_fail(c, STAGE_READ, ECONNRESET);
		return -1;
	}
	c->eof_read = 1;
	return 0;
}

/* The server's FIN was seen: note the kernel's view, then act as --on-eof says. Returns 1
 * if the connection is closed. */
static int seq_on_eof(struct seq_conn *c)
{
	c->eof_seen = 1;
	c->rec.eof_state = sock_tcp_state(c->fd);
	c->rec.eof_unread = sock_unread(c->fd);
	switch (c->o->on_eof) {
	case CLIENT_EOF_CLOSE:
		seq_close(c, "eof");
		return 1;
	case CLIENT_EOF_SHUTDOWN:
		if (!c->rec.shut_wr && shutdown(c->fd, SHUT_WR) == 0)
			c->rec.shut_wr = 1;
		return 0;
	case CLIENT_EOF_IGNORE:
		return 0;
	}
	return 0;
}

/* When the triggers of a connection's close fall due, in ms (UINT64_MAX: never). */
struct seq_times {
	uint64_t read_at;  /* --read-delay over: reading starts */
	uint64_t deadline; /* --timeout */
	uint64_t close_at; /* --close-after */
};

/* Close c if a trigger of time is due: --close-after, --timeout, or everything up to the
 * FIN read once reading started. Returns 1 if it closed. */
static int seq_close_due(struct seq_conn *c, const struct seq_times *t, uint64_t now, int reading)
{
	if (now >= t->close_at) {
		seq_close(c, "delay");
		return 1;
	}
	if (now >= t->deadline) {
		seq_fail(c, STAGE_TIMEOUT, c->eof_seen ? WAIT_EOF : WAIT_ECHO);
		seq_close(c, "timeout");
		return 1;
	}
	if (reading && c->eof_read) {
		/* Everything up to the FIN is read: the close the FIN asked for. */
		seq_close(c, "eof");
		return 1;
	}
	return 0;
}

/* Read what came, then close if the options say so: after a read error, on data
 * (--close-on-data), on the whole echo (--close=client); with --close=shutdown,
 * shutdown(SHUT_WR) after the whole echo. Returns 1 if the connection is closed. */
static int seq_on_readable(struct seq_conn *c, unsigned char *buf)
{
	const struct client_opts *o = c->o;
	uint64_t before = c->rec.rcvd;
	const char *trigger = NULL;
	if (seq_read(c, buf) < 0)
		trigger = "error";
	else if (o->close_on_data && c->rec.rcvd > before)
		trigger = "data";
	else if (o->close_mode == CLIENT_CLOSE_CLIENT && o->payload && c->rec.rcvd >= o->payload)
		trigger = "echo";
	if (trigger) {
		seq_close(c, trigger);
		return 1;
	}
	if (o->close_mode == CLIENT_CLOSE_SHUTDOWN && o->payload && !c->rec.shut_wr &&
	    c->rec.rcvd >= o->payload && shutdown(c->fd, SHUT_WR) == 0)
		c->rec.shut_wr = 1;
	return 0;
}

/* Wait for what c waits for (before --read-delay only the FIN: data would wake ppoll at
 * once), until the next trigger of time; returns as seq_wait does. */
static int seq_wait_next(const struct seq_conn *c, const struct seq_times *t, int reading)
{
	short events = reading ? POLLIN | POLLRDHUP : c->eof_seen ? 0 : POLLRDHUP;
	if (c->rec.sent < c->o->payload)
		events |= POLLOUT;
	uint64_t until = t->deadline < t->close_at ? t->deadline : t->close_at;
	if (!reading && t->read_at < until)
		until = t->read_at;
	return seq_wait(c->fd, events, until);
}

/* Drive one connected socket to its close. Triggers, first one wins: --close-after, the
 * whole echo read (--close=client), data read (--close-on-data), the server's FIN
 * (--on-eof), --timeout. */
static void seq_drive(struct seq_conn *c, const unsigned char *payload, unsigned char *buf)
{
	const struct client_opts *o = c->o;
	struct seq_times t = {
		.read_at = c->t0_ms + o->read_delay_ms, .deadline = c->t0_ms + o->timeout_ms,
		.close_at = o->close_after_ms >= 0 ? c->t0_ms + (uint64_t)o->close_after_ms : UINT64_MAX};
	if (t.close_at == c->t0_ms) {
		seq_close(c, "after_connect");
		return;
	}
	while (c->fd >= 0) {
		uint64_t now = now_ms();
		int reading = now >= t.read_at;
		if (seq_close_due(c, &t, now, reading))
			return;
		int ev = seq_wait_next(c, &t, reading);
		if (ev < 0) {
			seq_fail(c, STAGE_INTERRUPTED, 0);
			seq_close(c, "interrupted");
			return;
		}
		if ((ev & POLLOUT) && seq_send(c, payload) < 0) {
			seq_close(c, "error");
			return;
		}
		if (reading && (ev & (POLLIN | POLLRDHUP | POLLHUP | POLLERR)) && seq_on_readable(c, buf))
			return;
		if (!reading && (ev & POLLERR)) { /* an RST during --read-delay */
			seq_fail(c, STAGE_READ, sock_error(c->fd));
			seq_close(c, "error");
			return;
		}
		if (!c->eof_seen && (c->eof_read || (ev & (POLLRDHUP | POLLHUP))) && seq_on_eof(c))
			return;
	}
}

/* The strategy's state: one read buffer. */
struct seq_state {
	unsigned char buf[SEQ_BUF_SIZE];
};

static void seq_run_conn(const struct client_engine *e, uint32_t loop, uint32_t idx,
			 unsigned char *buf, struct loop_result *res)
{
	const struct client_opts *o = e->o;
	struct seq_conn c = {.o = o, .fd = -1};
	c.rec = (struct conn_record){.loop = loop, .conn = idx, .close_trigger = "error",
				     .eof_state = -1, .close_state = -1};
	if (seq_connect(&c, idx) == 0) {
		c.t0_ms = now_ms();
		seq_drive(&c, e->payload, buf);
	}
	if (c.fd >= 0)
		seq_close(&c, c.rec.close_trigger);
	if (c.rec.failed) {
		res->failed++;
		fail_count(&res->fails, c.rec.stage, c.rec.detail);
	} else {
		res->finished++;
	}
	if (o->report_conns)
		report_conn(&e->rep, &c.rec);
}

static int seq_run_loop(struct client_engine *e, uint32_t loop, struct loop_result *res)
{
	struct seq_state *st = e->state;
	uint32_t conns = e->o->conns;
	res->conns = conns;
	uint64_t start = clock_now_ns();
	uint32_t i = 0;
	for (; i < conns && !signals_stop_requested(); i++)
		seq_run_conn(e, loop, i, st->buf, res);
	res->failed += conns - i;
	res->fails.count[STAGE_INTERRUPTED][0] += conns - i;
	res->elapsed_ns = clock_now_ns() - start;
	return 0;
}

static struct fd_need seq_fds_needed(const struct client_opts *o)
{
	(void)o;
	return (struct fd_need){1, 1}; /* one connection at a time */
}

static int seq_open(struct client_engine *e)
{
	e->state = malloc(sizeof(struct seq_state));
	return e->state ? 0 : errno;
}

static int seq_start(struct client_engine *e)
{
	(void)e;
	return 0; /* no threads: the engine's thread drives the connections */
}

static void seq_stop(struct client_engine *e)
{
	(void)e;
}

static void seq_close_state(struct client_engine *e)
{
	free(e->state);
}

const struct client_strategy client_seq_strategy = {
	.name = "sequential",
	.report = &report_loops,
	.rounds = client_loops_given,
	.settle_ms = ENGINE_SETTLE_MAX_MS,
	.fds_needed = seq_fds_needed,
	.open = seq_open,
	.start = seq_start,
	.run_round = seq_run_loop,
	.stop = seq_stop,
	.close = seq_close_state,
};
