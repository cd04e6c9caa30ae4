/* Unit tests of the read loop every connection shares (sock_read_loop, src/lib/sockutil.c)
 * over a non-blocking socketpair. Rule: every byte sent reaches the handler once, in order,
 * and the loop ends with what ended it: the socket empty (AGAIN), the peer's FIN (EOF,
 * after all the bytes before it), the handler's stop (STOPPED, nothing read after it), a
 * failure (FAILED with the errno). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/sockutil.h"
#include "unit.h"

/* What the handler saw, and after how many calls it says stop (0: never). */
struct seen {
	unsigned char bytes[256];
	size_t len;
	int calls, stop_after;
};

static int take(void *ctx, const unsigned char *buf, size_t n)
{
	struct seen *s = ctx;
	if (s->len + n <= sizeof(s->bytes))
		memcpy(s->bytes + s->len, buf, n);
	s->len += n;
	return ++s->calls == s->stop_after;
}

static int pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -1;
	return fcntl(sv[0], F_SETFL, O_NONBLOCK);
}

TEST(sock_read_loop_until_empty_then_eof)
{
	int sv[2], err = 0;
	unsigned char buf[4]; /* smaller than what was sent: several chunks */
	struct seen s = {0};
	CHECK(pair(sv) == 0);
	CHECK(write(sv[1], "0123456789", 10) == 10);
	CHECK(sock_read_loop(sv[0], buf, sizeof(buf), take, &s, &err) == SOCK_READ_AGAIN);
	CHECK(s.len == 10 && memcmp(s.bytes, "0123456789", 10) == 0 && s.calls == 3);
	CHECK(write(sv[1], "ab", 2) == 2);
	close(sv[1]);
	CHECK(sock_read_loop(sv[0], buf, sizeof(buf), take, &s, &err) == SOCK_READ_EOF);
	CHECK(s.len == 12 && memcmp(s.bytes + 10, "ab", 2) == 0);
	close(sv[0]);
}

TEST(sock_read_loop_stops_when_told)
{
	int sv[2], err = 0;
	unsigned char buf[4];
	struct seen s = {.stop_after = 1};
	CHECK(pair(sv) == 0);
	CHECK(write(sv[1], "0123456789", 10) == 10);
	CHECK(sock_read_loop(sv[0], buf, sizeof(buf), take, &s, &err) == SOCK_READ_STOPPED);
	CHECK(s.calls == 1 && s.len == 4); /* the rest is left in the socket */
	CHECK(read(sv[0], buf, sizeof(buf)) == 4 && memcmp(buf, "4567", 4) == 0);
	close(sv[0]);
	close(sv[1]);
}

TEST(sock_read_loop_failure_gives_errno)
{
	int err = 0;
	unsigned char buf[4];
	struct seen s = {0};
	CHECK(sock_read_loop(-1, buf, sizeof(buf), take, &s, &err) == SOCK_READ_FAILED);
	CHECK(err == EBADF && s.calls == 0);
}

/* Rule (sock_read_edge): a full receive reads on, a short one ends the loop as AGAIN (the
 * socket is empty) with every byte handed over; with the peer's FIN seen on the edge, a short
 * receive ends it as EOF with the bytes before the FIN handed over; a FIN not seen is read. */
TEST(sock_read_edge_short_receive_ends_it)
{
	int sv[2], err = 0;
	unsigned char buf[4];
	struct seen s = {0};
	CHECK(pair(sv) == 0);
	CHECK(write(sv[1], "0123456789", 10) == 10);
	CHECK(sock_read_edge(sv[0], buf, sizeof(buf), 0, take, &s, &err) == SOCK_READ_AGAIN);
	CHECK(s.len == 10 && memcmp(s.bytes, "0123456789", 10) == 0 && s.calls == 3);
	CHECK(write(sv[1], "ab", 2) == 2);
	close(sv[1]);
	CHECK(sock_read_edge(sv[0], buf, sizeof(buf), 1, take, &s, &err) == SOCK_READ_EOF);
	CHECK(s.len == 12 && memcmp(s.bytes + 10, "ab", 2) == 0 && s.calls == 4);
	CHECK(sock_read_edge(sv[0], buf, sizeof(buf), 0, take, &s, &err) == SOCK_READ_EOF);
	CHECK(s.calls == 4);
	close(sv[0]);
}
