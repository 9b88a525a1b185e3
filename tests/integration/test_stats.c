/* /stats against what the test did: each test starts its own server, so every request it counts
 * was sent here. A /stats response counts the requests answered before it; comparing two
 * snapshots, the /stats requests between them are known and subtracted. */
#include "support.h"

#include <time.h>

/* Reads /stats snapshots until `ready` holds for one (or the deadline passes), counting the
 * fetches and noting how many bytes had been received before the last one was asked for. */
struct snapshot {
    char *json;
    int fetches;
    unsigned long long received_before; /* s->bytes_received before the last fetch */
};

static double num(const char *json, const char *path)
{
    double v;
    if (!json || it_json_number(json, path, &v) < 0) {
        it_log("no number at %s", path);
        return -1;
    }
    return v;
}

static int fetch_until(struct it_server *s, struct snapshot *snap, const char *path, double want,
                       int timeout_ms)
{
    long long deadline = it_now_ms() + timeout_ms;
    for (;;) {
        snap->received_before = s->bytes_received;
        snap->json = it_stats(s);
        snap->fetches++;
        if (!snap->json)
            return -1;
        double v = num(snap->json, path);
        if (v == want)
            return 0;
        if (it_now_ms() >= deadline) {
            it_log("%s stayed at %.0f, expected %.0f", path, v, want);
            return -ETIMEDOUT;
        }
        struct timespec ts = {0, 5 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static double delta(const struct snapshot *a, const struct snapshot *b, const char *path)
{
    return num(b->json, path) - num(a->json, path);
}

static struct it_response *exchange(struct it_conn *c, const char *req, int flags)
{
    if (it_sends(c, req) < 0)
        return NULL;
    return it_read_response_ex(c, flags, IT_IO_TIMEOUT_MS);
}

TEST(counters_agree_with_requests_sent)
{
    struct it_server *s = it_server_startv(NULL);
    CHECK(s != NULL);
    struct snapshot a = {0}, b = {0};
    a.json = it_stats(s);
    CHECK(a.json != NULL);

    /* 8 connections, 13 requests: 10 answered 2xx, 3 answered 4xx of which 1 malformed */
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    for (int i = 0; i < 5; i++) {
        struct it_response *r = exchange(c, "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n", 0);
        CHECK(r != NULL && r->status == 200);
    }
    struct it_response *r =
        exchange(c, "HEAD /plaintext HTTP/1.1\r\nHost: t\r\n\r\n", IT_RESP_HEAD);
    CHECK(r != NULL && r->status == 200);
    it_close(c);
    for (int i = 0; i < 3; i++) {
        r = it_get(s, "/json");
        CHECK(r != NULL && r->status == 200);
    }
    for (int i = 0; i < 2; i++) {
        r = it_get(s, "/missing");
        CHECK(r != NULL && r->status == 404);
    }
    c = it_connect(s);
    CHECK(c != NULL);
    r = exchange(c, "GARBAGE\r\n\r\n", 0);
    CHECK(r != NULL && r->status == 400);
    CHECK_INT_EQ(it_wait_closed(c, IT_IO_TIMEOUT_MS), 0);
    it_close(c);
    r = it_request(s, "POST", "/echo", "abc", 3);
    CHECK(r != NULL && r->status == 200);

    /* Once the server has seen every close, only the /stats connection is active. */
    CHECK_INT_EQ(fetch_until(s, &b, "connections.active", 1, 5000), 0);
    int stats_between = b.fetches; /* answered between the two snapshots */

    CHECK_INT_EQ(delta(&a, &b, "requests.by_endpoint.stats"), stats_between);
    CHECK_INT_EQ(delta(&a, &b, "requests.total") - stats_between, 13);
    CHECK_INT_EQ(delta(&a, &b, "requests.by_endpoint.plaintext"), 6);
    CHECK_INT_EQ(delta(&a, &b, "requests.by_endpoint.json"), 3);
    CHECK_INT_EQ(delta(&a, &b, "requests.by_endpoint.echo"), 1);
    CHECK_INT_EQ(delta(&a, &b, "requests.by_endpoint.other"), 3);
    CHECK_INT_EQ(delta(&a, &b, "requests.by_endpoint.work"), 0);
    CHECK_INT_EQ(delta(&a, &b, "requests.by_endpoint.sleep"), 0);
    CHECK_INT_EQ(delta(&a, &b, "requests.by_endpoint.metrics"), 0);
    CHECK_INT_EQ(delta(&a, &b, "responses.2xx") - stats_between, 10);
    CHECK_INT_EQ(delta(&a, &b, "responses.4xx"), 3);
    CHECK_INT_EQ(delta(&a, &b, "responses.5xx"), 0);
    CHECK_INT_EQ(delta(&a, &b, "errors.parse"), 1);
    CHECK_INT_EQ(delta(&a, &b, "connections.accepted") - stats_between, 8);
    CHECK_INT_EQ(delta(&a, &b, "connections.handled") - stats_between, 8);
    CHECK_INT_EQ(delta(&a, &b, "connections.rejected"), 0);
    /* A fresh server: it has read every byte sent to it, the last /stats request included, and
     * produced every byte received here before that request. */
    CHECK_INT_EQ(num(b.json, "bytes.in"), s->bytes_sent);
    CHECK_INT_EQ(num(b.json, "bytes.out"), b.received_before);
}

TEST(errors_parse_counts_malformed_requests_only)
{
    struct it_server *s = it_server_startv(NULL);
    CHECK(s != NULL);
    struct snapshot a = {0}, b = {0};
    a.json = it_stats(s);
    CHECK(a.json != NULL);
    char *pad = it_alloc(9001);
    memset(pad, 'p', 9000);
    const char *const malformed[] = {
        "GARBAGE\r\n\r\n",                                                         /* 400 */
        "POST /echo HTTP/1.1\r\nHost: t\r\n\r\n",                                  /* 411 */
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\n\r\n",       /* 413 */
        it_printf("GET /plaintext?%05000d HTTP/1.1\r\nHost: t\r\n\r\n", 0),        /* 414 */
        it_printf("GET /plaintext HTTP/1.1\r\nHost: t\r\nX-Pad: %s\r\n\r\n", pad), /* 431 */
        "BREW /plaintext HTTP/1.1\r\nHost: t\r\n\r\n",                             /* 501 */
        "GET /plaintext HTTP/2.0\r\nHost: t\r\n\r\n",                              /* 505 */
    };
    static const int statuses[] = {400, 411, 413, 414, 431, 501, 505};
    const char *const wellformed[] = {
        "GET /nothing HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", /* 404 */
        "POST /json HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", /* 405
                                                                                             */
    };
    for (int i = 0; i < 9; i++) {
        const char *req = i < 7 ? malformed[i] : wellformed[i - 7];
        struct it_conn *c = it_connect(s);
        CHECK(c != NULL);
        struct it_response *r = exchange(c, req, 0);
        CHECK(r != NULL);
        if (i < 7)
            CHECK_INT_EQ(r->status, statuses[i]);
        it_close(c);
    }
    CHECK_INT_EQ(fetch_until(s, &b, "errors.parse", 7, 5000), 0);
    CHECK_INT_EQ(delta(&a, &b, "responses.4xx"), 7);
    CHECK_INT_EQ(delta(&a, &b, "responses.5xx"), 2);
    CHECK_INT_EQ(delta(&a, &b, "requests.total") - b.fetches, 9);
}

TEST(gauges_show_idle_and_reading_connections)
{
    struct it_server *s = it_server_startv(NULL);
    CHECK(s != NULL);
    int n_idle = 3;
    if (strcmp(it_mode(), "pool") == 0 && it_option("--threads"))
        n_idle = atoi(it_option("--threads")) - 2; /* a worker each, one for /stats */
    if (it_serving_limit() - 2 < n_idle)
        n_idle = it_serving_limit() - 2; /* prefork: the partial one and /stats need workers */
    CHECK(n_idle >= 1);
    for (int i = 0; i < n_idle; i++) {
        struct it_conn *c = it_connect(s);
        CHECK(c != NULL);
        struct it_response *r = exchange(c, "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n", 0);
        CHECK(r != NULL && r->status == 200);
    }
    struct it_conn *partial = it_connect(s);
    CHECK(partial != NULL);
    CHECK_INT_EQ(it_sends(partial, "GET /plaintext HTTP/1.1\r\nHo"), 0);
    CHECK_INT_EQ(it_wait_server_read_all(s, 5000), 0);

    double v;
    CHECK_INT_EQ(it_wait_stat_ge(s, "connections.waiting", n_idle, 5000, &v), 0);
    CHECK_INT_EQ(it_wait_stat_ge(s, "connections.reading", 1, 5000, &v), 0);
    /* the idle ones, the partial one and this request's; earlier /stats connections may take a
     * moment to be seen closed */
    CHECK_INT_EQ(it_wait_stat_eq(s, "connections.active", n_idle + 2, 5000, &v), 0);
    char *json = it_stats(s);
    CHECK(json != NULL);
    CHECK(num(json, "connections.active") >=
          num(json, "connections.reading") + num(json, "connections.waiting"));

    CHECK_INT_EQ(it_sends(partial, "st: t\r\n\r\n"), 0);
    struct it_response *r = it_read_response(partial, IT_IO_TIMEOUT_MS);
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
}

TEST(concurrency_model_shows_in_process_stats)
{
    struct it_server *s = it_server_startv(NULL);
    CHECK(s != NULL);
    int pool = strcmp(it_mode(), "pool") == 0;
    int held = 32;
    if (it_serving_limit() - 1 < held)
        held = it_serving_limit() - 1; /* prefork: a worker each, one for /stats */
    for (int i = 0; i < held; i++) {
        struct it_conn *c = it_connect(s);
        CHECK(c != NULL);
        struct it_response *r = exchange(c, "GET /json HTTP/1.1\r\nHost: t\r\n\r\n", 0);
        CHECK(r != NULL && r->status == 200);
    }
    CHECK_INT_EQ(it_wait_stat_ge(s, "connections.active", held + 1, 5000, NULL), 0);
    /* The worker that answered the last request is still busy until it has parked that
     * connection: under load the /stats request can come first. */
    if (pool)
        CHECK_INT_EQ(it_wait_stat_eq(s, "pool.busy", 1, 5000, NULL), 0);
    char *json = it_stats(s);
    CHECK(json != NULL);
    double threads = num(json, "process.threads");
    const struct it_process_model *pm = it_process_model();
    if (it_thread_per_connection()) {
        /* a thread per connection */
        CHECK(threads >= held + 1);
    } else if (pm != NULL) {
        /* a single-threaded process per connection, or per worker, beside the main one */
        double processes = num(json, "process.processes");
        if (pm->count_option == NULL) {
            CHECK(processes >= held + 2);
            CHECK(num(json, "processes.connection_processes") >= held + 1);
        } else {
            CHECK_INT_EQ(processes, it_serving_limit() + 1);
            CHECK_INT_EQ(num(json, "prefork.workers"), it_serving_limit());
            CHECK_INT_EQ(num(json, "prefork.busy"), held + 1);
        }
        CHECK(threads >= processes);
        CHECK(num(json, "process.shared_counter_bytes") > 0);
    } else if (pool) {
        double workers = num(json, "pool.workers");
        if (it_option("--threads"))
            CHECK_INT_EQ(workers, atoi(it_option("--threads")));
        /* the held connections wait in epoll; only the /stats request has a worker */
        CHECK_INT_EQ(num(json, "pool.busy"), 1);
        CHECK(num(json, "pool.parked") >= held);
        CHECK(threads >= workers + 1 && threads < held); /* a fixed set, whatever the load */
    } else {
        /* no thread per connection; each loop's (or ring's) share adds up to the total */
        const struct it_event_model *em = it_event_model();
        CHECK(em != NULL);
        int loops = it_option(em->count_option) ? atoi(it_option(em->count_option)) : 1;
        if (threads >= held)
            it_log("%.0f threads for %d connections on %d loops", threads, held, loops);
        CHECK(threads < held);
        CHECK_INT_EQ(it_json_array_len(json, em->stats_array), loops);
        double sum = 0;
        int used = 0;
        for (int i = 0; i < loops; i++) {
            double a = num(json, it_printf("%s.%d.accepted", em->stats_array, i));
            sum += a;
            used += a > 0;
        }
        CHECK_INT_EQ(sum, num(json, "connections.accepted"));
        /* 34 connections hashed over the loops' listeners: more than one gets some */
        if (loops > 1)
            CHECK(used >= 2);
    }
}

IT_MAIN(TEST_ENTRY(counters_agree_with_requests_sent),
        TEST_ENTRY(errors_parse_counts_malformed_requests_only),
        TEST_ENTRY(gauges_show_idle_and_reading_connections),
        TEST_ENTRY(concurrency_model_shows_in_process_stats))
