/* Requests arriving in any grouping: many pipelined in one write and answered in order, a stream
 * of them sent faster than the responses are read, and one request split into single bytes. */
#include "support.h"

#include <sys/socket.h>

static const char *const hello = "Hello, World!";
static const char *const json_hello = "{\"message\":\"Hello, World!\"}";

/* One pipelined request and what its response must be. */
struct step {
    const char *request; /* in test memory */
    const char *body;    /* NULL: any */
    int status;
    int head;
};

static struct step make_step(int i)
{
    struct step st = {.status = 200};
    if (i == 50) {
        st.request = "GET /sleep?ms=100 HTTP/1.1\r\nHost: t\r\n\r\n";
        return st;
    }
    if (i == 70) {
        st.request = "GET /work?cpu_us=2000 HTTP/1.1\r\nHost: t\r\n\r\n";
        return st;
    }
    switch (i % 6) {
    case 0:
        st.request = "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n";
        st.body = hello;
        break;
    case 1:
        st.request = "GET /json HTTP/1.1\r\nHost: t\r\n\r\n";
        st.body = json_hello;
        break;
    case 2:
        st.body = it_printf("request number %d", i);
        st.request = it_printf("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %zu\r\n\r\n%s",
                               strlen(st.body), st.body);
        break;
    case 3:
        st.request = "HEAD /plaintext HTTP/1.1\r\nHost: t\r\n\r\n";
        st.head = 1;
        st.body = "";
        break;
    case 4:
        st.request = it_printf("GET /missing-%d HTTP/1.1\r\nHost: t\r\n\r\n", i);
        st.status = 404;
        break;
    default:
        st.body = it_printf("chunked %d", i);
        st.request = it_printf("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
                               "\r\n%zx\r\n%s\r\n0\r\n\r\n",
                               strlen(st.body), st.body);
        break;
    }
    return st;
}

TEST(hundred_pipelined_requests_answered_in_order)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    enum { N = 100 };
    struct step steps[N];
    size_t total = 0;
    for (int i = 0; i < N; i++) {
        steps[i] = make_step(i);
        total += strlen(steps[i].request);
    }
    char *all = it_alloc(total + 1);
    for (int i = 0; i < N; i++)
        strcat(all, steps[i].request);
    CHECK_INT_EQ(it_send(c, all, total), 0); /* one write */
    for (int i = 0; i < N; i++) {
        struct it_response *r =
            it_read_response_ex(c, steps[i].head ? IT_RESP_HEAD : 0, IT_IO_TIMEOUT_MS);
        if (!r || r->status != steps[i].status ||
            (steps[i].body && strcmp(r->body, steps[i].body) != 0))
            it_log("response %d to: %.40s", i, steps[i].request);
        CHECK(r != NULL);
        CHECK_INT_EQ(r->status, steps[i].status);
        if (steps[i].body)
            CHECK_STR_EQ(r->body, steps[i].body);
        CHECK(!it_header_has_token(r, "Connection", "close"));
    }
    CHECK_INT_EQ(c->len, 0);
    /* and the connection goes on */
    CHECK_INT_EQ(it_sends(c, "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n"), 0);
    struct it_response *r = it_read_response(c, IT_IO_TIMEOUT_MS);
    CHECK(r != NULL);
    CHECK_STR_EQ(r->body, hello);
}

TEST(slow_pipelined_request_holds_back_the_next_one)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    CHECK_INT_EQ(it_sends(c, "GET /sleep?ms=200 HTTP/1.1\r\nHost: t\r\n\r\n"
                             "GET /json HTTP/1.1\r\nHost: t\r\n\r\n"),
                 0);
    long long t0 = it_now_ms();
    struct it_response *first = it_read_response(c, IT_IO_TIMEOUT_MS);
    CHECK(first != NULL);
    CHECK_INT_EQ(first->status, 200);
    CHECK(it_now_ms() - t0 >= 190);
    struct it_response *second = it_read_response(c, IT_IO_TIMEOUT_MS);
    CHECK(second != NULL);
    CHECK_STR_EQ(second->body, json_hello);
}

TEST(five_hundred_pipelined_requests_in_one_write)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    const char *one = "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n";
    size_t ol = strlen(one), n = 500;
    char *all = it_alloc(ol * n);
    for (size_t i = 0; i < n; i++)
        memcpy(all + i * ol, one, ol);
    CHECK_INT_EQ(it_send(c, all, ol * n), 0);
    for (size_t i = 0; i < n; i++) {
        struct it_response *r = it_read_response(c, IT_IO_TIMEOUT_MS);
        if (!r)
            it_log("response %zu", i);
        CHECK(r != NULL);
        CHECK_INT_EQ(r->status, 200);
        CHECK_STR_EQ(r->body, hello);
    }
    CHECK_INT_EQ(c->len, 0);
}

TEST(pipeline_ending_with_connection_close)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    char *all = it_strdup("");
    for (int i = 0; i < 9; i++)
        all = it_printf("%sGET /json HTTP/1.1\r\nHost: t\r\n\r\n", all);
    all = it_printf("%sGET /plaintext HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", all);
    CHECK_INT_EQ(it_sends(c, all), 0);
    for (int i = 0; i < 10; i++) {
        struct it_response *r = it_read_response(c, IT_IO_TIMEOUT_MS);
        CHECK(r != NULL);
        CHECK_INT_EQ(r->status, 200);
        CHECK_STR_EQ(r->body, i < 9 ? json_hello : hello);
        CHECK_INT_EQ(it_header_has_token(r, "Connection", "close"), i == 9);
    }
    CHECK_INT_EQ(it_wait_closed(c, IT_IO_TIMEOUT_MS), 0);
    CHECK_INT_EQ(c->len, 0);
}

static void check_bytewise(const char *request, int n_responses, const char *const *bodies)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    CHECK_INT_EQ(it_send_bytewise(c, request, strlen(request)), 0);
    for (int i = 0; i < n_responses; i++) {
        struct it_response *r = it_read_response(c, IT_IO_TIMEOUT_MS);
        CHECK(r != NULL);
        CHECK_INT_EQ(r->status, 200);
        CHECK_STR_EQ(r->body, bodies[i]);
    }
    CHECK_INT_EQ(c->len, 0);
}

TEST(request_split_into_single_bytes)
{
    static const char *const bodies[] = {"Hello, World!"};
    check_bytewise("GET /plaintext HTTP/1.1\r\nHost: t\r\nUser-Agent: byte-by-byte\r\n\r\n", 1,
                   bodies);
}

TEST(post_with_body_split_into_single_bytes)
{
    static const char *const bodies[] = {"split body"};
    check_bytewise("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nsplit body", 1,
                   bodies);
}

TEST(chunked_post_split_into_single_bytes)
{
    static const char *const bodies[] = {"abcdefghijklmnopq"};
    check_bytewise("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "3\r\nabc\r\n"
                   "E;x=y\r\ndefghijklmnopq\r\n"
                   "0\r\nTrailer: v\r\n\r\n",
                   1, bodies);
}

TEST(two_pipelined_requests_split_into_single_bytes)
{
    static const char *const bodies[] = {"{\"message\":\"Hello, World!\"}", "Hello, World!"};
    check_bytewise(
        "GET /json HTTP/1.1\r\nHost: t\r\n\r\nGET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n", 2,
        bodies);
}

TEST(request_split_at_every_position)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    const char *req = "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello";
    size_t n = strlen(req);
    for (size_t k = 1; k < n; k++) {
        CHECK_INT_EQ(it_send(c, req, k), 0);
        CHECK_INT_EQ(it_send(c, req + k, n - k), 0);
        struct it_response *r = it_read_response(c, IT_IO_TIMEOUT_MS);
        if (!r)
            it_log("split at %zu", k);
        CHECK(r != NULL);
        CHECK_INT_EQ(r->status, 200);
        CHECK_STR_EQ(r->body, "hello");
    }
}

/* Pipelined requests sent faster than their responses are read, in writes that cut them
 * anywhere, with the output limit at its least: the server stops taking input while its output
 * waits for the client, and every request is still answered once, in order. A model with a
 * pool of receive buffers (uring) runs it with 4, so that a connection that holds one is felt. */
TEST(pipelined_stream_across_the_output_limit_answered_in_order)
{
    const struct it_event_model *em = it_event_model();
    struct it_server *s =
        em != NULL && em->buffers_option != NULL
            ? it_server_start("--output-limit", "1024", "--keepalive-requests", "0",
                              em->buffers_option, "4")
            : it_server_start("--output-limit", "1024", "--keepalive-requests", "0");
    CHECK(s != NULL);
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    int small = 4096; /* the server's sends wait for this side to read */
    CHECK_INT_EQ(setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
    /* A burst's requests (about 16 KiB) fit in the server's socket while it does not read, and
     * their responses (about 30 KiB) are more than this side's buffer takes: the server's sends
     * wait while requests are still arriving. */
    enum { N = 600, BURST = 200, CUT = 997, REQUEST_MOST = 128 /* bytes of one request */ };
    char *burst = it_alloc(BURST * REQUEST_MOST);
    for (int first = 0; first < N; first += BURST) {
        size_t len = 0;
        for (int i = first; i < first + BURST; i++) {
            const char *body = it_printf("request %d of the stream", i);
            size_t room = BURST * REQUEST_MOST - len;
            int n = snprintf(burst + len, room,
                             "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %zu\r\n\r\n%s",
                             strlen(body), body);
            CHECK(n > 0 && (size_t)n < room);
            len += (size_t)n;
        }
        for (size_t off = 0; off < len; off += CUT)
            CHECK_INT_EQ(it_send(c, burst + off, len - off < CUT ? len - off : CUT), 0);
        for (int i = first; i < first + BURST; i++) {
            struct it_response *r = it_read_response(c, IT_IO_TIMEOUT_MS);
            if (r == NULL || r->status != 200)
                it_log("response %d", i);
            CHECK(r != NULL);
            CHECK_INT_EQ(r->status, 200);
            CHECK_STR_EQ(r->body, it_printf("request %d of the stream", i));
        }
    }
    CHECK_INT_EQ(c->len, 0);
    it_close(c); /* before the server stops, which would wait out its drain for this one */
}

IT_MAIN(TEST_ENTRY(hundred_pipelined_requests_answered_in_order),
        TEST_ENTRY(slow_pipelined_request_holds_back_the_next_one),
        TEST_ENTRY(five_hundred_pipelined_requests_in_one_write),
        TEST_ENTRY(pipeline_ending_with_connection_close),
        TEST_ENTRY(request_split_into_single_bytes),
        TEST_ENTRY(post_with_body_split_into_single_bytes),
        TEST_ENTRY(chunked_post_split_into_single_bytes),
        TEST_ENTRY(two_pipelined_requests_split_into_single_bytes),
        TEST_ENTRY(request_split_at_every_position),
        TEST_ENTRY(pipelined_stream_across_the_output_limit_answered_in_order))
