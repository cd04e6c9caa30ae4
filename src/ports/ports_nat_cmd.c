/* The run of `ports --nat`: the conntrack sysctls and the kernel's release into the
 * configuration, one sample (the SNAT dump and the statistics), the watch loop with rates
 * since the previous sample, and --fail-above's exit status. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "lib/signals.h"
#include "lib/sysctl.h"
#include "lib/twtest.h"
#include "ports/ports_cmd.h"
#include "ports/ports_nat.h"

int nat_release_at_least(const char *release, int major, int minor)
{
	int a = 0, b = 0;
	if (sscanf(release, "%d.%d", &a, &b) != 2)
		return 0;
	return a > major || (a == major && b >= minor);
}

static long ct_timeout(const char *name)
{
	char path[128];
	snprintf(path, sizeof(path), "/proc/sys/net/netfilter/nf_conntrack_tcp_timeout_%s", name);
	long v = sysctl_read_long(path);
	return v >= 0 ? v : -1;
}

void nat_read_config(struct nat_config *cfg, char *kernel, size_t klen)
{
	struct nat_holds *h = &cfg->hold;
	h->syn_sent = ct_timeout("syn_sent");
	h->syn_recv = ct_timeout("syn_recv");
	h->established = ct_timeout("established");
	h->fin_wait = ct_timeout("fin_wait");
	h->close_wait = ct_timeout("close_wait");
	h->last_ack = ct_timeout("last_ack");
	h->time_wait = ct_timeout("time_wait");
	h->close = ct_timeout("close");
	struct utsname u;
	if (uname(&u) != 0)
		snprintf(u.release, sizeof(u.release), "?");
	snprintf(kernel, klen, "%s", u.release);
	cfg->evicts = nat_release_at_least(u.release, 6, 5);
}

static uint64_t now_ms(int clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int nat_sample(const struct nat_config *cfg, struct nat_model *m, struct nat_host *h)
{
	if (nat_init(m, cfg) != 0)
		return -ENOMEM;
	/* statistics first: a host without conntrack's netlink says so before any dump */
	int rc = ct_read_stats(&h->st);
	if (rc == 0)
		rc = ct_dump_snat(nat_add, m);
	if (rc == 0 && m->oom)
		rc = -ENOMEM;
	h->time_ms = now_ms(CLOCK_REALTIME);
	return rc;
}

int ports_nat_run(const struct ports_opts *o, FILE *out)
{
	signals_install();
	struct nat_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.pool_lo = o->nat_lo; /* --nat-ports, or its row's default */
	cfg.pool_hi = o->nat_hi;
	cfg.pool_given = o->nat_ports_given;
	cfg.window_s = o->interval_ms >= 1000 ? o->interval_ms / 1000 : 1;
	cfg.dst_family = o->dst_family;
	memcpy(cfg.dst, o->dst, sizeof(cfg.dst));
	cfg.dport = o->dport;
	struct nat_model prev = {0};
	struct nat_host prev_h;
	uint64_t prev_t = 0;
	int have_prev = 0, status = EXIT_RAN;
	for (int n = 0;; n++) {
		struct nat_host h;
		memset(&h, 0, sizeof(h));
		nat_read_config(&cfg, h.kernel, sizeof(h.kernel));
		struct nat_model m;
		int rc = nat_sample(&cfg, &m, &h);
		uint64_t t = now_ms(CLOCK_MONOTONIC);
		if (rc < 0) {
			fprintf(stderr, "twtest ports --nat: cannot read the conntrack table: %s\n",
				ct_strerror(rc));
			nat_free(&m);
			status = EXIT_SETUP;
			break;
		}
		double dt = have_prev ? (double)(t - prev_t) / 1000.0 : 0;
		if (have_prev && dt > 0) {
			h.have_prev = 1;
			h.insert_failed_per_s = (double)(h.st.insert_failed - prev_h.st.insert_failed) / dt;
			h.drop_per_s = (double)(h.st.drop - prev_h.st.drop) / dt;
		}
		nat_finish(&m, have_prev ? &prev : NULL, dt);
		if (n > 0 && o->format == PORTS_TEXT)
			fputc('\n', out);
		ports_nat_report(out, o, &m, &h);
		fflush(out);
		int above = o->fail_above >= 0 && nat_max_used(&m) > o->fail_above;
		nat_free(&prev);
		prev = m;
		prev_h = h;
		prev_t = t;
		have_prev = 1;
		if (above) {
			status = EXIT_FAILURES;
			break;
		}
		if (o->watch_ms == 0 || signals_sleep_ms(o->watch_ms))
			break;
	}
	nat_free(&prev);
	return status;
}
