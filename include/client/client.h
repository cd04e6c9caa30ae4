/* The client subcommand: the engine that runs the loops with the strategy the options
 * choose (include/client/client_engine.h) and reports them. */
#ifndef TWTEST_CLIENT_H
#define TWTEST_CLIENT_H

#include <stdio.h>

#include "client/client_opts.h"

/* Run every loop of o, writing records to out; returns the process exit status. */
int client_run(const struct client_opts *o, FILE *out);

#endif
