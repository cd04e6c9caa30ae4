/* Unit tests of the client engine's strategy table (src/client/client_strategies.c): the
 * strategy the options choose carries every hook and field the engine reads instead of
 * asking which strategy runs (include/client/client_engine.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/client_engine.h"
#include "client/client_start.h"
#include "lib/sockutil.h"
#include "unit.h"

#define MAXARGS 24

/* Parse "client ARGS... NULL" into o; 0 when it parsed. */
static int parse(struct client_opts *o, ...)
{
	char *argv[MAXARGS], err[256];
	va_list ap;
	va_start(ap, o);
	int argc = unit_argv(argv, MAXARGS, "client", ap);
	va_end(ap);
	return client_parse_args(argc, argv, o, err, sizeof(err)) == PARSE_OK ? 0 : -1;
}

/* Every hook the engine calls, and the reporter's three. */
static int complete(const struct client_strategy *s)
{
	return s && s->name && s->report && s->report->header && s->report->record &&
	       s->report->summary && s->rounds && s->fds_needed && s->open && s->start &&
	       s->run_round && s->stop && s->close;
}

/* Rule: each strategy the options choose has every hook the engine calls (a missing one
 * would be a NULL call), the loop strategies share the loop records and the rate strategy
 * has its own. */
TEST(strategy_table_complete)
{
	struct client_opts o;
	CHECK(parse(&o, "127.0.0.1", "3", "10", NULL) == 0);
	const struct client_strategy *team = client_strategy_for(&o);
	CHECK(complete(team) && team == &client_concurrent_strategy && team->report == &report_loops);
	CHECK(parse(&o, "127.0.0.1", "3", "10", "--sequential", NULL) == 0);
	const struct client_strategy *seq = client_strategy_for(&o);
	CHECK(complete(seq) && seq == &client_seq_strategy && seq->report == &report_loops);
	CHECK(parse(&o, "127.0.0.1", "--rate", "100", "--duration", "2", NULL) == 0);
	const struct client_strategy *rate = client_strategy_for(&o);
	CHECK(complete(rate) && rate == &client_rate_strategy && rate->report == &report_rate);
	CHECK(parse(&o, "127.0.0.1", "--concurrency", "10", "--count", "100", NULL) == 0);
	const struct client_strategy *closed = client_strategy_for(&o);
	CHECK(complete(closed) && closed == &client_closed_strategy &&
	      closed->report == &report_closed);
}

/* Rule: the engine runs LOOPS loops of a loop strategy and waits for each loop's closes;
 * a rate run goes on for at least every interval of its schedule, waits for no closes
 * between them (the next connections are due) and for TIME_WAIT to clear only once. */
TEST(strategy_loops_and_settling)
{
	struct client_opts o;
	CHECK(parse(&o, "127.0.0.1", "7", "10", NULL) == 0);
	const struct client_strategy *s = client_strategy_for(&o);
	CHECK(s->rounds(&o) == 7 && s->settle_ms > 0 && !s->wait_clear_once);
	CHECK(parse(&o, "127.0.0.1", "5", "1", "--sequential", NULL) == 0);
	s = client_strategy_for(&o);
	CHECK(s->rounds(&o) == 5 && s->settle_ms > 0 && !s->wait_clear_once);
	CHECK(parse(&o, "127.0.0.1", "--rate", "100", "--duration", "3600", "--report-interval", "10",
		    NULL) == 0);
	s = client_strategy_for(&o);
	CHECK(s->rounds(&o) >= 3600u * 1000 / 10 && s->settle_ms == 0 && s->wait_clear_once);
}

/* Rule: a strategy states its descriptor need (at least, at most) and the engine raises
 * the limit: the loop team needs one per connection, the sequential strategy one, a rate
 * run with --max-inflight M one per slot; without it any number of slots will do (fitted to
 * the limit) but never fewer than its workers' own. */
TEST(strategy_descriptor_needs)
{
	struct client_opts o;
	CHECK(parse(&o, "127.0.0.1", "1", "5000", "--threads", "4", NULL) == 0);
	struct fd_need n = client_strategy_for(&o)->fds_needed(&o);
	CHECK(n.least >= 5000 && n.least == n.most);
	CHECK(parse(&o, "127.0.0.1", "1", "5000", "--sequential", NULL) == 0);
	n = client_strategy_for(&o)->fds_needed(&o);
	CHECK(n.least >= 1 && n.least < 5000 && n.least == n.most);
	CHECK(parse(&o, "127.0.0.1", "--rate", "100", "--duration", "2", "--max-inflight", "300",
		    NULL) == 0);
	n = client_strategy_for(&o)->fds_needed(&o);
	CHECK(n.least >= 300 && n.least == n.most);
	CHECK(parse(&o, "127.0.0.1", "--rate", "100", "--duration", "2", "--threads", "2", NULL) == 0);
	n = client_strategy_for(&o)->fds_needed(&o);
	CHECK(n.least >= 2 && n.least < n.most && n.most <= TWTEST_MAX_CONNS);
}

/* A listener on 127.0.0.1 that never accepts: the kernel completes the handshakes (up to
 * its backlog), enough for connections that are closed once connected. Its port in *port. */
static int listener(uint16_t *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

/* Drive o's strategy through its hooks as the engine does (open, start, run_round until
 * it says the run is complete or its rounds are done, stop, close), summing the rounds
 * into *total and writing each record into out; the number of run_round calls, or -1 if a
 * hook failed. */
static int drive(const struct client_opts *o, FILE *out, struct loop_result *total)
{
	const struct client_strategy *s = client_strategy_for(o);
	struct client_engine e = {.o = o, .strategy = s, .rep = {.out = out, .opts = o}};
	struct fd_need need = s->fds_needed(o);
	e.fd_limit = need.most < 1024 ? need.most + 16 : 1024;
	e.payload = payload_new(o->payload);
	run_start_init(&e.rep.start, o); /* the schedule's start: now */
	memset(total, 0, sizeof(*total));
	int calls = -1;
	if (e.payload && s->open(&e) == 0) {
		if (s->start(&e) == 0) {
			/* an unbounded strategy (rate) must say it is complete: bound it here */
			uint32_t loops = s->rounds(o), loop;
			if (loops == ENGINE_ROUNDS_UNBOUNDED)
				loops = 1000;
			struct loop_result r;
			for (loop = 0; loop < loops; loop++) {
				memset(&r, 0, sizeof(r));
				int complete = s->run_round(&e, loop, &r);
				r.loop = loop;
				s->report->record(&e.rep, &r);
				loop_result_add(total, &r);
				if (complete)
					break;
			}
			calls = (int)(loop < loops ? loop + 1 : loop);
			s->stop(&e);
		}
	}
	s->close(&e);
	free(e.payload);
	return calls;
}

/* Rule: each strategy's hooks do the work the engine counts on, against a real listener:
 * the loop team connects CONNS at once in each of LOOPS loops, the sequential strategy one
 * connection after another, the rate strategy its schedule (R x S due, each started, its
 * run_round saying the run is complete after the schedule, not before); every connection
 * finishes, none fails, and the strategy's reporter writes one record per loop. */
TEST(strategy_hooks_run_connections)
{
	uint16_t port;
	int lfd = listener(&port);
	CHECK(lfd >= 0);
	if (lfd < 0)
		return;
	char ps[8];
	snprintf(ps, sizeof(ps), "%u", port);
	struct client_opts o;
	struct loop_result t;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	CHECK(out != NULL);
	if (out == NULL)
		return;

	CHECK(parse(&o, "127.0.0.1", "2", "5", "--port", ps, "--protocol", "connect", "--threads", "2",
		    "--format", "csv", NULL) == 0);
	CHECK(drive(&o, out, &t) == 2);
	CHECK(t.conns == 10 && t.finished == 10 && t.failed == 0);
	fflush(out);
	CHECK(len > 0 && buf[len - 1] == '\n');
	size_t team_len = len;

	CHECK(parse(&o, "127.0.0.1", "1", "3", "--port", ps, "--payload", "0", "--close-after", "0",
		    NULL) == 0);
	CHECK(client_strategy_for(&o) == &client_seq_strategy);
	CHECK(drive(&o, out, &t) == 1);
	CHECK(t.conns == 3 && t.finished == 3 && t.failed == 0);
	fflush(out);
	CHECK(len > team_len);

	CHECK(parse(&o, "127.0.0.1", "--rate", "20", "--duration", "1", "--report-interval", "250",
		    "--port", ps, "--protocol", "connect", NULL) == 0);
	int calls = drive(&o, out, &t);
	CHECK(calls >= 4 && calls < 1000); /* 1 s of 250 ms intervals, until nothing is in flight */
	CHECK(t.rate.due == 20 && t.rate.started == 20 && t.finished == 20 && t.failed == 0);
	fclose(out);
	free(buf);
	close(lfd);
}
