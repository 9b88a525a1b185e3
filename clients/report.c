#include "report.h"

#include "load_config.h"
#include "request.h"
#include "series.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

int report_result_init(struct load_result *r)
{
    struct hist *hists[] = {&r->latency, &r->latency_unc, &r->connect, &r->idle_latency,
                            &r->send_lag};
    for (size_t i = 0; i < sizeof hists / sizeof hists[0]; i++) {
        if (hist_init(hists[i], HIST_LATENCY_HIGHEST_US, HIST_LATENCY_DIGITS) < 0) {
            report_result_free(r);
            return -ENOMEM;
        }
    }
    return 0;
}

void report_result_free(struct load_result *r)
{
    hist_free(&r->latency);
    hist_free(&r->latency_unc);
    hist_free(&r->connect);
    hist_free(&r->idle_latency);
    hist_free(&r->send_lag);
    free(r->thread_cpu_s);
    r->thread_cpu_s = NULL;
    r->n_thread_cpu = 0;
}

void load_counters_add(struct load_counters *t, const struct load_counters *c)
{
    t->requests += c->requests;
    t->warmup_requests += c->warmup_requests;
    t->idle_requests += c->idle_requests;
    t->bytes_read += c->bytes_read;
    t->bytes_written += c->bytes_written;
    t->connects += c->connects;
    t->reconnects += c->reconnects;
    t->err_connect += c->err_connect;
    t->err_read += c->err_read;
    t->err_write += c->err_write;
    t->err_timeout += c->err_timeout;
    t->err_parse += c->err_parse;
    t->err_status += c->err_status;
    for (int i = 0; i < LOAD_STATUS_CODES; i++)
        t->status[i] += c->status[i];
    t->abandoned += c->abandoned;
    t->open_max += c->open_max;
}

int report_add_worker(struct load_result *r, const struct worker *w)
{
    double *grown = realloc(r->thread_cpu_s, (r->n_thread_cpu + 1) * sizeof *grown);
    if (grown == NULL)
        return -ENOMEM;
    r->thread_cpu_s = grown;
    r->thread_cpu_s[r->n_thread_cpu++] = (double)w->cpu_measured_ns / 1e9;
    hist_merge(&r->latency, &w->latency);
    hist_merge(&r->latency_unc, &w->latency_unc);
    hist_merge(&r->connect, &w->connect);
    hist_merge(&r->idle_latency, &w->idle_latency);
    hist_merge(&r->send_lag, &w->send_lag);
    load_counters_add(&r->c, &w->c);
    return 0;
}

void report_note_saturation(struct load_result *r)
{
    r->busiest_share = 0;
    for (size_t i = 0; i < r->n_thread_cpu && r->measured_s > 0; i++) {
        double share = r->thread_cpu_s[i] / r->measured_s;
        if (share > r->busiest_share)
            r->busiest_share = share;
    }
    r->saturated = r->busiest_share >= REPORT_SATURATION_THRESHOLD;
}

uint64_t report_errors_total(const struct load_result *r)
{
    const struct load_counters *c = &r->c;
    return c->err_connect + c->err_read + c->err_write + c->err_timeout + c->err_parse +
           c->err_status;
}

void report_format_us(char *buf, size_t len, int64_t us)
{
    if (us < 1000)
        snprintf(buf, len, "%" PRId64 "us", us);
    else if (us < 10000)
        snprintf(buf, len, "%.2fms", (double)us / 1e3);
    else if (us < 100000)
        snprintf(buf, len, "%.1fms", (double)us / 1e3);
    else if (us < 1000000)
        snprintf(buf, len, "%.0fms", (double)us / 1e3);
    else
        snprintf(buf, len, "%.3gs", (double)us / 1e6);
}

static void format_bytes(char *buf, size_t len, double bytes)
{
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (bytes >= 1024 && u < 4) {
        bytes /= 1024;
        u++;
    }
    snprintf(buf, len, u == 0 ? "%.0f %s" : "%.2f %s", bytes, units[u]);
}

static void print_latency_row(FILE *out, const char *name, const struct hist *h)
{
    static const double ps[] = {50, 90, 99, 99.9};
    char v[32];
    fprintf(out, "    %-12s", name);
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        report_format_us(v, sizeof v, hist_percentile(h, ps[i]));
        fprintf(out, " %9s", v);
    }
    report_format_us(v, sizeof v, h->max);
    fprintf(out, " %9s", v);
    report_format_us(v, sizeof v, (int64_t)(hist_mean(h) + 0.5));
    fprintf(out, " %9s\n", v);
}

void report_print(FILE *out, const struct load_result *r)
{
    const struct load_config *cfg = r->cfg;
    const struct load_counters *c = &r->c;
    char a[32], b[32], d[32];

    fprintf(out, "c10k-load %s", C10K_VERSION);
    if (cfg->generator_id)
        fprintf(out, " [%s]", cfg->generator_id);
    fprintf(out, ": %s (%s)\n", cfg->url, r->address);
    fprintf(out, "  %s loop", r->open_loop ? "open" : "closed");
    if (r->open_loop)
        fprintf(out, " at %.6g req/s", cfg->rate);
    fprintf(out, ", %u connection%s", cfg->connections, cfg->connections == 1 ? "" : "s");
    if (cfg->idle > 0)
        fprintf(out, " and %u idle", cfg->idle);
    fprintf(out, ", %u thread%s", cfg->threads, cfg->threads == 1 ? "" : "s");
    if (cfg->pipeline > 1)
        fprintf(out, ", pipeline %u", cfg->pipeline);
    if (!cfg->keepalive)
        fprintf(out, ", a new connection per request");
    fprintf(out, "; %.2fs measured", r->measured_s);
    if (cfg->warmup_s > 0)
        fprintf(out, " after a %.2fs warm-up", cfg->warmup_s);
    if (r->interrupted)
        fprintf(out, " (interrupted)");
    fprintf(out, "\n");
    if (cfg->start_at > 0)
        fprintf(out, "  start at     %.3f: started %+.2fms from it%s\n", cfg->start_at,
                r->start_skew_ms,
                r->late ? " (late: it had passed when the client was ready)" : "");

    double rps = r->measured_s > 0 ? (double)c->requests / r->measured_s : 0;
    fprintf(out, "  requests     %" PRIu64 " in %.2fs: %.1f req/s\n", c->requests, r->measured_s,
            rps);
    fprintf(out, "  latency      %-12s %9s %9s %9s %9s %9s %9s\n", "", "p50", "p90", "p99", "p99.9",
            "max", "mean");
    if (r->open_loop) {
        print_latency_row(out, "corrected", &r->latency);
        print_latency_row(out, "uncorrected", &r->latency_unc);
        print_latency_row(out, "send lag", &r->send_lag);
        fprintf(out, "               (corrected: from when each request was due; uncorrected: "
                     "from when it was sent;\n"
                     "                send lag: from due to sent, waiting for a free connection "
                     "or for the client)\n");
    } else {
        print_latency_row(out, "", &r->latency);
    }

    report_format_us(a, sizeof a, hist_percentile(&r->connect, 50));
    report_format_us(b, sizeof b, hist_percentile(&r->connect, 99));
    report_format_us(d, sizeof d, r->connect.max);
    fprintf(out,
            "  connect      %" PRIu64 " established: p50 %s, p99 %s, max %s; %" PRIu64
            " reopened after the server closed them\n",
            c->connects, a, b, d, c->reconnects);

    uint64_t errors = report_errors_total(r);
    if (errors == 0) {
        fprintf(out, "  errors       none\n");
    } else {
        fprintf(out,
                "  errors       %" PRIu64 ": connect %" PRIu64 ", read %" PRIu64 ", write %" PRIu64
                ", timeout %" PRIu64 ", parse %" PRIu64 ", status %" PRIu64 "\n",
                errors, c->err_connect, c->err_read, c->err_write, c->err_timeout, c->err_parse,
                c->err_status);
        if (c->err_status > 0) {
            fprintf(out, "               non-2xx:");
            for (int s = 0; s < LOAD_STATUS_CODES; s++)
                if ((s < 200 || s > 299) && c->status[s])
                    fprintf(out, " %d x %" PRIu64, s, c->status[s]);
            fprintf(out, "\n");
        }
    }
    if (c->abandoned > 0)
        fprintf(out,
                "  abandoned    %" PRIu64 " requests were in flight or due when the run "
                "stopped\n",
                c->abandoned);
    format_bytes(a, sizeof a, (double)c->bytes_read);
    format_bytes(b, sizeof b, r->measured_s > 0 ? (double)c->bytes_read / r->measured_s : 0);
    format_bytes(d, sizeof d, (double)c->bytes_written);
    fprintf(out, "  bytes        read %s (%s/s), written %s\n", a, b, d);
    if (cfg->idle > 0) {
        fprintf(out, "  idle         %u connections", cfg->idle);
        if (c->idle_requests > 0) {
            report_format_us(a, sizeof a, hist_percentile(&r->idle_latency, 50));
            report_format_us(b, sizeof b, hist_percentile(&r->idle_latency, 99));
            report_format_us(d, sizeof d, r->idle_latency.max);
            fprintf(out, "; %" PRIu64 " requests: p50 %s, p99 %s, max %s", c->idle_requests, a, b,
                    d);
        }
        fprintf(out, "\n");
    }
    uint64_t all = c->requests + c->warmup_requests + c->idle_requests;
    double cpu = r->cpu_user_s + r->cpu_system_s;
    fprintf(out, "  cpu          %.2fs user + %.2fs system", r->cpu_user_s, r->cpu_system_s);
    if (all > 0)
        fprintf(out, " = %.2fus per request", cpu * 1e6 / (double)all);
    fprintf(out, "\n");
    fprintf(out, "               busiest thread %.0f%% of the measured time on the CPU%s\n",
            r->busiest_share * 100,
            r->saturated ? ": saturated, latencies include the client's own delays" : "");
}

/* ---- JSON ---- */

void report_json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

static void json_double(FILE *out, double v)
{
    /* Enough digits for rates and seconds, no exponent surprises for ordinary values. */
    if (v == (double)(int64_t)v && v < 1e15 && v > -1e15)
        fprintf(out, "%" PRId64, (int64_t)v);
    else
        fprintf(out, "%.6g", v);
}

static void json_percentiles(FILE *out, const struct hist *h)
{
    fprintf(out,
            "{\"count\": %" PRIu64 ", \"min\": %" PRId64 ", \"mean\": %.1f, \"p50\": %" PRId64
            ", \"p90\": %" PRId64 ", \"p99\": %" PRId64 ", \"p99_9\": %" PRId64
            ", \"max\": %" PRId64 "}",
            h->total, h->total ? h->min : 0, hist_mean(h), hist_percentile(h, 50),
            hist_percentile(h, 90), hist_percentile(h, 99), hist_percentile(h, 99.9), h->max);
}

/* What the buckets do not keep, to rebuild the histogram exactly (hist_set_exact). */
static void json_exact(FILE *out, const struct hist *h)
{
    fprintf(out,
            "{\"count\": %" PRIu64 ", \"min\": %" PRId64 ", \"max\": %" PRId64 ", \"sum\": %" PRIu64
            ", \"clamped\": %" PRIu64 "}",
            h->total, h->total ? h->min : 0, h->max, h->sum, h->clamped);
}

static void json_buckets(FILE *out, const struct hist *h)
{
    struct hist_bucket b;
    int32_t cursor = 0;
    int first = 1;
    fputc('[', out);
    while (hist_next_bucket(h, &cursor, &b)) {
        fprintf(out, "%s[%" PRId64 ",%" PRId64 ",%" PRIu64 "]", first ? "" : ",", b.lo, b.hi,
                b.count);
        first = 0;
    }
    fputc(']', out);
}

static void json_config(FILE *out, const struct load_result *r)
{
    const struct load_config *cfg = r->cfg;
    fprintf(out, "  \"config\": {\"mode\": \"%s\", \"rate\": ", r->open_loop ? "open" : "closed");
    if (r->open_loop)
        json_double(out, cfg->rate);
    else
        fputs("null", out);
    fprintf(out, ", \"connections\": %u, \"idle_connections\": %u, \"idle_interval_s\": ",
            cfg->connections, cfg->idle);
    json_double(out, cfg->idle_interval_s);
    fprintf(out, ", \"threads\": %u, \"pipeline\": %u, \"keepalive\": %s, \"duration_s\": ",
            cfg->threads, cfg->pipeline, cfg->keepalive ? "true" : "false");
    if (cfg->duration_s > 0)
        json_double(out, cfg->duration_s);
    else
        fputs("null", out);
    fputs(", \"requests\": ", out);
    if (cfg->requests > 0)
        fprintf(out, "%" PRIu64, cfg->requests);
    else
        fputs("null", out);
    fputs(", \"warmup_s\": ", out);
    json_double(out, cfg->warmup_s);
    fputs(", \"timeout_s\": ", out);
    json_double(out, cfg->timeout_s);
    fputs(", \"ramp_per_s\": ", out);
    if (cfg->ramp > 0)
        json_double(out, cfg->ramp);
    else
        fputs("null", out);
    fprintf(out, ", \"source_addresses\": %zu,\n    \"mix\": [", cfg->n_sources);
    for (size_t k = 0; k < r->mix->n_kinds; k++) {
        const struct request_bytes *rb = &r->mix->kinds[k];
        fprintf(out, "%s{\"method\": ", k ? ", " : "");
        report_json_string(out, rb->method);
        fputs(", \"path\": ", out);
        report_json_string(out, rb->path);
        fprintf(out, ", \"weight\": %u, \"bytes\": %zu}", rb->weight, rb->len);
    }
    fprintf(out, "]},\n");
}

static void json_summary(FILE *out, const struct load_result *r)
{
    const struct load_counters *c = &r->c;
    fputs("  \"summary\": {\"measured_s\": ", out);
    fprintf(out, "%.6f", r->measured_s);
    fputs(", \"run_s\": ", out);
    fprintf(out, "%.6f", r->run_s);
    fprintf(out, ", \"interrupted\": %s, \"requests\": %" PRIu64 ", \"requests_per_s\": %.3f,\n",
            r->interrupted ? "true" : "false", c->requests,
            r->measured_s > 0 ? (double)c->requests / r->measured_s : 0.0);
    fprintf(out,
            "    \"warmup_requests\": %" PRIu64 ", \"abandoned\": %" PRIu64
            ", \"bytes_read\": %" PRIu64 ", \"bytes_written\": %" PRIu64 ",\n",
            c->warmup_requests, c->abandoned, c->bytes_read, c->bytes_written);
    fputs("    \"latency_us\": ", out);
    json_percentiles(out, &r->latency);
    fputs(",\n    \"latency_uncorrected_us\": ", out);
    if (r->open_loop)
        json_percentiles(out, &r->latency_unc);
    else
        fputs("null", out);
    fputs(",\n    \"send_lag_us\": ", out);
    if (r->open_loop)
        json_percentiles(out, &r->send_lag);
    else
        fputs("null", out);
    fputs(",\n    \"connect_us\": ", out);
    json_percentiles(out, &r->connect);
    fprintf(out,
            ",\n    \"connections\": {\"established\": %" PRIu64 ", \"reconnects\": %" PRIu64
            ", \"max_open\": %" PRIu64 "},\n",
            c->connects, c->reconnects, c->open_max);
    fprintf(out,
            "    \"errors\": {\"total\": %" PRIu64 ", \"connect\": %" PRIu64 ", \"read\": %" PRIu64
            ", \"write\": %" PRIu64 ", \"timeout\": %" PRIu64 ", \"parse\": %" PRIu64
            ", \"status\": %" PRIu64 "},\n",
            report_errors_total(r), c->err_connect, c->err_read, c->err_write, c->err_timeout,
            c->err_parse, c->err_status);
    fputs("    \"status\": {", out);
    int first = 1;
    for (int s = 0; s < LOAD_STATUS_CODES; s++) {
        if (c->status[s]) {
            fprintf(out, "%s\"%d\": %" PRIu64, first ? "" : ", ", s, c->status[s]);
            first = 0;
        }
    }
    fprintf(out,
            "},\n    \"idle\": {\"connections\": %u, \"requests\": %" PRIu64 ", \"latency_us\": ",
            r->cfg->idle, c->idle_requests);
    json_percentiles(out, &r->idle_latency);
    uint64_t all = c->requests + c->warmup_requests + c->idle_requests;
    double cpu = r->cpu_user_s + r->cpu_system_s;
    fprintf(out, "},\n    \"cpu\": {\"user_s\": %.6f, \"system_s\": %.6f, \"us_per_request\": ",
            r->cpu_user_s, r->cpu_system_s);
    if (all > 0)
        fprintf(out, "%.4f", cpu * 1e6 / (double)all);
    else
        fputs("null", out);
    double window_cpu = 0;
    for (size_t i = 0; i < r->n_thread_cpu; i++)
        window_cpu += r->thread_cpu_s[i];
    fprintf(out, ",\n      \"window_cpu_s\": %.6f, \"threads_cpu_s\": [", window_cpu);
    for (size_t i = 0; i < r->n_thread_cpu; i++)
        fprintf(out, "%s%.6f", i ? ", " : "", r->thread_cpu_s[i]);
    fprintf(out,
            "], \"busiest_thread_share\": %.4f, \"saturated\": %s, \"saturation_threshold\": "
            "%.2f",
            r->busiest_share, r->saturated ? "true" : "false", REPORT_SATURATION_THRESHOLD);
    fprintf(out,
            "},\n    \"limits\": {\"nofile_soft\": %" PRIu64 ", \"nofile_hard\": %" PRIu64
            ", \"local_port_range\": [%u, %u]}},\n",
            r->limits.fd_soft, r->limits.fd_hard, r->limits.port_lo, r->limits.port_hi);
}

/* A percentile of the series, or null when it is not known (SERIES_UNKNOWN: a merge, which cannot
 * recompute one second's percentiles without that second's histograms). */
static void json_series_us(FILE *out, const char *name, int64_t us)
{
    if (us == SERIES_UNKNOWN)
        fprintf(out, ", \"%s\": null", name);
    else
        fprintf(out, ", \"%s\": %" PRId64, name, us);
}

static void json_series(FILE *out, const struct load_result *r)
{
    const struct series *s = r->series;
    fputs("  \"timeseries\": [", out);
    for (size_t i = 0; i < s->n_points; i++) {
        const struct series_point *p = &s->points[i];
        fprintf(out,
                "%s\n    {\"t\": %" PRId64 ", \"t_unix\": %.6f"
                ", \"span_s\": %.3f, \"warmup\": %s, \"requests\": %" PRIu64
                ", \"requests_per_s\": %.1f",
                i ? "," : "", p->t, r->start_unix + (double)p->t, p->span_s,
                p->warmup ? "true" : "false", p->counts.requests,
                p->span_s > 0 ? (double)p->counts.requests / p->span_s : 0.0);
        json_series_us(out, "p50_us", p->p50_us);
        json_series_us(out, "p99_us", p->p99_us);
        fprintf(out,
                ", \"max_us\": %" PRId64 ", \"connections\": %" PRIu64 ", \"connects\": %" PRIu64
                ", \"errors\": %" PRIu64 ", \"bytes_read\": %" PRIu64 "}",
                p->max_us, p->counts.connections, p->counts.connects, p->counts.errors,
                p->counts.bytes_read);
    }
    fputs("\n  ]", out);
}

static void json_generator(FILE *out, const struct load_result *r)
{
    const struct load_config *cfg = r->cfg;
    fputs("  \"generator_id\": ", out);
    if (cfg->generator_id)
        report_json_string(out, cfg->generator_id);
    else
        fputs("null", out);
    if (cfg->start_at > 0)
        fprintf(out, ", \"start_at\": %.6f, \"start_skew_ms\": %.3f", cfg->start_at,
                r->start_skew_ms);
    else
        fputs(", \"start_at\": null, \"start_skew_ms\": null", out);
    fprintf(out, ", \"late\": %s,\n  \"measure_start_unix\": %.6f, \"measure_end_unix\": %.6f,\n",
            r->late ? "true" : "false", r->measure_start_unix, r->measure_end_unix);
}

void report_json_members(FILE *out, const struct load_result *r)
{
    fprintf(out, "{\n  \"tool\": \"c10k-load\", \"version\": \"%s\",\n", C10K_VERSION);
    fputs("  \"target\": {\"url\": ", out);
    report_json_string(out, r->cfg->url);
    fputs(", \"address\": ", out);
    report_json_string(out, r->address);
    fputs("},\n", out);
    json_generator(out, r);
    json_config(out, r);
    json_summary(out, r);
    fprintf(out, "  \"histograms\": {\"unit\": \"us\", \"significant_digits\": %d,\n",
            r->latency.digits);
    fprintf(out, "    \"layout\": {\"highest\": %" PRId64 ", \"digits\": %d},\n",
            r->latency.highest, r->latency.digits);
    fputs("    \"latency\": ", out);
    json_buckets(out, &r->latency);
    fputs(",\n    \"latency_uncorrected\": ", out);
    if (r->open_loop)
        json_buckets(out, &r->latency_unc);
    else
        fputs("null", out);
    fputs(",\n    \"connect\": ", out);
    json_buckets(out, &r->connect);
    fputs(",\n    \"idle_latency\": ", out);
    json_buckets(out, &r->idle_latency);
    fputs(",\n    \"send_lag\": ", out);
    if (r->open_loop)
        json_buckets(out, &r->send_lag);
    else
        fputs("null", out);
    fputs(",\n    \"exact\": {\"latency\": ", out);
    json_exact(out, &r->latency);
    fputs(", \"latency_uncorrected\": ", out);
    if (r->open_loop)
        json_exact(out, &r->latency_unc);
    else
        fputs("null", out);
    fputs(",\n      \"connect\": ", out);
    json_exact(out, &r->connect);
    fputs(", \"idle_latency\": ", out);
    json_exact(out, &r->idle_latency);
    fputs(", \"send_lag\": ", out);
    if (r->open_loop)
        json_exact(out, &r->send_lag);
    else
        fputs("null", out);
    fputs("}},\n", out);
    json_series(out, r);
}

int report_json(FILE *out, const struct load_result *r)
{
    report_json_members(out, r);
    fputs("\n}\n", out);
    fflush(out);
    return ferror(out) ? -EIO : 0;
}
