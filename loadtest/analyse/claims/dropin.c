/* A pool of processes is a drop-in for a pool of threads. */
#include "claim.h"
#include "claims.h"

#include <math.h>

/* prefork against the pool: it fits where it serves at least 0.8x the pool's requests/s with
 * at most 1.5x its p99, at most 2x its memory per idle connection, and keeps every keep-alive
 * connection served when there are more of them than workers. */
#define DROPIN_RATE 0.8
#define DROPIN_P99 1.5
#define DROPIN_MEMORY 2.0
/* Connections it may leave unheld (descriptors are sampled once a second). */
#define DROPIN_UNSERVED 0.01

static const struct bench_server *procs(void)
{
    return &bench_servers[SRV_PREFORK];
}

static const struct bench_server *threads(void)
{
    return &bench_servers[SRV_POOL];
}

/* prefork's workers in a run (its main process only watches them), or NaN. */
static double workers_of(const struct run_record *r)
{
    return r && r->server.tree.present == 1 ? r->server.tree.processes - 1 : NAN;
}

/* CPU per request: the larger of the tick-sampled CPU times' (which miss hundreds of processes'
 * short runs) and schedstat's (which misses the tasks that ended before the second reading). */
static double cpu_us(const struct run_record *r)
{
    double run = r->server.run_us_per_request, ticks = claim_cpu_us(r);
    return isfinite(run) && !(run < ticks) ? run : ticks;
}

/* scale at the highest level with no more connections than prefork has workers: throughput and
 * p99 against the pool's. Returns how many of the two fit; *judged counts those measured. */
static int dropin_scale(struct claim *c, const struct claim_runs *v, int *judged)
{
    const struct run_record *p = NULL, *t = NULL;
    claim_each(v, r)
    {
        if (!claim_is(r, SCN_SCALE, procs()) || !record_usable(r) || r->load_bound == 1 ||
            !(r->level <= workers_of(r)) || (p && p->level >= r->level))
            continue;
        const struct run_record *u = claim_run_at(v, SCN_SCALE, threads(), r->level);
        if (u && u->load_bound != 1)
            p = r, t = u;
    }
    if (!p)
        return 0;
    double rate = claim_rps(p) / claim_rps(t);
    double p99 = p->client.latency_us.p99 / t->client.latency_us.p99;
    char a[32], b[32];
    claim_format_us(a, sizeof a, p->client.latency_us.p99);
    claim_format_us(b, sizeof b, t->client.latency_us.p99);
    claim_add(&c->measured,
              " Keep-alive requests at %.0f connections (prefork had %.0f workers): %.0f req/s "
              "against the pool's %.0f (%.2fx), p99 %s against %s (%.2fx), %.1f µs of CPU per "
              "request against %.1f µs.",
              p->level, workers_of(p), claim_rps(p), claim_rps(t), rate, a, b, p99, cpu_us(p),
              cpu_us(t));
    claim_figure(c, "rate_ratio", rate);
    claim_figure(c, "p99_ratio", p99);
    claim_cite(c, p);
    claim_cite(c, t);
    *judged += 2;
    return (rate >= DROPIN_RATE) + (p99 <= DROPIN_P99);
}

/* idle: memory per connection against the pool's at the highest level both held. */
static int dropin_memory(struct claim *c, const struct claim_runs *v, int *judged)
{
    const struct run_record *p = claim_top_run(v, SCN_IDLE, procs());
    const struct run_record *t = p ? claim_run_at(v, SCN_IDLE, threads(), p->level) : NULL;
    if (!claim_has_per_connection(p) || !claim_has_per_connection(t))
        return 0;
    double ratio = p->per_connection.total_bytes / t->per_connection.total_bytes;
    char a[32], b[32];
    claims_format_bytes(a, sizeof a, p->per_connection.total_bytes);
    claims_format_bytes(b, sizeof b, t->per_connection.total_bytes);
    claim_add(&c->measured,
              " %.0f idle connections: %s per connection it held (PSS + kernel; it held %.0f) "
              "against the pool's %s (%.1fx).",
              p->level, a, p->per_connection.connections, b, ratio);
    claim_figure(c, "memory_ratio", ratio);
    claim_cite(c, p);
    claim_cite(c, t);
    (*judged)++;
    return ratio <= DROPIN_MEMORY;
}

/* The highest scale level beyond prefork's workers: the connections no worker took waited in
 * the listen queue, unserved (their requests are in flight when the run ends, not failed). Fits
 * when the server held every connection (its descriptors, at the most) and no request failed. */
static int dropin_beyond(struct claim *c, const struct claim_runs *v, int *judged)
{
    const struct run_record *p = claim_top_run(v, SCN_SCALE, procs());
    if (!p || !(p->level > workers_of(p)) || !isfinite(p->server.connections_held_peak))
        return 0;
    const struct run_record *t = claim_run_at(v, SCN_SCALE, threads(), p->level);
    double held = p->server.connections_held_peak, errors = p->client.errors.total;
    double waiting = p->level - held > 0 ? p->level - held : 0;
    claim_add(&c->measured,
              " At %.0f keep-alive connections, more than its %.0f workers: each worker stays "
              "with its connection, so it held at most %.0f and %.0f waited in the listen queue "
              "unserved; %.0f requests failed, p99 %.0f µs",
              p->level, workers_of(p), held, waiting, errors, p->client.latency_us.p99);
    if (t)
        claim_add(&c->measured, "; the pool held %.0f, %.0f failed, p99 %.0f µs.",
                  t->server.connections_held_peak, t->client.errors.total,
                  t->client.latency_us.p99);
    else
        claim_add(&c->measured, ".");
    claim_figure(c, "connections_waiting_beyond_workers", waiting);
    claim_figure(c, "errors_beyond_workers", errors);
    claim_cite(c, p);
    claim_cite(c, t);
    (*judged)++;
    return waiting <= p->level * DROPIN_UNSERVED && errors == 0;
}

static void judge_dropin(struct claim *c, const struct claim_runs *v)
{
    claim_source(c, "scale and idle runs of prefork and the pool; prefork's workers from its "
                    "process tree");
    claim_add(&c->measured, "prefork against the pool (the same blocking code).");
    int judged = 0, fits = 0;
    fits += dropin_scale(c, v, &judged);
    fits += dropin_memory(c, v, &judged);
    fits += dropin_beyond(c, v, &judged);
    claim_verdict_of(c, fits, judged);
    c->surprising = 0;
    claim_add(&c->note, "The pool hands an idle keep-alive connection back to epoll and serves "
                        "any number with its threads; a prefork worker (as Apache's prefork MPM) "
                        "is held by its connection until it closes, so a pool of N processes "
                        "serves N keep-alive clients at a time.");
}

const struct claim_def claim_dropin = {
    .id = "dropin",
    .claim = "A pool of processes is a drop-in for a pool of threads: the same throughput, "
             "latency and memory per connection.",
    .folklore = "Processes or threads, a fixed pool of workers behaves the same; processes only "
                "add isolation.",
    .thresholds = "holds when prefork serves at least 0.8x the pool's requests/s with at most "
                  "1.5x its p99 (at no more connections than workers), at most 2x its memory "
                  "per idle connection, and with more keep-alive connections than workers it "
                  "still holds every one and no request fails; partly when some of these; does "
                  "not hold when none",
    .judge = judge_dropin,
    .servers = 1u << SRV_PREFORK,
};
