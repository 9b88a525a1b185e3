#include "support.h"

#include "httpc.h"
#include "listening.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    struct proc p;
    struct proc_opts o = {.nofile = nofile, .stdout_pipe = 1, .stderr_pipe = 1};
    if (proc_spawn(&p, argv[0], argv, &o) < 0)
        return -1;
    int rc = proc_collect(&p, timeout_ms, &r->out, &r->err);
    if (rc == -ENOMEM)
        return -1;
    r->exit_code = rc == 0 && WIFEXITED(p.status) ? WEXITSTATUS(p.status) : -1;
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
    struct proc p;
    struct proc_opts o = {.stderr_path = ptsname(master)};
    if (o.stderr_path == NULL || proc_spawn(&p, argv[0], argv, &o) < 0) {
        close(master);
        return NULL;
    }
    struct grow g = {0};
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        struct pollfd pfd = {master, POLLIN, 0};
        long long left = deadline - now_ms();
        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
            break;
        if (grow_read(&g, master) <= 0) /* EIO once the child has closed the terminal */
            break;
    }
    proc_stop(&p, 0); /* a no-op when it has exited */
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
    /* the server's stderr is not needed */
    struct proc_opts o = {.stdout_pipe = 1};
    if (proc_spawn(&s->proc, argv[0], argv, &o) < 0)
        return -1;
    char line[256];
    struct listening l;
    if (proc_wait_first_line(&s->proc, NULL, line, sizeof line, PROC_SERVER_START_MS) < 0 ||
        listening_parse(line, &l) < 0) {
        proc_server_stop(s);
        return -1;
    }
    snprintf(s->host, sizeof s->host, "%s", l.host);
    s->port = l.port;
    return 0;
}

void proc_server_stop(struct proc_server *s)
{
    if (s->proc.pid <= 0)
        return;
    proc_stop(&s->proc, PROC_SERVER_STOP_MS);
    close(s->proc.stdout_fd);
    s->proc.pid = 0;
}

int proc_http_get(const struct proc_server *s, const char *path, char *buf, size_t len)
{
    char *body;
    int status = httpc_get(s->host, s->port, path, PROC_HTTP_TIMEOUT_MS, &body);
    if (status < 0)
        return -1;
    snprintf(buf, len, "%s", body);
    free(body);
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
