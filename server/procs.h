/* What the process models (mode_process.c, mode_prefork.c) share: the counters in shared memory
 * and who owns each slot, forking a serving process, its side of the fork (the parent-death
 * signal, its slot, the signal that drains it), reaping, and what the processes cost together. */
#ifndef C10K_PROCS_H
#define C10K_PROCS_H

#include "stats.h"

#include <pthread.h>
#include <sys/types.h>

struct blocking_conn;
struct blocking_ctx;
struct server;

/* The main process's slots: its accepting or forking thread's, and its reaping thread's (in
 * prefork one thread does both and the second stays empty). */
#define PROCS_SLOT_MAIN 0
#define PROCS_SLOT_REAPER 1
#define PROCS_MAIN_SLOTS 2

/* The processes of a process model. The main process's threads share it under `lock`; a child
 * has a copy of it as it was at the fork, and uses only `area`, the shared part. */
struct procs {
    struct stats_area *area;
    pthread_mutex_t lock;   /* the free slots and `live` */
    pthread_cond_t changed; /* live went down, or the reaper is to end */
    uint32_t *free_slots;   /* children's slots not in use */
    uint32_t n_free;
    long live;   /* children forked and not yet reaped */
    int closing; /* no more children: the reaper ends once live is 0 */
    pid_t main_pid;
};

/* Maps the counters for `children` children besides the main process's slots and points the
 * server's main shard at the main slot. Returns 0 or a negative errno (printed). */
int procs_init(struct procs *p, struct server *srv, uint32_t children);
void procs_destroy(struct procs *p);

/* Forks a serving process, from the main thread only (the parent-death signal follows the
 * thread that forked). In the child: returns 0 with the parent-death signal set, the server's
 * main shard pointed at its own slot and the drain signals (SIGTERM, SIGINT) handled. In the
 * parent: the child's pid, or a negative errno (no slot free: -EAGAIN). The fork happens under
 * p->lock, so that procs_signal_all either reaches the child or the child inherits the stop. */
pid_t procs_fork(struct procs *p, struct server *srv);

/* Serves bc in a child until it closes, waking it when a drain signal comes while it waits for
 * a next request. */
void procs_serve(struct server *srv, struct blocking_conn *bc, struct blocking_ctx *ctx);

/* Sends sig to every child. */
void procs_signal_all(struct procs *p, int sig);

/* What became of a reaped child. */
struct procs_ended {
    pid_t pid;
    int status; /* from wait */
    int died;   /* it ended by a signal or a non-zero status */
};
/* Waits for a child to end (blocking: 0; WNOHANG: 0 or -EAGAIN), then folds its counters into
 * the ended totals and frees its slot. -ECHILD when there is none. */
int procs_reap(struct procs *p, int options, struct procs_ended *out);

/* Waits until no child is left (another thread reaps them). */
void procs_wait_all(struct procs *p);
/* Reaps every child, waiting for each. */
void procs_reap_all(struct procs *p);

/* The children running now, from the shared slots (so right in any process). */
uint32_t procs_children(struct procs *p);
/* The counters of every process, STAT_ACTIVE included. */
void procs_counters(struct procs *p, uint64_t v[STAT_COUNT]);
/* What the processes cost: each live one's /proc figures summed, with the CPU time and switches
 * of those that ended. */
void procs_process_stats(struct procs *p, struct process_stats *out);

#endif
