/* Threads are resource-intensive. */
#include "claim.h"
#include "claims.h"

#include <math.h>

/* Thread over loop, memory per connection (user + kernel): costs more. */
#define MEMORY_RATIO 2.0
/* Thread over loop, CPU per request with a new connection each: costs more. */
#define COST_RATIO 1.25

/* What the calibration says a thread costs to create and to keep. */
static void resources_calibration(struct claim *c, const struct claim_runs *v)
{
    const struct rec_calibration *cal = &v->s->calibration;
    if (cal->thread_create.present != 1 || cal->idle_thread.present != 1)
        return;
    char a[32], b[32], d[32];
    claim_source(c, "calibration: pthread_create and an idle thread's KernelStack, PageTables "
                    "and VmRSS");
    claims_format_bytes(a, sizeof a, cal->idle_thread.kernel_stack_bytes);
    claims_format_bytes(b, sizeof b, cal->idle_thread.page_tables_bytes);
    claims_format_bytes(d, sizeof d, cal->idle_thread.rss_bytes);
    claim_add(&c->measured,
              "Creating a thread costs %.1f µs (%.1f µs with a fresh stack); an idle thread "
              "holds %s of kernel stack, %s of page tables and %s resident.",
              cal->thread_create.create_join_ns / 1000, cal->thread_create.create_alive_ns / 1000,
              a, b, d);
    claim_figure(c, "create_us", cal->thread_create.create_join_ns / 1000);
}

/* An idle connection's memory, thread against loop. Returns 1 when it costs more, 0 when not,
 * -1 when not measured. */
static int resources_memory(struct claim *c, const struct claim_runs *v)
{
    const struct run_record *t = claim_top_run(v, SCN_IDLE, claim_thread());
    const struct run_record *l = t ? claim_run_at(v, SCN_IDLE, claim_reference(), t->level) : NULL;
    if (!claim_has_per_connection(t) || !claim_has_per_connection(l))
        return -1;
    char a[32], b[32];
    double tt = t->per_connection.total_bytes, lt = l->per_connection.total_bytes;
    double tk = t->per_connection.kernel_bytes, lk = l->per_connection.kernel_bytes;
    claim_source(c, t->per_connection.kernel_source);
    claims_format_bytes(a, sizeof a, tt);
    claims_format_bytes(b, sizeof b, lt);
    claim_add(&c->measured,
              " With %.0f idle connections a connection cost the thread server %s (user + "
              "kernel) and the loop %s: %.1fx",
              t->level, a, b, tt / lt);
    claims_format_bytes(a, sizeof a, tk);
    claims_format_bytes(b, sizeof b, lk);
    claim_add(&c->measured, "; kernel memory alone %s against %s.", a,
              isfinite(lk) ? b : "too little to measure");
    claim_figure(c, "memory_ratio", tt / lt);
    claim_figure(c, "thread_kernel_bytes_per_connection", tk);
    claim_cite(c, t);
    claim_cite(c, l);
    return tt / lt >= MEMORY_RATIO;
}

/* A new connection per request (churn): the server's CPU, thread against loop. Returns as
 * resources_memory does. */
static int resources_churn(struct claim *c, const struct claim_runs *v)
{
    const struct run_record *t = claim_top_run(v, SCN_CHURN, claim_thread());
    const struct run_record *l = t ? claim_run_at(v, SCN_CHURN, claim_reference(), t->level) : NULL;
    if (!t || !l)
        return -1;
    double ratio = claim_cpu_us(t) / claim_cpu_us(l);
    claim_source(c, "churn runs: the server's CPU time per request with a new connection each");
    claim_add(&c->measured,
              " A new connection per request (churn, %.0f clients): %.1f µs of server CPU per "
              "request with a thread each against %.1f µs in the loop (%.2fx).",
              t->level, claim_cpu_us(t), claim_cpu_us(l), ratio);
    claim_figure(c, "churn_cpu_ratio", ratio);
    claim_cite(c, t);
    claim_cite(c, l);
    return ratio >= COST_RATIO;
}

/* Each part quotes the servers beside the loop at its level, whether or not it was judged, and
 * each server beside its look-alike where both ran (process beside thread, Apache's MPMs). */
static void quote_at_top(struct claim *c, const struct claim_runs *v, int scn)
{
    const struct run_record *t = claim_top_run(v, scn, claim_thread());
    if (t)
        claim_quote_beside(c, v, scn, t->level);
    claim_quote_lookalikes(c, v, scn, -1);
}

static void judge_resources(struct claim *c, const struct claim_runs *v)
{
    resources_calibration(c, v);
    int memory = resources_memory(c, v);
    quote_at_top(c, v, SCN_IDLE);
    int churn = resources_churn(c, v);
    quote_at_top(c, v, SCN_CHURN);
    int judged = (memory >= 0) + (churn >= 0), costlier = (memory > 0) + (churn > 0);
    if (judged == 2)
        c->verdict = costlier == 2 ? "holds" : costlier == 1 ? "partly" : "does not hold";
    else if (judged == 1)
        c->verdict = costlier ? "partly" : "does not hold";
    c->surprising = judged > 0 && costlier == 0;
    claim_add(&c->note, "Each thread is a task the kernel tracks (a pid, a kernel stack, a "
                        "task_struct) besides the socket every model has.");
}

const struct claim_def claim_resources = {
    .id = "resources",
    .claim = "Threads are resource-intensive: creating and keeping a thread costs "
             "operating-system resources an event loop does not spend.",
    .folklore = "A thread is heavy; an event loop's connection is a few hundred bytes.",
    .thresholds = "holds when a connection costs the thread server at least 2x the loop's memory "
                  "(user + kernel) and a new connection at least 1.25x the loop's CPU; partly "
                  "when one of the two; does not hold when neither",
    .judge = judge_resources,
};
