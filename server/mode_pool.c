/* pool: a fixed set of worker threads serving every connection with blocking I/O. The main thread
 * accepts. A connection waiting for its next request is parked in one epoll set (one-shot), and
 * whichever worker is free when its bytes arrive takes it, serves it while its requests keep
 * coming, and parks it again: Apache's event MPM rather than its worker MPM. So thousands of
 * keep-alive connections share a few workers, and what a busy pool costs shows as latency: ready
 * connections wait in the kernel's ready list until a worker is free.
 *
 * --hold T makes a worker wait up to T on its connection before parking it; with the keep-alive
 * timeout it is the classic pool, where each worker holds one connection for as long as it stays
 * open and the others wait behind it (head-of-line blocking).
 *
 * A timer thread expires parked connections whose header, body or keep-alive timeout has passed:
 * it marks them and shuts their reading side, which wakes them in epoll, and the worker that
 * takes one answers 408 where a request was under way and closes it. */
#include "blocking.h"
#include "server.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define POOL_TICK_MS 100 /* how often the timer looks for expired connections */

enum pool_conn_state {
    PC_SERVED,  /* a worker has it */
    PC_PARKED,  /* in epoll, waiting for bytes */
    PC_EXPIRED, /* parked past its deadline: the timer shut its reading side */
    PC_DRAINED, /* parked idle when a drain began: to be closed */
};

struct pool_conn {
    struct blocking_conn bc;
    /* Held by the worker parking the connection until epoll_ctl has returned, and taken by the
     * worker that gets it from epoll next: the hand-over from one to the other, made plain to
     * the reader and to ThreadSanitizer (which does not see epoll's ordering). */
    pthread_mutex_t handoff;
    atomic_int state;           /* enum pool_conn_state */
    _Atomic int64_t deadline;   /* while parked: when its timeout ends */
    atomic_int idle;            /* while parked: no request under way */
    struct pool_conn *prev, *next; /* every open connection, under pool->lock */
};

struct pool_model;

struct pool_worker {
    pthread_t thread;
    struct server *srv;
    struct pool_model *pool;
    struct stats_shard shard;
};

/* The model's state, srv->mode_state: allocated by pool_init, freed by pool_fini. */
struct pool_model {
    pthread_mutex_t lock; /* guards the connection list, n_conns and the timer's wait */
    pthread_cond_t tick;  /* cuts the timer's wait short when a drain begins */
    struct pool_conn *conns;
    long n_conns;
    int accepting;        /* the main thread may still add connections */
    int epfd;
    int exit_fd;          /* eventfd in the epoll set: readable once the workers are to exit */
    atomic_int busy;      /* workers serving a connection */
    atomic_long parked;   /* connections waiting in epoll */
    int n_workers;
    struct pool_worker *workers;
    pthread_t timer;
    int timer_started;
    int spare_fd;         /* the accepting thread's, see server_accept_blocking */
    struct blocking_slots slots;
};

/* Under pool->lock: once no connection is left and none can come, the workers and the timer end. */
static void pool_end_if_done(struct pool_model *pool)
{
    if (pool->accepting || pool->n_conns > 0)
        return;
    uint64_t one = 1;
    if (pool->exit_fd >= 0 && write(pool->exit_fd, &one, sizeof one) < 0)
        perror("c10k-server: pool: eventfd");
    pthread_cond_broadcast(&pool->tick);
}

static void pool_link(struct pool_model *pool, struct pool_conn *pc)
{
    pthread_mutex_lock(&pool->lock);
    pc->prev = NULL;
    pc->next = pool->conns;
    if (pool->conns)
        pool->conns->prev = pc;
    pool->conns = pc;
    pool->n_conns++;
    pthread_mutex_unlock(&pool->lock);
}

/* Takes the connection off the list. Taking the lock also waits out a shutdown() the timer may be
 * making on its descriptor, so the caller may close it afterwards. */
static void pool_unlink(struct pool_model *pool, struct pool_conn *pc)
{
    pthread_mutex_lock(&pool->lock);
    if (pc->prev)
        pc->prev->next = pc->next;
    else
        pool->conns = pc->next;
    if (pc->next)
        pc->next->prev = pc->prev;
    pool->n_conns--;
    pool_end_if_done(pool);
    pthread_mutex_unlock(&pool->lock);
}

static void pool_conn_free(struct pool_conn *pc)
{
    pthread_mutex_destroy(&pc->handoff);
    free(pc);
}

/* Hands the connection to epoll until its next bytes arrive (op: EPOLL_CTL_ADD for a new one).
 * Returns 0, or -1 when epoll could not take it: the caller has it back and closes it. */
static int pool_park(struct pool_model *pool, struct pool_conn *pc, int op)
{
    atomic_store(&pc->deadline, pc->bc.deadline);
    atomic_store(&pc->idle, conn_is_idle(&pc->bc.c));
    atomic_fetch_add(&pool->parked, 1);
    pthread_mutex_lock(&pc->handoff);
    atomic_store(&pc->state, PC_PARKED);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT, .data.ptr = pc};
    if (epoll_ctl(pool->epfd, op, pc->bc.fd, &ev) == 0) {
        pthread_mutex_unlock(&pc->handoff); /* from here on, pc is another worker's */
        return 0;
    }
    int err = errno;
    atomic_store(&pc->state, PC_SERVED);
    pthread_mutex_unlock(&pc->handoff);
    atomic_fetch_sub(&pool->parked, 1);
    server_log(server_of(pc->bc.c.env),
               "epoll_ctl: %s: closing the connection (fs.epoll.max_user_watches?)", strerror(err));
    return -1;
}

/* The worker has taken pc from epoll. */
static void pool_serve(struct pool_worker *w, struct pool_conn *pc, struct blocking_ctx *ctx)
{
    struct server *srv = w->srv;
    struct pool_model *pool = w->pool;
    atomic_fetch_sub(&pool->parked, 1);
    pthread_mutex_lock(&pc->handoff);
    int st = atomic_exchange(&pc->state, PC_SERVED);
    pthread_mutex_unlock(&pc->handoff);
    if (st == PC_PARKED) {
        if (blocking_serve(srv, &pc->bc, &w->shard, ctx, srv->cfg->hold_ms) == BLOCKING_CLOSED) {
            pool_unlink(pool, pc);
            pool_conn_free(pc);
            return;
        }
        if (pool_park(pool, pc, EPOLL_CTL_MOD) == 0)
            return;
        stats_inc(&w->shard, STAT_ERR_IO);
    }
    pool_unlink(pool, pc);
    if (st == PC_EXPIRED)
        blocking_expire(srv, &pc->bc, &w->shard, ctx);
    else
        blocking_close(srv, &pc->bc, &w->shard);
    pool_conn_free(pc);
}

static void *pool_worker_main(void *p)
{
    struct pool_worker *w = p;
    struct pool_model *pool = w->pool;
    struct blocking_ctx ctx;
    if (blocking_ctx_init(&ctx, &pool->slots) < 0) {
        fprintf(stderr, "c10k-server: pool worker: out of memory\n");
        return NULL;
    }
    for (;;) {
        struct epoll_event ev;
        int n = epoll_wait(pool->epfd, &ev, 1, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            perror("c10k-server: pool: epoll_wait");
            break;
        }
        if (n == 0)
            continue;
        if (ev.data.ptr == NULL) /* exit_fd */
            break;
        atomic_fetch_add(&pool->busy, 1);
        pool_serve(w, ev.data.ptr, &ctx);
        atomic_fetch_sub(&pool->busy, 1);
    }
    blocking_ctx_free(&ctx);
    return NULL;
}

/* Every POOL_TICK_MS: parked connections past their deadline are marked expired, and while
 * draining the idle ones are marked drained; shutting their reading side wakes them in epoll. */
static void *pool_timer_main(void *p)
{
    struct server *srv = p;
    struct pool_model *pool = srv->mode_state;
    pthread_mutex_lock(&pool->lock);
    while (pool->accepting || pool->n_conns > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += POOL_TICK_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&pool->tick, &pool->lock, &ts);
        int draining = server_stopping(srv);
        int64_t now = blocking_now_ms();
        for (struct pool_conn *pc = pool->conns; pc; pc = pc->next) {
            if (atomic_load(&pc->state) != PC_PARKED)
                continue;
            int to;
            if (draining && atomic_load(&pc->idle))
                to = PC_DRAINED;
            else if (now >= atomic_load(&pc->deadline))
                to = PC_EXPIRED;
            else
                continue;
            int expected = PC_PARKED;
            if (atomic_compare_exchange_strong(&pc->state, &expected, to))
                shutdown(pc->bc.fd, SHUT_RD);
        }
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

static int pool_start(struct server *srv, struct pool_model *pool)
{
    const struct config *cfg = srv->cfg;
    pool->accepting = 1;
    pool->epfd = epoll_create1(EPOLL_CLOEXEC);
    pool->exit_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    pool->workers = calloc((size_t)cfg->threads, sizeof *pool->workers);
    if (pool->epfd < 0 || pool->exit_fd < 0 || pool->workers == NULL)
        return pool->workers == NULL ? -ENOMEM : -errno;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (epoll_ctl(pool->epfd, EPOLL_CTL_ADD, pool->exit_fd, &ev) < 0)
        return -errno;

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    int rc = cfg->stack_size ? pthread_attr_setstacksize(&attr, cfg->stack_size) : 0;
    for (int i = 0; rc == 0 && i < cfg->threads; i++) {
        struct pool_worker *w = &pool->workers[i];
        w->srv = srv;
        w->pool = pool;
        stats_shard_register(&w->shard);
        rc = pthread_create(&w->thread, &attr, pool_worker_main, w);
        if (rc != 0)
            stats_shard_release(&w->shard);
        else
            pool->n_workers++;
    }
    if (rc == 0) {
        rc = pthread_create(&pool->timer, &attr, pool_timer_main, srv);
        pool->timer_started = rc == 0;
    }
    pthread_attr_destroy(&attr);
    if (rc != 0)
        fprintf(stderr, "c10k-server: cannot start %d pool workers and a timer (%d started): %s\n",
                cfg->threads, pool->n_workers, strerror(rc));
    return -rc;
}

/* Admits and parks one accepted connection. */
static void pool_add(struct server *srv, struct pool_model *pool, int fd)
{
    if (server_admit(srv, fd, srv->main_shard) < 0) {
        close(fd);
        return;
    }
    struct pool_conn *pc = malloc(sizeof *pc);
    if (pc == NULL) {
        server_unadmit(srv, fd, srv->main_shard, STAT_ERR_IO);
        close(fd);
        return;
    }
    pthread_mutex_init(&pc->handoff, NULL);
    blocking_conn_init(&pc->bc, srv, fd, srv->main_shard);
    pc->bc.deadline = blocking_now_ms() + srv->cfg->keepalive_timeout_ms;
    atomic_init(&pc->state, PC_SERVED);
    atomic_init(&pc->deadline, 0);
    atomic_init(&pc->idle, 1);
    pool_link(pool, pc);
    if (pool_park(pool, pc, EPOLL_CTL_ADD) < 0) {
        stats_inc(srv->main_shard, STAT_ERR_IO);
        pool_unlink(pool, pc);
        blocking_close(srv, &pc->bc, srv->main_shard);
        pool_conn_free(pc);
    }
}

static int pool_run(struct server *srv)
{
    struct pool_model *pool = srv->mode_state;
    int rc = pool_start(srv, pool);
    if (rc == 0) {
        int fd;
        while ((fd = server_accept_blocking(srv, &pool->spare_fd)) >= 0)
            pool_add(srv, pool, fd);
    }
    pthread_mutex_lock(&pool->lock);
    pool->accepting = 0;
    pool_end_if_done(pool); /* now, or when the last connection closes */
    pthread_mutex_unlock(&pool->lock);
    for (int i = 0; i < pool->n_workers; i++) {
        pthread_join(pool->workers[i].thread, NULL);
        stats_shard_release(&pool->workers[i].shard);
    }
    if (pool->timer_started)
        pthread_join(pool->timer, NULL);
    return rc;
}

static void pool_stop(struct server *srv)
{
    struct pool_model *pool = srv->mode_state;
    server_stop_listening(srv);
    blocking_wake_idle(&pool->slots);
    pthread_mutex_lock(&pool->lock);
    pthread_cond_broadcast(&pool->tick);
    pthread_mutex_unlock(&pool->lock);
}

static void pool_stats_json(struct server *srv, struct buf *out)
{
    struct pool_model *pool = srv->mode_state;
    int busy = atomic_load(&pool->busy);
    char tmp[160];
    int n = snprintf(tmp, sizeof tmp,
                     ",\"pool\":{\"workers\":%d,\"busy\":%d,\"idle\":%d,\"parked\":%ld,"
                     "\"hold_ms\":%d}",
                     srv->cfg->threads, busy, srv->cfg->threads - busy, atomic_load(&pool->parked),
                     srv->cfg->hold_ms);
    buf_append(out, tmp, (size_t)n);
}

static int pool_init(struct server *srv)
{
    struct pool_model *pool = calloc(1, sizeof *pool);
    if (pool == NULL) {
        fprintf(stderr, "c10k-server: pool: out of memory\n");
        return -ENOMEM;
    }
    pthread_mutex_init(&pool->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&pool->tick, &ca);
    pthread_condattr_destroy(&ca);
    pool->epfd = -1;
    pool->exit_fd = -1;
    pool->spare_fd = -1;
    blocking_slots_init(&pool->slots);
    srv->mode_state = pool;
    return 0;
}

/* The workers and the timer have been joined; every connection is closed. */
static void pool_fini(struct server *srv)
{
    struct pool_model *pool = srv->mode_state;
    free(pool->workers);
    if (pool->epfd >= 0)
        close(pool->epfd);
    if (pool->exit_fd >= 0)
        close(pool->exit_fd);
    if (pool->spare_fd >= 0)
        close(pool->spare_fd);
    blocking_slots_destroy(&pool->slots);
    pthread_cond_destroy(&pool->tick);
    pthread_mutex_destroy(&pool->lock);
    free(pool);
    srv->mode_state = NULL;
}

const struct server_mode mode_pool = {
    .name = "pool",
    .init = pool_init,
    .run = pool_run,
    .stop = pool_stop,
    .stats_json = pool_stats_json,
    .fini = pool_fini,
};
