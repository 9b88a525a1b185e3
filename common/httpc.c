#include "httpc.h"

#include "resp_parse.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HTTPC_CONNECT_PROBE_MS 200 /* httpc_can_connect's deadline */

/* The answer being read: the parser and the body so far. */
struct answer {
    struct resp_parser parser;
    char *body; /* NUL-terminated once it holds anything */
    size_t len, cap;
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for fd to become ready for `events` before the deadline. Returns 0 or -ETIMEDOUT. */
static int wait_fd(int fd, short events, long long deadline)
{
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0)
            return -ETIMEDOUT;
        struct pollfd pfd = {.fd = fd, .events = events};
        int r = poll(&pfd, 1, (int)left);
        if (r > 0)
            return 0;
        if (r < 0 && errno != EINTR)
            return -errno;
    }
}

/* A non-blocking connection to one address, established before the deadline: the fd, or a
 * negative errno. */
static int connect_addr(const struct addrinfo *ai, long long deadline)
{
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int rc = 0;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        rc = errno == EINPROGRESS ? wait_fd(fd, POLLOUT, deadline) : -errno;
        int err = 0;
        socklen_t len = sizeof err;
        if (rc == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err != 0)
            rc = -err;
    }
    if (rc < 0) {
        close(fd);
        return rc;
    }
    return fd;
}

/* Tries each address of host:port in turn: a connected fd, or a negative errno. */
static int connect_to(const char *host, int port, long long deadline)
{
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *list;
    if (port <= 0 || port > 65535)
        return -EINVAL;
    if (getaddrinfo(host, service, &hints, &list) != 0)
        return -EHOSTUNREACH;
    int fd = -EHOSTUNREACH;
    for (const struct addrinfo *ai = list; ai && fd < 0 && fd != -ETIMEDOUT; ai = ai->ai_next)
        fd = connect_addr(ai, deadline);
    freeaddrinfo(list);
    return fd;
}

int httpc_can_connect(const char *host, int port)
{
    int fd = connect_to(host, port, now_ms() + HTTPC_CONNECT_PROBE_MS);
    if (fd < 0)
        return 0;
    close(fd);
    return 1;
}

/* After a send or recv that returned n: 1 to try again (fd is ready now), 0 when n is a result,
 * or a negative errno (-ETIMEDOUT at the deadline). */
static int io_again(ssize_t n, int fd, short events, long long deadline)
{
    if (n >= 0)
        return 0;
    if (errno != EAGAIN && errno != EINTR)
        return -errno;
    int rc = wait_fd(fd, events, deadline);
    return rc < 0 ? rc : 1;
}

static int send_all(int fd, const char *data, size_t len, long long deadline)
{
    for (size_t sent = 0; sent < len;) {
        ssize_t w = send(fd, data + sent, len - sent, MSG_NOSIGNAL);
        int rc = io_again(w, fd, POLLOUT, deadline);
        if (rc < 0)
            return rc;
        if (rc == 0)
            sent += (size_t)w;
    }
    return 0;
}

static int body_append(struct answer *a, const char *data, size_t n)
{
    if (a->len + n > HTTPC_MAX_BODY)
        return -EMSGSIZE;
    if (a->len + n + 1 > a->cap) {
        size_t cap = a->cap ? a->cap : 4096;
        while (cap < a->len + n + 1)
            cap *= 2;
        char *b = realloc(a->body, cap);
        if (!b)
            return -ENOMEM;
        a->body = b;
        a->cap = cap;
    }
    memcpy(a->body + a->len, data, n);
    a->len += n;
    a->body[a->len] = '\0';
    return 0;
}

/* Feeds received bytes to the parser and keeps the body's. The parser reports the framing, not
 * where the body lies, so a byte is body when the parser consumed it as content (`remaining`
 * counting down: Content-Length or chunk data), or when, the status line parsed and the answer
 * not chunked, it added nothing to the head (a body that lasts until the close). Data is fed in
 * runs of content, else a byte at a time: heads and chunk-size lines are short. Returns 0 (more
 * wanted, or p->done), or a negative errno. */
static int answer_take(struct answer *a, const char *buf, size_t len)
{
    struct resp_parser *p = &a->parser;
    size_t pos = 0;
    while (pos < len && !p->done) {
        uint64_t remaining = p->remaining;
        uint32_t head_bytes = p->head_bytes;
        size_t step = remaining > 0 ? (remaining < len - pos ? (size_t)remaining : len - pos) : 1;
        ssize_t n = resp_parse(p, buf + pos, step);
        if (n < 0)
            return -EPROTO;
        int content =
            remaining > 0 || (!p->chunked && p->status != 0 && p->head_bytes == head_bytes);
        if (content && n > 0) {
            int rc = body_append(a, buf + pos, (size_t)n);
            if (rc < 0)
                return rc;
        }
        pos += (size_t)n;
    }
    return 0;
}

/* Reads the answer until the parser has it whole or the peer closes. */
static int answer_read(int fd, struct answer *a, long long deadline)
{
    char buf[16384];
    while (!a->parser.done) {
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        int again = io_again(r, fd, POLLIN, deadline);
        if (again < 0)
            return again;
        if (again)
            continue;
        if (r == 0)
            return resp_parse_eof(&a->parser) == 1 ? 0 : -EPROTO;
        int rc = answer_take(a, buf, (size_t)r);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* "host:port", with brackets for an IPv6 address. */
static void format_authority(char *out, size_t len, const char *host, int port)
{
    if (strchr(host, ':'))
        snprintf(out, len, "[%s]:%d", host, port);
    else
        snprintf(out, len, "%s:%d", host, port);
}

int httpc_get(const char *host, int port, const char *path, int timeout_ms, char **body)
{
    *body = NULL;
    char authority[HTTPC_MAX_HOST + 16], req[HTTPC_MAX_PATH + HTTPC_MAX_HOST + 128];
    format_authority(authority, sizeof authority, host, port);
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n"
                     "User-Agent: c10k-lab\r\n\r\n",
                     path, authority);
    if (n < 0 || (size_t)n >= sizeof req)
        return -EINVAL;
    long long deadline = now_ms() + timeout_ms;
    int fd = connect_to(host, port, deadline);
    if (fd < 0)
        return fd;
    struct answer a = {.body = NULL};
    resp_parser_init(&a.parser, 0);
    int rc = send_all(fd, req, (size_t)n, deadline);
    if (rc == 0)
        rc = answer_read(fd, &a, deadline);
    close(fd);
    if (rc == 0 && !a.body && !(a.body = calloc(1, 1)))
        rc = -ENOMEM;
    if (rc < 0) {
        free(a.body);
        return rc;
    }
    *body = a.body;
    return a.parser.status;
}

/* Copies [p, end) into dst (size n): 0, or -EINVAL when it is empty or does not fit. */
static int copy_part(char *dst, size_t n, const char *p, const char *end)
{
    if (end <= p || (size_t)(end - p) >= n)
        return -EINVAL;
    memcpy(dst, p, (size_t)(end - p));
    dst[end - p] = '\0';
    return 0;
}

int httpc_parse_url(const char *url, char host[HTTPC_MAX_HOST], int *port,
                    char path[HTTPC_MAX_PATH])
{
    static const char scheme[] = "http://";
    if (strncmp(url, scheme, sizeof scheme - 1) != 0)
        return -EINVAL;
    const char *auth = url + sizeof scheme - 1;
    const char *auth_end = auth + strcspn(auth, "/?#");
    if (*auth_end == '?' || *auth_end == '#')
        return -EINVAL;
    const char *port_start = NULL;
    if (*auth == '[') {
        const char *bracket = memchr(auth, ']', (size_t)(auth_end - auth));
        if (!bracket || (bracket + 1 != auth_end && bracket[1] != ':'))
            return -EINVAL;
        if (copy_part(host, HTTPC_MAX_HOST, auth + 1, bracket) < 0)
            return -EINVAL;
        port_start = bracket + 1 < auth_end ? bracket + 2 : NULL;
    } else {
        const char *colon = memchr(auth, ':', (size_t)(auth_end - auth));
        if (copy_part(host, HTTPC_MAX_HOST, auth, colon ? colon : auth_end) < 0)
            return -EINVAL;
        port_start = colon ? colon + 1 : NULL;
    }
    *port = 80;
    if (port_start) {
        long v = 0;
        const char *q = port_start;
        for (; q < auth_end && *q >= '0' && *q <= '9' && v <= 65535; q++)
            v = v * 10 + (*q - '0');
        if (q == port_start || q != auth_end || v <= 0 || v > 65535)
            return -EINVAL;
        *port = (int)v;
    }
    const char *p = *auth_end ? auth_end : "/";
    if (strlen(p) >= HTTPC_MAX_PATH || strpbrk(p, " \r\n\t"))
        return -EINVAL;
    memcpy(path, p, strlen(p) + 1);
    return 0;
}
