/* Many connections at once: 1,000 open together, a request on each, every response read. */
#include "support.h"

#include <limits.h>
#include <poll.h>

enum { N_CONNS = 1000 };

/* How many connections: a process per connection under a sanitizer makes fewer (IT_SLOW_FORK). */
static int n_conns(void)
{
    return IT_SLOW_FORK && it_process_model() != NULL && it_serving_limit() == INT_MAX ? 100 : N_CONNS;
}

/* Opens n connections, then sends `request` on every one, then reads n_responses responses from
 * each, polling them all; checks each against the expected bodies. */
static void check_concurrent(struct it_server *s, int n, const char *request, int n_responses,
                             const char *const *bodies)
{
    struct it_conn **conns = it_alloc((size_t)n * sizeof *conns);
    int *got = it_alloc((size_t)n * sizeof *got);
    struct pollfd *pfds = it_alloc((size_t)n * sizeof *pfds);
    int *which = it_alloc((size_t)n * sizeof *which);

    for (int i = 0; i < n; i++) {
        conns[i] = it_connect(s);
        if (!conns[i])
            it_log("connection %d of %d", i + 1, n);
        CHECK(conns[i] != NULL);
    }
    /* Every connection is open before the first request goes out. */
    for (int i = 0; i < n; i++)
        CHECK_INT_EQ(it_sends(conns[i], request), 0);

    int done = 0;
    long long deadline = it_now_ms() + 20000;
    while (done < n) {
        int np = 0;
        for (int i = 0; i < n; i++) {
            if (got[i] < n_responses) {
                pfds[np] = (struct pollfd){.fd = conns[i]->fd, .events = POLLIN};
                which[np++] = i;
            }
        }
        long long left = deadline - it_now_ms();
        int ready = left > 0 ? poll(pfds, (nfds_t)np, (int)left) : 0;
        if (ready == 0) {
            it_log("%d of %d connections answered within the deadline", done, n);
            CHECK(done == n);
        }
        for (int k = 0; k < np && ready > 0; k++) {
            if (!pfds[k].revents)
                continue;
            int i = which[k];
            struct it_conn *c = conns[i];
            it_conn_fill(c);
            struct it_response *r;
            int rc = 0;
            while (got[i] < n_responses && (rc = it_conn_take_response(c, 0, &r)) == 1) {
                if (r->status != 200 || strcmp(r->body, bodies[got[i]]) != 0)
                    it_log("connection %d, response %d: %d %s", i, got[i] + 1, r->status, r->body);
                CHECK_INT_EQ(r->status, 200);
                CHECK_STR_EQ(r->body, bodies[got[i]]);
                if (++got[i] == n_responses)
                    done++;
            }
            if (got[i] < n_responses && (rc < 0 || c->eof)) {
                it_log("connection %d ended after %d of %d responses (%s)", i, got[i], n_responses,
                       c->reset ? "reset" : "closed");
                CHECK(0);
            }
        }
    }
    for (int i = 0; i < n; i++)
        it_close(conns[i]);
}

TEST(thousand_concurrent_connections_all_answered)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    double before = it_stat(s, "connections.accepted");
    CHECK(before >= 0);
    static const char *const bodies[] = {"Hello, World!"};
    check_concurrent(s, n_conns(),
                     "GET /plaintext HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 1, bodies);
    if (testlib_failed)
        return;
    CHECK_INT_EQ(it_wait_stat_ge(s, "connections.accepted", before + n_conns() + 1, 5000, NULL), 0);
}

TEST(thousand_concurrent_connections_with_two_pipelined_requests)
{
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    static const char *const bodies[] = {"{\"message\":\"Hello, World!\"}", "Hello, World!"};
    check_concurrent(s, n_conns(),
                     "GET /json HTTP/1.1\r\nHost: t\r\n\r\n"
                     "GET /plaintext HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                     2, bodies);
}

TEST(active_connections_return_to_one_after_the_crowd_leaves)
{
    /* Only the /stats request's own connection is left once the server has seen every close. */
    struct it_server *s = it_shared_server();
    CHECK(s != NULL);
    CHECK_INT_EQ(it_wait_stat_eq(s, "connections.active", 1, 5000, NULL), 0);
    /* a process model reaped every child that served one: no zombie is left */
    long long deadline = it_now_ms() + 5000;
    int zombies;
    while ((zombies = it_server_zombies(s)) > 0 && it_now_ms() < deadline)
        it_pause_ms(10);
    CHECK_INT_EQ(zombies, 0);
    if (it_process_model() != NULL && it_serving_limit() == INT_MAX)
        CHECK_INT_EQ(it_wait_stat_eq(s, "processes.connection_processes", 1, 5000, NULL), 0);
}

IT_MAIN(TEST_ENTRY(thousand_concurrent_connections_all_answered),
        TEST_ENTRY(thousand_concurrent_connections_with_two_pipelined_requests),
        TEST_ENTRY(active_connections_return_to_one_after_the_crowd_leaves))
