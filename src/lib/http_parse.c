/* The HTTP/1.1 message parser (include/lib/http_parse.h): a byte-at-a-time state machine
 * through the head, in the manner of nodejs' http-parser, so that a head split across reads
 * needs no buffer; body bytes are skipped in runs. Only what decides where a message ends
 * is looked at: the start line, Content-Length, Transfer-Encoding and Connection. What it
 * refuses (EPROTO): bare CR, obs-fold, whitespace before a colon, a Content-Length that is
 * not one number or that disagrees with another, a request with both Content-Length and
 * Transfer-Encoding or with a coding other than chunked last. */
#include "lib/http_parse.h"

#include <errno.h>
#include <string.h>

enum state {
	/* response status line */
	R_VERSION, R_MINOR, R_SP, R_STATUS, R_AFTER_STATUS, R_REASON,
	/* request line */
	Q_METHOD, Q_TARGET, Q_VERSION, Q_MINOR, Q_END,
	/* header fields */
	S_LINE_LF, S_FIELD_START, S_NAME, S_VALUE, S_VALUE_LF, S_HEAD_LF,
	/* bodies */
	S_BODY_LENGTH, S_BODY_CLOSE,
	S_CHUNK_SIZE, S_CHUNK_EXT, S_CHUNK_SIZE_LF, S_CHUNK_DATA, S_CHUNK_DATA_CR, S_CHUNK_DATA_LF,
	S_TRAILER_START, S_TRAILER, S_TRAILER_LF, S_TRAILER_END_LF,
	S_DONE, S_ERROR,
};

/* What the head said. */
#define F_LENGTH 1u      /* a Content-Length field came */
#define F_TE 2u          /* a Transfer-Encoding field came */
#define F_CHUNKED 4u     /* ... and its last coding so far is chunked */
#define F_CLOSE 8u       /* Connection: close */
#define F_KEEP_ALIVE 16u /* Connection: keep-alive */
#define F_DIGITS 32u     /* the Content-Length being read has a digit */
#define F_TRAILING 64u   /* ... or the token being read: whitespace came after it */

/* The header fields that matter, as bits of `match` while a name is read. */
enum field { FIELD_OTHER, FIELD_LENGTH, FIELD_TE, FIELD_CONNECTION };
static const char *const field_names[] = {"content-length", "transfer-encoding", "connection"};
/* The tokens that matter in them, as bits of `match` while a token is read. */
static const char *const token_names[] = {"close", "keep-alive", "chunked"};
#define TOKEN_CLOSE 1u
#define TOKEN_KEEP_ALIVE 2u
#define TOKEN_CHUNKED 4u
#define ALL_CANDIDATES 7u

static const char version_prefix[] = "HTTP/1.";

#define MAX_LENGTH_DIGITS 18 /* below 2^63 */
#define MAX_CHUNK_DIGITS 15  /* below 2^60 */

static int is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Narrow the candidates of `names` that still match with c at p->pos. */
static void match_next(struct http_parser *p, const char *const *names, unsigned char c)
{
	for (unsigned i = 0; i < 3; i++)
		if ((p->match & (1u << i)) && lower(c) != (unsigned char)names[i][p->pos])
			p->match &= (uint8_t)~(1u << i); /* names[i][pos] is '\0' past its end */
	if (p->pos < UINT16_MAX)
		p->pos++;
}

/* The candidate of `names` matched whole (its bit), or 0. */
static unsigned match_whole(const struct http_parser *p, const char *const *names)
{
	for (unsigned i = 0; i < 3; i++)
		if ((p->match & (1u << i)) && strlen(names[i]) == p->pos)
			return 1u << i;
	return 0;
}

static enum http_result fail(struct http_parser *p, int error)
{
	p->state = S_ERROR;
	p->error = error;
	return HTTP_ERROR;
}

void http_parser_init(struct http_parser *p, enum http_kind kind, uint64_t max)
{
	memset(p, 0, sizeof(*p));
	p->kind = (uint8_t)kind;
	p->max = max;
	p->state = kind == HTTP_REQUEST ? Q_METHOD : R_VERSION;
}

int http_head_done(const struct http_parser *p)
{
	return p->state >= S_BODY_LENGTH && p->state != S_ERROR;
}

/* A token of a Connection or Transfer-Encoding value ended. */
static void token_end(struct http_parser *p)
{
	if (p->pos == 0)
		return; /* an empty list element */
	unsigned t = match_whole(p, token_names);
	if (p->field == FIELD_CONNECTION) {
		if (t == TOKEN_CLOSE)
			p->flags |= F_CLOSE;
		else if (t == TOKEN_KEEP_ALIVE)
			p->flags |= F_KEEP_ALIVE;
	} else {
		p->flags |= F_TE;
		if (t == TOKEN_CHUNKED)
			p->flags |= F_CHUNKED;
		else
			p->flags &= (uint8_t)~F_CHUNKED;
	}
	p->pos = 0;
	p->match = ALL_CANDIDATES;
	p->flags &= (uint8_t)~F_TRAILING;
}

/* One byte of a field value; -1 when it is not acceptable. */
static int value_byte(struct http_parser *p, unsigned char c)
{
	int space = c == ' ' || c == '\t';
	switch (p->field) {
	case FIELD_LENGTH:
		if (space) {
			if (p->flags & F_DIGITS)
				p->flags |= F_TRAILING;
			return 0;
		}
		if (c < '0' || c > '9' || (p->flags & F_TRAILING) || p->pos >= MAX_LENGTH_DIGITS)
			return -1;
		p->left = p->left * 10 + (uint64_t)(c - '0');
		p->flags |= F_DIGITS;
		p->pos++;
		return 0;
	case FIELD_TE:
	case FIELD_CONNECTION:
		if (c == ',') {
			token_end(p);
			return 0;
		}
		if (space) {
			if (p->pos)
				p->flags |= F_TRAILING;
			return 0;
		}
		if (p->flags & F_TRAILING)
			p->match = 0; /* "close x": not a token we know */
		match_next(p, token_names, c);
		return 0;
	default:
		return 0;
	}
}

/* A field value ended; -1 when the field is not acceptable. */
static int value_end(struct http_parser *p)
{
	switch (p->field) {
	case FIELD_LENGTH:
		if (!(p->flags & F_DIGITS))
			return -1;
		if ((p->flags & F_LENGTH) && p->left != p->length)
			return -1;
		p->length = p->left;
		p->left = 0;
		p->flags |= F_LENGTH;
		break;
	case FIELD_TE:
	case FIELD_CONNECTION:
		token_end(p);
		break;
	default:
		break;
	}
	p->flags &= (uint8_t)~(F_DIGITS | F_TRAILING);
	return 0;
}

/* The head ended: decide where the body ends (RFC 9112 section 6.3). */
static enum http_result head_end(struct http_parser *p)
{
	unsigned f = p->flags;
	if (p->kind == HTTP_RESPONSE && p->status < 200) {
		if (p->status == 101) /* no upgrade was asked for */
			return fail(p, EPROTO);
		uint64_t bytes = p->bytes, max = p->max; /* an interim response: the final one follows */
		http_parser_init(p, HTTP_RESPONSE, max);
		p->bytes = bytes;
		return HTTP_MORE;
	}
	if (p->kind == HTTP_REQUEST && (f & F_TE) && ((f & F_LENGTH) || !(f & F_CHUNKED)))
		return fail(p, EPROTO);
	if (p->kind == HTTP_RESPONSE && (p->status == 204 || p->status == 304))
		p->body = HTTP_BODY_NONE;
	else if (f & F_TE)
		p->body = (f & F_CHUNKED) ? HTTP_BODY_CHUNKED : HTTP_BODY_CLOSE;
	else if (f & F_LENGTH)
		p->body = p->length ? HTTP_BODY_LENGTH : HTTP_BODY_NONE;
	else
		p->body = p->kind == HTTP_RESPONSE ? HTTP_BODY_CLOSE : HTTP_BODY_NONE;
	p->keep_alive = !(f & F_CLOSE) && (p->minor >= 1 || (f & F_KEEP_ALIVE)) &&
			p->body != HTTP_BODY_CLOSE;
	switch (p->body) {
	case HTTP_BODY_NONE:
		p->state = S_DONE;
		return HTTP_DONE;
	case HTTP_BODY_LENGTH:
		if (p->kind == HTTP_RESPONSE && p->length > p->max - p->bytes)
			return fail(p, EMSGSIZE);
		p->left = p->length;
		p->state = S_BODY_LENGTH;
		break;
	case HTTP_BODY_CHUNKED:
		p->length = 0;
		p->pos = 0;
		p->state = S_CHUNK_SIZE;
		break;
	case HTTP_BODY_CLOSE:
		p->state = S_BODY_CLOSE;
		break;
	}
	return HTTP_MORE;
}

/* One byte of the start line; -1 when it is not acceptable. */
static int start_line_byte(struct http_parser *p, unsigned char c)
{
	switch (p->state) {
	case R_VERSION:
	case Q_VERSION:
		if (c != (unsigned char)version_prefix[p->pos])
			return -1;
		if (++p->pos == sizeof(version_prefix) - 1)
			p->state = p->state == R_VERSION ? R_MINOR : Q_MINOR;
		return 0;
	case R_MINOR:
	case Q_MINOR:
		if (c < '0' || c > '9')
			return -1;
		p->minor = (uint8_t)(c - '0');
		p->state = p->state == R_MINOR ? R_SP : Q_END;
		return 0;
	case R_SP:
		if (c != ' ')
			return -1;
		p->pos = 0;
		p->state = R_STATUS;
		return 0;
	case R_STATUS:
		if (c < '0' || c > '9' || (p->pos == 0 && (c < '1' || c > '5')))
			return -1;
		p->status = (uint16_t)(p->status * 10 + (c - '0'));
		if (++p->pos == 3)
			p->state = R_AFTER_STATUS;
		return 0;
	case R_AFTER_STATUS: /* a reason phrase, or none */
	case R_REASON:
	case Q_END:
		if (c == '\r')
			p->state = S_LINE_LF;
		else if (c == '\n')
			p->state = S_FIELD_START;
		else if (c == ' ' && p->state == R_AFTER_STATUS)
			p->state = R_REASON;
		else if (p->state != R_REASON || c == '\0')
			return -1;
		return 0;
	case Q_METHOD:
		if (c == ' ' && p->pos > 0) {
			p->pos = 0;
			p->state = Q_TARGET;
		} else if (is_tchar(c)) {
			p->pos = 1;
		} else {
			return -1;
		}
		return 0;
	case Q_TARGET:
		if (c == ' ' && p->pos > 0) {
			p->pos = 0;
			p->state = Q_VERSION;
		} else if (c > ' ' && c != 0x7f) {
			p->pos = 1;
		} else {
			return -1;
		}
		return 0;
	default:
		return -1;
	}
}

/* One byte of the head after the start line; -1 when it is not acceptable, 1 when the
 * head ended with it. */
static int field_byte(struct http_parser *p, unsigned char c)
{
	switch (p->state) {
	case S_LINE_LF:
	case S_VALUE_LF:
		if (c != '\n')
			return -1;
		if (p->state == S_VALUE_LF && value_end(p) < 0)
			return -1;
		p->state = S_FIELD_START;
		return 0;
	case S_FIELD_START:
		if (c == '\r') {
			p->state = S_HEAD_LF;
			return 0;
		}
		if (c == '\n')
			return 1;
		if (!is_tchar(c))
			return -1; /* obs-fold, or not a field name */
		p->pos = 0;
		p->match = ALL_CANDIDATES;
		match_next(p, field_names, c);
		p->state = S_NAME;
		return 0;
	case S_NAME:
		if (c == ':') {
			unsigned f = match_whole(p, field_names);
			p->field = f == 1 ? FIELD_LENGTH : f == 2 ? FIELD_TE : f == 4 ? FIELD_CONNECTION
									: FIELD_OTHER;
			p->pos = 0;
			p->match = ALL_CANDIDATES;
			p->left = 0;
			p->state = S_VALUE;
			return 0;
		}
		if (!is_tchar(c))
			return -1;
		match_next(p, field_names, c);
		return 0;
	case S_VALUE:
		if (c == '\r') {
			p->state = S_VALUE_LF;
			return 0;
		}
		if (c == '\n') {
			p->state = S_FIELD_START;
			return value_end(p);
		}
		if (c == '\0')
			return -1;
		return value_byte(p, c);
	case S_HEAD_LF:
		return c == '\n' ? 1 : -1;
	default:
		return start_line_byte(p, c);
	}
}

/* One byte of chunk framing (size line, the CRLF after the data, the trailer section);
 * -1 when it is not acceptable, 1 when the message ended with it. */
static int chunk_byte(struct http_parser *p, unsigned char c)
{
	int h;
	switch (p->state) {
	case S_CHUNK_SIZE:
		h = hex_value(c);
		if (h >= 0) {
			if (p->pos >= MAX_CHUNK_DIGITS)
				return -1;
			p->length = p->length * 16 + (uint64_t)h;
			p->pos++;
			return 0;
		}
		if (p->pos == 0)
			return -1;
		if (c == ';' || c == ' ' || c == '\t')
			p->state = S_CHUNK_EXT;
		else if (c == '\r')
			p->state = S_CHUNK_SIZE_LF;
		else if (c == '\n')
			goto size_line_done;
		else
			return -1;
		return 0;
	case S_CHUNK_EXT:
		if (c == '\r')
			p->state = S_CHUNK_SIZE_LF;
		else if (c == '\n')
			goto size_line_done;
		else if (c == '\0')
			return -1;
		return 0;
	case S_CHUNK_SIZE_LF:
		if (c != '\n')
			return -1;
	size_line_done:
		if (p->length == 0) {
			p->state = S_TRAILER_START;
			return 0;
		}
		if (p->kind == HTTP_RESPONSE && p->length > p->max - p->bytes)
			return -2;
		p->left = p->length;
		p->state = S_CHUNK_DATA;
		return 0;
	case S_CHUNK_DATA_CR:
		if (c == '\n')
			goto data_done;
		if (c != '\r')
			return -1;
		p->state = S_CHUNK_DATA_LF;
		return 0;
	case S_CHUNK_DATA_LF:
		if (c != '\n')
			return -1;
	data_done:
		p->length = 0;
		p->pos = 0;
		p->state = S_CHUNK_SIZE;
		return 0;
	case S_TRAILER_START:
		if (c == '\r')
			p->state = S_TRAILER_END_LF;
		else if (c == '\n')
			return 1;
		else if (is_tchar(c))
			p->state = S_TRAILER;
		else
			return -1;
		return 0;
	case S_TRAILER:
		if (c == '\r')
			p->state = S_TRAILER_LF;
		else if (c == '\n')
			p->state = S_TRAILER_START;
		else if (c == '\0')
			return -1;
		return 0;
	case S_TRAILER_LF:
		if (c != '\n')
			return -1;
		p->state = S_TRAILER_START;
		return 0;
	case S_TRAILER_END_LF:
		return c == '\n' ? 1 : -1;
	default:
		return -1;
	}
}

/* Skip up to p->left body bytes of buf[*i..len). */
static void skip_body(struct http_parser *p, size_t len, size_t *i)
{
	uint64_t n = len - *i;
	if (n > p->left)
		n = p->left;
	*i += (size_t)n;
	p->left -= n;
	p->bytes += n;
}

enum http_result http_parse(struct http_parser *p, const char *buf, size_t len, size_t *used)
{
	size_t i = 0;
	enum http_result r = HTTP_MORE;
	while (i < len && r == HTTP_MORE) {
		unsigned char c = (unsigned char)buf[i];
		int rc;
		switch (p->state) {
		case S_DONE:
		case S_ERROR:
			r = p->state == S_DONE ? HTTP_DONE : HTTP_ERROR;
			goto out;
		case S_BODY_LENGTH:
			skip_body(p, len, &i);
			if (p->left == 0) {
				p->state = S_DONE;
				r = HTTP_DONE;
			}
			continue;
		case S_CHUNK_DATA:
			skip_body(p, len, &i);
			if (p->left == 0)
				p->state = S_CHUNK_DATA_CR;
			continue;
		case S_BODY_CLOSE: {
			uint64_t n = len - i;
			if (n > p->max - p->bytes) {
				r = fail(p, EMSGSIZE);
				goto out;
			}
			p->bytes += n;
			i = len;
			continue;
		}
		default:
			break;
		}
		i++;
		if (p->bytes++ >= p->max && (p->kind == HTTP_RESPONSE || !http_head_done(p))) {
			r = fail(p, EMSGSIZE);
			break;
		}
		if (p->state >= S_CHUNK_SIZE) {
			rc = chunk_byte(p, c);
			if (rc == 1) {
				p->state = S_DONE;
				r = HTTP_DONE;
			}
		} else {
			rc = field_byte(p, c);
			if (rc == 1)
				r = head_end(p);
		}
		if (rc < 0)
			r = fail(p, rc == -2 ? EMSGSIZE : EPROTO);
	}
out:
	*used = i;
	return r;
}

enum http_result http_parse_eof(struct http_parser *p)
{
	if (p->state == S_ERROR)
		return HTTP_ERROR;
	if (p->state == S_DONE || p->state == S_BODY_CLOSE) {
		p->state = S_DONE;
		return HTTP_DONE;
	}
	if (p->bytes == 0)
		return HTTP_MORE;
	p->error = EPIPE;
	p->state = S_ERROR;
	return HTTP_ERROR;
}
