/* The ports subcommand's run: read the configuration, dump the socket table into the
 * model, print, repeat with --watch, and map --fail-above to the exit status. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ports/ports_cmd.h"
#include "ports/ports_exporter.h"
#include "lib/signals.h"
#include "lib/twtest.h"

int ports_run(const struct ports_opts *o, FILE *out)
{
	if (o->listen)
		return ports_serve(o);
	if (o->nat)
		return ports_nat_run(o, out);
	signals_install();
	struct ports_config *cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL) {
		fputs("twtest ports: out of memory\n", stderr);
		return EXIT_SETUP;
	}
	cfg->window_ms = o->interval_ms;
	cfg->dst_family = o->dst_family;
	memcpy(cfg->dst, o->dst, sizeof(cfg->dst));
	cfg->dport = o->dport;
	int status = EXIT_RAN;
	for (int n = 0;; n++) {
		char err[128];
		if (ports_read_config(cfg, err, sizeof(err)) < 0) {
			fprintf(stderr, "twtest ports: %s\n", err);
			status = EXIT_SETUP;
			break;
		}
		struct ports_model m;
		int rc = ports_sample(cfg, &m);
		if (rc < 0) {
			fprintf(stderr, "twtest ports: cannot read the kernel's socket table (sock_diag): %s\n",
				sockdiag_strerror(rc));
			ports_free(&m);
			status = EXIT_SETUP;
			break;
		}
		struct ports_host h;
		ports_read_host(&h);
		if (n > 0 && o->format == PORTS_TEXT)
			fputc('\n', out);
		ports_report(out, o, &m, &h);
		fflush(out);
		int above = o->fail_above >= 0 && ports_max_used(&m) > o->fail_above;
		ports_free(&m);
		if (above) {
			status = EXIT_FAILURES;
			break;
		}
		if (o->watch_ms == 0 || signals_sleep_ms(o->watch_ms))
			break;
	}
	free(cfg);
	return status;
}
