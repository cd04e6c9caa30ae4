/* The client's output, and only the client's: seed-compatible text, CSV and JSON Lines,
 * all produced from the same numbers by src/client/report.c (the loop strategies' records,
 * --wait-clear, --report-conns), src/client/report_rate.c (rate mode's records), the
 * pieces both share, src/client/report_parts.c, and the headers' settings and port model,
 * each field once, src/client/report_header.c. Every record is flushed as soon as it is
 * written. The server and `stat` print TCP state counts through tcpstates_report.h. */
#ifndef TWTEST_REPORT_H
#define TWTEST_REPORT_H

#include <stdio.h>

#include "client/loopstats.h"
#include "client/client_opts.h"
#include "client/client_start.h"
#include "client/port_model.h"
#include "lib/sockdiag.h"
#include "lib/sysctl.h"

struct report {
	FILE *out;
	const struct client_opts *opts;
	struct net_sysctls sys;
	struct port_model model; /* rate mode's header and summary */
	struct run_start start;  /* shard, host and start: in every JSON record */
};

/* The records of one strategy (its `report`, include/client/client_engine.h): the engine
 * writes them without knowing which they are. */
struct client_reporter {
	/* The run's settings: a "# " line in text, the column names in CSV, a header object
	 * in JSON. */
	void (*header)(const struct report *r);
	/* One loop's (rate mode: one interval's) line, row or object. */
	void (*record)(const struct report *r, const struct loop_result *res);
	/* The run's total over `done` loops or intervals; interrupted: the run was cut short. */
	void (*summary)(const struct report *r, const struct loop_result *total, uint32_t done,
			int interrupted);
};

/* The loop records (concurrent and sequential strategies): report_header, report_loop,
 * report_summary. */
extern const struct client_reporter report_loops;

/* Rate mode's records (src/client/report_rate.c): the header with the port model, one
 * record per report interval, the summary with the model beside the measurement. */
extern const struct client_reporter report_rate;

/* The closed-loop mode's records (src/client/report_closed.c): the header with the port
 * model, one record per report interval, the summary with conn/s and the model at the rate
 * reached. */
extern const struct client_reporter report_closed;

/* The loop records one by one: the header, one loop, the total over `loops_done` loops. */
void report_header(const struct report *r);
void report_loop(const struct report *r, const struct loop_result *res);
void report_summary(const struct report *r, const struct loop_result *total, uint32_t loops_done,
		    int interrupted);

/* --wait-clear before a loop: one line on stderr in text mode (CSV and JSON carry the
 * numbers in the loop record instead). */
void report_wait_clear(const struct report *r, uint32_t loop, uint64_t waited_ns, uint64_t left,
		       int timed_out);

/* One connection of the sequential path, as --report-conns prints it: what the kernel said
 * when the server's FIN was seen and just before close(). */
struct conn_record {
	uint32_t loop, conn;
	uint16_t local_port;       /* 0 if the socket never got one */
	int failed;                /* 1: counted as failed, at stage/detail */
	enum fail_stage stage;
	int detail;
	uint64_t sent, rcvd;       /* payload bytes written, bytes read */
	const char *close_trigger; /* what made the client close: see client_seq.c */
	int eof_state;             /* TCP state when the FIN was seen; -1 not seen */
	uint32_t eof_unread;       /* unread bytes then */
	int close_state;           /* TCP state just before close(); -1 never connected */
	uint32_t close_unread;     /* unread bytes just before close(): discarded, RST sent */
	int close_error;           /* SO_ERROR just before close() */
	int shut_wr;               /* shutdown(SHUT_WR) was called before close() */
};

/* One connection's line (text) or object (JSON); CSV has no per-connection records. */
void report_conn(const struct report *r, const struct conn_record *c);

#endif
