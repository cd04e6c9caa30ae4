/* libFuzzer target: the ports subcommand's command line (ports_parse_args); the input is
 * the arguments after `ports`, separated by NUL bytes.
 * Rules: no crash, leak or undefined behaviour; every result is OK with the options inside
 * their documented ranges, help, or one printable error line; a second parse agrees. */
#include <netinet/in.h>

#include "fuzz.h"
#include "ports/ports_cmd.h"

static int ports_opts_valid(const struct ports_opts *o)
{
	return o->top <= 1000000 && o->interval_ms >= 1 && o->interval_ms <= 60000 &&
	       o->watch_ms <= 3600000 && o->fail_above >= -1 && o->fail_above <= 100 &&
	       (o->format == PORTS_TEXT || o->format == PORTS_JSON || o->format == PORTS_PROM) &&
	       (o->dst_name == NULL || o->dst_family == AF_INET || o->dst_family == AF_INET6) &&
	       (!o->nat_ports_given || (o->nat && o->nat_lo >= 1 && o->nat_lo <= o->nat_hi));
}

static enum parse_result parse(int argc, char **argv, void *o, char *err, size_t errlen)
{
	return ports_parse_args(argc, argv, o, err, errlen);
}

static int valid(const void *o)
{
	return ports_opts_valid(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct fuzz_parser p = {"ports", sizeof(struct ports_opts), parse, valid};
	fuzz_parser_run(&p, data, size);
	return 0;
}
