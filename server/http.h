/* The HTTP/1.1 request parser: pure and incremental. It reads from a caller's buffer and returns
 * "complete / need more / error"; it does no I/O, allocates nothing and keeps no global state, so
 * every concurrency model shares it and it is unit-tested without sockets. */
#ifndef C10K_HTTP_H
#define C10K_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Limits on a request head; each has a server option (see config.h). */
#define HTTP_DEFAULT_MAX_HEAD_BYTES 8192    /* request line + header fields + final CRLF: 431 */
#define HTTP_DEFAULT_MAX_TARGET_BYTES 4096  /* request-target: 414 */
#define HTTP_DEFAULT_MAX_HEADERS 64         /* header fields: 431 */
#define HTTP_MAX_CHUNK_LINE_BYTES 1024      /* chunk-size line with extensions: 400 */

enum http_method {
    HTTP_METHOD_UNKNOWN = 0, /* a syntactically valid token that is no method we know: 501 */
    HTTP_GET,
    HTTP_HEAD,
    HTTP_POST,
    HTTP_PUT,
    HTTP_DELETE,
    HTTP_OPTIONS,
    HTTP_PATCH,
    HTTP_TRACE,
    HTTP_CONNECT,
};

struct http_limits {
    size_t max_head_bytes;
    size_t max_target_bytes;
    unsigned max_headers;
};

/* What the server needs from a request head. Pointers point into the caller's buffer and live as
 * long as those bytes do. */
struct http_request {
    enum http_method method;
    int minor_version;               /* HTTP/1.minor_version: 0 or 1 */
    const char *target;              /* request-target as sent */
    size_t target_len;
    const char *path;                /* path of the target (origin-form, or of absolute-form) */
    size_t path_len;
    const char *query;               /* after '?', without it; NULL when there is none */
    size_t query_len;
    int64_t content_length;          /* -1 when there is no Content-Length */
    unsigned chunked : 1;            /* Transfer-Encoding ends in chunked */
    unsigned keep_alive : 1;         /* from the version and the Connection header */
    unsigned expect_continue : 1;    /* Expect: 100-continue */
    unsigned bare_lf : 1;            /* the head's lines end in a bare LF, not CRLF */
    unsigned n_headers;
};

/* Parses a request head at buf[0..len).
 * Returns the length of the head (> 0) when it is complete, 0 when more bytes are needed, or a
 * negative HTTP status (-400, -414, -431, -501, -505) when the request is malformed; after an
 * error the connection's framing cannot be trusted and it must be answered and closed.
 * *scanned carries, between calls for the same request, how far the search for the end of the
 * head got, so that a head arriving a byte at a time is not rescanned from the start; set it to 0
 * before the first call for each request. */
int http_parse_request(const char *buf, size_t len, size_t *scanned, const struct http_limits *lim,
                       struct http_request *req);

/* Incremental decoder of a chunked request body (RFC 9112 section 7.1). Zero it before use, then
 * set bare_lf from the request (struct http_request's bare_lf). */
struct http_chunked {
    uint64_t chunk_left;  /* data bytes left in the current chunk */
    int bare_lf;          /* lines end in a bare LF, as the head's did; else in CRLF */
    size_t line_bytes;    /* bytes of the current chunk-size or trailer line seen so far */
    size_t trailer_bytes; /* bytes of trailer section seen so far */
    int state;
    int done;             /* set once the last chunk and the trailer section are consumed */
};

/* Decodes from buf[0..len). Returns the number of bytes consumed (>= 0), or -400 on a malformed
 * body (bad or overflowing chunk size, a malformed chunk extension, missing CRLF after chunk data,
 * a line that ends otherwise than the head's did, over-long chunk or trailer lines). When the bytes consumed end with chunk data, that data is reported as
 * (*data, *data_len), a span inside buf; otherwise *data_len is 0. Call again with the remaining
 * bytes until it consumes nothing (more input needed) or d->done is set. The trailer section is
 * consumed and discarded; its size counts against max_trailer_bytes (400 when over). */
ssize_t http_chunked_decode(struct http_chunked *d, const char *buf, size_t len,
                            size_t max_trailer_bytes, const char **data, size_t *data_len);

/* The reason phrase of a status code ("OK", "Not Found", ...); "Unknown" for others. */
const char *http_status_reason(int status);

#endif
