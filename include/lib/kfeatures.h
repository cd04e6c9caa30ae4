/* What the running kernel has of the socket options twtest sets: each one a client run
 * asks for is tried on a throwaway socket before the run, so an option the kernel lacks is
 * refused once, naming the Linux version that added it, instead of failing every
 * connection. (The sysctls twtest reads tell absent from unreadable in lib/sysctl.h.) */
#ifndef TWTEST_KFEATURES_H
#define TWTEST_KFEATURES_H

#include <stddef.h>

#include "lib/sockutil.h"

/* One socket option a run may set, and the release that added it. */
struct kfeature {
	const char *flag;   /* the command-line option that asks for it */
	const char *option; /* the socket option's name */
	const char *since;  /* the Linux version that added it */
};

/* The one-line refusal: "--local-port-range needs Linux 6.3 or later (IP_LOCAL_PORT_RANGE:
 * Protocol not available; this kernel is 6.1.0-57-amd64)". Writes buf, returns it. */
const char *kfeature_refusal(const struct kfeature *f, int err, const char *release, char *buf,
			     size_t len);

/* Try every option spec asks for on a socket of spec->dst's family. Returns 0 when the
 * kernel takes them all (or an option failed for another reason: the run counts that), or
 * ENOPROTOOPT with the refusal in err; another errno when no socket could be made. */
int kfeatures_check_client(const struct sock_client_spec *spec, char *err, size_t errlen);

#endif
