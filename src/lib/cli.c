/* Helpers shared by the subcommands' option parsers. */
#include "lib/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/parse.h"

const char *const format_names[] = {"text", "csv", "json", NULL};

enum parse_result cli_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	/* A value may hold a newline or an escape sequence: keep the message one plain line. */
	for (char *p = err; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return PARSE_ERROR;
}

int cli_num(const char *name, const char *val, uint64_t min, uint64_t max, uint64_t *out,
	    char *err, size_t errlen)
{
	const char *why;
	if (parse_u64(val, min, max, out, &why) == 0)
		return 0;
	cli_fail(err, errlen, "invalid %s '%s': %s (%llu-%llu)", name, val, why,
		 (unsigned long long)min, (unsigned long long)max);
	return -1;
}

/* Store v in the `size`-byte field at p. */
static void store_number(void *p, size_t size, uint64_t v)
{
	if (size == 2)
		*(uint16_t *)p = (uint16_t)v;
	else if (size == 4)
		*(uint32_t *)p = (uint32_t)v;
	else
		*(int64_t *)p = (int64_t)v;
}

int cli_table_option(const struct cli_rule *rules, size_t n, int c, const char *val, void *opts,
		     int *tag, char *err, size_t errlen)
{
	const struct cli_rule *r = rules;
	while (r < rules + n && r->code != c)
		r++;
	if (r == rules + n)
		return 0;
	void *field = (char *)opts + r->field;
	uint64_t v;
	int k;
	switch (r->kind) {
	case CLI_FLAG:
		*(int *)field = 1;
		break;
	case CLI_NUMBER:
		if (cli_num(r->name, val, r->min, r->max, &v, err, errlen) < 0)
			return -1;
		store_number(field, r->size, v);
		break;
	case CLI_CHOICE:
		k = parse_choice(val, r->names);
		if (k < 0) {
			cli_fail(err, errlen, "invalid %s '%s': must be %s", r->name, val, r->choices);
			return -1;
		}
		*(int *)field = k;
		break;
	}
	*tag = r->tag;
	return 1;
}

const char *cli_option_name(const struct option *opts, int c)
{
	for (; opts->name; opts++)
		if (opts->val == c)
			return opts->name;
	return "?";
}

enum parse_result cli_getopt_error(int c, char **argv, char *err, size_t errlen)
{
	if (c == ':')
		return cli_fail(err, errlen, "option '%s' needs a value", argv[optind - 1]);
	const char *arg = argv[optind - 1];
	const char *eq = strchr(arg, '=');
	if (arg[0] == '-' && arg[1] == '-' && eq && optopt)
		return cli_fail(err, errlen, "option '%.*s' takes no value", (int)(eq - arg), arg);
	if (arg[0] == '-' && arg[1] >= '0' && arg[1] <= '9')
		return cli_fail(err, errlen, "invalid argument '%s': must not be negative", arg);
	if (optopt && optopt < 256)
		return cli_fail(err, errlen, "unknown option '-%c'", optopt);
	return cli_fail(err, errlen, "unknown or ambiguous option '%s'", arg);
}

void cli_begin(void)
{
	optind = 0; /* glibc: full re-initialisation */
	opterr = 0; /* the messages are ours, one line each */
}

int cli_next_option(int argc, char **argv, const struct option *opts, unsigned char *seen,
		    size_t nseen, char *err, size_t errlen)
{
	int c = getopt_long(argc, argv, ":p:h", opts, NULL);
	if (c == -1)
		return CLI_END;
	if (c == '?' || c == ':') {
		cli_getopt_error(c, argv, err, errlen);
		return CLI_ERROR;
	}
	if (c == 'h')
		return CLI_HELP;
	if ((size_t)c < nseen && seen[c]++) {
		cli_fail(err, errlen, "option '--%s' given more than once", cli_option_name(opts, c));
		return CLI_ERROR;
	}
	return c;
}
