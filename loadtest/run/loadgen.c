#include "loadgen.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const double loadgen_percentiles[] = {0,  10, 20, 30, 40,   50,   60,    70,    75,     80,
                                      85, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999, 100};
const size_t loadgen_n_percentiles = sizeof loadgen_percentiles / sizeof loadgen_percentiles[0];

/* wrk calls done() once, after every thread has stopped. Latency values are microseconds. */
static const char wrk_script[] =
    "-- Written by c10k-bench: prints wrk's results as one JSON line.\n"
    "local ps = {%s}\n"
    "done = function(summary, latency, requests)\n"
    "  local e = summary.errors\n"
    "  local out = {}\n"
    "  for _, p in ipairs(ps) do\n"
    "    out[#out + 1] = string.format('[%%g,%%d]', p, latency:percentile(p))\n"
    "  end\n"
    "  io.write(string.format('" LOADGEN_WRK_MARKER
    "{\"duration_us\":%%d,\"requests\":%%d,\"bytes\":%%d,'\n"
    "    .. '\"errors\":{\"connect\":%%d,\"read\":%%d,\"write\":%%d,\"status\":%%d,"
    "\"timeout\":%%d},'\n"
    "    .. '\"latency\":{\"min\":%%d,\"max\":%%d,\"mean\":%%.1f,\"stdev\":%%.1f,"
    "\"percentiles\":[%%s]}}\\n',\n"
    "    summary.duration, summary.requests, summary.bytes,\n"
    "    e.connect, e.read, e.write, e.status, e.timeout,\n"
    "    latency.min, latency.max, latency.mean, latency.stdev, table.concat(out, ',')))\n"
    "end\n";

int loadgen_write_wrk_script(const char *path)
{
    char list[512];
    size_t used = 0;
    for (size_t i = 0; i < loadgen_n_percentiles; i++) {
        int n = snprintf(list + used, sizeof list - used, "%s%g", i ? ", " : "",
                         loadgen_percentiles[i]);
        if (n < 0 || (size_t)n >= sizeof list - used)
            return -ENOSPC;
        used += (size_t)n;
    }
    FILE *f = fopen(path, "we");
    if (!f)
        return -errno;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    fprintf(f, wrk_script, list);
#pragma GCC diagnostic pop
    if (fclose(f) != 0)
        return -errno;
    return 0;
}

static void add(struct loadgen_argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct loadgen_argv *a, const char *fmt, ...)
{
    if (a->argc >= LOADGEN_MAX_ARGS)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->store[a->argc], sizeof a->store[0], fmt, ap);
    va_end(ap);
    a->argv[a->argc] = a->store[a->argc];
    a->argc++;
    a->argv[a->argc] = NULL;
}

void loadgen_build(struct loadgen_argv *a, const struct run_spec *r, const char *tool_path,
                   const char *script_path, const char *url, double duration_s, double warmup_s,
                   int threads, const char *out_path)
{
    memset(a, 0, sizeof *a);
    add(a, "%s", tool_path);
    int conns = r->concurrency > 0 ? r->concurrency : 1;
    if (threads > conns)
        threads = conns;
    if (threads < 1)
        threads = 1;
    if (r->tool == TOOL_WRK) {
        /* wrk takes whole seconds. */
        long secs = lround(duration_s);
        add(a, "-t%d", threads);
        add(a, "-c%d", conns);
        add(a, "-d%lds", secs < 1 ? 1 : secs);
        add(a, "--timeout");
        add(a, "%lds", lround(r->timeout_s) < 1 ? 1 : lround(r->timeout_s));
        if (script_path) {
            add(a, "-s");
            add(a, "%s", script_path);
        }
        if (!r->keepalive) {
            add(a, "-H");
            add(a, "Connection: close");
        }
        add(a, "%s", url);
        return;
    }
    add(a, "--connections");
    add(a, "%d", conns);
    add(a, "--threads");
    add(a, "%d", threads);
    add(a, "--duration");
    add(a, "%.3fs", duration_s);
    if (warmup_s > 0) {
        add(a, "--warmup");
        add(a, "%.3fs", warmup_s);
    }
    add(a, "--timeout");
    add(a, "%.3fs", r->timeout_s);
    if (r->rate > 0) {
        add(a, "--rate");
        add(a, "%.0f", r->rate);
    }
    if (r->idle > 0) {
        add(a, "--idle");
        add(a, "%d", r->idle);
    }
    if (r->ramp > 0) {
        add(a, "--ramp");
        add(a, "%.0f", r->ramp);
    }
    if (!r->keepalive)
        add(a, "--no-keepalive");
    if (r->keys > 0) {
        add(a, "--keys");
        add(a, "%d", r->keys);
    }
    if (r->pipeline > 1) {
        add(a, "--pipeline");
        add(a, "%d", r->pipeline);
    }
    if (r->requests > 0) {
        add(a, "--requests");
        add(a, "%lld", r->requests);
    }
    if (r->sources > 1) {
        add(a, "--source");
        add(a, "%s", plan_sources());
    }
    if (out_path) {
        add(a, "--json");
        add(a, "%s", out_path);
    }
    add(a, "%s", url);
}

static json_t *percentile_summary(json_t *pcts, double mean, json_int_t min, json_int_t max)
{
    json_t *s = json_object();
    static const struct {
        double p;
        const char *key;
    } keys[] = {{50, "p50"}, {90, "p90"}, {99, "p99"}, {99.9, "p99_9"}};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        size_t i;
        json_t *pair;
        json_array_foreach(pcts, i, pair)
        {
            if (fabs(json_number_value(json_array_get(pair, 0)) - keys[k].p) < 1e-9)
                json_object_set(s, keys[k].key, json_array_get(pair, 1));
        }
    }
    json_object_set_new(s, "min", json_integer(min));
    json_object_set_new(s, "max", json_integer(max));
    json_object_set_new(s, "mean", json_real(mean));
    return s;
}

/* Responses that were not errors: throughput counts these (a server answering 503 quickly is
 * not serving). */
static void add_good(json_t *c)
{
    double requests = json_number_value(json_object_get(c, "requests"));
    double status = json_number_value(json_object_get(json_object_get(c, "errors"), "status"));
    double secs = json_number_value(json_object_get(c, "measured_s"));
    double good = requests - status > 0 ? requests - status : 0;
    json_object_set_new(c, "good_requests", json_integer((json_int_t)good));
    json_object_set_new(c, "good_per_s", json_real(secs > 0 ? good / secs : 0));
}

json_t *loadgen_parse_wrk(const char *text, char *err, size_t err_len)
{
    const char *line = strstr(text, LOADGEN_WRK_MARKER);
    if (!line) {
        snprintf(err, err_len, "wrk printed no results (no %s line)", LOADGEN_WRK_MARKER);
        return NULL;
    }
    json_error_t je;
    json_t *w = json_loads(line + strlen(LOADGEN_WRK_MARKER), JSON_DISABLE_EOF_CHECK, &je);
    if (!w) {
        snprintf(err, err_len, "wrk's results are not JSON: %s", je.text);
        return NULL;
    }
    json_int_t dur_us = 0, requests = 0, bytes = 0, min = 0, max = 0;
    json_int_t e_connect = 0, e_read = 0, e_write = 0, e_status = 0, e_timeout = 0;
    double mean = 0, stdev = 0;
    json_t *pcts = NULL;
    if (json_unpack_ex(w, &je, 0,
                       "{s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I}, s:{s:I, s:I, s:F, s:F, "
                       "s:o}}",
                       "duration_us", &dur_us, "requests", &requests, "bytes", &bytes, "errors",
                       "connect", &e_connect, "read", &e_read, "write", &e_write, "status",
                       &e_status, "timeout", &e_timeout, "latency", "min", &min, "max", &max,
                       "mean", &mean, "stdev", &stdev, "percentiles", &pcts) < 0) {
        snprintf(err, err_len, "wrk's results lack a field: %s", je.text);
        json_decref(w);
        return NULL;
    }
    double secs = (double)dur_us / 1e6;
    /* A status error is a response wrk counted too; the others are requests that failed. */
    json_int_t errors = e_connect + e_read + e_write + e_status + e_timeout;
    json_t *c = json_pack(
        "{s:s, s:I, s:f, s:f, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:i}, s:o, s:n, s:O, "
        "s:n, s:n, s:n, s:n, s:n, s:f}",
        "tool", "wrk", "requests", requests, "measured_s", secs, "requests_per_s",
        secs > 0 ? (double)requests / secs : 0.0, "total_requests", requests, "bytes_read", bytes,
        "errors", "total", errors, "connect", e_connect, "read", e_read, "write", e_write,
        "timeout", e_timeout, "status", e_status, "parse", 0, "latency_us",
        percentile_summary(pcts, mean, min, max), "latency_uncorrected_us", "percentiles", pcts,
        "histogram", "series", "idle", "connections", "cpu", "latency_stdev_us", stdev);
    json_decref(w);
    if (!c) {
        snprintf(err, err_len, "cannot build the client object");
        return NULL;
    }
    /* The fields only c10k-load has, so that every client object has the same keys. */
    json_object_set_new(c, "percentiles_uncorrected", json_null());
    json_object_set_new(c, "status_codes", json_null());
    json_object_set_new(c, "warmup_requests", json_null());
    json_object_set_new(c, "abandoned", json_null());
    add_good(c);
    return c;
}

json_t *loadgen_percentiles_from_buckets(const json_t *buckets)
{
    json_t *out = json_array();
    double total = 0;
    size_t i;
    json_t *b;
    json_array_foreach(buckets, i, b) total += json_number_value(json_array_get(b, 2));
    if (total <= 0)
        return out;
    for (size_t k = 0; k < loadgen_n_percentiles; k++) {
        double p = loadgen_percentiles[k];
        double target = ceil(p / 100.0 * total);
        if (target < 1)
            target = 1;
        double cum = 0;
        json_int_t value = 0;
        json_array_foreach(buckets, i, b)
        {
            cum += json_number_value(json_array_get(b, 2));
            value = json_integer_value(json_array_get(b, p == 0 ? 0 : 1));
            if (cum >= target)
                break;
        }
        json_array_append_new(out, json_pack("[f, I]", p, value));
    }
    return out;
}

/* The per-second series, as columns. */
static json_t *series_columns(const json_t *points)
{
    static const char *const keys[] = {"t",      "requests_per_s", "p50_us",      "p99_us",
                                       "max_us", "errors",         "connections", "connects"};
    const size_t n_keys = sizeof keys / sizeof keys[0];
    json_t *cols = json_object();
    for (size_t k = 0; k < n_keys; k++)
        json_object_set_new(cols, keys[k], json_array());
    json_object_set_new(cols, "warmup", json_array());
    size_t i;
    json_t *pt;
    json_array_foreach(points, i, pt)
    {
        for (size_t k = 0; k < n_keys; k++) {
            json_t *v = json_object_get(pt, keys[k]);
            json_array_append_new(json_object_get(cols, keys[k]), v ? json_copy(v) : json_null());
        }
        json_t *wu = json_object_get(pt, "warmup");
        json_array_append_new(json_object_get(cols, "warmup"),
                              json_boolean(wu && json_is_true(wu)));
    }
    return cols;
}

json_t *loadgen_parse_load(const char *text, char *err, size_t err_len)
{
    json_error_t je;
    json_t *doc = json_loads(text, 0, &je);
    if (!doc) {
        snprintf(err, err_len, "c10k-load's JSON does not parse: %s (line %d)", je.text, je.line);
        return NULL;
    }
    json_t *sum = json_object_get(doc, "summary");
    json_t *hists = json_object_get(doc, "histograms");
    if (!json_is_object(sum)) {
        snprintf(err, err_len, "c10k-load's JSON has no summary");
        json_decref(doc);
        return NULL;
    }
    json_int_t requests = 0, warmup = 0, bytes = 0;
    double measured = 0, rps = 0;
    json_t *lat = NULL, *errors = NULL;
    if (json_unpack_ex(sum, &je, 0, "{s:I, s:I, s:F, s:F, s:I, s:o, s:o}", "requests", &requests,
                       "warmup_requests", &warmup, "measured_s", &measured, "requests_per_s", &rps,
                       "bytes_read", &bytes, "latency_us", &lat, "errors", &errors) < 0) {
        snprintf(err, err_len, "c10k-load's summary lacks a field: %s", je.text);
        json_decref(doc);
        return NULL;
    }
    json_t *idle = json_object_get(sum, "idle");
    json_int_t idle_requests = 0;
    if (json_is_object(idle))
        idle_requests = json_integer_value(json_object_get(idle, "requests"));
    json_t *lat_buckets = hists ? json_object_get(hists, "latency") : NULL;
    json_t *unc = json_object_get(sum, "latency_uncorrected_us");

    json_t *c =
        json_pack("{s:s, s:I, s:f, s:f, s:I, s:I, s:O, s:O, s:O}", "tool", "c10k-load", "requests",
                  requests, "measured_s", measured, "requests_per_s", rps, "total_requests",
                  requests + warmup + idle_requests, "bytes_read", bytes, "errors", errors,
                  "latency_us", lat, "latency_uncorrected_us", unc ? unc : json_null());
    if (!c) {
        snprintf(err, err_len, "cannot build the client object");
        json_decref(doc);
        return NULL;
    }
    if (json_is_array(lat_buckets)) {
        json_object_set_new(c, "percentiles", loadgen_percentiles_from_buckets(lat_buckets));
        json_object_set(c, "histogram", lat_buckets);
    } else {
        json_object_set_new(c, "percentiles", json_array());
        json_object_set_new(c, "histogram", json_null());
    }
    json_t *unc_buckets = hists ? json_object_get(hists, "latency_uncorrected") : NULL;
    json_object_set_new(c, "percentiles_uncorrected",
                        json_is_array(unc_buckets) ? loadgen_percentiles_from_buckets(unc_buckets)
                                                   : json_null());
    json_t *ts = json_object_get(doc, "timeseries");
    json_object_set_new(c, "series", json_is_array(ts) ? series_columns(ts) : json_null());
    json_object_set(c, "idle", json_is_object(idle) ? idle : json_null());
    /* A merged file (c10k-load merge): each generator's own row beside the totals. */
    json_t *gens = json_object_get(doc, "generators");
    json_object_set(c, "generators", json_is_array(gens) ? gens : json_null());
    json_t *merged = json_object_get(doc, "merged_from");
    json_object_set(c, "merged_from", json_is_integer(merged) ? merged : json_null());
    json_t *conns = json_object_get(sum, "connections");
    json_object_set(c, "connections", conns ? conns : json_null());
    json_t *cpu = json_object_get(sum, "cpu");
    json_object_set(c, "cpu", cpu ? cpu : json_null());
    json_t *status = json_object_get(sum, "status");
    json_object_set(c, "status_codes", status ? status : json_null());
    json_object_set_new(c, "warmup_requests", json_integer(warmup));
    json_t *abandoned = json_object_get(sum, "abandoned");
    json_object_set(c, "abandoned", abandoned ? abandoned : json_null());
    add_good(c);
    json_decref(doc);
    return c;
}
