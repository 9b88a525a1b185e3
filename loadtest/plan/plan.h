/* The plan of a session: the runs the profile, the chosen servers and scenarios and the options
 * make of the two tables (servers.h, scenarios.h), in the order they run. */
#ifndef C10K_BENCH_PLAN_H
#define C10K_BENCH_PLAN_H

#include "scenarios.h"
#include "servers.h"
#include "wrap.h"

#include <stddef.h>

struct bench_env;

#define SPEC_MAX_ARGS VARIANT_ARGS

/* One run: one server configuration under one load. */
struct run_spec {
    char id[96];
    const struct bench_scenario *scn;
    const struct bench_server *srv;
    int variant;                         /* the server's variant */
    char model[48];                      /* what the charts call it: "loop --loops 2" */
    char server_args[SPEC_MAX_ARGS][24]; /* the variant's arguments, @CPUS@ filled */
    int n_server_args;
    int level;       /* the charts' x value: concurrency, or idle connections */
    int concurrency; /* busy connections */
    int idle;        /* silent keep-alive connections beside them */
    double rate;     /* open loop: requests/s in total; 0: closed loop */
    char path[64];
    int keepalive;
    int sources; /* local addresses to connect from (0: the kernel's choice) */
    double warmup_s, duration_s;
    double ramp; /* connections opened per second; 0: at once */
    enum bench_tool tool;
    int tool_required;         /* no fallback: skip the run when the tool is missing */
    int server_all_cpus;       /* the server may use every CPU (the cpu scenario) */
    double timeout_s;          /* a request slower than this is a client error */
    long long new_connections; /* how many connections the run may open (an estimate) */
    int repetition;            /* 1..plan_opts.repeat */
    int pipeline;              /* requests in flight per connection (c10k-load); 0 or 1: one */
    long long requests;        /* c10k-load stops after this many (0: at the duration) */
    enum wrap_kind wrap;       /* the server runs under this wrapper (WRAP_NONE: as it is) */
    int keys;                  /* c10k-load --keys (0: none) */
    double ready_s;            /* the server's start may take this much longer */
};

struct plan {
    struct run_spec *runs; /* owned */
    size_t n, cap;
    int calibrate;        /* the ctxswitch scenario: calibrate this machine */
    int calibrate_python; /* a py-* server runs: calibrate its interpreter (calib_python) */
    const struct bench_profile *profile;
    unsigned scenarios; /* SCN_BIT()s planned: the options' or the profile's */
    unsigned servers;   /* SRV bits planned */
    int repeat;         /* repetitions of every run */
};

/* The Python calibration's time budget, and what it takes in all (its minimum of runs of a
 * process start-up goes past the budget on a busy machine). */
#define PLAN_PYTHON_CALIB_S 4.0
#define PLAN_PYTHON_CALIB_ESTIMATE_S 8.0

/* The largest level --levels takes, and how many. */
#define PLAN_LEVEL_MAX 1000000
#define PLAN_LEVELS_MAX LEVELS_MAX
/* Parses "100,1000" into levels[] (at most max - 1 of them, ended by LEVEL_END). Returns 0 or
 * -EINVAL. */
int plan_parse_levels(const char *list, int *levels, size_t max);

/* What to plan besides the profile. */
struct plan_opts {
    unsigned servers;   /* SRV bits (1u << SRV_*) of the chosen servers */
    unsigned scenarios; /* SCN_BIT()s; 0: the profile's */
    int baselines;      /* the baseline peers (nginx) beside the models */
    unsigned tools;     /* load generators that exist: 1 << TOOL_WRK, 1 << TOOL_LOAD */
    int repeat;         /* every run this many times (0: the profile's) */
    double duration_s;  /* measured seconds of every run (0: the profile's) */
    int warmup_set;     /* warmup_s replaces the profile's warm-up */
    double warmup_s;
    int hold_busy;             /* busy connections among those hold holds (0: 100) */
    int instructions_requests; /* the smaller request count of the instructions runs, the
                                * larger being 11 times it (0: 2,000) */
    enum wrap_kind wrap;       /* every run's server under this wrapper (WRAP_NONE: only
                                * the scenarios that need one) */
    int prefer_wrk;            /* drive scale and cpu with wrk where c10k-load would */
    const int *levels;         /* NULL, or the levels of every scenario instead of the
                                * profile's (ended by LEVEL_END, as plan_parse_levels writes) */
};

/* Builds the runs: scenarios in the table's order, then levels, then the repetitions, then the
 * servers (in an order that rotates from one repetition to the next). Returns 0, -EINVAL
 * (unknown profile) or -ENOMEM. */
int plan_build(struct plan *p, const char *profile, const struct plan_opts *o,
               const struct bench_env *env);
void plan_free(struct plan *p);

/* Estimated seconds for one run, start and stop included. */
double plan_estimate_s(const struct run_spec *r);
double plan_total_estimate_s(const struct plan *p);

/* 1 when a planned scenario samples the server's CPUs with perf. */
int plan_profiles_cpu(const struct plan *p);

/* The --source argument of runs from several source addresses. */
const char *plan_sources(void);

#endif
