/* The table of the client engine's strategies, by the id the options choose
 * (client_strategy_of, src/client/client_cli.c). A leaf above the strategies: the engine
 * calls it, the strategies never do. */
#include "client/client_engine.h"

const struct client_strategy *client_strategy_for(const struct client_opts *o)
{
	static const struct client_strategy *const of_id[STRATEGY_COUNT] = {
		[STRATEGY_CONCURRENT] = &client_concurrent_strategy,
		[STRATEGY_SEQUENTIAL] = &client_seq_strategy,
		[STRATEGY_RATE] = &client_rate_strategy,
		[STRATEGY_CLOSED] = &client_closed_strategy};
	return of_id[client_strategy_of(o)];
}
