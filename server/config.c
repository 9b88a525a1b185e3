#include "config.h"

#include "http.h"
#include "opts.h"

#include <errno.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#define CONFIG_MAX_DURATION_MS (24LL * 3600 * 1000)

#define CFG(member) OPT_FIELD(struct config, member)
#define DURATION(member, least)                                                                    \
    .kind = OPT_INT, .arg = "T", CFG(member), .units = &units_ms, .min = (least),                  \
    .max = CONFIG_MAX_DURATION_MS
#define SIZE(member, least, most)                                                                  \
    .kind = OPT_INT, .arg = "BYTES", CFG(member), .units = &units_bytes, .min = (least),           \
    .max = (most)
#define COUNT(member, least, most)                                                                 \
    .kind = OPT_INT, .arg = "N", CFG(member), .min = (least), .max = (most)

static const char *const *mode_names(void *user)
{
    return user;
}

/* The provided buffer ring's size is a mask: the kernel takes only powers of two. */
static int power_of_two(struct opts_parser *p, const struct opt *o, const char *value)
{
    (void)o;
    (void)value;
    int n = ((const struct config *)p->dst)->ring_buffers;
    return n > 0 && (n & (n - 1)) == 0 ? 0 : -EINVAL;
}

/* Every option of c10k-server, once: --help, the errors and README.md's table come from here. */
static const struct opt config_options[] = {
    {"mode", .kind = OPT_CHOICE, .arg = "MODE", CFG(mode), .choices_of = mode_names, .sdef = "loop",
     .help = "concurrency model"},
    {"host", .kind = OPT_STRING, .arg = "ADDR", CFG(host), .nonempty = 1, .sdef = "127.0.0.1",
     .help = "address to listen on"},
    {"port", COUNT(port, 0, 65535), .def = CONFIG_DEFAULT_PORT, .help = "port; 0 picks a free one"},
    {"threads", COUNT(threads, 1, 10000), .def_text = "2 x cores", .scope = "pool",
     .help = "worker threads"},
    {"hold", DURATION(hold_ms, 0), .scope = "pool",
     .help = "how long a worker waits on its connection for more bytes before handing it back to "
             "epoll",
     .doc = "how long a worker waits on its connection for more bytes before handing it back to "
            "epoll; the keep-alive timeout makes it the classic pool"},
    {"stack-size", SIZE(stack_size, 16 * 1024, 1LL << 32), .def_text = "the system's",
     .scope = "thread, pool", .help = "stack per thread",
     .doc = "stack per thread (8 MiB here by default: reserved, not resident)"},
    {"loops", COUNT(loops, 1, 256), .def = 1, .scope = "loop",
     .help = "event loops, one thread and listener each",
     .doc = "event loops, each with its own thread and SO_REUSEPORT listener"},
    {"offload", .kind = OPT_FLAG, CFG(offload), .scope = "loop, uring",
     .help = "run /work on a thread pool (libuv's, the ring's)",
     .doc = "run `/work` on a thread pool: libuv's in loop (`UV_THREADPOOL_SIZE`, default 4), 4 "
            "threads of its own in uring"},
    {"rings", COUNT(rings, 1, 256), .def = 1, .scope = "uring",
     .help = "io_uring rings, one thread and listener each",
     .doc = "io_uring rings, each with its own thread and SO_REUSEPORT listener"},
    {"ring-buffers", COUNT(ring_buffers, 1, CONFIG_MAX_RING_BUFFERS),
     .def = CONFIG_DEFAULT_RING_BUFFERS, .scope = "uring", .call = power_of_two,
     .expect = "a power of two", .help = "16 KiB receive buffers per ring, a power of two",
     .doc = "16 KiB receive buffers per ring (a power of two, up to 32,768), lent to a receive "
            "when its bytes arrive; a receive that finds none waits for the next turn, ahead of "
            "the others"},
    {"processes", COUNT(processes, 1, CONFIG_MAX_PROCESSES),
     .def_text = "min(256, 80% of MemAvailable / (2 MiB + the data set))", .scope = "prefork",
     .help = "worker processes, started up front",
     .doc = "worker processes, at most 20,000; the default is sized as Apache sizes "
            "MaxRequestWorkers (see [The process models](#the-process-models))"},
    {"dataset", SIZE(dataset_bytes, 1024, CONFIG_MAX_DATASET_BYTES), .def_text = "none",
     .help = "a table of 1 KiB entries served at /data, built at start",
     .doc = "a table of SIZE / 1,024 entries of 1,024 bytes served at `/data`, built at start; "
            "K/M/G suffixes, at least 1K"},
    {"backlog", COUNT(backlog, 1, 1 << 20), .def = CONFIG_DEFAULT_BACKLOG, .help = "listen backlog",
     .doc = "listen backlog (the kernel caps it at `net.core.somaxconn`)"},
    {"max-conns", COUNT(max_conns, 1, 1 << 24), .def_text = "fd limit - 32",
     .help = "active connections; more get 503",
     .doc = "open connections; more get 503 and are closed (in `process`, also the children at "
            "once; `prefork` holds at most its workers' connections and does not use it)"},
    {"max-head-bytes", SIZE(max_head_bytes, 256, 1 << 20), .def = HTTP_DEFAULT_MAX_HEAD_BYTES,
     .help = "request line and headers; more get 431",
     .doc = "request line and header fields; more get 431"},
    {"max-target-bytes", SIZE(max_target_bytes, 16, 1 << 20), .def = HTTP_DEFAULT_MAX_TARGET_BYTES,
     .help = "request target; longer gets 414"},
    {"max-headers", COUNT(max_headers, 1, 10000), .def = HTTP_DEFAULT_MAX_HEADERS,
     .help = "header fields; more get 431"},
    {"max-body-bytes", SIZE(max_body_bytes, 0, 1LL << 30), .def = CONFIG_DEFAULT_MAX_BODY_BYTES,
     .help = "request body; more gets 413"},
    {"output-limit", SIZE(output_limit, 1024, 1LL << 30), .def = CONFIG_DEFAULT_OUTPUT_LIMIT,
     .help = "unsent output per connection before reading stops",
     .doc = "unsent output per connection before it stops being read"},
    {"keepalive-requests", COUNT(keepalive_requests, 0, 0),
     .def = CONFIG_DEFAULT_KEEPALIVE_REQUESTS, .help = "requests per connection, 0 for no limit",
     .doc = "requests per connection, then `Connection: close` (0: no limit)"},
    {"header-timeout", DURATION(header_timeout_ms, 1), .def = CONFIG_DEFAULT_HEADER_TIMEOUT_MS,
     .help = "to receive a request head",
     .doc = "to receive a whole request head, from its first byte (then 408 and close)"},
    {"body-timeout", DURATION(body_timeout_ms, 1), .def = CONFIG_DEFAULT_BODY_TIMEOUT_MS,
     .help = "between body reads", .doc = "between two reads of a body"},
    {"keepalive-timeout", DURATION(keepalive_timeout_ms, 1),
     .def = CONFIG_DEFAULT_KEEPALIVE_TIMEOUT_MS, .help = "idle time between requests"},
    {"write-timeout", DURATION(write_timeout_ms, 1), .def = CONFIG_DEFAULT_WRITE_TIMEOUT_MS,
     .help = "to send pending output", .doc = "between two writes that make progress"},
    {"drain-timeout", DURATION(drain_timeout_ms, 1), .def = CONFIG_DEFAULT_DRAIN_TIMEOUT_MS,
     .help = "on SIGINT/SIGTERM, to finish requests in flight",
     .doc = "on SIGINT/SIGTERM, to finish the requests in flight"},
    {"max-work-us", COUNT(max_work_us, 0, 60LL * 1000 * 1000), .def = CONFIG_DEFAULT_MAX_WORK_US,
     .help = "largest /work?cpu_us", .doc = "largest `/work?cpu_us`"},
    {"max-sleep-ms", COUNT(max_sleep_ms, 0, 3600LL * 1000), .def = CONFIG_DEFAULT_MAX_SLEEP_MS,
     .help = "largest /sleep?ms", .doc = "largest `/sleep?ms`"},
    {"chartjs", .kind = OPT_STRING, .arg = "PATH", CFG(chartjs), .sdef = CONFIG_DEFAULT_CHARTJS,
     .def_text = "Debian's libjs-chart.js", .help = "Chart.js for /dashboard",
     .doc = "the chart library `/dashboard` serves"},
    {"quiet", .kind = OPT_FLAG, CFG(quiet), .help = "no log lines on stderr"},
    {"help", .kind = OPT_HELP, .help = "this text"},
    {"version", .kind = OPT_VERSION, .help = "the version"},
};

static const struct opts_spec config_spec = {
    .program = "c10k-server",
    .usage = "usage: c10k-server [--mode MODE] [options]\n",
    .epilogue =
        "Durations take ms, s or m suffixes (plain numbers are seconds); sizes take K, M or "
        "G.\n",
    .opts = config_options,
    .n = sizeof config_options / sizeof config_options[0],
};

static long default_max_conns(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
        return 1 << 20;
    long n = (long)rl.rlim_cur - CONFIG_FDS_RESERVED;
    return n > 1 ? n : 1;
}

int config_parse(struct config *cfg, int argc, char **argv, const char *const *mode_names)
{
    struct opts_parser p = {&config_spec, cfg, (void *)mode_names, stdout, stderr, 0};
    *cfg = (struct config){0};
    if (opts_defaults(&p) != OPTS_RUN)
        return -1;
    /* The defaults worked out here (the table shows them as text). */
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    cfg->threads = (int)(cores > 0 ? 2 * cores : 4);
    cfg->max_conns = default_max_conns();

    enum opts_result r = opts_parse(&p, argc, argv, NULL);
    if (r != OPTS_RUN)
        return r == OPTS_EXIT ? 1 : -1;
    if (cfg->max_target_bytes > cfg->max_head_bytes)
        cfg->max_target_bytes = cfg->max_head_bytes;
    return 0;
}
