/* A tiny unit-test framework: TEST(name) registers a test, CHECK() records a failure
 * with file and line and lets the test go on. The runner prints "ok NAME" or
 * "not ok NAME" per test; tests/run.sh counts them. */
#ifndef TWTEST_UNIT_H
#define TWTEST_UNIT_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef void (*unit_fn)(int *failures);
void unit_register(const char *name, unit_fn fn);

/* Build argv = {sub, the NULL-terminated arguments in ap, NULL} in an array of max entries,
 * for the command-line parsers; returns argc. */
int unit_argv(char **argv, int max, const char *sub, va_list ap);

#define TEST(name)                                                             \
	static void test_##name(int *unit_failures);                           \
	__attribute__((constructor)) static void register_##name(void)         \
	{                                                                      \
		unit_register(#name, test_##name);                             \
	}                                                                      \
	static void test_##name(int *unit_failures)

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, \
				__LINE__, #cond);                              \
			(*unit_failures)++;                                    \
		}                                                              \
	} while (0)

#define CHECK_STR(got, want)                                                   \
	do {                                                                   \
		const char *g_ = (got), *w_ = (want);                          \
		if (g_ == NULL || strcmp(g_, w_) != 0) {                       \
			fprintf(stderr, "  %s:%d: got \"%s\", want \"%s\"\n",   \
				__FILE__, __LINE__, g_ ? g_ : "(null)", w_);   \
			(*unit_failures)++;                                    \
		}                                                              \
	} while (0)

#endif
