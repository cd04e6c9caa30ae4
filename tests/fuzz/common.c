/* Helpers shared by the libFuzzer targets: input splitting and the rule check. */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fuzz_fail(const char *cond, const char *file, int line)
{
	fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed\n", file, line, cond);
	abort();
}

int fuzz_args_make(struct fuzz_args *a, const char *sub, const uint8_t *data, size_t size)
{
	a->argc = 0;
	a->buf = malloc(size + 1);
	if (a->buf == NULL)
		return -1;
	memcpy(a->buf, data, size);
	a->buf[size] = '\0';
	a->argv[a->argc++] = (char *)sub;
	/* each NUL ends a token; an input that ends in a NUL has no empty token after it */
	for (size_t i = 0; i < size && a->argc <= FUZZ_MAX_ARGS; i += strlen(a->buf + i) + 1)
		a->argv[a->argc++] = a->buf + i;
	a->argv[a->argc] = NULL;
	return 0;
}

void fuzz_args_free(struct fuzz_args *a)
{
	free(a->buf);
	a->buf = NULL;
}

char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

char *fuzz_text_after(const uint8_t *data, size_t size, size_t head)
{
	return size < head ? NULL : fuzz_cstr(data + head, size - head);
}

int fuzz_one_line(const char *err)
{
	if (err[0] == '\0')
		return 0;
	for (const char *p = err; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* One parse of data; returns the result with the message in err. */
static enum parse_result parse_once(const struct fuzz_parser *p, const uint8_t *data,
				    size_t size, char *err, size_t errlen)
{
	struct fuzz_args a;
	void *opts = malloc(p->opts_size);
	if (opts == NULL || fuzz_args_make(&a, p->sub, data, size) < 0) {
		free(opts);
		abort(); /* out of memory: not the parser's fault, but the run cannot go on */
	}
	enum parse_result r = p->parse(a.argc, a.argv, opts, err, errlen);
	if (r == PARSE_OK)
		FUZZ_CHECK(p->valid(opts));
	else if (r == PARSE_ERROR)
		FUZZ_CHECK(fuzz_one_line(err));
	else
		FUZZ_CHECK(r == PARSE_HELP);
	fuzz_args_free(&a);
	free(opts);
	return r;
}

void fuzz_parser_run(const struct fuzz_parser *p, const uint8_t *data, size_t size)
{
	char err[512] = "", err2[512] = "";
	enum parse_result r = parse_once(p, data, size, err, sizeof(err));
	FUZZ_CHECK(parse_once(p, data, size, err2, sizeof(err2)) == r);
	FUZZ_CHECK(r != PARSE_ERROR || strcmp(err, err2) == 0);
}
