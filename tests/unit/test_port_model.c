/* Unit tests of the port model (docs/output.md, "The model"). */
#include <arpa/inet.h>

#include "client/port_model.h"
#include "unit.h"

#define MAXARGS 24

/* Parse a client command line (NULL-terminated) into o; returns the parse result. */
static enum parse_result model_args(struct client_opts *o, ...)
{
	char *argv[MAXARGS];
	va_list ap;
	va_start(ap, o);
	int argc = unit_argv(argv, MAXARGS, "client", ap);
	va_end(ap);
	char err[256];
	enum parse_result r = client_parse_args(argc, argv, o, err, sizeof(err));
	if (r != PARSE_OK)
		fprintf(stderr, "  parse: %s\n", err);
	return r;
}

static const struct net_sysctls reuse_off = {.tw_reuse = 0, .tw_reuse_delay_ms = 1000,
					     .port_lo = 32768, .port_hi = 60999, .timestamps = 1};

/* Rule: P is the range (narrowed by --local-port-range) less the reserved ports in it, and
 * without reuse the ports sustain P/60 a second; at R above that the first connect() fails
 * after P/R seconds. */
TEST(model_range_reserved_and_first_failure)
{
	struct client_opts o;
	struct port_model m;
	CHECK(model_args(&o, "--rate", "50", "--duration", "4", "--local-port-range", "40000-40099",
			 "127.0.0.1", NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_off, "", &m);
	CHECK(m.ports == 100 && m.range_lo == 40000 && m.range_hi == 40099);
	CHECK(m.sustainable > 1.66 && m.sustainable < 1.67);
	CHECK(m.first_failure_s > 1.999 && m.first_failure_s < 2.001);
	port_model_compute(&o, &reuse_off, "39000-40009,40050,50000", &m);
	CHECK(m.reserved == 11 && m.ports == 89);
	/* a per-socket range outside the namespace's range is cut to it */
	struct net_sysctls narrow = reuse_off;
	narrow.port_lo = 40050;
	port_model_compute(&o, &narrow, "", &m);
	CHECK(m.ports == 50);
}

/* Rule: each (source, destination) has its own pool with a plain connect() and with
 * --bind-no-port; with --bind alone one pool per source serves every destination. */
TEST(model_sources_and_destinations)
{
	struct client_opts o;
	struct port_model m;
	CHECK(model_args(&o, "--local-port-range", "40000-40099", "--port", "4000-4001",
			 "--bind", "127.0.0.2-127.0.0.3", "127.0.0.1,127.0.0.5", "1", "1", NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_off, "", &m);
	CHECK(m.sources == 2 && m.destinations == 4 && m.shared_pool && m.ports == 200);
	CHECK(!m.reuse && strstr(m.reuse_why, "bind()") != NULL);
	CHECK(model_args(&o, "--local-port-range", "40000-40099", "--port", "4000-4001", "--bind",
			 "127.0.0.2-127.0.0.3", "--bind-no-port", "127.0.0.1,127.0.0.5", "1", "1", NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_off, "", &m);
	CHECK(!m.shared_pool && m.ports == 800);
}

/* Rule: tcp_tw_reuse applies at 1, at 2 only toward loopback, never with timestamps off;
 * then the ports sustain P per reuse delay. */
TEST(model_reuse_verdicts)
{
	struct client_opts lo, veth;
	struct port_model m;
	CHECK(model_args(&lo, "--rate", "10", "--duration", "1", "--local-port-range", "40000-40099",
			 "127.0.0.1", NULL) == PARSE_OK);
	CHECK(model_args(&veth, "--rate", "10", "--duration", "1", "--local-port-range",
			 "40000-40099", "198.18.0.2", NULL) == PARSE_OK);
	struct net_sysctls s = reuse_off;
	s.tw_reuse = 2;
	port_model_compute(&lo, &s, "", &m);
	CHECK(m.reuse && m.sustainable > 99.9 && m.sustainable < 100.1 && m.first_failure_s < 0);
	port_model_compute(&veth, &s, "", &m);
	CHECK(!m.reuse && strstr(m.reuse_why, "loopback only") != NULL);
	s.tw_reuse = 1;
	s.tw_reuse_delay_ms = 500;
	port_model_compute(&veth, &s, "", &m);
	CHECK(m.reuse && m.sustainable > 199.9 && m.sustainable < 200.1);
	s.timestamps = 0;
	port_model_compute(&veth, &s, "", &m);
	CHECK(!m.reuse && strstr(m.reuse_why, "tcp_timestamps=0") != NULL);
}

/* Rule: the model states the one reuse rule (lib/tw_reuse.c): tcp_tw_reuse is tested before
 * timestamps, a --bind source on loopback counts for 2, and an unreadable sysctl gives
 * "unknown", never "tcp_tw_reuse=0". */
TEST(model_reuse_rule_shared)
{
	struct client_opts veth, lo_src;
	struct port_model m;
	CHECK(model_args(&veth, "--rate", "10", "--duration", "1", "198.18.0.2", NULL) == PARSE_OK);
	struct net_sysctls s = reuse_off;
	s.timestamps = 0;
	port_model_compute(&veth, &s, "", &m);
	CHECK_STR(m.reuse_why, "no: tcp_tw_reuse=0: off");
	s.tw_reuse = SYSCTL_UNREADABLE;
	port_model_compute(&veth, &s, "", &m);
	CHECK(!m.reuse);
	CHECK_STR(m.reuse_why, "unknown: tcp_tw_reuse could not be read");
	s.tw_reuse = 1;
	s.timestamps = 1;
	port_model_compute(&veth, &s, "", &m);
	CHECK(m.reuse);
	CHECK_STR(m.reuse_why, "likely: tcp_tw_reuse=1, if the peer negotiates timestamps (not seen)");
	/* tcp_twsk_unique counts a loopback source as well as a loopback destination */
	CHECK(model_args(&lo_src, "--rate", "10", "--duration", "1", "--bind", "127.0.0.2-127.0.0.3",
			 "--bind-no-port", "198.18.0.2", NULL) == PARSE_OK);
	s.tw_reuse = 2;
	port_model_compute(&lo_src, &s, "", &m);
	CHECK(m.reuse && strstr(m.reuse_why, "tcp_tw_reuse=2 and loopback") != NULL);
	port_model_compute(&veth, &s, "", &m);
	CHECK(!m.reuse && strstr(m.reuse_why, "loopback only") != NULL);
}

/* Rule: with --linger or the server closing first the client holds no TIME_WAIT: ports do
 * not bound the rate and no failure is predicted. */
TEST(model_unbounded_without_time_wait)
{
	struct client_opts o;
	struct port_model m;
	CHECK(model_args(&o, "--rate", "100000", "--duration", "1", "--linger", "127.0.0.1", NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_off, "", &m);
	CHECK(!m.holds_tw && m.sustainable < 0 && m.first_failure_s < 0);
	CHECK(model_args(&o, "--rate", "100000", "--duration", "1", "--close", "server", "127.0.0.1",
			 NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_off, "", &m);
	CHECK(!m.holds_tw && m.sustainable < 0);
}

/* Rule: --local-port-range is applied as inet_sk_get_local_port_range does: each bound only
 * if it lies inside ip_local_port_range (the high bound against the low bound taken), else
 * the system's bound; the model says which bounds the kernel ignores. */
TEST(model_socket_range_as_kernel)
{
	struct client_opts o;
	struct port_model m;
	struct net_sysctls s = reuse_off;
	s.port_lo = 40000;
	s.port_hi = 40999;
	/* the case: wholly outside; the kernel used the system range and failed at P/R */
	CHECK(model_args(&o, "--rate", "500", "--duration", "4", "--local-port-range", "50000-59999",
			 "127.0.0.1", NULL) == PARSE_OK);
	port_model_compute(&o, &s, "", &m);
	CHECK(m.range_lo == 40000 && m.range_hi == 40999 && m.ports == 1000);
	CHECK(m.range_ignored == (PORT_MODEL_IGNORED_LO | PORT_MODEL_IGNORED_HI));
	CHECK(m.first_failure_s > 1.999 && m.first_failure_s < 2.001);
	CHECK_STR(m.range_note, "the kernel ignores both its bounds: --local-port-range 50000-59999 "
				"against ip_local_port_range 40000-40999");
	CHECK(model_args(&o, "--local-port-range", "40500-41500", "127.0.0.1", "1", "1", NULL) == PARSE_OK);
	port_model_compute(&o, &s, "", &m);
	CHECK(m.range_lo == 40500 && m.range_hi == 40999 && m.ports == 500);
	CHECK(m.range_ignored == PORT_MODEL_IGNORED_HI && strstr(m.range_note, "its high bound") != NULL);
	CHECK(model_args(&o, "--local-port-range", "30000-40099", "127.0.0.1", "1", "1", NULL) == PARSE_OK);
	port_model_compute(&o, &s, "", &m);
	CHECK(m.range_lo == 40000 && m.range_hi == 40099 && m.ports == 100);
	CHECK(m.range_ignored == PORT_MODEL_IGNORED_LO);
	CHECK(model_args(&o, "--local-port-range", "30000-35000", "127.0.0.1", "1", "1", NULL) == PARSE_OK);
	port_model_compute(&o, &s, "", &m);
	CHECK(m.range_lo == 40000 && m.range_hi == 40999 && m.range_ignored == 3);
	CHECK(model_args(&o, "--local-port-range", "40100-40199", "127.0.0.1", "1", "1", NULL) == PARSE_OK);
	port_model_compute(&o, &s, "", &m);
	CHECK(m.range_lo == 40100 && m.range_hi == 40199 && m.range_ignored == 0 && m.range_note[0] == 0);
}

/* Rule: before Linux 6.14 (no tcp_tw_reuse_delay) reuse takes a port back at the next whole
 * second: the model holds it for at most 1 s and keeps the sysctl's absence for its output. */
TEST(model_reuse_delay_before_6_14)
{
	struct client_opts o;
	struct port_model m;
	struct net_sysctls s = reuse_off;
	s.tw_reuse = 1;
	s.tw_reuse_delay_ms = SYSCTL_ABSENT;
	CHECK(model_args(&o, "--rate", "10", "--duration", "1", "--local-port-range", "40000-40099",
			 "127.0.0.1", NULL) == PARSE_OK);
	port_model_compute(&o, &s, "", &m);
	CHECK(m.reuse && m.reuse_delay_ms == 1000 && m.reuse_delay_sysctl == SYSCTL_ABSENT);
	CHECK(m.sustainable > 99.9 && m.sustainable < 100.1);
}

/* Rule: what the model could not read it states instead of hiding: an unreadable
 * ip_local_reserved_ports counts none and says so, an unreadable ip_local_port_range says
 * which range it assumed; both notes can stand beside a --local-port-range note. */
TEST(model_notes_what_it_could_not_read)
{
	struct client_opts o;
	struct port_model m;
	struct net_sysctls s = reuse_off;
	CHECK(model_args(&o, "127.0.0.1", "1", "1", NULL) == PARSE_OK);
	port_model_compute(&o, &s, "", &m);
	CHECK(m.range_note[0] == 0);
	port_model_compute(&o, &s, NULL, &m);
	CHECK_STR(m.range_note, "ip_local_reserved_ports unreadable: none counted");
	s.port_lo = s.port_hi = SYSCTL_UNREADABLE;
	CHECK(model_args(&o, "--local-port-range", "20000-20099", "127.0.0.1", "1", "1", NULL) == PARSE_OK);
	port_model_compute(&o, &s, NULL, &m);
	CHECK(m.range_lo == 32768 && m.range_hi == 60999 && m.range_ignored == 3);
	CHECK_STR(m.range_note, "ip_local_port_range unreadable: the kernel's default 32768-60999 assumed; "
				"the kernel ignores both its bounds: --local-port-range 20000-20099 against "
				"ip_local_port_range 32768-60999; ip_local_reserved_ports unreadable: none counted");
}

/* Rule: a --bind list counts as loopback for tcp_tw_reuse=2 only when every address in it is
 * loopback, the last of each segment included (a segment may run out of 127.0.0.0/8). */
TEST(model_bind_loopback_every_address)
{
	struct client_opts o;
	struct port_model m;
	struct net_sysctls s = reuse_off;
	s.tw_reuse = 2;
	static const char *const not_loopback[] = {
		"127.0.0.1,127.255.255.254-128.0.0.0", "127.255.255.253-128.0.0.0", "198.18.0.9,127.0.0.2",
	};
	for (size_t i = 0; i < sizeof(not_loopback) / sizeof(not_loopback[0]); i++) {
		CHECK(model_args(&o, "--bind", not_loopback[i], "--bind-no-port", "198.18.0.2", "1", "1",
				 NULL) == PARSE_OK);
		port_model_compute(&o, &s, "", &m);
		CHECK(!m.reuse && strstr(m.reuse_why, "loopback only") != NULL);
	}
	CHECK(model_args(&o, "--bind", "127.0.0.1,127.255.255.253-127.255.255.255", "--bind-no-port",
			 "198.18.0.2", "1", "1", NULL) == PARSE_OK);
	port_model_compute(&o, &s, "", &m);
	CHECK(m.reuse);
}

/* Rule: the range's own bounds count: a --local-port-range equal to ip_local_port_range, or
 * one port at either end of it, is taken whole; a reserved port at the range's top is
 * counted; an unreadable reserved list counts none. */
TEST(model_range_edges)
{
	struct client_opts o;
	struct port_model m;
	struct net_sysctls s = reuse_off;
	s.port_lo = 40000;
	s.port_hi = 40999;
	static const struct {
		const char *range;
		uint64_t ports;
	} whole[] = {{"40000-40999", 1000}, {"40999-40999", 1}, {"40000-40000", 1}};
	for (size_t i = 0; i < sizeof(whole) / sizeof(whole[0]); i++) {
		CHECK(model_args(&o, "--local-port-range", whole[i].range, "127.0.0.1", "1", "1", NULL) == PARSE_OK);
		port_model_compute(&o, &s, "", &m);
		CHECK(m.range_ignored == 0 && m.ports == whole[i].ports);
	}
	CHECK(model_args(&o, "127.0.0.1", "1", "1", NULL) == PARSE_OK);
	port_model_compute(&o, &s, "40999", &m);
	CHECK(m.reserved == 1 && m.ports == 999);
	port_model_compute(&o, &s, NULL, &m);
	CHECK(m.reserved == 0 && m.ports == 1000);
}

/* Rule: an ip_local_port_range that is not positive is unreadable (the default is assumed
 * and said); 1-1 is one port; an inverted range holds none. */
TEST(model_system_range_values)
{
	struct client_opts o;
	struct port_model m;
	struct net_sysctls s = reuse_off;
	CHECK(model_args(&o, "127.0.0.1", "1", "1", NULL) == PARSE_OK);
	s.port_lo = s.port_hi = 0;
	port_model_compute(&o, &s, "", &m);
	CHECK(m.range_lo == 32768 && m.range_hi == 60999 && strstr(m.range_note, "assumed") != NULL);
	s.port_lo = s.port_hi = 1;
	port_model_compute(&o, &s, "", &m);
	CHECK(m.range_lo == 1 && m.range_hi == 1 && m.ports == 1 && m.range_note[0] == 0);
	s.port_lo = 40000;
	s.port_hi = 39999;
	port_model_compute(&o, &s, "", &m);
	CHECK(m.ports == 0);
}

/* Rule: a rate the ports just sustain predicts no failure; only a rate above it does. */
TEST(model_rate_at_sustainable)
{
	struct client_opts o;
	struct port_model m;
	CHECK(model_args(&o, "--rate", "10", "--duration", "1", "--local-port-range", "40000-40599",
			 "127.0.0.1", NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_off, "", &m);
	CHECK(m.sustainable == 10.0 && m.first_failure_s < 0);
	CHECK(model_args(&o, "--rate", "11", "--duration", "1", "--local-port-range", "40000-40599",
			 "127.0.0.1", NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_off, "", &m);
	CHECK(m.first_failure_s > 0);
}

/* Rule: the closed loop's model has no rate to predict from before the run: no first failure
 * in the header; at the rate it reached the first connect() fails after P/rate seconds when
 * that rate is above the sustainable one, never at or below it, and never when ports do not
 * bound the rate (--linger). */
TEST(model_closed_loop_at_rate_reached)
{
	struct client_opts o;
	struct port_model m;
	CHECK(model_args(&o, "--concurrency", "10", "--count", "200", "--local-port-range",
			 "40000-40099", "127.0.0.1", NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_off, "", &m);
	CHECK(m.ports == 100 && m.first_failure_s < 0);
	CHECK(port_model_first_failure_s(&m, 3000) > 0.0333 && port_model_first_failure_s(&m, 3000) < 0.0334);
	CHECK(port_model_first_failure_s(&m, m.sustainable) < 0);
	CHECK(port_model_first_failure_s(&m, 1.0) < 0);
	CHECK(model_args(&o, "--concurrency", "10", "--count", "200", "--linger", "127.0.0.1",
			 NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_off, "", &m);
	CHECK(m.sustainable < 0 && port_model_first_failure_s(&m, 1e6) < 0);
}

/* A socket of a dump: src:sport -> dst:dport in state st, timer left ms; sock4 and sock6 name
 * the family. */
static struct sockdiag_sock sock_of(int family, const char *src, uint16_t sport, const char *dst,
				    uint16_t dport, int st, uint32_t left_ms)
{
	struct sockdiag_sock s = {.family = (uint8_t)family, .state = (uint8_t)st, .sport = sport,
				  .dport = dport, .expires_ms = left_ms};
	inet_pton(family, src, s.src);
	inet_pton(family, dst, s.dst);
	return s;
}
#define sock4(...) sock_of(AF_INET, __VA_ARGS__)
#define sock6(...) sock_of(AF_INET6, __VA_ARGS__)

/* Rule: the census counts a socket in the run's pools only: its local port in the model's
 * range, its remote end one of the destinations (any with one pool per source), its source
 * the route's (or one of --bind's); listeners never; TIME_WAIT by the time left, rounded up
 * to a step. */
TEST(model_census_counts_the_pools)
{
	struct client_opts o;
	struct port_model m;
	struct port_census c;
	struct endpoint lo;
	CHECK(parse_ip_literal("127.0.0.1", 0, &lo, &(const char *){NULL}) == 0);
	CHECK(model_args(&o, "--rate", "50", "--duration", "3", "--local-port-range", "40000-40299",
			 "--port", "4000,4002", "127.0.0.1", NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_off, "", &m);
	port_census_init(&c, &o, &m, &lo);
	struct sockdiag_sock in[] = {
		sock4("127.0.0.1", 40000, "127.0.0.1", 4000, TCPS_TIME_WAIT, 59901),
		sock4("127.0.0.1", 40299, "127.0.0.1", 4002, TCPS_TIME_WAIT, 100),
		sock4("127.0.0.1", 40100, "127.0.0.1", 4000, TCPS_ESTABLISHED, 0),
	}, out[] = {
		sock4("127.0.0.1", 39999, "127.0.0.1", 4000, TCPS_TIME_WAIT, 1000),   /* below the range */
		sock4("127.0.0.1", 40300, "127.0.0.1", 4000, TCPS_TIME_WAIT, 1000),   /* above it */
		sock4("127.0.0.1", 40001, "127.0.0.1", 4001, TCPS_TIME_WAIT, 1000),   /* another port */
		sock4("127.0.0.1", 40002, "127.0.0.2", 4000, TCPS_TIME_WAIT, 1000),   /* another address */
		sock4("127.0.0.3", 40003, "127.0.0.1", 4000, TCPS_TIME_WAIT, 1000),   /* another source */
		sock4("127.0.0.1", 40004, "0.0.0.0", 0, TCPS_LISTEN, 0),              /* a listener */
	};
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		port_census_add(&in[i], &c);
	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++)
		port_census_add(&out[i], &c);
	struct sockdiag_sock v6 = {.family = AF_INET6, .state = TCPS_TIME_WAIT, .sport = 40005, .dport = 4000};
	port_census_add(&v6, &c);
	CHECK(c.held == 3 && c.time_wait == 2);
	CHECK(c.expiry[600] == 1 && c.expiry[1] == 1); /* 59901 ms rounds up to the last step */
	/* without the route's source, any source; with --bind, --bind's */
	port_census_init(&c, &o, &m, NULL);
	port_census_add(&out[4], &c);
	CHECK(c.held == 1);
	CHECK(model_args(&o, "--rate", "50", "--duration", "3", "--local-port-range", "40000-40299",
			 "--bind", "127.0.0.2-127.0.0.3", "--bind-no-port", "127.0.0.1", NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_off, "", &m);
	port_census_init(&c, &o, &m, &lo);
	port_census_add(&out[4], &c); /* 127.0.0.3: the range's last */
	port_census_add(&in[0], &c);  /* 127.0.0.1: not bound */
	CHECK(c.held == 1);
	/* bind() before connect(): one pool per source over every destination */
	CHECK(model_args(&o, "--rate", "50", "--duration", "3", "--local-port-range", "40000-40299",
			 "--bind", "127.0.0.1", "127.0.0.9", NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_off, "", &m);
	port_census_init(&c, &o, &m, NULL);
	port_census_add(&out[2], &c);
	port_census_add(&out[3], &c);
	CHECK(c.held == 2);
}

/* Rule (issue 29's example): range 40000-40299, tcp_tw_reuse=0, 250 ports in TIME_WAIT for
 * another 59.9 s: 50 are free, so at 50/s the first connect() fails at 1.0 s, not at P/R =
 * 6.0 s; a loop of 30 fails first at loop 1 (floor(50/30)); the held TIME_WAIT that comes
 * free during the run postpones the failure; with reuse it is free once 1 s old. */
TEST(model_starts_from_the_host)
{
	struct client_opts o;
	struct port_model m;
	struct port_census c;
	CHECK(model_args(&o, "--rate", "50", "--duration", "3", "--local-port-range", "40000-40299",
			 "127.0.0.1", NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_off, "", &m);
	CHECK(m.first_failure_s > 5.999 && m.first_failure_s < 6.001);
	port_census_init(&c, &o, &m, NULL);
	c.held = c.time_wait = 250;
	c.expiry[599] = 250;
	port_model_held(&m, &c, &o);
	CHECK(m.held_read && m.held == 250 && m.held_tw == 250 && m.free == 50);
	CHECK(m.first_failure_s > 0.999 && m.first_failure_s < 1.001);
	/* 100 of them come free at 0.5 s: ports for 3.0 s at 50/s */
	c.expiry[599] = 150;
	c.expiry[5] = 100;
	port_model_held(&m, &c, &o);
	CHECK(m.first_failure_s > 2.999 && m.first_failure_s < 3.001);
	/* every held socket counts, TIME_WAIT or not */
	c.held = 290;
	port_model_held(&m, &c, &o);
	CHECK(m.free == 10 && m.first_failure_s > 0.199 && m.first_failure_s < 0.201);
	/* with reuse a TIME_WAIT port is taken over once reuse_delay old: 59.9 s left is 0.1 s old */
	struct net_sysctls reuse_on = reuse_off;
	reuse_on.tw_reuse = 1;
	port_model_compute(&o, &reuse_on, "", &m);
	c.held = c.time_wait = 250;
	memset(c.expiry, 0, sizeof(c.expiry));
	c.expiry[599] = 250;
	port_model_held(&m, &c, &o);
	CHECK(m.reuse && m.tw_free_at[9] == 250 && m.first_failure_s < 0);
	/* the table unread: the whole range, said so */
	port_model_compute(&o, &reuse_off, "", &m);
	port_model_held(&m, NULL, &o);
	CHECK(!m.held_read && m.free == 300 && m.first_failure_s > 5.999 && m.first_failure_s < 6.001);
	/* loops: floor(free / CONNS), none when every loop fits */
	CHECK(model_args(&o, "--local-port-range", "40000-40299", "127.0.0.1", "3", "30", NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_off, "", &m);
	port_census_init(&c, &o, &m, NULL);
	c.held = c.time_wait = 250;
	c.expiry[599] = 250;
	port_model_held(&m, &c, &o);
	CHECK(m.loop_conns == 30 && m.first_failing_loop == 1);
	c.held = c.time_wait = 0;
	c.expiry[599] = 0;
	port_model_held(&m, &c, &o);
	CHECK(m.first_failing_loop == -1); /* 90 of 300 */
	c.held = c.time_wait = 240; /* 60 free: loops 0 and 1 fit, loop 2 does not */
	c.expiry[0] = 240;          /* ... unless they are free already */
	port_model_held(&m, &c, &o);
	CHECK(m.first_failing_loop == -1);
	c.expiry[0] = 0;
	c.expiry[300] = 240;
	port_model_held(&m, &c, &o);
	CHECK(m.first_failing_loop == 2);
	/* reuse with --interval at least its delay: each loop's ports are back for the next */
	CHECK(model_args(&o, "--local-port-range", "40000-40299", "--interval", "1s", "127.0.0.1", "3",
			 "30", NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_on, "", &m);
	port_model_held(&m, &c, &o);
	CHECK(m.first_failing_loop == -1);
	port_model_compute(&o, &reuse_off, "", &m);
	port_model_held(&m, &c, &o);
	CHECK(m.first_failing_loop == 2);
}

/* Rule: a pool's address is matched whole: IPv6 by its first 96 bits as the list has them and
 * its last 32 inside a segment (a segment may cross a byte boundary), IPv4 by all four bytes;
 * every segment of a list counts, the second as the first, none past its nseg; the route's
 * source is one address, not its neighbour; a listener is no pool's even where any destination
 * counts (--bind alone); a timer longer than the 60 s schedule counts in its last step. */
TEST(model_census_matches_whole_addresses)
{
	struct client_opts o;
	struct port_model m;
	struct port_census c;
	struct endpoint src6, src4;
	CHECK(parse_ip_literal("fd00::9", 0, &src6, &(const char *){NULL}) == 0);
	CHECK(parse_ip_literal("198.18.0.9", 0, &src4, &(const char *){NULL}) == 0);
	CHECK(model_args(&o, "--rate", "50", "--duration", "3", "--local-port-range", "40000-40299",
			 "--port", "4000", "fd00::ff:ffff-fd00::100:1,fd00::7", NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_off, "", &m);
	port_census_init(&c, &o, &m, &src6);
	struct sockdiag_sock in6[] = {
		sock6("fd00::9", 40000, "fd00::ff:ffff", 4000, TCPS_TIME_WAIT, 1000), /* the first */
		sock6("fd00::9", 40001, "fd00::100:0", 4000, TCPS_TIME_WAIT, 1000),   /* past a byte */
		sock6("fd00::9", 40002, "fd00::100:1", 4000, TCPS_ESTABLISHED, 0),    /* the last */
		sock6("fd00::9", 40003, "fd00::7", 4000, TCPS_ESTABLISHED, 0),        /* 2nd segment */
	}, out6[] = {
		sock6("fd00::9", 40010, "fd01::100:0", 4000, TCPS_TIME_WAIT, 1000),   /* other /96 */
		sock6("fd00::9", 40011, "fd00::1:100:0", 4000, TCPS_TIME_WAIT, 1000), /* byte 11 */
		sock6("fd00::9", 40012, "fd00::100:2", 4000, TCPS_TIME_WAIT, 1000),   /* past the end */
		sock6("fd00::9", 40013, "fd00::ff:fffe", 4000, TCPS_TIME_WAIT, 1000), /* before it */
		sock6("fd00::9", 40014, "fd00::8", 4000, TCPS_TIME_WAIT, 1000),
		sock6("fd00::a", 40015, "fd00::7", 4000, TCPS_TIME_WAIT, 1000),       /* not the source */
	};
	for (size_t i = 0; i < sizeof(in6) / sizeof(in6[0]); i++)
		port_census_add(&in6[i], &c);
	for (size_t i = 0; i < sizeof(out6) / sizeof(out6[0]); i++)
		port_census_add(&out6[i], &c);
	struct sockdiag_sock v4 = sock4("198.18.0.9", 40020, "198.18.1.0", 4000, TCPS_TIME_WAIT, 1000);
	port_census_add(&v4, &c);
	CHECK(c.held == 4 && c.time_wait == 2 && c.expiry[10] == 2);
	/* IPv4: bytes 1 and 2 count as much as byte 3 */
	CHECK(model_args(&o, "--rate", "50", "--duration", "3", "--local-port-range", "40000-40299",
			 "--port", "4000", "198.18.0.255-198.18.1.1,198.18.2.3", NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_off, "", &m);
	port_census_init(&c, &o, &m, &src4);
	struct sockdiag_sock in4[] = {
		sock4("198.18.0.9", 40000, "198.18.0.255", 4000, TCPS_TIME_WAIT, 60050), /* over 60 s */
		sock4("198.18.0.9", 40001, "198.18.1.0", 4000, TCPS_ESTABLISHED, 0),
		sock4("198.18.0.9", 40002, "198.18.2.3", 4000, TCPS_ESTABLISHED, 0),
	}, out4[] = {
		sock4("198.18.0.9", 40010, "198.18.1.2", 4000, TCPS_TIME_WAIT, 1000),
		sock4("198.18.0.9", 40011, "198.19.1.0", 4000, TCPS_TIME_WAIT, 1000),
		sock4("198.18.0.9", 40012, "198.18.0.254", 4000, TCPS_TIME_WAIT, 1000),
		sock4("198.18.0.9", 40013, "198.18.2.2", 4000, TCPS_TIME_WAIT, 1000),
		sock4("198.18.0.10", 40014, "198.18.2.3", 4000, TCPS_TIME_WAIT, 1000), /* next source */
	};
	for (size_t i = 0; i < sizeof(in4) / sizeof(in4[0]); i++)
		port_census_add(&in4[i], &c);
	for (size_t i = 0; i < sizeof(out4) / sizeof(out4[0]); i++)
		port_census_add(&out4[i], &c);
	CHECK(c.held == 3 && c.time_wait == 1 && c.expiry[PORT_MODEL_STEPS - 1] == 1);
	/* only the list's nseg segments are its own, whatever the array holds past them */
	o.dsts.nseg = 1;
	o.dsts.total = 3;
	port_census_init(&c, &o, &m, &src4);
	port_census_add(&in4[1], &c);
	port_census_add(&in4[2], &c);
	CHECK(c.held == 1);
	/* --bind alone: every destination counts, a listener on a port of the range still not */
	CHECK(model_args(&o, "--rate", "50", "--duration", "3", "--local-port-range", "40000-40299",
			 "--bind", "198.18.0.9", "198.18.2.3", NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_off, "", &m);
	port_census_init(&c, &o, &m, NULL);
	struct sockdiag_sock listener = sock4("198.18.0.9", 40030, "0.0.0.0", 0, TCPS_LISTEN, 0);
	port_census_add(&listener, &c);
	port_census_add(&out4[0], &c);
	CHECK(c.held == 1);
}

/* The held sockets of a census: held in all, tw of them in TIME_WAIT coming free at step at. */
static struct port_census held_census(uint64_t held, uint64_t tw, uint32_t at)
{
	struct port_census c;
	memset(&c, 0, sizeof(c));
	c.held = held;
	c.time_wait = tw;
	c.expiry[at] = (uint32_t)tw;
	return c;
}

/* Rule (docs/output.md, loop mode): each loop takes CONNS ports from those free at its start:
 * with --linger (no TIME_WAIT) every loop fits when one does, else loop 0 fails; with TIME_WAIT
 * the first failing loop is floor(free / CONNS), none when that is LOOPS or more, CONNS 1
 * included; TIME_WAIT ending now is free; with reuse and --interval equal to the delay each
 * loop's ports are back for the next. Rate and closed-loop runs have no loop to fail. */
TEST(model_loops_from_the_host)
{
	struct client_opts o;
	struct port_model m;
	struct port_census c;
	struct net_sysctls reuse_on = reuse_off;
	reuse_on.tw_reuse = 1;
	CHECK(model_args(&o, "--local-port-range", "40000-40299", "--linger", "127.0.0.1", "3", "30",
			 NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_off, "", &m);
	c = held_census(240, 0, 0);
	port_model_held(&m, &c, &o);
	CHECK(m.free == 60 && m.first_failing_loop == -1);
	c = held_census(270, 0, 0);
	port_model_held(&m, &c, &o);
	CHECK(m.free == 30 && m.first_failing_loop == -1);
	c = held_census(271, 0, 0);
	port_model_held(&m, &c, &o);
	CHECK(m.free == 29 && m.first_failing_loop == 0);
	/* TIME_WAIT kept: floor(free / CONNS) */
	CHECK(model_args(&o, "--local-port-range", "40000-40299", "127.0.0.1", "3", "30", NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_off, "", &m);
	c = held_census(210, 0, 0);
	port_model_held(&m, &c, &o);
	CHECK(m.free == 90 && m.first_failing_loop == -1); /* loops 0, 1 and 2 fit */
	CHECK(model_args(&o, "--local-port-range", "40000-40299", "127.0.0.1", "5", "1", NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_off, "", &m);
	c = held_census(297, 0, 0);
	port_model_held(&m, &c, &o);
	CHECK(m.loop_conns == 1 && m.first_failing_loop == 3);
	CHECK(model_args(&o, "--local-port-range", "40000-40299", "127.0.0.1", "10", "30", NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_off, "", &m);
	c = held_census(100, 50, 0); /* 200 free and 50 free now: 250 */
	port_model_held(&m, &c, &o);
	CHECK(m.free == 200 && m.first_failing_loop == 8);
	/* reuse, --interval 1s = the delay: a loop that fits fits every time */
	CHECK(model_args(&o, "--local-port-range", "40000-40299", "--interval", "1s", "127.0.0.1", "3",
			 "30", NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_on, "", &m);
	CHECK(m.reuse && m.reuse_delay_ms == 1000);
	c = held_census(270, 0, 0);
	port_model_held(&m, &c, &o);
	CHECK(m.first_failing_loop == -1);
	c = held_census(271, 0, 0);
	port_model_held(&m, &c, &o);
	CHECK(m.first_failing_loop == 0);
	/* no loops in rate or closed-loop runs */
	CHECK(model_args(&o, "--rate", "50", "--duration", "3", "--local-port-range", "40000-40299",
			 "127.0.0.1", NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_off, "", &m);
	CHECK(m.first_failing_loop == -1);
	c = held_census(280, 0, 0);
	port_model_held(&m, &c, &o);
	CHECK(m.loop_conns == 0 && m.first_failing_loop == -1);
	CHECK(model_args(&o, "--concurrency", "10", "--count", "200", "--local-port-range",
			 "40000-40299", "127.0.0.1", NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_off, "", &m);
	port_model_held(&m, &c, &o);
	CHECK(m.loop_conns == 0 && m.first_failing_loop == -1);
}

/* Rule: free = P - held, never below 0 (sockets on reserved ports are held outside P): with
 * more held than P the first connect() fails at once; an unread table holds nothing; without
 * reuse a held TIME_WAIT port is free when its timer ends (0.5 s left: step 5). */
TEST(model_held_bounds)
{
	struct client_opts o;
	struct port_model m;
	struct port_census c;
	CHECK(model_args(&o, "--rate", "50", "--duration", "3", "--local-port-range", "40000-40299",
			 "127.0.0.1", NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_off, "", &m);
	c = held_census(310, 0, 0);
	port_model_held(&m, &c, &o);
	CHECK(m.free == 0 && m.first_failure_s == 0);
	port_model_held(&m, NULL, &o);
	CHECK(m.held == 0 && m.held_tw == 0 && m.free == 300);
	c = held_census(100, 100, 5);
	port_model_held(&m, &c, &o);
	CHECK(m.tw_free_at[5] == 100 && m.tw_free_at[4] == 0);
}

/* The first failure as integers compute it, for a rate of R/N a second (a shard's share of an
 * integer --rate): connection i is due at i N / R s, takes a port, and gives it back hold steps
 * of 100 ms after the step it was made in; the answer is the index of the first connection
 * that finds none, or -1. */
static int64_t first_failing_conn(uint64_t free, uint64_t r, uint64_t n, uint32_t hold)
{
	static uint64_t made[PORT_MODEL_STEPS + 600];
	uint64_t avail = free, due = 0;
	for (uint32_t b = 0; b < PORT_MODEL_STEPS + hold; b++) {
		avail += b >= hold ? made[b - hold] : 0;
		uint64_t due_end = (r * (b + 1) + 10 * n - 1) / (10 * n);
		if (due_end - due > avail)
			return (int64_t)(due + avail);
		avail -= due_end - due;
		made[b] = due_end - due;
		due = due_end;
	}
	return -1;
}

/* Rule: the model's first failure is exact to the connection, as integers compute it
 * (first_failing_conn), for integer rates at any scale (16 million a second included) and
 * for shards' shares R/N: no rounding moves a connection into the step before its own. */
TEST(model_first_failure_exact)
{
	static const uint64_t rates[] = {1, 2, 3, 7, 10, 29, 58, 99, 362, 1483, 1930, 216404,
					 1869040, 7304343, 16263020};
	static const uint64_t shards[] = {1, 3, 5, 16};
	static const uint32_t holds[] = {1, 2, 3, 122, 412, 600};
	int bad = 0;
	for (size_t ri = 0; ri < sizeof(rates) / sizeof(rates[0]); ri++)
		for (size_t ni = 0; ni < sizeof(shards) / sizeof(shards[0]); ni++)
			for (size_t hi = 0; hi < sizeof(holds) / sizeof(holds[0]); hi++) {
				uint64_t r = rates[ri], n = shards[ni];
				uint32_t hold = holds[hi];
				/* pools around what the share sustains: ceil(R hold / 10 N) */
				uint64_t sustained = (r * hold + 10 * n - 1) / (10 * n);
				for (uint64_t f = sustained > 2 ? sustained - 2 : 0; f <= sustained + 2; f++) {
					struct port_model m = {.sustainable = 1, .reuse = 1,
							       .reuse_delay_ms = hold * 100, .free = f};
					double at = port_model_first_failure_s(&m, (double)r / (double)n);
					/* the time back as the connection it is the due time of */
					int64_t got = at < 0 ? -1 : (int64_t)(at * (double)r / (double)n + 0.5);
					int64_t want = first_failing_conn(f, r, n, hold);
					if (got != want && bad++ < 5)
						fprintf(stderr, "    rate %llu/%llu, hold %u, %llu ports: connection %lld, want %lld\n",
							(unsigned long long)r, (unsigned long long)n, hold,
							(unsigned long long)f, (long long)got, (long long)want);
				}
			}
	CHECK(bad == 0);
}

/* Rule: the stepped prediction is P/R on an empty host whenever R is above the sustainable
 * rate P/hold, however small P/hold is (30 ports: 0.5/s; one port at 1/s fails at 1 s; no port
 * at all fails at 0 s), and none at or below it: with reuse (hold = the delay, one 0.1 s step
 * for a 50 ms delay) 100 ports sustain 100/s, so 90/s never fails and 110/s fails at 100/110 s;
 * 5 ports at 5/s never fail, at 5.5/s at 5/5.5 s. */
TEST(model_first_failure_stepped)
{
	struct client_opts o;
	struct port_model m;
	CHECK(model_args(&o, "--rate", "10", "--duration", "1", "--local-port-range", "40000-40029",
			 "127.0.0.1", NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_off, "", &m);
	CHECK(m.sustainable == 0.5 && m.first_failure_s > 2.999 && m.first_failure_s < 3.001);
	CHECK(model_args(&o, "--rate", "10", "--duration", "1", "--local-port-range", "40000-40000",
			 "127.0.0.1", NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_off, "", &m);
	CHECK(port_model_first_failure_s(&m, 1.0) > 0.999 && port_model_first_failure_s(&m, 1.0) < 1.001);
	struct net_sysctls none = reuse_off;
	none.port_lo = 40000;
	none.port_hi = 39999;
	CHECK(model_args(&o, "--rate", "10", "--duration", "1", "127.0.0.1", NULL) == PARSE_OK);
	port_model_compute(&o, &none, "", &m);
	CHECK(m.ports == 0 && m.first_failure_s == 0);
	struct net_sysctls reuse_on = reuse_off;
	reuse_on.tw_reuse = 1;
	CHECK(model_args(&o, "--rate", "90", "--duration", "1", "--local-port-range", "40000-40099",
			 "127.0.0.1", NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_on, "", &m);
	CHECK(m.reuse && m.first_failure_s < 0);
	CHECK(port_model_first_failure_s(&m, 95) < 0);
	CHECK(port_model_first_failure_s(&m, 110) > 0.909 && port_model_first_failure_s(&m, 110) < 0.910);
	/* 5 ports, 1 s: 5/s alternates one connection and none a step, never one port short */
	CHECK(model_args(&o, "--rate", "5", "--duration", "1", "--local-port-range", "40000-40004",
			 "127.0.0.1", NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_on, "", &m);
	CHECK(m.reuse && m.sustainable == 5 && m.first_failure_s < 0);
	CHECK(port_model_first_failure_s(&m, 5.5) > 0.908 && port_model_first_failure_s(&m, 5.5) < 0.910);
	reuse_on.tw_reuse_delay_ms = 50;
	CHECK(model_args(&o, "--rate", "90", "--duration", "1", "--local-port-range", "40000-40099",
			 "127.0.0.1", NULL) == PARSE_OK);
	port_model_compute(&o, &reuse_on, "", &m);
	CHECK(m.reuse && m.sustainable == 2000 && port_model_first_failure_s(&m, 900) < 0);
}
