/* Helpers shared by the subcommands' option parsers. */
#ifndef TWTEST_CLI_H
#define TWTEST_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include "options.h"

/* Write a formatted one-line error into err and return PARSE_ERROR. */
enum parse_result cli_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Parse the number `val` of argument `name` in [min, max]; on error fill err, return -1. */
int cli_num(const char *name, const char *val, uint64_t min, uint64_t max, uint64_t *out,
	    char *err, size_t errlen);

/* Name of the long option whose code is c. */
const char *cli_option_name(const struct option *opts, int c);

/* Report getopt's '?' and ':' results; returns PARSE_ERROR. */
enum parse_result cli_getopt_error(int c, char **argv, char *err, size_t errlen);

/* What cli_next_option returns besides an option's code. */
enum { CLI_END = -1, CLI_HELP = -2, CLI_ERROR = -3 };

/* Reset getopt, so that a parser can run more than once in a process. */
void cli_begin(void);

/* The next option of argv under the rules every subcommand shares: an unknown option or a
 * missing value is an error, -h/--help asks for help, an option may be given only once
 * (seen[code], nseen entries, counts them). Returns the option's code, CLI_END after the
 * last option, CLI_HELP, or CLI_ERROR with the message in err. */
int cli_next_option(int argc, char **argv, const struct option *opts, unsigned char *seen,
		    size_t nseen, char *err, size_t errlen);

/* The parse result for what ended a cli_next_option loop. */
static inline enum parse_result cli_result(int c)
{
	return c == CLI_HELP ? PARSE_HELP : c == CLI_ERROR ? PARSE_ERROR : PARSE_OK;
}

#endif
