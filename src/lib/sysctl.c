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

/* Read up to two integers from a /proc/sys file; returns how many were read, or
 * SYSCTL_ABSENT when the kernel has no such file, SYSCTL_UNREADABLE when it cannot be
 * opened (permission, no /proc). */
static int read_longs(const char *path, long *a, long *b)
{
	char buf[128]; /* the longest file read here is "32768\t60999\n" */
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return errno == ENOENT ? SYSCTL_ABSENT : SYSCTL_UNREADABLE;
	size_t k = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[k] = '\0';
	return sysctl_parse_longs(buf, a, b);
}

long sysctl_read_long(const char *path)
{
	long v = SYSCTL_UNREADABLE, unused;
	int n = read_longs(path, &v, &unused);
	if (n < 0)
		return n;
	return n >= 1 && v >= 0 ? v : SYSCTL_UNREADABLE; /* no sysctl read here is negative */
}

void sysctl_read_net(struct net_sysctls *s)
{
	s->tw_reuse = sysctl_read_long("/proc/sys/net/ipv4/tcp_tw_reuse");
	s->tw_reuse_delay_ms = sysctl_read_long("/proc/sys/net/ipv4/tcp_tw_reuse_delay");
	s->timestamps = sysctl_read_long("/proc/sys/net/ipv4/tcp_timestamps");
	s->max_tw_buckets = sysctl_read_long("/proc/sys/net/ipv4/tcp_max_tw_buckets");
	s->somaxconn = sysctl_read_long("/proc/sys/net/core/somaxconn");
	int n = read_longs("/proc/sys/net/ipv4/ip_local_port_range", &s->port_lo, &s->port_hi);
	if (n != 2 || s->port_lo < 1 || s->port_hi < s->port_lo || s->port_hi > 65535)
		s->port_lo = s->port_hi = n < 0 ? n : SYSCTL_UNREADABLE;
}
