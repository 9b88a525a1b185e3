/* The scenarios of DESIGN.md and the profiles that size them: which models run, at which
 * concurrency levels, for how long, with which load generator. plan_build turns a profile and
 * the chosen modes and scenarios into the ordered list of runs. */
#ifndef C10K_BENCH_SCENARIOS_H
#define C10K_BENCH_SCENARIOS_H

#include "wrap.h"

#include <jansson.h>
#include <stddef.h>

struct bench_env;

enum bench_tool {
    TOOL_WRK,  /* closed loop, keep-alive: wrk with a Lua done() that prints JSON */
    TOOL_LOAD, /* c10k-load: open loop, idle connections, ramp, several source addresses */
};

#define SPEC_MAX_ARGS 4

/* One run: one server configuration under one load. */
struct run_spec {
    char id[96];
    const char *scenario; /* static: "scale", "idle", ... */
    char model[48];       /* what the charts call it: "thread", "loop --loops 2", "nginx" */
    char mode[16];        /* the server's --mode, or "nginx" */
    char server_args[SPEC_MAX_ARGS][24]; /* extra server options */
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
};

struct plan {
    struct run_spec *runs; /* owned */
    size_t n, cap;
    int calibrate; /* the ctxswitch scenario: calibrate this machine */
    const char *profile;
    unsigned scenarios; /* SCEN_* bits planned: the options' or the profile's */
    double calib_s; /* its estimated time */
    int repeat;     /* repetitions of every run */
};

/* Bits for the models and scenarios. */
#define MODE_THREAD 1u
#define MODE_POOL 2u
#define MODE_LOOP 4u
#define MODE_URING 8u /* io_uring: an event model like the loop, where the server has it */
#define MODE_ALL 15u
#define MODE_COUNT 4

#define SCEN_SCALE 1u
#define SCEN_IDLE 2u
#define SCEN_CPU 4u
#define SCEN_BLOCKING 8u
#define SCEN_CHURN 16u
#define SCEN_CTXSWITCH 32u
#define SCEN_ALL 63u /* the scenarios of the quick, default and full profiles */
/* The perf profile's, beside scale and idle: pipelined requests, and the server under a
 * wrapper that counts its system calls and context switches, or its instructions. */
#define SCEN_PIPELINE 64u
#define SCEN_SYSCALLS 128u
#define SCEN_INSTRUCTIONS 256u
#define SCEN_PERF (SCEN_SCALE | SCEN_IDLE | SCEN_PIPELINE | SCEN_SYSCALLS | SCEN_INSTRUCTIONS)
/* The loadgen profile's: what the load generator costs. wrk and c10k-load in turn against
 * one server (CPU per request), and one c10k-load holding many connections. */
#define SCEN_GENERATORS 512u
#define SCEN_HOLD 1024u
#define SCEN_LOADGEN (SCEN_GENERATORS | SCEN_HOLD)
#define SCEN_COUNT 11

/* Parses "thread,pool" or "scale,idle" into bits. Returns 0 or -EINVAL (naming the bad item
 * in bad, if given). */
int plan_parse_modes(const char *list, unsigned *bits, char *bad, size_t bad_len);
int plan_parse_scenarios(const char *list, unsigned *bits, char *bad, size_t bad_len);
/* The --mode name of one MODE_* bit ("thread", ..., "uring"), or NULL. */
const char *plan_mode_name(unsigned bit);
/* The largest level --levels takes, and how many. */
#define PLAN_LEVEL_MAX 1000000
#define PLAN_LEVELS_MAX 12
/* Parses "100,1000" into levels[] (at most max - 1 of them, ended by -1). Returns 0 or
 * -EINVAL. */
int plan_parse_levels(const char *list, int *levels, size_t max);
/* 1 for quick, default, full, perf. */
int plan_profile_known(const char *name);

/* What to plan besides the profile. */
struct plan_opts {
    unsigned modes, scenarios; /* MODE_* and SCEN_* bits; scenarios 0: the profile's */
    int nginx;                 /* nginx beside the models in scale and idle */
    unsigned tools;            /* load generators that exist: 1 << TOOL_WRK, 1 << TOOL_LOAD */
    int repeat;                /* every run this many times (0: the profile's) */
    double duration_s;         /* measured seconds of every run (0: the profile's) */
    int warmup_set;            /* warmup_s replaces the profile's warm-up */
    double warmup_s;
    int hold_busy;             /* busy connections among those hold holds (0: 100) */
    int instructions_requests; /* the smaller request count of the instructions runs, the
                                * larger being 11 times it (0: 2,000) */
    enum wrap_kind wrap;       /* every run's server under this wrapper (WRAP_NONE: only
                                * the scenarios that need one) */
    int prefer_wrk;            /* drive scale and cpu with wrk where c10k-load would */
    const int *levels;         /* NULL, or the levels of every scenario instead of the
                                * profile's (ended by -1, as plan_parse_levels writes them) */
};

/* Builds the runs: levels are the outer loop, then the repetitions, then the models (in an
 * order that rotates from one repetition to the next). Returns 0, -EINVAL (unknown profile)
 * or -ENOMEM. */
int plan_build(struct plan *p, const char *profile, const struct plan_opts *o,
               const struct bench_env *env);
void plan_free(struct plan *p);

/* Estimated seconds for one run, start and stop included. */
double plan_estimate_s(const struct run_spec *r);
double plan_total_estimate_s(const struct plan *p);

/* The --source argument of the churn runs. */
const char *plan_churn_sources(void);

/* What each scenario is and asks (for results.json and the report): an array of objects. */
json_t *plan_scenarios_json(const struct plan *p, unsigned scenarios);

#endif
