/* Swapping ThreadPoolExecutor for ProcessPoolExecutor is a drop-in: the Python server's
 * py-threadpool and py-processpool differ in that one line. The code is a drop-in; is the
 * cost? */
#include "claim.h"
#include "claims.h"

#include <math.h>
#include <stdio.h>

/* A figure of the process pool is no worse when its throughput is at least this share of the
 * thread pool's, its p99 at most this many times, a task's round trip at most this many
 * times. */
#define RATE_SHARE 0.8
#define P99_TIMES 1.5
#define TASK_TIMES 2.0

struct tally {
    int judged, costlier;
};

static void count(struct claim *c, struct tally *t, const char *name, double ratio, int worse)
{
    if (!isfinite(ratio))
        return;
    claim_figure(c, name, ratio);
    t->judged++;
    t->costlier += worse;
}

/* Throughput and p99 of the two pools at the highest level both ran in scn. */
static void compare_runs(struct claim *c, const struct claim_runs *v, int scn, const char *what,
                         const char *prefix, struct tally *t)
{
    const struct bench_server *tp = &bench_servers[SRV_PY_THREADPOOL];
    const struct bench_server *pp = &bench_servers[SRV_PY_PROCESSPOOL];
    const struct run_record *a = NULL, *b = NULL;
    claim_each(v, r)
    {
        const struct run_record *o =
            claim_is(r, scn, tp) && record_usable(r) ? claim_run_at(v, scn, pp, r->level) : NULL;
        if (o && (!a || r->level > a->level)) {
            a = r;
            b = o;
        }
    }
    if (!a)
        return;
    char pa[32], pb[32], name[64];
    claim_format_us(pa, sizeof pa, a->client.latency_us.p99);
    claim_format_us(pb, sizeof pb, b->client.latency_us.p99);
    claim_add(&c->measured,
              " %s at %.0f connections: the process pool %.0f req/s (p99 %s) against the thread "
              "pool's %.0f (p99 %s), on %.2f and %.2f CPUs.",
              what, a->level, claim_rps(b), pb, claim_rps(a), pa, b->server.cpu_cores,
              a->server.cpu_cores);
    claim_cite(c, a);
    claim_cite(c, b);
    double rate = claim_rps(b) / claim_rps(a);
    double p99 = b->client.latency_us.p99 / a->client.latency_us.p99;
    snprintf(name, sizeof name, "%s_rate_ratio", prefix);
    count(c, t, name, rate, rate < RATE_SHARE);
    snprintf(name, sizeof name, "%s_p99_ratio", prefix);
    count(c, t, name, p99, p99 > P99_TIMES);
    if (scn == SCN_CPU)
        claim_add(&c->headline, "/work at %.0f: process pool %.0f req/s, thread pool %.0f",
                  a->level, claim_rps(b), claim_rps(a));
}

/* Each worker process's memory: the process pool's (its tree: the front and the workers)
 * less the thread pool's (the same front with threads), over its workers. */
static void worker_memory(struct claim *c, const struct claim_runs *v)
{
    const struct run_record *b = claim_top_run(v, SCN_CPU, &bench_servers[SRV_PY_PROCESSPOOL]);
    const struct run_record *a =
        b ? claim_run_at(v, SCN_CPU, &bench_servers[SRV_PY_THREADPOOL], b->level) : NULL;
    if (!a || b->placement.present != 1 || !(b->placement.processes > 1))
        return;
    double workers = b->placement.processes - 1;
    double per = (b->server.rss_bytes - a->server.rss_bytes) / workers;
    char w[32], all[32], t[32];
    claims_format_bytes(w, sizeof w, per);
    claims_format_bytes(all, sizeof all, b->server.rss_bytes);
    claims_format_bytes(t, sizeof t, a->server.rss_bytes);
    claim_add(&c->measured,
              " Memory (VmRSS, the median over the window, of every process; pages a worker "
              "shares copy-on-write with the front count in each): the process pool %s with "
              "%.0f workers, the thread pool %s: %s more per worker process.",
              all, workers, t, w);
    claim_figure(c, "process_worker_rss_bytes", per);
}

/* The calibration's start-ups and round trips. */
static void task_costs(struct claim *c, const struct claim_runs *v, struct tally *t)
{
    const struct rec_calibration *cal = &v->s->calibration;
    if (cal->python.present != 1)
        return;
    char a[32], b[32], d[32], e[32], f[32], g[32];
    claim_format_us(a, sizeof a, cal->python.thread_pool_task_1kib_us);
    claim_format_us(b, sizeof b, cal->python.process_pool_task_1kib_us);
    claim_format_us(d, sizeof d, cal->python.thread_pool_task_1mib_us);
    claim_format_us(e, sizeof e, cal->python.process_pool_task_1mib_us);
    claim_format_us(f, sizeof f, cal->python.thread_pool_start_us);
    claim_format_us(g, sizeof g, cal->python.process_pool_start_us);
    claim_add(&c->measured,
              " A task's round trip: %s (1 KiB) and %s (1 MiB) through the process pool, "
              "%s and %s through the thread pool; starting a pool of %.0f: %s against %s.",
              b, e, a, d, cal->python.workers, g, f);
    claim_source(c, "the calibration: peers/python/calibrate.py under the same interpreter");
    count(c, t, "task_1kib_ratio",
          cal->python.process_pool_task_1kib_us / cal->python.thread_pool_task_1kib_us,
          cal->python.process_pool_task_1kib_us >
              TASK_TIMES * cal->python.thread_pool_task_1kib_us);
    count(c, t, "task_1mib_ratio",
          cal->python.process_pool_task_1mib_us / cal->python.thread_pool_task_1mib_us,
          cal->python.process_pool_task_1mib_us >
              TASK_TIMES * cal->python.thread_pool_task_1mib_us);
    claim_figure(c, "pool_start_ratio",
                 cal->python.process_pool_start_us / cal->python.thread_pool_start_us);
    claim_add(&c->headline, "%sa task with 1 MiB %s against %s", c->headline.len ? "; " : "", e, d);
}

static void judge_python_pools(struct claim *c, const struct claim_runs *v)
{
    struct tally t = {0};
    compare_runs(c, v, SCN_CPU, "CPU-bound /work", "work", &t);
    compare_runs(c, v, SCN_SCALE, "/plaintext (served by the front, not the pool)", "plaintext",
                 &t);
    if (!t.judged)
        return;
    worker_memory(c, v);
    task_costs(c, v, &t);
    claim_source(c, "the cpu and scale runs of py-threadpool and py-processpool: throughput, p99, "
                    "CPU and memory of the server's processes (/proc/PID/stat and status)");
    c->verdict = t.costlier == 0 ? "holds" : t.costlier < t.judged ? "partly" : "does not hold";
    double work = json_number_value(json_object_get(c->figures, "work_rate_ratio"));
    c->surprising = v->s->cpus_allowed >= 2 && work < 1;
    claim_add(&c->note,
              "The code is a drop-in (one line of make_executor differs); the cost is not: %d of "
              "%d figures are worse with processes. Every argument and result is pickled "
              "through a pipe, every worker is a process with its own interpreter, and the "
              "pool starts by forking them.",
              t.costlier, t.judged);
}

const struct claim_def claim_python_pools = {
    .id = "python_pools",
    .claim = "Swapping ThreadPoolExecutor for ProcessPoolExecutor is a drop-in.",
    .folklore = "concurrent.futures makes processes a one-line change: same interface, and the "
                "GIL is gone.",
    .thresholds = "each figure of the process pool is no worse with at least 80% of the thread "
                  "pool's throughput (/work and /plaintext, at the highest level both ran), at "
                  "most 1.5x its p99, at most 2x its round trip per task (1 KiB, 1 MiB); holds "
                  "when none is worse, partly when some are, does not hold when all are",
    .judge = judge_python_pools,
};
