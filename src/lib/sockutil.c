/* The socket layer: client sockets, non-blocking I/O, options, ports, the payload. */
#include "lib/sockutil.h"

#include <errno.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

enum io_result sock_send(int fd, const void *buf, size_t len, size_t *off, int *err)
{
	while (*off < len) {
		ssize_t k = send(fd, (const unsigned char *)buf + *off, len - *off, MSG_NOSIGNAL);
		if (k >= 0) {
			*off += (size_t)k;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return IO_AGAIN;
		*err = errno;
		return IO_FAILED;
	}
	return IO_DONE;
}

enum io_result sock_recv(int fd, void *buf, size_t cap, size_t *n, int *err)
{
	for (;;) {
		ssize_t k = recv(fd, buf, cap, 0);
		if (k >= 0) {
			*n = (size_t)k;
			return IO_DONE;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return IO_AGAIN;
		*err = errno;
		return IO_FAILED;
	}
}

/* The loop of both: edge set, a receive shorter than cap ends it (as EOF when fin_seen). */
static enum sock_read_end read_loop(int fd, unsigned char *buf, size_t cap, int edge, int fin_seen,
				   sock_input_fn input, void *ctx, int *err)
{
	for (;;) {
		size_t n;
		switch (sock_recv(fd, buf, cap, &n, err)) {
		case IO_AGAIN:
			return SOCK_READ_AGAIN;
		case IO_FAILED:
			return SOCK_READ_FAILED;
		case IO_DONE:
			break;
		}
		if (n == 0)
			return SOCK_READ_EOF;
		if (input(ctx, buf, n) != 0)
			return SOCK_READ_STOPPED;
		if (edge && n < cap)
			return fin_seen ? SOCK_READ_EOF : SOCK_READ_AGAIN;
	}
}

enum sock_read_end sock_read_loop(int fd, unsigned char *buf, size_t cap, sock_input_fn input,
				  void *ctx, int *err)
{
	return read_loop(fd, buf, cap, 0, 0, input, ctx, err);
}

enum sock_read_end sock_read_edge(int fd, unsigned char *buf, size_t cap, int fin_seen,
				  sock_input_fn input, void *ctx, int *err)
{
	return read_loop(fd, buf, cap, 1, fin_seen, input, ctx, err);
}

/* The requested options, in a fixed order; returns 0 or errno. */
static int client_options(int fd, const struct sock_client_spec *s)
{
	int err = 0;
	if (s->reuseport)
		err = sock_set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1);
	if (!err && s->reuseaddr)
		err = sock_set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	if (!err && s->linger_rst)
		err = sock_set_linger_rst(fd);
	if (!err && s->bind_no_port)
		err = sock_set_int(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1);
	if (!err && s->freebind)
		err = sock_set_int(fd, IPPROTO_IP, IP_FREEBIND, 1);
	if (!err && s->port_hi)
		err = sock_set_int(fd, IPPROTO_IP, IP_LOCAL_PORT_RANGE,
				   (int)((uint32_t)s->port_hi << 16 | s->port_lo));
	return err;
}

int sock_open_client(const struct sock_client_spec *spec, int *fd, enum sock_step *step)
{
	int err = 0;
	*step = SOCK_STEP_SOCKET;
	*fd = socket(spec->dst->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (*fd < 0)
		return errno;
	*step = SOCK_STEP_OPTION;
	err = client_options(*fd, spec);
	if (!err && spec->src) {
		*step = SOCK_STEP_BIND;
		if (bind(*fd, (const struct sockaddr *)&spec->src->addr, spec->src->len) < 0)
			err = errno;
	}
	if (!err) {
		*step = SOCK_STEP_CONNECT;
		if (connect(*fd, (const struct sockaddr *)&spec->dst->addr, spec->dst->len) < 0 &&
		    errno != EINPROGRESS)
			err = errno;
	}
	if (err) {
		close(*fd);
		*fd = -1;
	}
	return err;
}

int sock_addr_bindable(const struct endpoint *ep)
{
	struct endpoint a = *ep;
	endpoint_set_port(&a, 0);
	int fd = socket(a.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	sock_set_int(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1); /* where absent, a port for a moment */
	int err = bind(fd, (const struct sockaddr *)&a.addr, a.len) < 0 ? errno : 0;
	close(fd);
	return err;
}

int sock_route_source(const struct endpoint *dst, struct endpoint *src)
{
	int fd = socket(dst->addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	int err = 0;
	src->len = sizeof(src->addr);
	if (connect(fd, (const struct sockaddr *)&dst->addr, dst->len) < 0 ||
	    getsockname(fd, (struct sockaddr *)&src->addr, &src->len) < 0)
		err = errno;
	close(fd);
	return err;
}

int sock_set_int(int fd, int level, int name, int value)
{
	return setsockopt(fd, level, name, &value, sizeof(value)) < 0 ? errno : 0;
}

int sock_set_linger_rst(int fd)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	return setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0 ? errno : 0;
}

int sock_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

int sock_tcp_state(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return -1;
	return ti.tcpi_state;
}

uint32_t sock_unread(int fd)
{
	int n = 0;
	if (ioctl(fd, SIOCINQ, &n) < 0 || n < 0)
		return 0;
	return (uint32_t)n;
}

uint16_t sock_local_port(int fd)
{
	struct endpoint ep = {.len = sizeof(ep.addr)};
	if (getsockname(fd, (struct sockaddr *)&ep.addr, &ep.len) < 0)
		return 0;
	return endpoint_port(&ep);
}

unsigned char *payload_new(uint32_t len)
{
	unsigned char *p = malloc(len ? len : 1);
	for (uint32_t i = 0; p && i < len; i++)
		p[i] = (unsigned char)(i % 251);
	return p;
}
