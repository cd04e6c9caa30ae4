/* Worker threads of the client and the server, and the one policy both follow when a
 * thread cannot start: stop the ones that started, say why, exit 1. */
#ifndef TWTEST_THREADS_H
#define TWTEST_THREADS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct thread_set {
	pthread_t *tids;  /* tids[0] is unused: the calling thread is thread 0 */
	uint32_t n;       /* threads wanted, the caller included */
	uint32_t started; /* threads running, the caller included */
};

/* Start threads 1..n-1, thread i running fn(args + i * stride). Returns 0; or -1 after
 * printing "twtest WHO: cannot start thread I of N: REASON", with ts->started saying how
 * many run: the caller must stop those and join them (threads_join), then exit 1. */
int threads_start(struct thread_set *ts, uint32_t n, void *(*fn)(void *), void *args,
		  size_t stride, const char *who);

/* Join every thread that started (after the caller told them to stop); frees ts->tids. */
void threads_join(struct thread_set *ts);

#endif
