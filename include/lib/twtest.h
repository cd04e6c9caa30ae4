/* Program-wide constants: version, exit statuses and limits (each option's default is in
 * its option row, src/client/client_cli.c and src/server/server_cli.c). */
#ifndef TWTEST_H
#define TWTEST_H

#define TWTEST_VERSION "0.1.0"

#define TWTEST_MAX_PAYLOAD (64u << 20)
#define TWTEST_MAX_THREADS 64
#define TWTEST_MAX_CONNS 10000000u
#define TWTEST_MAX_SHARDS 4096       /* --shard I/N: hosts of one run */

enum exit_status {
	EXIT_RAN = 0,         /* the run completed; failed connections are measurements */
	EXIT_SETUP = 1,       /* fatal setup error (bind, descriptor limit, ...) */
	EXIT_USAGE = 2,       /* bad command line */
	EXIT_FAILURES = 3,    /* --fail-on-error and some connection failed */
	EXIT_WAIT_TIMEOUT = 4, /* --wait-clear: TIME_WAIT still there when --timeout passed */
	EXIT_INTERRUPTED = 130, /* SIGINT (SIGTERM: 143) */
};

/* The program's usage text (src/main.c). */
extern const char main_usage[];

#endif
