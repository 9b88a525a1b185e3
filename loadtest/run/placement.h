/* Where a server's threads ran: during the measured window of a run whose scenario asks for it
 * (cpu), every thread of the server and of its child processes (a process pool's workers) is
 * read a few times a second from /proc/PID/task/TID/stat (field 39, the CPU it last ran on),
 * schedstat (its time on a CPU in ns; where the kernel lacks it, stat's user and system ticks,
 * too coarse for a thread that runs half a millisecond a second) and sched (se.nr_migrations,
 * where the kernel has it). What it says: how many CPUs carried the server's CPU time, the share of
 * the busiest, how many threads ran on more than one CPU, and how often they moved. A thread's CPU
 * time since the previous reading is put on the CPU it is on at this one: at a few readings a
 * second the figures are a sample, good for telling one CPU from several, not for exact shares. */
#ifndef C10K_BENCH_PLACEMENT_H
#define C10K_BENCH_PLACEMENT_H

#include <sched.h>
#include <sys/types.h>

#define PLACEMENT_TASKS 1024
#define PLACEMENT_CPUS 256
/* A CPU that carried at least this share of the server's CPU time counts as busy. */
#define PLACEMENT_BUSY_SHARE 0.1

struct placement_task {
    pid_t pid, tid;
    int cpu;             /* where it was at the last reading */
    int seen;            /* the reading it was last seen at */
    cpu_set_t cpus;      /* the CPUs it was seen on while it used CPU time */
    long long ns0, ns;   /* its CPU time (ns) at its first and last readings */
    int from_schedstat;  /* that time is schedstat's (else stat's ticks) */
    long long mig0, mig; /* se.nr_migrations there, or -1 */
    long long moves;     /* readings on another CPU than the one before */
};

struct placement {
    int readings;
    double t0, t1; /* the first and the last reading */
    int n_tasks, dropped;
    struct placement_task tasks[PLACEMENT_TASKS];
    long long cpu_ns[PLACEMENT_CPUS]; /* CPU time put on each CPU */
    int processes;                    /* the most processes seen at one reading */
};

/* What the readings say (placement_summarise). */
struct placement_figures {
    int readings, threads, processes, cpus_busy, threads_multi_cpu;
    double window_s, busiest_cpu_share;
    long long migrations;
    int migrations_from_sched; /* 1: se.nr_migrations; 0: the readings' changes of CPU */
    double shares[PLACEMENT_CPUS];
    int n_cpus; /* shares[] up to the highest CPU seen */
};

/* Parses a /proc/PID/task/TID/stat line: user + system ticks and the CPU it last ran on.
 * Returns 0 or -EINVAL. */
int placement_parse_stat(const char *text, long long *ticks, int *cpu);
/* se.nr_migrations from a /proc/PID/task/TID/sched text, or -1 when it is not there. */
long long placement_parse_migrations(const char *text);

/* One reading at time t of pid's threads and those of its children. */
void placement_read(struct placement *p, pid_t pid, double t);
/* One reading of a task from its stat line, its schedstat and sched texts (each NULL where
 * unreadable): the part of placement_read that does not touch /proc. */
void placement_add(struct placement *p, pid_t pid, pid_t tid, const char *stat,
                   const char *schedstat, const char *sched);
/* Ends a reading (placement_read does it). */
void placement_next(struct placement *p, double t);

void placement_summarise(const struct placement *p, struct placement_figures *f);

#endif
