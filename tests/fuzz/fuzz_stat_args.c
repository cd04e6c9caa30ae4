/* libFuzzer target: the stat subcommand's command line (stat_parse_args); the input is the
 * arguments after `stat`, separated by NUL bytes.
 * Rules: no crash, leak or undefined behaviour; every result is OK with the options inside
 * their documented ranges and rules, help, or one printable error line; a second parse
 * agrees. */
#include "fuzz.h"
#include "stat/stat_cmd.h"

static int stat_opts_valid(const struct stat_opts *o)
{
	return (o->format == FORMAT_TEXT || o->format == FORMAT_JSON) &&
	       o->watch_ms <= 3600000 && o->timeout_s <= 86400 &&
	       (o->timeout_s == 0 || o->wait_clear) && !(o->wait_clear && o->watch_ms);
}

FUZZ_PARSER_TARGET("stat", struct stat_opts, stat_parse_args, stat_opts_valid)
