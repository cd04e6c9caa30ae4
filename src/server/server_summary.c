/* What the server prints (include/server/server_summary.h): the settings line, and the
 * summary lines at exit from the threads' counters added up. */
#include "server/server_summary.h"

#include <inttypes.h>
#include <netinet/in.h>
#include <unistd.h>

#include "lib/sockdiag.h"
#include "lib/tcpstates_report.h"

void server_print_listening(const struct server_opts *o, const struct server_limits *l,
			    uint32_t nt, const struct endpoint *bound, FILE *out)
{
	char name[80];
	fprintf(out, "twtest server: listening on %s", endpoint_str(&bound[0], name, sizeof(name)));
	for (uint32_t k = 1; k < o->ports.total; k++)
		fprintf(out, ",%u", endpoint_port(&bound[k]));
	fprintf(out,
		"%s close=%s payload=%" PRIu32 " reuseaddr=%d"
		" backlog=%" PRIu32 " max_conns=%" PRIu32 " idle_timeout_ms=%" PRIu32
		" nofile=%llu threads=%" PRIu32 " pid=%ld%s",
		o->bind_name ? "" : (bound->addr.ss_family == AF_INET6 ? " (IPv4 and IPv6)" : " (IPv4)"),
		server_close_names[o->close_mode], o->payload, o->reuseaddr, l->backlog, l->max_conns,
		o->idle_timeout_ms, (unsigned long long)l->nofile, nt, (long)getpid(),
		o->protocol == SERVER_PROTO_HTTP ? " protocol=http" : "");
	if (o->reply_close == SERVER_REPLY_CLOSE_NEVER)
		fputs(" reply_close=never", out);
	else if (o->reply_close == SERVER_REPLY_CLOSE_DELAY)
		fprintf(out, " reply_close=%" PRIu64 "us", o->reply_close_ns / 1000);
	fputc('\n', out);
	fflush(out);
}

/* --protocol http: requests parsed and responses sent by status, over every thread. */
static void print_http(const struct server *servers, uint32_t n, FILE *out)
{
	struct http_server_stats h = {0};
	for (uint32_t i = 0; i < n; i++) {
		h.requests += servers[i].http.requests;
		for (int k = 0; k < REPLY_COUNT; k++)
			h.responses[k] += servers[i].http.responses[k];
	}
	uint64_t by_status[REPLY_COUNT] = {0};
	for (int k = 0; k < REPLY_COUNT; k++)
		by_status[k == REPLY_CLOSE ? REPLY_KEEP : k] += h.responses[k];
	fprintf(out, "twtest server: http: requests=%" PRIu64 " responses:", h.requests);
	int any = 0;
	for (int k = 0; k < REPLY_COUNT; k++)
		if (by_status[k]) {
			fprintf(out, " %u=%" PRIu64, http_reply_status((enum http_reply)k), by_status[k]);
			any = 1;
		}
	fputs(any ? "\n" : " none\n", out);
}

/* How SO_REUSEPORT spread the connections over the threads' listeners. */
static void print_per_thread(const struct server *servers, uint32_t n, FILE *out)
{
	fputs("twtest server: accepted_per_thread=", out);
	for (uint32_t i = 0; i < n; i++)
		fprintf(out, "%s%" PRIu64, i ? "," : "", servers[i].st.accepted);
	fputc('\n', out);
}

/* How the clients spread their connections over the ports. */
static void print_per_port(const struct server *servers, uint32_t n, FILE *out)
{
	fputs("twtest server: accepted_per_port=", out);
	for (uint32_t k = 0; k < servers[0].nls; k++) {
		uint64_t sum = 0;
		for (uint32_t i = 0; i < n; i++)
			sum += servers[i].ls[k].accepted;
		fprintf(out, "%s%u:%" PRIu64, k ? "," : "", portlist_get(&servers[0].o->ports, k), sum);
	}
	fputc('\n', out);
}

/* The threads' counters added up; peak and open connections come from the shared count. */
void server_print_summary(const struct server *servers, uint32_t n, FILE *out)
{
	struct server_stats st = {0};
	for (uint32_t i = 0; i < n; i++)
		server_stats_add(&st, &servers[i].st);
	uint32_t peak = n ? servers[0].sh->peak : 0;
	fprintf(out,
		"twtest server: summary: accepted=%" PRIu64 " refused=%" PRIu64 " bytes_echoed=%" PRIu64
		" resets=%" PRIu64 " errors=%" PRIu64 " closed_after_eof=%" PRIu64
		" closed_first=%" PRIu64 " closed_rst=%" PRIu64 " closed_idle=%" PRIu64
		" closed_after_delay=%" PRIu64 " bytes_sent=%" PRIu64
		" accept_backoffs=%" PRIu64 " peak_concurrent=%" PRIu32 " open_at_exit=%" PRIu64 "\n",
		st.accepted, st.refused, st.bytes, st.resets, st.errors, st.closed_eof,
		st.closed_first, st.closed_rst, st.closed_idle, st.closed_timer, st.bytes_sent,
		st.accept_backoffs, peak, st.active);
	if (n && servers[0].o->protocol == SERVER_PROTO_HTTP)
		print_http(servers, n, out);
	if (n > 1)
		print_per_thread(servers, n, out);
	if (n && servers[0].nls > 1)
		print_per_port(servers, n, out);
	fflush(out);
}

void server_print_states(uint16_t port, FILE *out)
{
	struct sockdiag_filter f = {.family = AF_UNSPEC, .port = port, .end = PORT_LOCAL};
	struct tcp_states st;
	int rc = sockdiag_count(&f, TCPF_ALL, &st);
	if (rc < 0) {
		fprintf(out, "twtest server: states on port %u: unavailable (sock_diag: %s)\n", port,
			sockdiag_strerror(rc));
	} else {
		fprintf(out, "twtest server: states on port %u:", port);
		report_states_inline(out, &st);
		fputc('\n', out);
	}
	fflush(out);
}
