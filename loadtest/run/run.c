/* One run's lifecycle (run.h): start the server under its wrapper, sample it, warm it up, drive
 * the load generator, read the counters before and after, stop everything. How each kind of
 * server starts is in peers.c; what the figures say is analyse/summarise.c's and the verdict
 * analyse/judge.c's. */
#include "run_state.h"

#include "httpc.h"
#include "judge.h"
#include "loadgen.h"
#include "results.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

char *run_log_tail(const char *path, size_t max)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    char buf[LOG_TAIL_BYTES + 1];
    if (max > LOG_TAIL_BYTES)
        max = LOG_TAIL_BYTES;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    long from = size > (long)max ? size - (long)max : 0;
    fseek(f, from, SEEK_SET);
    size_t n = fread(buf, 1, max, f);
    fclose(f);
    buf[n] = '\0';
    /* Keep whole lines and plain text: control bytes become spaces, anything that is not ASCII
     * a question mark. */
    char *start = buf;
    if (from > 0) {
        char *nl = strchr(buf, '\n');
        if (nl)
            start = nl + 1;
    }
    for (char *p = start; *p; p++) {
        if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
            *p = ' ';
        else if ((unsigned char)*p >= 0x80)
            *p = '?';
    }
    return strdup(start);
}

static void keep_log_tail(struct run_state *st)
{
    if (st->rec->server.log_tail)
        return;
    free(st->rec->server.log_tail);
    st->rec->server.log_tail = run_log_tail(st->server_err, LOG_TAIL_BYTES);
}

static int take_snapshot(struct run_state *st, struct snapshot *s, int timeout_ms)
{
    memset(s, 0, sizeof *s);
    s->t = proc_now();
    const struct bench_server *srv = st->spec.srv;
    struct sample smp;
    /* Every task read: the switches (nginx's counters), schedstat's time on a CPU (all). */
    if (sample_take(st->pid, 0, 1, &smp) < 0) {
        snprintf(s->error, sizeof s->error, "the server process is gone");
        return -ESRCH;
    }
    s->cpu_user_s = smp.cpu_user_s;
    s->cpu_system_s = smp.cpu_system_s;
    s->run_s = smp.run_ns > 0 ? (double)smp.run_ns / 1e9 : -1;
    s->machine_ctxt = smp.machine_ctxt;
    char *body = NULL;
    const char *path = peer_status_path(srv);
    int status = httpc_get(HOST, st->port, path, timeout_ms, &body);
    if (status != 200) {
        snprintf(s->error, sizeof s->error, "%s: %s", path,
                 status < 0 ? strerror(-status) : "not 200");
        free(body);
        return -EIO;
    }
    int rc = peer_read_counters(srv, body, &smp, st->status_reads++, s);
    free(body);
    if (rc < 0)
        return rc;
    s->ok = 1;
    return 0;
}

/* The server that perf or strace started as their child; the server itself otherwise. */
static pid_t wrapped_child(const struct run_state *st)
{
    pid_t child;
    if (!wrap_forks(st->wrap))
        return st->server.pid;
    for (int i = 0; i < 50; i++) {
        if (sample_children(st->server.pid, &child, 1) == 1)
            return child;
        proc_sleep_ms(20);
    }
    return st->server.pid;
}

/* A wrapped server is stopped before its wrapper, which then writes its counts and exits
 * (perf stat killed by a signal writes nothing). */
static void stop_wrapped(struct run_state *st)
{
    if (st->wrap == WRAP_NONE || !st->server.running)
        return;
    kill(st->pid, SIGTERM);
    proc_wait(&st->server, WRAPPED_STOP_MS);
}

static int start_server(struct run_state *st)
{
    struct bench_ctx *ctx = st->ctx;
    const struct run_spec *r = &st->spec;
    const cpu_set_t *cpus = r->server_all_cpus ? &ctx->env->allowed : &ctx->env->server_cpus;
    struct proc_opts o = {
        .cpus = cpus, .stdout_path = st->server_out, .stderr_path = st->server_err};
    int ready_ms = st->wrap == WRAP_NONE ? SERVER_READY_MS : WRAPPED_READY_MS;
    ready_ms += (int)(st->spec.ready_s * 1000);
    /* A memory cgroup of its own, so that its kernel memory is its own (nginx's workers are
     * forked into it too). */
    if (ctx->cg && cgmem_group_create(ctx->cg, r->id, &st->cg) == 0)
        o.cgroup_procs = st->cg.procs;
    if (peer_start(st, &o, ready_ms) < 0)
        return -1;
    st->pid = wrapped_child(st);
    st->raw.in_cgroup = cgmem_group_holds(&st->cg, st->pid);
    return 0;
}

/* perf record reads every process's threads and mappings as it starts, a tenth of a second of
 * the load generator's CPU: started inside the measured window it stalled every model's
 * clients for as long, enough to set p99. So it starts as soon as the load does (in the
 * warm-up), sampling from t_sched_from on; turning its samples into figures costs seconds of
 * CPU, so that waits for the end of the run. */
static void sched_tick(struct run_state *st, double now)
{
    double last = st->t_sched_from + st->spec.duration_s - 2 * IDLE_TASKS_MARGIN_S;
    if (!st->want_sched || st->sched.started || st->sched_result || st->t_sched_from <= 0 ||
        now >= last)
        return;
    char data[700], log[700];
    snprintf(data, sizeof data, "%s/%s.perf.data", st->ctx->tmp_dir, st->r->id);
    snprintf(log, sizeof log, "%s/%s.perf.log", st->ctx->log_dir, st->r->id);
    const struct bench_env *env = st->ctx->env;
    int delay_ms = st->t_sched_from > now ? (int)((st->t_sched_from - now) * 1000) : 0;
    if (schedprof_start(&st->sched, st->ctx->perf_path,
                        st->spec.server_all_cpus ? &env->allowed : &env->server_cpus,
                        env->pinned ? &env->load_cpus : NULL, delay_ms, data, log) < 0)
        st->sched_result = schedprof_finish(&st->sched, st->pid);
}

/* Inside the measured window, a margin from either end: the server's threads (for the idle
 * threads' own context switches and CPU time) and perf's samples of its CPUs (for the
 * scheduler's share, sched_tick). */
static void window_tick(struct run_state *st, double now)
{
    struct run_raw *raw = &st->raw;
    sched_tick(st, now);
    if (raw->t_measure <= 0)
        return;
    if (!raw->client_sampled && st->client.running &&
        now >= raw->t_measure + st->spec.duration_s / 2)
        raw->client_sampled =
            sample_take(st->client.pid, now - raw->t_run0, 0, &raw->client_mid) == 0;
    double from = raw->t_measure + IDLE_TASKS_MARGIN_S;
    double to = raw->t_measure + st->spec.duration_s - IDLE_TASKS_MARGIN_S;
    if (raw->want_tasks) {
        if (!raw->tasks0.tasks && now >= from)
            sample_tasks(st->pid, now - raw->t_run0, &raw->tasks0);
        else if (raw->tasks0.tasks && !raw->tasks1.tasks && now >= to)
            sample_tasks(st->pid, now - raw->t_run0, &raw->tasks1);
    }
    if (st->placement && now >= raw->t_measure && now <= raw->t_measure + st->spec.duration_s)
        placement_read(st->placement, st->pid, now);
}

static int wait_client(struct run_state *st, struct proc *p, double budget_s, const char *phase,
                       double phase_s)
{
    double start = proc_now(), end = start + budget_s;
    for (;;) {
        int rc = proc_wait(p, TICK_MS);
        if (rc == 0)
            return 0;
        if (rc == -EINTR) {
            st->interrupted = 1;
            return -EINTR;
        }
        if (proc_poll(&st->server))
            return -ECHILD;
        double now = proc_now();
        if (now > end)
            return -ETIMEDOUT;
        window_tick(st, now);
        if (st->ctx->tick) {
            double left = phase_s - (now - start);
            const char *ph = phase;
            if (st->spec.tool == TOOL_LOAD && strcmp(phase, "measuring") == 0 &&
                now - start < st->spec.warmup_s) {
                ph = "warm-up";
                left = st->spec.warmup_s - (now - start);
            }
            st->ctx->tick(st->ctx->tick_arg, st->r, ph, left > 0 ? left : 0);
        }
    }
}

static void describe_server_end(struct run_state *st)
{
    char how[128];
    proc_describe_exit(&st->server, how, sizeof how);
    record_set_status(st->rec, "failed", "the server ended during the run: %s", how);
    keep_log_tail(st);
}

static int run_warmup(struct run_state *st, const char *tool_path, const char *url)
{
    const struct run_spec *r = &st->spec;
    struct loadgen_argv a;
    loadgen_build(&a, r, tool_path, NULL, url, r->warmup_s, 0, st->ctx->env->n_load_cpus, NULL);
    struct proc_opts o = {
        .cpus = &st->ctx->env->load_cpus, .stdout_path = st->warm_out, .stderr_path = st->warm_out};
    if (proc_spawn(&st->warm, "wrk", a.argv, &o) < 0)
        return -errno;
    /* where the measured window will open: after the warm-up and the settling */
    st->t_sched_from = proc_now() + r->warmup_s + SETTLE_MS / 1000.0 + IDLE_TASKS_MARGIN_S;
    int rc = wait_client(st, &st->warm, r->warmup_s + CLIENT_SLACK_S, "warm-up", r->warmup_s);
    if (rc < 0)
        proc_stop(&st->warm, 1000);
    return rc;
}

static int run_client(struct run_state *st, const char *tool_path, const char *url)
{
    const struct run_spec *r = &st->spec;
    struct loadgen_argv a;
    double warm = r->tool == TOOL_LOAD ? r->warmup_s : 0;
    loadgen_build(&a, r, tool_path, st->ctx->wrk_script, url, r->duration_s, warm,
                  st->ctx->env->n_load_cpus, st->client_json);
    json_t *jargv = json_array();
    for (int i = 1; i < a.argc; i++)
        json_array_append_new(jargv, json_string(a.argv[i]));
    record_set_json(&st->rec->client_argv, jargv);
    struct proc_opts o = {.cpus = &st->ctx->env->load_cpus,
                          .stdout_path = st->client_out,
                          .stderr_path = st->client_err};
    st->t_client_start = proc_now();
    st->raw.t_measure = st->t_client_start + warm;
    if (!st->sched.started)
        st->t_sched_from = st->raw.t_measure + IDLE_TASKS_MARGIN_S;
    if (proc_spawn(&st->client, r->tool == TOOL_WRK ? "wrk" : "c10k-load", a.argv, &o) < 0) {
        record_set_status(st->rec, "failed", "cannot start %s: %s", tool_path, strerror(errno));
        return -1;
    }
    sampler_watch_client(&st->sampler, st->client.pid);
    double budget = warm + r->duration_s + CLIENT_SLACK_S;
    int rc = wait_client(st, &st->client, budget, "measuring", warm + r->duration_s);
    st->raw.t_client_end = proc_now();
    sampler_watch_client(&st->sampler, 0);
    if (rc == -EINTR) {
        record_set_status(st->rec, "interrupted", "interrupted");
        proc_stop(&st->client, 1000);
        return -1;
    }
    if (rc == -ECHILD) {
        proc_stop(&st->client, 1000);
        describe_server_end(st);
        return -1;
    }
    if (rc == -ETIMEDOUT) {
        proc_stop(&st->client, 2000);
        record_set_status(st->rec, "failed", "the load generator did not finish within %.0f s",
                          budget);
        return -1;
    }
    if (proc_failed(&st->client)) {
        char how[128];
        proc_describe_exit(&st->client, how, sizeof how);
        char *tail = run_log_tail(r->tool == TOOL_WRK ? st->client_out : st->client_err, 400);
        record_set_status(st->rec, "failed", "%s %s: %s", r->tool == TOOL_WRK ? "wrk" : "c10k-load",
                          how, tail ? tail : "");
        free(tail);
        return -1;
    }
    return 0;
}

/* The load generator's results into the record's client figures. Returns 0, or -1 after
 * setting the status (quiet: a client stopped early may have written nothing, which is no
 * news then). */
static int read_client(struct run_state *st, int quiet)
{
    char err[1200] = "";
    json_t *c = NULL;
    const char *path = st->spec.tool == TOOL_WRK ? st->client_out : st->client_json;
    char *text = results_read_text(path, RESULTS_TEXT_MAX, NULL);
    if (!text)
        snprintf(err, sizeof err,
                 st->spec.tool == TOOL_WRK ? "cannot read %s" : "c10k-load wrote no JSON (%s)",
                 path);
    else if (st->spec.tool == TOOL_WRK)
        c = loadgen_parse_wrk(text, err, sizeof err);
    else
        c = loadgen_parse_load(text, err, sizeof err);
    free(text);
    if (!c) {
        if (!quiet)
            record_set_status(st->rec, "failed", "%s", err);
        return -1;
    }
    schema_parse(&schema_run, st->rec, c, "client");
    json_decref(c);
    return 0;
}

static const char *tool_name(enum bench_tool t)
{
    return t == TOOL_WRK ? "wrk" : "c10k-load";
}

void run_spec_record(const struct run_spec *r, struct run_record *rec)
{
    record_set_str(&rec->id, r->id);
    record_set_str(&rec->scenario, r->scn->name);
    record_set_str(&rec->model, r->model);
    record_set_str(&rec->mode, r->srv->name);
    rec->srv = r->srv;
    rec->variant = r->variant;
    rec->scn = r->scn;
    json_t *args = json_array();
    for (int i = 0; i < r->n_server_args; i++)
        json_array_append_new(args, json_string(r->server_args[i]));
    record_set_json(&rec->server_args, args);
    rec->level = r->level;
    rec->concurrency = r->concurrency;
    rec->idle_connections = r->idle;
    rec->rate = r->rate > 0 ? r->rate : NAN;
    record_set_str(&rec->path, r->path);
    rec->keepalive = r->keepalive;
    rec->source_addresses = r->sources;
    rec->warmup_s = r->warmup_s;
    rec->duration_s = r->duration_s;
    rec->ramp_per_s = r->ramp > 0 ? r->ramp : NAN;
    record_set_str(&rec->tool, tool_name(r->tool));
    rec->server_all_cpus = r->server_all_cpus;
    rec->timeout_s = r->timeout_s;
    rec->pipeline = r->pipeline > 1 ? r->pipeline : 1;
    rec->requests_limit = r->requests > 0 ? (double)r->requests : NAN;
    record_set_str(&rec->wrap, r->wrap != WRAP_NONE ? wrap_name(r->wrap) : NULL);
    rec->repetition = r->repetition > 0 ? r->repetition : 1;
    rec->load_bound = 0;
    if (!rec->notes)
        rec->notes = json_array();
}

void run_skipped(const struct run_spec *r, const char *status, const char *reason,
                 struct run_record *rec)
{
    run_spec_record(r, rec);
    record_set_str(&rec->status, status);
    record_set_str(&rec->reason, reason);
    rec->elapsed_s = 0;
}

/* Resolves the run's wrapper to a program here (syscalls: perf where it can count the syscall
 * tracepoints, else strace), or explains why the run cannot happen. */
static int pick_wrapper(struct run_state *st, char *why, size_t why_len)
{
    const struct bench_ctx *ctx = st->ctx;
    enum wrap_kind k = st->spec.wrap;
    if (k == WRAP_NONE)
        return 0;
    if (k == WRAP_SYSCALLS)
        k = ctx->perf_stat_path || !ctx->strace_path ? WRAP_PERF : WRAP_STRACE;
    const char *path = k == WRAP_PERF     ? ctx->perf_stat_path
                       : k == WRAP_STRACE ? ctx->strace_path
                                          : ctx->valgrind_path;
    if (!path) {
        snprintf(why, why_len, "%s is not installed or cannot count here (apt-get install %s)",
                 wrap_program(k), wrap_package(k));
        return -1;
    }
    st->wrap = k;
    st->wrap_path = path;
    if (k != WRAP_CALLGRIND) {
        snprintf(st->wrap_out, sizeof st->wrap_out, "%s/%s.%s", ctx->log_dir, st->r->id,
                 wrap_name(k));
        return 0;
    }
    /* One file per process, nginx's worker's too, which runs as nobody. */
    char dir[900];
    snprintf(dir, sizeof dir, "%s/%s.callgrind", ctx->log_dir, st->r->id);
    if ((mkdir(dir, 0755) < 0 && errno != EEXIST) || chmod(dir, 01777) < 0) {
        snprintf(why, why_len, "cannot create %.200s: %s", dir, strerror(errno));
        return -1;
    }
    snprintf(st->wrap_out, sizeof st->wrap_out, "%s/cg", dir);
    return 0;
}

/* Chooses the load generator, or explains why the run cannot happen. */
static const char *pick_tool(struct run_state *st, char *why, size_t why_len)
{
    struct bench_ctx *ctx = st->ctx;
    struct run_spec *r = &st->spec;
    if (r->tool == TOOL_WRK && !ctx->wrk_path && ctx->load_path && !r->tool_required)
        r->tool = TOOL_LOAD;
    if (r->tool == TOOL_LOAD && !ctx->load_path && ctx->wrk_path && !r->tool_required &&
        r->idle == 0 && r->rate <= 0) {
        r->tool = TOOL_WRK;
        r->sources = 0;
        if (r->ramp > 0)
            r->warmup_s -= (r->concurrency + r->idle) / r->ramp;
    }
    const char *path = r->tool == TOOL_WRK ? ctx->wrk_path : ctx->load_path;
    if (!path)
        snprintf(why, why_len, "%s",
                 r->tool == TOOL_WRK ? "wrk is not installed (apt-get install wrk)"
                                     : "c10k-load was not found (build clients/: it lands in "
                                       "build/bin/c10k-load)");
    return path;
}

/* Where the server's threads ran, from two readings or more. */
static void record_placement(struct run_state *st)
{
    struct placement_figures f;
    if (!st->placement || st->placement->readings < 2)
        return;
    placement_summarise(st->placement, &f);
    struct rec_placement *pl = &st->rec->placement;
    pl->present = 1;
    pl->readings = f.readings;
    pl->window_s = f.window_s;
    pl->processes = f.processes;
    pl->threads = f.threads;
    pl->cpus_busy = f.cpus_busy;
    pl->busiest_cpu_share = f.threads > 0 ? f.busiest_cpu_share : NAN;
    pl->threads_multi_cpu = f.threads_multi_cpu;
    pl->migrations = (double)f.migrations;
    record_set_str(&pl->migrations_source,
                   f.migrations_from_sched ? "se.nr_migrations" : "the readings' changes of CPU");
    json_t *shares = json_array();
    for (int c = 0; c < f.n_cpus; c++)
        json_array_append_new(shares, json_real(f.shares[c]));
    record_set_json(&pl->cpu_shares, shares);
}

static void finish(struct run_state *st)
{
    struct run_record *rec = st->rec;
    struct run_raw *raw = &st->raw;
    if (!rec->status)
        record_set_str(&rec->status, "ok");
    rec->elapsed_s = proc_now() - st->t_start;
    rec->started_at_s = st->t_start - st->ctx->t0;
    rec->events.present = 1;
    rec->events.client_start_s = st->t_client_start > 0 ? st->t_client_start - raw->t_run0 : NAN;
    rec->events.measure_start_s = raw->t_measure > 0 ? raw->t_measure - raw->t_run0 : NAN;
    rec->events.client_end_s = raw->t_client_end > 0 ? raw->t_client_end - raw->t_run0 : NAN;
    record_set_json(&rec->samples, st->sampler.samples
                                       ? summarise_samples(st->sampler.samples, st->sampler.n)
                                       : NULL);
    rec->logs.present = 1;
    record_set_str(&rec->logs.server, st->server_err);
    record_set_str(&rec->logs.server_stdout, st->server_out);
    record_set_str(&rec->logs.client, st->spec.tool == TOOL_WRK ? st->client_out : st->client_json);
    json_decref(raw->before.stats);
    json_decref(raw->after.stats);
    sampler_free(&st->sampler);
    sample_tasks_free(&raw->tasks0);
    sample_tasks_free(&raw->tasks1);
    record_placement(st);
    free(st->placement);
}

/* Waits while the connection-tracking table is too full for a run to be measured fairly.
 * Returns 0, or -EINTR. */
static int wait_conntrack(struct run_state *st)
{
    struct bench_env *env = st->ctx->env;
    double start = proc_now();
    for (;;) {
        long long count = env_conntrack_count(env);
        if (count < 0 ||
            (double)(count + st->spec.new_connections) <=
                CONNTRACK_ROOM * (double)env->conntrack_max ||
            proc_now() - start > CONNTRACK_WAIT_MAX_S)
            break;
        if (st->ctx->tick)
            st->ctx->tick(st->ctx->tick_arg, st->r, "waiting for nf_conntrack to empty",
                          CONNTRACK_WAIT_MAX_S - (proc_now() - start));
        if (proc_sleep_ms(1000) < 0)
            return -EINTR;
    }
    st->rec->conntrack_wait_s = proc_now() - start;
    return 0;
}

/* Whether this machine's limits let the run happen; if not, the record says which. */
static int check_limits(struct run_state *st)
{
    struct env_limit lim;
    struct bench_env *env = st->ctx->env;
    env_refresh(env);
    const struct bench_server *srv = st->spec.srv;
    enum env_tasks tasks = srv->process_per_connection  ? ENV_TASKS_PROCESSES
                           : srv->thread_per_connection ? ENV_TASKS_THREADS
                                                        : ENV_TASKS_NONE;
    if (!env_check(env, tasks, (long long)st->spec.concurrency + st->spec.idle, st->spec.sources, 0,
                   &lim))
        return 0;
    struct run_record *rec = st->rec;
    rec->limit.present = 1;
    record_set_str(&rec->limit.name, lim.name);
    rec->limit.have = (double)lim.have;
    rec->limit.need = (double)lim.need;
    record_set_str(&rec->limit.how, lim.how);
    record_set_str(&rec->status, "skipped");
    char reason[512];
    snprintf(reason, sizeof reason, "limit: %s is %lld, the run needs %lld (%s)", lim.name,
             lim.have, lim.need, lim.how);
    record_set_str(&rec->reason, reason);
    rec->elapsed_s = 0;
    return -1;
}

/* The server ready: its first counters, the baseline sample and the sampler. */
static int begin_sampling(struct run_state *st)
{
    struct bench_ctx *ctx = st->ctx;
    struct run_raw *raw = &st->raw;
    struct rec_server *sv = &st->rec->server;
    sv->pid = st->pid;
    sv->port = st->port;
    char cpus[64];
    env_format_cpus(st->spec.server_all_cpus ? &ctx->env->allowed : &ctx->env->server_cpus, cpus,
                    sizeof cpus);
    record_set_str(&sv->cpus, cpus);
    /* One request for the status page first: nginx's worker may still be starting (the master
     * accepts on its behalf), and either server initialises what it needs lazily. */
    char *body = NULL;
    if (httpc_get(HOST, st->port, peer_status_path(st->spec.srv), STATS_TIMEOUT_MS, &body) > 0)
        st->status_reads++;
    free(body);
    raw->t_run0 = proc_now();
    sample_take(st->pid, 0, 1, &raw->base);
    if (raw->in_cgroup)
        cgmem_read(&st->cg, &raw->base.cg);
    raw->want_tasks = st->spec.scn->sample_idle_threads &&
                      (st->spec.srv->thread_per_connection || st->spec.srv->process_per_connection);
    st->want_sched = ctx->perf_path && st->spec.scn->profile_cpu && st->wrap == WRAP_NONE;
    if (st->spec.scn->placement && st->wrap == WRAP_NONE)
        st->placement = calloc(1, sizeof *st->placement);
    if (sampler_start(&st->sampler, st->pid, raw->t_run0, SAMPLE_INTERVAL_S,
                      raw->in_cgroup ? &st->cg : NULL) < 0) {
        record_set_status(st->rec, "failed", "cannot start the sampler thread");
        return -1;
    }
    return 0;
}

/* Warm-up (wrk's is a run of its own), the counters before, the load, the counters after. */
static void drive(struct run_state *st, const char *tool_path)
{
    struct run_raw *raw = &st->raw;
    char url[128];
    snprintf(url, sizeof url, "http://%s:%d%s", HOST, st->port, st->spec.path);
    if (st->spec.tool == TOOL_WRK && st->spec.warmup_s > 0) {
        int rc = run_warmup(st, tool_path, url);
        if (rc == -EINTR || (rc == 0 && proc_sleep_ms(SETTLE_MS) < 0)) {
            record_set_status(st->rec, "interrupted", "interrupted during the warm-up");
            return;
        }
        if (rc == -ECHILD) {
            describe_server_end(st);
            return;
        }
    }
    if (take_snapshot(st, &raw->before, STATS_TIMEOUT_MS) < 0) {
        if (proc_poll(&st->server))
            describe_server_end(st);
        else
            record_set_status(st->rec, "failed", "cannot read the server's counters: %s",
                              raw->before.error);
        return;
    }
    if (run_client(st, tool_path, url) < 0 && st->interrupted)
        return;
    if (proc_poll(&st->server)) {
        if (!record_status_is(st->rec, "failed"))
            describe_server_end(st);
    } else if (take_snapshot(st, &raw->after, STATS_AFTER_TIMEOUT_MS) < 0) {
        record_set_status(st->rec, "failed", "cannot read the server's counters after the run: %s",
                          raw->after.error);
    }
    sampler_stop(&st->sampler);
    if (st->sched.started && !st->sched_result && !proc_poll(&st->server))
        st->sched_result = schedprof_finish(&st->sched, peer_serving_pid(st));
    if (!st->client.running && raw->t_client_end > 0 && !proc_failed(&st->client) &&
        !record_status_is(st->rec, "interrupted"))
        read_client(st, st->client.stopped_by_us && !record_status_is(st->rec, "ok"));
    raw->samples = st->sampler.samples;
    raw->n_samples = st->sampler.n;
    summarise_run(raw, st->rec);
    struct judge_context cx = {
        .env = st->ctx->env,
        .pool_workers = NAN,
    };
    json_t *workers = schema_json_at(raw->before.stats, "pool.workers");
    if (json_is_number(workers))
        cx.pool_workers = json_number_value(workers);
    judge_run(st->rec, &cx);
    if (!record_status_is(st->rec, "ok") && !record_status_is(st->rec, "skipped"))
        keep_log_tail(st);
}

/* Stops everything the run started, and reads what the wrapper and perf counted. */
static void wind_up(struct run_state *st)
{
    struct run_record *rec = st->rec;
    sampler_stop(&st->sampler);
    proc_stop(&st->warm, 1000);
    proc_stop(&st->client, 1000);
    if (st->server.pid > 0) {
        int crashed_before = !st->server.running;
        stop_wrapped(st);
        proc_stop(&st->server, STOP_GRACE_MS);
        char how[128];
        proc_describe_exit(&st->server, how, sizeof how);
        rec->server.present = 1;
        record_set_str(&rec->server.exit, how);
        if (crashed_before)
            keep_log_tail(st);
    }
    cgmem_group_remove(&st->cg);
    if (st->wrap != WRAP_NONE) {
        char err[512];
        json_t *got = wrap_read(st->wrap, st->wrap_out, err, sizeof err);
        if (got) {
            summarise_wrapper(rec, got, &st->raw.after);
            json_decref(got);
        } else {
            record_set_str(&rec->wrapper.error, err);
            /* The count is what a wrapped run is for. */
            record_set_status(rec, "failed", "%s counted nothing: %s", wrap_name(st->wrap), err);
        }
    }
    if (st->sched.started && !st->sched_result) /* the run ended early: no figures */
        proc_stop(&st->sched.perf, 1000);
    if (st->sched_result) {
        schema_parse(&schema_run, rec, st->sched_result, "scheduler");
        json_decref(st->sched_result);
    }
    if (proc_interrupted() && !record_status_is(rec, "interrupted") && rec->client.present != 1) {
        record_set_status(rec, "interrupted", "interrupted");
    } else {
        struct bench_env *env = st->ctx->env;
        double peak = (double)env_conntrack_count(env);
        for (size_t i = 0; i < st->sampler.n; i++)
            if ((double)st->sampler.samples[i].conntrack > peak)
                peak = (double)st->sampler.samples[i].conntrack;
        judge_conntrack(rec, peak, env->conntrack_max);
    }
}

void run_execute(struct bench_ctx *ctx, const struct run_spec *r, struct run_record *rec)
{
    struct run_state st;
    memset(&st, 0, sizeof st);
    st.ctx = ctx;
    st.r = r;
    st.spec = *r;
    st.rec = rec;
    st.t_start = st.raw.t_run0 = proc_now();
    st.raw.spec = &st.spec;
    st.raw.env = ctx->env;
    st.raw.switch_cost_ns = ctx->switch_cost_ns;
    st.raw.cg = &st.cg;

    char why[256];
    const char *tool_path = pick_tool(&st, why, sizeof why);
    if (!tool_path || pick_wrapper(&st, why, sizeof why) < 0) {
        run_skipped(r, "skipped", why, rec);
        return;
    }
    const char *missing = peer_unavailable(ctx, r->srv);
    if (missing) {
        run_skipped(r, "skipped", missing, rec);
        return;
    }
    if (ctx->refused[server_id_of(r->srv)][0]) {
        run_skipped(r, "skipped", ctx->refused[server_id_of(r->srv)], rec);
        return;
    }
    run_spec_record(&st.spec, rec);
    if (check_limits(&st) < 0)
        return;
    rec->server.present = 1;

    snprintf(st.server_out, sizeof st.server_out, "%s/%s.server.out", ctx->log_dir, r->id);
    snprintf(st.server_err, sizeof st.server_err, "%s/%s.server.log", ctx->log_dir, r->id);
    snprintf(st.client_out, sizeof st.client_out, "%s/%s.client.out", ctx->log_dir, r->id);
    snprintf(st.client_err, sizeof st.client_err, "%s/%s.client.log", ctx->log_dir, r->id);
    snprintf(st.client_json, sizeof st.client_json, "%s/%s.client.json", ctx->log_dir, r->id);
    snprintf(st.warm_out, sizeof st.warm_out, "%s/%s.warmup.out", ctx->log_dir, r->id);

    if (wait_conntrack(&st) < 0) {
        record_set_status(rec, "interrupted", "interrupted");
    } else {
        if (ctx->tick)
            ctx->tick(ctx->tick_arg, r, "starting", 0);
        if (start_server(&st) == 0 && begin_sampling(&st) == 0)
            drive(&st, tool_path);
    }
    wind_up(&st);
    finish(&st);
}
