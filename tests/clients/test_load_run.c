/* The real c10k-load against the stand-in server (tests/clients/stub_server.c), whose behaviour is
 * exact: request counts that must agree, reconnects after the server closes, chunked and
 * close-delimited bodies, a stall at a known request that the open loop must show in p99 where the
 * closed loop hides it, and the errors and limits a user meets.
 *
 *   test_load_run <c10k-load> <c10k-stub-server> [test names...] */
#include "support.h"
#include "testlib.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define END ((const char *)NULL) /* ends the argument list of load() */

static const char *client_bin, *stub_bin;

struct run {
    struct proc_result r;
    char *json;
};

/* Runs c10k-load with the NULL-terminated arguments, adding --json to a temporary file.
 * Returns its exit code (and keeps what it printed and wrote in run). */
static int load(struct run *run, const char *first, ...)
{
    char *argv[64];
    int argc = 0;
    memset(run, 0, sizeof *run);
    argv[argc++] = (char *)client_bin;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a && argc < 60; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    va_end(ap);
    return proc_run_load(argv, argc, &run->r, &run->json);
}

static void run_free(struct run *run)
{
    proc_result_free(&run->r);
    free(run->json);
    run->json = NULL;
}

/* A number from the run's JSON, by a path of keys; -1 when missing. */
static double num(const struct run *run, const char *k1, const char *k2, const char *k3)
{
    const char *keys[] = {k1, k2, k3, NULL};
    double v;
    if (run->json == NULL || proc_json_number(run->json, keys, &v) < 0)
        return -1;
    return v;
}

static int stub_start(struct proc_server *s, const char *a1, const char *a2, const char *a3,
                      const char *a4)
{
    char *argv[] = {(char *)stub_bin, (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL};
    return proc_server_start(s, argv);
}

static void url(char *buf, size_t len, const struct proc_server *s, const char *path)
{
    if (strchr(s->host, ':'))
        snprintf(buf, len, "http://[%s]:%d%s", s->host, s->port, path);
    else
        snprintf(buf, len, "http://%s:%d%s", s->host, s->port, path);
}

/* The stub's own count of one field of /count ("total", "get", ...). */
static long stub_count(const struct proc_server *s, const char *field)
{
    char body[512], key[32];
    if (proc_http_get(s, "/count", body, sizeof body) != 200)
        return -1;
    snprintf(key, sizeof key, "%s=", field);
    const char *p = strstr(body, key);
    return p ? atol(p + strlen(key)) : -1;
}

TEST(run_counts_agree_with_the_server)
{
    struct proc_server s;
    CHECK_INT_EQ(stub_start(&s, NULL, NULL, NULL, NULL), 0);
    char u[128];
    url(u, sizeof u, &s, "/plaintext");
    struct run run;
    int rc = load(&run, "-c", "8", "-t", "2", "-n", "5000", "-d", "20s", u, END);
    long served = stub_count(&s, "total");
    proc_server_stop(&s);
    CHECK_INT_EQ(rc, 0);
    CHECK(run.json && proc_json_valid(run.json));
    CHECK_INT_EQ(num(&run, "summary", "requests", NULL), 5000);
    CHECK_INT_EQ(served, 5000);
    CHECK_INT_EQ(num(&run, "summary", "errors", "total"), 0);
    CHECK_INT_EQ(num(&run, "summary", "abandoned", NULL), 0);
    CHECK_INT_EQ(num(&run, "summary", "status", "200"), 5000);
    CHECK_INT_EQ(num(&run, "summary", "latency_us", "count"), 5000);
    CHECK_INT_EQ(num(&run, "summary", "connections", "established"), 8);
    CHECK(strstr(run.r.out, "requests     5000") != NULL);
    CHECK_STR_EQ(run.r.err, ""); /* no progress line when stderr is not a terminal */
    run_free(&run);
}

TEST(run_pipelined_counts_agree)
{
    struct proc_server s;
    CHECK_INT_EQ(stub_start(&s, NULL, NULL, NULL, NULL), 0);
    char u[128];
    url(u, sizeof u, &s, "/");
    struct run run;
    int rc = load(&run, "-c", "4", "-p", "16", "-n", "4000", "-d", "20s", u, END);
    long served = stub_count(&s, "total");
    proc_server_stop(&s);
    CHECK_INT_EQ(rc, 0);
    CHECK_INT_EQ(num(&run, "summary", "requests", NULL), 4000);
    CHECK_INT_EQ(served, 4000);
    CHECK_INT_EQ(num(&run, "summary", "errors", "total"), 0);
    run_free(&run);
}

TEST(run_reconnects_when_the_server_closes)
{
    struct proc_server s;
    CHECK_INT_EQ(stub_start(&s, "--close-every", "7", NULL, NULL), 0);
    char u[128];
    url(u, sizeof u, &s, "/");
    struct run run;
    int rc = load(&run, "-c", "4", "-p", "3", "-n", "2000", "-d", "20s", u, END);
    long served = stub_count(&s, "total");
    proc_server_stop(&s);
    CHECK_INT_EQ(rc, 0);
    CHECK_INT_EQ(num(&run, "summary", "errors", "total"), 0); /* first: it says why if not */
    CHECK_INT_EQ(num(&run, "summary", "requests", NULL), 2000);
    CHECK_INT_EQ(served, 2000);
    CHECK(num(&run, "summary", "connections", "reconnects") >= 2000.0 / 7 - 4);
    run_free(&run);
}

TEST(run_request_mix_with_chunked_responses)
{
    struct proc_server s;
    CHECK_INT_EQ(stub_start(&s, "--chunked", NULL, NULL, NULL), 0);
    char u[128];
    url(u, sizeof u, &s, "/");
    struct run run;
    int rc = load(&run, "-c", "3", "-n", "500", "-d", "20s", "-r", "/a 3", "-r", "HEAD /b", "-r",
                  "POST /echo", "-b", "hello", "-m", "GET", u, END);
    long gets = stub_count(&s, "get"), heads = stub_count(&s, "head");
    long posts = stub_count(&s, "post");
    proc_server_stop(&s);
    CHECK_INT_EQ(rc, 0);
    CHECK_INT_EQ(num(&run, "summary", "requests", NULL), 500);
    CHECK_INT_EQ(num(&run, "summary", "errors", "total"), 0);
    CHECK_INT_EQ(gets, 300);
    CHECK_INT_EQ(heads, 100);
    CHECK_INT_EQ(posts, 100);
    run_free(&run);
}

TEST(run_counts_status_codes)
{
    struct proc_server s;
    CHECK_INT_EQ(stub_start(&s, NULL, NULL, NULL, NULL), 0);
    char u[128];
    url(u, sizeof u, &s, "/status/404");
    struct run run;
    int rc = load(&run, "-c", "2", "-n", "100", u, END);
    proc_server_stop(&s);
    CHECK_INT_EQ(rc, 0);
    CHECK_INT_EQ(num(&run, "summary", "errors", "status"), 100);
    CHECK_INT_EQ(num(&run, "summary", "errors", "total"), 100);
    CHECK_INT_EQ(num(&run, "summary", "status", "404"), 100);
    CHECK(strstr(run.r.out, "404 x 100") != NULL);
    run_free(&run);
}

TEST(run_bodies_delimited_by_close)
{
    struct proc_server s;
    CHECK_INT_EQ(stub_start(&s, NULL, NULL, NULL, NULL), 0);
    char u[128];
    url(u, sizeof u, &s, "/eof");
    struct run run;
    int rc = load(&run, "-c", "2", "-n", "50", "-d", "20s", u, END);
    proc_server_stop(&s);
    CHECK_INT_EQ(rc, 0);
    CHECK_INT_EQ(num(&run, "summary", "requests", NULL), 50);
    CHECK_INT_EQ(num(&run, "summary", "errors", "total"), 0);
    CHECK(num(&run, "summary", "connections", "reconnects") >= 48);
    run_free(&run);
}

TEST(run_without_keepalive)
{
    struct proc_server s;
    CHECK_INT_EQ(stub_start(&s, NULL, NULL, NULL, NULL), 0);
    char u[128];
    url(u, sizeof u, &s, "/");
    struct run run;
    int rc = load(&run, "-c", "4", "-n", "200", "-d", "20s", "--no-keepalive", u, END);
    long served = stub_count(&s, "total"), conns = stub_count(&s, "conns");
    proc_server_stop(&s);
    CHECK_INT_EQ(rc, 0);
    CHECK_INT_EQ(num(&run, "summary", "requests", NULL), 200);
    CHECK_INT_EQ(served, 200);
    CHECK_INT_EQ(num(&run, "summary", "errors", "total"), 0);
    CHECK_INT_EQ(num(&run, "summary", "connections", "established"), 200);
    CHECK_INT_EQ(num(&run, "summary", "connections", "reconnects"), 0);
    CHECK_INT_EQ(num(&run, "summary", "connect_us", "count"), 200);
    CHECK_INT_EQ(conns, 202); /* and the test's two /count requests */
    run_free(&run);
}

/* The heart of it: a server that stops answering for 600ms. A closed loop sends nothing while
 * it waits, so only the few requests in flight see the stall and p99 stays low; an open loop
 * keeps the schedule, and every request due during the stall waits, which p99 must show. Both
 * runs are bounded by request counts, not by time, so the outcome does not depend on speed. */
TEST(run_open_loop_shows_a_stall_that_the_closed_loop_hides)
{
    struct proc_server s;
    char u[128];
    struct run closed, open;

    CHECK_INT_EQ(stub_start(&s, "--stall-at", "1000", "--stall-ms", "600"), 0);
    url(u, sizeof u, &s, "/");
    int rc = load(&closed, "-c", "5", "-n", "4000", "-d", "30s", u, END);
    proc_server_stop(&s);
    CHECK_INT_EQ(rc, 0);
    double closed_p99 = num(&closed, "summary", "latency_us", "p99");
    double closed_max = num(&closed, "summary", "latency_us", "max");
    CHECK_INT_EQ(num(&closed, "summary", "requests", NULL), 4000);
    CHECK(closed_max >= 550000); /* the stall happened ... */
    CHECK(closed_p99 < 150000);  /* ... and the closed loop's p99 does not show it */
    CHECK(strstr(closed.json, "\"latency_uncorrected_us\": null") != NULL);
    run_free(&closed);

    CHECK_INT_EQ(stub_start(&s, "--stall-at", "400", "--stall-ms", "600"), 0);
    url(u, sizeof u, &s, "/");
    rc = load(&open, "-R", "2000", "-c", "5", "-n", "2000", "-d", "30s", u, END);
    proc_server_stop(&s);
    CHECK_INT_EQ(rc, 0);
    double p99 = num(&open, "summary", "latency_us", "p99");
    double p50 = num(&open, "summary", "latency_us", "p50");
    double unc_p99 = num(&open, "summary", "latency_uncorrected_us", "p99");
    CHECK_INT_EQ(num(&open, "summary", "requests", NULL), 2000);
    CHECK_INT_EQ(num(&open, "summary", "errors", "total"), 0);
    /* About 1200 of the 2000 requests were due during the stall, waiting up to 600ms. */
    CHECK(p99 >= 450000);
    CHECK(p50 >= 50000);
    /* Measured from the actual send, the stall almost vanishes: coordinated omission. */
    CHECK(unc_p99 < 150000);
    CHECK(strstr(open.r.out, "uncorrected") != NULL);
    run_free(&open);
}

TEST(run_counts_timeouts)
{
    struct proc_server s;
    CHECK_INT_EQ(stub_start(&s, "--stall-at", "5", "--stall-ms", "1500"), 0);
    char u[128];
    url(u, sizeof u, &s, "/");
    struct run run;
    int rc = load(&run, "-c", "2", "--timeout", "300ms", "-d", "1s", u, END);
    proc_server_stop(&s);
    CHECK_INT_EQ(rc, 0);
    CHECK(num(&run, "summary", "errors", "timeout") >= 1);
    run_free(&run);
}

TEST(run_idle_connections)
{
    struct proc_server s;
    CHECK_INT_EQ(stub_start(&s, NULL, NULL, NULL, NULL), 0);
    char u[128];
    url(u, sizeof u, &s, "/");
    struct run run;
    int rc = load(&run, "-c", "2", "--idle", "40", "--idle-interval", "200ms", "-d", "1s", u, END);
    long conns = stub_count(&s, "conns");
    proc_server_stop(&s);
    CHECK_INT_EQ(rc, 0);
    CHECK_INT_EQ(num(&run, "summary", "connections", "max_open"), 42);
    CHECK(num(&run, "summary", "idle", "requests") >= 40);
    CHECK_INT_EQ(conns, 43);
    CHECK_INT_EQ(num(&run, "summary", "errors", "total"), 0);
    run_free(&run);
}

TEST(run_ramp_opens_every_connection)
{
    struct proc_server s;
    CHECK_INT_EQ(stub_start(&s, NULL, NULL, NULL, NULL), 0);
    char u[128];
    url(u, sizeof u, &s, "/");
    struct run run;
    int rc = load(&run, "-c", "40", "-t", "2", "--ramp", "200", "-d", "500ms", u, END);
    proc_server_stop(&s);
    CHECK_INT_EQ(rc, 0);
    CHECK_INT_EQ(num(&run, "summary", "connections", "established"), 40);
    CHECK_INT_EQ(num(&run, "summary", "connect_us", "count"), 40);
    CHECK_INT_EQ(num(&run, "summary", "errors", "total"), 0);
    run_free(&run);
}

TEST(run_from_several_source_addresses)
{
    struct proc_server s;
    CHECK_INT_EQ(stub_start(&s, NULL, NULL, NULL, NULL), 0);
    char u[128];
    url(u, sizeof u, &s, "/");
    struct run run;
    int rc = load(&run, "-c", "9", "-n", "90", "--source", "127.0.0.2-127.0.0.4", u, END);
    long peers = stub_count(&s, "peers");
    proc_server_stop(&s);
    CHECK_INT_EQ(rc, 0);
    CHECK_INT_EQ(num(&run, "summary", "requests", NULL), 90);
    CHECK_INT_EQ(peers, 4); /* three sources and the test's own 127.0.0.1 */
    run_free(&run);
}

TEST(run_ipv6_and_hostname_targets)
{
    struct proc_server s;
    char u[128];
    struct run run;
    if (stub_start(&s, "--host", "::1", NULL, NULL) == 0) {
        url(u, sizeof u, &s, "/");
        int rc = load(&run, "-c", "2", "-n", "100", u, END);
        proc_server_stop(&s);
        CHECK_INT_EQ(rc, 0);
        CHECK_INT_EQ(num(&run, "summary", "requests", NULL), 100);
        CHECK(strstr(run.json, "\"address\": \"[::1]:") != NULL);
        run_free(&run);
    } else {
        fprintf(stderr, "  (no IPv6 loopback here: the IPv6 half is skipped)\n");
    }
    CHECK_INT_EQ(stub_start(&s, NULL, NULL, NULL, NULL), 0);
    snprintf(u, sizeof u, "http://localhost:%d/", s.port);
    int rc = load(&run, "-c", "2", "-n", "100", u, END);
    proc_server_stop(&s);
    CHECK_INT_EQ(rc, 0);
    CHECK_INT_EQ(num(&run, "summary", "requests", NULL), 100);
    run_free(&run);
}

TEST(run_warmup_is_excluded)
{
    struct proc_server s;
    CHECK_INT_EQ(stub_start(&s, NULL, NULL, NULL, NULL), 0);
    char u[128];
    url(u, sizeof u, &s, "/");
    struct run run;
    int rc = load(&run, "-c", "2", "-w", "300ms", "-d", "300ms", u, END);
    proc_server_stop(&s);
    CHECK_INT_EQ(rc, 0);
    CHECK(num(&run, "summary", "warmup_requests", NULL) > 0);
    CHECK(num(&run, "summary", "requests", NULL) > 0);
    CHECK_INT_EQ(num(&run, "summary", "latency_us", "count"),
                 num(&run, "summary", "requests", NULL));
    double measured = num(&run, "summary", "measured_s", NULL);
    CHECK(measured > 0.29 && measured < 0.31);
    CHECK(strstr(run.json, "\"warmup\": true") != NULL);
    run_free(&run);
}

TEST(run_json_to_stdout)
{
    struct proc_server s;
    CHECK_INT_EQ(stub_start(&s, NULL, NULL, NULL, NULL), 0);
    char u[128];
    url(u, sizeof u, &s, "/");
    char *argv[] = {(char *)client_bin, "-c", "2", "-n", "50", "--json", "-", u, NULL};
    struct proc_result r;
    CHECK_INT_EQ(proc_run(argv, 0, PROC_RUN_TIMEOUT_MS, &r), 0);
    proc_server_stop(&s);
    CHECK_INT_EQ(r.exit_code, 0);
    CHECK(proc_json_valid(r.out));
    CHECK(strstr(r.err, "requests     50") != NULL); /* the summary moved to stderr */
    proc_result_free(&r);
}

TEST(run_shows_progress_on_a_terminal)
{
    struct proc_server s;
    CHECK_INT_EQ(stub_start(&s, NULL, NULL, NULL, NULL), 0);
    char u[128];
    url(u, sizeof u, &s, "/");
    char *argv[] = {(char *)client_bin, "-c", "2", "-d", "2500ms", u, NULL};
    char *tty = proc_run_tty_stderr(argv, PROC_RUN_TIMEOUT_MS);
    proc_server_stop(&s);
    CHECK(tty != NULL);
    /* At least one line, redrawn in place, with the rate, p99 and connections. */
    CHECK(strstr(tty, "\r\033[K[") != NULL);
    CHECK(strstr(tty, "req/s") != NULL);
    CHECK(strstr(tty, "p99") != NULL);
    CHECK(strstr(tty, "2 connections") != NULL);
    free(tty);
}

static double realtime_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int one_line_with(const char *text, const char *a, const char *b);

/* A --start-at that has already passed: the run goes ahead at once and says how late it is. */
TEST(run_start_at_in_the_past_reports_lateness)
{
    struct proc_server s;
    CHECK_INT_EQ(stub_start(&s, NULL, NULL, NULL, NULL), 0);
    char u[128], at[32];
    url(u, sizeof u, &s, "/");
    double given = realtime_s() - 2.5;
    snprintf(at, sizeof at, "%.3f", given);
    struct run run;
    int rc =
        load(&run, "-c", "2", "-n", "50", "--start-at", at, "--generator-id", "late-one", u, END);
    proc_server_stop(&s);
    CHECK_INT_EQ(rc, 0);
    CHECK(one_line_with(run.r.err, "late", "--start-at"));
    CHECK(strstr(run.json, "\"late\": true") != NULL);
    CHECK(strstr(run.json, "\"generator_id\": \"late-one\"") != NULL);
    CHECK(strstr(run.r.out, "[late-one]") != NULL);
    double skew = num(&run, "start_skew_ms", NULL, NULL);
    CHECK(skew >= 2500 && skew < 2500 + PROC_RUN_TIMEOUT_MS);
    CHECK(fabs(num(&run, "start_at", NULL, NULL) - given) < 0.001);
    CHECK_INT_EQ(num(&run, "summary", "requests", NULL), 50);
    run_free(&run);
}

/* --start-at +1: nothing happens for a second, then the run goes as usual. The recorded
 * wall-clock times show it: the measured window (after the warm-up) starts at least 1s after
 * the launch, and every point of the series after the start. */
TEST(run_start_at_delays_the_measured_window)
{
    struct proc_server s;
    CHECK_INT_EQ(stub_start(&s, NULL, NULL, NULL, NULL), 0);
    char u[128];
    url(u, sizeof u, &s, "/");
    struct run run;
    double launched = realtime_s();
    int rc = load(&run, "-c", "2", "-w", "200ms", "-d", "300ms", "--start-at", "+1", u, END);
    long conns = stub_count(&s, "conns");
    proc_server_stop(&s);
    CHECK_INT_EQ(rc, 0);
    CHECK_STR_EQ(run.r.err, "");
    CHECK(strstr(run.json, "\"late\": false") != NULL);
    double start_at = num(&run, "start_at", NULL, NULL);
    double measure_start = num(&run, "measure_start_unix", NULL, NULL);
    double measure_end = num(&run, "measure_end_unix", NULL, NULL);
    double skew = num(&run, "start_skew_ms", NULL, NULL);
    CHECK(start_at >= launched + 1);
    CHECK(measure_start >= launched + 1.2);
    CHECK(measure_start >= start_at + 0.2);
    CHECK(skew >= 0);
    CHECK(fabs(measure_start - (start_at + skew / 1e3 + 0.2)) < 0.001);
    CHECK(fabs(measure_end - measure_start - num(&run, "summary", "measured_s", NULL)) < 0.001);
    CHECK(num(&run, "summary", "requests", NULL) > 0);
    CHECK(strstr(run.r.out, "start at") != NULL);
    CHECK_INT_EQ(conns, 3); /* the client's two and the test's /count */
    /* The series is on the wall clock too. */
    json_t *doc = json_loads(run.json, 0, NULL);
    json_t *points = json_object_get(doc, "timeseries");
    CHECK(json_array_size(points) >= 1);
    double t0 = json_number_value(json_object_get(json_array_get(points, 0), "t_unix"));
    CHECK(fabs(t0 - (start_at + skew / 1e3)) < 0.001);
    /* The generator's own CPU: one thread, a share of the window, not saturated here. */
    json_t *cpu = json_object_get(json_object_get(doc, "summary"), "cpu");
    CHECK_INT_EQ(json_array_size(json_object_get(cpu, "threads_cpu_s")), 1);
    CHECK(json_number_value(json_object_get(cpu, "window_cpu_s")) > 0);
    CHECK(json_is_boolean(json_object_get(cpu, "saturated")));
    json_decref(doc);
    run_free(&run);
}

/* Two generators started together with the same --start-at, merged by the real binary. */
TEST(run_two_generators_merge)
{
    struct proc_server s;
    CHECK_INT_EQ(stub_start(&s, NULL, NULL, NULL, NULL), 0);
    char u[128], at[32], ja[64] = "/tmp/c10k-gen-a-XXXXXX", jb[64] = "/tmp/c10k-gen-b-XXXXXX";
    char jm[64] = "/tmp/c10k-gen-m-XXXXXX";
    url(u, sizeof u, &s, "/");
    snprintf(at, sizeof at, "%.3f", realtime_s() + 1);
    int fa = mkstemp(ja), fb = mkstemp(jb), fm = mkstemp(jm);
    CHECK(fa >= 0 && fb >= 0 && fm >= 0);
    close(fa);
    close(fb);
    close(fm);
    char *a[] = {(char *)client_bin, "-c", "2",      "-d", "500ms", "--start-at", at,
                 "--generator-id",   "a",  "--json", ja,   u,       NULL};
    char *b[] = {(char *)client_bin, "-c", "3",      "-d", "500ms", "--start-at", at,
                 "--generator-id",   "b",  "--json", jb,   u,       NULL};
    struct proc pa;
    CHECK_INT_EQ(proc_spawn(&pa, "c10k-load a", a, NULL), 0);
    struct proc_result r;
    int ran_b = proc_run(b, 0, PROC_RUN_TIMEOUT_MS, &r);
    int rc_a = proc_wait(&pa, PROC_RUN_TIMEOUT_MS) == 0 && WIFEXITED(pa.status)
                   ? WEXITSTATUS(pa.status)
                   : -1;
    proc_stop(&pa, 0);
    proc_server_stop(&s);
    CHECK_INT_EQ(ran_b, 0);
    CHECK_INT_EQ(r.exit_code, 0);
    CHECK_INT_EQ(rc_a, 0);
    proc_result_free(&r);
    char *merge[] = {(char *)client_bin, "merge", "--json", jm, ja, jb, NULL};
    CHECK_INT_EQ(proc_run(merge, 0, PROC_RUN_TIMEOUT_MS, &r), 0);
    char *text_a = proc_read_file(ja), *text_b = proc_read_file(jb), *text_m = proc_read_file(jm);
    unlink(ja);
    unlink(jb);
    unlink(jm);
    CHECK_INT_EQ(r.exit_code, 0);
    CHECK(text_a && text_b && text_m);
    const char *requests[] = {"summary", "requests", NULL};
    double na, nb, nm, conns;
    CHECK_INT_EQ(proc_json_number(text_a, requests, &na), 0);
    CHECK_INT_EQ(proc_json_number(text_b, requests, &nb), 0);
    CHECK_INT_EQ(proc_json_number(text_m, requests, &nm), 0);
    CHECK(na > 0 && nb > 0);
    CHECK_INT_EQ(nm, na + nb);
    const char *merged_from[] = {"merged_from", NULL};
    CHECK_INT_EQ(proc_json_number(text_m, merged_from, &conns), 0);
    CHECK_INT_EQ(conns, 2);
    const char *busy[] = {"config", "connections", NULL};
    CHECK_INT_EQ(proc_json_number(text_m, busy, &conns), 0);
    CHECK_INT_EQ(conns, 5);
    CHECK(strstr(r.out, "2 generators") != NULL);
    CHECK(strstr(r.out, "\n  a ") != NULL && strstr(r.out, "\n  b ") != NULL);
    free(text_a);
    free(text_b);
    free(text_m);
    proc_result_free(&r);
}

/* A port that refuses connections: bound, not listening. */
static int refusing_port(int *fd)
{
    *fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
    socklen_t len = sizeof sin;
    if (*fd < 0 || bind(*fd, (struct sockaddr *)&sin, len) < 0 ||
        getsockname(*fd, (struct sockaddr *)&sin, &len) < 0)
        return -1;
    return ntohs(sin.sin_port);
}

static int one_line_with(const char *text, const char *a, const char *b)
{
    size_t len = strlen(text);
    return len > 0 && strchr(text, '\n') == text + len - 1 && strstr(text, a) && strstr(text, b);
}

TEST(run_refused_connection_is_a_clear_error)
{
    int fd;
    int port = refusing_port(&fd);
    CHECK(port > 0);
    char u[64];
    snprintf(u, sizeof u, "http://127.0.0.1:%d/", port);
    char *argv[] = {(char *)client_bin, "-c", "2", "-d", "5s", u, NULL};
    struct proc_result r;
    CHECK_INT_EQ(proc_run(argv, 0, PROC_RUN_TIMEOUT_MS, &r), 0);
    close(fd);
    CHECK_INT_EQ(r.exit_code, 1);
    CHECK(one_line_with(r.err, "cannot connect", "refused"));
    proc_result_free(&r);
}

TEST(run_more_connections_than_the_fd_limit_is_a_clear_error)
{
    /* The child gets a hard limit of 200 descriptors; 500 connections cannot fit. */
    char *argv[] = {(char *)client_bin, "-c", "500", "-d", "1s", "http://127.0.0.1:9/", NULL};
    struct proc_result r;
    CHECK_INT_EQ(proc_run(argv, 200, PROC_RUN_TIMEOUT_MS, &r), 0);
    CHECK_INT_EQ(r.exit_code, 1);
    CHECK(one_line_with(r.err, "RLIMIT_NOFILE", "is 200"));
    CHECK_STR_EQ(r.out, "");
    proc_result_free(&r);

    /* Within the limit, the soft limit is raised to the hard one and the run goes ahead. */
    struct proc_server s;
    CHECK_INT_EQ(stub_start(&s, NULL, NULL, NULL, NULL), 0);
    char u[128];
    url(u, sizeof u, &s, "/");
    char *ok[] = {(char *)client_bin, "-c", "150", "-n", "300", u, NULL};
    CHECK_INT_EQ(proc_run(ok, 200, PROC_RUN_TIMEOUT_MS, &r), 0);
    proc_server_stop(&s);
    CHECK_INT_EQ(r.exit_code, 0);
    CHECK(strstr(r.out, "150 established") != NULL);
    proc_result_free(&r);
}

TEST(run_bad_option_exits_2)
{
    char *argv[] = {(char *)client_bin, "--connections", "many", "http://127.0.0.1:9/", NULL};
    struct proc_result r;
    CHECK_INT_EQ(proc_run(argv, 0, PROC_RUN_TIMEOUT_MS, &r), 0);
    CHECK_INT_EQ(r.exit_code, 2);
    CHECK(one_line_with(r.err, "--connections", "many"));
    proc_result_free(&r);

    char *help[] = {(char *)client_bin, "--help", NULL};
    CHECK_INT_EQ(proc_run(help, 0, PROC_RUN_TIMEOUT_MS, &r), 0);
    CHECK_INT_EQ(r.exit_code, 0);
    CHECK(strstr(r.out, "usage: c10k-load") != NULL);
    proc_result_free(&r);

    char *late[] = {(char *)client_bin, "--start-at", "+25h", "http://127.0.0.1:9/", NULL};
    CHECK_INT_EQ(proc_run(late, 0, PROC_RUN_TIMEOUT_MS, &r), 0);
    CHECK_INT_EQ(r.exit_code, 2);
    CHECK(one_line_with(r.err, "--start-at", "+25h"));
    CHECK_STR_EQ(r.out, "");
    proc_result_free(&r);

    char *garbled[] = {(char *)client_bin, "--start-at", "noon", "http://127.0.0.1:9/", NULL};
    CHECK_INT_EQ(proc_run(garbled, 0, PROC_RUN_TIMEOUT_MS, &r), 0);
    CHECK_INT_EQ(r.exit_code, 2);
    CHECK(one_line_with(r.err, "--start-at", "noon"));
    proc_result_free(&r);

    char *id[] = {(char *)client_bin, "--generator-id", "no spaces", "http://127.0.0.1:9/", NULL};
    CHECK_INT_EQ(proc_run(id, 0, PROC_RUN_TIMEOUT_MS, &r), 0);
    CHECK_INT_EQ(r.exit_code, 2);
    CHECK(one_line_with(r.err, "--generator-id", "no spaces"));
    proc_result_free(&r);

    char *merge[] = {(char *)client_bin, "merge", "/nonexistent/gen.json", NULL};
    CHECK_INT_EQ(proc_run(merge, 0, PROC_RUN_TIMEOUT_MS, &r), 0);
    CHECK_INT_EQ(r.exit_code, 2);
    CHECK(one_line_with(r.err, "/nonexistent/gen.json", "cannot read"));
    proc_result_free(&r);

    char *version[] = {(char *)client_bin, "--version", NULL};
    CHECK_INT_EQ(proc_run(version, 0, PROC_RUN_TIMEOUT_MS, &r), 0);
    CHECK_INT_EQ(r.exit_code, 0);
    CHECK(strncmp(r.out, "c10k-load ", 10) == 0);
    proc_result_free(&r);
}

static const struct testlib_case cases[] = {
    TEST_ENTRY(run_counts_agree_with_the_server),
    TEST_ENTRY(run_pipelined_counts_agree),
    TEST_ENTRY(run_reconnects_when_the_server_closes),
    TEST_ENTRY(run_request_mix_with_chunked_responses),
    TEST_ENTRY(run_counts_status_codes),
    TEST_ENTRY(run_bodies_delimited_by_close),
    TEST_ENTRY(run_without_keepalive),
    TEST_ENTRY(run_open_loop_shows_a_stall_that_the_closed_loop_hides),
    TEST_ENTRY(run_counts_timeouts),
    TEST_ENTRY(run_idle_connections),
    TEST_ENTRY(run_ramp_opens_every_connection),
    TEST_ENTRY(run_from_several_source_addresses),
    TEST_ENTRY(run_ipv6_and_hostname_targets),
    TEST_ENTRY(run_warmup_is_excluded),
    TEST_ENTRY(run_json_to_stdout),
    TEST_ENTRY(run_start_at_in_the_past_reports_lateness),
    TEST_ENTRY(run_start_at_delays_the_measured_window),
    TEST_ENTRY(run_two_generators_merge),
    TEST_ENTRY(run_shows_progress_on_a_terminal),
    TEST_ENTRY(run_refused_connection_is_a_clear_error),
    TEST_ENTRY(run_more_connections_than_the_fd_limit_is_a_clear_error),
    TEST_ENTRY(run_bad_option_exits_2),
};

int testlib_failed;

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s <c10k-load> <c10k-stub-server> [tests...]\n", argv[0]);
        return 2;
    }
    client_bin = argv[1];
    stub_bin = argv[2];
    return testlib_run(cases, sizeof cases / sizeof cases[0], argc - 2, argv + 2);
}
