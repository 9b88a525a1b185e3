/* The integration tests' connections: non-blocking sockets with a deadline on every wait, the
 * bytes sent and received counted per server. */
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct it_conn *it_try_connect(struct it_server *s, int *err)
{
    it_server_drain_stdout(s);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *err = -errno;
        return NULL;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port)};
    if (inet_pton(AF_INET, s->host, &sa.sin_addr) != 1) {
        close(fd);
        *err = -EINVAL;
        return NULL;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        if (errno != EINPROGRESS) {
            *err = -errno;
            close(fd);
            return NULL;
        }
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int r;
        do
            r = poll(&p, 1, IT_IO_TIMEOUT_MS);
        while (r < 0 && errno == EINTR);
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        if (r == 0)
            soerr = ETIMEDOUT;
        else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
            soerr = errno;
        if (soerr) {
            *err = -soerr;
            close(fd);
            return NULL;
        }
    }
    struct it_conn *c = it_xmalloc(sizeof *c);
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->srv = s;
    it_own(IT_RES_CONN, c);
    *err = 0;
    return c;
}

struct it_conn *it_connect(struct it_server *s)
{
    int err;
    struct it_conn *c = it_try_connect(s, &err);
    if (!c)
        it_log("connect to %s:%d: %s", s->host, s->port, strerror(-err));
    return c;
}

void it_conn_free(struct it_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    free(c->buf);
    free(c);
}

void it_close(struct it_conn *c)
{
    if (!c)
        return;
    it_disown(c);
    it_conn_free(c);
}

int it_conn_fill(struct it_conn *c)
{
    if (c->eof)
        return 0;
    if (c->cap - c->len < 16384) {
        c->cap = c->cap ? c->cap * 2 : 65536;
        c->buf = it_xrealloc(c->buf, c->cap);
    }
    for (;;) {
        ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len - 1, 0);
        if (n > 0) {
            c->len += (size_t)n;
            c->buf[c->len] = '\0';
            if (c->srv)
                c->srv->bytes_received += (unsigned long long)n;
            return (int)n;
        }
        if (n == 0) {
            c->eof = 1;
            return 0;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return -EAGAIN;
        c->eof = 1;
        c->reset = errno == ECONNRESET;
        return 0;
    }
}

static int wait_fd(int fd, short events, long long deadline)
{
    for (;;) {
        struct pollfd p = {.fd = fd, .events = events};
        int r = poll(&p, 1, it_remaining_ms(deadline));
        if (r > 0)
            return p.revents;
        if (r == 0)
            return 0;
        if (errno != EINTR)
            return -errno;
    }
}

static int send_some(struct it_conn *c, const char *data, size_t len, long long deadline,
                     size_t *sent_out)
{
    size_t sent = 0;
    while (sent < len) {
        ssize_t n = send(c->fd, data + sent, len - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += (size_t)n;
            if (c->srv)
                c->srv->bytes_sent += (unsigned long long)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            *sent_out = sent;
            return -errno;
        }
        /* Full: keep reading what the server answers so that neither side blocks the other. */
        int ev = wait_fd(c->fd, POLLOUT | (c->eof ? 0 : POLLIN), deadline);
        if (ev == 0) {
            *sent_out = sent;
            return -ETIMEDOUT;
        }
        if (ev > 0 && (ev & (POLLIN | POLLHUP | POLLERR)) && !c->eof)
            it_conn_fill(c);
    }
    *sent_out = sent;
    return 0;
}

int it_send(struct it_conn *c, const void *data, size_t len)
{
    size_t sent;
    int rc = send_some(c, data, len, it_now_ms() + IT_IO_TIMEOUT_MS, &sent);
    if (rc < 0)
        it_log("send failed after %zu of %zu bytes: %s", sent, len, strerror(-rc));
    return rc;
}

int it_sends(struct it_conn *c, const char *str)
{
    return it_send(c, str, strlen(str));
}

int it_sendf(struct it_conn *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -EINVAL;
    char *s = it_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int rc = it_send(c, s, (size_t)n);
    free(s);
    return rc;
}

int it_send_bytewise(struct it_conn *c, const void *data, size_t len)
{
    const char *p = data;
    long long deadline = it_now_ms() + IT_IO_TIMEOUT_MS + (long long)len;
    for (size_t i = 0; i < len; i++) {
        size_t sent;
        int rc = send_some(c, p + i, 1, deadline, &sent);
        if (rc < 0) {
            it_log("byte-wise send failed at byte %zu of %zu: %s", i, len, strerror(-rc));
            return rc;
        }
    }
    return 0;
}

/* ---- reading responses ---- */

int it_conn_take_response(struct it_conn *c, int flags, struct it_response **out)
{
    const char *why = "";
    long n = it_parse_response(c->buf ? c->buf : "", c->len, c->eof, flags, out, &why);
    if (n < 0) {
        it_log("malformed response: %s", why);
        it_log_bytes("received", c->buf, c->len);
        return -EPROTO;
    }
    if (n == 0)
        return 0;
    memmove(c->buf, c->buf + n, c->len - (size_t)n);
    c->len -= (size_t)n;
    return 1;
}

struct it_response *it_read_response_ex(struct it_conn *c, int flags, int timeout_ms)
{
    long long start = it_now_ms(), deadline = start + timeout_ms;
    for (;;) {
        struct it_response *r;
        int rc = it_conn_take_response(c, flags, &r);
        if (rc > 0)
            return r;
        if (rc < 0)
            return NULL;
        if (c->eof) {
            it_log("connection %s before a complete response",
                   c->reset ? "reset" : "closed by the server");
            if (c->len)
                it_log_bytes("received", c->buf, c->len);
            return NULL;
        }
        int ev = wait_fd(c->fd, POLLIN, deadline);
        if (ev == 0) {
            it_log("no complete response within %d ms", timeout_ms);
            if (c->len)
                it_log_bytes("received so far", c->buf, c->len);
            return NULL;
        }
        it_conn_fill(c);
    }
}

struct it_response *it_read_response(struct it_conn *c, int timeout_ms)
{
    return it_read_response_ex(c, 0, timeout_ms);
}

/* Reads until the peer closes, keeping what arrives or (keep 0) dropping it: 0, -ETIMEDOUT. */
static int fill_until_eof(struct it_conn *c, int timeout_ms, int keep)
{
    long long deadline = it_now_ms() + timeout_ms;
    while (!c->eof) {
        int ev = wait_fd(c->fd, POLLIN, deadline);
        if (ev == 0)
            return -ETIMEDOUT;
        it_conn_fill(c);
        if (!keep)
            c->len = 0;
    }
    return 0;
}

int it_read_until_eof(struct it_conn *c, int timeout_ms, char **data, size_t *len)
{
    if (fill_until_eof(c, timeout_ms, 1) < 0)
        return -ETIMEDOUT;
    if (data) {
        char *d = it_alloc(c->len + 1);
        if (c->len)
            memcpy(d, c->buf, c->len);
        *data = d;
        *len = c->len;
    }
    c->len = 0;
    return 0;
}

int it_wait_closed(struct it_conn *c, int timeout_ms)
{
    return fill_until_eof(c, timeout_ms, 0);
}

int it_count_responses_until_eof(struct it_conn *c, int timeout_ms)
{
    long long deadline = it_now_ms() + timeout_ms;
    int n = 0;
    for (;;) {
        struct it_response *r;
        int rc;
        while ((rc = it_conn_take_response(c, 0, &r)) == 1)
            n += r->status >= 200; /* 1xx are interim */
        if (rc < 0)
            return rc;
        if (c->eof)
            return n;
        if (wait_fd(c->fd, POLLIN, deadline) == 0) {
            it_log("the peer did not close within %d ms (%d responses)", timeout_ms, n);
            return -ETIMEDOUT;
        }
        it_conn_fill(c);
    }
}

int it_conn_is_quiet(struct it_conn *c)
{
    if (c->eof || c->len)
        return 0;
    int rc = it_conn_fill(c);
    return rc == -EAGAIN;
}

struct it_response *it_request(struct it_server *s, const char *method, const char *target,
                               const char *body, size_t body_len)
{
    struct it_conn *c = it_connect(s);
    if (!c)
        return NULL;
    int rc;
    if (body)
        rc = it_sendf(c,
                      "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                      "Content-Length: %zu\r\n\r\n",
                      method, target, body_len);
    else
        rc = it_sendf(c, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", method,
                      target);
    if (rc == 0 && body && body_len)
        rc = it_send(c, body, body_len);
    struct it_response *r = NULL;
    if (rc == 0)
        r = it_read_response_ex(c, strcmp(method, "HEAD") == 0 ? IT_RESP_HEAD : 0,
                                IT_IO_TIMEOUT_MS);
    it_close(c);
    return r;
}

struct it_response *it_get(struct it_server *s, const char *target)
{
    return it_request(s, "GET", target, NULL, 0);
}
