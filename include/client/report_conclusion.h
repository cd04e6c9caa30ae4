/* The run's conclusion (src/client/report_conclusion.c): what happened, why and which knob
 * would change it; a "# conclusion:" line after a text run's summary, a "conclusion" record
 * after a JSON run's; nothing in CSV. */
#ifndef TWTEST_REPORT_CONCLUSION_H
#define TWTEST_REPORT_CONCLUSION_H

#include "client/report.h"

/* Write the conclusion of a run whose total is `total`, from the port model in r. */
void report_conclusion(const struct report *r, const struct loop_result *total);

#endif
