/* process: one process per connection, the process twin of `thread` (the inetd and CGI-era
 * server). The main process accepts and forks a child that serves the connection with the
 * blocking code the thread models share and exits when it closes. A thread of the main process
 * reaps the children. A connection for which no process can be forked (pids limit,
 * RLIMIT_NPROC, memory) is answered 503 and closed, and the server goes on. */
#include "blocking.h"
#include "procs.h"
#include "server.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The model's state, srv->mode_state: allocated by process_init, freed by process_fini. */
struct process_model {
    struct procs procs;
    pthread_t reaper;
    int spare_fd; /* the accepting thread's, see server_accept_blocking */
    double last_failure_log;
};

/* The child: serves fd, then exits. Never returns. */
static void process_child(struct server *srv, struct process_model *model, int fd)
{
    /* Only the main process accepts: were a child to hold the listener, connections could queue
     * on it after the server has gone. */
    server_close_listeners(srv);
    if (model->spare_fd >= 0)
        close(model->spare_fd);
    struct blocking_slots slots;
    struct blocking_ctx ctx;
    blocking_slots_init(&slots);
    if (blocking_ctx_init(&ctx, &slots) < 0) {
        stats_inc(srv->main_shard, STAT_ERR_IO);
        close(fd);
        _exit(1);
    }
    struct blocking_conn bc;
    blocking_conn_init(&bc, srv, fd, srv->main_shard);
    procs_serve(srv, &bc, &ctx);
    blocking_ctx_free(&ctx);
    blocking_slots_destroy(&slots);
    /* _exit: the main process's stdio buffers and exit handlers are not this process's. */
    _exit(0);
}

/* The reaping thread: each child that ends frees its connection's admission. */
static void *reaper(void *arg)
{
    struct server *srv = arg;
    struct process_model *model = srv->mode_state;
    struct procs *p = &model->procs;
    struct stats_shard *shard = &p->area->slots[PROCS_SLOT_REAPER].shard;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        while (p->live == 0 && !p->closing)
            pthread_cond_wait(&p->changed, &p->lock);
        int done = p->live == 0;
        pthread_mutex_unlock(&p->lock);
        if (done)
            return NULL;
        struct procs_ended e;
        int rc = procs_reap(p, 0, &e);
        if (rc < 0) {
            server_log(srv, "wait4: %s", strerror(-rc));
            continue;
        }
        stats_add(shard, STAT_ACTIVE, (uint64_t)-1);
        server_release(srv, shard);
        if (e.died)
            stats_inc(shard, STAT_ERR_PROCESS_DIED);
    }
}

static void fork_failed(struct server *srv, struct process_model *model, int fd, int err)
{
    stats_add(srv->main_shard, STAT_ACTIVE, (uint64_t)-1);
    server_unadmit(srv, fd, srv->main_shard, STAT_ERR_FORK);
    double now = server_now();
    if (now - model->last_failure_log >= 1.0) {
        model->last_failure_log = now;
        server_log(srv,
                   "fork: %s with %ld connection processes (limits: RLIMIT_NPROC, the cgroup's "
                   "pids.max, kernel.pid_max, memory); answering 503",
                   strerror(err), model->procs.live);
    }
}

static int process_run(struct server *srv)
{
    struct process_model *model = srv->mode_state;
    struct procs *p = &model->procs;
    int rc = server_thread_start(&model->reaper, reaper, srv);
    if (rc != 0) {
        fprintf(stderr, "c10k-server: process: cannot start the reaping thread: %s\n",
                strerror(rc));
        return -rc;
    }
    int fd;
    while ((fd = server_accept_blocking(srv, &model->spare_fd)) >= 0) {
        if (server_admit(srv, fd, srv->main_shard) < 0) {
            close(fd);
            continue;
        }
        stats_inc(srv->main_shard, STAT_ACTIVE);
        pid_t pid = procs_fork(p, srv);
        if (pid == 0)
            process_child(srv, model, fd);
        if (pid < 0)
            fork_failed(srv, model, fd, (int)-pid);
        close(fd);
    }
    procs_wait_all(p);
    pthread_mutex_lock(&p->lock);
    p->closing = 1;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
    pthread_join(model->reaper, NULL);
    return 0;
}

static void process_stop(struct server *srv)
{
    struct process_model *model = srv->mode_state;
    server_stop_listening(srv);
    procs_signal_all(&model->procs, SIGTERM);
}

static void process_stats_json(struct server *srv, struct buf *out)
{
    struct process_model *model = srv->mode_state;
    struct stats_area *a = model->procs.area; /* the shared part: this may be a child */
    char tmp[160];
    int n = snprintf(tmp, sizeof tmp,
                     ",\"processes\":{\"connection_processes\":%u,\"counter_slots\":%u,"
                     "\"counter_slots_used\":%u}",
                     procs_children(&model->procs), a->n_slots, atomic_load(&a->used));
    buf_append(out, tmp, (size_t)n);
}

static struct procs *process_procs(struct server *srv)
{
    struct process_model *model = srv->mode_state;
    return &model->procs;
}

static int process_init(struct server *srv)
{
    struct process_model *model = calloc(1, sizeof *model);
    if (model == NULL) {
        fprintf(stderr, "c10k-server: process: out of memory\n");
        return -ENOMEM;
    }
    /* One child per admitted connection, and an admission lasts until its child is reaped. */
    long children = srv->cfg->max_conns;
    int rc = procs_init(&model->procs, srv, (uint32_t)children);
    if (rc < 0) {
        free(model);
        return rc;
    }
    model->spare_fd = -1;
    srv->mode_state = model;
    return 0;
}

static void process_fini(struct server *srv)
{
    struct process_model *model = srv->mode_state;
    procs_destroy(&model->procs);
    if (model->spare_fd >= 0)
        close(model->spare_fd);
    free(model);
    srv->mode_state = NULL;
}

const struct server_mode mode_process = {
    .name = "process",
    .init = process_init,
    .run = process_run,
    .stop = process_stop,
    .stats_json = process_stats_json,
    .procs = process_procs,
    .fini = process_fini,
};
