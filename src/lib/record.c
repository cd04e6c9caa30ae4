/* The record writer: one list of fields, written as a text line, a CSV header or row, or a
 * JSON object (include/lib/record.h). */
#include "lib/record.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/record_parts.h"

void rec_init_fields(struct record *r, const char *lead, struct rec_field *f, size_t cap)
{
	r->lead = lead;
	r->kv = 0;
	r->n = 0;
	r->stored = 0;
	r->cap = cap;
	r->overflow = 0;
	r->f = f;
}

void rec_init(struct record *r, const char *lead)
{
	rec_init_fields(r, lead, r->own, REC_FIELDS_MAX);
}

void rec_init_kv(struct record *r, const char *lead)
{
	rec_init(r, lead);
	r->kv = 1;
}

/* The seed's text spellings where they differ from the key: the original program wrote
 * "finished_count" and "time(s)", and every text record keeps them (twtest merge too). */
static const char *seed_label(const char *key)
{
	static const char *const labels[][2] = {{"finished", "finished_count"},
						{"failed", "failed_count"},
						{"time_s", "time(s)"},
						{"t_s", "t(s)"},
						{"conn_per_s", "conn/s"}};
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(labels[i][0], key) == 0)
			return labels[i][1];
	return key;
}

static struct rec_field *add(struct record *r, const char *key, const char *label,
			     enum rec_kind kind)
{
	struct rec_field *f = &r->spare;
	if (r->n < r->cap)
		f = &r->f[r->n++];
	else
		r->overflow = 1;
	*f = (struct rec_field){.key = key, .label = label ? label : seed_label(key), .csv = key, .kind = kind,
				.in = REC_ALL, .present = 1};
	return f;
}

struct rec_field *rec_uint(struct record *r, const char *key, const char *label, uint64_t v)
{
	struct rec_field *f = add(r, key, label, REC_UINT);
	f->v.u = v;
	return f;
}

struct rec_field *rec_int(struct record *r, const char *key, const char *label, int64_t v)
{
	struct rec_field *f = add(r, key, label, REC_INT);
	f->v.i = v;
	return f;
}

struct rec_field *rec_float(struct record *r, const char *key, const char *label, double v,
			    int decimals)
{
	struct rec_field *f = add(r, key, label, REC_FLOAT);
	f->v.d = v;
	f->decimals = decimals;
	f->text_decimals = decimals;
	return f;
}

struct rec_field *rec_string(struct record *r, const char *key, const char *label, const char *s)
{
	struct rec_field *f = add(r, key, label, REC_STRING);
	f->v.s = s;
	return f;
}

struct rec_field *rec_bool(struct record *r, const char *key, const char *label, int b)
{
	struct rec_field *f = add(r, key, label, REC_BOOL);
	f->v.u = b != 0;
	return f;
}

struct rec_field *rec_null(struct record *r, const char *key, const char *label,
			   const char *text_word)
{
	struct rec_field *f = add(r, key, label, REC_NULL);
	f->text_null = text_word;
	return f;
}

struct rec_field *rec_verbatim(struct record *r, const char *key, const char *label,
			       const char *s)
{
	struct rec_field *f = add(r, key, label, REC_VERBATIM);
	f->v.s = s;
	return f;
}

struct rec_field *rec_hist_figures(struct record *r, const char *key, const char *label,
				   const struct rec_hist *h, unsigned flags)
{
	struct rec_field *f = add(r, key, label, REC_HIST);
	f->v.h = *h;
	f->flags = flags;
	return f;
}

struct rec_field *rec_hist(struct record *r, const char *key, const char *label,
			   const struct histogram *h, unsigned flags)
{
	struct rec_hist fig = {.count = h->count, .whole = h};
	if (h->count)
		fig = (struct rec_hist){h->count, h->min, hist_percentile(h, 50),
					hist_percentile(h, 99), h->max, h};
	return rec_hist_figures(r, key, label, &fig, flags);
}

struct rec_field *rec_counts(struct record *r, const char *key, const char *label,
			     rec_counts_fn each, const void *src, unsigned flags)
{
	struct rec_field *f = add(r, key, label, REC_COUNTS);
	f->v.c.each = each;
	f->v.c.src = src;
	f->flags = flags;
	return f;
}

struct rec_field *rec_object(struct record *r, const char *key, const struct record *sub)
{
	struct rec_field *f = add(r, key, key, REC_OBJECT);
	f->v.sub = sub;
	return f;
}

struct rec_field *rec_list(struct record *r, const char *key, rec_row_fn row, const void *src,
			   size_t n)
{
	struct rec_field *f = add(r, key, key, REC_LIST);
	f->v.list.row = row;
	f->v.list.src = src;
	f->v.list.n = n;
	f->in = REC_JSON;
	return f;
}

struct rec_field *rec_copy(struct record *r, const struct rec_field *f)
{
	struct rec_field *c = add(r, f->key, f->label, f->kind);
	*c = *f;
	return c;
}

struct rec_field *rec_null_when(struct rec_field *f, int cond, const char *text_word)
{
	if (cond) {
		f->kind = REC_NULL;
		f->text_null = text_word;
	}
	return f;
}

const char *rec_keep(struct record *r, const char *fmt, ...)
{
	size_t left = sizeof(r->store) - r->stored;
	if (left == 0) {
		r->overflow = 1;
		return "";
	}
	char *at = r->store + r->stored;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(at, left, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= left) {
		r->overflow = 1;
		at[0] = '\0';
		return at;
	}
	r->stored += (size_t)n + 1;
	return at;
}

void *rec_keep_mem(struct record *r, const void *p, size_t n)
{
	size_t at = (r->stored + 15) & ~(size_t)15;
	if (at > sizeof(r->store) || n > sizeof(r->store) - at) {
		r->overflow = 1;
		return NULL;
	}
	memcpy(r->store + at, p, n);
	r->stored = at + n;
	return r->store + at;
}

struct rec_field *rec_when(struct rec_field *f, int present)
{
	f->present = present != 0;
	return f;
}

/* Is f written in text (which leaves out what is empty or not there)? */
static int text_shown(const struct rec_field *f)
{
	if (!(f->in & REC_TEXT) || !f->present)
		return 0;
	switch (f->kind) {
	case REC_NULL: return f->text_null != NULL;
	case REC_HIST: return f->v.h.count > 0;
	default: return 1; /* counts: when one is not zero; objects: their fields */
	}
}

/* A text line being written: its style and how many fields it holds so far. */
struct text_line {
	FILE *out;
	int kv;
	int n;
};

/* What goes before f's value: the separator from the previous field and the label. */
static void text_label(struct text_line *t, const struct rec_field *f, char *buf, size_t len)
{
	const char *eq = t->kv && !(f->flags & REC_COLON) ? "=" : ": ";
	snprintf(buf, len, "%s%s%s", t->n ? (t->kv ? " " : ", ") : "", f->label, eq);
}

void rec_text_value(FILE *out, const struct rec_field *f)
{
	if (f->text_s)
		fputs(f->text_s, out);
	else if (f->kind == REC_NULL)
		fputs(f->text_null, out);
	else if (f->kind == REC_HIST)
		rec_write_figures(out, f, " ", 1);
	else if (f->kind == REC_FLOAT)
		fprintf(out, "%.*f", f->text_decimals, f->v.d);
	else
		rec_write_scalar(out, f);
}

static void text_fields(struct text_line *t, const struct record *r)
{
	char lead[128];
	for (size_t i = 0; i < r->n; i++) {
		const struct rec_field *f = &r->f[i];
		if (!text_shown(f))
			continue;
		if (f->kind == REC_OBJECT) {
			text_fields(t, f->v.sub);
			continue;
		}
		text_label(t, f, lead, sizeof(lead));
		if (f->kind == REC_COUNTS) { /* the label only before the first count not zero */
			struct rec_counts_walk w = {.out = t->out, .lead = lead};
			f->v.c.each(f->v.c.src, rec_count_write, &w);
			if (w.n == 0)
				continue;
		} else {
			fputs(lead, t->out);
			rec_text_value(t->out, f);
		}
		t->n++;
		if (f->note)
			fputs(f->note, t->out);
	}
}

void rec_text_compact(struct record *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (!(r->f[i].flags & REC_COMPACT))
			r->f[i].in &= ~(unsigned)REC_TEXT;
}

void rec_write_text(FILE *out, const struct record *r)
{
	struct text_line t = {out, r->kv, 0};
	if (r->lead)
		fputs(r->lead, out);
	text_fields(&t, r);
	fputc('\n', out);
}

/* A histogram as a JSON object: its figures, then the whole histogram (twtest merge adds
 * it exactly). */
static void json_figures(FILE *out, const struct rec_hist *h, unsigned flags)
{
	if (flags & REC_MS)
		fprintf(out, "{\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f", h->p50 / 1000.0,
			h->p99 / 1000.0, h->max / 1000.0);
	else
		fprintf(out, "{\"min\":%" PRIu32 ",\"p50\":%" PRIu32 ",\"p99\":%" PRIu32
			",\"max\":%" PRIu32, h->min, h->p50, h->p99, h->max);
	if (h->whole) {
		fputs(",\"hist\":", out);
		json_write_histogram(out, h->whole);
	}
	fputc('}', out);
}

static void json_members(FILE *out, const struct record *r);

/* A list as a JSON array: each row made in turn into one record on the stack. */
static void json_list(FILE *out, const struct rec_field *f)
{
	struct record row;
	fputc('[', out);
	for (size_t i = 0; i < f->v.list.n; i++) {
		rec_init(&row, NULL);
		f->v.list.row(f->v.list.src, i, &row);
		fputs(i ? ",{" : "{", out);
		json_members(out, &row);
		fputc('}', out);
	}
	fputc(']', out);
}

static void json_members(FILE *out, const struct record *r)
{
	int n = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct rec_field *f = &r->f[i];
		if (!(f->in & REC_JSON) || !f->present)
			continue;
		fputs(n++ ? "," : "", out);
		json_write_string(out, f->key);
		fputc(':', out);
		if (f->flags & REC_JSON_NULL) {
			fputs("null", out);
			continue;
		}
		if (f->flags & REC_JSON_BOOL) {
			fputs((f->kind == REC_INT ? f->v.i != 0 : f->v.u != 0) ? "true" : "false", out);
			continue;
		}
		switch (f->kind) {
		case REC_NULL: fputs("null", out); break;
		case REC_BOOL: fputs(f->v.u ? "true" : "false", out); break;
		case REC_STRING: json_write_string(out, f->v.s); break;
		case REC_HIST:
			if (f->v.h.count == 0 && !(f->flags & REC_KEEP_EMPTY)) {
				fputs("null", out);
				break;
			}
			json_figures(out, &f->v.h, f->flags);
			break;
		case REC_COUNTS: {
			struct rec_counts_walk w = {.out = out, .json = 1};
			fputc('{', out);
			f->v.c.each(f->v.c.src, rec_count_write, &w);
			fputc('}', out);
			break;
		}
		case REC_OBJECT:
			fputc('{', out);
			json_members(out, f->v.sub);
			fputc('}', out);
			break;
		case REC_LIST: json_list(out, f); break;
		default: rec_write_scalar(out, f); break;
		}
	}
}

void rec_write_json(FILE *out, const struct record *r)
{
	fputc('{', out);
	json_members(out, r);
	fputs("}\n", out);
}

void rec_write(FILE *out, enum output_format fmt, const struct record *header,
	       const struct record *r)
{
	switch (fmt) {
	case FORMAT_TEXT: rec_write_text(out, r); break;
	case FORMAT_CSV: rec_write_csv(out, header, r); break;
	case FORMAT_JSON: rec_write_json(out, r); break;
	}
}
