/* What a server costs, read from /proc: its process tree (nginx's and Apache's workers, a
 * process per connection) and the machine-wide kernel memory that RSS does not show. A sampler
 * thread takes one sample a second while a run lasts; single samples are taken around it. */
#ifndef C10K_BENCH_SAMPLE_H
#define C10K_BENCH_SAMPLE_H

#include "cgmem.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The states of /proc/stat's "cpu" line, in its order (user nice system idle iowait irq softirq
 * steal; the guest times after them are in user already). */
enum sample_cpu_state {
    SAMPLE_CPU_USER,
    SAMPLE_CPU_NICE,
    SAMPLE_CPU_SYSTEM,
    SAMPLE_CPU_IDLE,
    SAMPLE_CPU_IOWAIT,
    SAMPLE_CPU_IRQ,
    SAMPLE_CPU_SOFTIRQ,
    SAMPLE_CPU_STEAL,
    SAMPLE_CPU_STATES
};

struct sample {
    double t;  /* seconds since the run's start */
    int alive; /* the process could be read */
    /* The process tree: the root and every descendant (nginx's and Apache's workers, a process
     * per connection); its CPU also counts the children the root has waited for. */
    pid_t root;
    int64_t processes;
    uint64_t rss_bytes, vsize_bytes;
    int64_t threads, fds;
    /* smaps_rollup summed over the tree, where smaps_read (the kernel has it):
     * PSS (a shared page split among its sharers, so it adds up), USS (private clean + dirty:
     * what ending the process frees) and the shared pages (clean + dirty). */
    int smaps_read;
    uint64_t pss_bytes, uss_bytes, shared_bytes;
    uint64_t worker_uss_bytes; /* USS of the processes but the root (its workers), summed */
    uint64_t ctx_voluntary, ctx_involuntary; /* summed over the live threads */
    double cpu_user_s, cpu_system_s;         /* includes threads that have ended */
    double cpu_unsplit_s; /* while summing: schedstat's excess over the ticks, split at the end */
    /* with_tasks: schedstat's time on a CPU summed over every live task of the tree, in ns; exact
     * where the tick-sampled CPU times miss many short runs (hundreds of processes each
     * running microseconds); 0 where the kernel has no schedstat */
    uint64_t run_ns;
    /* The machine. */
    uint64_t machine_ctxt;                          /* /proc/stat ctxt */
    uint64_t cpu_ticks[SAMPLE_CPU_STATES];          /* /proc/stat cpu: every CPU, in ticks */
    uint64_t kernel_stack_bytes, page_tables_bytes; /* /proc/meminfo */
    /* /proc/meminfo SUnreclaim (sockets, files, tasks, kmalloc) without the connection-tracking
     * entries, which every connection on the machine leaves behind for 120 s. */
    uint64_t slab_unreclaimable_bytes;
    uint64_t tcp_mem_bytes, tcp_inuse, tcp_tw; /* /proc/net/sockstat */
    int64_t conntrack;                         /* nf_conntrack_count, -1: not loaded */
    /* The server's own cgroup, where it has one (cg.ok). */
    struct cgmem_reading cg;
    /* The load generator's CPU time (user + system, every thread); -1: not running. */
    double client_cpu_s;
};

/* One thread's own counters, from /proc/PID/task/TID/{status,stat,schedstat}. */
struct task_counters {
    int tid;
    uint64_t ctx_voluntary, ctx_involuntary;
    uint64_t utime_ticks, stime_ticks;
    uint64_t run_ns, wait_ns, timeslices; /* schedstat; 0 where the kernel has none */
};

/* The threads of a process at one moment (tasks sorted by tid). */
struct task_snapshot {
    double t;
    struct task_counters *tasks; /* owned */
    size_t n;
    int has_schedstat;
};

/* Reads every thread of pid and of its descendants. Returns 0 or a negative errno. */
int sample_tasks(pid_t pid, double t, struct task_snapshot *snap);
void sample_tasks_free(struct task_snapshot *snap);
/* Parses /proc/PID/task/TID/schedstat ("run_ns wait_ns slices"). Returns 0 or -EINVAL. */
int sample_parse_schedstat(const char *text, uint64_t *run_ns, uint64_t *wait_ns, uint64_t *slices);

/* Reads one sample of pid's tree and of the machine. with_tasks: also sum the context switches
 * over every thread (the costly part with thousands of threads). Returns 0, or -ESRCH when the
 * process is gone (the machine part is still filled). */
int sample_take(pid_t pid, double t, int with_tasks, struct sample *s);

/* The direct children of pid (its main thread's), at most max of them. Returns how many. */
int sample_children(pid_t pid, pid_t *out, int max);

/* Only the machine part. */
void sample_machine(struct sample *s);

/* Parsers, exposed for tests. Each returns 0 or -EINVAL. */
/* The bytes held by the active objects of one slab cache in /proc/slabinfo text. */
int sample_parse_slabinfo(const char *text, const char *cache, uint64_t *bytes);
/* KernelStack, PageTables and SUnreclaim in bytes; a field that is absent reads 0, but the
 * first two must be there. */
int sample_parse_meminfo(const char *text, uint64_t *kernel_stack, uint64_t *page_tables,
                         uint64_t *slab_unreclaimable);
int sample_parse_sockstat(const char *text, uint64_t *mem_pages, uint64_t *inuse, uint64_t *tw);
/* The "cpu" line of /proc/stat text: the ticks of every state, the eight of them needed. */
int sample_parse_stat_cpu(const char *text, uint64_t ticks[SAMPLE_CPU_STATES]);

#define SAMPLER_MAX 4096

struct sampler {
    pid_t pid;
    pid_t client_pid;      /* 0: none yet; read and written under lock */
    struct cgmem_group cg; /* version 0: none */
    double t0;             /* proc_now() at the run's start */
    double interval_s;
    int task_every; /* sum thread context switches every Nth sample (1: always) */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stop;
    int started;
    struct sample *samples; /* owned; n in time order */
    size_t n;
};

/* Starts a thread sampling pid (and its cgroup cg, when cg is not NULL) every interval_s from
 * now. Returns 0 or a negative errno. */
int sampler_start(struct sampler *sp, pid_t pid, double t0, double interval_s,
                  const struct cgmem_group *cg);
/* From now on the samples also read the load generator's CPU time (0: no longer). */
void sampler_watch_client(struct sampler *sp, pid_t pid);
/* Stops and joins the thread; the samples stay until sampler_free. */
void sampler_stop(struct sampler *sp);
void sampler_free(struct sampler *sp);

#endif
