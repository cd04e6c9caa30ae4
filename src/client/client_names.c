/* The client's names for its choices and strategies, and which strategy a command line
 * selects: a leaf under the command line (client_cli.c), its checks (client_checks.c) and
 * the reports. */
#include "client/client_opts.h"

const char *const client_close_names[] = {"client", "server", "shutdown", NULL};
const char *const client_on_eof_names[] = {"close", "shutdown", "ignore", NULL};
const char *const client_protocol_names[] = {"echo", "connect", "http", NULL};

const char *const client_strategy_names[] = {
	[STRATEGY_CONCURRENT] = "the concurrent loops", [STRATEGY_SEQUENTIAL] =
	"the sequential close-scenario options", [STRATEGY_RATE] = "--rate",
	[STRATEGY_CLOSED] = "--concurrency"};

enum client_strategy_id client_strategy_of(const struct client_opts *o)
{
	if (o->rate)
		return STRATEGY_RATE;
	if (o->concurrency)
		return STRATEGY_CLOSED;
	return o->sequential ? STRATEGY_SEQUENTIAL : STRATEGY_CONCURRENT;
}
