/* When and as whom a client run starts: the identity every JSON record carries (shard, host
 * name, start time) so that `twtest merge` can tell the hosts' records apart and line them
 * up, and the wait until --start-at. */
#ifndef TWTEST_CLIENT_START_H
#define TWTEST_CLIENT_START_H

#include <stdint.h>
#include <stdio.h>

#include "client/client_opts.h"

struct run_start {
	char host[256];    /* gethostname() */
	int64_t wall_ns;   /* the start, ns since the epoch */
	uint64_t mono_ns;  /* the same instant on CLOCK_MONOTONIC: rate intervals count from it */
};

/* Fix the run's start: --start-at, or now. */
void run_start_init(struct run_start *s, const struct client_opts *o);

/* Sleep until the start (at once if it has passed); returns the stop signal that ended the
 * wait, or 0. */
int run_start_wait(const struct run_start *s);

/* The identity's values as every record prints them: "I/N", the host name (its quotes,
 * backslashes and control characters as '?') and the start in seconds with microseconds. */
struct run_ident {
	char shard[24];
	char host[256];
	char start[32];
};
void run_start_ident(struct run_ident *id, const struct run_start *s, const struct client_opts *o);

#endif
