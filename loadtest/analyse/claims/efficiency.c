/* Threads are an inefficient model for thousands of concurrent tasks. */
#include "claim.h"

#include <math.h>

/* Thread over loop: memory per connection costs more from this ratio, CPU per request and p99
 * from this one. */
#define MEMORY_RATIO 2.0
#define COST_RATIO 1.25
/* The two levels compared. */
static const double efficiency_levels[] = {1000, 10000};
/* The levels each server is quoted beside its look-alike at (the default profile runs them
 * there). */
static const double lookalike_levels[] = {100, 1000};

/* Counts a ratio that was measured, and whether it costs more. */
static void count(double ratio, double threshold, int *judged, int *costlier)
{
    if (!isfinite(ratio))
        return;
    ++*judged;
    *costlier += ratio >= threshold;
}

/* Thread against loop at one level: memory per connection, CPU per request and, where neither
 * run was load-bound, p99. */
static void efficiency_level(struct claim *c, const struct claim_runs *v, double level, int *judged,
                             int *costlier)
{
    const struct run_record *t = claim_run_at(v, SCN_SCALE, claim_thread(), level);
    const struct run_record *l = claim_run_at(v, SCN_SCALE, claim_reference(), level);
    if (!t || !l)
        return;
    double mem = t->per_connection.total_bytes / l->per_connection.total_bytes;
    double cpu = claim_cpu_us(t) / claim_cpu_us(l);
    int p99_ok = t->load_bound != 1 && l->load_bound != 1;
    double p99 = p99_ok ? t->client.latency_us.p99 / l->client.latency_us.p99 : NAN;
    claim_add(&c->measured,
              "%sAt %.0f connections thread/loop: memory per connection %.1fx, CPU per request "
              "%.2fx (%.1f against %.1f µs)",
              *judged ? " " : "", level, mem, cpu, claim_cpu_us(t), claim_cpu_us(l));
    if (p99_ok)
        claim_add(&c->measured, ", p99 %.2fx", p99);
    else
        claim_add(&c->measured, ", p99 not compared (a load-bound run)");
    claim_add(&c->measured, ".");
    claim_figuref(c, mem, "memory_ratio_at_%.0f", level);
    claim_figuref(c, cpu, "cpu_ratio_at_%.0f", level);
    claim_figuref(c, p99, "p99_ratio_at_%.0f", level);
    claim_cite(c, t);
    claim_cite(c, l);
    count(mem, MEMORY_RATIO, judged, costlier);
    count(cpu, COST_RATIO, judged, costlier);
    count(p99, COST_RATIO, judged, costlier);
    claim_quote_beside(c, v, SCN_SCALE, level);
}

static void judge_efficiency(struct claim *c, const struct claim_runs *v)
{
    int judged = 0, costlier = 0;
    claim_source(c, "the scale runs: memory per connection (RSS and the server's kernel memory), "
                    "CPU per request (/proc/PID/stat), p99 (the load generator's histogram)");
    for (size_t k = 0; k < sizeof efficiency_levels / sizeof efficiency_levels[0]; k++)
        efficiency_level(c, v, efficiency_levels[k], &judged, &costlier);
    for (size_t k = 0; k < sizeof lookalike_levels / sizeof lookalike_levels[0]; k++)
        claim_quote_lookalikes(c, v, SCN_SCALE, lookalike_levels[k]);
    claim_verdict_of(c, costlier, judged);
    c->surprising = judged > 0 && costlier == 0;
    claim_add(&c->note, "That it can hold ten thousand connections at all is another matter: the "
                        "thread server does, within pid_max, threads-max, vm.max_map_count and "
                        "the cgroup's pids.max (see the environment).");
}

const struct claim_def claim_efficiency = {
    .id = "efficiency",
    .claim = "Threads are an inefficient model for thousands of concurrent tasks.",
    .folklore = "Thread-per-connection does not scale to the C10K.",
    .thresholds = "at 1,000 and 10,000 connections, thread against loop: memory per connection "
                  "(user + kernel) costs more at 2x or over, CPU per request and p99 at 1.25x or "
                  "over; holds when every figure costs more, partly when some do, does not hold "
                  "when none does; p99 only from runs that were not load-bound",
    .judge = judge_efficiency,
};
