#include "blocking.h"

#include "conn.h"
#include "server.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum slot_state { SLOT_BUSY, SLOT_IDLE, SLOT_CLOSING };

/* The connections being served, so that a drain can find the idle ones. */
struct blocking_slot {
    int fd;
    atomic_int state;
    struct blocking_slot *prev, *next;
};

static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
static struct blocking_slot *slots_head;

static void slot_add(struct blocking_slot *s)
{
    pthread_mutex_lock(&slots_lock);
    s->prev = NULL;
    s->next = slots_head;
    if (slots_head)
        slots_head->prev = s;
    slots_head = s;
    pthread_mutex_unlock(&slots_lock);
}

static void slot_remove(struct blocking_slot *s)
{
    pthread_mutex_lock(&slots_lock);
    if (s->prev)
        s->prev->next = s->next;
    else
        slots_head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    pthread_mutex_unlock(&slots_lock);
}

void blocking_wake_idle(void)
{
    pthread_mutex_lock(&slots_lock);
    for (struct blocking_slot *s = slots_head; s; s = s->next) {
        int expected = SLOT_IDLE;
        if (atomic_compare_exchange_strong(&s->state, &expected, SLOT_CLOSING))
            shutdown(s->fd, SHUT_RD);
    }
    pthread_mutex_unlock(&slots_lock);
}

int blocking_ctx_init(struct blocking_ctx *ctx)
{
    *ctx = (struct blocking_ctx){0};
    ctx->rbuf = malloc(BLOCKING_READ_BUFFER);
    return ctx->rbuf ? 0 : -ENOMEM;
}

void blocking_ctx_free(struct blocking_ctx *ctx)
{
    free(ctx->rbuf);
    buf_free(&ctx->out);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_timeout(int fd, int option, int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, option, &tv, sizeof tv);
}

/* Sends everything; SO_SNDTIMEO bounds the wait between two writes that make progress. */
static int send_all(int fd, const char *p, size_t len, struct stats_shard *shard)
{
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        stats_inc(shard, server_send_error(n < 0 ? errno : EIO));
        return -1;
    }
    return 0;
}

static void wait_deferred(const struct conn_defer *d)
{
    if (d->kind == DEFER_WORK) {
        server_burn_cpu(d->amount);
        return;
    }
    struct timespec ts = {d->amount / 1000, (d->amount % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

/* How long the next read may wait, or 0 when the header deadline has passed. */
static int read_timeout_ms(const struct config *cfg, enum conn_phase phase, int64_t head_deadline)
{
    if (phase == CONN_IDLE)
        return cfg->keepalive_timeout_ms;
    if (phase == CONN_BODY)
        return cfg->body_timeout_ms;
    int64_t left = head_deadline - now_ms();
    return left > 0 ? (int)left : 0;
}

void blocking_serve(struct server *srv, int fd, struct stats_shard *shard,
                    struct blocking_ctx *ctx)
{
    const struct config *cfg = srv->cfg;
    struct blocking_slot slot = {.fd = fd};
    atomic_init(&slot.state, SLOT_BUSY);
    struct conn c;
    conn_init(&c, srv, shard, 0);
    slot_add(&slot);
    set_timeout(fd, SO_SNDTIMEO, cfg->write_timeout_ms);

    int rcvtimeo = -1;
    int64_t head_deadline = 0;
    enum conn_phase last_phase = CONN_IDLE;
    enum conn_next next = CONN_READ;
    ctx->out.len = 0;
    for (;;) {
        if (ctx->out.len > 0) {
            int rc = send_all(fd, ctx->out.data, ctx->out.len, shard);
            ctx->out.len = 0;
            if (rc < 0)
                break;
        }
        if (next == CONN_CLOSE)
            break;
        if (next == CONN_WRITE) {
            next = conn_resume(&c, &ctx->out);
            continue;
        }
        if (next == CONN_DEFER) {
            wait_deferred(&c.defer);
            next = conn_resume(&c, &ctx->out);
            continue;
        }

        enum conn_phase phase = conn_phase(&c);
        int flags = 0;
        if (phase == CONN_IDLE) {
            /* Publish idleness before looking at the stop flag, so that a drain either sees
             * this connection idle or this connection sees the drain. While draining, a request
             * already sent is still answered; no new one is waited for. */
            atomic_store(&slot.state, SLOT_IDLE);
            if (atomic_load(&srv->stopping))
                flags = MSG_DONTWAIT;
        } else if (phase == CONN_HEAD && last_phase != CONN_HEAD) {
            head_deadline = now_ms() + cfg->header_timeout_ms;
        }
        last_phase = phase;
        int timeout = read_timeout_ms(cfg, phase, head_deadline);
        if (timeout == 0) {
            conn_timeout(&c, &ctx->out);
            next = CONN_CLOSE;
            continue;
        }
        if (timeout != rcvtimeo) {
            set_timeout(fd, SO_RCVTIMEO, timeout);
            rcvtimeo = timeout;
        }
        ssize_t n = recv(fd, ctx->rbuf, BLOCKING_READ_BUFFER, flags);
        if (n > 0) {
            int expected = SLOT_IDLE;
            atomic_compare_exchange_strong(&slot.state, &expected, SLOT_BUSY);
            next = conn_feed(&c, ctx->rbuf, (size_t)n, &ctx->out);
            continue;
        }
        if (n == 0) {
            conn_peer_closed(&c);
            break;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (flags == MSG_DONTWAIT)
                break;
            conn_timeout(&c, &ctx->out);
            next = CONN_CLOSE;
            continue;
        }
        if (errno != ECONNRESET)
            stats_inc(shard, STAT_ERR_IO);
        else
            conn_peer_closed(&c);
        break;
    }
    slot_remove(&slot);
    conn_free(&c);
    close(fd);
    server_release(srv, shard);
}
