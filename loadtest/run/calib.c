#include "calib.h"

#include "env.h"
#include "proc.h"
#include "procfs.h"
#include "sample.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#define CALIB_BATCHES_QUICK 3
#define CALIB_BATCHES 5
#define CALIB_ROUNDS_QUICK 20000
#define CALIB_ROUNDS 50000
#define CALIB_CREATE_QUICK 1000
#define CALIB_CREATE 5000
#define CALIB_IDLE_QUICK 500
#define CALIB_IDLE 2000
/* Processes forked, waited for and kept idle: fewer than threads, each costs more. */
#define CALIB_FORK_QUICK 200
#define CALIB_FORK 1000
#define CALIB_IDLE_PROCESSES_QUICK 100
#define CALIB_IDLE_PROCESSES 500

/* While a child runs an experiment, c10k-bench looks for a Ctrl-C this often. */
#define CALIB_CHILD_POLL_MS 100

/* Where the stack reservation binds: threads created under this address-space limit. */
#define CALIB_AS_LIMIT_BYTES (4ULL << 30)
#define CALIB_AS_SMALL_STACK (64 * 1024)
/* At most this many threads, and at most 1/CALIB_AS_ROOM_SHARE of what the limits leave. */
#define CALIB_AS_CAP 10000
#define CALIB_AS_ROOM_SHARE 2
#define CALIB_AS_TIMEOUT_MS 30000

/* The ring: tasks, laps or the time budget (whichever ends first), after a few laps of warm-up;
 * setting up and ending the ring gets CALIB_RING_SETUP_S on top of the budget. */
#define CALIB_RING_TASKS 500
#define CALIB_RING_LAPS_QUICK 1000
#define CALIB_RING_LAPS 10000
#define CALIB_RING_BUDGET_S_QUICK 2.0
#define CALIB_RING_BUDGET_S 10.0
#define CALIB_RING_WARMUP_LAPS 10
#define CALIB_RING_SETUP_S 20.0

/* The published ring, from the README of jimblandy/context-switch: Rust threads (1 MiB stacks)
 * and Tokio tasks; 9.5 KiB resident per thread, 0.4 KiB per task. */
#define CALIB_PUBLISHED_SOURCE "jimblandy/context-switch"
#define CALIB_PUBLISHED_MACHINE "a laptop: 4 cores, two-way hyper-threading, 32 GiB (Linux)"
#define CALIB_PUBLISHED_THREADS_MS 2.657
#define CALIB_PUBLISHED_PINNED_MS 1.709
#define CALIB_PUBLISHED_ASYNC_MS 1.795
#define CALIB_PUBLISHED_THREAD_BYTES 9728
#define CALIB_PUBLISHED_ASYNC_BYTES 410

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int pin_self(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set) < 0 ? -errno : 0;
}

static int xwrite(int fd)
{
    char c = 1;
    for (;;) {
        ssize_t n = write(fd, &c, 1);
        if (n == 1)
            return 0;
        if (n < 0 && errno == EINTR)
            continue;
        return -1;
    }
}

static int xread(int fd)
{
    char c;
    for (;;) {
        ssize_t n = read(fd, &c, 1);
        if (n == 1)
            return 0;
        if (n < 0 && errno == EINTR)
            continue;
        return -1; /* EOF: the other side is done */
    }
}

/* ---- Ping-pong ---- */

struct pong {
    int in, out; /* read the ping from in, answer on out */
    int cpu;
};

static void *pong_thread(void *arg)
{
    struct pong *p = arg;
    pin_self(p->cpu);
    while (xread(p->in) == 0)
        if (xwrite(p->out) < 0)
            break;
    return NULL;
}

struct ping {
    int out, in;
    int cpu;
    long rounds;
    int batches;
    double ns[CALIB_BATCHES]; /* per batch: ns per round trip */
    long switches;            /* times the pinging thread was switched out, all batches */
    int error;
};

static void *ping_thread(void *arg)
{
    struct ping *p = arg;
    if (pin_self(p->cpu) < 0) {
        p->error = EINVAL;
        return NULL;
    }
    struct rusage before, after;
    getrusage(RUSAGE_THREAD, &before);
    for (int b = 0; b < p->batches; b++) {
        double t = now_ns();
        for (long i = 0; i < p->rounds; i++) {
            if (xwrite(p->out) < 0 || xread(p->in) < 0) {
                p->error = EPIPE;
                return NULL;
            }
        }
        p->ns[b] = (now_ns() - t) / (double)p->rounds;
    }
    getrusage(RUSAGE_THREAD, &after);
    /* Out once per round trip: blocked in read (voluntary) or preempted by the woken
     * partner (involuntary). */
    p->switches = (after.ru_nvcsw - before.ru_nvcsw) + (after.ru_nivcsw - before.ru_nivcsw);
    return NULL;
}

static double median_of(double *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Two threads, or this process and a child, pinned to `cpu`. Returns ns per round trip (two
 * switches) or a negative errno. */
static double ping_pong(int cpu, int processes, long rounds, int batches, double *per_rt_switches)
{
    int a[2], b[2];
    if (pipe2(a, O_CLOEXEC) < 0)
        return -errno;
    if (pipe2(b, O_CLOEXEC) < 0) {
        close(a[0]);
        close(a[1]);
        return -errno;
    }
    struct ping ping = {.out = a[1], .in = b[0], .cpu = cpu, .rounds = rounds, .batches = batches};
    struct pong pong = {.in = a[0], .out = b[1], .cpu = cpu};
    pthread_t pong_tid, ping_tid;
    pid_t child = -1;
    double result = -EIO;
    if (processes) {
        fflush(NULL);
        child = fork();
        if (child < 0) {
            result = -errno;
            goto out;
        }
        if (child == 0) {
            close(a[1]);
            close(b[0]);
            pong_thread(&pong);
            _exit(0);
        }
    } else if (pthread_create(&pong_tid, NULL, pong_thread, &pong) != 0) {
        goto out;
    }
    if (pthread_create(&ping_tid, NULL, ping_thread, &ping) == 0) {
        pthread_join(ping_tid, NULL);
        if (!ping.error) {
            result = median_of(ping.ns, batches);
            /* Both sides are switched out once per round trip. */
            *per_rt_switches = 2.0 * (double)ping.switches / ((double)rounds * batches);
        }
    }
    /* Closing the ping side ends the pong loop. */
    close(a[1]);
    a[1] = -1;
    if (processes) {
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR)
            ;
    } else {
        pthread_join(pong_tid, NULL);
    }
out:
    for (int i = 0; i < 2; i++) {
        if (a[i] >= 0)
            close(a[i]);
        if (b[i] >= 0)
            close(b[i]);
    }
    return result;
}

/* A write and a read on a pipe in one thread: the syscalls of a round trip, without a switch.
 * Returns ns per write+read pair. */
static double pipe_syscalls(int cpu, long rounds)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -errno;
    cpu_set_t old;
    sched_getaffinity(0, sizeof old, &old);
    pin_self(cpu);
    double t = now_ns();
    long i;
    for (i = 0; i < rounds; i++)
        if (xwrite(p[1]) < 0 || xread(p[0]) < 0)
            break;
    double ns = (now_ns() - t) / (double)rounds;
    sched_setaffinity(0, sizeof old, &old);
    close(p[0]);
    close(p[1]);
    return i == rounds ? ns : -EIO;
}

/* ---- Threads ---- */

static void *nothing(void *arg)
{
    return arg;
}

static double create_join_ns(long n)
{
    double t = now_ns();
    for (long i = 0; i < n; i++) {
        pthread_t tid;
        if (pthread_create(&tid, NULL, nothing, NULL) != 0)
            return -EAGAIN;
        pthread_join(tid, NULL);
    }
    return (now_ns() - t) / (double)n;
}

/* Threads that arrive and wait to be released: a counter and a flag under one lock (not a
 * barrier, so that fewer threads than planned can still be released). Arrivals wake only the
 * measuring thread, so that creating the k-th thread does not wake the k-1 before it. */
struct idle_group {
    pthread_mutex_t lock;
    pthread_cond_t arrived_cond, release_cond;
    int arrived;
    int release;
};

static void *idle_thread(void *arg)
{
    struct idle_group *g = arg;
    pthread_mutex_lock(&g->lock);
    g->arrived++;
    pthread_cond_signal(&g->arrived_cond);
    while (!g->release)
        pthread_cond_wait(&g->release_cond, &g->lock);
    pthread_mutex_unlock(&g->lock);
    return NULL;
}

static long count_maps(void)
{
    FILE *f = fopen("/proc/self/maps", "re");
    if (!f)
        return -1;
    long n = 0;
    int c;
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

/* open and read, not stdio: the ring's lead thread calls this, and a first malloc in a thread
 * would map a malloc arena into the very figures it reads. */
static int self_status(uint64_t *rss, uint64_t *vsize)
{
    char buf[PROCFS_TEXT_MAX];
    struct procfs_status st;
    ssize_t n = procfs_read_text("/proc/self/status", buf, sizeof buf);
    if (n < 0)
        return (int)n;
    if (procfs_parse_status(buf, &st) < 0)
        return -EINVAL;
    *rss = st.rss_bytes;
    *vsize = st.vsize_bytes;
    return 0;
}

/* Keeps k threads alive and blocked, measuring what they hold. */
static json_t *idle_threads(int k)
{
    struct idle_group g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
                           PTHREAD_COND_INITIALIZER, 0, 0};
    pthread_t *tids = calloc((size_t)k, sizeof *tids);
    if (!tids)
        return json_null();
    struct sample m0, m1;
    uint64_t rss0 = 0, vsz0 = 0, rss1 = 0, vsz1 = 0;
    long maps0 = count_maps();
    self_status(&rss0, &vsz0);
    sample_machine(&m0);
    double t = now_ns();
    int made = 0;
    for (; made < k; made++)
        if (pthread_create(&tids[made], NULL, idle_thread, &g) != 0)
            break;
    double create_ns = (now_ns() - t) / (made ? made : 1);
    pthread_mutex_lock(&g.lock);
    while (g.arrived < made)
        pthread_cond_wait(&g.arrived_cond, &g.lock);
    pthread_mutex_unlock(&g.lock);
    proc_sleep_ms(100);
    self_status(&rss1, &vsz1);
    sample_machine(&m1);
    long maps1 = count_maps();
    pthread_mutex_lock(&g.lock);
    g.release = 1;
    pthread_cond_broadcast(&g.release_cond);
    pthread_mutex_unlock(&g.lock);
    for (int i = 0; i < made; i++)
        pthread_join(tids[i], NULL);
    free(tids);
    if (made < k)
        return json_pack("{s:s, s:i}", "error", "could not create the idle threads", "created",
                         made);

    pthread_attr_t attr;
    size_t stack = 0;
    if (pthread_getattr_default_np(&attr) == 0) {
        pthread_attr_getstacksize(&attr, &stack);
        pthread_attr_destroy(&attr);
    }
    double kk = (double)k;
    return json_pack("{s:i, s:I, s:f, s:f, s:f, s:f, s:f, s:f}", "threads", k, "stack_size_bytes",
                     (json_int_t)stack, "rss_bytes", ((double)rss1 - (double)rss0) / kk,
                     "vsize_bytes", ((double)vsz1 - (double)vsz0) / kk, "kernel_stack_bytes",
                     ((double)m1.kernel_stack_bytes - (double)m0.kernel_stack_bytes) / kk,
                     "page_tables_bytes",
                     ((double)m1.page_tables_bytes - (double)m0.page_tables_bytes) / kk, "mappings",
                     (double)(maps1 - maps0) / kk, "create_alive_ns", create_ns);
}

/* ---- Processes, beside threads ---- */

/* fork, _exit in the child, waitpid: what a process per connection pays that a thread does not
 * (c10k-bench's own mappings are copied: a small process, as a server's main process is). */
static double fork_wait_ns(long n)
{
    double t = now_ns();
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0)
            return -errno;
        if (pid == 0)
            _exit(0);
        if (waitpid(pid, NULL, 0) != pid)
            return -ECHILD;
    }
    return (now_ns() - t) / (double)n;
}

/* Keeps k forked processes idle (each blocked reading a pipe whose write end only the parent
 * holds: closing it releases them all) and reads what they hold, alone (USS) and shared (PSS),
 * and the kernel's stacks and page tables they add. */
static json_t *idle_processes(int k)
{
    pid_t *pids = calloc((size_t)k, sizeof *pids);
    int fds[2];
    if (!pids || pipe2(fds, O_CLOEXEC) < 0) {
        free(pids);
        return json_null();
    }
    struct sample m0, m1;
    sample_machine(&m0);
    double t = now_ns();
    int made = 0;
    for (; made < k; made++) {
        pid_t pid = fork();
        if (pid < 0)
            break;
        if (pid == 0) {
            char c;
            close(fds[1]);
            while (read(fds[0], &c, 1) < 0 && errno == EINTR)
                ;
            _exit(0);
        }
        pids[made] = pid;
    }
    double create_ns = (now_ns() - t) / (made ? made : 1);
    proc_sleep_ms(100);
    sample_machine(&m1);
    double rss = 0, pss = 0, uss = 0;
    int read_ok = 1;
    for (int i = 0; i < made; i++) {
        struct procfs_smaps sm;
        if (procfs_smaps_rollup(pids[i], &sm) < 0) {
            read_ok = 0;
            continue;
        }
        rss += (double)sm.rss;
        pss += (double)sm.pss;
        uss += (double)sm.uss;
    }
    close(fds[1]);
    close(fds[0]);
    for (int i = 0; i < made; i++)
        waitpid(pids[i], NULL, 0);
    free(pids);
    if (made < k || !read_ok)
        return json_pack("{s:s, s:i}", "error",
                         made < k ? "could not fork the idle processes"
                                  : "could not read their smaps_rollup",
                         "created", made);
    double kk = (double)k;
    return json_pack("{s:i, s:f, s:f, s:f, s:f, s:f, s:f}", "processes", k, "rss_bytes", rss / kk,
                     "pss_bytes", pss / kk, "uss_bytes", uss / kk, "kernel_stack_bytes",
                     ((double)m1.kernel_stack_bytes - (double)m0.kernel_stack_bytes) / kk,
                     "page_tables_bytes",
                     ((double)m1.page_tables_bytes - (double)m0.page_tables_bytes) / kk,
                     "create_alive_ns", create_ns);
}

/* ---- Experiments in a child process ---- */

/* Runs fn(arg, result) in a forked child, which sends the `size` bytes of *result back through a
 * pipe and _exits: whatever the experiment changes (a limit, thousands of threads, the memory it
 * touches) stays in the child and goes with it. Waits up to timeout_ms. Returns 0 with *result
 * filled, -ETIMEDOUT, -EINTR when c10k-bench was interrupted, -ECHILD when the child died
 * without answering, or another negative errno. */
static int calib_in_child(void (*fn)(void *arg, void *result), void *arg, void *result, size_t size,
                          int timeout_ms)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -errno;
    pid_t parent = getpid();
    fflush(NULL);
    pid_t child = fork();
    if (child < 0) {
        int err = -errno;
        close(p[0]);
        close(p[1]);
        return err;
    }
    if (child == 0) {
        close(p[0]);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
        fn(arg, result);
        /* One write of a few bytes (< PIPE_BUF): the parent reads all of it or nothing. */
        ssize_t w = write(p[1], result, size);
        _exit(w == (ssize_t)size ? 0 : 1);
    }
    close(p[1]);
    int rc = 0;
    size_t got = 0;
    double deadline = proc_now() + timeout_ms / 1000.0;
    while (got < size) {
        if (proc_interrupted()) {
            rc = -EINTR;
            break;
        }
        double left_ms = (deadline - proc_now()) * 1000;
        if (left_ms <= 0) {
            rc = -ETIMEDOUT;
            break;
        }
        /* Short polls, so that a Ctrl-C is seen. */
        struct pollfd pfd = {.fd = p[0], .events = POLLIN};
        int n =
            poll(&pfd, 1, left_ms < CALIB_CHILD_POLL_MS ? (int)left_ms + 1 : CALIB_CHILD_POLL_MS);
        if (n < 0 && errno != EINTR) {
            rc = -errno;
            break;
        }
        if (n <= 0)
            continue;
        ssize_t r = read(p[0], (char *)result + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = r < 0 ? -errno : -ECHILD;
            break;
        }
        got += (size_t)r;
    }
    close(p[0]);
    if (rc < 0)
        kill(child, SIGKILL);
    int status;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR)
        ;
    return rc;
}

static const char *calib_error_text(int rc)
{
    switch (rc) {
    case -ETIMEDOUT:
        return "the experiment's child process did not answer in time";
    case -EINTR:
        return "interrupted";
    case -ECHILD:
        return "the experiment's child process died without answering";
    default:
        return strerror(-rc);
    }
}

static int calib_server_cpu(const struct bench_env *env)
{
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &env->server_cpus))
            return c;
    return 0;
}

/* ---- Where the stack reservation binds ---- */

struct as_job {
    size_t stack_bytes; /* 0: pthread's default (RLIMIT_STACK) */
    int cap;
};

struct as_result {
    int error;        /* setting up the child: 0 or a negative errno */
    int threads;      /* created and blocked */
    int create_error; /* pthread_create's errno that stopped it, 0: the cap did */
};

/* Blocks until the child's _exit: nothing ever writes to the pipe. */
static void *as_hold(void *arg)
{
    char c;
    while (read((int)(intptr_t)arg, &c, 1) < 0 && errno == EINTR)
        ;
    return NULL;
}

static void as_child(void *arg, void *out)
{
    const struct as_job *job = arg;
    struct as_result *res = out;
    memset(res, 0, sizeof *res);
    int hold[2];
    if (pipe2(hold, O_CLOEXEC) < 0) {
        res->error = -errno;
        return;
    }
    struct rlimit rl = {CALIB_AS_LIMIT_BYTES, CALIB_AS_LIMIT_BYTES};
    if (setrlimit(RLIMIT_AS, &rl) < 0) {
        res->error = -errno;
        return;
    }
    pthread_attr_t attr;
    int e = pthread_attr_init(&attr);
    if (e == 0 && job->stack_bytes)
        e = pthread_attr_setstacksize(&attr, job->stack_bytes);
    if (e != 0) {
        res->error = -e;
        return;
    }
    for (; res->threads < job->cap; res->threads++) {
        pthread_t tid;
        e = pthread_create(&tid, &attr, as_hold, (void *)(intptr_t)hold[0]);
        if (e != 0) {
            res->create_error = e;
            break;
        }
    }
    pthread_attr_destroy(&attr);
}

/* How many threads the experiment may create: cap, or half of the room the machine's limits
 * leave, so that the benchmarks sharing the machine keep theirs. */
static int as_room(const struct bench_env *env, int cap)
{
    struct bench_env e = *env;
    env_refresh(&e);
    long long tasks = e.tasks_now > 0 ? e.tasks_now : 0;
    long long left[5];
    int n = 0;
    if (e.threads_max > 0)
        left[n++] = e.threads_max - tasks;
    if (e.pid_max > 0)
        left[n++] = e.pid_max - tasks;
    if (e.max_map_count > 0)
        left[n++] = (e.max_map_count - count_maps()) / 2; /* a stack and its guard page */
    if (e.cg_pids_max >= 0)
        left[n++] = e.cg_pids_max - (e.cg_pids_current > 0 ? e.cg_pids_current : 0);
    if (e.nproc >= 0 && geteuid() != 0)
        left[n++] = e.nproc - tasks;
    long long room = cap;
    for (int i = 0; i < n; i++)
        if (left[i] / CALIB_AS_ROOM_SHARE < room)
            room = left[i] / CALIB_AS_ROOM_SHARE;
    return room > 0 ? (int)room : 0;
}

static json_t *errno_name_or_null(int e)
{
    if (e == 0)
        return json_null();
    const char *name = strerrorname_np(e);
    return name ? json_string(name) : json_sprintf("errno %d", e);
}

static void as_fail(json_t *cal, const char *why)
{
    json_object_set_new(cal, "address_space", json_null());
    json_object_set_new(cal, "address_space_error", json_string(why));
}

void calib_address_space(json_t *cal, const struct bench_env *env, int cap)
{
    uint64_t rss = 0, vsize = 0;
    self_status(&rss, &vsize);
    if (vsize >= CALIB_AS_LIMIT_BYTES) {
        char why[160];
        snprintf(why, sizeof why,
                 "this process already maps %llu MiB, more than the limit (a sanitizer's shadow "
                 "memory?)",
                 (unsigned long long)(vsize >> 20));
        as_fail(cal, why);
        return;
    }
    cap = as_room(env, cap);
    if (cap <= 0) {
        as_fail(cal, "the machine's thread limits leave no room");
        return;
    }
    struct as_job jobs[2] = {{.stack_bytes = 0, .cap = cap},
                             {.stack_bytes = CALIB_AS_SMALL_STACK, .cap = cap}};
    struct as_result res[2] = {{0}};
    for (int i = 0; i < 2; i++) {
        int rc = calib_in_child(as_child, &jobs[i], &res[i], sizeof res[i], CALIB_AS_TIMEOUT_MS);
        if (rc == 0)
            rc = res[i].error;
        if (rc < 0) {
            as_fail(cal, calib_error_text(rc));
            return;
        }
    }
    pthread_attr_t attr;
    size_t stack = 0;
    if (pthread_getattr_default_np(&attr) == 0) {
        pthread_attr_getstacksize(&attr, &stack);
        pthread_attr_destroy(&attr);
    }
    json_object_set_new(cal, "address_space",
                        json_pack("{s:I, s:I, s:i, s:o, s:I, s:i, s:o, s:i}", "limit_bytes",
                                  (json_int_t)CALIB_AS_LIMIT_BYTES, "default_stack_bytes",
                                  (json_int_t)stack, "threads_default_stack", res[0].threads,
                                  "default_stack_error", errno_name_or_null(res[0].create_error),
                                  "small_stack_bytes", (json_int_t)CALIB_AS_SMALL_STACK,
                                  "threads_small_stack", res[1].threads, "small_stack_error",
                                  errno_name_or_null(res[1].create_error), "cap", cap));
}

/* ---- A ring of tasks passing one byte (jimblandy/context-switch's "brigade") ---- */

/* Task i reads pipe i and writes pipe i+1 (mod tasks); task 0 also counts the laps. */
struct ring {
    int tasks;
    long laps_target;
    double budget_ns;
    int (*fds)[2]; /* owned by the child's main thread; -1 once closed */
    /* Written by task 0 alone, read once it has stopped. */
    long passes;
    double t0;
    long laps;
    double elapsed_ns;
    uint64_t rss0, vsize0, rss1, vsize1;
    int error;
};

/* Task 0's count, each time the byte reaches it. The warm-up laps run every task once (stacks
 * touched, the loop's watchers in epoll) before the memory is read; the ring stands still while
 * it is, every other task waiting for the byte. Returns 1 to stop. */
static int ring_lap(struct ring *r)
{
    long done = r->passes++; /* the first pass is the byte put in */
    if (done < CALIB_RING_WARMUP_LAPS)
        return 0;
    if (done == CALIB_RING_WARMUP_LAPS) {
        int rc = self_status(&r->rss1, &r->vsize1);
        if (rc < 0) {
            r->error = rc;
            return 1;
        }
        r->t0 = now_ns();
        return 0;
    }
    r->laps = done - CALIB_RING_WARMUP_LAPS;
    r->elapsed_ns = now_ns() - r->t0;
    return r->laps >= r->laps_target || r->elapsed_ns >= r->budget_ns || proc_interrupted();
}

struct ring_task {
    struct ring *ring;
    int lead;
    int in, out; /* copied here so that the thread never reads ring->fds, which main closes */
    pthread_t tid;
};

static void *ring_thread(void *arg)
{
    struct ring_task *t = arg;
    while (xread(t->in) == 0) {
        if (t->lead && ring_lap(t->ring))
            break; /* the byte stops here */
        if (xwrite(t->out) < 0)
            break;
    }
    return NULL;
}

static void ring_close_writes(struct ring *r)
{
    for (int i = 0; i < r->tasks; i++) {
        if (r->fds[i][1] >= 0)
            close(r->fds[i][1]);
        r->fds[i][1] = -1;
    }
}

static int ring_run_threads(struct ring *r)
{
    int rc = self_status(&r->rss0, &r->vsize0);
    if (rc < 0)
        return rc;
    struct ring_task *t = calloc((size_t)r->tasks, sizeof *t);
    if (!t)
        return -ENOMEM;
    int made = 0;
    for (; made < r->tasks; made++) {
        t[made] = (struct ring_task){.ring = r,
                                     .lead = made == 0,
                                     .in = r->fds[made][0],
                                     .out = r->fds[(made + 1) % r->tasks][1]};
        int e = pthread_create(&t[made].tid, NULL, ring_thread, &t[made]);
        if (e != 0) {
            rc = -e;
            break;
        }
    }
    int joined = 0;
    if (rc == 0) {
        if (xwrite(r->fds[0][1]) < 0) {
            rc = -EPIPE;
        } else {
            pthread_join(t[0].tid, NULL);
            joined = 1;
        }
    }
    /* Every task left waits for the byte: the end of every pipe ends them. */
    ring_close_writes(r);
    for (int i = joined; i < made; i++)
        pthread_join(t[i].tid, NULL);
    free(t);
    return rc ? rc : r->error;
}

struct ring_handle {
    uv_poll_t poll; /* first: the callback's handle is the ring_handle */
    struct ring *ring;
    int lead;
    int in, out;
};

static void ring_fail(struct ring_handle *h, int error)
{
    h->ring->error = error;
    uv_stop(h->poll.loop);
}

static void ring_on_readable(uv_poll_t *poll, int status, int events)
{
    struct ring_handle *h = (struct ring_handle *)poll;
    (void)events;
    if (status < 0) {
        ring_fail(h, status);
        return;
    }
    char c;
    ssize_t n = read(h->in, &c, 1);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n != 1) {
        ring_fail(h, n < 0 ? -errno : -EPIPE);
        return;
    }
    if (h->lead && ring_lap(h->ring)) {
        uv_stop(poll->loop);
        return;
    }
    /* One byte into an empty pipe: never EAGAIN. */
    if (write(h->out, &c, 1) != 1)
        ring_fail(h, -errno);
}

static int ring_run_loop(struct ring *r)
{
    uv_loop_t loop;
    int rc = uv_loop_init(&loop);
    if (rc < 0)
        return rc;
    struct ring_handle *h = NULL;
    int inited = 0;
    rc = self_status(&r->rss0, &r->vsize0);
    if (rc < 0)
        goto out;
    h = calloc((size_t)r->tasks, sizeof *h);
    if (!h) {
        rc = -ENOMEM;
        goto out;
    }
    for (; inited < r->tasks; inited++) {
        h[inited].ring = r;
        h[inited].lead = inited == 0;
        h[inited].in = r->fds[inited][0];
        h[inited].out = r->fds[(inited + 1) % r->tasks][1];
        rc = uv_poll_init(&loop, &h[inited].poll, h[inited].in);
        if (rc < 0)
            break;
        rc = uv_poll_start(&h[inited].poll, UV_READABLE, ring_on_readable);
        if (rc < 0) {
            inited++;
            break;
        }
    }
    if (rc == 0) {
        if (xwrite(r->fds[0][1]) < 0)
            rc = -EPIPE;
        else
            uv_run(&loop, UV_RUN_DEFAULT); /* until ring_lap or an error stops it */
    }
    for (int i = 0; i < inited; i++)
        uv_close((uv_handle_t *)&h[i].poll, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
out:
    free(h);
    uv_loop_close(&loop);
    return rc ? rc : r->error;
}

struct ring_job {
    int tasks;
    long laps;
    double budget_s;
    int loop; /* libuv handles in one thread, not one thread per task */
    cpu_set_t cpus;
};

struct ring_result {
    int error;
    long laps;
    double ms_per_lap, rss_per_task, vsize_per_task;
};

static void ring_child(void *arg, void *out)
{
    const struct ring_job *job = arg;
    struct ring_result *res = out;
    memset(res, 0, sizeof *res);
    struct ring r = {
        .tasks = job->tasks, .laps_target = job->laps, .budget_ns = job->budget_s * 1e9};
    int opened = 0, rc = 0;
    if (sched_setaffinity(0, sizeof job->cpus, &job->cpus) < 0) {
        rc = -errno;
        goto out;
    }
    r.fds = malloc((size_t)r.tasks * sizeof *r.fds);
    if (!r.fds) {
        rc = -ENOMEM;
        goto out;
    }
    for (; opened < r.tasks; opened++) {
        if (pipe2(r.fds[opened], O_CLOEXEC | (job->loop ? O_NONBLOCK : 0)) < 0) {
            rc = -errno;
            goto out;
        }
    }
    rc = job->loop ? ring_run_loop(&r) : ring_run_threads(&r);
    if (rc == 0 && r.laps <= 0)
        rc = -EIO;
    if (rc == 0) {
        res->laps = r.laps;
        res->ms_per_lap = r.elapsed_ns / 1e6 / (double)r.laps;
        res->rss_per_task = ((double)r.rss1 - (double)r.rss0) / r.tasks;
        res->vsize_per_task = ((double)r.vsize1 - (double)r.vsize0) / r.tasks;
    }
out:
    for (int i = 0; i < opened; i++)
        for (int k = 0; k < 2; k++)
            if (r.fds[i][k] >= 0)
                close(r.fds[i][k]);
    free(r.fds);
    res->error = rc;
}

/* jimblandy/context-switch's README: 500 tasks, 10,000 iterations, mean per iteration. */
static json_t *ring_published(void)
{
    return json_pack("{s:s, s:s, s:f, s:f, s:f, s:i, s:i}", "source", CALIB_PUBLISHED_SOURCE,
                     "machine", CALIB_PUBLISHED_MACHINE, "threads_ms_per_lap",
                     CALIB_PUBLISHED_THREADS_MS, "threads_pinned_ms_per_lap",
                     CALIB_PUBLISHED_PINNED_MS, "async_ms_per_lap", CALIB_PUBLISHED_ASYNC_MS,
                     "thread_bytes", CALIB_PUBLISHED_THREAD_BYTES, "async_task_bytes",
                     CALIB_PUBLISHED_ASYNC_BYTES);
}

void calib_ring(json_t *cal, const struct bench_env *env, int tasks, long laps, double budget_s)
{
    static const struct {
        const char *name;
        int pinned, loop;
    } variants[] = {{"threads", 0, 0}, {"threads_pinned", 1, 0}, {"loop", 1, 1}};
    json_t *ring = json_pack("{s:i, s:I, s:f}", "tasks", tasks, "laps_target", (json_int_t)laps,
                             "time_budget_s", budget_s);
    if (!ring)
        return;
    int cpu = calib_server_cpu(env);
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
        struct ring_job job = {
            .tasks = tasks, .laps = laps, .budget_s = budget_s, .loop = variants[v].loop};
        if (variants[v].pinned) {
            CPU_ZERO(&job.cpus);
            CPU_SET(cpu, &job.cpus);
        } else {
            job.cpus = env->allowed;
        }
        char cpus[64];
        env_format_cpus(&job.cpus, cpus, sizeof cpus);
        struct ring_result res = {0};
        int timeout_ms = (int)((budget_s + CALIB_RING_SETUP_S) * 1000);
        int rc = calib_in_child(ring_child, &job, &res, sizeof res, timeout_ms);
        if (rc == 0)
            rc = res.error;
        if (rc < 0) {
            char key[64];
            snprintf(key, sizeof key, "%s_error", variants[v].name);
            json_object_set_new(ring, variants[v].name, json_null());
            json_object_set_new(ring, key, json_string(calib_error_text(rc)));
            continue;
        }
        json_object_set_new(ring, variants[v].name,
                            json_pack("{s:I, s:f, s:f, s:f, s:s}", "laps", (json_int_t)res.laps,
                                      "ms_per_lap", res.ms_per_lap, "rss_per_task_bytes",
                                      res.rss_per_task, "vsize_per_task_bytes", res.vsize_per_task,
                                      "cpus", cpus));
    }
    json_object_set_new(ring, "published", ring_published());
    json_object_set_new(cal, "ring", ring);
}

static json_t *real_or_null(double v)
{
    return v > 0 ? json_real(v) : json_null();
}

json_t *calib_run(const struct bench_env *env, int quick)
{
    int cpu = calib_server_cpu(env);
    long rounds = quick ? CALIB_ROUNDS_QUICK : CALIB_ROUNDS;
    int batches = quick ? CALIB_BATCHES_QUICK : CALIB_BATCHES;
    double sw_threads = 0, sw_procs = 0;
    double rt_threads = ping_pong(cpu, 0, rounds, batches, &sw_threads);
    double rt_procs = proc_interrupted() ? -EINTR : ping_pong(cpu, 1, rounds, batches, &sw_procs);
    double syscalls = pipe_syscalls(cpu, rounds);
    /* A round trip is two switches and two write+read pairs. */
    double thr = rt_threads > 0 ? rt_threads / 2 : -1;
    double prc = rt_procs > 0 ? rt_procs / 2 : -1;
    double thr_net = thr > 0 && syscalls > 0 ? thr - syscalls : -1;
    double prc_net = prc > 0 && syscalls > 0 ? prc - syscalls : -1;
    double cost = thr_net > 0 ? thr_net : thr;
    json_t *cs = json_pack(
        "{s:i, s:I, s:i, s:o, s:o, s:o, s:o, s:o, s:f, s:o}", "cpu", cpu, "round_trips",
        (json_int_t)rounds, "batches", batches, "thread_pair_ns", real_or_null(thr),
        "process_pair_ns", real_or_null(prc), "pipe_syscalls_ns", real_or_null(syscalls),
        "thread_pair_net_ns", real_or_null(thr_net), "process_pair_net_ns", real_or_null(prc_net),
        "switches_per_round_trip", sw_threads, "switch_cost_ns", real_or_null(cost));

    json_t *tc = json_null();
    json_t *idle = json_null();
    if (!proc_interrupted()) {
        long n = quick ? CALIB_CREATE_QUICK : CALIB_CREATE;
        double cj = create_join_ns(n);
        idle = idle_threads(quick ? CALIB_IDLE_QUICK : CALIB_IDLE);
        tc = json_pack("{s:I, s:o, s:O}", "iterations", (json_int_t)n, "create_join_ns",
                       real_or_null(cj), "create_alive_ns",
                       json_object_get(idle, "create_alive_ns")
                           ? json_object_get(idle, "create_alive_ns")
                           : json_null());
    }
    json_t *cal = json_pack("{s:o, s:o, s:o}", "context_switch", cs, "thread_create", tc,
                            "idle_thread", idle);
    if (!cal)
        return NULL;
    if (!proc_interrupted()) {
        long n = quick ? CALIB_FORK_QUICK : CALIB_FORK;
        double fw = fork_wait_ns(n);
        json_object_set_new(
            cal, "process_create",
            json_pack("{s:I, s:o}", "iterations", (json_int_t)n, "fork_wait_ns", real_or_null(fw)));
        json_object_set_new(
            cal, "idle_process",
            idle_processes(quick ? CALIB_IDLE_PROCESSES_QUICK : CALIB_IDLE_PROCESSES));
    }
    calib_address_space(cal, env, CALIB_AS_CAP);
    calib_ring(cal, env, CALIB_RING_TASKS, quick ? CALIB_RING_LAPS_QUICK : CALIB_RING_LAPS,
               quick ? CALIB_RING_BUDGET_S_QUICK : CALIB_RING_BUDGET_S);
    return cal;
}

double calib_switch_cost_ns(const json_t *calibration)
{
    json_t *cs = json_object_get(calibration, "context_switch");
    json_t *v = json_object_get(cs, "switch_cost_ns");
    return json_is_number(v) ? json_number_value(v) : 0;
}

/* ---- The Python interpreter's costs ---- */

extern const char python_calibrate_py[];

#define CALIB_PYTHON_TIMEOUT_MS 180000
#define CALIB_PYTHON_OUTPUT 65536

/* The median of root.a.b (calibrate.py's {"median_us", "runs"}), or null. */
static json_t *median_at(const json_t *root, const char *a, const char *b, const char *c)
{
    const json_t *v = json_object_get(json_object_get(root, a), b);
    if (c)
        v = json_object_get(v, c);
    v = json_object_get(v, "median_us");
    return json_is_number(v) ? json_real(json_number_value(v)) : json_null();
}

/* A new reference to v, or null. */
static json_t *copy_or_null(json_t *v)
{
    return v ? json_incref(v) : json_null();
}

json_t *calib_python_parse(const char *text, char *err, size_t err_len)
{
    json_error_t je;
    /* Its stdout, perhaps followed by what it wrote on stderr. */
    json_t *root = json_loads(text, JSON_DISABLE_EOF_CHECK, &je);
    if (!json_is_object(root)) {
        snprintf(err, err_len, "calibrate.py did not print JSON: %.120s", je.text);
        json_decref(root);
        return NULL;
    }
    const json_t *py = json_object_get(root, "python");
    const json_t *pub = json_object_get(root, "published");
    json_t *out = json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "version",
        copy_or_null(json_object_get(py, "version")), "workers",
        copy_or_null(json_object_get(root, "pool_workers")), "thread_start_us",
        median_at(root, "start_us", "thread", NULL), "fork_start_us",
        median_at(root, "start_us", "process_fork", NULL), "spawn_start_us",
        median_at(root, "start_us", "process_spawn", NULL), "thread_pool_start_us",
        median_at(root, "pool_start_us", "ThreadPoolExecutor", NULL), "process_pool_start_us",
        median_at(root, "pool_start_us", "ProcessPoolExecutor", NULL), "thread_pool_task_1kib_us",
        median_at(root, "round_trip_us", "1KiB", "ThreadPoolExecutor"), "process_pool_task_1kib_us",
        median_at(root, "round_trip_us", "1KiB", "ProcessPoolExecutor"), "thread_pool_task_1mib_us",
        median_at(root, "round_trip_us", "1MiB", "ThreadPoolExecutor"), "process_pool_task_1mib_us",
        median_at(root, "round_trip_us", "1MiB", "ProcessPoolExecutor"),
        "published_thread_start_us", copy_or_null(json_object_get(pub, "thread_start_us")),
        "published_process_start_us", copy_or_null(json_object_get(pub, "process_start_us")));
    json_decref(root);
    if (!out || !json_is_number(json_object_get(out, "process_pool_task_1kib_us"))) {
        snprintf(err, err_len, "calibrate.py's JSON lacks the process pool's round trip");
        json_decref(out);
        return NULL;
    }
    return out;
}

static void python_fail(json_t *cal, const char *why)
{
    json_object_set_new(cal, "python", json_null());
    json_object_set_new(cal, "python_error", json_string(why));
}

void calib_python(json_t *cal, const char *python, const char *dir, double seconds, int workers)
{
    char script[600], err[256];
    snprintf(script, sizeof script, "%s/calibrate.py", dir);
    FILE *f = fopen(script, "we");
    if (!f || fputs(python_calibrate_py, f) < 0 || fclose(f) != 0) {
        snprintf(err, sizeof err, "cannot write %.200s: %s", script, strerror(errno));
        python_fail(cal, err);
        return;
    }
    char secs[32], nworkers[16];
    snprintf(secs, sizeof secs, "%g", seconds);
    snprintf(nworkers, sizeof nworkers, "%d", workers > 0 ? workers : 1);
    char *argv[] = {(char *)python, script, "--seconds", secs, "--workers", nworkers, NULL};
    char *out = malloc(CALIB_PYTHON_OUTPUT);
    if (!out) {
        python_fail(cal, "out of memory");
        return;
    }
    int rc = proc_capture(argv, out, CALIB_PYTHON_OUTPUT, CALIB_PYTHON_TIMEOUT_MS);
    json_t *py = rc < 0 ? NULL : calib_python_parse(out, err, sizeof err);
    if (rc < 0)
        snprintf(err, sizeof err, "%.100s %.120s: %s", python, script, strerror(-rc));
    free(out);
    if (!py) {
        python_fail(cal, err);
        return;
    }
    json_object_set_new(cal, "python", py);
}
