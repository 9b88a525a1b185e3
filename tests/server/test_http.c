/* Unit tests of the request parser and the chunked decoder (server/http.c). Every input is copied
 * into a heap block of its exact size, so that a sanitizer build catches any read past the end. */
#include "http.h"
#include "testlib.h"

static const struct http_limits limits = {
    HTTP_DEFAULT_MAX_HEAD_BYTES,
    HTTP_DEFAULT_MAX_TARGET_BYTES,
    HTTP_DEFAULT_MAX_HEADERS,
};

static char *dup_exact(const char *s, size_t n)
{
    char *p = calloc(n > 0 ? n : 1, 1);
    if (p == NULL) {
        perror("calloc");
        exit(2);
    }
    memcpy(p, s, n);
    return p;
}

/* A parse result with the strings copied out, so that the input can be freed at once. */
struct parsed {
    int r;
    struct http_request req;
    char target[512];
    char path[512];
    char query[512];
    int has_query;
};

static void copy_span(char *dst, size_t cap, const char *src, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    if (n > 0)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

static struct parsed parse_lim(const char *s, size_t n, const struct http_limits *lim)
{
    struct parsed out;
    memset(&out, 0, sizeof out);
    char *buf = dup_exact(s, n);
    size_t scanned = 0;
    out.r = http_parse_request(buf, n, &scanned, lim, &out.req);
    if (out.r > 0) {
        copy_span(out.target, sizeof out.target, out.req.target, out.req.target_len);
        copy_span(out.path, sizeof out.path, out.req.path, out.req.path_len);
        out.has_query = out.req.query != NULL;
        if (out.has_query)
            copy_span(out.query, sizeof out.query, out.req.query, out.req.query_len);
    }
    free(buf);
    return out;
}

#define PARSE(lit) parse_lim((lit), sizeof(lit) - 1, &limits)
#define PARSE_STATUS(lit) (PARSE(lit).r)
#define LEN(lit) ((int)(sizeof(lit) - 1))

/* Parses buf[0..n) as one call would, from scratch. */
static int parse_once(const char *s, size_t n, const struct http_limits *lim)
{
    struct parsed p = parse_lim(s, n, lim);
    return p.r;
}

/* ---- request line ---- */

TEST(parser_parses_simple_get)
{
    struct parsed p = PARSE("GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n");
    CHECK_INT_EQ(p.r, LEN("GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    CHECK_INT_EQ(p.req.method, HTTP_GET);
    CHECK_INT_EQ(p.req.minor_version, 1);
    CHECK_STR_EQ(p.target, "/plaintext");
    CHECK_STR_EQ(p.path, "/plaintext");
    CHECK(!p.has_query);
    CHECK_INT_EQ(p.req.query_len, 0);
    CHECK_INT_EQ(p.req.content_length, -1);
    CHECK_INT_EQ(p.req.chunked, 0);
    CHECK_INT_EQ(p.req.keep_alive, 1);
    CHECK_INT_EQ(p.req.expect_continue, 0);
    CHECK_INT_EQ(p.req.n_headers, 1);
}

TEST(parser_maps_known_methods)
{
    static const struct {
        const char *name;
        enum http_method method;
    } methods[] = {
        {"GET", HTTP_GET},     {"HEAD", HTTP_HEAD},     {"POST", HTTP_POST},
        {"PUT", HTTP_PUT},     {"DELETE", HTTP_DELETE}, {"OPTIONS", HTTP_OPTIONS},
        {"PATCH", HTTP_PATCH}, {"TRACE", HTTP_TRACE},
    };
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        char req[128];
        int n = snprintf(req, sizeof req, "%s /x HTTP/1.1\r\nHost: a\r\n\r\n", methods[i].name);
        struct parsed p = parse_lim(req, (size_t)n, &limits);
        CHECK_INT_EQ(p.r, n);
        CHECK_INT_EQ(p.req.method, methods[i].method);
    }
}

TEST(parser_accepts_unknown_method_token)
{
    struct parsed p = PARSE("PURGE /x HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK(p.r > 0);
    CHECK_INT_EQ(p.req.method, HTTP_METHOD_UNKNOWN);
    p = PARSE("get /x HTTP/1.1\r\nHost: a\r\n\r\n"); /* methods are case-sensitive */
    CHECK(p.r > 0);
    CHECK_INT_EQ(p.req.method, HTTP_METHOD_UNKNOWN);
}

TEST(parser_rejects_invalid_method_characters)
{
    CHECK_INT_EQ(PARSE_STATUS("GE(T / HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("G\xc3\x89T / HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS(" / HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
}

TEST(parser_rejects_malformed_request_line)
{
    CHECK_INT_EQ(PARSE_STATUS("GET  / HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET /  HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET / HTTP/1.1 \r\nHost: a\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET /\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET\r\n\r\n"), -400);
}

TEST(parser_rejects_unsupported_major_version_with_505)
{
    CHECK_INT_EQ(PARSE_STATUS("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), -505);
    CHECK_INT_EQ(PARSE_STATUS("GET / HTTP/3.0\r\nHost: a\r\n\r\n"), -505);
    CHECK_INT_EQ(PARSE_STATUS("GET / HTTP/0.9\r\nHost: a\r\n\r\n"), -505);
}

TEST(parser_rejects_garbage_version)
{
    CHECK_INT_EQ(PARSE_STATUS("GET / HTTP/1\r\nHost: a\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET / HTTP/2\r\nHost: a\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET / http/1.1\r\nHost: a\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET / HTTX/1.1\r\nHost: a\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET / HTTP/1.10\r\nHost: a\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET / HTTP/1.x\r\nHost: a\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET / HTTP/1.1x\r\nHost: a\r\n\r\n"), -400);
}

TEST(parser_serves_higher_minor_version_as_11)
{
    struct parsed p = PARSE("GET / HTTP/1.7\r\nHost: a\r\n\r\n");
    CHECK(p.r > 0);
    CHECK_INT_EQ(p.req.minor_version, 1);
    CHECK_INT_EQ(p.req.keep_alive, 1);
}

/* ---- request-target ---- */

TEST(parser_splits_query)
{
    struct parsed p = PARSE("GET /work?cpu_us=5&x=1 HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK(p.r > 0);
    CHECK_STR_EQ(p.target, "/work?cpu_us=5&x=1");
    CHECK_STR_EQ(p.path, "/work");
    CHECK(p.has_query);
    CHECK_STR_EQ(p.query, "cpu_us=5&x=1");
}

TEST(parser_reports_empty_query_as_non_null)
{
    struct parsed p = PARSE("GET /a? HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK(p.r > 0);
    CHECK_STR_EQ(p.path, "/a");
    CHECK(p.has_query);
    CHECK_INT_EQ(p.req.query_len, 0);
}

TEST(parser_parses_absolute_form)
{
    struct parsed p = PARSE("GET http://example.com:8080/p/q?x=1 HTTP/1.1\r\nHost: other\r\n\r\n");
    CHECK(p.r > 0);
    CHECK_STR_EQ(p.target, "http://example.com:8080/p/q?x=1");
    CHECK_STR_EQ(p.path, "/p/q");
    CHECK_STR_EQ(p.query, "x=1");
    p = PARSE("GET HTTPS://example.com/s HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK(p.r > 0);
    CHECK_STR_EQ(p.path, "/s");
    CHECK(!p.has_query);
}

TEST(parser_gives_root_path_to_absolute_form_without_path)
{
    struct parsed p = PARSE("GET http://example.com HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK(p.r > 0);
    CHECK_STR_EQ(p.path, "/");
    CHECK(!p.has_query);
    p = PARSE("GET http://example.com?x=2 HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK(p.r > 0);
    CHECK_STR_EQ(p.path, "/");
    CHECK_STR_EQ(p.query, "x=2");
}

TEST(parser_rejects_bad_absolute_form)
{
    CHECK_INT_EQ(PARSE_STATUS("GET http:///p HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET http://user@h/p HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET ftp://h/p HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET p HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
}

TEST(parser_accepts_asterisk_form_for_options)
{
    struct parsed p = PARSE("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK(p.r > 0);
    CHECK_INT_EQ(p.req.method, HTTP_OPTIONS);
    CHECK_STR_EQ(p.target, "*");
    CHECK_STR_EQ(p.path, "*");
}

TEST(parser_rejects_asterisk_form_for_other_methods)
{
    CHECK_INT_EQ(PARSE_STATUS("GET * HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
}

TEST(parser_accepts_authority_form_for_connect_only)
{
    struct parsed p = PARSE("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    CHECK(p.r > 0);
    CHECK_INT_EQ(p.req.method, HTTP_CONNECT);
    CHECK_STR_EQ(p.target, "example.com:443");
    CHECK_INT_EQ(p.req.path_len, 0);
    CHECK_INT_EQ(PARSE_STATUS("GET example.com:443 HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
}

TEST(parser_rejects_connect_with_a_body)
{
    CHECK_INT_EQ(PARSE_STATUS("CONNECT a:443 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n"),
                 -400);
    CHECK_INT_EQ(
        PARSE_STATUS("CONNECT a:443 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"),
        -400);
    CHECK(PARSE_STATUS("CONNECT a:443 HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n") > 0);
    CHECK(PARSE_STATUS("CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n") > 0);
}

TEST(parser_rejects_invalid_target_bytes)
{
    CHECK_INT_EQ(PARSE_STATUS("GET /a\x01z HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET /a\x7fz HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
    CHECK_INT_EQ(parse_once("GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n",
                            sizeof "GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n" - 1, &limits),
                 -400);
}

/* ---- incremental parsing ---- */

static const char *const split_requests[] = {
    "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    ("GET /plaintext HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: t/1\r\nAccept: */*\r\n"
     "Connection: keep-alive\r\n\r\n"),
    "POST /echo?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
    "GET / HTTP/1.0\n\n",
    "\r\nGET /a HTTP/1.1\r\nHost: h\r\nX: \t y \t\r\n\r\n",
    "\nGET /a HTTP/1.1\nHost: h\nX: \t y \t\n\n",
};

TEST(parser_needs_more_at_every_split_point)
{
    for (size_t i = 0; i < sizeof split_requests / sizeof split_requests[0]; i++) {
        const char *s = split_requests[i];
        size_t n = strlen(s);
        for (size_t k = 0; k < n; k++) {
            int r = parse_once(s, k, &limits);
            if (r != 0)
                CHECK_FAIL_("request %zu prefix %zu: %d", i, k, r);
        }
        CHECK_INT_EQ(parse_once(s, n, &limits), (int)n);
    }
}

/* Feeds s one byte more per call, carrying *scanned, as a connection reading a byte at a time. */
TEST(parser_parses_byte_at_a_time_with_scanned)
{
    for (size_t i = 0; i < sizeof split_requests / sizeof split_requests[0]; i++) {
        const char *s = split_requests[i];
        size_t n = strlen(s), scanned = 0;
        for (size_t k = 1; k <= n; k++) {
            struct http_request req;
            char *buf = dup_exact(s, k);
            int r = http_parse_request(buf, k, &scanned, &limits, &req);
            free(buf);
            if (k < n && r != 0)
                CHECK_FAIL_("request %zu prefix %zu: %d", i, k, r);
            /* the search resumes at most two bytes back: linear overall */
            if (k < n && (scanned > k || scanned + 2 < k))
                CHECK_FAIL_("request %zu prefix %zu: scanned %zu", i, k, scanned);
            if (k == n)
                CHECK_INT_EQ(r, (int)n);
        }
    }
}

TEST(parser_finds_end_split_inside_crlfcrlf)
{
    static const char s[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    size_t n = sizeof s - 1;
    for (size_t cut = n - 3; cut < n; cut++) {
        struct http_request req;
        size_t scanned = 0;
        char *a = dup_exact(s, cut);
        int r1 = http_parse_request(a, cut, &scanned, &limits, &req);
        free(a);
        char *b = dup_exact(s, n);
        int r2 = http_parse_request(b, n, &scanned, &limits, &req);
        free(b);
        CHECK_INT_EQ(r1, 0);
        CHECK_INT_EQ(r2, (int)n);
    }
}

TEST(parser_parses_pipelined_requests)
{
    static const char s[] = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
                            "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
                            "GET /c?d HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
    size_t n = sizeof s - 1, pos = 0;
    char *buf = dup_exact(s, n);
    struct http_request req;
    size_t scanned = 0;
    int r1 = http_parse_request(buf, n, &scanned, &limits, &req);
    int ok1 = r1 > 0 && req.path_len == 2 && memcmp(req.path, "/a", 2) == 0 && req.keep_alive;
    pos += r1 > 0 ? (size_t)r1 : 0;
    scanned = 0;
    int r2 = http_parse_request(buf + pos, n - pos, &scanned, &limits, &req);
    int ok2 = r2 > 0 && req.method == HTTP_POST && req.content_length == 5;
    pos += r2 > 0 ? (size_t)r2 + 5 : 0;
    scanned = 0;
    int r3 = http_parse_request(buf + pos, n - pos, &scanned, &limits, &req);
    int ok3 = r3 > 0 && (size_t)r3 == n - pos && req.query_len == 1 && req.query[0] == 'd' &&
              !req.keep_alive;
    free(buf);
    CHECK_INT_EQ(r1, LEN("GET /a HTTP/1.1\r\nHost: h\r\n\r\n"));
    CHECK(ok1);
    CHECK_INT_EQ(r2, LEN("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n"));
    CHECK(ok2);
    CHECK(ok3);
}

TEST(parser_returns_head_length_without_body)
{
    struct parsed p = PARSE("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
    CHECK_INT_EQ(p.r, LEN("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n"));
    CHECK_INT_EQ(p.req.content_length, 5);
}

TEST(parser_skips_leading_empty_lines)
{
    struct parsed p = PARSE("\r\n\r\nGET /a HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK_INT_EQ(p.r, LEN("\r\n\r\nGET /a HTTP/1.1\r\nHost: a\r\n\r\n"));
    CHECK_STR_EQ(p.path, "/a");
    CHECK_INT_EQ(PARSE_STATUS("\r\n"), 0);
    CHECK_INT_EQ(PARSE_STATUS("\r\n\r\n\r\n\r\n\r\nGET /a HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
}

/* ---- line endings ---- */

TEST(parser_accepts_bare_lf_line_endings)
{
    struct parsed p = PARSE("GET /a HTTP/1.1\nHost: a\nContent-Length: 0\n\n");
    CHECK_INT_EQ(p.r, LEN("GET /a HTTP/1.1\nHost: a\nContent-Length: 0\n\n"));
    CHECK_INT_EQ(p.req.content_length, 0);
    CHECK_INT_EQ(p.req.n_headers, 2);
    CHECK_INT_EQ(p.req.bare_lf, 1);
    p = PARSE("\n\nGET /a HTTP/1.1\nHost: a\n\n");
    CHECK_INT_EQ(p.r, LEN("\n\nGET /a HTTP/1.1\nHost: a\n\n"));
    p = PARSE("GET /a HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK(p.r > 0);
    CHECK_INT_EQ(p.req.bare_lf, 0);
}

/* The requests of issue 15: a CRLF-only proxy reads each bare LF as part of a field value. */
TEST(parser_rejects_mixed_line_endings)
{
    CHECK_INT_EQ(PARSE_STATUS("GET / HTTP/1.1\r\nHost: localhost\r\nDummy: x\nContent-Length: 23"
                              "\r\n\r\nGET / HTTP/1.1\r\nDummy: GET /admin HTTP/1.1\r\n"
                              "Host: localhost\r\n\r\n"),
                 -400);
    CHECK_INT_EQ(PARSE_STATUS("POST / HTTP/1.1\r\nHost: localhost:5000\r\nx:x\nTransfer-Encoding: "
                              "chunked\r\n\r\n1\r\nA\r\n0\r\n"),
                 -400);
    CHECK_INT_EQ(PARSE_STATUS("POST / HTTP/1.1\r\nHost: localhost:5000\r\nx:\nTransfer-Encoding: "
                              "chunked\r\n\r\n1\r\nA\r\n0\r\n"),
                 -400);
    /* the request line sets the style; every later line, the empty one too, must follow it */
    CHECK_INT_EQ(PARSE_STATUS("GET /a HTTP/1.1\nHost: a\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET /a HTTP/1.1\nHost: a\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET /a HTTP/1.1\r\nHost: a\n\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET /a HTTP/1.1\r\nHost: a\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET /a HTTP/1.1\r\nHost: a\r\n\n"), -400);
    /* and so must the empty lines skipped before it */
    CHECK_INT_EQ(PARSE_STATUS("\nGET /a HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("\r\nGET /a HTTP/1.1\nHost: a\n\n"), -400);
}

TEST(parser_rejects_bare_cr)
{
    CHECK_INT_EQ(PARSE_STATUS("GET / HTTP/1.1\rHost: a\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET / HTTP/1.1\r\nHost: a\r\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET / HTTP/1.1\r\nHost: a\r\n\rX: b\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET /\r HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
}

TEST(parser_rejects_bare_cr_before_head_is_complete)
{
    CHECK_INT_EQ(PARSE_STATUS("GET / HTTP/1.1\r\nHost: a\r\n\rX"), -400);
}

/* The bare CR is seen before the head ends, but the lines before it are judged first, so the
 * answer does not depend on how the bytes arrived. */
TEST(parser_reports_earlier_errors_before_bare_cr)
{
    const struct http_limits lim = {8192, 4, 1};
    CHECK_INT_EQ(
        parse_once("GET /abcdef HTTP/1.1\r\n\rX", LEN("GET /abcdef HTTP/1.1\r\n\rX"), &lim), -414);
    CHECK_INT_EQ(parse_once("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\rX",
                            LEN("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\rX"), &lim),
                 -431);
}

/* ---- header fields ---- */

TEST(parser_counts_header_fields)
{
    struct parsed p = PARSE("GET / HTTP/1.1\r\nHost: a\r\nAccept: */*\r\nX-Empty:\r\n\r\n");
    CHECK(p.r > 0);
    CHECK_INT_EQ(p.req.n_headers, 3);
}

TEST(parser_rejects_whitespace_before_colon)
{
    CHECK_INT_EQ(PARSE_STATUS("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET / HTTP/1.1\r\nHost: a\r\nX\t: b\r\n\r\n"), -400);
}

TEST(parser_rejects_obs_fold)
{
    CHECK_INT_EQ(PARSE_STATUS("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n\tc\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET / HTTP/1.1\r\n Host: a\r\n\r\n"), -400);
}

TEST(parser_rejects_invalid_field_names)
{
    CHECK_INT_EQ(PARSE_STATUS("GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET / HTTP/1.1\r\nHost: a\r\nX(y: b\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n"), -400);
}

TEST(parser_rejects_control_characters_in_values)
{
    static const char nul[] = "GET / HTTP/1.1\r\nHost: a\r\nX: b\0c\r\n\r\n";
    CHECK_INT_EQ(parse_once(nul, sizeof nul - 1, &limits), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET / HTTP/1.1\r\nHost: a\r\nX: b\x01 c\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET / HTTP/1.1\r\nHost: a\r\nX: b\x7f\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET / HTTP/1.1\r\nHost: a\r\nX: b\x1b[0m\r\n\r\n"), -400);
}

TEST(parser_accepts_htab_and_obs_text_in_values)
{
    CHECK(PARSE_STATUS("GET / HTTP/1.1\r\nHost: a\r\nX: b\tc \xc3\xa9\r\n\r\n") > 0);
}

TEST(parser_trims_ows_around_values)
{
    struct parsed p = PARSE("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: \t 7 \t\r\n"
                            "Connection:   close \t \r\n\r\n");
    CHECK(p.r > 0);
    CHECK_INT_EQ(p.req.content_length, 7);
    CHECK_INT_EQ(p.req.keep_alive, 0);
}

TEST(parser_matches_header_names_case_insensitively)
{
    struct parsed p =
        PARSE("GET / HTTP/1.1\r\nhOsT: a\r\nCONTENT-LENGTH: 3\r\ncOnNeCtIoN: CLOSE\r\n"
              "EXPECT: 100-CONTINUE\r\n\r\n");
    CHECK(p.r > 0);
    CHECK_INT_EQ(p.req.content_length, 3);
    CHECK_INT_EQ(p.req.keep_alive, 0);
    CHECK_INT_EQ(p.req.expect_continue, 1);
}

/* ---- Host ---- */

TEST(parser_rejects_http11_without_host)
{
    CHECK_INT_EQ(PARSE_STATUS("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n"), -400);
}

TEST(parser_rejects_duplicate_host)
{
    CHECK_INT_EQ(PARSE_STATUS("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"), -400);
    CHECK_INT_EQ(PARSE_STATUS("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n"), -400);
}

TEST(parser_accepts_http10_without_host)
{
    struct parsed p = PARSE("GET / HTTP/1.0\r\n\r\n");
    CHECK(p.r > 0);
    CHECK_INT_EQ(p.req.minor_version, 0);
    CHECK_INT_EQ(p.req.n_headers, 0);
}

/* ---- keep-alive ---- */

TEST(parser_defaults_http10_to_close_and_http11_to_keep_alive)
{
    CHECK_INT_EQ(PARSE("GET / HTTP/1.0\r\n\r\n").req.keep_alive, 0);
    CHECK_INT_EQ(PARSE("GET / HTTP/1.1\r\nHost: a\r\n\r\n").req.keep_alive, 1);
}

TEST(parser_honours_http10_keep_alive)
{
    struct parsed p = PARSE("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
    CHECK(p.r > 0);
    CHECK_INT_EQ(p.req.keep_alive, 1);
}

TEST(parser_reads_connection_token_lists)
{
    CHECK_INT_EQ(
        PARSE("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, close\r\n\r\n").req.keep_alive, 0);
    CHECK_INT_EQ(PARSE("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade,,keep-alive\r\n\r\n")
                     .req.keep_alive,
                 1);
    CHECK_INT_EQ(PARSE("GET / HTTP/1.0\r\nConnection: foo , keep-alive\r\n\r\n").req.keep_alive, 1);
    CHECK_INT_EQ(PARSE("GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n")
                     .req.keep_alive,
                 0);
    /* a token merely containing "close" is not close */
    CHECK_INT_EQ(PARSE("GET / HTTP/1.1\r\nHost: a\r\nConnection: closed\r\n\r\n").req.keep_alive,
                 1);
}

/* ---- Content-Length ---- */

TEST(parser_parses_content_length)
{
    struct parsed p = PARSE("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0042\r\n\r\n");
    CHECK(p.r > 0);
    CHECK_INT_EQ(p.req.content_length, 42);
    p = PARSE("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775807\r\n\r\n");
    CHECK(p.r > 0);
    CHECK(p.req.content_length == INT64_MAX);
}

TEST(parser_accepts_repeated_identical_content_length)
{
    struct parsed p =
        PARSE("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n");
    CHECK(p.r > 0);
    CHECK_INT_EQ(p.req.content_length, 5);
    p = PARSE("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5 ,5\r\n\r\n");
    CHECK(p.r > 0);
    CHECK_INT_EQ(p.req.content_length, 5);
}

TEST(parser_rejects_conflicting_content_length)
{
    CHECK_INT_EQ(
        PARSE_STATUS(
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
        -400);
    CHECK_INT_EQ(PARSE_STATUS("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n"), -400);
}

TEST(parser_rejects_invalid_content_length)
{
    static const char *const bad[] = {
        "",
        "+5",
        "-5",
        "5 5",
        "0x5",
        "5a",
        " , ",
        "5,",
        ",5",
        "5;q",
        "1e3",
        "\xd9\xa5",
        "9223372036854775808",
        "18446744073709551616",
        "00000000000000000001",
        "99999999999999999999999999999999999999999",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char req[256];
        int n = snprintf(req, sizeof req,
                         "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: %s\r\n\r\n", bad[i]);
        int r = parse_once(req, (size_t)n, &limits);
        if (r != -400)
            CHECK_FAIL_("Content-Length \"%s\": %d", bad[i], r);
    }
}

/* ---- Transfer-Encoding ---- */

TEST(parser_parses_chunked_transfer_encoding)
{
    struct parsed p = PARSE("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
    CHECK(p.r > 0);
    CHECK_INT_EQ(p.req.chunked, 1);
    CHECK_INT_EQ(p.req.content_length, -1);
    p = PARSE("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:  Chunked \r\n\r\n");
    CHECK(p.r > 0);
    CHECK_INT_EQ(p.req.chunked, 1);
}

TEST(parser_rejects_transfer_encoding_not_ending_in_chunked)
{
    CHECK_INT_EQ(PARSE_STATUS("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n"),
                 -400);
    CHECK_INT_EQ(
        PARSE_STATUS("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
        -400);
    CHECK_INT_EQ(PARSE_STATUS("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                              "Transfer-Encoding: identity\r\n\r\n"),
                 -400);
    CHECK_INT_EQ(PARSE_STATUS("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n"), -400);
    CHECK_INT_EQ(
        PARSE_STATUS("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;q=1\r\n\r\n"), -400);
}

TEST(parser_rejects_repeated_chunked)
{
    CHECK_INT_EQ(
        PARSE_STATUS("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"),
        -400);
    CHECK_INT_EQ(PARSE_STATUS("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                              "Transfer-Encoding: chunked\r\n\r\n"),
                 -400);
}

TEST(parser_rejects_empty_transfer_coding_element)
{
    CHECK_INT_EQ(PARSE_STATUS("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , chunked\r\n\r\n"),
                 -400);
}

TEST(parser_rejects_unknown_coding_before_chunked_with_501)
{
    CHECK_INT_EQ(
        PARSE_STATUS("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
        -501);
    CHECK_INT_EQ(PARSE_STATUS("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n"
                              "Transfer-Encoding: chunked\r\n\r\n"),
                 -501);
}

TEST(parser_rejects_transfer_encoding_with_content_length)
{
    CHECK_INT_EQ(PARSE_STATUS("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                              "Transfer-Encoding: chunked\r\n\r\n"),
                 -400);
    CHECK_INT_EQ(PARSE_STATUS("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                              "Content-Length: 5\r\n\r\n"),
                 -400);
}

TEST(parser_rejects_transfer_encoding_in_http10)
{
    CHECK_INT_EQ(PARSE_STATUS("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), -400);
}

/* ---- Expect ---- */

TEST(parser_sets_expect_continue)
{
    struct parsed p = PARSE("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
                            "Expect: 100-Continue\r\n\r\n");
    CHECK(p.r > 0);
    CHECK_INT_EQ(p.req.expect_continue, 1);
}

TEST(parser_ignores_other_expectations_and_http10)
{
    struct parsed p = PARSE("POST / HTTP/1.1\r\nHost: a\r\nExpect: something\r\n\r\n");
    CHECK(p.r > 0);
    CHECK_INT_EQ(p.req.expect_continue, 0);
    p = PARSE("POST / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n");
    CHECK(p.r > 0);
    CHECK_INT_EQ(p.req.expect_continue, 0);
}

/* ---- limits ---- */

/* Builds "GET /aaa... HTTP/1.1\r\nHost: a\r\n\r\n" with a target of target_len bytes, or only
 * the request line's first part (no version, no line end) when partial is set. */
static size_t build_long_target(char *out, size_t target_len, int partial)
{
    size_t n = 0;
    memcpy(out, "GET /", 5);
    n = 5;
    memset(out + n, 'a', target_len - 1);
    n += target_len - 1;
    if (!partial) {
        static const char tail[] = " HTTP/1.1\r\nHost: a\r\n\r\n";
        memcpy(out + n, tail, sizeof tail - 1);
        n += sizeof tail - 1;
    }
    return n;
}

TEST(parser_rejects_long_target_with_414)
{
    static char buf[HTTP_DEFAULT_MAX_TARGET_BYTES + 64];
    size_t n = build_long_target(buf, HTTP_DEFAULT_MAX_TARGET_BYTES + 1, 0);
    CHECK_INT_EQ(parse_once(buf, n, &limits), -414);
    n = build_long_target(buf, HTTP_DEFAULT_MAX_TARGET_BYTES, 0);
    CHECK_INT_EQ(parse_once(buf, n, &limits), (int)n);
}

TEST(parser_rejects_long_target_before_line_end)
{
    static char buf[HTTP_DEFAULT_MAX_TARGET_BYTES + 64];
    size_t n = build_long_target(buf, HTTP_DEFAULT_MAX_TARGET_BYTES, 1);
    CHECK_INT_EQ(parse_once(buf, n, &limits), 0);
    n = build_long_target(buf, HTTP_DEFAULT_MAX_TARGET_BYTES + 1, 1);
    CHECK_INT_EQ(parse_once(buf, n, &limits), -414);
}

TEST(parser_rejects_long_target_at_first_excess_byte_when_fed_bytewise)
{
    const struct http_limits lim = {256, 16, 8};
    char s[64];
    size_t n = build_long_target(s, 40, 1);
    size_t scanned = 0, k;
    int r = 0;
    for (k = 1; k <= n && r == 0; k++) {
        struct http_request req;
        char *buf = dup_exact(s, k);
        r = http_parse_request(buf, k, &scanned, &lim, &req);
        free(buf);
    }
    CHECK_INT_EQ(r, -414);
    CHECK_INT_EQ(k - 1, 4 + 17); /* "GET " and the 17th target byte */
}

TEST(parser_rejects_oversized_head_before_it_ends)
{
    const struct http_limits lim = {64, 4096, 64};
    char s[128];
    int n = snprintf(s, sizeof s, "GET / HTTP/1.1\r\nHost: a\r\nX-Long: %070d", 0);
    size_t scanned = 0, k;
    int r = 0;
    for (k = 1; k <= (size_t)n && r == 0; k++) {
        struct http_request req;
        char *buf = dup_exact(s, k);
        r = http_parse_request(buf, k, &scanned, &lim, &req);
        free(buf);
    }
    CHECK_INT_EQ(r, -431);
    CHECK_INT_EQ(k - 1, 64);
    CHECK_INT_EQ(parse_once(s, (size_t)n, &lim), -431);
}

TEST(parser_rejects_request_line_longer_than_head_limit_with_414)
{
    const struct http_limits lim = {64, 4096, 64};
    char s[128];
    size_t n = build_long_target(s, 100, 1);
    CHECK_INT_EQ(parse_once(s, n, &lim), -414);
}

TEST(parser_rejects_complete_oversized_head_with_431)
{
    static const char s[] = "GET / HTTP/1.1\r\nHost: a\r\nX-Long: "
                            "0123456789012345678901234567890123456789\r\n\r\n";
    const struct http_limits lim = {64, 4096, 64};
    CHECK_INT_EQ(parse_once(s, sizeof s - 1, &lim), -431);
}

TEST(parser_accepts_head_of_exactly_the_limit)
{
    static const char s[] = "GET / HTTP/1.1\r\nHost: a\r\nX: 0123456789\r\n\r\n";
    struct http_limits lim = {sizeof s - 1, 4096, 64};
    CHECK_INT_EQ(parse_once(s, sizeof s - 1, &lim), LEN(s));
    lim.max_head_bytes--;
    CHECK_INT_EQ(parse_once(s, sizeof s - 1, &lim), -431);
}

TEST(parser_rejects_too_many_headers_with_431)
{
    const struct http_limits lim = {8192, 4096, 3};
    CHECK(parse_once("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n",
                     LEN("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n"), &lim) > 0);
    CHECK_INT_EQ(parse_once("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
                            LEN("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"), &lim),
                 -431);
}

/* ---- chunked bodies ---- */

struct chunked_result {
    ssize_t r; /* 0, or the error */
    int done;
    int bad_span; /* a data span outside the buffer or not at the end of what was consumed */
    size_t consumed;
    uint64_t chunk_left;
    char data[256];
    size_t data_len;
};

/* Feeds body[0..n) to a fresh decoder in pieces ending at cuts[0..ncuts) and then n, as a
 * connection would: unconsumed bytes are carried into the next call, and every call gets an
 * exact-size copy. */
static struct chunked_result chunked_feed_style(const char *body, size_t n, const size_t *cuts,
                                                size_t ncuts, size_t max_trailer, int bare_lf)
{
    struct chunked_result res;
    struct http_chunked d = {.bare_lf = bare_lf};
    size_t pos = 0;
    memset(&res, 0, sizeof res);
    for (size_t c = 0; c <= ncuts && !d.done; c++) {
        size_t have = (cuts != NULL && c < ncuts) ? cuts[c] : n;
        while (!d.done) {
            size_t avail = have - pos;
            char *buf = dup_exact(body + pos, avail);
            const char *data = NULL;
            size_t data_len = 0;
            ssize_t r = http_chunked_decode(&d, buf, avail, max_trailer, &data, &data_len);
            if (r < 0) {
                free(buf);
                res.r = r;
                return res;
            }
            if (data_len > 0) {
                if (data < buf || data + data_len != buf + r)
                    res.bad_span = 1;
                else if (res.data_len + data_len <= sizeof res.data)
                    memcpy(res.data + res.data_len, data, data_len);
                res.data_len += data_len;
            }
            free(buf);
            pos += (size_t)r;
            if (r == 0)
                break;
        }
    }
    res.done = d.done;
    res.consumed = pos;
    res.chunk_left = d.chunk_left;
    return res;
}

/* A body after a head whose lines ended in CRLF. */
static struct chunked_result chunked_feed(const char *body, size_t n, const size_t *cuts,
                                          size_t ncuts, size_t max_trailer)
{
    return chunked_feed_style(body, n, cuts, ncuts, max_trailer, 0);
}

#define CHUNKED(lit) chunked_feed((lit), sizeof(lit) - 1, NULL, 0, 1024)
/* A body after a head whose lines ended in a bare LF. */
#define CHUNKED_LF(lit) chunked_feed_style((lit), sizeof(lit) - 1, NULL, 0, 1024, 1)

static const char chunked_body[] = "5;name=value\r\nHello\r\n"
                                   "7 ; a ;b=\"q;x\"\r\n, World\r\n"
                                   "1\r\n!\r\n"
                                   "0;last\r\nX-Trailer: 1\r\nY: two words\r\n\r\n";
static const char next_request[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

TEST(chunked_decodes_body_at_every_split_point)
{
    char in[sizeof chunked_body + sizeof next_request];
    size_t body_len = sizeof chunked_body - 1;
    size_t n = body_len + sizeof next_request - 1;
    memcpy(in, chunked_body, body_len);
    memcpy(in + body_len, next_request, sizeof next_request - 1);
    for (size_t cut = 0; cut <= n; cut++) {
        struct chunked_result res = chunked_feed(in, n, &cut, 1, 1024);
        if (res.r != 0 || !res.done || res.bad_span || res.consumed != body_len ||
            res.data_len != 13 || memcmp(res.data, "Hello, World!", 13) != 0)
            CHECK_FAIL_("cut at %zu: r %zd done %d consumed %zu data %zu", cut, res.r, res.done,
                        res.consumed, res.data_len);
    }
}

TEST(chunked_decodes_body_a_byte_at_a_time)
{
    size_t n = sizeof chunked_body - 1;
    size_t cuts[sizeof chunked_body];
    for (size_t i = 0; i < n; i++)
        cuts[i] = i + 1;
    struct chunked_result res = chunked_feed(chunked_body, n, cuts, n, 1024);
    CHECK_INT_EQ(res.r, 0);
    CHECK(res.done);
    CHECK(!res.bad_span);
    CHECK_INT_EQ(res.consumed, n);
    CHECK_MEM_EQ(res.data, res.data_len, "Hello, World!", (size_t)13);
}

TEST(chunked_reports_partial_chunk_data)
{
    struct chunked_result res = CHUNKED("a\r\n01234");
    CHECK_INT_EQ(res.r, 0);
    CHECK(!res.done);
    CHECK(!res.bad_span);
    CHECK_INT_EQ(res.consumed, 8);
    CHECK_MEM_EQ(res.data, res.data_len, "01234", (size_t)5);
    CHECK_INT_EQ(res.chunk_left, 5);
}

TEST(chunked_needs_more_input_returns_zero)
{
    struct http_chunked d = {0};
    const char *data;
    size_t data_len = 99;
    char *buf = dup_exact("", 0);
    ssize_t r = http_chunked_decode(&d, buf, 0, 1024, &data, &data_len);
    free(buf);
    CHECK_INT_EQ(r, 0);
    CHECK_INT_EQ(data_len, 0);
    CHECK(!d.done);
}

TEST(chunked_accepts_bare_lf_after_a_bare_lf_head)
{
    struct chunked_result res = CHUNKED_LF("5\nHello\n0\nX: y\n\n");
    CHECK_INT_EQ(res.r, 0);
    CHECK(res.done);
    CHECK_MEM_EQ(res.data, res.data_len, "Hello", (size_t)5);
}

/* Parsers that skip extensions (Debian's http_parser) end them only at a CR: after a bare LF they
 * would read "Hello\n0\n..." as extension, so an extension needs the CRLF line end. */
TEST(chunked_rejects_extensions_on_bare_lf_lines)
{
    CHECK_INT_EQ(CHUNKED_LF("5;a=\"b\"\nHello\n0\n\n").r, -400);
    CHECK_INT_EQ(CHUNKED_LF("5;a=b\nHello\n0\n\n").r, -400);
    CHECK_INT_EQ(CHUNKED_LF("5;a\nHello\n0\n\n").r, -400);
    CHECK_INT_EQ(CHUNKED_LF("5\nHello\n0;a=b\n\n").r, -400);
}

/* A chunk line must end the way the head did: a bare LF after a CRLF head, or a CR after a bare-LF
 * head, is 400 wherever it is. */
TEST(chunked_rejects_line_ends_unlike_the_head)
{
    CHECK_INT_EQ(CHUNKED("5\nHello\r\n0\r\n\r\n").r, -400);
    CHECK_INT_EQ(CHUNKED("5;a=b\nHello\r\n0\r\n\r\n").r, -400);
    CHECK_INT_EQ(CHUNKED("5\r\nHello\n0\r\n\r\n").r, -400);
    CHECK_INT_EQ(CHUNKED("0\r\nX: y\n\r\n").r, -400);
    CHECK_INT_EQ(CHUNKED("0\r\n\n").r, -400);
    CHECK_INT_EQ(CHUNKED_LF("5\r\nHello\n0\n\n").r, -400);
    CHECK_INT_EQ(CHUNKED_LF("5\nHello\r\n0\n\n").r, -400);
    CHECK_INT_EQ(CHUNKED_LF("0\nX: y\r\n\n").r, -400);
    CHECK_INT_EQ(CHUNKED_LF("0\n\r\n").r, -400);
}

TEST(chunked_accepts_well_formed_extensions)
{
    static const char *const ok[] = {
        "1;a\r\nx\r\n0\r\n\r\n",
        "1;a=b\r\nx\r\n0\r\n\r\n",
        "1;a=\"\"\r\nx\r\n0\r\n\r\n",
        "1;a=\"b c;d\"\r\nx\r\n0\r\n\r\n",
        "1;a=\"q\\\"x\\\\\"\r\nx\r\n0\r\n\r\n",
        "1 ; a = \"v\" ; b\t;c=d\r\nx\r\n0\r\n\r\n",
        "1;a;b;c\r\nx\r\n0;last=\"\x80\"\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        struct chunked_result res = chunked_feed(ok[i], strlen(ok[i]), NULL, 0, 1024);
        if (res.r != 0 || !res.done)
            CHECK_FAIL_("case %zu (%s): r %zd done %d", i, ok[i], res.r, res.done);
    }
}

/* RFC 9112 section 7.1.1; the first two are from issue 15 */
TEST(chunked_rejects_malformed_extensions)
{
    static const char *const bad[] = {
        "2;\r\naa\r\n0\r\n\r\n",
        ("5;ilovew3=\"abc\";somuchlove=\"def; ghi\r\nhello\r\n"
         "6;blahblah;blah\r\n world\r\n0\r\n\r\n"),
        "1;=a\r\nx\r\n0\r\n\r\n",
        "1;a=\r\nx\r\n0\r\n\r\n",
        "1;a \r\nx\r\n0\r\n\r\n",
        "1;a=b \r\nx\r\n0\r\n\r\n",
        "1;a=\"b\" \r\nx\r\n0\r\n\r\n",
        "1; \r\nx\r\n0\r\n\r\n",
        "1;;a\r\nx\r\n0\r\n\r\n",
        "1;a=b=c\r\nx\r\n0\r\n\r\n",
        "1;a=b\"c\"\r\nx\r\n0\r\n\r\n",
        "1;a=\"b\"c\r\nx\r\n0\r\n\r\n",
        "1;a,b\r\nx\r\n0\r\n\r\n",
        "1;a=\"\\\x01\"\r\nx\r\n0\r\n\r\n",
        "1;a=\"b\nc\"\r\nx\r\n0\r\n\r\n",
        "1 a\r\nx\r\n0\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct chunked_result res = chunked_feed(bad[i], strlen(bad[i]), NULL, 0, 1024);
        if (res.r != -400)
            CHECK_FAIL_("case %zu (%s): r %zd done %d", i, bad[i], res.r, res.done);
    }
}

TEST(chunked_accepts_uppercase_hex_and_leading_zeros)
{
    struct chunked_result res = CHUNKED("00A\r\n0123456789\r\n0000\r\n\r\n");
    CHECK_INT_EQ(res.r, 0);
    CHECK(res.done);
    CHECK_MEM_EQ(res.data, res.data_len, "0123456789", (size_t)10);
}

TEST(chunked_accepts_largest_size)
{
    struct http_chunked d = {0};
    const char *data;
    size_t data_len;
    static const char in[] = "7fffffffffffffff\r\n";
    char *buf = dup_exact(in, sizeof in - 1);
    ssize_t r = http_chunked_decode(&d, buf, sizeof in - 1, 1024, &data, &data_len);
    free(buf);
    CHECK_INT_EQ(r, LEN(in));
    CHECK(d.chunk_left == (uint64_t)INT64_MAX);
}

TEST(chunked_rejects_empty_size)
{
    CHECK_INT_EQ(CHUNKED("\r\nabc\r\n0\r\n\r\n").r, -400);
    CHECK_INT_EQ(CHUNKED(";ext\r\nabc\r\n0\r\n\r\n").r, -400);
    CHECK_INT_EQ(CHUNKED("3\r\nabc\r\n\r\n").r, -400);
}

TEST(chunked_rejects_non_hex_size)
{
    CHECK_INT_EQ(CHUNKED("g\r\n").r, -400);
    CHECK_INT_EQ(CHUNKED("0x10\r\n").r, -400);
    CHECK_INT_EQ(CHUNKED("-1\r\n").r, -400);
    CHECK_INT_EQ(CHUNKED("+1\r\n").r, -400);
    CHECK_INT_EQ(CHUNKED("1 2\r\n").r, -400);
    CHECK_INT_EQ(CHUNKED("1 \r\nx\r\n0\r\n\r\n").r, -400);
}

TEST(chunked_accepts_whitespace_before_extension)
{
    struct chunked_result res = CHUNKED("1 \t; a = b\r\nx\r\n0\r\n\r\n");
    CHECK_INT_EQ(res.r, 0);
    CHECK(res.done);
}

TEST(chunked_rejects_overflowing_size)
{
    CHECK_INT_EQ(CHUNKED("8000000000000000\r\n").r, -400);
    CHECK_INT_EQ(CHUNKED("10000000000000000\r\n").r, -400);
    CHECK_INT_EQ(CHUNKED("ffffffffffffffffffff\r\n").r, -400);
}

TEST(chunked_rejects_missing_crlf_after_data)
{
    CHECK_INT_EQ(CHUNKED("3\r\nabcX\r\n0\r\n\r\n").r, -400);
    CHECK_INT_EQ(CHUNKED("3\r\nabc\rX0\r\n\r\n").r, -400);
    CHECK_INT_EQ(CHUNKED("3\r\nabc\r\r\n0\r\n\r\n").r, -400);
    CHECK_INT_EQ(CHUNKED("3\r\nabcd\r\n0\r\n\r\n").r, -400);
}

TEST(chunked_rejects_bare_cr_in_size_line)
{
    CHECK_INT_EQ(CHUNKED("3\rabc\r\n0\r\n\r\n").r, -400);
    CHECK_INT_EQ(CHUNKED("3;x\r\rabc\r\n0\r\n\r\n").r, -400);
}

TEST(chunked_rejects_control_characters_in_extension)
{
    CHECK_INT_EQ(CHUNKED("1;a\x01z\r\nx\r\n0\r\n\r\n").r, -400);
    CHECK_INT_EQ(CHUNKED("1;a\x7f\r\nx\r\n0\r\n\r\n").r, -400);
}

TEST(chunked_rejects_long_chunk_line)
{
    static char in[HTTP_MAX_CHUNK_LINE_BYTES + 64];
    size_t n = 0;
    in[n++] = '1';
    in[n++] = ';';
    memset(in + n, 'a', 900);
    n += 900;
    memcpy(in + n, "\r\nx\r\n0\r\n\r\n", 10);
    struct chunked_result res = chunked_feed(in, n + 10, NULL, 0, 1024);
    CHECK_INT_EQ(res.r, 0);
    CHECK(res.done);
    memset(in + 2, 'a', HTTP_MAX_CHUNK_LINE_BYTES);
    memcpy(in + 2 + HTTP_MAX_CHUNK_LINE_BYTES, "\r\n", 2);
    res = chunked_feed(in, HTTP_MAX_CHUNK_LINE_BYTES + 4, NULL, 0, 1024);
    CHECK_INT_EQ(res.r, -400);
}

TEST(chunked_rejects_oversized_trailer_section)
{
    static const char in[] = "0\r\nX-A: 0123456789\r\nX-B: 0123456789\r\n\r\n";
    /* both field lines with their CRLF count; the final empty line does not */
    struct chunked_result res = chunked_feed(in, sizeof in - 1, NULL, 0, 34);
    CHECK_INT_EQ(res.r, 0);
    CHECK(res.done);
    res = chunked_feed(in, sizeof in - 1, NULL, 0, 33);
    CHECK_INT_EQ(res.r, -400);
}

TEST(chunked_rejects_malformed_trailer_lines)
{
    CHECK_INT_EQ(CHUNKED("0\r\nX: 1\rY: 2\r\n\r\n").r, -400);
    CHECK_INT_EQ(CHUNKED("0\r\nX: 1\r\n folded\r\n\r\n").r, -400);
    CHECK_INT_EQ(CHUNKED("0\r\nX: a\x01\r\n\r\n").r, -400);
    CHECK_INT_EQ(CHUNKED("0\r\n\rX").r, -400);
    CHECK_INT_EQ(CHUNKED("0\r\nNoColon\r\n\r\n").r, -400);
    CHECK_INT_EQ(CHUNKED("0\r\n: v\r\n\r\n").r, -400);
    CHECK_INT_EQ(CHUNKED("0\r\nX : v\r\n\r\n").r, -400);
}

TEST(chunked_stops_after_the_last_chunk)
{
    struct chunked_result res = CHUNKED("0\r\n\r\nGET / HTTP/1.1\r\n");
    CHECK_INT_EQ(res.r, 0);
    CHECK(res.done);
    CHECK_INT_EQ(res.consumed, 5);
    CHECK_INT_EQ(res.data_len, 0);
}

/* ---- reason phrases ---- */

TEST(status_reason_names_common_codes)
{
    CHECK_STR_EQ(http_status_reason(100), "Continue");
    CHECK_STR_EQ(http_status_reason(200), "OK");
    CHECK_STR_EQ(http_status_reason(400), "Bad Request");
    CHECK_STR_EQ(http_status_reason(404), "Not Found");
    CHECK_STR_EQ(http_status_reason(405), "Method Not Allowed");
    CHECK_STR_EQ(http_status_reason(408), "Request Timeout");
    CHECK_STR_EQ(http_status_reason(411), "Length Required");
    CHECK_STR_EQ(http_status_reason(413), "Content Too Large");
    CHECK_STR_EQ(http_status_reason(414), "URI Too Long");
    CHECK_STR_EQ(http_status_reason(417), "Expectation Failed");
    CHECK_STR_EQ(http_status_reason(431), "Request Header Fields Too Large");
    CHECK_STR_EQ(http_status_reason(500), "Internal Server Error");
    CHECK_STR_EQ(http_status_reason(501), "Not Implemented");
    CHECK_STR_EQ(http_status_reason(503), "Service Unavailable");
    CHECK_STR_EQ(http_status_reason(505), "HTTP Version Not Supported");
}

TEST(status_reason_is_unknown_for_other_codes)
{
    CHECK_STR_EQ(http_status_reason(299), "Unknown");
    CHECK_STR_EQ(http_status_reason(-1), "Unknown");
}

TEST_MAIN(
    TEST_ENTRY(parser_parses_simple_get), TEST_ENTRY(parser_maps_known_methods),
    TEST_ENTRY(parser_accepts_unknown_method_token),
    TEST_ENTRY(parser_rejects_invalid_method_characters),
    TEST_ENTRY(parser_rejects_malformed_request_line),
    TEST_ENTRY(parser_rejects_unsupported_major_version_with_505),
    TEST_ENTRY(parser_rejects_garbage_version),
    TEST_ENTRY(parser_serves_higher_minor_version_as_11), TEST_ENTRY(parser_splits_query),
    TEST_ENTRY(parser_reports_empty_query_as_non_null), TEST_ENTRY(parser_parses_absolute_form),
    TEST_ENTRY(parser_gives_root_path_to_absolute_form_without_path),
    TEST_ENTRY(parser_rejects_bad_absolute_form),
    TEST_ENTRY(parser_accepts_asterisk_form_for_options),
    TEST_ENTRY(parser_rejects_asterisk_form_for_other_methods),
    TEST_ENTRY(parser_accepts_authority_form_for_connect_only),
    TEST_ENTRY(parser_rejects_connect_with_a_body), TEST_ENTRY(parser_rejects_invalid_target_bytes),
    TEST_ENTRY(parser_needs_more_at_every_split_point),
    TEST_ENTRY(parser_parses_byte_at_a_time_with_scanned),
    TEST_ENTRY(parser_finds_end_split_inside_crlfcrlf),
    TEST_ENTRY(parser_parses_pipelined_requests),
    TEST_ENTRY(parser_returns_head_length_without_body),
    TEST_ENTRY(parser_skips_leading_empty_lines), TEST_ENTRY(parser_accepts_bare_lf_line_endings),
    TEST_ENTRY(parser_rejects_mixed_line_endings), TEST_ENTRY(parser_rejects_bare_cr),
    TEST_ENTRY(parser_rejects_bare_cr_before_head_is_complete),
    TEST_ENTRY(parser_reports_earlier_errors_before_bare_cr),
    TEST_ENTRY(parser_counts_header_fields), TEST_ENTRY(parser_rejects_whitespace_before_colon),
    TEST_ENTRY(parser_rejects_obs_fold), TEST_ENTRY(parser_rejects_invalid_field_names),
    TEST_ENTRY(parser_rejects_control_characters_in_values),
    TEST_ENTRY(parser_accepts_htab_and_obs_text_in_values),
    TEST_ENTRY(parser_trims_ows_around_values),
    TEST_ENTRY(parser_matches_header_names_case_insensitively),
    TEST_ENTRY(parser_rejects_http11_without_host), TEST_ENTRY(parser_rejects_duplicate_host),
    TEST_ENTRY(parser_accepts_http10_without_host),
    TEST_ENTRY(parser_defaults_http10_to_close_and_http11_to_keep_alive),
    TEST_ENTRY(parser_honours_http10_keep_alive), TEST_ENTRY(parser_reads_connection_token_lists),
    TEST_ENTRY(parser_parses_content_length),
    TEST_ENTRY(parser_accepts_repeated_identical_content_length),
    TEST_ENTRY(parser_rejects_conflicting_content_length),
    TEST_ENTRY(parser_rejects_invalid_content_length),
    TEST_ENTRY(parser_parses_chunked_transfer_encoding),
    TEST_ENTRY(parser_rejects_transfer_encoding_not_ending_in_chunked),
    TEST_ENTRY(parser_rejects_repeated_chunked),
    TEST_ENTRY(parser_rejects_empty_transfer_coding_element),
    TEST_ENTRY(parser_rejects_unknown_coding_before_chunked_with_501),
    TEST_ENTRY(parser_rejects_transfer_encoding_with_content_length),
    TEST_ENTRY(parser_rejects_transfer_encoding_in_http10), TEST_ENTRY(parser_sets_expect_continue),
    TEST_ENTRY(parser_ignores_other_expectations_and_http10),
    TEST_ENTRY(parser_rejects_long_target_with_414),
    TEST_ENTRY(parser_rejects_long_target_before_line_end),
    TEST_ENTRY(parser_rejects_long_target_at_first_excess_byte_when_fed_bytewise),
    TEST_ENTRY(parser_rejects_oversized_head_before_it_ends),
    TEST_ENTRY(parser_rejects_request_line_longer_than_head_limit_with_414),
    TEST_ENTRY(parser_rejects_complete_oversized_head_with_431),
    TEST_ENTRY(parser_accepts_head_of_exactly_the_limit),
    TEST_ENTRY(parser_rejects_too_many_headers_with_431),
    TEST_ENTRY(chunked_decodes_body_at_every_split_point),
    TEST_ENTRY(chunked_decodes_body_a_byte_at_a_time),
    TEST_ENTRY(chunked_reports_partial_chunk_data),
    TEST_ENTRY(chunked_needs_more_input_returns_zero),
    TEST_ENTRY(chunked_accepts_bare_lf_after_a_bare_lf_head),
    TEST_ENTRY(chunked_rejects_extensions_on_bare_lf_lines),
    TEST_ENTRY(chunked_rejects_line_ends_unlike_the_head),
    TEST_ENTRY(chunked_accepts_well_formed_extensions),
    TEST_ENTRY(chunked_rejects_malformed_extensions),
    TEST_ENTRY(chunked_accepts_uppercase_hex_and_leading_zeros),
    TEST_ENTRY(chunked_accepts_largest_size), TEST_ENTRY(chunked_rejects_empty_size),
    TEST_ENTRY(chunked_rejects_non_hex_size),
    TEST_ENTRY(chunked_accepts_whitespace_before_extension),
    TEST_ENTRY(chunked_rejects_overflowing_size),
    TEST_ENTRY(chunked_rejects_missing_crlf_after_data),
    TEST_ENTRY(chunked_rejects_bare_cr_in_size_line),
    TEST_ENTRY(chunked_rejects_control_characters_in_extension),
    TEST_ENTRY(chunked_rejects_long_chunk_line),
    TEST_ENTRY(chunked_rejects_oversized_trailer_section),
    TEST_ENTRY(chunked_rejects_malformed_trailer_lines),
    TEST_ENTRY(chunked_stops_after_the_last_chunk), TEST_ENTRY(status_reason_names_common_codes),
    TEST_ENTRY(status_reason_is_unknown_for_other_codes))
