/* JSON output helpers. */
#include "lib/json.h"

#include <inttypes.h>
#include <string.h>

void json_write_string(FILE *out, const char *s)
{
	json_write_string_len(out, s, strlen(s));
}

void json_write_string_len(FILE *out, const char *s, size_t len)
{
	fputc('"', out);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(out, "\\u%04x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

void json_write_histogram(FILE *out, const struct histogram *h)
{
	fprintf(out, "{\"count\":%" PRIu64 ",\"min\":%" PRIu32 ",\"max\":%" PRIu32 ",\"buckets\":[",
		h->count, h->count ? h->min : 0, h->count ? h->max : 0);
	int n = 0;
	for (uint32_t b = 0; b < HIST_BUCKETS; b++)
		if (h->bucket[b])
			fprintf(out, "%s[%" PRIu32 ",%" PRIu64 "]", n++ ? "," : "", hist_bucket_low(b),
				h->bucket[b]);
	fputs("]}", out);
}
