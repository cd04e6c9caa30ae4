/* The client's sequential path for close scenarios: connections one after another. */
#ifndef TWTEST_CLIENT_SEQ_H
#define TWTEST_CLIENT_SEQ_H

#include <stdio.h>

#include "options.h"

/* Run every loop of o one connection at a time, writing records to out; returns the
 * process exit status. Used when o->sequential is set. */
int client_seq_run(const struct client_opts *o, FILE *out);

#endif
