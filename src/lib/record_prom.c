/* Records in the Prometheus text exposition format (include/lib/record.h, rec_write_prom):
 * a family per field that names one, a sample per record (or per name of a labelled count),
 * labelled by the record's REC_LABEL fields. */
#include <inttypes.h>
#include <stdlib.h>

#include "lib/record.h"

static void prom_head(FILE *out, const struct rec_field *f)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", f->prom, f->help, f->prom,
		(f->flags & REC_COUNTER) ? "counter" : "gauge");
}

/* The sample's name and labels: r's labels, then `extra` (`name="value"`, or NULL). */
static void sample_name(FILE *out, const char *name, const struct record *r, const char *key,
			const char *value)
{
	int n = 0;
	fputs(name, out);
	for (size_t i = 0; i < r->n; i++) {
		const struct rec_field *f = &r->f[i];
		if (!(f->flags & REC_LABEL))
			continue;
		fprintf(out, "%s%s=\"", n++ ? "," : "{", f->key);
		rec_text_value(out, f);
		fputc('"', out);
	}
	if (key)
		fprintf(out, "%s%s=\"%s\"", n++ ? "," : "{", key, value);
	fputs(n ? "} " : " ", out);
}

/* A labelled count's samples: one per name. */
struct count_samples {
	FILE *out;
	const struct rec_field *f;
	const struct record *r;
};

static void count_sample(void *ctx, const char *name, uint64_t v, int present)
{
	struct count_samples *c = ctx;
	if (!present)
		return;
	sample_name(c->out, c->f->prom, c->r, c->f->prom_label, name);
	fprintf(c->out, "%" PRIu64 "\n", v);
}

/* Does f have a value to sample? */
static int has_value(const struct rec_field *f)
{
	return f->present && f->kind != REC_NULL && !(f->flags & REC_JSON_NULL);
}

/* f's sample(s) in record r, when it has a value. */
static void samples(FILE *out, const struct record *r, const struct rec_field *f)
{
	if (!has_value(f))
		return;
	if (f->kind == REC_COUNTS) {
		struct count_samples c = {out, f, r};
		f->v.c.each(f->v.c.src, count_sample, &c);
		return;
	}
	sample_name(out, f->prom, r, NULL, NULL);
	switch (f->kind) {
	case REC_UINT: fprintf(out, "%" PRIu64 "\n", f->v.u); break;
	case REC_INT: fprintf(out, "%" PRId64 "\n", f->v.i); break;
	case REC_BOOL: fprintf(out, "%d\n", f->v.u != 0); break;
	default: fprintf(out, "%.10g\n", f->v.d); break;
	}
}

void rec_write_prom(FILE *out, const struct record *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->f[i].prom && has_value(&r->f[i])) {
			prom_head(out, &r->f[i]);
			samples(out, r, &r->f[i]);
		}
}

void rec_write_prom_rows(FILE *out, rec_row_fn row, const void *src, size_t n)
{
	struct record *r = malloc(2 * sizeof(*r));
	if (r == NULL)
		return;
	struct record *first = &r[1];
	rec_init(first, NULL);
	row(src, 0, first);
	for (size_t k = 0; k < first->n; k++) {
		if (!first->f[k].prom)
			continue;
		prom_head(out, &first->f[k]);
		for (size_t i = 0; i < n; i++) {
			rec_init(r, NULL);
			row(src, i, r);
			if (k < r->n)
				samples(out, r, &r->f[k]);
		}
	}
	free(r);
}
