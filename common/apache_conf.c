#include "apache_conf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const mpm_names[APACHE_MPM_COUNT] = {
    [APACHE_PREFORK] = "prefork",
    [APACHE_WORKER] = "worker",
    [APACHE_EVENT] = "event",
};

const char *apache_mpm_name(enum apache_mpm mpm)
{
    return mpm < APACHE_MPM_COUNT ? mpm_names[mpm] : "?";
}

static long div_up(long a, long b)
{
    return (a + b - 1) / b;
}

void apache_size(enum apache_mpm mpm, long connections, struct apache_sizing *out)
{
    long c = connections > 0 ? connections : 1;
    long t = APACHE_THREADS_PER_CHILD;
    *out = (struct apache_sizing){.threads_per_child = t, .async_factor = APACHE_ASYNC_FACTOR};
    if (mpm == APACHE_PREFORK) {
        /* a process per connection held */
        out->server_limit = out->max_request_workers = out->start_servers = c;
        out->threads_per_child = 1;
        return;
    }
    /* worker and event alike: a thread per connection held. Event's AsyncRequestWorkerFactor lets
     * a process take more connections than threads only for connections parked between
     * requests; c10k-load's connections (idle ones opened and waiting for their first request,
     * busy ones always mid-request) each keep a worker, so fewer threads than connections
     * refuse some (idle at 100 failed, scale at 1,000 read errors, sized for a third). */
    long processes = div_up(c, t);
    if (processes > APACHE_MAX_SERVER_LIMIT)
        processes = APACHE_MAX_SERVER_LIMIT;
    out->server_limit = out->start_servers = processes;
    out->max_request_workers = processes * t;
}

int template_write(const char *text, const char *path, const char *const *names,
                   const char *const *values, size_t n)
{
    FILE *f = fopen(path, "we");
    if (!f)
        return -errno;
    for (const char *p = text; *p;) {
        const char *at = strchr(p, '@');
        const char *close = at ? strchr(at + 1, '@') : NULL;
        if (!at || !close) {
            fputs(p, f);
            break;
        }
        fwrite(p, 1, (size_t)(at - p), f);
        size_t len = (size_t)(close - at - 1), i = 0;
        while (i < n && !(strlen(names[i]) == len && strncmp(at + 1, names[i], len) == 0))
            i++;
        if (i == n) {
            fputc('@', f); /* not a placeholder */
            p = at + 1;
            continue;
        }
        fputs(values[i], f);
        p = close + 1;
    }
    return fclose(f) == 0 ? 0 : -errno;
}

int apache_conf_write(const char *template_text, const char *path, const char *dir,
                      const char *host, int port, enum apache_mpm mpm, long connections)
{
    if (mpm >= APACHE_MPM_COUNT)
        return -EINVAL;
    struct apache_sizing z;
    apache_size(mpm, connections, &z);
    char v[6][24];
    snprintf(v[0], sizeof v[0], "%d", port);
    snprintf(v[1], sizeof v[1], "%ld", z.server_limit);
    snprintf(v[2], sizeof v[2], "%ld", z.max_request_workers);
    snprintf(v[3], sizeof v[3], "%ld", z.threads_per_child);
    snprintf(v[4], sizeof v[4], "%ld", z.start_servers);
    snprintf(v[5], sizeof v[5], "%ld", z.async_factor);
    static const char *const names[] = {"DIR",
                                        "HOST",
                                        "MPM",
                                        "PORT",
                                        "SERVER_LIMIT",
                                        "MAX_REQUEST_WORKERS",
                                        "THREADS_PER_CHILD",
                                        "START_SERVERS",
                                        "ASYNC_FACTOR"};
    const char *const values[] = {dir, host, mpm_names[mpm], v[0], v[1], v[2], v[3], v[4], v[5]};
    return template_write(template_text, path, names, values, sizeof names / sizeof names[0]);
}
