/* pool: a fixed set of worker threads. The main thread accepts into a bounded queue; each worker
 * takes a connection and serves it with blocking I/O until it closes or idles out. A full queue
 * means 503. Under keep-alive, connections beyond the worker count wait in the queue behind the
 * ones being served: the classic head-of-line behaviour, shown rather than hidden. */
#include "blocking.h"
#include "server.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct pool_worker {
    pthread_t thread;
    struct server *srv;
    struct stats_shard shard;
};

struct pool_model {
    pthread_mutex_t lock; /* guards the queue and `stopping` as the workers see it */
    pthread_cond_t nonempty;
    int *queue;           /* ring of accepted descriptors */
    int head, count, cap;
    int stopping;
    atomic_int busy;
    int n_workers;
    struct pool_worker *workers;
};

static struct pool_model pool = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .nonempty = PTHREAD_COND_INITIALIZER,
};

/* Returns the next connection, or -1 once stopping with nothing queued. */
static int pool_dequeue(void)
{
    pthread_mutex_lock(&pool.lock);
    while (pool.count == 0 && !pool.stopping)
        pthread_cond_wait(&pool.nonempty, &pool.lock);
    int fd = -1;
    if (pool.count > 0) {
        fd = pool.queue[pool.head];
        pool.head = (pool.head + 1) % pool.cap;
        pool.count--;
    }
    pthread_mutex_unlock(&pool.lock);
    return fd;
}

static int pool_enqueue(int fd)
{
    pthread_mutex_lock(&pool.lock);
    if (pool.count == pool.cap || pool.stopping) {
        pthread_mutex_unlock(&pool.lock);
        return -EAGAIN;
    }
    pool.queue[(pool.head + pool.count) % pool.cap] = fd;
    pool.count++;
    pthread_cond_signal(&pool.nonempty);
    pthread_mutex_unlock(&pool.lock);
    return 0;
}

static void *pool_worker_main(void *p)
{
    struct pool_worker *w = p;
    struct blocking_ctx ctx;
    int ok = blocking_ctx_init(&ctx) == 0;
    int fd;
    while ((fd = pool_dequeue()) >= 0) {
        atomic_fetch_add(&pool.busy, 1);
        if (ok) {
            blocking_serve(w->srv, fd, &w->shard, &ctx);
        } else {
            close(fd);
            server_release(w->srv, &w->shard);
        }
        atomic_fetch_sub(&pool.busy, 1);
    }
    blocking_ctx_free(&ctx);
    return NULL;
}

static void pool_wake_all(void)
{
    pthread_mutex_lock(&pool.lock);
    pool.stopping = 1;
    pthread_cond_broadcast(&pool.nonempty);
    pthread_mutex_unlock(&pool.lock);
}

static int pool_start_workers(struct server *srv)
{
    const struct config *cfg = srv->cfg;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    int rc = cfg->stack_size ? pthread_attr_setstacksize(&attr, cfg->stack_size) : 0;
    for (int i = 0; rc == 0 && i < cfg->threads; i++) {
        struct pool_worker *w = &pool.workers[i];
        w->srv = srv;
        stats_shard_register(&w->shard);
        rc = pthread_create(&w->thread, &attr, pool_worker_main, w);
        if (rc != 0)
            stats_shard_release(&w->shard);
        else
            pool.n_workers++;
    }
    pthread_attr_destroy(&attr);
    if (rc != 0)
        fprintf(stderr, "c10k-server: cannot start %d pool workers (%d started): %s\n",
                cfg->threads, pool.n_workers, strerror(rc));
    return -rc;
}

static void pool_join_workers(void)
{
    pool_wake_all();
    for (int i = 0; i < pool.n_workers; i++) {
        pthread_join(pool.workers[i].thread, NULL);
        stats_shard_release(&pool.workers[i].shard);
    }
}

static int pool_run(struct server *srv)
{
    const struct config *cfg = srv->cfg;
    pool.cap = cfg->queue;
    pool.queue = calloc((size_t)pool.cap, sizeof *pool.queue);
    pool.workers = calloc((size_t)cfg->threads, sizeof *pool.workers);
    if (pool.queue == NULL || pool.workers == NULL) {
        free(pool.queue);
        free(pool.workers);
        return -ENOMEM;
    }
    int rc = pool_start_workers(srv);
    if (rc == 0) {
        int fd;
        while ((fd = server_accept_blocking(srv)) >= 0) {
            if (server_admit(srv, fd, &srv->main_shard) < 0) {
                close(fd);
                continue;
            }
            if (pool_enqueue(fd) < 0) {
                server_unadmit(srv, fd, &srv->main_shard, STAT_ERR_QUEUE_FULL);
                close(fd);
            }
        }
    }
    pool_join_workers();
    free(pool.queue);
    free(pool.workers);
    return rc;
}

static void pool_stop(struct server *srv)
{
    shutdown(srv->listen_fds[0], SHUT_RD);
    blocking_wake_idle();
    pool_wake_all();
}

static void pool_stats_json(struct server *srv, struct buf *out)
{
    pthread_mutex_lock(&pool.lock);
    int depth = pool.count;
    pthread_mutex_unlock(&pool.lock);
    int busy = atomic_load(&pool.busy);
    char tmp[160];
    int n = snprintf(tmp, sizeof tmp,
                     ",\"pool\":{\"workers\":%d,\"busy\":%d,\"idle\":%d,\"queue_depth\":%d,"
                     "\"queue_capacity\":%d}",
                     srv->cfg->threads, busy, srv->cfg->threads - busy, depth, srv->cfg->queue);
    buf_append(out, tmp, (size_t)n);
}

const struct server_mode mode_pool = {
    .name = "pool",
    .run = pool_run,
    .stop = pool_stop,
    .stats_json = pool_stats_json,
};
