/* JSON output helpers shared by every subcommand's records. */
#ifndef TWTEST_JSON_H
#define TWTEST_JSON_H

#include <stdio.h>

/* Write s as a JSON string literal, quotes included (control characters escaped). */
void json_write_string(FILE *out, const char *s);

#endif
