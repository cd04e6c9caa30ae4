/* Worker threads: start a set, join it, and say why one could not start. */
#include "lib/threads.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int threads_start(struct thread_set *ts, uint32_t n, void *(*fn)(void *), void *args,
		  size_t stride, const char *who)
{
	*ts = (struct thread_set){.n = n, .started = 1};
	if (n <= 1)
		return 0;
	ts->tids = calloc(n, sizeof(*ts->tids));
	if (ts->tids == NULL) {
		fprintf(stderr, "twtest %s: cannot start %u threads: out of memory\n", who, n);
		return -1;
	}
	for (; ts->started < n; ts->started++) {
		void *arg = (char *)args + ts->started * stride;
		int err = pthread_create(&ts->tids[ts->started], NULL, fn, arg);
		if (err) {
			fprintf(stderr, "twtest %s: cannot start thread %u of %u: %s; stopping the %u "
				"that started\n", who, ts->started, n, strerror(err), ts->started);
			return -1;
		}
	}
	return 0;
}

void threads_join(struct thread_set *ts)
{
	for (uint32_t i = 1; i < ts->started; i++)
		pthread_join(ts->tids[i], NULL);
	free(ts->tids);
	ts->tids = NULL;
	ts->started = 1;
}
