#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
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

/* In the child, between fork and exec: only async-signal-safe calls. */
static void child_setup(pid_t parent, const struct proc_opts *o)
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
    const char *out_path = o && o->stdout_path ? o->stdout_path : "/dev/null";
    int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0)
        _exit(126);
    dup2(out, STDOUT_FILENO);
    if (o && o->stderr_path && o->stdout_path && strcmp(o->stderr_path, o->stdout_path) == 0) {
        dup2(out, STDERR_FILENO);
    } else {
        const char *err_path = o && o->stderr_path ? o->stderr_path : "/dev/null";
        int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (err < 0)
            _exit(126);
        dup2(err, STDERR_FILENO);
        if (err != STDERR_FILENO)
            close(err);
    }
    if (out != STDOUT_FILENO && out != STDERR_FILENO)
        close(out);
}

int proc_spawn(struct proc *p, const char *name, char *const argv[], const struct proc_opts *o)
{
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    pid_t parent = getpid();
    /* Empty the output file before the child exists: a reader waiting for its first line
     * (proc_wait_first_line) must not find an earlier run's output in a reused directory. */
    if (o && o->stdout_path) {
        int fd = open(o->stdout_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd >= 0)
            close(fd);
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0) {
        child_setup(parent, o);
        execvp(argv[0], argv);
        _exit(127);
    }
    /* Also from the parent, so that the group exists before anyone signals it. */
    setpgid(pid, pid);
    p->pid = pid;
    p->running = 1;
    registry_add(pid);
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
        struct timespec ts = {0, 5 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

void proc_stop(struct proc *p, int grace_ms)
{
    if (p->pid <= 0 || proc_poll(p))
        return;
    p->stopped_by_us = 1;
    kill(-p->pid, SIGTERM);
    double end = proc_now() + grace_ms / 1000.0;
    while (proc_now() < end) {
        if (proc_poll(p))
            return;
        struct timespec ts = {0, 5 * 1000000L};
        nanosleep(&ts, NULL);
    }
    kill(-p->pid, SIGKILL);
    while (!proc_poll(p)) {
        struct timespec ts = {0, 2 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

int proc_wait_first_line(struct proc *p, const char *path, char *line, size_t len, int timeout_ms)
{
    double end = proc_now() + timeout_ms / 1000.0;
    for (;;) {
        FILE *f = fopen(path, "re");
        if (f) {
            int complete = fgets(line, (int)len, f) && strchr(line, '\n');
            fclose(f);
            if (complete) {
                line[strcspn(line, "\r\n")] = '\0';
                return 0;
            }
        }
        if (proc_poll(p))
            return -ECHILD;
        if (proc_interrupted())
            return -EINTR;
        if (proc_now() >= end)
            return -ETIMEDOUT;
        struct timespec ts = {0, 5 * 1000000L};
        nanosleep(&ts, NULL);
    }
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
    int fds[2];
    if (len == 0)
        return -EINVAL;
    buf[0] = '\0';
    if (pipe2(fds, O_CLOEXEC) < 0)
        return -errno;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(fds[0]);
        close(fds[1]);
        return -e;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(fds[1], STDOUT_FILENO);
        dup2(fds[1], STDERR_FILENO);
        int in = open("/dev/null", O_RDONLY);
        if (in >= 0)
            dup2(in, STDIN_FILENO);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    size_t used = 0;
    double end = proc_now() + timeout_ms / 1000.0;
    for (;;) {
        int left = (int)((end - proc_now()) * 1000);
        if (left <= 0)
            break;
        struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
        int r = poll(&pfd, 1, left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        char tmp[512];
        ssize_t n = read(fds[0], tmp, sizeof tmp);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        size_t take = (size_t)n < len - 1 - used ? (size_t)n : len - 1 - used;
        memcpy(buf + used, tmp, take);
        used += take;
    }
    close(fds[0]);
    buf[used] = '\0';
    kill(pid, SIGKILL);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return -ENOENT;
    return 0;
}

int proc_capture_line(char *const argv[], char *buf, size_t len, int timeout_ms)
{
    if (len == 0)
        return -EINVAL;
    int rc = proc_capture(argv, buf, len, timeout_ms);
    buf[strcspn(buf, "\r\n")] = '\0';
    return rc;
}
