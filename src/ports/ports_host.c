/* What the ports subcommand reads besides the socket table: the sysctls and reserved ports
 * of this network namespace, TCPTimeWaitOverflow, TIME_WAIT memory from /proc/slabinfo
 * (host-wide, root only on most systems), and whether the dump shows bound-only sockets.
 * What cannot be read is named, not fatal. Also one sample of the socket table itself
 * (ports_sample), which the one-shot run and the exporter both take. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "lib/kcounters.h"
#include "lib/sockdiag.h"
#include "lib/sysctl.h"
#include "ports/ports_cmd.h"

int ports_parse_slabinfo(const char *text, uint64_t *objects, uint64_t *bytes)
{
	static const char *const caches[] = {"tw_sock_TCP ", "tw_sock_TCPv6 "};
	int found = 0;
	*objects = *bytes = 0;
	for (const char *line = text; line && *line;) {
		for (size_t i = 0; i < 2; i++) {
			size_t n = strlen(caches[i]);
			unsigned long long active, total, size;
			if (strncmp(line, caches[i], n) != 0 ||
			    sscanf(line + n, "%llu %llu %llu", &active, &total, &size) != 3)
				continue;
			*objects += active;
			*bytes += (uint64_t)active * size;
			found = 1;
		}
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	return found ? 0 : -1;
}

int ports_read_config(struct ports_config *cfg, char *err, size_t errlen)
{
	struct net_sysctls s;
	sysctl_read_net(&s);
	cfg->port_lo = s.port_lo;
	cfg->port_hi = s.port_hi;
	cfg->tw_reuse = s.tw_reuse;
	cfg->tw_reuse_delay_ms = s.tw_reuse_delay_ms;
	cfg->timestamps = s.timestamps;
	if (s.port_lo < 1 || s.port_hi < s.port_lo || s.port_hi > 65535) {
		snprintf(err, errlen, "cannot read net.ipv4.ip_local_port_range");
		return -1;
	}
	memset(cfg->reserved, 0, sizeof(cfg->reserved));
	char *text = read_proc_file("/proc/sys/net/ipv4/ip_local_reserved_ports");
	if (text == NULL || tw_parse_reserved(text, cfg->reserved) < 0) {
		snprintf(err, errlen, "cannot read net.ipv4.ip_local_reserved_ports");
		free(text);
		return -1;
	}
	free(text);
	return 0;
}

/* Append "what: why" to the unreadable list. */
static void note_unreadable(struct ports_host *h, const char *what, int errnum)
{
	size_t len = strlen(h->unreadable);
	snprintf(h->unreadable + len, sizeof(h->unreadable) - len, "%s%s: %s", len ? "; " : "",
		 what, strerror(errnum));
}

/* Called for each socket of the probe's dump: is it the bound, unconnected probe? */
static void probe_seen(const struct sockdiag_sock *s, void *arg)
{
	if (s->state == TCPS_CLOSE)
		*(int *)arg = 1;
}

/* The probe's port: the K-th port of 1024-65535 outside ip_local_port_range [lo, hi]. */
static int probe_port(long lo, long hi, long k)
{
	long below = lo > 1024 ? lo - 1024 : 0;
	return (int)(k < below ? 1024 + k : hi + 1 + (k - below));
}

/* Bind the probe to 127.0.0.1 on a port outside ip_local_port_range. Never port 0: that draws
 * from the range, and a monitor must not take what it counts. While the probe holds a drawn
 * port connect() cannot have it, and a drawn port that connect() already uses toward
 * another address is shared, which closes its bind bucket to connect() (fastreuse) while
 * the probe lives, and on 6.1 (not 6.18) until every socket on it is gone. Near a full pool
 * that failed a proxy's connect() (scripts/proxies.sh rows n2, n5; docs/ports.md). Returns
 * the port, or -1 when no port outside the range could be bound. */
static int probe_bind(int fd)
{
	struct net_sysctls s;
	sysctl_read_net(&s);
	if (s.port_lo < 1)
		return -1;
	long outside = (s.port_lo > 1024 ? s.port_lo - 1024 : 0) + (65535 - s.port_hi);
	if (outside <= 0)
		return -1;
	int one = 1; /* a server binding the port meanwhile with SO_REUSEADDR is not refused */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	long k = (long)getpid() % outside;
	for (int tries = 0; tries < 64; tries++, k = (k + 1) % outside) {
		struct sockaddr_in a = {.sin_family = AF_INET,
					.sin_port = htons((uint16_t)probe_port(s.port_lo, s.port_hi, k)),
					.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
			return ntohs(a.sin_port);
		if (errno != EADDRINUSE && errno != EACCES)
			return -1;
	}
	return -1;
}

int ports_bound_visible(void)
{
	/* the kernel's answer does not change while a process runs: probe once (the exporter
	 * and --watch would otherwise bind at every sample) */
	static int known = -1;
	if (known >= 0)
		return known;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int seen = 0, port = probe_bind(fd);
	if (port > 0) {
		struct sockdiag_filter f = {.family = AF_INET, .port = port, .end = PORT_LOCAL};
		if (sockdiag_dump(&f, ~0u, 0, probe_seen, &seen) == 0)
			known = seen;
	}
	close(fd);
	return known;
}

void ports_read_host(struct ports_host *h)
{
	memset(h, 0, sizeof(*h));
	struct timeval tv;
	gettimeofday(&tv, NULL);
	h->time_ms = (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
	h->max_tw_buckets = sysctl_read_long("/proc/sys/net/ipv4/tcp_max_tw_buckets");
	if (h->max_tw_buckets < 0)
		note_unreadable(h, "net.ipv4.tcp_max_tw_buckets", ENOENT);
	struct kcounters kc;
	if (kcounters_read(&kc) == 0 && (kc.present & (1u << KC_TW_OVERFLOW))) {
		h->have_overflow = 1;
		h->tw_overflow = kc.v[KC_TW_OVERFLOW];
	} else {
		note_unreadable(h, "TCPTimeWaitOverflow (/proc/net/netstat)", ENOENT);
	}
	errno = 0;
	char *text = read_proc_file("/proc/slabinfo");
	if (text && ports_parse_slabinfo(text, &h->tw_objects, &h->tw_bytes) == 0)
		h->have_slab = 1;
	else
		note_unreadable(h, "/proc/slabinfo", text ? ENOENT : errno ? errno : EIO);
	free(text);
	h->bound_visible = ports_bound_visible();
}

int ports_sample(const struct ports_config *cfg, struct ports_model *m)
{
	if (ports_init(m, cfg) != 0)
		return -ENOMEM;
	/* every state bit, so that bound-only sockets (bound-inactive) are dumped too;
	 * TCP_INFO for the timestamps of ESTABLISHED sockets */
	int rc = sockdiag_dump_all(~0u, 1, ports_add, m);
	if (rc == 0 && m->oom)
		rc = -ENOMEM;
	if (rc == 0)
		ports_finish(m);
	return rc;
}
