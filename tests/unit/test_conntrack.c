/* Unit tests of the ctnetlink reply parser (src/lib/conntrack.c) on messages built here the
 * way the kernel builds them (nests with NLA_F_NESTED, big-endian values) and on a real
 * SNAT dump captured in a namespace (tests/fuzz/corpus/conntrack_parse, ct_capture.py). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/conntrack.h"
#include "unit.h"

struct ctbuf {
	unsigned char b[4096];
	size_t len;
	size_t nest[8];
	int depth;
	size_t msg;
};

static void msg_begin(struct ctbuf *c, int type, uint8_t family)
{
	c->msg = c->len;
	struct nlmsghdr h = {.nlmsg_type = (uint16_t)(NFNL_SUBSYS_CTNETLINK << 8 | type)};
	memcpy(c->b + c->len, &h, sizeof(h));
	c->len += NLMSG_HDRLEN;
	struct nfgenmsg g = {.nfgen_family = family, .version = NFNETLINK_V0};
	memcpy(c->b + c->len, &g, sizeof(g));
	c->len += NLMSG_ALIGN(sizeof(g));
}

static void msg_end(struct ctbuf *c)
{
	uint32_t l = (uint32_t)(c->len - c->msg);
	memcpy(c->b + c->msg, &l, 4);
	c->len = c->msg + NLMSG_ALIGN(l);
}

static void put_attr(struct ctbuf *c, int type, const void *data, size_t len)
{
	struct nlattr a = {.nla_len = (uint16_t)(NLA_HDRLEN + len), .nla_type = (uint16_t)type};
	memcpy(c->b + c->len, &a, sizeof(a));
	memcpy(c->b + c->len + NLA_HDRLEN, data, len);
	c->len += NLA_ALIGN(a.nla_len);
	memset(c->b + c->len - (NLA_ALIGN(a.nla_len) - a.nla_len), 0, NLA_ALIGN(a.nla_len) - a.nla_len);
}

static void put_be32(struct ctbuf *c, int type, uint32_t v)
{
	v = htonl(v);
	put_attr(c, type, &v, 4);
}

static void put_be16(struct ctbuf *c, int type, uint16_t v)
{
	v = htons(v);
	put_attr(c, type, &v, 2);
}

static void nest_begin(struct ctbuf *c, int type)
{
	c->nest[c->depth++] = c->len;
	struct nlattr a = {.nla_type = (uint16_t)(type | NLA_F_NESTED)};
	memcpy(c->b + c->len, &a, sizeof(a));
	c->len += NLA_HDRLEN;
}

static void nest_end(struct ctbuf *c)
{
	size_t at = c->nest[--c->depth];
	uint16_t l = (uint16_t)(c->len - at);
	memcpy(c->b + at, &l, 2);
}

static void put_tuple(struct ctbuf *c, int type, const char *src, const char *dst,
		      uint16_t sport, uint16_t dport)
{
	uint8_t a[4];
	nest_begin(c, type);
	nest_begin(c, CTA_TUPLE_IP);
	inet_pton(AF_INET, src, a);
	put_attr(c, CTA_IP_V4_SRC, a, 4);
	inet_pton(AF_INET, dst, a);
	put_attr(c, CTA_IP_V4_DST, a, 4);
	nest_end(c);
	nest_begin(c, CTA_TUPLE_PROTO);
	uint8_t p = IPPROTO_TCP;
	put_attr(c, CTA_PROTO_NUM, &p, 1);
	put_be16(c, CTA_PROTO_SRC_PORT, sport);
	put_be16(c, CTA_PROTO_DST_PORT, dport);
	nest_end(c);
	nest_end(c);
}

/* One SNAT'd TCP entry: client 10.0.0.2:sport -> 10.9.0.2:80, translated to 10.9.0.1:nport. */
static void put_entry(struct ctbuf *c, uint16_t sport, uint16_t nport, uint32_t status,
		      uint8_t state, uint32_t timeout)
{
	msg_begin(c, IPCTNL_MSG_CT_NEW, AF_INET);
	put_tuple(c, CTA_TUPLE_ORIG, "10.0.0.2", "10.9.0.2", sport, 80);
	put_tuple(c, CTA_TUPLE_REPLY, "10.9.0.2", "10.9.0.1", 80, nport);
	put_be32(c, CTA_STATUS, status);
	put_be32(c, CTA_TIMEOUT, timeout);
	put_be32(c, 99, 7); /* an attribute this parser does not know */
	nest_begin(c, CTA_PROTOINFO);
	nest_begin(c, CTA_PROTOINFO_TCP);
	put_attr(c, CTA_PROTOINFO_TCP_STATE, &state, 1);
	nest_end(c);
	nest_end(c);
	msg_end(c);
}

static void put_done(struct ctbuf *c, int type, int32_t err)
{
	c->msg = c->len;
	struct nlmsghdr h = {.nlmsg_type = (uint16_t)type};
	memcpy(c->b + c->len, &h, sizeof(h));
	c->len += NLMSG_HDRLEN;
	struct nlmsgerr e = {.error = err};
	memcpy(c->b + c->len, &e, type == NLMSG_ERROR ? sizeof(e) : 4);
	c->len += type == NLMSG_ERROR ? sizeof(e) : 4;
	msg_end(c);
}

struct seen {
	struct ct_entry e[8];
	int n;
};

static void keep(const struct ct_entry *e, void *arg)
{
	struct seen *s = arg;
	if (s->n < 8)
		s->e[s->n] = *e;
	s->n++;
}

/* Rule: an entry's tuples (addresses, ports, protocol), status, timeout and TCP state are
 * read through nests marked NLA_F_NESTED and past attributes the parser does not know;
 * ct_is_snat keeps IPS_SRC_NAT entries only; NLMSG_DONE ends the dump. */
TEST(conntrack_parse_entries)
{
	struct ctbuf c = {.len = 0};
	put_entry(&c, 45000, 40007, IPS_SRC_NAT | IPS_CONFIRMED, TCP_CONNTRACK_TIME_WAIT, 117);
	put_entry(&c, 45001, 45001, IPS_CONFIRMED, TCP_CONNTRACK_ESTABLISHED, 431999);
	struct seen v = {.n = 0};
	struct ct_sink sink = {keep, &v, NULL};
	CHECK(ct_parse(c.b, c.len, &sink) == CT_MORE);
	CHECK(v.n == 2);
	const struct ct_entry *e = &v.e[0];
	CHECK(e->family == AF_INET && e->tcp_state == TCP_CONNTRACK_TIME_WAIT);
	CHECK(e->has_timeout && e->timeout_s == 117 && e->has_status);
	CHECK(e->orig.have && e->orig.proto == IPPROTO_TCP && e->orig.sport == 45000 && e->orig.dport == 80);
	CHECK(e->orig.src[0] == 10 && e->orig.src[3] == 2 && e->orig.dst[1] == 9 && e->orig.src[4] == 0);
	CHECK(e->reply.sport == 80 && e->reply.dport == 40007 && e->reply.dst[3] == 1 && e->reply.src[3] == 2);
	CHECK(ct_is_snat(&v.e[0]) && !ct_is_snat(&v.e[1]));
	CHECK(v.e[1].tcp_state == TCP_CONNTRACK_ESTABLISHED && v.e[1].timeout_s == 431999);
	CHECK_STR(ct_state_name(v.e[0].tcp_state), "TIME_WAIT");
	CHECK_STR(ct_state_name(CT_NO_STATE), "NONE");
	put_done(&c, NLMSG_DONE, 0);
	v.n = 0;
	CHECK(ct_parse(c.b, c.len, &sink) == CT_DONE && v.n == 2);
}

/* Rule: per-CPU statistics are summed over the CPU messages, 32- and 64-bit counters alike;
 * the global message gives entries and nf_conntrack_max. */
TEST(conntrack_parse_stats)
{
	struct ctbuf c = {.len = 0};
	for (int cpu = 0; cpu < 3; cpu++) {
		msg_begin(&c, IPCTNL_MSG_CT_GET_STATS_CPU, AF_UNSPEC);
		put_be32(&c, CTA_STATS_INSERT_FAILED, 5 + (uint32_t)cpu);
		put_be32(&c, CTA_STATS_DROP, 2);
		uint32_t big[2] = {htonl(1), htonl(3)}; /* 2^32 + 3 */
		put_attr(&c, CTA_STATS_EARLY_DROP, big, 8);
		put_be32(&c, CTA_STATS_SEARCH_RESTART, 1);
		put_be32(&c, CTA_STATS_CLASH_RESOLVE, 4);
		msg_end(&c);
	}
	msg_begin(&c, IPCTNL_MSG_CT_GET_STATS, AF_UNSPEC);
	put_be32(&c, CTA_STATS_GLOBAL_ENTRIES, 17);
	put_be32(&c, CTA_STATS_GLOBAL_MAX_ENTRIES, 262144);
	msg_end(&c);
	put_done(&c, NLMSG_ERROR, 0); /* the acknowledgement that ends a request */
	struct ct_stats st;
	memset(&st, 0, sizeof(st));
	struct ct_sink sink = {NULL, NULL, &st};
	CHECK(ct_parse(c.b, c.len, &sink) == CT_DONE);
	CHECK(st.cpus == 3 && st.insert_failed == 18 && st.drop == 6);
	CHECK(st.early_drop == 3 * ((1ull << 32) + 3) && st.search_restart == 3 && st.clash_resolve == 12);
	CHECK(st.have_global && st.entries == 17 && st.max_entries == 262144);
}

/* Rule: a kernel error comes back as its errno (EPERM without CAP_NET_ADMIN); a message
 * longer than the buffer is -EPROTO and never reaches the callback; a cut attribute or a
 * short value is skipped; messages of another subsystem are skipped. */
TEST(conntrack_parse_errors)
{
	struct ctbuf c = {.len = 0};
	struct seen v = {.n = 0};
	struct ct_sink sink = {keep, &v, NULL};
	put_done(&c, NLMSG_ERROR, -EPERM);
	CHECK(ct_parse(c.b, c.len, &sink) == -EPERM);
	c.len = 0;
	put_done(&c, NLMSG_DONE, -EINTR); /* a dump the kernel could not finish */
	CHECK(ct_parse(c.b, c.len, &sink) == -EINTR);
	c.len = 0;
	put_entry(&c, 1, 2, IPS_SRC_NAT, TCP_CONNTRACK_CLOSE, 9);
	CHECK(ct_parse(c.b, c.len - 4, &sink) == -EPROTO && v.n == 0);
	CHECK(ct_parse(c.b, 10, &sink) == CT_MORE && v.n == 0); /* header cut */
	/* the message ends inside its last attribute: the attributes before it still count */
	uint32_t l;
	memcpy(&l, c.b, 4);
	l -= 8;
	memcpy(c.b, &l, 4);
	CHECK(ct_parse(c.b, c.len, &sink) == CT_MORE && v.n == 1);
	CHECK(v.e[0].has_status && v.e[0].has_timeout && v.e[0].tcp_state == CT_NO_STATE);
	c.len = 0;
	v.n = 0;
	put_entry(&c, 1, 2, IPS_SRC_NAT, TCP_CONNTRACK_CLOSE, 9);
	c.b[5] = NFNL_SUBSYS_CTNETLINK_EXP; /* nlmsg_type's subsystem byte */
	CHECK(ct_parse(c.b, c.len, &sink) == CT_MORE && v.n == 0);
	CHECK(strstr(ct_strerror(-EPERM), "CAP_NET_ADMIN") != NULL);
	CHECK(strstr(ct_strerror(-EINVAL), "nf_conntrack_netlink") != NULL);
}

/* Rule: a real SNAT dump (14 TIME_WAIT entries through a masquerade to 198.19.0.1:40000-
 * 40019 toward 198.19.0.2:4000, captured on Linux 6.18) parses into those entries. */
TEST(conntrack_parse_real_dump)
{
	FILE *f = fopen("tests/fuzz/corpus/conntrack_parse/snat_tw.0", "rb");
	CHECK(f != NULL);
	if (f == NULL)
		return;
	static unsigned char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	struct seen v = {.n = 0};
	struct ct_sink sink = {keep, &v, NULL};
	CHECK(ct_parse(buf, n, &sink) == CT_MORE);
	CHECK(v.n == 14);
	for (int i = 0; i < v.n && i < 8; i++) {
		const struct ct_entry *e = &v.e[i];
		CHECK(ct_is_snat(e) && e->tcp_state == TCP_CONNTRACK_TIME_WAIT && e->timeout_s <= 120);
		CHECK(e->reply.sport == 4000 && e->reply.dport >= 40000 && e->reply.dport <= 40019);
		CHECK(e->reply.dst[0] == 198 && e->reply.dst[1] == 19 && e->reply.dst[3] == 1);
		CHECK(e->orig.dst[3] == 2 && e->orig.dport == 4000 && e->family == AF_INET);
	}
}
