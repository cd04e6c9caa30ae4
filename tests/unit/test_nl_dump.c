/* Unit tests of the netlink request loop conntrack.c and sockdiag.c share (src/lib/nl_dump.c):
 * the walk of one buffer on messages built here, and requests on a real NETLINK_SOCK_DIAG
 * socket (no root needed) against listening sockets this test opens on 127.0.0.1. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/nl_dump.h"
#include "unit.h"

/* A buffer of messages built by the tests. */
struct msgs {
	unsigned char b[1024];
	size_t len;
};

/* Append a message of the given type with a payload of plen bytes of `fill`. */
static void put(struct msgs *m, uint16_t type, size_t plen, int fill)
{
	struct nlmsghdr h = {.nlmsg_len = (uint32_t)NLMSG_LENGTH(plen), .nlmsg_type = type};
	memcpy(m->b + m->len, &h, sizeof(h));
	memset(m->b + m->len + NLMSG_HDRLEN, fill, NLMSG_ALIGN(plen));
	m->len += NLMSG_SPACE(plen);
}

/* Append NLMSG_ERROR (an nlmsgerr with `error`) or NLMSG_DONE (an int32 `error`). */
static void put_end(struct msgs *m, uint16_t type, int32_t error)
{
	size_t plen = type == NLMSG_ERROR ? sizeof(struct nlmsgerr) : sizeof(error);
	put(m, type, plen, 0);
	memcpy(m->b + m->len - NLMSG_ALIGN(plen), &error, sizeof(error));
}

enum { LISTENERS = 64 };

/* What the callback saw, and at which call it stops (0: never) with which errno. */
struct seen {
	int calls, stop_at, stop_rc;
	uint16_t types[8];
	size_t lens[8];
	size_t bytes;             /* aligned lengths of the messages handed over */
	const uint16_t *ports;    /* for dumps: the test's listeners on 127.0.0.1 */
	int nports;
	int hits[LISTENERS];      /* how often each was handed over */
};

/* A socket of a dump: is it one of the test's listeners? Count it. */
static void note_socket(struct seen *s, const unsigned char *data, size_t len)
{
	struct inet_diag_msg d;
	if (len < sizeof(d))
		return;
	memcpy(&d, data, sizeof(d));
	if (d.idiag_family != AF_INET || d.id.idiag_src[0] != htonl(INADDR_LOOPBACK))
		return;
	for (int i = 0; i < s->nports; i++)
		if (ntohs(d.id.idiag_sport) == s->ports[i])
			s->hits[i]++;
}

static int note(const struct nlmsghdr *h, const unsigned char *data, size_t len, void *arg)
{
	struct seen *s = arg;
	if (s->calls < 8)
		s->types[s->calls] = h->nlmsg_type, s->lens[s->calls] = len;
	s->bytes += NLMSG_ALIGN(h->nlmsg_len);
	if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY)
		note_socket(s, data, len);
	return ++s->calls == s->stop_at ? s->stop_rc : 0;
}

/* Rule: a callback's negative errno stops the walk at that message and is its result: the
 * messages after it are never handed over; the messages before the end reach the callback
 * in order with their payload's length, and NLMSG_DONE ends the walk (NL_DONE), the
 * messages after it unread. */
TEST(nl_walk_callback_stops_it)
{
	struct msgs m = {.len = 0};
	put(&m, 20, 8, 1);
	put(&m, 21, 13, 2);
	put(&m, 22, 4, 3);
	put_end(&m, NLMSG_DONE, 0);
	put(&m, 23, 4, 4);
	struct seen s = {.stop_at = 0};
	struct nl_reader r = {note, &s, 0};
	CHECK(nl_walk(m.b, m.len, &r) == NL_DONE);
	CHECK(s.calls == 3 && s.types[0] == 20 && s.types[1] == 21 && s.types[2] == 22);
	CHECK(s.lens[0] == 8 && s.lens[1] == 13 && s.lens[2] == 4);
	s = (struct seen){.stop_at = 2, .stop_rc = -ECANCELED};
	CHECK(nl_walk(m.b, m.len, &r) == -ECANCELED);
	CHECK(s.calls == 2);
}

/* Rule: the end of the replies by the protocol's rules: NLMSG_DONE's negative errno is the
 * result with NL_DONE_ERRNO and ignored without; an acknowledgement (NLMSG_ERROR 0) ends
 * them with NL_ACK_ENDS and is -EPROTO without; a kernel errno is returned as it is, one
 * outside -4095..-1 and an NLMSG_ERROR too short for its nlmsgerr are -EPROTO. */
TEST(nl_walk_end_by_protocol)
{
	struct seen s = {.stop_at = 0};
	struct nl_reader plain = {note, &s, 0}, strict = {note, &s, NL_DONE_ERRNO | NL_ACK_ENDS};
	struct msgs m = {.len = 0};
	put_end(&m, NLMSG_DONE, -EINTR);
	CHECK(nl_walk(m.b, m.len, &strict) == -EINTR);
	CHECK(nl_walk(m.b, m.len, &plain) == NL_DONE);
	m.len = 0;
	put_end(&m, NLMSG_ERROR, 0);
	CHECK(nl_walk(m.b, m.len, &strict) == NL_DONE);
	CHECK(nl_walk(m.b, m.len, &plain) == -EPROTO);
	m.len = 0;
	put_end(&m, NLMSG_ERROR, -EPERM);
	CHECK(nl_walk(m.b, m.len, &strict) == -EPERM && nl_walk(m.b, m.len, &plain) == -EPERM);
	m.len = 0;
	put_end(&m, NLMSG_ERROR, -5000);
	CHECK(nl_walk(m.b, m.len, &strict) == -EPROTO && nl_walk(m.b, m.len, &plain) == -EPROTO);
	m.len = 0;
	put(&m, NLMSG_ERROR, 2, 0xff); /* cut short of its nlmsgerr */
	CHECK(nl_walk(m.b, m.len, &strict) == -EPROTO);
	CHECK(s.calls == 0);
}

/* Rule: a message longer than what was received is -EPROTO and never reaches the callback;
 * bytes too few for a header after whole messages mean more to come (NL_MORE), the whole
 * messages before them handed over. */
TEST(nl_walk_truncated)
{
	struct msgs m = {.len = 0};
	put(&m, 20, 8, 1);
	put(&m, 21, 40, 2);
	struct seen s = {.stop_at = 0};
	struct nl_reader r = {note, &s, NL_DONE_ERRNO};
	CHECK(nl_walk(m.b, m.len - 4, &r) == -EPROTO && s.calls == 1);
	s.calls = 0;
	CHECK(nl_walk(m.b, NLMSG_SPACE(8) + 10, &r) == NL_MORE && s.calls == 1);
	s.calls = 0;
	CHECK(nl_walk(m.b, m.len, &r) == NL_MORE && s.calls == 2);
}

/* A SOCK_DIAG_BY_FAMILY dump request for TCP sockets of `family` in LISTEN, with TCP_INFO
 * (about 300 bytes a socket, so that few fit the kernel's first batch). */
struct diag_req {
	struct nlmsghdr h;
	struct inet_diag_req_v2 req;
};

static struct diag_req listen_request(uint8_t family)
{
	struct diag_req m;
	memset(&m, 0, sizeof(m));
	m.h.nlmsg_len = sizeof(m);
	m.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	m.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	m.h.nlmsg_seq = 1;
	m.req.sdiag_family = family;
	m.req.sdiag_protocol = IPPROTO_TCP;
	m.req.idiag_states = 1u << 10; /* TCP_LISTEN */
	m.req.idiag_ext = 1u << (INET_DIAG_INFO - 1);
	return m;
}

/* Open up to n listening sockets on 127.0.0.1, ports chosen by the kernel, into fds and
 * ports. Returns how many opened. */
static int open_listeners(int *fds, uint16_t *ports, int n)
{
	int k;
	for (k = 0; k < n; k++) {
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		socklen_t len = sizeof(a);
		fds[k] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fds[k] < 0)
			break;
		if (bind(fds[k], (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fds[k], 1) < 0 ||
		    getsockname(fds[k], (struct sockaddr *)&a, &len) < 0) {
			close(fds[k]);
			break;
		}
		ports[k] = ntohs(a.sin_port);
	}
	return k;
}

/* Rule: a dump whose replies take several receives (more bytes than the kernel's first
 * batch, 8 KiB at most) hands each socket to the callback once and ends with 0 at
 * NLMSG_DONE; a callback's errno stops the request and is its result; the kernel's
 * NLMSG_ERROR answer (a family sock_diag refuses) is its errno, the callback never called. */
TEST(nl_request_on_sock_diag)
{
	int fds[LISTENERS];
	uint16_t ports[LISTENERS];
	int n = open_listeners(fds, ports, LISTENERS);
	CHECK(n == LISTENERS);
	struct nl_sock ns;
	int rc = nl_open(&ns, NETLINK_SOCK_DIAG);
	CHECK(rc == 0);
	if (rc == 0) {
		struct seen s = {.ports = ports, .nports = n};
		struct nl_reader r = {note, &s, 0};
		struct diag_req m = listen_request(AF_INET);
		CHECK(nl_request(&ns, &m, sizeof(m), &r) == 0);
		CHECK(s.bytes > 8192);
		int once = 0;
		for (int i = 0; i < n; i++)
			once += s.hits[i] == 1;
		CHECK(once == n);
		nl_close(&ns);
	}
	CHECK(nl_open(&ns, NETLINK_SOCK_DIAG) == 0);
	struct seen stop = {.stop_at = 3, .stop_rc = -ECANCELED};
	struct nl_reader rs = {note, &stop, 0};
	struct diag_req m = listen_request(AF_INET);
	CHECK(nl_request(&ns, &m, sizeof(m), &rs) == -ECANCELED && stop.calls == 3);
	nl_close(&ns);
	CHECK(nl_open(&ns, NETLINK_SOCK_DIAG) == 0);
	struct seen none = {.stop_at = 0};
	struct nl_reader rn = {note, &none, 0};
	m = listen_request(AF_MAX); /* sock_diag: family >= AF_MAX is EINVAL */
	CHECK(nl_request(&ns, &m, sizeof(m), &rn) == -EINVAL && none.calls == 0);
	nl_close(&ns);
	for (int i = 0; i < n; i++)
		close(fds[i]);
}
