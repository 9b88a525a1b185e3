#include "results.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *results_read_text(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    size_t cap = 65536, used = 0;
    char *buf = malloc(cap);
    int err = ENOMEM;
    if (!buf)
        goto fail;
    for (;;) {
        if (cap - used < 4096) {
            char *nb = realloc(buf, cap * 2);
            if (!nb)
                goto fail;
            buf = nb;
            cap *= 2;
        }
        size_t n = fread(buf + used, 1, cap - used - 1, f);
        if (n == 0)
            break;
        used += n;
        if (used > max) {
            err = EFBIG;
            goto fail;
        }
    }
    if (ferror(f)) {
        err = EIO;
        goto fail;
    }
    fclose(f);
    buf[used] = '\0';
    if (len)
        *len = used;
    return buf;
fail:
    free(buf);
    fclose(f);
    errno = err;
    return NULL;
}

/* A key may hold dots itself ("errors.thread_create"): each prefix of the path that names a
 * member is tried, the shortest first. */
json_t *results_get(const json_t *root, const char *path)
{
    if (!root || !*path)
        return (json_t *)root;
    char key[128];
    for (size_t n = strcspn(path, ".");; n += 1 + strcspn(path + n + 1, ".")) {
        if (n >= sizeof key)
            return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        json_t *v = json_object_get(root, key);
        if (v && !path[n])
            return v;
        json_t *found = v ? results_get(v, path + n + 1) : NULL;
        if (found)
            return found;
        if (!path[n])
            return NULL;
    }
}

double results_num(const json_t *root, const char *path)
{
    json_t *v = results_get(root, path);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static int write_atomically(const char *dir, const char *name, const json_t *root,
                            void (*fn)(const json_t *, FILE *))
{
    char path[1024], tmp[1040];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "we");
    if (!f)
        return -errno;
    fn(root, f);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        remove(tmp);
        return -EIO;
    }
    if (rename(tmp, path) < 0)
        return -errno;
    return 0;
}

static void dump_json(const json_t *root, FILE *f)
{
    json_dumpf(root, f, JSON_INDENT(1) | JSON_REAL_PRECISION(7));
    fputc('\n', f);
}

int results_write_json(const json_t *root, const char *dir)
{
    return write_atomically(dir, "results.json", root, dump_json);
}

struct csv_col {
    const char *name;
    const char *path; /* in the run object */
};

static const struct csv_col cols[] = {
    {"id", "id"},
    {"scenario", "scenario"},
    {"model", "model"},
    {"mode", "mode"},
    {"level", "level"},
    {"concurrency", "concurrency"},
    {"idle_connections", "idle_connections"},
    {"path", "path"},
    {"tool", "tool"},
    {"repetition", "repetition"},
    {"status", "status"},
    {"load_bound", "load_bound"},
    {"bottleneck", "saturation.bottleneck"},
    {"server_cpu_busy", "saturation.server_busy"},
    {"client_cpu_busy", "saturation.client_busy"},
    {"good_per_s", "client.good_per_s"},
    {"requests_per_s", "client.requests_per_s"},
    {"requests", "client.requests"},
    {"server_requests", "server.requests"},
    {"crosscheck", "server.crosscheck"},
    {"p50_us", "client.latency_us.p50"},
    {"p90_us", "client.latency_us.p90"},
    {"p99_us", "client.latency_us.p99"},
    {"p99_9_us", "client.latency_us.p99_9"},
    {"max_us", "client.latency_us.max"},
    {"errors", "client.errors.total"},
    {"errors_connect", "client.errors.connect"},
    {"errors_read", "client.errors.read"},
    {"errors_write", "client.errors.write"},
    {"errors_timeout", "client.errors.timeout"},
    {"errors_status", "client.errors.status"},
    {"rss_bytes", "server.rss_bytes"},
    {"rss_peak_bytes", "server.rss_peak_bytes"},
    {"vsize_bytes", "server.vsize_bytes"},
    {"threads_peak", "server.threads_peak"},
    {"per_connection_rss_bytes", "per_connection.rss_bytes"},
    {"per_connection_kernel_bytes", "per_connection.kernel_bytes"},
    {"per_connection_kernel_source", "per_connection.kernel_source"},
    {"per_connection_machine_kernel_bytes", "per_connection.machine.kernel_bytes"},
    {"cpu_cores", "server.cpu_cores"},
    {"cpu_us_per_request", "server.cpu_us_per_request"},
    {"ctx_per_s", "server.ctx_per_s"},
    {"ctx_per_request", "server.ctx_per_request"},
    {"machine_ctx_per_s", "machine.ctx_per_s"},
    {"switch_cpu_share", "server.switch_cpu_share"},
    {"sched_cpu_share", "scheduler.sched_share"},
    {"idle_thread_switches_per_s", "idle_threads.switches_per_thread_per_s"},
    /* A Docker run's: the server's own refusals, what it held, its container's cgroup and
     * limits and how the engine saw it end. */
    {"server_rejected", "server.counters.connections.rejected"},
    {"server_thread_create_errors", "server.counters.errors.thread_create"},
    {"crosscheck_difference_pct", "server.crosscheck_difference_pct"},
    {"held_connections", "held_connections"},
    {"per_connection_bytes", "per_connection.total_bytes"},
    {"cgroup_memory_baseline_bytes", "docker.server.cgroup.memory_baseline_bytes"},
    {"cgroup_memory_peak_bytes", "docker.server.cgroup.memory_peak_bytes"},
    {"memory_limit_bytes", "docker.server.limits.memory_bytes"},
    {"pids_peak", "docker.server.cgroup.pids_peak"},
    {"pids_limit", "docker.server.limits.pids"},
    {"pids_refused", "docker.server.cgroup.pids_refused"},
    {"oom_killed", "docker.server.state.oom_killed"},
    {"server_exit", "docker.server.state.exit_code"},
    {"generators", "client.merged_from"},
    {"pipeline", "pipeline"},
    {"wrapper", "wrapper.tool"},
    {"wrapper_requests", "wrapper.requests"},
    {"wrapper_syscalls_per_request", "wrapper.syscalls_per_request"},
    {"wrapper_context_switches_per_request", "wrapper.context_switches_per_request"},
    {"wrapper_instructions", "wrapper.instructions"},
    {"reason", "reason"},
};

static void csv_field(FILE *f, const json_t *v)
{
    if (json_is_boolean(v)) {
        fputs(json_is_true(v) ? "true" : "false", f);
    } else if (json_is_integer(v)) {
        fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    } else if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d == floor(d) && fabs(d) < 1e15)
            fprintf(f, "%.0f", d);
        else
            fprintf(f, "%.6g", d);
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (strpbrk(s, ",\"\n\r") == NULL) {
            fputs(s, f);
            return;
        }
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else if (json_is_boolean(v)) {
        fputs(json_is_true(v) ? "true" : "false", f);
    }
}

void results_csv(const json_t *root, FILE *f)
{
    const size_t n = sizeof cols / sizeof cols[0];
    for (size_t c = 0; c < n; c++)
        fprintf(f, "%s%s", c ? "," : "", cols[c].name);
    fputc('\n', f);
    size_t i;
    json_t *run;
    json_array_foreach(json_object_get(root, "runs"), i, run)
    {
        for (size_t c = 0; c < n; c++) {
            if (c)
                fputc(',', f);
            csv_field(f, results_get(run, cols[c].path));
        }
        fputc('\n', f);
    }
}

int results_write_csv(const json_t *root, const char *dir)
{
    return write_atomically(dir, "results.csv", root, results_csv);
}
