/* loop: libuv event loops. One loop by default; --loops N runs N loops on N threads, each with its
 * own SO_REUSEPORT listener, so the kernel spreads connections across them. Everything is
 * non-blocking: /sleep is a timer, /work runs on the loop (or on libuv's thread pool with
 * --offload), and a connection whose output cannot be sent stops being read (backpressure).
 *
 * Memory per connection is kept small because idle connections are the point of this model: a
 * connection owns no buffers while idle. Reads land in one buffer per loop and responses are built
 * in one buffer per loop; only what is left over (part of a request, output the socket would not
 * take) is copied into memory the connection owns.
 *
 * Timeouts use one list per kind (keep-alive, header, body, write). A list's timeout is the same
 * for all its members, so appending at the tail keeps it sorted by deadline and a periodic sweep
 * only looks at the heads: no timer per connection. */
#include "conn.h"
#include "server.h"
#include "tlist.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#define LOOP_READ_BUFFER 65536

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LOOP_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) || defined(LOOP_TSAN)
/* libuv closes a connection's descriptor with a raw close system call, which ThreadSanitizer does
 * not see. When another thread then opens a file that gets the same number (the /proc files
 * stats_process reads for /stats), its close looks like a race with libuv's last read of the old
 * socket. The suppression is for that reader only. */
const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void)
{
    return "race:stats_process\n";
}
#endif

struct lconn;

struct loop_ctx {
    uv_loop_t loop;
    uv_poll_t listener;   /* readable when a connection is pending on listen_fd */
    uv_timer_t accept_pause; /* out of descriptors: accepting resumes when it fires */
    uv_async_t stop_async;
    uv_timer_t sweep;
    int listen_fd;
    int spare_fd;         /* see server_accept */
    uv_thread_t thread;
    struct server *srv;
    struct stats_shard shard;
    int index;
    int stopping;
    long n_conns;
    char *rbuf;
    struct buf out; /* responses are built here, then sent or copied to the connection */
    struct tlists timeouts;
};

/* Output the socket would not take yet, with its write request. */
struct lpending {
    uv_write_t req;
    struct lconn *l;
    size_t len;
    char data[];
};

struct lconn {
    uv_tcp_t tcp;
    struct conn conn;
    struct tlist_node node; /* timeout list links; deadline in uv_now() ms */
    uint8_t reading;
    uint8_t closing;
    uint8_t after_write;  /* enum conn_next to carry on with once pending output is sent */
    struct lpending *pending;
};

struct ldefer {
    union {
        uv_timer_t timer;
        uv_work_t work;
    } u;
    struct lconn *l;
    long amount;
};

/* The model's state, srv->mode_state: allocated by loop_init, freed by loop_fini. */
struct loop_model {
    struct loop_ctx *loops;
    int n;
    atomic_int ready; /* the loops are initialised: stop() and /stats may look at them */
    struct crew crew; /* the loop threads */
};

static void lconn_continue(struct lconn *l, enum conn_next next);

/* The loop a connection belongs to, from its handle (no pointer of its own: every byte of an idle
 * connection counts). */
static struct loop_ctx *lconn_ctx(const struct lconn *l)
{
    return (struct loop_ctx *)((char *)l->tcp.loop - offsetof(struct loop_ctx, loop));
}

/* ---- timeout lists ---- */

/* Puts the connection at the tail of `which`, with a fresh deadline. */
static void lconn_arm(struct lconn *l, enum tlist which)
{
    struct loop_ctx *lc = lconn_ctx(l);
    tlist_arm(&lc->timeouts, &l->node, which, uv_now(&lc->loop));
}

static struct lconn *node_conn(struct tlist_node *n)
{
    return (struct lconn *)((char *)n - offsetof(struct lconn, node));
}

/* ---- closing ---- */

/* A draining loop ends once its last connection has closed: its remaining handles close. */
static void loop_end_if_drained(struct loop_ctx *lc)
{
    if (lc->stopping && lc->n_conns == 0) {
        uv_close((uv_handle_t *)&lc->sweep, NULL);
        uv_close((uv_handle_t *)&lc->stop_async, NULL);
    }
}

static void loop_conn_gone(struct loop_ctx *lc)
{
    lc->n_conns--;
    loop_end_if_drained(lc);
}

static void on_conn_closed(uv_handle_t *h)
{
    struct lconn *l = h->data;
    struct loop_ctx *lc = lconn_ctx(l);
    conn_free(&l->conn);
    free(l->pending);
    server_release(lc->srv, &lc->shard);
    free(l);
    loop_conn_gone(lc);
}

/* A connection that was accepted but never served (refused, or accept failed). */
static void on_unserved_closed(uv_handle_t *h)
{
    struct lconn *l = h->data;
    struct loop_ctx *lc = lconn_ctx(l);
    free(l);
    loop_conn_gone(lc);
}

static void lconn_close(struct lconn *l)
{
    if (l->closing)
        return;
    l->closing = 1;
    tlist_unlink(&l->node);
    uv_close((uv_handle_t *)&l->tcp, on_conn_closed);
}

/* ---- writing ---- */

static void on_write_done(uv_write_t *req, int status)
{
    struct lpending *p = req->data;
    struct lconn *l = p->l;
    l->pending = NULL;
    free(p);
    if (l->closing)
        return;
    if (status < 0) {
        stats_inc(&lconn_ctx(l)->shard, server_send_error(-status));
        lconn_close(l);
        return;
    }
    lconn_continue(l, (enum conn_next)l->after_write);
}

/* Sends the loop's output buffer. Returns 0 when all of it went out, 1 when the rest waits in a
 * write request (the connection then stops reading), or -1 when the connection must close. */
static int lconn_flush(struct lconn *l)
{
    struct loop_ctx *lc = lconn_ctx(l);
    if (lc->out.len == 0)
        return 0;
    uv_buf_t b = uv_buf_init(lc->out.data, (unsigned)lc->out.len);
    int n = uv_try_write((uv_stream_t *)&l->tcp, &b, 1);
    if (n == (int)lc->out.len) {
        lc->out.len = 0;
        return 0;
    }
    if (n < 0 && n != UV_EAGAIN) {
        lc->out.len = 0;
        stats_inc(&lc->shard, server_send_error(-n));
        return -1;
    }
    size_t sent = n > 0 ? (size_t)n : 0;
    size_t rest = lc->out.len - sent;
    struct lpending *p = malloc(sizeof *p + rest);
    if (p == NULL) {
        lc->out.len = 0;
        stats_inc(&lc->shard, STAT_ERR_IO);
        return -1;
    }
    memcpy(p->data, lc->out.data + sent, rest);
    lc->out.len = 0;
    p->l = l;
    p->len = rest;
    p->req.data = p;
    b = uv_buf_init(p->data, (unsigned)rest);
    if (uv_write(&p->req, (uv_stream_t *)&l->tcp, &b, 1, on_write_done) < 0) {
        free(p);
        return -1;
    }
    l->pending = p;
    if (l->reading) {
        uv_read_stop((uv_stream_t *)&l->tcp);
        l->reading = 0;
    }
    lconn_arm(l, TL_WRITE);
    return 1;
}

/* ---- reading ---- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
    (void)suggested;
    struct lconn *l = h->data;
    *b = uv_buf_init(lconn_ctx(l)->rbuf, LOOP_READ_BUFFER);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
    struct lconn *l = s->data;
    struct loop_ctx *lc = lconn_ctx(l);
    if (nread > 0) {
        lc->out.len = 0;
        lconn_continue(l, conn_feed(&l->conn, b->base, (size_t)nread, &lc->out));
        return;
    }
    if (nread == 0)
        return;
    if (nread != UV_EOF && nread != UV_ECONNRESET)
        stats_inc(&lc->shard, STAT_ERR_IO);
    else
        conn_peer_closed(&l->conn);
    lconn_close(l);
}

static void lconn_read(struct lconn *l)
{
    if (!l->reading) {
        if (uv_read_start((uv_stream_t *)&l->tcp, on_alloc, on_read) < 0) {
            lconn_close(l);
            return;
        }
        l->reading = 1;
    }
    switch (conn_phase(&l->conn)) {
    case CONN_IDLE:
        if (lconn_ctx(l)->stopping) {
            lconn_close(l);
            return;
        }
        lconn_arm(l, TL_IDLE);
        break;
    case CONN_HEAD:
        if (l->node.list != TL_HEAD) /* the header deadline counts from the head's first bytes */
            lconn_arm(l, TL_HEAD);
        break;
    case CONN_BODY:
        lconn_arm(l, TL_BODY);
        break;
    }
}

/* ---- deferred requests: /sleep timers and offloaded /work ---- */

static void on_defer_closed(uv_handle_t *h)
{
    free(h->data);
}

static void defer_resume(struct ldefer *d)
{
    struct lconn *l = d->l;
    lconn_ctx(l)->out.len = 0;
    lconn_continue(l, conn_resume(&l->conn, &lconn_ctx(l)->out));
}

static void on_sleep_done(uv_timer_t *t)
{
    struct ldefer *d = t->data;
    defer_resume(d);
    uv_close((uv_handle_t *)t, on_defer_closed);
}

static void work_run(uv_work_t *w)
{
    struct ldefer *d = w->data;
    server_burn_cpu(d->amount);
}

static void work_done(uv_work_t *w, int status)
{
    (void)status;
    struct ldefer *d = w->data;
    defer_resume(d);
    free(d);
}

static void lconn_defer(struct lconn *l)
{
    struct loop_ctx *lc = lconn_ctx(l);
    if (l->reading) {
        uv_read_stop((uv_stream_t *)&l->tcp);
        l->reading = 0;
    }
    tlist_unlink(&l->node);
    struct ldefer *d = malloc(sizeof *d);
    if (d == NULL) {
        lconn_close(l);
        return;
    }
    d->l = l;
    d->amount = l->conn.defer.amount;
    if (l->conn.defer.kind == DEFER_WORK) {
        d->u.work.data = d;
        if (uv_queue_work(&lc->loop, &d->u.work, work_run, work_done) == 0)
            return;
    } else {
        uv_timer_init(&lc->loop, &d->u.timer);
        d->u.timer.data = d;
        if (uv_timer_start(&d->u.timer, on_sleep_done, (uint64_t)d->amount, 0) == 0)
            return;
        uv_close((uv_handle_t *)&d->u.timer, on_defer_closed);
        lconn_close(l);
        return;
    }
    free(d);
    lconn_close(l);
}

/* ---- the connection's driver ---- */

/* Sends what the state machine produced and does what it asked for next. */
static void lconn_continue(struct lconn *l, enum conn_next next)
{
    for (;;) {
        int flushed = lconn_flush(l);
        if (flushed < 0) {
            lconn_close(l);
            return;
        }
        if (flushed > 0) {
            l->after_write = (uint8_t)next;
            return;
        }
        switch (next) {
        case CONN_READ:
            lconn_read(l);
            return;
        case CONN_WRITE:
            next = conn_resume(&l->conn, &lconn_ctx(l)->out);
            continue;
        case CONN_DEFER:
            lconn_defer(l);
            return;
        case CONN_CLOSE:
            lconn_close(l);
            return;
        }
    }
}

static void serve_accepted(struct loop_ctx *lc, int fd)
{
    struct lconn *l = calloc(1, sizeof *l);
    if (l == NULL || uv_tcp_init(&lc->loop, &l->tcp) < 0) {
        free(l);
        stats_inc(&lc->shard, STAT_ERR_ACCEPT);
        close(fd);
        return;
    }
    if (uv_tcp_open(&l->tcp, fd) < 0) {
        stats_inc(&lc->shard, STAT_ERR_ACCEPT);
        close(fd); /* the handle did not take it */
        l->tcp.data = l;
        lc->n_conns++;
        l->closing = 1;
        uv_close((uv_handle_t *)&l->tcp, on_unserved_closed);
        return;
    }
    l->tcp.data = l;
    tlist_node_init(&l->node);
    lc->n_conns++;
    if (server_admit(lc->srv, fd, &lc->shard) < 0) {
        l->closing = 1;
        uv_close((uv_handle_t *)&l->tcp, on_unserved_closed);
        return;
    }
    conn_init(&l->conn, &lc->srv->env, &lc->shard, lc->srv->cfg->offload);
    server_tune_socket(fd);
    lconn_read(l);
}

static void on_accept_resume(uv_timer_t *t);

/* At most this many connections are taken per wakeup, so that a flood of connects cannot keep
 * the loop from the connections it already has. */
#define LOOP_ACCEPT_BATCH 64

static void on_stop(uv_async_t *a);

static void on_listener_ready(uv_poll_t *p, int status, int events)
{
    struct loop_ctx *lc = p->data;
    (void)events;
    if (server_stopping(lc->srv)) { /* the listener was shut down before the stop reached us */
        on_stop(&lc->stop_async);
        return;
    }
    if (status < 0) {
        stats_inc(&lc->shard, STAT_ERR_ACCEPT);
        return;
    }
    for (int i = 0; i < LOOP_ACCEPT_BATCH && !lc->stopping; i++) {
        int fd = server_accept(lc->listen_fd, &lc->spare_fd, &lc->shard);
        if (fd == -EAGAIN)
            return;
        if (fd < 0) {
            /* No descriptor and no spare, or ENOBUFS, ENOMEM and the like: the listener stays
             * ready, so stop watching it for a moment rather than spin. */
            if (fd != -EMFILE)
                server_log(lc->srv, "accept: %s", strerror(-fd));
            uv_poll_stop(&lc->listener);
            uv_timer_start(&lc->accept_pause, on_accept_resume, SERVER_ACCEPT_PAUSE_MS, 0);
            return;
        }
        serve_accepted(lc, fd);
    }
}

static void on_accept_resume(uv_timer_t *t)
{
    struct loop_ctx *lc = t->data;
    if (!lc->stopping)
        uv_poll_start(&lc->listener, UV_READABLE, on_listener_ready);
}

/* ---- per-loop housekeeping ---- */

static void on_sweep(uv_timer_t *t)
{
    struct loop_ctx *lc = t->data;
    uint64_t now = uv_now(&lc->loop);
    for (int which = 0; which < TL_COUNT; which++) {
        struct tlist_node *n;
        while ((n = tlist_pop_expired(&lc->timeouts, which, now)) != NULL) {
            struct lconn *l = node_conn(n);
            lc->out.len = 0;
            if (which == TL_WRITE) {
                stats_inc(&lc->shard, STAT_ERR_TIMEOUT);
            } else {
                conn_timeout(&l->conn, &lc->out);
                if (lc->out.len > 0) { /* the 408: best effort, the client may not read */
                    uv_buf_t b = uv_buf_init(lc->out.data, (unsigned)lc->out.len);
                    uv_try_write((uv_stream_t *)&l->tcp, &b, 1);
                    lc->out.len = 0;
                }
            }
            lconn_close(l);
        }
    }
}

/* Drain: stop listening and close the idle connections; the others close after their response.
 * An idle connection whose next request has already arrived is left to be answered. */
static void on_stop(uv_async_t *a)
{
    struct loop_ctx *lc = a->data;
    if (lc->stopping)
        return;
    lc->stopping = 1;
    uv_close((uv_handle_t *)&lc->listener, NULL);
    uv_close((uv_handle_t *)&lc->accept_pause, NULL); /* stop() has shut the listener down */
    struct tlist_node *head = &lc->timeouts.heads[TL_IDLE];
    struct tlist_node *n = head->next;
    while (n != head) {
        struct tlist_node *next = n->next;
        struct lconn *l = node_conn(n);
        uv_os_fd_t fd;
        char c;
        if (uv_fileno((uv_handle_t *)&l->tcp, &fd) < 0 ||
            recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) <= 0)
            lconn_close(l);
        n = next;
    }
    loop_end_if_drained(lc);
}

static int loop_ctx_init(struct loop_ctx *lc, struct server *srv, int index)
{
    const struct config *cfg = srv->cfg;
    lc->srv = srv;
    lc->index = index;
    tlists_init(&lc->timeouts, cfg);
    lc->rbuf = malloc(LOOP_READ_BUFFER);
    if (lc->rbuf == NULL || buf_reserve(&lc->out, cfg->output_limit + 4096) < 0)
        return -ENOMEM;
    int rc = uv_loop_init(&lc->loop);
    if (rc < 0)
        return rc;
    stats_shard_register(&lc->shard);
    /* The loop accepts for itself rather than through uv_listen: out of descriptors, libuv closes
     * pending connections without an answer, and once its spare descriptor is gone it calls back
     * with EMFILE in a loop that holds a core. Here the client gets a 503, as in the other
     * models, and without a spare the loop stops watching the listener for a moment. */
    lc->listen_fd = srv->listen_fds[index];
    lc->spare_fd = -1;
    server_spare_open(&lc->spare_fd);
    if ((rc = uv_poll_init(&lc->loop, &lc->listener, lc->listen_fd)) < 0 ||
        (rc = uv_timer_init(&lc->loop, &lc->accept_pause)) < 0 ||
        (rc = uv_async_init(&lc->loop, &lc->stop_async, on_stop)) < 0 ||
        (rc = uv_timer_init(&lc->loop, &lc->sweep)) < 0)
        return rc;
    lc->listener.data = lc;
    lc->accept_pause.data = lc;
    lc->stop_async.data = lc;
    lc->sweep.data = lc;
    uint64_t every = tlists_sweep_interval(cfg);
    if ((rc = uv_timer_start(&lc->sweep, on_sweep, every, every)) < 0 ||
        (rc = uv_poll_start(&lc->listener, UV_READABLE, on_listener_ready)) < 0)
        return rc;
    return 0;
}

static void loop_thread(void *arg)
{
    struct loop_ctx *lc = arg;
    uv_run(&lc->loop, UV_RUN_DEFAULT);
    crew_finish(&((struct loop_model *)lc->srv->mode_state)->crew);
}

static int loop_run(struct server *srv)
{
    struct loop_model *model = srv->mode_state;
    int n = srv->n_listen;
    model->loops = calloc((size_t)n, sizeof *model->loops);
    if (model->loops == NULL)
        return -ENOMEM;
    model->n = n;
    for (int i = 0; i < n; i++) {
        int rc = loop_ctx_init(&model->loops[i], srv, i);
        if (rc < 0) {
            fprintf(stderr, "c10k-server: loop %d: %s\n", i, uv_strerror(rc));
            return -EINVAL;
        }
    }
    atomic_store(&model->ready, 1);
    if (server_stopping(srv))
        srv->mode->stop(srv);
    int started = 1;
    crew_init(&model->crew, n);
    for (int i = 1; i < n; i++) {
        int rc = uv_thread_create(&model->loops[i].thread, loop_thread, &model->loops[i]);
        if (rc < 0) {
            fprintf(stderr, "c10k-server: cannot start loop %d: %s\n", i, uv_strerror(rc));
            srv->mode->stop(srv);
            crew_leave(&model->crew, n - started);
            break;
        }
        started++;
    }
    loop_thread(&model->loops[0]);
    for (int i = 1; i < started; i++)
        uv_thread_join(&model->loops[i].thread);
    crew_destroy(&model->crew);
    return 0;
}

static void loop_stop(struct server *srv)
{
    struct loop_model *model = srv->mode_state;
    server_stop_listening(srv);
    if (!atomic_load(&model->ready))
        return; /* loop_run sees the stop flag once the loops are ready */
    for (int i = 0; i < model->n; i++)
        uv_async_send(&model->loops[i].stop_async);
}

static void loop_stats_json(struct server *srv, struct buf *out)
{
    struct loop_model *model = srv->mode_state;
    buf_append(out, ",\"loops\":[", 10);
    for (int i = 0; atomic_load(&model->ready) && i < model->n; i++)
        stats_shard_json(out, "loop", i, &model->loops[i].shard);
    buf_append(out, "]", 1);
}

static int loop_listeners(const struct config *cfg)
{
    return cfg->loops;
}

static int loop_init(struct server *srv)
{
    struct loop_model *model = calloc(1, sizeof *model);
    if (model == NULL) {
        fprintf(stderr, "c10k-server: loop: out of memory\n");
        return -ENOMEM;
    }
    srv->mode_state = model;
    return 0;
}

/* Every loop thread has been joined, so no one reads a loop's counters any more. A loop that
 * cannot be closed (it never ran: a thread could not be started) is left to process exit. */
static void loop_fini(struct server *srv)
{
    struct loop_model *model = srv->mode_state;
    for (int i = 0; i < model->n; i++) {
        struct loop_ctx *lc = &model->loops[i];
        if (uv_loop_close(&lc->loop) < 0)
            return;
        stats_shard_release(&lc->shard);
        if (lc->spare_fd >= 0)
            close(lc->spare_fd);
        free(lc->rbuf);
        buf_free(&lc->out);
    }
    free(model->loops);
    free(model);
    srv->mode_state = NULL;
}

const struct server_mode mode_loop = {
    .name = "loop",
    .listeners = loop_listeners,
    .init = loop_init,
    .run = loop_run,
    .stop = loop_stop,
    .stats_json = loop_stats_json,
    .fini = loop_fini,
};
