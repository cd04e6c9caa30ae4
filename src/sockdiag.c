/* TCP state counts through NETLINK_SOCK_DIAG: one SOCK_DIAG_BY_FAMILY dump per address
 * family with an inet_diag_req_v2, a port filter as INET_DIAG_REQ_BYTECODE so that the
 * kernel sends only matching sockets, and no extensions (the bare inet_diag_msg). */
#include "sockdiag.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
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

/* Does the message's peer address equal addr? */
static int remote_matches(const struct inet_diag_msg *m, const struct sockaddr_storage *addr)
{
	if (addr->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;
		return m->idiag_family == AF_INET &&
		       memcmp(&m->id.idiag_dst[0], &sin->sin_addr, 4) == 0;
	}
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)addr;
	return m->idiag_family == AF_INET6 && memcmp(m->id.idiag_dst, &sin6->sin6_addr, 16) == 0;
}

/* Send the dump request for one family on fd. Returns 0 or a negative errno. */
static int send_request(int fd, int family, const struct sockdiag_filter *f, uint32_t states)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
		struct nlattr attr;
		unsigned char bc[32];
	} msg;
	memset(&msg, 0, sizeof(msg));
	size_t bclen = f->port ? sockdiag_port_bytecode(f->port, f->end, msg.bc, sizeof(msg.bc)) : 0;
	msg.nlh.nlmsg_len = NLMSG_LENGTH(sizeof(msg.req));
	msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	msg.nlh.nlmsg_seq = 1;
	msg.req.sdiag_family = (uint8_t)family;
	msg.req.sdiag_protocol = IPPROTO_TCP;
	msg.req.idiag_states = states;
	if (states & TCPF(TCPS_SYN_RECV))
		msg.req.idiag_states |= TCPF(TCPS_NEW_SYN_RECV);
	if (bclen) {
		msg.attr.nla_type = INET_DIAG_REQ_BYTECODE;
		msg.attr.nla_len = (uint16_t)(NLA_HDRLEN + bclen);
		msg.nlh.nlmsg_len += NLA_HDRLEN + (uint32_t)bclen;
	}
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	ssize_t k;
	do
		k = sendto(fd, &msg, msg.nlh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel));
	while (k < 0 && errno == EINTR);
	return k < 0 ? -errno : 0;
}

/* Read the dump's replies until NLMSG_DONE, counting matches. Returns 0 or -errno. */
static int read_dump(int fd, const struct sockdiag_filter *f, unsigned char *buf,
		     struct tcp_states *out)
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
		/* NLMSG_OK/NLMSG_NEXT by hand: the macros mix signed and unsigned. */
		size_t len = (size_t)k;
		for (size_t off = 0, step; len - off >= sizeof(struct nlmsghdr); off += step) {
			const struct nlmsghdr *h = (const struct nlmsghdr *)(buf + off);
			if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > len - off)
				return -EPROTO;
			step = NLMSG_ALIGN(h->nlmsg_len);
			if (step > len - off)
				step = len - off;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				return e->error ? e->error : -EPROTO;
			}
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
				continue;
			const struct inet_diag_msg *m = NLMSG_DATA(h);
			if (m->idiag_state < 1 || m->idiag_state > TCPS_MAX)
				continue;
			if (f->remote && !remote_matches(m, f->remote))
				continue;
			out->n[m->idiag_state]++;
		}
	}
}

int sockdiag_count(const struct sockdiag_filter *f, uint32_t states, struct tcp_states *out)
{
	memset(out, 0, sizeof(*out));
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
		rc = send_request(fd, fam, f, states);
		if (rc == 0)
			rc = read_dump(fd, f, buf, out);
		/* No IPv6 in this kernel: nothing to count there. */
		if (rc == -ENOENT && fam == AF_INET6 && family == AF_UNSPEC)
			rc = 0;
	}
	free(buf);
	close(fd);
	return rc;
}
