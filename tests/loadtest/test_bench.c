/* c10k-bench's parts that need no server: /proc parsers, the load generators' outputs, the
 * plan, the limits check, the CSV and the script-safe JSON of the report. */
#include "calib.h"
#include "claims.h"
#include "env.h"
#include "loadgen.h"
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

TEST(sample_parses_stat_with_odd_command_names)
{
    /* comm may hold spaces and parentheses: fields count from the last ')'. */
    const char *text = "123 (a) b) c) S 1 123 123 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 3 0";
    uint64_t ut = 0, st = 0;
    CHECK_INT_EQ(sample_parse_stat_times(text, &ut, &st), 0);
    CHECK_INT_EQ(ut, 250);
    CHECK_INT_EQ(st, 75);
    CHECK_INT_EQ(sample_parse_stat_times("123 no parens", &ut, &st), -EINVAL);
}

TEST(sample_parses_status)
{
    const char *text = "Name:\tc10k-server\nVmSize:\t  20000 kB\nVmRSS:\t    3000 kB\n"
                       "Threads:\t5\nvoluntary_ctxt_switches:\t42\n"
                       "nonvoluntary_ctxt_switches:\t7\n";
    uint64_t rss, vsize, vol, invol;
    int64_t threads;
    CHECK_INT_EQ(sample_parse_status(text, &rss, &vsize, &threads, &vol, &invol), 0);
    CHECK_INT_EQ(rss, 3000 * 1024);
    CHECK_INT_EQ(vsize, 20000 * 1024);
    CHECK_INT_EQ(threads, 5);
    CHECK_INT_EQ(vol, 42);
    CHECK_INT_EQ(invol, 7);
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

TEST(run_parses_the_listening_line)
{
    CHECK_INT_EQ(run_parse_listening("listening on 127.0.0.1:8080 mode=loop"), 8080);
    CHECK_INT_EQ(run_parse_listening("listening on [::1]:43 mode=thread"), 43);
    CHECK_INT_EQ(run_parse_listening("listening on 127.0.0.1 mode=loop"), -EINVAL);
    CHECK_INT_EQ(run_parse_listening("hello"), -EINVAL);
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
    CHECK_INT_EQ(plan_build(&p, "quick", MODE_ALL, SCEN_ALL, 1, tools, &e), 0);
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
    plan_free(&p);

    CHECK_INT_EQ(plan_build(&p, "default", MODE_LOOP, SCEN_CPU, 0, tools, &e), 0);
    CHECK(!p.calibrate);
    for (size_t i = 0; i < p.n; i++) {
        CHECK(p.runs[i].server_all_cpus);
        CHECK_STR_EQ(p.runs[i].mode, "loop");
    }
    plan_free(&p);
    CHECK_INT_EQ(plan_build(&p, "default", MODE_ALL, SCEN_ALL, 0, tools, &e), 0);
    CHECK(plan_total_estimate_s(&p) < 15 * 60);
    plan_free(&p);
    CHECK_INT_EQ(plan_build(&p, "nope", MODE_ALL, SCEN_ALL, 0, tools, &e), -EINVAL);
}

TEST(plan_parses_lists)
{
    unsigned bits;
    char bad[32];
    CHECK_INT_EQ(plan_parse_modes("thread,loop", &bits, bad, sizeof bad), 0);
    CHECK_INT_EQ(bits, MODE_THREAD | MODE_LOOP);
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

TEST(claims_judge_without_data)
{
    json_t *root = json_pack("{s:[], s:n}", "runs", "calibration");
    claims_build(root);
    json_t *claims = json_object_get(root, "claims");
    CHECK_INT_EQ(json_array_size(claims), 6);
    for (size_t i = 0; i < json_array_size(claims); i++)
        CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(claims, i), "verdict")),
                     "not measured");
    CHECK(json_is_array(json_object_get(root, "headline")));
    json_decref(root);
}

TEST(claims_see_a_fall_in_throughput)
{
    json_t *runs = json_array();
    static const struct {
        const char *model;
        int level;
        double rps;
    } rows[] = {{"thread", 10, 50000}, {"thread", 10000, 10000}, {"loop", 10000, 60000}};
    for (size_t i = 0; i < 3; i++) {
        char id[64];
        snprintf(id, sizeof id, "scale-%s-%d", rows[i].model, rows[i].level);
        json_array_append_new(
            runs, json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:s, s:{s:f, s:f, s:{s:f}}, s:{}}",
                            "id", id, "scenario", "scale", "model", rows[i].model, "level",
                            rows[i].level, "concurrency", rows[i].level, "idle_connections", 0,
                            "status", "ok", "client", "requests_per_s", rows[i].rps, "good_per_s",
                            rows[i].rps, "latency_us", "p99", 1000.0, "server"));
    }
    json_t *root = json_pack("{s:o, s:n}", "runs", runs, "calibration");
    claims_build(root);
    json_t *claims = json_object_get(root, "claims");
    json_t *tp = json_array_get(claims, 1);
    CHECK_STR_EQ(json_string_value(json_object_get(tp, "id")), "throughput");
    CHECK_STR_EQ(json_string_value(json_object_get(tp, "verdict")), "holds");
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

TEST_MAIN(TEST_ENTRY(sample_parses_meminfo), TEST_ENTRY(sample_parses_sockstat),
          TEST_ENTRY(sample_parses_stat_with_odd_command_names), TEST_ENTRY(sample_parses_status),
          TEST_ENTRY(sample_reads_this_process), TEST_ENTRY(run_parses_the_listening_line),
          TEST_ENTRY(run_parses_stub_status), TEST_ENTRY(loadgen_parses_wrk),
          TEST_ENTRY(loadgen_parses_c10k_load), TEST_ENTRY(loadgen_builds_command_lines),
          TEST_ENTRY(report_escapes_script_ends), TEST_ENTRY(env_names_the_limit_a_run_hits),
          TEST_ENTRY(plan_quick_is_small_and_ids_are_unique), TEST_ENTRY(plan_parses_lists),
          TEST_ENTRY(results_csv_quotes_what_needs_it), TEST_ENTRY(claims_judge_without_data),
          TEST_ENTRY(claims_see_a_fall_in_throughput),
          TEST_ENTRY(calib_ring_goes_round_as_threads_and_on_a_loop),
          TEST_ENTRY(calib_small_stacks_fit_more_threads_under_the_address_limit))
