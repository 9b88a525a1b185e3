/* For waiting, threads work fine in Python: a thread blocked in a sleep or a read releases the
 * global lock, so a thread per connection serves waiting requests as well as one event loop. */
#include "claim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* py-threads keeps up at a level when it serves at least this share of what py-asyncio serves
 * there (of what the sleeps allow, without py-asyncio) with no client errors. */
#define FINE_SHARE 0.8

/* What the sleeps allow at a level: connections / the sleep (each connection sends its next
 * request when the previous answer arrives); NaN when the path has no ms=. */
static double ideal_rps(const struct run_record *r)
{
    const char *ms = r->path ? strstr(r->path, "ms=") : NULL;
    double sleep_s = ms ? atof(ms + 3) / 1000 : 0;
    return sleep_s > 0 ? r->level / sleep_s : NAN;
}

/* A Python server's blocking run at a level: as it is, or sized for the scenario (the pools'
 * 16 workers). */
static const struct run_record *run_at(const struct claim_runs *v, int srv, double level)
{
    const struct run_record *r = claim_run_at(v, SCN_BLOCKING, &bench_servers[srv], level);
    return r ? r : claim_variant_at(v, SCN_BLOCKING, &bench_servers[srv], VARIANT_SIZED, level);
}

static void quote(struct claim *c, const struct run_record *r, double ideal)
{
    char p99[32];
    if (!r)
        return;
    claim_format_us(p99, sizeof p99, r->client.latency_us.p99);
    claim_add(&c->measured, " %s %.0f req/s (%.0f%%), p99 %s", r->model, claim_rps(r),
              100 * claim_rps(r) / ideal, p99);
    if (r->client.errors.total > 0)
        claim_add(&c->measured, ", %.0f errors", r->client.errors.total);
    claim_add(&c->measured, ";");
    claim_cite(c, r);
}

/* One level: every Python server quoted, py-threads judged. Returns whether it kept up. */
static int judge_level(struct claim *c, const struct claim_runs *v, const struct run_record *t)
{
    const struct run_record *a = run_at(v, SRV_PY_ASYNCIO, t->level);
    double ideal = ideal_rps(t);
    double against = a ? claim_rps(a) : ideal;
    claim_add(&c->measured, " At %.0f connections (the sleeps allow %.0f req/s):", t->level, ideal);
    static const int others[] = {SRV_PY_ASYNCIO, SRV_PY_THREADPOOL, SRV_PY_PROCESSPOOL};
    quote(c, t, ideal);
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        quote(c, run_at(v, others[i], t->level), ideal);
    double share = claim_rps(t) / against;
    claim_figuref(c, share, "threads_over_%s_at_%.0f", a ? "asyncio" : "ideal", t->level);
    const struct run_record *pp = run_at(v, SRV_PY_PROCESSPOOL, t->level);
    if (pp)
        claim_figuref(c, claim_rps(pp) / ideal, "processpool_share_of_ideal_at_%.0f", t->level);
    int fine = share >= FINE_SHARE && !(t->client.errors.total > 0);
    claim_add(&c->headline, "%s%.0f: py-threads %.0f req/s", c->headline.len ? "; at " : "at ",
              t->level, claim_rps(t));
    if (a)
        claim_add(&c->headline, ", py-asyncio %.0f", claim_rps(a));
    if (pp)
        claim_add(&c->headline, ", %s %.0f", pp->model, claim_rps(pp));
    return fine;
}

static void judge_python_waiting(struct claim *c, const struct claim_runs *v)
{
    int levels = 0, fine = 0;
    double last = -1;
    for (;;) {
        /* py-threads' runs in level order. */
        const struct run_record *t = NULL;
        claim_each(v, r)
        {
            if (claim_is(r, SCN_BLOCKING, &bench_servers[SRV_PY_THREADS]) && record_usable(r) &&
                r->level > last && (!t || r->level < t->level))
                t = r;
        }
        if (!t)
            break;
        if (!levels)
            claim_add(&c->measured,
                      "Requests that wait (%s), closed loop; each server's "
                      "throughput and its share of what the sleeps allow.",
                      t->path);
        levels++;
        fine += judge_level(c, v, t);
        last = t->level;
    }
    if (!levels)
        return;
    claim_source(c, "the blocking runs: throughput, p99 and client errors (c10k-load)");
    c->verdict = fine == levels ? "holds" : fine > 0 ? "partly" : "does not hold";
    c->surprising = fine == 0;
    claim_add(&c->note,
              "A thread blocked in a sleep or a read releases the global lock. What a thread per "
              "connection costs is its CPU time per request and its memory; a pool of 16 "
              "(threads or processes) serves at most 16 waits at a time whatever the load.");
}

const struct claim_def claim_python_waiting = {
    .id = "python_waiting",
    .claim = "For waiting, threads work fine in Python.",
    .folklore = "The GIL is released during I/O, so threads are fine for I/O-bound work; "
                "asyncio only saves memory.",
    .thresholds = "holds when py-threads served at least 80% of py-asyncio's /sleep throughput "
                  "(of what the sleeps allow, without it) with no client errors at every level; "
                  "partly at some; does not hold at none",
    .judge = judge_python_waiting,
};
