/* A fuzzing pass over the command-line parsers (client_parse_args, server_parse_args):
 * random argument vectors from a fixed seed, a bounded number of them, built from option
 * names, edge-case values and random bytes. Run under ASan+UBSan by `make test`, so an
 * out-of-bounds read or an overflow in the parsers fails here. */
#include <stdint.h>
#include <stdlib.h>

#include "options.h"
#include "unit.h"

#define FUZZ_ITERATIONS 50000
#define FUZZ_MAX_ARGS 12
#define ERRLEN 256

static uint64_t rng_state;

/* xorshift64*: the same sequence on every run and machine. */
static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ull) >> 33) % n;
}

static const char *const words[] = {
	"--port", "-p", "--payload", "--timeout", "--close", "--reuseport", "--linger",
	"--reuseaddr", "--bind", "--bind-no-port", "--local-port-range", "--interval", "--format",
	"--fail-on-error", "--threads", "--help", "-h", "--no-reuseaddr", "--backlog",
	"--max-conns", "--idle-timeout", "--", "-", "", "--port=", "--payload=64m", "--re",
	"--close=shutdown", "--linger=1", "-p1", "-ph", "-hp", "-x", "---", "--=",
	"0", "1", "2", "-1", "65535", "65536", "4294967295", "4294967296",
	"18446744073709551615", "18446744073709551616", "99999999999999999999999999", "1k", "64m",
	"65m", "1g", "16383g", "k", "0k", "1.5", "1e3", " 1", "1 ", "+1", "0x10", "1-2", "2-1",
	"0-0", "1-65535", "-5", "5-", "-", "client", "server", "shutdown", "first", "rst", "wait",
	"text", "csv", "json", "127.0.0.1", "::1", "::", "0.0.0.0", "198.18.0.1", "fe80::1",
	"::ffff:127.0.0.1", "300.1.1.1", "1.2.3.4.5", "[::1]", "127.0.0.1:80",
};
#define NWORDS (sizeof(words) / sizeof(words[0]))

/* DSTIP candidates: literals only, so the fuzz never waits on a DNS lookup. */
static const char *const literals[] = {"127.0.0.1", "::1", "198.18.0.1", "0.0.0.0", "::"};

struct fuzz_args {
	int argc;
	char *argv[FUZZ_MAX_ARGS + 5];
	char store[FUZZ_MAX_ARGS + 4][24];
};

/* A random token: a word, a word with bytes changed, or random bytes (NUL-free). */
static void random_token(char *dst, size_t len)
{
	uint32_t kind = rnd(8);
	if (kind < 5) {
		snprintf(dst, len, "%s", words[rnd(NWORDS)]);
	} else if (kind < 7) {
		snprintf(dst, len, "%s", words[rnd(NWORDS)]);
		size_t n = strlen(dst);
		for (uint32_t k = rnd(3) + 1; n && k; k--)
			dst[rnd((uint32_t)n)] = (char)(rnd(255) + 1);
	} else {
		size_t n = rnd((uint32_t)len);
		for (size_t i = 0; i < n; i++)
			dst[i] = (char)(rnd(255) + 1);
		dst[n] = '\0';
	}
}

/* argv[0] is the subcommand; the client's first non-option is always a literal DSTIP, and
 * half the time valid LOOPS and CONNS follow it, so that some lines parse. */
static void random_args(struct fuzz_args *a, const char *sub, int with_dst)
{
	a->argc = 0;
	snprintf(a->store[a->argc++], sizeof(a->store[0]), "%s", sub);
	if (with_dst) {
		snprintf(a->store[a->argc++], sizeof(a->store[0]), "%s", literals[rnd(5)]);
		if (rnd(2)) {
			snprintf(a->store[a->argc++], sizeof(a->store[0]), "%u", rnd(1000) + 1);
			snprintf(a->store[a->argc++], sizeof(a->store[0]), "%u", rnd(1000) + 1);
		}
	}
	for (uint32_t k = rnd(FUZZ_MAX_ARGS + 1); k; k--)
		random_token(a->store[a->argc++], sizeof(a->store[0]));
	for (int i = 0; i < a->argc; i++)
		a->argv[i] = a->store[i];
	a->argv[a->argc] = NULL;
}

/* An error is one non-empty line of printable text that fits the buffer. */
static int error_is_one_line(const char *err)
{
	if (err[0] == '\0')
		return 0;
	for (const char *p = err; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

static int client_opts_valid(const struct client_opts *o)
{
	return o->loops >= 1 && o->loops <= 1000000 && o->conns >= 1 &&
	       o->conns <= TWTEST_MAX_CONNS && o->port >= 1 &&
	       o->payload <= TWTEST_MAX_PAYLOAD && o->timeout_ms >= 1 && o->port_lo <= o->port_hi &&
	       !(o->linger && o->close_mode == CLIENT_CLOSE_SHUTDOWN) &&
	       (!o->bind_no_port || o->bind_name) && o->threads >= 1 && o->threads <= o->conns &&
	       (!o->bind_name || o->bind.addr.ss_family == o->dst.addr.ss_family);
}

/* Rule: random client command lines never crash or hang the parser; each gives OK with
 * options inside their documented ranges, help, or one printable error line; and parsing
 * the same line again gives the same answer (getopt's state is reset). */
TEST(fuzz_client_parse_args)
{
	rng_state = 0x7477746573740001ull;
	int ok = 0, errors = 0;
	for (int i = 0; i < FUZZ_ITERATIONS; i++) {
		struct fuzz_args a, b;
		random_args(&a, "client", 1);
		b = a;
		for (int j = 0; j < b.argc; j++)
			b.argv[j] = b.store[j];
		struct client_opts o;
		char err[ERRLEN] = "", err2[ERRLEN] = "";
		enum parse_result r = client_parse_args(a.argc, a.argv, &o, err, sizeof(err));
		if (r == PARSE_OK) {
			ok++;
			CHECK(client_opts_valid(&o));
		} else if (r == PARSE_ERROR) {
			errors++;
			CHECK(error_is_one_line(err));
		} else {
			CHECK(r == PARSE_HELP);
		}
		struct client_opts o2;
		CHECK(client_parse_args(b.argc, b.argv, &o2, err2, sizeof(err2)) == r);
		CHECK(r != PARSE_ERROR || strcmp(err, err2) == 0);
	}
	/* the generator reaches both outcomes, or the pass proves little */
	CHECK(ok > 0 && errors > 0);
}

/* Rule: the same for the server's command line, which resolves no names. */
TEST(fuzz_server_parse_args)
{
	rng_state = 0x7477746573740002ull;
	int ok = 0, errors = 0;
	for (int i = 0; i < FUZZ_ITERATIONS; i++) {
		struct fuzz_args a;
		random_args(&a, "server", 0);
		struct server_opts o;
		char err[ERRLEN] = "";
		enum parse_result r = server_parse_args(a.argc, a.argv, &o, err, sizeof(err));
		if (r == PARSE_OK) {
			ok++;
			CHECK(o.payload >= 1 && o.payload <= TWTEST_MAX_PAYLOAD);
			CHECK(o.max_conns <= TWTEST_MAX_CONNS && o.idle_timeout_ms <= 86400000);
			CHECK(o.threads >= 1);
		} else if (r == PARSE_ERROR) {
			errors++;
			CHECK(error_is_one_line(err));
		} else {
			CHECK(r == PARSE_HELP);
		}
	}
	CHECK(ok > 0 && errors > 0);
}
