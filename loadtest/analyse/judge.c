#include "judge.h"
#include "servers.h"

#include "claims.h"
#include "env.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *judge_bottleneck_of(double server_busy, double client_busy, int open_loop)
{
    if (open_loop)
        return "fixed rate";
    if (server_busy >= JUDGE_SATURATED_SHARE)
        return "server";
    if (!isfinite(client_busy))
        return "unknown";
    return client_busy >= JUDGE_SATURATED_SHARE ? "load generator" : "neither";
}

const char *judge_held_back_by(double idle_pct, double steal_pct, double iowait_pct)
{
    if (!isfinite(idle_pct))
        return "unknown";
    if (idle_pct < JUDGE_MACHINE_IDLE_PCT || steal_pct > JUDGE_MACHINE_STEAL_PCT)
        return "machine limit";
    return iowait_pct > JUDGE_MACHINE_IOWAIT_PCT ? "stall" : "latency-bound";
}

/* A run neither side saturated: what the machine's CPUs did says which kind it was. */
static void judge_neither(struct run_record *r)
{
    const struct rec_machine *m = &r->machine;
    const char *why = judge_held_back_by(m->idle_pct, m->steal_pct, m->iowait_pct);
    record_set_str(&r->saturation.held_back_by, why);
    if (strcmp(why, "unknown") == 0)
        return;
    record_note(r,
                "neither side saturated: %s (the machine's CPUs %.0f%% idle, softirq %.0f%%, steal "
                "%.0f%%, iowait %.0f%% over the window; a machine limit is under %.0f%% idle or "
                "over %.0f%% steal, a stall over %.0f%% iowait)",
                why, m->idle_pct, m->softirq_pct, m->steal_pct, m->iowait_pct,
                JUDGE_MACHINE_IDLE_PCT, JUDGE_MACHINE_STEAL_PCT, JUDGE_MACHINE_IOWAIT_PCT);
}

void judge_bottleneck(struct run_record *r, int open_loop, const char *cpu_word)
{
    struct rec_saturation *s = &r->saturation;
    const char *b = judge_bottleneck_of(s->server_busy, s->client_busy, open_loop);
    record_set_str(&s->bottleneck, b);
    if (strcmp(b, "neither") == 0)
        judge_neither(r);
    s->load_bound = !open_loop && !(s->server_busy >= JUDGE_SATURATED_SHARE) &&
                    s->client_busy >= JUDGE_SATURATED_SHARE;
    s->threshold = JUDGE_SATURATED_SHARE;
    r->load_bound = s->load_bound;
    if (!s->load_bound)
        return;
    /* A local run knows how many threads the generator had; a Docker run, its busiest. */
    if (isfinite(s->client_threads))
        record_note(r,
                    "load-bound: the server's %s was %.0f%% busy while the load generator's %.0f "
                    "thread%s %.0f%%: the generator limited the load, so compare this level by "
                    "CPU time per request, not by throughput or latency",
                    cpu_word, 100 * s->server_busy, s->client_threads,
                    s->client_threads == 1 ? " was" : "s were", 100 * s->client_busy);
    else
        record_note(r,
                    "load-bound: the server's %s was %.0f%% used while the load generator's "
                    "busiest thread was %.0f%% busy: compare this level by CPU time per request",
                    cpu_word, 100 * s->server_busy, 100 * s->client_busy);
}

void judge_crosscheck(struct run_record *r)
{
    struct rec_server *sv = &r->server;
    double reqs = sv->requests;
    if (!isfinite(reqs))
        return;
    const struct rec_client *c = &r->client;
    double total = c->total_requests - c->errors.status;
    double given_up = c->errors.timeout + c->errors.read + c->errors.write;
    double in_flight = r->concurrency * (r->pipeline > 1 ? r->pipeline : 1) +
                       (isfinite(r->idle_connections) ? r->idle_connections : 0);
    double allowance = 2.0 * in_flight + given_up + JUDGE_CROSSCHECK_SHARE * reqs;
    int have = c->present == 1 && reqs > 0 && isfinite(total);
    sv->crosscheck = have ? total / reqs : NAN;
    sv->crosscheck_difference_pct = have ? 100 * (total - reqs) / reqs : NAN;
    sv->crosscheck_ok = c->present != 1 || !isfinite(total) || !(fabs(total - reqs) > allowance);
}

static double counter(const json_t *counters, const char *name)
{
    json_t *v = json_object_get(counters, name);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

void judge_refusals_from_counters(struct run_record *r)
{
    const json_t *c = r->server.counters;
    r->server.refused.present = json_is_object(c);
    r->server.refused.thread_create = counter(c, "errors.thread_create");
    r->server.refused.emfile = counter(c, "errors.emfile");
    r->server.refused.max_conns = counter(c, "errors.max_conns");
    r->server.refused.rejected = counter(c, "connections.rejected");
}

/* The client's errors by class, "connect 3, status 20" (only those that happened). */
static void error_classes(const struct rec_client *c, char *buf, size_t len)
{
    const struct {
        const char *name;
        double v;
    } classes[] = {{"connect", c->errors.connect}, {"read", c->errors.read},
                   {"write", c->errors.write},     {"timeout", c->errors.timeout},
                   {"status", c->errors.status},   {"parse", c->errors.parse}};
    size_t used = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < sizeof classes / sizeof classes[0] && used < len; k++)
        if (classes[k].v > 0)
            used += (size_t)snprintf(buf + used, len - used, "%s%s %.0f", used ? ", " : "",
                                     classes[k].name, classes[k].v);
    if (!used)
        snprintf(buf, len, "none");
}

/* The engine's account of the server's container (a Docker run). */
static void judge_engine(struct run_record *r)
{
    const struct rec_container_state *st = &r->docker.server.state;
    const struct rec_container_limits *lim = &r->docker.server.limits;
    char a[32];
    if (st->oom_killed == 1) {
        claims_format_bytes(a, sizeof a, lim->memory_bytes);
        record_set_status(r, "errors",
                          "server killed by the OOM killer (engine: OOMKilled, exit %.0f) under a "
                          "%s memory limit",
                          st->exit_code, a);
        r->limit.present = 1;
        record_set_str(&r->limit.name, "memory");
        r->limit.have = lim->memory_bytes;
        record_set_str(&r->limit.how, "the server container's memory limit "
                                      "(C10K_CONSTRAINED_MEMORY or C10K_SERVER_MEMORY)");
    } else if (isfinite(st->exit_code) && st->exit_code != 0) {
        record_set_status(r, "errors", "server exited with %.0f", st->exit_code);
    }
    double refused = r->docker.server.cgroup.pids_refused;
    if (refused > 0) {
        record_set_status(r, "errors", "the pids limit (%.0f) refused %.0f thread creations",
                          lim->pids, refused);
        if (!r->limit.present) {
            r->limit.present = 1;
            record_set_str(&r->limit.name, "pids");
            r->limit.have = lim->pids;
            record_set_str(&r->limit.how, "the server container's pids limit "
                                          "(C10K_CONSTRAINED_PIDS or C10K_SERVER_PIDS)");
        }
    }
}

/* The server's own refusals, from its counters. */
static void judge_refusals(struct run_record *r, const struct judge_context *cx)
{
    const struct rec_server *sv = &r->server;
    if (sv->refused.present != 1)
        return;
    double tc = sv->refused.thread_create, emfile = sv->refused.emfile,
           maxc = sv->refused.max_conns;
    if (tc > 0) {
        const char *which = "pid_max, threads-max, vm.max_map_count, the cgroup's pids.max or "
                            "memory";
        struct env_limit lim;
        enum env_tasks tasks =
            r->srv && r->srv->process_per_connection ? ENV_TASKS_PROCESSES : ENV_TASKS_THREADS;
        if (cx->env && env_check(cx->env, tasks, (long long)(r->concurrency + r->idle_connections),
                                 (int)r->source_addresses, 0, &lim))
            which = lim.name;
        record_set_status(r, "errors",
                          "the server could not create %.0f threads (limit: %s; its log says "
                          "which)",
                          tc, which);
    }
    if (emfile > 0)
        record_set_status(r, "errors",
                          "the server ran out of descriptors %.0f times (RLIMIT_NOFILE)", emfile);
    if (maxc > 0)
        record_set_status(r, "errors", "%.0f connections over --max-conns (503)", maxc);
    /* Refusals the causes above do not explain (a Docker server at its pids limit). */
    double other = sv->refused.rejected - (tc > 0 ? tc : 0) - (emfile > 0 ? emfile : 0) -
                   (maxc > 0 ? maxc : 0);
    if (other > 0 && r->docker.present == 1)
        record_set_status(r, "errors", "the server answered 503 to %.0f connections",
                          sv->refused.rejected);
}

/* What the client counted. */
static void judge_client(struct run_record *r, const struct judge_context *cx)
{
    const struct rec_client *c = &r->client;
    double requests = c->requests, total = c->errors.total, good = c->good_requests;
    double tried = requests + total - c->errors.status;
    char classes[256];
    error_classes(c, classes, sizeof classes);
    if (good <= 0 && c->errors.timeout > 0 && r->server.requests > 0) {
        /* The server worked, but every answer came after the client had given up: a result
         * (a pool with every worker busy, a queue longer than the timeout), not a failure. */
        char why[160] = "";
        if (isfinite(cx->pool_workers))
            snprintf(why, sizeof why, "every worker (%.0f) was busy; ", cx->pool_workers);
        record_set_status(r, "errors",
                          "%srequests waited past the %.0f s timeout: the server answered %.0f "
                          "requests (%.0f/s) in the window, each after its client had given up "
                          "(client errors: %s)",
                          why, r->timeout_s, r->server.requests, r->server.requests_per_s, classes);
    } else if (requests <= 0) {
        record_set_status(r, "failed",
                          "no request completed in the measured time (client errors: %s; %.0f "
                          "requests in flight or due when it stopped)",
                          classes, c->abandoned);
    } else if (good <= 0 && c->errors.status > 0) {
        /* Every answer was a refusal: the server worked, and said no. */
        record_set_status(r, "errors",
                          "no request was answered with a 2xx in the measured time "
                          "(client errors: %s)",
                          classes);
    } else if (good <= 0) {
        record_set_status(r, "failed",
                          "no request succeeded in the measured time (client errors: %s)", classes);
    } else if (total > 0 && total / tried > JUDGE_ERROR_SHARE) {
        record_set_status(r, "errors", "client errors: %.0f (%.2f%% of requests): %s", total,
                          100 * total / tried, classes);
    }
}

void judge_run(struct run_record *r, const struct judge_context *cx)
{
    if (!r->status)
        record_set_str(&r->status, "ok");
    if (r->docker.present == 1)
        judge_engine(r);
    judge_refusals(r, cx);
    if (r->client.present == 1)
        judge_client(r, cx);
    else if (record_status_is(r, "ok"))
        record_set_status(r, "failed", "no results from the load generator");
    double conns = r->concurrency + (isfinite(r->idle_connections) ? r->idle_connections : 0);
    double held = r->server.connections_held_peak;
    if (r->keepalive == 1 && conns >= JUDGE_HELD_MIN && held > 0 &&
        held < JUDGE_HELD_SHARE * conns && r->docker.present != 1)
        record_note(r,
                    "the server held at most %.0f of the %.0f connections at once (sampled each "
                    "second): the client had the others open, waiting in the kernel's listen "
                    "queue to be accepted (or reconnecting)",
                    held, conns);
}

void judge_conntrack(struct run_record *r, double peak, long long max)
{
    if (max <= 0 || peak < JUDGE_CONNTRACK_FULL * (double)max)
        return;
    record_set_status(r, record_status_is(r, "ok") ? "errors" : r->status,
                      "the kernel's connection-tracking table was full (%.0f of %lld entries) and "
                      "dropped new connections: %s",
                      peak, max, JUDGE_CONNTRACK_HOW);
}
