/* libFuzzer target: the sock_diag dump reply parser of sockdiag_count, fed netlink
 * messages. src/lib/sockdiag.c reads the replies in the function that receives them, so this
 * target stands in for the kernel: its sendto() accepts the request and its recv() hands
 * out the input's chunks (these definitions take the place of libc's in the fuzz binary).
 * Input: byte 0 picks the filter (family, peer address), then chunks of a 2-byte
 * little-endian length and that many bytes, one per recv(); after the last, recv() returns
 * 0 (the kernel went away).
 * Rules: no crash, out-of-bounds read or undefined behaviour; the result is 0 or a negative
 * errno; only states 1..TCPS_MAX are counted, no more sockets than whole inet_diag
 * messages fit in the input. */
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "lib/sockdiag.h"

static const uint8_t *in_data;
static size_t in_left;

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
	       socklen_t tolen)
{
	(void)fd, (void)buf, (void)flags, (void)to, (void)tolen;
	return (ssize_t)len;
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	(void)fd, (void)flags;
	if (in_left < 2)
		return 0;
	size_t n = (size_t)in_data[0] | (size_t)in_data[1] << 8;
	in_data += 2;
	in_left -= 2;
	if (n > in_left)
		n = in_left;
	if (n > len)
		n = len;
	memcpy(buf, in_data, n);
	in_data += n;
	in_left -= n;
	return (ssize_t)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct sockaddr_storage peer4 = {0}, peer6 = {0};
	struct sockaddr_in *s4 = (struct sockaddr_in *)&peer4;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&peer6;
	s4->sin_family = AF_INET;
	s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s6->sin6_family = AF_INET6;
	s6->sin6_addr = in6addr_loopback;
	static const int families[] = {AF_UNSPEC, AF_INET, AF_INET6};
	struct sockdiag_filter f = {.family = families[data[0] % 3], .port = data[0] & 0x10 ? 4000 : 0,
				    .end = (enum port_end)((data[0] >> 5) % 3)};
	if (data[0] & 0x80)
		f.remote = data[0] & 0x08 ? &peer6 : &peer4;
	in_data = data + 1;
	in_left = size - 1;
	struct tcp_states st;
	int rc = sockdiag_count(&f, TCPF_ALL, &st);
	FUZZ_CHECK(rc <= 0);
	if (rc == -EAFNOSUPPORT || rc == -EPROTONOSUPPORT || rc == -EPERM)
		return 0; /* no NETLINK_SOCK_DIAG socket here: nothing was parsed */
	uint64_t total = 0;
	FUZZ_CHECK(st.n[0] == 0);
	for (int s = 1; s <= TCPS_MAX; s++)
		total += st.n[s];
	FUZZ_CHECK(total <= size / NLMSG_LENGTH(sizeof(struct inet_diag_msg)));
	return 0;
}
