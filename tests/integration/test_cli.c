/* The command line: --help, --version and --help-markdown, a one-line error and exit code 2 for
 * a bad option value, a missing value, an unknown option or a stray argument, and the duration
 * and size forms the options accept. */
#include "support.h"

/* The program's --mode arguments followed by the given ones (NULL-terminated), in test memory. */
static const char **with_mode(const char *const *args)
{
    const char **argv = it_alloc(64 * sizeof *argv);
    int n = 0;
    argv[n++] = "--mode";
    argv[n++] = it_mode();
    for (int i = 0; args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    return argv;
}

TEST(help_exits_0_with_usage)
{
    static const char *const args[] = {"--help", NULL};
    int code;
    char *out, *err;
    CHECK_INT_EQ(it_run(args, 5000, &code, &out, &err), 0);
    CHECK_INT_EQ(code, 0);
    CHECK(strstr(out, "--mode") != NULL || strstr(err, "--mode") != NULL);
}

/* Runs the server with a bad option and checks: exit 2, one line on stderr naming the option,
 * no "listening" line. */
static void check_bad_option(const char *option, const char *value)
{
    const char *args[] = {option, value, "--host", "127.0.0.1", "--port", "0", NULL};
    int code;
    char *out, *err;
    CHECK_INT_EQ(it_run(with_mode(args), 5000, &code, &out, &err), 0);
    if (code != 2 || !strstr(err, option + 2))
        it_log("%s %s: exit %d, stderr: %s", option, value, code, err);
    CHECK_INT_EQ(code, 2);
    CHECK(strstr(err, option + 2) != NULL);
    size_t len = strlen(err);
    CHECK(len > 0 && err[len - 1] == '\n' && strchr(err, '\n') == err + len - 1);
    CHECK(strstr(out, "listening") == NULL);
}

TEST(bad_mode_exits_2_naming_the_option)
{
    static const char *const args[] = {"--mode", "fibers", NULL};
    int code;
    char *out, *err;
    CHECK_INT_EQ(it_run(args, 5000, &code, &out, &err), 0);
    CHECK_INT_EQ(code, 2);
    CHECK(strstr(err, "mode") != NULL);
    CHECK(strstr(out, "listening") == NULL);
}

TEST(non_numeric_count_exits_2_naming_the_option)
{
    check_bad_option("--threads", "many");
    if (!testlib_failed)
        check_bad_option("--max-conns", "12abc");
    if (!testlib_failed)
        check_bad_option("--keepalive-requests", "");
}

TEST(port_out_of_range_exits_2_naming_the_option)
{
    check_bad_option("--port", "70000");
}

TEST(bad_duration_exits_2_naming_the_option)
{
    check_bad_option("--header-timeout", "5parsecs");
    if (!testlib_failed)
        check_bad_option("--drain-timeout", "-1s");
    if (!testlib_failed)
        check_bad_option("--keepalive-timeout", "ms");
}

TEST(bad_size_exits_2_naming_the_option)
{
    check_bad_option("--max-body-bytes", "1Q");
    if (!testlib_failed)
        check_bad_option("--max-head-bytes", "lots");
}

/* Runs the server with the given arguments after --mode and checks: exit 2, one line on stderr
 * containing `what`, no "listening" line. */
static void check_refused(const char *const *args, const char *what)
{
    int code;
    char *out, *err;
    CHECK_INT_EQ(it_run(with_mode(args), 5000, &code, &out, &err), 0);
    if (code != 2 || !strstr(err, what))
        it_log("exit %d, stderr: %s", code, err);
    CHECK_INT_EQ(code, 2);
    CHECK(strstr(err, what) != NULL);
    size_t len = strlen(err);
    CHECK(len > 0 && err[len - 1] == '\n' && strchr(err, '\n') == err + len - 1);
    CHECK(strstr(out, "listening") == NULL);
}

TEST(missing_value_exits_2_naming_the_option)
{
    static const char *const args[] = {"--port", "0", "--max-conns", NULL};
    check_refused(args, "--max-conns: needs a value");
}

TEST(flag_with_a_value_exits_2_naming_the_option)
{
    static const char *const args[] = {"--port", "0", "--quiet=yes", NULL};
    check_refused(args, "--quiet: takes no value");
}

TEST(unknown_option_and_stray_argument_exit_2)
{
    static const char *const unknown[] = {"--port", "0", "--frobnicate", "1", NULL};
    check_refused(unknown, "--frobnicate: unknown option");
    static const char *const stray[] = {"--port", "0", "extra", NULL};
    if (!testlib_failed)
        check_refused(stray, "unexpected argument 'extra'");
}

TEST(version_and_markdown_exit_0)
{
    static const char *const version[] = {"--version", NULL};
    int code;
    char *out, *err;
    CHECK_INT_EQ(it_run(version, 5000, &code, &out, &err), 0);
    CHECK_INT_EQ(code, 0);
    CHECK(strncmp(out, "c10k-server ", 12) == 0);
    static const char *const markdown[] = {"--help-markdown", NULL};
    CHECK_INT_EQ(it_run(markdown, 5000, &code, &out, &err), 0);
    CHECK_INT_EQ(code, 0);
    CHECK(strncmp(out, "| option | default | meaning |\n", 31) == 0);
    CHECK(strstr(out, "| `--port N` | 8080 |") != NULL);
    CHECK(strstr(out, "`thread`") != NULL); /* --mode lists the models the server has */
}

TEST(durations_accept_ms_s_and_plain_seconds)
{
    struct it_server *s = it_server_start("--header-timeout", "500ms", "--keepalive-timeout", "10s",
                                          "--body-timeout", "2", "--drain-timeout", "1500ms");
    CHECK(s != NULL);
    struct it_response *r = it_get(s, "/plaintext");
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    /* Where /stats shows the configuration, it shows these values. */
    char *json = it_stats(s);
    CHECK(json != NULL);
    double v;
    if (it_json_number(json, "config.header_timeout_ms", &v) == 0) {
        CHECK_INT_EQ(v, 500);
        CHECK(it_json_number(json, "config.keepalive_timeout_ms", &v) == 0 && v == 10000);
        CHECK(it_json_number(json, "config.body_timeout_ms", &v) == 0 && v == 2000);
        CHECK(it_json_number(json, "config.drain_timeout_ms", &v) == 0 && v == 1500);
    }
}

TEST(sizes_accept_k_and_m_suffixes)
{
    struct it_server *s = it_server_start("--max-body-bytes", "2K", "--max-head-bytes", "1M");
    CHECK(s != NULL);
    char body[2049];
    memset(body, 'k', sizeof body);
    struct it_response *r = it_request(s, "POST", "/echo", body, 2048);
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    r = it_request(s, "POST", "/echo", body, 2049);
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 413);
    /* a 16 KiB head fits under 1M */
    char *pad = it_alloc(16385);
    memset(pad, 'h', 16384);
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    CHECK_INT_EQ(it_sendf(c, "GET /plaintext HTTP/1.1\r\nHost: t\r\nX-Pad: %s\r\n\r\n", pad), 0);
    r = it_read_response(c, IT_IO_TIMEOUT_MS);
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
}

IT_MAIN(TEST_ENTRY(help_exits_0_with_usage), TEST_ENTRY(bad_mode_exits_2_naming_the_option),
        TEST_ENTRY(non_numeric_count_exits_2_naming_the_option),
        TEST_ENTRY(port_out_of_range_exits_2_naming_the_option),
        TEST_ENTRY(bad_duration_exits_2_naming_the_option),
        TEST_ENTRY(bad_size_exits_2_naming_the_option),
        TEST_ENTRY(missing_value_exits_2_naming_the_option),
        TEST_ENTRY(flag_with_a_value_exits_2_naming_the_option),
        TEST_ENTRY(unknown_option_and_stray_argument_exit_2),
        TEST_ENTRY(version_and_markdown_exit_0),
        TEST_ENTRY(durations_accept_ms_s_and_plain_seconds),
        TEST_ENTRY(sizes_accept_k_and_m_suffixes))
