/* Unit tests of the client options' strategy scopes: every option row of the client's table
 * (client_cli) declares the strategies it works in and has a sample here, and in every
 * strategy an option is either accepted (and then that strategy runs) or refused with a
 * message naming it; none is accepted and ignored. */
#include <stdlib.h>

#include "client/client_opts.h"
#include "unit.h"

#define MAXARGS 24

/* Arguments that make each option valid on its own (its value and companions). A new
 * option row without a sample here fails strategy_every_row_has_scope_and_sample: decide
 * its scope and add a sample. */
static const struct {
	const char *name;
	const char *args[4];
} samples[] = {
	{"port", {"--port", "4001"}},
	{"payload", {"--payload", "200"}},
	{"timeout", {"--timeout", "500"}},
	{"close", {"--close", "server"}},
	{"reuseport", {"--reuseport"}},
	{"linger", {"--linger"}},
	{"reuseaddr", {"--reuseaddr"}},
	{"bind", {"--bind", "127.0.0.2"}},
	{"bind-no-port", {"--bind", "127.0.0.2", "--bind-no-port"}},
	{"freebind", {"--bind", "127.0.0.2", "--freebind"}},
	{"local-port-range", {"--local-port-range", "40000-40009"}},
	{"interval", {"--interval", "10"}},
	{"format", {"--format", "json"}},
	{"fail-on-error", {"--fail-on-error"}},
	{"verbose", {"--verbose"}},
	{"threads", {"--threads", "2"}},
	{"wait-clear", {"--wait-clear"}},
	{"wait-clear-timeout", {"--wait-clear", "--wait-clear-timeout", "5"}},
	{"sequential", {"--sequential"}},
	{"source-port", {"--source-port", "40000"}},
	{"read-delay", {"--read-delay", "10"}},
	{"on-eof", {"--on-eof", "shutdown"}},
	{"close-after", {"--close-after", "10"}},
	{"close-on-data", {"--close-on-data"}},
	{"report-conns", {"--report-conns"}},
	{"no-observe", {"--no-observe"}},
	{"dry-run", {"--dry-run"}},
	{"requests-per-conn", {"--requests-per-conn", "3"}},
	{"rate", {"--rate", "10", "--duration", "1"}},
	{"duration", {"--duration", "1"}},
	{"concurrency", {"--concurrency", "2", "--count", "4"}},
	{"count", {"--concurrency", "2", "--count", "4"}},
	{"max-inflight", {"--max-inflight", "50"}},
	{"report-interval", {"--report-interval", "100"}},
	{"protocol", {"--protocol", "http"}},
	{"http-path", {"--protocol", "http", "--http-path", "/x"}},
	{"http-host", {"--protocol", "http", "--http-host", "example"}},
	{"max-response", {"--protocol", "http", "--max-response", "2k"}},
	{"start-at", {"--start-at", "+1"}},
	{"shard", {"--shard", "0/1"}},
};

static const char *const *sample_of(const char *name)
{
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		if (strcmp(samples[i].name, name) == 0)
			return samples[i].args;
	return NULL;
}

/* Parse SAMPLE in strategy id: `client SAMPLE 127.0.0.1 2 4`, with --sequential first
 * for the sequential strategy, `client --rate 10 --duration 1 SAMPLE 127.0.0.1` for
 * the rate strategy and `client --concurrency 2 [--count 4] SAMPLE 127.0.0.1` for the
 * closed loop, --count unless the sample ends the run itself (a sample that gives them
 * itself is not given them twice). */
static enum parse_result parse_with(const char *const *sample, enum client_strategy_id id,
				    struct client_opts *o, char *err)
{
	char *argv[MAXARGS];
	int argc = 0;
	argv[argc++] = (char *)"client";
	int own_seq = strcmp(sample[0], "--sequential") == 0;
	int own_rate = strcmp(sample[0], "--rate") == 0;
	int own_closed = strcmp(sample[0], "--concurrency") == 0;
	int ends_run = 0, has_duration = 0;
	for (int i = 0; i < 4 && sample[i]; i++) {
		has_duration |= strcmp(sample[i], "--duration") == 0;
		ends_run |= strcmp(sample[i], "--duration") == 0 || strcmp(sample[i], "--count") == 0;
	}
	if (id == STRATEGY_SEQUENTIAL && !own_seq)
		argv[argc++] = (char *)"--sequential";
	const char *rate[] = {"--rate", "10", "--duration", "1"};
	for (int i = 0; id == STRATEGY_RATE && !own_rate && i < (has_duration ? 2 : 4); i++)
		argv[argc++] = (char *)rate[i];
	const char *closed[] = {"--concurrency", "2", "--count", "4"};
	for (int i = 0; id == STRATEGY_CLOSED && !own_closed && i < (ends_run ? 2 : 4); i++)
		argv[argc++] = (char *)closed[i];
	for (int i = 0; i < 4 && sample[i]; i++)
		argv[argc++] = (char *)sample[i];
	const char *pos[] = {"127.0.0.1", "2", "4"};
	int npos = id == STRATEGY_RATE || id == STRATEGY_CLOSED || own_rate || own_closed ? 1 : 3;
	for (int i = 0; i < npos; i++)
		argv[argc++] = (char *)pos[i];
	argv[argc] = NULL;
	err[0] = '\0';
	return client_parse_args(argc, argv, o, err, 256);
}

/* Is row r an option the walk samples (not help text, not --help)? */
static int sampled(const struct cli_option *r)
{
	return r->kind != CLI_TEXT && r->kind != CLI_HELP;
}

/* Rule: every option row of the client's table declares the strategies it works in
 * (a scope with no bit would be refused everywhere) and has a sample; every sample names
 * a row (no sample is left over from a removed option). */
TEST(strategy_every_row_has_scope_and_sample)
{
	size_t options = 0;
	for (size_t i = 0; i < client_cli.nrows; i++) {
		const struct cli_option *r = &client_cli.rows[i];
		if (!sampled(r))
			continue;
		options++;
		if (r->name == NULL || sample_of(r->name) == NULL || r->scope == 0 ||
		    (r->scope & ~STRATEGY_ALL))
			fprintf(stderr, "  --%s: no sample, or scope 0x%x\n", r->name ? r->name : "?",
				r->scope);
		CHECK(r->name != NULL && sample_of(r->name) != NULL);
		CHECK(r->scope != 0 && (r->scope & ~STRATEGY_ALL) == 0);
	}
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		const struct cli_option *r = cli_row(&client_cli, samples[i].name);
		if (r == NULL)
			fprintf(stderr, "  sample for --%s, which is no option\n", samples[i].name);
		CHECK(r != NULL && sampled(r));
	}
	CHECK(options == sizeof(samples) / sizeof(samples[0]));
}

/* Rule: in every strategy, every option is accepted there (and that strategy runs) exactly
 * when its scope says so, and refused with a message naming it otherwise. */
TEST(strategy_every_option_works_or_is_refused)
{
	struct client_opts o;
	char err[256];
	for (size_t i = 0; i < client_cli.nrows; i++) {
		const struct cli_option *row = &client_cli.rows[i];
		if (!sampled(row))
			continue;
		const char *const *sample = sample_of(row->name);
		if (sample == NULL)
			continue; /* strategy_every_row_has_scope_and_sample fails */
		unsigned scope = row->scope;
		for (int sid = 0; sid < STRATEGY_COUNT; sid++) {
			enum client_strategy_id want = (enum client_strategy_id)sid;
			enum parse_result r = parse_with(sample, want, &o, err);
			if (r == PARSE_OK) {
				/* accepted: the strategy that runs must be one the option works in */
				enum client_strategy_id id = client_strategy_of(&o);
				if (!(scope & STRATEGY_BIT(id)))
					fprintf(stderr, "  --%s accepted in %s\n", row->name,
						client_strategy_names[id]);
				if (want != STRATEGY_CONCURRENT && id != want)
					fprintf(stderr, "  --%s in %s ran %s\n", row->name,
						client_strategy_names[want], client_strategy_names[id]);
				CHECK(scope & STRATEGY_BIT(id));
				/* asked for sequential or rate: that is what runs */
				CHECK(want == STRATEGY_CONCURRENT || id == want);
			} else {
				char name[64];
				snprintf(name, sizeof(name), "--%s", row->name);
				/* the message names the option, or the one its sample led with */
				int named = strstr(err, name) || strstr(err, sample[0]);
				if (!named || (scope & STRATEGY_BIT(want)))
					fprintf(stderr, "  --%s refused in %s: %s\n", row->name,
						client_strategy_names[want], err);
				CHECK(r == PARSE_ERROR && named);
				CHECK(!(scope & STRATEGY_BIT(want)));
			}
		}
	}
}
