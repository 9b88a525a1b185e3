/* c10k-load: the command. Parses the options, resolves the target, checks the limits, renders the
 * requests, runs one worker thread per --threads, shows progress on a terminal, and reports. */
#include "load_limits.h"
#include "load_config.h"
#include "merge.h"
#include "report.h"
#include "request.h"
#include "series.h"
#include "worker.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define PROGRESS_INTERVAL_NS 1000000000LL
#define MAIN_POLL_NS 100000000L
#define RESOLVE_PROBE_TIMEOUT_MS 1000

static atomic_int *stop_flag;
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = 1;
    if (stop_flag)
        atomic_store(stop_flag, 1);
    signal(sig, SIG_DFL); /* a second one ends the process at once */
}

static void format_address(char *buf, size_t len, const struct sockaddr *sa)
{
    char host[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &sin->sin_addr, host, sizeof host);
        port = ntohs(sin->sin_port);
        snprintf(buf, len, "%s:%u", host, port);
    } else {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host);
        port = ntohs(sin6->sin6_port);
        snprintf(buf, len, "[%s]:%u", host, port);
    }
}

/* Whether a TCP connection to addr can be made within timeout_ms. */
static int can_connect(const struct addrinfo *ai, int timeout_ms)
{
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    int ok = 0;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
        ok = 1;
    } else if (errno == EINPROGRESS) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int err = 0;
        socklen_t len = sizeof err;
        if (poll(&p, 1, timeout_ms) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0)
            ok = err == 0;
    }
    close(fd);
    return ok;
}

/* Resolves the URL's host. When the name has several addresses (localhost as ::1 and
 * 127.0.0.1), the first that accepts a connection is used, as browsers and curl do; with --source
 * only addresses of the sources' family are candidates. Returns 0, or the exit status after
 * printing why not (1: cannot resolve; 2: --source cannot reach the target). */
static int resolve_target(const struct load_config *cfg, struct run_plan *plan)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC};
    struct addrinfo *res = NULL;
    int r = getaddrinfo(cfg->host, cfg->port, &hints, &res);
    if (r != 0 || res == NULL) {
        fprintf(stderr, "c10k-load: cannot resolve '%s': %s\n", cfg->host,
                r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
        return 1;
    }
    int family = cfg->n_sources > 0 ? cfg->sources[0].addr.ss_family : AF_UNSPEC;
    const struct addrinfo *chosen = NULL;
    int candidates = 0;
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next)
        if (family == AF_UNSPEC || ai->ai_family == family)
            candidates++;
    for (const struct addrinfo *ai = res; ai && !chosen; ai = ai->ai_next) {
        if (family != AF_UNSPEC && ai->ai_family != family)
            continue;
        if (candidates == 1 || can_connect(ai, RESOLVE_PROBE_TIMEOUT_MS))
            chosen = ai;
    }
    if (chosen == NULL && candidates > 0) {
        /* None answered: take the first, and let the run report why it cannot connect. */
        for (const struct addrinfo *ai = res; ai && !chosen; ai = ai->ai_next)
            if (family == AF_UNSPEC || ai->ai_family == family)
                chosen = ai;
    }
    if (chosen == NULL) {
        fprintf(stderr,
                "c10k-load: --source: the source addresses are %s but '%s' has no %s "
                "address\n",
                family == AF_INET ? "IPv4" : "IPv6", cfg->host,
                family == AF_INET ? "IPv4" : "IPv6");
        freeaddrinfo(res);
        return 2;
    }
    memcpy(&plan->target, chosen->ai_addr, chosen->ai_addrlen);
    plan->target_len = chosen->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static double realtime_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --start-at: sleeps until the Unix time `at` (on the wall clock, so that generators on several
 * machines with synchronised clocks start together). Returns 1 when `at` had already passed. */
static int wait_until(double at)
{
    if (realtime_s() >= at)
        return 1;
    struct timespec ts = {.tv_sec = (time_t)at};
    ts.tv_nsec = (long)((at - (double)ts.tv_sec) * 1e9);
    if (ts.tv_nsec >= 1000000000L)
        ts.tv_nsec = 999999999L;
    while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
    return 0;
}

static int64_t rusage_us(const struct timeval *tv)
{
    return (int64_t)tv->tv_sec * 1000000 + tv->tv_usec;
}

static void print_progress(struct run_plan *plan, int64_t now)
{
    struct series_point p;
    char p99[32] = "-";
    double rps = 0;
    uint64_t conns = 0, errors = 0;
    if (series_latest(plan->series, &p)) {
        rps = p.span_s > 0 ? (double)p.counts.requests / p.span_s : 0;
        report_format_us(p99, sizeof p99, p.p99_us);
        conns = p.counts.connections;
        errors = p.counts.errors;
    }
    double elapsed = (double)(now - plan->start_ns) / 1e9;
    const char *phase = now < plan->warm_end_ns ? " (warm-up)" : "";
    fprintf(stderr, "\r\033[K[%6.1fs%s] %10.0f req/s  p99 %8s  %llu connections  %llu errors/s",
            elapsed, phase, rps, p99, (unsigned long long)conns, (unsigned long long)errors);
    fflush(stderr);
}

/* Limits: fail now, with the limit's name, rather than fall short later. Reads them into
 * *limits and raises the open-file limit to its hard limit. Returns 0, or -1 (printed). */
static int check_limits(const struct load_config *cfg, struct limits *limits)
{
    char msg[512];
    if (limits_read(limits) < 0) {
        fprintf(stderr, "c10k-load: cannot read RLIMIT_NOFILE: %s\n", strerror(errno));
        return -1;
    }
    if (limits_check(limits, (uint64_t)cfg->connections + cfg->idle, cfg->threads,
                     cfg->n_sources, msg, sizeof msg) < 0) {
        fprintf(stderr, "c10k-load: %s\n", msg);
        return -1;
    }
    int r = limits_raise_nofile(limits);
    if (r < 0) {
        fprintf(stderr, "c10k-load: cannot raise the open-file limit to %llu: %s\n",
                (unsigned long long)limits->fd_hard, strerror(-r));
        return -1;
    }
    return 0;
}

/* Waits for the first `started` workers to end, showing progress on a terminal. */
static void join_workers(struct run_plan *plan, struct worker *workers, uint32_t started)
{
    int progress = isatty(STDERR_FILENO);
    int64_t next_progress = plan->start_ns + PROGRESS_INTERVAL_NS + PROGRESS_INTERVAL_NS / 10;
    for (uint32_t t = 0; t < started; t++) {
        for (;;) {
            struct timespec deadline;
            clock_gettime(CLOCK_REALTIME, &deadline);
            deadline.tv_nsec += MAIN_POLL_NS;
            if (deadline.tv_nsec >= 1000000000L) {
                deadline.tv_sec++;
                deadline.tv_nsec -= 1000000000L;
            }
            if (pthread_timedjoin_np(workers[t].thread, NULL, &deadline) == 0)
                break;
            int64_t now = worker_now_ns();
            if (progress && now >= next_progress) {
                print_progress(plan, now);
                next_progress += PROGRESS_INTERVAL_NS;
            }
        }
    }
    if (progress)
        fprintf(stderr, "\r\033[K");
}

/* The run's time and its measured window, from when the workers stopped: a run that stopped on
 * its own after --requests covers the time to its last response. */
static void set_window(struct load_result *result, const struct run_plan *plan,
                       const struct worker *workers, uint32_t n)
{
    int64_t stop_ns = plan->start_ns, last_done = 0;
    for (uint32_t t = 0; t < n; t++) {
        if (workers[t].stop_ns > stop_ns)
            stop_ns = workers[t].stop_ns;
        if (workers[t].last_done_ns > last_done)
            last_done = workers[t].last_done_ns;
    }
    if (!result->interrupted && plan->cfg->requests > 0 && stop_ns < plan->end_ns && last_done > 0)
        stop_ns = last_done;
    result->run_s = (double)(stop_ns - plan->start_ns) / 1e9;
    result->measured_s =
        stop_ns > plan->warm_end_ns ? (double)(stop_ns - plan->warm_end_ns) / 1e9 : 0;
    result->measure_start_unix =
        result->start_unix + (double)(plan->warm_end_ns - plan->start_ns) / 1e9;
    result->measure_end_unix = result->measure_start_unix + result->measured_s;
}

/* --json: the result to path ("-": standard output). Returns 0, or -1 (printed). */
static int write_json(const char *path, const struct load_result *result)
{
    int to_stdout = strcmp(path, "-") == 0;
    FILE *f = to_stdout ? stdout : fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "c10k-load: --json: cannot write '%s': %s\n", path, strerror(errno));
        return -1;
    }
    if (report_json(f, result) < 0 || (!to_stdout && fclose(f) != 0)) {
        fprintf(stderr, "c10k-load: --json: error writing '%s'\n", path);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct load_config cfg;
    struct request_mix mix = {0};
    struct series series;
    struct run_plan plan;
    struct worker *workers = NULL;
    struct load_result result;
    int series_ready = 0, result_ready = 0, lock_ready = 0;
    uint32_t started = 0, initialised = 0;
    int status = 1;

    /* A subcommand, before the options of a run. */
    if (argc > 1 && strcmp(argv[1], "merge") == 0)
        return merge_main(argc - 1, argv + 1, stdout, stderr);

    memset(&plan, 0, sizeof plan);
    memset(&result, 0, sizeof result);
    switch (load_config_parse(&cfg, argc, argv, stdout, stderr)) {
    case LOAD_CONFIG_EXIT:
        load_config_free(&cfg);
        return 0;
    case LOAD_CONFIG_USAGE:
        load_config_free(&cfg);
        return 2;
    case LOAD_CONFIG_RUN:
        break;
    }
    signal(SIGPIPE, SIG_IGN);

    for (size_t i = 1; i < cfg.n_sources; i++) {
        if (cfg.sources[i].addr.ss_family != cfg.sources[0].addr.ss_family) {
            fprintf(stderr, "c10k-load: --source: IPv4 and IPv6 addresses cannot be mixed\n");
            status = 2;
            goto out;
        }
    }
    plan.cfg = &cfg;
    status = resolve_target(&cfg, &plan);
    if (status != 0)
        goto out;
    status = 1;
    format_address(result.address, sizeof result.address, (struct sockaddr *)&plan.target);

    if (check_limits(&cfg, &result.limits) < 0)
        goto out;

    if (request_mix_build(&mix, &cfg) < 0 ||
        series_init(&series, (int)cfg.threads, cfg.warmup_s) < 0) {
        fprintf(stderr, "c10k-load: out of memory\n");
        goto out;
    }
    series_ready = 1;
    if (pthread_mutex_init(&plan.fatal_lock, NULL) != 0) {
        fprintf(stderr, "c10k-load: cannot create a mutex\n");
        goto out;
    }
    lock_ready = 1;
    plan.mix = &mix;
    plan.series = &series;
    atomic_init(&plan.stop, 0);
    atomic_init(&plan.busy_running,
                (int)(cfg.connections < cfg.threads ? cfg.connections : cfg.threads));

    workers = calloc(cfg.threads, sizeof *workers);
    if (workers == NULL) {
        fprintf(stderr, "c10k-load: out of memory\n");
        goto out;
    }
    int r;
    for (; initialised < cfg.threads; initialised++) {
        r = worker_init(&workers[initialised], (int)initialised, &plan);
        if (r < 0) {
            fprintf(stderr, "c10k-load: cannot set up thread %u: %s\n", initialised, strerror(-r));
            goto out;
        }
    }

    /* Everything is ready: wait for --start-at, with the signals' default action (nothing has
     * been measured yet that Ctrl-C should keep). */
    if (cfg.start_at > 0)
        result.late = wait_until(cfg.start_at);

    /* Signals go to the main thread only; the workers look at the stop flag. */
    stop_flag = &plan.stop;
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);

    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    plan.start_ns = worker_now_ns();
    result.start_unix = realtime_s();
    if (cfg.start_at > 0) {
        result.start_skew_ms = (result.start_unix - cfg.start_at) * 1e3;
        if (result.late)
            fprintf(stderr,
                    "c10k-load: started %.1fms late: --start-at %.3f had passed when the "
                    "client was ready\n",
                    result.start_skew_ms, cfg.start_at);
    }
    plan.warm_end_ns = plan.start_ns + (int64_t)(cfg.warmup_s * 1e9);
    plan.end_ns =
        cfg.duration_s > 0 ? plan.warm_end_ns + (int64_t)(cfg.duration_s * 1e9) : INT64_MAX;
    for (; started < cfg.threads; started++) {
        r = pthread_create(&workers[started].thread, NULL, worker_main, &workers[started]);
        if (r != 0) {
            fprintf(stderr, "c10k-load: cannot start thread %u: %s\n", started, strerror(r));
            atomic_store(&plan.stop, 1);
            break;
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    join_workers(&plan, workers, started);
    getrusage(RUSAGE_SELF, &ru1);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    stop_flag = NULL;
    if (started < cfg.threads)
        goto out;

    if (plan.fatal_errno != 0) {
        fprintf(stderr, "c10k-load: cannot connect to %s (%s): %s\n", cfg.url, result.address,
                strerror(plan.fatal_errno));
        goto out;
    }

    /* Merge and report. */
    series_finish(&series);
    /* The fields set before the run (the start on the wall clock) survive the initialisation. */
    if (report_result_init(&result) < 0) {
        fprintf(stderr, "c10k-load: out of memory\n");
        goto out;
    }
    result_ready = 1;
    result.cfg = &cfg;
    result.mix = &mix;
    result.series = &series;
    result.open_loop = cfg.rate > 0;
    result.interrupted = interrupted;
    for (uint32_t t = 0; t < cfg.threads; t++) {
        if (report_add_worker(&result, &workers[t]) < 0) {
            fprintf(stderr, "c10k-load: out of memory\n");
            goto out;
        }
    }
    set_window(&result, &plan, workers, cfg.threads);
    result.cpu_user_s = (double)(rusage_us(&ru1.ru_utime) - rusage_us(&ru0.ru_utime)) / 1e6;
    result.cpu_system_s = (double)(rusage_us(&ru1.ru_stime) - rusage_us(&ru0.ru_stime)) / 1e6;
    report_note_saturation(&result);

    status = 0;
    int json_to_stdout = cfg.json_path && strcmp(cfg.json_path, "-") == 0;
    report_print(json_to_stdout ? stderr : stdout, &result);
    fflush(stdout);
    if (cfg.json_path && write_json(cfg.json_path, &result) < 0)
        status = 1;

out:
    if (result_ready)
        report_result_free(&result);
    if (workers) {
        for (uint32_t t = 0; t < initialised; t++)
            worker_free(&workers[t]);
        free(workers);
    }
    if (lock_ready)
        pthread_mutex_destroy(&plan.fatal_lock);
    if (series_ready)
        series_free(&series);
    request_mix_free(&mix);
    load_config_free(&cfg);
    return status;
}
