/* The table of scenarios (each answers a question about the servers) and of the profiles that
 * size them. A scenario is one row: its name and question, its levels in each profile, its load
 * (path, connections, rate, pipelining, generator, timeouts, wrapper), what it needs and how its
 * runs are summarised in the perf profile. plan.c turns the rows into runs; the container
 * scenarios' runs come from docker/run.sh instead, and the claims find them by their rows. */
#ifndef C10K_BENCH_SCENARIOS_H
#define C10K_BENCH_SCENARIOS_H

#include "schema.h"
#include "wrap.h"

#include <stddef.h>

struct run_spec;
struct plan_opts;
struct run_record;

/* ---- Profiles ---- */

enum profile_id {
    PROFILE_QUICK,
    PROFILE_DEFAULT,
    PROFILE_FULL,
    PROFILE_PERF,
    PROFILE_LOADGEN,
    PROFILE_COUNT
};

struct bench_profile {
    const char *name, *about;
    double warmup_s, duration_s;
    unsigned scenarios; /* what runs unless --scenarios says */
    int repeat;         /* repetitions unless --repeat says */
    double calib_s;     /* the calibration's estimated time */
    int trim;           /* servers run at their .trim_levels only (servers.h) */
};

extern const struct bench_profile bench_profiles[PROFILE_COUNT];
/* The profile called name, or NULL. */
const struct bench_profile *profile_find(const char *name);

/* ---- Endpoints a scenario's requests need ---- */

#define ENDPOINT_TABLE(X)                                                                          \
    X(PLAINTEXT)                                                                                   \
    X(WORK)                                                                                        \
    X(SLEEP)                                                                                       \
    X(DATA)
#define ENDPOINT_ENUM(id) ENDPOINT_##id,
enum endpoint_id { ENDPOINT_TABLE(ENDPOINT_ENUM) ENDPOINT_COUNT };
#undef ENDPOINT_ENUM
#define ENDPOINT_BIT(id) (1u << ENDPOINT_##id)
#define ENDPOINTS_C10K                                                                             \
    (ENDPOINT_BIT(PLAINTEXT) | ENDPOINT_BIT(WORK) | ENDPOINT_BIT(SLEEP) | ENDPOINT_BIT(DATA))

/* The data set the dataset scenarios serve (c10k-server --dataset, entries of 1 KiB), its size
 * as the server's argument, in bytes, and its keys. */
#define DATASET_MIB 256
#define DATASET_STR_(x) #x
#define DATASET_STR(x) DATASET_STR_(x)
#define DATASET_SIZE DATASET_STR(DATASET_MIB) "M"
#define DATASET_BYTES ((double)DATASET_MIB * 1024 * 1024)
#define DATASET_KEYS (DATASET_MIB * 1024)

/* ---- Scenarios ---- */

/* The load generators. */
enum bench_tool {
    TOOL_WRK,  /* closed loop, keep-alive: wrk with a Lua done() that prints JSON */
    TOOL_LOAD, /* c10k-load: open loop, idle connections, ramp, several source addresses */
};

/* Which load generator a scenario's runs take. */
enum tool_choice {
    TOOL_CLOSED,       /* the closed-loop one that loads a server hardest (c10k-load, unless
                        * --generator wrk or it is missing) */
    TOOL_PREFERS_LOAD, /* c10k-load where there is one (its timeouts and source addresses) */
    TOOL_NEEDS_LOAD,   /* c10k-load only: the run is skipped without it */
    TOOL_EACH,         /* wrk, then c10k-load (one part each) */
};

/* Which ratios the perf summary gives of one server against another (a server row's .ratios),
 * from the fewest figures to the most; a summary figure says from which kind on it is quoted. */
enum ratio_kind {
    RATIO_NONE,
    RATIO_RATE,  /* requests/s at each scale level */
    RATIO_EVENT, /* and CPU per request, and the perf scenarios' own figures */
    RATIO_FULL,  /* and p99 at each scale level */
};

/* A figure of the perf summary, for one server (or load generator) at one level: its name
 * there, and what it is over the runs of that cell (every repetition that ran to the end).
 * Of a run field: its median (a number), or the first run's value (a string or JSON); of a
 * function of each run: its median; or a function of the cell's runs together. A flag is a
 * yes/no about the figures before it (written true or false, and only beside them). */
struct summary_figure {
    const char *key;
    int field; /* RUN_F_*; -1: computed */
    double (*compute)(const struct run_record *r);
    double (*of_runs)(const struct run_record *const *runs, size_t n);
    json_t *(*json_of_runs)(const struct run_record *const *runs, size_t n); /* an object */
    int flag;
    /* The ratios that quote it: a pair of servers of this kind or more (servers.h), or in a
     * scenario keyed by load generator each generator against the first; and its name there. */
    enum ratio_kind ratio;
    const char *ratio_name;
};

#define LEVELS_MAX 12
#define LEVEL_END (-1)
#define LEVEL_MAX (-2) /* as many connections as the limits allow */
#define SUMMARY_MAX 10

struct bench_scenario {
    const char *name, *title, *question, *x_label, *how;
    int levels[PROFILE_COUNT][LEVELS_MAX]; /* each ended by LEVEL_END; none: not in it */
    /* The load. */
    unsigned endpoint; /* ENDPOINT_BIT() its path needs */
    const char *path;  /* a printf format taking the profile's work_us or sleep_ms */
    int close;         /* a new connection per request (else keep-alive) */
    int busy;          /* busy connections whatever the level (idle: 10); 0: the level */
    int level_is_idle; /* the level counts the idle connections beside them */
    double rate;       /* open loop: requests/s in all; 0: closed loop */
    int pipeline;      /* requests in flight per connection */
    enum tool_choice tool;
    double timeout_s;                    /* a slower request is a client error (0: the default) */
    double max_warmup_s, max_duration_s; /* caps on the profile's (0: none) */
    int sources;                         /* c10k-load's source addresses (0: one) */
    int server_all_cpus;                 /* the server may use every CPU */
    enum wrap_kind wrap;                 /* the server runs under this wrapper */
    int parts;                           /* runs per level and server (0: one) */
    const char *server_args[2]; /* the server's for this scenario (c10k-server: its data set) */
    int keys;                   /* c10k-load --keys: {key} in the path is a key below this */
    double ready_s;             /* the server may take this much longer to start (a data set) */
    /* The odd ones' own shaping of a run (hold, instructions), after the fields above. */
    void (*shape)(struct run_spec *r, int part, const struct plan_opts *o);
    /* What it needs and does besides the load. */
    int calibration;         /* not runs: the calibration of this machine */
    int container;           /* docker/run.sh runs it in containers under its limits; c10k-bench
                              * reads its runs (--from-docker) and never plans it. These rows
                              * come last: --scenarios's choices are the rows before them */
    int sample_idle_threads; /* read the idle connections' threads (thread-per-connection) */
    int profile_cpu;         /* perf's samples of the server's CPUs, where perf can */
    int placement;           /* where the server's threads ran (run/placement.h) */
    int one_server;          /* one server: the baseline, else the reference (load generators) */
    int by_tool;             /* the perf summary is keyed by load generator */
    int ratios_per_level;    /* its ratios are named with their level ("at 100") */
    struct summary_figure summary[SUMMARY_MAX]; /* the perf summary's figures */
};

double scenario_min_open(const struct run_record *r);
double scenario_held(const struct run_record *const *runs, size_t n);
double scenario_instructions_per_request(const struct run_record *const *runs, size_t n);
json_t *scenario_area_pct(const struct run_record *const *runs, size_t n);
void scenario_shape_hold(struct run_spec *r, int part, const struct plan_opts *o);
void scenario_shape_instructions(struct run_spec *r, int part, const struct plan_opts *o);

/* A summary figure: the median of a run field; the same, quoted in the ratios; computed. */
#define SUM(name, id)                                                                              \
    {                                                                                              \
        .key = name, .field = RUN_F_##id                                                           \
    }
#define SUM_RATIO(name, id, kind, what)                                                            \
    {                                                                                              \
        .key = name, .field = RUN_F_##id, .ratio = RATIO_##kind, .ratio_name = what                \
    }
#define SUM_OF_RUNS(name, fn, ...)                                                                 \
    {                                                                                              \
        .key = name, .field = -1, .of_runs = fn, __VA_ARGS__                                       \
    }
/* How busy the server's core and the load generator were. */
#define SUM_BUSY SUM("server_busy", SAT_SERVER_BUSY), SUM("client_busy", SAT_CLIENT_BUSY)

/* The rows, in the order a session runs them. X(ID, designated initialisers) */
#define SCENARIO_TABLE(X)                                                                          \
    X(SCALE, .name = "scale", .title = "Scale: keep-alive requests at rising concurrency",         \
      .question = "Where does each model's throughput and latency bend as connections grow, and "  \
                  "why?",                                                                          \
      .x_label = "concurrent connections",                                                         \
      .how = "GET /plaintext over keep-alive connections, closed loop (each connection sends its " \
             "next request when the previous answer arrives), from the load generator that "       \
             "loads a server hardest here (c10k-load, one thread per load CPU, unless "            \
             "--generator wrk).",                                                                  \
      .levels = {[PROFILE_QUICK] = {10, 1000, LEVEL_END},                                          \
                 [PROFILE_DEFAULT] = {10, 100, 1000, 5000, 10000, LEVEL_END},                      \
                 [PROFILE_FULL] = {10, 100, 1000, 2000, 5000, 10000, 15000, LEVEL_MAX, LEVEL_END}, \
                 [PROFILE_PERF] = {100, 1000, 10000, LEVEL_END},                                   \
                 [PROFILE_LOADGEN] = {100, 1000, LEVEL_END}},                                      \
      .endpoint = ENDPOINT_BIT(PLAINTEXT), .path = "/plaintext", .profile_cpu = 1,                 \
      .ratios_per_level = 1,                                                                       \
      .summary = {                                                                                 \
          SUM_RATIO("requests_per_s", CLIENT_REQUESTS_PER_S, RATE, "req/s"),                       \
          SUM_RATIO("p99_us", CLIENT_LATENCY_P99, FULL, "p99"),                                    \
          SUM("errors", CLIENT_ERRORS_TOTAL),                                                      \
          SUM_RATIO("cpu_us_per_request", SERVER_CPU_US_PER_REQUEST, EVENT, "CPU per request"),    \
          SUM_BUSY,                                                                                \
          {.key = "area_pct", .field = -1, .json_of_runs = scenario_area_pct}})                    \
    X(PIPELINE, .name = "pipeline", .title = "Pipelined requests",                                 \
      .question = "What does a request cost each server when the per-request overhead of "         \
                  "waiting is gone?",                                                              \
      .x_label = "concurrent connections",                                                         \
      .how = "GET /plaintext over keep-alive connections with 16 requests in flight on each "      \
             "(c10k-load --pipeline 16), closed loop.",                                            \
      .levels = {[PROFILE_QUICK] = {100, LEVEL_END},                                               \
                 [PROFILE_DEFAULT] = {100, LEVEL_END},                                             \
                 [PROFILE_FULL] = {100, LEVEL_END},                                                \
                 [PROFILE_PERF] = {100, LEVEL_END},                                                \
                 [PROFILE_LOADGEN] = {100, LEVEL_END}},                                            \
      .endpoint = ENDPOINT_BIT(PLAINTEXT), .path = "/plaintext", .pipeline = 16,                   \
      .tool = TOOL_NEEDS_LOAD,                                                                     \
      .summary = {SUM_RATIO("requests_per_s", CLIENT_REQUESTS_PER_S, EVENT, "pipelined req/s"),    \
                  SUM("p99_us", CLIENT_LATENCY_P99),                                               \
                  SUM_RATIO("cpu_us_per_request", SERVER_CPU_US_PER_REQUEST, EVENT,                \
                            "pipelined CPU per request"),                                          \
                  SUM_BUSY})                                                                       \
    X(SYSCALLS, .name = "syscalls", .title = "System calls and context switches per request",      \
      .question = "How many system calls and context switches does each server make per "          \
                  "request?",                                                                      \
      .x_label = "concurrent connections",                                                         \
      .how = "The server runs under perf stat (the raw_syscalls:sys_enter tracepoint and the "     \
             "context-switches counter, over every thread and child) or, where perf cannot, "      \
             "strace -f -c; its counts over its life divided by the requests it answered (its "    \
             "own counter). The tracing slows the server: its throughput here is no figure.",      \
      .levels = {[PROFILE_QUICK] = {1000, LEVEL_END},                                              \
                 [PROFILE_DEFAULT] = {1000, LEVEL_END},                                            \
                 [PROFILE_FULL] = {1000, LEVEL_END},                                               \
                 [PROFILE_PERF] = {1000, LEVEL_END},                                               \
                 [PROFILE_LOADGEN] = {1000, LEVEL_END}},                                           \
      .endpoint = ENDPOINT_BIT(PLAINTEXT), .path = "/plaintext", .wrap = WRAP_SYSCALLS,            \
      .summary = {SUM_RATIO("syscalls_per_request", WRAP_SYSCALLS_PER_REQUEST, EVENT,              \
                            "system calls per request"),                                           \
                  SUM("context_switches_per_request", WRAP_CONTEXT_SWITCHES_PER_REQUEST),          \
                  SUM("cpu_us_per_request", SERVER_CPU_US_PER_REQUEST), SUM("tool", WRAP_TOOL),    \
                  SUM("breakdown", WRAP_PER_REQUEST)})                                             \
    X(INSTRUCTIONS, .name = "instructions", .title = "User-space instructions per request",        \
      .question = "How much user-space work does each server do per request, free of the "         \
                  "machine's noise?",                                                              \
      .x_label = "concurrent connections",                                                         \
      .how = "The server runs under valgrind's callgrind twice, answering 2,000 and then 22,000 "  \
             "requests over 100 keep-alive connections; the difference in instructions over the "  \
             "difference in requests leaves start-up and shutdown out.",                           \
      .levels = {[PROFILE_QUICK] = {100, LEVEL_END},                                               \
                 [PROFILE_DEFAULT] = {100, LEVEL_END},                                             \
                 [PROFILE_FULL] = {100, LEVEL_END},                                                \
                 [PROFILE_PERF] = {100, LEVEL_END},                                                \
                 [PROFILE_LOADGEN] = {100, LEVEL_END}},                                            \
      .endpoint = ENDPOINT_BIT(PLAINTEXT), .path = "/plaintext", .tool = TOOL_NEEDS_LOAD,          \
      .wrap = WRAP_CALLGRIND, .parts = 2, .shape = scenario_shape_instructions,                    \
      .summary = {SUM_OF_RUNS("instructions_per_request", scenario_instructions_per_request,       \
                              .ratio = RATIO_EVENT, .ratio_name = "instructions per request")})    \
    X(IDLE, .name = "idle",                                                                        \
      .title = "Idle: many silent keep-alive connections beside a few busy "                       \
               "ones",                                                                             \
      .question = "What does a connection cost while it does nothing, in user and kernel "         \
                  "memory, and what do the busy connections feel?",                                \
      .x_label = "idle connections",                                                               \
      .how = "N silent keep-alive connections (opened at 2,500 per second) plus 10 busy ones "     \
             "sending GET /plaintext at 1,000 requests/s in total (open loop: latency counted "    \
             "from when each request was due).",                                                   \
      .levels = {[PROFILE_QUICK] = {1000, LEVEL_END},                                              \
                 [PROFILE_DEFAULT] = {0, 1000, 5000, 10000, LEVEL_END},                            \
                 [PROFILE_FULL] = {0, 1000, 5000, 10000, 15000, LEVEL_MAX, LEVEL_END},             \
                 [PROFILE_PERF] = {10000, LEVEL_END},                                              \
                 [PROFILE_LOADGEN] = {1000, LEVEL_END}},                                           \
      .endpoint = ENDPOINT_BIT(PLAINTEXT), .path = "/plaintext", .busy = 10, .level_is_idle = 1,   \
      .rate = 1000, .tool = TOOL_NEEDS_LOAD, .sample_idle_threads = 1,                             \
      .summary = {SUM_RATIO("rss_bytes_per_connection", PC_RSS_BYTES, EVENT,                       \
                            "idle bytes per connection")})                                         \
    X(CPU, .name = "cpu", .title = "CPU-bound requests",                                           \
      .question = "Which models use every core for CPU-bound work: one loop, several loops, an "   \
                  "offload pool, threads?",                                                        \
      .x_label = "concurrent connections",                                                         \
      .how = "GET /work (a fixed amount of CPU work per request), closed loop; here the server "   \
             "may use every CPU.",                                                                 \
      .levels = {[PROFILE_QUICK] = {8, LEVEL_END},                                                 \
                 [PROFILE_DEFAULT] = {1, 2, 8, 32, LEVEL_END},                                     \
                 [PROFILE_FULL] = {1, 2, 4, 8, 32, 128, LEVEL_END},                                \
                 [PROFILE_PERF] = {8, LEVEL_END},                                                  \
                 [PROFILE_LOADGEN] = {8, LEVEL_END}},                                              \
      .endpoint = ENDPOINT_BIT(WORK), .path = "/work?cpu_us=500", .server_all_cpus = 1,            \
      .placement = 1)                                                                              \
    X(BLOCKING, .name = "blocking", .title = "Blocking calls: more waiting requests than workers", \
      .question = "What happens when requests wait (blocking I/O, here /sleep) and there are "     \
                  "more of them than pool workers: pool saturation versus a thread each versus "   \
                  "timers?",                                                                       \
      .x_label = "concurrent connections",                                                         \
      .how = "GET /sleep (a blocking sleep in thread and pool, a timer in the loop), closed loop " \
             "over keep-alive connections; the pool has 16 workers. A request unanswered after 2 " \
             "s is a timeout error.",                                                              \
      .levels = {[PROFILE_QUICK] = {64, LEVEL_END},                                                \
                 [PROFILE_DEFAULT] = {4, 16, 64, 256, 1024, LEVEL_END},                            \
                 [PROFILE_FULL] = {4, 16, 64, 256, 1024, 4096, LEVEL_END},                         \
                 [PROFILE_PERF] = {64, LEVEL_END},                                                 \
                 [PROFILE_LOADGEN] = {64, LEVEL_END}},                                             \
      .endpoint = ENDPOINT_BIT(SLEEP), .path = "/sleep?ms=50", .tool = TOOL_PREFERS_LOAD,          \
      .timeout_s = 2.0)                                                                            \
    X(CHURN, .name = "churn", .title = "Connection churn: a new connection per request",           \
      .question = "What do accept and, for threads, thread creation cost when every request "      \
                  "comes on a new connection?",                                                    \
      .x_label = "concurrent clients",                                                             \
      .how = "GET /plaintext with Connection: close, a new connection for every request, closed "  \
             "loop, from 40 source addresses (1 s warm-up, 3 s measured).",                        \
      .levels = {[PROFILE_QUICK] = {8, LEVEL_END},                                                 \
                 [PROFILE_DEFAULT] = {1, 8, 64, LEVEL_END},                                        \
                 [PROFILE_FULL] = {1, 8, 64, 256, LEVEL_END},                                      \
                 [PROFILE_PERF] = {8, LEVEL_END},                                                  \
                 [PROFILE_LOADGEN] = {8, LEVEL_END}},                                              \
      .endpoint = ENDPOINT_BIT(PLAINTEXT), .path = "/plaintext", .close = 1,                       \
      .tool = TOOL_PREFERS_LOAD, .max_warmup_s = 1.0, .max_duration_s = 3.0, .sources = 40)        \
    X(DATASET, .name = "dataset", .title = "A data set: reads",                                    \
      .question = "What does each model hold in memory when it serves a data set: one copy "       \
                  "shared by its threads, or one per process?",                                    \
      .x_label = "concurrent connections",                                                         \
      .how = "The server builds a 256 MiB table of 1 KiB entries at start (--dataset 256M); GET "  \
             "/data?key=K reads one entry, K walking every key (c10k-load --keys), closed loop "   \
             "over keep-alive connections; the server's processes' PSS summed and their private "  \
             "bytes (smaps_rollup).",                                                              \
      .levels = {[PROFILE_QUICK] = {16, LEVEL_END},                                                \
                 [PROFILE_DEFAULT] = {64, LEVEL_END},                                              \
                 [PROFILE_FULL] = {4, 16, 64, 256, LEVEL_END}},                                    \
      .endpoint = ENDPOINT_BIT(DATA), .path = "/data?key={key}", .tool = TOOL_NEEDS_LOAD,          \
      .server_args = {"--dataset", DATASET_SIZE}, .keys = DATASET_KEYS, .ready_s = 30)             \
    X(DATASET_WRITE, .name = "dataset-write", .title = "A data set: writes",                       \
      .question = "And when every request writes the entry it reads: does each process end up "    \
                  "with its own copy of what it touched?",                                         \
      .x_label = "concurrent connections",                                                         \
      .how = "As dataset, with GET /data?key=K&write=1: each request rewrites its entry, so "      \
             "pages a forked process shared with its parent become its own (copy on write).",      \
      .levels = {[PROFILE_QUICK] = {16, LEVEL_END},                                                \
                 [PROFILE_DEFAULT] = {64, LEVEL_END},                                              \
                 [PROFILE_FULL] = {4, 16, 64, 256, LEVEL_END}},                                    \
      .endpoint = ENDPOINT_BIT(DATA), .path = "/data?key={key}&write=1", .tool = TOOL_NEEDS_LOAD,  \
      .server_args = {"--dataset", DATASET_SIZE}, .keys = DATASET_KEYS, .ready_s = 30)             \
    X(GENERATORS, .name = "generators", .title = "Load generators: c10k-load against wrk",         \
      .question = "How much CPU does each load generator spend per request against the same "      \
                  "server?",                                                                       \
      .x_label = "concurrent connections",                                                         \
      .how = "GET /plaintext over keep-alive connections, closed loop, from wrk and then "         \
             "c10k-load (one thread each on the load CPU) against one server: nginx, or the loop " \
             "without it; the generator's CPU time over the measured window per request "          \
             "answered.",                                                                          \
      .levels = {[PROFILE_QUICK] = {100, 1000, LEVEL_END},                                         \
                 [PROFILE_DEFAULT] = {100, 1000, LEVEL_END},                                       \
                 [PROFILE_FULL] = {100, 1000, LEVEL_END},                                          \
                 [PROFILE_PERF] = {100, 1000, LEVEL_END},                                          \
                 [PROFILE_LOADGEN] = {100, 1000, LEVEL_END}},                                      \
      .endpoint = ENDPOINT_BIT(PLAINTEXT), .path = "/plaintext", .tool = TOOL_EACH, .parts = 2,    \
      .one_server = 1, .by_tool = 1, .ratios_per_level = 1,                                        \
      .summary = {SUM_RATIO("client_cpu_us_per_request", SAT_CLIENT_CPU_US_PER_REQUEST, RATE,      \
                            "load generator CPU per request"),                                     \
                  SUM("requests_per_s", CLIENT_REQUESTS_PER_S), SUM_BUSY})                         \
    X(HOLD, .name = "hold", .title = "One c10k-load holding many connections",                     \
      .question = "What does one c10k-load process cost to hold N connections, past one source "   \
                  "address's ports?",                                                              \
      .x_label = "connections held",                                                               \
      .how = "N keep-alive connections from one c10k-load process, 100 busy (closed loop) and "    \
             "the rest idle, opened at 5,000 per second from 40 source addresses; the client's "   \
             "descriptors, memory and CPU, and the fewest connections open in any measured "       \
             "second.",                                                                            \
      .levels = {[PROFILE_QUICK] = {15000, LEVEL_END},                                             \
                 [PROFILE_DEFAULT] = {15000, LEVEL_END},                                           \
                 [PROFILE_FULL] = {15000, LEVEL_END},                                              \
                 [PROFILE_PERF] = {15000, LEVEL_END},                                              \
                 [PROFILE_LOADGEN] = {15000, LEVEL_END}},                                          \
      .endpoint = ENDPOINT_BIT(PLAINTEXT), .path = "/plaintext", .tool = TOOL_NEEDS_LOAD,          \
      .sources = 40, .shape = scenario_shape_hold, .one_server = 1,                                \
      .summary = {{.key = "min_open", .field = -1, .compute = scenario_min_open},                  \
                  SUM("max_open", CLIENT_CONNECTIONS_MAX_OPEN),                                    \
                  SUM("errors", CLIENT_ERRORS_TOTAL),                                              \
                  SUM("client_rss_bytes", CLIENT_PROCESS_RSS_BYTES),                               \
                  SUM("client_fds", CLIENT_PROCESS_FDS),                                           \
                  SUM("client_cores", SAT_CLIENT_CORES),                                           \
                  SUM("server_connections", SERVER_CONNECTIONS_HELD_PEAK),                         \
                  SUM("tcp_inuse_peak", MACHINE_TCP_INUSE_PEAK),                                   \
                  SUM_OF_RUNS("held", scenario_held, .flag = 1)})                                  \
    X(CTXSWITCH, .name = "ctxswitch", .title = "Context switch and thread costs on this machine",  \
      .question = "What does one context switch cost here, and creating a thread or a process, "   \
                  "and an idle thread's or process's memory?",                                     \
      .x_label = "",                                                                               \
      .how = "Two threads (and two processes) pinned to one CPU pass a byte back and forth over "  \
             "pipes; threads are created and joined, then a thousand are kept idle and "           \
             "measured; the same with processes (fork, _exit, waitpid; then hundreds kept idle, "  \
             "their PSS and private bytes read).",                                                 \
      .calibration = 1)                                                                            \
    X(CONSTRAINED, .name = "constrained",                                                          \
      .title = "Docker, constrained: a small memory limit and a tight pids limit",                 \
      .question = "The same connection ramp against each model in a small container: where is "    \
                  "thread-per-connection refused or killed, and does the loop hold?",              \
      .x_label = "connections (busy + idle)",                                                      \
      .how = "docker/run.sh: the server container under a small memory limit (no swap) and a "     \
             "tight pids limit; the load opens the level's connections (a few busy, the rest "     \
             "idle keep-alive) at a fixed rate, then measures.",                                   \
      .endpoint = ENDPOINT_BIT(PLAINTEXT), .path = "/plaintext", .container = 1)                   \
    X(MEMORY, .name = "memory", .title = "Docker, memory only: a smaller memory limit",            \
      .question = "The same ramp under a smaller memory limit and no tight pids limit: which "     \
                  "model does the OOM killer take?",                                               \
      .x_label = "connections (busy + idle)",                                                      \
      .how = "docker/run.sh: the server container under a smaller memory limit (no swap) and a "   \
             "loose pids limit, the constrained scenario's load; an OOM kill is read from the "    \
             "engine (State.OOMKilled).",                                                          \
      .endpoint = ENDPOINT_BIT(PLAINTEXT), .path = "/plaintext", .container = 1)

#define SCENARIO_ENUM(id, ...) SCN_##id,
enum scenario_id { SCENARIO_TABLE(SCENARIO_ENUM) SCN_COUNT };
#undef SCENARIO_ENUM
#define SCN_BIT(id) (1u << SCN_##id)
#define SCN_ALL_BITS ((1u << SCN_COUNT) - 1)
/* The scenarios of the quick, default and full profiles, which every model runs. */
#define SCN_MODELS                                                                                 \
    (SCN_BIT(SCALE) | SCN_BIT(IDLE) | SCN_BIT(CPU) | SCN_BIT(BLOCKING) | SCN_BIT(CHURN) |          \
     SCN_BIT(CTXSWITCH) | SCN_PERF | SCN_DATASETS)
/* The data set's, read and written. */
#define SCN_DATASETS (SCN_BIT(DATASET) | SCN_BIT(DATASET_WRITE))
/* The perf profile's, beside scale and idle. */
#define SCN_PERF (SCN_BIT(PIPELINE) | SCN_BIT(SYSCALLS) | SCN_BIT(INSTRUCTIONS))
/* The loadgen profile's: what the load generator costs. */
#define SCN_LOADGEN (SCN_BIT(GENERATORS) | SCN_BIT(HOLD))

extern const struct bench_scenario bench_scenarios[SCN_COUNT];

/* The row called name, or NULL. */
const struct bench_scenario *scenario_find(const char *name);
int scenario_id_of(const struct bench_scenario *s);
/* Parses "scale,idle" into SCN_BIT()s. Returns 0, or -EINVAL naming the bad item in bad (a
 * container scenario is not one c10k-bench runs: it is refused too). */
int scenario_parse_list(const char *list, unsigned *bits, char *bad, size_t bad_len);
/* "scale,pipeline,...,ctxswitch", for --help (the container scenarios left out). */
const char *scenario_names(void);

#endif
