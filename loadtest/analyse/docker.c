#include "docker.h"

#include "claims.h"
#include "judge.h"
#include "load_config.h"
#include "loadgen.h"
#include "report.h"
#include "results.h"
#include "scenarios.h"
#include "servers.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef C10K_VERSION
#define C10K_VERSION "0"
#endif

/* The tail of the server's log kept in a run's record. */
#define DOCKER_LOG_TAIL_BYTES 1500

/* ---- Reading the collected files ---- */

/* One run's files. Each JSON input is NULL when its file is missing or broken; what was broken
 * is said in problems. */
struct docker_inputs {
    const char *dir, *id;
    json_t *spec, *server_inspect, *load_inspect, *load, *before, *after, *prometheus;
    json_t *stats; /* the /stats samples, in order */
    char *cgroup, *log;
    char problems[1024];
};

/* Appends a clause to a "; "-separated list in buf. */
static void add_clause(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add_clause(char *buf, size_t len, const char *fmt, ...)
{
    size_t used = strlen(buf);
    if (used + 3 >= len)
        return;
    if (used)
        used += (size_t)snprintf(buf + used, len - used, "; ");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, len - used, fmt, ap);
    va_end(ap);
}

/* The whole of dir/rel, or NULL (errno ENOENT when it is missing). */
static char *read_text(const char *dir, const char *rel)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    return results_read_text(path, RESULTS_TEXT_MAX, NULL);
}

/* dir/rel as JSON, or NULL: missing (optional files say nothing) or broken (said). */
static json_t *read_json(struct docker_inputs *in, const char *rel, int required)
{
    char *text = read_text(in->dir, rel);
    if (!text) {
        if (errno != ENOENT || required)
            add_clause(in->problems, sizeof in->problems, "%s: %s", rel,
                       errno == ENOENT ? "missing" : "unreadable or too large");
        return NULL;
    }
    /* An empty file is what a request that never answered leaves: the same as none. */
    if (!text[strspn(text, " \t\r\n")]) {
        free(text);
        if (required)
            add_clause(in->problems, sizeof in->problems, "%s: empty", rel);
        return NULL;
    }
    json_error_t je;
    json_t *v = json_loads(text, 0, &je);
    free(text);
    if (!v)
        add_clause(in->problems, sizeof in->problems, "%s: not JSON (%s, line %d)", rel, je.text,
                   je.line);
    return v;
}

/* docker inspect's output is an array of one container. */
static json_t *read_inspect(struct docker_inputs *in, const char *rel)
{
    json_t *a = read_json(in, rel, 1);
    json_t *c = json_is_array(a) ? json_incref(json_array_get(a, 0)) : NULL;
    if (a && !json_is_object(c))
        add_clause(in->problems, sizeof in->problems, "%s: not docker inspect's output", rel);
    json_decref(a);
    return json_is_object(c) ? c : NULL;
}

/* runs/<id>/stats.jsonl: one /stats object per line; a line cut short (the sampler killed
 * mid-write) is left out. */
static json_t *read_stats_lines(struct docker_inputs *in, const char *rel)
{
    json_t *out = json_array();
    char *text = read_text(in->dir, rel);
    if (!text)
        return out;
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        json_t *v = json_loads(line, 0, NULL);
        if (json_is_object(v))
            json_array_append(out, v);
        json_decref(v);
    }
    free(text);
    return out;
}

static void inputs_read(struct docker_inputs *in, const char *dir, const char *id)
{
    char rel[512];
    memset(in, 0, sizeof *in);
    in->dir = dir;
    in->id = id;
#define HOST(name) (snprintf(rel, sizeof rel, "host/%s/%s", id, name), rel)
#define RUN(name) (snprintf(rel, sizeof rel, "runs/%s/%s", id, name), rel)
    in->spec = read_json(in, HOST("spec.json"), 1);
    /* Without its spec a run is only its name; a skipped run has nothing else. */
    if (!in->spec || json_object_get(in->spec, "skipped_reason"))
        return;
    in->server_inspect = read_inspect(in, HOST("server-inspect.json"));
    in->load_inspect = read_inspect(in, HOST("load-inspect.json"));
    in->cgroup = read_text(dir, HOST("cgroup.tsv"));
    in->log = read_text(dir, HOST("server.log"));
    in->load = read_json(in, RUN("load.json"), 1);
    in->before = read_json(in, RUN("stats-before.json"), 0);
    in->after = read_json(in, RUN("stats-after.json"), 0);
    in->stats = read_stats_lines(in, RUN("stats.jsonl"));
    in->prometheus = read_json(in, RUN("prometheus.json"), 0);
    if (in->prometheus && !json_is_object(in->prometheus)) {
        add_clause(in->problems, sizeof in->problems, "%s: not a JSON object", rel);
        json_decref(in->prometheus);
        in->prometheus = NULL;
    }
#undef HOST
#undef RUN
}

static void inputs_free(struct docker_inputs *in)
{
    json_decref(in->spec);
    json_decref(in->server_inspect);
    json_decref(in->load_inspect);
    json_decref(in->load);
    json_decref(in->before);
    json_decref(in->after);
    json_decref(in->stats);
    json_decref(in->prometheus);
    free(in->cgroup);
    free(in->log);
}

/* ---- Small helpers ---- */

/* The number at a dotted path of one of Docker's or the server's documents (NaN: none). */
static double num_at(const json_t *doc, const char *path)
{
    const json_t *v = schema_json_at(doc, path);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* The string of a member (NULL: none). */
static const char *str_of(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static double delta(const json_t *a, const json_t *b, const char *path)
{
    return num_at(b, path) - num_at(a, path);
}

static double div_or_nan(double a, double b)
{
    return isfinite(a) && isfinite(b) && b > 0 ? a / b : NAN;
}

static double max2(double a, double b)
{
    return !isfinite(a) ? b : !isfinite(b) ? a : a > b ? a : b;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median and the peak of one figure over the /stats samples (NaN when none has it). */
static void stats_spread(const json_t *stats, const char *path, double *median, double *peak)
{
    size_t n = json_array_size(stats), k = 0, i;
    double *v = calloc(n ? n : 1, sizeof *v);
    json_t *s;
    *median = *peak = NAN;
    if (!v)
        return;
    json_array_foreach(stats, i, s)
    {
        double x = num_at(s, path);
        if (isfinite(x))
            v[k++] = x;
    }
    if (k) {
        qsort(v, k, sizeof *v, cmp_double);
        *median = v[k / 2];
        *peak = v[k - 1];
    }
    free(v);
}

/* The requests of the load in one /stats sample: every request but the samples' own (/stats)
 * and Prometheus's scrapes (/metrics, which a server without Prometheus beside it never had). */
static double load_requests(const json_t *sample)
{
    double metrics = num_at(sample, "requests.by_endpoint.metrics");
    return num_at(sample, "requests.total") - num_at(sample, "requests.by_endpoint.stats") -
           (isfinite(metrics) ? metrics : 0);
}

/* The server's CPU cores in use while the load ran, from the per-second /stats samples: the
 * intervals whose load ran at a tenth of its peak rate or more, as did the intervals on either
 * side (so the warm-up's start, a shared start time's wait and the end fall outside). NaN with
 * fewer than two such intervals. */
#define BUSY_RATE_SHARE 0.1
static double busy_under_load(const json_t *stats)
{
    size_t n = json_array_size(stats);
    if (n < 4)
        return NAN;
    double *rate = calloc(n - 1, sizeof *rate), peak = 0;
    if (!rate)
        return NAN;
    for (size_t i = 0; i + 1 < n; i++) {
        const json_t *a = json_array_get(stats, i), *b = json_array_get(stats, i + 1);
        double w = delta(a, b, "uptime_s");
        rate[i] = w > 0 ? (load_requests(b) - load_requests(a)) / w : NAN;
        if (rate[i] > peak)
            peak = rate[i];
    }
    double cpu = 0, wall = 0, floor = BUSY_RATE_SHARE * peak;
    int intervals = 0;
    for (size_t i = 1; i + 2 < n; i++) {
        if (!(peak > 0 && rate[i - 1] >= floor && rate[i] >= floor && rate[i + 1] >= floor))
            continue;
        const json_t *a = json_array_get(stats, i), *b = json_array_get(stats, i + 1);
        double c = delta(a, b, "process.cpu_user_s") + delta(a, b, "process.cpu_system_s");
        if (!isfinite(c))
            continue;
        cpu += c;
        wall += delta(a, b, "uptime_s");
        intervals++;
    }
    free(rate);
    return intervals >= 2 ? cpu / wall : NAN;
}

/* docker/run.sh's durations ("2s", "500ms": c10k-load's options) in seconds; NaN when none. */
static double duration_s(const json_t *v)
{
    double s;
    const char *text = json_string_value(v);
    return text && load_parse_duration(text, &s) == 0 ? s : NAN;
}

/* ---- The engine's view ---- */

/* The sampler's TSV (docker/run.sh): t, memory, memory peak, memory limit hits, OOM kills,
 * pids, pids limit hits, established TCP connections to the server's port; "-" where the
 * cgroup has no such file. */
enum { CG_T, CG_MEM, CG_MEM_PEAK, CG_MEM_HITS, CG_OOM, CG_PIDS, CG_PIDS_HITS, CG_CONNS, CG_COLS };

/* One row of it into v; 0, or -1 for a row cut short. Moves *line to the next row. */
static int cgroup_row(const char **line, double v[CG_COLS])
{
    const char *p = *line;
    int c;
    for (c = 0; c < CG_COLS; c++) {
        char *end;
        v[c] = strtod(p, &end);
        if (end == p)
            v[c] = NAN;
        p = end + strcspn(end, "\t\n");
        if (*p != '\t')
            break;
        p++;
    }
    const char *next = strchr(*line, '\n');
    *line = next ? next + 1 : "";
    return c < CG_COLS - 1 ? -1 : 0;
}

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* The server container's cgroup as sampled from the host: baselines, peaks and the series. */
static void cgroup_of(struct run_record *r, const char *tsv)
{
    double first[CG_COLS], peak[CG_COLS], v[CG_COLS];
    json_t *t = json_array(), *mem = json_array(), *pids = json_array(), *conns = json_array();
    size_t rows = 0;
    for (int c = 0; c < CG_COLS; c++)
        first[c] = peak[c] = NAN;
    for (const char *line = tsv ? tsv : ""; *line;) {
        if (cgroup_row(&line, v) < 0)
            continue;
        for (int c = 0; c < CG_COLS; c++) {
            if (!rows)
                first[c] = v[c];
            peak[c] = max2(peak[c], v[c]);
        }
        json_array_append_new(t, num(v[CG_T]));
        json_array_append_new(mem, num(v[CG_MEM]));
        json_array_append_new(pids, num(v[CG_PIDS]));
        json_array_append_new(conns, num(v[CG_CONNS]));
        rows++;
    }
    json_t *series = json_pack("{s:o, s:o, s:o, s:o}", "t", t, "memory_bytes", mem, "pids", pids,
                               "connections", conns);
    if (!rows) {
        json_decref(series);
        return;
    }
    r->docker.server.cgroup.present = 1;
    r->docker.server.cgroup.samples = (double)rows;
    r->docker.server.cgroup.memory_baseline_bytes = first[CG_MEM];
    r->docker.server.cgroup.memory_peak_bytes = max2(peak[CG_MEM], peak[CG_MEM_PEAK]);
    r->docker.server.cgroup.memory_limit_hits = peak[CG_MEM_HITS];
    r->docker.server.cgroup.oom_kills = peak[CG_OOM];
    r->docker.server.cgroup.pids_baseline = first[CG_PIDS];
    r->docker.server.cgroup.pids_peak = peak[CG_PIDS];
    r->docker.server.cgroup.pids_refused = peak[CG_PIDS_HITS];
    r->docker.server.cgroup.connections_peak = peak[CG_CONNS];
    record_set_json(&r->docker.server.cgroup.series, series);
}

static double positive(const json_t *v, double scale)
{
    double x = json_number_value(v);
    return json_is_number(v) && x > 0 ? x / scale : NAN;
}

/* A container's limits from docker inspect's HostConfig. */
static void limits_of(struct rec_container_limits *l, const json_t *inspect)
{
    if (!inspect)
        return;
    const json_t *h = json_object_get(inspect, "HostConfig");
    size_t i;
    json_t *u;
    l->present = 1;
    json_array_foreach(json_object_get(h, "Ulimits"), i, u)
    {
        const char *name = str_of(u, "Name");
        if (name && strcmp(name, "nofile") == 0)
            l->nofile = num_at(u, "Hard");
    }
    l->memory_bytes = positive(json_object_get(h, "Memory"), 1);
    l->pids = positive(json_object_get(h, "PidsLimit"), 1);
    l->cpus = positive(json_object_get(h, "NanoCpus"), 1e9);
    record_set_str(&l->network_mode, str_of(h, "NetworkMode"));
}

/* A container's end from docker inspect's State. */
static void state_of(struct rec_container_state *st, const json_t *inspect)
{
    if (!inspect)
        return;
    const json_t *s = json_object_get(inspect, "State");
    const json_t *health = json_object_get(s, "Health");
    size_t i;
    json_t *h;
    st->present = 1;
    st->health_checks = st->health_passed = 0;
    json_array_foreach(json_object_get(health, "Log"), i, h)
    {
        st->health_checks++;
        st->health_passed += num_at(h, "ExitCode") == 0;
    }
    st->exit_code = num_at(s, "ExitCode");
    st->oom_killed = json_is_true(json_object_get(s, "OOMKilled"));
    record_set_str(&st->error, str_of(s, "Error"));
    record_set_str(&st->started_at, str_of(s, "StartedAt"));
    record_set_str(&st->finished_at, str_of(s, "FinishedAt"));
    record_set_str(&st->health, str_of(health, "Status"));
}

static void log_tail(char **field, const char *log)
{
    if (!log)
        return;
    size_t n = strlen(log);
    const char *p = n > DOCKER_LOG_TAIL_BYTES ? log + n - DOCKER_LOG_TAIL_BYTES : log;
    /* Not from the middle of a UTF-8 sequence. */
    while (((unsigned char)*p & 0xC0) == 0x80)
        p++;
    json_t *utf8 = json_string(p);
    record_set_str(field, utf8 ? p : "(the server's log is not UTF-8)");
    json_decref(utf8);
}

/* The engine's view of both containers. */
static void docker_of(struct run_record *r, const struct docker_inputs *in)
{
    struct rec_docker *d = &r->docker;
    d->present = d->server.present = d->load.present = 1;
    cgroup_of(r, in->cgroup);
    limits_of(&d->server.limits, in->server_inspect);
    state_of(&d->server.state, in->server_inspect);
    log_tail(&d->server.log_tail, in->log);
    limits_of(&d->load.limits, in->load_inspect);
    state_of(&d->load.state, in->load_inspect);
    d->load.exit = num_at(in->spec, "load_exit");
    /* The kernel OOM-kills a container at its memory limit: when the engine says it did, the
     * peak was the limit, whatever the last sample before the kill read. */
    double limit = d->server.limits.memory_bytes;
    if (d->server.cgroup.present == 1 && d->server.state.oom_killed == 1 && isfinite(limit)) {
        d->server.cgroup.memory_peak_bytes = max2(d->server.cgroup.memory_peak_bytes, limit);
        record_set_str(&d->server.cgroup.memory_peak_from, "the memory limit (OOM kill)");
    }
    if (r->server.present == 1) {
        r->server.exit_code = d->server.state.exit_code;
        r->server.oom_killed = d->server.state.present == 1 ? d->server.state.oom_killed : -1;
    }
}

/* ---- The server's own counters ---- */

/* Deltas of /stats's counters, named as a local run's ("errors.thread_create",
 * "connections.rejected"); the connection gauges are not counters. */
static json_t *counters_of(const json_t *before, const json_t *fin)
{
    static const char *const groups[] = {"errors", "connections", "responses"};
    static const char *const gauges[] = {"active", "reading", "writing", "waiting"};
    json_t *out = json_object();
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        const char *key;
        json_t *v;
        json_object_foreach(json_object_get(fin, groups[g]), key, v)
        {
            int gauge = 0;
            for (size_t k = 0; k < sizeof gauges / sizeof gauges[0]; k++)
                gauge |= strcmp(key, gauges[k]) == 0;
            if (gauge || !json_is_integer(v))
                continue;
            char name[96];
            snprintf(name, sizeof name, "%s.%s", groups[g], key);
            json_int_t was =
                json_integer_value(json_object_get(json_object_get(before, groups[g]), key));
            json_object_set_new(out, name, json_integer(json_integer_value(v) - was));
        }
    }
    return out;
}

/* The server's figures from /stats before the load, after it (else its last sample) and once a
 * second during it. */
static void server_of(struct run_record *r, const struct docker_inputs *in)
{
    const json_t *before = in->before;
    if (!before)
        return;
    size_t n = json_array_size(in->stats);
    const json_t *fin = in->after ? in->after : n ? json_array_get(in->stats, n - 1) : before;
    struct rec_server *sv = &r->server;
    double reqs = load_requests(fin) - load_requests(before);
    double wall = delta(before, fin, "uptime_s");
    double cpu =
        delta(before, fin, "process.cpu_user_s") + delta(before, fin, "process.cpu_system_s");
    double ctx =
        delta(before, fin, "process.ctx_voluntary") + delta(before, fin, "process.ctx_involuntary");
    double rss_peak, vsize_peak, threads_peak, unused;
    sv->present = 1;
    record_set_str(&sv->mode, str_of(before, "mode"));
    record_set_str(&sv->version, str_of(before, "version"));
    sv->requests = reqs;
    sv->window_s = wall;
    sv->requests_per_s = div_or_nan(reqs, wall);
    sv->rss_baseline_bytes = num_at(before, "process.rss_bytes");
    sv->threads_baseline = num_at(before, "process.threads");
    stats_spread(in->stats, "process.rss_bytes", &sv->rss_bytes, &rss_peak);
    stats_spread(in->stats, "process.vsize_bytes", &sv->vsize_bytes, &vsize_peak);
    stats_spread(in->stats, "process.threads", &sv->threads, &threads_peak);
    stats_spread(in->stats, "connections.active", &unused, &sv->connections_peak);
    stats_spread(in->stats, "process.open_fds", &unused, &sv->fds_peak);
    sv->rss_peak_bytes = max2(rss_peak, num_at(fin, "process.peak_rss_bytes"));
    sv->vsize_peak_bytes = vsize_peak;
    sv->threads_peak = max2(threads_peak, num_at(fin, "process.threads"));
    sv->cpu_user_s = delta(before, fin, "process.cpu_user_s");
    sv->cpu_system_s = delta(before, fin, "process.cpu_system_s");
    sv->cpu_cores = div_or_nan(cpu, wall);
    sv->cpu_us_per_request = div_or_nan(cpu * 1e6, reqs);
    sv->ctx_voluntary = delta(before, fin, "process.ctx_voluntary");
    sv->ctx_involuntary = delta(before, fin, "process.ctx_involuntary");
    sv->ctx_per_s = div_or_nan(ctx, wall);
    sv->ctx_per_request = div_or_nan(ctx, reqs);
    record_set_str(&sv->ctx_source, "getrusage via /stats (all threads, ended ones too)");
    record_set_str(&sv->counters_from, in->after ? "stats-after" : "the last /stats sample");
    record_set_json(&sv->counters, counters_of(before, fin));
    judge_refusals_from_counters(r);
}

/* The /stats samples as the report's per-second columns. */
static json_t *samples_of(const json_t *stats)
{
    size_t n = json_array_size(stats);
    if (n < 2)
        return NULL;
    json_t *t = json_array(), *rss = json_array(), *vsz = json_array(), *thr = json_array(),
           *conns = json_array(), *fds = json_array(), *ctx = json_array(), *cores = json_array();
    for (size_t i = 1; i < n; i++) {
        const json_t *a = json_array_get(stats, i - 1), *b = json_array_get(stats, i);
        double dt = delta(a, b, "t");
        json_array_append_new(t, num(round(num_at(b, "t") * 10) / 10));
        json_array_append_new(rss, num(num_at(b, "process.rss_bytes")));
        json_array_append_new(vsz, num(num_at(b, "process.vsize_bytes")));
        json_array_append_new(thr, num(num_at(b, "process.threads")));
        json_array_append_new(conns, num(num_at(b, "connections.active")));
        json_array_append_new(fds, num(num_at(b, "process.open_fds")));
        json_array_append_new(ctx, num(div_or_nan(delta(a, b, "process.ctx_voluntary") +
                                                      delta(a, b, "process.ctx_involuntary"),
                                                  dt)));
        json_array_append_new(cores, num(div_or_nan(delta(a, b, "process.cpu_user_s") +
                                                        delta(a, b, "process.cpu_system_s"),
                                                    dt)));
    }
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "t", t, "rss_bytes", rss,
                     "vsize_bytes", vsz, "threads", thr, "connections", conns, "fds", fds,
                     "ctx_per_s", ctx, "cpu_cores", cores);
}

/* ---- One run ---- */

/* What the run was asked to be (its spec.json), whatever happened to it; its rows of the two
 * tables. The load is c10k-load, closed loop, from one address, the server's options the
 * image's defaults. */
static void spec_of(struct run_record *r, const struct docker_inputs *in)
{
    const json_t *sp = in->spec;
    record_set_str(&r->id, str_of(sp, "id") ? str_of(sp, "id") : in->id);
    record_set_str(&r->scenario, str_of(sp, "scenario"));
    record_set_str(&r->model, str_of(sp, "model"));
    record_set_str(&r->mode, str_of(sp, "mode"));
    r->scn = r->scenario ? scenario_find(r->scenario) : NULL;
    r->srv = r->model ? server_find(r->model) : NULL;
    r->variant = 0;
    r->level = num_at(sp, "level");
    r->concurrency = num_at(sp, "concurrency");
    r->idle_connections = num_at(sp, "idle_connections");
    record_set_str(&r->path, r->scn ? r->scn->path : NULL);
    record_set_str(&r->tool, "c10k-load");
    r->keepalive = 1;
    r->repetition = 1;
    r->warmup_s = duration_s(json_object_get(sp, "warmup"));
    r->duration_s = duration_s(json_object_get(sp, "duration"));
    r->timeout_s = duration_s(json_object_get(sp, "timeout"));
    r->ramp_per_s = num_at(sp, "ramp_per_s");
    r->source_addresses = 1;
    r->server_all_cpus = 0;
    record_set_json(&r->server_args, json_array());
    record_set_json(&r->notes, json_array());
    r->load_bound = 0;
}

/* The load generator's results (load.json, one generator's or several merged) into the run's
 * client part, through the parser of a local run's. Returns 0, or -1 with the reason in err. */
static int client_of(struct run_record *r, const struct docker_inputs *in, char *err, size_t len)
{
    if (!in->load)
        return 0;
    char *text = json_dumps(in->load, JSON_COMPACT);
    json_t *client = text ? loadgen_parse_load(text, err, len) : NULL;
    free(text);
    if (!client)
        return -1;
    schema_parse(&schema_run, r, client, "client");
    json_decref(client);
    return 0;
}

/* What the server held: TCP connections established to its port (sampled from the host, so
 * also while it cannot answer /stats), else its own count. A thread-per-connection server has
 * a thread per held connection: the pids growth bounds it (connections being refused are
 * established too, until the 503 is sent). */
static void held_of(struct run_record *r)
{
    double e = r->docker.server.cgroup.connections_peak;
    if (!isfinite(e))
        e = r->server.connections_peak;
    double pids = r->docker.server.cgroup.pids_peak, base = r->docker.server.cgroup.pids_baseline;
    double held = e;
    if (r->srv->thread_per_connection && isfinite(pids) && isfinite(e)) {
        double bound = pids - (isfinite(base) ? base : 0) + 1;
        held = bound < e ? bound : e;
    }
    r->established_peak = e;
    r->held_connections = held;
    if (r->server.present == 1)
        r->server.connections_held_peak = held;
}

/* Memory per connection: the growth of the container's cgroup memory (user and kernel memory
 * charged to it) over the connections held; not for a server the OOM killer ended (the sample
 * before the kill may be far from it). */
static void per_connection_of(struct run_record *r)
{
    double held = r->held_connections;
    double peak = r->docker.server.cgroup.memory_peak_bytes,
           base = r->docker.server.cgroup.memory_baseline_bytes;
    if (!(held >= 1) || !isfinite(peak) || !isfinite(base) ||
        r->docker.server.state.oom_killed == 1)
        return;
    struct rec_per_connection *pc = &r->per_connection;
    pc->present = 1;
    pc->connections = held;
    pc->total_bytes = (peak - base) / held;
    pc->rss_bytes = div_or_nan(r->server.rss_peak_bytes - r->server.rss_baseline_bytes, held);
    pc->pids = (r->docker.server.cgroup.pids_peak - r->docker.server.cgroup.pids_baseline) / held;
    record_set_str(&pc->source,
                   "cgroup memory (user and kernel memory charged to the server container)");
    record_set_str(&pc->kernel_source, "the server container's cgroup (memory charged to it)");
}

/* How busy the server's CPU quota and the load generator's busiest thread (c10k-load's own
 * measure, the busiest generator's when merged) were, for the judge's bottleneck. */
static void saturation_of(struct run_record *r, const json_t *stats, double session_cpus)
{
    double cpus = r->docker.server.limits.cpus;
    if (!isfinite(cpus))
        cpus = session_cpus;
    if (!(cpus > 0))
        cpus = 1;
    double cores = busy_under_load(stats);
    const char *from = "per-second /stats while the load ran";
    if (!isfinite(cores)) {
        cores = r->server.cpu_cores;
        from = "/stats before and after the load";
    }
    if (!isfinite(cores / cpus))
        return;
    struct rec_saturation *s = &r->saturation;
    s->present = 1;
    s->server_busy = cores / cpus;
    record_set_str(&s->server_busy_from, from);
    s->server_cpus = cpus;
    s->client_busy = r->client.cpu.busiest_thread_share;
    judge_bottleneck(r, r->rate > 0, "CPU quota");
}

/* What only a Docker run can go through, as a local run records its own lifecycle: no results
 * from the load container, a server not healthy before the load, a collected file broken. */
static void docker_facts(struct run_record *r, const struct docker_inputs *in,
                         const char *client_error)
{
    if (r->client.present != 1)
        record_set_status(r, "failed", "no results from the load container (exit %.0f)",
                          r->docker.load.exit);
    if (json_is_false(json_object_get(in->spec, "healthy_before")))
        record_set_status(r, "errors", "the server was not healthy before the load");
    if (client_error[0])
        record_set_status(r, "errors", "runs/%s/load.json: %s", in->id, client_error);
    if (in->problems[0])
        record_set_status(r, "errors", "%s", in->problems);
}

/* One run from its files: what was asked, what each side counted, then the one judge. */
static void run_of(struct run_record *r, const struct docker_inputs *in, double session_cpus)
{
    spec_of(r, in);
    if (!in->spec) {
        record_set_status(r, "failed", "%s", in->problems);
        return;
    }
    const char *skipped = str_of(in->spec, "skipped_reason");
    if (skipped) {
        record_set_status(r, "skipped", "%s", skipped);
        return;
    }
    if (!r->scn || !r->srv || r->srv->kind != SERVER_C10K) {
        record_set_status(
            r, "failed",
            "host/%s/spec.json: scenario %s, model %s: not rows of c10k-bench's tables", in->id,
            r->scenario ? r->scenario : "(none)", r->model ? r->model : "(none)");
        return;
    }
    char client_error[256] = "";
    client_of(r, in, client_error, sizeof client_error);
    server_of(r, in);
    docker_of(r, in);
    held_of(r);
    per_connection_of(r);
    record_set_json(&r->samples, samples_of(in->stats));
    if (in->prometheus)
        record_set_json(&r->prometheus, json_incref(in->prometheus));
    docker_facts(r, in, client_error);
    judge_crosscheck(r);
    saturation_of(r, in->stats, session_cpus);
    struct judge_context cx = {.pool_workers = num_at(in->before, "pool.workers")};
    judge_run(r, &cx);
}

/* ---- The session ---- */

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* Every run under DIR/host, in name order (as docker/run.sh's own listing was). Returns 0, or -1
 * with the reason in err. */
static int runs_of(struct session_record *s, const char *dir, double session_cpus, char *err,
                   size_t err_len)
{
    char host[4096];
    snprintf(host, sizeof host, "%s/host", dir);
    struct dirent **names;
    int n = scandir(host, &names, NULL, by_name);
    if (n < 0) {
        snprintf(err, err_len, "%s: %s", host, strerror(errno));
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.' && rc == 0) {
            struct run_record *r = record_session_add_run(s);
            if (r) {
                struct docker_inputs in;
                inputs_read(&in, dir, names[i]->d_name);
                run_of(r, &in, session_cpus);
                inputs_free(&in);
            } else {
                snprintf(err, err_len, "out of memory at run %s", names[i]->d_name);
                rc = -1;
            }
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

/* The scenarios the session ran, in the table's order: each row's own words, and the limits
 * its containers had (the engine's, from its first run that has them). */
static json_t *scenarios_of(const struct session_record *s)
{
    json_t *out = json_array();
    for (int k = 0; k < SCN_COUNT; k++) {
        const struct bench_scenario *sc = &bench_scenarios[k];
        const struct run_record *ran = NULL;
        for (size_t i = 0; i < s->n_runs; i++)
            if (s->runs[i].scn == sc && (!ran || ran->docker.server.limits.present != 1))
                ran = &s->runs[i];
        if (!ran)
            continue;
        char how[1024], mem[32];
        const struct rec_docker *d = &ran->docker;
        claims_format_bytes(mem, sizeof mem, d->server.limits.memory_bytes);
        if (d->server.limits.present == 1)
            snprintf(
                how, sizeof how,
                "%s In Docker: the server container had a CPU quota of %g, %s of memory and %.0f "
                "pids; the load container (c10k-load) a CPU quota of %g. Memory is the cgroup's "
                "(user "
                "and kernel memory charged to the container).",
                sc->how, d->server.limits.cpus, mem, d->server.limits.pids, d->load.limits.cpus);
        else
            snprintf(how, sizeof how, "%s", sc->how);
        json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", sc->name, "title",
                                             sc->title, "question", sc->question, "how", how,
                                             "x_label", sc->x_label));
    }
    return out;
}

/* The servers the session ran, in the table's order. */
static json_t *modes_of(const struct session_record *s)
{
    json_t *modes = json_array();
    for (int k = 0; k < SRV_COUNT; k++)
        for (size_t i = 0; i < s->n_runs; i++)
            if (s->runs[i].srv == &bench_servers[k]) {
                json_array_append_new(modes, json_string(bench_servers[k].name));
                break;
            }
    return modes;
}

static const char *str_or(const json_t *o, const char *key, const char *otherwise)
{
    const char *v = str_of(o, key);
    return v ? v : otherwise;
}

static json_t *environment_of(const json_t *d)
{
    const json_t *l = json_object_get(d, "limits");
    char server[64], load[64];
    snprintf(server, sizeof server, "container, cpus=%s", str_or(l, "server_cpus", "?"));
    snprintf(load, sizeof load, "container, cpus=%s", str_or(l, "load_cpus", "?"));
    json_t *docker =
        json_pack("{s:O?, s:O?, s:O?, s:s, s:O?, s:O?, s:O?, s:O?, s:O?}", "engine",
                  json_object_get(d, "engine"), "compose", json_object_get(d, "compose_version"),
                  "network", json_object_get(d, "network"), "network_mode",
                  "bridge (a private network, internal: no route out)", "image",
                  json_object_get(d, "image"), "image_bytes", json_object_get(d, "image_bytes"),
                  "image_build_s", json_object_get(d, "build_s"), "limits",
                  json_object_get(d, "limits"), "command", json_object_get(d, "command"));
    return json_pack("{s:O?, s:O?, s:O?, s:s, s:s, s:o}", "kernel",
                     json_object_get(d, "host_kernel"), "cpus_allowed",
                     json_object_get(d, "host_cpus"), "cpu_model", json_object_get(d, "cpu_model"),
                     "server_cpus", server, "load_cpus", load, "docker", docker);
}

static json_t *programs_of(const struct session_record *s, const json_t *d)
{
    const char *version = NULL;
    for (size_t i = 0; i < s->n_runs && !version; i++)
        if (s->runs[i].server.version && s->runs[i].server.version[0])
            version = s->runs[i].server.version;
    return json_pack("{s:s?, s:O?}", "c10k_server", version, "image", json_object_get(d, "image"));
}

/* DIR/docker.json, or NULL with a one-line reason. */
static json_t *read_docker_json(const char *dir, char *err, size_t err_len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/docker.json", dir);
    json_error_t je;
    json_t *d = json_load_file(path, 0, &je);
    if (json_is_object(d))
        return d;
    if (d)
        snprintf(err, err_len, "%s: not a JSON object", path);
    else if (access(path, R_OK) < 0)
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
    else
        snprintf(err, err_len, "%s: not JSON (%s, line %d)", path, je.text, je.line);
    json_decref(d);
    return NULL;
}

int docker_session(const char *dir, struct session_record *s, char *err, size_t err_len)
{
    record_session_init(s);
    json_t *d = read_docker_json(dir, err, err_len);
    if (!d)
        return -1;
    const char *cpus = str_of(json_object_get(d, "limits"), "server_cpus");
    if (runs_of(s, dir, cpus ? strtod(cpus, NULL) : NAN, err, err_len) < 0) {
        json_decref(d);
        record_session_free(s);
        return -1;
    }
    record_set_str(&s->schema, RESULTS_SCHEMA);
    record_set_str(&s->tool, "c10k-bench");
    record_set_str(&s->version, C10K_VERSION);
    record_set_str(&s->profile,
                   json_is_true(json_object_get(d, "quick")) ? "docker --quick" : "docker");
    record_set_str(&s->started_at, str_of(d, "started_at"));
    record_set_str(&s->finished_at, str_of(d, "started_at"));
    s->elapsed_s = num_at(d, "elapsed_s");
    s->interrupted = 0;
    s->repeat = 1;
    record_set_str(&s->generator, "c10k-load");
    record_set_json(&s->modes, modes_of(s));
    record_set_json(&s->scenarios, scenarios_of(s));
    record_set_json(&s->programs, programs_of(s, d));
    json_t *env = environment_of(d);
    schema_parse(&schema_session, s, env, "environment");
    json_decref(env);
    schema_parse(&schema_session, s, d, "docker");
    s->extra = json_pack("{s:s}", "from_docker", dir);
    json_decref(d);
    return 0;
}

/* ---- The terminal ---- */

static void cell_num(char *buf, size_t len, double v)
{
    if (isfinite(v))
        snprintf(buf, len, "%.0f", v);
    else
        snprintf(buf, len, "-");
}

/* A run of several generators: their requests against the server's count (the judge's
 * cross-check), their start skew, and what Prometheus counted beside /stats. */
static void print_scale_out(const struct run_record *r, FILE *f)
{
    const struct rec_client *c = &r->client;
    if (c->present == 1 && json_is_array(c->generators)) {
        double skew = NAN;
        size_t i;
        json_t *g;
        json_array_foreach(c->generators, i, g) skew = max2(skew, num_at(g, "start_skew_ms"));
        fprintf(f,
                "  %s: cross-check: the generators answered %.0f requests, the server counted "
                "%.0f: %+.2f%% (%s; %.0f were in flight when the generators stopped); start skew "
                "at most %.2f ms%s\n",
                r->id, c->total_requests - c->errors.status, r->server.requests,
                r->server.crosscheck_difference_pct,
                r->server.crosscheck_ok == 1 ? "within the allowance" : "more than allowed",
                c->abandoned, skew, c->cpu.saturated == 1 ? "; a generator was saturated" : "");
    }
    const json_t *a = json_object_get(r->prometheus, "agreement");
    if (!a)
        return;
    char reqs[32], conns[32], threads[32], rss[32];
    cell_num(reqs, sizeof reqs, num_at(a, "requests_prometheus"));
    cell_num(conns, sizeof conns, num_at(a, "connections_peak.prometheus"));
    cell_num(threads, sizeof threads, num_at(a, "threads_peak.prometheus"));
    cell_num(rss, sizeof rss, num_at(a, "rss_peak_bytes.prometheus") / 1048576);
    fprintf(f,
            "  %s: prometheus: %s requests (ratio %.4f to /stats), peak %s connections, %s "
            "threads, %s MiB RSS\n",
            r->id, reqs, num_at(a, "ratio"), conns, threads, rss);
}

void docker_print_summary(const struct session_record *s, FILE *f)
{
    size_t i;
    json_t *v;
    json_array_foreach(s->headline, i, v) fprintf(f, "  %s\n", json_string_value(v));
    fprintf(f, "\n%-28s %-9s %9s %9s %9s %9s %9s %9s %s\n", "run", "status", "ok req/s", "p99(us)",
            "errors", "held", "mem peak", "pids peak", "oom");
    for (i = 0; i < s->n_runs; i++) {
        const struct run_record *r = &s->runs[i];
        char rps[32], p99[32], errs[32], held[32], mem[32], pids[32];
        cell_num(rps, sizeof rps, r->client.good_per_s);
        cell_num(p99, sizeof p99, r->client.latency_us.p99);
        cell_num(errs, sizeof errs, r->client.errors.total);
        cell_num(held, sizeof held, r->held_connections);
        cell_num(pids, sizeof pids, r->docker.server.cgroup.pids_peak);
        double m = r->docker.server.cgroup.memory_peak_bytes;
        if (isfinite(m))
            snprintf(mem, sizeof mem, "%.0fM", m / 1048576);
        else
            snprintf(mem, sizeof mem, "-");
        int oom = r->docker.server.state.present == 1 ? r->docker.server.state.oom_killed : -1;
        fprintf(f, "%-28s %-9s %9s %9s %9s %9s %9s %9s %s\n", r->id ? r->id : "?",
                r->status ? r->status : "?", rps, p99, errs, held, mem, pids,
                oom < 0 ? "-"
                : oom   ? "true"
                        : "false");
    }
    for (i = 0; i < s->n_runs; i++)
        print_scale_out(&s->runs[i], f);
}

int docker_report(const char *dir, const char *chartjs_path)
{
    char err[4200];
    struct session_record rec;
    if (docker_session(dir, &rec, err, sizeof err) < 0) {
        fprintf(stderr, "c10k-bench: --from-docker: %s\n", err);
        return 1;
    }
    claims_build(&rec);
    json_t *root = results_document(&rec);
    int rc = results_write_json(&rec, dir);
    const char *what = "results.json";
    if (rc == 0) {
        rc = results_write_csv(&rec, dir);
        what = "results.csv";
    }
    if (rc == 0) {
        rc = report_write(root, dir, chartjs_path);
        what = "report.html";
    }
    if (rc < 0)
        fprintf(stderr, "c10k-bench: cannot write %s/%s: %s\n", dir, what, strerror(-rc));
    else
        docker_print_summary(&rec, stdout);
    json_decref(root);
    record_session_free(&rec);
    return rc < 0 ? 1 : 0;
}
