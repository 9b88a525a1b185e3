#include "proc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Forks and execs argv with stdout and stderr on pipes. */
static pid_t spawn(char *const argv[], unsigned long nofile, int *out_fd, int *err_fd)
{
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) < 0)
        return -1;
    if (pipe2(err, O_CLOEXEC) < 0) {
        close(out[0]);
        close(out[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(out[0]);
        close(out[1]);
        close(err[0]);
        close(err[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        dup2(err[1], STDERR_FILENO);
        if (nofile) {
            struct rlimit rl = {nofile, nofile};
            setrlimit(RLIMIT_NOFILE, &rl);
        }
        execv(argv[0], argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    *out_fd = out[0];
    *err_fd = err[0];
    return pid;
}

struct grow {
    char *data;
    size_t len, cap;
};

static int grow_read(struct grow *g, int fd)
{
    if (g->cap - g->len < 4097) {
        size_t cap = g->cap ? g->cap * 2 : 8192;
        char *d = realloc(g->data, cap);
        if (d == NULL)
            return -1;
        g->data = d;
        g->cap = cap;
    }
    ssize_t n = read(fd, g->data + g->len, g->cap - g->len - 1);
    if (n > 0)
        g->len += (size_t)n;
    g->data[g->len] = '\0';
    return (int)n;
}

int proc_run(char *const argv[], unsigned long nofile, int timeout_ms, struct proc_result *r)
{
    memset(r, 0, sizeof *r);
    int fds[2];
    pid_t pid = spawn(argv, nofile, &fds[0], &fds[1]);
    if (pid < 0)
        return -1;
    struct grow g[2] = {{0}, {0}};
    int open_fds = 2;
    long long deadline = now_ms() + timeout_ms;
    while (open_fds > 0) {
        struct pollfd p[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}};
        long long left = deadline - now_ms();
        if (left <= 0)
            break;
        int n = poll(p, 2, (int)left);
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++) {
            if (fds[i] >= 0 && (p[i].revents & (POLLIN | POLLHUP | POLLERR))) {
                if (grow_read(&g[i], fds[i]) <= 0) {
                    close(fds[i]);
                    fds[i] = -1;
                    p[i].fd = -1;
                    open_fds--;
                }
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    int status = 0;
    if (open_fds > 0)
        kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    r->exit_code = WIFEXITED(status) && open_fds == 0 ? WEXITSTATUS(status) : -1;
    for (int i = 0; i < 2; i++) {
        if (g[i].data == NULL)
            g[i].data = calloc(1, 1);
    }
    r->out = g[0].data;
    r->err = g[1].data;
    return 0;
}

char *proc_run_tty_stderr(char *const argv[], int timeout_ms)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
        if (master >= 0)
            close(master);
        return NULL;
    }
    const char *slave_name = ptsname(master);
    pid_t pid = slave_name ? fork() : -1;
    if (pid < 0) {
        close(master);
        return NULL;
    }
    if (pid == 0) {
        int slave = open(slave_name, O_RDWR | O_NOCTTY);
        int null = open("/dev/null", O_WRONLY);
        if (slave < 0 || null < 0)
            _exit(127);
        dup2(slave, STDERR_FILENO);
        dup2(null, STDOUT_FILENO);
        execv(argv[0], argv);
        _exit(127);
    }
    struct grow g = {0};
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        struct pollfd p = {master, POLLIN, 0};
        long long left = deadline - now_ms();
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            break;
        if (grow_read(&g, master) <= 0) /* EIO once the child has closed the terminal */
            break;
    }
    kill(pid, SIGKILL); /* a no-op when it has exited */
    waitpid(pid, NULL, 0);
    close(master);
    return g.data ? g.data : calloc(1, 1);
}

int proc_run_load(char *argv[], int argc, struct proc_result *r, char **json)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/c10k-load-test-XXXXXX");
    int fd = mkstemp(path);
    if (fd >= 0)
        close(fd);
    argv[argc++] = "--json";
    argv[argc++] = path;
    argv[argc] = NULL;
    *json = NULL;
    if (proc_run(argv, 0, PROC_RUN_TIMEOUT_MS, r) < 0) {
        unlink(path);
        return -1;
    }
    *json = proc_read_file(path);
    unlink(path);
    if (r->exit_code != 0)
        fprintf(stderr, "  c10k-load exited %d: %s", r->exit_code, r->err);
    return r->exit_code;
}

void proc_result_free(struct proc_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

int proc_server_start(struct proc_server *s, char *const argv[])
{
    memset(s, 0, sizeof *s);
    int err_fd;
    s->pid = spawn(argv, 0, &s->out_fd, &err_fd);
    if (s->pid < 0)
        return -1;
    close(err_fd); /* the server's stderr is not needed; writes to it fail harmlessly */
    char line[256];
    size_t n = 0;
    long long deadline = now_ms() + 10000;
    while (n < sizeof line - 1) {
        struct pollfd p = {s->out_fd, POLLIN, 0};
        long long left = deadline - now_ms();
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            goto fail;
        ssize_t r = read(s->out_fd, line + n, 1);
        if (r <= 0)
            goto fail;
        if (line[n] == '\n')
            break;
        n++;
    }
    line[n] = '\0';
    char addr[60];
    if (sscanf(line, "listening on %59s", addr) != 1)
        goto fail;
    char *colon = strrchr(addr, ':');
    if (colon == NULL)
        goto fail;
    *colon = '\0';
    s->port = atoi(colon + 1);
    size_t addr_len = strlen(addr);
    if (addr[0] == '[' && addr_len >= 2 && addr[addr_len - 1] == ']')
        snprintf(s->host, sizeof s->host, "%.*s", (int)addr_len - 2, addr + 1);
    else
        snprintf(s->host, sizeof s->host, "%s", addr);
    return 0;
fail:
    proc_server_stop(s);
    return -1;
}

void proc_server_stop(struct proc_server *s)
{
    if (s->pid <= 0)
        return;
    kill(s->pid, SIGTERM);
    long long deadline = now_ms() + 5000;
    int status;
    while (waitpid(s->pid, &status, WNOHANG) == 0) {
        if (now_ms() > deadline) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, &status, 0);
            break;
        }
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    close(s->out_fd);
    s->pid = 0;
}

int proc_http_get(const struct proc_server *s, const char *path, char *buf, size_t len)
{
    struct sockaddr_storage ss;
    socklen_t ss_len;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, s->host, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)s->port);
        ss_len = sizeof *sin;
    } else if (inet_pton(AF_INET6, s->host, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)s->port);
        ss_len = sizeof *sin6;
    } else {
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    char req[512];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n",
                     path);
    struct grow g = {0};
    int status = -1;
    if (connect(fd, (struct sockaddr *)&ss, ss_len) < 0 || send(fd, req, (size_t)n, 0) != n)
        goto out;
    while (grow_read(&g, fd) > 0)
        ;
    if (g.data == NULL || sscanf(g.data, "HTTP/1.%*d %d", &status) != 1) {
        status = -1;
        goto out;
    }
    char *body = strstr(g.data, "\r\n\r\n");
    snprintf(buf, len, "%s", body ? body + 4 : "");
out:
    free(g.data);
    close(fd);
    return status;
}

int proc_json_number(const char *json, const char *const keys[], double *value)
{
    json_t *root = json_loads(json, JSON_DECODE_ANY, NULL);
    json_t *v = root;
    for (size_t i = 0; keys[i] && v; i++)
        v = json_object_get(v, keys[i]);
    int rc = json_is_number(v) ? 0 : -1;
    if (rc == 0)
        *value = json_number_value(v);
    json_decref(root);
    return rc;
}

int proc_json_valid(const char *text)
{
    json_t *root = json_loads(text, JSON_DECODE_ANY, NULL);
    json_decref(root);
    return root != NULL;
}

char *proc_read_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct grow g = {0};
    while (grow_read(&g, fd) > 0)
        ;
    close(fd);
    return g.data;
}
