/* c10k-bench's parts that need no server: /proc parsers, the load generators' outputs, the
 * plan, the limits check, the CSV and the script-safe JSON of the report. */
#include "calib.h"
#include "claims.h"
#include "env.h"
#include "loadgen.h"
#include "perf.h"
#include "report.h"
#include "results.h"
#include "run.h"
#include "sample.h"
#include "scenarios.h"
#include "testlib.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

TEST(sample_parses_meminfo)
{
    const char *text = "MemTotal:       24000000 kB\nKernelStack:       12345 kB\n"
                       "PageTables:         678 kB\nSUnreclaim:    90 kB\nSlab: 1 kB\n";
    uint64_t ks = 0, pt = 0, su = 0;
    CHECK_INT_EQ(sample_parse_meminfo(text, &ks, &pt, &su), 0);
    CHECK_INT_EQ(ks, 12345 * 1024);
    CHECK_INT_EQ(pt, 678 * 1024);
    CHECK_INT_EQ(su, 90 * 1024);
    CHECK_INT_EQ(sample_parse_meminfo("MemTotal: 1 kB\n", &ks, &pt, &su), -EINVAL);
}

TEST(sample_parses_sockstat)
{
    const char *text = "sockets: used 190\nTCP: inuse 12 orphan 0 tw 7 alloc 15 mem 3\n"
                       "UDP: inuse 1 mem 2\n";
    uint64_t mem = 0, inuse = 0, tw = 0;
    CHECK_INT_EQ(sample_parse_sockstat(text, &mem, &inuse, &tw), 0);
    CHECK_INT_EQ(mem, 3);
    CHECK_INT_EQ(inuse, 12);
    CHECK_INT_EQ(tw, 7);
    CHECK_INT_EQ(sample_parse_sockstat("sockets: used 1\n", &mem, &inuse, &tw), -EINVAL);
}

TEST(sample_parses_schedstat)
{
    uint64_t run = 0, wait = 0, slices = 0;
    CHECK_INT_EQ(sample_parse_schedstat("123456 789 42\n", &run, &wait, &slices), 0);
    CHECK_INT_EQ((long long)run, 123456);
    CHECK_INT_EQ((long long)wait, 789);
    CHECK_INT_EQ((long long)slices, 42);
    CHECK_INT_EQ(sample_parse_schedstat("12 x\n", &run, &wait, &slices), -EINVAL);
}

TEST(sample_reads_every_thread_of_this_process)
{
    struct task_snapshot snap;
    CHECK_INT_EQ(sample_tasks(getpid(), 0, &snap), 0);
    CHECK(snap.n >= 1);
    CHECK_INT_EQ(snap.tasks[0].tid, (int)getpid());
    sample_tasks_free(&snap);
}

TEST(cgmem_parses_a_v2_memory_stat)
{
    struct cgmem_reading r;
    const char *with_kernel = "anon 4096\nfile 0\nkernel 81920\nkernel_stack 16384\n"
                              "pagetables 8192\nsec_pagetables 0\npercpu 0\nsock 12288\n"
                              "slab 40960\nslab_reclaimable 1\n";
    CHECK_INT_EQ(cgmem_parse_v2_stat(with_kernel, &r), 0);
    CHECK(r.ok);
    /* Socket buffers are counted beside "kernel", not in it. */
    CHECK_INT_EQ((long long)r.kernel_bytes, 81920 + 12288);
    CHECK_INT_EQ((long long)r.kernel_stack_bytes, 16384);
    CHECK_INT_EQ((long long)r.page_tables_bytes, 8192);
    CHECK_INT_EQ((long long)r.slab_bytes, 40960);
    CHECK_INT_EQ((long long)r.sock_bytes, 12288);
    CHECK_INT_EQ((long long)r.user_bytes, 4096);
    /* Before Linux 5.18 there is no "kernel" line: the parts are summed. */
    const char *without = "anon 0\nkernel_stack 100\npagetables 20\npercpu 3\nsock 7\nslab 1000\n";
    CHECK_INT_EQ(cgmem_parse_v2_stat(without, &r), 0);
    CHECK_INT_EQ((long long)r.kernel_bytes, 100 + 20 + 3 + 1000 + 7);
    CHECK_INT_EQ(cgmem_parse_v2_stat("anon 1\n", &r), -EINVAL);
}

TEST(sample_reads_this_process)
{
    struct sample s;
    CHECK_INT_EQ(sample_take(getpid(), 1.5, 1, &s), 0);
    CHECK(s.alive);
    CHECK(s.rss_bytes > 0);
    CHECK(s.threads >= 1);
    CHECK(s.fds >= 3);
    CHECK(s.machine_ctxt > 0);
    CHECK(s.kernel_stack_bytes > 0);
    CHECK_INT_EQ(sample_take(0x7ffffff0, 0, 0, &s), -ESRCH);
}

TEST(run_names_what_limited_a_run)
{
    CHECK_STR_EQ(run_bottleneck(0.97, 0.99, 0), "server");
    CHECK_STR_EQ(run_bottleneck(0.90, 0.50, 0), "server");
    CHECK_STR_EQ(run_bottleneck(0.75, 0.95, 0), "load generator");
    CHECK_STR_EQ(run_bottleneck(0.60, 0.40, 0), "neither");
    CHECK_STR_EQ(run_bottleneck(0.60, NAN, 0), "unknown");
    CHECK_STR_EQ(run_bottleneck(0.10, 0.10, 1), "fixed rate");
}

TEST(run_parses_stub_status)
{
    const char *text = "Active connections: 1 \nserver accepts handled requests\n 5 5 17 \n"
                       "Reading: 0 Writing: 1 Waiting: 0 \n";
    CHECK_INT_EQ(run_parse_stub_status(text), 17);
    CHECK_INT_EQ(run_parse_stub_status("nothing"), -EINVAL);
}

static const char wrk_output[] =
    "Running 2s test @ http://127.0.0.1:1/plaintext\n  1 threads and 10 connections\n"
    "C10K-WRK-JSON {\"duration_us\":2000000,\"requests\":5000,\"bytes\":650000,"
    "\"errors\":{\"connect\":0,\"read\":1,\"write\":0,\"status\":2,\"timeout\":3},"
    "\"latency\":{\"min\":10,\"max\":900,\"mean\":55.5,\"stdev\":4.0,"
    "\"percentiles\":[[50,40],[90,70],[99,300],[99.9,800],[100,900]]}}\n";

TEST(loadgen_parses_wrk)
{
    char err[256];
    json_t *c = loadgen_parse_wrk(wrk_output, err, sizeof err);
    CHECK(c != NULL);
    CHECK_INT_EQ(results_num(c, "requests"), 5000);
    CHECK(fabs(results_num(c, "requests_per_s") - 2500) < 1e-9);
    CHECK_INT_EQ(results_num(c, "errors.total"), 6);
    CHECK_INT_EQ(results_num(c, "errors.timeout"), 3);
    CHECK_INT_EQ(results_num(c, "good_requests"), 4998); /* the 2 status errors are answers */
    CHECK_INT_EQ(results_num(c, "latency_us.p50"), 40);
    CHECK_INT_EQ(results_num(c, "latency_us.p99_9"), 800);
    CHECK_INT_EQ(results_num(c, "latency_us.max"), 900);
    CHECK(json_is_null(results_get(c, "series")));
    CHECK_INT_EQ(json_array_size(results_get(c, "percentiles")), 5);
    json_decref(c);
    CHECK(loadgen_parse_wrk("Running 2s test\nno results\n", err, sizeof err) == NULL);
    CHECK(strstr(err, "no") != NULL);
}

TEST(loadgen_parses_c10k_load)
{
    const char *text =
        "{\"tool\":\"c10k-load\",\"summary\":{\"measured_s\":2.0,\"requests\":100,"
        "\"requests_per_s\":50.0,\"warmup_requests\":20,\"abandoned\":1,\"bytes_read\":1000,"
        "\"latency_us\":{\"count\":100,\"min\":1,\"mean\":5.0,\"p50\":4,\"p90\":8,\"p99\":9,"
        "\"p99_9\":10,\"max\":10},\"latency_uncorrected_us\":null,"
        "\"errors\":{\"total\":0,\"connect\":0,\"read\":0,\"write\":0,\"timeout\":0,"
        "\"parse\":0,\"status\":0},\"idle\":{\"connections\":5,\"requests\":3}},"
        "\"histograms\":{\"latency\":[[1,1,10],[4,4,40],[8,8,40],[10,10,10]]},"
        "\"timeseries\":[{\"t\":0,\"warmup\":true,\"requests_per_s\":10,\"p99_us\":9}]}";
    char err[256];
    json_t *c = loadgen_parse_load(text, err, sizeof err);
    CHECK(c != NULL);
    CHECK_INT_EQ(results_num(c, "total_requests"), 123);
    CHECK_INT_EQ(results_num(c, "abandoned"), 1);
    CHECK_INT_EQ(json_array_size(results_get(c, "series.t")), 1);
    CHECK(json_is_true(json_array_get(results_get(c, "series.warmup"), 0)));
    /* p50 of 100 values: the 50th is in the bucket [4,4]. */
    json_t *pcts = results_get(c, "percentiles");
    CHECK(json_array_size(pcts) == loadgen_n_percentiles);
    for (size_t i = 0; i < json_array_size(pcts); i++) {
        json_t *pv = json_array_get(pcts, i);
        if (json_number_value(json_array_get(pv, 0)) == 50)
            CHECK_INT_EQ(json_integer_value(json_array_get(pv, 1)), 4);
        if (json_number_value(json_array_get(pv, 0)) == 100)
            CHECK_INT_EQ(json_integer_value(json_array_get(pv, 1)), 10);
    }
    json_decref(c);
    CHECK(loadgen_parse_load("{}", err, sizeof err) == NULL);
    CHECK(loadgen_parse_load("not json", err, sizeof err) == NULL);
}

static int has_arg(const struct loadgen_argv *a, const char *s)
{
    for (int i = 0; i < a->argc; i++)
        if (strcmp(a->argv[i], s) == 0)
            return 1;
    return 0;
}

TEST(loadgen_builds_command_lines)
{
    struct run_spec r;
    memset(&r, 0, sizeof r);
    r.tool = TOOL_WRK;
    r.concurrency = 100;
    r.keepalive = 0;
    r.timeout_s = 5;
    struct loadgen_argv a;
    loadgen_build(&a, &r, "wrk", "/tmp/x.lua", "http://127.0.0.1:1/", 2.4, 0, 4, NULL);
    CHECK(has_arg(&a, "-c100"));
    CHECK(has_arg(&a, "-t4"));
    CHECK(has_arg(&a, "-d2s")); /* wrk takes whole seconds */
    CHECK(has_arg(&a, "Connection: close"));
    CHECK_STR_EQ(a.argv[a.argc - 1], "http://127.0.0.1:1/");
    CHECK(a.argv[a.argc] == NULL);

    r.tool = TOOL_LOAD;
    r.concurrency = 2;
    r.idle = 1000;
    r.rate = 500;
    r.ramp = 5000;
    r.keepalive = 1;
    loadgen_build(&a, &r, "c10k-load", NULL, "http://127.0.0.1:1/", 1.5, 0.5, 4, "/tmp/o.json");
    CHECK(has_arg(&a, "--idle"));
    CHECK(has_arg(&a, "--rate"));
    CHECK(has_arg(&a, "1.500s"));
    CHECK(has_arg(&a, "/tmp/o.json"));
    CHECK(!has_arg(&a, "--no-keepalive"));
    /* Never more client threads than connections. */
    CHECK(has_arg(&a, "--threads") && has_arg(&a, "2"));
    CHECK(!has_arg(&a, "--pipeline") && !has_arg(&a, "--requests"));

    /* The pipeline and instructions scenarios' runs. */
    r.pipeline = 16;
    r.requests = 2000;
    loadgen_build(&a, &r, "c10k-load", NULL, "http://127.0.0.1:1/", 1, 0, 1, NULL);
    CHECK(has_arg(&a, "--pipeline") && has_arg(&a, "16"));
    CHECK(has_arg(&a, "--requests") && has_arg(&a, "2000"));
}

TEST(report_escapes_script_ends)
{
    struct report_buf b = {0};
    const char *text = "{\"a\":\"</script><b>\",\"c\":\"<\\/ok\"}";
    CHECK_INT_EQ(report_append_script_safe(&b, text, strlen(text)), 0);
    CHECK(strstr(b.data, "</") == NULL);
    CHECK(strstr(b.data, "<\\/script>") != NULL);
    json_t *j = json_loads(b.data, 0, NULL);
    CHECK(j != NULL);
    CHECK_STR_EQ(json_string_value(json_object_get(j, "a")), "</script><b>");
    json_decref(j);
    free(b.data);
}

static void fake_env(struct bench_env *e)
{
    memset(e, 0, sizeof *e);
    e->nofile_soft = e->nofile_hard = 20000;
    e->port_lo = 32768;
    e->port_hi = 60999;
    e->pid_max = 32768;
    e->threads_max = 200000;
    e->max_map_count = 65530;
    e->cg_pids_max = e->cg_memory_max = ENV_UNLIMITED;
    e->nproc = ENV_UNLIMITED;
    e->tasks_now = 200;
    e->cpus_allowed = 2;
    e->n_server_cpus = e->n_load_cpus = 1;
}

TEST(env_names_the_limit_a_run_hits)
{
    struct bench_env e;
    struct env_limit lim;
    fake_env(&e);
    CHECK_INT_EQ(env_check(&e, "thread", 10000, 0, 0, &lim), 0);
    CHECK_INT_EQ(env_check(&e, "loop", 30000, 0, 0, &lim), 1);
    CHECK(strstr(lim.name, "RLIMIT_NOFILE") != NULL);
    e.nofile_hard = 100000;
    CHECK_INT_EQ(env_check(&e, "loop", 30000, 0, 0, &lim), 1);
    CHECK(strstr(lim.name, "ip_local_port_range") != NULL);
    CHECK_INT_EQ(env_check(&e, "loop", 30000, 40, 0, &lim), 0);
    CHECK_INT_EQ(env_check(&e, "thread", 30000, 40, 0, &lim), 0);
    CHECK_INT_EQ(env_check(&e, "thread", 33000, 40, 0, &lim), 1);
    CHECK_STR_EQ(lim.name, "kernel.pid_max");
    CHECK(strstr(lim.how, "sysctl") != NULL);
    e.pid_max = 4194304;
    CHECK_INT_EQ(env_check(&e, "thread", 33000, 40, 0, &lim), 1);
    CHECK_STR_EQ(lim.name, "vm.max_map_count");
    e.max_map_count = 1000000;
    CHECK_INT_EQ(env_check(&e, "thread", 33000, 40, 0, &lim), 0);
    e.cg_pids_max = 1000;
    e.cg_pids_current = 10;
    CHECK_INT_EQ(env_check(&e, "thread", 5000, 0, 0, &lim), 1);
    CHECK_STR_EQ(lim.name, "cgroup pids.max");
    CHECK_INT_EQ(env_check(&e, "pool", 5000, 0, 0, &lim), 0);
}

TEST(plan_quick_is_small_and_ids_are_unique)
{
    struct bench_env e;
    fake_env(&e);
    struct plan p;
    unsigned tools = (1u << TOOL_WRK) | (1u << TOOL_LOAD);
    struct plan_opts o = {.modes = MODE_THREAD | MODE_POOL | MODE_LOOP,
                          .scenarios = SCEN_ALL,
                          .nginx = 1,
                          .tools = tools};
    CHECK_INT_EQ(plan_build(&p, "quick", &o, &e), 0);
    CHECK(p.calibrate);
    CHECK(p.n > 10);
    CHECK(plan_total_estimate_s(&p) < 110);
    int idle_required = 0, nginx = 0;
    for (size_t i = 0; i < p.n; i++) {
        for (size_t j = i + 1; j < p.n; j++)
            CHECK(strcmp(p.runs[i].id, p.runs[j].id) != 0);
        if (strcmp(p.runs[i].scenario, "idle") == 0)
            idle_required += p.runs[i].tool == TOOL_LOAD && p.runs[i].tool_required;
        if (strcmp(p.runs[i].mode, "nginx") == 0) {
            nginx++;
            CHECK(strcmp(p.runs[i].scenario, "scale") == 0 ||
                  strcmp(p.runs[i].scenario, "idle") == 0);
        }
    }
    CHECK(idle_required > 0);
    CHECK(nginx > 0);
    /* The closed-loop scale runs take c10k-load, which loads a server harder than wrk. */
    for (size_t i = 0; i < p.n; i++)
        if (strcmp(p.runs[i].scenario, "scale") == 0)
            CHECK(p.runs[i].tool == TOOL_LOAD);
    plan_free(&p);

    o = (struct plan_opts){.modes = MODE_LOOP, .scenarios = SCEN_CPU, .tools = tools};
    CHECK_INT_EQ(plan_build(&p, "default", &o, &e), 0);
    CHECK(!p.calibrate);
    for (size_t i = 0; i < p.n; i++) {
        CHECK(p.runs[i].server_all_cpus);
        CHECK_STR_EQ(p.runs[i].mode, "loop");
    }
    plan_free(&p);
    o = (struct plan_opts){.modes = MODE_ALL, .scenarios = SCEN_ALL, .tools = tools};
    CHECK_INT_EQ(plan_build(&p, "default", &o, &e), 0);
    CHECK(plan_total_estimate_s(&p) < 15 * 60);
    plan_free(&p);
    CHECK_INT_EQ(plan_build(&p, "nope", &o, &e), -EINVAL);
    /* --generator wrk: wrk drives the closed-loop scale runs. */
    o = (struct plan_opts){
        .modes = MODE_LOOP, .scenarios = SCEN_SCALE, .tools = tools, .prefer_wrk = 1};
    CHECK_INT_EQ(plan_build(&p, "quick", &o, &e), 0);
    for (size_t i = 0; i < p.n; i++)
        CHECK(p.runs[i].tool == TOOL_WRK);
    plan_free(&p);
}

TEST(plan_repeats_with_levels_outermost)
{
    struct bench_env e;
    fake_env(&e);
    struct plan p;
    struct plan_opts o = {.modes = MODE_THREAD | MODE_LOOP,
                          .scenarios = SCEN_SCALE,
                          .tools = 1u << TOOL_LOAD,
                          .repeat = 3};
    CHECK_INT_EQ(plan_build(&p, "quick", &o, &e), 0);
    /* quick: 2 levels x 3 repetitions x 2 models. */
    CHECK_INT_EQ((long long)p.n, 12);
    for (size_t i = 0; i < p.n; i++) {
        CHECK_INT_EQ(p.runs[i].level, i < 6 ? 10 : 1000);
        CHECK_INT_EQ(p.runs[i].repetition, (int)(i % 6) / 2 + 1);
        CHECK(strstr(p.runs[i].id, "-r") != NULL);
        for (size_t j = i + 1; j < p.n; j++)
            CHECK(strcmp(p.runs[i].id, p.runs[j].id) != 0);
    }
    /* The order of the models rotates, so neither always runs first. */
    CHECK(strcmp(p.runs[0].mode, p.runs[2].mode) != 0);
    plan_free(&p);
}

TEST(plan_takes_the_levels_asked_for)
{
    int levels[PLAN_LEVELS_MAX];
    CHECK_INT_EQ(plan_parse_levels("100,1000,10000", levels, PLAN_LEVELS_MAX), 0);
    CHECK_INT_EQ(levels[0], 100);
    CHECK_INT_EQ(levels[2], 10000);
    CHECK_INT_EQ(levels[3], -1);
    CHECK_INT_EQ(plan_parse_levels("100,", levels, PLAN_LEVELS_MAX), -EINVAL);
    CHECK_INT_EQ(plan_parse_levels("ten", levels, PLAN_LEVELS_MAX), -EINVAL);
    CHECK_INT_EQ(plan_parse_levels("-5", levels, PLAN_LEVELS_MAX), -EINVAL);
    CHECK_INT_EQ(plan_parse_levels("1,2,3,4,5,6,7,8,9,10,11,12", levels, PLAN_LEVELS_MAX), -EINVAL);
    struct bench_env e;
    fake_env(&e);
    CHECK_INT_EQ(plan_parse_levels("100,1000", levels, PLAN_LEVELS_MAX), 0);
    struct plan p;
    struct plan_opts o = {
        .modes = MODE_LOOP, .scenarios = SCEN_SCALE, .tools = 1u << TOOL_LOAD, .levels = levels};
    CHECK_INT_EQ(plan_build(&p, "default", &o, &e), 0);
    CHECK_INT_EQ((long long)p.n, 2);
    CHECK_INT_EQ(p.runs[0].level, 100);
    CHECK_INT_EQ(p.runs[1].level, 1000);
    plan_free(&p);
}

/* A server that lacks a model, or may not use io_uring here, exits 2 after one line: the run
 * is skipped with that line, and the model's later runs are skipped without starting it. */
TEST(run_skips_a_model_the_server_refuses)
{
    char dir[] = "/tmp/c10k-test-refuse.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char server[64], cmd[128];
    snprintf(server, sizeof server, "%s/server", dir);
    FILE *f = fopen(server, "w");
    CHECK(f != NULL);
    fprintf(f, "#!/bin/sh\n"
               "echo 'c10k-server: --mode uring: io_uring is disabled by "
               "kernel.io_uring_disabled=2' >&2\n"
               "exit 2\n");
    fclose(f);
    CHECK_INT_EQ(chmod(server, 0755), 0);

    struct bench_env e;
    CHECK_INT_EQ(env_read(&e), 0);
    struct bench_ctx ctx = {.env = &e,
                            .server_path = server,
                            .load_path = "/bin/false",
                            .out_dir = dir,
                            .log_dir = dir,
                            .tmp_dir = dir};
    struct plan p;
    int ten[] = {10, -1};
    struct plan_opts o = {.modes = MODE_URING,
                          .scenarios = SCEN_SCALE,
                          .tools = 1u << TOOL_LOAD,
                          .levels = ten,
                          .repeat = 2};
    CHECK_INT_EQ(plan_build(&p, "quick", &o, &e), 0);
    CHECK_INT_EQ((long long)p.n, 2);
    for (size_t i = 0; i < p.n; i++) {
        json_t *run = run_execute(&ctx, &p.runs[i]);
        CHECK_STR_EQ(json_string_value(json_object_get(run, "status")), "skipped");
        CHECK_STR_EQ(json_string_value(json_object_get(run, "reason")),
                     "c10k-server: --mode uring: io_uring is disabled by "
                     "kernel.io_uring_disabled=2");
        CHECK_STR_EQ(json_string_value(json_object_get(run, "model")), "uring");
        json_decref(run);
    }
    /* Another exit is a failure, not a skip. */
    f = fopen(server, "w");
    CHECK(f != NULL);
    fprintf(f, "#!/bin/sh\necho 'one' >&2\necho 'two' >&2\nexit 2\n");
    fclose(f);
    memset(ctx.refused, 0, sizeof ctx.refused);
    json_t *run = run_execute(&ctx, &p.runs[0]);
    CHECK_STR_EQ(json_string_value(json_object_get(run, "status")), "failed");
    json_decref(run);
    plan_free(&p);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT_EQ(system(cmd), 0);
}

TEST(plan_runs_uring_as_the_loop_runs)
{
    struct bench_env e;
    fake_env(&e);
    struct plan p;
    int eight[] = {8, -1};
    struct plan_opts o = {.modes = MODE_LOOP | MODE_URING,
                          .scenarios = SCEN_CPU,
                          .tools = 1u << TOOL_LOAD,
                          .levels = eight};
    CHECK_INT_EQ(plan_build(&p, "quick", &o, &e), 0);
    CHECK_INT_EQ((long long)p.n, 6);
    CHECK_STR_EQ(p.runs[3].model, "uring");
    CHECK_STR_EQ(p.runs[4].model, "uring --rings 2");
    CHECK_STR_EQ(p.runs[5].model, "uring --offload");
    plan_free(&p);
}

TEST(plan_parses_lists)
{
    unsigned bits;
    char bad[32];
    CHECK_INT_EQ(plan_parse_modes("thread,loop", &bits, bad, sizeof bad), 0);
    CHECK_INT_EQ(bits, MODE_THREAD | MODE_LOOP);
    CHECK_INT_EQ(plan_parse_modes("uring", &bits, bad, sizeof bad), 0);
    CHECK_INT_EQ(bits, MODE_URING);
    CHECK_STR_EQ(plan_mode_name(MODE_URING), "uring");
    CHECK_INT_EQ(plan_parse_modes("thread,fork", &bits, bad, sizeof bad), -EINVAL);
    CHECK_STR_EQ(bad, "fork");
    CHECK_INT_EQ(plan_parse_scenarios("ctxswitch", &bits, bad, sizeof bad), 0);
    CHECK_INT_EQ(bits, SCEN_CTXSWITCH);
    CHECK_INT_EQ(plan_parse_scenarios("", &bits, bad, sizeof bad), -EINVAL);
}

TEST(results_csv_quotes_what_needs_it)
{
    json_t *root = json_pack("{s:[{s:s, s:s, s:i, s:{s:f}, s:s}]}", "runs", "id", "a", "status",
                             "errors", "level", 10, "client", "requests_per_s", 1.5, "reason",
                             "client errors: 3, \"timeout\"");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    results_csv(root, f);
    fclose(f);
    CHECK(strncmp(buf, "id,scenario,", 12) == 0);
    CHECK(strstr(buf, "\na,,,,10,") != NULL);
    CHECK(strstr(buf, ",1.5,") != NULL);
    CHECK(strstr(buf, "\"client errors: 3, \"\"timeout\"\"\"\n") != NULL);
    free(buf);
    json_decref(root);
}

/* The one whole-file reader: a file of 200,000 bytes (several times its first buffer) comes
 * back whole with its length; over the limit, missing, or a directory, NULL with errno. */
TEST(results_read_text_reads_whole_files_up_to_a_limit)
{
    char dir[] = "/tmp/c10k-test-read.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[64];
    snprintf(path, sizeof path, "%s/text", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    for (int i = 0; i < 200000; i++)
        fputc('a' + i % 26, f);
    fclose(f);
    size_t len = 0;
    char *text = results_read_text(path, RESULTS_TEXT_MAX, &len);
    CHECK(text != NULL);
    CHECK_INT_EQ((long long)len, 200000);
    CHECK_INT_EQ((long long)strlen(text), 200000);
    CHECK(text[199999] == 'a' + 199999 % 26);
    free(text);
    errno = 0;
    CHECK(results_read_text(path, 199999, NULL) == NULL);
    CHECK_INT_EQ(errno, EFBIG);
    text = results_read_text(path, 200000, NULL);
    CHECK(text != NULL);
    free(text);
    CHECK(results_read_text(dir, RESULTS_TEXT_MAX, NULL) == NULL);
    CHECK_INT_EQ(unlink(path), 0);
    CHECK(results_read_text(path, RESULTS_TEXT_MAX, NULL) == NULL);
    CHECK_INT_EQ(errno, ENOENT);
    CHECK_INT_EQ(rmdir(dir), 0);
}

TEST(results_get_finds_keys_that_hold_dots)
{
    json_t *run = json_pack("{s:{s:{s:i, s:{s:i}}}}", "server", "counters", "errors.thread_create",
                            7, "errors", "parse", 2);
    CHECK(results_num(run, "server.counters.errors.thread_create") == 7);
    CHECK(results_num(run, "server.counters.errors.parse") == 2);
    CHECK(results_get(run, "server.counters.errors.emfile") == NULL);
    CHECK(results_get(run, "server.counters.nothing.here") == NULL);
    json_decref(run);
}

TEST(claims_judge_without_data)
{
    json_t *root = json_pack("{s:[], s:n}", "runs", "calibration");
    claims_build(root);
    json_t *claims = json_object_get(root, "claims");
    CHECK_INT_EQ(json_array_size(claims), 7);
    for (size_t i = 0; i < json_array_size(claims); i++) {
        json_t *c = json_array_get(claims, i);
        CHECK_STR_EQ(json_string_value(json_object_get(c, "verdict")), "not measured");
        CHECK(json_is_string(json_object_get(c, "thresholds")));
        CHECK(json_is_true(json_object_get(c, "stable")));
    }
    CHECK(json_is_array(json_object_get(root, "headline")));
    json_decref(root);
}

/* A scale run as run.c writes it, with what the claims read. */
static json_t *scale_run(const char *model, int lvl, int rep, double rps, double cpu_us,
                         double ctx_per_request, const char *bottleneck)
{
    char id[64];
    snprintf(id, sizeof id, "scale-%s-%d-r%d", model, lvl, rep);
    return json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:s, s:b, s:{s:s, s:i},"
                     " s:{s:f, s:f, s:{s:f}}, s:{s:f, s:f}, s:{s:f}}",
                     "id", id, "scenario", "scale", "model", model, "level", lvl, "concurrency",
                     lvl, "idle_connections", 0, "repetition", rep, "status", "ok", "load_bound",
                     strcmp(bottleneck, "load generator") == 0, "saturation", "bottleneck",
                     bottleneck, "server_cpus", 1, "client", "requests_per_s", rps, "good_per_s",
                     rps, "latency_us", "p99", 1000.0, "server", "cpu_us_per_request", cpu_us,
                     "ctx_per_request", ctx_per_request, "per_connection", "total_bytes",
                     strcmp(model, "thread") == 0 ? 40000.0 : 4000.0);
}

static json_t *claim_by_id(json_t *root, const char *cid)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(root, "claims"), i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "id")), cid) == 0)
            return c;
    }
    return NULL;
}

TEST(claims_blame_switching_when_its_cost_grows_with_threads)
{
    json_t *runs = json_array();
    json_array_append_new(runs, scale_run("thread", 10, 1, 90000, 10, 1.0, "server"));
    json_array_append_new(runs, scale_run("loop", 10, 1, 150000, 6, 0.05, "server"));
    json_array_append_new(runs, scale_run("thread", 10000, 1, 50000, 20, 1.0, "server"));
    json_array_append_new(runs, scale_run("loop", 10000, 1, 100000, 10, 0.05, "load generator"));
    json_t *root = json_pack("{s:o, s:{s:{s:f}}}", "runs", runs, "calibration", "context_switch",
                             "switch_cost_ns", 2000.0);
    claims_build(root);
    json_t *c = claim_by_id(root, "switching");
    CHECK_STR_EQ(json_string_value(json_object_get(c, "verdict")), "holds");
    json_t *f = json_object_get(c, "figures");
    /* (10 - 6) / 1.0 and (20 - 10) / 1.0 µs per switch; the direct cost beside them. */
    CHECK(fabs(json_number_value(json_object_get(f, "total_switch_us_at_10")) - 4.0) < 1e-9);
    CHECK(fabs(json_number_value(json_object_get(f, "total_switch_us_at_10000")) - 10.0) < 1e-9);
    CHECK(fabs(json_number_value(json_object_get(f, "direct_switch_us")) - 2.0) < 1e-9);
    CHECK(strstr(json_string_value(json_object_get(c, "measured")), "direct 2.00 µs") != NULL);
    /* The loop's run at 10,000 was load-bound: its p99 decides nothing. */
    json_t *e = claim_by_id(root, "efficiency");
    CHECK(json_is_null(json_object_get(json_object_get(e, "figures"), "p99_ratio_at_10000")));
    CHECK(strstr(json_string_value(json_object_get(e, "measured")), "not compared") != NULL);
    /* ... and the headline compares that level by CPU per request. */
    const char *h = json_string_value(json_array_get(json_object_get(root, "headline"), 0));
    CHECK(strstr(h, "load-bound") != NULL);
    json_decref(root);
}

TEST(claims_see_no_harm_when_throughput_holds)
{
    json_t *runs = json_array();
    json_array_append_new(runs, scale_run("thread", 10, 1, 90000, 10, 1.0, "server"));
    json_array_append_new(runs, scale_run("loop", 10, 1, 150000, 6, 0.05, "server"));
    json_array_append_new(runs, scale_run("thread", 10000, 1, 88000, 10.5, 1.0, "server"));
    json_array_append_new(runs, scale_run("loop", 10000, 1, 100000, 10, 0.05, "server"));
    json_t *root = json_pack("{s:o, s:n}", "runs", runs, "calibration");
    claims_build(root);
    json_t *c = claim_by_id(root, "switching");
    CHECK_STR_EQ(json_string_value(json_object_get(c, "verdict")), "does not hold");
    CHECK(json_is_true(json_object_get(c, "surprising")));
    json_decref(root);
}

/* The loop decides the verdict; uring at the same level is quoted beside it, and changes
 * nothing. */
TEST(claims_quote_uring_beside_the_loop)
{
    json_t *runs = json_array();
    json_array_append_new(runs, scale_run("thread", 1000, 1, 90000, 20, 1.0, "server"));
    json_array_append_new(runs, scale_run("loop", 1000, 1, 150000, 6, 0.05, "server"));
    json_t *without = json_pack("{s:o, s:n}", "runs", json_deep_copy(runs), "calibration");
    json_array_append_new(runs, scale_run("uring", 1000, 1, 170000, 4.5, 0.02, "server"));
    json_t *with = json_pack("{s:o, s:n}", "runs", runs, "calibration");
    claims_build(without);
    claims_build(with);
    json_t *e0 = claim_by_id(without, "efficiency"), *e1 = claim_by_id(with, "efficiency");
    CHECK_STR_EQ(json_string_value(json_object_get(e1, "verdict")),
                 json_string_value(json_object_get(e0, "verdict")));
    CHECK(strstr(json_string_value(json_object_get(e1, "measured")),
                 "Beside the loop, uring at 1000: 4.5 µs of CPU per request") != NULL);
    CHECK(strstr(json_string_value(json_object_get(e0, "measured")), "uring") == NULL);
    /* The headline quotes every model that ran at its level, uring after the loop. */
    const char *h = json_string_value(json_array_get(json_object_get(with, "headline"), 0));
    CHECK(h != NULL && strstr(h, " loop 150000 req/s") != NULL);
    CHECK(h != NULL && strstr(h, " uring 170000 req/s") != NULL);
    CHECK(h != NULL && strstr(h, " loop ") < strstr(h, " uring "));
    json_decref(without);
    json_decref(with);
}

TEST(claims_mark_a_verdict_that_changes_between_repetitions)
{
    json_t *runs = json_array();
    /* Repetition 1: the thread server falls past 5,000; repetition 2: it does not. */
    json_array_append_new(runs, scale_run("thread", 10, 1, 90000, 10, 1.0, "server"));
    json_array_append_new(runs, scale_run("loop", 10, 1, 150000, 6, 0.05, "server"));
    json_array_append_new(runs, scale_run("thread", 10000, 1, 50000, 20, 1.0, "server"));
    json_array_append_new(runs, scale_run("loop", 10000, 1, 100000, 10, 0.05, "server"));
    json_array_append_new(runs, scale_run("thread", 10, 2, 90000, 10, 1.0, "server"));
    json_array_append_new(runs, scale_run("loop", 10, 2, 150000, 6, 0.05, "server"));
    json_array_append_new(runs, scale_run("thread", 10000, 2, 88000, 10.5, 1.0, "server"));
    json_array_append_new(runs, scale_run("loop", 10000, 2, 100000, 10, 0.05, "server"));
    json_t *root = json_pack("{s:o, s:n, s:i}", "runs", runs, "calibration", "repeat", 2);
    claims_build(root);
    json_t *c = claim_by_id(root, "switching");
    CHECK_STR_EQ(json_string_value(json_object_get(c, "verdict")), "unstable");
    CHECK(json_is_false(json_object_get(c, "stable")));
    json_t *v = json_object_get(c, "verdicts");
    CHECK_STR_EQ(json_string_value(json_array_get(v, 0)), "holds");
    CHECK_STR_EQ(json_string_value(json_array_get(v, 1)), "does not hold");
    json_t *fall = json_object_get(json_object_get(c, "spread"), "capacity_fall");
    CHECK(json_number_value(json_array_get(fall, 0)) < 0.05);
    CHECK(json_number_value(json_array_get(fall, 1)) > 0.4);
    CHECK(strstr(json_string_value(json_object_get(c, "unstable")), "capacity_fall") != NULL);
    /* The memory claim decides the same way both times. */
    CHECK(json_is_true(json_object_get(claim_by_id(root, "efficiency"), "stable")));
    json_decref(root);
}

TEST(claims_judge_idle_threads_by_their_own_switches)
{
    json_t *runs = json_array();
    json_array_append_new(
        runs, json_pack("{s:s, s:s, s:s, s:i, s:s, s:{}, s:{s:f, s:f, s:f, s:f, s:f}}", "id",
                        "idle-thread-10000", "scenario", "idle", "model", "thread", "level", 10000,
                        "status", "ok", "client", "idle_threads", "threads", 10000.0,
                        "switches_per_thread_per_s", 0.0002, "cpu_us_per_thread_per_s", 0.0,
                        "window_s", 4.0, "switches", 8.0));
    json_t *root = json_pack("{s:o, s:n}", "runs", runs, "calibration");
    claims_build(root);
    json_t *c = claim_by_id(root, "idle");
    CHECK_STR_EQ(json_string_value(json_object_get(c, "verdict")), "does not hold");
    CHECK(strstr(json_string_value(json_object_get(c, "measured")), "0.0002 times a second") !=
          NULL);
    json_decref(root);
}

TEST(calib_ring_goes_round_as_threads_and_on_a_loop)
{
    struct bench_env e;
    CHECK_INT_EQ(env_read(&e), 0);
    json_t *cal = json_object();
    calib_ring(cal, &e, 16, 50, 5.0);
    CHECK_INT_EQ(results_num(cal, "ring.tasks"), 16);
    static const char *const variants[] = {"threads", "threads_pinned", "loop"};
    for (size_t i = 0; i < 3; i++) {
        char key[64];
        json_t *v = json_object_get(json_object_get(cal, "ring"), variants[i]);
        CHECK(json_is_object(v));
        snprintf(key, sizeof key, "ring.%s.laps", variants[i]);
        CHECK_INT_EQ(results_num(cal, key), 50);
        snprintf(key, sizeof key, "ring.%s.ms_per_lap", variants[i]);
        CHECK(results_num(cal, key) > 0);
        CHECK(json_string_value(json_object_get(v, "cpus")) != NULL);
    }
    /* Pinned to one CPU: a single number. */
    CHECK(strpbrk(json_string_value(results_get(cal, "ring.loop.cpus")), ",-") == NULL);
    CHECK_STR_EQ(json_string_value(results_get(cal, "ring.published.source")),
                 "jimblandy/context-switch");
    json_decref(cal);
}

static uint64_t own_vsize(void)
{
    struct sample s;
    return sample_take(getpid(), 0, 0, &s) == 0 ? s.vsize_bytes : 0;
}

TEST(calib_small_stacks_fit_more_threads_under_the_address_limit)
{
    struct bench_env e;
    CHECK_INT_EQ(env_read(&e), 0);
    json_t *cal = json_object();
    calib_address_space(cal, &e, 2000);
    json_t *as = json_object_get(cal, "address_space");
    if (json_is_null(as)) {
        /* Only where the process already maps more than the limit (sanitizers' shadow). */
        CHECK(json_is_string(json_object_get(cal, "address_space_error")));
        CHECK(own_vsize() >= 4ULL << 30);
        json_decref(cal);
        return;
    }
    CHECK_INT_EQ(results_num(as, "limit_bytes"), 4LL << 30);
    CHECK_INT_EQ(results_num(as, "cap"), 2000);
    /* 64 KiB stacks reach the cap; 8 MiB ones run out of address space (about 500). */
    CHECK_INT_EQ(results_num(as, "threads_small_stack"), 2000);
    CHECK(json_is_null(json_object_get(as, "small_stack_error")));
    CHECK(results_num(as, "threads_default_stack") > 0);
    CHECK(results_num(as, "threads_default_stack") < 2000);
    const char *err = json_string_value(json_object_get(as, "default_stack_error"));
    CHECK(err != NULL && (strcmp(err, "EAGAIN") == 0 || strcmp(err, "ENOMEM") == 0));
    json_decref(cal);
}

TEST(plan_perf_profile_runs_every_perf_scenario_three_times)
{
    struct bench_env e;
    fake_env(&e);
    struct plan p;
    unsigned tools = (1u << TOOL_WRK) | (1u << TOOL_LOAD);
    struct plan_opts o = {.modes = MODE_LOOP | MODE_THREAD, .nginx = 1, .tools = tools};
    CHECK_INT_EQ(plan_build(&p, "perf", &o, &e), 0);
    CHECK_INT_EQ(p.scenarios, SCEN_PERF);
    CHECK_INT_EQ(p.repeat, 3);
    CHECK(!p.calibrate);
    int pipelined = 0, wrapped = 0, small = 0, large = 0, scale_levels[3] = {0, 0, 0};
    for (size_t i = 0; i < p.n; i++) {
        const struct run_spec *r = &p.runs[i];
        for (size_t j = i + 1; j < p.n; j++)
            CHECK(strcmp(r->id, p.runs[j].id) != 0);
        if (strcmp(r->scenario, "scale") == 0) {
            CHECK(r->tool == TOOL_LOAD && r->wrap == WRAP_NONE);
            scale_levels[0] += r->level == 100;
            scale_levels[1] += r->level == 1000;
            scale_levels[2] += r->level == 10000;
        }
        if (strcmp(r->scenario, "pipeline") == 0)
            pipelined += r->pipeline == 16 && r->tool == TOOL_LOAD && r->level == 100;
        if (strcmp(r->scenario, "syscalls") == 0)
            wrapped += r->wrap == WRAP_SYSCALLS && r->level == 1000;
        if (strcmp(r->scenario, "instructions") == 0) {
            CHECK(r->wrap == WRAP_CALLGRIND && r->warmup_s == 0);
            small += r->requests == 2000;
            large += r->requests == 22000;
        }
    }
    /* three models (nginx too), three rounds */
    CHECK_INT_EQ(scale_levels[0], 9);
    CHECK_INT_EQ(scale_levels[1], 9);
    CHECK_INT_EQ(scale_levels[2], 9);
    CHECK_INT_EQ(pipelined, 9);
    CHECK_INT_EQ(wrapped, 9);
    CHECK_INT_EQ(small, 9);
    CHECK_INT_EQ(large, 9);
    /* the rounds rotate the models: the first run of each round differs */
    CHECK(strcmp(p.runs[0].model, p.runs[3].model) != 0);
    plan_free(&p);

    o.repeat = 1;
    o.duration_s = 2;
    o.wrap = WRAP_STRACE;
    o.scenarios = SCEN_SCALE;
    CHECK_INT_EQ(plan_build(&p, "perf", &o, &e), 0);
    CHECK_INT_EQ(p.n, 9);
    for (size_t i = 0; i < p.n; i++)
        CHECK(p.runs[i].duration_s == 2 && p.runs[i].wrap == WRAP_STRACE);
    plan_free(&p);
}

TEST(plan_loadgen_runs_both_generators_against_one_server)
{
    struct bench_env e;
    fake_env(&e);
    struct plan p;
    unsigned tools = (1u << TOOL_WRK) | (1u << TOOL_LOAD);
    struct plan_opts o = {
        .modes = MODE_ALL, .nginx = 0, .tools = tools, .repeat = 1, .hold_busy = 40};
    CHECK_INT_EQ(plan_build(&p, "loadgen", &o, &e), 0);
    int wrk = 0, load = 0, hold = 0;
    for (size_t i = 0; i < p.n; i++) {
        const struct run_spec *r = &p.runs[i];
        CHECK_STR_EQ(r->mode, "loop");
        if (strcmp(r->scenario, "generators") == 0) {
            wrk += r->tool == TOOL_WRK;
            load += r->tool == TOOL_LOAD;
            CHECK(r->tool_required);
        } else {
            CHECK_STR_EQ(r->scenario, "hold");
            CHECK_INT_EQ(r->concurrency, 40);
            CHECK_INT_EQ(r->idle, 15000 - 40);
            CHECK(r->ramp == 5000 && r->sources > 1);
            hold++;
        }
    }
    CHECK_INT_EQ(wrk, 2);
    CHECK_INT_EQ(load, 2);
    CHECK_INT_EQ(hold, 1);
    plan_free(&p);
}

/* A run object as results.json holds it, with the figures the perf summary reads. */
static json_t *perf_run(const char *scenario, const char *model, int level, int rep, double rps,
                        double cpu_us)
{
    return json_pack("{s:s, s:s, s:s, s:i, s:i, s:s, s:{s:f, s:{s:f}, s:{s:i}}, s:{s:f}, "
                     "s:{s:f, s:f}}",
                     "scenario", scenario, "model", model, "tool", "c10k-load", "level", level,
                     "repetition", rep, "status", "ok", "client", "requests_per_s", rps,
                     "latency_us", "p99", 1000.0, "errors", "total", 0, "server",
                     "cpu_us_per_request", cpu_us, "saturation", "server_busy", 0.95, "client_busy",
                     0.5);
}

TEST(perf_summary_takes_medians_and_ratios)
{
    json_t *runs = json_array();
    double loop_rps[] = {100, 300, 200}, nginx_rps[] = {90, 100, 400};
    for (int rep = 1; rep <= 3; rep++) {
        json_array_append_new(runs, perf_run("scale", "loop", 100, rep, loop_rps[rep - 1], 5));
        json_array_append_new(runs, perf_run("scale", "nginx", 100, rep, nginx_rps[rep - 1], 10));
    }
    /* instructions: 1,000,000 + 2,000 per request, over pairs of runs */
    for (int k = 0; k < 2; k++) {
        json_t *r = perf_run("instructions", "loop", 100, 1, 1, 1);
        json_object_set_new(r, "wrapper",
                            json_pack("{s:I, s:I}", "instructions",
                                      (json_int_t)(1000000 + 2000 * (k ? 22000 : 2000)), "requests",
                                      (json_int_t)(k ? 22000 : 2000)));
        json_array_append_new(runs, r);
    }
    json_t *skipped = perf_run("syscalls", "loop", 1000, 1, 1, 1);
    json_object_set_new(skipped, "status", json_string("skipped"));
    json_object_set_new(skipped, "reason", json_string("strace is not installed"));
    json_array_append_new(runs, skipped);
    json_t *root = json_pack("{s:o, s:i}", "runs", runs, "repeat", 3);
    json_t *perf = perf_summary(root);

    CHECK_STR_EQ(json_string_value(json_array_get(json_object_get(perf, "models"), 0)), "nginx");
    CHECK(results_num(perf, "scale.loop.100.requests_per_s") == 200);
    CHECK(results_num(perf, "scale.nginx.100.requests_per_s") == 100);
    CHECK(results_num(perf, "scale.loop.100.cpu_us_per_request") == 5);
    CHECK(results_num(perf, "instructions.loop.100.instructions_per_request") == 2000);
    CHECK_STR_EQ(json_string_value(results_get(perf, "syscalls.loop.1000.skipped")),
                 "strace is not installed");
    int found = 0;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(perf, "ratios"), i, r)
    {
        const char *name = json_string_value(json_object_get(r, "name"));
        if (strcmp(name, "loop/nginx req/s at 100") == 0)
            found += json_real_value(json_object_get(r, "value")) == 2.0;
        if (strcmp(name, "loop/nginx CPU per request at 100") == 0)
            found += json_real_value(json_object_get(r, "value")) == 0.5;
    }
    CHECK_INT_EQ(found, 2);

    char buf[8192];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    CHECK(f != NULL);
    perf_print(f, perf);
    fclose(f);
    CHECK(strstr(buf, "Performance (medians of 3 rounds)") != NULL);
    CHECK(strstr(buf, "loop/nginx req/s at 100") != NULL);
    CHECK(strstr(buf, "skipped: strace is not installed") != NULL);
    json_decref(perf);
    json_decref(root);
}

TEST_MAIN(
    TEST_ENTRY(sample_parses_meminfo), TEST_ENTRY(sample_parses_sockstat),
    TEST_ENTRY(sample_parses_schedstat), TEST_ENTRY(sample_reads_every_thread_of_this_process),
    TEST_ENTRY(cgmem_parses_a_v2_memory_stat), TEST_ENTRY(run_names_what_limited_a_run),
    TEST_ENTRY(plan_takes_the_levels_asked_for), TEST_ENTRY(plan_repeats_with_levels_outermost),
    TEST_ENTRY(sample_reads_this_process), TEST_ENTRY(run_parses_stub_status),
    TEST_ENTRY(loadgen_parses_wrk), TEST_ENTRY(loadgen_parses_c10k_load),
    TEST_ENTRY(loadgen_builds_command_lines), TEST_ENTRY(report_escapes_script_ends),
    TEST_ENTRY(env_names_the_limit_a_run_hits), TEST_ENTRY(plan_quick_is_small_and_ids_are_unique),
    TEST_ENTRY(plan_parses_lists), TEST_ENTRY(run_skips_a_model_the_server_refuses),
    TEST_ENTRY(plan_runs_uring_as_the_loop_runs), TEST_ENTRY(claims_quote_uring_beside_the_loop),
    TEST_ENTRY(results_csv_quotes_what_needs_it), TEST_ENTRY(results_get_finds_keys_that_hold_dots),
    TEST_ENTRY(results_read_text_reads_whole_files_up_to_a_limit),
    TEST_ENTRY(claims_judge_without_data),
    TEST_ENTRY(claims_blame_switching_when_its_cost_grows_with_threads),
    TEST_ENTRY(claims_see_no_harm_when_throughput_holds),
    TEST_ENTRY(claims_mark_a_verdict_that_changes_between_repetitions),
    TEST_ENTRY(claims_judge_idle_threads_by_their_own_switches),
    TEST_ENTRY(calib_ring_goes_round_as_threads_and_on_a_loop),
    TEST_ENTRY(calib_small_stacks_fit_more_threads_under_the_address_limit),
    TEST_ENTRY(plan_perf_profile_runs_every_perf_scenario_three_times),
    TEST_ENTRY(plan_loadgen_runs_both_generators_against_one_server),
    TEST_ENTRY(perf_summary_takes_medians_and_ratios))
