/* Persistent connections: keep-alive by default on HTTP/1.1, Connection: close, HTTP/1.0, the
 * per-connection request limit, the idle timeout, and many more open connections than a pool has
 * workers. */
#include "support.h"

#include <limits.h>
#include <time.h>

static const char *const get_plaintext = "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n";

static struct it_response *exchange(struct it_conn *c, const char *request)
{
    if (it_sends(c, request) < 0)
        return NULL;
    return it_read_response(c, IT_IO_TIMEOUT_MS);
}

TEST(keepalive_serves_many_requests_on_one_connection)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    for (int i = 0; i < 300; i++) {
        int json = i % 2;
        struct it_response *r =
            exchange(c, json ? "GET /json HTTP/1.1\r\nHost: t\r\n\r\n" : get_plaintext);
        if (!r)
            it_log("request %d", i + 1);
        CHECK(r != NULL);
        CHECK_INT_EQ(r->status, 200);
        CHECK_STR_EQ(r->body, json ? "{\"message\":\"Hello, World!\"}" : "Hello, World!");
        CHECK(!it_header_has_token(r, "Connection", "close"));
    }
    CHECK(it_conn_is_quiet(c)); /* still open, nothing extra sent */
}

TEST(connection_close_is_answered_with_close_and_closed)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    struct it_response *r =
        exchange(c, "GET /plaintext HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    CHECK_STR_EQ(r->body, "Hello, World!");
    CHECK(it_header_has_token(r, "Connection", "close"));
    CHECK_INT_EQ(it_wait_closed(c, IT_IO_TIMEOUT_MS), 0);
    CHECK_INT_EQ(c->len, 0);
}

TEST(connection_close_token_is_case_insensitive_and_listed)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    struct it_response *r =
        exchange(c, "GET /json HTTP/1.1\r\nHost: t\r\nConnection: TE, CLOSE\r\n\r\n");
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    CHECK(it_header_has_token(r, "Connection", "close"));
    CHECK_INT_EQ(it_wait_closed(c, IT_IO_TIMEOUT_MS), 0);
}

TEST(keepalive_after_a_second_request_on_the_same_connection)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    struct it_response *r = exchange(c, get_plaintext);
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    r = exchange(c, "GET /plaintext HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    CHECK(it_header_has_token(r, "Connection", "close"));
    CHECK_INT_EQ(it_wait_closed(c, IT_IO_TIMEOUT_MS), 0);
}

TEST(http10_closes_by_default)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    struct it_response *r = exchange(c, "GET /plaintext HTTP/1.0\r\n\r\n");
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    CHECK_STR_EQ(r->body, "Hello, World!");
    CHECK(it_header(r, "Content-Length") != NULL);
    CHECK(!it_header_has_token(r, "Connection", "keep-alive"));
    CHECK_INT_EQ(it_wait_closed(c, IT_IO_TIMEOUT_MS), 0);
    CHECK_INT_EQ(c->len, 0);
}

TEST(http10_keep_alive_stays_open)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    for (int i = 0; i < 3; i++) {
        struct it_response *r =
            exchange(c, "GET /json HTTP/1.0\r\nHost: t\r\nConnection: keep-alive\r\n\r\n");
        CHECK(r != NULL);
        CHECK_INT_EQ(r->status, 200);
        /* An HTTP/1.0 client keeps the connection only when told so. */
        CHECK(it_header_has_token(r, "Connection", "keep-alive"));
    }
    struct it_response *r = exchange(c, "GET /json HTTP/1.0\r\nHost: t\r\n\r\n");
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    CHECK_INT_EQ(it_wait_closed(c, IT_IO_TIMEOUT_MS), 0);
}

static void check_request_limit(struct it_server *s, int limit)
{
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    for (int i = 1; i <= limit; i++) {
        struct it_response *r = exchange(c, get_plaintext);
        if (!r)
            it_log("request %d of %d", i, limit);
        CHECK(r != NULL);
        CHECK_INT_EQ(r->status, 200);
        if (it_header_has_token(r, "Connection", "close") != (i == limit))
            it_log("request %d of %d: Connection: %s", i, limit,
                   it_header(r, "Connection") ? it_header(r, "Connection") : "(none)");
        CHECK_INT_EQ(it_header_has_token(r, "Connection", "close"), i == limit);
    }
    CHECK_INT_EQ(it_wait_closed(c, IT_IO_TIMEOUT_MS), 0);
    CHECK_INT_EQ(c->len, 0);
}

TEST(keepalive_requests_limit_closes_the_connection)
{
    struct it_server *s = it_server_start("--keepalive-requests", "3");
    CHECK(s != NULL);
    check_request_limit(s, 3);
}

TEST(default_keepalive_requests_limit_is_1000)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    check_request_limit(s, 1000);
}

TEST(idle_connection_closed_after_keepalive_timeout)
{
    struct it_server *s = it_server_start("--keepalive-timeout", "300ms");
    CHECK(s != NULL);
    struct it_conn *idle = it_connect(s);
    CHECK(idle != NULL);
    struct it_response *r = exchange(idle, get_plaintext);
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    long long t0 = it_now_ms();
    /* Meanwhile another client is served. */
    r = it_get(s, "/json");
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    CHECK_INT_EQ(it_wait_closed(idle, 5000), 0);
    long long elapsed = it_now_ms() - t0;
    if (elapsed < 250)
        it_log("idle connection closed after %lld ms, timeout 300 ms", elapsed);
    CHECK(elapsed >= 250);
    CHECK_INT_EQ(idle->len, 0); /* closed quietly: no 408 for a connection between requests */
}

TEST(active_connection_outlives_keepalive_timeout)
{
    /* Each request restarts the idle clock: 8 requests 100 ms apart span 700 ms on a connection
     * with a 300 ms idle timeout. The pause is the point of the test, not a wait for a result. */
    struct it_server *s = it_server_start("--keepalive-timeout", "300ms");
    CHECK(s != NULL);
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    for (int i = 0; i < 8; i++) {
        if (i) {
            struct timespec ts = {0, 100 * 1000000L};
            nanosleep(&ts, NULL);
        }
        struct it_response *r = exchange(c, get_plaintext);
        if (!r)
            it_log("request %d", i + 1);
        CHECK(r != NULL);
        CHECK_INT_EQ(r->status, 200);
    }
}

#define MANY_CONNS 64

TEST(many_more_keepalive_connections_than_workers_take_turns)
{
    /* 64 open keep-alive connections, each asking in turn: every model answers them all, the
     * pool with its 4 workers included (a worker hands a connection back between requests).
     * Not prefork, whose workers stay with their connections: see the next test. */
    if (it_serving_limit() < MANY_CONNS) {
        it_log("not applicable in mode %s: a worker stays with its connection", it_mode());
        return;
    }
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    struct it_conn **c = it_alloc(MANY_CONNS * sizeof *c);
    for (int i = 0; i < MANY_CONNS; i++) {
        c[i] = it_connect(s);
        CHECK(c[i] != NULL);
    }
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < MANY_CONNS; i++)
            CHECK_INT_EQ(it_sends(c[i], get_plaintext), 0);
        for (int i = MANY_CONNS - 1; i >= 0; i--) {
            struct it_response *r = it_read_response(c[i], IT_IO_TIMEOUT_MS);
            if (!r)
                it_log("round %d, connection %d: no answer", round, i);
            CHECK(r != NULL);
            CHECK_INT_EQ(r->status, 200);
            CHECK(!it_header_has_token(r, "Connection", "close"));
        }
    }
    if (strcmp(it_mode(), "pool") == 0) {
        /* all 64 waiting in epoll, none holding a worker: only this /stats request does */
        char *json = it_stats(s);
        CHECK(json != NULL);
        double parked, busy;
        CHECK_INT_EQ(it_json_number(json, "pool.parked", &parked), 0);
        CHECK_INT_EQ(it_json_number(json, "pool.busy", &busy), 0);
        CHECK(parked >= MANY_CONNS);
        CHECK_INT_EQ(busy, 1);
    }
    for (int i = 0; i < MANY_CONNS; i++)
        it_close(c[i]);
}

TEST(prefork_connections_beyond_the_workers_wait_until_one_closes)
{
    int workers = it_serving_limit();
    if (workers == INT_MAX) {
        it_log("not applicable in mode %s", it_mode());
        return;
    }
    /* Apache's prefork MPM: each worker stays with its keep-alive connection, so the next
     * connection is accepted by the kernel and waits in the listen queue until a worker is
     * free, however idle the held ones are. */
    struct it_server *s = it_server_startv(NULL);
    CHECK(s != NULL);
    struct it_conn **held = it_alloc((size_t)workers * sizeof *held);
    for (int i = 0; i < workers; i++) {
        held[i] = it_connect(s);
        CHECK(held[i] != NULL);
        struct it_response *r = exchange(held[i], get_plaintext);
        CHECK(r != NULL && r->status == 200);
    }
    struct it_conn *late = it_connect(s);
    CHECK(late != NULL);
    CHECK_INT_EQ(it_sends(late, get_plaintext), 0);
    CHECK(it_read_response(late, 500) == NULL); /* every worker is held */
    struct it_response *r = exchange(held[0], get_plaintext);
    CHECK(r != NULL && r->status == 200); /* the held ones are served meanwhile */
    it_close(held[workers - 1]);
    r = it_read_response(late, IT_IO_TIMEOUT_MS); /* a worker is free: it takes the next */
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    it_close(late);
    char *json = it_stats(s); /* it waits for late's worker, free once late is closed */
    CHECK(json != NULL);
    double busy;
    CHECK_INT_EQ(it_json_number(json, "prefork.busy", &busy), 0);
    CHECK_INT_EQ(busy, workers); /* the held ones and this request's */
}

TEST(pool_hold_keeps_a_worker_on_its_connection)
{
    if (strcmp(it_mode(), "pool") != 0) {
        it_log("not applicable in mode %s", it_mode());
        return;
    }
    /* --hold as long as the idle timeout is the classic pool: the one worker stays with a, so
     * b's request waits (head-of-line blocking) until a closes. */
    struct it_server *s = it_server_start("--threads", "1", "--hold", "30s");
    CHECK(s != NULL);
    struct it_conn *a = it_connect(s);
    CHECK(a != NULL);
    struct it_response *r = exchange(a, get_plaintext);
    CHECK(r != NULL && r->status == 200);
    struct it_conn *b = it_connect(s);
    CHECK(b != NULL);
    CHECK_INT_EQ(it_sends(b, get_plaintext), 0);
    CHECK(it_read_response(b, 500) == NULL); /* the worker waits on a for up to 30 s */
    it_close(a);
    r = it_read_response(b, IT_IO_TIMEOUT_MS);
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    it_close(b);
    char *json = it_stats(s);
    CHECK(json != NULL);
    double hold;
    CHECK_INT_EQ(it_json_number(json, "pool.hold_ms", &hold), 0);
    CHECK_INT_EQ(hold, 30000);
}

IT_MAIN(TEST_ENTRY(keepalive_serves_many_requests_on_one_connection),
        TEST_ENTRY(connection_close_is_answered_with_close_and_closed),
        TEST_ENTRY(connection_close_token_is_case_insensitive_and_listed),
        TEST_ENTRY(keepalive_after_a_second_request_on_the_same_connection),
        TEST_ENTRY(http10_closes_by_default), TEST_ENTRY(http10_keep_alive_stays_open),
        TEST_ENTRY(keepalive_requests_limit_closes_the_connection),
        TEST_ENTRY(default_keepalive_requests_limit_is_1000),
        TEST_ENTRY(idle_connection_closed_after_keepalive_timeout),
        TEST_ENTRY(active_connection_outlives_keepalive_timeout),
        TEST_ENTRY(many_more_keepalive_connections_than_workers_take_turns),
        TEST_ENTRY(prefork_connections_beyond_the_workers_wait_until_one_closes),
        TEST_ENTRY(pool_hold_keeps_a_worker_on_its_connection))
