/* prefork: --processes N single-threaded workers started up front, each accepting on the shared
 * listener and serving one connection at a time with the blocking code the thread models share
 * (Apache's prefork MPM). With keep-alive a worker stays with its connection until it closes or
 * idles out, so connections beyond N wait in the listen queue: the model's behaviour, shown as
 * it is. The main process only watches: a worker that dies is counted and replaced. */
#include "blocking.h"
#include "procfs.h"
#include "procs.h"
#include "server.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The default worker count, sized as Apache's documentation sizes MaxRequestWorkers for its
 * prefork MPM: big enough for the simultaneous requests expected (its default, 256), small
 * enough that every worker fits in the memory available (the size of a worker divided into it,
 * leaving room for the rest of the machine). */
#define PREFORK_DEFAULT_MAX_WORKERS 256
/* The size of a worker as the documentation measures it (its RSS, as top shows it), rounded up:
 * an idle worker measured 1.4 MiB RSS, of which about 70 KiB are its own and the rest pages
 * shared with the others. A worker that writes every entry of the data set holds a copy of it
 * too. */
#define PREFORK_WORKER_BYTES (2 << 20)
#define PREFORK_MEMORY_PERCENT 80 /* of MemAvailable; the rest is left to the machine */
/* Between two attempts to replace a worker when fork fails. */
#define PREFORK_RESPAWN_PAUSE_MS 100

/* The model's state, srv->mode_state: allocated by prefork_init, freed by prefork_fini. */
struct prefork_model {
    struct procs procs;
    int workers; /* N */
    int missing; /* workers that ended and could not be forked again yet */
    double last_failure_log;
};

/* A worker: accepts and serves one connection at a time until the listener is shut or a drain
 * signal comes. Never returns. */
static void prefork_worker(struct server *srv)
{
    struct stats_shard *shard = srv->main_shard; /* its own slot */
    struct blocking_slots slots;
    struct blocking_ctx ctx;
    blocking_slots_init(&slots);
    if (blocking_ctx_init(&ctx, &slots) < 0)
        _exit(1);
    int spare = -1;
    int fd;
    while ((fd = server_accept_blocking(srv, &spare)) >= 0) {
        if (server_admit(srv, fd, shard) < 0) {
            close(fd);
            continue;
        }
        stats_inc(shard, STAT_ACTIVE);
        struct blocking_conn bc;
        blocking_conn_init(&bc, srv, fd, shard);
        procs_serve(srv, &bc, &ctx);
        stats_add(shard, STAT_ACTIVE, (uint64_t)-1);
    }
    if (spare >= 0)
        close(spare);
    blocking_ctx_free(&ctx);
    blocking_slots_destroy(&slots);
    /* _exit: the main process's stdio buffers and exit handlers are not this process's. */
    _exit(0);
}

/* Forks one worker. Returns 0, or a negative errno. */
static int start_worker(struct server *srv, struct prefork_model *model)
{
    pid_t pid = procs_fork(&model->procs, srv);
    if (pid == 0)
        prefork_worker(srv);
    return pid < 0 ? (int)pid : 0;
}

static void pause_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

/* Replaces the workers that ended, unless draining. */
static void replace_workers(struct server *srv, struct prefork_model *model)
{
    while (model->missing > 0 && !server_stopping(srv)) {
        int rc = start_worker(srv, model);
        if (rc == 0) {
            model->missing--;
            continue;
        }
        double now = server_now();
        if (now - model->last_failure_log >= 1.0) {
            model->last_failure_log = now;
            server_log(srv, "fork: %s: %d of %d workers missing, trying again", strerror(-rc),
                       model->missing, model->workers);
        }
        pause_ms(PREFORK_RESPAWN_PAUSE_MS);
        return;
    }
}

static long live_workers(struct procs *p)
{
    pthread_mutex_lock(&p->lock);
    long live = p->live;
    pthread_mutex_unlock(&p->lock);
    return live;
}

/* The main thread, once the workers are up: reaps them, and replaces those that end before a
 * drain. Returns once draining and every worker has ended. */
static void supervise(struct server *srv, struct prefork_model *model)
{
    struct procs *p = &model->procs;
    for (;;) {
        if (server_stopping(srv) && live_workers(p) == 0)
            return;
        int waiting = model->missing > 0 && !server_stopping(srv);
        struct procs_ended e;
        int rc = procs_reap(p, waiting ? WNOHANG : 0, &e);
        /* A worker that exits 0 was told to drain, by the main process or by a signal sent to
         * the whole process group (a terminal's ^C), which reaches the main process too: while
         * that is not seen here yet, it is replaced, but it has not died. */
        if (rc == 0 && !server_stopping(srv)) {
            if (e.died) {
                stats_inc(srv->main_shard, STAT_ERR_PROCESS_DIED);
                server_log(srv, "worker %d %s: starting another", (int)e.pid,
                           WIFSIGNALED(e.status) ? strsignal(WTERMSIG(e.status)) : "failed");
            }
            model->missing++;
        }
        if (rc == -ECHILD && server_stopping(srv))
            return;
        replace_workers(srv, model);
    }
}

/* The workers start before the server says it listens, so that whoever waits for that line
 * finds them serving. */
static int prefork_start(struct server *srv)
{
    struct prefork_model *model = srv->mode_state;
    for (int i = 0; i < model->workers && !server_stopping(srv); i++) {
        int rc = start_worker(srv, model);
        if (rc < 0) {
            fprintf(stderr, "c10k-server: prefork: cannot start worker %d of %d: fork: %s\n", i + 1,
                    model->workers, strerror(-rc));
            server_stop_listening(srv);
            procs_signal_all(&model->procs, SIGTERM);
            procs_reap_all(&model->procs);
            return rc;
        }
    }
    return 0;
}

static int prefork_run(struct server *srv)
{
    supervise(srv, srv->mode_state);
    return 0;
}

static void prefork_stop(struct server *srv)
{
    struct prefork_model *model = srv->mode_state;
    server_stop_listening(srv); /* the listener is the workers' too: their accepts return */
    procs_signal_all(&model->procs, SIGTERM);
}

static void prefork_stats_json(struct server *srv, struct buf *out)
{
    struct prefork_model *model = srv->mode_state;
    uint64_t v[STAT_COUNT];
    procs_counters(&model->procs, v);
    char tmp[128];
    int n = snprintf(tmp, sizeof tmp, ",\"prefork\":{\"workers\":%d,\"live\":%u,\"busy\":%lld}",
                     model->workers, procs_children(&model->procs), (long long)v[STAT_ACTIVE]);
    buf_append(out, tmp, (size_t)n);
}

static struct procs *prefork_procs(struct server *srv)
{
    struct prefork_model *model = srv->mode_state;
    return &model->procs;
}

/* N when --processes is not given: see PREFORK_DEFAULT_MAX_WORKERS. */
static int default_workers(const struct config *cfg)
{
    char text[PROCFS_TEXT_MAX];
    uint64_t available_kb;
    if (procfs_read_text("/proc/meminfo", text, sizeof text) <= 0 ||
        procfs_status_field(text, "MemAvailable", &available_kb) < 0)
        return PREFORK_DEFAULT_MAX_WORKERS;
    uint64_t room = available_kb * 1024 / 100 * PREFORK_MEMORY_PERCENT;
    uint64_t fit = room / ((uint64_t)PREFORK_WORKER_BYTES + cfg->dataset_bytes);
    if (fit < 1)
        fit = 1;
    return fit < PREFORK_DEFAULT_MAX_WORKERS ? (int)fit : PREFORK_DEFAULT_MAX_WORKERS;
}

static int prefork_init(struct server *srv)
{
    struct prefork_model *model = calloc(1, sizeof *model);
    if (model == NULL) {
        fprintf(stderr, "c10k-server: prefork: out of memory\n");
        return -ENOMEM;
    }
    model->workers = srv->cfg->processes ? srv->cfg->processes : default_workers(srv->cfg);
    int rc = procs_init(&model->procs, srv, (uint32_t)model->workers);
    if (rc < 0) {
        free(model);
        return rc;
    }
    srv->mode_state = model;
    return 0;
}

static void prefork_fini(struct server *srv)
{
    struct prefork_model *model = srv->mode_state;
    procs_destroy(&model->procs);
    free(model);
    srv->mode_state = NULL;
}

const struct server_mode mode_prefork = {
    .name = "prefork",
    .init = prefork_init,
    .start = prefork_start,
    .run = prefork_run,
    .stop = prefork_stop,
    .stats_json = prefork_stats_json,
    .procs = prefork_procs,
    .fini = prefork_fini,
};
