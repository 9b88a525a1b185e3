/* Support for the integration tests; see support.h. */
#include "support.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#define IT_MAX_ARGS 64
#define IT_MAX_RESPONSE_HEAD (64 * 1024)

/* ---- the program's arguments ---- */

static const char *server_path;
static const char *server_args[IT_MAX_ARGS];
static int n_server_args;
static const char *current_test = "";

const char *it_server_path(void)
{
    return server_path;
}

const char *it_option(const char *name)
{
    size_t nl = strlen(name);
    const char *found = NULL;
    for (int i = 0; i < n_server_args; i++) {
        const char *a = server_args[i];
        if (strcmp(a, name) == 0 && i + 1 < n_server_args)
            found = server_args[i + 1];
        else if (strncmp(a, name, nl) == 0 && a[nl] == '=')
            found = a + nl + 1;
    }
    return found;
}

const char *it_mode(void)
{
    const char *m = it_option("--mode");
    return m ? m : "loop";
}

const struct it_event_model *it_event_model(void)
{
    static const struct {
        const char *mode;
        struct it_event_model model;
    } models[] = {
        {"loop", {"--loops", "loops"}},
        {"uring", {"--rings", "rings"}},
    };
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++)
        if (strcmp(it_mode(), models[i].mode) == 0)
            return &models[i].model;
    return NULL;
}

void it_log(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "  [%s] ", current_test);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

long long it_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int remaining_ms(long long deadline)
{
    long long left = deadline - it_now_ms();
    return left < 0 ? 0 : (int)left;
}

static void pause_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* ---- what a test owns: released when it ends ---- */

enum res_kind { RES_MEMORY, RES_CONN, RES_SERVER, RES_DIR };

struct res {
    enum res_kind kind;
    void *p;
    struct res *next;
};

static struct res *test_resources;
static struct it_server *shared;
static int shared_failed_start;

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        abort();
    }
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        abort();
    }
    return p;
}

static void own(enum res_kind kind, void *p)
{
    struct res *r = xmalloc(sizeof *r);
    r->kind = kind;
    r->p = p;
    r->next = test_resources;
    test_resources = r;
}

static void disown(void *p)
{
    for (struct res **pp = &test_resources; *pp; pp = &(*pp)->next) {
        if ((*pp)->p == p) {
            struct res *r = *pp;
            *pp = r->next;
            free(r);
            return;
        }
    }
}

void *it_alloc(size_t n)
{
    void *p = xmalloc(n);
    memset(p, 0, n);
    own(RES_MEMORY, p);
    return p;
}

char *it_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = it_alloc(n);
    memcpy(d, s, n);
    return d;
}

char *it_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = it_alloc((size_t)(n < 0 ? 0 : n) + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* ---- servers ---- */

const char *it_wait_status_str(int status)
{
    if (WIFEXITED(status))
        return it_printf("exit %d", WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        return it_printf("signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    return it_printf("wait status 0x%x", (unsigned)status);
}

static void server_drain_stdout(struct it_server *s)
{
    char tmp[4096];
    ssize_t n;
    if (s->out_fd < 0)
        return;
    while ((n = read(s->out_fd, tmp, sizeof tmp)) > 0)
        fprintf(stderr, "  [server %d stdout] %.*s", (int)s->pid, (int)n, tmp);
    if (n == 0) {
        close(s->out_fd);
        s->out_fd = -1;
    }
}

/* The child: stdout to the pipe, killed with the test program, signals as a fresh process gets
 * them (SIGPIPE is ignored by the tests and an ignored signal would survive exec). */
static void exec_child(const char *const *argv, int out_w, int err_w, pid_t parent)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
        _exit(127);
    signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_w, 1) < 0)
        _exit(127);
    if (err_w >= 0 && dup2(err_w, 2) < 0)
        _exit(127);
    execvp(argv[0], (char *const *)argv);
    fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

/* Starts argv in a child (see exec_child) with stdout to out_w and stderr to err_w (-1: ours).
 * Returns its pid, or a negative errno. The caller closes its copies of out_w and err_w. */
static pid_t spawn_child(const char *const *argv, int out_w, int err_w)
{
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0)
        exec_child(argv, out_w, err_w, parent);
    return pid;
}

static int reap(struct it_server *s, int options)
{
    if (s->reaped)
        return 1;
    int status;
    pid_t r;
    do
        r = waitpid(s->pid, &status, options);
    while (r < 0 && errno == EINTR);
    if (r == s->pid) {
        s->reaped = 1;
        s->status = status;
        return 1;
    }
    if (r < 0) {
        it_log("waitpid(%d): %s", (int)s->pid, strerror(errno));
        s->reaped = 1;
        s->status = 0x7f00; /* unknown */
        return 1;
    }
    return 0;
}

int it_server_wait_exit(struct it_server *s, int timeout_ms)
{
    long long deadline = it_now_ms() + timeout_ms;
    for (;;) {
        server_drain_stdout(s);
        if (reap(s, WNOHANG))
            return 0;
        if (it_now_ms() >= deadline)
            return -ETIMEDOUT;
        /* Waiting for a child has no fd to poll in portable C; the stdout pipe closes when the
         * server exits, so poll it when we still have it, else check again shortly. */
        if (s->out_fd >= 0) {
            struct pollfd p = {.fd = s->out_fd, .events = POLLIN};
            int t = remaining_ms(deadline);
            poll(&p, 1, t < 20 ? t : 20);
        } else {
            pause_ms(2);
        }
    }
}

int it_server_signal(struct it_server *s, int sig)
{
    if (s->reaped) {
        it_log("server %d already exited (%s); cannot send signal %d", (int)s->pid,
               it_wait_status_str(s->status), sig);
        return -ESRCH;
    }
    if (kill(s->pid, sig) < 0) {
        it_log("kill(%d, %d): %s", (int)s->pid, sig, strerror(errno));
        return -errno;
    }
    return 0;
}

int it_server_stop(struct it_server *s, int timeout_ms)
{
    int rc = 0, was_reaped = s->reaped;
    if (!s->reaped) {
        kill(s->pid, SIGTERM);
        if (it_server_wait_exit(s, timeout_ms) < 0) {
            it_log("server %d did not exit within %d ms of SIGTERM; killing it", (int)s->pid,
                   timeout_ms);
            kill(s->pid, SIGKILL);
            reap(s, 0);
            rc = -ETIMEDOUT;
        }
    }
    server_drain_stdout(s);
    if (s->out_fd >= 0) {
        close(s->out_fd);
        s->out_fd = -1;
    }
    if (rc == 0 && !(WIFEXITED(s->status) && WEXITSTATUS(s->status) == 0)) {
        if (!was_reaped)
            it_log("server %d ended with %s", (int)s->pid, it_wait_status_str(s->status));
        rc = -ECHILD;
    }
    return rc;
}

/* Reads the first stdout line, "listening on HOST:PORT mode=MODE". */
static int read_listening_line(struct it_server *s)
{
    char line[256] = "";
    size_t len = 0;
    long long deadline = it_now_ms() + IT_START_TIMEOUT_MS;
    for (;;) {
        char *nl = memchr(line, '\n', len);
        if (nl) {
            *nl = '\0';
            break;
        }
        if (len == sizeof line - 1) {
            it_log("server's first line is too long: %.*s", (int)len, line);
            return -EPROTO;
        }
        struct pollfd p = {.fd = s->out_fd, .events = POLLIN};
        int t = remaining_ms(deadline);
        if (t == 0) {
            it_log("no \"listening on\" line from the server within %d ms", IT_START_TIMEOUT_MS);
            return -ETIMEDOUT;
        }
        if (poll(&p, 1, t) < 0 && errno != EINTR)
            return -errno;
        ssize_t n = read(s->out_fd, line + len, 1); /* byte by byte: leave later lines unread */
        if (n == 0) {
            it_server_wait_exit(s, 2000);
            it_log("server exited before listening (%s)",
                   s->reaped ? it_wait_status_str(s->status) : "still running");
            return -ECHILD;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return -errno;
        if (n > 0)
            len += (size_t)n;
    }
    const char *prefix = "listening on ";
    if (strncmp(line, prefix, strlen(prefix)) != 0)
        goto bad;
    char *hp = line + strlen(prefix);
    char *sp = strchr(hp, ' ');
    if (!sp)
        goto bad;
    *sp = '\0';
    char *colon = strrchr(hp, ':');
    if (!colon || (size_t)(colon - hp) >= sizeof s->host)
        goto bad;
    *colon = '\0';
    memcpy(s->host, hp, (size_t)(colon - hp) + 1);
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end != '\0' || port <= 0 || port > 65535)
        goto bad;
    s->port = (int)port;
    if (strncmp(sp + 1, "mode=", 5) != 0)
        goto bad;
    size_t ml = strlen(sp + 6);
    if (ml >= sizeof s->mode)
        goto bad;
    memcpy(s->mode, sp + 6, ml + 1);
    return 0;
bad:
    it_log("unexpected first line from the server: \"%s\"", line);
    return -EPROTO;
}

static struct it_server *server_spawn(const char *const *extra)
{
    const char *argv[2 * IT_MAX_ARGS + 8];
    int n = 0;
    argv[n++] = server_path;
    argv[n++] = "--host";
    argv[n++] = "127.0.0.1";
    argv[n++] = "--port";
    argv[n++] = "0";
    for (int i = 0; i < n_server_args; i++)
        argv[n++] = server_args[i];
    for (int i = 0; extra && extra[i] && n < (int)(sizeof argv / sizeof argv[0]) - 1; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;

    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        it_log("pipe: %s", strerror(errno));
        return NULL;
    }
    pid_t pid = spawn_child(argv, p[1], -1);
    close(p[1]);
    if (pid < 0) {
        it_log("fork: %s", strerror((int)-pid));
        close(p[0]);
        return NULL;
    }

    struct it_server *s = xmalloc(sizeof *s);
    memset(s, 0, sizeof *s);
    s->pid = pid;
    s->out_fd = p[0];
    if (read_listening_line(s) < 0) {
        it_server_stop(s, 1000);
        free(s);
        return NULL;
    }
    fcntl(s->out_fd, F_SETFL, fcntl(s->out_fd, F_GETFL) | O_NONBLOCK);
    if (strcmp(s->mode, it_mode()) != 0)
        it_log("note: asked for mode %s, server says mode=%s", it_mode(), s->mode);
    return s;
}

struct it_server *it_server_startv(const char *const *extra)
{
    struct it_server *s = server_spawn(extra);
    if (s)
        own(RES_SERVER, s);
    return s;
}

struct it_server *it_shared_server(void)
{
    if (!shared && !shared_failed_start) {
        shared = server_spawn(NULL);
        shared_failed_start = shared == NULL;
    }
    return shared;
}

int it_run(const char *const *args, int timeout_ms, int *exit_code, char **out, char **err)
{
    const char *argv[IT_MAX_ARGS + 2];
    int n = 0;
    argv[n++] = server_path;
    for (int i = 0; args[i] && n < IT_MAX_ARGS; i++)
        argv[n++] = args[i];
    argv[n] = NULL;

    int po[2], pe[2];
    if (pipe2(po, O_CLOEXEC) < 0)
        return -errno;
    if (pipe2(pe, O_CLOEXEC) < 0) {
        close(po[0]);
        close(po[1]);
        return -errno;
    }
    pid_t pid = spawn_child(argv, po[1], pe[1]);
    close(po[1]);
    close(pe[1]);
    if (pid < 0) {
        close(po[0]);
        close(pe[0]);
        return (int)pid;
    }

    struct {
        int fd;
        char *data;
        size_t len;
    } cap[2] = {{po[0], NULL, 0}, {pe[0], NULL, 0}};
    long long deadline = it_now_ms() + timeout_ms;
    int rc = 0;
    while (cap[0].fd >= 0 || cap[1].fd >= 0) {
        struct pollfd p[2] = {{.fd = cap[0].fd, .events = POLLIN},
                              {.fd = cap[1].fd, .events = POLLIN}};
        int t = remaining_ms(deadline);
        if (t == 0) {
            rc = -ETIMEDOUT;
            break;
        }
        if (poll(p, 2, t) < 0 && errno != EINTR) {
            rc = -errno;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (cap[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char tmp[4096];
            ssize_t r = read(cap[i].fd, tmp, sizeof tmp);
            if (r > 0) {
                cap[i].data = xrealloc(cap[i].data, cap[i].len + (size_t)r + 1);
                memcpy(cap[i].data + cap[i].len, tmp, (size_t)r);
                cap[i].len += (size_t)r;
            } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
                close(cap[i].fd);
                cap[i].fd = -1;
            }
        }
    }
    struct it_server tmp = {.pid = pid, .out_fd = -1};
    if (rc == 0 && it_server_wait_exit(&tmp, remaining_ms(deadline) + 100) < 0)
        rc = -ETIMEDOUT;
    if (rc == -ETIMEDOUT || !tmp.reaped) {
        it_log("%s did not exit within %d ms; killing it", server_path, timeout_ms);
        kill(pid, SIGKILL);
        reap(&tmp, 0);
        rc = -ETIMEDOUT;
    }
    for (int i = 0; i < 2; i++) {
        if (cap[i].fd >= 0)
            close(cap[i].fd);
        char *text = it_alloc(cap[i].len + 1);
        if (cap[i].len)
            memcpy(text, cap[i].data, cap[i].len);
        free(cap[i].data);
        if (i == 0 && out)
            *out = text;
        if (i == 1 && err)
            *err = text;
    }
    if (exit_code)
        *exit_code = WIFEXITED(tmp.status)     ? WEXITSTATUS(tmp.status)
                     : WIFSIGNALED(tmp.status) ? 128 + WTERMSIG(tmp.status)
                                               : -1;
    return rc;
}

/* ---- connections ---- */

struct it_conn *it_try_connect(struct it_server *s, int *err)
{
    server_drain_stdout(s);
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
    struct it_conn *c = xmalloc(sizeof *c);
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->srv = s;
    own(RES_CONN, c);
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

static void conn_free(struct it_conn *c)
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
    disown(c);
    conn_free(c);
}

int it_conn_fill(struct it_conn *c)
{
    if (c->eof)
        return 0;
    if (c->cap - c->len < 16384) {
        c->cap = c->cap ? c->cap * 2 : 65536;
        c->buf = xrealloc(c->buf, c->cap);
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
        int r = poll(&p, 1, remaining_ms(deadline));
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
    char *s = xmalloc((size_t)n + 1);
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
static long parse_response(const char *buf, size_t len, int eof, int flags,
                           struct it_response **out, const char **why)
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

    struct it_response *r = xmalloc(sizeof *r);
    memset(r, 0, sizeof *r);
    char *head = xmalloc(head_len + 1);
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
        body = xmalloc(r->body_len + 1);
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
        body = xmalloc(r->body_len + 1);
        if (r->body_len)
            memcpy(body, rest, r->body_len);
    }
    body[r->body_len] = '\0';
    r->body = body;
    r->raw_len = head_len + framed;
    own(RES_MEMORY, head);
    own(RES_MEMORY, body);
    own(RES_MEMORY, r);
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

static void log_bytes(const char *what, const char *p, size_t len)
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

int it_conn_take_response(struct it_conn *c, int flags, struct it_response **out)
{
    const char *why = "";
    long n = parse_response(c->buf ? c->buf : "", c->len, c->eof, flags, out, &why);
    if (n < 0) {
        it_log("malformed response: %s", why);
        log_bytes("received", c->buf, c->len);
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
                log_bytes("received", c->buf, c->len);
            return NULL;
        }
        int ev = wait_fd(c->fd, POLLIN, deadline);
        if (ev == 0) {
            it_log("no complete response within %d ms", timeout_ms);
            if (c->len)
                log_bytes("received so far", c->buf, c->len);
            return NULL;
        }
        it_conn_fill(c);
    }
}

struct it_response *it_read_response(struct it_conn *c, int timeout_ms)
{
    return it_read_response_ex(c, 0, timeout_ms);
}

int it_read_until_eof(struct it_conn *c, int timeout_ms, char **data, size_t *len)
{
    long long deadline = it_now_ms() + timeout_ms;
    while (!c->eof) {
        int ev = wait_fd(c->fd, POLLIN, deadline);
        if (ev == 0)
            return -ETIMEDOUT;
        it_conn_fill(c);
    }
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
    long long deadline = it_now_ms() + timeout_ms;
    while (!c->eof) {
        int ev = wait_fd(c->fd, POLLIN, deadline);
        if (ev == 0)
            return -ETIMEDOUT;
        it_conn_fill(c);
        c->len = 0; /* discard */
    }
    return 0;
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

/* ---- JSON (jansson) ---- */

int it_json_valid(const char *json)
{
    json_t *root = json_loads(json, JSON_DECODE_ANY, NULL);
    json_decref(root);
    return root != NULL;
}

/* Parses the text and finds the value at a dotted path: 0 with *root (to json_decref) and *at,
 * -ENOENT, -EINVAL. */
static int j_find(const char *json, const char *path, json_t **root, json_t **at)
{
    *root = json_loads(json, JSON_DECODE_ANY, NULL);
    if (!*root)
        return -EINVAL;
    json_t *v = *root;
    for (const char *comp = path; *comp && v;) {
        size_t cl = strcspn(comp, ".");
        char key[128];
        if (cl >= sizeof(key)) {
            v = NULL;
            break;
        }
        memcpy(key, comp, cl);
        key[cl] = '\0';
        if (json_is_object(v))
            v = json_object_get(v, key);
        else if (json_is_array(v) && isdigit((unsigned char)key[0]))
            v = json_array_get(v, strtoul(key, NULL, 10));
        else
            v = NULL;
        comp += cl;
        if (*comp == '.')
            comp++;
    }
    if (!v) {
        json_decref(*root);
        return -ENOENT;
    }
    *at = v;
    return 0;
}

int it_json_number(const char *json, const char *path, double *out)
{
    json_t *root, *at;
    int rc = j_find(json, path, &root, &at);
    if (rc < 0)
        return rc;
    rc = json_is_number(at) ? 0 : -EINVAL;
    if (rc == 0)
        *out = json_number_value(at);
    json_decref(root);
    return rc;
}

int it_json_string(const char *json, const char *path, char *out, size_t outlen)
{
    json_t *root, *at;
    int rc = j_find(json, path, &root, &at);
    if (rc < 0)
        return rc;
    if (!json_is_string(at)) {
        rc = -EINVAL;
    } else if (json_string_length(at) >= outlen) {
        rc = -ENOSPC;
    } else {
        memcpy(out, json_string_value(at), json_string_length(at) + 1);
    }
    json_decref(root);
    return rc;
}

int it_json_array_len(const char *json, const char *path)
{
    json_t *root, *at;
    int rc = j_find(json, path, &root, &at);
    if (rc < 0)
        return rc;
    rc = json_is_array(at) ? (int)json_array_size(at) : -EINVAL;
    json_decref(root);
    return rc;
}

/* ---- /stats ---- */

char *it_stats(struct it_server *s)
{
    struct it_response *r = it_get(s, "/stats");
    if (!r)
        return NULL;
    if (r->status != 200) {
        it_log("/stats answered %d", r->status);
        return NULL;
    }
    if (!it_json_valid(r->body)) {
        log_bytes("/stats is not valid JSON", r->body, r->body_len);
        return NULL;
    }
    return r->body;
}

double it_stat(struct it_server *s, const char *path)
{
    char *json = it_stats(s);
    if (!json)
        return -1;
    double v;
    int rc = it_json_number(json, path, &v);
    if (rc < 0) {
        it_log("/stats has no number at %s (%s)", path, strerror(-rc));
        return -1;
    }
    return v;
}

static int wait_stat(struct it_server *s, const char *path, double want, int timeout_ms,
                     double *got, int exact)
{
    long long deadline = it_now_ms() + timeout_ms;
    double v = -1;
    for (;;) {
        v = it_stat(s, path);
        if (got)
            *got = v;
        if (exact ? v == want : v >= want)
            return 0;
        if (it_now_ms() >= deadline)
            break;
        pause_ms(5); /* between polls of a condition, not a wait for it */
    }
    it_log("%s stayed at %.0f, expected %s %.0f, for %d ms", path, v, exact ? "==" : ">=", want,
           timeout_ms);
    return -ETIMEDOUT;
}

int it_wait_stat_ge(struct it_server *s, const char *path, double want, int timeout_ms, double *got)
{
    return wait_stat(s, path, want, timeout_ms, got, 0);
}

int it_wait_stat_eq(struct it_server *s, const char *path, double want, int timeout_ms, double *got)
{
    return wait_stat(s, path, want, timeout_ms, got, 1);
}

int it_wait_server_read_all(struct it_server *s, int timeout_ms)
{
    long long deadline = it_now_ms() + timeout_ms;
    for (;;) {
        double in = it_stat(s, "bytes.in");
        /* bytes_sent now includes the /stats request just answered, which the server had read */
        if (in >= 0 && in >= (double)s->bytes_sent)
            return 0;
        if (it_now_ms() >= deadline) {
            it_log("bytes.in stayed at %.0f, below the %llu bytes sent, for %d ms", in,
                   s->bytes_sent, timeout_ms);
            return -ETIMEDOUT;
        }
        pause_ms(5);
    }
}

/* ---- other processes, ports and files ---- */

int it_free_port(void)
{
    /* as scripts/bench-lib.sh's bench_free_port: below the ephemeral range, so that no client
     * connection holds it as its local port when the process binds it */
    int low = 32768, high = 60999;
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    if (f) {
        if (fscanf(f, "%d %d", &low, &high) != 2)
            low = 32768;
        fclose(f);
    }
    int base = 10000, span = low - 10000;
    if (span < 1000) {
        base = low > 1024 ? low : 1024;
        span = 20000;
    }
    static unsigned seed;
    if (seed == 0)
        seed = (unsigned)getpid() * 2654435761u ^ (unsigned)it_now_ms();
    for (int i = 0; i < 100; i++) {
        int port = base + (int)(rand_r(&seed) % (unsigned)span);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            break;
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int bound = bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
        close(fd);
        if (bound)
            return port;
    }
    it_log("no free port below %d", low);
    return -1;
}

struct it_server *it_process_startv(const char *const *argv, const char *log_path, const char *host,
                                    int port)
{
    int log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) {
        it_log("%s: %s", log_path, strerror(errno));
        return NULL;
    }
    pid_t pid = spawn_child(argv, log_fd, log_fd);
    close(log_fd);
    if (pid < 0) {
        it_log("fork: %s", strerror((int)-pid));
        return NULL;
    }
    struct it_server *s = xmalloc(sizeof *s);
    memset(s, 0, sizeof *s);
    s->pid = pid;
    s->out_fd = -1;
    snprintf(s->host, sizeof s->host, "%s", host);
    s->port = port;
    snprintf(s->mode, sizeof s->mode, "process");
    own(RES_SERVER, s);
    return s;
}

int it_process_wait_listening(struct it_server *s, int timeout_ms)
{
    long long deadline = it_now_ms() + timeout_ms;
    for (;;) {
        int err;
        struct it_conn *c = it_try_connect(s, &err);
        if (c) {
            it_close(c);
            return 0;
        }
        if (reap(s, WNOHANG)) {
            it_log("process %d exited before listening on %s:%d (%s)", (int)s->pid, s->host,
                   s->port, it_wait_status_str(s->status));
            return -ECHILD;
        }
        if (it_now_ms() >= deadline) {
            it_log("nothing listens on %s:%d after %d ms: %s", s->host, s->port, timeout_ms,
                   strerror(-err));
            return -ETIMEDOUT;
        }
        pause_ms(10); /* between polls of a condition, not a wait for it */
    }
}

const char *it_find_program(const char *name)
{
    const char *path = getenv("PATH");
    /* daemons live in sbin, which a non-root PATH may lack */
    char *dirs = it_printf("%s:/usr/local/sbin:/usr/sbin:/sbin", path ? path : "/usr/bin:/bin");
    for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char *candidate = it_printf("%s/%s", d, name);
        if (access(candidate, X_OK) == 0)
            return candidate;
    }
    return NULL;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    if (remove(path) < 0)
        fprintf(stderr, "  remove %s: %s\n", path, strerror(errno));
    return 0;
}

static void remove_tree(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

char *it_temp_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    char *tmpl = xmalloc(PATH_MAX);
    snprintf(tmpl, PATH_MAX, "%s/c10k-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(tmpl) == NULL) {
        it_log("mkdtemp %s: %s", tmpl, strerror(errno));
        free(tmpl);
        return NULL;
    }
    own(RES_DIR, tmpl);
    return tmpl;
}

int it_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        it_log("%s: %s", path, strerror(errno));
        return -errno;
    }
    size_t n = strlen(text);
    int ok = fwrite(text, 1, n, f) == n;
    ok = fclose(f) == 0 && ok;
    if (!ok) {
        it_log("writing %s failed", path);
        return -EIO;
    }
    return 0;
}

char *it_read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        it_log("%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t len = 0, cap = 4096;
    char *data = xmalloc(cap);
    size_t n;
    while ((n = fread(data + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 1024)
            data = xrealloc(data, cap *= 2);
    }
    fclose(f);
    data[len] = '\0';
    char *out = it_alloc(len + 1);
    memcpy(out, data, len + 1);
    free(data);
    return out;
}

/* ---- the runner ---- */

/* Releases what the test owned. Returns -1 when a server the test started ended badly. */
static int release_test_resources(void)
{
    int bad = 0;
    /* connections first, so that servers see their clients go before being asked to stop */
    for (int pass = 0; pass < 3; pass++) {
        struct res **pp = &test_resources;
        while (*pp) {
            struct res *r = *pp;
            /* directories last: a process may write into one until it is stopped */
            int now = (pass == 0 && r->kind == RES_CONN) || (pass == 1 && r->kind == RES_SERVER) ||
                      (pass == 2 && (r->kind == RES_MEMORY || r->kind == RES_DIR));
            if (!now) {
                pp = &r->next;
                continue;
            }
            *pp = r->next;
            if (r->kind == RES_CONN) {
                conn_free(r->p);
            } else if (r->kind == RES_SERVER) {
                struct it_server *s = r->p;
                int was_reaped = s->reaped;
                int rc = it_server_stop(s, IT_STOP_TIMEOUT_MS);
                /* A test that stopped its server itself judged how it ended. */
                if (!was_reaped && rc < 0)
                    bad = -1;
                free(s);
            } else {
                if (r->kind == RES_DIR)
                    remove_tree(r->p);
                free(r->p);
            }
            free(r);
        }
    }
    return bad;
}

static void raise_nofile_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
            fprintf(stderr, "setrlimit(RLIMIT_NOFILE): %s\n", strerror(errno));
    }
}

static int usage(const char *prog)
{
    fprintf(stderr, "usage: %s SERVER-BINARY [SERVER ARGUMENTS...] [-- TEST NAMES...]\n", prog);
    return 2;
}

int it_main(int argc, char **argv, const struct testlib_case *cases, size_t n)
{
    if (argc < 2)
        return usage(argv[0]);
    server_path = argv[1];
    int a = 2;
    for (; a < argc && strcmp(argv[a], "--") != 0; a++) {
        if (n_server_args == IT_MAX_ARGS)
            return usage(argv[0]);
        server_args[n_server_args++] = argv[a];
    }
    int first_name = a < argc ? a + 1 : argc;
    if (access(server_path, X_OK) < 0) {
        fprintf(stderr, "%s: %s\n", server_path, strerror(errno));
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    raise_nofile_limit();
    setvbuf(stdout, NULL, _IOLBF, 0);

    int passed = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (first_name < argc) {
            int wanted = 0;
            for (int k = first_name; k < argc; k++)
                wanted |= strcmp(argv[k], cases[i].name) == 0;
            if (!wanted)
                continue;
        }
        current_test = cases[i].name;
        testlib_failed = 0;
        long long t0 = it_now_ms();
        cases[i].fn();
        if (release_test_resources() < 0)
            testlib_failed = 1;
        if (shared && reap(shared, WNOHANG)) {
            it_log("the shared server died during this test: %s",
                   it_wait_status_str(shared->status));
            testlib_failed = 1;
            shared_failed_start = 1; /* no restart: later tests fail visibly */
            free(shared);
            shared = NULL;
        }
        release_test_resources();
        printf("%s %s (%lld ms)\n", testlib_failed ? "FAIL" : "ok  ", cases[i].name,
               it_now_ms() - t0);
        if (testlib_failed)
            failed++;
        else
            passed++;
    }
    if (shared) {
        current_test = "shared_server_exits_cleanly";
        int rc = it_server_stop(shared, IT_STOP_TIMEOUT_MS);
        release_test_resources();
        free(shared);
        shared = NULL;
        printf("%s %s\n", rc < 0 ? "FAIL" : "ok  ", current_test);
        if (rc < 0)
            failed++;
        else
            passed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
