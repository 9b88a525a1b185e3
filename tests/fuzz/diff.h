/* What the differential fuzzer (fuzz_http_diff.c) records of each parser's reading of one byte
 * stream: the messages it found, in order, and why it stopped. Our parser's http.h and
 * http_parser.h both define enum http_method, so each parser is driven from its own file and
 * they meet here. */
#ifndef C10K_FUZZ_DIFF_H
#define C10K_FUZZ_DIFF_H

#include <stddef.h>
#include <stdint.h>

#define DIFF_MAX_MESSAGES 64

enum diff_stop {
    DIFF_MORE,     /* the input ended: between messages, or inside one that needs more bytes */
    DIFF_REJECTED, /* a message was refused (the server answers it and closes) */
    DIFF_CLOSED,   /* ours: the last message ends the connection, nothing after it is read */
    DIFF_UPGRADE,  /* http_parser: the last message switches protocols (CONNECT, Upgrade) */
    DIFF_FULL,     /* DIFF_MAX_MESSAGES were read */
};

/* One complete message. Pointers point into the input. */
struct diff_message {
    size_t end; /* offset just after its last byte (head, body, trailers) */
    const char *method;
    size_t method_len;
    const char *target;
    size_t target_len;
    uint64_t body_len;
    int framing_bare_cr; /* http_parser: a CR not followed by LF outside the body's data */
};

struct diff_reading {
    struct diff_message msg[DIFF_MAX_MESSAGES];
    int n;
    enum diff_stop stop;
    int partial; /* DIFF_MORE: a message had begun when the input ended */
};

/* Reads data[0..len) with Debian's libhttp-parser (diff_http_parser.c). */
void diff_read_http_parser(const char *data, size_t len, struct diff_reading *out);

#endif
