/* The server's listening sockets (src/server/server_listen.c): the address, the options,
 * bind and listen. Nothing here prints: a failure comes back as a one-line message for the
 * caller to print. */
#ifndef TWTEST_SERVER_LISTEN_H
#define TWTEST_SERVER_LISTEN_H

#include <stddef.h>
#include <stdint.h>

#include "server/server_loop.h"

/* Thread t's listener on every port into s->ls (s->nls of them open). Thread 0 chooses the
 * address with its first port (--bind, or [::] with IPv4 too, or 0.0.0.0 where IPv6 is
 * disabled) and keeps it for the others; later threads bind what thread 0 got (a port 0
 * included). bound[] holds one address per port. reuseport: SO_REUSEPORT, so that the
 * threads' listeners share each port and the kernel spreads new connections over them.
 * Returns 0, or -1 with a message in err. */
int server_listen_all(struct server *s, uint32_t t, uint32_t backlog, int reuseport,
		      struct endpoint *bound, char *err, size_t errlen);

#endif
