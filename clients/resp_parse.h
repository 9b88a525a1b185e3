/* An incremental HTTP/1.x response parser that learns only what a load client needs: where a
 * response ends (Content-Length, chunked, or the connection's close), its status code, and whether
 * the connection stays open. Pure: no I/O, no allocation. Bytes may arrive split anywhere, and
 * several pipelined responses may arrive in one buffer; the result does not depend on where the
 * input was split. A line split across reads is carried over in a small buffer inside the parser,
 * so the caller can reuse its read buffer. */
#ifndef C10K_RESP_PARSE_H
#define C10K_RESP_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Bytes of each line that are examined (and carried over a split): enough for the status and
 * the framing fields; the rest of a longer line is skipped. */
#define RESP_LINE_CARRY 96
#define RESP_MAX_HEAD_BYTES (64 * 1024) /* status line + headers; more is a protocol error */
#define RESP_EPROTO (-1)                /* malformed response: the connection cannot be trusted */

struct resp_parser {
    uint64_t remaining;     /* body or chunk bytes still to skip */
    int64_t content_length; /* -1 when none seen */
    uint32_t head_bytes;    /* bytes of the current head seen so far */
    uint16_t status;        /* status code, once the status line is parsed */
    uint8_t state;
    uint8_t minor_version;
    uint8_t head_request : 1; /* the request was HEAD: the response has no body */
    uint8_t chunked : 1;
    uint8_t te_other : 1;    /* Transfer-Encoding without a final chunked: body until close */
    uint8_t conn_close : 1;  /* Connection: close */
    uint8_t conn_keep : 1;   /* Connection: keep-alive (matters for HTTP/1.0) */
    uint8_t done : 1;        /* a whole response has been parsed */
    uint8_t keep_alive : 1;  /* with done: the connection may carry another request */
    uint8_t carry_len;       /* bytes in carry[] */
    uint8_t carry_truncated; /* the carried line was longer than carry[] */
    uint8_t carry_colon;     /* ... and had a ':' in the part not kept */
    char carry[RESP_LINE_CARRY];
};

/* Prepares for the next response on a connection; head_request when the request was HEAD. */
void resp_parser_init(struct resp_parser *p, int head_request);

/* Parses from buf[0..len). Returns the number of bytes consumed, or RESP_EPROTO. When a response
 * completes, p->done is set, p->status and p->keep_alive tell how it ended, and parsing stops just
 * after it: call resp_parser_init and parse the rest of the buffer for the next one. */
ssize_t resp_parse(struct resp_parser *p, const char *buf, size_t len);

/* The peer closed the connection. Returns 1 when that completes the current response (its body
 * is delimited by the close; p->done is then set), 0 when no byte of a response had arrived, and
 * RESP_EPROTO when a response was cut short. */
int resp_parse_eof(struct resp_parser *p);

#endif
