/* The server's limits as options set them: --max-conns, the header and body timeouts, and the
 * head and body sizes. Each test starts a server with its own options. */
#include "support.h"

#include <limits.h>
#include <time.h>

static struct it_response *exchange(struct it_conn *c, const char *req)
{
    if (it_sends(c, req) < 0)
        return NULL;
    return it_read_response(c, IT_IO_TIMEOUT_MS);
}

static const char *const get_plaintext = "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n";
static const char *const get_stats = "GET /stats HTTP/1.1\r\nHost: t\r\n\r\n";

static double body_number(const struct it_response *r, const char *path)
{
    double v;
    if (!r || it_json_number(r->body, path, &v) < 0)
        return -1;
    return v;
}

/* prefork holds at most its workers' connections, and the next ones wait in the listen queue
 * (test_keepalive shows it): --max-conns does not apply. */
static int max_conns_applies(void)
{
    if (it_serving_limit() == INT_MAX)
        return 1;
    it_log("not applicable in mode %s: connections beyond the workers wait, never 503", it_mode());
    return 0;
}

TEST(max_conns_turns_the_next_connection_away_with_503)
{
    if (!max_conns_applies())
        return;
    struct it_server *s = it_server_start("--max-conns", "2");
    CHECK(s != NULL);
    struct it_conn *a = it_connect(s), *b = it_connect(s);
    CHECK(a != NULL && b != NULL);
    struct it_response *r = exchange(a, get_plaintext);
    CHECK(r != NULL && r->status == 200);
    r = exchange(b, get_plaintext);
    CHECK(r != NULL && r->status == 200);

    /* The third is answered at once, before it sends anything, and closed. */
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    r = it_read_response(c, IT_IO_TIMEOUT_MS);
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 503);
    CHECK(it_header(r, "Content-Length") != NULL);
    CHECK(it_header(r, "Date") != NULL);
    CHECK_INT_EQ(it_wait_closed(c, IT_IO_TIMEOUT_MS), 0);

    /* The served connections are unharmed, and /stats (asked on one of them) counts it. */
    r = exchange(b, get_stats);
    CHECK(r != NULL && r->status == 200);
    CHECK(body_number(r, "connections.rejected") >= 1);
    CHECK(body_number(r, "responses.5xx") >= 1); /* the 503 it received is a response */
    CHECK_INT_EQ(body_number(r, "connections.active"), 2);
    r = exchange(a, get_plaintext);
    CHECK(r != NULL && r->status == 200);
}

TEST(max_conns_admits_again_once_a_connection_closes)
{
    if (!max_conns_applies())
        return;
    struct it_server *s = it_server_start("--max-conns", "2");
    CHECK(s != NULL);
    struct it_conn *a = it_connect(s), *b = it_connect(s);
    CHECK(a != NULL && b != NULL);
    struct it_response *r = exchange(a, get_plaintext);
    CHECK(r != NULL && r->status == 200);
    r = exchange(b, get_plaintext);
    CHECK(r != NULL && r->status == 200);
    it_close(a);
    /* Wait, on b, for the server to see a's close. */
    long long deadline = it_now_ms() + 5000;
    for (;;) {
        r = exchange(b, get_stats);
        CHECK(r != NULL && r->status == 200);
        if (body_number(r, "connections.active") == 1)
            break;
        if (it_now_ms() > deadline) {
            it_log("connections.active stayed at %.0f", body_number(r, "connections.active"));
            CHECK(0);
        }
        struct timespec ts = {0, 5 * 1000000L}; /* between polls */
        nanosleep(&ts, NULL);
    }
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    r = exchange(c, get_plaintext);
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    CHECK_STR_EQ(r->body, "Hello, World!");
}

/* Waits for the server to close c, and checks that it took at least min_ms from t0 and that
 * anything sent before the close was a 408. */
static void check_closed_by_timeout(struct it_conn *c, long long t0, long long min_ms)
{
    char *data;
    size_t len;
    CHECK_INT_EQ(it_read_until_eof(c, 5000, &data, &len), 0);
    long long elapsed = it_now_ms() - t0;
    if (elapsed < min_ms)
        it_log("closed after %lld ms", elapsed);
    CHECK(elapsed >= min_ms);
    if (len)
        CHECK(strncmp(data, "HTTP/1.1 408", 12) == 0);
}

TEST(header_timeout_closes_a_stalled_head)
{
    struct it_server *s = it_server_start("--header-timeout", "300ms");
    CHECK(s != NULL);
    struct it_conn *stalled = it_connect(s);
    CHECK(stalled != NULL);
    CHECK_INT_EQ(it_sends(stalled, "GET /plaintext HTTP/1.1\r\nHost: t\r\n"), 0);
    long long t0 = it_now_ms();
    /* Meanwhile an ordinary client is served. */
    struct it_response *r = it_get(s, "/plaintext");
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    check_closed_by_timeout(stalled, t0, 250);
    if (testlib_failed)
        return;
    CHECK_INT_EQ(it_wait_stat_ge(s, "errors.timeout", 1, 5000, NULL), 0);
    r = it_get(s, "/json");
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
}

TEST(header_timeout_closes_a_silent_new_connection)
{
    /* Connected, never a byte: the client has not started a request, so no 408 is owed, but the
     * connection must not be held for ever either (keep-alive or header timeout, whichever the
     * server applies first). */
    struct it_server *s =
        it_server_start("--header-timeout", "300ms", "--keepalive-timeout", "300ms");
    CHECK(s != NULL);
    struct it_conn *silent = it_connect(s);
    CHECK(silent != NULL);
    long long t0 = it_now_ms();
    check_closed_by_timeout(silent, t0, 250);
}

TEST(header_timeout_leaves_idle_keepalive_to_its_own_timeout)
{
    /* Between requests the keep-alive timeout (75 s by default) applies, not the 300 ms header
     * timeout: after three header timeouts the idle connection still answers. */
    struct it_server *s = it_server_start("--header-timeout", "300ms");
    CHECK(s != NULL);
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    struct it_response *r = exchange(c, get_plaintext);
    CHECK(r != NULL && r->status == 200);
    CHECK_INT_EQ(it_wait_closed(c, 900), -ETIMEDOUT);
    r = exchange(c, get_plaintext);
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
}

TEST(body_timeout_closes_a_stalled_body)
{
    struct it_server *s = it_server_start("--body-timeout", "300ms");
    CHECK(s != NULL);
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    CHECK_INT_EQ(it_sends(c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc"), 0);
    long long t0 = it_now_ms();
    check_closed_by_timeout(c, t0, 250);
    if (testlib_failed)
        return;
    CHECK_INT_EQ(it_wait_stat_ge(s, "errors.timeout", 1, 5000, NULL), 0);
}

TEST(max_body_bytes_option_sets_the_413_limit)
{
    struct it_server *s = it_server_start("--max-body-bytes", "1K");
    CHECK(s != NULL);
    char body[1025];
    memset(body, 'x', sizeof body);
    struct it_response *r = it_request(s, "POST", "/echo", body, 1024);
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    CHECK_INT_EQ(r->body_len, 1024);

    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    r = exchange(c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1025\r\n\r\n");
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 413);
    CHECK_INT_EQ(it_wait_closed(c, IT_IO_TIMEOUT_MS), 0);
}

TEST(chunked_body_over_the_limit_is_413_and_close)
{
    struct it_server *s = it_server_start("--max-body-bytes", "1K");
    CHECK(s != NULL);
    char chunk[601];
    memset(chunk, 'c', 600);
    chunk[600] = '\0';
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    CHECK_INT_EQ(it_sendf(c,
                          "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "258\r\n%s\r\n258\r\n%s\r\n0\r\n\r\n",
                          chunk, chunk),
                 0);
    struct it_response *r = it_read_response(c, IT_IO_TIMEOUT_MS);
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 413);
    CHECK(it_header_has_token(r, "Connection", "close"));
    CHECK_INT_EQ(it_wait_closed(c, IT_IO_TIMEOUT_MS), 0);
    /* one chunk under the limit is fine */
    c = it_connect(s);
    CHECK(c != NULL);
    r = exchange(c, it_printf("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "258\r\n%s\r\n0\r\n\r\n",
                              chunk));
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    CHECK_INT_EQ(r->body_len, 600);
}

TEST(max_head_bytes_option_sets_the_431_limit)
{
    struct it_server *s = it_server_start("--max-head-bytes", "1K");
    CHECK(s != NULL);
    char pad[1101];
    memset(pad, 'h', 1100);
    pad[1100] = '\0';
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    struct it_response *r = exchange(
        c, it_printf("GET /plaintext HTTP/1.1\r\nHost: t\r\nX-Pad: %.*s\r\n\r\n", 900, pad));
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    r = exchange(c, it_printf("GET /plaintext HTTP/1.1\r\nHost: t\r\nX-Pad: %s\r\n\r\n", pad));
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 431);
    CHECK_INT_EQ(it_wait_closed(c, IT_IO_TIMEOUT_MS), 0);
}

IT_MAIN(TEST_ENTRY(max_conns_turns_the_next_connection_away_with_503),
        TEST_ENTRY(max_conns_admits_again_once_a_connection_closes),
        TEST_ENTRY(header_timeout_closes_a_stalled_head),
        TEST_ENTRY(header_timeout_closes_a_silent_new_connection),
        TEST_ENTRY(header_timeout_leaves_idle_keepalive_to_its_own_timeout),
        TEST_ENTRY(body_timeout_closes_a_stalled_body),
        TEST_ENTRY(max_body_bytes_option_sets_the_413_limit),
        TEST_ENTRY(chunked_body_over_the_limit_is_413_and_close),
        TEST_ENTRY(max_head_bytes_option_sets_the_431_limit))
