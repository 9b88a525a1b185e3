/* The scheduler wastes time on threads that have nothing to do. */
#include "claim.h"
#include "claims.h"

#include <math.h>

/* Switches per idle thread per second: it is scheduled (holds), or noticeably, once every 100 s
 * (partly). */
#define IDLE_SCHEDULED 1.0
#define IDLE_NOTICED 0.01

/* The thread server's idle run with the most idle threads read at both ends of its window. */
static const struct run_record *idle_threads_run(const struct claim_runs *v)
{
    const struct run_record *t = NULL;
    claim_each(v, r)
    {
        if (claim_is(r, SCN_IDLE, claim_thread()) && record_usable(r) &&
            isfinite(r->idle_threads.switches_per_thread_per_s) && r->idle_threads.threads > 0 &&
            (!t || r->level > t->level))
            t = r;
    }
    return t;
}

/* The idle threads' own switches and CPU, and schedstat's account where there is one. */
static void idle_switches(struct claim *c, const struct run_record *t)
{
    const struct rec_idle_threads *it = &t->idle_threads;
    double sw = it->switches_per_thread_per_s;
    claim_source(c, "the idle threads' own counters: /proc/PID/task/*/status (switches) and "
                    "stat (CPU ticks), the busy connections' threads left out");
    claim_add(&c->measured,
              "With %.0f idle keep-alive connections (a thread each) over %.1f s, an idle thread "
              "was switched %.4f times a second and used %.2f µs of CPU a second (%.0f "
              "switches in all; the busy connections' threads %.0f a second each).",
              it->threads, it->window_s, sw, it->cpu_us_per_thread_per_s, it->switches,
              it->busy_switches_per_thread_per_s);
    if (isfinite(it->timeslices_per_thread_per_s)) {
        claim_source(c, "/proc/PID/task/*/schedstat: timeslices and time on the CPU");
        claim_add(&c->measured,
                  " schedstat agrees: %.4f timeslices and %.2f µs on the CPU per idle thread "
                  "per second.",
                  it->timeslices_per_thread_per_s, it->run_us_per_thread_per_s);
    }
    claim_figure(c, "idle_switches_per_thread_per_s", sw);
    claim_figure(c, "idle_cpu_us_per_thread_per_s", it->cpu_us_per_thread_per_s);
    claim_cite(c, t);
    c->verdict = sw >= IDLE_SCHEDULED ? "holds" : sw >= IDLE_NOTICED ? "partly" : "does not hold";
    c->surprising = 0;
}

/* What idle connections do cost: memory, and the busy connections' p99 beside them. */
static void idle_cost(struct claim *c, const struct claim_runs *v, const struct run_record *t)
{
    const struct run_record *l = t ? claim_run_at(v, SCN_IDLE, claim_reference(), t->level) : NULL;
    const struct run_record *t0 = claim_run_at(v, SCN_IDLE, claim_thread(), 0);
    if (!t || !l)
        return;
    char a[32], b[32], d[32], e[32];
    claims_format_bytes(a, sizeof a, t->per_connection.total_bytes);
    claims_format_bytes(b, sizeof b, l->per_connection.total_bytes);
    claim_format_us(d, sizeof d, t->client.latency_us.p99);
    claim_format_us(e, sizeof e, l->client.latency_us.p99);
    claim_add(&c->note,
              " What it does cost is memory: %s per idle connection with a thread each, %s in "
              "the loop; the busy connections' p99 was %s and %s",
              a, b, d, e);
    if (t0) {
        claim_format_us(d, sizeof d, t0->client.latency_us.p99);
        claim_add(&c->note, " (%s with no idle connection)", d);
    }
    claim_add(&c->note, ".");
    claim_cite(c, l);
    claim_cite(c, t0);
}

static void judge_idle(struct claim *c, const struct claim_runs *v)
{
    const struct run_record *t = idle_threads_run(v);
    if (t)
        idle_switches(c, t);
    claim_add(&c->note, "A thread blocked in read() is off the run queue until data arrives: it "
                        "is not visited.");
    idle_cost(c, v, t ? t : claim_top_run(v, SCN_IDLE, claim_thread()));
}

const struct claim_def claim_idle = {
    .id = "idle",
    .claim = "The scheduler wastes time on threads that have nothing to do: a thread waiting for "
             "data on a socket is switched to and from thousands of times before it has work.",
    .folklore = "Idle threads still cost CPU: the scheduler keeps visiting them.",
    .thresholds = "holds when an idle thread is switched at least once a second; partly when at "
                  "least once every 100 s; does not hold below that",
    .judge = judge_idle,
};
