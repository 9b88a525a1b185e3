/* How each kind of server in the table (servers.h) starts, and how it tells its request count:
 * c10k-server prints its listening line and answers /stats; nginx gets its configuration from
 * the one template (peers/nginx/nginx.conf.in, compiled in) and answers stub_status; Apache
 * httpd gets its own (peers/apache/apache.conf.in, filled by common/apache_conf) and answers
 * /server-status?auto. A new kind of peer is one more row of peer_kinds below. */
#include "run_state.h"

#include "apache_conf.h"
#include "freeport.h"
#include "httpc.h"
#include "listening.h"
#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern const char nginx_conf_in[];
extern const char python_server_py[];
extern const char apache_conf_in[];

/* What Apache serves at /plaintext: c10k-server's body, byte for byte. */
#define APACHE_PLAINTEXT "Hello, World!"

long long run_parse_server_status(const char *text)
{
    const char *p = strstr(text, "Total Accesses: ");
    if (!p || (p != text && p[-1] != '\n'))
        return -EINVAL;
    char *end;
    long long n = strtoll(p + 16, &end, 10);
    return end == p + 16 || n < 0 ? -EINVAL : n;
}

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

/* A template with @NAME@ placeholders filled by value_of (NULL: not a placeholder, kept as it
 * is), written to path. Returns 0 or -errno. */
static int write_template(const char *path, const char *tmpl,
                          const char *(*value_of)(const char *name, size_t n, void *arg), void *arg)
{
    FILE *f = fopen(path, "we");
    if (!f)
        return -errno;
    for (const char *p = tmpl; *p;) {
        const char *at = strchr(p, '@');
        const char *close = at ? strchr(at + 1, '@') : NULL;
        if (!at || !close) {
            fputs(p, f);
            break;
        }
        fwrite(p, 1, (size_t)(at - p), f);
        const char *value = value_of(at + 1, (size_t)(close - at - 1), arg);
        if (!value) {
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

struct nginx_values {
    const char *dir;
    char port[16], conns[32];
};

static const char *nginx_value(const char *name, size_t n, void *arg)
{
    struct nginx_values *v = arg;
    static const char *const names[] = {"DIR", "HOST", "PORT", "CONNECTIONS"};
    const char *values[] = {v->dir, HOST, v->port, v->conns};
    for (size_t i = 0; i < 4; i++)
        if (strlen(names[i]) == n && strncmp(names[i], name, n) == 0)
            return values[i];
    return NULL;
}

/* nginx.conf in dir from the one template every benchmark uses. Returns 0 or -errno. */
static int write_nginx_conf(const char *dir, int port, long long nofile)
{
    struct nginx_values v = {.dir = dir};
    snprintf(v.port, sizeof v.port, "%d", port);
    snprintf(v.conns, sizeof v.conns, "%lld", nofile > 0 ? nofile : 20000);
    char path[600];
    snprintf(path, sizeof path, "%s/nginx.conf", dir);
    return write_template(path, nginx_conf_in, nginx_value, &v);
}

/* Waits until something listens on st->port, or the server ends or the time runs out. */
static int wait_connectable(struct run_state *st, int ready_ms, const char *what)
{
    double end = proc_now() + ready_ms / 1000.0;
    while (!httpc_can_connect(HOST, st->port)) {
        if (proc_poll(&st->server) || proc_now() > end || proc_interrupted()) {
            char how[128];
            proc_describe_exit(&st->server, how, sizeof how);
            record_set_status(st->rec, proc_interrupted() ? "interrupted" : "failed",
                              "%s did not listen on port %d (%s)", what, st->port, how);
            return -1;
        }
        proc_sleep_ms(20);
    }
    return 0;
}

static int start_nginx(struct run_state *st, struct proc_opts *o, int ready_ms)
{
    struct bench_ctx *ctx = st->ctx;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/nginx-%s", ctx->tmp_dir, st->r->id);
    mkdir(dir, 0755);
    st->port = freeport_pick();
    if (st->port < 0 || write_nginx_conf(dir, st->port, ctx->env->nofile_hard) < 0) {
        record_set_status(st->rec, "failed", "cannot prepare nginx's configuration in %s", dir);
        return -1;
    }
    char conf[600], errlog[600];
    snprintf(conf, sizeof conf, "%s/nginx.conf", dir);
    snprintf(errlog, sizeof errlog, "%s/error.log", dir);
    char *argv[] = {(char *)ctx->nginx_path, "-p", dir, "-c", conf, "-e", errlog, NULL};
    char *wargv[WRAP_MAX_ARGS + 8], store[2048];
    snprintf(st->server_err, sizeof st->server_err, "%s", errlog);
    o->stderr_path = st->server_out;
    if (proc_spawn(
            &st->server, "nginx",
            peer_wrapped_argv(st, argv, wargv, sizeof wargv / sizeof wargv[0], store, sizeof store),
            o) < 0) {
        record_set_status(st->rec, "failed", "cannot start nginx: %s", strerror(errno));
        return -1;
    }
    return wait_connectable(st, ready_ms, "nginx");
}

/* The MPM a row names (.peer_arg), or -1. */
static int apache_mpm_of(const struct bench_server *srv)
{
    for (int m = 0; m < APACHE_MPM_COUNT; m++)
        if (srv->peer_arg && strcmp(srv->peer_arg, apache_mpm_name((enum apache_mpm)m)) == 0)
            return m;
    return -1;
}

/* The run's directory: the configuration, htdocs/plaintext, the logs. Started as root, httpd's
 * children run as nobody and must reach htdocs: the directories on the way are searchable by
 * all (not listable). Returns 0 or -errno. */
static int apache_prepare(const char *tmp_dir, const char *dir)
{
    char path[600];
    if (chmod(tmp_dir, 0711) < 0 || (mkdir(dir, 0711) < 0 && errno != EEXIST))
        return -errno;
    snprintf(path, sizeof path, "%s/htdocs", dir);
    if (mkdir(path, 0755) < 0 && errno != EEXIST)
        return -errno;
    snprintf(path, sizeof path, "%s/htdocs/plaintext", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    size_t len = strlen(APACHE_PLAINTEXT);
    ssize_t n = write(fd, APACHE_PLAINTEXT, len);
    int rc = n == (ssize_t)len ? 0 : -EIO;
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    return rc;
}

/* Time allowed to fork each process httpd starts up front, beside the start-up time. */
#define APACHE_FORK_MS_PER_PROCESS 10

/* httpd listens before it has forked the processes its sizing starts up front (a prefork
 * server sized for 10,000 connections forks 10,000): a run begins when they are all there. */
static int apache_wait_children(struct run_state *st, enum apache_mpm mpm, long conns, int ready_ms)
{
    struct apache_sizing z;
    apache_size(mpm, conns, &z);
    pid_t root[1];
    ready_ms += (int)(APACHE_FORK_MS_PER_PROCESS * z.start_servers);
    double end = proc_now() + ready_ms / 1000.0;
    int64_t n;
    while ((n = procfs_tree_pids(st->server.pid, root, 1)) < z.start_servers + 1) {
        if (n < 0 || proc_poll(&st->server) || proc_now() > end || proc_interrupted()) {
            record_set_status(st->rec, proc_interrupted() ? "interrupted" : "failed",
                              "apache2 started %lld of its %ld processes within %d ms",
                              (long long)(n > 0 ? n - 1 : 0), z.start_servers, ready_ms);
            return -1;
        }
        proc_sleep_ms(20);
    }
    return 0;
}

static int start_apache(struct run_state *st, struct proc_opts *o, int ready_ms)
{
    struct bench_ctx *ctx = st->ctx;
    int mpm = apache_mpm_of(st->spec.srv);
    char dir[512], conf[600];
    snprintf(dir, sizeof dir, "%s/apache-%s", ctx->tmp_dir, st->r->id);
    snprintf(conf, sizeof conf, "%s/apache.conf", dir);
    st->port = freeport_pick();
    long conns = (long)st->spec.concurrency + st->spec.idle;
    if (mpm < 0 || st->port < 0 || apache_prepare(ctx->tmp_dir, dir) < 0 ||
        apache_conf_write(apache_conf_in, conf, dir, HOST, st->port, (enum apache_mpm)mpm, conns) <
            0) {
        record_set_status(st->rec, "failed", "cannot prepare Apache's configuration in %s", dir);
        return -1;
    }
    char *argv[] = {(char *)ctx->apache_path, "-f", conf, "-DFOREGROUND", NULL};
    json_t *jargv = json_array();
    for (int i = 1; argv[i]; i++)
        json_array_append_new(jargv, json_string(argv[i]));
    record_set_json(&st->rec->server.argv, jargv);
    char *wargv[WRAP_MAX_ARGS + 8], store[2048];
    snprintf(st->server_err, sizeof st->server_err, "%s/error.log", dir);
    o->stderr_path = st->server_out;
    if (proc_spawn(
            &st->server, "apache2",
            peer_wrapped_argv(st, argv, wargv, sizeof wargv / sizeof wargv[0], store, sizeof store),
            o) < 0) {
        record_set_status(st->rec, "failed", "cannot start apache2: %s", strerror(errno));
        return -1;
    }
    if (wait_connectable(st, ready_ms, "apache2") < 0)
        return -1;
    return apache_wait_children(st, (enum apache_mpm)mpm, conns, ready_ms);
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

/* Waits for the listening line on the server's stdout and reads the port from it. */
static int wait_listening(struct run_state *st, int ready_ms)
{
    char line[256];
    int rc = proc_wait_first_line(&st->server, st->server_out, line, sizeof line, ready_ms);
    if (rc == -EINTR) {
        record_set_status(st->rec, "interrupted", "interrupted while the server started");
        return -1;
    }
    if (rc == -ECHILD && server_refused(&st->server, st->server_err, line, sizeof line)) {
        record_set_status(st->rec, "skipped", "%s", line);
        snprintf(st->ctx->refused[server_id_of(st->spec.srv)], sizeof st->ctx->refused[0], "%s",
                 line);
        return -1;
    }
    if (rc < 0) {
        char how[128];
        proc_describe_exit(&st->server, how, sizeof how);
        record_set_status(st->rec, "failed",
                          "the server did not print its listening line within %d ms (%s)", ready_ms,
                          rc == -ECHILD ? how : "still running");
        return -1;
    }
    struct listening listening;
    if (listening_parse(line, &listening) < 0) {
        record_set_status(st->rec, "failed", "unexpected first line from the server: \"%.100s\"",
                          line);
        return -1;
    }
    st->port = listening.port;
    return 0;
}

/* Starts a server that takes c10k-server's options and prints its listening line: prefix (its
 * program, and for an interpreter the script) then the common options and the variant's. */
static int start_listening(struct run_state *st, struct proc_opts *o, int ready_ms,
                           char *const *prefix, const char *what)
{
    const struct run_spec *r = &st->spec;
    char *argv[24];
    int n = 0;
    for (; prefix[n]; n++)
        argv[n] = prefix[n];
    argv[n++] = "--mode";
    argv[n++] = (char *)r->srv->name;
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
    for (int i = 1; i < n; i++) /* after the program (the interpreter: from the script on) */
        json_array_append_new(jargv, json_string(argv[i]));
    record_set_json(&st->rec->server.argv, jargv);
    char *wargv[WRAP_MAX_ARGS + 24], store[2048];
    if (proc_spawn(
            &st->server, what,
            peer_wrapped_argv(st, argv, wargv, sizeof wargv / sizeof wargv[0], store, sizeof store),
            o) < 0) {
        record_set_status(st->rec, "failed", "cannot start %s: %s", prefix[0], strerror(errno));
        return -1;
    }
    return wait_listening(st, ready_ms);
}

static int start_c10k(struct run_state *st, struct proc_opts *o, int ready_ms)
{
    char *prefix[] = {(char *)st->ctx->server_path, NULL};
    return start_listening(st, o, ready_ms, prefix, "c10k-server");
}

/* The Python server is compiled in (as nginx's configuration is) and written once into the
 * session's temporary directory, so that c10k-bench runs the script it was built with wherever
 * it is installed. */
static int python_script(const struct bench_ctx *ctx, char *path, size_t len)
{
    snprintf(path, len, "%s/c10k_server.py", ctx->tmp_dir);
    if (access(path, R_OK) == 0)
        return 0;
    FILE *f = fopen(path, "we");
    if (!f)
        return -errno;
    int failed = fputs(python_server_py, f) < 0;
    if (fclose(f) != 0 || failed) {
        int e = errno ? errno : EIO;
        unlink(path); /* not half a script for the next run */
        return -e;
    }
    return 0;
}

static int start_python(struct run_state *st, struct proc_opts *o, int ready_ms)
{
    char script[600];
    int rc = python_script(st->ctx, script, sizeof script);
    if (rc < 0) {
        record_set_status(st->rec, "failed", "cannot write %s: %s", script, strerror(-rc));
        return -1;
    }
    char *prefix[] = {(char *)st->ctx->python_path, script, NULL};
    return start_listening(st, o, ready_ms, prefix, "c10k_server.py");
}

/* /stats counts its own requests by endpoint: they are taken out of its total. */
static int c10k_counters(const char *body, const struct sample *smp, long long status_reads,
                         struct snapshot *s)
{
    (void)smp;
    (void)status_reads;
    json_error_t je;
    s->stats = json_loads(body, 0, &je);
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
    return 0;
}

/* stub_status counts the request it answers and every one before. */
static int nginx_counters(const char *body, const struct sample *smp, long long status_reads,
                          struct snapshot *s)
{
    s->requests = run_parse_stub_status(body);
    if (s->requests >= 0)
        s->requests -= status_reads + 1;
    s->ctx_vol = (long long)smp->ctx_voluntary;
    s->ctx_invol = (long long)smp->ctx_involuntary;
    if (s->requests < 0) {
        snprintf(s->error, sizeof s->error, "stub_status did not parse");
        return -EPROTO;
    }
    return 0;
}

/* Total Accesses counts a request once it is answered: the earlier status requests, not this
 * one. */
static int apache_counters(const char *body, const struct sample *smp, long long status_reads,
                           struct snapshot *s)
{
    s->requests = run_parse_server_status(body);
    if (s->requests >= 0)
        s->requests -= status_reads;
    s->ctx_vol = (long long)smp->ctx_voluntary;
    s->ctx_invol = (long long)smp->ctx_involuntary;
    if (s->requests < 0) {
        snprintf(s->error, sizeof s->error, "/server-status?auto has no Total Accesses");
        return -EPROTO;
    }
    return 0;
}

/* One row per kind of server: its program, how it starts, where its counters are, how to read
 * them. */
static const struct {
    size_t program; /* offset of its path in struct bench_ctx (NULL there: not installed) */
    const char *missing;
    int (*start)(struct run_state *st, struct proc_opts *o, int ready_ms);
    const char *status_path;
    int (*counters)(const char *body, const struct sample *smp, long long status_reads,
                    struct snapshot *s);
} peer_kinds[] = {
    [SERVER_C10K] = {offsetof(struct bench_ctx, server_path), "c10k-server was not found",
                     start_c10k, "/stats", c10k_counters},
    [SERVER_NGINX] = {offsetof(struct bench_ctx, nginx_path),
                      "nginx is not installed (apt-get install nginx-light)", start_nginx,
                      "/nginx_status", nginx_counters},
    [SERVER_PYTHON] = {offsetof(struct bench_ctx, python_path),
                       "python3 is not installed (apt-get install python3 python3-uvloop; or "
                       "give --python PATH)",
                       start_python, "/stats", c10k_counters},
    [SERVER_APACHE] = {offsetof(struct bench_ctx, apache_path),
                       "Apache httpd is not installed (apt-get install apache2-bin)", start_apache,
                       "/server-status?auto", apache_counters},
};

const char *peer_unavailable(const struct bench_ctx *ctx, const struct bench_server *srv)
{
    const char *path = *(const char *const *)((const char *)ctx + peer_kinds[srv->kind].program);
    return path ? NULL : peer_kinds[srv->kind].missing;
}

int peer_start(struct run_state *st, struct proc_opts *o, int ready_ms)
{
    return peer_kinds[st->spec.srv->kind].start(st, o, ready_ms);
}

const char *peer_status_path(const struct bench_server *srv)
{
    return peer_kinds[srv->kind].status_path;
}

int peer_read_counters(const struct bench_server *srv, const char *body, const struct sample *smp,
                       long long status_reads, struct snapshot *s)
{
    return peer_kinds[srv->kind].counters(body, smp, status_reads, s);
}

pid_t peer_serving_pid(const struct run_state *st)
{
    pid_t worker;
    if (st->spec.srv->serving_child && sample_children(st->pid, &worker, 1) == 1)
        return worker;
    return st->pid;
}

char **peer_wrapped_argv(struct run_state *st, char **argv, char **out, size_t max, char *store,
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
    struct rec_wrapper *w = &st->rec->wrapper;
    w->present = 1;
    record_set_str(&w->tool, wrap_name(st->wrap));
    record_set_json(&w->argv, jargv);
    record_set_str(&w->output, st->wrap_out);
    return out;
}
