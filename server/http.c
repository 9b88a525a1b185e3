/* The HTTP/1.1 request parser (RFC 9112, RFC 9110) and chunked body decoder. See http.h.
 *
 * Where the RFCs leave a choice, we take the strict one, because a parser that is more lenient
 * than a proxy in front of it is how request smuggling works:
 * - A bare LF ends a line as CRLF does (RFC 9112 section 2.2 MAY, common in hand-typed requests),
 *   but only in a message that uses it throughout: the request line's end sets the style, and a
 *   field, an empty line, a chunk line or a trailer that ends the other way is 400. A CRLF-only
 *   proxy reads "X: a\nContent-Length: 5\r\n" as one field where a lenient parser reads two,
 *   which is request smuggling; a head of bare LFs alone means the same to both.
 * - A CR not followed by LF is rejected with 400, never replaced with SP.
 * - obs-fold (a field line starting with SP or HTAB) is rejected with 400 (section 5.2).
 * - Transfer-Encoding with Content-Length is rejected with 400 (section 6.3 allows it).
 * - HTTP/1.x with x > 1 is served as HTTP/1.1: minor versions are compatible (RFC 9110 section
 *   2.5), and minor_version promises the caller 0 or 1.
 * - Up to HTTP_MAX_LEADING_EMPTY_LINES empty lines before the request line are skipped (section
 *   2.2 SHOULD ignore at least one; some clients send CRLF after a body). They are part of the
 *   returned head length and count against max_head_bytes.
 *
 * How targets are presented (path and query always point into the caller's buffer, except the
 * static "/" and ""):
 * - origin-form "/p?q": path "/p", query "q" ("/p?" gives an empty, non-NULL query).
 * - absolute-form "http://host/p?q" (http or https, any case): path "/p", query "q"; without a
 *   path, path is "/". Host and the authority are not compared (section 3.2.2 says the target's
 *   authority wins); Host is still required in HTTP/1.1.
 * - A CONNECT request with a body (Content-Length other than 0, or Transfer-Encoding) is 400.
 * - asterisk-form "*": OPTIONS only (else 400); path is "*".
 * - authority-form "host:port": CONNECT only (else 400); path is "" (path_len 0).
 */
#include "http.h"

#include <limits.h>
#include <string.h>

#define HTTP_MAX_LEADING_EMPTY_LINES 4

/* The early 414 check runs while the previous call had seen fewer than max_target_bytes plus
 * this many bytes: room for the method, its SP and the two bytes *scanned may step back. A method
 * longer than that still ends in 414 at max_head_bytes, only later. Bounding the window keeps a
 * head arriving a byte at a time linear. */
#define HTTP_EARLY_414_SLACK 40

/* INT64_MAX has 19 digits; longer Content-Length values (even with leading zeros) are refused. */
#define HTTP_MAX_CONTENT_LENGTH_DIGITS 19

enum {
    CT_TCHAR = 1,  /* token (RFC 9110 section 5.6.2): methods, field names */
    CT_TARGET = 2, /* request-target: visible ASCII (no controls, SP, DEL or bytes >= 0x80) */
    CT_VALUE = 4,  /* field value: HTAB, SP, VCHAR, obs-text */
};

/* LF has no class: every scan below stops at it, and a complete head ends with LF. */
static const unsigned char http_ctype[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, /* 0x00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 */
    4, 7, 6, 7, 7, 7, 7, 7, 6, 6, 7, 7, 6, 7, 7, 6, /* 0x20  !"#$%&'()*+,-./ */
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 6, 6, 6, 6, 6, /* 0x30 0123456789:;<=>? */
    6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, /* 0x40 @ABCDEFGHIJKLMNO */
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 6, 6, 7, 7, /* 0x50 PQRSTUVWXYZ[\]^_ */
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, /* 0x60 `abcdefghijklmno */
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 7, 6, 7, 0, /* 0x70 pqrstuvwxyz{|}~ DEL */
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, /* 0x80 */
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, /* 0x90 */
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, /* 0xa0 */
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, /* 0xb0 */
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, /* 0xc0 */
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, /* 0xd0 */
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, /* 0xe0 */
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, /* 0xf0 */
};

static inline int http_is(char c, int cls)
{
    return http_ctype[(unsigned char)c] & cls;
}

static inline int http_is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* Compares s[0..n) with a lowercase ASCII literal, ignoring the case of s. */
static int http_ieq(const char *s, const char *lower, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + ('a' - 'A'));
        if (c != lower[i])
            return 0;
    }
    return 1;
}

#define HTTP_IEQ_LIT(s, n, lit) ((n) == sizeof(lit) - 1 && http_ieq((s), (lit), (n)))

/* What the header fields say, gathered while they are parsed and judged at the end. */
struct http_fields {
    unsigned hosts;
    int64_t content_length; /* -1 until a Content-Length is seen */
    unsigned te_fields;     /* Transfer-Encoding fields */
    unsigned te_chunked;    /* times chunked was listed */
    unsigned te_other;      /* other codings listed */
    int te_last_chunked;    /* the last coding listed so far is chunked */
    int conn_close;
    int conn_keep_alive;
    int expect_continue;
};

/* ---- line ends ---- */

/* The length of the line end at p in the message's style (2 for CRLF, 1 for a bare LF), or 0 when
 * p holds something else, the other style included. p[0] must be readable, and p[1] too when
 * p[0] is a CR (every head ends with an LF). */
static size_t http_eol_len(const char *p, int bare_lf)
{
    if (bare_lf)
        return p[0] == '\n';
    return p[0] == '\r' && p[1] == '\n' ? 2 : 0;
}

/* True when buf[0..n) is empty lines of the given style only. */
static int http_empty_lines_in_style(const char *buf, size_t n, int bare_lf)
{
    for (size_t i = 0; i < n;) {
        size_t e = http_eol_len(buf + i, bare_lf);
        if (e == 0)
            return 0;
        i += e;
    }
    return 1;
}

/* ---- the end of the head ---- */

static size_t http_skip_empty_lines(const char *buf, size_t len)
{
    size_t i = 0;
    for (int n = 0; n < HTTP_MAX_LEADING_EMPTY_LINES; n++) {
        if (i < len && buf[i] == '\n')
            i += 1;
        else if (i + 1 < len && buf[i] == '\r' && buf[i + 1] == '\n')
            i += 2;
        else
            break;
    }
    return i;
}

/* Looks in buf[from..limit) for the empty line that ends the head: an LF followed by LF or CRLF.
 * Returns 1 with *head_len set, 0 with *resume set to where the next call must look again (an LF
 * whose followers have not arrived, or limit), or -1 for an LF followed by a bare CR, with
 * *head_len set to just after that LF. */
static int http_find_head_end(const char *buf, size_t from, size_t limit, size_t *head_len,
                              size_t *resume)
{
    size_t i = from;
    while (i < limit) {
        const char *lf = memchr(buf + i, '\n', limit - i);
        if (lf == NULL) {
            i = limit;
            break;
        }
        i = (size_t)(lf - buf);
        if (i + 1 == limit)
            break;
        if (buf[i + 1] == '\n') {
            *head_len = i + 2;
            return 1;
        }
        if (buf[i + 1] == '\r') {
            if (i + 2 == limit)
                break;
            if (buf[i + 2] != '\n') {
                *head_len = i + 1;
                return -1;
            }
            *head_len = i + 3;
            return 1;
        }
        i++;
    }
    *resume = i;
    return 0;
}

/* ---- the request line ---- */

static enum http_method http_method_from(const char *m, size_t n)
{
    /* Methods are case-sensitive (RFC 9110 section 9.1): "get" is an unknown method. */
    switch (n) {
    case 3:
        if (memcmp(m, "GET", 3) == 0)
            return HTTP_GET;
        if (memcmp(m, "PUT", 3) == 0)
            return HTTP_PUT;
        break;
    case 4:
        if (memcmp(m, "HEAD", 4) == 0)
            return HTTP_HEAD;
        if (memcmp(m, "POST", 4) == 0)
            return HTTP_POST;
        break;
    case 5:
        if (memcmp(m, "PATCH", 5) == 0)
            return HTTP_PATCH;
        if (memcmp(m, "TRACE", 5) == 0)
            return HTTP_TRACE;
        break;
    case 6:
        if (memcmp(m, "DELETE", 6) == 0)
            return HTTP_DELETE;
        break;
    case 7:
        if (memcmp(m, "OPTIONS", 7) == 0)
            return HTTP_OPTIONS;
        if (memcmp(m, "CONNECT", 7) == 0)
            return HTTP_CONNECT;
        break;
    }
    return HTTP_METHOD_UNKNOWN;
}

/* Sets path and query from "path[?query]". */
static void http_split_path(struct http_request *req, const char *p, size_t n)
{
    const char *q = memchr(p, '?', n);
    req->path = p;
    req->path_len = q != NULL ? (size_t)(q - p) : n;
    if (q != NULL) {
        req->query = q + 1;
        req->query_len = n - req->path_len - 1;
    }
}

/* The length of an "http://" or "https://" prefix (any case), or 0. */
static size_t http_scheme_len(const char *t, size_t n)
{
    if (n >= 7 && http_ieq(t, "http://", 7))
        return 7;
    if (n >= 8 && http_ieq(t, "https://", 8))
        return 8;
    return 0;
}

/* Classifies req->target (see the top of this file) and sets path and query. */
static int http_parse_target(struct http_request *req)
{
    const char *t = req->target;
    size_t n = req->target_len;

    req->query = NULL;
    req->query_len = 0;
    if (t[0] == '/') {
        http_split_path(req, t, n);
        return 0;
    }
    if (n == 1 && t[0] == '*') {
        if (req->method != HTTP_OPTIONS)
            return -400;
        req->path = t;
        req->path_len = 1;
        return 0;
    }
    size_t scheme = http_scheme_len(t, n);
    if (scheme > 0) {
        const char *auth = t + scheme;
        size_t rest = n - scheme, a = 0;
        while (a < rest && auth[a] != '/' && auth[a] != '?')
            a++;
        /* userinfo in an http(s) URI is an error (RFC 9110 section 4.2.4) */
        if (a == 0 || memchr(auth, '@', a) != NULL)
            return -400;
        if (a < rest && auth[a] == '/') {
            http_split_path(req, auth + a, rest - a);
        } else {
            req->path = "/";
            req->path_len = 1;
            if (a < rest) {
                req->query = auth + a + 1;
                req->query_len = rest - a - 1;
            }
        }
        return 0;
    }
    if (req->method == HTTP_CONNECT && memchr(t, '/', n) == NULL && memchr(t, '@', n) == NULL &&
        memchr(t, '?', n) == NULL) {
        req->path = "";
        req->path_len = 0;
        return 0;
    }
    return -400;
}

/* Parses "method SP request-target SP HTTP-version" and its line end from p; the caller
 * guarantees that end[-1] is an LF. *next is set to the first byte after the line. */
static int http_parse_request_line(const char *p, const char *end, const struct http_limits *lim,
                                   struct http_request *req, const char **next)
{
    const char *method = p;
    while (http_is(*p, CT_TCHAR))
        p++;
    if (p == method || *p != ' ')
        return -400;
    req->method = http_method_from(method, (size_t)(p - method));

    const char *target = ++p;
    while (http_is(*p, CT_TARGET))
        p++;
    size_t target_len = (size_t)(p - target);
    if (target_len > lim->max_target_bytes)
        return -414;
    if (target_len == 0 || *p != ' ')
        return -400;
    p++;

    /* HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive; then CRLF or LF */
    if (end - p < 9 || memcmp(p, "HTTP/", 5) != 0 || p[5] < '0' || p[5] > '9' || p[6] != '.' ||
        p[7] < '0' || p[7] > '9')
        return -400;
    /* this line end sets the style of every line after it (see the top of this file) */
    const char *eol = p + 8;
    req->bare_lf = eol[0] == '\n';
    size_t eol_len = http_eol_len(eol, req->bare_lf);
    if (eol_len == 0)
        return -400;
    eol += eol_len;
    if (p[5] != '1')
        return -505;
    req->minor_version = p[7] == '0' ? 0 : 1;
    req->target = target;
    req->target_len = target_len;
    *next = eol;
    return http_parse_target(req);
}

/* While a request line is still arriving in p[0..end): -414 if its target is already longer than
 * max_target, -400 if its method is already invalid, else 0. Looks at no more than the method and
 * max_target + 1 target bytes. */
static int http_check_partial_line(const char *p, const char *end, size_t max_target)
{
    const char *method = p;
    while (p < end && http_is(*p, CT_TCHAR))
        p++;
    if (p == end)
        return 0;
    if (p == method || *p != ' ')
        return -400;
    p++;
    size_t avail = (size_t)(end - p);
    const char *stop = p + (avail > max_target ? max_target + 1 : avail);
    const char *t = p;
    while (t < stop && http_is(*t, CT_TARGET))
        t++;
    return (size_t)(t - p) > max_target ? -414 : 0;
}

/* buf[0..len) has reached max_head_bytes without an end of head: 414 when the request line is
 * what is too long, else 431. */
static int http_head_too_long(const char *buf, size_t start, size_t len,
                              const struct http_limits *lim, struct http_request *req)
{
    const char *lf = memchr(buf + start, '\n', len - start);
    if (lf == NULL) {
        int r = http_check_partial_line(buf + start, buf + len, lim->max_target_bytes);
        return r < 0 ? r : -414;
    }
    const char *next;
    int r = http_parse_request_line(buf + start, lf + 1, lim, req, &next);
    return r < 0 ? r : -431;
}

/* ---- header fields ---- */

/* Takes the next element of the comma-separated list v[*pos..n) (RFC 9110 section 5.6.1), with
 * OWS trimmed; empty elements are returned too. Returns 0 when the list is exhausted. */
static int http_list_next(const char *v, size_t n, size_t *pos, const char **elem, size_t *elem_len)
{
    size_t i = *pos;
    if (i > n)
        return 0;
    size_t b = i;
    while (i < n && v[i] != ',')
        i++;
    size_t e = i;
    while (b < e && http_is_ows(v[b]))
        b++;
    while (e > b && http_is_ows(v[e - 1]))
        e--;
    *elem = v + b;
    *elem_len = e - b;
    *pos = i + 1;
    return 1;
}

/* Content-Length = 1*DIGIT; a list of identical values is accepted as that value (RFC 9110
 * section 8.6), as are repeated fields with the same value. */
static int http_parse_content_length(const char *v, size_t n, int64_t *cl)
{
    const char *e;
    size_t en, pos = 0;
    while (http_list_next(v, n, &pos, &e, &en)) {
        if (en == 0 || en > HTTP_MAX_CONTENT_LENGTH_DIGITS)
            return -400;
        int64_t x = 0;
        for (size_t i = 0; i < en; i++) {
            if (e[i] < '0' || e[i] > '9')
                return -400;
            int digit = e[i] - '0';
            if (x > (INT64_MAX - digit) / 10)
                return -400;
            x = x * 10 + digit;
        }
        if (*cl >= 0 && x != *cl)
            return -400;
        *cl = x;
    }
    return 0;
}

/* Transfer-Encoding lists codings, possibly over several fields; they are judged at the end. An
 * empty element is refused rather than ignored: a proxy that reads the list differently would
 * frame the body differently. */
static int http_parse_transfer_encoding(const char *v, size_t n, struct http_fields *f)
{
    const char *e;
    size_t en, pos = 0;
    f->te_fields++;
    while (http_list_next(v, n, &pos, &e, &en)) {
        if (en == 0)
            return -400;
        if (HTTP_IEQ_LIT(e, en, "chunked")) {
            f->te_chunked++;
            f->te_last_chunked = 1;
        } else {
            f->te_other++;
            f->te_last_chunked = 0;
        }
    }
    return 0;
}

static void http_parse_connection(const char *v, size_t n, struct http_fields *f)
{
    const char *e;
    size_t en, pos = 0;
    while (http_list_next(v, n, &pos, &e, &en)) {
        if (HTTP_IEQ_LIT(e, en, "close"))
            f->conn_close = 1;
        else if (HTTP_IEQ_LIT(e, en, "keep-alive"))
            f->conn_keep_alive = 1;
    }
}

static void http_parse_expect(const char *v, size_t n, struct http_fields *f)
{
    const char *e;
    size_t en, pos = 0;
    while (http_list_next(v, n, &pos, &e, &en))
        if (HTTP_IEQ_LIT(e, en, "100-continue"))
            f->expect_continue = 1;
}

static int http_apply_field(const char *name, size_t name_len, const char *v, size_t n,
                            struct http_fields *f)
{
    switch (name_len) {
    case 4:
        if (http_ieq(name, "host", 4))
            f->hosts++;
        break;
    case 6:
        if (http_ieq(name, "expect", 6))
            http_parse_expect(v, n, f);
        break;
    case 10:
        if (http_ieq(name, "connection", 10))
            http_parse_connection(v, n, f);
        break;
    case 14:
        if (http_ieq(name, "content-length", 14))
            return http_parse_content_length(v, n, &f->content_length);
        break;
    case 17:
        if (http_ieq(name, "transfer-encoding", 17))
            return http_parse_transfer_encoding(v, n, f);
        break;
    }
    return 0;
}

/* Parses field lines from p up to and including the empty line that ends the head at end. */
static int http_parse_fields(const char *p, const char *end, const struct http_limits *lim,
                             struct http_request *req, struct http_fields *f)
{
    while (p < end && *p != '\r' && *p != '\n') {
        if (http_is_ows(*p))
            return -400; /* obs-fold: rejected, see the top of this file */
        const char *name = p;
        while (http_is(*p, CT_TCHAR))
            p++;
        /* also catches whitespace between the name and the colon (RFC 9112 section 5.1) */
        if (p == name || *p != ':')
            return -400;
        size_t name_len = (size_t)(p - name);
        p++;
        while (http_is_ows(*p))
            p++;
        const char *value = p;
        while (http_is(*p, CT_VALUE))
            p++;
        const char *value_end = p;
        size_t eol_len = http_eol_len(p, req->bare_lf);
        if (eol_len == 0)
            return -400; /* a control character, a bare CR, or the other line end */
        p += eol_len;
        while (value_end > value && http_is_ows(value_end[-1]))
            value_end--;
        if (++req->n_headers > lim->max_headers)
            return -431;
        int r = http_apply_field(name, name_len, value, (size_t)(value_end - value), f);
        if (r < 0)
            return r;
    }
    /* The empty line, which http_find_head_end made the last line (after a bare CR, the caller
     * ends the head before that line, and this is the 400); it too ends in the head's style. */
    if (p == end)
        return -400;
    size_t eol_len = http_eol_len(p, req->bare_lf);
    return (eol_len > 0 && p + eol_len == end) ? 0 : -400;
}

/* Judges what the fields said together and fills in the derived members. */
static int http_apply_semantics(struct http_request *req, const struct http_fields *f)
{
    /* RFC 9112 section 3.2: exactly one Host in HTTP/1.1; never more than one */
    if (f->hosts > 1 || (f->hosts == 0 && req->minor_version >= 1))
        return -400;
    if (f->te_fields > 0) {
        /* section 6.1: Transfer-Encoding in HTTP/1.0 means faulty framing */
        if (req->minor_version == 0 || f->content_length >= 0)
            return -400;
        /* section 6.3: the final coding must be chunked, and chunked is applied once */
        if (!f->te_last_chunked || f->te_chunked != 1)
            return -400;
        /* section 6.1: a coding we do not understand (we decode none but chunked) is 501 */
        if (f->te_other > 0)
            return -501;
        req->chunked = 1;
    }
    /* RFC 9110 section 9.3.6: a CONNECT request has no content. A parser that starts a tunnel
     * after the head (as http_parser and proxies do) reads the bytes after it as the tunnel's,
     * where a Content-Length would make them a body here. */
    if (req->method == HTTP_CONNECT && (req->chunked || f->content_length > 0))
        return -400;
    req->content_length = f->content_length;
    if (req->minor_version >= 1)
        req->keep_alive = !f->conn_close;
    else
        req->keep_alive = f->conn_keep_alive && !f->conn_close;
    /* RFC 9110 section 10.1.1: a 100-continue in an HTTP/1.0 request is ignored */
    req->expect_continue = f->expect_continue && req->minor_version >= 1;
    return 0;
}

/* Parses the head buf[start..head_len), whose last byte is an LF, in one pass. */
static int http_parse_head(const char *buf, size_t start, size_t head_len,
                           const struct http_limits *lim, struct http_request *req)
{
    *req = (struct http_request){.content_length = -1};
    const char *end = buf + head_len;
    const char *p;
    int r = http_parse_request_line(buf + start, end, lim, req, &p);
    if (r < 0)
        return r;
    /* the empty lines skipped before the request line are part of the head, so of its style */
    if (!http_empty_lines_in_style(buf, start, req->bare_lf))
        return -400;
    struct http_fields f = {.content_length = -1};
    r = http_parse_fields(p, end, lim, req, &f);
    if (r < 0)
        return r;
    r = http_apply_semantics(req, &f);
    if (r < 0)
        return r;
    return (int)head_len;
}

int http_parse_request(const char *buf, size_t len, size_t *scanned, const struct http_limits *lim,
                       struct http_request *req)
{
    size_t max_head = lim->max_head_bytes < INT_MAX ? lim->max_head_bytes : INT_MAX;
    size_t limit = len < max_head ? len : max_head;
    size_t start = http_skip_empty_lines(buf, limit);
    size_t scanned_before = *scanned;
    size_t from = scanned_before > start ? scanned_before : start;
    if (from > limit)
        from = limit;

    size_t head_len = 0;
    int r = http_find_head_end(buf, from, limit, &head_len, scanned);
    if (r < 0) {
        /* A bare CR at the start of a line: 400 without waiting for the rest, but after whatever
         * the lines before it would have said, so that the answer does not depend on how the
         * bytes arrived. Those lines cannot end the head, so this returns an error. */
        r = http_parse_head(buf, start, head_len, lim, req);
        return r < 0 ? r : -400;
    }
    if (r == 0) {
        if (len >= max_head)
            return http_head_too_long(buf, start, limit, lim, req);
        /* Report an over-long target as soon as it shows (see HTTP_EARLY_414_SLACK). */
        size_t max_target = lim->max_target_bytes;
        size_t seen = len - start;
        size_t seen_before = scanned_before > start ? scanned_before - start : 0;
        if (seen > 2 && seen - 2 > max_target &&
            (seen_before <= max_target || seen_before - max_target < HTTP_EARLY_414_SLACK))
            return http_check_partial_line(buf + start, buf + len, max_target);
        return 0;
    }
    return http_parse_head(buf, start, head_len, lim, req);
}

/* ---- chunked bodies ---- */

/* Chunk lines, trailer lines and the CRLF after chunk data end as the head's lines did (see the
 * top of this file). Chunk extensions (RFC 9112 section 7.1.1) are parsed, not skipped:
 *   chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )
 * so an empty name, a bare "=", an unclosed quote, whitespace before the line end or an
 * extension in a bare-LF body is 400: a proxy that reads the line another way (where a quoted
 * string ends, or where the line ends) would frame the body differently. Trailer lines are field lines (a token, ":", a field value); they are discarded. */
enum {
    CH_SIZE = 0,      /* chunk-size digits (the zeroed state) */
    CH_SIZE_WS,       /* BWS after the size or an extension value: only ";" or BWS may follow */
    CH_EXT_NAME_WS,   /* after ";": BWS, then an extension name */
    CH_EXT_NAME,      /* inside an extension name */
    CH_EXT_NAME_END,  /* BWS after a name: "=" or ";" may follow */
    CH_EXT_VALUE_WS,  /* after "=": BWS, then a token or a quoted string */
    CH_EXT_TOKEN,     /* inside a token value */
    CH_EXT_QUOTED,    /* inside a quoted-string value */
    CH_EXT_ESCAPE,    /* after a backslash in a quoted string */
    CH_EXT_QUOTE_END, /* just after the closing quote */
    CH_SIZE_LF,       /* CR seen at the end of the size line */
    CH_DATA,          /* chunk_left data bytes to go */
    CH_DATA_END,      /* the line end after chunk data */
    CH_DATA_LF,       /* CR seen after chunk data */
    CH_TRAILER,       /* at the start of a trailer line, or of the final empty line */
    CH_TRAILER_NAME,  /* inside a trailer field's name */
    CH_TRAILER_VALUE, /* after a trailer field's colon */
    CH_TRAILER_LF,    /* CR seen at the end of a trailer field line */
    CH_END_LF,        /* CR seen on the final empty line */
    CH_DONE,
};

static int http_hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* c (a CR or an LF) ends a body line in the head's style. Returns 1 when the line has ended (a
 * bare LF in a bare-LF message), 0 when a CR was taken and lf_state now waits for its LF, or -400
 * for the other style. */
static int http_chunk_eol(struct http_chunked *d, unsigned char c, int lf_state)
{
    if (d->bare_lf)
        return c == '\n' ? 1 : -400;
    if (c != '\r')
        return -400;
    d->state = lf_state;
    return 0;
}

/* The size line ended: data follows, or the trailer section after the last chunk. */
static void http_chunk_line_done(struct http_chunked *d)
{
    d->line_bytes = 0;
    d->state = d->chunk_left > 0 ? CH_DATA : CH_TRAILER;
}

static void http_chunk_finish(struct http_chunked *d)
{
    d->state = CH_DONE;
    d->done = 1;
}

/* After the size or an extension value: BWS, or ";" and the next extension. */
static int http_chunk_after_value(unsigned char c)
{
    if (c == ';')
        return CH_EXT_NAME_WS;
    return http_is_ows((char)c) ? CH_SIZE_WS : -400;
}

/* After an extension name: BWS, "=" and a value, or ";" and the next extension. */
static int http_chunk_after_name(unsigned char c)
{
    if (c == '=')
        return CH_EXT_VALUE_WS;
    if (c == ';')
        return CH_EXT_NAME_WS;
    return http_is_ows((char)c) ? CH_EXT_NAME_END : -400;
}

/* The state after byte c (not a CR or LF) of the size line, or -400. */
static int http_chunk_line_next(struct http_chunked *d, unsigned char c)
{
    switch (d->state) {
    case CH_SIZE: {
        int h = http_hex_value(c);
        if (h < 0)
            return d->line_bytes == 1 ? -400 : http_chunk_after_value(c); /* no digits: 400 */
        if (d->chunk_left > (uint64_t)(INT64_MAX >> 4))
            return -400;
        d->chunk_left = (d->chunk_left << 4) | (uint64_t)h;
        return CH_SIZE;
    }
    case CH_SIZE_WS:
    case CH_EXT_QUOTE_END:
        return http_chunk_after_value(c);
    case CH_EXT_NAME_WS:
        if (http_is_ows((char)c))
            return CH_EXT_NAME_WS;
        return http_is((char)c, CT_TCHAR) ? CH_EXT_NAME : -400;
    case CH_EXT_NAME:
        return http_is((char)c, CT_TCHAR) ? CH_EXT_NAME : http_chunk_after_name(c);
    case CH_EXT_NAME_END:
        return http_chunk_after_name(c);
    case CH_EXT_VALUE_WS:
        if (http_is_ows((char)c))
            return CH_EXT_VALUE_WS;
        if (c == '"')
            return CH_EXT_QUOTED;
        return http_is((char)c, CT_TCHAR) ? CH_EXT_TOKEN : -400;
    case CH_EXT_TOKEN:
        return http_is((char)c, CT_TCHAR) ? CH_EXT_TOKEN : http_chunk_after_value(c);
    case CH_EXT_QUOTED:
        /* qdtext is a field value's bytes but DQUOTE and backslash (RFC 9110 section 5.6.4) */
        if (c == '"')
            return CH_EXT_QUOTE_END;
        if (c == '\\')
            return CH_EXT_ESCAPE;
        return http_is((char)c, CT_VALUE) ? CH_EXT_QUOTED : -400;
    case CH_EXT_ESCAPE:
        return http_is((char)c, CT_VALUE) ? CH_EXT_QUOTED : -400;
    }
    return -400;
}

/* Takes one byte of the size line (not in CH_SIZE_LF); returns -400 when it cannot be there. */
static int http_chunk_size_byte(struct http_chunked *d, unsigned char c)
{
    if (++d->line_bytes > HTTP_MAX_CHUNK_LINE_BYTES)
        return -400;
    if (c == '\r' || c == '\n') {
        /* the line ends after the size, a name or a value; not after BWS, ";" or "=" ("1 \r\n"
         * and "1;\r\n" are refused), nor inside a quoted string */
        int s = d->state;
        if (!((s == CH_SIZE && d->line_bytes > 1) || s == CH_EXT_NAME || s == CH_EXT_TOKEN ||
              s == CH_EXT_QUOTE_END))
            return -400;
        /* An extension line ended by a bare LF is 400: parsers that skip extensions to the line's
         * end look for its CR and read the chunk data, and whatever follows, as extension. */
        if (s != CH_SIZE && c == '\n')
            return -400;
        int r = http_chunk_eol(d, c, CH_SIZE_LF);
        if (r > 0)
            http_chunk_line_done(d);
        return r < 0 ? r : 0;
    }
    int next = http_chunk_line_next(d, c);
    if (next < 0)
        return next;
    d->state = next;
    return 0;
}

/* Takes one byte of the trailer section (the trailer states only). */
static int http_chunk_trailer_byte(struct http_chunked *d, unsigned char c, size_t max_trailer)
{
    int r;
    switch (d->state) {
    case CH_TRAILER:
        if (c == '\r' || c == '\n') {
            r = http_chunk_eol(d, c, CH_END_LF);
            if (r > 0)
                http_chunk_finish(d);
            return r < 0 ? r : 0; /* the final empty line does not count */
        }
        if (!http_is((char)c, CT_TCHAR))
            return -400; /* obs-fold (SP, HTAB) included, as in the head */
        d->state = CH_TRAILER_NAME;
        break;
    case CH_TRAILER_NAME:
        if (c == ':')
            d->state = CH_TRAILER_VALUE;
        else if (!http_is((char)c, CT_TCHAR))
            return -400;
        break;
    case CH_TRAILER_VALUE:
        if (c == '\r' || c == '\n') {
            r = http_chunk_eol(d, c, CH_TRAILER_LF);
            if (r < 0)
                return r;
            if (r > 0)
                d->state = CH_TRAILER;
        } else if (!http_is((char)c, CT_VALUE)) {
            return -400;
        }
        break;
    case CH_TRAILER_LF:
        if (c != '\n')
            return -400;
        d->state = CH_TRAILER;
        break;
    case CH_END_LF:
        if (c != '\n')
            return -400;
        http_chunk_finish(d);
        return 0;
    }
    if (++d->trailer_bytes > max_trailer)
        return -400;
    return 0;
}

ssize_t http_chunked_decode(struct http_chunked *d, const char *buf, size_t len,
                            size_t max_trailer_bytes, const char **data, size_t *data_len)
{
    size_t i = 0;
    *data = NULL;
    *data_len = 0;
    while (i < len && !d->done) {
        if (d->state == CH_DATA) {
            size_t n = len - i;
            if (n > d->chunk_left)
                n = (size_t)d->chunk_left;
            *data = buf + i;
            *data_len = n;
            d->chunk_left -= n;
            if (d->chunk_left == 0)
                d->state = CH_DATA_END;
            return (ssize_t)(i + n);
        }
        unsigned char c = (unsigned char)buf[i++];
        int r = 0;
        switch (d->state) {
        case CH_SIZE:
        case CH_SIZE_WS:
        case CH_EXT_NAME_WS:
        case CH_EXT_NAME:
        case CH_EXT_NAME_END:
        case CH_EXT_VALUE_WS:
        case CH_EXT_TOKEN:
        case CH_EXT_QUOTED:
        case CH_EXT_ESCAPE:
        case CH_EXT_QUOTE_END:
            r = http_chunk_size_byte(d, c);
            break;
        case CH_SIZE_LF:
            if (c != '\n')
                return -400;
            http_chunk_line_done(d);
            break;
        case CH_DATA_END:
            /* exactly a line end after chunk data, in the head's style */
            r = (c == '\r' || c == '\n') ? http_chunk_eol(d, c, CH_DATA_LF) : -400;
            if (r > 0) {
                d->state = CH_SIZE;
                r = 0;
            }
            break;
        case CH_DATA_LF:
            if (c != '\n')
                return -400;
            d->state = CH_SIZE;
            break;
        default:
            r = http_chunk_trailer_byte(d, c, max_trailer_bytes);
            break;
        }
        if (r < 0)
            return r;
    }
    return (ssize_t)i;
}

const char *http_status_reason(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 206:
        return "Partial Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 304:
        return "Not Modified";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 411:
        return "Length Required";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 416:
        return "Range Not Satisfiable";
    case 417:
        return "Expectation Failed";
    case 421:
        return "Misdirected Request";
    case 422:
        return "Unprocessable Content";
    case 426:
        return "Upgrade Required";
    case 428:
        return "Precondition Required";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    }
    return "Unknown";
}
