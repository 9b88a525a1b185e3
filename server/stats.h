/* Counters that cost the hot path almost nothing: each thread writes only its own shard (plain
 * relaxed loads and stores, no lock prefix, no shared cache line), and a reader sums every shard
 * under the registry lock. A shard that goes away (a connection thread ends) folds its values into
 * the retired totals first, so nothing counted is lost. */
#ifndef C10K_STATS_H
#define C10K_STATS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

enum route {
    ROUTE_PLAINTEXT,
    ROUTE_JSON,
    ROUTE_WORK,
    ROUTE_SLEEP,
    ROUTE_ECHO,
    ROUTE_STATS,
    ROUTE_METRICS,
    ROUTE_DASHBOARD,
    ROUTE_DATA,
    ROUTE_OTHER,
    ROUTE_COUNT
};

/* Every counter, once: X(id, group, name, metric, label, type, help).
 * /stats renders each as "name":value in the JSON object `group` ("a.b" nests b inside a), in
 * this order. /metrics renders those with a metric name: the unlabelled ones each as a family of
 * their own, then the labelled ones, a family per metric with `label`="name" told apart, in
 * order of first appearance (a family's HELP and TYPE are its first row's). Gauges are printed
 * signed: they are sums of +1 and -1 over every shard. Adding a counter is adding a row. */
#define STATS_COUNTERS(X)                                                                          \
    X(ACTIVE, "connections", "active", "c10k_connections", "state", GAUGE,                         \
      "Open connections by state.") /* not counted in shards: see STAT_ACTIVE */                   \
    X(ACCEPTED, "connections", "accepted", "c10k_connections_accepted_total", NULL, COUNTER,       \
      "Connections accepted.")                                                                     \
    X(HANDLED, "connections", "handled", "c10k_connections_handled_total", NULL, COUNTER,          \
      "Connections served.")                                                                       \
    X(REJECTED, "connections", "rejected", "c10k_connections_rejected_total", NULL, COUNTER,       \
      "Connections refused with 503.")                                                             \
    X(CLOSED, "connections", "closed", "c10k_connections_closed_total", NULL, COUNTER,             \
      "Served connections closed.")                                                                \
    X(READING, "connections", "reading", "c10k_connections", "state", GAUGE,                       \
      "Open connections by state.")                                                                \
    X(WRITING, "connections", "writing", "c10k_connections", "state", GAUGE,                       \
      "Open connections by state.")                                                                \
    X(WAITING, "connections", "waiting", "c10k_connections", "state", GAUGE,                       \
      "Open connections by state.")                                                                \
    X(REQUESTS, "requests", "total", "c10k_requests_total", NULL, COUNTER, "Requests answered.")   \
    STATS_ROUTE_COUNTER(X, PLAINTEXT, "plaintext")                                                 \
    STATS_ROUTE_COUNTER(X, JSON, "json")                                                           \
    STATS_ROUTE_COUNTER(X, WORK, "work")                                                           \
    STATS_ROUTE_COUNTER(X, SLEEP, "sleep")                                                         \
    STATS_ROUTE_COUNTER(X, ECHO, "echo")                                                           \
    STATS_ROUTE_COUNTER(X, STATS, "stats")                                                         \
    STATS_ROUTE_COUNTER(X, METRICS, "metrics")                                                     \
    STATS_ROUTE_COUNTER(X, DASHBOARD, "dashboard")                                                 \
    STATS_ROUTE_COUNTER(X, DATA, "data")                                                           \
    STATS_ROUTE_COUNTER(X, OTHER, "other")                                                         \
    STATS_RESPONSE_COUNTER(X, 1XX, "1xx")                                                          \
    STATS_RESPONSE_COUNTER(X, 2XX, "2xx")                                                          \
    STATS_RESPONSE_COUNTER(X, 3XX, "3xx")                                                          \
    STATS_RESPONSE_COUNTER(X, 4XX, "4xx")                                                          \
    STATS_RESPONSE_COUNTER(X, 5XX, "5xx")                                                          \
    /* malformed requests (400, 411, 413, 414, 431, 501, 505) */                                   \
    X(ERR_PARSE, "errors", "parse", "c10k_parse_errors_total", NULL, COUNTER,                      \
      "Malformed requests.")                                                                       \
    /* well-formed requests with an invalid /work, /sleep or /data parameter */                    \
    X(ERR_PARAM, "errors", "bad_param", "c10k_bad_param_errors_total", NULL, COUNTER,              \
      "Requests with an invalid parameter.")                                                       \
    /* connections closed by a header, body or write timeout */                                    \
    X(ERR_TIMEOUT, "errors", "timeout", "c10k_timeouts_total", NULL, COUNTER,                      \
      "Connections closed by a timeout.")                                                          \
    /* read or write errors other than a peer's orderly close */                                   \
    X(ERR_IO, "errors", "io", "c10k_io_errors_total", NULL, COUNTER, "Read and write errors.")     \
    X(ERR_ACCEPT, "errors", "accept", "c10k_accept_errors_total", NULL, COUNTER,                   \
      "accept() failures.")                                                                        \
    /* connections turned away for want of descriptors */                                          \
    X(ERR_EMFILE, "errors", "emfile", NULL, NULL, COUNTER, NULL)                                   \
    /* connections refused because no thread could be created */                                   \
    X(ERR_THREAD, "errors", "thread_create", NULL, NULL, COUNTER, NULL)                            \
    /* connections refused because no process could be forked (process model) */                   \
    X(ERR_FORK, "errors", "fork", NULL, NULL, COUNTER, NULL)                                       \
    /* serving processes that died (signal, error), or in prefork ended before a drain */          \
    X(ERR_PROCESS_DIED, "errors", "process_died", NULL, NULL, COUNTER, NULL)                       \
    /* connections refused at --max-conns */                                                       \
    X(ERR_MAX_CONNS, "errors", "max_conns", NULL, NULL, COUNTER, NULL)                             \
    /* idle keep-alive connections closed by their timeout */                                      \
    X(KEEPALIVE_CLOSED, "errors", "keepalive_closed", NULL, NULL, COUNTER, NULL)                   \
    /* the client closed or reset amid a request or its response */                                \
    X(ERR_CLIENT_ABORT, "errors", "client_abort", "c10k_client_aborts_total", NULL, COUNTER,       \
      "Connections the client closed or reset amid a request or its response.")                    \
    X(BYTES_IN, "bytes", "in", "c10k_received_bytes_total", NULL, COUNTER, "Bytes received.")      \
    X(BYTES_OUT, "bytes", "out", "c10k_sent_bytes_total", NULL, COUNTER, "Response bytes produced.")

/* Requests answered per route, in the order of enum route. */
#define STATS_ROUTE_COUNTER(X, r, name)                                                            \
    X(ROUTE_##r, "requests.by_endpoint", name, "c10k_endpoint_requests_total", "endpoint",         \
      COUNTER, "Requests answered per endpoint.")
/* Responses per status class. */
#define STATS_RESPONSE_COUNTER(X, k, name)                                                         \
    X(RESP_##k, "responses", name, "c10k_responses_total", "class", COUNTER,                       \
      "Responses per status class.")

#define STATS_ENUM(id, group, name, metric, label, type, help) STAT_##id,
/* STAT_ACTIVE is not counted in the shards of a model of one process: admission against
 * --max-conns needs one shared count (struct server's `active`), which the renderers put in its
 * place. The process models count it in their shared slots (see struct stats_area). */
enum stat_id { STATS_COUNTERS(STATS_ENUM) STAT_COUNT };
#undef STATS_ENUM

#define STAT_ROUTE_FIRST STAT_ROUTE_PLAINTEXT /* + enum route */
_Static_assert(STAT_ROUTE_OTHER - STAT_ROUTE_FIRST == ROUTE_OTHER &&
                   STAT_RESP_1XX - STAT_ROUTE_FIRST == ROUTE_COUNT,
               "one route counter per enum route, in its order");

enum stats_type { STATS_COUNTER, STATS_GAUGE };

/* One row of STATS_COUNTERS, for the renderers. */
struct buf;

struct stats_counter {
    const char *group, *name, *metric, *label, *help;
    enum stats_type type;
};
extern const struct stats_counter stats_counters[STAT_COUNT];

struct stats_shard {
    _Atomic uint64_t v[STAT_COUNT];
    struct stats_shard *prev, *next; /* registry links, under the registry lock */
};

/* Single-writer update: only the owning thread writes its shard. */
static inline void stats_add(struct stats_shard *s, enum stat_id id, uint64_t n)
{
    atomic_store_explicit(&s->v[id], atomic_load_explicit(&s->v[id], memory_order_relaxed) + n,
                          memory_order_relaxed);
}

static inline void stats_inc(struct stats_shard *s, enum stat_id id)
{
    stats_add(s, id, 1);
}

/* Registers a zeroed shard; the caller owns its memory until stats_shard_release returns. */
void stats_shard_register(struct stats_shard *s);
/* Folds the shard into the retired totals and unregisters it. */
void stats_shard_release(struct stats_shard *s);
/* Sums every shard, live and retired. */
void stats_sum(uint64_t out[STAT_COUNT]);
/* Reads one counter of one shard (from any thread). */
uint64_t stats_read(struct stats_shard *s, enum stat_id id);
/* Appends one shard's share as a /stats array element, {"<key>":index,"accepted":..,"active":..},
 * with a leading comma after the first. */
void stats_shard_json(struct buf *out, const char *key, int index, struct stats_shard *s);

/* Counters of a server of several processes (the process models), in one MAP_SHARED |
 * MAP_ANONYMOUS mapping made before the first fork. Each slot's shard is written by one thread of
 * one process alone, as a shard is; everything else (the owners, the ended totals) by the main
 * process's reaping thread alone. Any process sums it: a child answers /stats too. Nothing else
 * is shared between the processes. */
struct stats_slot {
    _Alignas(64) struct stats_shard shard; /* a cache line of its own: no false sharing */
    _Atomic int32_t pid;                   /* its process; 0: free */
};

/* What ended children used, from wait4(), so that CPU and switches do not drop as they end. */
struct stats_usage {
    _Atomic uint64_t ctx_voluntary, ctx_involuntary, user_us, system_us;
};

struct stats_area {
    size_t bytes; /* the mapping */
    uint32_t n_slots;
    _Atomic uint32_t used; /* slots at or above it have never been taken */
    _Atomic uint64_t seq;  /* odd while an ended child's counts move into `ended` */
    _Atomic uint64_t ended[STAT_COUNT];
    struct stats_usage ended_usage;
    struct stats_slot slots[];
};

/* Maps an area of n_slots zeroed slots. NULL with errno set when it cannot. */
struct stats_usage_sum {
    uint64_t ctx_voluntary, ctx_involuntary, user_us, system_us;
};

struct stats_area *stats_area_create(uint32_t n_slots);
void stats_area_destroy(struct stats_area *a);
/* Makes slot i (its counters zero) part of the sums, before its process is forked. */
void stats_area_reserve(struct stats_area *a, uint32_t i);
/* Gives slot i to pid. */
void stats_area_assign(struct stats_area *a, uint32_t i, int32_t pid);
/* Slot i's process has ended: adds its counters to the ended totals (not its gauges: its
 * connections are gone), and its use (user and system microseconds, switches), and frees it. */
void stats_area_retire(struct stats_area *a, uint32_t i, uint64_t user_us, uint64_t system_us,
                       uint64_t ctx_voluntary, uint64_t ctx_involuntary);
/* Sums every slot and the ended totals, STAT_ACTIVE included; *usage (may be NULL) gets the
 * ended children's use. */
void stats_area_sum(struct stats_area *a, uint64_t v[STAT_COUNT], struct stats_usage_sum *usage);

/* What the server's processes cost: from /proc/self and getrusage, or summed over every process
 * of a process model. */
struct process_stats {
    uint64_t rss_bytes, peak_rss_bytes, vsize_bytes;
    long threads;
    uint64_t ctx_voluntary, ctx_involuntary;
    double cpu_user_s, cpu_system_s;
    long open_fds;
    long processes;                /* 1, or the live processes of a process model */
    uint64_t shared_counter_bytes; /* the process model's stats_area, 0 otherwise */
};
void stats_process(struct process_stats *p);

#endif
