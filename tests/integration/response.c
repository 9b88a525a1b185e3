/* The integration tests' own response parser: strict where the load client's is lenient, it is
 * the oracle the tests judge the server by (every header kept, framing checked, a conflict an
 * error). */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *find_crlf(const char *p, const char *end)
{
    for (; p + 1 < end; p++)
        if (p[0] == '\r' && p[1] == '\n')
            return p;
    return NULL;
}

static const char *find_head_end(const char *p, size_t len)
{
    for (size_t i = 0; i + 3 < len; i++)
        if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n')
            return p + i;
    return NULL;
}

static int str_ieq(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

/* Walks a chunked body at p: the body length and total framed length once complete (0), more
 * input needed (1), or malformed (-1). Copies the data into dst when dst is not NULL. */
static int scan_chunked(const char *p, const char *end, char *dst, size_t *body_len,
                        size_t *framed_len)
{
    const char *start = p;
    size_t total = 0;
    for (;;) {
        const char *eol = find_crlf(p, end);
        if (!eol)
            return end - p > 1024 ? -1 : 1;
        size_t size = 0;
        const char *q = p;
        if (!isxdigit((unsigned char)*q))
            return -1;
        for (; q < eol && isxdigit((unsigned char)*q); q++) {
            if (size > (SIZE_MAX >> 4))
                return -1;
            int d = isdigit((unsigned char)*q) ? *q - '0' : (tolower((unsigned char)*q) - 'a' + 10);
            size = size * 16 + (size_t)d;
        }
        if (q < eol && *q != ';' && *q != ' ' && *q != '\t')
            return -1;
        p = eol + 2;
        if (size == 0) {
            /* trailer section: field lines up to an empty line */
            for (;;) {
                const char *t = find_crlf(p, end);
                if (!t)
                    return 1;
                int empty = t == p;
                p = t + 2;
                if (empty)
                    break;
            }
            *body_len = total;
            *framed_len = (size_t)(p - start);
            return 0;
        }
        if ((size_t)(end - p) < size + 2)
            return 1;
        if (p[size] != '\r' || p[size + 1] != '\n')
            return -1;
        if (dst)
            memcpy(dst + total, p, size);
        total += size;
        p += size + 2;
    }
}

/* Parses one response at the start of buf: >0 bytes consumed with *out filled, 0 when more input
 * is needed, -1 when malformed (why is set). */
long it_parse_response(const char *buf, size_t len, int eof, int flags, struct it_response **out,
                       const char **why)
{
    const char *head_end = find_head_end(buf, len);
    if (!head_end) {
        if (len > IT_MAX_RESPONSE_HEAD) {
            *why = "response head too long or without CRLFCRLF";
            return -1;
        }
        return 0;
    }
    size_t head_len = (size_t)(head_end - buf) + 4;

    struct it_response *r = it_xmalloc(sizeof *r);
    memset(r, 0, sizeof *r);
    char *head = it_xmalloc(head_len + 1);
    memcpy(head, buf, head_len);
    head[head_len] = '\0';
    char *body = NULL;

    /* status line */
    char *line_end = strstr(head, "\r\n");
    *line_end = '\0';
    if (strncmp(head, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)head[7]) || head[8] != ' ' ||
        !isdigit((unsigned char)head[9]) || !isdigit((unsigned char)head[10]) ||
        !isdigit((unsigned char)head[11]) || (head[12] != ' ' && head[12] != '\0')) {
        *why = "bad status line";
        goto malformed;
    }
    r->minor_version = head[7] - '0';
    r->status = atoi(head + 9);
    r->reason = head[12] ? head + 13 : head + 12;

    /* field lines */
    char *p = line_end + 2;
    while (*p != '\r') {
        char *e = strstr(p, "\r\n");
        *e = '\0';
        char *colon = strchr(p, ':');
        char *ws = strpbrk(p, " \t");
        if (!colon || colon == p || (ws && ws < colon)) {
            *why = "bad header line";
            goto malformed;
        }
        if (r->nheaders == IT_MAX_HEADERS) {
            *why = "too many headers";
            goto malformed;
        }
        *colon = '\0';
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        char *ve = v + strlen(v);
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
            *--ve = '\0';
        r->headers[r->nheaders].name = p;
        r->headers[r->nheaders].value = v;
        r->nheaders++;
        p = e + 2;
    }

    /* body framing (RFC 9112 §6.3) */
    size_t framed = 0;
    const char *te = it_header(r, "Transfer-Encoding");
    const char *cl = it_header(r, "Content-Length");
    const char *rest = buf + head_len;
    size_t avail = len - head_len;
    if ((flags & IT_RESP_HEAD) || r->status / 100 == 1 || r->status == 204 || r->status == 304) {
        r->body_len = 0;
    } else if (te) {
        if (!str_ieq(te, "chunked")) {
            *why = "unsupported Transfer-Encoding in response";
            goto malformed;
        }
        r->chunked = 1;
        int rc = scan_chunked(rest, rest + avail, NULL, &r->body_len, &framed);
        if (rc < 0) {
            *why = "bad chunked framing";
            goto malformed;
        }
        if (rc > 0)
            goto incomplete;
        body = it_xmalloc(r->body_len + 1);
        scan_chunked(rest, rest + avail, body, &r->body_len, &framed);
    } else if (cl) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(cl, &end, 10);
        if (!isdigit((unsigned char)*cl) || *end != '\0' || errno) {
            *why = "bad Content-Length";
            goto malformed;
        }
        for (int i = 0; i < r->nheaders; i++)
            if (str_ieq(r->headers[i].name, "Content-Length") && strcmp(r->headers[i].value, cl)) {
                *why = "conflicting Content-Length headers";
                goto malformed;
            }
        if (avail < n)
            goto incomplete;
        r->body_len = (size_t)n;
        framed = (size_t)n;
    } else {
        if (!eof)
            goto incomplete;
        r->body_len = avail;
        framed = avail;
    }
    if (!body) {
        body = it_xmalloc(r->body_len + 1);
        if (r->body_len)
            memcpy(body, rest, r->body_len);
    }
    body[r->body_len] = '\0';
    r->body = body;
    r->raw_len = head_len + framed;
    it_own(IT_RES_MEMORY, head);
    it_own(IT_RES_MEMORY, body);
    it_own(IT_RES_MEMORY, r);
    *out = r;
    return (long)r->raw_len;

incomplete:
    free(head);
    free(body);
    free(r);
    return 0;
malformed:
    free(head);
    free(body);
    free(r);
    return -1;
}

void it_log_bytes(const char *what, const char *p, size_t len)
{
    char shown[200];
    size_t n = 0;
    for (size_t i = 0; i < len && n + 5 < sizeof shown; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch == '\r')
            n += (size_t)snprintf(shown + n, sizeof shown - n, "\\r");
        else if (ch == '\n')
            n += (size_t)snprintf(shown + n, sizeof shown - n, "\\n");
        else if (ch < 32 || ch > 126)
            n += (size_t)snprintf(shown + n, sizeof shown - n, "\\x%02x", ch);
        else
            shown[n++] = (char)ch;
    }
    shown[n] = '\0';
    it_log("%s (%zu bytes): \"%s\"%s", what, len, shown, n + 5 >= sizeof shown ? "..." : "");
}

const char *it_header(const struct it_response *r, const char *name)
{
    for (int i = 0; i < r->nheaders; i++)
        if (str_ieq(r->headers[i].name, name))
            return r->headers[i].value;
    return NULL;
}

int it_header_count(const struct it_response *r, const char *name)
{
    int n = 0;
    for (int i = 0; i < r->nheaders; i++)
        n += str_ieq(r->headers[i].name, name);
    return n;
}

int it_header_has_token(const struct it_response *r, const char *name, const char *token)
{
    size_t tl = strlen(token);
    for (int i = 0; i < r->nheaders; i++) {
        if (!str_ieq(r->headers[i].name, name))
            continue;
        const char *p = r->headers[i].value;
        while (*p) {
            while (*p == ' ' || *p == '\t' || *p == ',')
                p++;
            const char *e = p;
            while (*e && *e != ',')
                e++;
            const char *te = e;
            while (te > p && (te[-1] == ' ' || te[-1] == '\t'))
                te--;
            if ((size_t)(te - p) == tl && strncasecmp(p, token, tl) == 0)
                return 1;
            p = e;
        }
    }
    return 0;
}
