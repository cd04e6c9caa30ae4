/* The server subcommand: an epoll echo server. */
#ifndef TWTEST_SERVER_H
#define TWTEST_SERVER_H

#include <stdio.h>

#include "server/server_opts.h"

/* Listen and echo until SIGINT/SIGTERM; settings and summary go to out. Returns the
 * process exit status. */
int server_run(const struct server_opts *o, FILE *out);

#endif
