/* Records as CSV (include/lib/record.h): the header from the first record's columns, each
 * row's cells matched to them by column name, RFC 4180 quoting. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lib/record.h"
#include "lib/record_parts.h"

void rec_csv_cell(FILE *out, const char *s, int always)
{
	if (!always && strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

/* The CSV header's names of an expanded counts field: ",KEY_NAME" each. */
struct csv_names {
	FILE *out;
	const char *prefix;
};

static void name_column(void *ctx, const char *name, uint64_t v, int present)
{
	(void)v, (void)present;
	struct csv_names *c = ctx;
	fprintf(c->out, ",%s_%s", c->prefix, name);
}

/* One expanded counts column: the value of `name` in the row's field, if present. */
static void count_find(void *ctx, const char *name, uint64_t v, int present)
{
	struct rec_counts_walk *w = ctx;
	if (present && !w->found && strcmp(name, w->name) == 0) {
		w->found = 1;
		w->v = v;
	}
}

struct expand_row {
	FILE *out;
	const struct rec_field *row; /* NULL: empty cells */
};

static void expand_cell(void *ctx, const char *name, uint64_t v, int present)
{
	(void)v, (void)present;
	struct expand_row *e = ctx;
	fputc(',', e->out);
	if (e->row == NULL || !e->row->present || e->row->kind != REC_COUNTS)
		return;
	struct rec_counts_walk w = {.name = name};
	e->row->v.c.each(e->row->v.c.src, count_find, &w);
	if (w.found)
		fprintf(e->out, "%" PRIu64, w.v);
}

static const struct rec_field *find_csv(const struct record *r, const char *csv)
{
	for (size_t i = 0; i < r->n; i++)
		if ((r->f[i].in & REC_CSV) && strcmp(r->f[i].csv, csv) == 0)
			return &r->f[i];
	return NULL;
}

/* The cells of column field h (of the header record) from the row's field f (or none). */
static void csv_cells(FILE *out, const struct rec_field *h, const struct rec_field *f)
{
	int have = f && f->present && f->kind != REC_NULL;
	if (h->kind == REC_HIST) {
		if (have && f->kind == REC_HIST && f->v.h.count) {
			fputc(',', out);
			rec_write_figures(out, f, ",", 0);
		} else
			fputs(h->flags & REC_MS ? ",,," : ",,,,", out);
		return;
	}
	if (h->kind == REC_COUNTS && (h->flags & REC_EXPAND)) {
		struct expand_row e = {out, have ? f : NULL};
		h->v.c.each(h->v.c.src, expand_cell, &e);
		return;
	}
	fputc(',', out);
	if (!have)
		return;
	if (f->kind == REC_COUNTS) {
		struct rec_counts_walk w = {.out = out};
		f->v.c.each(f->v.c.src, rec_count_write, &w); /* "name=N name=N": no comma to quote */
	} else if (f->kind == REC_STRING || (f->kind == REC_VERBATIM && (f->flags & REC_QUOTE)))
		rec_csv_cell(out, f->v.s, f->flags & REC_QUOTE);
	else if (f->kind != REC_HIST)
		rec_write_scalar(out, f);
}

/* The columns of one header field, each with a leading comma. */
static void csv_names_of(FILE *out, const struct rec_field *f)
{
	if (f->kind == REC_HIST && (f->flags & REC_MS))
		fprintf(out, ",%s_p50,%s_p99,%s_max", f->csv, f->csv, f->csv);
	else if (f->kind == REC_HIST)
		fprintf(out, ",%s_min,%s_p50,%s_p99,%s_max", f->csv, f->csv, f->csv, f->csv);
	else if (f->kind == REC_COUNTS && (f->flags & REC_EXPAND)) {
		struct csv_names c = {out, f->csv};
		f->v.c.each(f->v.c.src, name_column, &c);
	} else {
		fputc(',', out);
		rec_csv_cell(out, f->csv, 0);
	}
}

/* Write a CSV line whose cells each begin with a comma: all but the first. */
static void csv_line(FILE *out, const struct record *header, const struct record *row)
{
	char *line = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&line, &len);
	if (m == NULL)
		return;
	for (size_t i = 0; i < header->n; i++) {
		const struct rec_field *h = &header->f[i];
		if (!(h->in & REC_CSV) || h->kind == REC_OBJECT)
			continue;
		if (row)
			csv_cells(m, h, find_csv(row, h->csv));
		else
			csv_names_of(m, h);
	}
	fclose(m);
	fprintf(out, "%s\n", len ? line + 1 : "");
	free(line);
}

void rec_write_csv_header(FILE *out, const struct record *first)
{
	csv_line(out, first, NULL);
}

void rec_write_csv(FILE *out, const struct record *header, const struct record *r)
{
	csv_line(out, header, r);
}
