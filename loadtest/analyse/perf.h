/* The perf profile's figures: from a session's runs, per scenario and per server (or load
 * generator) and level, the figures the scenario table's .summary names (what the README's
 * performance table shows: requests/s, p99, CPU per request and how busy the server's core and
 * the load generator were; pipelined; system calls, context switches and instructions per
 * request; memory per idle connection; what the load generators cost), each the median over the
 * repetitions; and the ratios the server table's .ratios ask for. */
#ifndef C10K_BENCH_PERF_H
#define C10K_BENCH_PERF_H

#include "record.h"

#include <jansson.h>
#include <stdio.h>

/* The "perf" object of results.json (a new reference): "models" (the baselines first),
 * "rounds", then per scenario summarised an object model (or load generator) -> level ->
 * figures, and "ratios" [{name, value}]: per scenario in the table's order, per level, per pair
 * of servers (those quoted with the most figures first), per figure. */
json_t *perf_summary(const struct session_record *s);

/* The same figures as tables on f (the end of a session). */
void perf_print(FILE *f, const json_t *perf);

#endif
