#include "response.h"

#include "buf.h"
#include "http.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define RESP_DATE_LEN 29 /* "Sun, 06 Nov 1994 08:49:37 GMT" */

static __thread time_t date_second = -1;
static __thread char date_text[RESP_DATE_LEN + 1];

static const char *resp_date(void)
{
    time_t now = time(NULL);
    if (now != date_second) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(date_text, sizeof date_text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        date_second = now;
    }
    return date_text;
}

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

long resp_head(struct buf *out, int status, const char *content_type, size_t content_length,
               int keep_alive, int minor_version, const char *extra)
{
    const char *reason = http_status_reason(status);
    size_t type_len = content_type ? strlen(content_type) : 0;
    size_t extra_len = extra ? strlen(extra) : 0;
    size_t need = 160 + strlen(reason) + type_len + extra_len;
    if (buf_reserve(out, need) < 0)
        return -ENOMEM;
    char *start = out->data + out->len, *p = start;
    p = PUT_LITERAL(p, "HTTP/1.1 ");
    p = put_uint(p, (size_t)status);
    *p++ = ' ';
    p = put(p, reason, strlen(reason));
    p = PUT_LITERAL(p, "\r\nServer: c10k-lab\r\nDate: ");
    p = put(p, resp_date(), RESP_DATE_LEN);
    if (content_type) {
        p = PUT_LITERAL(p, "\r\nContent-Type: ");
        p = put(p, content_type, type_len);
    }
    p = PUT_LITERAL(p, "\r\nContent-Length: ");
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
