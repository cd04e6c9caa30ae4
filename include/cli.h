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

#endif
