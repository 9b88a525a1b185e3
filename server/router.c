#include "router.h"

#include "config.h"
#include "dataset.h"
#include "response.h"
#include "server.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define ALLOW_GET "Allow: GET, HEAD\r\n"
#define ALLOW_POST "Allow: POST\r\n"

extern const char dashboard_html[];
extern const unsigned long dashboard_html_len;

static const char plaintext_body[] = "Hello, World!";
static const char json_body[] = "{\"message\":\"Hello, World!\"}";

struct route_entry {
    const char *path;
    size_t path_len;
    enum route route;
    int post;          /* POST only; otherwise GET and HEAD */
    const char *param; /* the query parameter the route needs, or NULL */
    long value;        /* the request's parameter when it takes none from the query */
};

#define ROUTE_ENTRY(p, r, post, param, value) {p, sizeof(p) - 1, r, post, param, value}

enum dashboard_asset { DASHBOARD_PAGE, DASHBOARD_CHART_JS };

static const struct route_entry routes[] = {
    ROUTE_ENTRY("/plaintext", ROUTE_PLAINTEXT, 0, NULL, 0),
    ROUTE_ENTRY("/json", ROUTE_JSON, 0, NULL, 0),
    ROUTE_ENTRY("/work", ROUTE_WORK, 0, "cpu_us", 0),
    ROUTE_ENTRY("/sleep", ROUTE_SLEEP, 0, "ms", 0),
    ROUTE_ENTRY("/echo", ROUTE_ECHO, 1, NULL, 0),
    ROUTE_ENTRY("/stats", ROUTE_STATS, 0, NULL, 0),
    ROUTE_ENTRY("/metrics", ROUTE_METRICS, 0, NULL, 0),
    ROUTE_ENTRY("/dashboard", ROUTE_DASHBOARD, 0, NULL, DASHBOARD_PAGE),
    ROUTE_ENTRY("/dashboard/chart.js", ROUTE_DASHBOARD, 0, NULL, DASHBOARD_CHART_JS),
    ROUTE_ENTRY("/data", ROUTE_DATA, 0, "key", 0),
};

/* Finds `name`=value in a query string and parses value as a decimal in [0, max].
 * Returns 0, -ENOENT when it is missing, or -EINVAL when it is repeated, not a plain decimal or
 * out of range. */
static int query_param(const char *q, size_t qlen, const char *name, long max, long *out)
{
    size_t name_len = strlen(name);
    int found = 0;
    long value = 0;
    size_t i = 0;
    while (q != NULL && i < qlen) {
        size_t end = i;
        while (end < qlen && q[end] != '&')
            end++;
        if (end - i > name_len && memcmp(q + i, name, name_len) == 0 && q[i + name_len] == '=') {
            if (found)
                return -EINVAL;
            found = 1;
            size_t p = i + name_len + 1;
            if (p == end || end - p > 10)
                return -EINVAL;
            value = 0;
            for (; p < end; p++) {
                if (q[p] < '0' || q[p] > '9')
                    return -EINVAL;
                value = value * 10 + (q[p] - '0');
            }
        }
        i = end + 1;
    }
    if (!found)
        return -ENOENT;
    if (value > max)
        return -EINVAL;
    *out = value;
    return 0;
}

/* /data?key=K[&write=0|1]: with no data set every request is answered 404 (respond_data). */
static void resolve_data(const struct http_request *req, const struct dataset *ds,
                         struct conn_request *out)
{
    if (ds == NULL || ds->entries == 0)
        return;
    long key, write = 0;
    int rc = query_param(req->query, req->query_len, "write", 1, &write);
    if ((rc < 0 && rc != -ENOENT) ||
        query_param(req->query, req->query_len, "key", (long)(ds->entries - 1), &key) < 0) {
        out->status = 400;
        return;
    }
    out->param = key;
    out->write = (uint8_t)write;
}

void router_resolve(const struct http_request *req, const struct conn_env *env,
                    struct conn_request *out)
{
    const struct config *cfg = env->cfg;
    *out = (struct conn_request){
        .route = ROUTE_OTHER,
        .method = req->method,
        .minor_version = (uint8_t)req->minor_version,
        .keep_alive = req->keep_alive,
    };
    if (req->method == HTTP_METHOD_UNKNOWN) {
        out->status = 501;
        return;
    }
    const struct route_entry *e = NULL;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (req->path_len == routes[i].path_len &&
            memcmp(req->path, routes[i].path, req->path_len) == 0) {
            e = &routes[i];
            break;
        }
    }
    if (e == NULL) {
        out->status = 404;
        return;
    }
    out->route = e->route;
    out->param = e->value;
    int allowed = e->post ? req->method == HTTP_POST
                          : req->method == HTTP_GET || req->method == HTTP_HEAD;
    if (!allowed) {
        out->status = 405;
        return;
    }
    if (e->post && req->content_length < 0 && !req->chunked) {
        out->status = 411;
        return;
    }
    if (e->route == ROUTE_DATA) {
        resolve_data(req, env->dataset, out);
    } else if (e->param != NULL) {
        long max = e->route == ROUTE_WORK ? cfg->max_work_us : cfg->max_sleep_ms;
        if (query_param(req->query, req->query_len, e->param, max, &out->param) < 0)
            out->status = 400;
    }
}

int router_defer(const struct conn_request *r, int defer_work, struct conn_defer *d)
{
    if (r->status != 0)
        return 0;
    if (r->route == ROUTE_SLEEP) {
        *d = (struct conn_defer){DEFER_SLEEP, r->param};
        return 1;
    }
    if (r->route == ROUTE_WORK && defer_work) {
        *d = (struct conn_defer){DEFER_WORK, r->param};
        return 1;
    }
    return 0;
}

static int respond_error(const struct conn_request *r, struct buf *out)
{
    char body[64];
    int n = snprintf(body, sizeof body, "%d %s\n", r->status, http_status_reason(r->status));
    const char *extra = NULL;
    if (r->status == 405)
        extra = r->route == ROUTE_ECHO ? ALLOW_POST : ALLOW_GET;
    if (resp_full(out, r->status, "text/plain", body, (size_t)n, r->keep_alive, r->minor_version,
                  r->method == HTTP_HEAD, extra) < 0)
        return -ENOMEM;
    return r->status;
}

static int respond_report(const struct conn *c, struct buf *out, const char *type)
{
    const struct conn_request *r = &c->req;
    struct buf body = {0};
    int rc = c->env->report(c->env, r->route, &body);
    if (rc == 0 && resp_full(out, 200, type, body.data, body.len, r->keep_alive,
                             r->minor_version, r->method == HTTP_HEAD, NULL) < 0)
        rc = -ENOMEM;
    buf_free(&body);
    return rc < 0 ? rc : 200;
}

/* The chart library for /dashboard, read once at start from --chartjs (Debian's
 * libjs-chart.js) and never written again. */
static struct buf chartjs;

int router_init(const struct config *cfg)
{
    FILE *f = fopen(cfg->chartjs, "rbe");
    if (f == NULL)
        return -errno;
    char chunk[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if ((rc = buf_append(&chartjs, chunk, n)) < 0)
            break;
    if (rc == 0 && ferror(f))
        rc = -EIO;
    if (rc < 0)
        buf_free(&chartjs);
    fclose(f);
    return rc;
}

static int respond_dashboard(const struct conn *c, struct buf *out)
{
    const struct conn_request *r = &c->req;
    int head_only = r->method == HTTP_HEAD;
    if (r->param == DASHBOARD_PAGE)
        return resp_full(out, 200, "text/html; charset=utf-8", dashboard_html, dashboard_html_len,
                         r->keep_alive, r->minor_version, head_only, NULL) < 0
                   ? -ENOMEM
                   : 200;
    if (chartjs.len == 0) {
        char body[512];
        int n = snprintf(body, sizeof body,
                         "404 Not Found: no chart library at %s (install Debian's libjs-chart.js "
                         "or pass --chartjs PATH)\n",
                         c->env->cfg->chartjs);
        return resp_full(out, 404, "text/plain", body, (size_t)n, r->keep_alive,
                         r->minor_version, head_only, NULL) < 0
                   ? -ENOMEM
                   : 404;
    }
    return resp_full(out, 200, "text/javascript", chartjs.data, chartjs.len, r->keep_alive,
                     r->minor_version, head_only, "Cache-Control: max-age=3600\r\n") < 0
               ? -ENOMEM
               : 200;
}

/* An entry of the data set; HEAD answers the same head and, being safe, writes nothing. */
static int respond_data(const struct conn *c, struct buf *out)
{
    const struct conn_request *r = &c->req;
    const struct dataset *ds = c->env->dataset;
    int head_only = r->method == HTTP_HEAD;
    if (ds == NULL || ds->entries == 0) {
        static const char body[] =
            "404 Not Found: no data set (start the server with --dataset SIZE)\n";
        return resp_full(out, 404, "text/plain", body, sizeof body - 1, r->keep_alive,
                         r->minor_version, head_only, NULL) < 0
                   ? -ENOMEM
                   : 404;
    }
    unsigned char entry[DATASET_ENTRY_BYTES];
    dataset_get(ds, (uint64_t)r->param, r->write && !head_only, entry);
    return resp_full(out, 200, "application/octet-stream", entry, sizeof entry, r->keep_alive,
                     r->minor_version, head_only, NULL) < 0
               ? -ENOMEM
               : 200;
}

int router_respond(struct conn *c, struct buf *out)
{
    const struct conn_request *r = &c->req;
    int head_only = r->method == HTTP_HEAD;
    const char *body = NULL;
    size_t len = 0;
    const char *type = "text/plain";

    if (r->status != 0)
        return respond_error(r, out);
    switch (r->route) {
    case ROUTE_PLAINTEXT:
        body = plaintext_body;
        len = sizeof plaintext_body - 1;
        break;
    case ROUTE_JSON:
        body = json_body;
        len = sizeof json_body - 1;
        type = "application/json";
        break;
    case ROUTE_WORK:
        if (!c->defer_work)
            server_burn_cpu(r->param);
        /* fall through */
    case ROUTE_SLEEP:
        body = "done\n";
        len = 5;
        break;
    case ROUTE_ECHO:
        body = c->body.data;
        len = c->body.len;
        type = "application/octet-stream";
        break;
    case ROUTE_STATS:
        return respond_report(c, out, "application/json");
    case ROUTE_METRICS:
        return respond_report(c, out, "text/plain; version=0.0.4; charset=utf-8");
    case ROUTE_DASHBOARD:
        return respond_dashboard(c, out);
    case ROUTE_DATA:
        return respond_data(c, out);
    case ROUTE_OTHER:
    case ROUTE_COUNT:
        return -EINVAL;
    }
    if (resp_full(out, 200, type, body, len, r->keep_alive, r->minor_version, head_only, NULL) <
        0)
        return -ENOMEM;
    return 200;
}
