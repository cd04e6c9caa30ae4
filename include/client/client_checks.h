/* The client's rules between options (src/client/client_checks.c), run by client_parse_args
 * after every option was parsed alone. */
#ifndef TWTEST_CLIENT_CHECKS_H
#define TWTEST_CLIENT_CHECKS_H

#include <stddef.h>

#include "client/client_opts.h"
#include "lib/cli.h"

/* Every rule between the options of o (p: which were given); PARSE_OK, or PARSE_ERROR with
 * a one-line message in err. */
enum parse_result client_validate(struct client_opts *o, const struct cli_parse *p, char *err,
				  size_t errlen);

/* When the operands are wrong and an option given needs one not given (`--duration 3`
 * without --rate), say that in err instead. */
void client_needs_another(const struct client_opts *o, const struct cli_parse *p, char *err,
			  size_t errlen);

#endif
