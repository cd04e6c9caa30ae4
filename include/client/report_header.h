/* The client's settings as record fields, each written once (src/client/report_header.c):
 * the loop and rate headers (text lines, a JSON object) and the CSV records' setting
 * columns pick theirs by enum setting, in their own order. */
#ifndef TWTEST_REPORT_HEADER_H
#define TWTEST_REPORT_HEADER_H

#include "client/report.h"
#include "lib/record.h"

/* The settings in the order report_settings_init adds them. */
enum setting {
	SET_DST, SET_DST_ADDR, SET_PORT, SET_DESTINATIONS, SET_PORTS,
	SET_LOOPS, SET_CONNS, SET_RATE, SET_CONCURRENCY, SET_DURATION, SET_COUNT, SET_PAYLOAD, SET_REQUESTS, SET_TIMEOUT,
	SET_INTERVAL, SET_CLOSE, SET_REUSEPORT, SET_LINGER, SET_REUSEADDR, SET_BIND,
	SET_BIND_NO_PORT, SET_THREADS, SET_MAX_INFLIGHT, SET_REPORT_INTERVAL, SET_LOCAL_PORT_RANGE,
	SET_PROTOCOL, SET_HTTP_PATH, SET_HTTP_HOST, SET_MAX_RESPONSE, SET_SHARD_CONNS,
	SET_TW_REUSE, SET_TW_REUSE_DELAY, SET_PORT_RANGE, SET_TIMESTAMPS, SET_MAX_TW_BUCKETS,
	SETTINGS
};

/* Every setting of a run as a field (all.f[SET_X]), with the strings they point at. */
struct report_settings {
	struct record all;
	char addr[80], port[16], range[24], sys_range[48], delay[TW_DELAY_TOKEN_LEN];
};

void report_settings_init(struct report_settings *s, const struct report *r);

/* Setting `which` (for a caller to copy and narrow). */
struct rec_field *report_setting(const struct report_settings *s, enum setting which);

/* Copies of the n settings `which` at rec's end, in that order. */
void report_pick(struct record *rec, const struct report_settings *s, const enum setting *which,
		 size_t n);

/* The strategy whose header is written. */
enum header_mode { HEADER_LOOPS, HEADER_RATE, HEADER_CLOSED };

/* The header in text (the settings line, the other "# " lines, the model line but in loop
 * mode) or JSON (one object: loop mode's sysctls, or the model, inside). */
void report_write_header(const struct report *r, enum header_mode mode);

#endif
