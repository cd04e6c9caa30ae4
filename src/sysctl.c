/* Reading the per-namespace network sysctls from /proc/sys. */
#include "sysctl.h"

#include <stdio.h>

/* Read up to two integers from a /proc/sys file; returns how many were read. */
static int read_longs(const char *path, long *a, long *b)
{
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return 0;
	int n = fscanf(f, "%ld %ld", a, b);
	fclose(f);
	return n < 0 ? 0 : n;
}

long sysctl_read_long(const char *path)
{
	long v = -1, unused;
	return read_longs(path, &v, &unused) >= 1 ? v : -1;
}

void sysctl_read_net(struct net_sysctls *s)
{
	s->tw_reuse = sysctl_read_long("/proc/sys/net/ipv4/tcp_tw_reuse");
	s->tw_reuse_delay_ms = sysctl_read_long("/proc/sys/net/ipv4/tcp_tw_reuse_delay");
	s->timestamps = sysctl_read_long("/proc/sys/net/ipv4/tcp_timestamps");
	s->max_tw_buckets = sysctl_read_long("/proc/sys/net/ipv4/tcp_max_tw_buckets");
	s->somaxconn = sysctl_read_long("/proc/sys/net/core/somaxconn");
	s->port_lo = s->port_hi = -1;
	if (read_longs("/proc/sys/net/ipv4/ip_local_port_range", &s->port_lo, &s->port_hi) != 2)
		s->port_lo = s->port_hi = -1;
}
