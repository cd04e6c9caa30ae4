/* Reading the TcpExt and Tcp counters from /proc/net/netstat and /proc/net/snmp. Both
 * files hold pairs of lines, "Group: Name1 Name2 ..." then "Group: 1 2 ...". */
#include "lib/kcounters.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *group, *name;
} kc_table[KC_COUNT] = {
	[KC_TW] = {"TcpExt", "TW"},
	[KC_TW_RECYCLED] = {"TcpExt", "TWRecycled"},
	[KC_TW_OVERFLOW] = {"TcpExt", "TCPTimeWaitOverflow"},
	[KC_ABORT_ON_CLOSE] = {"TcpExt", "TCPAbortOnClose"},
	[KC_ABORT_ON_DATA] = {"TcpExt", "TCPAbortOnData"},
	[KC_ABORT_ON_LINGER] = {"TcpExt", "TCPAbortOnLinger"},
	[KC_ACTIVE_OPENS] = {"Tcp", "ActiveOpens"},
	[KC_ATTEMPT_FAILS] = {"Tcp", "AttemptFails"},
	[KC_ESTAB_RESETS] = {"Tcp", "EstabResets"},
	[KC_OUT_RSTS] = {"Tcp", "OutRsts"},
};

const char *kcounter_name(enum kcounter k)
{
	return (unsigned)k < KC_COUNT ? kc_table[k].name : "?";
}

/* The counter of group/name (name given as a token of length len), or -1. */
static int kc_lookup(const char *group, const char *name, size_t len)
{
	for (int i = 0; i < KC_COUNT; i++)
		if (strcmp(kc_table[i].group, group) == 0 && strlen(kc_table[i].name) == len &&
		    memcmp(kc_table[i].name, name, len) == 0)
			return i;
	return -1;
}

/* Split off the "Group:" prefix of a line [s, end): copies the group into g, returns the
 * rest, or NULL when there is no prefix. */
static const char *line_group(const char *s, const char *end, char *g, size_t glen)
{
	const char *colon = memchr(s, ':', (size_t)(end - s));
	if (colon == NULL || colon == s || (size_t)(colon - s) >= glen)
		return NULL;
	memcpy(g, s, (size_t)(colon - s));
	g[colon - s] = '\0';
	return colon + 1;
}

/* The next space-separated token in [*p, end); returns its length, 0 at the end. */
static size_t next_token(const char **p, const char *end, const char **tok)
{
	while (*p < end && **p == ' ')
		(*p)++;
	*tok = *p;
	while (*p < end && **p != ' ')
		(*p)++;
	return (size_t)(*p - *tok);
}

/* A value token: decimal, possibly negative (Tcp MaxConn is -1). Returns 0 or -1. */
static int parse_value(const char *tok, size_t len, uint64_t *out)
{
	char buf[32];
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, tok, len);
	buf[len] = '\0';
	const char *digits = buf[0] == '-' ? buf + 1 : buf;
	if (*digits < '0' || *digits > '9')
		return -1;
	char *e;
	errno = 0;
	unsigned long long v = strtoull(digits, &e, 10);
	if (*e != '\0' || errno)
		return -1;
	*out = buf[0] == '-' ? (uint64_t)0 - v : v;
	return 0;
}

int kcounters_parse(const char *text, struct kcounters *out)
{
	int found = 0;
	const char *s = text;
	while (*s) {
		const char *e1 = strchr(s, '\n');
		if (e1 == NULL)
			return -1; /* a names line without its values line */
		const char *s2 = e1 + 1;
		const char *e2 = strchr(s2, '\n');
		if (e2 == NULL)
			e2 = s2 + strlen(s2);
		char g1[32], g2[32];
		const char *names = line_group(s, e1, g1, sizeof(g1));
		const char *vals = line_group(s2, e2, g2, sizeof(g2));
		if (names == NULL || vals == NULL || strcmp(g1, g2) != 0)
			return -1;
		for (;;) {
			const char *nt, *vt;
			size_t nl = next_token(&names, e1, &nt), vl = next_token(&vals, e2, &vt);
			if (nl == 0 && vl == 0)
				break;
			uint64_t v;
			if (nl == 0 || vl == 0 || parse_value(vt, vl, &v) < 0)
				return -1;
			int k = kc_lookup(g1, nt, nl);
			if (k >= 0) {
				out->v[k] = v;
				out->present |= 1u << k;
				found++;
			}
		}
		s = *e2 ? e2 + 1 : e2;
	}
	return found;
}

/* Read a whole /proc file into a malloc'd string; NULL on error (errno says why). */
char *read_proc_file(const char *path)
{
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return NULL;
	size_t cap = 16384, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t k = fread(buf + len, 1, cap - len - 1, f);
		len += k;
		if (len < cap - 1)
			break;
		char *nb = realloc(buf, cap * 2);
		if (nb == NULL) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	int bad = ferror(f);
	fclose(f);
	if (buf == NULL || bad) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

int kcounters_read(struct kcounters *out)
{
	static const char *const paths[] = {"/proc/net/netstat", "/proc/net/snmp"};
	memset(out, 0, sizeof(*out));
	int ok = 0;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		char *text = read_proc_file(paths[i]);
		if (text && kcounters_parse(text, out) >= 0)
			ok = 1;
		free(text);
	}
	return ok ? 0 : -1;
}

void kcounters_delta(const struct kcounters *before, const struct kcounters *after,
		     struct kcounters *delta)
{
	memset(delta, 0, sizeof(*delta));
	delta->present = before->present & after->present;
	for (int i = 0; i < KC_COUNT; i++)
		if (delta->present & (1u << i))
			delta->v[i] = after->v[i] - before->v[i];
}

void kcounters_add(struct kcounters *dst, const struct kcounters *src)
{
	for (int i = 0; i < KC_COUNT; i++)
		if (src->present & (1u << i)) {
			dst->v[i] = (dst->present & (1u << i) ? dst->v[i] : 0) + src->v[i];
			dst->present |= 1u << i;
		}
}
