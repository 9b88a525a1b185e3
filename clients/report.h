/* What a run found, merged over its workers, and the two ways it is shown: a summary for people
 * and a JSON document for programs (its fields are described in clients/README.md). */
#ifndef C10K_REPORT_H
#define C10K_REPORT_H

#include "hist.h"
#include "load_limits.h"
#include "worker.h"

#include <stdio.h>

struct load_config;
struct request_mix;
struct series;

struct load_result {
    const struct load_config *cfg;
    const struct request_mix *mix;
    const struct series *series;
    char address[64]; /* the resolved target, e.g. 127.0.0.1:8080 or [::1]:8080 */
    int open_loop;
    int interrupted;         /* stopped early by a signal */
    struct hist latency;     /* from the time each request was due (corrected in open loop) */
    struct hist latency_unc; /* open loop: from the time each request was written */
    struct hist connect;
    struct hist idle_latency;
    struct hist send_lag; /* open loop: from due to sent (waiting for a connection, or late) */
    struct load_counters c;
    double measured_s; /* the time the results cover (after the warm-up) */
    double run_s;      /* the whole run, warm-up included */
    double cpu_user_s, cpu_system_s;
    struct limits limits;
};

/* Prepares empty histograms; returns 0 or -ENOMEM. */
int report_result_init(struct load_result *r);
void report_result_free(struct load_result *r);
/* Adds one worker's results. */
void report_add_worker(struct load_result *r, const struct worker *w);

uint64_t report_errors_total(const struct load_result *r);
void report_print(FILE *out, const struct load_result *r);
/* Returns 0, or -EIO when the stream failed. */
int report_json(FILE *out, const struct load_result *r);

/* "812us", "1.02ms", "1.235s": a microsecond value with 3 significant digits. */
void report_format_us(char *buf, size_t len, int64_t us);

#endif
