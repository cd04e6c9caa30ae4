/* Probing the socket options a client run sets (see include/lib/kfeatures.h). */
#include "lib/kfeatures.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24 /* Linux 4.2+ */
#endif

const char *kfeature_refusal(const struct kfeature *f, int err, const char *release, char *buf,
			     size_t len)
{
	snprintf(buf, len, "%s needs Linux %s or later (%s: %s; this kernel is %s)", f->flag,
		 f->since, f->option, strerror(err), release);
	return buf;
}

/* The options in the order sock_open_client sets them; `want` says if spec asks for it. */
enum { KF_REUSEPORT, KF_BIND_NO_PORT, KF_PORT_RANGE, KF_COUNT };
static const struct kfeature features[KF_COUNT] = {
	[KF_REUSEPORT] = {"REUSEPORT (--reuseport)", "SO_REUSEPORT", "3.9"},
	[KF_BIND_NO_PORT] = {"--bind-no-port", "IP_BIND_ADDRESS_NO_PORT", "4.2"},
	[KF_PORT_RANGE] = {"--local-port-range", "IP_LOCAL_PORT_RANGE", "6.3"},
};

/* setsockopt of feature k with spec's value; 0 or errno. */
static int try_feature(int fd, int k, const struct sock_client_spec *spec)
{
	switch (k) {
	case KF_REUSEPORT:
		return spec->reuseport ? sock_set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1) : 0;
	case KF_BIND_NO_PORT:
		return spec->bind_no_port ? sock_set_int(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1) : 0;
	default:
		return spec->port_hi ? sock_set_int(fd, IPPROTO_IP, IP_LOCAL_PORT_RANGE,
						    (int)((uint32_t)spec->port_hi << 16 | spec->port_lo))
				     : 0;
	}
}

int kfeatures_check_client(const struct sock_client_spec *spec, char *err, size_t errlen)
{
	int fd = socket(spec->dst->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot make a socket to try the options: %s", strerror(e));
		return e;
	}
	int rc = 0;
	for (int k = 0; k < KF_COUNT && rc == 0; k++) {
		int e = try_feature(fd, k, spec);
		if (e != ENOPROTOOPT)
			continue; /* another errno is the run's to count */
		struct utsname u;
		kfeature_refusal(&features[k], e, uname(&u) == 0 ? u.release : "unknown", err, errlen);
		rc = e;
	}
	close(fd);
	return rc;
}
