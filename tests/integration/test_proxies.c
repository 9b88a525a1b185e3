/* Request smuggling behind real reverse proxies. Debian's nginx and HAProxy, each started here
 * with its own configuration in a temporary directory, forward to the server under test over
 * keep-alive connections (where a request the server reads differently from the proxy would be
 * served to whoever sent the next one). Every probe of the table (CL.TE, TE.CL, TE.TE with
 * obfuscated codings, bare LF and bare CR in each position, obs-fold, duplicate and signed
 * Content-Length, oversized and zero-padded chunk sizes, chunk extensions, pipelining after a body,
 * Expect: 100-continue) is sent through each proxy on a connection of its own, and the proxy and
 * the server must agree on the requests it made: the requests the server answered (its /stats)
 * equal the requests the proxy forwarded and got an answer to (its access log). A smuggled request
 * is one the server answers and the proxy never forwarded as one, so it breaks the equality.
 *
 * A proxy that is not installed is skipped with a message ("skip: ..."), which ctest reports as a
 * skipped test; scripts/deps.sh test installs both. */
#include "support.h"

#include <poll.h>
#include <stdio.h>

#define HOST "Host: t\r\n"
/* 31 bytes, 0x1f: what each probe tries to slip past the proxy */
#define HIDDEN "GET /json HTTP/1.1\r\n" HOST "\r\n"
#define POST_HEAD "POST /echo HTTP/1.1\r\n" HOST
#define CHUNKED_HEAD POST_HEAD "Transfer-Encoding: chunked\r\n\r\n"
/* Content-Length covers the last chunk and HIDDEN; chunked framing ends before HIDDEN. */
#define CL_TE(te) POST_HEAD "Content-Length: 36\r\n" te "\r\n\r\n0\r\n\r\n" HIDDEN
/* Content-Length covers the chunk size line only; chunked framing makes HIDDEN chunk data. */
#define TE_CL(te) POST_HEAD "Content-Length: 4\r\n" te "\r\n\r\n1f\r\n" HIDDEN "\r\n0\r\n\r\n"
/* No Content-Length: whoever does not see chunked reads the chunk size line as a request. */
#define TE_ONLY(te) POST_HEAD te "\r\n\r\n1f\r\n" HIDDEN "\r\n0\r\n\r\n"

#define ANY -1 /* the count is the proxy's decision; only the agreement is checked */

/* X(name, bytes, requests): requests is the count both sides must reach, or ANY. */
/* clang-format off */
#define PROBES(X)                                                                                  \
    /* controls: the counting itself */                                                           \
    X(get, "GET /plaintext HTTP/1.1\r\n" HOST "\r\n", 1)                                           \
    X(two_pipelined_gets, "GET /plaintext HTTP/1.1\r\n" HOST "\r\n" HIDDEN, 2)                     \
    X(get_after_length_body, POST_HEAD "Content-Length: 5\r\n\r\nhello" HIDDEN, 2)                \
    X(get_after_chunked_body, CHUNKED_HEAD "5;a=\"b\"\r\nhello\r\n0\r\nX: y\r\n\r\n" HIDDEN, 2)    \
    X(expect_100_continue, POST_HEAD "Expect: 100-continue\r\nContent-Length: 5\r\n\r\nhello", 1)  \
    X(get_after_expect_100_continue,                                                               \
      POST_HEAD "Expect: 100-continue\r\nContent-Length: 5\r\n\r\nhello" HIDDEN, 2)                \
    X(chunk_size_with_leading_zeros, CHUNKED_HEAD "0005\r\nhello\r\n0000\r\n\r\n", 1)              \
    /* CL.TE and TE.CL */                                                                         \
    X(cl_te, CL_TE("Transfer-Encoding: chunked"), ANY)                                             \
    X(te_cl, TE_CL("Transfer-Encoding: chunked"), ANY)                                             \
    X(te_cl_with_expect, TE_CL("Expect: 100-continue\r\nTransfer-Encoding: chunked"), ANY)         \
    X(te_cl_in_http10, "POST /echo HTTP/1.0\r\nContent-Length: 4\r\nTransfer-Encoding: chunked"   \
      "\r\n\r\n1f\r\n" HIDDEN "\r\n0\r\n\r\n", ANY)                                                \
    /* TE.TE: obfuscated codings */                                                               \
    X(te_trailing_space_cl, TE_CL("Transfer-Encoding: chunked "), ANY)                             \
    X(te_trailing_space, TE_ONLY("Transfer-Encoding: chunked "), ANY)                              \
    X(te_x_chunked, TE_CL("Transfer-Encoding: x-chunked"), ANY)                                    \
    X(te_x_chunked_alone, TE_ONLY("Transfer-Encoding: x-chunked"), ANY)                            \
    X(te_chunked_identity, TE_CL("Transfer-Encoding: chunked, identity"), ANY)                     \
    X(te_identity_chunked, TE_CL("Transfer-Encoding: identity, chunked"), ANY)                     \
    X(te_repeated_chunked_then_x, TE_CL("Transfer-Encoding: chunked\r\nTransfer-Encoding: x"), ANY) \
    X(te_repeated_x_then_chunked, TE_CL("Transfer-Encoding: x\r\nTransfer-Encoding: chunked"), ANY) \
    X(te_repeated_chunked, TE_ONLY("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked"), ANY) \
    X(te_upper_case, TE_CL("Transfer-Encoding: CHUNKED"), ANY)                                     \
    X(te_name_upper_case, TE_CL("TRANSFER-ENCODING: chunked"), ANY)                                \
    X(te_space_before_colon, TE_CL("Transfer-Encoding : chunked"), ANY)                            \
    X(te_tab_before_value, TE_CL("Transfer-Encoding:\tchunked"), ANY)                              \
    X(te_vertical_tab, TE_CL("Transfer-Encoding: \x0b" "chunked"), ANY)                            \
    X(te_quoted, TE_CL("Transfer-Encoding: \"chunked\""), ANY)                                     \
    X(te_comma_list_empty, TE_CL("Transfer-Encoding: , chunked"), ANY)                             \
    /* bare LF in each position of a CRLF message */                                              \
    X(bare_lf_after_request_line, "GET /plaintext HTTP/1.1\n" HOST "\r\n" HIDDEN, ANY)             \
    X(bare_lf_hiding_content_length,                                                               \
      "GET / HTTP/1.1\r\nHost: localhost\r\nDummy: x\nContent-Length: 23\r\n\r\n"                  \
      "GET / HTTP/1.1\r\nDummy: GET /admin HTTP/1.1\r\nHost: localhost\r\n\r\n", ANY)              \
    X(bare_lf_hiding_transfer_encoding,                                                            \
      "POST / HTTP/1.1\r\nHost: localhost:5000\r\nx:x\nTransfer-Encoding: chunked\r\n\r\n"         \
      "1\r\nA\r\n0\r\n\r\n", ANY)                                                                  \
    X(bare_lf_after_empty_value_hiding_te,                                                         \
      "POST / HTTP/1.1\r\nHost: localhost:5000\r\nx:\nTransfer-Encoding: chunked\r\n\r\n"          \
      "1\r\nA\r\n0\r\n\r\n", ANY)                                                                  \
    X(bare_lf_empty_line, "GET /plaintext HTTP/1.1\r\n" HOST "\n" HIDDEN, ANY)                     \
    X(bare_lf_chunk_size_line, CHUNKED_HEAD "5\nhello\r\n0\r\n\r\n" HIDDEN, ANY)                   \
    X(bare_lf_after_chunk_data, CHUNKED_HEAD "5\r\nhello\n0\r\n\r\n" HIDDEN, ANY)                  \
    X(bare_lf_last_chunk, CHUNKED_HEAD "5\r\nhello\r\n0\n\r\n" HIDDEN, ANY)                        \
    X(bare_lf_trailer, CHUNKED_HEAD "5\r\nhello\r\n0\r\nX: y\n\r\n" HIDDEN, ANY)                   \
    X(bare_lf_throughout, "GET /plaintext HTTP/1.1\n" HOST "\n" "GET /json HTTP/1.1\nHost: t\n\n", \
      ANY)                                                                                         \
    /* bare CR in each position */                                                                \
    X(bare_cr_after_request_line, "GET /plaintext HTTP/1.1\r" HOST "\r\n" HIDDEN, ANY)             \
    X(bare_cr_in_value, "GET /plaintext HTTP/1.1\r\n" HOST "X: a\rb\r\n\r\n" HIDDEN, ANY)          \
    X(bare_cr_hiding_content_length,                                                               \
      "GET /plaintext HTTP/1.1\r\n" HOST "X: a\rContent-Length: 31\r\n\r\n" HIDDEN, ANY)          \
    X(bare_cr_empty_line, "GET /plaintext HTTP/1.1\r\n" HOST "\r" HIDDEN, ANY)                     \
    X(bare_cr_chunk_size_line, CHUNKED_HEAD "5\rhello\r\n0\r\n\r\n" HIDDEN, ANY)                   \
    X(bare_cr_after_chunk_data, CHUNKED_HEAD "5\r\nhello\r0\r\n\r\n" HIDDEN, ANY)                  \
    X(bare_cr_trailer, CHUNKED_HEAD "0\r\nX: y\rZ: w\r\n\r\n" HIDDEN, ANY)                         \
    /* obs-fold */                                                                                \
    X(obs_fold_hiding_content_length,                                                              \
      "GET /plaintext HTTP/1.1\r\n" HOST "X: a\r\n Content-Length: 31\r\n\r\n" HIDDEN, ANY)       \
    X(obs_fold_of_transfer_encoding, TE_CL("Transfer-Encoding:\r\n chunked"), ANY)                 \
    X(obs_fold_after_transfer_encoding, TE_CL("Transfer-Encoding: chunked\r\n\tx"), ANY)           \
    /* Content-Length: duplicate, signed, not decimal */                                          \
    X(duplicate_content_length_differing,                                                          \
      POST_HEAD "Content-Length: 0\r\nContent-Length: 31\r\n\r\n" HIDDEN, ANY)                     \
    X(content_length_list_differing, POST_HEAD "Content-Length: 31, 0\r\n\r\n" HIDDEN, ANY)       \
    X(duplicate_content_length_identical,                                                          \
      POST_HEAD "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello" HIDDEN, ANY)                 \
    X(content_length_plus_sign, POST_HEAD "Content-Length: +31\r\n\r\n" HIDDEN, ANY)               \
    X(content_length_minus_sign, POST_HEAD "Content-Length: -1\r\n\r\n" HIDDEN, ANY)               \
    X(content_length_hex, POST_HEAD "Content-Length: 0x1f\r\n\r\n" HIDDEN, ANY)                    \
    X(content_length_space_inside, POST_HEAD "Content-Length: 3 1\r\n\r\n" HIDDEN, ANY)            \
    X(content_length_space_before_colon, POST_HEAD "Content-Length : 31\r\n\r\n" HIDDEN, ANY)      \
    /* chunk sizes and extensions */                                                              \
    X(chunk_size_over_64_bits_wrapping_to_31,                                                      \
      CHUNKED_HEAD "1000000000000001f\r\n" HIDDEN "\r\n0\r\n\r\n", ANY)                            \
    X(chunk_size_of_2_pow_64_minus_1, CHUNKED_HEAD "ffffffffffffffff\r\n" HIDDEN, ANY)             \
    X(chunk_size_negative, CHUNKED_HEAD "-1f\r\n" HIDDEN "\r\n0\r\n\r\n", ANY)                     \
    X(chunk_size_hex_prefix, CHUNKED_HEAD "0x1f\r\n" HIDDEN "\r\n0\r\n\r\n", ANY)                  \
    X(chunk_size_space_inside, CHUNKED_HEAD "1 f\r\n" HIDDEN "\r\n0\r\n\r\n", ANY)                 \
    X(chunk_extension_empty, CHUNKED_HEAD "2;\r\naa\r\n0\r\n\r\n" HIDDEN, ANY)                     \
    X(chunk_extension_unbalanced_quote,                                                            \
      CHUNKED_HEAD "5;ilovew3=\"abc\";somuchlove=\"def; ghi\r\nhello\r\n"                          \
                   "6;blahblah;blah\r\n world\r\n0\r\n\r\n" HIDDEN, ANY)                           \
    X(chunk_extension_quote_hiding_a_line_end,                                                     \
      CHUNKED_HEAD "1;a=\"\r\n0\r\n\r\n" HIDDEN "\"\r\nx\r\n0\r\n\r\n", ANY)                       \
    X(chunk_data_longer_than_size, CHUNKED_HEAD "1\r\nxx\r\n0\r\n\r\n" HIDDEN, ANY)
/* clang-format on */

struct probe {
    const char *name;
    const char *bytes;
    size_t len;
    int requests;
};

#define PROBE_ENTRY(name, bytes, requests) {#name, bytes, sizeof(bytes) - 1, requests},
static const struct probe probes[] = {PROBES(PROBE_ENTRY)};

/* ---- the proxies ---- */

#define PROXY_START_TRIES 3          /* another process may take the free port first */
#define PROXY_PROBE_TIMEOUT_MS 15000 /* for the proxy to answer a probe and close */

/* Each proxy keeps one idle connection to the server (nginx's keepalive 1, HAProxy's
 * pool-max-conn 1): the probes go one at a time, so one is what reuse needs, and every idle
 * connection a proxy pools holds one of prefork's workers (4 in these tests), which the test's
 * own /stats reads then wait behind. */

struct proxy {
    const char *name;
    const char *program;
    const char *package;
    /* Writes the configuration into dir and returns the command line (NULL-terminated). */
    const char *const *(*configure)(const char *bin, const char *dir, int port, int upstream);
    const char *log_name; /* its access log, in dir */
    /* Whether one access log line is a request the server answered. */
    int (*forwarded)(const char *line);
    int stop_signal; /* the one it exits 0 on once its connections are done */
};

/* nginx: one process (no master, so that the test's death takes it along), HTTP/1.1 and
 * keep-alive to the server (one idle connection, as said above), request bodies streamed rather
 * than buffered so that chunked bodies go on as chunked. Short client timeouts make it close each
 * probe's connection soon after its last answer, which is what the test waits for. */
static const char *const *nginx_configure(const char *bin, const char *dir, int port, int upstream)
{
    char *conf = it_printf("master_process off;\n"
                           "worker_processes 1;\n"
                           "pid %1$s/nginx.pid;\n"
                           "error_log %1$s/error.log info;\n"
                           "events { worker_connections 256; }\n"
                           "http {\n"
                           "    log_format forwarded '$upstream_header_time|$status|$request';\n"
                           "    access_log %1$s/access.log forwarded;\n"
                           "    client_body_temp_path %1$s/body;\n"
                           "    proxy_temp_path %1$s/proxy;\n"
                           "    fastcgi_temp_path %1$s/fastcgi;\n"
                           "    uwsgi_temp_path %1$s/uwsgi;\n"
                           "    scgi_temp_path %1$s/scgi;\n"
                           "    keepalive_timeout 200ms;\n"
                           "    client_header_timeout 1s;\n"
                           "    client_body_timeout 1s;\n"
                           "    lingering_timeout 500ms;\n"
                           "    upstream c10k { server 127.0.0.1:%3$d; keepalive 1; }\n"
                           "    server {\n"
                           "        listen 127.0.0.1:%2$d;\n"
                           "        location / {\n"
                           "            proxy_pass http://c10k;\n"
                           "            proxy_http_version 1.1;\n"
                           "            proxy_set_header Connection \"\";\n"
                           "            proxy_request_buffering off;\n"
                           "        }\n"
                           "    }\n"
                           "}\n",
                           dir, port, upstream);
    char *path = it_printf("%s/nginx.conf", dir);
    if (it_write_file(path, conf) < 0)
        return NULL;
    const char **argv = it_alloc(10 * sizeof *argv);
    const char *args[] = {
        bin,  "-p",          dir, "-c", path, "-e", it_printf("%s/error.log", dir),
        "-g", "daemon off;", NULL};
    memcpy(argv, args, sizeof args);
    return argv;
}

/* $upstream_header_time: "-" when no answer came from the server, one value per attempt */
static int nginx_forwarded(const char *line)
{
    return line[0] != '-' && line[0] != '|';
}

/* HAProxy: one thread in the foreground, its log on stdout, keep-alive to the server with one
 * idle connection kept. */
static const char *const *haproxy_configure(const char *bin, const char *dir, int port,
                                            int upstream)
{
    char *conf = it_printf("global\n"
                           "    nbthread 1\n"
                           "    log stdout format raw local0 info\n"
                           "defaults\n"
                           "    mode http\n"
                           "    log global\n"
                           "    option dontlognull\n"
                           "    log-format \"%%s|%%Tr|%%ST|%%{+Q}r\"\n"
                           "    timeout connect 2s\n"
                           "    timeout client 2s\n"
                           "    timeout server 10s\n"
                           "    timeout http-request 1s\n"
                           "    timeout http-keep-alive 200ms\n"
                           "frontend probes\n"
                           "    bind 127.0.0.1:%d\n"
                           "    default_backend c10k\n"
                           "backend c10k\n"
                           "    server c10k 127.0.0.1:%d pool-max-conn 1\n",
                           port, upstream);
    char *path = it_printf("%s/haproxy.cfg", dir);
    if (it_write_file(path, conf) < 0)
        return NULL;
    const char **argv = it_alloc(5 * sizeof *argv);
    const char *args[] = {bin, "-db", "-f", path, NULL};
    memcpy(argv, args, sizeof args);
    return argv;
}

/* "%s|%Tr|...": the server chosen ("<NOSRV>" when HAProxy answered itself), and how long its
 * answer took (-1: none came) */
static int haproxy_forwarded(const char *line)
{
    size_t server_len = strcspn(line, "|");
    if (line[server_len] != '|' || strncmp(line, "<NOSRV>", server_len) == 0)
        return 0;
    return strncmp(line + server_len + 1, "-1|", 3) != 0;
}

static const struct proxy nginx = {"nginx",      "nginx",         "nginx-light", nginx_configure,
                                   "access.log", nginx_forwarded, SIGQUIT};
/* HAProxy dies of SIGTERM; SIGUSR1 is its graceful stop */
static const struct proxy haproxy = {"haproxy",     "haproxy",         "haproxy", haproxy_configure,
                                     "haproxy.log", haproxy_forwarded, SIGUSR1};

struct proxy_run {
    const struct proxy *proxy;
    struct it_server *proc;
    char *log_path;
};

/* Starts the proxy in front of srv; 0, 1 when it is not installed (skipped), -1 on failure. */
static int proxy_start(const struct proxy *p, struct it_server *srv, struct proxy_run *run)
{
    const char *bin = it_find_program(p->program);
    if (bin == NULL) {
        printf("skip: %s is not installed (scripts/deps.sh test installs %s)\n", p->name,
               p->package);
        return 1;
    }
    for (int attempt = 0; attempt < PROXY_START_TRIES; attempt++) {
        char *dir = it_temp_dir();
        int port = it_free_port();
        if (dir == NULL || port < 0)
            return -1;
        const char *const *argv = p->configure(bin, dir, port, srv->port);
        if (argv == NULL)
            return -1;
        run->proxy = p;
        run->log_path = it_printf("%s/%s", dir, p->log_name);
        /* HAProxy's log is its stdout; nginx writes its own and says little there */
        const char *out =
            strcmp(p->log_name, "haproxy.log") == 0 ? run->log_path : it_printf("%s/stdout", dir);
        run->proc = it_process_startv(argv, out, "127.0.0.1", port);
        if (run->proc == NULL)
            return -1;
        int rc = it_process_wait_listening(run->proc, IT_START_TIMEOUT_MS);
        if (rc == 0)
            return 0;
        char *err =
            it_read_file(strcmp(p->name, "nginx") == 0 ? it_printf("%s/error.log", dir) : out);
        it_log("%s did not start on port %d: %s", p->name, port, err ? err : "");
        if (rc != -ECHILD)
            return -1;
    }
    return -1;
}

struct proxy_log_count {
    int lines;
    int forwarded;
};

static struct proxy_log_count proxy_count_log(const struct proxy_run *run)
{
    struct proxy_log_count n = {0, 0};
    char *log = it_read_file(run->log_path);
    if (log == NULL)
        return (struct proxy_log_count){-1, -1};
    for (char *save = NULL, *line = strtok_r(log, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        n.lines++;
        n.forwarded += run->proxy->forwarded(line);
    }
    return n;
}

/* Requests the server answered, less its own /stats requests (the ones this test makes). */
static double server_answered(struct it_server *srv)
{
    char *json = it_stats(srv);
    double total, stats;
    if (json == NULL || it_json_number(json, "requests.total", &total) < 0 ||
        it_json_number(json, "requests.by_endpoint.stats", &stats) < 0)
        return -1;
    return total - stats;
}

/* Sends one probe through the proxy and compares the two counts. 0 when they agree (and match
 * the probe's expected count), -1 when not (printed). */
static int run_probe(const struct proxy_run *run, struct it_server *srv, const struct probe *pr)
{
    double served_before = server_answered(srv);
    struct proxy_log_count logged_before = proxy_count_log(run);
    if (served_before < 0 || logged_before.lines < 0)
        return -1;

    struct it_conn *c = it_connect(run->proc);
    if (c == NULL || it_send(c, pr->bytes, pr->len) < 0)
        return -1;
    /* the proxy answers what it reads and closes once the client is idle: then it is done */
    int answers = it_count_responses_until_eof(c, PROXY_PROBE_TIMEOUT_MS);
    it_close(c);
    if (answers < 0) {
        it_log("%s through %s: no clean close (%d)", pr->name, run->proxy->name, answers);
        return -1;
    }
    /* every answer the client got is a logged request; the log line may follow the close */
    struct proxy_log_count logged;
    long long deadline = it_now_ms() + IT_IO_TIMEOUT_MS;
    while ((logged = proxy_count_log(run)).lines >= 0 &&
           logged.lines - logged_before.lines < answers && it_now_ms() < deadline)
        poll(NULL, 0, 5); /* between looks at the log, not a wait for it */
    if (logged.lines - logged_before.lines < answers) {
        it_log("%s through %s: %d answers, %d log lines", pr->name, run->proxy->name, answers,
               logged.lines - logged_before.lines);
        return -1;
    }
    int forwarded = logged.forwarded - logged_before.forwarded;
    double served = server_answered(srv) - served_before;
    it_log("%-42s %s: %d answers, %d forwarded, server answered %.0f", pr->name, run->proxy->name,
           answers, forwarded, served);
    if (served != forwarded || (pr->requests != ANY && forwarded != pr->requests)) {
        it_log("%s through %s: the proxy forwarded %d requests, the server answered %.0f%s",
               pr->name, run->proxy->name, forwarded, served,
               pr->requests != ANY ? it_printf(" (expected %d)", pr->requests) : "");
        return -1;
    }
    return 0;
}

static void run_probes_behind(const struct proxy *p)
{
    struct it_server *srv = it_shared_server();
    CHECK(srv != NULL);
    struct proxy_run run;
    int rc = proxy_start(p, srv, &run);
    if (rc > 0)
        return;
    CHECK_INT_EQ(rc, 0);
    int disagreements = 0;
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
        disagreements += run_probe(&run, srv, &probes[i]) < 0;
    CHECK_INT_EQ(disagreements, 0);
    /* the server is still serving, directly */
    struct it_response *r = it_get(srv, "/plaintext");
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    /* stopped here, the graceful way, rather than by the SIGTERM at the test's end */
    CHECK_INT_EQ(it_server_signal(run.proc, p->stop_signal), 0);
    CHECK_INT_EQ(it_server_wait_exit(run.proc, IT_STOP_TIMEOUT_MS), 0);
    CHECK_STR_EQ(it_wait_status_str(run.proc->status), "exit 0");
}

TEST(nginx_and_server_agree_on_every_probe)
{
    run_probes_behind(&nginx);
}

TEST(haproxy_and_server_agree_on_every_probe)
{
    run_probes_behind(&haproxy);
}

IT_MAIN(TEST_ENTRY(nginx_and_server_agree_on_every_probe),
        TEST_ENTRY(haproxy_and_server_agree_on_every_probe))
