/* Child processes, for c10k-bench (servers, load clients, nginx) and for the tests: each runs in
 * its own process group, optionally on a chosen set of CPUs and with an open-file limit, with
 * stdout and stderr in files or pipes, and dies with the thread that started it
 * (PR_SET_PDEATHSIG). Every process started here is registered until it is reaped, so that after
 * proc_signals_install a SIGINT or SIGTERM stops them all: the first signal sets a flag that every
 * wait here returns on (-EINTR), the caller then stops what it started; a second signal kills
 * every registered process group at once and exits.
 *
 * Errors are negative errno values. */
#ifndef C10K_COMMON_PROC_H
#define C10K_COMMON_PROC_H

#include <sched.h>
#include <stddef.h>
#include <sys/types.h>

struct proc {
    pid_t pid;         /* 0 when not started */
    int running;       /* started and not yet reaped */
    int status;        /* wait status, valid once running is 0 */
    int stopped_by_us; /* we sent the signal that ended it */
    int stdout_fd;     /* read end of the stdout pipe (proc_opts.stdout_pipe), else -1 */
    int stderr_fd;     /* read end of the stderr pipe (proc_opts.stderr_pipe), else -1 */
    char name[32];
};

/* Output files are emptied when the process starts and written in append mode. The pipes' read
 * ends belong to the caller (close them, or let proc_collect do it). */
struct proc_opts {
    const cpu_set_t *cpus;    /* NULL: inherit */
    const char *stdout_path;  /* NULL: /dev/null */
    const char *stderr_path;  /* NULL: /dev/null; may equal stdout_path */
    const char *cgroup_procs; /* NULL, or a cgroup's cgroup.procs the child joins before exec */
    unsigned long nofile;     /* RLIMIT_NOFILE (soft and hard) for the child; 0: inherit */
    int stdout_pipe;          /* stdout to a pipe (p->stdout_fd) instead of stdout_path */
    int stderr_pipe;          /* stderr to a pipe (p->stderr_fd) instead of stderr_path */
    int stderr_inherit;       /* stderr stays the parent's, whatever stderr_path says */
};

/* Installs the SIGINT/SIGTERM handlers (once, at start). */
void proc_signals_install(void);
/* 1 once SIGINT or SIGTERM arrived. */
int proc_interrupted(void);

/* Starts argv[0] (looked up in PATH when it has no slash). Returns 0 or a negative errno. A child
 * that cannot set itself up (an output file, the open-file limit) exits with status 126, one that
 * cannot exec with 127. */
int proc_spawn(struct proc *p, const char *name, char *const argv[], const struct proc_opts *o);

/* Reaps the process if it has exited. Returns 1 when it is no longer running, 0 when it is. */
int proc_poll(struct proc *p);

/* Waits up to timeout_ms for the process to exit. Returns 0 when it has, -ETIMEDOUT, or -EINTR
 * when c10k-bench was interrupted. */
int proc_wait(struct proc *p, int timeout_ms);

/* SIGTERM to the process group, then SIGKILL after grace_ms; reaps it. Safe to call on a process
 * that has exited or was never started. Returns 0, or -ETIMEDOUT when it took the SIGKILL. */
int proc_stop(struct proc *p, int grace_ms);

/* Waits until the process's stdout holds a complete first line and copies it into line (without
 * the newline). path is its stdout file, or NULL for its stdout pipe, which is then read byte by
 * byte so that later lines stay unread. Returns 0, -ETIMEDOUT, -ECHILD when the process exited
 * (or closed its stdout) first, -EMSGSIZE for a line longer than len - 1, or -EINTR. */
int proc_wait_first_line(struct proc *p, const char *path, char *line, size_t len, int timeout_ms);

/* Reads the process's stdout and stderr pipes until both close, then reaps it; after timeout_ms
 * it is killed instead. *out and *err (either may be NULL: that pipe is read and dropped) receive
 * what it wrote, NUL-terminated, malloc'd for the caller. Closes the pipes. Returns 0, -ETIMEDOUT
 * when it had to be killed, -ENOMEM. */
int proc_collect(struct proc *p, int timeout_ms, char **out, char **err);

/* "exited with status 1", "killed by signal 11 (Segmentation fault)". */
void proc_describe_exit(const struct proc *p, char *buf, size_t len);
/* 1 when the process ended on its own with a signal or a non-zero status. */
int proc_failed(const struct proc *p);

/* Runs argv to completion (at most timeout_ms) and returns its stdout then its stderr (cut at
 * len - 1 bytes) in buf. Returns 0 or a negative errno (-ENOENT: not executable). */
int proc_capture(char *const argv[], char *buf, size_t len, int timeout_ms);
/* The same, but only the first line. For --version queries. */
int proc_capture_line(char *const argv[], char *buf, size_t len, int timeout_ms);

/* Sleeps ms milliseconds unless interrupted. Returns 0 or -EINTR. */
int proc_sleep_ms(int ms);

/* Monotonic seconds. */
double proc_now(void);

#endif
