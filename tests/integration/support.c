/* Support for the integration tests (see support.h): the program's arguments and its runner,
 * and what a test owns until it ends. */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* ---- the program's arguments ---- */

static const char *server_path;
static const char *server_args[IT_MAX_ARGS];
static int n_server_args;
static const char *current_test = "";

const char *it_server_path(void)
{
    return server_path;
}

const char *const *it_server_args(int *n)
{
    *n = n_server_args;
    return server_args;
}

int it_thread_per_connection(void)
{
    /* c10k-server's thread model and the Python server's (peers/python) */
    static const char *const modes[] = {"thread", "py-threads"};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (strcmp(it_mode(), modes[i]) == 0)
            return 1;
    return 0;
}

const char *it_option(const char *name)
{
    size_t nl = strlen(name);
    const char *found = NULL;
    for (int i = 0; i < n_server_args; i++) {
        const char *a = server_args[i];
        if (strcmp(a, name) == 0 && i + 1 < n_server_args)
            found = server_args[i + 1];
        else if (strncmp(a, name, nl) == 0 && a[nl] == '=')
            found = a + nl + 1;
    }
    return found;
}

const char *it_mode(void)
{
    const char *m = it_option("--mode");
    return m ? m : "loop";
}

const struct it_event_model *it_event_model(void)
{
    static const struct {
        const char *mode;
        struct it_event_model model;
    } models[] = {
        {"loop", {"--loops", "loops", NULL}},
        {"uring", {"--rings", "rings", "--ring-buffers"}},
        /* the Python server's asyncio front: one loop (peers/python) */
        {"py-asyncio", {"--loops", "loops", NULL}},
        {"py-threadpool", {"--loops", "loops", NULL}},
        {"py-processpool", {"--loops", "loops", NULL}},
    };
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++)
        if (strcmp(it_mode(), models[i].mode) == 0)
            return &models[i].model;
    return NULL;
}

const struct it_process_model *it_process_model(void)
{
    static const struct {
        const char *mode;
        struct it_process_model model;
    } models[] = {
        {"process", {NULL}},
        {"prefork", {"--processes"}},
    };
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++)
        if (strcmp(it_mode(), models[i].mode) == 0)
            return &models[i].model;
    return NULL;
}

int it_serving_limit(void)
{
    const struct it_process_model *pm = it_process_model();
    const char *n = pm && pm->count_option ? it_option(pm->count_option) : NULL;
    return n ? atoi(n) : INT_MAX;
}

void it_log(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "  [%s] ", current_test);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

long long it_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int it_remaining_ms(long long deadline)
{
    long long left = deadline - it_now_ms();
    return left < 0 ? 0 : (int)left;
}

void it_pause_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* ---- what a test owns: released when it ends ---- */

struct res {
    enum it_res_kind kind;
    void *p;
    struct res *next;
};

static struct res *test_resources;
static struct it_server *shared;
static int shared_failed_start;

void *it_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        abort();
    }
    return p;
}

void *it_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        abort();
    }
    return p;
}

void it_own(enum it_res_kind kind, void *p)
{
    struct res *r = it_xmalloc(sizeof *r);
    r->kind = kind;
    r->p = p;
    r->next = test_resources;
    test_resources = r;
}

void it_disown(void *p)
{
    for (struct res **pp = &test_resources; *pp; pp = &(*pp)->next) {
        if ((*pp)->p == p) {
            struct res *r = *pp;
            *pp = r->next;
            free(r);
            return;
        }
    }
}

void *it_alloc(size_t n)
{
    void *p = it_xmalloc(n);
    memset(p, 0, n);
    it_own(IT_RES_MEMORY, p);
    return p;
}

char *it_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = it_alloc(n);
    memcpy(d, s, n);
    return d;
}

char *it_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = it_alloc((size_t)(n < 0 ? 0 : n) + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* ---- the program's shared server ---- */

struct it_server *it_shared_server(void)
{
    if (!shared && !shared_failed_start) {
        shared = it_server_spawn(NULL);
        shared_failed_start = shared == NULL;
    }
    return shared;
}

/* ---- the runner ---- */

/* Releases what the test owned. Returns -1 when a server the test started ended badly. */
static int release_test_resources(void)
{
    int bad = 0;
    /* connections first, so that servers see their clients go before being asked to stop */
    for (int pass = 0; pass < 3; pass++) {
        struct res **pp = &test_resources;
        while (*pp) {
            struct res *r = *pp;
            /* directories last: a process may write into one until it is stopped */
            int now = (pass == 0 && r->kind == IT_RES_CONN) ||
                      (pass == 1 && r->kind == IT_RES_SERVER) ||
                      (pass == 2 && (r->kind == IT_RES_MEMORY || r->kind == IT_RES_DIR));
            if (!now) {
                pp = &r->next;
                continue;
            }
            *pp = r->next;
            if (r->kind == IT_RES_CONN) {
                it_conn_free(r->p);
            } else if (r->kind == IT_RES_SERVER) {
                struct it_server *s = r->p;
                int was_reaped = s->reaped;
                int rc = it_server_stop(s, IT_STOP_TIMEOUT_MS);
                /* A test that stopped its server itself judged how it ended. */
                if (!was_reaped && rc < 0)
                    bad = -1;
                free(s);
            } else {
                if (r->kind == IT_RES_DIR)
                    it_remove_tree(r->p);
                free(r->p);
            }
            free(r);
        }
    }
    return bad;
}

static void raise_nofile_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
            fprintf(stderr, "setrlimit(RLIMIT_NOFILE): %s\n", strerror(errno));
    }
}

static int usage(const char *prog)
{
    fprintf(stderr, "usage: %s SERVER-BINARY [SERVER ARGUMENTS...] [-- [!]TEST NAMES...]\n", prog);
    return 2;
}

/* Whether the names after "--" select the test: named ones run, "!name" ones are skipped (a
 * server that answers differently on purpose, tests/python/differences.txt). */
static int test_selected(char **names, int n, const char *test, int *skipped)
{
    int any_wanted = 0, wanted = 0;
    *skipped = 0;
    for (int k = 0; k < n; k++) {
        if (names[k][0] == '!') {
            *skipped |= strcmp(names[k] + 1, test) == 0;
        } else {
            any_wanted = 1;
            wanted |= strcmp(names[k], test) == 0;
        }
    }
    return !*skipped && (wanted || !any_wanted);
}

int it_main(int argc, char **argv, const struct testlib_case *cases, size_t n)
{
    if (argc < 2)
        return usage(argv[0]);
    server_path = argv[1];
    int a = 2;
    for (; a < argc && strcmp(argv[a], "--") != 0; a++) {
        if (n_server_args == IT_MAX_ARGS)
            return usage(argv[0]);
        server_args[n_server_args++] = argv[a];
    }
    int first_name = a < argc ? a + 1 : argc;
    if (access(server_path, X_OK) < 0) {
        fprintf(stderr, "%s: %s\n", server_path, strerror(errno));
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    raise_nofile_limit();
    setvbuf(stdout, NULL, _IOLBF, 0);

    int passed = 0, failed = 0, skipped = 0;
    for (size_t i = 0; i < n; i++) {
        int skip;
        if (!test_selected(argv + first_name, argc - first_name, cases[i].name, &skip)) {
            if (skip)
                printf("skip %s (this server answers differently)\n", cases[i].name);
            skipped += skip;
            continue;
        }
        current_test = cases[i].name;
        testlib_failed = 0;
        long long t0 = it_now_ms();
        cases[i].fn();
        if (release_test_resources() < 0)
            testlib_failed = 1;
        if (shared && it_server_poll(shared)) {
            it_log("the shared server died during this test: %s",
                   it_wait_status_str(shared->status));
            testlib_failed = 1;
            shared_failed_start = 1; /* no restart: later tests fail visibly */
            free(shared);
            shared = NULL;
        }
        release_test_resources();
        printf("%s %s (%lld ms)\n", testlib_failed ? "FAIL" : "ok  ", cases[i].name,
               it_now_ms() - t0);
        if (testlib_failed)
            failed++;
        else
            passed++;
    }
    if (shared) {
        current_test = "shared_server_exits_cleanly";
        int rc = it_server_stop(shared, IT_STOP_TIMEOUT_MS);
        release_test_resources();
        free(shared);
        shared = NULL;
        printf("%s %s\n", rc < 0 ? "FAIL" : "ok  ", current_test);
        if (rc < 0)
            failed++;
        else
            passed++;
    }
    if (skipped)
        printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    else
        printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
