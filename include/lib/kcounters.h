/* The kernel's TCP counters that explain a loop's outcome, read from /proc/net/netstat
 * (TcpExt) and /proc/net/snmp (Tcp) of the current network namespace, and their deltas. */
#ifndef TWTEST_KCOUNTERS_H
#define TWTEST_KCOUNTERS_H

#include <stdint.h>

enum kcounter {
	KC_TW,                  /* TcpExt TW: TIME_WAIT sockets whose 60 s ran out */
	KC_TW_RECYCLED,         /* TcpExt TWRecycled: TIME_WAIT 4-tuples reused by connect() */
	KC_TW_OVERFLOW,         /* TcpExt TCPTimeWaitOverflow: TIME_WAIT skipped, table full */
	KC_ABORT_ON_CLOSE,      /* TcpExt TCPAbortOnClose: RST from close() with unread data */
	KC_ABORT_ON_DATA,       /* TcpExt TCPAbortOnData: RST for data after close */
	KC_ABORT_ON_LINGER,     /* TcpExt TCPAbortOnLinger: RST from SO_LINGER {1,0} close */
	KC_ACTIVE_OPENS,        /* Tcp ActiveOpens: connect() calls that sent a SYN */
	KC_ATTEMPT_FAILS,       /* Tcp AttemptFails: connection attempts that failed */
	KC_ESTAB_RESETS,        /* Tcp EstabResets: established connections reset */
	KC_OUT_RSTS,            /* Tcp OutRsts: RST segments sent */
	KC_COUNT
};

struct kcounters {
	uint64_t v[KC_COUNT];
	uint32_t present; /* bit i set: v[i] was read (the kernel has the counter) */
};

/* The counter's name as the kernel spells it ("TWRecycled"). */
const char *kcounter_name(enum kcounter k);

/* Parse the "Group: names" / "Group: values" line pairs of /proc/net/netstat or
 * /proc/net/snmp text into the counters it holds (others are left alone). Returns the
 * number of counters found, or -1 when the text is malformed. */
int kcounters_parse(const char *text, struct kcounters *out);

/* Read a whole /proc file into a malloc'd string; NULL on error (errno says why). */
char *read_proc_file(const char *path);

/* Read both files into out (present cleared first); returns 0, or -1 if neither was read. */
int kcounters_read(struct kcounters *out);

/* after - before for the counters present in both. */
void kcounters_delta(const struct kcounters *before, const struct kcounters *after,
		     struct kcounters *delta);

/* Add src's present counters into dst. */
void kcounters_add(struct kcounters *dst, const struct kcounters *src);

#endif
