/* uring: io_uring rings. One ring by default; --rings N runs N rings on N threads, each with its
 * own SO_REUSEPORT listener, as --loops does. Accepts, receives and sends go through
 * the ring; each turn submits what the turn queued and waits in one io_uring_enter. /sleep is a
 * ring timeout; /work runs on the ring's thread, or with --offload on a small pool of threads
 * that hand the result back through the ring's eventfd, which also carries stop().
 *
 * As in the loop, an idle connection owns no buffers: receives take a buffer from the ring's
 * provided buffer ring and give it back once the state machine has consumed or copied the bytes;
 * responses are built in one buffer per ring and copied to the connection only while a send is in
 * flight. A connection has at most one receive or send in flight, and none while its output is
 * being sent, which is the backpressure at --output-limit. Receives are prepared at the end of
 * a turn, those the buffer ring refused first and no more than it has buffers (see
 * recv_queue_prepare), so that a connection that found it empty is not refused again and again
 * while others take every buffer.
 *
 * Timeouts use the loop's scheme: one list per kind, sorted by deadline, swept by the turn. */
#include "conn.h"
#include "server.h"
#include "tlist.h"

#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define URING_ENTRIES 1024
#define URING_BUF_SIZE 16384
#define URING_BUF_GROUP 0
#define URING_SEND_SMALL 1024    /* send buffers up to this size are kept for reuse */
#define URING_SEND_CACHE 64      /* at least this many; more while the ring has more connections */
#define URING_OFFLOAD_THREADS 4  /* as libuv's default pool for the loop's --offload */

/* What a completion is for: the low bits of its user_data; the rest is the object's address. */
enum uop {
    UOP_RECV,    /* struct uconn */
    UOP_SEND,    /* struct uconn */
    UOP_SLEEP,   /* struct udefer */
    UOP_ACCEPT,  /* struct uring_ctx */
    UOP_PAUSE,   /* struct uring_ctx: accepting resumes */
    UOP_WAKE,    /* struct uring_ctx: its eventfd was written (stop, offloaded work done) */
    UOP_IGNORE,  /* cancellations */
};
#define UOP_MASK 7u

/* Output in flight: a send request's own copy. */
struct upending {
    struct upending *next_free;
    size_t len, off, cap;
    char data[];
};

struct uring_ctx;

struct uconn {
    struct conn conn;
    struct uring_ctx *rc;
    struct tlist_node node; /* timeout list links; deadline in CLOCK_MONOTONIC ms */
    struct upending *pending;
    int fd;
    uint8_t inflight;     /* a receive or send is in flight */
    uint8_t recv_queued;  /* on one of the ring's receive queues, to be prepared */
    uint8_t closing;
    uint8_t after_write;  /* enum conn_next to carry on with once the output is sent */
    struct uconn *recv_next;
};

/* Connections whose receive is to be prepared at the end of the turn, in order. */
struct recv_queue {
    struct uconn *head, **tail;
};

/* A deferred request: a /sleep timeout, or /work for the offload pool. */
struct udefer {
    struct __kernel_timespec ts;
    struct udefer *next;
    struct uconn *u;
    long amount;
};

struct uring_ctx {
    struct io_uring ring;
    struct io_uring_buf_ring *bufs;
    char *buf_mem;
    struct server *srv;
    struct stats_shard shard;
    pthread_t thread;
    int index;
    int listen_fd;
    int spare_fd;         /* see server_accept */
    int wake_fd;          /* eventfd: stop() and the offload pool write it */
    uint64_t wake_value;  /* the eventfd read lands here */
    int ring_ready;
    int stopping;
    int accept_armed;
    int pause_armed;
    long n_conns;
    uint64_t now;         /* ms, read once per turn */
    uint64_t next_sweep;
    uint64_t sweep_every;
    struct __kernel_timespec pause_ts;
    unsigned n_bufs;           /* receive buffers in the provided buffer ring (--ring-buffers) */
    struct recv_queue refused; /* their receive found no buffer: prepared first */
    struct recv_queue fresh;
    struct buf out;       /* responses are built here, then copied for sending */
    struct upending *send_cache;
    int n_send_cache;
    pthread_mutex_t done_lock; /* the offload pool's finished jobs, handed to the ring */
    struct udefer *done;
    struct tlists timeouts;
};

/* The offload pool: shared by every ring; jobs are udefers, answered to their connection's ring. */
struct uring_pool {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct udefer *head, *tail;
    pthread_t threads[URING_OFFLOAD_THREADS];
    int n_threads;
    int ending; /* the rings are done: the threads return */
};

struct uring_model {
    struct uring_ctx *rings;
    int n;
    unsigned setup_flags;
    struct uring_pool pool;
    struct crew crew; /* the ring threads */
};

static void uconn_continue(struct uconn *u, enum conn_next next);

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void *ud_ptr(uint64_t ud)
{
    return (void *)(uintptr_t)(ud & ~(uint64_t)UOP_MASK);
}

static uint64_t ud_make(const void *p, enum uop op)
{
    return (uint64_t)(uintptr_t)p | (uint64_t)op;
}

/* An SQE from the ring, submitting what is queued when it is full. NULL only if that fails. */
static struct io_uring_sqe *ring_sqe(struct uring_ctx *rc)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&rc->ring);
    if (sqe == NULL) {
        io_uring_submit(&rc->ring);
        sqe = io_uring_get_sqe(&rc->ring);
    }
    return sqe;
}

/* ---- timeout lists (the loop's) ---- */

static void uconn_arm(struct uconn *u, enum tlist which)
{
    tlist_arm(&u->rc->timeouts, &u->node, which, u->rc->now);
}

static struct uconn *node_conn(struct tlist_node *n)
{
    return (struct uconn *)((char *)n - offsetof(struct uconn, node));
}

/* ---- send buffers ---- */

static struct upending *pending_get(struct uring_ctx *rc, size_t len)
{
    struct upending *p;
    if (len <= URING_SEND_SMALL && rc->send_cache != NULL) {
        p = rc->send_cache;
        rc->send_cache = p->next_free;
        rc->n_send_cache--;
    } else {
        size_t cap = len <= URING_SEND_SMALL ? URING_SEND_SMALL : len;
        p = malloc(sizeof *p + cap);
        if (p == NULL)
            return NULL;
        p->cap = cap;
    }
    p->len = len;
    p->off = 0;
    return p;
}

/* A send buffer whose send has completed is kept while the ring has connections enough to want
 * it back. With a fixed number kept, the buffers of a wave of sends beyond it were freed together
 * and malloc returned the freed top of the heap to the kernel (brk), to fault it back in
 * on the next wave: at 1,000 connections, in turns of one or two requests, the TLB flushes, page
 * faults and malloc of that took a third of the ring's CPU. */
static void pending_put(struct uring_ctx *rc, struct upending *p)
{
    if (p == NULL)
        return;
    long keep = rc->n_conns > URING_SEND_CACHE ? rc->n_conns : URING_SEND_CACHE;
    if (p->cap == URING_SEND_SMALL && rc->n_send_cache < keep) {
        p->next_free = rc->send_cache;
        rc->send_cache = p;
        rc->n_send_cache++;
        return;
    }
    free(p);
}

/* ---- closing ---- */

static void uconn_free(struct uconn *u)
{
    struct uring_ctx *rc = u->rc;
    close(u->fd);
    conn_free(&u->conn);
    pending_put(rc, u->pending);
    server_release(rc->srv, &rc->shard);
    free(u);
    rc->n_conns--;
}

/* Closes now when nothing is in flight; otherwise cancels what is, and the completion closes. */
static void uconn_close(struct uconn *u)
{
    if (!u->closing) {
        u->closing = 1;
        tlist_unlink(&u->node);
        if (u->inflight) {
            struct io_uring_sqe *sqe = ring_sqe(u->rc);
            if (sqe != NULL) {
                io_uring_prep_cancel64(sqe, ud_make(u, u->pending ? UOP_SEND : UOP_RECV), 0);
                io_uring_sqe_set_data64(sqe, ud_make(NULL, UOP_IGNORE));
            } else {
                shutdown(u->fd, SHUT_RDWR); /* ends the request all the same */
            }
        }
    }
    if (!u->inflight && !u->recv_queued) /* a queued one is freed when its queue is taken */
        uconn_free(u);
}

/* ---- sending ---- */

static int uconn_send_rest(struct uconn *u)
{
    struct io_uring_sqe *sqe = ring_sqe(u->rc);
    if (sqe == NULL)
        return -1;
    struct upending *p = u->pending;
    io_uring_prep_send(sqe, u->fd, p->data + p->off, p->len - p->off, MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, ud_make(u, UOP_SEND));
    u->inflight = 1;
    return 0;
}

/* Sends the ring's output buffer. Returns 0 when there was none, 1 when a send is in flight (the
 * connection carries on from its completion), or -1 when the connection must close. */
static int uconn_flush(struct uconn *u)
{
    struct uring_ctx *rc = u->rc;
    if (rc->out.len == 0)
        return 0;
    struct upending *p = pending_get(rc, rc->out.len);
    if (p == NULL) {
        rc->out.len = 0;
        stats_inc(&rc->shard, STAT_ERR_IO);
        return -1;
    }
    memcpy(p->data, rc->out.data, rc->out.len);
    rc->out.len = 0;
    u->pending = p;
    if (uconn_send_rest(u) < 0)
        return -1;
    uconn_arm(u, TL_WRITE);
    return 1;
}

static void on_send(struct uconn *u, int res)
{
    struct upending *p = u->pending;
    u->inflight = 0;
    if (u->closing) {
        uconn_close(u);
        return;
    }
    if (res < 0) {
        stats_inc(&u->rc->shard, server_send_error(-res));
        uconn_close(u);
        return;
    }
    p->off += (size_t)res;
    if (p->off < p->len) {
        if (uconn_send_rest(u) < 0)
            uconn_close(u);
        return;
    }
    u->pending = NULL;
    pending_put(u->rc, p);
    tlist_unlink(&u->node);
    uconn_continue(u, (enum conn_next)u->after_write);
}

/* ---- receiving ---- */

static void recv_queue_init(struct recv_queue *q)
{
    q->head = NULL;
    q->tail = &q->head;
}

static void recv_queue_push(struct recv_queue *q, struct uconn *u)
{
    u->recv_next = NULL;
    u->recv_queued = 1;
    *q->tail = u;
    q->tail = &u->recv_next;
}

/* A receive into a buffer of the ring's choosing. */
static void uconn_recv_prepare(struct uconn *u)
{
    struct io_uring_sqe *sqe = ring_sqe(u->rc);
    if (sqe == NULL) {
        uconn_close(u);
        return;
    }
    io_uring_prep_recv(sqe, u->fd, NULL, URING_BUF_SIZE, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = URING_BUF_GROUP;
    io_uring_sqe_set_data64(sqe, ud_make(u, UOP_RECV));
    u->inflight = 1;
}

/* Prepares the receives queued in a turn (the connections closed meanwhile are freed), in the
 * order the kernel is to try them: a receive whose bytes are already there completes during
 * the submit and takes a buffer then. Those refused a buffer go first. Were they queued behind
 * the others, the connections just answered, whose next requests are often there already,
 * would take every buffer again at each submit while the refused ones waited (under load,
 * hundreds of connections for hundreds of milliseconds).
 *
 * At most budget receives are prepared (the turn passes the ring's buffer count: every buffer is
 * back by then); the rest stay queued, in order, for the next turn, which then does not wait.
 * Submitting more than there are buffers only had the surplus refused: with 10,000 connections
 * and the receives of a burst beyond the submission and completion queues' sizes, the refusals
 * reached the refused queue out of order and most connections were never served in turn (4
 * buffers: median overtaken 1,062 for 10,000 connections, the worst request 283,105). Returns
 * what is left of the budget. */
static unsigned recv_queue_prepare(struct recv_queue *q, unsigned budget)
{
    struct uconn *u = q->head;
    while (u != NULL && budget > 0) {
        struct uconn *next = u->recv_next;
        u->recv_queued = 0;
        if (u->closing) {
            uconn_close(u);
        } else {
            uconn_recv_prepare(u);
            budget--;
        }
        u = next;
    }
    q->head = u;
    if (u == NULL)
        q->tail = &q->head;
    return budget;
}

static void uconn_recv(struct uconn *u)
{
    recv_queue_push(&u->rc->fresh, u);
}

static void uconn_read(struct uconn *u)
{
    switch (conn_phase(&u->conn)) {
    case CONN_IDLE:
        if (u->rc->stopping) {
            uconn_close(u);
            return;
        }
        uconn_arm(u, TL_IDLE);
        break;
    case CONN_HEAD:
        if (u->node.list != TL_HEAD) /* the header deadline counts from the head's first bytes */
            uconn_arm(u, TL_HEAD);
        break;
    case CONN_BODY:
        uconn_arm(u, TL_BODY);
        break;
    }
    uconn_recv(u);
}

static void buf_give_back(struct uring_ctx *rc, unsigned id)
{
    io_uring_buf_ring_add(rc->bufs, rc->buf_mem + (size_t)id * URING_BUF_SIZE, URING_BUF_SIZE,
                          (unsigned short)id, io_uring_buf_ring_mask(rc->n_bufs), 0);
    io_uring_buf_ring_advance(rc->bufs, 1);
}

static void on_recv(struct uconn *u, int res, unsigned flags)
{
    struct uring_ctx *rc = u->rc;
    u->inflight = 0;
    int has_buf = (flags & IORING_CQE_F_BUFFER) != 0;
    unsigned id = flags >> IORING_CQE_BUFFER_SHIFT;
    if (u->closing) {
        if (has_buf)
            buf_give_back(rc, id);
        uconn_close(u);
        return;
    }
    if (res > 0 && has_buf) {
        rc->out.len = 0;
        enum conn_next next =
            conn_feed(&u->conn, rc->buf_mem + (size_t)id * URING_BUF_SIZE, (size_t)res, &rc->out);
        buf_give_back(rc, id); /* the state machine copied what it keeps */
        uconn_continue(u, next);
        return;
    }
    if (has_buf)
        buf_give_back(rc, id);
    if (res == -ENOBUFS) {
        /* Every buffer was taken in this batch; they are all back before the next submit. */
        recv_queue_push(&rc->refused, u);
        return;
    }
    if (res == -EINTR || res == -EAGAIN) {
        uconn_recv(u);
        return;
    }
    if (res == 0 || res == -ECONNRESET)
        conn_peer_closed(&u->conn);
    else
        stats_inc(&rc->shard, STAT_ERR_IO);
    uconn_close(u);
}

/* ---- deferred requests: /sleep timeouts and offloaded /work ---- */

static void defer_resume(struct udefer *d)
{
    struct uconn *u = d->u;
    free(d);
    u->rc->out.len = 0;
    uconn_continue(u, conn_resume(&u->conn, &u->rc->out));
}

static void pool_enqueue(struct uring_pool *pool, struct udefer *d)
{
    d->next = NULL;
    pthread_mutex_lock(&pool->lock);
    if (pool->tail != NULL)
        pool->tail->next = d;
    else
        pool->head = d;
    pool->tail = d;
    pthread_cond_signal(&pool->cond);
    pthread_mutex_unlock(&pool->lock);
}

static void *pool_thread(void *arg)
{
    struct uring_pool *pool = arg;
    for (;;) {
        pthread_mutex_lock(&pool->lock);
        while (pool->head == NULL && !pool->ending)
            pthread_cond_wait(&pool->cond, &pool->lock);
        if (pool->head == NULL) {
            pthread_mutex_unlock(&pool->lock);
            return NULL;
        }
        struct udefer *d = pool->head;
        pool->head = d->next;
        if (pool->head == NULL)
            pool->tail = NULL;
        pthread_mutex_unlock(&pool->lock);

        server_burn_cpu(d->amount);
        struct uring_ctx *rc = d->u->rc;
        pthread_mutex_lock(&rc->done_lock);
        d->next = rc->done;
        rc->done = d;
        pthread_mutex_unlock(&rc->done_lock);
        uint64_t one = 1;
        while (write(rc->wake_fd, &one, sizeof one) < 0 && errno == EINTR) {
        }
    }
    return NULL;
}

static void uconn_defer(struct uconn *u)
{
    struct uring_ctx *rc = u->rc;
    tlist_unlink(&u->node);
    struct udefer *d = malloc(sizeof *d);
    if (d == NULL) {
        uconn_close(u);
        return;
    }
    d->u = u;
    d->amount = u->conn.defer.amount;
    if (u->conn.defer.kind == DEFER_WORK) {
        struct uring_model *m = rc->srv->mode_state;
        pool_enqueue(&m->pool, d);
        return;
    }
    struct io_uring_sqe *sqe = ring_sqe(rc);
    if (sqe == NULL) {
        free(d);
        uconn_close(u);
        return;
    }
    d->ts.tv_sec = d->amount / 1000;
    d->ts.tv_nsec = (d->amount % 1000) * 1000000L;
    io_uring_prep_timeout(sqe, &d->ts, 0, 0);
    io_uring_sqe_set_data64(sqe, ud_make(d, UOP_SLEEP));
}

/* ---- the connection's driver ---- */

static void uconn_continue(struct uconn *u, enum conn_next next)
{
    for (;;) {
        int flushed = uconn_flush(u);
        if (flushed < 0) {
            uconn_close(u);
            return;
        }
        if (flushed > 0) {
            u->after_write = (uint8_t)next;
            return;
        }
        switch (next) {
        case CONN_READ:
            uconn_read(u);
            return;
        case CONN_WRITE:
            next = conn_resume(&u->conn, &u->rc->out);
            continue;
        case CONN_DEFER:
            uconn_defer(u);
            return;
        case CONN_CLOSE:
            uconn_close(u);
            return;
        }
    }
}

static void serve_accepted(struct uring_ctx *rc, int fd)
{
    if (server_admit(rc->srv, fd, &rc->shard) < 0) {
        close(fd);
        return;
    }
    struct uconn *u = calloc(1, sizeof *u);
    if (u == NULL) {
        server_unadmit(rc->srv, fd, &rc->shard, STAT_ERR_IO);
        close(fd);
        return;
    }
    u->rc = rc;
    u->fd = fd;
    tlist_node_init(&u->node);
    rc->n_conns++;
    conn_init(&u->conn, &rc->srv->env, &rc->shard, rc->srv->cfg->offload);
    server_tune_socket(fd);
    uconn_read(u);
}

/* ---- accepting ---- */

static void accept_arm(struct uring_ctx *rc)
{
    struct io_uring_sqe *sqe = ring_sqe(rc);
    if (sqe == NULL)
        return;
    /* One accept per connection, not multishot: the kernel reads RLIMIT_NOFILE when an accept
     * is prepared, so a multishot accept would go on past a limit lowered after it started. */
    io_uring_prep_accept(sqe, rc->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    io_uring_sqe_set_data64(sqe, ud_make(rc, UOP_ACCEPT));
    rc->accept_armed = 1;
}

static void accept_pause(struct uring_ctx *rc)
{
    struct io_uring_sqe *sqe = ring_sqe(rc);
    if (sqe == NULL)
        return;
    rc->pause_ts.tv_sec = 0;
    rc->pause_ts.tv_nsec = SERVER_ACCEPT_PAUSE_MS * 1000000L;
    io_uring_prep_timeout(sqe, &rc->pause_ts, 0, 0);
    io_uring_sqe_set_data64(sqe, ud_make(rc, UOP_PAUSE));
    rc->pause_armed = 1;
}

/* Out of descriptors, or another accept error: server_accept's spare descriptor turns the
 * pending connections away with a 503 (the listener is made non-blocking for it, so that it finds
 * the queue empty rather than wait), then accepting pauses rather than spin. */
static void accept_failed(struct uring_ctx *rc, int err)
{
    stats_inc(&rc->shard, STAT_ERR_ACCEPT);
    if (err != -EMFILE && err != -ENFILE)
        server_log(rc->srv, "accept: %s", strerror(-err));
    int flags = fcntl(rc->listen_fd, F_GETFL);
    if (flags >= 0 && fcntl(rc->listen_fd, F_SETFL, flags | O_NONBLOCK) == 0) {
        for (int i = 0; i < 64; i++) {
            int fd = server_accept(rc->listen_fd, &rc->spare_fd, &rc->shard);
            if (fd < 0)
                break;
            serve_accepted(rc, fd);
        }
        fcntl(rc->listen_fd, F_SETFL, flags);
    }
    accept_pause(rc);
}

static void ring_stop(struct uring_ctx *rc);

static void on_accept(struct uring_ctx *rc, int res)
{
    rc->accept_armed = 0;
    if (!rc->stopping && server_stopping(rc->srv))
        ring_stop(rc); /* stop() shut the listener down before its wakeup reached this ring */
    if (rc->stopping) {
        if (res >= 0)
            close(res);
        return;
    }
    if (res >= 0) {
        serve_accepted(rc, res);
        accept_arm(rc);
        return;
    }
    if (res == -EINTR || res == -ECONNABORTED || res == -EAGAIN) {
        accept_arm(rc);
        return;
    }
    accept_failed(rc, res);
}

static void on_pause_done(struct uring_ctx *rc)
{
    rc->pause_armed = 0;
    if (rc->stopping)
        return;
    if (!rc->accept_armed)
        accept_arm(rc);
}

/* ---- waking: stop and offloaded work ---- */

static void wake_arm(struct uring_ctx *rc)
{
    struct io_uring_sqe *sqe = ring_sqe(rc);
    if (sqe == NULL)
        return;
    io_uring_prep_read(sqe, rc->wake_fd, &rc->wake_value, sizeof rc->wake_value, 0);
    io_uring_sqe_set_data64(sqe, ud_make(rc, UOP_WAKE));
}

/* Drain: stop accepting (stop() has shut the listener down, which ends the accept in flight; the
 * cancel makes sure) and close the idle connections; the others close after their response. An
 * idle connection whose next request has already arrived is left to be answered. */
static void ring_stop(struct uring_ctx *rc)
{
    rc->stopping = 1;
    if (rc->accept_armed) {
        struct io_uring_sqe *sqe = ring_sqe(rc);
        if (sqe != NULL) {
            io_uring_prep_cancel64(sqe, ud_make(rc, UOP_ACCEPT), 0);
            io_uring_sqe_set_data64(sqe, ud_make(NULL, UOP_IGNORE));
        }
    }
    struct tlist_node *head = &rc->timeouts.heads[TL_IDLE];
    struct tlist_node *n = head->next;
    while (n != head) {
        struct tlist_node *next = n->next;
        struct uconn *u = node_conn(n);
        char c;
        if (recv(u->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) <= 0)
            uconn_close(u);
        n = next;
    }
}

static void on_wake(struct uring_ctx *rc)
{
    pthread_mutex_lock(&rc->done_lock);
    struct udefer *d = rc->done;
    rc->done = NULL;
    pthread_mutex_unlock(&rc->done_lock);
    while (d != NULL) {
        struct udefer *next = d->next;
        defer_resume(d);
        d = next;
    }
    if (server_stopping(rc->srv) && !rc->stopping)
        ring_stop(rc);
    wake_arm(rc);
}

/* ---- the ring's turn ---- */

static void sweep(struct uring_ctx *rc)
{
    for (int which = 0; which < TL_COUNT; which++) {
        struct tlist_node *n;
        while ((n = tlist_pop_expired(&rc->timeouts, which, rc->now)) != NULL) {
            struct uconn *u = node_conn(n);
            rc->out.len = 0;
            if (which == TL_WRITE) {
                stats_inc(&rc->shard, STAT_ERR_TIMEOUT);
            } else {
                conn_timeout(&u->conn, &rc->out);
                if (rc->out.len > 0) /* the 408: best effort, the client may not read */
                    (void)!send(u->fd, rc->out.data, rc->out.len, MSG_DONTWAIT | MSG_NOSIGNAL);
                rc->out.len = 0;
            }
            uconn_close(u);
        }
    }
}

static void dispatch(struct uring_ctx *rc, const struct io_uring_cqe *cqe)
{
    uint64_t ud = io_uring_cqe_get_data64(cqe);
    void *p = ud_ptr(ud);
    switch ((enum uop)(ud & UOP_MASK)) {
    case UOP_RECV:
        on_recv(p, cqe->res, cqe->flags);
        break;
    case UOP_SEND:
        on_send(p, cqe->res);
        break;
    case UOP_SLEEP:
        defer_resume(p);
        break;
    case UOP_ACCEPT:
        on_accept(rc, cqe->res);
        break;
    case UOP_PAUSE:
        on_pause_done(rc);
        break;
    case UOP_WAKE:
        on_wake(rc);
        break;
    case UOP_IGNORE:
        break;
    }
}

static int ring_drained(const struct uring_ctx *rc)
{
    return rc->stopping && rc->n_conns == 0 && !rc->accept_armed && !rc->pause_armed;
}

static void ring_serve(struct uring_ctx *rc)
{
    rc->now = now_ms();
    rc->next_sweep = rc->now + rc->sweep_every;
    accept_arm(rc);
    wake_arm(rc);
    if (server_stopping(rc->srv))
        ring_stop(rc);
    while (!ring_drained(rc)) {
        uint64_t wait = rc->next_sweep > rc->now ? rc->next_sweep - rc->now : 0;
        if (rc->refused.head != NULL || rc->fresh.head != NULL)
            wait = 0;
        struct __kernel_timespec ts = {(long long)(wait / 1000), (long long)(wait % 1000) * 1000000};
        struct io_uring_cqe *cqe;
        int r = io_uring_submit_and_wait_timeout(&rc->ring, &cqe, 1, &ts, NULL);
        if (r < 0 && r != -ETIME && r != -EINTR && r != -EBUSY) {
            server_log(rc->srv, "ring %d: %s", rc->index, strerror(-r));
            break;
        }
        rc->now = now_ms();
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&rc->ring, head, cqe) {
            dispatch(rc, cqe);
            seen++;
        }
        io_uring_cq_advance(&rc->ring, seen);
        if (rc->now >= rc->next_sweep) {
            sweep(rc);
            rc->next_sweep = rc->now + rc->sweep_every;
        }
        recv_queue_prepare(&rc->fresh, recv_queue_prepare(&rc->refused, rc->n_bufs));
    }
}

/* ---- setting up ---- */

/* Held while a ring's memory is mapped or unmapped. liburing maps and unmaps it with system
 * calls of its own, which ThreadSanitizer does not see: a ring opened where another thread's
 * closed ring was mapped (rings that start late and stop early, under load) looked like a race
 * with that thread's last writes to its queues. The kernel orders the unmapping before the
 * mapping; the lock shows that order to ThreadSanitizer. */
static pthread_mutex_t ring_maps = PTHREAD_MUTEX_INITIALIZER;

/* Creates the ring with the flags init found to work, and its receive buffers. */
static int ring_open(struct uring_ctx *rc, unsigned flags)
{
    struct io_uring_params p = {.flags = flags};
    pthread_mutex_lock(&ring_maps);
    int r = io_uring_queue_init_params(URING_ENTRIES, &rc->ring, &p);
    pthread_mutex_unlock(&ring_maps);
    if (r < 0)
        return r;
    rc->ring_ready = 1;
    /* calloc: the kernel fills these behind the back of memory checkers, which would otherwise
     * take received bytes for uninitialised ones */
    rc->buf_mem = calloc(rc->n_bufs, URING_BUF_SIZE);
    if (rc->buf_mem == NULL)
        return -ENOMEM;
    size_t ring_bytes = rc->n_bufs * sizeof(struct io_uring_buf);
    void *mem = NULL;
    if (posix_memalign(&mem, (size_t)sysconf(_SC_PAGESIZE), ring_bytes) != 0)
        return -ENOMEM;
    rc->bufs = mem;
    io_uring_buf_ring_init(rc->bufs);
    struct io_uring_buf_reg reg = {
        .ring_addr = (uint64_t)(uintptr_t)rc->bufs,
        .ring_entries = rc->n_bufs,
        .bgid = URING_BUF_GROUP,
    };
    if ((r = io_uring_register_buf_ring(&rc->ring, &reg, 0)) < 0)
        return r;
    for (unsigned i = 0; i < rc->n_bufs; i++)
        io_uring_buf_ring_add(rc->bufs, rc->buf_mem + (size_t)i * URING_BUF_SIZE, URING_BUF_SIZE,
                              (unsigned short)i, io_uring_buf_ring_mask(rc->n_bufs), (int)i);
    io_uring_buf_ring_advance(rc->bufs, rc->n_bufs);
    return 0;
}

static void ring_close(struct uring_ctx *rc)
{
    if (rc->ring_ready) {
        pthread_mutex_lock(&ring_maps);
        io_uring_queue_exit(&rc->ring);
        pthread_mutex_unlock(&ring_maps);
    }
    rc->ring_ready = 0;
    free(rc->bufs);
    free(rc->buf_mem);
    rc->bufs = NULL;
    rc->buf_mem = NULL;
    while (rc->send_cache != NULL) {
        struct upending *p = rc->send_cache;
        rc->send_cache = p->next_free;
        free(p);
    }
    rc->n_send_cache = 0;
}

/* The ring belongs to the thread that submits to it (IORING_SETUP_SINGLE_ISSUER), so each thread
 * creates its own. */
static void *ring_thread(void *arg)
{
    struct uring_ctx *rc = arg;
    struct uring_model *m = rc->srv->mode_state;
    int r = ring_open(rc, m->setup_flags);
    if (r < 0) {
        server_log(rc->srv, "ring %d: %s", rc->index, strerror(-r));
        ring_close(rc);
        shutdown(rc->listen_fd, SHUT_RD); /* its connections go to the other rings' listeners */
    } else {
        ring_serve(rc);
        ring_close(rc);
    }
    crew_finish(&m->crew);
    return NULL;
}

static int uring_run(struct server *srv)
{
    struct uring_model *m = srv->mode_state;
    const struct config *cfg = srv->cfg;
    for (int i = 0; i < m->n; i++) {
        struct uring_ctx *rc = &m->rings[i];
        rc->listen_fd = srv->listen_fds[i];
        rc->spare_fd = -1;
        server_spare_open(&rc->spare_fd);
        rc->sweep_every = tlists_sweep_interval(cfg);
        if (buf_reserve(&rc->out, cfg->output_limit + 4096) < 0)
            return -ENOMEM;
    }
    if (cfg->offload)
        for (int i = 0; i < URING_OFFLOAD_THREADS; i++) {
            int r = pthread_create(&m->pool.threads[i], NULL, pool_thread, &m->pool);
            if (r != 0)
                return -r;
            m->pool.n_threads++;
        }
    int started = 1;
    crew_init(&m->crew, m->n);
    for (int i = 1; i < m->n; i++) {
        int r = pthread_create(&m->rings[i].thread, NULL, ring_thread, &m->rings[i]);
        if (r != 0) {
            fprintf(stderr, "c10k-server: cannot start ring %d: %s\n", i, strerror(r));
            atomic_store(&srv->env.stopping, 1);
            srv->mode->stop(srv);
            crew_leave(&m->crew, m->n - started);
            break;
        }
        started++;
    }
    ring_thread(&m->rings[0]);
    for (int i = 1; i < started; i++)
        pthread_join(m->rings[i].thread, NULL);
    crew_destroy(&m->crew);
    pthread_mutex_lock(&m->pool.lock);
    m->pool.ending = 1;
    pthread_cond_broadcast(&m->pool.cond);
    pthread_mutex_unlock(&m->pool.lock);
    for (int i = 0; i < m->pool.n_threads; i++)
        pthread_join(m->pool.threads[i], NULL);
    m->pool.n_threads = 0;
    return 0;
}

/* Every ring thread and offload thread has been joined: no one uses the rings any more. */
static void uring_fini(struct server *srv)
{
    struct uring_model *m = srv->mode_state;
    for (int i = 0; i < m->n; i++) {
        struct uring_ctx *rc = &m->rings[i];
        stats_shard_release(&rc->shard);
        if (rc->spare_fd >= 0)
            close(rc->spare_fd);
        close(rc->wake_fd);
        pthread_mutex_destroy(&rc->done_lock);
        buf_free(&rc->out);
    }
    pthread_mutex_destroy(&m->pool.lock);
    pthread_cond_destroy(&m->pool.cond);
    free(m->rings);
    free(m);
    srv->mode_state = NULL;
}

static void uring_stop(struct server *srv)
{
    struct uring_model *m = srv->mode_state;
    uint64_t one = 1;
    server_stop_listening(srv);
    for (int i = 0; i < m->n; i++)
        while (write(m->rings[i].wake_fd, &one, sizeof one) < 0 && errno == EINTR) {
        }
}

static void uring_stats_json(struct server *srv, struct buf *out)
{
    struct uring_model *m = srv->mode_state;
    buf_append(out, ",\"rings\":[", 10);
    for (int i = 0; i < m->n; i++)
        stats_shard_json(out, "ring", i, &m->rings[i].shard);
    buf_append(out, "]", 1);
}

static int uring_listeners(const struct config *cfg)
{
    return cfg->rings;
}

/* Says in one line why io_uring cannot be used here. */
static void uring_unavailable(int err)
{
    if (err == -ENOSYS) {
        fprintf(stderr, "c10k-server: --mode uring: the kernel has no io_uring\n");
    } else if (err == -EPERM) {
        int disabled = 0;
        FILE *f = fopen("/proc/sys/kernel/io_uring_disabled", "r");
        if (f != NULL) {
            if (fscanf(f, "%d", &disabled) != 1)
                disabled = 0;
            fclose(f);
        }
        if (disabled != 0)
            fprintf(stderr, "c10k-server: --mode uring: io_uring is disabled by "
                            "kernel.io_uring_disabled=%d\n", disabled);
        else
            fprintf(stderr, "c10k-server: --mode uring: io_uring is forbidden (seccomp or a "
                            "container's policy)\n");
    } else {
        fprintf(stderr, "c10k-server: --mode uring: cannot set up io_uring: %s\n", strerror(-err));
    }
}

/* The setup flags that cut system calls and wakeups, where this kernel takes them. */
static int uring_probe_flags(unsigned *flags)
{
    static const unsigned tries[] = {
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
        IORING_SETUP_COOP_TASKRUN,
        0,
    };
    int r = -EINVAL;
    for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++) {
        struct io_uring ring;
        struct io_uring_params p = {.flags = tries[i]};
        r = io_uring_queue_init_params(4, &ring, &p);
        if (r == 0) {
            io_uring_queue_exit(&ring);
            *flags = tries[i];
            return 0;
        }
        if (r != -EINVAL)
            return r;
    }
    return r;
}

static int uring_probe_ops(void)
{
    static const struct {
        int op;
        const char *name;
    } needed[] = {
        {IORING_OP_ACCEPT, "accept"}, {IORING_OP_RECV, "recv"},
        {IORING_OP_SEND, "send"},     {IORING_OP_TIMEOUT, "timeout"},
        {IORING_OP_READ, "read"},     {IORING_OP_ASYNC_CANCEL, "cancel"},
    };
    struct io_uring_probe *probe = io_uring_get_probe();
    if (probe == NULL) {
        fprintf(stderr, "c10k-server: --mode uring: cannot probe io_uring's operations\n");
        return -ENOSYS;
    }
    int rc = 0;
    for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++)
        if (!io_uring_opcode_supported(probe, needed[i].op)) {
            fprintf(stderr, "c10k-server: --mode uring: the kernel's io_uring has no %s\n",
                    needed[i].name);
            rc = -ENOSYS;
            break;
        }
    io_uring_free_probe(probe);
    return rc;
}

static int uring_init(struct server *srv)
{
    unsigned flags = 0;
    int rc = uring_probe_flags(&flags);
    if (rc < 0) {
        uring_unavailable(rc);
        return rc;
    }
    if ((rc = uring_probe_ops()) < 0)
        return rc;
    struct uring_model *model = calloc(1, sizeof *model);
    if (model == NULL || (model->rings = calloc((size_t)srv->cfg->rings, sizeof *model->rings)) ==
                             NULL) {
        free(model);
        fprintf(stderr, "c10k-server: --mode uring: out of memory\n");
        return -ENOMEM;
    }
    srv->mode_state = model;
    model->setup_flags = flags;
    model->n = srv->cfg->rings;
    pthread_mutex_init(&model->pool.lock, NULL);
    pthread_cond_init(&model->pool.cond, NULL);
    for (int i = 0; i < model->n; i++) {
        struct uring_ctx *rc_ = &model->rings[i];
        rc_->srv = srv;
        rc_->index = i;
        rc_->listen_fd = -1;
        rc_->n_bufs = (unsigned)srv->cfg->ring_buffers;
        recv_queue_init(&rc_->refused);
        recv_queue_init(&rc_->fresh);
        tlists_init(&rc_->timeouts, srv->cfg);
        pthread_mutex_init(&rc_->done_lock, NULL);
        rc_->wake_fd = eventfd(0, EFD_CLOEXEC);
        if (rc_->wake_fd < 0) {
            rc = -errno;
            fprintf(stderr, "c10k-server: --mode uring: eventfd: %s\n", strerror(-rc));
            return rc;
        }
        stats_shard_register(&rc_->shard);
    }
    return 0;
}

const struct server_mode mode_uring = {
    .name = "uring",
    .listeners = uring_listeners,
    .init = uring_init,
    .run = uring_run,
    .stop = uring_stop,
    .stats_json = uring_stats_json,
    .fini = uring_fini,
};
