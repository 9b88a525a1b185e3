/* One HTTP/1.1 connection's state machine, shared by every concurrency model. It takes the bytes a
 * model has read and appends the responses to an output buffer the model supplies; it never does
 * I/O, never blocks and never sleeps. Where a request must wait (/sleep, or /work when offloaded),
 * it says so and the model does the waiting its own way: a blocking sleep in the thread models, a
 * timer in the loop. */
#ifndef C10K_CONN_H
#define C10K_CONN_H

#include "buf.h"
#include "http.h"
#include "stats.h"

#include <stdatomic.h>
#include <stdint.h>

struct config;
struct dataset;

/* What the state machine needs of the server that runs it: the limits, the configuration, the
 * stop flag and the renderer of /stats and /metrics. The server owns it; it outlives every
 * connection. */
struct conn_env {
    const struct config *cfg;
    struct http_limits limits; /* from cfg, in the parser's terms */
    atomic_int stopping;       /* set once a stop was asked for: no more keep-alive */
    const struct dataset *dataset; /* what /data serves (its table may be written: &write=1) */
    /* Appends the body of /stats (route ROUTE_STATS) or /metrics (ROUTE_METRICS). Returns 0 or
     * -ENOMEM. */
    int (*report)(const struct conn_env *env, enum route route, struct buf *out);
};

/* What the model should do next. Output appended to `out` is always to be sent first. */
enum conn_next {
    CONN_READ,  /* wait for more input (see conn_phase for which timeout applies) */
    CONN_WRITE, /* the output reached --output-limit: send it, then call conn_resume */
    CONN_DEFER, /* the current request waits (see conn.defer): wait, then call conn_resume */
    CONN_CLOSE, /* send the output, then close */
};

/* Where a connection waiting for input is; decides the timeout. */
enum conn_phase {
    CONN_IDLE, /* between requests: --keepalive-timeout */
    CONN_HEAD, /* part of a head has arrived: --header-timeout from the first byte */
    CONN_BODY, /* a body is arriving: --body-timeout between reads */
};

enum conn_defer_kind { DEFER_NONE, DEFER_SLEEP, DEFER_WORK };

struct conn_defer {
    enum conn_defer_kind kind;
    long amount; /* milliseconds to sleep, or microseconds of CPU */
};

enum conn_state { CS_HEAD, CS_BODY_LENGTH, CS_BODY_CHUNKED, CS_DEFERRED, CS_CLOSED };

/* The parts of a request head still needed once its body is in. */
struct conn_request {
    long param; /* cpu_us, ms or the /data key */
    enum route route;
    enum http_method method;
    int status;        /* 0, or the error status decided when the head arrived */
    uint8_t minor_version;
    uint8_t keep_alive;
    uint8_t write; /* /data: &write=1 */
};

struct conn {
    const struct conn_env *env;
    struct stats_shard *shard;
    struct buf in;       /* received bytes not yet processed (freed when empty) */
    struct buf body;     /* the body of a POST /echo being received */
    size_t scanned;      /* parser progress through a partial head */
    uint64_t body_left;  /* Content-Length bytes still to come */
    uint64_t body_seen;  /* chunked body bytes so far, against --max-body-bytes */
    struct http_chunked chunked;
    struct conn_request req;
    struct conn_defer defer;
    long requests;       /* requests answered on this connection */
    enum conn_state state;
    enum stat_id gauge;  /* STAT_READING, STAT_WRITING or STAT_WAITING */
    uint8_t defer_work;  /* /work is deferred (loop --offload) rather than run inline */
};

void conn_init(struct conn *c, const struct conn_env *env, struct stats_shard *shard,
               int defer_work);
/* Releases the connection's memory and counts it closed. */
void conn_free(struct conn *c);

/* Processes n newly read bytes. They are used in place where possible; what cannot be processed
 * yet is copied into the connection. */
enum conn_next conn_feed(struct conn *c, const char *data, size_t n, struct buf *out);
/* Continues after CONN_WRITE or CONN_DEFER (the deferred request is answered first). */
enum conn_next conn_resume(struct conn *c, struct buf *out);
/* The read side timed out in this phase: appends a 408 where a request was under way. */
void conn_timeout(struct conn *c, struct buf *out);
/* The client closed or reset the connection: counted as an abort when a request was under way. */
void conn_peer_closed(struct conn *c);

enum conn_phase conn_phase(const struct conn *c);
/* True when the connection can be closed without cutting a request: no partial request held,
 * nothing deferred. Used when draining. */
int conn_is_idle(const struct conn *c);

#endif
