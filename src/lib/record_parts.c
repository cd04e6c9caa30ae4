/* What the record writers share (include/lib/record_parts.h): a leaf under record.c (text,
 * JSON) and record_csv.c (CSV). */
#include "lib/record_parts.h"

#include <inttypes.h>

#include "lib/json.h"

void rec_count_write(void *ctx, const char *name, uint64_t v, int present)
{
	struct rec_counts_walk *w = ctx;
	if (!present || (!w->json && v == 0))
		return;
	if (w->json) {
		fputs(w->n++ ? "," : "", w->out);
		json_write_string(w->out, name);
		fprintf(w->out, ":%" PRIu64, v);
	} else {
		if (w->n == 0 && w->lead)
			fputs(w->lead, w->out);
		fprintf(w->out, "%s%s=%" PRIu64, w->n++ ? " " : "", name, v);
	}
}

/* A scalar's value as text and CSV print it (strings bare). */
void rec_write_scalar(FILE *out, const struct rec_field *f)
{
	switch (f->kind) {
	case REC_UINT: fprintf(out, "%" PRIu64, f->v.u); break;
	case REC_INT: fprintf(out, "%" PRId64, f->v.i); break;
	case REC_FLOAT: fprintf(out, "%.*f", f->decimals, f->v.d); break;
	case REC_BOOL: fputs(f->v.u ? "true" : "false", out); break;
	case REC_STRING:
	case REC_VERBATIM: fputs(f->v.s, out); break;
	default: break;
	}
}

/* The histogram's figures joined by sep ("min=" style names when named). */
void rec_write_figures(FILE *out, const struct rec_field *f, const char *sep, int named)
{
	const struct rec_hist *h = &f->v.h;
	if (f->flags & REC_MS)
		fprintf(out, named ? "p50=%.3f%sp99=%.3f%smax=%.3f" : "%.3f%s%.3f%s%.3f",
			h->p50 / 1000.0, sep, h->p99 / 1000.0, sep, h->max / 1000.0);
	else
		fprintf(out, named ? "min=%" PRIu32 "%sp50=%" PRIu32 "%sp99=%" PRIu32 "%smax=%" PRIu32
			: "%" PRIu32 "%s%" PRIu32 "%s%" PRIu32 "%s%" PRIu32,
			h->min, sep, h->p50, sep, h->p99, sep, h->max);
}
