#include "stats.h"

#include "buf.h"
#include "server.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

/* The registry: every live shard, and the sums of those that went away. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct stats_shard *registry_head;
static uint64_t retired[STAT_COUNT];

static const char *const route_names[ROUTE_COUNT] = {
    "plaintext", "json", "work", "sleep", "echo", "stats", "metrics", "dashboard", "other",
};

const char *stats_route_name(enum route r)
{
    return r < ROUTE_COUNT ? route_names[r] : "other";
}

void stats_shard_register(struct stats_shard *s)
{
    for (int i = 0; i < STAT_COUNT; i++)
        atomic_init(&s->v[i], 0);
    pthread_mutex_lock(&registry_lock);
    s->prev = NULL;
    s->next = registry_head;
    if (registry_head)
        registry_head->prev = s;
    registry_head = s;
    pthread_mutex_unlock(&registry_lock);
}

void stats_shard_release(struct stats_shard *s)
{
    pthread_mutex_lock(&registry_lock);
    for (int i = 0; i < STAT_COUNT; i++)
        retired[i] += atomic_load_explicit(&s->v[i], memory_order_relaxed);
    if (s->prev)
        s->prev->next = s->next;
    else
        registry_head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    pthread_mutex_unlock(&registry_lock);
}

void stats_sum(uint64_t out[STAT_COUNT])
{
    pthread_mutex_lock(&registry_lock);
    memcpy(out, retired, sizeof retired);
    for (struct stats_shard *s = registry_head; s; s = s->next)
        for (int i = 0; i < STAT_COUNT; i++)
            out[i] += atomic_load_explicit(&s->v[i], memory_order_relaxed);
    pthread_mutex_unlock(&registry_lock);
}

void stats_shard_json(struct buf *out, const char *key, int index, struct stats_shard *s)
{
    char tmp[160];
    uint64_t handled = stats_read(s, STAT_HANDLED), closed = stats_read(s, STAT_CLOSED);
    int n = snprintf(tmp, sizeof tmp, "%s{\"%s\":%d,\"accepted\":%llu,\"active\":%lld}",
                     index ? "," : "", key, index,
                     (unsigned long long)stats_read(s, STAT_ACCEPTED), (long long)(handled - closed));
    if (n > 0 && (size_t)n < sizeof tmp)
        buf_append(out, tmp, (size_t)n);
}

uint64_t stats_read(struct stats_shard *s, enum stat_id id)
{
    return atomic_load_explicit(&s->v[id], memory_order_relaxed);
}

static long count_open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        return -1;
    long n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1; /* the directory's own descriptor */
}

void stats_process(struct process_stats *p)
{
    *p = (struct process_stats){0};
    FILE *f = fopen("/proc/self/status", "re");
    if (f != NULL) {
        char line[256];
        unsigned long long kb;
        long n;
        while (fgets(line, sizeof line, f)) {
            if (sscanf(line, "VmRSS: %llu kB", &kb) == 1)
                p->rss_bytes = kb * 1024;
            else if (sscanf(line, "VmHWM: %llu kB", &kb) == 1)
                p->peak_rss_bytes = kb * 1024;
            else if (sscanf(line, "VmSize: %llu kB", &kb) == 1)
                p->vsize_bytes = kb * 1024;
            else if (sscanf(line, "Threads: %ld", &n) == 1)
                p->threads = n;
        }
        fclose(f);
    }
    /* getrusage sums every thread of the process, live and ended. */
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        p->ctx_voluntary = (uint64_t)ru.ru_nvcsw;
        p->ctx_involuntary = (uint64_t)ru.ru_nivcsw;
        p->cpu_user_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
        p->cpu_system_s = (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    }
    p->open_fds = count_open_fds();
}

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

int stats_render_json(struct server *srv, struct buf *out)
{
    const struct config *cfg = srv->cfg;
    uint64_t v[STAT_COUNT];
    struct process_stats p;
    stats_sum(v);
    stats_process(&p);

    appendf(out, "{\"mode\":\"%s\",\"version\":\"%s\",\"uptime_s\":%.3f,", srv->mode->name,
            C10K_VERSION, server_now() - srv->start_time);
    appendf(out,
            "\"config\":{\"host\":\"%s\",\"port\":%d,\"threads\":%d,\"hold_ms\":%d,"
            "\"stack_size\":%zu,\"loops\":%d,\"rings\":%d,\"offload\":%s,\"backlog\":%d,\"max_conns\":%ld,"
            "\"max_head_bytes\":%zu,\"max_target_bytes\":%zu,\"max_headers\":%u,"
            "\"max_body_bytes\":%zu,\"output_limit\":%zu,\"keepalive_requests\":%ld,"
            "\"header_timeout_ms\":%d,\"body_timeout_ms\":%d,\"keepalive_timeout_ms\":%d,"
            "\"write_timeout_ms\":%d,\"drain_timeout_ms\":%d,\"max_work_us\":%ld,"
            "\"max_sleep_ms\":%ld},",
            srv->host, srv->port, cfg->threads, cfg->hold_ms, cfg->stack_size, cfg->loops,
            cfg->rings,
            cfg->offload ? "true" : "false", cfg->backlog, cfg->max_conns, cfg->max_head_bytes,
            cfg->max_target_bytes, cfg->max_headers, cfg->max_body_bytes, cfg->output_limit,
            cfg->keepalive_requests, cfg->header_timeout_ms, cfg->body_timeout_ms,
            cfg->keepalive_timeout_ms, cfg->write_timeout_ms, cfg->drain_timeout_ms,
            cfg->max_work_us, cfg->max_sleep_ms);
    appendf(out,
            "\"connections\":{\"active\":%ld,\"accepted\":%llu,\"handled\":%llu,"
            "\"rejected\":%llu,\"closed\":%llu,\"reading\":%lld,\"writing\":%lld,"
            "\"waiting\":%lld},",
            atomic_load(&srv->active), (unsigned long long)v[STAT_ACCEPTED],
            (unsigned long long)v[STAT_HANDLED], (unsigned long long)v[STAT_REJECTED],
            (unsigned long long)v[STAT_CLOSED], (long long)v[STAT_READING],
            (long long)v[STAT_WRITING], (long long)v[STAT_WAITING]);
    appendf(out, "\"requests\":{\"total\":%llu,\"by_endpoint\":{",
            (unsigned long long)v[STAT_REQUESTS]);
    for (int r = 0; r < ROUTE_COUNT; r++)
        appendf(out, "%s\"%s\":%llu", r ? "," : "", route_names[r],
                (unsigned long long)v[STAT_ROUTE_FIRST + r]);
    appendf(out,
            "}},\"responses\":{\"1xx\":%llu,\"2xx\":%llu,\"3xx\":%llu,\"4xx\":%llu,"
            "\"5xx\":%llu},",
            (unsigned long long)v[STAT_RESP_1XX], (unsigned long long)v[STAT_RESP_2XX],
            (unsigned long long)v[STAT_RESP_3XX], (unsigned long long)v[STAT_RESP_4XX],
            (unsigned long long)v[STAT_RESP_5XX]);
    appendf(out,
            "\"errors\":{\"parse\":%llu,\"bad_param\":%llu,\"timeout\":%llu,\"io\":%llu,\"accept\":%llu,"
            "\"emfile\":%llu,\"thread_create\":%llu,\"max_conns\":%llu,"
            "\"keepalive_closed\":%llu,\"client_abort\":%llu},",
            (unsigned long long)v[STAT_ERR_PARSE], (unsigned long long)v[STAT_ERR_PARAM],
            (unsigned long long)v[STAT_ERR_TIMEOUT],
            (unsigned long long)v[STAT_ERR_IO], (unsigned long long)v[STAT_ERR_ACCEPT],
            (unsigned long long)v[STAT_ERR_EMFILE], (unsigned long long)v[STAT_ERR_THREAD],
            (unsigned long long)v[STAT_ERR_MAX_CONNS],
            (unsigned long long)v[STAT_KEEPALIVE_CLOSED],
            (unsigned long long)v[STAT_ERR_CLIENT_ABORT]);
    appendf(out, "\"bytes\":{\"in\":%llu,\"out\":%llu},", (unsigned long long)v[STAT_BYTES_IN],
            (unsigned long long)v[STAT_BYTES_OUT]);
    appendf(out,
            "\"process\":{\"rss_bytes\":%llu,\"peak_rss_bytes\":%llu,\"vsize_bytes\":%llu,"
            "\"threads\":%ld,\"ctx_voluntary\":%llu,\"ctx_involuntary\":%llu,"
            "\"cpu_user_s\":%.3f,\"cpu_system_s\":%.3f,\"open_fds\":%ld}",
            (unsigned long long)p.rss_bytes, (unsigned long long)p.peak_rss_bytes,
            (unsigned long long)p.vsize_bytes, p.threads, (unsigned long long)p.ctx_voluntary,
            (unsigned long long)p.ctx_involuntary, p.cpu_user_s, p.cpu_system_s, p.open_fds);
    if (srv->mode->stats_json)
        srv->mode->stats_json(srv, out);
    return appendf(out, "}\n");
}

struct metric {
    const char *name;
    const char *type;
    const char *help;
    enum stat_id id;
};

static const struct metric metrics[] = {
    {"c10k_connections_accepted_total", "counter", "Connections accepted.", STAT_ACCEPTED},
    {"c10k_connections_handled_total", "counter", "Connections served.", STAT_HANDLED},
    {"c10k_connections_rejected_total", "counter", "Connections refused with 503.",
     STAT_REJECTED},
    {"c10k_connections_closed_total", "counter", "Served connections closed.", STAT_CLOSED},
    {"c10k_requests_total", "counter", "Requests answered.", STAT_REQUESTS},
    {"c10k_parse_errors_total", "counter", "Malformed requests.", STAT_ERR_PARSE},
    {"c10k_bad_param_errors_total", "counter", "Requests with an invalid parameter.",
     STAT_ERR_PARAM},
    {"c10k_timeouts_total", "counter", "Connections closed by a timeout.", STAT_ERR_TIMEOUT},
    {"c10k_io_errors_total", "counter", "Read and write errors.", STAT_ERR_IO},
    {"c10k_accept_errors_total", "counter", "accept() failures.", STAT_ERR_ACCEPT},
    {"c10k_client_aborts_total", "counter",
     "Connections the client closed or reset amid a request or its response.",
     STAT_ERR_CLIENT_ABORT},
    {"c10k_received_bytes_total", "counter", "Bytes received.", STAT_BYTES_IN},
    {"c10k_sent_bytes_total", "counter", "Response bytes produced.", STAT_BYTES_OUT},
};

int stats_render_prometheus(struct server *srv, struct buf *out)
{
    uint64_t v[STAT_COUNT];
    struct process_stats p;
    stats_sum(v);
    stats_process(&p);

    appendf(out,
            "# HELP c10k_info Server mode and version.\n# TYPE c10k_info gauge\n"
            "c10k_info{mode=\"%s\",version=\"%s\"} 1\n",
            srv->mode->name, C10K_VERSION);
    for (size_t i = 0; i < sizeof metrics / sizeof metrics[0]; i++)
        appendf(out, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", metrics[i].name, metrics[i].help,
                metrics[i].name, metrics[i].type, metrics[i].name,
                (unsigned long long)v[metrics[i].id]);
    appendf(out, "# HELP c10k_connections Open connections by state.\n"
                 "# TYPE c10k_connections gauge\n");
    appendf(out, "c10k_connections{state=\"active\"} %ld\n", atomic_load(&srv->active));
    appendf(out, "c10k_connections{state=\"reading\"} %lld\n", (long long)v[STAT_READING]);
    appendf(out, "c10k_connections{state=\"writing\"} %lld\n", (long long)v[STAT_WRITING]);
    appendf(out, "c10k_connections{state=\"waiting\"} %lld\n", (long long)v[STAT_WAITING]);
    appendf(out, "# HELP c10k_endpoint_requests_total Requests answered per endpoint.\n"
                 "# TYPE c10k_endpoint_requests_total counter\n");
    for (int r = 0; r < ROUTE_COUNT; r++)
        appendf(out, "c10k_endpoint_requests_total{endpoint=\"%s\"} %llu\n", route_names[r],
                (unsigned long long)v[STAT_ROUTE_FIRST + r]);
    appendf(out, "# HELP c10k_responses_total Responses per status class.\n"
                 "# TYPE c10k_responses_total counter\n");
    for (int k = 0; k < 5; k++)
        appendf(out, "c10k_responses_total{class=\"%dxx\"} %llu\n", k + 1,
                (unsigned long long)v[STAT_RESP_1XX + k]);
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
            (unsigned long long)p.vsize_bytes, p.open_fds, p.cpu_user_s + p.cpu_system_s,
            p.threads, (unsigned long long)p.ctx_voluntary,
            (unsigned long long)p.ctx_involuntary);
    return out->data ? 0 : -ENOMEM;
}
