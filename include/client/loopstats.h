/* What one client loop measured: finished and failed connections, failures keyed by
 * the stage where they happened and a detail (the errno, or what a timeout waited for). */
#ifndef TWTEST_LOOPSTATS_H
#define TWTEST_LOOPSTATS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/histogram.h"
#include "lib/kcounters.h"

enum fail_stage {
	STAGE_SOCKET,      /* socket() */
	STAGE_SOCKOPT,     /* setsockopt() of a requested option */
	STAGE_BIND,        /* bind() to --bind */
	STAGE_CONNECT,     /* connect() itself or its asynchronous result (SO_ERROR) */
	STAGE_WRITE,       /* sending the payload */
	STAGE_READ,        /* reading the echo or the peer's FIN */
	STAGE_ECHO,        /* the echo was short, wrong or too long */
	STAGE_STATUS,      /* --protocol http: a status outside 2xx/3xx (detail: status - 400) */
	STAGE_RESPONSE,    /* --protocol http: the response was not HTTP, too large or cut short */
	STAGE_TIMEOUT,     /* --timeout passed */
	STAGE_INTERRUPTED, /* the run was interrupted with the connection open */
	STAGE_SHED,        /* rate mode: due while --max-inflight were in flight, not started */
	STAGE_COUNT
};

/* Details of STAGE_ECHO. */
enum echo_detail { ECHO_SHORT, ECHO_MISMATCH, ECHO_EXTRA };

/* Details of STAGE_RESPONSE. */
enum response_detail {
	RESPONSE_EPROTO,   /* not HTTP/1.x, or bytes after it that no request asked for */
	RESPONSE_EMSGSIZE, /* larger than --max-response */
	RESPONSE_SHORT,    /* the server closed before the response was complete */
};

/* Details of STAGE_TIMEOUT: what the connection was waiting for. */
enum timeout_detail { WAIT_CONNECT, WAIT_ECHO, WAIT_EOF, WAIT_RESPONSE };

#define FAIL_DETAILS 200 /* errno values are below this; STAGE_STATUS: 400-599 */

/* --protocol http: responses counted by status code, 100-599; the connections the server
 * closed before a response began, whose requests went on a new one (reconnects); and the
 * responses each connection carried, once it carries no more (docs/http.md). */
#define HTTP_STATUS_FIRST 100
#define HTTP_STATUS_SLOTS 500
struct http_counts {
	uint64_t responses;
	uint64_t status[HTTP_STATUS_SLOTS];
	uint64_t reconnects;
	struct histogram carried;
};

struct fail_table {
	uint32_t count[STAGE_COUNT][FAIL_DETAILS];
};

/* What the engine's view of the kernel adds to a round, after it (a zeroed view measured
 * nothing). */
struct kernel_view {
	uint32_t measured;        /* MEASURED_* bits */
	uint64_t time_wait;       /* TIME_WAIT toward the destination once the closes settled */
	struct kcounters kernel;  /* counter deltas over the round (kernel.present: which) */
	uint64_t wait_clear_ns;   /* --wait-clear: time waited before the round */
	uint64_t wait_clear_left; /* --wait-clear: TIME_WAIT left when the round began */
};

/* What the rate schedule adds to a round (one report interval): connections due in it, of
 * them started (the others shed), in flight at its end, and how late they started. The
 * closed-loop mode (src/client/client_closed.c) fills started, inflight, inflight_max, t_ns
 * and first_failed. */
struct rate_view {
	uint64_t due, started, inflight;
	uint64_t inflight_max;     /* the most in flight at once (the sum of each worker's most:
				    * never below the true peak); a total keeps the largest */
	uint64_t finished_before_fail; /* finished when the round's first failure came */
	double reached;            /* closed loop: finished/s until the first failure, else over
				    * the run so far (the port model's rate); a total keeps the latest */
	struct histogram lag_us;
	uint64_t t_ns;             /* the interval's end, since the run began */
	uint32_t first_failed;     /* 1 + the first interval with a failure; 0: none */
	uint64_t tail_finished;    /* finished in the run's last third, and that third's length */
	uint64_t tail_ns;
};

/* What a worker counts of its connections (all a loop-mode worker holds). The members,
 * once, for struct conn_counts and for loop_result's `counts` group. */
#define CONN_COUNTS_MEMBERS                                                                 \
	uint64_t conns;     /* connections attempted (CONNS, or the loops' sum in a total) */ \
	uint64_t finished;  /* finished + failed == conns */                                  \
	uint64_t failed;                                                                      \
	uint64_t elapsed_ns;                                                                  \
	uint64_t first_fail_ns; /* 1 + ns from the worker's (rate: the run's) start to the    \
				 * first failure; 0: none */                                  \
	struct fail_table fails;                                                              \
	/* Finished connections only, in microseconds: from the start of the attempt (before  \
	 * socket()) until connect() completed, and until the connection was done. */        \
	struct histogram connect_us, conn_us;                                                 \
	/* --protocol http: responses by status, and from each request written to its         \
	 * response complete, in microseconds. */                                             \
	struct http_counts http;                                                              \
	struct histogram req_us;

struct conn_counts {
	CONN_COUNTS_MEMBERS
};

/* One round's result (a loop, or a rate interval): what the workers count (`counts`, its
 * members also reachable by name, as the kernel's struct_group does), then what the
 * kernel view and the rate schedule add. */
struct loop_result {
	uint32_t loop;      /* the round's number */
	union {
		struct conn_counts counts;
		struct {
			CONN_COUNTS_MEMBERS
		};
	};
	struct kernel_view kv;
	struct rate_view rate;
};

#define MEASURED_TIME_WAIT 1u  /* time_wait is valid */
#define MEASURED_WAIT_CLEAR 2u /* wait_clear_ns and wait_clear_left are valid */

/* Count one failure. */
static inline void fail_count(struct fail_table *t, enum fail_stage stage, int detail)
{
	if (detail < 0 || detail >= FAIL_DETAILS)
		detail = 0;
	t->count[stage][detail]++;
}

/* Name of a stage, as printed ("connect"). */
const char *fail_stage_name(enum fail_stage stage);

/* Name of a detail within a stage ("EADDRNOTAVAIL", "short", "connect"); "" for none. */
const char *fail_detail_name(enum fail_stage stage, int detail);

/* Add every count of src into dst. */
void fail_table_add(struct fail_table *dst, const struct fail_table *src);

/* Visit every non-zero failure count in a stable order (stage, then detail). */
typedef void (*fail_visit_fn)(void *ctx, const char *key, uint32_t count);
void fail_table_visit(const struct fail_table *t, fail_visit_fn fn, void *ctx);

/* Add a worker's (or a round's) counts into a running total. */
void conn_counts_add(struct conn_counts *total, const struct conn_counts *c);

/* Add a worker's (or a round's) part of the rate schedule into a total: due, started,
 * lag and the tail add up, inflight and reached keep the latest, the rest the largest or
 * the first. */
void rate_view_add(struct rate_view *total, const struct rate_view *r);

/* Add a loop's numbers into a running total (the loop number excepted); the kernel
 * counter deltas and waits add up, time_wait and wait_clear_left keep the latest. */
void loop_result_add(struct loop_result *total, const struct loop_result *r);

/* Successful connections per second of a result (0 when no time elapsed). */
double loop_result_rate(const struct loop_result *r);

#endif
