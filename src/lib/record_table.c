/* A list of records as an aligned text table (include/lib/record.h, rec_write_table): the
 * first row's labels over a line per row, each column as wide as its field says. */
#include <stdlib.h>
#include <string.h>

#include "lib/record.h"

/* The cell of field f: its text value, then its note. */
static void cell(const struct rec_field *f, char *buf, size_t len)
{
	FILE *m = fmemopen(buf, len, "w");
	buf[0] = '\0';
	if (m == NULL)
		return;
	if (f->kind != REC_NULL || f->text_null)
		rec_text_value(m, f);
	if (f->note)
		fputs(f->note, m);
	fclose(m);
	buf[len - 1] = '\0';
}

static int is_column(const struct rec_field *f)
{
	return (f->in & REC_TEXT) && f->present;
}

/* One line: the labels (r NULL: of `head`) or r's cells. */
static void table_line(FILE *out, const struct record *head, const struct record *r,
		       const int *width)
{
	char buf[512];
	int col = 0;
	const struct record *src = r ? r : head;
	for (size_t i = 0; i < src->n; i++) {
		const struct rec_field *f = &src->f[i];
		if (!is_column(f))
			continue;
		if (r)
			cell(f, buf, sizeof(buf));
		fprintf(out, (f->flags & REC_LEFT) ? "%s%-*s" : "%s%*s", col ? "  " : "", width[col],
			r ? buf : f->label);
		col++;
	}
	fputc('\n', out);
}

void rec_write_table(FILE *out, rec_row_fn row, const void *src, size_t n)
{
	struct record *r = malloc(2 * sizeof(*r));
	int width[REC_FIELDS_MAX] = {0};
	char buf[512];
	if (r == NULL || n == 0) {
		free(r);
		return;
	}
	struct record *head = &r[1];
	rec_init(head, NULL);
	row(src, 0, head);
	for (size_t i = 0; i < n; i++) { /* the widths: as given, or the widest cell */
		rec_init(r, NULL);
		row(src, i, r);
		int col = 0;
		for (size_t k = 0; k < r->n && col < REC_FIELDS_MAX; k++) {
			const struct rec_field *f = &r->f[k];
			if (!is_column(f))
				continue;
			int w = f->width;
			if (f->flags & REC_FIT) {
				cell(f, buf, sizeof(buf));
				w = (int)strlen(buf) > (int)strlen(f->label) ? (int)strlen(buf) : (int)strlen(f->label);
			}
			width[col] = w > width[col] ? w : width[col];
			col++;
		}
	}
	table_line(out, head, NULL, width);
	for (size_t i = 0; i < n; i++) {
		rec_init(r, NULL);
		row(src, i, r);
		table_line(out, head, r, width);
	}
	free(r);
}
