/* Python's global lock pins all threads to a single CPU, negating parallelism. Two claims in
 * one: no parallel speed-up (the CPUs its threads could use together), and pinned to one CPU
 * (where its threads ran). */
#include "claim.h"
#include "record.h"

#include <math.h>
#include <stdio.h>

/* From 2 connections on (as many as there are CPUs here, at least) a server that could run its
 * threads in parallel would use more than this many CPUs; one that never did had no parallel
 * speed-up, provided the C thread server did in the same session (else the machine, busy with
 * other work, did not let anyone). */
#define PARALLEL_CPUS 1.3
/* At least this share of its CPU time on its busiest CPU (the median over those levels):
 * pinned to one CPU. */
#define PINNED_SHARE 0.9
#define LEVELS_MAX_QUOTED 12

/* The Python servers whose workers are threads under the one lock. */
static const int lock_servers[] = {SRV_PY_THREADS, SRV_PY_THREADPOOL};
#define N_LOCK_SERVERS (sizeof lock_servers / sizeof lock_servers[0])

/* A server's cpu runs from 2 connections on: the most CPUs it used, the median share of its
 * busiest CPU, its best throughput, against its throughput at the lowest level. */
struct cpu_use {
    const struct run_record *low, *best, *most;
    double max_cpus, busiest_median, speedup;
    int runs, placed;
};

static int cpu_use_of(const struct claim_runs *v, const struct bench_server *srv, struct cpu_use *u)
{
    double shares[LEVELS_MAX_QUOTED];
    *u = (struct cpu_use){.low = claim_bottom_run(v, SCN_CPU, srv), .busiest_median = NAN};
    claim_each(v, r)
    {
        if (!claim_is(r, SCN_CPU, srv) || !record_usable(r) || r->level < 2)
            continue;
        u->runs++;
        if (!u->best || claim_rps(r) > claim_rps(u->best))
            u->best = r;
        if (!u->most || r->server.cpu_cores > u->most->server.cpu_cores)
            u->most = r;
        if (r->placement.present == 1 && isfinite(r->placement.busiest_cpu_share) &&
            u->placed < LEVELS_MAX_QUOTED)
            shares[u->placed++] = r->placement.busiest_cpu_share;
    }
    if (!u->runs)
        return 0;
    u->max_cpus = u->most->server.cpu_cores;
    u->busiest_median = record_median(shares, (size_t)u->placed);
    u->speedup =
        u->low && u->low->level < u->best->level ? claim_rps(u->best) / claim_rps(u->low) : NAN;
    return 1;
}

/* "py-threads" as a figure's prefix: "py_threads". */
static void figure_prefix(const struct bench_server *srv, char *buf, size_t len)
{
    snprintf(buf, len, "%s", srv->name);
    for (char *p = buf; *p; p++)
        if (*p == '-')
            *p = '_';
}

/* Level by level: throughput, CPUs and, where read, the busiest CPU's share. */
static void quote_levels(struct claim *c, const struct claim_runs *v,
                         const struct bench_server *srv)
{
    claim_add(&c->measured, " %s:", srv->name);
    int n = 0;
    claim_each(v, r)
    {
        if (!claim_is(r, SCN_CPU, srv) || !record_usable(r))
            continue;
        claim_add(&c->measured, "%s %.0f req/s at %.0f on %.2f CPUs", n++ ? "," : "", claim_rps(r),
                  r->level, r->server.cpu_cores);
        if (r->placement.present == 1 && isfinite(r->placement.busiest_cpu_share))
            claim_add(&c->measured, " (%.0f%% on the busiest)",
                      100 * r->placement.busiest_cpu_share);
        claim_cite(c, r);
    }
}

static void figures(struct claim *c, const struct bench_server *srv, const struct cpu_use *u)
{
    char prefix[32];
    figure_prefix(srv, prefix, sizeof prefix);
    claim_figuref(c, u->max_cpus, "%s_max_cpus", prefix);
    claim_figuref(c, u->speedup, "%s_speedup", prefix);
    claim_figuref(c, u->busiest_median, "%s_busiest_cpu_share", prefix);
}

/* Where the threads of the lock server that ran the most threads went: quoted. */
static void quote_placement(struct claim *c, const struct cpu_use *u)
{
    const struct rec_placement *p = &u->most->placement;
    if (p->present != 1)
        return;
    claim_add(&c->measured,
              " Where %s used the most CPU (%.0f connections): %.0f of its %.0f busy threads ran "
              "on more than one CPU, %.0f migrations (%s) in %.1f s.",
              u->most->srv->name, u->most->level, p->threads_multi_cpu, p->threads, p->migrations,
              p->migrations_source ? p->migrations_source : "", p->window_s);
}

static void set_verdict(struct claim *c, int judged, int flat, int placed, int pinned)
{
    if (flat == judged && placed == judged && pinned == judged) {
        c->verdict = "holds";
    } else if (flat == judged) {
        c->verdict = "partly";
        c->surprising = placed > 0 && pinned < placed;
        claim_add(&c->note,
                  "No parallel speed-up: only the thread holding the lock runs Python code. %s",
                  placed == 0 ? "Where the threads ran was not read in this session."
                  : pinned < placed
                      ? "But not pinned to one CPU: the threads take turns with the lock and "
                        "the kernel runs whichever holds it on whichever CPU is free."
                      : "");
    } else {
        c->verdict = "does not hold";
        c->surprising = 1;
        claim_add(&c->note, "The threads used more than one CPU together: an interpreter without "
                            "the global lock (environment.python.gil), or work outside it.");
    }
}

static void headline(struct claim *c, const struct cpu_use *u, const struct cpu_use *pp,
                     const struct cpu_use *t)
{
    claim_add(&c->headline, "%s at most %.2f CPUs", u->most->srv->name, u->max_cpus);
    if (isfinite(u->busiest_median))
        claim_add(&c->headline, ", %.0f%% of its CPU time on its busiest CPU (median)",
                  100 * u->busiest_median);
    if (pp)
        claim_add(&c->headline, "; %s %.2f CPUs", pp->most->srv->name, pp->max_cpus);
    if (t)
        claim_add(&c->headline, "; C %s %.2f", t->most->srv->name, t->max_cpus);
}

static void judge_python_gil(struct claim *c, const struct claim_runs *v)
{
    double cpus = v->s->cpus_allowed;
    struct cpu_use u[N_LOCK_SERVERS], pp, t;
    int judged = 0, flat = 0, placed = 0, pinned = 0, first = -1;
    int have_pp = cpu_use_of(v, &bench_servers[SRV_PY_PROCESSPOOL], &pp);
    int have_t = cpu_use_of(v, claim_thread(), &t);
    claim_add(&c->measured, "CPU-bound requests (/work) on %.0f CPUs;", cpus);
    for (size_t i = 0; i < N_LOCK_SERVERS; i++) {
        const struct bench_server *srv = &bench_servers[lock_servers[i]];
        if (!cpu_use_of(v, srv, &u[i]))
            continue;
        first = first < 0 ? (int)i : first;
        judged++;
        quote_levels(c, v, srv);
        claim_add(&c->measured, ".");
        figures(c, srv, &u[i]);
        flat += u[i].max_cpus < PARALLEL_CPUS;
        placed += u[i].placed > 0;
        pinned += u[i].placed > 0 && u[i].busiest_median >= PINNED_SHARE;
    }
    if (!judged) {
        c->measured.len = 0;
        c->measured.s[0] = '\0';
        return;
    }
    if (cpus < 2) {
        claim_add(&c->measured, " One CPU only: neither parallelism nor pinning can show here.");
        return;
    }
    const struct bench_server *beside[] = {&bench_servers[SRV_PY_PROCESSPOOL], claim_thread()};
    const struct cpu_use *beside_use[] = {have_pp ? &pp : NULL, have_t ? &t : NULL};
    for (size_t i = 0; i < 2; i++)
        if (beside_use[i]) {
            quote_levels(c, v, beside[i]);
            claim_add(&c->measured, ".");
            figures(c, beside[i], beside_use[i]);
        }
    quote_placement(c, &u[first]);
    claim_source(c, "the cpu runs: throughput, the server's CPU seconds per second (its "
                    "processes) and where its threads ran (/proc/PID/task/TID/stat, sched)");
    headline(c, &u[first], beside_use[0], beside_use[1]);
    if (!have_t || t.max_cpus < PARALLEL_CPUS) {
        claim_add(&c->note,
                  "Not judged: the C thread server %s, so this machine (busy with other work, "
                  "or without a second CPU free) could not show a parallel speed-up.",
                  have_t ? "did not use more than 1.3 CPUs either" : "did not run");
        return;
    }
    set_verdict(c, judged, flat, placed, pinned);
}

const struct claim_def claim_python_gil = {
    .id = "python_gil",
    .claim = "Python's global lock pins all threads to a single CPU, negating parallelism.",
    .folklore = "Threads in Python are useless for CPU-bound work: the GIL keeps them on one "
                "core; use processes.",
    .thresholds = "no parallel speed-up when py-threads and py-threadpool never used 1.3 CPUs or "
                  "more from 2 connections on, while the C thread server did (else not judged); "
                  "pinned when the median share of their CPU time on their busiest CPU was at "
                  "least 90%. holds when both; partly when no speed-up but not pinned (or "
                  "placement not read); does not hold when they used more CPUs",
    .judge = judge_python_gil,
};
