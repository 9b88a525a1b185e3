/* Calibration of this machine (the ctxswitch scenario): what one context switch costs (two
 * threads, then two processes, pinned to one CPU, passing a byte back and forth over pipes),
 * what creating a thread costs, and what an idle thread holds in user and kernel memory. The
 * report sets these beside the figures people quote, and uses the switch cost to say what
 * share of a server's CPU went to switching. */
#ifndef C10K_BENCH_CALIB_H
#define C10K_BENCH_CALIB_H

#include <jansson.h>

struct bench_env;

/* Runs the measurements on one of the server's CPUs (idle between runs). quick: fewer rounds.
 * Returns the "calibration" object (a new reference), never NULL unless out of memory; a part
 * that could not be measured is null with an "error" beside it. */
json_t *calib_run(const struct bench_env *env, int quick);

/* The cost of one switch to use for CPU shares, from a calibration object; 0 when unknown. */
double calib_switch_cost_ns(const json_t *calibration);

#endif
