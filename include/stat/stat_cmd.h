/* The stat subcommand: TCP socket counts by state from the kernel (sock_diag), once, every
 * --watch MS, or waiting until TIME_WAIT on a port has drained (--wait-clear). */
#ifndef TWTEST_STAT_CMD_H
#define TWTEST_STAT_CMD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/cli.h"

struct stat_opts {
	uint16_t port;          /* 0: every socket */
	enum output_format format; /* FORMAT_TEXT or FORMAT_JSON */
	uint32_t watch_ms;      /* 0: one record */
	int wait_clear;
	uint32_t timeout_s;     /* --wait-clear bound; 0: none */
};

/* Fill o with the documented defaults. */
void stat_defaults(struct stat_opts *o);

/* Parse argv (argv[0] is "stat") into o; on error write a one-line message into err. */
enum parse_result stat_parse_args(int argc, char **argv, struct stat_opts *o, char *err,
				  size_t errlen);

/* The subcommand's command line: one row per option. */
extern const struct cli_command stat_cli;

/* Count, print to out, and return the process exit status. */
int stat_run(const struct stat_opts *o, FILE *out);

#endif
