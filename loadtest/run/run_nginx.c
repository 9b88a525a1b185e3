/* The nginx baseline: its configuration from the one template (peers/nginx/nginx.conf.in, compiled
 * in) and the requests counter of its stub_status page. */
#include "run_state.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

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

extern const char nginx_conf_in[];

/* nginx.conf from the one template every benchmark uses (peers/nginx/nginx.conf.in). */
int run_write_nginx_conf(const char *dir, int port, long long nofile)
{
    char path[600];
    snprintf(path, sizeof path, "%s/nginx.conf", dir);
    FILE *f = fopen(path, "we");
    if (!f)
        return -errno;
    long long conns = nofile > 0 ? nofile : 20000;
    char value[600];
    for (const char *p = nginx_conf_in; *p;) {
        const char *at = strchr(p, '@');
        const char *close = at ? strchr(at + 1, '@') : NULL;
        if (!at || !close) {
            fputs(p, f);
            break;
        }
        fwrite(p, 1, (size_t)(at - p), f);
        size_t n = (size_t)(close - at - 1);
        if (n == 3 && strncmp(at + 1, "DIR", 3) == 0)
            snprintf(value, sizeof value, "%s", dir);
        else if (n == 4 && strncmp(at + 1, "HOST", 4) == 0)
            snprintf(value, sizeof value, "%s", HOST);
        else if (n == 4 && strncmp(at + 1, "PORT", 4) == 0)
            snprintf(value, sizeof value, "%d", port);
        else if (n == 11 && strncmp(at + 1, "CONNECTIONS", 11) == 0)
            snprintf(value, sizeof value, "%lld", conns);
        else {
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
