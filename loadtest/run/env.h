/* The machine a benchmark runs on, recorded with its results: kernel, CPUs, memory, the limits
 * that decide how far each model can go (open files, ephemeral ports, pid_max, threads-max,
 * vm.max_map_count, the cgroup's pids and memory limits) and which CPUs the server and the load
 * get. env_check tells, before a run, whether it fits those limits, and if not which one stops
 * it and how to raise it. */
#ifndef C10K_BENCH_ENV_H
#define C10K_BENCH_ENV_H

#include <jansson.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>

#define ENV_UNLIMITED (-1LL)

struct bench_env {
    char kernel[256];
    char cpu_model[128];
    int cpus_online;
    int cpus_allowed;
    cpu_set_t allowed;
    /* With two CPUs or more, the server gets the upper half and the load the lower half. */
    int pinned;
    cpu_set_t server_cpus, load_cpus;
    int n_server_cpus, n_load_cpus;
    char server_cpu_list[64], load_cpu_list[64];

    uint64_t mem_total_bytes, mem_available_bytes, page_size;
    long clock_ticks;

    /* Limits. -1 (ENV_UNLIMITED) where there is none. */
    long long nofile_soft, nofile_hard, stack_bytes, nproc;
    unsigned port_lo, port_hi;
    long long pid_max, threads_max, max_map_count, somaxconn, syn_backlog;
    long long overcommit_memory, tcp_tw_reuse;
    long long commit_limit_bytes, committed_bytes;
    int cgroup_version; /* 1, 2 or 0 when unknown */
    long long cg_pids_max, cg_pids_current, cg_memory_max, cg_memory_current;
    long long tasks_now; /* threads on the machine */
    /* Netfilter connection tracking, when loaded (Docker and firewalls load it): every
     * connection, loopback too, takes an entry for as long as its TIME_WAIT (120 s); when the
     * table is full the kernel drops new connections. -1 when not loaded. */
    long long conntrack_max, conntrack_count, conntrack_time_wait_s;
};

/* Reads everything; raises this process's soft open-file limit to the hard one first (the
 * processes it starts inherit it). Returns 0 or a negative errno. */
int env_read(struct bench_env *e);

/* Re-reads what changes between runs (tasks on the machine, cgroup usage, commit charge). */
void env_refresh(struct bench_env *e);

/* What stops a run. */
struct env_limit {
    char name[64];  /* e.g. "kernel.pid_max" */
    long long have; /* the limit (or what is left of it) */
    long long need; /* what the run needs */
    char how[256];  /* how to raise it */
};

/* What a server starts for each connection, beside its descriptor. */
enum env_tasks {
    ENV_TASKS_NONE,      /* nothing: an event loop, a fixed pool */
    ENV_TASKS_THREADS,   /* a thread (thread-per-connection) */
    ENV_TASKS_PROCESSES, /* a process (fork per connection) */
};

/* Whether a run with `connections` open connections, from `sources` local addresses (0 or 1:
 * one), fits this machine; tasks: what the server starts for each (a thread with a stack of
 * stack_bytes, 0: the default; or a process). Returns 0 when it does, or 1 with *lim naming the
 * first limit it would hit. */
int env_check(const struct bench_env *e, enum env_tasks tasks, long long connections, int sources,
              long long stack_bytes, struct env_limit *lim);

/* Re-reads the connection-tracking counter; returns it, or -1 when tracking is not loaded. */
long long env_conntrack_count(struct bench_env *e);

/* The largest connection count every model can hold here (the "full" profile's top level). */
long long env_max_connections(const struct bench_env *e, int sources);

/* The environment as JSON (a new reference), with the load average at its start. versions may
 * be NULL. */
json_t *env_json(const struct bench_env *e, json_t *versions);
/* The machine's load average over 1, 5 and 15 minutes, [l1, l5, l15] (null where unreadable):
 * other work on the machine, which moves every figure, recorded at a session's start and end
 * (the end's counts the session's own last runs too: a thread server's threads are tasks). */
json_t *env_loadavg_json(void);

/* The Python server's interpreter, as it describes itself. */
struct env_python {
    char executable[512];
    char version[128]; /* "CPython 3.11.2" */
    int gil;           /* sys._is_gil_enabled() where it exists, else 1 */
    char uvloop[64];   /* its version; empty: not installed */
};

/* Asks the interpreter python about itself. Returns 0, or a negative errno (it did not run or
 * said something else). */
int env_python(const char *python, struct env_python *py);
/* Parses its answer: "executable<TAB>version<TAB>gil<TAB>uvloop". Returns 0 or -EINVAL. */
int env_parse_python(const char *text, struct env_python *py);

/* Formats a CPU set as "0-3,6". */
void env_format_cpus(const cpu_set_t *set, char *buf, size_t len);

#endif
