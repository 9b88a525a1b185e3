/* Serving a connection with blocking reads and writes: the part the thread and pool models
 * share. The thread model serves a connection until it closes. The pool serves it while its
 * requests keep coming and hands it back (parks it) once it would have to wait longer than
 * --hold for the next bytes; the caller then waits for it in epoll. A connection blocked waiting
 * for a next request is registered as idle so that a drain can wake it (shutdown(SHUT_RD) makes
 * its blocked read return). */
#ifndef C10K_BLOCKING_H
#define C10K_BLOCKING_H

#include "buf.h"
#include "conn.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct server;
struct stats_shard;

#define BLOCKING_READ_BUFFER 16384

/* Registry entry of a connection whose thread may block waiting for its next request. */
struct blocking_slot {
    int fd;
    atomic_int state;
    struct blocking_slot *prev, *next;
};

/* The connections whose threads may block waiting for a next request, so that a drain can find
 * the idle ones. One per model, in the model's state; shared by its serving threads. */
struct blocking_slots {
    pthread_mutex_t lock;
    struct blocking_slot *head;
};

void blocking_slots_init(struct blocking_slots *slots);
void blocking_slots_destroy(struct blocking_slots *slots);

/* What one serving thread reuses from one connection to the next. */
struct blocking_ctx {
    char *rbuf;
    struct buf out;
    struct blocking_slots *slots; /* the model's, where its connections are registered */
};

int blocking_ctx_init(struct blocking_ctx *ctx, struct blocking_slots *slots);
void blocking_ctx_free(struct blocking_ctx *ctx);

/* One admitted connection and where its reading stands, kept between two turns of service. */
struct blocking_conn {
    struct conn c;
    int fd;
    int rcvtimeo;               /* the SO_RCVTIMEO set on fd, in ms; -1 before any */
    int64_t head_deadline;      /* when the head under way must be complete */
    int64_t deadline;           /* once parked: when its phase's timeout ends */
    enum conn_phase last_phase;
    struct blocking_slot slot;
};

enum blocking_result {
    BLOCKING_CLOSED, /* the connection is closed and its admission released */
    BLOCKING_PARKED, /* no bytes within the hold time: wait for it elsewhere until ->deadline */
};

/* Prepares an accepted, admitted connection; its counters start in `shard`. */
void blocking_conn_init(struct blocking_conn *bc, struct server *srv, int fd,
                        struct stats_shard *shard);

/* Serves bc with `shard` as its counters. hold_ms < 0: until it closes. hold_ms >= 0: parks it
 * instead of waiting longer than hold_ms for bytes (0: parks as soon as a read would block). */
enum blocking_result blocking_serve(struct server *srv, struct blocking_conn *bc,
                                    struct stats_shard *shard, struct blocking_ctx *ctx,
                                    int hold_ms);

/* A parked connection's deadline has passed: answers 408 if a request was under way, then closes
 * it and releases its admission. */
void blocking_expire(struct server *srv, struct blocking_conn *bc, struct stats_shard *shard,
                     struct blocking_ctx *ctx);

/* Closes bc without another word and releases its admission. */
void blocking_close(struct server *srv, struct blocking_conn *bc, struct stats_shard *shard);

/* Wakes every connection of `slots` blocked waiting for a next request, so that it closes. */
void blocking_wake_idle(struct blocking_slots *slots);
/* Wakes one such connection if it is waiting for a next request. Async-signal-safe: a process
 * that serves one connection calls it from its drain signal's handler. */
void blocking_wake_slot(struct blocking_slot *s);

int64_t blocking_now_ms(void);

#endif
