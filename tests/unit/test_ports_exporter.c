/* Unit tests of `twtest ports --listen`'s address parser (src/ports/ports_exporter.c). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "ports/ports_exporter.h"
#include "unit.h"

/* The parsed address as "ADDR:PORT" ("[V6]:PORT"), or "error". */
static const char *listen_str(const char *s, char *buf, size_t len)
{
	struct endpoint ep;
	const char *why;
	if (ports_parse_listen(s, &ep, &why) < 0)
		return "error";
	return endpoint_str(&ep, buf, len);
}

TEST(ports_parse_listen)
{
	char b[80];
	CHECK(strcmp(listen_str("9877", b, sizeof(b)), "0.0.0.0:9877") == 0);
	CHECK(strcmp(listen_str(":9877", b, sizeof(b)), "0.0.0.0:9877") == 0);
	CHECK(strcmp(listen_str("127.0.0.1:0", b, sizeof(b)), "127.0.0.1:0") == 0);
	CHECK(strcmp(listen_str("[::1]:65535", b, sizeof(b)), "[::1]:65535") == 0);
	CHECK(strcmp(listen_str("[::]:80", b, sizeof(b)), "[::]:80") == 0);
	static const char *const bad[] = {"", ":", "x", "65536", "-1", "127.0.0.1:", "1.2.3.x:80",
					  "::1:80", "[::1:80", "[]:80", "[::1]", "[::1]x:80",
					  "localhost:80", "1.2.3.4:80:", " 80"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(strcmp(listen_str(bad[i], b, sizeof(b)), "error") == 0);
}
