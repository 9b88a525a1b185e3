/* Sessions side by side (c10k-bench --compare A B [C ...]): each later session against the
 * first. Runs are paired by scenario, server and level (the repetitions of a cell are its
 * samples); each figure of the table below is compared, B against A, with a verdict that takes
 * the noise into account: the spread of the sessions' own repetitions where they ran with
 * --repeat, else this machine's measured run-to-run spread (the table's defaults). The claims
 * are set side by side, the environment's differences are listed, and a gate (--fail-if) turns
 * the verdicts into an exit status for CI. This file judges; report/comparison.c writes
 * compare.json, compare.csv, compare.html and the terminal's summary. */
#ifndef C10K_BENCH_COMPARE_H
#define C10K_BENCH_COMPARE_H

#include "record.h"

#include <jansson.h>
#include <stddef.h>

/* Which way is better. */
enum compare_direction {
    CMP_HIGHER_IS_BETTER,
    CMP_LOWER_IS_BETTER,
    CMP_NO_DIRECTION, /* shown and said to have moved, never better or worse */
};

/* The figures compared: X(ID, designated initialisers of struct compare_figure). Each default
 * noise is this machine's run-to-run spread between sessions: three quick sessions of one
 * binary run one after the other on the 2-CPU VM at load averages of 0 to 3 (2026-12-05), how
 * far apart each cell's figure was in each pair of sessions (load-bound runs left out of the
 * server-bound figures), the 95th percentile, rounded up to 5%. System calls per request, which
 * the quick profile does not count, take how far apart the two repetitions of the recorded perf
 * session were at most (tests/loadtest/golden/perf.json); switches per request were never apart
 * by more than their floor in 95% of the cells. loadtest/README.md ("Comparing sessions") gives
 * the medians, and what a busy machine does to them. A change smaller than `floor` (in the
 * figure's unit) is never a verdict: 0.01 switches per request against 0.02 is no doubling. */
#define COMPARE_FIGURES(X)                                                                         \
    X(THROUGHPUT, .name = "throughput", .title = "throughput", .field = RUN_F_CLIENT_GOOD_PER_S,   \
      .direction = CMP_HIGHER_IS_BETTER, .server_bound = 1, .noise = 0.45, .floor = 1)             \
    X(P50, .name = "p50", .title = "p50 latency", .field = RUN_F_CLIENT_LATENCY_P50,               \
      .direction = CMP_LOWER_IS_BETTER, .server_bound = 1, .noise = 0.45, .floor = 10)             \
    X(P99, .name = "p99", .title = "p99 latency", .field = RUN_F_CLIENT_LATENCY_P99,               \
      .direction = CMP_LOWER_IS_BETTER, .server_bound = 1, .noise = 1.65, .floor = 50)             \
    X(CPU_PER_REQUEST, .name = "cpu_us_per_request", .title = "server CPU per request",            \
      .field = RUN_F_SERVER_CPU_US_PER_REQUEST, .direction = CMP_LOWER_IS_BETTER, .noise = 0.55,   \
      .floor = 0.2, .in_ticks = 1)                                                                 \
    X(MEMORY_USER, .name = "memory_user_per_connection", .title = "user memory per connection",    \
      .field = RUN_F_PC_RSS_BYTES, .direction = CMP_LOWER_IS_BETTER, .resolution = "rss_bytes",    \
      .noise = 0.15, .floor = 64)                                                                  \
    X(MEMORY_KERNEL, .name = "memory_kernel_per_connection",                                       \
      .title = "kernel memory per connection", .field = RUN_F_PC_KERNEL_BYTES,                     \
      .direction = CMP_LOWER_IS_BETTER, .resolution = "kernel_bytes", .noise = 0.05, .floor = 64)  \
    X(SWITCHES, .name = "switches_per_request", .title = "context switches per request",           \
      .field = RUN_F_SERVER_CTX_PER_REQUEST, .direction = CMP_LOWER_IS_BETTER, .noise = 0.05,      \
      .floor = 0.25)                                                                               \
    X(SYSCALLS, .name = "syscalls_per_request", .title = "system calls per request",               \
      .field = RUN_F_WRAP_SYSCALLS_PER_REQUEST, .direction = CMP_LOWER_IS_BETTER, .noise = 0.50,   \
      .floor = 0.05)                                                                               \
    X(CPUS_BUSY, .name = "cpus_busy", .title = "server CPUs busy",                                 \
      .field = RUN_F_SERVER_CPU_CORES, .direction = CMP_NO_DIRECTION, .noise = 0.55,               \
      .floor = 0.05)

struct compare_figure {
    const char *name;  /* --fail-if's, compare.json's and compare.csv's */
    const char *title; /* for people */
    int field;         /* RUN_F_*: the record's field, its unit and meaning in the schema */
    enum compare_direction direction;
    /* Measured by the client against a server that set the pace: no verdict where either run
     * was load-bound (the generator, not the server, was the limit). */
    int server_bound;
    /* Its name in per_connection.below_resolution ("kernel_bytes": cgroup.kernel_bytes or
     * machine.kernel_bytes, whichever the run's kernel figure was read from); NULL: it is never
     * below the method's resolution. */
    const char *resolution;
    double noise; /* the default noise: how far apart (a share) two sessions may be by chance */
    double floor; /* a smaller change, in the field's unit, is within noise */
    /* A server CPU time over its requests: CPU times are read in clock ticks (10 ms), so a run's
     * figure is known to two ticks over its requests (50 µs for 400 requests of /sleep), and a
     * change within both runs' resolutions is within noise. */
    int in_ticks;
};

#define COMPARE_FIGURE_ENUM(id, ...) CMP_F_##id,
enum compare_figure_id { COMPARE_FIGURES(COMPARE_FIGURE_ENUM) CMP_F_COUNT };
#undef COMPARE_FIGURE_ENUM

extern const struct compare_figure compare_figures[CMP_F_COUNT];
/* The figure called name, or -1. */
int compare_figure_find(const char *name);

#define COMPARE_VERDICTS(X)                                                                        \
    X(BETTER, "better")                                                                            \
    X(WORSE, "worse")                                                                              \
    X(WITHIN_NOISE, "within noise")                                                                \
    X(CHANGED, "changed")                   /* beyond noise, for a figure without a direction */   \
    X(LOAD_BOUND, "load-bound")             /* a server-bound figure of a load-bound run */        \
    X(BELOW_RESOLUTION, "below resolution") /* too small to measure on one side or both */         \
    X(NOT_MEASURED, "not measured")         /* absent on one side or both */

#define COMPARE_VERDICT_ENUM(id, text) CMP_##id,
enum compare_verdict { COMPARE_VERDICTS(COMPARE_VERDICT_ENUM) CMP_VERDICT_COUNT };
#undef COMPARE_VERDICT_ENUM

const char *compare_verdict_name(enum compare_verdict v);

/* Where a verdict's noise came from. */
enum compare_noise_from {
    CMP_NOISE_REPETITIONS, /* the spread of one session's repetitions of the cell, or both's */
    CMP_NOISE_DEFAULT,     /* the figure's default: this machine's run-to-run spread */
};

/* One side of a figure in a cell: the median of the usable repetitions, their spread. */
struct compare_side {
    double value;      /* NaN: not measured, or below resolution */
    double below;      /* the resolution it is below, where every repetition was; else NaN */
    double spread;     /* (max - min) / median of two or more repetitions; NaN with one */
    double resolution; /* the coarsest of the repetitions' (in_ticks figures), else 0 */
    int n;             /* repetitions with a value */
    int load_bound;    /* a repetition was load-bound */
};

/* Two figures are apart by the larger over the smaller, less 1: the same share whichever way
 * they moved (half the throughput and twice the CPU per request are both 100% worse). A change
 * is beyond noise when they are further apart than the noise. */
struct compare_value {
    struct compare_side a, b;
    double ratio; /* b / a; NaN where either is missing */
    double worse; /* how far apart, positive when B is worse, negative when better; NaN: no
                   * direction, or not both measured */
    double noise; /* how far apart two figures may be by chance */
    enum compare_noise_from noise_from;
    enum compare_verdict verdict;
};

/* One scenario, server and level both sessions ran. */
struct compare_cell {
    const struct run_record *a_run, *b_run; /* a run of it in each (the first), for its names */
    int a_runs, b_runs;                     /* its repetitions, usable or not */
    int a_usable, b_usable;
    struct compare_value v[CMP_F_COUNT];
};

/* B against A. */
struct compare_pair {
    const struct session_record *a, *b;
    int ia, ib;                 /* their places on the command line (0: A) */
    struct compare_cell *cells; /* owned */
    size_t n_cells;
    json_t *only_a, *only_b; /* [{scenario, model, level}] that one session ran alone */
    json_t *environment;     /* [{key, a, b}]: what differs, the machine first */
    json_t *claims;          /* [{id, claim, a, b, changed, figures, moved}] */
    int counts[CMP_VERDICT_COUNT];
};

/* Pairs b's runs with a's and judges every figure. Returns 0, or -ENOMEM. */
int compare_sessions(const struct session_record *a, const struct session_record *b,
                     struct compare_pair *out);
void compare_pair_free(struct compare_pair *p);

/* The judging of one figure, exposed for tests: fills v's ratio, worse, noise and verdict from
 * its two sides. */
void compare_judge(const struct compare_figure *f, struct compare_value *v);

/* ---- The gate ---- */

#define COMPARE_RULES_MAX 16

/* --fail-if [FIGURE:]worse[:PCT%]: a figure (any, without a name) that got worse beyond noise
 * and by more than PCT percent (compare_value's worse; 0 without it) fails the comparison. */
struct compare_rule {
    int figure;    /* CMP_F_*, or -1: any */
    double margin; /* a share: 0.05 for 5% */
};

struct compare_rules {
    struct compare_rule rule[COMPARE_RULES_MAX];
    int n;
};

/* Parses a comma-separated list of rules into rules (appended). Returns 0, or -EINVAL with what
 * is wrong in why. */
int compare_parse_rules(const char *text, struct compare_rules *rules, char *why, size_t why_len);
/* The first rule a figure of a cell breaks, or NULL. */
const struct compare_rule *compare_rule_broken(const struct compare_rules *rules, int figure,
                                               const struct compare_value *v);

#endif
