/* Writing HTTP/1.1 responses into a buffer: pre-rendered status lines, a Date header cached per
 * thread and refreshed once a second, no formatted printing on the hot path. */
#ifndef C10K_RESPONSE_H
#define C10K_RESPONSE_H

#include <stddef.h>

struct buf;

/* Appends a status line and headers, ending with the blank line. `extra` is NULL or more header
 * lines, each ending in CRLF. Returns the number of bytes appended, or -ENOMEM. */
long resp_head(struct buf *out, int status, const char *content_type, size_t content_length,
               int keep_alive, int minor_version, const char *extra);
/* resp_head plus the body, unless head_only (a HEAD request). */
long resp_full(struct buf *out, int status, const char *content_type, const void *body,
               size_t len, int keep_alive, int minor_version, int head_only, const char *extra);

#endif
