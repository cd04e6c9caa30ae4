/* A strict JSON reader (RFC 8259) for one JSON text at a time, such as a line of JSON Lines:
 * the value becomes a tree of nodes in one growing array, its strings decoded in place in
 * the caller's buffer. Strict: no trailing commas, no leading zeros, no NaN, no control
 * characters in strings, no duplicate member names, nothing after the value, at most
 * JSON_MAX_DEPTH levels and JSON_MAX_MEMBERS members an object; "\u0000" is refused (names and strings are C strings). */
#ifndef TWTEST_JSON_PARSE_H
#define TWTEST_JSON_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32
#define JSON_MAX_MEMBERS 1024 /* per object: duplicates are looked for by a linear search */
#define JSON_NONE UINT32_MAX /* no child, no next member */

enum json_type { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json_node {
	enum json_type type;
	const char *key;     /* an object member's name; NULL otherwise */
	const char *str;     /* JSON_STRING: the decoded text (NUL-terminated); JSON_NUMBER: its
			      * source text, len bytes, not terminated */
	uint32_t len;        /* JSON_STRING, JSON_NUMBER: bytes of str */
	double num;          /* JSON_NUMBER */
	uint64_t u64;        /* JSON_NUMBER: the exact value when is_uint */
	int is_uint;         /* a non-negative integer without fraction or exponent, below 2^64 */
	int decimals;        /* JSON_NUMBER: digits after the point (0 with an exponent) */
	uint32_t child;      /* JSON_ARRAY, JSON_OBJECT: first element; JSON_NONE when empty */
	uint32_t next;       /* the next element of the parent; JSON_NONE */
	uint32_t count;      /* JSON_ARRAY, JSON_OBJECT: number of elements */
};

struct json_doc {
	struct json_node *node; /* node[0] is the root */
	uint32_t n, cap;
	char err[96];           /* after a failure: "at byte N: what was wrong" */
};

/* Parse the len bytes of buf (NUL-terminated after them; decoded in place, so the nodes'
 * strings point into buf) into d, which is reused from call to call. Returns 0, or -1 with
 * d->err set (or errno ENOMEM). */
int json_parse(struct json_doc *d, char *buf, size_t len);

/* Free the nodes of d. */
void json_doc_free(struct json_doc *d);

/* The member `key` of object node obj, or NULL. */
const struct json_node *json_get(const struct json_doc *d, const struct json_node *obj,
				 const char *key);

/* The first element of an array or object node, and the one after n; NULL at the end. */
const struct json_node *json_first(const struct json_doc *d, const struct json_node *n);
const struct json_node *json_next(const struct json_doc *d, const struct json_node *n);

/* Write node n back as compact JSON (numbers as in the source). */
void json_write_node(FILE *out, const struct json_doc *d, const struct json_node *n);

/* Are two nodes (of two documents) the same value? Objects compare member by member in
 * order, numbers by their source text. */
int json_equal(const struct json_doc *a, const struct json_node *x, const struct json_doc *b,
	       const struct json_node *y);

#endif
