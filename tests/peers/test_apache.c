/* Apache httpd from the one template (peers/apache/apache.conf.in, in $C10K_APACHE_TEMPLATE),
 * once per MPM: it starts on a free port as the template says, serves /plaintext (13 bytes,
 * text/plain, keep-alive) and counts requests on /server-status?auto, runs the processes the
 * sizing asks for, and stops. Exits 77 (skipped) where apache2 is not installed. */
#include "apache_conf.h"
#include "freeport.h"
#include "httpc.h"
#include "proc.h"
#include "procfs.h"
#include "testlib.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define APACHE_BIN "/usr/sbin/apache2"
#define CONNECTIONS 8 /* the level the sizing is for: 8 prefork processes, 1 of the others */
#define START_TIMEOUT_MS 10000
#define IO_TIMEOUT_MS 5000
#define HELLO "Hello, World!"

static char *template_text;

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *text = malloc(cap);
    size_t n;
    while (text && (n = fread(text + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (len + 1 == cap) {
            char *more = realloc(text, cap *= 2);
            if (!more)
                free(text);
            text = more;
        }
    }
    fclose(f);
    if (text)
        text[len] = '\0';
    return text;
}

static int write_text(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return -errno;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

static void remove_dir(const char *dir)
{
    char *const argv[] = {"rm", "-rf", (char *)dir, NULL};
    char out[256];
    proc_capture(argv, out, sizeof out, 10000);
}

/* Reads from fd until buf holds `want` (a full response ending in the 13 bytes) or the deadline
 * passes. Returns the bytes read. */
static size_t read_response(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    double deadline = proc_now() + IO_TIMEOUT_MS / 1000.0;
    while (len + 1 < cap && proc_now() < deadline) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0)
            continue;
        ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
        if (n <= 0)
            break;
        len += (size_t)n;
        buf[len] = '\0';
        const char *end = strstr(buf, "\r\n\r\n");
        if (end && strstr(end, HELLO))
            break;
    }
    buf[len] = '\0';
    return len;
}

/* Two GET /plaintext on one connection: 13 bytes of text/plain each, the connection kept. */
static void check_plaintext(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK_INT_EQ(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    static const char req[] = "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n";
    for (int i = 0; i < 2 && !testlib_failed; i++) {
        CHECK_INT_EQ(send(fd, req, sizeof req - 1, MSG_NOSIGNAL), (ssize_t)(sizeof req - 1));
        char buf[4096];
        read_response(fd, buf, sizeof buf);
        if (strncmp(buf, "HTTP/1.1 200", 12) != 0)
            fprintf(stderr, "  response %d: %s\n", i + 1, buf);
        CHECK(strncmp(buf, "HTTP/1.1 200", 12) == 0);
        CHECK(strstr(buf, "\r\nContent-Type: text/plain\r\n") != NULL);
        CHECK(strstr(buf, "\r\nContent-Length: 13\r\n") != NULL);
        CHECK(strstr(buf, "\r\nConnection: close") == NULL);
        const char *body = strstr(buf, "\r\n\r\n");
        CHECK(body != NULL);
        CHECK_STR_EQ(body + 4, HELLO);
    }
    close(fd);
}

/* What the benchmarks ask of a running httpd: /plaintext, the request counter, its processes. */
static void check_running(pid_t pid, int port, enum apache_mpm mpm)
{
    check_plaintext(port);
    if (testlib_failed)
        return;
    /* A worker notes a request in the scoreboard after it has sent the response: poll until
     * the count has the two /plaintext requests and every earlier status request, never the one
     * being answered (c10k-bench takes out the status requests it made before). */
    char *body = NULL;
    long total = -1, reads = 0, over = 0;
    double deadline = proc_now() + IO_TIMEOUT_MS / 1000.0;
    do {
        free(body);
        body = NULL;
        int status = httpc_get("127.0.0.1", port, "/server-status?auto", IO_TIMEOUT_MS, &body);
        CHECK_INT_EQ(status, 200);
        const char *line = strstr(body, "Total Accesses: ");
        CHECK(line != NULL);
        total = atol(line + 16);
        over += total > 2 + reads;
    } while (total != 2 + reads++ && proc_now() < deadline && proc_sleep_ms(10) == 0);
    CHECK_INT_EQ(total, 2 + reads - 1);
    CHECK_INT_EQ(over, 0);
    char mpm_line[64];
    snprintf(mpm_line, sizeof mpm_line, "ServerMPM: %s\n", apache_mpm_name(mpm));
    CHECK(strstr(body, mpm_line) != NULL);
    free(body);

    /* the processes the sizing starts up front, beside the parent */
    struct apache_sizing z;
    apache_size(mpm, CONNECTIONS, &z);
    pid_t pids[256];
    int64_t n;
    deadline = proc_now() + IO_TIMEOUT_MS / 1000.0; /* the parent forks them one after another */
    while ((n = procfs_tree_pids(pid, pids, 256)) < z.start_servers + 1 && proc_now() < deadline)
        proc_sleep_ms(10);
    fprintf(stderr, "  %s: %lld processes for %d connections\n", apache_mpm_name(mpm), (long long)n,
            CONNECTIONS);
    CHECK(n >= z.start_servers + 1);
}

static void check_mpm(enum apache_mpm mpm)
{
    char dir[] = "/tmp/c10k-apache-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    /* the children run as nobody when started as root: they must read the directory */
    chmod(dir, 0755);
    char path[256], conf[256], log[256];
    snprintf(path, sizeof path, "%s/htdocs", dir);
    CHECK_INT_EQ(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/htdocs/plaintext", dir);
    CHECK_INT_EQ(write_text(path, HELLO, 0644), 0);
    snprintf(conf, sizeof conf, "%s/apache.conf", dir);
    snprintf(log, sizeof log, "%s/error.log", dir);
    int port = freeport_pick();
    CHECK(port > 0);
    CHECK_INT_EQ(apache_conf_write(template_text, conf, dir, "127.0.0.1", port, mpm, CONNECTIONS),
                 0);

    struct proc p;
    char *const argv[] = {APACHE_BIN, "-f", conf, "-DFOREGROUND", NULL};
    struct proc_opts o = {.stdout_path = log, .stderr_path = log};
    CHECK_INT_EQ(proc_spawn(&p, "apache2", argv, &o), 0);
    double deadline = proc_now() + START_TIMEOUT_MS / 1000.0;
    while (!httpc_can_connect("127.0.0.1", port) && !proc_poll(&p) && proc_now() < deadline)
        proc_sleep_ms(20);
    if (!httpc_can_connect("127.0.0.1", port)) {
        char *text = read_all(log);
        fprintf(stderr, "  apache2 (%s) did not listen; its log:\n%s\n", apache_mpm_name(mpm),
                text ? text : "(none)");
        free(text);
        proc_stop(&p, 2000);
        remove_dir(dir);
        CHECK(0);
    }

    check_running(p.pid, port, mpm);
    CHECK_INT_EQ(proc_stop(&p, 5000), 0);
    remove_dir(dir);
}

TEST(apache_prefork_serves_plaintext_and_counts_requests)
{
    check_mpm(APACHE_PREFORK);
}

TEST(apache_worker_serves_plaintext_and_counts_requests)
{
    check_mpm(APACHE_WORKER);
}

TEST(apache_event_serves_plaintext_and_counts_requests)
{
    check_mpm(APACHE_EVENT);
}

TEST(apache_sizing_holds_the_connections)
{
    struct apache_sizing z;
    apache_size(APACHE_PREFORK, 1000, &z);
    CHECK_INT_EQ(z.max_request_workers, 1000);
    CHECK_INT_EQ(z.server_limit, 1000);
    CHECK_INT_EQ(z.start_servers, 1000);
    apache_size(APACHE_WORKER, 1000, &z); /* 16 processes of 64 threads */
    CHECK_INT_EQ(z.server_limit, 16);
    CHECK_INT_EQ(z.max_request_workers, 16 * APACHE_THREADS_PER_CHILD);
    CHECK(z.max_request_workers >= 1000);
    apache_size(APACHE_EVENT, 1000, &z); /* as worker: each connection held keeps a thread */
    CHECK_INT_EQ(z.server_limit, 16);
    CHECK_INT_EQ(z.max_request_workers, 16 * APACHE_THREADS_PER_CHILD);
    CHECK_INT_EQ(z.async_factor, APACHE_ASYNC_FACTOR);
    apache_size(APACHE_WORKER, 100000000, &z);
    CHECK_INT_EQ(z.server_limit, APACHE_MAX_SERVER_LIMIT);
}

int testlib_failed;

int main(int argc, char **argv)
{
    static const struct testlib_case cases[] = {
        TEST_ENTRY(apache_sizing_holds_the_connections),
        TEST_ENTRY(apache_prefork_serves_plaintext_and_counts_requests),
        TEST_ENTRY(apache_worker_serves_plaintext_and_counts_requests),
        TEST_ENTRY(apache_event_serves_plaintext_and_counts_requests),
    };
    if (access(APACHE_BIN, X_OK) != 0) {
        printf("%s not installed (Debian's apache2-bin): skipped\n", APACHE_BIN);
        return 77;
    }
    const char *path = getenv("C10K_APACHE_TEMPLATE");
    template_text = path ? read_all(path) : NULL;
    if (template_text == NULL) {
        fprintf(stderr, "cannot read the template $C10K_APACHE_TEMPLATE (%s)\n",
                path ? path : "unset");
        return 1;
    }
    int rc = testlib_run(cases, sizeof cases / sizeof cases[0], argc, argv);
    free(template_text);
    return rc;
}
