/* SIGTERM and SIGINT: stop accepting, answer the requests in flight, close idle keep-alive
 * connections, exit 0; give up at the drain timeout; exit at once on a second signal. In a
 * process model every child drains too, and none is left afterwards, not even a zombie. */
#include "procfs.h"
#include "support.h"

#include <sys/wait.h>

static const char *const get_plaintext = "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n";

static int exited_0(const struct it_server *s)
{
    return s->reaped && WIFEXITED(s->status) && WEXITSTATUS(s->status) == 0;
}

/* The server's other processes (a process model's), to check once it has gone. */
struct children {
    pid_t pids[IT_MAX_PIDS];
    int n;
};

/* A server with an idle keep-alive connection and a /sleep?ms=sleep_ms in flight: the server has
 * read the request (bytes.in says so) and not answered it yet. */
struct scene {
    struct it_server *s;
    struct it_conn *busy, *idle;
    struct children children; /* with the connections open */
};

static void note_children(struct it_server *s, struct children *c)
{
    pid_t all[IT_MAX_PIDS];
    CHECK_INT_EQ(it_wait_workers(s), 0);
    int n = it_server_pids(s, all, IT_MAX_PIDS);
    CHECK(n >= 1);
    c->n = n - 1;
    memcpy(c->pids, all + 1, (size_t)c->n * sizeof *all);
}

/* None of the server's processes is left: reaped by the server (`reaped`), or at least dead
 * (the parent-death signal killed it when the server was cut short; whoever adopted it reaps
 * it). Waits up to 3 s for a kill to land. */
static void check_children_gone(const struct children *c, int reaped)
{
    long long deadline = it_now_ms() + 3000;
    for (int i = 0; i < c->n; i++) {
        int state;
        while ((state = procfs_state(c->pids[i])) >= 0 && (reaped || state != 'Z') &&
               it_now_ms() < deadline)
            it_pause_ms(10);
        if (state >= 0)
            it_log("process %d of the server is left, state %c", (int)c->pids[i], state);
        CHECK(reaped ? state == -ESRCH : state == -ESRCH || state == 'Z');
    }
}

static void set_scene(struct scene *sc, int sleep_ms, const char *const *extra)
{
    sc->s = it_server_startv(extra);
    CHECK(sc->s != NULL);
    sc->idle = it_connect(sc->s);
    CHECK(sc->idle != NULL);
    CHECK_INT_EQ(it_sends(sc->idle, get_plaintext), 0);
    struct it_response *r = it_read_response(sc->idle, IT_IO_TIMEOUT_MS);
    CHECK(r != NULL && r->status == 200);
    sc->busy = it_connect(sc->s);
    CHECK(sc->busy != NULL);
    CHECK_INT_EQ(it_sendf(sc->busy, "GET /sleep?ms=%d HTTP/1.1\r\nHost: t\r\n\r\n", sleep_ms), 0);
    CHECK_INT_EQ(it_wait_server_read_all(sc->s, 5000), 0);
    CHECK(it_conn_is_quiet(sc->busy));
    note_children(sc->s, &sc->children);
    if (it_process_model() != NULL)
        CHECK(sc->children.n >= 2); /* one for each connection, or its worker */
}

static void check_drain(int sig)
{
    struct scene sc;
    set_scene(&sc, 500, NULL);
    if (testlib_failed)
        return;
    long long t0 = it_now_ms();
    CHECK_INT_EQ(it_server_signal(sc.s, sig), 0);
    /* the idle connection is closed without waiting for the request in flight */
    CHECK_INT_EQ(it_wait_closed(sc.idle, 3000), 0);
    CHECK_INT_EQ(sc.idle->len, 0);
    /* the request in flight is answered */
    struct it_response *r = it_read_response(sc.busy, 5000);
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    CHECK_INT_EQ(it_wait_closed(sc.busy, 3000), 0);
    /* and the server exits 0 once it has nothing left, well before the 10 s drain timeout */
    CHECK_INT_EQ(it_server_wait_exit(sc.s, 5000), 0);
    if (!exited_0(sc.s))
        it_log("server ended with %s", it_wait_status_str(sc.s->status));
    CHECK(exited_0(sc.s));
    CHECK(it_now_ms() - t0 < 3000);
    /* every child drained and was reaped: none left, not even a zombie */
    check_children_gone(&sc.children, 1);
}

TEST(sigterm_answers_the_request_in_flight_and_exits_0)
{
    check_drain(SIGTERM);
}

TEST(sigint_answers_the_request_in_flight_and_exits_0)
{
    check_drain(SIGINT);
}

TEST(sigterm_on_an_idle_server_exits_0_at_once)
{
    struct it_server *s = it_server_startv(NULL);
    CHECK(s != NULL);
    struct it_response *r = it_get(s, "/plaintext");
    CHECK(r != NULL && r->status == 200);
    struct children children;
    note_children(s, &children);
    long long t0 = it_now_ms();
    CHECK_INT_EQ(it_server_signal(s, SIGTERM), 0);
    CHECK_INT_EQ(it_server_wait_exit(s, 5000), 0);
    CHECK(exited_0(s));
    CHECK(it_now_ms() - t0 < 2000);
    check_children_gone(&children, 1);
}

TEST(draining_server_accepts_no_new_connection)
{
    struct scene sc;
    set_scene(&sc, 1000, NULL);
    if (testlib_failed)
        return;
    CHECK_INT_EQ(it_server_signal(sc.s, SIGTERM), 0);
    CHECK_INT_EQ(it_wait_closed(sc.idle, 3000), 0); /* the signal has been acted on */
    /* Several connections, from different ports: with several listeners (SO_REUSEPORT) each may
     * reach another one, and every listener has stopped by the time any connection has been told. */
    for (int i = 0; i < 8 && !testlib_failed; i++) {
        int err;
        struct it_conn *late = it_try_connect(sc.s, &err);
        if (late == NULL) {
            CHECK_INT_EQ(err, -ECONNREFUSED);
            continue;
        }
        /* Connected to a listener nobody accepts from any more: it must not be served. */
        it_sends(late, get_plaintext);
        char *data;
        size_t len;
        CHECK_INT_EQ(it_read_until_eof(late, 5000, &data, &len), 0);
        if (len && strncmp(data, "HTTP/1.1 503", 12) != 0)
            it_log("a connection made while draining got: %.60s", data);
        CHECK(len == 0 || strncmp(data, "HTTP/1.1 503", 12) == 0);
    }
    struct it_response *r = it_read_response(sc.busy, 5000);
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    CHECK_INT_EQ(it_server_wait_exit(sc.s, 5000), 0);
    CHECK(exited_0(sc.s));
}

TEST(second_signal_exits_at_once)
{
    struct scene sc;
    set_scene(&sc, 9000, NULL);
    if (testlib_failed)
        return;
    CHECK_INT_EQ(it_server_signal(sc.s, SIGTERM), 0);
    CHECK_INT_EQ(it_wait_closed(sc.idle, 3000), 0); /* the first signal has been acted on */
    long long t0 = it_now_ms();
    CHECK_INT_EQ(it_server_signal(sc.s, SIGTERM), 0);
    CHECK_INT_EQ(it_server_wait_exit(sc.s, 5000), 0);
    long long elapsed = it_now_ms() - t0;
    if (elapsed >= 3000)
        it_log("exited %lld ms after the second signal, %s", elapsed,
               it_wait_status_str(sc.s->status));
    CHECK(elapsed < 3000); /* not the 9 s the request in flight still had to go */
    check_children_gone(&sc.children, 0); /* cut short, and none outlives the server */
}

TEST(drain_timeout_bounds_the_wait_for_requests_in_flight)
{
    static const char *const extra[] = {"--drain-timeout", "300ms", NULL};
    struct scene sc;
    set_scene(&sc, 9000, extra);
    if (testlib_failed)
        return;
    long long t0 = it_now_ms();
    CHECK_INT_EQ(it_server_signal(sc.s, SIGTERM), 0);
    CHECK_INT_EQ(it_server_wait_exit(sc.s, 6000), 0);
    long long elapsed = it_now_ms() - t0;
    if (elapsed < 250 || elapsed >= 4000)
        it_log("exited %lld ms after SIGTERM with a 300 ms drain timeout, %s", elapsed,
               it_wait_status_str(sc.s->status));
    CHECK(elapsed >= 250);
    CHECK(elapsed < 4000); /* the request in flight had 9 s to go */
    /* the unfinished request was cut, not answered */
    char *data;
    size_t len;
    CHECK_INT_EQ(it_read_until_eof(sc.busy, 3000, &data, &len), 0);
    CHECK(len == 0 || strncmp(data, "HTTP/1.1 200", 12) != 0);
    check_children_gone(&sc.children, 0);
}

IT_MAIN(TEST_ENTRY(sigterm_answers_the_request_in_flight_and_exits_0),
        TEST_ENTRY(sigint_answers_the_request_in_flight_and_exits_0),
        TEST_ENTRY(sigterm_on_an_idle_server_exits_0_at_once),
        TEST_ENTRY(draining_server_accepts_no_new_connection),
        TEST_ENTRY(second_signal_exits_at_once),
        TEST_ENTRY(drain_timeout_bounds_the_wait_for_requests_in_flight))
