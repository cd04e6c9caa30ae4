/* Runs every registered unit test, or those whose names are given as arguments. */
#include <stdlib.h>

#include "unit.h"

#define MAX_TESTS 512

static struct {
	const char *name;
	unit_fn fn;
} tests[MAX_TESTS];
static int ntests;

void unit_register(const char *name, unit_fn fn)
{
	if (ntests < MAX_TESTS) {
		tests[ntests].name = name;
		tests[ntests].fn = fn;
		ntests++;
	}
}

int unit_argv(char **argv, int max, const char *sub, va_list ap)
{
	int argc = 0;
	argv[argc++] = (char *)sub;
	for (char *a; argc < max - 1 && (a = va_arg(ap, char *)) != NULL;)
		argv[argc++] = a;
	argv[argc] = NULL;
	return argc;
}

static int selected(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	int failed = 0;
	for (int i = 0; i < ntests; i++) {
		if (!selected(tests[i].name, argc, argv))
			continue;
		int failures = 0;
		tests[i].fn(&failures);
		printf("%s %s\n", failures ? "not ok" : "ok", tests[i].name);
		fflush(stdout);
		failed += failures != 0;
	}
	return failed ? 1 : 0;
}
