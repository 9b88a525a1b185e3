#include "httpc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HTTPC_MAX_ANSWER ((size_t)4 * 1024 * 1024)

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

static int connect_to(const char *host, int port, long long deadline)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
        return -EINVAL;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0 && errno != EINPROGRESS) {
        int e = errno;
        close(fd);
        return -e;
    }
    int rc = wait_fd(fd, POLLOUT, deadline);
    int err = 0;
    socklen_t len = sizeof err;
    if (rc == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err != 0)
        rc = -err;
    if (rc < 0) {
        close(fd);
        return rc;
    }
    return fd;
}

int httpc_can_connect(const char *host, int port)
{
    int fd = connect_to(host, port, now_ms() + 200);
    if (fd < 0)
        return 0;
    close(fd);
    return 1;
}

int httpc_get(const char *host, int port, const char *path, int timeout_ms, char **body)
{
    *body = NULL;
    long long deadline = now_ms() + timeout_ms;
    int fd = connect_to(host, port, deadline);
    if (fd < 0)
        return fd;
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n"
                     "User-Agent: c10k-bench\r\n\r\n",
                     path, host, port);
    int rc = 0;
    char *buf = NULL;
    size_t used = 0, cap = 0;
    if (n < 0 || (size_t)n >= sizeof req) {
        rc = -EINVAL;
        goto out;
    }
    for (size_t sent = 0; sent < (size_t)n;) {
        ssize_t w = send(fd, req + sent, (size_t)n - sent, MSG_NOSIGNAL);
        if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
            if ((rc = wait_fd(fd, POLLOUT, deadline)) < 0)
                goto out;
            continue;
        }
        if (w < 0) {
            rc = -errno;
            goto out;
        }
        sent += (size_t)w;
    }
    for (;;) {
        if (cap - used < 4096) {
            size_t ncap = cap ? cap * 2 : 16384;
            if (ncap > HTTPC_MAX_ANSWER) {
                rc = -EMSGSIZE;
                goto out;
            }
            char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                rc = -ENOMEM;
                goto out;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = recv(fd, buf + used, cap - used, 0);
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
            if ((rc = wait_fd(fd, POLLIN, deadline)) < 0)
                goto out;
            continue;
        }
        if (r < 0) {
            rc = -errno;
            goto out;
        }
        if (r == 0)
            break;
        used += (size_t)r;
    }
    if (!buf) {
        rc = -EPROTO;
        goto out;
    }
    buf[used] = '\0';
    int status = 0;
    char *head_end = strstr(buf, "\r\n\r\n");
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1 || !head_end) {
        rc = -EPROTO;
        goto out;
    }
    /* Bodies here are small and not chunked: /stats and stub_status send Content-Length. */
    size_t body_len = used - (size_t)(head_end + 4 - buf);
    memmove(buf, head_end + 4, body_len);
    buf[body_len] = '\0';
    *body = buf;
    buf = NULL;
    rc = status;
out:
    free(buf);
    close(fd);
    return rc;
}
