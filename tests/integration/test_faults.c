/* Resource faults: running out of file descriptors on accept, failing to create a connection
 * thread. The server must neither crash nor spin, must answer what it can
 * (503 and close), count it in /stats, and serve again once the resource is back. The test
 * lowers the running server's limits with prlimit(2) (it runs as root or as the server's user). */
#include "procfs.h"
#include "support.h"

#include <poll.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static const char *const get_plaintext = "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n";

static struct it_response *exchange(struct it_conn *c, const char *req, int timeout_ms)
{
    if (it_sends(c, req) < 0)
        return NULL;
    return it_read_response(c, timeout_ms);
}

/* CPU seconds (user + system) the process has used, or -1. */
static double cpu_seconds(pid_t pid)
{
    double user, sys;
    return procfs_cpu_seconds(pid, &user, &sys) == 0 ? user + sys : -1;
}

/* A new connection asks for /plaintext: 1 when served 200, 0 when turned away (503, or closed
 * without an answer), -1 when the connection itself failed. */
static int try_serve(struct it_server *s, struct it_conn **out)
{
    int err;
    struct it_conn *c = it_try_connect(s, &err);
    *out = c;
    if (c == NULL)
        return -1;
    if (it_sends(c, get_plaintext) < 0)
        return 0;
    /* read quietly: being closed without an answer is an expected outcome here */
    struct it_response *r = NULL;
    long long deadline = it_now_ms() + 3000;
    while (it_conn_take_response(c, 0, &r) == 0 && !c->eof && it_now_ms() < deadline) {
        struct pollfd p = {.fd = c->fd, .events = POLLIN};
        if (poll(&p, 1, 50) > 0)
            it_conn_fill(c);
    }
    if (r != NULL && r->status == 200)
        return 1;
    if (r != NULL && r->status != 503)
        it_log("turned away with %d", r->status);
    return r == NULL || r->status == 503 ? 0 : -1;
}

/* Clients knock every 50 ms for `ms`, each asking for /plaintext once. Returns the share of the
 * time the server was on a CPU meanwhile (a spinning accept loop makes it about 1), or -1. */
static double knock(struct it_server *s, int ms, int *knocks, int *served)
{
    double cpu0 = cpu_seconds(s->pid);
    long long t0 = it_now_ms();
    *knocks = *served = 0;
    while (it_now_ms() - t0 < ms) {
        struct it_conn *c;
        int rc = try_serve(s, &c);
        *served += rc == 1;
        (*knocks)++;
        it_close(c);
        struct timespec ts = {0, 50 * 1000 * 1000}; /* the knocking rate, not a wait */
        nanosleep(&ts, NULL);
    }
    double cpu = cpu_seconds(s->pid) - cpu0;
    double wall = (double)(it_now_ms() - t0) / 1000.0;
    return cpu0 < 0 || cpu < 0 ? -1 : cpu / wall;
}

/* New connections are served again within ms: 1, or 0. */
static int served_again(struct it_server *s, int ms)
{
    long long deadline = it_now_ms() + ms;
    int ok = 0;
    while (!ok && it_now_ms() < deadline) {
        struct it_conn *c;
        ok = try_serve(s, &c) == 1;
        it_close(c);
    }
    return ok;
}

#define EMFILE_SPARE_FDS 24

TEST(descriptor_exhaustion_neither_spins_nor_crashes_and_recovers)
{
    struct it_server *s = it_server_start("--threads", "64");
    CHECK(s != NULL);
    CHECK(it_get(s, "/plaintext") != NULL);
    int64_t fds = procfs_fd_count(s->pid);
    CHECK(fds > 0);
    struct rlimit old;
    CHECK_INT_EQ(prlimit(s->pid, RLIMIT_NOFILE, NULL, &old), 0);
    struct rlimit low = {(rlim_t)(fds + EMFILE_SPARE_FDS), old.rlim_max}; /* soft limit only */
    CHECK_INT_EQ(prlimit(s->pid, RLIMIT_NOFILE, &low, NULL), 0);

    /* Hold connections until the server has no descriptor left for the next. */
    struct it_conn *held[4 * EMFILE_SPARE_FDS];
    int n_held = 0, turned_away = 0;
    while (n_held < (int)(sizeof held / sizeof held[0])) {
        struct it_conn *c;
        int rc = try_serve(s, &c);
        CHECK(rc >= 0);
        if (rc == 0) {
            turned_away = 1;
            it_close(c);
            break;
        }
        held[n_held++] = c;
    }
    CHECK(turned_away);

    /* Exhausted, with clients knocking every 50 ms: the server uses little CPU. */
    int knocks, served;
    double busy = knock(s, 1500, &knocks, &served);
    it_log("%d connections held at a limit of %ld descriptors; %d knocks, %d served; "
           "server CPU %.0f%% of the time", n_held, (long)low.rlim_cur, knocks, served, 100 * busy);
    CHECK(busy >= 0);
    CHECK(busy < 0.5); /* a busy accept loop would use a whole core */
    CHECK(kill(s->pid, 0) == 0);

    /* Descriptors free again: served, and /stats counts what happened. */
    for (int i = 0; i < n_held; i++)
        it_close(held[i]);
    CHECK(served_again(s, 5000));
    /* every model turns the knocks away with its spare descriptor and counts them */
    CHECK_INT_EQ(it_wait_stat_ge(s, "errors.emfile", 1, 5000, NULL), 0);
    CHECK_INT_EQ(it_wait_stat_ge(s, "errors.accept", 1, 5000, NULL), 0);
    CHECK_INT_EQ(prlimit(s->pid, RLIMIT_NOFILE, &old, NULL), 0);
}

/* A limit below every descriptor the server holds: its spare cannot take a connection (closing
 * it frees a slot above the limit) nor be opened again. Accepting must pause, not spin, and
 * resume once the limit is back. */
TEST(without_a_spare_descriptor_accepting_pauses_instead_of_spinning)
{
    struct it_server *s = it_server_start("--threads", "64");
    CHECK(s != NULL);
    CHECK(it_get(s, "/plaintext") != NULL);
    struct it_conn *k = it_connect(s); /* accepted before the fault, held open across it */
    CHECK(k != NULL);
    struct it_response *r = exchange(k, get_plaintext, IT_IO_TIMEOUT_MS);
    CHECK(r != NULL && r->status == 200);
    struct rlimit old;
    CHECK_INT_EQ(prlimit(s->pid, RLIMIT_NOFILE, NULL, &old), 0);
    struct rlimit none = {3, old.rlim_max};
    CHECK_INT_EQ(prlimit(s->pid, RLIMIT_NOFILE, &none, NULL), 0);
    int knocks, served;
    double busy = knock(s, 1500, &knocks, &served);
    it_log("no spare: %d knocks, %d served; server CPU %.0f%% of the time", knocks, served,
           100 * busy);
    CHECK(busy >= 0);
    CHECK(busy < 0.5);
    /* Linux takes the descriptor when accept starts: one already waiting in the thread models
     * serves one more connection; io_uring reads the limit when an accept is queued, so each ring
     * (one accept queued per listener) may serve one more */
    const struct it_event_model *em = it_event_model();
    int listeners = em != NULL && it_option(em->count_option) ? atoi(it_option(em->count_option)) : 1;
    CHECK(served <= listeners);
    /* a connection it already had is still served */
    r = exchange(k, get_plaintext, IT_IO_TIMEOUT_MS);
    CHECK(r != NULL && r->status == 200);
    CHECK_INT_EQ(prlimit(s->pid, RLIMIT_NOFILE, &old, NULL), 0);
    CHECK(served_again(s, 5000));
    CHECK_INT_EQ(it_wait_stat_ge(s, "errors.accept", 1, 5000, NULL), 0);
}

TEST(thread_creation_failure_is_503_counted_and_the_server_goes_on)
{
    if (!it_thread_per_connection()) {
        it_log("not applicable in mode %s", it_mode());
        return;
    }
    struct it_server *s = it_server_start("--quiet");
    CHECK(s != NULL);
    struct it_conn *k = it_connect(s); /* served by a thread made before the fault */
    CHECK(k != NULL);
    struct it_response *r = exchange(k, get_plaintext, IT_IO_TIMEOUT_MS);
    CHECK(r != NULL && r->status == 200);

    /* No room for another thread stack (8 MiB): pthread_create fails with EAGAIN, as at
     * vm.max_map_count or in a tight memory cgroup. Stacks glibc kept from ended threads are
     * reused first, so hold connections until one is refused. */
    struct procfs_status st;
    CHECK_INT_EQ(procfs_status(s->pid, &st), 0);
    CHECK(st.vsize_bytes > 0);
    struct rlimit tight = {(rlim_t)st.vsize_bytes + 1024 * 1024, RLIM_INFINITY}, old;
    CHECK_INT_EQ(prlimit(s->pid, RLIMIT_AS, &tight, &old), 0);
    struct it_conn *held[32];
    int n_held = 0, refused = 0;
    while (!refused && n_held < (int)(sizeof held / sizeof held[0])) {
        struct it_conn *c = it_connect(s);
        CHECK(c != NULL);
        r = exchange(c, get_plaintext, IT_IO_TIMEOUT_MS);
        CHECK(r != NULL);
        if (r->status == 503) {
            refused = 1;
            CHECK(it_header_has_token(r, "Connection", "close"));
            CHECK_INT_EQ(it_wait_closed(c, IT_IO_TIMEOUT_MS), 0);
        } else {
            CHECK_INT_EQ(r->status, 200);
            held[n_held++] = c;
        }
    }
    CHECK(refused);
    for (int i = 0; i < 3; i++) { /* and goes on refusing, one connection at a time */
        struct it_conn *c = it_connect(s);
        CHECK(c != NULL);
        r = exchange(c, get_plaintext, IT_IO_TIMEOUT_MS);
        CHECK(r != NULL);
        CHECK_INT_EQ(r->status, 503);
    }
    r = exchange(k, "GET /stats HTTP/1.1\r\nHost: t\r\n\r\n", IT_IO_TIMEOUT_MS);
    CHECK(r != NULL && r->status == 200);
    double failed, rejected;
    CHECK_INT_EQ(it_json_number(r->body, "errors.thread_create", &failed), 0);
    CHECK_INT_EQ(it_json_number(r->body, "connections.rejected", &rejected), 0);
    it_log("%d connection threads made under the limit, then refused; thread_create %.0f, "
           "rejected %.0f",
           n_held, failed, rejected);
    CHECK(failed >= 4);
    CHECK(rejected >= 4);

    /* Room again: new connections are served. */
    CHECK_INT_EQ(prlimit(s->pid, RLIMIT_AS, &old, NULL), 0);
    for (int i = 0; i < n_held; i++)
        it_close(held[i]);
    r = it_get(s, "/plaintext");
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    r = exchange(k, get_plaintext, IT_IO_TIMEOUT_MS);
    CHECK(r != NULL && r->status == 200);
}

IT_MAIN(TEST_ENTRY(descriptor_exhaustion_neither_spins_nor_crashes_and_recovers),
        TEST_ENTRY(without_a_spare_descriptor_accepting_pauses_instead_of_spinning),
        TEST_ENTRY(thread_creation_failure_is_503_counted_and_the_server_goes_on))
