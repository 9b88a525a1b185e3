/* Malformed and refused requests: the exact status for each, whether the connection is closed,
 * and that the server goes on answering. */
#include "support.h"

enum after { STAYS_OPEN, CLOSES, EITHER };

/* Sends `request` (len bytes) on a new connection and checks the status and what happens to the
 * connection; then checks that a new connection is served. */
static void check_bad_len(const char *request, size_t len, int status, enum after after)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    CHECK_INT_EQ(it_send(c, request, len), 0);
    struct it_response *r = it_read_response(c, IT_IO_TIMEOUT_MS);
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, status);
    CHECK(it_header(r, "Content-Length") != NULL);
    CHECK(it_header(r, "Date") != NULL);
    if (after == CLOSES) {
        CHECK(it_header_has_token(r, "Connection", "close"));
        CHECK_INT_EQ(it_wait_closed(c, IT_IO_TIMEOUT_MS), 0);
        CHECK_INT_EQ(c->len, 0); /* nothing after the error: the rest was not read as requests */
    } else if (after == STAYS_OPEN) {
        CHECK(!it_header_has_token(r, "Connection", "close"));
        CHECK_INT_EQ(it_sends(c, "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n"), 0);
        r = it_read_response(c, IT_IO_TIMEOUT_MS);
        CHECK(r != NULL);
        CHECK_INT_EQ(r->status, 200);
    } else if (it_header_has_token(r, "Connection", "close")) {
        CHECK_INT_EQ(it_wait_closed(c, IT_IO_TIMEOUT_MS), 0);
    }
    it_close(c);
    r = it_get(s, "/plaintext");
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    CHECK_STR_EQ(r->body, "Hello, World!");
}

static void check_bad(const char *request, int status, enum after after)
{
    check_bad_len(request, strlen(request), status, after);
}

/* ---- the request line ---- */

TEST(unknown_method_is_501)
{
    check_bad("BREW /plaintext HTTP/1.1\r\nHost: t\r\n\r\n", 501, EITHER);
}

TEST(http2_version_is_505)
{
    check_bad("GET /plaintext HTTP/2.0\r\nHost: t\r\n\r\n", 505, EITHER);
}

TEST(http3_version_is_505)
{
    check_bad("GET /plaintext HTTP/3.0\r\nHost: t\r\n\r\n", 505, EITHER);
}

TEST(garbage_request_line_is_400_and_close)
{
    check_bad("GARBAGE\r\n\r\n", 400, CLOSES);
}

TEST(binary_junk_is_400_and_close)
{
    static const char junk[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n";
    check_bad_len(junk, sizeof junk - 1, 400, CLOSES);
}

TEST(nul_in_request_line_is_400_and_close)
{
    static const char req[] = "GET /plain\0text HTTP/1.1\r\nHost: t\r\n\r\n";
    check_bad_len(req, sizeof req - 1, 400, CLOSES);
}

TEST(lowercase_protocol_name_is_400_and_close)
{
    check_bad("GET /plaintext http/1.1\r\nHost: t\r\n\r\n", 400, CLOSES);
}

TEST(target_over_4k_is_414)
{
    char *req = it_printf("GET /plaintext?%04100d HTTP/1.1\r\nHost: t\r\n\r\n", 0);
    check_bad(req, 414, EITHER);
}

/* ---- header fields ---- */

TEST(missing_host_in_http11_is_400)
{
    check_bad("GET /plaintext HTTP/1.1\r\nAccept: */*\r\n\r\n", 400, EITHER);
}

TEST(duplicate_host_is_400)
{
    check_bad("GET /plaintext HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, EITHER);
}

TEST(space_before_colon_is_400)
{
    check_bad("GET /plaintext HTTP/1.1\r\nHost : t\r\n\r\n", 400, EITHER);
}

TEST(header_line_without_colon_is_400_and_close)
{
    check_bad("GET /plaintext HTTP/1.1\r\nHost: t\r\nNoColonHere\r\n\r\n", 400, CLOSES);
}

TEST(bare_cr_in_header_is_400_and_close)
{
    check_bad("GET /plaintext HTTP/1.1\r\nHost: t\r\nX-A: a\rb\r\n\r\n", 400, CLOSES);
}

TEST(head_over_8k_is_431_and_close)
{
    char *pad = it_alloc(9001);
    memset(pad, 'a', 9000);
    check_bad(it_printf("GET /plaintext HTTP/1.1\r\nHost: t\r\nX-Pad: %s\r\n\r\n", pad), 431,
              CLOSES);
}

TEST(many_small_headers_over_8k_is_431_and_close)
{
    char *req = it_strdup("GET /plaintext HTTP/1.1\r\nHost: t\r\n");
    for (int i = 0; i < 40; i++)
        req = it_printf("%sX-Field-%02d: %0240d\r\n", req, i, i);
    check_bad(it_printf("%s\r\n", req), 431, CLOSES);
}

/* ---- body framing ---- */

TEST(post_echo_without_length_is_411)
{
    check_bad("POST /echo HTTP/1.1\r\nHost: t\r\n\r\n", 411, EITHER);
}

TEST(bad_content_length_is_400_and_close)
{
    check_bad("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n", 400, CLOSES);
}

TEST(negative_content_length_is_400_and_close)
{
    check_bad("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n", 400, CLOSES);
}

TEST(conflicting_content_lengths_are_400_and_close)
{
    check_bad("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"
              "hello",
              400, CLOSES);
}

TEST(huge_content_length_is_refused_and_closed)
{
    /* Too large to hold in 64 bits: 400 (invalid) or 413 (too large) are both right. */
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    CHECK_INT_EQ(it_sends(c, "POST /echo HTTP/1.1\r\nHost: t\r\n"
                             "Content-Length: 99999999999999999999999999\r\n\r\n"),
                 0);
    struct it_response *r = it_read_response(c, IT_IO_TIMEOUT_MS);
    CHECK(r != NULL);
    CHECK(r->status == 400 || r->status == 413);
    CHECK_INT_EQ(it_wait_closed(c, IT_IO_TIMEOUT_MS), 0);
}

TEST(body_over_1m_is_413_and_close)
{
    /* The head alone announces it: the server answers without waiting for the body. */
    check_bad("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1048577\r\n\r\n", 413, CLOSES);
}

TEST(body_of_exactly_1m_is_accepted)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    size_t n = 1024 * 1024;
    char *body = it_alloc(n);
    memset(body, 'b', n);
    struct it_response *r = it_request(s, "POST", "/echo", body, n);
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    CHECK_INT_EQ(r->body_len, n);
}

TEST(expect_continue_with_a_body_over_the_limit_gets_413_without_100)
{
    check_bad("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\n"
              "Expect: 100-continue\r\n\r\n",
              413, CLOSES);
}

TEST(transfer_encoding_not_ending_in_chunked_is_400_and_close)
{
    check_bad("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\nxxxx", 400, CLOSES);
}

TEST(bad_chunk_size_is_400_and_close)
{
    check_bad("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n"
              "0\r\n\r\n",
              400, CLOSES);
}

TEST(chunk_size_overflow_is_refused_and_closed)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    CHECK_INT_EQ(it_sends(c, "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "10000000000000000000001\r\nab\r\n"),
                 0);
    struct it_response *r = it_read_response(c, IT_IO_TIMEOUT_MS);
    CHECK(r != NULL);
    CHECK(r->status == 400 || r->status == 413);
    CHECK_INT_EQ(it_wait_closed(c, IT_IO_TIMEOUT_MS), 0);
}

TEST(chunk_without_crlf_after_data_is_400_and_close)
{
    check_bad("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
              "5\r\nhelloXX0\r\n\r\n",
              400, CLOSES);
}

TEST(content_length_with_transfer_encoding_is_not_smuggled)
{
    /* RFC 9112 §6.1: reject with 400, or use the chunked framing and close after answering.
     * Either way the bytes after the chunked body must never be answered as a request. */
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    CHECK_INT_EQ(it_sends(c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n"
                             "0\r\n\r\nGET /json HTTP/1.1\r\nHost: t\r\n\r\n"),
                 0);
    struct it_response *r = it_read_response(c, IT_IO_TIMEOUT_MS);
    CHECK(r != NULL);
    CHECK(r->status == 400 || r->status == 200);
    if (r->status == 200)
        CHECK_INT_EQ(r->body_len, 0);
    CHECK(it_header_has_token(r, "Connection", "close"));
    char *rest;
    size_t rest_len;
    CHECK_INT_EQ(it_read_until_eof(c, IT_IO_TIMEOUT_MS, &rest, &rest_len), 0);
    if (rest_len)
        it_log("after the first response: %.*s", (int)rest_len, rest);
    CHECK_INT_EQ(rest_len, 0);
}

/* ---- parameters ---- */

TEST(bad_work_parameters_are_400)
{
    static const char *const targets[] = {
        "/work",
        "/work?",
        "/work?cpu_us=",
        "/work?cpu_us=abc",
        "/work?cpu_us=-1",
        "/work?cpu_us=12x",
        "/work?cpu_us=1000001",
        "/work?ms=5",
        "/work?cpu_us=99999999999999999999999",
    };
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        check_bad(it_printf("GET %s HTTP/1.1\r\nHost: t\r\n\r\n", targets[i]), 400, EITHER);
        if (testlib_failed) {
            it_log("GET %s", targets[i]);
            return;
        }
    }
}

TEST(bad_sleep_parameters_are_400)
{
    static const char *const targets[] = {
        "/sleep",          "/sleep?ms=",    "/sleep?ms=abc",   "/sleep?ms=-5",
        "/sleep?ms=60001", "/sleep?ms=1.5", "/sleep?cpu_us=5",
    };
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        check_bad(it_printf("GET %s HTTP/1.1\r\nHost: t\r\n\r\n", targets[i]), 400, EITHER);
        if (testlib_failed) {
            it_log("GET %s", targets[i]);
            return;
        }
    }
}

TEST(not_found_and_bad_parameters_keep_the_connection)
{
    check_bad("GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n", 404, STAYS_OPEN);
    if (testlib_failed)
        return;
    check_bad("GET /sleep?ms=x HTTP/1.1\r\nHost: t\r\n\r\n", 400, STAYS_OPEN);
    if (testlib_failed)
        return;
    check_bad("POST /plaintext HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nab", 405,
              STAYS_OPEN);
}

TEST(http10_without_host_is_served)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    CHECK_INT_EQ(it_sends(c, "GET /plaintext HTTP/1.0\r\n\r\n"), 0);
    struct it_response *r = it_read_response(c, IT_IO_TIMEOUT_MS);
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
}

IT_MAIN(TEST_ENTRY(unknown_method_is_501), TEST_ENTRY(http2_version_is_505),
        TEST_ENTRY(http3_version_is_505), TEST_ENTRY(garbage_request_line_is_400_and_close),
        TEST_ENTRY(binary_junk_is_400_and_close), TEST_ENTRY(nul_in_request_line_is_400_and_close),
        TEST_ENTRY(lowercase_protocol_name_is_400_and_close), TEST_ENTRY(target_over_4k_is_414),
        TEST_ENTRY(missing_host_in_http11_is_400), TEST_ENTRY(duplicate_host_is_400),
        TEST_ENTRY(space_before_colon_is_400),
        TEST_ENTRY(header_line_without_colon_is_400_and_close),
        TEST_ENTRY(bare_cr_in_header_is_400_and_close), TEST_ENTRY(head_over_8k_is_431_and_close),
        TEST_ENTRY(many_small_headers_over_8k_is_431_and_close),
        TEST_ENTRY(post_echo_without_length_is_411),
        TEST_ENTRY(bad_content_length_is_400_and_close),
        TEST_ENTRY(negative_content_length_is_400_and_close),
        TEST_ENTRY(conflicting_content_lengths_are_400_and_close),
        TEST_ENTRY(huge_content_length_is_refused_and_closed),
        TEST_ENTRY(body_over_1m_is_413_and_close), TEST_ENTRY(body_of_exactly_1m_is_accepted),
        TEST_ENTRY(expect_continue_with_a_body_over_the_limit_gets_413_without_100),
        TEST_ENTRY(transfer_encoding_not_ending_in_chunked_is_400_and_close),
        TEST_ENTRY(bad_chunk_size_is_400_and_close),
        TEST_ENTRY(chunk_size_overflow_is_refused_and_closed),
        TEST_ENTRY(chunk_without_crlf_after_data_is_400_and_close),
        TEST_ENTRY(content_length_with_transfer_encoding_is_not_smuggled),
        TEST_ENTRY(bad_work_parameters_are_400), TEST_ENTRY(bad_sleep_parameters_are_400),
        TEST_ENTRY(not_found_and_bad_parameters_keep_the_connection),
        TEST_ENTRY(http10_without_host_is_served))
