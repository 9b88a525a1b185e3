#include "conn.h"

#include "config.h"
#include "router.h"

#include <errno.h>
#include <string.h>

static const char continue_line[] = "HTTP/1.1 100 Continue\r\n\r\n";

void conn_init(struct conn *c, const struct conn_env *env, struct stats_shard *shard,
               int defer_work)
{
    *c = (struct conn){
        .env = env,
        .shard = shard,
        .state = CS_HEAD,
        .gauge = STAT_WAITING,
        .defer_work = (uint8_t)(defer_work != 0),
    };
    stats_inc(shard, STAT_WAITING);
}

void conn_free(struct conn *c)
{
    stats_add(c->shard, c->gauge, (uint64_t)-1);
    stats_inc(c->shard, STAT_CLOSED);
    buf_free(&c->in);
    buf_free(&c->body);
    c->state = CS_CLOSED;
}

static void conn_set_gauge(struct conn *c, enum stat_id gauge)
{
    if (c->gauge == gauge)
        return;
    stats_add(c->shard, c->gauge, (uint64_t)-1);
    stats_inc(c->shard, gauge);
    c->gauge = gauge;
}

static int status_is_malformed(int status)
{
    switch (status) {
    case 400:
    case 411:
    case 413:
    case 414:
    case 431:
    case 501:
    case 505:
        return 1;
    default:
        return 0;
    }
}

/* Answers the current request and decides whether the connection goes on. */
static enum conn_next conn_answer(struct conn *c, struct buf *out)
{
    const struct config *cfg = c->env->cfg;
    struct conn_request *r = &c->req;

    c->requests++;
    if (cfg->keepalive_requests > 0 && c->requests >= cfg->keepalive_requests)
        r->keep_alive = 0;
    if (atomic_load_explicit(&c->env->stopping, memory_order_relaxed))
        r->keep_alive = 0;

    size_t before = out->len;
    int status = router_respond(c, out);
    buf_free(&c->body);
    c->body_seen = 0;
    if (status < 0) {
        out->len = before;
        stats_inc(c->shard, STAT_ERR_IO);
        c->state = CS_CLOSED;
        return CONN_CLOSE;
    }
    stats_inc(c->shard, STAT_REQUESTS);
    stats_inc(c->shard, (enum stat_id)(STAT_ROUTE_FIRST + r->route));
    stats_inc(c->shard, (enum stat_id)(STAT_RESP_1XX + status / 100 - 1));
    stats_add(c->shard, STAT_BYTES_OUT, out->len - before);
    if (status == 400 && r->route != ROUTE_OTHER)
        stats_inc(c->shard, STAT_ERR_PARAM); /* the router's 400: a bad parameter */
    else if (status_is_malformed(status))
        stats_inc(c->shard, STAT_ERR_PARSE);
    c->state = r->keep_alive ? CS_HEAD : CS_CLOSED;
    return r->keep_alive ? CONN_READ : CONN_CLOSE;
}

/* Answers with an error status and closes: the request's framing cannot be trusted. */
static enum conn_next conn_fail(struct conn *c, int status, struct buf *out)
{
    uint8_t minor = c->state == CS_HEAD ? 1 : c->req.minor_version;
    c->req = (struct conn_request){
        .route = ROUTE_OTHER,
        .method = HTTP_GET,
        .status = status,
        .minor_version = minor,
        .keep_alive = 0,
    };
    return conn_answer(c, out);
}

static enum conn_next conn_complete(struct conn *c, struct buf *out)
{
    if (router_defer(&c->req, c->defer_work, &c->defer)) {
        c->state = CS_DEFERRED;
        return CONN_DEFER;
    }
    return conn_answer(c, out);
}

/* A head has been parsed: decide how its body is framed. `more` says whether body bytes are
 * already here (then no 100 Continue is needed). */
static enum conn_next conn_start_body(struct conn *c, const struct http_request *req, int more,
                                      struct buf *out)
{
    const struct config *cfg = c->env->cfg;
    int expects_body = req->chunked || req->content_length > 0;

    if (req->content_length > 0 && (uint64_t)req->content_length > cfg->max_body_bytes)
        return conn_fail(c, 413, out);
    if (c->req.status == 411)
        c->req.keep_alive = 0; /* a body may follow that we cannot delimit */
    if (!expects_body)
        return conn_complete(c, out);
    if (req->expect_continue && req->minor_version >= 1 && !more)
        buf_append(out, continue_line, sizeof continue_line - 1);
    c->body_seen = 0;
    if (req->chunked) {
        c->chunked = (struct http_chunked){.bare_lf = req->bare_lf};
        c->state = CS_BODY_CHUNKED;
    } else {
        c->body_left = (uint64_t)req->content_length;
        c->state = CS_BODY_LENGTH;
    }
    return CONN_READ;
}

static int conn_keeps_body(const struct conn *c)
{
    return c->req.route == ROUTE_ECHO && c->req.status == 0;
}

/* Takes body bytes; returns -1 when the connection must fail with c->req.status. */
static int conn_take_body(struct conn *c, const char *data, size_t n)
{
    c->body_seen += n;
    if (c->body_seen > c->env->cfg->max_body_bytes) {
        c->req.status = 413;
        return -1;
    }
    if (conn_keeps_body(c) && buf_append(&c->body, data, n) < 0) {
        c->req.status = 500;
        return -1;
    }
    return 0;
}

/* Processes p[0..len) as far as it can; *used says how far it got. */
static enum conn_next conn_process(struct conn *c, const char *p, size_t len, size_t *used,
                                   struct buf *out)
{
    const struct config *cfg = c->env->cfg;
    enum conn_next next = CONN_READ;
    size_t pos = 0;

    while (next == CONN_READ) {
        if (out->len >= cfg->output_limit) {
            next = CONN_WRITE;
            break;
        }
        if (c->state == CS_HEAD) {
            if (pos == len)
                break;
            struct http_request req;
            int r = http_parse_request(p + pos, len - pos, &c->scanned, &c->env->limits, &req);
            if (r == 0)
                break;
            if (r < 0) {
                next = conn_fail(c, -r, out);
                break;
            }
            router_resolve(&req, c->env, &c->req);
            pos += (size_t)r;
            c->scanned = 0;
            next = conn_start_body(c, &req, pos < len, out);
        } else if (c->state == CS_BODY_LENGTH) {
            size_t k = len - pos < c->body_left ? len - pos : (size_t)c->body_left;
            if (conn_take_body(c, p + pos, k) < 0) {
                next = conn_fail(c, c->req.status, out);
                break;
            }
            c->body_left -= k;
            pos += k;
            if (c->body_left > 0)
                break;
            next = conn_complete(c, out);
        } else if (c->state == CS_BODY_CHUNKED) {
            const char *data;
            size_t data_len;
            ssize_t r = http_chunked_decode(&c->chunked, p + pos, len - pos, cfg->max_head_bytes,
                                            &data, &data_len);
            if (r < 0) {
                next = conn_fail(c, 400, out);
                break;
            }
            pos += (size_t)r;
            if (data_len > 0 && conn_take_body(c, data, data_len) < 0) {
                next = conn_fail(c, c->req.status, out);
                break;
            }
            if (c->chunked.done)
                next = conn_complete(c, out);
            else if (r == 0)
                break;
        } else {
            break;
        }
    }
    *used = pos;
    return next;
}

static enum conn_next conn_settle(struct conn *c, enum conn_next next)
{
    if (next == CONN_CLOSE)
        buf_free(&c->in);
    if (next == CONN_READ)
        conn_set_gauge(c, conn_is_idle(c) ? STAT_WAITING : STAT_READING);
    else
        conn_set_gauge(c, STAT_WRITING);
    return next;
}

/* Processes what the connection holds. */
static enum conn_next conn_process_held(struct conn *c, struct buf *out)
{
    size_t used = 0;
    enum conn_next next = conn_process(c, c->in.data, c->in.len, &used, out);
    buf_consume(&c->in, used);
    if (c->in.len == 0)
        buf_free(&c->in);
    return conn_settle(c, next);
}

enum conn_next conn_feed(struct conn *c, const char *data, size_t n, struct buf *out)
{
    stats_add(c->shard, STAT_BYTES_IN, n);
    if (c->state == CS_CLOSED)
        return CONN_CLOSE;
    if (c->in.len > 0 || c->state == CS_DEFERRED) {
        if (buf_append(&c->in, data, n) < 0)
            return conn_settle(c, conn_fail(c, 500, out));
        if (c->state == CS_DEFERRED)
            return conn_settle(c, CONN_DEFER);
        return conn_process_held(c, out);
    }
    size_t used = 0;
    enum conn_next next = conn_process(c, data, n, &used, out);
    if (next != CONN_CLOSE && used < n && buf_append(&c->in, data + used, n - used) < 0)
        next = conn_fail(c, 500, out);
    return conn_settle(c, next);
}

enum conn_next conn_resume(struct conn *c, struct buf *out)
{
    if (c->state == CS_CLOSED)
        return CONN_CLOSE;
    if (c->state == CS_DEFERRED) {
        c->defer.kind = DEFER_NONE;
        enum conn_next next = conn_answer(c, out);
        if (next != CONN_READ)
            return conn_settle(c, next);
    }
    return conn_process_held(c, out);
}

void conn_timeout(struct conn *c, struct buf *out)
{
    if (conn_phase(c) == CONN_IDLE) {
        stats_inc(c->shard, STAT_KEEPALIVE_CLOSED);
    } else {
        stats_inc(c->shard, STAT_ERR_TIMEOUT);
        if (c->state != CS_CLOSED && c->state != CS_DEFERRED)
            conn_fail(c, 408, out);
    }
    c->state = CS_CLOSED;
    buf_free(&c->in);
}

void conn_peer_closed(struct conn *c)
{
    if (c->state != CS_CLOSED && !conn_is_idle(c))
        stats_inc(c->shard, STAT_ERR_CLIENT_ABORT);
}

enum conn_phase conn_phase(const struct conn *c)
{
    if (c->state == CS_BODY_LENGTH || c->state == CS_BODY_CHUNKED)
        return CONN_BODY;
    return c->in.len == 0 ? CONN_IDLE : CONN_HEAD;
}

int conn_is_idle(const struct conn *c)
{
    return c->state == CS_HEAD && c->in.len == 0;
}
