#include "worker.h"

#include "load_config.h"
#include "request.h"
#include "resp_parse.h"
#include "series.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define WORKER_RBUF_BYTES 65536 /* one read buffer per worker, shared by its connections */
#define WORKER_MAX_EVENTS 512
#define WORKER_IOV_MAX 64
#define NS_PER_S 1000000000LL
#define NS_PER_US 1000LL
#define TICK_NS 100000000LL     /* timeouts, retries and idle requests are checked */
#define RETRY_MIN_NS 10000000LL /* after a failed connect: 10ms, doubling up to 1s */
#define RETRY_MAX_NS NS_PER_S
#define TIMER_LATE_INITIAL_NS (20 * 1000LL)
#define TIMER_LATE_MAX_NS (200 * 1000LL) /* the most the open loop polls before a send */

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

enum conn_state { CONN_DOWN, CONN_CONNECTING, CONN_OPEN };

/* A request sent or waiting to be sent on a connection. */
struct req_slot {
    int64_t due;  /* when it was due: when issued (closed loop) or its scheduled time (open) */
    int64_t sent; /* when its first byte was written; meaningful once written */
    uint16_t kind;
    uint8_t measured; /* due after the warm-up */
};

/* A connection and its ring of requests in flight: slots [0, n_written) are written and await
 * their responses in order, [n_written, n_out) are waiting to be written (write_off bytes of
 * the first of those are out already). */
struct conn {
    int fd;
    uint8_t state;
    uint8_t idle;
    uint8_t in_freeq;
    uint8_t failures;  /* consecutive refusals (see conn_backoff) */
    uint8_t served;    /* a response arrived since the connection opened */
    uint32_t global;   /* index over all connections of the run */
    uint32_t key_next; /* --keys: the key of its next keyed request */
    uint32_t cap, head, n_out, n_written, write_off;
    int64_t t_connect; /* when the current connect started */
    int64_t t_next;    /* DOWN: when to connect again (0: not waiting); idle: next request */
    struct req_slot *slots;
    struct resp_parser parser;
};

int64_t worker_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static const struct load_config *cfg_of(const struct worker *w)
{
    return w->plan->cfg;
}

static int open_loop(const struct worker *w)
{
    return w->plan->cfg->rate > 0;
}

static struct req_slot *ring_at(struct conn *c, uint32_t i)
{
    uint32_t k = c->head + i;
    if (k >= c->cap)
        k -= c->cap;
    return &c->slots[k];
}

/* The bytes slot s sends: its kind's, or its own copy with its key (--keys). */
static char *slot_bytes(const struct worker *w, const struct req_slot *s)
{
    const struct request_mix *mix = w->plan->mix;
    if (!mix->kinds[s->kind].keyed)
        return mix->kinds[s->kind].data;
    return w->keyed + (size_t)(s - w->slots) * mix->keyed_len;
}

static int head_is_head_request(const struct worker *w, struct conn *c)
{
    return c->n_out ? w->plan->mix->kinds[ring_at(c, 0)->kind].head : 0;
}

static void count_error(struct worker *w, uint64_t *counter, uint64_t n)
{
    if (w->measuring)
        *counter += n;
    w->interval_errors += n;
}

static void set_fatal(struct worker *w, int err)
{
    pthread_mutex_lock(&w->plan->fatal_lock);
    if (w->plan->fatal_errno == 0)
        w->plan->fatal_errno = err;
    pthread_mutex_unlock(&w->plan->fatal_lock);
    atomic_store(&w->plan->stop, 1);
}

static int stopping(const struct worker *w)
{
    return w->stopping;
}

/* Whether a measured request may still be issued (warm-up requests always may). */
static int quota_left(const struct worker *w, int64_t due)
{
    return due < w->plan->warm_end_ns || w->issued_measured < w->quota;
}

/* ---- the open loop's queue of connections that can take a request ---- */

static void freeq_push(struct worker *w, struct conn *c)
{
    if (c->in_freeq || c->idle)
        return;
    uint32_t k = w->freeq_head + w->freeq_len;
    if (k >= w->n_busy)
        k -= w->n_busy;
    w->freeq[k] = (uint32_t)(c - w->conns);
    w->freeq_len++;
    c->in_freeq = 1;
}

static int conn_can_take(const struct worker *w, const struct conn *c)
{
    if (cfg_of(w)->keepalive)
        return c->state == CONN_OPEN && c->n_out < c->cap;
    return c->state == CONN_DOWN && c->n_out == 0 && c->t_next == 0;
}

/* Pops connections until one can take a request now; NULL when none can. */
static struct conn *freeq_pop(struct worker *w)
{
    while (w->freeq_len > 0) {
        struct conn *c = &w->conns[w->freeq[w->freeq_head]];
        if (++w->freeq_head == w->n_busy)
            w->freeq_head = 0;
        w->freeq_len--;
        c->in_freeq = 0;
        if (conn_can_take(w, c))
            return c;
    }
    return NULL;
}

/* ---- connection lifecycle ---- */

static void conn_open(struct worker *w, struct conn *c, int64_t now);
static int conn_flush(struct worker *w, struct conn *c, int64_t now);

static void conn_close_fd(struct worker *w, struct conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    if (c->state == CONN_OPEN)
        w->open_now--;
    else if (c->state == CONN_CONNECTING)
        w->connecting_now--;
    c->state = CONN_DOWN;
}

/* Queues a request on c, due at `due`; it is written by the next conn_flush. */
static void conn_issue(struct worker *w, struct conn *c, int64_t due)
{
    const struct request_mix *mix = w->plan->mix;
    uint16_t kind = mix->order[w->mix_pos];
    if (++w->mix_pos == mix->order_len)
        w->mix_pos = 0;
    if (c->n_out == 0)
        resp_parser_init(&c->parser, mix->kinds[kind].head);
    struct req_slot *s = ring_at(c, c->n_out);
    s->due = due;
    s->sent = 0;
    s->kind = kind;
    if (mix->kinds[kind].keyed) {
        /* Connection i of C walks i, i + C, i + 2C... so that together they cover every key. */
        const struct load_config *cfg = cfg_of(w);
        request_with_key(mix, &mix->kinds[kind], slot_bytes(w, s), c->key_next);
        uint64_t total = (uint64_t)cfg->connections + cfg->idle;
        c->key_next = (uint32_t)(((uint64_t)c->key_next + total) % cfg->keys);
    }
    s->measured = due >= w->plan->warm_end_ns;
    c->n_out++;
    w->in_flight++;
    if (s->measured && !c->idle)
        w->issued_measured++;
}

/* Drops the requests that were written and can no longer be answered. Returns how many. */
static uint32_t conn_drop_sent(struct worker *w, struct conn *c)
{
    uint32_t lost = c->n_written + (c->write_off > 0 ? 1 : 0);
    c->head += lost;
    if (c->head >= c->cap)
        c->head -= c->cap;
    c->n_out -= lost;
    c->n_written = 0;
    c->write_off = 0;
    w->in_flight -= lost;
    return lost;
}

/* A --no-keepalive connection finished its request: the next one gets a new connection. */
static void conn_next_without_keepalive(struct worker *w, struct conn *c, int64_t now)
{
    if (stopping(w))
        return;
    if (open_loop(w)) {
        freeq_push(w, c);
    } else if (quota_left(w, now)) {
        conn_issue(w, c, now);
        conn_open(w, c, now);
    }
}

/* Closes c and opens it again now, or after `delay` (the tick does it). Requests not written
 * yet stay in the ring and go out on the new connection. */
static void conn_restart(struct worker *w, struct conn *c, int64_t now, int64_t delay)
{
    conn_close_fd(w, c);
    resp_parser_init(&c->parser, head_is_head_request(w, c));
    if (stopping(w))
        return;
    if (!cfg_of(w)->keepalive && !c->idle && c->n_out == 0) {
        conn_next_without_keepalive(w, c, now);
        return;
    }
    if (delay > 0) {
        c->t_next = now + delay;
        w->down_waiting++;
        return;
    }
    conn_open(w, c, now);
}

/* The delay before c connects again after a refusal: a failed connect, or a server that closed
 * the connection before answering anything on it. */
static int64_t conn_backoff(struct conn *c)
{
    if (c->failures < 20)
        c->failures++;
    int64_t delay = RETRY_MIN_NS << (int64_t)(c->failures - 1);
    return delay > RETRY_MAX_NS ? RETRY_MAX_NS : delay;
}

static int fatal_connect_error(int err)
{
    return err == ECONNREFUSED || err == ENETUNREACH || err == EHOSTUNREACH ||
           err == EADDRNOTAVAIL || err == EACCES || err == EPERM || err == EAFNOSUPPORT ||
           err == EINVAL;
}

static void conn_connect_failed(struct worker *w, struct conn *c, int64_t now, int err)
{
    conn_close_fd(w, c);
    count_error(w, &w->c.err_connect, 1);
    w->last_connect_errno = err;
    if (!w->ever_connected && fatal_connect_error(err)) {
        set_fatal(w, err);
        return;
    }
    conn_restart(w, c, now, conn_backoff(c));
}

/* Loses the requests in flight to an error of the given class and reconnects. */
static void conn_fail(struct worker *w, struct conn *c, int64_t now, uint64_t *counter)
{
    uint32_t lost = conn_drop_sent(w, c);
    count_error(w, counter, lost ? lost : 1);
    conn_restart(w, c, now, 0);
}

/* The server ended the connection in good order: after a response that said so, or between
 * requests. Requests it did not answer were not processed: they are sent again. */
static void conn_server_closed(struct worker *w, struct conn *c, int64_t now)
{
    c->n_written = 0;
    c->write_off = 0;
    if ((cfg_of(w)->keepalive || c->idle) && w->measuring)
        w->c.reconnects++;
    /* A connection closed soon after it opened, before it carried a single response (a server
     * at its connection limit, say), is opened again after a back-off, not in a busy loop. */
    int refused = !c->served && now - c->t_connect < NS_PER_S;
    conn_restart(w, c, now, refused ? conn_backoff(c) : 0);
}

/* Bytes that arrived on c when no request was waiting. A server that refuses a connection
 * answers it at once (503) and closes: that is counted as its status. Anything else is a parse
 * error. Either way the connection cannot be trusted any more. */
static void conn_unsolicited(struct worker *w, struct conn *c, const char *p, size_t n, int64_t now)
{
    unsigned status = 0;
    if (n >= 12 && memcmp(p, "HTTP/1.", 7) == 0 && p[8] == ' ' && isdigit((unsigned char)p[9]) &&
        isdigit((unsigned char)p[10]) && isdigit((unsigned char)p[11]))
        status = (unsigned)((p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0'));
    if (status < 100) {
        conn_fail(w, c, now, &w->c.err_parse);
        return;
    }
    if (w->measuring)
        w->c.status[status < LOAD_STATUS_CODES ? status : LOAD_STATUS_CODES - 1]++;
    count_error(w, &w->c.err_status, 1);
    conn_drop_sent(w, c);
    conn_restart(w, c, now, conn_backoff(c));
}

static void conn_open(struct worker *w, struct conn *c, int64_t now)
{
    const struct run_plan *plan = w->plan;
    const struct load_config *cfg = plan->cfg;
    if (stopping(w))
        return;
    int fd = socket(plan->target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        conn_connect_failed(w, c, now, errno);
        return;
    }
    c->fd = fd;
    c->state = CONN_CONNECTING;
    c->t_connect = now;
    w->connecting_now++;

    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (cfg->n_sources > 0) {
        /* Defer the port choice to connect(), so that a port is only unique per 4-tuple. */
        const struct load_address *src = &cfg->sources[c->global % cfg->n_sources];
        (void)setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        if (bind(fd, (const struct sockaddr *)&src->addr, src->len) < 0) {
            conn_connect_failed(w, c, now, errno);
            return;
        }
    }
    if (connect(fd, (const struct sockaddr *)&plan->target, plan->target_len) < 0 &&
        errno != EINPROGRESS) {
        conn_connect_failed(w, c, now, errno);
        return;
    }
    /* Edge-triggered, read and write: registered once, never modified. */
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        conn_connect_failed(w, c, now, errno);
        return;
    }
}

/* Busy keep-alive connection, closed loop: keeps `pipeline` requests in flight. */
static void conn_refill(struct worker *w, struct conn *c, int64_t now)
{
    while (c->n_out < c->cap && !stopping(w) && quota_left(w, now))
        conn_issue(w, c, now);
}

/* What a busy keep-alive connection does when it can send again. Returns -1 if c failed. */
static int conn_ready(struct worker *w, struct conn *c, int64_t now)
{
    if (c->idle || !cfg_of(w)->keepalive)
        return conn_flush(w, c, now);
    if (!open_loop(w))
        conn_refill(w, c, now);
    if (conn_flush(w, c, now) < 0)
        return -1;
    if (open_loop(w) && c->n_out < c->cap)
        freeq_push(w, c);
    return 0;
}

static void conn_on_connected(struct worker *w, struct conn *c, int64_t now)
{
    w->connecting_now--;
    w->open_now++;
    if (w->open_now > w->c.open_max)
        w->c.open_max = w->open_now;
    c->state = CONN_OPEN;
    c->served = 0;
    w->ever_connected = 1;
    hist_record(&w->connect, (now - c->t_connect) / NS_PER_US);
    w->c.connects++;
    w->interval_connects++;
    if (c->idle && cfg_of(w)->idle_interval_s > 0 && c->t_next == 0) {
        /* Spread the idle connections' requests over the interval (golden-ratio offsets). */
        double frac = (double)c->global * 0.6180339887498949;
        frac -= (double)(int64_t)frac;
        c->t_next = now + (int64_t)(frac * cfg_of(w)->idle_interval_s * (double)NS_PER_S);
    }
    conn_ready(w, c, now);
}

/* Writes what is waiting in c's ring, several requests in one writev when pipelining. Returns
 * 0, or -1 when c failed (it has been restarted). */
static int conn_flush(struct worker *w, struct conn *c, int64_t now)
{
    const struct request_mix *mix = w->plan->mix;
    if (c->state != CONN_OPEN)
        return 0;
    while (c->n_written < c->n_out) {
        struct iovec iov[WORKER_IOV_MAX];
        int k = 0;
        for (uint32_t i = c->n_written; i < c->n_out && k < WORKER_IOV_MAX; i++, k++) {
            const struct req_slot *s = ring_at(c, i);
            const struct request_bytes *rb = &mix->kinds[s->kind];
            size_t off = i == c->n_written ? c->write_off : 0;
            iov[k].iov_base = slot_bytes(w, s) + off;
            iov[k].iov_len = rb->len - off;
        }
        ssize_t n = k == 1 ? write(c->fd, iov[0].iov_base, iov[0].iov_len) : writev(c->fd, iov, k);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0; /* the edge-triggered EPOLLOUT brings us back */
            conn_fail(w, c, now, &w->c.err_write);
            return -1;
        }
        if (w->measuring)
            w->c.bytes_written += (uint64_t)n;
        size_t left = (size_t)n;
        for (int i = 0; i < k; i++) {
            struct req_slot *s = ring_at(c, c->n_written);
            if (c->write_off == 0) {
                s->sent = now;
                if (s->measured && !c->idle && open_loop(w))
                    hist_record(&w->send_lag, (now - s->due) / NS_PER_US);
            }
            if (left < iov[i].iov_len) {
                c->write_off += (uint32_t)left;
                return 0; /* the socket buffer is full */
            }
            left -= iov[i].iov_len;
            c->write_off = 0;
            c->n_written++;
        }
    }
    return 0;
}

/* The response at the head of c's ring is complete. */
static void conn_complete(struct worker *w, struct conn *c, int64_t now)
{
    struct req_slot *s = ring_at(c, 0);
    unsigned status = c->parser.status;
    c->served = 1;
    c->failures = 0;
    if (c->idle) {
        if (w->measuring) {
            w->c.idle_requests++;
            hist_record(&w->idle_latency, (now - s->sent) / NS_PER_US);
        }
    } else {
        int64_t latency = (now - s->due) / NS_PER_US;
        if (s->measured) {
            w->c.requests++;
            hist_record(&w->latency, latency);
            if (open_loop(w))
                hist_record(&w->latency_unc, (now - s->sent) / NS_PER_US);
            w->c.status[status < LOAD_STATUS_CODES ? status : LOAD_STATUS_CODES - 1]++;
            if (status < 200 || status > 299) {
                w->c.err_status++;
                w->interval_errors++;
            }
            w->last_done_ns = now;
        } else {
            w->c.warmup_requests++;
        }
        w->interval_requests++;
        hist_record(&w->interval, latency);
    }
    if (++c->head == c->cap)
        c->head = 0;
    c->n_out--;
    c->n_written--;
    w->in_flight--;
    resp_parser_init(&c->parser, head_is_head_request(w, c));
}

/* Parses bytes read from c. Returns 0, or -1 when c was closed (and restarted). */
static int conn_on_data(struct worker *w, struct conn *c, const char *buf, size_t n)
{
    int64_t now = 0;
    size_t pos = 0;
    while (pos < n) {
        if (c->n_written == 0) {
            conn_unsolicited(w, c, buf + pos, n - pos, now ? now : worker_now_ns());
            return -1;
        }
        ssize_t r = resp_parse(&c->parser, buf + pos, n - pos);
        if (r < 0) {
            conn_fail(w, c, now ? now : worker_now_ns(), &w->c.err_parse);
            return -1;
        }
        pos += (size_t)r;
        if (!c->parser.done)
            break;
        if (now == 0)
            now = worker_now_ns();
        int keep_alive = c->parser.keep_alive;
        conn_complete(w, c, now);
        if (!keep_alive || (!cfg_of(w)->keepalive && !c->idle)) {
            conn_server_closed(w, c, now);
            return -1;
        }
    }
    if (now != 0)
        return conn_ready(w, c, now);
    return 0;
}

static void conn_on_eof(struct worker *w, struct conn *c, int64_t now)
{
    int r = resp_parse_eof(&c->parser);
    if (r == 1 && c->n_written > 0) {
        conn_complete(w, c, now); /* a body delimited by the close */
        conn_server_closed(w, c, now);
    } else if (r == 0 && c->n_written == 0 && c->write_off == 0) {
        conn_server_closed(w, c, now); /* an idle keep-alive connection closed by the server */
    } else {
        conn_fail(w, c, now, &w->c.err_read);
    }
}

/* Reads until the socket is drained. Returns 0, or -1 when c was closed. */
static int conn_read(struct worker *w, struct conn *c, uint32_t events)
{
    /* Edge-triggered: a short read means the socket was empty, unless the peer's close is
     * pending too (then read on to see it). */
    int drain = (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;
    for (;;) {
        ssize_t n = read(c->fd, w->rbuf, WORKER_RBUF_BYTES);
        if (n > 0) {
            w->interval_bytes += (uint64_t)n;
            if (w->measuring)
                w->c.bytes_read += (uint64_t)n;
            if (conn_on_data(w, c, w->rbuf, (size_t)n) < 0)
                return -1;
            if (n < WORKER_RBUF_BYTES && !drain)
                return 0;
            continue;
        }
        if (n == 0) {
            conn_on_eof(w, c, worker_now_ns());
            return -1;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        conn_fail(w, c, worker_now_ns(), &w->c.err_read);
        return -1;
    }
}

static void conn_on_event(struct worker *w, struct conn *c, uint32_t events)
{
    if (c->state == CONN_CONNECTING) {
        if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
            return;
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
            err = errno;
        int64_t now = worker_now_ns();
        if (err != 0) {
            conn_connect_failed(w, c, now, err);
            return;
        }
        conn_on_connected(w, c, now);
    }
    if (c->state != CONN_OPEN)
        return;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
        if (conn_read(w, c, events) < 0)
            return;
    if ((events & EPOLLOUT) && c->n_written < c->n_out)
        conn_flush(w, c, worker_now_ns());
}

/* ---- the loop ---- */

static int64_t open_time(const struct worker *w, const struct conn *c)
{
    double ramp = cfg_of(w)->ramp;
    if (ramp <= 0)
        return w->plan->start_ns;
    return w->plan->start_ns + (int64_t)((double)c->global * (double)NS_PER_S / ramp);
}

/* Opens the connections whose time has come (all at once without --ramp). */
static void open_due(struct worker *w, int64_t now)
{
    while (w->next_open < w->n_conns) {
        struct conn *c = &w->conns[w->next_open];
        if (open_time(w, c) > now)
            return;
        w->next_open++;
        if (!cfg_of(w)->keepalive && !c->idle)
            conn_next_without_keepalive(w, c, now);
        else
            conn_open(w, c, now);
    }
}

static int64_t schedule_time(const struct worker *w, uint64_t k)
{
    double slot = (double)k * (double)w->busy_workers + (double)w->id;
    return w->plan->start_ns + (int64_t)(slot * w->period_ns);
}

/* Open loop: hands every request that is due to a connection that can take it. Requests for
 * which no connection is free stay due; their latency counts from when they were due. */
static void dispatch(struct worker *w, int64_t now)
{
    while (w->next_due <= now && !stopping(w) && quota_left(w, w->next_due)) {
        struct conn *c = freeq_pop(w);
        if (c == NULL)
            return;
        conn_issue(w, c, w->next_due);
        w->sched_k++;
        w->next_due = schedule_time(w, w->sched_k);
        if (!cfg_of(w)->keepalive) {
            conn_open(w, c, now);
        } else if (conn_flush(w, c, now) == 0 && c->n_out < c->cap) {
            freeq_push(w, c);
        }
    }
}

/* Every TICK_NS: timeouts, delayed reconnects, idle connections' requests. */
static void tick(struct worker *w, int64_t now)
{
    const struct load_config *cfg = cfg_of(w);
    int64_t timeout = (int64_t)(cfg->timeout_s * (double)NS_PER_S);
    if (!w->ever_connected && now - w->plan->start_ns > timeout && w->next_open > 0) {
        set_fatal(w, w->last_connect_errno ? w->last_connect_errno : ETIMEDOUT);
        return;
    }
    int pings = cfg->idle_interval_s > 0 && w->n_conns > w->n_busy;
    if (w->in_flight == 0 && w->connecting_now == 0 && w->down_waiting == 0 && !pings)
        return;
    int64_t interval = (int64_t)(cfg->idle_interval_s * (double)NS_PER_S);
    for (uint32_t i = 0; i < w->next_open; i++) {
        struct conn *c = &w->conns[i];
        switch (c->state) {
        case CONN_CONNECTING:
            if (now - c->t_connect > timeout)
                conn_connect_failed(w, c, now, ETIMEDOUT);
            break;
        case CONN_OPEN:
            if ((c->n_written > 0 || c->write_off > 0) && now - ring_at(c, 0)->sent > timeout) {
                conn_fail(w, c, now, &w->c.err_timeout);
            } else if (c->idle && interval > 0 && c->n_out == 0 && now >= c->t_next) {
                conn_issue(w, c, now);
                c->t_next += interval;
                if (c->t_next <= now)
                    c->t_next = now + interval;
                conn_flush(w, c, now);
            }
            break;
        default:
            if (c->t_next != 0 && c->t_next <= now) {
                c->t_next = 0;
                w->down_waiting--;
                if (!cfg->keepalive && !c->idle && c->n_out == 0)
                    conn_next_without_keepalive(w, c, now);
                else
                    conn_open(w, c, now);
            }
            break;
        }
    }
}

/* Hands the seconds that are over to the series. */
static void close_seconds(struct worker *w, int64_t now)
{
    while (now >= w->next_second_ns) {
        struct series_counts sc = {
            .requests = w->interval_requests,
            .errors = w->interval_errors,
            .connects = w->interval_connects,
            .bytes_read = w->interval_bytes,
            .connections = w->open_now,
        };
        series_add(w->plan->series, w->id, w->second, 1.0, &sc, &w->interval);
        hist_reset(&w->interval);
        w->interval_requests = w->interval_errors = w->interval_connects = 0;
        w->interval_bytes = 0;
        w->second++;
        w->next_second_ns += NS_PER_S;
    }
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* Tracks a low quantile of how late timed wake-ups are (a few microseconds on a quiet Linux, tens
 * or hundreds in a VM or a sandbox): it follows smaller values quickly and larger ones slowly.
 * The open loop wakes that much before a request is due and polls for the rest, so that the
 * client's own lateness mostly does not count as server latency, while the polling stays short:
 * most wake-ups still come after the due time. What lateness remains shows as send lag. */
static void note_timer_lateness(struct worker *w, int64_t late)
{
    if (late < 0)
        late = 0;
    if (late < w->timer_late_ns)
        w->timer_late_ns += (late - w->timer_late_ns) / 4;
    else
        w->timer_late_ns += (late - w->timer_late_ns) / 64;
    if (w->timer_late_ns > TIMER_LATE_MAX_NS)
        w->timer_late_ns = TIMER_LATE_MAX_NS;
}

static int wait_events(struct worker *w, struct epoll_event *events, int64_t timeout_ns)
{
    if (timeout_ns < 0)
        timeout_ns = 0;
    if (!w->no_pwait2) {
        struct timespec ts = {.tv_sec = timeout_ns / NS_PER_S, .tv_nsec = timeout_ns % NS_PER_S};
        int n = epoll_pwait2(w->epfd, events, WORKER_MAX_EVENTS, &ts, NULL);
        if (n >= 0 || errno != ENOSYS)
            return n;
        w->no_pwait2 = 1; /* a kernel before 5.11: millisecond timeouts */
    }
    int64_t ms = (timeout_ns + 999999) / 1000000;
    return epoll_wait(w->epfd, events, WORKER_MAX_EVENTS, ms > INT_MAX ? INT_MAX : (int)ms);
}

/* With --requests, a worker with busy connections is done when its share is answered; workers
 * with only idle connections run until the last busy one is done. */
static int requests_done(const struct worker *w)
{
    return w->quota != UINT64_MAX && w->n_busy > 0 && w->issued_measured >= w->quota &&
           w->in_flight == 0;
}

/* Requests that were due but never sent, or sent but unanswered, when the run stopped. */
static uint64_t count_abandoned(const struct worker *w, int64_t stop)
{
    uint64_t n = w->in_flight;
    if (open_loop(w) && w->n_busy > 0 && w->next_due <= stop) {
        double slots = (double)(stop - w->plan->start_ns) / w->period_ns;
        double last = (slots - (double)w->id) / (double)w->busy_workers;
        uint64_t due = last >= (double)w->sched_k ? (uint64_t)last - w->sched_k + 1 : 0;
        if (w->quota != UINT64_MAX && due > w->quota - w->issued_measured)
            due = w->quota - w->issued_measured;
        n += due;
    }
    return n;
}

static int64_t thread_cpu_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* Notes the end of the warm-up, and this thread's CPU time at that moment. */
static void set_measuring(struct worker *w, int64_t now)
{
    int measuring = now >= w->plan->warm_end_ns;
    if (measuring && !w->measuring)
        w->cpu_at_measure_ns = thread_cpu_ns();
    w->measuring = measuring;
}

void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct run_plan *plan = w->plan;
    struct epoll_event events[WORKER_MAX_EVENTS];

    /* Wake-ups on time matter in the open loop: ask for 1us timer slack instead of 50us. */
    (void)prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);

    w->next_tick_ns = plan->start_ns + TICK_NS;
    w->next_second_ns = plan->start_ns + NS_PER_S;
    w->next_due = schedule_time(w, 0);
    w->timer_late_ns = TIMER_LATE_INITIAL_NS;
    int64_t now;
    for (;;) {
        now = worker_now_ns();
        set_measuring(w, now);
        if (now >= plan->end_ns || atomic_load_explicit(&plan->stop, memory_order_relaxed))
            break;
        if (requests_done(w))
            break;
        if (now >= w->next_second_ns)
            close_seconds(w, now);
        if (now >= w->next_tick_ns) {
            tick(w, now);
            w->next_tick_ns = now + TICK_NS;
        }
        open_due(w, now);
        if (open_loop(w))
            dispatch(w, now);

        int64_t deadline = min64(plan->end_ns, min64(w->next_tick_ns, w->next_second_ns));
        if (w->next_open < w->n_conns)
            deadline = min64(deadline, open_time(w, &w->conns[w->next_open]));
        int send_wake = 0;
        if (open_loop(w) && w->freeq_len > 0 && quota_left(w, w->next_due)) {
            /* Wake early by the timer's usual lateness; what is left is spent polling. */
            int64_t wake = w->next_due - w->timer_late_ns;
            if (wake < deadline) {
                deadline = wake;
                send_wake = 1;
            }
        }
        int n = wait_events(w, events, deadline - now);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            set_fatal(w, errno);
            break;
        }
        int64_t woke = worker_now_ns();
        if (send_wake && n == 0 && deadline > now)
            note_timer_lateness(w, woke - deadline);
        set_measuring(w, woke);
        for (int i = 0; i < n; i++)
            conn_on_event(w, events[i].data.ptr, events[i].events);
    }

    w->stopping = 1;
    w->stop_ns = min64(now, plan->end_ns);
    if (w->measuring)
        w->cpu_measured_ns = thread_cpu_ns() - w->cpu_at_measure_ns;
    if (w->n_busy > 0 && atomic_fetch_sub(&plan->busy_running, 1) == 1)
        atomic_store(&plan->stop, 1); /* the last busy worker: the idle-only ones stop too */
    w->c.abandoned = count_abandoned(w, w->stop_ns);
    int64_t second_start = w->next_second_ns - NS_PER_S;
    if (w->stop_ns > second_start) {
        struct series_counts sc = {
            .requests = w->interval_requests,
            .errors = w->interval_errors,
            .connects = w->interval_connects,
            .bytes_read = w->interval_bytes,
            .connections = w->open_now,
        };
        series_add(plan->series, w->id, w->second,
                   (double)(w->stop_ns - second_start) / (double)NS_PER_S, &sc, &w->interval);
    }
    series_thread_done(plan->series, w->id);
    for (uint32_t i = 0; i < w->n_conns; i++)
        conn_close_fd(w, &w->conns[i]);
    return NULL;
}

/* ---- setup ---- */

int worker_init(struct worker *w, int id, struct run_plan *plan)
{
    const struct load_config *cfg = plan->cfg;
    memset(w, 0, sizeof *w);
    w->id = id;
    w->plan = plan;
    w->epfd = -1;

    uint64_t threads = cfg->threads;
    uint64_t total = (uint64_t)cfg->connections + cfg->idle;
    for (uint64_t g = (uint64_t)id; g < total; g += threads) {
        w->n_conns++;
        if (g < cfg->connections)
            w->n_busy++;
    }
    /* Workers 0 .. busy_workers-1 have busy connections and share the requests. */
    w->busy_workers = (uint32_t)(cfg->connections < threads ? cfg->connections : threads);
    w->quota = UINT64_MAX;
    if (cfg->requests > 0) {
        w->quota = 0;
        if (w->n_busy > 0)
            w->quota = cfg->requests / w->busy_workers +
                       ((uint64_t)id < cfg->requests % w->busy_workers ? 1 : 0);
    }
    if (cfg->rate > 0)
        w->period_ns = (double)NS_PER_S / cfg->rate;

    uint64_t n_slots = (uint64_t)w->n_busy * cfg->pipeline + (w->n_conns - w->n_busy);
    w->conns = calloc(w->n_conns ? w->n_conns : 1, sizeof *w->conns);
    w->slots = calloc(n_slots ? n_slots : 1, sizeof *w->slots);
    w->freeq = calloc(w->n_busy ? w->n_busy : 1, sizeof *w->freeq);
    w->rbuf = malloc(WORKER_RBUF_BYTES);
    if (!w->conns || !w->slots || !w->freeq || !w->rbuf)
        goto nomem;
    if (plan->mix->keyed_len > 0 &&
        !(w->keyed = malloc((n_slots ? n_slots : 1) * plan->mix->keyed_len)))
        goto nomem;
    struct hist *hists[] = {&w->latency,      &w->latency_unc, &w->connect,
                            &w->idle_latency, &w->interval,    &w->send_lag};
    for (size_t i = 0; i < sizeof hists / sizeof hists[0]; i++)
        if (hist_init(hists[i], HIST_LATENCY_HIGHEST_US, HIST_LATENCY_DIGITS) < 0)
            goto nomem;

    struct req_slot *slot = w->slots;
    uint32_t k = 0;
    for (uint64_t g = (uint64_t)id; g < total; g += threads, k++) {
        struct conn *c = &w->conns[k];
        c->fd = -1;
        c->global = (uint32_t)g;
        c->key_next = cfg->keys > 0 ? (uint32_t)(g % cfg->keys) : 0;
        c->idle = g >= cfg->connections;
        c->cap = c->idle ? 1 : cfg->pipeline;
        c->slots = slot;
        slot += c->cap;
        resp_parser_init(&c->parser, 0);
    }

    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (w->epfd < 0) {
        int err = -errno;
        worker_free(w);
        return err;
    }
    return 0;
nomem:
    worker_free(w);
    return -ENOMEM;
}

void worker_free(struct worker *w)
{
    if (w->epfd >= 0)
        close(w->epfd);
    w->epfd = -1;
    free(w->conns);
    free(w->slots);
    free(w->freeq);
    free(w->rbuf);
    free(w->keyed);
    w->keyed = NULL;
    w->conns = NULL;
    w->slots = NULL;
    w->freeq = NULL;
    w->rbuf = NULL;
    hist_free(&w->latency);
    hist_free(&w->latency_unc);
    hist_free(&w->connect);
    hist_free(&w->idle_latency);
    hist_free(&w->interval);
    hist_free(&w->send_lag);
}
