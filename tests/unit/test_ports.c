/* Unit tests of `twtest ports`: the sock_diag reply parser (sockdiag.c), the model
 * (ports.c), the host readers' parsers (ports_host.c), the command line (ports_cli.c)
 * and the JSON and Prometheus output (ports_report.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>

#include "ports/ports_cmd.h"
#include "unit.h"

/* A buffer of netlink messages built by the tests. */
struct nlbuf {
	unsigned char b[4096];
	size_t len;
};

/* Append a SOCK_DIAG_BY_FAMILY message; tcpi_options >= 0 adds an INET_DIAG_INFO attribute. */
static void put_sock(struct nlbuf *nb, int state, const char *src, uint16_t sport,
		     const char *dst, uint16_t dport, uint32_t expires, int tcpi_options)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(nb->b + nb->len);
	struct inet_diag_msg *m = NLMSG_DATA(h);
	memset(h, 0, NLMSG_SPACE(sizeof(*m)) + NLA_HDRLEN + sizeof(struct tcp_info));
	m->idiag_family = AF_INET;
	m->idiag_state = (uint8_t)state;
	m->id.idiag_sport = htons(sport);
	m->id.idiag_dport = htons(dport);
	inet_pton(AF_INET, src, m->id.idiag_src);
	inet_pton(AF_INET, dst, m->id.idiag_dst);
	m->idiag_expires = expires;
	h->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	h->nlmsg_len = NLMSG_LENGTH(sizeof(*m));
	if (tcpi_options >= 0) {
		struct nlattr *a = (struct nlattr *)((unsigned char *)m + NLMSG_ALIGN(sizeof(*m)));
		a->nla_type = INET_DIAG_INFO;
		a->nla_len = NLA_HDRLEN + sizeof(struct tcp_info);
		struct tcp_info *ti = (struct tcp_info *)((unsigned char *)a + NLA_HDRLEN);
		ti->tcpi_options = (uint8_t)tcpi_options;
		h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + a->nla_len;
	}
	nb->len += NLMSG_ALIGN(h->nlmsg_len);
}

static void put_done(struct nlbuf *nb, int type, int error)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(nb->b + nb->len);
	memset(h, 0, NLMSG_SPACE(sizeof(struct nlmsgerr)));
	h->nlmsg_type = (uint16_t)type;
	h->nlmsg_len = NLMSG_LENGTH(type == NLMSG_ERROR ? sizeof(struct nlmsgerr) : sizeof(int));
	if (type == NLMSG_ERROR)
		((struct nlmsgerr *)NLMSG_DATA(h))->error = error;
	else
		memcpy(NLMSG_DATA(h), &error, sizeof(error));
	nb->len += NLMSG_ALIGN(h->nlmsg_len);
}

struct seen {
	struct sockdiag_sock s[8];
	int n;
};

static void keep(const struct sockdiag_sock *s, void *arg)
{
	struct seen *v = arg;
	if (v->n < 8)
		v->s[v->n] = *s;
	v->n++;
}

/* Rule: the parser hands over every socket message with host-order ports, addresses,
 * the timer, and timestamps from TCP_INFO (-1 without it); request sockets read as
 * SYN_RECV; the older TCPDIAG_GETSOCK replies read the same; NLMSG_DONE ends the dump, a
 * buffer without it asks for more. */
TEST(sockdiag_parse_messages)
{
	struct nlbuf nb = {.len = 0};
	put_sock(&nb, TCPS_TIME_WAIT, "10.0.0.1", 40001, "10.0.0.2", 80, 59000, -1);
	put_sock(&nb, TCPS_ESTABLISHED, "10.0.0.1", 40002, "10.0.0.2", 80, 0, TCPI_OPT_TIMESTAMPS);
	put_sock(&nb, TCPS_ESTABLISHED, "10.0.0.1", 40003, "10.0.0.2", 80, 0, 0);
	put_sock(&nb, 12, "10.0.0.2", 80, "10.0.0.1", 40004, 0, -1);
	((struct nlmsghdr *)nb.b)->nlmsg_type = TCPDIAG_GETSOCK;
	struct seen v = {.n = 0};
	CHECK(sockdiag_parse(nb.b, nb.len, keep, &v) == SOCKDIAG_MORE);
	CHECK(v.n == 4);
	CHECK(v.s[0].state == TCPS_TIME_WAIT && v.s[0].sport == 40001 && v.s[0].dport == 80);
	CHECK(v.s[0].expires_ms == 59000 && v.s[0].timestamps == -1 && v.s[0].family == AF_INET);
	CHECK(v.s[0].src[0] == 10 && v.s[0].src[3] == 1 && v.s[0].dst[3] == 2 && v.s[0].src[4] == 0);
	CHECK(v.s[1].timestamps == 1 && v.s[2].timestamps == 0);
	CHECK(v.s[3].state == TCPS_SYN_RECV);
	put_done(&nb, NLMSG_DONE, 0);
	v.n = 0;
	CHECK(sockdiag_parse(nb.b, nb.len, keep, &v) == SOCKDIAG_DONE && v.n == 4);
}

/* Rule: a kernel error comes back as its errno, NLMSG_DONE's too (a dump that failed on
 * the way is not a whole table); a message longer than the buffer, a state out of range or a
 * short TCP_INFO never reach the callback or read past the buffer. */
TEST(sockdiag_parse_errors)
{
	struct nlbuf nb = {.len = 0};
	put_done(&nb, NLMSG_ERROR, -EPERM);
	struct seen v = {.n = 0};
	CHECK(sockdiag_parse(nb.b, nb.len, keep, &v) == -EPERM);
	nb.len = 0;
	put_sock(&nb, TCPS_TIME_WAIT, "10.0.0.1", 40001, "10.0.0.2", 80, 0, -1);
	put_done(&nb, NLMSG_DONE, -EMSGSIZE);
	CHECK(sockdiag_parse(nb.b, nb.len, keep, &v) == -EMSGSIZE && v.n == 1);
	nb.len = 0;
	v.n = 0;
	put_sock(&nb, TCPS_TIME_WAIT, "10.0.0.1", 40001, "10.0.0.2", 80, 0, -1);
	CHECK(sockdiag_parse(nb.b, nb.len - 4, keep, &v) == -EPROTO && v.n == 0);
	CHECK(sockdiag_parse(nb.b, 10, keep, &v) == SOCKDIAG_MORE && v.n == 0); /* header cut */
	nb.len = 0;
	put_sock(&nb, 13, "10.0.0.1", 40001, "10.0.0.2", 80, 0, -1);
	CHECK(sockdiag_parse(nb.b, nb.len, keep, &v) == SOCKDIAG_MORE && v.n == 0);
	nb.len = 0;
	put_sock(&nb, TCPS_ESTABLISHED, "10.0.0.1", 40001, "10.0.0.2", 80, 0, 1);
	struct nlmsghdr *h = (struct nlmsghdr *)nb.b;
	struct nlattr *a = (struct nlattr *)((unsigned char *)NLMSG_DATA(h) +
					     NLMSG_ALIGN(sizeof(struct inet_diag_msg)));
	a->nla_len = NLA_HDRLEN + 4; /* too short for tcpi_options */
	CHECK(sockdiag_parse(nb.b, nb.len, keep, &v) == SOCKDIAG_MORE && v.n == 1);
	CHECK(v.s[0].timestamps == -1);
}

static struct sockdiag_sock sock4(int state, const char *src, uint16_t sport, const char *dst,
				  uint16_t dport, uint32_t expires)
{
	struct sockdiag_sock s;
	memset(&s, 0, sizeof(s));
	s.family = AF_INET;
	s.state = (uint8_t)state;
	inet_pton(AF_INET, src, s.src);
	inet_pton(AF_INET, dst, s.dst);
	s.sport = sport;
	s.dport = dport;
	s.expires_ms = expires;
	s.timestamps = -1;
	return s;
}

/* range 1000-1099 less 1090-1099: 90 ports; reuse off; a 1 s rate window */
static struct ports_config *test_config(void)
{
	static struct ports_config c;
	memset(&c, 0, sizeof(c));
	c.port_lo = 1000;
	c.port_hi = 1099;
	tw_parse_reserved("1090-1099", c.reserved);
	c.tw_reuse = 0;
	c.tw_reuse_delay_ms = 1000;
	c.timestamps = 1;
	c.window_ms = 1000;
	return &c;
}

/* Feed the model 30 TIME_WAIT toward 10.0.0.2:80 (timers 0.5, 5, 20, 59.5 s), 3 ESTABLISHED
 * toward 10.0.0.3:80, a listener and a bound-only port (twice) in the range, and sockets
 * the model must leave out. */
static void feed(struct ports_model *m)
{
	static const uint32_t timers[4] = {500, 5000, 20000, 59500};
	static const int counts[4] = {5, 10, 5, 10};
	uint16_t port = 1000;
	struct sockdiag_sock s = sock4(TCPS_LISTEN, "0.0.0.0", 1050, "0.0.0.0", 0, 0);
	ports_add(&s, m);
	for (int i = 0; i < 4; i++)
		for (int k = 0; k < counts[i]; k++) {
			s = sock4(TCPS_TIME_WAIT, "10.0.0.1", port++, "10.0.0.2", 80, timers[i]);
			ports_add(&s, m);
		}
	for (int k = 0; k < 3; k++) {
		s = sock4(TCPS_ESTABLISHED, "10.0.0.1", port++, "10.0.0.3", 80, 0);
		s.timestamps = 1;
		ports_add(&s, m);
	}
	for (int k = 0; k < 2; k++) { /* SO_REUSEADDR: two sockets, one port */
		s = sock4(TCPS_CLOSE, "10.0.0.9", 1001, "0.0.0.0", 0, 0);
		ports_add(&s, m);
	}
	s = sock4(TCPS_ESTABLISHED, "10.0.0.1", 1050, "10.0.0.7", 5555, 0); /* accepted */
	ports_add(&s, m);
	s = sock4(TCPS_TIME_WAIT, "10.0.0.1", 1095, "10.0.0.2", 80, 100); /* reserved port */
	ports_add(&s, m);
	s = sock4(TCPS_TIME_WAIT, "10.0.0.1", 2000, "10.0.0.2", 80, 100); /* outside the range */
	ports_add(&s, m);
}

/* Rule: groups count their sockets by state; the range leaves out reserved ports; bound
 * ports count once each and in every group; accepted, reserved-port and out-of-range
 * sockets are no group's; free, used_pct and the expiry schedule are exact. */
TEST(ports_model_groups)
{
	struct ports_model *m = malloc(sizeof(*m));
	CHECK(ports_init(m, test_config()) == 0);
	feed(m);
	ports_finish(m);
	CHECK(m->range == 90 && m->reserved_in_range == 10);
	CHECK(m->ngroups == 2 && m->bound_ports == 2 && m->nsources == 2);
	CHECK(m->sockets == 39 && m->time_wait == 32);
	const struct ports_group *g = &m->groups[0];
	CHECK(g->dst[3] == 2 && g->dport == 80 && g->n[TCPS_TIME_WAIT] == 30);
	CHECK(g->bound == 2 && g->in_use == 32 && g->free == 58);
	CHECK(g->used_pct > 35.555 && g->used_pct < 35.556);
	CHECK(g->free_within[0] == 5 && g->free_within[1] == 15 && g->free_within[2] == 20 &&
	      g->free_within[3] == 30);
	CHECK(g->new_tw == 10 && g->new_tw_per_s == 10.0);
	const struct ports_group *e = &m->groups[1];
	CHECK(e->dst[3] == 3 && e->n[TCPS_ESTABLISHED] == 3 && e->in_use == 5 && e->ts_yes == 3);
	CHECK_STR(e->ts_negotiated, "yes");
	CHECK(e->reuse == TW_NO);
	CHECK_STR(e->reuse_why, "tcp_tw_reuse=0: off");
	CHECK(ports_max_used(m) == g->used_pct);
	ports_free(m);
	free(m);
}

/* Rule: the forecast adds the rate and takes away the TIME_WAIT ports whose timer runs out:
 * 32 in use of 90 at 10/s with 5 freed at 0.5 s and 10 at 5 s reaches 90 at 7.3 s; with
 * reuse after 1 s, only the 10 sockets younger than 1 s (and the 2 bound) stay used, and
 * those are free again by 0.5 s: it never fills at 10/s, and at 100/s it fills when
 * 2 + 100 t reaches 90, at 0.88 s (0.9 s in the model's 0.1 s steps). */
TEST(ports_forecast_model)
{
	struct ports_model *m = malloc(sizeof(*m));
	CHECK(ports_init(m, test_config()) == 0);
	feed(m);
	ports_finish(m);
	const struct ports_group *g = &m->groups[0];
	double t = g->full_in_s;
	CHECK(t > 7.29 && t < 7.31);
	CHECK(ports_forecast(g, 90, 0, TW_TIME_WAIT_MS) == -1);
	CHECK(ports_forecast(g, 90, 10, 1000) == -1);
	t = ports_forecast(g, 90, 100, 1000);
	CHECK(t > 0.89 && t < 0.91);
	CHECK(ports_forecast(g, 32, 0, TW_TIME_WAIT_MS) == 0);
	ports_free(m);
	free(m);
}

/* Rule: --dst and --dport keep only the groups toward them; the totals still count all. */
TEST(ports_model_filters)
{
	struct ports_config *c = test_config();
	c->dport = 80;
	inet_pton(AF_INET, "10.0.0.3", c->dst);
	c->dst_family = AF_INET;
	struct ports_model *m = malloc(sizeof(*m));
	CHECK(ports_init(m, c) == 0);
	feed(m);
	ports_finish(m);
	CHECK(m->ngroups == 1 && m->groups[0].dst[3] == 3 && m->time_wait == 32);
	ports_free(m);
	free(m);
}

/* Rule: TIME_WAIT memory is active objects x object size of both tw_sock caches. */
TEST(ports_slabinfo)
{
	uint64_t objs, bytes;
	const char *text = "slabinfo - version: 2.1\n"
			   "tw_sock_TCPv6        224    224    256   16    1 : tunables 0 0 0\n"
			   "tw_sock_TCP         8583   8608    256   16    1 : tunables 0 0 0\n"
			   "tw_sock_TCPx          10     10   1000\n";
	CHECK(ports_parse_slabinfo(text, &objs, &bytes) == 0);
	CHECK(objs == 8807 && bytes == 8807u * 256);
	CHECK(ports_parse_slabinfo("kmalloc-64 1 1 64\n", &objs, &bytes) == -1);
}

static enum parse_result ports_args(struct ports_opts *o, char *err, ...)
{
	char *argv[16];
	va_list ap;
	va_start(ap, err);
	int argc = unit_argv(argv, 16, "ports", ap);
	va_end(ap);
	err[0] = '\0';
	return ports_parse_args(argc, argv, o, err, 256);
}

/* Rule: defaults are the top 10 groups, text, a 1 s window, one sample, no threshold. */
TEST(ports_options)
{
	struct ports_opts o;
	char err[256];
	CHECK(ports_args(&o, err, NULL) == PARSE_OK);
	CHECK(o.top == 10 && o.format == PORTS_TEXT && o.interval_ms == 1000 && o.watch_ms == 0 &&
	      o.fail_above == -1 && o.dport == 0 && o.dst_family == 0);
	CHECK(ports_args(&o, err, "--top", "0", "--dst", "::1", "--dport", "443", "--interval", "250",
			 "--watch", "5000", "--format", "prom", "--fail-above", "80", NULL) == PARSE_OK);
	CHECK(o.top == 0 && o.dst_family == AF_INET6 && o.dst[15] == 1 && o.dport == 443 &&
	      o.interval_ms == 250 && o.watch_ms == 5000 && o.format == PORTS_PROM && o.fail_above == 80);
}

/* Rule: each bad ports argument gets a one-line message naming it and its value. */
TEST(ports_bad_input)
{
	struct ports_opts o;
	char err[256];
	CHECK(ports_args(&o, err, "--fail-above", "101", NULL) == PARSE_ERROR);
	CHECK_STR(err, "invalid --fail-above '101': too large (0-100)");
	CHECK(ports_args(&o, err, "--format", "csv", NULL) == PARSE_ERROR);
	CHECK_STR(err, "invalid --format 'csv': must be text, json or prom");
	CHECK(ports_args(&o, err, "--dst", "example.com", NULL) == PARSE_ERROR);
	CHECK(strncmp(err, "invalid --dst 'example.com': ", 29) == 0);
	CHECK(ports_args(&o, err, "--interval", "60001", NULL) == PARSE_ERROR);
	CHECK(ports_args(&o, err, "--top", "1", "--top", "2", NULL) == PARSE_ERROR);
	CHECK_STR(err, "option '--top' given more than once");
	CHECK(ports_args(&o, err, "-p", "80", NULL) == PARSE_ERROR);
	CHECK(ports_args(&o, err, "x", NULL) == PARSE_ERROR);
	CHECK_STR(err, "unexpected argument 'x'");
}

/* Render one sample of the fed model in fmt into buf, the config changed by tweak first. */
static void render_with(enum ports_format fmt, char *buf, size_t len,
			void (*tweak)(struct ports_config *c))
{
	struct ports_model *m = malloc(sizeof(*m));
	struct ports_config *c = test_config();
	if (tweak)
		tweak(c);
	ports_init(m, c);
	feed(m);
	ports_finish(m);
	struct ports_opts o;
	ports_defaults(&o);
	o.format = fmt;
	o.top = 1;
	struct ports_host h = {.max_tw_buckets = 100, .have_overflow = 1, .tw_overflow = 7};
	snprintf(h.unreadable, sizeof(h.unreadable), "/proc/slabinfo: Permission denied");
	FILE *f = fmemopen(buf, len, "w");
	ports_report(f, &o, m, &h);
	fclose(f);
	ports_free(m);
	free(m);
}

static void render(enum ports_format fmt, char *buf, size_t len)
{
	render_with(fmt, buf, len, NULL);
}

/* A kernel before 6.14 (no tcp_tw_reuse_delay) with tcp_tw_reuse=1. */
static void before_6_14(struct ports_config *c)
{
	c->tw_reuse = 1;
	c->tw_reuse_delay_ms = SYSCTL_ABSENT;
}

/* tcp_tw_reuse that could not be read. */
static void reuse_unreadable(struct ports_config *c)
{
	c->tw_reuse = SYSCTL_UNREADABLE;
}

/* Rule: before Linux 6.14 the reuse delay reads "the next whole second (0-1 s)" (JSON: the
 * sysctl null), never "1000 ms" or -1; an unreadable tcp_tw_reuse gives the verdict
 * "unknown" (no prom sample, the forecast holds ports for all of TIME_WAIT), never "no". */
TEST(ports_kernel_truth)
{
	static char buf[16384];
	render_with(PORTS_TEXT, buf, sizeof(buf), before_6_14);
	CHECK(strstr(buf, "tcp_tw_reuse=1 (on), reuse delay the next whole second (0-1 s);") != NULL);
	CHECK(strstr(buf, "1000 ms") == NULL);
	render_with(PORTS_JSON, buf, sizeof(buf), before_6_14);
	CHECK(strstr(buf, ",\"tcp_tw_reuse\":1,\"tcp_tw_reuse_delay_ms\":null,"
			  "\"reuse_delay\":\"the next whole second (0-1 s)\",\"tcp_timestamps\":1,") != NULL);
	render_with(PORTS_JSON, buf, sizeof(buf), reuse_unreadable);
	CHECK(strstr(buf, "\"tcp_tw_reuse\":null,") != NULL);
	CHECK(strstr(buf, "\"reuse\":\"unknown\",\"reuse_why\":\"tcp_tw_reuse could not be read\"") != NULL);
	CHECK(strstr(buf, "\"full_in_s\":7.3,") != NULL);
	render_with(PORTS_PROM, buf, sizeof(buf), reuse_unreadable);
	CHECK(strstr(buf, "# TYPE twtest_ports_reuse_possible gauge\n# HELP") != NULL);
}

/* Rule: a JSON group carries every documented key with the model's numbers; the sample
 * names what it could not read and counts all groups, not only those shown. */
TEST(ports_json_group)
{
	static char buf[8192];
	render(PORTS_JSON, buf, sizeof(buf));
	CHECK(strstr(buf, "\"groups\":[{\"src\":\"10.0.0.1\",\"dst\":\"10.0.0.2\",\"dport\":80,"
			  "\"range\":90,\"in_use\":32,\"free\":58,\"used_pct\":35.56,\"time_wait\":30,"
			  "\"established\":0,\"syn_sent\":0,\"fin_wait1\":0,\"fin_wait2\":0,"
			  "\"close_wait\":0,\"last_ack\":0,\"closing\":0,\"bound\":2,"
			  "\"free_within\":{\"1s\":5,\"10s\":15,\"30s\":20,\"60s\":30},"
			  "\"new_time_wait_per_s\":10.0,\"full_in_s\":7.3,\"timestamps_negotiated\":"
			  "\"unknown\",\"reuse\":\"no\",\"reuse_why\":\"tcp_tw_reuse=0: off\"}]}\n") != NULL);
	CHECK(strstr(buf, "\"groups_total\":2,") != NULL);
	CHECK(strstr(buf, "\"unreadable\":\"/proc/slabinfo: Permission denied\"") != NULL);
	CHECK(strstr(buf, "\"tcp_time_wait_overflow\":7,\"time_wait_memory_bytes\":null") != NULL);
	CHECK(buf[0] == '{' && strchr(buf, '\n') == buf + strlen(buf) - 1);
}

/* Rule: every Prometheus family has HELP and TYPE before its samples, and group samples
 * carry src, dst and dport labels. */
TEST(ports_prom_lines)
{
	static char buf[16384];
	render(PORTS_PROM, buf, sizeof(buf));
	CHECK(strstr(buf, "# HELP twtest_ports_in_use ") != NULL);
	CHECK(strstr(buf, "# TYPE twtest_ports_in_use gauge\n"
			  "twtest_ports_in_use{src=\"10.0.0.1\",dst=\"10.0.0.2\",dport=\"80\"} 32\n") != NULL);
	CHECK(strstr(buf, "twtest_ports_sockets{src=\"10.0.0.1\",dst=\"10.0.0.2\",dport=\"80\","
			  "state=\"TIME_WAIT\"} 30\n") != NULL);
	CHECK(strstr(buf, "twtest_ports_full_in_seconds{src=\"10.0.0.1\",dst=\"10.0.0.2\",dport=\"80\"} 7.3\n") != NULL);
	CHECK(strstr(buf, "# TYPE twtest_ports_tcp_time_wait_overflow_total counter\n"
			  "twtest_ports_tcp_time_wait_overflow_total 7\n") != NULL);
	CHECK(strstr(buf, "twtest_ports_time_wait_memory_bytes") == NULL);
	int help = 0, type = 0;
	for (const char *p = buf; (p = strstr(p, "# HELP ")) != NULL; p++)
		help++;
	for (const char *p = buf; (p = strstr(p, "# TYPE ")) != NULL; p++)
		type++;
	CHECK(help == type && help >= 14);
}
