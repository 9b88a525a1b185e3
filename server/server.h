/* The server as the concurrency models see it: its configuration, listeners, counters and the
 * one small interface every model implements. */
#ifndef C10K_SERVER_H
#define C10K_SERVER_H

#include "config.h"
#include "conn.h"
#include "dataset.h"
#include "http.h"
#include "stats.h"

#include <pthread.h>
#include <stdatomic.h>

struct buf;
struct procs;
struct server;

/* A concurrency model: one file each (mode_thread.c, mode_pool.c, mode_loop.c, mode_uring.c,
 * mode_process.c, mode_prefork.c), and one line of the model table in main.c. */
struct server_mode {
    const char *name;
    /* How many listeners the model serves, one per event loop (SO_REUSEPORT); NULL: one. */
    int (*listeners)(const struct config *cfg);
    /* Prepares the model before the listeners open: allocates its state and keeps it in
     * srv->mode_state. Returns 0, or a negative errno after printing one line that says why the
     * model cannot run here (the server then exits with status 2). */
    int (*init)(struct server *srv);
    /* Optional: starts, once the listeners are open, what must be running before the server
     * says it listens (prefork's workers). Returns 0, or a negative errno after printing why. */
    int (*start)(struct server *srv);
    /* Serves until a stop has been asked for and the connections have drained. Returns 0, or a
     * negative errno when the model could not start. */
    int (*run)(struct server *srv);
    /* Asks run() to stop accepting and drain; called once, from the signal thread. */
    void (*stop)(struct server *srv);
    /* Appends the model's own section of /stats (a JSON member, with its leading comma). */
    void (*stats_json)(struct server *srv, struct buf *out);
    /* A model of several processes: their counters and costs, which /stats and /metrics sum
     * (procs.h). NULL for a model of one process. */
    struct procs *(*procs)(struct server *srv);
    /* Frees srv->mode_state. Called once run() has returned 0 and stop() can no longer be
     * called nor be running, so nothing else touches the state. */
    void (*fini)(struct server *srv);
};

extern const struct server_mode mode_thread;
extern const struct server_mode mode_pool;
extern const struct server_mode mode_loop;
extern const struct server_mode mode_uring;
extern const struct server_mode mode_process;
extern const struct server_mode mode_prefork;

#define SERVER_MAX_LISTENERS 256

struct server {
    struct conn_env env;         /* what connections see of the server: first, see server_of */
    const struct config *cfg;    /* the same as env.cfg */
    const struct server_mode *mode;
    int listen_fds[SERVER_MAX_LISTENERS]; /* one, or one per loop with SO_REUSEPORT */
    int n_listen;
    char host[64];
    int port;                    /* the bound port */
    double start_time;           /* CLOCK_MONOTONIC seconds */
    atomic_long active;          /* open connections, for --max-conns */
    /* The accepting thread's counters: own_shard, or a process model's slot of shared memory. */
    struct stats_shard *main_shard;
    struct stats_shard own_shard;
    struct dataset dataset;      /* built before the model starts; env.dataset points here */
    void *mode_state;            /* the model's own, from its init hook */
};

/* Fills in a server that runs `mode` with cfg, before its listeners open: its connections'
 * environment (env.report renders /stats and /metrics with server_report) and start time. */
void server_init(struct server *srv, const struct config *cfg, const struct server_mode *mode);

/* The server whose connections' environment is env. */
static inline struct server *server_of(const struct conn_env *env)
{
    return (struct server *)env; /* env is its first member */
}

/* Whether a stop has been asked for. */
static inline int server_stopping(const struct server *srv)
{
    return atomic_load(&srv->env.stopping);
}

/* Renders /stats (ROUTE_STATS: JSON) or /metrics (ROUTE_METRICS: Prometheus text) of the server
 * env belongs to, from the counter table STATS_COUNTERS. Returns 0 or -ENOMEM. */
int server_report(const struct conn_env *env, enum route route, struct buf *out);

/* Creates n listeners on cfg->host:cfg->port (SO_REUSEPORT when n > 1; the first one's port
 * decides the others' when the port is 0). Returns 0 or a negative errno. */
int server_listen(struct server *srv, int n);

/* Drain begins: every listener stops listening at once, from the thread that calls stop(), so
 * that no model serves a connection made after the signal. Connections still queued are reset,
 * new ones refused, and a blocked or queued accept on them fails. The descriptors stay open until
 * server_close_listeners, so that no model can close one under another thread. */
void server_stop_listening(struct server *srv);
void server_close_listeners(struct server *srv);

/* The event models' threads end together: each one, drained, waits in crew_finish until the
 * others are too, and only then returns to be joined. The drain timeout ends the process from
 * the signal thread at any moment; this way no thread has ended unjoined while another drains. */
struct crew {
    pthread_mutex_t lock;
    pthread_cond_t all_done;
    int left;
};
void crew_init(struct crew *c, int n);
void crew_leave(struct crew *c, int n); /* n members that never started */
void crew_finish(struct crew *c);
void crew_destroy(struct crew *c);

/* pthread_create for a thread that lives beside fork() (the signal thread, process's reaper):
 * returns once the new thread runs its own code, so that no fork comes while it is still
 * starting. A thread's start-up allocates, and a child forked while another thread holds an
 * allocator's lock inherits it held and hangs at its first allocation there: ASan's allocator
 * (GCC 12) takes no lock around fork, as glibc's does. Returns 0 or an errno, as pthread_create. */
int server_thread_start(pthread_t *t, void *(*fn)(void *), void *arg);

/* Counts an accepted connection against --max-conns. Returns 0 when it may be served, or
 * -EBUSY after answering it 503 (counted in `shard`); the caller then closes it. */
int server_admit(struct server *srv, int fd, struct stats_shard *shard);
/* Takes back an admission when the connection cannot be served after all (no thread, no
 * memory): answers 503 and counts it rejected under `why`; the caller then closes it. */
void server_unadmit(struct server *srv, int fd, struct stats_shard *shard, enum stat_id why);
/* Answers 503 on fd and shuts its sending side, counting the rejection under `why`. */
void server_reject(int fd, struct stats_shard *shard, enum stat_id why);
/* The counter for a failed send of a response, from its errno (libuv's codes are -errno): the
 * client left (EPIPE, ECONNRESET), the write timed out (EAGAIN) or an I/O error. */
enum stat_id server_send_error(int err);
/* The connection admitted by server_admit has closed. */
void server_release(struct server *srv, struct stats_shard *shard);

/* Blocking accept for the thread models, from the accepting thread: returns a connected, blocking
 * descriptor, or -1 once the listener has been shut down. Handles EINTR, ECONNABORTED and EMFILE
 * (the caller's spare descriptor *spare, see server_spare_open, is given up to accept and close
 * the pending connection, so that accept never spins). */
int server_accept_blocking(struct server *srv, int *spare);

/* How long an accept loop waits when it is out of descriptors and has no spare to turn the
 * pending connection away with: it stops accepting rather than spin. */
#define SERVER_ACCEPT_PAUSE_MS 50

/* Opens *spare (a descriptor kept for accepting when there are none left) if it is not open.
 * Returns it, or -1. */
int server_spare_open(int *spare);
/* Non-blocking accept for the event models, on the non-blocking listener lfd with the caller's
 * own spare descriptor. Returns a connected, non-blocking descriptor; -EAGAIN when none is
 * pending; -EMFILE when out of descriptors with no spare to turn the pending connection away
 * with (the caller stops watching lfd for SERVER_ACCEPT_PAUSE_MS); or another negative errno.
 * Out of descriptors with a spare, the pending connection is answered 503 and counted under
 * errors.emfile, as in the thread models. */
int server_accept(int lfd, int *spare, struct stats_shard *shard);

/* Sets the per-connection socket options every model uses (TCP_NODELAY). */
void server_tune_socket(int fd);

double server_now(void);
void server_log(const struct server *srv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Runs /work: burns about `us` microseconds of this thread's CPU time. */
void server_burn_cpu(long us);

#endif
