/* The exporter's sample cache (include/ports/ports_exporter.h): a /metrics body is built
 * from a fresh sample at most once per --interval, whatever the number of scrapers, and
 * shared by reference with every connection that sends it. The rate's window is the time
 * since the previous sample, so that each TIME_WAIT born between two scrapes is counted once. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/conntrack.h"
#include "lib/sockdiag.h"
#include "ports/ports_exporter.h"

#define WINDOW_MAX_MS 60000u /* a TIME_WAIT's life: no older socket is left to count */

struct scrape_body *scrape_body_ref(struct scrape_body *b)
{
	b->refs++;
	return b;
}

void scrape_body_unref(struct scrape_body *b)
{
	if (b && --b->refs == 0)
		free(b);
}

int scrape_cache_init(struct scrape_cache *c, const struct ports_opts *o)
{
	memset(c, 0, sizeof(*c));
	c->opts = o;
	c->up = -1;
	c->cfg = calloc(1, sizeof(*c->cfg));
	if (c->cfg == NULL)
		return ENOMEM;
	c->cfg->dst_family = o->dst_family;
	memcpy(c->cfg->dst, o->dst, sizeof(c->cfg->dst));
	c->cfg->dport = o->dport;
	c->nat_up = -1;
	if (o->nat) {
		c->ncfg = calloc(1, sizeof(*c->ncfg));
		if (c->ncfg == NULL)
			return ENOMEM;
		c->ncfg->pool_lo = o->nat_lo; /* --nat-ports, or its row's default */
		c->ncfg->pool_hi = o->nat_hi;
		c->ncfg->pool_given = o->nat_ports_given;
		c->ncfg->dst_family = o->dst_family;
		memcpy(c->ncfg->dst, o->dst, sizeof(c->ncfg->dst));
		c->ncfg->dport = o->dport;
	}
	return 0;
}

void scrape_cache_free(struct scrape_cache *c)
{
	scrape_body_unref(c->body);
	if (c->have_nprev)
		nat_free(&c->nprev);
	free(c->cfg);
	free(c->ncfg);
	c->body = NULL;
	c->cfg = NULL;
	c->ncfg = NULL;
}

/* The exporter's own families: whether the kernel could be read, and the sample's cost. */
static void self_families(FILE *out, const struct scrape_cache *c, int up, double took_s)
{
	fputs("# HELP twtest_ports_up 1 when the last sample read the kernel's socket table and port range, 0 when it could not.\n"
	      "# TYPE twtest_ports_up gauge\n", out);
	fprintf(out, "twtest_ports_up %d\n", up);
	fputs("# HELP twtest_ports_sample_duration_seconds How long the last sample took.\n"
	      "# TYPE twtest_ports_sample_duration_seconds gauge\n", out);
	fprintf(out, "twtest_ports_sample_duration_seconds %.6f\n", took_s);
	fputs("# HELP twtest_ports_rate_window_seconds The window of new_time_wait_per_second: the time since the previous sample (at least --interval).\n"
	      "# TYPE twtest_ports_rate_window_seconds gauge\n", out);
	fprintf(out, "twtest_ports_rate_window_seconds %.3f\n", c->cfg->window_ms / 1000.0);
	fputs("# HELP twtest_ports_samples_total Samples taken since the exporter started.\n"
	      "# TYPE twtest_ports_samples_total counter\n", out);
	fprintf(out, "twtest_ports_samples_total %llu\n", (unsigned long long)c->samples);
	fputs("# HELP twtest_ports_sample_failures_total Samples that could not read the kernel.\n"
	      "# TYPE twtest_ports_sample_failures_total counter\n", out);
	fprintf(out, "twtest_ports_sample_failures_total %llu\n", (unsigned long long)c->failures);
}

/* One sample into out as Prometheus text. Returns 1 when the kernel was read, 0 when not
 * (err then says why). */
static int sample_into(FILE *out, struct scrape_cache *c, char *err, size_t errlen)
{
	if (ports_read_config(c->cfg, err, errlen) < 0)
		return 0;
	struct ports_model m;
	int rc = ports_sample(c->cfg, &m);
	if (rc < 0) {
		snprintf(err, errlen, "cannot read the kernel's socket table (sock_diag): %s",
			 sockdiag_strerror(rc));
		ports_free(&m);
		return 0;
	}
	struct ports_host h;
	ports_read_host(&h);
	struct ports_opts o = *c->opts;
	o.format = PORTS_PROM;
	ports_report(out, &o, &m, &h);
	ports_free(&m);
	return 1;
}

/* --nat: one conntrack sample into out (its families, then twtest_nat_up), its rates
 * against the previous one. */
static void nat_into(FILE *out, struct scrape_cache *c, uint64_t now_ns)
{
	struct nat_host h;
	memset(&h, 0, sizeof(h));
	c->ncfg->window_s = c->cfg->window_ms >= 1000 ? c->cfg->window_ms / 1000 : 1;
	nat_read_config(c->ncfg, h.kernel, sizeof(h.kernel));
	struct nat_model m;
	int rc = nat_sample(c->ncfg, &m, &h);
	int up = rc == 0;
	if (!up) {
		nat_free(&m);
		if (c->nat_up != 0) /* said once when it starts failing */
			fprintf(stderr, "twtest ports: cannot read the conntrack table: %s "
				"(twtest_nat_up is 0 until it can)\n", ct_strerror(rc));
	} else {
		double dt = c->have_nprev ? (double)(now_ns - c->nprev_ns) / 1e9 : 0;
		if (c->have_nprev && dt > 0) {
			h.have_prev = 1;
			h.insert_failed_per_s = (double)(h.st.insert_failed - c->nprev_h.st.insert_failed) / dt;
			h.drop_per_s = (double)(h.st.drop - c->nprev_h.st.drop) / dt;
		}
		nat_finish(&m, c->have_nprev ? &c->nprev : NULL, dt);
		char *text;
		size_t len;
		if (nat_prom_text(&m, &h, c->opts->top, &text, &len) == 0) {
			fwrite(text, 1, len, out);
			free(text);
		}
		if (c->have_nprev)
			nat_free(&c->nprev);
		c->nprev = m;
		c->nprev_h = h;
		c->nprev_ns = now_ns;
		c->have_nprev = 1;
	}
	c->nat_up = up;
	fputs("# HELP twtest_nat_up 1 when the last sample read the conntrack table (ctnetlink), 0 when it could not.\n"
	      "# TYPE twtest_nat_up gauge\n", out);
	fprintf(out, "twtest_nat_up %d\n", up);
}

/* A fresh body, or NULL when out of memory. */
static struct scrape_body *build(struct scrape_cache *c, uint64_t now_ns)
{
	char *text = NULL, err[160] = "";
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	if (out == NULL)
		return NULL;
	uint64_t since_ms = c->samples ? (now_ns - c->sampled_ns) / 1000000 : 0;
	uint32_t window = c->opts->interval_ms;
	if (since_ms > window)
		window = since_ms < WINDOW_MAX_MS ? (uint32_t)since_ms : WINDOW_MAX_MS;
	c->cfg->window_ms = window;
	int up = sample_into(out, c, err, sizeof(err));
	c->samples++;
	if (!up) {
		c->failures++;
		/* said once when it starts failing, not at every scrape */
		if (c->up != 0)
			fprintf(stderr, "twtest ports: %s (twtest_ports_up is 0 until it can)\n", err);
	}
	c->up = up;
	if (c->ncfg)
		nat_into(out, c, now_ns);
	self_families(out, c, up, (double)(clock_now_ns() - now_ns) / 1e9);
	int bad = ferror(out);
	if (fclose(out) != 0 || bad) {
		free(text);
		return NULL;
	}
	struct scrape_body *b = malloc(sizeof(*b) + len + 1);
	if (b != NULL) {
		b->refs = 1;
		b->len = len;
		memcpy(b->text, text, len + 1);
	}
	free(text);
	return b;
}

struct scrape_body *scrape_get(struct scrape_cache *c, uint64_t now_ns)
{
	if (c->body == NULL || now_ns - c->sampled_ns >= (uint64_t)c->opts->interval_ms * 1000000) {
		struct scrape_body *b = build(c, now_ns);
		if (b == NULL)
			return NULL;
		scrape_body_unref(c->body);
		c->body = b;
		c->sampled_ns = now_ns;
	}
	return scrape_body_ref(c->body);
}
