/* Resource faults: running out of file descriptors on accept, failing to create a connection
 * thread or process, a prefork worker killed. The server must neither crash nor spin, must answer
 * what it can (503 and close), count it in /stats, and serve again once the resource is back. The
 * test lowers the running server's limits with prlimit(2) (it runs as root or as the server's
 * user). */
#include "procfs.h"
#include "support.h"

#include <dirent.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *const get_plaintext = "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n";

static struct it_response *exchange(struct it_conn *c, const char *req, int timeout_ms)
{
    if (it_sends(c, req) < 0)
        return NULL;
    return it_read_response(c, timeout_ms);
}

/* CPU seconds (user + system) every process of the server has used, or -1. */
static double cpu_seconds(struct it_server *s)
{
    pid_t pids[IT_MAX_PIDS];
    int n = it_server_pids(s, pids, IT_MAX_PIDS);
    double total = 0, user, sys;
    for (int i = 0; i < n; i++)
        if (procfs_cpu_seconds(pids[i], &user, &sys) == 0)
            total += user + sys;
        else if (i == 0)
            return -1;
    return n > 0 ? total : -1;
}

/* The descriptor limits of the server's processes, to lower and restore together: the accepting
 * process is the main one, or each prefork worker. */
struct fd_limits {
    pid_t pids[IT_MAX_PIDS];
    struct rlimit old[IT_MAX_PIDS];
    int n;
};

/* The lowest descriptor number pid has free (the next one it would get), or -1. */
static long lowest_free_fd(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    static char used[65536];
    memset(used, 0, sizeof used);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        long fd = strtol(e->d_name, NULL, 10);
        if (e->d_name[0] != '.' && fd >= 0 && fd < (long)sizeof used)
            used[fd] = 1;
    }
    closedir(d);
    long fd = 0;
    while (fd < (long)sizeof used && used[fd])
        fd++;
    return fd;
}

/* Sets each process's soft limit to `soft`; or, when soft is 0, to the descriptors it has open
 * plus `extra`, or with extra 0 to the lowest number it has free (the next descriptor it takes
 * fails, however many it holds). Returns 0, or -1 (printed) when the main process's cannot be
 * set. */
static int lower_fd_limits(struct it_server *s, struct fd_limits *l, rlim_t soft, int extra)
{
    if (it_wait_workers(s) < 0)
        return -1;
    l->n = it_server_pids(s, l->pids, IT_MAX_PIDS);
    for (int i = 0; i < l->n; i++) {
        int64_t fds = extra ? procfs_fd_count(l->pids[i]) : lowest_free_fd(l->pids[i]);
        int ok = fds > 0 && prlimit(l->pids[i], RLIMIT_NOFILE, NULL, &l->old[i]) == 0;
        struct rlimit low = {soft ? soft : (rlim_t)(fds + extra), ok ? l->old[i].rlim_max : 0};
        if (ok && prlimit(l->pids[i], RLIMIT_NOFILE, &low, NULL) == 0)
            continue;
        l->old[i].rlim_cur = 0; /* a child gone meanwhile: nothing to restore */
        if (i == 0) {
            it_log("cannot lower the server's descriptor limit");
            return -1;
        }
    }
    return l->n > 0 ? 0 : -1;
}

static void restore_fd_limits(const struct fd_limits *l)
{
    for (int i = 0; i < l->n; i++)
        if (l->old[i].rlim_cur > 0)
            prlimit(l->pids[i], RLIMIT_NOFILE, &l->old[i], NULL);
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
    double cpu0 = cpu_seconds(s);
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
    double cpu = cpu_seconds(s) - cpu0;
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
    /* A process model's connections are held by other processes than the accepting one: its
     * limit is what it holds now, and every connection is closed once served. Linux takes the
     * descriptor when accept starts, so a prefork worker waiting in accept serves one more. */
    int processes = it_process_model() != NULL;
    static struct fd_limits limits;
    CHECK_INT_EQ(lower_fd_limits(s, &limits, 0, processes ? 0 : EMFILE_SPARE_FDS), 0);
    struct rlimit now;
    CHECK_INT_EQ(prlimit(s->pid, RLIMIT_NOFILE, NULL, &now), 0);
    rlim_t limit = now.rlim_cur;

    /* Hold connections until the server has no descriptor left for the next. */
    struct it_conn *held[4 * EMFILE_SPARE_FDS];
    int n_held = 0, turned_away = 0, n_served = 0;
    while (n_held < (int)(sizeof held / sizeof held[0]) && n_served < 4 * EMFILE_SPARE_FDS) {
        struct it_conn *c;
        int rc = try_serve(s, &c);
        CHECK(rc >= 0);
        if (rc == 0) {
            turned_away = 1;
            it_close(c);
            break;
        }
        n_served++;
        if (processes)
            it_close(c);
        else
            held[n_held++] = c;
    }
    CHECK(turned_away);

    /* Exhausted, with clients knocking every 50 ms: the server uses little CPU. */
    int knocks, served;
    double busy = knock(s, 1500, &knocks, &served);
    it_log("%d connections held at a limit of %ld descriptors; %d knocks, %d served; "
           "server CPU %.0f%% of the time",
           n_held, (long)limit, knocks, served, 100 * busy);
    CHECK(busy >= 0);
    CHECK(busy < 0.5); /* a busy accept loop would use a whole core */
    CHECK(kill(s->pid, 0) == 0);

    /* Descriptors free again: served, and /stats counts what happened. */
    for (int i = 0; i < n_held; i++)
        it_close(held[i]);
    restore_fd_limits(&limits);
    CHECK(served_again(s, 5000));
    /* every model turns the knocks away with its spare descriptor and counts them */
    CHECK_INT_EQ(it_wait_stat_ge(s, "errors.emfile", 1, 5000, NULL), 0);
    CHECK_INT_EQ(it_wait_stat_ge(s, "errors.accept", 1, 5000, NULL), 0);
    restore_fd_limits(&limits);
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
    static struct fd_limits limits;
    CHECK_INT_EQ(lower_fd_limits(s, &limits, 3, 0), 0);
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
    if (it_serving_limit() != INT_MAX)
        listeners = it_serving_limit(); /* each prefork worker accepts */
    CHECK(served <= listeners);
    /* a connection it already had is still served */
    r = exchange(k, get_plaintext, IT_IO_TIMEOUT_MS);
    CHECK(r != NULL && r->status == 200);
    restore_fd_limits(&limits);
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

/* prlimit(2) on a process of user uid: root without CAP_SYS_RESOURCE may not touch another
 * user's limits, but that user may, so a child takes its ids and does it. 0 or a negative
 * errno. */
static int prlimit_as(uid_t uid, gid_t gid, pid_t pid, int resource, const struct rlimit *set,
                      struct rlimit *old)
{
    int fds[2];
    if (pipe(fds) < 0)
        return -errno;
    pid_t child = fork();
    if (child == 0) {
        struct {
            int rc;
            struct rlimit got;
        } out = {0, {0, 0}};
        if ((getuid() != uid && (setgid(gid) < 0 || setuid(uid) < 0)) ||
            prlimit(pid, (enum __rlimit_resource)resource, set, &out.got) < 0)
            out.rc = -errno;
        _exit(write(fds[1], &out, sizeof out) == sizeof out ? 0 : 1);
    }
    close(fds[1]);
    struct {
        int rc;
        struct rlimit got;
    } in = {-EIO, {0, 0}};
    ssize_t n = child > 0 ? read(fds[0], &in, sizeof in) : -1;
    close(fds[0]);
    if (child > 0)
        waitpid(child, NULL, 0);
    if (n != (ssize_t)sizeof in)
        return child < 0 ? -errno : -EIO;
    if (old)
        *old = in.got;
    return in.rc;
}

TEST(fork_failure_is_503_counted_and_the_server_goes_on)
{
    const struct it_process_model *pm = it_process_model();
    if (pm == NULL || pm->count_option != NULL) {
        it_log("not applicable in mode %s", it_mode());
        return;
    }
    /* RLIMIT_NPROC stops fork (EAGAIN) for a user with that many processes, but never root: as
     * root, the server runs as nobody. */
    static const char *const as_nobody[] = {"setpriv", "--reuid=65534", "--regid=65534",
                                            "--clear-groups", NULL};
    static const char *const quiet[] = {"--quiet", NULL};
    int root = geteuid() == 0;
    uid_t uid = root ? 65534 : getuid();
    gid_t gid = root ? 65534 : getgid();
    struct it_server *s = it_server_start_prefixed(root ? as_nobody : NULL, quiet);
    CHECK(s != NULL);
    struct it_conn *k = it_connect(s); /* served by a child forked before the fault */
    CHECK(k != NULL);
    struct it_response *r = exchange(k, get_plaintext, IT_IO_TIMEOUT_MS);
    CHECK(r != NULL && r->status == 200);

    /* Its user has at least the server's own threads: a limit of 1 leaves no room. */
    struct rlimit old;
    CHECK_INT_EQ(prlimit_as(uid, gid, s->pid, RLIMIT_NPROC, NULL, &old), 0);
    struct rlimit tight = {1, old.rlim_max};
    CHECK_INT_EQ(prlimit_as(uid, gid, s->pid, RLIMIT_NPROC, &tight, NULL), 0);
    for (int i = 0; i < 3; i++) {
        struct it_conn *c = it_connect(s);
        CHECK(c != NULL);
        r = exchange(c, get_plaintext, IT_IO_TIMEOUT_MS);
        CHECK(r != NULL);
        CHECK_INT_EQ(r->status, 503);
        CHECK(it_header_has_token(r, "Connection", "close"));
        CHECK_INT_EQ(it_wait_closed(c, IT_IO_TIMEOUT_MS), 0);
    }
    r = exchange(k, "GET /stats HTTP/1.1\r\nHost: t\r\n\r\n", IT_IO_TIMEOUT_MS);
    CHECK(r != NULL && r->status == 200);
    double failed, rejected, active;
    CHECK_INT_EQ(it_json_number(r->body, "errors.fork", &failed), 0);
    CHECK_INT_EQ(it_json_number(r->body, "connections.rejected", &rejected), 0);
    CHECK_INT_EQ(it_json_number(r->body, "connections.active", &active), 0);
    it_log("fork refused: errors.fork %.0f, rejected %.0f, active %.0f", failed, rejected, active);
    CHECK_INT_EQ(failed, 3);
    CHECK_INT_EQ(rejected, 3);
    CHECK_INT_EQ(active, 1); /* k: the refused ones gave their admission back */

    /* Room again: new connections are served. */
    CHECK_INT_EQ(prlimit_as(uid, gid, s->pid, RLIMIT_NPROC, &old, NULL), 0);
    r = it_get(s, "/plaintext");
    CHECK(r != NULL);
    CHECK_INT_EQ(r->status, 200);
    r = exchange(k, get_plaintext, IT_IO_TIMEOUT_MS);
    CHECK(r != NULL && r->status == 200);
}

TEST(a_prefork_worker_that_dies_is_counted_and_replaced)
{
    int workers = it_serving_limit();
    if (workers == INT_MAX) {
        it_log("not applicable in mode %s", it_mode());
        return;
    }
    struct it_server *s = it_server_startv(NULL);
    CHECK(s != NULL);
    CHECK_INT_EQ(it_wait_workers(s), 0);
    pid_t pids[IT_MAX_PIDS];
    int n = it_server_pids(s, pids, IT_MAX_PIDS);
    CHECK_INT_EQ(n, workers + 1);
    CHECK_INT_EQ(kill(pids[1], SIGKILL), 0);
    CHECK_INT_EQ(it_wait_stat_eq(s, "errors.process_died", 1, 5000, NULL), 0);
    CHECK_INT_EQ(it_wait_stat_eq(s, "prefork.live", workers, 5000, NULL), 0);
    n = it_server_pids(s, pids, IT_MAX_PIDS);
    CHECK_INT_EQ(n, workers + 1);
    CHECK_INT_EQ(it_server_zombies(s), 0);
    /* every worker serves: as many keep-alive connections as workers, all answered */
    for (int i = 0; i < workers; i++) {
        struct it_conn *c = it_connect(s);
        CHECK(c != NULL);
        struct it_response *r = exchange(c, get_plaintext, IT_IO_TIMEOUT_MS);
        CHECK(r != NULL && r->status == 200);
    }
}

IT_MAIN(TEST_ENTRY(descriptor_exhaustion_neither_spins_nor_crashes_and_recovers),
        TEST_ENTRY(without_a_spare_descriptor_accepting_pauses_instead_of_spinning),
        TEST_ENTRY(thread_creation_failure_is_503_counted_and_the_server_goes_on),
        TEST_ENTRY(fork_failure_is_503_counted_and_the_server_goes_on),
        TEST_ENTRY(a_prefork_worker_that_dies_is_counted_and_replaced))
