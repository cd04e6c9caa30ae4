/* Unit tests of the server's HTTP side (src/server/server_http.c) over a socketpair. Rule:
 * every whole request is answered once, in order; the reply to one that ends the connection
 * says Connection: close and is the last; bad heads get 400/431; a partial write resumes
 * where it stopped; the counts match what went out. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/server_http.h"
#include "unit.h"

/* Feed req to a fresh connection, send what it owes into a socketpair, and read it back into
 * out (NUL-terminated). Returns how many "HTTP/1.1 " status lines came. */
static int exchange(const char *req, int close_each, struct http_server_stats *st, char *out,
		    size_t outlen, int *closing)
{
	struct http_replies r;
	struct http_conn h;
	int sv[2];
	if (http_replies_init(&r, 3) != 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -1;
	http_conn_init(&h);
	http_conn_input(&h, req, strlen(req), close_each, st);
	uint64_t sent = 0;
	int err = 0;
	enum io_result res = http_conn_output(&h, &r, sv[0], &sent, &err, st);
	*closing = http_conn_closing(&h);
	close(sv[0]);
	size_t n = 0;
	ssize_t k;
	while (n + 1 < outlen && (k = read(sv[1], out + n, outlen - 1 - n)) > 0)
		n += (size_t)k;
	out[n] = '\0';
	close(sv[1]);
	http_replies_free(&r);
	if (res != IO_DONE || sent != n || http_conn_owes(&h))
		return -1;
	int count = 0;
	for (const char *p = out; (p = strstr(p, "HTTP/1.1 ")) != NULL; p++)
		count++;
	return count;
}

TEST(server_http_pipelined_in_order)
{
	struct http_server_stats st = {0};
	char out[4096];
	int closing;
	int n = exchange("GET /1 HTTP/1.1\r\n\r\nPOST /2 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
			 "GET /3 HTTP/1.1\r\nConnection: close\r\n\r\nGET /4 HTTP/1.1\r\n\r\n",
			 0, &st, out, sizeof(out), &closing);
	CHECK(n == 3);
	CHECK(closing == 1);
	CHECK(st.requests == 3 && st.responses[REPLY_KEEP] == 2 && st.responses[REPLY_CLOSE] == 1);
	/* the closing reply is the last one */
	const char *close_at = strstr(out, "Connection: close");
	CHECK(close_at != NULL && strstr(close_at, "HTTP/1.1 ") == NULL);
	CHECK(strstr(out, "Content-Length: 3\r\n") != NULL);
}

TEST(server_http_keep_alive_rules)
{
	struct http_server_stats st = {0};
	char out[4096];
	int closing;
	CHECK(exchange("GET / HTTP/1.0\r\n\r\n", 0, &st, out, sizeof(out), &closing) == 1 && closing);
	CHECK(exchange("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 0, &st, out, sizeof(out),
		       &closing) == 1 && !closing);
	CHECK(exchange("GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n", 1, &st, out, sizeof(out),
		       &closing) == 1 && closing); /* --close first: one reply, then the close */
	CHECK(exchange("GET / HTTP/1.1\r\nHost: a\r\n", 0, &st, out, sizeof(out), &closing) == 0 &&
	      !closing); /* not whole yet: nothing owed */
}

TEST(server_http_bad_heads)
{
	struct http_server_stats st = {0};
	char out[4096];
	int closing;
	CHECK(exchange("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 0, &st, out, sizeof(out), &closing) == 1);
	CHECK(closing && strncmp(out, "HTTP/1.1 400 ", 13) == 0);
	static char big[HTTP_MAX_REQUEST_HEAD + 64];
	memset(big, 'a', sizeof(big) - 1);
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	CHECK(exchange(big, 0, &st, out, sizeof(out), &closing) == 1);
	CHECK(closing && strncmp(out, "HTTP/1.1 431 ", 13) == 0);
	CHECK(st.requests == 0 && st.responses[REPLY_400] == 1 && st.responses[REPLY_431] == 1);
}

/* Rule: replies that do not fit the socket resume where they stopped, byte for byte. */
TEST(server_http_partial_writes_resume)
{
	struct http_replies r;
	struct http_conn h;
	struct http_server_stats st = {0};
	int sv[2];
	CHECK(http_replies_init(&r, 100000) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	int small = 4096;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	http_conn_init(&h);
	const char *req = "GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nConnection: close\r\n\r\n";
	http_conn_input(&h, req, strlen(req), 0, &st);
	uint64_t sent = 0, got = 0;
	int err = 0, rounds = 0;
	static char buf[65536];
	enum io_result res;
	while ((res = http_conn_output(&h, &r, sv[0], &sent, &err, &st)) == IO_AGAIN && rounds++ < 10000) {
		ssize_t k;
		while ((k = read(sv[1], buf, sizeof(buf))) > 0)
			got += (uint64_t)k;
	}
	CHECK(res == IO_DONE);
	ssize_t k;
	while ((k = read(sv[1], buf, sizeof(buf))) > 0)
		got += (uint64_t)k;
	CHECK(got == sent && sent == r.len[REPLY_KEEP] + r.len[REPLY_CLOSE]);
	CHECK(st.responses[REPLY_KEEP] == 1 && st.responses[REPLY_CLOSE] == 1 && !http_conn_owes(&h));
	close(sv[0]);
	close(sv[1]);
	http_replies_free(&r);
}
