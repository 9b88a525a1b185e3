/* Bad input, one case per line of a table: the raw bytes sent, the status expected, whether the
 * server must close the connection after it, and the /stats counter that must count it. Every
 * case then checks that a new connection is served. The program runs in every model. */
#include "support.h"

#include <sys/socket.h>

enum after {
    KEEPS_OPEN, /* the same connection then serves a GET /plaintext */
    CLOSES,     /* Connection: close, then the server closes; nothing more is sent */
};

enum how {
    SEND_ONCE,      /* the bytes in one write, one response */
    SEND_BYTEWISE,  /* one byte per write, one response */
    SEND_PIPELINE,  /* the bytes in one write, `want` responses, each `status` */
    ABORT_REQUEST,  /* the bytes (a partial request), then the client closes; no response */
    ABORT_RESPONSE, /* the bytes; the first response is read, then the client resets */
};

struct hcase {
    const char *raw; /* NULL: made by `build` */
    size_t raw_len;
    char *(*build)(size_t *len);
    int status;
    enum after after;
    const char *counter; /* a /stats path that must rise by `want` */
    int want;
    enum how how;
};

#define RAW(s) s, sizeof(s) - 1, NULL
#define BUILT(fn) NULL, 0, fn

#define HOST "Host: t\r\n"
#define GET_PLAINTEXT "GET /plaintext HTTP/1.1\r\n" HOST "\r\n"
#define ECHO_HEAD "POST /echo HTTP/1.1\r\n" HOST
#define CHUNKED_HEAD ECHO_HEAD "Transfer-Encoding: chunked\r\n\r\n"
#define PARSE "errors.parse"
#define PARAM "errors.bad_param"
#define ABORT "errors.client_abort"

/* ---- inputs too long to write out ---- */

static char *build_long_target(size_t *len)
{
    char *pad = it_alloc(4200);
    memset(pad, 'a', 4199);
    char *req = it_printf("GET /plaintext?%s HTTP/1.1\r\n" HOST "\r\n", pad);
    *len = strlen(req);
    return req;
}

static char *build_long_head(size_t *len)
{
    char *pad = it_alloc(9001);
    memset(pad, 'a', 9000);
    char *req = it_printf("GET /plaintext HTTP/1.1\r\n" HOST "X-Pad: %s\r\n\r\n", pad);
    *len = strlen(req);
    return req;
}

static char *build_many_headers(size_t *len)
{
    /* 65 short fields: under the 8K head limit, over the 64-field limit */
    char *req = it_strdup("GET /plaintext HTTP/1.1\r\n" HOST);
    for (int i = 0; i < 64; i++)
        req = it_printf("%sX-F%02d: v\r\n", req, i);
    req = it_printf("%s\r\n", req);
    *len = strlen(req);
    return req;
}

static char *build_all_bytes(size_t *len)
{
    /* every byte value, NUL included, four times over, then what looks like a head's end */
    char *p = it_alloc(4 * 256 + 4);
    for (int i = 0; i < 4 * 256; i++)
        p[i] = (char)(i & 0xff);
    memcpy(p + 4 * 256, "\r\n\r\n", 4);
    *len = 4 * 256 + 4;
    return p;
}

static char *build_chunked_over_1m(size_t *len)
{
    /* 17 chunks of 64 KiB: 1,114,112 bytes, over --max-body-bytes 1M */
    size_t chunk = 65536;
    char *data = it_alloc(chunk + 1);
    memset(data, 'c', chunk);
    char *req = it_strdup(CHUNKED_HEAD);
    for (int i = 0; i < 17; i++)
        req = it_printf("%s10000\r\n%s\r\n", req, data);
    req = it_printf("%s0\r\n\r\n", req);
    *len = strlen(req);
    return req;
}

static char *build_body_of_1m(size_t *len)
{
    size_t n = 1024 * 1024;
    char *head = it_printf(ECHO_HEAD "Content-Length: %zu\r\n\r\n", n);
    size_t head_len = strlen(head);
    char *req = it_alloc(head_len + n);
    memcpy(req, head, head_len);
    memset(req + head_len, 'b', n);
    *len = head_len + n;
    return req;
}

static char *build_hundred_requests(size_t *len)
{
    char *req = it_strdup("");
    for (int i = 0; i < 100; i++)
        req = it_printf("%s%s", req, GET_PLAINTEXT);
    *len = strlen(req);
    return req;
}

/* ---- the table ----
 * X(name, input, status, after, counter, want, how) */
/* clang-format off */
#define HARDENING_CASES(X)                                                                         \
    /* the request line */                                                                        \
    X(unknown_method_is_501, RAW("BREW /plaintext HTTP/1.1\r\n" HOST "\r\n"), 501, KEEPS_OPEN,     \
      PARSE, 1, SEND_ONCE)                                                                         \
    X(lowercase_method_is_unknown_501, RAW("get /plaintext HTTP/1.1\r\n" HOST "\r\n"), 501,        \
      KEEPS_OPEN, PARSE, 1, SEND_ONCE)                                                             \
    X(http2_version_is_505, RAW("GET /plaintext HTTP/2.0\r\n" HOST "\r\n"), 505, CLOSES, PARSE, 1, \
      SEND_ONCE)                                                                                   \
    X(http09_version_is_505, RAW("GET /plaintext HTTP/0.9\r\n" HOST "\r\n"), 505, CLOSES, PARSE,   \
      1, SEND_ONCE)                                                                                \
    X(lowercase_protocol_name_is_400, RAW("GET /plaintext http/1.1\r\n" HOST "\r\n"), 400, CLOSES, \
      PARSE, 1, SEND_ONCE)                                                                         \
    X(missing_version_is_400, RAW("GET /plaintext\r\n" HOST "\r\n"), 400, CLOSES, PARSE, 1,        \
      SEND_ONCE)                                                                                   \
    X(double_space_in_request_line_is_400, RAW("GET  /plaintext HTTP/1.1\r\n" HOST "\r\n"), 400,   \
      CLOSES, PARSE, 1, SEND_ONCE)                                                                 \
    X(trailing_space_in_request_line_is_400, RAW("GET /plaintext HTTP/1.1 \r\n" HOST "\r\n"), 400, \
      CLOSES, PARSE, 1, SEND_ONCE)                                                                 \
    X(garbage_request_line_is_400, RAW("GARBAGE\r\n\r\n"), 400, CLOSES, PARSE, 1, SEND_ONCE)       \
    X(tls_client_hello_is_400, RAW("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"), 400,   \
      CLOSES, PARSE, 1, SEND_ONCE)                                                                 \
    X(every_byte_value_is_400, BUILT(build_all_bytes), 400, CLOSES, PARSE, 1, SEND_ONCE)           \
    X(nul_in_request_line_is_400, RAW("GET /plain\0text HTTP/1.1\r\n" HOST "\r\n"), 400, CLOSES,   \
      PARSE, 1, SEND_ONCE)                                                                         \
    X(control_byte_in_request_line_is_400, RAW("GET /plain\x01text HTTP/1.1\r\n" HOST "\r\n"),     \
      400, CLOSES, PARSE, 1, SEND_ONCE)                                                            \
    X(target_over_4k_is_414, BUILT(build_long_target), 414, CLOSES, PARSE, 1, SEND_ONCE)           \
    X(absolute_form_target_is_served, RAW("GET http://t/plaintext HTTP/1.1\r\n" HOST "\r\n"), 200, \
      KEEPS_OPEN, "requests.by_endpoint.plaintext", 1, SEND_ONCE)                                  \
    X(absolute_form_with_port_and_query_is_served,                                                 \
      RAW("GET http://t:8080/work?cpu_us=1 HTTP/1.1\r\n" HOST "\r\n"), 200, KEEPS_OPEN,            \
      "requests.by_endpoint.work", 1, SEND_ONCE)                                                   \
    X(absolute_form_with_other_scheme_is_400,                                                      \
      RAW("GET ftp://t/plaintext HTTP/1.1\r\n" HOST "\r\n"), 400, CLOSES, PARSE, 1, SEND_ONCE)     \
    X(absolute_form_without_authority_is_400,                                                      \
      RAW("GET http:///plaintext HTTP/1.1\r\n" HOST "\r\n"), 400, CLOSES, PARSE, 1, SEND_ONCE)     \
    X(empty_line_before_request_line_is_ignored, RAW("\r\n" GET_PLAINTEXT), 200, KEEPS_OPEN,       \
      "requests.by_endpoint.plaintext", 1, SEND_ONCE)                                              \
    /* header fields */                                                                           \
    X(missing_host_in_http11_is_400, RAW("GET /plaintext HTTP/1.1\r\nAccept: */*\r\n\r\n"), 400,   \
      CLOSES, PARSE, 1, SEND_ONCE)                                                                 \
    X(duplicate_host_is_400, RAW("GET /plaintext HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400,    \
      CLOSES, PARSE, 1, SEND_ONCE)                                                                 \
    X(space_before_colon_is_400, RAW("GET /plaintext HTTP/1.1\r\nHost : t\r\n\r\n"), 400, CLOSES,  \
      PARSE, 1, SEND_ONCE)                                                                         \
    X(tab_before_colon_is_400, RAW("GET /plaintext HTTP/1.1\r\n" HOST "X-A\t: b\r\n\r\n"), 400,    \
      CLOSES, PARSE, 1, SEND_ONCE)                                                                 \
    X(obs_fold_with_space_is_400, RAW("GET /plaintext HTTP/1.1\r\n" HOST "X-A: a\r\n b\r\n\r\n"),  \
      400, CLOSES, PARSE, 1, SEND_ONCE)                                                            \
    X(obs_fold_with_tab_is_400, RAW("GET /plaintext HTTP/1.1\r\n" HOST "X-A: a\r\n\tb\r\n\r\n"),   \
      400, CLOSES, PARSE, 1, SEND_ONCE)                                                            \
    X(whitespace_before_first_field_is_400, RAW("GET /plaintext HTTP/1.1\r\n " HOST "\r\n"), 400,  \
      CLOSES, PARSE, 1, SEND_ONCE)                                                                 \
    X(field_without_colon_is_400, RAW("GET /plaintext HTTP/1.1\r\n" HOST "NoColonHere\r\n\r\n"),   \
      400, CLOSES, PARSE, 1, SEND_ONCE)                                                            \
    X(empty_field_name_is_400, RAW("GET /plaintext HTTP/1.1\r\n" HOST ": v\r\n\r\n"), 400, CLOSES, \
      PARSE, 1, SEND_ONCE)                                                                         \
    X(separator_in_field_name_is_400, RAW("GET /plaintext HTTP/1.1\r\n" HOST "X(A): v\r\n\r\n"),   \
      400, CLOSES, PARSE, 1, SEND_ONCE)                                                            \
    X(nul_in_field_value_is_400, RAW("GET /plaintext HTTP/1.1\r\n" HOST "X-A: a\0b\r\n\r\n"), 400, \
      CLOSES, PARSE, 1, SEND_ONCE)                                                                 \
    X(escape_byte_in_field_value_is_400,                                                           \
      RAW("GET /plaintext HTTP/1.1\r\n" HOST "X-A: a\x1b[2Jb\r\n\r\n"), 400, CLOSES, PARSE, 1,     \
      SEND_ONCE)                                                                                   \
    X(del_in_field_value_is_400, RAW("GET /plaintext HTTP/1.1\r\n" HOST "X-A: a\x7f b\r\n\r\n"),   \
      400, CLOSES, PARSE, 1, SEND_ONCE)                                                            \
    X(control_byte_in_field_name_is_400,                                                           \
      RAW("GET /plaintext HTTP/1.1\r\n" HOST "X\x01A: v\r\n\r\n"), 400, CLOSES, PARSE, 1,          \
      SEND_ONCE)                                                                                   \
    X(bare_cr_in_field_value_is_400, RAW("GET /plaintext HTTP/1.1\r\n" HOST "X-A: a\rb\r\n\r\n"),  \
      400, CLOSES, PARSE, 1, SEND_ONCE)                                                            \
    X(bare_lf_line_endings_are_accepted, RAW("GET /plaintext HTTP/1.1\nHost: t\n\n"), 200,         \
      KEEPS_OPEN, "requests.by_endpoint.plaintext", 1, SEND_ONCE)                                  \
    /* a head that mixes CRLF and bare LF (issue 15): a CRLF-only proxy in front reads each     \
     * bare LF as part of a field value, so the hidden fields must not frame anything */          \
    X(bare_lf_in_crlf_head_hiding_content_length_is_400,                                           \
      RAW("GET / HTTP/1.1\r\nHost: localhost\r\nDummy: x\nContent-Length: 23\r\n\r\n"             \
          "GET / HTTP/1.1\r\nDummy: GET /admin HTTP/1.1\r\nHost: localhost\r\n\r\n"),             \
      400, CLOSES, PARSE, 1, SEND_ONCE)                                                            \
    X(bare_lf_in_crlf_head_hiding_transfer_encoding_is_400,                                        \
      RAW("POST / HTTP/1.1\r\nHost: localhost:5000\r\nx:x\nTransfer-Encoding: chunked\r\n\r\n"     \
          "1\r\nA\r\n0\r\n"),                                                                      \
      400, CLOSES, PARSE, 1, SEND_ONCE)                                                            \
    X(bare_lf_after_empty_value_hiding_transfer_encoding_is_400,                                   \
      RAW("POST / HTTP/1.1\r\nHost: localhost:5000\r\nx:\nTransfer-Encoding: chunked\r\n\r\n"      \
          "1\r\nA\r\n0\r\n"),                                                                      \
      400, CLOSES, PARSE, 1, SEND_ONCE)                                                            \
    X(crlf_empty_line_after_bare_lf_head_is_400, RAW("GET /plaintext HTTP/1.1\nHost: t\n\r\n"),    \
      400, CLOSES, PARSE, 1, SEND_ONCE)                                                            \
    X(bare_lf_chunk_line_after_crlf_head_is_400, RAW(CHUNKED_HEAD "5\nhello\r\n0\r\n\r\n"), 400,  \
      CLOSES, PARSE, 1, SEND_ONCE)                                                                 \
    X(bare_lf_chunked_body_after_bare_lf_head_is_served,                                           \
      RAW("POST /echo HTTP/1.1\nHost: t\nTransfer-Encoding: chunked\n\n5\nhello\n0\nX: y\n\n"),     \
      200, KEEPS_OPEN, "requests.by_endpoint.echo", 1, SEND_ONCE)                                  \
    X(chunk_extension_on_a_bare_lf_line_is_400,                                                    \
      RAW("POST /echo HTTP/1.1\nHost: t\nTransfer-Encoding: chunked\n\n5;a=b\nhello\n0\n\n"       \
          "GET /json HTTP/1.1\nHost: t\n\n"),                                                     \
      400, CLOSES, PARSE, 1, SEND_ONCE)                                                            \
    X(head_over_8k_is_431, BUILT(build_long_head), 431, CLOSES, PARSE, 1, SEND_ONCE)               \
    X(sixty_five_fields_are_431, BUILT(build_many_headers), 431, CLOSES, PARSE, 1, SEND_ONCE)      \
    /* body framing */                                                                            \
    X(content_length_with_transfer_encoding_is_400,                                                \
      RAW(ECHO_HEAD "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"            \
                    "GET /json HTTP/1.1\r\n" HOST "\r\n"),                                         \
      400, CLOSES, PARSE, 1, SEND_ONCE)                                                            \
    X(conflicting_content_lengths_are_400,                                                         \
      RAW(ECHO_HEAD "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello"), 400, CLOSES, PARSE, 1, \
      SEND_ONCE)                                                                                   \
    X(conflicting_content_length_list_is_400, RAW(ECHO_HEAD "Content-Length: 5, 6\r\n\r\nhello"),  \
      400, CLOSES, PARSE, 1, SEND_ONCE)                                                            \
    X(identical_content_lengths_are_accepted,                                                      \
      RAW(ECHO_HEAD "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello"), 200, KEEPS_OPEN,       \
      "requests.by_endpoint.echo", 1, SEND_ONCE)                                                   \
    X(negative_content_length_is_400, RAW(ECHO_HEAD "Content-Length: -1\r\n\r\n"), 400, CLOSES,    \
      PARSE, 1, SEND_ONCE)                                                                         \
    X(non_numeric_content_length_is_400, RAW(ECHO_HEAD "Content-Length: abc\r\n\r\n"), 400,        \
      CLOSES, PARSE, 1, SEND_ONCE)                                                                 \
    X(signed_content_length_is_400, RAW(ECHO_HEAD "Content-Length: +5\r\n\r\nhello"), 400,        \
      CLOSES, PARSE, 1, SEND_ONCE)                                                                 \
    X(hex_content_length_is_400, RAW(ECHO_HEAD "Content-Length: 0x5\r\n\r\nhello"), 400, CLOSES,   \
      PARSE, 1, SEND_ONCE)                                                                         \
    X(empty_content_length_is_400, RAW(ECHO_HEAD "Content-Length: \r\n\r\nhello"), 400, CLOSES,    \
      PARSE, 1, SEND_ONCE)                                                                         \
    X(content_length_over_64_bits_is_400,                                                          \
      RAW(ECHO_HEAD "Content-Length: 99999999999999999999999999\r\n\r\n"), 400, CLOSES, PARSE, 1,  \
      SEND_ONCE)                                                                                   \
    X(content_length_2_pow_63_is_400, RAW(ECHO_HEAD "Content-Length: 9223372036854775808\r\n\r\n"), \
      400, CLOSES, PARSE, 1, SEND_ONCE)                                                            \
    X(transfer_encoding_gzip_is_400, RAW(ECHO_HEAD "Transfer-Encoding: gzip\r\n\r\nxxxx"), 400,    \
      CLOSES, PARSE, 1, SEND_ONCE)                                                                 \
    X(chunked_applied_twice_is_400,                                                                \
      RAW(ECHO_HEAD "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"), 400, CLOSES, PARSE,   \
      1, SEND_ONCE)                                                                                \
    X(transfer_encoding_in_http10_is_400,                                                          \
      RAW("POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), 400, CLOSES,      \
      PARSE, 1, SEND_ONCE)                                                                         \
    X(non_hex_chunk_size_is_400, RAW(CHUNKED_HEAD "zz\r\nab\r\n0\r\n\r\n"), 400, CLOSES, PARSE, 1, \
      SEND_ONCE)                                                                                   \
    X(negative_chunk_size_is_400, RAW(CHUNKED_HEAD "-5\r\nhello\r\n0\r\n\r\n"), 400, CLOSES,       \
      PARSE, 1, SEND_ONCE)                                                                         \
    X(hex_prefixed_chunk_size_is_400, RAW(CHUNKED_HEAD "0x5\r\nhello\r\n0\r\n\r\n"), 400, CLOSES,  \
      PARSE, 1, SEND_ONCE)                                                                         \
    X(empty_chunk_size_is_400, RAW(CHUNKED_HEAD "\r\nhello\r\n0\r\n\r\n"), 400, CLOSES, PARSE, 1,  \
      SEND_ONCE)                                                                                   \
    X(chunk_size_over_64_bits_is_400, RAW(CHUNKED_HEAD "10000000000000000000001\r\nab\r\n"), 400,  \
      CLOSES, PARSE, 1, SEND_ONCE)                                                                 \
    X(chunk_size_of_2_pow_64_minus_1_is_400, RAW(CHUNKED_HEAD "ffffffffffffffff\r\nab\r\n"), 400,  \
      CLOSES, PARSE, 1, SEND_ONCE)                                                                 \
    X(chunk_data_without_crlf_is_400, RAW(CHUNKED_HEAD "5\r\nhelloXX0\r\n\r\n"), 400, CLOSES,      \
      PARSE, 1, SEND_ONCE)                                                                         \
    X(chunk_data_ended_by_bare_cr_is_400, RAW(CHUNKED_HEAD "5\r\nhello\r0\r\n\r\n"), 400, CLOSES,  \
      PARSE, 1, SEND_ONCE)                                                                         \
    X(empty_chunk_extension_is_400, RAW(CHUNKED_HEAD "2;\r\naa\r\n0\r\n\r\n"), 400, CLOSES,     \
      PARSE, 1, SEND_ONCE)                                                                         \
    X(unbalanced_quote_in_chunk_extension_is_400,                                                  \
      RAW(CHUNKED_HEAD "5;ilovew3=\"abc\";somuchlove=\"def; ghi\r\nhello\r\n"                     \
                       "6;blahblah;blah\r\n world\r\n0\r\n\r\n"),                                   \
      400, CLOSES, PARSE, 1, SEND_ONCE)                                                            \
    X(quoted_chunk_extension_is_accepted,                                                          \
      RAW(CHUNKED_HEAD "5;a=\"b; c\";d\r\nhello\r\n0\r\n\r\n"), 200, KEEPS_OPEN,                   \
      "requests.by_endpoint.echo", 1, SEND_ONCE)                                                   \
    X(chunked_body_over_1m_is_413, BUILT(build_chunked_over_1m), 413, CLOSES, PARSE, 1, SEND_ONCE) \
    X(content_length_over_1m_is_413, RAW(ECHO_HEAD "Content-Length: 1048577\r\n\r\n"), 413,        \
      CLOSES, PARSE, 1, SEND_ONCE)                                                                 \
    X(expect_continue_over_1m_is_413,                                                              \
      RAW(ECHO_HEAD "Content-Length: 2000000\r\nExpect: 100-continue\r\n\r\n"), 413, CLOSES,       \
      PARSE, 1, SEND_ONCE)                                                                         \
    X(post_without_length_is_411, RAW(ECHO_HEAD "\r\n"), 411, CLOSES, PARSE, 1, SEND_ONCE)         \
    /* parameters and methods */                                                                  \
    X(work_non_numeric_is_400, RAW("GET /work?cpu_us=abc HTTP/1.1\r\n" HOST "\r\n"), 400,          \
      KEEPS_OPEN, PARAM, 1, SEND_ONCE)                                                             \
    X(work_negative_is_400, RAW("GET /work?cpu_us=-1 HTTP/1.1\r\n" HOST "\r\n"), 400, KEEPS_OPEN,  \
      PARAM, 1, SEND_ONCE)                                                                         \
    X(work_over_max_is_400, RAW("GET /work?cpu_us=1000001 HTTP/1.1\r\n" HOST "\r\n"), 400,         \
      KEEPS_OPEN, PARAM, 1, SEND_ONCE)                                                             \
    X(work_over_64_bits_is_400,                                                                    \
      RAW("GET /work?cpu_us=99999999999999999999999 HTTP/1.1\r\n" HOST "\r\n"), 400, KEEPS_OPEN,   \
      PARAM, 1, SEND_ONCE)                                                                         \
    X(work_without_parameter_is_400, RAW("GET /work HTTP/1.1\r\n" HOST "\r\n"), 400, KEEPS_OPEN,   \
      PARAM, 1, SEND_ONCE)                                                                         \
    X(sleep_non_numeric_is_400, RAW("GET /sleep?ms=abc HTTP/1.1\r\n" HOST "\r\n"), 400,            \
      KEEPS_OPEN, PARAM, 1, SEND_ONCE)                                                             \
    X(sleep_negative_is_400, RAW("GET /sleep?ms=-5 HTTP/1.1\r\n" HOST "\r\n"), 400, KEEPS_OPEN,    \
      PARAM, 1, SEND_ONCE)                                                                         \
    X(sleep_over_max_is_400, RAW("GET /sleep?ms=60001 HTTP/1.1\r\n" HOST "\r\n"), 400, KEEPS_OPEN, \
      PARAM, 1, SEND_ONCE)                                                                         \
    X(sleep_fractional_is_400, RAW("GET /sleep?ms=1.5 HTTP/1.1\r\n" HOST "\r\n"), 400, KEEPS_OPEN, \
      PARAM, 1, SEND_ONCE)                                                                         \
    X(unknown_path_is_404, RAW("GET /nowhere HTTP/1.1\r\n" HOST "\r\n"), 404, KEEPS_OPEN,          \
      "requests.by_endpoint.other", 1, SEND_ONCE)                                                  \
    X(http10_without_host_is_served, RAW("GET /plaintext HTTP/1.0\r\n\r\n"), 200, CLOSES,          \
      "requests.by_endpoint.plaintext", 1, SEND_ONCE)                                              \
    X(body_of_exactly_1m_is_accepted, BUILT(build_body_of_1m), 200, KEEPS_OPEN,                    \
      "requests.by_endpoint.echo", 1, SEND_ONCE)                                                   \
    X(post_to_plaintext_is_405, RAW("POST /plaintext HTTP/1.1\r\n" HOST "Content-Length: 2\r\n\r\nab"), \
      405, KEEPS_OPEN, "responses.4xx", 1, SEND_ONCE)                                              \
    /* how the bytes arrive, and clients that leave */                                            \
    X(request_split_one_byte_at_a_time, RAW(GET_PLAINTEXT), 200, KEEPS_OPEN,                       \
      "requests.by_endpoint.plaintext", 1, SEND_BYTEWISE)                                          \
    X(bad_request_split_one_byte_at_a_time, RAW("GET /plaintext HTTP/1.1\r\n" HOST "X :v\r\n\r\n"), \
      400, CLOSES, PARSE, 1, SEND_BYTEWISE)                                                        \
    X(hundred_pipelined_requests_in_one_write, BUILT(build_hundred_requests), 200, KEEPS_OPEN,     \
      "requests.by_endpoint.plaintext", 100, SEND_PIPELINE)                                        \
    X(client_closes_mid_head, RAW("GET /plaintext HTTP/1.1\r\n" HOST "X-Partial: ab"), 0, CLOSES,  \
      ABORT, 1, ABORT_REQUEST)                                                                     \
    X(client_closes_mid_body, RAW(ECHO_HEAD "Content-Length: 100\r\n\r\n0123456789"), 0, CLOSES,   \
      ABORT, 1, ABORT_REQUEST)                                                                     \
    X(client_resets_mid_response,                                                                  \
      RAW(GET_PLAINTEXT "GET /sleep?ms=1000 HTTP/1.1\r\n" HOST "\r\n"), 200, CLOSES, ABORT, 1,     \
      ABORT_RESPONSE)
/* clang-format on */

/* ---- running one case ---- */

static int is_error_counter(const char *path)
{
    return strncmp(path, "errors.", 7) == 0;
}

/* Reads the response to the case's bytes and checks it and what follows on the connection. */
static void check_answer(const struct hcase *k, struct it_conn *c)
{
    struct it_response *r = it_read_response(c, IT_IO_TIMEOUT_MS);
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, k->status);
    CHECK(it_header(r, "Content-Length") != NULL);
    CHECK(it_header(r, "Date") != NULL);
    for (int i = 1; i < k->want && k->how == SEND_PIPELINE; i++) {
        r = it_read_response(c, IT_IO_TIMEOUT_MS);
        CHECK(r != NULL);
        CHECK_INT_EQ(r->status, k->status);
        CHECK_STR_EQ(r->body, "Hello, World!");
    }
    if (k->after == CLOSES) {
        CHECK(it_header_has_token(r, "Connection", "close"));
        CHECK_INT_EQ(it_wait_closed(c, IT_IO_TIMEOUT_MS), 0);
        CHECK_INT_EQ(c->len, 0); /* nothing after it: the rest was not read as requests */
        return;
    }
    CHECK(!it_header_has_token(r, "Connection", "close"));
    CHECK_INT_EQ(it_sends(c, GET_PLAINTEXT), 0);
    r = it_read_response(c, IT_IO_TIMEOUT_MS);
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    CHECK_STR_EQ(r->body, "Hello, World!");
}

/* Closes with a reset (SO_LINGER 0): the server's next write to it fails. */
static void reset_close(struct it_conn *c)
{
    struct linger lg = {1, 0};
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    it_close(c);
}

static void run_case(const struct hcase *k)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    size_t len = k->raw_len;
    const char *raw = k->raw ? k->raw : k->build(&len);
    double before = it_stat(s, k->counter);
    CHECK(before >= 0);

    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    switch (k->how) {
    case SEND_ONCE:
    case SEND_PIPELINE:
        CHECK_INT_EQ(it_send(c, raw, len), 0);
        check_answer(k, c);
        break;
    case SEND_BYTEWISE:
        CHECK_INT_EQ(it_send_bytewise(c, raw, len), 0);
        check_answer(k, c);
        break;
    case ABORT_REQUEST:
        CHECK_INT_EQ(it_send(c, raw, len), 0);
        /* the server holds the partial request: the connection is counted as reading */
        CHECK_INT_EQ(it_wait_stat_ge(s, "connections.reading", 1, IT_IO_TIMEOUT_MS, NULL), 0);
        CHECK(it_conn_is_quiet(c));
        it_close(c);
        break;
    case ABORT_RESPONSE: {
        CHECK_INT_EQ(it_send(c, raw, len), 0);
        struct it_response *r = it_read_response(c, IT_IO_TIMEOUT_MS);
        CHECK(r != NULL);
        CHECK_INT_EQ(r->status, k->status);
        /* the second response is a second away: the reset arrives first */
        reset_close(c);
        break;
    }
    }
    if (testlib_failed)
        return;

    double got;
    CHECK_INT_EQ(it_wait_stat_ge(s, k->counter, before + k->want, IT_IO_TIMEOUT_MS, &got), 0);
    if (is_error_counter(k->counter) && got != before + k->want) {
        it_log("%s rose by %.0f, expected %d", k->counter, got - before, k->want);
        CHECK(got == before + k->want);
    }

    struct it_response *r = it_get(s, "/plaintext");
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    CHECK_STR_EQ(r->body, "Hello, World!");
}

#define HARDENING_TEST(name, input, status, after, counter, want, how)                             \
    TEST(name)                                                                                     \
    {                                                                                              \
        static const struct hcase k = {input, status, after, counter, want, how};                  \
        run_case(&k);                                                                              \
    }
#define HARDENING_ENTRY(name, ...) TEST_ENTRY(name),

HARDENING_CASES(HARDENING_TEST)

IT_MAIN(HARDENING_CASES(HARDENING_ENTRY))
