/* `twtest ports --nat`: the NAT's own port table, from the SNAT entries of the conntrack
 * table grouped by (translated source IP, destination IP, destination port), each group's
 * pool, use, states, expiry schedule, rate, forecast and the takeover verdict of this
 * kernel. The model has no I/O (entries come in through nat_add, sysctls through
 * nat_config); nat_sample and the reports do the reading and printing. */
#ifndef TWTEST_PORTS_NAT_H
#define TWTEST_PORTS_NAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/conntrack.h"
#include "lib/keytab.h"

#define NAT_SCHED_S 600   /* expiry schedule in 1 s steps; entries with more left: "later" */
#define NAT_WITHIN_N 4    /* the schedule's horizons: 1, 10, 60 and 120 s */
#define NAT_NSTATES 10    /* TCP_CONNTRACK_NONE .. SYN_SENT2 */

extern const uint32_t nat_within_s[NAT_WITHIN_N];

/* The conntrack hold times the model uses, seconds (-1: unreadable). */
struct nat_holds {
	long syn_sent, syn_recv, established, fin_wait, close_wait, last_ack, time_wait, close;
};

struct nat_config {
	uint16_t pool_lo, pool_hi;   /* the pool of translated source ports */
	int pool_given;              /* 1: from --nat-ports; 0: the kernel's default 1024-65535 */
	struct nat_holds hold;
	uint32_t window_s;           /* rate: closing entries younger than this are new */
	int evicts;                  /* the kernel takes over closing entries (Linux 6.5+) */
	int dst_family;              /* --dst: AF_INET/AF_INET6, 0 none */
	uint8_t dst[16];
	uint16_t dport;              /* --dport, 0 none */
};

/* What a new connection toward a group should expect. */
enum nat_expect { NAT_IMMEDIATE, NAT_DELAY, NAT_TIMEOUT };

struct nat_group {
	uint8_t family;
	uint8_t src[16], dst[16];    /* translated source (the NAT's address), destination */
	uint16_t dport;
	uint32_t n[NAT_NSTATES + 1]; /* entries by TCP_CONNTRACK_* state; [NAT_NSTATES]: other */
	uint32_t new_entries;        /* entries that entered SYN_SENT, TIME_WAIT or CLOSE within window_s */
	uint32_t outside_pool;       /* entries whose translated port lies outside the pool */
	uint32_t expiry[NAT_SCHED_S + 1]; /* entries by whole seconds left; [NAT_SCHED_S]: later */
	/* filled by nat_finish */
	uint32_t in_use, free, established, time_wait, close, other;
	double used_pct;
	uint32_t free_within[NAT_WITHIN_N];
	double new_per_s;            /* new entries a second (the larger of one dump's and the
				      * growth since the previous sample, when there is one) */
	double full_in_s;            /* seconds until the pool is full at new_per_s; -1 never */
	uint32_t evictable, taken;   /* closing entries a new SYN may evict; the rest */
	long next_free_s;            /* seconds until the first entry expires; -1 none */
	enum nat_expect expect;
	char expect_why[160];
};

struct nat_model {
	const struct nat_config *cfg;
	uint32_t pool;
	struct nat_group *groups;    /* after nat_finish: sorted, fullest first */
	size_t ngroups;              /* groups and ngroups: the items of `index` */
	struct keytab index;
	uint64_t snat_entries;       /* SNAT TCP entries seen (every group, before --dst/--dport) */
	uint64_t other_proto;        /* SNAT entries of other protocols (not counted) */
	int oom;
};

/* Start an empty model on cfg (which must outlive it). Returns 0 or ENOMEM. */
int nat_init(struct nat_model *m, const struct nat_config *cfg);

/* Count one SNAT entry. A ct_entry_fn: arg is the model. */
void nat_add(const struct ct_entry *e, void *arg);

/* Seconds until g's pool is full at new_per_s, new entries held hold_s; -1 never. */
double nat_forecast(const struct nat_group *g, uint32_t pool, double new_per_s, long hold_s);

/* Compute every group's figures (prev: the previous sample's model or NULL, dt_s apart, for
 * the growth rate) and sort the groups, fullest first. */
void nat_finish(struct nat_model *m, const struct nat_model *prev, double dt_s);

/* The group toward (family, src, dst, dport), or NULL. */
const struct nat_group *nat_find(const struct nat_model *m, const struct nat_group *key);

/* The highest used_pct of all groups (0 with none). */
double nat_max_used(const struct nat_model *m);

void nat_free(struct nat_model *m);

const char *nat_expect_name(enum nat_expect e);

/* The conntrack figures beside the groups. */
struct nat_host {
	struct ct_stats st;
	int have_prev;                /* rates since the previous sample (--watch) */
	double insert_failed_per_s, drop_per_s;
	uint64_t time_ms;
	char kernel[65];              /* uname's release */
};

/* Read the conntrack sysctls into cfg->hold and whether this kernel evicts closing entries
 * (release 6.5 or later, from uname) into cfg->evicts; the release into kernel. */
void nat_read_config(struct nat_config *cfg, char *kernel, size_t klen);

/* Is release ("6.1.0-13-amd64") at least major.minor? */
int nat_release_at_least(const char *release, int major, int minor);

/* One sample: the dump into m (initialised here; the caller frees it) and the statistics
 * into h. Returns 0 or -errno (ct_strerror says what it means). */
int nat_sample(const struct nat_config *cfg, struct nat_model *m, struct nat_host *h);

/* The Prometheus text of one sample (the first `top` groups; 0: all) into a malloc'd
 * buffer *text of *len bytes (for an exporter); 0 or -1 when out of memory. */
int nat_prom_text(const struct nat_model *m, const struct nat_host *h, uint32_t top,
		  char **text, size_t *len);

#endif
