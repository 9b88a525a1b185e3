/* Past about 5,000 threads, context switching hurts throughput. */
#include "claim.h"

#include <math.h>

/* The claim's "about 5,000 threads". */
#define MANY_THREADS 5000
/* Capacity past MANY_THREADS below the best before by this share: throughput falls (holds), or
 * falls some (partly). */
#define FALL_HOLDS 0.20
#define FALL_PARTLY 0.05
/* Switching is the cause when the total cost per switch grows this much from the fewest
 * threads, or the scheduler's share of the server's CPU grows by this much (10 points). */
#define SWITCH_GROWTH 1.5
#define SCHED_GROWTH 0.10

/* What the scale levels say, gathered as they are read. */
struct switching {
    double best_before;                           /* the best capacity below MANY_THREADS */
    double top_level, top_cap, top_ns, top_sched; /* the highest level from MANY_THREADS */
    int any, estimated;
};

/* What the thread server pays per switch over the loop, ns: its extra CPU per request over its
 * switches per request (NaN without the loop's run). */
static double total_switch_ns(const struct run_record *t, const struct run_record *l)
{
    double spr = t->server.ctx_per_request;
    return l && spr > 0 ? (claim_cpu_us(t) - claim_cpu_us(l)) * 1000 / spr : NAN;
}

/* One level of the thread server: its switches, their direct and total cost, the scheduler's
 * share and its capacity. */
static void switching_level(struct claim *c, const struct claim_runs *v, const struct run_record *t,
                            struct switching *st)
{
    const struct run_record *l = claim_run_at(v, SCN_SCALE, claim_reference(), t->level);
    double cost_ns = v->s->calibration.context_switch.switch_cost_ns;
    int est;
    double cap = claim_capacity(t, &est), total_ns = total_switch_ns(t, l);
    double sched = t->scheduler.sched_share;
    claim_add(&c->measured, "%s%.0f threads: %.2f switches per request", st->any ? "; " : "",
              t->level, t->server.ctx_per_request);
    if (isfinite(cost_ns))
        claim_add(&c->measured, ", direct %.2f µs", cost_ns / 1000);
    if (isfinite(total_ns))
        claim_add(&c->measured,
                  ", total %.2f µs per switch (%.1f against the loop's %.1f µs of CPU per "
                  "request)",
                  total_ns / 1000, claim_cpu_us(t), claim_cpu_us(l));
    if (isfinite(sched))
        claim_add(&c->measured, ", %.0f%% of its CPU in the scheduler", 100 * sched);
    claim_add(&c->measured, ", %.0f req/s%s", cap, est ? " (from CPU per request)" : "");
    claim_figuref(c, total_ns / 1000, "total_switch_us_at_%.0f", t->level);
    claim_cite(c, t);
    claim_cite(c, l);
    st->estimated |= est;
    st->any = 1;
    if (t->level < MANY_THREADS) {
        if (!isfinite(st->best_before) || cap > st->best_before)
            st->best_before = cap;
    } else if (!isfinite(st->top_level) || t->level > st->top_level) {
        st->top_level = t->level;
        st->top_cap = cap;
        st->top_ns = total_ns;
        st->top_sched = sched;
    }
}

/* The verdict: whether capacity fell past MANY_THREADS, and whether switching is the cause
 * (against the fewest threads). */
static void switching_verdict(struct claim *c, const struct claim_runs *v,
                              const struct switching *st)
{
    const struct run_record *lo = claim_bottom_run(v, SCN_SCALE, claim_thread());
    const struct run_record *ll =
        lo ? claim_run_at(v, SCN_SCALE, claim_reference(), lo->level) : NULL;
    double low_ns = lo ? total_switch_ns(lo, ll) : NAN;
    double low_sched = lo ? lo->scheduler.sched_share : NAN;
    double fall = 1 - st->top_cap / st->best_before;
    double growth = isfinite(low_ns) && low_ns > 0 ? st->top_ns / low_ns : NAN;
    double sched_up = st->top_sched - low_sched;
    claim_figure(c, "capacity_fall", fall);
    claim_figure(c, "switch_cost_growth", growth);
    claim_figure(c, "sched_share_growth", sched_up);
    int falls = fall >= FALL_HOLDS, falls_some = fall >= FALL_PARTLY;
    int cause = (isfinite(growth) && growth >= SWITCH_GROWTH) ||
                (isfinite(sched_up) && sched_up >= SCHED_GROWTH);
    claim_add(&c->measured,
              " At %.0f threads the thread server's capacity was %.0f%% %s its best below %d; "
              "the total cost per switch %s %.1fx",
              st->top_level, 100 * fabs(fall), fall >= 0 ? "below" : "above", MANY_THREADS,
              isfinite(growth) && growth >= 1 ? "grew" : "changed", growth);
    if (isfinite(sched_up))
        claim_add(&c->measured, " and the scheduler's share moved by %+.0f points", 100 * sched_up);
    claim_add(&c->measured, ".");
    c->verdict = falls && cause ? "holds" : falls_some || cause ? "partly" : "does not hold";
    c->surprising = !falls_some;
}

static void judge_switching(struct claim *c, const struct claim_runs *v)
{
    struct switching st = {NAN, NAN, NAN, NAN, NAN, 0, 0};
    double cost_ns = v->s->calibration.context_switch.switch_cost_ns;
    claim_source(c, "the scale runs: requests, CPU time (/proc/PID/stat) and context switches "
                    "(getrusage via /stats) of the thread and loop servers");
    if (isfinite(cost_ns))
        claim_source(c, "calibration: the direct cost of a switch (pipe ping-pong on one CPU)");
    claim_each(v, t)
    {
        if (claim_is(t, SCN_SCALE, claim_thread()) && record_usable(t))
            switching_level(c, v, t, &st);
    }
    if (st.any)
        claim_add(&c->measured, ".");
    claim_figure(c, "direct_switch_us", cost_ns / 1000);
    if (!isfinite(st.top_level) || !isfinite(st.best_before)) {
        if (st.any)
            claim_add(&c->measured,
                      " The profile did not reach %d threads with a level below it, so the "
                      "claim is not judged.",
                      MANY_THREADS);
        return;
    }
    switching_verdict(c, v, &st);
    claim_add(&c->note, "The direct cost is what the ping-pong pays per switch; the total cost "
                        "is what the thread server pays per switch over the loop, caches and "
                        "scheduler work included. The loop makes almost no switches, so the "
                        "difference is the price of one thread per connection.");
    if (st.estimated)
        claim_add(&c->note, " Where a run was not server-bound its capacity is its CPUs divided "
                            "by its CPU time per request.");
}

const struct claim_def claim_switching = {
    .id = "switching",
    .claim = "Past about 5,000 threads, context switching hurts throughput.",
    .folklore = "Context switches kill throughput past a few thousand threads.",
    .thresholds = "throughput falls when the thread server's capacity at 5,000 threads or more "
                  "is at least 20% below its best at fewer (5% for partly); switching is the "
                  "cause when the total cost per switch grows at least 1.5x from the fewest "
                  "threads, or the scheduler's share of the server's CPU grows by 10 points; "
                  "holds when both, partly when one, does not hold when neither",
    .judge = judge_switching,
};
