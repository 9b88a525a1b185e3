#include "resp_parse.h"

#include <string.h>

enum {
    ST_STATUS,     /* status line (empty lines before it are skipped) */
    ST_HEADER,     /* header lines up to the empty line */
    ST_BODY_LEN,   /* Content-Length body */
    ST_BODY_EOF,   /* body delimited by the connection's close */
    ST_CHUNK_SIZE, /* chunk-size [; extensions] line */
    ST_CHUNK_DATA,
    ST_CHUNK_END, /* the CRLF after chunk data */
    ST_TRAILER,   /* trailer lines up to the empty line */
};

void resp_parser_init(struct resp_parser *p, int head_request)
{
    p->remaining = 0;
    p->content_length = -1;
    p->head_bytes = 0;
    p->status = 0;
    p->state = ST_STATUS;
    p->minor_version = 1;
    p->head_request = head_request ? 1 : 0;
    p->chunked = 0;
    p->te_other = 0;
    p->conn_close = 0;
    p->conn_keep = 0;
    p->done = 0;
    p->keep_alive = 0;
    p->carry_len = 0;
    p->carry_truncated = 0;
    p->carry_colon = 0;
}

/* How a line was cut down to RESP_LINE_CARRY bytes, the most of any line that is examined. */
#define LINE_TRUNCATED 1     /* the line was longer */
#define LINE_COLON_DROPPED 2 /* ... and a ':' was in the part dropped */

/* Takes the next line from buf[*pos..len). Returns 1 with (*line, *line_len) set (its first
 * RESP_LINE_CARRY bytes, CR LF removed; the line lives in buf or in p->carry until the next call)
 * and *flags, 0 when the line is not complete yet (its bytes were carried over and all input
 * consumed), or RESP_EPROTO when the lines of this section have grown past RESP_MAX_HEAD_BYTES.
 * The result is the same wherever the input was split. */
static int next_line(struct resp_parser *p, const char *buf, size_t len, size_t *pos,
                     const char **line, size_t *line_len, int *flags)
{
    const char *start = buf + *pos;
    size_t avail = len - *pos;
    const char *lf = memchr(start, '\n', avail);
    size_t n = lf ? (size_t)(lf - start) : avail;

    if (n + 1 > RESP_MAX_HEAD_BYTES - p->head_bytes)
        return RESP_EPROTO;
    p->head_bytes += (uint32_t)(lf ? n + 1 : n);

    /* The common case, a whole line in this buffer, is examined in place. */
    int in_place = lf && p->carry_len == 0 && !p->carry_truncated;
    size_t keep = n;
    if (keep > sizeof p->carry - p->carry_len) {
        keep = sizeof p->carry - p->carry_len;
        p->carry_truncated = 1;
        if (memchr(start + keep, ':', n - keep))
            p->carry_colon = 1;
    }
    if (in_place) {
        *line = start;
        *line_len = keep;
    } else {
        memcpy(p->carry + p->carry_len, start, keep);
        p->carry_len = (uint8_t)(p->carry_len + keep);
        if (!lf) {
            *pos = len;
            return 0;
        }
        *line = p->carry;
        *line_len = p->carry_len;
    }
    *flags = (p->carry_truncated ? LINE_TRUNCATED : 0) | (p->carry_colon ? LINE_COLON_DROPPED : 0);
    p->carry_len = 0;
    p->carry_truncated = 0;
    p->carry_colon = 0;
    *pos += n + 1;
    if (!(*flags & LINE_TRUNCATED) && *line_len > 0 && (*line)[*line_len - 1] == '\r')
        (*line_len)--;
    return 1;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Case-insensitive comparison of s[0..n) with the lower-case word w. */
static int word_eq(const char *s, size_t n, const char *w)
{
    size_t wn = strlen(w);
    if (n != wn)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)s[i]) != w[i])
            return 0;
    return 1;
}

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* Calls fn on each comma-separated, trimmed token of a field value. */
static void for_each_token(const char *v, size_t n,
                           void (*fn)(struct resp_parser *, const char *, size_t, int),
                           struct resp_parser *p)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (is_ows(v[i]) || v[i] == ','))
            i++;
        size_t start = i;
        while (i < n && v[i] != ',')
            i++;
        size_t end = i;
        while (end > start && is_ows(v[end - 1]))
            end--;
        if (end > start)
            fn(p, v + start, end - start, i >= n);
    }
}

static void connection_token(struct resp_parser *p, const char *t, size_t n, int last)
{
    (void)last;
    if (word_eq(t, n, "close"))
        p->conn_close = 1;
    else if (word_eq(t, n, "keep-alive"))
        p->conn_keep = 1;
}

static void transfer_token(struct resp_parser *p, const char *t, size_t n, int last)
{
    /* Only a final "chunked" frames the body by chunks; anything else reads until close. */
    int chunked = word_eq(t, n, "chunked");
    if (last) {
        p->chunked = chunked ? 1 : 0;
        p->te_other = chunked ? 0 : 1;
    }
}

static int parse_status_line(struct resp_parser *p, const char *l, size_t n)
{
    if (n < 12 || memcmp(l, "HTTP/1.", 7) != 0 || l[7] < '0' || l[7] > '9' || l[8] != ' ')
        return RESP_EPROTO;
    for (int i = 9; i < 12; i++)
        if (l[i] < '0' || l[i] > '9')
            return RESP_EPROTO;
    if (n > 12 && l[12] != ' ')
        return RESP_EPROTO;
    p->minor_version = (uint8_t)(l[7] - '0');
    p->status = (uint16_t)((l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0'));
    if (p->status < 100)
        return RESP_EPROTO;
    return 0;
}

static int parse_header_line(struct resp_parser *p, const char *l, size_t n, int flags)
{
    int truncated = flags & LINE_TRUNCATED;
    if (is_ows(l[0]))
        return 0; /* obs-fold continuation: nothing we need */
    const char *colon = memchr(l, ':', n);
    if (colon == NULL) /* a name longer than we look at is none we need */
        return flags & LINE_COLON_DROPPED ? 0 : RESP_EPROTO;
    size_t name_len = (size_t)(colon - l);
    const char *v = colon + 1;
    size_t vn = n - name_len - 1;
    while (vn > 0 && is_ows(*v)) {
        v++;
        vn--;
    }
    while (vn > 0 && is_ows(v[vn - 1]))
        vn--;

    /* The first letter rules out most fields cheaply. */
    switch (lower((unsigned char)l[0])) {
    case 'c':
        if (word_eq(l, name_len, "content-length")) {
            if (truncated || vn == 0 || vn > 18)
                return RESP_EPROTO;
            int64_t value = 0;
            for (size_t i = 0; i < vn; i++) {
                if (v[i] < '0' || v[i] > '9')
                    return RESP_EPROTO;
                value = value * 10 + (v[i] - '0');
            }
            if (p->content_length >= 0 && p->content_length != value)
                return RESP_EPROTO;
            p->content_length = value;
        } else if (word_eq(l, name_len, "connection")) {
            for_each_token(v, vn, connection_token, p);
        }
        break;
    case 't':
        if (word_eq(l, name_len, "transfer-encoding")) {
            if (truncated)
                return RESP_EPROTO;
            for_each_token(v, vn, transfer_token, p);
        }
        break;
    default:
        break;
    }
    return 0;
}

static void finish(struct resp_parser *p, int keep_alive)
{
    p->done = 1;
    p->keep_alive = keep_alive && !p->conn_close && (p->minor_version >= 1 || p->conn_keep);
}

/* The empty line after the headers: decide how the body is framed. */
static void end_of_head(struct resp_parser *p)
{
    if (p->status < 200 && p->status != 101) {
        /* An interim response (100 Continue, 103 Early Hints): the real one follows. */
        int head_request = p->head_request;
        resp_parser_init(p, head_request);
        return;
    }
    if (p->status == 101) {
        finish(p, 0); /* the connection now speaks another protocol */
        return;
    }
    if (p->head_request || p->status == 204 || p->status == 304) {
        finish(p, 1);
        return;
    }
    if (p->chunked) {
        p->state = ST_CHUNK_SIZE;
        p->head_bytes = 0;
    } else if (!p->te_other && p->content_length > 0) {
        p->state = ST_BODY_LEN;
        p->remaining = (uint64_t)p->content_length;
    } else if (!p->te_other && p->content_length == 0) {
        finish(p, 1);
    } else {
        p->state = ST_BODY_EOF; /* no length, or a coding we do not frame: until close */
    }
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)lower((unsigned char)c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static int parse_chunk_size(struct resp_parser *p, const char *l, size_t n)
{
    uint64_t size = 0;
    size_t i = 0;
    for (; i < n; i++) {
        int d = hex_value(l[i]);
        if (d < 0)
            break;
        if (size > (UINT64_MAX >> 4))
            return RESP_EPROTO;
        size = (size << 4) | (uint64_t)d;
    }
    if (i == 0 || (i < n && l[i] != ';' && !is_ows(l[i])))
        return RESP_EPROTO;
    p->head_bytes = 0;
    if (size == 0) {
        p->state = ST_TRAILER;
    } else {
        p->state = ST_CHUNK_DATA;
        p->remaining = size;
    }
    return 0;
}

static int on_line(struct resp_parser *p, const char *l, size_t n, int flags)
{
    switch (p->state) {
    case ST_STATUS:
        if (n == 0) {
            p->head_bytes = 0; /* tolerate stray CRLF between responses */
            return 0;
        }
        if (parse_status_line(p, l, n) < 0)
            return RESP_EPROTO;
        p->state = ST_HEADER;
        return 0;
    case ST_HEADER:
        if (n == 0) {
            end_of_head(p);
            return 0;
        }
        return parse_header_line(p, l, n, flags);
    case ST_CHUNK_SIZE:
        return parse_chunk_size(p, l, n);
    case ST_CHUNK_END:
        if (n != 0)
            return RESP_EPROTO;
        p->state = ST_CHUNK_SIZE;
        p->head_bytes = 0;
        return 0;
    case ST_TRAILER:
        if (n == 0)
            finish(p, 1);
        return 0;
    default:
        return RESP_EPROTO;
    }
}

ssize_t resp_parse(struct resp_parser *p, const char *buf, size_t len)
{
    size_t pos = 0;
    while (pos < len && !p->done) {
        switch (p->state) {
        case ST_BODY_LEN:
        case ST_CHUNK_DATA: {
            size_t avail = len - pos;
            size_t take = p->remaining < avail ? (size_t)p->remaining : avail;
            pos += take;
            p->remaining -= take;
            if (p->remaining == 0) {
                if (p->state == ST_BODY_LEN)
                    finish(p, 1);
                else
                    p->state = ST_CHUNK_END;
            }
            break;
        }
        case ST_BODY_EOF:
            pos = len;
            break;
        default: {
            const char *line;
            size_t line_len;
            int flags;
            int r = next_line(p, buf, len, &pos, &line, &line_len, &flags);
            if (r < 0)
                return RESP_EPROTO;
            if (r == 0)
                return (ssize_t)pos;
            if (on_line(p, line, line_len, flags) < 0)
                return RESP_EPROTO;
            break;
        }
        }
    }
    return (ssize_t)pos;
}

int resp_parse_eof(struct resp_parser *p)
{
    if (p->done)
        return 1;
    if (p->state == ST_BODY_EOF) {
        finish(p, 0);
        return 1;
    }
    if (p->state == ST_STATUS && p->head_bytes == 0 && p->carry_len == 0)
        return 0;
    return RESP_EPROTO;
}
