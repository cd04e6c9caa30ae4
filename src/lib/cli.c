/* The table-driven command line every subcommand uses: getopt_long's table built from the
 * rows, strict parsing of each kind of argument, the scope check's lookup, and the --help
 * and --list-options texts generated from the same rows. */
#include "lib/cli.h"

#include <stdarg.h>
#include <string.h>

#include "lib/parse.h"

#define HELP_COLUMN 26 /* where an option's help text starts */
#define LONG_CODE 256  /* getopt's code for row i's long name: LONG_CODE + i */

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

int cli_time(const char *name, const char *val, uint64_t unit_ms, uint64_t min, uint64_t max,
	     uint64_t *out, char *err, size_t errlen)
{
	const char *why;
	char lo[32], hi[32];
	if (parse_duration(val, unit_ms, min, max, out, &why) == 0)
		return 0;
	format_duration_ms(min * unit_ms, lo, sizeof(lo));
	format_duration_ms(max * unit_ms, hi, sizeof(hi));
	cli_fail(err, errlen, "invalid %s '%s': %s (%s-%s; a bare number is in %s)", name, val, why,
		 lo, hi, unit_ms == 1000 ? "seconds" : "milliseconds");
	return -1;
}

void cli_choice_list(const char *const *names, char *buf, size_t len)
{
	size_t n = 0, used = 0;
	while (names[n])
		n++;
	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
		int w = snprintf(buf + used, len - used, "%s%s", sep, names[i]);
		used += w > 0 ? (size_t)w : 0;
	}
}

/* Does row r take a value? */
static int takes_value(const struct cli_option *r)
{
	switch (r->kind) {
	case CLI_NUMBER:
	case CLI_TIME:
	case CLI_CHOICE:
	case CLI_STRING:
		return 1;
	case CLI_CUSTOM:
		return r->arg != NULL;
	default:
		return 0;
	}
}

/* Is row r an option (not help text)? */
static int is_option(const struct cli_option *r)
{
	return r->kind != CLI_TEXT;
}

/* Build getopt_long's tables from cmd's rows. */
static int build_getopt(struct cli_parse *p, const struct cli_command *cmd, char *err,
			size_t errlen)
{
	if (cmd->nrows > CLI_MAX_OPTIONS)
		return cli_fail(err, errlen, "internal: more than %d option rows", CLI_MAX_OPTIONS);
	memset(p, 0, sizeof(*p));
	p->cmd = cmd;
	size_t nl = 0, ns = 0;
	p->shortopts[ns++] = ':'; /* a missing value is ':', not '?' */
	for (size_t i = 0; i < cmd->nrows; i++) {
		const struct cli_option *r = &cmd->rows[i];
		if (!is_option(r))
			continue;
		if (r->name)
			p->longopts[nl++] = (struct option){r->name, takes_value(r) ? required_argument
								   : no_argument, NULL, LONG_CODE + (int)i};
		if (r->short_name) {
			p->shortopts[ns++] = r->short_name;
			if (takes_value(r))
				p->shortopts[ns++] = ':';
		}
	}
	return PARSE_OK;
}

/* The row index getopt's code c stands for, or -1. */
static int row_of_code(const struct cli_command *cmd, int c)
{
	if (c >= LONG_CODE)
		return c - LONG_CODE < (int)cmd->nrows ? c - LONG_CODE : -1;
	for (size_t i = 0; i < cmd->nrows; i++)
		if (is_option(&cmd->rows[i]) && cmd->rows[i].short_name == c)
			return (int)i;
	return -1;
}

/* Report getopt's '?' and ':' results; returns PARSE_ERROR. */
static enum parse_result getopt_error(int c, char **argv, char *err, size_t errlen)
{
	if (c == ':')
		return cli_fail(err, errlen, "option '%s' needs a value", argv[optind - 1]);
	const char *arg = argv[optind - 1];
	const char *eq = strchr(arg, '=');
	if (arg[0] == '-' && arg[1] == '-' && eq && optopt)
		return cli_fail(err, errlen, "option '%.*s' takes no value", (int)(eq - arg), arg);
	if (arg[0] == '-' && arg[1] >= '0' && arg[1] <= '9')
		return cli_fail(err, errlen, "invalid argument '%s': must not be negative", arg);
	if (optopt && optopt < LONG_CODE)
		return cli_fail(err, errlen, "unknown option '-%c'", optopt);
	return cli_fail(err, errlen, "unknown or ambiguous option '%s'", arg);
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

/* Parse the value val of row r into opts. */
static enum parse_result parse_value(const struct cli_option *r, const char *val, void *opts,
				     char *err, size_t errlen)
{
	void *field = (char *)opts + r->field;
	char name[64], list[256];
	uint64_t v;
	int k;
	snprintf(name, sizeof(name), "--%s", r->name ? r->name : "?");
	switch (r->kind) {
	case CLI_FLAG:
		*(int *)field = 1;
		return PARSE_OK;
	case CLI_NUMBER:
		if (cli_num(name, val, r->min, r->max, &v, err, errlen) < 0)
			return PARSE_ERROR;
		store_number(field, r->size, v);
		return PARSE_OK;
	case CLI_TIME:
		if (cli_time(name, val, r->unit_ms, r->min, r->max, &v, err, errlen) < 0)
			return PARSE_ERROR;
		store_number(field, r->size, v);
		return PARSE_OK;
	case CLI_CHOICE:
		k = parse_choice(val, r->values);
		if (k < 0) {
			cli_choice_list(r->values, list, sizeof(list));
			return cli_fail(err, errlen, "invalid %s '%s': must be %s", name, val, list);
		}
		*(int *)field = k;
		return PARSE_OK;
	case CLI_STRING:
		if (strlen(val) < r->min || (r->max && strlen(val) > r->max))
			return cli_fail(err, errlen, "invalid %s '%s': must be %llu-%llu bytes", name, val,
					(unsigned long long)r->min, (unsigned long long)r->max);
		*(const char **)field = val;
		return PARSE_OK;
	case CLI_CUSTOM:
		return r->parse(val, opts, err, errlen);
	default:
		return PARSE_OK;
	}
}

/* The row of a long option as getopt takes it: the exact name, or a prefix of one name only
 * (name holds n bytes, without "--" or "=VALUE"); NULL otherwise. */
static const struct cli_option *long_row(const struct cli_command *cmd, const char *name, size_t n)
{
	const struct cli_option *found = NULL;
	for (size_t i = 0; i < cmd->nrows; i++) {
		const struct cli_option *r = &cmd->rows[i];
		if (!is_option(r) || r->name == NULL || strncmp(r->name, name, n) != 0)
			continue;
		if (r->name[n] == '\0')
			return r;
		if (found)
			return NULL; /* ambiguous: getopt refuses it */
		found = r;
	}
	return found;
}

/* Does short option c take a value (a separate argument when nothing follows it)? */
static int short_takes_value(const struct cli_command *cmd, char c)
{
	int i = row_of_code(cmd, (unsigned char)c);
	return i >= 0 && takes_value(&cmd->rows[i]);
}

/* getopt would take an operand "-5" for an option: walk argv as getopt will (options,
 * their values, operands) and refuse a negative number in an operand's place by the
 * operand's name ("invalid CONNS '-5'"). PARSE_OK when there is none. */
static enum parse_result negative_operand(const struct cli_command *cmd, int argc, char **argv,
					  char *err, size_t errlen)
{
	size_t k = 0, named = 0;
	while (cmd->operands && cmd->operands[named])
		named++;
	for (int i = 1; named && i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0)
			break; /* after it, operands reach their own parsers */
		if (a[0] == '-' && a[1] >= '0' && a[1] <= '9')
			return cli_fail(err, errlen, "invalid %s '%s': must not be negative",
					cmd->operands[k < named ? k : named - 1], a);
		if (a[0] == '-' && a[1] == '-') {
			const char *eq = strchr(a, '=');
			const struct cli_option *r = long_row(cmd, a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
			i += r && takes_value(r) && !eq;
			continue;
		}
		if (a[0] == '-' && a[1]) {
			for (const char *c = a + 1; *c; c++)
				if (short_takes_value(cmd, *c)) {
					i += c[1] == '\0'; /* "-p 80": the value is the next argument */
					break;
				}
			continue;
		}
		k++;
	}
	return PARSE_OK;
}

enum parse_result cli_parse_options(struct cli_parse *p, const struct cli_command *cmd, int argc,
				    char **argv, void *opts, char *err, size_t errlen)
{
	if (build_getopt(p, cmd, err, errlen) != PARSE_OK ||
	    negative_operand(cmd, argc, argv, err, errlen) != PARSE_OK)
		return PARSE_ERROR;
	optind = 0; /* glibc: full re-initialisation, so that a parser can run more than once */
	opterr = 0; /* the messages are ours, one line each */
	int c;
	while ((c = getopt_long(argc, argv, p->shortopts, p->longopts, NULL)) != -1) {
		if (c == '?' || c == ':')
			return getopt_error(c, argv, err, errlen);
		int i = row_of_code(cmd, c);
		if (i < 0)
			return cli_fail(err, errlen, "unknown option '%s'", argv[optind - 1]);
		const struct cli_option *r = &cmd->rows[i];
		if (r->kind == CLI_HELP)
			return PARSE_HELP;
		if (p->seen[i]++)
			return cli_fail(err, errlen, "option '--%s' given more than once",
					r->name ? r->name : "?");
		p->given[i] = optarg;
		if (parse_value(r, takes_value(r) ? optarg : NULL, opts, err, errlen) != PARSE_OK)
			return PARSE_ERROR;
	}
	return PARSE_OK;
}

enum parse_result cli_parse_no_operands(struct cli_parse *p, const struct cli_command *cmd,
					int argc, char **argv, void *opts, char *err, size_t errlen)
{
	enum parse_result r = cli_parse_options(p, cmd, argc, argv, opts, err, errlen);
	if (r == PARSE_OK && optind < argc)
		return cli_fail(err, errlen, "unexpected argument '%s'", argv[optind]);
	return r;
}

const struct cli_option *cli_row(const struct cli_command *cmd, const char *name)
{
	for (size_t i = 0; i < cmd->nrows; i++)
		if (cmd->rows[i].name && strcmp(cmd->rows[i].name, name) == 0)
			return &cmd->rows[i];
	return NULL;
}

int cli_given(const struct cli_parse *p, const char *name)
{
	const struct cli_option *r = cli_row(p->cmd, name);
	return r && p->seen[r - p->cmd->rows];
}

int cli_given_tag(const struct cli_parse *p, int tag)
{
	for (size_t i = 0; i < p->cmd->nrows; i++)
		if (p->seen[i] && p->cmd->rows[i].tag == tag)
			return 1;
	return 0;
}

const struct cli_option *cli_out_of_scope(const struct cli_parse *p, unsigned mode,
					  const char **val)
{
	for (size_t i = 0; i < p->cmd->nrows; i++) {
		if (!p->seen[i] || (p->cmd->rows[i].scope & mode))
			continue;
		*val = p->given[i];
		return &p->cmd->rows[i];
	}
	return NULL;
}

/* Print text's lines, each but the first indented to the help column, with "%D" as def. */
static void print_help_lines(FILE *out, const char *text, const char *def)
{
	for (; *text; text++) {
		if (text[0] == '%' && text[1] == 'D' && def) {
			fputs(def, out);
			text++;
		} else if (*text == '\n')
			fprintf(out, "\n%*s", HELP_COLUMN, "");
		else
			fputc(*text, out);
	}
	fputc('\n', out);
}

/* One option's help: "  -p, --port PORTS        text", the text on the next line when
 * the left column is too wide. */
static void print_row(FILE *out, const struct cli_option *r)
{
	char label[128];
	if (r->kind == CLI_TEXT && r->arg == NULL) {
		fputs(r->help, out);
		return;
	}
	if (r->kind == CLI_TEXT)
		snprintf(label, sizeof(label), "      %s", r->arg);
	else if (r->short_name)
		snprintf(label, sizeof(label), "  -%c, --%s%s%s", r->short_name, r->name,
			 r->arg ? " " : "", r->arg ? r->arg : "");
	else
		snprintf(label, sizeof(label), "      --%s%s%s", r->name, r->arg ? " " : "",
			 r->arg ? r->arg : "");
	int w = (int)strlen(label);
	if (w <= HELP_COLUMN - 2)
		fprintf(out, "%s%*s", label, HELP_COLUMN - w, "");
	else
		fprintf(out, "%s\n%*s", label, HELP_COLUMN, "");
	print_help_lines(out, r->help, r->def);
}

void cli_print_help(FILE *out, const struct cli_command *cmd)
{
	int times = 0;
	fputs(cmd->intro, out);
	for (size_t i = 0; i < cmd->nrows; i++) {
		times |= cmd->rows[i].kind == CLI_TIME;
		if (cmd->rows[i].help)
			print_row(out, &cmd->rows[i]);
	}
	if (times)
		fputs("\nA time (MS, S) takes a unit: 500ms, 5s, 2m, 1h; a bare number is in the unit named.\n",
		      out);
	if (cmd->outro)
		fputs(cmd->outro, out);
}

int cli_apply_defaults(const struct cli_command *cmd, void *opts, char *err, size_t errlen)
{
	for (size_t i = 0; i < cmd->nrows; i++) {
		const struct cli_option *r = &cmd->rows[i];
		if (r->def && parse_value(r, r->def, opts, err, errlen) != PARSE_OK)
			return -1;
	}
	return 0;
}

void cli_list_options(FILE *out, const struct cli_command *cmd)
{
	for (size_t i = 0; i < cmd->nrows; i++) {
		const struct cli_option *r = &cmd->rows[i];
		if (!is_option(r) || r->name == NULL)
			continue;
		fprintf(out, "--%s%s", r->name, takes_value(r) && !r->values ? "=" : "");
		for (const char *const *v = r->values; v && *v; v++)
			fprintf(out, " %s", *v);
		fputc('\n', out);
	}
}

/* The number of `size` bytes at p (the widths store_number writes). */
static long long load_number(const void *p, size_t size)
{
	if (size == 2)
		return *(const uint16_t *)p;
	if (size == 4)
		return *(const uint32_t *)p;
	return *(const int64_t *)p;
}

void cli_print_values(FILE *out, const struct cli_command *cmd, const void *opts, cli_show_fn show)
{
	char buf[512];
	for (size_t i = 0; i < cmd->nrows; i++) {
		const struct cli_option *r = &cmd->rows[i];
		const char *field = (const char *)opts + r->field;
		const char *s;
		switch (r->kind) {
		case CLI_FLAG:
			fprintf(out, "%s=%d\n", r->name, *(const int *)field != 0);
			break;
		case CLI_NUMBER:
		case CLI_TIME:
			fprintf(out, "%s=%lld\n", r->name, load_number(field, r->size));
			break;
		case CLI_CHOICE:
			fprintf(out, "%s=%s\n", r->name, r->values[*(const int *)field]);
			break;
		case CLI_STRING:
			s = *(const char *const *)field;
			fprintf(out, "%s=%s\n", r->name, s ? s : "");
			break;
		case CLI_CUSTOM:
			buf[0] = '\0';
			show(r, opts, buf, sizeof(buf));
			fprintf(out, "%s=%s\n", r->name, buf);
			break;
		default:
			break;
		}
	}
}
