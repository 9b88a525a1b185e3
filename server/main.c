/* c10k-server: parses the options, opens the listeners, runs the chosen concurrency model and
 * handles SIGINT/SIGTERM: the first stops accepting and drains (requests in flight are answered,
 * idle connections closed) within --drain-timeout; a second exits at once. */
#include "config.h"
#include "router.h"
#include "server.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* The model table: a model is its file and one line here. */
static const struct server_mode *const modes[] = {
    &mode_thread, &mode_pool, &mode_loop, &mode_uring, &mode_process, &mode_prefork,
};
#define N_MODES (sizeof modes / sizeof modes[0])

/* The models' names, in the table's order, for --mode. */
static const char *const *mode_names(void)
{
    static const char *names[N_MODES + 1];
    for (size_t i = 0; i < N_MODES; i++)
        names[i] = modes[i]->name;
    return names;
}

static struct server server;

/* stop() is called from the signal thread and the model's state is freed by main once run() has
 * returned: the lock keeps the two apart. */
static pthread_mutex_t stop_lock = PTHREAD_MUTEX_INITIALIZER;
static int finished; /* run() has returned: no stop() any more; under stop_lock */

/* Lets the process use every descriptor its hard limit allows. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static void *signal_thread(void *arg)
{
    sigset_t *set = arg;
    int sig;
    if (sigwait(set, &sig) != 0)
        return NULL;
    server_log(&server, "%s: draining (up to %d ms)", strsignal(sig), server.cfg->drain_timeout_ms);
    pthread_mutex_lock(&stop_lock);
    if (!finished) {
        atomic_store(&server.env.stopping, 1);
        server.mode->stop(&server);
    }
    pthread_mutex_unlock(&stop_lock);

    int ms = server.cfg->drain_timeout_ms;
    struct timespec timeout = {ms / 1000, (ms % 1000) * 1000000L};
    siginfo_t info;
    int rc;
    /* EINTR is not the end of the drain: a debugger or ASan's leak check at exit interrupts. */
    while ((rc = sigtimedwait(set, &info, &timeout)) < 0 && errno == EINTR) {
    }
    if (rc >= 0) {
        server_log(&server, "second signal: exiting now");
        _exit(1);
    }
    server_log(&server, "drain timeout: %ld connections still open, exiting",
               atomic_load(&server.active));
    _exit(1);
}

int main(int argc, char **argv)
{
    struct config cfg;
    raise_fd_limit();
    int rc = config_parse(&cfg, argc, argv, mode_names());
    if (rc != 0)
        return rc > 0 ? 0 : 2;

    server_init(&server, &cfg, modes[cfg.mode]);
    rc = router_init(&cfg);
    if (rc < 0)
        server_log(&server, "/dashboard has no chart library: %s: %s (install libjs-chart.js)",
                   cfg.chartjs, strerror(-rc));
    stats_shard_register(server.main_shard);
    /* Before the model starts: the process models fork with the table already built. */
    if ((rc = dataset_init(&server.dataset, cfg.dataset_bytes)) < 0) {
        fprintf(stderr, "c10k-server: --dataset %zu: %s\n", cfg.dataset_bytes, strerror(-rc));
        return 2;
    }

    /* Every thread inherits this mask; only the signal thread takes the signals. */
    static sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    if ((rc = server.mode->init(&server)) < 0)
        return 2; /* the model said why */
    rc = server_listen(&server, server.mode->listeners ? server.mode->listeners(&cfg) : 1);
    if (rc < 0) {
        fprintf(stderr, "c10k-server: cannot listen on %s:%d: %s\n", cfg.host, cfg.port,
                strerror(-rc));
        return 1;
    }
    pthread_t sig_thread;
    rc = server_thread_start(&sig_thread, signal_thread, &set);
    if (rc != 0) {
        fprintf(stderr, "c10k-server: cannot start the signal thread: %s\n", strerror(rc));
        return 1;
    }
    if (server.mode->start && server.mode->start(&server) < 0)
        return 1; /* the model said why */
    printf("listening on %s:%d mode=%s\n", server.host, server.port, server.mode->name);
    fflush(stdout);

    rc = server.mode->run(&server);
    pthread_mutex_lock(&stop_lock);
    finished = 1;
    pthread_mutex_unlock(&stop_lock);
    if (rc < 0) {
        fprintf(stderr, "c10k-server: mode %s failed: %s\n", server.mode->name, strerror(-rc));
        return 1;
    }
    server_close_listeners(&server);
    if (server.mode->fini)
        server.mode->fini(&server);
    dataset_free(&server.dataset);
    server_log(&server, "drained, exiting");
    return 0;
}
