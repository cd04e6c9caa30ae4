/* Small socket helpers: they return 0 or an errno value and never exit. */
#ifndef TWTEST_SOCKUTIL_H
#define TWTEST_SOCKUTIL_H

#include <stdint.h>

/* setsockopt of an int; returns 0 or errno. */
int sock_set_int(int fd, int level, int name, int value);

/* SO_LINGER {1,0}: the next close() sends RST and skips TIME_WAIT. Returns 0 or errno. */
int sock_set_linger_rst(int fd);

/* The pending error of a socket (SO_ERROR), 0 if none. */
int sock_error(int fd);

/* The kernel's TCP state of a socket (TCP_INFO tcpi_state, e.g. TCP_CLOSE_WAIT), -1 on error. */
int sock_tcp_state(int fd);

/* Received bytes not yet read (SIOCINQ); 0 on error. */
uint32_t sock_unread(int fd);

#ifndef IP_LOCAL_PORT_RANGE
#define IP_LOCAL_PORT_RANGE 51 /* Linux 6.3+, absent from older libc headers */
#endif

#endif
