/* The output of twtest merge, in text, CSV and JSON Lines from the same rows: text gives
 * each merged row and under it the hosts' rows, CSV the same as rows with a host column,
 * JSON the merged records in the client's own layout (histograms whole, so that the result
 * reads like one client's). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/record.h"
#include "merge/merge_state.h"

/* Does name end in _ms (a histogram of microseconds shown in milliseconds)? */
static int in_ms(const char *name)
{
	size_t l = strlen(name);
	return l > 3 && strcmp(name + l - 3, "_ms") == 0;
}

/* The members every client record leads with, which merge writes for its rows and leaves
 * out of the hosts' header lines. */
static const char type_key[] = "type", host_key[] = "host", shard_key[] = "shard";

static const char *record_name(enum mrecord_type t)
{
	return t == MR_LOOP ? "loop" : t == MR_INTERVAL ? "interval" : "summary";
}

/* A map's counters as counts by cause. */
static void each_item(const void *src, rec_count_fn fn, void *ctx)
{
	const struct mmap *m = src;
	for (size_t i = 0; i < m->n; i++)
		fn(ctx, m->item[i].name, m->item[i].v, 1);
}

/* The kernel counters get a CSV column each; other maps one cell. */
static unsigned map_flags(const char *name)
{
	return strcmp(name, "kernel") == 0 ? REC_EXPAND : 0;
}

/* Field f as the client wrote it (a histogram from its figures: a host's row keeps no more). */
static void add_field(struct record *rec, const struct mfield *f)
{
	const struct hist_brief *b = &f->brief;
	struct rec_hist h = {b->count, b->min, b->p50, b->p99, b->max, f->hist};
	switch (f->kind) {
	case MF_NULL: rec_null(rec, f->name, NULL, "none"); break;
	case MF_BOOL: rec_bool(rec, f->name, NULL, f->b); break;
	case MF_UINT: rec_uint(rec, f->name, NULL, f->u); break;
	case MF_REAL: rec_float(rec, f->name, NULL, f->r, f->decimals); break;
	case MF_STRING: rec_string(rec, f->name, NULL, f->s); break;
	case MF_MAP: rec_counts(rec, f->name, NULL, each_item, &f->map, map_flags(f->name)); break;
	case MF_HIST:
		rec_hist_figures(rec, f->name, NULL, &h, (in_ms(f->name) ? REC_MS : 0) | REC_KEEP_EMPTY);
		break;
	}
}

/* The columns every row starts with: type, index (the loop or interval), host, shard,
 * hosts (how many hosts a merged row adds). */
#define LEAD_FIELDS 5

/* A row as a record into fields (room for r->n + LEAD_FIELDS): a merged row (host NULL)
 * or a host's, whose text line is indented under the merged one. */
static void row_record(struct record *rec, struct rec_field *fields, const struct mrecord *r,
		       const char *host, const char *shard)
{
	rec_init_fields(rec, host ? "  " : r->type == MR_SUMMARY ? "summary: " : NULL, fields,
			r->n + LEAD_FIELDS);
	rec_string(rec, type_key, NULL, record_name(r->type))->in = REC_CSV | REC_JSON;
	unsigned where = host ? REC_TEXT | REC_CSV : REC_CSV;
	if (r->type != MR_SUMMARY) { /* a host's text line stands under its merged row's index */
		struct rec_field *f = rec_uint(rec, record_name(r->type), NULL, r->index);
		f->csv = "index";
		f->in = host ? REC_CSV : REC_ALL;
	}
	rec_string(rec, host_key, NULL, host ? host : "")->in = where;
	rec_string(rec, shard_key, NULL, shard)->in = where;
	if (host == NULL)
		rec_uint(rec, "hosts", NULL, r->hosts);
	for (size_t i = 0; i < r->n; i++)
		add_field(rec, &r->f[i]);
}

/* Write row r (CSV: under header) and free its fields. */
static void write_row(FILE *out, enum output_format fmt, const struct record *header,
		      const struct mrecord *r, const char *host, const char *shard)
{
	struct record rec;
	struct rec_field *fields = calloc(r->n + LEAD_FIELDS, sizeof(*fields));
	if (fields == NULL)
		return; /* out of memory: the row is left out */
	row_record(&rec, fields, r, host, shard);
	rec_write(out, fmt, header, &rec);
	free(fields);
}

/* s with its control characters as '?' (a header read from the input, printed in text). */
static void write_plain(FILE *out, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
}

/* Header members as " key=value" (strings bare, objects as JSON). */
static void text_members(FILE *out, const struct merge_shard *sh, int settings)
{
	const struct json_doc *d = &sh->doc;
	for (const struct json_node *m = json_first(d, &d->node[0]); m; m = json_next(d, m)) {
		if (strcmp(m->key, type_key) == 0 || strcmp(m->key, shard_key) == 0 ||
		    strcmp(m->key, host_key) == 0 || merge_per_host_member(m->key) == settings)
			continue;
		fputc(' ', out);
		write_plain(out, m->key);
		fputc('=', out);
		if (m->type == JSON_STRING)
			write_plain(out, m->str);
		else
			json_write_node(out, d, m); /* JSON escapes control characters */
	}
}

static uint32_t shards_seen(const struct merge_state *s)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < s->shards; i++)
		n += s->shard[i].seen;
	return n;
}

static void text_header(const struct merge_state *s, FILE *out)
{
	fprintf(out, "# twtest merge: %" PRIu32 " of %" PRIu32 " shards, %s mode\n", shards_seen(s),
		s->shards, s->rate ? "rate" : "loop");
	fputs("# settings:", out);
	text_members(out, &s->shard[s->ref], 1);
	fputc('\n', out);
	for (uint32_t i = 0; i < s->shards; i++) {
		const struct merge_shard *sh = &s->shard[i];
		if (!sh->seen) {
			fprintf(out, "# shard %" PRIu32 "/%" PRIu32 ": missing\n", i, s->shards);
			continue;
		}
		fprintf(out, "# shard %" PRIu32 "/%" PRIu32 ": host=%s from=%s", i, s->shards, sh->host,
			sh->where);
		text_members(out, sh, 0);
		fputc('\n', out);
	}
}

/* CSV columns: every field of the merged rows, in the order first seen; the kernel map
 * as one column per counter, histograms as their figures. */
struct column {
	char name[MERGE_NAME_MAX];
	enum mfield_kind kind;
	struct mmap keys; /* "kernel": the counters seen */
};

struct columns {
	size_t n;
	struct column *c;
};

/* Add the counter names of m that column c has not seen yet. */
static void column_add_keys(struct column *c, const struct mmap *m)
{
	for (size_t k = 0; k < m->n; k++) {
		size_t i = 0;
		while (i < c->keys.n && strcmp(c->keys.item[i].name, m->item[k].name) != 0)
			i++;
		if (i < c->keys.n)
			continue;
		struct mmap_item *p = realloc(c->keys.item, (c->keys.n + 1) * sizeof(*p));
		if (p == NULL)
			return; /* out of memory: the counter is left out */
		c->keys.item = p;
		p[c->keys.n++] = m->item[k];
	}
}

static void columns_add(struct columns *cs, const struct mrecord *r)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct mfield *f = &r->f[i];
		size_t j = 0;
		while (j < cs->n && strcmp(cs->c[j].name, f->name) != 0)
			j++;
		if (j == cs->n) {
			struct column *p = realloc(cs->c, (cs->n + 1) * sizeof(*p));
			if (p == NULL)
				continue; /* out of memory: the column is left out */
			cs->c = p;
			cs->c[cs->n++] = (struct column){.kind = MF_NULL};
			snprintf(cs->c[j].name, sizeof(cs->c[j].name), "%s", f->name);
		}
		if (cs->c[j].kind == MF_NULL || cs->c[j].kind == MF_UINT)
			cs->c[j].kind = f->kind;
		if (f->kind == MF_MAP)
			column_add_keys(&cs->c[j], &f->map);
	}
}

/* The CSV header as a record: the leading columns, then one field a column (the kernel
 * map with every counter seen, histograms by their figures). */
static void header_record(struct record *rec, struct rec_field *fields, const struct columns *cs,
			  enum mrecord_type type)
{
	struct mrecord none = {.type = type};
	row_record(rec, fields, &none, NULL, "");
	rec->cap += cs->n;
	for (size_t i = 0; i < cs->n; i++) {
		const struct column *c = &cs->c[i];
		if (c->kind == MF_HIST)
			rec_hist_figures(rec, c->name, NULL, &(struct rec_hist){0},
					 in_ms(c->name) ? REC_MS : 0);
		else if (c->kind == MF_MAP)
			rec_counts(rec, c->name, NULL, each_item, &c->keys, map_flags(c->name));
		else
			rec_null(rec, c->name, NULL, NULL);
	}
}

/* A merged row and under it the hosts' rows (text, CSV), or the merged one alone (JSON). */
static void print_row(const struct merge_state *s, const struct record *header,
		      const struct merge_row *row, FILE *out)
{
	enum output_format fmt = s->o->format;
	char shard[32];
	snprintf(shard, sizeof(shard), "all/%" PRIu32, s->shards);
	write_row(out, fmt, header, &row->sum, NULL, shard);
	for (uint32_t h = 0; h < s->shards && fmt != FORMAT_JSON; h++) {
		if (row->host[h] == NULL)
			continue;
		snprintf(shard, sizeof(shard), "%" PRIu32 "/%" PRIu32, h, s->shards);
		write_row(out, fmt, header, row->host[h], s->shard[h].host, shard);
	}
}

static void json_header(const struct merge_state *s, FILE *out)
{
	const struct merge_shard *ref = &s->shard[s->ref];
	fprintf(out, "{\"type\":\"header\",\"merged\":\"%" PRIu32 "/%" PRIu32 "\"", shards_seen(s), s->shards);
	const struct json_doc *d = &ref->doc;
	for (const struct json_node *m = json_first(d, &d->node[0]); m; m = json_next(d, m)) {
		if (merge_per_host_member(m->key))
			continue;
		fputc(',', out);
		json_write_string(out, m->key);
		fputc(':', out);
		json_write_node(out, d, m);
	}
	fputs(",\"shards\":[", out);
	int n = 0;
	for (uint32_t i = 0; i < s->shards; i++) {
		const struct merge_shard *sh = &s->shard[i];
		if (!sh->seen)
			continue;
		fprintf(out, "%s{", n++ ? "," : "");
		int k = 0;
		for (const struct json_node *m = json_first(&sh->doc, &sh->doc.node[0]); m;
		     m = json_next(&sh->doc, m)) {
			if (!merge_per_host_member(m->key) || strcmp(m->key, type_key) == 0)
				continue;
			fputs(k++ ? "," : "", out);
			json_write_string(out, m->key);
			fputc(':', out);
			json_write_node(out, &sh->doc, m);
		}
		fputc('}', out);
	}
	fputs("]}\n", out);
}

void merge_print(const struct merge_state *s, FILE *out)
{
	struct columns cs = {0};
	struct record header;
	const struct record *head = NULL; /* CSV: the columns */
	struct rec_field *fields = NULL;
	if (s->o->format == FORMAT_TEXT)
		text_header(s, out);
	else if (s->o->format == FORMAT_JSON)
		json_header(s, out);
	else {
		for (uint64_t i = 0; i < s->nrows; i++)
			columns_add(&cs, &s->rows[i].sum);
		if (s->summary.used)
			columns_add(&cs, &s->summary.sum);
		fields = calloc(cs.n + LEAD_FIELDS, sizeof(*fields));
		if (fields == NULL)
			goto done; /* out of memory: no table */
		header_record(&header, fields, &cs, s->rate ? MR_INTERVAL : MR_LOOP);
		rec_write_csv_header(out, &header);
		head = &header;
	}
	for (uint64_t i = 0; i <= s->nrows; i++) {
		const struct merge_row *row = i < s->nrows ? &s->rows[i] : &s->summary;
		if (row->used)
			print_row(s, head, row, out);
	}
done:
	free(fields);
	for (size_t i = 0; i < cs.n; i++)
		free(cs.c[i].keys.item);
	free(cs.c);
}
