/* The server subcommand's options: one struct, each default in one place (its option row's
 * .def, which --help prints; server_defaults applies them),
 * parsing and validation that never exit (src/server/server_cli.c). */
#ifndef TWTEST_SERVER_OPTS_H
#define TWTEST_SERVER_OPTS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/cli.h"
#include "lib/parse.h"
#include "lib/portlist.h"
#include "lib/twtest.h"

#define TWTEST_MAX_SERVER_PORTS 256 /* listening ports of one server (each thread opens all) */

/* The server's side of the shutdown order. */
enum server_close {
	SERVER_CLOSE_WAIT,  /* close after the peer's EOF */
	SERVER_CLOSE_FIRST, /* close once --payload bytes were echoed */
	SERVER_CLOSE_RST,   /* like first, but with SO_LINGER {1,0}: RST */
};

/* The server's answer to the client's EOF (--on-eof). */
enum server_on_eof {
	SERVER_EOF_CLOSE,  /* close() (the default): the server is the passive closer */
	SERVER_EOF_IGNORE, /* keep the socket open: it stays in CLOSE_WAIT */
	SERVER_EOF_WRITE,  /* write --on-eof's TEXT and keep the socket open */
};

/* What the server speaks (--protocol). */
enum server_protocol {
	SERVER_PROTO_ECHO, /* every byte back, in order */
	SERVER_PROTO_HTTP, /* HTTP/1.1: 200 with a --payload-byte body (src/server/server_http.c) */
};

/* When the server closes after a closing HTTP reply (--reply-close). */
enum server_reply_close {
	SERVER_REPLY_CLOSE_NOW,   /* FIN as soon as the reply is out (the server closes first) */
	SERVER_REPLY_CLOSE_DELAY, /* FIN --reply-close's delay after it (seed 000's 0.2 ms) */
	SERVER_REPLY_CLOSE_NEVER, /* no FIN: wait for the client's (the client closes first) */
};

extern const char *const server_close_names[];
extern const char *const server_protocol_names[];

struct server_opts {
	const char *bind_name;   /* --bind as given, or NULL for every address */
	struct endpoint bind;
	uint16_t port;           /* the first listening port */
	struct portlist ports;   /* every --port (a list or range), each one listened on */
	uint32_t payload;
	enum server_close close_mode;
	enum server_protocol protocol;
	int reuseaddr;
	uint32_t backlog;        /* 0: net.core.somaxconn */
	uint32_t max_conns;      /* 0: as many as descriptors allow */
	uint32_t idle_timeout_ms; /* 0: never */
	uint32_t threads;        /* event loops, each with its own SO_REUSEPORT listener */
	enum server_reply_close reply_close; /* --reply-close now | never | DELAY */
	uint64_t reply_close_ns; /* its DELAY */
	/* Close scenarios (docs/closing.md); the defaults leave the echo server as it is. */
	const char *greeting;    /* --greeting: sent on accept, or NULL */
	uint32_t greeting_len;
	int64_t close_after_ms;  /* --close-after: close this long after accept; -1: never */
	enum server_on_eof on_eof;
	const char *eof_text;    /* --on-eof=write:TEXT */
	uint32_t eof_text_len;
};

/* Fill o with the documented defaults (the option rows' .def, and what no row states). */
void server_defaults(struct server_opts *o);

/* Parse argv (argv[0] is the subcommand name) into o; on error write a one-line message
 * (without the program name or a newline) into err. */
enum parse_result server_parse_args(int argc, char **argv, struct server_opts *o, char *err,
				    size_t errlen);

/* The server's command line: one row per option. */
extern const struct cli_command server_cli;

#endif
