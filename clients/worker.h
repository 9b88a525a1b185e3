/* A worker is one thread with its own epoll loop and its share of the connections. It sends
 * pre-rendered requests, parses responses just enough to find their ends, and records latencies
 * into its own histograms; nothing is shared with other workers on the hot path. Once a second it
 * hands a summary of that second to the shared series; at the end the caller merges the workers'
 * results. */
#ifndef C10K_WORKER_H
#define C10K_WORKER_H

#include "hist.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>

struct load_config;
struct request_mix;
struct series;
struct conn;

#define LOAD_STATUS_CODES 1000

/* Everything counted over a run (after the warm-up, unless said otherwise). */
struct load_counters {
    uint64_t requests;        /* responses to measured requests of busy connections */
    uint64_t warmup_requests; /* responses to requests due during the warm-up */
    uint64_t idle_requests;   /* responses to the idle connections' occasional requests */
    uint64_t bytes_read, bytes_written;
    uint64_t connects;                  /* connections established (whole run) */
    uint64_t reconnects;                /* keep-alive connections the server closed, opened again */
    uint64_t err_connect;               /* failed connection attempts, connect timeouts included */
    uint64_t err_read;                  /* requests lost to a read error or an unexpected close */
    uint64_t err_write;                 /* requests lost to a write error */
    uint64_t err_timeout;               /* requests without a response within --timeout */
    uint64_t err_parse;                 /* requests lost to a malformed response */
    uint64_t err_status;                /* responses whose status is not 2xx (also in status[]) */
    uint64_t status[LOAD_STATUS_CODES]; /* responses by status code */
    uint64_t abandoned; /* requests in flight or due but unsent when the run stopped */
    uint64_t open_max;  /* most connections open at once (per worker; summed) */
};

/* What all workers share: read-only during the run, except the stop flag and the series. */
struct run_plan {
    const struct load_config *cfg;
    const struct request_mix *mix;
    struct sockaddr_storage target;
    socklen_t target_len;
    int64_t start_ns;        /* CLOCK_MONOTONIC */
    int64_t warm_end_ns;     /* requests due before this are warm-up */
    int64_t end_ns;          /* INT64_MAX without --duration */
    atomic_int stop;         /* set to end the run early (signal, fatal error) */
    atomic_int busy_running; /* workers with busy connections still running */
    struct series *series;
    /* The first fatal error (nothing could connect), under fatal_lock. */
    pthread_mutex_t fatal_lock;
    int fatal_errno;
};

struct worker {
    int id;
    struct run_plan *plan;
    pthread_t thread;
    int epfd;

    struct conn *conns; /* owned; busy ones first, then idle ones */
    uint32_t n_conns, n_busy;
    struct req_slot *slots; /* owned; the conns' request rings */
    char *rbuf;             /* owned; shared by all this worker's connections */
    /* owned; with --keys, a keyed request's own bytes for each slot (mix->keyed_len each): it
     * stays as written while the request is in flight */
    char *keyed;

    /* Requests. */
    uint64_t quota; /* measured requests this worker may send; UINT64_MAX: no limit */
    uint64_t issued_measured;
    uint64_t in_flight; /* requests in the rings (sent or waiting to be sent) */
    uint32_t mix_pos;
    /* Open loop: request k of this worker is due at start + (k * threads + id) / rate. */
    double period_ns;
    uint64_t sched_k;
    int64_t next_due;
    uint32_t busy_workers; /* workers that have busy connections (ids 0 .. n-1) */
    uint32_t *freeq;       /* connections that can take a request, in FIFO order */
    uint32_t freeq_head, freeq_len;
    uint32_t next_open; /* next connection to open (ramp) */

    /* State. */
    uint32_t open_now, connecting_now, down_waiting; /* gauges */
    int64_t next_tick_ns, next_second_ns, second;
    int64_t last_done_ns;      /* the last measured response */
    int64_t stop_ns;           /* when this worker stopped */
    int measuring;             /* the warm-up is over */
    int64_t cpu_at_measure_ns; /* this thread's CPU time (CLOCK_THREAD_CPUTIME_ID) then */
    int64_t cpu_measured_ns;   /* its CPU time from then to its stop */
    int stopping;
    int ever_connected;
    int last_connect_errno;
    int no_pwait2;         /* the kernel lacks epoll_pwait2 */
    int64_t timer_late_ns; /* open loop: usual lateness of a timed wake-up */

    /* Results. */
    struct hist latency;     /* corrected: from the time each request was due */
    struct hist latency_unc; /* uncorrected: from the time it was written (open loop) */
    struct hist connect;     /* connect times (whole run) */
    struct hist idle_latency;
    struct hist interval; /* this second's latencies, for the series */
    struct hist send_lag; /* open loop: from when a request was due to when it was sent */
    struct load_counters c;
    uint64_t interval_requests, interval_errors, interval_connects, interval_bytes;
};

/* Sets up worker `id` with the connections whose global index g has g % threads == id (g counts
 * busy connections first, then idle ones). Returns 0 or a negative errno. */
int worker_init(struct worker *w, int id, struct run_plan *plan);
void worker_free(struct worker *w);
/* The thread body: runs until the run ends. */
void *worker_main(void *arg);

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t worker_now_ns(void);

#endif
