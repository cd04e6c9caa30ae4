/* TCP sockets through NETLINK_SOCK_DIAG: one SOCK_DIAG_BY_FAMILY dump per address family
 * with an inet_diag_req_v2, a port filter as INET_DIAG_REQ_BYTECODE so that the kernel
 * sends only matching sockets, TCP_INFO (INET_DIAG_INFO) on request. The parsing of the
 * replies (sockdiag_parse) is apart from the socket I/O, so it can be tested on buffers;
 * the request and its replies go through nl_dump.c's loop. */
#include "lib/sockdiag.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <string.h>

#include "lib/nl_dump.h"

#define TCPS_NEW_SYN_RECV 12 /* request sockets; the kernel reports them as SYN_RECV */

static const char *const state_names[TCPS_MAX + 1] = {
	NULL, "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
	"CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
};

const char *tcp_state_name(int state)
{
	return state >= 1 && state <= TCPS_MAX ? state_names[state] : NULL;
}

/* One port comparison: {code, yes = 8, no = 12} then {0, 0, port}. "no" jumps 4 bytes
 * past the end of an 8-byte program: the kernel rejects a socket whose run ends past the
 * end, and accepts one whose run ends exactly there. */
static void put_port_cond(struct inet_diag_bc_op *op, unsigned char code, uint16_t port)
{
	op[0] = (struct inet_diag_bc_op){.code = code, .yes = 8, .no = 12};
	op[1] = (struct inet_diag_bc_op){.code = 0, .yes = 0, .no = port};
}

size_t sockdiag_port_bytecode(uint16_t port, enum port_end end, void *buf, size_t cap)
{
	struct inet_diag_bc_op ops[5];
	size_t len;
	switch (end) {
	case PORT_LOCAL:
		put_port_cond(ops, INET_DIAG_BC_S_EQ, port);
		len = 8;
		break;
	case PORT_REMOTE:
		put_port_cond(ops, INET_DIAG_BC_D_EQ, port);
		len = 8;
		break;
	default:
		/* sport == P or dport == P, as ss builds "A or B": A, JMP over B, B. A's "no"
		 * (12) lands on B; A's "yes" reaches the JMP, which jumps to the end: accept. */
		put_port_cond(ops, INET_DIAG_BC_S_EQ, port);
		ops[2] = (struct inet_diag_bc_op){.code = INET_DIAG_BC_JMP, .yes = 4, .no = 12};
		put_port_cond(ops + 3, INET_DIAG_BC_D_EQ, port);
		len = 20;
		break;
	}
	if (cap < len)
		return 0;
	memcpy(buf, ops, len);
	return len;
}

/* Fill s from one SOCK_DIAG_BY_FAMILY message of len bytes (at least the inet_diag_msg). */
static void parse_msg(const struct inet_diag_msg *m, size_t len, struct sockdiag_sock *s)
{
	memset(s, 0, sizeof(*s));
	s->family = m->idiag_family;
	s->state = m->idiag_state == TCPS_NEW_SYN_RECV ? TCPS_SYN_RECV : m->idiag_state;
	s->sport = ntohs(m->id.idiag_sport);
	s->dport = ntohs(m->id.idiag_dport);
	size_t alen = m->idiag_family == AF_INET6 ? 16 : 4;
	memcpy(s->src, m->id.idiag_src, alen);
	memcpy(s->dst, m->id.idiag_dst, alen);
	s->expires_ms = m->idiag_expires;
	s->ifindex = m->id.idiag_if;
	s->timestamps = -1;
	/* The attributes after the message: only INET_DIAG_INFO (struct tcp_info) is read. */
	size_t off = NLMSG_ALIGN(sizeof(*m));
	const unsigned char *p = (const unsigned char *)m;
	while (len >= off + NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)(p + off);
		if (a->nla_len < NLA_HDRLEN || a->nla_len > len - off)
			break;
		size_t need = offsetof(struct tcp_info, tcpi_options) + 1;
		if (a->nla_type == INET_DIAG_INFO && a->nla_len >= NLA_HDRLEN + need) {
			uint8_t opts = p[off + NLA_HDRLEN + offsetof(struct tcp_info, tcpi_options)];
			s->timestamps = (opts & TCPI_OPT_TIMESTAMPS) != 0;
		}
		off += NLA_ALIGN(a->nla_len);
	}
}

/* Where a dump's sockets go. */
struct sock_target {
	sockdiag_fn fn;
	void *arg;
};

/* One reply message: a socket in a state 1..TCPS_MAX (or a request socket) goes to the
 * target's fn; other messages are skipped. */
static int sock_message(const struct nlmsghdr *h, const unsigned char *pl, size_t plen, void *arg)
{
	const struct sock_target *t = arg;
	if ((h->nlmsg_type != SOCK_DIAG_BY_FAMILY && h->nlmsg_type != TCPDIAG_GETSOCK) ||
	    plen < sizeof(struct inet_diag_msg))
		return 0;
	/* a copy, aligned, of the message with its attributes */
	union {
		struct inet_diag_msg m;
		unsigned char raw[1024];
	} u;
	if (plen > sizeof(u.raw))
		plen = sizeof(u.raw);
	memcpy(u.raw, pl, plen);
	if (u.m.idiag_state < 1 || (u.m.idiag_state > TCPS_MAX && u.m.idiag_state != TCPS_NEW_SYN_RECV))
		return 0;
	struct sockdiag_sock s;
	parse_msg(&u.m, plen, &s);
	t->fn(&s, t->arg);
	return 0;
}

_Static_assert((int)SOCKDIAG_DONE == (int)NL_DONE && (int)SOCKDIAG_MORE == (int)NL_MORE,
	       "sockdiag_parse returns nl_walk's results");

/* sock_diag's replies: netlink_dump() puts the dump's result in NLMSG_DONE's payload for
 * every family, so a dump that failed on the way (-EMSGSIZE, -ENOMEM) is its errno, not a
 * short table read as whole; a dump request asks for no acknowledgement (an NLMSG_ERROR of
 * 0 is -EPROTO). */
static struct nl_reader sock_reader(struct sock_target *t)
{
	return (struct nl_reader){sock_message, t, NL_DONE_ERRNO};
}

int sockdiag_parse(const void *buf, size_t len, sockdiag_fn fn, void *arg)
{
	struct sock_target t = {fn, arg};
	struct nl_reader r = sock_reader(&t);
	return nl_walk(buf, len, &r);
}

/* A dump request: the header, the request (either version) and the bytecode attribute. */
struct diag_request {
	struct nlmsghdr nlh;
	union {
		struct inet_diag_req_v2 v2;
		struct inet_diag_req v1;
	} req;
	unsigned char tail[NLA_HDRLEN + 32]; /* room for the bytecode attribute */
};

/* Build the dump request into msg: for one family (inet_diag_req_v2), or with AF_UNSPEC
 * the older TCPDIAG_GETSOCK request (inet_diag_req), which the kernel answers for IPv4 and
 * IPv6 in one walk of its tables instead of one walk per family. Returns its length. */
static size_t build_request(struct diag_request *msg, int family, const struct sockdiag_filter *f,
			    uint32_t states, int with_info)
{
	memset(msg, 0, sizeof(*msg));
	unsigned char bc[32];
	size_t bclen = f->port ? sockdiag_port_bytecode(f->port, f->end, bc, sizeof(bc)) : 0;
	if (states & TCPF(TCPS_SYN_RECV))
		states |= TCPF(TCPS_NEW_SYN_RECV);
	uint8_t ext = with_info ? 1u << (INET_DIAG_INFO - 1) : 0;
	if (family == AF_UNSPEC) {
		msg->nlh.nlmsg_type = TCPDIAG_GETSOCK;
		msg->req.v1.idiag_family = AF_INET; /* ignored: the kernel dumps both */
		msg->req.v1.idiag_states = states;
		msg->req.v1.idiag_ext = ext;
	} else {
		msg->nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
		msg->req.v2.sdiag_family = (uint8_t)family;
		msg->req.v2.sdiag_protocol = IPPROTO_TCP;
		msg->req.v2.idiag_states = states;
		msg->req.v2.idiag_ext = ext;
	}
	size_t reqlen = family == AF_UNSPEC ? sizeof(msg->req.v1) : sizeof(msg->req.v2);
	msg->nlh.nlmsg_len = NLMSG_LENGTH(reqlen);
	msg->nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	msg->nlh.nlmsg_seq = 1;
	if (bclen) {
		/* the attribute follows the request (both sizes are multiples of 4) */
		struct nlattr attr = {.nla_type = INET_DIAG_REQ_BYTECODE,
				      .nla_len = (uint16_t)(NLA_HDRLEN + bclen)};
		unsigned char *at = (unsigned char *)msg + msg->nlh.nlmsg_len;
		memcpy(at, &attr, sizeof(attr));
		memcpy(at + NLA_HDRLEN, bc, bclen);
		msg->nlh.nlmsg_len += NLA_HDRLEN + (uint32_t)bclen;
	}
	return msg->nlh.nlmsg_len;
}

/* One dump request on s and its replies, each socket to fn. 0 or -errno. */
static int dump_on(struct nl_sock *s, int family, const struct sockdiag_filter *f,
		   uint32_t states, int with_info, sockdiag_fn fn, void *arg)
{
	struct diag_request msg;
	size_t len = build_request(&msg, family, f, states, with_info);
	struct sock_target t = {fn, arg};
	struct nl_reader r = sock_reader(&t);
	return nl_request(s, &msg, len, &r);
}

int sockdiag_dump(const struct sockdiag_filter *f, uint32_t states, int with_info,
		  sockdiag_fn fn, void *arg)
{
	struct nl_sock s;
	int rc = nl_open(&s, NETLINK_SOCK_DIAG);
	if (rc != 0)
		return rc;
	int family = f->remote ? f->remote->ss_family : f->family;
	static const int both[] = {AF_INET, AF_INET6};
	for (int i = 0; i < 2 && rc == 0; i++) {
		int fam = family == AF_UNSPEC ? both[i] : family;
		if (family != AF_UNSPEC && i > 0)
			break;
		rc = dump_on(&s, fam, f, states, with_info, fn, arg);
		/* No IPv6 in this kernel: nothing to count there. */
		if (rc == -ENOENT && fam == AF_INET6 && family == AF_UNSPEC)
			rc = 0;
	}
	nl_close(&s);
	return rc;
}

const char *sockdiag_strerror(int rc)
{
	if (rc == -ENOENT)
		return "no sock_diag handler for TCP: the kernel modules inet_diag and tcp_diag are not "
		       "loaded (modprobe tcp_diag)";
	return strerror(-rc);
}

int sockdiag_dump_all(uint32_t states, int with_info, sockdiag_fn fn, void *arg)
{
	struct nl_sock s;
	int rc = nl_open(&s, NETLINK_SOCK_DIAG);
	if (rc != 0)
		return rc;
	struct sockdiag_filter f = {.family = AF_UNSPEC};
	rc = dump_on(&s, AF_UNSPEC, &f, states, with_info, fn, arg);
	nl_close(&s);
	/* a kernel without the older request refuses it before sending any socket */
	if (rc == -EINVAL || rc == -EOPNOTSUPP || rc == -ENOENT)
		rc = sockdiag_dump(&f, states, with_info, fn, arg);
	return rc;
}

/* Does the socket's peer address equal addr? */
static int remote_matches(const struct sockdiag_sock *s, const struct sockaddr_storage *addr)
{
	if (addr->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;
		return s->family == AF_INET && memcmp(s->dst, &sin->sin_addr, 4) == 0;
	}
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)addr;
	return s->family == AF_INET6 && memcmp(s->dst, &sin6->sin6_addr, 16) == 0;
}

struct count_ctx {
	const struct sockdiag_filter *f;
	struct tcp_states *out;
};

static void count_one(const struct sockdiag_sock *s, void *arg)
{
	struct count_ctx *c = arg;
	if (s->state > TCPS_MAX || (c->f->remote && !remote_matches(s, c->f->remote)))
		return;
	c->out->n[s->state]++;
}

int sockdiag_count(const struct sockdiag_filter *f, uint32_t states, struct tcp_states *out)
{
	memset(out, 0, sizeof(*out));
	struct count_ctx c = {f, out};
	return sockdiag_dump(f, states, 0, count_one, &c);
}
