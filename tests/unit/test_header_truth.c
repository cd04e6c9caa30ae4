/* Unit tests of what the client's header says about the kernel it runs on (report.c's
 * header fields, port_model.c's notes): the reuse delay before Linux 6.14, and the bounds of
 * --local-port-range the kernel ignores. */
#include <stdlib.h>

#include "client/report.h"
#include "unit.h"

/* The header of a loop run of 127.0.0.1 in fmt on sysctls s, --local-port-range lo-hi when
 * hi != 0, then one CSV row when fmt is CSV (caller frees). */
static char *render_header(enum output_format fmt, struct net_sysctls s, uint16_t lo, uint16_t hi)
{
	struct client_opts o;
	client_defaults(&o);
	o.dst_name = "127.0.0.1";
	parse_ip_literal("127.0.0.1", 4000, &o.dst, &(const char *){NULL});
	o.loops = 1;
	o.conns = 1;
	o.format = fmt;
	o.port_lo = lo;
	o.port_hi = hi;
	struct report rep = {.opts = &o, .sys = s};
	port_model_compute(&o, &s, "", &rep.model);
	char *buf = NULL;
	size_t len = 0;
	rep.out = open_memstream(&buf, &len);
	report_header(&rep);
	if (fmt == FORMAT_CSV) {
		struct loop_result r;
		memset(&r, 0, sizeof(r));
		r.conns = 1;
		report_loop(&rep, &r);
	}
	fclose(rep.out);
	return buf;
}

static const struct net_sysctls linux_6_1 = {.tw_reuse = 2, .tw_reuse_delay_ms = SYSCTL_ABSENT,
					     .port_lo = 32768, .port_hi = 60999, .timestamps = 1,
					     .max_tw_buckets = 8192, .somaxconn = 4096};

/* Rule: on a kernel without net.ipv4.tcp_tw_reuse_delay (before 6.14) the header says the
 * next whole second (text and CSV), JSON has the sysctl null; never -1 or 1000. */
TEST(header_reuse_delay_before_6_14)
{
	char *t = render_header(FORMAT_TEXT, linux_6_1, 0, 0);
	CHECK(strstr(t, " tcp_tw_reuse_delay=next-whole-second(0-1s) ") != NULL);
	CHECK(strstr(t, "=-1") == NULL && strstr(t, "# note:") == NULL);
	free(t);
	char *c = render_header(FORMAT_CSV, linux_6_1, 0, 0);
	CHECK(strstr(c, ",client,0,0,2,next-whole-second(0-1s),32768-60999,1,8192,") != NULL);
	free(c);
	char *j = render_header(FORMAT_JSON, linux_6_1, 0, 0);
	CHECK(strstr(j, "\"net.ipv4.tcp_tw_reuse_delay\":null,") != NULL);
	free(j);
	struct net_sysctls now = linux_6_1;
	now.tw_reuse_delay_ms = 1000;
	t = render_header(FORMAT_TEXT, now, 0, 0);
	CHECK(strstr(t, " tcp_tw_reuse_delay=1000 ") != NULL);
	free(t);
}

/* Rule: when the kernel ignores bounds of --local-port-range (outside ip_local_port_range),
 * the text header says so on a note line; within the range there is no note. */
TEST(header_notes_ignored_port_range)
{
	struct net_sysctls s = linux_6_1;
	s.port_lo = 40000;
	s.port_hi = 40999;
	char *t = render_header(FORMAT_TEXT, s, 50000, 59999);
	CHECK(strstr(t, "# local_port_range=50000-59999 ") != NULL);
	CHECK(strstr(t, "\n# note: the kernel ignores both its bounds: --local-port-range 50000-59999 "
			"against ip_local_port_range 40000-40999\n") != NULL);
	free(t);
	t = render_header(FORMAT_TEXT, s, 40100, 40199);
	CHECK(strstr(t, "# note:") == NULL);
	free(t);
}
