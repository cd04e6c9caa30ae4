/* The benchmark's yardstick: a minimal single-threaded epoll client and echo server doing
 * twtest's default workload (LOOPS loops of CONNS connections opened at once, 100 bytes
 * echoed, the client closes first), with no options, no checks and no statistics beyond a
 * count. `make bench` compares twtest against it.
 *   baseline server PORT
 *   baseline client IPV4 PORT LOOPS CONNS      prints "finished=N failed=N" */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define PAYLOAD 100
#define MAX_EVENTS 256

static void raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max = 1 << 20;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			getrlimit(RLIMIT_NOFILE, &rl);
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
}

static int run_server(int port)
{
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int one = 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 4096) < 0) {
		perror("baseline server: bind/listen");
		return 1;
	}
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	printf("listening\n");
	fflush(stdout);
	char buf[4096];
	struct epoll_event evs[MAX_EVENTS];
	for (;;) {
		int n = epoll_wait(ep, evs, MAX_EVENTS, -1);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == lfd) {
				int c;
				while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					struct epoll_event cev = {.events = EPOLLIN | EPOLLET, .data.fd = c};
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
				}
				continue;
			}
			for (;;) {
				ssize_t k = read(fd, buf, sizeof(buf));
				if (k > 0) {
					if (write(fd, buf, (size_t)k) < 0)
						break;
					continue;
				}
				if (k == 0 || errno != EAGAIN)
					close(fd);
				break;
			}
		}
	}
}

/* One epoll_wait: send on connect, count the echo, close when it is all back. */
static int poll_once(int ep, unsigned short *rcvd, const char *payload, long *open,
		     long *finished, long *failed, int timeout_ms)
{
	static char buf[4096];
	struct epoll_event evs[MAX_EVENTS];
	int n = epoll_wait(ep, evs, MAX_EVENTS, timeout_ms);
	for (int i = 0; i < n; i++) {
		int fd = evs[i].data.fd;
		uint32_t e = evs[i].events;
		if (e & (EPOLLERR | EPOLLHUP)) {
			close(fd);
			(*open)--;
			(*failed)++;
			continue;
		}
		/* rcvd: 0 until the payload is sent, then 1 + bytes received */
		if ((e & EPOLLOUT) && rcvd[fd] == 0 && write(fd, payload, PAYLOAD) == PAYLOAD)
			rcvd[fd] = 1;
		if (!(e & EPOLLIN))
			continue;
		ssize_t k;
		while ((k = read(fd, buf, sizeof(buf))) > 0)
			rcvd[fd] = (unsigned short)(rcvd[fd] + k);
		if (rcvd[fd] > PAYLOAD) {
			close(fd);
			(*open)--;
			(*finished)++;
		}
	}
	return n;
}

static int run_client(const char *ip, int port, long loops, long conns)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
		fprintf(stderr, "baseline client: bad address %s\n", ip);
		return 2;
	}
	/* per descriptor: 0 before the send, then 1 + bytes received */
	unsigned short *rcvd = calloc((size_t)conns + 64, sizeof(*rcvd));
	char payload[PAYLOAD];
	memset(payload, 'x', sizeof(payload));
	int ep = epoll_create1(0);
	long finished = 0, failed = 0, open = 0;
	for (long loop = 0; loop < loops; loop++) {
		for (long i = 0; i < conns; i++) {
			if (i % 64 == 63) /* serve completed connects while opening the rest */
				poll_once(ep, rcvd, payload, &open, &finished, &failed, 0);
			int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
			if (fd < 0 || (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS)) {
				if (fd >= 0)
					close(fd);
				failed++;
				continue;
			}
			rcvd[fd] = 0;
			struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN | EPOLLET, .data.fd = fd};
			epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
			open++;
		}
		while (open > 0)
			if (poll_once(ep, rcvd, payload, &open, &finished, &failed, 10000) <= 0)
				break;
		failed += open;
		open = 0;
	}
	printf("finished=%ld failed=%ld\n", finished, failed);
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	if (argc == 3 && strcmp(argv[1], "server") == 0)
		return run_server(atoi(argv[2]));
	if (argc == 6 && strcmp(argv[1], "client") == 0)
		return run_client(argv[2], atoi(argv[3]), atol(argv[4]), atol(argv[5]));
	fprintf(stderr, "usage: baseline server PORT | baseline client IPV4 PORT LOOPS CONNS\n");
	return 2;
}
