/* What share of the server's CPU time goes to the kernel's scheduler, and where the rest goes.
 * perf record samples the server's CPUs system-wide with a software clock (cpu-clock: the one
 * kind of sampling event that virtual machines without a PMU offer), one perf process however
 * many threads the server has; perf script turns the samples into callchains; the samples of
 * the server's process are counted by whether their kernel callchain passes through a context
 * switch or a wake-up, and each is put in one area (system calls, TCP receive and send, io_uring,
 * the HTTP core, the model's own code...) by the symbols of its callchain.
 * Functions return 0 or a negative errno, as the rest of the harness does. */
#ifndef C10K_BENCH_SCHEDPROF_H
#define C10K_BENCH_SCHEDPROF_H

#include "proc.h"

#include <jansson.h>
#include <sched.h>
#include <stdio.h>
#include <sys/types.h>

/* Sampling frequency: odd, so that it does not beat with the kernel's tick. */
#define SCHEDPROF_FREQ_HZ 999
/* Symbols listed in "top". */
#define SCHEDPROF_TOP 12
/* How long schedprof_start waits for a perf that fails at once (not installed, no permission). */
#define SCHEDPROF_START_CHECK_MS 100

/* One recording. Filled by schedprof_start; the strings are copies. */
struct schedprof {
    struct proc perf; /* perf record */
    int started;      /* perf record was spawned */
    int start_error;  /* what schedprof_start returned */
    int have_load_cpus;
    cpu_set_t load_cpus;
    double t_start;
    char tool[256]; /* "perf record -e cpu-clock -F 999 -a -C 1 -g" */
    char perf_path[512];
    char data_path[512];
    char log_path[512];
};

/* Starts perf record -e cpu-clock -F SCHEDPROF_FREQ_HZ -a -C <server_cpus> -g -o data_path,
 * itself on load_cpus (NULL: inherited), its output in log_path, sampling from delay_ms on (0:
 * at once; perf's own start-up, reading every process's mappings, comes before the delay, so
 * that a recording started ahead of the window it samples does not take CPU time from the
 * load generator inside it). perf_path is a path (-ENOENT
 * when there is no such program), or a name looked up in PATH (-ENOENT when the exec fails
 * within the check below; if it fails later, schedprof_finish says so). Returns 0; -EIO when
 * perf exited at once (no permission, bad CPU list: its log says why); -EINTR; or another
 * negative errno. Takes about SCHEDPROF_START_CHECK_MS, to catch a perf that fails at once. */
int schedprof_start(struct schedprof *p, const char *perf_path, const cpu_set_t *server_cpus,
                    const cpu_set_t *load_cpus, int delay_ms, const char *data_path,
                    const char *log_path);

/* Stops the recording (SIGINT: perf writes its file), runs perf script on it and returns (a new
 * reference, NULL only when out of memory) {"tool", "window_s", "samples", "server_samples",
 * "server_share_of_cpus", "sched_share", "switch_share", "wakeup_share", "area_pct": {"switch":
 * %, "wakeup", "syscall", "fd_lookup", "tcp_receive", "tcp_send", "io_uring", "epoll",
 * "kernel_other", "http_core", "model", "libc", "user_other"}, "top": [[symbol, self share],
 * ...], "error": null}, the shares being of the server process's samples (every thread) except
 * server_share_of_cpus, the areas' in % adding up to 100 (record.h's SCHED_AREAS); or the same with
 * "error" saying why and null figures. window_s is the time from the end of schedprof_start's delay
 * to this call. perf script's text goes to data_path.txt (removed once read), its errors to
 * log_path.script. Safe to call after a failed start (the error then says why); once per recording.
 */
json_t *schedprof_finish(struct schedprof *p, pid_t server_pid);

/* Whether perf can sample the kernel here with callchains that name kernel functions: runs a
 * probe of about 0.2 s (perf record on CPU 0 around `sleep 0.2`) and reads whether kernel
 * addresses are visible (kernel.kptr_restrict). Returns 1, or 0 with why saying what stops it
 * and how to fix it. */
int schedprof_available(const char *perf_path, char *why, size_t why_len);

/* Counts perf script output (-F pid,tid,ip,sym[,dso], with callchains) read from in: the object
 * of schedprof_finish without "tool" and "window_s". Returns a new reference, or NULL with err
 * set (read error, out of memory). Exposed for tests. */
json_t *schedprof_parse(FILE *in, pid_t server_pid, char *err, size_t err_len);

#endif
