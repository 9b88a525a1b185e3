/* c10k-load against the project's server in one concurrency mode: the requests the client counts
 * are the requests the server counts (its /stats), through keep-alive limits, pipelining and the
 * open loop.
 *
 *   test_load_server <c10k-load> <c10k-server> <mode> [test names...] */
#include "support.h"
#include "testlib.h"

#include <stdarg.h>
#include <unistd.h>

#define END ((const char *)NULL) /* ends the argument list of load() */

static const char *client_bin, *server_bin, *mode;

/* Starts the server with the test's mode and up to four more arguments (NULL-terminated). */
#define server_start(s, ...) server_startv(s, (const char *const[]){__VA_ARGS__, NULL})
static int server_startv(struct proc_server *s, const char *const *extra)
{
    char *argv[16];
    int n = 0;
    argv[n++] = (char *)server_bin;
    argv[n++] = "--mode";
    argv[n++] = (char *)mode;
    argv[n++] = "--port";
    argv[n++] = "0";
    argv[n++] = "--host";
    argv[n++] = "127.0.0.1";
    argv[n++] = "--quiet";
    for (int i = 0; i < 4 && extra[i]; i++)
        argv[n++] = (char *)extra[i];
    argv[n] = NULL;
    return proc_server_start(s, argv);
}

/* The server's count at a path of keys (k3 may be NULL) in its /stats JSON; -1 when unavailable. */
static double server_stat(const struct proc_server *s, const char *k1, const char *k2,
                          const char *k3)
{
    static char body[65536];
    if (proc_http_get(s, "/stats", body, sizeof body) != 200)
        return -1;
    const char *keys[] = {k1, k2, k3, NULL};
    double v;
    return proc_json_number(body, keys, &v) == 0 ? v : -1;
}

/* Runs c10k-load; returns its JSON (owned) or NULL. */
static char *load(const char *first, ...)
{
    char *argv[64];
    int argc = 0;
    argv[argc++] = (char *)client_bin;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a && argc < 60; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    va_end(ap);
    struct proc_result r;
    char *json = NULL;
    int rc = proc_run_load(argv, argc, &r, &json);
    if (rc >= 0)
        proc_result_free(&r);
    if (rc != 0) {
        free(json);
        json = NULL;
    }
    return json;
}

/* A number of the run's summary, by a path of keys; -1 when missing. */
static double num(const char *json, const char *k1, const char *k2)
{
    const char *keys[] = {"summary", k1, k2, NULL};
    double v;
    return json && proc_json_number(json, keys, &v) == 0 ? v : -1;
}

static void url(char *buf, size_t len, const struct proc_server *s, const char *path)
{
    snprintf(buf, len, "http://%s:%d%s", s->host, s->port, path);
}

TEST(server_counts_agree_with_the_client)
{
    struct proc_server s;
    CHECK_INT_EQ(server_start(&s, NULL), 0);
    char u[128];
    url(u, sizeof u, &s, "/plaintext");
    char *json = load("-c", "8", "-t", "2", "-n", "5000", "-d", "60s", u, END);
    double plaintext = server_stat(&s, "requests", "by_endpoint", "plaintext");
    double total = server_stat(&s, "requests", "total", NULL);
    proc_server_stop(&s);
    CHECK(json != NULL);
    CHECK_INT_EQ(num(json, "requests", NULL), 5000);
    CHECK_INT_EQ(num(json, "errors", "total"), 0);
    CHECK_INT_EQ(plaintext, 5000);
    /* The total also counts the first /stats request (and maybe the second, itself). */
    CHECK(total >= 5001 && total <= 5002);
    free(json);
}

TEST(server_keepalive_limit_is_a_transparent_reconnect)
{
    struct proc_server s;
    CHECK_INT_EQ(server_start(&s, "--keepalive-requests", "100"), 0);
    char u[128];
    url(u, sizeof u, &s, "/plaintext");
    char *json = load("-c", "2", "-p", "4", "-n", "3000", "-d", "60s", u, END);
    double plaintext = server_stat(&s, "requests", "by_endpoint", "plaintext");
    proc_server_stop(&s);
    CHECK(json != NULL);
    CHECK_INT_EQ(num(json, "requests", NULL), 3000);
    CHECK_INT_EQ(num(json, "errors", "total"), 0);
    CHECK(num(json, "connections", "reconnects") >= 25);
    CHECK_INT_EQ(plaintext, 3000);
    free(json);
}

TEST(server_open_loop_counts_agree)
{
    struct proc_server s;
    CHECK_INT_EQ(server_start(&s, NULL), 0);
    char u[128];
    url(u, sizeof u, &s, "/plaintext");
    char *json = load("-R", "2000", "-c", "10", "-n", "1000", "-d", "60s", u, END);
    double plaintext = server_stat(&s, "requests", "by_endpoint", "plaintext");
    proc_server_stop(&s);
    CHECK(json != NULL);
    CHECK_INT_EQ(num(json, "requests", NULL), 1000);
    CHECK_INT_EQ(plaintext, 1000);
    free(json);
}

TEST(server_sleep_shows_in_latency)
{
    struct proc_server s;
    CHECK_INT_EQ(server_start(&s, NULL), 0);
    char u[128];
    url(u, sizeof u, &s, "/sleep?ms=50");
    char *json = load("-c", "4", "-n", "40", "-d", "60s", u, END);
    proc_server_stop(&s);
    CHECK(json != NULL);
    CHECK_INT_EQ(num(json, "requests", NULL), 40);
    CHECK(num(json, "latency_us", "p50") >= 50000);
    free(json);
}

TEST(server_refusals_are_statuses_and_back_off)
{
    /* Four connections allowed; two busy and twenty idle ones asked for (and no request limit,
     * so that the busy ones never reconnect and compete for a place). The server answers the
     * ones over its limit 503 at once and closes them: the client counts those as status 503, not
     * as parse errors, and opens them again after a growing back-off instead of at once (in a
     * busy loop that would be thousands of refusals in two seconds; with the back-off, each of
     * the ~18 refused connections tries about 8 times). */
    struct proc_server s;
    CHECK_INT_EQ(server_start(&s, "--max-conns", "4", "--keepalive-requests", "0"), 0);
    char u[128];
    url(u, sizeof u, &s, "/plaintext");
    char *json = load("-c", "2", "--idle", "20", "-d", "2s", u, END);
    proc_server_stop(&s);
    CHECK(json != NULL);
    CHECK(num(json, "requests", NULL) > 0);
    CHECK_INT_EQ(num(json, "errors", "parse"), 0);
    double refused = num(json, "status", "503");
    CHECK(refused >= 18 && refused < 400);
    CHECK(num(json, "connections", "established") > 0);
    free(json);
}

static const struct testlib_case cases[] = {
    TEST_ENTRY(server_counts_agree_with_the_client),
    TEST_ENTRY(server_keepalive_limit_is_a_transparent_reconnect),
    TEST_ENTRY(server_open_loop_counts_agree),
    TEST_ENTRY(server_sleep_shows_in_latency),
    TEST_ENTRY(server_refusals_are_statuses_and_back_off),
};

int testlib_failed;

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s <c10k-load> <c10k-server> <mode> [tests...]\n", argv[0]);
        return 2;
    }
    client_bin = argv[1];
    server_bin = argv[2];
    mode = argv[3];
    return testlib_run(cases, sizeof cases / sizeof cases[0], argc - 3, argv + 3);
}
