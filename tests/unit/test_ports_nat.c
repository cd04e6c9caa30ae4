/* Unit tests of the `ports --nat` model (src/ports/ports_nat.c): grouping by the reply
 * tuple, counts by state, the pool, the rate from one dump, the forecast and the takeover
 * verdict by kernel. */
#include <arpa/inet.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <netinet/in.h>
#include <stdlib.h>

#include "lib/parse.h"
#include "ports/ports_cmd.h"
#include "ports/ports_nat.h"
#include "unit.h"

/* pool 40000-40019; default hold times; a 1 s window */
static void nat_cfg(struct nat_config *c, int evicts)
{
	memset(c, 0, sizeof(*c));
	c->pool_lo = 40000;
	c->pool_hi = 40019;
	c->pool_given = 1;
	c->hold = (struct nat_holds){120, 60, 432000, 120, 60, 30, 120, 10};
	c->window_s = 1;
	c->evicts = evicts;
}

/* An SNAT entry from client:sport to dst:dport, translated to nat:nport. */
static struct ct_entry entry(const char *nat, uint16_t nport, const char *dst, uint16_t dport,
			     uint8_t state, uint32_t timeout)
{
	struct ct_entry e;
	memset(&e, 0, sizeof(e));
	e.family = AF_INET;
	e.has_status = e.has_timeout = 1;
	e.status = IPS_SRC_NAT | IPS_CONFIRMED;
	e.tcp_state = state;
	e.timeout_s = timeout;
	e.orig.have = e.reply.have = 1;
	e.orig.proto = e.reply.proto = IPPROTO_TCP;
	inet_pton(AF_INET, "10.0.0.2", e.orig.src);
	inet_pton(AF_INET, dst, e.orig.dst);
	e.orig.sport = nport;
	e.orig.dport = dport;
	inet_pton(AF_INET, dst, e.reply.src);
	inet_pton(AF_INET, nat, e.reply.dst);
	e.reply.sport = dport;
	e.reply.dport = nport;
	return e;
}

/* Rule: groups are (NAT address, destination, port) from the reply tuple; in_use counts
 * every state, free = pool - in_use; entries without IPS_SRC_NAT or not TCP stay out;
 * an entry whose NAT port lies outside the pool is counted and flagged; --dst/--dport
 * keep only their groups. */
TEST(nat_groups_and_states)
{
	struct nat_config c;
	nat_cfg(&c, 1);
	struct nat_model m;
	CHECK(nat_init(&m, &c) == 0);
	struct ct_entry e;
	for (int i = 0; i < 5; i++) {
		e = entry("10.9.0.1", (uint16_t)(40000 + i), "10.9.0.2", 80, TCP_CONNTRACK_ESTABLISHED, 431000);
		nat_add(&e, &m);
	}
	for (int i = 0; i < 3; i++) {
		e = entry("10.9.0.1", (uint16_t)(40005 + i), "10.9.0.2", 80, TCP_CONNTRACK_TIME_WAIT, 50);
		nat_add(&e, &m);
	}
	e = entry("10.9.0.1", 40008, "10.9.0.2", 80, TCP_CONNTRACK_CLOSE, 5);
	nat_add(&e, &m);
	e = entry("10.9.0.1", 40009, "10.9.0.2", 80, TCP_CONNTRACK_FIN_WAIT, 100);
	nat_add(&e, &m);
	e = entry("10.9.0.1", 50000, "10.9.0.2", 80, TCP_CONNTRACK_TIME_WAIT, 50); /* outside */
	nat_add(&e, &m);
	e = entry("10.9.0.1", 40000, "10.9.0.3", 80, TCP_CONNTRACK_TIME_WAIT, 50); /* another dst */
	nat_add(&e, &m);
	e = entry("10.9.0.1", 40001, "10.9.0.2", 80, TCP_CONNTRACK_TIME_WAIT, 50);
	e.status = IPS_CONFIRMED; /* not SNAT */
	nat_add(&e, &m);
	e = entry("10.9.0.1", 40002, "10.9.0.2", 80, TCP_CONNTRACK_TIME_WAIT, 50);
	e.reply.proto = IPPROTO_UDP;
	nat_add(&e, &m);
	nat_finish(&m, NULL, 0);
	CHECK(m.ngroups == 2 && m.pool == 20 && m.snat_entries == 12 && m.other_proto == 1);
	const struct nat_group *g = &m.groups[0];
	char d[16];
	inet_ntop(AF_INET, g->dst, d, sizeof(d));
	CHECK_STR(d, "10.9.0.2");
	CHECK(g->dport == 80 && g->in_use == 11 && g->free == 9);
	CHECK(g->established == 5 && g->time_wait == 4 && g->close == 1 && g->other == 1);
	CHECK(g->outside_pool == 1 && g->free_within[0] == 0 && g->free_within[1] == 1);
	CHECK(g->free_within[2] == 5 && g->free_within[3] == 6 && g->next_free_s == 6);
	CHECK(m.groups[1].in_use == 1);
	nat_free(&m);
	c.dport = 81;
	CHECK(nat_init(&m, &c) == 0);
	e = entry("10.9.0.1", 40000, "10.9.0.2", 80, TCP_CONNTRACK_TIME_WAIT, 50);
	nat_add(&e, &m);
	nat_finish(&m, NULL, 0);
	CHECK(m.ngroups == 0 && m.snat_entries == 1);
	nat_free(&m);
}

/* Rule: new entries are those whose unrefreshed timer (SYN_SENT, TIME_WAIT, CLOSE) began
 * within the window: left + window >= hold (never one whose timer is longer than the hold); the forecast fills the pool at that rate less
 * the entries whose timers run out, "never" when the steady state fits. */
TEST(nat_rate_and_forecast)
{
	struct nat_config c;
	nat_cfg(&c, 1);
	struct nat_model m;
	CHECK(nat_init(&m, &c) == 0);
	struct ct_entry e;
	for (int i = 0; i < 4; i++) {
		e = entry("10.9.0.1", (uint16_t)(40000 + i), "10.9.0.2", 80, TCP_CONNTRACK_TIME_WAIT, 119);
		nat_add(&e, &m);
	}
	e = entry("10.9.0.1", 40004, "10.9.0.2", 80, TCP_CONNTRACK_TIME_WAIT, 118); /* 2 s old */
	nat_add(&e, &m);
	e = entry("10.9.0.1", 40005, "10.9.0.2", 80, TCP_CONNTRACK_CLOSE, 9);
	nat_add(&e, &m);
	e = entry("10.9.0.1", 40006, "10.9.0.2", 80, TCP_CONNTRACK_ESTABLISHED, 431999);
	nat_add(&e, &m);
	e = entry("10.9.0.1", 40007, "10.9.0.2", 80, TCP_CONNTRACK_TIME_WAIT, 3600); /* set by hand */
	nat_add(&e, &m);
	nat_finish(&m, NULL, 0);
	const struct nat_group *g = &m.groups[0];
	CHECK(g->in_use == 8 && g->new_per_s == 5.0);
	/* 8 used + 5/s: 12 more fill the 20 in 2.4 s (the CLOSE entry frees at 10 s) */
	CHECK(g->full_in_s > 2.35 && g->full_in_s < 2.45);
	CHECK(nat_forecast(g, 20, 0.05, 120) < 0); /* 6 new in 120 s fit */
	CHECK(nat_forecast(g, 8, 0.05, 120) == 0);  /* full already */
	nat_free(&m);
}

/* Rule: the takeover verdict knows the kernel: on 6.5+ a full pool of closing entries means
 * a retransmit delay (they can be evicted), before 6.5 a timeout; live entries filling the
 * pool mean a timeout on every kernel; a pool with room means immediate. */
TEST(nat_takeover_verdict)
{
	for (int evicts = 0; evicts <= 1; evicts++) {
		struct nat_config c;
		nat_cfg(&c, evicts);
		c.pool_hi = 40003; /* 4 ports */
		struct nat_model m;
		CHECK(nat_init(&m, &c) == 0);
		struct ct_entry e;
		for (int i = 0; i < 3; i++) {
			e = entry("10.9.0.1", (uint16_t)(40000 + i), "10.9.0.2", 80, TCP_CONNTRACK_TIME_WAIT, 100);
			nat_add(&e, &m);
		}
		e = entry("10.9.0.1", 40000, "10.9.0.9", 80, TCP_CONNTRACK_ESTABLISHED, 1000); /* room */
		nat_add(&e, &m);
		e = entry("10.9.0.1", 40003, "10.9.0.2", 80, TCP_CONNTRACK_ESTABLISHED, 1000);
		nat_add(&e, &m);
		for (int i = 0; i < 4; i++) {
			e = entry("10.9.0.1", (uint16_t)(40000 + i), "10.9.0.3", 80, TCP_CONNTRACK_ESTABLISHED, 1000);
			nat_add(&e, &m);
		}
		nat_finish(&m, NULL, 0);
		CHECK(m.ngroups == 3);
		const struct nat_group *closing = &m.groups[0], *live = &m.groups[1];
		if (closing->time_wait == 0) {
			const struct nat_group *t = closing;
			closing = live;
			live = t;
		}
		CHECK(closing->in_use == 4 && live->in_use == 4 && m.groups[2].in_use == 1);
		CHECK(closing->evictable == (evicts ? 3u : 0u) && closing->taken == (evicts ? 1u : 4u));
		CHECK(closing->expect == (evicts ? NAT_DELAY : NAT_TIMEOUT));
		CHECK(live->expect == NAT_TIMEOUT && live->taken == 4);
		CHECK(m.groups[2].expect == NAT_IMMEDIATE);
		CHECK(evicts || strstr(closing->expect_why, "before Linux 6.5") != NULL);
		nat_free(&m);
	}
	CHECK(nat_release_at_least("6.5.0", 6, 5) && nat_release_at_least("6.18.44-fc", 6, 5));
	CHECK(!nat_release_at_least("6.1.0-13-amd64", 6, 5) && nat_release_at_least("7.0", 6, 5));
	CHECK(!nat_release_at_least("5.15.0", 6, 5) && !nat_release_at_least("x", 6, 5));
}

static enum parse_result nat_parse(struct ports_opts *o, char *err, ...)
{
	char *argv[16];
	va_list ap;
	va_start(ap, err);
	int argc = unit_argv(argv, 16, "ports", ap);
	va_end(ap);
	return ports_parse_args(argc, argv, o, err, 160);
}

/* Rule: --nat-ports takes LO-HI within 1-65535, LO <= HI, and only with --nat; a bad one
 * is a one-line error naming the value; not given, the pool is its row's 1024-65535. */
TEST(nat_options)
{
	struct ports_opts o;
	char err[160];
	CHECK(nat_parse(&o, err, "--nat", "--nat-ports", "40000-40099", NULL) == PARSE_OK);
	CHECK(o.nat && o.nat_ports_given && o.nat_lo == 40000 && o.nat_hi == 40099);
	CHECK(nat_parse(&o, err, "--nat", NULL) == PARSE_OK && !o.nat_ports_given);
	CHECK(o.nat_lo == 1024 && o.nat_hi == 65535);
	CHECK(nat_parse(&o, err, "--nat", "--nat-ports", "5000-4000", NULL) == PARSE_ERROR);
	CHECK(strstr(err, "'5000-4000'") != NULL && strchr(err, '\n') == NULL);
	CHECK(nat_parse(&o, err, "--nat", "--nat-ports", "40000", NULL) == PARSE_ERROR);
	CHECK(nat_parse(&o, err, "--nat", "--nat-ports", "0-10", NULL) == PARSE_ERROR);
	CHECK(nat_parse(&o, err, "--nat-ports", "1-10", NULL) == PARSE_ERROR);
	CHECK_STR(err, "--nat-ports needs --nat");
}
