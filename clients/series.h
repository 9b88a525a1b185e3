/* The per-second time series of a run. Each worker thread counts its own second and, when the
 * second is over, hands its counts and its latency histogram to the series under one lock (once
 * per second per thread: nothing on the hot path). A second becomes a point once every thread has
 * moved past it. */
#ifndef C10K_SERIES_H
#define C10K_SERIES_H

#include "hist.h"

#include <pthread.h>
#include <stdint.h>

#define SERIES_RING 8            /* seconds a thread may run ahead of the slowest one */
#define SERIES_UNKNOWN INT64_MIN /* a point's percentile that is not known (merged series) */

/* What one thread counted during one second. */
struct series_counts {
    uint64_t requests; /* responses to busy connections (warm-up included) */
    uint64_t errors;
    uint64_t connects; /* connections established */
    uint64_t bytes_read;
    uint64_t connections; /* open at the end of the second (a gauge) */
};

struct series_point {
    int64_t t;     /* seconds since the start of the run */
    double span_s; /* length of this interval: 1 except for the last one */
    int warmup;    /* the interval began before the warm-up ended */
    struct series_counts counts;
    int64_t p50_us, p99_us, max_us;
};

struct series_slot {
    int64_t t; /* -1 when free */
    double span_s;
    struct series_counts counts;
    struct hist hist;
};

struct series {
    pthread_mutex_t lock;
    int n_threads;
    int64_t *next_t; /* per thread: the next second it will hand in; INT64_MAX when done */
    double warmup_s;
    struct series_slot ring[SERIES_RING];
    struct series_point *points; /* owned; in time order once series_finish has run */
    size_t n_points, cap_points;
};

/* Returns 0, or -ENOMEM. */
int series_init(struct series *s, int n_threads, double warmup_s);
void series_free(struct series *s);
/* Thread `thread` hands in second t (span_s long). interval is only read. */
void series_add(struct series *s, int thread, int64_t t, double span_s,
                const struct series_counts *counts, const struct hist *interval);
/* Thread `thread` will hand in nothing more. */
void series_thread_done(struct series *s, int thread);
/* After every thread is done: turns what is left into points, in time order. */
void series_finish(struct series *s);
/* Copies the most recent point; returns 0 when there is none yet. */
int series_latest(struct series *s, struct series_point *out);

#endif
