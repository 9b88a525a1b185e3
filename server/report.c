/* /stats and /metrics: the server's configuration, its counters (STATS_COUNTERS, one table for
 * both), what the process costs and the model's own section. */
#include "server.h"

#include "buf.h"
#include "procs.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 2, 3))) static int appendf(struct buf *out, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = out->cap - out->len;
        int n = vsnprintf(out->data ? out->data + out->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0)
            return -EINVAL;
        if ((size_t)n < room) {
            out->len += (size_t)n;
            return 0;
        }
        if (buf_reserve(out, (size_t)n + 1) < 0)
            return -ENOMEM;
    }
}

/* Every counter summed over the shards, with the server's own count in STAT_ACTIVE; in a model
 * of several processes, over the shared slots of every process. */
static void report_counters(struct server *srv, uint64_t v[STAT_COUNT])
{
    if (srv->mode->procs) {
        procs_counters(srv->mode->procs(srv), v);
        return;
    }
    stats_sum(v);
    v[STAT_ACTIVE] = (uint64_t)atomic_load(&srv->active);
}

/* What the server costs: this process, or every process of a process model. */
static void report_process(struct server *srv, struct process_stats *p)
{
    if (srv->mode->procs)
        procs_process_stats(srv->mode->procs(srv), p);
    else
        stats_process(p);
}

static void append_value(struct buf *out, const struct stats_counter *k, uint64_t v)
{
    if (k->type == STATS_GAUGE)
        appendf(out, "%lld", (long long)v);
    else
        appendf(out, "%llu", (unsigned long long)v);
}

/* How many leading components of the dotted paths a and b are the same. */
static int common_depth(const char *a, const char *b)
{
    int depth = 0;
    for (;;) {
        size_t la = strcspn(a, "."), lb = strcspn(b, ".");
        if (la == 0 || la != lb || memcmp(a, b, la) != 0)
            return depth;
        depth++;
        a += la + (a[la] == '.');
        b += lb + (b[lb] == '.');
    }
}

#define REPORT_MAX_DEPTH 8

/* The counters as JSON members, "group":{"name":value,...}, each group's objects opened and
 * closed as the table moves from one group to the next; ends with a comma. */
static void render_counters_json(const uint64_t v[STAT_COUNT], struct buf *out)
{
    const char *open = "";
    int depth = 0;
    int filled[REPORT_MAX_DEPTH + 1] = {0}; /* whether the object open at each depth has a member */
    for (int i = 0; i < STAT_COUNT; i++) {
        const struct stats_counter *k = &stats_counters[i];
        int keep = common_depth(open, k->group);
        for (; depth > keep; depth--)
            appendf(out, "}");
        const char *p = k->group;
        for (int d = 0; d < keep; d++) {
            size_t len = strcspn(p, ".");
            p += len + (p[len] == '.');
        }
        while (*p != '\0' && depth < REPORT_MAX_DEPTH) {
            size_t len = strcspn(p, ".");
            appendf(out, "%s\"%.*s\":{", filled[depth] ? "," : "", (int)len, p);
            filled[depth++] = 1;
            filled[depth] = 0;
            p += len + (p[len] == '.');
        }
        appendf(out, "%s\"%s\":", filled[depth] ? "," : "", k->name);
        append_value(out, k, v[i]);
        filled[depth] = 1;
        open = k->group;
    }
    for (; depth > 0; depth--)
        appendf(out, "}");
    appendf(out, ",");
}

static int render_json(struct server *srv, struct buf *out)
{
    const struct config *cfg = srv->cfg;
    uint64_t v[STAT_COUNT];
    struct process_stats p;
    report_counters(srv, v);
    report_process(srv, &p);

    appendf(out, "{\"mode\":\"%s\",\"version\":\"%s\",\"uptime_s\":%.3f,", srv->mode->name,
            C10K_VERSION, server_now() - srv->start_time);
    appendf(out,
            "\"config\":{\"host\":\"%s\",\"port\":%d,\"threads\":%d,\"hold_ms\":%d,"
            "\"stack_size\":%zu,\"loops\":%d,\"rings\":%d,\"processes\":%d,\"offload\":%s,"
            "\"backlog\":%d,"
            "\"max_conns\":%ld,"
            "\"max_head_bytes\":%zu,\"max_target_bytes\":%zu,\"max_headers\":%u,"
            "\"max_body_bytes\":%zu,\"output_limit\":%zu,\"keepalive_requests\":%ld,"
            "\"header_timeout_ms\":%d,\"body_timeout_ms\":%d,\"keepalive_timeout_ms\":%d,"
            "\"write_timeout_ms\":%d,\"drain_timeout_ms\":%d,\"max_work_us\":%ld,"
            "\"max_sleep_ms\":%ld},",
            srv->host, srv->port, cfg->threads, cfg->hold_ms, cfg->stack_size, cfg->loops,
            cfg->rings, cfg->processes, cfg->offload ? "true" : "false", cfg->backlog,
            cfg->max_conns, cfg->max_head_bytes, cfg->max_target_bytes, cfg->max_headers,
            cfg->max_body_bytes, cfg->output_limit, cfg->keepalive_requests, cfg->header_timeout_ms,
            cfg->body_timeout_ms, cfg->keepalive_timeout_ms, cfg->write_timeout_ms,
            cfg->drain_timeout_ms, cfg->max_work_us, cfg->max_sleep_ms);
    render_counters_json(v, out);
    appendf(out, "\"dataset\":{\"bytes\":%zu,\"entries\":%llu,\"entry_bytes\":%d},",
            srv->dataset.bytes, (unsigned long long)srv->dataset.entries, DATASET_ENTRY_BYTES);
    appendf(out,
            "\"process\":{\"rss_bytes\":%llu,\"peak_rss_bytes\":%llu,\"vsize_bytes\":%llu,"
            "\"threads\":%ld,\"ctx_voluntary\":%llu,\"ctx_involuntary\":%llu,"
            "\"cpu_user_s\":%.3f,\"cpu_system_s\":%.3f,\"open_fds\":%ld,\"processes\":%ld,"
            "\"shared_counter_bytes\":%llu}",
            (unsigned long long)p.rss_bytes, (unsigned long long)p.peak_rss_bytes,
            (unsigned long long)p.vsize_bytes, p.threads, (unsigned long long)p.ctx_voluntary,
            (unsigned long long)p.ctx_involuntary, p.cpu_user_s, p.cpu_system_s, p.open_fds,
            p.processes, (unsigned long long)p.shared_counter_bytes);
    if (srv->mode->stats_json)
        srv->mode->stats_json(srv, out);
    return appendf(out, "}\n");
}

static void append_family(struct buf *out, const struct stats_counter *k)
{
    appendf(out, "# HELP %s %s\n# TYPE %s %s\n", k->metric, k->help, k->metric,
            k->type == STATS_GAUGE ? "gauge" : "counter");
}

/* The exported counters: the unlabelled ones a family each, then the labelled families. */
static void render_counters_prometheus(const uint64_t v[STAT_COUNT], struct buf *out)
{
    for (int i = 0; i < STAT_COUNT; i++) {
        const struct stats_counter *k = &stats_counters[i];
        if (k->metric == NULL || k->label != NULL)
            continue;
        append_family(out, k);
        appendf(out, "%s ", k->metric);
        append_value(out, k, v[i]);
        appendf(out, "\n");
    }
    for (int i = 0; i < STAT_COUNT; i++) {
        const struct stats_counter *k = &stats_counters[i];
        if (k->metric == NULL || k->label == NULL)
            continue;
        int seen = 0; /* the family was rendered with an earlier row */
        for (int j = 0; j < i && !seen; j++)
            seen = stats_counters[j].label != NULL && stats_counters[j].metric != NULL &&
                   strcmp(stats_counters[j].metric, k->metric) == 0;
        if (seen)
            continue;
        append_family(out, k);
        for (int j = i; j < STAT_COUNT; j++) {
            const struct stats_counter *m = &stats_counters[j];
            if (m->label == NULL || m->metric == NULL || strcmp(m->metric, k->metric) != 0)
                continue;
            appendf(out, "%s{%s=\"%s\"} ", m->metric, m->label, m->name);
            append_value(out, m, v[j]);
            appendf(out, "\n");
        }
    }
}

static int render_prometheus(struct server *srv, struct buf *out)
{
    uint64_t v[STAT_COUNT];
    struct process_stats p;
    report_counters(srv, v);
    report_process(srv, &p);

    appendf(out,
            "# HELP c10k_info Server mode and version.\n# TYPE c10k_info gauge\n"
            "c10k_info{mode=\"%s\",version=\"%s\"} 1\n",
            srv->mode->name, C10K_VERSION);
    render_counters_prometheus(v, out);
    appendf(out,
            "# HELP c10k_uptime_seconds Time since the server started.\n"
            "# TYPE c10k_uptime_seconds gauge\nc10k_uptime_seconds %.3f\n"
            "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
            "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %llu\n"
            "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
            "# TYPE process_virtual_memory_bytes gauge\nprocess_virtual_memory_bytes %llu\n"
            "# HELP process_open_fds Number of open file descriptors.\n"
            "# TYPE process_open_fds gauge\nprocess_open_fds %ld\n"
            "# HELP process_cpu_seconds_total Total user and system CPU time in seconds.\n"
            "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %.3f\n"
            "# HELP c10k_threads Threads of the process.\n"
            "# TYPE c10k_threads gauge\nc10k_threads %ld\n"
            "# HELP c10k_context_switches_total Context switches of the process.\n"
            "# TYPE c10k_context_switches_total counter\n"
            "c10k_context_switches_total{kind=\"voluntary\"} %llu\n"
            "c10k_context_switches_total{kind=\"involuntary\"} %llu\n",
            server_now() - srv->start_time, (unsigned long long)p.rss_bytes,
            (unsigned long long)p.vsize_bytes, p.open_fds, p.cpu_user_s + p.cpu_system_s, p.threads,
            (unsigned long long)p.ctx_voluntary, (unsigned long long)p.ctx_involuntary);
    return out->data ? 0 : -ENOMEM;
}

int server_report(const struct conn_env *env, enum route route, struct buf *out)
{
    struct server *srv = server_of(env);
    return route == ROUTE_METRICS ? render_prometheus(srv, out) : render_json(srv, out);
}
