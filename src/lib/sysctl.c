/* Reading the per-namespace network sysctls from /proc/sys. */
#include "lib/sysctl.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int sysctl_parse_longs(const char *text, long *a, long *b)
{
	long *out[2] = {a, b};
	int n = 0;
	for (const char *p = text; n < 2; n++) {
		while (isspace((unsigned char)*p))
			p++;
		/* strtol would skip more spaces and take a '+': only [-]digits here */
		const char *d = *p == '-' ? p + 1 : p;
		if (!isdigit((unsigned char)*d))
			break;
		char *end;
		errno = 0;
		long v = strtol(p, &end, 10);
		if (errno == ERANGE)
			break;
		*out[n] = v;
		p = end;
	}
	return n;
}

/* Read up to two integers from a /proc/sys file; returns how many were read. */
static int read_longs(const char *path, long *a, long *b)
{
	char buf[128]; /* the longest file read here is "32768\t60999\n" */
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return 0;
	size_t k = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[k] = '\0';
	return sysctl_parse_longs(buf, a, b);
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
