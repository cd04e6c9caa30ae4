/* The port model of a client run (docs/output.md, "The model"): how many ports connect()
 * can draw from, whether tcp_tw_reuse can recycle them, and from that the rate the ports
 * sustain and, at a given rate, when the first connection fails. */
#ifndef TWTEST_PORT_MODEL_H
#define TWTEST_PORT_MODEL_H

#include <stdint.h>

#include "client/client_opts.h"
#include "lib/sockdiag.h"
#include "lib/sysctl.h"
#include "lib/tw_reuse.h"

#define PORT_MODEL_STEP_MS 100 /* resolution of the TIME_WAIT schedule and of the prediction */
#define PORT_MODEL_STEPS (TW_TIME_WAIT_MS / PORT_MODEL_STEP_MS + 1)

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
	/* The host as it is (port_model_held): the sockets already in the run's pools. */
	int held_read;               /* 1 the socket table was read; 0 not (held counts none) */
	uint64_t held;               /* sockets in those pools before the first connection */
	uint64_t held_tw;            /* of them in TIME_WAIT */
	uint64_t free;               /* P less held: ports a connect() finds free at once */
	uint32_t tw_free_at[PORT_MODEL_STEPS]; /* held TIME_WAIT by when a connect() may take
						* its port (expiry, or reuse's delay), in steps */
	uint64_t loop_conns;         /* loops: connections a loop (this host's share); 0 else */
	int64_t first_failing_loop;  /* loops: the first with a failure; -1 none */
};

/* What the socket table holds in a run's pools before its first connection, counted by
 * port_census_add over a sock_diag dump (no I/O here). A socket is in a pool when its
 * local port is in the model's range, its remote end is one of the run's destinations
 * (any, with bind() before connect(): one pool per source) and its source one of --bind's,
 * or the route's source toward DSTIP (any when that is not known). */
struct port_census {
	const struct client_opts *o;
	uint32_t lo, hi;
	int shared_pool;
	const struct endpoint *source; /* the route's source without --bind, or NULL: any */
	uint64_t held, time_wait;
	uint32_t expiry[PORT_MODEL_STEPS]; /* TIME_WAIT by time left, rounded up to a step */
};

/* Start an empty census of run o's pools under model m (computed first). */
void port_census_init(struct port_census *c, const struct client_opts *o,
		      const struct port_model *m, const struct endpoint *source);

/* Count one socket of the dump when it is in one of the pools (a sockdiag_fn; arg: the
 * census). */
void port_census_add(const struct sockdiag_sock *s, void *arg);

/* Start model m from the host as the census c found it (NULL: the table could not be
 * read): the free ports, when the held TIME_WAIT ports come free, and from them the first
 * failure (rate) or the first failing loop (loops). */
void port_model_held(struct port_model *m, const struct port_census *c, const struct client_opts *o);

/* Is the destination a loopback address (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104)?
 * tcp_tw_reuse=2 is for those. */
int endpoint_is_loopback(const struct endpoint *ep);

/* The model of run o on a host with sysctls s and ip_local_reserved_ports `reserved` (the
 * sysctl's text, "" for none, NULL when it could not be read: the note says so). */
void port_model_compute(const struct client_opts *o, const struct net_sysctls *s,
			const char *reserved, struct port_model *m);

/* When the first connect() fails at `rate` new connections a second (the closed-loop mode:
 * the rate it reached), from the free ports, the held TIME_WAIT as it comes free and the
 * run's own ports as they come back (P / rate on an empty host above the sustainable
 * rate); -1: never. */
double port_model_first_failure_s(const struct port_model *m, double rate);

#endif
