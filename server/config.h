/* The server's configuration: every option, its default and its limits, parsed from argv. */
#ifndef C10K_CONFIG_H
#define C10K_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CONFIG_DEFAULT_PORT 8080
#define CONFIG_DEFAULT_BACKLOG 4096
#define CONFIG_DEFAULT_MAX_BODY_BYTES (1024 * 1024)
#define CONFIG_DEFAULT_OUTPUT_LIMIT (64 * 1024)
#define CONFIG_DEFAULT_KEEPALIVE_REQUESTS 1000
#define CONFIG_DEFAULT_HEADER_TIMEOUT_MS 10000
#define CONFIG_DEFAULT_BODY_TIMEOUT_MS 30000
#define CONFIG_DEFAULT_KEEPALIVE_TIMEOUT_MS 75000
#define CONFIG_DEFAULT_WRITE_TIMEOUT_MS 30000
#define CONFIG_DEFAULT_DRAIN_TIMEOUT_MS 10000
#define CONFIG_DEFAULT_MAX_WORK_US 1000000
#define CONFIG_DEFAULT_MAX_SLEEP_MS 60000
#define CONFIG_DEFAULT_CHARTJS "/usr/share/javascript/chart.js/chart.min.js"
#define CONFIG_MAX_PROCESSES 20000 /* prefork workers: Apache's ServerLimit hard limit */
#define CONFIG_MAX_DATASET_BYTES (1LL << 40)
#define CONFIG_DEFAULT_RING_BUFFERS 128
#define CONFIG_MAX_RING_BUFFERS 32768 /* the kernel's largest provided buffer ring */
#define CONFIG_FDS_RESERVED 32        /* descriptors kept free for listeners, logs and /stats */

struct config {
    int mode; /* index in the model names given to config_parse; -1 without them */
    const char *host;
    int port;
    int threads;          /* pool workers */
    int hold_ms;          /* pool: wait on a connection for more bytes before parking it */
    size_t stack_size;    /* thread and pool stacks; 0: the system's default */
    int loops;            /* loop mode: event loops, one thread and SO_REUSEPORT listener each */
    int offload;          /* loop, uring: run /work on a thread pool */
    int rings;            /* uring mode: rings, one thread and SO_REUSEPORT listener each */
    int processes;        /* prefork: worker processes; 0: sized at start */
    size_t dataset_bytes; /* the /data table; 0: none */
    int ring_buffers;     /* uring mode: receive buffers per ring, a power of two */
    int backlog;
    long max_conns; /* active connections; more get 503 */
    size_t max_head_bytes;
    size_t max_target_bytes;
    unsigned max_headers;
    size_t max_body_bytes;
    size_t output_limit;     /* unsent output per connection before reading stops */
    long keepalive_requests; /* requests per connection; 0: no limit */
    int header_timeout_ms;
    int body_timeout_ms;
    int keepalive_timeout_ms;
    int write_timeout_ms;
    int drain_timeout_ms;
    long max_work_us;
    long max_sleep_ms;
    const char *chartjs; /* the chart library /dashboard serves */
    int quiet;           /* no log lines on stderr */
};

/* Fills cfg from argv, by the option table in config.c. Returns 0 to run, 1 when --help, --version
 * or --help-markdown was printed, or -1 after printing a one-line error to stderr (the caller
 * exits 2). mode_names are the models of the caller's model table, NULL-terminated and in its
 * order: --mode takes one of them and stores its index (NULL: no --mode is valid). */
int config_parse(struct config *cfg, int argc, char **argv, const char *const *mode_names);

#endif
