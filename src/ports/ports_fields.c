/* The fields both ports reports share (include/ports/ports_fields.h). */
#include "ports/ports_fields.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>

const char *ports_addr_str(uint8_t family, const uint8_t *a, char *buf, size_t len)
{
	if (inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

size_t ports_shown(uint32_t top, size_t ngroups)
{
	return top && top < ngroups ? top : ngroups;
}

void ports_add_sample_lead(struct record *r, const char *type, uint64_t time_ms)
{
	rec_init(r, NULL);
	rec_string(r, "type", NULL, type);
	rec_uint(r, "time_ms", NULL, time_ms);
}

void ports_add_groups(struct record *r, size_t ngroups, size_t shown, rec_row_fn row,
		      const void *model, const char *prom, const char *help)
{
	ports_prom(rec_uint(r, "groups_total", NULL, ngroups), prom, help);
	rec_list(r, "groups", row, model, shown);
}

struct rec_field *ports_add_src(struct record *r, uint8_t family, const uint8_t *src,
				const char *label)
{
	char a[INET6_ADDRSTRLEN];
	return rec_string(r, "src", label, rec_keep(r, "%s", ports_addr_str(family, src, a, sizeof(a))));
}

void ports_add_where(struct record *r, uint8_t family, const uint8_t *src, const uint8_t *dst,
		     uint16_t dport, const char *src_label)
{
	char a[INET6_ADDRSTRLEN];
	struct rec_field *f = ports_add_src(r, family, src, src_label);
	f->flags = REC_LABEL | REC_LEFT | REC_FIT;
	f = rec_string(r, "dst", "DST", rec_keep(r, "%s", ports_addr_str(family, dst, a, sizeof(a))));
	f->flags = REC_LABEL | REC_LEFT | REC_FIT;
	f = rec_uint(r, "dport", "DPORT", dport);
	f->flags = REC_LABEL;
	f->width = 5;
}

struct rec_field *ports_prom(struct rec_field *f, const char *name, const char *help)
{
	f->prom = name;
	f->help = help;
	return f;
}

void ports_add_use(struct record *r, uint32_t in_use, uint32_t free, double used_pct,
		   const char *const prom[3][2])
{
	struct rec_field *used = rec_float(r, "used_pct", "USED%", used_pct, 2);
	used->in = REC_TEXT;
	used->text_decimals = 1;
	used->width = 5;
	ports_prom(ports_column(rec_uint(r, "in_use", "IN_USE", in_use), 6), prom[0][0], prom[0][1]);
	ports_prom(ports_column(rec_uint(r, "free", "FREE", free), 6), prom[1][0], prom[1][1]);
	ports_prom(rec_copy(r, used), prom[2][0], prom[2][1])->in = REC_JSON;
}

void ports_add_states_prom(struct record *r, rec_counts_fn each, const void *src, const char *name,
			   const char *help)
{
	struct rec_field *f = ports_prom(rec_counts(r, name, NULL, each, src, 0), name, help);
	f->prom_label = "state";
	f->in = 0;
}

void ports_write_table(FILE *out, rec_row_fn row, const void *model, size_t n, uint32_t top,
		       const char *none)
{
	if (n == 0) {
		fprintf(out, "%s\n", none);
		return;
	}
	size_t shown = ports_shown(top, n);
	rec_write_table(out, row, model, shown);
	if (shown < n)
		fprintf(out, "%zu groups; the %zu fullest shown (--top)\n", n, shown);
}

struct rec_field *ports_column(struct rec_field *f, int width)
{
	f->width = width;
	return f;
}

/* A schedule as counts by horizon: "1s" (JSON) or "1" (a Prometheus label). */
struct schedule {
	const uint32_t *horizons, *within;
	int n, unit;
};

static void each_horizon(const void *src, rec_count_fn fn, void *ctx)
{
	const struct schedule *s = src;
	char name[16];
	for (int w = 0; w < s->n; w++) {
		snprintf(name, sizeof(name), "%" PRIu32 "%s", s->horizons[w], s->unit ? "s" : "");
		fn(ctx, name, s->within[w], 1);
	}
}

static struct rec_field *schedule(struct record *r, const char *key, const uint32_t *horizons,
				  const uint32_t *within, int n, int unit)
{
	struct schedule s = {horizons, within, n, unit};
	const struct schedule *kept = rec_keep_mem(r, &s, sizeof(s));
	struct rec_field *f = rec_counts(r, key, NULL, each_horizon, kept, 0);
	return rec_when(f, kept != NULL);
}

void ports_add_schedule_prom(struct record *r, const uint32_t *horizons, const uint32_t *within,
			     int n, const char *name, const char *help)
{
	struct rec_field *f = ports_prom(schedule(r, name, horizons, within, n, 0), name, help);
	f->prom_label = "seconds";
	f->in = 0;
}

void ports_add_schedule(struct record *r, const uint32_t *horizons, const uint32_t *within, int n,
			const char *label, int width)
{
	char buf[64];
	size_t len = 0;
	buf[0] = '\0';
	for (int w = 0; w < n && len < sizeof(buf); w++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%" PRIu32, w ? "/" : "", within[w]);
	struct rec_field *f = rec_string(r, "free_in", label, rec_keep(r, "%s", buf));
	f->in = REC_TEXT;
	f->flags = REC_LEFT;
	f->width = width;
	schedule(r, "free_within", horizons, within, n, 1)->in = REC_JSON;
}

struct rec_field *ports_add_full_in(struct record *r, double full_in_s)
{
	struct rec_field *f = rec_float(r, "full_in_s", "FULL_IN", full_in_s, 1);
	if (full_in_s < 0) {
		f->flags = REC_JSON_NULL;
		f->text_s = "never";
	} else if (full_in_s == 0)
		f->text_s = "now";
	else
		f->text_s = rec_keep(r, "%.1fs", full_in_s);
	f->flags |= REC_LEFT;
	f->width = 7;
	return f;
}

void ports_add_verdict(struct record *r, const char *key, const char *label, const char *verdict,
		       const char *why)
{
	rec_string(r, key, label, verdict)->note = rec_keep(r, ": %s", why);
	rec_string(r, rec_keep(r, "%s_why", key), NULL, why)->in = REC_JSON;
}
