/* hostile: misbehaving TCP peers for the fault tests (tests/integration/faults.sh).
 *
 * Server modes listen on 127.0.0.1, port 0, print "port=N" on stdout and serve until killed:
 *   silent   accept and never read or answer
 *   garbage  echo every byte with its bits flipped (the client must see echo/mismatch)
 *   short    echo half of the first read, then close (echo/short)
 *   extra    echo, then send one byte more than was read (echo/extra)
 *   rst      read once, then close with RST (read/ECONNRESET or write/ECONNRESET|EPIPE)
 *   backlog  listen with backlog 0 and never accept: later SYNs are dropped (timeout/connect)
 * HTTP server modes answer each read (one request: the http client never pipelines) with:
 *   http-chunked    200, chunked transfer coding, keep-alive
 *   http-close      200 without Content-Length, the body delimited by closing
 *   http10          HTTP/1.0 200 with Content-Length, then a close
 *   http-502        502 Bad Gateway with Content-Length, keep-alive (status/502)
 *   http-garbage    bytes that are not HTTP (response/EPROTO)
 *   http-bighead    a head of 64 KiB (response/EMSGSIZE under --max-response 16k)
 *   http-truncated  Content-Length 100 and 10 bytes of body, then a close (response/short)
 *   http-stall      Content-Length 100 and 10 bytes of body, then nothing (timeout/response)
 * Keep-alive modes (hostile MODE N) answer 200 with "hello" and keep-alive N times on each
 * connection, then read the next request and do what the mode says (the request read
 * first, so that a close sends a FIN, not the RST of unread bytes):
 *   ka-fin N   close: the server's FIN before any byte of the response (it holds TIME_WAIT)
 *   ka-rst N   close with RST before any byte of the response
 *   ka-cut N   send the head and 2 of the 5 bytes of body, then close (response/short)
 *   ka-once N  the first connection accepted answers N, every later one 0, then closes
 * Client modes connect N times to 127.0.0.1:PORT and print one "key=value ..." line:
 *   hold PORT N MS    send nothing; wait up to MS ms for the server to close each one
 *                     -> opened=N closed_by_peer=K
 *   flood PORT N MS   send without ever reading for MS ms -> opened=N bytes_sent=B
 *   abort PORT N      send 256 KiB on each, close with RST at once -> opened=N
 * Everything is bounded in count and time; errors go to stderr with exit status 1. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PEERS 20000
#define BUF 65536

static unsigned char buf[BUF];

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static int fail(const char *what)
{
	fprintf(stderr, "hostile: %s: %s\n", what, strerror(errno));
	return 1;
}

static void set_rst(int fd)
{
	struct linger l = {1, 0};
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

static struct sockaddr_in loopback(unsigned port)
{
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* Write all of text; 0 or -1. */
static int write_all(int fd, const char *text, size_t len)
{
	while (len) {
		ssize_t k = write(fd, text, len);
		if (k <= 0)
			return -1;
		text += k;
		len -= (size_t)k;
	}
	return 0;
}

#define TEXT(s) s, sizeof(s) - 1

/* An HTTP mode's answer to one request. Returns 0 to keep the connection open. */
static int serve_http(const char *mode, int fd)
{
	if (strcmp(mode, "http-chunked") == 0)
		return write_all(fd, TEXT("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
					  "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n"));
	if (strcmp(mode, "http-close") == 0) {
		write_all(fd, TEXT("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nthe body ends here"));
		return -1;
	}
	if (strcmp(mode, "http10") == 0) {
		write_all(fd, TEXT("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello"));
		return -1;
	}
	if (strcmp(mode, "http-502") == 0)
		return write_all(fd, TEXT("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 3\r\n\r\nbad"));
	if (strcmp(mode, "http-garbage") == 0)
		return write_all(fd, TEXT("SSH-2.0-OpenSSH_9.2\r\n\r\n"));
	if (strcmp(mode, "http-bighead") == 0) {
		if (write_all(fd, TEXT("HTTP/1.1 200 OK\r\nX-Big: ")) < 0)
			return -1;
		memset(buf, 'a', BUF);
		return write_all(fd, (const char *)buf, BUF) < 0 ||
		       write_all(fd, TEXT("\r\nContent-Length: 0\r\n\r\n")) < 0 ? -1 : 0;
	}
	if (strcmp(mode, "http-truncated") == 0) {
		write_all(fd, TEXT("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"));
		return -1;
	}
	/* http-stall */
	return write_all(fd, TEXT("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"));
}

/* A keep-alive mode's answer to one request, the answered-th on this connection, which
 * may answer `answers`. Returns 0 to keep the connection open. */
static int serve_ka(const char *mode, int fd, int answered, int answers)
{
	if (answered < answers)
		return write_all(fd, TEXT("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
					  "Connection: keep-alive\r\n\r\nhello"));
	if (strcmp(mode, "ka-rst") == 0)
		set_rst(fd);
	else if (strcmp(mode, "ka-cut") == 0)
		write_all(fd, TEXT("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhe"));
	return -1;
}

/* One connection of a server mode: answer as the mode says; seq counts the connections
 * accepted before it, *answered the requests it answered. Returns 0 to keep it open. */
static int serve_one(const char *mode, int fd, int n, int seq, int *answered)
{
	if (strcmp(mode, "silent") == 0)
		return 0;
	ssize_t k = read(fd, buf, BUF - 1); /* room for extra's byte */
	if (k <= 0)
		return -1;
	if (strncmp(mode, "ka-", 3) == 0) {
		int answers = strcmp(mode, "ka-once") == 0 && seq > 0 ? 0 : n;
		return serve_ka(mode, fd, (*answered)++, answers);
	}
	if (strncmp(mode, "http", 4) == 0)
		return serve_http(mode, fd);
	if (strcmp(mode, "garbage") == 0) {
		for (ssize_t i = 0; i < k; i++)
			buf[i] ^= 0xff;
		return write(fd, buf, (size_t)k) == k ? 0 : -1;
	}
	if (strcmp(mode, "short") == 0) {
		if (write(fd, buf, (size_t)(k / 2)) < 0)
			return -1;
		return -1;
	}
	if (strcmp(mode, "extra") == 0) {
		buf[k] = 0;
		if (write(fd, buf, (size_t)k + 1) < 0)
			return -1;
		return 0;
	}
	/* rst */
	set_rst(fd);
	return -1;
}

static int run_server(const char *mode, int n)
{
	int backlog_mode = strcmp(mode, "backlog") == 0;
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0)
		return fail("socket");
	struct sockaddr_in a = loopback(0);
	socklen_t len = sizeof(a);
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, backlog_mode ? 0 : 1024) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &len) < 0)
		return fail("listen");
	printf("port=%u\n", ntohs(a.sin_port));
	fflush(stdout);
	if (backlog_mode)
		for (;;)
			pause();

	static struct pollfd p[MAX_PEERS];
	static int seq[MAX_PEERS], answered[MAX_PEERS]; /* of the connection at p[i] */
	int accepted = 0;
	nfds_t np = 1;
	p[0].fd = lfd;
	p[0].events = POLLIN;
	for (;;) {
		if (poll(p, np, -1) < 0 && errno != EINTR)
			return fail("poll");
		if (p[0].revents & POLLIN) {
			int fd = accept(lfd, NULL, NULL);
			if (fd >= 0 && np < MAX_PEERS) {
				p[np].fd = fd;
				p[np].events = strcmp(mode, "silent") == 0 ? 0 : POLLIN;
				p[np].revents = 0;
				seq[np] = accepted++;
				answered[np] = 0;
				np++;
			} else if (fd >= 0) {
				close(fd);
			}
		}
		for (nfds_t i = 1; i < np; i++) {
			if (!p[i].revents)
				continue;
			if (serve_one(mode, p[i].fd, n, seq[i], &answered[i]) < 0) {
				close(p[i].fd);
				np--;
				p[i] = p[np], seq[i] = seq[np], answered[i] = answered[np];
				i--;
			}
		}
	}
}

/* Connect n blocking sockets to port; returns how many connected, fds in fds. */
static int connect_many(unsigned port, int n, int *fds)
{
	struct sockaddr_in a = loopback(port);
	for (int i = 0; i < n; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		/* ECONNRESET: the handshake completed and the server reset the connection before
		 * connect() returned (a server refusing over --max-conns on the other core). It
		 * was opened; its descriptor reads as closed by the peer. */
		if (fds[i] < 0 || (connect(fds[i], (struct sockaddr *)&a, sizeof(a)) < 0 &&
				   errno != ECONNRESET)) {
			fail("connect");
			return i;
		}
	}
	return n;
}

static int run_client(const char *mode, unsigned port, int n, long ms)
{
	static int fds[MAX_PEERS];
	static struct pollfd p[MAX_PEERS];
	int opened = connect_many(port, n, fds);
	if (strcmp(mode, "abort") == 0) {
		for (int i = 0; i < opened; i++) {
			fcntl(fds[i], F_SETFL, O_NONBLOCK);
			for (int j = 0; j < 4; j++)
				if (send(fds[i], buf, BUF, MSG_NOSIGNAL) < 0)
					break;
			set_rst(fds[i]);
			close(fds[i]);
		}
		printf("opened=%d\n", opened);
		return opened == n ? 0 : 1;
	}
	long end = now_ms() + ms;
	if (strcmp(mode, "flood") == 0) {
		unsigned long long sent = 0;
		for (int i = 0; i < opened; i++) {
			fcntl(fds[i], F_SETFL, O_NONBLOCK);
			p[i].fd = fds[i];
			p[i].events = POLLOUT;
		}
		for (long left; (left = end - now_ms()) > 0;) {
			if (poll(p, (nfds_t)opened, (int)left) <= 0)
				continue;
			for (int i = 0; i < opened; i++) {
				ssize_t k;
				if (p[i].revents & POLLOUT)
					while ((k = send(p[i].fd, buf, BUF, MSG_NOSIGNAL)) > 0)
						sent += (unsigned long long)k;
				if (p[i].revents & (POLLERR | POLLHUP))
					p[i].fd = -1;
			}
		}
		printf("opened=%d bytes_sent=%llu\n", opened, sent);
		return opened == n ? 0 : 1;
	}
	/* hold: a connection the server closed reads EOF or an error */
	int closed = 0;
	for (int i = 0; i < opened; i++) {
		p[i].fd = fds[i];
		p[i].events = POLLIN;
	}
	for (long left; closed < opened && (left = end - now_ms()) > 0;) {
		if (poll(p, (nfds_t)opened, (int)left) <= 0)
			continue;
		for (int i = 0; i < opened; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			if (recv(p[i].fd, buf, BUF, MSG_DONTWAIT) <= 0) {
				p[i].fd = -1;
				closed++;
			}
		}
	}
	printf("opened=%d closed_by_peer=%d\n", opened, closed);
	return opened == n ? 0 : 1;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && strncmp(argv[1], "http", 4) == 0)
		signal(SIGPIPE, SIG_IGN); /* a client that gave up: the write fails, the mode goes on */
	if (argc == 2)
		return run_server(argv[1], 0);
	if (argc == 3 && strncmp(argv[1], "ka-", 3) == 0) {
		signal(SIGPIPE, SIG_IGN);
		return run_server(argv[1], atoi(argv[2]));
	}
	if (argc >= 4) {
		struct rlimit rl;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		int n = atoi(argv[3]);
		if (n < 1 || n > MAX_PEERS - 16) {
			fprintf(stderr, "hostile: N must be 1-%d\n", MAX_PEERS - 16);
			return 2;
		}
		return run_client(argv[1], (unsigned)atoi(argv[2]), n, argc > 4 ? atol(argv[4]) : 0);
	}
	fprintf(stderr, "usage: hostile silent|garbage|short|extra|rst|backlog\n"
			"       hostile http-chunked|http-close|http10|http-502|http-garbage|\n"
			"               http-bighead|http-truncated|http-stall\n"
			"       hostile ka-fin|ka-rst|ka-cut|ka-once N\n"
			"       hostile hold|flood PORT N MS | abort PORT N\n");
	return 2;
}
