/* What one run holds while it runs, shared by the files that make up a run: run.c (the
 * lifecycle: start the server, sample it, drive the load generator, stop everything),
 * run_analysis.c (what the samples and counters say: memory per connection, saturation, the
 * verdict) and run_nginx.c (the nginx baseline's configuration and status page). Private to
 * c10k-bench: the public interface is run.h. */
#ifndef C10K_BENCH_RUN_STATE_H
#define C10K_BENCH_RUN_STATE_H

#include "cgmem.h"
#include "proc.h"
#include "run.h"
#include "sample.h"
#include "schedprof.h"
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
/* Client errors below this share of the requests still leave a run "ok" (a handful of
 * connections reset when a run stops are not a result). */
#define ERROR_SHARE_OK 0.001
/* Client and server counts may differ by this share besides the requests in flight. */
#define CROSSCHECK_SHARE 0.02
/* Below this many connections, the memory per connection is mostly noise (machine-wide
 * kernel counters move by more than a few connections cost). */
#define PER_CONNECTION_MIN 100
/* A server holding fewer than this share of the run's connections at its peak left the rest
 * in the listen queue. */
#define HELD_SHARE 0.9
/* A CPU busy this share of the time or more was saturated: the server's decides whether a
 * throughput figure measured the server, the load generator's whether it limited the load. */
#define SATURATED_SHARE 0.90
/* The idle threads' own counters are read this long after the measured window opens and
 * before it closes (the busy connections go on meanwhile; the idle ones stay silent). */
#define IDLE_TASKS_MARGIN_S 0.5
/* After a warm-up client exits, the server may still answer what it had received. */
#define SETTLE_MS 200
/* After the load, a busy pool answers the requests ready before it gets to /stats. */
#define STATS_AFTER_TIMEOUT_MS 20000
/* Connection tracking: before a run, wait (at most CONNTRACK_WAIT_MAX_S) until the connections
 * it may open fit in this share of the table (its entries leave TIME_WAIT after 120 s); a table
 * fuller than CONNTRACK_FULL during a run dropped connections. */
#define CONNTRACK_ROOM 0.9
#define CONNTRACK_WAIT_MAX_S 150.0
#define CONNTRACK_FULL 0.97
#define CONNTRACK_HOW                                                                              \
    "raise net.netfilter.nf_conntrack_max (sysctl -w net.netfilter.nf_conntrack_max=1048576), "    \
    "or do not track loopback (iptables -t raw -I OUTPUT -o lo -j NOTRACK; iptables -t raw -I "    \
    "PREROUTING -i lo -j NOTRACK)"

/* What the server said about itself at one moment: its own request counter, CPU time and
 * context switches (getrusage, which counts threads that have ended), and the machine's. */
struct snapshot {
    int ok;
    double t;
    long long requests;
    double cpu_user_s, cpu_system_s;
    long long ctx_vol, ctx_invol;
    unsigned long long machine_ctxt;
    json_t *stats; /* c10k-server's /stats, or NULL */
    char error[128];
};

/* Everything one run holds while it runs. */
struct run_state {
    struct bench_ctx *ctx;
    const struct run_spec *r;
    struct run_spec spec; /* r with the tool actually used */
    json_t *run;
    struct proc server, client, warm;
    pid_t pid;             /* the server itself: server.pid, or the wrapper's child */
    enum wrap_kind wrap;   /* the wrapper actually used (WRAP_NONE: none) */
    const char *wrap_path; /* its program */
    char wrap_out[1024];   /* its output file (callgrind: the prefix of one per process) */
    int port;
    double t_start; /* when run_execute began */
    double t_run0;  /* when the server was ready: the origin of samples and events */
    double t_measure, t_client_start, t_client_end;
    struct sample base;
    struct sampler sampler;
    struct cgmem_group cg; /* the server's own memory cgroup (version 0: none) */
    int in_cgroup;         /* the server was seen in it */
    /* Per-thread counters at both ends of the measured window (idle runs of thread mode). */
    int want_tasks;
    struct task_snapshot tasks0, tasks1;
    /* The scheduler's share of the server's CPU over the same window (scale runs, with perf). */
    int want_sched;
    struct schedprof sched;
    json_t *sched_result;
    struct snapshot before, after;
    /* The load generator's process halfway through the window: descriptors, memory. */
    struct sample client_mid;
    int client_sampled;
    char server_out[1024], server_err[1024], client_out[1024], client_err[1024];
    char client_json[1024], warm_out[1024];
    char status[16];
    char reason[1024];
    int interrupted;
};

/* Sets the run's status (the worst so far wins: ok, errors, failed, skipped, interrupted) and
 * appends the message to its reason. */
void run_set_status(struct run_state *st, const char *status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A remark about a run that is not a failure but changes how to read it. */
void run_note(struct run_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The last max bytes of a log file as a JSON string (JSON null when there is none). */
json_t *run_log_tail(const char *path, size_t max);

/* run_analysis.c: the per-second samples as columns, with rates between consecutive samples; */
json_t *run_samples_json(const struct sampler *sp);
/* the client's and server's figures, memory, saturation and the idle tasks into the run; */
void run_summarise(struct run_state *st, json_t *client);
/* what the wrapper counted, per request; */
void run_summarise_wrapper(struct run_state *st);
/* whether the connection-tracking table dropped connections; */
void run_judge_conntrack(struct run_state *st);
/* the run's verdict from what the client and the server counted. */
void run_judge(struct run_state *st, json_t *client);

/* run_nginx.c: writes dir/nginx.conf from peers/nginx/nginx.conf.in. Returns 0 or -errno. */
int run_write_nginx_conf(const char *dir, int port, long long nofile);

#endif
