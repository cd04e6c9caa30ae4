/* The subcommands' command lines as tables: one row per option (name, argument kind, field,
 * bounds or choices, scope, help), from which the getopt table, the parsing, the scope check,
 * the --help text and the --list-options listing are produced (src/lib/cli.c). */
#ifndef TWTEST_CLI_H
#define TWTEST_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum parse_result { PARSE_OK = 0, PARSE_HELP = 1, PARSE_ERROR = -1 };

/* --format, shared by every subcommand that prints records. */
enum output_format { FORMAT_TEXT, FORMAT_CSV, FORMAT_JSON };
extern const char *const format_names[];

/* What an option's argument is, and how its row stores it in the options struct. */
enum cli_kind {
	CLI_FLAG,   /* no value: sets the int field to 1 */
	CLI_NUMBER, /* a number in [min, max], stored in `size` bytes (2, 4 unsigned; 8 signed) */
	CLI_TIME,   /* a time in [min, max] of unit_ms milliseconds, stored like CLI_NUMBER:
		     * "500ms", "5s", "2m", "1h", or a bare number in that unit */
	CLI_CHOICE, /* one of `values`, stored as its index in an int (enum) field */
	CLI_STRING, /* the value, stored as a const char *; 1-max bytes when max > 0 */
	CLI_CUSTOM, /* the row's `parse` hook fills the options; takes a value when `arg` is set */
	CLI_HELP,   /* -h/--help: the parse ends with PARSE_HELP */
	CLI_TEXT,   /* no option: help text between the options; with `arg`, formatted as an
		     * option line whose left column is `arg` (e.g. "--payload 0") */
};

/* A CLI_CUSTOM row's parser: val (NULL for a row without `arg`) into opts; PARSE_OK, or
 * PARSE_ERROR with a one-line message in err. */
typedef enum parse_result (*cli_parse_fn)(const char *val, void *opts, char *err, size_t errlen);

/* One option: everything the parser, the help text and the completion need. */
struct cli_option {
	const char *name;          /* long name without "--"; NULL for CLI_TEXT */
	char short_name;           /* 'p', or 0 */
	enum cli_kind kind;
	size_t field, size;        /* offset in the options struct; CLI_NUMBER's width */
	uint64_t min, max;         /* CLI_NUMBER's and CLI_TIME's bounds; CLI_STRING's length bound */
	uint64_t unit_ms;          /* CLI_TIME: the field's unit, a bare number's (1 ms, 1000 s) */
	const char *const *values; /* CLI_CHOICE's names (NULL-terminated); for a CLI_CUSTOM
				    * row, the fixed values it takes, for the completion */
	cli_parse_fn parse;        /* CLI_CUSTOM */
	unsigned scope;            /* the modes (bits) it works in, for cli_out_of_scope */
	const char *why;           /* why it is refused outside them, or NULL */
	int tag;                   /* the caller's meaning (client: it selects a strategy) */
	const char *arg;           /* the value's name in the help ("PORTS"); NULL: no value */
	const char *help;          /* help text, lines separated by '\n'; NULL: not shown */
	const char *def;           /* the default as the argument would give it ("10000"), or
				    * NULL: cli_apply_defaults stores it, "%D" in help prints it */
};

/* A subcommand's command line: its rows and the help text around them. */
struct cli_command {
	const char *intro;              /* help text before the first row */
	const struct cli_option *rows;
	size_t nrows;
	const char *outro;              /* help text after the last row */
	const char *const *operands;    /* the operands' names in order ("DSTIP", "LOOPS"...),
					 * NULL-terminated, for messages; NULL: none named */
};

#define CLI_ROWS(rows) (rows), sizeof(rows) / sizeof((rows)[0])

/* Most rows one command may have. */
#define CLI_MAX_OPTIONS 64

/* The state of one parse: the getopt table built from the rows, which options were given
 * (by row) and their values (for messages). */
struct cli_parse {
	const struct cli_command *cmd;
	struct option longopts[CLI_MAX_OPTIONS + 1];
	char shortopts[3 * CLI_MAX_OPTIONS + 4];
	unsigned char seen[CLI_MAX_OPTIONS];
	const char *given[CLI_MAX_OPTIONS];
};

/* Write a formatted one-line error into err and return PARSE_ERROR. */
enum parse_result cli_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Parse the number `val` of argument `name` in [min, max]; on error fill err, return -1. */
int cli_num(const char *name, const char *val, uint64_t min, uint64_t max, uint64_t *out,
	    char *err, size_t errlen);

/* Parse the time `val` of argument `name` (parse_duration: a bare number in unit_ms) in
 * [min, max] of that unit; on error fill err (the bounds with units), return -1. */
int cli_time(const char *name, const char *val, uint64_t unit_ms, uint64_t min, uint64_t max,
	     uint64_t *out, char *err, size_t errlen);

/* Parse argv's options (argv[0] is the subcommand) into opts by cmd's rows, under the rules
 * every subcommand shares: an unknown option, a missing or unwanted value, a bad value and
 * an option given twice are errors; -h/--help gives PARSE_HELP. On PARSE_OK the operands
 * are argv[optind..argc-1]. */
enum parse_result cli_parse_options(struct cli_parse *p, const struct cli_command *cmd, int argc,
				    char **argv, void *opts, char *err, size_t errlen);

/* cli_parse_options for a command that takes no operands: one is refused. */
enum parse_result cli_parse_no_operands(struct cli_parse *p, const struct cli_command *cmd,
					int argc, char **argv, void *opts, char *err, size_t errlen);

/* The row of cmd whose long name is name, or NULL. */
const struct cli_option *cli_row(const struct cli_command *cmd, const char *name);

/* Was the option `name` given in this parse? */
int cli_given(const struct cli_parse *p, const char *name);

/* Was some option whose row has tag `tag` given? */
int cli_given_tag(const struct cli_parse *p, int tag);

/* The first option given (in row order) whose scope lacks every bit of `mode`, or NULL;
 * *val is then its value (NULL for a flag). */
const struct cli_option *cli_out_of_scope(const struct cli_parse *p, unsigned mode,
					  const char **val);

/* Print cmd's --help text. */
void cli_print_help(FILE *out, const struct cli_command *cmd);

/* Store every row's default (.def) into opts, parsed as the option's value would be; 0, or
 * -1 with the reason in err (a row whose default its own parser refuses: a bug). */
int cli_apply_defaults(const struct cli_command *cmd, void *opts, char *err, size_t errlen);

/* Print cmd's options one a line, for the completion: "--name", "--name=" when it takes a
 * free value, or "--name V1 V2..." when it takes one of fixed values. */
void cli_list_options(FILE *out, const struct cli_command *cmd);

/* A CLI_CUSTOM row's effective value in opts, written into buf (for cli_print_values). */
typedef void (*cli_show_fn)(const struct cli_option *r, const void *opts, char *buf, size_t len);

/* Print every option row's effective value in opts as "name=value", one a line in row
 * order (a flag 0 or 1, a choice by its name, an unset string empty); CLI_CUSTOM rows
 * through show. For --dry-run: what a run would use. */
void cli_print_values(FILE *out, const struct cli_command *cmd, const void *opts, cli_show_fn show);

/* Write "a, b or c" from the NULL-terminated names into buf. */
void cli_choice_list(const char *const *names, char *buf, size_t len);

#endif
