/* The descriptor limit (RLIMIT_NOFILE). */
#ifndef TWTEST_FDLIMIT_H
#define TWTEST_FDLIMIT_H

#include <stdint.h>

/* Raise the soft limit to the hard limit, and further up to `need` where the process may
 * (root: CAP_SYS_RESOURCE). Returns the soft limit now in force. */
uint64_t fdlimit_raise(uint64_t need);

#endif
