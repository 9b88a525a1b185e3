/* The claims judged from synthetic sessions: records filled with what each claim reads. */
#include "claims.h"
#include "scenarios.h"
#include "servers.h"
#include "testlib.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* A run of a server (as it is) in a scenario, ok, with a client that reported. */
static struct run_record *add_run(struct session_record *s, int scn, int srv, double level, int rep)
{
    struct run_record *r = record_session_add_run(s);
    char id[64];
    snprintf(id, sizeof id, "%s-%s-%.0f-r%d", bench_scenarios[scn].name, bench_servers[srv].name,
             level, rep);
    record_set_str(&r->id, id);
    record_set_str(&r->scenario, bench_scenarios[scn].name);
    record_set_str(&r->model, bench_servers[srv].name);
    record_set_str(&r->mode, bench_servers[srv].name);
    record_set_str(&r->status, "ok");
    r->scn = &bench_scenarios[scn];
    r->srv = &bench_servers[srv];
    r->variant = 0;
    r->level = r->concurrency = level;
    r->repetition = rep;
    r->client.present = 1;
    return r;
}

/* A scale run with what the claims read: throughput, p99, CPU and switches per request, memory
 * per connection, and which side set the pace. */
static struct run_record *scale_run(struct session_record *s, int srv, double level, int rep,
                                    double rps, double cpu_us, double ctx_per_request,
                                    const char *bottleneck)
{
    struct run_record *r = add_run(s, SCN_SCALE, srv, level, rep);
    r->load_bound = strcmp(bottleneck, "load generator") == 0;
    r->saturation.present = 1;
    record_set_str(&r->saturation.bottleneck, bottleneck);
    r->saturation.server_cpus = 1;
    r->client.requests_per_s = r->client.good_per_s = rps;
    r->client.latency_us.present = 1;
    r->client.latency_us.p99 = 1000;
    r->server.present = 1;
    r->server.cpu_us_per_request = cpu_us;
    r->server.ctx_per_request = ctx_per_request;
    r->per_connection.present = 1;
    r->per_connection.total_bytes = srv == SRV_THREAD ? 40000 : 4000;
    return r;
}

static const json_t *claim_by_id(const struct session_record *s, const char *cid)
{
    size_t i;
    json_t *c;
    json_array_foreach(s->claims, i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "id")), cid) == 0)
            return c;
    }
    return NULL;
}

static const char *str_of(const json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

static double figure_of(const json_t *claim, const char *name)
{
    json_t *v = json_object_get(json_object_get(claim, "figures"), name);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* Whether a line of the headline begins with text. */
static int has_line(const struct session_record *s, const char *text)
{
    size_t i;
    json_t *m;
    json_array_foreach(s->headline, i, m)
    {
        if (strncmp(json_string_value(m), text, strlen(text)) == 0)
            return 1;
    }
    return 0;
}

/* Whether a surprise begins with text. */
static int surprised(const struct session_record *s, const char *text)
{
    size_t i;
    json_t *m;
    json_array_foreach(s->surprises, i, m)
    {
        if (strncmp(json_string_value(m), text, strlen(text)) == 0)
            return 1;
    }
    return 0;
}

TEST(claims_judge_without_data)
{
    struct session_record s;
    record_session_init(&s);
    claims_build(&s);
    CHECK_INT_EQ(json_array_size(s.claims), 10);
    for (size_t i = 0; i < json_array_size(s.claims); i++) {
        json_t *c = json_array_get(s.claims, i);
        CHECK_STR_EQ(str_of(c, "verdict"), "not measured");
        CHECK(json_is_string(json_object_get(c, "thresholds")));
        CHECK(json_is_true(json_object_get(c, "stable")));
    }
    CHECK(json_is_array(s.headline));
    /* The headline is the verdicts' line alone. */
    CHECK_INT_EQ(json_array_size(s.headline), 1);
    CHECK(strncmp(json_string_value(json_array_get(s.headline, 0)),
                  "claims: stack not measured; resources not measured;", 51) == 0);
    record_session_free(&s);
}

TEST(claims_blame_switching_when_its_cost_grows_with_threads)
{
    struct session_record s;
    record_session_init(&s);
    scale_run(&s, SRV_THREAD, 10, 1, 90000, 10, 1.0, "server");
    scale_run(&s, SRV_LOOP, 10, 1, 150000, 6, 0.05, "server");
    scale_run(&s, SRV_THREAD, 10000, 1, 50000, 20, 1.0, "server");
    scale_run(&s, SRV_LOOP, 10000, 1, 100000, 10, 0.05, "load generator");
    s.calibration.present = s.calibration.context_switch.present = 1;
    s.calibration.context_switch.switch_cost_ns = 2000;
    claims_build(&s);
    const json_t *c = claim_by_id(&s, "switching");
    CHECK_STR_EQ(str_of(c, "verdict"), "holds");
    /* (10 - 6) / 1.0 and (20 - 10) / 1.0 µs per switch; the direct cost beside them. */
    CHECK(fabs(figure_of(c, "total_switch_us_at_10") - 4.0) < 1e-9);
    CHECK(fabs(figure_of(c, "total_switch_us_at_10000") - 10.0) < 1e-9);
    CHECK(fabs(figure_of(c, "direct_switch_us") - 2.0) < 1e-9);
    CHECK(strstr(str_of(c, "measured"), "direct 2.00 µs") != NULL);
    /* The loop's run at 10,000 was load-bound: its p99 decides nothing. */
    const json_t *e = claim_by_id(&s, "efficiency");
    CHECK(json_is_null(json_object_get(json_object_get(e, "figures"), "p99_ratio_at_10000")));
    CHECK(strstr(str_of(e, "measured"), "not compared") != NULL);
    /* ... and the headline compares that level by CPU per request. */
    CHECK(strstr(json_string_value(json_array_get(s.headline, 0)), "load-bound") != NULL);
    record_session_free(&s);
}

TEST(claims_see_no_harm_when_throughput_holds)
{
    struct session_record s;
    record_session_init(&s);
    scale_run(&s, SRV_THREAD, 10, 1, 90000, 10, 1.0, "server");
    scale_run(&s, SRV_LOOP, 10, 1, 150000, 6, 0.05, "server");
    scale_run(&s, SRV_THREAD, 10000, 1, 88000, 10.5, 1.0, "server");
    scale_run(&s, SRV_LOOP, 10000, 1, 100000, 10, 0.05, "server");
    claims_build(&s);
    const json_t *c = claim_by_id(&s, "switching");
    CHECK_STR_EQ(str_of(c, "verdict"), "does not hold");
    CHECK(json_is_true(json_object_get(c, "surprising")));
    record_session_free(&s);
}

/* The loop decides the verdict; the servers the table puts beside it (uring, nginx) are quoted
 * at the same level, in the table's order, and change nothing. */
TEST(claims_quote_the_servers_beside_the_loop)
{
    struct session_record without, with;
    record_session_init(&without);
    record_session_init(&with);
    struct session_record *both[] = {&without, &with};
    for (int k = 0; k < 2; k++) {
        scale_run(both[k], SRV_THREAD, 1000, 1, 90000, 20, 1.0, "server");
        scale_run(both[k], SRV_LOOP, 1000, 1, 150000, 6, 0.05, "server");
    }
    scale_run(&with, SRV_NGINX, 1000, 1, 160000, 5, 0.01, "server");
    scale_run(&with, SRV_URING, 1000, 1, 170000, 4.5, 0.02, "server");
    claims_build(&without);
    claims_build(&with);
    const json_t *e0 = claim_by_id(&without, "efficiency"), *e1 = claim_by_id(&with, "efficiency");
    CHECK_STR_EQ(str_of(e1, "verdict"), str_of(e0, "verdict"));
    const char *m = str_of(e1, "measured");
    const char *u = strstr(m, "Beside the loop, uring at 1000: 4.5 µs of CPU per request");
    const char *n = strstr(m, "Beside the loop, nginx at 1000: 5.0 µs of CPU per request");
    CHECK(u != NULL && n != NULL && u < n);
    CHECK(strstr(str_of(e0, "measured"), "Beside") == NULL);
    /* The headline quotes every server that ran at its level, in the table's order. */
    const char *h = json_string_value(json_array_get(with.headline, 0));
    CHECK(h != NULL && strstr(h, " loop 150000 req/s") != NULL);
    CHECK(h != NULL && strstr(h, " uring 170000 req/s") != NULL);
    CHECK(h != NULL && strstr(h, " loop ") < strstr(h, " uring "));
    CHECK(h != NULL && strstr(h, " uring ") < strstr(h, " nginx "));
    record_session_free(&without);
    record_session_free(&with);
}

/* An idle run with memory per connection (user + kernel). */
static struct run_record *idle_run(struct session_record *s, int srv, double level, double bytes)
{
    struct run_record *r = add_run(s, SCN_IDLE, srv, level, 1);
    r->server.present = 1;
    r->server.cpu_us_per_request = 30;
    r->per_connection.present = 1;
    r->per_connection.total_bytes = bytes;
    return r;
}

/* A server the table puts beside a model other than the loop (process beside thread, each Apache
 * MPM beside its look-alike) is quoted with that model: in resources at the highest idle level
 * both ran, in efficiency at 100 and 1,000 connections with how busy each side was. */
TEST(claims_quote_each_server_beside_its_look_alike)
{
    struct session_record s;
    record_session_init(&s);
    idle_run(&s, SRV_THREAD, 10000, 40000);
    idle_run(&s, SRV_LOOP, 10000, 4000);
    static const int lookalikes[] = {SRV_THREAD,      SRV_POOL,           SRV_PREFORK,
                                     SRV_PROCESS,     SRV_APACHE_PREFORK, SRV_APACHE_WORKER,
                                     SRV_APACHE_EVENT};
    for (size_t i = 0; i < sizeof lookalikes / sizeof lookalikes[0]; i++) {
        int srv = lookalikes[i];
        idle_run(&s, srv, 1000, 1000.0 * (double)(i + 10));
        for (int level = 100; level <= 1000; level *= 10) {
            struct run_record *r =
                scale_run(&s, srv, level, 1, 10000, 10.0 + (double)i, 1.0, "server");
            r->saturation.server_busy = 0.5 + 0.05 * (double)i;
            r->saturation.client_busy = 0.4;
        }
    }
    claims_build(&s);
    const char *m = str_of(claim_by_id(&s, "resources"), "measured");
    CHECK(m != NULL && strstr(m, " process beside thread at 1000: 30.0 against 30.0 µs of CPU per "
                                 "request, 12.7 KiB against 9.8 KiB per connection.") != NULL);
    CHECK(m != NULL && strstr(m, " apache-prefork beside prefork at 1000:") != NULL);
    CHECK(m != NULL && strstr(m, " apache-worker beside thread at 1000:") != NULL);
    CHECK(m != NULL && strstr(m, " apache-event beside pool at 1000:") != NULL);
    const char *e = str_of(claim_by_id(&s, "efficiency"), "measured");
    for (int level = 100; level <= 1000; level *= 10) {
        char want[256];
        snprintf(want, sizeof want,
                 " apache-event beside pool at %d: 16.0 against 11.0 µs of CPU per request, 3.9 "
                 "KiB against 3.9 KiB per connection; server CPUs 80%% and 55%% busy, load "
                 "generator 40%% and 40%%.",
                 level);
        CHECK(e != NULL && strstr(e, want) != NULL);
        snprintf(want, sizeof want, " process beside thread at %d: 13.0 against 10.0 µs", level);
        CHECK(e != NULL && strstr(e, want) != NULL);
    }
    record_session_free(&s);
}

TEST(claims_mark_a_verdict_that_changes_between_repetitions)
{
    struct session_record s;
    record_session_init(&s);
    /* Repetition 1: the thread server falls past 5,000; repetition 2: it does not. */
    scale_run(&s, SRV_THREAD, 10, 1, 90000, 10, 1.0, "server");
    scale_run(&s, SRV_LOOP, 10, 1, 150000, 6, 0.05, "server");
    scale_run(&s, SRV_THREAD, 10000, 1, 50000, 20, 1.0, "server");
    scale_run(&s, SRV_LOOP, 10000, 1, 100000, 10, 0.05, "server");
    scale_run(&s, SRV_THREAD, 10, 2, 90000, 10, 1.0, "server");
    scale_run(&s, SRV_LOOP, 10, 2, 150000, 6, 0.05, "server");
    scale_run(&s, SRV_THREAD, 10000, 2, 88000, 10.5, 1.0, "server");
    scale_run(&s, SRV_LOOP, 10000, 2, 100000, 10, 0.05, "server");
    s.repeat = 2;
    claims_build(&s);
    const json_t *c = claim_by_id(&s, "switching");
    CHECK_STR_EQ(str_of(c, "verdict"), "unstable");
    CHECK(json_is_false(json_object_get(c, "stable")));
    json_t *v = json_object_get(c, "verdicts");
    CHECK_STR_EQ(json_string_value(json_array_get(v, 0)), "holds");
    CHECK_STR_EQ(json_string_value(json_array_get(v, 1)), "does not hold");
    json_t *fall = json_object_get(json_object_get(c, "spread"), "capacity_fall");
    CHECK(json_number_value(json_array_get(fall, 0)) < 0.05);
    CHECK(json_number_value(json_array_get(fall, 1)) > 0.4);
    CHECK(strstr(str_of(c, "unstable"), "capacity_fall") != NULL);
    /* The memory claim decides the same way both times. */
    CHECK(json_is_true(json_object_get(claim_by_id(&s, "efficiency"), "stable")));
    record_session_free(&s);
}

TEST(claims_judge_idle_threads_by_their_own_switches)
{
    struct session_record s;
    record_session_init(&s);
    struct run_record *r = add_run(&s, SCN_IDLE, SRV_THREAD, 10000, 1);
    r->idle_threads.present = 1;
    r->idle_threads.threads = 10000;
    r->idle_threads.switches_per_thread_per_s = 0.0002;
    r->idle_threads.cpu_us_per_thread_per_s = 0;
    r->idle_threads.window_s = 4;
    r->idle_threads.switches = 8;
    claims_build(&s);
    const json_t *c = claim_by_id(&s, "idle");
    CHECK_STR_EQ(str_of(c, "verdict"), "does not hold");
    CHECK(strstr(str_of(c, "measured"), "0.0002 times a second") != NULL);
    record_session_free(&s);
}

/* The files come from the server table: each model's, then the file some of them share. */
TEST(claims_count_each_models_code_from_the_table)
{
    struct session_record s;
    record_session_init(&s);
    s.code_size = json_pack("{s:i, s:i, s:i, s:i}", "mode_thread.c", 160, "mode_pool.c", 370,
                            "mode_loop.c", 600, "blocking.c", 250);
    claims_build(&s);
    const json_t *c = claim_by_id(&s, "correctness");
    CHECK_STR_EQ(str_of(c, "measured"),
                 "Not a benchmark's question. The one measurable fact here is the size of each "
                 "model's code: mode_thread.c 160 lines, mode_pool.c 370, mode_loop.c 600 "
                 "(blocking.c, 250 lines, is shared by thread and pool).");
    CHECK(figure_of(c, "mode_pool_lines") == 370);
    /* A model quoted beside the loop whose file was not counted is left out. */
    CHECK(!json_object_get(json_object_get(c, "figures"), "mode_uring_lines"));
    record_session_free(&s);
}

/* A pool's client errors are its size showing: said once, not listed as a fault of the run. */
TEST(claims_say_once_that_a_busy_pool_has_errors)
{
    struct session_record s;
    record_session_init(&s);
    struct run_record *p = add_run(&s, SCN_BLOCKING, SRV_POOL, 64, 1);
    record_set_status(p, "errors", "client errors: 12");
    struct run_record *t = add_run(&s, SCN_BLOCKING, SRV_THREAD, 64, 1);
    record_set_status(t, "errors", "client errors: 3");
    claims_build(&s);
    CHECK(surprised(&s, "blocking-thread-64-r1: client errors: 3"));
    CHECK(!surprised(&s, "blocking-pool-64-r1: client errors"));
    CHECK(surprised(&s, "The pool had client errors (blocking-pool-64-r1: client errors: 12)"));
    record_session_free(&s);
}

/* A container run: its level's status and what the engine and the cgroup said. */
static struct run_record *container_run(struct session_record *s, int scn, int srv, double level,
                                        double held, int oom_killed)
{
    struct run_record *r = add_run(s, scn, srv, level, 1);
    r->held_connections = held;
    r->docker.present = r->docker.server.present = 1;
    r->docker.server.state.present = r->docker.server.cgroup.present = 1;
    r->docker.server.state.oom_killed = oom_killed;
    r->docker.server.state.exit_code = oom_killed ? 137 : 0;
    r->docker.server.cgroup.memory_peak_bytes = 64 << 20;
    r->docker.server.cgroup.pids_peak = srv == SRV_THREAD ? held + 1 : 2;
    if (oom_killed)
        record_set_status(r, "failed", "the server was OOM-killed");
    return r;
}

/* A Docker session is judged on the container claims whose scenario ran, by the table's rows. */
TEST(claims_judge_a_docker_session_on_its_container_claims)
{
    struct session_record s;
    record_session_init(&s);
    s.docker.rest = json_object();
    record_set_str(&s.docker.limits.memory_memory, "128m");
    container_run(&s, SCN_MEMORY, SRV_THREAD, 400, 400, 0);
    container_run(&s, SCN_MEMORY, SRV_THREAD, 800, 0, 1);
    container_run(&s, SCN_MEMORY, SRV_LOOP, 800, 800, 0);
    claims_build(&s);
    CHECK_INT_EQ(json_array_size(s.claims), 1);
    const json_t *c = claim_by_id(&s, "oom");
    CHECK_STR_EQ(str_of(c, "verdict"), "holds");
    CHECK_STR_EQ(str_of(c, "measured"),
                 "Thread mode was OOM-killed at 800 connections (engine: OOMKilled, exit 137) "
                 "after holding 400 at a lower level; loop mode held 800 connections in 64.00 MiB "
                 "at peak under 128m.");
    CHECK(surprised(&s, "Containers talk over a bridge"));
    record_session_free(&s);
}

TEST(claims_find_the_pids_limit_where_thread_creation_is_refused)
{
    struct session_record s;
    record_session_init(&s);
    s.docker.rest = json_object();
    s.docker.limits.constrained_pids = 512;
    container_run(&s, SCN_CONSTRAINED, SRV_THREAD, 400, 400, 0);
    struct run_record *r = container_run(&s, SCN_CONSTRAINED, SRV_THREAD, 800, 512, 0);
    record_set_status(r, "errors", "the pids limit (512) refused 300 thread creations");
    r->docker.server.cgroup.pids_refused = 300;
    container_run(&s, SCN_CONSTRAINED, SRV_LOOP, 800, 800, 0);
    claims_build(&s);
    CHECK_INT_EQ(json_array_size(s.claims), 3);
    CHECK_STR_EQ(str_of(claim_by_id(&s, "pids"), "verdict"), "holds");
    CHECK(figure_of(claim_by_id(&s, "pids"), "pids_refused") == 300);
    const json_t *l = claim_by_id(&s, "loop");
    CHECK_STR_EQ(str_of(l, "verdict"), "holds");
    CHECK(figure_of(l, "thread_held_connections") == 512);
    CHECK(!claim_by_id(&s, "oom"));
    record_session_free(&s);
}

/* A Docker session where no container scenario ran judges no claim, and says so. */
TEST(claims_judge_nothing_in_a_docker_session_without_its_scenarios)
{
    struct session_record s;
    record_session_init(&s);
    s.docker.rest = json_object();
    scale_run(&s, SRV_THREAD, 50, 1, 9000, 20, 1.0, "server");
    scale_run(&s, SRV_LOOP, 50, 1, 15000, 10, 0.05, "server");
    claims_build(&s);
    CHECK_INT_EQ(json_array_size(s.claims), 0);
    const char *last =
        json_string_value(json_array_get(s.headline, json_array_size(s.headline) - 1));
    CHECK_STR_EQ(last, "claims: none judged (no scenario of this session answers one)");
    record_session_free(&s);
}

/* A cpu run of a Python (or C) server: its throughput, CPUs and where its threads ran. */
static struct run_record *cpu_run(struct session_record *s, int srv, double level, double rps,
                                  double cores, double busiest)
{
    struct run_record *r = add_run(s, SCN_CPU, srv, level, 1);
    r->client.requests_per_s = r->client.good_per_s = rps;
    r->client.latency_us.present = 1;
    r->client.latency_us.p99 = 20000;
    r->server.present = 1;
    r->server.cpu_cores = cores;
    r->server.rss_bytes = 30e6;
    if (isfinite(busiest)) {
        r->placement.present = 1;
        r->placement.busiest_cpu_share = busiest;
        r->placement.cpus_busy = busiest >= 0.9 ? 1 : 2;
        r->placement.threads = level + 1;
        r->placement.threads_multi_cpu = busiest >= 0.9 ? 0 : level;
        r->placement.processes = srv == SRV_PY_PROCESSPOOL ? 3 : 1;
        r->placement.migrations = 100;
    }
    return r;
}

/* py-threads and py-threadpool at 1 and 32 connections (throughput x speedup, placement's
 * busiest share), the process pool doubling on 2 CPUs, the C thread server on thread_cores. */
static void gil_session(struct session_record *s, double speedup, double busiest,
                        double thread_cores)
{
    record_session_init(s);
    s->cpus_allowed = 2;
    cpu_run(s, SRV_PY_THREADS, 1, 1000, 1.0, busiest);
    cpu_run(s, SRV_PY_THREADS, 32, 1000 * speedup, speedup > 1.3 ? 1.9 : 1.0, busiest);
    cpu_run(s, SRV_PY_THREADPOOL, 1, 900, 1.0, busiest);
    cpu_run(s, SRV_PY_THREADPOOL, 32, 900 * speedup, 1.0, busiest);
    cpu_run(s, SRV_PY_PROCESSPOOL, 1, 800, 1.0, 0.5)->server.rss_bytes = 30e6;
    cpu_run(s, SRV_PY_PROCESSPOOL, 32, 1600, 1.9, 0.5)->server.rss_bytes = 70e6;
    cpu_run(s, SRV_THREAD, 1, 2000, 1.0, 0.5);
    cpu_run(s, SRV_THREAD, 32, 3800, thread_cores, 0.5);
    claims_build(s);
}

TEST(claims_tell_no_speedup_from_pinned_to_one_cpu)
{
    struct session_record s;
    /* Flat throughput, CPU time spread over both CPUs: no speed-up, but not pinned. */
    gil_session(&s, 1.0, 0.55, 1.9);
    const json_t *c = claim_by_id(&s, "python_gil");
    CHECK_STR_EQ(str_of(c, "verdict"), "partly");
    CHECK(json_is_true(json_object_get(c, "surprising")));
    CHECK(strstr(str_of(c, "note"), "not pinned") != NULL);
    CHECK(figure_of(c, "py_threads_max_cpus") == 1.0);
    CHECK(figure_of(c, "py_threads_speedup") == 1.0);
    CHECK(figure_of(c, "py_threads_busiest_cpu_share") == 0.55);
    CHECK(figure_of(c, "py_processpool_speedup") == 2.0);
    CHECK(figure_of(c, "thread_max_cpus") == 1.9);
    CHECK(strstr(str_of(c, "headline"), "py-threads at most 1.00 CPUs") != NULL);
    CHECK(has_line(&s, "python_gil partly: py-threads at most 1.00 CPUs"));
    record_session_free(&s);
    /* Flat and 95% on one CPU: the claim as made. */
    gil_session(&s, 1.0, 0.95, 1.9);
    c = claim_by_id(&s, "python_gil");
    CHECK_STR_EQ(str_of(c, "verdict"), "holds");
    CHECK(!json_is_true(json_object_get(c, "surprising")));
    record_session_free(&s);
    /* Threads that use both CPUs (a free-threaded interpreter). */
    gil_session(&s, 1.9, 0.55, 1.9);
    CHECK_STR_EQ(str_of(claim_by_id(&s, "python_gil"), "verdict"), "does not hold");
    record_session_free(&s);
    /* A machine so busy that the C thread server used 1.1 CPUs: no judgement. */
    gil_session(&s, 1.0, 0.95, 1.1);
    c = claim_by_id(&s, "python_gil");
    CHECK_STR_EQ(str_of(c, "verdict"), "not measured");
    CHECK(strstr(str_of(c, "note"), "Not judged") != NULL);
    CHECK(strstr(str_of(c, "measured"), "py-threads: 1000 req/s at 1 on 1.00 CPUs") != NULL);
    record_session_free(&s);
}

/* A blocking run of a Python server (the pools' sized variant) at a level, /sleep?ms=50. */
static void sleep_run(struct session_record *s, int srv, double level, double rps, double errors)
{
    struct run_record *r = add_run(s, SCN_BLOCKING, srv, level, 1);
    r->variant = srv == SRV_PY_THREADPOOL || srv == SRV_PY_PROCESSPOOL ? 1 : 0;
    record_set_str(&r->path, "/sleep?ms=50");
    r->client.requests_per_s = r->client.good_per_s = rps;
    r->client.errors.total = errors;
    r->client.latency_us.present = 1;
    r->client.latency_us.p99 = 60000;
}

TEST(claims_judge_waiting_threads_against_asyncio)
{
    struct session_record s;
    record_session_init(&s);
    sleep_run(&s, SRV_PY_THREADS, 64, 1250, 0);
    sleep_run(&s, SRV_PY_ASYNCIO, 64, 1260, 0);
    sleep_run(&s, SRV_PY_PROCESSPOOL, 64, 310, 0);
    sleep_run(&s, SRV_PY_THREADS, 1024, 4000, 0);
    sleep_run(&s, SRV_PY_ASYNCIO, 1024, 9000, 0);
    sleep_run(&s, SRV_PY_PROCESSPOOL, 1024, 310, 700);
    claims_build(&s);
    const json_t *c = claim_by_id(&s, "python_waiting");
    /* Fine at 64 (99% of asyncio's), not at 1,024 (44%). */
    CHECK_STR_EQ(str_of(c, "verdict"), "partly");
    CHECK(fabs(figure_of(c, "threads_over_asyncio_at_1024") - 4000.0 / 9000) < 1e-9);
    CHECK(fabs(figure_of(c, "processpool_share_of_ideal_at_64") - 310.0 / 1280) < 1e-9);
    CHECK(strstr(str_of(c, "measured"), "700 errors") != NULL);
    record_session_free(&s);
}

TEST(claims_weigh_the_process_pool_against_the_thread_pool)
{
    struct session_record s;
    gil_session(&s, 1.0, 0.55, 1.9);
    s.calibration.present = s.calibration.python.present = 1;
    s.calibration.python.workers = 2;
    s.calibration.python.thread_pool_task_1kib_us = 25;
    s.calibration.python.process_pool_task_1kib_us = 200;
    s.calibration.python.thread_pool_task_1mib_us = 30;
    s.calibration.python.process_pool_task_1mib_us = 9000;
    s.calibration.python.thread_pool_start_us = 300;
    s.calibration.python.process_pool_start_us = 90000;
    json_decref(s.claims);
    s.claims = NULL;
    claims_build(&s);
    const json_t *c = claim_by_id(&s, "python_pools");
    /* Faster on /work (1,600 against 900 at 32), slower per task: partly. */
    CHECK_STR_EQ(str_of(c, "verdict"), "partly");
    CHECK(fabs(figure_of(c, "work_rate_ratio") - 1600.0 / 900) < 1e-9);
    CHECK(figure_of(c, "task_1mib_ratio") == 300);
    /* (70 MB - 30 MB) over the 2 workers. */
    CHECK(figure_of(c, "process_worker_rss_bytes") == 20e6);
    CHECK(!json_is_true(json_object_get(c, "surprising")));
    record_session_free(&s);
}

/* A data set run with its processes' private bytes. */
static void data_run(struct session_record *s, int srv, double processes, double uss,
                     double per_worker, double keys)
{
    struct run_record *r = add_run(s, SCN_DATASET, srv, 64, 1);
    r->client.total_requests = keys;
    r->server.present = r->server.tree.present = 1;
    r->server.tree.processes = processes;
    r->server.tree.uss_bytes = uss;
    r->server.tree.pss_bytes = DATASET_BYTES;
    r->server.tree.uss_per_worker_bytes = per_worker;
    r->server.tree.uss_per_worker_baseline_bytes = per_worker / 2;
}

TEST(claims_quote_a_python_workers_private_bytes_beside_prefork)
{
    struct session_record s;
    record_session_init(&s);
    data_run(&s, SRV_PREFORK, 3, 4e6, 1e6, 300000);
    data_run(&s, SRV_THREAD, 1, 1.01 * DATASET_BYTES, 1.01 * DATASET_BYTES, 300000);
    /* The pool's two workers wrote the reference counts of the first 26,214 keys' objects. */
    data_run(&s, SRV_PY_PROCESSPOOL, 3, 6e6, 2.5e6, DATASET_KEYS / 10);
    data_run(&s, SRV_PY_THREADS, 1, 1.2 * DATASET_BYTES, 1.2 * DATASET_BYTES, 80000);
    claims_build(&s);
    const json_t *c = claim_by_id(&s, "copies");
    /* Neither C's workers nor Python's hold half a data set each. */
    CHECK_STR_EQ(str_of(c, "verdict"), "does not hold");
    CHECK(fabs(figure_of(c, "reads_private_data_sets_per_worker") - 2.5e6 / DATASET_BYTES) < 1e-12);
    CHECK(figure_of(c, "py-processpool_reads_private_per_worker_bytes") == 2.5e6);
    CHECK(figure_of(c, "prefork_reads_private_per_worker_bytes") == 1e6);
    CHECK(figure_of(c, "python_reads_private_per_worker_bytes") == 2.5e6);
    CHECK(fabs(figure_of(c, "python_reads_keys_share") - 26214.0 / DATASET_KEYS) < 1e-9);
    CHECK(strstr(str_of(c, "measured"), "py-threads: 1 process") != NULL);
    const char *note = str_of(c, "note");
    CHECK(strstr(note, "each of py-processpool's 2 workers held 2.38 MiB alone after the server "
                       "read 10% of the keys") != NULL);
    CHECK(strstr(note, "prefork's 976.6 KiB") != NULL);
    /* Half of it was there before the load: 1.25 MB over 26,214 keys, then every key. */
    CHECK(fabs(figure_of(c, "python_reads_private_bytes_per_key") - 1.25e6 / 26214) < 1e-9);
    CHECK(strstr(note, "48 bytes per key read over its bytes before the load, so about 13.11 MiB "
                       "(0.05 data sets) once every key is read") != NULL);
    record_session_free(&s);
}

TEST_MAIN(TEST_ENTRY(claims_judge_without_data),
          TEST_ENTRY(claims_quote_a_python_workers_private_bytes_beside_prefork),
          TEST_ENTRY(claims_tell_no_speedup_from_pinned_to_one_cpu),
          TEST_ENTRY(claims_judge_waiting_threads_against_asyncio),
          TEST_ENTRY(claims_weigh_the_process_pool_against_the_thread_pool),
          TEST_ENTRY(claims_blame_switching_when_its_cost_grows_with_threads),
          TEST_ENTRY(claims_see_no_harm_when_throughput_holds),
          TEST_ENTRY(claims_quote_the_servers_beside_the_loop),
          TEST_ENTRY(claims_quote_each_server_beside_its_look_alike),
          TEST_ENTRY(claims_mark_a_verdict_that_changes_between_repetitions),
          TEST_ENTRY(claims_judge_idle_threads_by_their_own_switches),
          TEST_ENTRY(claims_count_each_models_code_from_the_table),
          TEST_ENTRY(claims_say_once_that_a_busy_pool_has_errors),
          TEST_ENTRY(claims_judge_a_docker_session_on_its_container_claims),
          TEST_ENTRY(claims_find_the_pids_limit_where_thread_creation_is_refused),
          TEST_ENTRY(claims_judge_nothing_in_a_docker_session_without_its_scenarios))
