/* A strict recursive-descent JSON reader: one value into an array of nodes, strings
 * decoded in place. Every failure says at which byte and what was expected. */
#include "lib/json_parse.h"

#include "lib/json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct reader {
	struct json_doc *d;
	char *buf;
	size_t len, pos;
};

static int fail(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct reader *r, const char *fmt, ...)
{
	char what[64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(r->d->err, sizeof(r->d->err), "at byte %zu: %s", r->pos + 1, what);
	return -1;
}

/* A new node; returns its index or JSON_NONE when out of memory. */
static uint32_t node_new(struct reader *r, enum json_type type)
{
	struct json_doc *d = r->d;
	if (d->n == d->cap) {
		uint32_t cap = d->cap ? d->cap * 2 : 64;
		if (cap > (1u << 24))
			return JSON_NONE; /* 16M nodes: no twtest line comes near */
		struct json_node *p = realloc(d->node, cap * sizeof(*p));
		if (p == NULL)
			return JSON_NONE;
		d->node = p;
		d->cap = cap;
	}
	d->node[d->n] = (struct json_node){.type = type, .child = JSON_NONE, .next = JSON_NONE};
	return d->n++;
}

static void skip_space(struct reader *r)
{
	while (r->pos < r->len) {
		char c = r->buf[r->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		r->pos++;
	}
}

static int peek(const struct reader *r)
{
	return r->pos < r->len ? (unsigned char)r->buf[r->pos] : -1;
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* The name of what is at the reader, for messages. */
static const char *found(const struct reader *r)
{
	static __thread char s[16];
	int c = peek(r);
	if (c < 0)
		return "the end";
	if (c < 0x20 || c >= 0x7f)
		snprintf(s, sizeof(s), "byte 0x%02x", (unsigned)c);
	else
		snprintf(s, sizeof(s), "'%c'", c);
	return s;
}

static int hex4(struct reader *r, uint32_t *out)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++, r->pos++) {
		int c = peek(r);
		if (is_digit(c))
			v = v * 16 + (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = v * 16 + (uint32_t)(c - 'A' + 10);
		else
			return fail(r, "bad \\u escape: %s", found(r));
	}
	*out = v;
	return 0;
}

/* Append code point cp as UTF-8 at *w. */
static void put_utf8(char **w, uint32_t cp)
{
	char *p = *w;
	if (cp < 0x80) {
		*p++ = (char)cp;
	} else if (cp < 0x800) {
		*p++ = (char)(0xc0 | cp >> 6);
		*p++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*p++ = (char)(0xe0 | cp >> 12);
		*p++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*p++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*p++ = (char)(0xf0 | cp >> 18);
		*p++ = (char)(0x80 | (cp >> 12 & 0x3f));
		*p++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*p++ = (char)(0x80 | (cp & 0x3f));
	}
	*w = p;
}

/* One escape after the backslash, decoded at *w (never longer than its source). */
static int escape(struct reader *r, char **w)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	int c = peek(r);
	const char *e = c > 0 ? strchr(from, c) : NULL;
	if (e != NULL) {
		*(*w)++ = to[e - from];
		r->pos++;
		return 0;
	}
	if (c != 'u')
		return fail(r, "bad escape \\%s", found(r));
	r->pos++;
	uint32_t cp;
	if (hex4(r, &cp) < 0)
		return -1;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return fail(r, "lone low surrogate");
	if (cp >= 0xd800 && cp <= 0xdbff) {
		uint32_t lo;
		if (peek(r) != '\\' || r->pos + 1 >= r->len || r->buf[r->pos + 1] != 'u')
			return fail(r, "high surrogate without its low half");
		r->pos += 2;
		if (hex4(r, &lo) < 0)
			return -1;
		if (lo < 0xdc00 || lo > 0xdfff)
			return fail(r, "high surrogate without its low half");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (cp == 0)
		return fail(r, "\\u0000 is not supported");
	put_utf8(w, cp);
	return 0;
}

/* A string at the reader (the opening quote): decoded in place, NUL-terminated. */
static int string(struct reader *r, const char **out, uint32_t *len)
{
	r->pos++;
	char *start = r->buf + r->pos, *w = start;
	for (;;) {
		int c = peek(r);
		if (c < 0)
			return fail(r, "unterminated string");
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(r, "control character %s in a string", found(r));
		r->pos++;
		if (c == '\\') {
			if (escape(r, &w) < 0)
				return -1;
		} else {
			*w++ = (char)c;
		}
	}
	*w = '\0'; /* within the source: the closing quote is at or after w */
	r->pos++;
	*out = start;
	*len = (uint32_t)(w - start);
	return 0;
}

static int number(struct reader *r, uint32_t at)
{
	struct json_node *n = &r->d->node[at];
	size_t begin = r->pos;
	int negative = peek(r) == '-', decimals = 0, is_uint = 1;
	uint64_t v = 0;
	if (negative)
		r->pos++;
	if (!is_digit(peek(r)))
		return fail(r, "expected a digit, found %s", found(r));
	if (peek(r) == '0' && r->pos + 1 < r->len && is_digit(r->buf[r->pos + 1]))
		return fail(r, "leading zero");
	for (; is_digit(peek(r)); r->pos++) {
		uint64_t d = (uint64_t)(peek(r) - '0');
		if (v > (UINT64_MAX - d) / 10)
			is_uint = 0;
		v = v * 10 + d;
	}
	if (peek(r) == '.') {
		r->pos++;
		if (!is_digit(peek(r)))
			return fail(r, "expected a digit after '.', found %s", found(r));
		for (; is_digit(peek(r)); r->pos++)
			decimals++;
		is_uint = 0;
	}
	if (peek(r) == 'e' || peek(r) == 'E') {
		r->pos++;
		if (peek(r) == '+' || peek(r) == '-')
			r->pos++;
		if (!is_digit(peek(r)))
			return fail(r, "expected a digit in the exponent, found %s", found(r));
		while (is_digit(peek(r)))
			r->pos++;
		is_uint = 0;
		decimals = 0;
	}
	/* strtod stops where the grammar above stopped: the next byte is not part of a number. */
	char save = r->buf[r->pos];
	r->buf[r->pos] = '\0';
	n->num = strtod(r->buf + begin, NULL);
	r->buf[r->pos] = save;
	n->str = r->buf + begin;
	n->len = (uint32_t)(r->pos - begin);
	n->is_uint = is_uint && !negative;
	n->u64 = n->is_uint ? v : 0;
	n->decimals = decimals;
	return 0;
}

static int literal(struct reader *r, const char *word)
{
	size_t l = strlen(word);
	if (r->len - r->pos < l || memcmp(r->buf + r->pos, word, l) != 0)
		return fail(r, "expected a value, found %s", found(r));
	r->pos += l;
	return 0;
}

static int value(struct reader *r, uint32_t *out, int depth);

/* Link node `at` after `last` under parent; returns at. */
static uint32_t link_child(struct reader *r, uint32_t parent, uint32_t last, uint32_t at)
{
	if (last == JSON_NONE)
		r->d->node[parent].child = at;
	else
		r->d->node[last].next = at;
	r->d->node[parent].count++;
	return at;
}

static int has_member(const struct reader *r, uint32_t obj, const char *key)
{
	for (uint32_t i = r->d->node[obj].child; i != JSON_NONE; i = r->d->node[i].next)
		if (strcmp(r->d->node[i].key, key) == 0)
			return 1;
	return 0;
}

static int object(struct reader *r, uint32_t at, int depth)
{
	r->pos++;
	skip_space(r);
	if (peek(r) == '}') {
		r->pos++;
		return 0;
	}
	for (uint32_t last = JSON_NONE;;) {
		skip_space(r);
		if (peek(r) != '"')
			return fail(r, "expected a member name, found %s", found(r));
		const char *key;
		uint32_t klen, child;
		size_t key_pos = r->pos;
		if (string(r, &key, &klen) < 0)
			return -1;
		if (r->d->node[at].count >= JSON_MAX_MEMBERS)
			return fail(r, "more than %d members", JSON_MAX_MEMBERS);
		if (has_member(r, at, key)) {
			r->pos = key_pos;
			return fail(r, "duplicate member \"%.32s\"", key);
		}
		skip_space(r);
		if (peek(r) != ':')
			return fail(r, "expected ':', found %s", found(r));
		r->pos++;
		if (value(r, &child, depth + 1) < 0)
			return -1;
		r->d->node[child].key = key;
		last = link_child(r, at, last, child);
		skip_space(r);
		if (peek(r) == '}') {
			r->pos++;
			return 0;
		}
		if (peek(r) != ',')
			return fail(r, "expected ',' or '}', found %s", found(r));
		r->pos++;
	}
}

static int array(struct reader *r, uint32_t at, int depth)
{
	r->pos++;
	skip_space(r);
	if (peek(r) == ']') {
		r->pos++;
		return 0;
	}
	for (uint32_t last = JSON_NONE;;) {
		uint32_t child;
		if (value(r, &child, depth + 1) < 0)
			return -1;
		last = link_child(r, at, last, child);
		skip_space(r);
		if (peek(r) == ']') {
			r->pos++;
			return 0;
		}
		if (peek(r) != ',')
			return fail(r, "expected ',' or ']', found %s", found(r));
		r->pos++;
	}
}

static int value(struct reader *r, uint32_t *out, int depth)
{
	if (depth > JSON_MAX_DEPTH)
		return fail(r, "nested deeper than %d", JSON_MAX_DEPTH);
	skip_space(r);
	int c = peek(r);
	enum json_type type = c == '{' ? JSON_OBJECT : c == '[' ? JSON_ARRAY : c == '"' ? JSON_STRING
			    : c == 't' ? JSON_TRUE : c == 'f' ? JSON_FALSE : c == 'n' ? JSON_NULL
			    : JSON_NUMBER;
	uint32_t at = node_new(r, type);
	if (at == JSON_NONE) {
		errno = ENOMEM;
		return fail(r, "out of memory");
	}
	*out = at;
	switch (type) {
	case JSON_OBJECT: return object(r, at, depth);
	case JSON_ARRAY: return array(r, at, depth);
	case JSON_STRING: {
		const char *s;
		uint32_t l;
		if (string(r, &s, &l) < 0)
			return -1;
		r->d->node[at].str = s;
		r->d->node[at].len = l;
		return 0;
	}
	case JSON_TRUE: return literal(r, "true");
	case JSON_FALSE: return literal(r, "false");
	case JSON_NULL: return literal(r, "null");
	case JSON_NUMBER:
		if (c != '-' && !is_digit(c))
			return fail(r, "expected a value, found %s", found(r));
		return number(r, at);
	}
	return -1;
}

int json_parse(struct json_doc *d, char *buf, size_t len)
{
	struct reader r = {d, buf, len, 0};
	uint32_t root;
	d->n = 0;
	d->err[0] = '\0';
	if (memchr(buf, '\0', len) != NULL) {
		r.pos = (size_t)((char *)memchr(buf, '\0', len) - buf);
		return fail(&r, "NUL byte");
	}
	if (value(&r, &root, 0) < 0)
		return -1;
	skip_space(&r);
	if (r.pos < len)
		return fail(&r, "%s after the value", found(&r));
	return 0;
}

void json_doc_free(struct json_doc *d)
{
	free(d->node);
	*d = (struct json_doc){0};
}

const struct json_node *json_first(const struct json_doc *d, const struct json_node *n)
{
	if ((n->type != JSON_ARRAY && n->type != JSON_OBJECT) || n->child == JSON_NONE)
		return NULL;
	return &d->node[n->child];
}

const struct json_node *json_next(const struct json_doc *d, const struct json_node *n)
{
	return n->next == JSON_NONE ? NULL : &d->node[n->next];
}

const struct json_node *json_get(const struct json_doc *d, const struct json_node *obj,
				 const char *key)
{
	if (obj == NULL || obj->type != JSON_OBJECT)
		return NULL;
	for (const struct json_node *m = json_first(d, obj); m; m = json_next(d, m))
		if (strcmp(m->key, key) == 0)
			return m;
	return NULL;
}

void json_write_node(FILE *out, const struct json_doc *d, const struct json_node *n)
{
	switch (n->type) {
	case JSON_NULL: fputs("null", out); break;
	case JSON_TRUE: fputs("true", out); break;
	case JSON_FALSE: fputs("false", out); break;
	case JSON_NUMBER: fwrite(n->str, 1, n->len, out); break;
	case JSON_STRING: json_write_string_len(out, n->str, n->len); break;
	case JSON_ARRAY:
	case JSON_OBJECT: {
		int obj = n->type == JSON_OBJECT;
		fputc(obj ? '{' : '[', out);
		for (const struct json_node *m = json_first(d, n); m; m = json_next(d, m)) {
			if (m != json_first(d, n))
				fputc(',', out);
			if (obj) {
				json_write_string(out, m->key);
				fputc(':', out);
			}
			json_write_node(out, d, m);
		}
		fputc(obj ? '}' : ']', out);
		break;
	}
	}
}

int json_equal(const struct json_doc *a, const struct json_node *x, const struct json_doc *b,
	       const struct json_node *y)
{
	if (x->type != y->type)
		return 0;
	switch (x->type) {
	case JSON_NUMBER:
	case JSON_STRING:
		return x->len == y->len && memcmp(x->str, y->str, x->len) == 0;
	case JSON_ARRAY:
	case JSON_OBJECT: {
		if (x->count != y->count)
			return 0;
		const struct json_node *m = json_first(a, x), *n = json_first(b, y);
		for (; m && n; m = json_next(a, m), n = json_next(b, n)) {
			if (x->type == JSON_OBJECT && strcmp(m->key, n->key) != 0)
				return 0;
			if (!json_equal(a, m, b, n))
				return 0;
		}
		return 1;
	}
	default:
		return 1;
	}
}
