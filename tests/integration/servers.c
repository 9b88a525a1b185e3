/* The integration tests' processes: c10k-server started on port 0 and read back from its first
 * line, the server binary run to completion, the proxies in front of it. Children are started,
 * reaped and stopped by common/'s proc.h. */
#include "internal.h"

#include "freeport.h"
#include "listening.h"
#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char *it_wait_status_str(int status)
{
    if (WIFEXITED(status))
        return it_printf("exit %d", WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        return it_printf("signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    return it_printf("wait status 0x%x", (unsigned)status);
}

void it_server_drain_stdout(struct it_server *s)
{
    char tmp[4096];
    ssize_t n;
    int fd = s->proc.stdout_fd;
    if (fd < 0)
        return;
    while ((n = read(fd, tmp, sizeof tmp)) > 0)
        fprintf(stderr, "  [server %d stdout] %.*s", (int)s->pid, (int)n, tmp);
    if (n == 0) {
        close(fd);
        s->proc.stdout_fd = -1;
    }
}

int it_server_poll(struct it_server *s)
{
    if (!s->reaped && proc_poll(&s->proc)) {
        s->reaped = 1;
        s->status = s->proc.status;
    }
    return s->reaped;
}

int it_server_wait_exit(struct it_server *s, int timeout_ms)
{
    long long deadline = it_now_ms() + timeout_ms;
    for (;;) {
        it_server_drain_stdout(s);
        if (it_server_poll(s))
            return 0;
        if (it_now_ms() >= deadline)
            return -ETIMEDOUT;
        /* Waiting for a child has no fd to poll in portable C; the stdout pipe closes when the
         * server exits, so poll it when we still have it, else check again shortly. */
        if (s->proc.stdout_fd >= 0) {
            struct pollfd p = {.fd = s->proc.stdout_fd, .events = POLLIN};
            int t = it_remaining_ms(deadline);
            poll(&p, 1, t < 20 ? t : 20);
        } else {
            it_pause_ms(2);
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
    if (!s->reaped && proc_stop(&s->proc, timeout_ms) < 0) {
        it_log("server %d did not exit within %d ms of SIGTERM; killed it", (int)s->pid,
               timeout_ms);
        rc = -ETIMEDOUT;
    }
    it_server_poll(s);
    it_server_drain_stdout(s);
    if (s->proc.stdout_fd >= 0) {
        close(s->proc.stdout_fd);
        s->proc.stdout_fd = -1;
    }
    if (rc == 0 && !(WIFEXITED(s->status) && WEXITSTATUS(s->status) == 0)) {
        if (!was_reaped)
            it_log("server %d ended with %s", (int)s->pid, it_wait_status_str(s->status));
        rc = -ECHILD;
    }
    return rc;
}

/* Whether the line ends with " mode=MODE": the server says nothing after its mode. */
static int ends_with_mode(const char *line, const char *mode)
{
    size_t ll = strlen(line), ml = strlen(mode);
    return ml > 0 && ll > ml + 6 && strncmp(line + ll - ml - 6, " mode=", 6) == 0;
}

/* Reads the first stdout line, "listening on HOST:PORT mode=MODE". */
static int read_listening_line(struct it_server *s)
{
    char line[256];
    int rc = proc_wait_first_line(&s->proc, NULL, line, sizeof line, IT_START_TIMEOUT_MS);
    if (rc == -ETIMEDOUT) {
        it_log("no \"listening on\" line from the server within %d ms", IT_START_TIMEOUT_MS);
        return rc;
    }
    if (rc == -ECHILD) {
        it_server_wait_exit(s, 2000);
        it_log("server exited before listening (%s)",
               s->reaped ? it_wait_status_str(s->status) : "still running");
        return rc;
    }
    if (rc < 0) {
        it_log("the server's first line: %s", strerror(-rc));
        return rc;
    }
    struct listening l;
    if (listening_parse(line, &l) < 0 || !ends_with_mode(line, l.mode)) {
        it_log("unexpected first line from the server: \"%s\"", line);
        return -EPROTO;
    }
    snprintf(s->host, sizeof s->host, "%s", l.host);
    s->port = l.port;
    snprintf(s->mode, sizeof s->mode, "%s", l.mode);
    return 0;
}

/* A new it_server for a started process. */
static struct it_server *server_new(const struct proc *p)
{
    struct it_server *s = it_xmalloc(sizeof *s);
    memset(s, 0, sizeof *s);
    s->proc = *p;
    s->pid = p->pid;
    return s;
}

struct it_server *it_server_spawn(const char *const *extra)
{
    return it_server_spawn_prefixed(NULL, extra);
}

struct it_server *it_server_spawn_prefixed(const char *const *prefix, const char *const *extra)
{
    const char *argv[3 * IT_MAX_ARGS + 8];
    int n = 0, n_args;
    const char *const *args = it_server_args(&n_args);
    for (int i = 0; prefix && prefix[i] && i < IT_MAX_ARGS; i++)
        argv[n++] = prefix[i];
    argv[n++] = it_server_path();
    argv[n++] = "--host";
    argv[n++] = "127.0.0.1";
    argv[n++] = "--port";
    argv[n++] = "0";
    for (int i = 0; i < n_args; i++)
        argv[n++] = args[i];
    for (int i = 0; extra && extra[i] && n < (int)(sizeof argv / sizeof argv[0]) - 1; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;

    /* stdout on a pipe for the first line, stderr ours so that the server's complaints show */
    struct proc p;
    struct proc_opts o = {.stdout_pipe = 1, .stderr_inherit = 1};
    int rc = proc_spawn(&p, "c10k-server", (char *const *)argv, &o);
    if (rc < 0) {
        it_log("starting %s: %s", argv[0], strerror(-rc));
        return NULL;
    }
    struct it_server *s = server_new(&p);
    if (read_listening_line(s) < 0) {
        it_server_stop(s, 1000);
        free(s);
        return NULL;
    }
    fcntl(s->proc.stdout_fd, F_SETFL, fcntl(s->proc.stdout_fd, F_GETFL) | O_NONBLOCK);
    if (strcmp(s->mode, it_mode()) != 0)
        it_log("note: asked for mode %s, server says mode=%s", it_mode(), s->mode);
    return s;
}

struct it_server *it_server_startv(const char *const *extra)
{
    return it_server_start_prefixed(NULL, extra);
}

struct it_server *it_server_start_prefixed(const char *const *prefix, const char *const *extra)
{
    struct it_server *s = it_server_spawn_prefixed(prefix, extra);
    if (s)
        it_own(IT_RES_SERVER, s);
    return s;
}

int it_server_pids(struct it_server *s, pid_t *out, int max)
{
    int64_t n = procfs_tree_pids(s->pid, out, (size_t)max);
    if (n > max) {
        it_log("server %d has %lld processes, more than %d", (int)s->pid, (long long)n, max);
        return -E2BIG;
    }
    return (int)n;
}

int it_server_zombies(struct it_server *s)
{
    pid_t pids[IT_MAX_PIDS];
    int n = it_server_pids(s, pids, IT_MAX_PIDS), zombies = 0;
    for (int i = 1; i < n; i++)
        zombies += procfs_state(pids[i]) == 'Z';
    return n < 0 ? n : zombies;
}

/* A copy of the collected text in test memory (the empty string for none). */
static char *text_to_test_memory(char *text)
{
    char *copy = it_strdup(text ? text : "");
    free(text);
    return copy;
}

int it_run(const char *const *args, int timeout_ms, int *exit_code, char **out, char **err)
{
    const char *argv[IT_MAX_ARGS + 2];
    int n = 0;
    argv[n++] = it_server_path();
    for (int i = 0; args[i] && n < IT_MAX_ARGS; i++)
        argv[n++] = args[i];
    argv[n] = NULL;

    struct proc p;
    struct proc_opts o = {.stdout_pipe = 1, .stderr_pipe = 1};
    int rc = proc_spawn(&p, "c10k-server", (char *const *)argv, &o);
    if (rc < 0)
        return rc;
    char *out_text = NULL, *err_text = NULL;
    rc = proc_collect(&p, timeout_ms, &out_text, &err_text);
    if (rc == -ETIMEDOUT)
        it_log("%s did not exit within %d ms; killed it", argv[0], timeout_ms);
    char *o_copy = text_to_test_memory(out_text), *e_copy = text_to_test_memory(err_text);
    if (out)
        *out = o_copy;
    if (err)
        *err = e_copy;
    if (exit_code)
        *exit_code = WIFEXITED(p.status)     ? WEXITSTATUS(p.status)
                     : WIFSIGNALED(p.status) ? 128 + WTERMSIG(p.status)
                                             : -1;
    return rc;
}

/* ---- other processes (the proxies) ---- */

int it_free_port(void)
{
    int port = freeport_pick();
    if (port < 0)
        it_log("no free port below the ephemeral range");
    return port < 0 ? -1 : port;
}

struct it_server *it_process_startv(const char *const *argv, const char *log_path, const char *host,
                                    int port)
{
    struct proc p;
    struct proc_opts o = {.stdout_path = log_path, .stderr_path = log_path};
    int rc = proc_spawn(&p, argv[0], (char *const *)argv, &o);
    if (rc < 0) {
        it_log("starting %s: %s", argv[0], strerror(-rc));
        return NULL;
    }
    struct it_server *s = server_new(&p);
    snprintf(s->host, sizeof s->host, "%s", host);
    s->port = port;
    snprintf(s->mode, sizeof s->mode, "process");
    it_own(IT_RES_SERVER, s);
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
        if (it_server_poll(s)) {
            it_log("process %d exited before listening on %s:%d (%s)", (int)s->pid, s->host,
                   s->port, it_wait_status_str(s->status));
            return -ECHILD;
        }
        if (it_now_ms() >= deadline) {
            it_log("nothing listens on %s:%d after %d ms: %s", s->host, s->port, timeout_ms,
                   strerror(-err));
            return -ETIMEDOUT;
        }
        it_pause_ms(10); /* between polls of a condition, not a wait for it */
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
