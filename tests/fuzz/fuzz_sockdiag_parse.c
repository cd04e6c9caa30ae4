/* libFuzzer target: the sock_diag reply parser (sockdiag_parse) on its own, fed one recv()
 * buffer of netlink messages in an allocation of exactly its size, so that a read past the
 * buffer is caught (fuzz_sockdiag goes through sockdiag_count and its 64 KiB buffer).
 * Rules: no crash, out-of-bounds read or undefined behaviour; the result is SOCKDIAG_MORE,
 * SOCKDIAG_DONE or a negative errno; every socket handed over is in a state 1..TCPS_MAX,
 * and there are no more than whole inet_diag messages fit in the buffer. */
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "lib/sockdiag.h"

static void count(const struct sockdiag_sock *s, void *arg)
{
	FUZZ_CHECK(s->state >= 1 && s->state <= TCPS_MAX);
	FUZZ_CHECK(s->timestamps >= -1 && s->timestamps <= 1);
	(*(size_t *)arg)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	size_t n = 0;
	int rc = sockdiag_parse(buf, size, count, &n);
	FUZZ_CHECK(rc == SOCKDIAG_MORE || rc == SOCKDIAG_DONE || rc < 0);
	FUZZ_CHECK(n <= size / NLMSG_LENGTH(sizeof(struct inet_diag_msg)));
	free(buf);
	return 0;
}
