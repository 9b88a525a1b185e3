/* Every endpoint, GET and HEAD, with the headers every response carries; the shape of /stats and
 * the format of /metrics. */
#include "support.h"

#include <ctype.h>
#include <math.h>
#include <poll.h>

static const char *const hello = "Hello, World!";
static const char *const json_hello = "{\"message\":\"Hello, World!\"}";

/* IMF-fixdate, RFC 9110 §5.6.7: "Sun, 06 Nov 1994 08:49:37 GMT". */
static int is_imf_fixdate(const char *d)
{
    static const char *const days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    static const char shape[] = "DDD, 00 MMM 0000 00:00:00 GMT";
    if (!d || strlen(d) != sizeof shape - 1)
        return 0;
    for (size_t i = 0; i < sizeof shape - 1; i++) {
        if (shape[i] == '0' && !isdigit((unsigned char)d[i]))
            return 0;
        if (shape[i] != '0' && shape[i] != 'D' && shape[i] != 'M' && shape[i] != d[i])
            return 0;
    }
    int day_ok = 0, month_ok = 0;
    for (int i = 0; i < 7; i++)
        day_ok |= strncmp(d, days[i], 3) == 0;
    for (int i = 0; i < 12; i++)
        month_ok |= strncmp(d + 8, months[i], 3) == 0;
    return day_ok && month_ok;
}

/* What every response carries: Date, Server, and a Content-Length that frames the body. */
static void check_common_headers(const struct it_response *r, int head)
{
    CHECK(r != NULL);
    CHECK_INT_EQ(r->minor_version, 1);
    CHECK_INT_EQ(it_header_count(r, "Date"), 1);
    CHECK(is_imf_fixdate(it_header(r, "Date")));
    CHECK(it_header(r, "Server") != NULL && it_header(r, "Server")[0] != '\0');
    CHECK_INT_EQ(it_header_count(r, "Content-Length"), 1);
    CHECK(it_header(r, "Transfer-Encoding") == NULL);
    if (!head)
        CHECK_INT_EQ(strtoll(it_header(r, "Content-Length"), NULL, 10), r->body_len);
}

static int starts_with(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

TEST(plaintext_answers_hello_world)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    struct it_response *r = it_get(s, "/plaintext");
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    check_common_headers(r, 0);
    if (testlib_failed)
        return;
    CHECK(starts_with(it_header(r, "Content-Type"), "text/plain"));
    CHECK_STR_EQ(it_header(r, "Content-Length"), "13");
    CHECK_MEM_EQ(r->body, r->body_len, hello, strlen(hello));
}

TEST(json_answers_message_object)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    struct it_response *r = it_get(s, "/json");
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    check_common_headers(r, 0);
    if (testlib_failed)
        return;
    CHECK(starts_with(it_header(r, "Content-Type"), "application/json"));
    CHECK_MEM_EQ(r->body, r->body_len, json_hello, strlen(json_hello));
    CHECK(it_json_valid(r->body));
}

/* HEAD on a keep-alive connection, then GET on the same one: the GET's response is read cleanly
 * only if the HEAD response carried no body. */
static void check_head_matches_get(const char *target)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    CHECK_INT_EQ(it_sendf(c, "HEAD %s HTTP/1.1\r\nHost: t\r\n\r\n", target), 0);
    struct it_response *h = it_read_response_ex(c, IT_RESP_HEAD, IT_IO_TIMEOUT_MS);
    CHECK(h != NULL);
    CHECK_INT_EQ(h->status, 200);
    check_common_headers(h, 1);
    if (testlib_failed)
        return;
    CHECK_INT_EQ(h->body_len, 0);
    CHECK_INT_EQ(it_sendf(c, "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", target), 0);
    struct it_response *g = it_read_response(c, IT_IO_TIMEOUT_MS);
    CHECK(g != NULL);
    CHECK_INT_EQ(g->status, 200);
    check_common_headers(g, 0);
    if (testlib_failed)
        return;
    CHECK_INT_EQ(c->len, 0); /* nothing after the GET's body */
    CHECK_STR_EQ(it_header(h, "Content-Type"), it_header(g, "Content-Type"));
    /* Same length where the body does not change from one request to the next. */
    if (strcmp(target, "/stats") != 0 && strcmp(target, "/metrics") != 0)
        CHECK_STR_EQ(it_header(h, "Content-Length"), it_header(g, "Content-Length"));
    for (int i = 0; i < g->nheaders; i++)
        CHECK(it_header(h, g->headers[i].name) != NULL);
}

TEST(head_plaintext_has_get_headers_and_no_body)
{
    check_head_matches_get("/plaintext");
}

TEST(head_json_has_get_headers_and_no_body)
{
    check_head_matches_get("/json");
}

TEST(head_works_on_every_get_endpoint)
{
    static const char *const targets[] = {"/work?cpu_us=0", "/sleep?ms=0", "/stats", "/metrics"};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        check_head_matches_get(targets[i]);
        if (testlib_failed) {
            it_log("target %s", targets[i]);
            return;
        }
    }
}

TEST(work_burns_about_the_cpu_asked_for)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    char *before = it_stats(s);
    CHECK(before != NULL);
    long long t0 = it_now_ms();
    struct it_response *r = it_get(s, "/work?cpu_us=100000");
    long long elapsed = it_now_ms() - t0;
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    check_common_headers(r, 0);
    if (testlib_failed)
        return;
    double u0, s0, u1, s1, cpu = 0;
    CHECK_INT_EQ(it_json_number(before, "process.cpu_user_s", &u0), 0);
    CHECK_INT_EQ(it_json_number(before, "process.cpu_system_s", &s0), 0);
    /* A forked child's CPU reaches /stats from its own /proc entry or, once it has exited, from
     * the totals the main process adds when it reaps it: between the two it is missing, so the
     * figure is read again until it arrives or the deadline passes. */
    long long deadline = it_now_ms() + IT_IO_TIMEOUT_MS;
    do {
        char *after = it_stats(s);
        CHECK(after != NULL);
        CHECK_INT_EQ(it_json_number(after, "process.cpu_user_s", &u1), 0);
        CHECK_INT_EQ(it_json_number(after, "process.cpu_system_s", &s1), 0);
        cpu = (u1 + s1) - (u0 + s0);
        if (cpu < 0.07)
            poll(NULL, 0, 5); /* between looks at the counters, not a wait for them */
    } while (cpu < 0.07 && it_now_ms() < deadline);
    if (elapsed < 80 || cpu < 0.07)
        it_log("/work?cpu_us=100000 took %lld ms and %.3f s of server CPU", elapsed, cpu);
    CHECK(elapsed >= 80);
    CHECK(cpu >= 0.07);
}

TEST(work_zero_answers_200)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    struct it_response *r = it_get(s, "/work?cpu_us=0");
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    check_common_headers(r, 0);
}

TEST(sleep_answers_after_the_time_asked_for)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    long long t0 = it_now_ms();
    struct it_response *r = it_get(s, "/sleep?ms=150");
    long long elapsed = it_now_ms() - t0;
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    check_common_headers(r, 0);
    if (elapsed < 145)
        it_log("/sleep?ms=150 answered after %lld ms", elapsed);
    CHECK(elapsed >= 145); /* a timer may be a millisecond early on a cached clock */
}

TEST(sleep_zero_answers_200)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    struct it_response *r = it_get(s, "/sleep?ms=0");
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    check_common_headers(r, 0);
}

TEST(offloaded_work_leaves_the_loop_free)
{
    const struct it_event_model *em = it_event_model();
    if (em == NULL) {
        it_log("not applicable in mode %s", it_mode());
        return;
    }
    /* With --offload, /work runs on a thread pool: a /plaintext sent while it runs is answered
     * first, by the same single loop or ring. */
    struct it_server *s = it_server_start("--offload", em->count_option, "1");
    CHECK(s != NULL);
    struct it_conn *slow = it_connect(s);
    CHECK(slow != NULL);
    CHECK_INT_EQ(it_sends(slow, "GET /work?cpu_us=300000 HTTP/1.1\r\nHost: t\r\n\r\n"), 0);
    CHECK_INT_EQ(it_wait_server_read_all(s, 5000), 0);
    struct it_response *r = it_get(s, "/plaintext");
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    CHECK(it_conn_is_quiet(slow)); /* the work is still running */
    r = it_read_response(slow, IT_IO_TIMEOUT_MS);
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
}

TEST(echo_returns_content_length_body)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    const char *body = "ping 1234\r\n\r\nGET / HTTP/1.1\r\n";
    struct it_response *r = it_request(s, "POST", "/echo", body, strlen(body));
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    check_common_headers(r, 0);
    if (testlib_failed)
        return;
    CHECK_MEM_EQ(r->body, r->body_len, body, strlen(body));
}

TEST(echo_returns_empty_body)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    struct it_response *r = it_request(s, "POST", "/echo", "", 0);
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    check_common_headers(r, 0);
    CHECK_INT_EQ(r->body_len, 0);
}

TEST(echo_returns_chunked_request_body)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    CHECK_INT_EQ(it_sends(c, "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "5\r\nHello\r\n"
                             "7;ext=1\r\n, World\r\n"
                             "A\r\n0123456789\r\n"
                             "0\r\n\r\n"),
                 0);
    struct it_response *r = it_read_response(c, IT_IO_TIMEOUT_MS);
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    check_common_headers(r, 0);
    if (testlib_failed)
        return;
    CHECK_STR_EQ(r->body, "Hello, World0123456789");
    /* the connection stays usable after a chunked body */
    CHECK_INT_EQ(it_sends(c, "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n"), 0);
    r = it_read_response(c, IT_IO_TIMEOUT_MS);
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    CHECK_STR_EQ(r->body, hello);
}

TEST(echo_sends_100_continue_before_the_body)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    CHECK_INT_EQ(it_sends(c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n"
                             "Expect: 100-continue\r\n\r\n"),
                 0);
    struct it_response *interim = it_read_response(c, IT_IO_TIMEOUT_MS);
    CHECK(interim != NULL);
    CHECK_INT_EQ(interim->status, 100);
    CHECK_INT_EQ(c->len, 0); /* the final response waits for the body */
    CHECK_INT_EQ(it_sends(c, "hello there"), 0);
    struct it_response *r = it_read_response(c, IT_IO_TIMEOUT_MS);
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    check_common_headers(r, 0);
    CHECK_STR_EQ(r->body, "hello there");
}

TEST(echo_returns_large_binary_body)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    size_t n = 512 * 1024;
    char *body = it_alloc(n);
    unsigned x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        body[i] = (char)(x >> 16);
    }
    struct it_response *r = it_request(s, "POST", "/echo", body, n);
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    check_common_headers(r, 0);
    CHECK_MEM_EQ(r->body, r->body_len, body, n);
}

TEST(unknown_path_is_404)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    static const char *const targets[] = {"/", "/nope", "/plaintext/x", "/plaintextx", "/stat"};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        struct it_response *r = it_get(s, targets[i]);
        CHECK(r != NULL);
        if (r->status != 404)
            it_log("GET %s", targets[i]);
        CHECK_INT_EQ(r->status, 404);
        check_common_headers(r, 0);
    }
}

TEST(wrong_method_is_405_with_allow)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    struct it_response *r = it_request(s, "POST", "/plaintext", "", 0);
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 405);
    check_common_headers(r, 0);
    CHECK(it_header_has_token(r, "Allow", "GET"));
    CHECK(it_header_has_token(r, "Allow", "HEAD"));
    CHECK(!it_header_has_token(r, "Allow", "POST"));

    r = it_request(s, "POST", "/json", "x", 1);
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 405);
    CHECK(it_header_has_token(r, "Allow", "GET"));

    r = it_get(s, "/echo");
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 405);
    check_common_headers(r, 0);
    CHECK(it_header_has_token(r, "Allow", "POST"));
}

static const char *const stats_numbers[] = {
    "uptime_s",
    "connections.active",
    "connections.accepted",
    "connections.handled",
    "connections.rejected",
    "connections.reading",
    "connections.writing",
    "connections.waiting",
    "requests.total",
    "requests.by_endpoint.plaintext",
    "requests.by_endpoint.json",
    "requests.by_endpoint.work",
    "requests.by_endpoint.sleep",
    "requests.by_endpoint.echo",
    "requests.by_endpoint.stats",
    "requests.by_endpoint.metrics",
    "requests.by_endpoint.data",
    "requests.by_endpoint.other",
    "dataset.bytes",
    "dataset.entries",
    "dataset.entry_bytes",
    "responses.2xx",
    "responses.4xx",
    "responses.5xx",
    "errors.parse",
    "errors.timeout",
    "bytes.in",
    "bytes.out",
    "process.rss_bytes",
    "process.peak_rss_bytes",
    "process.vsize_bytes",
    "process.threads",
    "process.ctx_voluntary",
    "process.ctx_involuntary",
    "process.cpu_user_s",
    "process.cpu_system_s",
    "process.open_fds",
};

TEST(stats_is_json_with_every_field)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    struct it_response *r = it_get(s, "/stats");
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    check_common_headers(r, 0);
    CHECK(starts_with(it_header(r, "Content-Type"), "application/json"));
    CHECK(it_json_valid(r->body));
    const char *j = r->body;
    char mode[32];
    CHECK_INT_EQ(it_json_string(j, "mode", mode, sizeof mode), 0);
    CHECK_STR_EQ(mode, it_mode());
    for (size_t i = 0; i < sizeof stats_numbers / sizeof stats_numbers[0]; i++) {
        double v;
        int rc = it_json_number(j, stats_numbers[i], &v);
        if (rc != 0)
            it_log("no number at %s", stats_numbers[i]);
        CHECK_INT_EQ(rc, 0);
        if (v < 0 || !isfinite(v))
            it_log("%s = %g", stats_numbers[i], v);
        CHECK(v >= 0 && isfinite(v));
    }
    double v, w;
    CHECK(it_json_number(j, "connections.active", &v) == 0 && v >= 1); /* this request's */
    CHECK(it_json_number(j, "process.rss_bytes", &v) == 0 && v > 0);
    CHECK(it_json_number(j, "process.vsize_bytes", &w) == 0 && w >= v);
    CHECK(it_json_number(j, "process.threads", &v) == 0 && v >= 1);
    CHECK(it_json_number(j, "process.open_fds", &v) == 0 && v >= 3);
    CHECK(it_json_number(j, "connections.accepted", &v) == 0 &&
          it_json_number(j, "connections.handled", &w) == 0 && v >= w);

    if (strcmp(it_mode(), "pool") == 0) {
        CHECK(it_json_number(j, "pool.workers", &v) == 0);
        if (it_option("--threads"))
            CHECK_INT_EQ(v, atoi(it_option("--threads")));
        CHECK(it_json_number(j, "pool.busy", &w) == 0 && w >= 1 && w <= v);
        CHECK(it_json_number(j, "pool.parked", &v) == 0 && v >= 0);
    }
    const struct it_event_model *em = it_event_model();
    if (em != NULL) {
        int loops = it_option(em->count_option) ? atoi(it_option(em->count_option)) : 1;
        CHECK_INT_EQ(it_json_array_len(j, em->stats_array), loops);
        for (int i = 0; i < loops; i++) {
            char path[64];
            snprintf(path, sizeof path, "%s.%d.accepted", em->stats_array, i);
            CHECK_INT_EQ(it_json_number(j, path, &v), 0);
            CHECK(v >= 0);
        }
    }
}

/* The text exposition format, version 0.0.4: # HELP and # TYPE lines, then samples
 * `name{label="value",...} value [timestamp]`, each family's lines together. */
static int metric_name_ok(const char *p, size_t n)
{
    if (n == 0 || !(isalpha((unsigned char)p[0]) || p[0] == '_' || p[0] == ':'))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)p[i]) || p[i] == '_' || p[i] == ':'))
            return 0;
    return 1;
}

static int sample_value_ok(const char *v)
{
    if (!strcmp(v, "NaN") || !strcmp(v, "+Inf") || !strcmp(v, "-Inf"))
        return 1;
    char *end;
    strtod(v, &end);
    return end != v && *end == '\0';
}

struct family {
    char name[128];
    int has_type, has_help, closed;
};

static struct family *family_get(struct family *f, int *nf, const char *name, size_t n)
{
    for (int i = 0; i < *nf; i++)
        if (strlen(f[i].name) == n && strncmp(f[i].name, name, n) == 0)
            return &f[i];
    if (*nf == 256 || n >= sizeof f[0].name)
        return NULL;
    memset(&f[*nf], 0, sizeof f[0]);
    memcpy(f[*nf].name, name, n);
    return &f[(*nf)++];
}

/* Returns NULL when the text is valid, else what is wrong (in test memory). */
static const char *prometheus_text_error(const char *text, int *samples)
{
    struct family *fams = it_alloc(256 * sizeof *fams);
    int nf = 0;
    struct family *current = NULL;
    int lineno = 0;
    *samples = 0;
    if (!*text || text[strlen(text) - 1] != '\n')
        return "does not end with a newline";
    for (const char *p = text; *p; lineno++) {
        const char *e = strchr(p, '\n');
        size_t len = (size_t)(e - p);
        char *line = it_alloc(len + 1);
        memcpy(line, p, len);
        p = e + 1;
        if (len == 0)
            continue;
        if (line[0] == '#') {
            char kw[8], name[160];
            int off = 0;
            if (sscanf(line, "# %7s %159s %n", kw, name, &off) < 2 ||
                (strcmp(kw, "HELP") && strcmp(kw, "TYPE")))
                continue; /* a plain comment */
            if (!metric_name_ok(name, strlen(name)))
                return it_printf("line %d: bad metric name: %s", lineno + 1, line);
            struct family *f = family_get(fams, &nf, name, strlen(name));
            if (!f || f->closed)
                return it_printf("line %d: family %s is not contiguous", lineno + 1, name);
            if (current && current != f)
                current->closed = 1;
            current = f;
            if (!strcmp(kw, "TYPE")) {
                const char *type = line + off;
                if (f->has_type++ || (strcmp(type, "counter") && strcmp(type, "gauge") &&
                                      strcmp(type, "histogram") && strcmp(type, "summary") &&
                                      strcmp(type, "untyped")))
                    return it_printf("line %d: bad or repeated TYPE: %s", lineno + 1, line);
            } else if (f->has_help++) {
                return it_printf("line %d: repeated HELP: %s", lineno + 1, line);
            }
            continue;
        }
        /* a sample */
        size_t n = strcspn(line, "{ ");
        if (!metric_name_ok(line, n))
            return it_printf("line %d: bad sample name: %s", lineno + 1, line);
        const char *q = line + n;
        if (*q == '{') {
            q++;
            while (*q != '}') {
                size_t ln = strcspn(q, "=");
                if (ln == 0 || !(isalpha((unsigned char)q[0]) || q[0] == '_'))
                    return it_printf("line %d: bad label name: %s", lineno + 1, line);
                for (size_t i = 0; i < ln; i++)
                    if (!(isalnum((unsigned char)q[i]) || q[i] == '_'))
                        return it_printf("line %d: bad label name: %s", lineno + 1, line);
                q += ln;
                if (q[0] != '=' || q[1] != '"')
                    return it_printf("line %d: label without quoted value: %s", lineno + 1, line);
                q += 2;
                while (*q && *q != '"') {
                    if (*q == '\\') {
                        if (q[1] != '\\' && q[1] != '"' && q[1] != 'n')
                            return it_printf("line %d: bad escape: %s", lineno + 1, line);
                        q++;
                    }
                    q++;
                }
                if (*q != '"')
                    return it_printf("line %d: unterminated label value: %s", lineno + 1, line);
                q++;
                if (*q == ',')
                    q++;
                else if (*q != '}')
                    return it_printf("line %d: bad label list: %s", lineno + 1, line);
            }
            q++;
        }
        if (*q != ' ')
            return it_printf("line %d: no value: %s", lineno + 1, line);
        q++;
        char value[64], ts[32];
        int fields = sscanf(q, "%63s %31s", value, ts);
        if (fields < 1 || !sample_value_ok(value))
            return it_printf("line %d: bad value: %s", lineno + 1, line);
        if (fields == 2 && strspn(ts, "-0123456789") != strlen(ts))
            return it_printf("line %d: bad timestamp: %s", lineno + 1, line);
        /* The sample's family: its name, or that name less a histogram/summary suffix. */
        struct family *f = NULL;
        for (int i = 0; i < nf && !f; i++) {
            size_t fl = strlen(fams[i].name);
            if (fl == n && !strncmp(line, fams[i].name, n))
                f = &fams[i];
            else if (fl < n && !strncmp(line, fams[i].name, fl) &&
                     (!strcmp(line + fl, "_sum") || !strncmp(line + fl, "_count", 6) ||
                      !strncmp(line + fl, "_bucket", 7)))
                f = &fams[i];
        }
        if (!f)
            f = family_get(fams, &nf, line, n);
        if (!f || f->closed)
            return it_printf("line %d: family of %.*s is not contiguous", lineno + 1, (int)n, line);
        if (current && current != f)
            current->closed = 1;
        current = f;
        (*samples)++;
    }
    return NULL;
}

TEST(metrics_is_prometheus_text)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    struct it_response *r = it_get(s, "/metrics");
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    check_common_headers(r, 0);
    CHECK(starts_with(it_header(r, "Content-Type"), "text/plain"));
    int samples;
    const char *err = prometheus_text_error(r->body, &samples);
    if (err)
        it_log("/metrics: %s", err);
    CHECK(err == NULL);
    CHECK(samples >= 5);
    CHECK(strstr(r->body, "# TYPE ") != NULL);
    CHECK(strstr(r->body, "# HELP ") != NULL);
}

TEST(metrics_validator_rejects_broken_text)
{
    /* The format check above must be able to fail. */
    int n;
    CHECK(prometheus_text_error("# TYPE a counter\na 1\n", &n) == NULL);
    CHECK(prometheus_text_error("# TYPE a counter\na{x=\"1\",y=\"a\\\"b\"} 1 123\n", &n) == NULL);
    CHECK(prometheus_text_error("a 1", &n) != NULL);
    CHECK(prometheus_text_error("a{x=1} 1\n", &n) != NULL);
    CHECK(prometheus_text_error("1a 1\n", &n) != NULL);
    CHECK(prometheus_text_error("a one\n", &n) != NULL);
    CHECK(prometheus_text_error("# TYPE a counter\n# TYPE a gauge\na 1\n", &n) != NULL);
    CHECK(prometheus_text_error("# TYPE a wibble\na 1\n", &n) != NULL);
    CHECK(prometheus_text_error("a 1\nb 2\na 3\n", &n) != NULL);
}

IT_MAIN(TEST_ENTRY(plaintext_answers_hello_world), TEST_ENTRY(json_answers_message_object),
        TEST_ENTRY(head_plaintext_has_get_headers_and_no_body),
        TEST_ENTRY(head_json_has_get_headers_and_no_body),
        TEST_ENTRY(head_works_on_every_get_endpoint),
        TEST_ENTRY(work_burns_about_the_cpu_asked_for), TEST_ENTRY(work_zero_answers_200),
        TEST_ENTRY(sleep_answers_after_the_time_asked_for), TEST_ENTRY(sleep_zero_answers_200),
        TEST_ENTRY(offloaded_work_leaves_the_loop_free),
        TEST_ENTRY(echo_returns_content_length_body), TEST_ENTRY(echo_returns_empty_body),
        TEST_ENTRY(echo_returns_chunked_request_body),
        TEST_ENTRY(echo_sends_100_continue_before_the_body),
        TEST_ENTRY(echo_returns_large_binary_body), TEST_ENTRY(unknown_path_is_404),
        TEST_ENTRY(wrong_method_is_405_with_allow), TEST_ENTRY(stats_is_json_with_every_field),
        TEST_ENTRY(metrics_is_prometheus_text), TEST_ENTRY(metrics_validator_rejects_broken_text))
