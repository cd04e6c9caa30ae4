/* The port model of a client run (docs/output.md, "The model"): how many ports connect()
 * can draw from, whether tcp_tw_reuse can recycle them, and from that the rate the ports
 * sustain and, at a given rate, when the first connection fails. */
#ifndef TWTEST_PORT_MODEL_H
#define TWTEST_PORT_MODEL_H

#include <stdint.h>

#include "client/client_opts.h"
#include "lib/sysctl.h"
#include "lib/tw_reuse.h"

#define PORT_MODEL_IGNORED_LO 1 /* the kernel ignores --local-port-range's low bound */
#define PORT_MODEL_IGNORED_HI 2 /* ... its high bound */

struct port_model {
	uint32_t range_lo, range_hi; /* the range connect() draws from */
	int range_ignored;           /* PORT_MODEL_IGNORED_* of --local-port-range, or 0 */
	char range_note[240];        /* what the kernel ignores or could not be read, in words; "" when nothing */
	uint32_t reserved;           /* ports of that range in ip_local_reserved_ports */
	uint64_t sources;            /* --bind addresses, or 1 */
	uint64_t destinations;       /* DSTIP addresses x --port ports */
	int shared_pool;             /* bind() before connect(): one pool over every destination */
	uint64_t ports;              /* P: (range - reserved) x sources [x destinations] */
	int holds_tw;                /* the client holds TIME_WAIT (not --linger, not server-first) */
	int reuse;                   /* tcp_tw_reuse can recycle those ports */
	char reuse_why[160];         /* the verdict and why, in words ("no: tcp_tw_reuse=0: off") */
	uint32_t reuse_delay_ms;     /* the hold time with reuse (tw_reuse_hold_ms) */
	long reuse_delay_sysctl;     /* tcp_tw_reuse_delay as read (SYSCTL_ABSENT before 6.14) */
	double sustainable;          /* new connections/s the ports sustain; -1: unbounded */
	double first_failure_s;      /* at --rate: when the first connect() fails; -1: never */
};

/* Is the destination a loopback address (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104)?
 * tcp_tw_reuse=2 is for those. */
int endpoint_is_loopback(const struct endpoint *ep);

/* The model of run o on a host with sysctls s and ip_local_reserved_ports `reserved` (the
 * sysctl's text, "" for none, NULL when it could not be read: the note says so). */
void port_model_compute(const struct client_opts *o, const struct net_sysctls *s,
			const char *reserved, struct port_model *m);

/* When the first connect() fails at `rate` new connections a second (the closed-loop mode:
 * the rate it reached): P / rate once the rate is above the sustainable one; -1: never. */
double port_model_first_failure_s(const struct port_model *m, double rate);

#endif
