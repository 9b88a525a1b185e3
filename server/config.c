#include "config.h"

#include "http.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: c10k-server [--mode MODE] [options]\n"
    "\n"
    "  --mode MODE              concurrency model: %s (default loop)\n"
    "  --host ADDR              address to listen on (default 127.0.0.1)\n"
    "  --port N                 port; 0 picks a free one (default 8080)\n"
    "  --threads N              pool: worker threads (default 2 x cores)\n"
    "  --hold T                 pool: how long a worker waits on its connection for more bytes\n"
    "                           before handing it back to epoll (default 0)\n"
    "  --stack-size BYTES       thread, pool: stack per thread, K/M suffixes (default: system's)\n"
    "  --loops N                loop: event loops, one thread and listener each (default 1)\n"
    "  --offload                loop, uring: run /work on a thread pool (libuv's, the ring's)\n"
    "  --rings N                uring: io_uring rings, one thread and listener each (default 1)\n"
    "  --processes N            prefork: worker processes (default: sized like Apache's\n"
    "                           MaxRequestWorkers, min(256, available memory / a worker's))\n"
    "  --dataset SIZE           a table of 1 KiB entries served at /data, K/M/G (default none)\n"
    "  --backlog N              listen backlog (default 4096)\n"
    "  --max-conns N            active connections; more get 503 (default: fd limit - 32)\n"
    "  --max-head-bytes BYTES   request line and headers; more get 431 (default 8K)\n"
    "  --max-target-bytes BYTES request target; longer gets 414 (default 4K)\n"
    "  --max-headers N          header fields; more get 431 (default 64)\n"
    "  --max-body-bytes BYTES   request body; more gets 413 (default 1M)\n"
    "  --output-limit BYTES     unsent output per connection before reading stops (default 64K)\n"
    "  --keepalive-requests N   requests per connection, 0 for no limit (default 1000)\n"
    "  --header-timeout T       to receive a request head (default 10s)\n"
    "  --body-timeout T         between body reads (default 30s)\n"
    "  --keepalive-timeout T    idle time between requests (default 75s)\n"
    "  --write-timeout T        to send pending output (default 30s)\n"
    "  --drain-timeout T        on SIGINT/SIGTERM, to finish requests in flight (default 10s)\n"
    "  --max-work-us N          largest /work?cpu_us (default 1000000)\n"
    "  --max-sleep-ms N         largest /sleep?ms (default 60000)\n"
    "  --chartjs PATH           Chart.js for /dashboard (default: Debian's libjs-chart.js)\n"
    "  --quiet                  no log lines on stderr\n"
    "  --help, --version\n"
    "\n"
    "Durations take ms, s or m suffixes (plain numbers are seconds).\n";

enum {
    OPT_MODE = 256,
    OPT_HOST,
    OPT_PORT,
    OPT_THREADS,
    OPT_HOLD,
    OPT_STACK_SIZE,
    OPT_LOOPS,
    OPT_OFFLOAD,
    OPT_RINGS,
    OPT_PROCESSES,
    OPT_DATASET,
    OPT_BACKLOG,
    OPT_MAX_CONNS,
    OPT_MAX_HEAD_BYTES,
    OPT_MAX_TARGET_BYTES,
    OPT_MAX_HEADERS,
    OPT_MAX_BODY_BYTES,
    OPT_OUTPUT_LIMIT,
    OPT_KEEPALIVE_REQUESTS,
    OPT_HEADER_TIMEOUT,
    OPT_BODY_TIMEOUT,
    OPT_KEEPALIVE_TIMEOUT,
    OPT_WRITE_TIMEOUT,
    OPT_DRAIN_TIMEOUT,
    OPT_MAX_WORK_US,
    OPT_MAX_SLEEP_MS,
    OPT_CHARTJS,
    OPT_QUIET,
    OPT_HELP,
    OPT_VERSION,
};

static const struct option long_options[] = {
    {"mode", required_argument, NULL, OPT_MODE},
    {"host", required_argument, NULL, OPT_HOST},
    {"port", required_argument, NULL, OPT_PORT},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"hold", required_argument, NULL, OPT_HOLD},
    {"stack-size", required_argument, NULL, OPT_STACK_SIZE},
    {"loops", required_argument, NULL, OPT_LOOPS},
    {"offload", no_argument, NULL, OPT_OFFLOAD},
    {"rings", required_argument, NULL, OPT_RINGS},
    {"processes", required_argument, NULL, OPT_PROCESSES},
    {"dataset", required_argument, NULL, OPT_DATASET},
    {"backlog", required_argument, NULL, OPT_BACKLOG},
    {"max-conns", required_argument, NULL, OPT_MAX_CONNS},
    {"max-head-bytes", required_argument, NULL, OPT_MAX_HEAD_BYTES},
    {"max-target-bytes", required_argument, NULL, OPT_MAX_TARGET_BYTES},
    {"max-headers", required_argument, NULL, OPT_MAX_HEADERS},
    {"max-body-bytes", required_argument, NULL, OPT_MAX_BODY_BYTES},
    {"output-limit", required_argument, NULL, OPT_OUTPUT_LIMIT},
    {"keepalive-requests", required_argument, NULL, OPT_KEEPALIVE_REQUESTS},
    {"header-timeout", required_argument, NULL, OPT_HEADER_TIMEOUT},
    {"body-timeout", required_argument, NULL, OPT_BODY_TIMEOUT},
    {"keepalive-timeout", required_argument, NULL, OPT_KEEPALIVE_TIMEOUT},
    {"write-timeout", required_argument, NULL, OPT_WRITE_TIMEOUT},
    {"drain-timeout", required_argument, NULL, OPT_DRAIN_TIMEOUT},
    {"max-work-us", required_argument, NULL, OPT_MAX_WORK_US},
    {"max-sleep-ms", required_argument, NULL, OPT_MAX_SLEEP_MS},
    {"chartjs", required_argument, NULL, OPT_CHARTJS},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static int bad_value(const char *option, const char *value, const char *why)
{
    fprintf(stderr, "c10k-server: --%s: invalid value '%s': %s\n", option, value, why);
    return -1;
}

/* Parses a decimal integer with an optional multiplier suffix from the given table. */
static int parse_scaled(const char *option, const char *s, const char *const *suffixes,
                        const long long *scales, long long min, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || errno == ERANGE || *s == '-' || *s == '+' || *s == ' ')
        return bad_value(option, s, "not a non-negative number");
    long long scale = scales[0];
    if (*end != '\0') {
        int found = 0;
        for (int i = 1; suffixes[i] != NULL; i++) {
            if (strcmp(end, suffixes[i]) == 0) {
                scale = scales[i];
                found = 1;
                break;
            }
        }
        if (!found)
            return bad_value(option, s, "unknown suffix");
    }
    if (v > LLONG_MAX / scale)
        return bad_value(option, s, "too large");
    v *= scale;
    if (v < min || v > max) {
        char why[96];
        snprintf(why, sizeof why, "must be between %lld and %lld", min, max);
        return bad_value(option, s, why);
    }
    *out = v;
    return 0;
}

static int parse_count(const char *option, const char *s, long long min, long long max,
                       long long *out)
{
    static const char *const suffixes[] = {"", NULL};
    static const long long scales[] = {1};
    return parse_scaled(option, s, suffixes, scales, min, max, out);
}

static int parse_bytes(const char *option, const char *s, long long min, long long max,
                       long long *out)
{
    static const char *const suffixes[] = {"", "K", "k", "M", "m", "G", "g", NULL};
    static const long long scales[] = {1, 1024, 1024, 1024 * 1024, 1024 * 1024, 1LL << 30,
                                       1LL << 30};
    return parse_scaled(option, s, suffixes, scales, min, max, out);
}

/* Milliseconds; plain numbers are seconds. */
static int parse_duration(const char *option, const char *s, long long min_ms, int *out_ms)
{
    static const char *const suffixes[] = {"", "ms", "s", "m", NULL};
    static const long long scales[] = {1000, 1, 1000, 60000};
    long long v;
    if (parse_scaled(option, s, suffixes, scales, min_ms, 24LL * 3600 * 1000, &v) < 0)
        return -1;
    *out_ms = (int)v;
    return 0;
}

static long default_max_conns(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
        return 1 << 20;
    long n = (long)rl.rlim_cur - CONFIG_FDS_RESERVED;
    return n > 1 ? n : 1;
}

static void config_defaults(struct config *cfg)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    *cfg = (struct config){
        .mode = "loop",
        .host = "127.0.0.1",
        .port = CONFIG_DEFAULT_PORT,
        .threads = (int)(cores > 0 ? 2 * cores : 4),
        .loops = 1,
        .rings = 1,
        .backlog = CONFIG_DEFAULT_BACKLOG,
        .max_conns = default_max_conns(),
        .max_head_bytes = HTTP_DEFAULT_MAX_HEAD_BYTES,
        .max_target_bytes = HTTP_DEFAULT_MAX_TARGET_BYTES,
        .max_headers = HTTP_DEFAULT_MAX_HEADERS,
        .max_body_bytes = CONFIG_DEFAULT_MAX_BODY_BYTES,
        .output_limit = CONFIG_DEFAULT_OUTPUT_LIMIT,
        .keepalive_requests = CONFIG_DEFAULT_KEEPALIVE_REQUESTS,
        .header_timeout_ms = CONFIG_DEFAULT_HEADER_TIMEOUT_MS,
        .body_timeout_ms = CONFIG_DEFAULT_BODY_TIMEOUT_MS,
        .keepalive_timeout_ms = CONFIG_DEFAULT_KEEPALIVE_TIMEOUT_MS,
        .write_timeout_ms = CONFIG_DEFAULT_WRITE_TIMEOUT_MS,
        .drain_timeout_ms = CONFIG_DEFAULT_DRAIN_TIMEOUT_MS,
        .max_work_us = CONFIG_DEFAULT_MAX_WORK_US,
        .max_sleep_ms = CONFIG_DEFAULT_MAX_SLEEP_MS,
        .chartjs = CONFIG_DEFAULT_CHARTJS,
    };
}

int config_parse(struct config *cfg, int argc, char **argv, const char *mode_names)
{
    config_defaults(cfg);
    opterr = 0;
    optind = 1;
    int c;
    long long v;
    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        const char *name = c >= OPT_MODE && c <= OPT_VERSION ? long_options[c - OPT_MODE].name : "";
        int rc = 0;
        switch (c) {
        case OPT_MODE:
            if (*optarg == '\0')
                return bad_value(name, optarg, "empty");
            cfg->mode = optarg; /* the caller looks it up in its model table */
            break;
        case OPT_HOST:
            if (*optarg == '\0')
                return bad_value(name, optarg, "empty");
            cfg->host = optarg;
            break;
        case OPT_PORT:
            if ((rc = parse_count(name, optarg, 0, 65535, &v)) == 0)
                cfg->port = (int)v;
            break;
        case OPT_THREADS:
            if ((rc = parse_count(name, optarg, 1, 10000, &v)) == 0)
                cfg->threads = (int)v;
            break;
        case OPT_HOLD:
            rc = parse_duration(name, optarg, 0, &cfg->hold_ms);
            break;
        case OPT_STACK_SIZE:
            if ((rc = parse_bytes(name, optarg, 16 * 1024, 1LL << 32, &v)) == 0)
                cfg->stack_size = (size_t)v;
            break;
        case OPT_LOOPS:
            if ((rc = parse_count(name, optarg, 1, 256, &v)) == 0)
                cfg->loops = (int)v;
            break;
        case OPT_RINGS:
            if ((rc = parse_count(name, optarg, 1, 256, &v)) == 0)
                cfg->rings = (int)v;
            break;
        case OPT_PROCESSES:
            if ((rc = parse_count(name, optarg, 1, CONFIG_MAX_PROCESSES, &v)) == 0)
                cfg->processes = (int)v;
            break;
        case OPT_DATASET:
            if ((rc = parse_bytes(name, optarg, 1024, CONFIG_MAX_DATASET_BYTES, &v)) == 0)
                cfg->dataset_bytes = (size_t)v;
            break;
        case OPT_OFFLOAD:
            cfg->offload = 1;
            break;
        case OPT_BACKLOG:
            if ((rc = parse_count(name, optarg, 1, 1 << 20, &v)) == 0)
                cfg->backlog = (int)v;
            break;
        case OPT_MAX_CONNS:
            if ((rc = parse_count(name, optarg, 1, 1 << 24, &v)) == 0)
                cfg->max_conns = (long)v;
            break;
        case OPT_MAX_HEAD_BYTES:
            if ((rc = parse_bytes(name, optarg, 256, 1 << 20, &v)) == 0)
                cfg->max_head_bytes = (size_t)v;
            break;
        case OPT_MAX_TARGET_BYTES:
            if ((rc = parse_bytes(name, optarg, 16, 1 << 20, &v)) == 0)
                cfg->max_target_bytes = (size_t)v;
            break;
        case OPT_MAX_HEADERS:
            if ((rc = parse_count(name, optarg, 1, 10000, &v)) == 0)
                cfg->max_headers = (unsigned)v;
            break;
        case OPT_MAX_BODY_BYTES:
            if ((rc = parse_bytes(name, optarg, 0, 1LL << 30, &v)) == 0)
                cfg->max_body_bytes = (size_t)v;
            break;
        case OPT_OUTPUT_LIMIT:
            if ((rc = parse_bytes(name, optarg, 1024, 1LL << 30, &v)) == 0)
                cfg->output_limit = (size_t)v;
            break;
        case OPT_KEEPALIVE_REQUESTS:
            if ((rc = parse_count(name, optarg, 0, LONG_MAX, &v)) == 0)
                cfg->keepalive_requests = (long)v;
            break;
        case OPT_HEADER_TIMEOUT:
            rc = parse_duration(name, optarg, 1, &cfg->header_timeout_ms);
            break;
        case OPT_BODY_TIMEOUT:
            rc = parse_duration(name, optarg, 1, &cfg->body_timeout_ms);
            break;
        case OPT_KEEPALIVE_TIMEOUT:
            rc = parse_duration(name, optarg, 1, &cfg->keepalive_timeout_ms);
            break;
        case OPT_WRITE_TIMEOUT:
            rc = parse_duration(name, optarg, 1, &cfg->write_timeout_ms);
            break;
        case OPT_DRAIN_TIMEOUT:
            rc = parse_duration(name, optarg, 1, &cfg->drain_timeout_ms);
            break;
        case OPT_MAX_WORK_US:
            if ((rc = parse_count(name, optarg, 0, 60LL * 1000 * 1000, &v)) == 0)
                cfg->max_work_us = (long)v;
            break;
        case OPT_MAX_SLEEP_MS:
            if ((rc = parse_count(name, optarg, 0, 3600LL * 1000, &v)) == 0)
                cfg->max_sleep_ms = (long)v;
            break;
        case OPT_CHARTJS:
            cfg->chartjs = optarg;
            break;
        case OPT_QUIET:
            cfg->quiet = 1;
            break;
        case OPT_HELP:
            printf(usage_text, mode_names);
            return 1;
        case OPT_VERSION:
            printf("c10k-server %s\n", C10K_VERSION);
            return 1;
        default:
            if (optopt >= OPT_MODE && optopt <= OPT_VERSION)
                fprintf(stderr, "c10k-server: --%s needs a value\n",
                        long_options[optopt - OPT_MODE].name);
            else
                fprintf(stderr, "c10k-server: unknown option '%s' (see --help)\n",
                        argv[optind - 1]);
            return -1;
        }
        if (rc < 0)
            return -1;
    }
    if (optind < argc) {
        fprintf(stderr, "c10k-server: unexpected argument '%s' (see --help)\n", argv[optind]);
        return -1;
    }
    if (cfg->max_target_bytes > cfg->max_head_bytes)
        cfg->max_target_bytes = cfg->max_head_bytes;
    return 0;
}
