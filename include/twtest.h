/* Program-wide constants: version and exit statuses. */
#ifndef TWTEST_H
#define TWTEST_H

#define TWTEST_VERSION "0.1.0"

enum exit_status {
	EXIT_RAN = 0,         /* the run completed; failed connections are measurements */
	EXIT_SETUP = 1,       /* fatal setup error (bind, descriptor limit, ...) */
	EXIT_USAGE = 2,       /* bad command line */
	EXIT_FAILURES = 3,    /* --fail-on-error and some connection failed */
	EXIT_WAIT_TIMEOUT = 4, /* --wait-clear: TIME_WAIT still there when --timeout passed */
	EXIT_INTERRUPTED = 130, /* SIGINT (SIGTERM: 143) */
};

#endif
