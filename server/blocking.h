/* Serving one connection with blocking reads and writes: the part the thread and pool models
 * share. A connection waiting for its next request is registered as idle so that a drain can wake
 * it (shutdown(SHUT_RD) makes its blocked read return). */
#ifndef C10K_BLOCKING_H
#define C10K_BLOCKING_H

#include "buf.h"

#include <stddef.h>

struct server;
struct stats_shard;

#define BLOCKING_READ_BUFFER 16384

/* What one serving thread reuses from one connection to the next. */
struct blocking_ctx {
    char *rbuf;
    struct buf out;
};

int blocking_ctx_init(struct blocking_ctx *ctx);
void blocking_ctx_free(struct blocking_ctx *ctx);

/* Serves the admitted connection fd until it closes, then closes it and releases its admission. */
void blocking_serve(struct server *srv, int fd, struct stats_shard *shard,
                    struct blocking_ctx *ctx);

/* Wakes every connection blocked waiting for a next request, so that it closes. */
void blocking_wake_idle(void);

#endif
