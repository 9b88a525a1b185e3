/* c10k-load merge: the results of several generators (the files their --json wrote) as one run.
 * Each histogram is rebuilt bucket for bucket from its file and the histograms are added
 * (hist_merge); every percentile is then computed again from the sum, never averaged. */
#ifndef C10K_MERGE_H
#define C10K_MERGE_H

#include "hist.h"
#include "series.h"
#include "worker.h"

#include <stddef.h>
#include <stdio.h>

struct json_t;

/* One generator's results, read back from its JSON. */
struct merge_input {
    const char *path;   /* borrowed from the caller */
    struct json_t *doc; /* owned; the strings below point into it */
    const char *id;     /* --generator-id; NULL when none */
    const char *url, *address;
    double start_at; /* 0 when none */
    int has_skew, late;
    double start_skew_ms; /* when has_skew */
    double start_unix;    /* the start of its run on the wall clock */
    double measure_start_unix, measure_end_unix;
    double measured_s, run_s, warmup_s;
    int interrupted, open_loop;
    uint32_t idle_connections;
    struct hist latency, latency_unc, connect, idle_latency, send_lag;
    struct load_counters c;
    double cpu_user_s, cpu_system_s;
    double *thread_cpu_s; /* owned */
    size_t n_thread_cpu;
    double busiest_share;
    int saturated;
    struct series_point *points; /* owned; its per-second series */
    double *points_t_unix;       /* owned; each point's wall-clock time */
    size_t n_points;
};

/* Reads and checks one file. Returns 0, or -1 with a message naming the file in err. in must be
 * released with merge_input_free whatever the result. */
int merge_read(const char *path, struct merge_input *in, char *err, size_t err_len);
void merge_input_free(struct merge_input *in);

/* The subcommand: argv[0] is "merge". Prints the merged summary to out (to err when the JSON goes
 * to stdout) and errors, one line each, to err. Returns the exit status: 0, 1 when the result
 * cannot be written, 2 for bad options or files that cannot be merged. */
int merge_main(int argc, char **argv, FILE *out, FILE *err);

#endif
