/* The server's listening sockets (include/server/server_listen.h): which address, the
 * socket options, bind and listen, and why a bind failed, said as a message. */
#include "server/server_listen.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/sockutil.h"

/* A socket for the listening address: the first listener (again == NULL) picks --bind, or
 * [::] with IPV6_V6ONLY off (IPv4 too), or 0.0.0.0 where IPv6 is disabled; later ones (more
 * ports, more threads) take the address the first one got and their port. Returns the fd
 * or -1 (errno). */
static int listener_socket(const struct server_opts *o, const struct endpoint *again,
			   struct endpoint *ep)
{
	int dual = !o->bind_name;
	if (again)
		*ep = *again;
	else if (o->bind_name)
		*ep = o->bind;
	else
		parse_ip_literal("::", o->port, ep, &(const char *){NULL});
	int fd = socket(ep->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0 && dual && ep->addr.ss_family == AF_INET6 &&
	    sock_set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0) != 0) {
		close(fd);
		fd = -1;
	}
	if (fd < 0 && dual && !again) {
		parse_ip_literal("0.0.0.0", o->port, ep, &(const char *){NULL});
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	}
	return fd;
}

/* The likely cause of a bind() error, for its message. */
static const char *bind_error_cause(int err, int reuseaddr)
{
	if (err == EADDRINUSE)
		return reuseaddr ? "; another socket is listening on or bound to that port"
				 : "; another listener, or TIME_WAIT connections of an earlier run, hold "
				   "that port (without SO_REUSEADDR a restart must wait up to 60 s; drop "
				   "--no-reuseaddr)";
	if (err == EADDRNOTAVAIL)
		return "; that address is not configured on this host";
	if (err == EACCES)
		return "; ports below 1024 need CAP_NET_BIND_SERVICE";
	return "";
}

/* Options, bind and listen on fd; on failure a message in err and -1. */
static int listen_one(const struct server_opts *o, int fd, const struct endpoint *ep,
		      uint32_t backlog, int reuseport, char *err, size_t errlen)
{
	char name[80];
	endpoint_str(ep, name, sizeof(name));
	if (o->reuseaddr)
		sock_set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	int e = reuseport ? sock_set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1) : 0;
	if (e) {
		snprintf(err, errlen, "SO_REUSEPORT on %s: %s", name, strerror(e));
		return -1;
	}
	if (bind(fd, (const struct sockaddr *)&ep->addr, ep->len) < 0) {
		e = errno;
		snprintf(err, errlen, "cannot bind %s: %s (%s)%s", name, strerror(e),
			 strerrorname_np(e), bind_error_cause(e, o->reuseaddr));
		return -1;
	}
	if (listen(fd, (int)backlog) < 0) {
		snprintf(err, errlen, "listen on %s: %s", name, strerror(errno));
		return -1;
	}
	return 0;
}

/* Open a listener (see listener_socket) and put the address it got in *bound; on failure
 * a message in err and -1. */
static int listen_at(const struct server_opts *o, uint32_t backlog, int reuseport,
		     const struct endpoint *again, struct endpoint *bound, char *err,
		     size_t errlen)
{
	struct endpoint ep;
	int fd = listener_socket(o, again, &ep);
	if (fd < 0) {
		char name[80];
		snprintf(err, errlen, "socket for %s: %s", endpoint_str(&ep, name, sizeof(name)),
			 strerror(errno));
		return -1;
	}
	if (listen_one(o, fd, &ep, backlog, reuseport, err, errlen) < 0) {
		close(fd);
		return -1;
	}
	bound->len = sizeof(bound->addr);
	getsockname(fd, (struct sockaddr *)&bound->addr, &bound->len);
	return fd;
}

int server_listen_all(struct server *s, uint32_t t, uint32_t backlog, int reuseport,
		      struct endpoint *bound, char *err, size_t errlen)
{
	const struct server_opts *o = s->o;
	s->ls = malloc(o->ports.total * sizeof(*s->ls));
	if (s->ls == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (s->nls = 0; s->nls < o->ports.total; s->nls++) {
		uint32_t k = s->nls;
		struct endpoint again, got;
		const struct endpoint *ap = NULL; /* thread 0, first port: listener_socket picks */
		if (t) {
			again = bound[k];
			ap = &again;
		} else if (k) {
			again = bound[0];
			endpoint_set_port(&again, portlist_get(&o->ports, k));
			ap = &again;
		}
		int fd = listen_at(o, backlog, reuseport, ap, &got, err, errlen);
		if (fd < 0)
			return -1;
		s->ls[k] = (struct listener){.fd = fd};
		if (t == 0)
			bound[k] = got;
	}
	return 0;
}
