/* The client subcommand: runs the loops and reports them. */
#ifndef TWTEST_CLIENT_H
#define TWTEST_CLIENT_H

#include <stdio.h>

#include "options.h"

/* Run every loop of o, writing records to out; returns the process exit status. */
int client_run(const struct client_opts *o, FILE *out);

#endif
