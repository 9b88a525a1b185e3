/* The real server under valgrind memcheck: a short mix of requests (every endpoint, keep-alive,
 * pipelining, a chunked and a 100-continue body, bad requests, a few concurrent connections, idle
 * connections left open at shutdown), then SIGTERM; the server must exit 0, which under
 * valgrind_server.sh means no memory error and no definite or indirect leak.
 *
 * Run as `test_valgrind valgrind_server.sh <server arguments...>` with C10K_VALGRIND and
 * C10K_SERVER in the environment; exits 77 (skipped) when valgrind is not there. */
#include "support.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define VG_EXIT_TIMEOUT_MS 60000 /* drain, then the leak check, at valgrind's pace */
#define VG_IO_TIMEOUT_MS 15000
#define VG_SKIP 77

static int expect_status(struct it_response *r, int status)
{
    return r != NULL && r->status == status;
}

/* The per-process reports of a process model (valgrind_server.sh): every one ends with no
 * error. Returns how many there were, or -1 after printing the first bad one. */
static int check_reports(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return -1;
    int n = 0, bad = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && !bad) {
        if (strncmp(e->d_name, "vg.", 3) != 0)
            continue;
        char *text = it_read_file(it_printf("%s/%s", dir, e->d_name));
        if (text == NULL || strstr(text, "ERROR SUMMARY: 0 errors") == NULL) {
            it_log("memcheck report %s:\n%s", e->d_name, text ? text : "(unreadable)");
            bad = 1;
        }
        n++;
    }
    closedir(d);
    return bad ? -1 : n;
}

TEST(valgrind_finds_no_errors_or_leaks)
{
    /* A process model's children are checked too, each in a report of its own. */
    const char *dir = NULL;
    if (it_process_model() != NULL) {
        dir = it_temp_dir();
        CHECK(dir != NULL);
        setenv("C10K_VALGRIND_LOG_DIR", dir, 1);
    }
    struct it_server *s = it_server_start("--quiet");
    CHECK(s != NULL);
    CHECK_INT_EQ(it_wait_workers(s), 0);

    /* Every endpoint, each on its own connection. */
    static const char *const targets[] = {
        "/plaintext", "/json",      "/work?cpu_us=100",    "/sleep?ms=5", "/stats",
        "/metrics",   "/dashboard", "/dashboard/chart.js", "/nope",       "/work?cpu_us=x"};
    /* 0: any status (the chart library may not be installed) */
    static const int statuses[] = {200, 200, 200, 200, 200, 200, 200, 0, 404, 400};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        struct it_response *r = it_get(s, targets[i]);
        int ok = statuses[i] ? expect_status(r, statuses[i]) : r != NULL;
        if (!ok)
            it_log("GET %s", targets[i]);
        CHECK(ok);
    }
    CHECK(expect_status(it_request(s, "HEAD", "/json", NULL, 0), 200));
    CHECK(expect_status(it_request(s, "POST", "/echo", "hello", 5), 200));

    /* Keep-alive: several requests, a chunked body and a 100-continue, on one connection. */
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    for (int i = 0; i < 5; i++) {
        CHECK(it_sends(c, "GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n") == 0);
        CHECK(expect_status(it_read_response(c, VG_IO_TIMEOUT_MS), 200));
    }
    CHECK(it_sends(c, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n") == 0);
    struct it_response *r = it_read_response(c, VG_IO_TIMEOUT_MS);
    CHECK(expect_status(r, 200) && r->body_len == 5 && memcmp(r->body, "abcde", 5) == 0);
    CHECK(it_sends(c, "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                      "Content-Length: 3\r\n\r\n") == 0);
    CHECK(expect_status(it_read_response(c, VG_IO_TIMEOUT_MS), 100));
    CHECK(it_sends(c, "xyz") == 0);
    CHECK(expect_status(it_read_response(c, VG_IO_TIMEOUT_MS), 200));
    it_close(c);

    /* Pipelining: ten requests in one write, answered in order. */
    c = it_connect(s);
    CHECK(c != NULL);
    char batch[1024];
    size_t len = 0;
    for (int i = 0; i < 10; i++)
        len +=
            (size_t)snprintf(batch + len, sizeof batch - len, "GET /%s HTTP/1.1\r\nHost: x\r\n\r\n",
                             i % 2 ? "json" : "plaintext");
    CHECK(it_send(c, batch, len) == 0);
    for (int i = 0; i < 10; i++)
        CHECK(expect_status(it_read_response(c, VG_IO_TIMEOUT_MS), 200));
    it_close(c);

    /* Bad requests: answered and closed. */
    static const char *const bad[] = {
        "GET /plaintext HTTP/1.1\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "GET /plaintext HTTP/1.1\r\nHost: x\r\nX: 1\r\n folded\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        c = it_connect(s);
        CHECK(c != NULL);
        CHECK(it_sends(c, bad[i]) == 0);
        CHECK(expect_status(it_read_response(c, VG_IO_TIMEOUT_MS), 400));
        CHECK(it_wait_closed(c, VG_IO_TIMEOUT_MS) == 0);
        it_close(c);
    }

    /* A few concurrent connections; the first two stay open, idle, through the shutdown. */
    struct it_conn *conns[8];
    for (int i = 0; i < 8; i++) {
        conns[i] = it_connect(s);
        CHECK(conns[i] != NULL);
        CHECK(it_sends(conns[i], "GET /sleep?ms=20 HTTP/1.1\r\nHost: x\r\n\r\n") == 0);
    }
    for (int i = 0; i < 8; i++)
        CHECK(expect_status(it_read_response(conns[i], VG_IO_TIMEOUT_MS), 200));
    for (int i = 2; i < 8; i++)
        it_close(conns[i]);

    CHECK(it_server_signal(s, SIGTERM) == 0);
    CHECK(it_server_wait_exit(s, VG_EXIT_TIMEOUT_MS) == 0);
    if (!(WIFEXITED(s->status) && WEXITSTATUS(s->status) == 0))
        it_log("server under valgrind ended with %s (99: memcheck errors or leaks, above)",
               it_wait_status_str(s->status));
    CHECK(WIFEXITED(s->status) && WEXITSTATUS(s->status) == 0);
    if (dir != NULL) {
        int reports = check_reports(dir);
        it_log("%d processes checked by memcheck", reports);
        CHECK(reports >= 3); /* the main process and at least two children */
    }
}

static const struct testlib_case cases[] = {TEST_ENTRY(valgrind_finds_no_errors_or_leaks)};
int testlib_failed;

int main(int argc, char **argv)
{
    const char *vg = getenv("C10K_VALGRIND");
    if (vg == NULL || *vg == '\0' || access(vg, X_OK) < 0) {
        printf("valgrind not found: skipped (install valgrind to run this test)\n");
        return VG_SKIP;
    }
    return it_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
