/* The perf profile's figures: from the runs of results.json, the medians per model and level
 * of what the README's performance table shows (requests/s, p99, CPU per request and how busy
 * the server's core and the load generator were; pipelined; system calls, context switches and
 * instructions per request; memory per idle connection) and the ratios between the models. */
#ifndef C10K_BENCH_PERF_H
#define C10K_BENCH_PERF_H

#include "record.h"

#include <jansson.h>
#include <stdio.h>

/* The "perf" object of results.json (a new reference): "models" (nginx first), then per
 * scenario an object model -> level -> figures, and "ratios" [{name, value}]. */
json_t *perf_summary(const struct session_record *s);

/* The same figures as tables on f (the end of a session). */
void perf_print(FILE *f, const json_t *perf);

#endif
