/* The descriptor limit (RLIMIT_NOFILE). */
#ifndef TWTEST_FDLIMIT_H
#define TWTEST_FDLIMIT_H

#include <stddef.h>
#include <stdint.h>

/* Raise the soft limit to the hard limit, and further up to `need` where the process may
 * (root: CAP_SYS_RESOURCE). Returns the soft limit now in force. */
uint64_t fdlimit_raise(uint64_t need);

/* Why `need` descriptors cannot be had here and what would give them, in words for "CONNS N
 * needs M open files but ...": the hard limit, the CAP_SYS_RESOURCE that raising it takes,
 * fs.nr_open above which no process gets more, and the most that fits now (`spare`
 * descriptors besides the connections). */
void fdlimit_advice(uint64_t need, uint64_t spare, char *buf, size_t len);

#endif
