/* What a local run's samples and counters say, into its record: the server's and the machine's
 * figures, memory and kernel memory per connection, how busy the server's CPUs and the load
 * generator were, the idle threads' own switches, what a wrapper counted. run/run.c collects
 * the raw measurements below; nothing here starts or stops anything. */
#ifndef C10K_BENCH_SUMMARISE_H
#define C10K_BENCH_SUMMARISE_H

#include "cgmem.h"
#include "plan.h"
#include "record.h"
#include "sample.h"
#include "wrap.h"

#include <jansson.h>

struct bench_env;

/* What the server said about itself at one moment: its own request counter, CPU time and
 * context switches (getrusage, which counts threads that have ended), and the machine's. */
struct snapshot {
    int ok;
    double t;
    long long requests;
    double cpu_user_s, cpu_system_s;
    double run_s; /* schedstat's time on a CPU over every task of the tree (-1: not read) */
    long long ctx_vol, ctx_invol;
    unsigned long long machine_ctxt;
    json_t *stats; /* c10k-server's /stats, or NULL */
    char error[128];
};

/* What one run collected, as run.c hands it over. Times are proc_now() seconds. */
struct run_raw {
    const struct run_spec *spec; /* with the load generator actually used */
    const struct bench_env *env;
    double switch_cost_ns; /* one context switch here (calibration); 0: unknown */
    double t_run0;         /* when the server was ready: the origin of the samples */
    double t_measure, t_client_end;
    const struct sample *samples; /* the 1 Hz samples, in time order */
    size_t n_samples;
    struct sample base; /* before the load */
    const struct cgmem_group *cg;
    int in_cgroup;
    struct snapshot before, after;
    /* The idle connections' threads at both ends of the window (want_tasks). */
    int want_tasks;
    struct task_snapshot tasks0, tasks1;
    /* The load generator's process halfway through the window. */
    struct sample client_mid;
    int client_sampled;
};

/* The per-second samples as columns, with rates between consecutive samples. */
json_t *summarise_samples(const struct sample *samples, size_t n);
/* The server's, the machine's and the per-connection figures, saturation, the load generator's
 * cost and the idle threads, from raw into r (whose client figures are filled already). */
void summarise_run(const struct run_raw *raw, struct run_record *r);
/* What the wrapper counted (got: wrap_read's object), per request served in the server's life
 * (start-up included: the instructions scenario's pairs of runs take it out). */
void summarise_wrapper(struct run_record *r, const json_t *got, const struct snapshot *after);

#endif
