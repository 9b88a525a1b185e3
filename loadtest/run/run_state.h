/* What one run holds while it runs, shared by run.c (the lifecycle: start the server, sample it,
 * drive the load generator, stop everything) and peers.c (how each kind of server starts and
 * tells its counters). Private to c10k-bench: the public interface is run.h. */
#ifndef C10K_BENCH_RUN_STATE_H
#define C10K_BENCH_RUN_STATE_H

#include "cgmem.h"
#include "placement.h"
#include "proc.h"
#include "run.h"
#include "sample.h"
#include "schedprof.h"
#include "summarise.h"
#include "wrap.h"

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#define SERVER_READY_MS 5000
#define STATS_TIMEOUT_MS 3000
#define STOP_GRACE_MS 5000
/* A server under valgrind starts and stops tens of times slower; under perf or strace it is
 * stopped first and the wrapper then writes its counts and exits. */
#define WRAPPED_READY_MS 60000
#define WRAPPED_STOP_MS 30000
#define CLIENT_SLACK_S 20.0
#define TICK_MS 200
#define LOG_TAIL_BYTES 1200
#define SAMPLE_INTERVAL_S 1.0
#define HOST "127.0.0.1"
/* The idle threads' own counters are read this long after the measured window opens and
 * before it closes (the busy connections go on meanwhile; the idle ones stay silent). */
#define IDLE_TASKS_MARGIN_S 0.5
/* After a warm-up client exits, the server may still answer what it had received. */
#define SETTLE_MS 200
/* After the load, a busy pool answers the requests ready before it gets to /stats. */
#define STATS_AFTER_TIMEOUT_MS 20000
/* Connection tracking: before a run, wait (at most CONNTRACK_WAIT_MAX_S) until the connections
 * it may open fit in this share of the table (its entries leave TIME_WAIT after 120 s). */
#define CONNTRACK_ROOM 0.9
#define CONNTRACK_WAIT_MAX_S 150.0

/* Everything one run holds while it runs. */
struct run_state {
    struct bench_ctx *ctx;
    const struct run_spec *r;
    struct run_spec spec; /* r with the tool actually used */
    struct run_record *rec;
    struct proc server, client, warm;
    pid_t pid;             /* the server itself: server.pid, or the wrapper's child */
    enum wrap_kind wrap;   /* the wrapper actually used (WRAP_NONE: none) */
    const char *wrap_path; /* its program */
    char wrap_out[1024];   /* its output file (callgrind: the prefix of one per process) */
    int port;
    /* The requests for the server's status page it has answered: a peer counts them among its
     * requests, and its counters take them out. */
    long long status_reads;
    double t_start;        /* when run_execute began */
    double t_client_start; /* the load generator started */
    struct sampler sampler;
    struct cgmem_group cg; /* the server's own memory cgroup (version 0: none) */
    struct run_raw raw;    /* what the summary is made of */
    /* The scheduler's share of the server's CPU over the window (scale runs, with perf), its
     * samples from t_sched_from on (0: not known yet). */
    int want_sched;
    double t_sched_from;
    struct schedprof sched;
    json_t *sched_result;
    /* Where its threads ran, read every tick of the window (scenarios with .placement). */
    struct placement *placement;
    char server_out[1024], server_err[1024], client_out[1024], client_err[1024];
    char client_json[1024], warm_out[1024];
    int interrupted;
};

/* The last max bytes of a log file as text, or NULL when there is none (malloc'd). */
char *run_log_tail(const char *path, size_t max);

/* peers.c: starts the run's server in its kind's way (its configuration written where it needs
 * one), with o's CPUs, cgroup and output files, and waits until it listens: sets st->port and
 * st->server. Returns 0, or -1 after setting the run's status. */
int peer_start(struct run_state *st, struct proc_opts *o, int ready_ms);
/* Why the run's server cannot start here (its program is not installed), or NULL. */
const char *peer_unavailable(const struct bench_ctx *ctx, const struct bench_server *srv);
/* The path of the server's status page (its request counter). */
const char *peer_status_path(const struct bench_server *srv);
/* Reads the request counter and context switches from the status page's body (and the sample
 * smp of the process, for a server that does not count its own switches) into s: the requests
 * it served, those for its status page left out (status_reads: how many it answered before this
 * one). Returns 0 or a negative errno with s->error set. */
int peer_read_counters(const struct bench_server *srv, const char *body, const struct sample *smp,
                       long long status_reads, struct snapshot *s);
/* The serving process: the server itself, or nginx's worker (the master's first child). */
pid_t peer_serving_pid(const struct run_state *st);
/* The server's argv under the run's wrapper (the wrapper's argv, then argv) in out, of max
 * entries, with the strings in store; recorded in the run's wrapper fields. */
char **peer_wrapped_argv(struct run_state *st, char **argv, char **out, size_t max, char *store,
                         size_t store_len);

#endif
