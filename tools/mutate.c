/* The mutation maker for tools/mutants.sh: lists the small changes it makes to one C source
 * file, one a line, or writes the file with one of them made. The changes, each at one token:
 * a comparison flipped at its boundary (< <=, > >=) or negated (== !=), && and || swapped, a
 * binary + or - (and += -=) swapped, an integer constant shifted by one (toward zero after a
 * unary minus), a unary ! dropped (a boolean negated), true and false swapped, an if's
 * condition negated (its branches swapped) or dropped (made 1), a ?:'s arms swapped.
 * Comments, strings, character constants and preprocessor lines (but a #define's body) are
 * never changed. The list is the same every run: mutants are numbered in source order.
 *
 *   mutate FILE            list: "N<TAB>LINE:COL<TAB>change" for each mutant N (from 1)
 *   mutate FILE N OUT      write FILE with mutant N made to OUT
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind { IDENT, NUM, STR, PUNCT };

struct token {
	enum kind kind;
	size_t off, len;
	int line, col;
};

/* A mutant replaces src[off, off + len) with text; what says what it did. */
struct mutant {
	size_t off, len;
	char *text;
	int line, col;
	char *what;
};

static char *src;
static size_t srclen;
static struct token *toks;
static size_t ntoks, captoks;
static struct mutant *muts;
static size_t nmuts, capmuts;

static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 256;
	p = realloc(p, *cap * size);
	if (p == NULL) {
		perror("mutate");
		exit(1);
	}
	return p;
}

static char *dup_span(size_t off, size_t len)
{
	char *s = malloc(len + 1);
	if (s == NULL) {
		perror("mutate");
		exit(1);
	}
	memcpy(s, src + off, len);
	s[len] = '\0';
	return s;
}

/* The strings given, up to a NULL, joined in a new string. */
static char *cat(const char *first, ...)
{
	va_list ap;
	size_t n = 1;
	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *))
		n += strlen(a);
	va_end(ap);
	char *s = malloc(n);
	if (s == NULL) {
		perror("mutate");
		exit(1);
	}
	s[0] = '\0';
	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *))
		strcat(s, a);
	va_end(ap);
	return s;
}

/* ---- the lexer: tokens with their line and column; comments and directives skipped ---- */

static int line_of(size_t off, int *col)
{
	int line = 1;
	size_t start = 0;
	for (size_t i = 0; i < off; i++)
		if (src[i] == '\n')
			line++, start = i + 1;
	*col = (int)(off - start) + 1;
	return line;
}

static void add_token(enum kind k, size_t off, size_t len)
{
	toks = grow(toks, &captoks, ntoks, sizeof(*toks));
	toks[ntoks].kind = k;
	toks[ntoks].off = off;
	toks[ntoks].len = len;
	toks[ntoks].line = line_of(off, &toks[ntoks].col);
	ntoks++;
}

/* The end of the logical line at p (backslash-newline continues it). */
static size_t line_end(size_t p)
{
	while (p < srclen && src[p] != '\n')
		p += src[p] == '\\' && p + 1 < srclen ? 2 : 1;
	return p;
}

static const char *const puncts[] = {
	"<<=", ">>=", "...", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||",
	"+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "##",
};

static void lex(void)
{
	size_t p = 0, pp_end = 0; /* pp_end: the end of a #define being lexed, else 0 */
	int line_start = 1;
	while (p < srclen) {
		char c = src[p];
		if (pp_end && p >= pp_end)
			pp_end = 0;
		if (c == '\n') {
			line_start = 1, p++;
			continue;
		}
		if (isspace((unsigned char)c) || (c == '\\' && p + 1 < srclen && src[p + 1] == '\n')) {
			p += c == '\\' ? 2 : 1;
			continue;
		}
		if (c == '#' && line_start) { /* a directive: only a #define's body is lexed */
			size_t q = p + 1, e = line_end(p);
			while (q < e && isspace((unsigned char)src[q]))
				q++;
			if (e - q > 6 && strncmp(src + q, "define", 6) == 0) {
				q += 6;
				while (q < e && isspace((unsigned char)src[q]))
					q++;
				while (q < e && (isalnum((unsigned char)src[q]) || src[q] == '_'))
					q++;
				if (q < e && src[q] == '(') /* a macro's parameters */
					while (q < e && src[q] != ')')
						q++;
				pp_end = e;
				p = q < e ? q + 1 : e;
			} else {
				p = e;
			}
			continue;
		}
		line_start = 0;
		if (c == '/' && p + 1 < srclen && src[p + 1] == '/') {
			p = line_end(p);
			continue;
		}
		if (c == '/' && p + 1 < srclen && src[p + 1] == '*') {
			char *e = strstr(src + p + 2, "*/");
			p = e ? (size_t)(e - src) + 2 : srclen;
			continue;
		}
		if (c == '"' || c == '\'') {
			size_t q = p + 1;
			while (q < srclen && src[q] != c)
				q += src[q] == '\\' ? 2 : 1;
			add_token(STR, p, q + 1 - p);
			p = q + 1;
			continue;
		}
		if (isalpha((unsigned char)c) || c == '_' || isdigit((unsigned char)c)) {
			size_t q = p;
			while (q < srclen && (isalnum((unsigned char)src[q]) || src[q] == '_' ||
					      (isdigit((unsigned char)c) && src[q] == '.')))
				q++;
			add_token(isdigit((unsigned char)c) ? NUM : IDENT, p, q - p);
			p = q;
			continue;
		}
		size_t len = 1;
		for (size_t i = 0; i < sizeof(puncts) / sizeof(puncts[0]); i++) {
			size_t n = strlen(puncts[i]);
			if (strncmp(src + p, puncts[i], n) == 0) {
				len = n;
				break;
			}
		}
		add_token(PUNCT, p, len);
		p += len;
	}
}

static int is(size_t i, const char *text)
{
	return i < ntoks && toks[i].len == strlen(text) && strncmp(src + toks[i].off, text, toks[i].len) == 0;
}

/* ---- the mutants ---- */

static void add_mutant(size_t tok, size_t off, size_t len, char *text, char *what)
{
	muts = grow(muts, &capmuts, nmuts, sizeof(*muts));
	muts[nmuts] = (struct mutant){off, len, text, toks[tok].line, toks[tok].col, what};
	nmuts++;
}

/* Replace token i with text, described as "old -> new". */
static void swap_token(size_t i, const char *text)
{
	char *old = dup_span(toks[i].off, toks[i].len);
	add_mutant(i, toks[i].off, toks[i].len, strdup(text), cat(old, " -> ", text[0] ? text : "(dropped)", NULL));
	free(old);
}

/* Does token i (a + or -) take an operand before it? */
static int binary_at(size_t i)
{
	static const char *const not_operands[] = {"return", "case", "sizeof", "else", "do"};
	if (i == 0)
		return 0;
	const struct token *t = &toks[i - 1];
	if (t->kind == IDENT) {
		for (size_t k = 0; k < sizeof(not_operands) / sizeof(not_operands[0]); k++)
			if (is(i - 1, not_operands[k]))
				return 0;
		return 1;
	}
	return t->kind != PUNCT || is(i - 1, ")") || is(i - 1, "]");
}

/* An integer constant shifted by one, in its own base and with its suffix. */
static void shift_constant(size_t i)
{
	const struct token *t = &toks[i];
	char *text = dup_span(t->off, t->len), *end;
	if (strpbrk(text, ".eEpP") && !(text[1] == 'x' || text[1] == 'X')) {
		free(text); /* a floating constant */
		return;
	}
	errno = 0;
	unsigned long long v = strtoull(text, &end, 0);
	int toward_zero = i > 0 && is(i - 1, "-") && !binary_at(i - 1);
	if (errno || end == text || (toward_zero && v == 0)) {
		free(text);
		return;
	}
	v = toward_zero ? v - 1 : v + 1;
	char buf[64];
	int hex = text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
	snprintf(buf, sizeof(buf), hex ? "0x%llx%s" : "%llu%s", v, end);
	swap_token(i, buf);
	free(text);
}

/* The token closing the bracket opened at token i, or ntoks. */
static size_t closing(size_t i)
{
	int depth = 0;
	for (size_t j = i; j < ntoks; j++) {
		if (is(j, "(") || is(j, "[") || is(j, "{"))
			depth++;
		else if ((is(j, ")") || is(j, "]") || is(j, "}")) && --depth == 0)
			return j;
	}
	return ntoks;
}

/* A short form of src[off, off + len) for a description: spaces folded, long text cut. */
static char *brief(size_t off, size_t len)
{
	char *s = malloc(64), *d = s;
	for (size_t k = 0; k < len && d < s + 56; k++) {
		char c = isspace((unsigned char)src[off + k]) ? ' ' : src[off + k];
		if (c == ' ' && (d == s || d[-1] == ' '))
			continue;
		*d++ = c;
	}
	if (d < s + 56 || len == 0)
		*d = '\0';
	else
		strcpy(d, "...");
	return s;
}

/* if (C): C negated (the branches swapped) and C dropped (the branch always taken). */
static void if_mutants(size_t i)
{
	size_t open = i + 1, close = closing(open);
	if (!is(open, "(") || close >= ntoks)
		return;
	size_t off = toks[open + 1].off, len = toks[close].off - off;
	char *cond = dup_span(off, len), *b = brief(off, len);
	add_mutant(i, off, len, cat("!(", cond, ")", NULL), cat("if (", b, ") -> if (!(", b, "))", NULL));
	add_mutant(i, off, len, strdup("1"), cat("if (", b, ") -> if (1)", NULL));
	free(cond);
	free(b);
}

/* C ? A : B becomes C ? B : A. A ends at its own ':', B at the first ; , : or closing
 * bracket outside brackets. */
static void ternary_mutant(size_t q)
{
	size_t colon = ntoks, end = ntoks;
	int depth = 0, nested = 0;
	for (size_t j = q + 1; j < ntoks; j++) {
		if (is(j, "(") || is(j, "[") || is(j, "{"))
			depth++;
		else if (is(j, ")") || is(j, "]") || is(j, "}")) {
			if (--depth < 0) {
				end = j;
				break;
			}
		} else if (depth == 0 && is(j, "?"))
			nested++;
		else if (depth == 0 && is(j, ":") && colon == ntoks) {
			if (nested-- == 0)
				colon = j;
		} else if (depth == 0 && colon < ntoks && (is(j, ";") || is(j, ",") || is(j, ":"))) {
			end = j;
			break;
		}
	}
	if (colon >= ntoks || end >= ntoks || colon + 1 >= end)
		return;
	size_t aoff = toks[q + 1].off, alen = toks[colon - 1].off + toks[colon - 1].len - aoff;
	size_t boff = toks[colon + 1].off, blen = toks[end - 1].off + toks[end - 1].len - boff;
	char *a = dup_span(aoff, alen), *b = dup_span(boff, blen);
	char *text = cat(b, " : ", a, NULL);
	char *ba = brief(aoff, alen), *bb = brief(boff, blen);
	add_mutant(q, aoff, boff + blen - aoff, text, cat("? ", ba, " : ", bb, " -> arms swapped", NULL));
	free(a), free(b), free(ba), free(bb);
}

static void find_mutants(void)
{
	static const char *const flips[][2] = {
		{"<", "<="}, {"<=", "<"}, {">", ">="}, {">=", ">"}, {"==", "!="}, {"!=", "=="},
		{"&&", "||"}, {"||", "&&"}, {"+=", "-="}, {"-=", "+="}, {"true", "false"}, {"false", "true"},
	};
	for (size_t i = 0; i < ntoks; i++) {
		for (size_t k = 0; k < sizeof(flips) / sizeof(flips[0]); k++)
			if (is(i, flips[k][0]))
				swap_token(i, flips[k][1]);
		if ((is(i, "+") || is(i, "-")) && binary_at(i))
			swap_token(i, is(i, "+") ? "-" : "+");
		else if (is(i, "!"))
			swap_token(i, "");
		else if (toks[i].kind == NUM)
			shift_constant(i);
		else if (is(i, "if"))
			if_mutants(i);
		else if (is(i, "?"))
			ternary_mutant(i);
	}
}

static int load(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "mutate: %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t cap = 0;
	for (;;) {
		src = grow(src, &cap, srclen + 4096, 1);
		size_t n = fread(src + srclen, 1, cap - srclen - 1, f);
		srclen += n;
		if (n == 0)
			break;
	}
	src[srclen] = '\0';
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	if ((argc != 2 && argc != 4) || load(argv[1]) < 0) {
		if (argc != 2 && argc != 4)
			fprintf(stderr, "usage: mutate FILE [N OUT]\n");
		return 2;
	}
	lex();
	find_mutants();
	if (argc == 2) {
		for (size_t i = 0; i < nmuts; i++)
			printf("%zu\t%d:%d\t%s\n", i + 1, muts[i].line, muts[i].col, muts[i].what);
		return 0;
	}
	char *end;
	unsigned long n = strtoul(argv[2], &end, 10);
	if (*end || n < 1 || n > nmuts) {
		fprintf(stderr, "mutate: no mutant %s in %s (it has %zu)\n", argv[2], argv[1], nmuts);
		return 2;
	}
	const struct mutant *m = &muts[n - 1];
	FILE *out = fopen(argv[3], "wb");
	if (out == NULL) {
		fprintf(stderr, "mutate: %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	fwrite(src, 1, m->off, out);
	fputs(m->text, out);
	fwrite(src + m->off + m->len, 1, srclen - m->off - m->len, out);
	return fclose(out) == 0 ? 0 : 1;
}
