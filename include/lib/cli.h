/* Helpers shared by the subcommands' option parsers. */
#ifndef TWTEST_CLI_H
#define TWTEST_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

enum parse_result { PARSE_OK = 0, PARSE_HELP = 1, PARSE_ERROR = -1 };

/* --format, shared by every subcommand that prints records. */
enum output_format { FORMAT_TEXT, FORMAT_CSV, FORMAT_JSON };
extern const char *const format_names[];

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

/* One row of an option table: a flag (sets an int to 1), a number in [min, max] stored in
 * `size` bytes (2, 4, or 8 signed), or one of `names` stored as an int index. */
struct cli_rule {
	int code;
	enum { CLI_FLAG, CLI_NUMBER, CLI_CHOICE } kind;
	const char *name;           /* "--port", for messages */
	uint64_t min, max;          /* CLI_NUMBER */
	size_t field, size;         /* offset in the options struct; CLI_NUMBER's width */
	const char *const *names;   /* CLI_CHOICE: NULL-terminated */
	const char *choices;        /* CLI_CHOICE: "a, b or c", for messages */
	int tag;                    /* the caller's meaning, returned in *tag */
};

/* Parse option c with value val by the row of rules (n rows) that has its code, into the
 * options struct opts. Returns 1 and the row's tag in *tag, 0 if no row has code c, or
 * -1 with a one-line message in err. */
int cli_table_option(const struct cli_rule *rules, size_t n, int c, const char *val, void *opts,
		     int *tag, char *err, size_t errlen);

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
