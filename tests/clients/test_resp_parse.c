/* The response parser: framing by Content-Length, chunks and close; status and keep-alive; input
 * split at every byte; pipelined responses; malformed input. */
#include "resp_parse.h"
#include "testlib.h"

struct outcome {
    int responses;
    int statuses[16];
    int keep_alive[16];
    int error;
    size_t consumed; /* bytes consumed by the completed responses */
};

/* Feeds text in pieces of `step` bytes (0: all at once), parsing every response it holds. */
static struct outcome feed(const char *text, size_t len, size_t step, int head_request)
{
    struct outcome o = {0};
    struct resp_parser p;
    resp_parser_init(&p, head_request);
    size_t pos = 0, consumed = 0;
    while (pos < len) {
        size_t n = step ? step : len;
        if (n > len - pos)
            n = len - pos;
        size_t off = 0;
        while (off < n) {
            ssize_t r = resp_parse(&p, text + pos + off, n - off);
            if (r < 0) {
                o.error = 1;
                return o;
            }
            off += (size_t)r;
            consumed += (size_t)r;
            if (p.done) {
                if (o.responses < 16) {
                    o.statuses[o.responses] = p.status;
                    o.keep_alive[o.responses] = p.keep_alive;
                }
                o.responses++;
                o.consumed = consumed;
                resp_parser_init(&p, head_request);
            } else if (r == 0) {
                break;
            }
        }
        pos += n;
    }
    return o;
}

/* Checks a response text parses the same whether it comes at once or in pieces of any size. */
static int same_in_every_split(const char *text, int head_request, int responses)
{
    size_t len = strlen(text);
    struct outcome whole = feed(text, len, 0, head_request);
    if (whole.error || whole.responses != responses || whole.consumed != len)
        return 0;
    for (size_t step = 1; step <= len; step++) {
        struct outcome o = feed(text, len, step, head_request);
        if (o.error || o.responses != responses || o.consumed != len)
            return 0;
        for (int i = 0; i < responses && i < 16; i++)
            if (o.statuses[i] != whole.statuses[i] || o.keep_alive[i] != whole.keep_alive[i])
                return 0;
    }
    return 1;
}

TEST(parse_content_length_response)
{
    const char *t = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nServer: x\r\n\r\nHello, World!";
    struct outcome o = feed(t, strlen(t), 0, 0);
    CHECK_INT_EQ(o.error, 0);
    CHECK_INT_EQ(o.responses, 1);
    CHECK_INT_EQ(o.statuses[0], 200);
    CHECK_INT_EQ(o.keep_alive[0], 1);
    CHECK(same_in_every_split(t, 0, 1));
}

TEST(parse_stops_after_each_response)
{
    const char *t = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 404 Not Found\r\n"
                    "Content-Length: 0\r\n\r\nHTTP/1.1 500 E\r\ncontent-length: 1\r\n\r\nx";
    struct resp_parser p;
    resp_parser_init(&p, 0);
    ssize_t r = resp_parse(&p, t, strlen(t));
    CHECK(p.done);
    CHECK_INT_EQ(r, 40);
    struct outcome o = feed(t, strlen(t), 0, 0);
    CHECK_INT_EQ(o.responses, 3);
    CHECK_INT_EQ(o.statuses[1], 404);
    CHECK_INT_EQ(o.statuses[2], 500);
    CHECK(same_in_every_split(t, 0, 3));
}

TEST(parse_chunked_with_extensions_and_trailers)
{
    const char *t = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "5;name=value\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n"
                    "X-Trailer: 1\r\nX-Other: 2\r\n\r\n"
                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n";
    CHECK(same_in_every_split(t, 0, 2));
}

TEST(parse_head_response_has_no_body)
{
    const char *t = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\n"
                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    CHECK(same_in_every_split(t, 1, 2));
}

TEST(parse_204_and_304_have_no_body)
{
    const char *t = "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n"
                    "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n";
    CHECK(same_in_every_split(t, 0, 2));
}

TEST(parse_skips_interim_responses)
{
    const char *t = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\n"
                    "HTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nx";
    struct outcome o = feed(t, strlen(t), 0, 0);
    CHECK_INT_EQ(o.responses, 1);
    CHECK_INT_EQ(o.statuses[0], 201);
    CHECK(same_in_every_split(t, 0, 1));
}

TEST(parse_keep_alive_rules)
{
    const char *close11 = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
    const char *plain10 = "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n";
    const char *keep10 = "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n";
    const char *tokens =
        "HTTP/1.1 200 OK\r\nConnection: upgrade, CLOSE\r\nContent-Length: 0\r\n\r\n";
    CHECK_INT_EQ(feed(close11, strlen(close11), 0, 0).keep_alive[0], 0);
    CHECK_INT_EQ(feed(plain10, strlen(plain10), 0, 0).keep_alive[0], 0);
    CHECK_INT_EQ(feed(keep10, strlen(keep10), 0, 0).keep_alive[0], 1);
    CHECK_INT_EQ(feed(tokens, strlen(tokens), 0, 0).keep_alive[0], 0);
    CHECK(same_in_every_split(tokens, 0, 1));
}

TEST(parse_body_until_close)
{
    const char *t = "HTTP/1.1 200 OK\r\nServer: old\r\n\r\nsome body bytes";
    struct resp_parser p;
    resp_parser_init(&p, 0);
    CHECK_INT_EQ(resp_parse(&p, t, strlen(t)), (ssize_t)strlen(t));
    CHECK(!p.done);
    CHECK_INT_EQ(resp_parse_eof(&p), 1);
    CHECK(p.done);
    CHECK_INT_EQ(p.keep_alive, 0);
    CHECK_INT_EQ(p.status, 200);

    /* A final coding other than chunked is read until close too. */
    const char *te = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nxyz";
    resp_parser_init(&p, 0);
    CHECK_INT_EQ(resp_parse(&p, te, strlen(te)), (ssize_t)strlen(te));
    CHECK_INT_EQ(resp_parse_eof(&p), 1);
}

TEST(parse_eof_before_and_inside_a_response)
{
    struct resp_parser p;
    resp_parser_init(&p, 0);
    CHECK_INT_EQ(resp_parse_eof(&p), 0);
    const char *head = "HTTP/1.1 200 OK\r\nContent-Len";
    CHECK_INT_EQ(resp_parse(&p, head, strlen(head)), (ssize_t)strlen(head));
    CHECK_INT_EQ(resp_parse_eof(&p), RESP_EPROTO);
    const char *body = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
    resp_parser_init(&p, 0);
    CHECK_INT_EQ(resp_parse(&p, body, strlen(body)), (ssize_t)strlen(body));
    CHECK_INT_EQ(resp_parse_eof(&p), RESP_EPROTO);
}

TEST(parse_transfer_encoding_wins_over_content_length)
{
    const char *t = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "3\r\nabc\r\n0\r\n\r\n";
    CHECK(same_in_every_split(t, 0, 1));
}

TEST(parse_long_header_lines_split_anywhere)
{
    char t[4096];
    char cookie[1500];
    memset(cookie, 'c', sizeof cookie - 1);
    cookie[sizeof cookie - 1] = '\0';
    snprintf(t, sizeof t,
             "HTTP/1.1 200 OK\r\nSet-Cookie: %s\r\nX-Long: %s\r\ncontent-LENGTH:   4  \r\n\r\nbody",
             cookie, cookie);
    CHECK(same_in_every_split(t, 0, 1));
}

/* Only the first RESP_LINE_CARRY bytes of a line are examined, split or not (found by fuzzing:
 * a long field name with its colon beyond them was an error only when split). */
static int error_in_every_split(const char *t)
{
    for (size_t step = 0; step <= strlen(t); step++)
        if (!feed(t, strlen(t), step, 0).error)
            return 0;
    return 1;
}

TEST(parse_long_lines_same_in_every_split)
{
    char name[200], t[512];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    snprintf(t, sizeof t, "HTTP/1.1 200 OK\r\n%s: v\r\nContent-Length: 0\r\n\r\n", name);
    CHECK(same_in_every_split(t, 0, 1));
    snprintf(t, sizeof t, "HTTP/1.1 200 OK\r\n%s\r\nContent-Length: 0\r\n\r\n", name);
    CHECK(error_in_every_split(t));
    /* A framing field is never guessed from a cut line. */
    snprintf(t, sizeof t, "HTTP/1.1 200 OK\r\nContent-Length:%100s\r\n\r\n", "1");
    CHECK(error_in_every_split(t));
}

TEST(parse_tolerates_bare_lf_and_stray_crlf)
{
    const char *t = "HTTP/1.1 200 OK\nContent-Length: 1\n\nx\r\nHTTP/1.1 200 OK\r\n"
                    "Content-Length: 0\r\n\r\n";
    CHECK(same_in_every_split(t, 0, 2));
}

static int is_error(const char *t)
{
    return feed(t, strlen(t), 0, 0).error;
}

TEST(parse_rejects_malformed_responses)
{
    CHECK(is_error("HTTP/2 200 OK\r\n\r\n"));
    CHECK(is_error("HTTP/1.1 20 OK\r\n\r\n"));
    CHECK(is_error("HTTP/1.1 2000 OK\r\n\r\n"));
    CHECK(is_error("HTTP/1.1 099 Low\r\n\r\n"));
    CHECK(is_error("ICY 200 OK\r\n\r\n"));
    CHECK(is_error("HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n"));
    CHECK(is_error("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n"));
    CHECK(is_error("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"));
    CHECK(is_error("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n"));
    CHECK(is_error("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"));
    CHECK(is_error("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n"));
    CHECK(is_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"));
    CHECK(is_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "11111111111111111\r\n"));
    CHECK(is_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n"));
    /* Equal repeated lengths are fine. */
    CHECK(!is_error("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx"));
}

TEST(parse_bounds_the_head)
{
    static char t[RESP_MAX_HEAD_BYTES + 200];
    size_t n = (size_t)snprintf(t, sizeof t, "HTTP/1.1 200 OK\r\nX: ");
    while (n < RESP_MAX_HEAD_BYTES + 10)
        t[n++] = 'a';
    struct resp_parser p;
    resp_parser_init(&p, 0);
    /* In pieces, as it would come from the network. */
    ssize_t r = 0;
    for (size_t off = 0; off < n && r >= 0; off += 1000)
        r = resp_parse(&p, t + off, n - off < 1000 ? n - off : 1000);
    CHECK_INT_EQ(r, RESP_EPROTO);
}

TEST_MAIN(TEST_ENTRY(parse_content_length_response), TEST_ENTRY(parse_stops_after_each_response),
          TEST_ENTRY(parse_chunked_with_extensions_and_trailers),
          TEST_ENTRY(parse_head_response_has_no_body), TEST_ENTRY(parse_204_and_304_have_no_body),
          TEST_ENTRY(parse_skips_interim_responses), TEST_ENTRY(parse_keep_alive_rules),
          TEST_ENTRY(parse_body_until_close), TEST_ENTRY(parse_eof_before_and_inside_a_response),
          TEST_ENTRY(parse_transfer_encoding_wins_over_content_length),
          TEST_ENTRY(parse_long_header_lines_split_anywhere),
          TEST_ENTRY(parse_long_lines_same_in_every_split),
          TEST_ENTRY(parse_tolerates_bare_lf_and_stray_crlf),
          TEST_ENTRY(parse_rejects_malformed_responses), TEST_ENTRY(parse_bounds_the_head))
