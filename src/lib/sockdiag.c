/* TCP sockets through NETLINK_SOCK_DIAG: one SOCK_DIAG_BY_FAMILY dump per address family
 * with an inet_diag_req_v2, a port filter as INET_DIAG_REQ_BYTECODE so that the kernel
 * sends only matching sockets, TCP_INFO (INET_DIAG_INFO) on request. The parsing of the
 * replies (sockdiag_parse) is apart from the socket I/O, so it can be tested on buffers. */
#include "lib/sockdiag.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TCPS_NEW_SYN_RECV 12 /* request sockets; the kernel reports them as SYN_RECV */
#define RECV_BUF_SIZE 65536  /* the kernel fills at most 32 KiB per dump message batch */

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

int sockdiag_parse(const void *buf, size_t len, sockdiag_fn fn, void *arg)
{
	const unsigned char *b = buf;
	/* NLMSG_OK/NLMSG_NEXT by hand: the macros mix signed and unsigned. */
	for (size_t off = 0, step; len - off >= sizeof(struct nlmsghdr); off += step) {
		struct nlmsghdr h;
		memcpy(&h, b + off, sizeof(h)); /* the buffer need not be aligned */
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > len - off)
			return -EPROTO;
		step = NLMSG_ALIGN(h.nlmsg_len);
		if (step > len - off)
			step = len - off;
		if (h.nlmsg_type == NLMSG_DONE)
			return SOCKDIAG_DONE;
		if (h.nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr e;
			if (h.nlmsg_len < NLMSG_LENGTH(sizeof(e)))
				return -EPROTO;
			memcpy(&e, b + off + NLMSG_HDRLEN, sizeof(e));
			return e.error < 0 ? e.error : -EPROTO;
		}
		size_t plen = h.nlmsg_len - NLMSG_HDRLEN;
		if ((h.nlmsg_type != SOCK_DIAG_BY_FAMILY && h.nlmsg_type != TCPDIAG_GETSOCK) ||
		    plen < sizeof(struct inet_diag_msg))
			continue;
		/* a copy, aligned, of the message with its attributes */
		union {
			struct inet_diag_msg m;
			unsigned char raw[1024];
		} u;
		if (plen > sizeof(u.raw))
			plen = sizeof(u.raw);
		memcpy(u.raw, b + off + NLMSG_HDRLEN, plen);
		if (u.m.idiag_state < 1 || (u.m.idiag_state > TCPS_MAX && u.m.idiag_state != TCPS_NEW_SYN_RECV))
			continue;
		struct sockdiag_sock s;
		parse_msg(&u.m, plen, &s);
		fn(&s, arg);
	}
	return SOCKDIAG_MORE;
}

/* Send the dump request on fd: for one family (inet_diag_req_v2), or with AF_UNSPEC the
 * older TCPDIAG_GETSOCK request (inet_diag_req), which the kernel answers for IPv4 and IPv6
 * in one walk of its tables instead of one walk per family. Returns 0 or -errno. */
static int send_request(int fd, int family, const struct sockdiag_filter *f, uint32_t states,
			int with_info)
{
	struct {
		struct nlmsghdr nlh;
		union {
			struct inet_diag_req_v2 v2;
			struct inet_diag_req v1;
		} req;
		unsigned char tail[NLA_HDRLEN + 32]; /* room for the bytecode attribute */
	} msg;
	memset(&msg, 0, sizeof(msg));
	unsigned char bc[32];
	size_t bclen = f->port ? sockdiag_port_bytecode(f->port, f->end, bc, sizeof(bc)) : 0;
	if (states & TCPF(TCPS_SYN_RECV))
		states |= TCPF(TCPS_NEW_SYN_RECV);
	uint8_t ext = with_info ? 1u << (INET_DIAG_INFO - 1) : 0;
	if (family == AF_UNSPEC) {
		msg.nlh.nlmsg_type = TCPDIAG_GETSOCK;
		msg.req.v1.idiag_family = AF_INET; /* ignored: the kernel dumps both */
		msg.req.v1.idiag_states = states;
		msg.req.v1.idiag_ext = ext;
	} else {
		msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
		msg.req.v2.sdiag_family = (uint8_t)family;
		msg.req.v2.sdiag_protocol = IPPROTO_TCP;
		msg.req.v2.idiag_states = states;
		msg.req.v2.idiag_ext = ext;
	}
	size_t reqlen = family == AF_UNSPEC ? sizeof(msg.req.v1) : sizeof(msg.req.v2);
	msg.nlh.nlmsg_len = NLMSG_LENGTH(reqlen);
	msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	msg.nlh.nlmsg_seq = 1;
	if (bclen) {
		/* the attribute follows the request (both sizes are multiples of 4) */
		struct nlattr attr = {.nla_type = INET_DIAG_REQ_BYTECODE,
				      .nla_len = (uint16_t)(NLA_HDRLEN + bclen)};
		unsigned char *at = (unsigned char *)&msg + msg.nlh.nlmsg_len;
		memcpy(at, &attr, sizeof(attr));
		memcpy(at + NLA_HDRLEN, bc, bclen);
		msg.nlh.nlmsg_len += NLA_HDRLEN + (uint32_t)bclen;
	}
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	ssize_t k;
	do
		k = sendto(fd, &msg, msg.nlh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel));
	while (k < 0 && errno == EINTR);
	return k < 0 ? -errno : 0;
}

/* Read the dump's replies until NLMSG_DONE, handing them to the parser. 0 or -errno. */
static int read_dump(int fd, unsigned char *buf, sockdiag_fn fn, void *arg)
{
	for (;;) {
		ssize_t k = recv(fd, buf, RECV_BUF_SIZE, 0);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			return -EPROTO;
		int rc = sockdiag_parse(buf, (size_t)k, fn, arg);
		if (rc != SOCKDIAG_MORE)
			return rc;
	}
}

int sockdiag_dump(const struct sockdiag_filter *f, uint32_t states, int with_info,
		  sockdiag_fn fn, void *arg)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	unsigned char *buf = malloc(RECV_BUF_SIZE);
	int rc = buf ? 0 : -ENOMEM;
	int family = f->remote ? f->remote->ss_family : f->family;
	static const int both[] = {AF_INET, AF_INET6};
	for (int i = 0; i < 2 && rc == 0; i++) {
		int fam = family == AF_UNSPEC ? both[i] : family;
		if (family != AF_UNSPEC && i > 0)
			break;
		rc = send_request(fd, fam, f, states, with_info);
		if (rc == 0)
			rc = read_dump(fd, buf, fn, arg);
		/* No IPv6 in this kernel: nothing to count there. */
		if (rc == -ENOENT && fam == AF_INET6 && family == AF_UNSPEC)
			rc = 0;
	}
	free(buf);
	close(fd);
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
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	unsigned char *buf = malloc(RECV_BUF_SIZE);
	struct sockdiag_filter f = {.family = AF_UNSPEC};
	int rc = buf ? send_request(fd, AF_UNSPEC, &f, states, with_info) : -ENOMEM;
	if (rc == 0)
		rc = read_dump(fd, buf, fn, arg);
	free(buf);
	close(fd);
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
