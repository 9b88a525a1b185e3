/* The connection state machine without sockets: bytes in, responses out, however the bytes are
 * split; /data over a data set, and its writes from many threads. */
#include "conn.h"
#include "dataset.h"
#include "server.h"
#include "testlib.h"

#include <pthread.h>

static struct config cfg;
static struct server srv;
static struct stats_shard shard;

static const struct server_mode test_mode = {.name = "test"};

static void setup(void)
{
    char *argv[] = {"test", NULL};
    config_parse(&cfg, 1, argv, NULL);
    server_init(&srv, &cfg, &test_mode);
    stats_shard_register(&shard);
}

static void teardown(void)
{
    stats_shard_release(&shard);
}

/* Feeds `in` in pieces of `step` bytes (0: all at once), running deferred requests at once.
 * Returns the last conn_next; the output collects in *out. */
static enum conn_next run(const char *in, size_t len, size_t step, struct buf *out, int defer_work)
{
    struct conn c;
    conn_init(&c, &srv.env, &shard, defer_work);
    enum conn_next next = CONN_READ;
    size_t pos = 0;
    while (next != CONN_CLOSE) {
        if (next == CONN_WRITE || next == CONN_DEFER) {
            next = conn_resume(&c, out);
            continue;
        }
        if (pos == len)
            break;
        size_t n = step == 0 || len - pos < step ? len - pos : step;
        next = conn_feed(&c, in + pos, n, out);
        pos += n;
    }
    conn_free(&c);
    return next;
}

static int count(const struct buf *b, const char *needle)
{
    int n = 0;
    size_t nl = strlen(needle);
    for (size_t i = 0; b->len >= nl && i <= b->len - nl; i++)
        if (memcmp(b->data + i, needle, nl) == 0)
            n++;
    return n;
}

static int starts_with(const struct buf *b, const char *prefix)
{
    return b->len >= strlen(prefix) && memcmp(b->data, prefix, strlen(prefix)) == 0;
}

#define GET(path) "GET " path " HTTP/1.1\r\nHost: x\r\n\r\n"

TEST(conn_answers_plaintext)
{
    setup();
    struct buf out = {0};
    const char req[] = GET("/plaintext");
    CHECK_INT_EQ(run(req, sizeof req - 1, 0, &out, 0), CONN_READ);
    CHECK(starts_with(&out, "HTTP/1.1 200 OK\r\n"));
    CHECK_INT_EQ(count(&out, "Content-Length: 13\r\n"), 1);
    CHECK(out.len > 13 && memcmp(out.data + out.len - 13, "Hello, World!", 13) == 0);
    buf_free(&out);
    teardown();
}

TEST(conn_gives_same_output_at_every_split)
{
    setup();
    const char req[] = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello" GET(
        "/json") "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n" GET("/plaintext");
    struct buf whole = {0};
    run(req, sizeof req - 1, 0, &whole, 0);
    CHECK_INT_EQ(count(&whole, "HTTP/1.1 200 OK"), 4);
    CHECK_INT_EQ(count(&whole, "\r\n\r\nhello"), 1);
    CHECK_INT_EQ(count(&whole, "\r\n\r\nabcde"), 1);
    for (size_t step = 1; step < sizeof req; step++) {
        struct buf out = {0};
        run(req, sizeof req - 1, step, &out, 0);
        /* Responses differ only in their Date; compare without it by counting the parts. */
        CHECK_INT_EQ(out.len, whole.len);
        CHECK_INT_EQ(count(&out, "\r\n\r\nabcde"), 1);
        CHECK_INT_EQ(count(&out, "Hello, World!"), 2);
        buf_free(&out);
    }
    buf_free(&whole);
    teardown();
}

TEST(conn_answers_pipelined_requests_in_order)
{
    setup();
    char req[100 * 64];
    size_t len = 0;
    for (int i = 0; i < 100; i++)
        len += (size_t)snprintf(req + len, sizeof req - len, "%s",
                                i % 2 ? GET("/json") : GET("/plaintext"));
    struct buf out = {0};
    run(req, len, 0, &out, 0);
    CHECK_INT_EQ(count(&out, "HTTP/1.1 200 OK"), 100);
    /* The first is plaintext, the second json, and so on. */
    char *first = strstr(out.data, "Hello, World!");
    char *second = strstr(out.data, "{\"message\"");
    CHECK(first != NULL && second != NULL && first < second);
    buf_free(&out);
    teardown();
}

TEST(conn_stops_at_output_limit_and_resumes)
{
    setup();
    cfg.output_limit = 1024;
    char req[100 * 64];
    size_t len = 0;
    for (int i = 0; i < 50; i++)
        len += (size_t)snprintf(req + len, sizeof req - len, "%s", GET("/plaintext"));
    struct conn c;
    conn_init(&c, &srv.env, &shard, 0);
    struct buf out = {0};
    int writes = 0, answered = 0;
    enum conn_next next = conn_feed(&c, req, len, &out);
    while (next == CONN_WRITE) {
        CHECK(out.len < 1024 + 512);
        answered += count(&out, "HTTP/1.1 200 OK");
        out.len = 0;
        writes++;
        next = conn_resume(&c, &out);
    }
    answered += count(&out, "HTTP/1.1 200 OK");
    CHECK_INT_EQ(next, CONN_READ);
    CHECK(writes > 3);
    CHECK_INT_EQ(answered, 50);
    conn_free(&c);
    buf_free(&out);
    teardown();
}

TEST(conn_defers_sleep_and_keeps_the_rest)
{
    setup();
    const char req[] = GET("/sleep?ms=5") GET("/plaintext");
    struct conn c;
    conn_init(&c, &srv.env, &shard, 0);
    struct buf out = {0};
    CHECK_INT_EQ(conn_feed(&c, req, sizeof req - 1, &out), CONN_DEFER);
    CHECK_INT_EQ(c.defer.kind, DEFER_SLEEP);
    CHECK_INT_EQ(c.defer.amount, 5);
    CHECK_INT_EQ(out.len, 0);
    CHECK_INT_EQ(conn_resume(&c, &out), CONN_READ);
    CHECK_INT_EQ(count(&out, "HTTP/1.1 200 OK"), 2);
    CHECK(count(&out, "done\n") == 1 && strstr(out.data, "done\n") < strstr(out.data, "Hello"));
    conn_free(&c);
    buf_free(&out);
    teardown();
}

TEST(conn_defers_work_only_when_offloading)
{
    setup();
    const char req[] = GET("/work?cpu_us=10");
    struct conn c;
    struct buf out = {0};
    conn_init(&c, &srv.env, &shard, 1);
    CHECK_INT_EQ(conn_feed(&c, req, sizeof req - 1, &out), CONN_DEFER);
    CHECK_INT_EQ(c.defer.kind, DEFER_WORK);
    conn_free(&c);
    conn_init(&c, &srv.env, &shard, 0);
    CHECK_INT_EQ(conn_feed(&c, req, sizeof req - 1, &out), CONN_READ);
    CHECK(starts_with(&out, "HTTP/1.1 200 OK"));
    conn_free(&c);
    buf_free(&out);
    teardown();
}

TEST(conn_sends_100_continue_before_the_body)
{
    setup();
    const char head[] = "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                        "Content-Length: 3\r\n\r\n";
    struct conn c;
    conn_init(&c, &srv.env, &shard, 0);
    struct buf out = {0};
    CHECK_INT_EQ(conn_feed(&c, head, sizeof head - 1, &out), CONN_READ);
    CHECK(starts_with(&out, "HTTP/1.1 100 Continue\r\n\r\n"));
    out.len = 0;
    CHECK_INT_EQ(conn_feed(&c, "abc", 3, &out), CONN_READ);
    CHECK(starts_with(&out, "HTTP/1.1 200 OK"));
    CHECK(memcmp(out.data + out.len - 3, "abc", 3) == 0);
    conn_free(&c);
    buf_free(&out);
    teardown();
}

TEST(conn_closes_after_connection_close)
{
    setup();
    const char req[] =
        "GET /plaintext HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" GET("/plaintext");
    struct buf out = {0};
    CHECK_INT_EQ(run(req, sizeof req - 1, 0, &out, 0), CONN_CLOSE);
    CHECK_INT_EQ(count(&out, "HTTP/1.1 200 OK"), 1);
    CHECK_INT_EQ(count(&out, "Connection: close\r\n"), 1);
    buf_free(&out);
    teardown();
}

TEST(conn_keeps_http10_alive_only_when_asked)
{
    setup();
    struct buf out = {0};
    const char plain[] = "GET /plaintext HTTP/1.0\r\n\r\n";
    CHECK_INT_EQ(run(plain, sizeof plain - 1, 0, &out, 0), CONN_CLOSE);
    out.len = 0;
    const char ka[] = "GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
    CHECK_INT_EQ(run(ka, sizeof ka - 1, 0, &out, 0), CONN_READ);
    CHECK_INT_EQ(count(&out, "Connection: keep-alive\r\n"), 1);
    buf_free(&out);
    teardown();
}

TEST(conn_closes_after_keepalive_requests)
{
    setup();
    cfg.keepalive_requests = 3;
    const char req[] = GET("/plaintext") GET("/plaintext") GET("/plaintext") GET("/plaintext");
    struct buf out = {0};
    CHECK_INT_EQ(run(req, sizeof req - 1, 0, &out, 0), CONN_CLOSE);
    CHECK_INT_EQ(count(&out, "HTTP/1.1 200 OK"), 3);
    CHECK_INT_EQ(count(&out, "Connection: close\r\n"), 1);
    buf_free(&out);
    teardown();
}

TEST(conn_answers_errors_with_their_status)
{
    setup();
    static const struct {
        const char *req;
        const char *status;
        enum conn_next next;
    } cases[] = {
        {GET("/nope"), "HTTP/1.1 404 ", CONN_READ},
        {"POST /plaintext HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab", "HTTP/1.1 405 ",
         CONN_READ},
        {GET("/work"), "HTTP/1.1 400 ", CONN_READ},
        {GET("/work?cpu_us=-1"), "HTTP/1.1 400 ", CONN_READ},
        {GET("/work?cpu_us=99999999999"), "HTTP/1.1 400 ", CONN_READ},
        {GET("/sleep?ms=abc"), "HTTP/1.1 400 ", CONN_READ},
        {GET("/sleep?ms=1&ms=2"), "HTTP/1.1 400 ", CONN_READ},
        {"BREW /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 501 ", CONN_READ},
        {"POST /echo HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 411 ", CONN_CLOSE},
        {"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n", "HTTP/1.1 413 ",
         CONN_CLOSE},
        {"GET /plaintext HTTP/1.1\r\n\r\n", "HTTP/1.1 400 ", CONN_CLOSE},
        {"GET /plaintext HTTP/2.0\r\nHost: x\r\n\r\n", "HTTP/1.1 505 ", CONN_CLOSE},
        {"\x01\x02garbage\r\n\r\n", "HTTP/1.1 400 ", CONN_CLOSE},
        {"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
         "HTTP/1.1 400 ", CONN_CLOSE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct buf out = {0};
        enum conn_next next = run(cases[i].req, strlen(cases[i].req), 0, &out, 0);
        if (!starts_with(&out, cases[i].status) || next != cases[i].next)
            fprintf(stderr, "  case %zu: %.*s\n", i, (int)(out.len < 40 ? out.len : 40),
                    out.data ? out.data : "");
        CHECK(starts_with(&out, cases[i].status));
        CHECK_INT_EQ(next, cases[i].next);
        buf_free(&out);
    }
    teardown();
}

TEST(conn_rejects_chunked_body_over_limit)
{
    setup();
    cfg.max_body_bytes = 4;
    const char req[] = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n";
    struct buf out = {0};
    CHECK_INT_EQ(run(req, sizeof req - 1, 0, &out, 0), CONN_CLOSE);
    CHECK(starts_with(&out, "HTTP/1.1 413 "));
    buf_free(&out);
    teardown();
}

TEST(conn_answers_head_without_body)
{
    setup();
    const char req[] = "HEAD /plaintext HTTP/1.1\r\nHost: x\r\n\r\n";
    struct buf out = {0};
    run(req, sizeof req - 1, 0, &out, 0);
    CHECK(starts_with(&out, "HTTP/1.1 200 OK"));
    CHECK_INT_EQ(count(&out, "Content-Length: 13\r\n"), 1);
    CHECK(out.len >= 4 && memcmp(out.data + out.len - 4, "\r\n\r\n", 4) == 0);
    buf_free(&out);
    teardown();
}

TEST(conn_reports_phase_for_timeouts)
{
    setup();
    struct conn c;
    conn_init(&c, &srv.env, &shard, 0);
    struct buf out = {0};
    CHECK_INT_EQ(conn_phase(&c), CONN_IDLE);
    conn_feed(&c, "GET /plain", 10, &out);
    CHECK_INT_EQ(conn_phase(&c), CONN_HEAD);
    conn_timeout(&c, &out);
    CHECK(starts_with(&out, "HTTP/1.1 408 "));
    conn_free(&c);
    conn_init(&c, &srv.env, &shard, 0);
    out.len = 0;
    const char head[] = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\nab";
    conn_feed(&c, head, sizeof head - 1, &out);
    CHECK_INT_EQ(conn_phase(&c), CONN_BODY);
    conn_free(&c);
    buf_free(&out);
    teardown();
}

/* The body of the one response in out, or NULL. */
static const unsigned char *body_of(const struct buf *out, size_t *len)
{
    for (size_t i = 0; i + 4 <= out->len; i++)
        if (memcmp(out->data + i, "\r\n\r\n", 4) == 0) {
            *len = out->len - i - 4;
            return (const unsigned char *)out->data + i + 4;
        }
    return NULL;
}

static uint64_t le64_at(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* One GET through the state machine: the entry's counter, or UINT64_MAX when the answer is not
 * a whole entry k. */
static uint64_t data_counter(const char *req, uint64_t k)
{
    struct buf out = {0};
    run(req, strlen(req), 0, &out, 0);
    size_t len = 0;
    const unsigned char *b = body_of(&out, &len);
    uint64_t counter = UINT64_MAX;
    if (starts_with(&out, "HTTP/1.1 200 OK\r\n") && b && len == DATASET_ENTRY_BYTES &&
        count(&out, "Content-Type: application/octet-stream\r\n") == 1) {
        counter = le64_at(b);
        for (size_t off = 8; off < len; off += 8)
            if (le64_at(b + off) != k)
                counter = UINT64_MAX;
    }
    buf_free(&out);
    return counter;
}

TEST(conn_serves_data_entries_and_counts_writes)
{
    setup();
    CHECK_INT_EQ(dataset_init(&srv.dataset, 4 * DATASET_ENTRY_BYTES + 100), 0);
    CHECK_INT_EQ(srv.dataset.entries, 4); /* whole entries only */
    CHECK_INT_EQ(data_counter(GET("/data?key=3"), 3), 0);
    CHECK_INT_EQ(data_counter(GET("/data?key=2&write=1"), 2), 1);
    CHECK_INT_EQ(data_counter(GET("/data?write=1&key=2"), 2), 2);
    CHECK_INT_EQ(data_counter(GET("/data?key=2"), 2), 2);
    CHECK_INT_EQ(data_counter(GET("/data?key=0"), 0), 0);
    uint64_t bad0 = stats_read(&shard, STAT_ERR_PARAM);
    static const char *const bad[] = {GET("/data?key=4"), GET("/data"), GET("/data?key=1&write=7"),
                                      GET("/data?key=0x1")};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct buf out = {0};
        CHECK_INT_EQ(run(bad[i], strlen(bad[i]), 0, &out, 0), CONN_READ); /* kept open */
        CHECK(starts_with(&out, "HTTP/1.1 400 "));
        buf_free(&out);
    }
    CHECK_INT_EQ(stats_read(&shard, STAT_ERR_PARAM), bad0 + 4);
    dataset_free(&srv.dataset);
    struct buf out = {0};
    run(GET("/data?key=0"), strlen(GET("/data?key=0")), 0, &out, 0);
    CHECK(starts_with(&out, "HTTP/1.1 404 "));
    CHECK_INT_EQ(count(&out, "--dataset"), 1);
    buf_free(&out);
    teardown();
}

#define WRITERS 4
#define WRITES 20000

static void *write_entry(void *arg)
{
    unsigned char entry[DATASET_ENTRY_BYTES];
    for (int i = 0; i < WRITES; i++)
        dataset_get(arg, 1, 1, entry);
    return NULL;
}

TEST(dataset_writes_from_many_threads_are_all_counted)
{
    struct dataset ds;
    CHECK_INT_EQ(dataset_init(&ds, 2 * DATASET_ENTRY_BYTES), 0);
    pthread_t t[WRITERS];
    for (int i = 0; i < WRITERS; i++)
        CHECK_INT_EQ(pthread_create(&t[i], NULL, write_entry, &ds), 0);
    for (int i = 0; i < WRITERS; i++)
        pthread_join(t[i], NULL);
    unsigned char entry[DATASET_ENTRY_BYTES];
    dataset_get(&ds, 1, 0, entry);
    CHECK_INT_EQ(le64_at(entry), WRITERS * WRITES);
    dataset_get(&ds, 0, 0, entry);
    CHECK_INT_EQ(le64_at(entry), 0);
    dataset_free(&ds);
}

TEST_MAIN(TEST_ENTRY(conn_answers_plaintext), TEST_ENTRY(conn_gives_same_output_at_every_split),
          TEST_ENTRY(conn_answers_pipelined_requests_in_order),
          TEST_ENTRY(conn_stops_at_output_limit_and_resumes),
          TEST_ENTRY(conn_defers_sleep_and_keeps_the_rest),
          TEST_ENTRY(conn_defers_work_only_when_offloading),
          TEST_ENTRY(conn_sends_100_continue_before_the_body),
          TEST_ENTRY(conn_closes_after_connection_close),
          TEST_ENTRY(conn_keeps_http10_alive_only_when_asked),
          TEST_ENTRY(conn_closes_after_keepalive_requests),
          TEST_ENTRY(conn_answers_errors_with_their_status),
          TEST_ENTRY(conn_rejects_chunked_body_over_limit),
          TEST_ENTRY(conn_answers_head_without_body), TEST_ENTRY(conn_reports_phase_for_timeouts),
          TEST_ENTRY(conn_serves_data_entries_and_counts_writes),
          TEST_ENTRY(dataset_writes_from_many_threads_are_all_counted))
