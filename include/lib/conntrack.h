/* The kernel's connection tracking table through NETLINK_NETFILTER (ctnetlink): a dump of
 * the SNAT entries (IPCTNL_MSG_CT_GET, filtered on IPS_SRC_NAT by the kernel from 5.15 and
 * here always), the per-CPU statistics (IPCTNL_MSG_CT_GET_STATS_CPU, summed) and the
 * table's size against nf_conntrack_max (IPCTNL_MSG_CT_GET_STATS). The parsing of the
 * replies (ct_parse) is apart from the socket I/O, so it can be tested on buffers. Needs
 * CAP_NET_ADMIN in the network namespace; works without CONFIG_NF_CONNTRACK_PROCFS. */
#ifndef TWTEST_CONNTRACK_H
#define TWTEST_CONNTRACK_H

#include <stddef.h>
#include <stdint.h>

#define CT_NO_STATE 0xff /* an entry without CTA_PROTOINFO_TCP_STATE (not TCP) */

/* One direction of an entry: addresses in network order (IPv4 in the first 4 bytes, the
 * rest zero), ports in host order. */
struct ct_tuple {
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint8_t proto;  /* CTA_PROTO_NUM, 0 when absent */
	uint8_t have;   /* 1 when the tuple was in the message */
};

/* One entry of a dump, as ct_parse hands it over. */
struct ct_entry {
	uint8_t family;       /* AF_INET or AF_INET6 (nfgenmsg) */
	uint8_t tcp_state;    /* TCP_CONNTRACK_*, CT_NO_STATE when absent */
	uint8_t has_status, has_timeout;
	uint32_t status;      /* IPS_* bits */
	uint32_t timeout_s;   /* seconds until the entry expires */
	struct ct_tuple orig, reply;
};

/* The statistics: the per-CPU counters summed over the CPUs (what `conntrack -S` prints)
 * and the table's size (`conntrack -C`, nf_conntrack_max). */
struct ct_stats {
	uint64_t found, invalid, insert, insert_failed, drop, early_drop, error,
		search_restart, clash_resolve, chain_toolong;
	uint32_t cpus;        /* per-CPU messages summed */
	int have_global;      /* entries and max_entries were read */
	uint32_t entries, max_entries;
};

typedef void (*ct_entry_fn)(const struct ct_entry *e, void *arg);

/* Where ct_parse puts what it finds: entries to fn (when set), statistics added into stats
 * (when set). */
struct ct_sink {
	ct_entry_fn fn;
	void *arg;
	struct ct_stats *stats;
};

enum { CT_DONE = 0, CT_MORE = 1 };

/* Parse one buffer of netlink replies from ctnetlink (what one recv() returned): entries
 * (messages of type CT_NEW or CT_GET) go to sink->fn, per-CPU statistics are added into
 * sink->stats, global statistics set there. Attribute types are masked (NLA_F_NESTED);
 * unknown attributes and messages are skipped. No I/O, no allocation. Returns CT_MORE when
 * the dump goes on in a later buffer, CT_DONE after NLMSG_DONE, or a negative errno (the
 * kernel's, or -EPROTO for a malformed buffer). */
int ct_parse(const void *buf, size_t len, const struct ct_sink *sink);

/* Is e an SNAT entry (IPS_SRC_NAT)? The kernel filters on it from 5.15; before, the dump
 * holds every entry and this is the filter. */
int ct_is_snat(const struct ct_entry *e);

/* Dump the SNAT entries (both families), calling fn for each. Returns 0 or -errno. */
int ct_dump_snat(ct_entry_fn fn, void *arg);

/* Read the statistics into s (zeroed first). Returns 0 or -errno. */
int ct_read_stats(struct ct_stats *s);

/* A ct_* error in words, for a line after "cannot read the conntrack table: ": EPERM as
 * the missing CAP_NET_ADMIN, EINVAL/EPROTONOSUPPORT/EOPNOTSUPP as conntrack's netlink
 * module (nf_conntrack_netlink) not there. */
const char *ct_strerror(int rc);

/* The name of a TCP_CONNTRACK_* state as conntrack -L prints it ("TIME_WAIT"); "NONE" for
 * CT_NO_STATE and unknown values. */
const char *ct_state_name(int state);

#endif
