#include "plan.h"

#include "env.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Idle connections are opened at this rate (a burst overflows the listen queue and measures
 * SYN retransmission timers instead of the cost of a connection; thread-per-connection must
 * create a thread for each, which can take a few hundred microseconds). */
#define RAMP_PER_S 2500.0
/* Source addresses for runs that open many connections (each has its own ephemeral ports). */
#define SOURCES "127.0.0.2-127.0.0.41"
#define CLIENT_TIMEOUT_S 5.0
/* Runs with a new connection per request open at most this many per second here (each costs
 * an entry for 120 s in a connection-tracking table, where there is one). */
#define CHURN_MAX_RATE 20000.0
/* Turning a scale run's perf samples into the scheduler's share, where perf is there. */
#define SCHED_PROFILE_S 0.8
/* Time to start and stop the server and the tools around a run. */
#define RUN_OVERHEAD_S 0.7
/* A server under callgrind answers about this many requests/s (for the estimate). */
#define INSTRUCTIONS_RATE 5000.0
#define WRAPPED_OVERHEAD_S 4.0
/* A server that builds a data set before it listens (and a prefork one then forks) takes about
 * this much longer to start. */
#define SLOW_START_S 2.0

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

/* One server configuration a scenario compares. */
struct config {
    const struct bench_server *srv;
    int variant;
};

/* The server's CPUs, for a per-core variant. */
static int server_cpus(const struct bench_env *env)
{
    return env->n_server_cpus > 1 ? env->n_server_cpus : env->cpus_allowed;
}

/* The configurations a scenario compares: the chosen servers' variants that run in it, then the
 * baselines; a scenario of one server takes the baseline that runs in it, else the reference. */
static int configs_for(const struct bench_scenario *scn, const struct plan_opts *o,
                       const struct bench_env *env, const struct bench_profile *pr,
                       struct config *out, int max)
{
    int n = 0, id = scenario_id_of(scn);
    unsigned bit = 1u << id;
    int full = pr == &bench_profiles[PROFILE_FULL];
    if (scn->one_server) {
        for (int pass = 0; pass < 2 && n == 0; pass++)
            for (int i = 0; i < SRV_COUNT && n == 0; i++)
                if (pass == 0 ? bench_servers[i].baseline && o->baselines &&
                                    server_runs_in(&bench_servers[i], id, 0)
                              : bench_servers[i].reference)
                    out[n++] = (struct config){&bench_servers[i], 0};
        return n;
    }
    for (int i = 0; i < SRV_COUNT; i++) {
        const struct bench_server *s = &bench_servers[i];
        /* A baseline runs beside the models but in the profiles it stays out of, or where
         * --modes names it. */
        int named = (int)((o->servers >> i) & 1u);
        int beside = o->baselines && !(s->not_in_profiles & (1u << (pr - bench_profiles)));
        int chosen = s->baseline ? beside || named : named;
        /* Everywhere under --profile full; a model where --scenarios names the scenario, a
         * baseline where --modes names it too. */
        int everywhere = full || (s->baseline ? named : o->scenarios != 0);
        if (!chosen || !server_runs_in(s, id, everywhere) || (scn->endpoint & ~s->endpoints))
            continue;
        for (int v = 0; v < SERVER_VARIANTS && s->variants[v].scenarios && n < max; v++)
            if ((s->variants[v].scenarios & bit) && server_cpus(env) >= s->variants[v].min_cpus)
                out[n++] = (struct config){s, v};
    }
    return n;
}

static void set_config(struct run_spec *r, const struct config *c, int cpus)
{
    r->srv = c->srv;
    r->variant = c->variant;
    server_label(c->srv, c->variant, cpus, r->model, sizeof r->model);
    const struct server_variant *v = &c->srv->variants[c->variant];
    r->n_server_args = 0;
    for (int a = 0; a < VARIANT_ARGS && v->args[a]; a++) {
        if (strcmp(v->args[a], "@CPUS@") == 0)
            snprintf(r->server_args[r->n_server_args++], sizeof r->server_args[0], "%d", cpus);
        else
            snprintf(r->server_args[r->n_server_args++], sizeof r->server_args[0], "%s",
                     v->args[a]);
    }
}

static const char *tool_name(enum bench_tool t)
{
    return t == TOOL_WRK ? "wrk" : "c10k-load";
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
    else if (r->scn->tool == TOOL_EACH)
        snprintf(requests, sizeof requests, "-%s", tool_name(r->tool));
    if (repeat > 1)
        snprintf(r->id, sizeof r->id, "%s-%s-%d%s-r%d", r->scn->name, model, r->level, requests,
                 r->repetition);
    else
        snprintf(r->id, sizeof r->id, "%s-%s-%d%s", r->scn->name, model, r->level, requests);
}

static int plan_repeat(const struct bench_profile *pr, const struct plan_opts *o)
{
    int repeat = o->repeat > 0 ? o->repeat : pr->repeat;
    return repeat > 1 ? repeat : 1;
}

/* The load generator a run takes first (run.c falls back to the other where it may). */
static enum bench_tool tool_for(const struct bench_scenario *scn, const struct plan_opts *o,
                                int part, int *required)
{
    int have_wrk = (o->tools >> TOOL_WRK) & 1, have_load = (o->tools >> TOOL_LOAD) & 1;
    *required = !have_wrk && !have_load;
    switch (scn->tool) {
    case TOOL_NEEDS_LOAD:
        *required = 1;
        return TOOL_LOAD;
    case TOOL_EACH:
        *required = 1;
        return part == 0 ? TOOL_WRK : TOOL_LOAD;
    case TOOL_PREFERS_LOAD:
        if (have_load)
            return TOOL_LOAD;
        break;
    case TOOL_CLOSED:
        break;
    }
    /* The closed-loop generator that loads a server hardest with the load CPUs: c10k-load (one
     * thread per load CPU), unless wrk is asked for or alone. */
    if (!have_load && !have_wrk)
        return TOOL_LOAD;
    return have_load && !(o->prefer_wrk && have_wrk) ? TOOL_LOAD : TOOL_WRK;
}

static void shape_run(struct run_spec *r, const struct bench_scenario *scn,
                      const struct bench_profile *pr, const struct plan_opts *o, int part)
{
    r->concurrency = scn->busy > 0 ? scn->busy : r->level;
    r->idle = scn->level_is_idle ? r->level : 0;
    r->rate = scn->rate;
    r->keepalive = !scn->close;
    r->pipeline = scn->pipeline;
    r->warmup_s = o->warmup_set ? o->warmup_s : pr->warmup_s;
    r->duration_s = o->duration_s > 0 ? o->duration_s : pr->duration_s;
    if (scn->max_warmup_s > 0 && r->warmup_s > scn->max_warmup_s)
        r->warmup_s = scn->max_warmup_s;
    if (scn->max_duration_s > 0 && r->duration_s > scn->max_duration_s)
        r->duration_s = scn->max_duration_s;
    r->timeout_s = scn->timeout_s > 0 ? scn->timeout_s : CLIENT_TIMEOUT_S;
    r->wrap = scn->wrap != WRAP_NONE ? scn->wrap : o->wrap;
    r->server_all_cpus = scn->server_all_cpus;
    snprintf(r->path, sizeof r->path, "%s", scn->path);
    r->keys = scn->keys;
    r->ready_s = scn->ready_s;
    for (int a = 0; a < 2 && scn->server_args[a] && r->n_server_args < SPEC_MAX_ARGS; a++)
        snprintf(r->server_args[r->n_server_args++], sizeof r->server_args[0], "%s",
                 scn->server_args[a]);
    r->tool = tool_for(scn, o, part, &r->tool_required);
    /* Several source addresses are c10k-load's. */
    if (r->tool == TOOL_LOAD)
        r->sources = scn->sources;
    if (scn->shape)
        scn->shape(r, part, o);
    if (r->idle >= 1000 && r->ramp <= 0)
        r->ramp = RAMP_PER_S;
    if (r->tool == TOOL_LOAD && r->ramp > 0)
        r->warmup_s += (r->concurrency + r->idle) / r->ramp;
    if (!r->keepalive)
        r->new_connections = (long long)(CHURN_MAX_RATE * (r->warmup_s + r->duration_s));
    else /* wrk opens them twice: warm-up, then the measured run */
        r->new_connections = (long long)(r->concurrency + r->idle) * 2 + 100;
}

/* Whether the profile trims srv's levels of scn and leaves this one out (--levels: never). */
static int trimmed(const struct bench_server *srv, const struct bench_scenario *scn, int level,
                   const struct bench_profile *pr, const struct plan_opts *o)
{
    const int *keep = srv->trim_levels[scenario_id_of(scn)];
    if (!pr->trim || !keep || (o->levels && o->levels[0] != LEVEL_END))
        return 0;
    for (int i = 0; keep[i] != LEVEL_END; i++)
        if (keep[i] == level)
            return 0;
    return 1;
}

static int add_scenario(struct plan *p, const struct bench_scenario *scn, const struct plan_opts *o,
                        const struct bench_env *env)
{
    const struct bench_profile *pr = p->profile;
    const int *levels = scn->levels[pr - bench_profiles];
    if (o->levels && o->levels[0] != LEVEL_END)
        levels = o->levels;
    struct config cs[SRV_COUNT * SERVER_VARIANTS];
    int nv = configs_for(scn, o, env, pr, cs, (int)(sizeof cs / sizeof cs[0]));
    long long max_conns = env_max_connections(env, 0);
    int parts = scn->parts > 1 ? scn->parts : 1;
    for (int c = 0; c < nv; c++)
        p->servers |= 1u << server_id_of(cs[c].srv);
    for (int li = 0; levels[li] != LEVEL_END; li++) {
        int level = levels[li];
        if (level == LEVEL_MAX)
            level = (int)(scn->level_is_idle ? max_conns - scn->busy : max_conns);
        struct config at[SRV_COUNT * SERVER_VARIANTS];
        int na = 0;
        for (int c = 0; c < nv; c++)
            if (!trimmed(cs[c].srv, scn, level, pr, o))
                at[na++] = cs[c];
        for (int k = 0; k < p->repeat * na * parts; k++) {
            int rep = k / (na * parts), v = (k / parts % na + rep) % na, part = k % parts;
            struct run_spec *r = plan_add(p);
            if (!r)
                return -ENOMEM;
            r->repetition = rep + 1;
            r->scn = scn;
            r->level = level;
            set_config(r, &at[v], server_cpus(env));
            shape_run(r, scn, pr, o, part);
            make_id(r, p->repeat);
        }
    }
    return 0;
}

int plan_build(struct plan *p, const char *profile, const struct plan_opts *o,
               const struct bench_env *env)
{
    memset(p, 0, sizeof *p);
    const struct bench_profile *pr = profile_find(profile);
    if (!pr)
        return -EINVAL;
    p->profile = pr;
    p->scenarios = o->scenarios ? o->scenarios : pr->scenarios;
    p->calibrate = (p->scenarios & SCN_BIT(CTXSWITCH)) != 0;
    p->repeat = plan_repeat(pr, o);
    for (int i = 0; i < SCN_COUNT; i++) {
        if (!(p->scenarios & (1u << i)) || bench_scenarios[i].calibration ||
            bench_scenarios[i].container)
            continue;
        int rc = add_scenario(p, &bench_scenarios[i], o, env);
        if (rc < 0) {
            plan_free(p);
            return rc;
        }
    }
    for (size_t i = 0; i < p->n; i++)
        p->calibrate_python |= p->runs[i].srv->kind == SERVER_PYTHON;
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
    if (r->ready_s > 0)
        t += SLOW_START_S;
    t += r->srv->start_ms_per_connection * (r->concurrency + r->idle) / 1000;
    if (r->scn->profile_cpu)
        t += SCHED_PROFILE_S;
    return t;
}

double plan_total_estimate_s(const struct plan *p)
{
    double t = (p->calibrate ? p->profile->calib_s : 0) +
               (p->calibrate_python ? PLAN_PYTHON_CALIB_ESTIMATE_S : 0);
    for (size_t i = 0; i < p->n; i++)
        t += plan_estimate_s(&p->runs[i]);
    return t;
}

const char *plan_sources(void)
{
    return SOURCES;
}

int plan_profiles_cpu(const struct plan *p)
{
    for (int i = 0; i < SCN_COUNT; i++)
        if ((p->scenarios & (1u << i)) && bench_scenarios[i].profile_cpu)
            return 1;
    return 0;
}
