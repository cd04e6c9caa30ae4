/* One record, three formats: a record is a list of fields, each added once (key, text label,
 * kind, value), and the writer gives the seed-compatible text line ("label: value" joined by
 * ", "), a CSV header and rows (RFC 4180 quoting, columns matched by key) and a JSON object.
 * Adding a field to a report is one call. The writer owns no memory: a field points at the
 * caller's strings, histograms and counts, which must live until the record is written. */
#ifndef TWTEST_RECORD_H
#define TWTEST_RECORD_H

#include <stdint.h>
#include <stdio.h>

#include "lib/cli.h"
#include "lib/histogram.h"

#define REC_FIELDS_MAX 64

enum rec_kind {
	REC_UINT,
	REC_INT,
	REC_FLOAT,    /* printed with `decimals` places */
	REC_STRING,   /* JSON string; CSV quoted when it needs to be */
	REC_BOOL,     /* true or false */
	REC_NULL,     /* JSON null, CSV empty, text its `text_null` word or left out */
	REC_VERBATIM, /* a number already in its printed form, written as is everywhere */
	REC_HIST,     /* latency figures: text "min=.. p50=.. p99=.. max=..", CSV a column each,
		       * JSON an object with the whole histogram; null/empty/left out when empty */
	REC_COUNTS,   /* counts by cause: text "name=N ..." (non-zero), CSV one cell or a column
		       * per name (REC_EXPAND), JSON an object */
	REC_OBJECT,   /* another record: JSON an object, text its fields in line, CSV none */
	REC_LIST,     /* records made one by one (rec_list): JSON an array of objects */
};

/* The formats a field appears in (rec_field.in). */
enum { REC_TEXT = 1, REC_CSV = 2, REC_JSON = 4, REC_ALL = 7 };

/* Field flags. */
enum {
	REC_QUOTE = 1,  /* REC_STRING, REC_VERBATIM: always quoted in CSV (a list, even of one) */
	REC_EXPAND = 2, /* REC_COUNTS: a CSV column per name, KEY_NAME, empty when not present */
	REC_MS = 4,     /* REC_HIST: microseconds shown as milliseconds (p50, p99, max; no min) */
	REC_KEEP_EMPTY = 8, /* REC_HIST: written whole in JSON even when empty (not null) */
	REC_JSON_NULL = 16, /* JSON null, text and CSV the value (a sysctl this kernel lacks) */
	REC_JSON_BOOL = 32, /* REC_INT/REC_UINT: JSON true or false, text and CSV the number */
	REC_COLON = 64,     /* in a key=value line (rec_init_kv): "label: value" */
	REC_LABEL = 128,    /* Prometheus: a label of every sample of its record */
	REC_COUNTER = 256,  /* Prometheus: a counter (else a gauge) */
	REC_LEFT = 512,     /* table: the column is left-aligned (else right) */
	REC_FIT = 1024,     /* table: the column as wide as its widest cell or label */
	REC_COMPACT = 2048, /* kept in a short text line (the client's default line, which
			     * rec_text_compact makes from a whole record) */
};

/* A histogram's figures, and the histogram itself for JSON (NULL: none to write). */
struct rec_hist {
	uint64_t count;
	uint32_t min, p50, p99, max;
	const struct histogram *whole;
};

/* Counts by cause: `each` calls fn once per name, in a stable order; present 0 means the
 * name has no value (a kernel counter this kernel lacks). A CSV header enumerates the names
 * of its first record, so `each` must name every column even when nothing is present. */
typedef void (*rec_count_fn)(void *ctx, const char *name, uint64_t v, int present);
typedef void (*rec_counts_fn)(const void *src, rec_count_fn fn, void *ctx);

struct record;

/* Record i of a list (the caller's rows: groups of a sample) into r, freshly initialised. */
typedef void (*rec_row_fn)(const void *src, size_t i, struct record *r);

struct rec_field {
	const char *key;      /* JSON member */
	const char *label;    /* text label: the key, or the seed's spelling ("finished_count") */
	const char *csv;      /* CSV column (or column prefix) */
	enum rec_kind kind;
	unsigned in;          /* REC_TEXT | REC_CSV | REC_JSON */
	unsigned flags;
	int present;          /* 0: left out of text and JSON, empty in CSV */
	int decimals;         /* REC_FLOAT */
	const char *text_null; /* REC_NULL: the word in text; NULL: left out */
	const char *note;     /* text only: written right after the value */
	const char *text_s;   /* the value as text spells it (NULL: from v) */
	int text_decimals;    /* REC_FLOAT: the places in text (rec_float: `decimals`) */
	int width;            /* table: the column's width (rec_write_table) */
	const char *prom;     /* Prometheus: the family's name (NULL: not written) */
	const char *help;     /* Prometheus: the family's HELP text */
	const char *prom_label; /* REC_COUNTS in Prometheus: a sample per name, labelled so */
	union {
		uint64_t u;
		int64_t i;
		double d;
		const char *s;
		struct rec_hist h;
		struct {
			rec_counts_fn each;
			const void *src;
		} c;
		const struct record *sub;
		struct {
			rec_row_fn row;
			const void *src;
			size_t n;
		} list;
	} v;
};

struct record {
	const char *lead; /* text only: written before the first field ("summary: ") */
	int kv;           /* text: "label=value" joined by " " (a header line), not ": " and ", " */
	size_t n, cap;
	int overflow;     /* fields beyond cap were dropped (a bug: see the tests) */
	struct rec_field *f;    /* own, or the caller's (rec_init_fields) */
	struct rec_field own[REC_FIELDS_MAX];
	struct rec_field spare; /* what an add returns when the record is full */
	_Alignas(16) char store[1024]; /* what the record keeps (rec_keep, rec_keep_mem) */
	size_t stored;
};

/* Start an empty record of up to REC_FIELDS_MAX fields; lead: see struct record (NULL for
 * none). */
void rec_init(struct record *r, const char *lead);

/* A record whose text is a header line: lead, then "label=value" joined by " ". */
void rec_init_kv(struct record *r, const char *lead);

/* The same with the caller's room for cap fields (records read from input: any number). */
void rec_init_fields(struct record *r, const char *lead, struct rec_field *f, size_t cap);

/* Add a field in every format and return it, for the caller to narrow (->in, ->flags,
 * ->note, rec_when). label NULL: the key, or where the seed spelled it otherwise its
 * spelling ("finished" is "finished_count" in text). */
struct rec_field *rec_uint(struct record *r, const char *key, const char *label, uint64_t v);
struct rec_field *rec_int(struct record *r, const char *key, const char *label, int64_t v);
struct rec_field *rec_float(struct record *r, const char *key, const char *label, double v,
			    int decimals);
struct rec_field *rec_string(struct record *r, const char *key, const char *label, const char *s);
struct rec_field *rec_bool(struct record *r, const char *key, const char *label, int b);
struct rec_field *rec_null(struct record *r, const char *key, const char *label,
			   const char *text_word);
struct rec_field *rec_verbatim(struct record *r, const char *key, const char *label,
			       const char *s);
/* A histogram's figures (percentiles as hist_percentile gives them); flags REC_MS. */
struct rec_field *rec_hist(struct record *r, const char *key, const char *label,
			   const struct histogram *h, unsigned flags);
/* The same from figures already taken (h->whole may be NULL). */
struct rec_field *rec_hist_figures(struct record *r, const char *key, const char *label,
				   const struct rec_hist *h, unsigned flags);
struct rec_field *rec_counts(struct record *r, const char *key, const char *label,
			     rec_counts_fn each, const void *src, unsigned flags);

/* sub as one field: JSON an object under key, text sub's fields in line (sub must live
 * until r is written). */
struct rec_field *rec_object(struct record *r, const char *key, const struct record *sub);

/* n records made by row(src, i, ...) as one field: JSON an array of objects. */
struct rec_field *rec_list(struct record *r, const char *key, rec_row_fn row, const void *src,
			   size_t n);

/* f again, at r's end: the same names and value, for a format that orders its fields
 * otherwise (a header's text line beside its JSON object). */
struct rec_field *rec_copy(struct record *r, const struct rec_field *f);

/* f as a null (text: text_word, or left out when NULL) when cond holds: a value the run
 * does not have. */
struct rec_field *rec_null_when(struct rec_field *f, int cond, const char *text_word);

/* A string made by fmt kept in r's own store until r is reset (for a field's value or note
 * made while a row is built); "" and r->overflow when the store is full. */
const char *rec_keep(struct record *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* n bytes of p kept in r's store (aligned; for a counts field's source); NULL when full. */
void *rec_keep_mem(struct record *r, const void *p, size_t n);

/* Keep f only when `present` (else: left out of text and JSON, empty in CSV). */
struct rec_field *rec_when(struct rec_field *f, int present);

/* f's value as text writes it (no label, no note). */
void rec_text_value(FILE *out, const struct rec_field *f);

/* Leave out of text every field of r not flagged REC_COMPACT. */
void rec_text_compact(struct record *r);

/* The text line: lead, then "label: value" joined by ", ", then a newline. */
void rec_write_text(FILE *out, const struct record *r);

/* The CSV header: the CSV columns of `first` (histograms and expanded counts as several). */
void rec_write_csv_header(FILE *out, const struct record *first);

/* A CSV row with header's columns: each filled from r's field of the same CSV name, empty
 * when r has none. */
void rec_write_csv(FILE *out, const struct record *header, const struct record *r);

/* The JSON object on one line. */
void rec_write_json(FILE *out, const struct record *r);

/* The rows as an aligned table: a line of the first row's labels, then a line per row, the
 * columns (the fields in text) `width` wide, two spaces apart; REC_FIT widens a column to
 * its widest cell. A cell is the field's text value and its note. */
void rec_write_table(FILE *out, rec_row_fn row, const void *src, size_t n);

/* The Prometheus text of r's fields that name a family (f->prom): "# HELP", "# TYPE", and
 * a sample `prom{labels} value`, labels from r's REC_LABEL fields (none: no braces); a
 * REC_COUNTS field with prom_label gives a sample per name. A null (REC_NULL, or
 * REC_JSON_NULL) or absent field is left out, family and all. */
void rec_write_prom(FILE *out, const struct record *r);

/* The same over n rows: each family once, with a sample per row that has a value (in the
 * first row's order of families). With n 0 the families are still written, from row(src, 0): a row
 * function gives a row of zeros for an i past its rows. */
void rec_write_prom_rows(FILE *out, rec_row_fn row, const void *src, size_t n);

/* r in format fmt (CSV: a row under header). */
void rec_write(FILE *out, enum output_format fmt, const struct record *header,
	       const struct record *r);

/* s as one CSV cell: quoted (inner quotes doubled) when it holds a comma, quote, CR or LF,
 * or when always is set. */
void rec_csv_cell(FILE *out, const char *s, int always);

#endif
