#include "claims.h"

#include "compat.h"
#include "results.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Thresholds of the verdicts; each claim states its own in words too ("thresholds"). */
#define RESERVED_SHARE 0.5 /* a thread's virtual size grows by this share of its stack: reserved   \
                            */
#define MEMORY_RATIO 2.0   /* thread/loop memory per connection: "costs more" */
#define COST_RATIO 1.25    /* thread/loop CPU per request or p99: "costs more" */
#define FALL_HOLDS 0.20    /* capacity past 5,000 threads below the best before by this much */
#define FALL_PARTLY 0.05
#define SWITCH_GROWTH 1.5   /* total cost per switch grows this much from the fewest threads */
#define SCHED_GROWTH 0.10   /* or the scheduler's share of CPU grows by 10 points */
#define MANY_THREADS 5000   /* the claim's "about 5,000 threads" */
#define IDLE_SCHEDULED 1.0  /* switches per idle thread per second: scheduled */
#define IDLE_NOTICED 0.01   /* ... noticeably (once every 100 s) */
#define PARALLEL_SHARE 0.8  /* threads busy on this share of the CPUs: every core */
#define CORES_OVER_LOOP 1.5 /* and this many times one loop's cores */
#define LEVEL_LOW 1000      /* claim 5's two levels */
#define LEVEL_HIGH 10000

void claims_format_bytes(char *buf, size_t len, double bytes)
{
    double a = fabs(bytes);
    if (!isfinite(bytes))
        snprintf(buf, len, "n/a");
    else if (a < 1024)
        snprintf(buf, len, "%.0f B", bytes);
    else if (a < 1024 * 1024)
        snprintf(buf, len, "%.1f KiB", bytes / 1024);
    else if (a < 1024.0 * 1024 * 1024)
        snprintf(buf, len, "%.2f MiB", bytes / (1024 * 1024));
    else
        snprintf(buf, len, "%.2f GiB", bytes / (1024.0 * 1024 * 1024));
}

static void format_us(char *buf, size_t len, double us)
{
    if (!isfinite(us))
        snprintf(buf, len, "n/a");
    else if (us < 10)
        snprintf(buf, len, "%.2f µs", us);
    else if (us < 1000)
        snprintf(buf, len, "%.0f µs", us);
    else if (us < 1e6)
        snprintf(buf, len, "%.1f ms", us / 1000);
    else
        snprintf(buf, len, "%.2f s", us / 1e6);
}

/* ---- Finding runs ---- */

static int usable(const json_t *run)
{
    const char *st = json_string_value(json_object_get(run, "status"));
    return st && (strcmp(st, "ok") == 0 || strcmp(st, "errors") == 0) &&
           json_is_object(json_object_get(run, "client"));
}

static int load_bound(const json_t *run)
{
    return json_is_true(json_object_get(run, "load_bound"));
}

static int is(const json_t *run, const char *scenario, const char *model)
{
    const char *s = json_string_value(json_object_get(run, "scenario"));
    const char *m = json_string_value(json_object_get(run, "model"));
    return s && m && strcmp(s, scenario) == 0 && (!model || strcmp(m, model) == 0);
}

static double level(const json_t *run)
{
    return results_num(run, "level");
}

static const json_t *run_at(const json_t *runs, const char *scenario, const char *model, double lvl)
{
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r)
    {
        if (is(r, scenario, model) && usable(r) && level(r) == lvl)
            return r;
    }
    return NULL;
}

/* The usable run of a model with the highest level, or the lowest (lowest = 1). */
static const json_t *end_run(const json_t *runs, const char *scenario, const char *model,
                             int lowest)
{
    const json_t *best = NULL;
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r)
    {
        if (is(r, scenario, model) && usable(r) &&
            (!best || (lowest ? level(r) < level(best) : level(r) > level(best))))
            best = r;
    }
    return best;
}

static const json_t *top_run(const json_t *runs, const char *scenario, const char *model)
{
    return end_run(runs, scenario, model, 0);
}

/* Throughput: successful responses per second. */
static double rps(const json_t *run)
{
    return run ? results_num(run, "client.good_per_s") : NAN;
}

static double cpu_us(const json_t *run)
{
    return run ? results_num(run, "server.cpu_us_per_request") : NAN;
}

/* Requests per second the server could serve on its CPUs: what it served where its CPUs were
 * the limit, else what its CPU time per request allows (a load-bound run says nothing about
 * its throughput, but its CPU per request is its own). */
static double capacity(const json_t *run, int *estimated)
{
    const char *b = json_string_value(results_get(run, "saturation.bottleneck"));
    *estimated = 0;
    if (b && strcmp(b, "server") == 0)
        return rps(run);
    double cpus = results_num(run, "saturation.server_cpus");
    *estimated = 1;
    return isfinite(cpu_us(run)) && cpu_us(run) > 0
               ? (isfinite(cpus) ? cpus : 1) * 1e6 / cpu_us(run)
               : NAN;
}

static const char *id(const json_t *run)
{
    return run ? json_string_value(json_object_get(run, "id")) : NULL;
}

/* ---- Building one claim ---- */

struct text {
    char s[2048];
    size_t len;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct text *t, const char *fmt, ...)
{
    if (t->len >= sizeof t->s - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->s + t->len, sizeof t->s - t->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len += (size_t)n;
    if (t->len >= sizeof t->s)
        t->len = sizeof t->s - 1;
}

/* One claim as it is judged from one set of runs. */
struct claim {
    const char *id, *claim, *folklore, *thresholds;
    struct text measured, note;
    const char *verdict;
    int surprising;
    json_t *figures;  /* name -> number: what decides the verdict */
    json_t *evidence; /* run ids */
    json_t *sources;  /* what each figure comes from */
};

static void claim_init(struct claim *c, const char *cid, const char *text, const char *folklore,
                       const char *thresholds)
{
    memset(c, 0, sizeof *c);
    c->id = cid;
    c->claim = text;
    c->folklore = folklore;
    c->thresholds = thresholds;
    c->verdict = "not measured";
    c->figures = json_object();
    c->evidence = json_array();
    c->sources = json_array();
}

static void figure(struct claim *c, const char *name, double v)
{
    json_object_set_new(c->figures, name, isfinite(v) ? json_real(v) : json_null());
}

static void cite(struct claim *c, const json_t *run)
{
    if (!run)
        return;
    size_t i;
    json_t *e;
    json_array_foreach(c->evidence, i, e)
    {
        if (strcmp(json_string_value(e), id(run)) == 0)
            return;
    }
    json_array_append_new(c->evidence, json_string(id(run)));
}

static void source(struct claim *c, const char *text)
{
    json_array_append_new(c->sources, json_string(text));
}

static json_t *claim_json(struct claim *c)
{
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:o, s:o, s:o}", "id", c->id, "claim", c->claim,
        "folklore", c->folklore, "measured", c->measured.len ? c->measured.s : "not measured",
        "verdict", c->verdict, "surprising", c->surprising, "note", c->note.s, "thresholds",
        c->thresholds, "figures", c->figures, "evidence", c->evidence, "sources", c->sources);
    return o;
}

/* ---- The seven claims ---- */

/* 1. Threads reserve their stack up front. */
static json_t *claim_stack(const json_t *root)
{
    struct claim c;
    claim_init(&c, "stack",
               "Threads reserve their stack up front: every thread takes preallocated stack "
               "space out of the process's virtual memory when it is created.",
               "Threads cost 8 MiB each.",
               "holds when an idle thread's creation grows the virtual size by at least half "
               "its stack size; does not hold below that");
    const json_t *runs = json_object_get(root, "runs");
    json_t *it = results_get(root, "calibration.idle_thread");
    double vsz = results_num(it, "vsize_bytes"), rss = results_num(it, "rss_bytes");
    double stack = results_num(it, "stack_size_bytes");
    char a[32], b[32], d[32];
    if (isfinite(vsz) && isfinite(rss)) {
        source(&c, "calibration: VmSize and VmRSS of this process around creating idle threads");
        claims_format_bytes(a, sizeof a, vsz);
        claims_format_bytes(b, sizeof b, rss);
        claims_format_bytes(d, sizeof d, stack);
        add(&c.measured,
            "Each idle thread created here grew the virtual size by %s (its stack is %s) and "
            "the resident memory by %s.",
            a, d, b);
        figure(&c, "reserved_bytes_per_thread", vsz);
        figure(&c, "resident_bytes_per_thread", rss);
        if (!isfinite(stack) || stack <= 0)
            stack = 8.0 * 1024 * 1024;
        c.verdict = vsz >= RESERVED_SHARE * stack ? "holds" : "does not hold";
        c.surprising = vsz < RESERVED_SHARE * stack;
    }
    const json_t *t = top_run(runs, "idle", "thread");
    if (!t || !json_is_object(json_object_get(t, "per_connection")))
        t = top_run(runs, "scale", "thread");
    if (t && json_is_object(json_object_get(t, "per_connection"))) {
        source(&c, "the thread server under load: /proc/PID/status VmSize and VmRSS per "
                   "connection");
        double v = results_num(t, "per_connection.vsize_bytes");
        double r = results_num(t, "per_connection.rss_bytes");
        claims_format_bytes(a, sizeof a, v);
        claims_format_bytes(b, sizeof b, r);
        add(&c.measured,
            " The thread server with %.0f connections (%s): %s of virtual size and %s "
            "resident per connection.",
            level(t), id(t), a, isfinite(r) ? b : "too little to measure");
        figure(&c, "run_vsize_bytes_per_connection", v);
        cite(&c, t);
    }
    json_t *as = results_get(root, "calibration.address_space");
    if (json_is_object(as)) {
        source(&c, "calibration: threads created under RLIMIT_AS until pthread_create fails");
        double lim = results_num(as, "limit_bytes");
        double nd = results_num(as, "threads_default_stack"),
               ns = results_num(as, "threads_small_stack");
        claims_format_bytes(a, sizeof a, lim);
        claims_format_bytes(b, sizeof b, results_num(as, "default_stack_bytes"));
        claims_format_bytes(d, sizeof d, results_num(as, "small_stack_bytes"));
        add(&c.measured,
            " Where it binds: under an address-space limit (RLIMIT_AS) of %s, %.0f threads fit "
            "with %s stacks and %.0f%s with %s stacks.",
            a, nd, b, ns,
            json_is_null(json_object_get(as, "small_stack_error")) ? " (the cap)" : "", d);
        figure(&c, "threads_under_rlimit_as_default_stack", nd);
        figure(&c, "threads_under_rlimit_as_small_stack", ns);
    }
    add(&c.note,
        "The reservation is address space, not memory: a stack's pages become resident only "
        "when touched. It binds where address space is limited (RLIMIT_AS, a 32-bit process), "
        "under vm.overcommit_memory=2 (the commit limit counts it) and through "
        "vm.max_map_count (two mappings per thread); --stack-size shrinks it.");
    return claim_json(&c);
}

/* The loop stands for the event models in every verdict; the uring run at the same scenario
 * and level, where there is one, is quoted beside it (not judged). */
static void uring_beside(struct claim *c, const json_t *runs, const char *scenario, double lvl)
{
    const json_t *u = run_at(runs, scenario, "uring", lvl);
    if (!u)
        return;
    char mem[32];
    claims_format_bytes(mem, sizeof mem, results_num(u, "per_connection.total_bytes"));
    add(&c->measured, " Beside the loop, uring at %.0f: %.1f µs of CPU per request", lvl,
        cpu_us(u));
    if (json_is_object(json_object_get(u, "per_connection")))
        add(&c->measured, ", %s per connection", mem);
    if (!load_bound(u) && json_is_number(results_get(u, "client.latency_us.p99")))
        add(&c->measured, ", p99 %.0f µs", results_num(u, "client.latency_us.p99"));
    add(&c->measured, ".");
    cite(c, u);
}
/* 2. Threads are resource-intensive. */
static json_t *claim_resources(const json_t *root)
{
    struct claim c;
    claim_init(&c, "resources",
               "Threads are resource-intensive: creating and keeping a thread costs "
               "operating-system resources an event loop does not spend.",
               "A thread is heavy; an event loop's connection is a few hundred bytes.",
               "holds when a connection costs the thread server at least 2x the loop's memory "
               "(user + kernel) and a new connection at least 1.25x the loop's CPU; partly when "
               "one of the two; does not hold when neither");
    const json_t *runs = json_object_get(root, "runs");
    char a[32], b[32], d[32];
    json_t *tc = results_get(root, "calibration.thread_create");
    json_t *it = results_get(root, "calibration.idle_thread");
    if (json_is_object(tc) && json_is_object(it)) {
        source(&c, "calibration: pthread_create and an idle thread's KernelStack, PageTables "
                   "and VmRSS");
        claims_format_bytes(a, sizeof a, results_num(it, "kernel_stack_bytes"));
        claims_format_bytes(b, sizeof b, results_num(it, "page_tables_bytes"));
        claims_format_bytes(d, sizeof d, results_num(it, "rss_bytes"));
        add(&c.measured,
            "Creating a thread costs %.1f µs (%.1f µs with a fresh stack); an idle thread "
            "holds %s of kernel stack, %s of page tables and %s resident.",
            results_num(tc, "create_join_ns") / 1000, results_num(tc, "create_alive_ns") / 1000, a,
            b, d);
        figure(&c, "create_us", results_num(tc, "create_join_ns") / 1000);
    }
    int costlier = 0, judged = 0;
    const json_t *t = top_run(runs, "idle", "thread");
    const json_t *l = t ? run_at(runs, "idle", "loop", level(t)) : NULL;
    if (t && l && json_is_object(json_object_get(t, "per_connection")) &&
        json_is_object(json_object_get(l, "per_connection"))) {
        source(&c, json_string_value(results_get(t, "per_connection.kernel_source")));
        double tt = results_num(t, "per_connection.total_bytes");
        double lt = results_num(l, "per_connection.total_bytes");
        double tk = results_num(t, "per_connection.kernel_bytes");
        double lk = results_num(l, "per_connection.kernel_bytes");
        claims_format_bytes(a, sizeof a, tt);
        claims_format_bytes(b, sizeof b, lt);
        add(&c.measured,
            " With %.0f idle connections a connection cost the thread server %s (user + "
            "kernel) and the loop %s: %.1fx",
            level(t), a, b, tt / lt);
        claims_format_bytes(a, sizeof a, tk);
        claims_format_bytes(b, sizeof b, lk);
        add(&c.measured, "; kernel memory alone %s against %s.", a,
            isfinite(lk) ? b : "too little to measure");
        figure(&c, "memory_ratio", tt / lt);
        figure(&c, "thread_kernel_bytes_per_connection", tk);
        cite(&c, t);
        cite(&c, l);
        judged++;
        costlier += tt / lt >= MEMORY_RATIO;
    }
    if (t)
        uring_beside(&c, runs, "idle", level(t));
    const json_t *ct = top_run(runs, "churn", "thread");
    const json_t *cl = ct ? run_at(runs, "churn", "loop", level(ct)) : NULL;
    if (ct && cl) {
        source(&c, "churn runs: the server's CPU time per request with a new connection each");
        double ratio = cpu_us(ct) / cpu_us(cl);
        add(&c.measured,
            " A new connection per request (churn, %.0f clients): %.1f µs of server CPU per "
            "request with a thread each against %.1f µs in the loop (%.2fx).",
            level(ct), cpu_us(ct), cpu_us(cl), ratio);
        figure(&c, "churn_cpu_ratio", ratio);
        cite(&c, ct);
        cite(&c, cl);
        judged++;
        costlier += ratio >= COST_RATIO;
    }
    if (ct)
        uring_beside(&c, runs, "churn", level(ct));
    if (judged == 2)
        c.verdict = costlier == 2 ? "holds" : costlier == 1 ? "partly" : "does not hold";
    else if (judged == 1)
        c.verdict = costlier ? "partly" : "does not hold";
    c.surprising = judged > 0 && costlier == 0;
    add(&c.note, "Each thread is a task the kernel tracks (a pid, a kernel stack, a "
                 "task_struct) besides the socket every model has.");
    return claim_json(&c);
}

/* 3. Past about 5,000 threads, context switching hurts throughput. */
static json_t *claim_switching(const json_t *root)
{
    struct claim c;
    claim_init(&c, "switching", "Past about 5,000 threads, context switching hurts throughput.",
               "Context switches kill throughput past a few thousand threads.",
               "throughput falls when the thread server's capacity at 5,000 threads or more is "
               "at least 20% below its best at fewer (5% for partly); switching is the cause "
               "when the total cost per switch grows at least 1.5x from the fewest threads, or "
               "the scheduler's share of the server's CPU grows by 10 points; holds when both, "
               "partly when one, does not hold when neither");
    const json_t *runs = json_object_get(root, "runs");
    double cost_ns = results_num(root, "calibration.context_switch.switch_cost_ns");
    source(&c, "the scale runs: requests, CPU time (/proc/PID/stat) and context switches "
               "(getrusage via /stats) of the thread and loop servers");
    if (isfinite(cost_ns))
        source(&c, "calibration: the direct cost of a switch (pipe ping-pong on one CPU)");
    /* Every level where both models ran. */
    double best_before = NAN, top_cap = NAN, top_level = NAN;
    double low_total = NAN, top_total = NAN, low_sched = NAN, top_sched = NAN;
    int any = 0, est_any = 0;
    size_t i;
    json_t *t;
    json_array_foreach(runs, i, t)
    {
        if (!is(t, "scale", "thread") || !usable(t))
            continue;
        const json_t *l = run_at(runs, "scale", "loop", level(t));
        int est;
        double cap = capacity(t, &est);
        est_any |= est;
        double spr = results_num(t, "server.ctx_per_request");
        double total_ns = l && spr > 0 ? (cpu_us(t) - cpu_us(l)) * 1000 / spr : NAN;
        double sched = results_num(t, "scheduler.sched_share");
        add(&c.measured, "%s%.0f threads: %.2f switches per request", any ? "; " : "", level(t),
            spr);
        if (isfinite(cost_ns))
            add(&c.measured, ", direct %.2f µs", cost_ns / 1000);
        if (isfinite(total_ns))
            add(&c.measured,
                ", total %.2f µs per switch (%.1f against the loop's %.1f µs of CPU "
                "per request)",
                total_ns / 1000, cpu_us(t), cpu_us(l));
        if (isfinite(sched))
            add(&c.measured, ", %.0f%% of its CPU in the scheduler", 100 * sched);
        add(&c.measured, ", %.0f req/s%s", cap, est ? " (from CPU per request)" : "");
        char name[64];
        snprintf(name, sizeof name, "total_switch_us_at_%.0f", level(t));
        figure(&c, name, total_ns / 1000);
        cite(&c, t);
        cite(&c, l);
        if (level(t) < MANY_THREADS) {
            if (!isfinite(best_before) || cap > best_before)
                best_before = cap;
        } else if (!isfinite(top_level) || level(t) > top_level) {
            top_level = level(t);
            top_cap = cap;
            top_total = total_ns;
            top_sched = sched;
        }
        any = 1;
    }
    /* The fewest threads: the lowest level. */
    const json_t *lo = end_run(runs, "scale", "thread", 1);
    if (lo) {
        const json_t *ll = run_at(runs, "scale", "loop", level(lo));
        double spr = results_num(lo, "server.ctx_per_request");
        low_total = ll && spr > 0 ? (cpu_us(lo) - cpu_us(ll)) * 1000 / spr : NAN;
        low_sched = results_num(lo, "scheduler.sched_share");
    }
    if (any)
        add(&c.measured, ".");
    figure(&c, "direct_switch_us", cost_ns / 1000);
    if (!isfinite(top_level) || !isfinite(best_before)) {
        if (any)
            add(&c.measured,
                " The profile did not reach %d threads with a level below it, so "
                "the claim is not judged.",
                MANY_THREADS);
        return claim_json(&c);
    }
    double fall = 1 - top_cap / best_before;
    double growth = isfinite(low_total) && low_total > 0 ? top_total / low_total : NAN;
    double sched_up = top_sched - low_sched;
    figure(&c, "capacity_fall", fall);
    figure(&c, "switch_cost_growth", growth);
    figure(&c, "sched_share_growth", sched_up);
    int falls = fall >= FALL_HOLDS, falls_some = fall >= FALL_PARTLY;
    int cause = (isfinite(growth) && growth >= SWITCH_GROWTH) ||
                (isfinite(sched_up) && sched_up >= SCHED_GROWTH);
    add(&c.measured,
        " At %.0f threads the thread server's capacity was %.0f%% %s its best below %d; the "
        "total cost per switch %s %.1fx",
        top_level, 100 * fabs(fall), fall >= 0 ? "below" : "above", MANY_THREADS,
        isfinite(growth) && growth >= 1 ? "grew" : "changed", growth);
    if (isfinite(sched_up))
        add(&c.measured, " and the scheduler's share moved by %+.0f points", 100 * sched_up);
    add(&c.measured, ".");
    if (falls && cause)
        c.verdict = "holds";
    else if (falls_some || cause)
        c.verdict = "partly";
    else
        c.verdict = "does not hold";
    c.surprising = !falls_some;
    add(&c.note, "The direct cost is what the ping-pong pays per switch; the total cost is "
                 "what the thread server pays per switch over the loop, caches and scheduler "
                 "work included. The loop makes almost no switches, so the difference is the "
                 "price of one thread per connection.");
    if (est_any)
        add(&c.note, " Where a run was not server-bound its capacity is its CPUs divided by "
                     "its CPU time per request.");
    return claim_json(&c);
}

/* 4. The scheduler wastes time on threads that have nothing to do. */
static json_t *claim_idle(const json_t *root)
{
    struct claim c;
    claim_init(&c, "idle",
               "The scheduler wastes time on threads that have nothing to do: a thread "
               "waiting for data on a socket is switched to and from thousands of times before "
               "it has work.",
               "Idle threads still cost CPU: the scheduler keeps visiting them.",
               "holds when an idle thread is switched at least once a second; partly when at "
               "least once every 100 s; does not hold below that");
    const json_t *runs = json_object_get(root, "runs");
    const json_t *t = NULL;
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r)
    {
        if (is(r, "idle", "thread") && usable(r) &&
            json_is_number(results_get(r, "idle_threads.switches_per_thread_per_s")) &&
            results_num(r, "idle_threads.threads") > 0 && (!t || level(r) > level(t)))
            t = r;
    }
    if (t) {
        source(&c, "the idle threads' own counters: /proc/PID/task/*/status (switches) and "
                   "stat (CPU ticks), the busy connections' threads left out");
        double sw = results_num(t, "idle_threads.switches_per_thread_per_s");
        double cpu = results_num(t, "idle_threads.cpu_us_per_thread_per_s");
        double slices = results_num(t, "idle_threads.timeslices_per_thread_per_s");
        add(&c.measured,
            "With %.0f idle keep-alive connections (a thread each) over %.1f s, an idle thread "
            "was switched %.4f times a second and used %.2f µs of CPU a second (%.0f switches "
            "in all; the busy connections' threads %.0f a second each).",
            results_num(t, "idle_threads.threads"), results_num(t, "idle_threads.window_s"), sw,
            cpu, results_num(t, "idle_threads.switches"),
            results_num(t, "idle_threads.busy_switches_per_thread_per_s"));
        if (isfinite(slices)) {
            source(&c, "/proc/PID/task/*/schedstat: timeslices and time on the CPU");
            add(&c.measured,
                " schedstat agrees: %.4f timeslices and %.2f µs on the CPU per idle "
                "thread per second.",
                slices, results_num(t, "idle_threads.run_us_per_thread_per_s"));
        }
        figure(&c, "idle_switches_per_thread_per_s", sw);
        figure(&c, "idle_cpu_us_per_thread_per_s", cpu);
        cite(&c, t);
        c.verdict = sw >= IDLE_SCHEDULED ? "holds"
                    : sw >= IDLE_NOTICED ? "partly"
                                         : "does not hold";
        c.surprising = 0;
    }
    const json_t *tt = t ? t : top_run(runs, "idle", "thread");
    const json_t *l = tt ? run_at(runs, "idle", "loop", level(tt)) : NULL;
    const json_t *t0 = run_at(runs, "idle", "thread", 0);
    add(&c.note, "A thread blocked in read() is off the run queue until data arrives: it is "
                 "not visited.");
    if (tt && l) {
        char a[32], b[32], d[32], e[32];
        claims_format_bytes(a, sizeof a, results_num(tt, "per_connection.total_bytes"));
        claims_format_bytes(b, sizeof b, results_num(l, "per_connection.total_bytes"));
        format_us(d, sizeof d, results_num(tt, "client.latency_us.p99"));
        format_us(e, sizeof e, results_num(l, "client.latency_us.p99"));
        add(&c.note,
            " What it does cost is memory: %s per idle connection with a thread "
            "each, %s in the loop; the busy connections' p99 was %s and %s",
            a, b, d, e);
        if (t0) {
            format_us(d, sizeof d, results_num(t0, "client.latency_us.p99"));
            add(&c.note, " (%s with no idle connection)", d);
        }
        add(&c.note, ".");
        cite(&c, l);
        cite(&c, t0);
    }
    return claim_json(&c);
}

/* 5. Threads are an inefficient model for thousands of concurrent tasks. */
static json_t *claim_efficiency(const json_t *root)
{
    struct claim c;
    claim_init(&c, "efficiency",
               "Threads are an inefficient model for thousands of concurrent tasks.",
               "Thread-per-connection does not scale to the C10K.",
               "at 1,000 and 10,000 connections, thread against loop: memory per connection "
               "(user + kernel) costs more at 2x or over, CPU per request and p99 at 1.25x or "
               "over; holds when every figure costs more, partly when some do, does not hold "
               "when none does; p99 only from runs that were not load-bound");
    const json_t *runs = json_object_get(root, "runs");
    static const double levels[] = {LEVEL_LOW, LEVEL_HIGH};
    int judged = 0, costlier = 0;
    source(&c, "the scale runs: memory per connection (RSS and the server's kernel memory), "
               "CPU per request (/proc/PID/stat), p99 (the load generator's histogram)");
    for (size_t k = 0; k < 2; k++) {
        const json_t *t = run_at(runs, "scale", "thread", levels[k]);
        const json_t *l = run_at(runs, "scale", "loop", levels[k]);
        if (!t || !l)
            continue;
        double mem = results_num(t, "per_connection.total_bytes") /
                     results_num(l, "per_connection.total_bytes");
        double cpu = cpu_us(t) / cpu_us(l);
        int p99_ok = !load_bound(t) && !load_bound(l);
        double p99 = p99_ok ? results_num(t, "client.latency_us.p99") /
                                  results_num(l, "client.latency_us.p99")
                            : NAN;
        add(&c.measured,
            "%sAt %.0f connections thread/loop: memory per connection %.1fx, CPU "
            "per request %.2fx (%.1f against %.1f µs)",
            judged ? " " : "", levels[k], mem, cpu, cpu_us(t), cpu_us(l));
        if (p99_ok)
            add(&c.measured, ", p99 %.2fx", p99);
        else
            add(&c.measured, ", p99 not compared (a load-bound run)");
        add(&c.measured, ".");
        char name[48];
        snprintf(name, sizeof name, "memory_ratio_at_%.0f", levels[k]);
        figure(&c, name, mem);
        snprintf(name, sizeof name, "cpu_ratio_at_%.0f", levels[k]);
        figure(&c, name, cpu);
        snprintf(name, sizeof name, "p99_ratio_at_%.0f", levels[k]);
        figure(&c, name, p99);
        cite(&c, t);
        cite(&c, l);
        if (isfinite(mem)) {
            judged++;
            costlier += mem >= MEMORY_RATIO;
        }
        if (isfinite(cpu)) {
            judged++;
            costlier += cpu >= COST_RATIO;
        }
        if (isfinite(p99)) {
            judged++;
            costlier += p99 >= COST_RATIO;
        }
        uring_beside(&c, runs, "scale", levels[k]);
    }
    if (judged > 0)
        c.verdict = costlier == judged ? "holds" : costlier > 0 ? "partly" : "does not hold";
    c.surprising = judged > 0 && costlier == 0;
    add(&c.note, "That it can hold ten thousand connections at all is another matter: the "
                 "thread server does, within pid_max, threads-max, vm.max_map_count and the "
                 "cgroup's pids.max (see the environment).");
    return claim_json(&c);
}

/* 6. Threads give parallelism with shared memory. */
static json_t *claim_parallelism(const json_t *root)
{
    struct claim c;
    claim_init(&c, "parallelism",
               "Threads give parallelism with shared memory: they use every core on one "
               "address space.",
               "The benefit of threads; event loops cannot use more than one core.",
               "holds when the thread server kept at least 80% of the CPUs busy on CPU-bound "
               "requests and at least 1.5x the cores of one loop; partly when more than one "
               "loop but less; does not hold otherwise");
    const json_t *runs = json_object_get(root, "runs");
    const json_t *t = top_run(runs, "cpu", "thread");
    const json_t *l = t ? run_at(runs, "cpu", "loop", level(t)) : NULL;
    double cpus = results_num(root, "environment.cpus_allowed");
    if (t && cpus < 2) {
        add(&c.measured, "One CPU only: parallelism cannot be measured here.");
        return claim_json(&c);
    }
    if (!t || !l)
        return claim_json(&c);
    source(&c, "the cpu runs: the server's CPU seconds per second (/proc/PID/stat) and "
               "throughput with /work");
    const json_t *multi = NULL, *rings = NULL;
    const json_t *u = run_at(runs, "cpu", "uring", level(t));
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r)
    {
        const char *model = json_string_value(json_object_get(r, "model"));
        if (!is(r, "cpu", NULL) || !model || !usable(r) || level(r) != level(t))
            continue;
        if (strncmp(model, "loop --loops", 12) == 0)
            multi = r;
        else if (strncmp(model, "uring --rings", 13) == 0)
            rings = r;
    }
    double tc = results_num(t, "server.cpu_cores"), lc = results_num(l, "server.cpu_cores");
    add(&c.measured,
        "CPU-bound requests at %.0f connections: the thread server kept %.2f of %.0f CPUs busy "
        "and served %.0f req/s; one loop %.2f CPUs, %.0f req/s",
        level(t), tc, cpus, rps(t), lc, rps(l));
    if (multi)
        add(&c.measured, "; %s %.2f CPUs, %.0f req/s",
            json_string_value(json_object_get(multi, "model")),
            results_num(multi, "server.cpu_cores"), rps(multi));
    /* The other event model beside the loop: quoted, not judged. */
    const json_t *beside[] = {u, rings};
    for (size_t k = 0; k < 2; k++)
        if (beside[k])
            add(&c.measured, "; %s %.2f CPUs, %.0f req/s",
                json_string_value(json_object_get(beside[k], "model")),
                results_num(beside[k], "server.cpu_cores"), rps(beside[k]));
    add(&c.measured, ".");
    figure(&c, "thread_cpu_share", tc / cpus);
    figure(&c, "thread_over_loop_cores", tc / lc);
    figure(&c, "thread_over_loop_throughput", rps(t) / rps(l));
    cite(&c, t);
    cite(&c, l);
    cite(&c, multi);
    cite(&c, u);
    cite(&c, rings);
    if (tc >= PARALLEL_SHARE * cpus && tc >= CORES_OVER_LOOP * lc)
        c.verdict = "holds";
    else if (tc > lc)
        c.verdict = "partly";
    else
        c.verdict = "does not hold";
    c.surprising = strcmp(c.verdict, "does not hold") == 0;
    add(&c.note, "So do several event loops (--loops N, one SO_REUSEPORT listener each): they "
                 "are threads on one address space too, one per core rather than one per "
                 "connection.");
    return claim_json(&c);
}

/* A file's line count in code_size (its keys hold dots, so not through results_num). */
static double lines_of(const json_t *code, const char *file)
{
    json_t *v = json_object_get(code, file);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* 7. Threads are hard to get right: not a benchmark's question. */
static json_t *claim_correctness(const json_t *root)
{
    struct claim c;
    claim_init(&c, "correctness", "Threads are hard to get right and to reason about (races).",
               "Shared memory and locks breed races; event loops avoid them.",
               "none: a benchmark cannot judge it");
    json_t *code = json_object_get(root, "code_size");
    c.verdict = "not measured";
    if (json_is_object(code)) {
        source(&c, "the size of each model's source file (non-blank lines, at build time)");
        add(&c.measured,
            "Not a benchmark's question. The one measurable fact here is the size of each "
            "model's code: mode_thread.c %.0f lines, mode_pool.c %.0f, mode_loop.c %.0f "
            "(blocking.c, %.0f lines, is shared by thread and pool).",
            lines_of(code, "mode_thread.c"), lines_of(code, "mode_pool.c"),
            lines_of(code, "mode_loop.c"), lines_of(code, "blocking.c"));
        figure(&c, "mode_thread_lines", lines_of(code, "mode_thread.c"));
        figure(&c, "mode_pool_lines", lines_of(code, "mode_pool.c"));
        figure(&c, "mode_loop_lines", lines_of(code, "mode_loop.c"));
        if (isfinite(lines_of(code, "mode_uring.c"))) {
            add(&c.measured, " mode_uring.c has %.0f lines.", lines_of(code, "mode_uring.c"));
            figure(&c, "mode_uring_lines", lines_of(code, "mode_uring.c"));
        }
    } else {
        add(&c.measured, "Not a benchmark's question.");
    }
    add(&c.note, "The test suite runs every model under ThreadSanitizer.");
    return claim_json(&c);
}

/* ---- The container claims (a Docker session's constrained and memory scenarios) ---- */

#define CONTAINER_HELD_MIN 100 /* a thread run's memory per connection counts from here */
#define CONTAINER_THREAD_BYTES (1024.0 * 1024) /* under this per connection: not its stack */

static int status_is(const json_t *run, const char *status)
{
    const char *s = json_string_value(json_object_get(run, "status"));
    return s && strcmp(s, status) == 0;
}

/* A model's runs in a scenario: the lowest level that did not run cleanly (bad = 1), or the
 * highest that did (bad = 0); *n counts the model's runs there. */
static const json_t *container_edge(const json_t *runs, const char *scenario, const char *model,
                                    int bad, int *n)
{
    const json_t *best = NULL;
    size_t i;
    json_t *r;
    *n = 0;
    json_array_foreach(runs, i, r)
    {
        if (!is(r, scenario, model))
            continue;
        ++*n;
        if (status_is(r, "ok") == bad)
            continue;
        if (!best || (bad ? level(r) < level(best) : level(r) > level(best)))
            best = r;
    }
    return best;
}

static double container_max(const json_t *runs, const char *scenario, const char *model,
                            const char *path)
{
    double m = NAN;
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r)
    {
        double v = results_num(r, path);
        if (is(r, scenario, model) && isfinite(v) && !(v <= m))
            m = v;
    }
    return m;
}

static int ran(const json_t *runs, const char *scenario)
{
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r)
    {
        if (is(r, scenario, NULL))
            return 1;
    }
    return 0;
}

static void cite_all(struct claim *c, const json_t *runs, const char *scenario, const char *model)
{
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r)
    {
        if (is(r, scenario, model))
            cite(c, r);
    }
}

/* 8. A thread per connection stops at the container's pids limit. */
static json_t *claim_container_pids(const json_t *root)
{
    const json_t *runs = json_object_get(root, "runs");
    struct claim c;
    claim_init(&c, "pids", "A thread per connection stops at the container's pids limit.",
               "Each thread is a task: a container's pids limit caps the connections a "
               "thread-per-connection server can hold.",
               "at the lowest level thread mode did not run cleanly: holds when the cgroup "
               "refused thread creations (pids.events), partly when it failed otherwise (an OOM "
               "kill, errors); not measured when every level ran cleanly");
    source(&c, "the server container's cgroup (pids.current, pids.events), the server's "
               "counters (errors.thread_create, connections.rejected) and the engine's "
               "State.OOMKilled");
    double pids = results_num(root, "docker.limits.constrained_pids");
    const char *mem = json_string_value(results_get(root, "docker.limits.constrained_memory"));
    int n, m;
    const json_t *bad = container_edge(runs, "constrained", "thread", 1, &n);
    const json_t *top = container_edge(runs, "constrained", "thread", 0, &m);
    figure(&c, "pids_limit", pids);
    if (!n) {
        add(&c.measured, "Thread mode did not run in the constrained scenario.");
    } else if (!bad) {
        add(&c.measured,
            "Thread mode ran every level cleanly, up to %.0f connections, under %.0f pids.",
            level(top), pids);
    } else if (json_is_true(results_get(bad, "docker.server.state.oom_killed"))) {
        add(&c.measured,
            "At %.0f connections the engine reports the server OOM-killed (exit %.0f) under %s, "
            "before the pids limit (%.0f) was reached.",
            level(bad), results_num(bad, "docker.server.state.exit_code"), mem ? mem : "?", pids);
        c.verdict = "partly";
    } else {
        const char *reason = json_string_value(json_object_get(bad, "reason"));
        double refused = results_num(bad, "docker.server.cgroup.pids_refused");
        add(&c.measured, "At %.0f connections thread mode held %.0f (pids peak %.0f of %.0f); %s.",
            level(bad), results_num(bad, "held_connections"),
            results_num(bad, "docker.server.cgroup.pids_peak"), pids,
            reason ? reason : json_string_value(json_object_get(bad, "status")));
        figure(&c, "held_connections", results_num(bad, "held_connections"));
        figure(&c, "pids_refused", refused);
        c.verdict = refused > 0 ? "holds" : "partly";
    }
    cite_all(&c, runs, "constrained", "thread");
    add(&c.note, "Refusals: the cgroup's pids.events and the server's own counters "
                 "(errors.thread_create, connections.rejected); kills: the engine's "
                 "State.OOMKilled.");
    return claim_json(&c);
}

/* 9. An event loop holds the same connections in the same container. */
static json_t *claim_container_loop(const json_t *root)
{
    const json_t *runs = json_object_get(root, "runs");
    struct claim c;
    claim_init(&c, "loop", "An event loop holds the same connections in the same container.",
               "An event loop needs a thread per core, not per connection, so it is bounded by "
               "descriptors and memory, not tasks.",
               "holds when the loop's highest clean level held more connections than thread "
               "mode ever did; partly when not more; does not hold when no loop level ran "
               "cleanly; not measured when thread mode ran every level cleanly");
    source(&c, "TCP connections established to the server's port, sampled from the host; the "
               "server container's cgroup");
    int n, m;
    const json_t *lok = container_edge(runs, "constrained", "loop", 0, &n);
    const json_t *tbad = container_edge(runs, "constrained", "thread", 1, &m);
    double thold = container_max(runs, "constrained", "thread", "held_connections");
    char a[32];
    if (!lok) {
        add(&c.measured, "The loop ran no level cleanly.");
        c.verdict = n ? "does not hold" : "not measured";
    } else {
        double held = results_num(lok, "held_connections");
        claims_format_bytes(a, sizeof a,
                            results_num(lok, "docker.server.cgroup.memory_peak_bytes"));
        add(&c.measured,
            "Loop mode held %.0f connections at level %.0f with %.0f pids and %s of "
            "memory at peak",
            held, level(lok), results_num(lok, "docker.server.cgroup.pids_peak"), a);
        if (isfinite(thold))
            add(&c.measured, "; thread mode held at most %.0f", thold);
        add(&c.measured, ".");
        figure(&c, "loop_held_connections", held);
        figure(&c, "thread_held_connections", thold);
        c.verdict = !tbad                                  ? "not measured"
                    : held > (isfinite(thold) ? thold : 0) ? "holds"
                                                           : "partly";
    }
    cite_all(&c, runs, "constrained", "loop");
    return claim_json(&c);
}

/* The thread run whose memory per connection speaks for thread mode: the highest clean one
 * that held enough connections, else one the OOM killer did not end. */
static const json_t *container_thread_memory_run(const json_t *runs)
{
    const json_t *clean = NULL, *any = NULL;
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r)
    {
        if (!is(r, "constrained", "thread") ||
            !(results_num(r, "held_connections") >= CONTAINER_HELD_MIN) ||
            !json_is_object(json_object_get(r, "per_connection")))
            continue;
        if (status_is(r, "ok"))
            clean = r;
        else if (!json_is_true(results_get(r, "docker.server.state.oom_killed")))
            any = r;
    }
    return clean ? clean : any;
}

/* 10. A thread costs tens of KiB in a container, not its stack. */
static json_t *claim_container_memory(const json_t *root)
{
    const json_t *runs = json_object_get(root, "runs");
    struct claim c;
    claim_init(&c, "thread_memory", "A thread costs tens of KiB of memory, not its 8 MiB stack.",
               "Threads cost 8 MiB each.",
               "holds when a connection of thread mode grows the container's cgroup memory by "
               "less than 1 MiB (at 100 connections or more); does not hold from 1 MiB");
    source(&c, "the server container's cgroup memory: user memory, kernel stacks, page tables");
    const json_t *pc = container_thread_memory_run(runs);
    char a[32], b[32];
    if (!pc) {
        add(&c.measured, "No thread run held %d connections or more.", CONTAINER_HELD_MIN);
    } else {
        double per = results_num(pc, "per_connection.total_bytes");
        claims_format_bytes(a, sizeof a, per);
        add(&c.measured,
            "%s per connection in thread mode at %.0f connections (the container's "
            "cgroup memory: user memory, kernel stacks, page tables)",
            a, level(pc));
        const json_t *l = NULL;
        size_t i;
        json_t *r;
        json_array_foreach(runs, i, r)
        {
            if (is(r, "constrained", "loop") && level(r) == level(pc) &&
                json_is_object(json_object_get(r, "per_connection")))
                l = r;
        }
        if (l) {
            claims_format_bytes(b, sizeof b, results_num(l, "per_connection.total_bytes"));
            add(&c.measured, "; loop mode %s", b);
            cite(&c, l);
        }
        add(&c.measured, ".");
        figure(&c, "thread_bytes_per_connection", per);
        c.verdict = per < CONTAINER_THREAD_BYTES ? "holds" : "does not hold";
        c.surprising = per < CONTAINER_THREAD_BYTES;
        cite(&c, pc);
    }
    add(&c.note, "The stack is reserved address space; only the pages a thread touches are "
                 "charged to the container.");
    return claim_json(&c);
}

/* 11. Under a memory limit alone, thread-per-connection is OOM-killed where the loop holds. */
static json_t *claim_container_oom(const json_t *root)
{
    const json_t *runs = json_object_get(root, "runs");
    struct claim c;
    claim_init(&c, "oom",
               "Under a memory limit alone, thread-per-connection is OOM-killed where the loop "
               "holds.",
               "Threads run out of memory long before an event loop does.",
               "holds when thread mode was OOM-killed and loop mode was not and ran a level "
               "cleanly; does not hold when thread mode was not OOM-killed; partly otherwise");
    source(&c, "the engine's State.OOMKilled, read after each run; the container's cgroup memory");
    const json_t *tkill = NULL, *lkill = NULL;
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r)
    {
        int killed = json_is_true(results_get(r, "docker.server.state.oom_killed"));
        if (killed && is(r, "memory", "thread") && (!tkill || level(r) < level(tkill)))
            tkill = r;
        if (killed && is(r, "memory", "loop") && (!lkill || level(r) < level(lkill)))
            lkill = r;
    }
    int n;
    const json_t *lok = container_edge(runs, "memory", "loop", 0, &n);
    const json_t *ttop = container_edge(runs, "memory", "thread", 0, &n);
    const char *mem = json_string_value(results_get(root, "docker.limits.memory_memory"));
    char a[32];
    if (tkill) {
        add(&c.measured,
            "Thread mode was OOM-killed at %.0f connections (engine: OOMKilled, exit %.0f)",
            level(tkill), results_num(tkill, "docker.server.state.exit_code"));
        if (ttop)
            add(&c.measured, " after holding %.0f at a lower level",
                results_num(ttop, "held_connections"));
    } else {
        add(&c.measured, "Thread mode was not OOM-killed (up to %.0f connections)",
            container_max(runs, "memory", "thread", "level"));
    }
    if (lkill) {
        add(&c.measured, "; loop mode was OOM-killed at %.0f", level(lkill));
    } else if (lok) {
        claims_format_bytes(a, sizeof a,
                            results_num(lok, "docker.server.cgroup.memory_peak_bytes"));
        add(&c.measured, "; loop mode held %.0f connections in %s at peak",
            results_num(lok, "held_connections"), a);
    } else {
        add(&c.measured, "; loop mode ran no level cleanly");
    }
    add(&c.measured, " under %s.", mem ? mem : "?");
    c.verdict = tkill && !lkill && lok ? "holds" : !tkill ? "does not hold" : "partly";
    c.surprising = !tkill;
    cite_all(&c, runs, "memory", "thread");
    cite_all(&c, runs, "memory", "loop");
    add(&c.note, "An OOM kill is the engine's record (State.OOMKilled), read after the run.");
    return claim_json(&c);
}

json_t *claims_code_size_json(void)
{
    json_t *o = json_object();
    for (const struct claims_code_size *c = claims_code_size; c->file; c++)
        json_object_set_new(o, c->file, json_integer(c->lines));
    return o;
}

/* Every claim; a local session is judged on the first seven, a Docker session (one with a
 * "docker" object) on the container claims, each where its scenario ran. */
typedef json_t *(*claim_fn)(const json_t *root);
static const struct {
    claim_fn fn;
    const char *container; /* the container scenario it is judged from; NULL: a local claim */
} claim_fns[] = {
    {claim_stack, NULL},
    {claim_resources, NULL},
    {claim_switching, NULL},
    {claim_idle, NULL},
    {claim_efficiency, NULL},
    {claim_parallelism, NULL},
    {claim_correctness, NULL},
    {claim_container_pids, "constrained"},
    {claim_container_loop, "constrained"},
    {claim_container_memory, "constrained"},
    {claim_container_oom, "memory"},
};
#define N_CLAIMS (sizeof claim_fns / sizeof claim_fns[0])

static int container_session(const json_t *root)
{
    return json_is_object(json_object_get(root, "docker"));
}

/* ---- Repetitions ---- */

/* root with only the runs of one repetition (a new object sharing everything else). */
static json_t *repetition_view(const json_t *root, int rep)
{
    json_t *view = json_object();
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)root, key, v)
    {
        if (strcmp(key, "runs") != 0)
            json_object_set(view, key, v);
    }
    json_t *runs = json_array();
    size_t i;
    json_array_foreach(json_object_get(root, "runs"), i, v)
    {
        double r = results_num(v, "repetition");
        if ((isfinite(r) ? (int)r : 1) == rep)
            json_array_append(runs, v);
    }
    json_object_set_new(view, "runs", runs);
    return view;
}

/* Merges one claim's judgements over the repetitions: the first is the one shown, every
 * verdict is listed, figures get their min-max, and differing verdicts make it unstable. */
static json_t *merge_repetitions(json_t **per, int reps)
{
    json_t *out = json_deep_copy(per[0]);
    json_t *verdicts = json_array(), *spread = json_object();
    int stable = 1;
    const char *first = json_string_value(json_object_get(per[0], "verdict"));
    for (int k = 0; k < reps; k++) {
        const char *v = json_string_value(json_object_get(per[k], "verdict"));
        json_array_append_new(verdicts, json_string(v));
        stable &= strcmp(v, first) == 0;
        const char *name;
        json_t *f;
        json_object_foreach(json_object_get(per[k], "figures"), name, f)
        {
            if (!json_is_number(f))
                continue;
            double x = json_number_value(f);
            json_t *mm = json_object_get(spread, name);
            if (!mm) {
                json_object_set_new(spread, name, json_pack("[f, f]", x, x));
            } else {
                double lo = json_number_value(json_array_get(mm, 0));
                double hi = json_number_value(json_array_get(mm, 1));
                json_array_set_new(mm, 0, json_real(x < lo ? x : lo));
                json_array_set_new(mm, 1, json_real(x > hi ? x : hi));
            }
        }
    }
    json_object_set_new(out, "repetitions", json_integer(reps));
    json_object_set_new(out, "verdicts", verdicts);
    json_object_set_new(out, "spread", spread);
    json_object_set_new(out, "stable", json_boolean(stable));
    if (!stable) {
        struct text t = {0};
        add(&t, "The verdict changed between repetitions (");
        for (int k = 0; k < reps; k++)
            add(&t, "%s%d: %s", k ? ", " : "", k + 1,
                json_string_value(json_object_get(per[k], "verdict")));
        add(&t, "); the figures that decide it ranged:");
        const char *name;
        json_t *mm;
        int n = 0;
        json_object_foreach(spread, name, mm)
        {
            double lo = json_number_value(json_array_get(mm, 0));
            double hi = json_number_value(json_array_get(mm, 1));
            if (hi != lo)
                add(&t, "%s %s %.3g to %.3g", n++ ? "," : "", name, lo, hi);
        }
        add(&t, "%s.", n ? "" : " none moved (a figure was missing in one)");
        json_object_set_new(out, "verdict", json_string("unstable"));
        json_object_set_new(out, "unstable", json_string(t.s));
    } else {
        json_object_set_new(out, "unstable", json_null());
    }
    return out;
}

static json_t *judge_claims(const json_t *root)
{
    int reps = (int)results_num(root, "repeat");
    if (reps < 1)
        reps = 1;
    json_t *claims = json_array();
    json_t **per = calloc((size_t)reps * N_CLAIMS, sizeof *per);
    if (!per)
        return claims;
    int container = container_session(root);
    for (int k = 0; k < reps; k++) {
        json_t *view = repetition_view(root, k + 1);
        const json_t *runs = json_object_get(view, "runs");
        for (size_t c = 0; c < N_CLAIMS; c++) {
            const char *scenario = claim_fns[c].container;
            if (container ? scenario && ran(runs, scenario) : !scenario)
                per[c * (size_t)reps + (size_t)k] = claim_fns[c].fn(view);
        }
        json_decref(view);
    }
    for (size_t c = 0; c < N_CLAIMS; c++) {
        int judged = 1;
        for (int k = 0; k < reps; k++)
            judged &= per[c * (size_t)reps + (size_t)k] != NULL;
        if (judged)
            json_array_append_new(claims, merge_repetitions(&per[c * (size_t)reps], reps));
        for (int k = 0; k < reps; k++)
            json_decref(per[c * (size_t)reps + (size_t)k]);
    }
    free(per);
    return claims;
}

/* ---- Surprises and headline ---- */

/* A Docker session's first line: the image and how long the test took. */
static void container_image_line(const json_t *root, json_t *out)
{
    const json_t *d = json_object_get(root, "docker");
    char line[512];
    snprintf(line, sizeof line,
             "Image %s: %.0f MB; the Docker test took %.0f s (image build %.0f s).",
             json_string_value(json_object_get(d, "image")), results_num(d, "image_bytes") / 1e6,
             results_num(d, "elapsed_s"), results_num(d, "build_s"));
    json_array_append_new(out, json_string(line));
}

/* Per model of a container scenario: the highest level held cleanly, the first that was not
 * and why, and the memory and pids peaks. */
static void container_scenario_lines(const json_t *runs, const char *scenario, const char *title,
                                     json_t *out)
{
    static const char *const models[] = {"thread", "pool", "loop", "uring"};
    for (size_t k = 0; k < sizeof models / sizeof models[0]; k++) {
        int n;
        const json_t *ok = container_edge(runs, scenario, models[k], 0, &n);
        const json_t *bad = container_edge(runs, scenario, models[k], 1, &n);
        if (!n)
            continue;
        struct text t = {0};
        char mem[32];
        add(&t, "%s, %s: ", title, models[k]);
        if (ok)
            add(&t, "held %.0f connections cleanly", level(ok));
        else
            add(&t, "no level ran cleanly");
        if (bad) {
            const char *reason = json_string_value(json_object_get(bad, "reason"));
            add(&t, "; at %.0f: %s", level(bad),
                reason ? reason : json_string_value(json_object_get(bad, "status")));
        }
        double peak =
            container_max(runs, scenario, models[k], "docker.server.cgroup.memory_peak_bytes");
        double pids = container_max(runs, scenario, models[k], "docker.server.cgroup.pids_peak");
        claims_format_bytes(mem, sizeof mem, peak);
        if (isfinite(peak) && isfinite(pids))
            add(&t, "; peak %s and %.0f pids", mem, pids);
        /* The highest level's figure, as the runs table shows it. */
        const json_t *pc = NULL;
        size_t i;
        json_t *r;
        json_array_foreach(runs, i, r)
        {
            if (is(r, scenario, models[k]) && json_is_object(json_object_get(r, "per_connection")))
                pc = r;
        }
        if (pc) {
            claims_format_bytes(mem, sizeof mem, results_num(pc, "per_connection.total_bytes"));
            add(&t, ", %s per connection", mem);
        }
        add(&t, ".");
        json_array_append_new(out, json_string(t.s));
    }
}

static void container_headline(const json_t *root, json_t *out)
{
    const json_t *runs = json_object_get(root, "runs");
    const json_t *l = results_get(root, "docker.limits");
    char title[160];
    snprintf(title, sizeof title, "Constrained (%s, %.0f pids)",
             json_string_value(json_object_get(l, "constrained_memory")),
             results_num(l, "constrained_pids"));
    container_scenario_lines(runs, "constrained", title, out);
    snprintf(title, sizeof title, "Memory (%s, %.0f pids)",
             json_string_value(json_object_get(l, "memory_memory")), results_num(l, "memory_pids"));
    container_scenario_lines(runs, "memory", title, out);
}

/* What changes the numbers of a Docker session, said once. */
static void container_caveats(const json_t *root, json_t *out)
{
    json_array_append_new(
        out,
        json_string("Containers talk over a bridge (a veth pair each and the bridge): expect less "
                    "throughput and more latency than loopback on the same machine."));
    json_array_append_new(
        out,
        json_string(
            "CPU limits are CFS quotas (cpus=N), not pinned cores: a server that uses its quota "
            "early in a 100 ms period waits for the next one, which shows in the tail latency."));
    const char *seccomp = json_string_value(results_get(root, "docker.limits.server_seccomp"));
    char msg[512];
    if (seccomp)
        snprintf(msg, sizeof msg, "The server container ran under the seccomp profile %s.",
                 seccomp);
    else
        snprintf(msg, sizeof msg,
                 "The server container ran under Docker's default seccomp profile (which, since "
                 "Docker 25, forbids io_uring: a uring server then reports it and its runs are "
                 "skipped).");
    json_array_append_new(out, json_string(msg));
    json_array_append_new(
        out,
        json_string(
            "Memory per connection is the growth of the server container's cgroup memory, which "
            "includes kernel memory charged to it (thread kernel stacks, page tables; socket "
            "buffers only under cgroup v2), divided by the connections the server held."));
}

static void surprises(json_t *root)
{
    json_t *out = json_array();
    const json_t *runs = json_object_get(root, "runs");
    size_t i;
    json_t *r;
    char msg[1024];
    json_array_foreach(runs, i, r)
    {
        const char *st = json_string_value(json_object_get(r, "status"));
        const char *reason = json_string_value(json_object_get(r, "reason"));
        const char *model = json_string_value(json_object_get(r, "model"));
        if (st && strcmp(st, "failed") == 0) {
            snprintf(msg, sizeof msg, "%s failed: %s", id(r), reason ? reason : "");
            json_array_append_new(out, json_string(msg));
        } else if (st && strcmp(st, "errors") == 0 && model && strncmp(model, "pool", 4) != 0) {
            snprintf(msg, sizeof msg, "%s: %s", id(r), reason ? reason : "errors");
            json_array_append_new(out, json_string(msg));
        }
        size_t k;
        json_t *note;
        json_array_foreach(json_object_get(r, "notes"), k, note)
        {
            snprintf(msg, sizeof msg, "%s: %s", id(r), json_string_value(note));
            json_array_append_new(out, json_string(msg));
        }
        double cc = results_num(r, "server.crosscheck");
        if (isfinite(cc) && json_is_false(results_get(r, "server.crosscheck_ok")) && usable(r)) {
            snprintf(msg, sizeof msg,
                     "%s: the client counted %.1f%% of the requests the server counted (requests "
                     "in flight when the client stopped, or errors)",
                     id(r), 100 * cc);
            json_array_append_new(out, json_string(msg));
        }
    }
    json_t *ct = results_get(root, "environment.limits.nf_conntrack");
    if (json_is_object(ct)) {
        double waited = 0;
        json_array_foreach(runs, i, r)
        {
            double w = results_num(r, "conntrack_wait_s");
            if (isfinite(w))
                waited += w;
        }
        snprintf(msg, sizeof msg,
                 "Netfilter connection tracking is loaded here (Docker or a firewall loads it): "
                 "every connection, loopback ones too, holds one of its %.0f entries until 120 s "
                 "after it closes, and a full table drops new connections. Runs waited %.0f s in "
                 "all for it to empty; a run during which it filled says so.",
                 results_num(ct, "max"), waited);
        json_array_append_new(out, json_string(msg));
    }
    /* A pool with every worker busy, once, with what it means. */
    json_array_foreach(runs, i, r)
    {
        const char *st = json_string_value(json_object_get(r, "status"));
        const char *model = json_string_value(json_object_get(r, "model"));
        const char *reason = json_string_value(json_object_get(r, "reason"));
        if (model && strncmp(model, "pool", 4) == 0 && st && strcmp(st, "errors") == 0) {
            snprintf(msg, sizeof msg,
                     "The pool had client errors (%s: %s). Every worker was busy (a blocking "
                     "/sleep holds one for its whole wait, as does a connection under --hold), "
                     "so ready requests waited for a worker past the client's timeout: "
                     "expected for this model, whose size shows in its latency.",
                     id(r), reason ? reason : "errors");
            json_array_append_new(out, json_string(msg));
            break;
        }
    }
    if (container_session(root))
        container_caveats(root, out);
    json_object_set_new(root, "surprises", out);
}

static void headline(json_t *root)
{
    json_t *out = json_array();
    const json_t *runs = json_object_get(root, "runs");
    char line[768];
    static const char *const models[] = {"thread", "pool", "loop", "uring", "nginx"};
    const size_t n_models = sizeof models / sizeof models[0];
    if (container_session(root))
        container_image_line(root, out);
    /* Scale: every model at the highest level the loop reached; by CPU per request where a
     * run there was load-bound (its throughput measured the load generator). */
    const json_t *top = top_run(runs, "scale", "loop");
    if (!top)
        top = top_run(runs, "scale", NULL);
    if (top) {
        int bound = 0;
        for (size_t k = 0; k < n_models; k++) {
            const json_t *r = run_at(runs, "scale", models[k], level(top));
            bound |= r && load_bound(r);
        }
        struct text t = {0};
        add(&t, "scale, %.0f connections%s:", level(top),
            bound ? " (load-bound: compared by server CPU per request)" : "");
        for (size_t k = 0; k < n_models; k++) {
            const json_t *r = run_at(runs, "scale", models[k], level(top));
            if (!r)
                continue;
            char p99[32];
            format_us(p99, sizeof p99, results_num(r, "client.latency_us.p99"));
            if (bound)
                add(&t, " %s %.2f µs;", models[k], cpu_us(r));
            else
                add(&t, " %s %.0f req/s (p99 %s, %.2f µs CPU per request);", models[k], rps(r), p99,
                    cpu_us(r));
        }
        json_array_append_new(out, json_string(t.s));
    }
    const json_t *it = top_run(runs, "idle", "loop");
    if (it) {
        struct text t = {0};
        add(&t, "idle, %.0f connections, memory per connection:", level(it));
        for (size_t k = 0; k < n_models; k++) {
            const json_t *r = run_at(runs, "idle", models[k], level(it));
            if (!r || !json_is_object(json_object_get(r, "per_connection")))
                continue;
            char a[32], b[32];
            double u = results_num(r, "per_connection.rss_bytes");
            double kb = results_num(r, "per_connection.kernel_bytes");
            claims_format_bytes(a, sizeof a, u);
            claims_format_bytes(b, sizeof b, kb);
            add(&t, " %s %s user + %s kernel;", models[k], isfinite(u) ? a : "~0",
                isfinite(kb) ? b : "~0");
        }
        json_array_append_new(out, json_string(t.s));
    }
    const json_t *cl = top_run(runs, "cpu", "loop");
    if (cl) {
        struct text t = {0};
        add(&t, "cpu, %.0f connections:", level(cl));
        size_t i;
        json_t *r;
        json_array_foreach(runs, i, r)
        {
            if (is(r, "cpu", NULL) && usable(r) && level(r) == level(cl) &&
                results_num(r, "repetition") <= 1)
                add(&t, " %s %.0f req/s on %.2f cores;",
                    json_string_value(json_object_get(r, "model")), rps(r),
                    results_num(r, "server.cpu_cores"));
        }
        json_array_append_new(out, json_string(t.s));
    }
    if (container_session(root))
        container_headline(root, out);
    json_t *cs = results_get(root, "calibration.context_switch");
    json_t *itd = results_get(root, "calibration.idle_thread");
    if (json_is_object(cs)) {
        char a[32], b[32], c[32];
        claims_format_bytes(a, sizeof a, results_num(itd, "rss_bytes"));
        claims_format_bytes(b, sizeof b, results_num(itd, "kernel_stack_bytes"));
        claims_format_bytes(c, sizeof c, results_num(itd, "vsize_bytes"));
        snprintf(line, sizeof line,
                 "this machine: a context switch %.2f µs (threads) / %.2f µs (processes); "
                 "creating a thread %.1f µs; an idle thread %s resident + %s kernel stack, %s "
                 "reserved",
                 results_num(cs, "thread_pair_ns") / 1000,
                 results_num(cs, "process_pair_ns") / 1000,
                 results_num(root, "calibration.thread_create.create_join_ns") / 1000, a, b, c);
        json_array_append_new(out, json_string(line));
    }
    json_t *claims = json_object_get(root, "claims");
    size_t i;
    json_t *cm;
    struct text t = {0};
    add(&t, "claims:");
    json_array_foreach(claims, i, cm)
        add(&t, " %s %s;", json_string_value(json_object_get(cm, "id")),
            json_string_value(json_object_get(cm, "verdict")));
    if (json_array_size(claims) == 0)
        add(&t, " none judged (no scenario of this session answers one)");
    json_array_append_new(out, json_string(t.s));
    json_object_set_new(root, "headline", out);
}

static void claims_build_json(json_t *root)
{
    json_object_set_new(root, "claims", judge_claims(root));
    surprises(root);
    headline(root);
}

void claims_build(struct session_record *s)
{
    json_t *doc = results_document(s);
    claims_build_json(doc);
    record_set_json(&s->claims, json_incref(json_object_get(doc, "claims")));
    record_set_json(&s->surprises, json_incref(json_object_get(doc, "surprises")));
    record_set_json(&s->headline, json_incref(json_object_get(doc, "headline")));
    json_decref(doc);
}
