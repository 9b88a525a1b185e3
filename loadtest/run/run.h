/* One run: start the server on its CPUs, wait until it listens, sample it every second, warm
 * it up, drive it with the load generator, read its own counters before and after, stop
 * everything, and describe what happened in its record. A run that fails (server crashed, limit
 * hit, client errors) says so in its status and reason; it never stops the session. */
#ifndef C10K_BENCH_RUN_H
#define C10K_BENCH_RUN_H

#include "cgmem.h"
#include "env.h"
#include "plan.h"
#include "record.h"

struct bench_ctx {
    struct bench_env *env;
    const char *server_path;        /* c10k-server */
    const char *load_path;          /* c10k-load, or NULL when not found */
    const char *wrk_path;           /* wrk, or NULL */
    const char *nginx_path;         /* nginx, or NULL */
    const char *python_path;        /* the Python server's interpreter (--python), or NULL */
    const char *apache_path;        /* Apache httpd (apache2), or NULL */
    const char *out_dir;            /* results/<time> */
    const char *log_dir;            /* out_dir/logs */
    const char *tmp_dir;            /* scripts, nginx's prefix */
    const char *wrk_script;         /* the Lua script */
    double t0;                      /* proc_now() at the session's start */
    double switch_cost_ns;          /* one context switch here (calibration); 0: unknown */
    const struct cgmem_session *cg; /* a memory cgroup per server, or NULL: machine-wide */
    const char *perf_path;          /* perf, to sample the scheduler's share; NULL: not sampled */
    /* The wrappers' programs (wrap.h), NULL where missing: perf where it can count the
     * syscall tracepoints, strace, valgrind. */
    const char *perf_stat_path, *strace_path, *valgrind_path;
    /* Called about five times a second while a run waits: phase is "warm-up", "measuring"... */
    void (*tick)(void *arg, const struct run_spec *r, const char *phase, double phase_left_s);
    void *tick_arg;
    /* Filled by run_execute: per server (SRV_*), the line with which the server refused to
     * start (exit status 2), so that its later runs are skipped with it without starting it
     * again. Empty: not refused. */
    char refused[SRV_COUNT][256];
};

/* Executes one run into rec (initialised by the caller). Its status is "ok", "errors",
 * "failed", "skipped" or "interrupted"; a server that exits with status 2 and one line (a model
 * it lacks, or io_uring forbidden here) makes the run, and every later run of that server,
 * "skipped" with that line as the reason. */
void run_execute(struct bench_ctx *ctx, const struct run_spec *r, struct run_record *rec);

/* Describes a run that did not start (another run's interruption, a missing tool). */
void run_skipped(const struct run_spec *r, const char *status, const char *reason,
                 struct run_record *rec);

/* The spec's fields of a record. */
void run_spec_record(const struct run_spec *r, struct run_record *rec);

/* Parses Apache's /server-status?auto; returns Total Accesses or -EINVAL. */
long long run_parse_server_status(const char *text);
/* Parses nginx's stub_status page; returns the requests counter or -EINVAL. */
long long run_parse_stub_status(const char *text);

#endif
