/* One netlink request and its replies, for the readers of the kernel's tables over netlink
 * (conntrack.c through ctnetlink, sockdiag.c through sock_diag): the walk over the messages
 * of one received buffer (no I/O, so the readers' parsers stay testable on buffers) and the
 * loop that sends a request and reads its replies until the end, each message handed to the
 * reader's callback.
 *
 * Error convention: that of the netlink readers above it (not sockutil's positive errno, so
 * that their results pass through unconverted): nothing here prints or exits; functions
 * return 0 (NL_DONE) or a negative errno: the kernel's, or -EPROTO for a malformed or
 * truncated reply. EINTR is retried inside, never returned. */
#ifndef TWTEST_NL_DUMP_H
#define TWTEST_NL_DUMP_H

#include <linux/netlink.h>
#include <stddef.h>

/* What a walk of one buffer found: the end of the replies, or that more follow. */
enum { NL_DONE = 0, NL_MORE = 1 };

/* A reader's callback: one message of the replies other than NLMSG_DONE and NLMSG_ERROR,
 * its header (a copy, aligned) and its payload (len bytes after the header, not aligned:
 * copy before reading a struct). 0 to go on, or a negative errno that stops the walk and
 * becomes the request's result. */
typedef int (*nl_msg_fn)(const struct nlmsghdr *h, const unsigned char *data, size_t len,
			 void *arg);

/* How a protocol ends its replies, beyond NLMSG_DONE and NLMSG_ERROR's negative errno. */
enum nl_end {
	NL_DONE_ERRNO = 1, /* NLMSG_DONE's payload carries a dump that failed on the way (its
			    * negative errno is the result); without it, NLMSG_DONE is success */
	NL_ACK_ENDS = 2,   /* an NLMSG_ERROR of 0 (the acknowledgement of NLM_F_ACK) ends the
			    * request with success; without it, that is -EPROTO */
};

/* The reader of one request's replies: fn (with arg) for each message, the end's rules. */
struct nl_reader {
	nl_msg_fn fn;
	void *arg;
	unsigned end; /* enum nl_end bits */
};

/* Walk one buffer of replies (what one recv() returned), handing each message to r->fn.
 * No I/O, no allocation. Returns NL_MORE when the replies go on in a later buffer (bytes
 * too few for a header at the end are ignored), NL_DONE at their end (NLMSG_DONE, or an
 * acknowledgement with NL_ACK_ENDS), or a negative errno: the kernel's NLMSG_ERROR (one
 * outside -4095..-1 is -EPROTO), NLMSG_DONE's with NL_DONE_ERRNO, the callback's, or
 * -EPROTO for a message longer than the buffer or a short NLMSG_ERROR. */
int nl_walk(const void *buf, size_t len, const struct nl_reader *r);

/* A netlink socket and the buffer its replies are read into. */
struct nl_sock {
	int fd;
	unsigned char *buf;
};

/* Open a netlink socket of the given protocol (NETLINK_SOCK_DIAG, NETLINK_NETFILTER) and
 * its receive buffer. 0, or a negative errno (-ENOMEM) with nothing left open. */
int nl_open(struct nl_sock *s, int protocol);

/* Send the request (req: one netlink message of len bytes, its header filled) to the kernel
 * and read the replies until their end, walking each buffer with r. A receive of 0 bytes
 * is -EPROTO; recv's errors (ENOBUFS: replies were lost) are returned as negative errnos.
 * After a callback stopped the walk, the rest of the replies may still be queued: close the
 * socket rather than sending it another request. 0 or a negative errno. */
int nl_request(struct nl_sock *s, const void *req, size_t len, const struct nl_reader *r);

/* Close the socket and free its buffer. */
void nl_close(struct nl_sock *s);

#endif
