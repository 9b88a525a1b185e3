/* One run's lifecycle (run.h): start the server under its wrapper, sample it, warm it up, drive
 * the load generator, read the counters before and after, stop everything; what the figures
 * say is in run_analysis.c, the nginx baseline's files in run_nginx.c. */
#include "run_state.h"

#include "freeport.h"
#include "httpc.h"
#include "listening.h"
#include "loadgen.h"
#include "results.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The first failure wins; later ones are appended to the reason. */
void run_set_status(struct run_state *st, const char *status, const char *fmt, ...)
{
    static const char *const rank[] = {"ok", "errors", "failed", "skipped", "interrupted"};
    int cur = 0, want = 0;
    for (int i = 0; i < 5; i++) {
        if (strcmp(st->status, rank[i]) == 0)
            cur = i;
        if (strcmp(status, rank[i]) == 0)
            want = i;
    }
    if (want > cur)
        snprintf(st->status, sizeof st->status, "%s", status);
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t used = strlen(st->reason);
    snprintf(st->reason + used, sizeof st->reason - used, "%s%s", used ? "; " : "", msg);
}

void run_note(struct run_state *st, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *notes = json_object_get(st->run, "notes");
    json_array_append_new(notes, json_string(msg));
}

json_t *run_log_tail(const char *path, size_t max)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return json_null();
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
    /* Keep whole lines and valid text. */
    char *start = buf;
    if (from > 0) {
        char *nl = strchr(buf, '\n');
        if (nl)
            start = nl + 1;
    }
    for (char *p = start; *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
            *p = ' ';
    json_t *s = json_stringn_nocheck(start, strlen(start));
    if (!json_is_string(s) || !json_string_value(s)) {
        json_decref(s);
        return json_string("(log is not text)");
    }
    /* json_stringn_nocheck does not validate UTF-8; replace anything that is not ASCII. */
    char *copy = strdup(start);
    json_decref(s);
    if (!copy)
        return json_null();
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    s = json_string(copy);
    free(copy);
    return s ? s : json_null();
}

static int take_snapshot(struct run_state *st, struct snapshot *s, int timeout_ms)
{
    memset(s, 0, sizeof *s);
    s->t = proc_now();
    int nginx = strcmp(st->spec.mode, "nginx") == 0;
    struct sample smp;
    if (sample_take(st->pid, 0, nginx, &smp) < 0) {
        snprintf(s->error, sizeof s->error, "the server process is gone");
        return -ESRCH;
    }
    s->cpu_user_s = smp.cpu_user_s;
    s->cpu_system_s = smp.cpu_system_s;
    s->machine_ctxt = smp.machine_ctxt;
    char *body = NULL;
    int status = httpc_get(HOST, st->port, nginx ? "/nginx_status" : "/stats", timeout_ms, &body);
    if (status != 200) {
        snprintf(s->error, sizeof s->error, "%s: %s", nginx ? "stub_status" : "/stats",
                 status < 0 ? strerror(-status) : "not 200");
        free(body);
        return -EIO;
    }
    if (nginx) {
        s->requests = run_parse_stub_status(body);
        s->ctx_vol = (long long)smp.ctx_voluntary;
        s->ctx_invol = (long long)smp.ctx_involuntary;
        free(body);
        if (s->requests < 0) {
            snprintf(s->error, sizeof s->error, "stub_status did not parse");
            return -EPROTO;
        }
        s->ok = 1;
        return 0;
    }
    json_error_t je;
    s->stats = json_loads(body, 0, &je);
    free(body);
    json_int_t total = 0, stats_reqs = 0, vol = 0, invol = 0;
    if (!s->stats ||
        json_unpack_ex(s->stats, &je, 0, "{s:{s:I, s:{s:I}}, s:{s:I, s:I}}", "requests", "total",
                       &total, "by_endpoint", "stats", &stats_reqs, "process", "ctx_voluntary",
                       &vol, "ctx_involuntary", &invol) < 0) {
        snprintf(s->error, sizeof s->error, "/stats lacks a field: %.90s", je.text);
        return -EPROTO;
    }
    s->requests = total - stats_reqs;
    s->ctx_vol = vol;
    s->ctx_invol = invol;
    s->ok = 1;
    return 0;
}

/* A server that cannot run a model here (not built in, or the kernel forbids what it needs)
 * exits with status 2 after one line saying why: copies that line into line and returns 1. */
static int server_refused(const struct proc *p, const char *err_path, char *line, size_t len)
{
    if (p->running || !WIFEXITED(p->status) || WEXITSTATUS(p->status) != 2)
        return 0;
    FILE *f = fopen(err_path, "re");
    if (!f)
        return 0;
    char extra[8];
    int one = fgets(line, (int)len, f) && strchr(line, '\n') && !fgets(extra, sizeof extra, f);
    fclose(f);
    if (!one)
        return 0;
    line[strcspn(line, "\r\n")] = '\0';
    return line[0] != '\0';
}

/* The model index of a --mode name, or -1 (nginx). */
static int mode_index(const char *mode)
{
    for (int i = 0; i < MODE_COUNT; i++)
        if (strcmp(plan_mode_name(1u << i), mode) == 0)
            return i;
    return -1;
}

static void remember_refusal(struct bench_ctx *ctx, const char *mode, const char *line)
{
    int i = mode_index(mode);
    if (i >= 0)
        snprintf(ctx->refused[i], sizeof ctx->refused[i], "%s", line);
}

/* The server's argv under the run's wrapper (the wrapper's argv, then argv) in out, of max
 * entries, with the strings in store; recorded in the run's "wrapper" object. Without a
 * wrapper, argv itself. */
static char **wrapped_argv(struct run_state *st, char **argv, char **out, size_t max, char *store,
                           size_t store_len)
{
    if (st->wrap == WRAP_NONE)
        return argv;
    size_t n = (size_t)wrap_argv(st->wrap, st->wrap_path, st->wrap_out, out, store, store_len);
    json_t *jargv = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(jargv, json_string(out[i]));
    for (size_t i = 0; argv[i] && n + 1 < max; i++)
        out[n++] = argv[i];
    out[n] = NULL;
    json_object_set_new(st->run, "wrapper",
                        json_pack("{s:s, s:o, s:s}", "tool", wrap_name(st->wrap), "argv", jargv,
                                  "output", st->wrap_out));
    return out;
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
    /* A memory cgroup of its own, so that its kernel memory is its own (nginx's workers are
     * forked into it too). */
    if (ctx->cg && cgmem_group_create(ctx->cg, r->id, &st->cg) == 0)
        o.cgroup_procs = st->cg.procs;
    if (strcmp(r->mode, "nginx") == 0) {
        char dir[512];
        snprintf(dir, sizeof dir, "%s/nginx-%s", ctx->tmp_dir, r->id);
        mkdir(dir, 0755);
        st->port = freeport_pick();
        if (st->port < 0 || run_write_nginx_conf(dir, st->port, ctx->env->nofile_hard) < 0) {
            run_set_status(st, "failed", "cannot prepare nginx's configuration in %s", dir);
            return -1;
        }
        char conf[600];
        snprintf(conf, sizeof conf, "%s/nginx.conf", dir);
        char errlog[600];
        snprintf(errlog, sizeof errlog, "%s/error.log", dir);
        char *argv[] = {(char *)ctx->nginx_path, "-p", dir, "-c", conf, "-e", errlog, NULL};
        char *wargv[WRAP_MAX_ARGS + 8], store[2048];
        snprintf(st->server_err, sizeof st->server_err, "%s", errlog);
        o.stderr_path = st->server_out;
        if (proc_spawn(
                &st->server, "nginx",
                wrapped_argv(st, argv, wargv, sizeof wargv / sizeof wargv[0], store, sizeof store),
                &o) < 0) {
            run_set_status(st, "failed", "cannot start nginx: %s", strerror(errno));
            return -1;
        }
        double end = proc_now() + ready_ms / 1000.0;
        while (!httpc_can_connect(HOST, st->port)) {
            if (proc_poll(&st->server) || proc_now() > end || proc_interrupted()) {
                char how[128];
                proc_describe_exit(&st->server, how, sizeof how);
                run_set_status(st, proc_interrupted() ? "interrupted" : "failed",
                               "nginx did not listen on port %d (%s)", st->port, how);
                return -1;
            }
            proc_sleep_ms(20);
        }
        st->pid = wrapped_child(st);
        st->in_cgroup = cgmem_group_holds(&st->cg, st->pid);
        return 0;
    }

    char *argv[24];
    int n = 0;
    argv[n++] = (char *)ctx->server_path;
    argv[n++] = "--mode";
    argv[n++] = (char *)r->mode;
    argv[n++] = "--host";
    argv[n++] = HOST;
    argv[n++] = "--port";
    argv[n++] = "0";
    argv[n++] = "--drain-timeout";
    argv[n++] = "2s";
    /* Keep-alive without a request limit, as nginx's configuration has it. */
    argv[n++] = "--keepalive-requests";
    argv[n++] = "0";
    for (int i = 0; i < r->n_server_args; i++)
        argv[n++] = (char *)r->server_args[i];
    argv[n] = NULL;
    json_t *jargv = json_array();
    for (int i = 1; i < n; i++)
        json_array_append_new(jargv, json_string(argv[i]));
    json_object_set_new(json_object_get(st->run, "server"), "argv", jargv);

    char *wargv[WRAP_MAX_ARGS + 24], store[2048];
    if (proc_spawn(
            &st->server, "c10k-server",
            wrapped_argv(st, argv, wargv, sizeof wargv / sizeof wargv[0], store, sizeof store),
            &o) < 0) {
        run_set_status(st, "failed", "cannot start %s: %s", ctx->server_path, strerror(errno));
        return -1;
    }
    char line[256];
    int rc = proc_wait_first_line(&st->server, st->server_out, line, sizeof line, ready_ms);
    if (rc == -EINTR) {
        run_set_status(st, "interrupted", "interrupted while the server started");
        return -1;
    }
    if (rc == -ECHILD && server_refused(&st->server, st->server_err, line, sizeof line)) {
        run_set_status(st, "skipped", "%s", line);
        remember_refusal(ctx, r->mode, line);
        return -1;
    }
    if (rc < 0) {
        char how[128];
        proc_describe_exit(&st->server, how, sizeof how);
        run_set_status(st, "failed",
                       "the server did not print its listening line within %d ms (%s)", ready_ms,
                       rc == -ECHILD ? how : "still running");
        return -1;
    }
    struct listening listening;
    if (listening_parse(line, &listening) < 0) {
        run_set_status(st, "failed", "unexpected first line from the server: \"%.100s\"", line);
        return -1;
    }
    st->port = listening.port;
    st->pid = wrapped_child(st);
    st->in_cgroup = cgmem_group_holds(&st->cg, st->pid);
    return 0;
}

/* Runs the client and waits for it, ticking the progress line and watching the server. */
/* The process that serves: c10k-server itself, nginx's worker (the master's first child). */
static pid_t serving_pid(const struct run_state *st)
{
    pid_t worker;
    if (strcmp(st->spec.mode, "nginx") == 0 && sample_children(st->pid, &worker, 1) == 1)
        return worker;
    return st->pid;
}

/* Inside the measured window, a margin from either end: the server's threads (for the idle
 * threads' own context switches and CPU time) and perf's samples of its CPUs (for the
 * scheduler's share). */
static void window_tick(struct run_state *st, double now)
{
    if (st->t_measure <= 0)
        return;
    if (!st->client_sampled && st->client.running && now >= st->t_measure + st->spec.duration_s / 2)
        st->client_sampled = sample_take(st->client.pid, now - st->t_run0, 0, &st->client_mid) == 0;
    double from = st->t_measure + IDLE_TASKS_MARGIN_S;
    double to = st->t_measure + st->spec.duration_s - IDLE_TASKS_MARGIN_S;
    if (st->want_tasks) {
        if (!st->tasks0.tasks && now >= from)
            sample_tasks(st->pid, now - st->t_run0, &st->tasks0);
        else if (st->tasks0.tasks && !st->tasks1.tasks && now >= to)
            sample_tasks(st->pid, now - st->t_run0, &st->tasks1);
    }
    /* perf runs until the client has ended and the server's counters are read; turning its
     * samples into figures costs seconds of CPU, so that waits for the end of the run. */
    if (st->want_sched && !st->sched.started && !st->sched_result && now >= from && now < to) {
        char data[700], log[700];
        snprintf(data, sizeof data, "%s/%s.perf.data", st->ctx->tmp_dir, st->r->id);
        snprintf(log, sizeof log, "%s/%s.perf.log", st->ctx->log_dir, st->r->id);
        const struct bench_env *env = st->ctx->env;
        if (schedprof_start(&st->sched, st->ctx->perf_path,
                            st->spec.server_all_cpus ? &env->allowed : &env->server_cpus,
                            env->pinned ? &env->load_cpus : NULL, data, log) < 0)
            st->sched_result = schedprof_finish(&st->sched, st->pid);
    }
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
            } else if (st->spec.tool == TOOL_LOAD && strcmp(phase, "measuring") == 0) {
                left = phase_s - (now - start);
            }
            st->ctx->tick(st->ctx->tick_arg, st->r, ph, left > 0 ? left : 0);
        }
    }
}

static void describe_server_end(struct run_state *st)
{
    char how[128];
    proc_describe_exit(&st->server, how, sizeof how);
    run_set_status(st, "failed", "the server ended during the run: %s", how);
    json_object_set_new(json_object_get(st->run, "server"), "log_tail",
                        run_log_tail(st->server_err, LOG_TAIL_BYTES));
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
    json_object_set_new(st->run, "client_argv", jargv);
    struct proc_opts o = {.cpus = &st->ctx->env->load_cpus,
                          .stdout_path = st->client_out,
                          .stderr_path = st->client_err};
    st->t_client_start = proc_now();
    st->t_measure = st->t_client_start + warm;
    if (proc_spawn(&st->client, r->tool == TOOL_WRK ? "wrk" : "c10k-load", a.argv, &o) < 0) {
        run_set_status(st, "failed", "cannot start %s: %s", tool_path, strerror(errno));
        return -1;
    }
    sampler_watch_client(&st->sampler, st->client.pid);
    double budget = warm + r->duration_s + CLIENT_SLACK_S;
    int rc = wait_client(st, &st->client, budget, "measuring", warm + r->duration_s);
    st->t_client_end = proc_now();
    sampler_watch_client(&st->sampler, 0);
    if (rc == -EINTR) {
        run_set_status(st, "interrupted", "interrupted");
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
        run_set_status(st, "failed", "the load generator did not finish within %.0f s", budget);
        return -1;
    }
    if (proc_failed(&st->client)) {
        char how[128];
        proc_describe_exit(&st->client, how, sizeof how);
        json_t *tail = run_log_tail(r->tool == TOOL_WRK ? st->client_out : st->client_err, 400);
        run_set_status(st, "failed", "%s %s: %s", r->tool == TOOL_WRK ? "wrk" : "c10k-load", how,
                       json_is_string(tail) ? json_string_value(tail) : "");
        json_decref(tail);
        return -1;
    }
    return 0;
}

static json_t *parse_client(struct run_state *st)
{
    char err[1200] = "";
    json_t *c = NULL;
    if (st->spec.tool == TOOL_WRK) {
        char *text = results_read_text(st->client_out, RESULTS_TEXT_MAX, NULL);
        c = text ? loadgen_parse_wrk(text, err, sizeof err) : NULL;
        if (!text)
            snprintf(err, sizeof err, "cannot read %s", st->client_out);
        free(text);
    } else {
        char *text = results_read_text(st->client_json, RESULTS_TEXT_MAX, NULL);
        c = text ? loadgen_parse_load(text, err, sizeof err) : NULL;
        if (!text)
            snprintf(err, sizeof err, "c10k-load wrote no JSON (%s)", st->client_json);
        free(text);
    }
    if (!c)
        run_set_status(st, "failed", "%s", err);
    return c;
}

static json_t *spec_json(const struct run_spec *r)
{
    json_t *args = json_array();
    for (int i = 0; i < r->n_server_args; i++)
        json_array_append_new(args, json_string(r->server_args[i]));
    json_t *spec = json_pack(
        "{s:s, s:s, s:s, s:s, s:o, s:i, s:i, s:i, s:o, s:s, s:b, s:i, s:f, s:f, "
        "s:o, s:s, s:b, s:f}",
        "id", r->id, "scenario", r->scenario, "model", r->model, "mode", r->mode, "server_args",
        args, "level", r->level, "concurrency", r->concurrency, "idle_connections", r->idle, "rate",
        r->rate > 0 ? json_real(r->rate) : json_null(), "path", r->path, "keepalive", r->keepalive,
        "source_addresses", r->sources, "warmup_s", r->warmup_s, "duration_s", r->duration_s,
        "ramp_per_s", r->ramp > 0 ? json_real(r->ramp) : json_null(), "tool",
        r->tool == TOOL_WRK ? "wrk" : "c10k-load", "server_all_cpus", r->server_all_cpus,
        "timeout_s", r->timeout_s);
    json_object_set_new(spec, "pipeline", json_integer(r->pipeline > 1 ? r->pipeline : 1));
    json_object_set_new(spec, "requests_limit",
                        r->requests > 0 ? json_integer(r->requests) : json_null());
    json_object_set_new(spec, "wrap",
                        r->wrap != WRAP_NONE ? json_string(wrap_name(r->wrap)) : json_null());
    return spec;
}

/* The fields every run object has, whatever it reached. */
static void run_defaults(json_t *run, const struct run_spec *r)
{
    json_object_set_new(run, "repetition", json_integer(r->repetition > 0 ? r->repetition : 1));
    json_object_set_new(run, "saturation", json_null());
    json_object_set_new(run, "load_bound", json_false());
    json_object_set_new(run, "idle_threads", json_null());
    json_object_set_new(run, "scheduler", json_null());
    json_object_set_new(run, "wrapper", json_null());
    json_object_set_new(run, "client_process", json_null());
}

json_t *run_skipped(const struct run_spec *r, const char *status, const char *reason)
{
    json_t *run = spec_json(r);
    run_defaults(run, r);
    json_object_set_new(run, "notes", json_array());
    json_object_set_new(run, "status", json_string(status));
    json_object_set_new(run, "reason", json_string(reason));
    json_object_set_new(run, "limit", json_null());
    json_object_set_new(run, "client", json_null());
    json_object_set_new(run, "server", json_null());
    json_object_set_new(run, "machine", json_null());
    json_object_set_new(run, "per_connection", json_null());
    json_object_set_new(run, "samples", json_null());
    json_object_set_new(run, "elapsed_s", json_real(0));
    return run;
}

/* Resolves the run's wrapper to a program here (syscalls: perf where it can count the
 * syscall tracepoints, else strace), or explains why the run cannot happen. */
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

static void finish(struct run_state *st, json_t *client)
{
    json_object_set_new(st->run, "client", client ? client : json_null());
    json_object_set_new(st->run, "status", json_string(st->status));
    json_object_set_new(st->run, "reason", st->reason[0] ? json_string(st->reason) : json_null());
    json_object_set_new(st->run, "elapsed_s", json_real(proc_now() - st->t_start));
    json_object_set_new(st->run, "started_at_s", json_real(st->t_start - st->ctx->t0));
    json_object_set_new(
        st->run, "events",
        json_pack("{s:o, s:o, s:o}", "client_start_s",
                  st->t_client_start > 0 ? json_real(st->t_client_start - st->t_run0) : json_null(),
                  "measure_start_s",
                  st->t_measure > 0 ? json_real(st->t_measure - st->t_run0) : json_null(),
                  "client_end_s",
                  st->t_client_end > 0 ? json_real(st->t_client_end - st->t_run0) : json_null()));
    json_object_set_new(st->run, "samples",
                        st->sampler.samples ? run_samples_json(&st->sampler) : json_null());
    json_object_set_new(st->run, "logs",
                        json_pack("{s:s, s:s, s:s}", "server", st->server_err, "server_stdout",
                                  st->server_out, "client",
                                  st->spec.tool == TOOL_WRK ? st->client_out : st->client_json));
    json_decref(st->before.stats);
    json_decref(st->after.stats);
    sampler_free(&st->sampler);
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
    json_object_set_new(st->run, "conntrack_wait_s", json_real(proc_now() - start));
    return 0;
}

json_t *run_execute(struct bench_ctx *ctx, const struct run_spec *r)
{
    struct run_state st;
    memset(&st, 0, sizeof st);
    st.ctx = ctx;
    st.r = r;
    st.spec = *r;
    snprintf(st.status, sizeof st.status, "ok");
    st.t_start = st.t_run0 = proc_now();

    char why[256];
    const char *tool_path = pick_tool(&st, why, sizeof why);
    if (!tool_path || pick_wrapper(&st, why, sizeof why) < 0)
        return run_skipped(r, "skipped", why);
    if (strcmp(r->mode, "nginx") == 0 && !ctx->nginx_path)
        return run_skipped(r, "skipped", "nginx is not installed (apt-get install nginx-light)");
    int mi = mode_index(r->mode);
    if (mi >= 0 && ctx->refused[mi][0])
        return run_skipped(r, "skipped", ctx->refused[mi]);

    st.run = spec_json(&st.spec);
    run_defaults(st.run, &st.spec);
    json_object_set_new(st.run, "server", json_object());
    json_object_set_new(st.run, "limit", json_null());
    json_object_set_new(st.run, "machine", json_null());
    json_object_set_new(st.run, "per_connection", json_null());
    json_object_set_new(st.run, "notes", json_array());

    struct env_limit lim;
    env_refresh(ctx->env);
    if (env_check(ctx->env, r->mode, (long long)r->concurrency + r->idle, st.spec.sources, 0,
                  &lim)) {
        json_object_set_new(st.run, "limit",
                            json_pack("{s:s, s:I, s:I, s:s}", "name", lim.name, "have",
                                      (json_int_t)lim.have, "need", (json_int_t)lim.need, "how",
                                      lim.how));
        json_t *skipped = run_skipped(&st.spec, "skipped", "");
        char reason[512];
        snprintf(reason, sizeof reason, "limit: %s is %lld, the run needs %lld (%s)", lim.name,
                 lim.have, lim.need, lim.how);
        json_object_set_new(skipped, "reason", json_string(reason));
        json_object_set(skipped, "limit", json_object_get(st.run, "limit"));
        json_decref(st.run);
        return skipped;
    }

    snprintf(st.server_out, sizeof st.server_out, "%s/%s.server.out", ctx->log_dir, r->id);
    snprintf(st.server_err, sizeof st.server_err, "%s/%s.server.log", ctx->log_dir, r->id);
    snprintf(st.client_out, sizeof st.client_out, "%s/%s.client.out", ctx->log_dir, r->id);
    snprintf(st.client_err, sizeof st.client_err, "%s/%s.client.log", ctx->log_dir, r->id);
    snprintf(st.client_json, sizeof st.client_json, "%s/%s.client.json", ctx->log_dir, r->id);
    snprintf(st.warm_out, sizeof st.warm_out, "%s/%s.warmup.out", ctx->log_dir, r->id);

    json_t *client = NULL;
    if (wait_conntrack(&st) < 0) {
        run_set_status(&st, "interrupted", "interrupted");
        goto out;
    }
    if (ctx->tick)
        ctx->tick(ctx->tick_arg, r, "starting", 0);
    if (start_server(&st) < 0)
        goto out;
    json_t *server = json_object_get(st.run, "server");
    json_object_set_new(server, "pid", json_integer(st.pid));
    json_object_set_new(server, "port", json_integer(st.port));
    char cpus[64];
    env_format_cpus(st.spec.server_all_cpus ? &ctx->env->allowed : &ctx->env->server_cpus, cpus,
                    sizeof cpus);
    json_object_set_new(server, "cpus", json_string(cpus));

    /* One request for the status page first: nginx's worker may still be starting (the master
     * accepts on its behalf), and either server initialises what it needs lazily. */
    char *body = NULL;
    httpc_get(HOST, st.port, strcmp(r->mode, "nginx") == 0 ? "/nginx_status" : "/stats",
              STATS_TIMEOUT_MS, &body);
    free(body);
    st.t_run0 = proc_now();
    sample_take(st.pid, 0, 1, &st.base);
    if (st.in_cgroup)
        cgmem_read(&st.cg, &st.base.cg);
    st.want_tasks = strcmp(r->scenario, "idle") == 0 && strcmp(r->mode, "thread") == 0;
    st.want_sched = ctx->perf_path && strcmp(r->scenario, "scale") == 0 && st.wrap == WRAP_NONE;
    if (sampler_start(&st.sampler, st.pid, st.t_run0, SAMPLE_INTERVAL_S,
                      st.in_cgroup ? &st.cg : NULL) < 0) {
        run_set_status(&st, "failed", "cannot start the sampler thread");
        goto out;
    }
    char url[128];
    snprintf(url, sizeof url, "http://%s:%d%s", HOST, st.port, st.spec.path);
    if (st.spec.tool == TOOL_WRK && st.spec.warmup_s > 0) {
        int rc = run_warmup(&st, tool_path, url);
        if (rc == -EINTR) {
            run_set_status(&st, "interrupted", "interrupted during the warm-up");
            goto out;
        }
        if (rc == -ECHILD) {
            describe_server_end(&st);
            goto out;
        }
    }
    if (st.spec.tool == TOOL_WRK && st.spec.warmup_s > 0 && proc_sleep_ms(SETTLE_MS) < 0) {
        run_set_status(&st, "interrupted", "interrupted during the warm-up");
        goto out;
    }
    if (take_snapshot(&st, &st.before, STATS_TIMEOUT_MS) < 0) {
        if (proc_poll(&st.server))
            describe_server_end(&st);
        else
            run_set_status(&st, "failed", "cannot read the server's counters: %s", st.before.error);
        goto out;
    }
    if (run_client(&st, tool_path, url) < 0 && st.interrupted)
        goto out;
    if (proc_poll(&st.server)) {
        if (strcmp(st.status, "failed") != 0)
            describe_server_end(&st);
    } else if (take_snapshot(&st, &st.after, STATS_AFTER_TIMEOUT_MS) < 0) {
        run_set_status(&st, "failed", "cannot read the server's counters after the run: %s",
                       st.after.error);
    }
    sampler_stop(&st.sampler);
    if (st.sched.started && !st.sched_result && !proc_poll(&st.server))
        st.sched_result = schedprof_finish(&st.sched, serving_pid(&st));
    if (!st.client.running && st.t_client_end > 0 && !proc_failed(&st.client) &&
        strcmp(st.status, "interrupted") != 0) {
        /* A client stopped early (the server died) may still have written partial results;
         * that it has none is no news then. */
        if (st.client.stopped_by_us && strcmp(st.status, "ok") != 0) {
            char saved[sizeof st.reason];
            memcpy(saved, st.reason, sizeof saved);
            client = parse_client(&st);
            memcpy(st.reason, saved, sizeof saved);
        } else {
            client = parse_client(&st);
        }
    }
    run_summarise(&st, client);
    run_judge(&st, client);

out:
    sampler_stop(&st.sampler);
    proc_stop(&st.warm, 1000);
    proc_stop(&st.client, 1000);
    if (st.server.pid > 0) {
        int crashed_before = !st.server.running;
        stop_wrapped(&st);
        proc_stop(&st.server, STOP_GRACE_MS);
        char how[128];
        proc_describe_exit(&st.server, how, sizeof how);
        json_object_set_new(json_object_get(st.run, "server"), "exit", json_string(how));
        if (crashed_before && !json_object_get(json_object_get(st.run, "server"), "log_tail"))
            json_object_set_new(json_object_get(st.run, "server"), "log_tail",
                                run_log_tail(st.server_err, LOG_TAIL_BYTES));
    }
    cgmem_group_remove(&st.cg);
    if (st.wrap != WRAP_NONE)
        run_summarise_wrapper(&st);
    if (st.sched.started && !st.sched_result) /* the run ended early: no figures */
        proc_stop(&st.sched.perf, 1000);
    if (st.sched_result)
        json_object_set_new(st.run, "scheduler", st.sched_result);
    sample_tasks_free(&st.tasks0);
    sample_tasks_free(&st.tasks1);
    if (proc_interrupted() && strcmp(st.status, "interrupted") != 0 && !client)
        run_set_status(&st, "interrupted", "interrupted");
    else
        run_judge_conntrack(&st);
    finish(&st, client);
    return st.run;
}
