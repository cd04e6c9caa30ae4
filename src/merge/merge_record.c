/* Records of several shards as typed fields, and how they add up. A field's rule comes
 * from its name (the table) or, when the table has no row for it, from its kind: numbers,
 * counter maps and histograms add, booleans are or-ed, strings must be equal. */
#include "merge/merge_record.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum mrule {
	RULE_BY_KIND,   /* numbers, maps, histograms add; booleans or; strings equal */
	RULE_IDENTITY,  /* read by the caller, not a field */
	RULE_MAX,       /* times: the latest of the hosts, who all started together */
	RULE_MIN,       /* the earliest "first" of any host; null (none) counts for nothing */
	RULE_RATE,      /* derived: finished / time_s of the merged row */
	RULE_SUM_NULL,  /* adds; a null (unbounded) makes the sum null */
};

static const struct {
	const char *name;
	enum mrule rule;
} rules[] = {
	{"type", RULE_IDENTITY}, {"loop", RULE_IDENTITY}, {"interval", RULE_IDENTITY},
	{"host", RULE_IDENTITY}, {"shard", RULE_IDENTITY}, {"start_s", RULE_IDENTITY},
	{"loops", RULE_MAX}, {"intervals", RULE_MAX}, {"time_s", RULE_MAX}, {"t_s", RULE_MAX},
	{"wait_clear_s", RULE_MAX},
	{"first_failed_interval", RULE_MIN}, {"first_failure_s", RULE_MIN},
	{"predicted_first_failure_s", RULE_MIN},
	{"conn_per_s", RULE_RATE},
	{"predicted_rate", RULE_SUM_NULL},
};

/* Fields counted from the run's start: moved when runs started at different instants. */
static const struct {
	const char *name;
	int interval; /* 1: an interval number; 0: seconds */
} since_start[] = {
	{"t_s", 0}, {"first_failure_s", 0}, {"predicted_first_failure_s", 0},
	{"first_failed_interval", 1},
};

void mrecord_shift(struct mrecord *r, int64_t intervals, double seconds)
{
	if (intervals == 0)
		return;
	for (size_t i = 0; i < r->n; i++) {
		struct mfield *f = &r->f[i];
		for (size_t k = 0; k < sizeof(since_start) / sizeof(since_start[0]); k++) {
			if (strcmp(f->name, since_start[k].name) != 0)
				continue;
			/* as a real number, which may be negative until the last shift */
			if (f->kind != MF_UINT && f->kind != MF_REAL)
				continue;
			f->r = (f->kind == MF_UINT ? (double)f->u : f->r) +
			       (since_start[k].interval ? (double)intervals : seconds);
			if (f->kind == MF_UINT)
				f->decimals = 0;
			f->kind = MF_REAL;
		}
	}
}

int mrecord_is_level(const char *name)
{
	return strcmp(name, "time_wait") == 0;
}

static enum mrule rule_of(const char *name)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (strcmp(rules[i].name, name) == 0)
			return rules[i].rule;
	return RULE_BY_KIND;
}

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

char *merge_scrub(char *s)
{
	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return s;
}

const struct mfield *mrecord_get(const struct mrecord *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->f[i].name, name) == 0)
			return &r->f[i];
	return NULL;
}

/* A new zeroed field at the end of r; NULL when out of memory. */
static struct mfield *field_new(struct mrecord *r, const char *name)
{
	struct mfield *f = realloc(r->f, (r->n + 1) * sizeof(*f));
	if (f == NULL)
		return NULL;
	r->f = f;
	f = &r->f[r->n++];
	*f = (struct mfield){.kind = MF_NULL};
	snprintf(f->name, sizeof(f->name), "%s", name);
	merge_scrub(f->name);
	return f;
}

static void brief_of(struct hist_brief *b, const struct histogram *h)
{
	*b = (struct hist_brief){h->count, h->count ? h->min : 0, hist_percentile(h, 50),
				 hist_percentile(h, 99), h->count ? h->max : 0};
}

int merge_read_histogram(struct histogram *h, const struct json_doc *d,
			 const struct json_node *obj, char *err, size_t errlen)
{
	memset(h, 0, sizeof(*h));
	const struct json_node *count = json_get(d, obj, "count"), *min = json_get(d, obj, "min");
	const struct json_node *max = json_get(d, obj, "max"), *buckets = json_get(d, obj, "buckets");
	if (obj->type != JSON_OBJECT || obj->count != 4 || !count || !min || !max || !buckets)
		return fail(err, errlen, "a histogram has exactly count, min, max and buckets");
	if (!count->is_uint || !min->is_uint || !max->is_uint || min->u64 > UINT32_MAX ||
	    max->u64 > UINT32_MAX || buckets->type != JSON_ARRAY)
		return fail(err, errlen, "a histogram's count, min and max are whole numbers and its buckets an array");
	int64_t last = -1;
	for (const struct json_node *b = json_first(d, buckets); b; b = json_next(d, b)) {
		const struct json_node *low = json_first(d, b), *n = low ? json_next(d, low) : NULL;
		if (b->type != JSON_ARRAY || b->count != 2 || !low->is_uint || !n->is_uint ||
		    low->u64 > UINT32_MAX || n->u64 == 0)
			return fail(err, errlen, "a bucket is [LOW,COUNT] with COUNT > 0");
		if ((int64_t)low->u64 <= last)
			return fail(err, errlen, "buckets out of order at %" PRIu64, low->u64);
		if (h->count + n->u64 < h->count)
			return fail(err, errlen, "bucket counts overflow");
		if (hist_add_bucket(h, (uint32_t)low->u64, n->u64) < 0)
			return fail(err, errlen, "no bucket starts at %" PRIu64, low->u64);
		last = (int64_t)low->u64;
	}
	h->min = (uint32_t)min->u64;
	h->max = (uint32_t)max->u64;
	if (h->count != count->u64 || !hist_consistent(h))
		return fail(err, errlen, "count, min or max do not match the buckets");
	return 0;
}

/* Does the printed figure fig of field `name` say value v (us; in ms for a name in _ms)? */
static int figure_matches(const char *name, const struct json_node *fig, uint32_t v)
{
	size_t l = strlen(name);
	if (l > 3 && strcmp(name + l - 3, "_ms") == 0) {
		char want[32];
		int n = snprintf(want, sizeof(want), "%.3f", v / 1000.0);
		return fig->type == JSON_NUMBER && (int)fig->len == n && memcmp(fig->str, want, fig->len) == 0;
	}
	return fig->is_uint && fig->u64 == v;
}

/* A latency object {"min":..,"p50":..,"p99":..,"max":..,"hist":{...}}: the histogram,
 * checked against the figures printed beside it (which must be a subset of those four). */
static int read_hist_field(struct mfield *f, const struct json_doc *d, const struct json_node *obj,
			   char *err, size_t errlen)
{
	char why[96];
	f->kind = MF_HIST;
	f->hist = malloc(sizeof(*f->hist));
	if (f->hist == NULL)
		return fail(err, errlen, "out of memory");
	if (merge_read_histogram(f->hist, d, json_get(d, obj, "hist"), why, sizeof(why)) < 0)
		return fail(err, errlen, "%s: %s", f->name, why);
	brief_of(&f->brief, f->hist);
	for (const struct json_node *m = json_first(d, obj); m; m = json_next(d, m)) {
		uint32_t v;
		if (strcmp(m->key, "hist") == 0)
			continue;
		else if (strcmp(m->key, "min") == 0)
			v = f->brief.min;
		else if (strcmp(m->key, "p50") == 0)
			v = f->brief.p50;
		else if (strcmp(m->key, "p99") == 0)
			v = f->brief.p99;
		else if (strcmp(m->key, "max") == 0)
			v = f->brief.max;
		else
			return fail(err, errlen, "%s: unknown member \"%s\"", f->name, m->key);
		if (!figure_matches(f->name, m, v))
			return fail(err, errlen, "%s: %s is %.*s but its buckets give %" PRIu32, f->name,
				    m->key, (int)m->len, m->str, v);
	}
	return 0;
}

/* Counters by name: every member a whole number. */
static int read_map_field(struct mfield *f, const struct json_doc *d, const struct json_node *obj,
			  char *err, size_t errlen)
{
	f->kind = MF_MAP;
	f->map.item = calloc(obj->count ? obj->count : 1, sizeof(*f->map.item));
	if (f->map.item == NULL)
		return fail(err, errlen, "out of memory");
	for (const struct json_node *m = json_first(d, obj); m; m = json_next(d, m)) {
		if (!m->is_uint)
			return fail(err, errlen, "%s: \"%s\" is not a count", f->name, m->key);
		if (strlen(m->key) >= MERGE_NAME_MAX)
			return fail(err, errlen, "%s: name too long: \"%.40s...\"", f->name, m->key);
		struct mmap_item *it = &f->map.item[f->map.n++];
		snprintf(it->name, sizeof(it->name), "%s", m->key);
		merge_scrub(it->name);
		it->v = m->u64;
	}
	return 0;
}

static int read_field(struct mfield *f, const struct json_doc *d, const struct json_node *m,
		      char *err, size_t errlen)
{
	switch (m->type) {
	case JSON_NULL: f->kind = MF_NULL; return 0;
	case JSON_TRUE:
	case JSON_FALSE: f->kind = MF_BOOL; f->b = m->type == JSON_TRUE; return 0;
	case JSON_NUMBER:
		if (m->is_uint) {
			f->kind = MF_UINT;
			f->u = m->u64;
		} else {
			f->kind = MF_REAL;
			f->r = m->num;
			f->decimals = m->decimals;
		}
		return 0;
	case JSON_STRING:
		f->kind = MF_STRING;
		f->s = strdup(m->str);
		return f->s ? (merge_scrub(f->s), 0) : fail(err, errlen, "out of memory");
	case JSON_OBJECT:
		if (json_get(d, m, "hist"))
			return read_hist_field(f, d, m, err, errlen);
		return read_map_field(f, d, m, err, errlen);
	case JSON_ARRAY: break;
	}
	return fail(err, errlen, "%s: an array is no field of a twtest record", f->name);
}

int mrecord_read(struct mrecord *r, const struct json_doc *d, const struct json_node *obj,
		 char *err, size_t errlen)
{
	for (const struct json_node *m = json_first(d, obj); m; m = json_next(d, m)) {
		if (rule_of(m->key) == RULE_IDENTITY)
			continue;
		if (strlen(m->key) >= MERGE_NAME_MAX)
			return fail(err, errlen, "field name too long: \"%.40s...\"", m->key);
		struct mfield *f = field_new(r, m->key);
		if (f == NULL)
			return fail(err, errlen, "out of memory");
		if (read_field(f, d, m, err, errlen) < 0)
			return -1;
	}
	return 0;
}

static const char *kind_name(enum mfield_kind k)
{
	static const char *const names[] = {"null", "a boolean", "a number", "a number", "a string",
					    "a counter object", "a histogram"};
	return names[k];
}

/* Copy src's value into the empty (null) field dst. */
static int field_copy(struct mfield *dst, const struct mfield *src)
{
	char name[MERGE_NAME_MAX];
	memcpy(name, dst->name, sizeof(name));
	*dst = *src;
	memcpy(dst->name, name, sizeof(name));
	dst->s = NULL;
	dst->map = (struct mmap){0};
	dst->hist = NULL;
	if (src->kind == MF_STRING && (dst->s = strdup(src->s)) == NULL)
		return -1;
	if (src->kind == MF_MAP) {
		dst->map.item = malloc((src->map.n ? src->map.n : 1) * sizeof(*dst->map.item));
		if (dst->map.item == NULL)
			return -1;
		memcpy(dst->map.item, src->map.item, src->map.n * sizeof(*dst->map.item));
		dst->map.n = src->map.n;
	}
	if (src->kind == MF_HIST) {
		if ((dst->hist = malloc(sizeof(*dst->hist))) == NULL)
			return -1;
		if (src->hist)
			memcpy(dst->hist, src->hist, sizeof(*dst->hist));
		else
			hist_reset(dst->hist);
	}
	return 0;
}

static int map_add(struct mmap *sum, const struct mmap *m)
{
	for (size_t i = 0; i < m->n; i++) {
		size_t j = 0;
		while (j < sum->n && strcmp(sum->item[j].name, m->item[i].name) != 0)
			j++;
		if (j == sum->n) {
			struct mmap_item *p = realloc(sum->item, (sum->n + 1) * sizeof(*p));
			if (p == NULL)
				return -1;
			sum->item = p;
			sum->item[sum->n++] = (struct mmap_item){.v = 0};
			memcpy(sum->item[j].name, m->item[i].name, MERGE_NAME_MAX);
		}
		sum->item[j].v += m->item[i].v;
	}
	return 0;
}

static double number_of(const struct mfield *f)
{
	return f->kind == MF_UINT ? (double)f->u : f->r;
}

/* Numbers by the rule: whole numbers stay whole while only whole numbers meet. */
static void number_add(struct mfield *s, const struct mfield *f, enum mrule rule)
{
	if (s->kind == MF_UINT && f->kind == MF_UINT) {
		if (rule == RULE_MAX)
			s->u = f->u > s->u ? f->u : s->u;
		else if (rule == RULE_MIN)
			s->u = f->u < s->u ? f->u : s->u;
		else
			s->u += f->u;
		return;
	}
	double a = number_of(s), b = number_of(f);
	s->r = rule == RULE_MAX ? (b > a ? b : a) : rule == RULE_MIN ? (b < a ? b : a) : a + b;
	if (f->kind == MF_REAL && f->decimals > s->decimals)
		s->decimals = f->decimals;
	s->kind = MF_REAL;
}

static int field_add(struct mfield *s, const struct mfield *f, char *err, size_t errlen)
{
	enum mrule rule = rule_of(s->name);
	if (f->kind == MF_NULL) {
		if (rule == RULE_SUM_NULL && s->kind != MF_NULL) {
			free(s->s);
			s->kind = MF_NULL;
		}
		return 0;
	}
	if (s->kind == MF_NULL)
		return field_copy(s, f) < 0 ? fail(err, errlen, "out of memory") : 0;
	int numbers = (s->kind == MF_UINT || s->kind == MF_REAL) && (f->kind == MF_UINT || f->kind == MF_REAL);
	if (!numbers && s->kind != f->kind)
		return fail(err, errlen, "%s is %s here but %s in another shard", s->name,
			    kind_name(f->kind), kind_name(s->kind));
	switch (f->kind) {
	case MF_UINT:
	case MF_REAL: number_add(s, f, rule); return 0;
	case MF_BOOL: s->b |= f->b; return 0;
	case MF_STRING:
		if (strcmp(s->s, f->s) != 0)
			return fail(err, errlen, "%s is \"%s\" here but \"%s\" in another shard", s->name,
				    f->s, s->s);
		return 0;
	case MF_MAP: return map_add(&s->map, &f->map) < 0 ? fail(err, errlen, "out of memory") : 0;
	case MF_HIST:
		if (f->hist)
			hist_merge(s->hist, f->hist);
		return 0;
	case MF_NULL: break;
	}
	return 0;
}

int mrecord_add(struct mrecord *sum, const struct mrecord *r, char *err, size_t errlen)
{
	for (size_t i = 0; i < r->n; i++) {
		struct mfield *s = (struct mfield *)mrecord_get(sum, r->f[i].name);
		if (s == NULL && (s = field_new(sum, r->f[i].name)) == NULL)
			return fail(err, errlen, "out of memory");
		if (field_add(s, &r->f[i], err, errlen) < 0)
			return -1;
	}
	sum->hosts++;
	return 0;
}

void mrecord_finish(struct mrecord *sum)
{
	const struct mfield *finished = mrecord_get(sum, "finished"), *time = mrecord_get(sum, "time_s");
	for (size_t i = 0; i < sum->n; i++) {
		struct mfield *f = &sum->f[i];
		if (f->kind == MF_HIST && f->hist)
			brief_of(&f->brief, f->hist);
		if (rule_of(f->name) == RULE_RATE && finished && time && f->kind != MF_NULL) {
			/* The hosts ran side by side: all they finished over the longest time. */
			double t = number_of(time);
			double rate = t > 0 ? number_of(finished) / t : 0;
			if (f->kind == MF_UINT)
				f->u = (uint64_t)(rate + 0.5);
			else
				f->r = rate;
		}
	}
}

void mrecord_compact(struct mrecord *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->f[i].hist);
		r->f[i].hist = NULL;
	}
}

void mrecord_free(struct mrecord *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->f[i].s);
		free(r->f[i].map.item);
		free(r->f[i].hist);
	}
	free(r->f);
	r->f = NULL;
	r->n = 0;
}

int merge_per_host_member(const char *key)
{
	static const char *const per_host[] = {"type", "host", "shard", "start_s", "dst_addr",
					       "sysctl", "model", "shard_conns", NULL};
	for (int i = 0; per_host[i]; i++)
		if (strcmp(per_host[i], key) == 0)
			return 1;
	return 0;
}
