/* The network sysctls that decide a run's outcome, read from /proc/sys of the current
 * network namespace (they are all per namespace). */
#ifndef TWTEST_SYSCTL_H
#define TWTEST_SYSCTL_H

#define SYSCTL_ABSENT (-1)     /* the kernel does not have the sysctl (no such file) */
#define SYSCTL_UNREADABLE (-2) /* it exists but could not be read or parsed */

/* Each field is SYSCTL_ABSENT or SYSCTL_UNREADABLE when it could not be read. */
struct net_sysctls {
	long tw_reuse;          /* net.ipv4.tcp_tw_reuse */
	long tw_reuse_delay_ms; /* net.ipv4.tcp_tw_reuse_delay (6.14+) */
	long port_lo, port_hi;  /* net.ipv4.ip_local_port_range */
	long timestamps;        /* net.ipv4.tcp_timestamps */
	long max_tw_buckets;    /* net.ipv4.tcp_max_tw_buckets */
	long somaxconn;         /* net.core.somaxconn */
};

/* Parse up to two whitespace-separated decimal integers from the start of a /proc/sys
 * file's text into *a and *b; returns how many were read (0-2). One out of long's range
 * ends the parse. */
int sysctl_parse_longs(const char *text, long *a, long *b);

/* Read one integer sysctl by path under /proc/sys (none is negative); SYSCTL_ABSENT when the
 * kernel lacks it, SYSCTL_UNREADABLE when it cannot be opened or parsed. */
long sysctl_read_long(const char *path);

/* Read every field of s; each tells absent from unreadable. */
void sysctl_read_net(struct net_sysctls *s);

#endif
