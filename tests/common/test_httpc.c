/* The HTTP GET and c10k-http-get against a real local listener that sends a canned answer:
 * Content-Length, chunked, until the close, not HTTP, nothing at all. Run as
 * `test_httpc C10K-HTTP-GET [test names...]`. */
#include "httpc.h"
#include "proc.h"
#include "testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_WAIT_MS 10000

static const char *http_get_path;

/* A listener on 127.0.0.1 that accepts one connection, reads the request's head and sends
 * `answer` (then closes), or, with silent, sends nothing and waits for the client to close. */
struct canned {
    int fd;
    int port;
    const char *answer;
    int silent;
    char request[1024]; /* what the client sent */
    pthread_t thread;
};

static void *canned_serve(void *arg)
{
    struct canned *c = arg;
    int conn = accept(c->fd, NULL, NULL);
    if (conn < 0)
        return NULL;
    size_t n = 0;
    while (n < sizeof c->request - 1 && !strstr(c->request, "\r\n\r\n")) {
        ssize_t r = recv(conn, c->request + n, sizeof c->request - 1 - n, 0);
        if (r <= 0)
            break;
        n += (size_t)r;
        c->request[n] = '\0';
    }
    if (!c->silent)
        send(conn, c->answer, strlen(c->answer), MSG_NOSIGNAL);
    else
        while (recv(conn, c->request + n, sizeof c->request - 1 - n, 0) > 0)
            ; /* until the client gives up */
    close(conn);
    return NULL;
}

static int canned_start(struct canned *c, const char *answer, int silent)
{
    memset(c, 0, sizeof *c);
    c->answer = answer;
    c->silent = silent;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sin;
    if (c->fd < 0 || bind(c->fd, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(c->fd, 4) < 0 ||
        getsockname(c->fd, (struct sockaddr *)&sin, &len) < 0)
        return -1;
    c->port = ntohs(sin.sin_port);
    return pthread_create(&c->thread, NULL, canned_serve, c) == 0 ? 0 : -1;
}

static void canned_stop(struct canned *c)
{
    pthread_join(c->thread, NULL);
    close(c->fd);
}

/* One GET of /x against a canned answer: the status or error, and the body in *body. */
static int get_canned(const char *answer, int timeout_ms, char **body, struct canned *c)
{
    if (canned_start(c, answer, 0) < 0)
        return -999;
    int rc = httpc_get("127.0.0.1", c->port, "/x", timeout_ms, body);
    canned_stop(c);
    return rc;
}

TEST(httpc_reads_a_content_length_answer)
{
    struct canned c;
    char *body = NULL;
    int rc = get_canned("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloIGNORED", TEST_WAIT_MS,
                        &body, &c);
    CHECK_INT_EQ(rc, 200);
    CHECK_STR_EQ(body, "hello");
    free(body);
    CHECK(strncmp(c.request, "GET /x HTTP/1.1\r\n", 17) == 0);
    CHECK(strstr(c.request, "\r\nConnection: close\r\n") != NULL);
    CHECK(strstr(c.request, "\r\nHost: 127.0.0.1:") != NULL);
}

TEST(httpc_decodes_a_chunked_answer)
{
    struct canned c;
    char *body = NULL;
    int rc = get_canned("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nTrailer: x\r\n\r\n",
                        TEST_WAIT_MS, &body, &c);
    CHECK_INT_EQ(rc, 200);
    CHECK_STR_EQ(body, "hello, world");
    free(body);
}

TEST(httpc_reads_a_body_that_ends_at_the_close)
{
    struct canned c;
    char *body = NULL;
    int rc = get_canned("HTTP/1.0 404 Not Found\r\nServer: x\r\n\r\nno such\r\n\r\npage",
                        TEST_WAIT_MS, &body, &c);
    CHECK_INT_EQ(rc, 404);
    CHECK_STR_EQ(body, "no such\r\n\r\npage");
    free(body);
}

TEST(httpc_skips_an_interim_answer)
{
    struct canned c;
    char *body = NULL;
    int rc =
        get_canned("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                   TEST_WAIT_MS, &body, &c);
    CHECK_INT_EQ(rc, 200);
    CHECK_STR_EQ(body, "ok");
    free(body);
}

TEST(httpc_refuses_an_answer_that_is_not_http)
{
    struct canned c;
    char *body = NULL;
    CHECK_INT_EQ(get_canned("SSH-2.0-OpenSSH_9.2\r\n", TEST_WAIT_MS, &body, &c), -EPROTO);
    CHECK(body == NULL);
    CHECK_INT_EQ(
        get_canned("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", TEST_WAIT_MS, &body, &c),
        -EPROTO);
    CHECK_INT_EQ(get_canned("", TEST_WAIT_MS, &body, &c), -EPROTO);
}

TEST(httpc_gives_up_at_its_deadline)
{
    struct canned c;
    CHECK_INT_EQ(canned_start(&c, NULL, 1), 0);
    char *body = NULL;
    double t0 = proc_now();
    int rc = httpc_get("127.0.0.1", c.port, "/", 200, &body);
    double took = proc_now() - t0;
    canned_stop(&c);
    CHECK_INT_EQ(rc, -ETIMEDOUT);
    CHECK(took >= 0.19 && took < 5);
}

TEST(httpc_reports_a_refused_connection)
{
    struct canned c;
    CHECK_INT_EQ(canned_start(&c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0), 0);
    char *body = NULL;
    int port = c.port;
    CHECK_INT_EQ(httpc_get("localhost", port, "/", TEST_WAIT_MS, &body), 200);
    free(body);
    canned_stop(&c); /* nothing listens on the port any more */
    CHECK_INT_EQ(httpc_can_connect("127.0.0.1", port), 0);
    CHECK_INT_EQ(httpc_get("127.0.0.1", port, "/", TEST_WAIT_MS, &body), -ECONNREFUSED);
}

TEST(httpc_splits_urls)
{
    char host[HTTPC_MAX_HOST], path[HTTPC_MAX_PATH];
    int port;
    CHECK_INT_EQ(httpc_parse_url("http://127.0.0.1:8080/stats", host, &port, path), 0);
    CHECK_STR_EQ(host, "127.0.0.1");
    CHECK_INT_EQ(port, 8080);
    CHECK_STR_EQ(path, "/stats");
    CHECK_INT_EQ(httpc_parse_url("http://example", host, &port, path), 0);
    CHECK_STR_EQ(host, "example");
    CHECK_INT_EQ(port, 80);
    CHECK_STR_EQ(path, "/");
    CHECK_INT_EQ(httpc_parse_url("http://[::1]:81/a?b=c", host, &port, path), 0);
    CHECK_STR_EQ(host, "::1");
    CHECK_INT_EQ(port, 81);
    CHECK_STR_EQ(path, "/a?b=c");
    static const char *const bad[] = {
        "https://x/",
        "http://",
        "http://:80/",
        "http://x:/",
        "http://x:0/",
        "http://x:65536/",
        "http://x:8a/",
        "http://[::1/",
        "http://[::1]x/",
        "http://x/a b",
        "x",
        "http://x?q",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (httpc_parse_url(bad[i], host, &port, path) != -EINVAL)
            CHECK_STR_EQ(bad[i], "rejected");
}

/* Runs c10k-http-get with the arguments; its exit code, stdout in *out (caller frees). */
static int run_http_get(const char *arg1, const char *arg2, char **out)
{
    char *argv[] = {(char *)http_get_path, (char *)arg1, (char *)arg2, NULL};
    struct proc p;
    struct proc_opts o = {.stdout_pipe = 1, .stderr_pipe = 1};
    if (proc_spawn(&p, "c10k-http-get", argv, &o) < 0)
        return -1;
    char *err = NULL;
    int rc = proc_collect(&p, TEST_WAIT_MS, out, &err);
    int code = rc == 0 && WIFEXITED(p.status) ? WEXITSTATUS(p.status) : -1;
    /* every failure says why on one line */
    if (code > 0 && (strlen(err) == 0 || strchr(err, '\n') != err + strlen(err) - 1))
        code = -2;
    free(err);
    return code;
}

/* c10k-http-get of path against a canned answer: its exit code, stdout in *out. */
static int http_get_canned(const char *answer, const char *path, char **out, struct canned *c)
{
    if (canned_start(c, answer, 0) < 0)
        return -999;
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", c->port, path);
    int code = run_http_get(url, NULL, out);
    canned_stop(c);
    return code;
}

TEST(http_get_prints_the_body_of_a_200)
{
    struct canned c;
    char *out = NULL;
    int code =
        http_get_canned("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n{}\n", "/stats", &out, &c);
    CHECK_INT_EQ(code, 0);
    CHECK_STR_EQ(out, "{}\n");
    free(out);
    CHECK(strncmp(c.request, "GET /stats HTTP/1.1\r\n", 21) == 0);
}

TEST(http_get_fails_on_other_answers_and_none)
{
    struct canned c;
    char url[64], *out = NULL;
    int code = http_get_canned("HTTP/1.1 503 Busy\r\nContent-Length: 4\r\n\r\nbusy", "/", &out, &c);
    CHECK_INT_EQ(code, 1);
    CHECK_STR_EQ(out, "busy");
    free(out);

    CHECK_INT_EQ(canned_start(&c, NULL, 1), 0);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", c.port);
    code = run_http_get("--timeout=0.2", url, &out);
    CHECK_INT_EQ(code, 2); /* the option takes its value apart */
    free(out);
    code = run_http_get("--timeout", "200ms", &out);
    CHECK_INT_EQ(code, 2); /* and then no URL */
    free(out);
    char *argv[] = {(char *)http_get_path, "--timeout", "200ms", url, NULL};
    struct proc p;
    struct proc_opts o = {.stdout_pipe = 1};
    CHECK_INT_EQ(proc_spawn(&p, "c10k-http-get", argv, &o), 0);
    CHECK_INT_EQ(proc_collect(&p, TEST_WAIT_MS, NULL, NULL), 0);
    canned_stop(&c);
    CHECK(WIFEXITED(p.status) && WEXITSTATUS(p.status) == 1);
}

TEST(http_get_refuses_urls_and_options_it_cannot_take)
{
    char *out = NULL;
    static const char *const bad[][2] = {
        {"ftp://x/", NULL},         {"http://x:99999/", NULL}, {NULL, NULL},
        {"--timeout", "soon"},      {"--timeout", "-1s"},      {"--bogus", "http://x/"},
        {"http://x/", "http://y/"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int code = run_http_get(bad[i][0], bad[i][1], &out);
        free(out);
        if (code != 2)
            CHECK_STR_EQ(bad[i][0] ? bad[i][0] : "(none)", "exit 2 with one line");
    }
}

int testlib_failed;

int main(int argc, char **argv)
{
    static const struct testlib_case cases[] = {
        TEST_ENTRY(httpc_reads_a_content_length_answer),
        TEST_ENTRY(httpc_decodes_a_chunked_answer),
        TEST_ENTRY(httpc_reads_a_body_that_ends_at_the_close),
        TEST_ENTRY(httpc_skips_an_interim_answer),
        TEST_ENTRY(httpc_refuses_an_answer_that_is_not_http),
        TEST_ENTRY(httpc_gives_up_at_its_deadline),
        TEST_ENTRY(httpc_reports_a_refused_connection),
        TEST_ENTRY(httpc_splits_urls),
        TEST_ENTRY(http_get_prints_the_body_of_a_200),
        TEST_ENTRY(http_get_fails_on_other_answers_and_none),
        TEST_ENTRY(http_get_refuses_urls_and_options_it_cannot_take),
    };
    if (argc < 2) {
        fprintf(stderr, "usage: %s C10K-HTTP-GET [test names...]\n", argv[0]);
        return 2;
    }
    http_get_path = argv[1];
    return testlib_run(cases, sizeof cases / sizeof cases[0], argc - 1, argv + 1);
}
