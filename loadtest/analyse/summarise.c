/* What a local run's samples and counters say (summarise.h): the client's and the server's
 * figures side by side, memory and kernel memory per connection, how busy the server's CPUs and
 * the load generator were, the idle threads' own switches, and what a wrapper counted. */
#include "summarise.h"

#include "env.h"
#include "judge.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Below this many connections, the memory per connection is mostly noise (machine-wide kernel
 * counters move by more than a few connections cost). */
#define PER_CONNECTION_MIN 100

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

/* The smaps figures, NaN in a sample that did not read them. */
static double f_processes(const struct sample *s, const struct sample *b)
{
    (void)b;
    return (double)s->processes;
}

static double f_pss(const struct sample *s, const struct sample *b)
{
    (void)b;
    return s->smaps_read ? (double)s->pss_bytes : NAN;
}

static double f_pss_delta(const struct sample *s, const struct sample *b)
{
    return s->smaps_read && b->smaps_read ? (double)s->pss_bytes - (double)b->pss_bytes : NAN;
}

static double f_uss(const struct sample *s, const struct sample *b)
{
    (void)b;
    return s->smaps_read ? (double)s->uss_bytes : NAN;
}

static double f_shared(const struct sample *s, const struct sample *b)
{
    (void)b;
    return s->smaps_read ? (double)s->shared_bytes : NAN;
}

static double f_uss_per_process(const struct sample *s, const struct sample *b)
{
    (void)b;
    return s->smaps_read && s->processes > 0 ? (double)s->uss_bytes / (double)s->processes : NAN;
}

/* A worker's private bytes: the processes' but the root's (the master, the asyncio front) over
 * their number; a server of one process is its own worker. */
static double f_uss_per_worker(const struct sample *s, const struct sample *b)
{
    (void)b;
    if (!s->smaps_read || s->processes < 1)
        return NAN;
    if (s->processes == 1)
        return (double)s->uss_bytes;
    return (double)s->worker_uss_bytes / (double)(s->processes - 1);
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
static double window_median(const struct run_raw *raw, double w0, double w1, sample_field f)
{
    double v[SAMPLER_MAX];
    size_t n = 0;
    for (size_t i = 0; i < raw->n_samples; i++) {
        const struct sample *s = &raw->samples[i];
        double x = s->alive && s->t >= w0 && s->t <= w1 ? f(s, &raw->base) : NAN;
        if (isfinite(x))
            v[n++] = x;
    }
    return median(v, n);
}

/* The last sample of the window with a figure: what a quantity that only grows reached. */
static double window_last(const struct run_raw *raw, double w0, double w1, sample_field f)
{
    double last = NAN;
    for (size_t i = 0; i < raw->n_samples; i++) {
        const struct sample *s = &raw->samples[i];
        double x = s->alive && s->t >= w0 && s->t <= w1 ? f(s, &raw->base) : NAN;
        if (isfinite(x))
            last = x;
    }
    return last;
}

static double sampled_peak(const struct run_raw *raw, sample_field f)
{
    double peak = 0;
    for (size_t i = 0; i < raw->n_samples; i++)
        if (raw->samples[i].alive && f(&raw->samples[i], &raw->base) > peak)
            peak = f(&raw->samples[i], &raw->base);
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
static double window_spread(const struct run_raw *raw, double w0, double w1, sample_field f)
{
    double lo = INFINITY, hi = -INFINITY;
    size_t n = 0;
    for (size_t i = 0; i < raw->n_samples; i++) {
        const struct sample *s = &raw->samples[i];
        double v = s->alive && s->t >= w0 && s->t <= w1 ? f(s, &raw->base) : NAN;
        if (!isfinite(v))
            continue;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
        n++;
    }
    return n >= 2 ? hi - lo : NAN;
}

/* ---- The per-second samples ---- */

json_t *summarise_samples(const struct sample *samples, size_t n)
{
    json_t *t = json_array(), *rss = json_array(), *vsz = json_array(), *thr = json_array(),
           *fds = json_array(), *cores = json_array(), *ctx = json_array(), *mctx = json_array(),
           *ks = json_array(), *pt = json_array(), *tcp = json_array(), *inuse = json_array(),
           *slab = json_array(), *ct = json_array();
    const struct sample *prev = NULL, *prev_tasks = NULL;
    for (size_t i = 0; i < n; i++) {
        const struct sample *s = &samples[i];
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

/* ---- Memory ---- */

/* One per-connection figure: the window's median change over the baseline, divided by the
 * connections, or absent when that change is within the method's resolution (the kernel's
 * charge batches, the window's own spread): a figure that small, or below zero, is not one.
 * Its name joins below[] then, and *sum_part is 0 (nothing measurable, for the sums). */
static double per_conn(const struct run_raw *raw, double w0, double w1, sample_field f,
                       double conns, double granularity, const char *name, json_t *below,
                       double *sum_part)
{
    double delta = window_median(raw, w0, w1, f);
    double spread = window_spread(raw, w0, w1, f);
    double resolution = isfinite(spread) && spread > granularity ? spread : granularity;
    double dummy;
    if (!sum_part)
        sum_part = &dummy;
    *sum_part = NAN;
    if (!isfinite(delta))
        return NAN;
    if (delta < resolution) {
        json_array_append_new(
            below, json_pack("{s:s, s:f}", "figure", name, "resolution_bytes", resolution / conns));
        *sum_part = 0;
        return NAN;
    }
    *sum_part = delta / conns;
    return *sum_part;
}

/* Every process of the server by sharing: what a pool of processes costs where RSS, summed,
 * counts each shared page once per process. */
static void summarise_tree(const struct run_raw *raw, double w0, double w1, struct rec_server *sv)
{
    const struct sample *b = &raw->base;
    sv->tree.present = b->smaps_read;
    if (!sv->tree.present)
        return;
    sv->tree.processes = window_median(raw, w0, w1, f_processes);
    sv->tree.processes_peak = sampled_peak(raw, f_processes);
    sv->tree.pss_baseline_bytes = (double)b->pss_bytes;
    sv->tree.pss_bytes = window_median(raw, w0, w1, f_pss);
    sv->tree.pss_peak_bytes = sampled_peak(raw, f_pss);
    sv->tree.uss_bytes = window_median(raw, w0, w1, f_uss);
    sv->tree.shared_bytes = window_median(raw, w0, w1, f_shared);
    sv->tree.uss_per_process_bytes = window_median(raw, w0, w1, f_uss_per_process);
    sv->tree.uss_per_worker_bytes = window_last(raw, w0, w1, f_uss_per_worker);
    sv->tree.uss_per_worker_baseline_bytes = f_uss_per_worker(b, b);
}

/* The server's memory, its kernel memory (its own cgroup where it has one, the machine's as the
 * second source), and per open connection. */
static void summarise_memory(const struct run_raw *raw, struct run_record *r)
{
    const struct run_spec *spec = raw->spec;
    struct rec_server *sv = &r->server;
    struct rec_machine *m = &r->machine;
    double w0 = raw->t_measure - raw->t_run0, w1 = raw->t_client_end - raw->t_run0;
    size_t n = 0;
    for (size_t i = 0; i < raw->n_samples; i++)
        n += raw->samples[i].alive && raw->samples[i].t >= w0 && raw->samples[i].t <= w1;
    const struct sample *b = &raw->base;
    sv->rss_baseline_bytes = (double)b->rss_bytes;
    sv->vsize_baseline_bytes = (double)b->vsize_bytes;
    sv->threads_baseline = (double)b->threads;
    sv->rss_bytes = window_median(raw, w0, w1, f_rss);
    sv->rss_peak_bytes = sampled_peak(raw, f_rss);
    sv->vsize_bytes = window_median(raw, w0, w1, f_vsize);
    sv->vsize_peak_bytes = sampled_peak(raw, f_vsize);
    sv->threads = window_median(raw, w0, w1, f_threads);
    sv->threads_peak = sampled_peak(raw, f_threads);
    sv->fds_peak = sampled_peak(raw, f_fds);
    /* Each open connection is a descriptor in the server: how many it held at most. */
    double held = sampled_peak(raw, f_fds) - (double)b->fds;
    sv->connections_held_peak = held > 0 ? held : 0;
    sv->samples_in_window = (double)n;
    summarise_tree(raw, w0, w1, sv);

    /* The server's own kernel memory, from its cgroup, against the baseline before the load. */
    int cg = raw->in_cgroup && b->cg.ok;
    sv->cgroup.present = cg;
    if (cg) {
        sv->cgroup.version = raw->cg->version;
        record_set_str(&sv->cgroup.path, raw->cg->rel);
        sv->cgroup.kernel_delta_bytes = window_median(raw, w0, w1, f_cg_kernel);
        sv->cgroup.sock_delta_bytes = window_median(raw, w0, w1, f_cg_sock);
        sv->cgroup.kernel_stack_delta_bytes = window_median(raw, w0, w1, f_cg_kstack);
        sv->cgroup.page_tables_delta_bytes = window_median(raw, w0, w1, f_cg_ptables);
        sv->cgroup.slab_delta_bytes = window_median(raw, w0, w1, f_cg_slab);
        sv->cgroup.kernel_baseline_bytes = (double)b->cg.kernel_bytes;
    }

    /* Machine-wide kernel memory in the window, against the baseline before the load. */
    m->present = 1;
    m->kernel_stack_delta_bytes = window_median(raw, w0, w1, f_kstack);
    m->page_tables_delta_bytes = window_median(raw, w0, w1, f_ptables);
    m->tcp_mem_delta_bytes = window_median(raw, w0, w1, f_tcp);
    m->slab_unreclaimable_delta_bytes = window_median(raw, w0, w1, f_slab);
    m->tcp_inuse_peak = sampled_peak(raw, f_inuse);
    m->conntrack_peak = b->conntrack >= 0 ? sampled_peak(raw, f_conntrack) : NAN;

    long long conns = (long long)spec->concurrency + spec->idle;
    if (!spec->keepalive || conns < PER_CONNECTION_MIN || n == 0)
        return;
    /* Per connection the server held: a thread server that could not keep up with the
     * connects left the rest in the listen queue, and they cost it nothing yet. */
    double holding = window_median(raw, w0, w1, f_fds_delta);
    double c = isfinite(holding) && holding >= 1 && holding < (double)conns ? round(holding)
                                                                            : (double)conns;
    double g = cgmem_resolution_bytes(), page = (double)sysconf(_SC_PAGESIZE);
    struct rec_per_connection *pc = &r->per_connection;
    json_t *below = json_array();
    double user, kernel, mk;
    pc->present = 1;
    pc->connections = c;
    pc->connections_opened = (double)conns;
    pc->rss_bytes = per_conn(raw, w0, w1, f_rss_delta, c, page, "rss_bytes", below, &user);
    if (sv->tree.present) {
        double pss;
        pc->pss_bytes = per_conn(raw, w0, w1, f_pss_delta, c, page, "pss_bytes", below, &pss);
        /* Several processes: their VmRSS sum counts a shared page once per process. */
        if (sv->tree.processes > 1)
            user = pss;
    }
    pc->machine.present = 1;
    pc->machine.kernel_bytes =
        per_conn(raw, w0, w1, f_machine_kernel, c, g, "machine.kernel_bytes", below, &mk);
    pc->machine.kernel_stack_bytes =
        per_conn(raw, w0, w1, f_kstack, c, g, "machine.kernel_stack_bytes", below, NULL);
    pc->machine.page_tables_bytes =
        per_conn(raw, w0, w1, f_ptables, c, g, "machine.page_tables_bytes", below, NULL);
    pc->machine.tcp_mem_bytes =
        per_conn(raw, w0, w1, f_tcp, c, g, "machine.tcp_mem_bytes", below, NULL);
    pc->machine.slab_bytes = per_conn(raw, w0, w1, f_slab, c, g, "machine.slab_bytes", below, NULL);
    if (cg) {
        double ck;
        pc->cgroup.present = 1;
        pc->cgroup.kernel_bytes =
            per_conn(raw, w0, w1, f_cg_kernel, c, g, "cgroup.kernel_bytes", below, &ck);
        pc->cgroup.sock_bytes =
            per_conn(raw, w0, w1, f_cg_sock, c, g, "cgroup.sock_bytes", below, NULL);
        if (raw->cg->version == 2) {
            pc->cgroup.kernel_stack_bytes =
                per_conn(raw, w0, w1, f_cg_kstack, c, g, "cgroup.kernel_stack_bytes", below, NULL);
            pc->cgroup.page_tables_bytes =
                per_conn(raw, w0, w1, f_cg_ptables, c, g, "cgroup.page_tables_bytes", below, NULL);
            pc->cgroup.slab_bytes =
                per_conn(raw, w0, w1, f_cg_slab, c, g, "cgroup.slab_bytes", below, NULL);
        }
        kernel = ck;
        pc->kernel_bytes = pc->cgroup.kernel_bytes;
    } else {
        kernel = mk;
        pc->kernel_bytes = pc->machine.kernel_bytes;
    }
    record_set_str(&pc->kernel_source, cgmem_source(cg ? raw->cg->version : 0));
    pc->total_bytes = isfinite(user) && isfinite(kernel) ? user + kernel : NAN;
    pc->vsize_bytes = per_conn(raw, w0, w1, f_vsize_delta, c, page, "vsize_bytes", below, NULL);
    record_set_json(&pc->below_resolution, below);
}

/* ---- Who set the pace ---- */

/* The load generator's CPU seconds per second over the measured window, from the first and
 * last samples inside it that read it; NaN with fewer than two. */
static double client_cores(const struct run_raw *raw)
{
    double w0 = raw->t_measure - raw->t_run0, w1 = raw->t_client_end - raw->t_run0;
    const struct sample *first = NULL, *last = NULL;
    for (size_t i = 0; i < raw->n_samples; i++) {
        const struct sample *s = &raw->samples[i];
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

/* The machine's CPUs over the measured window, from the first and last samples inside it that
 * read /proc/stat: the idle, iowait, softirq and steal shares of all their time, in %. */
static void summarise_machine_cpu(const struct run_raw *raw, struct run_record *r)
{
    double w0 = raw->t_measure - raw->t_run0, w1 = raw->t_client_end - raw->t_run0;
    const struct sample *first = NULL, *last = NULL;
    for (size_t i = 0; i < raw->n_samples; i++) {
        const struct sample *s = &raw->samples[i];
        if (s->t < w0 || s->t > w1 || s->cpu_ticks[SAMPLE_CPU_IDLE] == 0)
            continue;
        if (!first)
            first = s;
        last = s;
    }
    double d[SAMPLE_CPU_STATES], total = 0;
    for (int i = 0; i < SAMPLE_CPU_STATES; i++) {
        d[i] = first && last != first ? (double)(last->cpu_ticks[i] - first->cpu_ticks[i]) : 0;
        total += d[i];
    }
    struct rec_machine *m = &r->machine;
    m->idle_pct = total > 0 ? 100 * d[SAMPLE_CPU_IDLE] / total : NAN;
    m->iowait_pct = total > 0 ? 100 * d[SAMPLE_CPU_IOWAIT] / total : NAN;
    m->softirq_pct = total > 0 ? 100 * d[SAMPLE_CPU_SOFTIRQ] / total : NAN;
    m->steal_pct = total > 0 ? 100 * d[SAMPLE_CPU_STEAL] / total : NAN;
}

/* Which side set the pace: a throughput figure measures the server only when its CPUs were
 * saturated; when they were not and the load generator's were, the run is load-bound. */
static void summarise_saturation(const struct run_raw *raw, struct run_record *r,
                                 double server_cores)
{
    const struct bench_env *env = raw->env;
    const struct run_spec *spec = raw->spec;
    int server_cpus = spec->server_all_cpus ? env->cpus_allowed : env->n_server_cpus;
    if (server_cpus < 1)
        server_cpus = env->cpus_allowed > 0 ? env->cpus_allowed : 1;
    int load_cpus = env->n_load_cpus > 0 ? env->n_load_cpus : 1;
    int threads =
        spec->concurrency < load_cpus ? (spec->concurrency > 0 ? spec->concurrency : 1) : load_cpus;
    struct rec_saturation *s = &r->saturation;
    s->present = 1;
    s->server_busy = server_cores / server_cpus;
    s->server_cpus = server_cpus;
    s->client_cores = client_cores(raw);
    s->client_busy = s->client_cores / threads;
    s->client_threads = threads;
    judge_bottleneck(r, spec->rate > 0, "local");
}

/* What the load generator cost: its CPU per request over the window, and its process halfway
 * through it (descriptors, memory, threads). */
static void summarise_client_cost(const struct run_raw *raw, struct run_record *r)
{
    double rps = r->client.requests_per_s;
    r->saturation.client_cpu_us_per_request = isfinite(r->saturation.client_cores) && rps > 0
                                                  ? r->saturation.client_cores * 1e6 / rps
                                                  : NAN;
    const struct sample *m = &raw->client_mid;
    r->client_process.present = raw->client_sampled;
    if (raw->client_sampled) {
        r->client_process.t = m->t;
        r->client_process.rss_bytes = (double)m->rss_bytes;
        r->client_process.vsize_bytes = (double)m->vsize_bytes;
        r->client_process.fds = (double)m->fds;
        r->client_process.threads = (double)m->threads;
    }
}

/* ---- Idle threads ---- */

struct idle_task {
    double switches, cpu_s, slices, run_s;
};

/* Every thread that was there at both ends of the window, less the server's own (as many as it
 * had before the load: the acceptor, timers). Returns how many went into d. */
static size_t idle_task_deltas(const struct run_raw *raw, struct idle_task *d, size_t n)
{
    const struct task_snapshot *a = &raw->tasks0, *b = &raw->tasks1;
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
            if ((long long)i >= (long long)raw->base.threads && m < n) {
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
    return m;
}

/* What the idle connections' threads did themselves in the window, less the busiest ones, one
 * per busy connection. */
static void summarise_idle_tasks(const struct run_raw *raw, struct run_record *r)
{
    const struct task_snapshot *a = &raw->tasks0, *b = &raw->tasks1;
    struct rec_idle_threads *it = &r->idle_threads;
    if (!raw->want_tasks)
        return;
    it->present = 1;
    if (!a->tasks || !b->tasks || b->t <= a->t) {
        record_set_str(&it->error, "the threads were not read at both ends of the window");
        return;
    }
    size_t n = a->n < b->n ? a->n : b->n;
    struct idle_task *d = calloc(n ? n : 1, sizeof *d);
    if (!d)
        return;
    size_t m = idle_task_deltas(raw, d, n);
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
    size_t busy = (size_t)raw->spec->concurrency < m ? (size_t)raw->spec->concurrency : m;
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
    free(d);
    size_t idle = m - busy;
    double span = b->t - a->t;
    double per = idle > 0 ? 1.0 / ((double)idle * span) : NAN;
    int schedstat = a->has_schedstat && b->has_schedstat;
    it->threads = (double)idle;
    it->busy_threads_left_out = (double)busy;
    it->window_s = span;
    it->switches = sw;
    it->cpu_s = cpu;
    it->switches_per_thread_per_s = sw * per;
    it->cpu_us_per_thread_per_s = cpu * 1e6 * per;
    it->most_switches_one_thread = most;
    it->busy_switches_per_thread_per_s = busy > 0 ? busy_sw / ((double)busy * span) : 0;
    it->timeslices_per_thread_per_s = schedstat ? slices * per : NAN;
    it->run_us_per_thread_per_s = schedstat ? run * 1e6 * per : NAN;
    it->schedstat = schedstat;
    record_set_str(&it->source, "/proc/PID/task/*/status (switches), stat (CPU ticks), schedstat "
                                "(time on CPU and timeslices)");
}

/* ---- The server's counters ---- */

/* Deltas of the /stats counters that tell why requests failed on the server's side, by the
 * server's names ("errors.thread_create"), and the refusals the judge reads of them. */
static void summarise_counters(const json_t *before, const json_t *after, struct run_record *r)
{
    json_t *out = json_object();
    static const char *const groups[] = {"errors", "connections"};
    static const char *const gauges[] = {"active", "reading", "writing", "waiting"};
    for (size_t g = 0; g < 2; g++) {
        json_t *a = json_object_get(after, groups[g]), *b = json_object_get(before, groups[g]);
        const char *key;
        json_t *v;
        json_object_foreach(a, key, v)
        {
            if (!json_is_integer(v))
                continue;
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
    record_set_json(&r->server.counters, out);
    judge_refusals_from_counters(r);
}

/* ---- Everything ---- */

void summarise_run(const struct run_raw *raw, struct run_record *r)
{
    const struct run_spec *spec = raw->spec;
    struct rec_server *sv = &r->server;
    summarise_memory(raw, r);
    if (!raw->before.ok || !raw->after.ok)
        return;
    double wall = raw->after.t - raw->before.t;
    long long reqs = raw->after.requests - raw->before.requests;
    if (spec->srv->kind == SERVER_NGINX)
        reqs -= 1; /* the second stub_status request counted itself */
    double cpu = (raw->after.cpu_user_s + raw->after.cpu_system_s) -
                 (raw->before.cpu_user_s + raw->before.cpu_system_s);
    long long vol = raw->after.ctx_vol - raw->before.ctx_vol;
    long long invol = raw->after.ctx_invol - raw->before.ctx_invol;
    sv->requests = (double)reqs;
    sv->window_s = wall;
    sv->requests_per_s = wall > 0 ? (double)reqs / wall : 0;
    judge_crosscheck(r);
    sv->cpu_user_s = raw->after.cpu_user_s - raw->before.cpu_user_s;
    sv->cpu_system_s = raw->after.cpu_system_s - raw->before.cpu_system_s;
    sv->cpu_cores = wall > 0 ? cpu / wall : 0;
    summarise_machine_cpu(raw, r); /* the judge reads it for a run neither side saturated */
    summarise_saturation(raw, r, wall > 0 ? cpu / wall : 0);
    summarise_client_cost(raw, r);
    summarise_idle_tasks(raw, r);
    sv->cpu_us_per_request = reqs > 0 ? cpu * 1e6 / (double)reqs : NAN;
    int run = raw->before.run_s >= 0 && raw->after.run_s >= raw->before.run_s;
    sv->run_s = run ? raw->after.run_s - raw->before.run_s : NAN;
    sv->run_us_per_request = run && reqs > 0 ? sv->run_s * 1e6 / (double)reqs : NAN;
    sv->ctx_voluntary = (double)vol;
    sv->ctx_involuntary = (double)invol;
    sv->ctx_per_s = wall > 0 ? (double)(vol + invol) / wall : 0;
    sv->ctx_per_request = reqs > 0 ? (double)(vol + invol) / (double)reqs : NAN;
    record_set_str(&sv->ctx_source, spec->srv->kind == SERVER_NGINX
                                        ? "/proc/PID/task/*/status (live threads)"
                                        : "getrusage via /stats (all threads, ended ones too)");
    /* The direct cost of the switches against the CPU the server used. */
    if (raw->switch_cost_ns > 0 && cpu > 0) {
        double share = (double)(vol + invol) * raw->switch_cost_ns * 1e-9 / cpu;
        sv->switch_cpu_share = share > 1 ? 1 : share;
    }
    unsigned long long mctx = raw->after.machine_ctxt - raw->before.machine_ctxt;
    r->machine.ctx_per_s = wall > 0 ? (double)mctx / wall : 0;
    r->machine.ctx_per_request = reqs > 0 ? (double)mctx / (double)reqs : NAN;
    if (raw->before.stats && raw->after.stats)
        summarise_counters(raw->before.stats, raw->after.stats, r);
}

/* ---- A wrapper's counts ---- */

void summarise_wrapper(struct run_record *r, const json_t *got, const struct snapshot *after)
{
    struct rec_wrapper *w = &r->wrapper;
    schema_parse(&schema_run, r, got, "wrapper");
    w->present = 1;
    long long reqs = after->ok ? after->requests : 0;
    w->requests = reqs > 0 ? (double)reqs : NAN;
    w->syscalls_per_request = reqs > 0 ? w->syscalls / (double)reqs : NAN;
    w->context_switches_per_request = reqs > 0 ? w->context_switches / (double)reqs : NAN;
    w->instructions_per_request = reqs > 0 ? w->instructions / (double)reqs : NAN;
    json_t *per = json_object();
    const char *name;
    json_t *v;
    json_object_foreach(w->counts, name, v)
    {
        if (reqs > 0 && strcmp(name, "Ir") != 0)
            json_object_set_new(per, name, json_real((double)json_integer_value(v) / (double)reqs));
    }
    record_set_json(&w->per_request, per);
}
