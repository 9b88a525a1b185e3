/* Python's global lock pins all threads to a single CPU, negating parallelism. Two claims in
 * one: no parallel speed-up (throughput), and pinned to one CPU (where the threads ran). */
#include "claim.h"

#include <math.h>
#include <stdio.h>

/* A thread server whose /work throughput at the highest level is under this many times its
 * throughput at the lowest has no parallel speed-up. */
#define SPEEDUP_MIN 1.3
/* At least this share of its CPU time on its busiest CPU: pinned to one CPU. */
#define PINNED_SHARE 0.9

/* The Python servers whose workers are threads under the one lock, and the one whose workers
 * are processes. */
static const int lock_servers[] = {SRV_PY_THREADS, SRV_PY_THREADPOOL};
#define N_LOCK_SERVERS (sizeof lock_servers / sizeof lock_servers[0])

/* A server's cpu runs at the lowest and the highest level, and its speed-up between them. */
struct scaling {
    const struct run_record *low, *high;
    double speedup;
};

static int scaling_of(const struct claim_runs *v, const struct bench_server *srv, struct scaling *s)
{
    s->low = claim_bottom_run(v, SCN_CPU, srv);
    s->high = claim_top_run(v, SCN_CPU, srv);
    if (!s->low || !s->high || s->low == s->high)
        return 0;
    s->speedup = claim_rps(s->high) / claim_rps(s->low);
    return isfinite(s->speedup);
}

/* "py-threads" as a figure's prefix: "py_threads". */
static void figure_prefix(const struct bench_server *srv, char *buf, size_t len)
{
    snprintf(buf, len, "%s", srv->name);
    for (char *p = buf; *p; p++)
        if (*p == '-')
            *p = '_';
}

static void quote_scaling(struct claim *c, const struct bench_server *srv, const struct scaling *s)
{
    claim_add(&c->measured, " %s %.0f req/s at %.0f and %.0f at %.0f (x%.2f), %.2f CPUs at %.0f",
              srv->name, claim_rps(s->low), s->low->level, claim_rps(s->high), s->high->level,
              s->speedup, s->high->server.cpu_cores, s->high->level);
    claim_cite(c, s->low);
    claim_cite(c, s->high);
}

/* Where a lock server's threads ran at its highest level; returns whether it was read. */
static int quote_placement(struct claim *c, const struct run_record *r, const char *prefix)
{
    const struct rec_placement *p = &r->placement;
    if (p->present != 1 || !isfinite(p->busiest_cpu_share))
        return 0;
    claim_add(&c->measured,
              "; its CPU time fell on %.0f CPU%s (the busiest carried %.0f%%), %.0f of its %.0f "
              "busy threads ran on more than one CPU, %.0f migrations (%s) in %.1f s",
              p->cpus_busy, p->cpus_busy == 1 ? "" : "s", 100 * p->busiest_cpu_share,
              p->threads_multi_cpu, p->threads, p->migrations,
              p->migrations_source ? p->migrations_source : "", p->window_s);
    claim_figuref(c, p->busiest_cpu_share, "%s_busiest_cpu_share", prefix);
    claim_figuref(c, p->cpus_busy, "%s_cpus_busy", prefix);
    claim_figuref(c, p->threads_multi_cpu, "%s_threads_on_several_cpus", prefix);
    return 1;
}

/* The process pool and the C thread server beside them: quoted, not judged. */
static void quote_others(struct claim *c, const struct claim_runs *v)
{
    const struct bench_server *others[] = {&bench_servers[SRV_PY_PROCESSPOOL], claim_thread()};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        struct scaling s;
        char prefix[32];
        if (!scaling_of(v, others[i], &s))
            continue;
        figure_prefix(others[i], prefix, sizeof prefix);
        claim_add(&c->measured, ";");
        quote_scaling(c, others[i], &s);
        claim_figuref(c, s.speedup, "%s_speedup", prefix);
        claim_figuref(c, s.high->server.cpu_cores, "%s_cpus", prefix);
    }
}

/* py-threads (else py-threadpool) and the process pool, in a line. */
static void headline(struct claim *c, const struct claim_runs *v)
{
    struct scaling s;
    for (size_t i = 0; i < N_LOCK_SERVERS; i++) {
        const struct bench_server *srv = &bench_servers[lock_servers[i]];
        if (!scaling_of(v, srv, &s))
            continue;
        claim_add(&c->headline, "%s x%.2f from %.0f to %.0f connections on %.2f CPUs", srv->name,
                  s.speedup, s.low->level, s.high->level, s.high->server.cpu_cores);
        if (s.high->placement.present == 1 && isfinite(s.high->placement.busiest_cpu_share))
            claim_add(&c->headline, " (busiest CPU %.0f%% of its CPU time)",
                      100 * s.high->placement.busiest_cpu_share);
        break;
    }
    if (scaling_of(v, &bench_servers[SRV_PY_PROCESSPOOL], &s))
        claim_add(&c->headline, "; %s x%.2f on %.2f CPUs", s.high->srv->name, s.speedup,
                  s.high->server.cpu_cores);
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
        claim_add(&c->note, "The threads sped up with more connections: an interpreter without "
                            "the global lock (environment.python.gil), or work outside it.");
    }
}

static void judge_python_gil(struct claim *c, const struct claim_runs *v)
{
    double cpus = v->s->cpus_allowed;
    int judged = 0, flat = 0, placed = 0, pinned = 0;
    claim_add(&c->measured, "CPU-bound requests (/work) on %.0f CPUs:", cpus);
    for (size_t i = 0; i < N_LOCK_SERVERS; i++) {
        const struct bench_server *srv = &bench_servers[lock_servers[i]];
        struct scaling s;
        char prefix[32];
        if (!scaling_of(v, srv, &s))
            continue;
        figure_prefix(srv, prefix, sizeof prefix);
        claim_add(&c->measured, "%s", judged ? ";" : "");
        judged++;
        quote_scaling(c, srv, &s);
        claim_figuref(c, s.speedup, "%s_speedup", prefix);
        claim_figuref(c, s.high->server.cpu_cores, "%s_cpus", prefix);
        flat += s.speedup < SPEEDUP_MIN;
        if (quote_placement(c, s.high, prefix)) {
            placed++;
            pinned += s.high->placement.busiest_cpu_share >= PINNED_SHARE;
        }
    }
    if (!judged) {
        c->measured.len = 0;
        c->measured.s[0] = '\0';
        return;
    }
    if (cpus < 2) {
        claim_add(&c->measured, ". One CPU only: neither parallelism nor pinning can show here.");
        return;
    }
    quote_others(c, v);
    claim_add(&c->measured, ".");
    headline(c, v);
    claim_source(c, "the cpu runs: throughput, the server's CPU seconds per second (every "
                    "process) and where its threads ran (/proc/PID/task/TID/stat, "
                    "sched)");
    set_verdict(c, judged, flat, placed, pinned);
}

const struct claim_def claim_python_gil = {
    .id = "python_gil",
    .claim = "Python's global lock pins all threads to a single CPU, negating parallelism.",
    .folklore = "Threads in Python are useless for CPU-bound work: the GIL keeps them on one "
                "core; use processes.",
    .thresholds = "no parallel speed-up when py-threads' and py-threadpool's /work throughput at "
                  "the highest level is under 1.3x that at the lowest; pinned when at least 90% "
                  "of their CPU time fell on one CPU. holds when both; partly when no speed-up "
                  "but not pinned (or placement not read); does not hold when they sped up",
    .judge = judge_python_gil,
};
