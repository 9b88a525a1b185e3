#include "scenarios.h"

#include "plan.h"
#include "record.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct bench_profile bench_profiles[PROFILE_COUNT] = {
    [PROFILE_QUICK] = {.name = "quick",
                       .about = "about 4 minutes",
                       .warmup_s = 1.0,
                       .duration_s = 2.0,
                       .scenarios = SCN_BIT(SCALE) | SCN_BIT(IDLE) | SCN_BIT(CPU) |
                                    SCN_BIT(BLOCKING) | SCN_BIT(CHURN) | SCN_BIT(CTXSWITCH),
                       .repeat = 1,
                       .calib_s = 15.0},
    [PROFILE_DEFAULT] = {.name = "default",
                         .about = "about 19 minutes on 2 cores",
                         .warmup_s = 2.0,
                         .duration_s = 5.0,
                         .scenarios = SCN_BIT(SCALE) | SCN_BIT(IDLE) | SCN_BIT(CPU) |
                                      SCN_BIT(BLOCKING) | SCN_BIT(CHURN) | SCN_BIT(CTXSWITCH) |
                                      SCN_DATASETS,
                         .repeat = 1,
                         .calib_s = 46.0,
                         .trim = 1},
    [PROFILE_FULL] = {.name = "full",
                      .about = "up to the open-file limit",
                      .warmup_s = 2.0,
                      .duration_s = 10.0,
                      .scenarios = SCN_BIT(SCALE) | SCN_BIT(IDLE) | SCN_BIT(CPU) |
                                   SCN_BIT(BLOCKING) | SCN_BIT(CHURN) | SCN_BIT(CTXSWITCH) |
                                   SCN_DATASETS,
                      .repeat = 1,
                      .calib_s = 49.0},
    /* The pinned comparison of the README's performance table: the server on its CPU and one
     * c10k-load thread on the other, medians of three rounds that rotate the servers. */
    [PROFILE_PERF] = {.name = "perf",
                      .about = "the README's performance table: scale, pipeline, syscalls, "
                               "instructions and idle, 3 rounds of 10 s runs, ~25 minutes",
                      .warmup_s = 2.0,
                      .duration_s = 10.0,
                      .scenarios = SCN_BIT(SCALE) | SCN_BIT(IDLE) | SCN_PERF,
                      .repeat = 3,
                      .calib_s = 44.0},
    /* What the load generator costs: c10k-load against wrk on the same server, and one
     * c10k-load process holding 15,000 connections. */
    [PROFILE_LOADGEN] = {.name = "loadgen",
                         .about = "what the load generator costs: generators, hold",
                         .warmup_s = 2.0,
                         .duration_s = 10.0,
                         .scenarios = SCN_LOADGEN,
                         .repeat = 3,
                         .calib_s = 44.0},
};

const struct bench_profile *profile_find(const char *name)
{
    for (int i = 0; i < PROFILE_COUNT; i++)
        if (strcmp(bench_profiles[i].name, name) == 0)
            return &bench_profiles[i];
    return NULL;
}

#define SCENARIO_ROW(id, ...) [SCN_##id] = {__VA_ARGS__},
const struct bench_scenario bench_scenarios[SCN_COUNT] = {SCENARIO_TABLE(SCENARIO_ROW)};
#undef SCENARIO_ROW

const struct bench_scenario *scenario_find(const char *name)
{
    for (int i = 0; i < SCN_COUNT; i++)
        if (strcmp(bench_scenarios[i].name, name) == 0)
            return &bench_scenarios[i];
    return NULL;
}

int scenario_id_of(const struct bench_scenario *s)
{
    return (int)(s - bench_scenarios);
}

int scenario_parse_list(const char *list, unsigned *bits, char *bad, size_t bad_len)
{
    *bits = 0;
    const char *p = list;
    for (;;) {
        size_t n = strcspn(p, ",");
        char name[64];
        const struct bench_scenario *s = NULL;
        if (n < sizeof name) {
            memcpy(name, p, n);
            name[n] = '\0';
            s = scenario_find(name);
        }
        if (!s || s->container) {
            if (bad)
                snprintf(bad, bad_len, "%.*s", (int)n, p);
            return -EINVAL;
        }
        *bits |= 1u << scenario_id_of(s);
        if (!p[n])
            break;
        p += n + 1;
    }
    return 0;
}

const char *scenario_names(void)
{
    static char names[256];
    if (!names[0]) {
        size_t used = 0;
        for (int i = 0; i < SCN_COUNT && used < sizeof names; i++)
            if (!bench_scenarios[i].container)
                used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", used ? "," : "",
                                         bench_scenarios[i].name);
    }
    return names;
}

/* ---- The odd ones ---- */

/* The hold scenario: busy connections among the held ones (--hold-busy), opened at this rate. */
#define HOLD_BUSY_CONNECTIONS 100
#define HOLD_RAMP_PER_S 5000.0

void scenario_shape_hold(struct run_spec *r, int part, const struct plan_opts *o)
{
    (void)part;
    int busy = o->hold_busy > 0 ? o->hold_busy : HOLD_BUSY_CONNECTIONS;
    r->concurrency = r->level < busy ? r->level : busy;
    r->idle = r->level - r->concurrency;
    r->ramp = HOLD_RAMP_PER_S;
}

/* The instructions scenario: each server runs under callgrind twice, answering these many
 * requests (--instructions-requests; the larger count is INSTRUCTIONS_FACTOR times the smaller;
 * start-up and shutdown cancel out in the difference), each run within INSTRUCTIONS_MAX_S. */
#define INSTRUCTIONS_SMALL 2000
#define INSTRUCTIONS_FACTOR 11
#define INSTRUCTIONS_MAX_S 120.0
#define INSTRUCTIONS_TIMEOUT_S 30.0

void scenario_shape_instructions(struct run_spec *r, int part, const struct plan_opts *o)
{
    r->requests = o->instructions_requests > 0 ? o->instructions_requests : INSTRUCTIONS_SMALL;
    if (part == 1)
        r->requests *= INSTRUCTIONS_FACTOR;
    r->warmup_s = 0;
    r->duration_s = INSTRUCTIONS_MAX_S;
    r->timeout_s = INSTRUCTIONS_TIMEOUT_S;
}

/* The fewest connections c10k-load had open in any measured second (its per-second series). */
double scenario_min_open(const struct run_record *r)
{
    const json_t *conns = json_object_get(r->client.series, "connections");
    const json_t *warm = json_object_get(r->client.series, "warmup");
    double least = NAN;
    size_t i;
    const json_t *c;
    json_array_foreach(conns, i, c)
    {
        if (json_is_true(json_array_get(warm, i)) || !json_is_number(c))
            continue;
        if (!(json_number_value(c) >= least))
            least = json_number_value(c);
    }
    return least;
}

/* Whether one c10k-load held the connections: the fewest it had open in a measured second
 * reached the level and no request failed (the medians over the repetitions). */
double scenario_held(const struct run_record *const *runs, size_t n)
{
    double *open = malloc((n + 1) * sizeof *open), *errors = malloc((n + 1) * sizeof *errors);
    size_t k = 0, e = 0;
    for (size_t i = 0; open && errors && i < n; i++) {
        double o = scenario_min_open(runs[i]);
        if (isfinite(o))
            open[k++] = o;
        if (isfinite(runs[i]->client.errors.total))
            errors[e++] = runs[i]->client.errors.total;
    }
    double held = n && open && errors
                      ? record_median(open, k) >= runs[0]->level && record_median(errors, e) == 0
                      : NAN;
    free(open);
    free(errors);
    return held;
}

/* Where the server's CPU went, by area (perf's samples): {area: median % over the runs that
 * have it}, or NULL when none has. */
json_t *scenario_area_pct(const struct run_record *const *runs, size_t n)
{
    static const char *const keys[SCHED_AREA_COUNT] = {
#define AREA_KEY(X, id, key, meaning) key,
        SCHED_AREAS(AREA_KEY, _)
#undef AREA_KEY
    };
    double *v = malloc((n + 1) * sizeof *v);
    json_t *o = v ? json_object() : NULL;
    for (int a = 0; o && a < SCHED_AREA_COUNT; a++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (isfinite(runs[i]->scheduler.area_pct[a]))
                v[k++] = runs[i]->scheduler.area_pct[a];
        if (k)
            json_object_set_new(o, keys[a], json_real(record_median(v, k)));
    }
    free(v);
    if (o && json_object_size(o) == 0) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

/* Instructions per request: in each repetition, the difference between its two runs (the fewer
 * and the more requests) over the difference in requests answered; start-up and shutdown cancel
 * out. The median over the repetitions. */
double scenario_instructions_per_request(const struct run_record *const *runs, size_t n)
{
    double *v = malloc((n * n + 1) * sizeof *v);
    size_t k = 0;
    for (size_t i = 0; v && i < n; i++)
        for (size_t j = 0; j < n; j++) {
            const struct rec_wrapper *a = &runs[i]->wrapper, *b = &runs[j]->wrapper;
            if (runs[i]->repetition != runs[j]->repetition)
                continue;
            if (isfinite(a->instructions) && isfinite(b->instructions) &&
                b->requests > a->requests && b->instructions > a->instructions)
                v[k++] = (b->instructions - a->instructions) / (b->requests - a->requests);
        }
    double m = v ? record_median(v, k) : NAN;
    free(v);
    return m;
}
