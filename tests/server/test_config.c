/* The server's command line without a server: each option lands in its field with its units, the
 * defaults the table declares and the ones worked out at start, and --mode by the caller's list. */
#include "config.h"
#include "http.h"
#include "testlib.h"

#include <unistd.h>

static const char *const modes[] = {"thread", "pool", "loop", "uring", NULL};

static int parse(struct config *cfg, const char *words)
{
    static char buf[1024];
    char *argv[64] = {"c10k-server"};
    int argc = 1;
    snprintf(buf, sizeof buf, "%s", words);
    for (char *tok = strtok(buf, " "); tok && argc < 63; tok = strtok(NULL, " "))
        argv[argc++] = tok;
    argv[argc] = NULL;
    return config_parse(cfg, argc, argv, modes);
}

TEST(config_defaults)
{
    struct config cfg;
    CHECK_INT_EQ(parse(&cfg, ""), 0);
    CHECK_INT_EQ(cfg.mode, 2); /* loop */
    CHECK_STR_EQ(cfg.host, "127.0.0.1");
    CHECK_INT_EQ(cfg.port, CONFIG_DEFAULT_PORT);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    CHECK_INT_EQ(cfg.threads, cores > 0 ? 2 * cores : 4);
    CHECK_INT_EQ(cfg.hold_ms, 0);
    CHECK_INT_EQ(cfg.stack_size, 0);
    CHECK_INT_EQ(cfg.loops, 1);
    CHECK_INT_EQ(cfg.rings, 1);
    CHECK_INT_EQ(cfg.offload, 0);
    CHECK_INT_EQ(cfg.backlog, CONFIG_DEFAULT_BACKLOG);
    CHECK(cfg.max_conns >= 1);
    CHECK_INT_EQ(cfg.max_head_bytes, HTTP_DEFAULT_MAX_HEAD_BYTES);
    CHECK_INT_EQ(cfg.max_target_bytes, HTTP_DEFAULT_MAX_TARGET_BYTES);
    CHECK_INT_EQ(cfg.max_headers, HTTP_DEFAULT_MAX_HEADERS);
    CHECK_INT_EQ(cfg.max_body_bytes, CONFIG_DEFAULT_MAX_BODY_BYTES);
    CHECK_INT_EQ(cfg.output_limit, CONFIG_DEFAULT_OUTPUT_LIMIT);
    CHECK_INT_EQ(cfg.keepalive_requests, CONFIG_DEFAULT_KEEPALIVE_REQUESTS);
    CHECK_INT_EQ(cfg.header_timeout_ms, CONFIG_DEFAULT_HEADER_TIMEOUT_MS);
    CHECK_INT_EQ(cfg.body_timeout_ms, CONFIG_DEFAULT_BODY_TIMEOUT_MS);
    CHECK_INT_EQ(cfg.keepalive_timeout_ms, CONFIG_DEFAULT_KEEPALIVE_TIMEOUT_MS);
    CHECK_INT_EQ(cfg.write_timeout_ms, CONFIG_DEFAULT_WRITE_TIMEOUT_MS);
    CHECK_INT_EQ(cfg.drain_timeout_ms, CONFIG_DEFAULT_DRAIN_TIMEOUT_MS);
    CHECK_INT_EQ(cfg.max_work_us, CONFIG_DEFAULT_MAX_WORK_US);
    CHECK_INT_EQ(cfg.max_sleep_ms, CONFIG_DEFAULT_MAX_SLEEP_MS);
    CHECK_STR_EQ(cfg.chartjs, CONFIG_DEFAULT_CHARTJS);
    CHECK_INT_EQ(cfg.quiet, 0);
}

TEST(config_every_option)
{
    struct config cfg;
    CHECK_INT_EQ(parse(&cfg, "--mode uring --host ::1 --port 0 --threads 3 --hold 5ms "
                             "--stack-size 64K --loops 2 --offload --rings 4 --backlog 10 "
                             "--max-conns 500 --max-head-bytes 1M --max-target-bytes 1K "
                             "--max-headers 9 --max-body-bytes 2K --output-limit 1M "
                             "--keepalive-requests 0 --header-timeout 500ms --body-timeout 2 "
                             "--keepalive-timeout 1m --write-timeout 3s --drain-timeout 1500ms "
                             "--max-work-us 7 --max-sleep-ms 8 --chartjs /x.js --quiet"),
                 0);
    CHECK_INT_EQ(cfg.mode, 3);
    CHECK_STR_EQ(cfg.host, "::1");
    CHECK_INT_EQ(cfg.port, 0);
    CHECK_INT_EQ(cfg.threads, 3);
    CHECK_INT_EQ(cfg.hold_ms, 5);
    CHECK_INT_EQ(cfg.stack_size, 65536);
    CHECK_INT_EQ(cfg.loops, 2);
    CHECK_INT_EQ(cfg.offload, 1);
    CHECK_INT_EQ(cfg.rings, 4);
    CHECK_INT_EQ(cfg.backlog, 10);
    CHECK_INT_EQ(cfg.max_conns, 500);
    CHECK_INT_EQ(cfg.max_head_bytes, 1 << 20);
    CHECK_INT_EQ(cfg.max_target_bytes, 1024);
    CHECK_INT_EQ(cfg.max_headers, 9);
    CHECK_INT_EQ(cfg.max_body_bytes, 2048);
    CHECK_INT_EQ(cfg.output_limit, 1 << 20);
    CHECK_INT_EQ(cfg.keepalive_requests, 0);
    CHECK_INT_EQ(cfg.header_timeout_ms, 500);
    CHECK_INT_EQ(cfg.body_timeout_ms, 2000);
    CHECK_INT_EQ(cfg.keepalive_timeout_ms, 60000);
    CHECK_INT_EQ(cfg.write_timeout_ms, 3000);
    CHECK_INT_EQ(cfg.drain_timeout_ms, 1500);
    CHECK_INT_EQ(cfg.max_work_us, 7);
    CHECK_INT_EQ(cfg.max_sleep_ms, 8);
    CHECK_STR_EQ(cfg.chartjs, "/x.js");
    CHECK_INT_EQ(cfg.quiet, 1);
}

TEST(config_ranges_hold_at_their_ends)
{
    struct config cfg;
    CHECK_INT_EQ(parse(&cfg, "--port 65535 --threads 10000 --stack-size 4G --loops 256 "
                             "--keepalive-requests 9223372036854775807 --header-timeout 1440m "
                             "--max-work-us 60000000 --max-sleep-ms 3600000 --max-body-bytes 0"),
                 0);
    CHECK_INT_EQ(cfg.port, 65535);
    CHECK_INT_EQ(cfg.threads, 10000);
    CHECK_INT_EQ(cfg.stack_size, 1LL << 32);
    CHECK_INT_EQ(cfg.loops, 256);
    CHECK_INT_EQ(cfg.keepalive_requests, 9223372036854775807LL);
    CHECK_INT_EQ(cfg.header_timeout_ms, 86400000);
    CHECK_INT_EQ(cfg.max_work_us, 60000000);
    CHECK_INT_EQ(cfg.max_sleep_ms, 3600000);
    CHECK_INT_EQ(cfg.max_body_bytes, 0);
    /* One past each end is refused (the error line goes to stderr). */
    const char *bad[] = {"--port 65536",
                         "--threads 0",
                         "--stack-size 16383",
                         "--loops 257",
                         "--header-timeout 0",
                         "--max-work-us 60000001",
                         "--max-sleep-ms 3600001",
                         "--max-head-bytes 255",
                         "--output-limit 1023",
                         "--mode fibers",
                         "--host",
                         "--quiet=1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_INT_EQ(parse(&cfg, bad[i]), -1);
}

TEST(config_target_limit_never_exceeds_the_head_limit)
{
    struct config cfg;
    CHECK_INT_EQ(parse(&cfg, "--max-head-bytes 256 --max-target-bytes 1K"), 0);
    CHECK_INT_EQ(cfg.max_target_bytes, 256);
}

TEST(config_without_models_takes_no_mode)
{
    struct config cfg;
    char *argv[] = {"c10k-server", "--port", "1", NULL};
    CHECK_INT_EQ(config_parse(&cfg, 3, argv, NULL), 0);
    CHECK_INT_EQ(cfg.mode, -1);
    CHECK_INT_EQ(cfg.port, 1);
}

TEST_MAIN(TEST_ENTRY(config_defaults), TEST_ENTRY(config_every_option),
          TEST_ENTRY(config_ranges_hold_at_their_ends),
          TEST_ENTRY(config_target_limit_never_exceeds_the_head_limit),
          TEST_ENTRY(config_without_models_takes_no_mode))
