/* Slow and faulty clients: slowloris (heads trickled a byte at a time), clients that never read
 * their responses, and a graceful shutdown with requests in flight. Each test starts its own
 * server with short timeouts, waits for conditions with deadlines, and prints what it measured. */
#include "procfs.h"
#include "support.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define SLOW_CONNS 200
/* A process per connection under a sanitizer: see IT_SLOW_FORK. */
#define SLOW_CONNS_FORKED (IT_SLOW_FORK ? 20 : SLOW_CONNS)
#define SLOW_HEADER_TIMEOUT_MS 2000
#define TRICKLE_EVERY_MS 200
#define NONREADERS 8
#define WRITE_TIMEOUT_MS 1500

static const char *const get_plaintext = "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n";

static int is_event_model(void)
{
    return it_event_model() != NULL;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

struct latencies {
    long long ms[4096];
    int n;
};

static void lat_add(struct latencies *l, long long ms)
{
    if (l->n < (int)(sizeof l->ms / sizeof l->ms[0]))
        l->ms[l->n++] = ms;
}

static long long lat_pct(struct latencies *l, int pct)
{
    if (l->n == 0)
        return -1;
    qsort(l->ms, (size_t)l->n, sizeof l->ms[0], cmp_ll);
    int i = (l->n - 1) * pct / 100;
    return l->ms[i];
}

/* One normal request on a new connection; its latency in ms, or -1 when it failed. */
static long long timed_get(struct it_server *s)
{
    long long t0 = it_now_ms();
    struct it_response *r = it_get(s, "/plaintext");
    if (r == NULL || r->status != 200)
        return -1;
    return it_now_ms() - t0;
}

/* Sends what the socket takes now, without waiting. Returns the bytes taken. */
static size_t send_now(struct it_conn *c, const char *p, size_t len)
{
    size_t sent = 0;
    while (sent < len) {
        ssize_t n = send(c->fd, p + sent, len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n <= 0)
            break;
        sent += (size_t)n;
    }
    return sent;
}

/* ---- slowloris ---- */

struct slow_conn {
    struct it_conn *c;
    long long first_byte_ms; /* when its head began */
    long long closed_ms;     /* when the server closed it; 0 while open */
};

TEST(slowloris_is_closed_at_the_header_timeout_while_others_are_served)
{
    /* The pool's workers read a trickling connection only when a byte has come, then hand it
     * back: a few workers are enough (the next test shows a pool whose workers hold on, and
     * prefork, whose workers always do). */
    const struct it_process_model *pm = it_process_model();
    const int n_slow = pm != NULL ? SLOW_CONNS_FORKED : SLOW_CONNS;
    if (it_serving_limit() < n_slow + 1) {
        it_log("not applicable in mode %s: its workers would all be held", it_mode());
        return;
    }
    struct it_server *s = it_server_start("--header-timeout", "2000ms");
    CHECK(s != NULL);
    static struct latencies before, during;
    before.n = during.n = 0;
    for (int i = 0; i < 30; i++) {
        long long ms = timed_get(s);
        CHECK(ms >= 0);
        lat_add(&before, ms);
    }
    double timeouts0 = it_stat(s, "errors.timeout");
    CHECK(timeouts0 >= 0);

    struct slow_conn *slow = it_alloc(n_slow * sizeof *slow);
    for (int i = 0; i < n_slow; i++) {
        slow[i].c = it_connect(s);
        CHECK(slow[i].c != NULL);
        slow[i].first_byte_ms = it_now_ms();
        slow[i].closed_ms = 0;
        CHECK_INT_EQ(it_sends(slow[i].c, "GET /plaintext HTTP/1.1\r\nHost: t\r\nX-Slow: "), 0);
    }

    /* Trickle a byte to every open one each TRICKLE_EVERY_MS, serve normal clients meanwhile,
     * and note when each slow connection is closed. */
    long long deadline = it_now_ms() + SLOW_HEADER_TIMEOUT_MS + 15000;
    long long next_trickle = 0;
    int open = n_slow, stats_taken = 0;
    double threads = -1, rss = -1, vsize = -1, processes = -1;
    while (open > 0 && it_now_ms() < deadline) {
        long long now = it_now_ms();
        if (now >= next_trickle) {
            for (int i = 0; i < n_slow; i++)
                if (!slow[i].closed_ms)
                    send_now(slow[i].c, "a", 1);
            next_trickle = now + TRICKLE_EVERY_MS;
        }
        long long ms = timed_get(s);
        CHECK(ms >= 0);
        lat_add(&during, ms);
        if (!stats_taken && now - slow[0].first_byte_ms > SLOW_HEADER_TIMEOUT_MS / 2) {
            char *json = it_stats(s);
            CHECK(json != NULL);
            it_json_number(json, "process.threads", &threads);
            it_json_number(json, "process.rss_bytes", &rss);
            it_json_number(json, "process.vsize_bytes", &vsize);
            it_json_number(json, "process.processes", &processes);
            stats_taken = 1;
        }
        for (int i = 0; i < n_slow; i++) {
            struct slow_conn *sc = &slow[i];
            if (sc->closed_ms)
                continue;
            while (it_conn_fill(sc->c) > 0) {
            }
            if (!sc->c->eof)
                continue;
            sc->closed_ms = it_now_ms();
            open--;
            /* never before its header timeout; a 408 if anything was answered */
            if (sc->closed_ms - sc->first_byte_ms < SLOW_HEADER_TIMEOUT_MS - 50)
                it_log("slow connection %d closed after %lld ms", i,
                       sc->closed_ms - sc->first_byte_ms);
            CHECK(sc->closed_ms - sc->first_byte_ms >= SLOW_HEADER_TIMEOUT_MS - 50);
            struct it_response *r = NULL;
            if (sc->c->len > 0) {
                CHECK_INT_EQ(it_conn_take_response(sc->c, 0, &r), 1);
                CHECK_INT_EQ(r->status, 408);
            }
        }
    }
    if (open > 0)
        it_log("%d of %d slow connections still open", open, n_slow);
    CHECK_INT_EQ(open, 0);
    long long latest = 0;
    for (int i = 0; i < n_slow; i++)
        if (slow[i].closed_ms - slow[i].first_byte_ms > latest)
            latest = slow[i].closed_ms - slow[i].first_byte_ms;
    CHECK_INT_EQ(it_wait_stat_ge(s, "errors.timeout", timeouts0 + n_slow, 5000, NULL), 0);

    long long b50 = lat_pct(&before, 50), b100 = lat_pct(&before, 100);
    long long d50 = lat_pct(&during, 50), d99 = lat_pct(&during, 99), d100 = lat_pct(&during, 100);
    it_log("%d trickling connections closed %d..%lld ms after their first byte; %d normal "
           "requests meanwhile: p50 %lld ms, p99 %lld ms, max %lld ms (before: p50 %lld ms, max "
           "%lld ms); server under attack: %.0f threads in %.0f processes, %.1f MiB RSS, %.0f "
           "MiB virtual",
           n_slow, SLOW_HEADER_TIMEOUT_MS, latest, during.n, d50, d99, d100, b50, b100, threads,
           processes, rss / (1024.0 * 1024.0), vsize / (1024.0 * 1024.0));
    CHECK(during.n > 0);
    if (it_thread_per_connection()) {
        CHECK(threads >= n_slow); /* a thread held per trickling connection */
    } else if (pm != NULL) {
        CHECK(processes >= n_slow); /* a process held per trickling connection */
    } else {
        /* the loop and the pool serve everyone else as if nothing happened */
        CHECK(d99 < 250);
        CHECK(threads < n_slow);
    }
}

TEST(slowloris_holds_the_workers_of_a_holding_pool_until_the_header_timeout)
{
    int prefork = it_process_model() != NULL && it_serving_limit() != INT_MAX;
    if (strcmp(it_mode(), "pool") != 0 && !prefork) {
        it_log("not applicable in mode %s", it_mode());
        return;
    }
    /* With --hold, a worker waits on its connection (the classic pool); a prefork worker always
     * does. As many trickling connections as workers: a normal client waits until a header
     * timeout frees a worker. */
    int workers = prefork ? it_serving_limit() : 4;
    struct it_server *s =
        it_server_start("--header-timeout", "2000ms", "--threads", "4", "--hold", "10s");
    CHECK(s != NULL);
    struct it_conn **slow = it_alloc((size_t)workers * sizeof *slow);
    for (int i = 0; i < workers; i++) {
        slow[i] = it_connect(s);
        CHECK(slow[i] != NULL);
        CHECK_INT_EQ(it_sends(slow[i], "GET /plaintext HTTP/1.1\r\nHost: t\r\nX-Slow: "), 0);
    }
    /* no /stats here: it would wait for a worker like any other connection */
    long long t0 = it_now_ms();
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    CHECK_INT_EQ(it_sends(c, get_plaintext), 0);
    struct it_response *r = it_read_response(c, SLOW_HEADER_TIMEOUT_MS + 10000);
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    long long waited = it_now_ms() - t0;
    it_log("with %d workers held by as many trickling connections a normal request waited %lld "
           "ms (header timeout %d ms)",
           workers, waited, SLOW_HEADER_TIMEOUT_MS);
    CHECK(waited >= SLOW_HEADER_TIMEOUT_MS / 2);
}

/* ---- clients that never read ---- */

/* A process model's /stats sums RSS over its processes, and each one that serves its first
 * requests grows (by megabytes under a sanitizer). What would grow without bound is the one
 * process that holds a non-reader: the largest RSS of any process of the server. */
static double largest_rss(struct it_server *s)
{
    pid_t pids[IT_MAX_PIDS];
    int n = it_server_pids(s, pids, IT_MAX_PIDS);
    double largest = -1;
    for (int i = 0; i < n; i++) {
        struct procfs_status st;
        if (procfs_status(pids[i], &st) == 0 && (double)st.rss_bytes > largest)
            largest = (double)st.rss_bytes;
    }
    return largest;
}

TEST(clients_that_never_read_are_bounded_and_closed_at_the_write_timeout)
{
    /* enough pool threads and prefork workers for the non-readers and everyone else */
    struct it_server *s =
        it_server_start("--write-timeout", "1500ms", "--threads", "32", "--processes", "10");
    CHECK(s != NULL);
    char *json = it_stats(s);
    CHECK(json != NULL);
    double rss0, timeouts0, active0;
    CHECK_INT_EQ(it_json_number(json, "process.rss_bytes", &rss0), 0);
    if (it_process_model() != NULL)
        rss0 = largest_rss(s);
    CHECK_INT_EQ(it_json_number(json, "errors.timeout", &timeouts0), 0);
    CHECK_INT_EQ(it_json_number(json, "connections.active", &active0), 0);

    /* 256 KiB of pipelined /dashboard requests each: about 45 MB of responses per connection
     * if the server kept producing them. */
    const char *one = "GET /dashboard HTTP/1.1\r\nHost: t\r\n\r\n";
    size_t one_len = strlen(one), per = 256 * 1024 / one_len;
    char *reqs = it_alloc(per * one_len);
    for (size_t i = 0; i < per; i++)
        memcpy(reqs + i * one_len, one, one_len);
    struct it_conn *nr[NONREADERS];
    size_t sent[NONREADERS];
    for (int i = 0; i < NONREADERS; i++) {
        nr[i] = it_connect(s);
        CHECK(nr[i] != NULL);
        sent[i] = send_now(nr[i], reqs, per * one_len);
        CHECK(sent[i] > 0);
    }

    /* Others are served meanwhile; keep offering the non-readers more input. */
    static struct latencies during;
    during.n = 0;
    long long t_end = it_now_ms() + WRITE_TIMEOUT_MS / 2;
    while (it_now_ms() < t_end) {
        for (int i = 0; i < NONREADERS; i++)
            sent[i] += send_now(nr[i], reqs + sent[i], per * one_len - sent[i]);
        long long ms = timed_get(s);
        CHECK(ms >= 0);
        lat_add(&during, ms);
    }
    json = it_stats(s);
    CHECK(json != NULL);
    double rss1, out1;
    CHECK_INT_EQ(it_json_number(json, "process.rss_bytes", &rss1), 0);
    if (it_process_model() != NULL)
        rss1 = largest_rss(s);
    CHECK_INT_EQ(it_json_number(json, "bytes.out", &out1), 0);
    double grown = (rss1 - rss0) / (1024.0 * 1024.0);

    /* then they are closed at the write timeout */
    long long t0 = it_now_ms();
    CHECK_INT_EQ(it_wait_stat_ge(s, "errors.timeout", timeouts0 + NONREADERS,
                                 WRITE_TIMEOUT_MS + 10000, NULL),
                 0);
    long long closed_after = it_now_ms() - t0;
    CHECK_INT_EQ(it_wait_stat_eq(s, "connections.active", active0, 5000, NULL), 0);
    size_t total = 0;
    for (int i = 0; i < NONREADERS; i++)
        total += sent[i];
    it_log("%d non-readers sent %.1f MiB of requests; responses produced %.1f MiB; server RSS "
           "grew %.1f MiB; others served meanwhile: %d requests, max %lld ms; closed %lld ms "
           "after the sample",
           NONREADERS, total / (1024.0 * 1024.0), out1 / (1024.0 * 1024.0), grown, during.n,
           lat_pct(&during, 100), closed_after);
    CHECK(grown < 128); /* unbounded, it would be hundreds of MiB */
    CHECK(during.n > 0);
    if (is_event_model())
        CHECK(lat_pct(&during, 99) < 250);
    struct it_response *r = it_get(s, "/plaintext");
    CHECK(r != NULL && r->status == 200);
}

/* ---- graceful shutdown under load ---- */

#define DRAIN_SLEEPERS 24
#define DRAIN_WORKERS 8
#define DRAIN_BODIES 6
#define DRAIN_IDLE 10

TEST(graceful_shutdown_under_load_cuts_no_request)
{
    struct it_server *s =
        it_server_start("--threads", "64", "--processes", "64", "--drain-timeout", "10s");
    CHECK(s != NULL);
    enum { N = DRAIN_SLEEPERS + DRAIN_WORKERS + DRAIN_BODIES };
    struct it_conn *busy[N], *idle[DRAIN_IDLE];
    static char body[65536];
    memset(body, 'e', sizeof body);
    for (int i = 0; i < DRAIN_IDLE; i++) {
        idle[i] = it_connect(s);
        CHECK(idle[i] != NULL);
        CHECK_INT_EQ(it_sends(idle[i], get_plaintext), 0);
        struct it_response *r = it_read_response(idle[i], IT_IO_TIMEOUT_MS);
        CHECK(r != NULL && r->status == 200);
    }
    for (int i = 0; i < N; i++) {
        busy[i] = it_connect(s);
        CHECK(busy[i] != NULL);
        if (i < DRAIN_SLEEPERS)
            CHECK_INT_EQ(
                it_sendf(busy[i], "GET /sleep?ms=%d HTTP/1.1\r\nHost: t\r\n\r\n", 300 + 20 * i), 0);
        else if (i < DRAIN_SLEEPERS + DRAIN_WORKERS)
            CHECK_INT_EQ(it_sends(busy[i], "GET /work?cpu_us=20000 HTTP/1.1\r\nHost: t\r\n\r\n"),
                         0);
        else /* half a body now, the rest after the signal */
            CHECK_INT_EQ(it_sendf(busy[i],
                                  "POST /echo HTTP/1.1\r\nHost: t\r\n"
                                  "Content-Length: %zu\r\n\r\n%.*s",
                                  sizeof body, (int)sizeof body / 2, body),
                         0);
    }
    CHECK_INT_EQ(it_wait_server_read_all(s, IT_IO_TIMEOUT_MS), 0);
    CHECK_INT_EQ(it_server_signal(s, SIGTERM), 0);
    for (int i = DRAIN_SLEEPERS + DRAIN_WORKERS; i < N; i++)
        CHECK_INT_EQ(it_send(busy[i], body + sizeof body / 2, sizeof body / 2), 0);
    for (int i = 0; i < N; i++) {
        struct it_response *r = it_read_response(busy[i], IT_IO_TIMEOUT_MS + 2000);
        if (r == NULL)
            it_log("request %d in flight was cut", i);
        CHECK(r != NULL);
        CHECK_INT_EQ(r->status, 200);
        if (i >= DRAIN_SLEEPERS + DRAIN_WORKERS)
            CHECK_MEM_EQ(r->body, r->body_len, body, sizeof body);
        CHECK_INT_EQ(it_wait_closed(busy[i], IT_IO_TIMEOUT_MS), 0);
    }
    for (int i = 0; i < DRAIN_IDLE; i++) {
        CHECK_INT_EQ(it_wait_closed(idle[i], IT_IO_TIMEOUT_MS), 0);
        CHECK_INT_EQ(idle[i]->len, 0);
    }
    CHECK_INT_EQ(it_server_wait_exit(s, 10000), 0);
    CHECK(s->reaped && WIFEXITED(s->status) && WEXITSTATUS(s->status) == 0);
}

IT_MAIN(TEST_ENTRY(slowloris_is_closed_at_the_header_timeout_while_others_are_served),
        TEST_ENTRY(slowloris_holds_the_workers_of_a_holding_pool_until_the_header_timeout),
        TEST_ENTRY(clients_that_never_read_are_bounded_and_closed_at_the_write_timeout),
        TEST_ENTRY(graceful_shutdown_under_load_cuts_no_request))
