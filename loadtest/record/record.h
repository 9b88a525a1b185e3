/* The typed record of a session and of each of its runs: every figure c10k-bench measures,
 * derives or judges is a field here, declared once with its JSON key, type, unit, CSV column and
 * meaning in the schema tables of fields.h. The claims, the judge, the perf summary and the
 * comparison read these fields; results.json, results.csv, the schema section of
 * loadtest/README.md and the shape check are rendered from the tables (schema.h).
 *
 * Conventions: a number is a double, NaN where it is absent (null in JSON); a flag is an int,
 * 1, 0 or -1 (absent); a string is a char * owned by the record (NULL: absent); what is only
 * passed through (histograms, per-second series, argv, maps keyed by the server's own names) is a
 * json_t * owned by the record (NULL: absent). A group (an object of results.json that may be
 * null) has a `present` flag. */
#ifndef C10K_BENCH_RECORD_H
#define C10K_BENCH_RECORD_H

#include <jansson.h>
#include <stddef.h>

struct bench_server;
struct bench_scenario;

/* Latency percentiles in microseconds. */
struct rec_latency {
    int present;
    double count, min, mean, p50, p90, p99, p99_9, max;
};

/* The load generator's own account (c10k-load's JSON, or wrk's done() line, normalised). */
struct rec_client {
    int present;
    char *tool;
    double requests, measured_s, requests_per_s, total_requests, bytes_read;
    struct {
        double total, connect, read, write, timeout, parse, status;
    } errors;
    struct rec_latency latency_us, latency_uncorrected_us;
    json_t *percentiles, *histogram, *percentiles_uncorrected;
    struct {
        int present;
        double connections, requests;
        struct rec_latency latency_us;
    } idle;
    json_t *series, *generators, *merged_from, *status_codes;
    struct {
        int present;
        double established, reconnects, max_open;
    } connections;
    struct {
        int present;
        double user_s, system_s, us_per_request, window_cpu_s, busiest_thread_share;
        json_t *threads_cpu_s;
        int saturated;
        double saturation_threshold;
    } cpu;
    double warmup_requests, abandoned, good_requests, good_per_s;
};

/* The server's own memory cgroup against its baseline before the load. */
struct rec_server_cgroup {
    int present;
    double version;
    char *path;
    double kernel_delta_bytes, sock_delta_bytes, kernel_stack_delta_bytes, page_tables_delta_bytes,
        slab_delta_bytes, kernel_baseline_bytes;
};

struct rec_server {
    int present;
    json_t *argv;
    double pid, port;
    char *cpus;
    /* Memory and tasks: the baseline before the load, the window's median and the peak. */
    double rss_baseline_bytes, vsize_baseline_bytes, threads_baseline;
    double rss_bytes, rss_peak_bytes, vsize_bytes, vsize_peak_bytes, threads, threads_peak;
    double fds_peak, connections_held_peak, samples_in_window;
    /* Every process of it, by sharing (smaps_rollup). */
    struct {
        int present;
        double processes, processes_peak, pss_baseline_bytes, pss_bytes, pss_peak_bytes, uss_bytes,
            shared_bytes, uss_per_process_bytes, uss_per_worker_bytes,
            uss_per_worker_baseline_bytes;
    } tree;
    struct rec_server_cgroup cgroup;
    /* Its own counters over the measured window. */
    double requests, window_s, requests_per_s, crosscheck;
    int crosscheck_ok;
    double crosscheck_difference_pct;
    double cpu_user_s, cpu_system_s, cpu_cores, cpu_us_per_request;
    double run_s, run_us_per_request; /* the same from schedstat, over the live tasks */
    double ctx_voluntary, ctx_involuntary, ctx_per_s, ctx_per_request;
    char *ctx_source;
    double switch_cpu_share;
    json_t *counters; /* the deltas of /stats's errors and connections, by the server's names */
    /* What the judge reads of those counters: connections refused, by cause. */
    struct {
        int present;
        double thread_create, emfile, max_conns, rejected;
    } refused;
    char *exit, *log_tail;
    /* A Docker run's: how its counters were read, what the server said it was. */
    char *counters_from, *mode, *version;
    double connections_peak, exit_code;
    int oom_killed;
};

struct rec_machine {
    int present;
    double kernel_stack_delta_bytes, page_tables_delta_bytes, tcp_mem_delta_bytes,
        slab_unreclaimable_delta_bytes, tcp_inuse_peak, conntrack_peak, ctx_per_s, ctx_per_request;
    double idle_pct, iowait_pct, softirq_pct, steal_pct; /* of every CPU's time, /proc/stat */
};

/* Memory per connection the server held; a figure within the method's resolution is absent and
 * listed in below_resolution with the resolution. */
struct rec_per_connection {
    int present;
    double connections, connections_opened, rss_bytes, pss_bytes;
    struct {
        int present;
        double kernel_bytes, kernel_stack_bytes, page_tables_bytes, tcp_mem_bytes, slab_bytes;
    } machine;
    struct {
        int present;
        double kernel_bytes, sock_bytes, kernel_stack_bytes, page_tables_bytes, slab_bytes;
    } cgroup;
    double kernel_bytes;
    char *kernel_source;
    double total_bytes, vsize_bytes;
    json_t *below_resolution;
    /* A Docker run's: pids per connection, and what the figure is read from. */
    double pids;
    char *source;
};

/* Which side set the pace. */
struct rec_saturation {
    int present;
    double server_busy;
    char *server_busy_from;
    double server_cpus, client_cores, client_busy, client_threads;
    char *bottleneck;
    char *held_back_by; /* a "neither" run: machine limit, latency-bound or stall */
    int load_bound;
    double threshold, client_cpu_us_per_request;
};

/* The idle connections' threads' own counters (idle runs of a thread-per-connection server). */
struct rec_idle_threads {
    int present;
    char *error;
    double threads, busy_threads_left_out, window_s, switches, cpu_s, switches_per_thread_per_s,
        cpu_us_per_thread_per_s, most_switches_one_thread, busy_switches_per_thread_per_s,
        timeslices_per_thread_per_s, run_us_per_thread_per_s;
    int schedstat;
    char *source;
};

/* Where a sample of the server's CPU went (schedprof.c puts each sample in exactly one area):
 * Y(X, ID, "key", "meaning"), in results.json's order. X passes through to Y, so that fields.h
 * can make a schema row of each. */
#define SCHED_AREAS(Y, X)                                                                          \
    Y(X, SWITCH, "switch", "scheduling: a context switch, out and in")                             \
    Y(X, WAKEUP, "wakeup", "the wake-up path: waking a thread, or being woken from another CPU")   \
    Y(X, SYSCALL, "syscall", "system-call entry and exit, and the generic layers under a call")    \
    Y(X, FD, "fd_lookup", "looking a descriptor's file up and dropping it, per call or request")   \
    Y(X, TCP_RECEIVE, "tcp_receive", "TCP receive: recvmsg, and segments delivered in softirq")    \
    Y(X, TCP_SEND, "tcp_send", "TCP send: sendmsg down to the device")                             \
    Y(X, IO_URING, "io_uring", "io_uring's own kernel work: submission, task work, completions")   \
    Y(X, EPOLL, "epoll", "epoll's own kernel work: collecting ready items, changing the set")      \
    Y(X, MEMORY, "memory", "memory management: page faults, TLB flushes, brk, mmap, munmap")       \
    Y(X, KERNEL_OTHER, "kernel_other", "the kernel outside the areas above: timers, interrupts")   \
    Y(X, HTTP_CORE, "http_core", "the HTTP core: http.c, conn.c, router.c, response.c, buf.c")     \
    Y(X, MODEL, "model", "the model's own user space: its file, libuv, liburing; nginx's own")     \
    Y(X, LIBC, "libc", "libc and the vDSO")                                                        \
    Y(X, USER_OTHER, "user_other", "user space nothing above names")

enum sched_area {
#define SCHED_AREA_ENUM(X, id, key, meaning) SCHED_AREA_##id,
    SCHED_AREAS(SCHED_AREA_ENUM, _)
#undef SCHED_AREA_ENUM
        SCHED_AREA_COUNT
};

/* Where the server's threads ran (cpu runs). */
struct rec_placement {
    int present;
    double readings, window_s, processes, threads, cpus_busy, busiest_cpu_share, threads_multi_cpu,
        migrations;
    char *migrations_source;
    json_t *cpu_shares;
};

/* The scheduler's share of the server's CPU, from perf's samples (scale runs). */
struct rec_scheduler {
    int present;
    char *tool;
    double window_s, samples, server_samples, server_share_of_cpus, sched_share, switch_share,
        wakeup_share;
    double area_pct[SCHED_AREA_COUNT]; /* the server's samples by area, in % */
    json_t *top;
    char *error;
};

/* What a wrapper (perf stat, strace, callgrind) counted over the server's life. */
struct rec_wrapper {
    int present;
    char *tool;
    json_t *argv;
    char *output, *error;
    json_t *counts, *per_request;
    double files, syscalls, context_switches, instructions, requests, syscalls_per_request,
        context_switches_per_request, instructions_per_request;
};

/* A Docker container as the engine saw it: its limits and how it ended. */
struct rec_container_limits {
    int present;
    double cpus, memory_bytes, pids, nofile;
    char *network_mode;
};

struct rec_container_state {
    int present;
    int oom_killed;
    double exit_code, health_checks, health_passed;
    char *error, *started_at, *finished_at, *health;
};

/* A Docker run's engine view of both containers. */
struct rec_docker {
    int present;
    struct {
        int present;
        struct rec_container_limits limits;
        struct rec_container_state state;
        struct {
            int present;
            double samples, memory_baseline_bytes, memory_peak_bytes, memory_limit_hits, oom_kills,
                pids_baseline, pids_peak, pids_refused, connections_peak;
            char *memory_peak_from;
            json_t *series;
        } cgroup;
        char *log_tail;
    } server;
    struct {
        int present;
        double exit;
        struct rec_container_limits limits;
        struct rec_container_state state;
    } load;
};

/* One run: its specification, what was measured, what it means. */
struct run_record {
    /* What the plan asked for (the spec). */
    char *id, *scenario, *model, *mode;
    json_t *server_args;
    double level, concurrency, idle_connections, rate;
    char *path;
    int keepalive;
    double source_addresses, warmup_s, duration_s, ramp_per_s;
    char *tool;
    int server_all_cpus;
    double timeout_s, pipeline, requests_limit;
    char *wrap;
    double repetition;
    /* The table rows it is a run of (NULL where results.json names one this build lacks). */
    const struct bench_server *srv;
    int variant;
    const struct bench_scenario *scn;

    /* What it reached. */
    char *status, *reason;
    json_t *notes;
    struct {
        int present;
        char *name;
        double have, need;
        char *how;
    } limit;
    double elapsed_s, started_at_s, conntrack_wait_s;
    struct {
        int present;
        double client_start_s, measure_start_s, client_end_s;
    } events;
    json_t *client_argv;
    struct {
        int present;
        char *server, *server_stdout, *client;
    } logs;

    /* What was measured and derived. */
    struct rec_client client;
    struct rec_server server;
    struct rec_machine machine;
    struct rec_per_connection per_connection;
    struct rec_saturation saturation;
    int load_bound;
    struct rec_idle_threads idle_threads;
    struct rec_placement placement;
    struct rec_scheduler scheduler;
    struct rec_wrapper wrapper;
    struct {
        int present;
        double t, rss_bytes, vsize_bytes, fds, threads;
    } client_process;
    json_t *samples;
    /* A Docker run's. */
    struct rec_docker docker;
    double held_connections, established_peak;
    json_t *prometheus;
};

/* The Python server's interpreter (environment.python). */
struct rec_python_env {
    int present, gil;
    char *executable, *version, *uvloop;
};

/* The calibration of this machine (the ctxswitch scenario). */
struct rec_calibration {
    int present;
    struct {
        int present;
        double cpu, round_trips, batches, thread_pair_ns, process_pair_ns, pipe_syscalls_ns,
            thread_pair_net_ns, process_pair_net_ns, switches_per_round_trip, switch_cost_ns;
    } context_switch;
    struct {
        int present;
        double iterations, create_join_ns, create_alive_ns;
    } thread_create;
    struct {
        int present;
        double threads, stack_size_bytes, rss_bytes, vsize_bytes, kernel_stack_bytes,
            page_tables_bytes, mappings, create_alive_ns;
    } idle_thread;
    /* The same for processes: fork + _exit + waitpid, and what an idle forked one holds. */
    struct {
        int present;
        double iterations, fork_wait_ns;
    } process_create;
    struct {
        int present;
        double processes, rss_bytes, pss_bytes, uss_bytes, kernel_stack_bytes, page_tables_bytes,
            create_alive_ns;
    } idle_process;
    struct {
        int present;
        double limit_bytes, default_stack_bytes, threads_default_stack, small_stack_bytes,
            threads_small_stack, cap;
        char *default_stack_error, *small_stack_error;
    } address_space;
    char *address_space_error;
    json_t *ring;
    struct {
        int present;
        char *version;
        double workers, thread_start_us, fork_start_us, spawn_start_us, thread_pool_start_us,
            process_pool_start_us, thread_pool_task_1kib_us, process_pool_task_1kib_us,
            thread_pool_task_1mib_us, process_pool_task_1mib_us, published_thread_start_us,
            published_process_start_us;
    } python;
    char *python_error;
};

/* A Docker session's own description (docker.json). */
struct rec_docker_session {
    char *image;
    double image_bytes, elapsed_s, build_s;
    struct {
        int present;
        char *constrained_memory, *memory_memory, *server_seccomp;
        double constrained_pids, memory_pids;
    } limits;
    json_t *rest; /* docker.json, passed through (NULL: not a Docker session) */
};

/* A session: what ran where, every run, and what was judged. */
struct session_record {
    char *schema, *tool, *version, *profile, *started_at, *finished_at, *generator;
    json_t *command, *modes, *scenarios, *environment, *programs, *scheduler_profile,
        *memory_cgroup, *code_size;
    int baseline_nginx, interrupted;
    double estimate_s, repeat, elapsed_s;
    /* The environment's figures the claims and the comparison read. */
    double cpus_allowed, clock_ticks;
    struct rec_python_env python;
    struct rec_calibration calibration;
    struct rec_docker_session docker;
    struct run_record *runs; /* owned, n_runs of them */
    size_t n_runs, cap_runs;
    /* Outputs: the judged claims, the surprises, the headline, the perf summary. */
    json_t *claims, *surprises, *headline, *perf;
    json_t *extra; /* members of an older or newer results.json this build has no field for */
};

/* ---- Life ---- */

/* A record with every field absent. */
void record_run_init(struct run_record *r);
void record_run_free(struct run_record *r);
void record_session_init(struct session_record *s);
void record_session_free(struct session_record *s);
/* A new run at the end of the session's runs (initialised), or NULL when out of memory. */
struct run_record *record_session_add_run(struct session_record *s);

/* ---- Status and notes, as a run goes ---- */

/* Sets the run's status (the worst so far wins: ok, errors, failed, skipped, interrupted) and
 * appends the message to its reason. */
void record_set_status(struct run_record *r, const char *status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A remark about a run that is not a failure but changes how to read it. */
void record_note(struct run_record *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Whether its status is this one. */
int record_status_is(const struct run_record *r, const char *status);
/* A run whose figures count: it ran to the end (ok or errors) and its client reported. */
int record_usable(const struct run_record *r);

/* The median of n figures (sorting them), NaN when n is 0: the figure of several repetitions. */
double record_median(double *v, size_t n);

/* ---- Small setters ---- */

/* Replaces an owned string with a copy of s (NULL: absent). */
void record_set_str(char **field, const char *s);
/* Replaces an owned JSON value (takes the reference). */
void record_set_json(json_t **field, json_t *v);

#endif
