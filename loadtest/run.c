#include "run.h"

#include "cgmem.h"
#include "freeport.h"
#include "httpc.h"
#include "listening.h"
#include "loadgen.h"
#include "proc.h"
#include "results.h"
#include "sample.h"
#include "schedprof.h"
#include "wrap.h"

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

#define SERVER_READY_MS 5000
#define STATS_TIMEOUT_MS 3000
#define STOP_GRACE_MS 5000
/* A server under valgrind starts and stops tens of times slower; under perf or strace it is
 * stopped first and the wrapper then writes its counts and exits. */
#define WRAPPED_READY_MS 60000
#define WRAPPED_STOP_MS 30000
#define CLIENT_SLACK_S 20.0
#define TICK_MS 200
#define LOG_TAIL_BYTES 1200
#define SAMPLE_INTERVAL_S 1.0
#define HOST "127.0.0.1"
/* Client errors below this share of the requests still leave a run "ok" (a handful of
 * connections reset when a run stops are not a result). */
#define ERROR_SHARE_OK 0.001
/* Client and server counts may differ by this share besides the requests in flight. */
#define CROSSCHECK_SHARE 0.02
/* Below this many connections, the memory per connection is mostly noise (machine-wide
 * kernel counters move by more than a few connections cost). */
#define PER_CONNECTION_MIN 100
/* A server holding fewer than this share of the run's connections at its peak left the rest
 * in the listen queue. */
#define HELD_SHARE 0.9
/* A CPU busy this share of the time or more was saturated: the server's decides whether a
 * throughput figure measured the server, the load generator's whether it limited the load. */
#define SATURATED_SHARE 0.90
/* The idle threads' own counters are read this long after the measured window opens and
 * before it closes (the busy connections go on meanwhile; the idle ones stay silent). */
#define IDLE_TASKS_MARGIN_S 0.5
/* After a warm-up client exits, the server may still answer what it had received. */
#define SETTLE_MS 200
/* After the load, a busy pool answers the requests ready before it gets to /stats. */
#define STATS_AFTER_TIMEOUT_MS 20000
/* Connection tracking: before a run, wait (at most CONNTRACK_WAIT_MAX_S) until the connections
 * it may open fit in this share of the table (its entries leave TIME_WAIT after 120 s); a table
 * fuller than CONNTRACK_FULL during a run dropped connections. */
#define CONNTRACK_ROOM 0.9
#define CONNTRACK_WAIT_MAX_S 150.0
#define CONNTRACK_FULL 0.97
#define CONNTRACK_HOW                                                                              \
    "raise net.netfilter.nf_conntrack_max (sysctl -w net.netfilter.nf_conntrack_max=1048576), "    \
    "or do not track loopback (iptables -t raw -I OUTPUT -o lo -j NOTRACK; iptables -t raw -I "    \
    "PREROUTING -i lo -j NOTRACK)"

/* What the server said about itself at one moment: its own request counter, CPU time and
 * context switches (getrusage, which counts threads that have ended), and the machine's. */
struct snapshot {
    int ok;
    double t;
    long long requests;
    double cpu_user_s, cpu_system_s;
    long long ctx_vol, ctx_invol;
    unsigned long long machine_ctxt;
    json_t *stats; /* c10k-server's /stats, or NULL */
    char error[128];
};

/* Everything one run holds while it runs. */
struct run_state {
    struct bench_ctx *ctx;
    const struct run_spec *r;
    struct run_spec spec; /* r with the tool actually used */
    json_t *run;
    struct proc server, client, warm;
    pid_t pid;             /* the server itself: server.pid, or the wrapper's child */
    enum wrap_kind wrap;   /* the wrapper actually used (WRAP_NONE: none) */
    const char *wrap_path; /* its program */
    char wrap_out[1024];   /* its output file (callgrind: the prefix of one per process) */
    int port;
    double t_start; /* when run_execute began */
    double t_run0;  /* when the server was ready: the origin of samples and events */
    double t_measure, t_client_start, t_client_end;
    struct sample base;
    struct sampler sampler;
    struct cgmem_group cg; /* the server's own memory cgroup (version 0: none) */
    int in_cgroup;         /* the server was seen in it */
    /* Per-thread counters at both ends of the measured window (idle runs of thread mode). */
    int want_tasks;
    struct task_snapshot tasks0, tasks1;
    /* The scheduler's share of the server's CPU over the same window (scale runs, with perf). */
    int want_sched;
    struct schedprof sched;
    json_t *sched_result;
    struct snapshot before, after;
    /* The load generator's process halfway through the window: descriptors, memory. */
    struct sample client_mid;
    int client_sampled;
    char server_out[1024], server_err[1024], client_out[1024], client_err[1024];
    char client_json[1024], warm_out[1024];
    char status[16];
    char reason[1024];
    int interrupted;
};

long long run_parse_stub_status(const char *text)
{
    const char *p = strstr(text, "requests");
    if (!p)
        return -EINVAL;
    p = strchr(p, '\n');
    if (!p)
        return -EINVAL;
    long long accepts, handled, requests;
    if (sscanf(p + 1, "%lld %lld %lld", &accepts, &handled, &requests) != 3)
        return -EINVAL;
    return requests;
}

static void set_status(struct run_state *st, const char *status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add_note(struct run_state *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The first failure wins; later ones are appended to the reason. */
static void set_status(struct run_state *st, const char *status, const char *fmt, ...)
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

static json_t *read_tail(const char *path, size_t max)
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

extern const char nginx_conf_in[];

/* nginx.conf from the one template every benchmark uses (loadtest/nginx.conf.in). */
static int write_nginx_conf(const char *dir, int port, long long nofile)
{
    char path[600];
    snprintf(path, sizeof path, "%s/nginx.conf", dir);
    FILE *f = fopen(path, "we");
    if (!f)
        return -errno;
    long long conns = nofile > 0 ? nofile : 20000;
    char value[600];
    for (const char *p = nginx_conf_in; *p;) {
        const char *at = strchr(p, '@');
        const char *close = at ? strchr(at + 1, '@') : NULL;
        if (!at || !close) {
            fputs(p, f);
            break;
        }
        fwrite(p, 1, (size_t)(at - p), f);
        size_t n = (size_t)(close - at - 1);
        if (n == 3 && strncmp(at + 1, "DIR", 3) == 0)
            snprintf(value, sizeof value, "%s", dir);
        else if (n == 4 && strncmp(at + 1, "HOST", 4) == 0)
            snprintf(value, sizeof value, "%s", HOST);
        else if (n == 4 && strncmp(at + 1, "PORT", 4) == 0)
            snprintf(value, sizeof value, "%d", port);
        else if (n == 11 && strncmp(at + 1, "CONNECTIONS", 11) == 0)
            snprintf(value, sizeof value, "%lld", conns);
        else {
            fputc('@', f); /* not a placeholder */
            p = at + 1;
            continue;
        }
        fputs(value, f);
        p = close + 1;
    }
    if (fclose(f) != 0)
        return -errno;
    return 0;
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
        if (st->port < 0 || write_nginx_conf(dir, st->port, ctx->env->nofile_hard) < 0) {
            set_status(st, "failed", "cannot prepare nginx's configuration in %s", dir);
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
            set_status(st, "failed", "cannot start nginx: %s", strerror(errno));
            return -1;
        }
        double end = proc_now() + ready_ms / 1000.0;
        while (!httpc_can_connect(HOST, st->port)) {
            if (proc_poll(&st->server) || proc_now() > end || proc_interrupted()) {
                char how[128];
                proc_describe_exit(&st->server, how, sizeof how);
                set_status(st, proc_interrupted() ? "interrupted" : "failed",
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
        set_status(st, "failed", "cannot start %s: %s", ctx->server_path, strerror(errno));
        return -1;
    }
    char line[256];
    int rc = proc_wait_first_line(&st->server, st->server_out, line, sizeof line, ready_ms);
    if (rc == -EINTR) {
        set_status(st, "interrupted", "interrupted while the server started");
        return -1;
    }
    if (rc == -ECHILD && server_refused(&st->server, st->server_err, line, sizeof line)) {
        set_status(st, "skipped", "%s", line);
        remember_refusal(ctx, r->mode, line);
        return -1;
    }
    if (rc < 0) {
        char how[128];
        proc_describe_exit(&st->server, how, sizeof how);
        set_status(st, "failed", "the server did not print its listening line within %d ms (%s)",
                   ready_ms, rc == -ECHILD ? how : "still running");
        return -1;
    }
    struct listening listening;
    if (listening_parse(line, &listening) < 0) {
        set_status(st, "failed", "unexpected first line from the server: \"%.100s\"", line);
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
    set_status(st, "failed", "the server ended during the run: %s", how);
    json_object_set_new(json_object_get(st->run, "server"), "log_tail",
                        read_tail(st->server_err, LOG_TAIL_BYTES));
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
        set_status(st, "failed", "cannot start %s: %s", tool_path, strerror(errno));
        return -1;
    }
    sampler_watch_client(&st->sampler, st->client.pid);
    double budget = warm + r->duration_s + CLIENT_SLACK_S;
    int rc = wait_client(st, &st->client, budget, "measuring", warm + r->duration_s);
    st->t_client_end = proc_now();
    sampler_watch_client(&st->sampler, 0);
    if (rc == -EINTR) {
        set_status(st, "interrupted", "interrupted");
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
        set_status(st, "failed", "the load generator did not finish within %.0f s", budget);
        return -1;
    }
    if (proc_failed(&st->client)) {
        char how[128];
        proc_describe_exit(&st->client, how, sizeof how);
        json_t *tail = read_tail(r->tool == TOOL_WRK ? st->client_out : st->client_err, 400);
        set_status(st, "failed", "%s %s: %s", r->tool == TOOL_WRK ? "wrk" : "c10k-load", how,
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
        char *text = results_read_text(st->client_out);
        c = text ? loadgen_parse_wrk(text, err, sizeof err) : NULL;
        if (!text)
            snprintf(err, sizeof err, "cannot read %s", st->client_out);
        free(text);
    } else {
        char *text = results_read_text(st->client_json);
        c = text ? loadgen_parse_load(text, err, sizeof err) : NULL;
        if (!text)
            snprintf(err, sizeof err, "c10k-load wrote no JSON (%s)", st->client_json);
        free(text);
    }
    if (!c)
        set_status(st, "failed", "%s", err);
    return c;
}

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
static json_t *samples_json(const struct sampler *sp)
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
        json_array_append_new(below, json_pack("{s:s, s:f}", "figure", name, "resolution_bytes",
                                               resolution / conns));
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
        cg ? json_pack("{s:i, s:s, s:o, s:o, s:o, s:o, s:o, s:I}", "version", st->cg.version,
                       "path", st->cg.rel, "kernel_delta_bytes",
                       num_or_null(window_median(st, w0, w1, f_cg_kernel)), "sock_delta_bytes",
                       num_or_null(window_median(st, w0, w1, f_cg_sock)),
                       "kernel_stack_delta_bytes",
                       num_or_null(window_median(st, w0, w1, f_cg_kstack)),
                       "page_tables_delta_bytes",
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
    json_object_set_new(pc, "rss_bytes", per_conn(st, w0, w1, f_rss_delta, c, page, "rss_bytes",
                                                  below, &user));
    json_t *mach = json_object();
    json_object_set_new(mach, "kernel_bytes", per_conn(st, w0, w1, f_machine_kernel, c, g,
                                                       "machine.kernel_bytes", below, &mk));
    json_object_set_new(mach, "kernel_stack_bytes", per_conn(st, w0, w1, f_kstack, c, g,
                                                             "machine.kernel_stack_bytes", below, &v));
    json_object_set_new(mach, "page_tables_bytes", per_conn(st, w0, w1, f_ptables, c, g,
                                                            "machine.page_tables_bytes", below, &v));
    json_object_set_new(mach, "tcp_mem_bytes", per_conn(st, w0, w1, f_tcp, c, g,
                                                        "machine.tcp_mem_bytes", below, &v));
    json_object_set_new(mach, "slab_bytes", per_conn(st, w0, w1, f_slab, c, g,
                                                     "machine.slab_bytes", below, &v));
    if (cg) {
        double ck;
        json_t *cgo = json_object();
        json_object_set_new(cgo, "kernel_bytes", per_conn(st, w0, w1, f_cg_kernel, c, g,
                                                          "cgroup.kernel_bytes", below, &ck));
        json_object_set_new(cgo, "sock_bytes", per_conn(st, w0, w1, f_cg_sock, c, g,
                                                        "cgroup.sock_bytes", below, &v));
        if (st->cg.version == 2) {
            json_object_set_new(cgo, "kernel_stack_bytes",
                                per_conn(st, w0, w1, f_cg_kstack, c, g,
                                         "cgroup.kernel_stack_bytes", below, &v));
            json_object_set_new(cgo, "page_tables_bytes",
                                per_conn(st, w0, w1, f_cg_ptables, c, g,
                                         "cgroup.page_tables_bytes", below, &v));
            json_object_set_new(cgo, "slab_bytes", per_conn(st, w0, w1, f_cg_slab, c, g,
                                                            "cgroup.slab_bytes", below, &v));
        }
        json_object_set_new(pc, "cgroup", cgo);
        kernel = ck;
        json_object_set_new(pc, "kernel_bytes", json_deep_copy(json_object_get(cgo, "kernel_bytes")));
    } else {
        json_object_set_new(pc, "cgroup", json_null());
        kernel = mk;
        json_object_set_new(pc, "kernel_bytes", json_deep_copy(json_object_get(mach, "kernel_bytes")));
    }
    json_object_set_new(pc, "kernel_source", json_string(cgmem_source(cg ? st->cg.version : 0)));
    json_object_set_new(pc, "machine", mach);
    json_object_set_new(pc, "total_bytes", isfinite(user) && isfinite(kernel)
                                               ? json_real(user + kernel)
                                               : json_null());
    json_object_set_new(pc, "vsize_bytes", per_conn(st, w0, w1, f_vsize_delta, c, page,
                                                    "vsize_bytes", below, &v));
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
    int threads = r->concurrency < load_cpus ? (r->concurrency > 0 ? r->concurrency : 1) : load_cpus;
    double ccores = client_cores(st);
    double sbusy = server_cores / server_cpus, cbusy = ccores / threads;
    const char *bottleneck = run_bottleneck(sbusy, cbusy, r->rate > 0);
    int load_bound = strcmp(bottleneck, "load generator") == 0;
    json_object_set_new(
        st->run, "saturation",
        json_pack("{s:f, s:i, s:o, s:o, s:i, s:s, s:b, s:f}", "server_busy", sbusy, "server_cpus",
                  server_cpus, "client_cores", num_or_null(ccores), "client_busy",
                  num_or_null(cbusy), "client_threads", threads, "bottleneck", bottleneck,
                  "load_bound", load_bound, "threshold", SATURATED_SHARE));
    json_object_set_new(st->run, "load_bound", json_boolean(load_bound));
    if (load_bound)
        add_note(st,
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
        json_object_set_new(st->run, "idle_threads",
                            json_pack("{s:s}", "error",
                                      "the threads were not read at both ends of the window"));
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
                d[m].cpu_s = (double)(y->utime_ticks + y->stime_ticks -
                                      x->utime_ticks - x->stime_ticks) /
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
                  "switches", sw, "cpu_s", cpu,
                  "switches_per_thread_per_s", num_or_null(sw * per),
                  "cpu_us_per_thread_per_s", num_or_null(cpu * 1e6 * per), "most_switches_one_thread",
                  most, "busy_switches_per_thread_per_s",
                  busy > 0 ? busy_sw / ((double)busy * span) : 0,
                  "timeslices_per_thread_per_s",
                  a->has_schedstat && b->has_schedstat ? num_or_null(slices * per) : json_null(),
                  "run_us_per_thread_per_s",
                  a->has_schedstat && b->has_schedstat ? num_or_null(run * 1e6 * per) : json_null(),
                  "schedstat", a->has_schedstat && b->has_schedstat, "source",
                  "/proc/PID/task/*/status (switches), stat (CPU ticks), schedstat (time on CPU "
                  "and timeslices)"));
    free(d);
}

/* Server, machine and per-connection figures from the snapshots and the samples. */
static void summarise(struct run_state *st, json_t *client)
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
static void judge_conntrack(struct run_state *st)
{
    long long max = st->ctx->env->conntrack_max;
    if (max <= 0)
        return;
    double peak = (double)env_conntrack_count(st->ctx->env);
    for (size_t i = 0; i < st->sampler.n; i++)
        if ((double)st->sampler.samples[i].conntrack > peak)
            peak = (double)st->sampler.samples[i].conntrack;
    if (peak >= CONNTRACK_FULL * (double)max)
        set_status(st, strcmp(st->status, "ok") == 0 ? "errors" : st->status,
                   "the kernel's connection-tracking table was full (%.0f of %lld entries) and "
                   "dropped new connections: %s",
                   peak, max, CONNTRACK_HOW);
}

/* A remark about a run that is not a failure but changes how to read it. */
static void add_note(struct run_state *st, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *notes = json_object_get(st->run, "notes");
    json_array_append_new(notes, json_string(msg));
}

/* The run's verdict from what the client and the server counted. */
/* What the wrapper counted over the server's life, and per request served in it (start-up
 * included: the instructions scenario's pairs of runs take it out). */
static void summarise_wrapper(struct run_state *st)
{
    json_t *w = json_object_get(st->run, "wrapper");
    if (!json_is_object(w))
        return;
    char err[512];
    json_t *got = wrap_read(st->wrap, st->wrap_out, err, sizeof err);
    if (!got) {
        json_object_set_new(w, "error", json_string(err));
        add_note(st, "%s counted nothing: %s", wrap_name(st->wrap), err);
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

static void judge(struct run_state *st, json_t *client)
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
        set_status(st, "errors",
                   "%srequests waited past the %.0f s timeout: the server answered %.0f requests "
                   "(%.0f/s) in the window, each after its client had given up (client errors: "
                   "%s)",
                   why, st->spec.timeout_s, served,
                   json_number_value(json_object_get(server, "requests_per_s")),
                   used ? classes : "none");
    } else if (requests <= 0) {
        set_status(st, "failed",
                   "no request completed in the measured time (client errors: %s; %.0f requests "
                   "in flight or due when it stopped)",
                   used ? classes : "none", abandoned);
    } else if (good <= 0) {
        set_status(st, "failed", "no request succeeded in the measured time (client errors: %s)",
                   used ? classes : "none");
    } else if (total > 0 && total / tried > ERROR_SHARE_OK) {
        set_status(st, "errors", "client errors: %.0f (%.2f%% of requests): %s", total,
                   100 * total / tried, classes);
    }
    long long conns = (long long)st->spec.concurrency + st->spec.idle;
    double held = json_number_value(json_object_get(server, "connections_held_peak"));
    if (st->spec.keepalive && conns >= PER_CONNECTION_MIN && held > 0 &&
        held < HELD_SHARE * (double)conns)
        add_note(st,
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
            set_status(st, "errors",
                       "the server could not create %lld threads (limit: %s; its log says "
                       "which)",
                       (long long)tc, which);
        }
        if (emfile > 0)
            set_status(st, "errors", "the server ran out of descriptors %lld times (RLIMIT_NOFILE)",
                       (long long)emfile);
        if (maxc > 0)
            set_status(st, "errors", "%lld connections over --max-conns (503)", (long long)maxc);
    }
    if (strcmp(st->status, "ok") != 0 && strcmp(st->status, "skipped") != 0 &&
        !json_object_get(server, "log_tail"))
        json_object_set_new(server, "log_tail", read_tail(st->server_err, LOG_TAIL_BYTES));
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
                        st->sampler.samples ? samples_json(&st->sampler) : json_null());
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
        set_status(&st, "interrupted", "interrupted");
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
        set_status(&st, "failed", "cannot start the sampler thread");
        goto out;
    }
    char url[128];
    snprintf(url, sizeof url, "http://%s:%d%s", HOST, st.port, st.spec.path);
    if (st.spec.tool == TOOL_WRK && st.spec.warmup_s > 0) {
        int rc = run_warmup(&st, tool_path, url);
        if (rc == -EINTR) {
            set_status(&st, "interrupted", "interrupted during the warm-up");
            goto out;
        }
        if (rc == -ECHILD) {
            describe_server_end(&st);
            goto out;
        }
    }
    if (st.spec.tool == TOOL_WRK && st.spec.warmup_s > 0 && proc_sleep_ms(SETTLE_MS) < 0) {
        set_status(&st, "interrupted", "interrupted during the warm-up");
        goto out;
    }
    if (take_snapshot(&st, &st.before, STATS_TIMEOUT_MS) < 0) {
        if (proc_poll(&st.server))
            describe_server_end(&st);
        else
            set_status(&st, "failed", "cannot read the server's counters: %s", st.before.error);
        goto out;
    }
    if (run_client(&st, tool_path, url) < 0 && st.interrupted)
        goto out;
    if (proc_poll(&st.server)) {
        if (strcmp(st.status, "failed") != 0)
            describe_server_end(&st);
    } else if (take_snapshot(&st, &st.after, STATS_AFTER_TIMEOUT_MS) < 0) {
        set_status(&st, "failed", "cannot read the server's counters after the run: %s",
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
    summarise(&st, client);
    judge(&st, client);

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
                                read_tail(st.server_err, LOG_TAIL_BYTES));
    }
    cgmem_group_remove(&st.cg);
    if (st.wrap != WRAP_NONE)
        summarise_wrapper(&st);
    if (st.sched.started && !st.sched_result) /* the run ended early: no figures */
        proc_stop(&st.sched.perf, 1000);
    if (st.sched_result)
        json_object_set_new(st.run, "scheduler", st.sched_result);
    sample_tasks_free(&st.tasks0);
    sample_tasks_free(&st.tasks1);
    if (proc_interrupted() && strcmp(st.status, "interrupted") != 0 && !client)
        set_status(&st, "interrupted", "interrupted");
    else
        judge_conntrack(&st);
    finish(&st, client);
    return st.run;
}
