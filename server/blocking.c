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

void blocking_slots_init(struct blocking_slots *slots)
{
    pthread_mutex_init(&slots->lock, NULL);
    slots->head = NULL;
}

void blocking_slots_destroy(struct blocking_slots *slots)
{
    pthread_mutex_destroy(&slots->lock);
}

static void slot_add(struct blocking_slots *slots, struct blocking_slot *s)
{
    pthread_mutex_lock(&slots->lock);
    s->prev = NULL;
    s->next = slots->head;
    if (slots->head)
        slots->head->prev = s;
    slots->head = s;
    pthread_mutex_unlock(&slots->lock);
}

static void slot_remove(struct blocking_slots *slots, struct blocking_slot *s)
{
    pthread_mutex_lock(&slots->lock);
    if (s->prev)
        s->prev->next = s->next;
    else
        slots->head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    pthread_mutex_unlock(&slots->lock);
}

void blocking_wake_slot(struct blocking_slot *s)
{
    int expected = SLOT_IDLE;
    if (atomic_compare_exchange_strong(&s->state, &expected, SLOT_CLOSING))
        shutdown(s->fd, SHUT_RD);
}

void blocking_wake_idle(struct blocking_slots *slots)
{
    pthread_mutex_lock(&slots->lock);
    for (struct blocking_slot *s = slots->head; s; s = s->next)
        blocking_wake_slot(s);
    pthread_mutex_unlock(&slots->lock);
}

int blocking_ctx_init(struct blocking_ctx *ctx, struct blocking_slots *slots)
{
    *ctx = (struct blocking_ctx){.slots = slots};
    ctx->rbuf = malloc(BLOCKING_READ_BUFFER);
    return ctx->rbuf ? 0 : -ENOMEM;
}

void blocking_ctx_free(struct blocking_ctx *ctx)
{
    free(ctx->rbuf);
    buf_free(&ctx->out);
}

int64_t blocking_now_ms(void)
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
    int64_t left = head_deadline - blocking_now_ms();
    return left > 0 ? (int)left : 0;
}

void blocking_conn_init(struct blocking_conn *bc, struct server *srv, int fd,
                        struct stats_shard *shard)
{
    bc->fd = fd;
    bc->rcvtimeo = -1;
    bc->head_deadline = 0;
    bc->deadline = 0;
    bc->last_phase = CONN_IDLE;
    bc->slot = (struct blocking_slot){.fd = fd};
    atomic_init(&bc->slot.state, SLOT_BUSY);
    conn_init(&bc->c, &srv->env, shard, 0);
    set_timeout(fd, SO_SNDTIMEO, srv->cfg->write_timeout_ms);
}

void blocking_close(struct server *srv, struct blocking_conn *bc, struct stats_shard *shard)
{
    conn_free(&bc->c);
    close(bc->fd);
    server_release(srv, shard);
}

enum blocking_result blocking_serve(struct server *srv, struct blocking_conn *bc,
                                    struct stats_shard *shard, struct blocking_ctx *ctx,
                                    int hold_ms)
{
    const struct config *cfg = srv->cfg;
    struct conn *c = &bc->c;
    int fd = bc->fd;
    c->shard = shard;
    /* Only a thread that may block waiting for a next request needs a drain to find it. */
    int registered = hold_ms != 0;
    if (registered) {
        atomic_store(&bc->slot.state, SLOT_BUSY);
        slot_add(ctx->slots, &bc->slot);
    }
    enum blocking_result result = BLOCKING_CLOSED;
    enum conn_next next = CONN_READ;
    int drained = 0; /* the last read took less than the buffer: nothing more was waiting */
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
            next = conn_resume(c, &ctx->out);
            continue;
        }
        if (next == CONN_DEFER) {
            wait_deferred(&c->defer);
            next = conn_resume(c, &ctx->out);
            continue;
        }

        enum conn_phase phase = conn_phase(c);
        int flags = 0;
        if (phase == CONN_IDLE) {
            /* Publish idleness before looking at the stop flag, so that a drain either sees
             * this connection idle or this connection sees the drain. While draining, a request
             * already sent is still answered; no new one is waited for. */
            if (registered)
                atomic_store(&bc->slot.state, SLOT_IDLE);
            if (server_stopping(srv))
                flags = MSG_DONTWAIT;
        } else if (phase == CONN_HEAD && bc->last_phase != CONN_HEAD) {
            bc->head_deadline = blocking_now_ms() + cfg->header_timeout_ms;
        }
        bc->last_phase = phase;
        int timeout = read_timeout_ms(cfg, phase, bc->head_deadline);
        if (timeout == 0) {
            conn_timeout(c, &ctx->out);
            next = CONN_CLOSE;
            continue;
        }
        /* Park rather than wait longer than the hold time. With no hold, a read that took less
         * than the buffer means the socket was emptied: epoll will say when more comes, so the
         * read that would only say EAGAIN is skipped. */
        int park = flags == 0 && hold_ms >= 0 && hold_ms < timeout;
        if (park && hold_ms == 0) {
            if (drained) {
                result = BLOCKING_PARKED;
                break;
            }
            flags = MSG_DONTWAIT;
        } else if (flags == 0) {
            int wait = park ? hold_ms : timeout;
            if (wait != bc->rcvtimeo) {
                set_timeout(fd, SO_RCVTIMEO, wait);
                bc->rcvtimeo = wait;
            }
        }
        ssize_t n = recv(fd, ctx->rbuf, BLOCKING_READ_BUFFER, flags);
        if (n > 0) {
            if (registered) {
                int expected = SLOT_IDLE;
                atomic_compare_exchange_strong(&bc->slot.state, &expected, SLOT_BUSY);
            }
            drained = (size_t)n < BLOCKING_READ_BUFFER;
            next = conn_feed(c, ctx->rbuf, (size_t)n, &ctx->out);
            continue;
        }
        if (n == 0) {
            conn_peer_closed(c);
            break;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (park) {
                result = BLOCKING_PARKED;
                break;
            }
            if (flags == MSG_DONTWAIT)
                break;
            conn_timeout(c, &ctx->out);
            next = CONN_CLOSE;
            continue;
        }
        if (errno != ECONNRESET)
            stats_inc(shard, STAT_ERR_IO);
        else
            conn_peer_closed(c);
        break;
    }
    if (registered)
        slot_remove(ctx->slots, &bc->slot);
    if (result == BLOCKING_PARKED) {
        /* The phase's timeout runs from when the wait began, the hold included. */
        enum conn_phase phase = conn_phase(c);
        bc->deadline = phase == CONN_HEAD
                           ? bc->head_deadline
                           : blocking_now_ms() - hold_ms + read_timeout_ms(cfg, phase, 0);
        return result;
    }
    blocking_close(srv, bc, shard);
    return BLOCKING_CLOSED;
}

void blocking_expire(struct server *srv, struct blocking_conn *bc, struct stats_shard *shard,
                     struct blocking_ctx *ctx)
{
    bc->c.shard = shard;
    ctx->out.len = 0;
    conn_timeout(&bc->c, &ctx->out);
    if (ctx->out.len > 0)
        send_all(bc->fd, ctx->out.data, ctx->out.len, shard);
    ctx->out.len = 0;
    blocking_close(srv, bc, shard);
}
