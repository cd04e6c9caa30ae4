/* The conntrack table through ctnetlink (NETLINK_NETFILTER, subsystem CTNETLINK): dump
 * requests for the SNAT entries and for the statistics (sent and read by nl_dump.c's loop),
 * and a parser of the replies with no I/O (ct_parse), fuzzed by
 * tests/fuzz/fuzz_conntrack_parse.c. libc and the UAPI headers only: the layout is that of
 * linux/netfilter/nfnetlink_conntrack.h. */
#include "lib/conntrack.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/nl_dump.h"

static const char *const ct_state_names[] = {
	"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT", "LAST_ACK",
	"TIME_WAIT", "CLOSE", "SYN_SENT2",
};

const char *ct_state_name(int state)
{
	if (state < 0 || state >= (int)(sizeof(ct_state_names) / sizeof(ct_state_names[0])))
		return "NONE";
	return ct_state_names[state];
}

int ct_is_snat(const struct ct_entry *e)
{
	return e->has_status && (e->status & IPS_SRC_NAT) != 0;
}

/* Attributes in [p, p + len): nla_next hands them over one by one, with the type masked
 * (the kernel sets NLA_F_NESTED on nests since 5.2), and stops at a malformed one. */
struct nla_iter {
	const unsigned char *p;
	size_t len, off;
};

static int nla_next(struct nla_iter *it, int *type, const unsigned char **data, size_t *dlen)
{
	if (it->len - it->off < NLA_HDRLEN || it->off > it->len)
		return 0;
	struct nlattr a;
	memcpy(&a, it->p + it->off, sizeof(a));
	if (a.nla_len < NLA_HDRLEN || a.nla_len > it->len - it->off)
		return 0;
	*type = a.nla_type & NLA_TYPE_MASK;
	*data = it->p + it->off + NLA_HDRLEN;
	*dlen = a.nla_len - NLA_HDRLEN;
	size_t step = NLA_ALIGN(a.nla_len);
	it->off = step > it->len - it->off ? it->len : it->off + step;
	return 1;
}

static uint32_t be32_at(const unsigned char *d)
{
	uint32_t v;
	memcpy(&v, d, 4);
	return ntohl(v);
}

static uint64_t be64_at(const unsigned char *d)
{
	return (uint64_t)be32_at(d) << 32 | be32_at(d + 4);
}

static uint16_t be16_at(const unsigned char *d)
{
	uint16_t v;
	memcpy(&v, d, 2);
	return ntohs(v);
}

/* CTA_TUPLE_IP and CTA_TUPLE_PROTO of one tuple. */
static void parse_tuple(const unsigned char *p, size_t len, struct ct_tuple *t)
{
	struct nla_iter it = {p, len, 0}, in;
	int type, t2;
	const unsigned char *d, *d2;
	size_t dl, dl2;
	t->have = 1;
	while (nla_next(&it, &type, &d, &dl)) {
		in = (struct nla_iter){d, dl, 0};
		if (type == CTA_TUPLE_IP) {
			while (nla_next(&in, &t2, &d2, &dl2)) {
				size_t want = t2 == CTA_IP_V4_SRC || t2 == CTA_IP_V4_DST ? 4 : 16;
				if (t2 < CTA_IP_V4_SRC || t2 > CTA_IP_V6_DST || dl2 < want)
					continue;
				memcpy(t2 == CTA_IP_V4_SRC || t2 == CTA_IP_V6_SRC ? t->src : t->dst, d2, want);
			}
		} else if (type == CTA_TUPLE_PROTO) {
			while (nla_next(&in, &t2, &d2, &dl2)) {
				if (t2 == CTA_PROTO_NUM && dl2 >= 1)
					t->proto = d2[0];
				else if (t2 == CTA_PROTO_SRC_PORT && dl2 >= 2)
					t->sport = be16_at(d2);
				else if (t2 == CTA_PROTO_DST_PORT && dl2 >= 2)
					t->dport = be16_at(d2);
			}
		}
	}
}

/* CTA_PROTOINFO > CTA_PROTOINFO_TCP > CTA_PROTOINFO_TCP_STATE. */
static void parse_protoinfo(const unsigned char *p, size_t len, struct ct_entry *e)
{
	struct nla_iter it = {p, len, 0}, in;
	int type, t2;
	const unsigned char *d, *d2;
	size_t dl, dl2;
	while (nla_next(&it, &type, &d, &dl)) {
		if (type != CTA_PROTOINFO_TCP)
			continue;
		in = (struct nla_iter){d, dl, 0};
		while (nla_next(&in, &t2, &d2, &dl2))
			if (t2 == CTA_PROTOINFO_TCP_STATE && dl2 >= 1)
				e->tcp_state = d2[0];
	}
}

static void parse_entry(const unsigned char *p, size_t len, uint8_t family, const struct ct_sink *s)
{
	struct ct_entry e;
	memset(&e, 0, sizeof(e));
	e.family = family;
	e.tcp_state = CT_NO_STATE;
	struct nla_iter it = {p, len, 0};
	int type;
	const unsigned char *d;
	size_t dl;
	while (nla_next(&it, &type, &d, &dl)) {
		switch (type) {
		case CTA_TUPLE_ORIG: parse_tuple(d, dl, &e.orig); break;
		case CTA_TUPLE_REPLY: parse_tuple(d, dl, &e.reply); break;
		case CTA_PROTOINFO: parse_protoinfo(d, dl, &e); break;
		case CTA_STATUS:
			if (dl >= 4)
				e.status = be32_at(d), e.has_status = 1;
			break;
		case CTA_TIMEOUT:
			if (dl >= 4)
				e.timeout_s = be32_at(d), e.has_timeout = 1;
			break;
		default: break;
		}
	}
	if (s->fn)
		s->fn(&e, s->arg);
}

/* A counter: 32 bits before Linux 5.? sent some as u32; take either width. */
static uint64_t stat_value(const unsigned char *d, size_t dl)
{
	return dl >= 8 ? be64_at(d) : dl >= 4 ? be32_at(d) : 0;
}

static void parse_stats_cpu(const unsigned char *p, size_t len, struct ct_stats *st)
{
	struct nla_iter it = {p, len, 0};
	int type;
	const unsigned char *d;
	size_t dl;
	st->cpus++;
	while (nla_next(&it, &type, &d, &dl)) {
		uint64_t v = stat_value(d, dl);
		switch (type) {
		case CTA_STATS_FOUND: st->found += v; break;
		case CTA_STATS_INVALID: st->invalid += v; break;
		case CTA_STATS_INSERT: st->insert += v; break;
		case CTA_STATS_INSERT_FAILED: st->insert_failed += v; break;
		case CTA_STATS_DROP: st->drop += v; break;
		case CTA_STATS_EARLY_DROP: st->early_drop += v; break;
		case CTA_STATS_ERROR: st->error += v; break;
		case CTA_STATS_SEARCH_RESTART: st->search_restart += v; break;
		case CTA_STATS_CLASH_RESOLVE: st->clash_resolve += v; break;
		case CTA_STATS_CHAIN_TOOLONG: st->chain_toolong += v; break;
		default: break;
		}
	}
}

static void parse_stats_global(const unsigned char *p, size_t len, struct ct_stats *st)
{
	struct nla_iter it = {p, len, 0};
	int type;
	const unsigned char *d;
	size_t dl;
	while (nla_next(&it, &type, &d, &dl)) {
		if (dl < 4)
			continue;
		if (type == CTA_STATS_GLOBAL_ENTRIES)
			st->entries = be32_at(d), st->have_global = 1;
		else if (type == CTA_STATS_GLOBAL_MAX_ENTRIES)
			st->max_entries = be32_at(d);
	}
}

/* One reply message: entries to the sink's fn, statistics into its stats; messages of
 * other subsystems and types skipped. */
static int ct_message(const struct nlmsghdr *h, const unsigned char *pl, size_t plen, void *arg)
{
	const struct ct_sink *sink = arg;
	if (h->nlmsg_type >> 8 != NFNL_SUBSYS_CTNETLINK || plen < sizeof(struct nfgenmsg))
		return 0;
	struct nfgenmsg g;
	memcpy(&g, pl, sizeof(g));
	const unsigned char *attrs = pl + NLMSG_ALIGN(sizeof(g));
	size_t alen = plen >= NLMSG_ALIGN(sizeof(g)) ? plen - NLMSG_ALIGN(sizeof(g)) : 0;
	switch (h->nlmsg_type & 0xff) {
	case IPCTNL_MSG_CT_NEW:
	case IPCTNL_MSG_CT_GET:
		parse_entry(attrs, alen, g.nfgen_family, sink);
		break;
	case IPCTNL_MSG_CT_GET_STATS_CPU:
		if (sink->stats)
			parse_stats_cpu(attrs, alen, sink->stats);
		break;
	case IPCTNL_MSG_CT_GET_STATS:
		if (sink->stats)
			parse_stats_global(attrs, alen, sink->stats);
		break;
	default: break;
	}
	return 0;
}

_Static_assert((int)CT_DONE == (int)NL_DONE && (int)CT_MORE == (int)NL_MORE,
	       "ct_parse returns nl_walk's results");

/* ctnetlink's replies: a dump that failed on the way says so in NLMSG_DONE's payload; the
 * statistics request asks for an acknowledgement, which ends it. */
static struct nl_reader ct_reader(struct ct_sink *sink)
{
	return (struct nl_reader){ct_message, sink, NL_DONE_ERRNO | NL_ACK_ENDS};
}

int ct_parse(const void *buf, size_t len, const struct ct_sink *sink)
{
	struct ct_sink s = *sink;
	struct nl_reader r = ct_reader(&s);
	return nl_walk(buf, len, &r);
}

/* Append a 32-bit big-endian attribute at *len of buf. */
static void put_be32(unsigned char *buf, size_t *len, uint16_t type, uint32_t v)
{
	struct nlattr a = {.nla_len = NLA_HDRLEN + 4, .nla_type = type};
	uint32_t be = htonl(v);
	memcpy(buf + *len, &a, sizeof(a));
	memcpy(buf + *len + NLA_HDRLEN, &be, 4);
	*len += NLA_ALIGN(a.nla_len);
}

/* A ctnetlink request: the header, nfgenmsg and at most two attributes. */
union ct_request {
	struct nlmsghdr h;
	unsigned char raw[NLMSG_HDRLEN + 64];
};

/* Build one ctnetlink request of message type `msg` (flags: NLM_F_DUMP or not), with the
 * IPS_SRC_NAT status filter when snat_only, into m; returns its length. */
static size_t build_request(union ct_request *m, int msg, uint16_t flags, int snat_only)
{
	memset(m, 0, sizeof(*m));
	size_t len = NLMSG_HDRLEN;
	struct nfgenmsg g = {.nfgen_family = AF_UNSPEC, .version = NFNETLINK_V0, .res_id = 0};
	memcpy(m->raw + len, &g, sizeof(g));
	len += NLMSG_ALIGN(sizeof(g));
	if (snat_only) {
		/* 5.15+ dumps only entries with (status & mask) == value; older kernels
		 * ignore both attributes and dump everything (ct_is_snat filters then) */
		put_be32(m->raw, &len, CTA_STATUS, IPS_SRC_NAT);
		put_be32(m->raw, &len, CTA_STATUS_MASK, IPS_SRC_NAT);
	}
	m->h.nlmsg_len = (uint32_t)len;
	m->h.nlmsg_type = (uint16_t)(NFNL_SUBSYS_CTNETLINK << 8 | msg);
	m->h.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	m->h.nlmsg_seq = 1;
	return len;
}

/* One request and its replies on a fresh socket. */
static int ct_request(int msg, uint16_t flags, int snat_only, struct ct_sink *sink)
{
	struct nl_sock s;
	int rc = nl_open(&s, NETLINK_NETFILTER);
	if (rc != 0)
		return rc;
	union ct_request m;
	size_t len = build_request(&m, msg, flags, snat_only);
	struct nl_reader r = ct_reader(sink);
	rc = nl_request(&s, &m, len, &r);
	nl_close(&s);
	return rc;
}

struct snat_filter {
	ct_entry_fn fn;
	void *arg;
};

static void keep_snat(const struct ct_entry *e, void *arg)
{
	const struct snat_filter *f = arg;
	if (ct_is_snat(e))
		f->fn(e, f->arg);
}

int ct_dump_snat(ct_entry_fn fn, void *arg)
{
	struct snat_filter f = {fn, arg};
	struct ct_sink sink = {keep_snat, &f, NULL};
	return ct_request(IPCTNL_MSG_CT_GET, NLM_F_DUMP, 1, &sink);
}

int ct_read_stats(struct ct_stats *s)
{
	memset(s, 0, sizeof(*s));
	struct ct_sink sink = {NULL, NULL, s};
	int rc = ct_request(IPCTNL_MSG_CT_GET_STATS_CPU, NLM_F_DUMP, 0, &sink);
	if (rc == 0)
		rc = ct_request(IPCTNL_MSG_CT_GET_STATS, NLM_F_ACK, 0, &sink); /* no dump: the ack ends it */
	return rc;
}

const char *ct_strerror(int rc)
{
	switch (-rc) {
	case EPERM:
		return "Operation not permitted: reading conntrack needs CAP_NET_ADMIN in this "
		       "network namespace (run as root, or ip netns exec as root)";
	case EINVAL:
	case EOPNOTSUPP:
	case EPROTONOSUPPORT:
		return "the kernel has no conntrack netlink interface: the module nf_conntrack_netlink "
		       "is not loaded and could not be (modprobe nf_conntrack_netlink)";
	default:
		return strerror(-rc);
	}
}
