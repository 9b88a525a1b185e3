#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROC_REGISTRY 64
#define PROC_POLL_MS 20

/* Process groups to kill on a second signal. Written by the main thread only; read by the
 * signal handler (sig_atomic_t-sized stores). */
static volatile pid_t registry[PROC_REGISTRY];
static volatile sig_atomic_t signals_seen;

static void on_signal(int sig)
{
    (void)sig;
    if (signals_seen++ == 0)
        return;
    for (int i = 0; i < PROC_REGISTRY; i++)
        if (registry[i] > 0)
            kill(-registry[i], SIGKILL);
    static const char msg[] = "\nc10k-bench: second signal, killed everything it started\n";
    ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)w;
    _exit(130);
}

void proc_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int proc_interrupted(void)
{
    return signals_seen > 0;
}

double proc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int proc_sleep_ms(int ms)
{
    double end = proc_now() + ms / 1000.0;
    for (;;) {
        if (proc_interrupted())
            return -EINTR;
        double left = end - proc_now();
        if (left <= 0)
            return 0;
        int step = left * 1000 < PROC_POLL_MS ? (int)(left * 1000) + 1 : PROC_POLL_MS;
        struct timespec ts = {0, step * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static void pause_ms(int ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

static void registry_add(pid_t pid)
{
    for (int i = 0; i < PROC_REGISTRY; i++) {
        if (registry[i] == 0) {
            registry[i] = pid;
            return;
        }
    }
}

static void registry_remove(pid_t pid)
{
    for (int i = 0; i < PROC_REGISTRY; i++)
        if (registry[i] == pid)
            registry[i] = 0;
}

/* Puts fd (or, with fd < 0, the file at path, /dev/null when NULL) on target. In the child:
 * only async-signal-safe calls. The file's own descriptor closes at exec; its copy stays. */
static void child_output(int target, int fd, const char *path)
{
    if (fd < 0) {
        fd = open(path ? path : "/dev/null", O_WRONLY | O_CREAT | O_APPEND | O_NOCTTY | O_CLOEXEC,
                  0644);
        if (fd < 0)
            _exit(126);
    }
    if (dup2(fd, target) < 0)
        _exit(126);
}

/* In the child, between fork and exec: only async-signal-safe calls. out_w and err_w are the
 * pipes' write ends, or -1. */
static void child_setup(pid_t parent, const struct proc_opts *o, int out_w, int err_w)
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    if (o && o->cpus)
        sched_setaffinity(0, sizeof(cpu_set_t), o->cpus);
    if (o && o->nofile) {
        struct rlimit rl = {o->nofile, o->nofile};
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
            _exit(126);
    }
    if (o && o->cgroup_procs) {
        /* "0" moves the writer; the parent checks /proc/PID/cgroup afterwards. */
        int cg = open(o->cgroup_procs, O_WRONLY | O_CLOEXEC);
        if (cg >= 0) {
            ssize_t w = write(cg, "0", 1);
            (void)w;
            close(cg);
        }
    }

    int in = open("/dev/null", O_RDONLY);
    if (in >= 0) {
        dup2(in, STDIN_FILENO);
        close(in);
    }
    const char *out_path = o ? o->stdout_path : NULL;
    const char *err_path = o ? o->stderr_path : NULL;
    child_output(STDOUT_FILENO, out_w, out_path);
    if (o && o->stderr_inherit)
        return;
    if (err_w < 0 && out_w < 0 && err_path && out_path && strcmp(err_path, out_path) == 0)
        child_output(STDERR_FILENO, STDOUT_FILENO, NULL);
    else
        child_output(STDERR_FILENO, err_w, err_path);
}

/* Empties an output file before the child exists: a reader waiting for its first line
 * (proc_wait_first_line) must not find an earlier run's output in a reused directory. A device
 * is left alone: opening and closing a terminal's slave side would hang up its master. */
static void truncate_output(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
    if (fd >= 0)
        close(fd);
}

static void close_pair(int fds[2])
{
    for (int i = 0; i < 2; i++) {
        if (fds[i] >= 0)
            close(fds[i]);
        fds[i] = -1;
    }
}

int proc_spawn(struct proc *p, const char *name, char *const argv[], const struct proc_opts *o)
{
    memset(p, 0, sizeof *p);
    p->stdout_fd = p->stderr_fd = -1;
    snprintf(p->name, sizeof p->name, "%s", name);
    pid_t parent = getpid();
    int out[2] = {-1, -1}, err[2] = {-1, -1};
    if ((o && o->stdout_pipe && pipe2(out, O_CLOEXEC) < 0) ||
        (o && o->stderr_pipe && pipe2(err, O_CLOEXEC) < 0)) {
        int e = errno;
        close_pair(out);
        return -e;
    }
    if (o && o->stdout_path && !o->stdout_pipe)
        truncate_output(o->stdout_path);
    if (o && o->stderr_path && !o->stderr_pipe && !o->stderr_inherit)
        truncate_output(o->stderr_path);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close_pair(out);
        close_pair(err);
        return -e;
    }
    if (pid == 0) {
        child_setup(parent, o, out[1], err[1]);
        execvp(argv[0], argv);
        _exit(127);
    }
    /* Also from the parent, so that the group exists before anyone signals it. */
    setpgid(pid, pid);
    p->pid = pid;
    p->running = 1;
    registry_add(pid);
    if (out[1] >= 0)
        close(out[1]);
    if (err[1] >= 0)
        close(err[1]);
    p->stdout_fd = out[0];
    p->stderr_fd = err[0];
    return 0;
}

int proc_poll(struct proc *p)
{
    if (!p->running)
        return 1;
    /* Look without reaping first: while the leader is a zombie its pid (and so its group id)
     * cannot be reused, so whatever it left behind in its group can be killed safely. */
    siginfo_t info;
    memset(&info, 0, sizeof info);
    if (waitid(P_PID, (id_t)p->pid, &info, WEXITED | WNOHANG | WNOWAIT) < 0) {
        if (errno == EINTR)
            return 0;
        p->running = 0; /* ECHILD: someone else reaped it */
        registry_remove(p->pid);
        return 1;
    }
    if (info.si_pid != p->pid)
        return 0;
    kill(-p->pid, SIGKILL);
    int status = 0;
    while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
        ;
    p->status = status;
    p->running = 0;
    registry_remove(p->pid);
    return 1;
}

int proc_wait(struct proc *p, int timeout_ms)
{
    double end = proc_now() + timeout_ms / 1000.0;
    for (;;) {
        if (proc_poll(p))
            return 0;
        if (proc_interrupted())
            return -EINTR;
        if (proc_now() >= end)
            return -ETIMEDOUT;
        pause_ms(5);
    }
}

int proc_stop(struct proc *p, int grace_ms)
{
    if (p->pid <= 0 || proc_poll(p))
        return 0;
    p->stopped_by_us = 1;
    kill(-p->pid, SIGTERM);
    double end = proc_now() + grace_ms / 1000.0;
    while (proc_now() < end) {
        if (proc_poll(p))
            return 0;
        pause_ms(5);
    }
    kill(-p->pid, SIGKILL);
    while (!proc_poll(p))
        pause_ms(2);
    return -ETIMEDOUT;
}

/* The first line from the file at path, once it is complete: 0, or -EAGAIN. */
static int first_line_in_file(const char *path, char *line, size_t len)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -EAGAIN;
    int complete = fgets(line, (int)len, f) && strchr(line, '\n');
    fclose(f);
    if (!complete)
        return -EAGAIN;
    line[strcspn(line, "\r\n")] = '\0';
    return 0;
}

/* Reads what the stdout pipe holds of the first line (one byte at a time, up to the newline):
 * 0 once it is complete, -EAGAIN, -ECHILD at the pipe's end, -EMSGSIZE. */
static int first_line_in_pipe(int fd, char *line, size_t len, size_t *used, int wait_ms)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    while (poll(&pfd, 1, wait_ms) > 0) {
        char c;
        ssize_t n = read(fd, &c, 1);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            return -EAGAIN;
        if (n <= 0)
            return -ECHILD;
        if (c == '\n') {
            line[*used - (*used > 0 && line[*used - 1] == '\r')] = '\0';
            return 0;
        }
        if (*used + 1 >= len)
            return -EMSGSIZE;
        line[(*used)++] = c;
        wait_ms = 0;
    }
    return -EAGAIN;
}

int proc_wait_first_line(struct proc *p, const char *path, char *line, size_t len, int timeout_ms)
{
    if (len == 0 || (!path && p->stdout_fd < 0))
        return -EINVAL;
    double end = proc_now() + timeout_ms / 1000.0;
    size_t used = 0;
    line[0] = '\0';
    for (;;) {
        int rc = path ? first_line_in_file(path, line, len)
                      : first_line_in_pipe(p->stdout_fd, line, len, &used, 5);
        if (rc != -EAGAIN)
            return rc;
        if (proc_poll(p))
            return -ECHILD;
        if (proc_interrupted())
            return -EINTR;
        if (proc_now() >= end)
            return -ETIMEDOUT;
        if (path)
            pause_ms(5);
    }
}

/* A growing NUL-terminated buffer for proc_collect. */
struct collected {
    char *data;
    size_t len;
};

static int collect_read(int fd, struct collected *c, int keep)
{
    char tmp[4096];
    ssize_t n = read(fd, tmp, sizeof tmp);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 1;
    if (n <= 0)
        return 0;
    if (keep) {
        char *d = realloc(c->data, c->len + (size_t)n + 1);
        if (!d)
            return -ENOMEM;
        memcpy(d + c->len, tmp, (size_t)n);
        c->data = d;
        c->len += (size_t)n;
        d[c->len] = '\0';
    }
    return 1;
}

/* Reads both pipes until they close or the deadline: 0, -ETIMEDOUT, -ENOMEM. */
static int collect_pipes(struct proc *p, double end, struct collected c[2], const int keep[2])
{
    int *fds[2] = {&p->stdout_fd, &p->stderr_fd};
    while (*fds[0] >= 0 || *fds[1] >= 0) {
        int left = (int)((end - proc_now()) * 1000);
        if (left <= 0)
            return -ETIMEDOUT;
        struct pollfd pfd[2] = {{.fd = *fds[0], .events = POLLIN},
                                {.fd = *fds[1], .events = POLLIN}};
        if (poll(pfd, 2, left) < 0 && errno != EINTR)
            return -errno;
        for (int i = 0; i < 2; i++) {
            if (*fds[i] < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            int rc = collect_read(*fds[i], &c[i], keep[i]);
            if (rc < 0)
                return rc;
            if (rc == 0) {
                close(*fds[i]);
                *fds[i] = -1;
            }
        }
    }
    return 0;
}

int proc_collect(struct proc *p, int timeout_ms, char **out, char **err)
{
    double end = proc_now() + timeout_ms / 1000.0;
    struct collected c[2] = {{NULL, 0}, {NULL, 0}};
    const int keep[2] = {out != NULL, err != NULL};
    int rc = collect_pipes(p, end, c, keep);
    if (rc == 0) {
        int left = (int)((end - proc_now()) * 1000);
        rc = proc_wait(p, left > 0 ? left : 0);
    }
    if (rc < 0)
        proc_stop(p, 0);
    for (int i = 0; i < 2; i++) {
        int *fd = i == 0 ? &p->stdout_fd : &p->stderr_fd;
        if (*fd >= 0)
            close(*fd);
        *fd = -1;
        if (keep[i] && !c[i].data && !(c[i].data = calloc(1, 1)))
            rc = -ENOMEM;
    }
    if (out)
        *out = c[0].data;
    if (err)
        *err = c[1].data;
    return rc;
}

void proc_describe_exit(const struct proc *p, char *buf, size_t len)
{
    if (p->running)
        snprintf(buf, len, "still running");
    else if (WIFSIGNALED(p->status))
        snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(p->status),
                 strsignal(WTERMSIG(p->status)));
    else if (WIFEXITED(p->status))
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(p->status));
    else
        snprintf(buf, len, "ended (wait status %d)", p->status);
}

int proc_failed(const struct proc *p)
{
    if (p->running || p->stopped_by_us)
        return 0;
    return WIFSIGNALED(p->status) || (WIFEXITED(p->status) && WEXITSTATUS(p->status) != 0);
}

int proc_capture(char *const argv[], char *buf, size_t len, int timeout_ms)
{
    if (len == 0)
        return -EINVAL;
    buf[0] = '\0';
    struct proc p;
    struct proc_opts o = {.stdout_pipe = 1, .stderr_pipe = 1};
    int rc = proc_spawn(&p, argv[0], argv, &o);
    if (rc < 0)
        return rc;
    char *out = NULL, *err = NULL;
    rc = proc_collect(&p, timeout_ms, &out, &err);
    if (rc != -ENOMEM)
        snprintf(buf, len, "%s%s", out, err);
    free(out);
    free(err);
    if (rc == 0 && WIFEXITED(p.status) && WEXITSTATUS(p.status) == 127)
        return -ENOENT;
    return rc == -ETIMEDOUT ? 0 : rc;
}

int proc_capture_line(char *const argv[], char *buf, size_t len, int timeout_ms)
{
    if (len == 0)
        return -EINVAL;
    int rc = proc_capture(argv, buf, len, timeout_ms);
    buf[strcspn(buf, "\r\n")] = '\0';
    return rc;
}
