#include "docker.h"

#include "claims.h"
#include "load_config.h"
#include "loadgen.h"
#include "report.h"
#include "compat.h"
#include "judge.h"
#include "results.h"
#include "run.h"

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

/* As in a local run: errors on more than this share of the requests make a run's status. */
#define DOCKER_ERROR_SHARE 0.001
/* The client's and the server's counts may differ by in-flight requests (two per connection)
 * and by this share of the server's count. */
#define DOCKER_CROSSCHECK_SHARE 0.02
/* The tail of the server's log kept in a run object. */
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

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* A count: an integer where it is known. */
static json_t *count(double v)
{
    return isfinite(v) ? json_integer((json_int_t)llround(v)) : json_null();
}

static double delta(const json_t *a, const json_t *b, const char *path)
{
    return results_num(b, path) - results_num(a, path);
}

static double div_or_nan(double a, double b)
{
    return isfinite(a) && isfinite(b) && b > 0 ? a / b : NAN;
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
        double x = results_num(s, path);
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

/* The requests of the load in one /stats sample: every request but the samples' own. */
static double load_requests(const json_t *sample)
{
    return results_num(sample, "requests.total") -
           results_num(sample, "requests.by_endpoint.stats");
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

static double max2(double a, double b)
{
    return !isfinite(a) ? b : !isfinite(b) ? a : a > b ? a : b;
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
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

static json_t *cgroup_of(const char *tsv)
{
    if (!tsv)
        return json_null();
    double first[CG_COLS], peak[CG_COLS];
    json_t *t = json_array(), *mem = json_array(), *pids = json_array(), *conns = json_array();
    size_t rows = 0;
    for (int c = 0; c < CG_COLS; c++)
        first[c] = peak[c] = NAN;
    for (const char *line = tsv; *line;) {
        double v[CG_COLS];
        const char *p = line;
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
        line = strchr(line, '\n');
        line = line ? line + 1 : "";
        if (c < CG_COLS - 1)
            continue; /* a row cut short */
        for (c = 0; c < CG_COLS; c++) {
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
    if (!rows) {
        json_decref(t);
        json_decref(mem);
        json_decref(pids);
        json_decref(conns);
        return json_null();
    }
    return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:{s:o, s:o, s:o, s:o}}",
                     "samples", (json_int_t)rows, "memory_baseline_bytes", num(first[CG_MEM]),
                     "memory_peak_bytes", num(max2(peak[CG_MEM], peak[CG_MEM_PEAK])),
                     "memory_limit_hits", num(peak[CG_MEM_HITS]), "oom_kills", num(peak[CG_OOM]),
                     "pids_baseline", num(first[CG_PIDS]), "pids_peak", num(peak[CG_PIDS]),
                     "pids_refused", num(peak[CG_PIDS_HITS]), "connections_peak",
                     num(peak[CG_CONNS]), "series", "t", t, "memory_bytes", mem, "pids", pids,
                     "connections", conns);
}

static json_t *positive(const json_t *v, double scale)
{
    double x = json_number_value(v);
    return json_is_number(v) && x > 0 ? json_real(x / scale) : json_null();
}

/* A container's limits from docker inspect's HostConfig. */
static json_t *limits_of(const json_t *inspect)
{
    if (!inspect)
        return json_null();
    const json_t *h = json_object_get(inspect, "HostConfig");
    json_t *nofile = json_null();
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(h, "Ulimits"), i, u)
    {
        if (strcmp(str(u, "Name"), "nofile") == 0) {
            json_decref(nofile);
            nofile = json_copy(json_object_get(u, "Hard"));
        }
    }
    return json_pack("{s:o, s:o, s:o, s:o, s:s}", "memory_bytes",
                     positive(json_object_get(h, "Memory"), 1), "pids",
                     positive(json_object_get(h, "PidsLimit"), 1), "cpus",
                     positive(json_object_get(h, "NanoCpus"), 1e9), "nofile",
                     nofile ? nofile : json_null(), "network_mode", str(h, "NetworkMode"));
}

/* A container's end from docker inspect's State. */
static json_t *state_of(const json_t *inspect)
{
    if (!inspect)
        return json_null();
    const json_t *s = json_object_get(inspect, "State");
    const json_t *health = json_object_get(s, "Health");
    json_int_t checks = 0, passed = 0;
    size_t i;
    json_t *h;
    json_array_foreach(json_object_get(health, "Log"), i, h)
    {
        checks++;
        passed += json_integer_value(json_object_get(h, "ExitCode")) == 0;
    }
    return json_pack("{s:I, s:b, s:s, s:s, s:s, s:o, s:I, s:I}", "exit_code",
                     json_integer_value(json_object_get(s, "ExitCode")), "oom_killed",
                     json_is_true(json_object_get(s, "OOMKilled")), "error", str(s, "Error"),
                     "started_at", str(s, "StartedAt"), "finished_at", str(s, "FinishedAt"),
                     "health", health ? json_string(str(health, "Status")) : json_null(),
                     "health_checks", checks, "health_passed", passed);
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

/* The client's requests against the server's count, as a local run compares them: without
 * the answers the server refused at admission (non-2xx, not in its count). */
static void crosscheck(json_t *server, const json_t *client, const json_t *spec, double reqs)
{
    const json_t *errs = json_object_get(client, "errors");
    double total = results_num(client, "total_requests") - results_num(errs, "status");
    double given_up =
        results_num(errs, "timeout") + results_num(errs, "read") + results_num(errs, "write");
    double conns = results_num(spec, "concurrency") + results_num(spec, "idle_connections");
    double allowance = 2 * conns + given_up + DOCKER_CROSSCHECK_SHARE * reqs;
    int have = client && reqs > 0 && isfinite(total);
    json_object_set_new(server, "crosscheck", have ? json_real(total / reqs) : json_null());
    json_object_set_new(server, "crosscheck_difference_pct",
                        have ? json_real(100 * (total - reqs) / reqs) : json_null());
    json_object_set_new(server, "crosscheck_ok",
                        json_boolean(!have || fabs(total - reqs) <= allowance));
}

/* The server's figures from /stats before the load, after it (else its last sample) and once a
 * second during it. */
static json_t *server_of(const struct docker_inputs *in, const json_t *client)
{
    const json_t *before = in->before;
    if (!before)
        return json_null();
    size_t n = json_array_size(in->stats);
    const json_t *fin = in->after ? in->after : n ? json_array_get(in->stats, n - 1) : before;
    double reqs =
        delta(before, fin, "requests.total") - delta(before, fin, "requests.by_endpoint.stats");
    double wall = delta(before, fin, "uptime_s");
    double cpu =
        delta(before, fin, "process.cpu_user_s") + delta(before, fin, "process.cpu_system_s");
    double ctx =
        delta(before, fin, "process.ctx_voluntary") + delta(before, fin, "process.ctx_involuntary");
    double rss, rss_peak, vsz, vsz_peak, thr, thr_peak, conns, conns_peak, fds, fds_peak;
    stats_spread(in->stats, "process.rss_bytes", &rss, &rss_peak);
    stats_spread(in->stats, "process.vsize_bytes", &vsz, &vsz_peak);
    stats_spread(in->stats, "process.threads", &thr, &thr_peak);
    stats_spread(in->stats, "connections.active", &conns, &conns_peak);
    stats_spread(in->stats, "process.open_fds", &fds, &fds_peak);
    json_t *s = json_pack(
        "{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "mode",
        str(before, "mode"), "version", str(before, "version"), "requests", count(reqs), "window_s",
        num(wall), "requests_per_s", num(div_or_nan(reqs, wall)), "rss_baseline_bytes",
        count(results_num(before, "process.rss_bytes")), "rss_bytes", num(rss), "rss_peak_bytes",
        num(max2(rss_peak, results_num(fin, "process.peak_rss_bytes"))), "vsize_bytes", num(vsz),
        "vsize_peak_bytes", num(vsz_peak), "threads_baseline",
        count(results_num(before, "process.threads")), "threads", num(thr), "threads_peak",
        num(max2(thr_peak, results_num(fin, "process.threads"))), "connections_peak",
        num(conns_peak), "fds_peak", num(fds_peak));
    json_object_set_new(s, "cpu_user_s", num(delta(before, fin, "process.cpu_user_s")));
    json_object_set_new(s, "cpu_system_s", num(delta(before, fin, "process.cpu_system_s")));
    json_object_set_new(s, "cpu_cores", num(div_or_nan(cpu, wall)));
    json_object_set_new(s, "cpu_us_per_request", num(div_or_nan(cpu * 1e6, reqs)));
    json_object_set_new(s, "ctx_voluntary", count(delta(before, fin, "process.ctx_voluntary")));
    json_object_set_new(s, "ctx_involuntary", count(delta(before, fin, "process.ctx_involuntary")));
    json_object_set_new(s, "ctx_per_s", num(div_or_nan(ctx, wall)));
    json_object_set_new(s, "ctx_per_request", num(div_or_nan(ctx, reqs)));
    json_object_set_new(s, "ctx_source",
                        json_string("getrusage via /stats (all threads, ended ones too)"));
    json_object_set_new(s, "switch_cpu_share", json_null());
    json_object_set_new(s, "counters_from",
                        json_string(in->after ? "stats-after" : "the last /stats sample"));
    json_object_set_new(s, "counters", counters_of(before, fin));
    crosscheck(s, client, in->spec, reqs);
    return s;
}

/* The /stats samples as the report's per-second columns. */
static json_t *samples_of(const json_t *stats)
{
    size_t n = json_array_size(stats);
    if (n < 2)
        return json_null();
    json_t *t = json_array(), *rss = json_array(), *vsz = json_array(), *thr = json_array(),
           *conns = json_array(), *fds = json_array(), *ctx = json_array(), *cores = json_array();
    for (size_t i = 1; i < n; i++) {
        const json_t *a = json_array_get(stats, i - 1), *b = json_array_get(stats, i);
        double dt = delta(a, b, "t");
        json_array_append_new(t, num(round(results_num(b, "t") * 10) / 10));
        json_array_append_new(rss, num(results_num(b, "process.rss_bytes")));
        json_array_append_new(vsz, num(results_num(b, "process.vsize_bytes")));
        json_array_append_new(thr, num(results_num(b, "process.threads")));
        json_array_append_new(conns, num(results_num(b, "connections.active")));
        json_array_append_new(fds, num(results_num(b, "process.open_fds")));
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

/* The fields of a run object that come from its spec, whatever happened to it. */
static json_t *run_base(const struct docker_inputs *in)
{
    const json_t *sp = in->spec;
    json_t *run = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:b, s:i}", "id",
                            sp ? str(sp, "id") : in->id, "scenario", str(sp, "scenario"), "model",
                            str(sp, "model"), "mode", str(sp, "mode"), "level",
                            count(results_num(sp, "level")), "concurrency",
                            count(results_num(sp, "concurrency")), "idle_connections",
                            count(results_num(sp, "idle_connections")), "path", "/plaintext",
                            "tool", "c10k-load", "keepalive", 1, "repetition", 1);
    json_object_set_new(run, "warmup_s", num(duration_s(json_object_get(sp, "warmup"))));
    json_object_set_new(run, "duration_s", num(duration_s(json_object_get(sp, "duration"))));
    json_object_set_new(run, "timeout_s", num(duration_s(json_object_get(sp, "timeout"))));
    json_object_set_new(run, "ramp_per_s", num(results_num(sp, "ramp_per_s")));
    /* Closed loop from one source address, the server's options the image's defaults. */
    json_object_set_new(run, "rate", json_null());
    json_object_set_new(run, "source_addresses", json_integer(1));
    json_object_set_new(run, "server_all_cpus", json_false());
    json_object_set_new(run, "server_args", json_array());
    static const char *const nulls[] = {
        "reason",       "limit",          "client",           "server",
        "machine",      "per_connection", "samples",          "saturation",
        "idle_threads", "scheduler",      "held_connections", "established_peak",
        "docker",       "prometheus"};
    for (size_t k = 0; k < sizeof nulls / sizeof nulls[0]; k++)
        json_object_set_new(run, nulls[k], json_null());
    json_object_set_new(run, "load_bound", json_false());
    json_object_set_new(run, "notes", json_array());
    json_object_set_new(run, "elapsed_s", json_null());
    return run;
}

/* What the server held: TCP connections established to its port (sampled from the host, so
 * also while it cannot answer /stats), else its own count. In thread mode each held
 * connection has a thread: the pids growth bounds it (connections being refused are
 * established too, until the 503 is sent). */
static double held_of(const json_t *run, double *established)
{
    double e = results_num(run, "docker.server.cgroup.connections_peak");
    if (!isfinite(e))
        e = results_num(run, "server.connections_peak");
    *established = e;
    double pids = results_num(run, "docker.server.cgroup.pids_peak");
    double base = results_num(run, "docker.server.cgroup.pids_baseline");
    if (strcmp(str(run, "model"), "thread") == 0 && isfinite(pids) && isfinite(e)) {
        double bound = pids - (isfinite(base) ? base : 0) + 1;
        return bound < e ? bound : e;
    }
    return e;
}

/* The client's errors by class, "connect 3, status 20" (only those that happened). */
static void error_classes(const json_t *errs, char *buf, size_t len)
{
    size_t used = 0;
    const char *key;
    json_t *v;
    buf[0] = '\0';
    json_object_foreach((json_t *)errs, key, v)
    {
        if (strcmp(key, "total") != 0 && json_number_value(v) > 0 && used < len)
            used += (size_t)snprintf(buf + used, len - used, "%s%s %.0f", used ? ", " : "", key,
                                     json_number_value(v));
    }
}

/* Status, reason and limit from what the engine, the server and the client say. */
static void judge(json_t *run, const struct docker_inputs *in)
{
    const json_t *client = json_object_get(run, "client");
    if (!json_is_object(client))
        client = NULL;
    const json_t *state = results_get(run, "docker.server.state");
    char reason[2048] = "", a[32];
    int oom = json_is_true(json_object_get(state, "oom_killed"));
    double exit_code = results_num(state, "exit_code");
    double mem_limit = results_num(run, "docker.server.limits.memory_bytes");
    double pids_limit = results_num(run, "docker.server.limits.pids");
    double pids_refused = results_num(run, "docker.server.cgroup.pids_refused");
    double rejected = results_num(run, "server.counters.connections.rejected");
    double errors = results_num(client, "errors.total");
    double answered = round(results_num(client, "good_per_s") * results_num(client, "measured_s"));
    claims_format_bytes(a, sizeof a, mem_limit);
    if (oom)
        add_clause(reason, sizeof reason,
                   "server killed by the OOM killer (engine: OOMKilled, exit %.0f) under a %s "
                   "memory limit",
                   exit_code, a);
    else if (isfinite(exit_code) && exit_code != 0)
        add_clause(reason, sizeof reason, "server exited with %.0f", exit_code);
    if (pids_refused > 0)
        add_clause(reason, sizeof reason, "the pids limit (%.0f) refused %.0f thread creations",
                   pids_limit, pids_refused);
    if (rejected > 0)
        add_clause(reason, sizeof reason, "the server answered 503 to %.0f connections", rejected);
    if (errors > 0 && errors > DOCKER_ERROR_SHARE * (answered + errors)) {
        char classes[256];
        error_classes(json_object_get(client, "errors"), classes, sizeof classes);
        add_clause(reason, sizeof reason, "client errors: %.0f (%s)", errors, classes);
    }
    if (client && !(answered > 0)) {
        double workers = results_num(in->before, "pool.workers");
        if (!isfinite(workers))
            workers = results_num(in->before, "config.threads");
        if (strcmp(str(run, "model"), "pool") == 0)
            add_clause(reason, sizeof reason,
                       "no request was answered with a 2xx in the measured time (the pool's "
                       "%.0f workers were all busy)",
                       workers);
        else
            add_clause(reason, sizeof reason,
                       "no request was answered with a 2xx in the measured time");
    }
    if (!client)
        add_clause(reason, sizeof reason, "no results from the load container (exit %.0f)",
                   results_num(in->spec, "load_exit"));
    if (json_is_false(json_object_get(in->spec, "healthy_before")))
        add_clause(reason, sizeof reason, "the server was not healthy before the load");
    const char *client_error = json_string_value(json_object_get(run, "client_error"));
    if (client_error)
        add_clause(reason, sizeof reason, "runs/%s/load.json: %s", in->id, client_error);
    if (in->problems[0])
        add_clause(reason, sizeof reason, "%s", in->problems);
    json_object_set_new(run, "status",
                        json_string(!client     ? "failed"
                                    : reason[0] ? "errors"
                                                : "ok"));
    json_object_set_new(run, "reason", reason[0] ? json_string(reason) : json_null());
    if (oom)
        json_object_set_new(run, "limit",
                            json_pack("{s:s, s:o, s:s}", "name", "memory", "have", num(mem_limit),
                                      "how",
                                      "the server container's memory limit "
                                      "(C10K_CONSTRAINED_MEMORY or C10K_SERVER_MEMORY)"));
    else if (pids_refused > 0)
        json_object_set_new(run, "limit",
                            json_pack("{s:s, s:o, s:s}", "name", "pids", "have", num(pids_limit),
                                      "how",
                                      "the server container's pids limit "
                                      "(C10K_CONSTRAINED_PIDS or C10K_SERVER_PIDS)"));
}

/* Which side set the pace, as in a local run: the server's CPU quota against the load
 * generator's busiest thread (c10k-load's own measure, the busiest generator's when merged). */
static void saturation(json_t *run, const json_t *docker, const json_t *stats)
{
    double cpus = results_num(run, "docker.server.limits.cpus");
    if (!isfinite(cpus))
        cpus = strtod(str(results_get(docker, "limits"), "server_cpus"), NULL);
    if (!(cpus > 0))
        cpus = 1;
    double cores = busy_under_load(stats);
    const char *busy_from = "per-second /stats while the load ran";
    if (!isfinite(cores)) {
        cores = results_num(run, "server.cpu_cores");
        busy_from = "/stats before and after the load";
    }
    double sbusy = cores / cpus;
    double cbusy = results_num(run, "client.cpu.busiest_thread_share");
    if (!isfinite(sbusy))
        return;
    const char *bottleneck = judge_bottleneck_of(sbusy, cbusy, 0);
    int bound = strcmp(bottleneck, "load generator") == 0;
    json_object_set_new(run, "saturation",
                        json_pack("{s:f, s:s, s:f, s:o, s:s, s:b, s:f}", "server_busy", sbusy,
                                  "server_busy_from", busy_from, "server_cpus", cpus, "client_busy",
                                  num(cbusy), "bottleneck", bottleneck, "load_bound", bound,
                                  "threshold",
                                  results_num(run, "client.cpu.saturation_threshold")));
    json_object_set_new(run, "load_bound", json_boolean(bound));
    if (bound) {
        char note[256];
        snprintf(note, sizeof note,
                 "load-bound: the server's CPU quota was %.0f%% used while the load generator's "
                 "busiest thread was %.0f%% busy: compare this level by CPU time per request",
                 100 * sbusy, 100 * cbusy);
        json_array_append_new(json_object_get(run, "notes"), json_string(note));
    }
}

/* Memory per connection: the growth of the container's cgroup memory (user and kernel memory
 * charged to it) over the connections held; not for a server the OOM killer ended (the sample
 * before the kill may be far from it). */
static void per_connection(json_t *run, double held)
{
    const json_t *cg = results_get(run, "docker.server.cgroup");
    double peak = results_num(cg, "memory_peak_bytes"),
           base = results_num(cg, "memory_baseline_bytes");
    if (!(held >= 1) || !isfinite(peak) || !isfinite(base) ||
        json_is_true(results_get(run, "docker.server.state.oom_killed")))
        return;
    double rss =
        results_num(run, "server.rss_peak_bytes") - results_num(run, "server.rss_baseline_bytes");
    double pids = results_num(cg, "pids_peak") - results_num(cg, "pids_baseline");
    json_object_set_new(
        run, "per_connection",
        json_pack("{s:f, s:f, s:o, s:o, s:s, s:s}", "connections", held, "total_bytes",
                  (peak - base) / held, "rss_bytes", num(div_or_nan(rss, held)), "pids",
                  num(pids / held), "source",
                  "cgroup memory (user and kernel memory charged to the server container)",
                  "kernel_source", "the server container's cgroup (memory charged to it)"));
}

static json_t *log_tail(const char *log)
{
    if (!log)
        return json_null();
    size_t n = strlen(log);
    const char *p = n > DOCKER_LOG_TAIL_BYTES ? log + n - DOCKER_LOG_TAIL_BYTES : log;
    /* Not from the middle of a UTF-8 sequence. */
    while (((unsigned char)*p & 0xC0) == 0x80)
        p++;
    json_t *s = json_string(p);
    return s ? s : json_string("(the server's log is not UTF-8)");
}

static json_t *run_of(const struct docker_inputs *in, const json_t *docker)
{
    json_t *run = run_base(in);
    if (!in->spec) {
        json_object_set_new(run, "status", json_string("failed"));
        json_object_set_new(run, "reason", json_string(in->problems));
        return run;
    }
    const char *skipped = json_string_value(json_object_get(in->spec, "skipped_reason"));
    if (skipped) {
        json_object_set_new(run, "status", json_string("skipped"));
        json_object_set_new(run, "reason", json_string(skipped));
        return run;
    }
    char err[256] = "";
    json_t *client = NULL;
    if (in->load) {
        char *text = json_dumps(in->load, JSON_COMPACT);
        client = text ? loadgen_parse_load(text, err, sizeof err) : NULL;
        free(text);
        if (!client)
            json_object_set_new(run, "client_error", json_string(err));
    }
    json_object_set_new(run, "client", client ? client : json_null());
    json_object_set_new(run, "server", server_of(in, client));
    json_t *cg = cgroup_of(in->cgroup);
    json_t *sstate = state_of(in->server_inspect);
    json_t *slim = limits_of(in->server_inspect);
    /* The kernel OOM-kills a container at its memory limit: when the engine says it did, the
     * peak was the limit, whatever the last sample before the kill read. */
    double limit = results_num(slim, "memory_bytes");
    if (json_is_object(cg) && json_is_true(json_object_get(sstate, "oom_killed")) &&
        isfinite(limit)) {
        json_object_set_new(cg, "memory_peak_bytes",
                            num(max2(results_num(cg, "memory_peak_bytes"), limit)));
        json_object_set_new(cg, "memory_peak_from", json_string("the memory limit (OOM kill)"));
    }
    json_object_set_new(run, "docker",
                        json_pack("{s:{s:o, s:o, s:o, s:o}, s:{s:o, s:o, s:o}}", "server", "limits",
                                  slim, "state", sstate, "cgroup", cg, "log_tail",
                                  log_tail(in->log), "load", "limits", limits_of(in->load_inspect),
                                  "state", state_of(in->load_inspect), "exit",
                                  num(results_num(in->spec, "load_exit"))));
    json_t *server = json_object_get(run, "server");
    if (json_is_object(server)) {
        json_object_set(server, "exit_code", results_get(sstate, "exit_code"));
        json_object_set(server, "oom_killed", results_get(sstate, "oom_killed"));
    }
    double established, held = held_of(run, &established);
    json_object_set_new(run, "held_connections", num(held));
    json_object_set_new(run, "established_peak", num(established));
    if (json_is_object(server))
        json_object_set_new(server, "connections_held_peak", num(held));
    per_connection(run, held);
    json_object_set_new(run, "samples", samples_of(in->stats));
    if (in->prometheus)
        json_object_set(run, "prometheus", in->prometheus);
    judge(run, in);
    saturation(run, docker, in->stats);
    return run;
}

/* ---- The session ---- */

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* Every run under DIR/host, in name order (as docker/run.sh's own listing was). */
static json_t *runs_of(const char *dir, const json_t *docker, char *err, size_t err_len)
{
    char host[4096];
    snprintf(host, sizeof host, "%s/host", dir);
    struct dirent **names;
    int n = scandir(host, &names, NULL, by_name);
    if (n < 0) {
        snprintf(err, err_len, "%s: %s", host, strerror(errno));
        return NULL;
    }
    json_t *runs = json_array();
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.') {
            struct docker_inputs in;
            inputs_read(&in, dir, names[i]->d_name);
            json_array_append_new(runs, run_of(&in, docker));
            inputs_free(&in);
        }
        free(names[i]);
    }
    free(names);
    return runs;
}

/* docker/run.sh's three scenarios, in the shape of a local session's. */
static json_t *scenarios_of(const json_t *docker, const json_t *runs)
{
    const json_t *l = json_object_get(docker, "limits");
    char how[3][768], title[3][160];
    snprintf(how[0], sizeof how[0],
             "Server container: cpus=%s, memory %s, %.0f pids. Load container (c10k-load, closed "
             "loop): cpus=%s. Memory is the cgroup's (user and kernel memory charged to the "
             "container).",
             str(l, "server_cpus"), str(l, "server_memory"), results_num(l, "server_pids"),
             str(l, "load_cpus"));
    snprintf(title[0], sizeof title[0], "Docker: keep-alive /plaintext at rising concurrency");
    snprintf(title[1], sizeof title[1], "Docker, constrained: %s and %.0f pids",
             str(l, "constrained_memory"), results_num(l, "constrained_pids"));
    snprintf(how[1], sizeof how[1],
             "Server container limited to %s of memory (no swap) and %.0f pids; the load opens "
             "the level's connections (a few busy, the rest idle keep-alive) at a fixed rate, "
             "then measures. Refusals come from the server's counters and the cgroup's "
             "pids.events; OOM kills from the engine (State.OOMKilled).",
             str(l, "constrained_memory"), results_num(l, "constrained_pids"));
    snprintf(title[2], sizeof title[2], "Docker, memory only: %s and %.0f pids",
             str(l, "memory_memory"), results_num(l, "memory_pids"));
    snprintf(how[2], sizeof how[2],
             "Server container limited to %s of memory (no swap) and %.0f pids; the same load as "
             "the constrained scenario. An OOM kill is read from the engine (State.OOMKilled, "
             "exit 137) and is a result of the run, not a failure of the test.",
             str(l, "memory_memory"), results_num(l, "memory_pids"));
    static const char *const names[] = {"scale", "constrained", "memory"};
    static const char *const questions[] = {
        "How does each model do in a container, over a bridge network, under a CPU quota?",
        "The same connection ramp against each model in a small container: where is "
        "thread-per-connection refused or killed, and does the loop hold?",
        "The same ramp under a smaller memory limit and no tight pids limit: which model does "
        "the OOM killer take?"};
    static const char *const x_labels[] = {"busy connections", "connections (busy + idle)",
                                           "connections (busy + idle)"};
    json_t *out = json_array();
    for (int k = 0; k < 3; k++) {
        int ran = 0;
        size_t i;
        json_t *r;
        json_array_foreach(runs, i, r) ran |= strcmp(str(r, "scenario"), names[k]) == 0;
        if (ran)
            json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", names[k],
                                                 "title", title[k], "question", questions[k], "how",
                                                 how[k], "x_label", x_labels[k]));
    }
    return out;
}

static json_t *modes_of(const json_t *runs)
{
    json_t *modes = json_array();
    size_t i, k;
    json_t *r, *m;
    json_array_foreach(runs, i, r)
    {
        int seen = 0;
        json_array_foreach(modes, k, m) seen |= strcmp(json_string_value(m), str(r, "model")) == 0;
        if (!seen && *str(r, "model"))
            json_array_append_new(modes, json_string(str(r, "model")));
    }
    return modes;
}

static json_t *environment_of(const json_t *d)
{
    const json_t *l = json_object_get(d, "limits");
    char server[64], load[64];
    snprintf(server, sizeof server, "container, cpus=%s", str(l, "server_cpus"));
    snprintf(load, sizeof load, "container, cpus=%s", str(l, "load_cpus"));
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

static json_t *server_version(const json_t *runs)
{
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r)
    {
        const char *v = json_string_value(results_get(r, "server.version"));
        if (v && *v)
            return json_string(v);
    }
    return json_null();
}

json_t *docker_session(const char *dir, char *err, size_t err_len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/docker.json", dir);
    json_error_t je;
    json_t *d = json_load_file(path, 0, &je);
    if (!json_is_object(d)) {
        if (d)
            snprintf(err, err_len, "%s: not a JSON object", path);
        else if (access(path, R_OK) < 0)
            snprintf(err, err_len, "%s: %s", path, strerror(errno));
        else
            snprintf(err, err_len, "%s: not JSON (%s, line %d)", path, je.text, je.line);
        json_decref(d);
        return NULL;
    }
    json_t *runs = runs_of(dir, d, err, err_len);
    if (!runs) {
        json_decref(d);
        return NULL;
    }
    json_t *root = json_pack(
        "{s:s, s:s, s:s, s:s, s:O?, s:O?, s:O?, s:b, s:o, s:o, s:o, s:{s:o, s:O?}, s:n, s:i, s:s, "
        "s:s, s:o}",
        "schema", RESULTS_SCHEMA, "tool", "c10k-bench", "version", C10K_VERSION, "profile",
        json_is_true(json_object_get(d, "quick")) ? "docker --quick" : "docker", "started_at",
        json_object_get(d, "started_at"), "finished_at", json_object_get(d, "started_at"),
        "elapsed_s", json_object_get(d, "elapsed_s"), "interrupted", 0, "modes", modes_of(runs),
        "scenarios", scenarios_of(d, runs), "environment", environment_of(d), "programs",
        "c10k_server", server_version(runs), "image", json_object_get(d, "image"), "calibration",
        "repeat", 1, "generator", "c10k-load", "from_docker", dir, "docker", d);
    if (root)
        json_object_set_new(root, "runs", runs);
    else
        json_decref(runs);
    if (!root)
        snprintf(err, err_len, "cannot build the results document of %s", dir);
    return root;
}

/* ---- The terminal ---- */

static void cell_num(char *buf, size_t len, double v)
{
    if (isfinite(v))
        snprintf(buf, len, "%.0f", v);
    else
        snprintf(buf, len, "-");
}

void docker_print_summary(const json_t *root, FILE *f)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(root, "headline"), i, v)
        fprintf(f, "  %s\n", json_string_value(v));
    fprintf(f, "\n%-28s %-9s %9s %9s %9s %9s %9s %9s %s\n", "run", "status", "ok req/s", "p99(us)",
            "errors", "held", "mem peak", "pids peak", "oom");
    json_array_foreach(json_object_get(root, "runs"), i, v)
    {
        char rps[32], p99[32], errs[32], held[32], mem[32], pids[32];
        cell_num(rps, sizeof rps, results_num(v, "client.good_per_s"));
        cell_num(p99, sizeof p99, results_num(v, "client.latency_us.p99"));
        cell_num(errs, sizeof errs, results_num(v, "client.errors.total"));
        cell_num(held, sizeof held, results_num(v, "held_connections"));
        cell_num(pids, sizeof pids, results_num(v, "docker.server.cgroup.pids_peak"));
        double m = results_num(v, "docker.server.cgroup.memory_peak_bytes");
        if (isfinite(m))
            snprintf(mem, sizeof mem, "%.0fM", m / 1048576);
        else
            snprintf(mem, sizeof mem, "-");
        const json_t *oom = results_get(v, "docker.server.state.oom_killed");
        fprintf(f, "%-28s %-9s %9s %9s %9s %9s %9s %9s %s\n", str(v, "id"), str(v, "status"), rps,
                p99, errs, held, mem, pids,
                json_is_boolean(oom) ? (json_is_true(oom) ? "true" : "false") : "-");
    }
}

int docker_report(const char *dir, const char *chartjs_path)
{
    char err[4200];
    json_t *root = docker_session(dir, err, sizeof err);
    if (!root) {
        fprintf(stderr, "c10k-bench: --from-docker: %s\n", err);
        return 1;
    }
    struct session_record rec;
    results_from_document(root, &rec);
    json_decref(root);
    claims_build(&rec);
    root = results_document(&rec);
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
        docker_print_summary(root, stdout);
    json_decref(root);
    record_session_free(&rec);
    return rc < 0 ? 1 : 0;
}
