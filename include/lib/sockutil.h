/* The socket layer every path shares: opening a client socket, sending and receiving on a
 * non-blocking socket, reading a socket's port, socket options, the payload pattern.
 *
 * Error convention: nothing here prints or exits. Functions that can fail return 0 on
 * success or the positive errno value; the I/O helpers return an io_result and put the
 * errno value in *err when the result is IO_FAILED. EINTR is retried inside, never returned. */
#ifndef TWTEST_SOCKUTIL_H
#define TWTEST_SOCKUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "lib/parse.h"

#ifndef IP_LOCAL_PORT_RANGE
#define IP_LOCAL_PORT_RANGE 51 /* Linux 6.3+, absent from older libc headers */
#endif

/* What a send or receive helper did; callers switch on it. */
enum io_result {
	IO_DONE,   /* everything asked for was done (a receive got data or EOF) */
	IO_AGAIN,  /* the socket would block: retry when epoll/poll says so */
	IO_FAILED, /* the connection failed: *err holds errno */
};

/* Send buf[*off, len) until all of it is sent or the socket is full; *off advances by
 * what was sent. MSG_NOSIGNAL: a closed peer is EPIPE, never SIGPIPE. */
enum io_result sock_send(int fd, const void *buf, size_t len, size_t *off, int *err);

/* One receive of at most cap bytes; on IO_DONE *n is the count, 0 meaning EOF. */
enum io_result sock_recv(int fd, void *buf, size_t cap, size_t *n, int *err);

/* How sock_read_loop ended. */
enum sock_read_end {
	SOCK_READ_AGAIN,   /* the socket is empty: read again when epoll/poll says so */
	SOCK_READ_EOF,     /* the peer's FIN: everything before it was handed over */
	SOCK_READ_FAILED,  /* the connection failed: *err holds errno */
	SOCK_READ_STOPPED, /* the handler said stop (it closed the connection, or must wait) */
};

/* A reader's handler: n > 0 bytes arrived in buf; 0 to read on, nonzero to stop. */
typedef int (*sock_input_fn)(void *ctx, const unsigned char *buf, size_t n);

/* The read loop every connection shares (wrk's socket_readable): receive into buf (cap
 * bytes) and hand each chunk to input, until the socket is empty, the peer's FIN, a
 * failure, or input says stop. One recv() per chunk, no copy. */
enum sock_read_end sock_read_loop(int fd, unsigned char *buf, size_t cap, sock_input_fn input,
				  void *ctx, int *err);

/* The same for an edge-triggered epoll reader, without the receive that would only find the
 * socket empty: a receive shorter than cap emptied it (epoll(7): on a stream socket the next
 * arrival raises a new edge), so the loop ends there as AGAIN, or as EOF when the edge
 * already carried the peer's FIN (fin_seen: EPOLLRDHUP without EPOLLERR), since everything
 * before the FIN was in that receive. The client's connections use it: one receive a
 * response instead of two. */
enum sock_read_end sock_read_edge(int fd, unsigned char *buf, size_t cap, int fin_seen,
				  sock_input_fn input, void *ctx, int *err);

/* The steps of opening a client socket, in order; where sock_open_client stopped. */
enum sock_step { SOCK_STEP_SOCKET, SOCK_STEP_OPTION, SOCK_STEP_BIND, SOCK_STEP_CONNECT };

/* How to open a client socket: destination, optional source, and the options to set. */
struct sock_client_spec {
	const struct endpoint *dst;
	const struct endpoint *src; /* bind() to it first when not NULL */
	int reuseport;              /* SO_REUSEPORT */
	int reuseaddr;              /* SO_REUSEADDR */
	int linger_rst;             /* SO_LINGER {1,0}: close() sends RST, no TIME_WAIT */
	int bind_no_port;           /* IP_BIND_ADDRESS_NO_PORT: bind defers the port to connect */
	int freebind;               /* IP_FREEBIND: bind an address the host does not have */
	uint16_t port_lo, port_hi;  /* IP_LOCAL_PORT_RANGE when port_hi != 0 */
};

/* socket (non-blocking), options, bind, connect. Returns 0 with *fd open and the connect
 * done or in progress; or errno with *fd = -1 and *step saying which step failed.
 * EADDRNOTAVAIL from connect() is not retried: running out of ports is what is measured. */
int sock_open_client(const struct sock_client_spec *spec, int *fd, enum sock_step *step);

/* Can a socket bind to address ep (its port ignored) on this host? 0, or the errno of
 * bind(): EADDRNOTAVAIL when no interface has it. Takes no port (IP_BIND_ADDRESS_NO_PORT). */
int sock_addr_bindable(const struct endpoint *ep);

/* The source address the routes give toward dst (a UDP socket's connect(): nothing is
 * sent), into *src; 0, or errno. */
int sock_route_source(const struct endpoint *dst, struct endpoint *src);

/* setsockopt of an int. */
int sock_set_int(int fd, int level, int name, int value);

/* SO_LINGER {1,0}: the next close() sends RST and skips TIME_WAIT. */
int sock_set_linger_rst(int fd);

/* The pending error of a socket (SO_ERROR), 0 if none. */
int sock_error(int fd);

/* The kernel's TCP state of a socket (TCP_INFO tcpi_state, e.g. TCP_CLOSE_WAIT), -1 on error. */
int sock_tcp_state(int fd);

/* Received bytes not yet read (SIOCINQ); 0 on error. */
uint32_t sock_unread(int fd);

/* The local port of a socket (getsockname), 0 if it has none or on error. */
uint16_t sock_local_port(int fd);

/* The payload every client sends: a pattern with period 251 (a prime), so a lost, doubled
 * or reordered chunk shows up as a mismatch unless it moves by a multiple of 251 bytes.
 * Returns a malloc'd buffer of max(len, 1) bytes, or NULL. */
unsigned char *payload_new(uint32_t len);

#endif
