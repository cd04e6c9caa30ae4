/* The stat subcommand: one record of TCP state counts, a record every --watch MS, or a
 * wait until TIME_WAIT has drained (--wait-clear). */
#include "stat/stat_cmd.h"

#include <string.h>
#include <sys/socket.h>

#include "lib/tcpstates_report.h"
#include "lib/signals.h"
#include "lib/sockdiag.h"
#include "lib/tw_wait.h"
#include "lib/twtest.h"

static int wait_clear(const struct stat_opts *o, const struct sockdiag_filter *f)
{
	uint64_t left, waited_ns;
	int rc = tw_wait_clear(f, (uint64_t)o->timeout_s * 1000, &left, &waited_ns);
	if (rc < 0) {
		fprintf(stderr, "twtest stat: cannot read the kernel's socket table (sock_diag): %s\n",
			sockdiag_strerror(rc));
		return EXIT_SETUP;
	}
	if (rc == TW_WAIT_INTERRUPTED)
		return 128 + signals_stop_requested();
	if (rc == TW_WAIT_TIMEOUT) {
		char port[32] = "";
		if (o->port)
			snprintf(port, sizeof(port), " with port %u", o->port);
		fprintf(stderr, "twtest stat: %llu TIME_WAIT sockets%s remain after --timeout %u s\n",
			(unsigned long long)left, port, o->timeout_s);
		return EXIT_WAIT_TIMEOUT;
	}
	return EXIT_RAN;
}

int stat_run(const struct stat_opts *o, FILE *out)
{
	signals_install();
	struct sockdiag_filter f = {.family = AF_UNSPEC, .port = o->port, .end = PORT_EITHER};
	if (o->wait_clear)
		return wait_clear(o, &f);
	for (int n = 0;; n++) {
		struct tcp_states st;
		int rc = sockdiag_count(&f, TCPF_ALL, &st);
		if (rc < 0) {
			fprintf(stderr, "twtest stat: cannot read the kernel's socket table (sock_diag): %s\n",
				sockdiag_strerror(rc));
			return EXIT_SETUP;
		}
		if (n > 0 && o->format == FORMAT_TEXT)
			fputc('\n', out);
		report_states(out, o->format, &st);
		if (o->watch_ms == 0 || signals_sleep_ms(o->watch_ms))
			return EXIT_RAN;
	}
}
