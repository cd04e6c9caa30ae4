/* Helpers shared by the libFuzzer targets (tests/fuzz/fuzz_*.c): the fuzzer's bytes as a C
 * string or as an argument vector, and FUZZ_CHECK, which turns a broken rule into a crash
 * that libFuzzer reports and saves. */
#ifndef TWTEST_FUZZ_H
#define TWTEST_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "client/client_opts.h"
#include "server/server_opts.h"

#define FUZZ_MAX_ARGS 64

/* libFuzzer's entry point, defined by each target. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Report the failed rule and abort. */
void fuzz_fail(const char *cond, const char *file, int line) __attribute__((noreturn));

#define FUZZ_CHECK(cond)                                                       \
	do {                                                                   \
		if (!(cond))                                                   \
			fuzz_fail(#cond, __FILE__, __LINE__);                  \
	} while (0)

/* An argument vector: argv[0] is the subcommand, the rest the input's NUL-separated
 * tokens (at most FUZZ_MAX_ARGS), argv[argc] NULL. */
struct fuzz_args {
	int argc;
	char *argv[FUZZ_MAX_ARGS + 2];
	char *buf;
};

/* Split data into a; returns 0, or -1 when out of memory. Free with fuzz_args_free. */
int fuzz_args_make(struct fuzz_args *a, const char *sub, const uint8_t *data, size_t size);

/* Free what fuzz_args_make allocated. */
void fuzz_args_free(struct fuzz_args *a);

/* A malloc'd NUL-terminated copy of data (an embedded NUL ends the string early). */
char *fuzz_cstr(const uint8_t *data, size_t size);

/* The same of the bytes after the first `head` (which pick a target's mode); NULL when the
 * input is shorter than head. */
char *fuzz_text_after(const uint8_t *data, size_t size, size_t head);

/* A subcommand's command-line parser as the *_args targets drive it. */
struct fuzz_parser {
	const char *sub;                 /* argv[0] */
	size_t opts_size;                /* sizeof its options struct */
	enum parse_result (*parse)(int argc, char **argv, void *opts, char *err, size_t errlen);
	int (*valid)(const void *opts);  /* do parsed options keep the documented rules? */
};

/* Parse data (NUL-separated arguments) with p twice, each from a fresh copy, and check the
 * rules every parser keeps: the result is OK with valid options, help, or one printable
 * error line, and the second parse gives the same result and message. */
void fuzz_parser_run(const struct fuzz_parser *p, const uint8_t *data, size_t size);

/* The whole target for a parser: parse_fn(argc, argv, TYPE *, err, errlen) run by
 * fuzz_parser_run with argv[0] = SUB, valid_fn(const TYPE *) judging an OK result. */
#define FUZZ_PARSER_TARGET(SUB, TYPE, parse_fn, valid_fn)                                    \
	static enum parse_result fuzz_parse(int argc, char **argv, void *o, char *err,       \
					    size_t errlen)                                  \
	{                                                                                     \
		return parse_fn(argc, argv, o, err, errlen);                                  \
	}                                                                                     \
	static int fuzz_valid(const void *o)                                                  \
	{                                                                                     \
		return valid_fn(o);                                                           \
	}                                                                                     \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                          \
	{                                                                                     \
		static const struct fuzz_parser p = {SUB, sizeof(TYPE), fuzz_parse, fuzz_valid}; \
		fuzz_parser_run(&p, data, size);                                              \
		return 0;                                                                     \
	}

/* Is err one non-empty line of printable text (the parsers' error rule)? */
int fuzz_one_line(const char *err);

#endif
