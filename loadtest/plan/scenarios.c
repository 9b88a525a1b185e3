#include "scenarios.h"

#include "env.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEVEL_END (-1)
#define LEVEL_MAX (-2) /* as many connections as the limits allow */
#define MAX_LEVELS 12

/* Busy connections beside the idle ones, and the rate they send at (open loop, so that what
 * they feel is measured from when each request was due). */
#define IDLE_BUSY_CONNECTIONS 10
#define IDLE_BUSY_RATE 1000.0
/* Idle connections are opened at this rate (a burst overflows the listen queue and measures
 * SYN retransmission timers instead of the cost of a connection; thread-per-connection must
 * create a thread for each, which can take a few hundred microseconds). */
#define RAMP_PER_S 2500.0
/* Pool workers in the blocking scenario: fewer than the highest concurrency levels. */
#define BLOCKING_POOL_THREADS "16"
/* Source addresses for connection churn (each has its own ephemeral ports). */
#define CHURN_SOURCES "127.0.0.2-127.0.0.41"
#define CHURN_SOURCE_COUNT 40
#define CLIENT_TIMEOUT_S 5.0
/* A /sleep request (50 ms) unanswered after this long is waiting for a worker, not sleeping. */
#define BLOCKING_TIMEOUT_S 2.0
/* Churn runs are short (each connection costs an entry for 120 s in a connection-tracking
 * table, where there is one); they open at most this many connections per second here. */
#define CHURN_WARMUP_S 1.0
#define CHURN_DURATION_S 3.0
#define CHURN_MAX_RATE 20000.0
/* Turning a scale run's perf samples into the scheduler's share, where perf is there. */
#define SCHED_PROFILE_S 0.8
/* Time to start and stop the server and the tools around a run. */
#define RUN_OVERHEAD_S 0.7
/* Pipelined requests in flight per connection. */
#define PIPELINE_DEPTH 16
/* The instructions scenario: each model runs under callgrind twice, answering these many
 * requests (--instructions-requests; the larger count is INSTRUCTIONS_FACTOR times the smaller;
 * start-up and shutdown cancel out in the difference), each run within at most
 * INSTRUCTIONS_MAX_S; a server under callgrind answers about INSTRUCTIONS_RATE requests/s
 * (for the estimate) and may take seconds for its first requests. */
#define INSTRUCTIONS_SMALL 2000
#define INSTRUCTIONS_FACTOR 11
#define INSTRUCTIONS_MAX_S 120.0
#define INSTRUCTIONS_RATE 5000.0
#define INSTRUCTIONS_TIMEOUT_S 30.0
#define WRAPPED_OVERHEAD_S 4.0
/* The hold scenario: busy connections among the held ones (--hold-busy), and the rate they are
 * opened at. */
#define HOLD_BUSY_CONNECTIONS 100
#define HOLD_RAMP_PER_S 5000.0

struct profile {
    const char *name;
    double warmup_s, duration_s;
    int scale[MAX_LEVELS], idle[MAX_LEVELS], cpu[MAX_LEVELS], blocking[MAX_LEVELS],
        churn[MAX_LEVELS], pipeline[MAX_LEVELS], syscalls[MAX_LEVELS], instructions[MAX_LEVELS],
        generators[MAX_LEVELS], hold[MAX_LEVELS];
    int work_us, sleep_ms;
    double calib_s;
    unsigned scenarios; /* what runs unless --scenarios says */
    int repeat;         /* repetitions unless --repeat says */
};

/* The perf scenarios' levels, the same in every profile that can run them. */
#define PERF_LEVELS                                                                                \
    .pipeline = {100, LEVEL_END}, .syscalls = {1000, LEVEL_END}, .instructions = {100, LEVEL_END}, \
    .generators = {100, 1000, LEVEL_END}, .hold = {15000, LEVEL_END}
/* The levels of the scenarios the perf and loadgen profiles run only when asked for. */
#define OTHER_LEVELS                                                                               \
    .cpu = {8, LEVEL_END}, .blocking = {64, LEVEL_END}, .churn = {8, LEVEL_END}, .work_us = 500,   \
    .sleep_ms = 50, .calib_s = 44.0

static const struct profile profiles[] = {
    {
        .name = "quick",
        .scenarios = SCEN_ALL,
        .repeat = 1,
        PERF_LEVELS,
        .warmup_s = 1.0,
        .duration_s = 2.0,
        .scale = {10, 1000, LEVEL_END},
        .idle = {1000, LEVEL_END},
        .cpu = {8, LEVEL_END},
        .blocking = {64, LEVEL_END},
        .churn = {8, LEVEL_END},
        .work_us = 500,
        .sleep_ms = 50,
        .calib_s = 14.0,
    },
    {
        .name = "default",
        .scenarios = SCEN_ALL,
        .repeat = 1,
        PERF_LEVELS,
        .warmup_s = 2.0,
        .duration_s = 5.0,
        .scale = {10, 100, 1000, 5000, 10000, LEVEL_END},
        .idle = {0, 1000, 5000, 10000, LEVEL_END},
        .cpu = {1, 2, 8, 32, LEVEL_END},
        .blocking = {4, 16, 64, 256, 1024, LEVEL_END},
        .churn = {1, 8, 64, LEVEL_END},
        .work_us = 500,
        .sleep_ms = 50,
        .calib_s = 44.0,
    },
    {
        .name = "full",
        .scenarios = SCEN_ALL,
        .repeat = 1,
        PERF_LEVELS,
        .warmup_s = 2.0,
        .duration_s = 10.0,
        .scale = {10, 100, 1000, 2000, 5000, 10000, 15000, LEVEL_MAX, LEVEL_END},
        .idle = {0, 1000, 5000, 10000, 15000, LEVEL_MAX, LEVEL_END},
        .cpu = {1, 2, 4, 8, 32, 128, LEVEL_END},
        .blocking = {4, 16, 64, 256, 1024, 4096, LEVEL_END},
        .churn = {1, 8, 64, 256, LEVEL_END},
        .work_us = 500,
        .sleep_ms = 50,
        .calib_s = 47.0,
    },
    {
        /* The pinned comparison of the README's performance table: the server on its CPU
         * and one c10k-load thread on the other, medians of three rounds that rotate the
         * models. */
        .name = "perf",
        .scenarios = SCEN_PERF,
        .repeat = 3,
        .warmup_s = 2.0,
        .duration_s = 10.0,
        .scale = {100, 1000, 10000, LEVEL_END},
        .idle = {10000, LEVEL_END},
        PERF_LEVELS,
        OTHER_LEVELS,
    },
    {
        /* What the load generator costs: c10k-load against wrk on the same server, and one
         * c10k-load process holding 15,000 connections. */
        .name = "loadgen",
        .scenarios = SCEN_LOADGEN,
        .repeat = 3,
        .warmup_s = 2.0,
        .duration_s = 10.0,
        .scale = {100, 1000, LEVEL_END},
        .idle = {1000, LEVEL_END},
        PERF_LEVELS,
        OTHER_LEVELS,
    },
};

static const struct profile *profile_find(const char *name)
{
    for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++)
        if (strcmp(profiles[i].name, name) == 0)
            return &profiles[i];
    return NULL;
}

int plan_profile_known(const char *name)
{
    return profile_find(name) != NULL;
}

static int parse_list(const char *list, const char *const *names, size_t n, unsigned *bits,
                      char *bad, size_t bad_len)
{
    *bits = 0;
    char *copy = strdup(list);
    if (!copy)
        return -ENOMEM;
    char *save = NULL;
    int rc = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        size_t i;
        for (i = 0; i < n; i++)
            if (strcmp(tok, names[i]) == 0)
                break;
        if (i == n) {
            if (bad)
                snprintf(bad, bad_len, "%s", tok);
            rc = -EINVAL;
            break;
        }
        *bits |= 1u << i;
    }
    free(copy);
    if (rc == 0 && *bits == 0)
        rc = -EINVAL;
    return rc;
}

static const char *const mode_names[MODE_COUNT] = {"thread", "pool", "loop", "uring"};
static const char *const scenario_names[SCEN_COUNT] = {
    "scale",    "idle",     "cpu",          "blocking",   "churn", "ctxswitch",
    "pipeline", "syscalls", "instructions", "generators", "hold"};

int plan_parse_modes(const char *list, unsigned *bits, char *bad, size_t bad_len)
{
    return parse_list(list, mode_names, MODE_COUNT, bits, bad, bad_len);
}

const char *plan_mode_name(unsigned bit)
{
    for (int i = 0; i < MODE_COUNT; i++)
        if (bit == 1u << i)
            return mode_names[i];
    return NULL;
}

int plan_parse_scenarios(const char *list, unsigned *bits, char *bad, size_t bad_len)
{
    return parse_list(list, scenario_names, SCEN_COUNT, bits, bad, bad_len);
}

int plan_parse_levels(const char *list, int *levels, size_t max)
{
    size_t n = 0;
    const char *p = list;
    while (*p) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 0 || v > PLAN_LEVEL_MAX || (*end && *end != ',') || n + 1 >= max)
            return -EINVAL;
        levels[n++] = (int)v;
        if (*end == ',' && end[1] == '\0')
            return -EINVAL; /* a trailing comma: a level is missing */
        p = *end ? end + 1 : end;
    }
    if (n == 0)
        return -EINVAL;
    levels[n] = LEVEL_END;
    return 0;
}

static struct run_spec *plan_add(struct plan *p)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        struct run_spec *r = realloc(p->runs, cap * sizeof *r);
        if (!r)
            return NULL;
        p->runs = r;
        p->cap = cap;
    }
    struct run_spec *s = &p->runs[p->n++];
    memset(s, 0, sizeof *s);
    return s;
}

/* One server configuration: a model label, a mode and extra options. */
struct variant {
    char model[48];
    char mode[16];
    char args[SPEC_MAX_ARGS][24];
    int n_args;
};

static void variant_set(struct variant *v, const char *mode, const char *a0, const char *a1)
{
    memset(v, 0, sizeof *v);
    snprintf(v->mode, sizeof v->mode, "%s", mode);
    snprintf(v->model, sizeof v->model, "%s", mode);
    const char *args[2] = {a0, a1};
    for (int i = 0; i < 2 && args[i]; i++) {
        snprintf(v->args[v->n_args++], sizeof v->args[0], "%s", args[i]);
        size_t used = strlen(v->model);
        snprintf(v->model + used, sizeof v->model - used, " %s", args[i]);
    }
}

/* The server configurations a scenario compares. */
static int variants_for(unsigned scen, unsigned modes, int nginx, const struct bench_env *env,
                        struct variant *out)
{
    int n = 0;
    /* The load generator's scenarios measure it against one server: nginx, else the loop. */
    if (scen & SCEN_LOADGEN) {
        variant_set(&out[n++], nginx ? "nginx" : "loop", NULL, NULL);
        return n;
    }
    if (modes & MODE_THREAD)
        variant_set(&out[n++], "thread", NULL, NULL);
    if (modes & MODE_POOL) {
        if (scen == SCEN_BLOCKING)
            variant_set(&out[n++], "pool", "--threads", BLOCKING_POOL_THREADS);
        else
            variant_set(&out[n++], "pool", NULL, NULL);
    }
    /* The event models: one loop (or ring); in cpu also one per core and the offload pool. */
    static const struct {
        unsigned bit;
        const char *mode, *per_core;
    } events[] = {{MODE_LOOP, "loop", "--loops"}, {MODE_URING, "uring", "--rings"}};
    for (size_t e = 0; e < sizeof events / sizeof events[0]; e++) {
        if (!(modes & events[e].bit))
            continue;
        variant_set(&out[n++], events[e].mode, NULL, NULL);
        if (scen == SCEN_CPU) {
            int cores = env->n_server_cpus > 1 ? env->n_server_cpus : env->cpus_allowed;
            if (cores > 1) {
                char count[16];
                snprintf(count, sizeof count, "%d", cores);
                variant_set(&out[n++], events[e].mode, events[e].per_core, count);
            }
            variant_set(&out[n++], events[e].mode, "--offload", NULL);
        }
    }
    if (nginx && scen != SCEN_CPU && scen != SCEN_BLOCKING && scen != SCEN_CHURN)
        variant_set(&out[n++], "nginx", NULL, NULL);
    return n;
}

static void make_id(struct run_spec *r, int repeat)
{
    char model[48];
    size_t j = 0;
    for (const char *s = r->model; *s && j < sizeof model - 1; s++) {
        if (*s == ' ' || *s == '-') {
            if (j > 0 && model[j - 1] != '-')
                model[j++] = '-';
        } else {
            model[j++] = *s;
        }
    }
    model[j] = '\0';
    char requests[32] = "";
    if (r->requests > 0)
        snprintf(requests, sizeof requests, "-n%lld", r->requests);
    else if (strcmp(r->scenario, "generators") == 0)
        snprintf(requests, sizeof requests, "-%s", r->tool == TOOL_WRK ? "wrk" : "c10k-load");
    if (repeat > 1)
        snprintf(r->id, sizeof r->id, "%s-%s-%d%s-r%d", r->scenario, model, r->level, requests,
                 r->repetition);
    else
        snprintf(r->id, sizeof r->id, "%s-%s-%d%s", r->scenario, model, r->level, requests);
}

static int plan_repeat(const struct profile *pr, const struct plan_opts *o)
{
    int repeat = o->repeat > 0 ? o->repeat : pr->repeat;
    return repeat > 1 ? repeat : 1;
}

static int add_scenario(struct plan *p, const struct profile *pr, unsigned scen,
                        const struct plan_opts *o, const struct bench_env *env)
{
    const int *levels;
    const char *name;
    switch (scen) {
    case SCEN_SCALE:
        levels = pr->scale;
        name = "scale";
        break;
    case SCEN_IDLE:
        levels = pr->idle;
        name = "idle";
        break;
    case SCEN_CPU:
        levels = pr->cpu;
        name = "cpu";
        break;
    case SCEN_BLOCKING:
        levels = pr->blocking;
        name = "blocking";
        break;
    case SCEN_CHURN:
        levels = pr->churn;
        name = "churn";
        break;
    case SCEN_PIPELINE:
        levels = pr->pipeline;
        name = "pipeline";
        break;
    case SCEN_SYSCALLS:
        levels = pr->syscalls;
        name = "syscalls";
        break;
    case SCEN_INSTRUCTIONS:
        levels = pr->instructions;
        name = "instructions";
        break;
    case SCEN_GENERATORS:
        levels = pr->generators;
        name = "generators";
        break;
    case SCEN_HOLD:
        levels = pr->hold;
        name = "hold";
        break;
    default:
        return 0;
    }
    if (o->levels && o->levels[0] != LEVEL_END)
        levels = o->levels;
    struct variant vs[12];
    int nv = variants_for(scen, o->modes, o->nginx, env, vs);
    int have_wrk = (o->tools >> TOOL_WRK) & 1, have_load = (o->tools >> TOOL_LOAD) & 1;
    long long max_conns = env_max_connections(env, 0);
    int repeat = plan_repeat(pr, o);
    /* The instructions scenario runs each model twice per repetition (two request counts),
     * generators once per load generator (wrk, then c10k-load). */
    int parts = scen == SCEN_INSTRUCTIONS || scen == SCEN_GENERATORS ? 2 : 1;
    /* The closed-loop scenarios take the generator that loads a server hardest with the load
     * CPUs: c10k-load (one thread per load CPU), unless wrk is asked for or alone. */
    enum bench_tool closed = have_load && !(o->prefer_wrk && have_wrk) ? TOOL_LOAD : TOOL_WRK;
    if (!have_load && !have_wrk)
        closed = TOOL_LOAD;

    for (int li = 0; levels[li] != LEVEL_END; li++) {
        int level = levels[li];
        if (level == LEVEL_MAX)
            level = (int)(scen == SCEN_IDLE ? max_conns - IDLE_BUSY_CONNECTIONS : max_conns);
        for (int k = 0; k < repeat * nv * parts; k++) {
            int rep = k / (nv * parts), v = (k / parts % nv + rep) % nv, part = k % parts;
            struct run_spec *r = plan_add(p);
            if (!r)
                return -ENOMEM;
            r->repetition = rep + 1;
            r->scenario = name;
            memcpy(r->model, vs[v].model, sizeof r->model);
            memcpy(r->mode, vs[v].mode, sizeof r->mode);
            memcpy(r->server_args, vs[v].args, sizeof r->server_args);
            r->n_server_args = vs[v].n_args;
            r->level = level;
            r->concurrency = level;
            r->keepalive = 1;
            r->warmup_s = o->warmup_set ? o->warmup_s : pr->warmup_s;
            r->duration_s = o->duration_s > 0 ? o->duration_s : pr->duration_s;
            r->timeout_s = CLIENT_TIMEOUT_S;
            r->wrap = o->wrap;
            r->tool = closed;
            snprintf(r->path, sizeof r->path, "/plaintext");
            switch (scen) {
            case SCEN_SCALE:
                break;
            case SCEN_IDLE:
                r->concurrency = IDLE_BUSY_CONNECTIONS;
                r->idle = level;
                r->rate = IDLE_BUSY_RATE;
                r->tool = TOOL_LOAD;
                r->tool_required = 1;
                break;
            case SCEN_CPU:
                snprintf(r->path, sizeof r->path, "/work?cpu_us=%d", pr->work_us);
                r->server_all_cpus = 1;
                break;
            case SCEN_BLOCKING:
                snprintf(r->path, sizeof r->path, "/sleep?ms=%d", pr->sleep_ms);
                /* c10k-load, where there is one: a request that never gets an answer (a
                 * request waiting for a free pool worker) is a timeout there, while wrk leaves
                 * it out of everything. */
                if (have_load)
                    r->tool = TOOL_LOAD;
                r->timeout_s = BLOCKING_TIMEOUT_S;
                break;
            case SCEN_CHURN:
                r->keepalive = 0;
                if (r->warmup_s > CHURN_WARMUP_S)
                    r->warmup_s = CHURN_WARMUP_S;
                if (r->duration_s > CHURN_DURATION_S)
                    r->duration_s = CHURN_DURATION_S;
                if (have_load) {
                    r->tool = TOOL_LOAD;
                    r->sources = CHURN_SOURCE_COUNT;
                }
                break;
            case SCEN_PIPELINE:
                r->pipeline = PIPELINE_DEPTH;
                r->tool = TOOL_LOAD;
                r->tool_required = 1;
                break;
            case SCEN_SYSCALLS:
                r->wrap = WRAP_SYSCALLS;
                break;
            case SCEN_INSTRUCTIONS:
                r->wrap = WRAP_CALLGRIND;
                r->tool = TOOL_LOAD;
                r->tool_required = 1;
                r->requests =
                    o->instructions_requests > 0 ? o->instructions_requests : INSTRUCTIONS_SMALL;
                if (part == 1)
                    r->requests *= INSTRUCTIONS_FACTOR;
                r->warmup_s = 0;
                r->duration_s = INSTRUCTIONS_MAX_S;
                r->timeout_s = INSTRUCTIONS_TIMEOUT_S;
                break;
            case SCEN_GENERATORS:
                r->tool = part == 0 ? TOOL_WRK : TOOL_LOAD;
                r->tool_required = 1;
                break;
            case SCEN_HOLD: {
                int busy;
                busy = o->hold_busy > 0 ? o->hold_busy : HOLD_BUSY_CONNECTIONS;
                r->concurrency = level < busy ? level : busy;
                r->idle = level - r->concurrency;
                r->ramp = HOLD_RAMP_PER_S;
                r->sources = CHURN_SOURCE_COUNT;
                r->tool = TOOL_LOAD;
                r->tool_required = 1;
                break;
            }
            }
            if (r->idle >= 1000 && r->ramp <= 0)
                r->ramp = RAMP_PER_S;
            if (r->tool == TOOL_LOAD && r->ramp > 0)
                r->warmup_s += (r->concurrency + r->idle) / r->ramp;
            if (!have_wrk && !have_load)
                r->tool_required = 1;
            if (!r->keepalive)
                r->new_connections = (long long)(CHURN_MAX_RATE * (r->warmup_s + r->duration_s));
            else /* wrk opens them twice: warm-up, then the measured run */
                r->new_connections = (long long)(r->concurrency + r->idle) * 2 + 100;
            make_id(r, repeat);
        }
    }
    return 0;
}

int plan_build(struct plan *p, const char *profile, const struct plan_opts *o,
               const struct bench_env *env)
{
    memset(p, 0, sizeof *p);
    const struct profile *pr = profile_find(profile);
    if (!pr)
        return -EINVAL;
    p->profile = pr->name;
    p->scenarios = o->scenarios ? o->scenarios : pr->scenarios;
    p->calibrate = (p->scenarios & SCEN_CTXSWITCH) != 0;
    p->calib_s = pr->calib_s;
    p->repeat = plan_repeat(pr, o);
    static const unsigned order[] = {
        SCEN_SCALE, SCEN_PIPELINE, SCEN_SYSCALLS, SCEN_INSTRUCTIONS, SCEN_IDLE,
        SCEN_CPU,   SCEN_BLOCKING, SCEN_CHURN,    SCEN_GENERATORS,   SCEN_HOLD};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (!(p->scenarios & order[i]))
            continue;
        int rc = add_scenario(p, pr, order[i], o, env);
        if (rc < 0) {
            plan_free(p);
            return rc;
        }
    }
    return 0;
}

void plan_free(struct plan *p)
{
    free(p->runs);
    p->runs = NULL;
    p->n = p->cap = 0;
}

double plan_estimate_s(const struct run_spec *r)
{
    double t = RUN_OVERHEAD_S + r->duration_s + r->warmup_s;
    if (r->requests > 0 && r->wrap == WRAP_CALLGRIND)
        t = WRAPPED_OVERHEAD_S + (double)r->requests / INSTRUCTIONS_RATE;
    else if (r->wrap != WRAP_NONE)
        t += WRAPPED_OVERHEAD_S;
    if (r->tool == TOOL_WRK)
        t += 0.2; /* a separate warm-up process */
    if (strcmp(r->scenario, "scale") == 0)
        t += SCHED_PROFILE_S;
    return t;
}

double plan_total_estimate_s(const struct plan *p)
{
    double t = p->calibrate ? p->calib_s : 0;
    for (size_t i = 0; i < p->n; i++)
        t += plan_estimate_s(&p->runs[i]);
    return t;
}

const char *plan_churn_sources(void)
{
    return CHURN_SOURCES;
}

struct scenario_text {
    unsigned bit;
    const char *name, *title, *question, *x_label, *how;
};

static const struct scenario_text texts[] = {
    {SCEN_SCALE, "scale", "Scale: keep-alive requests at rising concurrency",
     "Where does each model's throughput and latency bend as connections grow, and why?",
     "concurrent connections",
     "GET /plaintext over keep-alive connections, closed loop (each connection sends its next "
     "request when the previous answer arrives), from the load generator that loads a server "
     "hardest here (c10k-load, one thread per load CPU, unless --generator wrk)."},
    {SCEN_IDLE, "idle", "Idle: many silent keep-alive connections beside a few busy ones",
     "What does a connection cost while it does nothing, in user and kernel memory, and what do "
     "the busy connections feel?",
     "idle connections",
     "N silent keep-alive connections (opened at 2,500 per second) plus 10 busy ones sending "
     "GET /plaintext at 1,000 requests/s in total (open loop: latency counted from when each "
     "request was due)."},
    {SCEN_CPU, "cpu", "CPU-bound requests",
     "Which models use every core for CPU-bound work: one loop, several loops, an offload pool, "
     "threads?",
     "concurrent connections",
     "GET /work (a fixed amount of CPU work per request), closed loop; here the server may use "
     "every CPU."},
    {SCEN_BLOCKING, "blocking", "Blocking calls: more waiting requests than workers",
     "What happens when requests wait (blocking I/O, here /sleep) and there are more of them "
     "than pool workers: pool saturation versus a thread each versus timers?",
     "concurrent connections",
     "GET /sleep (a blocking sleep in thread and pool, a timer in the loop), closed loop over "
     "keep-alive connections; the pool has 16 workers. A request unanswered after 2 s is a "
     "timeout error."},
    {SCEN_CHURN, "churn", "Connection churn: a new connection per request",
     "What do accept and, for threads, thread creation cost when every request comes on a new "
     "connection?",
     "concurrent clients",
     "GET /plaintext with Connection: close, a new connection for every request, closed loop, "
     "from 40 source addresses (1 s warm-up, 3 s measured)."},
    {SCEN_CTXSWITCH, "ctxswitch", "Context switch and thread costs on this machine",
     "What does one context switch cost here, and creating a thread, and an idle thread's "
     "memory?",
     "",
     "Two threads (and two processes) pinned to one CPU pass a byte back and forth over pipes; "
     "threads are created and joined, then a thousand are kept idle and measured."},
    {SCEN_PIPELINE, "pipeline", "Pipelined requests",
     "What does a request cost each server when the per-request overhead of waiting is gone?",
     "concurrent connections",
     "GET /plaintext over keep-alive connections with 16 requests in flight on each "
     "(c10k-load --pipeline 16), closed loop."},
    {SCEN_SYSCALLS, "syscalls", "System calls and context switches per request",
     "How many system calls and context switches does each server make per request?",
     "concurrent connections",
     "The server runs under perf stat (the raw_syscalls:sys_enter tracepoint and the "
     "context-switches counter, over every thread and child) or, where perf cannot, strace -f "
     "-c; its counts over its life divided by the requests it answered (its own counter). "
     "The tracing slows the server: its throughput here is no figure."},
    {SCEN_INSTRUCTIONS, "instructions", "User-space instructions per request",
     "How much user-space work does each server do per request, free of the machine's noise?",
     "concurrent connections",
     "The server runs under valgrind's callgrind twice, answering 2,000 and then 22,000 "
     "requests over 100 keep-alive connections; the difference in instructions over the "
     "difference in requests leaves start-up and shutdown out."},
    {SCEN_GENERATORS, "generators", "Load generators: c10k-load against wrk",
     "How much CPU does each load generator spend per request against the same server?",
     "concurrent connections",
     "GET /plaintext over keep-alive connections, closed loop, from wrk and then c10k-load (one "
     "thread each on the load CPU) against one server: nginx, or the loop without it; the "
     "generator's CPU time over the measured window per request answered."},
    {SCEN_HOLD, "hold", "One c10k-load holding many connections",
     "What does one c10k-load process cost to hold N connections, past one source address's "
     "ports?",
     "connections held",
     "N keep-alive connections from one c10k-load process, 100 busy (closed loop) and the rest "
     "idle, opened at 5,000 per second from 40 source addresses; the client's descriptors, "
     "memory and CPU, and the fewest connections open in any measured second."},
};

json_t *plan_scenarios_json(const struct plan *p, unsigned scenarios)
{
    (void)p;
    json_t *arr = json_array();
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        if (!(scenarios & texts[i].bit))
            continue;
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", texts[i].name,
                                             "title", texts[i].title, "question", texts[i].question,
                                             "x_label", texts[i].x_label, "how", texts[i].how));
    }
    return arr;
}
