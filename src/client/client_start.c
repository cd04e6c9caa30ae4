/* The run's start and identity: --start-at turned into a monotonic instant (the hosts agree
 * on wall-clock time, the schedule runs on the monotonic clock), the wait for it, and the
 * shard, host and start every record carries. */
#include "client/client_start.h"

#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/signals.h"

void run_start_init(struct run_start *s, const struct client_opts *o)
{
	memset(s, 0, sizeof(*s));
	if (gethostname(s->host, sizeof(s->host) - 1) < 0)
		strcpy(s->host, "unknown");
	int64_t wall = clock_wall_ns();
	uint64_t mono = clock_now_ns();
	s->wall_ns = o->start_at_ns ? o->start_at_ns : wall;
	/* The preparation may have taken the start: then the schedule still counts from it,
	 * and its first connections start late (their lag says so). */
	int64_t ahead = s->wall_ns - wall;
	s->mono_ns = ahead >= 0 ? mono + (uint64_t)ahead : mono - (uint64_t)-ahead;
}

int run_start_wait(const struct run_start *s)
{
	for (;;) {
		uint64_t now = clock_now_ns();
		if (now >= s->mono_ns || signals_stop_requested())
			return signals_stop_requested();
		uint64_t left = s->mono_ns - now;
		if (left >= 2000000) {
			/* whole milliseconds, woken by a stop signal; the last one precisely */
			uint64_t ms = (left - 1000000) / 1000000;
			signals_sleep_ms(ms > 1000 ? 1000 : (unsigned)ms);
			continue;
		}
		struct timespec at = {(time_t)(s->mono_ns / 1000000000u), (long)(s->mono_ns % 1000000000u)};
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL);
	}
}

/* The start in seconds with microseconds, as every record prints it. */
static const char *start_str(char *buf, size_t len, const struct run_start *s)
{
	snprintf(buf, len, "%" PRId64 ".%06" PRId64, s->wall_ns / 1000000000,
		 s->wall_ns % 1000000000 / 1000);
	return buf;
}

void run_start_ident(struct run_ident *id, const struct run_start *s, const struct client_opts *o)
{
	size_t i = 0;
	for (; s->host[i] && i + 1 < sizeof(id->host); i++) {
		unsigned char c = (unsigned char)s->host[i];
		id->host[i] = c < 0x20 || c == 0x7f || c == '"' || c == '\\' ? '?' : (char)c;
	}
	id->host[i] = '\0';
	snprintf(id->shard, sizeof(id->shard), "%" PRIu32 "/%" PRIu32, o->shard, o->shards);
	start_str(id->start, sizeof(id->start), s);
}
