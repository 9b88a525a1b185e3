#include "response.h"

#include "buf.h"
#include "http.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define RESP_DATE_LEN 29 /* "Sun, 06 Nov 1994 08:49:37 GMT" */
#define RESP_PREFIX_MAX 160 /* status line, Server and Date; reasons are at most ~32 bytes */
#define RESP_REASON_MAX 64

static char *put(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

#define PUT_LITERAL(p, s) put((p), (s), sizeof(s) - 1)

static char *put_uint(char *p, size_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    while (n > 0)
        *p++ = tmp[--n];
    return p;
}

/* The start of every head (status line, Server, Date), rendered per thread once a second for the
 * status last answered: the responses on a connection mostly share their status, so the hot
 * path copies one block instead of formatting it. */
struct resp_prefix {
    time_t second;
    int status;
    size_t len;
    char text[RESP_PREFIX_MAX];
};

static __thread struct resp_prefix prefix = {.second = -1};

static const struct resp_prefix *resp_prefix(int status)
{
    time_t now = time(NULL);
    if (now == prefix.second && status == prefix.status)
        return &prefix;
    const char *reason = http_status_reason(status);
    size_t reason_len = strnlen(reason, RESP_REASON_MAX);
    char *p = prefix.text;
    p = PUT_LITERAL(p, "HTTP/1.1 ");
    p = put_uint(p, (size_t)(status >= 0 && status < 1000 ? status : 500));
    *p++ = ' ';
    p = put(p, reason, reason_len);
    p = PUT_LITERAL(p, "\r\nServer: c10k-lab\r\nDate: ");
    struct tm tm;
    gmtime_r(&now, &tm);
    p += strftime(p, RESP_DATE_LEN + 1, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    p = PUT_LITERAL(p, "\r\n");
    prefix.len = (size_t)(p - prefix.text);
    prefix.second = now;
    prefix.status = status;
    return &prefix;
}

long resp_head(struct buf *out, int status, const char *content_type, size_t content_length,
               int keep_alive, int minor_version, const char *extra)
{
    const struct resp_prefix *pre = resp_prefix(status);
    size_t type_len = content_type ? strlen(content_type) : 0;
    size_t extra_len = extra ? strlen(extra) : 0;
    /* the Content-Type, Content-Length and Connection lines and the final CRLF need less */
    size_t need = pre->len + type_len + extra_len + 96;
    if (buf_reserve(out, need) < 0)
        return -ENOMEM;
    char *start = out->data + out->len, *p = start;
    p = put(p, pre->text, pre->len);
    if (content_type) {
        p = PUT_LITERAL(p, "Content-Type: ");
        p = put(p, content_type, type_len);
        p = PUT_LITERAL(p, "\r\n");
    }
    p = PUT_LITERAL(p, "Content-Length: ");
    p = put_uint(p, content_length);
    p = PUT_LITERAL(p, "\r\n");
    if (!keep_alive)
        p = PUT_LITERAL(p, "Connection: close\r\n");
    else if (minor_version == 0)
        p = PUT_LITERAL(p, "Connection: keep-alive\r\n");
    if (extra)
        p = put(p, extra, extra_len);
    p = PUT_LITERAL(p, "\r\n");
    out->len += (size_t)(p - start);
    return p - start;
}

long resp_full(struct buf *out, int status, const char *content_type, const void *body,
               size_t len, int keep_alive, int minor_version, int head_only, const char *extra)
{
    long n = resp_head(out, status, content_type, len, keep_alive, minor_version, extra);
    if (n < 0 || head_only)
        return n;
    if (buf_append(out, body, len) < 0)
        return -ENOMEM;
    return n + (long)len;
}
