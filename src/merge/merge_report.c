/* The output of twtest merge, in text, CSV and JSON Lines from the same rows: text gives
 * each merged row and under it the hosts' rows, CSV the same as rows with a host column,
 * JSON the merged records in the client's own layout (histograms whole, so that the result
 * reads like one client's). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "merge/merge_state.h"

/* Does name end in _ms (a histogram of microseconds shown in milliseconds)? */
static int in_ms(const char *name)
{
	size_t l = strlen(name);
	return l > 3 && strcmp(name + l - 3, "_ms") == 0;
}

/* The text name of a field, in the client's spelling. */
static const char *text_name(const char *name)
{
	static const char *const names[][2] = {{"finished", "finished_count"}, {"failed", "failed_count"},
					       {"time_s", "time(s)"}, {"t_s", "t(s)"},
					       {"conn_per_s", "conn/s"}};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i][0], name) == 0)
			return names[i][1];
	return name;
}

static const char *record_name(enum mrecord_type t)
{
	return t == MR_LOOP ? "loop" : t == MR_INTERVAL ? "interval" : "summary";
}

/* A map's non-zero counters as "k=v k=v"; returns how many. */
static int write_map_text(FILE *out, const struct mmap *m)
{
	int n = 0;
	for (size_t i = 0; i < m->n; i++)
		if (m->item[i].v)
			fprintf(out, "%s%s=%" PRIu64, n++ ? " " : "", m->item[i].name, m->item[i].v);
	return n;
}

static int map_nonzero(const struct mmap *m)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->item[i].v)
			return 1;
	return 0;
}

static void write_scalar(FILE *out, const struct mfield *f, int json)
{
	switch (f->kind) {
	case MF_NULL: fputs(json ? "null" : "none", out); break;
	case MF_BOOL: fputs(f->b ? "true" : "false", out); break;
	case MF_UINT: fprintf(out, "%" PRIu64, f->u); break;
	case MF_REAL: fprintf(out, "%.*f", f->decimals, f->r); break;
	case MF_STRING: json ? json_write_string(out, f->s) : (void)fputs(f->s, out); break;
	default: break;
	}
}

/* ", name: value" for one field; maps and histograms with nothing in them are left out. */
static void text_field(FILE *out, const struct mfield *f)
{
	const struct hist_brief *b = &f->brief;
	if ((f->kind == MF_MAP && !map_nonzero(&f->map)) || (f->kind == MF_HIST && b->count == 0))
		return;
	fprintf(out, ", %s: ", text_name(f->name));
	if (f->kind == MF_MAP)
		write_map_text(out, &f->map);
	else if (f->kind == MF_HIST && in_ms(f->name))
		fprintf(out, "p50=%.3f p99=%.3f max=%.3f", b->p50 / 1000.0, b->p99 / 1000.0, b->max / 1000.0);
	else if (f->kind == MF_HIST)
		fprintf(out, "min=%" PRIu32 " p50=%" PRIu32 " p99=%" PRIu32 " max=%" PRIu32, b->min, b->p50,
			b->p99, b->max);
	else
		write_scalar(out, f, 0);
}

/* "interval: N, " or "summary: " */
static void text_key(FILE *out, const struct mrecord *r)
{
	if (r->type == MR_SUMMARY)
		fputs("summary: ", out);
	else
		fprintf(out, "%s: %" PRIu64 ", ", record_name(r->type), r->index);
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
		if (strcmp(m->key, "type") == 0 || strcmp(m->key, "shard") == 0 ||
		    strcmp(m->key, "host") == 0 || merge_per_host_member(m->key) == settings)
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

static void text_row(const struct merge_state *s, const struct merge_row *row, FILE *out)
{
	text_key(out, &row->sum);
	fprintf(out, "hosts: %" PRIu32, row->sum.hosts);
	for (size_t i = 0; i < row->sum.n; i++)
		text_field(out, &row->sum.f[i]);
	fputc('\n', out);
	for (uint32_t h = 0; h < s->shards; h++) {
		const struct mrecord *r = row->host[h];
		if (r == NULL)
			continue;
		fprintf(out, "  host: %s, shard: %" PRIu32 "/%" PRIu32, s->shard[h].host, h, s->shards);
		for (size_t i = 0; i < r->n; i++)
			text_field(out, &r->f[i]);
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

static int expanded(const struct column *c)
{
	return c->kind == MF_MAP && strcmp(c->name, "kernel") == 0;
}

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

static void csv_names(FILE *out, const struct columns *cs)
{
	fputs("type,index,host,shard,hosts", out);
	for (size_t i = 0; i < cs->n; i++) {
		const struct column *c = &cs->c[i];
		if (expanded(c))
			for (size_t k = 0; k < c->keys.n; k++)
				fprintf(out, ",%s_%s", c->name, c->keys.item[k].name);
		else if (c->kind == MF_HIST && in_ms(c->name))
			fprintf(out, ",%s_p50,%s_p99,%s_max", c->name, c->name, c->name);
		else if (c->kind == MF_HIST)
			fprintf(out, ",%s_min,%s_p50,%s_p99,%s_max", c->name, c->name, c->name, c->name);
		else
			fprintf(out, ",%s", c->name);
	}
	fputc('\n', out);
}

static void csv_cell(FILE *out, const struct column *c, const struct mfield *f)
{
	if (expanded(c)) {
		for (size_t k = 0; k < c->keys.n; k++) {
			fputc(',', out);
			for (size_t m = 0; f && f->kind == MF_MAP && m < f->map.n; m++)
				if (strcmp(f->map.item[m].name, c->keys.item[k].name) == 0)
					fprintf(out, "%" PRIu64, f->map.item[m].v);
		}
		return;
	}
	if (c->kind == MF_HIST) {
		const struct hist_brief *b = f && f->kind == MF_HIST ? &f->brief : NULL;
		int ms = in_ms(c->name);
		if (b == NULL || b->count == 0)
			fputs(ms ? ",,," : ",,,,", out);
		else if (ms)
			fprintf(out, ",%.3f,%.3f,%.3f", b->p50 / 1000.0, b->p99 / 1000.0, b->max / 1000.0);
		else
			fprintf(out, ",%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%" PRIu32, b->min, b->p50, b->p99, b->max);
		return;
	}
	fputc(',', out);
	if (f == NULL || f->kind == MF_NULL)
		return;
	if (f->kind == MF_MAP)
		write_map_text(out, &f->map);
	else if (f->kind == MF_STRING && strpbrk(f->s, ",\"\n")) {
		fputc('"', out);
		for (const char *p = f->s; *p; p++)
			fprintf(out, *p == '"' ? "\"\"" : "%c", *p);
		fputc('"', out);
	} else if (f->kind != MF_HIST)
		write_scalar(out, f, 0);
}

static void csv_record(FILE *out, const struct columns *cs, const struct mrecord *r,
		       const char *host, const char *shard)
{
	fprintf(out, "%s,", record_name(r->type));
	if (r->type != MR_SUMMARY)
		fprintf(out, "%" PRIu64, r->index);
	fprintf(out, ",%s,%s,", host, shard);
	if (host[0] == '\0')
		fprintf(out, "%" PRIu32, r->hosts);
	for (size_t i = 0; i < cs->n; i++)
		csv_cell(out, &cs->c[i], mrecord_get(r, cs->c[i].name));
	fputc('\n', out);
}

static void csv_row(const struct merge_state *s, const struct columns *cs,
		    const struct merge_row *row, FILE *out)
{
	char shard[32];
	snprintf(shard, sizeof(shard), "all/%" PRIu32, s->shards);
	csv_record(out, cs, &row->sum, "", shard);
	for (uint32_t h = 0; h < s->shards; h++) {
		if (row->host[h] == NULL)
			continue;
		snprintf(shard, sizeof(shard), "%" PRIu32 "/%" PRIu32, h, s->shards);
		csv_record(out, cs, row->host[h], s->shard[h].host, shard);
	}
}

static void json_field(FILE *out, const struct mfield *f)
{
	fputc(',', out);
	json_write_string(out, f->name);
	fputc(':', out);
	const struct hist_brief *b = &f->brief;
	switch (f->kind) {
	case MF_MAP:
		fputc('{', out);
		for (size_t i = 0; i < f->map.n; i++) {
			fputs(i ? "," : "", out);
			json_write_string(out, f->map.item[i].name);
			fprintf(out, ":%" PRIu64, f->map.item[i].v);
		}
		fputc('}', out);
		break;
	case MF_HIST:
		if (in_ms(f->name))
			fprintf(out, "{\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f,\"hist\":", b->p50 / 1000.0,
				b->p99 / 1000.0, b->max / 1000.0);
		else
			fprintf(out, "{\"min\":%" PRIu32 ",\"p50\":%" PRIu32 ",\"p99\":%" PRIu32 ",\"max\":%" PRIu32
				",\"hist\":", b->min, b->p50, b->p99, b->max);
		json_write_histogram(out, f->hist);
		fputc('}', out);
		break;
	default: write_scalar(out, f, 1); break;
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
			if (!merge_per_host_member(m->key) || strcmp(m->key, "type") == 0)
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

static void json_row(const struct merge_row *row, FILE *out)
{
	const struct mrecord *r = &row->sum;
	fprintf(out, "{\"type\":\"%s\"", record_name(r->type));
	if (r->type != MR_SUMMARY)
		fprintf(out, ",\"%s\":%" PRIu64, record_name(r->type), r->index);
	fprintf(out, ",\"hosts\":%" PRIu32, r->hosts);
	for (size_t i = 0; i < r->n; i++)
		json_field(out, &r->f[i]);
	fputs("}\n", out);
}

void merge_print(const struct merge_state *s, FILE *out)
{
	struct columns cs = {0};
	if (s->o->format == FORMAT_TEXT)
		text_header(s, out);
	else if (s->o->format == FORMAT_JSON)
		json_header(s, out);
	else {
		for (uint64_t i = 0; i < s->nrows; i++)
			columns_add(&cs, &s->rows[i].sum);
		if (s->summary.used)
			columns_add(&cs, &s->summary.sum);
		csv_names(out, &cs);
	}
	for (uint64_t i = 0; i <= s->nrows; i++) {
		const struct merge_row *row = i < s->nrows ? &s->rows[i] : &s->summary;
		if (!row->used)
			continue;
		switch (s->o->format) {
		case FORMAT_TEXT: text_row(s, row, out); break;
		case FORMAT_CSV: csv_row(s, &cs, row, out); break;
		case FORMAT_JSON: json_row(row, out); break;
		}
	}
	for (size_t i = 0; i < cs.n; i++)
		free(cs.c[i].keys.item);
	free(cs.c);
}
