/* twtest merge: reads the JSON Lines of N client runs (files or standard input, records of
 * the hosts in any interleaving: each record names its shard), checks that they are the
 * shards of one run, and adds their records up interval by interval (rate mode: the same
 * absolute time, since the shards share their start) or loop by loop. Nothing is printed
 * unless every input could be merged. */
#include "merge/merge.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json_parse.h"
#include "lib/parse.h"
#include "lib/twtest.h"
#include "merge/merge_state.h"

#define MERGE_LINE_MAX (4u << 20) /* a record with every bucket of four histograms is ~60 kB */

/* Where a line came from, for messages. */
struct source {
	const char *name;
	uint64_t line;
};

static int refuse(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int refuse(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	for (char *p = err; *p; p++) /* one plain line, whatever the input held */
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return -1;
}

/* A record's identity: its type, shard, host and start. */
struct ident {
	const char *type, *host;
	const struct json_node *start;
	uint32_t shard, shards;
};

static int read_ident(const struct json_doc *d, struct ident *id, char *err, size_t errlen)
{
	const struct json_node *root = &d->node[0];
	if (root->type != JSON_OBJECT)
		return refuse(err, errlen, "not a JSON object (pdsh: use -N, no host prefix)");
	const struct json_node *type = json_get(d, root, "type"), *shard = json_get(d, root, "shard");
	const struct json_node *host = json_get(d, root, "host");
	id->start = json_get(d, root, "start_s");
	if (type == NULL || type->type != JSON_STRING)
		return refuse(err, errlen, "no \"type\": not a twtest client record");
	id->type = type->str;
	if (strcmp(id->type, "conn") == 0 || strcmp(id->type, "conclusion") == 0)
		return 0;
	if (json_get(d, root, "merged") || (shard == NULL && json_get(d, root, "hosts")))
		return refuse(err, errlen, "a record of twtest merge's own output: merge the hosts' "
			      "records instead");
	if (shard == NULL || host == NULL || id->start == NULL)
		return refuse(err, errlen, "no shard, host or start_s: not the JSON of a twtest client "
			      "that merges (twtest client --format json, version %s)", TWTEST_VERSION);
	const char *why;
	if (shard->type != JSON_STRING ||
	    parse_shard(shard->str, MERGE_MAX_SHARDS, &id->shard, &id->shards, &why) < 0)
		return refuse(err, errlen, "shard must be \"I/N\" with I < N <= %d", MERGE_MAX_SHARDS);
	if (host->type != JSON_STRING || id->start->type != JSON_NUMBER)
		return refuse(err, errlen, "host must be a string and start_s a number");
	id->host = host->str;
	return 0;
}

/* The first setting in which header b differs from header a, or NULL. */
static const char *settings_differ(const struct json_doc *a, const struct json_doc *b)
{
	const struct json_node *ra = &a->node[0], *rb = &b->node[0];
	for (int pass = 0; pass < 2; pass++) {
		const struct json_doc *x = pass ? b : a, *y = pass ? a : b;
		const struct json_node *rx = pass ? rb : ra, *ry = pass ? ra : rb;
		for (const struct json_node *m = json_first(x, rx); m; m = json_next(x, m)) {
			if (merge_per_host_member(m->key))
				continue;
			const struct json_node *o = json_get(y, ry, m->key);
			if (o == NULL || !json_equal(x, m, y, o))
				return m->key;
		}
	}
	return NULL;
}

/* The value of member key of a header, as compact JSON, for messages. */
static void member_text(const struct json_doc *d, const char *key, char *buf, size_t len)
{
	const struct json_node *m = json_get(d, &d->node[0], key);
	FILE *f = fmemopen(buf, len, "w");
	if (f == NULL) {
		snprintf(buf, len, "?");
		return;
	}
	if (m)
		json_write_node(f, d, m);
	else
		fputs("(none)", f);
	fclose(f);
	buf[len - 1] = '\0';
}

/* start_s as microseconds (the client prints 6 digits after the point). */
static int start_us_of(const struct json_node *start, int64_t *us)
{
	char text[40];
	int64_t ns;
	const char *why;
	if (start == NULL || start->type != JSON_NUMBER || start->len >= sizeof(text))
		return -1;
	memcpy(text, start->str, start->len);
	text[start->len] = '\0';
	if (parse_time_at(text, 0, &ns, &why) < 0)
		return -1;
	*us = ns / 1000;
	return 0;
}

/* The shard slot a header claims: sized by the first header, refused when the count of
 * shards differs or the slot was taken. Returns the slot, or NULL with the reason in err. */
static struct merge_shard *claim_shard(struct merge_state *s, const struct ident *id,
				       const struct source *src, char *err, size_t errlen)
{
	if (s->shards == 0) {
		s->shards = id->shards;
		s->shard = calloc(s->shards, sizeof(*s->shard));
		s->summary.host = calloc(s->shards, sizeof(*s->summary.host));
		if (s->shard == NULL || s->summary.host == NULL) {
			refuse(err, errlen, "out of memory");
			return NULL;
		}
	} else if (id->shards != s->shards) {
		refuse(err, errlen, "%s:%" PRIu64 ": shard %" PRIu32 "/%" PRIu32 " but %s has %" PRIu32
		       " shards", src->name, src->line, id->shard, id->shards,
		       s->shard[s->ref].where, s->shards);
		return NULL;
	}
	struct merge_shard *sh = &s->shard[id->shard];
	if (sh->seen) {
		refuse(err, errlen, "shard %" PRIu32 "/%" PRIu32 " twice: %s and %s:%" PRIu64,
		       id->shard, id->shards, sh->where, src->name, src->line);
		return NULL;
	}
	return sh;
}

/* A later shard's header against the first one's: the same settings, and in rate mode a
 * start a whole number of intervals from it (its offset, in intervals). */
static int match_reference(struct merge_state *s, struct merge_shard *sh, char *err,
			   size_t errlen)
{
	const struct merge_shard *ref = &s->shard[s->ref];
	const char *key = settings_differ(&ref->doc, &sh->doc);
	if (key) {
		char a[64], b[64];
		member_text(&sh->doc, key, a, sizeof(a));
		member_text(&ref->doc, key, b, sizeof(b));
		return refuse(err, errlen, "different settings: %s is %s in %s but %s in %s", key, a,
			      sh->where, b, ref->where);
	}
	if (!s->rate)
		return 0;
	/* Intervals line up when the starts are a whole number of intervals apart (the same
	 * --start-at, or "+S" rounded to different seconds on hosts launched apart). */
	int64_t diff = sh->start_us - ref->start_us;
	if (diff % s->interval_us != 0)
		return refuse(err, errlen, "start times %.6f s apart (%s and %s), not a whole number of "
			      "--report-interval %.3f s: the intervals do not line up (give every "
			      "host the same --start-at)", (double)diff / 1e6, ref->where, sh->where,
			      (double)s->interval_us / 1e6);
	sh->offset = diff / s->interval_us;
	if (sh->offset < s->min_offset)
		s->min_offset = sh->offset;
	return 0;
}

static int add_header(struct merge_state *s, const struct ident *id, const char *line,
		      const struct source *src, char *err, size_t errlen)
{
	struct merge_shard *sh = claim_shard(s, id, src, err, errlen);
	if (sh == NULL)
		return -1;
	char where[256];
	snprintf(where, sizeof(where), "%s:%" PRIu64, src->name, src->line);
	sh->where = strdup(where);
	sh->host = strdup(id->host);
	if (sh->host)
		merge_scrub(sh->host);
	sh->line = strdup(line);
	if (!sh->where || !sh->host || !sh->line)
		return refuse(err, errlen, "out of memory");
	if (json_parse(&sh->doc, sh->line, strlen(sh->line)) < 0)
		return refuse(err, errlen, "out of memory");
	sh->seen = 1;
	if (start_us_of(id->start, &sh->start_us) < 0)
		return refuse(err, errlen, "%s: start_s must be Unix seconds", sh->where);
	if (s->ref >= 0)
		return match_reference(s, sh, err, errlen);
	/* The first header is the reference the others must match. */
	const struct json_node *mode = json_get(&sh->doc, &sh->doc.node[0], "mode");
	const struct json_node *iv = json_get(&sh->doc, &sh->doc.node[0], "report_interval_ms");
	s->ref = (int)id->shard;
	s->rate = mode && mode->type == JSON_STRING && strcmp(mode->str, "rate") == 0;
	if (s->rate && (iv == NULL || !iv->is_uint || iv->u64 == 0 || iv->u64 > 3600000))
		return refuse(err, errlen, "%s: a rate header needs report_interval_ms", sh->where);
	s->interval_us = s->rate ? (int64_t)iv->u64 * 1000 : 0;
	return 0;
}

/* The row a record of type t with key goes into (rows are kept in key order). */
static struct merge_row *row_for(struct merge_state *s, enum mrecord_type t, int64_t key)
{
	if (t == MR_SUMMARY)
		return &s->summary;
	uint64_t lo = 0, hi = s->nrows;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (s->rows[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->nrows && s->rows[lo].key == key)
		return &s->rows[lo];
	if (s->nrows >= MERGE_MAX_ROWS)
		return NULL;
	if (s->nrows == s->cap) {
		uint64_t cap = s->cap ? 2 * s->cap : 64;
		struct merge_row *p = realloc(s->rows, cap * sizeof(*p));
		if (p == NULL)
			return NULL;
		s->rows = p;
		s->cap = cap;
	}
	memmove(&s->rows[lo + 1], &s->rows[lo], (s->nrows - lo) * sizeof(*s->rows));
	s->nrows++;
	struct merge_row *r = &s->rows[lo];
	*r = (struct merge_row){.key = key, .host = calloc(s->shards, sizeof(*r->host))};
	return r->host ? r : NULL;
}


static int add_record(struct merge_state *s, const struct json_doc *d, const struct ident *id,
		      const struct source *src, char *err, size_t errlen)
{
	const struct merge_shard *sh = id->shard < s->shards ? &s->shard[id->shard] : NULL;
	if (sh == NULL || !sh->seen || id->shards != s->shards)
		return refuse(err, errlen, "%s:%" PRIu64 ": a record of shard %" PRIu32 "/%" PRIu32
			      " before its header", src->name, src->line, id->shard, id->shards);
	const struct json_node *start = json_get(&sh->doc, &sh->doc.node[0], "start_s");
	char *host = strdup(id->host); /* as the header's was kept: scrubbed */
	if (host == NULL)
		return refuse(err, errlen, "out of memory");
	int same_host = strcmp(sh->host, merge_scrub(host)) == 0;
	free(host);
	if (!same_host || !json_equal(&sh->doc, start, d, id->start))
		return refuse(err, errlen, "%s:%" PRIu64 ": shard %" PRIu32 "/%" PRIu32 " of host %s, "
			      "start_s %.*s, but its header (%s) says host %s, start_s %.*s", src->name,
			      src->line, id->shard, id->shards, id->host, (int)id->start->len,
			      id->start->str, sh->where, sh->host, (int)start->len, start->str);
	enum mrecord_type t;
	const char *num = NULL;
	if (strcmp(id->type, "summary") == 0)
		t = MR_SUMMARY;
	else if (strcmp(id->type, s->rate ? "interval" : "loop") == 0)
		t = s->rate ? MR_INTERVAL : MR_LOOP, num = id->type;
	else
		return refuse(err, errlen, "%s:%" PRIu64 ": a \"%s\" record in a %s run", src->name,
			      src->line, id->type, s->rate ? "rate" : "loop");
	const struct json_node *n = num ? json_get(d, &d->node[0], num) : NULL;
	if (num && (n == NULL || !n->is_uint || n->u64 >= MERGE_MAX_ROWS))
		return refuse(err, errlen, "%s:%" PRIu64 ": \"%s\" must be a number below %u", src->name,
			      src->line, num, MERGE_MAX_ROWS);
	uint64_t index = n ? n->u64 : 0;
	int64_t offset = s->rate ? sh->offset : 0;
	struct merge_row *row = row_for(s, t, (int64_t)index + offset);
	if (row == NULL)
		return refuse(err, errlen, "out of memory");
	if (row->host[id->shard])
		return refuse(err, errlen, "%s:%" PRIu64 ": shard %" PRIu32 "/%" PRIu32 " has %s %" PRIu64
			      " twice", src->name, src->line, id->shard, id->shards, id->type, index);
	struct mrecord *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return refuse(err, errlen, "out of memory");
	row->host[id->shard] = r;
	r->type = t;
	r->index = index;
	r->shard = id->shard;
	char why[256];
	if (mrecord_read(r, d, &d->node[0], why, sizeof(why)) < 0)
		return refuse(err, errlen, "%s:%" PRIu64 ": %s", src->name, src->line, why);
	/* Into the merged row on the first shard's clock; the host's row keeps its own. */
	mrecord_shift(r, offset, (double)(offset * s->interval_us) / 1e6);
	int rc = mrecord_add(&row->sum, r, why, sizeof(why));
	mrecord_shift(r, -offset, -(double)(offset * s->interval_us) / 1e6);
	if (rc < 0)
		return refuse(err, errlen, "%s:%" PRIu64 ": %s", src->name, src->line, why);
	row->used = 1;
	row->sum.type = t;
	mrecord_compact(r);
	if (t == MR_SUMMARY)
		s->shard[id->shard].has_summary = 1;
	return 0;
}

/* One line of a source (newline removed). */
static int merge_line(struct merge_state *s, struct json_doc *d, char *line, size_t len,
		      const struct source *src, char *err, size_t errlen)
{
	char why[160];
	/* the header is kept as read: parse a copy, since parsing decodes in place */
	char *copy = strndup(line, len);
	if (copy == NULL)
		return refuse(err, errlen, "out of memory");
	int rc = -1;
	struct ident id = {0};
	if (len == 0)
		refuse(err, errlen, "%s:%" PRIu64 ": empty line", src->name, src->line);
	else if (json_parse(d, line, len) < 0)
		refuse(err, errlen, "%s:%" PRIu64 ": not JSON: %s", src->name, src->line, d->err);
	else if (read_ident(d, &id, why, sizeof(why)) < 0)
		refuse(err, errlen, "%s:%" PRIu64 ": %s", src->name, src->line, why);
	else if (strcmp(id.type, "conn") == 0 || strcmp(id.type, "conclusion") == 0)
		rc = 0; /* --report-conns records and conclusions belong to one host: not merged */
	else if (strcmp(id.type, "header") == 0)
		rc = add_header(s, &id, copy, src, err, errlen);
	else
		rc = add_record(s, d, &id, src, err, errlen);
	free(copy);
	return rc;
}

static int merge_stream(struct merge_state *s, FILE *in, const char *name, char *err, size_t errlen)
{
	struct json_doc d = {0};
	struct source src = {name, 0};
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = 0;
	while (rc == 0 && (len = getline(&line, &cap, in)) >= 0) {
		src.line++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if ((size_t)len > MERGE_LINE_MAX)
			rc = refuse(err, errlen, "%s:%" PRIu64 ": line longer than %u bytes", name,
				    src.line, MERGE_LINE_MAX);
		else
			rc = merge_line(s, &d, line, (size_t)len, &src, err, errlen);
	}
	if (rc == 0 && ferror(in))
		rc = refuse(err, errlen, "%s: %s", name, strerror(errno));
	free(line);
	json_doc_free(&d);
	return rc;
}

static int merge_inputs(struct merge_state *s, char *err, size_t errlen)
{
	const struct merge_opts *o = s->o;
	if (o->nfiles == 0)
		return merge_stream(s, s->in, "-", err, errlen);
	for (int i = 0; i < o->nfiles; i++) {
		if (strcmp(o->files[i], "-") == 0) {
			if (merge_stream(s, s->in, "-", err, errlen) < 0)
				return -1;
			continue;
		}
		FILE *f = fopen(o->files[i], "r");
		if (f == NULL)
			return refuse(err, errlen, "cannot read '%s': %s", o->files[i], strerror(errno));
		int rc = merge_stream(s, f, o->files[i], err, errlen);
		fclose(f);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Every shard there, each with its summary (a run that did not end is not all of its shard)? */
static int check_complete(const struct merge_state *s, char *err, size_t errlen)
{
	if (s->shards == 0)
		return refuse(err, errlen, "no twtest client header in the input");
	uint32_t missing = 0, first = 0;
	for (uint32_t i = 0; i < s->shards; i++) {
		if (!s->shard[i].seen && missing++ == 0)
			first = i;
	}
	if (missing && !s->o->allow_partial)
		return refuse(err, errlen, "missing shard%s %" PRIu32 "/%" PRIu32 "%s (%" PRIu32 " of %" PRIu32
			      " missing; --allow-partial merges the others)", missing > 1 ? "s" : "",
			      first, s->shards, missing > 1 ? " and more" : "", missing, s->shards);
	for (uint32_t i = 0; i < s->shards; i++)
		if (s->shard[i].seen && !s->shard[i].has_summary && !s->o->allow_partial)
			return refuse(err, errlen, "shard %" PRIu32 "/%" PRIu32 " (%s, %s) has no summary: its "
				      "run did not end (--allow-partial merges it anyway)", i, s->shards,
				      s->shard[i].host, s->shard[i].where);
	return 0;
}

static void free_row(struct merge_row *r, uint32_t shards)
{
	mrecord_free(&r->sum);
	for (uint32_t i = 0; r->host && i < shards; i++) {
		if (r->host[i])
			mrecord_free(r->host[i]);
		free(r->host[i]);
	}
	free(r->host);
}

static void free_state(struct merge_state *s)
{
	for (uint64_t i = 0; i < s->nrows; i++)
		free_row(&s->rows[i], s->shards);
	free(s->rows);
	free_row(&s->summary, s->shards);
	for (uint32_t i = 0; s->shard && i < s->shards; i++) {
		free(s->shard[i].host);
		free(s->shard[i].where);
		free(s->shard[i].line);
		json_doc_free(&s->shard[i].doc);
	}
	free(s->shard);
}

/* A host whose run ended before a row still holds its last levels there (TIME_WAIT lasts
 * 60 s): add them to the merged row, as if it had reported them. */
static int carry_levels(struct merge_state *s)
{
	const struct mrecord **last = calloc(s->shards ? s->shards : 1, sizeof(*last));
	if (last == NULL)
		return -1;
	for (uint64_t i = 0; i < s->nrows; i++) {
		struct merge_row *row = &s->rows[i];
		for (uint32_t h = 0; h < s->shards; h++) {
			if (row->host[h]) {
				last[h] = row->host[h];
				continue;
			}
			for (size_t k = 0; last[h] && k < last[h]->n; k++) {
				const struct mfield *f = &last[h]->f[k];
				struct mfield *m = (struct mfield *)mrecord_get(&row->sum, f->name);
				if (mrecord_is_level(f->name) && f->kind == MF_UINT && m && m->kind == MF_UINT)
					m->u += f->u;
			}
		}
	}
	free(last);
	return 0;
}

int merge_stream_run(const struct merge_opts *o, FILE *in, FILE *out, char *err, size_t errlen)
{
	struct merge_state s = {.o = o, .ref = -1, .in = in};
	int rc = 0;
	if (merge_inputs(&s, err, errlen) < 0 || check_complete(&s, err, errlen) < 0) {
		rc = -1;
	} else if (carry_levels(&s) < 0) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	} else {
		/* Number the merged intervals and times from the earliest shard's start. */
		double shift_s = -(double)(s.min_offset * s.interval_us) / 1e6;
		for (uint64_t i = 0; i < s.nrows; i++) {
			s.rows[i].sum.index = (uint64_t)(s.rows[i].key - s.min_offset);
			mrecord_shift(&s.rows[i].sum, -s.min_offset, shift_s);
			mrecord_finish(&s.rows[i].sum);
		}
		mrecord_shift(&s.summary.sum, -s.min_offset, shift_s);
		mrecord_finish(&s.summary.sum);
		merge_print(&s, out);
	}
	free_state(&s);
	return rc;
}

int merge_run(const struct merge_opts *o, FILE *out)
{
	char err[512];
	if (merge_stream_run(o, stdin, out, err, sizeof(err)) < 0) {
		fprintf(stderr, "twtest merge: %s\n", err);
		return EXIT_USAGE;
	}
	if (fflush(out) != 0 || ferror(out)) {
		fprintf(stderr, "twtest merge: writing the result: %s\n", strerror(errno));
		return EXIT_SETUP;
	}
	return EXIT_RAN;
}
