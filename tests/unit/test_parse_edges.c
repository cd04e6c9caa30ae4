/* Unit tests of parse.c's edges that the mutation check (tools/mutants.sh) found untested:
 * the address mistakes' brackets, port digits and host length. */
#include <string.h>

#include "lib/parse.h"
#include "unit.h"

/* Rule: HOST:PORT is taken apart only when PORT is 1-5 digits (65535 is one) and HOST is a
 * host: a bracket pair around it, not one bracket alone or an empty pair, and at most 255
 * bytes (no name is longer); "a:" has an empty port, a lone ":" no host, and a URL whose
 * host is empty ("[]", or a port alone) says so; anything else is left to the resolver,
 * which names it. */
TEST(parse_addr_mistake_edges)
{
	char m[400];
	static const struct {
		const char *in, *want; /* want: the message, or NULL when it may be an address or a name */
	} cases[] = {
		{"127.0.0.1:65535", "an address with a port: give 127.0.0.1 and --port 65535"},
		{"db.internal:8x", NULL},
		{"db.internal:x8", NULL},
		{"[]:80", NULL},
		{"[::1:80", NULL},
		{"web]:80", "an address with a port: give web] and --port 80"},
		{"http://[::1/", "a URL, not an address: give [::1 and --port 80"},
		{"http://web]/", "a URL, not an address: give web] and --port 80"},
		{"http://[]/", "a URL without a host, not an address"},
		{"https://", "a URL without a host, not an address"},
		{"http://:8080/", "a URL without a host, not an address"},
		{"a:", "an address with an empty port: give a and --port PORT"},
		{":", "not an IPv6 address (eight groups of hex digits, :: once: fd00::1)"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m[0] = '\0';
		int rc = parse_addr_mistake(cases[i].in, m, sizeof(m));
		CHECK(rc == (cases[i].want ? -1 : 0));
		if (cases[i].want)
			CHECK_STR(m, cases[i].want);
		if (rc != (cases[i].want ? -1 : 0))
			fprintf(stderr, "    at \"%s\": %s\n", cases[i].in, m);
	}
	char name[300];
	memset(name, 'x', 255);
	strcpy(name + 255, ":80");
	CHECK(parse_addr_mistake(name, m, sizeof(m)) == -1 && strstr(m, "--port 80") != NULL);
	memset(name, 'x', 256);
	strcpy(name + 256, ":80");
	CHECK(parse_addr_mistake(name, m, sizeof(m)) == 0);
}
