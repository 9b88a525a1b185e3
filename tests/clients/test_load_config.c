/* The command line: values, URLs, source ranges, request kinds, defaults, and the one-line error
 * that names the option for every bad value. */
#include "load_config.h"
#include "load_limits.h"
#include "request.h"
#include "testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <time.h>

/* Parses a command line given as one string of space-separated words (no quoting: words with
 * spaces are passed through parse_argv). Error text goes to err_text. */
static enum load_config_result parse_argv(struct load_config *cfg, char **argv, int argc,
                                          char *err_text, size_t err_len)
{
    FILE *out = fopen("/dev/null", "w");
    memset(err_text, 0, err_len); /* not every fmemopen clears it: see test_merge.c */
    FILE *err = fmemopen(err_text, err_len - 1, "w");
    enum load_config_result r = load_config_parse(cfg, argc, argv, out, err);
    fclose(out);
    fclose(err);
    return r;
}

static enum load_config_result parse_words(struct load_config *cfg, const char *words,
                                           char *err_text, size_t err_len)
{
    static char buf[1024];
    char *argv[64];
    int argc = 0;
    snprintf(buf, sizeof buf, "c10k-load %s", words);
    for (char *tok = strtok(buf, " "); tok && argc < 63; tok = strtok(NULL, " "))
        argv[argc++] = tok;
    argv[argc] = NULL;
    return parse_argv(cfg, argv, argc, err_text, err_len);
}

/* The command line fails with exit code 2 and one line naming `option`. */
static int usage_error_names(const char *words, const char *option)
{
    struct load_config cfg;
    char err[512] = "";
    enum load_config_result r = parse_words(&cfg, words, err, sizeof err);
    load_config_free(&cfg);
    size_t len = strlen(err);
    int one_line = len > 0 && err[len - 1] == '\n' && strchr(err, '\n') == err + len - 1;
    if (r != LOAD_CONFIG_USAGE || !one_line || strstr(err, option) == NULL ||
        strncmp(err, "c10k-load: ", 11) != 0) {
        fprintf(stderr, "  '%s' gave %d and \"%s\"\n", words, r, err);
        return 0;
    }
    return 1;
}

TEST(config_defaults)
{
    struct load_config cfg;
    char err[256] = "";
    CHECK_INT_EQ(parse_words(&cfg, "http://127.0.0.1:8080/plaintext", err, sizeof err),
                 LOAD_CONFIG_RUN);
    CHECK_INT_EQ(cfg.connections, LOAD_DEFAULT_CONNECTIONS);
    CHECK_INT_EQ(cfg.threads, 1);
    CHECK_INT_EQ(cfg.pipeline, 1);
    CHECK(cfg.duration_s == LOAD_DEFAULT_DURATION_S);
    CHECK(cfg.timeout_s == LOAD_DEFAULT_TIMEOUT_S);
    CHECK_INT_EQ(cfg.keepalive, 1);
    CHECK_STR_EQ(cfg.method, "GET");
    CHECK_INT_EQ(cfg.n_kinds, 1);
    CHECK_STR_EQ(cfg.kinds[0].path, "/plaintext");
    CHECK_STR_EQ(cfg.host, "127.0.0.1");
    CHECK_STR_EQ(cfg.port, "8080");
    CHECK_STR_EQ(cfg.host_header, "127.0.0.1:8080");
    load_config_free(&cfg);
}

TEST(config_all_options)
{
    struct load_config cfg;
    char err[256] = "";
    char *argv[] = {"c10k-load",
                    "--connections",
                    "2k",
                    "-t",
                    "2",
                    "--duration",
                    "1.5m",
                    "--requests",
                    "1M",
                    "--rate",
                    "5k",
                    "--pipeline",
                    "4",
                    "--warmup",
                    "500ms",
                    "--timeout",
                    "2s",
                    "--idle",
                    "100",
                    "--idle-interval",
                    "30s",
                    "--ramp",
                    "500",
                    "--source",
                    "127.0.0.2-127.0.0.4",
                    "--source",
                    "127.0.0.9",
                    "-m",
                    "PUT",
                    "-r",
                    "/a 3",
                    "-r",
                    "POST /b",
                    "-H",
                    "X-Test: 1",
                    "-b",
                    "data",
                    "-j",
                    "out.json",
                    "http://localhost/x",
                    NULL};
    int argc = (int)(sizeof argv / sizeof argv[0]) - 1;
    CHECK_INT_EQ(parse_argv(&cfg, argv, argc, err, sizeof err), LOAD_CONFIG_RUN);
    CHECK_INT_EQ(cfg.connections, 2000);
    CHECK_INT_EQ(cfg.threads, 2);
    CHECK(cfg.duration_s == 90);
    CHECK_INT_EQ(cfg.requests, 1000000);
    CHECK(cfg.rate == 5000);
    CHECK_INT_EQ(cfg.pipeline, 4);
    CHECK(cfg.warmup_s == 0.5);
    CHECK(cfg.timeout_s == 2);
    CHECK_INT_EQ(cfg.idle, 100);
    CHECK(cfg.idle_interval_s == 30);
    CHECK(cfg.ramp == 500);
    CHECK_INT_EQ(cfg.n_sources, 4);
    CHECK_STR_EQ(cfg.method, "PUT");
    CHECK_INT_EQ(cfg.n_kinds, 2);
    CHECK(cfg.kinds[0].method == NULL);
    CHECK_INT_EQ(cfg.kinds[0].weight, 3);
    CHECK_STR_EQ(cfg.kinds[1].method, "POST");
    CHECK_INT_EQ(cfg.n_headers, 1);
    CHECK_INT_EQ(cfg.body_len, 4);
    CHECK_STR_EQ(cfg.json_path, "out.json");
    CHECK_STR_EQ(cfg.host_header, "localhost");
    CHECK_STR_EQ(cfg.port, "80");
    load_config_free(&cfg);
}

TEST(config_body_makes_post_the_default)
{
    struct load_config cfg;
    char err[256] = "";
    CHECK_INT_EQ(parse_words(&cfg, "--body x http://h/", err, sizeof err), LOAD_CONFIG_RUN);
    CHECK_STR_EQ(cfg.method, "POST");
    load_config_free(&cfg);
}

TEST(config_requests_alone_has_no_duration)
{
    struct load_config cfg;
    char err[256] = "";
    CHECK_INT_EQ(parse_words(&cfg, "-n 100 http://h/", err, sizeof err), LOAD_CONFIG_RUN);
    CHECK(cfg.duration_s == 0);
    load_config_free(&cfg);
}

TEST(config_duration_given_with_requests_is_kept)
{
    struct load_config cfg;
    char err[256] = "";
    /* Even the default's value, when it is given, is a limit beside --requests. */
    CHECK_INT_EQ(parse_words(&cfg, "-n 100 --duration 10s http://h/", err, sizeof err),
                 LOAD_CONFIG_RUN);
    CHECK(cfg.duration_s == 10);
    CHECK_INT_EQ(cfg.requests, 100);
    load_config_free(&cfg);
    CHECK_INT_EQ(parse_words(&cfg, "-d 2s -n 5 http://h/", err, sizeof err), LOAD_CONFIG_RUN);
    CHECK(cfg.duration_s == 2);
    load_config_free(&cfg);
}

TEST(config_help_and_version_exit_zero)
{
    struct load_config cfg;
    char err[256] = "";
    CHECK_INT_EQ(parse_words(&cfg, "--help", err, sizeof err), LOAD_CONFIG_EXIT);
    load_config_free(&cfg);
    CHECK_INT_EQ(parse_words(&cfg, "--version", err, sizeof err), LOAD_CONFIG_EXIT);
    load_config_free(&cfg);
    CHECK_INT_EQ(parse_words(&cfg, "--help-markdown", err, sizeof err), LOAD_CONFIG_EXIT);
    load_config_free(&cfg);
}

TEST(config_durations)
{
    double s;
    CHECK_INT_EQ(load_parse_duration("10", &s), 0);
    CHECK(s == 10);
    CHECK_INT_EQ(load_parse_duration("1.5s", &s), 0);
    CHECK(s == 1.5);
    CHECK_INT_EQ(load_parse_duration("250ms", &s), 0);
    CHECK(s == 0.25);
    CHECK_INT_EQ(load_parse_duration("2m", &s), 0);
    CHECK(s == 120);
    CHECK_INT_EQ(load_parse_duration("1h", &s), 0);
    CHECK(s == 3600);
    CHECK_INT_EQ(load_parse_duration("500us", &s), 0);
    CHECK(s > 0.000499 && s < 0.000501);
    const char *bad[] = {"", "-1", "abc", "10x", "1e3", "0x10", "inf", "nan", " 1", "1 ", "s"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_INT_EQ(load_parse_duration(bad[i], &s), -EINVAL);
}

TEST(config_start_at)
{
    const double now = 1764640000.0;
    double at;
    CHECK_INT_EQ(load_parse_start_at("1764640000.250", now, &at), 0);
    CHECK(at == 1764640000.25);
    CHECK_INT_EQ(load_parse_start_at("+1", now, &at), 0);
    CHECK(at == now + 1);
    CHECK_INT_EQ(load_parse_start_at("+1.5", now, &at), 0);
    CHECK(at == now + 1.5);
    CHECK_INT_EQ(load_parse_start_at("+500ms", now, &at), 0);
    CHECK(at == now + 0.5);
    CHECK_INT_EQ(load_parse_start_at("+24h", now, &at), 0);
    /* In the past: allowed (the run starts at once and says how late). */
    CHECK_INT_EQ(load_parse_start_at("1764639000", now, &at), 0);
    CHECK(at == 1764639000);
    const char *bad[] = {"",
                         "+",
                         "soon",
                         "-5",
                         "0",
                         "1e9",
                         "+25h",
                         "+-1",
                         "1764726400.001",
                         "+1x",
                         "0x6930d5",
                         "+inf",
                         "1764640000.250s"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        at = -1;
        if (load_parse_start_at(bad[i], now, &at) != -EINVAL)
            fprintf(stderr, "  '%s' was accepted as %f\n", bad[i], at);
        CHECK_INT_EQ(load_parse_start_at(bad[i], now, &at), -EINVAL);
    }

    /* Through the command line, against the real clock. */
    struct load_config cfg;
    char err[256] = "";
    CHECK_INT_EQ(
        parse_words(&cfg, "--start-at +2 --generator-id gen-1.a_B http://h/", err, sizeof err),
        LOAD_CONFIG_RUN);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    double real = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    CHECK(cfg.start_at > real + 1.5 && cfg.start_at <= real + 2);
    CHECK_STR_EQ(cfg.generator_id, "gen-1.a_B");
    load_config_free(&cfg);
    CHECK_INT_EQ(parse_words(&cfg, "http://h/", err, sizeof err), LOAD_CONFIG_RUN);
    CHECK(cfg.start_at == 0);
    CHECK(cfg.generator_id == NULL);
    load_config_free(&cfg);
}

TEST(config_generator_ids)
{
    char long_id[80];
    memset(long_id, 'a', sizeof long_id);
    long_id[64] = '\0';
    CHECK(load_valid_generator_id(long_id));
    CHECK(load_valid_generator_id("a"));
    CHECK(load_valid_generator_id("host-7.rack_2"));
    long_id[64] = 'a';
    long_id[65] = '\0';
    CHECK(!load_valid_generator_id(long_id));
    const char *bad[] = {"", "a b", "a/b", "gen:1", "\xc3\xa9", "a\n", "\"x\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(!load_valid_generator_id(bad[i]));
}

TEST(config_counts)
{
    uint64_t n;
    CHECK_INT_EQ(load_parse_count("100", &n), 0);
    CHECK_INT_EQ(n, 100);
    CHECK_INT_EQ(load_parse_count("10k", &n), 0);
    CHECK_INT_EQ(n, 10000);
    CHECK_INT_EQ(load_parse_count("2M", &n), 0);
    CHECK_INT_EQ(n, 2000000);
    CHECK_INT_EQ(load_parse_count("1.5k", &n), 0);
    CHECK_INT_EQ(n, 1500);
    const char *bad[] = {"", "-5", "1.5", "x", "10m", "1e6", "+3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_INT_EQ(load_parse_count(bad[i], &n), -EINVAL);
}

TEST(config_urls)
{
    char *host, *hh, *port, *path;
    CHECK_INT_EQ(load_parse_url("http://[::1]:9/x?y=1#frag", &host, &hh, &port, &path), 0);
    CHECK_STR_EQ(host, "::1");
    CHECK_STR_EQ(hh, "[::1]:9");
    CHECK_STR_EQ(port, "9");
    CHECK_STR_EQ(path, "/x?y=1");
    free(host), free(hh), free(port), free(path);

    CHECK_INT_EQ(load_parse_url("http://example.test", &host, &hh, &port, &path), 0);
    CHECK_STR_EQ(hh, "example.test");
    CHECK_STR_EQ(port, "80");
    CHECK_STR_EQ(path, "/");
    free(host), free(hh), free(port), free(path);

    CHECK_INT_EQ(load_parse_url("http://h:80?q=1", &host, &hh, &port, &path), 0);
    CHECK_STR_EQ(hh, "h");
    CHECK_STR_EQ(path, "/?q=1");
    free(host), free(hh), free(port), free(path);

    const char *bad[] = {"https://h/",  "ftp://h/",        "http://",      "http://:80/",
                         "http://h:0/", "http://h:65536/", "http://[::1/", "http://[zz]:1/",
                         "http://u@h/", "http://h:80x/",   "http://h/a b", "h:80",
                         "http://[]/"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (load_parse_url(bad[i], &host, &hh, &port, &path) != -EINVAL) {
            fprintf(stderr, "  accepted '%s'\n", bad[i]);
            CHECK(0);
        }
    }
}

TEST(config_source_ranges)
{
    struct load_address *list = NULL;
    size_t n = 0;
    CHECK_INT_EQ(load_parse_sources("127.0.0.2-127.0.0.40", &list, &n), 0);
    CHECK_INT_EQ(n, 39);
    const struct sockaddr_in *last = (const struct sockaddr_in *)&list[38].addr;
    CHECK_INT_EQ(ntohl(last->sin_addr.s_addr), 0x7f000028);
    CHECK_INT_EQ(load_parse_sources("10.0.0.255-10.0.1.1,::1", &list, &n), 0);
    CHECK_INT_EQ(n, 39 + 3 + 1);
    CHECK_INT_EQ(list[42].addr.ss_family, AF_INET6);
    const char *bad[] = {"127.0.0.5-127.0.0.2", "x", "127.0.0.1,", "", "::1-::2",
                         "10.0.0.0-10.2.0.0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_INT_EQ(load_parse_sources(bad[i], &list, &n), -EINVAL);
    free(list);
}

TEST(config_request_kinds)
{
    struct load_request_kind k;
    CHECK_INT_EQ(load_parse_request_kind("/a", &k), 0);
    CHECK(k.method == NULL);
    CHECK_STR_EQ(k.path, "/a");
    CHECK_INT_EQ(k.weight, 1);
    free(k.path);
    CHECK_INT_EQ(load_parse_request_kind("  POST /echo?x=1   3 ", &k), 0);
    CHECK_STR_EQ(k.method, "POST");
    CHECK_STR_EQ(k.path, "/echo?x=1");
    CHECK_INT_EQ(k.weight, 3);
    free(k.method);
    free(k.path);
    const char *bad[] = {"",           "GET",           "/a 0",  "/a 1001",
                         "GET /a 1 x", "bad method /a", "GET a", "G(T /a"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_INT_EQ(load_parse_request_kind(bad[i], &k), -EINVAL);
}

TEST(config_bad_values_name_the_option)
{
    CHECK(usage_error_names("--connections x http://h/", "--connections"));
    CHECK(usage_error_names("--connections 2000000 http://h/", "--connections"));
    CHECK(usage_error_names("-t 0 http://h/", "--threads"));
    CHECK(usage_error_names("--duration 0 http://h/", "--duration"));
    CHECK(usage_error_names("--duration 5q http://h/", "--duration"));
    CHECK(usage_error_names("--requests 0 http://h/", "--requests"));
    CHECK(usage_error_names("--rate -5 http://h/", "--rate"));
    CHECK(usage_error_names("--pipeline 0 http://h/", "--pipeline"));
    CHECK(usage_error_names("--warmup x http://h/", "--warmup"));
    CHECK(usage_error_names("--timeout 0 http://h/", "--timeout"));
    CHECK(usage_error_names("--idle x http://h/", "--idle"));
    CHECK(usage_error_names("--idle-interval 1s http://h/", "--idle-interval"));
    CHECK(usage_error_names("--ramp 0 http://h/", "--ramp"));
    CHECK(usage_error_names("--source 1.2.3 http://h/", "--source"));
    CHECK(usage_error_names("--method G@T http://h/", "--method"));
    CHECK(usage_error_names("--request nopath http://h/", "--request"));
    CHECK(usage_error_names("--header NoColon http://h/", "--header"));
    CHECK(usage_error_names("--body-file /nonexistent/x http://h/", "--body-file"));
    CHECK(usage_error_names("--body a --body b http://h/", "--body"));
    CHECK(usage_error_names("--frobnicate http://h/", "--frobnicate"));
    CHECK(usage_error_names("http://h/ --connections", "--connections"));
    CHECK(usage_error_names("-c", "-c"));
    CHECK(usage_error_names("", "URL"));
    CHECK(usage_error_names("http://a/ http://b/", "only one"));
    CHECK(usage_error_names("https://h/", "https"));
    CHECK(usage_error_names("http://h:99999/", "URL"));
    CHECK(usage_error_names("--pipeline 2 --no-keepalive http://h/", "--pipeline"));
    CHECK(usage_error_names("--idle 5 --no-keepalive http://h/", "--idle"));
    CHECK(usage_error_names("-c 2 -t 3 http://h/", "--threads"));
    CHECK(usage_error_names("-c 0 http://h/", "--connections"));
    CHECK(usage_error_names("-c 0 --idle 5 -n 10 http://h/", "--requests"));
    CHECK(usage_error_names("-c 0 --idle 5 --rate 10 http://h/", "--rate"));
    CHECK(usage_error_names("--start-at soon http://h/", "--start-at"));
    CHECK(usage_error_names("--start-at +25h http://h/", "--start-at"));
    CHECK(usage_error_names("--start-at 99999999999 http://h/", "--start-at"));
    CHECK(usage_error_names("--start-at -1 http://h/", "--start-at"));
    CHECK(usage_error_names("--generator-id a/b http://h/", "--generator-id"));
    CHECK(usage_error_names(
        "--generator-id aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa "
        "http://h/",
        "--generator-id"));
    CHECK(usage_error_names("http://h/ --start-at", "--start-at"));
    CHECK(usage_error_names("-c 1.5 http://h/", "--connections"));
    CHECK(usage_error_names("--rate 200M http://h/", "--rate"));
    CHECK(usage_error_names("--ramp 20M http://h/", "--ramp"));
    CHECK(usage_error_names("--timeout 0.5ms http://h/", "--timeout"));
    CHECK(usage_error_names("--json= http://h/", "--json"));
    CHECK(usage_error_names("--no-keepalive=1 http://h/", "--no-keepalive"));
    CHECK(usage_error_names("--body a --body-file /dev/null http://h/", "--body-file"));
    CHECK(usage_error_names("-x http://h/", "-x"));
}

TEST(limits_fd_error_names_the_limit)
{
    struct limits l = {.fd_soft = 1024, .fd_hard = 20000, .port_lo = 32768, .port_hi = 60999};
    char msg[512];
    CHECK_INT_EQ(limits_check(&l, 15000, 1, 0, msg, sizeof msg), 0);
    CHECK_INT_EQ(limits_check(&l, 20000, 1, 0, msg, sizeof msg), -1);
    CHECK(strstr(msg, "RLIMIT_NOFILE") != NULL);
    CHECK(strstr(msg, "20000") != NULL);
    CHECK(strchr(msg, '\n') == NULL);
}

TEST(limits_port_error_names_the_range)
{
    struct limits l = {.fd_soft = 1 << 20, .fd_hard = 1 << 20, .port_lo = 32768, .port_hi = 60999};
    char msg[512];
    CHECK_INT_EQ(limits_check(&l, 28232, 1, 0, msg, sizeof msg), 0);
    CHECK_INT_EQ(limits_check(&l, 30000, 1, 0, msg, sizeof msg), -1);
    CHECK(strstr(msg, "ip_local_port_range") != NULL);
    CHECK(strstr(msg, "32768-60999") != NULL);
    CHECK(strstr(msg, "--source") != NULL);
    CHECK_INT_EQ(limits_check(&l, 30000, 1, 2, msg, sizeof msg), 0);
    CHECK_INT_EQ(limits_check(&l, 100000, 4, 3, msg, sizeof msg), -1);
    CHECK_INT_EQ(limits_check(&l, 100000, 4, 4, msg, sizeof msg), 0);
}

TEST(request_rendering)
{
    struct load_config cfg;
    char err[256] = "";
    char *argv[] = {"c10k-load", "-r",        "/a 3", "-r",  "POST /b", "-r",  "HEAD /c",
                    "-H",        "X-Test: 1", "-b",   "xyz", "-m",      "GET", "http://[::1]:8080/",
                    NULL};
    CHECK_INT_EQ(parse_argv(&cfg, argv, 14, err, sizeof err), LOAD_CONFIG_RUN);
    struct request_mix mix;
    CHECK_INT_EQ(request_mix_build(&mix, &cfg), 0);
    CHECK_INT_EQ(mix.n_kinds, 3);
    const char *a = "GET /a HTTP/1.1\r\nHost: [::1]:8080\r\nX-Test: 1\r\n\r\n";
    CHECK_MEM_EQ(mix.kinds[0].data, mix.kinds[0].len, a, strlen(a));
    const char *b = "POST /b HTTP/1.1\r\nHost: [::1]:8080\r\nX-Test: 1\r\nContent-Length: 3\r\n"
                    "\r\nxyz";
    CHECK_MEM_EQ(mix.kinds[1].data, mix.kinds[1].len, b, strlen(b));
    CHECK_INT_EQ(mix.kinds[2].head, 1);
    /* The order holds each kind in proportion, the heavy one spread out. */
    CHECK_INT_EQ(mix.order_len, 5);
    int count[3] = {0};
    for (uint32_t i = 0; i < mix.order_len; i++)
        count[mix.order[i]]++;
    CHECK_INT_EQ(count[0], 3);
    CHECK_INT_EQ(count[1], 1);
    CHECK_INT_EQ(count[2], 1);
    for (uint32_t i = 0; i < mix.order_len; i++)
        CHECK(!(mix.order[i] != 0 && mix.order[(i + 1) % mix.order_len] != 0));
    request_mix_free(&mix);
    load_config_free(&cfg);
}

/* --keys: {key} becomes zero-padded digits of the width of the largest key, filled per request
 * in a copy; the kind's own bytes keep the zeros. */
TEST(request_keys)
{
    struct load_config cfg;
    char err[256] = "";
    CHECK_INT_EQ(parse_words(&cfg, "--keys 1000 -r /data?key={key}&write=1 -r /plain http://h/",
                             err, sizeof err),
                 LOAD_CONFIG_RUN);
    CHECK_INT_EQ(cfg.keys, 1000);
    struct request_mix mix;
    CHECK_INT_EQ(request_mix_build(&mix, &cfg), 0);
    CHECK_INT_EQ(mix.key_width, 3);
    CHECK(mix.kinds[0].keyed && !mix.kinds[1].keyed);
    CHECK_INT_EQ(mix.keyed_len, mix.kinds[0].len);
    const char *zero = "GET /data?key=000&write=1 HTTP/1.1\r\nHost: h\r\n\r\n";
    CHECK_MEM_EQ(mix.kinds[0].data, mix.kinds[0].len, zero, strlen(zero));
    char buf[256];
    size_t n = request_with_key(&mix, &mix.kinds[0], buf, 42);
    const char *key42 = "GET /data?key=042&write=1 HTTP/1.1\r\nHost: h\r\n\r\n";
    CHECK_MEM_EQ(buf, n, key42, strlen(key42));
    n = request_with_key(&mix, &mix.kinds[0], buf, 999);
    CHECK(memcmp(buf, "GET /data?key=999&", 18) == 0);
    CHECK_MEM_EQ(mix.kinds[0].data, mix.kinds[0].len, zero, strlen(zero));
    request_mix_free(&mix);
    load_config_free(&cfg);

    CHECK_INT_EQ(parse_words(&cfg, "--keys 1 http://h/d?k={key}", err, sizeof err),
                 LOAD_CONFIG_RUN);
    CHECK_INT_EQ(request_mix_build(&mix, &cfg), 0);
    CHECK_INT_EQ(mix.key_width, 1);
    request_mix_free(&mix);
    load_config_free(&cfg);

    CHECK(usage_error_names("--keys 10 http://h/plain", "--keys"));
    CHECK(usage_error_names("http://h/d?k={key}", "--keys"));
    CHECK(usage_error_names("--keys 0 http://h/d?k={key}", "--keys"));
    CHECK(usage_error_names("--keys 2000000000 http://h/d?k={key}", "--keys"));
}

TEST(request_rendering_without_keepalive)
{
    struct load_config cfg;
    char err[256] = "";
    char *argv[] = {"c10k-load", "--no-keepalive", "-H", "host: other", "-m",
                    "POST",      "http://h:81/p",  NULL};
    CHECK_INT_EQ(parse_argv(&cfg, argv, 7, err, sizeof err), LOAD_CONFIG_RUN);
    struct request_mix mix;
    CHECK_INT_EQ(request_mix_build(&mix, &cfg), 0);
    const char *want = "POST /p HTTP/1.1\r\nhost: other\r\nContent-Length: 0\r\n"
                       "Connection: close\r\n\r\n";
    CHECK_MEM_EQ(mix.kinds[0].data, mix.kinds[0].len, want, strlen(want));
    request_mix_free(&mix);
    load_config_free(&cfg);
}

TEST_MAIN(TEST_ENTRY(config_defaults), TEST_ENTRY(config_all_options), TEST_ENTRY(config_start_at),
          TEST_ENTRY(config_generator_ids), TEST_ENTRY(config_body_makes_post_the_default),
          TEST_ENTRY(config_requests_alone_has_no_duration),
          TEST_ENTRY(config_duration_given_with_requests_is_kept),
          TEST_ENTRY(config_help_and_version_exit_zero), TEST_ENTRY(config_durations),
          TEST_ENTRY(config_counts), TEST_ENTRY(config_urls), TEST_ENTRY(config_source_ranges),
          TEST_ENTRY(config_request_kinds), TEST_ENTRY(config_bad_values_name_the_option),
          TEST_ENTRY(limits_fd_error_names_the_limit),
          TEST_ENTRY(limits_port_error_names_the_range), TEST_ENTRY(request_rendering),
          TEST_ENTRY(request_keys), TEST_ENTRY(request_rendering_without_keepalive))
