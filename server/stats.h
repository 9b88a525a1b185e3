/* Counters that cost the hot path almost nothing: each thread writes only its own shard (plain
 * relaxed loads and stores, no lock prefix, no shared cache line), and a reader sums every shard
 * under the registry lock. A shard that goes away (a connection thread ends) folds its values into
 * the retired totals first, so nothing counted is lost. */
#ifndef C10K_STATS_H
#define C10K_STATS_H

#include <stdatomic.h>
#include <stdint.h>

struct buf;
struct server;

enum route {
    ROUTE_PLAINTEXT,
    ROUTE_JSON,
    ROUTE_WORK,
    ROUTE_SLEEP,
    ROUTE_ECHO,
    ROUTE_STATS,
    ROUTE_METRICS,
    ROUTE_DASHBOARD,
    ROUTE_OTHER,
    ROUTE_COUNT
};

enum stat_id {
    STAT_ACCEPTED,       /* connections accepted from the listener */
    STAT_HANDLED,        /* ... and served (accepted minus rejected) */
    STAT_REJECTED,       /* ... and turned away with 503 (max-conns, no thread, no memory) */
    STAT_CLOSED,         /* handled connections that have closed */
    STAT_READING,        /* gauges, kept as sums of +1/-1 over all shards */
    STAT_WRITING,
    STAT_WAITING,
    STAT_REQUESTS,       /* requests answered */
    STAT_ROUTE_FIRST,    /* requests answered per route: STAT_ROUTE_FIRST + enum route */
    STAT_RESP_1XX = STAT_ROUTE_FIRST + ROUTE_COUNT,
    STAT_RESP_2XX,
    STAT_RESP_3XX,
    STAT_RESP_4XX,
    STAT_RESP_5XX,
    STAT_ERR_PARSE,      /* malformed requests (400, 411, 413, 414, 431, 501, 505) */
    STAT_ERR_PARAM,      /* well-formed requests with an invalid /work or /sleep parameter */
    STAT_ERR_TIMEOUT,    /* connections closed by a header, body or write timeout */
    STAT_ERR_IO,         /* read or write errors other than a peer's orderly close */
    STAT_ERR_ACCEPT,     /* accept() failures */
    STAT_ERR_EMFILE,     /* connections turned away for want of descriptors */
    STAT_ERR_THREAD,     /* connections refused because no thread could be created */
    STAT_ERR_MAX_CONNS,  /* connections refused at --max-conns */
    STAT_ERR_CLIENT_ABORT, /* the client closed or reset amid a request or its response */
    STAT_KEEPALIVE_CLOSED, /* idle keep-alive connections closed by their timeout */
    STAT_BYTES_IN,
    STAT_BYTES_OUT,
    STAT_COUNT
};

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

const char *stats_route_name(enum route r);

/* What the process costs, from /proc/self and getrusage. */
struct process_stats {
    uint64_t rss_bytes, peak_rss_bytes, vsize_bytes;
    long threads;
    uint64_t ctx_voluntary, ctx_involuntary;
    double cpu_user_s, cpu_system_s;
    long open_fds;
};
void stats_process(struct process_stats *p);

/* Renders /stats (JSON) and /metrics (Prometheus text) bodies. Return 0 or -ENOMEM. */
int stats_render_json(struct server *srv, struct buf *out);
int stats_render_prometheus(struct server *srv, struct buf *out);

#endif
