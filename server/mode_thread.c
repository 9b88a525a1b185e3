/* thread: one pthread per connection, blocking reads and writes. The main thread accepts; a
 * connection for which no thread can be created (pids limit, threads-max, vm.max_map_count,
 * memory) is answered 503 and closed, and the server goes on. */
#include "blocking.h"
#include "server.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The model's state, srv->mode_state: allocated by thread_init, freed by thread_fini. */
struct thread_model {
    pthread_attr_t attr;
    pthread_mutex_t lock;
    pthread_cond_t all_done;
    long live; /* connection threads running, under lock */
    double last_failure_log;
    int spare_fd; /* the accepting thread's, see server_accept_blocking */
    struct blocking_slots slots;
};

struct conn_thread_arg {
    struct server *srv;
    int fd;
};

static void *conn_thread(void *p)
{
    struct conn_thread_arg arg = *(struct conn_thread_arg *)p;
    free(p);
    struct thread_model *model = arg.srv->mode_state;
    struct stats_shard shard;
    struct blocking_ctx ctx;
    stats_shard_register(&shard);
    if (blocking_ctx_init(&ctx, &model->slots) == 0) {
        struct blocking_conn bc;
        blocking_conn_init(&bc, arg.srv, arg.fd, &shard);
        blocking_serve(arg.srv, &bc, &shard, &ctx, -1);
    } else {
        stats_inc(&shard, STAT_ERR_IO);
        close(arg.fd);
        server_release(arg.srv, &shard);
    }
    blocking_ctx_free(&ctx);
    stats_shard_release(&shard);
    pthread_mutex_lock(&model->lock);
    if (--model->live == 0)
        pthread_cond_broadcast(&model->all_done);
    pthread_mutex_unlock(&model->lock);
    return NULL;
}

static int spawn(struct server *srv, struct thread_model *model, int fd)
{
    struct conn_thread_arg *arg = malloc(sizeof *arg);
    if (arg == NULL)
        return ENOMEM;
    *arg = (struct conn_thread_arg){srv, fd};
    pthread_t t;
    pthread_mutex_lock(&model->lock);
    model->live++;
    pthread_mutex_unlock(&model->lock);
    int rc = pthread_create(&t, &model->attr, conn_thread, arg);
    if (rc != 0) {
        free(arg);
        pthread_mutex_lock(&model->lock);
        model->live--;
        pthread_mutex_unlock(&model->lock);
    }
    return rc;
}

static int thread_run(struct server *srv)
{
    struct thread_model *model = srv->mode_state;
    pthread_attr_init(&model->attr);
    pthread_attr_setdetachstate(&model->attr, PTHREAD_CREATE_DETACHED);
    if (srv->cfg->stack_size) {
        int rc = pthread_attr_setstacksize(&model->attr, srv->cfg->stack_size);
        if (rc != 0) {
            fprintf(stderr, "c10k-server: --stack-size %zu: %s\n", srv->cfg->stack_size,
                    strerror(rc));
            return -rc;
        }
    }
    int fd;
    while ((fd = server_accept_blocking(srv, &model->spare_fd)) >= 0) {
        if (server_admit(srv, fd, srv->main_shard) < 0) {
            close(fd);
            continue;
        }
        int rc = spawn(srv, model, fd);
        if (rc != 0) {
            server_unadmit(srv, fd, srv->main_shard, STAT_ERR_THREAD);
            close(fd);
            double now = server_now();
            if (now - model->last_failure_log >= 1.0) {
                model->last_failure_log = now;
                server_log(srv,
                           "pthread_create: %s with %ld connection threads (limits: the cgroup's "
                           "pids.max, kernel.threads-max, vm.max_map_count, memory); answering "
                           "503",
                           strerror(rc), model->live);
            }
        }
    }
    pthread_mutex_lock(&model->lock);
    while (model->live > 0)
        pthread_cond_wait(&model->all_done, &model->lock);
    pthread_mutex_unlock(&model->lock);
    pthread_attr_destroy(&model->attr);
    return 0;
}

static void thread_stop(struct server *srv)
{
    struct thread_model *model = srv->mode_state;
    server_stop_listening(srv);
    blocking_wake_idle(&model->slots);
}

static void thread_stats_json(struct server *srv, struct buf *out)
{
    struct thread_model *model = srv->mode_state;
    pthread_mutex_lock(&model->lock);
    long live = model->live;
    pthread_mutex_unlock(&model->lock);
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, ",\"thread\":{\"connection_threads\":%ld}", live);
    buf_append(out, tmp, (size_t)n);
}

static int thread_init(struct server *srv)
{
    struct thread_model *model = calloc(1, sizeof *model);
    if (model == NULL) {
        fprintf(stderr, "c10k-server: thread: out of memory\n");
        return -ENOMEM;
    }
    pthread_mutex_init(&model->lock, NULL);
    pthread_cond_init(&model->all_done, NULL);
    model->spare_fd = -1;
    blocking_slots_init(&model->slots);
    srv->mode_state = model;
    return 0;
}

static void thread_fini(struct server *srv)
{
    struct thread_model *model = srv->mode_state;
    blocking_slots_destroy(&model->slots);
    pthread_cond_destroy(&model->all_done);
    pthread_mutex_destroy(&model->lock);
    if (model->spare_fd >= 0)
        close(model->spare_fd);
    free(model);
    srv->mode_state = NULL;
}

const struct server_mode mode_thread = {
    .name = "thread",
    .init = thread_init,
    .run = thread_run,
    .stop = thread_stop,
    .stats_json = thread_stats_json,
    .fini = thread_fini,
};
