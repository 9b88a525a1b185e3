#include "server.h"

#include "buf.h"
#include "response.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

double server_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void server_init(struct server *srv, const struct config *cfg, const struct server_mode *mode)
{
    *srv = (struct server){
        .env = {.cfg = cfg,
                .limits = {cfg->max_head_bytes, cfg->max_target_bytes, cfg->max_headers},
                .report = server_report},
        .cfg = cfg,
        .mode = mode,
        .start_time = server_now(),
    };
    srv->env.dataset = &srv->dataset;
    srv->main_shard = &srv->own_shard;
}

void server_log(const struct server *srv, const char *fmt, ...)
{
    if (srv->cfg->quiet)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "c10k-server: %s\n", line);
}

static int listen_one(struct server *srv, const struct addrinfo *ai, int port, int reuseport)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0)
        return -errno;
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0))
        goto fail;
    struct sockaddr_storage addr;
    memcpy(&addr, ai->ai_addr, ai->ai_addrlen);
    if (addr.ss_family == AF_INET6)
        ((struct sockaddr_in6 *)&addr)->sin6_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in *)&addr)->sin_port = htons((uint16_t)port);
    if (bind(fd, (struct sockaddr *)&addr, ai->ai_addrlen) < 0 ||
        listen(fd, srv->cfg->backlog) < 0)
        goto fail;
    return fd;
fail:;
    int err = -errno;
    close(fd);
    return err;
}

int server_listen(struct server *srv, int n)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res;
    int rc = getaddrinfo(srv->cfg->host, "0", &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "c10k-server: --host %s: %s\n", srv->cfg->host, gai_strerror(rc));
        return -EINVAL;
    }
    if (n > SERVER_MAX_LISTENERS)
        n = SERVER_MAX_LISTENERS;
    int port = srv->cfg->port;
    srv->n_listen = 0;
    for (int i = 0; i < n; i++) {
        int fd = listen_one(srv, res, port, n > 1);
        if (fd < 0) {
            rc = fd;
            goto fail;
        }
        srv->listen_fds[srv->n_listen++] = fd;
        if (i == 0) {
            struct sockaddr_storage addr;
            socklen_t len = sizeof addr;
            if (getsockname(fd, (struct sockaddr *)&addr, &len) < 0) {
                rc = -errno;
                goto fail;
            }
            void *ip = addr.ss_family == AF_INET6
                           ? (void *)&((struct sockaddr_in6 *)&addr)->sin6_addr
                           : (void *)&((struct sockaddr_in *)&addr)->sin_addr;
            port = ntohs(addr.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&addr)->sin6_port
                                                    : ((struct sockaddr_in *)&addr)->sin_port);
            inet_ntop(addr.ss_family, ip, srv->host, sizeof srv->host);
            srv->port = port;
        }
    }
    freeaddrinfo(res);
    return 0;
fail:
    freeaddrinfo(res);
    server_close_listeners(srv);
    return rc;
}

void server_stop_listening(struct server *srv)
{
    for (int i = 0; i < srv->n_listen; i++)
        shutdown(srv->listen_fds[i], SHUT_RD);
}

void server_close_listeners(struct server *srv)
{
    while (srv->n_listen > 0)
        close(srv->listen_fds[--srv->n_listen]);
}

void crew_init(struct crew *c, int n)
{
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->all_done, NULL);
    c->left = n;
}

void crew_leave(struct crew *c, int n)
{
    pthread_mutex_lock(&c->lock);
    c->left -= n;
    if (c->left <= 0)
        pthread_cond_broadcast(&c->all_done);
    pthread_mutex_unlock(&c->lock);
}

void crew_finish(struct crew *c)
{
    crew_leave(c, 1);
    pthread_mutex_lock(&c->lock);
    while (c->left > 0)
        pthread_cond_wait(&c->all_done, &c->lock);
    pthread_mutex_unlock(&c->lock);
}

void crew_destroy(struct crew *c)
{
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->all_done);
}

void server_tune_socket(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

void server_reject(int fd, struct stats_shard *shard, enum stat_id why)
{
    /* Counted before the client can see the 503, so that a /stats it asks next shows it. */
    stats_inc(shard, STAT_REJECTED);
    stats_inc(shard, why);
    /* Best effort: the client gets a 503 if its socket can take it now. The request it may have
     * sent is read first so that close() sends a FIN, not a reset that would discard the 503. */
    char drain[4096];
    while (recv(fd, drain, sizeof drain, MSG_DONTWAIT) > 0) {
    }
    static const char body[] = "503 Service Unavailable\n";
    struct buf out = {0};
    if (resp_full(&out, 503, "text/plain", body, sizeof body - 1, 0, 1, 0,
                  "Retry-After: 1\r\n") > 0) {
        stats_inc(shard, STAT_RESP_5XX); /* a response like any other in responses.5xx */
        ssize_t n = send(fd, out.data, out.len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n != (ssize_t)out.len)
            stats_add(shard, STAT_RESP_5XX, (uint64_t)-1); /* not sent after all */
    }
    buf_free(&out);
    shutdown(fd, SHUT_WR);
}

enum stat_id server_send_error(int err)
{
    if (err == EPIPE || err == ECONNRESET)
        return STAT_ERR_CLIENT_ABORT;
    if (err == EAGAIN || err == EWOULDBLOCK)
        return STAT_ERR_TIMEOUT;
    return STAT_ERR_IO;
}

int server_admit(struct server *srv, int fd, struct stats_shard *shard)
{
    stats_inc(shard, STAT_ACCEPTED);
    if (atomic_fetch_add(&srv->active, 1) >= srv->cfg->max_conns) {
        atomic_fetch_sub(&srv->active, 1);
        server_reject(fd, shard, STAT_ERR_MAX_CONNS);
        return -EBUSY;
    }
    stats_inc(shard, STAT_HANDLED);
    return 0;
}

void server_unadmit(struct server *srv, int fd, struct stats_shard *shard, enum stat_id why)
{
    atomic_fetch_sub(&srv->active, 1);
    stats_add(shard, STAT_HANDLED, (uint64_t)-1);
    server_reject(fd, shard, why);
}

void server_release(struct server *srv, struct stats_shard *shard)
{
    (void)shard;
    atomic_fetch_sub(&srv->active, 1);
}

int server_spare_open(int *spare)
{
    if (*spare < 0)
        *spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
    return *spare;
}

/* Out of descriptors: give the spare up to take the pending connection, answer it 503 so its
 * client knows, and take the spare back. Linux reserves the descriptor before it looks at the
 * queue, so accept fails with EMFILE whether or not a connection is pending. Returns 1 when one
 * was turned away, 0 when none was pending (EAGAIN on a non-blocking listener), or -1 when there
 * is no spare (another thread took the descriptor it freed) and the caller has to wait before
 * accepting again. */
static int turn_away(int lfd, int *spare, struct stats_shard *shard)
{
    if (server_spare_open(spare) < 0)
        return -1;
    close(*spare);
    *spare = -1;
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    int err = errno;
    if (fd >= 0) {
        stats_inc(shard, STAT_ACCEPTED);
        server_reject(fd, shard, STAT_ERR_EMFILE);
        close(fd);
    }
    if (server_spare_open(spare) < 0)
        return -1;
    return fd >= 0 || (err != EAGAIN && err != EWOULDBLOCK);
}

int server_accept(int lfd, int *spare, struct stats_shard *shard)
{
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd >= 0)
            return fd;
        int err = errno;
        if (err == EAGAIN || err == EWOULDBLOCK)
            return -EAGAIN;
        if (err == EINTR || err == ECONNABORTED)
            continue;
        stats_inc(shard, STAT_ERR_ACCEPT);
        if (err == EMFILE || err == ENFILE) {
            int rc = turn_away(lfd, spare, shard);
            if (rc > 0)
                continue;
            return rc == 0 ? -EAGAIN : -EMFILE;
        }
        return -err;
    }
}

int server_accept_blocking(struct server *srv, int *spare)
{
    int lfd = srv->listen_fds[0];
    server_spare_open(spare);
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd >= 0) {
            if (server_stopping(srv)) {
                close(fd);
                return -1;
            }
            server_tune_socket(fd);
            return fd;
        }
        int err = errno;
        if (server_stopping(srv))
            return -1;
        if (err == EINTR || err == ECONNABORTED)
            continue;
        stats_inc(srv->main_shard, STAT_ERR_ACCEPT);
        if (err == EMFILE || err == ENFILE) {
            if (turn_away(lfd, spare, srv->main_shard) < 0) {
                struct timespec ts = {0, SERVER_ACCEPT_PAUSE_MS * 1000 * 1000};
                nanosleep(&ts, NULL);
            }
            continue;
        }
        if (err == EINVAL || err == EBADF)
            return -1; /* the listener was shut down */
        /* ENOBUFS, ENOMEM, EPERM and the like: the server goes on. */
        server_log(srv, "accept: %s", strerror(err));
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

struct thread_start {
    void *(*fn)(void *);
    void *arg;
    sem_t running;
};

static void *thread_trampoline(void *p)
{
    struct thread_start *ts = p;
    void *(*fn)(void *) = ts->fn;
    void *arg = ts->arg;
    sem_post(&ts->running); /* ts is the creator's, gone once it wakes */
    return fn(arg);
}

int server_thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
    struct thread_start ts = {.fn = fn, .arg = arg};
    sem_init(&ts.running, 0, 0);
    int rc = pthread_create(t, NULL, thread_trampoline, &ts);
    if (rc == 0)
        while (sem_wait(&ts.running) < 0 && errno == EINTR) {
        }
    sem_destroy(&ts.running);
    return rc;
}

void server_burn_cpu(long us)
{
    struct timespec start, now;
    if (us <= 0)
        return;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start);
    volatile uint64_t x = 88172645463325252ULL;
    for (;;) {
        for (int i = 0; i < 500; i++) {
            uint64_t y = x;
            y ^= y << 13;
            y ^= y >> 7;
            y ^= y << 17;
            x = y;
        }
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
        long elapsed = (now.tv_sec - start.tv_sec) * 1000000L + (now.tv_nsec - start.tv_nsec) / 1000;
        if (elapsed >= us)
            return;
    }
}
