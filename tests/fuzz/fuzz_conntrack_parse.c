/* libFuzzer target: the ctnetlink reply parser (ct_parse) on its own, fed one recv() buffer
 * of netlink messages in an allocation of exactly its size, so that a read past the buffer
 * is caught. Seeds: real replies captured in a namespace (tests/fuzz/ct_capture.py): SNAT
 * dumps, per-CPU and global statistics. Rules: no crash, out-of-bounds read or undefined
 * behaviour; the result is CT_MORE, CT_DONE or a negative errno; no more entries and CPUs
 * than whole ctnetlink messages fit in the buffer; a field the message did not hold reads
 * as absent (zero). */
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "lib/conntrack.h"

static void count(const struct ct_entry *e, void *arg)
{
	FUZZ_CHECK(e->has_status || e->status == 0);
	FUZZ_CHECK(e->has_timeout || e->timeout_s == 0);
	FUZZ_CHECK(ct_is_snat(e) == (e->has_status && (e->status & 0x10)));
	if (e->orig.have == 0)
		FUZZ_CHECK(e->orig.sport == 0 && e->orig.dport == 0 && e->orig.proto == 0);
	(*(size_t *)arg)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	size_t n = 0;
	struct ct_stats st;
	memset(&st, 0, sizeof(st));
	struct ct_sink sink = {count, &n, &st};
	int rc = ct_parse(buf, size, &sink);
	FUZZ_CHECK(rc == CT_MORE || rc == CT_DONE || rc < 0);
	size_t most = size / NLMSG_LENGTH(sizeof(struct nfgenmsg));
	FUZZ_CHECK(n <= most);
	FUZZ_CHECK(st.cpus <= most);
	FUZZ_CHECK(n + st.cpus <= most);
	free(buf);
	return 0;
}
