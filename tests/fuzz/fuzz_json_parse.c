/* libFuzzer target: the strict JSON reader (json_parse), fed any bytes.
 * Rules: no crash or undefined behaviour; a refusal says at which byte; an accepted text,
 * written back by json_write_node, parses again to an equal value (json_equal). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "lib/json_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	struct json_doc d = {0}, again = {0};
	if (json_parse(&d, buf, size) < 0) {
		FUZZ_CHECK(strncmp(d.err, "at byte ", 8) == 0);
	} else {
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		if (f != NULL) {
			json_write_node(f, &d, &d.node[0]);
			fclose(f);
			FUZZ_CHECK(json_parse(&again, text, len) == 0);
			FUZZ_CHECK(json_equal(&d, &d.node[0], &again, &again.node[0]));
			free(text);
		}
	}
	json_doc_free(&d);
	json_doc_free(&again);
	free(buf);
	return 0;
}
