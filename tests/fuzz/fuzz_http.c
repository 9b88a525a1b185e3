/* libFuzzer target for the HTTP core: the request parser, the chunked decoder, the router and the
 * connection state machine, fed arbitrary bytes the way a concurrency model feeds them.
 *
 * Input layout: FUZZ_HTTP_PREFIX option bytes, then the bytes a client sends.
 *   [0] bit 0: /work is deferred (loop --offload); bits 1-2: --output-limit (64K, 1K, 200, 1);
 *       bit 3: --keepalive-requests 2; bit 4: small head limits (256 head, 32 target, 4 fields);
 *       bits 5-6: --max-body-bytes (1M, 4K, 64, 0); bit 7: the read side times out at the end.
 *   [1..4] piece sizes, used in turn: 0 feeds the rest at once, 1-127 that many bytes,
 *       128-255 (b - 127) * 16 bytes.
 *
 * Each input is run twice, whole and in pieces, as a model would: output is drained after every
 * call, CONN_WRITE and CONN_DEFER are resumed at once, nothing is fed after CONN_CLOSE. Checked:
 * - no crash, leak or undefined behaviour (ASan, UBSan);
 * - the output is a stream of responses, each "HTTP/1.1 " and a 3-digit status, a head ending in
 *   an empty line and a body of its Content-Length (none for HEAD; not known here, so either);
 * - unsent output stays within --output-limit plus one response, held input within a head;
 * - the output does not depend on how the input was split (apart from Date, interim 100
 *   Continue, /stats and /metrics, whose counters move, and a malformed head that is refused
 *   as soon as enough of it is seen: see outputs_agree). */
#include "conn.h"
#include "config.h"
#include "server.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_HTTP_PREFIX 5
#define FUZZ_HTTP_MAX_RESPONSE (1 << 20) /* larger than any response the router builds here */

static struct config base_cfg;
static struct stats_shard shard;
static const struct server_mode fuzz_mode = {.name = "fuzz"};

struct fuzz_run {
    struct config cfg;
    struct server srv;
    const uint8_t *sizes;
    int timeout_at_end;
};

static void fuzz_fail(const char *what, const struct buf *out)
{
    fprintf(stderr, "fuzz_http: %s\n", what);
    if (out != NULL)
        fprintf(stderr, "output (%zu bytes): %.*s\n", out->len,
                (int)(out->len < 2000 ? out->len : 2000), out->data ? out->data : "");
    abort();
}

static void fuzz_setup(struct fuzz_run *run, const uint8_t *opt)
{
    static const size_t output_limits[] = {65536, 1024, 200, 1};
    static const size_t body_limits[] = {1 << 20, 4096, 64, 0};
    run->cfg = base_cfg;
    run->cfg.max_work_us = 20; /* /work runs inline: keep executions fast */
    run->cfg.output_limit = output_limits[(opt[0] >> 1) & 3];
    if (opt[0] & 8)
        run->cfg.keepalive_requests = 2;
    if (opt[0] & 16) {
        run->cfg.max_head_bytes = 256;
        run->cfg.max_target_bytes = 32;
        run->cfg.max_headers = 4;
    }
    run->cfg.max_body_bytes = body_limits[(opt[0] >> 5) & 3];
    run->timeout_at_end = (opt[0] & 128) != 0;
    run->sizes = opt + 1;
    server_init(&run->srv, &run->cfg, &fuzz_mode);
}

/* After each call: bounded buffers, then the output moves to `all` as a model would send it. */
static void fuzz_drain(struct fuzz_run *run, struct conn *c, enum conn_next next, struct buf *out,
                       struct buf *all)
{
    if (out->len > run->cfg.output_limit + FUZZ_HTTP_MAX_RESPONSE)
        fuzz_fail("output beyond --output-limit plus one response", out);
    if (next == CONN_READ && c->in.len > run->cfg.max_head_bytes + HTTP_MAX_CHUNK_LINE_BYTES)
        fuzz_fail("held input beyond a request head while reading", NULL);
    if (next == CONN_CLOSE && c->in.len != 0)
        fuzz_fail("input still held after CONN_CLOSE", NULL);
    if (next == CONN_DEFER && c->defer.kind == DEFER_NONE)
        fuzz_fail("CONN_DEFER without a deferred request", NULL);
    if (out->len > 0 && buf_append(all, out->data, out->len) < 0)
        abort();
    out->len = 0;
}

/* Feeds input in pieces of the run's sizes (step 0: all at once). Returns 1 when the input ended
 * with the connection waiting in the middle of a request head. */
static int fuzz_feed(struct fuzz_run *run, const uint8_t *data, size_t size, int whole,
                     struct buf *all)
{
    struct conn c;
    struct buf out = {0};
    conn_init(&c, &run->srv.env, &shard, run->cfg.offload);
    enum conn_next next = CONN_READ;
    size_t pos = 0;
    unsigned turn = 0;
    while (next != CONN_CLOSE) {
        if (next == CONN_WRITE || next == CONN_DEFER) {
            next = conn_resume(&c, &out);
            fuzz_drain(run, &c, next, &out, all);
            continue;
        }
        if (pos == size)
            break;
        uint8_t b = run->sizes[turn++ % 4];
        size_t step = b == 0 ? size : b < 128 ? b : (size_t)(b - 127) * 16;
        size_t n = whole || step > size - pos ? size - pos : step;
        next = conn_feed(&c, (const char *)data + pos, n, &out);
        pos += n;
        fuzz_drain(run, &c, next, &out, all);
        (void)conn_phase(&c);
        (void)conn_is_idle(&c);
    }
    int mid_head = next == CONN_READ && conn_phase(&c) == CONN_HEAD;
    if (next != CONN_CLOSE && run->timeout_at_end) {
        size_t before = all->len;
        conn_timeout(&c, &out);
        fuzz_drain(run, &c, CONN_CLOSE, &out, all);
        if (all->len > before && memcmp(all->data + before, "HTTP/1.1 408 ", 13) != 0)
            fuzz_fail("a timeout answered other than 408", all);
    }
    conn_free(&c);
    buf_free(&out);
    return mid_head;
}

static int is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* Parses the response head at p[0..len): returns its length, with its status and Content-Length
 * (-1 when absent), or 0 when it is not a valid head. */
static size_t response_head(const char *p, size_t len, int *status, long *content_length)
{
    if (len < 13 || memcmp(p, "HTTP/1.1 ", 9) != 0 || !is_digit(p[9]) || !is_digit(p[10]) ||
        !is_digit(p[11]) || p[12] != ' ')
        return 0;
    *status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    if (*status < 100 || *status > 599)
        return 0;
    *content_length = -1;
    static const char cl[] = "\r\nContent-Length: ";
    for (size_t i = 12; i + 4 <= len; i++) {
        if (memcmp(p + i, "\r\n\r\n", 4) == 0)
            return i + 4;
        if (*content_length < 0 && i + sizeof cl - 1 <= len &&
            memcmp(p + i, cl, sizeof cl - 1) == 0) {
            long v = 0;
            size_t j = i + sizeof cl - 1;
            if (j >= len || !is_digit(p[j]))
                return 0;
            while (j < len && is_digit(p[j]) && v < FUZZ_HTTP_MAX_RESPONSE)
                v = v * 10 + (p[j++] - '0');
            *content_length = v;
        }
    }
    return 0;
}

/* True when out[0..len) is a sequence of responses. A final response's body is its
 * Content-Length, or nothing after HEAD; which one is not known here, so both are tried, with a
 * table of positions already reached so that the search stays linear. */
static int response_stream_valid(const char *out, size_t len)
{
    if (len == 0)
        return 1;
    unsigned char *seen = calloc(len + 1, 1);
    size_t *stack = malloc((len + 1) * sizeof *stack);
    if (seen == NULL || stack == NULL)
        abort();
    size_t depth = 0;
    int valid = 0;
    stack[depth++] = 0;
    seen[0] = 1;
    while (depth > 0 && !valid) {
        size_t pos = stack[--depth];
        if (pos == len) {
            valid = 1;
            break;
        }
        int status;
        long cl;
        size_t head = response_head(out + pos, len - pos, &status, &cl);
        if (head == 0)
            continue;
        size_t next[2] = {pos + head, pos + head};
        if (status >= 200) {
            if (cl < 0)
                continue; /* every final response of ours has a Content-Length */
            next[0] = (size_t)cl <= len - pos - head ? pos + head + (size_t)cl : SIZE_MAX;
        }
        for (int k = 0; k < 2; k++) {
            if (next[k] != SIZE_MAX && !seen[next[k]]) {
                seen[next[k]] = 1;
                stack[depth++] = next[k];
            }
        }
    }
    free(seen);
    free(stack);
    return valid;
}

/* The output with interim 100 Continue responses removed and Date values blanked. */
static void normalize(const struct buf *in, struct buf *out)
{
    static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
    static const char date[] = "\r\nDate: ";
    size_t i = 0;
    while (i < in->len) {
        if (in->len - i >= sizeof cont - 1 && memcmp(in->data + i, cont, sizeof cont - 1) == 0) {
            i += sizeof cont - 1;
            continue;
        }
        if (in->len - i >= sizeof date - 1 + 29 &&
            memcmp(in->data + i, date, sizeof date - 1) == 0) {
            buf_append(out, date, sizeof date - 1);
            i += sizeof date - 1 + 29;
            continue;
        }
        buf_append(out, in->data + i, 1);
        i++;
    }
}

/* The status of the single response at p[0..len), or 0 when it is not exactly one. */
static int single_response(const char *p, size_t len)
{
    int status;
    long cl;
    size_t head = response_head(p, len, &status, &cl);
    return head > 0 && cl >= 0 && head + (size_t)cl == len ? status : 0;
}

/* True when the two normalized outputs agree, or differ only because the parser answered a
 * malformed partial head early when more of it had arrived in one piece (the early 414 check and
 * the checks of the request line see only what they were given): the run that saw it whole ends
 * with one more 400, 414 or 431, where the other is still waiting for the rest of the head (or
 * answered 408 when the read side timed out). */
static int outputs_agree(const struct buf *a, int a_mid_head, const struct buf *b, int b_mid_head)
{
    if (a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0))
        return 1;
    for (int k = 0; k < 2; k++) {
        const struct buf *early = k ? b : a, *late = k ? a : b;
        int late_mid_head = k ? a_mid_head : b_mid_head;
        if (!late_mid_head)
            continue;
        size_t common = 0;
        while (common < early->len && common < late->len &&
               early->data[common] == late->data[common])
            common++;
        /* back to the start of the response where they part: the last one of the early output,
         * which begins where what follows is exactly one response (after a body or not) */
        while (common > 0 && single_response(early->data + common, early->len - common) == 0)
            common--;
        int status = single_response(early->data + common, early->len - common);
        if (status != 400 && status != 414 && status != 431)
            continue;
        if (late->len == common || single_response(late->data + common, late->len - common) == 408)
            return 1;
    }
    return 0;
}

static int contains(const uint8_t *data, size_t size, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; size >= n && i <= size - n; i++)
        if (memcmp(data + i, needle, n) == 0)
            return 1;
    return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char *args[] = {"fuzz_http", "--quiet", NULL};
    if (config_parse(&base_cfg, 2, args, NULL) != 0)
        abort();
    stats_shard_register(&shard);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < FUZZ_HTTP_PREFIX)
        return 0;
    struct fuzz_run run;
    fuzz_setup(&run, data);
    run.cfg.offload = data[0] & 1;
    data += FUZZ_HTTP_PREFIX;
    size -= FUZZ_HTTP_PREFIX;

    struct buf whole = {0}, pieces = {0};
    int whole_mid_head = fuzz_feed(&run, data, size, 1, &whole);
    int pieces_mid_head = fuzz_feed(&run, data, size, 0, &pieces);
    if (!response_stream_valid(whole.data, whole.len))
        fuzz_fail("not a stream of responses (whole input)", &whole);
    if (!response_stream_valid(pieces.data, pieces.len))
        fuzz_fail("not a stream of responses (input in pieces)", &pieces);
    if (!contains(data, size, "stats") && !contains(data, size, "metrics")) {
        struct buf a = {0}, b = {0};
        normalize(&whole, &a);
        normalize(&pieces, &b);
        if (!outputs_agree(&a, whole_mid_head, &b, pieces_mid_head)) {
            fprintf(stderr, "fuzz_http: whole input gave:\n%.*s\n", (int)a.len,
                    a.data ? a.data : "");
            fuzz_fail("the output depends on how the input was split", &b);
        }
        buf_free(&a);
        buf_free(&b);
    }
    buf_free(&whole);
    buf_free(&pieces);
    return 0;
}
