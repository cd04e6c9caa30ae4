/* Unit tests of the client engine's strategy table (src/client/client_strategies.c): the
 * strategy the options choose carries every hook and field the engine reads instead of
 * asking which strategy runs (include/client/client_engine.h). */
#include <stdarg.h>

#include "client/client_engine.h"
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
