/* The client engine: one run loop for every strategy. It raises the descriptor limit to
 * what the strategy needs, prints the strategy's header, and for each of its loops pauses
 * (--interval), waits for TIME_WAIT to drain (--wait-clear), snapshots the kernel
 * counters, lets the strategy run the loop, observes the kernel's view after the
 * strategy's settle time, writes the strategy's record, and stops when the output is
 * gone; then writes the summary and maps the run to an exit status. It never asks which
 * strategy runs: what differs is a field or hook of the strategy (client_engine.h). */
#include "client/client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client/client_endpoints.h"
#include "client/client_engine.h"
#include "client/report_conclusion.h"
#include "lib/fdlimit.h"
#include "lib/kcounters.h"
#include "lib/signals.h"
#include "lib/kfeatures.h"
#include "lib/tw_wait.h"
#include "lib/twtest.h"

#define ENGINE_FDS 16 /* stdio, the stop eventfd, sock_diag and a margin */

/* Raise RLIMIT_NOFILE toward what the strategy can use, into e->fd_limit; says why and
 * returns -1 if it stays below what the strategy needs. */
static int engine_limits(struct client_engine *e)
{
	const struct client_opts *o = e->o;
	struct fd_need fds = e->strategy->fds_needed(o);
	uint64_t need = fds.least + ENGINE_FDS;
	e->fd_limit = fdlimit_raise(fds.most + ENGINE_FDS);
	if (e->fd_limit >= need)
		return 0;
	char advice[400];
	fdlimit_advice(need, need - o->conns, advice, sizeof(advice));
	fprintf(stderr, "twtest client: CONNS %u needs %llu open files, %s\n", o->conns,
		(unsigned long long)need, advice);
	return -1;
}

/* The payload and the strategy's state; says why and returns -1 if they cannot be made. */
static int engine_open(struct client_engine *e)
{
	int err = 0;
	e->payload = payload_new(e->o->payload);
	if (e->payload == NULL)
		err = errno;
	else
		err = e->strategy->open(e);
	if (err == 0)
		return 0;
	fprintf(stderr, "twtest client: cannot allocate the run's state: %s\n", strerror(err));
	return -1;
}

static void engine_close(struct client_engine *e)
{
	e->strategy->close(e);
	free(e->payload);
}

/* Before a loop with --wait-clear: wait for TIME_WAIT toward the destination to drain. */
static void loop_wait_clear(const struct report *rep, const struct sockdiag_filter *f,
			    uint32_t loop, struct kernel_view *kv)
{
	int rc = tw_wait_clear(f, (uint64_t)rep->opts->wait_clear_timeout_s * 1000,
			       &kv->wait_clear_left, &kv->wait_clear_ns);
	if (rc < 0 || rc == TW_WAIT_INTERRUPTED)
		return;
	kv->measured |= MEASURED_WAIT_CLEAR;
	report_wait_clear(rep, loop, kv->wait_clear_ns, kv->wait_clear_left, rc == TW_WAIT_TIMEOUT);
}

/* After a loop: once its closes have settled (bounded), the TIME_WAIT sockets toward the
 * destination, and the kernel counters' deltas since `before`. */
static void loop_observe(const struct sockdiag_filter *f, uint32_t settle_ms,
			 const struct kcounters *before, struct loop_result *res)
{
	struct tcp_states st;
	int rc = tw_settle(f, settle_ms, &st);
	if (rc >= 0 && rc != TW_WAIT_INTERRUPTED) {
		res->kv.time_wait = st.n[TCPS_TIME_WAIT];
		res->kv.measured |= MEASURED_TIME_WAIT;
	}
	struct kcounters after;
	if (before->present && kcounters_read(&after) == 0)
		kcounters_delta(before, &after, &res->kv.kernel);
}

/* One round (a loop; rate mode: one report interval) with everything around it. Returns 0
 * to go on, 1 when the strategy says the run is complete, or -1 if a stop came before it
 * ran. */
static int engine_round(struct client_engine *e, const struct sockdiag_filter *tw_filter,
			uint32_t loop, struct loop_result *res)
{
	const struct client_opts *o = e->o;
	struct kernel_view wc = {0}; /* --wait-clear's part of the view, before the round */
	if (loop > 0 && o->interval_ms)
		signals_sleep_ms(o->interval_ms);
	if (o->wait_clear && (loop == 0 || !e->strategy->wait_clear_once) && !signals_stop_requested())
		loop_wait_clear(&e->rep, tw_filter, loop, &wc);
	/* --start-at: after the preparation, --wait-clear included, the first loop starts at the
	 * hosts' common instant (at once if it has passed; the schedule still counts from it). */
	if (loop == 0)
		run_start_wait(&e->rep.start);
	if (signals_stop_requested())
		return -1;
	struct kcounters before;
	if (!o->no_observe)
		kcounters_read(&before);
	memset(res, 0, sizeof(*res));
	int complete = e->strategy->run_round(e, loop, res);
	res->loop = loop;
	if (res->failed && !res->rate.first_failed) /* loops: the conclusion's first failing one */
		res->rate.first_failed = loop + 1;
	if (!o->no_observe)
		loop_observe(tw_filter, e->strategy->settle_ms, &before, res);
	res->kv.measured |= wc.measured;
	res->kv.wait_clear_ns = wc.wait_clear_ns;
	res->kv.wait_clear_left = wc.wait_clear_left;
	return complete;
}

/* The sockets already in the run's pools, from the kernel's table (one dump, filtered by
 * the destination port when there is one), into the model: it starts from the host as it
 * is. A table that cannot be read leaves the model on the whole range, and says so. */
static void engine_census(struct client_engine *e)
{
	const struct client_opts *o = e->o;
	struct port_model *m = &e->rep.model;
	struct endpoint route;
	int one_route = !o->bind_name && o->dsts.total == 1 && sock_route_source(&o->dst, &route) == 0;
	struct port_census *c = malloc(sizeof(*c));
	if (c == NULL) {
		port_model_held(m, NULL, o);
		return;
	}
	port_census_init(c, o, m, one_route ? &route : NULL);
	struct sockdiag_filter f = {
		.family = o->dst.addr.ss_family, .end = PORT_REMOTE,
		.port = !m->shared_pool && o->ports.total == 1 ? o->port : 0};
	int rc = sockdiag_dump(&f, TCPF_ALL & ~TCPF(TCPS_LISTEN), 0, port_census_add, c);
	port_model_held(m, rc == 0 ? c : NULL, o);
	free(c);
}

/* What the header and the summary print besides the options: the sysctls, the port model
 * with the ports the host holds already. */
static void engine_read_host(struct client_engine *e)
{
	char *reserved = read_proc_file("/proc/sys/net/ipv4/ip_local_reserved_ports");
	sysctl_read_net(&e->rep.sys);
	port_model_compute(e->o, &e->rep.sys, reserved, &e->rep.model);
	free(reserved);
	engine_census(e);
}

/* The exit status of a run that did `done` loops totalling `total`; sig: the stop signal. */
static int engine_status(const struct client_engine *e, const struct loop_result *total,
			 uint32_t done, int sig)
{
	if (ferror(e->rep.out)) {
		fprintf(stderr, "twtest client: cannot write the output; stopped after loop %u\n",
			done ? done - 1 : 0);
		return EXIT_SETUP;
	}
	if (sig)
		return 128 + sig;
	return e->o->fail_on_error && total->failed ? EXIT_FAILURES : EXIT_RAN;
}

/* Every round, reported as it ends, then the summary; returns the exit status. */
static int engine_rounds(struct client_engine *e)
{
	const struct client_reporter *report = e->strategy->report;
	engine_read_host(e);
	run_start_init(&e->rep.start, e->o);
	report->header(&e->rep);
	struct sockdiag_filter tw_filter;
	client_tw_filter(e->o, &tw_filter);
	struct loop_result total, res;
	memset(&total, 0, sizeof(total));
	uint32_t done = 0;
	uint32_t rounds = e->strategy->rounds(e->o);
	for (uint32_t round = 0; round < rounds && !signals_stop_requested(); round++) {
		int complete = engine_round(e, &tw_filter, round, &res);
		if (complete < 0)
			break;
		report->record(&e->rep, &res);
		loop_result_add(&total, &res);
		done++;
		/* A closed output (pipe) stops the run: it would go on blind. */
		if (ferror(e->rep.out) || complete)
			break;
	}
	int sig = signals_stop_requested();
	report->summary(&e->rep, &total, done, sig != 0);
	if (done)
		report_conclusion(&e->rep, &total);
	return engine_status(e, &total, done, sig);
}

/* Refuse before the run a socket option this kernel lacks (one line; the caller exits 2). */
static int kernel_has_options(const struct client_opts *o)
{
	struct endpoint src, dst;
	struct sock_client_spec spec;
	char err[256];
	client_sock_spec(o, 0, &src, &dst, &spec);
	if (kfeatures_check_client(&spec, err, sizeof(err)) != ENOPROTOOPT)
		return 1;
	fprintf(stderr, "twtest client: %s\n", err);
	return 0;
}

#define BIND_CHECK_ALL 4096 /* --bind lists up to this long are checked address by address */

/* Refuse before the run a --bind address this host does not have (without --freebind every
 * connection from it would fail bind/EADDRNOTAVAIL): one line naming it; the caller exits 2.
 * A long list is checked at the ends of each of its segments. */
static int bind_addresses_here(const struct client_opts *o)
{
	if (o->bind_name == NULL || o->freebind)
		return 1;
	uint64_t at = 0;
	for (uint32_t s = 0; s < o->binds.nseg; at += o->binds.seg[s++].count) {
		uint64_t n = o->binds.seg[s].count;
		for (uint64_t i = 0; i < n; i += o->binds.total <= BIND_CHECK_ALL || i + 1 == n ? 1 : n - 1 - i) {
			struct endpoint a;
			char host[80];
			addrlist_get(&o->binds, at + i, &a);
			int err = sock_addr_bindable(&a);
			if (err != EADDRNOTAVAIL)
				continue; /* another errno is the run's to count */
			endpoint_str(&a, host, sizeof(host));
			*strrchr(host, ':') = '\0';
			fprintf(stderr, "twtest client: invalid --bind '%s': this host has no address %s "
				"(ip -br addr lists its own); --freebind binds it anyway\n", o->bind_name, host);
			return 0;
		}
	}
	return 1;
}

int client_run(const struct client_opts *o, FILE *out)
{
	if (!kernel_has_options(o) || !bind_addresses_here(o))
		return EXIT_USAGE;
	if (o->dry_run) {
		client_print_effective(o, out);
		return EXIT_RAN;
	}
	struct client_engine e = {
		.o = o, .rep = {.out = out, .opts = o},
		.strategy = client_strategy_for(o)};
	signals_install();
	if (engine_limits(&e) < 0)
		return EXIT_SETUP;
	int rc = EXIT_SETUP;
	if (engine_open(&e) == 0 && e.strategy->start(&e) == 0) {
		rc = engine_rounds(&e);
		e.strategy->stop(&e);
	}
	engine_close(&e);
	return rc;
}
