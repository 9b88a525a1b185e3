#include "claims.h"

#include "results.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Thresholds of the verdicts. */
#define FALL_HOLDS 0.30 /* throughput below peak by this much: the fall is real */
#define FALL_PARTLY 0.10
#define SWITCH_HOLDS 0.20 /* share of the server's CPU spent in switches */
#define SWITCH_PARTLY 0.05
#define CORES_ONE_LOOP 1.25 /* one loop using at most this many cores is "one core" */
#define RESIDENT_SHARE 0.10 /* resident part of a stack below this share: "reserved only" */
#define THOUSANDS 1000

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
    else if (us < 1000)
        snprintf(buf, len, "%.0f µs", us);
    else if (us < 1e6)
        snprintf(buf, len, "%.1f ms", us / 1000);
    else
        snprintf(buf, len, "%.2f s", us / 1e6);
}

static int usable(const json_t *run)
{
    const char *st = json_string_value(json_object_get(run, "status"));
    return st && (strcmp(st, "ok") == 0 || strcmp(st, "errors") == 0) &&
           json_is_object(json_object_get(run, "client"));
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

/* The usable run of a model with the highest level. */
static const json_t *top_run(const json_t *runs, const char *scenario, const char *model)
{
    const json_t *best = NULL;
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r)
    {
        if (is(r, scenario, model) && usable(r) && (!best || level(r) > level(best)))
            best = r;
    }
    return best;
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

/* The usable run of a model with the most throughput. */
static const json_t *peak_run(const json_t *runs, const char *scenario, const char *model)
{
    const json_t *best = NULL;
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r)
    {
        if (is(r, scenario, model) && usable(r) &&
            (!best || results_num(r, "client.good_per_s") > results_num(best, "client.good_per_s")))
            best = r;
    }
    return best;
}

/* Throughput: successful responses per second. */
static double rps(const json_t *run)
{
    return run ? results_num(run, "client.good_per_s") : NAN;
}

static const char *id(const json_t *run)
{
    return run ? json_string_value(json_object_get(run, "id")) : NULL;
}

struct text {
    char s[1536];
    size_t len;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct text *t, const char *fmt, ...)
{
    if (t->len >= sizeof t->s)
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

static json_t *evidence(const json_t *a, const json_t *b, const json_t *c)
{
    json_t *arr = json_array();
    const json_t *all[] = {a, b, c};
    for (int i = 0; i < 3; i++)
        if (all[i])
            json_array_append_new(arr, json_string(id(all[i])));
    return arr;
}

static void claim(json_t *claims, const char *cid, const char *text, const char *folklore,
                  const struct text *measured, const char *verdict, int surprising,
                  const char *note, json_t *ev)
{
    json_array_append_new(claims, json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:o}", "id", cid,
                                            "claim", text, "folklore", folklore, "measured",
                                            measured->len ? measured->s : "not measured", "verdict",
                                            verdict, "surprising", surprising, "note",
                                            note ? note : "", "evidence", ev ? ev : json_array()));
}

static void claim_stack(json_t *claims, const json_t *root)
{
    const json_t *runs = json_object_get(root, "runs");
    json_t *it = results_get(root, "calibration.idle_thread");
    struct text m = {0};
    const char *verdict = "not measured";
    int surprising = 0;
    double vsz = results_num(it, "vsize_bytes"), rss = results_num(it, "rss_bytes");
    double ks = results_num(it, "kernel_stack_bytes"), pt = results_num(it, "page_tables_bytes");
    char a[32], b[32], c[32], d[32];
    if (isfinite(vsz) && isfinite(rss)) {
        claims_format_bytes(a, sizeof a, vsz);
        claims_format_bytes(b, sizeof b, rss);
        claims_format_bytes(c, sizeof c, ks);
        claims_format_bytes(d, sizeof d, pt);
        add(&m,
            "An idle thread here reserves %s of address space but only %s of it becomes "
            "resident; the kernel adds %s of kernel stack and %s of page tables.",
            a, b, c, d);
        verdict = rss < RESIDENT_SHARE * vsz ? "partly" : "holds";
    }
    const json_t *t = top_run(runs, "idle", "thread");
    if (!t)
        t = top_run(runs, "scale", "thread");
    if (t && json_is_object(json_object_get(t, "per_connection"))) {
        claims_format_bytes(a, sizeof a, results_num(t, "per_connection.vsize_bytes"));
        claims_format_bytes(b, sizeof b, results_num(t, "per_connection.rss_bytes"));
        claims_format_bytes(c, sizeof c, results_num(t, "per_connection.kernel_bytes"));
        add(&m,
            " With %.0f connections (%s), thread-per-connection grew by %s of virtual size, "
            "%s resident and %s of kernel memory per connection.",
            level(t), id(t), a, b, c);
    }
    claim(claims, "stack", "Each thread reserves its whole stack (8 MiB by default) up front.",
          "Threads cost 8 MiB each, so a few thousand of them exhaust memory.", &m, verdict,
          surprising,
          "The reservation is address space, not memory: pages of the stack become resident "
          "only when touched. It still counts against vm.overcommit_memory=2, a cgroup's "
          "memory limit only as far as it is touched, and vm.max_map_count (two mappings per "
          "thread).",
          evidence(t, NULL, NULL));
}

static void claim_throughput(json_t *claims, const json_t *runs)
{
    struct text m = {0};
    const char *verdict = "not measured";
    int surprising = 0;
    const json_t *top = top_run(runs, "scale", "thread");
    const json_t *peak = peak_run(runs, "scale", "thread");
    const json_t *loop = top ? run_at(runs, "scale", "loop", level(top)) : NULL;
    const char *note = "";
    if (top && peak && level(top) >= THOUSANDS) {
        double fall = 1 - rps(top) / rps(peak);
        add(&m,
            "Thread-per-connection peaked at %.0f req/s with %.0f connections and gave "
            "%.0f req/s with %.0f",
            rps(peak), level(peak), rps(top), level(top));
        char p99[32];
        format_us(p99, sizeof p99, results_num(top, "client.latency_us.p99"));
        add(&m, " (p99 %s)", p99);
        double held = results_num(top, "server.connections_held_peak");
        if (isfinite(held) && held < 0.9 * level(top))
            add(&m, ", holding at most %.0f of them at once (the rest waited to be accepted)",
                held);
        if (loop) {
            format_us(p99, sizeof p99, results_num(loop, "client.latency_us.p99"));
            add(&m, "; the loop gave %.0f req/s (p99 %s) there", rps(loop), p99);
        }
        add(&m, ".");
        if (fall > FALL_HOLDS) {
            verdict = "holds";
        } else if (fall > FALL_PARTLY) {
            verdict = "partly";
        } else {
            verdict = "does not hold";
            surprising = 1;
            note = "Throughput held up at thousands of threads: the threads are mostly blocked "
                   "and the kernel's scheduler picks the runnable ones in O(log n), so their "
                   "number matters less than the switches per request. Latency is where it "
                   "shows, if anywhere.";
        }
        if (loop && rps(top) > rps(loop)) {
            surprising = 1;
            note = "Thread-per-connection served more requests per second than one event loop "
                   "at this concurrency: with the load on another core, blocking reads on "
                   "many threads kept up with one loop.";
        }
    } else if (top) {
        add(&m,
            "The thread runs went up to %.0f connections only (profile too small to "
            "judge).",
            level(top));
    }
    claim(claims, "throughput", "Throughput falls once there are thousands of threads.",
          "Past a few thousand threads the scheduler thrashes and throughput collapses.", &m,
          verdict, surprising, note, evidence(peak, top, loop));
}

static void claim_switching(json_t *claims, const json_t *root)
{
    const json_t *runs = json_object_get(root, "runs");
    struct text m = {0};
    const char *verdict = "not measured";
    int surprising = 0;
    const char *note = "The share counts the direct cost of a switch as measured by the "
                       "ping-pong; caches and TLB entries lost to the other thread come on top.";
    double cost = results_num(root, "calibration.context_switch.switch_cost_ns");
    const json_t *t = top_run(runs, "scale", "thread");
    const json_t *l = t ? run_at(runs, "scale", "loop", level(t)) : NULL;
    if (t && isfinite(cost)) {
        double share = results_num(t, "server.switch_cpu_share");
        add(&m,
            "One switch costs %.2f µs here. At %.0f connections thread-per-connection made "
            "%.0f switches/s (%.2f per request), about %.1f%% of its CPU time",
            cost / 1000, level(t), results_num(t, "server.ctx_per_s"),
            results_num(t, "server.ctx_per_request"), 100 * share);
        if (l)
            add(&m, "; the loop made %.2f per request (%.1f%%)",
                results_num(l, "server.ctx_per_request"),
                100 * results_num(l, "server.switch_cpu_share"));
        add(&m, ".");
        if (!isfinite(share))
            verdict = "not measured";
        else if (share > SWITCH_HOLDS)
            verdict = "holds";
        else if (share > SWITCH_PARTLY)
            verdict = "partly";
        else {
            verdict = "does not hold";
            surprising = 1;
        }
    } else if (t) {
        add(&m,
            "Switches were counted (%.2f per request at %.0f connections) but the "
            "ctxswitch calibration did not run, so their cost is unknown.",
            results_num(t, "server.ctx_per_request"), level(t));
    }
    claim(claims, "switching", "Threads lose much of their CPU time to context switches.",
          "Context switches are what makes threads slow.", &m, verdict, surprising, note,
          evidence(t, l, NULL));
}

static void claim_idle(json_t *claims, const json_t *runs)
{
    struct text m = {0};
    const char *verdict = "not measured";
    int surprising = 0;
    const char *note = "A thread blocked in read() is not scheduled: it costs memory, a pid "
                       "and a kernel stack, not CPU.";
    const json_t *t = top_run(runs, "idle", "thread");
    const json_t *l = t ? run_at(runs, "idle", "loop", level(t)) : NULL;
    const json_t *t0 = run_at(runs, "idle", "thread", 0);
    if (t && l && level(t) > 0) {
        double tm = results_num(t, "per_connection.total_bytes");
        double lm = results_num(l, "per_connection.total_bytes");
        char a[32], b[32], c[32], d[32];
        claims_format_bytes(a, sizeof a, tm);
        claims_format_bytes(b, sizeof b, lm);
        format_us(c, sizeof c, results_num(t, "client.latency_us.p99"));
        format_us(d, sizeof d, results_num(l, "client.latency_us.p99"));
        add(&m,
            "With %.0f idle connections, each cost %s (user and kernel memory) with a thread "
            "each and %s in the loop; the server used %.2f and %.2f cores; the busy "
            "connections' p99 was %s and %s.",
            level(t), a, b, results_num(t, "server.cpu_cores"), results_num(l, "server.cpu_cores"),
            c, d);
        if (t0) {
            format_us(c, sizeof c, results_num(t0, "client.latency_us.p99"));
            add(&m, " Without idle connections the thread server's p99 was %s.", c);
        }
        verdict = tm > 2 * lm ? "holds" : "partly";
        if (tm <= lm)
            surprising = 1;
    }
    claim(claims, "idle", "An idle connection still costs a thread: memory and kernel objects.",
          "Idle threads are cheap because they are asleep.", &m, verdict, surprising, note,
          evidence(t, l, t0));
}

static void claim_cores(json_t *claims, const json_t *root)
{
    const json_t *runs = json_object_get(root, "runs");
    struct text m = {0};
    const char *verdict = "not measured";
    int surprising = 0;
    const char *note = "";
    const json_t *l = top_run(runs, "cpu", "loop");
    const json_t *t = l ? run_at(runs, "cpu", "thread", level(l)) : NULL;
    const json_t *off = l ? run_at(runs, "cpu", "loop --offload", level(l)) : NULL;
    const json_t *multi = NULL;
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r)
    {
        const char *model = json_string_value(json_object_get(r, "model"));
        if (l && is(r, "cpu", NULL) && model && strncmp(model, "loop --loops", 12) == 0 &&
            usable(r) && level(r) == level(l))
            multi = r;
    }
    double cpus = results_num(root, "environment.cpus_allowed");
    if (l && cpus < 2) {
        add(&m, "One CPU only: parallelism cannot be measured here.");
    } else if (l) {
        add(&m, "CPU-bound requests at %.0f connections: one loop %.0f req/s on %.2f cores",
            level(l), rps(l), results_num(l, "server.cpu_cores"));
        if (t)
            add(&m, ", thread-per-connection %.0f req/s on %.2f cores", rps(t),
                results_num(t, "server.cpu_cores"));
        if (multi)
            add(&m, ", %s %.0f req/s on %.2f cores",
                json_string_value(json_object_get(multi, "model")), rps(multi),
                results_num(multi, "server.cpu_cores"));
        if (off)
            add(&m, ", loop --offload %.0f req/s on %.2f cores", rps(off),
                results_num(off, "server.cpu_cores"));
        add(&m, ".");
        double lc = results_num(l, "server.cpu_cores");
        if (lc <= CORES_ONE_LOOP && t && results_num(t, "server.cpu_cores") > lc * 1.5) {
            verdict = "holds";
            note = "For one loop. Several loops (SO_REUSEPORT) or an offload pool use the other "
                   "cores: the limit is one loop per core, not the event-loop model.";
        } else if (lc > CORES_ONE_LOOP) {
            verdict = "does not hold";
            surprising = 1;
            note = "The single loop used more than one core: something besides the loop "
                   "thread (libuv's pool, the kernel's network work accounted to the server) "
                   "did work.";
        } else {
            verdict = "partly";
            surprising = 1;
            note = "The threads did not use more cores than the loop here.";
        }
    }
    claim(claims, "cores", "An event loop uses one core; threads use every core.",
          "Event loops cannot use more than one core.", &m, verdict, surprising, note,
          evidence(l, t, multi ? multi : off));
}

static void claim_scale(json_t *claims, const json_t *runs)
{
    struct text m = {0};
    const char *verdict = "not measured";
    int surprising = 0;
    const char *note = "";
    double best_t = -1, best_l = -1;
    const json_t *tr = NULL, *lr = NULL, *limit_run = NULL;
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r)
    {
        if (!is(r, "scale", NULL) && !is(r, "idle", NULL))
            continue;
        const char *model = json_string_value(json_object_get(r, "model"));
        const char *st = json_string_value(json_object_get(r, "status"));
        double conns = results_num(r, "concurrency") + results_num(r, "idle_connections");
        if (model && strcmp(model, "thread") == 0 && st && strcmp(st, "ok") != 0 && !limit_run)
            limit_run = r;
        if (!st || strcmp(st, "ok") != 0 || !model)
            continue;
        if (strcmp(model, "thread") == 0 && conns > best_t) {
            best_t = conns;
            tr = r;
        }
        if (strcmp(model, "loop") == 0 && conns > best_l) {
            best_l = conns;
            lr = r;
        }
    }
    if (tr || lr) {
        char a[32], b[32];
        if (tr) {
            claims_format_bytes(a, sizeof a, results_num(tr, "server.rss_bytes"));
            add(&m,
                "Thread-per-connection served %.0f connections without errors (%s: %.0f "
                "threads, %s resident)",
                best_t, id(tr), results_num(tr, "server.threads_peak"), a);
        } else {
            add(&m, "Thread-per-connection had no run without errors");
        }
        if (lr) {
            claims_format_bytes(b, sizeof b, results_num(lr, "server.rss_bytes"));
            add(&m, "; the loop %.0f (%s resident).", best_l, b);
        } else {
            add(&m, ".");
        }
        if (limit_run)
            add(&m, " Thread run %s: %s.", id(limit_run),
                json_string_value(json_object_get(limit_run, "reason"))
                    ? json_string_value(json_object_get(limit_run, "reason"))
                    : json_string_value(json_object_get(limit_run, "status")));
        if (best_t >= 10000) {
            verdict = "does not hold";
            surprising = 1;
            note = "Ten thousand threads are within reach of a modern kernel; what bounds "
                   "thread-per-connection is the limits (pid_max, threads-max, "
                   "vm.max_map_count, a cgroup's pids.max) and memory, listed with the "
                   "environment.";
        } else if (best_l > best_t && best_t >= 0) {
            verdict = best_t < THOUSANDS ? "holds" : "partly";
        } else {
            verdict = "partly";
            note = "The session did not go far enough to separate the models.";
        }
    }
    claim(claims, "scale",
          "Thread-per-connection cannot hold ten thousand connections; an event loop can.",
          "The C10K problem: one thread per connection does not scale to 10,000 clients.", &m,
          verdict, surprising, note, evidence(tr, lr, limit_run));
}

static void surprises(json_t *root)
{
    json_t *out = json_array();
    const json_t *runs = json_object_get(root, "runs");
    size_t i;
    json_t *r;
    char msg[768];
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
    /* Connection tracking on the machine. */
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
    /* A pool with every worker busy, once. */
    json_array_foreach(runs, i, r)
    {
        const char *st = json_string_value(json_object_get(r, "status"));
        const char *model = json_string_value(json_object_get(r, "model"));
        if (model && strncmp(model, "pool", 4) == 0 && st && strcmp(st, "errors") == 0) {
            snprintf(msg, sizeof msg,
                     "The pool had client errors (%s and others): every worker was busy (a "
                     "blocking /sleep holds one for its whole wait, as does a connection under "
                     "--hold), so ready requests waited for a worker past the client's timeout. "
                     "Expected for this model: a pool's size shows in its latency.",
                     id(r));
            json_array_append_new(out, json_string(msg));
            break;
        }
    }
    json_object_set_new(root, "surprises", out);
}

static void headline(json_t *root)
{
    json_t *out = json_array();
    const json_t *runs = json_object_get(root, "runs");
    char line[768];
    static const char *const models[] = {"thread", "pool", "loop", "nginx"};
    /* Scale: every model at the highest level the loop reached. */
    const json_t *top = top_run(runs, "scale", "loop");
    if (!top)
        top = top_run(runs, "scale", NULL);
    if (top) {
        struct text t = {0};
        add(&t, "scale, %.0f connections:", level(top));
        for (size_t k = 0; k < 4; k++) {
            const json_t *r = run_at(runs, "scale", models[k], level(top));
            if (!r)
                continue;
            char p99[32];
            format_us(p99, sizeof p99, results_num(r, "client.latency_us.p99"));
            add(&t, " %s %.0f req/s (p99 %s);", models[k], rps(r), p99);
        }
        json_array_append_new(out, json_string(t.s));
    }
    const json_t *it = top_run(runs, "idle", "loop");
    if (it) {
        struct text t = {0};
        add(&t, "idle, %.0f connections, memory per connection:", level(it));
        for (size_t k = 0; k < 4; k++) {
            const json_t *r = run_at(runs, "idle", models[k], level(it));
            if (!r || !json_is_object(json_object_get(r, "per_connection")))
                continue;
            char a[32], b[32];
            claims_format_bytes(a, sizeof a, results_num(r, "per_connection.rss_bytes"));
            claims_format_bytes(b, sizeof b, results_num(r, "per_connection.kernel_bytes"));
            add(&t, " %s %s user + %s kernel;", models[k], a, b);
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
            if (is(r, "cpu", NULL) && usable(r) && level(r) == level(cl))
                add(&t, " %s %.0f req/s on %.2f cores;",
                    json_string_value(json_object_get(r, "model")), rps(r),
                    results_num(r, "server.cpu_cores"));
        }
        json_array_append_new(out, json_string(t.s));
    }
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
    json_object_set_new(root, "headline", out);
}

void claims_build(json_t *root)
{
    const json_t *runs = json_object_get(root, "runs");
    json_t *claims = json_array();
    claim_stack(claims, root);
    claim_throughput(claims, runs);
    claim_switching(claims, root);
    claim_idle(claims, runs);
    claim_cores(claims, root);
    claim_scale(claims, runs);
    json_object_set_new(root, "claims", claims);
    surprises(root);
    headline(root);
}
