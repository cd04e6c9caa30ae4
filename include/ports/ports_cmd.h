/* The ports subcommand: who holds this host's ephemeral ports, how many are left per
 * (source, destination, destination port), and whether tcp_tw_reuse can help. Options,
 * the host-wide figures it reads, the run loop and the three output formats. */
#ifndef TWTEST_PORTS_CMD_H
#define TWTEST_PORTS_CMD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/cli.h"
#include "lib/parse.h"
#include "ports/ports.h"
#include "ports/ports_nat.h"

enum ports_format { PORTS_TEXT, PORTS_JSON, PORTS_PROM };

struct ports_opts {
	uint32_t top;            /* groups shown; 0: all */
	const char *dst_name;    /* --dst as given, or NULL */
	int dst_family;          /* AF_INET/AF_INET6 with --dst */
	uint8_t dst[16];
	uint16_t dport;          /* 0: every destination port */
	uint32_t interval_ms;    /* the rate's window */
	uint32_t watch_ms;       /* 0: one sample */
	enum ports_format format;
	int fail_above;          /* -1: none; else exit 3 when a group is above this used_pct */
	int nat;                 /* --nat: the NAT's ports from conntrack instead of sockets */
	int nat_ports_given;     /* --nat-ports LO-HI given */
	uint16_t nat_lo, nat_hi;
	const char *listen;      /* --listen as given, or NULL: serve /metrics (ports_exporter.c) */
	struct endpoint listen_addr;
};

/* Fill o with the documented defaults. */
void ports_defaults(struct ports_opts *o);

/* Parse argv (argv[0] is "ports") into o; on error write a one-line message into err. */
enum parse_result ports_parse_args(int argc, char **argv, struct ports_opts *o, char *err,
				   size_t errlen);

/* The subcommand's command line: one row per option. */
extern const struct cli_command ports_cli;

/* Host-wide figures beside the groups; what could not be read is named in `unreadable`. */
struct ports_host {
	long max_tw_buckets;     /* -1: unreadable */
	int have_overflow;
	uint64_t tw_overflow;    /* TcpExt TCPTimeWaitOverflow */
	int have_slab;
	uint64_t tw_objects, tw_bytes; /* tw_sock_TCP + tw_sock_TCPv6 in /proc/slabinfo */
	uint64_t time_ms;        /* wall clock of the sample, ms since the epoch */
	int bound_visible;       /* the dump shows bound-only sockets (Linux 6.9+): 1, 0, -1 unknown */
	char unreadable[256];    /* "; "-separated, "" when everything was read */
};

/* Parse /proc/slabinfo text: active objects and their bytes in the TIME_WAIT caches
 * (tw_sock_TCP, tw_sock_TCPv6). Returns 0, or -1 when neither line is there. */
int ports_parse_slabinfo(const char *text, uint64_t *objects, uint64_t *bytes);

/* Read the sysctls and reserved ports into cfg (options already set); 0, or -1 when the
 * port range cannot be read (a message in err). */
int ports_read_config(struct ports_config *cfg, char *err, size_t errlen);

/* Does the kernel's socket dump show a bound, unconnected socket (inet_diag dumps them from
 * Linux 6.9 on)? Binds a probe to 127.0.0.1 on a port outside ip_local_port_range, once per
 * process, and looks for it: 1, 0, or -1 when no probe could be made (no loopback address,
 * no sock_diag, no free port outside the range). */
int ports_bound_visible(void);

/* Read the host-wide figures. */
void ports_read_host(struct ports_host *h);

/* One sample of the socket table into m (initialised here; the caller frees it), with the
 * sysctls already in cfg. Returns 0 or -errno. */
int ports_sample(const struct ports_config *cfg, struct ports_model *m);

/* Print one sample in o's format. */
void ports_report(FILE *out, const struct ports_opts *o, const struct ports_model *m,
		  const struct ports_host *h);

/* Sample, print to out (or serve with --listen), and return the process exit status. */
int ports_run(const struct ports_opts *o, FILE *out);

/* The same for --nat (src/ports/ports_nat_cmd.c). */
int ports_nat_run(const struct ports_opts *o, FILE *out);

/* Print one --nat sample in o's format (src/ports/ports_nat_report.c). */
void ports_nat_report(FILE *out, const struct ports_opts *o, const struct nat_model *m,
		      const struct nat_host *h);

#endif
