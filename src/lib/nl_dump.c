/* One netlink request and its replies: the walk over the messages of a received buffer
 * (NLMSG_DONE, NLMSG_ERROR and the bounds of each message checked once, here) and the
 * send-and-receive loop, for conntrack.c and sockdiag.c. */
#include "lib/nl_dump.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RECV_BUF_SIZE 65536 /* the kernel fills at most 32 KiB per dump batch */

/* A kernel errno as netlink carries it (negative), or -EPROTO for anything else. */
static int kernel_errno(int32_t err)
{
	return err < 0 && err > -4096 ? err : -EPROTO;
}

/* The result of the message that ends the replies: NLMSG_DONE or NLMSG_ERROR. */
static int end_of_replies(const struct nlmsghdr *h, const unsigned char *pl, size_t plen,
			  unsigned end)
{
	if (h->nlmsg_type == NLMSG_DONE) {
		int32_t err = 0;
		if ((end & NL_DONE_ERRNO) && plen >= sizeof(err))
			memcpy(&err, pl, sizeof(err));
		return err < 0 && err > -4096 ? err : NL_DONE;
	}
	struct nlmsgerr e;
	if (plen < sizeof(e))
		return -EPROTO;
	memcpy(&e, pl, sizeof(e));
	if (e.error == 0 && (end & NL_ACK_ENDS))
		return NL_DONE; /* an acknowledgement */
	return kernel_errno(e.error);
}

int nl_walk(const void *buf, size_t len, const struct nl_reader *r)
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
		const unsigned char *pl = b + off + NLMSG_HDRLEN;
		size_t plen = h.nlmsg_len - NLMSG_HDRLEN;
		if (h.nlmsg_type == NLMSG_DONE || h.nlmsg_type == NLMSG_ERROR)
			return end_of_replies(&h, pl, plen, r->end);
		int rc = r->fn(&h, pl, plen, r->arg);
		if (rc < 0)
			return rc;
	}
	return NL_MORE;
}

int nl_open(struct nl_sock *s, int protocol)
{
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
	if (s->fd < 0)
		return -errno;
	s->buf = malloc(RECV_BUF_SIZE);
	if (s->buf == NULL) {
		close(s->fd);
		return -ENOMEM;
	}
	return 0;
}

/* Send one message to the kernel. 0 or -errno. */
static int send_to_kernel(int fd, const void *req, size_t len)
{
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	ssize_t k;
	do
		k = sendto(fd, req, len, 0, (struct sockaddr *)&kernel, sizeof(kernel));
	while (k < 0 && errno == EINTR);
	return k < 0 ? -errno : 0;
}

int nl_request(struct nl_sock *s, const void *req, size_t len, const struct nl_reader *r)
{
	int rc = send_to_kernel(s->fd, req, len);
	if (rc != 0)
		return rc;
	for (;;) {
		ssize_t k = recv(s->fd, s->buf, RECV_BUF_SIZE, 0);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			return -EPROTO; /* the kernel never answers with nothing */
		rc = nl_walk(s->buf, (size_t)k, r);
		if (rc != NL_MORE)
			return rc;
	}
}

void nl_close(struct nl_sock *s)
{
	free(s->buf);
	close(s->fd);
}
