/* Runs every registered unit test, or those whose names are given as arguments. */
#include <stdlib.h>

#include "unit.h"

/* The registry grows as tests register (constructors, before main): none is dropped. */
static struct unit_test {
	const char *name;
	unit_fn fn;
} *tests;
static int ntests, cap;

void unit_register(const char *name, unit_fn fn)
{
	if (ntests == cap) {
		int ncap = cap ? 2 * cap : 256;
		struct unit_test *t = realloc(tests, (size_t)ncap * sizeof(*t));
		if (t == NULL) {
			fprintf(stderr, "unit: cannot register test %s (%d registered): out of memory\n",
				name, ntests);
			exit(2);
		}
		tests = t;
		cap = ncap;
	}
	tests[ntests].name = name;
	tests[ntests].fn = fn;
	ntests++;
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
	/* a name asked for that no test has is a typo: say so instead of running nothing */
	for (int a = 1; a < argc; a++) {
		int known = 0;
		for (int i = 0; i < ntests && !known; i++)
			known = strcmp(tests[i].name, argv[a]) == 0;
		if (!known) {
			fprintf(stderr, "unit: no test named %s\n", argv[a]);
			return 2;
		}
	}
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
