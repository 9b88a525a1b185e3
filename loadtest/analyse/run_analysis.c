/* What a run's samples and counters say (run_state.h): the client's and the server's figures
 * side by side, memory and kernel memory per connection, how busy the server's CPUs and the load
 * generator were, the idle threads' own switches, what a wrapper counted, and the verdict. */
#include "run_state.h"

#include "loadgen.h"
#include "results.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static double median(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    for (size_t i = 1; i < n; i++) {
        double x = v[i];
        size_t j = i;
        while (j > 0 && v[j - 1] > x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static json_t *num_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* The per-second samples as columns, with rates between consecutive samples. */
json_t *run_samples_json(const struct sampler *sp)
{
    json_t *t = json_array(), *rss = json_array(), *vsz = json_array(), *thr = json_array(),
           *fds = json_array(), *cores = json_array(), *ctx = json_array(), *mctx = json_array(),
           *ks = json_array(), *pt = json_array(), *tcp = json_array(), *inuse = json_array(),
           *slab = json_array(), *ct = json_array();
    const struct sample *prev = NULL, *prev_tasks = NULL;
    for (size_t i = 0; i < sp->n; i++) {
        const struct sample *s = &sp->samples[i];
        if (!s->alive)
            continue;
        json_array_append_new(t, json_real(round(s->t * 1000) / 1000));
        json_array_append_new(rss, json_integer((json_int_t)s->rss_bytes));
        json_array_append_new(vsz, json_integer((json_int_t)s->vsize_bytes));
        json_array_append_new(thr, json_integer(s->threads));
        json_array_append_new(fds, json_integer(s->fds));
        json_array_append_new(ks, json_integer((json_int_t)s->kernel_stack_bytes));
        json_array_append_new(pt, json_integer((json_int_t)s->page_tables_bytes));
        json_array_append_new(slab, json_integer((json_int_t)s->slab_unreclaimable_bytes));
        json_array_append_new(ct, s->conntrack >= 0 ? json_integer(s->conntrack) : json_null());
        json_array_append_new(tcp, json_integer((json_int_t)s->tcp_mem_bytes));
        json_array_append_new(inuse, json_integer((json_int_t)s->tcp_inuse));
        double dt = prev ? s->t - prev->t : 0;
        if (prev && dt > 0) {
            double cpu =
                (s->cpu_user_s + s->cpu_system_s) - (prev->cpu_user_s + prev->cpu_system_s);
            json_array_append_new(cores, json_real(cpu / dt));
            json_array_append_new(mctx,
                                  json_real((double)(s->machine_ctxt - prev->machine_ctxt) / dt));
        } else {
            json_array_append_new(cores, json_null());
            json_array_append_new(mctx, json_null());
        }
        int has_tasks = s->ctx_voluntary != UINT64_MAX;
        if (has_tasks && prev_tasks && s->t > prev_tasks->t) {
            /* Threads that ended take their counts with them: never below zero. */
            double now = (double)(s->ctx_voluntary + s->ctx_involuntary);
            double was = (double)(prev_tasks->ctx_voluntary + prev_tasks->ctx_involuntary);
            double rate = (now - was) / (s->t - prev_tasks->t);
            json_array_append_new(ctx, json_real(rate > 0 ? rate : 0));
        } else {
            json_array_append_new(ctx, json_null());
        }
        prev = s;
        if (has_tasks)
            prev_tasks = s;
    }
    json_t *cols =
        json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "t", t,
                  "rss_bytes", rss, "vsize_bytes", vsz, "threads", thr, "fds", fds, "cpu_cores",
                  cores, "ctx_per_s", ctx, "machine_ctx_per_s", mctx, "kernel_stack_bytes", ks,
                  "page_tables_bytes", pt, "tcp_mem_bytes", tcp, "tcp_inuse", inuse);
    json_object_set_new(cols, "slab_unreclaimable_bytes", slab);
    json_object_set_new(cols, "conntrack", ct);
    return cols;
}

/* Deltas of the /stats counters that tell why requests failed on the server's side. */
static json_t *counter_deltas(const json_t *before, const json_t *after)
{
    json_t *out = json_object();
    static const char *const groups[] = {"errors", "connections"};
    for (size_t g = 0; g < 2; g++) {
        json_t *a = json_object_get(after, groups[g]), *b = json_object_get(before, groups[g]);
        const char *key;
        json_t *v;
        json_object_foreach(a, key, v)
        {
            if (!json_is_integer(v))
                continue;
            static const char *const gauges[] = {"active", "reading", "writing", "waiting"};
            int gauge = 0;
            for (size_t k = 0; k < 4; k++)
                gauge |= g == 1 && strcmp(key, gauges[k]) == 0;
            if (gauge)
                continue;
            json_int_t was = json_integer_value(json_object_get(b, key));
            char name[96];
            snprintf(name, sizeof name, "%s.%s", groups[g], key);
            json_object_set_new(out, name, json_integer(json_integer_value(v) - was));
        }
    }
    return out;
}

static json_int_t counter(const json_t *deltas, const char *name)
{
    return json_integer_value(json_object_get(deltas, name));
}

/* Server, machine and per-connection figures from the snapshots and the samples. */
/* One figure of a sample, as a difference from the baseline where that is what counts. */
typedef double (*sample_field)(const struct sample *s, const struct sample *base);

static double f_rss(const struct sample *s, const struct sample *b)
{
    (void)b;
    return (double)s->rss_bytes;
}

static double f_vsize(const struct sample *s, const struct sample *b)
{
    (void)b;
    return (double)s->vsize_bytes;
}

static double f_rss_delta(const struct sample *s, const struct sample *b)
{
    return (double)s->rss_bytes - (double)b->rss_bytes;
}

static double f_vsize_delta(const struct sample *s, const struct sample *b)
{
    return (double)s->vsize_bytes - (double)b->vsize_bytes;
}

static double f_threads(const struct sample *s, const struct sample *b)
{
    (void)b;
    return (double)s->threads;
}

static double f_kstack(const struct sample *s, const struct sample *b)
{
    return (double)s->kernel_stack_bytes - (double)b->kernel_stack_bytes;
}

static double f_ptables(const struct sample *s, const struct sample *b)
{
    return (double)s->page_tables_bytes - (double)b->page_tables_bytes;
}

static double f_tcp(const struct sample *s, const struct sample *b)
{
    return (double)s->tcp_mem_bytes - (double)b->tcp_mem_bytes;
}

static double f_slab(const struct sample *s, const struct sample *b)
{
    return (double)s->slab_unreclaimable_bytes - (double)b->slab_unreclaimable_bytes;
}

/* The median of a field over the samples taken between w0 and w1 (seconds since the run's
 * start), or NaN when there is none. */
static double window_median(const struct run_state *st, double w0, double w1, sample_field f)
{
    double v[SAMPLER_MAX];
    size_t n = 0;
    for (size_t i = 0; i < st->sampler.n; i++) {
        const struct sample *s = &st->sampler.samples[i];
        double x = s->alive && s->t >= w0 && s->t <= w1 ? f(s, &st->base) : NAN;
        if (isfinite(x))
            v[n++] = x;
    }
    return median(v, n);
}

static double sampled_peak(const struct run_state *st, sample_field f)
{
    double peak = 0;
    for (size_t i = 0; i < st->sampler.n; i++)
        if (st->sampler.samples[i].alive && f(&st->sampler.samples[i], &st->base) > peak)
            peak = f(&st->sampler.samples[i], &st->base);
    return peak;
}

static double f_fds(const struct sample *s, const struct sample *b)
{
    (void)b;
    return (double)s->fds;
}

/* Descriptors over the baseline: the connections the server holds. */
static double f_fds_delta(const struct sample *s, const struct sample *b)
{
    return (double)s->fds - (double)b->fds;
}

static double f_conntrack(const struct sample *s, const struct sample *b)
{
    (void)b;
    return (double)s->conntrack;
}

static double f_inuse(const struct sample *s, const struct sample *b)
{
    (void)b;
    return (double)s->tcp_inuse;
}

static double f_cg_kernel(const struct sample *s, const struct sample *b)
{
    return s->cg.ok && b->cg.ok ? (double)(s->cg.kernel_bytes - b->cg.kernel_bytes) : NAN;
}

static double f_cg_sock(const struct sample *s, const struct sample *b)
{
    return s->cg.ok && b->cg.ok ? (double)(s->cg.sock_bytes - b->cg.sock_bytes) : NAN;
}

static double f_cg_kstack(const struct sample *s, const struct sample *b)
{
    return s->cg.ok && b->cg.ok && s->cg.kernel_stack_bytes >= 0
               ? (double)(s->cg.kernel_stack_bytes - b->cg.kernel_stack_bytes)
               : NAN;
}

static double f_cg_ptables(const struct sample *s, const struct sample *b)
{
    return s->cg.ok && b->cg.ok && s->cg.page_tables_bytes >= 0
               ? (double)(s->cg.page_tables_bytes - b->cg.page_tables_bytes)
               : NAN;
}

static double f_cg_slab(const struct sample *s, const struct sample *b)
{
    return s->cg.ok && b->cg.ok && s->cg.slab_bytes >= 0
               ? (double)(s->cg.slab_bytes - b->cg.slab_bytes)
               : NAN;
}

static double f_machine_kernel(const struct sample *s, const struct sample *b)
{
    return f_kstack(s, b) + f_ptables(s, b) + f_tcp(s, b) + f_slab(s, b);
}

/* How far a field moved between the samples of the window (max - min): the noise a delta
 * must stand above. NaN when fewer than two samples. */
static double window_spread(const struct run_state *st, double w0, double w1, sample_field f)
{
    double lo = INFINITY, hi = -INFINITY;
    size_t n = 0;
    for (size_t i = 0; i < st->sampler.n; i++) {
        const struct sample *s = &st->sampler.samples[i];
        double v = s->alive && s->t >= w0 && s->t <= w1 ? f(s, &st->base) : NAN;
        if (!isfinite(v))
            continue;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
        n++;
    }
    return n >= 2 ? hi - lo : NAN;
}

/* One per-connection figure: the window's median change over the baseline, divided by the
 * connections, or null when that change is within the method's resolution (the kernel's
 * charge batches, the window's own spread): a figure that small, or below zero, is not one.
 * Its name joins below[] then. */
static json_t *per_conn(const struct run_state *st, double w0, double w1, sample_field f,
                        double conns, double granularity, const char *name, json_t *below,
                        double *value)
{
    double delta = window_median(st, w0, w1, f);
    double spread = window_spread(st, w0, w1, f);
    double resolution = isfinite(spread) && spread > granularity ? spread : granularity;
    *value = NAN;
    if (!isfinite(delta))
        return json_null();
    if (delta < resolution) {
        json_array_append_new(
            below, json_pack("{s:s, s:f}", "figure", name, "resolution_bytes", resolution / conns));
        *value = 0; /* for the sums: nothing measurable */
        return json_null();
    }
    *value = delta / conns;
    return json_real(*value);
}

/* Memory: the server's, its kernel memory (its own cgroup where it has one, the machine's as
 * the second source), and per open connection. */
static void summarise_memory(struct run_state *st)
{
    const struct run_spec *r = &st->spec;
    json_t *server = json_object_get(st->run, "server");
    json_t *machine = json_object_get(st->run, "machine");
    double w0 = st->t_measure - st->t_run0, w1 = st->t_client_end - st->t_run0;
    size_t n = 0;
    for (size_t i = 0; i < st->sampler.n; i++)
        n += st->sampler.samples[i].alive && st->sampler.samples[i].t >= w0 &&
             st->sampler.samples[i].t <= w1;
    double rss = window_median(st, w0, w1, f_rss), vsize = window_median(st, w0, w1, f_vsize);
    const struct sample *b = &st->base;
    json_object_set_new(server, "rss_baseline_bytes", json_integer((json_int_t)b->rss_bytes));
    json_object_set_new(server, "vsize_baseline_bytes", json_integer((json_int_t)b->vsize_bytes));
    json_object_set_new(server, "threads_baseline", json_integer(b->threads));
    json_object_set_new(server, "rss_bytes", num_or_null(rss));
    json_object_set_new(server, "rss_peak_bytes", json_real(sampled_peak(st, f_rss)));
    json_object_set_new(server, "vsize_bytes", num_or_null(vsize));
    json_object_set_new(server, "vsize_peak_bytes", json_real(sampled_peak(st, f_vsize)));
    json_object_set_new(server, "threads", num_or_null(window_median(st, w0, w1, f_threads)));
    json_object_set_new(server, "threads_peak", json_real(sampled_peak(st, f_threads)));
    json_object_set_new(server, "fds_peak", json_real(sampled_peak(st, f_fds)));
    /* Each open connection is a descriptor in the server: how many it held at most. */
    double held = sampled_peak(st, f_fds) - (double)b->fds;
    json_object_set_new(server, "connections_held_peak", json_real(held > 0 ? held : 0));
    json_object_set_new(server, "samples_in_window", json_integer((json_int_t)n));

    /* The server's own kernel memory, from its cgroup, against the baseline before the load. */
    int cg = st->in_cgroup && b->cg.ok;
    json_object_set_new(
        server, "cgroup",
        cg ? json_pack(
                 "{s:i, s:s, s:o, s:o, s:o, s:o, s:o, s:I}", "version", st->cg.version, "path",
                 st->cg.rel, "kernel_delta_bytes",
                 num_or_null(window_median(st, w0, w1, f_cg_kernel)), "sock_delta_bytes",
                 num_or_null(window_median(st, w0, w1, f_cg_sock)), "kernel_stack_delta_bytes",
                 num_or_null(window_median(st, w0, w1, f_cg_kstack)), "page_tables_delta_bytes",
                 num_or_null(window_median(st, w0, w1, f_cg_ptables)), "slab_delta_bytes",
                 num_or_null(window_median(st, w0, w1, f_cg_slab)), "kernel_baseline_bytes",
                 (json_int_t)b->cg.kernel_bytes)
           : json_null());

    /* Machine-wide kernel memory in the window, against the baseline before the load. */
    double ks = window_median(st, w0, w1, f_kstack), pt = window_median(st, w0, w1, f_ptables);
    double tcp = window_median(st, w0, w1, f_tcp), slab = window_median(st, w0, w1, f_slab);
    json_object_set_new(machine, "kernel_stack_delta_bytes", num_or_null(ks));
    json_object_set_new(machine, "page_tables_delta_bytes", num_or_null(pt));
    json_object_set_new(machine, "tcp_mem_delta_bytes", num_or_null(tcp));
    json_object_set_new(machine, "slab_unreclaimable_delta_bytes", num_or_null(slab));
    json_object_set_new(machine, "tcp_inuse_peak", json_real(sampled_peak(st, f_inuse)));
    json_object_set_new(machine, "conntrack_peak",
                        st->base.conntrack >= 0 ? json_real(sampled_peak(st, f_conntrack))
                                                : json_null());

    long long conns = (long long)r->concurrency + r->idle;
    if (!r->keepalive || conns < PER_CONNECTION_MIN || n == 0) {
        json_object_set_new(st->run, "per_connection", json_null());
        return;
    }
    /* Per connection the server held: a thread server that could not keep up with the
     * connects left the rest in the listen queue, and they cost it nothing yet. */
    double holding = window_median(st, w0, w1, f_fds_delta);
    double c = isfinite(holding) && holding >= 1 && holding < (double)conns ? round(holding)
                                                                            : (double)conns;
    double g = cgmem_resolution_bytes(), page = (double)sysconf(_SC_PAGESIZE);
    json_t *below = json_array();
    double user, kernel, mk, v;
    json_t *pc = json_object();
    json_object_set_new(pc, "connections", json_integer((json_int_t)c));
    json_object_set_new(pc, "connections_opened", json_integer((json_int_t)conns));
    json_object_set_new(pc, "rss_bytes",
                        per_conn(st, w0, w1, f_rss_delta, c, page, "rss_bytes", below, &user));
    json_t *mach = json_object();
    json_object_set_new(
        mach, "kernel_bytes",
        per_conn(st, w0, w1, f_machine_kernel, c, g, "machine.kernel_bytes", below, &mk));
    json_object_set_new(
        mach, "kernel_stack_bytes",
        per_conn(st, w0, w1, f_kstack, c, g, "machine.kernel_stack_bytes", below, &v));
    json_object_set_new(
        mach, "page_tables_bytes",
        per_conn(st, w0, w1, f_ptables, c, g, "machine.page_tables_bytes", below, &v));
    json_object_set_new(mach, "tcp_mem_bytes",
                        per_conn(st, w0, w1, f_tcp, c, g, "machine.tcp_mem_bytes", below, &v));
    json_object_set_new(mach, "slab_bytes",
                        per_conn(st, w0, w1, f_slab, c, g, "machine.slab_bytes", below, &v));
    if (cg) {
        double ck;
        json_t *cgo = json_object();
        json_object_set_new(
            cgo, "kernel_bytes",
            per_conn(st, w0, w1, f_cg_kernel, c, g, "cgroup.kernel_bytes", below, &ck));
        json_object_set_new(cgo, "sock_bytes",
                            per_conn(st, w0, w1, f_cg_sock, c, g, "cgroup.sock_bytes", below, &v));
        if (st->cg.version == 2) {
            json_object_set_new(
                cgo, "kernel_stack_bytes",
                per_conn(st, w0, w1, f_cg_kstack, c, g, "cgroup.kernel_stack_bytes", below, &v));
            json_object_set_new(
                cgo, "page_tables_bytes",
                per_conn(st, w0, w1, f_cg_ptables, c, g, "cgroup.page_tables_bytes", below, &v));
            json_object_set_new(
                cgo, "slab_bytes",
                per_conn(st, w0, w1, f_cg_slab, c, g, "cgroup.slab_bytes", below, &v));
        }
        json_object_set_new(pc, "cgroup", cgo);
        kernel = ck;
        json_object_set_new(pc, "kernel_bytes",
                            json_deep_copy(json_object_get(cgo, "kernel_bytes")));
    } else {
        json_object_set_new(pc, "cgroup", json_null());
        kernel = mk;
        json_object_set_new(pc, "kernel_bytes",
                            json_deep_copy(json_object_get(mach, "kernel_bytes")));
    }
    json_object_set_new(pc, "kernel_source", json_string(cgmem_source(cg ? st->cg.version : 0)));
    json_object_set_new(pc, "machine", mach);
    json_object_set_new(pc, "total_bytes",
                        isfinite(user) && isfinite(kernel) ? json_real(user + kernel)
                                                           : json_null());
    json_object_set_new(pc, "vsize_bytes",
                        per_conn(st, w0, w1, f_vsize_delta, c, page, "vsize_bytes", below, &v));
    json_object_set_new(pc, "below_resolution", below);
    json_object_set_new(st->run, "per_connection", pc);
}

/* The load generator's CPU seconds per second over the measured window, from the first and
 * last samples inside it that read it; NaN with fewer than two. */
static double client_cores(const struct run_state *st)
{
    double w0 = st->t_measure - st->t_run0, w1 = st->t_client_end - st->t_run0;
    const struct sample *first = NULL, *last = NULL;
    for (size_t i = 0; i < st->sampler.n; i++) {
        const struct sample *s = &st->sampler.samples[i];
        if (s->client_cpu_s < 0 || s->t < w0 || s->t > w1)
            continue;
        if (!first)
            first = s;
        last = s;
    }
    if (!first || last == first || last->t <= first->t)
        return NAN;
    return (last->client_cpu_s - first->client_cpu_s) / (last->t - first->t);
}

const char *run_bottleneck(double server_busy, double client_busy, int open_loop)
{
    if (open_loop)
        return "fixed rate";
    if (server_busy >= SATURATED_SHARE)
        return "server";
    if (!isfinite(client_busy))
        return "unknown";
    return client_busy >= SATURATED_SHARE ? "load generator" : "neither";
}

/* Which side set the pace: a throughput figure measures the server only when its CPUs were
 * saturated; when they were not and the load generator's were, the run is load-bound. */
static void summarise_saturation(struct run_state *st, double server_cores)
{
    const struct bench_env *env = st->ctx->env;
    const struct run_spec *r = &st->spec;
    int server_cpus = r->server_all_cpus ? env->cpus_allowed : env->n_server_cpus;
    if (server_cpus < 1)
        server_cpus = env->cpus_allowed > 0 ? env->cpus_allowed : 1;
    int load_cpus = env->n_load_cpus > 0 ? env->n_load_cpus : 1;
    int threads =
        r->concurrency < load_cpus ? (r->concurrency > 0 ? r->concurrency : 1) : load_cpus;
    double ccores = client_cores(st);
    double sbusy = server_cores / server_cpus, cbusy = ccores / threads;
    const char *bottleneck = run_bottleneck(sbusy, cbusy, r->rate > 0);
    int load_bound = strcmp(bottleneck, "load generator") == 0;
    json_object_set_new(st->run, "saturation",
                        json_pack("{s:f, s:i, s:o, s:o, s:i, s:s, s:b, s:f}", "server_busy", sbusy,
                                  "server_cpus", server_cpus, "client_cores", num_or_null(ccores),
                                  "client_busy", num_or_null(cbusy), "client_threads", threads,
                                  "bottleneck", bottleneck, "load_bound", load_bound, "threshold",
                                  SATURATED_SHARE));
    json_object_set_new(st->run, "load_bound", json_boolean(load_bound));
    if (load_bound)
        run_note(st,
                 "load-bound: the server's CPU was %.0f%% busy while the load generator's "
                 "%d thread%s %.0f%%: the generator limited the load, so compare this level by "
                 "CPU time per request, not by throughput or latency",
                 100 * sbusy, threads, threads == 1 ? " was" : "s were", 100 * cbusy);
}

/* What the load generator cost: its CPU per request over the window, and its process halfway
 * through it (descriptors, memory, threads). */
static void summarise_client_cost(struct run_state *st, const json_t *client)
{
    json_t *sat = json_object_get(st->run, "saturation");
    double cores = json_number_value(json_object_get(sat, "client_cores"));
    double rps = json_number_value(json_object_get(client, "requests_per_s"));
    json_object_set_new(sat, "client_cpu_us_per_request",
                        json_is_number(json_object_get(sat, "client_cores")) && rps > 0
                            ? json_real(cores * 1e6 / rps)
                            : json_null());
    const struct sample *m = &st->client_mid;
    json_object_set_new(st->run, "client_process",
                        st->client_sampled
                            ? json_pack("{s:f, s:I, s:I, s:I, s:I}", "t", m->t, "rss_bytes",
                                        (json_int_t)m->rss_bytes, "vsize_bytes",
                                        (json_int_t)m->vsize_bytes, "fds", (json_int_t)m->fds,
                                        "threads", (json_int_t)m->threads)
                            : json_null());
}

/* What the idle connections' threads did themselves in the window: every thread that was
 * there at both ends, less the server's own (as many as it had before the load: the
 * acceptor, timers) and less the busiest ones, one per busy connection. */
static void summarise_idle_tasks(struct run_state *st)
{
    const struct task_snapshot *a = &st->tasks0, *b = &st->tasks1;
    if (!st->want_tasks)
        return;
    if (!a->tasks || !b->tasks || b->t <= a->t) {
        json_object_set_new(
            st->run, "idle_threads",
            json_pack("{s:s}", "error", "the threads were not read at both ends of the window"));
        return;
    }
    size_t n = a->n < b->n ? a->n : b->n;
    struct idle_task {
        double switches, cpu_s, slices, run_s;
    } *d = calloc(n ? n : 1, sizeof *d);
    if (!d)
        return;
    size_t m = 0, i = 0, j = 0;
    long ticks = sysconf(_SC_CLK_TCK);
    while (i < a->n && j < b->n) {
        if (a->tasks[i].tid < b->tasks[j].tid) {
            i++;
        } else if (a->tasks[i].tid > b->tasks[j].tid) {
            j++;
        } else {
            const struct task_counters *x = &a->tasks[i], *y = &b->tasks[j];
            /* The lowest thread ids are the server's own, started before any connection. */
            if ((long long)i >= (long long)st->base.threads && m < n) {
                d[m].switches = (double)(y->ctx_voluntary + y->ctx_involuntary) -
                                (double)(x->ctx_voluntary + x->ctx_involuntary);
                d[m].cpu_s =
                    (double)(y->utime_ticks + y->stime_ticks - x->utime_ticks - x->stime_ticks) /
                    (double)ticks;
                d[m].slices = (double)y->timeslices - (double)x->timeslices;
                d[m].run_s = ((double)y->run_ns - (double)x->run_ns) / 1e9;
                m++;
            }
            i++;
            j++;
        }
    }
    /* Leave out the busy connections' threads: the ones that switched most. */
    for (size_t k = 1; k < m; k++) {
        struct idle_task x = d[k];
        size_t q = k;
        while (q > 0 && d[q - 1].switches < x.switches) {
            d[q] = d[q - 1];
            q--;
        }
        d[q] = x;
    }
    size_t busy = (size_t)st->spec.concurrency < m ? (size_t)st->spec.concurrency : m;
    double sw = 0, cpu = 0, slices = 0, run = 0, busy_sw = 0, most = 0;
    for (size_t k = 0; k < m; k++) {
        if (k < busy) {
            busy_sw += d[k].switches;
            continue;
        }
        sw += d[k].switches;
        cpu += d[k].cpu_s;
        slices += d[k].slices;
        run += d[k].run_s;
        if (d[k].switches > most)
            most = d[k].switches;
    }
    size_t idle = m - busy;
    double span = b->t - a->t;
    double per = idle > 0 ? 1.0 / ((double)idle * span) : NAN;
    json_object_set_new(
        st->run, "idle_threads",
        json_pack("{s:I, s:I, s:f, s:f, s:f, s:o, s:o, s:f, s:f, s:o, s:o, s:b, s:s}", "threads",
                  (json_int_t)idle, "busy_threads_left_out", (json_int_t)busy, "window_s", span,
                  "switches", sw, "cpu_s", cpu, "switches_per_thread_per_s", num_or_null(sw * per),
                  "cpu_us_per_thread_per_s", num_or_null(cpu * 1e6 * per),
                  "most_switches_one_thread", most, "busy_switches_per_thread_per_s",
                  busy > 0 ? busy_sw / ((double)busy * span) : 0, "timeslices_per_thread_per_s",
                  a->has_schedstat && b->has_schedstat ? num_or_null(slices * per) : json_null(),
                  "run_us_per_thread_per_s",
                  a->has_schedstat && b->has_schedstat ? num_or_null(run * 1e6 * per) : json_null(),
                  "schedstat", a->has_schedstat && b->has_schedstat, "source",
                  "/proc/PID/task/*/status (switches), stat (CPU ticks), schedstat (time on CPU "
                  "and timeslices)"));
    free(d);
}

/* Server, machine and per-connection figures from the snapshots and the samples. */
void run_summarise(struct run_state *st, json_t *client)
{
    struct bench_ctx *ctx = st->ctx;
    const struct run_spec *r = &st->spec;
    json_t *server = json_object_get(st->run, "server");
    json_object_set_new(st->run, "machine", json_object());
    json_t *machine = json_object_get(st->run, "machine");
    summarise_memory(st);

    if (!st->before.ok || !st->after.ok) {
        json_object_set_new(server, "requests", json_null());
        return;
    }
    double wall = st->after.t - st->before.t;
    long long reqs = st->after.requests - st->before.requests;
    if (strcmp(r->mode, "nginx") == 0)
        reqs -= 1; /* the second stub_status request counted itself */
    double cpu = (st->after.cpu_user_s + st->after.cpu_system_s) -
                 (st->before.cpu_user_s + st->before.cpu_system_s);
    long long vol = st->after.ctx_vol - st->before.ctx_vol;
    long long invol = st->after.ctx_invol - st->before.ctx_invol;
    double ctx_s = wall > 0 ? (double)(vol + invol) / wall : 0;
    json_object_set_new(server, "requests", json_integer(reqs));
    json_object_set_new(server, "window_s", json_real(wall));
    json_object_set_new(server, "requests_per_s", json_real(wall > 0 ? (double)reqs / wall : 0));
    /* Answers the server refused before parsing a request (503 at admission) are not in its
     * count: compare without the client's non-2xx answers. */
    double client_total =
        client ? json_number_value(json_object_get(client, "total_requests")) -
                     json_number_value(json_object_get(json_object_get(client, "errors"), "status"))
               : 0;
    json_object_set_new(server, "crosscheck",
                        reqs > 0 && client ? json_real(client_total / (double)reqs) : json_null());
    /* Requests in flight when the client starts or stops may be counted by one side only (up
     * to one per connection at each end, as many as are pipelined on each), and
     * requests the client gave up on (timeouts, resets) may have been answered all the same. */
    json_t *cerr = client ? json_object_get(client, "errors") : NULL;
    double given_up = json_number_value(json_object_get(cerr, "timeout")) +
                      json_number_value(json_object_get(cerr, "read")) +
                      json_number_value(json_object_get(cerr, "write"));
    double in_flight = (double)r->concurrency * (r->pipeline > 1 ? r->pipeline : 1) + r->idle;
    double allowance = 2.0 * in_flight + given_up + CROSSCHECK_SHARE * (double)reqs;
    json_object_set_new(server, "crosscheck_ok",
                        json_boolean(!client || fabs(client_total - (double)reqs) <= allowance));
    json_object_set_new(server, "cpu_user_s",
                        json_real(st->after.cpu_user_s - st->before.cpu_user_s));
    json_object_set_new(server, "cpu_system_s",
                        json_real(st->after.cpu_system_s - st->before.cpu_system_s));
    json_object_set_new(server, "cpu_cores", json_real(wall > 0 ? cpu / wall : 0));
    summarise_saturation(st, wall > 0 ? cpu / wall : 0);
    summarise_client_cost(st, client);
    summarise_idle_tasks(st);
    json_object_set_new(server, "cpu_us_per_request",
                        reqs > 0 ? json_real(cpu * 1e6 / (double)reqs) : json_null());
    json_object_set_new(server, "ctx_voluntary", json_integer(vol));
    json_object_set_new(server, "ctx_involuntary", json_integer(invol));
    json_object_set_new(server, "ctx_per_s", json_real(ctx_s));
    json_object_set_new(server, "ctx_per_request",
                        reqs > 0 ? json_real((double)(vol + invol) / (double)reqs) : json_null());
    json_object_set_new(server, "ctx_source",
                        json_string(strcmp(r->mode, "nginx") == 0
                                        ? "/proc/PID/task/*/status (live threads)"
                                        : "getrusage via /stats (all threads, ended ones too)"));
    /* The direct cost of the switches against the CPU the server used. */
    if (ctx->switch_cost_ns > 0 && cpu > 0) {
        double share = (double)(vol + invol) * ctx->switch_cost_ns * 1e-9 / cpu;
        json_object_set_new(server, "switch_cpu_share", json_real(share > 1 ? 1 : share));
    } else {
        json_object_set_new(server, "switch_cpu_share", json_null());
    }
    unsigned long long mctx = st->after.machine_ctxt - st->before.machine_ctxt;
    json_object_set_new(machine, "ctx_per_s", json_real(wall > 0 ? (double)mctx / wall : 0));
    json_object_set_new(machine, "ctx_per_request",
                        reqs > 0 ? json_real((double)mctx / (double)reqs) : json_null());
    if (st->before.stats && st->after.stats)
        json_object_set_new(server, "counters", counter_deltas(st->before.stats, st->after.stats));
    else
        json_object_set_new(server, "counters", json_null());
}

/* A full connection-tracking table drops connections: whatever else the run says, that is
 * why. */
void run_judge_conntrack(struct run_state *st)
{
    long long max = st->ctx->env->conntrack_max;
    if (max <= 0)
        return;
    double peak = (double)env_conntrack_count(st->ctx->env);
    for (size_t i = 0; i < st->sampler.n; i++)
        if ((double)st->sampler.samples[i].conntrack > peak)
            peak = (double)st->sampler.samples[i].conntrack;
    if (peak >= CONNTRACK_FULL * (double)max)
        run_set_status(st, strcmp(st->status, "ok") == 0 ? "errors" : st->status,
                       "the kernel's connection-tracking table was full (%.0f of %lld entries) and "
                       "dropped new connections: %s",
                       peak, max, CONNTRACK_HOW);
}

/* The run's verdict from what the client and the server counted. */
/* What the wrapper counted over the server's life, and per request served in it (start-up
 * included: the instructions scenario's pairs of runs take it out). */
void run_summarise_wrapper(struct run_state *st)
{
    json_t *w = json_object_get(st->run, "wrapper");
    if (!json_is_object(w))
        return;
    char err[512];
    json_t *got = wrap_read(st->wrap, st->wrap_out, err, sizeof err);
    if (!got) {
        json_object_set_new(w, "error", json_string(err));
        /* The count is what a wrapped run is for. */
        run_set_status(st, "failed", "%s counted nothing: %s", wrap_name(st->wrap), err);
        return;
    }
    json_object_update(w, got);
    json_decref(got);
    long long reqs = st->after.ok ? st->after.requests : 0;
    json_object_set_new(w, "requests", reqs > 0 ? json_integer(reqs) : json_null());
    static const char *const totals[] = {"syscalls", "context_switches", "instructions"};
    for (size_t i = 0; i < sizeof totals / sizeof totals[0]; i++) {
        json_t *v = json_object_get(w, totals[i]);
        if (!json_is_integer(v))
            continue;
        char key[64];
        snprintf(key, sizeof key, "%s_per_request", totals[i]);
        json_object_set_new(w, key,
                            reqs > 0 ? json_real((double)json_integer_value(v) / (double)reqs)
                                     : json_null());
    }
    json_t *per = json_object();
    const char *name;
    json_t *v;
    json_object_foreach(json_object_get(w, "counts"), name, v)
    {
        if (reqs > 0 && strcmp(name, "Ir") != 0)
            json_object_set_new(per, name, json_real((double)json_integer_value(v) / (double)reqs));
    }
    json_object_set_new(w, "per_request", per);
}

void run_judge(struct run_state *st, json_t *client)
{
    json_t *server = json_object_get(st->run, "server");
    if (!client)
        return;
    double requests = json_number_value(json_object_get(client, "requests"));
    json_t *errs = json_object_get(client, "errors");
    double total = json_number_value(json_object_get(errs, "total"));
    /* Non-2xx responses are both requests and errors. */
    double tried = requests + total - json_number_value(json_object_get(errs, "status"));
    char classes[256] = "";
    size_t used = 0;
    static const char *const keys[] = {"connect", "read", "write", "timeout", "status", "parse"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        double v = json_number_value(json_object_get(errs, keys[k]));
        if (v > 0 && used < sizeof classes) {
            int w = snprintf(classes + used, sizeof classes - used, "%s%s %.0f", used ? ", " : "",
                             keys[k], v);
            if (w > 0)
                used += (size_t)w;
        }
    }
    double abandoned = json_number_value(json_object_get(client, "abandoned"));
    double timeouts = json_number_value(json_object_get(errs, "timeout"));
    double served = json_number_value(json_object_get(server, "requests"));
    double good = json_number_value(json_object_get(client, "good_requests"));
    if (good <= 0 && timeouts > 0 && served > 0) {
        /* The server worked, but every answer came after the client had given up: a result
         * (a pool with every worker busy, a queue longer than the timeout), not a failure. */
        char why[160] = "";
        const char *threads = NULL;
        for (int i = 0; i + 1 < st->spec.n_server_args; i++)
            if (strcmp(st->spec.server_args[i], "--threads") == 0)
                threads = st->spec.server_args[i + 1];
        if (strcmp(st->spec.mode, "pool") == 0)
            snprintf(why, sizeof why, "every worker%s%s%s was busy; ", threads ? " (" : "",
                     threads ? threads : "", threads ? ")" : "");
        run_set_status(
            st, "errors",
            "%srequests waited past the %.0f s timeout: the server answered %.0f requests "
            "(%.0f/s) in the window, each after its client had given up (client errors: "
            "%s)",
            why, st->spec.timeout_s, served,
            json_number_value(json_object_get(server, "requests_per_s")), used ? classes : "none");
    } else if (requests <= 0) {
        run_set_status(
            st, "failed",
            "no request completed in the measured time (client errors: %s; %.0f requests "
            "in flight or due when it stopped)",
            used ? classes : "none", abandoned);
    } else if (good <= 0) {
        run_set_status(st, "failed",
                       "no request succeeded in the measured time (client errors: %s)",
                       used ? classes : "none");
    } else if (total > 0 && total / tried > ERROR_SHARE_OK) {
        run_set_status(st, "errors", "client errors: %.0f (%.2f%% of requests): %s", total,
                       100 * total / tried, classes);
    }
    long long conns = (long long)st->spec.concurrency + st->spec.idle;
    double held = json_number_value(json_object_get(server, "connections_held_peak"));
    if (st->spec.keepalive && conns >= PER_CONNECTION_MIN && held > 0 &&
        held < HELD_SHARE * (double)conns)
        run_note(st,
                 "the server held at most %.0f of the %lld connections at once (sampled each "
                 "second): the client had the others open, waiting in the kernel's listen queue to "
                 "be accepted (or reconnecting)",
                 held, conns);
    json_t *counters = json_object_get(server, "counters");

    if (json_is_object(counters)) {
        json_int_t tc = counter(counters, "errors.thread_create");
        json_int_t emfile = counter(counters, "errors.emfile");
        json_int_t maxc = counter(counters, "errors.max_conns");
        if (tc > 0) {
            struct env_limit lim;
            env_refresh(st->ctx->env);
            const char *which = "pid_max, threads-max, vm.max_map_count, the cgroup's pids.max "
                                "or memory";
            if (env_check(st->ctx->env, "thread", (long long)st->spec.concurrency + st->spec.idle,
                          st->spec.sources, 0, &lim))
                which = lim.name;
            run_set_status(st, "errors",
                           "the server could not create %lld threads (limit: %s; its log says "
                           "which)",
                           (long long)tc, which);
        }
        if (emfile > 0)
            run_set_status(st, "errors",
                           "the server ran out of descriptors %lld times (RLIMIT_NOFILE)",
                           (long long)emfile);
        if (maxc > 0)
            run_set_status(st, "errors", "%lld connections over --max-conns (503)",
                           (long long)maxc);
    }
    if (strcmp(st->status, "ok") != 0 && strcmp(st->status, "skipped") != 0 &&
        !json_object_get(server, "log_tail"))
        json_object_set_new(server, "log_tail", run_log_tail(st->server_err, LOG_TAIL_BYTES));
}
