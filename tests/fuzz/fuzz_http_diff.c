/* Differential libFuzzer target: the same bytes, read as a stream of pipelined requests by our
 * parser (http_parse_request and http_chunked_decode, framed as server/conn.c frames them) and by
 * Debian's libhttp-parser (diff_http_parser.c). Where both accept a message they must agree on
 * where it ends, its method, its target and its body length; a message that one side ends while
 * the other is still reading it is a disagreement too. Either is request smuggling waiting for a
 * proxy that parses like the other side, so the target aborts with both readings.
 *
 * The input is exactly the bytes a client sends; each parser reads them whole. How the bytes are
 * split does not matter to ours (fuzz_http checks that) and is not what is compared here.
 *
 * Debian's libhttp-parser 2.9.4 is built with HTTP_PARSER_STRICT=0 (the header's default of 1
 * only applies when compiling http_parser.c, and the package compiles it with 0): it takes any
 * two bytes for the CRLF after chunk data, any byte for the LF after a chunk size's CR, bytes
 * >= 0x80 in a target, SP inside a field name, and reads on after "Connection: close". So most
 * differences are places where http_parser accepts and we refuse, which is not compared: one
 * side refusing is the stricter policy, not a smuggling. The differences of policy that remain,
 * where both accept but read differently, are listed in diff_known below, each with its reason;
 * a reading that matches one of them ends the comparison at that message. */
#include "diff.h"
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- our reading ---- */

static const struct http_limits diff_limits = {
    HTTP_DEFAULT_MAX_HEAD_BYTES,
    HTTP_DEFAULT_MAX_TARGET_BYTES,
    HTTP_DEFAULT_MAX_HEADERS,
};

/* The method token of a head starting at head: after the empty lines the parser skipped, up to the
 * SP before the target. */
static void diff_method_of(const char *head, const struct http_request *req, struct diff_message *m)
{
    const char *p = head;
    while (*p == '\r' || *p == '\n')
        p++;
    m->method = p;
    m->method_len = (size_t)(req->target - 1 - p);
}

/* The body after a head ending at *off: 1 when complete (*off moves past it), 0 when more bytes
 * are needed, -1 when it is refused. */
static int diff_read_body(const char *data, size_t len, size_t *off, const struct http_request *req,
                          uint64_t *body_len)
{
    if (!req->chunked) {
        uint64_t cl = req->content_length > 0 ? (uint64_t)req->content_length : 0;
        if (len - *off < cl)
            return 0;
        *off += (size_t)cl;
        *body_len = cl;
        return 1;
    }
    struct http_chunked d = {.bare_lf = req->bare_lf};
    while (!d.done) {
        const char *span;
        size_t span_len;
        /* the trailer limit conn.c passes */
        ssize_t r = http_chunked_decode(&d, data + *off, len - *off, HTTP_DEFAULT_MAX_HEAD_BYTES,
                                        &span, &span_len);
        if (r < 0)
            return -1;
        if (r == 0)
            return 0;
        *off += (size_t)r;
        *body_len += span_len;
    }
    return 1;
}

static void diff_read_ours(const char *data, size_t len, struct diff_reading *out)
{
    *out = (struct diff_reading){.stop = DIFF_MORE};
    size_t off = 0;
    while (off < len) {
        if (out->n == DIFF_MAX_MESSAGES) {
            out->stop = DIFF_FULL;
            return;
        }
        struct http_request req;
        size_t scanned = 0;
        int r = http_parse_request(data + off, len - off, &scanned, &diff_limits, &req);
        if (r < 0) {
            out->stop = DIFF_REJECTED;
            return;
        }
        out->partial = 1;
        if (r == 0)
            return;
        struct diff_message *m = &out->msg[out->n];
        *m = (struct diff_message){.target = req.target, .target_len = req.target_len};
        diff_method_of(data + off, &req, m);
        off += (size_t)r;
        int b = diff_read_body(data, len, &off, &req, &m->body_len);
        if (b < 0) {
            out->stop = DIFF_REJECTED;
            return;
        }
        if (b == 0)
            return;
        m->end = off;
        out->n++;
        out->partial = 0;
        if (!req.keep_alive) {
            out->stop = DIFF_CLOSED; /* conn.c reads nothing more */
            return;
        }
    }
}

/* ---- known differences of policy ---- */

/* A known difference: both parsers accept message i of the input and read it differently, for a
 * reason that is a choice, not a smuggling. Returns its name, or NULL. */
typedef const char *diff_known_fn(const char *data, size_t len, const struct diff_reading *ours,
                                  const struct diff_reading *theirs, int i);

/* http_parser (non-strict) ends a line at a CR and whatever byte follows it, in the head, the
 * chunk lines and the trailers; ours refuses a bare CR with 400 (RFC 9112 section 2.2), though
 * only once the head is complete when the CR is inside a line, so ours may still be reading. */
static const char *diff_bare_cr(const char *data, size_t len, const struct diff_reading *ours,
                                const struct diff_reading *theirs, int i)
{
    (void)data, (void)len, (void)ours;
    return i < theirs->n && theirs->msg[i].framing_bare_cr ? "bare CR" : NULL;
}

static diff_known_fn *const diff_known[] = {
    diff_bare_cr,
};

/* ---- the comparison ---- */

static const char *diff_stop_name(enum diff_stop s)
{
    switch (s) {
    case DIFF_MORE:
        return "needs more";
    case DIFF_REJECTED:
        return "rejected";
    case DIFF_CLOSED:
        return "closes";
    case DIFF_UPGRADE:
        return "upgrade";
    case DIFF_FULL:
        return "message limit";
    }
    return "?";
}

static void diff_print(const char *who, const struct diff_reading *r)
{
    fprintf(stderr, "%s: %d messages, then %s%s\n", who, r->n, diff_stop_name(r->stop),
            r->partial ? " (inside a message)" : "");
    for (int i = 0; i < r->n; i++) {
        const struct diff_message *m = &r->msg[i];
        fprintf(stderr, "  [%d] %.*s %.*s body %llu, ends at %zu\n", i, (int)m->method_len,
                m->method, (int)m->target_len, m->target, (unsigned long long)m->body_len, m->end);
    }
}

static void diff_fail(const char *what, int i, const char *data, size_t len,
                      const struct diff_reading *ours, const struct diff_reading *theirs)
{
    fprintf(stderr, "fuzz_http_diff: message %d: %s\ninput (%zu bytes): ", i, what, len);
    for (size_t k = 0; k < len && k < 2000; k++) {
        unsigned char c = (unsigned char)data[k];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            fputc(c, stderr);
        else
            fprintf(stderr, "\\x%02x", c);
    }
    fputc('\n', stderr);
    diff_print("ours", ours);
    diff_print("http_parser", theirs);
    abort();
}

static int diff_same_span(const char *a, size_t an, const char *b, size_t bn)
{
    return an == bn && memcmp(a, b, an) == 0;
}

static const char *diff_known_reason(const char *data, size_t len, const struct diff_reading *ours,
                                     const struct diff_reading *theirs, int i)
{
    for (size_t k = 0; k < sizeof diff_known / sizeof diff_known[0]; k++) {
        const char *why = diff_known[k](data, len, ours, theirs, i);
        if (why != NULL)
            return why;
    }
    return NULL;
}

/* A side that stopped before message i, inside it, while the other ended it. */
static int diff_cut_short(const struct diff_reading *r, int i)
{
    return r->n == i && r->stop == DIFF_MORE && r->partial;
}

static void diff_compare(const char *data, size_t len, const struct diff_reading *ours,
                         const struct diff_reading *theirs)
{
    int common = ours->n < theirs->n ? ours->n : theirs->n;
    for (int i = 0; i <= common; i++) {
        const char *what = NULL;
        if (i < common) {
            const struct diff_message *a = &ours->msg[i], *b = &theirs->msg[i];
            if (!diff_same_span(a->method, a->method_len, b->method, b->method_len))
                what = "the methods differ";
            else if (!diff_same_span(a->target, a->target_len, b->target, b->target_len))
                what = "the targets differ";
            else if (a->body_len != b->body_len)
                what = "the body lengths differ";
            else if (a->end != b->end)
                what = "the messages end at different offsets";
        } else if (ours->n > i && diff_cut_short(theirs, i)) {
            what = "ours ends a message http_parser is still reading";
        } else if (theirs->n > i && diff_cut_short(ours, i)) {
            what = "http_parser ends a message ours is still reading";
        }
        if (what == NULL)
            continue;
        if (diff_known_reason(data, len, ours, theirs, i) != NULL)
            return;
        diff_fail(what, i, data, len, ours, theirs);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct diff_reading ours, theirs;
    const char *in = (const char *)data;
    diff_read_ours(in, size, &ours);
    diff_read_http_parser(in, size, &theirs);
    diff_compare(in, size, &ours, &theirs);
    return 0;
}
