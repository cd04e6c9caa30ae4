/* TCP sockets from the kernel's own table, through NETLINK_SOCK_DIAG (inet_diag): a dump
 * (optionally only sockets with a given port, filtered in the kernel), a pure parser of its
 * replies, and counts by state built on both. */
#ifndef TWTEST_SOCKDIAG_H
#define TWTEST_SOCKDIAG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* TCP states as the kernel numbers them (include/net/tcp_states.h). */
enum tcp_state {
	TCPS_ESTABLISHED = 1, TCPS_SYN_SENT, TCPS_SYN_RECV, TCPS_FIN_WAIT1, TCPS_FIN_WAIT2,
	TCPS_TIME_WAIT, TCPS_CLOSE, TCPS_CLOSE_WAIT, TCPS_LAST_ACK, TCPS_LISTEN, TCPS_CLOSING,
	TCPS_MAX = TCPS_CLOSING,
};

#define TCPF(s) (1u << (s))
#define TCPF_ALL (((1u << (TCPS_MAX + 1)) - 1) & ~1u)

/* Sockets counted per state, indexed by enum tcp_state (slot 0 unused). */
struct tcp_states {
	uint64_t n[TCPS_MAX + 1];
};

/* Which end of a socket must carry the filter's port. */
enum port_end {
	PORT_EITHER, /* local or remote */
	PORT_LOCAL,  /* the socket's own port (a server's listening port) */
	PORT_REMOTE, /* the peer's port (a client's destination port) */
};

struct sockdiag_filter {
	int family;        /* AF_INET, AF_INET6, or AF_UNSPEC for both */
	uint16_t port;     /* 0: every socket */
	enum port_end end;
	const struct sockaddr_storage *remote; /* NULL, or the peer address to match */
};

/* One socket of a dump, as sockdiag_parse hands it over. */
struct sockdiag_sock {
	uint8_t family;           /* AF_INET or AF_INET6 */
	uint8_t state;            /* enum tcp_state (request sockets read as SYN_RECV) */
	uint16_t sport, dport;    /* host order */
	uint8_t src[16], dst[16]; /* network order; IPv4 in the first 4 bytes, rest zero */
	uint32_t expires_ms;      /* timer left; for TIME_WAIT: ms until the socket goes */
	uint32_t ifindex;         /* device the socket is bound to, 0 none */
	int8_t timestamps;        /* TCP_INFO: 1 timestamps negotiated, 0 not, -1 no TCP_INFO */
};

/* Called for each socket of a dump. */
typedef void (*sockdiag_fn)(const struct sockdiag_sock *s, void *arg);

enum { SOCKDIAG_DONE = 0, SOCKDIAG_MORE = 1 };

/* Parse one buffer of netlink replies to a dump (what one recv() returned): calls fn for
 * every socket message. No I/O, no allocation. Returns SOCKDIAG_MORE when the dump goes
 * on in a later buffer, SOCKDIAG_DONE after NLMSG_DONE, or a negative errno (the kernel's
 * NLMSG_ERROR, NLMSG_DONE's of a dump that failed on the way, or -EPROTO for a malformed
 * buffer). */
int sockdiag_parse(const void *buf, size_t len, sockdiag_fn fn, void *arg);

/* Dump the TCP sockets matching f (port filter in the kernel; f->remote is not applied)
 * whose state is in `states`, with TCP_INFO when with_info, calling fn for each. IPv6
 * missing from the kernel is not an error. Returns 0 or a negative errno. */
int sockdiag_dump(const struct sockdiag_filter *f, uint32_t states, int with_info,
		  sockdiag_fn fn, void *arg);

/* Dump every TCP socket, IPv4 and IPv6, whose state is in `states` in one request (the
 * kernel's older TCPDIAG_GETSOCK, one walk of its tables for both families; per-family
 * dumps if the kernel refuses it). Returns 0 or a negative errno. */
int sockdiag_dump_all(uint32_t states, int with_info, sockdiag_fn fn, void *arg);

/* A sockdiag_* error in words: strerror, except -ENOENT, which sock_diag returns when no
 * handler serves TCP: the modules inet_diag and tcp_diag are not loaded (modular kernels,
 * e.g. Debian's, load them on demand when modprobe can). */
const char *sockdiag_strerror(int rc);

/* The kernel's name of a state ("TIME_WAIT"), or NULL outside 1..TCPS_MAX. */
const char *tcp_state_name(int state);

/* Build the INET_DIAG_REQ_BYTECODE program that keeps sockets with `port` at the given end
 * into buf; returns its length in bytes, or 0 if cap is too small. */
size_t sockdiag_port_bytecode(uint16_t port, enum port_end end, void *buf, size_t cap);

/* Count the sockets matching f whose state is in the mask `states` (TCPF bits) into out
 * (zeroed first). Returns 0, or a negative errno. */
int sockdiag_count(const struct sockdiag_filter *f, uint32_t states, struct tcp_states *out);

#endif
