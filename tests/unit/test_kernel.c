/* Unit tests of the kernel-side observation: counter parsing (kcounters.c), the sock_diag
 * port filter bytecode and errors (sockdiag.c), their output formats (report.c), and what
 * the running kernel has of the socket options twtest sets (kfeatures.c). */
#include <errno.h>
#include <linux/inet_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "lib/kcounters.h"
#include "client/report.h"
#include "lib/tcpstates_report.h"
#include "lib/kfeatures.h"
#include "lib/sockdiag.h"
#include "unit.h"

/* A cut-down /proc/net/netstat followed by /proc/net/snmp, in the kernel's layout. */
static const char sample_proc[] =
	"TcpExt: SyncookiesSent TW TWRecycled TWKilled TCPAbortOnData TCPAbortOnClose "
	"TCPAbortOnLinger TCPTimeWaitOverflow\n"
	"TcpExt: 0 3000 12 0 1 2 40 5\n"
	"IpExt: InNoRoutes InTruncatedPkts\n"
	"IpExt: 0 0\n"
	"Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails "
	"EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors\n"
	"Tcp: 1 200 120000 -1 4000 4000 7 8 0 100 100 0 0 9 0\n"
	"Udp: InDatagrams NoPorts\n"
	"Udp: 0 0\n";

/* Rule: the parser finds each of the 10 counters by group and name, whatever their column,
 * and skips the others (including Tcp MaxConn's -1). */
TEST(kcounters_parse_sample)
{
	struct kcounters k;
	memset(&k, 0, sizeof(k));
	CHECK(kcounters_parse(sample_proc, &k) == KC_COUNT);
	CHECK(k.present == (1u << KC_COUNT) - 1);
	CHECK(k.v[KC_TW] == 3000 && k.v[KC_TW_RECYCLED] == 12 && k.v[KC_TW_OVERFLOW] == 5);
	CHECK(k.v[KC_ABORT_ON_CLOSE] == 2 && k.v[KC_ABORT_ON_DATA] == 1 && k.v[KC_ABORT_ON_LINGER] == 40);
	CHECK(k.v[KC_ACTIVE_OPENS] == 4000 && k.v[KC_ATTEMPT_FAILS] == 7);
	CHECK(k.v[KC_ESTAB_RESETS] == 8 && k.v[KC_OUT_RSTS] == 9);
	CHECK_STR(kcounter_name(KC_TW_OVERFLOW), "TCPTimeWaitOverflow");
}

/* Rule: a TcpExt "TW" is not taken for a Tcp field and vice versa; a group without a
 * counter of ours yields none. */
TEST(kcounters_parse_groups)
{
	struct kcounters k;
	memset(&k, 0, sizeof(k));
	CHECK(kcounters_parse("Tcp: TW OutRsts\nTcp: 5 6\nIcmp: TW\nIcmp: 1\n", &k) == 1);
	CHECK(k.present == 1u << KC_OUT_RSTS && k.v[KC_OUT_RSTS] == 6);
}

/* Rule: malformed text is rejected: names without values, a count mismatch, a group
 * mismatch, a non-number. */
TEST(kcounters_parse_malformed)
{
	struct kcounters k;
	memset(&k, 0, sizeof(k));
	CHECK(kcounters_parse("TcpExt: TW TWRecycled\n", &k) == -1);
	CHECK(kcounters_parse("TcpExt: TW TWRecycled\nTcpExt: 1\n", &k) == -1);
	CHECK(kcounters_parse("TcpExt: TW\nTcp: 1\n", &k) == -1);
	CHECK(kcounters_parse("TcpExt: TW\nTcpExt: 1x\n", &k) == -1);
	CHECK(kcounters_parse("TcpExt: TW\nTcpExt: -\n", &k) == -1);
	CHECK(kcounters_parse("", &k) == 0);
}

/* Rule: deltas cover the counters present in both snapshots; totals add them up. */
TEST(kcounters_delta_add)
{
	struct kcounters a, b, d, t;
	memset(&a, 0, sizeof(a));
	memset(&t, 0, sizeof(t));
	a.present = (1u << KC_TW) | (1u << KC_OUT_RSTS);
	a.v[KC_TW] = 100;
	a.v[KC_OUT_RSTS] = 5;
	b = a;
	b.present |= 1u << KC_ACTIVE_OPENS;
	b.v[KC_TW] = 1100;
	b.v[KC_ACTIVE_OPENS] = 77;
	kcounters_delta(&a, &b, &d);
	CHECK(d.present == a.present);
	CHECK(d.v[KC_TW] == 1000 && d.v[KC_OUT_RSTS] == 0 && d.v[KC_ACTIVE_OPENS] == 0);
	kcounters_add(&t, &d);
	kcounters_add(&t, &d);
	CHECK(t.present == a.present && t.v[KC_TW] == 2000);
}

/* Rule: a local-port filter is one S_EQ comparison whose "no" jumps 4 bytes past the end
 * (reject) and whose "yes" ends exactly at the end (accept); the port is in host order. */
TEST(sockdiag_bytecode_single)
{
	struct inet_diag_bc_op ops[5];
	CHECK(sockdiag_port_bytecode(4000, PORT_LOCAL, ops, sizeof(ops)) == 8);
	CHECK(ops[0].code == INET_DIAG_BC_S_EQ && ops[0].yes == 8 && ops[0].no == 12);
	CHECK(ops[1].no == 4000);
	CHECK(sockdiag_port_bytecode(4000, PORT_REMOTE, ops, sizeof(ops)) == 8);
	CHECK(ops[0].code == INET_DIAG_BC_D_EQ && ops[1].no == 4000);
	CHECK(sockdiag_port_bytecode(4000, PORT_LOCAL, ops, 4) == 0);
}

/* A model of the kernel's inet_diag_bc_run(): returns 1 if the program accepts a socket
 * with these ports (only the operations the filters use). */
static int bc_run(const unsigned char *bc, int len, uint16_t sport, uint16_t dport)
{
	while (len > 0) {
		const struct inet_diag_bc_op *op = (const void *)bc;
		int yes = 1;
		switch (op->code) {
		case INET_DIAG_BC_JMP: yes = 0; break;
		case INET_DIAG_BC_S_EQ: yes = sport == op[1].no; break;
		case INET_DIAG_BC_D_EQ: yes = dport == op[1].no; break;
		default: return -1;
		}
		int step = yes ? op->yes : op->no;
		len -= step;
		bc += step;
	}
	return len == 0;
}

/* Rule: the either-end filter accepts a socket with the port as source or destination and
 * rejects one with neither, under the kernel's own evaluation rules. */
TEST(sockdiag_bytecode_either)
{
	unsigned char bc[32];
	size_t len = sockdiag_port_bytecode(4000, PORT_EITHER, bc, sizeof(bc));
	CHECK(len == 20);
	CHECK(bc_run(bc, (int)len, 4000, 50000) == 1);
	CHECK(bc_run(bc, (int)len, 50000, 4000) == 1);
	CHECK(bc_run(bc, (int)len, 4000, 4000) == 1);
	CHECK(bc_run(bc, (int)len, 50000, 4001) == 0);
	CHECK(bc_run(bc, (int)len, 3999, 50000) == 0);
	size_t l1 = sockdiag_port_bytecode(4000, PORT_LOCAL, bc, sizeof(bc));
	CHECK(bc_run(bc, (int)l1, 4000, 1) == 1 && bc_run(bc, (int)l1, 1, 4000) == 0);
}

/* Rule: state names are the kernel's; nothing outside 1..11. */
TEST(sockdiag_state_names)
{
	CHECK_STR(tcp_state_name(TCPS_TIME_WAIT), "TIME_WAIT");
	CHECK_STR(tcp_state_name(TCPS_FIN_WAIT1), "FIN_WAIT1");
	CHECK_STR(tcp_state_name(TCPS_CLOSING), "CLOSING");
	CHECK(tcp_state_name(0) == NULL && tcp_state_name(12) == NULL);
}

/* Render sample state counts in fmt into a string (caller frees). */
static char *render_states(enum output_format fmt)
{
	struct tcp_states st;
	memset(&st, 0, sizeof(st));
	st.n[TCPS_TIME_WAIT] = 3000;
	st.n[TCPS_LISTEN] = 1;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	report_states(f, fmt, &st);
	fclose(f);
	return buf;
}

/* Rule: stat's text is one `STATE COUNT` line per state in kernel order, zeros included;
 * its JSON is one object with every state as a key. */
TEST(report_states_formats)
{
	char *t = render_states(FORMAT_TEXT);
	CHECK_STR(t, "ESTABLISHED 0\nSYN_SENT 0\nSYN_RECV 0\nFIN_WAIT1 0\nFIN_WAIT2 0\nTIME_WAIT 3000\n"
		     "CLOSE 0\nCLOSE_WAIT 0\nLAST_ACK 0\nLISTEN 1\nCLOSING 0\n");
	free(t);
	char *j = render_states(FORMAT_JSON);
	CHECK_STR(j, "{\"ESTABLISHED\":0,\"SYN_SENT\":0,\"SYN_RECV\":0,\"FIN_WAIT1\":0,\"FIN_WAIT2\":0,"
		     "\"TIME_WAIT\":3000,\"CLOSE\":0,\"CLOSE_WAIT\":0,\"LAST_ACK\":0,\"LISTEN\":1,"
		     "\"CLOSING\":0}\n");
	free(j);
}

/* A loop measured by the kernel: 3000 TIME_WAIT, TW and ActiveOpens 1000, all 10 counters
 * read, after a --wait-clear of 1.5 s that left none. */
static char *render_kernel_loop(enum output_format fmt)
{
	struct client_opts o;
	client_defaults(&o);
	o.verbose = fmt == FORMAT_TEXT; /* the full text line (without -v: no kernel field) */
	o.dst_name = "127.0.0.1";
	parse_ip_literal("127.0.0.1", 4000, &o.dst, &(const char *){NULL});
	o.format = fmt;
	struct report rep = {.opts = &o};
	rep.sys = (struct net_sysctls){0, 1000, 40000, 42999, 1, 131072, 4096};
	struct loop_result r;
	memset(&r, 0, sizeof(r));
	r.loop = 2;
	r.conns = r.finished = 1000;
	r.elapsed_ns = 500000000;
	r.kv.measured = MEASURED_TIME_WAIT | MEASURED_WAIT_CLEAR;
	r.kv.time_wait = 3000;
	r.kv.kernel.present = (1u << KC_COUNT) - 1;
	r.kv.kernel.v[KC_TW] = 1000;
	r.kv.kernel.v[KC_ACTIVE_OPENS] = 1000;
	r.kv.wait_clear_ns = 1500000000;
	char *buf = NULL;
	size_t len = 0;
	rep.out = open_memstream(&buf, &len);
	report_loop(&rep, &r);
	fclose(rep.out);
	return buf;
}

/* Rule: text (-v) appends time_wait and the non-zero counters after the existing fields. */
TEST(report_kernel_text)
{
	char *s = render_kernel_loop(FORMAT_TEXT);
	CHECK_STR(s, "loop: 2, finished_count: 1000, failed_count: 0, time(s): 0.500, conn/s: 2000, "
		     "time_wait: 3000, kernel: TW=1000 ActiveOpens=1000\n");
	free(s);
}

/* Rule: CSV appends time_wait, all 10 counters and the wait at the end of the row, and the
 * header names them in the same order. */
TEST(report_kernel_csv)
{
	char *s = render_kernel_loop(FORMAT_CSV);
	CHECK_STR(s, "loop,2,1000,1000,0,0.500,2000,,127.0.0.1,4000,100,client,0,0,0,1000,40000-42999,"
		     "1,131072,,,,,,,,,3000,1000,0,0,0,0,0,1000,0,0,0,1.500,0\n");
	free(s);
	struct client_opts o;
	client_defaults(&o);
	o.dst_name = "127.0.0.1";
	parse_ip_literal("127.0.0.1", 4000, &o.dst, &(const char *){NULL});
	o.format = FORMAT_CSV;
	struct report rep = {.opts = &o};
	char *buf = NULL;
	size_t len = 0;
	rep.out = open_memstream(&buf, &len);
	report_header(&rep);
	fclose(rep.out);
	CHECK(buf && strstr(buf, ",conn_us_max,time_wait,kernel_TW,kernel_TWRecycled,"
				 "kernel_TCPTimeWaitOverflow,kernel_TCPAbortOnClose,kernel_TCPAbortOnData,"
				 "kernel_TCPAbortOnLinger,kernel_ActiveOpens,kernel_AttemptFails,"
				 "kernel_EstabResets,kernel_OutRsts,wait_clear_s,wait_clear_left\n") != NULL);
	free(buf);
}

/* Rule: JSON loop records carry time_wait, a "kernel" object with every counter read, and
 * the wait. */
TEST(report_kernel_json)
{
	char *s = render_kernel_loop(FORMAT_JSON);
	CHECK_STR(s, "{\"type\":\"loop\",\"shard\":\"0/1\",\"host\":\"\",\"start_s\":0.000000,"
		     "\"loop\":2,\"conns\":1000,\"finished\":1000,\"failed\":0,"
		     "\"time_s\":0.500,\"conn_per_s\":2000,\"failed_by\":{},\"connect_us\":null,"
		     "\"conn_us\":null,\"time_wait\":3000,"
		     "\"kernel\":{\"TW\":1000,\"TWRecycled\":0,\"TCPTimeWaitOverflow\":0,"
		     "\"TCPAbortOnClose\":0,\"TCPAbortOnData\":0,\"TCPAbortOnLinger\":0,"
		     "\"ActiveOpens\":1000,\"AttemptFails\":0,\"EstabResets\":0,\"OutRsts\":0},"
		     "\"wait_clear_s\":1.500,\"wait_clear_left\":0}\n");
	free(s);
}

/* Rule: a run's total adds the counter deltas and keeps the last loop's time_wait. */
TEST(loopstats_kernel_totals)
{
	struct loop_result total, r;
	memset(&total, 0, sizeof(total));
	memset(&r, 0, sizeof(r));
	r.kv.measured = MEASURED_TIME_WAIT;
	r.kv.kernel.present = 1u << KC_TW;
	r.kv.kernel.v[KC_TW] = 1000;
	r.kv.time_wait = 1000;
	loop_result_add(&total, &r);
	r.kv.time_wait = 2000;
	loop_result_add(&total, &r);
	CHECK(total.kv.time_wait == 2000 && total.kv.kernel.v[KC_TW] == 2000);
	CHECK(total.kv.measured == MEASURED_TIME_WAIT && !(total.kv.measured & MEASURED_WAIT_CLEAR));
}

/* Rule: an option the kernel lacks is refused in one line that names the option, the Linux
 * version that added it, the errno and the running kernel. */
TEST(kfeature_refusal_line)
{
	const struct kfeature f = {"--local-port-range", "IP_LOCAL_PORT_RANGE", "6.3"};
	char buf[256];
	CHECK_STR(kfeature_refusal(&f, ENOPROTOOPT, "6.1.0-57-amd64", buf, sizeof(buf)),
		  "--local-port-range needs Linux 6.3 or later (IP_LOCAL_PORT_RANGE: Protocol not "
		  "available; this kernel is 6.1.0-57-amd64)");
	CHECK(strchr(buf, '\n') == NULL);
}

/* Is the running kernel Linux major.minor or later (uname)? */
static int kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;
	if (uname(&u) != 0 || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return 0;
	return ma > major || (ma == major && mi >= minor);
}

/* Does this kernel take IP_LOCAL_PORT_RANGE, asked directly (not through kfeatures)? */
static int kernel_has_port_range(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), v = (int)(40099u << 16 | 40000u), has;
	if (fd < 0)
		return -1;
	has = setsockopt(fd, IPPROTO_IP, IP_LOCAL_PORT_RANGE, &v, sizeof(v)) == 0 || errno != ENOPROTOOPT;
	close(fd);
	return has;
}

/* Rule: the probe passes every option a run may ask for on a kernel that has them, and
 * refuses --local-port-range (ENOPROTOOPT, naming Linux 6.3) only on a kernel that truly
 * lacks IP_LOCAL_PORT_RANGE: never on 6.3 or later, and below only when the kernel, asked
 * directly, refuses the option too (Debian's 6.1 has it backported); it asks nothing of an
 * option the run does not set. */
TEST(kfeatures_probe_client)
{
	struct endpoint dst;
	memset(&dst, 0, sizeof(dst));
	dst.addr.ss_family = AF_INET;
	struct sock_client_spec spec = {.dst = &dst, .reuseport = 1, .bind_no_port = 1,
					.port_lo = 40000, .port_hi = 40099};
	char err[256] = "";
	int has = kernel_has_port_range();
	CHECK(has >= 0);
	CHECK(has == 1 || !kernel_at_least(6, 3));
	int rc = kfeatures_check_client(&spec, err, sizeof(err));
	if (has == 1)
		CHECK(rc == 0);
	else
		CHECK(rc == ENOPROTOOPT && strstr(err, "--local-port-range needs Linux 6.3") != NULL);
	struct sock_client_spec old = {.dst = &dst, .reuseport = 1, .bind_no_port = 1};
	CHECK(kfeatures_check_client(&old, err, sizeof(err)) == 0); /* 3.9 and 4.2 */
	struct sock_client_spec none = {.dst = &dst};
	CHECK(kfeatures_check_client(&none, err, sizeof(err)) == 0);
	dst.addr.ss_family = AF_INET6;
	int v6 = kfeatures_check_client(&none, err, sizeof(err));
	CHECK(v6 == 0 || v6 == EAFNOSUPPORT);
}

/* Rule: sock_diag's "no handler" (-ENOENT) names the modules to load; other errors read as
 * strerror. */
TEST(sockdiag_error_names_module)
{
	CHECK(strstr(sockdiag_strerror(-ENOENT), "inet_diag and tcp_diag") != NULL);
	CHECK(strstr(sockdiag_strerror(-ENOENT), "modprobe tcp_diag") != NULL);
	CHECK_STR(sockdiag_strerror(-EPERM), strerror(EPERM));
}
