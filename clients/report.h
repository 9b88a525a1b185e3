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

/* A generator whose busiest worker thread used this share of the measured window on the CPU
 * measured its own lateness as much as the server's: it is "saturated". */
#define REPORT_SATURATION_THRESHOLD 0.9

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

    /* Where the run sits on the wall clock, to line it up with other generators' runs. */
    double start_unix;         /* CLOCK_REALTIME when the run started (after --start-at) */
    double measure_start_unix; /* the measured window, wall clock */
    double measure_end_unix;
    double start_skew_ms; /* with --start-at: the actual start minus it */
    int late;             /* --start-at had passed when the generator was ready to start */

    /* The generator's own CPU time over the measured window, per worker thread. */
    double *thread_cpu_s; /* owned; n_thread_cpu entries, one per report_add_worker */
    size_t n_thread_cpu;
    double busiest_share; /* the largest thread_cpu_s / measured_s */
    int saturated;        /* busiest_share >= REPORT_SATURATION_THRESHOLD */
};

/* Prepares empty histograms; returns 0 or -ENOMEM. */
int report_result_init(struct load_result *r);
void report_result_free(struct load_result *r);
/* Adds one worker's results. Returns 0 or -ENOMEM. */
int report_add_worker(struct load_result *r, const struct worker *w);
/* Adds c's counts to t: two workers' or two generators' runs as one. */
void load_counters_add(struct load_counters *t, const struct load_counters *c);
/* Once measured_s is known: sets busiest_share and saturated from thread_cpu_s. */
void report_note_saturation(struct load_result *r);

uint64_t report_errors_total(const struct load_result *r);
void report_print(FILE *out, const struct load_result *r);
/* Returns 0, or -EIO when the stream failed. */
int report_json(FILE *out, const struct load_result *r);
/* The same object without its closing brace, for a caller that adds members of its own (merge);
 * it must then write "\n}\n". */
void report_json_members(FILE *out, const struct load_result *r);
/* Writes s as a JSON string. */
void report_json_string(FILE *out, const char *s);

/* "812us", "1.02ms", "1.235s": a microsecond value with 3 significant digits. */
void report_format_us(char *buf, size_t len, int64_t us);

#endif
