/* Calibration of this machine (the ctxswitch scenario): what one context switch costs (two
 * threads, then two processes, pinned to one CPU, passing a byte back and forth over pipes),
 * what creating a thread costs, and what an idle thread holds in user and kernel memory; how
 * many threads fit under a 4 GiB address-space limit with the default stack and with a 64 KiB
 * one (the reservation, not the memory touched, is what binds); and a ring of 500 tasks
 * passing one byte through pipes, as threads, as threads on one CPU and as libuv handles in one
 * thread, beside the figures jimblandy/context-switch published for the same ring. The report
 * sets these beside the figures people quote, and uses the switch cost to say what share of a
 * server's CPU went to switching. */
#ifndef C10K_BENCH_CALIB_H
#define C10K_BENCH_CALIB_H

#include <jansson.h>

struct bench_env;

/* Runs the measurements on one of the server's CPUs (idle between runs). quick: fewer rounds.
 * Returns the "calibration" object (a new reference), never NULL unless out of memory; a part
 * that could not be measured is null with an "error" beside it. */
json_t *calib_run(const struct bench_env *env, int quick);

/* Two of calib_run's experiments, exposed so that tests can run them small. Each runs in forked
 * children, so that c10k-bench's limits, threads and memory stay as they were, and adds its
 * object to `calibration`; a part that failed is null with "<part>_error" beside it. */
/* Adds "address_space": threads created under RLIMIT_AS = 4 GiB, with pthread's default stack
 * and with 64 KiB stacks, each until pthread_create fails or `cap` threads (fewer when the
 * machine's thread, pid or mapping limits leave less than twice that). */
void calib_address_space(json_t *calibration, const struct bench_env *env, int cap);
/* Adds "ring": `tasks` tasks in a ring of pipes, the byte going round `laps` times or for
 * budget_s seconds (whichever ends first): threads on every allowed CPU, threads on one server
 * CPU, libuv handles in one thread on that CPU; with the published figures. */
void calib_ring(json_t *calibration, const struct bench_env *env, int tasks, long laps,
                double budget_s);

/* The Python server's interpreter (peers/python/calibrate.py, compiled in and written into
 * dir, run by python for about seconds): starting a thread against a process, the start-up of a
 * ThreadPoolExecutor and a ProcessPoolExecutor of `workers`, and a task's round trip through
 * each with a 1 KiB and a 1 MiB argument. Adds "python" to `calibration`, or "python_error". */
void calib_python(json_t *calibration, const char *python, const char *dir, double seconds,
                  int workers);
/* The "python" object of calibrate.py's output (the medians, by what they measure), or NULL
 * with why in err. */
json_t *calib_python_parse(const char *text, char *err, size_t err_len);

/* The cost of one switch to use for CPU shares, from a calibration object; 0 when unknown. */
double calib_switch_cost_ns(const json_t *calibration);

#endif
