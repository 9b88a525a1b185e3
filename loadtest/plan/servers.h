/* The table of servers c10k-bench runs: c10k-server's concurrency models and the peers a user
 * would pick instead. A server is one row: its name, how it starts, which of its processes is
 * the serving one, the scenarios it serves, its variants (extra arguments in some scenarios),
 * whether it is a baseline, whom the claims and ratios quote it beside, its colour in the report.
 * The plan, the runs, the claims, the perf summary, the report and --modes/--help read the
 * table; nothing else compares a server's name. Adding a server is one row here plus, for a new
 * kind of peer, its start-up code in run/peers.c. */
#ifndef C10K_BENCH_SERVERS_H
#define C10K_BENCH_SERVERS_H

#include "scenarios.h"

#include <stddef.h>

/* How a server starts and tells its request count (run/peers.c has one of each). */
enum server_kind {
    SERVER_C10K,   /* c10k-server --mode NAME: the listening line, then /stats */
    SERVER_NGINX,  /* nginx from peers/nginx/nginx.conf.in: a connect, then stub_status */
    SERVER_PYTHON, /* peers/python/c10k_server.py --mode NAME under --python: as c10k-server */
    /* Apache httpd from peers/apache/apache.conf.in (.peer_arg: its MPM): a connect, then
     * /server-status?auto */
    SERVER_APACHE,
};

/* What a server's variant is for, so that the claims can find it without its arguments. */
enum variant_role {
    VARIANT_BASE,     /* the server as it is */
    VARIANT_PER_CORE, /* one event loop (ring) per server CPU */
    VARIANT_OFFLOAD,  /* CPU work on a thread pool */
    VARIANT_SIZED,    /* sized for the scenario (a pool with fewer workers than requests) */
};

#define VARIANT_ARGS 4
#define SERVER_VARIANTS 4
#define SERVER_RATIOS 2

/* A variant: extra arguments and the scenarios it runs in. "@CPUS@" in an argument stands for
 * the server's CPUs; a variant that needs more than one is left out on one CPU. */
struct server_variant {
    const char *args[VARIANT_ARGS];
    unsigned scenarios; /* SCN_BIT()s; 0: the variant does not exist */
    enum variant_role role;
    int min_cpus;
    const char *color; /* the report's; NULL: the server's */
};

/* A ratio of the perf summary: this server's figures over another's (scenarios.h says which
 * figures each kind quotes). */
struct server_ratio {
    int against; /* SRV_* */
    enum ratio_kind kind;
};

struct bench_server {
    const char *name;  /* --modes and the charts' name */
    const char *about; /* one line for --help */
    enum server_kind kind;
    const char *source;        /* c10k-server: its model's file, for the correctness claim */
    const char *shared_source; /* a file of its code other models share (the same claim) */
    unsigned endpoints;        /* ENDPOINT_* it answers */
    unsigned scenarios;        /* SCN_BIT()s it runs in (and serves the endpoint of) */
    int baseline;              /* a peer that runs beside the models unless --no-baseline */
    int in_default;            /* in --modes' default (c10k-server: where the binary has it) */
    int reference;             /* the event model the claims hold the others against */
    int thread_per_connection; /* its idle connections are threads (idle threads' counters) */
    int serving_child;         /* the process that serves is its first child (nginx's worker) */
    int fixed_workers;         /* a fixed set of workers serves: client errors with every one
                                * busy are its size showing, said once, not a fault per run */
    int beside;                /* SRV_* it is quoted beside in the claims, or -1 */
    const char *color;         /* the report's */

    /* Its connections are processes (fork per connection): their counters are read as a
     * thread-per-connection server's are, and the limits on processes bound its runs. */
    int process_per_connection;
    /* SCN_BIT()s it also runs in under --profile full, or when --scenarios names them (a
     * baseline: and --modes names it): kept out of the shorter profiles' defaults for their
     * time. */
    unsigned scenarios_more;
    /* What a kind of peer needs to know of its row (Apache: the MPM). */
    const char *peer_arg;
    /* Milliseconds its start takes per connection of the run, for the plan's estimate (a prefork
     * httpd forks a process for each before it serves). */
    double start_ms_per_connection;
    /* PROFILE_BIT()s whose --modes default leaves it out (a baseline: that it does not run
     * beside the models in): the perf profile's comparison is of the models it was made for;
     * another server runs there where --modes names it. */
    unsigned not_in_profiles;

    struct server_variant variants[SERVER_VARIANTS];
    struct server_ratio ratios[SERVER_RATIOS];
    /* In a profile that trims (the default), the levels of a scenario it runs at: those of the
     * scenario's that answer its claims, so that a slow server keeps the profile short (NULL:
     * every level; --levels and the other profiles run every level). */
    const int *trim_levels[SCN_COUNT];
};

#define PROFILE_BIT(id) (1u << PROFILE_##id)

/* A list of levels for .trim_levels, ended by LEVEL_END; none at all. */
#define SERVER_LEVELS(...)                                                                         \
    (const int[])                                                                                  \
    {                                                                                              \
        __VA_ARGS__, LEVEL_END                                                                     \
    }
#define SERVER_NO_LEVELS                                                                           \
    (const int[])                                                                                  \
    {                                                                                              \
        LEVEL_END                                                                                  \
    }
/* The Python server's scenarios, and the default profile's levels its claims need: CPU-bound
 * work at every level (the global lock), /sleep at 64 and 1,024 (waiting), /plaintext at 100
 * (the pools' drop-in); idle connections only in the other profiles. One loop answers /work one
 * request at a time whatever the concurrency: one level. */
#define SCN_PYTHON (SCN_BIT(SCALE) | SCN_BIT(IDLE) | SCN_BIT(CPU) | SCN_BIT(BLOCKING))
/* The data sets' claim quotes py-threads (one copy) and py-processpool (a copy per worker, or
 * shared?) beside C's, from their reads: the default profile leaves their writes out (--levels
 * or another profile runs them); py-threadpool only under --profile full. */
#define SCN_PYTHON_DATA (SCN_PYTHON | SCN_DATASETS)
#define PYTHON_TRIM_WITH(cpu_levels, scale_levels)                                                 \
    {                                                                                              \
        [SCN_SCALE] = scale_levels, [SCN_IDLE] = SERVER_NO_LEVELS, [SCN_CPU] = cpu_levels,         \
        [SCN_BLOCKING] = SERVER_LEVELS(64, 1024), [SCN_DATASET_WRITE] = SERVER_NO_LEVELS           \
    }
/* The pools' /plaintext at 100 is the drop-in claim's; the other two answer no scale claim. */
#define PYTHON_TRIM PYTHON_TRIM_WITH(NULL, SERVER_NO_LEVELS)
#define PYTHON_POOL_TRIM PYTHON_TRIM_WITH(NULL, SERVER_LEVELS(100))
/* The default profile's cells of the C models and nginx are those a claim or the headline reads.
 * The thread server, the claims' subject, runs every level but in blocking, and the loop, the
 * reference, every level of scale, idle and churn (switching, efficiency, resources, idle,
 * stack); a server quoted beside them runs where it is quoted. No claim reads blocking's C
 * models: they run where the pool of 16 is full (16) and where the Python server is judged (64,
 * 1,024). The parallelism claim and the headline read cpu at its top level (the thread server:
 * every level, python_gil's check that threads ran in parallel). */
#define BLOCKING_TRIM SERVER_LEVELS(16, 64, 1024)
#define THREAD_TRIM                                                                                \
    {                                                                                              \
        [SCN_BLOCKING] = BLOCKING_TRIM                                                             \
    }
/* The pool: beside prefork (dropin: scale at 100 and 1,000, idle at 1,000) and apache-event. */
#define POOL_TRIM                                                                                  \
    {                                                                                              \
        [SCN_SCALE] = SERVER_LEVELS(100, 1000, 10000), [SCN_IDLE] = SERVER_LEVELS(1000),           \
        [SCN_CPU] = SERVER_LEVELS(32), [SCN_BLOCKING] = BLOCKING_TRIM,                             \
        [SCN_CHURN] = SERVER_LEVELS(64)                                                            \
    }
/* The event models answer no claim of the data sets' (threads share one copy as they do). */
#define EVENT_TRIM                                                                                 \
    {                                                                                              \
        [SCN_DATASET] = SERVER_NO_LEVELS, [SCN_DATASET_WRITE] = SERVER_NO_LEVELS,                  \
        [SCN_CPU] = SERVER_LEVELS(32), [SCN_BLOCKING] = BLOCKING_TRIM                              \
    }
/* uring is quoted beside the loop (parallelism: cpu at 32). */
#define URING_TRIM                                                                                 \
    {                                                                                              \
        [SCN_DATASET] = SERVER_NO_LEVELS, [SCN_DATASET_WRITE] = SERVER_NO_LEVELS,                  \
        [SCN_CPU] = SERVER_LEVELS(32), [SCN_SCALE] = SERVER_LEVELS(1000, 10000),                   \
        [SCN_IDLE] = SERVER_LEVELS(10000), [SCN_BLOCKING] = BLOCKING_TRIM,                         \
        [SCN_CHURN] = SERVER_LEVELS(64)                                                            \
    }
/* nginx, beside the loop. */
#define NGINX_TRIM                                                                                 \
    {                                                                                              \
        [SCN_SCALE] = SERVER_LEVELS(1000, 10000), [SCN_IDLE] = SERVER_LEVELS(10000)                \
    }
/* Apache's MPMs by default: idle at 1,000 (memory per idle connection, the resources claim) and
 * scale at 100 and 1,000 (CPU per request, the efficiency claim), each beside its look-alike;
 * churn and every level under --profile full or where --modes names them. Not in the quick and
 * perf profiles: a prefork httpd sized for 10,000 connections forks 10,000 processes first. */
#define SCN_APACHE (SCN_BIT(SCALE) | SCN_BIT(IDLE))
#define APACHE_TRIM                                                                                \
    {                                                                                              \
        [SCN_SCALE] = SERVER_LEVELS(100, 1000), [SCN_IDLE] = SERVER_LEVELS(1000)                   \
    }
#define APACHE_NOT_IN (PROFILE_BIT(QUICK) | PROFILE_BIT(PERF))

/* The rows. X(ID, designated initialisers) */
#define SERVER_TABLE(X)                                                                            \
    X(THREAD, .name = "thread", .about = "c10k-server: one pthread per connection",                \
      .kind = SERVER_C10K, .source = "mode_thread.c", .shared_source = "blocking.c",               \
      .endpoints = ENDPOINTS_C10K, .scenarios = SCN_MODELS, .in_default = 1,                       \
      .thread_per_connection = 1, .beside = -1, .color = "#d62728",                                \
      .variants = {{.scenarios = SCN_MODELS}}, .ratios = {{SRV_LOOP, RATIO_RATE}},                 \
      .trim_levels = THREAD_TRIM)                                                                  \
    X(POOL, .name = "pool", .about = "c10k-server: a fixed pool of worker threads",                \
      .kind = SERVER_C10K, .source = "mode_pool.c", .shared_source = "blocking.c",                 \
      .endpoints = ENDPOINTS_C10K, .scenarios = SCN_MODELS, .in_default = 1, .fixed_workers = 1,   \
      .beside = -1, .color = "#ff7f0e",                                                            \
      .variants = {{.scenarios = SCN_MODELS & ~SCN_BIT(BLOCKING)},                                 \
                   {.args = {"--threads", "16"},                                                   \
                    .scenarios = SCN_BIT(BLOCKING),                                                \
                    .role = VARIANT_SIZED}},                                                       \
      .ratios = {{SRV_LOOP, RATIO_RATE}}, .trim_levels = POOL_TRIM)                                \
    X(LOOP, .name = "loop", .about = "c10k-server: libuv event loops", .kind = SERVER_C10K,        \
      .source = "mode_loop.c", .endpoints = ENDPOINTS_C10K, .scenarios = SCN_MODELS,               \
      .in_default = 1, .reference = 1, .beside = -1, .color = "#1f77b4",                           \
      .variants = {{.scenarios = SCN_MODELS},                                                      \
                   {.args = {"--loops", "@CPUS@"},                                                 \
                    .scenarios = SCN_BIT(CPU),                                                     \
                    .role = VARIANT_PER_CORE,                                                      \
                    .min_cpus = 2,                                                                 \
                    .color = "#17becf"},                                                           \
                   {.args = {"--offload"},                                                         \
                    .scenarios = SCN_BIT(CPU),                                                     \
                    .role = VARIANT_OFFLOAD,                                                       \
                    .color = "#9467bd"}},                                                          \
      .ratios = {{SRV_NGINX, RATIO_FULL}}, .trim_levels = EVENT_TRIM)                              \
    X(URING, .name = "uring", .about = "c10k-server: io_uring rings, where the kernel has them",   \
      .kind = SERVER_C10K, .source = "mode_uring.c", .endpoints = ENDPOINTS_C10K,                  \
      .scenarios = SCN_MODELS, .in_default = 1, .beside = SRV_LOOP, .color = "#8c564b",            \
      .variants = {{.scenarios = SCN_MODELS},                                                      \
                   {.args = {"--rings", "@CPUS@"},                                                 \
                    .scenarios = SCN_BIT(CPU),                                                     \
                    .role = VARIANT_PER_CORE,                                                      \
                    .min_cpus = 2,                                                                 \
                    .color = "#bcbd22"},                                                           \
                   {.args = {"--offload"},                                                         \
                    .scenarios = SCN_BIT(CPU),                                                     \
                    .role = VARIANT_OFFLOAD,                                                       \
                    .color = "#e377c2"}},                                                          \
      .ratios = {{SRV_NGINX, RATIO_FULL}, {SRV_LOOP, RATIO_EVENT}}, .trim_levels = URING_TRIM)     \
    /* The process twins of thread and pool: the same blocking code, a process where those have    \
     * a thread. In the default profile they run where their claims are answered (idle memory,     \
     * the data set, each beside thread or pool at scale), everywhere under --profile full. */     \
    X(PROCESS, .name = "process", .about = "c10k-server: one forked process per connection",       \
      .kind = SERVER_C10K, .source = "mode_process.c", .shared_source = "blocking.c",              \
      .endpoints = ENDPOINTS_C10K, .scenarios = SCN_BIT(SCALE) | SCN_BIT(IDLE) | SCN_DATASETS,     \
      .scenarios_more = SCN_MODELS, .in_default = 1, .process_per_connection = 1,                  \
      .beside = SRV_THREAD, .color = "#e7969c", .variants = {{.scenarios = SCN_MODELS}},           \
      .ratios = {{SRV_THREAD, RATIO_RATE}}, .not_in_profiles = PROFILE_BIT(PERF),                  \
      .trim_levels = {[SCN_SCALE] = SERVER_LEVELS(100, 1000), [SCN_IDLE] = SERVER_LEVELS(1000)})   \
    X(PREFORK, .name = "prefork", .about = "c10k-server: a fixed set of forked worker processes",  \
      .kind = SERVER_C10K, .source = "mode_prefork.c", .shared_source = "blocking.c",              \
      .endpoints = ENDPOINTS_C10K, .scenarios = SCN_BIT(SCALE) | SCN_BIT(IDLE) | SCN_DATASETS,     \
      .scenarios_more = SCN_MODELS, .in_default = 1, .fixed_workers = 1, .beside = SRV_POOL,       \
      .color = "#ffbb78",                                                                          \
      .variants = {{.scenarios = SCN_MODELS & ~SCN_BIT(BLOCKING)},                                 \
                   {.args = {"--processes", "16"},                                                 \
                    .scenarios = SCN_BIT(BLOCKING),                                                \
                    .role = VARIANT_SIZED}},                                                       \
      .ratios = {{SRV_POOL, RATIO_RATE}}, .not_in_profiles = PROFILE_BIT(PERF),                    \
      .trim_levels = {[SCN_SCALE] = SERVER_LEVELS(100, 1000), [SCN_IDLE] = SERVER_LEVELS(1000)})   \
    /* Apache httpd's three MPMs (peers/apache/apache.conf.in, sized for each level's              \
     * connections), each quoted beside the model it is built like: prefork is c10k-server's       \
     * prefork (a process per held connection); worker is thread per connection (a thread held     \
     * for each keep-alive connection, in processes of 64); event hands idle keep-alive            \
     * connections to a listener thread and serves requests on a fixed set of threads, as the      \
     * pool does. */                                                                               \
    X(APACHE_PREFORK, .name = "apache-prefork",                                                    \
      .about = "Apache httpd, prefork MPM (peers/apache/apache.conf.in)", .kind = SERVER_APACHE,   \
      .peer_arg = "prefork", .endpoints = ENDPOINT_BIT(PLAINTEXT), .scenarios = SCN_APACHE,        \
      .baseline = 1, .process_per_connection = 1, .start_ms_per_connection = 10,                   \
      .beside = SRV_PREFORK, .color = "#c49c94", .variants = {{.scenarios = SCN_ALL_BITS}},        \
      .scenarios_more = SCN_BIT(CHURN), .not_in_profiles = APACHE_NOT_IN,                          \
      .trim_levels = APACHE_TRIM)                                                                  \
    X(APACHE_WORKER, .name = "apache-worker",                                                      \
      .about = "Apache httpd, worker MPM (peers/apache/apache.conf.in)", .kind = SERVER_APACHE,    \
      .peer_arg = "worker", .endpoints = ENDPOINT_BIT(PLAINTEXT), .scenarios = SCN_APACHE,         \
      .baseline = 1, .thread_per_connection = 1, .beside = SRV_THREAD, .color = "#f7b6d2",         \
      .variants = {{.scenarios = SCN_ALL_BITS}}, .scenarios_more = SCN_BIT(CHURN),                 \
      .not_in_profiles = APACHE_NOT_IN, .trim_levels = APACHE_TRIM)                                \
    X(APACHE_EVENT, .name = "apache-event",                                                        \
      .about = "Apache httpd, event MPM (peers/apache/apache.conf.in)", .kind = SERVER_APACHE,     \
      .peer_arg = "event", .endpoints = ENDPOINT_BIT(PLAINTEXT), .scenarios = SCN_APACHE,          \
      .baseline = 1, .beside = SRV_POOL, .color = "#9edae5",                                       \
      .variants = {{.scenarios = SCN_ALL_BITS}}, .scenarios_more = SCN_BIT(CHURN),                 \
      .not_in_profiles = APACHE_NOT_IN, .trim_levels = APACHE_TRIM)                                \
    X(NGINX, .name = "nginx", .about = "nginx, one worker (peers/nginx/nginx.conf.in)",            \
      .kind = SERVER_NGINX, .endpoints = ENDPOINT_BIT(PLAINTEXT),                                  \
      .scenarios = SCN_BIT(SCALE) | SCN_BIT(IDLE) | SCN_PERF | SCN_LOADGEN, .baseline = 1,         \
      .serving_child = 1, .beside = SRV_LOOP, .color = "#2ca02c",                                  \
      .variants = {{.scenarios = SCN_ALL_BITS}}, .trim_levels = NGINX_TRIM)                        \
    X(PY_THREADS, .name = "py-threads",                                                            \
      .about = "the Python server: a thread per connection (ThreadingHTTPServer's way)",           \
      .kind = SERVER_PYTHON, .endpoints = ENDPOINTS_C10K, .scenarios = SCN_PYTHON_DATA,            \
      .in_default = 1, .thread_per_connection = 1, .beside = -1, .color = "#e6550d",               \
      .variants = {{.scenarios = SCN_PYTHON_DATA}}, .not_in_profiles = PROFILE_BIT(PERF),          \
      .trim_levels = PYTHON_TRIM)                                                                  \
    X(PY_ASYNCIO, .name = "py-asyncio",                                                            \
      .about = "the Python server: one asyncio loop (uvloop where installed)",                     \
      .kind = SERVER_PYTHON, .endpoints = ENDPOINTS_C10K, .scenarios = SCN_PYTHON,                 \
      .in_default = 1, .beside = -1, .color = "#3182bd", .variants = {{.scenarios = SCN_PYTHON}},  \
      .not_in_profiles = PROFILE_BIT(PERF),                                                        \
      .trim_levels = PYTHON_TRIM_WITH(SERVER_LEVELS(8), SERVER_NO_LEVELS))                         \
    X(PY_THREADPOOL, .name = "py-threadpool",                                                      \
      .about = "the Python server: an asyncio front, work on a ThreadPoolExecutor",                \
      .kind = SERVER_PYTHON, .endpoints = ENDPOINTS_C10K, .scenarios = SCN_PYTHON,                 \
      .scenarios_more = SCN_DATASETS, .in_default = 1, .fixed_workers = 1, .beside = -1,           \
      .color = "#756bb1",                                                                          \
      .variants = {{.scenarios = SCN_PYTHON_DATA & ~SCN_BIT(BLOCKING)},                            \
                   {.args = {"--threads", "16"},                                                   \
                    .scenarios = SCN_BIT(BLOCKING),                                                \
                    .role = VARIANT_SIZED}},                                                       \
      .not_in_profiles = PROFILE_BIT(PERF), .trim_levels = PYTHON_POOL_TRIM)                       \
    X(PY_PROCESSPOOL, .name = "py-processpool",                                                    \
      .about = "the Python server: an asyncio front, work on a ProcessPoolExecutor (fork)",        \
      .kind = SERVER_PYTHON, .endpoints = ENDPOINTS_C10K, .scenarios = SCN_PYTHON_DATA,            \
      .in_default = 1, .fixed_workers = 1, .beside = -1, .color = "#31a354",                       \
      .variants = {{.scenarios = SCN_PYTHON_DATA & ~SCN_BIT(BLOCKING)},                            \
                   {.args = {"--processes", "16"},                                                 \
                    .scenarios = SCN_BIT(BLOCKING),                                                \
                    .role = VARIANT_SIZED}},                                                       \
      .not_in_profiles = PROFILE_BIT(PERF), .trim_levels = PYTHON_POOL_TRIM)

#define SERVER_ENUM(id, ...) SRV_##id,
enum server_id { SERVER_TABLE(SERVER_ENUM) SRV_COUNT };
#undef SERVER_ENUM

extern const struct bench_server bench_servers[SRV_COUNT];

/* The row called name, or NULL. */
const struct bench_server *server_find(const char *name);
/* A row's index (SRV_*). */
int server_id_of(const struct bench_server *s);

/* Parses "thread,pool" into SRV_* bits. Returns 0, or -EINVAL naming the bad item in bad. */
int server_parse_list(const char *list, unsigned *bits, char *bad, size_t bad_len);
/* "thread, pool, loop, uring or nginx", for messages and --help. */
const char *server_names(void);

/* Whether it runs in the scenario: in .scenarios, or in .scenarios_more where it runs
 * everywhere (plan.c says when). */
int server_runs_in(const struct bench_server *s, int scenario, int every);

/* A run's label: the name and the variant's arguments with @CPUS@ filled ("loop --loops 2"). */
void server_label(const struct bench_server *s, int variant, int cpus, char *buf, size_t len);
/* The row and variant a label names (an older results.json's "model"), or NULL. */
const struct bench_server *server_of_label(const char *label, int *variant);

#endif
