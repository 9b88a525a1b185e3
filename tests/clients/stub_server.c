/* A small HTTP/1.1 server for the load client's tests: one thread, epoll, and behaviours on
 * demand that a real server shows only by luck (a stall at an exact request, a close after every
 * N requests, chunked or close-delimited bodies, a chosen status).
 *
 *   c10k-stub-server [--host ADDR] [--stall-at K --stall-ms MS] [--close-every N] [--chunked]
 *
 * Prints "listening on HOST:PORT" first. Paths: /status/NNN answers NNN; /eof answers with a body
 * delimited by the close; /count answers "total=N get=N head=N post=N peers=N conns=N": requests
 * answered before it (itself excluded), by method, distinct peer addresses, connections accepted.
 * Anything else answers 200 "Hello, World!". POST bodies are read (Content-Length) and echoed.
 * --stall-at K: the K-th request (counting from 1) is answered only after the whole server has
 * slept MS milliseconds, as a server stuck in a blocking call would. SIGTERM ends it. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define STUB_BUF 65536
#define STUB_MAX_PEERS 256

struct stub_conn {
    int fd;
    char *in;
    size_t in_len;
    unsigned served;
    int closing; /* answered with Connection: close; reads are discarded until the client's EOF */
};

static struct {
    long stall_at, stall_ms, close_every;
    int chunked;
    unsigned long long total, gets, heads, posts, conns;
    struct sockaddr_storage peers[STUB_MAX_PEERS];
    int n_peers;
} st;

static volatile sig_atomic_t stop;
static struct stub_conn *by_fd[65536]; /* to free what is left at exit */

static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

static void note_peer(const struct sockaddr_storage *ss)
{
    for (int i = 0; i < st.n_peers; i++) {
        if (ss->ss_family != st.peers[i].ss_family)
            continue;
        if (ss->ss_family == AF_INET &&
            ((const struct sockaddr_in *)ss)->sin_addr.s_addr ==
                ((const struct sockaddr_in *)&st.peers[i])->sin_addr.s_addr)
            return;
        if (ss->ss_family == AF_INET6 &&
            memcmp(&((const struct sockaddr_in6 *)ss)->sin6_addr,
                   &((const struct sockaddr_in6 *)&st.peers[i])->sin6_addr, 16) == 0)
            return;
    }
    if (st.n_peers < STUB_MAX_PEERS)
        st.peers[st.n_peers++] = *ss;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                /* Tests send little; wait briefly for room rather than buffer. */
                struct timespec ts = {0, 1000000};
                nanosleep(&ts, NULL);
                continue;
            }
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Answers one request; returns 1 when the connection must close after it, -1 on error. */
static int answer(struct stub_conn *c, const char *method, const char *path, const char *body,
                  size_t body_len, int close_asked)
{
    char head[512], payload[256];
    int status = 200;
    int is_head = strcmp(method, "HEAD") == 0;
    int eof_body = 0, close_after = 0;
    const char *text = "Hello, World!";
    size_t text_len = 13;

    if (strcmp(path, "/count") == 0) {
        snprintf(payload, sizeof payload,
                 "total=%llu get=%llu head=%llu post=%llu peers=%d conns=%llu", st.total, st.gets,
                 st.heads, st.posts, st.n_peers, st.conns);
        text = payload;
        text_len = strlen(payload);
    } else {
        st.total++;
        if (strcmp(method, "GET") == 0)
            st.gets++;
        else if (is_head)
            st.heads++;
        else if (strcmp(method, "POST") == 0)
            st.posts++;
        if (st.stall_at > 0 && st.total == (unsigned long long)st.stall_at) {
            struct timespec ts = {st.stall_ms / 1000, (st.stall_ms % 1000) * 1000000L};
            while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
        }
        if (strncmp(path, "/status/", 8) == 0)
            status = atoi(path + 8);
        if (strcmp(path, "/eof") == 0)
            eof_body = 1;
        if (body_len > 0) {
            text = body;
            text_len = body_len;
        }
    }
    c->served++;
    if (st.close_every > 0 && c->served % (unsigned long)st.close_every == 0)
        close_after = 1;
    if (eof_body || close_asked)
        close_after = 1;

    int n;
    if (eof_body) {
        n = snprintf(head, sizeof head, "HTTP/1.1 %d X\r\nConnection: close\r\n\r\n", status);
    } else if (st.chunked && !is_head && status != 204 && status != 304) {
        n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d X\r\nTransfer-Encoding: chunked\r\n%s\r\n%zx;ext=1\r\n", status,
                     close_after ? "Connection: close\r\n" : "", text_len);
    } else {
        n = snprintf(head, sizeof head, "HTTP/1.1 %d X\r\nContent-Length: %zu\r\n%s\r\n", status,
                     text_len, close_after ? "Connection: close\r\n" : "");
    }
    if (send_all(c->fd, head, (size_t)n) < 0)
        return -1;
    if (!is_head && status != 204 && status != 304) {
        if (send_all(c->fd, text, text_len) < 0)
            return -1;
        static const char last_chunk[] = "\r\n0\r\nX-T: 1\r\n\r\n";
        if (st.chunked && !eof_body && send_all(c->fd, last_chunk, sizeof last_chunk - 1) < 0)
            return -1;
    }
    return close_after;
}

/* Answers every complete request in c's buffer. Returns -1 when the connection must close. */
static int serve(struct stub_conn *c)
{
    for (;;) {
        char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
        if (end == NULL)
            return c->in_len > STUB_BUF / 2 ? -1 : 0;
        size_t head_len = (size_t)(end - c->in) + 4;
        size_t body_len = 0;
        int close_asked = 0;
        for (char *p = c->in; p < end; p++) {
            if (p == c->in || p[-1] != '\n')
                continue;
            if (strncasecmp(p, "Content-Length:", 15) == 0)
                body_len = strtoul(p + 15, NULL, 10);
            if (strncasecmp(p, "Connection: close", 17) == 0)
                close_asked = 1;
        }
        if (head_len + body_len > c->in_len)
            return 0;
        char method[16] = "", path[256] = "";
        if (sscanf(c->in, "%15s %255s", method, path) != 2)
            return -1;
        int r = answer(c, method, path, c->in + head_len, body_len, close_asked);
        memmove(c->in, c->in + head_len + body_len, c->in_len - head_len - body_len);
        c->in_len -= head_len + body_len;
        if (r != 0)
            return -1;
    }
}

static void close_conn(int ep, struct stub_conn *c)
{
    if (c->fd < 65536)
        by_fd[c->fd] = NULL;
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->in);
    free(c);
}

int main(int argc, char **argv)
{
    const char *host = "127.0.0.1";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--host") == 0 && i + 1 < argc)
            host = argv[++i];
        else if (strcmp(argv[i], "--stall-at") == 0 && i + 1 < argc)
            st.stall_at = atol(argv[++i]);
        else if (strcmp(argv[i], "--stall-ms") == 0 && i + 1 < argc)
            st.stall_ms = atol(argv[++i]);
        else if (strcmp(argv[i], "--close-every") == 0 && i + 1 < argc)
            st.close_every = atol(argv[++i]);
        else if (strcmp(argv[i], "--chunked") == 0)
            st.chunked = 1;
        else {
            fprintf(stderr, "c10k-stub-server: unknown argument '%s'\n", argv[i]);
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);

    struct sockaddr_storage ss;
    socklen_t ss_len;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        ss_len = sizeof *sin;
    } else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        ss_len = sizeof *sin6;
    } else {
        fprintf(stderr, "c10k-stub-server: bad --host '%s'\n", host);
        return 2;
    }
    int lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(lfd, (struct sockaddr *)&ss, ss_len) < 0 || listen(lfd, 4096) < 0 ||
        getsockname(lfd, (struct sockaddr *)&ss, &ss_len) < 0) {
        perror("c10k-stub-server: listen");
        return 1;
    }
    int port = ntohs(ss.ss_family == AF_INET ? sin->sin_port : sin6->sin6_port);
    printf("listening on %s:%d\n", host, port);
    fflush(stdout);

    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    char *buf = malloc(STUB_BUF);
    while (!stop) {
        struct epoll_event evs[256];
        int n = epoll_wait(ep, evs, 256, 200);
        for (int i = 0; i < n; i++) {
            if (evs[i].data.ptr == NULL) {
                for (;;) {
                    struct sockaddr_storage peer;
                    memset(&peer, 0, sizeof peer);
                    socklen_t peer_len = sizeof peer;
                    int fd = accept4(lfd, (struct sockaddr *)&peer, &peer_len,
                                     SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (fd < 0)
                        break;
                    st.conns++;
                    note_peer(&peer);
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct stub_conn *c = calloc(1, sizeof *c);
                    if (c == NULL || fd >= 65536 || (c->in = malloc(STUB_BUF)) == NULL) {
                        free(c);
                        close(fd);
                        continue;
                    }
                    c->fd = fd;
                    by_fd[fd] = c;
                    struct epoll_event cev = {.events = EPOLLIN, .data.ptr = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
                }
                continue;
            }
            struct stub_conn *c = evs[i].data.ptr;
            ssize_t r = read(c->fd, buf, STUB_BUF);
            if (r < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            if (r <= 0 || c->in_len + (size_t)r > STUB_BUF) {
                close_conn(ep, c);
                continue;
            }
            if (c->closing)
                continue;
            memcpy(c->in + c->in_len, buf, (size_t)r);
            c->in_len += (size_t)r;
            if (serve(c) < 0) {
                /* A lingering close: closing with pipelined requests unread would send a reset,
                 * and the client's kernel would drop the responses it has not read yet. */
                shutdown(c->fd, SHUT_WR);
                c->closing = 1;
            }
        }
    }
    free(buf);
    for (int fd = 0; fd < 65536; fd++)
        if (by_fd[fd])
            close_conn(ep, by_fd[fd]);
    close(ep);
    close(lfd);
    return 0;
}
