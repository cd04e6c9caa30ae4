/* The client's sequential path, for close scenarios (docs/closing.md): connections one after
 * another, each driven through a chosen close order (--read-delay, --on-eof, --close-after,
 * --close-on-data, --source-port) and optionally reported one by one (--report-conns) with
 * what the kernel said. It never runs unless a scenario option is given, so the concurrent
 * loop of client.c stays as it is. */
#include "client_seq.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "loopstats.h"
#include "report.h"
#include "signals.h"
#include "sockutil.h"
#include "twtest.h"

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

/* The source address: --bind's address or the wildcard of DSTIP's family, at --source-port. */
static void seq_source(const struct client_opts *o, struct endpoint *src)
{
	if (o->bind_name)
		*src = o->bind;
	else
		parse_ip_literal(o->dst.addr.ss_family == AF_INET6 ? "::" : "0.0.0.0", 0, src,
				 &(const char *){NULL});
	endpoint_set_port(src, o->source_port);
}

/* socket, options, bind, connect; returns 0 when connected. */
static int seq_connect(struct seq_conn *c)
{
	const struct client_opts *o = c->o;
	c->fd = socket(o->dst.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		seq_fail(c, STAGE_SOCKET, errno);
		return -1;
	}
	int err = 0;
	if (o->reuseport)
		err = sock_set_int(c->fd, SOL_SOCKET, SO_REUSEPORT, 1);
	if (!err && o->reuseaddr)
		err = sock_set_int(c->fd, SOL_SOCKET, SO_REUSEADDR, 1);
	if (!err && o->linger)
		err = sock_set_linger_rst(c->fd);
	if (!err && o->port_hi)
		err = sock_set_int(c->fd, IPPROTO_IP, IP_LOCAL_PORT_RANGE,
				   (int)((uint32_t)o->port_hi << 16 | o->port_lo));
	if (err) {
		seq_fail(c, STAGE_SOCKOPT, err);
		return -1;
	}
	if (o->bind_name || o->source_port) {
		struct endpoint src;
		seq_source(o, &src);
		if (bind(c->fd, (const struct sockaddr *)&src.addr, src.len) < 0) {
			seq_fail(c, STAGE_BIND, errno);
			return -1;
		}
	}
	if (connect(c->fd, (const struct sockaddr *)&o->dst.addr, o->dst.len) < 0) {
		if (errno != EINPROGRESS) {
			seq_fail(c, STAGE_CONNECT, errno);
			return -1;
		}
		int ev = seq_wait(c->fd, POLLOUT, now_ms() + o->timeout_ms);
		if (ev < 0) {
			seq_fail(c, STAGE_INTERRUPTED, 0);
			return -1;
		}
		if (ev == 0) {
			seq_fail(c, STAGE_TIMEOUT, WAIT_CONNECT);
			return -1;
		}
		err = sock_error(c->fd);
		/* ECONNRESET (not ECONNREFUSED) means the handshake finished and an RST came
		 * after it: the connection existed, its data can still be read. */
		if (err == ECONNRESET)
			c->reset_early = 1;
		else if (err) {
			seq_fail(c, STAGE_CONNECT, err);
			return -1;
		}
	}
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);
	if (getsockname(c->fd, (struct sockaddr *)&local, &len) == 0)
		c->rec.local_port = ntohs(local.ss_family == AF_INET6
						  ? ((struct sockaddr_in6 *)&local)->sin6_port
						  : ((struct sockaddr_in *)&local)->sin_port);
	return 0;
}

/* Send what is left of the payload; returns -1 on failure. */
static int seq_send(struct seq_conn *c, const unsigned char *payload)
{
	while (c->rec.sent < c->o->payload) {
		ssize_t k = send(c->fd, payload + c->rec.sent, c->o->payload - c->rec.sent, MSG_NOSIGNAL);
		if (k < 0) {
			if (errno == EAGAIN)
				return 0;
			if (errno == EINTR)
				continue;
			seq_fail(c, STAGE_WRITE, errno);
			return -1;
		}
		c->rec.sent += (uint64_t)k;
	}
	return 0;
}

/* Read what is there; returns -1 on a read error. */
static int seq_read(struct seq_conn *c, unsigned char *buf)
{
	for (;;) {
		ssize_t k = recv(c->fd, buf, SEQ_BUF_SIZE, 0);
		if (k > 0) {
			c->rec.rcvd += (uint64_t)k;
			continue;
		}
		if (k == 0) {
			if (c->reset_early) {
				seq_fail(c, STAGE_READ, ECONNRESET);
				return -1;
			}
			c->eof_read = 1;
			return 0;
		}
		if (errno == EAGAIN)
			return 0;
		if (errno != EINTR) {
			seq_fail(c, STAGE_READ, errno);
			return -1;
		}
	}
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

/* Drive one connected socket to its close. Triggers, first one wins: --close-after, the
 * whole echo read (--close=client), data read (--close-on-data), the server's FIN
 * (--on-eof), --timeout. */
static void seq_drive(struct seq_conn *c, const unsigned char *payload, unsigned char *buf)
{
	const struct client_opts *o = c->o;
	uint64_t read_at = c->t0_ms + o->read_delay_ms;
	uint64_t deadline = c->t0_ms + o->timeout_ms;
	uint64_t close_at = o->close_after_ms >= 0 ? c->t0_ms + (uint64_t)o->close_after_ms : UINT64_MAX;
	if (close_at == c->t0_ms)
		return seq_close(c, "after_connect");
	while (c->fd >= 0) {
		uint64_t now = now_ms();
		if (now >= close_at)
			return seq_close(c, "delay");
		if (now >= deadline) {
			seq_fail(c, STAGE_TIMEOUT, c->eof_seen ? WAIT_EOF : WAIT_ECHO);
			return seq_close(c, "timeout");
		}
		int reading = now >= read_at;
		if (reading && c->eof_read) {
			/* Everything up to the FIN is read: the close the FIN asked for. */
			return seq_close(c, "eof");
		}
		/* Before --read-delay only the FIN is waited for: data would wake ppoll at once. */
		short events = reading ? POLLIN | POLLRDHUP : c->eof_seen ? 0 : POLLRDHUP;
		if (c->rec.sent < o->payload)
			events |= POLLOUT;
		uint64_t until = deadline < close_at ? deadline : close_at;
		if (!reading && read_at < until)
			until = read_at;
		int ev = seq_wait(c->fd, events, until);
		if (ev < 0) {
			seq_fail(c, STAGE_INTERRUPTED, 0);
			return seq_close(c, "interrupted");
		}
		if ((ev & POLLOUT) && seq_send(c, payload) < 0)
			return seq_close(c, "error");
		if (reading && (ev & (POLLIN | POLLRDHUP | POLLHUP | POLLERR))) {
			uint64_t before = c->rec.rcvd;
			if (seq_read(c, buf) < 0)
				return seq_close(c, "error");
			if (o->close_on_data && c->rec.rcvd > before)
				return seq_close(c, "data");
			if (o->close_mode == CLIENT_CLOSE_CLIENT && o->payload && c->rec.rcvd >= o->payload)
				return seq_close(c, "echo");
			if (o->close_mode == CLIENT_CLOSE_SHUTDOWN && o->payload && !c->rec.shut_wr &&
			    c->rec.rcvd >= o->payload && shutdown(c->fd, SHUT_WR) == 0)
				c->rec.shut_wr = 1;
		}
		if (!reading && (ev & POLLERR)) { /* an RST during --read-delay */
			seq_fail(c, STAGE_READ, sock_error(c->fd));
			return seq_close(c, "error");
		}
		if (!c->eof_seen && (c->eof_read || (ev & (POLLRDHUP | POLLHUP))) && seq_on_eof(c))
			return;
	}
}

static void seq_run_conn(const struct client_opts *o, const struct report *rep, uint32_t loop,
			 uint32_t idx, const unsigned char *payload, unsigned char *buf,
			 struct loop_result *res)
{
	struct seq_conn c = {.o = o, .fd = -1};
	c.rec = (struct conn_record){.loop = loop, .conn = idx, .close_trigger = "error",
				     .eof_state = -1, .close_state = -1};
	if (seq_connect(&c) == 0) {
		c.t0_ms = now_ms();
		seq_drive(&c, payload, buf);
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
		report_conn(rep, &c.rec);
}

int client_seq_run(const struct client_opts *o, FILE *out)
{
	signals_install();
	unsigned char *payload = malloc(o->payload ? o->payload : 1);
	unsigned char *buf = malloc(SEQ_BUF_SIZE);
	if (payload == NULL || buf == NULL) {
		fprintf(stderr, "twtest client: cannot allocate the run's state: %s\n", strerror(errno));
		free(payload);
		free(buf);
		return EXIT_SETUP;
	}
	for (uint32_t i = 0; i < o->payload; i++)
		payload[i] = (unsigned char)(i % 251);

	struct report rep = {.out = out, .opts = o};
	sysctl_read_net(&rep.sys);
	report_header(&rep);
	struct loop_result total, res;
	memset(&total, 0, sizeof(total));
	uint32_t done = 0;
	for (uint32_t loop = 0; loop < o->loops && !signals_stop_requested(); loop++) {
		if (loop > 0 && o->interval_ms && seq_wait(-1, 0, now_ms() + o->interval_ms) < 0)
			break;
		memset(&res, 0, sizeof(res));
		res.loop = loop;
		res.conns = o->conns;
		uint64_t start = clock_now_ns();
		uint32_t i = 0;
		for (; i < o->conns && !signals_stop_requested(); i++)
			seq_run_conn(o, &rep, loop, i, payload, buf, &res);
		res.failed += o->conns - i;
		res.fails.count[STAGE_INTERRUPTED][0] += o->conns - i;
		res.elapsed_ns = clock_now_ns() - start;
		report_loop(&rep, &res);
		loop_result_add(&total, &res);
		done++;
	}
	int sig = signals_stop_requested();
	report_summary(&rep, &total, done, sig != 0);
	free(payload);
	free(buf);
	if (sig)
		return 128 + sig;
	return o->fail_on_error && total.failed ? EXIT_FAILURES : EXIT_RAN;
}
