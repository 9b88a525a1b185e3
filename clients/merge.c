#include "merge.h"

#include "load_config.h"
#include "opts.h"
#include "report.h"
#include "request.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading one file ---- */

/* Reads fields of one document, keeping the first problem as a message naming the file. */
struct reader {
    const char *path;
    char *err;
    size_t err_len;
    int failed;
};

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
fail(struct reader *rd, const char *fmt, ...)
{
    if (rd->failed)
        return;
    rd->failed = 1;
    int n = snprintf(rd->err, rd->err_len, "'%s': ", rd->path);
    if (n < 0 || (size_t)n >= rd->err_len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rd->err + n, rd->err_len - (size_t)n, fmt, ap);
    va_end(ap);
}

static json_t *member(struct reader *rd, json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (v == NULL)
        fail(rd,
             "not c10k-load JSON with the fields merge needs: no \"%s\" (written by an older "
             "c10k-load?)",
             key);
    return v;
}

static json_t *member_object(struct reader *rd, json_t *obj, const char *key)
{
    json_t *v = member(rd, obj, key);
    if (v && !json_is_object(v)) {
        fail(rd, "not c10k-load JSON: \"%s\" is not an object", key);
        return NULL;
    }
    return v;
}

static double number(struct reader *rd, json_t *obj, const char *key)
{
    json_t *v = member(rd, obj, key);
    if (v == NULL)
        return 0;
    if (!json_is_number(v)) {
        fail(rd, "not c10k-load JSON: \"%s\" is not a number", key);
        return 0;
    }
    return json_number_value(v);
}

/* A number or null (*present says which). */
static double number_or_null(struct reader *rd, json_t *obj, const char *key, int *present)
{
    json_t *v = member(rd, obj, key);
    *present = v != NULL && !json_is_null(v);
    return *present ? number(rd, obj, key) : 0;
}

static uint64_t count(struct reader *rd, json_t *obj, const char *key)
{
    json_t *v = member(rd, obj, key);
    if (v == NULL)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        fail(rd, "not c10k-load JSON: \"%s\" is not a count", key);
        return 0;
    }
    return (uint64_t)json_integer_value(v);
}

static int boolean(struct reader *rd, json_t *obj, const char *key)
{
    json_t *v = member(rd, obj, key);
    if (v && !json_is_boolean(v))
        fail(rd, "not c10k-load JSON: \"%s\" is not true or false", key);
    return v && json_is_true(v);
}

static const char *string_or_null(struct reader *rd, json_t *obj, const char *key)
{
    json_t *v = member(rd, obj, key);
    if (v && !json_is_null(v) && !json_is_string(v))
        fail(rd, "not c10k-load JSON: \"%s\" is not a string", key);
    return v ? json_string_value(v) : NULL;
}

/* Rebuilds histogram `name` from its buckets and its exact figures; a null one stays empty. */
static void read_hist(struct reader *rd, json_t *hists, const char *name, int64_t highest,
                      int digits, struct hist *h)
{
    if (hist_init(h, highest, digits) < 0) {
        fail(rd, "histogram layout (highest %" PRId64 ", %d digits) is not one c10k-load can use",
             highest, digits);
        return;
    }
    json_t *buckets = member(rd, hists, name);
    json_t *exact = member(rd, member_object(rd, hists, "exact"), name);
    if (rd->failed || (json_is_null(buckets) && json_is_null(exact)))
        return;
    if (!json_is_array(buckets) || !json_is_object(exact)) {
        fail(rd, "not c10k-load JSON: histogram \"%s\" is not a list of buckets", name);
        return;
    }
    size_t i;
    json_t *b;
    json_array_foreach(buckets, i, b)
    {
        json_t *lo = json_array_get(b, 0), *hi = json_array_get(b, 1), *n = json_array_get(b, 2);
        struct hist_bucket hb = {0};
        if (json_array_size(b) == 3 && json_is_integer(lo) && json_is_integer(hi) &&
            json_is_integer(n) && json_integer_value(n) > 0) {
            hb.lo = json_integer_value(lo);
            hb.hi = json_integer_value(hi);
            hb.count = (uint64_t)json_integer_value(n);
        }
        if (hb.count == 0 || hist_add_bucket(h, &hb) < 0) {
            fail(rd, "histogram \"%s\": bucket %zu is not one of its layout's", name, i);
            return;
        }
    }
    uint64_t total = count(rd, exact, "count");
    uint64_t sum = count(rd, exact, "sum"), clamped = count(rd, exact, "clamped");
    int64_t min = (int64_t)count(rd, exact, "min"), max = (int64_t)count(rd, exact, "max");
    if (!rd->failed && (total != h->total || hist_set_exact(h, min, max, sum, clamped) < 0))
        fail(rd, "histogram \"%s\": its count, min or max disagree with its buckets", name);
}

static void read_counters(struct reader *rd, json_t *summary, struct merge_input *in)
{
    struct load_counters *c = &in->c;
    c->requests = count(rd, summary, "requests");
    c->warmup_requests = count(rd, summary, "warmup_requests");
    c->abandoned = count(rd, summary, "abandoned");
    c->bytes_read = count(rd, summary, "bytes_read");
    c->bytes_written = count(rd, summary, "bytes_written");
    json_t *conns = member_object(rd, summary, "connections");
    c->connects = count(rd, conns, "established");
    c->reconnects = count(rd, conns, "reconnects");
    c->open_max = count(rd, conns, "max_open");
    json_t *errors = member_object(rd, summary, "errors");
    c->err_connect = count(rd, errors, "connect");
    c->err_read = count(rd, errors, "read");
    c->err_write = count(rd, errors, "write");
    c->err_timeout = count(rd, errors, "timeout");
    c->err_parse = count(rd, errors, "parse");
    c->err_status = count(rd, errors, "status");
    json_t *status = member_object(rd, summary, "status");
    const char *code;
    json_t *n;
    json_object_foreach(status, code, n)
    {
        char *end;
        long s = strtol(code, &end, 10);
        if (*end != '\0' || s < 0 || s >= LOAD_STATUS_CODES || !json_is_integer(n) ||
            json_integer_value(n) < 0) {
            fail(rd, "not c10k-load JSON: status \"%s\" is not a code and a count", code);
            return;
        }
        c->status[s] = (uint64_t)json_integer_value(n);
    }
    json_t *idle = member_object(rd, summary, "idle");
    in->idle_connections = (uint32_t)count(rd, idle, "connections");
    c->idle_requests = count(rd, idle, "requests");
}

static void read_cpu(struct reader *rd, json_t *summary, struct merge_input *in)
{
    json_t *cpu = member_object(rd, summary, "cpu");
    in->cpu_user_s = number(rd, cpu, "user_s");
    in->cpu_system_s = number(rd, cpu, "system_s");
    in->busiest_share = number(rd, cpu, "busiest_thread_share");
    in->saturated = boolean(rd, cpu, "saturated");
    json_t *threads = member(rd, cpu, "threads_cpu_s");
    if (rd->failed)
        return;
    if (!json_is_array(threads)) {
        fail(rd, "not c10k-load JSON: \"threads_cpu_s\" is not a list");
        return;
    }
    in->n_thread_cpu = json_array_size(threads);
    in->thread_cpu_s = calloc(in->n_thread_cpu + 1, sizeof *in->thread_cpu_s);
    if (in->thread_cpu_s == NULL) {
        fail(rd, "out of memory");
        return;
    }
    for (size_t i = 0; i < in->n_thread_cpu; i++)
        in->thread_cpu_s[i] = json_number_value(json_array_get(threads, i));
}

static void read_series(struct reader *rd, json_t *doc, struct merge_input *in)
{
    json_t *points = member(rd, doc, "timeseries");
    if (rd->failed)
        return;
    if (!json_is_array(points)) {
        fail(rd, "not c10k-load JSON: \"timeseries\" is not a list");
        return;
    }
    size_t n = json_array_size(points);
    in->points = calloc(n + 1, sizeof *in->points);
    in->points_t_unix = calloc(n + 1, sizeof *in->points_t_unix);
    if (in->points == NULL || in->points_t_unix == NULL) {
        fail(rd, "out of memory");
        return;
    }
    size_t i;
    json_t *p;
    json_array_foreach(points, i, p)
    {
        struct series_point *sp = &in->points[i];
        sp->t = (int64_t)count(rd, p, "t");
        in->points_t_unix[i] = number(rd, p, "t_unix");
        sp->span_s = number(rd, p, "span_s");
        sp->warmup = boolean(rd, p, "warmup");
        sp->counts.requests = count(rd, p, "requests");
        sp->counts.errors = count(rd, p, "errors");
        sp->counts.connects = count(rd, p, "connects");
        sp->counts.bytes_read = count(rd, p, "bytes_read");
        sp->counts.connections = count(rd, p, "connections");
        sp->max_us = (int64_t)count(rd, p, "max_us");
        if (rd->failed)
            return;
        /* Point t starts t seconds after the run did, on the wall clock too. */
        if (fabs(in->points_t_unix[i] - (in->start_unix + (double)sp->t)) > 1) {
            fail(rd, "not c10k-load JSON: timeseries point %zu is at %.3f, not %.3f + %" PRId64, i,
                 in->points_t_unix[i], in->start_unix, sp->t);
            return;
        }
    }
    in->n_points = n;
}

int merge_read(const char *path, struct merge_input *in, char *err, size_t err_len)
{
    struct reader rd = {.path = path, .err = err, .err_len = err_len};
    memset(in, 0, sizeof *in);
    in->path = path;
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);
    if (doc == NULL) {
        FILE *f = fopen(path, "r");
        if (f == NULL) {
            fail(&rd, "cannot read: %s", strerror(errno));
        } else {
            fclose(f);
            fail(&rd, "not JSON: %s (line %d)", je.text, je.line);
        }
        return -1;
    }
    in->doc = doc;
    json_t *tool = json_object_get(doc, "tool");
    if (!json_is_string(tool) || strcmp(json_string_value(tool), "c10k-load") != 0) {
        fail(&rd, "not c10k-load JSON (no \"tool\": \"c10k-load\")");
        return -1;
    }
    json_t *target = member_object(&rd, doc, "target");
    in->url = string_or_null(&rd, target, "url");
    in->address = string_or_null(&rd, target, "address");
    in->id = string_or_null(&rd, doc, "generator_id");
    int present;
    in->start_at = number_or_null(&rd, doc, "start_at", &present);
    in->start_skew_ms = number_or_null(&rd, doc, "start_skew_ms", &in->has_skew);
    in->late = boolean(&rd, doc, "late");
    in->measure_start_unix = number(&rd, doc, "measure_start_unix");
    in->measure_end_unix = number(&rd, doc, "measure_end_unix");
    json_t *config = member_object(&rd, doc, "config");
    json_t *mode = member(&rd, config, "mode");
    in->open_loop = json_is_string(mode) && strcmp(json_string_value(mode), "open") == 0;
    in->warmup_s = number(&rd, config, "warmup_s");
    in->start_unix = in->measure_start_unix - in->warmup_s;

    json_t *summary = member_object(&rd, doc, "summary");
    in->measured_s = number(&rd, summary, "measured_s");
    in->run_s = number(&rd, summary, "run_s");
    in->interrupted = boolean(&rd, summary, "interrupted");
    read_counters(&rd, summary, in);
    read_cpu(&rd, summary, in);

    json_t *hists = member_object(&rd, doc, "histograms");
    json_t *layout = member_object(&rd, hists, "layout");
    int64_t highest = (int64_t)count(&rd, layout, "highest");
    int digits = (int)count(&rd, layout, "digits");
    read_hist(&rd, hists, "latency", highest, digits, &in->latency);
    read_hist(&rd, hists, "latency_uncorrected", highest, digits, &in->latency_unc);
    read_hist(&rd, hists, "connect", highest, digits, &in->connect);
    read_hist(&rd, hists, "idle_latency", highest, digits, &in->idle_latency);
    read_hist(&rd, hists, "send_lag", highest, digits, &in->send_lag);
    if (!rd.failed && in->latency.total != in->c.requests)
        fail(&rd, "its latency histogram counts %" PRIu64 " requests, its summary %" PRIu64,
             in->latency.total, in->c.requests);
    read_series(&rd, doc, in);
    return rd.failed ? -1 : 0;
}

void merge_input_free(struct merge_input *in)
{
    hist_free(&in->latency);
    hist_free(&in->latency_unc);
    hist_free(&in->connect);
    hist_free(&in->idle_latency);
    hist_free(&in->send_lag);
    free(in->thread_cpu_s);
    free(in->points);
    free(in->points_t_unix);
    if (in->doc)
        json_decref(in->doc);
    memset(in, 0, sizeof *in);
}

/* ---- checks across files ---- */

/* Files that cannot be merged into one meaningful result: a message naming the file, or 0. */
static int check_mergeable(const struct merge_input *in, size_t n, char *err, size_t len)
{
    double lo = in[0].measure_start_unix, hi = in[0].measure_end_unix;
    if (!(hi > lo)) {
        snprintf(err, len, "'%s': its measured window is empty (%.3f to %.3f)", in[0].path, lo, hi);
        return -1;
    }
    for (size_t i = 1; i < n; i++) {
        const struct merge_input *a = &in[0], *b = &in[i];
        if (a->latency.highest != b->latency.highest || a->latency.digits != b->latency.digits) {
            snprintf(err, len,
                     "'%s': its histogram layout (highest %" PRId64
                     ", %d digits) differs from '%s' (highest %" PRId64 ", %d digits)",
                     b->path, b->latency.highest, b->latency.digits, a->path, a->latency.highest,
                     a->latency.digits);
            return -1;
        }
        if (a->open_loop != b->open_loop) {
            snprintf(err, len,
                     "'%s': an %s-loop run, but '%s' is %s loop: their latencies do not mean the "
                     "same",
                     b->path, b->open_loop ? "open" : "closed", a->path,
                     a->open_loop ? "open" : "closed");
            return -1;
        }
        /* Every window must share some time with every other: the intersection is not empty. */
        double nlo = fmax(lo, b->measure_start_unix), nhi = fmin(hi, b->measure_end_unix);
        if (!(nhi > nlo)) {
            snprintf(err, len,
                     "'%s': its measured window (%.3f to %.3f) does not overlap that of the files "
                     "before it (%.3f to %.3f); start the generators with the same --start-at",
                     b->path, b->measure_start_unix, b->measure_end_unix, lo, hi);
            return -1;
        }
        lo = nlo;
        hi = nhi;
    }
    return 0;
}

/* ---- merging ---- */

struct merged {
    struct load_result r;
    struct load_config cfg;
    struct request_mix mix;
    struct series series;
    double overlap_s;
};

/* The configuration of the merged run: the first file's, with the amounts of load added. The
 * strings point into the first file's document. */
static int merged_config(struct merged *m, const struct merge_input *in, size_t n)
{
    struct load_config *cfg = &m->cfg;
    json_t *config = json_object_get(in[0].doc, "config");
    cfg->url = (char *)(in[0].url ? in[0].url : "");
    cfg->keepalive = json_is_true(json_object_get(config, "keepalive"));
    cfg->pipeline = (uint32_t)json_integer_value(json_object_get(config, "pipeline"));
    cfg->duration_s = json_number_value(json_object_get(config, "duration_s"));
    cfg->warmup_s = json_number_value(json_object_get(config, "warmup_s"));
    cfg->timeout_s = json_number_value(json_object_get(config, "timeout_s"));
    cfg->idle_interval_s = json_number_value(json_object_get(config, "idle_interval_s"));
    cfg->start_at = in[0].start_at;
    for (size_t i = 0; i < n; i++) {
        json_t *c = json_object_get(in[i].doc, "config");
        cfg->connections += (uint32_t)json_integer_value(json_object_get(c, "connections"));
        cfg->idle += (uint32_t)json_integer_value(json_object_get(c, "idle_connections"));
        cfg->threads += (uint32_t)json_integer_value(json_object_get(c, "threads"));
        cfg->rate += json_number_value(json_object_get(c, "rate"));
        cfg->ramp += json_number_value(json_object_get(c, "ramp_per_s"));
        cfg->requests += (uint64_t)json_integer_value(json_object_get(c, "requests"));
        cfg->n_sources += (size_t)json_integer_value(json_object_get(c, "source_addresses"));
        if (in[i].start_at != cfg->start_at)
            cfg->start_at = 0; /* no common start */
    }

    json_t *kinds = json_object_get(config, "mix");
    size_t nk = json_array_size(kinds);
    m->mix.kinds = calloc(nk + 1, sizeof *m->mix.kinds);
    if (m->mix.kinds == NULL)
        return -ENOMEM;
    for (size_t k = 0; k < nk; k++) {
        json_t *kind = json_array_get(kinds, k);
        struct request_bytes *rb = &m->mix.kinds[k];
        const char *method = json_string_value(json_object_get(kind, "method"));
        const char *path = json_string_value(json_object_get(kind, "path"));
        rb->method = method ? method : "";
        rb->path = path ? path : "";
        rb->weight = (unsigned)json_integer_value(json_object_get(kind, "weight"));
        rb->len = (size_t)json_integer_value(json_object_get(kind, "bytes"));
    }
    m->mix.n_kinds = nk;

    json_t *limits = json_object_get(json_object_get(in[0].doc, "summary"), "limits");
    json_t *ports = json_object_get(limits, "local_port_range");
    m->r.limits.fd_soft = (uint64_t)json_integer_value(json_object_get(limits, "nofile_soft"));
    m->r.limits.fd_hard = (uint64_t)json_integer_value(json_object_get(limits, "nofile_hard"));
    m->r.limits.port_lo = (unsigned)json_integer_value(json_array_get(ports, 0));
    m->r.limits.port_hi = (unsigned)json_integer_value(json_array_get(ports, 1));
    return 0;
}

/* The per-second series added second by second: a point of each file goes to the second of the
 * merged run nearest to its wall-clock time. Per-second percentiles cannot be recomputed (the
 * files keep no per-second histograms), so they are unknown; the maximum is exact. */
static int merged_series(struct merged *m, const struct merge_input *in, size_t n)
{
    int64_t last = -1;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < in[i].n_points; k++) {
            int64_t t = llround(in[i].points_t_unix[k] - m->r.start_unix);
            if (t > last)
                last = t;
        }
    size_t slots = (size_t)(last + 1);
    struct series_point *pts = calloc(slots + 1, sizeof *pts);
    char *used = calloc(slots + 1, 1);
    if (pts == NULL || used == NULL) {
        free(pts);
        free(used);
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < in[i].n_points; k++) {
            const struct series_point *p = &in[i].points[k];
            int64_t t = llround(in[i].points_t_unix[k] - m->r.start_unix);
            if (t < 0)
                t = 0;
            struct series_point *q = &pts[t];
            used[t] = 1;
            q->t = t;
            if (p->span_s > q->span_s)
                q->span_s = p->span_s;
            q->warmup |= p->warmup;
            q->counts.requests += p->counts.requests;
            q->counts.errors += p->counts.errors;
            q->counts.connects += p->counts.connects;
            q->counts.bytes_read += p->counts.bytes_read;
            q->counts.connections += p->counts.connections;
            if (p->max_us > q->max_us)
                q->max_us = p->max_us;
        }
    }
    size_t out = 0;
    for (size_t t = 0; t < slots; t++) {
        if (!used[t])
            continue;
        pts[out] = pts[t];
        pts[out].p50_us = SERIES_UNKNOWN;
        pts[out].p99_us = SERIES_UNKNOWN;
        out++;
    }
    free(used);
    m->series.points = pts;
    m->series.n_points = out;
    return 0;
}

static int merge_all(struct merged *m, const struct merge_input *in, size_t n)
{
    struct load_result *r = &m->r;
    if (report_result_init(r) < 0 || merged_config(m, in, n) < 0)
        return -ENOMEM;
    r->cfg = &m->cfg;
    r->mix = &m->mix;
    r->series = &m->series;
    snprintf(r->address, sizeof r->address, "%s", in[0].address ? in[0].address : "");
    r->open_loop = in[0].open_loop;
    r->start_unix = in[0].start_unix;
    r->measure_start_unix = in[0].measure_start_unix;
    r->measure_end_unix = in[0].measure_end_unix;
    double overlap_lo = r->measure_start_unix, overlap_hi = r->measure_end_unix, run_end = 0;
    size_t threads = 0;
    for (size_t i = 0; i < n; i++)
        threads += in[i].n_thread_cpu;
    r->thread_cpu_s = calloc(threads + 1, sizeof *r->thread_cpu_s);
    if (r->thread_cpu_s == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const struct merge_input *g = &in[i];
        if (hist_merge(&r->latency, &g->latency) < 0 ||
            hist_merge(&r->latency_unc, &g->latency_unc) < 0 ||
            hist_merge(&r->connect, &g->connect) < 0 ||
            hist_merge(&r->idle_latency, &g->idle_latency) < 0 ||
            hist_merge(&r->send_lag, &g->send_lag) < 0)
            return -EINVAL; /* layouts were checked: not expected */
        load_counters_add(&r->c, &g->c);
        r->interrupted |= g->interrupted;
        r->cpu_user_s += g->cpu_user_s;
        r->cpu_system_s += g->cpu_system_s;
        for (size_t k = 0; k < g->n_thread_cpu; k++)
            r->thread_cpu_s[r->n_thread_cpu++] = g->thread_cpu_s[k];
        if (g->busiest_share > r->busiest_share)
            r->busiest_share = g->busiest_share;
        r->saturated |= g->saturated;
        r->late |= g->late;
        if (g->has_skew && (i == 0 || g->start_skew_ms > r->start_skew_ms))
            r->start_skew_ms = g->start_skew_ms;
        r->start_unix = fmin(r->start_unix, g->start_unix);
        r->measure_start_unix = fmin(r->measure_start_unix, g->measure_start_unix);
        r->measure_end_unix = fmax(r->measure_end_unix, g->measure_end_unix);
        overlap_lo = fmax(overlap_lo, g->measure_start_unix);
        overlap_hi = fmin(overlap_hi, g->measure_end_unix);
        run_end = fmax(run_end, g->start_unix + g->run_s);
    }
    /* The merged run covers every generator's measured window, from the first start to the last
     * end; throughput is over that span. */
    r->measured_s = r->measure_end_unix - r->measure_start_unix;
    r->run_s = run_end - r->start_unix;
    m->overlap_s = overlap_hi - overlap_lo;
    return merged_series(m, in, n);
}

static void merged_free(struct merged *m)
{
    report_result_free(&m->r);
    free(m->mix.kinds);
    free(m->series.points);
}

/* ---- output ---- */

static const char *display_name(const struct merge_input *g)
{
    if (g->id)
        return g->id;
    const char *slash = strrchr(g->path, '/');
    return slash ? slash + 1 : g->path;
}

static double window_cpu(const double *threads, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += threads[i];
    return s;
}

static void print_row(FILE *out, const char *name, uint64_t requests, double measured_s,
                      const struct hist *latency, double cpu_s, double busiest, int saturated,
                      const char *skew)
{
    char p50[32], p99[32];
    report_format_us(p50, sizeof p50, hist_percentile(latency, 50));
    report_format_us(p99, sizeof p99, hist_percentile(latency, 99));
    char line[256];
    int n = snprintf(line, sizeof line, "  %-20s %10" PRIu64 " %11.1f %9s %9s %8.2f %6.0f%%%s %s",
                     name, requests, measured_s > 0 ? (double)requests / measured_s : 0.0, p50, p99,
                     cpu_s, busiest * 100, saturated ? "!" : " ", skew);
    while (n > 0 && (size_t)n < sizeof line && line[n - 1] == ' ')
        line[--n] = '\0';
    fprintf(out, "%s\n", line);
}

static void print_summary(FILE *out, const struct merged *m, const struct merge_input *in, size_t n)
{
    const struct load_result *r = &m->r;
    fprintf(out, "c10k-load %s merge: %zu generators; %.2fs measured (all overlapping %.2fs)\n",
            C10K_VERSION, n, r->measured_s, m->overlap_s);
    fprintf(out, "  %-20s %10s %11s %9s %9s %8s %7s  %s\n", "generator", "requests", "req/s", "p50",
            "p99", "cpu s", "busiest", "start skew");
    char skew[64];
    for (size_t i = 0; i < n; i++) {
        const struct merge_input *g = &in[i];
        if (g->has_skew)
            snprintf(skew, sizeof skew, "%+.2fms%s", g->start_skew_ms, g->late ? " (late)" : "");
        else
            snprintf(skew, sizeof skew, "-");
        print_row(out, display_name(g), g->c.requests, g->measured_s, &g->latency,
                  window_cpu(g->thread_cpu_s, g->n_thread_cpu), g->busiest_share, g->saturated,
                  skew);
    }
    print_row(out, "all", r->c.requests, r->measured_s, &r->latency,
              window_cpu(r->thread_cpu_s, r->n_thread_cpu), r->busiest_share, r->saturated, "");
    char p999[32], max[32];
    report_format_us(p999, sizeof p999, hist_percentile(&r->latency, 99.9));
    report_format_us(max, sizeof max, r->latency.max);
    fprintf(out,
            "  all: p99.9 %s, max %s, errors %" PRIu64 " (percentiles from the summed histograms, "
            "never averaged)\n",
            p999, max, report_errors_total(r));
    if (r->saturated)
        fprintf(out,
                "  ! saturated: a thread of that generator was on the CPU for %.0f%% or more "
                "of its measured time; its latencies include its own delays\n",
                REPORT_SATURATION_THRESHOLD * 100);
}

static void json_generators(FILE *out, const struct merge_input *in, size_t n)
{
    fprintf(out, ",\n  \"merged_from\": %zu,\n  \"generators\": [", n);
    for (size_t i = 0; i < n; i++) {
        const struct merge_input *g = &in[i];
        fprintf(out, "%s\n    {\"id\": ", i ? "," : "");
        if (g->id)
            report_json_string(out, g->id);
        else
            fputs("null", out);
        fputs(", \"file\": ", out);
        report_json_string(out, g->path);
        fprintf(out,
                ", \"requests\": %" PRIu64 ", \"requests_per_s\": %.3f, \"p50_us\": %" PRId64
                ", \"p99_us\": %" PRId64 ", \"window_cpu_s\": %.6f"
                ", \"busiest_thread_share\": %.4f, \"saturated\": %s, \"start_skew_ms\": ",
                g->c.requests, g->measured_s > 0 ? (double)g->c.requests / g->measured_s : 0.0,
                hist_percentile(&g->latency, 50), hist_percentile(&g->latency, 99),
                window_cpu(g->thread_cpu_s, g->n_thread_cpu), g->busiest_share,
                g->saturated ? "true" : "false");
        if (g->has_skew)
            fprintf(out, "%.3f", g->start_skew_ms);
        else
            fputs("null", out);
        fprintf(out, ", \"late\": %s, \"measure_start_unix\": %.6f, \"measure_end_unix\": %.6f}",
                g->late ? "true" : "false", g->measure_start_unix, g->measure_end_unix);
    }
    fputs("\n  ]", out);
}

static int write_json(const char *path, const struct merged *m, const struct merge_input *in,
                      size_t n, FILE *err)
{
    int to_stdout = strcmp(path, "-") == 0;
    FILE *f = to_stdout ? stdout : fopen(path, "w");
    if (f == NULL) {
        fprintf(err, "c10k-load merge: --json: cannot write '%s': %s\n", path, strerror(errno));
        return 1;
    }
    report_json_members(f, &m->r);
    json_generators(f, in, n);
    fputs("\n}\n", f);
    fflush(f);
    int bad = ferror(f);
    if (!to_stdout && fclose(f) != 0)
        bad = 1;
    if (bad) {
        fprintf(err, "c10k-load merge: --json: error writing '%s'\n", path);
        return 1;
    }
    return 0;
}

/* ---- the subcommand ---- */

struct merge_options {
    const char *json_path;
};

static const struct opt merge_opts[] = {
    {"json", 'j', .kind = OPT_STRING, .arg = "OUT", OPT_FIELD(struct merge_options, json_path),
     .nonempty = 1,
     .help = "write the merged result there (\"-\" for stdout; the summary then goes to stderr)"},
    {"help", 'h', .kind = OPT_HELP, .help = "this text"},
};

static const struct opts_spec merge_spec = {
    .program = "c10k-load merge",
    .usage = "usage: c10k-load merge [--json OUT] FILE...\n",
    .intro = "Merges the JSON files that several c10k-load runs wrote with --json into one result "
             "with the\n"
             "same fields, plus \"generators\" (each one's own figures) and \"merged_from\". "
             "Histograms are\n"
             "added bucket by bucket and every percentile is computed again from the sum; counts, "
             "errors\n"
             "and statuses are added; the per-second series are added second by second on the "
             "wall clock.\n"
             "The files must have the same histogram layout and measured windows that overlap.\n",
    .epilogue = "Exit status: 0 when merged, 1 when OUT cannot be written, 2 for a bad option or "
                "files that\n"
                "cannot be merged (one line naming the file).\n",
    .operands = "FILE...",
    .opts = merge_opts,
    .n = sizeof merge_opts / sizeof merge_opts[0],
};

int merge_main(int argc, char **argv, FILE *out, FILE *err)
{
    struct merge_options o = {0};
    struct opts_parser p = {&merge_spec, &o, NULL, out, err, 0};
    int first;
    enum opts_result r = opts_defaults(&p);
    if (r == OPTS_RUN)
        r = opts_parse(&p, argc, argv, &first);
    if (r == OPTS_RUN && first == argc)
        r = opts_error(&p, "no files to merge (see --help)");
    if (r != OPTS_RUN)
        return r == OPTS_EXIT ? 0 : 2;
    const char *json_path = o.json_path;
    char **files = argv + first;
    size_t n = (size_t)(argc - first);

    struct merge_input *in = calloc(n, sizeof *in);
    struct merged m;
    memset(&m, 0, sizeof m);
    char msg[1024];
    int status = 2;
    if (in == NULL) {
        fprintf(err, "c10k-load merge: out of memory\n");
        status = 1;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (merge_read(files[i], &in[i], msg, sizeof msg) < 0) {
            fprintf(err, "c10k-load merge: %s\n", msg);
            goto out;
        }
    }
    if (check_mergeable(in, n, msg, sizeof msg) < 0) {
        fprintf(err, "c10k-load merge: %s\n", msg);
        goto out;
    }
    if (merge_all(&m, in, n) < 0) {
        fprintf(err, "c10k-load merge: out of memory\n");
        status = 1;
        goto out;
    }
    int json_to_stdout = json_path && strcmp(json_path, "-") == 0;
    print_summary(json_to_stdout ? err : out, &m, in, n);
    fflush(out);
    status = json_path ? write_json(json_path, &m, in, n, err) : 0;
out:
    merged_free(&m);
    if (in) {
        for (size_t i = 0; i < n; i++)
            merge_input_free(&in[i]);
        free(in);
    }
    return status;
}
