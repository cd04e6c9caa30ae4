/* The ports subcommand's model: the sockets of one sock_diag dump grouped by (source,
 * destination, destination port), the ports connect() can draw (ip_local_port_range less
 * ip_local_reserved_ports), bound-only ports, the TIME_WAIT expiry schedule, the rate of
 * new TIME_WAIT, the forecast and the tcp_tw_reuse verdict per group. No I/O here: the
 * sockets come in through ports_add, the sysctls through ports_config. */
#ifndef TWTEST_PORTS_H
#define TWTEST_PORTS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/sockdiag.h"
#include "lib/tw_reuse.h"
#include "lib/keytab.h"

#define PORTS_BUCKET_MS 100 /* resolution of the expiry schedule */
#define PORTS_BUCKETS (TW_TIME_WAIT_MS / PORTS_BUCKET_MS + 1)
#define PORTS_WITHIN_N 4    /* the schedule's horizons: 1, 10, 30 and 60 s */

extern const uint32_t ports_within_s[PORTS_WITHIN_N];

/* The states a connect()-drawn port can be in, in output order. */
#define PORTS_NSTATES 8
extern const uint8_t ports_states[PORTS_NSTATES];

/* What the model needs from the host: sysctls (-1: unreadable) and the options. */
struct ports_config {
	long port_lo, port_hi;       /* ip_local_port_range */
	uint64_t reserved[TW_PORT_WORDS]; /* ip_local_reserved_ports, one bit a port */
	long tw_reuse, tw_reuse_delay_ms, timestamps; /* SYSCTL_ABSENT/UNREADABLE as read */
	uint32_t window_ms;          /* rate: TIME_WAIT sockets younger than this are new */
	int dst_family;              /* --dst: AF_INET/AF_INET6, 0 none */
	uint8_t dst[16];
	uint16_t dport;              /* --dport, 0 none */
};

/* One (source, destination, destination port) and what was found for it. */
struct ports_group {
	uint8_t family;
	uint8_t src[16], dst[16];
	uint16_t dport;
	uint8_t on_lo;             /* a socket of the group is bound to the loopback device */
	uint32_t n[TCPS_MAX + 1];  /* sockets by state */
	uint32_t ts_yes, ts_no;    /* ESTABLISHED sockets with / without timestamps negotiated */
	uint32_t new_tw;           /* TIME_WAIT sockets younger than window_ms */
	uint32_t expiry[PORTS_BUCKETS]; /* TIME_WAIT by timer left, PORTS_BUCKET_MS steps */
	/* filled by ports_finish */
	uint32_t connected, bound, in_use, free;
	double used_pct;
	uint32_t free_within[PORTS_WITHIN_N];
	double new_tw_per_s;
	double full_in_s;          /* seconds until no port is free at this rate; -1 never */
	enum tw_verdict reuse;     /* tw_reuse_rule on the group */
	const char *reuse_why;     /* the verdict in words */
	const char *ts_negotiated; /* "yes", "no", "partly", "unknown" (no ESTABLISHED) */
};

/* Ports held by bind() without a connection (bound-only sockets, listeners), by source. */
struct ports_source {
	uint8_t family;
	uint8_t src[16];
	uint32_t ports;            /* distinct ports in the range */
};

struct ports_model {
	const struct ports_config *cfg;
	uint32_t range;            /* ports connect() can draw: the range less the reserved */
	uint32_t reserved_in_range;
	struct ports_group *groups; /* after ports_finish: sorted, used_pct first */
	size_t ngroups;            /* groups and ngroups: the items of `index` */
	struct keytab index;
	struct ports_source *sources;
	size_t nsources;
	uint64_t *bound_map;       /* bound ports, every source: they block connect() for all */
	uint64_t *src_maps;        /* one port bitmap per source */
	uint32_t bound_ports;      /* distinct bound ports in the range */
	uint64_t listen_map[2][65536 / 64]; /* listening ports per family (v4, v6) */
	uint64_t sockets, time_wait; /* every socket seen, every TIME_WAIT (any port) */
	int oom;                   /* a group or source could not be stored */
};

/* Start an empty model on cfg (which must outlive it). Returns 0 or ENOMEM. */
int ports_init(struct ports_model *m, const struct ports_config *cfg);

/* Count one socket of the dump. A sockdiag_fn: arg is the model. Listeners must come
 * before the connections of their family (the kernel dumps them first). */
void ports_add(const struct sockdiag_sock *s, void *arg);

/* Seconds until a group runs out at new_per_s, with `life_ms` until a TIME_WAIT port is
 * usable again; -1 when the steady state fits. */
double ports_forecast(const struct ports_group *g, uint32_t range, double new_per_s,
		      uint32_t life_ms);

/* Compute every group's figures and sort the groups, fullest first. */
void ports_finish(struct ports_model *m);

/* The highest used_pct of all groups (0 with none). */
double ports_max_used(const struct ports_model *m);

/* Free everything the model holds. */
void ports_free(struct ports_model *m);

#endif
