/* The client subcommand's options: one struct, defaults in one place (client_defaults),
 * parsing and validation that never exit (src/client/client_cli.c). */
#ifndef TWTEST_CLIENT_OPTS_H
#define TWTEST_CLIENT_OPTS_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/addrlist.h"
#include "lib/cli.h"
#include "lib/parse.h"
#include "lib/portlist.h"
#include "lib/twtest.h"

#define TWTEST_MAX_RATE 1000000u      /* --rate: new connections a second */
#define TWTEST_MAX_DURATION 3600u     /* --duration: seconds (connection times fit 32 bits) */
#define TWTEST_MAX_COUNT 1000000000u  /* --count: connections of a closed-loop run */

/* Who sends the first FIN, seen from the client. */
enum client_close {
	CLIENT_CLOSE_CLIENT,   /* close() after the whole echo: client holds TIME_WAIT */
	CLIENT_CLOSE_SERVER,   /* wait for the server's FIN, then close() */
	CLIENT_CLOSE_SHUTDOWN, /* shutdown(SHUT_WR), read to EOF, close() */
};

/* The client's answer to the server's FIN (--on-eof). */
enum client_on_eof {
	CLIENT_EOF_CLOSE,    /* close() at once, even with data unread (then RST) */
	CLIENT_EOF_SHUTDOWN, /* shutdown(SHUT_WR) at once, read the rest, close() */
	CLIENT_EOF_IGNORE,   /* nothing at once: read the rest, then close() */
};

/* What the client speaks (--protocol). */
enum client_protocol {
	CLIENT_PROTO_ECHO,    /* send --payload bytes, check the echo */
	CLIENT_PROTO_CONNECT, /* done once connect() completes */
	CLIENT_PROTO_HTTP,    /* HTTP/1.1 GET, --requests-per-conn over keep-alive */
};

#define TWTEST_MAX_HTTP_FIELD 2048            /* --http-path and --http-host, in bytes */

extern const char *const client_close_names[];
extern const char *const client_protocol_names[];
extern const char *const client_on_eof_names[];

struct client_opts {
	const char *dst_name;    /* DSTIP as given */
	struct endpoint dst;     /* the first destination, with the first port */
	struct addrlist dsts;    /* every DSTIP address (a name resolves to one) */
	struct portlist ports;   /* every --port; destinations are dsts x ports, round-robin */
	const char *port_name;   /* --port as given, or NULL */
	uint32_t loops;
	uint32_t conns;
	uint16_t port;
	uint32_t payload;
	uint32_t timeout_ms;
	uint32_t interval_ms;
	uint32_t threads;        /* worker threads, each with its own epoll set */
	enum client_close close_mode;
	enum output_format format;
	int reuseport;
	int linger;
	int reuseaddr;
	int bind_no_port;
	int freebind;            /* --freebind: IP_FREEBIND, --bind may name an address not (yet) here */
	int fail_on_error;
	const char *bind_name;   /* --bind as given, or NULL */
	struct endpoint bind;    /* valid when bind_name != NULL: the first address */
	struct addrlist binds;   /* every --bind address, used round-robin per connection */
	uint16_t port_lo, port_hi; /* --local-port-range; 0-0 when unset */
	int wait_clear;          /* --wait-clear: wait for TIME_WAIT to drain before each loop */
	uint32_t wait_clear_timeout_s; /* its bound (--wait-clear-timeout) */
	/* Close scenarios (docs/closing.md): any of these runs the connections one after
	 * another on a separate path (src/client_seq.c), leaving the concurrent loop as it is. */
	int sequential;          /* --sequential, or implied by the options below */
	uint16_t source_port;    /* --source-port: bound before connect; 0 unset */
	int64_t close_after_ms;  /* --close-after: close this long after connect; -1 unset */
	uint32_t read_delay_ms;  /* --read-delay: do not read before this */
	int close_on_data;       /* --close-on-data: close as soon as data was read */
	enum client_on_eof on_eof;
	int report_conns;        /* --report-conns: one record per connection */
	int no_observe;          /* --no-observe: no per-loop time_wait / kernel counter deltas */
	uint32_t requests_per_conn; /* --requests-per-conn: echoes (http: requests) per connection */
	enum client_protocol protocol;
	const char *http_path;   /* --http-path (default "/") */
	const char *http_host;   /* --http-host, or NULL: DSTIP, with :PORT unless 80 */
	uint32_t max_response;   /* --max-response: bytes of one response, head and body */
	/* Rate mode (src/client_rate.c): --rate R new connections a second for --duration S. */
	uint32_t rate;           /* 0: loop mode */
	uint32_t duration_s;
	uint32_t max_inflight;   /* 0: as many as descriptors allow */
	uint32_t report_interval_ms;
	/* Closed-loop mode (src/client/client_closed.c): --concurrency C in flight, each
	 * connection replaced as it ends, for --duration S or --count N connections. */
	uint32_t concurrency;    /* 0: not closed-loop */
	uint32_t count;          /* 0: --duration ends the run */
	/* Many hosts, one run (docs/distributed.md): a common start and this host's share. */
	int64_t start_at_ns;     /* --start-at: the wall-clock start, ns since the epoch; 0 now */
	const char *start_at_name; /* --start-at as given, or NULL */
	uint32_t shard, shards;  /* --shard I/N: this host is I of N (default 0/1) */
	uint32_t conns_total;    /* CONNS as given; conns is this host's share of it */
	int verbose;             /* -v/--verbose: text loop and interval lines with every field */
	int dry_run;             /* --dry-run: validate, print the effective options, run nothing */
};

/* The client engine's strategies (include/client_engine.h), as option scopes. */
enum client_strategy_id {
	STRATEGY_CONCURRENT,
	STRATEGY_SEQUENTIAL,
	STRATEGY_RATE,
	STRATEGY_CLOSED,
	STRATEGY_COUNT
};
#define STRATEGY_BIT(id) (1u << (id))
#define STRATEGY_ALL ((1u << STRATEGY_COUNT) - 1)

/* The client's command line: one row per option, each with the strategies it works in
 * (a bit per strategy, `scope`) and why it is refused in the others (`why`): an option
 * outside its scope is refused with exit 2, never accepted and ignored. */
extern const struct cli_command client_cli;

/* The strategy the parsed options choose. */
enum client_strategy_id client_strategy_of(const struct client_opts *o);

/* What chose it, as refusals print it ("--rate"). */
extern const char *const client_strategy_names[];

/* Destinations of a client run: DSTIP addresses x --port ports. */
static inline uint64_t client_destinations(const struct client_opts *o)
{
	return o->dsts.total * o->ports.total;
}

/* The new connections a second this host makes: its share of --rate. */
static inline double client_host_rate(const struct client_opts *o)
{
	return (double)o->rate / o->shards;
}

/* This host's share of `total` items numbered from 0: those i with i mod N = I. */
static inline uint64_t client_shard_share(const struct client_opts *o, uint64_t total)
{
	return total / o->shards + (o->shard < total % o->shards);
}

/* Fill o with the documented defaults. */
void client_defaults(struct client_opts *o);

/* Parse argv (argv[0] is the subcommand name) into o; on error write a one-line message
 * (without the program name or a newline) into err. Resolves host names. */
enum parse_result client_parse_args(int argc, char **argv, struct client_opts *o, char *err,
				    size_t errlen);

/* --dry-run's output: the operands and every option's effective value, "key=value" a line. */
void client_print_effective(const struct client_opts *o, FILE *out);

#endif
